# mqfsck.sh - check the sendmail mail queues before sendmail starts, for
# System V style init scripts.  POSIX sh.
# shellcheck shell=sh
#
# Source this file from an init script, then call mqfsck_before_start just
# before the daemon is started; or run it as a command:
#
#	. /usr/local/share/mqfsck/mqfsck.sh
#	mqfsck_before_start || exit 1		# refuse to start sendmail
#
#	sh /usr/local/share/mqfsck/mqfsck.sh	# the same, as a command
#
# mqfsck_before_start runs "mqfsck -p" (preen) with any arguments given
# to it appended, logs the outcome through logger(1) to syslog facility
# mail (mail.notice when sendmail may start, mail.err when it should
# not), and returns:
#
#	0	mqfsck exited 0 (queues clean) or 1 (problems fixed, none left):
#		start sendmail
#	other	mqfsck's exit status, a sum of
#		  4  problems left that need a human (mqfsck printed
#		     "UNEXPECTED INCONSISTENCY; RUN mqfsck MANUALLY")
#		  8  operational error: a queue could not be checked
#		 16  usage error
#		 32  interrupted
#		or 126/127 (mqfsck could not be run), or above 128 (killed
#		by a signal): do not start sendmail; a human should run
#		mqfsck by hand (see mqfsck(8)), then start sendmail again.
#
# mqfsck -p prints its report on standard output and logs every problem
# and every fix itself to syslog facility mail; it archives every file it
# removes or rewrites under /var/lib/mqfsck/archive.  It refuses to repair
# while a sendmail daemon runs, so call the function after sendmail has
# been stopped and before it is started, never while it runs.
#
# Variables read (set them before calling, e.g. in /etc/default/sendmail):
#	MQFSCK		  the program, a path or a name looked up on $PATH;
#			  default /usr/local/sbin/mqfsck, where
#			  "make install" puts it ($(PREFIX)/sbin); packagers
#			  change the default below
#	MQFSCK_REQUIRED	  "yes": a missing MQFSCK is an error (status 8);
#			  otherwise it is logged and sendmail starts unchecked
#
# Hooking it into Debian's /etc/init.d/sendmail, either way:
#
# 1. In the script, in the start) case, before start_sendmail:
#
#	start)
#		log_daemon_msg "Starting $DESC" "$NAME";
#		mqfsck_ok=0;
#		if [ -r /usr/local/share/mqfsck/mqfsck.sh ]; then
#			. /usr/local/share/mqfsck/mqfsck.sh;
#			mqfsck_before_start || mqfsck_ok=$?;
#		fi;
#		if [ "$mqfsck_ok" -eq 0 ]; then
#			start_sendmail;
#			log_end_msg $?;
#		else
#			log_end_msg 1;
#		fi;
#		;;
#
#    and likewise in restart), between stop_sendmail and start_sendmail.
#    (Test with -r first: "." of a missing file ends a POSIX shell.)
#    The init script is a conffile, so dpkg asks about the change on
#    upgrades.
#
# 2. Without editing the script: /etc/init.d/sendmail sources
#    /etc/default/sendmail (if it exists) before it does anything, with
#    the action in "$1".  Add to /etc/default/sendmail:
#
#	if [ "$1" = start ] && [ -r /usr/local/share/mqfsck/mqfsck.sh ]; then
#		. /usr/local/share/mqfsck/mqfsck.sh
#		mqfsck_before_start || exit 1
#	fi
#
#    Only "start" is covered: on "restart" the daemon is still running
#    when the file is read, and mqfsck would refuse to repair.  The file
#    is also read by Debian's cron job (/usr/share/sendmail/sendmail
#    cron-msp), whose "$1" is not start, so the test matters.
#
# On a systemd machine use contrib/systemd instead (mqfsck.service and the
# sendmail.service.d/mqfsck.conf drop-in); with both, the queues are
# checked twice, which is harmless but slow.
#
# The function is safe under "set -e", which Debian's init script uses,
# and defines no variables outside the mqfsck_ prefix.

: "${MQFSCK:=/usr/local/sbin/mqfsck}"

# mqfsck_log - log the words after $1 at priority mail.$1, and show them on
# standard error
mqfsck_log() {
	mqfsck_prio=$1
	shift
	printf 'mqfsck: %s\n' "$*" >&2
	if command -v logger >/dev/null 2>&1; then
		logger -t mqfsck -p "mail.$mqfsck_prio" -- "$*" 2>/dev/null || :
	fi
	return 0
}

# mqfsck_describe - say in words what exit status $1 of mqfsck -p means
mqfsck_describe() {
	case $1 in
	0)	echo "mail queues clean" ;;
	1)	echo "problems in the mail queues were fixed, none left" ;;
	126)	echo "$MQFSCK could not be executed" ;;
	127)	echo "$MQFSCK not found" ;;
	*)
		if [ "$1" -gt 128 ]; then
			echo "mqfsck was killed by signal $(($1 - 128))"
			return 0
		fi
		mqfsck_what=""
		if [ $(($1 & 1)) -ne 0 ]; then
			mqfsck_what="$mqfsck_what, some problems fixed"
		fi
		if [ $(($1 & 4)) -ne 0 ]; then
			mqfsck_what="$mqfsck_what, problems left for a human"
			mqfsck_what="$mqfsck_what (run mqfsck by hand)"
		fi
		if [ $(($1 & 8)) -ne 0 ]; then
			mqfsck_what="$mqfsck_what, a queue could not be checked"
		fi
		if [ $(($1 & 16)) -ne 0 ]; then
			mqfsck_what="$mqfsck_what, usage error"
		fi
		if [ $(($1 & 32)) -ne 0 ]; then
			mqfsck_what="$mqfsck_what, interrupted"
		fi
		if [ $(($1 & ~(1 | 4 | 8 | 16 | 32))) -ne 0 ]; then
			mqfsck_what="$mqfsck_what, unknown status bits"
		fi
		echo "exit status $1${mqfsck_what}"
		;;
	esac
}

# mqfsck_installed - whether $MQFSCK (a path, or a name on $PATH) can be run
mqfsck_installed() {
	case $MQFSCK in
	*/*)	[ -f "$MQFSCK" ] && [ -x "$MQFSCK" ] ;;
	*)	command -v "$MQFSCK" >/dev/null 2>&1 ;;
	esac
}

# mqfsck_before_start - run mqfsck -p [args]; 0 if sendmail may start
mqfsck_before_start() {
	if ! mqfsck_installed; then
		if [ "${MQFSCK_REQUIRED:-no}" = yes ]; then
			mqfsck_log err "$MQFSCK is not installed: mail queues" \
			    "not checked; not starting sendmail"
			return 8
		fi
		mqfsck_log warning "$MQFSCK is not installed: mail queues not checked"
		return 0
	fi
	mqfsck_status=0
	"$MQFSCK" -p "$@" || mqfsck_status=$?
	case $mqfsck_status in
	0 | 1)
		mqfsck_log notice "$(mqfsck_describe "$mqfsck_status")"
		return 0
		;;
	esac
	mqfsck_log err "$(mqfsck_describe "$mqfsck_status"); not starting sendmail"
	return "$mqfsck_status"
}

# Run as a command rather than sourced: check now.
case ${0##*/} in
mqfsck.sh)
	mqfsck_before_start "$@"
	exit $?
	;;
esac
