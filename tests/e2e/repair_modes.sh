#!/bin/sh
# repair_modes.sh - the repair modes and the hostile cases that fixtures
# (one run, fixed answers) cannot show:
#   preen      -p makes the safe fixes, says UNEXPECTED INCONSISTENCY for
#              the rest, exits 4; a queue with only safe problems: exit 1,
#              then a second run exits 0
#   ask        no mode on a terminal: one question per fix, yes/no/all/quit
#   not-a-tty  no mode and no terminal: exit 8 with a message saying to
#              give -n, -p or -y (e2fsck's rule), nothing changes;
#              with --json no mode is a check
#   swapped-*  a file swapped between the check and the repair (another
#              inode, a symbolic link): never written through, left as it
#              is, reported NOT FIXED
#   locked     a job locked by another process after the check: left alone
#   own-lock   a second mqfsck on a queue being repaired: checks only
#   daemon     a running sendmail blocks repairs; -f repairs anyway
#   hardlink   a file with a second name outside the queue: its mode is
#              not changed through the queue's name
#   wildcard   QueueDirectory=spool/* over cron's, lpd's and nobody's
#              directories: none adopted, none changed
#   hostile-archive  a hand-made archive with a set-id df, a writable qf
#              of nobody's and authorized_keys: refused unsigned; only
#              its plain df restored with --restore-unverified
#   etc-queue  QueueDirectory=/etc under -y, on a copy of /etc bound over
#              it in a private mount namespace: refused, nothing changed
# Interactive runs go through script(1), which gives mqfsck a terminal;
# the answers come from a FIFO the test writes to when it is ready.
#
# Usage: MQ_MQFSCK=/abs/mqfsck repair_modes.sh
# Prints "ok   repair/NAME" or "FAIL repair/NAME" lines; exits 0 or 1.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
SUITE=repair
BASE="--no-syslog $FIXTURE_OPTS"
top=$(mktemp -d /tmp/mqfsck-modes.XXXXXX)
holders=
cleanup() {
	for p in $holders; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$top"
}
trap cleanup EXIT INT TERM

# prepare NAME FIXTURE - a scratch copy of a fixture in $top/NAME
prepare() {
	d=$top/$1
	scratch_copy "$root/fixtures/$2" "$d"
	return 0
}

# run DIR ARGS... - mqfsck in DIR (or, after "env", any command);
# output in DIR/.out, status returned
run() {
	d=$1
	shift
	if [ "$1" = env ]; then
		(cd "$d" && "$@" >"$d/.out" 2>&1; exit $?)
	else
		(cd "$d" && "$mqfsck" "$@" >"$d/.out" 2>&1; exit $?)
	fi
}

# ask_start DIR ARGS... - mqfsck on a terminal (script), its answers
# written later to the FIFO DIR/.answers through fd 3
ask_start() {
	d=$1
	shift
	rm -f "$d/.answers"
	mkfifo "$d/.answers"
	(cd "$d" && exec script -qfec "$mqfsck $*" /dev/null \
	    <"$d/.answers" >"$d/.out" 2>&1) &
	asker=$!
	exec 3>"$d/.answers"
}

# wait_for DIR TEXT N - until TEXT has appeared N times in DIR/.out
wait_for() {
	i=0
	while [ "$(grep -c -- "$2" "$1/.out" 2>/dev/null)" -lt "$3" ]; do
		i=$((i + 1))
		[ $i -lt 200 ] || return 1
		sleep 0.05
	done
}

# ask_end - close the answers; the status of mqfsck's terminal session
ask_end() {
	exec 3>&-
	wait $asker
}

