/*
 * show.c - --show ID: one job for a human, after the check of it: every
 * file (where, size, owner, mode, age), its state, when it was queued
 * and its timeout class, tries, sender, recipients, sendmail's last
 * status and a quarantine reason, read from the control file sendmail
 * would use.  Read-only; every byte from the queue is escaped.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "esc.h"
#include "pass3_private.h"
#include "pass4_lostfound.h"
#include "qf.h"
#include "show.h"
#include "sio.h"

#define SHOW_RCPTS 20	/* recipients listed; the rest counted */

/* entry_name - the file's name in its directory (dirfd's entry) */
static void
entry_name(const struct qset *set, const struct job *jb,
    const struct jfile *f, char *out, size_t outsz)
{
	if (f->sub == SUB_LOSTFOUND)
		(void)snprintf(out, outsz, "%s",
		    lf_name(set, (uint32_t)(f - set->idx.files)));
	else
		(void)snprintf(out, outsz, "%cf%.*s", (char)f->letter,
		    (int)jb->idlen, jb->id);
}

/* age - "3 d 4 h", "5 h 2 min", "40 s" ago, for a time before now */
static const char *
age(char *out, size_t outsz, long long now, long long t)
{
	long long s = now - t;

	if (s < 0)
		(void)snprintf(out, outsz, "%lld s in the future", -s);
	else if (s >= 86400)
		(void)snprintf(out, outsz, "%lld d %lld h ago", s / 86400,
		    s % 86400 / 3600);
	else if (s >= 3600)
		(void)snprintf(out, outsz, "%lld h %lld min ago", s / 3600,
		    s % 3600 / 60);
	else
		(void)snprintf(out, outsz, "%lld s ago", s);
	return out;
}

/* show_files - one line per file: name, size, owner, mode, age */
static void
show_files(FILE *o, const struct qset *set, const struct jview *v,
    long long now)
{
	const struct jfile *files[64];
	char name[300], path[600], safe[700], when[64];
	struct stat st;
	size_t i, n;

	n = p3_job_files(set, v->jb, files, sizeof(files) / sizeof(files[0]),
	    NULL);
	for (i = 0; i < n; i++) {
		const struct jfile *jf = files[i];
		int dfd = p3_file_dirfd(set, jf);

		entry_name(set, v->jb, jf, name, sizeof(name));
		(void)snprintf(path, sizeof(path), "%s/%s%s",
		    jf->sub == SUB_LOSTFOUND ? set->lfs[jf->qdir].path
					     : set->dirs[jf->qdir].path,
		    jf->sub < SUB_COUNT ? (const char *[]){ "qf/", "df/",
			"xf/" }[jf->sub] : "",
		    name);
		if (dfd < 0 ||
		    fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			(void)fprintf(o, "  %s: gone since the check\n",
			    esc_str(safe, sizeof(safe), path));
			continue;
		}
		(void)fprintf(o,
		    "  %s: %lld bytes, owner %lu:%lu, mode %04o, modified %s%s\n",
		    esc_str(safe, sizeof(safe), path),
		    (long long)st.st_size, (unsigned long)st.st_uid,
		    (unsigned long)st.st_gid,
		    (unsigned)(st.st_mode & 07777),
		    age(when, sizeof(when), now, (long long)st.st_mtime),
		    (jf->flags & JF_LOCKED) ? ", locked by a sendmail" : "");
	}
}

/* control_of - the control file whose facts the job has (q, h, Q, t) */
static const struct jfile *
control_of(const struct jview *v)
{
	return v->q != NULL ? v->q : v->h != NULL ? v->h
	    : v->lost != NULL ? v->lost : v->t;
}

/* show_envelope - what the control file says: queued, tries, sender,
 * recipients, sendmail's last status, a quarantine reason */
