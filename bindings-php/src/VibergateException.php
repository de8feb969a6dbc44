<?php

declare(strict_types=1);

namespace Vibergate;

/** Base of every vibergate error. */
class VibergateException extends \RuntimeException
{
    /** The stable error code, e.g. "auth" or "rate_limited". */
    public string $errorCode;
    public ?string $provider;
    public ?int $httpStatus;
    public ?string $providerCode;
    public ?string $field;
    public ?int $retryAfterMs;
    /** Recipients already rejected when the error stopped a send. */
    public array $rejected;
    /** The full error object. */
    public array $details;

    /** @param ?\Throwable $previous what caused it on the PHP side, if anything */
    public function __construct(array $details, ?\Throwable $previous = null)
    {
        parent::__construct($details['message'] ?? 'vibergate error', 0, $previous);
        $this->details = $details;
        $this->errorCode = $details['code'] ?? 'internal';
        $this->provider = $details['provider'] ?? null;
        $this->httpStatus = $details['http_status'] ?? null;
        $this->providerCode = isset($details['provider_code']) ? (string) $details['provider_code'] : null;
        $this->field = $details['field'] ?? null;
        $this->retryAfterMs = $details['retry_after_ms'] ?? null;
        $this->rejected = $details['rejected'] ?? [];
    }

    /** The exception for an error object, by its code. */
    public static function fromDetails(array $details): self
    {
        $class = self::CLASSES[$details['code'] ?? 'internal'] ?? InternalException::class;
        return new $class($details);
    }

    /** One class per error code, in the order of tables()['error_codes'] (bindings-php/tests checks). */
    public const CLASSES = [
        'invalid_config' => InvalidConfigException::class,
        'invalid_message' => InvalidMessageException::class,
        'unsupported' => UnsupportedException::class,
        'no_valid_recipients' => NoValidRecipientsException::class,
        'auth' => AuthException::class,
        'permission_denied' => PermissionDeniedException::class,
        'insufficient_funds' => InsufficientFundsException::class,
        'invalid_sender' => InvalidSenderException::class,
        'invalid_text' => InvalidTextException::class,
        'invalid_request' => InvalidRequestException::class,
        'rate_limited' => RateLimitedException::class,
        'provider_error' => ProviderErrorException::class,
        'transport' => TransportException::class,
        'timeout' => TimeoutException::class,
        'decode' => DecodeException::class,
        'internal' => InternalException::class,
    ];
}
