#!/usr/bin/env bash
# Verification throughput (issue 12), called by scripts/bench.sh (make bench) or alone.
#
# Builds the release server and the card load generator, starts a PostgreSQL of its own
# (scripts/pg.sh, fsync on), and for each backend — SQLite, then that PostgreSQL — seeds the
# demo data, starts `onshi serve`, and measures at 1, 8 and 32 connections:
#   number  POST /api/verify/number      wrk + scripts/bench/verify_number.lua
#   card    challenge + P-256 signature + POST /api/verify/card (本人同意)
#                                         server/examples/card_load.rs
#   xml     POST /onshi/OQSsiquc01req     wrk + scripts/bench/verify_xml.lua
# each request with a fresh client_id (XML: a fresh ArbitraryFileIdentifier), the clinic's
# 一括照会 recipients in turn. The reference, run just before each connection count on the same
# PostgreSQL: `pgbench -S -c N -j 2` (built-in select-only script, scale 10; its p50/p99 from
# its per-transaction log). Also the server's peak RSS (VmHWM) after all its loads.
# Writes the table between <!-- bench:verify --> markers of docs/benchmarks.md.
#
# Environment:
#   BENCH_VERIFY_SECONDS=10             each measurement's length
#   BENCH_VERIFY_CONNECTIONS="1 8 32"
#   BENCH_VERIFY_BACKENDS="sqlite postgres" (only sqlite when BENCH_VERIFY_DATA is given alone)
#   BENCH_VERIFY_DATA=DIR               an existing data directory (keys, SQLite database),
#                                       e.g. `onshi seed --profile national`'s: not seeded again;
#                                       a bench account and 16 cards are added to it
#   BENCH_VERIFY_DATABASE_URL=postgres://…  an existing database for the PostgreSQL run
#                                       (with BENCH_VERIFY_DATA for its keys): not seeded again
#   BENCH_VERIFY_LABEL=demo             what the data is, in the table's title
#   BENCH_VERIFY_BLOCK=verify           the docs/benchmarks.md block written ("" for none)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.tools/node_modules/.bin:$HOME/.cargo/bin:$PATH"
# shellcheck source=scripts/doc-block.sh
. scripts/doc-block.sh

seconds=${BENCH_VERIFY_SECONDS:-10}
connections=${BENCH_VERIFY_CONNECTIONS:-"1 8 32"}
given_data=${BENCH_VERIFY_DATA:-}
given_url=${BENCH_VERIFY_DATABASE_URL:-}
# A given data directory without a given PostgreSQL database: its SQLite database only.
default_backends="sqlite postgres"
[ -n "$given_data" ] && [ -z "$given_url" ] && default_backends=sqlite
backends=${BENCH_VERIFY_BACKENDS:-$default_backends}
label=${BENCH_VERIFY_LABEL:-demo}
block=${BENCH_VERIFY_BLOCK-verify}
doc=docs/benchmarks.md
target=${CARGO_TARGET_DIR:-target}
out=target/bench/verify
rm -rf "$out" && mkdir -p "$out"
out=$(cd "$out" && pwd)
step() { printf '\n\033[1m== %s\033[0m\n' "$*" >&2; }
command -v wrk >/dev/null || { echo "wrk is missing: run scripts/bootstrap.sh test" >&2; exit 1; }
command -v pgbench >/dev/null || { echo "pgbench is missing: run scripts/bootstrap.sh test" >&2; exit 1; }

step "release build (onshi, card_load)"
nice -n 5 cargo build --release --locked -p server --bin onshi --example card_load
target=$(cd "$target" && pwd)
onshi="$target/release/onshi"
card_load="$target/release/examples/card_load"

