"""The migrations apply to a fresh database and to a populated database of the layout before issue 14 (documents in
`dms`, the outbox in `search`), keeping tables, rows and keys (docs/architecture.md, "Layers": moved models).

Each test migrates a database of its own, beside the test database, on the vendor the suite runs on (SQLite: a
file; PostgreSQL: a database created for the test and dropped after it). The old layout comes from two sources:
- the migrations of commit c4d1cb0, kept unchanged in tests/data/old_layout/, applied through MIGRATION_MODULES and
  filled through their historical models (both vendors);
- a SQLite database that the old code itself built and filled through its own services
  (tests/data/old_layout_c4d1cb0.sqlite3.gz, made by tests/data/build_old_layout.py; SQLite only: a PostgreSQL
  dump would pin a server version for little gain over the first source)."""

import gzip
import shutil
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connections
from django.db.migrations.executor import MigrationExecutor
from django.test import override_settings

DATA = Path(__file__).parent / "data"
OLD_MIGRATIONS = {app: f"tests.data.old_layout.{app}.migrations" for app in ("dms", "akten", "search", "scan_ingest")}
MOVED_TABLES = ["dms_document", "dms_documentversion", "dms_page", "search_outboxentry"]
ALIAS = "migration_test"


@pytest.fixture
def database(db, django_db_blocker, tmp_path):
    """A database alias of its own (empty), on the suite's vendor."""
    default = connections["default"].settings_dict
    cfg = {**default, "TEST": {**default.get("TEST", {})}}
    vendor = connections["default"].vendor
    if vendor == "sqlite":
        cfg["NAME"] = str(tmp_path / "migration_test.sqlite3")
    elif vendor == "postgresql":
        cfg["NAME"] = f"eakte_migtest_{uuid.uuid4().hex[:10]}"
        _pg_admin(default, f'CREATE DATABASE "{cfg["NAME"]}"')
    else:
        pytest.skip(f"no migration test database for {vendor}")
    connections.databases[ALIAS] = cfg
    try:
        with django_db_blocker.unblock():
            yield connections[ALIAS]
    finally:
        connections[ALIAS].close()
        del connections[ALIAS]
        del connections.databases[ALIAS]
        if vendor == "postgresql":
            _pg_admin(default, f'DROP DATABASE IF EXISTS "{cfg["NAME"]}"')


def _pg_admin(settings_dict, sql):
    import psycopg

    params = {
        "host": settings_dict["HOST"] or None,
        "port": settings_dict["PORT"] or None,
        "user": settings_dict["USER"],
        "password": settings_dict["PASSWORD"],
        "dbname": "postgres",
    }
    with psycopg.connect(**params, autocommit=True) as conn:
        conn.execute(sql)


def _migrate(**kwargs):
    call_command("migrate", database=ALIAS, verbosity=0, interactive=False, **kwargs)


def _counts(conn) -> dict[str, int]:
    with conn.cursor() as cursor:
        counts = {}
        for table in [*MOVED_TABLES, "dms_auditevent", "scan_ingest_ingestdocument"]:
            cursor.execute(f"SELECT COUNT(*) FROM {table}")
            counts[table] = cursor.fetchone()[0]
        return counts


def _audit_hashes(conn) -> list[str]:
    with conn.cursor() as cursor:
        cursor.execute("SELECT hash FROM dms_auditevent ORDER BY seq")
        return [row[0] for row in cursor.fetchall()]


def _nothing_left_to_migrate(conn):
    executor = MigrationExecutor(conn)
    assert executor.migration_plan(executor.loader.graph.leaf_nodes()) == []


def _foreign_keys_hold(conn):
    if conn.vendor == "sqlite":
        with conn.cursor() as cursor:
            cursor.execute("PRAGMA foreign_key_check")
            assert cursor.fetchall() == []
    with conn.cursor() as cursor:
        constraints = conn.introspection.get_constraints(cursor, "dms_documentversion")
    targets = {c["foreign_key"] for c in constraints.values() if c["foreign_key"]}
    assert ("dms_document", "id") in targets and ("dms_storedobject", "id") in targets