# ---------------------------------------------------------------- preen
prepare preen n_many_problems
run "$top/preen" -p -a "$top/preen/.archive" $BASE --assume-stopped --lost-found lf queue
st=$?
q=$top/preen/queue
if [ $st -ne 4 ] ||
    ! grep -q '^mqfsck: UNEXPECTED INCONSISTENCY; RUN mqfsck MANUALLY.$' "$top/preen/.out" ||
    [ -e "$q/Tf6AN5aaaa000010" ] || [ ! -e "$q/Qf6AN5aaaa000005" ] ||
    [ ! -e "$q/tf6AN5aaaa000020" ] || [ ! -e "$q/README" ] ||
    ! grep -q 'no-sender 6AN5aaaa000021: .*: FIXED: renamed' "$top/preen/.out"; then
	bad preen "exit $st (want 4): safe fixes made, tf-alone and the foreign file left, UNEXPECTED INCONSISTENCY said" \
	    "$(cat "$top/preen/.out")"
else
	ok "preen (safe fixes made, the rest left with UNEXPECTED INCONSISTENCY, exit 4)"
fi
prepare preen2 f_xf_stale
run "$top/preen2" -p -a "$top/preen2/.archive" $BASE --assume-stopped queue
st1=$?
run "$top/preen2" -p -a "$top/preen2/.archive" $BASE --assume-stopped queue
st2=$?
if [ $st1 -eq 1 ] && [ $st2 -eq 0 ] && ! grep -q UNEXPECTED "$top/preen2/.out"; then
	ok "preen-clean (exit 1 with everything fixed, then 0)"
else
	bad preen-clean "exits $st1 and $st2, want 1 and 0" "$(cat "$top/preen2/.out")"
fi

# ------------------------------------------------- archive's parents
# An archive directory under a directory anyone may write (not sticky)
# could be swapped for someone else's between the archive and the
# change: the repair refuses, changing nothing, exit 8 (issue 10 case 9).
prepare wwparent f_xf_stale
mkdir -m 0777 "$top/wwparent/open"
chmod 0777 "$top/wwparent/open"
before=$(cd "$top/wwparent/queue" && ls -l --time-style=+%s)
run "$top/wwparent" -y -a "$top/wwparent/open/arch" $BASE --assume-stopped queue
st=$?
if [ $((st & 8)) -ne 0 ] &&
    grep -q 'a directory above it (up 1) .* mode 0777: someone else could replace the archive' "$top/wwparent/.out" &&
    [ "$before" = "$(cd "$top/wwparent/queue" && ls -l --time-style=+%s)" ]; then
	ok "archive-parent (a world-writable parent of the archive directory: nothing changed, exit $st)"
else
	bad archive-parent "exit $st, want 8 and the queue unchanged" "$(cat "$top/wwparent/.out")"
fi

# ------------------------------------------------------------------ ask
prepare ask n_many_problems
ask_start "$top/ask" -a "$top/ask/.archive" $BASE --assume-stopped --remove-foreign --lost-found lf queue
q=$top/ask/queue
# README: no; df11's mode: yes (the default); the empty qf: yes; then all.
wait_for "$top/ask" '\[yes/no/all/quit\]' 1 && printf 'n\n' >&3
wait_for "$top/ask" '\[yes/no/all/quit\]' 2 && printf '\n' >&3
wait_for "$top/ask" '\[yes/no/all/quit\]' 3 && printf 'y\n' >&3
wait_for "$top/ask" '\[yes/no/all/quit\]' 4 && printf 'a\n' >&3
ask_end
st=$?
asked=$(grep -c '\[yes/no/all/quit\]' "$top/ask/.out")
if [ -e "$q/README" ] && [ "$(stat -c %a "$q/df6AN5aaaa000011")" = 640 ] &&
    [ ! -e "$q/qf6AN5aaaa000002" ] && [ ! -e "$q/Tf6AN5aaaa000010" ] &&
    [ "$asked" -eq 4 ] &&
    grep -q 'Archive and remove it from the queue? \[yes/no/all/quit\] (no)' "$top/ask/.out"; then
	ok "ask (no, the default, yes, all: four questions, answered as given)"
else
	bad ask "asked $asked times (want 4), status $st" "$(cat "$top/ask/.out")"
