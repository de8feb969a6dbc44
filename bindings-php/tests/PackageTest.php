<?php

declare(strict_types=1);

namespace Vibergate\Tests;

use PHPUnit\Framework\TestCase;
use Vibergate\{Accepted, Client, DeliveryReport, Header, Library, Router, Sandbox, SendReport, SetupException, Vibergate, VibergateException, WebhookEvent};

/**
 * The package itself: its header, its exception classes and methods against the library's
 * tables, typed results, webhook requests, library discovery and its errors. tests/php/run.php
 * covers every operation and error message against the sandbox.
 */
final class PackageTest extends TestCase
{
    private static Sandbox $sandbox;

    public static function setUpBeforeClass(): void
    {
        self::$sandbox = new Sandbox(['smsclub_rate_limit' => 0]);
    }

    public static function tearDownAfterClass(): void
    {
        self::$sandbox->stop();
    }

    public function testTheShippedHeaderIsTheRepositorysHeader(): void
    {
        $repository = dirname(__DIR__, 2) . '/include/vibergate.h';
        self::assertFileEquals($repository, Header::path(), 'bindings-php/include/vibergate.h is stale: cp include/vibergate.h bindings-php/include/ (scripts/dist/php.sh does)');
    }

    public function testOneExceptionClassPerErrorCodeOfTheLibrary(): void
    {
        $codes = Vibergate::tables()['error_codes'];
        self::assertSame($codes, array_keys(VibergateException::CLASSES), 'VibergateException::CLASSES differs from vg_tables() error_codes');
        $files = [];
        foreach (glob(dirname(__DIR__) . '/src/*Exception.php') ?: [] as $file) {
            $files[] = basename($file, '.php');
        }
        $expected = array_map(fn (string $class) => substr($class, strlen('Vibergate\\')), array_values(VibergateException::CLASSES));
        $expected[] = 'VibergateException';
        $expected[] = 'SetupException';
        sort($expected);
        sort($files);
        self::assertSame($expected, $files, 'src/*Exception.php: one file per error code, the base and SetupException');
        foreach (VibergateException::CLASSES as $code => $class) {
            $e = VibergateException::fromDetails(['code' => $code, 'message' => 'x']);
            self::assertInstanceOf($class, $e);
            self::assertSame($code, $e->errorCode);
            $expectedName = str_replace('_', '', ucwords($code, '_')) . 'Exception';
            self::assertSame("Vibergate\\$expectedName", $class, "the class of $code");
        }
    }

    public function testEveryOperationHasItsMethod(): void
    {
        $camel = fn (string $name) => lcfirst(str_replace('_', '', ucwords($name, '_')));
        foreach (Vibergate::tables()['operations'] as $op) {
            foreach ($op['on'] as $on) {
                $class = $on === 'router' ? Router::class : Client::class;
                self::assertTrue(method_exists($class, $camel($op['name'])), "$class lacks {$camel($op['name'])}() for {$op['name']}");
            }
        }
    }

    public function testResultsAreTypedAndReadOnly(): void
    {
        $client = new Client(self::$sandbox->dsn('smsclub'));
        $report = $client->send(['to' => ['380989361121', '380989369999'], 'text' => 'Hi']);
        self::assertInstanceOf(SendReport::class, $report);
        self::assertSame('smsclub', $report->provider);
        self::assertContainsOnlyInstancesOf(Accepted::class, $report->accepted);
        self::assertSame('380989361121', $report->accepted[0]->phone);
        self::assertSame('blacklisted', $report->rejected[0]->reason);
        // The arrays of before, unchanged.
        self::assertSame($report->accepted[0]->messageId, $report['accepted'][0]['message_id']);
        self::assertSame($report->toArray(), json_decode(json_encode($report), true));
        $states = $client->status($report->accepted);
        self::assertContainsOnlyInstancesOf(DeliveryReport::class, $states);
        self::assertSame('delivered', $states[0]->state);
        self::assertSame('delivered', $client->status([$report->accepted[0]->messageId])[0]['state']);
        try {
            $report->accepted = [];
            self::fail('a readonly property was written');
        } catch (\Error $e) {
            self::assertStringContainsString('readonly', $e->getMessage());
        }
        $this->expectException(\LogicException::class);
        $report['accepted'] = [];
    }

    public function testRouterReportsNameTheirProvider(): void
    {
        $bad = str_replace('sandbox-token', 'bad-token', self::$sandbox->dsn('smsclub'));
        $router = new Router($bad . ' || ' . self::$sandbox->dsn('decisiontelecom'));
        $report = $router->send(['to' => ['380989361121'], 'text' => 'Hi']);
        self::assertNull($report->provider);
        self::assertSame('decisiontelecom', $report->accepted[0]->provider);
        self::assertSame('auth', $report->attempts[0]['error']['code']);
        self::assertSame('delivered', $router->status($report->accepted)[0]->state);
    }

