#!/bin/sh
# run.sh - tests/interop: mqfsck proven against the real sendmail 8.17
# (Debian's sendmail-bin): healthy queues that sendmail made must be
# clean, queues left by sendmail killed with SIGKILL at random moments
# must be judged right and, after mqfsck -p, must let sendmail deliver
# every message it acknowledged (or mqfsck must have archived it), and
# damage beyond crashes (lost+found, truncation, owners and modes, a job
# locked by a hung process) must be handled.  See tests/interop/README.md.
#
# Usage: MQ_MQFSCK=/abs/path/mqfsck sh tests/interop/run.sh
# Environment:
#   MQ_MQFSCK          the mqfsck binary to test (default: mqfsck at the
#                      top of the repository); a copy taken at the start
#                      is what runs
#   MQ_INTEROP_TRIALS  number of crash trials (default 200)
#   MQ_INTEROP_ROUNDS  rounds (seeds) of each beyond-crash damage test
#                      (default 3)
#   MQ_INTEROP_SEED    seed; trial N draws from "SEED-N" (default 1)
#   MQ_INTEROP_JOBS    crash trials run at once (default 2)
#   MQ_INTEROP_ONLY    run only the tests whose name (without
#                      "interop/") matches this shell pattern
#   MQ_INTEROP_KEEP    non-empty: keep the scratch directory (its path
#                      is printed on stderr)
#
# Prints one line per test: "ok   interop/NAME", "FAIL interop/NAME"
# followed by indented reasons, or "skip interop/NAME (why)"; exit status
# 0 when nothing failed, 1 otherwise.
#
# Safety: sendmail only ever runs inside a fresh namespace made by
# `unshare --net --mount --pid` (loopback only; private mounts; killing
# its first process kills all of it), with a private configuration
# (a copy of /etc/mail/sendmail.cf whose queue, alias, pid, status and
# dead-letter paths point into the scratch directory, and whose local
# mailer is the save program), so that the only delivery is into files
# of the scratch directory.  Nothing outside the scratch directory is
# written; the namespace's mounts vanish with it.
# shellcheck disable=SC2015,SC2016,SC2030,SC2031
# (SC2015: "a && b || why ..." is meant; SC2016: step scripts are written
# with $SM and $? unexpanded on purpose; SC2030/SC2031: every test runs
# in a subshell of its own)
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/interop/beyond.sh
. "$HERE/beyond.sh"
ROOT=$(cd "$HERE/../.." && pwd)
TRIALS=${MQ_INTEROP_TRIALS:-200}
ROUNDS=${MQ_INTEROP_ROUNDS:-3}
SEED=${MQ_INTEROP_SEED:-1}
NJOBS=${MQ_INTEROP_JOBS:-2}
ONLY=${MQ_INTEROP_ONLY:-}
KEEP=${MQ_INTEROP_KEEP:-}
MQ_SRC=${MQ_MQFSCK:-$ROOT/mqfsck}
SENDMAIL=/usr/sbin/sendmail
BASECF=/etc/mail/sendmail.cf
SLOW=0.25		# seconds the "slow" delivery program waits
UNSHARE="unshare --net --mount --pid --fork --kill-child --mount-proc"

# ---------------------------------------------------------------------
# results

# want NAME: whether test NAME is to run (MQ_INTEROP_ONLY)
want() {
	[ -z "$ONLY" ] && return 0
	# shellcheck disable=SC2254 # the pattern is meant to match
	case $1 in $ONLY) return 0 ;; esac
	return 1
}

# why TEXT: record a reason for the current test to fail
why() {
	printf '%s\n' "$*" >>"$T/why"
}

# skipped TEXT: mark the current test as skipped, saying why
skipped() {
	printf '%s\n' "$*" >"$T/skip"
}

# verdict NAME [INFO]: the current test's result line (and reasons) into
# the results directory: FAIL if $T/why has reasons, else skip if $T/skip
# says why, else ok
verdict() {
	f=$RES/$(echo "$1" | tr / _)
	info=${2:+ ($2)}
	if [ -s "$T/why" ]; then
		{
			echo "FAIL interop/$1$info"
			head -n 12 "$T/why" | sed 's/^/     /'
			n=$(wc -l <"$T/why")
			[ "$n" -le 12 ] || echo "     ... ($n reasons in all)"
		} >"$f"
	elif [ -s "$T/skip" ]; then
		echo "skip interop/$1 ($(head -n 1 "$T/skip"))" >"$f"
	else
		echo "ok   interop/$1$info" >"$f"
	fi
	: >"$T/why"
	rm -f "$T/skip"
}

# emit_result NAME: print a test's result line; count failures
emit_result() {
	f=$RES/$(echo "$1" | tr / _)
	if [ ! -s "$f" ]; then
		echo "FAIL interop/$1"
		echo "     the test stopped before giving a result:"
		_log=$LOGS/$(echo "$1" | tr / _).log
		[ -f "$_log" ] ||
		    _log=$LOGS/$(echo "$1" | sed 's,/[a-z]*$,,' | tr / _).log
		tail -n 5 "$_log" 2>/dev/null | sed 's/^/     | /'
		FAILS=$((FAILS + 1))
		return 0
	fi
	cat "$f"
	if head -n 1 "$f" | grep -q '^FAIL'; then
		FAILS=$((FAILS + 1))
	fi
}

# run_test NAME FUNCTION [ARG]: run a test function in a subshell with
# errexit, its output and trace to a log, then print its result
run_test() {
	want "$1" || return 0
	set +e
	(
		set -ex
		TNAME=$1
		"$2" "$1" ${3:+"$3"}
	) >"$LOGS/$(echo "$1" | tr / _).log" 2>&1
	set -e
	emit_result "$1"
}

# skip_all_sendmail WHY: every test that needs sendmail is skipped
skip_all_sendmail() {
	for t in $TESTS; do
		want "$t" && echo "skip interop/$t ($1)"
	done
	if want crash; then
		echo "skip interop/crash ($1)"
	fi
}

# ---------------------------------------------------------------------
# random numbers: RANDS holds the trial's numbers, rnd takes the next

# seed_rng STRING: load a fresh sequence drawn from STRING
seed_rng() {
	RANDS=$("$BIN/gen" rand "$1" 600 | tr '\n' ' ')
}

# rnd N: RV = the next number modulo N
rnd() {
	RV=${RANDS%% *}
	RANDS=${RANDS#* }
	RV=$((RV % $1))
}

# bodysize: BS = a body size, from a few bytes to 256 KiB, often close to
# sendmail's 4096-byte buffer
bodysize() {
	rnd 8
	case $RV in
	0) rnd 64 ;;
	1) rnd 4096 ;;
	2) rnd 400; RV=$((RV + 3900)) ;;
	3) rnd 16384 ;;
	4 | 5) rnd 65536; RV=$((RV + 16384)) ;;
	*) rnd 131073; RV=$((RV + 131072)) ;;
	esac
	BS=$RV
}

# hdrsize: HS = bytes of extra headers: none, or enough that the qf
# crosses sendmail's 4096-byte write buffer
hdrsize() {
	rnd 2
	if [ "$RV" -eq 0 ]; then
		HS=0
	else
		rnd 5000
		HS=$((RV + 4500))
	fi
}

