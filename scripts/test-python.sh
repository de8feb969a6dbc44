#!/usr/bin/env bash
# Python: build the package the way users install it (pip install ./bindings-python) into a
# venv, then run its pytest suite (sandbox end to end, threads, asyncio, mypy and stubtest).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
venv=$(py_venv)
# A debug build shares the workspace's compiled core; users get release builds by default.
MATURIN_PEP517_ARGS="--profile dev" "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
  --force-reinstall --no-deps ./bindings-python
cd bindings-python
"$venv/bin/python" -m pytest -q -p no:cacheprovider
