# Shared shell functions for `make run`, `make test` and `make bench`.
# Starts project-local PostgreSQL, Redis and an SMTP sink on loopback; nothing global.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PY="$VENV/bin/python"

log() { printf '\033[1;34m==>\033[0m %s\n' "$*"; }

pg_bin() {
  local d
  for d in /usr/lib/postgresql/*/bin; do
    [ -x "$d/initdb" ] && { echo "$d"; return 0; }
  done
  return 1
}

# ensure_system_packages: install the Debian packages this project needs, only when missing.
ensure_system_packages() {
  local missing=()
  pg_bin >/dev/null || missing+=(postgresql postgresql-contrib)
  command -v redis-server >/dev/null || missing+=(redis-server)
  if [ "${NEED_BROWSER:-0}" = 1 ]; then
    command -v chromium >/dev/null || missing+=(chromium chromium-driver)
  fi
  # WeasyPrint (quote PDFs) needs Pango.
  ldconfig -p 2>/dev/null | grep -q libpango-1.0 || missing+=(libpango-1.0-0 libpangoft2-1.0-0)
  [ -d /usr/share/fonts/truetype/dejavu ] || missing+=(fonts-dejavu-core)
  if [ ${#missing[@]} -gt 0 ]; then
    log "Installing Debian packages: ${missing[*]}"
    local sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    $sudo apt-get update -qq || true
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
}

# ensure_venv: create .venv and install requirements.txt when it changed.
ensure_venv() {
  local stamp="$VENV/.requirements.sha"
  local want
  want="$(sha256sum "$ROOT/requirements.txt" | cut -d' ' -f1)"
  if [ ! -x "$PY" ]; then
    log "Creating virtualenv .venv"
    python3 -m venv "$VENV"
  fi
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    log "Installing Python packages (requirements.txt)"
    "$PY" -m pip install -q --disable-pip-version-check -r "$ROOT/requirements.txt"
    echo "$want" > "$stamp"
  fi
}

# start_postgres DATA_DIR PORT [throwaway]: start (initialising if needed) a cluster owned by
# the postgres user, listening on 127.0.0.1:PORT with its socket inside DATA_DIR/../.
start_postgres() {
  local data="$1" port="$2" mode="${3:-}"
  local bin; bin="$(pg_bin)"
  local base; base="$(dirname "$data")"
  local sock="$base/pg-socket"
  local runas=()
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --home-dir "$base" --shell /bin/false postgres
    runas=(runuser -u postgres --)
  fi
  mkdir -p "$base" "$sock"
  # The postgres user must be able to reach the data folder.
  chmod o+x "$ROOT" "$ROOT/.run" "$base" 2>/dev/null || true
  if [ "$mode" = throwaway ] && [ -d "$data" ]; then
    "${runas[@]}" "$bin/pg_ctl" -D "$data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$data"
  fi
  [ "$(id -u)" = 0 ] && chown postgres "$base" "$sock"
  if [ ! -f "$data/PG_VERSION" ]; then
    log "Initialising PostgreSQL cluster in ${data#"$ROOT"/}"
    mkdir -p "$data"
    [ "$(id -u)" = 0 ] && chown postgres "$data"
    "${runas[@]}" "$bin/initdb" -D "$data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
    {
      echo "listen_addresses = '127.0.0.1'"
      echo "port = $port"
      echo "unix_socket_directories = '$sock'"
      echo "max_connections = 200"
      echo "shared_buffers = 256MB"
      echo "work_mem = 16MB"
      echo "maintenance_work_mem = 256MB"
      echo "random_page_cost = 1.1"
      echo "effective_cache_size = 2GB"
      if [ "$mode" = throwaway ]; then
        echo "fsync = off"
        echo "synchronous_commit = off"
        echo "full_page_writes = off"
      fi
    } >> "$data/postgresql.conf"
  fi
  if ! "$bin/pg_isready" -q -h 127.0.0.1 -p "$port"; then
    log "Starting PostgreSQL on 127.0.0.1:$port"
    "${runas[@]}" "$bin/pg_ctl" -D "$data" -l "$base/postgres.log" -w -t 60 start >/dev/null
  fi
}

stop_postgres() {
  local data="$1"
  local bin; bin="$(pg_bin)"
  local runas=()
  [ "$(id -u)" = 0 ] && runas=(runuser -u postgres --)
  "${runas[@]}" "$bin/pg_ctl" -D "$data" -m fast stop >/dev/null 2>&1 || true
}

# ensure_database PORT NAME: create the role-less database if it does not exist.
ensure_database() {
  local port="$1" name="$2"
  local psql; psql="$(pg_bin)/psql"
  if ! "$psql" -h 127.0.0.1 -p "$port" -U postgres -tAc "select 1 from pg_database where datname='$name'" | grep -q 1; then
    "$psql" -h 127.0.0.1 -p "$port" -U postgres -qc "create database \"$name\""
  fi
}

# start_redis DIR PORT: a project-local Redis on loopback.
start_redis() {
  local dir="$1" port="$2"
  mkdir -p "$dir"
  if ! redis-cli -p "$port" ping >/dev/null 2>&1; then
    log "Starting Redis on 127.0.0.1:$port"
    redis-server --port "$port" --bind 127.0.0.1 --daemonize yes --dir "$dir" \
      --logfile "$dir/redis.log" --pidfile "$dir/redis.pid" --save "" --appendonly no >/dev/null
    for _ in $(seq 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
  fi
}

stop_redis() {
  redis-cli -p "$1" shutdown nosave >/dev/null 2>&1 || true
}
