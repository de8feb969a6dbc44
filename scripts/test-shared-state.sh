#!/usr/bin/env bash
# Shared state across processes and bindings (issue 17): a fleet of worker processes — the Rust
# CLI, Python, Node and PHP — sends through ONE SMS Club account of `vibergate sandbox` (9
# requests in any second, 429 beyond) with `shared_state` pointing at a private redis-server.
#
# - Run "shared": Redis up the whole time. No 429, no sliding second with more than 9 SMS Club
#   requests, every recipient in exactly one bucket of one worker's report, every accepted one in
#   exactly one request the sandbox answered 200.
# - Run "restart": Redis killed (SIGKILL) while the fleet sends and started again on the same
#   port about a second later. Every recipient still accepted exactly once (the local fallback
#   keeps sending); at least one worker logged the WARNING; the 429s and the busiest second are
#   shown, not judged.
# - Run "fail": shared_state_fallback=fail with Redis stopped: each binding's send fails with
#   `transport` and the sandbox receives nothing.
#
# The workers are tests/shared-state/{cli-worker.sh,worker.py,worker.js,worker.php}; the
# checker, tests/shared-state/check.py, reads their JSON lines and the sandbox's request log.
# The CLI, the Python module, the Node addon and the PHP library are debug builds made the way
# their own suites make them (test-python.sh, test-node.sh, test-php.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
root=$PWD
here="$root/tests/shared-state"
work="$root/target/shared-state"

step() { printf -- '-- %s\n' "$*"; }
fail() {
  echo "test-shared-state: $*" >&2
  exit 1
}

# Messages per worker: 8 workers × 10 = 80 requests, about 9.3 s at the shared 9 / 1.05 per second
# (the CLI workers, a process per message, end about a second after the others).
per_worker=10
workers=(cli1 cli2 cli3 py1 py2 node1 node2 php1)

mkdir -p "$work"
need_apt redis-server redis-server
need_apt redis-cli redis-tools
need_apt curl curl
need_apt jq jq
need_apt setsid util-linux
need_apt php php-cli
php_has ffi || fail "PHP $(php -r 'echo PHP_VERSION;') has no FFI extension"

# ---- builds (debug, as the other suites make them) ---------------------------------------------
step "builds: the CLI, the C ABI library (PHP), the Python module, the Node addon"
cargo build -p vibergate-cli -p vibergate-ffi
export PATH="$root/target/debug:$PATH"
export VIBERGATE_LIB="$root/target/debug/libvibergate.so"
venv=$(py_venv)
MATURIN_PEP517_ARGS="--profile dev" "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
  --force-reinstall --no-deps ./bindings-python
node_pkg="$work/node/vibergate"
node_package "$node_pkg"

