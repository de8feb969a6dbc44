<?php
// PHP tests of the Composer package (bindings-php/) against the sandbox: send, status,
// every operation, errors as exception classes, webhooks. Prints "N passed, N failed".
declare(strict_types=1);
// The library scripts/test-php.sh has just built (a debug build), not an older release build
// that the package might find first.
if (getenv('VIBERGATE_LIB') === false) {
    putenv('VIBERGATE_LIB=' . dirname(__DIR__, 2) . '/target/debug/libvibergate.so');
}
require __DIR__ . '/../../bindings-php/autoload.php';

use Vibergate\{Client, Sandbox, VibergateException};

$passed = 0;
$failed = 0;

function check(bool $ok, string $what): void
{
    global $passed, $failed;
    if ($ok) {
        $passed++;
    } else {
        $failed++;
        fwrite(STDERR, "FAIL: $what\n");
    }
}

/** Runs $f and checks it throws the exception class of $code. */
function throws(string $code, callable $f, string $what): ?VibergateException
{
    try {
        $f();
        check(false, "$what: no exception");
    } catch (VibergateException $e) {
        $class = VibergateException::CLASSES[$code];
        check($e instanceof $class && $e->errorCode === $code, "$what: got " . get_class($e) . " [{$e->errorCode}] {$e->getMessage()}");
        return $e;
    }
    return null;
}

function test(string $name, callable $f): void
{
    try {
        $f();
    } catch (Throwable $t) {
        check(false, "$name threw " . get_class($t) . ': ' . $t->getMessage());
    }
}

$sb = new Sandbox(['smsclub_rate_limit' => 0]);

test('version and sms_info', function () {
    check(preg_match('/^\d+\.\d+\.\d+/', Vibergate\version()) === 1, 'version');
    $info = Vibergate\sms_info('Привет');
    check($info['encoding'] === 'ucs2' && $info['segments'] === 1, 'sms_info');
});

test('smsclub send, status, chats', function () use ($sb) {
    $c = new Client($sb->dsn('smsclub'));
    check(str_contains((string) $c, '***') && !str_contains((string) $c, 'sandbox-token'), 'redacted __toString');
    $r = $c->send(['to' => ['+380 98 936 11 21', '380989369999'], 'text' => 'Привіт', 'two_way' => true]);
    check(count($r['accepted']) === 1 && $r['accepted'][0]['phone'] === '380989361121', 'accepted');
    check($r['rejected'][0]['reason'] === 'blacklisted', 'blacklisted');
    $states = $c->status([$r['accepted'][0]['message_id']]);
    check($states[0]['state'] === 'delivered', 'status');
    $chat = $r['accepted'][0]['chat_id'];
    check($c->chats()[0]['chat_id'] === $chat, 'chats');
    check(count($c->chat($chat)['messages']) === 2, 'chat');
    check(str_starts_with($c->inbound(['chat_id' => $chat])[0]['text'], 'Re: '), 'inbound');
    check(in_array('chats', $c->capabilities()['operations'], true), 'capabilities');
});

test('errors are exception classes', function () use ($sb) {
    throws('invalid_config', fn () => new Client('smsclub://SECRET@default?colour=red'), 'bad DSN');
    $c = new Client($sb->dsn('smsclub'));
    $e = throws('invalid_message', fn () => $c->send(['to' => ['380989361121'], 'text' => str_repeat('x', 1001)]), 'too long');
    check($e?->field === 'text', 'field');
    throws('invalid_message', fn () => $c->send(['to' => ['380989361121'], 'txt' => 'x']), 'unknown key');
    $e = throws('no_valid_recipients', fn () => $c->send(['to' => ['12'], 'text' => 'x']), 'no valid recipients');
    check(($e?->rejected[0]['reason'] ?? null) === 'invalid_number', 'rejected list');
    throws('unsupported', fn () => $c->balance(), 'unsupported operation');
    $bad = new Client(str_replace('sandbox-token', 'bad-token', $sb->dsn('smsclub')));
    $e = throws('auth', fn () => $bad->send(['to' => ['380989361121'], 'text' => 'x']), 'auth');
    check($e?->httpStatus === 401 && $e?->provider === 'smsclub', 'http status and provider');
    $sb->inject(['provider' => 'smsclub', 'kind' => 'rate_limit', 'retry_after' => '120']);
    $e = throws('rate_limited', fn () => $c->status(['1']), 'rate limited');
    check($e?->retryAfterMs === 120000, 'retry_after_ms');
    $dt = new Client($sb->dsn('decisiontelecom') . '&max_retries=0');
    // A 5xx to a send may come after the provider acted: uncertain, never an exception that
    // invites a retry. To a read it is provider_error.
    $sb->inject(['provider' => 'decisiontelecom', 'kind' => 'status', 'status' => 500, 'body' => '{"name":"Internal server error","message":"x","code":2,"status":500}']);
    $r = $dt->send(['to' => ['972512345678'], 'text' => 'x']);
    check(($r['uncertain'][0]['phone'] ?? null) === '972512345678' && $r['accepted'] === [], '5xx on a send is uncertain');
    $sb->inject(['provider' => 'decisiontelecom', 'kind' => 'status', 'status' => 500, 'body' => '{"name":"Internal server error","message":"x","code":2,"status":500}']);
    throws('provider_error', fn () => $dt->status(['1']), 'provider error');
    throws('decode', fn () => Vibergate\parse_webhook('decisiontelecom', ['body' => 'nonsense']), 'decode');
    $down = new Client('smsclub://T@default?sender=S&max_retries=0&base_url=http://127.0.0.1:1');
    throws('transport', fn () => $down->status(['1']), 'transport');
});