fi
prepare quit n_many_problems
ask_start "$top/quit" -a "$top/quit/.archive" $BASE --assume-stopped --remove-foreign --lost-found lf queue
wait_for "$top/quit" '\[yes/no/all/quit\]' 1 && printf 'y\n' >&3
wait_for "$top/quit" '\[yes/no/all/quit\]' 2 && printf 'q\n' >&3
ask_end
q=$top/quit/queue
if [ ! -e "$q/README" ] && [ "$(stat -c %a "$q/df6AN5aaaa000011")" = 644 ] &&
    [ -e "$q/Tf6AN5aaaa000010" ] &&
    [ "$(grep -c '\[yes/no/all/quit\]' "$top/quit/.out")" -eq 2 ]; then
	ok "ask-quit (quit: no more questions, nothing more fixed)"
else
	bad ask-quit "$(cat "$top/quit/.out")"
fi

# ------------------------------------------------------------ not-a-tty
prepare notty f_xf_stale
before=$(cd "$top/notty" && find . -path './.*' -prune -o -printf '%p %m %s\n' | sort)
run "$top/notty" $BASE --assume-stopped queue </dev/null
st=$?
told=no
grep -q 'need a terminal for interactive repairs: give -n to only check, -p or -y' "$top/notty/.out" &&
    ! grep -q '\[yes/no' "$top/notty/.out" && told=yes
out_notty=$(cat "$top/notty/.out")
after=$(cd "$top/notty" && find . -path './.*' -prune -o -printf '%p %m %s\n' | sort)
run "$top/notty" $BASE --assume-stopped --json queue </dev/null
st_json=$?
after_json=$(cd "$top/notty" && find . -path './.*' -prune -o -printf '%p %m %s\n' | sort)
if [ $st -eq 8 ] && [ "$before" = "$after" ] &&
    [ $told = yes ] && [ $st_json -eq 4 ] && [ "$before" = "$after_json" ]; then
	ok "not-a-tty (no mode off a terminal: exit 8, told to give a mode, nothing changed; --json: a check)"
else
	bad not-a-tty "status $st, with --json $st_json" "$out_notty"
fi

# ------------------------------------------------- swapped between check
# swap_case NAME FIXTURE FILE HOW - at the question about FILE, replace
# it (HOW: inode: another file of the same name; symlink: a link to a
# file outside the queue), then answer yes
swap_case() {
	prepare "$1" "$2"
	d=$top/$1
	echo "outside, must stay as it is" >"$d/outside"
	chmod 0644 "$d/outside"
	ask_start "$d" -a "$d/.archive" $BASE --assume-stopped queue
	if ! wait_for "$d" '\[yes/no/all/quit\]' 1; then
		ask_end
		bad "$1" "no question asked" "$(cat "$d/.out")"
		return
	fi
	mv "$d/queue/$3" "$d/moved-away"
	case $4 in
	inode)
		echo "another file" >"$d/queue/$3"
		chmod 0644 "$d/queue/$3"
		;;
	symlink) ln -s "$d/outside" "$d/queue/$3" ;;
	esac
	printf 'a\n' >&3
	ask_end
	if [ "$4" = symlink ]; then
		[ -L "$d/queue/$3" ]
	else
		[ "$(cat "$d/queue/$3")" = "another file" ] &&
		    [ "$(stat -c %a "$d/queue/$3")" = 644 ]
	fi
	swapped_kept=$?
	if [ $swapped_kept -eq 0 ] && grep -q "NOT FIXED" "$d/.out" &&
	    [ "$(cat "$d/outside")" = "outside, must stay as it is" ] &&
	    [ "$(stat -c %a "$d/outside")" = 644 ]; then
		ok "$1 (swapped for $4 after the check: left alone, NOT FIXED)"
	else
		bad "$1" "$(cat "$d/.out")"
	fi
}
swap_case swapped-mode f_file_mode df6AN5c54B012922 inode
swap_case swapped-remove f_xf_stale xf6AN5c54B012922 inode
swap_case swapped-symlink f_xf_stale xf6AN5c54B012922 symlink
swap_case swapped-symlink-mode f_file_mode df6AN5c54B012922 symlink