# pick_rcpts POOL...: RCPTS = 1 to 3 distinct recipients from POOL
pick_rcpts() {
	rnd 3
	want_n=$((RV + 1))
	RCPTS=
	for r in "$@"; do
		rnd 2
		if [ "$RV" -eq 0 ] && [ "$want_n" -gt 0 ]; then
			RCPTS="$RCPTS $r"
			want_n=$((want_n - 1))
		fi
	done
	[ -n "$RCPTS" ] || RCPTS=" $1"
	RCPTS=${RCPTS# }
}

# ---------------------------------------------------------------------
# a private sendmail setup

# mkqdir DIR: a queue directory as Debian makes it (smmta:smmsp 02750)
mkqdir() {
	mkdir -p "$1"
	chown smmta:smmsp "$1"
	chmod 2750 "$1"
}

# mkcf: the private configuration $CF, from Debian's sendmail.cf
mkcf() {
	sed -e "s|^O QueueDirectory=.*|O QueueDirectory=$QD|" \
	    -e "s|^O AliasFile=.*|O AliasFile=$T/aliases|" \
	    -e "s|^O StatusFile=.*|O StatusFile=$T/sendmail.st|" \
	    -e "s|^O PidFile=.*|O PidFile=$T/sendmail.pid|" \
	    -e "s|^O ControlSocketName=.*|O ControlSocketName=$T/smcontrol|" \
	    -e "s|^O DeadLetterDrop=.*|O DeadLetterDrop=$T/dead.letter|" \
	    -e "s|^O HostStatusDirectory=|#&|" \
	    -e "s|^O LogLevel=.*|O LogLevel=14|" \
	    -e "s|^\(Mlocal,[[:space:]]*P=\)[^,]*,|\1$BIN/save.sh,|" \
	    -e "s|^\([[:space:]]*A=\)sensible-mda .*|\1save.sh $T/saved local|" \
	    "$BASECF" >"$CF"
	if [ "$VARIANT" = split ]; then
		echo "Qmqueue, Path=$T/q, r=2" >>"$CF"
	fi
	# Refuse a configuration that could touch anything of the system.
	grep -qxF "O QueueDirectory=$QD" "$CF" &&
	    grep -qxF "O AliasFile=$T/aliases" "$CF" &&
	    grep -q "^Mlocal,[[:space:]]*P=$BIN/save.sh," "$CF" &&
	    ! grep -q '/var/spool\|sensible-mda\|/var/run\|/var/lib' "$CF" || {
		echo "run.sh: cannot make a private configuration from $BASECF" >&2
		return 1
	}
}

# mkaliases: the private alias file: every name is the save program
mkaliases() {
	s="$BIN/save.sh $T/saved"
	{
		for k in sink sink2 sink3 sink4 sink5 sink6 flaky flaky2 noisy \
		    tempfail permfail; do
			echo "$k: \"|$s $k\""
		done
		echo "slow: \"|$s slow $SLOW\""
		for k in postmaster MAILER-DAEMON root sender nobody; do
			echo "$k: sink"
		done
	} >"$T/aliases"
}

# newtest DIR VARIANT: a private sendmail setup in DIR; VARIANT: plain,
# subdirs (qf/ df/ xf/), multi (QueueDirectory=.../q* with q1 q2 q3),
# split (a queue group limit r=2)
newtest() {
	T=$1
	VARIANT=$2
	STEP=0
	case $T in "$W"/?*) ;; *) echo "run.sh: bad test directory $T" >&2; return 1 ;; esac
	rm -rf "$T"
	mkdir -p "$T/log" "$T/saved" "$T/m"
	mkdir -m 700 "$T/archive"
	chmod 755 "$T"
	chmod 1777 "$T/saved"
	: >"$T/why"
	: >"$T/msgs"
	: >"$T/acks.raw"
	CF=$T/sendmail.cf
	QEXTRA=
	case $VARIANT in
	fs)
		# A queue on a file system of its own (an ext4 image on a loop
		# device), whose lost+found e2fsck fills: mkfs_loop says why
		# not when it cannot.
		mkfs_loop "$T" || return 1
		QROOT=$T/fs/q QD=$T/fs/q
		mkqdir "$T/fs/q"
		QDIRS=$T/fs/q WATCH=$T/fs/q
		;;
	layout)
		# Debian's q* layout: the base is smmta's, like each queue;
		# one queue is root's symbolic link to a directory elsewhere.
		QROOT=$T/mq QD="$T/mq/q*"
		mkqdir "$T/mq"
		mkqdir "$T/mq/q1"
		mkqdir "$T/mq/q2"
		mkqdir "$T/q3real"
		ln -s "$T/q3real" "$T/mq/q3"
		QEXTRA=$T/q3real
		QDIRS="$T/mq/q1 $T/mq/q2 $T/q3real" WATCH=$QDIRS
		;;
	plain | split)
		QROOT=$T/q QD=$T/q
		mkqdir "$T/q"
		QDIRS=$T/q WATCH=$T/q
		;;
	subdirs)
		QROOT=$T/q QD=$T/q
		mkqdir "$T/q"
		for s in qf df xf; do mkqdir "$T/q/$s"; done
		QDIRS=$T/q WATCH="$T/q/qf $T/q/df $T/q/xf"
		;;
	multi)
		QROOT=$T/mq QD="$T/mq/q*"
		mkdir -p "$T/mq"
		chmod 755 "$T/mq"
		QDIRS='' WATCH=''
		for s in q1 q2 q3; do
			mkqdir "$T/mq/$s"
			QDIRS="$QDIRS $T/mq/$s"
		done
		QDIRS=${QDIRS# } WATCH=$QDIRS
		;;
	esac
	WOPTS=
	for _d in $WATCH; do
		WOPTS="$WOPTS -w $_d"
	done
	mkcf
	mkaliases
	script "$T/newaliases.sh"
	emit '$SM -bi'
	step newaliases "$T/newaliases.sh" || {
		why "sendmail -bi failed: $(tail -n 3 "$T/log/newaliases.out")"
		return 1
	}
}

# script FILE: start the step script FILE (S); $SM is sendmail with the
# private configuration
script() {
	S=$1
	{
		echo "# step script of $T (run by ns.sh in a test namespace)"
		echo "SM='$SENDMAIL -Am -C $CF -OQueueLA=100 -ORefuseLA=100'"
	} >"$S"
}

# emit LINE: add a line to the current step script
emit() {
	printf '%s\n' "$*" >>"$S"
}

# step NAME SCRIPT [CRASHRUN-OPTIONS...]: run SCRIPT in a new namespace;
# output, syslog, timing and report in $T/log/NAME.*; the status is
# crashrun's (the script's, 137 when killed, 124 on a timeout)
step() {
	_n=$1
	_s=$2
	shift 2
	STEP=$((STEP + 1))
	rm -f "$T/log/$_n.start"
	# shellcheck disable=SC2086 # $UNSHARE is a command and its options
	MQI_BIN=$BIN MQI_HOSTS=$W/hosts MQI_LOG=$T/log/$_n.syslog \
	    MQI_LASTPID=$(((STEP % 30) * 1000 + 100)) \
	    MQI_START=$T/log/$_n.start MQI_TIME=$T/log/$_n.time \
	    "$BIN/crashrun" -s "$T/log/$_n.start" -r "$T/log/$_n.report" \
	    -t 120 "$@" -- $UNSHARE sh "$BIN/ns.sh" "$_s" \
	    >"$T/log/$_n.out" 2>&1
}

# mkmsg N BODYBYTES HEADERBYTES TO: message N of the current test, with
# a unique marker; "N marker crc size" of its body goes to $T/msgs
mkmsg() {
	rnd 1000000
	_mk=$TAG-$1-$RV
	"$BIN/gen" msg "$SEED-$TAG-$1" "$_mk" "$2" "$3" sender "$4" \
	    "$T/m/$1.msg" "$T/m/$1.body"
	echo "$1 $_mk $(cksum <"$T/m/$1.body")" >>"$T/msgs"
}

# submit N MODE RCPTS...: a line of the step script that submits message
# N on the command line (-odq or -odi), its exit status into acks.raw
submit() {
	_i=$1
	_m=$2
	shift 2
	emit "\$SM $_m -oi -f sender $* <$T/m/$_i.msg; echo \"$_i \$?\" >>$T/acks.raw"
}

# submit_paced N MODE USEC RCPTS...: as submit, but the message comes
# through a slow pipe (4096 bytes, then a pause of USEC microseconds)
submit_paced() {
	_i=$1
	_m=$2
	_u=$3
	shift 3
	emit "$BIN/gen pace $_u <$T/m/$_i.msg | \$SM $_m -oi -f sender $* ; echo \"$_i \$?\" >>$T/acks.raw"
}

# trial_submit MODE: a line submitting the trial's current message on
# the command line, sometimes through a slow pipe
trial_submit() {
	rnd 3
	if [ "$RV" -eq 0 ]; then
		rnd 2000
		# shellcheck disable=SC2086 # a list of recipients
		submit_paced "$MSGN" "$1" $((RV + 200)) $RCPTS
	else
		# shellcheck disable=SC2086 # a list of recipients
		submit "$MSGN" "$1" $RCPTS
	fi
}

# collect_acks: $T/acked = the numbers of the messages sendmail
# acknowledged (exit 0 of a submission, 2xx after an SMTP DATA)
collect_acks() {
	{
		awk '$2 == 0 { print $1 }' "$T/acks.raw"
		if [ -f "$T/smtp.log" ]; then
			sed -n 's/^ACK //p' "$T/smtp.log"
		fi
	} | sort -n -u >"$T/acked"
}

# qfiles [PATTERN]: the queue files (all, or those whose name matches)
qfiles() {
	# shellcheck disable=SC2086 # a list of directories, maybe empty
	find "$QROOT" $QEXTRA -type f -name "${1:-*}"
}

# ---------------------------------------------------------------------
# mqfsck

# mq_check OUT [ARGS...]: mqfsck -n on the current test's queues; JSON
# report in OUT, errors in OUT.err; its exit status in MQST
mq_check() {
	_o=$1
	shift
	MQST=0
	"$MQBIN" -n --json --assume-stopped -c "$CF" "$@" >"$_o" \
	    2>"$_o.err" || MQST=$?
}

