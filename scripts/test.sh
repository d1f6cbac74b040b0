#!/usr/bin/env bash
# `make test`: its own throwaway PostgreSQL and Redis (other ports), then ruff,
# `makemigrations --check` and pytest. Exits non-zero on any failure.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

PG_PORT="${CRM_TEST_PG_PORT:-54339}"
REDIS_PORT="${CRM_TEST_REDIS_PORT:-63809}"
TEST_RUN="$ROOT/.run/test-$PG_PORT"

NEED_BROWSER=1 ensure_system_packages
ensure_venv

TEST_PG="$(pg_home "test-$PG_PORT/pg")"
cleanup() {
  stop_redis "$REDIS_PORT"
  stop_postgres "$TEST_PG/data"
}
trap cleanup EXIT
start_postgres "$TEST_PG/data" "$PG_PORT" throwaway
stop_redis "$REDIS_PORT"
start_redis "$TEST_RUN/redis" "$REDIS_PORT"
ensure_database "$PG_PORT" crm

export DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/crm"
export REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
export SECRET_KEY="test-only-secret-key-not-for-production-use-0123456789"
export DJANGO_ALLOW_ASYNC_UNSAFE=true
# Production defaults otherwise (DEBUG off); only what a plain-HTTP test server needs is relaxed.
export DEBUG=false SECURE_SSL_REDIRECT=false SECURE_COOKIES=false STATIC_MANIFEST=false

if [ "${TEST_ONLY_PYTEST:-0}" != 1 ]; then
  log "ruff"
  "$VENV/bin/ruff" check .
  "$VENV/bin/ruff" format --check .
  log "makemigrations --check"
  "$PY" manage.py makemigrations --check --dry-run
fi
log "pytest"
"$VENV/bin/pytest" -n "${PYTEST_WORKERS:-2}" --dist loadgroup "$@"
