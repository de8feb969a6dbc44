#!/usr/bin/env bash
# `make bench`: builds in release mode, starts the loopback responder and measures vibergate
# against the alternatives a user would pick, from Rust, C, Python, Node and PHP; then bulk
# sends against the sandbox, the footprint, eight worker processes sharing one account through
# shared_state (a private redis-server), and writes docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
root=$PWD
out="$root/target/bench"
mkdir -p "$out"
results="$out/results.jsonl"
: > "$results"

echo "==> release builds"
cargo build --release -p vibergate-bench -p vibergate-ffi

"$root/target/release/vibergate-bench" responder > "$out/responder.url" &
responder=$!
trap 'kill $responder 2>/dev/null || true' EXIT
for _ in $(seq 50); do [ -s "$out/responder.url" ] && break; sleep 0.1; done
base=$(head -n 1 "$out/responder.url")
echo "responder at $base"

echo "==> Rust and the C ABI"
"$root/target/release/vibergate-bench" rust | tee -a "$results"

echo "==> Python"
venv="$root/target/bench-venv"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check requests decisiontelecom
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --force-reinstall --no-deps ./bindings-python
"$venv/bin/python" benches/python/bench.py "$base" | tee -a "$results"

echo "==> Node"
(cd bindings-node && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error && npx napi build --platform --release --no-js --dts native.d.ts >/dev/null)
app="$root/target/bench-node"
rm -rf "$app" && mkdir -p "$app/node_modules" && ln -s "$root/bindings-node" "$app/node_modules/vibergate"
cp benches/node/bench.js "$app/"
(cd "$app" && node bench.js "$base") | tee -a "$results"

echo "==> PHP"
need_apt php php-cli
php_has curl || install_apt php-curl || true
VIBERGATE_LIB="$root/target/release/libvibergate.so" php benches/php/bench.php "$base" | tee -a "$results"

echo "==> bulk sends, footprint and phone number validation"
"$root/target/release/vibergate-bench" bulk | tee -a "$results"
"$root/target/release/vibergate-bench" footprint | tee -a "$results"
"$root/target/release/vibergate-bench" validate | tee -a "$results"

echo "==> many workers on one account: shared_state through a private redis-server (issue 17)"
need_apt redis-server redis-server
"$root/target/release/vibergate-bench" fleet | tee -a "$results"

echo "==> import times and library size"
median_ms() { # median wall time of a command over 7 runs, in ms
  for _ in $(seq 7); do
    s=$(date +%s%N); "$@" >/dev/null; e=$(date +%s%N); echo $(( (e - s) / 1000 ))
  done | sort -n | sed -n 4p | awk '{ printf "%.1f", $1 / 1000 }'
}
py_base=$(median_ms "$venv/bin/python" -c pass)
py_import=$(median_ms "$venv/bin/python" -c 'import vibergate')
node_base=$(cd "$app" && median_ms node -e '')
node_import=$(cd "$app" && median_ms node -e 'require("vibergate")')
echo "{\"group\":\"import\",\"name\":\"import vibergate (Python)\",\"ms\":$(awk "BEGIN{print $py_import-$py_base}")}" | tee -a "$results"
echo "{\"group\":\"import\",\"name\":\"require('vibergate') (Node)\",\"ms\":$(awk "BEGIN{print $node_import-$node_base}")}" | tee -a "$results"

echo "==> artifact sizes (make dist: the dist profile, stripped)"
dist="$out/dist"
rm -rf "$dist" "$out/unpacked" && mkdir -p "$out/unpacked"
PROFILE=dist DIST_DIR="$dist" bash scripts/dist.sh >&2
size() { # size NAME FILE
  echo "{\"group\":\"size\",\"name\":\"$1\",\"mib\":$(stat -L -c %s "$2" | awk '{printf "%.2f", $1/1048576}')}" | tee -a "$results"
}
tar xzf "$dist"/vibergate-*-x86_64-linux-gnu.tar.gz -C "$out/unpacked"
tar xzf "$dist"/vibergate-linux-x64-gnu-*.tgz -C "$out/unpacked"
size "libvibergate.so (C SDK)" "$(ls "$out"/unpacked/vibergate-*/lib/libvibergate.so)"
size "Python wheel (abi3, manylinux2014)" "$(ls "$dist"/vibergate-*.whl)"
size "vibergate.linux-x64-gnu.node (npm)" "$out/unpacked/package/vibergate.linux-x64-gnu.node"

python3 benches/report.py "$results" docs/benchmarks.md
echo "wrote docs/benchmarks.md"
