#!/usr/bin/env bash
# make soak: the long runs of the permanent checks (issue 15), with their figures written
# between the markers <!-- soak:NAME --> and <!-- /soak:NAME --> of docs/reliability.md.
#
#   fuzz        every parser harness of fuzz/ for SOAK_MINUTES minutes each (default 10):
#               seeded mutation of fuzz/corpus/<target>/ (the `soak` binary, stable Rust),
#               or libFuzzer through cargo-fuzz when SOAK_ENGINE=libfuzzer (needs
#               `cargo install cargo-fuzz` and a nightly toolchain)
#   durability  the kill -9 test with SOAK_KILLS kills (default 50), on SQLite and on a
#               PostgreSQL started here
#
# A crash leaves its input in target/soak/<target>/ (crash-N, or `current` after an abort):
# add it to the parser's table tests and to fuzz/corpus/<target>/, then fix the parser.
# Exits non-zero when anything crashed or failed, after writing the figures.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
mkdir -p .tmp
export TMPDIR="$PWD/.tmp"
minutes="${SOAK_MINUTES:-10}"
seconds="${SOAK_SECONDS:-$((minutes * 60))}"   # per fuzz target; SOAK_SECONDS for a quick try
kills="${SOAK_KILLS:-50}"
engine="${SOAK_ENGINE:-mutation}"
seed="${SOAK_SEED:-$(date +%s)}"
target_dir="${CARGO_TARGET_DIR:-target}"
out="$target_dir/soak"
doc=docs/reliability.md
mkdir -p "$out"
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
pg_dir=$(mktemp -d /tmp/onshi-pg-XXXXXX)
cleanup() { scripts/pg.sh stop "$pg_dir" >/dev/null 2>&1 || true; rm -rf "$pg_dir"; }
trap cleanup EXIT
failed=0

# shellcheck source=scripts/doc-block.sh
. scripts/doc-block.sh

when() {
  echo "Run $(date -u '+%Y-%m-%d %H:%M UTC') at $(git rev-parse --short HEAD 2>/dev/null || echo '?') on $(nproc 2>/dev/null || echo '?') cores, $(rustc --version | cut -d' ' -f1-2)."
}

step "fuzz: $seconds s per target ($engine, seed $seed)"
fuzz_log="$out/fuzz.txt"
: >"$fuzz_log"
if [ "$engine" = libfuzzer ]; then
  for t in numbers csv_imports checkup_cda onshi_xml receipts claims_file; do
    work="$out/libfuzzer-corpus/$t"
    mkdir -p "$work"
    if cargo +nightly fuzz run --fuzz-dir fuzz/libfuzzer "$t" "$work" fuzz/corpus/"$t" -- \
      -max_total_time="$seconds" -seed="$seed" -artifact_prefix="$out/$t-" 2>"$out/$t.log"; then
      echo "$t: $(grep -o 'Done [0-9]* runs in [0-9]* second(s)' "$out/$t.log" | tail -1), 0 crashes" | tee -a "$fuzz_log"
    else
      echo "$t: CRASH (see $out/$t.log and $out/$t-*)" | tee -a "$fuzz_log"
      failed=1
    fi
  done
else
  cargo build --release --locked -p fuzz --bin soak
  "$target_dir/release/soak" all --seconds "$seconds" --seed "$seed" --out "$out" | tee "$fuzz_log" || failed=1
fi
{
  echo
  when
  echo
  echo '| target | result |'
  echo '|---|---|'
  sed -E 's/^([a-z_]+): (.*)$/| `\1` | \2 |/' "$fuzz_log"
  echo
} >"$out/fuzz.md"
update_block soak "$doc" fuzz "$out/fuzz.md"

step "durability: $kills kills, SQLite and PostgreSQL"
durability_log="$out/durability.txt"
: >"$durability_log"
run_durability() {
  ONSHI_DURABILITY_KILLS="$kills" cargo test --locked -p server --test durability -- --nocapture 2>&1 |
    tee "$out/durability-$1.log" | grep -E '^durability \(' >>"$durability_log" || {
      echo "durability ($1): FAILED (see $out/durability-$1.log)" >>"$durability_log"
      failed=1
    }
}
run_durability sqlite
eval "$(scripts/pg.sh start "$pg_dir")"
export ONSHI_TEST_PG_ADMIN_URL
run_durability postgresql
unset ONSHI_TEST_PG_ADMIN_URL
cat "$durability_log"
{
  echo
  when
  echo
  sed -E 's/^/- /' "$durability_log"
  echo
} >"$out/durability.md"
update_block soak "$doc" durability "$out/durability.md"

step "slow clients: ${SOAK_SLOW_CLIENTS:-16000} connections against the release server"
cargo build --locked --release -p server
slow_log="$out/slow-clients.txt"
if ! ONSHI_BIN="${CARGO_TARGET_DIR:-target}/release/onshi" scripts/soak-slow-clients.sh "${SOAK_SLOW_CLIENTS:-16000}" >"$slow_log" 2>&1; then
  echo "slow clients: FAILED" >>"$slow_log"
  failed=1
fi
if grep -q 'Too many open files' "$slow_log"; then failed=1; fi
cat "$slow_log"
{
  echo
  when
  echo
  sed -E 's/^/- /' "$slow_log"
  echo
} >"$out/slow-clients.md"
update_block soak "$doc" slow-clients "$out/slow-clients.md"

if [ "$failed" -ne 0 ]; then
  echo "soak: something crashed or failed (figures written to $doc)" >&2
  exit 1
fi
echo "soak: no crash, nothing lost, nothing doubled (figures in $doc)"
