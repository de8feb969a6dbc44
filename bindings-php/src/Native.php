<?php

declare(strict_types=1);

namespace Vibergate;

use FFI;

/**
 * Calls into libvibergate and converts between PHP values and the C ABI.
 *
 * @internal
 */
final class Native
{
    public static function ffi(): FFI
    {
        return Library::ffi();
    }

    /** Calls `$function(...$args, &err)` and returns the decoded JSON result. */
    public static function call(string $function, #[\SensitiveParameter] mixed ...$args): mixed
    {
        $ffi = self::ffi();
        $err = $ffi->new('vg_error*');
        $result = $ffi->$function(...[...$args, FFI::addr($err)]);
        return self::take($result, $err);
    }

    /** Decodes and frees a returned string, or throws the error. */
    public static function take(mixed $result, FFI\CData $err): mixed
    {
        $ffi = self::ffi();
        if (self::isNull($result)) {
            $json = $ffi->vg_error_json($err);
            $details = json_decode(FFI::string($json), true) ?? ['code' => 'internal', 'message' => 'unknown error'];
            $ffi->vg_string_free($json);
            $ffi->vg_error_free($err);
            throw VibergateException::fromDetails($details);
        }
        $text = FFI::string($result);
        $ffi->vg_string_free($result);
        return json_decode($text, true, 512, JSON_THROW_ON_ERROR);
    }

    /** FFI gives NULL pointers back as null or as a NULL CData. */
    public static function isNull(mixed $pointer): bool
    {
        return $pointer === null || ($pointer instanceof FFI\CData && FFI::isNull($pointer));
    }

    public static function json(#[\SensitiveParameter] mixed $value): string
    {
        return json_encode($value, JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES | JSON_THROW_ON_ERROR);
    }

    /**
     * Runs `$operation` (a name of tables()['operations']) through `$function` (vg_call or
     * vg_router_call) with `$args` as its argument object; errors name `$method`, `$operation`
     * and `$args` in PHP's words.
     */
    public static function callOperation(string $method, string $function, FFI\CData $handle, string $operation, #[\SensitiveParameter] array $args): array
    {
        $argument = new Argument($method, 'args', 'args_json');
        try {
            return self::call($function, $handle, $operation, $argument->json($args));
        } catch (VibergateException $e) {
            $e = (new Argument($method, 'operation', 'operation', false))->translate($e, $function);
            throw $argument->translate($e, $function);
        }
    }

    /**
     * Calls `$function(...$args, &err)` where one argument is a PHP array the library receives
     * as JSON: errors about it name the PHP method and parameter, in PHP's words.
     */
    public static function callWith(Argument $argument, string $function, #[\SensitiveParameter] mixed ...$args): mixed
    {
        try {
            return self::call($function, ...$args);
        } catch (VibergateException $e) {
            throw $argument->translate($e, $function);
        }
    }
}