# --------------------------------------------------------------- locked
prepare locked f_xf_stale
d=$top/locked
ask_start "$d" -a "$d/.archive" $BASE --assume-stopped queue
wait_for "$d" '\[yes/no/all/quit\]' 1
(exec 9<"$d/queue/qf6AN5c54B012922"; flock -x 9; exec sleep 60) &
holders="$holders $!"
i=0
while flock -n -s "$d/queue/qf6AN5c54B012922" true; do
	i=$((i + 1)); [ $i -lt 200 ] || break; sleep 0.05
done
printf 'y\n' >&3
ask_end
if [ -e "$d/queue/xf6AN5c54B012922" ] &&
    grep -q 'NOT FIXED: .*locked by another process' "$d/.out"; then
	ok "locked (a job locked after the check is left alone)"
else
	bad locked "$(cat "$d/.out")"
fi

# ------------------------------------------------------------- own-lock
prepare ownlock f_xf_stale
d=$top/ownlock
(exec 9<"$d/queue"; flock -x 9; exec sleep 60) &
holders="$holders $!"
i=0
while flock -n -s "$d/queue" true; do
	i=$((i + 1)); [ $i -lt 200 ] || break; sleep 0.05
done
run "$d" -y -a "$d/.archive" $BASE --assume-stopped queue
st=$?
if [ -e "$d/queue/xf6AN5c54B012922" ] && [ $((st & 8)) -ne 0 ] &&
    grep -q 'another mqfsck is repairing this queue' "$d/.out"; then
	ok "own-lock (a queue another mqfsck repairs is only checked)"
else
	bad own-lock "status $st" "$(cat "$d/.out")"
fi

# --------------------------------------------------------------- daemon
prepare daemon f_xf_stale
d=$top/daemon
cp /bin/sleep "$d/sendmail"
# It works in the queue, as a sendmail does (it chdir()s into its base).
(cd "$d/queue" && exec "$d/sendmail" 60) &
holders="$holders $!"
i=0
while ! grep -qx sendmail "/proc/$!/comm" 2>/dev/null; do
	i=$((i + 1)); [ $i -lt 200 ] || break; sleep 0.05
done
# The real clock here, and -g 0: nothing is young.
run "$d" env -u MQFSCK_TIME "$mqfsck" -y -g 0 -a "$d/.archive" $BASE \
    -o PidFile=nosuch.pid queue
st1=$?
kept=no
[ -e "$d/queue/xf6AN5c54B012922" ] && kept=yes
run "$d" env -u MQFSCK_TIME "$mqfsck" -y -f -g 0 -a "$d/.archive" $BASE \
    -o PidFile=nosuch.pid queue
st2=$?
if [ $kept = yes ] && [ $st1 -eq 4 ] && [ $st2 -eq 1 ] &&
    [ ! -e "$d/queue/xf6AN5c54B012922" ]; then
	ok "daemon (a running sendmail blocks repairs; -f makes them)"
else
	bad daemon "statuses $st1, $st2; xf kept by the first run: $kept" "$(cat "$d/.out")"
fi

# ------------------------------------------------------------- hardlink
prepare hardlink f_hard_link
d=$top/hardlink
chmod 0644 "$d/queue/qf6AN5c54B012922"
run "$d" -y -a "$d/.archive" $BASE --assume-stopped queue
if [ "$(stat -c %a "$d/outside-link")" = 644 ] &&
    grep -q 'NOT FIXED: .*other names' "$d/.out"; then
	ok "hardlink (a file with a name outside the queue is not changed through it)"
else
	bad hardlink "$(cat "$d/.out")"
fi

