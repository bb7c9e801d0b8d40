#!/bin/sh
# boot-stage.sh - the inside of one boot-like run of tests/e2e/boot.sh:
# process 1 of a private system whose root is a throw-away overlay of the
# machine's.  It puts real sendmail jobs in Debian's queues, damages them
# as KIND says, installs contrib's files where their comments say, and
# boots with INIT (systemd: execs systemd; sysv: runs Debian's init
# script).  "--collect" (run at the end of either boot) writes
# /boot-test/result: mqfsck's exit status (from its closing line),
# whether a live sendmail daemon holds the MTA's pid file, and how many
# archives mqfsck wrote.  When the boot held sendmail, it then does what
# the report advises, starts sendmail again the way the unit or the
# snippet says, and writes the same into /boot-test/result2.  The file
# /boot-test/done comes last.
#
# Usage: boot-stage.sh INIT KIND | boot-stage.sh --collect INIT KIND
# All output goes to /boot-test (a directory of the host's test run).

set -u
out=/boot-test

# why TEXT: something in the setup went wrong; boot.sh fails the run
why() {
	echo "setup: $*" >>"$out/stage.why"
}

# collect REPORT RESULT: the outcome of the boot, as key=value lines
collect() {
	st=$(sed -n 's/^mqfsck: exit status \([0-9][0-9]*\):.*/\1/p' \
	    "$1" 2>/dev/null | tail -n 1)
	started=no
	pid=$(head -n 1 /run/sendmail/mta/sendmail.pid 2>/dev/null)
	case $pid in
	'' | *[!0-9]*) ;;
	*)
		exe=$(readlink "/proc/$pid/exe" 2>/dev/null)
		case $exe in */sendmail*) started=yes ;; esac
		;;
	esac
	n=0
	if [ -d /var/lib/mqfsck/archive ]; then
		n=$(find /var/lib/mqfsck/archive -mindepth 1 -maxdepth 1 \
		    ! -name '.*' | wc -l)
	fi
	{
		echo "mqfsck_status=$st"
		echo "sendmail_started=$started"
		echo "sendmail_pid=$pid"
		echo "archives=$n"
		if command -v systemctl >/dev/null 2>&1 && [ -S /run/systemd/private ]; then
			for u in mqfsck sendmail; do
				systemctl show -p ActiveState -p Result \
				    -p ExecMainStatus \
				    -p ActiveEnterTimestampMonotonic \
				    -p InactiveExitTimestampMonotonic \
				    "$u.service" | sed "s/^/$u./"
			done
			systemctl show -p Requires -p After -p DropInPaths \
			    sendmail.service | sed 's/^/sendmail./'
		fi
		ls -la /var/spool/mqueue /var/spool/mqueue-client
	} >"$2"
}

# advised REPORT: the command the report tells the admin to run
advised() {
	sed -n 's/.* run "\([^"]*\)".*/\1/p' "$1" | head -n 1
}

# after_advice INIT: when the boot held sendmail, follow the report's
# advice, then start sendmail again as the unit's or the snippet's
# comment says (systemd: "systemctl start sendmail", which checks again
# first; sysv: the init script again)
after_advice() {
	grep -q '^sendmail_started=no' "$out/result" || return 0
	cmd=$(advised "$out/report")
	echo "advice=$cmd" >>"$out/result"
	[ -n "$cmd" ] || return 0
	sh -c "$cmd"
	case $1 in
	systemd)
		systemctl start sendmail.service
		collect "$out/report" "$out/result2"
		;;
	sysv)
		/etc/init.d/sendmail start >"$out/report2" 2>&1
		collect "$out/report2" "$out/result2"
		;;
	esac
}

if [ "${1:-}" = --collect ]; then
	exec >>"$out/stage.log" 2>&1
	collect "$out/report" "$out/result"
	after_advice "$2"
	: >"$out/done"
	exit 0
fi

init=$1 kind=$2
exec >>"$out/stage.log" 2>&1

# The host name sendmail qualifies (else it sleeps 60 s and retries).
hostname boot
printf '127.0.0.1\tlocalhost\n127.0.0.1\tboot.mqfsck.test boot\n' >/etc/hosts

# Debian's queues as sendmail-bin made them, emptied (this is the overlay).
for q in /var/spool/mqueue /var/spool/mqueue-client; do
	[ -d "$q" ] || why "no $q"
	find "$q" -mindepth 1 -delete
done
rm -rf /var/lib/mqfsck

# contrib's files where their comments put them ("make install").
install -m 0755 "$out/mqfsck" /usr/local/sbin/mqfsck
mkdir -p /usr/local/share/mqfsck
install -m 0644 "$out/contrib/sysv/mqfsck.sh" /usr/local/share/mqfsck/mqfsck.sh