test('errors about an argument speak PHP: the method, the parameter, array keys', function () use ($sb) {
    $c = new Client($sb->dsn('smsclub'));
    $message = fn (string $code, callable $f, string $want, ?string $field, string $what) =>
        check(($e = throws($code, $f, $what)) !== null && $e->getMessage() === $want && $e->field === $field, "$what: [{$e?->field}] {$e?->getMessage()}");
    $message('invalid_message', fn () => $c->send(['to' => ['380989361121'], 'txt' => 'x']),
        "Vibergate\\Client::send(): unknown key \$message['txt'] (did you mean 'text'?)", 'txt', 'unknown key');
    $message('invalid_message', fn () => $c->send(['to' => ['380989361121'], 'text' => 'x', 'sms_fallback' => ['txt' => 'x']]),
        "Vibergate\\Client::send(): unknown key \$message['sms_fallback']['txt'] (did you mean 'text'?)", 'sms_fallback.txt', 'nested unknown key');
    $message('invalid_message', fn () => $c->send(['to' => '380989361121', 'text' => 'x']),
        "Vibergate\\Client::send(): \$message['to'] must be a list, not a string", 'to', 'wrong type');
    $message('invalid_message', fn () => $c->send(['to' => ['380989361121'], 'text' => 'x', 'button' => ['text' => 'Open']]),
        "Vibergate\\Client::send(): \$message['button'] needs the key 'url'", 'button.url', 'missing key');
    $message('invalid_message', fn () => $c->send(['to' => ['380989361121'], 'text' => "caf\xe9"]),
        "Vibergate\\Client::send(): \$message['text'] is not valid UTF-8 text", 'text', 'bad UTF-8, found before the library is called');
    $message('invalid_message', fn () => $c->send(['380989361121']),
        "Vibergate\\Client::send(): \$message must be an array with string keys (['to' => [...], 'text' => '...']), not a list", 'message', 'a list');
    $message('invalid_message', fn () => $c->sendPersonalized(['items' => [['to' => '380989361121', 'txet' => 'a']]]),
        "Vibergate\\Client::sendPersonalized(): unknown key \$message['items'][0]['txet'] (did you mean 'text'?)", 'items[0].txet', 'personalized');
    $message('invalid_message', fn () => $c->status([['5769']]),
        "Vibergate\\Client::status(): \$ids must be a list of strings or ints", 'ids', 'bad ids');
    $message('invalid_config', fn () => Client::fromConfig(['provider' => 'smsclub', 'token' => 't', 'sendr' => 'Shop']),
        "Vibergate\\Client::fromConfig(): unknown key \$config['sendr'] (did you mean 'sender'?)", 'sendr', 'config key');
    $message('invalid_message', fn () => Vibergate\parse_webhook('smsby', ['bdy' => '{}']),
        "Vibergate\\Vibergate::parseWebhook(): unknown key \$request['bdy'] (did you mean 'body'?)", 'bdy', 'webhook request');
    // Errors that are not about an argument's shape stay the library's own.
    $e = throws('invalid_message', fn () => $c->send(['to' => ['380989361121'], 'text' => str_repeat('x', 1001)]), 'validation');
    check(!str_contains($e?->getMessage() ?? '', 'JSON') && !str_contains($e?->getMessage() ?? '', 'vg_send'), 'no JSON or C names: ' . $e?->getMessage());
    // No error about an argument mentions JSON or the C ABI.
    foreach ([fn () => $c->send(['to' => ['380989361121'], 'txt' => 'x']), fn () => $c->inbound(['chat' => '1'])] as $f) {
        $e = throws('invalid_message', $f, 'no C words');
        check(!preg_match('/json|vg_|line \d|column/i', $e?->getMessage() ?? ''), 'no C words: ' . $e?->getMessage());
    }
});

