<?php
// A delivery-status callback endpoint for Intel-Tele (GET query or POST form: msgid, status, datetime).
require __DIR__ . '/../../bindings-php/autoload.php'; // in a project: vendor/autoload.php

try {
    // This request, read from $_SERVER and php://input; a framework's PSR-7 request works too.
    $events = Vibergate\Vibergate::parseWebhook('inteltele');
} catch (Vibergate\VibergateException $e) {   // not a callback vibergate can read
    http_response_code(400);
    error_log("webhook: {$e->errorCode}: {$e->getMessage()}");
    exit;
}
foreach ($events as $event) {
    error_log("{$event->messageId} is now {$event->state}");
}
http_response_code(204);
