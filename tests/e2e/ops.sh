#!/bin/sh
# ops.sh - what an operator sees besides the report:
#   syslog       -p logs every problem and every fix, facility mail, with
#                its code, into a private /dev/log (unshare --mount);
#                --no-syslog and -n log nothing
#   progress     -C FD: e2fsck's "pass current total where" lines, each
#                pass from 0 to its total; bad descriptors are usage errors
#   bar          -C 0 on a terminal (script(1)): a bar on stderr, and the
#                report with the bar taken out is the report without it
#   prometheus   --format=prometheus: well-formed textfile metrics that
#                agree with the JSON summary of the same run, per queue
#                too, accepted by promtool check metrics; the shipped
#                alert rules pass promtool check rules and their unit
#                tests (promtool test rules)
#   interrupt    SIGINT stops a check (exit 32, not every entry judged)
#                and a repair between two jobs (32, the rest NOT FIXED);
#                a rerun converges
#   time-limit   --time-limit stops a check (8, nothing changed) and a
#                repair between two jobs (8+4, rerun converges); -p's
#                default is shorter than the systemd unit's timeout
#   running      a process named sendmail working in another directory
#                (another queue's, another container's) leaves -y
#                repairing; one working in the queue's base makes it a
#                check (notice and warning, nothing changed, exit 4) in
#                which a file last written long ago is judged, whatever
#                its ctime
#   archive-full an archive directory on a full file system: -y changes
#                nothing, its status has 8, and it says where and how
#                many bytes the files to archive need
#   sendmail-options  sendmail's own option syntax names the queue as
#                well as a queue argument does: -oQ/path, -o Q=/path,
#                -O QueueDirectory=/path, and -C FILE (a configuration;
#                -C with a number stays fsck(8)'s progress descriptor)
#   metrics-file --metrics-file publishes on every exit status (4, then 1,
#                then 4 again), atomically (no temporary file left), with
#                the last clean run's time carried over; a path that
#                cannot be written is a warning, not another status
#   max-lines    a queue of 25 orphaned data files: 10 lines of the code
#                and "15 more not shown" by default, every line with -v,
#                n with --max-lines n, the fix lines of -y capped alike;
#                the closing counts, the JSON records and the exit status
#                agree whatever is shown
#   select       --only and --skip (names, numbers, lists) limit what is
#                reported, counted, fixed and decides the exit status;
#                --job ID (and IDs on standard input with --job -) limits
#                the run to those jobs: -y changes their files and no
#                other's, and an exchange of bodies with a job not named
#                is left with a warning; bad codes and IDs are usage
#                errors; --show ID prints the job (files, sender,
#                recipients, status) and changes nothing
#   install      make install DESTDIR=...: the program, both man pages,
#                the systemd unit and drop-in, the SysV snippet, all
#                naming the installed path
#
# Usage: MQ_MQFSCK=/abs/mqfsck ops.sh
# Prints "ok   ops/NAME", "skip ops/NAME (why)" or "FAIL ops/NAME" lines;
# exits 0 or 1.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
SUITE=ops
# --assume-stopped: a sendmail running elsewhere on the host (another
# test, another container) must not turn these repairs into checks.
BASE="$FIXTURE_OPTS --lost-found lf --assume-stopped"
FX=n_many_problems
top=$(mktemp -d /tmp/mqfsck-ops.XXXXXX)
cleanup() { [ -n "${MQ_KEEP:-}" ] || rm -rf "$top"; }
trap cleanup EXIT INT TERM

# prepare NAME - a scratch copy of the many-problems fixture in $top/NAME
prepare() {
	scratch_copy "$root/fixtures/$FX" "$top/$1"
	return 0
}

# ---------------------------------------------------------------- syslog
# logsink (tests/interop) serves a private /dev/log in a mount namespace.
t_syslog() {
	if ! unshare --mount true 2>/dev/null; then
		skip syslog "unshare --mount is not permitted here"
		return
	fi
	if ! cc -std=c11 -O1 -o "$top/logsink" "$root/tests/interop/logsink.c" 2>"$top/cc.err"; then
		bad syslog "cannot build logsink: $(head -n 3 "$top/cc.err")"
		return
	fi
	prepare syslog
	cat >"$top/syslog.sh" <<'EOF'
set -u
mount -t tmpfs -o mode=0755,size=64k opsdev /dev
mknod -m 666 /dev/null c 1 3
"$LOGSINK" /dev/log "$D/log" &
n=0
while [ ! -S /dev/log ] && [ $n -lt 2000 ]; do n=$((n + 1)); sleep 0.005; done
cd "$D"
# shellcheck disable=SC2086 # word splitting of the options is meant
"$MQFSCK" -p -a arch $BASE queue >p.out 2>p.err; echo $? >p.st
mv log p.log 2>/dev/null; : >log
# shellcheck disable=SC2086
"$MQFSCK" -n $BASE queue >n.out 2>&1; echo $? >n.st
mv log n.log 2>/dev/null; : >log
kill -TERM $!
wait
EOF
	D=$top/syslog LOGSINK=$top/logsink MQFSCK=$mqfsck BASE="$BASE" \
	    unshare --mount sh "$top/syslog.sh" >"$top/syslog.err" 2>&1
	d=$top/syslog
	why=
	[ -s "$d/p.log" ] || why="-p logged nothing ($(head -n 2 "$top/syslog.err"))"
	if [ -z "$why" ]; then
		# every problem and fix line of -p's report is in the log, at
		# facility mail (2 << 3): <PRI> 16..23
		grep ': [0-9a-f]\{6\} ' "$d/p.out" >"$d/p.lines"
		[ -s "$d/p.lines" ] || why="-p printed no problem or fix line"
		while IFS= read -r l; do
			grep -qF -- "$l" "$d/p.log" || { why="not in syslog: $l"; break; }
		done <"$d/p.lines"
		bad_pri=$(sed -n 's/^<\([0-9]*\)>.*/\1/p' "$d/p.log" |
		    awk '$1 < 16 || $1 > 23' | head -n 1)
		[ -z "$bad_pri" ] || why="a line not of facility mail: <$bad_pri>"
		grep -q '^<18>.*mqfsck\[[0-9]*\]: UNEXPECTED INCONSISTENCY' "$d/p.log" ||
		    why="${why:-no critical UNEXPECTED INCONSISTENCY line}"
		grep -q '^<21>.* 030001 no-df .*: FIXED' "$d/p.log" ||
		    why="${why:-the no-df fix is not logged at notice}"
		grep -q '^<20>.* 030001 no-df ' "$d/p.log" ||
		    why="${why:-the no-df problem is not logged as a warning with its code}"
		[ -s "$d/n.log" ] && why="${why:-mqfsck -n logged without --syslog}"
	fi
	[ -z "$why" ] && ok syslog || bad syslog "$why"

	# --no-syslog under -p: nothing logged (the other tests rely on it)
	prepare nosyslog
	sed -e 's|"\$MQFSCK" -p|"$MQFSCK" -p --no-syslog|' "$top/syslog.sh" >"$top/nosyslog.sh"
	D=$top/nosyslog LOGSINK=$top/logsink MQFSCK=$mqfsck BASE="$BASE" \
	    unshare --mount sh "$top/nosyslog.sh" >/dev/null 2>&1
	if [ -s "$top/nosyslog/p.log" ]; then
		bad no-syslog "-p --no-syslog logged: $(head -n 1 "$top/nosyslog/p.log")"
	elif [ "$(cat "$top/nosyslog/p.st" 2>/dev/null)" != 4 ]; then
		bad no-syslog "-p --no-syslog did not run (status $(cat "$top/nosyslog/p.st" 2>/dev/null))"
	else
		ok no-syslog
	fi
}

