<?php

declare(strict_types=1);

namespace Vibergate;

/**
 * The package's include/vibergate.h (in a checkout a link to the repository's header;
 * scripts/dist/php.sh puts the file itself in the package), made into what FFI::cdef and
 * FFI::load accept.
 *
 * @internal
 */
final class Header
{
    /** The header shipped with this package: the declarations of the library it was built with. */
    public static function path(): string
    {
        return dirname(__DIR__) . '/include/vibergate.h';
    }

    public static function read(): string
    {
        $text = @file_get_contents(self::path());
        if ($text === false) {
            throw new SetupException('the package\'s header ' . self::path() . ' is missing: reinstall vibergate/vibergate', 'include/vibergate.h');
        }
        return $text;
    }

    /**
     * The header as FFI::cdef takes it: C11 declarations without preprocessor lines. FFI::cdef
     * has no preprocessor, so the conditionals cbindgen writes (`#ifdef __cplusplus`, and for
     * `vg_code`, a `uint32_t`, C23's `enum vg_code : uint32_t` under `#if __STDC_VERSION__ >=
     * 202311L`) are decided here as a C11 compiler would, and every `#` line dropped.
     */
    public static function declarations(string $header): string
    {
        $out = [];
        // One entry per open conditional: [this branch is kept, a branch was already kept].
        $stack = [];
        foreach (preg_split('/\R/', $header) as $line) {
            $trimmed = ltrim($line);
            if (!str_starts_with($trimmed, '#')) {
                if (array_reduce($stack, fn (bool $all, array $c) => $all && $c[0], true)) {
                    $out[] = $line;
                }
                continue;
            }
            $directive = trim((string) preg_replace('~//.*$|/\*.*\*/~', '', substr($trimmed, 1)));
            if (preg_match('/^(ifdef|ifndef|if)\s+(.*)$/', $directive, $m)) {
                $value = match ($m[1]) {
                    'ifdef' => self::condition("defined({$m[2]})"),
                    'ifndef' => !self::condition("defined({$m[2]})"),
                    'if' => self::condition($m[2]),
                };
                $stack[] = [$value, $value];
            } elseif ($directive === 'else') {
                $top = array_pop($stack) ?? throw new \LogicException('#else without #if in vibergate.h');
                $stack[] = [!$top[1], true];
            } elseif ($directive === 'endif') {
                array_pop($stack) ?? throw new \LogicException('#endif without #if in vibergate.h');
            }
            // #define, #include: nothing FFI::cdef needs (uint32_t is built in).
        }
        return implode("\n", $out);
    }

    /**
     * A `#if` condition of the header, for a C11 compiler that is not C++ (the include guard is
     * not defined either). Only `||` of `defined(NAME)` and `NAME >= NUMBER` terms occur; anything
     * else is refused, so a new form in a future header is noticed rather than misread.
     */
    private static function condition(string $expression): bool
    {
        $macros = ['__STDC_VERSION__' => 201112];
        $any = false;
        foreach (explode('||', $expression) as $term) {
            $term = trim($term);
            if (preg_match('/^defined\s*\(?\s*(\w+)\s*\)?$/', $term, $m)) {
                $any = $any || isset($macros[$m[1]]);
            } elseif (preg_match('/^(\w+)\s*>=\s*(\d+)L?$/', $term, $m)) {
                $any = $any || (($macros[$m[1]] ?? 0) >= (int) $m[2]);
            } else {
                throw new \LogicException("vibergate.h: a preprocessor condition this loader cannot read: $expression");
            }
        }
        return $any;
    }
}
