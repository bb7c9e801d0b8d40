/*
 * qf.h - sendmail 8.17 control files (qf, hf, Qf, tf, Tf): read, judge,
 * edit and write back.
 *
 * Reading follows sendmail's own reader exactly: util.c fgetfolded()
 * builds logical lines (CR LF reads as LF, a physical line starting with
 * SPACE or TAB continues the previous one) and queue.c readqf() acts on
 * the first byte of each.  Every logical line is kept as the raw bytes it
 * came from, so writing an unedited file back gives the same bytes, and an
 * edit (a new I line, say) touches only the line it edits.
 *
 * The result of qf_parse() is a struct qf_file: the lines, the fields
 * sendmail uses, and a list of defects.  Each defect has the physical
 * line number it starts on and the consequence sendmail gives it
 * (renamed to Qf, skipped forever, deleted silently, ...); qf->outcome
 * is what sendmail would actually do with the file as a whole, found by
 * replaying gatherq() and readqf() in order (the first fatal line wins).
 *
 * Limits (bounded memory on any input): a file over QF_MAX_BYTES, or with
 * more than QF_MAX_LINES logical lines, is not judged (QF_D_TOO_LARGE);
 * at most QF_MAX_DEFECTS defects are listed, all of them are counted.
 * Time is linear in the input.  Memory is the caller's buffer plus 16
 * bytes a logical line plus a fixed amount.
 */
#ifndef MQ_QF_H
#define MQ_QF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define QF_MAX_BYTES ((size_t)16 * 1024 * 1024) /* 16 MiB */
#define QF_MAX_LINES (1u << 20)		    /* 1,048,576 logical lines */
#define QF_MAX_DEFECTS 64		    /* listed; the rest counted */

/* QF_VERSION in queue.c: a higher V line makes sendmail lose the file. */
#define QF_SENDMAIL_VERSION 8

/*
 * What sendmail does because of a defect, mildest first.  The order is
 * used only to pick the worst of a set; qf->outcome comes from replaying
 * sendmail's reading order, not from this order.
 */
enum qf_consequence {
	QF_CSQ_NONE = 0,  /* nothing: the file is as sendmail writes it */
	QF_CSQ_COSMETIC,  /* ignored or harmless; a rewrite may drop it */
	QF_CSQ_ALTERED,	  /* runs, but not as written: sender, age,
			     recipients or headers change */
	QF_CSQ_NO_BODY,	  /* delivered as "<<< No Message Collected >>>"
			     (a job state; the reader never sets it) */
	QF_CSQ_ABORT,	  /* the queue-run process aborts; later jobs wait */
	QF_CSQ_DELETED,	  /* qf and df unlinked without a word */
	QF_CSQ_SKIPPED,	  /* skipped on every run, never cleaned */
	QF_CSQ_LOST,	  /* renamed to Qf by loseqfile(), never run */
	QF_CSQ_UNCHECKED, /* too large to judge */
};

/* What the reader finds wrong: one kind per row of qf_defects.def. */
enum qf_defect_kind {
#define QF_DEFECT(kind, code, name, csq, what, sendmail, flags, fix) \
	QF_D_##kind,
#include "qf_defects.def"
#undef QF_DEFECT
	QF_D_NKINDS		  /* number of kinds */
};

/* Static facts about each defect kind. */
struct qf_defect_info {
	const char *name;		/* stable short name, e.g. "no-terminator" */
	enum qf_consequence consequence;
	const char *what;		/* one line: what is wrong */
	const char *sendmail;		/* one line: what sendmail does about it */
};

/* qf_defect_info - the facts for a kind; BUG() on an invalid kind */
const struct qf_defect_info *qf_defect_info(enum qf_defect_kind kind);

/* qf_consequence_name - "lost", "skipped", ... */
const char *qf_consequence_name(enum qf_consequence csq);

struct qf_defect {
	enum qf_defect_kind kind;
	uint32_t line;		/* physical line it starts on (1-based), 0 = file */
};

/* One logical line: raw bytes, including its line break(s). */
struct qf_line {
	uint32_t off;		/* offset in the input, or in the edit arena */
	uint32_t len;		/* raw bytes, line breaks included */
	uint32_t lineno;	/* physical line number of its first line */
	unsigned char code;	/* the line code as readqf() sees it (0: blank) */
	unsigned char flags;	/* QFL_* */
	uint16_t spare;
};

#define QFL_FOLDED 0x01	 /* has continuation lines */
#define QFL_CR 0x02	 /* holds a CR (CR LF breaks or a lone CR) */
#define QFL_NUL 0x04	 /* holds a NUL byte */
#define QFL_NO_EOL 0x08	 /* last line of the file, without a line break */
#define QFL_ARENA 0x10	 /* bytes live in the edit arena, not the input */
#define QFL_DELETED 0x20 /* removed by an edit; not written */

