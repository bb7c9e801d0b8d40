/*
 * select.h - which problems and which jobs a run is about: --only and
 * --skip by problem code, --job by queue id (postsuper's way of naming
 * jobs, IDs also one per line on standard input).
 */
#ifndef MQ_SELECT_H
#define MQ_SELECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "problem_table.h"

struct selection {
	bool only_given;		/* some --only: only those codes */
	bool only[PR_COUNT];
	bool skip[PR_COUNT];		/* --skip */
	char **ids;			/* --job, sorted once select_done() */
	size_t nids, capids;
	bool jobs_given;		/* some --job: only those jobs */
};

/*
 * select_code - --only (only true) or --skip CODE: a problem's name
 * ("orphan-df") or number ("030002", "0x030002").  Returns 0, or -1 when
 * no problem has it.
 */
int select_code(struct selection *sel, const char *code, bool only);

/*
 * select_job - --job ID: a queue id as sendmail names its files (the
 * part after "qf").  Returns 0, or -1: not a queue id, or no memory.
 */
int select_job(struct selection *sel, const char *id);

/*
 * select_jobs_from - the IDs of f, one per line (blank lines and
 * surrounding white space ignored), as postsuper(1) reads "-".  At most
 * max_ids.  Returns 0, or -1 with *bad_line set to the first line that
 * is not an id (0: too many, or no memory).
 */
int select_jobs_from(struct selection *sel, FILE *f, size_t max_ids,
    unsigned long *bad_line);

/* select_done - sort the IDs and drop repeats; call once, before use */
void select_done(struct selection *sel);

/* select_has_job - the id (len bytes) is one --job names */
bool select_has_job(const struct selection *sel, const char *id, size_t len);

/* select_wants_job - the job is one the run reports and repairs: every
 * job without --job, else the ones it names */
bool select_wants_job(const struct selection *sel, const char *id, size_t len);

/*
 * select_problem - whether problem `id` of job `job` (NULL: a finding
 * that is not about one job) is one the run reports, counts and fixes.
 * A finding about no job passes the --job filter: it is about the queue
 * every job lives in.
 */
bool select_problem(const struct selection *sel, enum problem_id id,
    const char *job, size_t joblen);

/* select_free - release the IDs */
void select_free(struct selection *sel);

#endif /* MQ_SELECT_H */
