#!/bin/sh
# The scale stack's daemons (spacemap/scale): pgbouncer and nginx from Debian, and Debian's
# docker-compose to validate the compose file's `scale` profile (no Docker engine needed).
# PostgreSQL itself is installed by the embedded cluster's own check (spacemap/embedded.py).
# Installs what is missing: directly as root, through `sudo -n` otherwise, or says what to run.
set -e
PACKAGES="pgbouncer nginx docker-compose"
missing=""
[ -x /usr/sbin/pgbouncer ] || missing="$missing pgbouncer"
[ -x /usr/sbin/nginx ] || missing="$missing nginx"
command -v docker-compose >/dev/null 2>&1 || missing="$missing docker-compose"
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
