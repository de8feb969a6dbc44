<?php

declare(strict_types=1);

namespace Vibergate;

/** The state of one message: `state` is a name of tables()['delivery_states'] (delivered, read, …). */
final class DeliveryReport extends Result
{
    public readonly string $messageId;
    public readonly ?string $phone;
    public readonly string $state;
    public readonly bool $read;
    /** The SMS fallback's state, when one was sent. */
    public readonly ?string $smsState;
    /** The provider's own word for the state. */
    public readonly string $providerStatus;
    public readonly ?string $detail;
    public readonly ?string $updatedAt;
    /** From a Router: the provider asked. */
    public readonly ?string $provider;

    protected function __construct(array $data)
    {
        parent::__construct($data);
        $this->messageId = (string) $data['message_id'];
        $this->phone = isset($data['phone']) ? (string) $data['phone'] : null;
        $this->state = (string) $data['state'];
        $this->read = (bool) ($data['read'] ?? false);
        $this->smsState = $data['sms_state'] ?? null;
        $this->providerStatus = (string) ($data['provider_status'] ?? '');
        $this->detail = $data['detail'] ?? null;
        $this->updatedAt = $data['updated_at'] ?? null;
        $this->provider = $data['provider'] ?? null;
    }
}
