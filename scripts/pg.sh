#!/usr/bin/env bash
# A throwaway PostgreSQL for the tests: its own data directory, socket and port, run as the
# `postgres` user (initdb refuses root).
#   eval "$(scripts/pg.sh start DIR)"   # prints: export ONSHI_TEST_PG_ADMIN_URL=…; export PG_DIR=…
#   scripts/pg.sh stop DIR
# PG_DURABLE=1: fsync and synchronous_commit on, as in production (make bench); the tests
# run without them.
set -euo pipefail
cmd="${1:?start|stop}"; dir="${2:?directory}"
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -x "$bin/postgres" ] || { echo "PostgreSQL server binaries not found: run scripts/bootstrap.sh test" >&2; exit 1; }
id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /usr/sbin/nologin postgres
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
case "$cmd" in
  start)
    mkdir -p "$dir"; chmod 755 "$dir"
    [ "$(id -u)" = 0 ] && chown postgres "$dir"
    durability="-c fsync=off -c synchronous_commit=off"
    [ "${PG_DURABLE:-}" = 1 ] && durability="-c fsync=on -c synchronous_commit=on"
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    as_pg "$bin/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; exit 1; }
    as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 $durability -c max_connections=200" start >/dev/null \
      || { cat "$dir/server.log" >&2; exit 1; }
    echo "export ONSHI_TEST_PG_ADMIN_URL=postgres://postgres@127.0.0.1:$port/postgres"
    ;;
  stop)
    [ -d "$dir/data" ] && as_pg "$bin/pg_ctl" -D "$dir/data" -m fast stop >/dev/null 2>&1 || true
    ;;
esac
