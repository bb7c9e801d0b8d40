/*
 * test_cf.c - sendmail configuration files (format/cf.c).
 *
 * The real Debian sendmail.cf (with two queue groups added) and a cut of
 * submit.cf from tests/cf/, then small hand-made files for each rule of
 * readcf(), setoption(), settimeout(), convtime() and makequeue() that
 * the parser restates.  The expected behaviour of the odd cases was
 * checked against Debian's sendmail 8.17.1.9 binary with -d37.1.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cf.h"

#define DAY (24LL * 3600)

/* read_file - whole file into a malloc'ed buffer */
static char *
read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rbe");
	char *buf = NULL;
	long n;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0) {
		(void)fclose(f);
		return NULL;
	}
	buf = malloc((size_t)n + 1);
	if (buf != NULL && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	(void)fclose(f);
	*len = (size_t)n;
	return buf;
}

/* parse_file - cf_init() and cf_parse() of a file under tests/cf */
static int
parse_file(struct cf *cf, const char *path, struct qerr *err)
{
	size_t len = 0;
	char *buf = read_file(path, &len);
	int rc;

	assert_non_null(buf);
	cf_init(cf);
	rc = cf_parse(cf, buf, len, path, err);
	free(buf);
	return rc;
}

/* parse_text - cf_parse() of a string on top of what cf holds */
static int
parse_text(struct cf *cf, const char *text, struct qerr *err)
{
	qerr_clear(err);
	return cf_parse(cf, text, strlen(text), "t.cf", err);
}

/* parse_ok - cf_init() then a string that must parse */
static void
parse_ok(struct cf *cf, const char *text)
{
	struct qerr err = { 0 };

	cf_init(cf);
	if (parse_text(cf, text, &err) != 0)
		fail_msg("unexpected failure: %s", err.msg);
}

/* parse_fails - cf_init() then a string that must fail with a message
 * containing `want' */
static void
parse_fails(const char *text, int want_errno, const char *want)
{
	struct cf cf;
	struct qerr err = { 0 };

	cf_init(&cf);
	if (parse_text(&cf, text, &err) != -1)
		fail_msg("parsed, expected \"%s\": %s", want, text);
	if (err.sys_errno != want_errno || strstr(err.msg, want) == NULL)
		fail_msg("errno %d, message \"%s\", expected %d \"%s\"",
		    err.sys_errno, err.msg, want_errno, want);
	cf_free(&cf);
}

static void
test_defaults(void **state)
{
	struct cf cf;
	int i;

	(void)state;
	cf_init(&cf);
	assert_null(cf.queue_directory);
	assert_int_equal(cf.queue_file_mode, 0600);
	assert_int_equal(cf.temp_file_mode, 0600);
	assert_false(cf.has_queue_file_mode);
	assert_null(cf.trusted_user);
	assert_null(cf.run_as_user);
	assert_null(cf.run_as_group);
	assert_string_equal(cf.pid_file, "/var/run/sendmail/mta/sendmail.pid");
	assert_false(cf.has_pid_file);
	for (i = 0; i < CF_TOC_N; i++) {
		assert_int_equal(cf.queue_return[i], 5 * DAY);
		assert_int_equal(cf.queue_warn[i], 0);
		assert_false(cf.has_queue_return[i]);
	}
	assert_int_equal(cf.min_free_blocks, 0);
	assert_int_equal(cf.max_message_size, 0);
	assert_false(cf.use_msp);
	assert_int_equal(cf.super_safe, CF_SAFE_TRUE);
	assert_int_equal(cf.data_file_buffer_size, 4096);
	assert_int_equal(cf.xscript_file_buffer_size, 4096);
	assert_null(cf.host_status_dir);
	assert_int_equal(cf.dont_blame, 0);
	assert_int_equal(cf.privacy, 0);
	assert_int_equal(cf.queue_sort_order, CF_SORT_PRIORITY);
	assert_true(cf.requires_dirfsync);
	assert_int_equal(cf.max_runners_per_queue, 1);
	assert_int_equal(cf.ngroups, 1);
	assert_string_equal(cf.groups[0].name, "mqueue");
	assert_null(cf.groups[0].path);
	assert_null(cf.groups[0].qdir);
	assert_false(cf.groups[0].defined);
	assert_int_equal(cf.groups[0].line, 0);
	assert_string_equal(cf.groups[0].flags, "");
	assert_int_equal(cf.groups[0].runners, 1);
	cf_free(&cf);
	/* cf_free() leaves a zeroed struct: a second one is harmless. */
	cf_free(&cf);
}

/* The values Debian 12's stock sendmail.cf gives. */
static void
check_debian_mta(const struct cf *cf)
{
	assert_string_equal(cf->queue_directory, "/var/spool/mqueue");
	assert_int_equal(cf->queue_file_mode, 0640);
	assert_true(cf->has_queue_file_mode);
	assert_int_equal(cf->temp_file_mode, 0640);
	assert_true(cf->has_temp_file_mode);
	assert_string_equal(cf->trusted_user, "smmta");
	assert_null(cf->run_as_user); /* commented out in the file */
	assert_string_equal(cf->pid_file, "/var/run/sendmail/mta/sendmail.pid");
	assert_true(cf->has_pid_file);
	assert_int_equal(cf->queue_return[CF_TOC_NORMAL], 432000);
	assert_int_equal(cf->queue_return[CF_TOC_DSN], 432000);
	assert_int_equal(cf->queue_warn[CF_TOC_URGENT], 4 * 3600);
	assert_int_equal(cf->min_free_blocks, 100);
	assert_false(cf->has_max_message_size);
	assert_false(cf->use_msp);
	assert_int_equal(cf->super_safe, CF_SAFE_TRUE);
	assert_true(cf->has_super_safe);
	assert_true((cf->dont_blame & CF_DBS_TRUSTSTICKYBIT) != 0);
	assert_true((cf->dont_blame & CF_DBS_GROUPWRITABLEDIRPATHSAFE) == 0);
	assert_true((cf->privacy & CF_PRIV_RESTRICTQRUN) != 0);
	assert_true((cf->privacy & CF_PRIV_RESTRICTMAILQ) == 0);
	assert_false(cf->has_data_file_buffer_size);
	assert_null(cf->host_status_dir);
	assert_false(cf->has_queue_sort_order);
	assert_true(cf->requires_dirfsync);
	assert_int_equal(cf->max_runners_per_queue, 5);
	assert_int_equal(cf->config_level, 10);
}

