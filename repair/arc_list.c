/*
 * arc_list.c - --list: every manifest record with its entry checked
 * against its digest and the manifest's signature, as text (fields
 * escaped by the one rule of esc.h) or JSON.  The archive is read twice:
 * once for the manifest (arc_read.c), once to hash every entry.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "arc_private.h"
#include "esc.h"

/* ------------------------------------------------------------------ */
/* Printing */

/* ar_print_esc - s on out as one field, escaped by the one rule */
void
ar_print_esc(FILE *out, const char *s)
{
	esc_fputs(out, s, ESC_FIELD);
}

/* print_field - a text field as the manifest has it ("-": empty) */
static void
print_field(FILE *out, const char *s)
{
	if (s[0] == '\0')
		(void)fputs("-", out);
	else if (strcmp(s, "-") == 0)
		(void)fputs("\\x2d", out);
	else
		ar_print_esc(out, s);
}

/* json_text - a text field: a string, or null when empty */
static void
json_text(FILE *out, const char *key, const char *s)
{
	(void)fprintf(out, ",\"%s\":", key);
	if (s[0] == '\0')
		(void)fputs("null", out);
	else
		esc_json(out, s);
}

/* rec_status - a record's verification, for a listing */
static const char *
rec_status(const struct mf_rec *r)
{
	if (r->kind != K_DATA)
		return "-";
	if (r->state == ST_DONE)
		return "ok";
	return r->bad_seen ? "DIGEST MISMATCH" : "MISSING";
}

/* list_human - one record as a line of text */
static void
list_human(FILE *out, const struct manifest *mf, const struct mf_rec *r)
{
	print_field(out, r->code);
	(void)putc(' ', out);
	print_field(out, r->problem);
	(void)putc(' ', out);
	print_field(out, r->action);
	(void)fprintf(out, " %s %04o %" PRIu32 ":%" PRIu32 " %" PRId64 " ",
	    ar_kind_names[r->kind], (unsigned)r->mode, r->uid, r->gid, r->size);
	ar_print_esc(out, mf->queues[r->queue]);
	(void)putc('/', out);
	ar_print_esc(out, r->path);
	/* Where the repair put it, when that is another name. */
	if (r->w_path != NULL && (r->w_queue != r->queue ||
	    strcmp(r->w_path, r->path) != 0)) {
		(void)fputs(" -> ", out);
		ar_print_esc(out, mf->queues[r->w_queue]);
		(void)putc('/', out);
		ar_print_esc(out, r->w_path);
	}
	if (r->kind == K_DATA)
		(void)fprintf(out, " sha256:%.*s %s\n", ARC_SHORT_DIGEST,
		    r->sha, rec_status(r));
	else
		(void)fputs(" - -\n", out);
}

/* json_code - the problem's number as the report writes it, "0x030002"
 * (the manifest holds its six hex digits), or null for anything else */
static void
json_code(FILE *out, const char *code)
{
	if (code != NULL && strlen(code) == 6 &&
	    strspn(code, "0123456789abcdef") == 6)
		(void)fprintf(out, ",\"code\":\"0x%s\"", code);
	else
		(void)fputs(",\"code\":null", out);
}

/* list_json - one record as a JSON object on a line */
static void
list_json(FILE *out, const struct manifest *mf, const struct mf_rec *r)
{
	(void)fprintf(out, "{\"schema\":\"%s\",\"type\":\"archived\","
	    "\"queue\":", JSON_SCHEMA);
	esc_json(out, mf->queues[r->queue]);
	(void)fputs(",\"file\":", out);
	esc_json(out, r->path);
	(void)fprintf(out, ",\"kind\":\"%s\",\"mode\":\"%04o\",\"uid\":%"
	    PRIu32 ",\"gid\":%" PRIu32 ",\"size\":%" PRId64 ",\"mtime\":\"%"
	    PRId64 ".%09ld\",\"sha256\":", ar_kind_names[r->kind],
	    (unsigned)r->mode, r->uid, r->gid, r->size, r->mtime_sec,
	    r->mtime_nsec);
	if (r->sha != NULL)
		(void)fprintf(out, "\"%s\"", r->sha);
	else
		(void)fputs("null", out);
	json_code(out, r->code);
	json_text(out, "name", r->problem);
	json_text(out, "action", r->action);
	if (r->w_path != NULL) {
		/* What the repair left (the manifest's "wrote" line). */
		(void)fputs(",\"left\":{\"queue\":", out);
		esc_json(out, mf->queues[r->w_queue]);
		(void)fputs(",\"file\":", out);
		esc_json(out, r->w_path);
		(void)fprintf(out, ",\"mode\":\"%04o\",\"uid\":%" PRIu32
		    ",\"gid\":%" PRIu32 ",\"sha256\":", (unsigned)r->w_mode,
		    r->w_uid, r->w_gid);
		if (r->w_sha != NULL)
			(void)fprintf(out, "\"%s\"}", r->w_sha);
		else
			(void)fputs("null}", out);
	}
	(void)fprintf(out, ",\"verified\":%s}\n", r->kind != K_DATA ? "null" :
	    (r->state == ST_DONE ? "true" : "false"));
}

