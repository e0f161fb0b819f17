#!/bin/sh
# pgbouncer's one login, from the environment (never baked into the image), then pgbouncer.
set -eu
umask 077
printf '"%s" "%s"\n' "$PGBOUNCER_USER" "$PGBOUNCER_PASSWORD" > /tmp/pgbouncer-userlist.txt
exec pgbouncer /etc/spacemap/pgbouncer.ini
