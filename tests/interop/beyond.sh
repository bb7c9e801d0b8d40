# beyond.sh - tests/interop, sourced by run.sh: damage beyond crashes,
# each made to real sendmail's queues and run on several seeds (rounds):
# a file-system crash that fills lost+found (an ext4 image, debugfs,
# e2fsck), bodies swapped between jobs, hand-edited control files, split
# envelopes with wrong owners and modes, restores with the wrong owners
# (and inode numbers reused), untrusted files, and the healthy layouts
# (Debian's q* base owned by smmta, a q* queue that is a symbolic link).
# Each ends with real sendmail running the queue dry: every acknowledged
# message delivered byte-exact, or (where the test says so) in mqfsck's
# archive; none delivered with another message's body; no SYSERR; no df
# gone from the queue that is in no archive (run.sh settle(), repair()).
# shellcheck shell=sh disable=SC2015,SC2016,SC2030,SC2031,SC2154
# (the globals are run.sh's; see its header for the rest)

# ---------------------------------------------------------------------
# helpers

# mkfs_loop DIR: an ext4 file system in DIR/fs.img, on a loop device,
# mounted on DIR/fs (LOOP is the device); 1 (the test is skipped, saying
# why) when this machine cannot
mkfs_loop() {
	for bz_c in losetup mkfs.ext4 debugfs e2fsck mount umount; do
		command -v "$bz_c" >/dev/null 2>&1 || {
			skipped "no $bz_c (util-linux, e2fsprogs)"
			return 1
		}
	done
	mkdir -p "$1/fs"
	truncate -s 64M "$1/fs.img"
	mkfs.ext4 -q -F "$1/fs.img" >"$1/log/mkfs.out" 2>&1 || {
		skipped "mkfs.ext4 failed: $(tail -n 1 "$1/log/mkfs.out")"
		return 1
	}
	LOOP=$(losetup --find --show "$1/fs.img" 2>"$1/log/losetup.out") || {
		skipped "no loop device ($(head -n 1 "$1/log/losetup.out")): the lost+found test needs one"
		return 1
	}
	echo "$LOOP $1/fs" >>"$W/mounts"
	mount "$LOOP" "$1/fs" 2>"$1/log/mount.out" || {
		skipped "cannot mount $LOOP ($(head -n 1 "$1/log/mount.out"))"
		return 1
	}
	chmod 755 "$1/fs"
}

