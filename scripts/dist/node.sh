#!/usr/bin/env bash
# The npm packages, the napi-rs way: `vibergate` (JavaScript and types only, no Rust sources, no
# install script) with an optional dependency on `@vibergate/linux-x64-gnu` of the same version,
# which holds the prebuilt addon and whose `os`/`cpu`/`libc` fields let npm skip it elsewhere.
# Both are assembled in target/npm-stage/<profile>/ and packed with `npm pack` into DIST_DIR:
# vibergate-<version>.tgz and vibergate-linux-x64-gnu-<version>.tgz.
#
# PROFILE=dist (release, fat LTO, stripped) or dev, which reuses the debug build that the Node
# tests make (the same `napi build --platform` in bindings-node, so cargo finds it up to date).
# PROFILE and DIST_DIR come from scripts/dist.sh; run alone, they default to dist and dist/.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib.sh
root=$PWD
PROFILE="${PROFILE:-dist}"
[ "$PROFILE" = debug ] && PROFILE=dev
DIST_DIR="${DIST_DIR:-$root/dist}"
mkdir -p "$DIST_DIR"
DIST_DIR=$(cd "$DIST_DIR" && pwd)

fail() {
  echo "dist/node: $*" >&2
  exit 1
}

version=$(node -p 'require("./bindings-node/package.json").version')
# One version everywhere: the package's, the crates' (which the addon reports as `version`), and
# the platform package's (set below), or npm would pair an addon with JavaScript it was not built for.
cargo_version=$(sed -n '/^\[workspace.package\]/,/^\[/s/^version = "\(.*\)"/\1/p' Cargo.toml)
[ "$version" = "$cargo_version" ] ||
  fail "bindings-node/package.json has version $version but Cargo.toml's workspace has $cargo_version"

# This script builds for the machine it runs on; each platform it can run on has a template in
# packaging/npm/<platform>/ and an entry in native.js's PACKAGES (the loader's list).
platform=$(node -p 'require("./bindings-node/native.js").platform()')
template="packaging/npm/$platform"
[ -f "$template/package.json" ] || fail "no platform package template $template/package.json for this machine ($platform)"
pkg=$(node -p 'require("./'"$template"'/package.json").name')
listed=$(node -p 'require("./bindings-node/native.js").PACKAGES["'"$platform"'"] || ""')
[ "$pkg" = "$listed" ] || fail "$template is $pkg but bindings-node/native.js lists '${listed}' for $platform"

tools=$(node_tools)
stage="$root/target/npm-stage/$PROFILE"
rm -rf "$stage" && mkdir -p "$stage/main" "$stage/platform"

# The addon, with the type declarations napi derives from the Rust sources: they must be the
# checked-in native.d.ts, or the package would describe another addon.
# napi looks for a `--profile dev` build in target/dev/ while cargo writes it to target/debug/:
# dev is napi's default and is asked for by giving no profile (the same command as the tests').
profile_args=()
[ "$PROFILE" = dev ] || profile_args=(--profile "$PROFILE")
(cd bindings-node && "$tools/node_modules/.bin/napi" build --platform --no-js "${profile_args[@]}" \
  --output-dir "$stage/platform" --dts native.d.ts) >&2
addon="vibergate.$platform.node"
[ -f "$stage/platform/$addon" ] || fail "napi build left no $addon in $stage/platform"
if ! diff -u bindings-node/native.d.ts "$stage/platform/native.d.ts" >&2; then
  fail "bindings-node/native.d.ts is stale: run 'npm run build:debug' in bindings-node and commit it"
fi
rm "$stage/platform/native.d.ts"

# The platform package: the template with the version of this release.
cp "$template/README.md" LICENSE-MIT LICENSE-APACHE "$stage/platform/"
node -e '
const fs = require("node:fs")
const [template, out, version] = process.argv.slice(1)
const p = JSON.parse(fs.readFileSync(template, "utf8"))
p.version = version
fs.writeFileSync(out, JSON.stringify(p, null, 2) + "\n")
' "$template/package.json" "$stage/platform/package.json" "$version"

# The main package: bindings-node's files, and its package.json without what only a checkout
# needs (the build scripts and development tools), with the platform packages as optional
# dependencies of exactly this version. They are added here rather than in bindings-node's
# package.json because a package that is not on the registry yet cannot be in its lock file,
# and `npm ci` refuses a package.json its lock does not match (napi-rs's `napi pre-publish`
# adds them at publish time for the same reason).
cp bindings-node/index.js bindings-node/index.mjs bindings-node/index.d.ts bindings-node/native.js \
  bindings-node/native.d.ts bindings-node/README.md LICENSE-MIT LICENSE-APACHE "$stage/main/"
node -e '
const fs = require("node:fs")
const [source, out] = process.argv.slice(1)
const p = JSON.parse(fs.readFileSync(source, "utf8"))
const { PACKAGES } = require(process.cwd() + "/bindings-node/native.js")
delete p.scripts
delete p.devDependencies
delete p.overrides
p.optionalDependencies = Object.fromEntries(Object.values(PACKAGES).map((name) => [name, p.version]))
fs.writeFileSync(out, JSON.stringify(p, null, 2) + "\n")
' bindings-node/package.json "$stage/main/package.json"

rm -f "$DIST_DIR/vibergate-$version.tgz" "$DIST_DIR/vibergate-$platform-$version.tgz"
for part in platform main; do
  (cd "$stage/$part" && npm pack --ignore-scripts --silent --pack-destination "$DIST_DIR") >/dev/null
done
for tgz in "vibergate-$platform-$version.tgz" "vibergate-$version.tgz"; do
  [ -f "$DIST_DIR/$tgz" ] || fail "npm pack left no $DIST_DIR/$tgz"
done
printf '%s\t%s\n' "$(stat -c %s "$stage/platform/$addon")" "$addon ($PROFILE)" >&2
ls -l "$DIST_DIR/vibergate-$version.tgz" "$DIST_DIR/vibergate-$platform-$version.tgz"
