#!/usr/bin/env bash
# C ABI: header freshness, the C suite (plain, valgrind, AddressSanitizer) and the C example.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
CBINDGEN_VERSION=0.29.4
lib="$PWD/target/debug"
out="$PWD/target/c"
mkdir -p "$out"

cargo build -p vibergate-ffi

echo "-- header check (cbindgen $CBINDGEN_VERSION)"
if ! cbindgen --version 2>/dev/null | grep -q " $CBINDGEN_VERSION\$"; then
  cargo install --locked --quiet cbindgen --version "$CBINDGEN_VERSION"
fi
fresh=$(mktemp)
cbindgen --quiet --config ffi/cbindgen.toml --crate vibergate-ffi --output "$fresh" ffi
if ! diff -u include/vibergate.h "$fresh"; then
  echo "include/vibergate.h is stale: regenerate it with 'make header' and commit it" >&2
  exit 1
fi
rm -f "$fresh"
# VIBERGATE_VERSION is checked against the crate's version by `cargo test -p vibergate-ffi`
# (ffi/src/table_tests.rs), and against vg_tables() by the C tests.
echo '#include "vibergate.h"' | g++ -x c++ -std=c++11 -Wall -Wextra -Werror -fsyntax-only -Iinclude -
# vg_code is a uint32_t in C11 and C17, an `enum vg_code : uint32_t` in C23 when the compiler
# has it: the header compiles in each.
for std in c99 c11 c17 $(gcc -std=c2x -E -x c /dev/null >/dev/null 2>&1 && echo c2x); do
  echo '#include "vibergate.h"
_Static_assert(sizeof(vg_code) == 4, "vg_code is 32 bits");' | gcc -x c -std=$std -Wall -Wextra -Werror -pedantic -fsyntax-only -Iinclude -
done

echo "-- C tests"
cflags="-Wall -Wextra -Werror -std=c11 -g -pthread -Iinclude"
gcc $cflags tests/c/test_vibergate.c -L"$lib" -lvibergate -Wl,-rpath,"$lib" -ldl -o "$out/test_vibergate"
"$out/test_vibergate"

echo "-- C tests under valgrind"
need_apt valgrind valgrind
valgrind --quiet --error-exitcode=1 --num-callers=64 --leak-check=full --errors-for-leak-kinds=definite,indirect,possible \
  --suppressions=tests/c/valgrind.supp "$out/test_vibergate"

echo "-- C tests under AddressSanitizer"
gcc $cflags -fsanitize=address,undefined -fno-omit-frame-pointer tests/c/test_vibergate.c \
  -L"$lib" -lvibergate -Wl,-rpath,"$lib" -ldl -o "$out/test_vibergate_asan"
# Leaks are valgrind's job (it knows Rust's thread-local caches); ASan checks memory errors.
ASAN_OPTIONS=detect_leaks=0 "$out/test_vibergate_asan"

echo "-- C example"
make --quiet examples
"$out/send" >/dev/null
