<?php

declare(strict_types=1);

namespace Vibergate;

use FFI;

/**
 * Finds libvibergate and opens it through PHP's FFI extension, once per request.
 *
 * Two ways in, tried in this order:
 * - the scope `VIBERGATE` that preload.php registered with FFI::load at server start
 *   (opcache.preload): the only way FFI is allowed under php-fpm's default `ffi.enable=preload`;
 * - FFI::cdef of the package's own header (include/vibergate.h) and the library found by
 *   libraryPath(), where `ffi.enable=true` (or the CLI, where `preload` allows it too).
 *
 * When neither works the exception says which php.ini line or environment variable is missing.
 *
 * @internal the public face is Vibergate::library()
 */
final class Library
{
    /** The FFI scope preload.php registers and the runtime asks for. */
    public const SCOPE = 'VIBERGATE';

    private static ?FFI $ffi = null;

    /** How the open library was reached: ['via' => 'preload'|'cdef', 'library' => ?string]. */
    private static array $opened = [];

    public static function ffi(): FFI
    {
        return self::$ffi ??= self::open();
    }

    /** ['via' => 'preload' or 'cdef', 'library' => the path cdef opened (null for preload)]. */
    public static function describe(): array
    {
        self::ffi();
        return self::$opened;
    }

    private static function open(): FFI
    {
        if (!extension_loaded('ffi')) {
            throw new SetupException(
                'PHP\'s FFI extension is not loaded, and vibergate reaches libvibergate through it: add the line '
                . '`extension=ffi` to php.ini (' . (php_ini_loaded_file() ?: 'see `php --ini`') . '); Debian and Ubuntu ship it '
                . 'in php' . PHP_MAJOR_VERSION . '.' . PHP_MINOR_VERSION . '-common, other builds need --with-ffi',
                'extension=ffi',
            );
        }
        $preloaded = self::scope();
        if ($preloaded !== null) {
            self::$opened = ['via' => 'preload', 'library' => null];
            return $preloaded;
        }
        $enable = strtolower(trim((string) ini_get('ffi.enable')));
        if (in_array($enable, ['', '0', 'false', 'off', 'no'], true)) {
            throw new SetupException(
                'FFI is disabled (ffi.enable=' . ini_get('ffi.enable') . '): set `ffi.enable=true` in php.ini, or keep '
                . '`ffi.enable=preload` and preload vibergate: ' . self::preloadLines(),
                'ffi.enable',
            );
        }
        // `preload` allows FFI::cdef in the CLI only; a web SAPI must use the preloaded scope.
        if ($enable === 'preload' && PHP_SAPI !== 'cli') {
            throw new SetupException(
                'FFI is restricted to preloaded code here (ffi.enable=preload, php-fpm\'s default) and vibergate was '
                . 'not preloaded: add to php.ini ' . self::preloadLines() . ' and restart the server; or set `ffi.enable=true`',
                'opcache.preload',
            );
        }
        $library = self::libraryPath();
        try {
            $ffi = FFI::cdef(Header::declarations(Header::read()), $library);
        } catch (FFI\Exception $e) {
            throw new SetupException("FFI could not open $library: {$e->getMessage()}. " . self::whereToPut(), 'VIBERGATE_LIB', $e);
        }
        self::$opened = ['via' => 'cdef', 'library' => $library];
        return $ffi;
    }

    /** The preloaded scope, or null when preload.php did not run in this server. */
    private static function scope(): ?FFI
    {
        if (!ini_get('opcache.preload')) {
            return null;
        }
        try {
            return FFI::scope(self::SCOPE);
        } catch (FFI\Exception) {
            // No such scope: opcache.preload names another script, or preloading failed (its
            // warnings are in the server's log). cdef below is the way left.
            return null;
        }
    }

    /**
     * Where libvibergate.so is: $VIBERGATE_LIB; else the C SDK's usual places (/usr/local/lib,
     * /usr/lib and its multiarch directory, pkg-config's libdir of `vibergate`); else, in a
     * checkout of the repository, the newer of target/{release,debug}.
     */
    public static function libraryPath(): string
    {
        $env = getenv('VIBERGATE_LIB');
        if ($env !== false && $env !== '') {
            if (!is_file($env)) {
                throw new SetupException("VIBERGATE_LIB names $env, which is not a file. " . self::whereToPut(), 'VIBERGATE_LIB');
            }
            return $env;
        }
        $candidates = self::candidates();
        foreach ($candidates as $path) {
            if (is_file($path)) {
                return $path;
            }
        }
        throw new SetupException(
            'libvibergate.so was not found (looked in: ' . implode(', ', $candidates) . '). ' . self::whereToPut(),
            'VIBERGATE_LIB',
        );
    }

