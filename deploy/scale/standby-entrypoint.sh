#!/bin/sh
# The hot standby: on first start its data directory is a pg_basebackup -R of the primary
# (standby.signal + primary_conninfo), then it runs as a streaming hot standby.
set -eu
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  until pg_isready -h pg-primary -p 5432 -q; do sleep 1; done
  PGPASSWORD="$REPLICATION_PASSWORD" pg_basebackup -h pg-primary -p 5432 -U replicator \
    -D "$PGDATA" -R -X stream -c fast
  chmod 700 "$PGDATA"
fi
exec postgres -c hot_standby=on -c hot_standby_feedback=on -c jit=off \
  -c max_parallel_workers_per_gather=0
