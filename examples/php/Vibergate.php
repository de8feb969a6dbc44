<?php
/**
 * vibergate for PHP: a small client over PHP's FFI extension and libvibergate.
 *
 *   require 'Vibergate.php';
 *   $client = new Vibergate\Client('smsclub://TOKEN@default?sender=Shop');
 *   $report = $client->send(['to' => ['380989361121'], 'text' => 'Hi']);
 *
 * Results are PHP arrays with the JSON keys of the C ABI; errors are exceptions, one class per
 * error code, all extending Vibergate\VibergateException.
 *
 * The library is found through $VIBERGATE_LIB, else target/{release,debug}/libvibergate.so of
 * this checkout; the header through $VIBERGATE_HEADER, else include/vibergate.h.
 *
 * Every parameter that can carry a credential (a DSN, a configuration, a webhook secret, the
 * JSON passed to the library) is marked #[\SensitiveParameter]: PHP 8.2+ shows it as
 * SensitiveParameterValue in stack traces, so an exception's trace never prints a token.
 */

declare(strict_types=1);

namespace Vibergate;

use FFI;

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

    public function __construct(array $details)
    {
        parent::__construct($details['message'] ?? 'vibergate error');
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

class InvalidConfigException extends VibergateException {}
class InvalidMessageException extends VibergateException {}
class UnsupportedException extends VibergateException {}
class NoValidRecipientsException extends VibergateException {}
class AuthException extends VibergateException {}
class PermissionDeniedException extends VibergateException {}
class InsufficientFundsException extends VibergateException {}
class InvalidSenderException extends VibergateException {}
class InvalidTextException extends VibergateException {}
class InvalidRequestException extends VibergateException {}
class RateLimitedException extends VibergateException {}
class ProviderErrorException extends VibergateException {}
class TransportException extends VibergateException {}
class TimeoutException extends VibergateException {}
class DecodeException extends VibergateException {}
class InternalException extends VibergateException {}

/** Loads libvibergate once and converts between PHP values and the C ABI. */
final class Native
{
    private static ?FFI $ffi = null;

    public static function ffi(): FFI
    {
        if (self::$ffi === null) {
            $root = dirname(__DIR__, 2);
            $header = getenv('VIBERGATE_HEADER') ?: $root . '/include/vibergate.h';
            $library = getenv('VIBERGATE_LIB') ?: self::findLibrary($root);
            self::$ffi = FFI::cdef(self::declarations((string) file_get_contents($header)), $library);
        }
        return self::$ffi;
    }

    private static function findLibrary(string $root): string
    {
        foreach (['release', 'debug'] as $profile) {
            $path = "$root/target/$profile/libvibergate.so";
            if (is_file($path)) {
                return $path;
            }
        }
        return 'libvibergate.so';
    }

    /** The header without preprocessor lines and C++-only blocks, which FFI::cdef rejects. */
    public static function declarations(string $header): string
    {
        $out = [];
        $skip = 0;
        foreach (preg_split('/\R/', $header) as $line) {
            $trimmed = ltrim($line);
            if (str_starts_with($trimmed, '#ifdef __cplusplus')) {
                $skip++;
                continue;
            }
            if ($skip > 0 && str_starts_with($trimmed, '#endif')) {
                $skip--;
                continue;
            }
            if ($skip > 0 || str_starts_with($trimmed, '#')) {
                continue;
            }
            $out[] = $line;
        }
        return implode("\n", $out);
    }

    /** Calls `$function(...$args, &err)` and returns the decoded JSON result. */
    public static function call(string $function, #[\SensitiveParameter] mixed ...$args): mixed
    {
        $ffi = self::ffi();
        $err = $ffi->new('vg_error*');
        $result = $ffi->$function(...[...$args, FFI::addr($err)]);
        return self::take($result, $err);
    }

    /** Decodes and frees a returned string, or throws the error. */
    public static function take(mixed $result, FFI\CData $err): mixed
    {
        $ffi = self::ffi();
        if (self::isNull($result)) {
            $json = $ffi->vg_error_json($err);
            $details = json_decode(FFI::string($json), true) ?? ['code' => 'internal', 'message' => 'unknown error'];
            $ffi->vg_string_free($json);
            $ffi->vg_error_free($err);
            throw VibergateException::fromDetails($details);
        }
        $text = FFI::string($result);
        $ffi->vg_string_free($result);
        return json_decode($text, true, 512, JSON_THROW_ON_ERROR);
    }

    /** FFI gives NULL pointers back as null or as a NULL CData. */
    public static function isNull(mixed $pointer): bool
    {
        return $pointer === null || ($pointer instanceof FFI\CData && FFI::isNull($pointer));
    }

    public static function json(#[\SensitiveParameter] mixed $value): string
    {
        return json_encode($value, JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES | JSON_THROW_ON_ERROR);
    }
}

/** A client of one provider. */
final class Client
{
    private FFI\CData $handle;

    /** @param string $dsnOrConfig a DSN or a JSON configuration object */
    public function __construct(#[\SensitiveParameter] string $dsnOrConfig)
    {
        $ffi = Native::ffi();
        $err = $ffi->new('vg_error*');
        $handle = $ffi->vg_client_new($dsnOrConfig, FFI::addr($err));
        if (Native::isNull($handle)) {
            Native::take(null, $err);
        }
        $this->handle = $handle;
    }

    /** A client from an array of options, e.g. ['provider' => 'smsclub', 'token' => '…']. */
    public static function fromConfig(#[\SensitiveParameter] array $config): self
    {
        return new self(Native::json($config));
    }

    public static function fromEnv(): self
    {
        $dsn = getenv('VIBERGATE_DSN');
        if ($dsn === false || $dsn === '') {
            throw new InvalidConfigException(['code' => 'invalid_config', 'message' => 'VIBERGATE_DSN is not set', 'field' => 'VIBERGATE_DSN']);
        }
        return new self($dsn);
    }

    public function __destruct()
    {
        Native::ffi()->vg_client_free($this->handle);
    }

    /** The configuration as a DSN with secrets replaced by ***. */
    public function __toString(): string
    {
        $ffi = Native::ffi();
        $dsn = $ffi->vg_client_dsn($this->handle, null);
        $text = FFI::string($dsn);
        $ffi->vg_string_free($dsn);
        return $text;
    }

    public function send(array $message): array
    {
        return Native::call('vg_send', $this->handle, Native::json($message));
    }

    public function sendPersonalized(array $message): array
    {
        return Native::call('vg_send_personalized', $this->handle, Native::json($message));
    }

    /** @param list<string> $ids */
    public function status(array $ids): array
    {
        return Native::call('vg_status', $this->handle, Native::json(array_values($ids)));
    }

    public function statusBatch(string $batchId): array
    {
        return Native::call('vg_status_batch', $this->handle, $batchId);
    }

    public function balance(): array
    {
        return Native::call('vg_balance', $this->handle);
    }

    public function rates(): array
    {
        return Native::call('vg_rates', $this->handle);
    }

    public function chats(int $page = 1): array
    {
        return Native::call('vg_chats', $this->handle, $page);
    }

    public function chat(string $chatId, int $page = 1): array
    {
        return Native::call('vg_chat', $this->handle, $chatId, $page);
    }

    /** @param array{chat_id?: string, mailing_id?: string, page?: int} $query */
    public function inbound(array $query = []): array
    {
        return Native::call('vg_inbound', $this->handle, Native::json((object) $query));
    }

    public function capabilities(): array
    {
        return Native::call('vg_capabilities', $this->handle);
    }

    public function sendToList(array $message): array
    {
        return Native::call('vg_send_to_list', $this->handle, Native::json($message));
    }

    public function confirmMailing(string $mailingId): array
    {
        return Native::call('vg_confirm_mailing', $this->handle, $mailingId);
    }

    public function mailings(int $offset = 0, int $limit = 100): array
    {
        return Native::call('vg_mailings', $this->handle, $offset, $limit);
    }

    public function mailing(string $mailingId): array
    {
        return Native::call('vg_mailing', $this->handle, $mailingId);
    }

    public function deliveryList(string $mailingId): array
    {
        return Native::call('vg_delivery_list', $this->handle, $mailingId);
    }

    /** @param list<string> $ids */
    public function markInboundRead(array $ids): array
    {
        return Native::call('vg_mark_inbound_read', $this->handle, Native::json(array_values($ids)));
    }
}

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
            Native::take(null, $err);
        }
        $this->handle = $handle;
    }

    public function __destruct()
    {
        Native::ffi()->vg_router_free($this->handle);
    }

    /** Every accepted entry names its `provider`; `attempts` explains each provider's part. */
    public function send(array $message): array
    {
        return Native::call('vg_router_send', $this->handle, Native::json($message));
    }

    public function sendPersonalized(array $message): array
    {
        return Native::call('vg_router_send_personalized', $this->handle, Native::json($message));
    }

    /** @param list<array{provider: string, message_id: string}> $ids e.g. a routed report's `accepted` */
    public function status(array $ids): array
    {
        return Native::call('vg_router_status', $this->handle, Native::json(array_values($ids)));
    }

    public function resetCooldowns(): void
    {
        Native::ffi()->vg_router_reset_cooldowns($this->handle);
    }
}

/**
 * Parses a provider callback into events. $request: ['method' => 'POST', 'query' => $_GET or a
 * query string, 'body' => file_get_contents('php://input'), 'content_type' => …].
 */
function parse_webhook(string $provider, #[\SensitiveParameter] array $request): array
{
    $request += ['method' => $_SERVER['REQUEST_METHOD'] ?? 'POST'];
    if (isset($request['query']) && is_array($request['query'])) {
        $request['query'] = (object) array_map('strval', $request['query']);
    }
    return Native::call('vg_parse_webhook', $provider, Native::json($request));
}

/** Counts an SMS text: encoding, characters, segments. */
function sms_info(string $text): array
{
    return Native::call('vg_sms_info', $text);
}

function version(): string
{
    $v = Native::ffi()->vg_version();
    return is_string($v) ? $v : FFI::string($v);
}

/** The provider emulator, for tests and trying things out. */
final class Sandbox
{
    private ?FFI\CData $handle;

    public function __construct(array $config = [])
    {
        $ffi = Native::ffi();
        $err = $ffi->new('vg_error*');
        $handle = $ffi->vg_sandbox_start($config ? Native::json($config) : null, FFI::addr($err));
        if (Native::isNull($handle)) {
            Native::take(null, $err);
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
        if ($ffi->vg_sandbox_inject($this->handle, Native::json($fault), FFI::addr($err)) !== 0) {
            Native::take(null, $err);
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