# -------------------------------------------------------------- progress
t_progress() {
	prepare progress
	d=$top/progress
	# shellcheck disable=SC2086
	(cd "$d" && "$mqfsck" -y --no-syslog -a arch -C 3 $BASE queue \
	    3>"$d/prog" >"$d/out" 2>&1)
	why=$(awk '
	NF < 4 || $1 !~ /^[1-3]$/ || $2 !~ /^[0-9]+$/ || $3 !~ /^[0-9]+$/ {
		print "malformed line " NR ": " $0; exit }
	$2 > $3 { print "current above total: " $0; exit }
	{
		key = $1 " " $4
		if (!(key in last) || $2 == 0) { if ($2 != 0) { print "a pass not starting at 0: " $0; exit } }
		else if ($2 < last[key]) { print "going back: " $0; exit }
		last[key] = $2; total[key] = $3; seen[$1] = 1
	}
	END {
		for (k in last) if (last[k] != total[k]) { print "pass " k " ended at " last[k] " of " total[k]; exit }
		if (!seen[1] || !seen[2] || !seen[3]) print "not every pass (1 2 3) reported"
	}' "$d/prog")
	[ -z "$why" ] && ok progress-fd || bad progress-fd "$why"

	why=
	# (-C with anything but a number is sendmail's -C FILE: see
	# sendmail-options)
	for c in 1 2 1000; do
		st=0
		"$mqfsck" -n -C "$c" -c none "$d/queue" >/dev/null 2>&1 || st=$?
		[ $st -eq 16 ] || why="-C $c: exit status $st, expected 16 (usage)"
	done
	st=0
	"$mqfsck" -n -C 9 -c none "$d/queue" 9>&- >/dev/null 2>&1 || st=$?
	[ $st -eq 16 ] || why="-C 9 with fd 9 closed: exit status $st, expected 16"
	[ -z "$why" ] && ok progress-usage || bad progress-usage "$why"
}

# ------------------------------------------------------------------- bar
t_bar() {
	if ! command -v script >/dev/null 2>&1; then
		skip bar "script(1) is not installed"
		return
	fi
	prepare bar
	d=$top/bar
	# shellcheck disable=SC2086
	(cd "$d" && "$mqfsck" -n $BASE queue >"$d/plain" 2>&1)
	(cd "$d" && script -qec "$mqfsck -n -C 0 $BASE queue" /dev/null \
	    </dev/null >"$d/tty" 2>&1)
	why=
	grep -q "$(printf '\r')mqfsck: entries \[" "$d/tty" ||
	    why="no bar on the terminal"
	# Take the bars out (each starts with CR and ends with ESC [ K),
	# and the terminal's CR before LF; the rest is the plain report
	# but for the time taken.
	esc=$(printf '\033')
	tr -d '\r' <"$d/tty" | sed "s/mqfsck: [a-z]* *\\[[#.]*\\][^$esc]*$esc\\[K//g; s/$esc\\[K//g" |
	    sed 's/([0-9.]* s)$/(T s)/' >"$d/tty.clean"
	sed 's/([0-9.]* s)$/(T s)/' "$d/plain" >"$d/plain.clean"
	if [ -z "$why" ] && ! cmp -s "$d/plain.clean" "$d/tty.clean"; then
		why="the report differs with the bar: $(diff "$d/plain.clean" "$d/tty.clean" | head -n 4 | tr '\n' ' ')"
	fi
	[ -z "$why" ] && ok bar || bad bar "$why"
}

# ------------------------------------------------------------ prometheus
t_prometheus() {
	prepare prom
	d=$top/prom
	st=0
	# shellcheck disable=SC2086
	(cd "$d" && "$mqfsck" -n --format prometheus $BASE queue >"$d/prom" 2>"$d/err") || st=$?
	# shellcheck disable=SC2086
	(cd "$d" && "$mqfsck" -n --json $BASE queue >"$d/json" 2>/dev/null)
	why=$(awk -v st="$st" '
	/^# HELP [a-z_]+ / { help[$3] = 1; next }
	/^# TYPE [a-z_]+ gauge$/ { type[$3] = 1; next }
	/^#/ { print "a comment that is neither HELP nor TYPE: " $0; exit }
	!/^[a-z_]+(\{[a-z_]+="[^"\\]*"(,[a-z_]+="[^"\\]*")*\})? [0-9]+(\.[0-9]+)?$/ {
		print "not a sample: " $0; exit }
	{
		name = $1; sub(/\{.*/, "", name)
		if (!(name in help) || !(name in type)) { print "no HELP/TYPE before " name; exit }
		if (name == "mqfsck_exit_status" && $2 != st) { print "exit status " $2 ", ran " st; exit }
	}' "$d/prom")
	[ -s "$d/err" ] && why="${why:-it wrote to stderr: $(head -n 1 "$d/err")}"
	# Every problem count agrees with the JSON summary of the same queue.
	for nv in $(sed -n 's/.*"by_name":{\([^}]*\)}.*/\1/p' "$d/json" | tr ',' ' ' | tr -d '"'); do
		n=${nv%%:*}
		v=${nv#*:}
		grep -q "^mqfsck_problems{code=\"[0-9a-f]*\",name=\"$n\",severity=\"[a-z]*\"} $v\$" "$d/prom" ||
		    why="${why:-mqfsck_problems for $n is not $v}"
	done
	codes=$(grep -c '^mqfsck_problems{' "$d/prom")
	table=$(cat "$root/model/problems.def" "$root/format/qf_defects.def" |
	    grep -c '^PROBLEM(\|^QF_DEFECT(')
	[ "$codes" -eq "$table" ] || why="${why:-$codes problem series, the table has $table codes}"
	jobs=$(sed -n 's/.*"jobs":\([0-9]*\).*/\1/p' "$d/json")
	grep -q "^mqfsck_jobs $jobs\$" "$d/prom" || why="${why:-mqfsck_jobs is not $jobs}"
	grep -q '^mqfsck_last_run_timestamp_seconds '"$MQFSCK_TIME"'$' "$d/prom" ||
	    why="${why:-mqfsck_last_run_timestamp_seconds is not MQFSCK_TIME}"
	# Per queue: its jobs add up to the run's, its problems to the codes'.
	qjobs=$(awk '/^mqfsck_queue_jobs\{queue="queue"\} / { print $2 }' "$d/prom")
	[ "${qjobs:-none}" = "$jobs" ] || why="${why:-mqfsck_queue_jobs{queue=\"queue\"} is ${qjobs:-missing}, not $jobs}"
	qprob=$(awk '/^mqfsck_queue_problems\{queue="queue",/ { s += $2 } END { print s + 0 }' "$d/prom")
	allprob=$(awk '/^mqfsck_problems\{/ { s += $2 } END { print s + 0 }' "$d/prom")
	[ "$qprob" -eq "$allprob" ] || why="${why:-per-queue problems $qprob, all $allprob}"
	grep -q '^mqfsck_queue_oldest_job_age_seconds{queue="queue"} [1-9]' "$d/prom" ||
	    why="${why:-no age of the queue's oldest job}"
	# Prometheus' own tools: the metrics, the shipped alert rules and
	# their unit tests (Debian's prometheus package).
	if command -v promtool >/dev/null 2>&1; then
		promtool check metrics <"$d/prom" >"$d/pt" 2>&1 ||
		    why="${why:-promtool check metrics: $(head -n 1 "$d/pt")}"
		promtool check rules "$root/contrib/prometheus/mqfsck.rules.yml" >"$d/pt" 2>&1 ||
		    why="${why:-promtool check rules: $(grep -m 1 -i 'fail\|error' "$d/pt")}"
		(cd "$root/contrib/prometheus" && promtool test rules mqfsck.rules.test.yml) >"$d/pt" 2>&1 ||
		    why="${why:-promtool test rules: $(grep -m 1 -i 'fail\|error\|exp' "$d/pt")}"
	else
		why="${why:-promtool is not installed (make deps-test installs Debian's prometheus)}"
	fi
	[ -z "$why" ] && ok prometheus || bad prometheus "$why"

	# After -y: fixes made, nothing left, exit status 1.
	st=0
	# shellcheck disable=SC2086
	(cd "$d" && "$mqfsck" -y --no-syslog -a arch --format prometheus $BASE queue >"$d/prom.y" 2>"$d/err.y") || st=$?
	why=
	fixed=$(sed -n 's/^mqfsck_fixes{result="fixed"} //p' "$d/prom.y")
	[ "${fixed:-0}" -gt 0 ] || why="no fixes counted after -y"
	grep -q "^mqfsck_exit_status $st\$" "$d/prom.y" || why="${why:-exit status metric is not $st}"
	grep -q '^mqfsck_problems_left [0-9]' "$d/prom.y" || why="${why:-no mqfsck_problems_left}"
	grep -q ': [0-9a-f]\{6\} ' "$d/prom.y" && why="${why:-report lines mixed into the metrics}"
	[ -z "$why" ] && ok prometheus-repair || bad prometheus-repair "$why"
}

# converges REF - after a run stopped part way in $d, one more -y there
# ends where a single uninterrupted -y on a fresh copy ($top/REF) ends:
# the same check report and exit status; sets why when it does not
converges() {
	# shellcheck disable=SC2086
	(cd "$d" && "$mqfsck" -y --no-syslog -a arch $BASE queue >"$d/out2" 2>&1)
	cst=0
	# shellcheck disable=SC2086
	(cd "$d" && "$mqfsck" -n $BASE queue >"$d/out3" 2>&1) || cst=$?
	prepare "$1"
	# shellcheck disable=SC2086
	(cd "$top/$1" && "$mqfsck" -y --no-syslog -a arch $BASE queue >/dev/null 2>&1)
	rst=0
	# shellcheck disable=SC2086
	(cd "$top/$1" && "$mqfsck" -n $BASE queue >"$top/$1/out3" 2>&1) || rst=$?
	sed 's/([0-9.]* s)$//' "$d/out3" >"$d/out3.c"
	sed 's/([0-9.]* s)$//' "$top/$1/out3" >"$top/$1/out3.c"
	[ $cst -eq $rst ] && cmp -s "$d/out3.c" "$top/$1/out3.c" ||
	    why="${why:-the rerun did not converge to the uninterrupted end state: $(diff "$top/$1/out3.c" "$d/out3.c" | head -n 3 | tr '\n' ' ')}"
}

# ------------------------------------------------------------- interrupt
# A check: a queue of 20000 orphaned data files, and SIGINT as soon as
# the first -C line of pass 1 is read (the pass takes far longer than the
# signal).  A repair: MQFSCK_FAULT_SIGNAL=INT raises SIGINT at the 4th
# change exactly (format/sio.c), as a ^C there would.
t_interrupt() {
	prepare int-check
	d=$top/int-check
	mkdir "$d/big"
	seq -f "$d/big/df6AN5aa%08.0f" 1 20000 | xargs touch
	mkfifo "$d/fifo"
	# shellcheck disable=SC2086
	(cd "$d" && exec "$mqfsck" -n -C 3 $BASE big \
	    3>"$d/fifo" >"$d/out" 2>&1) &
	pid=$!
	exec 4<"$d/fifo"
	IFS= read -r l <&4
	kill -INT $pid
	cat <&4 >/dev/null
	exec 4<&-
	st=0
	wait $pid || st=$?
	why=
	[ $((st & 32)) -eq 32 ] || why="exit status $st, expected 32 set"
	grep -q '^mqfsck: interrupted: the queues were not all checked' "$d/out" ||
	    why="${why:-no 'interrupted' line: $(tail -n 2 "$d/out" | tr '\n' ' ')}"
	n=$(grep -c ' orphan-df ' "$d/out")
	[ "$n" -lt 20000 ] || why="${why:-all 20000 entries were checked after SIGINT}"
	[ -z "$why" ] && ok interrupt-check || bad interrupt-check "$why"

	prepare int-repair
	d=$top/int-repair
	st=0
	# shellcheck disable=SC2086
	(cd "$d" && MQFSCK_FAULT_AFTER=3 MQFSCK_FAULT_SIGNAL=INT \
	    "$mqfsck" -y --no-syslog -a arch $BASE queue >"$d/out" 2>&1) || st=$?
	why=
	[ $((st & 32)) -eq 32 ] || why="exit status $st, expected 32 set"
	grep -q '^mqfsck: interrupted: the repairs stopped between two jobs' "$d/out" ||
	    why="${why:-no 'interrupted' line: $(tail -n 2 "$d/out" | tr '\n' ' ')}"
	grep -q ': FIXED: ' "$d/out" || why="${why:-nothing was fixed before the signal}"
	grep -q 'NOT FIXED: interrupted before this job' "$d/out" ||
	    why="${why:-no fix left for the rerun}"
	# The rerun converges to the end state of one uninterrupted -y.
	converges int-ref
	[ -z "$why" ] && ok interrupt-repair || bad interrupt-repair "$why"
}

# --------------------------------------------------------------- running
# fake_sendmail DIR - start a process named sendmail (a copy of sleep(1))
# with DIR as its working directory; its pid in fake
fake_sendmail() {
	(cd "$1" && exec "$top/sendmail" 600) &
	fake=$!
	# Wait until it is the program named sendmail, not the subshell.
	n=0
	while [ "$(readlink "/proc/$fake/exe" 2>/dev/null)" != "$top/sendmail" ] &&
	    [ $n -lt 2000 ]; do
		n=$((n + 1))
		sleep 0.01
	done
}

# A sendmail is at work on a queue when the pid file of its
# configuration names it, or when it works in the queue's base (sendmail
# chdir()s there before it touches a queue): not whenever some process
# on the host is named sendmail.  Run without --assume-stopped.
t_running() {
	why=
	cp "$(command -v sleep)" "$top/sendmail"
	mkdir -p "$top/elsewhere"
	prepare running-elsewhere
	d=$top/running-elsewhere
	fake_sendmail "$top/elsewhere"
	st=0
	# shellcheck disable=SC2086
	(cd "$d" && "$mqfsck" -y --no-syslog -a arch $FIXTURE_OPTS \
	    --lost-found lf queue >"$d/out" 2>"$d/err") || st=$?
	kill "$fake" 2>/dev/null
	wait "$fake" 2>/dev/null
	[ $((st & 1)) -eq 1 ] ||
	    why="${why:-a sendmail elsewhere: exit $st, no fix made}"
	grep -q 'sendmail-running' "$d/out" &&
	    why="${why:-a sendmail elsewhere was taken as running on the queue}"

	prepare running-here
	d=$top/running-here
	tree running-here >"$top/before"
	fake_sendmail "$d/queue"
	st=0
	# shellcheck disable=SC2086
	(cd "$d" && "$mqfsck" -y --no-syslog -a arch $FIXTURE_OPTS \
	    --lost-found lf queue >"$d/out" 2>"$d/err") || st=$?
	kill "$fake" 2>/dev/null
	wait "$fake" 2>/dev/null
	tree running-here >"$top/after"
	[ "$st" -eq 4 ] || why="${why:-a sendmail in the queue: exit $st, not 4}"
	grep -q "sendmail-running .*pid $fake" "$d/out" ||
	    why="${why:-a sendmail in the queue: no sendmail-running notice with its pid}"
	grep -q 'checking only' "$d/err" ||
	    why="${why:-a sendmail in the queue: no warning that it only checks}"
	cmp -s "$top/before" "$top/after" ||
	    why="${why:-a sendmail in the queue: the queue was changed}"
	# In flight is judged by the last write (mtime, 2 h before the
	# tests' clock), not by the ctime the copy just gave every file: the
	# orphan df is judged although a sendmail runs.
	grep -q ' 030002 orphan-df ' "$d/out" ||
	    why="${why:-a file written 2 h ago and copied now was taken as in flight}"
	[ -z "$why" ] && ok running || bad running "$why"
}

# ---------------------------------------------------------- archive full
# The archive directory on a 64 KiB tmpfs, mounted in a private mount
# namespace; six orphaned data files of 300,000 bytes to archive.
t_archive_full() {
	if ! unshare --mount true 2>/dev/null; then
		skip archive-full "unshare --mount is not permitted here"
		return
	fi
	why=
	prepare archive-full
	d=$top/archive-full
	for i in 1 2 3 4 5 6; do
		head -c 300000 /dev/urandom >"$d/queue/df6AN5zzzz00000$i"
		touch -d @1795413600 "$d/queue/df6AN5zzzz00000$i"
	done
	mkdir -m 700 "$d/small"
	tree archive-full >"$top/full.before"
	{
		echo 'mount --make-rprivate / &&'
		echo "    mount -t tmpfs -o size=64k,mode=0700 tmpfs '$d/small' || exit 99"
		echo "cd '$d' && exec '$mqfsck' -y --no-syslog -a '$d/small/arch' $BASE queue"
	} >"$d/run.sh"
	st=0
	unshare --mount sh "$d/run.sh" >"$d/out" 2>"$d/err" || st=$?
	if [ "$st" -eq 99 ]; then
		skip archive-full "cannot mount a tmpfs in a mount namespace here"
		return
	fi
	tree archive-full >"$top/full.after"
	[ $((st & 8)) -eq 8 ] || why="${why:-exit $st, without the error bit 8}"
	cmp -s "$top/full.before" "$top/full.after" ||
	    why="${why:-the queue was changed without an archive}"
	grep -q "$d/small/arch: the archive could not be written (.*No space left on device.*): the files to archive need about [0-9]* bytes" "$d/err" ||
	    why="${why:-no message naming the directory, the cause and the space needed: $(head -n 3 "$d/err")}"
	{ grep -q 'NOT FIXED' "$d/out" && ! grep -q ': FIXED:' "$d/out"; } ||
	    why="${why:-a fix was reported made}"
	[ -z "$why" ] && ok archive-full || bad archive-full "$why"
}

# ------------------------------------------------------- sendmail options
t_sendmail_options() {
	why=
	prepare options
	d=$top/options
	q=$d/queue
	# The reference: the queue named as an argument.
	# shellcheck disable=SC2086
	(cd "$d" && "$mqfsck" -n $BASE "$q" >"$d/ref" 2>&1)
	ref=$?
	printf 'V10\nO QueueDirectory=%s\n' "$q" >"$d/q.cf"
	n=0
	for opts in "-oQ$q" "-o Q=$q" "-O QueueDirectory=$q" "-C $d/q.cf"; do
		n=$((n + 1))
		st=0
		# shellcheck disable=SC2086
		(cd "$d" && "$mqfsck" -n $BASE $opts >"$d/out$n" 2>&1) || st=$?
		[ "$st" -eq "$ref" ] || why="${why:-$opts: exit $st, not $ref}"
		# Same findings; only the settings' source may differ.
		grep -v 'settings from' "$d/ref" | sed 's/([0-9.]* s)//' >"$d/a"
		grep -v 'settings from' "$d/out$n" | sed 's/([0-9.]* s)//' >"$d/b"
		cmp -s "$d/a" "$d/b" || why="${why:-$opts: not the same report as the queue argument: $(diff "$d/a" "$d/b" | head -n 3)}"
	done
	[ -z "$why" ] && ok sendmail-options || bad sendmail-options "$why"
}

# ----------------------------------------------------------- metrics file
# metric NAME FILE - the value of an unlabelled metric, or "none"
metric() {
	awk -v n="$1" '$1 == n { print $2; f = 1 } END { if (!f) print "none" }' "$2"
}

t_metrics_file() {
	why=
	scratch_copy "$root/fixtures/f_xf_stale" "$top/metrics"
	d=$top/metrics
	m=$d/collector/mqfsck.prom
	mkdir "$d/collector"
	run1=0
	# shellcheck disable=SC2086
	(cd "$d" && "$mqfsck" -n -q $FIXTURE_OPTS --assume-stopped --metrics-file "$m" queue) >/dev/null 2>&1 || run1=$?
	[ "$run1" -eq 4 ] || why="${why:-the check: exit $run1, not 4}"
	[ "$(metric mqfsck_exit_status "$m")" = 4 ] ||
	    why="${why:-a run with problems left (exit 4) published no status 4}"
	[ "$(metric mqfsck_last_clean_run_timestamp_seconds "$m")" = none ] ||
	    why="${why:-a clean run time before any clean run}"
	run2=0
	# shellcheck disable=SC2086
	(cd "$d" && "$mqfsck" -y -q -a arch $FIXTURE_OPTS --assume-stopped --metrics-file "$m" queue) >/dev/null 2>&1 || run2=$?
	[ "$(metric mqfsck_exit_status "$m")" = "$run2" ] && [ "$run2" -eq 1 ] ||
	    why="${why:-the repair: exit $run2, published $(metric mqfsck_exit_status "$m")}"
	[ "$(metric mqfsck_last_clean_run_timestamp_seconds "$m")" = "$MQFSCK_TIME" ] ||
	    why="${why:-a clean run (exit 1) did not publish its time as the last clean run}"
	# Damage again, later: the last clean run is the one before.
	touch -d @1795413600 "$d/queue/xf6AN5c54B012922"
	run3=0
	# shellcheck disable=SC2086
	(cd "$d" && MQFSCK_TIME=$((MQFSCK_TIME + 100)) "$mqfsck" -n -q $FIXTURE_OPTS --assume-stopped \
	    --metrics-file "$m" queue) >/dev/null 2>&1 || run3=$?
	[ "$(metric mqfsck_exit_status "$m")" = 4 ] && [ "$run3" -eq 4 ] ||
	    why="${why:-the check after new damage: exit $run3, published $(metric mqfsck_exit_status "$m")}"
	[ "$(metric mqfsck_last_run_timestamp_seconds "$m")" = $((MQFSCK_TIME + 100)) ] ||
	    why="${why:-the last run time is not the last run's}"
	[ "$(metric mqfsck_last_clean_run_timestamp_seconds "$m")" = "$MQFSCK_TIME" ] ||
	    why="${why:-the last clean run time was not carried over}"
	[ "$(find "$d/collector" -type f | wc -l)" -eq 1 ] ||
	    why="${why:-files left beside the metrics: $(ls -A "$d/collector")}"
	# A path that cannot be written: a warning, the status stays.
	run4=0
	# shellcheck disable=SC2086
	(cd "$d" && "$mqfsck" -n -q $FIXTURE_OPTS --assume-stopped --metrics-file "$d/nosuch/m.prom" queue) \
	    >/dev/null 2>"$d/err4" || run4=$?
	[ "$run4" -eq 4 ] && grep -q 'warning: --metrics-file' "$d/err4" ||
	    why="${why:-an unwritable metrics file: exit $run4, $(head -n 1 "$d/err4")}"
	[ -z "$why" ] && ok metrics-file || bad metrics-file "$why"
}

# -------------------------------------------------------------- max lines
# lines_of CODE FILE - how many report lines of problem CODE
lines_of() {
	grep -c "^queue: $1 " "$2"
}

t_max_lines() {
	why=
	d=$top/maxlines
	mkdir -p "$d/queue"
	i=10
	while [ $i -lt 35 ]; do
		printf 'body %s\n' $i >"$d/queue/df6AN5c54B0129$i"
		i=$((i + 1))
	done
	chmod 0750 "$d/queue"
	chmod 0640 "$d/queue"/*
	run() { # OUT ARGS... - a check of the queue, its exit status in OUT.st
		o=$1
		shift
		st=0
		# shellcheck disable=SC2086
		(cd "$d" && "$mqfsck" $FIXTURE_OPTS --assume-stopped "$@" queue) >"$d/$o" 2>&1 || st=$?
		echo "$st" >"$d/$o.st"
	}
	run def -n
	run all -n -v
	run three -n --max-lines 3
	run zero -n --max-lines 0
	run json -n --json
	[ "$(lines_of 030002 "$d/def")" -eq 10 ] || why="${why:-default: $(lines_of 030002 "$d/def") lines, not 10}"
	grep -q '^mqfsck: 030002 orphan-df: 15 more not shown' "$d/def" || why="${why:-default: no count of the 15 left out}"
	[ "$(lines_of 030002 "$d/all")" -eq 25 ] || why="${why:--v: $(lines_of 030002 "$d/all") lines, not 25}"
	[ "$(lines_of 030002 "$d/zero")" -eq 25 ] || why="${why:---max-lines 0: not every line}"
	[ "$(lines_of 030002 "$d/three")" -eq 3 ] || why="${why:---max-lines 3: $(lines_of 030002 "$d/three") lines}"
	grep -q '^mqfsck: 030002 orphan-df: 22 more not shown' "$d/three" || why="${why:---max-lines 3: no count of the 22 left out}"
	grep -q 'more not shown' "$d/all" && why="${why:--v still leaves lines out}"
	[ "$(grep -c '"type":"problem","code":"0x030002"' "$d/json")" -eq 25 ] || why="${why:-JSON does not have every problem}"
	for o in def all three zero; do
		grep -q 'problems (orphan-df 25)' "$d/$o" || why="${why:-$o: the closing line does not count all 25}"
		[ "$(cat "$d/$o.st")" -eq 4 ] && grep -q '^mqfsck: exit status 4: problems left$' "$d/$o" ||
		    why="${why:-$o: exit $(cat "$d/$o.st") and its words disagree}"
	done
	grep -q '\[-p, -y: archive-remove\]$' "$d/def" || why="${why:--n does not say what -p and -y would do}"
	run fix -y -a arch --max-lines 4
	[ "$(grep -c '^queue: 030002 orphan-df .*: FIXED: ' "$d/fix")" -eq 4 ] &&
	    grep -q '^mqfsck: 030002 orphan-df: 21 more fixes not shown' "$d/fix" ||
	    why="${why:--y --max-lines 4: fix lines not capped at 4 with a count of the rest}"
	grep -q '^mqfsck: 25 fixes made, 0 not made; 0 problems left' "$d/fix" && [ "$(cat "$d/fix.st")" -eq 1 ] &&
	    grep -q '^mqfsck: exit status 1: fixes made, nothing left$' "$d/fix" ||
	    why="${why:--y: the totals, the status $(cat "$d/fix.st") and its words disagree}"
	[ -z "$why" ] && ok max-lines || bad max-lines "$why"
}

# ----------------------------------------------------------------- select
# codes FILE - the problem codes of a report's lines, sorted, one per line
codes() {
	sed -n 's/^queue: \([0-9a-f]\{6\}\) .*/\1/p' "$1" | sort -u
}

t_select() {
	why=
	prepare select
	d=$top/select
	sel() { # OUT ARGS... - a run of the fixture's queue
		o=$1
		shift
		st=0
		# shellcheck disable=SC2086
		(cd "$d" && "$mqfsck" $BASE "$@" queue) >"$d/$o" 2>&1 </dev/null || st=$?
		echo "$st" >"$d/$o.st"
	}
	sel only -n --only orphan-df,0x030001
	[ "$(codes "$d/only" | tr '\n' ' ')" = "030001 030002 " ] ||
	    why="${why:---only: codes $(codes "$d/only" | tr '\n' ' ')}"
	grep -q 'problems (no-df 2, orphan-df 1), 0 notices' "$d/only" && [ "$(cat "$d/only.st")" -eq 4 ] ||
	    why="${why:---only: the counts or status are not the selection's}"
	sel skip -n --skip foreign-file --skip 030007
	codes "$d/skip" | grep -q '^01000[1]$\|^030007$' && why="${why:---skip: a skipped code reported}"
	[ "$(codes "$d/skip" | wc -l)" -ge 10 ] || why="${why:---skip: other codes missing}"
	sel one -n --job 6AN5aaaa000006
	# Findings about the queue itself (no id) are still reported.
	[ "$(grep -c '^queue: [0-9a-f]* [a-z-]* 6AN5' "$d/one")" -eq 1 ] && grep -q '^queue: 030002 orphan-df 6AN5aaaa000006: ' "$d/one" ||
	    why="${why:---job: not just that job's lines: $(grep -c '^queue: [0-9a-f]* [a-z-]* 6AN5' "$d/one")}"
	printf '6AN5aaaa000006\n\n  6AN5aaaa000005 \n6AN5aaaa000006\n' >"$d/ids"
	st=0
	# shellcheck disable=SC2086
	(cd "$d" && "$mqfsck" $BASE -n --job - queue <"$d/ids") >"$d/stdin" 2>&1 || st=$?
	[ "$(grep -c '^queue: [0-9a-f]* [a-z-]* 6AN5' "$d/stdin")" -eq 2 ] && [ "$st" -eq 4 ] ||
	    why="${why:---job -: $(grep -c '^queue: [0-9a-f]* [a-z-]* 6AN5' "$d/stdin") lines, exit $st}"
	(cd "$top/select" && find queue -printf '%p %m %s\n' | grep -v 6AN5aaaa000005 | sort) >"$d/before"
	sel fix -y -a arch --job 6AN5aaaa000005
	(cd "$top/select" && find queue -printf '%p %m %s\n' | grep -v 6AN5aaaa000005 | sort) >"$d/after"
	cmp -s "$d/before" "$d/after" || why="${why:--y --job: files of other jobs changed: $(diff "$d/before" "$d/after" | head -n 2)}"
	[ -f "$d/queue/Qf6AN5aaaa000005" ] && [ "$(cat "$d/fix.st")" -eq 1 ] ||
	    why="${why:--y --job: the job named was not made inert (exit $(cat "$d/fix.st"))}"
	# --show: the job for a human, read-only.
	(cd "$top/select" && find queue -printf '%p %m %s %T@\n' | sort) >"$d/before.show"
	sel show --show 6AN5aaaa000001 --show 6AN5aaaa000005
	(cd "$top/select" && find queue -printf '%p %m %s %T@\n' | sort) >"$d/after.show"
	cmp -s "$d/before.show" "$d/after.show" || why="${why:---show changed the queue}"
	for want in '^job 6AN5aaaa000001: judged, nothing found$' \
	    '^job 6AN5aaaa000005: judged, findings above$' \
	    '^  queue/qf6AN5aaaa000001: [0-9]* bytes, owner ' '^  sender: fromaddr$' \
	    '^  recipients: 2$' '^    bob@\[127.0.0.2\]$' '^  status: Deferred: '; do
		grep -q "$want" "$d/show" || why="${why:---show: no line $want}"
	done
	[ "$(grep -c '^job ' "$d/show")" -eq 2 ] || why="${why:---show: not the two jobs}"
	sel showy -y -a arch --show 6AN5aaaa000001
	[ "$(cat "$d/showy.st")" -eq 16 ] || why="${why:---show with -y: exit $(cat "$d/showy.st"), not 16}"
	sel bad1 -n --only no-such-problem
	sel bad2 -n --job ../etc
	[ "$(cat "$d/bad1.st")" -eq 16 ] && [ "$(cat "$d/bad2.st")" -eq 16 ] ||
	    why="${why:-a bad code or id: exit $(cat "$d/bad1.st") and $(cat "$d/bad2.st"), not 16}"
	# Bodies exchanged between two jobs: naming one is not enough.
	scratch_copy "$root/fixtures/f_df_swapped" "$top/swap"
	mkdir -p "$top/swap/lf"
	st=0
	# shellcheck disable=SC2086
	(cd "$top/swap" && "$mqfsck" $BASE -y -a arch --job 6AN5c54B012922 queue) >"$d/swap" 2>&1 || st=$?
	grep -q 'warning: df-swapped: not fixed: the fix also changes job 6AN5c54C012923' "$d/swap" && [ "$st" -eq 4 ] ||
	    why="${why:---job with one of two swapped jobs: exit $st, $(grep -c warning "$d/swap") warnings}"
	st=0
	# shellcheck disable=SC2086
	(cd "$top/swap" && "$mqfsck" $BASE -y -a arch --job 6AN5c54B012922 --job 6AN5c54C012923 queue) >"$d/swap2" 2>&1 || st=$?
	[ "$st" -eq 1 ] || why="${why:---job naming both swapped jobs: exit $st, not 1}"
	[ -z "$why" ] && ok select || bad select "$why"
}

# ------------------------------------------------------------ time limit
# tree NAME - every path under $top/NAME/queue with its mode, size and
# digest, to see that a run changed nothing
tree() {
	(cd "$top/$1" && find queue -printf '%p %m %s\n' | sort &&
	    find queue -type f -exec sha256sum {} + | sort)
}

t_time_limit() {
	# A check stopped by the limit repairs nothing: exit 8, no archive.
	prepare tl-check
	d=$top/tl-check
	tree tl-check >"$d/before"
	st=0
	# shellcheck disable=SC2086
	(cd "$d" && "$mqfsck" -p --no-syslog -a arch --time-limit 0.000001 \
	    $BASE queue >"$d/out" 2>&1) || st=$?
	why=
	[ $st -eq 8 ] || why="exit status $st, expected 8"
	grep -q '^mqfsck: time limit: stopped at its time limit (1e-06 s): the queues were not all checked, so nothing was repaired' "$d/out" ||
	    why="${why:-no 'time limit' line: $(tail -n 2 "$d/out" | tr '\n' ' ')}"
	tree tl-check | cmp -s "$d/before" - || why="${why:-the queue changed}"
	[ ! -e "$d/arch" ] || why="${why:-an archive was written}"
	[ -z "$why" ] && ok time-limit-check || bad time-limit-check "$why"

	# A repair stopped by it (SIGALRM after the third change: the limit
	# passing there) stops between two jobs: 8 and 4, and a rerun
	# converges to what one whole -y makes.
	prepare tl-repair
	d=$top/tl-repair
	st=0
	# shellcheck disable=SC2086
	(cd "$d" && MQFSCK_FAULT_AFTER=3 MQFSCK_FAULT_SIGNAL=ALRM \
	    "$mqfsck" -y --no-syslog -a arch $BASE queue >"$d/out" 2>&1) || st=$?
	why=
	[ $st -eq 12 ] || why="exit status $st, expected 12 (8 time limit, 4 left)"
	grep -q '^mqfsck: time limit: stopped by SIGALRM, as at a time limit: the repairs stopped between two jobs' "$d/out" ||
	    why="${why:-no 'time limit' line: $(tail -n 3 "$d/out" | tr '\n' ' ')}"
	grep -q ': FIXED: ' "$d/out" || why="${why:-nothing was fixed before the limit}"
	grep -q 'NOT FIXED: the time limit was reached before this job was repaired' "$d/out" ||
	    why="${why:-no fix left for the rerun}"
	converges tl-ref
	[ -z "$why" ] && ok time-limit-repair || bad time-limit-repair "$why"

	# -p's default limit, as --help states it, is shorter than the
	# systemd unit's start timeout, so mqfsck stops itself first.
	why=
	lim=$("$mqfsck" --help | sed -n 's/.*except -p: \([0-9][0-9]*\)).*/\1/p')
	unit=$root/contrib/systemd/mqfsck.service
	t=$(sed -n 's/^TimeoutStartSec=\([0-9][0-9]*\)min$/\1/p' "$unit")
	if [ -z "$lim" ] || [ -z "$t" ]; then
		why="no limit in --help ($lim) or no TimeoutStartSec=Nmin in the unit ($t)"
	elif [ $((t * 60)) -le "$lim" ]; then
		why="the unit's TimeoutStartSec (${t}min) is not longer than -p's limit (${lim} s)"
	elif ! grep -q "after $lim seconds" "$unit" ||
	    ! grep -q "^$lim seconds" "$root/man/mqfsck.8"; then
		why="the unit's comment or the man page does not say $lim seconds"
	fi
	[ -z "$why" ] && ok time-limit-unit || bad time-limit-unit "$why"
}

# --------------------------------------------------------------- install
t_install() {
	if [ ! -x "$root/mqfsck" ]; then
		skip install "no release build at $root/mqfsck"
		return
	fi
	dest=$top/dest
	if ! make -s -C "$root" install DESTDIR="$dest" PREFIX=/usr \
	    >"$top/install.out" 2>&1; then
		bad install "make install failed: $(tail -n 3 "$top/install.out")"
		return
	fi
	why=
	for f in usr/sbin/mqfsck usr/share/man/man8/mqfsck.8 \
	    usr/share/man/man5/sendmail-queue.5 \
	    usr/lib/systemd/system/mqfsck.service \
	    usr/lib/systemd/system/sendmail.service.d/mqfsck.conf \
	    usr/share/mqfsck/mqfsck.sh; do
		[ -f "$dest/$f" ] || why="${why:-$f not installed}"
	done
	[ -x "$dest/usr/sbin/mqfsck" ] || why="${why:-the program is not executable}"
	"$dest/usr/sbin/mqfsck" -V 2>/dev/null | grep -q '^mqfsck ' ||
	    why="${why:-the installed program does not run}"
	grep -q '/usr/sbin/mqfsck' "$dest/usr/lib/systemd/system/mqfsck.service" ||
	    why="${why:-the unit does not name /usr/sbin/mqfsck}"
	cat "$dest/usr/lib/systemd/system/mqfsck.service" \
	    "$dest/usr/share/mqfsck/mqfsck.sh" | grep -v '^[[:space:]]*#' |
	    grep -q '/usr/local/sbin' &&
	    why="${why:-an installed file still runs /usr/local/sbin/mqfsck}"
	if command -v mandoc >/dev/null 2>&1; then
		for m in "$dest/usr/share/man/man8/mqfsck.8" "$dest/usr/share/man/man5/sendmail-queue.5"; do
			mandoc -Tlint -W warning "$m" >"$top/lint" 2>&1 ||
			    why="${why:-mandoc -Tlint: $(head -n 1 "$top/lint")}"
		done
	fi
	"$dest/usr/sbin/mqfsck" -V 2>/dev/null | grep -qx 'sysconfdir /etc' ||
	    why="${why:-mqfsck -V does not show its sysconfdir}"
	# Everything installed goes again; nothing else was there.
	if ! make -s -C "$root" uninstall DESTDIR="$dest" PREFIX=/usr \
	    >"$top/uninstall.out" 2>&1; then
		why="${why:-make uninstall failed: $(tail -n 3 "$top/uninstall.out")}"
	fi
	left=$(find "$dest" ! -type d | head -n 3)
	[ -z "$left" ] || why="${why:-make uninstall left $(echo $left)}"
	[ -z "$why" ] && ok install || bad install "$why"
}

t_syslog
t_progress
t_bar
t_prometheus
t_interrupt
t_time_limit
t_running
t_archive_full
t_sendmail_options
t_metrics_file
t_max_lines
t_select
t_install
exit $failed
