#!/usr/bin/env bash
# README samples: every fenced block of every README (README.md, bindings-python/README.md,
# bindings-node/README.md, …) runs as printed against a `vibergate sandbox` this script starts.
#
# scripts/readme_samples.py finds the blocks by their `<!-- sample: NAME -->` markers, refuses an
# unmarked block, checks that a fragment appears whole in the file that hosts it and that a
# `file` block equals its file, and at the end that every NAME was run here.
#
# What "as printed" allows, visibly:
# - the sandbox's ports: `8080` (vibergate sandbox) and `8000` (php -S) in the text are replaced
#   by free ports, so that the test never collides with a service of the machine; so is `6379`
#   in `127.0.0.1:6379`, the Redis of the "Many workers" samples (a redis-server this script
#   starts, with nothing saved to disk);
# - where a sample goes: its block is written to the file name the README gives it, in a
#   project directory under target/readme/ next to a `vibergate` link to this checkout (Rust
#   and Node samples are "in a project next to your vibergate checkout"; the Rust project's
#   manifest gets an empty [workspace] table, since it sits inside this repository);
# - MATURIN_PEP517_ARGS="--profile dev": `pip install` builds a debug module, like the Python
#   suite; the Node package that `npm install ../vibergate/bindings-node` installs is a copy of
#   bindings-node/ with a debug addon (scripts/lib.sh node_package), like the Node suite's, so
#   that nothing is written into the checkout's bindings-node/.
# Each sample that reads VIBERGATE_DSN runs three times: as printed; after a fault that drops the
# connection once the request was read (its `uncertain` branch must print); and with the token
# `bad-token`, which the sandbox refuses (its error branch must exit non-zero naming `auth`).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
root=$PWD
work="$root/target/readme"
samples=(python3 "$root/scripts/readme_samples.py")
ran="$work/ran.txt"

step() { printf -- '-- %s\n' "$*"; }
fail() {
  echo "test-readme: $*" >&2
  exit 1
}

step "every README block is marked, fragments and files match"
"${samples[@]}" check

rm -rf "$work"
mkdir -p "$work"
: >"$ran"
# extract NAME FILE: writes sample NAME to FILE and notes that it ran.
extract() {
  "${samples[@]}" extract "$1" "$2"
  echo "$1" >>"$ran"
}
sandbox_port=$(free_port)
php_port=$(free_port)
redis_port=$(free_port)
# ports FILE [OUT]: the sample's ports replaced by the free ones (see the header), written to OUT
# (default FILE.run), whose name it prints.
ports() {
  local out=${2:-$1.run}
  mkdir -p "$(dirname "$out")"
  sed -E -e "s/(--port |:|%3A)8080([^0-9]|\$)/\1$sandbox_port\2/g" \
    -e "s/(127\.0\.0\.1:)8000([^0-9]|\$)/\1$php_port\2/g" \
    -e "s/(127\.0\.0\.1:)6379([^0-9]|\$)/\1$redis_port\2/g" "$1" >"$out"
  echo "$out"
}
# expect OUTPUT_FILE TEXT: the output must contain TEXT.
expect() {
  grep -qF -- "$2" "$1" || {
    cat "$1" >&2
    fail "$(basename "$1"): expected \"$2\" in the output above"
  }
}

need_apt curl curl
need_apt jq jq
need_apt setsid util-linux
need_apt redis-server redis-server
need_apt redis-cli redis-tools
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -- "-$pid" 2>/dev/null || kill "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT

# ---- the `vibergate` command and the sandbox ----------------------------------------------------
step "cli-path, sandbox, sandbox-dsn"
extract cli-path "$work/cli-path.sh"
found=$(bash -c "set -euo pipefail; source '$work/cli-path.sh' >&2; command -v vibergate")
[ "$found" = "$root/target/debug/vibergate" ] || fail "cli-path puts $found on the PATH, not target/debug/vibergate"
export PATH="$root/target/debug:$PATH"

extract sandbox "$work/sandbox.sh"
# setsid: the sandbox gets a process group of its own, which cleanup ends.
setsid bash "$(ports "$work/sandbox.sh")" >"$work/sandbox.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do
  grep -qs '^  inteltele ' "$work/sandbox.log" && break
  sleep 0.1
