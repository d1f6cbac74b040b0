#!/usr/bin/env bash
# `make run`: install what is missing, start PostgreSQL, Redis and an SMTP sink on loopback,
# migrate, load demo data once, then serve the app (gunicorn, as in production) with a Celery
# worker and beat under supervisord, which restarts whichever of them dies and says so.
# Ctrl-C stops every process this script started.
#   CRM_DEMO_DATA=0     start without demo data
#   CRM_WEB_PORT, CRM_PG_PORT, CRM_REDIS_PORT, CRM_SMTP_PORT   ports (8000, 54329, 63799, 8025)
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

PG="$(pg_home pg)"
started_pg=0; started_redis=0
"$(pg_bin)/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" || started_pg=1
redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 || started_redis=1
start_postgres "$PG/data" "$PG_PORT"
start_redis "$RUN/redis" "$REDIS_PORT"
ensure_database "$PG_PORT" crm

export DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/crm"
export REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
export EMAIL_URL="smtp://127.0.0.1:$SMTP_PORT"
export DEV_MAILDIR="$RUN/mail"
export DEBUG="${DEBUG:-true}"
export SITE_URL="http://127.0.0.1:$WEB_PORT"
export GUNICORN_BIND="127.0.0.1:$WEB_PORT" WEB_CONCURRENCY="${WEB_CONCURRENCY:-2}"

supervisor_pid=""
cleanup() {
  trap - INT TERM EXIT
  log "Stopping"
  if [ -n "$supervisor_pid" ]; then
    kill -TERM "$supervisor_pid" 2>/dev/null || true
    wait "$supervisor_pid" 2>/dev/null || true
  fi
  [ "$started_redis" = 1 ] && stop_redis "$REDIS_PORT"
  [ "$started_pg" = 1 ] && stop_postgres "$PG/data"
  log "Stopped"
}
trap cleanup INT TERM EXIT

log "Migrating"
"$PY" manage.py migrate --noinput -v 0
[ "${CRM_DEMO_DATA:-1}" = 0 ] || "$PY" manage.py load_demo

# supervisord keeps web, worker, beat and the SMTP sink up: a process that dies is restarted
# ("exited: worker (terminated by SIGKILL; not expected)", then "spawned: 'worker'" below), and
# the others, PostgreSQL and Redis stay up. `.venv/bin/supervisorctl -c .run/supervisord.conf
# status` lists them.
control_password="$(head -c 18 /dev/urandom | base64 | tr -d '/+=')"
# A Unix socket's path has at most 107 bytes: keep it short, one per checkout.
control_socket="/tmp/crm-supervisor-$(printf '%s' "$ROOT" | sha256sum | cut -c1-12).sock"
cat > "$RUN/supervisord.conf" <<CONF
[supervisord]
nodaemon=true
$([ "$(id -u)" = 0 ] && echo "user=root")
logfile=$RUN/logs/supervisord.log
loglevel=info
pidfile=$RUN/supervisord.pid
[unix_http_server]
file=$control_socket
chmod=0700
username=crm
password=$control_password
[supervisorctl]
serverurl=unix://$control_socket
username=crm
password=$control_password
[rpcinterface:supervisor]
supervisor.rpcinterface_factory=supervisor.rpcinterface:make_main_rpcinterface
[program:web]
command=$VENV/bin/gunicorn crm_site.wsgi
[program:worker]
command=$VENV/bin/celery -A crm_site worker -l info --concurrency 2 -n worker-$WEB_PORT@%%h
[program:beat]
command=$VENV/bin/celery -A crm_site beat -l info --scheduler django_celery_beat.schedulers:DatabaseScheduler --pidfile=
[program:smtp]
command=$PY -m aiosmtpd -n -l 127.0.0.1:$SMTP_PORT -c aiosmtpd.handlers.Mailbox $RUN/mail
CONF
for program in web worker beat smtp; do
  # Every program: restarted whenever it exits, stopped with its children, log in .run/logs.
  sed -i "/^\[program:$program\]/a directory=$ROOT\nautorestart=true\nstartsecs=3\nstartretries=5\nstopasgroup=true\nkillasgroup=true\nstopwaitsecs=20\nredirect_stderr=true\nstdout_logfile=$RUN/logs/$program.log\nstdout_logfile_maxbytes=20MB" "$RUN/supervisord.conf"
done
chmod 600 "$RUN/supervisord.conf"
"$VENV/bin/supervisord" -c "$RUN/supervisord.conf" & supervisor_pid=$!

logins="$("$PY" manage.py load_demo --list-logins)"
up=0
for _ in $(seq 300); do
  kill -0 "$supervisor_pid" 2>/dev/null || break
  (exec 3<>"/dev/tcp/127.0.0.1/$WEB_PORT") 2>/dev/null && { up=1; break; }
  sleep 0.2
done
if [ "$up" != 1 ]; then
  echo "make run: the web server did not come up on 127.0.0.1:$WEB_PORT; see the lines above and .run/logs/" >&2
  exit 1
fi

cat <<MSG

  CRM is running at http://127.0.0.1:$WEB_PORT/
  Demo logins (password: demo-crm-2026):
$logins
  Sent e-mail (password resets, …): http://127.0.0.1:$WEB_PORT/dev/mail/  (folder: .run/mail)
  Logs: .run/logs/   Processes: .venv/bin/supervisorctl -c .run/supervisord.conf status
  Press Ctrl-C to stop everything.

MSG
wait "$supervisor_pid" || true
