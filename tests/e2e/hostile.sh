#!/bin/sh
# hostile.sh - randomized hostile queues (issue 10): each seed builds a
# queue of real jobs (sendmail 8.17's, from the corpus fixtures) plus
# random plants an unprivileged user could make: files of every letter,
# for real jobs' ids and for new ones, owned by nobody (or root, for new
# ids only: root's files are trusted by definition), with any mode,
# sparse sizes, symbolic and hard links to files outside, FIFOs,
# lost+found entries, names with control bytes.  Then mqfsck -n, -p, -y,
# -v --json, --list and --restore, and after each the invariants:
#   trusted   no untrusted file became trusted: every qf and hf in the
#             queue is a real job's, root's, closed to others; no control
#             file nobody owned was chowned or renamed to qf/hf
#   jobs      no real job was lost: its qf and df are there, unchanged
#   outside   nothing outside the queue and the archive directory
#             changed (contents, owner, mode, mtime)
#   bounded   every run ends within its time limit (a terabyte sparse
#             file is never read)
#   escapes   no raw control byte (C0 but tab and newline, DEL, C1),
#             and no byte that is not ASCII, in any output
#   restore   nothing restored with a set-id bit, no control file of
#             nobody or writable by others
# Usage: MQ_MQFSCK=/abs/mqfsck hostile.sh [FIRST_SEED [COUNT]]
#   (MQ_HOSTILE_SEEDS=COUNT also sets the count; default 12)
# Prints "ok hostile/<seed>" or "FAIL hostile/<seed>: ..." per seed.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
mqfsck=${MQ_MQFSCK:?set MQ_MQFSCK to the mqfsck binary}
case $mqfsck in /*) ;; *) mqfsck=$(pwd)/$mqfsck ;; esac
first=${1:-1}
count=${2:-${MQ_HOSTILE_SEEDS:-12}}
limit=${MQ_HOSTILE_LIMIT:-120}
# (MQ_HOSTILE_KEYARGS= runs a build without --key, to show the test fails)
keyargs=${MQ_HOSTILE_KEYARGS---key keys/k}

if [ "$(id -u)" -ne 0 ]; then
	echo "skip hostile (needs root: plants are nobody's)"
	exit 0
fi

ARGS="-c none --assume-stopped --owner root -o QueueFileMode=0640 -o TempFileMode=0640 -o DontBlameSendmail=TrustStickyBit --no-syslog"
MQFSCK_TIME=1795420800
export MQFSCK_TIME

# Real jobs: control and data file pairs of the corpus.
jobs_src=$(cd "$root/fixtures" && for f in c_*/queue/qf*; do
	[ -f "$f" ] && [ -f "${f%/qf*}/df${f##*/qf}" ] && echo "$f"
done)

# rnd SEED N - N pseudo-random numbers (0..999999), one a line
rnd() {
	awk -v s="$1" -v n="$2" 'BEGIN { srand(s); for (i = 0; i < n; i++) printf "%d\n", int(rand() * 1000000) }'
}

# listing DIR - what must not change about a tree: path, type, owner,
# mode, size, mtime, and the contents' digests of all but huge files
# (a planted terabyte is compared by size; not the link count: a queue
# name of a hard link may go)
listing() {
	(cd "$1" && find . -printf '%p %y %U %m %s %T@\n' | LC_ALL=C sort &&
	    find . -type f -size -64M -exec sha256sum {} + | LC_ALL=C sort)
}

# raw_controls FILE... - lines with a raw control byte, or any byte that
# is not ASCII (esc.h: what mqfsck writes is printable ASCII, tab and
# newline, whatever the names hold)
raw_controls() {
	LC_ALL=C grep -n -P '[\x00-\x08\x0b-\x1f\x7f-\xff]' "$@"
}