# id_of_msg N: the queue id of message N (by its X-Trial-Id), "" if none
id_of_msg() {
	bz_mk=$(awk -v n="$1" '$1 == n { print $2 }' "$T/msgs")
	bz_f=$(qfiles '[qh]f*' | xargs -r grep -l "^H??X-Trial-Id: $bz_mk\$" | head -n 1)
	bz_f=${bz_f##*/}
	echo "${bz_f#??}"
}

# at_of ID LETTER: the path of the job's file of that letter
at_of() {
	qfiles "$2f$1" | head -n 1
}

# deferred_jobs N: N messages to flaky (whose first attempt fails) and
# maybe a sink, then a queue run: jobs with I, K, N and M lines, that a
# later run delivers
deferred_jobs() {
	script "$T/s1.sh"
	for bz_i in $(seq 1 "$1"); do
		bodysize
		hdrsize
		mkmsg "$bz_i" "$BS" "$HS" flaky
		rnd 2
		if [ "$RV" -eq 0 ]; then
			submit "$bz_i" -odq flaky
		else
			submit "$bz_i" -odq flaky sink
		fi
	done
	emit '$SM -qf -v; echo "-qf: exit $?"'
	step submit "$T/s1.sh" || why "the submission step failed"
	collect_acks
	[ "$(wc -l <"$T/acked")" -eq "$1" ] ||
	    why "only $(wc -l <"$T/acked") of $1 submissions acknowledged"
	[ -n "$(qfiles 'qf*' | xargs -r grep -l '^I[0-9]')" ] ||
	    why "setup: no qf with an I line after the queue run"
}

# settle_allowing FILE: the queue runs after a repair; messages listed in
# FILE (numbers) may end in the archive only, all others must be delivered
settle_allowing() {
	settle "$T/settle.why" 4 120
	cat "$T/settle.why" >>"$T/why"
	delivered_but "$1"
}

# delivered_but FILE: every message accepted was delivered, but those
# listed in FILE (numbers; /dev/null: none)
delivered_but() {
	while read -r bz_n; do
		grep -qx "$bz_n" "$1" && continue
		bz_line=$(awk -v n="$bz_n" '$1 == n { print $2, $3, $4 }' "$T/msgs")
		grep -qxF "$bz_line" "$T/delivered" ||
		    why "message $bz_n (${bz_line%% *}) not delivered"
	done <"$T/acked"
}

# ---------------------------------------------------------------------
# lost+found after a file-system crash

# t_lost_found_fs NAME: the directory entries of jobs' files destroyed on
# an ext4 file system (debugfs unlink: the inodes stay, unattached), then
# e2fsck -y, which reconnects them as lost+found/#<inode>: whole jobs,
# control files alone (their df in the queue), data files alone; mqfsck
# -p, without --lost-found, finds the file system's own lost+found,
# pairs the files and puts them back; real sendmail then delivers every
# message.  One job (when the round draws it) is beyond evidence: a
# control file without an I line whose df was lost too.  It must be left
# there, reported, its body intact in lost+found.
t_lost_found_fs() {
	TAG=lf$2
	seed_rng "$SEED-$TNAME"
	newtest "$W/t/$TNAME" fs || {
		verdict "$TNAME"
		return 0
	}
	rnd 3
	bz_n=$((RV + 3))
	deferred_jobs "$bz_n"
	# A fresh job too: no I line yet (sendmail writes one after a run).
	script "$T/s2.sh"
	mkmsg $((bz_n + 1)) 3000 0 sink
	submit $((bz_n + 1)) -odq sink
	step fresh "$T/s2.sh" || why "the fresh submission failed"
	collect_acks
	: >"$T/lost.plan"
	: >"$T/allowed"
	for bz_i in $(seq 1 $((bz_n + 1))); do
		bz_id=$(id_of_msg "$bz_i")
		[ -n "$bz_id" ] || continue
		if [ "$bz_i" -le "$bz_n" ]; then
			rnd 4
			case $RV in
			0) bz_what="qf df" ;;
			1) bz_what=qf ;;
			2) bz_what=df ;;
			*) bz_what= ;;
			esac
		else
			rnd 2
			# Without an I line: by id when its df stays; beyond
			# evidence when both are lost.
			if [ "$RV" -eq 0 ]; then bz_what=qf; else bz_what="qf df"; fi
			[ "$bz_what" = qf ] || echo "$bz_i" >>"$T/allowed"
		fi
		for bz_l in $bz_what; do
			echo "$bz_i $bz_id $bz_l $(stat -c %i "$(at_of "$bz_id" "${bz_l%f}")")" >>"$T/lost.plan"
		done
	done
	[ -s "$T/lost.plan" ] || echo "1 $(id_of_msg 1) qf $(stat -c %i "$(at_of "$(id_of_msg 1)" q)")" >"$T/lost.plan"
	# The crash: the entries go, the inodes stay; e2fsck reconnects them.
	umount "$T/fs" || why "cannot unmount the test file system"
	while read -r bz_i bz_id bz_l bz_ino; do
		debugfs -w -R "unlink /q/$bz_l$bz_id" "$LOOP" >>"$T/log/debugfs.out" 2>&1 ||
		    why "debugfs could not unlink $bz_l$bz_id"
	done <"$T/lost.plan"
	bz_st=0
	e2fsck -fy "$LOOP" >"$T/log/e2fsck.out" 2>&1 || bz_st=$?
	[ "$bz_st" -le 1 ] || why "e2fsck -fy exit status $bz_st: $(tail -n 2 "$T/log/e2fsck.out")"
	mount "$LOOP" "$T/fs" || why "cannot mount the test file system again"
	while read -r bz_i bz_id bz_l bz_ino; do
		[ -f "$T/fs/lost+found/#$bz_ino" ] ||
		    why "setup: e2fsck did not put $bz_l$bz_id in lost+found as #$bz_ino"
	done <"$T/lost.plan"
	mq_check "$T/log/check.json"
	grep -q '"name":"lost-found' "$T/log/check.json" ||
	    why "mqfsck -n reported nothing of lost+found"
	if [ -s "$T/allowed" ]; then
		# The job beyond evidence: -p leaves it, says so, exits 4.
		df_sums >"$T/df.before"
		mq_repair "$T/log/repair.json"
		nothing_lost "$T/df.before"
		[ "$MQST" -eq 4 ] || why "mqfsck -p exit status $MQST, expected 4 (a job left for a human)"
		cp "$T/allowed" "$T/aside"
		bz_id=$(awk -v n="$(cat "$T/allowed")" '$1 == n { print $2; exit }' "$T/lost.plan")
		reported "$T/log/repair.json" lost-found-qf-alone "$bz_id" ||
		    why "mqfsck -p did not say what a human must decide about $bz_id"
		fixes "$T/log/repair.json" | awk '$4 == "not-fixed"' | head -n 3 |
		    sed 's/^/mqfsck -p did not fix: /' >>"$T/why" || :
		while read -r bz_i bz_id bz_l bz_ino; do
			grep -qx "$bz_i" "$T/allowed" || continue
			[ -f "$T/fs/lost+found/#$bz_ino" ] ||
			    why "mqfsck -p moved #$bz_ino ($bz_l$bz_id), which it cannot pair"
		done <"$T/lost.plan"
		REPAIRJSON=$T/log/repair.json
	elif repair; then
		:
	fi
	if [ "$HAVE_P" = yes ]; then
		while read -r bz_i bz_id bz_l bz_ino; do
			grep -qx "$bz_i" "$T/allowed" && continue
			[ "$(stat -c %i "$(at_of "$bz_id" "${bz_l%f}")" 2>/dev/null)" = "$bz_ino" ] ||
			    why "$bz_l$bz_id (#$bz_ino) is not back in the queue"
		done <"$T/lost.plan"
		settle_allowing "$T/allowed"
		# What was left for a human is still whole in lost+found.
		while read -r bz_n; do
			bz_line=$(awk -v n="$bz_n" '$1 == n { print $2, $3, $4 }' "$T/msgs")
			body_index_df "$T"/fs/lost+found/'#'* | grep -qxF "$bz_line" ||
			    why "message $bz_n is neither delivered nor whole in lost+found"
		done <"$T/allowed"
	fi
	umount "$T/fs" 2>/dev/null || :
	verdict "$TNAME" "$(wc -l <"$T/lost.plan") files lost, $(wc -l <"$T/allowed") left for a human"
}

