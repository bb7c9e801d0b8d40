/*
 * archive_cmd.h - mqfsck --list ARCHIVE and --restore ARCHIVE [DIR]
 * (archive_cmd.c).
 */
#ifndef MQ_ARCHIVE_CMD_H
#define MQ_ARCHIVE_CMD_H

#include "fsck.h"
#include "queues.h"

struct archive_cmd {
	const char *list;		/* --list ARCHIVE, or NULL */
	const char *restore;		/* --restore ARCHIVE, or NULL */
	const struct queue_opts *qo;	/* the configuration; dirs[0]: the
					   directory to restore into */
	const struct fsck_opts *fo;	/* --key, --json, --restore-unverified */
	bool dry_run;			/* -n: --restore says what it would do */
};

/* archive_cmd - run --list or --restore; returns the exit status */
int archive_cmd(const struct archive_cmd *cmd);

#endif /* MQ_ARCHIVE_CMD_H */
