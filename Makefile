# Convenience targets; `bash scripts/test.sh` is the one command that runs every test.
PROFILE ?= debug
CARGO_FLAGS := $(if $(filter release,$(PROFILE)),--release,)
LIBDIR := $(CURDIR)/target/$(PROFILE)
CFLAGS ?= -Wall -Wextra -Werror -std=c11 -O1
LDLIBS := -L$(LIBDIR) -lvibergate -Wl,-rpath,$(LIBDIR) -pthread

.PHONY: all lib header examples test bench docs dist clean-c

all: lib examples

lib:
	cargo build -p vibergate-ffi $(CARGO_FLAGS)

header:
	cbindgen --config ffi/cbindgen.toml --crate vibergate-ffi --output include/vibergate.h ffi

examples: lib target/c/send

target/c/send: examples/c/send.c include/vibergate.h | target/c
	$(CC) $(CFLAGS) -Iinclude $< -o $@ $(LDLIBS)

target/c:
	mkdir -p $@

test:
	bash scripts/test.sh

bench:
	bash scripts/bench.sh

# Every installable artifact in dist/ (release builds): the C SDK tarball, the PHP package, the
# npm packages and the Python wheel. PROFILE=dev for quick builds.
dist:
	bash scripts/dist.sh

# API references in target/docs/: rustdoc, Python (pdoc), Node (TypeDoc), C (from the header).
docs:
	bash scripts/docs.sh

clean-c:
	rm -rf target/c
