#!/bin/sh
# fault.sh - the fault-injection test of the repairs: mqfsck -y is stopped
# (SIGKILL, as by a crash) just before its N-th change to the file system,
# for N = 1, 2, ... until a run completes; after each stop a second run
# finishes the work.  Asserted after every stop:
#  - the second run ends in the same queue as one uninterrupted run (names,
#    types, modes, sizes, contents of the queue and of lost+found);
#  - a check after it finds nothing left (the same exit status as after
#    the uninterrupted run);
#  - every byte of every original file is still somewhere: in the queue,
#    or in an archive (by SHA-256, from mqfsck --list of each archive).
# A change is what format/sio.c counts (sio.h: MQFSCK_FAULT_AFTER).
#
# Then the same for the undo: mqfsck --restore of the repair's archive,
# stopped before each of its changes, rerun, must end where one whole
# --restore ends.
#
# Usage: MQ_MQFSCK=/abs/mqfsck fault.sh FIXTURE_DIR
# Prints "ok fault/NAME (K stops)" and "ok fault-undo/NAME (K stops)", or
# "FAIL ..."; exits 0 or 1.
set -u
fx=$(cd "$1" && pwd)
name=$(basename "$fx")
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
ARGS="$FIXTURE_OPTS --assume-stopped $(cat "$fx/args" 2>/dev/null)"
[ ! -f "$fx/realtime" ] || unset MQFSCK_TIME
MAX_STOPS=${MQ_FAULT_MAX:-2000}

top=$(mktemp -d /tmp/mqfsck-fault.XXXXXX)
trap 'rm -rf "$top"' EXIT INT TERM

# prepare DIR - a fresh scratch copy of the fixture, as run_fixture.sh
# makes it
prepare() {
	if ! scratch_copy "$fx" "$1"; then
		echo "FAIL fault/$name: prep failed"
		exit 1
	fi
}

# state DIR - the queue and lost+found: what two ends must agree on.
# Two scratch copies have different inode numbers, so the I lines of
# their control files differ: those are compared without their numbers;
# so are T lines, which a realtime fixture's prep sets from creation
# times (as-written.sh), and lost+found's names, which are inode numbers.
state() {
	(cd "$1" && find . -path './.*' -prune -o -printf '%p %y %m %l\n' |
	    LC_ALL=C sort &&
	    find . -path './.*' -prune -o -type f -print | LC_ALL=C sort |
	    while read -r f; do
		printf '%s %s\n' "$(sed 's|^I[0-9]*/[0-9]*/[0-9]*$|I-|; s|^T[0-9]*$|T-|' "$f" |
		    sha256sum | cut -d ' ' -f 1)" "$f"
	    done) | sed 's|/#[0-9][0-9]*|/#INODE|' | LC_ALL=C sort
}

# digests DIR - the SHA-256 of every regular file, one a line
digests() {
	(cd "$1" && find . -path './.*' -prune -o -type f -exec sha256sum {} + |
	    cut -d ' ' -f 1 | LC_ALL=C sort -u)
}

# archived DIR - the SHA-256 of every file the archives of DIR hold
archived() {
	for a in "$1"/.archive/mqfsck-*.tar.gz; do
		[ -f "$a" ] || continue
		"$mqfsck" --json --list "$a" |
		    sed -n 's/.*"mtime":"[^"]*","sha256":"\([0-9a-f]\{64\}\)".*/\1/p'
	done | LC_ALL=C sort -u
}

# repair DIR [ENV...] - mqfsck -y over DIR; its exit status (137 when
# it was stopped); the subshell waits for it, so that the shell's own
# "Killed" notice goes to /dev/null with the subshell's stderr
repair() {
	d=$1
	shift
	(cd "$d" && env "$@" "$mqfsck" -y -q -a "$d/.archive" $ARGS queue \
	    >"$d/.out" 2>&1; exit $?) 2>/dev/null
}

# The end an uninterrupted run reaches.
prepare "$top/ref"
repair "$top/ref" MQFSCK_FAULT_AFTER=0
(cd "$top/ref" && exec "$mqfsck" -n -q $ARGS queue) >/dev/null 2>&1
after_ref=$?
state "$top/ref" >"$top/ref.state"