static void
show_envelope(FILE *o, const struct qset *set, const struct jview *v,
    long long now)
{
	const struct jfile *c = control_of(v);
	char val[1024], safe[3100], when[64];
	struct sio_buf buf = { 0 };
	struct qf_file qf;
	struct qerr err;
	size_t i, shown = 0;
	bool cut = false;

	if (c == NULL) {
		(void)fputs("  no control file: nothing says who sent it or to whom\n", o);
		return;
	}
	if (p3_read_control(set, v->jb, c, (char)c->letter, &qf, &buf, NULL,
	    &cut, &err) < 0) {
		(void)fprintf(o, "  %cf%.*s: not read: %s\n", (char)c->letter,
		    (int)v->jb->idlen, esc_bytes(safe, sizeof(safe), v->jb->id,
			v->jb->idlen), err.msg);
		goto out;
	}
	if (qf.has_ctime)
		(void)fprintf(o, "  queued: %s (T line), timeout class %s\n",
		    age(when, sizeof(when), now, qf.ctime),
		    qf_toc_name((enum qf_toc)((v->jb->jflags & JB_TOC_MASK) >>
			JB_TOC_SHIFT)));
	(void)fprintf(o, "  tries: %d", qf.has_tries ? qf.tries : 0);
	if (qf.has_lasttry && qf.lasttry > 0)
		(void)fprintf(o, ", the last %s",
		    age(when, sizeof(when), now, qf.lasttry));
	(void)fputc('\n', o);
	if (qf.sender.len > 0) {
		(void)qf_span_value(&qf, &qf.sender, val, sizeof(val));
		(void)fprintf(o, "  sender: %s\n", esc_str(safe, sizeof(safe), val));
	} else
		(void)fputs("  sender: none (no S line)\n", o);
	(void)fprintf(o, "  recipients: %u\n", qf.nrcpt);
	for (i = 0; i < qf.nlines; i++) {
		const char *colon;

		if (qf.lines[i].code != 'R' || (qf.lines[i].flags & QFL_DELETED))
			continue;
		if (shown++ == SHOW_RCPTS)
			break;
		(void)qf_line_value(&qf, i, val, sizeof(val));
		colon = strchr(val, ':');
		(void)fprintf(o, "    %s\n", esc_str(safe, sizeof(safe),
		    colon != NULL ? colon + 1 : val));
	}
	if (qf.nrcpt > SHOW_RCPTS)
		(void)fprintf(o, "    ... and %u more\n", qf.nrcpt - SHOW_RCPTS);
	/* readqf(): the last M line is the status sendmail reports. */
	for (i = qf.nlines; i-- > 0;)
		if (qf.lines[i].code == 'M' &&
		    !(qf.lines[i].flags & QFL_DELETED)) {
			(void)qf_line_value(&qf, i, val, sizeof(val));
			(void)fprintf(o, "  status: %s\n",
			    esc_str(safe, sizeof(safe), val));
			break;
		}
	if (qf.quarantine.len > 0) {
		(void)qf_span_value(&qf, &qf.quarantine, val, sizeof(val));
		(void)fprintf(o, "  quarantined: %s\n",
		    esc_str(safe, sizeof(safe), val));
	}
	if (cut)
		(void)fputs("  (the control file is longer than mqfsck reads: the rest is not shown)\n", o);
out:
	qf_free(&qf);
	sio_buf_free(&buf);
}

/* show_job - see show.h */
void
show_job(struct fsck_ctx *ctx, const struct qset *set, const struct jview *v,
    const char *state, unsigned long findings)
{
	FILE *o = ctx->out;
	char id[128];

	/* Passes 1 and 2 reported about its files before pass 3 began. */
	(void)p3_job_files(set, v->jb, NULL, 0, &findings);
	(void)fprintf(o, "job %s: %s%s\n", esc_bytes(id, sizeof(id), v->jb->id,
	    v->jb->idlen), state, findings > 0 ? ", findings above" :
	    strcmp(state, "judged") == 0 ? ", nothing found" : "");
	show_files(o, set, v, (long long)ctx->now);
	show_envelope(o, set, v, (long long)ctx->now);
}
