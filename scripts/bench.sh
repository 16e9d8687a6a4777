#!/usr/bin/env bash
# make bench: the benchmarks whose figures are kept in docs/benchmarks.md. Each writes its
# table between the markers <!-- bench:NAME --> and <!-- /bench:NAME --> of that file.
#
#   screening-native  domain::screening::screen over three months of a synthetic
#                     100,000-recipient office (domain/examples/screening_bench.rs)
#   screening-wasm    the same input screened by the app's WebAssembly in Chromium
#                     (the browser half: see "Screening in WebAssembly" below)
#   app-load          each role's first page in Chromium: bytes fetched (raw, gzip) and
#                     time to first render, cold and from the service worker
#                     (tests/bench/first_load.mjs)
#   verify            verification by number, card and onshi XML over HTTP on SQLite and
#                     PostgreSQL, against pgbench -S in the same run (scripts/bench-verify.sh)
#   national, roster, feed, screening-sql: scripts/bench-data.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.tools/node_modules/.bin:$HOME/.cargo/bin:$PATH"
out=target/bench
doc=docs/benchmarks.md
mkdir -p "$out"
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

# shellcheck source=scripts/doc-block.sh
. scripts/doc-block.sh

machine() {
  local cpu
  cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
  echo "Measured $(date -u +%Y-%m-%d) on ${cpu:-unknown CPU} ($(nproc 2>/dev/null || echo '?') cores), $(rustc --version | cut -d' ' -f1-2), $1."
}

step "screening, native (release build)"
cargo build --release --locked -p domain --example screening_bench
{
  echo
  echo "| | |"
  echo "|---|---|"
  ./target/release/examples/screening_bench --runs 7 --out "$out"
  gz=$(gzip -6 -c "$out/screening-input.json" | wc -c)
  awk -v b="$gz" 'BEGIN { printf "| Input JSON gzip -6 (as served: gzip response compression) | %.1f MB |\n", b / 1e6 }'
  echo
  machine "release profile"
  echo
} | tee "$out/screening-native.md"
update_block bench "$doc" screening-native "$out/screening-native.md"
# The input and the expected CSV the WebAssembly half reads:
#   $out/screening-input.json   (the body of GET /api/office/screening/data for that office)
#   $out/screening-result.csv   (domain::screening::to_csv of the native result)

# --- Screening in WebAssembly (Chromium) ---------------------------------------------------
# The app's release build (the office-tools bundle the caseworker's screening page gets),
# opened in headless Chromium;
# tests/bench/screening_wasm.mjs calls window.wasmBindings.bench_screen (app/src/bench.rs):
# parse $out/screening-input.json, domain::screening::screen, to_csv — and fails unless the
# CSV equals $out/screening-result.csv byte for byte.
step "screening, WebAssembly in Chromium (scripts/build-app.sh)"
scripts/build-app.sh
node tests/bench/screening_wasm.mjs --dist dist --input "$out/screening-input.json" \
  --expected "$out/screening-result.csv" --runs 7 --out "$out/screening-wasm.md"
update_block bench "$doc" screening-wasm "$out/screening-wasm.md"
# -------------------------------------------------------------------------------------------

step "the app's first load per role, in Chromium"
cargo build --locked -p server
ONSHI_BIN="$PWD/target/debug/onshi" ONSHI_DIST="$PWD/dist" \
  node tests/bench/first_load.mjs --runs 5 --out "$out/app-load.md"
update_block bench "$doc" app-load "$out/app-load.md"
step "verification throughput (scripts/bench-verify.sh)"
scripts/bench-verify.sh
scripts/bench-data.sh # national seed, 一括照会, daily feed, 頻回受診 in SQL (see its header)

echo
echo "Results: $doc"