test('smsby operations', function () use ($sb) {
    $c = new Client($sb->dsn('smsby'));
    $r = $c->send(['to' => ['375291234567', '375291234568'], 'text' => 'Sale']);
    check(count($c->statusBatch($r['batch_id'])['mailings'][0]['deliveries']) === 2, 'status_batch');
    $p = $c->sendPersonalized(['items' => [['to' => '375291234567', 'text' => 'Hi Ann'], ['to' => '375291234568', 'text' => 'Hi Bob']]]);
    check(count($p['accepted']) === 2, 'personalized');
    $list = $c->sendToList(['list_id' => '1', 'text' => 'News']);
    $c->confirmMailing($list['mailing_id']);
    check($c->mailing($list['mailing_id'])['status'] === 'SENT', 'mailing');
    check(count($c->mailings()) >= 2, 'mailings');
    check(count($c->deliveryList($list['mailing_id'])) === 3, 'delivery list');
    $in = $c->inbound(['mailing_id' => $list['mailing_id']]);
    check(count($in) === 3, 'inbound');
    check($c->markInboundRead(array_column($in, 'id'))['marked'] === 3, 'mark read');
});

test('inteltele and DecisionTelecom', function () use ($sb) {
    $c = Client::fromConfig(['provider' => 'inteltele', 'username' => 'u', 'api_key' => 'k', 'base_url' => $sb->baseUrl()]);
    check($c->balance()['balance'] === '100.00', 'balance');
    check(count($c->rates()) > 0, 'rates');
    $r = $c->send(['to' => ['380989361121'], 'text' => 'Hi']);
    check($r['accepted'][0]['cost'] === '0.050000', 'cost');
    $dt = new Client($sb->dsn('decisiontelecom'));
    $r = $dt->send(['to' => ['972512222222'], 'text' => 'Hi']);
    check($dt->status(array_column($r['accepted'], 'message_id'))[0]['state'] === 'read', 'DT read');
});

test('webhooks', function () {
    $e = Vibergate\parse_webhook('inteltele', ['method' => 'GET', 'query' => ['msgid' => 'abc', 'status' => 'delivrd']]);
    check($e[0]['state'] === 'delivered' && $e[0]['message_id'] === 'abc', 'inteltele GET');
    $e = Vibergate\parse_webhook('decisiontelecom', ['method' => 'POST', 'body' => '{"message_token":1,"phone_number":"972512222222","time":1,"message":{"text":"YES","tracking_data":"tracking_id:5"}}']);
    check($e[0]['kind'] === 'inbound' && $e[0]['text'] === 'YES', 'DT inbound');
    $e = Vibergate\parse_webhook('smsby', ['body' => '{"delivery_id":5,"status":"DELIVERED"}', 'content_type' => 'application/json']);
    check($e[0]['state'] === 'delivered', 'smsby');
});

test('router failover', function () use ($sb) {
    $bad = str_replace('sandbox-token', 'bad-token', $sb->dsn('smsclub'));
    $router = new Vibergate\Router($bad . ' || ' . $sb->dsn('decisiontelecom'));
    $r = $router->send(['to' => ['380989361121'], 'text' => 'Hi']);
    check($r['accepted'][0]['provider'] === 'decisiontelecom', 'failed over');
    check($r['attempts'][0]['error']['code'] === 'auth', 'attempt cause');
    check($router->status($r['accepted'])[0]['state'] === 'delivered', 'router status');
    $all = new Vibergate\Router($bad . ' || ' . str_replace('sandbox-key', 'bad-key', $sb->dsn('decisiontelecom')));
    $e = throws('auth', fn () => $all->send(['to' => ['380989361121'], 'text' => 'Hi']), 'total failure');
    check(count($e?->details['attempts'] ?? []) === 2, 'attempts in the error');
});

