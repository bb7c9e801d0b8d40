#!/bin/sh
# demo.sh - run mqfsck on a scratch copy of a crashed example queue.
#
# The queue (fixtures/n_demo_crashed_queue) holds real files left by
# killing sendmail 8.17 at different moments, plus one healthy job.  It is
# copied to a scratch directory first, so the fixture is never touched.
# Exit status 0 when mqfsck behaved as expected (found the damage: 4).
# KEEP=1 keeps the scratch copy for a look.
set -eu
mqfsck=${1:-./mqfsck}
here=$(cd "$(dirname "$0")/.." && pwd)
fx=$here/fixtures/n_demo_crashed_queue
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mqfsck-demo.XXXXXX")
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$tmp"' EXIT INT TERM
cp -R "$fx/queue" "$tmp/queue"

echo "== A sendmail queue after crashes: $(cat "$fx/name")"
echo "== Scratch copy: $tmp/queue"
ls -l "$tmp/queue"
echo
echo "== mqfsck -n -v $tmp/queue"
status=0
"$mqfsck" -n -v "$tmp/queue" || status=$?
echo
echo "== exit status $status (fsck(8) convention: 0 clean, 4 problems left," \
    "8 operational error)"
if [ "${KEEP:-0}" = 1 ]; then
	echo "== the scratch copy is kept in $tmp"
fi
[ $status -eq 4 ]
