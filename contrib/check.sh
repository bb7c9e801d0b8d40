#!/bin/sh
# contrib/check.sh - check the boot integration files in contrib/.
#
#   systemd/mqfsck.service, systemd/sendmail.service.d/mqfsck.conf:
#	systemd-analyze verify (the unit, and a stand-in sendmail.service
#	with the drop-in), when systemd-analyze can run here; and the
#	exit-status contract (only 0 and 1 succeed; sendmail Requires= and
#	comes After= the check).
#   sysv/mqfsck.sh:
#	sh -n, checkbashisms and shellcheck (when installed), then
#	mqfsck_before_start against a fake mqfsck that exits 0, 1, 4, 8, 5,
#	16 and 32, under "set -e" as in Debian's init script, asserting the
#	return value, the arguments mqfsck got and the syslog priority.
#
# One line per check: "ok   contrib/<file>: <check>",
# "FAIL contrib/<file>: <check>" (with details indented below it) or
# "skip contrib/<file>: <check> (<why>)", then a summary line.
# Exit status: 0 when nothing failed, 1 otherwise, 2 when it cannot run.
#
# Usage: sh contrib/check.sh	(from any directory; writes only to a
# temporary directory, which it removes)

set -u

here=$(cd "$(dirname "$0")" && pwd) || exit 2
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mqfsck-contrib.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

npass=0
nfail=0
nskip=0

pass() {
	printf 'ok   contrib/%s\n' "$1"
	npass=$((npass + 1))
}