# mq_repair OUT [ARGS...]: mqfsck -p with an archive, as the harness runs
# it; exit status in MQST
mq_repair() {
	_o=$1
	shift
	MQST=0
	"$MQBIN" -p --no-syslog -a "$T/archive" --json --assume-stopped -c "$CF" "$@" \
	    >"$_o" 2>"$_o.err" || MQST=$?
}

# problems JSON: "severity name id file" per problem object of a report
problems() {
	awk 'function f(k) {
		if (match($0, "\"" k "\":\"[^\"]*\""))
			return substr($0, RSTART + length(k) + 4,
			    RLENGTH - length(k) - 5)
		return ""
	}
	function d(s) { return s == "" ? "-" : s }
	/"type":"problem"/ {
		print f("severity"), f("name"), d(f("id")), d(f("file"))
	}' "$1"
}

# fixes JSON: "name id action result" per fix object of a -p report
fixes() {
	awk 'function f(k) {
		if (match($0, "\"" k "\":\"[^\"]*\""))
			return substr($0, RSTART + length(k) + 4,
			    RLENGTH - length(k) - 5)
		return ""
	}
	function d(s) { return s == "" ? "-" : s }
	/"type":"fix"/ {
		print f("name"), d(f("id")), f("action"), f("result")
	}' "$1"
}

# expect_clean: mqfsck -n must find nothing wrong (exit 0, no problem)
expect_clean() {
	mq_check "$T/log/check.json"
	if [ "$MQST" -ne 0 ]; then
		why "mqfsck -n exit status $MQST, expected 0"
	fi
	if [ -s "$T/log/check.json.err" ]; then
		why "mqfsck -n wrote to stderr: $(head -n 2 "$T/log/check.json.err")"
	fi
	problems "$T/log/check.json" | awk '$1 == "problem"' |
	    while read -r _sev _name _id _file _fx; do
		why "false positive: $_name $_id $_file:" \
		    "$(grep "\"name\":\"$_name\"" "$T/log/check.json" |
		    grep -o '"message":"[^"]*' | head -n 1 | cut -c 12-)"
	done
	# Sanity: the layout is Debian's, as sendmail made it.
	qfiles | while read -r _f; do
		_m=$(stat -c '%U:%G %a' "$_f")
		[ "$_m" = "root:smmsp 640" ] ||
		    why "setup: sendmail made ${_f#"$QROOT"/} $_m, not root:smmsp 640"
	done
	_j=$(qfiles 'qf*' | wc -l)
	_h=$(qfiles 'hf*' | wc -l)
	if [ $((_j + _h)) -eq 0 ]; then
		why "sendmail left no job in the queue: nothing was checked"
	fi
}

# ---------------------------------------------------------------------
# what sendmail delivered, what mqfsck archived

# body_index_saved FILES...: "marker crc size" of each test message saved
# by the delivery program (its body: what follows the header)
body_index_saved() {
	for _f in "$@"; do
		[ -f "$_f" ] || continue
		_mk=$(sed -n '/^$/{n;s/^BODY-//p;q;}' "$_f")
		[ -n "$_mk" ] || continue
		echo "$_mk $(sed '1,/^$/d' "$_f" | cksum)"
	done
}

# body_index_df FILES...: the same for data files (a df is the body alone)
body_index_df() {
	for _f in "$@"; do
		[ -f "$_f" ] || continue
		_mk=$(sed -n '1s/^BODY-//p' "$_f")
		[ -n "$_mk" ] || continue
		echo "$_mk $(cksum <"$_f")"
	done
}

# df_sums: "crc size" of every file in the queues and in any lost+found
# of the test, one a line
df_sums() {
	{
		qfiles
		find "$T" -path "$T/arx" -prune -o -path '*/lost+found/*' -type f -print
	} 2>/dev/null | while read -r _f; do
		cksum <"$_f"
	done | sort -u
}

# nothing_lost BEFORE: every file df_sums listed before the repair is
# still, byte for byte, in the queues or lost+found (under any name), or
# in an archive of mqfsck's
nothing_lost() {
	extract_archives
	{
		df_sums
		find "$T/arx" -type f ! -name MANIFEST -exec cksum {} \; |
		    awk '{ print $1, $2 }'
	} | sort -u >"$T/df.after"
	comm -23 "$1" "$T/df.after" | head -n 3 | while read -r _c _s; do
		why "a file of $_s bytes (crc $_c) left the queue and is in no archive"
	done
}

# extract_archives: unpack every mqfsck archive of the test into $T/arx
extract_archives() {
	rm -rf "$T/arx"
	mkdir -p "$T/arx"
	_k=0
	for _a in "$T"/archive/mqfsck-*.tar.gz; do
		[ -f "$_a" ] || continue
		_k=$((_k + 1))
		mkdir -p "$T/arx/$_k"
		tar -xzf "$_a" -C "$T/arx/$_k" 2>>"$T/arx/errors" ||
		    why "cannot unpack archive $(basename "$_a")"
	done
}

# drain ROUNDS TIMEOUT: run the queue in the foreground (-qf, then -qf -qQ
# for quarantined jobs) until no qf or hf is left, at most ROUNDS times;
# DRAINED says "no (why)" if a run timed out
drain() {
	_r=0
	DRAINED=yes
	while [ $_r -lt "$1" ]; do
		_r=$((_r + 1))
		script "$T/drain$_r.sh"
		emit '$SM -qf -v; echo "-qf: exit $?"'
		emit '$SM -qf -qQ -v; echo "-qf -qQ: exit $?"'
		_st=0
		step "drain$_r" "$T/drain$_r.sh" -t "$2" || _st=$?
		if [ $_st -ne 0 ]; then
			DRAINED="no (queue run $_r: status $_st)"
			return 0
		fi
		[ -n "$(qfiles 'qf*')$(qfiles 'hf*')" ] || return 0
	done
}

