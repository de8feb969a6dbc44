<?php
// A PHP worker of scripts/test-shared-state.sh.
//
//   php worker.php NAME PHONE...
//
// Sends one single-recipient message per PHONE, one after the other, through the DSN in
// VIBERGATE_DSN (an SMS Club account with `shared_state`), with the library in VIBERGATE_LIB
// (the test's debug build), and prints one JSON line per send on standard output: the
// recipient's buckets, or the exception the send threw. The package has no log hook: the core
// prints its WARNING about an unreachable shared state on standard error, which the checker reads.
declare(strict_types=1);
require __DIR__ . '/../../bindings-php/autoload.php';

use Vibergate\{Client, VibergateException};

$name = $argv[1];
$phones = array_slice($argv, 2);

function emit(string $name, array $fields): void
{
    echo json_encode(['worker' => $name] + $fields, JSON_THROW_ON_ERROR | JSON_UNESCAPED_SLASHES), "\n";
}

$client = new Client((string) getenv('VIBERGATE_DSN'));
foreach ($phones as $i => $phone) {
    try {
        $report = $client->send(['to' => [$phone], 'text' => "shared-state $name " . ($i + 1)]);
    } catch (VibergateException $e) {
        emit($name, ['to' => $phone, 'error' => ['code' => $e->errorCode, 'message' => $e->getMessage()]]);
        continue;
    }
    emit($name, [
        'to' => $phone,
        'accepted' => array_map(fn($a) => $a->phone, $report->accepted),
        'rejected' => array_map(fn($r) => $r->phone, $report->rejected),
        'uncertain' => array_map(fn($u) => $u->phone, $report->uncertain),
    ]);
}
