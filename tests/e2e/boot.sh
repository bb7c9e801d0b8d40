#!/bin/sh
# boot.sh - boot-like runs of the boot integration in contrib/, with the
# real sendmail: each run starts a private system (own mounts, processes,
# network with loopback only, host name, cgroup) whose root is the
# machine's own file system under a throw-away overlay, puts real sendmail
# jobs in Debian's two queues (/var/spool/mqueue, /var/spool/mqueue-client,
# as /etc/mail/sendmail.cf and submit.cf name them), damages them, and
# boots:
#
#   systemd  systemd itself as process 1, starting a target that wants
#	     sendmail.service; sendmail.service is what Debian runs, the
#	     unit systemd-sysv-generator makes from /etc/init.d/sendmail,
#	     with contrib's drop-in, and contrib's mqfsck.service as shipped
#	     (mqfsck in /usr/local/sbin, where the unit says).  The unit
#	     search path is private: contrib's units, the generated unit and
#	     two empty stand-ins for the early boot targets the generated
#	     unit requires (sysinit.target, basic.target).
#   sysv     Debian's /etc/init.d/sendmail start, with contrib's snippet
#	     hooked in through /etc/default/sendmail, the way its comment
#	     says (method 2).
#
# and asserts, for each kind of queue, what the boot did: mqfsck's exit
# status, whether the real sendmail daemon was started (its pid file names
# a live sendmail), the archive of what was fixed, and that the held boot
# says why.  The kinds:
#   clean      undamaged jobs                       -> 0, sendmail starts
#   fixed      a stale tf left by a killed sendmail  -> 1, sendmail starts
#   held       /var/spool owned by another user (who
#	       could replace the queue)               -> 4, sendmail held;
#	       then the report's advice is followed and sendmail started
#	       again as the unit and the snippet say -> 0, sendmail starts
#   writable   /var/spool writable by all: the same, with its own advice
#   foreign    the submission queue owned by nobody (a restore as
#	       another user): 12 (a queue it refuses to repair), held;
#	       the advice, mqfsck -y --adopt-owner, then the boot -> 0
#   missing    the submission queue is gone: the same; after the advice
#	       (mkdir) -p gives it its owner and mode  -> 1, sendmail starts
#   notice     a header line sendmail drops           -> 0, sendmail starts
#
# Nothing outside the run's temporary directory and one cgroup under the
# unified hierarchy (both removed) is written: every write inside lands in
# the overlay's tmpfs.
#
# One line per check, "ok   boot/<init>/<kind>: ...", "FAIL ..." (with
# details indented below) or "skip ..." then "N passed, N failed".
# Exit status: 0 when nothing failed, 1 otherwise.
#
# Usage: sh tests/e2e/boot.sh   (as root; MQ_MQFSCK: the mqfsck to install,
#        default ./mqfsck; MQ_BOOT_KINDS, MQ_BOOT_INITS: subsets;
#        MQ_BOOT_KEEP=1: keep the run's files)
#        sh tests/e2e/boot.sh --ns ...   (internal: the namespace side)

set -u

# ---------------------------------------------------------------------
# The namespace side: process 1 of a fresh pid namespace, in fresh
# mount, network, uts, ipc and cgroup namespaces.

# ns_root DIR: make DIR the root of a private system: the machine's root
# file system read-only under a tmpfs overlay, fresh /proc, /sys, cgroup2,
# /dev, /run and /tmp; then pivot into it
ns_root() {
	mount --make-rprivate /
	mount -t tmpfs -o mode=0755 bootrw "$1/rw"
	mkdir "$1/rw/up" "$1/rw/work"
	mount -t overlay bootroot \
	    -o "lowerdir=/,upperdir=$1/rw/up,workdir=$1/rw/work" "$1/root"
	r=$1/root
	mount -t proc proc "$r/proc"
	mount -t sysfs sysfs "$r/sys"
	mount -t cgroup2 cgroup2 "$r/sys/fs/cgroup"
	mount -t tmpfs -o mode=0755 bootdev "$r/dev"
	mknod -m 666 "$r/dev/null" c 1 3
	mknod -m 666 "$r/dev/zero" c 1 5
	mknod -m 666 "$r/dev/full" c 1 7
	mknod -m 666 "$r/dev/random" c 1 8
	mknod -m 666 "$r/dev/urandom" c 1 9
	mknod -m 666 "$r/dev/tty" c 5 0
	ln -s /proc/self/fd "$r/dev/fd"
	mkdir "$r/dev/shm" "$r/dev/pts"
	# systemd and the init script write to the console: a file we read
	: >"$r/dev/console"
	mount --bind "$1/out/console" "$r/dev/console"
	mount -t tmpfs -o mode=0755 bootrun "$r/run"
	mount -t tmpfs -o mode=1777 boottmp "$r/tmp"
	mkdir "$r/boot-test"
	mount --bind "$1/out" "$r/boot-test"
	cd "$r" || exit 97
	mkdir -p oldroot
	pivot_root . oldroot
	umount -l /oldroot
	cd /
}