one_seed() {
	seed=$1
	T=$(mktemp -d /tmp/mqfsck-hostile.XXXXXX)
	chmod 0755 "$T"
	q=$T/queue
	mkdir "$q" "$T/outside" "$T/lf" "$T/keys"
	chmod 0750 "$q"
	chmod 0700 "$T/keys"
	why=
	set -- $(rnd "$seed" 400)

	# ------------------------------------------------------------------
	# Real jobs: 3 to 6 pairs.
	njobs=$((3 + $1 % 4)); shift
	nsrc=$(printf '%s\n' "$jobs_src" | wc -l)
	: >"$T/real"
	k=0
	while [ $k -lt $njobs ]; do
		src=$(printf '%s\n' "$jobs_src" | sed -n "$(($1 % nsrc + 1))p"); shift
		id=${src##*/qf}
		if [ ! -e "$q/qf$id" ]; then
			cp "$root/fixtures/$src" "$q/qf$id"
			cp "$root/fixtures/${src%/qf*}/df$id" "$q/df$id"
			echo "$id" >>"$T/real"
		fi
		k=$((k + 1))
	done
	sh "$here/bind-ilines.sh" "$q"
	chmod 0640 "$q"/*
	for f in "$q"/*; do touch -d @1795413600 "$f"; done

	# Outside: what plants point at.
	echo "root:x:0:0:root:/root:/bin/sh" >"$T/outside/secret"
	chmod 0600 "$T/outside/secret"
	echo "linked" >"$T/outside/hardfile"
	chmod 0644 "$T/outside/hardfile"
	touch -d @1795000000 "$T/outside/secret" "$T/outside/hardfile"

	# ------------------------------------------------------------------
	# Plants: 6 to 16.
	nplants=$((6 + $1 % 11)); shift
	[ $(($1 % 3)) -eq 0 ] && chmod 1777 "$T/lf"; shift
	realids=$(cat "$T/real")
	k=0
	while [ $k -lt $nplants ]; do
		r1=$1 r2=$2 r3=$3 r4=$4 r5=$5
		shift 5
		letters="q d t x h Q T"
		l=$(echo $letters | cut -d' ' -f$((r1 % 7 + 1)))
		# A real job's id (nobody's plant only) or a new one.
		if [ $((r2 % 2)) -eq 0 ]; then
			id=$(printf '%s\n' $realids | sed -n "$((r2 / 2 % njobs + 1))p")
			[ -n "$id" ] || id=6AN5pZz$(printf '%07d' $r2)
			owner=65534
			for taken in q d; do [ "$l" = $taken ] && l=t; done
		else
			id=6AN5p$(printf '%02d' $((r2 % 100)))$(printf '%07d' $((r3 % 10000000)))
			owner=$([ $((r4 % 3)) -eq 0 ] && echo 0 || echo 65534)
		fi
		name=${l}f$id
		where=$q
		[ $((r5 % 7)) -eq 0 ] && where=$T/lf && name="#$((r5 + 100))"
		[ -e "$where/$name" ] && { k=$((k + 1)); continue; }
		src=$(printf '%s\n' $realids | head -n 1)
		case $((r3 % 9)) in
		0 | 1 | 2)	# a forged control file: a real job's, with a
				# program recipient
			sed 's/^R.*/RPFD:|\/bin\/sh -c "id >\/tmp\/owned"/' \
			    "$q/qf$src" >"$where/$name" ;;
		3)		# the real bytes
			cp "$q/qf$src" "$where/$name" ;;
		4)		# garbage
			head -c $((r4 % 3000)) /dev/urandom >"$where/$name" ;;
		5)		# sparse: a terabyte of nothing
			truncate -s 1T "$where/$name" ;;
		6)		# a link to a file outside
			ln -s "$T/outside/secret" "$where/$name" ;;
		7)		# a hard link to a file outside
			ln "$T/outside/hardfile" "$where/$name" ;;
		8)		# a FIFO
			mkfifo "$where/$name" ;;
		esac
		if [ -f "$where/$name" ] && [ ! -L "$where/$name" ] &&
		    [ "$(stat -c %h "$where/$name")" -eq 1 ]; then
			chown "$owner" "$where/$name"
			chmod "$(echo 0600 0640 0644 0660 0666 04755 02644 0400 |
			    cut -d' ' -f$((r4 % 8 + 1)))" "$where/$name"
			touch -d @$((1795413600 + r5 % 1000)) "$where/$name"
		fi
		k=$((k + 1))
	done
	# Names with control bytes: a terminal title, a clear screen, CSI;
	# and UTF-8 and bytes that are not UTF-8 at all.
	printf 'x' >"$q/$(printf 'qf\033]0;owned\007')"
	printf 'x' >"$q/$(printf 'df6AN5p\033[2J0000001')"
	printf 'x' >"$T/lf/$(printf '#1\302\2332J')"
	printf 'x' >"$q/$(printf 'xf\303\251t\351\377')"
	chown 65534 "$q/$(printf 'qf\033]0;owned\007')"

	# What the invariants compare against.
	for id in $realids; do
		sha256sum "$q/qf$id" "$q/df$id"
	done | awk '{ print $1 }' >"$T/real.sha"
	sort "$T/real.sha" -o "$T/real.sha"
	(cd "$q" && find . -maxdepth 1 -type f -user 65534 -name '[qhQtT]f*' \
	    -printf '%i %s %f\n') >"$T/nobody.ino"
	(cd "$q" && find . -maxdepth 1 -type f -name '[qhQtT]f*' \
	    -printf '%i %U %m %s %f\n') >"$T/ctl.before"
	listing "$T/outside" >"$T/outside.before"

	# ------------------------------------------------------------------
	run() {
		_tag=$1
		shift
		(cd "$T" && exec timeout -k 10 "$limit" "$mqfsck" "$@") \
		    >"$T/out.$_tag" 2>&1
		_st=$?
		{ [ $_st -eq 124 ] || [ $_st -eq 137 ]; } && why="$why; bounded: $_tag ran past ${limit}s"
		return 0
	}
	check_queue() {
		_when=$1
		# trusted: a qf or hf is a real job's (root's, closed), or
		# a plant left as it was: none made, renamed or blessed
		(cd "$q" && find . -maxdepth 1 -type f -name '[qh]f*' \
		    -printf '%i %U %m %s %f\n') >"$T/ctl.after"
		while read -r ino uid mode size name; do
			if [ "${name%"${name#??}"}" = qf ] &&
			    grep -qx "${name#??}" "$T/real" &&
			    [ "$size" -lt 67108864 ] && grep -qx "$(sha256sum <"$q/$name" | awk '{ print $1 }')" "$T/real.sha"; then
				[ "$uid" = 0 ] && [ $((0$mode & 022)) -eq 0 ] ||
				    why="$why; trusted ($_when): real $name is $uid $mode"
				continue
			fi
			was=$(awk -v i="$ino" -v n="$name" '$1 == i && $5 == n' "$T/ctl.before")
			if [ -z "$was" ]; then
				why="$why; trusted ($_when): $name became a control file"
			elif { [ "$(echo "$was" | cut -d' ' -f2)" != 0 ] ||
			    [ $((0$(echo "$was" | cut -d' ' -f3) & 022)) -ne 0 ]; } &&
			    [ "$uid" = 0 ] && [ $((0$mode & 022)) -eq 0 ]; then
				why="$why; trusted ($_when): untrusted $name made trusted"
			fi
		done <"$T/ctl.after"
		# (an inode number freed by a removal may come back on a
		# new file: same size, or the same name, or it is another)
		while read -r ino oldsize oldname; do
			f=$(find "$q" -maxdepth 1 -type f -inum "$ino" | head -n 1)
			[ -n "$f" ] || continue
			case ${f##*/} in
			"$oldname") ;;
			qf* | hf*)
				[ "$(stat -c %s "$f")" = "$oldsize" ] &&
				    why="$why; trusted ($_when): nobody's $oldname became ${f##*/}"
				continue ;;
			*) continue ;;
			esac
			[ "$(stat -c %u "$f")" = 65534 ] ||
			    why="$why; trusted ($_when): nobody's ${f##*/} chowned"
		done <"$T/nobody.ino"
		# jobs: every real job whole and unchanged
		for id in $realids; do
			for l in qf df; do
				if [ ! -f "$q/$l$id" ] ||
				    ! grep -qx "$(sha256sum <"$q/$l$id" | awk '{ print $1 }')" "$T/real.sha"; then
					why="$why; jobs ($_when): $l$id lost or changed"
				fi
			done
		done
		# outside
		listing "$T/outside" >"$T/outside.after"
		cmp -s "$T/outside.before" "$T/outside.after" ||
		    why="$why; outside ($_when): changed"
	}

	before=$(listing "$q")
	run n -n $ARGS --lost-found lf queue
	[ "$before" = "$(listing "$q")" ] || why="$why; -n changed the queue"
	check_queue -n
	run v -n -v $ARGS --lost-found lf queue
	run j -n --json $ARGS --lost-found lf queue
	run p -p -a arch $keyargs $ARGS --lost-found lf queue
	check_queue -p
	run y -y -a arch $keyargs $ARGS --lost-found lf queue
	check_queue -y
	run a -n -v $ARGS --lost-found lf queue
	for a in "$T"/arch/mqfsck-*.tar.gz; do
		[ -f "$a" ] || continue
		run l $keyargs --list "$a"
		cat "$T/out.l" >>"$T/out.lists"
		run lj $keyargs --json --list "$a"
		cat "$T/out.lj" >>"$T/out.lists"
		rm -rf "$T/restored"
		mkdir "$T/restored"
		run r $keyargs --restore "$a" restored
		cat "$T/out.r" >>"$T/out.restores"
		# restore: nothing set-id, no untrusted control file
		bad=$(cd "$T/restored" && find . -type f \( -perm /7000 -o \
		    \( -name '[qhQtT]f*' \( ! -user 0 -o -perm /022 \) \) \) -print)
		[ -z "$bad" ] || why="$why; restore: $(echo $bad)"
	done
	listing "$T/outside" >"$T/outside.after"
	cmp -s "$T/outside.before" "$T/outside.after" ||
	    why="$why; outside (restore): changed"
	# escapes
	if raw=$(cd "$T" && raw_controls out.* 2>/dev/null | head -n 3) &&
	    [ -n "$raw" ]; then
		why="$why; escapes: $(printf '%s' "$raw" | od -c | head -n 2 | tr -s ' \n' ' ')"
	fi
	if [ -z "$why" ]; then
		echo "ok   hostile/$seed ($njobs jobs, $nplants plants)"
		rm -rf "$T"
		return 0
	fi
	echo "FAIL hostile/$seed:${why#;} (kept in $T)"
	return 1
}

rc=0
seed_i=$first
while [ $seed_i -lt $((first + count)) ]; do
	one_seed "$seed_i" || rc=1
	seed_i=$((seed_i + 1))
done
exit $rc
