"""spacemap core: configuration, database, models, ingest and the command line."""

__version__ = "0.1.0"
