#!/usr/bin/env bash
# Fuzzing: every provider's answer parser (with any status and response headers), the DSN/JSON
# configuration parser, parse_webhook (also with a secret and forged tokens) and
# the C ABI's JSON entry points, each for a bounded time (FUZZ_SECONDS, default 30) from the
# checked-in corpora in fuzz/corpus/. A crash fails the run and leaves its input in
# fuzz/artifacts/ (fix it, and add the input as a regression test).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${FUZZ_SECONDS:-30}"
CARGO_FUZZ_VERSION=0.13.2
if ! cargo fuzz --version 2>/dev/null | grep -q "$CARGO_FUZZ_VERSION"; then
  cargo install --locked --quiet cargo-fuzz --version "$CARGO_FUZZ_VERSION"
fi
# cargo-fuzz passes unstable -Z flags (sanitizers); this machine has only a stable toolchain.
export RUSTC_BOOTSTRAP=1
cd fuzz
for target in provider_responses dsn webhook webhook_signed ffi_json; do
  echo "-- fuzzing $target for ${seconds}s"
  # Work on a copy so the checked-in corpus stays small; new finds are not committed.
  work=$(mktemp -d)
  cp corpus/"$target"/* "$work"/
  log=$(mktemp)
  status=0
  cargo fuzz run --sanitizer address "$target" "$work" -- -max_total_time="$seconds" -rss_limit_mb=2048 -print_final_stats=1 >"$log" 2>&1 || status=$?
  grep -E "^(Done|stat::number_of_executed_units)" "$log" || true
  if [ "$status" -ne 0 ]; then
    grep -E "panicked|ERROR|SUMMARY|Test unit written" -A3 "$log" | head -40 >&2
  fi
  rm -f "$log"
  rm -rf "$work"
  if [ "$status" -ne 0 ]; then
    echo "fuzz target $target failed (exit $status); see fuzz/artifacts/$target" >&2
    exit 1
  fi
done