# ---------------------------------------------------------------------
# swapped bodies

# t_swapped NAME: the dfs of two or three deferred jobs moved round a
# cycle (a restore that mixed up names, a careless mv): mqfsck must give
# each body back to its job, and sendmail deliver each to its own
# recipients
t_swapped() {
	TAG=sw$2
	seed_rng "$SEED-$TNAME"
	rnd 2
	if [ "$RV" -eq 0 ]; then bz_v=plain; else bz_v=subdirs; fi
	newtest "$W/t/$TNAME" "$bz_v"
	rnd 3
	deferred_jobs $((RV + 3))
	rnd 2
	bz_k=$((RV + 2))
	bz_ids=$(qfiles 'qf*' | sed 's,.*/qf,,' | sort | head -n "$bz_k")
	set -- $bz_ids
	[ $# -ge 2 ] || why "setup: fewer than two jobs to swap"
	# df(1) <- df(2) <- ... <- df(k) <- df(1)
	bz_d1=$(at_of "$1" d)
	mv "$bz_d1" "$bz_d1.x"
	bz_prev=$bz_d1
	shift
	for bz_id in "$@"; do
		bz_d=$(at_of "$bz_id" d)
		mv "$bz_d" "$bz_prev"
		bz_prev=$bz_d
	done
	mv "$bz_d1.x" "$bz_prev"
	mq_check "$T/log/check.json"
	for bz_id in $bz_ids; do
		reported "$T/log/check.json" df-swapped "$bz_id" ||
		    why "mqfsck -n did not report df-swapped for $bz_id"
	done
	if repair; then
		settle_test strict
	fi
	verdict "$TNAME" "$bz_v, $bz_k bodies in a cycle"
}

# ---------------------------------------------------------------------
# hand edits

# t_hand_edits NAME: control files edited in place by hand, one edit a
# job: CR LF line ends, a blank line, an unknown line, a T or K that is
# not a number, no T line, the S line deleted.  sendmail's reading rules
# allow all but the last: those jobs are rewritten and delivered; the one
# without a sender is made inert, archived whole
t_hand_edits() {
	TAG=he$2
	seed_rng "$SEED-$TNAME"
	newtest "$W/t/$TNAME" plain
	rnd 3
	bz_n=$((RV + 4))
	deferred_jobs "$bz_n"
	: >"$T/allowed"
	bz_edits=
	for bz_i in $(seq 1 "$bz_n"); do
		bz_id=$(id_of_msg "$bz_i")
		bz_f=$(at_of "$bz_id" q)
		rnd 7
		case $RV in
		0) bz_e=crlf; sed -i 's/$/\r/' "$bz_f" ;;
		1) bz_e=blank; sed -i '3a\\' "$bz_f" ;;
		2) bz_e=unknown; sed -i '2a Xcharset=iso-8859-1' "$bz_f" ;;
		3) bz_e=bad-T; sed -i 's/^T\([0-9]*\)$/T\1x/' "$bz_f" ;;
		4) bz_e=bad-K; sed -i 's/^K.*/Kyesterday/' "$bz_f" ;;
		5) bz_e=no-T; sed -i '/^T[0-9]*$/d' "$bz_f" ;;
		*) bz_e=no-S; sed -i '/^S/d' "$bz_f"; echo "$bz_i" >>"$T/allowed" ;;
		esac
		bz_edits="$bz_edits $bz_e"
		echo "$bz_id $bz_e" >>"$T/edits"
	done
	mq_check "$T/log/check.json"
	while read -r bz_id bz_e; do
		case $bz_e in
		blank | unknown) bz_p=bad-line ;;
		bad-T) bz_p=bad-time ;;
		no-T) bz_p=no-time ;;
		no-S) bz_p=no-sender ;;
		*) continue ;;
		esac
		reported "$T/log/check.json" "$bz_p" "$bz_id" ||
		    why "mqfsck -n did not report $bz_p for $bz_id ($bz_e)"
	done <"$T/edits"
	if repair; then
		while read -r bz_id bz_e; do
			bz_f=$(at_of "$bz_id" q)
			[ "$bz_e" != no-S ] || { bz_f=$(at_of "$bz_id" Q);
			    [ -n "$bz_f" ] || why "the job without a sender ($bz_id) is not inert"; continue; }
			[ -n "$bz_f" ] || why "$bz_id ($bz_e) is no longer a qf"
		done <"$T/edits"
		settle_allowing "$T/allowed"
		# The job without a sender is archived whole: its body too.
		while read -r bz_n; do
			bz_line=$(awk -v n="$bz_n" '$1 == n { print $2, $3, $4 }' "$T/msgs")
			grep -qxF "$bz_line" "$T/archived" ||
			    why "message $bz_n (no sender) is not whole in the archive"
		done <"$T/allowed"
	fi
	verdict "$TNAME" "edits:$bz_edits"
}

