"""The published collections (OGC API – Features): what each holds and the SQL that pages it."""
