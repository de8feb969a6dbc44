#!/usr/bin/env bash
# Node: build the addon (napi build, which also regenerates native.d.ts and must match the
# checked-in one), run the node --test suite against the sandbox, type-check and run the examples.
set -euo pipefail
cd "$(dirname "$0")/../bindings-node"
root=$(cd .. && pwd)
# `npm ci` refuses the lock file: some optional platform packages of @napi-rs/cli's lzma dependency
# (android, …) are missing from the registry this project can reach, so npm cannot lock them.
# `npm install` honours the committed lock file for everything it can resolve.
npm install --no-audit --no-fund --ignore-scripts --loglevel=error

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