# ---------------------------------------------------------------------
# a lost job given back: the advice mqfsck prints, followed

# t_release NAME: a hand edit drops a job's S line; mqfsck -p makes it
# inert (Qf) and says to add an S line and run mqfsck -y --release ID.
# Doing just that, real sendmail delivers every message, that one too,
# byte for byte; and --release of a job still without a sender is
# refused, leaving its Qf.
t_release() {
	TAG=rl$2
	seed_rng "$SEED-$TNAME"
	newtest "$W/t/$TNAME" plain
	deferred_jobs 3
	bz_id=$(id_of_msg 1)
	bz_f=$(at_of "$bz_id" q)
	bz_s=$(grep '^S' "$bz_f" | head -n 1)
	bz_ln=$(grep -n '^S' "$bz_f" | head -n 1 | cut -d: -f1)
	sed -i '/^S/d' "$bz_f"
	mq_check "$T/log/check.json"
	if repair; then
		bz_q=$(at_of "$bz_id" Q)
		[ -n "$bz_q" ] || why "the job without a sender ($bz_id) was not made inert"
		grep -q "mqfsck -y --release $bz_id checks it" "$T/log/repair.json" ||
		    why "the repair did not say to release $bz_id with mqfsck -y --release"
		# Not fixed yet: refused, left as it is.
		MQST=0
		"$MQBIN" -y --no-syslog -a "$T/archive" --json --assume-stopped \
		    -c "$CF" --release "$bz_id" >"$T/log/early.json" 2>&1 || MQST=$?
		grep -q '"name":"request-refused"' "$T/log/early.json" ||
		    why "--release of a Qf without a sender was not refused"
		[ -n "$(at_of "$bz_id" Q)" ] || why "a refused --release moved the Qf"
		# The admin's fix, then the release.
		[ -z "$bz_q" ] || awk -v n="$bz_ln" -v s="$bz_s" \
		    'NR == n { print s } { print }' "$bz_q" >"$T/qf.fixed" &&
		    cat "$T/qf.fixed" >"$bz_q"
		MQST=0
		"$MQBIN" -y --no-syslog -a "$T/archive" --json --assume-stopped \
		    -c "$CF" --release "$bz_id" >"$T/log/release.json" 2>&1 || MQST=$?
		[ "$MQST" -eq 1 ] ||
		    why "mqfsck -y --release exit status $MQST, want 1: $(grep -o '"message":"[^"]*' "$T/log/release.json" | head -n 2 | tr '\n' ' ')"
		[ -n "$(at_of "$bz_id" q)" ] && [ -z "$(at_of "$bz_id" Q)" ] ||
		    why "--release left no qf$bz_id, or a Qf"
		: >"$T/allowed"
		settle_allowing "$T/allowed"
	fi
	verdict "$TNAME"
}

# t_header_syntax NAME: a header line without a colon in a job's qf:
# mqfsck reports the notice and -p exits 0 (sendmail handles it: the
# harm is none, issue 12), and real sendmail does what the notice says:
# it logs "header syntax error", drops the line, and delivers the job
t_header_syntax() {
	TAG=hs$2
	seed_rng "$SEED-$TNAME"
	newtest "$W/t/$TNAME" plain
	deferred_jobs 2
	bz_id=$(id_of_msg 1)
	bz_f=$(at_of "$bz_id" q)
	awk '{ print } /^H\?\?X-Trial-Id:/ && !d { print "H??NoColonHere"; d = 1 }' \
	    "$bz_f" >"$T/qf.edit" && cat "$T/qf.edit" >"$bz_f"
	grep -q '^H??NoColonHere$' "$bz_f" || why "setup: no header line was added"
	mq_check "$T/log/check.json"
	reported "$T/log/check.json" header-syntax "$bz_id" ||
	    why "mqfsck -n did not report header-syntax for $bz_id"
	[ "$MQST" -eq 0 ] || why "mqfsck -n exit status $MQST, want 0 (a notice)"
	df_sums >"$T/df.before"
	mq_repair "$T/log/repair.json"
	nothing_lost "$T/df.before"
	[ "$MQST" -eq 0 ] ||
	    why "mqfsck -p exit status $MQST, want 0: a header sendmail drops must not hold the MTA"
	settle "$T/settle.why" 4 120
	grep -v 'header syntax error' "$T/settle.why" >>"$T/why" || :
	grep -qs 'header syntax error' "$T"/log/drain*.syslog ||
	    why "sendmail did not log \"header syntax error\", which the notice says it does"
	delivered_but /dev/null
	verdict "$TNAME"
}

# ---------------------------------------------------------------------
# split envelopes

# t_split_owners NAME: envelopes split by a queue group limit (r=2): the
# jobs share one df through hard links; a restore-like accident gives
# the shared body another group and others' read, and a sibling's qf to
# smmta (TrustedUser, as Debian's update_sys does): all repaired, every
# message delivered
t_split_owners() {
	TAG=sp$2
	seed_rng "$SEED-$TNAME"
	newtest "$W/t/$TNAME" split
	script "$T/s1.sh"
	for bz_i in 1 2; do
		bodysize
		mkmsg "$bz_i" "$BS" 0 sink
		submit "$bz_i" -odq sink sink2 sink3 sink4 sink5
	done
	step submit "$T/s1.sh" || why "the submission step failed"
	collect_acks
	bz_shared=$(find "$QROOT" -type f -name 'df*' -links +1 | head -n 1)
	[ -n "$bz_shared" ] || why "setup: sendmail did not split (no shared df)"
	if [ -n "$bz_shared" ]; then
		rnd 3
		case $RV in
		0) chgrp root "$bz_shared"; chmod 0644 "$bz_shared" ;;
		1) chown smmta:root "$bz_shared" ;;
		*) chmod 0664 "$bz_shared"; chgrp root "$bz_shared" ;;
		esac
		bz_q=$(qfiles 'qf*' | head -n 1)
		chown smmta "$bz_q"
	fi
	mq_check "$T/log/check.json"
	problems "$T/log/check.json" | grep -q '^problem file-' ||
	    why "mqfsck -n reported nothing of the owners and modes"
	bz_links=$(find "$QROOT" -type f -name 'df*' -links +1 | wc -l)
	if repair; then
		for bz_f in $(qfiles); do
			bz_m=$(stat -c '%U:%G %a' "$bz_f")
			[ "$bz_m" = "root:smmsp 640" ] || why "after -p ${bz_f#"$QROOT"/} is $bz_m"
		done
		settle_test strict
	fi
	verdict "$TNAME" "$bz_links linked names"
}

