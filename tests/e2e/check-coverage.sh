#!/bin/sh
# check-coverage.sh - every problem of the table (model/problems.def, and
# pass 2's rows in format/qf_defects.def) has its fixture
# fixtures/f_<name> (dashes as underscores), and that fixture's expected
# report has the problem's code and name.  Exit 1 on any gap.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
bad=0
n=0
for p in $(sed -n 's/^\(PROBLEM(PR_\|QF_DEFECT(\)[A-Z0-9_]*, 0x\([0-9a-f]*\), "\([a-z-]*\)".*/\2:\3/p' \
    "$root/model/problems.def" "$root/format/qf_defects.def" | sort); do
	code=${p%%:*}
	name=${p#*:}
	n=$((n + 1))
	fx=$root/fixtures/f_$(echo "$name" | tr - _)
	if [ ! -f "$fx/expect.1" ]; then
		echo "FAIL $code $name: no fixture $(basename "$fx")"
		bad=1
	elif ! grep -q ": $code $name " "$fx/expect.1"; then
		echo "FAIL $code $name: $(basename "$fx") does not report it"
		bad=1
	fi
done
echo "$n problem codes, each with its fixture"
exit $bad
