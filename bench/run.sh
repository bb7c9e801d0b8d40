#!/bin/sh
# bench/run.sh - the mqfsck benchmark: mqfsck -n against the I/O floor and
# against sendmail -bp on generated queues; see bench/README.md.
#
# Builds bench/out/{gen_queue,floor,measure}, generates (or reuses) one
# queue per size, then per size: one floor run to warm the page cache, and
# BENCH_RUNS rounds of the serial floor, the threaded floor, mqfsck -n and
# sendmail -bp with a warm cache, then (root only) the floors and mqfsck -n
# again each after dropping the page cache, each timed by
# bench/out/measure.  Medians of wall time, peak RSS of mqfsck, the ratios,
# RSS per job and linearity, each against its target with PASS or FAIL,
# go to stdout and to bench/out/results.md.
#
# Environment:
#   BENCH_SIZES             job counts (default "100000 1000000")
#   BENCH_RUNS              timed runs of each program per size (default 3)
#   BENCH_SENDMAIL_RUNS     timed sendmail -bp runs per size (default BENCH_RUNS; 0 skips)
#   BENCH_SENDMAIL_TIMEOUT  seconds before a sendmail -bp run is killed (default 1800)
#   BENCH_DIR               where the queues are cached (default bench/out)
#   BENCH_SEED              generator seed (default 1)
#   BENCH_THREADS           threads of the threaded floor (default 32)
#   BENCH_REPAIR_SIZES      job counts of the repair benchmark (default
#                           "20000 200000"; empty skips it)
#   BENCH_COLD              1: cold-cache runs too (the default as root,
#                           where /proc/sys/vm/drop_caches can be written);
#                           0: warm only
#   MQFSCK                  the binary, from the repo root (default ./mqfsck);
#                           a copy taken at the start is what runs
#   MQFSCK_ARGS             extra arguments before -n (default none)
#   SENDMAIL                default /usr/sbin/sendmail
#   CC                      default cc
set -eu

cd "$(dirname "$0")/.."
ROOT=$(pwd)
OUT=$ROOT/bench/out
SIZES=${BENCH_SIZES:-100000 1000000}
RUNS=${BENCH_RUNS:-3}
SM_RUNS=${BENCH_SENDMAIL_RUNS:-$RUNS}
SM_TIMEOUT=${BENCH_SENDMAIL_TIMEOUT:-1800}
SEED=${BENCH_SEED:-1}
THREADS=${BENCH_THREADS:-32}
REPAIR_SIZES=${BENCH_REPAIR_SIZES-20000 200000}
COLD=${BENCH_COLD:-auto}
MQFSCK=${MQFSCK:-./mqfsck}
MQFSCK_ARGS=${MQFSCK_ARGS:-}
SENDMAIL=${SENDMAIL:-/usr/sbin/sendmail}
CC=${CC:-cc}
CFLAGS_BENCH="-std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -O2 \
-Wall -Wextra -Werror -Wshadow -Wformat=2 -Wvla -pthread"
LINEAR_MAX=1.2		# "linear": time per job grows by at most this factor
RESULTS=$OUT/results.md
NETNS=

die() { echo "bench: $*" >&2; exit 1; }
note() { echo "bench: $*" >&2; }

is_count() { case $1 in '' | *[!0-9]*) return 1 ;; *) return 0 ;; esac; }

# label N: 100000 -> 100k, 1000000 -> 1m
label() {
	case $1 in
	*000000) echo "${1%000000}m" ;;
	*000) echo "${1%000}k" ;;
	*) echo "$1" ;;
	esac
}

