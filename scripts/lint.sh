#!/usr/bin/env bash
# The lints of `make lint` and `make test`: rustfmt, then clippy -D warnings on the native
# crates and on the app for wasm32, with all its roles and with each role bundle alone (each
# bundle is built alone by scripts/build-app.sh: code that only one feature set compiles, or
# leaves unused, is checked the way it ships).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

cargo fmt --all -- --check
cargo clippy --locked --workspace --exclude app --all-targets -- -D warnings
cargo clippy --locked -p app --target wasm32-unknown-unknown -- -D warnings
roles=$(sed -n 's/^\(role-[a-z-]*\) = .*/\1/p' app/Cargo.toml)
[ -n "$roles" ] || { echo "lint: no role-* features in app/Cargo.toml" >&2; exit 1; }
for role in $roles; do
  echo "lint: app with $role alone"
  cargo clippy --locked -p app --target wasm32-unknown-unknown --no-default-features \
    --features "$role" -- -D warnings
done