# fail name [detail-file]
fail() {
	printf 'FAIL contrib/%s\n' "$1"
	if [ $# -gt 1 ] && [ -s "$2" ]; then
		sed 's/^/     | /' "$2"
	fi
	nfail=$((nfail + 1))
}

skip() {
	printf 'skip contrib/%s (%s)\n' "$1" "$2"
	nskip=$((nskip + 1))
}

have() {
	command -v "$1" >/dev/null 2>&1
}

unit="$here/systemd/mqfsck.service"
dropin="$here/systemd/sendmail.service.d/mqfsck.conf"
snippet="$here/sysv/mqfsck.sh"

for f in "$unit" "$dropin" "$snippet"; do
	if [ ! -r "$f" ]; then
		printf 'FAIL contrib/%s (missing)\n' "${f#"$here"/}"
		exit 1
	fi
done

# ---------------------------------------------------------------------
# systemd

# unit_values file key - the values of every "key=" line, one per line
unit_values() {
	sed -n "s/^[[:space:]]*$2[[:space:]]*=[[:space:]]*//p" "$1"
}

# The contract, read from the files themselves.
name=systemd/mqfsck.service
statuses=$(unit_values "$unit" SuccessExitStatus | tr ' ' '\n' |
    sed '/^$/d' | sort -u | tr '\n' ' ')
if [ "$statuses" = "1 " ] &&
    unit_values "$unit" Type | grep -qx oneshot &&
    unit_values "$unit" Before | grep -qw sendmail.service &&
    unit_values "$unit" ExecStart | grep -q '/mqfsck -p$'; then
	pass "$name: oneshot, mqfsck -p, before sendmail, success 0 and 1 only"
else
	{
		echo "SuccessExitStatus: ${statuses:-none} (want 1 only)"
		echo "Type: $(unit_values "$unit" Type)"
		echo "Before: $(unit_values "$unit" Before)"
		echo "ExecStart: $(unit_values "$unit" ExecStart)"
	} >"$tmp/contract"
	fail "$name: oneshot, mqfsck -p, before sendmail, success 0 and 1 only" \
	    "$tmp/contract"
fi

name=systemd/sendmail.service.d/mqfsck.conf
if unit_values "$dropin" Requires | grep -qw mqfsck.service &&
    unit_values "$dropin" After | grep -qw mqfsck.service; then
	pass "$name: Requires= and After= mqfsck.service"
else
	fail "$name: Requires= and After= mqfsck.service"
fi

# systemd-analyze verify, on copies: ExecStart must name an executable
# that exists, so it points at a stand-in; sendmail.service is a stand-in
# too (Debian generates the real one from /etc/init.d/sendmail).
verify_check="systemd: systemd-analyze verify (mqfsck.service;"
verify_check="$verify_check sendmail.service with the drop-in)"
if ! have systemd-analyze; then
	skip "$verify_check" "systemd-analyze is not installed"
else
	mkdir -p "$tmp/bin" "$tmp/probe" "$tmp/units/sendmail.service.d"
	printf '#!/bin/sh\nexit 0\n' >"$tmp/bin/true"
	chmod 755 "$tmp/bin/true"
	printf '[Unit]\nDescription=probe\n[Service]\nType=oneshot\nExecStart=%s\n' \
	    "$tmp/bin/true" >"$tmp/probe/probe.service"
	if ! systemd-analyze verify --man=no "$tmp/probe/probe.service" \
	    >"$tmp/probe.out" 2>&1 || [ -s "$tmp/probe.out" ]; then
		why=$(sed -n '1{s/[()]//g;p;}' "$tmp/probe.out")
		why=${why:-it failed on a trivial unit}
		skip "$verify_check" "systemd-analyze cannot run here: $why"
	else
		cp "$tmp/bin/true" "$tmp/bin/mqfsck"
		sed "s|^ExecStart=/[^ ]*/mqfsck |ExecStart=$tmp/bin/mqfsck |" \
		    "$unit" >"$tmp/units/mqfsck.service"
		cp "$dropin" "$tmp/units/sendmail.service.d/mqfsck.conf"
		printf '[Unit]\nDescription=%s\n[Service]\nExecStart=%s\n' \
		    "stand-in for sendmail" "$tmp/bin/true" \
		    >"$tmp/units/sendmail.service"
		if ! grep -q "^ExecStart=$tmp/bin/mqfsck " \
		    "$tmp/units/mqfsck.service"; then
			echo "ExecStart= is not of the form /path/to/mqfsck -p" \
			    >"$tmp/verify.out"
			fail "$verify_check" "$tmp/verify.out"
		elif systemd-analyze verify --man=no \
		    "$tmp/units/mqfsck.service" "$tmp/units/sendmail.service" \
		    >"$tmp/verify.out" 2>&1 && [ ! -s "$tmp/verify.out" ]; then
			pass "$verify_check"
		else
			fail "$verify_check" "$tmp/verify.out"
		fi
	fi
fi

# Debian's own sendmail.service is generated from /etc/init.d/sendmail by
# systemd-sysv-generator; check the drop-in against that unit when both
# are on this machine.
gen_check="systemd: systemd-analyze verify (Debian's generated"
gen_check="$gen_check sendmail.service with the drop-in)"
generator=""
for g in /lib/systemd/system-generators/systemd-sysv-generator \
    /usr/lib/systemd/system-generators/systemd-sysv-generator; do
	if [ -x "$g" ]; then
		generator=$g
		break
	fi
done
if [ ! -s "$tmp/units/mqfsck.service" ]; then
	skip "$gen_check" "the verify above did not run"
elif [ -z "$generator" ]; then
	skip "$gen_check" "systemd-sysv-generator is not installed"
elif [ ! -x /etc/init.d/sendmail ]; then
	skip "$gen_check" "sendmail is not installed"
else
	mkdir -p "$tmp/gen/normal" "$tmp/gen/early" "$tmp/gen/late" \
	    "$tmp/units-gen/sendmail.service.d"
	if ! "$generator" "$tmp/gen/normal" "$tmp/gen/early" "$tmp/gen/late" \
	    >"$tmp/gen.out" 2>&1 ||
	    [ ! -s "$tmp/gen/late/sendmail.service" ]; then
		skip "$gen_check" "systemd-sysv-generator made no sendmail.service"
	else
		cp "$tmp/gen/late/sendmail.service" "$tmp/units/mqfsck.service" \
		    "$tmp/units-gen/"
		cp "$dropin" "$tmp/units-gen/sendmail.service.d/mqfsck.conf"
		if systemd-analyze verify --man=no \
		    "$tmp/units-gen/sendmail.service" \
		    "$tmp/units-gen/mqfsck.service" \
		    >"$tmp/verify-gen.out" 2>&1 &&
		    [ ! -s "$tmp/verify-gen.out" ]; then
			pass "$gen_check"
		else
			fail "$gen_check" "$tmp/verify-gen.out"
		fi
	fi
fi

# ---------------------------------------------------------------------
# System V init snippet

name=sysv/mqfsck.sh
if sh -n "$snippet" >"$tmp/shn.out" 2>&1; then
	pass "$name: sh -n"
else
	fail "$name: sh -n" "$tmp/shn.out"
fi

if ! have checkbashisms; then
	skip "$name: checkbashisms" "checkbashisms is not installed"
elif checkbashisms "$snippet" >"$tmp/cb.out" 2>&1; then
	pass "$name: checkbashisms"
else
	fail "$name: checkbashisms" "$tmp/cb.out"
fi

for f in sysv/mqfsck.sh check.sh; do
	if ! have shellcheck; then
		skip "$f: shellcheck" "shellcheck is not installed"
	elif shellcheck -s sh "$here/$f" >"$tmp/sc.out" 2>&1; then
		pass "$f: shellcheck"
	else
		fail "$f: shellcheck" "$tmp/sc.out"
	fi
done

# Stand-ins: an mqfsck that records its arguments and exits $FAKE_STATUS,
# and a logger that records its arguments instead of logging.
mkdir -p "$tmp/fake"
cat >"$tmp/fake/mqfsck" <<'EOF'
#!/bin/sh
printf '%s\n' "$*" >"$FAKE_DIR/args"
echo "fake mqfsck report"
exit "$FAKE_STATUS"
EOF
cat >"$tmp/fake/logger" <<'EOF'
#!/bin/sh
printf '%s\n' "$*" >>"$FAKE_DIR/log"
EOF
chmod 755 "$tmp/fake/mqfsck" "$tmp/fake/logger"

# The caller, as Debian's init script would be: set -e, source, call.
cat >"$tmp/caller.sh" <<'EOF'
set -e
. "$SNIPPET"
rc=0
mqfsck_before_start -c /etc/mail/sendmail.cf || rc=$?
echo "$rc" >"$FAKE_DIR/rc"
EOF

# The same caller without "|| rc=$?": under set -e a non-zero return
# would end it, so for mqfsck exit 0 and 1 nothing inside the function may
# fail either.
cat >"$tmp/caller-bare.sh" <<'EOF'
set -e
. "$SNIPPET"
mqfsck_before_start -c /etc/mail/sendmail.cf
echo 0 >"$FAKE_DIR/rc"
EOF

# run_case shell status want-rc want-priority [variable=value ...]
#   Run the caller under `shell` with the fake mqfsck exiting `status`;
#   "-" as status means MQFSCK names a program that does not exist.
run_case() {
	rc_shell=$1
	rc_status=$2
	rc_want=$3
	rc_prio=$4
	shift 4
	rc_dir="$tmp/case"
	rm -rf "$rc_dir"
	mkdir -p "$rc_dir"
	if [ "$rc_status" = - ]; then
		rc_prog="$tmp/fake/not-installed"
		rc_what="mqfsck missing"
		rc_status=0
	else
		rc_prog="$tmp/fake/mqfsck"
		rc_what="mqfsck exit $rc_status"
	fi
	for rc_v in "$@"; do
		rc_what="$rc_what, $rc_v"
	done
	rc_caller="$tmp/caller.sh"
	if [ "$rc_shell" != "${rc_shell% bare}" ]; then
		rc_caller="$tmp/caller-bare.sh"
		rc_shell=${rc_shell% bare}
		rc_what="$rc_what, called without ||"
	fi
	rc_check="$name: mqfsck_before_start, $rc_what -> $rc_want ($rc_shell)"
	env PATH="$tmp/fake:$PATH" MQFSCK="$rc_prog" SNIPPET="$snippet" \
	    FAKE_DIR="$rc_dir" FAKE_STATUS="$rc_status" "$@" \
	    "$rc_shell" "$rc_caller" >"$rc_dir/out" 2>&1
	rc_got=$(cat "$rc_dir/rc" 2>/dev/null || echo "none (the caller stopped)")
	rc_args=$(cat "$rc_dir/args" 2>/dev/null || echo "")
	rc_log=$(cat "$rc_dir/log" 2>/dev/null || echo "")
	{
		echo "returned: $rc_got"
		echo "mqfsck arguments: $rc_args"
		echo "logger: $rc_log"
		echo "output:"
		cat "$rc_dir/out"
	} >"$rc_dir/detail"
	if [ "$rc_want" = nonzero ]; then
		case $rc_got in
		0 | *[!0-9]* | "") rc_ok=no ;;
		*) rc_ok=yes ;;
		esac
	else
		if [ "$rc_got" = "$rc_want" ]; then rc_ok=yes; else rc_ok=no; fi
	fi
	if [ "$rc_prog" = "$tmp/fake/mqfsck" ] &&
	    [ "$rc_args" != "-p -c /etc/mail/sendmail.cf" ]; then
		rc_ok=no
	fi
	case $rc_log in
	*"-p mail.$rc_prio "*) ;;
	*) rc_ok=no ;;
	esac
	if [ "$rc_ok" = yes ]; then
		pass "$rc_check"
	else
		fail "$rc_check" "$rc_dir/detail"
	fi
}