pg_dir=$(mktemp -d /tmp/onshi-bench-pg-XXXXXX)
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  scripts/pg.sh stop "$pg_dir"
  rm -rf "$pg_dir"
}
trap cleanup EXIT
step "PostgreSQL (fsync on) and pgbench -i -s 10"
eval "$(PG_DURABLE=1 scripts/pg.sh start "$pg_dir")"
pg_admin=$ONSHI_TEST_PG_ADMIN_URL
pg_base=${pg_admin%/postgres}
psql -q "$pg_admin" -c "CREATE DATABASE pgbench" -c "CREATE DATABASE onshi_bench" >/dev/null
pgbench -q -i -s 10 "$pg_base/pgbench" >"$out/pgbench-init.log" 2>&1
pg_version=$(psql -At "$pg_admin" -c "SHOW server_version" | cut -d' ' -f1)

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# percentile P of the numbers on standard input (sorted here), with 2 decimals
percentile() { sort -n | awk -v p="$1" '{ v[NR] = $1 } END { if (NR == 0) { print 0; exit } i = int(NR * p / 100 + 0.999999); if (i < 1) i = 1; if (i > NR) i = NR; printf "%.2f\n", v[i] }'; }

# pgbench -S at N connections: "tps p50_ms p99_ms"
reference() {
  local n=$1 threads=2 logs="$out/pgbench-$1"
  [ "$n" -lt 2 ] && threads=1
  rm -rf "$logs" && mkdir -p "$logs"
  local tps
  tps=$(cd "$logs" && pgbench -n -S -c "$n" -j "$threads" -T "$seconds" -l --log-prefix=txn "$pg_base/pgbench" 2>&1 \
    | tee "$out/pgbench-$n.log" | awk -F'= ' '/^tps/ { split($2, a, " "); printf "%.0f", a[1] }')
  local lat="$out/pgbench-$n.latency"
  cat "$logs"/txn* | awk '{ print $3 / 1000 }' >"$lat"
  rm -rf "$logs"
  echo "$tps $(percentile 50 <"$lat") $(percentile 99 <"$lat")"
}

# key=value fields of a figures line → "rps p50 p99 errors"
figures() { awk '/^requests=/ { for (i = 1; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] } print f["rps"], f["p50_ms"], f["p99_ms"], f["errors"] }'; }

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "–" }'; }

rows="$out/rows.md"
rss="$out/rss.md"
: >"$rows"
: >"$rss"