# settle FILE ROUNDS TIMEOUT [strict]: run the queue dry and check the
# outcome; reasons go to FILE.  Every acknowledged message delivered
# complete or (unless strict) archived complete; nothing delivered as
# "<<< No Message Collected >>>"; no Qf made by sendmail, no SYSERR or
# "Losing" logged during the runs; nothing left in the queue but what
# mqfsck made inert (Qf, with its df) and reported
settle() {
	_out=$1
	_strict=${4:-}
	: >"$_out"
	qfiles 'Qf*' | sed 's,.*/Qf,,' | sort >"$T/inert.before"
	drain "$2" "$3"
	[ "$DRAINED" = yes ] || echo "the queue runs did not finish: $DRAINED" >>"$_out"
	qfiles 'Qf*' | sed 's,.*/Qf,,' | sort >"$T/inert.after"
	comm -13 "$T/inert.before" "$T/inert.after" | while read -r _id; do
		echo "sendmail made Qf$_id during the queue runs" >>"$_out"
	done
	cat "$T"/log/drain*.syslog 2>/dev/null |
	    grep -E 'SYSERR|Losing |bogus|SECURITY ALERT' | head -n 4 |
	    sed 's/^[^]]*]: /sendmail logged: /' >>"$_out" || :
	grep -l 'No Message Collected' "$T"/saved/* 2>/dev/null |
	    head -n 3 | while read -r _f; do
		echo "delivered as \"<<< No Message Collected >>>\": $(basename "$_f")" >>"$_out"
	done
	# A body delivered with another message's envelope (its recipients,
	# its headers): the X-Trial-Id header names one message, the body
	# another.
	for _f in "$T"/saved/msg.* "$T"/saved/partial.*; do
		[ -f "$_f" ] || continue
		_h=$(sed -n '/^$/q; s/^X-Trial-Id: *//p' "$_f" | head -n 1)
		_b=$(sed -n '/^$/{n;s/^BODY-//p;q;}' "$_f")
		[ -z "$_h" ] || [ -z "$_b" ] || [ "$_h" = "$_b" ] ||
		    echo "delivered the body of $_b with the envelope of $_h ($(basename "$_f"))" >>"$_out"
	done
	qfiles | while read -r _f; do
		_b=${_f##*/}
		_id=${_b#??}
		case $_b in
		Qf* | df*) grep -qx "$_id" "$T/inert.before" && continue ;;
		esac
		echo "left in the queue: ${_f#"$QROOT"/}" >>"$_out"
	done
	if [ -n "${REPAIRJSON:-}" ]; then
		while read -r _id; do
			grep -q "\"id\":\"$_id\"" "$REPAIRJSON" ||
			    echo "Qf$_id is not in mqfsck -p's report" >>"$_out"
		done <"$T/inert.before"
	fi
	extract_archives
	body_index_saved "$T"/saved/msg.* >"$T/delivered"
	# shellcheck disable=SC2046 # file names without blanks
	body_index_df $(find "$T/arx" -type f -name 'df*') >"$T/archived"
	while read -r _n; do
		# Left aside on purpose (the test checks where): not here.
		[ ! -f "$T/aside" ] || ! grep -qx "$_n" "$T/aside" || continue
		_line=$(awk -v n="$_n" '$1 == n { print $2, $3, $4 }' "$T/msgs")
		_mk=${_line%% *}
		if grep -qxF "$_line" "$T/delivered"; then
			continue
		elif grep -qxF "$_line" "$T/archived"; then
			[ "$_strict" = strict ] || continue
			echo "message $_n ($_mk) acknowledged, archived but not delivered" >>"$_out"
		elif grep -q "^$_mk " "$T/delivered"; then
			echo "message $_n ($_mk) acknowledged, delivered with a wrong body" >>"$_out"
		elif grep -q "^$_mk " "$T/archived"; then
			echo "message $_n ($_mk) acknowledged, archived with a wrong body" >>"$_out"
		else
			echo "message $_n ($_mk) acknowledged, neither delivered nor archived" >>"$_out"
		fi
	done <"$T/acked"
}

# ---------------------------------------------------------------------
# healthy queues: mqfsck -n must be clean

# t_queue_only NAME: command-line submissions of many shapes (-odq)
t_queue_only() {
	TAG=hq
	seed_rng "$SEED-$TNAME"
	newtest "$W/t/$TNAME" plain
	script "$T/s1.sh"
	mkmsg 1 300 0 sink
	submit 1 -odq sink sink2 flaky
	mkmsg 2 2000 9000 sink
	submit 2 -odq sink
	mkmsg 3 262144 6000 sink
	submit 3 -odq sink3 noisy
	mkmsg 4 4100 0 sink
	emit "\$SM -odq -oi -N success,failure -R hdrs -V envid.42 -f sender sink sink2 <$T/m/4.msg"
	printf 'From: sender\nTo: sink\nSubject: empty body\n\n' >"$T/m/empty.msg"
	emit "\$SM -odq -oi -f sender sink <$T/m/empty.msg"
	printf 'From: sender\nTo: sink\nSubject: 8-bit\n\ncaf\303\251 \303\274ber\n' >"$T/m/8bit.msg"
	emit "\$SM -odq -oi -B8BITMIME -f sender sink <$T/m/8bit.msg"
	{
		printf 'From: sender\nTo: sink\nSubject: odd body\n\n.\n..\nline\n'
		awk 'BEGIN { for (i = 0; i < 5000; i++) printf "x"; printf "\nlast line without newline" }'
	} >"$T/m/odd.msg"
	emit "\$SM -odq -f sender sink <$T/m/odd.msg"
	printf 'From: sender\nTo: sink\nBcc: sink2\nSubject: -t with Bcc\n\nbody\n' >"$T/m/bcc.msg"
	emit "\$SM -odq -oi -t -f sender <$T/m/bcc.msg"
	emit "ls -l $T/q"
	step submit "$T/s1.sh" || why "the submission step failed"
	awk '$2 != 0 { print "submission of message " $1 " exited " $2 }' \
	    "$T/acks.raw" >>"$T/why"
	expect_clean
	verdict "$TNAME" "$(qfiles 'qf*' | wc -l) jobs"
}

# t_smtp NAME: SMTP over stdin (-bs) with ESMTP parameters
t_smtp() {
	TAG=hs
	seed_rng "$SEED-$TNAME"
	newtest "$W/t/$TNAME" plain
	mkmsg 1 262144 3000 sink
	mkmsg 2 500 0 sink3
	mkmsg 3 5000 0 sink
	mkmsg 4 100 0 sink
	printf 'From: sender\nTo: sink\nSubject: 8-bit over SMTP\n\ncaf\303\251\n' >"$T/m/8bit.msg"
	cat >"$T/smtp.script" <<EOF
> EHLO client.example
> MAIL FROM:<sender> SIZE=280000 BODY=8BITMIME RET=HDRS ENVID=QQ314159 AUTH=<>
> RCPT TO:<sink> NOTIFY=SUCCESS,FAILURE,DELAY ORCPT=rfc822;x@example.org
> RCPT TO:<sink2> NOTIFY=NEVER ORCPT=rfc822;orig+2Bext@example.org
> RCPT TO:<tempfail> NOTIFY=DELAY
= 1 $T/m/1.msg
> RSET
> MAIL FROM:<>
> RCPT TO:<sink3>
= 2 $T/m/2.msg
> MAIL FROM:<sender> BY=86400;R RET=FULL
> RCPT TO:<sink>
= 3 $T/m/3.msg
> MAIL FROM:<sender> BY=3600;NT
> RCPT TO:<sink4> NOTIFY=FAILURE
= 4 $T/m/4.msg
> MAIL FROM:<sender> BODY=8BITMIME
> RCPT TO:<sink5>
= 5 $T/m/8bit.msg
> QUIT
EOF
	script "$T/s1.sh"
	emit "$BIN/smtpdrive $T/smtp.script $T/smtp.log -- \$SM -bs -odq; echo \"smtpdrive: \$?\""
	step smtp "$T/s1.sh" || why "the SMTP step failed"
	collect_acks
	for n in 1 2 3 4 5; do
		grep -qx "$n" "$T/acked" ||
		    why "message $n not acknowledged: $(grep '^S: ' "$T/smtp.log" | tail -n 1)"
	done
	expect_clean
	verdict "$TNAME" "$(qfiles 'qf*' | wc -l) jobs"
}

# t_deferred NAME: jobs after failed delivery attempts (I, K, N, M lines),
# an -odi deferral, a bounce that is itself deferred
t_deferred() {
	TAG=hd
	seed_rng "$SEED-$TNAME"
	newtest "$W/t/$TNAME" plain
	script "$T/s1.sh"
	mkmsg 1 7000 0 sink
	submit 1 -odq sink tempfail noisy
	mkmsg 2 300 5000 tempfail
	submit 2 -odq tempfail
	mkmsg 3 20000 0 tempfail
	submit 3 -odi tempfail sink
	mkmsg 4 100 0 permfail
	emit "\$SM -odq -oi -f tempfail permfail tempfail <$T/m/4.msg; echo \"4 \$?\" >>$T/acks.raw"
	emit '$SM -qf -v; echo "-qf: exit $?"'
	emit '$SM -qf -v; echo "-qf: exit $?"'
	step defer "$T/s1.sh" || why "the deferral step failed"
	awk '$2 != 0 { print "submission of message " $1 " exited " $2 }' \
	    "$T/acks.raw" >>"$T/why"
	[ -n "$(qfiles 'qf*' | xargs -r grep -l '^I[0-9]')" ] ||
	    why "no qf with an I line: the queue runs did not defer anything"
	expect_clean
	verdict "$TNAME" "$(qfiles 'qf*' | wc -l) jobs"
}

# t_quarantine NAME: quarantined jobs (-Q reason -qI), one quarantined
# then released, one deferred then quarantined
t_quarantine() {
	TAG=hh
	seed_rng "$SEED-$TNAME"
	newtest "$W/t/$TNAME" plain
	script "$T/s1.sh"
	for i in 1 2 3 4; do
		mkmsg $i 3000 0 tempfail
		submit $i -odq tempfail sink
	done
	emit '$SM -qf -v; echo "-qf: exit $?"'
	step submit "$T/s1.sh" || why "the submission step failed"
	# shellcheck disable=SC2046 # ids and numbers, no blanks
	set -- $(qfiles 'qf*' | sed 's,.*/qf,,' | sort)
	[ $# -eq 4 ] || why "expected 4 jobs, found $#"
	script "$T/s2.sh"
	emit "\$SM -Q'held for a test' -qI$1"
	emit "\$SM -Q'held, then released' -qI$2"
	emit "\$SM -qQ -Q -qI$2"
	emit "\$SM -Q'a deferred job held' -qI$3"
	step quarantine "$T/s2.sh" || why "the quarantine step failed"
	[ "$(qfiles 'hf*' | wc -l)" -eq 2 ] ||
	    why "expected 2 quarantined jobs (hf), found $(qfiles 'hf*' | wc -l)"
	expect_clean
	verdict "$TNAME" "$(qfiles 'hf*' | wc -l) held, $(qfiles 'qf*' | wc -l) not"
}

# t_split NAME: envelopes split by a queue group limit (r=2): several
# jobs sharing one df inode
t_split() {
	TAG=hp
	seed_rng "$SEED-$TNAME"
	newtest "$W/t/$TNAME" split
	script "$T/s1.sh"
	mkmsg 1 100 6000 sink
	submit 1 -odq sink tempfail sink2 sink3 sink4
	emit '$SM -qf -v; echo "-qf: exit $?"'
	mkmsg 2 9000 0 sink
	submit 2 -odq sink sink2 sink3 sink4 sink5
	step submit "$T/s1.sh" || why "the submission step failed"
	_links=$(find "$QROOT" -type f -name 'df*' -links +1 | wc -l)
	[ "$_links" -gt 0 ] || why "no df with several links: sendmail did not split"
	expect_clean
	verdict "$TNAME" "$(qfiles 'qf*' | wc -l) jobs, $_links linked data files"
}

# t_subdirs NAME: a queue with qf/ df/ xf/ subdirectories
t_subdirs() {
	TAG=hu
	seed_rng "$SEED-$TNAME"
	newtest "$W/t/$TNAME" subdirs
	script "$T/s1.sh"
	for i in 1 2 3 4; do
		mkmsg $i $((i * 5000)) 0 tempfail
	done
	submit 1 -odq tempfail noisy
	submit 2 -odq tempfail sink
	submit 3 -odi tempfail
	emit '$SM -qf -v; echo "-qf: exit $?"'
	submit 4 -odq sink tempfail
	step submit "$T/s1.sh" || why "the submission step failed"
	_id=$(qfiles 'qf*' | sed 's,.*/qf,,' | sort | head -n 1)
	script "$T/s2.sh"
	emit "\$SM -Q'held in subdirs' -qI$_id"
	step quarantine "$T/s2.sh" || why "the quarantine step failed"
	[ -n "$(find "$QROOT/qf" -name 'qf*')" ] && [ -n "$(find "$QROOT/df" -name 'df*')" ] ||
	    why "sendmail did not use the qf/ and df/ subdirectories"
	expect_clean
	verdict "$TNAME" "$(qfiles 'qf*' | wc -l) jobs, $(qfiles 'hf*' | wc -l) held"
}

# t_multi NAME: QueueDirectory=.../q* with three queue directories
t_multi() {
	TAG=hm
	seed_rng "$SEED-$TNAME"
	newtest "$W/t/$TNAME" multi
	script "$T/s1.sh"
	for i in 1 2 3 4 5 6 7 8 9; do
		mkmsg $i $((i * 1500)) 0 tempfail
		submit $i -odq tempfail sink
	done
	emit '$SM -qf -v; echo "-qf: exit $?"'
	step submit "$T/s1.sh" || why "the submission step failed"
	_used=0
	for d in $QDIRS; do
		[ -z "$(find "$d" -name 'qf*')" ] || _used=$((_used + 1))
	done
	expect_clean
	verdict "$TNAME" "$(qfiles 'qf*' | wc -l) jobs in $_used of 3 directories"
}

# ---------------------------------------------------------------------
# damage beyond crashes: mqfsck -n must see it; after mqfsck -p sendmail
# must deliver everything

# repair [ARGS...]: mqfsck -p (ARGS added), then mqfsck -n must find
# nothing left and no new notice; needs $T/log/check.json (mqfsck -n
# before); without -p, the test is marked skipped and this fails
repair() {
	if [ "$HAVE_P" != yes ]; then
		skipped "mqfsck -p not available"
		return 1
	fi
	df_sums >"$T/df.before"
	mq_repair "$T/log/repair.json" "$@"
	nothing_lost "$T/df.before"
	case $MQST in
	0 | 1) ;;
	*) why "mqfsck -p exit status $MQST: $(head -n 2 "$T/log/repair.json.err")" ;;
	esac
	grep '"type":"error"' "$T/log/repair.json" | head -n 3 | sed 's/^/mqfsck -p: /' >>"$T/why" || :
	fixes "$T/log/repair.json" | awk '$4 == "not-fixed"' | head -n 3 |
	    sed 's/^/mqfsck -p did not fix: /' >>"$T/why" || :
	mq_check "$T/log/recheck.json" "$@"
	[ "$MQST" -eq 0 ] ||
	    why "mqfsck -n after -p: exit status $MQST ($(problems "$T/log/recheck.json" | awk '$1 == "problem" { print $2, $3 }' | head -n 3 | tr '\n' ' '))"
	# -p must not make a state that mqfsck itself remarks on (a held job
	# without a reason, a qf with a q line...), except the Qf it made.
	problems "$T/log/check.json" | awk '{ print $2, $3 }' | sort -u >"$T/log/before.names"
	problems "$T/log/recheck.json" |
	    awk '$1 == "notice" && $2 != "lost-job" { print $2, $3 }' | sort -u |
	    comm -13 "$T/log/before.names" - | while read -r _name _id; do
		why "mqfsck -p made a new $_name ($_id):" \
		    "$(grep "\"name\":\"$_name\".*\"id\":\"$_id\"" "$T/log/recheck.json" |
		    grep -o '"message":"[^"]*' | head -n 1 | cut -c 12-)"
	done
	REPAIRJSON=$T/log/repair.json
}

