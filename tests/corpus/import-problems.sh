#!/bin/sh
# import-problems.sh - make the f_* fixtures: one per problem code of
# the problem table (model/problems.def, format/qf_defects.def), each a real job written by sendmail 8.17 (from the
# shared corpus) with the one thing wrong that the problem is about.
# Run it again after adding a problem; then make fixtures-update and
# review the expect files.  test: every code has its fixture, and the
# fixture reports that code (tests/e2e/check-coverage.sh).
#
# Usage: tests/corpus/import-problems.sh [CORPUS_DIR]  (default ../shared/corpus)
#
# Bases:
#   A = 03-deferred/a-tempfail-and-refused, job 6AN5c54B012922: a deferred
#       job (N2) with an I line and a program recipient
#   B = 01-queue-only/a-multi-rcpt, job 6AN5bEkN011665: a new job, no I line
# Every prep first binds the I lines to the copy's inodes and dates every
# file 2026-11-23 06:00 UTC (the tests' clock is 08:00, MQFSCK_TIME).
set -eu
src=${1:-../shared/corpus}
root=$(cd "$(dirname "$0")/../.." && pwd)
A=6AN5c54B012922
B=6AN5bEkN011665
qa=$src/03-deferred/a-tempfail-and-refused/queue
qb=$src/01-queue-only/a-multi-rcpt/queue
[ -f "$qa/qf$A" ] || { echo "import-problems.sh: $src is not the corpus" >&2; exit 1; }

BASEPREP='sh "$E2E_TOOLS/bind-ilines.sh" queue
for f in $(find queue -type f); do touch -d @1795413600 "$f"; done'

# new NAME BASE DESCRIPTION - a fixture with base job A or B (or none)
new() {
	fx=$root/fixtures/f_$1
	rm -rf "$fx"
	mkdir -p "$fx/queue"
	case $2 in
	A) cp "$qa/qf$A" "$qa/df$A" "$fx/queue/" ;;
	B) cp "$qb/qf$B" "$qb/df$B" "$fx/queue/" ;;
	AB) cp "$qa/qf$A" "$qa/df$A" "$qb/qf$B" "$qb/df$B" "$fx/queue/" ;;
	esac
	chmod -R u+w,go-w "$fx"
	echo "$3" >"$fx/name"
	printf '%s\n' "$BASEPREP" >"$fx/prep"
}
prep() { printf '%s\n' "$*" >>"$fx/prep"; }
qf() { echo "$fx/queue/qf$A"; }
# sedqf EXPR - edit job A's qf
sedqf() { sed -i "$1" "$(qf)"; }

# --- pass 0 ---------------------------------------------------------
new path_symlink A "the queue is reached through a symbolic link"
prep 'mv queue real && ln -s real queue'
new path_not_dir A "a component of the queue path is a file"
echo "notadir/queue" >"$fx/queues"
prep ': >notadir'
new path_owner A "a directory above the queue is owned by another user"
echo "up/queue" >"$fx/queues"
touch "$fx/requires-root"
prep 'mkdir up && mv queue up/ && chown 65534 up'
new path_writable A "a directory above the queue is world-writable, not sticky"
echo "up/queue" >"$fx/queues"
prep 'mkdir up && mv queue up/ && chmod 0777 up'
new queue_missing "" "the queue directory does not exist"
echo "nosuch" >"$fx/queues"
rmdir "$fx/queue"
new queue_owner A "the queue directory does not let its owner write"
prep 'chmod 0550 queue'
new queue_mode A "the queue directory is world-readable and searchable"
prep 'chmod 0755 queue'
new not_mounted A "fstab mounts a file system on the queue, and it is not mounted"
printf '/dev/nosuch @SCRATCH@/queue ext4 defaults 0 2\n' >"$fx/fstab.in"
echo "--fstab fstab" >"$fx/args"
new low_space A "free space is below MinFreeBlocks"
echo "-o MinFreeBlocks=9000000000000000" >"$fx/args"
new sendmail_running A "a sendmail is running (a process named sendmail)"
cat >"$fx/args.only" <<'EOF'
-n -c none -g 0 --owner queue-dir -o QueueFileMode=0640 -o TempFileMode=0640 -o DontBlameSendmail=TrustStickyBit -o PidFile=nosuch.pid
EOF
prep 'cp /bin/sleep ./sendmail && (cd queue && exec ../sendmail 300) & echo $! >>.hold_pids'
prep 'i=0; while ! grep -q "^sendmail$" /proc/$(tail -n 1 .hold_pids)/comm 2>/dev/null; do i=$((i+1)); [ $i -lt 100 ] || exit 1; sleep 0.05; done'
new subdir_symlink A "qf/ is a symbolic link to a directory outside the queue"
prep 'mkdir realqf && ln -s ../realqf queue/qf'