static void
test_debian_qgroups(void **state)
{
	static const char dir[] =
	    "/srv/mqcorpus/corpus/06-subdirs-multiqueue/c-queue-groups/queue";
	struct cf cf;
	struct qerr err = { 0 };
	const struct cf_group *g;

	(void)state;
	if (parse_file(&cf, "tests/cf/debian-qgroups.cf", &err) != 0)
		fail_msg("%s", err.msg);
	check_debian_mta(&cf);
	assert_int_equal(cf.ngroups, 3);
	/* The default group comes from QueueDirectory and takes
	 * MaxRunnersPerQueue as it is at the end. */
	g = &cf.groups[0];
	assert_string_equal(g->name, "mqueue");
	assert_false(g->defined);
	assert_null(g->path);
	assert_string_equal(g->qdir, "/var/spool/mqueue");
	assert_int_equal(g->runners, 5);
	g = &cf.groups[1];
	assert_string_equal(g->name, "groupa");
	assert_true(g->defined);
	assert_int_equal(g->line, 2047);
	assert_string_equal(g->path,
	    "/srv/mqcorpus/corpus/06-subdirs-multiqueue/c-queue-groups/"
	    "queue/groupa");
	assert_string_equal(g->qdir, g->path);
	assert_int_equal(g->runners, 1);
	assert_int_equal(g->maxrcpt, 0);
	assert_string_equal(g->flags, "");
	g = cf_group_find(&cf, "GROUPB");
	assert_ptr_equal(g, &cf.groups[2]);
	assert_int_equal(g->line, 2048);
	assert_null(cf_group_find(&cf, "groupc"));
	cf_free(&cf);

	/* As the corpus ran it: -OQueueDirectory=<case>/queue, sticky, so
	 * the file's QueueDirectory is ignored. */
	cf_init(&cf);
	assert_int_equal(cf_set_option_arg(&cf,
			     "QueueDirectory=/srv/mqcorpus/corpus/"
			     "06-subdirs-multiqueue/c-queue-groups/queue",
			     &err),
	    0);
	{
		size_t len = 0;
		char *buf = read_file("tests/cf/debian-qgroups.cf", &len);

		assert_non_null(buf);
		assert_int_equal(cf_parse(&cf, buf, len, "q.cf", &err), 0);
		free(buf);
	}
	assert_string_equal(cf.queue_directory, dir);
	assert_string_equal(cf.groups[0].qdir, dir);
	cf_free(&cf);
}

static void
test_debian_quar(void **state)
{
	struct cf cf;
	struct qerr err = { 0 };

	(void)state;
	if (parse_file(&cf, "tests/cf/debian-quar.cf", &err) != 0)
		fail_msg("%s", err.msg);
	check_debian_mta(&cf);
	assert_int_equal(cf.ngroups, 1);
	/* Debian's P lines, in order. */
	assert_int_equal(cf.nprecedences, 5);
	assert_string_equal(cf.precedences[0].name, "first-class");
	assert_int_equal(cf.precedences[0].value, 0);
	assert_string_equal(cf.precedences[1].name, "special-delivery");
	assert_int_equal(cf.precedences[1].value, 100);
	assert_string_equal(cf.precedences[3].name, "bulk");
	assert_int_equal(cf.precedences[3].value, -60);
	assert_int_equal(cf.max_queue_run_size, 0);
	cf_free(&cf);
}

/* P lines as readcf() takes them, and MaxQueueRunSize */
static void
test_precedence_lines(void **state)
{
	struct cf cf;
	char text[2048];
	size_t o = 0;
	int i;

	(void)state;
	/* The name runs to the first '='; the value is atoi(); a line
	 * without '=' is skipped; MaxQueueRunSize is kept. */
	parse_ok(&cf, "Pa b=-5x\nPnoequals\nPc==7\nPd=\nO MaxQueueRunSize=250\n");
	assert_int_equal(cf.nprecedences, 3);
	assert_string_equal(cf.precedences[0].name, "a b");
	assert_int_equal(cf.precedences[0].value, -5);
	assert_string_equal(cf.precedences[1].name, "c");
	assert_int_equal(cf.precedences[1].value, 0);
	assert_string_equal(cf.precedences[2].name, "d");
	assert_int_equal(cf.max_queue_run_size, 250);
	cf_free(&cf);
	/* Past 25 (MAXPRIORITIES) the lines are ignored; atoi() clamps. */
	for (i = 0; i < 30; i++)
		o += (size_t)snprintf(text + o, sizeof(text) - o, "Pp%d=%s\n", i,
		    i == 0 ? "99999999999999" : "1");
	parse_ok(&cf, text);
	assert_int_equal(cf.nprecedences, CF_MAX_PRECEDENCES);
	assert_int_equal(cf.precedences[0].value, INT_MAX);
	assert_string_equal(cf.precedences[24].name, "p24");
	cf_free(&cf);
}

static void
test_submit_like(void **state)
{
	struct cf cf;
	struct qerr err = { 0 };

	(void)state;
	if (parse_file(&cf, "tests/cf/submit-snippet.cf", &err) != 0)
		fail_msg("%s", err.msg);
	assert_string_equal(cf.queue_directory, "/var/spool/mqueue-client");
	assert_int_equal(cf.queue_file_mode, 0660);
	assert_int_equal(cf.temp_file_mode, 0640);
	assert_true(cf.use_msp);
	assert_true(cf.has_use_msp);
	assert_string_equal(cf.run_as_user, "smmsp");
	assert_null(cf.run_as_group);
	assert_string_equal(cf.trusted_user, "smmsp");
	assert_string_equal(cf.pid_file, "/var/run/sendmail/msp/sendmail.pid");
	/* "O HostStatusDirectory" with no value changes nothing. */
	assert_null(cf.host_status_dir);
	/* goaway does not include restrictqrun or restrictmailq. */
	assert_int_equal(cf.privacy, CF_PRIV_RESTRICTQRUN);
	assert_int_equal(cf.queue_return[CF_TOC_NONURGENT], 5 * DAY);
	assert_int_equal(cf.queue_warn[CF_TOC_NORMAL], 4 * 3600);
	assert_int_equal(cf.ngroups, 1);
	assert_string_equal(cf.groups[0].qdir, "/var/spool/mqueue-client");
	cf_free(&cf);
}

