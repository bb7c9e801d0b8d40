#!/bin/sh
# import.sh - copy the control files of the shared corpus of real sendmail
# 8.17 queues into tests/corpus/files/, and write tests/corpus/MANIFEST:
# what the reader must find in each.
#
# Usage: tests/corpus/import.sh [CORPUS_DIR]   (default ../shared/corpus)
#
# The expectations come from the corpus's own documentation, not from
# mqfsck:
#  - 07-crash: the harness classifies each control file by its bytes
#    (07-crash/CASE.md, crash.py file_state): "complete" ends in "\n.\n",
#    "empty" has 0 bytes, anything else is "truncated".  A complete file
#    has no defect, an empty one is `empty` (sendmail deletes it after 10
#    minutes), a truncated one is `no-terminator` (sendmail: "incomplete
#    queue file read", skipped forever).
#  - 00-06: healthy queues written by sendmail: the same byte rule.
#  - 08-synthetic-probes: the probe table in 08-synthetic-probes/CASE.md
#    (each entry below quotes what the probe changed and what sendmail did).
#
# MANIFEST lines: OUTCOME KINDS DATADIRS PATH
#   OUTCOME   what sendmail does with the file (qf_consequence_name())
#   KINDS     comma-separated defect kinds, each optionally @LINE; - for none
#   DATADIRS  comma-separated qp_names a d line may name in that queue
#   PATH      relative to tests/corpus/files/
set -eu

src=${1:-../shared/corpus}
here=$(cd "$(dirname "$0")" && pwd)
[ -d "$src/07-crash" ] || { echo "import.sh: $src is not the corpus" >&2; exit 1; }

rm -rf "$here/files"
mkdir -p "$here/files"
manifest=$here/MANIFEST.tmp
: >"$manifest"

probe_expect() {
	# $1: probe directory name, $2: file name
	case $1 in
	P01-*) echo "lost bad-line@6" ;;	     # 'Xbogus line' after P: Qf
	P02-*) echo "lost version-too-new@1" ;;  # V99: Qf
	P03-*) echo "lost after-terminator@26" ;; # line after '.': Qf
	P10-*) echo "lost bad-datadir@6" ;;	     # 'd/nonexistent/dir' after P: Qf
	P13-*) echo "cosmetic held-no-reason" ;; # hf without q: only -qQ runs it
	P14-*)
		# q line added to a qf: the run holds it and rewrites it as hf
		case $2 in
		qf*) echo "altered quarantine-in-qf@9" ;;
		*) echo "none -" ;;
		esac
		;;
	P15-*) echo "abort no-sender" ;;	# no S: the run aborts
	P16-*) echo "deleted no-recipients" ;; # no R: dropped silently
	P19-* | P20-*) echo "skipped no-terminator" ;;
	P22-*) echo "deleted empty" ;;
	# P04 mode, P05 owner, P06 missing df, P07 empty df, P08 stale xf,
	# P09 Tf copy, P11 directory entry, P12 lock, P17 CRLF (accepted),
	# P18 wrong I (ignored), P21 Qf: the control file's bytes are fine.
	*) echo "none -" ;;
	esac
}

byte_expect() {
	# The crash harness's classification of a control file.
	if [ ! -s "$1" ]; then
		echo "deleted empty"
	elif [ "$(tail -c 3 "$1" | od -An -tx1 | tr -d ' \n')" = 0a2e0a ]; then
		echo "none -"
	else
		echo "skipped no-terminator"
	fi
}

datadirs_of() {
	case $1 in
	06-subdirs-multiqueue/b-multiqueue-qstar/*) echo "q1,q2,q3" ;;
	06-subdirs-multiqueue/c-queue-groups/*) echo ".,groupa,groupb" ;;
	*) echo "." ;;
	esac
}

(cd "$src" && find . -type f \( -name 'qf*' -o -name 'hf*' -o -name 'Qf*' \
    -o -name 'tf*' -o -name 'Tf*' \) | sed 's|^\./||' | LC_ALL=C sort) |
while read -r rel; do
	mkdir -p "$here/files/$(dirname "$rel")"
	cp "$src/$rel" "$here/files/$rel"
	chmod 0644 "$here/files/$rel"
	name=$(basename "$rel")
	case $rel in
	08-synthetic-probes/*)
		probe=$(echo "$rel" | cut -d/ -f2)
		exp=$(probe_expect "$probe" "$name")
		;;
	02-smtp-bs/c-deliverby/queue/qf6AN5bird012641)
		# Not a control file: this corpus copy holds a hex dump of
		# qf6AN5birc012641 (2164 bytes) where stat.txt records a
		# 499-byte qf.  Kept as garbage input: line 1 is "bad line".
		exp="lost bad-line@1,no-terminator"
		;;
	*) exp=$(byte_expect "$src/$rel") ;;
	esac
	echo "$exp $(datadirs_of "$rel") $rel" >>"$manifest"
done
mv "$manifest" "$here/MANIFEST"
echo "import.sh: $(wc -l <"$here/MANIFEST") control files"
