<?php
// Four worker processes, one SMS Club account: they share its 9 requests per second in Redis.
// `php send.php` starts the workers as children of itself, as Supervisor or Horizon starts
// `php artisan queue:work` several times; each builds its own client.
declare(strict_types=1);
require __DIR__ . '/../../bindings-php/autoload.php'; // in a project: vendor/autoload.php

use Vibergate\{Client, VibergateException};

const WORKERS = 4;
$phones = array_map(fn (int $n): string => "38098936$n", range(1000, 1019)); // your queue's jobs

if (isset($argv[1])) {
    // A worker: VIBERGATE_DSN as above (it has options already: `&` adds more), plus the Redis
    // that holds the account's shared schedule, and how many processes share it (for the
    // fallback while it is down). The DSN comes through the environment, never the command line.
    $redis = getenv('REDIS_URL') ?: 'redis://127.0.0.1:6379/0';
    $client = new Client(getenv('VIBERGATE_DSN') . "&shared_state=$redis&workers=" . WORKERS);
    foreach ($phones as $i => $phone) {
        if ($i % WORKERS !== (int) $argv[1]) {
            continue; // another worker's job
        }
        try {
            $report = $client->send(['to' => [$phone], 'text' => 'Your order has shipped']);
        } catch (VibergateException $e) { // nothing was accepted or uncertain
            echo "failed $phone: {$e->errorCode}: {$e->getMessage()}\n";
            continue;
        }
        foreach ($report->accepted as $a) {
            echo "accepted $phone: message id {$a->messageId}\n";
        }
        foreach ($report->rejected as $r) {
            echo "rejected $phone: {$r->reason}\n";
        }
        foreach ($report->uncertain as $u) {
            // Sent, but no answer came: it may have gone out. Check before sending it again.
            echo "uncertain $phone: {$u->detail}\n";
        }
    }
    exit(0);
}

// The parent: starts the workers, then reads each one's lines until it exits.
$workers = [];
for ($n = 0; $n < WORKERS; $n++) {
    $process = proc_open([PHP_BINARY, __FILE__, (string) $n], [1 => ['pipe', 'w']], $pipes);
    if ($process === false) {
        fwrite(STDERR, "could not start worker $n\n");
        exit(1);
    }
    $workers[] = [$process, $pipes[1]];
}
$count = ['accepted' => 0, 'rejected' => 0, 'uncertain' => 0, 'failed' => 0];
$crashed = 0;
foreach ($workers as [$process, $output]) {
    foreach (explode("\n", (string) stream_get_contents($output)) as $line) {
        $outcome = explode(' ', $line)[0];
        if (isset($count[$outcome])) {
            $count[$outcome]++;
        }
        if ($line !== '' && $outcome !== 'accepted') {
            echo "$line\n";
        }
    }
    fclose($output);
    if (proc_close($process) !== 0) {
        $crashed++; // it said why on stderr
    }
}
echo WORKERS . ' workers, ' . count($phones) . " messages: {$count['accepted']} accepted, "
    . "{$count['rejected']} rejected, {$count['uncertain']} uncertain, {$count['failed']} failed\n";
exit($count['failed'] || $crashed ? 1 : 0);
