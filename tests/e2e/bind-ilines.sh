#!/bin/sh
# bind-ilines.sh - make the I lines of a copied queue name its data files
# again: a copy (a git checkout, cp) gives every df a new inode, so the
# I<major>/<minor>/<inode> line sendmail recorded no longer matches.
# For fixture preps:   sh "$E2E_TOOLS/bind-ilines.sh" QDIR [BASE]
# Every control file (qf hf Qf, and tf Tf: a rewrite sendmail finished but
# did not rename) of QDIR (and QDIR/qf/) with an I line gets the
# device and inode of its df: beside it or in QDIR/df/, or, when it has a
# d line, in BASE/<d line> (BASE defaults to QDIR), as queuename() finds it.
set -eu
q=$1
base=${2:-$1}
for cf in "$q"/[qhQtT]f* "$q"/qf/[qhQtT]f*; do
	[ -f "$cf" ] || continue
	grep -q '^I[0-9]*/[0-9]*/[0-9]*.\{0,1\}$' "$cf" || continue
	id=${cf##*/}
	id=${id#??}
	dirs="$q $q/df"
	d=$(sed -n 's/^d//p' "$cf" | head -n 1)
	[ -n "$d" ] && dirs="$base/$d $base/$d/df"
	df=
	for dir in $dirs; do
		[ -f "$dir/df$id" ] && df=$dir/df$id
	done
	[ -n "$df" ] || continue
	i=$(stat -c '%Hd/%Ld/%i' "$df")
	# (a CR LF file keeps its CR)
	sed -i "s|^I[0-9]*/[0-9]*/[0-9]*\(\r\{0,1\}\)\$|I$i\1|" "$cf"
done