static void
test_short_forms(void **state)
{
	struct cf cf;

	(void)state;
	parse_ok(&cf, "OQ/var/spool/mqueue\n"
		      "OT5d/4h\n"
		      "Ob100/1000000\n"
		      "OF0600\n"
		      "OsF\n"
		      "Ou8:8\n"
		      "Og8\n"
		      "O\x81whatever\n"
		      "O\n");
	assert_string_equal(cf.queue_directory, "/var/spool/mqueue");
	assert_int_equal(cf.queue_return[CF_TOC_URGENT], 5 * DAY);
	assert_int_equal(cf.queue_warn[CF_TOC_DSN], 4 * 3600);
	assert_int_equal(cf.min_free_blocks, 100);
	assert_int_equal(cf.max_message_size, 1000000);
	assert_true(cf.has_max_message_size);
	assert_int_equal(cf.temp_file_mode, 0600);
	assert_true(cf.has_temp_file_mode);
	assert_false(cf.has_queue_file_mode);
	assert_int_equal(cf.super_safe, CF_SAFE_FALSE);
	cf_free(&cf);

	/* The short form trims nothing; an empty Q is "mqueue"; OT without
	 * a slash leaves the warning alone; Ob without one the size. */
	parse_ok(&cf, "OQ /var/spool/x\nOT3d\nOb7\n");
	assert_string_equal(cf.queue_directory, " /var/spool/x");
	assert_int_equal(cf.queue_return[CF_TOC_NORMAL], 3 * DAY);
	assert_false(cf.has_queue_warn[CF_TOC_NORMAL]);
	assert_int_equal(cf.min_free_blocks, 7);
	assert_false(cf.has_max_message_size);
	assert_int_equal(parse_text(&cf, "OQ\n", NULL), 0);
	assert_string_equal(cf.queue_directory, "mqueue");
	cf_free(&cf);
}

static void
test_long_form_names(void **state)
{
	struct cf cf;

	(void)state;
	/* Abbreviation, case, spaces around '=', no value. */
	parse_ok(&cf, "O QueueDir=/a\n"
		      "O Queue=/ambiguous\n"
		      "O  QueueDirectory=/leading-space-is-unknown\n"
		      "O queuefilemode = 0644\n"
		      "O PidFile\n"
		      "O RunAs=a.b\n"
		      "O MinFree=\t7\n"
		      "O QueueDirectory.sub=/b\n"
		      "O =nameless\n"
		      "O NoSuchOption=1\n");
	assert_string_equal(cf.queue_directory, "/b");
	assert_int_equal(cf.queue_file_mode, 0644);
	assert_string_equal(cf.pid_file, "");
	assert_true(cf.has_pid_file);
	assert_string_equal(cf.run_as_user, "a");
	assert_string_equal(cf.run_as_group, "b");
	/* Only SPACE is skipped after '='; atol() skips the TAB. */
	assert_int_equal(cf.min_free_blocks, 7);
	cf_free(&cf);

	parse_ok(&cf, "O QueueDir=/a\nO Queue=/ambiguous\n");
	assert_string_equal(cf.queue_directory, "/a");
	cf_free(&cf);

	/* A TAB before the value stays in a string value. */
	parse_ok(&cf, "O QueueDirectory=\t/x\n");
	assert_string_equal(cf.queue_directory, "\t/x");
	cf_free(&cf);
}

static void
test_timeouts(void **state)
{
	static const struct {
		const char *line;
		enum cf_toc cls;
		bool warn;
		long long secs;
	} cases[] = {
		{ "O Timeout.queuereturn=5d\n", CF_TOC_NORMAL, false, 5 * DAY },
		{ "O Timeout.queuereturn=now\n", CF_TOC_DSN, false,
		    CF_TIME_NOW },
		{ "O Timeout.queuereturn=NOW\n", CF_TOC_DSN, false,
		    CF_TIME_NOW },
		{ "O Timeout.queuereturn=2\n", CF_TOC_URGENT, false, 2 * DAY },
		{ "O Timeout.queuewarn=2\n", CF_TOC_URGENT, true, 2LL * 3600 },
		{ "O Timeout.queuewarn=4h30m\n", CF_TOC_NORMAL, true, 16200 },
		{ "O Timeout.queuereturn=1w\n", CF_TOC_NONURGENT, false,
		    604800 },
		{ "O Timeout.queuereturn=1d12h30m15s\n", CF_TOC_NORMAL, false,
		    DAY + 12LL * 3600 + 30LL * 60 + 15 },
		{ "O Timeout.queuereturn=-1d\n", CF_TOC_NORMAL, false, -DAY },
		{ "O Timeout.queuereturn=d\n", CF_TOC_NORMAL, false, 0 },
		{ "O Timeout.queuereturn\n", CF_TOC_NORMAL, false, 0 },
		{ "O Timeout.queuereturn.*=3d\n", CF_TOC_DSN, false, 3 * DAY },
		{ "O Timeout.QueueReturn.Urgent=1d\n", CF_TOC_URGENT, false,
		    DAY },
		{ "O Timeout.queuereturn.non-urgent=9d\n", CF_TOC_NONURGENT,
		    false, 9 * DAY },
		{ "O Timeout.queuewarn.dsn=30m\n", CF_TOC_DSN, true, 1800 },
		{ "O Timeout.queuewarn.normal=1h\n", CF_TOC_NORMAL, true,
		    3600 },
		/* Timeout without a suboption: a list, ':' or '='. */
		{ "O Timeout=queuereturn:3d, queuewarn=1h\n", CF_TOC_NORMAL,
		    false, 3 * DAY },
		{ "O Timeout=queuereturn:3d, queuewarn=1h\n", CF_TOC_URGENT,
		    true, 3600 },
		{ "Orqueuewarn=2h,5m\n", CF_TOC_NORMAL, true, 7200 },
		{ "O QueueTimeout=1d/2h\n", CF_TOC_DSN, true, 7200 },
	};
	struct cf cf;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		long long got;

		parse_ok(&cf, cases[i].line);
		got = cases[i].warn ? cf.queue_warn[cases[i].cls]
				    : cf.queue_return[cases[i].cls];
		if (got != cases[i].secs)
			fail_msg("case %zu (%s): %lld, expected %lld", i,
			    cases[i].line, got, cases[i].secs);
		cf_free(&cf);
	}

	/* A class only sets that class. */
	parse_ok(&cf, "O Timeout.queuereturn.urgent=1d\n");
	assert_true(cf.has_queue_return[CF_TOC_URGENT]);
	assert_false(cf.has_queue_return[CF_TOC_NORMAL]);
	assert_int_equal(cf.queue_return[CF_TOC_NORMAL], 5 * DAY);
	cf_free(&cf);

	/* Unknown timeouts and other timeouts are ignored in a file, and
	 * so is an entry without ':' or '=' in a list. */
	parse_ok(&cf, "O Timeout.bogus=1d\nO Timeout.mail=zz\n"
		      "O Timeout=queuereturn 7d\n");
	assert_false(cf.has_queue_return[CF_TOC_NORMAL]);
	cf_free(&cf);

	/* A unit sendmail calls invalid, an upper-case one included. */
	parse_fails("V10\nO Timeout.queuereturn=5D\n", EINVAL,
	    "t.cf: line 2: Timeout: \"5D\" is not a time");
	parse_fails("O Timeout.queuewarn=4 h\n", EINVAL, "line 1");
	parse_fails("OT5x/4h\n", EINVAL, "Timeout: \"5x\" is not a time");
	parse_fails("O Timeout.queuereturn=99999999999999999999d\n", EINVAL,
	    "is not a time");
}

