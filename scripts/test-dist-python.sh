#!/usr/bin/env bash
# The Python package as a user gets it: `make dist`'s wheel (here from the quick dev profile)
# installed with pip into a fresh venv on a PATH with no cargo or rustc, then the README's Python
# sample runs against the sandbox and `mypy --strict` checks it with the installed package.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
. scripts/lib.sh
export DIST_DIR="$root/target/dist-test/python" PROFILE=dev
rm -rf "$DIST_DIR" && mkdir -p "$DIST_DIR"
bash scripts/dist/python.sh

work=$(mktemp -d)
trap 'kill "${sandbox_pid:-}" 2>/dev/null || true; rm -rf "$work"' EXIT
# What a user without a Rust toolchain has (scripts/lib.sh).
clean_path=$(path_without_rust)

PATH="$clean_path" python3 -m venv "$work/venv"
PATH="$clean_path" "$work/venv/bin/python" -m pip install --quiet --disable-pip-version-check \
  --no-index "$DIST_DIR"/vibergate-*.whl
PATH="$clean_path" "$work/venv/bin/python" -m pip install --quiet --disable-pip-version-check mypy

# The sandbox from the installed package, the README's sample against it.
cat >"$work/sandbox.py" <<'PY'
import sys

import vibergate

with vibergate.Sandbox() as sb:
    print(sb.dsn("smsclub"), flush=True)
    sys.stdin.read()
PY
coproc SANDBOX { PATH="$clean_path" "$work/venv/bin/python" "$work/sandbox.py"; }
sandbox_pid=$SANDBOX_PID
read -r dsn <&"${SANDBOX[0]}"
python3 scripts/readme_samples.py extract python-quickstart "$work/app.py"
(cd "$work" && VIBERGATE_DSN="$dsn" PATH="$clean_path" "$work/venv/bin/python" app.py)
(cd "$work" && PATH="$clean_path" "$work/venv/bin/python" -m mypy --strict app.py)
echo "python: the wheel installs without Rust and the README sample runs"
