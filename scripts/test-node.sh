#!/usr/bin/env bash
# Node: build the addon (napi build, which also regenerates native.d.ts and must match the
# checked-in one), run the node --test suite against the sandbox, type-check and run the examples.
set -euo pipefail
cd "$(dirname "$0")/../bindings-node"
root=$(cd .. && pwd)
# package.json's "overrides" pin three of @napi-rs/cli's transitive packages (lzma, tar, wasm-tools)
# to the newest versions whose per-platform builds the registry we reach serves in full; with the
# newer ones it lists no build for android/darwin/win32, npm cannot lock them and `npm ci` refuses.
npm ci --no-audit --no-fund --ignore-scripts --loglevel=error

fresh=$(mktemp -d)
npx napi build --platform --no-js --output-dir "$fresh" --dts native.d.ts
if ! diff -u native.d.ts "$fresh/native.d.ts"; then
  echo "bindings-node/native.d.ts is stale: run 'npm run build:debug' in bindings-node and commit it" >&2
  exit 1
fi
cp "$fresh"/vibergate.*.node .

npm test
npx tsc --noEmit -p ../examples/node

# The examples, as a user's project would run them (CommonJS and ESM).
app="$root/target/node-example"
rm -rf "$app" && mkdir -p "$app/node_modules"
ln -s "$root/bindings-node" "$app/node_modules/vibergate"
cp ../examples/node/send.js ../examples/node/send.mjs "$app/"
(cd "$app" && env -u VIBERGATE_DSN node send.js >/dev/null && node send.mjs >/dev/null)
rm -rf "$fresh"
