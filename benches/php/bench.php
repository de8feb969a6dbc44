<?php
// PHP side of `make bench`: the FFI client vs a plain curl request with a reused handle.
declare(strict_types=1);
require __DIR__ . '/../../examples/php/Vibergate.php';

const REQUESTS = 500;
const RUNS = 7;
$base = $argv[1];

function compare(array $contenders): array
{
    foreach ($contenders as $f) {
        for ($i = 0; $i < 20; $i++) {
            $f();
        }
    }
    $rates = array_fill_keys(array_keys($contenders), []);
    for ($run = 0; $run < RUNS; $run++) {
        foreach ($contenders as $name => $f) {
            $start = hrtime(true);
            for ($i = 0; $i < REQUESTS; $i++) {
                $f();
            }
            $rates[$name][] = REQUESTS / ((hrtime(true) - $start) / 1e9);
        }
    }
    return array_map(function (array $r) {
        sort($r);
        return $r[intdiv(count($r), 2)];
    }, $rates);
}

$client = new Vibergate\Client('decisiontelecom://KEY@default?base_url=' . rawurlencode($base) . '&sender=Shop&max_retries=0');
$contenders = ['vibergate (FFI)' => fn () => $client->send(['to' => ['380989361121'], 'text' => 'Hi'])];
if (function_exists('curl_init')) {
    $curl = curl_init();
    $body = json_encode(['source_addr' => 'Shop', 'destination_addr' => 380989361121, 'message_type' => 106, 'text' => 'Hi', 'source_type' => 2]);
    $contenders['curl (reused handle)'] = function () use ($curl, $base, $body) {
        curl_setopt_array($curl, [
            CURLOPT_URL => "$base/v1/api/send-viber",
            CURLOPT_POST => true,
            CURLOPT_POSTFIELDS => $body,
            CURLOPT_RETURNTRANSFER => true,
            CURLOPT_HTTPHEADER => ['Authorization: Basic ' . base64_encode('KEY'), 'Content-Type: application/json'],
        ]);
        return json_decode((string) curl_exec($curl), true);
    };
}
foreach (compare($contenders) as $name => $rps) {
    echo json_encode(['group' => 'PHP', 'name' => $name, 'operation' => 'send', 'rps' => $rps]), "\n";
}
