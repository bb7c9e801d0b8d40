#!/bin/sh
# check-crash-oracle.sh - every crash-state fixture (fixtures/s_*) reports
# exactly the problems its `oracle` file (made from the corpus's own state
# signature by import-crash.sh) says the state implies: no more, no less.
# Reads the reviewed expect.1 files, which the e2e run compares with
# mqfsck's actual output.  Prints one line per fixture; exit 1 on any
# mismatch.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
bad=0
n=0
for fx in "$root"/fixtures/s_*/; do
	[ -f "$fx/oracle" ] || continue
	n=$((n + 1))
	got=$(sed -n 's/^[^ ]*: [0-9a-f]\{6\} \([a-z-]*\) .*/\1/p' "$fx/expect.1" |
	    LC_ALL=C sort)
	want=$(cat "$fx/oracle")
	if [ "$got" != "$want" ]; then
		echo "FAIL $(basename "$fx"): reported [$(echo $got)], the state implies [$(echo $want)]"
		bad=1
	fi
done
echo "$n crash states checked against their signatures"
exit $bad
