#!/usr/bin/env bash
# `make bench`: benchmarks against a dedicated database (kept between runs, because large
# generated data sets take minutes to build). Results are written to bench/results/.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

BENCH="$ROOT/.run/bench"
PG_PORT="${CRM_BENCH_PG_PORT:-54349}"
REDIS_PORT="${CRM_BENCH_REDIS_PORT:-63819}"

ensure_system_packages
ensure_venv
BENCH_PG="$(pg_home bench/pg)"
cleanup() { stop_redis "$REDIS_PORT"; stop_postgres "$BENCH_PG/data"; }
trap cleanup EXIT
start_postgres "$BENCH_PG/data" "$PG_PORT"
start_redis "$BENCH/redis" "$REDIS_PORT"
ensure_database "$PG_PORT" crm

# Production settings (DEBUG off, hashed static files); plain HTTP in-process requests.
export DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/crm"
export REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
export SECRET_KEY="bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGH"
export DEBUG=false SECURE_SSL_REDIRECT=false SECURE_COOKIES=false
export STATIC_ROOT="$BENCH/static"

"$PY" manage.py migrate --noinput -v 0
"$PY" manage.py collectstatic --noinput -v 0
"$PY" manage.py load_demo
# The large data set (issue #3) is built once and kept in .run/bench: the command does nothing
# when it finds its rows. Sizes can be lowered for a quick look, e.g. BENCH_CONTACTS=100000.
log "Scale data (generated once; kept in .run/bench)"
"$PY" manage.py generate_scale_data \
  --accounts "${BENCH_ACCOUNTS:-200000}" \
  --contacts "${BENCH_CONTACTS:-1000000}" \
  --activities "${BENCH_ACTIVITIES:-2000000}"
# The sales data set (issue #4) on those accounts, also once: 500,000 opportunities (10,000 open
# on the "Bench pipeline" board), 10 teams under one manager, 10,000 unassigned leads.
log "Sales scale data (generated once; kept in .run/bench)"
"$PY" manage.py generate_sales_scale_data \
  --opportunities "${BENCH_OPPORTUNITIES:-500000}" \
  --board-open "${BENCH_BOARD_OPEN:-10000}" \
  --leads "${BENCH_LEADS:-10000}"
# BENCH_SCRIPTS narrows the run, e.g. BENCH_SCRIPTS=bench/bench_sales.py make bench
for script in ${BENCH_SCRIPTS:-bench/bench_*.py}; do
  log "$script"
  "$PY" "$script" "$@"
done