done
grep -q '^  inteltele ' "$work/sandbox.log" || {
  cat "$work/sandbox.log" >&2
  fail "the sandbox printed no DSNs"
}
base="http://127.0.0.1:$sandbox_port"
banner_dsn() { awk -v p="$1" '$1 == p { print $2 }' "$work/sandbox.log"; }
# Every sandbox DSN a README prints must be one the banner prints.
for readme in $("${samples[@]}" list | cut -f3 | cut -d: -f1 | sort -u); do
  { sed -E -e "s/%3A8080/%3A$sandbox_port/g" "$readme" | grep -oE "[a-z]+://[^' \"]*127%2E0%2E0%2E1[^' \"]*" || true; } | sort -u |
    while read -r dsn; do
      grep -qF -- " $dsn" "$work/sandbox.log" || fail "$readme shows a sandbox DSN the sandbox does not print: $dsn"
    done
done
extract sandbox-dsn "$work/sandbox-dsn.sh"
# shellcheck disable=SC1090
source "$(ports "$work/sandbox-dsn.sh")"
[ "$VIBERGATE_DSN" = "$(banner_dsn smsclub)" ] || fail "sandbox-dsn is not the SMS Club DSN of the banner"
good_dsn=$VIBERGATE_DSN
bad_dsn=${good_dsn/sandbox-token/bad-token}

fault() { curl -fsS -X POST "$base/_sandbox/faults" -H 'Content-Type: application/json' -d "$1" >/dev/null; }
# scenarios NAME ACCEPTED UNCERTAIN COMMAND...: runs a sample that reads VIBERGATE_DSN as printed
# (its output must contain ACCEPTED), with its request's connection dropped (UNCERTAIN), and with
# a refused token (it must fail, naming `auth`).
scenarios() {
  local name=$1 out="$work/$1" accepted=$2 uncertain=$3
  shift 3
  "$@" >"$out.ok.out" 2>&1 || {
    cat "$out.ok.out" >&2
    fail "$name failed against the sandbox"
  }
  expect "$out.ok.out" "$accepted"
  fault '{"provider":"smsclub","count":1,"kind":"drop_after_read"}'
  "$@" >"$out.uncertain.out" 2>&1 || {
    cat "$out.uncertain.out" >&2
    fail "$name failed when its send was uncertain"
  }
  expect "$out.uncertain.out" "$uncertain"
  if VIBERGATE_DSN=$bad_dsn "$@" >"$out.error.out" 2>&1; then
    cat "$out.error.out" >&2
    fail "$name exited 0 with a refused token"
  fi
  grep -qE '(^|[^a-z_])auth( \(|:)' "$out.error.out" || {
    cat "$out.error.out" >&2
    fail "$name: a refused token must be reported with the code auth"
  }
  echo "   $name: as printed, uncertain, error"
}

# ---- shell -------------------------------------------------------------------------------------
step "demo"
extract demo "$work/demo.sh"
bash -euo pipefail "$work/demo.sh" >"$work/demo.out" 2>&1 || {
  cat "$work/demo.out" >&2
  fail "the demo failed"
}

step "cli"
extract cli "$work/cli/cli.sh"
(cd "$work/cli" && bash -euo pipefail "$(ports cli.sh)") >"$work/cli.out" 2>&1 || {
  cat "$work/cli.out" >&2
  fail "the command-line sample failed"
}
expect "$work/cli.out" "exit code 6"
expect "$work/cli.out" "incoming"

step "run-tests"
# The test command itself is not run from inside itself: check that it is the command that runs
# this script (its loop over scripts/test-*.sh).
extract run-tests "$work/run-tests.sh"
[ "$(cat "$work/run-tests.sh")" = "bash scripts/test.sh" ] || fail "run-tests is not 'bash scripts/test.sh'"
grep -q 'for suite in scripts/test-\*.sh' scripts/test.sh || fail "scripts/test.sh no longer runs scripts/test-*.sh"

# ---- Rust --------------------------------------------------------------------------------------
step "rust-toml, rust-quickstart, rust-router (a project of its own)"
shop="$work/rust/shop"
mkdir -p "$shop/src/bin"
ln -s "$root" "$work/rust/vibergate"
extract rust-toml "$work/rust/dependencies.toml"
# `cargo new shop`'s manifest, plus an empty [workspace]: the project sits inside this
# repository's target/, and must not be taken for a member of its workspace.
printf '[package]\nname = "shop"\nversion = "0.1.0"\nedition = "2021"\n\n[workspace]\n\n' |
  cat - "$work/rust/dependencies.toml" >"$shop/Cargo.toml"
