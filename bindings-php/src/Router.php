<?php

declare(strict_types=1);

namespace Vibergate;

use FFI;

/** Failover across providers: recipients move on only when a provider certainly did not send. */
final class Router
{
    private FFI\CData $handle;

    /** @param string $chain DSNs joined by `||` */
    public function __construct(#[\SensitiveParameter] string $chain)
    {
        $ffi = Native::ffi();
        $err = $ffi->new('vg_error*');
        $handle = $ffi->vg_router_new($chain, FFI::addr($err));
        if (Native::isNull($handle)) {
            try {
                Native::take(null, $err);
            } catch (VibergateException $e) {
                throw (new Argument(__METHOD__, 'chain', 'dsn_chain', false, 'invalid_config'))->translate($e, 'vg_router_new');
            }
        }
        $this->handle = $handle;
    }

    public function __destruct()
    {
        Native::ffi()->vg_router_free($this->handle);
    }

    /** Every accepted entry names its `provider`; `attempts` explains each provider's part. */
    public function send(#[\SensitiveParameter] array $message): SendReport
    {
        $argument = new Argument(__METHOD__, 'message', 'message_json');
        return SendReport::from(Native::callWith($argument, 'vg_router_send', $this->handle, $argument->json($message)));
    }

    public function sendPersonalized(#[\SensitiveParameter] array $message): SendReport
    {
        $argument = new Argument(__METHOD__, 'message', 'message_json');
        return SendReport::from(Native::callWith($argument, 'vg_router_send_personalized', $this->handle, $argument->json($message)));
    }

    /**
     * @param list<array{provider: string, message_id: string}|Accepted> $ids e.g. a routed report's `accepted`
     * @return list<DeliveryReport>
     */
    public function status(array $ids): array
    {
        $ids = array_map(fn ($id) => $id instanceof Accepted ? ['provider' => $id->provider, 'message_id' => $id->messageId] : $id, $ids);
        $argument = new Argument(__METHOD__, 'ids', 'ids_json', false);
        return array_map(DeliveryReport::from(...), Native::callWith($argument, 'vg_router_status', $this->handle, $argument->json($ids)));
    }

    public function resetCooldowns(): void
    {
        Native::ffi()->vg_router_reset_cooldowns($this->handle);
    }

    /** Client::call() for a router: `send`, `sendPersonalized` and `status` by their names. */
    public function call(string $operation, #[\SensitiveParameter] array $args = []): array
    {
        return Native::callOperation(__METHOD__, 'vg_router_call', $this->handle, $operation, $args);
    }
}
