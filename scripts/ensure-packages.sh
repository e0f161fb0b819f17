#!/bin/sh
# Installs the Debian packages the tests need, if missing: Debian's chromium and Chinese fonts
# for the browser tests, gdal-bin (ogrinfo, ogr2ogr) for the GDAL client test. Usage:
#   sh scripts/ensure-packages.sh PACKAGE...
# Directly as root, through `sudo -n` otherwise, or says what to run.
set -e
missing=""
for package in "$@"; do
  dpkg -s "$package" >/dev/null 2>&1 || missing="$missing $package"
done
[ -z "$missing" ] && exit 0
echo "installing:$missing"
if [ "$(id -u)" = 0 ]; then
  SUDO=""
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
  SUDO="sudo -n"
else
  echo "error: missing Debian packages:$missing. Install them with" >&2
  echo "  sudo apt-get install -y$missing" >&2
  exit 1
fi
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q $missing >/dev/null 2>&1 || {
  $SUDO apt-get update -q >/dev/null
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q $missing >/dev/null
}
