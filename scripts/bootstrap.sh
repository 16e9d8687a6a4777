#!/usr/bin/env bash
# Install whatever the build needs and is missing. Idempotent, offline-safe:
# only crates.io, npm and Debian packages are used; nothing downloads a prebuilt binary.
#   scripts/bootstrap.sh build   # wasm target, trunk, wasm-bindgen-cli, wasm-opt (npm binaryen)
#   scripts/bootstrap.sh test    # the above + Chromium, chromedriver, PostgreSQL, playwright-core, axe-core
set -euo pipefail
cd "$(dirname "$0")/.."
what="${1:-build}"
TRUNK_VERSION=0.21.14
BINARYEN_VERSION=132.0.0
WASM_BINDGEN_VERSION=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/,""); print; exit}' Cargo.lock)

say() { printf '\033[1m[bootstrap]\033[0m %s\n' "$*"; }

if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  say "rustup target add wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

if [ "$(trunk --version 2>/dev/null | awk '{print $2}')" != "$TRUNK_VERSION" ]; then
  say "cargo install trunk $TRUNK_VERSION (about 12 minutes on 2 cores, once)"
  cargo install --locked trunk --version "$TRUNK_VERSION"
fi

if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$WASM_BINDGEN_VERSION" ]; then
  say "cargo install wasm-bindgen-cli $WASM_BINDGEN_VERSION (about 4 minutes, once)"
  # Without --locked: its lockfile pins a crate version the registry does not serve.
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
fi

if [ ! -x .tools/node_modules/.bin/wasm-opt ] || ! .tools/node_modules/.bin/wasm-opt --version | grep -q "version ${BINARYEN_VERSION%%.*}"; then
  say "npm install binaryen $BINARYEN_VERSION (wasm-opt)"
  mkdir -p .tools
  (cd .tools && npm install --no-audit --no-fund --loglevel=error "binaryen@$BINARYEN_VERSION" >/dev/null)
fi

if [ "$what" = test ]; then
  need_apt=()
  [ -x /usr/bin/chromium ] || need_apt+=(chromium)
  [ -x /usr/bin/chromedriver ] || need_apt+=(chromium-driver)
  ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || need_apt+=(postgresql)
  # Japanese glyphs for screenshots and PDF printing.
  fc-list 2>/dev/null | grep -qi 'noto.*cjk' || need_apt+=(fonts-noto-cjk)
  # pdftotext: the print test reads the text of the PDF Chromium prints.
  command -v pdftotext >/dev/null 2>&1 || need_apt+=(poppler-utils)
  # sqlite3: the deadline test closes office days in the demo database (no route writes them).
  command -v sqlite3 >/dev/null 2>&1 || need_apt+=(sqlite3)
  # make bench (scripts/bench-verify.sh): wrk, the load generator; jq reads the roster.
  command -v wrk >/dev/null 2>&1 || need_apt+=(wrk)
  command -v jq >/dev/null 2>&1 || need_apt+=(jq)
  command -v curl >/dev/null 2>&1 || need_apt+=(curl)
  if [ ${#need_apt[@]} -gt 0 ]; then
    say "apt-get install ${need_apt[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${need_apt[@]}" >/dev/null
  fi
  if [ ! -d tests/node_modules/playwright-core ] || [ ! -d tests/node_modules/axe-core ]; then
    say "npm ci (playwright-core, axe-core) in tests/"
    (cd tests && npm ci --no-audit --no-fund --loglevel=error >/dev/null 2>&1 || npm install --no-audit --no-fund --loglevel=error >/dev/null)
  fi
fi
say "tools ready"
