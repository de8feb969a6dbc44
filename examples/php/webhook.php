<?php
// A delivery-status callback endpoint for Intel-Tele (GET query or POST form: msgid, status, datetime).
require __DIR__ . '/Vibergate.php';

try {
    $events = Vibergate\parse_webhook('inteltele', [
        'method' => $_SERVER['REQUEST_METHOD'],
        'query' => $_SERVER['QUERY_STRING'] ?? '',
        'body' => file_get_contents('php://input'),
        'content_type' => $_SERVER['CONTENT_TYPE'] ?? '',
    ]);
} catch (Vibergate\VibergateException $e) {   // not a callback vibergate can read
    http_response_code(400);
    error_log("webhook: {$e->errorCode}: {$e->getMessage()}");
    exit;
}
foreach ($events as $event) {
    error_log("{$event['message_id']} is now {$event['state']}");
}
http_response_code(204);
