#!/usr/bin/env bash
# The Python artifacts: an abi3 wheel (one wheel for CPython 3.9 and later) linked against an old
# glibc with maturin's zig linker, so pip takes it on distributions older than this machine
# (manylinux2014 = glibc 2.17; `auditwheel show` checks the tag), and an sdist that builds from
# source where no wheel fits. PROFILE and DIST_DIR come from scripts/dist.sh.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib.sh
PROFILE="${PROFILE:-dist}"
DIST_DIR="${DIST_DIR:-$PWD/dist}"
mkdir -p "$DIST_DIR"
venv=$(py_venv)
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check ziglang auditwheel >&2
out="$DIST_DIR"
rm -f "$out"/vibergate-*.whl "$out"/vibergate-*.tar.gz.sdist-tmp
(
  cd bindings-python
  # maturin finds zig through the ziglang package of the venv it runs from.
  PATH="$venv/bin:$PATH" "$venv/bin/maturin" build --quiet --profile "$PROFILE" \
    --zig --compatibility manylinux2014 --out "$out"
  PATH="$venv/bin:$PATH" "$venv/bin/maturin" sdist --out "$out"
)
wheel=$(ls "$out"/vibergate-*-cp39-abi3-*.whl)
"$venv/bin/auditwheel" show "$wheel" | tee "$out/auditwheel.txt"
# The tag is a promise: auditwheel must agree that the wheel fits manylinux2014.
grep -q 'manylinux_2_17_x86_64' "$out/auditwheel.txt"
