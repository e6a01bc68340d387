"""Independent computations of the dashboard's numbers: plain Polars over the raw tables, written from
docs/domain.md's definitions without the SQL, so a test compares two separate derivations."""
