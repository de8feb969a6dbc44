#!/usr/bin/env bash
# The npm packages as a user gets them: scripts/dist/node.sh packs `vibergate` and
# `@vibergate/linux-x64-gnu` (PROFILE=dev, into target/dist-node-test/dist), then a fresh project
# (`npm init -y`) installs the two tarballs by path with no install scripts, offline (the registry
# is not needed for vibergate) and with a PATH that has no cargo, rustc or rustup, and runs the
# README's CommonJS, ESM and TypeScript samples and those of examples/node/ against the installed
# package's own Sandbox: a send and a status each.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
root=$PWD
work="$root/target/dist-node-test"
dist="$work/dist"
app="$work/app"

fail() {
  echo "test-dist-node: $*" >&2
  exit 1
}
step() { printf -- '-- %s\n' "$*"; }

step "scripts/dist/node.sh (PROFILE=dev)"
rm -rf "$work" && mkdir -p "$dist" "$app"
PROFILE=dev DIST_DIR="$dist" bash scripts/dist/node.sh
version=$(node -p 'require("./bindings-node/package.json").version')
main_tgz="$dist/vibergate-$version.tgz"
platform_tgz="$dist/vibergate-linux-x64-gnu-$version.tgz"
[ -f "$main_tgz" ] && [ -f "$platform_tgz" ] || fail "dist has no vibergate-$version.tgz and vibergate-linux-x64-gnu-$version.tgz"
# tsc and @types/node for the TypeScript samples, installed before the Rust tools leave the PATH.
tools=$(node_tools)
# The samples, extracted while the checkout's python3 is at hand.
mkdir -p "$app/readme" "$app/examples"
python3 scripts/readme_samples.py extract node-cjs "$app/readme/send.js"
python3 scripts/readme_samples.py extract node-esm "$app/readme/send.mjs"
python3 scripts/readme_samples.py extract node-typescript "$app/readme/notify.ts"
cp examples/node/send.js examples/node/send.mjs examples/node/send.ts "$app/examples/"

# What a user without a Rust toolchain has, node and npm kept (scripts/lib.sh).
PATH=$(path_without_rust node npm)
export PATH
hash -r
# The samples get their DSN from the Sandbox below, never from the caller's environment.
unset VIBERGATE_DSN

step "npm install --ignore-scripts --offline of the two tarballs into a fresh project"
cd "$app"
npm init -y >/dev/null
# An empty cache of its own: with --offline, anything vibergate needed from the registry fails.
npm_config_cache="$work/npm-cache" npm install --ignore-scripts --offline --no-audit --no-fund \
  --loglevel=error "$platform_tgz" "$main_tgz"
installed="$app/node_modules"
[ -f "$installed/@vibergate/linux-x64-gnu/vibergate.linux-x64-gnu.node" ] || fail "the platform package brought no addon"
if ls "$installed/vibergate/"*.node >/dev/null 2>&1; then fail "the main package carries an addon of its own"; fi
if [ -e "$installed/vibergate/src" ] || [ -e "$installed/vibergate/Cargo.toml" ] || [ -e "$installed/vibergate/build.js" ]; then
  fail "the main package carries Rust sources or the build script"
fi
node -e '
const p = require("vibergate/package.json")
if (p.scripts) throw new Error(`vibergate has scripts: ${JSON.stringify(p.scripts)}`)
const want = { "@vibergate/linux-x64-gnu": p.version }
if (JSON.stringify(p.optionalDependencies) !== JSON.stringify(want))
  throw new Error(`optionalDependencies: ${JSON.stringify(p.optionalDependencies)}, want ${JSON.stringify(want)}`)
const v = require("vibergate")
const from = Object.keys(require.cache).find((f) => f.endsWith(".node"))
if (!from || !from.includes("/node_modules/@vibergate/linux-x64-gnu/"))
  throw new Error(`the addon came from ${from}, not the platform package`)
if (v.version !== p.version) throw new Error(`the addon is version ${v.version}, the package ${p.version}`)
'

