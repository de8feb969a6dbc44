<?php

declare(strict_types=1);

// The package's own autoloader (no Composer install in the checkout) and, unless the caller
// chose one, the debug library scripts/test-php.sh has just built.
if (getenv('VIBERGATE_LIB') === false) {
    putenv('VIBERGATE_LIB=' . dirname(__DIR__, 2) . '/target/debug/libvibergate.so');
}
require dirname(__DIR__) . '/autoload.php';