static void
test_folding_and_crlf(void **state)
{
	struct cf cf;

	(void)state;
	/* CR LF is LF; a line starting with SPACE or TAB continues the one
	 * before, its LF kept; a lone CR is an ordinary byte. */
	parse_ok(&cf, "V10\r\n"
		      "O QueueDirectory=/var/spool/mqueue\r\n"
		      "O PidFile=/run/a\r\n\t/b\r\n"
		      "O TrustedUser=sm\rmta\n"
		      "O QueueFileMode=0640  \r\n"
		      "Qg, P=/var/spool/mqueue/g,\r\n"
		      "  R=3\r\n");
	assert_string_equal(cf.queue_directory, "/var/spool/mqueue");
	assert_string_equal(cf.pid_file, "/run/a\n\t/b");
	assert_string_equal(cf.trusted_user, "sm\rmta");
	assert_int_equal(cf.queue_file_mode, 0640);
	assert_int_equal(cf.ngroups, 2);
	assert_int_equal(cf.groups[1].line, 7);
	assert_int_equal(cf.groups[1].runners, 3);
	/* The folded LF after the comma is white space before the field. */
	assert_string_equal(cf.groups[1].path, "/var/spool/mqueue/g");
	cf_free(&cf);

	/* A comment inside a folded line goes up to the next LF only;
	 * trailing white space, folded LFs included, is dropped; no final
	 * LF is needed. */
	parse_ok(&cf, "V10\nO QueueDirectory=/k   # the queue\n # more\n\t\n"
		      "O PidFile=/p");
	assert_string_equal(cf.queue_directory, "/k");
	assert_string_equal(cf.pid_file, "/p");
	cf_free(&cf);

	/* A NUL ends the line as sendmail sees it. */
	{
		static const char text[] = "O QueueDirectory=/a\0junk\n"
					   "O PidFile=/b\n";

		cf_init(&cf);
		assert_int_equal(
		    cf_parse(&cf, text, sizeof(text) - 1, "t.cf", NULL), 0);
		assert_string_equal(cf.queue_directory, "/a");
		assert_string_equal(cf.pid_file, "/b");
		cf_free(&cf);
	}
}

static void
test_comments(void **state)
{
	static const struct {
		const char *text;
		const char *want;
	} cases[] = {
		/* Before a V line of level 3 or more, '#' is ordinary. */
		{ "O QueueDirectory=/a#b\n", "/a#b" },
		{ "V2\nO QueueDirectory=/a#b\n", "/a#b" },
		{ "V3\nO QueueDirectory=/a#b\n", "/a" },
		{ "V10/Berkeley\nO QueueDirectory=/a  #b\n", "/a" },
		{ "V10\nO QueueDirectory=/a\\#b  # c\n", "/a#b" },
		{ "V10\nO QueueDirectory=/a\\\\#b\n", "/a\\#b" },
		{ "V10\nO QueueDirectory=/g$$#h\n", "/g$" },
		{ "V10\nO QueueDirectory=/i$#j\n", "/i$#j" },
		{ "V10\nO QueueDirectory=/i${a#b}#c\n", "/i${a#b}" },
		{ "V10\nO QueueDirectory=/d$$x\n", "/d$x" },
		{ "V10\nO QueueDirectory=/e$\n", "/e$" },
		{ "# O QueueDirectory=/no\nO QueueDirectory=/yes\n", "/yes" },
		{ "O QueueDirectory=/yes\n#O QueueDirectory=/no\n\n", "/yes" },
		{ "O QueueDirectory=/yes\n # O QueueDirectory=/no\n",
		    "/yes\n # O QueueDirectory=/no" },
	};
	struct cf cf;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		parse_ok(&cf, cases[i].text);
		if (strcmp(cf.queue_directory, cases[i].want) != 0)
			fail_msg("case %zu: \"%s\", expected \"%s\"", i,
			    cf.queue_directory, cases[i].want);
		cf_free(&cf);
	}
}

static void
test_other_lines_skipped(void **state)
{
	struct cf cf;

	(void)state;
	/* Every other line type, and lines sendmail calls unknown, are
	 * skipped; an O inside them means nothing. */
	parse_ok(&cf, "V10/Berkeley\n"
		      "Cwlocalhost O QueueDirectory=/no\n"
		      "Fw-o /etc/mail/local-host-names\n"
		      "DnMAILER-DAEMON\n"
		      "Kaccess hash -T<TMPF> -o /etc/mail/access\n"
		      "Mlocal, P=/usr/lib/sm.bin/mail.local, F=lsDFMAw5:/|@q,\n"
		      "\t\tQ=/var/spool/no, A=mail.local -l\n"
		      "H?P?Return-Path: <$g>\n"
		      "Pfirst-class=0\n"
		      "Troot\n"
		      "Scanonify=3\n"
		      "R$@\t$@ <@>\n"
		      "Eenv=1\n"
		      "Xmilter, S=local:/run/m\n"
		      "Lsomething\n"
		      "Gclass\n"
		      " leading space\n"
		      "O QueueDirectory=/yes\n");
	assert_string_equal(cf.queue_directory, "/yes");
	assert_int_equal(cf.ngroups, 1);
	cf_free(&cf);
}

