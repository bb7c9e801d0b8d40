#!/bin/sh
# json-schema.sh - every JSON record mqfsck writes is valid against the
# schema in docs/mqfsck.schema.json, checked by a real validator
# (Debian's python3-jsonschema, Draft 2020-12).  For each fixture (those
# that need no configuration file, named queues or another user): a
# check (-n --json), a repair (-y --json), the listing of each archive
# (--list --json), a restore of it into an empty directory
# (--restore --json), and in place (the undo, with -n first).  Every line of their standard output must be one
# valid record, and every record type of the schema that these modes
# write must have been seen, so that a mode that stopped writing JSON
# fails too.
#
# Usage: MQ_MQFSCK=/abs/mqfsck json-schema.sh
# Prints "ok json/schema (N records of M fixtures)", "skip" or "FAIL";
# exits 0 or 1.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
SUITE=json
py=/usr/bin/python3
if ! "$py" -c 'import jsonschema' 2>/dev/null; then
	bad schema "python3-jsonschema is not installed (make deps-test installs it)"
	exit 1
fi
top=$(mktemp -d /tmp/mqfsck-json.XXXXXX)
cleanup() { [ -n "${MQ_KEEP:-}" ] || rm -rf "$top"; }
trap cleanup EXIT INT TERM
n=0
for fx in "$root"/fixtures/*/; do
	fx=${fx%/}
	name=$(basename "$fx")
	[ -f "$fx/name" ] && [ -d "$fx/queue" ] || continue
	# Fixtures with their own configuration, queue list or user are
	# run by run_fixture.sh alone.
	for f in args.only queues sendmail.cf runas-nobody realtime; do
		[ -e "$fx/$f" ] && continue 2
	done
	ls "$fx"/*.in >/dev/null 2>&1 && continue
	d=$top/$name
	scratch_copy "$fx" "$d"
	args=$(cat "$fx/args" 2>/dev/null)
	mkdir -m 0700 "$d/keys"
	k="--key $d/keys/hmac.key"
	# shellcheck disable=SC2086
	{
		(cd "$d" && "$mqfsck" -n --json $FIXTURE_OPTS --assume-stopped $args queue)
		(cd "$d" && "$mqfsck" -y --json -a arch $k $FIXTURE_OPTS --assume-stopped $args queue)
		for a in "$d"/arch/mqfsck-*.tar.gz; do
			[ -f "$a" ] || continue
			"$mqfsck" $k --json --list "$a"
			rm -rf "$d/restored"
			mkdir "$d/restored"
			"$mqfsck" $k --json --restore "$a" "$d/restored"
			# In place: the undo, said first under -n.
			(cd "$d" && "$mqfsck" $k --json $FIXTURE_OPTS -n --restore "$a" queue)
			(cd "$d" && "$mqfsck" $k --json $FIXTURE_OPTS --restore "$a" queue)
		done
	} >"$top/$name.jsonl" 2>/dev/null
	if [ -f "$d/.hold_pids" ]; then
		for p in $(cat "$d/.hold_pids"); do kill "$p" 2>/dev/null; done
	fi
	n=$((n + 1))
done
wait 2>/dev/null
out=$("$py" - "$root/docs/mqfsck.schema.json" "$top" <<'PY'
import json, os, sys
import jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(schema)
v = jsonschema.Draft202012Validator(schema)
seen, bad, n = set(), [], 0
for f in sorted(os.listdir(sys.argv[2])):
    if not f.endswith(".jsonl"):
        continue
    for i, line in enumerate(open(os.path.join(sys.argv[2], f), "rb"), 1):
        n += 1
        try:
            rec = json.loads(line)
        except ValueError as e:
            bad.append("%s line %d: not JSON: %s" % (f, i, e))
            continue
        errs = list(v.iter_errors(rec))
        if errs:
            bad.append("%s line %d: %s: %s" % (f, i, rec.get("type"), errs[0].message[:200]))
        else:
            seen.add(rec["type"])
want = {"problem", "fix", "job", "summary", "archived", "signature", "restore", "restore-summary", "shape"}
for t in sorted(want - seen):
    bad.append("no record of type %s was written" % t)
for b in bad[:20]:
    print("BAD " + b)
print("RECORDS %d" % n)
PY
)
if printf '%s\n' "$out" | grep -q '^BAD '; then
	lines=$(printf '%s\n' "$out" | sed -n 's/^BAD //p' | head -n 10)
	IFS='
'
	# shellcheck disable=SC2086 # one argument a line
	bad schema $lines
	unset IFS
else
	ok "schema ($(printf '%s\n' "$out" | sed -n 's/^RECORDS //p') records of $n fixtures)"
fi
exit $failed