cp Cargo.lock "$shop/"
extract rust-quickstart "$shop/src/main.rs"
extract rust-router "$shop/src/bin/router.rs"
rustfmt --check --edition 2021 "$shop/src/main.rs" "$shop/src/bin/router.rs" || fail "the Rust samples are not formatted (rustfmt)"
# A target directory of its own: the project's profile differs from the workspace's.
export CARGO_TARGET_DIR="$root/target/readme-cargo"
(cd "$shop" && cargo build --quiet --bins)
scenarios rust-quickstart "accepted 380989361121" "uncertain 380989361121" "$CARGO_TARGET_DIR/debug/shop"
# The router: SMS Club refuses the token, DecisionTelecom takes the message.
VIBERGATE_ROUTE="$bad_dsn || $(banner_dsn decisiontelecom)" "$CARGO_TARGET_DIR/debug/router" >"$work/rust-router.out" 2>&1 || {
  cat "$work/rust-router.out" >&2
  fail "rust-router failed"
}
expect "$work/rust-router.out" "decisiontelecom took 380989361121"
expect "$work/rust-router.out" "tried smsclub"
if env -u VIBERGATE_ROUTE "$CARGO_TARGET_DIR/debug/router" >"$work/rust-router.error.out" 2>&1; then
  fail "rust-router exited 0 without VIBERGATE_ROUTE"
fi
expect "$work/rust-router.error.out" "set VIBERGATE_ROUTE"
unset CARGO_TARGET_DIR

# ---- C -----------------------------------------------------------------------------------------
step "c-example, c-app, c-build"
# c-install and c-sdk-build (the SDK tarball, pkg-config) run in scripts/test-dist-c.sh, on a
# PATH without cargo; here the app is built against the checkout (c-build).
printf '%s\n' c-install c-sdk-build >>"$ran"
extract c-example "$work/c-example.sh"
bash -euo pipefail "$work/c-example.sh" >"$work/c-example.out" 2>&1 || {
  cat "$work/c-example.out" >&2
  fail "c-example failed"
}
expect "$work/c-example.out" '"accepted":[{"phone":"380989361121"'
mkdir -p "$work/c"
ln -s "$root/include" "$work/c/include"
ln -s "$root/target" "$work/c/target"
extract c-app "$work/c/app.c"
extract c-build "$work/c/build.sh"
(cd "$work/c" && bash -euo pipefail build.sh) >"$work/c-build.out" 2>&1 || {
  cat "$work/c-build.out" >&2
  fail "c-build failed"
}
scenarios c-app '"accepted":[{"phone":"380989361121"' "some recipients are uncertain" "$work/c/app"

# ---- PHP ---------------------------------------------------------------------------------------
step "php-quickstart, php-webhook, php-webhook-serve"
# The Composer install lines, the package README's sample and its php.ini lines run in
# scripts/test-dist-php.sh (a Composer path repository, php-cli and php -S under preload).
printf '%s\n' php-install php-package-install php-package-sample php-package-ini php-package-ffi-preload >>"$ran"
need_apt php php-cli
php_has ffi || fail "PHP has no FFI extension"
cargo build --quiet -p vibergate-ffi
extract php-quickstart "$work/php/send.php"
scenarios php-quickstart "accepted 380989361121" "uncertain 380989361121" php "$work/php/send.php"
echo php-webhook >>"$ran" # `file examples/php/webhook.php`: checked equal above, served below
extract php-webhook-serve "$work/php-webhook-serve.sh"
# In a process group of its own, so that the server it starts in the background is ended even
# when the block fails before its `kill`.
setsid bash -euo pipefail "$(ports "$work/php-webhook-serve.sh")" >"$work/php-webhook-serve.out" 2>&1 &
serve=$!
pids+=("$serve")
wait "$serve" || {
  cat "$work/php-webhook-serve.out" >&2
  fail "php-webhook-serve failed"
}
kill -- "-$serve" 2>/dev/null || true
expect "$work/php-webhook-serve.out" "204 No Content"
expect "$work/php-webhook-serve.out" "abc is now delivered"

