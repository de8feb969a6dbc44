<?php

declare(strict_types=1);

namespace Vibergate;

/** A recipient the provider accepted. From a Router, `provider` names the one that did. */
final class Accepted extends Result
{
    public readonly string $phone;
    /** The provider's id, for status(); null where the provider gives none. */
    public readonly ?string $messageId;
    public readonly ?string $chatId;
    /** The price, as the provider's decimal text. */
    public readonly ?string $cost;
    public readonly ?string $provider;

    protected function __construct(array $data)
    {
        parent::__construct($data);
        $this->phone = (string) $data['phone'];
        $this->messageId = isset($data['message_id']) ? (string) $data['message_id'] : null;
        $this->chatId = isset($data['chat_id']) ? (string) $data['chat_id'] : null;
        $this->cost = isset($data['cost']) ? (string) $data['cost'] : null;
        $this->provider = $data['provider'] ?? null;
    }
}
