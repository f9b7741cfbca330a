"""Engines other than DuckDB that run the same queries/ files (sitrep.queries.run hands them the
query's name and its bound values): sitrep.engines.spark, over a Parquet lake (sitrep.lake) or a
cluster's catalog; sitrep.engines.postgres, over a PostgreSQL database (sitrep.engines.pg_cluster
copies a DuckDB file into a private cluster), for the comparison of benchmarks/bench_engines.py
(docs/engines.md). DuckDB stays the default engine of the app; nothing here is imported by it."""

ENGINES = ("duckdb", "spark")
