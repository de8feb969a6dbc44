<?php

declare(strict_types=1);

namespace Vibergate;

use FFI;

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
    public function send(#[\SensitiveParameter] array $message): SendReport
    {
        return SendReport::from(self::withMessage(__METHOD__, 'vg_send', $this->handle, $message));
    }

    /** @param array $message ['items' => [['to' => '...', 'text' => '...'], …], 'sender' => '...', …] */
    public function sendPersonalized(#[\SensitiveParameter] array $message): SendReport
    {
        return SendReport::from(self::withMessage(__METHOD__, 'vg_send_personalized', $this->handle, $message));
    }

    /** Calls `$function` with `$message` as its JSON; errors name `$method` and `$message`. */
    private static function withMessage(string $method, string $function, FFI\CData $handle, #[\SensitiveParameter] array $message): array
    {
        $argument = new Argument($method, 'message', 'message_json');
        return Native::callWith($argument, $function, $handle, $argument->json($message));
    }

    /**
     * @param list<string|int|Accepted> $ids message ids, or a report's `accepted`
     * @return list<DeliveryReport>
     */
    public function status(array $ids): array
    {
        $ids = array_map(fn ($id) => $id instanceof Accepted ? $id->messageId : $id, $ids);
        $argument = new Argument(__METHOD__, 'ids', 'ids_json', false);
        return array_map(DeliveryReport::from(...), Native::callWith($argument, 'vg_status', $this->handle, $argument->json($ids)));
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
     * parameters and typed results; this one returns the library's JSON as arrays.
     */
    public function call(string $operation, #[\SensitiveParameter] array $args = []): array
    {
        return Native::callOperation(__METHOD__, 'vg_call', $this->handle, $operation, $args);
    }
}
