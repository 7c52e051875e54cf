# make run   — the system on the embedded defaults with demo data, on http://127.0.0.1:8000
# make test  — the whole suite, on SQLite and on PostgreSQL
SHELL := /bin/bash
PY := .venv/bin/python
PIP := .venv/bin/pip
export OMP_THREAD_LIMIT := 1
PG_URL ?= postgres://eakte:eakte@127.0.0.1:5432/eakte
APT_PACKAGES := tesseract-ocr tesseract-ocr-deu poppler-utils chromium chromium-driver

.PHONY: run run-cluster test lint screenshots test-fast test-sqlite test-postgres test-elasticsearch sysdeps services esdeps venv demo clean bench

sysdeps:
	@missing=""; \
	command -v tesseract >/dev/null || missing="$$missing tesseract-ocr"; \
	(command -v tesseract >/dev/null && tesseract --list-langs 2>/dev/null | grep -qx deu) || missing="$$missing tesseract-ocr-deu"; \
	command -v pdftotext >/dev/null || missing="$$missing poppler-utils"; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v chromedriver >/dev/null || missing="$$missing chromium-driver"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing system packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(APT_PACKAGES) >/dev/null; \
	  else \
	    echo "missing system packages:$$missing — run: sudo apt-get install $(APT_PACKAGES)" >&2; exit 1; \
	  fi; \
	fi

.venv/.installed: pyproject.toml
	@command -v python3 >/dev/null || { echo "python3 (3.11+) is required" >&2; exit 1; }
	@[ -x $(PY) ] || python3 -m venv .venv || { echo "python3 -m venv failed: install python3-venv" >&2; exit 1; }
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e '.[test]'
	@touch $@

venv: .venv/.installed

# PostgreSQL and Redis from Debian's packages, started and prepared by the project (tools/services.sh).
services:
	@tools/services.sh all

# A real Elasticsearch 7.10.2 node: Java (apt) and its jars (Maven Central) at install time, nothing at run time.
esdeps:
	@tools/elasticsearch/es.sh install

demo: sysdeps venv
	$(PY) manage.py migrate --noinput -v 0
	$(PY) manage.py demo_setup
	$(PY) manage.py demo_ingest

# The one search indexer runs beside the web server so changes made in the UI (grants, holds) reach the index;
# so do the ingest worker (batches uploaded in the Scanstelle) and the consume-folder watcher (Eingangsordner,
# DMS_CONSUME_DIR, default var/eingang: files dropped there are ingested as the scan login).
run: demo
	@echo "eAkte läuft auf http://127.0.0.1:8000/login/  (Strg+C beendet)"
	@export DMS_CONSUME_DIR="$${DMS_CONSUME_DIR:-$(CURDIR)/var/eingang}"; \
	echo "Eingangsordner: $$DMS_CONSUME_DIR"; \
	$(PY) manage.py search_indexer & indexer=$$!; \
	$(PY) manage.py ingest_worker & worker=$$!; \
	$(PY) manage.py consume_watch --user scan & watcher=$$!; \
	trap 'kill $$indexer $$worker $$watcher 2>/dev/null' EXIT INT TERM; \
	$(PY) manage.py runserver 127.0.0.1:8000 --noreload

# The production-like run on one machine: PostgreSQL, Elasticsearch, S3 (moto), Celery on Redis, gunicorn.
run-cluster: sysdeps venv services esdeps
	tools/cluster.sh

# The browser tests, saving the screenshots of the main pages into docs/screenshots/ (they go to /tmp otherwise).
screenshots: sysdeps venv
	DMS_SCREENSHOTS=1 env -u DMS_DATABASE_URL $(PY) -m pytest -q -p no:cacheprovider -m browser

# The inner loop: SQLite only, without the OCR-heavy, crash, browser and Elasticsearch tests.
test-fast: sysdeps venv lint
	env -u DMS_DATABASE_URL $(PY) -m pytest -q -p no:cacheprovider -n 2 -m "not slow and not browser and not elasticsearch"

# One test process per core (pytest-xdist): the suite stays within its 20 minutes on two cores.
XDIST := -n auto --dist loadfile
test-sqlite: sysdeps venv services
	env -u DMS_DATABASE_URL $(PY) -m pytest -q -p no:cacheprovider $(XDIST) -m "not elasticsearch"

test-postgres: sysdeps venv services
	DMS_DATABASE_URL=$(PG_URL) $(PY) -m pytest -q -p no:cacheprovider $(XDIST) -m "not elasticsearch"

# Every Elasticsearch test against a real node (on PostgreSQL): the one named by DMS_TEST_ELASTICSEARCH_URL, or one
# started here and stopped when the tests end. A skipped test fails the run.
ES_TEST_DIR := var/test-elasticsearch
test-elasticsearch: sysdeps venv services esdeps
	@url="$$DMS_TEST_ELASTICSEARCH_URL"; \
	if [ -z "$$url" ]; then \
	  url=$$(tools/elasticsearch/es.sh start $(ES_TEST_DIR)) || exit 1; \
	  trap 'tools/elasticsearch/es.sh stop $(ES_TEST_DIR)' EXIT INT TERM; \
	fi; \
	DMS_TEST_ELASTICSEARCH_URL=$$url DMS_TEST_FAIL_ON_SKIP=1 DMS_DATABASE_URL=$(PG_URL) \
	  $(PY) -m pytest -q -p no:cacheprovider -m elasticsearch

test: lint test-sqlite test-postgres test-elasticsearch

# ruff (configured in pyproject.toml): the tree is linted and formatted; `.venv/bin/ruff format .` fixes the format.
lint: venv
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

bench: sysdeps venv
	$(PY) bench/verify.py
	$(PY) bench/ingest.py
	$(PY) bench/search.py
	$(PY) bench/search_quality.py
	$(PY) bench/aussonderung.py

clean:
	rm -rf var .pytest_cache