# settle_test [strict]: the queue runs after a repair and their checks
settle_test() {
	settle "$T/settle.why" 4 120 "${1:-}"
	cat "$T/settle.why" >>"$T/why"
}

# reported JSON NAME ID: whether the report has problem NAME for job ID
reported() {
	problems "$1" | awk -v n="$2" -v i="$3" '$2 == n && $3 == i { f = 1 } END { exit !f }'
}

# t_lost_found NAME: a df that e2fsck moved into lost+found as #<inode>
t_lost_found() {
	TAG=dl
	seed_rng "$SEED-$TNAME"
	newtest "$W/t/$TNAME" plain
	script "$T/s1.sh"
	mkmsg 1 30000 0 flaky
	submit 1 -odq flaky
	mkmsg 2 500 0 flaky
	submit 2 -odq flaky2
	emit '$SM -qf -v; echo "-qf: exit $?"'
	step submit "$T/s1.sh" || why "the submission step failed"
	collect_acks
	_qf=$(qfiles 'qf*' | xargs -r grep -l "^H??X-Trial-Id: $TAG-1-" | head -n 1)
	_id=${_qf##*/qf}
	grep -q '^I[0-9]' "$_qf" || why "qf$_id has no I line after a queue run"
	_ino=$(stat -c %i "$QROOT/df$_id")
	mkdir -m 700 "$T/lost+found"
	mv "$QROOT/df$_id" "$T/lost+found/#$_ino"
	mq_check "$T/log/check.json" --lost-found "$T/lost+found"
	reported "$T/log/check.json" lost-found-df "$_id" ||
	    why "mqfsck -n did not report lost-found-df for $_id"
	if repair --lost-found "$T/lost+found"; then
		[ "$(stat -c %i "$QROOT/df$_id" 2>/dev/null)" = "$_ino" ] ||
		    why "mqfsck -p did not move #$_ino back to df$_id"
		[ ! -e "$T/lost+found/#$_ino" ] ||
		    why "mqfsck -p left #$_ino in lost+found"
		settle_test strict
	fi
	verdict "$TNAME"
}

# t_truncated NAME: a qf cut in the middle (no final '.')
t_truncated() {
	TAG=dt
	seed_rng "$SEED-$TNAME"
	newtest "$W/t/$TNAME" plain
	script "$T/s1.sh"
	mkmsg 1 3000 6000 sink
	submit 1 -odq sink sink2
	mkmsg 2 100000 0 sink
	submit 2 -odq sink3
	step submit "$T/s1.sh" || why "the submission step failed"
	collect_acks
	_qf=$(qfiles 'qf*' | xargs -r grep -l "^H??X-Trial-Id: $TAG-1-" | head -n 1)
	_id=${_qf##*/qf}
	truncate -s $(($(wc -c <"$_qf") / 2)) "$_qf"
	mq_check "$T/log/check.json"
	reported "$T/log/check.json" no-terminator "$_id" ||
	    why "mqfsck -n did not report no-terminator for $_id"
	if repair; then
		[ -z "$(qfiles "qf$_id")" ] ||
		    why "mqfsck -p left the truncated qf$_id to sendmail"
		settle_test
	fi
	verdict "$TNAME"
}

# t_owners NAME: wrong owners and modes of queue files and the directory
t_owners() {
	TAG=dw
	seed_rng "$SEED-$TNAME"
	newtest "$W/t/$TNAME" plain
	script "$T/s1.sh"
	for i in 1 2 3 4 5; do
		mkmsg $i $((i * 3000)) 0 sink
		submit $i -odq sink
	done
	step submit "$T/s1.sh" || why "the submission step failed"
	collect_acks
	# shellcheck disable=SC2046 # ids and numbers, no blanks
	set -- $(qfiles 'qf*' | sed 's,.*/qf,,' | sort)
	# Owners only trusted users could have given (TrustedUser smmta, as
	# Debian's update_sys chowns them; root): fixed, never quarantined.
	chown smmta "$QROOT/qf$1"
	chgrp root "$QROOT/df$2"
	chmod 0666 "$QROOT/df$3"
	chown smmsp:root "$QROOT/df$4"
	chmod 0644 "$QROOT/qf$5"
	chmod 0770 "$QROOT"
	mq_check "$T/log/check.json"
	for x in "file-owner $1" "file-owner $2" "file-writable $3" \
	    "file-owner $4" "file-mode $5"; do
		# shellcheck disable=SC2086 # two words
		reported "$T/log/check.json" $x || why "mqfsck -n did not report $x"
	done
	problems "$T/log/check.json" | grep -q '^problem queue-' ||
	    why "mqfsck -n did not report the queue directory's mode 0770"
	if repair; then
		settle_test strict
	fi
	verdict "$TNAME"
}

# t_locked_tf NAME: a tf locked (flock) by a stopped process: mqfsck
# must leave that job alone, and still repair the others
t_locked_tf() {
	TAG=dk
	seed_rng "$SEED-$TNAME"
	newtest "$W/t/$TNAME" plain
	script "$T/s1.sh"
	mkmsg 1 6000 0 sink
	submit 1 -odq sink sink2
	mkmsg 2 9000 0 sink
	submit 2 -odq sink
	step submit "$T/s1.sh" || why "the submission step failed"
	# shellcheck disable=SC2046 # ids and numbers, no blanks
	set -- $(qfiles 'qf*' | sed 's,.*/qf,,' | sort)
	_id=$1
	# A rewrite in progress: a tf next to the qf, held by a hung
	# process; another job lost its qf (an orphan df, to be repaired).
	cp -p "$QROOT/qf$_id" "$QROOT/tf$_id"
	sed -i 's/^N0$/N1/' "$QROOT/tf$_id"
	rm -f "$QROOT/qf$2"
	"$BIN/holdlock" "$QROOT/tf$_id" "$T/locked" &
	_hp=$!
	echo "$_hp" >>"$W/holders"
	_n=0
	while [ ! -e "$T/locked" ] && [ $_n -lt 500 ]; do
		sleep 0.01
		_n=$((_n + 1))
	done
	[ -e "$T/locked" ] || why "setup: holdlock did not get the lock on tf$_id"
	kill -STOP "$_hp"
	_before=$(cd "$QROOT" && for f in qf$_id df$_id tf$_id; do
		echo "$f $(stat -c '%i %s %a %U %G %Y' "$f") $(cksum <"$f")"; done)
	mq_check "$T/log/check.json"
	problems "$T/log/check.json" | awk -v i="$_id" '$3 == i && $1 == "problem"' |
	    while read -r _sev _name _i _f _x; do
		why "mqfsck -n judged the locked job: $_name $_f"
	done
	grep -q "\"name\":\"in-use\".*\"id\":\"$_id\"" "$T/log/check.json" ||
	    why "mqfsck -n did not say that job $_id is in use"
	reported "$T/log/check.json" orphan-df "$2" ||
	    why "mqfsck -n did not report the orphan df of $2"
	if [ "$HAVE_P" = yes ]; then
		mq_repair "$T/log/repair.json"
		fixes "$T/log/repair.json" | awk -v i="$_id" '$2 == i && $4 != "not-fixed"' |
		    while read -r _name _i _act _res; do
			why "mqfsck -p acted on the locked job: $_name $_act $_res"
		done
		[ ! -e "$QROOT/df$2" ] || why "mqfsck -p left the orphan df$2"
	else
		skipped "mqfsck -p not available (the -n checks passed)"
	fi
	_after=$(cd "$QROOT" && for f in qf$_id df$_id tf$_id; do
		echo "$f $(stat -c '%i %s %a %U %G %Y' "$f" 2>&1) $(cksum <"$f" 2>&1)"; done)
	[ "$_before" = "$_after" ] || why "the locked job's files changed: $_after"
	kill -KILL "$_hp" 2>/dev/null || :
	kill -CONT "$_hp" 2>/dev/null || :
	wait "$_hp" 2>/dev/null || :
	verdict "$TNAME"
}

# ---------------------------------------------------------------------
# crash trials

# build_trial DIR: make the trial's setup in DIR (a fresh test), run the
# preparation steps, and write the step to be killed ($T/crash.sh); the
# same seed gives the same plan, so the twin and the real trial match
build_trial() {
	seed_rng "$SEED-$TRIAL"
	TAG=c$TRIAL
	rnd 8
	case $RV in
	5) _v='subdirs' ;;
	6) _v='split' ;;
	7) _v='multi' ;;
	*) _v='plain' ;;
	esac
	newtest "$1" "$_v"
	_pool="sink sink2 flaky noisy sink3"
	[ "$_v" != split ] || _pool="sink sink2 sink3 flaky sink4 noisy sink5"
	rnd 20
	_m=$RV
	MSGN=0
	case $_m in
	[0-3]) MODE=submit ;;
	[4-6]) MODE=smtp ;;
	[78]) MODE=odi ;;
	9 | 1[0-4]) MODE=qrun ;;
	1[56]) MODE=bounce ;;
	*) MODE=quarantine ;;
	esac
	MODE="$MODE/$_v"
	case $MODE in
	submit/*)
		script "$T/crash.sh"
		rnd 3
		for _i in $(seq 1 $((RV + 1))); do
			trial_msg "$_pool"
			trial_submit -odq
		done
		;;
	odi/*)
		script "$T/crash.sh"
		rnd 2
		for _i in $(seq 1 $((RV + 1))); do
			trial_msg "$_pool slow"
			trial_submit -odi
		done
		;;
	smtp/*)
		trial_smtp
		;;
	qrun/* | bounce/*)
		trial_queue
		script "$T/crash.sh"
		emit '$SM -qf -v; echo "-qf: exit $?"'
		;;
	quarantine/*)
		trial_queue
		_id=$(qfiles 'qf*' | sed 's,.*/qf,,' | sort | head -n 1)
		rnd 3
		if [ "$RV" -eq 0 ]; then
			# release a held job instead of holding one
			script "$T/hold.sh"
			emit "\$SM -Q'held before the crash' -qI$_id"
			step hold "$T/hold.sh" || why "the hold step failed"
			script "$T/crash.sh"
			emit "\$SM -qQ -Q -qI$_id"
			MODE=release/$_v
		else
			script "$T/crash.sh"
			emit "\$SM -Q'held by a crash trial' -qI$_id"
		fi
		;;
	esac
}

