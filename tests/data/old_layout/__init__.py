"""The migrations of dms, akten, search and scan_ingest as of commit c4d1cb0, before issue 14 moved the documents to
akten and the outbox to dms (copied unchanged). tests/test_migrations.py builds the old layout with them on any
database vendor (MIGRATION_MODULES), fills it, and migrates it with the current migrations."""
