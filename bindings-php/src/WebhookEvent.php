<?php

declare(strict_types=1);

namespace Vibergate;

/** One event of a provider's callback: a delivery status (`kind` status) or an inbound message. */
final class WebhookEvent extends Result
{
    /** A name of EventKind: status, inbound, batch_accepted, … */
    public readonly string $kind;
    public readonly string $provider;
    public readonly ?string $messageId;
    public readonly ?string $state;
    public readonly ?string $smsState;
    public readonly ?string $providerStatus;
    public readonly ?string $phone;
    public readonly ?string $text;
    public readonly ?string $at;
    public readonly ?string $trackingData;
    public readonly ?string $replyToMessageId;
    public readonly ?string $batchId;

    protected function __construct(array $data)
    {
        parent::__construct($data);
        $text = fn (string $key) => isset($data[$key]) ? (string) $data[$key] : null;
        $this->kind = (string) $data['kind'];
        $this->provider = (string) $data['provider'];
        $this->messageId = $text('message_id');
        $this->state = $text('state');
        $this->smsState = $text('sms_state');
        $this->providerStatus = $text('provider_status');
        $this->phone = $text('phone');
        $this->text = $text('text');
        $this->at = $text('at');
        $this->trackingData = $text('tracking_data');
        $this->replyToMessageId = $text('reply_to_message_id');
        $this->batchId = $text('batch_id');
    }
}