# trial_msg POOL: the next message of the trial, random size and
# recipients (RCPTS)
trial_msg() {
	MSGN=$((MSGN + 1))
	bodysize
	hdrsize
	# shellcheck disable=SC2086 # the pool is a list
	pick_rcpts $1
	mkmsg "$MSGN" "$BS" "$HS" "${RCPTS%% *}"
}

# trial_smtp: an SMTP session of 1 to 3 transactions with random ESMTP
# parameters, queue-only, interactive or background delivery
trial_smtp() {
	_sc=$T/smtp.script
	echo "> EHLO crash.example" >"$_sc"
	rnd 3
	for _i in $(seq 1 $((RV + 1))); do
		trial_msg "sink sink2 flaky noisy sink3"
		_p=
		rnd 2; [ "$RV" -eq 0 ] || _p="$_p SIZE=$((BS + HS + 500))"
		rnd 3; [ "$RV" -ne 0 ] || _p="$_p BODY=8BITMIME"
		rnd 3; [ "$RV" -ne 0 ] || _p="$_p RET=HDRS ENVID=env-$TRIAL-$_i"
		rnd 3; [ "$RV" -ne 0 ] || _p="$_p AUTH=<>"
		rnd 4; [ "$RV" -ne 0 ] || _p="$_p BY=86400;R"
		echo "> MAIL FROM:<sender>$_p" >>"$_sc"
		for _r in $RCPTS; do
			_p=
			rnd 3; [ "$RV" -ne 0 ] || _p=" NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;$_r@example.org"
			echo "> RCPT TO:<$_r>$_p" >>"$_sc"
		done
		rnd 3
		if [ "$RV" -eq 0 ]; then
			rnd 2000
			echo "= $MSGN $T/m/$MSGN.msg $((RV + 200))" >>"$_sc"
		else
			echo "= $MSGN $T/m/$MSGN.msg" >>"$_sc"
		fi
		rnd 4; [ "$RV" -ne 0 ] || echo "> RSET" >>"$_sc"
	done
	echo "> QUIT" >>"$_sc"
	rnd 4
	case $RV in
	0) _d=-odi ;;
	1) _d=-odb ;;
	*) _d=-odq ;;
	esac
	script "$T/crash.sh"
	emit "$BIN/smtpdrive $_sc $T/smtp.log -- \$SM -bs $_d"
	MODE="smtp$_d/$_v"
}

