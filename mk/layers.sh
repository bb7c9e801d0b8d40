#!/bin/sh
# layers.sh - the include graph points down only, folder to folder:
#   format/ (0) <- system/ (1) <- model/ (2) <- repair/ (3) <- fsck/ (4)
# A file may include headers of its own layer or of a lower one; an
# include of a higher layer's header is an arrow running up.  The arrows
# still there (issue 11: repair/ reaches up into fsck/ to report and to
# read the queue sets) are listed in mk/layers.allow, one
# "file: header" a line; this script fails on any arrow not listed, and
# on a listed one that is gone (so the list only shrinks).
# Usage: sh mk/layers.sh (from the top of the tree); prints one line per
# finding and "layers: ok" or "layers: N problems"; exits 0 or 1.
set -u
cd "$(dirname "$0")/.." || exit 1
rank() {
	case $1 in
	format) echo 0 ;;
	system) echo 1 ;;
	model) echo 2 ;;
	repair) echo 3 ;;
	fsck) echo 4 ;;
	*) echo -1 ;;
	esac
}
allow=mk/layers.allow
found=$(mktemp)
trap 'rm -f "$found"' EXIT
for f in format/*.[ch] system/*.[ch] model/*.[ch] model/*.def repair/*.[ch] \
    fsck/*.[ch]; do
	[ -f "$f" ] || continue
	from=${f%%/*}
	rf=$(rank "$from")
	sed -n 's/^#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f" |
	while read -r h; do
		to=
		for d in format system model repair fsck; do
			[ -f "$d/$h" ] && to=$d
		done
		if [ -z "$to" ]; then
			echo "$f: $h: no such header in format/ system/ model/ repair/ fsck/"
			continue
		fi
		[ "$(rank "$to")" -le "$rf" ] || echo "$f: $h"
	done
done >"$found"
n=0
while IFS= read -r l; do
	if ! grep -qxF "$l" "$allow"; then
		echo "up: $l (an include of a higher layer's header)"
		n=$((n + 1))
	fi
done <"$found"
while IFS= read -r l; do
	case $l in '#'* | '') continue ;; esac
	if ! grep -qxF "$l" "$found"; then
		echo "gone: $l (take it out of $allow)"
		n=$((n + 1))
	fi
done <"$allow"
if [ "$n" -eq 0 ]; then
	echo "layers: ok ($(grep -vc '^#\|^$' "$allow") known arrows up, listed in $allow)"
	exit 0
fi
echo "layers: $n problems"
exit 1