# ---------------------------------------------------------------------
# restores

# restore_queue HOW ORDER: the queue copied out and back the way a
# restore does it: the directory made afresh with mkdir (root:root 0755,
# no setgid), the files put back in name order (ORDER "sort": the data
# files first, as sendmail makes them) or reversed ("sort -r"), with new
# inodes, often on the numbers the old ones had, in another order, by
#   cp      cp without -p: root:root 0644, new times
#   tar     cp -p, then chown -R smmta:smmsp (Debian's update_sys)
#   user    cp -p, then chown -R nobody (restored as another user)
restore_queue() {
	rm -rf "$T/backup"
	cp -a "$QROOT" "$T/backup"
	rm -rf "$QROOT"
	mkdir "$QROOT"
	chmod 0755 "$QROOT"
	for bz_f in $(cd "$T/backup" && ls | $2); do
		case $1 in
		cp) cp "$T/backup/$bz_f" "$QROOT/$bz_f" ;;
		*) cp -p "$T/backup/$bz_f" "$QROOT/$bz_f" ;;
		esac
	done
	case $1 in
	tar) chown -R smmta:smmsp "$QROOT" ;;
	user) chown -R nobody "$QROOT" ;;
	esac
}

# t_restore NAME: deferred jobs (their program recipients expanded, so
# an unsafe qf would bounce them) restored the wrong way: mqfsck -p must
# give the directory Debian's layout back (smmta:smmsp 2750) and the
# files root:smmsp 0640, rewrite no I line to another job's body, and
# sendmail deliver everything.  Restored as another user, the files are
# not trusted: -p quarantines the jobs (archived), and an administrator's
# -y --adopt-owner delivers them.
t_restore() {
	TAG=rs$2
	seed_rng "$SEED-$TNAME"
	newtest "$W/t/$TNAME" plain
	rnd 3
	deferred_jobs $((RV + 3))
	rnd 4
	case $RV in
	0) bz_how=cp ;;
	1) bz_how=tar ;;
	2) bz_how=user ;;
	*) bz_how=user-adopt ;;
	esac
	rnd 2
	bz_order="sort -r"
	[ "$RV" -eq 0 ] || bz_order=sort
	restore_queue "${bz_how%-adopt}" "$bz_order"
	mq_check "$T/log/check.json"
	problems "$T/log/check.json" | grep -q '^problem queue-' ||
	    why "mqfsck -n did not report the queue directory's owner or mode"
	case $bz_how in
	user)
		# The queue directory came back as nobody's too: it is that
		# user's, not the queue's (issue 10: never adopted), so -p
		# repairs nothing in it, says why, and exits 8; nothing of
		# another user's is made trusted, no byte leaves.
		df_sums >"$T/df.before"
		mq_repair "$T/log/repair.json"
		nothing_lost "$T/df.before"
		[ $((MQST & 8)) -ne 0 ] ||
		    why "mqfsck -p exit status $MQST, want 8 (a queue directory of nobody's is not repaired)"
		grep -q '"type":"error".*not repaired: it belongs to someone sendmail does not trust' \
		    "$T/log/repair.json" ||
		    why "mqfsck -p did not say why it repaired nothing"
		for bz_f in $(qfiles); do
			[ "$(stat -c %u "$bz_f")" != 0 ] ||
			    why "${bz_f##*/} was made root's"
		done
		;;
	user-adopt)
		# The administrator's word: -y --adopt-owner nobody.
		df_sums >"$T/df.before"
		MQST=0
		"$MQBIN" -y --no-syslog -a "$T/archive" --json --assume-stopped \
		    -c "$CF" --adopt-owner nobody >"$T/log/repair.json" \
		    2>"$T/log/repair.json.err" || MQST=$?
		nothing_lost "$T/df.before"
		[ "$MQST" -le 1 ] || why "mqfsck -y --adopt-owner exit status $MQST"
		mq_check "$T/log/recheck.json"
		[ "$MQST" -eq 0 ] || why "mqfsck -n after the adoption: exit status $MQST"
		REPAIRJSON=$T/log/repair.json
		settle_test strict
		;;
	*)
		if repair; then
			bz_m=$(stat -c '%U:%G %a' "$QROOT")
			[ "$bz_m" = "smmta:smmsp 2750" ] || why "after -p the queue directory is $bz_m"
			settle_test strict
		fi
		;;
	esac
	verdict "$TNAME" "restored by $bz_how, $bz_order"
}

