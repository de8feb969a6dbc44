#!/usr/bin/env bash
# Fuzzing: every provider's answer parser (with any status and response headers), the DSN/JSON
# configuration parser, parse_webhook (also with a secret and forged tokens) and
# the C ABI's JSON entry points, each for a bounded time (FUZZ_SECONDS, default 30) from the
# checked-in corpora in fuzz/corpus/. A crash fails the run and leaves its input in
# fuzz/artifacts/ (fix it, and add the input as a regression test).
#
# Every failure is reported on stdout as well as stderr (CI shows stdout): a build that fails is
# named as such with cargo's errors and the free disk space (a linker killed by SIGBUS is almost
# always a full disk), and a fuzzing failure with libFuzzer's report, the crashing input's file
# name and its content in base64, so that the input can be recreated from the CI log alone.
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

work=""
log=""
cleanup() {
  if [ -n "$log" ]; then rm -f "$log"; fi
  if [ -n "$work" ]; then rm -rf "$work"; fi
}
trap cleanup EXIT

# report TEXT...: one line of a failure report, on stdout and stderr.
report() {
  printf '%s\n' "$*"
  printf '%s\n' "$*" >&2
}

# report_lines FILE: FILE's lines, on stdout and stderr (nothing when it is empty).
report_lines() {
  if [ -s "$1" ]; then
    cat "$1"
    cat "$1" >&2
  fi
}

# build_failed TARGET LOG: what the build of TARGET said, and the disk space it had.
build_failed() {
  local excerpt
  excerpt=$(mktemp)
  report "fuzz target $1 did not build (a build failure, not a fuzzing finding); cargo said:"
  # cargo's error lines with the linker's notes that follow them, else the end of the log.
  grep -E -A12 "^error" "$2" | head -n 80 >"$excerpt" || true
  if [ ! -s "$excerpt" ]; then
    tail -n 40 "$2" >"$excerpt" || true
  fi
  report_lines "$excerpt"
  if grep -q -E "signal 7|Bus error|No space left" "$2"; then
    report "-- the linker died of SIGBUS or ENOSPC: the disk is probably full; free space now:"
  else
    report "-- free space now:"
  fi
  df -h . "${TMPDIR:-/tmp}" >"$excerpt" 2>&1 || true
  report_lines "$excerpt"
  rm -f "$excerpt"
}

# fuzz_failed TARGET LOG STATUS: libFuzzer's report and the input it wrote, in base64.
fuzz_failed() {
  local excerpt
  excerpt=$(mktemp)
  report "fuzz target $1 failed (exit $3); libFuzzer said:"
  grep -E -A3 "panicked|ERROR|SUMMARY|deadly signal|out-of-memory|leak|timeout|Test unit written" "$2" \
    | head -n 80 >"$excerpt" || true
  report_lines "$excerpt"
  report "-- the last lines of the log (without libFuzzer's progress lines):"
  grep -v -E "^#[0-9]+[[:space:]]|NEW_FUNC" "$2" | tail -n 40 >"$excerpt" || true
  report_lines "$excerpt"
  # libFuzzer names the file it wrote:
  # "artifact_prefix='…'; Test unit written to …/fuzz/artifacts/dsn/crash-…".
  local file found=0
  while IFS= read -r file; do
    if [ -f "$file" ]; then
      found=1
      report "-- input $file ($(wc -c <"$file") bytes), base64 (recreate it with base64 -d):"
      base64 "$file" >"$excerpt"
      report_lines "$excerpt"
    fi
  done < <(sed -n 's/^.*Test unit written to \(.*\)$/\1/p' "$2")
  if [ "$found" -eq 0 ]; then
    report "-- no input file was written (see the log above)"
  fi
  rm -f "$excerpt"
}

for target in provider_responses dsn webhook webhook_signed ffi_json; do
  echo "-- fuzzing $target for ${seconds}s"
  log=$(mktemp)
  # Build first, so that a build failure is told apart from a fuzzing failure; `cargo fuzz run`
  # with the same options then finds the binary up to date.
  if ! cargo fuzz build --sanitizer address "$target" >"$log" 2>&1; then
    build_failed "$target" "$log"
    exit 1
  fi
  # Work on a copy so the checked-in corpus stays small; new finds are not committed.
  work=$(mktemp -d)
  cp corpus/"$target"/* "$work"/
  status=0
  cargo fuzz run --sanitizer address "$target" "$work" -- -max_total_time="$seconds" -rss_limit_mb=2048 -print_final_stats=1 >"$log" 2>&1 || status=$?
  grep -E "^(Done|stat::number_of_executed_units)" "$log" || true
  if [ "$status" -ne 0 ]; then
    fuzz_failed "$target" "$log" "$status"
    report "fuzz target $target failed (exit $status); see fuzz/artifacts/$target"
    exit 1
  fi
  cleanup
  log=""
  work=""
done
