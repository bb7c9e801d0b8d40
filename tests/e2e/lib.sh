# lib.sh - what the e2e test scripts share; sourced, with $here set to
# tests/e2e first.  Gives:
#   root          the repository
#   mqfsck        the binary under test (MQ_MQFSCK), made absolute
#   E2E_TOOLS     this directory, for the fixtures' prep scripts
#   MQFSCK_TIME   the fixed "now" of the fixtures (exported)
#   FIXTURE_OPTS  the options every fixture is checked with
#   scratch_copy FIXTURE_DIR DIR   a fresh copy of the fixture's queue in
#                 DIR/queue, with the modes and times run_fixture.sh gives
#                 it, prepared by its prep script (status: the script's)
#   result lines: set SUITE, then ok NAME, skip NAME WHY, bad NAME LINES...
#                 (bad sets failed=1)
# shellcheck shell=sh disable=SC2034,SC2154 # set here for the scripts that source it; $here is theirs
root=$(cd "$here/../.." && pwd)
mqfsck=${MQ_MQFSCK:?set MQ_MQFSCK to the mqfsck binary}
case $mqfsck in /*) ;; *) mqfsck=$(pwd)/$mqfsck ;; esac
E2E_TOOLS=$here
export E2E_TOOLS
MQFSCK_TIME=${MQFSCK_TIME:-1795420800}
export MQFSCK_TIME
FIXTURE_OPTS="-c none --owner queue-dir -o QueueFileMode=0640 -o TempFileMode=0640 -o DontBlameSendmail=TrustStickyBit"
failed=0

scratch_copy() {
	rm -rf "$2"
	mkdir "$2"
	cp -R "$1/queue" "$2/queue"
	find "$2/queue" -type d -exec chmod 0750 {} +
	find "$2/queue" -type f -exec chmod 0640 {} +
	find "$2/queue" -type f -exec touch -d @1795413600 {} +
	[ ! -f "$1/prep" ] || (cd "$2" && sh "$1/prep") >/dev/null 2>&1
}

ok() { echo "ok   $SUITE/$1"; }
skip() { echo "skip $SUITE/$1 ($2)"; }
bad() {
	echo "FAIL $SUITE/$1"
	shift
	for l in "$@"; do echo "     | $l"; done
	failed=1
}
