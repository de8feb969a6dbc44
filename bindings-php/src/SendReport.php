<?php

declare(strict_types=1);

namespace Vibergate;

/**
 * What a send did, recipient by recipient. A Client's names its `provider` and maybe a
 * `batchId`; a Router's has `provider` null, each entry naming its provider, and `attempts`
 * (the library's objects, one per provider tried).
 */
final class SendReport extends Result
{
    public readonly ?string $provider;
    public readonly ?string $batchId;
    /** @var list<Accepted> */
    public readonly array $accepted;
    /** @var list<Rejected> */
    public readonly array $rejected;
    /** @var list<Uncertain> */
    public readonly array $uncertain;
    /** HTTP requests made. */
    public readonly int $requests;
    /** @var list<array<string, mixed>> a Router's attempts; empty from a Client */
    public readonly array $attempts;

    protected function __construct(array $data)
    {
        parent::__construct($data);
        $this->provider = $data['provider'] ?? null;
        $this->batchId = isset($data['batch_id']) ? (string) $data['batch_id'] : null;
        $this->accepted = self::all(Accepted::class, $data['accepted'] ?? []);
        $this->rejected = self::all(Rejected::class, $data['rejected'] ?? []);
        $this->uncertain = self::all(Uncertain::class, $data['uncertain'] ?? []);
        $this->requests = (int) ($data['requests'] ?? 0);
        $this->attempts = array_values($data['attempts'] ?? []);
    }
}
