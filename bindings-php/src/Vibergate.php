<?php

declare(strict_types=1);

namespace Vibergate;

use FFI;

/**
 * The library's functions that need no client: webhooks, SMS counting, the tables, the version,
 * and how the library was loaded. src/functions.php has the same as plain functions
 * (Vibergate\parse_webhook, …).
 */
final class Vibergate
{
    /**
     * Parses a provider's callback into events.
     *
     * $request is what the web framework received, in any of these forms:
     * - null: this request, from $_SERVER (REQUEST_METHOD, QUERY_STRING, CONTENT_TYPE) and
     *   php://input — plain PHP under php-fpm, Apache or `php -S`;
     * - an object with getMethod(), getUri() and getBody() (PSR-7's ServerRequestInterface and
     *   look-alikes; the content type from getHeaderLine('Content-Type') when it has that);
     * - an array ['method' => …, 'query' => a query string or $_GET, 'body' => …,
     *   'content_type' => …].
     * $options adds 'secret' and 'callback_url' for the providers whose callbacks vibergate
     * signs (DecisionTelecom).
     *
     * @param array<string, mixed>|object|null $request
     * @param array{secret?: string, callback_url?: string} $options
     * @return list<WebhookEvent>
     */
    public static function parseWebhook(string $provider, #[\SensitiveParameter] array|object|null $request = null, #[\SensitiveParameter] array $options = []): array
    {
        $request = self::request($request) + $options;
        if (isset($request['query']) && is_array($request['query'])) {
            $request['query'] = (object) array_map('strval', $request['query']);
        }
        $argument = new Argument(__METHOD__, 'request', 'request_json');
        $events = Native::callWith($argument, 'vg_parse_webhook', $provider, $argument->json($request));
        return array_map(WebhookEvent::from(...), $events);
    }

    /** The request as the library reads it: method, query, body, content type. */
    private static function request(#[\SensitiveParameter] array|object|null $request): array
    {
        if (is_array($request)) {
            return $request + ['method' => $_SERVER['REQUEST_METHOD'] ?? 'POST'];
        }
        if ($request === null) {
            $body = file_get_contents('php://input');
            return [
                'method' => $_SERVER['REQUEST_METHOD'] ?? 'POST',
                'query' => $_SERVER['QUERY_STRING'] ?? '',
                'body' => $body === false ? '' : $body,
                'content_type' => $_SERVER['CONTENT_TYPE'] ?? $_SERVER['HTTP_CONTENT_TYPE'] ?? '',
            ];
        }
        foreach (['getMethod', 'getUri', 'getBody'] as $method) {
            if (!method_exists($request, $method)) {
                throw new InvalidMessageException([
                    'code' => 'invalid_message',
                    'message' => __CLASS__ . '::parseWebhook(): $request is a ' . get_debug_type($request)
                        . " without $method(); pass a PSR-7 request, an array ['method', 'query', 'body', 'content_type'] or null for this request",
                    'field' => 'request',
                ]);
            }
        }
        $uri = $request->getUri();
        $query = is_object($uri) && method_exists($uri, 'getQuery') ? $uri->getQuery() : (string) parse_url((string) $uri, PHP_URL_QUERY);
        $body = $request->getBody();
        if (is_object($body) && method_exists($body, 'rewind') && method_exists($body, 'isSeekable') && $body->isSeekable()) {
            // A stream another reader may have consumed: read it whole from the start.
            $body->rewind();
        }
        return [
            'method' => (string) $request->getMethod(),
            'query' => (string) $query,
            'body' => (string) $body,
            'content_type' => method_exists($request, 'getHeaderLine') ? (string) $request->getHeaderLine('Content-Type') : '',
        ];
    }

    /** Counts an SMS text: ['encoding' => 'gsm7'|'ucs2', 'characters' => …, 'segments' => …]. */
    public static function smsInfo(string $text): array
    {
        return Native::call('vg_sms_info', $text);
    }

    /**
     * The library's tables: ['version', 'operations' => [['name', 'on', 'input', 'args',
     * 'summary'], …], 'error_codes', 'delivery_states' => [['name', 'final'], …], 'providers'].
     */
    public static function tables(): array
    {
        return Native::call('vg_tables');
    }

    /** The library's version, e.g. "0.1.0". */
    public static function version(): string
    {
        $v = Native::ffi()->vg_version();
        return is_string($v) ? $v : FFI::string($v);
    }

    /**
     * How this request reached the library: ['via' => 'preload' (opcache.preload's scope) or
     * 'cdef', 'library' => the path opened by cdef, null when preloaded]. Loads it if needed.
     */
    public static function library(): array
    {
        return Library::describe();
    }
}
