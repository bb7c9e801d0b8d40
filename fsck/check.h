/*
 * check.h - check one queue directory.
 *
 * This is the foundation's checker: it walks a queue directory (and its
 * qf/ df/ xf/ subdirectories) in one pass and reads every control file
 * the way sendmail would, reporting each defect with what sendmail does
 * about it.  Job states, ownership, pairing and the problem table come
 * with the checking issue.
 */
#ifndef MQ_CHECK_H
#define MQ_CHECK_H

#include <stdbool.h>

/* fsck(8) exit status bits (e2fsck's FSCK_*). */
#define FSCK_OK 0
#define FSCK_NONDESTRUCT 1 /* problems were fixed */
#define FSCK_UNCORRECTED 4 /* problems are left */
#define FSCK_ERROR 8	   /* something prevented checking */
#define FSCK_USAGE 16
#define FSCK_CANCELED 32

struct check_opts {
	bool verbose;		/* -v: also list every control file read */
	bool quiet;		/* -q: only problems, no summary */
};

struct check_totals {
	unsigned long entries;		/* directory entries seen */
	unsigned long control_files;	/* control files read and judged */
	unsigned long problems;		/* problems reported */
	unsigned long in_use;		/* control files locked by sendmail */
	unsigned long errors;		/* operational errors */
};

/*
 * check_queue - check the queue directory `path`; add to *totals.
 * Returns FSCK_* bits.  Prints its report on stdout, errors on stderr.
 */
int check_queue(const char *path, const struct check_opts *opts,
    struct check_totals *totals);

#endif /* MQ_CHECK_H */