def _fill_old_layout(conn) -> dict:
    """Rows in the old layout, through the historical models of the c4d1cb0 migrations."""
    apps = MigrationExecutor(conn).loader.project_state().apps
    get = apps.get_model
    group = get("auth", "Group").objects.using(ALIAS).create(name="dept:63")
    dept = get("dms", "Department").objects.using(ALIAS).create(code="63", name="Bauordnungsamt", group=group)
    unit = get("akten", "AktenplanUnit").objects.using(ALIAS).create(kennzeichen="63", title="Bauordnung")
    akte = (
        get("akten", "Akte")
        .objects.using(ALIAS)
        .create(aktenzeichen="63-2020/0001", unit=unit, title="Neubau", lead_department=dept)
    )
    obj = (
        get("dms", "StoredObject")
        .objects.using(ALIAS)
        .create(sha256="a" * 64, key="sha256/aa/aa/" + "a" * 64, size=3, media_type="text/plain")
    )
    document = get("dms", "Document").objects.using(ALIAS).create(akte=akte, department=dept, title="Bauantrag")
    version = get("dms", "DocumentVersion").objects.using(ALIAS).create(document=document, number=1, original=obj)
    get("dms", "Page").objects.using(ALIAS).create(version=version, number=1, text="Antrag auf Baugenehmigung")
    get("search", "OutboxEntry").objects.using(ALIAS).create(document_id=document.pk, op="upsert")
    get("dms", "AuditEvent").objects.using(ALIAS).create(
        seq=1,
        at=datetime(2024, 1, 2, tzinfo=UTC),
        action="document.create",
        object_type="dms.Document",
        object_id=str(document.pk),
        prev_hash="0" * 64,
        hash="b" * 64,
    )
    batch = get("scan_ingest", "IngestBatch").objects.using(ALIAS).create(path="/scans", fingerprint="f" * 64)
    item = get("scan_ingest", "IngestItem").objects.using(ALIAS).create(batch=batch, key="a.tif", seq=1, source="a")
    get("scan_ingest", "IngestDocument").objects.using(ALIAS).create(item=item, document=document, status="stored")
    return {"document": document.pk, "title": "Bauantrag", "akte": "63-2020/0001", "page": "Antrag auf Baugenehmigung"}


def _orm_reads(expected: dict):
    from akten.models import Document
    from dms.models import OutboxEntry
    from scan_ingest.models import IngestDocument

    doc = Document.objects.using(ALIAS).select_related("akte", "department").get(pk=expected["document"])
    assert (doc.title, doc.akte.aktenzeichen) == (expected["title"], expected["akte"])
    version = doc.versions.using(ALIAS).order_by("number").first()
    assert expected["page"] in [p.text for p in version.pages.using(ALIAS).all()]
    assert version.original.sha256
    assert IngestDocument.objects.using(ALIAS).filter(document=doc).exists()
    assert OutboxEntry.objects.using(ALIAS).filter(document_id=doc.pk).exists()


def test_a_fresh_database_migrates_and_has_the_tables_under_their_names(database):
    _migrate()
    _nothing_left_to_migrate(database)
    with database.cursor() as cursor:
        tables = set(database.introspection.table_names(cursor))
    assert set(MOVED_TABLES) <= tables
    _foreign_keys_hold(database)


def test_an_old_layout_database_keeps_its_rows_and_keys(database):
    """Built with the c4d1cb0 migrations and filled through their models; migrated with today's."""
    with override_settings(MIGRATION_MODULES=OLD_MIGRATIONS):
        _migrate()
        expected = _fill_old_layout(database)
        before, hashes = _counts(database), _audit_hashes(database)
    _migrate()
    _nothing_left_to_migrate(database)
    assert _counts(database) == before and _audit_hashes(database) == hashes
    _foreign_keys_hold(database)
    _orm_reads(expected)


def test_the_database_the_old_code_built_migrates(database, tmp_path):
    """The database that the code of c4d1cb0 built and filled through its services (tests/data/build_old_layout.py):
    documents with versions, pages, a Vorgang, a grant, a hold, a closed Akte, ingest rows, outbox rows, the audit
    chain and a model permission on documents given to a group."""
    if database.vendor != "sqlite":
        pytest.skip("the database the old code built is a SQLite file; the old layout on PostgreSQL is built above")
    database.close()
    with gzip.open(DATA / "old_layout_c4d1cb0.sqlite3.gz") as packed, open(database.settings_dict["NAME"], "wb") as f:
        shutil.copyfileobj(packed, f)
    before, hashes = _counts(database), _audit_hashes(database)
    assert before["dms_document"] == 4 and before["dms_page"] == 6
    _migrate()
    _nothing_left_to_migrate(database)
    assert _counts(database) == before and _audit_hashes(database) == hashes
    _foreign_keys_hold(database)
    _orm_reads({"document": 1, "title": "Bauantrag", "akte": "63.10.02-2020/0001", "page": "Antrag auf Baugenehmigung"})

    from django.contrib.auth.models import Group, Permission
    from django.contrib.contenttypes.models import ContentType

    from akten.models import Document

    doc = Document.objects.using(ALIAS).get(pk=1)
    assert (doc.vorgang.title, doc.versions.using(ALIAS).count(), doc.current_version.number) == (
        "Baugenehmigungsverfahren",
        2,
        2,
    )
    moved = ContentType.objects.db_manager(ALIAS).get(app_label="akten", model="document")
    assert not ContentType.objects.using(ALIAS).filter(app_label="dms", model="document").exists()
    permission = Permission.objects.using(ALIAS).get(content_type=moved, codename="view_document")
    assert Group.objects.using(ALIAS).get(name="dept:32").permissions.filter(pk=permission.pk).exists()
    assert ContentType.objects.using(ALIAS).filter(app_label="dms", model="outboxentry").exists()
