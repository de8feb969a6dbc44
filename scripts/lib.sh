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
