/*
 * queues.h - which queues to check, and what their configuration
 * implies, found the way sendmail finds them.
 *
 * With no directory named, the queues are those of the configuration
 * files (-c, or /etc/mail/sendmail.cf and /etc/mail/submit.cf when
 * present): QueueDirectory, with a trailing '*' matching q* directories,
 * and the Path= of every Q line (queue.c setup_queues(),
 * multiqueue_cache(), makequeue()).  A directory that is named is checked
 * with the configuration whose queue it is; one that is no configuration's
 * queue gets the configuration given with -c, or sendmail's built-in
 * defaults.  -o Name=value overrides an option everywhere, as sendmail's
 * -O does.
 */
#ifndef MQ_QUEUES_H
#define MQ_QUEUES_H

#include "fsck.h"

struct queue_opts {
	const char **configs;	/* -c files; NULL: the defaults */
	size_t nconfigs;
	bool no_config;		/* -c none */
	const char **overrides;	/* -o and -O, in order: "Name=value", or
				   "=Xvalue" for sendmail's -oXvalue */
	size_t noverrides;
	const char *owner;	/* --owner USER, or "queue-dir"; NULL */
	const char *adopt;	/* --adopt-owner USER; NULL */
	const char **dirs;	/* named queue directories */
	size_t ndirs;
};

/*
 * queues_resolve - the sets of queues to check.  Returns 0, or -1 after
 * reporting (ctx_error) what made it impossible (unreadable or broken
 * configuration, unknown user); *sets is then NULL.
 */
int queues_resolve(struct fsck_ctx *ctx, const struct queue_opts *qo,
    struct qset **sets, size_t *nsets);

/* queues_free - release what queues_resolve() made */
void queues_free(struct qset *sets, size_t nsets);

/*
 * queues_abspath - path made absolute from the current directory (which
 * getcwd() gives without symbolic links), without "." components or
 * repeated slashes (".." is kept: the walk refuses it); malloc()ed, NULL
 * on ENOMEM or a path too long
 */
char *queues_abspath(const char *path);

#endif /* MQ_QUEUES_H */