# --- pass 1 ---------------------------------------------------------
new foreign_file A "a file sendmail never made"
echo "notes about this queue" >"$fx/queue/README"
new obsolete_file A "a lock file of sendmail 5 (lf)"
: >"$fx/queue/lfAA12345"
new symlink A "a symbolic link named like a control file, pointing out of the queue"
prep 'ln -s /etc/passwd queue/qf6AN5c54B999999'
new not_regular A "a FIFO named like a data file"
prep 'mkfifo queue/df6AN5c54B999998'
new subdir_not_dir A "a regular file named qf, where sendmail looks for a subdirectory"
: >"$fx/queue/qf"
new name_too_long A "a control file name longer than 20 characters"
cp "$(qf)" "$fx/queue/qf${A}12345"
new odd_id A "a control file whose id no sendmail makes"
cp "$(qf)" "$fx/queue/qfhello"
cp "$fx/queue/df$A" "$fx/queue/dfhello"
new file_owner A "a control file owned by another user (Debian's update_sys chowns them)"
touch "$fx/requires-root"
prep "chown 65534 queue/qf$A"
new file_writable A "a group-writable control file (probe P04)"
prep "chmod 0660 queue/qf$A"
new file_mode A "a world-readable data file"
prep "chmod 0644 queue/df$A"
new wrong_place A "a control file beside qf/ instead of in it"
prep 'mkdir queue/qf && chmod 0750 queue/qf'
new hard_link A "a control file with a second name outside the queue"
prep "ln queue/qf$A outside-link"

# --- pass 2: one edit of job A's qf each ----------------------------
new empty A "an empty control file (crash window C4)"
: >"$(qf)"
new no_newline A "a control file with no line break"
printf 'V8' >"$(qf)"
new too_large A "a 1 GiB control file (sparse)"
prep "truncate -s 1G queue/qf$A"
new bad_line A "a line with an unknown code (probe P01)"
sedqf '5a\
Xbogus line'
new version_too_new A "queue file version 99 (probe P02)"
sedqf 's/^V8$/V99/'
new bad_auth A "an A line that is not xtext"
sedqf 's/^A.*/Aa=b/'
new bad_bodytype A "a B line that is not 7BIT or 8BITMIME"
sedqf '5a\
BBOGUSTYPE'
new from_line A "a line starting From "
sedqf '5a\
From someone Mon Nov 23'
new bad_datadir A "a d line naming no queue directory (probe P10)"
sedqf '5a\
d/nonexistent/dir'
new after_terminator A "data after the terminator (probe P03)"
echo "Hinjected: header" >>"$(qf)"
new no_terminator A "a control file without its final '.' line (probe P20)"
sedqf '$d'
new quarantine_hidden A "a q line before P and T: hidden from every queue run"
sedqf '1a\
qheld by hand'
new no_sender A "no S line (probe P15)"
sedqf '/^S/d'
new no_recipients A "no R lines (probe P16)"
sedqf '/^[RrCQ]/d'
new rcpt_no_colon A "an R line without ':' beside a good one"
sedqf 's/^RPFD:bob@\[127.0.0.2\]$/RPFDbob@[127.0.0.2]/'
new rcpt_empty A "an R line with no address"
sedqf '/^RPFD:bob/a\
RPFD:'
new empty_sender A "an S line with no address"
sedqf 's/^S.*/S/'
new duplicate_sender A "two S lines"
sedqf '/^S/a\
Smallory@example.com'
new no_version A "no V line"
sedqf '/^V8$/d'
new bad_version A "version 0"
sedqf 's/^V8$/V0/'
new version_late A "the V line after the R lines"
sedqf '/^V8$/d'
sedqf '/^H?P?/i\
V8'
new no_time A "no T line"
sedqf '/^T/d'
new bad_time A "a T line that is not a number"
sedqf 's/^T.*/Tsoon/'
new quarantine_in_qf A "a q line in a qf, after P and T (probe P14)"
sedqf '/^P/a\
qmanually added reason'
new header_syntax A "a header line without a colon"
sedqf '/^H??Subject/a\
H??NoColonHere'
new header_name_long A "a header field name of 101 bytes"
sedqf '/^H??Subject/a\
H??X-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa: v'
new bad_deliver_by A "a Deliver-By line with a letter for its flag byte"
sedqf '/^A/a\
!R 86400'
new nul_byte A "a NUL byte in the sender"
sedqf 's/^Sfromaddr$/Sfrom@NUL@addr/'
sed -i 's/@NUL@/\x00/' "$(qf)"
new folded_field A "a continuation line after the S line"
sedqf '/^S/a\
 continued'
