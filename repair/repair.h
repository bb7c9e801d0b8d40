/*
 * repair.h - making the repairs the check decided on: archive first,
 * then change, job by job under sendmail's lock.
 *
 * The repair never prints and never looks at the run above it: what it
 * needs (the writer, the archive's place, the time) and how it reports
 * (each fix's outcome, errors, progress, whether to stop) are handed in
 * as a struct repair_env.
 */
#ifndef MQ_REPAIR_H
#define MQ_REPAIR_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "plan.h"
#include "qset.h"
#include "sio.h"
#include "paths.h"

#define DEFAULT_ARCHIVE_DIR MQ_LOCALSTATEDIR "/lib/mqfsck/archive"

/*
 * How the repair reports, through the program's functions; cookie is
 * passed back to each.  Every one must be set.
 */
struct repair_report {
	void *cookie;
	/* fixed - the outcome of one fix of problem id (FIXR_*, plan.h) in
	 * queue: what was done or why not; msg (may be NULL) is the
	 * problem's message as the check printed it */
	void (*fixed)(void *cookie, const char *queue, enum problem_id id,
	    const char *idtext, const char *msg, enum fix_result result,
	    const char *what);
	/* error - something prevented repairs (the exit status says so) */
	void (*error)(void *cookie, const char *what, const char *why);
	/* warn - something beside the queue went wrong; repairs go on */
	void (*warn)(void *cookie, const char *what, const char *why);
	/* progress_begin/_step/_end - total fixes are made at where */
	void (*progress_begin)(void *cookie, const char *where,
	    unsigned long total);
	void (*progress_step)(void *cookie, unsigned long done);
	void (*progress_end)(void *cookie);
	/* stop - NULL to go on; else why the run stops here ("interrupted"),
	 * asked between two jobs (fsck/stop.c) */
	const char *(*stop)(void *cookie);
};

/* What a repair works with. */
struct repair_env {
	struct sio_writer *writer;	/* never NULL when repairs are made */
	time_t now;			/* the run's time, the archive's name */
	const char *archive_dir;	/* NULL: DEFAULT_ARCHIVE_DIR */
	const char *key_path;		/* NULL: ARC_DEFAULT_KEY */
	struct repair_report rep;
};

/* What the repairs of a run came to. */
struct repair_summary {
	unsigned long fixed, not_fixed;
	size_t archived;	/* records in the archive */
	char archive[1024];	/* its path, "" when none was written */
};

/*
 * repair_sets - archive every file the sets' plans change, commit the
 * archive, then apply the fixes (reporting each through env->rep.fixed).
 * Nothing changes unless the archive was committed.  Returns the number
 * of fixes made.
 */
unsigned long repair_sets(const struct repair_env *env, struct qset *sets,
    size_t nsets, struct repair_summary *rs);

#endif /* MQ_REPAIR_H */