    public function testParseWebhookTakesAnArrayAPsr7RequestOrThisRequest(): void
    {
        $events = Vibergate::parseWebhook('inteltele', ['method' => 'GET', 'query' => ['msgid' => 'abc', 'status' => 'delivrd']]);
        self::assertInstanceOf(WebhookEvent::class, $events[0]);
        self::assertSame('abc', $events[0]->messageId);
        self::assertSame('delivered', $events[0]->state);

        $psr7 = new class () {
            public function getMethod(): string { return 'POST'; }
            public function getUri(): object
            {
                return new class () {
                    public function getQuery(): string { return ''; }
                    public function __toString(): string { return 'https://shop.example/hook'; }
                };
            }
            public function getBody(): string { return '{"delivery_id":5,"status":"DELIVERED"}'; }
            public function getHeaderLine(string $name): string { return strtolower($name) === 'content-type' ? 'application/json' : ''; }
        };
        $events = Vibergate::parseWebhook('smsby', $psr7);
        self::assertSame('delivered', $events[0]->state);
        self::assertSame('smsby', $events[0]['provider']);

        $_SERVER['REQUEST_METHOD'] = 'GET';
        $_SERVER['QUERY_STRING'] = 'msgid=xyz&status=delivrd';
        try {
            self::assertSame('xyz', \Vibergate\parse_webhook('inteltele')[0]->messageId);
        } finally {
            unset($_SERVER['REQUEST_METHOD'], $_SERVER['QUERY_STRING']);
        }

        try {
            Vibergate::parseWebhook('inteltele', new \stdClass());
            self::fail('no exception for an object that is no request');
        } catch (VibergateException $e) {
            self::assertSame('invalid_message', $e->errorCode);
            self::assertStringContainsString('without getMethod()', $e->getMessage());
        }
    }

    public function testTheLibraryIsFoundAndSaysHow(): void
    {
        $how = Vibergate::library();
        self::assertSame('cdef', $how['via']);
        self::assertSame(getenv('VIBERGATE_LIB'), $how['library']);
        self::assertMatchesRegularExpression('/^\d+\.\d+\.\d+/', Vibergate::version());
        // In this checkout, after the C SDK's places: the newer of target/{release,debug}.
        $candidates = Library::candidates();
        self::assertContains('/usr/local/lib/libvibergate.so', $candidates);
        self::assertContains(dirname(__DIR__, 2) . '/target/debug/libvibergate.so', $candidates);
    }

    /** A missing library or FFI setting: the exception names the variable or php.ini line. */
    public function testSetupErrorsSayWhatToDo(): void
    {
        $php = escapeshellarg(PHP_BINARY);
        $autoload = escapeshellarg(dirname(__DIR__) . '/autoload.php');
        $run = function (string $env, string $ini) use ($php, $autoload): string {
            $code = escapeshellarg("require $autoload; try { Vibergate\\Vibergate::version(); echo 'loaded'; } catch (Vibergate\\SetupException \$e) { echo \$e->field, ': ', \$e->getMessage(); }");
            return (string) shell_exec("$env $php $ini -r $code 2>&1");
        };
        $missing = $run('VIBERGATE_LIB=/nonexistent/libvibergate.so', '-d ffi.enable=true');
        self::assertStringStartsWith('VIBERGATE_LIB: VIBERGATE_LIB names /nonexistent/libvibergate.so, which is not a file', $missing);
        self::assertStringContainsString('set the environment variable VIBERGATE_LIB=/path/to/libvibergate.so', $missing);
        $disabled = $run('', '-d ffi.enable=false');
        self::assertStringStartsWith('ffi.enable: FFI is disabled', $disabled);
        self::assertStringContainsString('`ffi.enable=true`', $disabled);
        self::assertStringContainsString('opcache.preload=' . dirname(__DIR__) . '/preload.php', $disabled);
        $noExtension = (string) shell_exec("$php -n -r " . escapeshellarg("require $autoload; try { Vibergate\\Vibergate::version(); } catch (Vibergate\\SetupException \$e) { echo \$e->field, ': ', \$e->getMessage(); }") . ' 2>&1');
        if (!str_contains($noExtension, 'extension=ffi')) {
            // A PHP with FFI built in (not as a shared extension) still has it under -n.
            self::assertStringNotContainsString('Exception', $noExtension);
        } else {
            self::assertStringStartsWith('extension=ffi: PHP\'s FFI extension is not loaded', $noExtension);
        }
        self::assertInstanceOf(VibergateException::class, new SetupException('x', 'ffi.enable'));
    }
}
