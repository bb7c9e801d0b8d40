#!/bin/sh
# run_fixture.sh - run mqfsck on one fixture, e2fsprogs style.
#
# Usage: MQ_MQFSCK=/abs/path/mqfsck run_fixture.sh [--update] FIXTURE_DIR
#
# A fixture directory holds:
#   name      one line: what the fixture shows
#   queue/    the queue tree (absent: an empty directory)
#   prep      optional sh script, run in the scratch directory (which holds
#             queue/) before mqfsck, for what git cannot store: modes,
#             owners, hard links, symlinks, FIFOs, empty directories,
#             I lines bound to the scratch inodes (sh "$E2E_TOOLS/bind-
#             ilines.sh" queue), locks held by a helper process (whose PIDs
#             it appends to .hold_pids)
#   args      optional extra mqfsck arguments, after $DEFAULT_ARGS below:
#             a check (-n) with no system configuration, as if no
#             sendmail ran, the scratch copy's owner as the queue's,
#             Debian's modes, and /tmp's sticky bit trusted as Debian's
#             sendmail.cf does
#   args.only optional: the complete arguments instead (no defaults)
#   queues    optional: the queue arguments, relative to the scratch
#             directory (default: queue); may be empty
#   *.in      copied to the scratch directory without the .in, with
#             @SCRATCH@ replaced by its path (configurations, fstab)
#   requires-root   the fixture needs root (chown): skipped, exit 77,
#             when not run as root
#   runas-nobody    mqfsck runs as uid/gid 65534 (setpriv; needs root,
#             else skipped), to meet directories it may not read
#   realtime  mqfsck runs on the real clock, not the fixed one (for preps
#             that give the copy a real queue's times: as-written.sh)
# Before prep, the copy is given the modes of Debian's queue (directories
# 0750, files 0640) and its files are dated 2026-11-23 06:00 UTC, two hours
# before the tests' clock (git keeps neither); prep can change them.
#   expect.1  mqfsck's output (stdout and stderr, through filter.sed)
#             followed by "Exit status is N"
#   args.2, expect.2   optional second run (args.2 after $DEFAULT_ARGS,
#             or alone when the fixture has args.only)
# A run with -n must leave the tree exactly as it was (names, types,
# modes, owners, sizes, link counts, contents): that is asserted too.
# Run 1, when it is a check (-n), runs again with --scan-threads 0 (pass 1
# without its worker threads), and where the fixture holds a lock, without
# /proc/locks both ways: the output must be byte for byte the same.
#
# Prints "ok NAME" or "FAIL NAME" and the difference; exits 0 or 1.
set -u

update=0
if [ "${1:-}" = --update ]; then
	update=1
	shift