cleanup() {
	if [ -n "$NETNS" ]; then ip netns delete "$NETNS" 2>/dev/null || :; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- arguments ------------------------------------------------------------

for v in "$RUNS" "$SM_RUNS" "$SM_TIMEOUT" "$SEED" "$THREADS"; do
	is_count "$v" || die "not a number: '$v'"
done
[ "$RUNS" -ge 1 ] || die "BENCH_RUNS must be at least 1"
[ "$SM_RUNS" -le "$RUNS" ] || SM_RUNS=$RUNS
for n in $SIZES; do
	if ! is_count "$n" || [ "$n" -lt 1 ]; then
		die "BENCH_SIZES: not a job count: '$n'"
	fi
done
# shellcheck disable=SC2086 # split the list on purpose
SIZES=$(printf '%s\n' $SIZES | sort -n | uniq | tr '\n' ' ')
[ -x "$MQFSCK" ] || die "$MQFSCK not found: build it first (make mqfsck)"
# Cold cache: the page cache, dentries and inodes dropped before each cold
# run ("sync; echo 3 > /proc/sys/vm/drop_caches"), which only root can do.
COLD_NOTE=
case $COLD in
0) COLD_NOTE="cold-cache runs not asked for (BENCH_COLD=0)" ;;
1 | auto)
	if [ "$(id -u)" -ne 0 ] || ! [ -w /proc/sys/vm/drop_caches ]; then
		[ "$COLD" = 1 ] && die "BENCH_COLD=1 needs root (to write /proc/sys/vm/drop_caches)"
		COLD=0
		COLD_NOTE="cold-cache runs skipped: dropping the page cache needs root"
		note "$COLD_NOTE"
	else
		COLD=1
	fi
	;;
*) die "BENCH_COLD is 0 or 1, not '$COLD'" ;;
esac

# drop_caches: a cold page cache for the next run
drop_caches() {
	sync
	echo 3 >/proc/sys/vm/drop_caches || die "cannot drop the page cache"
}

# --- build ----------------------------------------------------------------

mkdir -p "$OUT"
for p in gen_queue floor measure; do
	# shellcheck disable=SC2086 # CFLAGS_BENCH is a list of flags
	$CC $CFLAGS_BENCH -o "$OUT/$p" "bench/$p.c" || die "cannot build $p"
done
M=$OUT/measure
# Run a copy, so that a rebuild during the run cannot mix two binaries.
MQBIN=$OUT/mqfsck
cp -p "$MQFSCK" "$MQBIN" || die "cannot copy $MQFSCK to $MQBIN"
mqsum=$(sha256sum "$MQBIN" | cut -c 1-12)
built=$(date -u -r "$MQFSCK" '+%Y-%m-%d %H:%M UTC' 2>/dev/null || echo unknown)
# A queue is reused only if made by this generator with this seed.
GEN_ID="$SEED $(cksum <bench/gen_queue.c | cut -d ' ' -f 1)"
# Debian's layout, where Debian's sendmail is installed and we are root:
# the queue directory smmta:smmsp 2750, the files root:smmsp (what the
# set-group-ID directory gives sendmail's files), so that mqfsck judges
# the queue by /etc/mail/sendmail.cf and finds nothing wrong, as it would
# in /var/spool/mqueue.
LAYOUT=plain
if [ "$(id -u)" -eq 0 ] && getent passwd smmta >/dev/null 2>&1 &&
    getent group smmsp >/dev/null 2>&1 && [ -r /etc/mail/sendmail.cf ]; then
	LAYOUT=debian
fi
GEN_ID="$GEN_ID $LAYOUT"

BENCH_DIR=${BENCH_DIR:-$OUT}
mkdir -p "$BENCH_DIR"
BENCH_DIR=$(cd "$BENCH_DIR" && pwd)

# --- queues ---------------------------------------------------------------

# queue_ok N DIR: DIR holds a complete queue of N jobs made as GEN_ID says
queue_ok() {
	[ -d "$2" ] && [ -f "$2.ok" ] && [ "$(cat "$2.ok")" = "$1 $GEN_ID" ]
}

# check_space: enough blocks and inodes for the queues still to be made
check_space() {
	need_kib=0 need_ino=0
	for n in $SIZES; do
		queue_ok "$n" "$BENCH_DIR/q$(label "$n")" && continue
		# qf and df in a 4 KiB block each, plus the directory: 9 KiB.
		need_kib=$((need_kib + n * 9))
		need_ino=$((need_ino + 2 * n + 16))
	done
	[ "$need_kib" -gt 0 ] || return 0
	have_kib=$(df -Pk "$BENCH_DIR" | awk 'NR == 2 { print $4 }')
	have_ino=$(df -Pi "$BENCH_DIR" | awk 'NR == 2 { print $4 }')
	is_count "$have_kib" || die "cannot read free space of $BENCH_DIR (df -Pk)"
	if [ "$have_kib" -lt "$need_kib" ]; then
		die "not enough space in $BENCH_DIR: the queues need about" \
		    "$((need_kib / 1048576 + 1)) GiB, $((have_kib / 1048576)) GiB" \
		    "free; set BENCH_DIR or BENCH_SIZES"
	fi
	# Some file systems (btrfs) have no inode limit and print 0 or "-".
	if is_count "$have_ino" && [ "$have_ino" -gt 0 ] &&
	    [ "$have_ino" -lt "$need_ino" ]; then
		die "not enough inodes in $BENCH_DIR: the queues need $need_ino," \
		    "$have_ino free; set BENCH_DIR or BENCH_SIZES"
	fi
}

