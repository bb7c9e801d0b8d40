/*
 * test_repair.c - repair_sets() alone, linked without the program above
 * it: a set of one queue with a plan made here, the outcome of each fix
 * taken through the callbacks of struct repair_env.  What is asserted is
 * the repair's promise: nothing changes unless the archive holding the
 * file was committed first; a file that changed since the check, a job
 * another process locks, a queue refused, a stop asked for, each leave
 * the file as it is and say why; and what was removed is in the archive.
 *
 * Each test has a scratch directory holding q/ (the queue) and arc/ (the
 * archive directory, made 0700 by the repair) and key (the host key).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "arc.h"
#include "repair.h"
#include "scratch.h"

#define ID "AB12345678"
#define DF "df" ID
#define QF "qf" ID
#define BODY "the only copy of this message\n"
#define NOW ((time_t)1700000000)
#define MAX_SEEN 8

/* What the callbacks were told. */
struct seen {
	unsigned nfixed, nerror, nwarn, nbegin, nstep, nend;
	enum fix_result result[MAX_SEEN];
	char what[MAX_SEEN][512];
	char error[512];
	const char *stop;	/* what the stop callback answers */
};

/* The scratch world of one test. */
struct world {
	char path[PATH_MAX];
	char qpath[PATH_MAX + 8], apath[PATH_MAX + 8], kpath[PATH_MAX + 8];
	int dfd, nfds;
	struct qset set;
	struct qdir qd;
	struct plan plan;
	struct sio_writer *w;
	struct seen seen;
	struct repair_env env;
};

static void
cb_fixed(void *cookie, const char *queue, enum problem_id id,
    const char *idtext, const char *msg, enum fix_result result,
    const char *what)
{
	struct seen *s = cookie;

	(void)queue;
	(void)id;
	(void)idtext;
	(void)msg;
	if (s->nfixed < MAX_SEEN) {
		s->result[s->nfixed] = result;
		(void)snprintf(s->what[s->nfixed], sizeof(s->what[0]), "%s", what);
	}
	s->nfixed++;
}

static void
cb_error(void *cookie, const char *what, const char *why)
{
	struct seen *s = cookie;

	s->nerror++;
	(void)snprintf(s->error, sizeof(s->error), "%s: %s", what, why);
}

static void
cb_warn(void *cookie, const char *what, const char *why)
{
	struct seen *s = cookie;

	(void)what;
	(void)why;
	s->nwarn++;
}

static void
cb_begin(void *cookie, const char *where, unsigned long total)
{
	struct seen *s = cookie;

	(void)where;
	(void)total;
	s->nbegin++;
}

static void
cb_step(void *cookie, unsigned long done)
{
	struct seen *s = cookie;

	(void)done;
	s->nstep++;
}

static void
cb_end(void *cookie)
{
	struct seen *s = cookie;

	s->nend++;
}

static const char *
cb_stop(void *cookie)
{
	const struct seen *s = cookie;

	return s->stop;
}

/* put_file - dirfd/name with the bytes of s, mode 0600 */
static void
put_file(int dirfd, const char *name, const char *s)
{
	int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, s, strlen(s)), (ssize_t)strlen(s));
	assert_int_equal(close(fd), 0);
}

