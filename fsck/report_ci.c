/*
 * report_ci.c - --format junit and --format tap: a run as test cases
 * that CI servers show, one per job and one per queue directory's path
 * check (report_ci.h).
 *
 * A job's test case is written when its record is (pass 3, after every
 * problem about it was found: pass 1's and pass 3's); its failure
 * carries each problem's code, name and message, kept until then in a
 * table by queue and id.  Notices do not fail a test case (they do not
 * make mqfsck's exit status 4 either): a passing one shows them as its
 * output.  Problems of no job (the queue directory, its
 * path, foreign files) fail the queue's own test case, written at the
 * end with the errors of the run.  What is kept is bounded
 * (CI_KEEP_BYTES): past it, problems are counted, not quoted, and the
 * test case says how many it leaves out.  Names from a queue are
 * escaped by esc_str() first, then for XML.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "esc.h"
#include "grow.h"
#include "report.h"
#include "report_ci.h"

#define CI_BUCKETS 4096
#define CI_KEEP_BYTES ((size_t)16 << 20)

/* The problems found about one job (or one queue, id ""). */
struct ci_note {
	struct ci_note *next;
	char *queue, *id;
	char *text;		/* "0x%06x name: message\n" each */
	size_t len, cap;
	unsigned long n, dropped;
	unsigned long problems;	/* of n, not notices */
	char first[128];	/* the first problem's code and name */
};

struct ci_report {
	FILE *out;
	bool tap;
	struct ci_note *tab[CI_BUCKETS];
	size_t kept;		/* bytes of text kept */
	unsigned long tests, failures;
	struct ci_note errors;	/* the run's own errors */
};

static unsigned
bucket(const char *queue, const char *id)
{
	unsigned h = 2166136261u;
	const unsigned char *s;

	for (s = (const unsigned char *)queue; *s != '\0'; s++)
		h = (h ^ *s) * 16777619u;
	h = (h ^ 0xffu) * 16777619u;
	for (s = (const unsigned char *)id; *s != '\0'; s++)
		h = (h ^ *s) * 16777619u;
	return h % CI_BUCKETS;
}

/* note_of - the note of (queue, id), made when make; NULL when none */
static struct ci_note *
note_of(struct ci_report *ci, const char *queue, const char *id, bool make,
    struct ci_note ***link)
{
	struct ci_note **pp = &ci->tab[bucket(queue, id)], *nt;

	for (; *pp != NULL; pp = &(*pp)->next)
		if (strcmp((*pp)->queue, queue) == 0 && strcmp((*pp)->id, id) == 0)
			break;
	if (link != NULL)
		*link = pp;
	if (*pp != NULL || !make)
		return *pp;
	/* Past the budget, no new note: the job's test case then says how
	 * many findings it had, unquoted (ci_job()). */
	if (ci->kept + sizeof(*nt) > CI_KEEP_BYTES)
		return NULL;
	if ((nt = calloc(1, sizeof(*nt))) == NULL ||
	    (nt->queue = strdup(queue)) == NULL || (nt->id = strdup(id)) == NULL) {
		if (nt != NULL)
			free(nt->queue);
		free(nt);
		return NULL;
	}
	*pp = nt;
	ci->kept += sizeof(*nt);
	return nt;
}

/* note_add - one more line on nt, kept while the budget lasts */
static void
note_add(struct ci_report *ci, struct ci_note *nt, const char *first,
    bool notice, const char *line)
{
	size_t l = strlen(line);

	nt->n++;
	if (!notice && nt->problems++ == 0)
		(void)snprintf(nt->first, sizeof(nt->first), "%s", first);
	if (ci->kept + l + 1 > CI_KEEP_BYTES) {
		nt->dropped++;
		return;
	}
	if (grow_array((void **)&nt->text, &nt->cap, nt->len + l + 2, 1,
		256) < 0) {
		nt->dropped++;
		return;
	}
	memcpy(nt->text + nt->len, line, l);
	nt->len += l;
	nt->text[nt->len++] = '\n';
	nt->text[nt->len] = '\0';
	ci->kept += l + 1;
}

static void
note_free(struct ci_report *ci, struct ci_note *nt)
{
	size_t held = nt->len + (nt != &ci->errors ? sizeof(*nt) : 0);

	ci->kept -= held < ci->kept ? held : ci->kept;
	free(nt->queue);
	free(nt->id);
	free(nt->text);
	if (nt != &ci->errors)
		free(nt);
}

/* xml_text - s for an XML attribute or text (s is esc_str()'s already) */
static void
xml_text(FILE *f, const char *s)
{
	for (; *s != '\0'; s++)
		switch (*s) {
		case '&': (void)fputs("&amp;", f); break;
		case '<': (void)fputs("&lt;", f); break;
		case '>': (void)fputs("&gt;", f); break;
		case '"': (void)fputs("&quot;", f); break;
		default:
			/* XML 1.0 allows no other control character. */
			if ((unsigned char)*s < 0x20 && *s != '\n' && *s != '\t')
				(void)fprintf(f, "\\x%02x", (unsigned char)*s);
			else
				(void)putc(*s, f);
		}
}

/* tap_diag - each line of s as a TAP diagnostic */
static void
tap_diag(FILE *f, const char *s)
{
	while (*s != '\0') {
		const char *nl = strchr(s, '\n');
		size_t l = nl != NULL ? (size_t)(nl - s) : strlen(s);

		(void)fprintf(f, "# %.*s\n", (int)l, s);
		s += l + (nl != NULL);
	}
}

