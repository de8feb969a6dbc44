<?php

declare(strict_types=1);

namespace Vibergate;

/** A recipient the request went out for, with no answer: it may have been sent. Check before sending again. */
final class Uncertain extends Result
{
    public readonly string $phone;
    public readonly string $detail;
    public readonly ?string $provider;

    protected function __construct(array $data)
    {
        parent::__construct($data);
        $this->phone = (string) $data['phone'];
        $this->detail = (string) ($data['detail'] ?? '');
        $this->provider = $data['provider'] ?? null;
    }
}
