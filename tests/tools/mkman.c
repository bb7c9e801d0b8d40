/*
 * mkman.c - print the PROBLEMS section of mqfsck(8) in mdoc from the
 * problem table itself (model/problems.def, and format/qf.c for the
 * control-file defects), so that the manual cannot drift from the code.
 * `make man` puts its output between the markers in man/mqfsck.8; the
 * tests fail when the page differs from what this prints.
 */
#include <stdio.h>
#include <string.h>

#include "fsck.h"
#include "problem.h"
#include "qf.h"

/* put_text - s as mdoc running text: backslashes escaped */
static void
put_text(const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\')
			(void)fputs("\\e", stdout);
		else
			(void)putchar(*s);
	}
}

/* put_template - a message template, its %-fields as placeholders */
static void
put_template(const char *t)
{
	static const struct {
		char c;
		const char *word;
	} fields[] = {
		{ 'f', "file" }, { 'i', "id" }, { 'l', "line" }, { 'n', "n" },
		{ 'N', "n" }, { 'o', "mode" }, { 'O', "mode" },
		{ 't', "duration" }, { 's', "detail" }, { 'S', "detail" },
		{ 'u', "owner" }, { 'U', "owner" }, { 'a', "advice" },
	};
	char text[1024];
	size_t o = 0, k;

	for (; *t != '\0' && o + 40 < sizeof(text); t++) {
		if (*t != '%') {
			text[o++] = *t;
			continue;
		}
		t++;
		for (k = 0; k < sizeof(fields) / sizeof(fields[0]); k++)
			if (fields[k].c == *t)
				break;
		o += (size_t)snprintf(text + o, sizeof(text) - o, "<%s>",
		    k < sizeof(fields) / sizeof(fields[0]) ? fields[k].word : "?");
	}
	text[o] = '\0';
	put_text(text);
}

/* fix_text - what the fix does, in words */
static const char *
fix_text(enum fix_kind fix)
{
	switch (fix) {
	case FIX_NONE:
		return NULL;
	case FIX_ARCHIVE_REMOVE:
		return "archive the files, then remove them";
	case FIX_MAKE_INERT:
		return "archive every file of the job, then rename the control file to Qf, as sendmail's loseqfile() does, so that no queue run takes the job; the data file keeps its name beside it";
	case FIX_REWRITE_I:
		return "rewrite the I line with the data file's device and inode, as sendmail rewrites a control file (tf, fsync, rename, fsync of the directory), with the owner and mode the configuration gives";
	case FIX_OWNER_MODE:
		return "fchown or fchmod the opened, verified file to the owner, group and mode the configuration and the distribution's layout imply (a file with other names is changed only when every name is a sibling job's data file in the queue)";
	case FIX_MOVE:
		return "move the file (a rename, never a copy) to where sendmail looks for it";
	case FIX_MOVE_OUT:
		return "archive it (its bytes, or what it is: a link's target, a FIFO, a device), never following it or opening it for writing, then remove it from the queue (a directory that is not empty is left for a human)";
	case FIX_RESOLVE_TF:
		return "promote the tf over the control file (what sendmail meant to do; the default) or, with --tf-newer=keep, remove the tf and keep the control file (what sendmail will do); what is replaced or removed is archived";
	case FIX_PROMOTE:
		return "rename the tf to qf when the data file is there; without it, to Qf (a lost job), since a qf without its df would be delivered as garbage";
	case FIX_KEEP_NEWER:
		return "keep the newer control file; archive and remove the other";
	case FIX_RECOVER:
		return "move it back into the queue (a rename keeps the inode, so the I line stays true), then set owner, group and mode";
	case FIX_QUARANTINE:
		return "archive every file of the job, then rename the control file to Qf: nothing anyone else could have written is made trusted (no chown to the queue runner, no chmod); --adopt-owner, with -y or at a terminal, takes the owner's files as the queue's own instead";
	case FIX_REWRITE:
		return "archive the control file, then rewrite it as sendmail reads it, the way sendmail writes one (tf, fsync, rename, fsync of the directory)";
	case FIX_EXCHANGE:
		return "give each data file back to the job whose I line records its inode, by atomic exchanges of names (renameat2 RENAME_EXCHANGE), each recorded in the archive";
	case FIX_NKINDS:
		break;
	}
	return NULL;
}

