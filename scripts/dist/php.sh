#!/usr/bin/env bash
# The Composer package vibergate/vibergate as a zip in $DIST_DIR: bindings-php/ with its copy
# of include/vibergate.h and the licence texts, without its tests. Composer installs it from a
# path repository (the unzipped directory), an artifact repository (the zip) or Packagist; the
# library itself comes from the C SDK (scripts/dist/c.sh) or VIBERGATE_LIB. Nothing here is
# compiled, so PROFILE does not matter to this part.
set -euo pipefail
cd "$(dirname "$0")/../.."
DIST_DIR="${DIST_DIR:-$PWD/dist}"
mkdir -p "$DIST_DIR"
version=$(sed -n 's/^#define VIBERGATE_VERSION "\(.*\)"$/\1/p' include/vibergate.h)
[ -n "$version" ] || { echo "dist/php: no VIBERGATE_VERSION in include/vibergate.h" >&2; exit 1; }
stage=$(mktemp -d "${TMPDIR:-/tmp}/vibergate-php.XXXXXX")
trap 'rm -rf "$stage"' EXIT
pkg="$stage/vibergate-php-$version"
mkdir -p "$pkg"
# -L: the checkout's bindings-php/include/vibergate.h is a link to include/vibergate.h (the
# header the library of this version was built with); the package gets the file itself.
cp -RL bindings-php/composer.json bindings-php/README.md bindings-php/autoload.php bindings-php/preload.php \
  bindings-php/src bindings-php/include LICENSE-MIT LICENSE-APACHE "$pkg/"
# Composer's own version field: a path or artifact repository has no tag to take it from.
python3 - "$pkg/composer.json" "$version" <<'PY'
import json, sys
path, version = sys.argv[1], sys.argv[2]
with open(path) as f:
    data = json.load(f)
data["version"] = version
with open(path, "w") as f:
    json.dump(data, f, indent=4)
    f.write("\n")
PY
out="$DIST_DIR/vibergate-php-$version.zip"
rm -f "$out"
if command -v zip >/dev/null 2>&1; then
  (cd "$stage" && zip -qr -X "$out" "vibergate-php-$version")
else
  python3 -c 'import shutil, sys; shutil.make_archive(sys.argv[1], "zip", sys.argv[2], sys.argv[3])' "${out%.zip}" "$stage" "vibergate-php-$version"
fi
echo "dist/php: $out"