step "without the platform package the error names the platform and the packages"
mv "$installed/@vibergate/linux-x64-gnu" "$work/platform-aside"
if node -e 'require("vibergate")' >"$work/missing.out" 2>&1; then fail "vibergate loaded without an addon"; fi
mv "$work/platform-aside" "$installed/@vibergate/linux-x64-gnu"
# And on a platform no package is made for (process.arch as another machine reports it).
if node -e 'Object.defineProperty(process, "arch", { value: "arm64" }); require("vibergate")' >"$work/other.out" 2>&1; then
  fail "vibergate loaded on linux arm64, for which no addon exists"
fi
# expect_text FILE TEXT...: FILE says every TEXT.
expect_text() {
  local file=$1
  shift
  for text in "$@"; do
    grep -qF -- "$text" "$file" || {
      cat "$file" >&2
      fail "$(basename "$file" .out): the error does not say \"$text\""
    }
  done
}
expect_text "$work/missing.out" "linux x64, glibc (linux-x64-gnu)" "@vibergate/linux-x64-gnu is not installed" \
  "Prebuilt packages exist for: @vibergate/linux-x64-gnu (linux-x64-gnu)" "npm run build"
expect_text "$work/other.out" "linux arm64, glibc (linux-arm64-gnu)" "no prebuilt package is made for linux-arm64-gnu" \
  "Prebuilt packages exist for: @vibergate/linux-x64-gnu (linux-x64-gnu)"

# with-sandbox COMMAND...: runs COMMAND with VIBERGATE_DSN of a Sandbox of the installed package.
cat >"$app/with-sandbox.js" <<'EOF'
// Starts the installed package's Sandbox, runs the command with its SMS Club DSN, stops it.
'use strict'
const { spawn } = require('node:child_process')
const { Sandbox } = require('vibergate')

async function main() {
  const sandbox = await Sandbox.start({ stepMs: 0 })
  const [cmd, ...args] = process.argv.slice(2)
  const child = spawn(cmd, args, { stdio: 'inherit', env: { ...process.env, VIBERGATE_DSN: sandbox.dsn('smsclub') } })
  const code = await new Promise((resolve) => child.on('exit', (c, signal) => resolve(signal ? 1 : c)))
  await sandbox.stop()
  process.exitCode = code
}
main()
EOF
# run NAME EXPECTED... -- COMMAND...: COMMAND must succeed and print every EXPECTED line part.
run() {
  local name=$1 out="$work/$1.out"
  shift
  local expected=()
  while [ "$1" != -- ]; do
    expected+=("$1")
    shift
  done
  shift
  "$@" >"$out" 2>&1 || {
    cat "$out" >&2
    fail "$name failed"
  }
  for text in "${expected[@]}"; do
    grep -qE -- "$text" "$out" || {
      cat "$out" >&2
      fail "$name: expected /$text/ in the output above"
    }
  done
  echo "ok $name"
}

step "the samples (CommonJS, ESM, TypeScript) against the installed package's Sandbox"
cat >"$app/tsconfig.json" <<EOF
{
  "compilerOptions": {
    "strict": true,
    "module": "commonjs",
    "moduleResolution": "node",
    "target": "ES2022",
    "outDir": "build",
    "types": ["node"],
    "typeRoots": ["$tools/node_modules/@types"]
  },
  "files": ["readme/notify.ts", "examples/send.ts"]
}
EOF
# tsc resolves `vibergate` as any project would: node_modules/vibergate and its index.d.ts.
"$tools/node_modules/.bin/tsc" -p . || fail "the TypeScript samples do not type-check against the installed package"

# A status line is `<message id>: <state>`.
status='^[^ ]+: (queued|sent|delivered|read)'
run readme-cjs "accepted 380989361121: message id" "$status" -- node with-sandbox.js node readme/send.js
run readme-esm "accepted 380989361121: chat" "status f3e76f4e delivered" -- node with-sandbox.js node readme/send.mjs
run readme-typescript "delivered" -- node with-sandbox.js node build/readme/notify.js
run examples-cjs "accepted 380989361121" "$status" -- node examples/send.js
run examples-esm "accepted" "state" -- node examples/send.mjs
run examples-typescript "delivered" -- node -e 'require("./build/examples/send.js").main().catch((e) => { console.error(e); process.exitCode = 1 })'
