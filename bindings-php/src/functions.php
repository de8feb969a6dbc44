<?php

declare(strict_types=1);

// Plain functions for the static methods of Vibergate\Vibergate (Composer loads this file;
// PSR-4 cannot autoload functions). They only forward, so preload.php needs not preload them.

namespace Vibergate;

/**
 * @param array<string, mixed>|object|null $request see Vibergate::parseWebhook()
 * @return list<WebhookEvent>
 */
function parse_webhook(string $provider, #[\SensitiveParameter] array|object|null $request = null, #[\SensitiveParameter] array $options = []): array
{
    return Vibergate::parseWebhook($provider, $request, $options);
}

/** Counts an SMS text: encoding, characters, segments. */
function sms_info(string $text): array
{
    return Vibergate::smsInfo($text);
}

/** The library's tables (operations, error codes, delivery states, providers). */
function tables(): array
{
    return Vibergate::tables();
}

function version(): string
{
    return Vibergate::version();
}
