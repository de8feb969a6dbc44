#!/usr/bin/env bash
# The PHP package as a user installs it: scripts/dist/php.sh's zip, unzipped and installed with
# Composer from a path repository into a fresh project (no network, no Packagist), on a PATH
# without cargo, rustc or rustup. Against a `vibergate sandbox`, it runs the package README's
# sample and the main README's PHP sample (a send and a status each):
#   1. php-cli with ffi.enable=true (FFI::cdef);
#   2. php-cli with the php.ini lines of bindings-php/README.md (ffi.enable=preload,
#      opcache.preload=<vendor>/vibergate/vibergate/preload.php, …) and opcache.enable_cli=1;
#   3. the same lines under `php -S`, a web SAPI where `preload` forbids FFI::cdef, so only the
#      preloaded scope can work (as under php-fpm).
# Cases 2 and 3 check that the library was reached through FFI::scope (library()['via']).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
root=$PWD
work="$root/target/dist-php-test"
samples=(python3 "$root/scripts/readme_samples.py")

fail() {
  echo "test-dist-php: $*" >&2
  exit 1
}
step() { printf -- '-- %s\n' "$*"; }

need_apt php php-cli
need_apt composer composer
need_apt unzip unzip
need_apt curl curl
php_has ffi || fail "PHP has no FFI extension"
php_has "Zend OPcache" || fail "PHP has no OPcache (Debian: php8.x-opcache), which preloading needs"

# The library and the sandbox command the test uses (debug builds; the package has no Rust).
cargo build --quiet -p vibergate-ffi -p vibergate-cli
lib="$root/target/debug/libvibergate.so"

rm -rf "$work"
mkdir -p "$work"
step "scripts/dist/php.sh (PROFILE=dev)"
PROFILE=dev DIST_DIR="$work/dist" bash scripts/dist/php.sh
zip=$(ls "$work"/dist/vibergate-php-*.zip)
unzip -q "$zip" -d "$work/pkg"
pkg=$(ls -d "$work"/pkg/vibergate-php-*)
cmp -s include/vibergate.h "$pkg/include/vibergate.h" || fail "the zip's header is not include/vibergate.h"

# What a user without a Rust toolchain has (scripts/lib.sh).
PATH=$(path_without_rust)
export PATH
! command -v rustc >/dev/null 2>&1 || fail "rustc is still on the PATH"
command -v php >/dev/null && command -v composer >/dev/null || fail "php or composer is not on the PATH without Rust"

step "composer install from a path repository (no network)"
app="$work/app"
mkdir -p "$app"
cat >"$app/composer.json" <<EOF
{
    "name": "example/shop",
    "type": "project",
    "require": {"vibergate/vibergate": "*"},
    "repositories": [
        {"type": "path", "url": "$pkg", "options": {"symlink": false}},
        {"packagist.org": false}
    ],
    "minimum-stability": "stable"
}
EOF
export COMPOSER_HOME="$work/composer-home" COMPOSER_DISABLE_NETWORK=1 COMPOSER_NO_INTERACTION=1 COMPOSER_ALLOW_SUPERUSER=1
(cd "$app" && composer install --no-interaction --no-progress --quiet)
vendor_pkg="$app/vendor/vibergate/vibergate"
[ -f "$vendor_pkg/preload.php" ] && [ ! -L "$vendor_pkg" ] || fail "composer did not copy the package into vendor/"

# The samples, written where a user would put them. The main README's sample may still require
# the repository's example file: it is run with Composer's autoloader in that line's place.
"${samples[@]}" extract php-package-sample "$app/package-sample.php"
"${samples[@]}" extract php-quickstart "$app/quickstart.php"
if ! grep -qE "^require[^;]*vendor/autoload\.php" "$app/quickstart.php"; then
  echo "note: README's php-quickstart does not load vendor/autoload.php; its require line is replaced for this test" >&2
  sed -i -E "0,/^require /s|^require .*;.*$|require __DIR__ . '/vendor/autoload.php';|" "$app/quickstart.php"
fi
cat >"$app/via.php" <<'EOF'
<?php
require __DIR__ . '/vendor/autoload.php';
echo 'via ', Vibergate\Vibergate::library()['via'], "\n";
EOF

# The php.ini lines of bindings-php/README.md, as -d options for this project and user.
ini=()
while IFS= read -r line; do
  line="${line%%;*}"
  line="$(echo "$line" | sed -E 's/[[:space:]]+$//')"
  [ -n "$line" ] || continue
  case "$line" in
  opcache.preload=*) line="opcache.preload=$vendor_pkg/preload.php" ;;
  opcache.preload_user=*) line="opcache.preload_user=$(id -un)" ;;
  esac
  ini+=(-d "$line")