# trial_queue: queue 1 to 4 messages (some to be deferred once, some
# bounced) and, for a queue run, maybe run the queue once already, so
# that the run to be killed finds deferred jobs with I lines
trial_queue() {
	script "$T/setup.sh"
	rnd 4
	for _i in $(seq 1 $((RV + 1))); do
		case $MODE in
		bounce/*) trial_msg "sink sink2 flaky"; RCPTS="$RCPTS permfail" ;;
		*) trial_msg "sink sink2 flaky noisy slow sink3" ;;
		esac
		# shellcheck disable=SC2086 # a list of recipients
		submit "$MSGN" -odq $RCPTS
	done
	rnd 2
	case $MODE in
	qrun/*) [ "$RV" -eq 0 ] || emit '$SM -qf -v; echo "-qf: exit $?"' ;;
	esac
	step setup "$T/setup.sh" || why "the setup step failed"
	if awk '$2 != 0 { exit 1 }' "$T/acks.raw"; then :; else
		why "a setup submission failed: $(tr '\n' ' ' <"$T/acks.raw")"
	fi
}

# classify: "<id> <letter>f=<state> ..." for every job in the queue; a
# control file is empty, complete (ends with the "." line) or truncated,
# a df empty, complete or partial (by its test body; partial-hole while
# its first 4096 bytes are still a hole), or dsn (not a test body), an xf
# present
classify() {
	qfiles | while read -r _f; do
		_b=${_f##*/}
		_id=${_b#??}
		_l=${_b%"$_id"}
		_sz=$(wc -c <"$_f")
		case $_l in
		df)
			if [ "$_sz" -eq 0 ]; then
				_st=empty
			elif [ "$(head -c 1 "$_f" | od -An -tx1 | tr -d ' ')" = 00 ]; then
				# sendmail writes the first 4096 bytes last
				_st=partial-hole
			else
				_mk=$(sed -n '1s/^BODY-//p' "$_f")
				_want=$(awk -v m="$_mk" '$2 == m { print $4 }' "$T/msgs")
				if [ -z "$_mk" ] || [ -z "$_want" ]; then
					_st=dsn
				elif [ "$_sz" -eq "$_want" ]; then
					_st=complete
				else
					_st=partial
				fi
			fi
			;;
		xf) _st=present ;;
		?f)
			if [ "$_sz" -eq 0 ]; then
				_st=empty
			elif [ "$(tail -c 2 "$_f" | od -An -c | tr -d ' ')" = '.\n' ] &&
			    { [ "$_sz" -eq 2 ] ||
			    [ "$(tail -c 3 "$_f" | head -c 1 | od -An -c | tr -d ' ')" = '\n' ]; }; then
				_st=complete
			else
				_st=truncated
			fi
			;;
		*) _st=other ;;
		esac
		echo "$_id $_l=$_st"
	done | sort -k 2 | awk '{ s[$1] = s[$1] " " $2 } END { for (i in s) print i s[i] }' |
	    sort
}

# normal_job SIGNATURE: whether a job's files are a state sendmail leaves
# when nothing went wrong: one complete control file (qf or hf) and its
# df, nothing else
normal_job() {
	case " $1 " in
	*" tf="* | *" Tf="* | *" xf="* | *" Qf="* | *=empty* | *=truncated* | *=partial*)
		return 1 ;;
	esac
	case " $1 " in
	*" qf="*" hf="* | *" hf="*" qf="*) return 1 ;;
	*" df="*" hf=complete "* | *" df="*" qf=complete "*) return 0 ;;
	esac
	return 1
}

# crash_trial NAME N: one crash trial
crash_trial() {
	TRIAL=$2
	tname=crash/$(printf %03d "$TRIAL")
	TW=$W/crash/$TRIAL.twin
	# The twin: the same plan, not killed, to learn how long the step
	# takes and how many file events it makes.
	build_trial "$TW"
	# shellcheck disable=SC2086 # a list of options
	step crash "$TW/crash.sh" $WOPTS -t 60 || :
	# shellcheck disable=SC2046 # ids and numbers, no blanks
	set -- $(cat "$TW/log/crash.report" 2>/dev/null || echo none)
	_dur=${3:-20000} _ev=${4:-1}
	build_trial "$W/crash/$TRIAL"
	rm -rf "$TW"
	# When to kill: at a random time within the twin's run, or at a
	# random file event (any; one of the first three, where the df is
	# written; one of the last six, where control files are written,
	# renamed and removed), after a random short delay.
	rnd 10
	if [ "$RV" -lt 4 ]; then
		rnd $((_dur * 11 / 10 + 1))
		_kill="-d $RV"
		_how="at ${RV}us"
	else
		_r=$RV
		rnd $((_ev + 1))
		_k=$((RV + 1))
		if [ "$_r" -lt 6 ]; then
			rnd 3
			_k=$((RV + 1))
		elif [ "$_r" -lt 8 ]; then
			rnd 6
			_k=$((_ev - RV))
		fi
		[ "$_k" -ge 1 ] || _k=1
		rnd 10
		case $RV in
		[0-3]) _x=0 ;;
		[4-6]) rnd 200; _x=$RV ;;
		*) rnd 2000; _x=$RV ;;
		esac
		_kill="-e $_k -d $_x"
		_how="event $_k/$_ev+${_x}us"
	fi
	# shellcheck disable=SC2086 # option lists
	step crash "$T/crash.sh" $WOPTS $_kill -t 60 || :
	# shellcheck disable=SC2046 # ids and numbers, no blanks
	set -- $(cat "$T/log/crash.report" 2>/dev/null || echo none)
	case $1 in
	killed) _how="killed $_how" ;;
	exited) _how="finished before the kill"; [ "$2" -eq 0 ] || _how="$_how (status $2)" ;;
	*) why "the crash step: $*"; _how="$*" ;;
	esac
	collect_acks
	classify >"$T/state"
	# The signature of the trial, for the summary: every job's files.
	{
		echo "mode $MODE"
		echo "kill $_how"
		echo "acked $(wc -l <"$T/acked") of $MSGN"
		sed 's/^[^ ]* /job /' "$T/state"
	} >"$T/summary"

	# Check: mqfsck -n judges every job right.
	mq_check "$T/log/check.json"
	case $MQST in
	0 | 4) ;;
	*) why "mqfsck -n exit status $MQST: $(head -n 2 "$T/log/check.json.err")" ;;
	esac
	[ ! -s "$T/log/check.json.err" ] ||
	    why "mqfsck -n wrote to stderr: $(head -n 2 "$T/log/check.json.err")"
	problems "$T/log/check.json" >"$T/problems"
	_bad=0
	while read -r _id _sig; do
		if normal_job "$_sig"; then
			awk -v i="$_id" '$1 == "problem" && $3 == i' "$T/problems" |
			    while read -r _s _name _i _f _x; do
				why "false positive: $_name $_f (job: $_sig)"
			done
		else
			_bad=$((_bad + 1))
			awk -v i="$_id" '$1 == "problem" && $3 == i { f = 1 } END { exit !f }' \
			    "$T/problems" || why "missed: job $_id ($_sig) has no problem reported"
		fi
	done <"$T/state"
	awk '$1 == "problem" && $3 == "-"' "$T/problems" | while read -r _s _name _i _f _x; do
		why "problem with the queue itself: $_name"
	done
	if [ "$_bad" -eq 0 ] && [ "$MQST" -ne 0 ]; then
		why "mqfsck -n exit status $MQST on a queue without damage"
	fi
	if [ "$_bad" -gt 0 ] && [ "$MQST" -ne 4 ]; then
		why "mqfsck -n exit status $MQST on a damaged queue, expected 4"
	fi
	_sum=$(awk '$1 == "job" { $1 = ""; print }' "$T/summary" | tr '\n' ';' | sed 's/^ //; s/;$//; s/; /; /g')
	verdict "$tname/check" "$MODE, $_how: ${_sum:-queue empty}"

	# Repair: mqfsck -p, then sendmail runs the queue dry.
	if [ "$HAVE_P" = yes ]; then
		repair
		settle_test
		verdict "$tname/repair"
	else
		# Exercise the rest of the harness on the unrepaired queue;
		# a stale tf stalls sendmail 465 s, so the runs are cut short.
		REPAIRJSON=
		settle "$T/settle.why" 3 10
		_nf=$(wc -l <"$T/settle.why")
		skipped "mqfsck -p not available; on the unrepaired queue $_nf check(s) fail"
		verdict "$tname/repair"
	fi
	cp "$T/summary" "$RES/$(echo "$tname" | tr / _).summary"
	[ -n "$KEEP" ] || rm -rf "$T"
}

# crash_worker K: run trials K, K+NJOBS, ... in turn
crash_worker() {
	_t=$1
	while [ "$_t" -le "$TRIALS" ]; do
		name=crash/$(printf %03d "$_t")
		set +e
		(
			set -ex
			T=$W/crash/$_t
			mkdir -p "$T"
			crash_trial "$name" "$_t"
		) >"$LOGS/$(echo "$name" | tr / _).log" 2>&1
		set -e
		_t=$((_t + NJOBS))
	done
}