# make_queue N DIR: generate DIR unless a complete one is cached
make_queue() {
	if queue_ok "$1" "$2"; then
		note "reusing $2 ($1 jobs)"
		return 0
	fi
	if [ -e "$2" ]; then
		note "removing incomplete or different queue $2"
		rm -rf "$2" "$2.ok"
	fi
	note "generating $2 ($1 jobs)"
	"$OUT/gen_queue" "$2" "$1" "$SEED" >&2 || die "gen_queue failed"
	if [ "$LAYOUT" = debian ]; then
		note "giving $2 Debian's owners and modes"
		find "$2" -mindepth 1 -exec chgrp smmsp {} + ||
		    die "chgrp failed"
		if ! chown smmta:smmsp "$2" || ! chmod 2750 "$2"; then
			die "cannot give $2 Debian's owner and mode"
		fi
	fi
	echo "$1 $GEN_ID" >"$2.ok"
}

check_space

# --- sendmail -bp, in a loopback-only network namespace -------------------

# A private /etc/hosts (bind-mounted in a private mount namespace) gives the
# host a qualified name, so sendmail does not sleep 60 s at start trying to
# qualify it; the system's /etc/hosts is untouched.
HOSTS=$OUT/hosts
h=$(uname -n)
case $h in *.*) fq=$h ;; *) fq=$h.localdomain ;; esac
printf '127.0.0.1\t%s %s localhost\n::1\tlocalhost\n' "$fq" "$h" >"$HOSTS"

SM_MODE=none
SM_NOTE=
# shellcheck disable=SC2016 # expanded by the inner sh
BINDTEST='mount --bind "$1" /etc/hosts'
# shellcheck disable=SC2016 # expanded by the inner sh
NSSCRIPT='mount --bind "$1" /etc/hosts || exit 97
ip link set lo up 2>/dev/null
exec "$2" -bp -OQueueDirectory="$3"'
if [ "$SM_RUNS" -eq 0 ]; then
	SM_NOTE="sendmail -bp skipped (BENCH_SENDMAIL_RUNS=0)"
elif [ ! -x "$SENDMAIL" ]; then
	SM_NOTE="sendmail -bp skipped: $SENDMAIL not found"
elif unshare --net --mount sh -c "$BINDTEST" sh "$HOSTS" 2>/dev/null; then
	SM_MODE=unshare
elif NETNS=mqbench$$ && ip netns add "$NETNS" 2>/dev/null; then
	SM_MODE=netns
else
	NETNS=
	SM_NOTE="sendmail -bp skipped: neither 'unshare --net --mount' nor"
	SM_NOTE="$SM_NOTE 'ip netns' works here, and it is never run outside a"
	SM_NOTE="$SM_NOTE loopback-only network namespace"
fi

# run_sm RAW QDIR [OUTFILE]: one timed sendmail -bp run; its exit status
run_sm() {
	o=/dev/null
	[ $# -ge 3 ] && o=$3
	case $SM_MODE in
	unshare)
		"$M" -l sendmail -t "$SM_TIMEOUT" -o "$o" "$1" -- \
		    unshare --net --mount sh -c "$NSSCRIPT" sh "$HOSTS" \
		    "$SENDMAIL" "$2" ;;
	netns)
		"$M" -l sendmail -t "$SM_TIMEOUT" -o "$o" "$1" -- \
		    ip netns exec "$NETNS" sh -c "$NSSCRIPT" sh "$HOSTS" \
		    "$SENDMAIL" "$2" ;;
	esac
}

# field LABEL KEY FILE: the KEY values of LABEL's records, one a line
field() {
	sed -n "/^label=$1 /s/.* $2=\([^ ]*\).*/\1/p" "$3"
}

