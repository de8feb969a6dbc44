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
cd "$(dirname "$0")/.."
. scripts/lib.sh
root=$(pwd)
work="$root/target/node-test"
pkg="$work/vibergate"
cd bindings-node

# What a user may have installed from the checkout; checked unchanged at the end.
installed() { find . -maxdepth 1 -name '*.node' -printf '%f %s %T@\n' | sort; }
before=$(installed)

# The development tools and the package as npm would install it with the test addon (a debug
# build), both under target/ (scripts/lib.sh).
tools=$(cd "$root" && node_tools)
(cd "$root" && node_package "$pkg")
if ! diff -u native.d.ts "$pkg/native.d.ts"; then
  echo "bindings-node/native.d.ts is stale: run 'npm run build:debug' in bindings-node and commit it" >&2
  exit 1
fi
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