shells="sh"
if have bash; then
	shells="$shells bash"
fi
for sh_ in $shells; do
	run_case "$sh_" 0 0 notice
	run_case "$sh_" 1 0 notice
	run_case "$sh_" 4 4 err
	run_case "$sh_" 8 8 err
	run_case "$sh_" 5 5 err
	run_case "$sh_" 16 16 err
	run_case "$sh_" 32 32 err
	run_case "$sh_" - 0 warning
	run_case "$sh_" - nonzero err MQFSCK_REQUIRED=yes
	run_case "$sh_ bare" 0 0 notice
	run_case "$sh_ bare" 1 0 notice
done

# Run as a command instead of sourced.
for st in 1 4; do
	want=0
	[ "$st" = 4 ] && want=4
	check="$name: run as a command, mqfsck exit $st -> exit $want"
	rm -rf "$tmp/case"
	mkdir -p "$tmp/case"
	got=0
	env PATH="$tmp/fake:$PATH" MQFSCK="$tmp/fake/mqfsck" \
	    FAKE_DIR="$tmp/case" FAKE_STATUS="$st" \
	    sh "$snippet" >"$tmp/case/out" 2>&1 || got=$?
	if [ "$got" = "$want" ]; then
		pass "$check"
	else
		echo "exit status $got" >>"$tmp/case/out"
		fail "$check" "$tmp/case/out"
	fi
done

echo "contrib: $npass passed, $nfail failed, $nskip skipped"
[ "$nfail" -eq 0 ]
