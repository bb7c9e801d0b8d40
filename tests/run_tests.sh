#!/bin/sh
# run_tests.sh - run the test suites and print one line per test, then
# "N passed, N failed" as the last line.  Exit status 1 if any failed.
#
# Usage: tests/run_tests.sh all|unit|e2e|ops|contrib|interop|fuzz|valgrind|lint|hostile
# The Makefile passes what to run in the environment:
#   MQ_UNIT_SAN   unit test binaries built with ASan+UBSan
#   MQ_UNIT_REL   the same built without sanitizers, for valgrind
#   MQ_MQFSCK     the mqfsck binary for the end-to-end fixtures
#   MQ_MQFSCK_REL the release build, for the interop tests
#   MQ_FUZZ       libFuzzer binaries; MQ_FUZZ_SECONDS per target
#   MQ_SRC        C sources for clang-tidy; MQ_CFLAGS their flags
set -u
cd "$(dirname "$0")/.." || exit 1
root=$(pwd)
what=${1:-all}
passed=0
failed=0
out=$(mktemp "${TMPDIR:-/tmp}/mqfsck-tests.XXXXXX")
trap 'rm -f "$out"' EXIT INT TERM

pass() {
	passed=$((passed + 1))
	echo "ok   $1"
}
fail() {
	failed=$((failed + 1))
	echo "FAIL $1"
	[ -s "$out" ] && sed 's/^/     | /' "$out" | tail -n 60
}

# unit - cmocka binaries: every test case counts, from their TAP output
unit() {
	for bin in ${MQ_UNIT_SAN:-}; do
		t=$(basename "$bin")
		CMOCKA_MESSAGE_OUTPUT=TAP ASAN_OPTIONS=detect_leaks=1 \
		    "$bin" >"$out" 2>&1
		st=$?
		ok=$(grep -c '^ok ' "$out")
		bad=$(grep -c '^not ok ' "$out")
		grep '^ok ' "$out" | sed 's/^ok [0-9]* - /ok   unit\/'"$t"'\//'
		grep '^not ok ' "$out" | sed 's/^not ok [0-9]* - /FAIL unit\/'"$t"'\//'
		passed=$((passed + ok))
		failed=$((failed + bad))
		if [ "$bad" -gt 0 ]; then
			sed 's/^/     | /' "$out" | grep -v '| ok ' | tail -n 60
		elif [ $st -ne 0 ] || [ "$ok" -eq 0 ]; then
			# A crash or a leak report after the tests ran.
			fail "unit/$t (exit status $st)"
		fi
	done
}

