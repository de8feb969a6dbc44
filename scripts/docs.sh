#!/usr/bin/env bash
# `make docs`: the API references, in target/docs/ —
#   rust/     rustdoc of vibergate-core (cargo doc -p vibergate-core --no-deps)
#   python/   pdoc of the vibergate package (installed into target/py-venv like the Python suite)
#   node/     TypeDoc of bindings-node/index.d.ts
#   c/        a page generated from include/vibergate.h's comments (scripts/header_docs.py)
# and target/docs/index.html linking them. Installs what it needs (pdoc from PyPI, TypeDoc from
# npm, into target/) the way the test scripts do. The user reference is docs/reference.md.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
PDOC_VERSION=16.0.0
TYPEDOC_VERSION=0.28.20
out="$PWD/target/docs"
mkdir -p "$out"

echo "-- rustdoc"
cargo doc --quiet -p vibergate-core --no-deps
rm -rf "$out/rust" && cp -r target/doc "$out/rust"

echo "-- Python (pdoc $PDOC_VERSION)"
venv=$(py_venv)
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "pdoc==$PDOC_VERSION"
MATURIN_PEP517_ARGS="--profile dev" "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
  --force-reinstall --no-deps ./bindings-python
rm -rf "$out/python"
"$venv/bin/pdoc" --docformat restructuredtext --output-directory "$out/python" vibergate

echo "-- Node (TypeDoc $TYPEDOC_VERSION)"
node_types=$(node_tools)/node_modules/@types
tools="$PWD/target/docs-tools/node"
if [ ! -x "$tools/node_modules/.bin/typedoc" ] || ! grep -q "\"version\": \"$TYPEDOC_VERSION\"" "$tools/node_modules/typedoc/package.json"; then
  mkdir -p "$tools"
  npm install --prefix "$tools" --no-audit --no-fund --loglevel=error "typedoc@$TYPEDOC_VERSION"
fi
cat >"$tools/tsconfig.json" <<JSON
{
  "compilerOptions": {
    "strict": true,
    "noEmit": true,
    "types": ["node"],
    "typeRoots": ["$node_types"]
  },
  "files": ["$PWD/bindings-node/index.d.ts"]
}
JSON
rm -rf "$out/node"
"$tools/node_modules/.bin/typedoc" --logLevel Warn --tsconfig "$tools/tsconfig.json" \
  --entryPoints bindings-node/index.d.ts --readme bindings-node/README.md --name vibergate --disableSources \
  --out "$out/node"

echo "-- C (include/vibergate.h)"
mkdir -p "$out/c"
python3 scripts/header_docs.py include/vibergate.h "$out/c/index.html"

cat >"$out/index.html" <<'HTML'
<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>vibergate API reference</title></head>
<body style="font-family:sans-serif;max-width:40rem;margin:2rem auto">
<h1>vibergate API reference</h1>
<ul>
<li><a href="rust/vibergate_core/index.html">Rust</a> (<code>vibergate-core</code>, rustdoc)</li>
<li><a href="python/vibergate.html">Python</a> (<code>vibergate</code>, pdoc)</li>
<li><a href="node/index.html">Node</a> (<code>vibergate</code>, TypeDoc of <code>index.d.ts</code>)</li>
<li><a href="c/index.html">C</a> (<code>vibergate.h</code>)</li>
</ul>
<p>Options, message fields, results, states, error codes and exit codes: <code>docs/reference.md</code>
in the repository.</p>
</body></html>
HTML
echo "API references in $out/index.html"
