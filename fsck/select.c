/*
 * select.c - the problems and jobs a run is limited to (select.h):
 * --only/--skip by problem name or number, --job by queue id, IDs read
 * from standard input as postsuper(1) reads them.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "grow.h"
#include "qid.h"
#include "select.h"

/* code_of - the problem a name or a number names; PR_COUNT: none */
static enum problem_id
code_of(const char *code)
{
	const char *hex = code;
	unsigned long v = 0;
	char *end;
	int i;

	for (i = 0; i < PR_COUNT; i++)
		if (strcmp(problem_get((enum problem_id)i)->name, code) == 0)
			return (enum problem_id)i;
	if (strncasecmp(hex, "0x", 2) == 0)
		hex += 2;
	if (*hex == '\0' || strspn(hex, "0123456789abcdefABCDEF") != strlen(hex))
		return PR_COUNT;
	v = strtoul(hex, &end, 16);
	for (i = 0; i < PR_COUNT; i++)
		if (problem_get((enum problem_id)i)->code == v)
			return (enum problem_id)i;
	return PR_COUNT;
}

/* select_code - see select.h */
int
select_code(struct selection *sel, const char *code, bool only)
{
	enum problem_id id = code_of(code);

	if (id == PR_COUNT)
		return -1;
	if (only) {
		sel->only_given = true;
		sel->only[id] = true;
	} else
		sel->skip[id] = true;
	return 0;
}

/* is_id - the bytes are a queue id: "qf" + them names a job's file */
static bool
is_id(const char *id, size_t len)
{
	char name[QNAME_MAX_LEN + 1];
	struct qname qn;
	size_t i;

	if (len == 0 || len > QID_MAX_LEN)
		return false;
	/* A file name's bytes, printable: sendmail's ids are letters and
	 * digits (and, before 8.7-style ids, a few more printable ones). */
	for (i = 0; i < len; i++)
		if (id[i] <= ' ' || id[i] > '~' || id[i] == '/')
			return false;
	name[0] = 'q';
	name[1] = 'f';
	memcpy(name + 2, id, len);
	qname_classify(name, len + 2, &qn);
	return qn.cls == QN_JOB && qn.id_len == len && !qn.too_long;
}

/* add_id - append len bytes of id */
static int
add_id(struct selection *sel, const char *id, size_t len)
{
	char *copy;

	if (!is_id(id, len))
		return -1;
	if (grow_array((void **)&sel->ids, &sel->capids, sel->nids + 1,
		sizeof(*sel->ids), 16) < 0 ||
	    (copy = malloc(len + 1)) == NULL)
		return -1;
	memcpy(copy, id, len);
	copy[len] = '\0';
	sel->ids[sel->nids++] = copy;
	sel->jobs_given = true;
	return 0;
}

/* select_job - see select.h */
int
select_job(struct selection *sel, const char *id)
{
	return add_id(sel, id, strlen(id));
}

/* select_jobs_from - see select.h */
int
select_jobs_from(struct selection *sel, FILE *f, size_t max_ids,
    unsigned long *bad_line)
{
	char line[256];
	unsigned long n = 0;
	size_t start = sel->nids, len;
	char *s;

	*bad_line = 0;
	/* An empty list is still a list: no job at all is selected. */
	sel->jobs_given = true;
	while (fgets(line, sizeof(line), f) != NULL) {
		n++;
		len = strlen(line);
		if (len == sizeof(line) - 1 && line[len - 1] != '\n') {
			*bad_line = n; /* longer than any id */
			return -1;
		}
		s = line + strspn(line, " \t\r\n");
		len = strcspn(s, " \t\r\n");
		if (len == 0)
			continue;
		if (s[len + strspn(s + len, " \t\r\n")] != '\0' ||
		    sel->nids - start >= max_ids || add_id(sel, s, len) < 0) {
			*bad_line = sel->nids - start >= max_ids ? 0 : n;
			return -1;
		}
	}
	return ferror(f) ? -1 : 0;
}

static int
by_string(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* select_done - see select.h */
void
select_done(struct selection *sel)
{
	size_t i, o = 0;

	if (sel->nids == 0)
		return;
	qsort(sel->ids, sel->nids, sizeof(*sel->ids), by_string);
	for (i = 0; i < sel->nids; i++) {
		if (o > 0 && strcmp(sel->ids[o - 1], sel->ids[i]) == 0) {
			free(sel->ids[i]);
			continue;
		}
		sel->ids[o++] = sel->ids[i];
	}
	sel->nids = o;
}

/* select_has_job - see select.h */
bool
select_has_job(const struct selection *sel, const char *id, size_t len)
{
	size_t lo = 0, hi = sel->nids;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		size_t l = strlen(sel->ids[mid]);
		int c = memcmp(sel->ids[mid], id, l < len ? l : len);

		if (c == 0)
			c = (l > len) - (l < len);
		if (c == 0)
			return true;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

/* select_wants_job - see select.h */
bool
select_wants_job(const struct selection *sel, const char *id, size_t len)
{
	return !sel->jobs_given || select_has_job(sel, id, len);
}

/* select_problem - see select.h */
bool
select_problem(const struct selection *sel, enum problem_id id,
    const char *job, size_t joblen)
{
	if (sel->only_given && !sel->only[id])
		return false;
	if (sel->skip[id])
		return false;
	return job == NULL || select_wants_job(sel, job, joblen);
}

/* select_free - see select.h */
void
select_free(struct selection *sel)
{
	size_t i;

	for (i = 0; i < sel->nids; i++)
		free(sel->ids[i]);
	free(sel->ids);
	sel->ids = NULL;
	sel->nids = sel->capids = 0;
}
