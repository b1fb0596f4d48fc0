"""A response cache that is never stale: anonymous compiled reads (backend/core/compiled_reads.py) kept in
PostgreSQL with the snapshot they were read in, served again only while no transaction that wrote one of the
tables they read has committed since (`store.py`)."""
