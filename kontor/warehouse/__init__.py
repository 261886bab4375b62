"""The warehouse export: the star schema of docs/analytics.md as Parquet
files, written incrementally with a watermark per table, and DuckDB over
them (``kontor warehouse export`` / ``query``).

It knows no domain: the tables come from the registry of record types
(``RecordType.warehouse``) and from ``register_warehouse_table``; each
table's rows come from the app that owns them."""
