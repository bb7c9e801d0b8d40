#!/bin/sh
# demo.sh - run mqfsck on a scratch copy of a crashed example queue: the
# findings, a repair with its archive, a clean check after it, and what
# the archive holds.
#
# The queue (fixtures/n_demo_crashed_queue) holds real files left by
# killing sendmail 8.17 at different moments, plus one healthy job.  It is
# copied to a scratch directory first, so the fixture is never touched,
# given sendmail's default modes (0700 directory, 0600 files), and judged
# by sendmail's built-in defaults (-c none) with the copy's owner as the
# expected one, so the demo says the same on every machine.  The copy
# lives under $TMPDIR (/tmp): world-writable but sticky, which sendmail
# accepts with DontBlameSendmail=TrustStickyBit.
# Exit status 0 when mqfsck behaved as expected: the check finds the
# damage (4), the repair fixes it (1), the check after finds nothing (0).
# KEEP=1 keeps the scratch copy for a look.
set -eu
mqfsck=${1:-./mqfsck}
here=$(cd "$(dirname "$0")/.." && pwd)
fx=$here/fixtures/n_demo_crashed_queue
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mqfsck-demo.XXXXXX")
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$tmp"' EXIT INT TERM
cp -R "$fx/queue" "$tmp/queue"
chmod 0700 "$tmp/queue"
find "$tmp/queue" -type f -exec chmod 0600 {} +
q=$tmp/queue
set -- -c none --owner queue-dir -o DontBlameSendmail=TrustStickyBit \
    --assume-stopped

echo "== A sendmail queue after crashes: $(cat "$fx/name")"
echo "== Scratch copy: $q"
ls -l "$q"
echo
echo "== 1. check: mqfsck -n -v $*"
check=0
"$mqfsck" -n -v "$@" "$q" || check=$?
echo "== exit status $check (fsck(8): 0 clean, 1 fixed, 4 problems left, 8 operational error)"
echo
echo "== 2. repair: mqfsck -y -a $tmp/archive $*"
repair=0
"$mqfsck" -y -a "$tmp/archive" "$@" "$q" || repair=$?
echo "== exit status $repair"
echo
echo "== 3. check again: mqfsck -n $*"
after=0
"$mqfsck" -n "$@" "$q" || after=$?
echo "== exit status $after"
ls -l "$q"
echo
for a in "$tmp"/archive/mqfsck-*.tar.gz; do
	echo "== 4. what the archive holds: mqfsck --list $a"
	"$mqfsck" --list "$a"
done
echo
echo "== mqfsck --restore ARCHIVE would put every archived file back."
if [ "${KEEP:-0}" = 1 ]; then
	echo "== the scratch copy is kept in $tmp"
fi
[ $check -eq 4 ] && [ $repair -eq 1 ] && [ $after -eq 0 ]
