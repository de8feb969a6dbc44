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

# Every operation of the core's table, as tsc sees it: a sample naming each method and its Sync
# twin (generated from tables(), so a new operation is in it at once) is type-checked against
# index.d.ts, and against the declarations tsc itself derives from index.js: the methods are
# written in the classes, not attached at run time where editors and tsc cannot see them.
sample="$work/operations"
rm -rf "$sample" && mkdir -p "$sample/js-types"
node -e '
const { tables } = require(process.argv[1])
const camel = (n) => n.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase())
const lines = ["import { Client, Router } from \"vibergate\"", "export type Methods = ["]
for (const op of tables().operations) {
  for (const kind of op.on) {
    const cls = kind === "client" ? "Client" : "Router"
    lines.push(`  ${cls}["${camel(op.name)}"], ${cls}["${camel(op.name)}Sync"],`)
  }
}
lines.push("]", "")
process.stdout.write(lines.join("\n"))
' "$pkg" >"$sample/operations.ts"
"$tools/node_modules/.bin/tsc" --allowJs --declaration --emitDeclarationOnly --skipLibCheck \
  --target ES2022 --module commonjs --typeRoots "$tools/node_modules/@types" --types node \
  --outDir "$sample/js-types" "$pkg/index.js"
for types in "$pkg/index.d.ts" "$sample/js-types/index.d.ts"; do
  cat >"$sample/tsconfig.json" <<EOF
{
  "compilerOptions": {
    "target": "ES2022", "module": "commonjs", "moduleResolution": "node", "strict": true,
    "noEmit": true, "skipLibCheck": true, "types": ["node"],
    "typeRoots": ["$tools/node_modules/@types"],
    "baseUrl": "$sample", "paths": { "vibergate": ["$types"] }
  },
  "files": ["$sample/operations.ts"]
}
EOF
  if ! "$tools/node_modules/.bin/tsc" -p "$sample/tsconfig.json"; then
    echo "tsc does not see every operation of the table in $types" >&2
    exit 1
  fi
done

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