new duplicate_line A "two T lines"
sedqf '/^T/a\
T1795412286'
new no_priority A "no P line"
sedqf '/^P/d'
new no_lasttry A "no K line"
sedqf '/^K/d'
new no_tries A "no N line"
sedqf '/^N/d'
new bad_number A "a K line that is not a number"
sedqf 's/^K.*/Klater/'
new bad_inode A "an I line that is not major/minor/inode"
sedqf 's/^I.*/Ifoo/'
new bad_macro A "a \$ line without a macro name"
sedqf '/^\$_/a\
$'
new dangling_rcpt_info A "a Q line after the last R line"
sedqf '/^H?P?/i\
Qrfc822;nobody@example.org'
new held_no_reason A "a quarantined control file (hf) without a q line (probe P13)"
mv "$(qf)" "$fx/queue/hf$A"

# --- pass 3 ---------------------------------------------------------
new no_df A "a control file whose data file is gone (crash window R6)"
rm "$fx/queue/df$A"
new orphan_df A "a data file without a control file (crash windows C1, C2)"
rm "$(qf)"
new tf_empty A "an empty tf beside the qf (R1)"
: >"$fx/queue/tf$A"
prep "touch -d @1795413601 queue/tf$A"
new tf_partial A "a partial tf beside the qf (R2)"
head -c 200 "$(qf)" >"$fx/queue/tf$A"
prep "touch -d @1795413601 queue/tf$A"
new tf_stale A "a complete tf older than the qf"
cp "$(qf)" "$fx/queue/tf$A"
prep "touch -d @1795413500 queue/tf$A"
new tf_newer A "a complete tf newer than the qf (R3)"
cp "$(qf)" "$fx/queue/tf$A"
sedqf 's/^N2$/N1/'
prep "touch -d @1795413601 queue/tf$A"
new tf_alone A "a complete tf without a control file"
mv "$(qf)" "$fx/queue/tf$A"
new tf_alone_partial A "a partial tf without a control file, with its df"
head -c 200 "$(qf)" >"$fx/queue/tf$A"
rm "$(qf)"
new set_aside_tf A "a Tf left by sendmail's queueup() retry loop (R8)"
cp "$(qf)" "$fx/queue/Tf$A"
new xf_stale A "a stale transcript beside the job (R7, probe P08)"
echo "a transcript cut short by a crash" >"$fx/queue/xf$A"
new xf_orphan A "a transcript of no job"
echo "a transcript cut short by a crash" >"$fx/queue/xf6AN5c54B999997"
new two_control_files A "a qf and an hf of one job (R5)"
sed 's/^P/qheld\nP/' "$(qf)" >"$fx/queue/hf$A"
prep "touch -d @1795413601 queue/hf$A"
new id_in_two_queues A "one id in two queue directories of a q* queue"
mkdir "$fx/queue/q1" "$fx/queue/q2"
mv "$(qf)" "$fx/queue/df$A" "$fx/queue/q1/"
cp "$fx/queue/q1/qf$A" "$fx/queue/q2/"
: >"$fx/queues"
echo "-o QueueDirectory=queue/q*" >"$fx/args"
printf '%s\n' 'sh "$E2E_TOOLS/bind-ilines.sh" queue/q1' \
    'for f in $(find queue -type f); do touch -d @1795413600 "$f"; done' >"$fx/prep"
