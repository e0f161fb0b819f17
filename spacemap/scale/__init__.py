"""Past one machine, on one machine: a PostgreSQL primary with a hot standby (``pg_basebackup
-R``), pgbouncer in transaction mode, several ``spacemap serve`` processes and nginx in front —
the same Debian packages a deployment uses, each in a directory of its own with its own
passwords, independent of the embedded development cluster. ``spacemap scale up`` runs it for a
person, ``tests/test_scale_*.py`` for the suite and ``bench.scale`` for the figures.
"""
