#!/usr/bin/env bash
# `make run`: install what is missing, start PostgreSQL, Redis and an SMTP sink on loopback,
# migrate, load demo data once, then serve the app with a Celery worker and beat.
# Ctrl-C stops every process this script started.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

RUN="$ROOT/.run"
PG_PORT="${CRM_PG_PORT:-54329}"
REDIS_PORT="${CRM_REDIS_PORT:-63799}"
SMTP_PORT="${CRM_SMTP_PORT:-8025}"
WEB_PORT="${CRM_WEB_PORT:-8000}"

ensure_system_packages
ensure_venv
mkdir -p "$RUN/mail/tmp" "$RUN/mail/new" "$RUN/mail/cur" "$RUN/logs"

started_pg=0; started_redis=0
"$(pg_bin)/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" || started_pg=1
redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 || started_redis=1
start_postgres "$RUN/pg/data" "$PG_PORT"
start_redis "$RUN/redis" "$REDIS_PORT"
ensure_database "$PG_PORT" crm

export DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/crm"
export REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
export EMAIL_URL="smtp://127.0.0.1:$SMTP_PORT"
export DEV_MAILDIR="$RUN/mail"
export DEBUG="${DEBUG:-true}"
export SITE_URL="http://127.0.0.1:$WEB_PORT"

pids=()
cleanup() {
  trap - INT TERM EXIT
  log "Stopping"
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [ "$started_redis" = 1 ] && stop_redis "$REDIS_PORT"
  [ "$started_pg" = 1 ] && stop_postgres "$RUN/pg/data"
  log "Stopped"
}
trap cleanup INT TERM EXIT

log "Migrating"
"$PY" manage.py migrate --noinput -v 0
"$PY" manage.py load_demo

"$PY" -m aiosmtpd -n -l "127.0.0.1:$SMTP_PORT" -c aiosmtpd.handlers.Mailbox "$RUN/mail" \
  >"$RUN/logs/smtp.log" 2>&1 & pids+=($!)
"$VENV/bin/celery" -A crm_site worker -l info --concurrency 2 -n "worker@%h" \
  >"$RUN/logs/worker.log" 2>&1 & pids+=($!)
"$VENV/bin/celery" -A crm_site beat -l info --scheduler django_celery_beat.schedulers:DatabaseScheduler \
  --pidfile= >"$RUN/logs/beat.log" 2>&1 & pids+=($!)
"$PY" manage.py runserver "127.0.0.1:$WEB_PORT" --noreload & pids+=($!)
logins="$("$PY" manage.py load_demo --list-logins)"
for _ in $(seq 150); do (exec 3<>"/dev/tcp/127.0.0.1/$WEB_PORT") 2>/dev/null && break; sleep 0.2; done

cat <<MSG

  CRM is running at http://127.0.0.1:$WEB_PORT/
  Demo logins (password: demo-crm-2026):
$logins
  Sent e-mail (password resets, …): http://127.0.0.1:$WEB_PORT/dev/mail/  (folder: .run/mail)
  Logs: .run/logs/   Press Ctrl-C to stop everything.

MSG
wait -n "${pids[@]}" || true
