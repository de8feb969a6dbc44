# Helpers shared by the test scripts.

# need_apt COMMAND PACKAGE: installs Debian's PACKAGE when COMMAND is missing.
need_apt() {
  command -v "$1" >/dev/null 2>&1 || install_apt "$2"
}

# install_apt PACKAGE: installs Debian's PACKAGE (apt's lists are updated once per run).
install_apt() {
  echo "installing $1"
  local sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  if [ -z "${VIBERGATE_APT_UPDATED:-}" ]; then
    $sudo apt-get update -qq
    export VIBERGATE_APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$1" >/dev/null
}

# php_has EXTENSION: whether the PHP CLI loads EXTENSION. Asked of PHP itself: `php -m | grep -q`
# under pipefail fails at random, since grep exits at the match and PHP dies of SIGPIPE.
php_has() {
  php -r 'exit(extension_loaded($argv[1]) ? 0 : 1);' "$1"
}

# free_port: a TCP port on 127.0.0.1 that nothing listens on right now.
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# py_venv: the Python suites' venv (target/py-venv, created when missing) with the tools they use
# (maturin, pytest, mypy); prints its path. Installing vibergate into it is the caller's step.
py_venv() {
  local venv="$PWD/target/py-venv"
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv" >&2
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check maturin pytest mypy >&2
  echo "$venv"
}

# node_tools: bindings-node's development tools (napi, tsc, @types/node), installed with `npm ci`
# into target/node-test/tools (never into bindings-node/), again only when package.json or the
# lock changed; prints the directory. Run from the repository's root. package.json's
# "overrides" pin three of @napi-rs/cli's transitive packages (lzma, tar, wasm-tools) to the
# newest versions whose per-platform builds the registry we reach serves in full; with newer
# ones it lists no build for android/darwin/win32, npm cannot lock them and `npm ci` refuses.
node_tools() {
  local tools="$PWD/target/node-test/tools"
  mkdir -p "$tools"
  if ! cmp -s bindings-node/package-lock.json "$tools/package-lock.json" || ! cmp -s bindings-node/package.json "$tools/package.json" ||
    [ ! -x "$tools/node_modules/.bin/napi" ] || [ ! -x "$tools/node_modules/.bin/tsc" ]; then
    cp bindings-node/package.json bindings-node/package-lock.json "$tools/"
    (cd "$tools" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error) >&2
  fi
  echo "$tools"
}

# node_package DIR: the package as npm installs it (its "files" that run: index.js, index.mjs,
# index.d.ts, native.js, native.d.ts, build.js, package.json, README.md) in DIR, with a debug
# addon built by napi into DIR. Nothing is written into bindings-node/, whose addon a user's
# `npm install ./bindings-node` links to. Run from the repository's root.
node_package() {
  local dir=$1 tools
  tools=$(node_tools)
  rm -rf "$dir" && mkdir -p "$dir"
  (cd bindings-node && "$tools/node_modules/.bin/napi" build --platform --no-js --output-dir "$dir" --dts native.d.ts) >&2
  cp bindings-node/package.json bindings-node/index.js bindings-node/index.mjs bindings-node/index.d.ts \
    bindings-node/native.js bindings-node/build.js bindings-node/README.md "$dir/"
}

# path_without_rust [TOOL…]: $PATH less every directory that holds cargo, rustc or rustup — what
# a user without a Rust toolchain has — printed; each TOOL that would be lost with them (node,
# npm, …) stays reachable through a link in target/no-rust-bin. Fails when cargo, rustc or rustup
# can still be found on it. The test-dist-* scripts install and run the artifacts under it.
path_without_rust() {
  local clean="" d tool links="$PWD/target/no-rust-bin"
  local -a dirs
  IFS=: read -ra dirs <<<"$PATH"
  for d in "${dirs[@]}"; do
    [ -n "$d" ] && [ -d "$d" ] || continue
    [ -e "$d/cargo" ] || [ -e "$d/rustc" ] || [ -e "$d/rustup" ] && continue
    clean="${clean:+$clean:}$d"
  done
  for tool in "$@"; do
    if ! PATH="$clean" command -v "$tool" >/dev/null 2>&1; then
      mkdir -p "$links" && ln -sf "$(command -v "$tool")" "$links/$tool"
      clean="$links:$clean"
    fi
  done
  for tool in cargo rustc rustup; do
    if PATH="$clean" command -v "$tool" >/dev/null 2>&1; then
      echo "path_without_rust: $tool is still reachable" >&2
      return 1
    fi
  done
  echo "$clean"
}
