#!/usr/bin/env bash
# Local servers the tests and `make run-cluster` use, installed from Debian's packages and started by the
# project itself. Idempotent: a second run installs, starts and creates nothing.
#
#   tools/services.sh postgres   PostgreSQL on 127.0.0.1:5432 with role/password eakte/eakte (CREATEDB)
#                                and the database `eakte`
#   tools/services.sh redis      Redis on 127.0.0.1:6379 (no persistence)
#   tools/services.sh all        both
#
# As root, missing packages are installed with apt-get; otherwise the script stops and names them.
set -euo pipefail

PG_ROLE=${DMS_PG_ROLE:-eakte}
PG_PASSWORD=${DMS_PG_PASSWORD:-eakte}
PG_DB=${DMS_PG_DB:-eakte}
PG_PORT=5432
REDIS_PORT=6379

say() { echo "services: $*" >&2; }
die() { say "$*"; exit 1; }

apt_install() {  # apt_install PACKAGE... — install when running as root, otherwise name the packages and stop
  if [ "$(id -u)" != 0 ]; then
    die "missing system packages: $* — install them with: sudo apt-get install $*"
  fi
  say "installing $*"
  export DEBIAN_FRONTEND=noninteractive
  # A container has no init system: keep the package scripts from trying to start services themselves.
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else sudo -n -u postgres "$@"; fi; }

pg_version() { ls /etc/postgresql 2>/dev/null | sort -V | tail -1; }

postgres() {
  command -v pg_ctlcluster >/dev/null && [ -n "$(pg_version)" ] || apt_install postgresql postgresql-contrib
  local ver; ver=$(pg_version)
  [ -n "$ver" ] || die "postgresql is installed but has no cluster in /etc/postgresql"
  if ! pg_isready -h 127.0.0.1 -p "$PG_PORT" -q; then
    [ "$(id -u)" = 0 ] || die "PostgreSQL $ver is down; start it as root: pg_ctlcluster $ver main start"
    say "starting PostgreSQL $ver"
    pg_ctlcluster --skip-systemctl-redirect "$ver" main start
  fi
  for _ in $(seq 1 60); do pg_isready -h 127.0.0.1 -p "$PG_PORT" -q && break; sleep 0.5; done
  pg_isready -h 127.0.0.1 -p "$PG_PORT" -q || die "PostgreSQL does not answer on 127.0.0.1:$PG_PORT"
  # Role and database for the tests: password auth on 127.0.0.1 (Debian's default pg_hba), nothing else changed.
  as_postgres psql -q -v ON_ERROR_STOP=1 -d postgres <<SQL
SELECT 'CREATE ROLE "$PG_ROLE" LOGIN CREATEDB PASSWORD ''$PG_PASSWORD'''
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$PG_ROLE') \gexec
SELECT 'CREATE DATABASE "$PG_DB" OWNER "$PG_ROLE"'
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$PG_DB') \gexec
SQL
  PGPASSWORD=$PG_PASSWORD psql -h 127.0.0.1 -p "$PG_PORT" -U "$PG_ROLE" -d "$PG_DB" -tAc 'select 1' >/dev/null \
    || die "cannot log in as $PG_ROLE on 127.0.0.1:$PG_PORT"
  say "PostgreSQL ready: postgres://$PG_ROLE:$PG_PASSWORD@127.0.0.1:$PG_PORT/$PG_DB"
}

redis_ping() { redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG; }

redis() {
  command -v redis-server >/dev/null && command -v redis-cli >/dev/null || apt_install redis-server
  if ! redis_ping; then
    say "starting Redis"
    redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no \
      --logfile "${TMPDIR:-/tmp}/eakte-redis.log" >/dev/null
  fi
  for _ in $(seq 1 40); do redis_ping && break; sleep 0.25; done
  redis_ping || die "Redis does not answer on 127.0.0.1:$REDIS_PORT"
  say "Redis ready: redis://127.0.0.1:$REDIS_PORT"
}

case "${1:-all}" in
  postgres) postgres ;;
  redis) redis ;;
  all) postgres; redis ;;
  *) die "usage: $0 postgres|redis|all" ;;
esac
