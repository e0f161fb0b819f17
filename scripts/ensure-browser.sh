#!/bin/sh
# The browser tests drive Debian's chromium; Chinese fonts make the screenshots readable.
# Installs both if missing: directly as root, through `sudo -n` otherwise, or says what to run.
set -e
PACKAGES="chromium fonts-noto-cjk"
missing=""
[ -x /usr/bin/chromium ] || missing="$missing chromium"
dpkg -s fonts-noto-cjk >/dev/null 2>&1 || missing="$missing fonts-noto-cjk"
[ -z "$missing" ] && exit 0
echo "installing:$missing"
if [ "$(id -u)" = 0 ]; then
  SUDO=""
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
  SUDO="sudo -n"
else
  echo "error: missing Debian packages:$missing. Install them with" >&2
  echo "  sudo apt-get install -y $PACKAGES" >&2
  exit 1
fi
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q $missing >/dev/null 2>&1 || {
  $SUDO apt-get update -q >/dev/null
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q $missing >/dev/null
}
