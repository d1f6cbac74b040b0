#!/usr/bin/env bash
# Total resident memory (RSS, and PSS which counts shared pages once) of the `make run`
# stack: PostgreSQL (postmaster + children), Redis, web, worker(s), beat and SMTP sink.
# Usage: with `make run` running, `bash bench/stack_rss.sh`.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
pm=$(head -1 "$ROOT/.run/pg/data/postmaster.pid")
pids="$pm $(pgrep -P "$pm" | tr '\n' ' ')"
pids+=" $(pgrep -f 'redis-server 127.0.0.1:63799' || true)"
for pat in 'celery -A crm_site' 'manage.py runserver' 'aiosmtpd'; do
  pids+=" $(pgrep -f "$pat" | tr '\n' ' ')"
done
rss=0; pss=0
for p in $pids; do
  [ -r "/proc/$p/smaps_rollup" ] || continue
  r=$(awk '/^Rss:/{print $2}' "/proc/$p/smaps_rollup"); s=$(awk '/^Pss:/{print $2}' "/proc/$p/smaps_rollup")
  rss=$((rss + r)); pss=$((pss + s))
done
echo "processes: $(echo $pids | wc -w)  RSS total: $((rss / 1024)) MB  PSS total: $((pss / 1024)) MB"
