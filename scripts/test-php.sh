#!/usr/bin/env bash
# PHP: the Composer package (bindings-php/) with Debian's phpunit, its sandbox tests
# (tests/php/run.php: every operation and error message) and the example, against the debug
# library. scripts/test-dist-php.sh installs the package with Composer as a user would.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
need_apt php php-cli
need_apt phpunit phpunit
if ! php_has ffi; then
  echo "PHP $(php -r 'echo PHP_VERSION;') has no FFI extension (Debian ships it in php8.x-common):" >&2
  php --ini >&2
  exit 1
fi
cargo build -p vibergate-ffi
export VIBERGATE_LIB="$PWD/target/debug/libvibergate.so"
phpunit -c bindings-php/phpunit.xml.dist
php tests/php/run.php
env -u VIBERGATE_DSN php examples/php/send.php >/dev/null
