<?php

declare(strict_types=1);

// For a project without Composer: `require '/path/to/vibergate/autoload.php';` does what
// Composer's autoloader does for this package (PSR-4 Vibergate\ => src/, and src/functions.php).

spl_autoload_register(static function (string $class): void {
    if (str_starts_with($class, 'Vibergate\\')) {
        $file = __DIR__ . '/src/' . str_replace('\\', '/', substr($class, strlen('Vibergate\\'))) . '.php';
        if (is_file($file)) {
            require $file;
        }
    }
});
require_once __DIR__ . '/src/functions.php';