    /** @return list<string> the places libraryPath() looks, in order, after $VIBERGATE_LIB */
    public static function candidates(): array
    {
        $dirs = ['/usr/local/lib', '/usr/lib'];
        $multiarch = PHP_OS_FAMILY === 'Linux' ? php_uname('m') . '-linux-gnu' : null;
        if ($multiarch !== null) {
            $dirs[] = "/usr/lib/$multiarch";
        }
        $pc = self::pkgConfigLibdir();
        if ($pc !== null) {
            array_unshift($dirs, $pc);
        }
        $paths = array_map(fn (string $d) => "$d/libvibergate.so", array_unique($dirs));
        // A checkout: bindings-php/ next to Cargo.toml. The newer build first, since an older
        // one may lack functions the header declares.
        $root = dirname(__DIR__, 2);
        if (is_file("$root/Cargo.toml") && is_dir("$root/ffi")) {
            $builds = ["$root/target/release/libvibergate.so", "$root/target/debug/libvibergate.so"];
            usort($builds, fn (string $a, string $b) => (is_file($b) ? filemtime($b) : 0) <=> (is_file($a) ? filemtime($a) : 0));
            array_push($paths, ...$builds);
        }
        return $paths;
    }

    /** `pkg-config --variable=libdir vibergate`, when pkg-config and the C SDK's .pc are there. */
    private static function pkgConfigLibdir(): ?string
    {
        if (!function_exists('exec') || !is_executable('/usr/bin/pkg-config') && !self::onPath('pkg-config')) {
            return null;
        }
        $out = [];
        $status = 1;
        @exec('pkg-config --variable=libdir vibergate 2>/dev/null', $out, $status);
        $dir = trim($out[0] ?? '');
        return $status === 0 && $dir !== '' ? $dir : null;
    }

    private static function onPath(string $command): bool
    {
        foreach (explode(PATH_SEPARATOR, (string) getenv('PATH')) as $dir) {
            if ($dir !== '' && is_executable("$dir/$command")) {
                return true;
            }
        }
        return false;
    }

    private static function whereToPut(): string
    {
        return 'Install the vibergate C SDK (vibergate-<version>-x86_64-linux-gnu.tar.gz: its lib/ into /usr/local/lib, '
            . 'or any prefix with its lib/pkgconfig on PKG_CONFIG_PATH), or set the environment variable '
            . 'VIBERGATE_LIB=/path/to/libvibergate.so (php-fpm: `env[VIBERGATE_LIB] = /path/to/libvibergate.so` '
            . 'in the pool\'s configuration)';
    }

    private static function preloadLines(): string
    {
        $preload = dirname(__DIR__) . '/preload.php';
        return "`opcache.enable=1`, `opcache.preload=$preload` and, when the server starts as root, "
            . '`opcache.preload_user=www-data` (the user PHP runs as)';
    }

    /**
     * The header FFI::load and php.ini's `ffi.preload` read: the declarations, with FFI_SCOPE
     * and FFI_LIB (the only preprocessor lines they accept) naming the scope and $library.
     */
    public static function scopeHeader(?string $library = null): string
    {
        $library ??= self::libraryPath();
        return '#define FFI_SCOPE "' . self::SCOPE . "\"\n#define FFI_LIB \"" . addcslashes($library, "\"\\") . "\"\n"
            . Header::declarations(Header::read()) . "\n";
    }

    /**
     * Registers the scope for preload.php, unless php.ini's `ffi.preload` already did: FFI::load
     * of scopeHeader(). Runs once, at server start.
     */
    public static function preload(): void
    {
        try {
            FFI::scope(self::SCOPE);
            return;
        } catch (FFI\Exception) {
            // Not there yet: load it below.
        }
        $library = self::libraryPath();
        // FFI::load takes a file; the package's directory may be read-only to the server.
        $file = tempnam(sys_get_temp_dir(), 'vibergate-preload-');
        if ($file === false || file_put_contents($file, self::scopeHeader($library)) === false) {
            throw new SetupException('vibergate preload: cannot write a header to ' . sys_get_temp_dir(), 'opcache.preload');
        }
        try {
            if (FFI::load($file) === null) {
                throw new SetupException("vibergate preload: FFI::load could not load $library (the server's log has PHP's reason)", 'opcache.preload');
            }
        } catch (FFI\Exception $e) {
            // A server started as root preloads in a child running as opcache.preload_user,
            // where FFI::load cannot register a scope; FFI's own ffi.preload, read at startup,
            // can.
            $preload = dirname(__DIR__) . '/preload.php';
            throw new SetupException(
                "vibergate preload: {$e->getMessage()} Write the header once with `php $preload --ffi-header > /etc/php/vibergate.h` "
                . '(as the user and environment the server has, so that it finds the same library) and add `ffi.preload=/etc/php/vibergate.h` to php.ini',
                'ffi.preload',
                $e,
            );
        } finally {
            unlink($file);
        }
    }
}