# median: of the numbers on stdin, "-" if none
median() {
	sort -n | awk '{ v[NR] = $1 }
	    END { if (NR == 0) print "-"
		  else if (NR % 2) print v[(NR + 1) / 2]
		  else printf "%.6f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

SM_START=-
if [ "$SM_MODE" != none ]; then
	# Startup check on a one-job queue: no 60 s stall, and sendmail
	# accepts the generated files.
	q1=$OUT/qstartup
	rm -rf "$q1" "$q1.ok"
	"$OUT/gen_queue" "$q1" 1 "$SEED" >/dev/null || die "gen_queue failed"
	raw1=$OUT/raw-startup.txt
	: >"$raw1"
	st=0
	run_sm "$raw1" "$q1" "$OUT/sendmail-startup.out" || st=$?
	SM_START=$(field sendmail wall "$raw1" | median)
	if [ "$st" -ne 0 ] || ! grep -q 'Total requests: 1$' "$OUT/sendmail-startup.out"; then
		note "sendmail -bp on a one-job queue failed (status $st):"
		sed 's/^/    /' "$OUT/sendmail-startup.out" >&2
		SM_MODE=none
		SM_NOTE="sendmail -bp skipped: it failed on a one-job queue (status $st)"
	elif awk -v t="$SM_START" 'BEGIN { exit !(t > 5) }'; then
		SM_NOTE="WARNING: sendmail -bp took $SM_START s on a one-job queue"
		SM_NOTE="$SM_NOTE (startup stall?); its figures include that"
		note "$SM_NOTE"
	else
		SM_NOTE="sendmail -bp startup (one-job queue): $(printf %.3f "$SM_START") s, no stall"
	fi
	note "sendmail -bp mode: $SM_MODE; $SM_NOTE"
fi

# --- the runs -------------------------------------------------------------

SUMMARY=$OUT/summary.tsv
: >"$SUMMARY"
for n in $SIZES; do
	lab=$(label "$n")
	q=$BENCH_DIR/q$lab
	make_queue "$n" "$q"
	raw=$OUT/raw-$lab.txt
	mqout=$OUT/mqfsck-$lab.out
	cmqout=$OUT/mqfsck-$lab-cold.out
	: >"$raw"
	note "$lab: warming the cache (one floor run)"
	"$OUT/floor" "$q" >&2 || die "floor failed on $q"
	sm_dead=
	r=1
	while [ "$r" -le "$RUNS" ]; do
		note "$lab: round $r of $RUNS"
		"$M" -l floor "$raw" -- "$OUT/floor" "$q" || die "floor failed on $q"
		"$M" -l floorj "$raw" -- "$OUT/floor" -j "$THREADS" "$q" ||
		    die "floor -j $THREADS failed on $q"
		# shellcheck disable=SC2086 # MQFSCK_ARGS is a list
		"$M" -l mqfsck -o "$mqout" "$raw" -- "$MQBIN" $MQFSCK_ARGS -n "$q" || :
		if [ "$SM_MODE" != none ] && [ "$r" -le "$SM_RUNS" ] &&
		    [ -z "$sm_dead" ]; then
			run_sm "$raw" "$q" || :
			tail -n 1 "$raw" | grep -q 'status=0$' || sm_dead=1
		fi
		if [ "$COLD" = 1 ]; then
			drop_caches
			"$M" -l cfloor "$raw" -- "$OUT/floor" "$q" ||
			    die "floor failed on $q"
			drop_caches
			"$M" -l cfloorj "$raw" -- "$OUT/floor" -j "$THREADS" "$q" ||
			    die "floor -j $THREADS failed on $q"
			drop_caches
			# shellcheck disable=SC2086 # MQFSCK_ARGS is a list
			"$M" -l cmqfsck -o "$cmqout" "$raw" -- "$MQBIN" \
			    $MQFSCK_ARGS -n "$q" || :
			# Warm again for the next round's warm runs.
			"$OUT/floor" "$q" >/dev/null || die "floor failed on $q"
		fi
		r=$((r + 1))
	done
	fl=$(field floor wall "$raw" | median)
	flj=$(field floorj wall "$raw" | median)
	cfl=$(field cfloor wall "$raw" | median)
	cflj=$(field cfloorj wall "$raw" | median)
	cmq=$(field cmqfsck wall "$raw" | median)
	mq=$(field mqfsck wall "$raw" | median)
	rss=$(field mqfsck maxrss_kib "$raw" | sort -n | tail -n 1)
	mqst=$( (field mqfsck status "$raw"; field cmqfsck status "$raw") |
	    sort -u | tr '\n' ' ' | sed 's/ $//')
	mqlast=$(tail -n 1 "$mqout" | tr '\t|' ' /')
	if [ "$SM_MODE" = none ]; then
		sm=skipped
	elif grep -q '^label=sendmail .*status=timeout' "$raw"; then
		sm="timeout>${SM_TIMEOUT}s"
	elif grep '^label=sendmail ' "$raw" | grep -vq 'status=0$'; then
		sm="failed($(field sendmail status "$raw" | sort -u | tr '\n' ' ' | sed 's/ $//'))"
	else
		sm=$(field sendmail wall "$raw" | median)
	fi
	# stat -f names ext4 "ext2/ext3" (one magic number); findmnt tells.
	fs=$(stat -f -c %T "$q")
	mnt=$(findmnt -no FSTYPE -T "$q" 2>/dev/null || :)
	[ -z "$mnt" ] || fs="$fs, mounted as $mnt"
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' \
	    "$n" "$lab" "$fl" "$mq" "$sm" "$rss" "$mqst" "$mqlast" "$fs" \
	    "$flj" "$cfl" "$cflj" "$cmq" >>"$SUMMARY"
done

# --- the repair benchmark --------------------------------------------------
#
# Half of the jobs lose their qf (their df is orphaned: mqfsck archives
# and removes it), the other half's qf gets mode 0644 (mqfsck sets it
# back, recorded in the archive).  The reference does the same changes
# plainly: tar czf of the orphaned df files, rm, chmod.  Each timed run
# gets a freshly generated and damaged queue (the repair changes it).

# damaged_queue N DIR: DIR made and damaged; DIR.orphans, DIR.modes list
# the names
damaged_queue() {
	rm -rf "$2" "$2.arch"
	"$OUT/gen_queue" "$2" "$1" "$SEED" >/dev/null || die "gen_queue failed"
	if [ "$LAYOUT" = debian ]; then
		find "$2" -mindepth 1 -exec chgrp smmsp {} + || die "chgrp failed"
		if ! chown smmta:smmsp "$2" || ! chmod 2750 "$2"; then
			die "cannot give $2 Debian's owner and mode"
		fi
	fi
	find "$2" -mindepth 1 -maxdepth 1 -name 'qf*' -printf '%f\n' |
	    LC_ALL=C sort >"$2.qf"
	awk 'NR % 2 == 0 { print "df" substr($0, 3) }' "$2.qf" >"$2.orphans"
	awk 'NR % 2 == 1' "$2.qf" >"$2.modes"
	(cd "$2" && awk 'NR % 2 == 0' "$2.qf" | xargs rm -f &&
	    xargs chmod 0644 <"$2.modes") || die "cannot damage $2"
}

REPAIR_SUMMARY=$OUT/repair.tsv
: >"$REPAIR_SUMMARY"
for n in $REPAIR_SIZES; do
	is_count "$n" || die "BENCH_REPAIR_SIZES: not a job count: '$n'"
	lab=$(label "$n")
	rq=$BENCH_DIR/repair$lab
	raw=$OUT/raw-repair-$lab.txt
	: >"$raw"
	r=1
	while [ "$r" -le "$RUNS" ]; do
		note "repair $lab: round $r of $RUNS"
		damaged_queue "$n" "$rq"
		# shellcheck disable=SC2086 # MQFSCK_ARGS is a list
		"$M" -l repair -o "$OUT/repair-$lab.out" "$raw" -- \
		    "$MQBIN" $MQFSCK_ARGS -y -a "$rq.arch" "$rq" || :
		damaged_queue "$n" "$rq"
		mkdir -p "$rq.arch"
		# shellcheck disable=SC2016 # expanded by the inner sh
		"$M" -l plain "$raw" -- sh -c 'cd "$1" &&
		    tar czf "$2/plain.tar.gz" -T "$1.orphans" &&
		    xargs rm -f <"$1.orphans" && xargs chmod 0640 <"$1.modes"' \
		    sh "$rq" "$rq.arch" || die "the plain repair failed"
		r=$((r + 1))
	done
	rm -rf "$rq" "$rq.arch" "$rq.qf" "$rq.orphans" "$rq.modes"
	rp=$(field repair wall "$raw" | median)
	pl=$(field plain wall "$raw" | median)
	rst=$(field repair status "$raw" | sort -u | tr '\n' ' ' | sed 's/ $//')
	printf '%s\t%s\t%s\t%s\t%s\n' "$n" "$rp" "$pl" "$rst" \
	    "$(tail -n 1 "$OUT/repair-$lab.out" | tr '\t|' ' /')" >>"$REPAIR_SUMMARY"
done
if [ -s "$REPAIR_SUMMARY" ]; then
	awk -F '\t' '
	function verdict(c) { return c ? "PASS" : "**FAIL**" }
	BEGIN {
		print "Repair: half the jobs without their qf (the df archived and"
		print "removed), the other half with a qf of mode 0644 (set back):"
		print ""
		print "| jobs | mqfsck -y (s) | tar czf + rm + chmod (s) | ratio | mqfsck exit | target: at most 2x |"
		print "|---:|---:|---:|---:|---|---|"
	}
	{
		ok = ($4 ~ /^1( 1)*$/) ? "" : " **FAILED**"
		printf "| %s | %.3f | %.3f | %.2fx | %s%s | %s |\n", $1, $2, $3,
		    $2 / $3, $4, ok, verdict($2 / $3 <= 2)
	}
	END { print "" }' "$REPAIR_SUMMARY" >"$OUT/repair.md"
else
	echo "Repair benchmark not run (BENCH_REPAIR_SIZES empty)." >"$OUT/repair.md"
fi

# --- the report -----------------------------------------------------------

rev=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ -n "$(git -C "$ROOT" status --porcelain --untracked-files=no 2>/dev/null)" ]; then
	rev="$rev (with uncommitted changes)"
fi
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
mem=$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
smver=$(dpkg-query -W -f '${Version}' sendmail-bin 2>/dev/null || echo unknown)

awk -F '\t' -v runs="$RUNS" -v smruns="$SM_RUNS" -v linmax="$LINEAR_MAX" \
    -v threads="$THREADS" '
function verdict(c) { return c ? "PASS" : "**FAIL**" }
function isnum(s) { return s ~ /^[0-9.]+$/ }
{
	n[NR] = $1; lab[NR] = $2; fl[NR] = $3; mq[NR] = $4; sm[NR] = $5
	rss[NR] = $6; st[NR] = $7; last[NR] = $8
	flj[NR] = $10; cfl[NR] = $11; cflj[NR] = $12; cmq[NR] = $13
}
END {
	print "Warm cache:"
	print ""
	print "| jobs | floor (s) | floor, " threads " threads (s) |" \
	    " mqfsck -n (s) | sendmail -bp (s) | mqfsck / floor |" \
	    " mqfsck / threaded floor | sendmail / mqfsck |" \
	    " mqfsck peak RSS (MiB) | mqfsck exit |"
	print "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
	worst_warm = 0; best_sm = -1; small = 1
	cold = 1; worst_cold = 0; worst_coldj = 0
	for (i = 1; i <= NR; i++) {
		r1 = mq[i] / fl[i]
		if (r1 > worst_warm) worst_warm = r1
		if (isnum(sm[i])) {
			r2 = sprintf("%.1fx", sm[i] / mq[i])
			if (best_sm < 0 || sm[i] / mq[i] < best_sm)
				best_sm = sm[i] / mq[i]
			smcell = sprintf("%.3f", sm[i])
		} else {
			r2 = "-"; smcell = sm[i]; small = 0
		}
		# 0 clean, 4 problems found; anything else (8, 16, a signal)
		# means the run failed.
		fail = (st[i] ~ /^(0|4)( (0|4))*$/) ? "" : " **FAILED**"
		# Faster than the threaded floor by half: it cannot have read
		# the queue.
		if (mq[i] < 0.5 * flj[i])
			fail = fail " **SUSPECT: faster than the I/O floor**"
		printf "| %s | %.3f | %.3f | %.3f | %s | %.2fx | %.2fx | %s | %.1f | %s%s |\n",
		    n[i], fl[i], flj[i], mq[i], smcell, r1, mq[i] / flj[i], r2,
		    rss[i] / 1024, st[i], fail
		if (!isnum(cmq[i]) || !isnum(cfl[i]) || !isnum(cflj[i]))
			cold = 0
	}
	print ""
	if (cold) {
		print "Cold cache (page cache, dentries and inodes dropped before each run):"
		print ""
		print "| jobs | floor (s) | floor, " threads " threads (s) |" \
		    " mqfsck -n (s) | mqfsck / floor | mqfsck / threaded floor |"
		print "|---:|---:|---:|---:|---:|---:|"
		for (i = 1; i <= NR; i++) {
			if (cmq[i] / cfl[i] > worst_cold) worst_cold = cmq[i] / cfl[i]
			if (cmq[i] / cflj[i] > worst_coldj) worst_coldj = cmq[i] / cflj[i]
			printf "| %s | %.3f | %.3f | %.3f | %.2fx | %.2fx |\n",
			    n[i], cfl[i], cflj[i], cmq[i], cmq[i] / cfl[i],
			    cmq[i] / cflj[i]
		}
		print ""
	}
	for (i = 1; i <= NR; i++)
		printf "- mqfsck output at %s jobs (last line): `%s`\n", n[i], last[i]
	print ""
	if (NR >= 2) {
		a = 1; b = NR
		perjob = (rss[b] - rss[a]) * 1024 / (n[b] - n[a])
		base = (rss[a] * 1024 - perjob * n[a]) / 1048576
		lin = (mq[b] / n[b]) / (mq[a] / n[a])
		linfl = (fl[b] / n[b]) / (fl[a] / n[a])
		printf "- Peak RSS per job above the base, (RSS(%s) - RSS(%s)) / %d:" \
		    " **%.1f bytes/job** (base, extrapolated to 0 jobs: %.1f MiB)\n",
		    n[b], n[a], n[b] - n[a], perjob, base
		printf "- Linearity, mqfsck time per job at %s / at %s: **%.2f**" \
		    " (floor: %.2f", n[b], n[a], lin, linfl
		if (isnum(sm[a]) && isnum(sm[b]))
			printf "; sendmail -bp: %.2f", (sm[b] / n[b]) / (sm[a] / n[a])
		print ")"
	}
	print ""
	print "| target | result | verdict |"
	print "|---|---|---|"
	if (cold) {
		printf "| cold cache: mqfsck -n at most 0.5x the serial floor | worst %.2fx | %s |\n",
		    worst_cold, verdict(worst_cold <= 0.5)
		printf "| cold cache: mqfsck -n at most 1.25x the threaded floor | worst %.2fx | %s |\n",
		    worst_coldj, verdict(worst_coldj <= 1.25)
	} else {
		print "| cold cache: mqfsck -n at most 0.5x the serial floor | not measured | - |"
		print "| cold cache: mqfsck -n at most 1.25x the threaded floor | not measured | - |"
	}
	printf "| warm cache: mqfsck -n at most 0.9x the serial floor | worst %.2fx | %s |\n",
	    worst_warm, verdict(worst_warm <= 0.9)
	if (best_sm >= 0)
		printf "| at least 5x faster than sendmail -bp | worst %.1fx%s | %s |\n",
		    best_sm, small ? "" : " (not every size measured)", verdict(best_sm >= 5)
	else
		print "| at least 5x faster than sendmail -bp | not measured | - |"
	if (NR >= 2) {
		printf "| peak RSS at most 200 bytes per job above a fixed base |" \
		    " %.1f bytes/job | %s |\n", perjob, verdict(perjob <= 200)
		printf "| time per job at %s within %sx of that at %s | %.2f | %s |\n",
		    n[b], linmax, n[a], lin, verdict(lin <= linmax)
	}
}' "$SUMMARY" >"$OUT/table.md"

{
	echo "## mqfsck benchmark"
	echo
	echo "Machine: $(nproc) CPUs ($cpu), $mem RAM, Linux $(uname -r);" \
	    "queues on $(cut -f 9 "$SUMMARY" | sort -u | tr '\n' ' ' | sed 's/ $//')" \
	    "($BENCH_DIR). mqfsck: $MQFSCK built $built (sha256 $mqsum...)," \
	    "repository at $rev, run as \`mqfsck $MQFSCK_ARGS${MQFSCK_ARGS:+ }-n DIR\`;" \
	    "sendmail $smver."
	echo "Warm: one floor run before the timed runs; cold: the page cache" \
	    "dropped before each run${COLD_NOTE:+ ($COLD_NOTE)}. Wall times" \
	    "are medians of $RUNS runs (sendmail -bp: $SM_RUNS, warm only), taken by" \
	    "bench/out/measure; the threaded floor is bench/floor.c -j $THREADS;" \
	    "RSS is ru_maxrss. $SM_NOTE."
	echo
	cat "$OUT/table.md"
	echo
	cat "$OUT/repair.md"
} >"$RESULTS"
cat "$RESULTS"
note "written to $RESULTS; raw records in $OUT/raw-*.txt"