# ------------------------------------------------------- hostile-archive
# An archive someone hands over (issue 10 case 7), made by hand: a df
# with the set-user-ID bit, a qf of nobody's that anyone may write, a
# file named authorized_keys, and one plain df.  Unsigned, --restore
# refuses it whole; with --restore-unverified it restores only the plain
# df and says why for each other file.
d=$top/harch
mkdir -p "$d/src/0" "$d/target"
chmod 0750 "$d/target"
printf 'body one\n' >"$d/src/0/df6AN5hhhh000001"
printf 'V8\nT1\nSnobody\nRPFD:"|/bin/sh -c id"\n.\n' >"$d/src/0/qf6AN5hhhh000002"
printf 'ssh-ed25519 AAAA evil\n' >"$d/src/0/authorized_keys"
printf 'body four\n' >"$d/src/0/df6AN5hhhh000004"
chmod 4755 "$d/src/0/df6AN5hhhh000001"
chmod 0666 "$d/src/0/qf6AN5hhhh000002"
chown 65534 "$d/src/0/qf6AN5hhhh000002"
chmod 0600 "$d/src/0/authorized_keys"
chmod 0640 "$d/src/0/df6AN5hhhh000004"
{
	echo "mqfsck-archive 1"
	echo "host elsewhere"
	echo "created 2026-12-01T00:00:00Z"
	echo "queue 0 $d/target"
	for f in df6AN5hhhh000001 qf6AN5hhhh000002 authorized_keys df6AN5hhhh000004; do
		echo "file 0 $f data $(stat -c '%04a %u %g %s %Y' "$d/src/0/$f").000000000 $(sha256sum <"$d/src/0/$f" | cut -d' ' -f1) 030002 orphan-df remove"
	done
	echo "end 4"
} >"$d/src/MANIFEST"
(cd "$d/src" && tar -czf "$d/hostile.tar.gz" 0 MANIFEST)
chmod 0600 "$d/hostile.tar.gz"
st1=0
"$mqfsck" --restore "$d/hostile.tar.gz" --key "$top/.key" "$d/target" \
    >"$d/.out1" 2>&1 || st1=$?
n1=$(find "$d/target" -type f | wc -l)
st2=0
"$mqfsck" --restore "$d/hostile.tar.gz" --key "$top/.key" --restore-unverified \
    "$d/target" >"$d/.out2" 2>&1 || st2=$?
why=
[ "$st1" -ne 0 ] && [ "$n1" -eq 0 ] || why="unsigned: exit $st1, $n1 files restored"
[ "$(find "$d/target" -type f | sed 's,.*/,,')" = df6AN5hhhh000004 ] ||
    why="${why:-restored: $(find "$d/target" -type f | sed 's,.*/,,' | tr '\n' ' ')}"
for w in 'df6AN5hhhh000001: .*set-user-ID' 'qf6AN5hhhh000002: .*others could write' \
    'authorized_keys: .*not the name of a sendmail queue file'; do
	grep -q "$w" "$d/.out2" || why="${why:-no refusal like /$w/}"
done
[ "$st2" -eq 4 ] || why="${why:-unverified restore: exit $st2, want 4 (files refused)}"
if [ -z "$why" ]; then
	ok "hostile-archive (unsigned: refused whole; unverified: set-id, writable control file, foreign name refused)"
else
	bad hostile-archive "$why" "$(cat "$d/.out1" "$d/.out2")"
fi

# ------------------------------------------------------------- wildcard
# QueueDirectory=<spool>/* (issue 10 case 5) takes cron's and lpd's
# spools and a q* directory of nobody's.  -p must adopt none of them:
# with nobody's directory there, nothing of the configuration changes
# (exit 8); without it, the real queue is repaired and cron's and lpd's
# directories stay exactly as they were.
d=$top/wild
mkdir -p "$d/spool"
mkdir -m 0700 "$d/spool/cron"
echo '* * * * * root true' >"$d/spool/cron/root"
mkdir -m 0775 "$d/spool/lpd"
: >"$d/spool/lpd/lock"
mkdir -m 0750 "$d/spool/mqueue" "$d/spool/qmine"
for f in qf6AN5c54C012923 df6AN5c54C012923; do
	cp "$root/fixtures/f_untrusted_control/queue/$f" "$d/spool/mqueue/"
	cp "$root/fixtures/f_untrusted_control/queue/$f" "$d/spool/qmine/"