static void
test_queue_base(void **state)
{
	static const struct {
		const char *qdir;
		const char *base;
		const char *prefix;
		bool wildcard;
	} cases[] = {
		{ "/var/spool/mqueue", "/var/spool/mqueue/", "", false },
		{ "/var/spool/mqueue/", "/var/spool/mqueue/", "", false },
		{ "/var/spool/mqueue/q*", "/var/spool/mqueue/", "q", true },
		{ "/var/spool/mqueue/*", "/var/spool/mqueue/", "", true },
		{ "/q*", "/", "q", true },
		{ "mqueue", "mqueue/", "", false },
		{ "a/b*", "a/", "b", true },
	};
	char base[64], prefix[16], big[5000];
	struct cf cf;
	struct qerr err = { 0 };
	bool wild;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cf_init(&cf);
		assert_int_equal(
		    cf_set_option(&cf, "Q", cases[i].qdir, &err), 0);
		assert_int_equal(cf_queue_base(&cf, base, sizeof(base), prefix,
				     sizeof(prefix), &wild, &err),
		    0);
		assert_string_equal(base, cases[i].base);
		assert_string_equal(prefix, cases[i].prefix);
		assert_int_equal(wild, cases[i].wildcard);
		cf_free(&cf);
	}

	cf_init(&cf);
	assert_int_equal(cf_queue_base(&cf, base, sizeof(base), prefix,
			     sizeof(prefix), &wild, &err),
	    -1);
	assert_int_equal(err.sys_errno, EINVAL);
	assert_string_equal(err.msg, "QueueDirectory is not set");
	assert_int_equal(cf_set_option(&cf, "Q", "q*", &err), 0);
	assert_int_equal(cf_queue_base(&cf, base, sizeof(base), prefix,
			     sizeof(prefix), &wild, &err),
	    -1);
	assert_non_null(strstr(err.msg, "relative"));
	/* The base needs one byte more than the value, plus the NUL. */
	assert_int_equal(cf_set_option(&cf, "Q", "/abc", &err), 0);
	assert_int_equal(cf_queue_base(&cf, base, 5, prefix, sizeof(prefix),
			     &wild, &err),
	    -1);
	assert_int_equal(err.sys_errno, ERANGE);
	assert_int_equal(cf_queue_base(&cf, base, 6, prefix, 1, &wild, &err),
	    0);
	assert_string_equal(base, "/abc/");
	/* sendmail's limit: MAXPATHLEN - 1 bytes and more is too long. */
	memset(big, 'a', sizeof(big));
	big[0] = '/';
	big[4094] = '\0';
	assert_int_equal(cf_set_option(&cf, "Q", big, &err), 0);
	assert_int_equal(cf_queue_base(&cf, big, sizeof(big), prefix,
			     sizeof(prefix), &wild, &err),
	    0);
	memset(big, 'a', sizeof(big));
	big[0] = '/';
	big[4095] = '\0';
	assert_int_equal(cf_set_option(&cf, "Q", big, &err), 0);
	assert_int_equal(cf_queue_base(&cf, big, sizeof(big), prefix,
			     sizeof(prefix), &wild, &err),
	    -1);
	assert_int_equal(err.sys_errno, ENAMETOOLONG);
	cf_free(&cf);
}

static void
test_qlines(void **state)
{
	struct cf cf;
	const struct cf_group *g;

	(void)state;
	parse_ok(&cf, "O QueueDirectory=/q\n"
		      "O MaxRunnersPerQueue=4\n"
		      /* Only the first letter of a field name counts. */
		      "Qa, Path=/q/a, Runners=2, recipients=10, Flags=f\n"
		      /* No P=: QueueDirectory as it is now. */
		      "Qb,R=0\n"
		      /* Quotes and backslashes are munched; quoted commas
		       * stay; several F= add up, each letter once. */
		      "Qc P=\"/q/c,d\"\\n, F=fx, F= x y ,I=10m, J=5, N=3\n"
		      /* Unknown field letters are ignored. */
		      "Qd, P=/q/d, Xtra=1, S=p\n"
		      /* No R=: MaxRunnersPerQueue now (4, then 0 means 1). */
		      "O MaxRunnersPerQueue=0\n"
		      "Qe P=/q/e\n"
		      /* MaxQueueChildren caps R=. */
		      "O MaxQueueChildren=3\n"
		      "Qf, P=/q/f, R=9\n"
		      /* Spaces after '=' are skipped, before ',' kept. */
		      "Qg, P=  /q/g  , R=  1\n"
		      /* A later QueueDirectory does not move group b. */
		      "O QueueDirectory=/later\n"
		      /* A redefinition (case ignored) replaces in place. */
		      "QA, P=/q/A2\n"
		      /* A line starting with a space names group "". */
		      "Q ,P=/q/empty\n");
	assert_int_equal(cf.ngroups, 9);
	g = &cf.groups[1];
	assert_string_equal(g->name, "A");
	assert_string_equal(g->path, "/q/A2");
	assert_int_equal(g->runners, 1);
	assert_int_equal(g->maxrcpt, 0);
	assert_string_equal(g->flags, "");
	assert_int_equal(g->line, 13);
	g = cf_group_find(&cf, "b");
	assert_null(g->path);
	assert_string_equal(g->qdir, "/q");
	assert_int_equal(g->runners, 0);
	g = cf_group_find(&cf, "c");
	assert_string_equal(g->path, "/q/c,d\n");
	assert_string_equal(g->flags, "fxy");
	assert_int_equal(g->runners, 4);
	g = cf_group_find(&cf, "d");
	assert_string_equal(g->path, "/q/d");
	g = cf_group_find(&cf, "e");
	assert_int_equal(g->runners, 1);
	g = cf_group_find(&cf, "f");
	assert_int_equal(g->runners, 3);
	g = cf_group_find(&cf, "g");
	assert_string_equal(g->path, "/q/g  ");
	assert_int_equal(g->runners, 1);
	g = cf_group_find(&cf, "");
	assert_non_null(g);
	assert_string_equal(g->path, "/q/empty");
	/* The built-in group follows the final values. */
	assert_string_equal(cf.groups[0].qdir, "/later");
	assert_int_equal(cf.groups[0].runners, 0);
	cf_free(&cf);

	/* A Q line for mqueue replaces the built-in group in place, which
	 * then no longer follows QueueDirectory. */
	parse_ok(&cf, "Qmqueue, P=/var/spool/mq, F=f, r=5\n"
		      "O QueueDirectory=/var/spool/other\n");
	assert_int_equal(cf.ngroups, 1);
	assert_true(cf.groups[0].defined);
	assert_string_equal(cf.groups[0].qdir, "/var/spool/mq");
	assert_int_equal(cf.groups[0].maxrcpt, 5);
	assert_string_equal(cf.groups[0].flags, "f");
	assert_int_equal(cf.groups[0].line, 1);
	cf_free(&cf);

	/* Name ends at white space or ',' (the one byte is dropped). */
	parse_ok(&cf, "O QueueDirectory=/q\nQname\tP=/q/n\nQx,\n");
	assert_string_equal(cf.groups[1].name, "name");
	assert_string_equal(cf.groups[1].path, "/q/n");
	assert_string_equal(cf.groups[2].name, "x");
	assert_string_equal(cf.groups[2].qdir, "/q");
	cf_free(&cf);
}