fi
fx=$(cd "$1" && pwd)
name=$(basename "$fx")
here=$(cd "$(dirname "$0")" && pwd)
mqfsck=${MQ_MQFSCK:?set MQ_MQFSCK to the mqfsck binary}
case $mqfsck in /*) ;; *) mqfsck=$(pwd)/$mqfsck ;; esac
if [ ! -x "$mqfsck" ]; then
	echo "FAIL $name: no mqfsck binary at $mqfsck"
	exit 1
fi

DEFAULT_ARGS="-n -c none --assume-stopped --owner queue-dir -o QueueFileMode=0640 -o TempFileMode=0640 -o DontBlameSendmail=TrustStickyBit"
E2E_TOOLS=$here
export E2E_TOOLS
# A fixed clock: 2026-11-23 08:00:00 UTC, after every corpus file was made.
# Preps set file times relative to it (e.g. touch -d @1795413600).  A
# fixture with a file "realtime" runs on the real clock instead: its
# prep gives the copy the times a real queue has (as-written.sh).
MQFSCK_TIME=${MQFSCK_TIME:-1795420800}
export MQFSCK_TIME
[ ! -f "$fx/realtime" ] || unset MQFSCK_TIME

# /tmp, not $TMPDIR: the path from / is checked, and /tmp is the one
# directory every machine has root-owned and sticky.
tmp=$(mktemp -d /tmp/mqfsck-e2e.XXXXXX)
cleanup() {
	if [ -f "$tmp/.hold_pids" ]; then
		for p in $(cat "$tmp/.hold_pids"); do kill "$p" 2>/dev/null; done
		wait 2>/dev/null
	fi
	chmod -R u+rwx "$tmp" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

if { [ -f "$fx/requires-root" ] || [ -f "$fx/runas-nobody" ]; } &&
    [ "$(id -u)" -ne 0 ]; then
	echo "skip $name (needs root)"
	exit 77
fi
[ -f "$fx/runas-nobody" ] && chmod 0755 "$tmp"
if [ -d "$fx/queue" ]; then
	cp -R "$fx/queue" "$tmp/queue"
else
	mkdir "$tmp/queue"
fi
find "$tmp/queue" -type d -exec chmod 0750 {} +
find "$tmp/queue" -type f -exec chmod 0640 {} +
find "$tmp/queue" -type f -exec touch -d @1795413600 {} +
if [ -f "$fx/prep" ]; then
	if ! (cd "$tmp" && sh "$fx/prep") >"$tmp/.prep.out" 2>&1; then
		echo "FAIL $name: prep failed"
		sed 's/^/    /' "$tmp/.prep.out"
		exit 1
	fi
fi

# listing - everything about the scratch tree a check must not change
# (the harness's own dot-files aside); not following symbolic links
listing() {
	(cd "$tmp" &&
	    find . -path './.*' -prune -o -printf '%p %y %m %U %G %s %n %i %l\n' |
	    LC_ALL=C sort &&
	    find . -path './.*' -prune -o -type f -exec sha256sum {} + |
	    LC_ALL=C sort)
}

# shown OUT STATUS: a run's output as the expect files hold it
shown() {
	sed -e "s|$tmp|SCRATCH|g" -f "$here/filter.sed" "$1"
	echo "Exit status is $2"
}

fail=0
run() {
	# $1: run number, $2: arguments
	before=$(listing)
	runner=
	[ -f "$fx/runas-nobody" ] &&
	    runner="setpriv --reuid=65534 --regid=65534 --clear-groups"
	(cd "$tmp" && exec $runner "$mqfsck" $2 $queues) >"$tmp/.out.$1" 2>&1
	status=$?
	after=$(listing)
	shown "$tmp/.out.$1" "$status" >"$tmp/.got.$1"
	case " $2 " in
	*" -n "*)
		if [ "$before" != "$after" ]; then
			echo "FAIL $name: run $1 ($2) changed the queue"
			diff -u "$(printf '%s\n' "$before" >"$tmp/.b"; echo "$tmp/.b")" \
			    "$(printf '%s\n' "$after" >"$tmp/.a"; echo "$tmp/.a")" | sed 's/^/    /'
			fail=1
		fi
		;;
	esac
	if [ $update -eq 1 ]; then
		cp "$tmp/.got.$1" "$fx/expect.$1"
	elif ! cmp -s "$tmp/.got.$1" "$fx/expect.$1"; then
		echo "FAIL $name: run $1 ($2) output differs from expect.$1"
		diff -u "$fx/expect.$1" "$tmp/.got.$1" | sed 's/^/    /'
		fail=1
	fi
}

queues=queue
[ -f "$fx/queues" ] && queues=$(cat "$fx/queues")
# Fixture files may refer to the scratch directory.
[ -f "$fx/sendmail.cf" ] && sed "s|@SCRATCH@|$tmp|g" "$fx/sendmail.cf" >"$tmp/sendmail.cf"
for f in "$fx"/*.in; do
	[ -f "$f" ] || continue
	b=$(basename "$f" .in)
	sed "s|@SCRATCH@|$tmp|g" "$f" >"$tmp/$b"
done
# same_as_run1 WHAT EXTRA-ARGS: run 1 again with EXTRA-ARGS; it must say
# byte for byte what run 1 said
same_as_run1() {
	(cd "$tmp" && exec $runner "$mqfsck" $args1 $2 $queues) \
	    >"$tmp/.out.s" 2>&1
	shown "$tmp/.out.s" $? >"$tmp/.got.s"
	if ! cmp -s "$tmp/.got.1" "$tmp/.got.s"; then
		echo "FAIL $name: $1 says otherwise than the default"
		diff -u "$tmp/.got.1" "$tmp/.got.s" | sed 's/^/    /'
		fail=1
	fi
}

# serial_check ARGS: pass 1's worker threads (scanahead.c, on by
# default) must not change a byte: a check run again with the scan
# looking alone (--scan-threads 0) says exactly what run 1 said.  Where
# the fixture holds a lock (its prep runs flock), both ways again without
# the /proc/locks snapshot, so that the workers' and the walk's own lock
# probes are what find it.
serial_check() {
	case " $1 " in *" -n "*) ;; *) return 0 ;; esac
	args1=$1
	same_as_run1 "the serial scan (--scan-threads 0)" "--scan-threads 0"
	grep -q flock "$fx/prep" 2>/dev/null || return 0
	same_as_run1 "probing locks on threads (no /proc/locks)" \
	    "--proc-locks $tmp/.no-proc-locks"
	same_as_run1 "probing locks serially (no /proc/locks)" \
	    "--proc-locks $tmp/.no-proc-locks --scan-threads 0"
}

args="$DEFAULT_ARGS $(cat "$fx/args" 2>/dev/null)"
[ -f "$fx/args.only" ] && args=$(cat "$fx/args.only")
run 1 "$args"
serial_check "$args"
if [ -f "$fx/args.2" ] || [ -f "$fx/expect.2" ]; then
	if [ -f "$fx/args.only" ]; then
		run 2 "$(cat "$fx/args.2" 2>/dev/null)"
	else
		run 2 "$DEFAULT_ARGS $(cat "$fx/args.2" 2>/dev/null)"
	fi
fi
# ------------------------------------------------------------------------
# The repair: the same queue with -y instead of -n, then what the archive
# holds, a check after it, and the tree it left; all in expect.repair.
# Asserted besides: the archive restores, byte for byte, every file it
# holds (into an empty directory), and the check after exits 0 unless the
# fixture says which problems a repair must leave (expect.repair shows).

# tree - the queue (and lost+found) as the repair left it
tree() {
	# (lost+found's names are inode numbers: they change with the copy)
	(cd "$tmp" && find . -path './.*' -prune -o -printf '%p %y %m %s %l\n' |
	    sed 's/#[0-9][0-9]*/#INODE/g' | LC_ALL=C sort)
}

