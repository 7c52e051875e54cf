#!/usr/bin/env bash
# The demo run the way a city runs the system, on one machine (`make run-cluster`): PostgreSQL, a real
# Elasticsearch node, S3 object storage (moto's S3 server stands in for MinIO; the product talks to it with the
# `minio` client as in production), Celery workers on Redis, gunicorn with static files through whitenoise and
# DEBUG off, the search indexer beside them.
#
#   tools/cluster.sh [--port 8000] [--data DIR] [--db NAME] [--no-demo]
#
# Starts from a fresh state each time (moto keeps objects in memory only, so database and index start empty
# with it). Writes DIR/cluster.env; `set -a; . DIR/cluster.env; set +a` lets `manage.py` commands of another
# shell work on the running cluster. Runs in the foreground; Ctrl+C or SIGTERM stops every part.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
PORT=8000 DATA=$ROOT/var/cluster DB=eakte_cluster DEMO=1
while [ $# -gt 0 ]; do
  case "$1" in
    --port) PORT=$2; shift 2 ;;
    --data) DATA=$2; shift 2 ;;
    --db) DB=$2; shift 2 ;;
    --no-demo) DEMO=0; shift ;;
    *) echo "usage: $0 [--port 8000] [--data DIR] [--db NAME] [--no-demo]" >&2; exit 2 ;;
  esac
done
PY=$ROOT/.venv/bin/python
say() { echo "cluster: $*" >&2; }

mkdir -p "$DATA"
DATA=$(cd "$DATA" && pwd)
pids=()
cleanup() {
  trap - EXIT INT TERM
  say "stopping"
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  tools/elasticsearch/es.sh stop "$DATA/elasticsearch" || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

tools/services.sh all
tools/elasticsearch/es.sh install
rm -rf "$DATA/elasticsearch" "$DATA/ingest" "$DATA/index" "$DATA/static"
ES_URL=$(tools/elasticsearch/es.sh start "$DATA/elasticsearch")

S3_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$ROOT/.venv/bin/moto_server" -H 127.0.0.1 -p "$S3_PORT" >"$DATA/s3.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 60); do curl -s "http://127.0.0.1:$S3_PORT/" >/dev/null && break; sleep 0.25; done

PGPASSWORD=eakte psql -q -h 127.0.0.1 -U eakte -d eakte -c "DROP DATABASE IF EXISTS \"$DB\" WITH (FORCE)" \
  -c "CREATE DATABASE \"$DB\""
[ -s "$DATA/secret_key" ] || "$PY" -c 'import secrets; print(secrets.token_urlsafe(50))' >"$DATA/secret_key"

# Values single-quoted: the storage URL carries `&`.
cat >"$DATA/cluster.env" <<ENV
DMS_DATA_DIR='$DATA'
DMS_DATABASE_URL='postgres://eakte:eakte@127.0.0.1:5432/$DB'
DMS_STORAGE_URL='s3://eakte:eakte-secret@127.0.0.1:$S3_PORT/eakte?region=us-east-1&versioning=1'
DMS_SEARCH_URL='elasticsearch+$ES_URL/eakte-documents'
DMS_BROKER_URL='redis://127.0.0.1:6379/3'
DMS_INGEST_QUEUE='ingest-$DB'
DMS_DEBUG='0'
DMS_SECRET_KEY='$(cat "$DATA/secret_key")'
DMS_ALLOWED_HOSTS='127.0.0.1,localhost'
OMP_THREAD_LIMIT='1'
ENV
set -a; . "$DATA/cluster.env"; set +a

"$PY" manage.py migrate --noinput -v 0
"$PY" manage.py collectstatic --noinput -v 0
"$ROOT/.venv/bin/celery" -A config worker -Q "$DMS_INGEST_QUEUE" -c 2 -l warning --without-gossip --without-mingle \
  >"$DATA/celery.log" 2>&1 &
pids+=($!)
"$PY" manage.py search_indexer >"$DATA/indexer.log" 2>&1 &
pids+=($!)
"$PY" manage.py demo_setup
[ "$DEMO" = 0 ] || "$PY" manage.py demo_ingest

"$ROOT/.venv/bin/gunicorn" config.wsgi -b "127.0.0.1:$PORT" -w 3 --access-logfile "$DATA/access.log" \
  --error-logfile "$DATA/gunicorn.log" &
pids+=($!)
for _ in $(seq 1 60); do curl -s -o /dev/null "http://127.0.0.1:$PORT/login/" && break; sleep 0.25; done
say "ready: http://127.0.0.1:$PORT/login/ (PostgreSQL $DB, Elasticsearch $ES_URL, S3 127.0.0.1:$S3_PORT," \
    "Celery on Redis; environment in $DATA/cluster.env)"
wait -n "${pids[@]}"
say "a part stopped; see the logs in $DATA"
exit 1