# ---------------------------------------------------------------------
# files planted by a local user

# plant_ctl SRC DST PROG: DST a copy of control file SRC whose recipients
# are replaced by the program PROG (which leaves a mark in saved/) and
# whose controlling user is root, owned by nobody, 0600, a minute newer
# than SRC: what a local user who can write into the queue leaves
plant_ctl() {
	sed -e '/^[rR]/d' -e '/^C/d' -e "/^S/a\\
Croot:0:0:root\\
rRFC822; owned\\
RPFD:\"|/usr/bin/touch $T/saved/$3\"" "$1" >"$2"
	chown nobody:nogroup "$2"
	chmod 0600 "$2"
	touch -d "@$(($(stat -c %Y "$1") + 60))" "$2"
}

# t_hostile NAME: real deferred jobs, and beside them what a local user
# (nobody) plants, as issue 10 saw it: a forged qf+df of a new id with a
# program recipient and a C line naming root; a tf newer than one real
# job's qf, its recipients replaced by a program; a newer Qf beside
# another real job's qf; and, in odd rounds, a real job's qf made
# writable by everyone.  mqfsck -p must make nothing of nobody's
# root's, promote no tf, keep every real qf as it was, and quarantine
# the qf anyone could have rewritten (archived).  Real sendmail then
# delivers every other message and runs no planted program.
t_hostile() {
	TAG=ho$2
	bz_round=$2
	seed_rng "$SEED-$TNAME"
	newtest "$W/t/$TNAME" plain
	deferred_jobs 3
	bz_ids=$(qfiles 'qf*' | sed 's,.*/qf,,' | sort | tr '\n' ' ')
	# shellcheck disable=SC2086 # ids have no blanks
	set -- $bz_ids
	if [ $# -lt 3 ]; then
		why "setup: $# jobs in the queue, want 3"
		verdict "$TNAME" ""
		return
	fi
	bz_a=$1 bz_b=$2 bz_c=$3
	bz_qa=$(at_of "$bz_a" q) bz_qb=$(at_of "$bz_b" q)
	bz_dir=${bz_qa%/*}
	bz_new=${bz_a%??????}999999
	plant_ctl "$bz_qa" "$bz_dir/qf$bz_new" pwned.forged
	printf 'forged body\n' >"$bz_dir/df$bz_new"
	chown nobody:nogroup "$bz_dir/df$bz_new"
	plant_ctl "$bz_qa" "$bz_dir/tf$bz_a" pwned.tf
	plant_ctl "$bz_qb" "$bz_dir/Qf$bz_b" pwned.Qf
	sha256sum "$bz_qa" "$bz_qb" >"$T/real.sha"
	: >"$T/archived.ok"
	bz_open=no
	if [ $((bz_round % 2)) -eq 1 ]; then
		bz_open=yes
		chmod 0666 "$(at_of "$bz_c" q)"
		for bz_n in $(cat "$T/acked"); do
			[ "$(id_of_msg "$bz_n")" != "$bz_c" ] || echo "$bz_n" >>"$T/archived.ok"
		done
	fi
	mq_check "$T/log/check.json"
	for bz_name in untrusted-control untrusted-temp two-control-files; do
		problems "$T/log/check.json" | grep -q "^problem $bz_name " ||
		    why "mqfsck -n did not report $bz_name"
	done
	df_sums >"$T/df.before"
	mq_repair "$T/log/repair.json"
	nothing_lost "$T/df.before"
	[ "$MQST" -le 1 ] ||
	    why "mqfsck -p exit status $MQST: $(grep -o '"why":"[^"]*' "$T/log/repair.json" | head -n 2 | tr '\n' ' ')"
	sha256sum -c --quiet "$T/real.sha" >/dev/null 2>&1 ||
	    why "a real job's qf changed: $(sha256sum -c "$T/real.sha" 2>&1 | grep -v ': OK' | head -n 2 | tr '\n' ' ')"
	for bz_f in $(qfiles "?f$bz_new") $(qfiles "[tQ]f$bz_a") $(qfiles "[tQ]f$bz_b"); do
		case ${bz_f##*/} in
		Qf"$bz_new" | df"$bz_new") ;;
		*) why "a planted file is still live: ${bz_f##*/}" ;;
		esac
		[ "$(stat -c %U "$bz_f")" = nobody ] ||
		    why "a planted file was made $(stat -c %U "$bz_f")'s: ${bz_f##*/}"
	done
	REPAIRJSON=$T/log/repair.json
	settle_allowing "$T/archived.ok"
	for bz_f in "$T"/saved/pwned.*; do
		[ ! -e "$bz_f" ] || why "sendmail ran a planted program: ${bz_f##*/}"
	done
	verdict "$TNAME" "a qf open to all: $bz_open"
}