# The host key that signs archives: the scratch tree's own, the runner's
# (root reads it back only if it is root's: a runas-nobody archive is
# restored with --restore-unverified).
key=$tmp/.keys/hmac.key
keyargs="--key $key"
unverified=
[ -f "$fx/runas-nobody" ] && unverified=--restore-unverified

repair_check() {
	rargs=$(printf ' %s ' "$1" | sed 's/ -n / /g')
	arch=$tmp/.archive
	mkdir -p "$tmp/.keys" && chmod 0700 "$tmp/.keys"
	[ -f "$fx/runas-nobody" ] && chown 65534:65534 "$tmp/.keys"
	(cd "$tmp" && exec $runner "$mqfsck" -y -a "$arch" $keyargs $rargs $queues) \
	    >"$tmp/.out.r" 2>&1
	rstatus=$?
	{
		filter "$tmp/.out.r"
		echo "Exit status is $rstatus"
		for a in "$arch"/mqfsck-*.tar.gz; do
			[ -f "$a" ] || continue
			echo "--- the archive (mqfsck --list)"
			"$mqfsck" $keyargs --list "$a" >"$tmp/.out.l" 2>&1
			lstatus=$?
			filter "$tmp/.out.l"
			echo "Exit status is $lstatus"
		done
		echo "--- a check after the repair"
		(cd "$tmp" && exec $runner "$mqfsck" $rargs -n $queues) \
		    >"$tmp/.out.a" 2>&1
		astatus=$?
		filter "$tmp/.out.a"
		echo "Exit status is $astatus"
		echo "--- the tree after the repair"
		tree
	} >"$tmp/.got.repair"
	if [ $update -eq 1 ]; then
		cp "$tmp/.got.repair" "$fx/expect.repair"
	elif ! cmp -s "$tmp/.got.repair" "$fx/expect.repair"; then
		echo "FAIL $name: the repair (-y) differs from expect.repair"
		diff -u "$fx/expect.repair" "$tmp/.got.repair" | sed 's/^/    /'
		fail=1
	fi
	restore_check
	undo_check
}