# crash_summary: the variety of crash states reached, as a test: enough
# distinct damaged states, or the kills never landed where it matters
crash_summary() {
	T=$W/t/summary
	mkdir -p "$T"
	: >"$T/why"
	cat "$RES"/crash_*.summary 2>/dev/null >"$T/all" || :
	_killed=$(grep -c '^kill killed' "$T/all" || :)
	_fin=$(grep -c '^kill finished' "$T/all" || :)
	grep '^job ' "$T/all" | sed 's/^job //' | sort | uniq -c | sort -rn >"$T/states"
	_kinds=$(wc -l <"$T/states")
	_damaged=0
	while read -r _c _sig; do
		normal_job "$_sig" || _damaged=$((_damaged + 1))
	done <"$T/states"
	_need=$((TRIALS / 25))
	[ "$_need" -le 8 ] || _need=8
	[ "$_damaged" -ge "$_need" ] ||
	    why "only $_damaged distinct damaged job states in $TRIALS trials (want $_need)"
	verdict crash-variety "$_killed killed, $_fin finished first; $_kinds job states, $_damaged damaged"
	emit_result crash-variety
	sed 's/^ *\([0-9]*\) /\1 /' "$T/states" | while read -r _c _sig; do
		if normal_job "$_sig"; then _n=" "; else _n="*"; fi
		printf '     # %5d %s %s\n' "$_c" "$_n" "$_sig"
	done
	grep '^mode ' "$T/all" | sed 's/^mode //; s,/.*,,' | sort | uniq -c |
	    awk '{ printf "%s %s,", $2, $1 }' | sed 's/,$//; s/^/     # modes: /; s/,/, /g'
	echo
}

# run_crash: the crash trials, NJOBS at a time, then their results in
# order and the summary
run_crash() {
	mkdir -p "$W/crash"
	_pids=
	_k=1
	while [ $_k -le "$NJOBS" ] && [ $_k -le "$TRIALS" ]; do
		crash_worker $_k &
		_pids="$_pids $!"
		_k=$((_k + 1))
	done
	WORKERS=$_pids
	for _p in $_pids; do
		wait "$_p" || :
	done
	WORKERS=
	_t=1
	while [ "$_t" -le "$TRIALS" ]; do
		_n=crash/$(printf %03d "$_t")
		emit_result "$_n/check"
		emit_result "$_n/repair"
		_t=$((_t + 1))
	done
	crash_summary
}

# ---------------------------------------------------------------------
# main

# cleanup: stop what is still running, remove the scratch directory
cleanup() {
	for p in ${WORKERS:-}; do
		kill "$p" 2>/dev/null || :
	done
	if [ -n "${W:-}" ] && [ -f "$W/mounts" ]; then
		while read -r dev dir; do
			umount "$dir" 2>/dev/null || :
			losetup -d "$dev" 2>/dev/null || :
		done <"$W/mounts"
	fi
	if [ -n "${W:-}" ] && [ -f "$W/holders" ]; then
		while read -r p; do
			kill -KILL "$p" 2>/dev/null || :
		done <"$W/holders"
	fi
	if [ -n "${W:-}" ] && [ -d "$W" ]; then
		if [ -n "$KEEP" ]; then
			echo "run.sh: scratch directory kept: $W" >&2
		else
			rm -rf "$W"
		fi
	fi
}

FAILS=0
WORKERS=
BEYOND="lost-found-fs swapped-df hand-edits split-owners restore"
TESTS="healthy/queue-only healthy/smtp healthy/deferred healthy/quarantine
healthy/split healthy/subdirs healthy/multiqueue healthy/layout
damage/lost-found damage/truncated-qf damage/owners-modes damage/locked-tf"
for b in $BEYOND; do
	r=1
	while [ "$r" -le "$ROUNDS" ]; do
		TESTS="$TESTS damage/$b/$r"
		r=$((r + 1))
	done
done
case $TRIALS in '' | *[!0-9]*) echo "run.sh: MQ_INTEROP_TRIALS: not a number" >&2; exit 1 ;; esac
case $ROUNDS in '' | *[!0-9]*) echo "run.sh: MQ_INTEROP_ROUNDS: not a number" >&2; exit 1 ;; esac
case $NJOBS in '' | 0 | *[!0-9]*) echo "run.sh: MQ_INTEROP_JOBS: not a number" >&2; exit 1 ;; esac

W=$(mktemp -d "${TMPDIR:-/tmp}/mqinterop.XXXXXX")
trap cleanup EXIT
trap 'exit 130' INT TERM
case $W in *[!A-Za-z0-9/._-]*)
	echo "FAIL interop/setup"
	echo "     scratch path $W has characters the tests cannot quote"
	exit 1 ;;
esac
chmod 755 "$W"
BIN=$W/bin RES=$W/results LOGS=$W/logs
mkdir -p "$BIN" "$RES" "$LOGS"
start=$(date +%s)

# The helpers, built here; the binary under test, copied.
T=$W
: >"$W/why"
for p in gen smtpdrive crashrun logsink holdlock; do
	cc -std=c11 -Wall -Wextra -Werror -O2 -o "$BIN/$p" "$HERE/$p.c" \
	    >>"$W/why" 2>&1 || echo "cannot build $p.c" >>"$W/why"
done
cp "$HERE/ns.sh" "$HERE/save.sh" "$BIN/"
chmod 755 "$BIN"/*
MQBIN=$BIN/mqfsck
if [ -x "$MQ_SRC" ]; then
	cp "$MQ_SRC" "$MQBIN"
else
	echo "no mqfsck binary at $MQ_SRC (set MQ_MQFSCK, or make mqfsck)" >>"$W/why"
fi
if [ -s "$W/why" ]; then
	echo "FAIL interop/setup"
	sed 's/^/     /' "$W/why" | head -n 12
	exit 1
fi

# Does this mqfsck have -p?  Until it does, it rejects it (status 16).
mkdir -p "$W/probe/q"
mkdir -m 700 "$W/probe/a"
HAVE_P=yes
"$MQBIN" -p -a "$W/probe/a" --assume-stopped -c none --owner queue-dir \
    "$W/probe/q" >"$W/probe/out" 2>&1 || [ $? -ne 16 ] || HAVE_P=no
[ "$HAVE_P" = yes ] || echo "run.sh: mqfsck has no -p yet: running -n, skipping what needs -p" >&2

# Can sendmail be run safely here?
h=$(uname -n)
case $h in *.*) fq=$h ;; *) fq=$h.localdomain ;; esac
printf '127.0.0.1\t%s %s localhost\n::1\tlocalhost\n' "$fq" "${h%%.*}" >"$W/hosts"
NOSM=
if [ "$(id -u)" -ne 0 ]; then
	NOSM="needs root (sendmail's queue ownership, namespaces)"
elif [ ! -x "$SENDMAIL" ] || [ ! -f "$BASECF" ]; then
	NOSM="no $SENDMAIL or $BASECF (Debian's sendmail-bin)"
elif ! getent passwd smmta >/dev/null || ! getent group smmsp >/dev/null; then
	NOSM="no smmta user or smmsp group (Debian's sendmail-base)"
elif ! $UNSHARE sh -c 'mount --bind "$1" /etc/hosts && ip link set lo up &&
    [ "$(ip -o link show | wc -l)" -eq 1 ]' sh "$W/hosts" >"$W/ns.err" 2>&1; then
	NOSM="cannot make a loopback-only namespace with $UNSHARE ($(head -n 1 "$W/ns.err")); sendmail never runs outside one"
fi
if [ -n "$NOSM" ]; then
	skip_all_sendmail "$NOSM"
	exit 0
fi

run_test healthy/queue-only t_queue_only
run_test healthy/smtp t_smtp
run_test healthy/deferred t_deferred
run_test healthy/quarantine t_quarantine
run_test healthy/split t_split
run_test healthy/subdirs t_subdirs
run_test healthy/multiqueue t_multi
run_test damage/lost-found t_lost_found
run_test damage/truncated-qf t_truncated
run_test damage/owners-modes t_owners
run_test damage/locked-tf t_locked_tf
run_test healthy/layout t_layout
run_test damage/release t_release 0
run_test damage/header-syntax t_header_syntax 0
r=1
while [ "$r" -le "$ROUNDS" ]; do
	run_test "damage/lost-found-fs/$r" t_lost_found_fs "$r"
	run_test "damage/swapped-df/$r" t_swapped "$r"
	run_test "damage/hand-edits/$r" t_hand_edits "$r"
	run_test "damage/split-owners/$r" t_split_owners "$r"
	run_test "damage/restore/$r" t_restore "$r"
	run_test "damage/hostile/$r" t_hostile "$r"
	r=$((r + 1))
done
if want crash && [ "$TRIALS" -gt 0 ]; then
	run_crash
fi
echo "run.sh: $(($(date +%s) - start)) s, $FAILS failed" >&2
[ "$FAILS" -eq 0 ]
