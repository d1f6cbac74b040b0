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

# ensure_postgres_user: as root the clusters run as the `postgres` user (initdb refuses root).
ensure_postgres_user() {
  [ "$(id -u)" = 0 ] || return 0
  id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/false postgres
}

# as_postgres CMD...: run CMD as the user who owns the clusters (postgres as root, else yourself).
as_postgres() {
  # From / : the postgres user may not be allowed into the current folder.
  if [ "$(id -u)" = 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

# pg_home NAME: the folder that holds the cluster NAME (its data/, socket and log). Normally
# .run/NAME inside the checkout. As root in a checkout the postgres user cannot reach (anywhere
# under /root, mode 700 — the usual place in a container) it is
# ${CRM_PG_HOME:-/var/tmp/crm-postgres}/<checkout name>-<hash of its path>/NAME instead:
# the checkout's folders are never opened up to other users.
pg_home() {
  local name="$1" dir="$ROOT/.run/$1"
  mkdir -p "$ROOT/.run"
  if [ "$(id -u)" = 0 ]; then
    ensure_postgres_user
    chmod o+x "$ROOT/.run" 2>/dev/null || true
    if ! runuser -u postgres -- test -x "$ROOT/.run"; then
      local top="${CRM_PG_HOME:-/var/tmp/crm-postgres}"
      local tag; tag="$(basename "$ROOT")-$(printf '%s' "$ROOT" | sha256sum | cut -c1-8)"
      dir="$top/$tag/$name"
      mkdir -p "$dir"
      chmod 755 "$top" "$top/$tag" 2>/dev/null || true
      echo "$ROOT is not reachable by the postgres user: cluster '$name' lives in $dir" \
        > "$ROOT/.run/${name//\//-}.location"
    fi
  fi
  echo "$dir"
}

# start_postgres DATA_DIR PORT [throwaway]: start (initialising if needed) a cluster owned by
# the postgres user (as root) or by you, listening on 127.0.0.1:PORT with its socket beside
# DATA_DIR. Take DATA_DIR from pg_home.
start_postgres() {
  local data="$1" port="$2" mode="${3:-}"
  local bin; bin="$(pg_bin)"
  local base; base="$(dirname "$data")"
  local sock="$base/pg-socket"
  ensure_postgres_user
  mkdir -p "$base" "$sock"
  [ "$(id -u)" = 0 ] && chown postgres "$base" "$sock"
  if ! as_postgres test -w "$base"; then
    echo "PostgreSQL cannot use $base: the user that runs it ($(as_postgres whoami)) cannot write there (set CRM_PG_HOME to a folder it can reach)." >&2
    return 1
  fi
  if [ "$mode" = throwaway ] && [ -d "$data" ]; then
    as_postgres "$bin/pg_ctl" -D "$data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$data"
  fi
  if [ ! -f "$data/PG_VERSION" ]; then
    log "Initialising PostgreSQL cluster in ${data#"$ROOT"/}"
    mkdir -p "$data"
    [ "$(id -u)" = 0 ] && chown postgres "$data"
    local out
    if ! out="$(as_postgres "$bin/initdb" -D "$data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 2>&1)"; then
      echo "PostgreSQL could not create its cluster in $data: $(printf '%s' "$out" | grep -m1 -i error || printf '%s' "$out" | tail -n1)" >&2
      return 1
    fi
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
    } | as_postgres tee -a "$data/postgresql.conf" >/dev/null
  fi
  if ! "$bin/pg_isready" -q -h 127.0.0.1 -p "$port"; then
    log "Starting PostgreSQL on 127.0.0.1:$port"
    if ! as_postgres "$bin/pg_ctl" -D "$data" -l "$base/postgres.log" -w -t 60 start >/dev/null; then
      echo "PostgreSQL did not start on 127.0.0.1:$port: see $base/postgres.log ($(tail -n1 "$base/postgres.log" 2>/dev/null))" >&2
      return 1
    fi
  fi
}

stop_postgres() {
  local data="$1"
  local bin; bin="$(pg_bin)"
  as_postgres "$bin/pg_ctl" -D "$data" -m fast stop >/dev/null 2>&1 || true
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