done < <("${samples[@]}" extract php-package-ini)
printf '%s\n' "${ini[@]}" | grep -qx 'ffi.enable=preload' || fail "README's php.ini lines lack ffi.enable=preload"
# Root preloads in a child process, where FFI::load cannot work: the README's ffi.preload header,
# written by the command it shows.
if [ "$(id -u)" = 0 ]; then
  "${samples[@]}" extract php-package-ffi-preload "$work/ffi-preload.sh"
  header_cmd=$(head -n 1 "$work/ffi-preload.sh" | sed -E "s|vendor/vibergate/vibergate/preload.php|$vendor_pkg/preload.php|; s|> /etc/php/vibergate.h|> $work/vibergate-ffi.h|")
  (cd "$app" && VIBERGATE_LIB="$lib" bash -euo pipefail -c "$header_cmd")
  grep -q '^#define FFI_SCOPE "VIBERGATE"' "$work/vibergate-ffi.h" || fail "--ffi-header wrote no FFI_SCOPE"
  ini+=(-d "ffi.preload=$work/vibergate-ffi.h")
fi

step "vibergate sandbox"
port=$(free_port)
"$root/target/debug/vibergate" sandbox --port "$port" --step-ms 0 >"$work/sandbox.out" 2>&1 &
sandbox_pid=$!
server_pid=""
cleanup() {
  kill "$sandbox_pid" 2>/dev/null || true
  [ -z "$server_pid" ] || kill "$server_pid" 2>/dev/null || true
}
trap cleanup EXIT
for _ in $(seq 100); do
  grep -q '^  smsclub ' "$work/sandbox.out" && break
  sleep 0.1
done
dsn=$(awk '$1 == "smsclub" {print $2}' "$work/sandbox.out")
[ -n "$dsn" ] || { cat "$work/sandbox.out" >&2; fail "the sandbox printed no smsclub DSN"; }
export VIBERGATE_DSN="$dsn" VIBERGATE_LIB="$lib"

# run_samples LABEL PHP_OPTIONS...: both samples, a send and a status each.
run_samples() {
  local label=$1 out
  shift
  for sample in package-sample quickstart; do
    out="$work/$label-$sample.out"
    (cd "$app" && php "$@" "$sample.php") >"$out" 2>&1 || { cat "$out" >&2; fail "$label: $sample.php failed"; }
    grep -q '^accepted 380989361121: message id ' "$out" || { cat "$out" >&2; fail "$label: $sample.php accepted nothing"; }
    grep -qE '(status )?[0-9]+: (delivered|read|sent|pending)' "$out" || { cat "$out" >&2; fail "$label: $sample.php printed no status"; }
  done
  echo "$label: both samples sent and asked the status"
}

step "php-cli, ffi.enable=true"
run_samples cli-ffi-true -d ffi.enable=true
[ "$(cd "$app" && php -d ffi.enable=true via.php)" = "via cdef" ] || fail "ffi.enable=true did not use FFI::cdef"

step "php-cli, the README's preload lines (${ini[*]})"
run_samples cli-preload "${ini[@]}" -d opcache.enable_cli=1
via=$(cd "$app" && php "${ini[@]}" -d opcache.enable_cli=1 via.php 2>&1)
[ "$via" = "via preload" ] || fail "under the preload lines the library was not reached through FFI::scope: $via"

step "php -S (a web SAPI, where ffi.enable=preload forbids FFI::cdef), the same lines"
cat >"$app/page.php" <<'EOF'
<?php
require __DIR__ . '/vendor/autoload.php';
$client = new Vibergate\Client(getenv('VIBERGATE_DSN'));
$report = $client->send(['to' => ['380989361121'], 'text' => 'from php -S']);
$state = $client->status($report->accepted)[0]->state;
echo 'via ', Vibergate\Vibergate::library()['via'], ", accepted {$report->accepted[0]->phone}, $state\n";
EOF
web=$(free_port)
(cd "$app" && exec php "${ini[@]}" -S "127.0.0.1:$web" page.php) >"$work/php-s.out" 2>&1 &
server_pid=$!
body=""
for _ in $(seq 50); do
  body=$(curl -s "http://127.0.0.1:$web/" 2>/dev/null) && [ -n "$body" ] && break
  sleep 0.1
done
echo "$body" | grep -qE '^via preload, accepted 380989361121, (delivered|read|sent)' ||
  { cat "$work/php-s.out" >&2; fail "php -S with the preload lines answered: $body"; }
echo "php -S: $body"
echo "test-dist-php: ok"
