#!/bin/sh
# as-written.sh - make a copied queue's times what sendmail leaves: each
# control file's T line the second its df was created (collect() makes
# the df as the message comes in), and the control files written after
# their dfs (their mtime now).  A copy gives every file a new creation
# time, which mqfsck takes as a sign that a file is not the one an I line
# recorded (trust.h body_born_for()); fixtures that show bodies found by
# their inode need the times a real queue has, with a file "realtime"
# beside them (the harness then runs mqfsck on the real clock).
# For fixture preps, after bind-ilines.sh:   sh "$E2E_TOOLS/as-written.sh" QDIR
set -eu
q=$1
for cf in "$q"/[qhQtT]f* "$q"/qf/[qhQtT]f*; do
	[ -f "$cf" ] || continue
	id=${cf##*/}
	id=${id#??}
	df=
	for dir in "$q" "$q/df"; do
		[ -f "$dir/df$id" ] && df=$dir/df$id
	done
	[ -n "$df" ] || continue
	born=$(stat -c %W "$df")
	[ "$born" -gt 0 ] || continue
	sed -i "s|^T[0-9]*\(\r\{0,1\}\)\$|T$born\1|" "$cf"
	touch "$cf"
done