n=1
fail=0
while [ $n -le $MAX_STOPS ]; do
	prepare "$top/run"
	digests "$top/run" >"$top/orig.digests"
	repair "$top/run" MQFSCK_FAULT_AFTER=$n
	st=$?
	if [ $st -ne 137 ]; then
		# It finished before its n-th change: every stop was tried.
		break
	fi
	repair "$top/run" MQFSCK_FAULT_AFTER=0
	st=$?
	if [ $st -ne 0 ] && [ $st -ne 1 ] && [ $st -ne 4 ]; then
		echo "FAIL fault/$name: after a stop at change $n, the rerun exited $st"
		sed 's/^/    /' "$top/run/.out"
		fail=1
	fi
	state "$top/run" >"$top/run.state"
	if ! cmp -s "$top/ref.state" "$top/run.state"; then
		echo "FAIL fault/$name: stopped at change $n, the rerun ends elsewhere"
		diff -u "$top/ref.state" "$top/run.state" | sed 's/^/    /'
		fail=1
	fi
	(cd "$top/run" && exec "$mqfsck" -n -q $ARGS queue) >/dev/null 2>&1
	if [ $? -ne $after_ref ]; then
		echo "FAIL fault/$name: stopped at change $n, a check after the rerun differs"
		fail=1
	fi
	{ digests "$top/run"; archived "$top/run"; } | LC_ALL=C sort -u >"$top/have"
	lost=$(LC_ALL=C comm -23 "$top/orig.digests" "$top/have" | wc -l)
	if [ "$lost" -ne 0 ]; then
		echo "FAIL fault/$name: stopped at change $n, $lost original files are neither in the queue nor in an archive"
		fail=1
	fi
	[ $fail -eq 0 ] || break
	n=$((n + 1))
done
if [ $n -le 1 ]; then
	echo "FAIL fault/$name: the repair changed nothing, nothing to stop"
	exit 1
fi
if [ $fail -eq 0 ]; then
	echo "ok   fault/$name ($((n - 1)) stops, each finished by a rerun)"
else
	exit 1
fi

# ------------------------------------------------------------------------
# The undo: --restore of the repair's archive, in place, stopped (SIGKILL)
# before each of its changes in turn; a rerun must end where one
# uninterrupted restore ends, and --restore -n must change nothing.

# undo DIR [ENV...] - mqfsck --restore of DIR's archive into DIR's queue
undo() {
	d=$1
	shift
	(cd "$d" && env "$@" "$mqfsck" $ARGS --restore "$d"/.archive/mqfsck-*.tar.gz \
	    queue >"$d/.out.u" 2>&1; exit $?) 2>/dev/null
}

prepare "$top/uref"
repair "$top/uref" MQFSCK_FAULT_AFTER=0
before=$(state "$top/uref")
(cd "$top/uref" && exec "$mqfsck" $ARGS -n --restore "$top/uref"/.archive/mqfsck-*.tar.gz \
    queue) >/dev/null 2>&1
if [ "$before" != "$(state "$top/uref")" ]; then
	echo "FAIL fault-undo/$name: --restore -n changed the queue"
	exit 1
fi
undo "$top/uref" MQFSCK_FAULT_AFTER=0
state "$top/uref" >"$top/uref.state"
n=1
while [ $n -le $MAX_STOPS ]; do
	prepare "$top/urun"
	repair "$top/urun" MQFSCK_FAULT_AFTER=0
	undo "$top/urun" MQFSCK_FAULT_AFTER=$n
	if [ $? -ne 137 ]; then
		break
	fi
	undo "$top/urun" MQFSCK_FAULT_AFTER=0
	state "$top/urun" >"$top/urun.state"
	if ! cmp -s "$top/uref.state" "$top/urun.state"; then
		echo "FAIL fault-undo/$name: stopped at change $n, the rerun of --restore ends elsewhere"
		diff -u "$top/uref.state" "$top/urun.state" | sed 's/^/    /'
		sed 's/^/    | /' "$top/urun/.out.u"
		exit 1
	fi
	n=$((n + 1))
done
if [ $n -le 1 ]; then
	echo "FAIL fault-undo/$name: the restore changed nothing, nothing to stop"
	exit 1
fi
echo "ok   fault-undo/$name ($((n - 1)) stops, each finished by a rerun)"
exit 0
