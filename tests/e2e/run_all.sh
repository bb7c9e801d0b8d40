#!/bin/sh
# run_all.sh - run every fixture under fixtures/; the last line is
# "N passed, N failed".
#
# Usage: MQ_MQFSCK=path/to/mqfsck tests/e2e/run_all.sh [--update] [FIXTURE...]
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
update=
if [ "${1:-}" = --update ]; then
	update=--update
	shift
fi
if [ $# -eq 0 ]; then
	set -- "$root"/fixtures/*/
fi
pass=0
failed=0
for fx in "$@"; do
	[ -f "$fx/name" ] || continue
	sh "$here/run_fixture.sh" $update "$fx"
	case $? in
	0) pass=$((pass + 1)) ;;
	77) ;;
	*) failed=$((failed + 1)) ;;
	esac
done
echo "$pass passed, $failed failed"
[ $failed -eq 0 ]
