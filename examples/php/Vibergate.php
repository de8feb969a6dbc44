<?php
// Kept so that `require 'examples/php/Vibergate.php'` in older instructions still works: the
// client is the Composer package vibergate/vibergate in bindings-php/ now. In a project,
// `composer require vibergate/vibergate` and `require 'vendor/autoload.php'` instead.
require_once __DIR__ . '/../../bindings-php/autoload.php';