static void
test_qline_errors(void **state)
{
	struct cf cf;
	struct qerr err = { 0 };
	char text[4096];
	size_t n = 0;
	int i;

	(void)state;
	parse_fails("O QueueDirectory=/q\nQ\n", EINVAL,
	    "t.cf: line 2: name required for queue");
	parse_fails("O QueueDirectory=/q\nQ   \n", EINVAL, "name required");
	parse_fails("Qa, P\n", EINVAL, "line 1: queue a: `=' expected");
	parse_fails("Qa, P=/q/a,\n", EINVAL, "`=' expected");
	parse_fails("Qa, P=/q/a, R\n", EINVAL, "`=' expected");
	parse_fails("Qa, ,\n", EINVAL, "`=' expected");
	parse_fails("Qa, P=\n", EINVAL, "queue a: empty path name");
	parse_fails("Qa, R=1\n", EINVAL,
	    "queue a: QueueDirectory must be set before queue groups");
	parse_fails("O QueueDirectory=/q\nQa, R=two\n", EINVAL,
	    "line 2: R=: \"two\" is not a number");
	parse_fails("O QueueDirectory=/q\nQa, r=5x\n", EINVAL, "r=");
	parse_fails("O QueueDirectory=/q\nQ\x01\x7f, P\n", EINVAL,
	    "queue \\x01\\x7f: `=' expected");

	/* 49 groups besides mqueue fit; the 50th line fails, even for a
	 * name that exists. */
	n += (size_t)snprintf(text + n, sizeof(text) - n, "OQ/q\n");
	for (i = 1; i < CF_MAX_GROUPS; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "Qg%d\n", i);
	parse_ok(&cf, text);
	assert_int_equal(cf.ngroups, CF_MAX_GROUPS);
	cf_free(&cf);
	(void)snprintf(text + n, sizeof(text) - n, "Qg1\n");
	cf_init(&cf);
	assert_int_equal(parse_text(&cf, text, &err), -1);
	assert_non_null(strstr(err.msg, "line 51: too many queue groups"));
	cf_free(&cf);
}

static void
test_value_errors(void **state)
{
	struct cf cf;

	(void)state;
	parse_fails("V10\n\nO QueueFileMode=0648\n", EINVAL,
	    "t.cf: line 3: QueueFileMode: \"0648\" is not an octal mode");
	parse_fails("OF rw\n", EINVAL, "TempFileMode");
	parse_fails("O MinFreeBlocks=100x\n", EINVAL, "MinFreeBlocks");
	parse_fails("Ob100/1M\n", EINVAL, "MaxMessageSize: \"1M\"");
	parse_fails("O DataFileBufferSize=12k\n", EINVAL,
	    "DataFileBufferSize");
	parse_fails("O XscriptFileBufferSize=99999999999\n", EINVAL,
	    "XscriptFileBufferSize");
	parse_fails("O MaxRunnersPerQueue=-\n", EINVAL, "MaxRunnersPerQueue");
	parse_fails("O MaxMessageSize=1e6\n", EINVAL, "MaxMessageSize");
	parse_fails("O QueueFileMode=\x1b[2J\n", EINVAL, "\"\\x1b[2J\"");

	/* Empty values read as 0; atol() skips leading white space and
	 * takes a sign; the low nine bits of a mode are kept. */
	parse_ok(&cf, "O QueueFileMode=\nO MinFreeBlocks= -1\n"
		      "O TempFileMode=04750\nO MaxMessageSize=+5\n");
	assert_int_equal(cf.queue_file_mode, 0);
	assert_true(cf.has_queue_file_mode);
	assert_int_equal(cf.min_free_blocks, -1);
	assert_int_equal(cf.temp_file_mode, 0750);
	assert_int_equal(cf.max_message_size, 5);
	cf_free(&cf);

	/* Tolerated as sendmail tolerates them. */
	parse_ok(&cf, "O QueueSortOrder=x\nO DontBlameSendmail=NoSuchWord\n"
		      "O PrivacyOptions=bogus\nO Timeout.nonsense=1\n"
		      "O Unknown=1\nO Q=ambiguous\nO Cipher=x\n");
	assert_false(cf.has_queue_sort_order);
	assert_int_equal(cf.dont_blame, 0);
	assert_null(cf.queue_directory);
	cf_free(&cf);
}

static void
test_bools_and_enums(void **state)
{
	static const struct {
		const char *val;
		bool b;
		enum cf_supersafe s;
	} cases[] = {
		{ "True", true, CF_SAFE_TRUE },
		{ "true", true, CF_SAFE_TRUE },
		{ "yes", true, CF_SAFE_TRUE },
		{ "", true, CF_SAFE_TRUE },
		{ "False", false, CF_SAFE_FALSE },
		{ "1", false, CF_SAFE_FALSE },
		{ "on", false, CF_SAFE_FALSE },
		{ "Interactive", false, CF_SAFE_INTERACTIVE },
		{ "postmilter", false, CF_SAFE_POSTMILTER },
	};
	static const struct {
		const char *val;
		enum cf_sort order;
	} sorts[] = {
		{ "Priority", CF_SORT_PRIORITY },
		{ "host", CF_SORT_HOST },
		{ "Time", CF_SORT_TIME },
		{ "filename", CF_SORT_FILENAME },
		{ "random", CF_SORT_RANDOM },
		{ "Modification", CF_SORT_MODTIME },
		{ "none", CF_SORT_NONE },
		{ "shuffle", CF_SORT_SHUFFLE },
	};
	char text[128];
	struct cf cf;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		(void)snprintf(text, sizeof(text),
		    "O UseMSP=%s\nO RequiresDirfsync=%s\nO SuperSafe=%s\n",
		    cases[i].val, cases[i].val, cases[i].val);
		parse_ok(&cf, text);
		if (cf.use_msp != cases[i].b ||
		    cf.requires_dirfsync != cases[i].b ||
		    cf.super_safe != cases[i].s)
			fail_msg("case %zu (%s)", i, cases[i].val);
		assert_true(cf.has_use_msp && cf.has_requires_dirfsync &&
		    cf.has_super_safe);
		cf_free(&cf);
	}
	for (i = 0; i < sizeof(sorts) / sizeof(sorts[0]); i++) {
		(void)snprintf(text, sizeof(text), "O QueueSortOrder=%s\n",
		    sorts[i].val);
		parse_ok(&cf, text);
		assert_int_equal(cf.queue_sort_order, sorts[i].order);
		assert_true(cf.has_queue_sort_order);
		cf_free(&cf);
	}
}

