<?php

declare(strict_types=1);

namespace Vibergate;

/**
 * PHP cannot reach libvibergate: the FFI extension, its `ffi.enable` setting, preloading or the
 * library itself is missing. The message says which php.ini line or environment variable fixes
 * it; `field` names that setting (`extension=ffi`, `ffi.enable`, `opcache.preload`,
 * `VIBERGATE_LIB`). Its code is `invalid_config`, so a caller's `catch (VibergateException)`
 * sees it too.
 */
final class SetupException extends InvalidConfigException
{
    public function __construct(string $message, string $setting, ?\Throwable $previous = null)
    {
        parent::__construct(['code' => 'invalid_config', 'message' => $message, 'field' => $setting], $previous);
    }
}