/* A field's line: the logical line (raw) it came from, or none. */
struct qf_span {
	uint32_t off, len;	/* raw logical line in the input; len 0: absent */
	uint32_t lineno;
};

/* Envelope flags of the F line (queue.c readqf()). */
#define QF_F_WARNING 0x01   /* w */
#define QF_F_RESPONSE 0x02  /* r */
#define QF_F_8BIT 0x04	    /* 8 */
#define QF_F_DELETE_BCC 0x08 /* b */
#define QF_F_RET_PARAM 0x10 /* d */
#define QF_F_NO_BODY_RETN 0x20 /* n */
#define QF_F_SPLIT 0x40	    /* s */
#define QF_F_SMTPUTF8 0x80  /* e (USE_EAI builds only) */

struct qf_file {
	/* Input (borrowed from the caller; must outlive the qf_file). */
	const unsigned char *buf;
	size_t len;

	/* Logical lines, in file order. */
	struct qf_line *lines;
	size_t nlines, lines_cap;

	/* Fields, as readqf() would set them (the last line wins). */
	long long ctime;		/* T */
	long long lasttry;		/* K */
	long long priority;		/* P (as stored; sendmail adds RetryFactor) */
	long long inode_major, inode_minor; /* I, when has_inode */
	unsigned long long inode;
	long long deliver_by_secs;	/* ! */
	struct qf_span inode_line;	/* the I line (even if malformed) */
	struct qf_span datadir;		/* d */
	struct qf_span bodytype;	/* B */
	struct qf_span quarantine;	/* q */
	struct qf_span sender;		/* S */
	struct qf_span envid;		/* Z */
	struct qf_span auth;		/* A */
	struct qf_span deliver_by;	/* ! */
	uint32_t nphys;			/* LF count: sendmail's LineNumber */
	uint32_t nrcpt;			/* R lines */
	uint32_t nrcpt_usable;		/* R lines readqf() makes recipients of */
	uint32_t nheaders;		/* H lines */
	int version;			/* atoi() of V */
	int tries;			/* N */
	unsigned envflags;		/* QF_F_* */
	size_t terminator;		/* index in lines[] of the '.' line */

	/* Judgement. */
	uint64_t defect_kinds;		/* bit (1 << kind) for every kind found */
	size_t ndefects;		/* listed in defects[] */
	size_t ndefects_total;		/* found, including those not listed */
	struct qf_defect defects[QF_MAX_DEFECTS];
	enum qf_consequence outcome;	/* what sendmail does with the file */
	enum qf_defect_kind outcome_kind; /* the defect deciding it */
	uint32_t outcome_line;

	/* Edits and scratch space, reused between files. */
	unsigned char *arena;
	size_t arena_len, arena_cap;
	unsigned char *scratch;		/* for cooking folded or CR lines */
	size_t scratch_cap;

	char letter;			/* q h Q t T, or 0 */
	unsigned char deliver_by_flags;	/* ! flag byte */
	bool has_version, has_ctime, has_lasttry, has_tries, has_priority;
	bool has_inode;			/* I parsed as <major>/<minor>/<inode> */
	bool terminated;		/* a '.' line was read */
	bool prog_rcpt;			/* an R line for a program, file or
					   :include: (EF_UNSAFE makes those
					   bounce: recipient.c) */
	bool edited;
};

/* Options for qf_parse(). */
struct qf_parse_opts {
	char letter;		/* q h Q t T; 0 if unknown (no q/h rules) */
	uint64_t file_size;	/* size on disk if larger than the bytes
				   given (the caller stopped reading); 0 */
	/*
	 * Whether `name` (len bytes) is the qp_name of a configured queue
	 * directory, as readqf() checks a d line.  NULL: d lines are not
	 * judged except that an empty one never names a directory.
	 */
	bool (*datadir_ok)(const char *name, size_t len, void *arg);
	void *datadir_arg;
};

/* qf_init - make an empty qf_file; no allocation yet */
void qf_init(struct qf_file *qf);

/* qf_free - release what the qf_file allocated; it may be reused after */
void qf_free(struct qf_file *qf);

/*
 * qf_parse - read len bytes of a control file.  The qf_file is reset and
 * reused (its allocations are kept for the next file).  buf must stay
 * valid while qf is used.  Returns 0, or -1 with err set when memory runs
 * out (the file is then not judged).  Malformed input is never an error:
 * it is a defect.
 */
int qf_parse(struct qf_file *qf, const unsigned char *buf, size_t len,
    const struct qf_parse_opts *opts, struct qerr *err);

/* qf_has - whether a defect of this kind was found */
bool qf_has(const struct qf_file *qf, enum qf_defect_kind kind);

/*
 * qf_complete - the file ends with a terminator and sendmail would read
 * it to the end without losing it: what a tf must be to be promoted.
 */
bool qf_complete(const struct qf_file *qf);