static void
test_word_lists(void **state)
{
	struct cf cf;

	(void)state;
	/* Words are split at white space and punctuation, case ignored;
	 * they add up over lines; "Safe" clears DontBlameSendmail. */
	parse_ok(&cf, "O DontBlameSendmail=,TRUSTSTICKYBIT;groupwritable"
		      "dirpathsafe\n"
		      "O PrivacyOptions=goaway  restrictmailq\n"
		      "O PrivacyOptions=public,RestrictQRun\n");
	assert_int_equal(cf.dont_blame, CF_DBS_TRUSTSTICKYBIT |
					    CF_DBS_GROUPWRITABLEDIRPATHSAFE);
	assert_int_equal(cf.privacy,
	    CF_PRIV_RESTRICTMAILQ | CF_PRIV_RESTRICTQRUN);
	assert_int_equal(parse_text(&cf,
			     "O DontBlameSendmail=TrustStickyBit,Safe\n", NULL),
	    0);
	assert_int_equal(cf.dont_blame, 0);
	assert_int_equal(parse_text(&cf,
			     "O DontBlameSendmail=Safe TrustStickyBit\n", NULL),
	    0);
	assert_int_equal(cf.dont_blame, CF_DBS_TRUSTSTICKYBIT);
	/* A word runs only over letters and digits; the byte after it is
	 * swallowed, so "restrictqrunX" is no match but "restrictqrun-" is. */
	cf_free(&cf);
	parse_ok(&cf, "O PrivacyOptions=restrictqrunX,restrictmailq\xe9x\n");
	assert_int_equal(cf.privacy, CF_PRIV_RESTRICTMAILQ);
	cf_free(&cf);
}

static void
test_run_as_user(void **state)
{
	static const struct {
		const char *val;
		const char *user;
		const char *group;
	} cases[] = {
		{ "smmsp", "smmsp", NULL },
		{ "smmsp:smmsp", "smmsp", "smmsp" },
		{ "25:25", "25", "25" },
		{ "a.b", "a", "b" },
		{ "a/b:c", "a", "b:c" },
		{ "a:", "a", NULL },
		{ ":g", "", "g" },
		{ "", "", NULL },
	};
	char text[64];
	struct cf cf;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		(void)snprintf(text, sizeof(text),
		    "O RunAsUser=x:y\nO RunAsUser=%s\n", cases[i].val);
		parse_ok(&cf, text);
		assert_string_equal(cf.run_as_user, cases[i].user);
		if (cases[i].group == NULL)
			assert_null(cf.run_as_group);
		else
			assert_string_equal(cf.run_as_group, cases[i].group);
		cf_free(&cf);
	}
}

static void
test_set_option(void **state)
{
	struct cf cf;
	struct qerr err = { 0 };

	(void)state;
	cf_init(&cf);
	/* Letters, long names, abbreviations and suboptions. */
	assert_int_equal(cf_set_option(&cf, "Q", "/var/spool/x", &err), 0);
	assert_int_equal(cf_set_option(&cf, "QueueFileMode", "0660", &err), 0);
	assert_int_equal(cf_set_option(&cf, "F", "0640", &err), 0);
	assert_int_equal(
	    cf_set_option(&cf, "Timeout.queuereturn", "1d", &err), 0);
	assert_int_equal(cf_set_option(&cf, "T", "2d/3h", &err), 0);
	assert_int_equal(cf_set_option(&cf, "UseMSP", NULL, &err), 0);
	assert_int_equal(cf_set_option(&cf, "DataFile", "8192", &err), 0);
	assert_int_equal(cf_set_option(&cf, "PrivacyOptions", "restrictqrun",
			     &err),
	    0);
	assert_string_equal(cf.queue_directory, "/var/spool/x");
	assert_int_equal(cf.queue_file_mode, 0660);
	assert_int_equal(cf.temp_file_mode, 0640);
	assert_int_equal(cf.queue_return[CF_TOC_DSN], 2 * DAY);
	assert_int_equal(cf.queue_warn[CF_TOC_DSN], 3 * 3600);
	assert_true(cf.use_msp);
	assert_int_equal(cf.data_file_buffer_size, 8192);
	assert_string_equal(cf.groups[0].qdir, "/var/spool/x");

	/* Refusals name the option. */
	assert_int_equal(cf_set_option(&cf, "Queue", "/x", &err), -1);
	assert_int_equal(err.sys_errno, EINVAL);
	assert_string_equal(err.msg, "command line: ambiguous option name "
				     "Queue (matches QueueFactor and "
				     "QueueDirectory)");
	assert_int_equal(cf_set_option(&cf, "NoSuch", "1", &err), -1);
	assert_string_equal(err.msg,
	    "command line: unknown option name NoSuch");
	assert_int_equal(cf_set_option(&cf, "\x01", "1", &err), -1);
	assert_string_equal(err.msg,
	    "command line: unknown option letter 0x01");
	assert_int_equal(cf_set_option(&cf, "Timeout.bogus", "1", &err), -1);
	assert_non_null(strstr(err.msg, "Timeout.bogus: no such timeout"));
	assert_int_equal(cf_set_option(&cf, "Timeout", "bogus=1", &err), -1);
	assert_int_equal(cf_set_option(&cf, "Timeout.mail", "1m", &err), 0);
	assert_int_equal(cf_set_option(&cf, "QueueFileMode", "rw", &err), -1);
	assert_string_equal(err.msg, "command line: QueueFileMode: \"rw\" is "
				     "not an octal mode");
	assert_int_equal(cf_set_option(&cf, ".x", "1", &err), -1);
	assert_string_equal(err.msg, "command line: null option name");
	assert_int_equal(cf.queue_file_mode, 0660);

	/* -O text, split as setoption() splits it. */
	assert_int_equal(
	    cf_set_option_arg(&cf, "QueueDirectory = /var/spool/y", &err), 0);
	assert_string_equal(cf.queue_directory, "/var/spool/y");
	assert_int_equal(cf_set_option_arg(&cf, "PidFile", &err), 0);
	assert_string_equal(cf.pid_file, "");
	assert_int_equal(cf_set_option_arg(&cf, "=x", &err), -1);
	cf_free(&cf);
}