/* test_case - one test case: passed when nt is NULL or holds nothing */
static void
test_case(struct ci_report *ci, const char *queue, const char *name,
    const struct ci_note *nt)
{
	FILE *f = ci->out;
	bool failed = nt != NULL && nt->problems > 0;
	bool said = nt != NULL && nt->n > 0;
	char more[96] = "";

	ci->tests++;
	ci->failures += failed;
	if (said && nt->dropped > 0)
		(void)snprintf(more, sizeof(more),
		    "(%lu more not quoted: run mqfsck -n for all)\n", nt->dropped);
	if (ci->tap) {
		(void)fprintf(f, "%s %lu - %s: %s\n", failed ? "not ok" : "ok",
		    ci->tests, queue, name);
		if (said) {
			tap_diag(f, nt->text != NULL ? nt->text : "");
			tap_diag(f, more);
		}
		return;
	}
	(void)fputs("<testcase classname=\"", f);
	xml_text(f, queue);
	(void)fputs("\" name=\"", f);
	xml_text(f, name);
	if (!said) {
		(void)fputs("\"/>\n", f);
		return;
	}
	if (!failed) {
		/* Notices only: passed, with them as its output. */
		(void)fputs("\">\n<system-out>", f);
		xml_text(f, nt->text != NULL ? nt->text : "");
		xml_text(f, more);
		(void)fputs("</system-out>\n</testcase>\n", f);
		return;
	}
	(void)fprintf(f, "\">\n<failure type=\"mqfsck\" message=\"");
	xml_text(f, nt->first);
	(void)fprintf(f, "%s\">", nt->n > 1 ? " and more" : "");
	xml_text(f, nt->text != NULL ? nt->text : "");
	xml_text(f, more);
	(void)fputs("</failure>\n</testcase>\n", f);
}

struct ci_report *
ci_begin(FILE *out, bool tap)
{
	struct ci_report *ci = calloc(1, sizeof(*ci));

	if (ci == NULL)
		return NULL;
	ci->out = out;
	ci->tap = tap;
	if (tap)
		(void)fputs("TAP version 13\n", out);
	else
		(void)fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
			    "<testsuites>\n<testsuite name=\"mqfsck\">\n", out);
	return ci;
}

void
ci_problem(struct ci_report *ci, const char *queue, const char *id,
    unsigned code, const char *name, bool notice, const char *msg)
{
	struct ci_note *nt;
	char first[128], line[2048];

	if (ci == NULL)
		return;
	(void)snprintf(first, sizeof(first), "0x%06x %s", code, name);
	(void)snprintf(line, sizeof(line), "%s%s: %s", first,
	    notice ? " (notice)" : "", msg);
	nt = note_of(ci, queue, id, true, NULL);
	if (nt == NULL) {
		/* Out of budget or memory: a problem of no job must still
		 * fail something. */
		if (id[0] == '\0' && !notice)
			note_add(ci, &ci->errors, first, false, line);
		return;
	}
	note_add(ci, nt, first, notice, line);
}

void
ci_job(struct ci_report *ci, const char *queue, const char *id,
    unsigned long findings)
{
	struct ci_note **link, *nt;
	char name[160];

	if (ci == NULL)
		return;
	nt = note_of(ci, queue, id, false, &link);
	(void)snprintf(name, sizeof(name), "job %s", id);
	if (nt == NULL && findings > 0) {
		/* Counted, with nothing kept: say so rather than pass. */
		struct ci_note none = { .n = findings, .problems = findings,
			.dropped = findings };

		(void)snprintf(none.first, sizeof(none.first), "%lu finding%s",
		    findings, findings == 1 ? "" : "s");
		test_case(ci, queue, name, &none);
		return;
	}
	test_case(ci, queue, name, nt);
	if (nt != NULL) {
		*link = nt->next;
		note_free(ci, nt);
	}
}

void
ci_error(struct ci_report *ci, const char *what, const char *why)
{
	char line[1600];

	if (ci == NULL)
		return;
	(void)snprintf(line, sizeof(line), "%s: %s", what, why);
	note_add(ci, &ci->errors, "error", false, line);
}

void
ci_end(struct ci_report *ci, const char *const *queues, size_t nqueues)
{
	struct ci_note *nt, *next;
	size_t i, b;
	char name[160];

	if (ci == NULL)
		return;
	/* Each queue's path check, with the problems of no job. */
	for (i = 0; i < nqueues; i++) {
		struct ci_note **link;

		nt = note_of(ci, queues[i], "", false, &link);
		test_case(ci, queues[i], "path and directory", nt);
		if (nt != NULL) {
			*link = nt->next;
			note_free(ci, nt);
		}
	}
	/* Problems about an id that had no job record (a file of
	 * lost+found, or a queue not in the list). */
	for (b = 0; b < CI_BUCKETS; b++)
		for (nt = ci->tab[b]; nt != NULL; nt = next) {
			next = nt->next;
			(void)snprintf(name, sizeof(name), "%s%s",
			    nt->id[0] != '\0' ? "file of " : "path and directory",
			    nt->id);
			test_case(ci, nt->queue, name, nt);
			note_free(ci, nt);
		}
	if (ci->errors.n > 0)
		test_case(ci, "mqfsck", "the run", &ci->errors);
	if (ci->tap)
		(void)fprintf(ci->out, "1..%lu\n", ci->tests);
	else
		(void)fputs("</testsuite>\n</testsuites>\n", ci->out);
	free(ci->errors.text);
	free(ci);
}
