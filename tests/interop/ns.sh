#!/bin/sh
# ns.sh - the first process of an interop test namespace (started by
# run.sh through unshare: own network with loopback only, own mounts, own
# process ids).  It gives the namespace a private /etc/hosts (so sendmail
# can qualify the host name and does not sleep 60 s), a private /dev
# holding only the usual character devices and a syslog socket served by
# logsink, brings lo up, refuses to go on if any other network interface
# is visible, then runs one step script with sh and exits with its status.
#
# Usage: ns.sh STEP_SCRIPT
# Environment (set by run.sh):
#   MQI_BIN      helper programs (logsink)
#   MQI_HOSTS    the private hosts file
#   MQI_LOG      where the syslog lines of this step are appended
#   MQI_LASTPID  process ids in the namespace start above this number
#   MQI_START    created just before the step script starts
#   MQI_TIME     receives the step script's run time in microseconds
set -eu

# mkdev NAME MAJOR MINOR: a character device node in the private /dev
mkdev() {
	mknod -m 666 "/dev/$1" c "$2" "$3"
}

# only_loopback: succeed if lo is the only network interface here
only_loopback() {
	[ "$(ip -o link show | awk -F': ' '{ print $2 }' | sed 's/@.*//')" = lo ]
}

step=$1
only_loopback || {
	echo "ns.sh: not a loopback-only network namespace; stopping" >&2
	exit 98
}
ip link set lo up
mount --bind "$MQI_HOSTS" /etc/hosts
mount -t tmpfs -o mode=0755,size=256k mqidev /dev
mkdev null 1 3
mkdev zero 1 5
mkdev full 1 7
mkdev random 1 8
mkdev urandom 1 9
mkdev tty 5 0
ln -s /proc/self/fd /dev/fd
ln -s /proc/self/fd/0 /dev/stdin
ln -s /proc/self/fd/1 /dev/stdout
ln -s /proc/self/fd/2 /dev/stderr
echo "$MQI_LASTPID" >/proc/sys/kernel/ns_last_pid 2>/dev/null || :

"$MQI_BIN/logsink" /dev/log "$MQI_LOG" &
logpid=$!
n=0
while [ ! -S /dev/log ]; do
	n=$((n + 1))
	if [ $n -gt 2000 ]; then
		echo "ns.sh: logsink did not start" >&2
		exit 97
	fi
	sleep 0.005
done

t0=$(date +%s%N)
: >"$MQI_START"
st=0
sh "$step" || st=$?
t1=$(date +%s%N)
echo $(((t1 - t0) / 1000)) >"$MQI_TIME"
kill -TERM "$logpid"
wait "$logpid" || :
exit "$st"