test('no secret in stack traces', function () {
    if (PHP_VERSION_ID < 80200) {
        fwrite(STDERR, "skipped: #[\\SensitiveParameter] needs PHP 8.2, this is " . PHP_VERSION . "\n");
        return;
    }
    // Traces with their arguments in full, as a development php.ini prints them.
    ini_set('zend.exception_ignore_args', '0');
    ini_set('zend.exception_string_param_max_len', '1000000');
    $trace = fn (Throwable $e) => $e->getTraceAsString() . "\n" . print_r($e->getTrace(), true) . "\n" . $e;
    // Control: an unmarked parameter does show up, so the checks below can fail.
    $unmarked = function (string $dsn): void {
        throw new RuntimeException('control');
    };
    try {
        $unmarked('smsclub://SECRETTOKEN@default');
    } catch (RuntimeException $e) {
        check(str_contains($trace($e), 'SECRETTOKEN'), 'control: this PHP prints arguments in traces');
    }
    $cases = [
        'bad DSN' => fn () => new Client('smsclub://SECRETTOKEN@default?colour=red'),
        'bad JSON config' => fn () => Client::fromConfig(['provider' => 'smsclub', 'token' => 'SECRETTOKEN', 'colour' => 'red']),
        'bad chain' => fn () => new Vibergate\Router('smsclub://SECRETTOKEN@default || nonsense'),
        'webhook secret' => fn () => Vibergate\parse_webhook('decisiontelecom', ['body' => '{"message_id":1,"status":1}', 'secret' => 'SECRETTOKEN', 'callback_url' => 'https://shop.example/hook']),
    ];
    foreach ($cases as $what => $f) {
        try {
            $f();
            check(false, "$what: no exception");
        } catch (VibergateException $e) {
            $text = $trace($e);
            check(!str_contains($text, 'SECRETTOKEN'), "$what: the trace shows the secret:\n$text");
            check(str_contains($text, 'SensitiveParameterValue'), "$what: no redacted parameter in the trace:\n$text");
        }
    }
});

test('a forged multibyte vg_token is an auth error', function () {
    $body = '{"message_id":429,"status":1}';
    foreach ([str_repeat("\u{1F600}", 16), 'a' . str_repeat('é', 31) . 'a', str_repeat('é', 32), str_repeat("\u{1F600}", 32), '0é', ''] as $token) {
        foreach ([['vg_token' => $token], 'vg_token=' . rawurlencode($token)] as $query) {
            throws('auth', fn () => Vibergate\parse_webhook('decisiontelecom', ['query' => $query, 'body' => $body, 'secret' => 's3cret', 'callback_url' => 'https://shop.example/hook']), 'forged token ' . json_encode($token));
        }
    }
});

test('the PHP tables are the library\'s', function () use ($sb) {
    $tables = Vibergate\tables();
    check(array_keys(VibergateException::CLASSES) === $tables['error_codes'],
        'exception classes by code: ' . implode(',', array_keys(VibergateException::CLASSES)) . ' vs ' . implode(',', $tables['error_codes']));
    foreach (VibergateException::CLASSES as $code => $class) {
        $e = VibergateException::fromDetails(['code' => $code, 'message' => 'x']);
        check($e instanceof $class && is_subclass_of($class, VibergateException::class), "class of $code");
    }
    check($tables['version'] === Vibergate\version(), 'version');
    // Every operation has its typed method (camelCase) on the class it runs on.
    $camel = fn (string $name) => lcfirst(str_replace('_', '', ucwords($name, '_')));
    foreach ($tables['operations'] as $op) {
        foreach ($op['on'] as $on) {
            $class = $on === 'router' ? Vibergate\Router::class : Client::class;
            check(method_exists($class, $camel($op['name'])), "$class lacks {$camel($op['name'])}() for the operation {$op['name']}");
        }
    }
    // call(): any operation by its name; errors in PHP's words.
    $c = new Client($sb->dsn('smsclub'));
    check($c->call('capabilities') === $c->capabilities(), 'call(capabilities)');
    $e = throws('unsupported', fn () => $c->call('sned'), 'unknown operation');
    check(str_starts_with($e?->getMessage() ?? '', "Vibergate\\Client::call(): no operation 'sned' (did you mean 'send'?)") && $e?->field === 'operation', 'unknown operation: ' . $e?->getMessage());
    $e = throws('invalid_message', fn () => $c->call('send', ['to' => ['380989361121'], 'txt' => 'x']), 'call argument');
    check($e?->getMessage() === "Vibergate\\Client::call(): unknown key \$args['txt'] (did you mean 'text'?)" && $e?->field === 'txt', 'call argument: ' . $e?->getMessage());
    $by = new Client($sb->dsn('smsby'));
    $list = $by->call('send_to_list', ['list_id' => '1', 'text' => 'News']);
    check($by->call('confirm_mailing', ['mailing_id' => $list['mailing_id']]) === ['confirmed' => $list['mailing_id']], 'confirmed shape');
    check($by->mailings(0, 1) !== [] && count($by->mailings(0, 1)) === 1, 'mailings limit');
    $router = new Vibergate\Router($sb->dsn('decisiontelecom'));
    $r = $router->call('send', ['to' => ['380989361121'], 'text' => 'Hi']);
    check($router->call('status', ['ids' => $r['accepted']])[0]['state'] === 'delivered', 'router call');
    throws('unsupported', fn () => $router->call('balance'), 'balance on a router');
});

test('the request log', function () use ($sb) {
    check(count($sb->requests()) > 10, 'requests');
});
$sb->stop();

echo "$passed passed, $failed failed\n";
exit($failed === 0 ? 0 : 1);
