<?php

declare(strict_types=1);

/*
 * opcache.preload script for vibergate: php-fpm's default `ffi.enable=preload` allows FFI only
 * to code preloaded at server start. php.ini:
 *
 *     ffi.enable=preload
 *     opcache.enable=1
 *     opcache.preload=/path/to/vendor/vibergate/vibergate/preload.php
 *     opcache.preload_user=www-data     ; when the server starts as root, and then also:
 *     ffi.preload=/etc/php/vibergate.h   ; written by `php preload.php --ffi-header > /etc/php/vibergate.h`
 *
 * (A server started as root preloads in a child process running as opcache.preload_user, where
 * FFI::load cannot register a library; FFI's own ffi.preload, read at startup, does it there.)
 *
 * It registers libvibergate as the FFI scope "VIBERGATE" (FFI::load of the package's header with
 * FFI_SCOPE and FFI_LIB), which the package takes with FFI::scope() at run time, and preloads
 * the package's classes: under `preload`, only preloaded functions may call FFI's API. The
 * library is found as at run time ($VIBERGATE_LIB in the server's environment, the C SDK's
 * places); Vibergate\Vibergate::library()['via'] is 'preload' when this worked.
 */

namespace Vibergate;

// The package's own loader, not Composer's: the preloaded classes are exactly these files.
spl_autoload_register(static function (string $class): void {
    if (str_starts_with($class, __NAMESPACE__ . '\\')) {
        $file = __DIR__ . '/src/' . str_replace('\\', '/', substr($class, strlen(__NAMESPACE__) + 1)) . '.php';
        if (is_file($file)) {
            require_once $file;
        }
    }
});

// `php preload.php --ffi-header`: the header for php.ini's ffi.preload, naming the library
// found now (run it with the server's environment).
if (PHP_SAPI === 'cli' && in_array('--ffi-header', $_SERVER['argv'] ?? [], true)
    && realpath((string) ($_SERVER['SCRIPT_FILENAME'] ?? '')) === __FILE__) {
    echo Library::scopeHeader();
    return;
}

Library::preload();
// Every class, parents before children (the autoloader sees to that), so that each is linked
// and kept. functions.php is not among them: Composer loads it per request, and its functions
// only call preloaded methods.
foreach (glob(__DIR__ . '/src/*.php') ?: [] as $file) {
    $name = basename($file, '.php');
    if ($name !== 'functions') {
        class_exists(__NAMESPACE__ . '\\' . $name);
    }
}