ns_main() {
	base=$1 init=$2 kind=$3 mq=$4 here=$5
	only=$(ip -o link show | awk -F': ' '{ print $2 }' | sed 's/@.*//')
	if [ "$only" != lo ]; then
		echo "boot.sh: not a loopback-only network namespace" >&2
		exit 98
	fi
	ip link set lo up
	# contrib's files, copied in before the old root goes away
	cp "$mq" "$base/out/mqfsck"
	cp -R "$here/../../contrib" "$base/out/contrib"
	ns_root "$base"
	exec sh /boot-test/stage.sh "$init" "$kind"
}

if [ "${1:-}" = --ns ]; then
	shift
	ns_main "$@"
	exit 99
fi

# ---------------------------------------------------------------------
# The host side.

here=$(cd "$(dirname "$0")" && pwd) || exit 2
top=$(cd "$here/../.." && pwd) || exit 2
mq=${MQ_MQFSCK:-$top/mqfsck}
case $mq in /*) ;; *) mq=$PWD/$mq ;; esac
kinds=${MQ_BOOT_KINDS:-clean fixed held writable foreign missing notice}
inits=${MQ_BOOT_INITS:-systemd sysv}

npass=0
nfail=0

pass() {
	printf 'ok   boot/%s\n' "$1"
	npass=$((npass + 1))
}

# fail NAME [DETAIL-FILE...]
fail() {
	printf 'FAIL boot/%s\n' "$1"
	shift
	for f in "$@"; do
		[ -s "$f" ] && sed 's/^/     | /' "$f" | tail -n 40
	done
	nfail=$((nfail + 1))
}

skip_all() {
	for i in $inits; do
		for k in $kinds; do
			printf 'skip boot/%s/%s (%s)\n' "$i" "$k" "$1"
		done
	done
	echo "0 passed, 0 failed"
	exit 0
}

[ "$(id -u)" -eq 0 ] || skip_all "needs root for namespaces and mounts"
for c in unshare pivot_root ip mknod; do
	command -v "$c" >/dev/null 2>&1 || skip_all "no $c"
done
[ -x /lib/systemd/systemd ] || skip_all "no /lib/systemd/systemd"
if ! [ -x /etc/init.d/sendmail ] || ! [ -r /etc/mail/sendmail.cf ] ||
    ! [ -r /etc/mail/submit.cf ]; then
	skip_all "Debian's sendmail is not installed"
fi
[ -x "$mq" ] || { echo "boot.sh: no mqfsck at $mq" >&2; exit 2; }
cgv2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/self/mounts)
[ -n "$cgv2" ] || skip_all "no cgroup2 hierarchy for a private systemd"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mqfsck-boot.XXXXXX") || exit 2
cgdirs=""
cleanup() {
	for c in $cgdirs; do
		[ -d "$c" ] && find "$c" -depth -type d -exec rmdir {} + 2>/dev/null
	done
	if [ -n "${MQ_BOOT_KEEP:-}" ]; then
		echo "boot.sh: kept $tmp" >&2
	else
		rm -rf "$tmp"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# boot INIT KIND: one boot-like run; its files are in $tmp/INIT-KIND/out
boot() {
	b=$tmp/$1-$2
	mkdir -p "$b/rw" "$b/root" "$b/out"
	: >"$b/out/console"
	cp "$here/boot-stage.sh" "$b/out/stage.sh"
	# The namespace's cgroup: systemd makes its own below it, and all of
	# it goes when the run ends.
	cg=$cgv2/mqfsck-boot.$$.$1-$2
	mkdir "$cg" || return 1
	cgdirs="$cgdirs $cg"
	sh -c 'echo $$ >"$1/cgroup.procs" && shift &&
	    exec unshare --pid --fork --kill-child --mount --net --uts \
	    --ipc --cgroup "$@"' _ "$cg" \
	    sh "$here/boot.sh" --ns "$b" "$1" "$2" "$mq" "$here" \
	    >"$b/out/ns.log" 2>&1 &
	nspid=$!
	# Wait until the boot has settled: the sysv run ends by itself, the
	# systemd one once it has written its results (then it is killed:
	# unshare --kill-child takes the namespace's process 1 with it).
	# A boot that hangs is killed after 300 s and fails.
	n=0
	while kill -0 "$nspid" 2>/dev/null && [ ! -e "$b/out/done" ]; do
		n=$((n + 1))
		[ "$n" -le 3000 ] || break
		sleep 0.1
	done
	kill -KILL "$nspid" 2>/dev/null
	{ wait "$nspid"; } 2>/dev/null
	echo $? >"$b/out/ns.status"
	find "$cg" -depth -type d -exec rmdir {} + 2>/dev/null
}

# field FILE KEY: the value of KEY=value in FILE
field() {
	sed -n "s/^$2=//p" "$1" | head -n 1
}

for init in $inits; do
	for kind in $kinds; do
		name=$init/$kind
		boot "$init" "$kind"
		o=$tmp/$init-$kind/out
		why=$o/why
		: >"$why"
		if [ ! -s "$o/result" ]; then
			echo "the boot left no result (namespace exit status $(cat "$o/ns.status"))" >>"$why"
			fail "$name" "$why" "$o/ns.log" "$o/stage.log" "$o/console"
			continue
		fi
		cat "$o/stage.why" >>"$why" 2>/dev/null
		st=$(field "$o/result" mqfsck_status)
		started=$(field "$o/result" sendmail_started)
		archives=$(field "$o/result" archives)
		case $kind in
		clean | notice) want_st=0 want_started=yes want_arch=0 ;;
		fixed) want_st=1 want_started=yes want_arch=1 ;;
		held) want_st=4 want_started=no want_arch=0 want_st2=0
			want_adv="chown root /var/spool" ;;
		writable) want_st=4 want_started=no want_arch=0 want_st2=0
			want_adv="chmod go-w /var/spool" ;;
		foreign) want_st=12 want_started=no want_arch=0 want_st2=0
			want_adv="mqfsck -y --adopt-owner $(id -u nobody)" ;;
		missing) want_st=4 want_started=no want_arch=0 want_st2=1
			want_adv="mkdir -p /var/spool/mqueue-client" ;;
		esac
		[ "$st" = "$want_st" ] ||
		    echo "mqfsck -p exit status '$st', want $want_st" >>"$why"
		[ "$started" = "$want_started" ] ||
		    echo "sendmail started: '$started', want $want_started" >>"$why"
		[ "$archives" = "$want_arch" ] ||
		    echo "archives in /var/lib/mqfsck/archive: '$archives', want $want_arch" >>"$why"
		if [ "$init" = systemd ]; then
			# The drop-in's order: sendmail began only after the check
			# had finished, and not at all when it failed.
			done_at=$(field "$o/result" mqfsck.ActiveEnterTimestampMonotonic)
			began_at=$(field "$o/result" sendmail.InactiveExitTimestampMonotonic)
			for k in Requires After; do
				field "$o/result" "sendmail.$k" | tr ' ' '\n' |
				    grep -qx mqfsck.service ||
				    echo "the generated sendmail.service has no $k=mqfsck.service (drop-in not applied?)" >>"$why"
			done
			if [ "$want_started" = yes ]; then
				[ "${done_at:-0}" -gt 0 ] && [ "${began_at:-0}" -ge "$done_at" ] ||
				    echo "sendmail.service began at $began_at, before mqfsck.service was done ($done_at)" >>"$why"
			else
				[ "$(field "$o/result" mqfsck.Result)" = exit-code ] &&
				    [ "${began_at:-0}" -eq 0 ] ||
				    echo "mqfsck.service did not fail, or sendmail.service began anyway" >>"$why"
			fi
		fi
		if [ "$want_started" = no ]; then
			grep -q 'UNEXPECTED INCONSISTENCY; RUN mqfsck MANUALLY' \
			    "$o/report" 2>/dev/null ||
			    echo "the held boot's report does not say to run mqfsck by hand" >>"$why"
			# The report's advice, followed, lets the boot go on.
			adv=$(field "$o/result" advice)
			[ "$adv" = "$want_adv" ] ||
			    echo "the report advised '$adv', want '$want_adv'" >>"$why"
			if [ ! -s "$o/result2" ]; then
				echo "no second start after the advice" >>"$why"
			else
				st2=$(field "$o/result2" mqfsck_status)
				s2=$(field "$o/result2" sendmail_started)
				[ "$st2" = "$want_st2" ] && [ "$s2" = yes ] ||
				    echo "after '$adv': mqfsck -p exit status '$st2', sendmail started '$s2'; want $want_st2, yes" >>"$why"
			fi
		fi
		if [ -s "$why" ]; then
			fail "$name" "$why" "$o/report" "$o/stage.log"
		else
			msg="mqfsck -p exit $st, sendmail started: $started"
			[ "$want_started" != no ] ||
			    msg="$msg; after \"$adv\": exit $st2, started: yes"
			pass "$name: $msg"
		fi
	done
done

echo "$npass passed, $nfail failed"
[ "$nfail" -eq 0 ]
