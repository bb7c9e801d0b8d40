/*
 * sio_private.h - what sio.c (opening and reading) and sio_write.c (the
 * writer) share: nothing outside format/sio*.c includes it.
 */
#ifndef MQ_SIO_PRIVATE_H
#define MQ_SIO_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "sio.h"

#define MSG_NAME_MAX 160	  /* room for one escaped name in a message */

/* The capability to change the file system (sio_write.c). */
struct sio_writer {
	uint64_t count;		/* counted calls issued so far */
	uint64_t fail_after;	/* 0, or kill before call fail_after + 1 */
	int fail_signal;	/* SIGKILL, or SIGINT or SIGALRM, once */
};

/*
 * siop_msg_name - s escaped for a message into out by the one rule
 * (esc.h); when it does not fit, the end is kept behind "...": in a path the
 * failing component is last.
 */
const char *siop_msg_name(const char *s, char *out, size_t outsz);

/* siop_entry_name_ok - name is one directory entry: non-empty, no '/' */
bool siop_entry_name_ok(const char *name, struct qerr *err);

/* siop_close_quietly - close an fd on a failure path; the first error
 * stands */
void siop_close_quietly(int fd);

/* siop_flock_retry - flock(2), retrying EINTR */
int siop_flock_retry(int fd, int op);

#endif /* MQ_SIO_PRIVATE_H */