/*
 * qf_span_value - the value of a field line (the bytes after the code,
 * cooked as sendmail reads them: CR LF as LF, continuation breaks kept,
 * final break dropped), copied into out (NUL-terminated, cut to fit).
 * Returns the full length of the value.
 */
size_t qf_span_value(const struct qf_file *qf, const struct qf_span *span,
    char *out, size_t outsz);

/*
 * qf_line_value - the same for logical line `index`, whether original or
 * edited.
 */
size_t qf_line_value(const struct qf_file *qf, size_t index, char *out,
    size_t outsz);

/* Message timeout classes (sendmail.h TOC_*; cf.h's enum cf_toc order). */
enum qf_toc {
	QF_TOC_NORMAL = 0,
	QF_TOC_URGENT,
	QF_TOC_NONURGENT,
	QF_TOC_DSN
};

/* qf_toc_name - "normal", "urgent", "non-urgent", "dsn" (as sendmail
 * names the classes in its Timeout options) */
const char *qf_toc_name(enum qf_toc toc);

/* A Precedence: value the configuration defines (its P lines). */
struct qf_precedence {
	const char *name;
	int value;
};

/*
 * qf_timeout_class - the class eatheader() gives the job on every run:
 * a Precedence: header through the P lines (negative: non-urgent,
 * positive: urgent; unknown: 0), a Content-Type of multipart/report with
 * report-type=delivery-status (dsn), then a Priority: header of urgent,
 * normal or non-urgent, else the r flag (dsn).  *class_out (may be NULL)
 * gets the precedence's value (e_class).
 */
enum qf_toc qf_timeout_class(const struct qf_file *qf,
    const struct qf_precedence *prec, size_t nprec, int *class_out);

/*
 * qf_warns - whether dropenvelope() may send a delay warning for it: no
 * w (already sent) or r flag, a precedence not negative, a sender that
 * is not <>, owner-* or *-request.
 */
bool qf_warns(const struct qf_file *qf, int e_class);

/* An H line taken apart as dochompheader() does. */
struct qf_header {
	const char *cond;	/* between the two '?'; NULL if none */
	size_t cond_len;
	const char *name;	/* field name */
	size_t name_len;
	const char *value;	/* raw bytes after the ':', up to the line's
				   final break (continuations included, with
				   their CR LF or LF breaks) */
	size_t value_len;
};

/*
 * qf_header - take apart logical line `index` if it is an H line that
 * sendmail accepts; pointers go into the input or the edit arena.
 * Returns false for any other line.
 */
bool qf_header(const struct qf_file *qf, size_t index, struct qf_header *out);

/*
 * Edits.  They change lines[] and the fields they concern; every other
 * line keeps its bytes.  Returns 0, or -1 with err set (no memory, or the
 * edit is not possible, such as an I line in an unterminated file).
 */

/*
 * qf_set_inode - make the I line say major/minor/inode, written as
 * queueup() writes it ("I%ld/%ld/%llu").  An existing I line is replaced
 * in place; otherwise one is inserted where queueup() puts it: after the
 * leading V T K N P d lines.  Its line break copies its neighbour's (LF,
 * or CR LF in a CR LF file).
 */
int qf_set_inode(struct qf_file *qf, long long major, long long minor,
    unsigned long long inode, struct qerr *err);

/*
 * qf_set_field - make the `code` line (T, K, N, P, ...) say `value` (one
 * line): the one sendmail reads last is replaced; without one, a line is
 * inserted after the leading lines whose codes are in `before` (queueup()
 * writes "VTKNPdI..." in that order).
 */
int qf_set_field(struct qf_file *qf, char code, const char *value,
    const char *before, struct qerr *err);

/*
 * qf_use_lf - write every CR LF line break as LF, the way sendmail
 * writes a control file (fgetfolded() reads CR LF as LF; a lone CR, which
 * it keeps, stays, and the break after it too: sendmail reads the file
 * the same).
 */
int qf_use_lf(struct qf_file *qf, struct qerr *err);

/* qf_code_known - readqf() knows line code `code` (otherwise: "bad
 * line", the job lost to Qf) */
bool qf_code_known(unsigned char code);

/* qf_delete_line - drop logical line `index` */
int qf_delete_line(struct qf_file *qf, size_t index, struct qerr *err);

/* qf_output_size - bytes qf_write_buf() produces */
size_t qf_output_size(const struct qf_file *qf);

/*
 * qf_write - produce the file's bytes, with edits, through `sink`, which
 * returns 0 or -1 (stopping the write).  Returns 0 or -1.
 */
int qf_write(const struct qf_file *qf,
    int (*sink)(void *arg, const void *data, size_t len), void *arg);

/*
 * qf_write_buf - the same into out[0..cap); returns the bytes written, or
 * (size_t)-1 if cap is too small.
 */
size_t qf_write_buf(const struct qf_file *qf, unsigned char *out, size_t cap);

#endif /* MQ_QF_H */
