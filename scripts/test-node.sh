#!/usr/bin/env bash
# Node: build the addon (napi build, which also regenerates native.d.ts and must match the
# checked-in one), run the node --test suite against the sandbox, type-check and run the examples.
#
# Nothing here writes into bindings-node/: a user's `npm install ./bindings-node` is a symlink
# to it, and its addon (a release build) must survive the tests. The development tools are
# installed in target/node-test/tools, the test addon (a debug build) goes into a copy of the
# package in target/node-test/vibergate, and the suite, the type check and the examples run
# against that copy.
set -euo pipefail
cd "$(dirname "$0")/../bindings-node"
root=$(cd .. && pwd)
work="$root/target/node-test"
tools="$work/tools"
pkg="$work/vibergate"

# What a user may have installed from the checkout; checked unchanged at the end.
installed() { find . -maxdepth 1 -name '*.node' -printf '%f %s %T@\n' | sort; }
before=$(installed)

# package.json's "overrides" pin three of @napi-rs/cli's transitive packages (lzma, tar, wasm-tools)
# to the newest versions whose per-platform builds the registry we reach serves in full; with the
# newer ones it lists no build for android/darwin/win32, npm cannot lock them and `npm ci` refuses.
mkdir -p "$tools"
if ! cmp -s package-lock.json "$tools/package-lock.json" || ! cmp -s package.json "$tools/package.json" || [ ! -x "$tools/node_modules/.bin/napi" ]; then
  cp package.json package-lock.json "$tools/"
  (cd "$tools" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error)
fi

rm -rf "$pkg" && mkdir -p "$pkg"
# Reads package.json and Cargo.toml here; writes only into the output directory (and target/).
"$tools/node_modules/.bin/napi" build --platform --no-js --output-dir "$pkg" --dts native.d.ts
if ! diff -u native.d.ts "$pkg/native.d.ts"; then
  echo "bindings-node/native.d.ts is stale: run 'npm run build:debug' in bindings-node and commit it" >&2
  exit 1
fi
# The package as npm would install it (package.json "files"), with the test addon, and the suite.
cp package.json index.js index.mjs index.d.ts native.js build.js "$pkg/"
cp -r test "$pkg/test"

(cd "$pkg" && node --test test/)

# The examples' type check, against the copy and the tools' @types.
cat >"$work/tsconfig.json" <<EOF
{
  "extends": "$root/examples/node/tsconfig.json",
  "compilerOptions": {
    "baseUrl": "$root/examples/node",
    "typeRoots": ["$tools/node_modules/@types"],
    "paths": { "vibergate": ["$pkg/index.d.ts"] }
  }
}
EOF
"$tools/node_modules/.bin/tsc" --noEmit -p "$work/tsconfig.json"

# The examples, as a user's project would run them (CommonJS and ESM).
app="$work/example"
rm -rf "$app" && mkdir -p "$app/node_modules"
ln -s "$pkg" "$app/node_modules/vibergate"
cp ../examples/node/send.js ../examples/node/send.mjs "$app/"
(cd "$app" && env -u VIBERGATE_DSN node send.js >/dev/null && node send.mjs >/dev/null)

after=$(installed)
if [ "$before" != "$after" ]; then
  printf 'the tests changed the addon in bindings-node/:\nbefore: %s\nafter:  %s\n' "$before" "$after" >&2
  exit 1
fi
