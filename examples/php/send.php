<?php
// Sends one Viber message and prints the report.
//   php send.php [PHONE] [TEXT]        (DSN from $VIBERGATE_DSN; without it, the sandbox)
declare(strict_types=1);
require __DIR__ . '/../../bindings-php/autoload.php'; // in a project: vendor/autoload.php

use Vibergate\{Client, Sandbox, VibergateException};

$phone = $argv[1] ?? '380989361121';
$text = $argv[2] ?? 'Hello from vibergate';
$sandbox = null;
$dsn = getenv('VIBERGATE_DSN');
if ($dsn === false || $dsn === '') {
    $sandbox = new Sandbox();
    $dsn = $sandbox->dsn('smsclub');
    echo "no VIBERGATE_DSN: using the sandbox\n";
}

try {
    $client = new Client($dsn);
    $report = $client->send(['to' => [$phone], 'text' => $text]);
    foreach ($report->accepted as $a) {
        echo "accepted {$a->phone}: message id {$a->messageId}\n";
    }
    foreach ($report->rejected as $r) {
        echo "rejected {$r->phone}: {$r->reason} ({$r->detail})\n";
    }
    foreach ($report->uncertain as $u) {
        echo "uncertain {$u->phone}: {$u->detail}\n";
    }
    if ($report->accepted) {
        foreach ($client->status($report->accepted) as $s) {
            echo "status {$s->messageId}: {$s->state}\n";
        }
    }
} catch (VibergateException $e) {
    fwrite(STDERR, get_class($e) . " [{$e->errorCode}]: {$e->getMessage()}\n");
    exit(1);
}
