#!/usr/bin/env bash
# Writes sw.js (from public/sw.js) with the list of every file of this build, so the
# service worker precaches the app shell, and a version derived from their contents,
# so any change to any file makes a new sw.js (and the app offers the new version).
#
# scripts/build-app.sh runs it on the put-together dist/ (every bundle's page and files).
# By hand, after editing a page in dist/ (e.g. the onshi-api-origin meta of dist/*.html):
#   scripts/sw-manifest.sh dist
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-$root/dist}"
template="$root/public/sw.js"
public_url="${PUBLIC_URL:-/}"
case "$public_url" in */) ;; *) public_url="$public_url/" ;; esac

[ -d "$out" ] || { echo "sw-manifest: no such directory: $out" >&2; exit 1; }
[ -f "$out/signin.html" ] || { echo "sw-manifest: $out/signin.html is missing (scripts/build-app.sh builds it)" >&2; exit 1; }
[ -f "$template" ] || { echo "sw-manifest: template $template is missing" >&2; exit 1; }

cd "$out"
# Not the build's gzip copies (build-app.sh): the server sends them in place of their files.
mapfile -t files < <(find . -type f ! -path ./sw.js ! -name '*.map' ! -name '*.gz' ! -name '.*' | sed 's|^\./||' | LC_ALL=C sort)
[ "${#files[@]}" -gt 0 ] || { echo "sw-manifest: $out is empty" >&2; exit 1; }

list="$(mktemp)"
trap 'rm -f "$list"' EXIT
for file in "${files[@]}"; do
  case "$file" in
    *[\"\\\'\ ]*) echo "sw-manifest: refusing a file name that needs quoting: $file" >&2; exit 1 ;;
  esac
  printf "  '%s%s',\n" "$public_url" "$file" >>"$list"
done

# The version covers names and contents, and the template itself.
version="$( { sha256sum "${files[@]}"; sha256sum <"$template"; } | sha256sum | cut -c1-16)"

sed -e "s|__ONSHI_VERSION__|$version|" \
    -e "/\/\/ __ONSHI_PRECACHE__/{
r $list
d
}" "$template" >sw.js

echo "sw-manifest: sw.js v$version precaches ${#files[@]} files from $out"
