#!/usr/bin/env bash
# make test: format and lints (rustfmt, clippy -D warnings native and wasm32, as `make lint`),
# unit and integration tests on SQLite, the same integration tests on a PostgreSQL started
# here, then the browser tests in headless Chromium against the real server and the real app
# bundle. Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.tools/node_modules/.bin:$HOME/.cargo/bin:$PATH"
mkdir -p .tmp
export TMPDIR="$PWD/.tmp"   # Chromium and tempfile leave their folders here, not in /tmp.
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
# Under /tmp, not the checkout: the `postgres` user must be able to reach it whatever the
# permissions of the folders above the checkout.
pg_dir=$(mktemp -d /tmp/onshi-pg-XXXXXX)
cleanup() { scripts/pg.sh stop "$pg_dir" || true; rm -rf "$pg_dir"; }
trap cleanup EXIT

# The same lints as `make lint`: rustfmt, clippy native, wasm32 with every role and each alone.
step "format and lints (rustfmt, clippy native and wasm32)"
scripts/lint.sh

step "unit and integration tests (SQLite)"
cargo test --locked --workspace --exclude app

step "app unit tests (native)"
cargo test --locked -p app --bin app

step "integration tests (PostgreSQL)"
eval "$(scripts/pg.sh start "$pg_dir")"
export ONSHI_TEST_PG_ADMIN_URL
cargo test --locked -p server --tests
unset ONSHI_TEST_PG_ADMIN_URL

step "build the app (trunk, release) and the server"
cargo fetch --locked
scripts/build-app.sh
cargo build --locked -p server

step "browser tests (headless Chromium)"
(cd tests && ONSHI_BIN="$PWD/../target/debug/onshi" ONSHI_DIST="$PWD/../dist" node --test --test-concurrency=1 e2e/)