/* exists - dirfd/name is there */
static bool
exists(int dirfd, const char *name)
{
	struct stat st;

	return fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

/* plan_remove - plan the removal of q/name as the fix of job j */
static void
plan_remove(struct world *wd, uint32_t j, const char *name)
{
	struct plan_op op;
	struct stat st;

	assert_int_equal(fstatat(wd->qd.fd, name, &st, AT_SYMLINK_NOFOLLOW), 0);
	plan_op_init(&op, OP_REMOVE);
	plan_file_set(&wd->plan, &op.src, 0, SUB_COUNT, name, &st);
	assert_true(plan_add(&wd->plan, PR_3_ORPHAN_DF, j, 0, ID, strlen(ID),
	    NULL, &op, 1) >= 0);
}

/* add_job_file - q/name as a file of job j in the index */
static void
add_job_file(struct world *wd, uint32_t j, const char *name)
{
	struct jfile jf;
	struct stat st;

	assert_int_equal(fstatat(wd->qd.fd, name, &st, AT_SYMLINK_NOFOLLOW), 0);
	memset(&jf, 0, sizeof(jf));
	jf.ino = st.st_ino;
	jf.letter = (uint8_t)name[0];
	jf.sub = SUB_COUNT;
	jf.nlink = (uint16_t)st.st_nlink;
	assert_int_not_equal(index_add_file(&wd->set.idx, j, &jf), 0);
}

static int
setup(void **state)
{
	struct world *wd = calloc(1, sizeof(*wd));
	struct qerr err;
	int k;

	if (wd == NULL || scratch_make("mqfsck-repair", wd->path, &wd->dfd,
			      &wd->nfds) < 0)
		return -1;
	(void)snprintf(wd->qpath, sizeof(wd->qpath), "%s/q", wd->path);
	(void)snprintf(wd->apath, sizeof(wd->apath), "%s/arc", wd->path);
	(void)snprintf(wd->kpath, sizeof(wd->kpath), "%s/key", wd->path);
	if (mkdirat(wd->dfd, "q", 0700) < 0)
		return -1;
	wd->qd.fd = openat(wd->dfd, "q", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (wd->qd.fd < 0 || fstat(wd->qd.fd, &wd->qd.st) < 0)
		return -1;
	wd->qd.path = wd->qpath;
	wd->qd.abspath = wd->qpath;
	wd->qd.qp_name = (char *)(uintptr_t)".";
	for (k = 0; k < SUB_COUNT; k++)
		wd->qd.subfd[k] = -1;
	wd->qd.lockfd = -1;
	wd->qd.selected = wd->qd.reachable = true;
	wd->set.source = (char *)(uintptr_t)"test";
	wd->set.pol.file_mode = 0600;
	wd->set.pol.runner_uid = geteuid();
	wd->set.pol.runner_gid = getegid();
	wd->set.pol.expected_owner = geteuid();
	wd->set.dirs = &wd->qd;
	wd->set.ndirs = 1;
	wd->set.repair_ok = true;
	index_init(&wd->set.idx);
	plan_init(&wd->plan);
	wd->set.plan = &wd->plan;
	wd->w = sio_writer_new(&err);
	if (wd->w == NULL)
		return -1;
	wd->env.writer = wd->w;
	wd->env.now = NOW;
	wd->env.archive_dir = wd->apath;
	wd->env.key_path = wd->kpath;
	wd->env.rep = (struct repair_report){
		.cookie = &wd->seen,
		.fixed = cb_fixed,
		.error = cb_error,
		.warn = cb_warn,
		.progress_begin = cb_begin,
		.progress_step = cb_step,
		.progress_end = cb_end,
		.stop = cb_stop,
	};
	*state = wd;
	return 0;
}

static int
teardown(void **state)
{
	struct world *wd = *state;
	int rc;

	plan_free(&wd->plan);
	index_free(&wd->set.idx);
	sio_writer_free(wd->w);
	(void)close(wd->qd.fd);
	rc = scratch_remove(wd->path, wd->dfd, wd->nfds);
	free(wd);
	return rc;
}

/* an orphan df: job 1 of the index, its removal planned */
static uint32_t
orphan_df(struct world *wd)
{
	uint32_t j;

	put_file(wd->qd.fd, DF, BODY);
	j = index_job(&wd->set.idx, ID, strlen(ID));
	assert_int_not_equal(j, 0);
	add_job_file(wd, j, DF);
	plan_remove(wd, j, DF);
	return j;
}

/* the one archive the repair wrote holds the df, whole and signed */
static void
assert_archived(struct world *wd, const struct repair_summary *rs)
{
	unsigned char key[ARC_KEY_LEN];
	char *listing = NULL;
	size_t len = 0;
	struct qerr err;
	FILE *out;
	int fd;

	assert_true(strncmp(rs->archive, wd->apath, strlen(wd->apath)) == 0);
	fd = open(rs->archive, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	assert_true(fd >= 0);
	assert_int_equal(arc_key_load(NULL, wd->kpath, key, &err), 0);
	out = open_memstream(&listing, &len);
	assert_non_null(out);
	assert_int_equal(arc_list(fd, out, false, key, &err), 0);
	assert_int_equal(fclose(out), 0);
	assert_int_equal(close(fd), 0);
	assert_non_null(strstr(listing, DF));
	assert_null(strstr(listing, "not signed"));
	free(listing);
}

static void
test_removal_is_archived_first(void **state)
{
	struct world *wd = *state;
	struct repair_summary rs;

	(void)orphan_df(wd);
	assert_int_equal(repair_sets(&wd->env, &wd->set, 1, &rs), 1);
	assert_false(exists(wd->qd.fd, DF));
	assert_int_equal(rs.fixed, 1);
	assert_int_equal(rs.not_fixed, 0);
	assert_int_equal(rs.archived, 1);
	assert_int_equal(wd->seen.nfixed, 1);
	assert_int_equal(wd->seen.result[0], FIXR_FIXED);
	assert_int_equal(wd->seen.nerror, 0);
	assert_int_equal(wd->seen.nwarn, 0);
	assert_int_equal(wd->seen.nbegin, 1);
	assert_int_equal(wd->seen.nstep, 1);
	assert_int_equal(wd->seen.nend, 1);
	assert_archived(wd, &rs);
}

static void
test_no_writer_changes_nothing(void **state)
{
	struct world *wd = *state;
	struct repair_summary rs;

	(void)orphan_df(wd);
	wd->env.writer = NULL;
	assert_int_equal(repair_sets(&wd->env, &wd->set, 1, &rs), 0);
	assert_true(exists(wd->qd.fd, DF));
	assert_int_equal(wd->seen.nfixed, 0);
	assert_string_equal(rs.archive, "");
	assert_false(exists(wd->dfd, "arc"));
}

static void
test_no_archive_no_change(void **state)
{
	struct world *wd = *state;
	struct repair_summary rs;

	(void)orphan_df(wd);
	/* An archive directory others may read is not one for mail. */
	assert_int_equal(mkdirat(wd->dfd, "arc", 0700), 0);
	assert_int_equal(fchmodat(wd->dfd, "arc", 0755, 0), 0);
	assert_int_equal(repair_sets(&wd->env, &wd->set, 1, &rs), 0);
	assert_true(exists(wd->qd.fd, DF));
	assert_int_equal(rs.not_fixed, 1);
	assert_int_equal(wd->seen.nerror, 1);
	assert_non_null(strstr(wd->seen.error, "closed to others"));
	assert_int_equal(wd->seen.result[0], FIXR_NOT_FIXED);
	assert_non_null(strstr(wd->seen.what[0], "nothing was changed"));
	assert_string_equal(rs.archive, "");
}

static void
test_archive_inside_the_queue_refused(void **state)
{
	struct world *wd = *state;
	struct repair_summary rs;

	(void)orphan_df(wd);
	(void)snprintf(wd->apath, sizeof(wd->apath), "%s/q/arc", wd->path);
	assert_int_equal(repair_sets(&wd->env, &wd->set, 1, &rs), 0);
	assert_true(exists(wd->qd.fd, DF));
	assert_int_equal(wd->seen.nerror, 1);
	assert_non_null(strstr(wd->seen.error, "inside a queue directory"));
	assert_int_equal(wd->seen.result[0], FIXR_NOT_FIXED);
}

static void
test_changed_since_the_check(void **state)
{
	struct world *wd = *state;
	struct repair_summary rs;

	(void)orphan_df(wd);
	/* Another df of that name since the check: not the one planned
	 * (made while the old one still holds its inode number). */
	put_file(wd->qd.fd, "other", "new mail\n");
	assert_int_equal(renameat(wd->qd.fd, "other", wd->qd.fd, DF), 0);
	(void)repair_sets(&wd->env, &wd->set, 1, &rs);
	assert_true(exists(wd->qd.fd, DF));
	assert_int_equal(rs.fixed, 0);
	assert_int_equal(wd->seen.nfixed, 1);
	assert_int_equal(wd->seen.result[0], FIXR_NOT_FIXED);
}

static void
test_stop_before_the_job(void **state)
{
	struct world *wd = *state;
	struct repair_summary rs;

	(void)orphan_df(wd);
	wd->seen.stop = "interrupted";
	assert_int_equal(repair_sets(&wd->env, &wd->set, 1, &rs), 0);
	assert_true(exists(wd->qd.fd, DF));
	assert_int_equal(wd->seen.result[0], FIXR_NOT_FIXED);
	assert_non_null(strstr(wd->seen.what[0],
	    "interrupted before this job was archived"));
	/* Nothing was archived, so no archive was committed. */
	assert_string_equal(rs.archive, "");
}

static void
test_refused_queue(void **state)
{
	struct world *wd = *state;
	struct repair_summary rs;

	(void)orphan_df(wd);
	wd->qd.refuse = "it is not a queue";
	assert_int_equal(repair_sets(&wd->env, &wd->set, 1, &rs), 0);
	assert_true(exists(wd->qd.fd, DF));
	assert_int_equal(wd->seen.result[0], FIXR_NOT_FIXED);
	assert_non_null(strstr(wd->seen.what[0], "it is not a queue"));
	assert_false(exists(wd->dfd, "arc"));
}

static void
test_locked_job_left_alone(void **state)
{
	struct world *wd = *state;
	struct repair_summary rs;
	int ready[2], go[2], status;
	char c = 0;
	pid_t pid;

	(void)orphan_df(wd);
	put_file(wd->qd.fd, QF, "V8\n");
	add_job_file(wd, 1, QF);
	/* sendmail's lock on the qf, held by another process. */
	assert_int_equal(pipe(ready), 0);
	assert_int_equal(pipe(go), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct qerr err;
		int fd = openat(wd->qd.fd, QF, O_RDWR | O_CLOEXEC);

		_exit(fd < 0 || sio_lock_ex(fd, &err) != 0 ||
			write(ready[1], "x", 1) != 1 || read(go[0], &c, 1) != 1);
	}
	(void)close(ready[1]);
	(void)close(go[0]);
	assert_int_equal(read(ready[0], &c, 1), 1);
	(void)repair_sets(&wd->env, &wd->set, 1, &rs);
	assert_int_equal(write(go[1], "x", 1), 1);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	(void)close(ready[0]);
	(void)close(go[1]);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_true(exists(wd->qd.fd, DF));
	assert_int_equal(rs.fixed, 0);
	assert_int_equal(wd->seen.result[0], FIXR_NOT_FIXED);
	assert_non_null(strstr(wd->seen.what[0], "locked by another process"));
}

/*
 * More jobs than one batch of step 3 holds (64): every orphan removed,
 * no descriptor left open (teardown counts them), nothing reported as
 * locked.  Two of the jobs name one inode (an envelope split's df): in a
 * batch that still held the first one's lock, the second would find it
 * locked "by another process".
 */
static void
test_batches_of_jobs(void **state)
{
	struct world *wd = *state;
	struct repair_summary rs;
	char id[24], name[32];
	uint32_t j;
	int i;

	for (i = 0; i < 150; i++) {
		(void)snprintf(name, sizeof(name), "dfAB1234%04d", i);
		if (i == 71)
			assert_int_equal(linkat(wd->qd.fd, "dfAB12340070",
			    wd->qd.fd, name, 0), 0);
		else
			put_file(wd->qd.fd, name, BODY);
	}
	for (i = 0; i < 150; i++) {
		(void)snprintf(id, sizeof(id), "AB1234%04d", i);
		(void)snprintf(name, sizeof(name), "df%s", id);
		j = index_job(&wd->set.idx, id, strlen(id));
		assert_int_not_equal(j, 0);
		add_job_file(wd, j, name);
		plan_remove(wd, j, name);
	}
	(void)repair_sets(&wd->env, &wd->set, 1, &rs);
	assert_int_equal(wd->seen.nerror, 0);
	assert_int_equal(rs.not_fixed, 0);
	assert_int_equal(rs.fixed, 150);
	for (i = 0; i < 150; i++) {
		(void)snprintf(name, sizeof(name), "dfAB1234%04d", i);
		assert_false(exists(wd->qd.fd, name));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_removal_is_archived_first, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_writer_changes_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_archive_no_change, setup, teardown),
		cmocka_unit_test_setup_teardown(test_archive_inside_the_queue_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_changed_since_the_check, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stop_before_the_job, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused_queue, setup, teardown),
		cmocka_unit_test_setup_teardown(test_locked_job_left_alone, setup, teardown),
		cmocka_unit_test_setup_teardown(test_batches_of_jobs, setup, teardown),
	};

	(void)signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
