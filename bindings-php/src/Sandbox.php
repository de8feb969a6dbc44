<?php

declare(strict_types=1);

namespace Vibergate;

use FFI;

/** The provider emulator, for tests and trying things out. */
final class Sandbox
{
    private ?FFI\CData $handle;

    public function __construct(array $config = [])
    {
        $ffi = Native::ffi();
        $err = $ffi->new('vg_error*');
        $argument = new Argument(__METHOD__, 'config', 'config_json', true, 'invalid_config');
        $handle = $ffi->vg_sandbox_start($config ? $argument->json($config) : null, FFI::addr($err));
        if (Native::isNull($handle)) {
            try {
                Native::take(null, $err);
            } catch (VibergateException $e) {
                throw $argument->translate($e, 'vg_sandbox_start');
            }
        }
        $this->handle = $handle;
    }

    public function dsn(string $provider): string
    {
        $ffi = Native::ffi();
        $err = $ffi->new('vg_error*');
        $dsn = $ffi->vg_sandbox_dsn($this->handle, $provider, FFI::addr($err));
        if (Native::isNull($dsn)) {
            Native::take(null, $err);
        }
        $text = FFI::string($dsn);
        $ffi->vg_string_free($dsn);
        return $text;
    }

    public function baseUrl(): string
    {
        $ffi = Native::ffi();
        $url = $ffi->vg_sandbox_base_url($this->handle);
        $text = FFI::string($url);
        $ffi->vg_string_free($url);
        return $text;
    }

    public function requests(): array
    {
        return Native::call('vg_sandbox_requests', $this->handle);
    }

    public function inject(array $fault): void
    {
        $ffi = Native::ffi();
        $err = $ffi->new('vg_error*');
        $argument = new Argument(__METHOD__, 'fault', 'fault_json');
        if ($ffi->vg_sandbox_inject($this->handle, $argument->json($fault), FFI::addr($err)) !== 0) {
            try {
                Native::take(null, $err);
            } catch (VibergateException $e) {
                throw $argument->translate($e, 'vg_sandbox_inject');
            }
        }
    }

    public function stop(): void
    {
        if ($this->handle !== null) {
            Native::ffi()->vg_sandbox_stop($this->handle);
            $this->handle = null;
        }
    }

    public function __destruct()
    {
        $this->stop();
    }
}
