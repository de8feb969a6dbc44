#!/usr/bin/env bash
# PHP: the FFI client (examples/php/Vibergate.php) against the sandbox, and the example.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
need_apt php php-cli
if ! php_has ffi; then
  echo "PHP $(php -r 'echo PHP_VERSION;') has no FFI extension (Debian ships it in php8.x-common):" >&2
  php --ini >&2
  exit 1
fi
cargo build -p vibergate-ffi
php tests/php/run.php
env -u VIBERGATE_DSN php examples/php/send.php >/dev/null
