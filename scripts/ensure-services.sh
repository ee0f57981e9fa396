#!/usr/bin/env bash
# Makes sure PostgreSQL (127.0.0.1:5432) and Redis (127.0.0.1:6379) answer: uses running ones, else starts the
# local installs, else installs them from Debian's packages (needs root), else tells the user what to do.
set -uo pipefail

pg_up() { (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; }
redis_up() { [ "$( (exec 3<>/dev/tcp/127.0.0.1/6379 && printf 'PING\r\n' >&3 && timeout 2 head -c 5 <&3) 2>/dev/null)" = "+PONG" ]; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else return 1; fi; }
wait_for() { for _ in $(seq 1 30); do "$1" && return 0; sleep 1; done; return 1; }

if ! pg_up; then
  echo "PostgreSQL is not answering on 127.0.0.1:5432; starting it..."
  if ! ls /etc/postgresql >/dev/null 2>&1; then
    as_root apt-get install -y -q postgresql >/dev/null || true
  fi
  if ls /etc/postgresql >/dev/null 2>&1; then
    ver=$(ls /etc/postgresql | sort -V | tail -1)
    # trust auth on 127.0.0.1, as the default DATABASE_URL (postgres@127.0.0.1, no password) expects
    hba=/etc/postgresql/$ver/main/pg_hba.conf
    if [ -w "$hba" ] && ! grep -q '^host all all 127.0.0.1/32 trust' "$hba"; then sed -i '1i host all all 127.0.0.1/32 trust' "$hba"; fi
    as_root pg_ctlcluster --skip-systemctl-redirect "$ver" main start 2>/dev/null || as_root pg_ctlcluster "$ver" main start || true
  fi
  wait_for pg_up || { echo "Could not start PostgreSQL. Start one on 127.0.0.1:5432 (trust auth for user postgres), or run 'docker compose up -d postgres redis', or set DATABASE_URL." >&2; exit 1; }
fi

if ! redis_up; then
  echo "Redis is not answering on 127.0.0.1:6379; starting it..."
  command -v redis-server >/dev/null || as_root apt-get install -y -q redis-server >/dev/null || true
  if command -v redis-server >/dev/null; then
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null
  fi
  wait_for redis_up || { echo "Could not start Redis. Start one on 127.0.0.1:6379, or run 'docker compose up -d postgres redis', or set REDIS_URL." >&2; exit 1; }
fi
echo "PostgreSQL and Redis are answering."
