#!/usr/bin/env bash
# The one command that runs every check and test of vibergate (README "Run the tests").
# It installs what a fresh machine lacks, then runs: format check, clippy, the header check,
# and the Rust, C, PHP, Python and Node suites that exist in the tree.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
. scripts/lib.sh

step() { printf '\n==> %s\n' "$*"; }

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy (all targets, -D warnings)"
cargo clippy --workspace --all-targets -- -D warnings
# The core alone, without the `internals` its tests switch on: every public item documented.
cargo clippy -p vibergate-core --features sandbox,schema -- -D warnings

step "Rust tests"
# The shared_state tests (core/tests/shared_state.rs, cli/tests) run a redis-server of their own.
need_apt redis-server redis-server
if command -v cargo-nextest >/dev/null 2>&1; then
  cargo nextest run --workspace --no-fail-fast
else
  cargo test --workspace --no-fail-fast
fi
# Doc tests (nextest does not run them).
cargo test --workspace --doc

for suite in scripts/test-*.sh; do
  [ -e "$suite" ] || continue
  step "$(basename "$suite" .sh)"
  bash "$suite"
done
cd "$root"
printf '\nall checks passed\n'
