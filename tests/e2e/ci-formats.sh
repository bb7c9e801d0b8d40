#!/bin/sh
# ci-formats.sh - --fixture with --format junit and --format tap, read by
# the programs CI servers use: Debian's python3-junitparser and prove.
#
# For every bundled fixture's queue (copied as it is in the repository),
# mqfsck --fixture runs three times, as JSON, JUnit XML and TAP, and:
#   - the three exit statuses are the same;
#   - junitparser reads the XML; every JSON job record has its test case
#     "job <id>" in its queue, failed exactly when a JSON problem that is
#     not a notice names that job; every queue has its "path and
#     directory" test case;
#   - the TAP has as many test points as the XML has test cases, "not ok"
#     for the same ones, and prove reads it: failing when any failed.
# Then a fixture repaired with -y and checked again with --fixture must
# pass in both: prove succeeds and the XML has no failure.
# The last line is "N passed, N failed".
set -u
MQFSCK=${MQ_MQFSCK:-./mqfsck}
# The 750 runs over the fixtures take the release build when there is one
# (make check: a minute less than under ASan); the sanitized one makes
# the failing, notice and clean reports of two queues below.
LOOP=${MQ_MQFSCK_REL:-$MQFSCK}
py=/usr/bin/python3
top=$(mktemp -d /tmp/mqfsck-ci.XXXXXX) || exit 1
trap 'rm -rf "$top"' EXIT
pass=0
fail=0
ok() { echo "ok   ci/$1"; pass=$((pass + 1)); }
bad() { echo "FAIL ci/$1: $2"; fail=$((fail + 1)); }

if ! "$py" -c 'import junitparser' 2>/dev/null; then
	bad junitparser "python3-junitparser is not installed (make deps-test installs it)"
	echo "$pass passed, $fail failed"
	exit 1
fi
# The fixtures' files are as git keeps them (0644); Debian's sendmail
# writes 0640 and the copies live under /tmp (sticky): say so, as a CI
# job checking a tree of its own would.
ARGS="--fixture -o QueueFileMode=0640 -o TempFileMode=0640 -o DontBlameSendmail=TrustStickyBit"

# Each fixture's three reports into $top/r/NAME.{json,xml,tap}, their
# exit statuses into NAME.st; then one Python and one prove read them all.
mkdir "$top/r"
nfix=0
for d in fixtures/*/; do
	[ -d "$d/queue" ] || continue
	name=$(basename "$d")
	nfix=$((nfix + 1))
	rm -rf "$top/q"
	cp -R "$d/queue" "$top/q"
	r=$top/r/$name
	m=$LOOP
	[ "$name" != n_many_problems ] || m=$MQFSCK
	# shellcheck disable=SC2086 # ARGS is a list
	"$m" $ARGS --json "$top/q" >"$r.json" 2>/dev/null
	sj=$?
	# shellcheck disable=SC2086
	"$m" $ARGS --format junit "$top/q" >"$r.xml" 2>/dev/null
	sx=$?
	# shellcheck disable=SC2086
	"$m" $ARGS --format tap "$top/q" >"$r.tap" 2>/dev/null
	echo "$sj $sx $?" >"$r.st"
done
# Prints "reports-with-failures failing-cases", or why not.
if counts=$("$py" - "$top/r" 2>&1 <<'EOF'
import glob, json, os, re, sys
from junitparser import JUnitXml, Failure
bad_files = total = 0
for st in sorted(glob.glob(os.path.join(sys.argv[1], "*.st"))):
    base = st[:-3]
    name = os.path.basename(base)
    def no(why):
        sys.exit("%s: %s" % (name, why))
    codes = open(st).read().split()
    if len(set(codes)) != 1:
        no("exit statuses differ: json, junit, tap %s" % " ".join(codes))
    jobs, failing, queues = set(), set(), set()
    for line in open(base + ".json", encoding="utf-8"):
        r = json.loads(line)
        if r["type"] == "job":
            jobs.add((r["queue"], r["id"]))
        elif r["type"] == "problem" and r["severity"] == "problem" and r["id"]:
            failing.add((r["queue"], r["id"]))
        if r.get("queue"):
            queues.add(r["queue"])
    cases = {}
    n = 0
    for suite in JUnitXml.fromfile(base + ".xml"):
        for case in suite:
            n += 1
            cases[(case.classname, case.name)] = any(
                isinstance(x, Failure) for x in case.result)
    for q, i in jobs:
        c = cases.get((q, "job " + i))
        if c is None:
            no("no test case for job %s of %s" % (i, q))
        if c != ((q, i) in failing):
            no("job %s: failed %s in JUnit, %s by the JSON problems" % (i, c, (q, i) in failing))
    for q in queues:
        if (q, "path and directory") not in cases:
            no("no path test case for queue %s" % q)
    tap = open(base + ".tap", encoding="utf-8").read()
    points = [l for l in tap.splitlines() if re.match(r"(not )?ok \d+ ", l)]
    if len(points) != n:
        no("%d TAP points, %d JUnit test cases" % (len(points), n))
    nx = sum(1 for f in cases.values() if f)
    if nx != sum(1 for l in points if l.startswith("not ok")):
        no("%d JUnit failures, a different number of TAP not ok" % nx)
    if not tap.rstrip().endswith("1..%d" % n):
        no("the TAP plan is not 1..%d" % n)
    bad_files += nx > 0
    total += nx
print(bad_files, total)
EOF
); then
	# shellcheck disable=SC2086 # two numbers
	set -- $counts
	# prove reads every TAP: exactly the reports with a failure fail.
	prove -e cat "$top"/r/*.tap >"$top/prove.out" 2>&1
	pfail=$(grep -c '(Wstat: .* Failed: [1-9]' "$top/prove.out")
	if [ "$nfix" -lt 200 ] || [ "$2" -eq 0 ]; then
		bad fixtures "only $nfix fixtures, $2 failing test cases"
	elif [ "${pfail:-0}" != "$1" ]; then
		bad fixtures "prove failed ${pfail:-0} reports, $1 have a failing test case: $(tail -n 3 "$top/prove.out")"
	else
		ok "fixtures ($nfix: JSON, JUnit and TAP agree; $2 failing test cases in $1 reports, read by junitparser and prove)"
	fi
else
	bad fixtures "$counts"
fi

# A repaired tree passes: prove succeeds, no JUnit failure.
rm -rf "$top/q" "$top/arch"
cp -R fixtures/n_demo_crashed_queue/queue "$top/q"
# shellcheck disable=SC2086
"$MQFSCK" $(echo "$ARGS" | sed 's/--fixture/-c none --owner queue-dir/') \
    -y -a "$top/arch" "$top/q" >/dev/null 2>&1
# shellcheck disable=SC2086
"$MQFSCK" $ARGS --format tap "$top/q" >"$top/clean.tap" 2>/dev/null
s=$?
# shellcheck disable=SC2086
"$MQFSCK" $ARGS --format junit "$top/q" >"$top/clean.xml" 2>/dev/null
if [ "$s" -eq 0 ] && prove -e cat "$top/clean.tap" >/dev/null 2>&1 &&
    "$py" -c '
import sys
from junitparser import JUnitXml, Failure
n = f = 0
for s in JUnitXml.fromfile(sys.argv[1]):
    for c in s:
        n += 1
        f += any(isinstance(x, Failure) for x in c.result)
sys.exit(0 if n > 1 and f == 0 else 1)' "$top/clean.xml"; then
	ok "clean (a repaired queue: exit 0, prove passes, no JUnit failure)"
else
	bad clean "a repaired queue: exit $s; $(grep -c '^not ok' "$top/clean.tap") TAP failures"
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
