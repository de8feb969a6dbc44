#!/usr/bin/env bash
# `make dist`: every artifact a user installs, built without the repository's tools at install
# time, into dist/ (DIST_DIR). PROFILE=dist (the default: release, one codegen unit, fat LTO,
# stripped) or PROFILE=dev for the quick builds the tests install from. Each language's part is
# scripts/dist/<language>.sh, run in this order.
set -euo pipefail
cd "$(dirname "$0")/.."
PROFILE="${PROFILE:-dist}"
# Make's and cargo's names for the quick profile.
[ "$PROFILE" = debug ] && PROFILE=dev
export PROFILE
export DIST_DIR="${DIST_DIR:-$(pwd)/dist}"
mkdir -p "$DIST_DIR"
for part in c php node python; do
  [ -e "scripts/dist/$part.sh" ] || continue
  printf '\n==> dist: %s (profile %s)\n' "$part" "$PROFILE"
  bash "scripts/dist/$part.sh"
done
printf '\nartifacts in %s:\n' "$DIST_DIR"
ls -l "$DIST_DIR"
