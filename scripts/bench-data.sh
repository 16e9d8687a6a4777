#!/usr/bin/env bash
# The data-scale figures of `make bench` (called by scripts/bench.sh after the screening steps;
# runs alone too). Each writes its table between the markers of docs/benchmarks.md:
#
#   national          `onshi seed --profile national` into a new SQLite data directory:
#                     time and database size (kept in target/bench/national for the steps below)
#   roster            一括照会 of a clinic with 1,000 医療券 in that database, server time
#   feed              the daily feed of a day of 500,000 verifications across its 1,250 offices
#   screening-sql     頻回受診 as one SQL query in SQLite over the screening benchmark's input,
#                     against `screen` in WebAssembly of the same run
#
# Then, when scripts/bench-verify.sh is there, the verification throughput on the national
# database: BENCH_VERIFY_DATA=target/bench/national scripts/bench-verify.sh (that directory's
# bench-verify.env names a clinic account and a recipient with a 医療券 there).
#
# Times on a 2-core machine shared with other builds: national seed 3–5 min, the rest 2–4 min.
# BENCH_FEED_VERIFICATIONS (500000) and BENCH_ROSTER_RUNS (100) change the sizes.
# BENCH_DATA_STEPS (default "national roster feed screening-sql verify") runs only the steps
# it names, e.g. BENCH_DATA_STEPS="roster feed" on the national database kept by an earlier run.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.tools/node_modules/.bin:$HOME/.cargo/bin:$PATH"
out=target/bench
doc=docs/benchmarks.md
bin="${CARGO_TARGET_DIR:-target}/release"
mkdir -p "$out"
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

# shellcheck source=scripts/doc-block.sh
. scripts/doc-block.sh

machine() {
  local cpu
  cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
  echo "Measured $(date -u +%Y-%m-%d) on ${cpu:-unknown CPU} ($(nproc 2>/dev/null || echo '?') cores), $(rustc --version | cut -d' ' -f1-2), $1. Command: \`$2\`."
}

# table NAME COMMAND-LABEL: the rows on stdin as NAME's block (with its header and machine line).
table() {
  local name="$1" label="$2" file="$out/$1.md"
  {
    echo
    echo "| | |"
    echo "|---|---|"
    cat
    echo
    machine "release profile, SQLite" "$label"
    echo
  } >"$file"
  cat "$file"
  update_block bench "$doc" "$name" "$file"
}

seconds() { date +%s.%N; }

steps=" ${BENCH_DATA_STEPS:-national roster feed screening-sql verify} "
wanted() { [[ "$steps" == *" $1 "* ]]; }

step "data benchmarks: release build (onshi, data_bench)"
cargo build --release --locked -p server --bin onshi --example data_bench

# --- national ---------------------------------------------------------------------------------
national="$out/national"
if wanted national; then
step "onshi seed --profile national (SQLite)"
rm -rf "$national"
started=$(seconds)
report=$("$bin/onshi" --data "$national" seed --profile national 2>"$out/national.log")
ended=$(seconds)
echo "$report"
db_bytes=$(du -cb "$national"/onshi.sqlite3* | tail -1 | cut -f1)
awk -v s="$started" -v e="$ended" -v b="$db_bytes" -v r="$report" 'BEGIN {
  t = e - s
  printf "| Data | %s |\n", r
  printf "| Time | %d min %02d s (target ≤ 10 min) |\n", int(t / 60), int(t % 60 + 0.5)
  printf "| Database size | %.2f GB (onshi.sqlite3 and its WAL; target ≤ 4 GB) |\n", b / 1e9
}' | table national "onshi --data $national seed --profile national"
elif [ ! -f "$national/onshi.sqlite3" ]; then
  echo "no national database in $national: run with national in BENCH_DATA_STEPS first" >&2
  exit 1
fi

# --- 一括照会 ---------------------------------------------------------------------------------
if wanted roster; then
step "一括照会 of a clinic with 1,000 医療券 (national database)"
"$bin/examples/data_bench" roster --data "$national" --runs "${BENCH_ROSTER_RUNS:-100}" |
  table roster "data_bench roster --data $national"
fi

# --- daily feed -------------------------------------------------------------------------------
if wanted feed; then
step "daily feed of a day of ${BENCH_FEED_VERIFICATIONS:-500000} verifications (national database)"
rm -rf "$out/feed-files"
"$bin/examples/data_bench" feed --data "$national" --files "$out/feed-files" \
  --verifications "${BENCH_FEED_VERIFICATIONS:-500000}" |
  table feed "data_bench feed --data $national --files $out/feed-files"
fi

# --- 頻回受診 in SQL --------------------------------------------------------------------------
if wanted screening-sql; then
step "頻回受診 as one SQL query (SQLite) vs screen in WebAssembly"
input="$out/screening-input.json"
if [ ! -f "$input" ]; then
  cargo build --release --locked -p domain --example screening_bench
  "$bin/examples/screening_bench" --runs 1 --out "$out" >/dev/null
fi
wasm=()
# The WebAssembly figure only when it was measured on this input (the same run of bench.sh).
if [ -f "$out/screening-wasm.md" ] && [ "$out/screening-wasm.md" -nt "$input" ]; then
  wasm=(--wasm "$out/screening-wasm.md")
fi
rm -rf "$out/screening-sql"
"$bin/examples/data_bench" screening-sql --data "$out/screening-sql" --input "$input" "${wasm[@]}" |
  table screening-sql "data_bench screening-sql --input $input"
rm -rf "$out/screening-sql"
fi

# --- verification throughput on the national database ----------------------------------------
if ! wanted verify; then
  :
elif [ -x scripts/bench-verify.sh ]; then
  step "verification throughput on the national database"
  BENCH_VERIFY_DATA="$national" BENCH_VERIFY_LABEL=national BENCH_VERIFY_BLOCK=verify-national \
    scripts/bench-verify.sh
else
  echo "scripts/bench-verify.sh is not there: no verification throughput on $national"
fi