# restore_check - every archived file comes back as it was, but for
# those --restore refuses as unsafe (an untrusted control file, a name
# that is no queue file's), each said so
restore_check() {
	for a in "$tmp"/.archive/mqfsck-*.tar.gz; do
		[ -f "$a" ] || continue
		nq=$("$mqfsck" $keyargs --json --list "$a" 2>/dev/null |
		    sed -n 's/.*"queue":"\([^"]*\)".*/\1/p' | sort -u | wc -l)
		[ "$nq" -le 1 ] || continue # several queues: restored in place only
		rm -rf "$tmp/.restored"
		mkdir "$tmp/.restored"
		"$mqfsck" $keyargs $unverified --restore "$a" "$tmp/.restored" \
		    >"$tmp/.out.x" 2>&1
		ndata=$("$mqfsck" $keyargs --json --list "$a" 2>/dev/null | grep -c '"kind":"data"')
		nunsafe=$(grep -c '^refused: .*: not restored$' "$tmp/.out.x")
		nrest=$(cd "$tmp/.restored" && find . -type f -printf x | wc -c)
		if [ "$ndata" -ne $((nrest + nunsafe)) ]; then
			echo "FAIL $name: --restore gave back $nrest of $ndata archived files ($nunsafe refused as unsafe)"
			sed 's/^/    /' "$tmp/.out.x"
			fail=1
			continue
		fi
		# Names may hold any byte: compared by find, not by a loop.
		bad=$(cd "$tmp/.restored" && find . -type f -exec sh -c '
		    for f; do
			cmp -s "$f" "$0/$f" &&
			    [ "$(stat -c %a "$f")" = "$(stat -c %a "$0/$f")" ] ||
			    echo "$f"
		    done' "$tmp/.orig" {} +)
		if [ -n "$bad" ]; then
			echo "FAIL $name: --restore: not the files they were:"
			printf '%s\n' "$bad" | sed 's/^/    /'
			fail=1
		fi
	done
}

# undo_state - the scratch tree (the queue, lost+found, configurations)
# as an undo must give it back: names, types, modes, owners, sizes,
# bytes and file mtimes (directories' mtimes and inode numbers change)
undo_state() {
	(cd "$tmp" && {
		find . -path './.*' -prune -o -type f -printf '%p f %m %U %G %s %T@\n'
		find . -path './.*' -prune -o ! -type f -printf '%p %y %m %U %G %l\n'
		find . -path './.*' -prune -o -type f -exec sha256sum {} + |
		    sed 's/^\([0-9a-f]*\)  \(.*\)/\2 sha \1/'
	} | LC_ALL=C sort)
}

# undo_check - --restore in place is the undo of the repair: the tree
# comes back as it was before it, but for what the restore refuses and
# says (a symbolic link, FIFO or directory it never makes, a control
# file sendmail would not trust, a name that is no queue file's); each
# file that differs must be named, or its job's id, in a refused line.
# --restore -n first, which must change nothing.
undo_check() {
	case $queues in
	*" "*|"") return ;; # one queue directory is named to --restore
	esac
	for a in "$tmp"/.archive/mqfsck-*.tar.gz; do
		[ -f "$a" ] || continue
		pre=$(listing)
		(cd "$tmp" && "$mqfsck" $keyargs $unverified $rargs -n --restore "$a" $queues) \
		    >"$tmp/.out.un" 2>&1
		if [ "$pre" != "$(listing)" ]; then
			echo "FAIL $name: --restore -n changed the tree"
			fail=1
		fi
		(cd "$tmp" && "$mqfsck" $keyargs $unverified $rargs --restore "$a" $queues) \
		    >"$tmp/.out.u" 2>&1
		ustatus=$?
		undo_state >"$tmp/.undo.after"
		LC_ALL=C comm -3 "$tmp/.undo.before" "$tmp/.undo.after" |
		    sed 's/^[[:space:]]*//; s/ .*//' | LC_ALL=C sort -u >"$tmp/.undo.diff"
		unexplained=
		while IFS= read -r p; do
			b=${p##*/}
			grep '^refused: ' "$tmp/.out.u" | grep -qF -- "/$b:" && continue
			id=${b#??}
			[ -n "$id" ] && grep '^refused: ' "$tmp/.out.u" |
			    grep -qF -- "$id:" && continue
			unexplained="$unexplained $p"
		done <"$tmp/.undo.diff"
		if [ -n "$unexplained" ]; then
			echo "FAIL $name: --restore did not undo the repair:$unexplained"
			sed 's/^/    | /' "$tmp/.out.u"
			fail=1
		fi
		if [ ! -s "$tmp/.undo.diff" ] && [ $ustatus -ne 0 ] &&
		    ! grep -q '^refused: ' "$tmp/.out.u"; then
			echo "FAIL $name: --restore exited $ustatus after a whole undo"
			fail=1
		fi
		if [ -n "$pre" ] && grep -q '^restored \|^renamed back \|^replaced \|^reverted ' "$tmp/.out.u" &&
		    ! grep -q '^would ' "$tmp/.out.un"; then
			echo "FAIL $name: --restore -n did not say what --restore did"
			fail=1
		fi
	done
}

# filter - an output as expect files hold it: the archive's name has the
# host in it, and the digests of control files depend on the inode
# numbers their I lines record (the restore check compares the bytes)
filter() {
	sed -e "s|$tmp|SCRATCH|g" -e 's|mqfsck-[^/ ]*\.tar\.gz|ARCHIVE.tar.gz|g' \
	    -e 's/sha256:[0-9a-f]\{12\}/sha256:DIGEST/' \
	    -f "$here/filter.sed" "$1"
}

if [ ! -f "$fx/no-repair" ]; then
	rm -rf "$tmp/.orig"
	[ -d "$tmp/queue" ] && cp -a "$tmp/queue" "$tmp/.orig"
	undo_state >"$tmp/.undo.before"
	repair_check "$args"
fi

if [ $fail -eq 0 ]; then
	echo "ok $name"
	exit 0
fi
exit 1