done
chmod 0644 "$d/spool/mqueue/qf6AN5c54C012923"
chown -R 65534 "$d/spool/qmine"
wtree() { (cd "$d/spool" && find . -printf '%p %m %u %s\n' | sort); }
wtree >"$d/before"
st1=0
"$mqfsck" -p -c none -o "QueueDirectory=$d/spool/*" \
    -o DontBlameSendmail=TrustStickyBit --assume-stopped --no-syslog \
    -a "$d/arch" >"$d/.out1" 2>&1 || st1=$?
why=
[ $((st1 & 8)) -ne 0 ] || why="with nobody's q*: exit $st1, want 8 set"
wtree | cmp -s "$d/before" - ||
    why="${why:-with nobody's q*: changed $(wtree | diff "$d/before" - | head -n 4 | tr '\n' ' ')}"
rm -rf "$d/spool/qmine"
wtree | grep -v '^\./mqueue' >"$d/before2"
st2=0
"$mqfsck" -p -c none -o "QueueDirectory=$d/spool/*" \
    -o DontBlameSendmail=TrustStickyBit --assume-stopped --no-syslog \
    -a "$d/arch" >"$d/.out2" 2>&1 || st2=$?
wtree | grep -v '^\./mqueue' | cmp -s "$d/before2" - ||
    why="${why:-cron's or lpd's spool changed: $(wtree | grep -v '^\./mqueue' | diff "$d/before2" - | head -n 4 | tr '\n' ' ')}"
[ "$(stat -c %a "$d/spool/mqueue/qf6AN5c54C012923")" = 600 ] ||
    why="${why:-the real queue was not repaired (exit $st2)}"
if [ -z "$why" ]; then
	ok "wildcard (spool/*: nobody's q* refuses the set, exit $st1; cron and lpd untouched, the real queue repaired, exit $st2)"
else
	bad wildcard "$why" "$(cat "$d/.out1" "$d/.out2")"
fi

# ------------------------------------------------------------ etc-queue
# QueueDirectory=/etc (a typo, a bad template) under -y: in a private
# mount namespace, a copy of /etc is bound over /etc, so whatever the run
# did would change only the copy.  It must refuse (exit 8, not-a-queue),
# change nothing in it, and write no archive.
if ! unshare --mount true 2>/dev/null; then
	echo "skip repair/etc-queue (unshare --mount is not permitted here)"
else
	d=$top/etcq
	mkdir -p "$d/etc"
	cp -a /etc/. "$d/etc/"
	cat >"$d/run.sh" <<EOS
mount --make-rprivate / && mount --bind "$d/etc" /etc || exit 99
snap() { find /etc -printf '%p %m %u %s %T@\n' | sort; }
snap >"$d/before"
st=0
"$mqfsck" -y -c none -o QueueDirectory=/etc --assume-stopped --no-syslog \
    -a "$d/arch" >"$d/.out" 2>&1 || st=\$?
snap >"$d/after"
exit \$st
EOS
	st=0
	unshare --mount sh "$d/run.sh" || st=$?
	if [ "$st" -eq 99 ]; then
		echo "skip repair/etc-queue (cannot bind-mount over /etc in a mount namespace here)"
	elif [ $((st & 8)) -ne 0 ] && grep -q 'not-a-queue' "$d/.out" &&
	    cmp -s "$d/before" "$d/after" && [ ! -e "$d/arch" ] &&
	    [ -s "$d/before" ]; then
		ok "etc-queue (QueueDirectory=/etc under -y: refused, exit $st, nothing in it changed)"
	else
		bad etc-queue "exit $st, want 8 set; $(diff "$d/before" "$d/after" | head -n 3)" "$(head -n 5 "$d/.out")"
	fi
fi

exit $failed