# Real jobs: two in the MTA's queue, one in the submission queue, queued
# only (-odq), never delivered before the boot.
n=0
for a in m m c; do
	n=$((n + 1))
	printf 'Subject: boot test %s\n\nbody %s\n' "$n" "$n" |
	    /usr/sbin/sendmail "-A$a" -odq -f root root ||
	    why "sendmail -A$a -odq failed"
done
mq=/var/spool/mqueue
qf=$(find "$mq" -name 'qf*' | sort | head -n 1)
[ -n "$qf" ] || why "sendmail queued nothing in $mq"
id=${qf##*/qf}

case $kind in
clean) ;;
fixed)
	# A killed sendmail's leftover: a tf next to the qf it would have
	# replaced (sendmail-queue.md: stale tf files stall queue runs).
	cp -p "$qf" "$mq/tf$id"
	touch -d '-2 hours' "$mq/tf$id"
	;;
held)
	# A restore gave /var/spool to another owner, who can now replace
	# the queue under sendmail: no safe fix, a human must look.
	chown daemon /var/spool
	;;
writable)
	# The same, by mode: anyone can replace the queue.
	chmod 0777 /var/spool
	;;
foreign)
	# A restore made as nobody gave it the submission queue: whose it is
	# is the admin's call (--adopt-owner), never mqfsck's.
	chown nobody:nogroup /var/spool/mqueue-client
	;;
missing)
	# The submission queue is gone (a restore that skipped it).
	rm -rf /var/spool/mqueue-client
	;;
notice)
	# A header line without a colon: sendmail logs "header syntax
	# error" and drops it; nothing for the boot to hold.
	awk '/^H/ && !d { print "H??NoColonHere"; d = 1 } { print }' "$qf" \
	    >"$out/qf.edit" && cat "$out/qf.edit" >"$qf"
	grep -q '^H??NoColonHere$' "$qf" || why "no header line was added"
	;;
*) why "unknown kind $kind" ;;
esac

case $init in
systemd)
	u=/run/boot-units
	mkdir -p "$u/sendmail.service.d" "$u/mqfsck.service.d" /run/boot-gen
	cp "$out/contrib/systemd/mqfsck.service" "$u/"
	cp "$out/contrib/systemd/sendmail.service.d/mqfsck.conf" \
	    "$u/sendmail.service.d/"
	# Debian's sendmail.service: what the generator makes of the script.
	/lib/systemd/system-generators/systemd-sysv-generator \
	    /run/boot-gen /run/boot-gen /run/boot-gen
	cp /run/boot-gen/sendmail.service "$u/" ||
	    why "systemd-sysv-generator made no sendmail.service"
	for t in sysinit basic; do
		printf '[Unit]\nDescription=%s\n' \
		    "stand-in for $t.target (boot.sh: no early boot here)" \
		    >"$u/$t.target"
	done
	# No journald here: the report goes to a file, as "systemctl edit"
	# would set it.
	printf '[Service]\nStandardOutput=append:%s\nStandardError=inherit\n' \
	    "$out/report" >"$u/mqfsck.service.d/boot-test.conf"
	printf '[Unit]\nDescription=boot test\nWants=sendmail.service boot-test-done.service\n' \
	    >"$u/boot-test.target"
	cat >"$u/boot-test-done.service" <<-EOF
	[Unit]
	Description=collect the boot test's outcome, then power off
	DefaultDependencies=no
	After=sendmail.service mqfsck.service
	[Service]
	Type=oneshot
	ExecStart=/bin/sh $out/stage.sh --collect systemd $kind
	SuccessAction=poweroff-immediate
	FailureAction=poweroff-immediate
	EOF
	exec env container=mqfsck-boot-test SYSTEMD_UNIT_PATH="$u" \
	    /lib/systemd/systemd --system --unit=boot-test.target \
	    --log-target=console --log-level=info
	;;
sysv)
	# Method 2 of the snippet's comment, its text taken from the comment.
	awk '/Add to \/etc\/default\/sendmail:/ { on = 1; next }
	    on && /^#\t/ { sub(/^#\t/, ""); print; seen = 1; next }
	    on && seen { exit }' /usr/local/share/mqfsck/mqfsck.sh \
	    >>/etc/default/sendmail
	grep -q mqfsck_before_start /etc/default/sendmail ||
	    why "no hook found in the snippet's comment"
	st=0
	/etc/init.d/sendmail start >"$out/report" 2>&1 || st=$?
	collect "$out/report" "$out/result"
	echo "init_script_status=$st" >>"$out/result"
	after_advice sysv
	: >"$out/done"
	;;
esac