# e2e - the fixtures; each is one test
e2e() {
	[ -n "${MQ_MQFSCK:-}" ] || return 0
	for fx in fixtures/*/; do
		[ -f "$fx/name" ] || continue
		MQ_MQFSCK=$MQ_MQFSCK ASAN_OPTIONS=detect_leaks=1 \
		    sh tests/e2e/run_fixture.sh "$fx" >"$out" 2>&1
		case $? in
		0) pass "e2e/$(basename "$fx")" ;;
		77) echo "skip e2e/$(basename "$fx") (needs root)" ;;
		*) fail "e2e/$(basename "$fx")" ;;
		esac
	done
}

# oracle - the crash-state fixtures against the corpus's own signatures
oracle() {
	if sh tests/corpus/check-crash-oracle.sh >"$out" 2>&1; then
		pass "corpus/crash-states ($(tail -n 1 "$out" | cut -d' ' -f1) states match their signatures)"
	else
		fail "corpus/crash-states"
	fi
}

# coverage - every problem code has a fixture that reports it
coverage() {
	if sh tests/e2e/check-coverage.sh >"$out" 2>&1; then
		pass "e2e/coverage ($(tail -n 1 "$out" | cut -d' ' -f1) problem codes, each with its fixture)"
	else
		fail "e2e/coverage"
	fi
}

# script_suite NAME COMMAND... - a test script that prints its own ok,
# skip and FAIL lines: they are counted; an exit status without a FAIL
# line is one failure more
script_suite() {
	_name=$1
	shift
	"$@" >"$out" 2>&1
	st=$?
	grep '^ok \|^skip ' "$out"
	grep -A 20 '^FAIL ' "$out"
	passed=$((passed + $(grep -c '^ok ' "$out")))
	failed=$((failed + $(grep -c '^FAIL ' "$out")))
	[ $st -eq 0 ] || [ "$(grep -c '^FAIL ' "$out")" -gt 0 ] ||
	    fail "$_name (exit status $st)"
}

# repair - the repair modes and hostile cases (one test each), and the
# fault-injection test: mqfsck -y stopped before each change in turn;
# ops - syslog, progress, metrics, interruption and make install
repair() {
	[ -n "${MQ_MQFSCK:-}" ] || return 0
	script_suite repair/repair_modes.sh env MQ_MQFSCK="$MQ_MQFSCK" \
	    ASAN_OPTIONS=detect_leaks=1 sh tests/e2e/repair_modes.sh
	# (f_df_swapped_modes: owner and mode fixes before an exchange of
	# names, stopped between them)
	for fx in n_many_problems n_damage_beyond_crashes f_df_swapped_modes; do
		script_suite fault/$fx env MQ_MQFSCK="$MQ_MQFSCK" \
		    ASAN_OPTIONS=detect_leaks=1 sh tests/e2e/fault.sh fixtures/$fx
	done
	hostile
}

# hostile - randomized hostile queues: MQ_HOSTILE_SEEDS seeds (12 by
# default; make hostile runs more), each checked for its invariants
hostile() {
	[ -n "${MQ_MQFSCK:-}" ] || return 0
	script_suite hostile/hostile.sh env MQ_MQFSCK="$MQ_MQFSCK" \
	    ASAN_OPTIONS=detect_leaks=1 sh tests/e2e/hostile.sh \
	    "${MQ_HOSTILE_FIRST:-1}" "${MQ_HOSTILE_SEEDS:-12}"
}

ops() {
	[ -n "${MQ_MQFSCK:-}" ] || return 0
	script_suite ops/ops.sh env MQ_MQFSCK="$MQ_MQFSCK" \
	    ASAN_OPTIONS=detect_leaks=1 sh tests/e2e/ops.sh
}

# ci - --fixture with --format junit and tap, read by junitparser and prove
ci() {
	[ -n "${MQ_MQFSCK:-}" ] || return 0
	script_suite ci/ci-formats.sh env MQ_MQFSCK="$MQ_MQFSCK" \
	    MQ_MQFSCK_REL="${MQ_MQFSCK_REL:-}" \
	    ASAN_OPTIONS=detect_leaks=1 sh tests/e2e/ci-formats.sh
}

# json - every JSON record of every mode valid against docs/mqfsck.schema.json
json() {
	[ -n "${MQ_MQFSCK:-}" ] || return 0
	script_suite json/json-schema.sh env MQ_MQFSCK="$MQ_MQFSCK" \
	    sh tests/e2e/json-schema.sh
}

# contrib - the boot integration's own checks (contrib/check.sh), and
# boot-like runs of it with real systemd, Debian's init script and real
# sendmail (tests/e2e/boot.sh)
contrib() {
	script_suite contrib/check.sh sh contrib/check.sh
	[ -n "${MQ_MQFSCK_REL:-}" ] || return 0
	script_suite boot/boot.sh env MQ_MQFSCK="$MQ_MQFSCK_REL" \
	    sh tests/e2e/boot.sh
}

# interop - mqfsck against the real sendmail 8.17 in network namespaces:
# healthy queues, damage, and MQ_INTEROP_TRIALS crash trials
interop() {
	[ -n "${MQ_MQFSCK_REL:-}" ] || return 0
	script_suite interop/run.sh env MQ_MQFSCK="$MQ_MQFSCK_REL" \
	    sh tests/interop/run.sh
}

# fuzz - each target runs MQ_FUZZ_SECONDS on its seeds; a crash fails
fuzz() {
	for bin in ${MQ_FUZZ:-}; do
		t=$(basename "$bin" | sed 's/^fuzz_//')
		work=build/fuzz/work_$t
		mkdir -p "$work" build/fuzz/artifacts
		case $t in
		qf) seeds=tests/corpus/files; maxlen=65536 ;;
		*) seeds=tests/fuzz/seeds/$t; maxlen=256 ;;
		esac
		if "$bin" -max_total_time="${MQ_FUZZ_SECONDS:-20}" \
		    -max_len=$maxlen -timeout=10 -rss_limit_mb=2048 \
		    -artifact_prefix=build/fuzz/artifacts/ -print_final_stats=1 \
		    "$work" "$seeds" >"$out" 2>&1; then
			runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$out" |
			    grep -o '[0-9]*$')
			pass "fuzz/$t (${runs:-?} runs in ${MQ_FUZZ_SECONDS:-20} s)"
		else
			fail "fuzz/$t (artifacts in build/fuzz/artifacts)"
		fi
	done
}

# valgrind - the unit tests without sanitizers, leak-checked
vg() {
	if ! command -v valgrind >/dev/null 2>&1; then
		: >"$out"
		echo "valgrind is not installed" >"$out"
		fail "valgrind"
		return
	fi
	for bin in ${MQ_UNIT_REL:-}; do
		t=$(basename "$bin")
		if valgrind -q --error-exitcode=99 --leak-check=full \
		    --errors-for-leak-kinds=definite,indirect \
		    --show-leak-kinds=definite,indirect \
		    "$bin" >"$out" 2>&1; then
			pass "valgrind/$t"
		else
			fail "valgrind/$t"
		fi
	done
}

# lint - clang-tidy, cppcheck and mandoc -Tlint: one test each
lint() {
	: >"$out"
	rc=0
	for f in ${MQ_SRC:-}; do
		# shellcheck disable=SC2086
		clang-tidy --quiet "$f" -- ${MQ_CFLAGS:-} >>"$out" 2>&1 || rc=1
	done
	grep -q 'warning:\|error:' "$out" && rc=1
	if [ $rc -eq 0 ]; then pass "lint/clang-tidy"; else fail "lint/clang-tidy"; fi

	if cppcheck --quiet --error-exitcode=1 --std=c11 --inline-suppr \
	    --enable=warning,portability,performance \
	    --suppress=missingIncludeSystem -Iformat -Isystem -Imodel -Ifsck \
	    -Itests/unit -Irepair format system model fsck repair tests/unit \
	    >"$out" 2>&1; then
		pass "lint/cppcheck"
	else
		fail "lint/cppcheck"
	fi

	# The includes point down, layer to layer (mk/layers.sh).
	if sh mk/layers.sh >"$out" 2>&1; then
		pass "lint/layers ($(tail -n 1 "$out" | sed 's/^layers: ok (//; s/)$//'))"
	else
		fail "lint/layers"
	fi

	if mandoc -Tlint -Wwarning man/*.[0-9] >"$out" 2>&1; then
		pass "lint/mandoc"
	else
		fail "lint/mandoc"
	fi

	# The PROBLEMS section must be what the problem table prints.
	if [ -n "${MQ_MKMAN:-}" ]; then
		"$MQ_MKMAN" >"$out.gen" 2>&1
		awk '/^\.\\" END PROBLEMS/ { p = 0 } p { print } /^\.\\" BEGIN PROBLEMS/ { p = 1 }' \
		    man/mqfsck.8 >"$out.man"
		if diff -u "$out.man" "$out.gen" >"$out" 2>&1; then
			pass "lint/man-problems (the manual lists the problem table as it is)"
		else
			fail "lint/man-problems (run make man)"
		fi
		rm -f "$out.gen" "$out.man"
	fi
}

case $what in
all) unit; e2e; oracle; coverage; repair; ops; json; ci; contrib; interop; fuzz; vg; lint ;;
unit) unit ;;
e2e) e2e; oracle; coverage; repair; ops; json; ci ;;
json) json ;;
ci) ci ;;
ops) ops ;;
contrib) contrib ;;
interop) interop ;;
fuzz) fuzz ;;
valgrind) vg ;;
hostile) hostile ;;
lint) lint ;;
*)
	echo "usage: $0 all|unit|e2e|ops|json|ci|contrib|interop|fuzz|valgrind|lint|hostile" >&2
	exit 2
	;;
esac
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
