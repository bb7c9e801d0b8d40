#!/bin/sh
# import-crash.sh - make the s_* fixtures: every crash state of the shared
# corpus (07-crash: 80 states left by killing real sendmail 8.17), one
# fixture each from its first example, with `oracle`: the problems the
# state implies, derived from the corpus harness's own state signature
# (states-index.json), not from mqfsck.  check-crash-oracle.sh compares
# them with what mqfsck reports.
#
# Usage: tests/corpus/import-crash.sh [CORPUS_DIR]   (default ../shared/corpus)
#
# Data files are cut to their first 1 KiB (the states hold 200-256 KiB
# bodies; nothing mqfsck judges depends on a df's bytes, only on its being
# there, empty or not).  Control files, tf, Tf, xf are as sendmail left
# them.  prep redoes what git loses: the order of the files' mtimes (a tf
# is always written after the qf it was to replace, an hf after the qf it
# replaces: 07-crash/SEQUENCE.md), and the I lines.
#
# The oracle, per job of a signature ("job{...}", "dsn{...}"):
#   qf=empty            -> empty          (C4; sendmail deletes it later)
#   qf=truncated        -> no-terminator  (C5; skipped forever)
#   qf=complete, no df  -> no-df          (R6; "No Message Collected")
#   df, no qf/hf        -> orphan-df      (C1, C2)
#   tf=empty|truncated|complete -> tf-empty|tf-partial|tf-newer (R1-R3)
#   xf, with a qf/hf/tf -> xf-stale; alone -> xf-orphan (R7)
#   qf and hf           -> two-control-files (R5)
set -eu
src=${1:-../shared/corpus}
root=$(cd "$(dirname "$0")/../.." && pwd)
idx=$src/07-crash/states-index.json
[ -f "$idx" ] || { echo "import-crash.sh: $src is not the corpus" >&2; exit 1; }

# oracle SIGNATURE - the problem names, sorted, one per line
oracle() {
	echo "$1" | tr '}' '\n' | while read -r grp; do
		case $grp in *"{"*) ;; *) continue ;; esac	# "(empty queue)"
		grp=${grp#*\{}
		[ -n "$grp" ] || continue
		df= qf= tf= xf= hf=
		for item in $grp; do
			k=${item%%=*}
			v=${item#*=}
			v=${v%%(*}
			eval "$k=\$v"
		done
		[ "$qf" = empty ] && echo empty
		[ "$qf" = truncated ] && echo no-terminator
		[ "$qf" = complete ] && [ -z "$df" ] && echo no-df
		[ -n "$df" ] && [ -z "$qf" ] && [ -z "$hf" ] && echo orphan-df
		case $tf in
		empty) echo tf-empty ;;
		truncated) echo tf-partial ;;
		complete) echo tf-newer ;;
		esac
		if [ -n "$xf" ]; then
			if [ -n "$qf$hf$tf" ]; then echo xf-stale; else echo xf-orphan; fi
		fi
		[ -n "$qf" ] && [ -n "$hf" ] && echo two-control-files
	done | LC_ALL=C sort
}

abbrev() {
	case $1 in
	submit-odq-stdin-256K) echo odq ;;
	submit-odq-stdin-256K-late) echo odqlate ;;
	submit-smtp-bs-256K) echo smtp ;;
	submit-odi) echo odi ;;
	qrun-defer) echo defer ;;
	qrun-defer-subdirs) echo defersub ;;
	qrun-success) echo success ;;
	qrun-bounce) echo bounce ;;
	quarantine) echo quar ;;
	*) echo "$1" ;;
	esac
}

rm -rf "$root"/fixtures/s_*
python3 - "$idx" <<'EOF' >/tmp/mqfsck-states.$$
import json, sys
for sc, states in json.load(open(sys.argv[1])).items():
    for st in states:
        print(sc, st["dir"], st["examples"][0], st["signature"])
EOF
while read -r sc dir ex sig; do
	num=$(echo "$dir" | sed 's|.*/states/\([0-9]*\)-.*|\1|')
	fx=$root/fixtures/s_$(abbrev "$sc")_$num
	mkdir -p "$fx/queue"
	q=$src/07-crash/$dir/$ex/q
	[ -d "$q" ] && cp -R "$q/." "$fx/queue/"
	chmod -R u+w,go-w "$fx"
	find "$fx/queue" -type f -name 'df*' -size +1k | while read -r f; do
		head -c 1024 "$f" >"$f.cut" && mv "$f.cut" "$f"
	done
	echo "crash state $sc/${dir##*/} ($ex): $sig; df bodies cut to 1 KiB" >"$fx/name"
	oracle "$sig" >"$fx/oracle"
	{
		echo 'sh "$E2E_TOOLS/bind-ilines.sh" queue'
		echo '# sendmail wrote df, then qf, then a tf or hf: older to newer.'
		echo 'for f in $(find queue -type f); do touch -d @1795413600 "$f"; done'
		echo 'for f in $(find queue -type f -name "[th]f*"); do touch -d @1795413601 "$f"; done'
	} >"$fx/prep"
	# The compact corpus lost one file its stat.txt and signature have:
	# the 0-byte DSN qf of this state.
	case $dir in
	*/09-dsn_qf-empty_job_df-complete_qf-complete_N0)
		: >"$fx/queue/qf6AN5mA9X030444"
		echo "(the 0-byte qf6AN5mA9X030444 that stat.txt lists is restored: the corpus copy lost it)" >>"$fx/name"
		;;
	esac
	# Empty directories (EMPTY-DIRS.txt): an emptied queue, an empty xf/.
	if grep -q "^07-crash/$dir/$ex/q " "$src/EMPTY-DIRS.txt" 2>/dev/null; then
		: # queue/ is made empty by the harness when absent
	fi
	if grep -q "^07-crash/$dir/$ex/q/xf " "$src/EMPTY-DIRS.txt" 2>/dev/null; then
		echo 'mkdir -p queue/xf && chmod 0750 queue/xf' >>"$fx/prep"
	fi
done </tmp/mqfsck-states.$$
rm -f /tmp/mqfsck-states.$$
echo "import-crash.sh: $(ls -d "$root"/fixtures/s_* | wc -l) crash states"