new inode_mismatch A "an I line naming another file's inode (probe P18)"
sedqf 's/^I.*/I9\/9\/12345/'
# No binding here: the wrong I line is the point.
echo 'for f in $(find queue -type f); do touch -d @1795413600 "$f"; done' >"$fx/prep"
new time_future A "a T line a week in the future"
sedqf 's/^T.*/T1796017085/'
new expired A "queued ten days ago, past Timeout.queuereturn (5 days)"
sedqf 's/^T.*/T1794548285/'
new lost_job A "a job sendmail lost to Qf (probe P21)"
mv "$(qf)" "$fx/queue/Qf$A"
new df_elsewhere A "the data file in another queue directory, without a d line"
mkdir "$fx/queue/q1" "$fx/queue/q2"
mv "$(qf)" "$fx/queue/q1/"
mv "$fx/queue/df$A" "$fx/queue/q2/"
sed -i '/^I/d' "$fx/queue/q1/qf$A"
: >"$fx/queues"
echo "-o QueueDirectory=queue/q*" >"$fx/args"
new in_use A "a job whose qf another process holds locked, as a running sendmail does"
echo "-v" >"$fx/args"
prep "(exec 9<queue/qf$A; flock -x 9; exec sleep 300) & echo \$! >>.hold_pids"
prep "i=0; while flock -n -s queue/qf$A true; do i=\$((i+1)); [ \$i -lt 200 ] || exit 1; sleep 0.05; done"
new in_flight A "a young job while a sendmail is running"
cat >"$fx/args.only" <<'EOF'
-n -v -c none --owner queue-dir -o QueueFileMode=0640 -o TempFileMode=0640 -o DontBlameSendmail=TrustStickyBit -o PidFile=nosuch.pid
EOF
prep 'for f in $(find queue -type f); do touch -d @1795420790 "$f"; done'
prep 'cp /bin/sleep ./sendmail && (cd queue && exec ../sendmail 300) & echo $! >>.hold_pids'
prep 'i=0; while ! grep -q "^sendmail$" /proc/$(tail -n 1 .hold_pids)/comm 2>/dev/null; do i=$((i+1)); [ $i -lt 100 ] || exit 1; sleep 0.05; done'

# --- pass 4 ---------------------------------------------------------
new lost_found_df A "the job's df in lost+found under its inode number, as e2fsck leaves it"
mkdir -p "$fx/lf"
echo "--lost-found lf" >"$fx/args"
prep "mkdir -p lf && mv queue/df$A \"lf/#\$(stat -c %i queue/df$A)\""
new lost_found_qf A "the job's qf in lost+found; its I line names the df still in the queue"
echo "--lost-found lf" >"$fx/args"
prep "mkdir -p lf && mv queue/qf$A \"lf/#\$(stat -c %i queue/qf$A)\""
new lost_found_qf_by_id B "a new job's qf (no I line) in lost+found; its Received header names the id"
echo "--lost-found lf" >"$fx/args"
prep "mkdir -p lf && mv queue/qf$B \"lf/#\$(stat -c %i queue/qf$B)\""
echo "import-problems.sh: $(ls -d "$root"/fixtures/f_* | wc -l) problem fixtures"