# ---- the servers -------------------------------------------------------------------------------
# Every process this script starts runs in a process group of its own (setsid), which cleanup
# ends: a CLI worker's loop with its `vibergate send`, the sandbox, redis-server.
pids=()
redis_pid=""
cleanup() {
  local pid
  for pid in "${pids[@]}" $redis_pid; do kill -9 -- "-$pid" 2>/dev/null || kill -9 "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT

rport=$(free_port)
start_redis() {
  setsid redis-server --port "$rport" --bind 127.0.0.1 --save "" --appendonly no --daemonize no \
    >>"$work/redis.log" 2>&1 &
  redis_pid=$!
  local _
  for _ in $(seq 100); do
    [ "$(redis-cli -p "$rport" ping 2>/dev/null)" = PONG ] && return 0
    sleep 0.05
  done
  cat "$work/redis.log" >&2
  fail "redis-server did not answer on port $rport within 5 s"
}
stop_redis() {
  kill -9 "$redis_pid" 2>/dev/null || true
  wait "$redis_pid" 2>/dev/null || true
  redis_pid=""
}

sport=$(free_port)
sandbox="http://127.0.0.1:$sport"
setsid vibergate sandbox --port "$sport" >"$work/sandbox.log" 2>&1 &
sandbox_pid=$!
pids+=("$sandbox_pid")
for _ in $(seq 100); do
  grep -qs '^  smsclub ' "$work/sandbox.log" && break
  kill -0 "$sandbox_pid" 2>/dev/null || break
  sleep 0.1
done
base_dsn=$(awk '$1 == "smsclub" { print $2 }' "$work/sandbox.log")
[ -n "$base_dsn" ] || {
  cat "$work/sandbox.log" >&2
  if kill -0 "$sandbox_pid" 2>/dev/null; then
    fail "the sandbox printed no SMS Club DSN in 10 s"
  fi
  rc=0
  wait "$sandbox_pid" || rc=$?
  fail "the sandbox (vibergate sandbox --port $sport) exited with status $rc before printing its DSNs"
}
start_redis

# smsclub_requests: how many SMS Club requests the sandbox has received since its last reset.
smsclub_requests() {
  curl -fsS "$sandbox/_sandbox/requests" | jq '[.[] | select(.provider == "smsclub")] | length'
}

# fleet RUN DSN COUNT WORKER...: starts each WORKER (its binding is its name's prefix) sending
# COUNT messages with DSN, each to a phone of its own written to RUN's plan, in the background;
# their pids go to fleet_pids. Recipients are +380 9X WW III 12: the run's operator code, the
# worker's number, the message's number; never ending 0000 or 9999, which the sandbox fails.
fleet() {
  local run=$1 dsn=$2 count=$3 operator w=0 worker i
  shift 3
  case $run in shared) operator=97 ;; restart) operator=96 ;; *) operator=95 ;; esac
  rm -rf "${work:?}/$run" && mkdir -p "$work/$run"
  : >"$work/$run/plan"
  fleet_pids=()
  curl -fsS -X POST "$sandbox/_sandbox/reset" >/dev/null
  for worker in "$@"; do
    w=$((w + 1))
    local phones=()
    for i in $(seq "$count"); do
      phones+=("$(printf '+380%s%02d%03d12' "$operator" "$w" "$i")")
      echo "$worker ${phones[-1]}" >>"$work/$run/plan"
    done
    local command
    case $worker in
      cli*) command=(bash "$here/cli-worker.sh" "$worker") ;;
      py*) command=("$venv/bin/python" "$here/worker.py" "$worker") ;;
      node*) command=(node "$here/worker.js" "$node_pkg" "$worker") ;;
      php*) command=(php "$here/worker.php" "$worker") ;;
    esac
    # A worker that hangs is ended (and then misses its recipients, which the checker names).
    VIBERGATE_DSN=$dsn setsid timeout -k 2 40 "${command[@]}" "${phones[@]}" \
      >"$work/$run/$worker.out" 2>"$work/$run/$worker.err" &
    fleet_pids+=($!)
    pids+=($!)
  done
}

# wait_fleet RUN: waits for the workers; one that failed has its standard error shown (the
# checker then names what it did not report).
wait_fleet() {
  local run=$1 i=0 pid rc
  for pid in "${fleet_pids[@]}"; do
    rc=0
    wait "$pid" || rc=$?
    if [ "$rc" != 0 ]; then
      echo "worker ${workers[$i]} of run $run exited $rc; its standard error:" >&2
      sed 's/^/   /' "$work/$run/${workers[$i]}.err" >&2
    fi
    i=$((i + 1))
  done
}

check() {
  local run=$1
  shift
  python3 "$here/check.py" "$run" --sandbox "$sandbox" --plan "$work/$run/plan" --outputs "$work/$run" "$@" ||
    fail "run $run failed (the workers' output and the sandbox's requests are in ${work#"$root"/}/$run/)"
}

shared="shared_state=redis://127.0.0.1:$rport/0&workers=${#workers[@]}"

# ---- run "shared": Redis up the whole time -----------------------------------------------------
step "shared: ${#workers[@]} workers (${workers[*]}) × $per_worker messages, one SMS Club account, Redis up"
fleet shared "$base_dsn&$shared" "$per_worker" "${workers[@]}"
wait_fleet shared
check shared

# ---- run "restart": Redis killed and restarted mid-run -----------------------------------------
step "restart: the same fleet; redis-server killed (SIGKILL) mid-run, back on its port 1 s later"
fleet restart "$base_dsn&$shared" "$per_worker" "${workers[@]}"
# Killed once about a third of the run's requests went out, so that the workers are sending.
total=$((${#workers[@]} * per_worker))
killed_at=""
for _ in $(seq 300); do
  n=$(smsclub_requests)
  if [ "$n" -ge $((total / 3)) ]; then
    killed_at=$n
    break
  fi
  sleep 0.1
done
[ -n "$killed_at" ] || fail "the fleet sent only $(smsclub_requests) of $total requests in 30 s"
stop_redis
sleep 1
start_redis
restarted_at=$(smsclub_requests)
wait_fleet restart
check restart --killed-at "$killed_at" --restarted-at "$restarted_at"

# ---- run "fail": shared_state_fallback=fail with Redis stopped ---------------------------------
step "fail: shared_state_fallback=fail, Redis stopped: one send per binding"
stop_redis
workers=(cli1 py1 node1 php1)
fleet fail "$base_dsn&$shared&shared_state_fallback=fail" 1 "${workers[@]}"
wait_fleet fail
check fail
echo "shared state: 3 runs passed"
