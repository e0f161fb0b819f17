"""SQL, one module per table (or a table and its link tables). Nothing else writes SQL."""