static void
test_sticky(void **state)
{
	struct cf cf;
	struct qerr err = { 0 };

	(void)state;
	cf_init(&cf);
	assert_int_equal(cf_set_option(&cf, "QueueDirectory", "/cmd", &err),
	    0);
	assert_int_equal(cf_set_option(&cf, "s", "False", &err), 0);
	assert_int_equal(
	    cf_set_option(&cf, "Timeout.queuereturn", "1d", &err), 0);
	assert_int_equal(
	    cf_set_option(&cf, "PrivacyOptions", "restrictmailq", &err), 0);
	assert_int_equal(
	    cf_set_option(&cf, "DontBlameSendmail", "TrustStickyBit", &err), 0);
	assert_int_equal(parse_text(&cf,
			     "O QueueDirectory=/file\n"
			     "OQ/file2\n"
			     "O SuperSafe=True\n"
			     "O Timeout.queuereturn=5d\n"
			     "O Timeout.queuereturn.normal=6d\n"
			     "O Timeout.queuereturn.urgent=7d\n"
			     "O Timeout.queuereturn.non-urgent=8d\n"
			     "O Timeout.queuereturn.dsn=9d\n"
			     "O PrivacyOptions=restrictqrun\n"
			     "O DontBlameSendmail=GroupWritableDirPathSafe\n"
			     "O QueueFileMode=zz\n"
			     "Qg, R=2\n",
			     &err),
	    -1);
	/* Sticky options are not even read, so QueueFileMode=zz is only
	 * reached because it is not sticky. */
	assert_non_null(strstr(err.msg, "line 11: QueueFileMode"));
	assert_string_equal(cf.queue_directory, "/cmd");
	assert_int_equal(cf.super_safe, CF_SAFE_FALSE);
	/* settimeout() makes the class-less name sticky for itself,
	 * normal and urgent only. */
	assert_int_equal(cf.queue_return[CF_TOC_NORMAL], DAY);
	assert_int_equal(cf.queue_return[CF_TOC_URGENT], DAY);
	assert_int_equal(cf.queue_return[CF_TOC_NONURGENT], 8 * DAY);
	assert_int_equal(cf.queue_return[CF_TOC_DSN], 9 * DAY);
	/* Lists add up instead of sticking. */
	assert_int_equal(cf.privacy,
	    CF_PRIV_RESTRICTMAILQ | CF_PRIV_RESTRICTQRUN);
	assert_int_equal(cf.dont_blame, CF_DBS_TRUSTSTICKYBIT |
					    CF_DBS_GROUPWRITABLEDIRPATHSAFE);
	cf_free(&cf);

	/* A Q line without P= copies the command line's QueueDirectory;
	 * QueueTimeout sticks as a whole. */
	cf_init(&cf);
	assert_int_equal(cf_set_option(&cf, "Q", "/cmd", &err), 0);
	assert_int_equal(cf_set_option(&cf, "T", "2d", &err), 0);
	assert_int_equal(parse_text(&cf,
			     "OQ/file\nQg, R=2\nOT3d/1h\n"
			     "O Timeout.queuewarn=2h\n",
			     &err),
	    0);
	assert_string_equal(cf.groups[1].qdir, "/cmd");
	assert_int_equal(cf.queue_return[CF_TOC_NORMAL], 2 * DAY);
	assert_int_equal(cf.queue_warn[CF_TOC_NORMAL], 2 * 3600);

	/* After the file, a setting is a plain override. */
	assert_int_equal(cf_set_option(&cf, "MinFreeBlocks", "50/9", &err), 0);
	assert_int_equal(cf.min_free_blocks, 50);
	assert_int_equal(cf.max_message_size, 9);
	cf_free(&cf);
}

static void
test_limits(void **state)
{
	struct cf cf;
	struct qerr err = { 0 };
	size_t big = CF_MAX_BYTES + 1, i;
	char *buf;

	(void)state;
	buf = malloc(big + 1);
	assert_non_null(buf);
	memset(buf, '#', big);
	buf[big] = '\0';
	cf_init(&cf);
	assert_int_equal(cf_parse(&cf, buf, big, "big.cf", &err), -1);
	assert_int_equal(err.sys_errno, EFBIG);
	assert_non_null(strstr(err.msg, "big.cf: "));

	/* A logical line of CF_MAX_LINE bytes is read; one more is not,
	 * wherever its folds are. */
	memcpy(buf, "O PidFile=", 10);
	memset(buf + 10, 'p', CF_MAX_LINE - 10);
	buf[CF_MAX_LINE] = '\n';
	assert_int_equal(cf_parse(&cf, buf, CF_MAX_LINE + 1, "l.cf", &err), 0);
	assert_int_equal(strlen(cf.pid_file), CF_MAX_LINE - 10);
	assert_int_equal(cf_parse(&cf, buf, CF_MAX_LINE, "l.cf", &err), 0);
	memcpy(buf, "#\n", 2);
	memset(buf + 2, 'p', CF_MAX_LINE + 1);
	memcpy(buf + 2, "O PidFile=", 10);
	for (i = 100; i + 1 < CF_MAX_LINE; i += 100) {
		buf[2 + i] = '\n';
		buf[3 + i] = i % 200 == 0 ? ' ' : '\t';
	}
	buf[CF_MAX_LINE + 2] = '\n';
	assert_int_equal(cf_parse(&cf, buf, CF_MAX_LINE + 2, "l.cf", &err), 0);
	assert_int_equal(strlen(cf.pid_file), CF_MAX_LINE - 10);
	assert_int_equal(cf_parse(&cf, buf, CF_MAX_LINE + 3, "l.cf", &err), 0);
	buf[CF_MAX_LINE + 2] = 'p';
	buf[CF_MAX_LINE + 3] = '\n';
	assert_int_equal(cf_parse(&cf, buf, CF_MAX_LINE + 4, "l.cf", &err), -1);
	assert_string_equal(err.msg,
	    "l.cf: line 2: logical line longer than 65536 bytes");
	free(buf);
	cf_free(&cf);

	/* Nothing at all is a valid (empty) file. */
	cf_init(&cf);
	assert_int_equal(cf_parse(&cf, NULL, 0, NULL, &err), 0);
	assert_int_equal(cf_parse(&cf, "\n\n", 2, NULL, &err), 0);
	assert_int_equal(cf_parse(&cf, "Q\n", 2, NULL, &err), -1);
	assert_string_equal(err.msg, "config: line 1: name required for queue");
	cf_free(&cf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_debian_qgroups),
		cmocka_unit_test(test_debian_quar),
		cmocka_unit_test(test_submit_like),
		cmocka_unit_test(test_short_forms),
		cmocka_unit_test(test_long_form_names),
		cmocka_unit_test(test_timeouts),
		cmocka_unit_test(test_folding_and_crlf),
		cmocka_unit_test(test_comments),
		cmocka_unit_test(test_other_lines_skipped),
		cmocka_unit_test(test_queue_base),
		cmocka_unit_test(test_qlines),
		cmocka_unit_test(test_qline_errors),
		cmocka_unit_test(test_value_errors),
		cmocka_unit_test(test_bools_and_enums),
		cmocka_unit_test(test_word_lists),
		cmocka_unit_test(test_run_as_user),
		cmocka_unit_test(test_set_option),
		cmocka_unit_test(test_sticky),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_precedence_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
