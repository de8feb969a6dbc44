# Helpers shared by the test scripts.

# need_apt COMMAND PACKAGE: installs Debian's PACKAGE when COMMAND is missing.
need_apt() {
  command -v "$1" >/dev/null 2>&1 && return 0
  echo "installing $2 (for $1)"
  local sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  if [ -z "${VIBERGATE_APT_UPDATED:-}" ]; then
    $sudo apt-get update -qq
    export VIBERGATE_APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$2" >/dev/null
}