run_backend() {
  local backend=$1 data url="" port base name
  if [ -n "$given_data" ]; then data=$given_data; else data="$out/data-$backend"; fi
  if [ "$backend" = postgres ]; then
    url=${given_url:-$pg_base/onshi_bench}
  fi
  export DATABASE_URL="$url"
  if [ -z "$given_data" ] && { [ "$backend" = sqlite ] || [ -z "$given_url" ]; }; then
    step "$backend: onshi seed --profile demo"
    "$onshi" --data "$data" seed --profile demo >"$out/seed-$backend.log" 2>&1
  fi
  # The institution with the most tickets in force this month, and a bench account for it.
  local month sql code
  month=$(TZ=Asia/Tokyo date +%Y-%m)
  sql="SELECT institution_code FROM tickets WHERE status = 'active' AND treatment_month = '$month' GROUP BY institution_code ORDER BY COUNT(*) DESC, institution_code LIMIT 1"
  if [ "$backend" = sqlite ]; then
    code=$(sqlite3 "$data/onshi.sqlite3" "$sql")
  else
    code=$(psql -At "$url" -c "$sql")
  fi
  [ -n "$code" ] || { echo "$backend: no tickets in force this month ($month)" >&2; exit 1; }
  local login="bench-$(date +%s)-$RANDOM" password="bench-$RANDOM-$RANDOM-$RANDOM"
  echo "$password" | "$onshi" --data "$data" user add --role clinic --institution "$code" \
    --login "$login" --name ベンチマーク受付 >/dev/null
  local token
  token=$("$onshi" --data "$data" institution-token "$code" | tail -n 1)

  port=$(free_port)
  base="http://127.0.0.1:$port"
  mkdir -p "$out/no-app"
  RUST_LOG=warn "$onshi" --data "$data" serve --addr "127.0.0.1:$port" --static-dir "$out/no-app" \
    >"$out/serve-$backend.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 600); do
    curl -fs "$base/healthz" >/dev/null 2>&1 && break
    sleep 0.1
  done
  curl -fs "$base/healthz" >/dev/null || { cat "$out/serve-$backend.log" >&2; exit 1; }

  local cookie
  cookie=$(curl -fs -D - -o /dev/null -H 'Content-Type: application/json' \
    -d "{\"login\":\"$login\",\"password\":\"$password\"}" "$base/api/login" \
    | awk -F'[ ;]' 'tolower($1) == "set-cookie:" { print $2; exit }')
  [ -n "$cookie" ] || { echo "$backend: bench sign-in failed" >&2; exit 1; }
  local people="$out/people-$backend.tsv"
  curl -fs -H "Cookie: $cookie" "$base/api/verify/roster" \
    | jq -r '.recipients[:2000][] | [.office_number, .recipient_number, .birth_date] | @tsv' >"$people"
  [ -s "$people" ] || { echo "$backend: the roster of $code is empty" >&2; exit 1; }
  name=$(curl -fs -H "Cookie: $cookie" "$base/api/verify/roster" | jq -r .institution_name)
  step "$backend: $(wc -l <"$people") recipients with tickets at $code ($name); cards for 16 of them"
  local cards="$out/cards-$backend"
  mkdir -p "$cards"
  head -n 16 "$people" | while IFS=$'\t' read -r office number _; do
    echo 1234 | "$onshi" --data "$data" card issue "$office" "$number" --out "$cards/$office-$number.json" >/dev/null
  done

  local n run what result
  for n in $connections; do
    step "$backend, $n connections: pgbench -S (reference)"
    local ref
    ref=$(reference "$n")
    read -r ref_tps ref_p50 ref_p99 <<<"$ref"
    local threads=2
    [ "$n" -lt 2 ] && threads=1
    for what in number card xml; do
      step "$backend, $n connections: $what"
      run="bench-$backend-$n-$what-$RANDOM"
      case $what in
        number)
          result=$(wrk -t"$threads" -c"$n" -d"${seconds}s" -H "Cookie: $cookie" \
            -s scripts/bench/verify_number.lua "$base" -- "$people" "$run") ;;
        card)
          result=$("$card_load" --addr "127.0.0.1:$port" --cookie "$cookie" --cards "$cards" \
            --pin 1234 --connections "$n" --seconds "$seconds") ;;
        xml)
          result=$(wrk -t"$threads" -c"$n" -d"${seconds}s" -H "Authorization: Bearer $token" \
            -s scripts/bench/verify_xml.lua "$base" -- "$people" "$run" "$code") ;;
      esac
      echo "$result" | tee "$out/$backend-$n-$what.log" >&2
      read -r rps p50 p99 errors <<<"$(echo "$result" | figures)"
      [ "${errors:-1}" = 0 ] || { echo "$backend $what at $n connections: $errors errors" >&2; exit 1; }
      printf '| %s | %s | %s | %s | **%s** | %s | %s | %s (%s / %s) |\n' \
        "$what" "$backend" "$n" "$rps" "$(ratio "$rps" "$ref_tps")" "$p50" "$p99" \
        "$ref_tps" "$ref_p50" "$ref_p99" >>"$rows"
    done
  done
  local hwm
  hwm=$(awk '/^VmHWM/ { printf "%.0f MB", $2 / 1024 }' "/proc/$server_pid/status")
  echo "| $backend | $hwm |" >>"$rss"
  kill "$server_pid"
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
  unset DATABASE_URL
}

for backend in $backends; do
  run_backend "$backend"
done

cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
{
  echo
  echo "Data: $label. Each row: $seconds s; the reference is \`pgbench -S -c N -j 2\` (scale 10) on the same PostgreSQL $pg_version (fsync on), run just before."
  echo
  echo "| Verification | Backend | Connections | Verifications/s | × pgbench -S | p50 ms | p99 ms | pgbench -S tps (p50 / p99 ms) |"
  echo "|---|---|---|---|---|---|---|---|"
  cat "$rows"
  echo
  echo "| Server | Peak RSS (VmHWM) over all its loads |"
  echo "|---|---|"
  cat "$rss"
  echo
  echo "Command: \`scripts/bench-verify.sh\` (\`make bench\`). Measured $(date -u '+%Y-%m-%d %H:%M UTC') on ${cpu:-unknown CPU} ($(nproc) cores), $(rustc --version | cut -d' ' -f1-2), release profile, wrk $(wrk -v 2>&1 | awk 'NR == 1 { print $2 }'), load generator on the same machine."
  echo
} | tee "$out/verify.md"
if [ -n "$block" ]; then
  update_block bench "$doc" "$block" "$out/verify.md"
fi
