#!/usr/bin/env bash
# Builds the browser app into dist/: one Trunk build per bundle (domain::bundle::Bundle),
# one per `role-*` feature of app/Cargo.toml, each with only that feature, so each role
# downloads only its own WebAssembly. Each bundle's Trunk entry app/entries/<name>.html is
# written here from app/entry.html (generated, gitignored). Each build goes to a folder of its own (Trunk
# empties its dist), then dist/ gets every bundle's files (hashed names), each entry's page
# as <name>.html, and sw.js listing all of them (scripts/sw-manifest.sh).
# Used by `make app` (so `make run`), scripts/test.sh and scripts/bench.sh.
#   scripts/build-app.sh            # all bundles → dist/
#   scripts/build-app.sh portal     # only these bundles rebuilt (the others kept from the last build)
set -euo pipefail
cd "$(dirname "$0")/.."
stage="${CARGO_TARGET_DIR:-$PWD/target}/app-bundles"
mkdir -p "$stage"

all=()
for feature in $(sed -n 's/^role-\([a-z-]*\) = .*/\1/p' app/Cargo.toml); do all+=("$feature"); done
[ ${#all[@]} -gt 0 ] || { echo "build-app: no role-* features in app/Cargo.toml" >&2; exit 1; }
mkdir -p app/entries
for name in "${all[@]}"; do
  entry="app/entries/$name.html"
  sed "s/@BUNDLE_NAME@/$name/g" app/entry.html > "$entry.new"
  # Rewritten only when it changed: Trunk's and cargo's change detection see the same file.
  if cmp -s "$entry.new" "$entry"; then rm "$entry.new"; else mv "$entry.new" "$entry"; fi
done
wanted=("$@")
[ ${#wanted[@]} -gt 0 ] || wanted=("${all[@]}")

for name in "${wanted[@]}"; do
  [ -f "app/entries/$name.html" ] || { echo "build-app: no bundle $name (a role-$name feature in app/Cargo.toml)" >&2; exit 1; }
  echo "build-app: $name"
  trunk build --release --offline --dist "$stage/$name" "app/entries/$name.html"
done

next="$(mktemp -d "${TMPDIR:-/tmp}/onshi-dist-XXXXXX")"
trap 'rm -rf "$next"' EXIT
for name in "${all[@]}"; do
  [ -f "$stage/$name/index.html" ] || { echo "build-app: bundle $name was never built (run scripts/build-app.sh)" >&2; exit 1; }
  cp "$stage/$name/index.html" "$next/$name.html"
  (cd "$stage/$name" && find . -type f ! -name index.html ! -name '.*' -print0) |
    while IFS= read -r -d '' file; do
      target="$next/${file#./}"
      # Shared files (CSS, icon) carry the hash of their content: the same name is the same file.
      if [ -e "$target" ] && ! cmp -s "$stage/$name/$file" "$target"; then
        echo "build-app: $file differs between bundles" >&2; exit 1
      fi
      mkdir -p "$(dirname "$target")"
      cp "$stage/$name/$file" "$target"
    done
done
scripts/sw-manifest.sh "$next"
# A gzip -9 copy beside each file whose name carries the hash of its content (WebAssembly,
# JS, CSS: never stale), which `onshi serve` sends to a browser that accepts gzip instead of
# compressing the file on the fly at its default level (the reception's first load: 403 KB
# on the fly). Not sw.js and the pages: sw-manifest.sh may rewrite them after a hand edit.
find "$next" -type f \( -name '*.wasm' -o -name '*.js' -o -name '*.css' \) ! -name sw.js \
  -exec gzip -9 -k -n {} +
rm -rf dist
cp -r "$next" dist
chmod -R a+rX dist
echo "build-app: dist/ holds ${#all[@]} bundles: ${all[*]}"