/* ------------------------------------------------------------------ */
/* arc_list */

struct lister {
	struct manifest mf;
	FILE *out;
	bool json;
	unsigned char *buf;		/* ARC_CHUNK bytes */
};

/* list_unlisted - an entry no record accounts for (it is ignored) */
static void
list_unlisted(const struct lister *l, struct archive_entry *e)
{
	const char *name = archive_entry_pathname(e);

	if (name == NULL)
		name = "";
	if (l->json) {
		(void)fprintf(l->out, "{\"schema\":\"%s\","
		    "\"type\":\"unlisted\",\"entry\":", JSON_SCHEMA);
		esc_json(l->out, name);
		(void)fputs(",\"what\":", l->out);
		esc_json(l->out, ar_entry_what(e));
		(void)fputs("}\n", l->out);
		return;
	}
	(void)fputs("unlisted ", l->out);
	ar_print_esc(l->out, name);
	(void)fprintf(l->out, " (%s not in the manifest: ignored)\n",
	    ar_entry_what(e));
}

/* list_entry - check one entry against the records of its name */
static int
list_entry(struct lister *l, struct archive *ar, struct archive_entry *e,
    struct qerr *err)
{
	const char *name = archive_entry_pathname(e);
	char hex[ARC_SHA256_HEX + 1];
	struct qerr werr;
	struct mf_rec *r;
	size_t first = 0, n;
	int64_t limit, total;

	if (name != NULL && (strcmp(name, MANIFEST_NAME) == 0 ||
	    strcmp(name, SIG_NAME) == 0))
		return 0;
	n = mf_entry_records(&l->mf, e, &first);
	if (n == 0 || !mf_has_kind(&l->mf, first, n,
	    ar_entry_regular(e) ? K_DATA : ar_entry_kind(e))) {
		list_unlisted(l, e);
		return 0;
	}
	if (!ar_entry_regular(e))
		return 0;
	limit = mf_pending_limit(&l->mf, first, n);
	if (limit < 0)
		return 0;	/* a second entry of a name already verified */
	if (ar_copy_entry(ar, -1, limit, l->buf, hex, &total, err, &werr) < 0)
		return -1;
	r = total <= limit ? mf_match(&l->mf, first, n, total, hex) : NULL;
	if (r != NULL)
		r->state = ST_DONE;
	else
		mf_mark_bad(&l->mf, first, n);
	return 0;
}

/* list_verify - hash every entry of the archive */
static int
list_verify(struct lister *l, int fd, struct qerr *err)
{
	struct archive_entry *e;
	struct archive *ar = ar_rd_open(fd, err);
	int r;

	if (ar == NULL)
		return -1;
	while ((r = ar_rd_next(ar, &e, err)) == 1)
		if (list_entry(l, ar, e, err) < 0) {
			r = -1;
			break;
		}
	(void)archive_read_free(ar);
	return r;
}

/* arc_list - print the records of the archive on fd, verified */
int
arc_list(int fd, FILE *out, bool json, const unsigned char *key,
    struct qerr *err)
{
	struct lister l;
	size_t i, bad_files = 0;
	int rc = -1;

	REQUIRE(out != NULL);
	memset(&l, 0, sizeof(l));
	l.out = out;
	l.json = json;
	if (mf_load(fd, &l.mf, key, err) < 0)
		return -1;
	l.buf = malloc(ARC_CHUNK);
	if (l.buf == NULL) {
		(void)ar_nomem(err);
		goto out;
	}
	if (list_verify(&l, fd, err) < 0)
		goto out;
	for (i = 0; i < l.mf.nrecs; i++) {
		const struct mf_rec *r = &l.mf.recs[i];

		if (json)
			list_json(out, &l.mf, r);
		else
			list_human(out, &l.mf, r);
		if (r->kind == K_DATA && r->state != ST_DONE)
			bad_files++;
	}
	/* Said when it is not the host's own, unchanged. */
	if (json)
		(void)fprintf(out, "{\"schema\":\"%s\",\"type\":\"signature\",\"state\":\"%s\"}\n",
		    JSON_SCHEMA, l.mf.sigstate == ARC_SIG_OK ? "ok"
		    : l.mf.sigstate == ARC_SIG_NONE ? "none"
		    : l.mf.sigstate == ARC_SIG_NOKEY ? "no-key" : "bad");
	else if (l.mf.sigstate != ARC_SIG_OK)
		(void)fprintf(out, "note: %s\n", ar_sig_words(l.mf.sigstate));
	if (fflush(out) != 0 || ferror(out)) {
		qerr_set(err, EIO, "the listing could not be written");
		goto out;
	}
	rc = bad_files > 0 ? 1 : 0;
out:
	free(l.buf);
	mf_free(&l.mf);
	return rc;
}