# ---- Python ------------------------------------------------------------------------------------
step "python-build and the Python samples (run, mypy --strict)"
venv=$(py_venv)
# python-install (the wheel of `make dist`) runs in scripts/test-dist-python.sh, on a PATH
# without cargo; here the package is built from the checkout, as "Building from source" says.
echo python-install >>"$ran"
extract python-build "$work/python-build.sh"
PATH="$venv/bin:$PATH" MATURIN_PEP517_ARGS="--profile dev" bash -euo pipefail "$work/python-build.sh" >"$work/python-build.out" 2>&1 || {
  cat "$work/python-build.out" >&2
  fail "python-build failed"
}
py="$work/python"
extract python-quickstart "$py/quickstart.py"
extract python-sandbox "$py/sandbox.py"
extract python-package-quickstart "$py/package_quickstart.py"
extract python-late-result "$py/late_result.py"
extract many-workers-python "$py/many_workers.py" # run under "Many workers" below
"$venv/bin/mypy" --strict --no-incremental "$py"/*.py
scenarios python-quickstart "accepted 380989361121" "uncertain 380989361121" "$venv/bin/python" "$py/quickstart.py"
scenarios python-package-quickstart "accepted 380989361121" "uncertain 380989361121" "$venv/bin/python" "$py/package_quickstart.py"
"$venv/bin/python" "$py/sandbox.py" >"$work/python-sandbox.out" 2>&1 || {
  cat "$work/python-sandbox.out" >&2
  fail "python-sandbox failed"
}
expect "$work/python-sandbox.out" delivered
"$venv/bin/python" "$py/late_result.py" >"$work/python-late.out" 2>&1 || fail "python-late-result failed"
expect "$work/python-late.out" "accepted:"
# A send slower than the sample's 5 s wait: the report must still arrive, through remember().
fault '{"provider":"smsclub","count":1,"kind":"latency","ms":5500}'
"$venv/bin/python" "$py/late_result.py" >"$work/python-late.slow.out" 2>&1 || fail "python-late-result failed on a slow send"
expect "$work/python-late.slow.out" "still running"
expect "$work/python-late.slow.out" "late: send"

# ---- Node --------------------------------------------------------------------------------------
step "node-install and the Node samples (CommonJS, ESM, TypeScript; tsc --strict)"
tools=$(node_tools)
nshop="$work/node/shop"
mkdir -p "$nshop"
# `../vibergate/bindings-node` is the package as npm would install it, with a debug addon built
# here (scripts/lib.sh node_package): the test never writes into the checkout's bindings-node/.
node_package "$work/node/vibergate/bindings-node"
# node-install (the two tarballs of `make dist`) runs in scripts/test-dist-node.sh, on a PATH
# without cargo; here the package comes from the checkout (node-build).
echo node-install >>"$ran"
extract node-build "$work/node/install.sh"
extract node-package-install "$work/node/package-install.sh"
for script in install.sh package-install.sh; do
  (cd "$nshop" && npm_config_audit=false npm_config_fund=false bash -euo pipefail "../$script") >"$work/node-$script.out" 2>&1 || {
    cat "$work/node-$script.out" >&2
    fail "node $script failed"
  }
done
[ -e "$nshop/node_modules/vibergate/package.json" ] || fail "npm install left no node_modules/vibergate"
extract node-cjs "$nshop/send.js"
extract node-esm "$nshop/send.mjs"
extract node-typescript "$nshop/notify.ts"
extract many-workers-node "$nshop/many-workers.js" # run under "Many workers" below
cat >"$nshop/tsconfig.json" <<EOF
{
  "compilerOptions": {
    "strict": true,
    "allowJs": true,
    "checkJs": true,
    "module": "nodenext",
    "moduleResolution": "nodenext",
    "target": "ES2022",
    "outDir": "build",
    "types": ["node"],
    "typeRoots": ["$tools/node_modules/@types"]
  },
  "files": ["send.js", "send.mjs", "notify.ts", "many-workers.js"]
}
EOF
(cd "$nshop" && "$tools/node_modules/.bin/tsc" -p .) || fail "the Node samples do not pass tsc --strict"
(cd "$nshop" && scenarios node-cjs "accepted 380989361121" "uncertain 380989361121" node send.js)
(cd "$nshop" && scenarios node-esm "accepted 380989361121" "uncertain 380989361121" node send.mjs)
expect "$work/node-esm.ok.out" "status f3e76f4e delivered"
(cd "$nshop" && node build/notify.js) >"$work/node-typescript.ok.out" 2>&1 || {
  cat "$work/node-typescript.ok.out" >&2
  fail "node-typescript failed"
}
expect "$work/node-typescript.ok.out" "delivered"
fault '{"provider":"smsclub","count":1,"kind":"drop_after_read"}'
(cd "$nshop" && node build/notify.js) >"$work/node-typescript.uncertain.out" 2>&1 || fail "node-typescript failed when uncertain"
expect "$work/node-typescript.uncertain.out" "uncertain 380989361121"
if (cd "$nshop" && VIBERGATE_DSN=$bad_dsn node build/notify.js) >"$work/node-typescript.error.out" 2>&1; then
  fail "node-typescript exited 0 with a refused token"
fi
expect "$work/node-typescript.error.out" "auth: "

# ---- Many workers ------------------------------------------------------------------------------
step "many-workers-python, many-workers-node, many-workers-php (4 workers, one Redis)"
# A redis-server of this test's own, on the port that replaces 6379 in the samples (REDIS_URL is
# left unset: the samples' printed default is what runs). setsid: cleanup ends its group.
setsid redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no >"$work/redis.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do
  [ "$(redis-cli -p "$redis_port" ping 2>/dev/null)" = PONG ] && break
  sleep 0.1
done
[ "$(redis-cli -p "$redis_port" ping 2>/dev/null)" = PONG ] || {
  cat "$work/redis.log" >&2
  fail "redis-server did not start"
}
# A token of their own: the sandbox counts SMS Club's 9 requests per second per token, and the
# samples above sent with sandbox-token moments ago, without the shared schedule.
fleet_dsn=${good_dsn/sandbox-token/workers-token}
# fleet_check NAME SENDS: the sample's requests took their slots in the test's Redis (one script
# call per request: at least the 40 of its two runs with workers-token), and the sandbox's log of
# workers-token so far holds SENDS send requests (each run's 20 recipients once, the uncertain one
# included) and not one 429.
fleet_check() {
  local log calls
  calls=$(redis-cli -p "$redis_port" info commandstats | tr -d '\r' | sed -nE 's/^cmdstat_evalsha:calls=([0-9]+),.*/\1/p')
  echo "   $1: ${calls:-0} Redis script calls"
  [ "${calls:-0}" -ge 40 ] || fail "$1: ${calls:-0} calls to the test's Redis: the sample did not use it"
  redis-cli -p "$redis_port" config resetstat >/dev/null
  log=$(curl -fsS "$base/_sandbox/requests" |
    jq -c '[.[] | select(.path == "/vibers/send" and ([.headers[] | select(.[0] == "authorization")[1]] == ["Bearer workers-token"]))]')
  # Kept for a failure's reader: when each request came (at_ms) and its answer.
  jq -r '.[] | [.seq, .at_ms, (.status // "dropped")] | @tsv' <<<"$log" >"$work/many-workers/$1.requests.tsv"
  [ "$(jq '[.[] | select(.status == 429)] | length' <<<"$log")" = 0 ] ||
    fail "$1: SMS Club answered 429: the workers did not keep to the shared limit (seq, at_ms, status: $work/many-workers/$1.requests.tsv)"
  [ "$(jq length <<<"$log")" = "$2" ] || fail "$1: $(jq length <<<"$log") send requests, expected $2 (one per recipient)"
}
fleet_ok="4 workers, 20 messages: 20 accepted, 0 rejected, 0 uncertain, 0 failed"
fleet_uncertain="4 workers, 20 messages: 19 accepted, 0 rejected, 1 uncertain, 0 failed"
export VIBERGATE_DSN=$fleet_dsn
unset REDIS_URL
scenarios many-workers-python "$fleet_ok" "$fleet_uncertain" "$venv/bin/python" "$(ports "$py/many_workers.py" "$work/many-workers/many_workers.py")"
fleet_check many-workers-python 40
(cd "$nshop" && scenarios many-workers-node "$fleet_ok" "$fleet_uncertain" node "$(ports many-workers.js run/many-workers.js)")
fleet_check many-workers-node 80
# The PHP sample requires ../../bindings-php from where it lies, as examples/many-workers/send.php
# does in the checkout: its copy sits at the same depth under a link to bindings-php/.
mkdir -p "$work/many-workers/php"
ln -sfn "$root/bindings-php" "$work/many-workers/php/bindings-php"
extract many-workers-php "$work/many-workers/php/send.php"
scenarios many-workers-php "$fleet_ok" "$fleet_uncertain" php "$(ports "$work/many-workers/php/send.php" "$work/many-workers/php/examples/many-workers/send.php")"
fleet_check many-workers-php 120
export VIBERGATE_DSN=$good_dsn

# ---- the reference -----------------------------------------------------------------------------
step "docs/reference.md matches the core"
cargo test --quiet -p vibergate-core --test reference_doc

step "every sample ran"
"${samples[@]}" covered "$ran"
echo "README samples: $(sort -u "$ran" | wc -l) run as printed"