# ---------------------------------------------------------------------
# healthy layouts

# t_layout NAME: Debian's multi-queue layout (a q* base owned by smmta,
# 2750) with one queue a root-owned symbolic link: clean, every queue
# checked
t_layout() {
	TAG=hl
	seed_rng "$SEED-$TNAME"
	newtest "$W/t/$TNAME" layout
	script "$T/s1.sh"
	for i in 1 2 3 4 5 6 7 8 9; do
		mkmsg $i $((i * 700)) 0 tempfail
		submit $i -odq tempfail sink
	done
	emit '$SM -qf -v; echo "-qf: exit $?"'
	step submit "$T/s1.sh" || why "the submission step failed"
	# sendmail picks each job's queue directory at random, weighted by
	# free space (queue.c pickqdir()): nine jobs miss q3 one time in
	# forty.  Submit nine more until one goes through the link (five
	# rounds: one time in a hundred million none does).
	bz_round=1
	while [ -z "$(find "$T/q3real" -name 'qf*')" ] && [ $bz_round -le 5 ]; do
		script "$T/s1-$bz_round.sh"
		for i in 1 2 3 4 5 6 7 8 9; do
			mkmsg $((bz_round * 10 + i)) $((i * 700)) 0 tempfail
			submit $((bz_round * 10 + i)) -odq tempfail sink
		done
		step "submit-$bz_round" "$T/s1-$bz_round.sh" ||
		    why "submission round $bz_round failed"
		bz_round=$((bz_round + 1))
	done
	expect_clean
	[ -n "$(find "$T/q3real" -name 'qf*')" ] ||
	    why "setup: sendmail put no job in the linked queue q3"
	bz_n=$(awk '/"type":"summary"/' "$T/log/check.json" | sed 's/.*"jobs":\([0-9]*\).*/\1/')
	[ "$bz_n" = "$(qfiles 'qf*' | wc -l)" ] ||
	    why "mqfsck counted $bz_n jobs, the queues hold $(qfiles 'qf*' | wc -l)"
	verdict "$TNAME" "$(qfiles 'qf*' | wc -l) jobs, $(find "$T/q3real" -name 'qf*' | wc -l) through the link"
}
