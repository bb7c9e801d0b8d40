#!/bin/sh
# import-clean.sh - make the c_* fixtures: every healthy queue of the
# shared corpus (00 to 06), as real sendmail 8.17 wrote it, must check
# clean: zero false positives on a healthy queue.
#
# Usage: tests/corpus/import-clean.sh [CORPUS_DIR]   (default ../shared/corpus)
# Then: make fixtures-update, and review the expect files (all clean).
#
# Left out, for size only: 01-queue-only/e-large-5MB (5 MiB),
# 02-smtp-bs/d-large-256K-smtp, and the "big" queues of 05-I-line (150 KiB
# each); their control files are in tests/corpus all the same.  From
# 02-smtp-bs/c-deliverby the job qf6AN5bird012641 is left out: the corpus
# copy of its qf is a hex dump (see tests/corpus/import.sh).
#
# What git cannot keep is redone by each fixture's prep: modes (the harness
# gives Debian's), the hard links of split envelopes, empty directories,
# and the I lines, which name the inode of the df the copy no longer has.
set -eu
src=${1:-../shared/corpus}
root=$(cd "$(dirname "$0")/../.." && pwd)
[ -d "$src/06-subdirs-multiqueue" ] || { echo "import-clean.sh: $src is not the corpus" >&2; exit 1; }

# fixture NAME CASEDIR DESCRIPTION
fixture() {
	fx=$root/fixtures/$1
	rm -rf "$fx"
	mkdir -p "$fx"
	cp -R "$src/$2/queue" "$fx/queue"
	chmod -R u+w,go-w "$fx"
	find "$fx/queue" -type f -exec chmod 0644 {} +
	echo "$3 ($2, as real sendmail 8.17 wrote it): clean" >"$fx/name"
	printf 'sh "$E2E_TOOLS/bind-ilines.sh" queue\n' >"$fx/prep"
}

fixture c_preexisting_system 00-preexisting-system-queue "a job found in a system queue"
for c in a-multi-rcpt b-long-headers c-8bit d-empty-body f-dsn-cmdline \
    g-odd-body h-t-bcc; do
	fixture "c_queue_only_$(echo "$c" | cut -d- -f2- | tr - _)" \
	    "01-queue-only/$c" "queue-only submission: $c"
done
# The MSP queue: submit.cf's QueueFileMode 0660, a group-writable queue.
fixture c_queue_only_msp_submit 01-queue-only/i-msp-submit-cf "an MSP submission into the client queue"
echo "-o QueueFileMode=0660 -o UseMSP=True" >"$root/fixtures/c_queue_only_msp_submit/args"
cat >>"$root/fixtures/c_queue_only_msp_submit/prep" <<'EOF'
chmod 2770 queue
chmod 0660 queue/*
EOF
for c in a-esmtp-params b-two-transactions c-deliverby; do
	fixture "c_smtp_$(echo "$c" | cut -d- -f2- | tr - _)" "02-smtp-bs/$c" "SMTP submission: $c"
done
rm -f "$root/fixtures/c_smtp_deliverby/queue/qf6AN5bird012641" \
    "$root/fixtures/c_smtp_deliverby/queue/df6AN5bird012641"
for c in a-tempfail-and-refused b-odi-immediate-deferred \
    c-delay-warning-dsn d-bounce-dsn; do
	fixture "c_deferred_$(echo "$c" | cut -d- -f2- | tr - _)" "03-deferred/$c" "deferred jobs: $c"
done
for c in a-Q-option b-requarantine c-unquarantine d-quarantined-deferred \
    e-quarantine-ruleset-smtp; do
	fixture "c_quarantine_$(echo "$c" | cut -d- -f2- | tr - _)" "04-quarantine/$c" "quarantined jobs: $c"
done
for c in "$src"/05-I-line/*/; do
	c=$(basename "$c")
	case $c in *-big-*) continue ;; esac
	[ -d "$src/05-I-line/$c/queue" ] || continue
	fixture "c_iline_$(echo "$c" | tr 'A-Z-' 'a-z_')" "05-I-line/$c" "I-line matrix: $c"
done

# qf/ df/ xf/ subdirectories; xf/ is empty.
fixture c_subdirs 06-subdirs-multiqueue/a-qf-df-xf-subdirs "a queue with qf/ df/ xf/ subdirectories"
echo 'mkdir -p queue/xf && chmod 0750 queue/xf' >>"$root/fixtures/c_subdirs/prep"

# QueueDirectory=.../q*: q1 q2 q3, q3 with an empty xf/.
fixture c_multiqueue_qstar 06-subdirs-multiqueue/b-multiqueue-qstar "QueueDirectory=queue/q* with q1, q2, q3"
fx=$root/fixtures/c_multiqueue_qstar
: >"$fx/queues"
echo "-o QueueDirectory=queue/q*" >"$fx/args"
cat >"$fx/prep" <<'EOF'
mkdir -p queue/q3/xf && chmod 0750 queue/q3/xf
for q in queue/q1 queue/q2 queue/q3 queue/q3/qf; do
	[ -d "$q" ] && sh "$E2E_TOOLS/bind-ilines.sh" "$q" queue/q3
done
EOF

# Queue groups: the df of the groupb job is a link in the base directory
# (its d line says "."), the groupa job's df a link in groupa; all three
# names are one inode.
fixture c_queue_groups 06-subdirs-multiqueue/c-queue-groups "queue groups, one job split over three, a d line"
fx=$root/fixtures/c_queue_groups
: >"$fx/queues"
echo "-c sendmail.cf" >"$fx/args"
cat >"$fx/sendmail.cf" <<'EOF'
# The queue options of Debian's sendmail.cf, and the two groups of
# corpus case 06-subdirs-multiqueue/c-queue-groups.
O QueueDirectory=@SCRATCH@/queue
O QueueFileMode=0640
O TempFileMode=0640
O DontBlameSendmail=TrustStickyBit
Qgroupa, Path=@SCRATCH@/queue/groupa, Runners=1
Qgroupb, Path=@SCRATCH@/queue/groupb, Runners=1
EOF
cat >"$fx/prep" <<'EOF'
ln -f queue/df6AN5ex11016717 queue/df6AN5ex13016717
ln -f queue/df6AN5ex11016717 queue/groupa/df6AN5ex12016717
sh "$E2E_TOOLS/bind-ilines.sh" queue queue
sh "$E2E_TOOLS/bind-ilines.sh" queue/groupa queue
sh "$E2E_TOOLS/bind-ilines.sh" queue/groupb queue
EOF

# An envelope split with r=2: three jobs, one df inode (nlink 3).
fixture c_split_max_recipients 06-subdirs-multiqueue/d-split-max-recipients "an envelope split in three sharing one df"
cat >>"$root/fixtures/c_split_max_recipients/prep" <<'EOF'
ln -f queue/df6AN5exec016782 queue/df6AN5exed016782
ln -f queue/df6AN5exec016782 queue/df6AN5exee016782
EOF
echo "import-clean.sh: done"
