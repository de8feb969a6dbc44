<?php
/**
 * vibergate for PHP: a small client over PHP's FFI extension and libvibergate.
 *
 *   require 'Vibergate.php';
 *   $client = new Vibergate\Client('smsclub://TOKEN@default?sender=Shop');
 *   $report = $client->send(['to' => ['380989361121'], 'text' => 'Hi']);
 *
 * Results are PHP arrays with the JSON keys of the C ABI; errors are exceptions, one class per
 * error code, all extending Vibergate\VibergateException. An error about an array you passed
 * names the method, the parameter and the key, e.g. `Vibergate\Client::send(): unknown key
 * $message['txt'] (did you mean 'text'?)`, with `field` set to the key's path (`sms_fallback.text`).
 *
 * The library is found through $VIBERGATE_LIB, else the newer of target/{release,debug}/
 * libvibergate.so of this checkout (an older build may lack what the header declares); the header through $VIBERGATE_HEADER, else include/vibergate.h.
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

    /** One class per error code, in the order of tables()['error_codes'] (tests/php checks). */
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
        $found = null;
        foreach (['release', 'debug'] as $profile) {
            $path = "$root/target/$profile/libvibergate.so";
            if (is_file($path) && ($found === null || filemtime($path) > filemtime($found))) {
                $found = $path;
            }
        }
        return $found ?? 'libvibergate.so';
    }

    /**
     * The header as FFI::cdef takes it: C11 declarations without preprocessor lines. FFI::cdef
     * has no preprocessor, so the conditionals cbindgen writes (`#ifdef __cplusplus`, and for
     * `vg_code`, a `uint32_t`, C23's `enum vg_code : uint32_t` under `#if __STDC_VERSION__ >=
     * 202311L`) are decided here as a C11 compiler would, and every `#` line dropped.
     */
    public static function declarations(string $header): string
    {
        $out = [];
        // One entry per open conditional: [this branch is kept, a branch was already kept].
        $stack = [];
        foreach (preg_split('/\R/', $header) as $line) {
            $trimmed = ltrim($line);
            if (!str_starts_with($trimmed, '#')) {
                if (array_reduce($stack, fn (bool $all, array $c) => $all && $c[0], true)) {
                    $out[] = $line;
                }
                continue;
            }
            $directive = trim((string) preg_replace('~//.*$|/\*.*\*/~', '', substr($trimmed, 1)));
            if (preg_match('/^(ifdef|ifndef|if)\s+(.*)$/', $directive, $m)) {
                $value = match ($m[1]) {
                    'ifdef' => self::condition("defined({$m[2]})"),
                    'ifndef' => !self::condition("defined({$m[2]})"),
                    'if' => self::condition($m[2]),
                };
                $stack[] = [$value, $value];
            } elseif ($directive === 'else') {
                $top = array_pop($stack) ?? throw new \LogicException('#else without #if in vibergate.h');
                $stack[] = [!$top[1], true];
            } elseif ($directive === 'endif') {
                array_pop($stack) ?? throw new \LogicException('#endif without #if in vibergate.h');
            }
            // #define, #include: nothing FFI::cdef needs (uint32_t is built in).
        }
        return implode("\n", $out);
    }

    /**
     * A `#if` condition of the header, for a C11 compiler that is not C++ (the include guard is
     * not defined either). Only `||` of `defined(NAME)` and `NAME >= NUMBER` terms occur; anything
     * else is refused, so a new form in a future header is noticed rather than misread.
     */
    private static function condition(string $expression): bool
    {
        $macros = ['__STDC_VERSION__' => 201112];
        $any = false;
        foreach (explode('||', $expression) as $term) {
            $term = trim($term);
            if (preg_match('/^defined\s*\(?\s*(\w+)\s*\)?$/', $term, $m)) {
                $any = $any || isset($macros[$m[1]]);
            } elseif (preg_match('/^(\w+)\s*>=\s*(\d+)L?$/', $term, $m)) {
                $any = $any || (($macros[$m[1]] ?? 0) >= (int) $m[2]);
            } else {
                throw new \LogicException("vibergate.h: a preprocessor condition this loader cannot read: $expression");
            }
        }
        return $any;
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

    /**
     * Runs `$operation` (a name of tables()['operations']) through `$function` (vg_call or
     * vg_router_call) with `$args` as its argument object; errors name `$method`, `$operation`
     * and `$args` in PHP's words.
     */
    public static function callOperation(string $method, string $function, FFI\CData $handle, string $operation, #[\SensitiveParameter] array $args): array
    {
        $argument = new Argument($method, 'args', 'args_json');
        try {
            return self::call($function, $handle, $operation, $argument->json($args));
        } catch (VibergateException $e) {
            $e = (new Argument($method, 'operation', 'operation', false))->translate($e, $function);
            throw $argument->translate($e, $function);
        }
    }

    /**
     * Calls `$function(...$args, &err)` where one argument is a PHP array the library receives
     * as JSON: errors about it name the PHP method and parameter, in PHP's words.
     */
    public static function callWith(Argument $argument, string $function, #[\SensitiveParameter] mixed ...$args): mixed
    {
        try {
            return self::call($function, ...$args);
        } catch (VibergateException $e) {
            throw $argument->translate($e, $function);
        }
    }
}

/**
 * A parameter of a PHP method whose array goes to the library as JSON. It knows the names only,
 * never the value (its methods that take the value mark it #[\SensitiveParameter]), so that an
 * exception's trace cannot show a token through it.
 *
 * The library speaks of JSON and C arguments (`vg_send: message_json: unknown field "txt" (did
 * you mean "text"?)`); a PHP caller wrote an array and reads `Vibergate\Client::send(): unknown
 * key $message['txt'] (did you mean 'text'?)`.
 *
 * @internal
 */
final class Argument
{
    /**
     * @param string $method the PHP method, e.g. `Vibergate\Client::send` (__METHOD__)
     * @param string $name the PHP parameter without `$`
     * @param string $cName the C argument it becomes, e.g. `message_json`
     * @param bool $keyed an array with string keys (a JSON object) rather than a list
     * @param string $code the error code of a bad value: `invalid_message` or `invalid_config`
     */
    public function __construct(
        public readonly string $method,
        public readonly string $name,
        public readonly string $cName,
        public readonly bool $keyed = true,
        public readonly string $code = 'invalid_message',
    ) {
    }

    /** The array as JSON, or an exception naming what PHP cannot encode and where. */
    public function json(#[\SensitiveParameter] array $value): string
    {
        if ($this->keyed && $value !== [] && array_is_list($value)) {
            throw $this->error("\${$this->name} must be an array with string keys (['to' => [...], 'text' => '...']), not a list", $this->name);
        }
        $plain = $this->keyed ? (object) $value : array_values($value);
        try {
            return Native::json($plain);
        } catch (\JsonException $e) {
            [$path, $why] = self::unencodable($value) ?? [[], $e->getMessage()];
            throw $this->error($this->phpPath($path) . " $why", $path === [] ? $this->name : implode('.', $path));
        }
    }

    /** Where in `$value` a value JSON cannot carry is, and why: [path, reason] or null. */
    private static function unencodable(#[\SensitiveParameter] mixed $value, array $path = []): ?array
    {
        if (is_string($value)) {
            return preg_match('//u', $value) === 1 ? null : [$path, 'is not valid UTF-8 text'];
        }
        if (is_float($value)) {
            return is_finite($value) ? null : [$path, 'is not a finite number'];
        }
        if (is_resource($value) || $value instanceof \Closure) {
            return [$path, 'is a ' . get_debug_type($value) . ', which cannot be sent'];
        }
        if (is_array($value)) {
            foreach ($value as $key => $item) {
                if (is_string($key) && preg_match('//u', $key) !== 1) {
                    return [$path, 'has a key that is not valid UTF-8 text'];
                }
                $found = self::unencodable($item, [...$path, (string) $key]);
                if ($found !== null) {
                    return $found;
                }
            }
        }
        return null;
    }

    /** `$message['sms_fallback']['text']` for the path `sms_fallback.text` (or `items[1].text`). */
    public function phpPath(array|string $path): string
    {
        if (is_string($path)) {
            preg_match_all('/[^.\[\]]+/', $path, $m);
            $path = $m[0];
        }
        $out = '$' . $this->name;
        foreach ($path as $step) {
            $out .= ctype_digit((string) $step) ? "[$step]" : "['$step']";
        }
        return $out;
    }

    private function error(string $what, string $field): VibergateException
    {
        return VibergateException::fromDetails([
            'code' => $this->code,
            'message' => "{$this->method}(): $what",
            'field' => $field,
        ]);
    }

    /**
     * The library's error about this argument, reworded for PHP: the PHP method and
     * parameter instead of the C function and argument, array keys instead of JSON fields,
     * PHP's types instead of JSON's. Other errors come back as they are.
     */
    public function translate(VibergateException $e, string $function): VibergateException
    {
        $prefix = "$function: {$this->cName}";
        $message = $e->details['message'] ?? '';
        if (!str_starts_with($message, $prefix)) {
            return $e;
        }
        $rest = substr($message, strlen($prefix));
        $field = $e->details['field'] ?? null;
        $path = ($field === null || $field === $this->cName) ? '' : $field;
        if (str_starts_with($rest, ': ')) {
            $rest = substr($rest, 2);
            // `unknown field "txt" in "sms_fallback"` names the key by its full path (the field).
            $rest = preg_replace_callback(
                '/^unknown (?:field|option)(?: "[^"]*")?(?: in "[^"]*")?/',
                fn () => 'unknown key' . ($path === '' ? '' : ' ' . $this->phpPath($path)),
                $rest,
            );
            // `"to" must be …`, `"button" needs …`: the value at that path.
            $rest = preg_replace_callback('/^"([^"]+)" /', fn ($m) => $this->phpPath($m[1]) . ' ', $rest);
            $rest = preg_replace('/^the value /', '$' . $this->name . ' ', $rest);
            $rest = strtr($rest, [
                'the fields are' => 'the keys are',
                'the options are' => 'the keys are',
                'there are no fields here' => 'no keys are allowed here',
                'needs the field' => 'needs the key',
                'needs the option' => 'needs the key',
                'the field "' => 'the key "',
                'the option "' => 'the key "',
            ]);
            $rest = preg_replace('/"([^"]*)"/', "'$1'", $rest);
        } else {
            $rest = '$' . $this->name . $rest;
        }
        // JSON's kinds in PHP's words.
        $rest = strtr($rest, [
            'a whole number, 0 or more' => 'an int >= 0',
            'a whole number' => 'an int',
            'true or false' => 'a bool',
            'an array of strings or numbers' => 'a list of strings or ints',
            'an array' => 'a list',
            'an object' => 'an array with string keys',
        ]);
        $details = ['message' => "{$this->method}(): $rest", 'field' => $path === '' ? $this->name : $path] + $e->details;
        return VibergateException::fromDetails($details);
    }
}

/** A client of one provider. */
final class Client
{
    private FFI\CData $handle;

    /** @param string $dsnOrConfig a DSN or a JSON configuration object */
    public function __construct(#[\SensitiveParameter] string $dsnOrConfig)
    {
        $this->handle = self::open($dsnOrConfig, new Argument(__METHOD__, 'dsnOrConfig', 'dsn_or_json', false, 'invalid_config'));
    }

    /** A client from an array of options, e.g. ['provider' => 'smsclub', 'token' => '…']. */
    public static function fromConfig(#[\SensitiveParameter] array $config): self
    {
        $argument = new Argument(__METHOD__, 'config', 'dsn_or_json', true, 'invalid_config');
        $handle = self::open($argument->json($config), $argument);
        $client = (new \ReflectionClass(self::class))->newInstanceWithoutConstructor();
        $client->handle = $handle;
        return $client;
    }

    private static function open(#[\SensitiveParameter] string $dsnOrConfig, Argument $argument): FFI\CData
    {
        $ffi = Native::ffi();
        $err = $ffi->new('vg_error*');
        $handle = $ffi->vg_client_new($dsnOrConfig, FFI::addr($err));
        if (Native::isNull($handle)) {
            try {
                Native::take(null, $err);
            } catch (VibergateException $e) {
                throw $argument->translate($e, 'vg_client_new');
            }
        }
        return $handle;
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
        if (isset($this->handle)) {
            Native::ffi()->vg_client_free($this->handle);
        }
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

    /** @param array $message ['to' => [...], 'text' => '...', 'sms_fallback' => ['text' => '...'], …] */
    public function send(#[\SensitiveParameter] array $message): array
    {
        return self::withMessage(__METHOD__, 'vg_send', $this->handle, $message);
    }

    /** @param array $message ['items' => [['to' => '...', 'text' => '...'], …], 'sender' => '...', …] */
    public function sendPersonalized(#[\SensitiveParameter] array $message): array
    {
        return self::withMessage(__METHOD__, 'vg_send_personalized', $this->handle, $message);
    }

    /** Calls `$function` with `$message` as its JSON; errors name `$method` and `$message`. */
    private static function withMessage(string $method, string $function, FFI\CData $handle, #[\SensitiveParameter] array $message): array
    {
        $argument = new Argument($method, 'message', 'message_json');
        return Native::callWith($argument, $function, $handle, $argument->json($message));
    }

    /** @param list<string|int> $ids */
    public function status(array $ids): array
    {
        $argument = new Argument(__METHOD__, 'ids', 'ids_json', false);
        return Native::callWith($argument, 'vg_status', $this->handle, $argument->json($ids));
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
        $argument = new Argument(__METHOD__, 'query', 'query_json');
        return Native::callWith($argument, 'vg_inbound', $this->handle, $argument->json($query));
    }

    public function capabilities(): array
    {
        return Native::call('vg_capabilities', $this->handle);
    }

    /** @param array $message ['list_id' => '...', 'text' => '...', …] */
    public function sendToList(#[\SensitiveParameter] array $message): array
    {
        return self::withMessage(__METHOD__, 'vg_send_to_list', $this->handle, $message);
    }

    public function confirmMailing(string $mailingId): array
    {
        return Native::call('vg_confirm_mailing', $this->handle, $mailingId);
    }

    /** @param ?int $limit how many; null: the library's default */
    public function mailings(int $offset = 0, ?int $limit = null): array
    {
        $args = ['offset' => $offset] + ($limit === null ? [] : ['limit' => $limit]);
        return Native::callOperation(__METHOD__, 'vg_call', $this->handle, 'mailings', $args);
    }

    public function mailing(string $mailingId): array
    {
        return Native::call('vg_mailing', $this->handle, $mailingId);
    }

    public function deliveryList(string $mailingId): array
    {
        return Native::call('vg_delivery_list', $this->handle, $mailingId);
    }

    /** @param list<string|int> $ids */
    public function markInboundRead(array $ids): array
    {
        $argument = new Argument(__METHOD__, 'ids', 'ids_json', false);
        return Native::callWith($argument, 'vg_mark_inbound_read', $this->handle, $argument->json($ids));
    }

    /**
     * Runs any operation of tables()['operations'] by its name, with its arguments as an array:
     * `$client->call('status', ['ids' => ['5769']])`. The methods above are this with PHP
     * parameters.
     */
    public function call(string $operation, #[\SensitiveParameter] array $args = []): array
    {
        return Native::callOperation(__METHOD__, 'vg_call', $this->handle, $operation, $args);
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
    public function send(#[\SensitiveParameter] array $message): array
    {
        $argument = new Argument(__METHOD__, 'message', 'message_json');
        return Native::callWith($argument, 'vg_router_send', $this->handle, $argument->json($message));
    }

    public function sendPersonalized(#[\SensitiveParameter] array $message): array
    {
        $argument = new Argument(__METHOD__, 'message', 'message_json');
        return Native::callWith($argument, 'vg_router_send_personalized', $this->handle, $argument->json($message));
    }

    /** @param list<array{provider: string, message_id: string}> $ids e.g. a routed report's `accepted` */
    public function status(array $ids): array
    {
        $argument = new Argument(__METHOD__, 'ids', 'ids_json', false);
        return Native::callWith($argument, 'vg_router_status', $this->handle, $argument->json($ids));
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
    $argument = new Argument(__FUNCTION__, 'request', 'request_json');
    return Native::callWith($argument, 'vg_parse_webhook', $provider, $argument->json($request));
}

/** Counts an SMS text: encoding, characters, segments. */
function sms_info(string $text): array
{
    return Native::call('vg_sms_info', $text);
}

/**
 * The library's tables: ['version', 'operations' => [['name', 'on', 'input', 'args',
 * 'summary'], …], 'error_codes', 'delivery_states' => [['name', 'final'], …], 'providers'].
 */
function tables(): array
{
    return Native::call('vg_tables');
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
        $argument = new Argument(__METHOD__, 'config', 'config_json', true, 'invalid_config');
        $handle = $ffi->vg_sandbox_start($config ? $argument->json($config) : null, FFI::addr($err));
        if (Native::isNull($handle)) {
            try {
                Native::take(null, $err);
            } catch (VibergateException $e) {
                throw $argument->translate($e, 'vg_sandbox_start');
            }
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
        $argument = new Argument(__METHOD__, 'fault', 'fault_json');
        if ($ffi->vg_sandbox_inject($this->handle, $argument->json($fault), FFI::addr($err)) !== 0) {
            try {
                Native::take(null, $err);
            } catch (VibergateException $e) {
                throw $argument->translate($e, 'vg_sandbox_inject');
            }
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
