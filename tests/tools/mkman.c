/*
 * mkman.c - print the PROBLEMS section of mqfsck(8) in mdoc from the
 * problem table itself (fsck/problems.def, and format/qf.c for the
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
		{ 'u', "owner" }, { 'U', "owner" },
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
		return "archive the job, then rename its control file to Qf, as sendmail's loseqfile() does, so that no queue run takes it";
	case FIX_REWRITE_I:
		return "rewrite the I line from the data file, as sendmail rewrites a control file (temporary file, fsync, rename, directory fsync)";
	case FIX_OWNER_MODE:
		return "set owner and mode to what the configuration implies, with fchown and fchmod on the opened file";
	case FIX_MOVE:
		return "move the file to where sendmail looks for it";
	case FIX_MOVE_OUT:
		return "move it, never following it, out of the queue into the archive directory";
	case FIX_RESOLVE_TF:
		return "promote the tf over the qf (what sendmail meant to do), or keep the qf, as an option chooses; the other is archived";
	case FIX_PROMOTE:
		return "rename the tf to qf";
	case FIX_KEEP_NEWER:
		return "keep the newer control file; archive and remove the other";
	case FIX_RECOVER:
		return "move it back into the queue (a rename keeps the inode, so the I line stays true), then set owner and mode";
	case FIX_NKINDS:
		break;
	}
	return NULL;
}

int
main(void)
{
	int i;

	(void)puts(".Bl -tag -width Ds");
	for (i = 0; i < PR_COUNT; i++) {
		const struct problem *p = problem_get((enum problem_id)i);
		const char *fix = fix_text(p->fix);

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
		if (p->flags & PRF_NO_FIX)
			(void)puts("Needs a human: reported, never changed.");
		else if (fix != NULL) {
			(void)printf("Fix: %s", fix);
			(void)printf(" (%s).\n",
			    (p->flags & PRF_PREEN_OK) ? "-y and -p"
			    : (p->flags & PRF_NOTICE) ? "-y only"
						      : "-y; -p stops and asks for a manual run");
		}
		if (p->flags & PRF_DESTRUCTIVE)
			(void)puts("The files are archived before any change.");
	}
	(void)puts(".El");
	return 0;
}