/* fix_note - what one problem's fix does besides its kind's rule */
static const char *
fix_note(enum problem_id id)
{
	switch (id) {
	case PR_2_NO_TERMINATOR:
		return "A job sendmail never tried (N0) is a new message cut short, whose client got no 250 (crash window C5): it is archived and removed instead.";
	case PR_2_EMPTY:
	case PR_2_NO_NEWLINE:
		return "The whole job goes: control file first, then its data file, as sendmail itself removes it.";
	case PR_3_NO_DF:
		return "If pass 4 finds the data file in lost+found, it is moved back instead.";
	case PR_3_ORPHAN_DF:
		return "If pass 4 finds its control file in lost+found, that is moved back instead.";
	case PR_3_TWO_CONTROL:
		return "The newer is the one sendmail renamed last (crash window R5).";
	case PR_2_BAD_CODE:
		return "The lines sendmail cannot read are dropped (the original is archived); should the rest still not be a control file sendmail runs, nothing is written and a human decides.";
	case PR_2_BAD_TIME:
	case PR_2_NO_TIME:
		return "T is taken from the time the queue id records (assign_queueid()); an id of a form that records none leaves the job inert instead.";
	case PR_2_NO_SENDER:
		return "Nothing would say who the sender is: the job is archived whole and made inert, and a human supplies an S line before renaming Qf back to qf.";
	default:
		return NULL;
	}
}

/* put_modes - what -n, -p and -y do about problem p */
static void
put_modes(const struct problem *p)
{
	const char *fix = fix_text(p->fix);
	const char *note = fix_note(p->id);

	if (p->flags & PRF_NO_FIX || fix == NULL) {
		(void)puts(p->flags & PRF_NOTICE
			? "-n, -p, -y: reported, nothing changed."
			: "Needs a human: -n, -p and -y report it and change nothing.");
		return;
	}
	(void)printf("Fix: %s.\n", fix);
	if (note != NULL)
		(void)puts(note);
	(void)printf("-n reports it; -y fixes it; -p %s.\n",
	    (p->flags & PRF_PREEN_OK) && !(p->flags & PRF_NOTICE)
		? "fixes it too"
		: p->flags & PRF_NOTICE
		    ? "leaves it (a notice)"
		    : "leaves it and ends with UNEXPECTED INCONSISTENCY (exit 4)");
	if (p->flags & PRF_DESTRUCTIVE)
		(void)puts("What is removed, renamed or rewritten is archived first.");
	else
		(void)puts("The change is recorded in the archive's manifest.");
}

int
main(void)
{
	int i;

	(void)puts(".Bl -tag -width Ds");
	for (i = 0; i < PR_COUNT; i++) {
		const struct problem *p = problem_get((enum problem_id)i);

		(void)printf(".It Sy %s Pq Li 0x%06x\n", p->name, p->code);
		if (p->tmpl != NULL) {
			put_template(p->tmpl);
			(void)puts(".");
		} else {
			const struct qf_defect_info *d =
			    qf_defect_info((enum qf_defect_kind)(i - PR_2_EMPTY));

			(void)printf("<file> <line>: ");
			put_text(d->what);
			(void)printf(": sendmail: ");
			put_text(d->sendmail);
			(void)puts(".");
		}
		if (p->flags & PRF_NOTICE)
			(void)puts("A notice: reported, not counted as a problem.");
		if (p->flags & PRF_GRACE)
			(void)puts("Not judged while younger than the grace period if a sendmail may be running.");
		put_modes(p);
	}
	(void)puts(".El");
	return 0;
}
