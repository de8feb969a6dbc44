#!/usr/bin/env bash
# The C SDK: $DIST_DIR/vibergate-<version>-x86_64-linux-gnu.tar.gz with the header, the shared
# library under its full version (soname libvibergate.so.<abi>, set by ffi/build.rs) and its two
# symlinks, the static library, a pkg-config file that finds its prefix from its own place, the
# CLI, the licences and a short README. PROFILE (dist or dev) and DIST_DIR come from
# scripts/dist.sh; with PROFILE=dev the libraries and the CLI are target/debug's.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
PROFILE="${PROFILE:-dist}"
DIST_DIR="${DIST_DIR:-$root/dist}"
mkdir -p "$DIST_DIR"

# Cargo names the output directory of its dev and release profiles differently from the profile.
case "$PROFILE" in
  dev) out=target/debug ;;
  *) out="target/$PROFILE" ;;
esac
triple=$(rustc -vV | sed -n 's/^host: //p')
case "$triple" in
  x86_64-unknown-linux-gnu) platform=x86_64-linux-gnu ;;
  *) platform="$triple" ;;
esac
version=$(cargo metadata --no-deps --format-version 1 |
  python3 -c 'import json, sys; print(next(p["version"] for p in json.load(sys.stdin)["packages"] if p["name"] == "vibergate-ffi"))')
url=$(cargo metadata --no-deps --format-version 1 |
  python3 -c 'import json, sys; print(next(p["repository"] for p in json.load(sys.stdin)["packages"] if p["name"] == "vibergate-ffi") or "")')

# The libraries, built once: this `cargo rustc` is the build (cdylib, staticlib and rlib, as in
# ffi/Cargo.toml), and it also asks rustc which system libraries the static library needs.
# Cargo replays the note when the build is already fresh.
log=$(mktemp)
trap 'rm -f "$log"' EXIT
cargo rustc -p vibergate-ffi --lib --profile "$PROFILE" -- --print native-static-libs 2>&1 | tee "$log" >&2
libs_private=$(sed -n 's/^note: native-static-libs: //p' "$log" | tail -n 1)
if [ -z "$libs_private" ]; then
  echo "dist/c: rustc printed no native-static-libs for libvibergate.a" >&2
  exit 1
fi
cargo build -p vibergate-cli --profile "$PROFILE"

so="$out/libvibergate.so"
soname=$(readelf -d "$so" | sed -n 's/.*(SONAME).*\[\(.*\)\]$/\1/p')
if [ -z "$soname" ]; then
  echo "dist/c: $so has no soname (ffi/build.rs sets it)" >&2
  exit 1
fi

name="vibergate-$version"
stage=$(mktemp -d "$root/target/dist-c-stage.XXXXXX")
trap 'rm -f "$log"; rm -rf "$stage"' EXIT
top="$stage/$name"
mkdir -p "$top/include" "$top/lib/pkgconfig" "$top/bin"
install -m 644 include/vibergate.h "$top/include/"
install -m 755 "$so" "$top/lib/libvibergate.so.$version"
ln -s "libvibergate.so.$version" "$top/lib/$soname"
ln -s "$soname" "$top/lib/libvibergate.so"
install -m 644 "$out/libvibergate.a" "$top/lib/"
# The profile's strip applies to the .so and the CLI, not to the archive: drop the debug
# sections of the standard library and the dependencies there too (the symbols stay).
[ "$PROFILE" = dev ] || strip --strip-debug "$top/lib/libvibergate.a"
install -m 755 "$out/vibergate" "$top/bin/"
install -m 644 LICENSE-MIT LICENSE-APACHE "$top/"
fill() {
  sed -e "s|@VERSION@|$version|g" -e "s|@SONAME@|$soname|g" -e "s|@TRIPLE@|$platform|g" \
    -e "s|@URL@|$url|g" -e "s|@LIBS_PRIVATE@|$libs_private|g" "$1"
}
fill packaging/c/vibergate.pc.in >"$top/lib/pkgconfig/vibergate.pc"
fill packaging/c/README.in >"$top/README"

# The header must be the one the library was built from.
grep -q "^#define VIBERGATE_VERSION \"$version\"$" "$top/include/vibergate.h" || {
  echo "dist/c: include/vibergate.h does not say VIBERGATE_VERSION \"$version\"" >&2
  exit 1
}

# Reproducible: names sorted, no owner, every mtime the last commit's.
epoch=$(git log -1 --format=%ct 2>/dev/null || date +%s)
tarball="$DIST_DIR/$name-$platform.tar.gz"
tar -C "$stage" --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$epoch" -cf - "$name" |
  gzip -n >"$tarball"
echo "dist/c: $tarball ($(du -h "$tarball" | cut -f1); libvibergate.so $(stat -c %s "$so") bytes, soname $soname)"
