#!/bin/sh
# save.sh - the only delivery program of the interop tests: sendmail's
# prog (and local) mailer runs it, from the private alias file, with the
# message on stdin.  It saves the message into a directory and says, by
# the name it gives the file, whether the test body in it is complete:
#   msg.*      a test message whose body ends with its "END-" line
#   partial.*  a test message without it (sendmail died mid-delivery)
#   other.*    anything else (bounces, notifications)
#
# Usage: save.sh DIR KIND [SECONDS]
#   sink       save, exit 0
#   slow       sleep SECONDS before reading the message, then as sink
#   flaky      first attempt for a message: exit 75 (EX_TEMPFAIL), save
#              nothing; later attempts: as sink
#   noisy      write 6000 bytes of chatter to stdout (sendmail's transcript
#              then spills into an xf file), then as sink
#   tempfail   read the message, exit 75, every time
#   permfail   read the message, exit 69 (EX_UNAVAILABLE): sendmail bounces
#   other      (sink2, sink3, ...) as sink
set -u
dir=$1
kind=$2
secs=${3:-0}
umask 022

if [ "$kind" = slow ]; then
	sleep "$secs"
fi
part=$(mktemp "$dir/.in.XXXXXXXX") || exit 75
cat >"$part" || {
	rm -f "$part"
	exit 75
}

case $kind in
tempfail)
	rm -f "$part"
	exit 75
	;;
permfail)
	rm -f "$part"
	exit 69
	;;
flaky)
	key=$(sed -n 's/^X-Trial-Id: *\([A-Za-z0-9-]*\).*/\1/p' "$part" | head -n 1)
	if [ -n "$key" ] && [ ! -e "$dir/.flaky.$key" ]; then
		: >"$dir/.flaky.$key"
		rm -f "$part"
		exit 75
	fi
	;;
noisy)
	i=0
	while [ $i -lt 100 ]; do
		echo "noisy chatter line $i .........................................."
		i=$((i + 1))
	done
	;;
esac

# A test message: the first line of its body is "BODY-<marker>".
marker=$(sed -n '/^$/{n;s/^BODY-//p;q;}' "$part")
if [ -n "$marker" ]; then
	if [ "$(tail -n 1 "$part")" = "END-$marker" ]; then
		pre=msg
	else
		pre=partial
	fi
else
	pre=other
fi
final=$(mktemp "$dir/$pre.$kind.XXXXXXXX") || exit 75
mv -f "$part" "$final" || exit 75
exit 0
