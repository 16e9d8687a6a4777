# Sourced by bench.sh and soak.sh: the figures they measure go into their document between
# markers, `<!-- KIND:NAME -->` … `<!-- /KIND:NAME -->`; the text around them is kept.
#
# update_block KIND DOC NAME FILE: replace the lines between the NAME markers of DOC with FILE.
update_block() {
  local kind="$1" doc="$2" name="$3" file="$4" tmp="$2.tmp"
  grep -q "<!-- $kind:$name -->" "$doc" || { echo "$doc has no <!-- $kind:$name --> block" >&2; exit 1; }
  awk -v opening="<!-- $kind:$name -->" -v closing="<!-- /$kind:$name -->" -v file="$file" '
    $0 == opening { print; while ((getline line < file) > 0) print line; skip = 1; next }
    $0 == closing { skip = 0 }
    !skip { print }
  ' "$doc" >"$tmp" && mv "$tmp" "$doc"
}
