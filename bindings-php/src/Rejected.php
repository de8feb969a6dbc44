<?php

declare(strict_types=1);

namespace Vibergate;

/** A recipient that was certainly not sent to: `reason` is a code (invalid_number, blacklisted, …). */
final class Rejected extends Result
{
    public readonly string $phone;
    public readonly string $reason;
    public readonly string $detail;
    public readonly ?string $provider;

    protected function __construct(array $data)
    {
        parent::__construct($data);
        $this->phone = (string) $data['phone'];
        $this->reason = (string) $data['reason'];
        $this->detail = (string) ($data['detail'] ?? '');
        $this->provider = $data['provider'] ?? null;
    }
}
