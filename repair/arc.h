/*
 * arc.h - nothing lost: the archive every repair writes before it
 * changes anything, and reading one back (--list, --restore).
 *
 * One archive per run: a gzip-compressed pax archive written with
 * libarchive into the archive directory, first as an unnamed file
 * (sio_tmp_create()), fsync()ed and only then given its name
 * "mqfsck-<host>-<YYYYmmddTHHMMSSZ>.tar.gz" ("-2", "-3", ... when that
 * name is taken) and the directory fsync()ed: an archive either exists
 * complete under its name or not at all.
 *
 * Entries:
 *   "<N>/<path>"   a file of queue N (arc_add_queue() order), at <path>
 *                  relative to the queue directory ("df<id>", "qf/qf<id>");
 *                  regular files with their bytes; symbolic links (their
 *                  target), FIFOs, sockets, devices and empty directories
 *                  as metadata only
 *   "MANIFEST"     last: a text file, one record a line, fields separated
 *                  by one space, paths and texts escaped by the one
 *                  rule of esc.h in its field form (printable ASCII
 *                  stands for itself, but a space is \x20 and '\' is \\;
 *                  tab, newline and CR are \t \n \r; every other byte
 *                  is \xNN.  Archives written before the rule used only
 *                  \xNN, which the reader still takes):
 *       mqfsck-archive 1
 *       host <host>
 *       created <YYYY-mm-ddTHH:MM:SSZ>
 *       queue <N> <absolute queue path>
 *       lostfound <N> <absolute path of a lost+found>
 *       file <N> <path> <kind> <mode> <uid> <gid> <size> <mtime> <sha256>
 *            <code> <problem> <action>
 *       wrote <N> <path> <mode> <uid> <gid> <ino> <sha256>
 *       end <number of file records>
 *     kind: data (bytes archived), symlink, fifo, socket, chardev,
 *     blockdev, dir (metadata archived), record (nothing archived: an
 *     owner or mode change, a move); mode in octal with the file type bits
 *     cleared; mtime as <seconds>.<nanoseconds>; sha256 in lower-case hex
 *     for data, "-" otherwise; code the problem code in hex (030001),
 *     problem its name (no-df), action what the repair did (make-inert).
 *     A "wrote" line follows the file line of a file the repair left
 *     somewhere, changed: where (queue N, path: the same or its new name),
 *     with what owner and mode, which inode (0: a new file), and the
 *     SHA-256 of the bytes it wrote ("-": the bytes are the file's as
 *     recorded, renamed or with another owner or mode only).  A restore
 *     undoes a change only while the file is still what the repair left.
 *     A removed file has no "wrote" line.  Version 1 archives have none.
 *
 * Writing takes a struct sio_writer: every change to the file system
 * goes through format/sio.c and is counted for the fault-injection
 * tests.  Nothing here prints except arc_list() and arc_restore(), to
 * the FILE they are given.
 */
#ifndef MQ_ARC_H
#define MQ_ARC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>

#include "err.h"
#include "sio.h"
#include "paths.h"

/* The JSON records' schema (docs/mqfsck.schema.json), for every mode. */
#define MQ_JSON_SCHEMA "mqfsck/2"

#define ARC_SHA256_HEX 64	/* hex digits of a SHA-256 */
#define ARC_KEY_LEN 32		/* bytes of the host key (HMAC-SHA256) */

/* Whether an archive's manifest is signed with the host key. */
enum arc_sig {
	ARC_SIG_NONE = 0,	/* not signed */
	ARC_SIG_NOKEY,		/* signed, but no key to check it with */
	ARC_SIG_BAD,		/* signed, not with this key, or changed */
	ARC_SIG_OK		/* signed with this key, unchanged */
};

/* Where a repair sets aside, in the queue directory, a file too big to
 * copy into the archive (repair.c): a rename on the same file system,
 * recorded as "moved-aside"; arc_restore() renames it back.  sendmail
 * reads no directory of that name. */
#define ARC_ASIDE_DIR "mqfsck-aside"

struct arc;

/* What a repair leaves where a file was: its "wrote" line. */
struct arc_wrote {
	unsigned queue;		/* from arc_add_queue() */
	const char *path;	/* relative to the queue directory */
	mode_t mode;		/* permission bits */
	uid_t uid;
	gid_t gid;
	ino_t ino;		/* 0: a new file (a rewrite) */
	const char *sha;	/* hex SHA-256 of new bytes, NULL: unchanged */
};

/* What the manifest says about a file, besides what fstat() says. */
struct arc_meta {
	unsigned queue;		/* from arc_add_queue() */
	const char *path;	/* relative to the queue directory */
	const char *code;	/* problem code, "030001" */
	const char *problem;	/* problem name, "no-df" */
	const char *action;	/* what the repair does, "make-inert" */
	const struct arc_wrote *wrote; /* what it leaves, NULL: nothing */
};

/*
 * arc_create - start an archive in directory dirfd (an unnamed file,
 * mode 0600).  `host` and `now` make its name and its header.  Returns
 * NULL with err set.
 */
struct arc *arc_create(struct sio_writer *w, int dirfd, const char *host,
    time_t now, struct qerr *err);

/* arc_add_queue - record a queue directory (absolute path); its number,
 * from 0, is the N of entry names */
int arc_add_queue(struct arc *a, const char *abspath, unsigned *n,
    struct qerr *err);

/* arc_add_lostfound - record a lost+found directory files were brought
 * back from (absolute path), numbered with the queues: a record of a
 * file there and its "wrote" line tell a restore where it came from */
int arc_add_lostfound(struct arc *a, const char *abspath, unsigned *n,
    struct qerr *err);

/*
 * arc_add_file - archive the bytes of regular file fd, which the caller
 * opened and fstat()ed into *st, computing their SHA-256 (OpenSSL EVP).
 * The file is read from offset 0 with pread(), exactly st->st_size
 * bytes; if it turns out shorter or longer, or fstat() after the read
 * differs from *st in size, mtime or ctime, the file changed while it
 * was read: the call fails with ESTALE, and the manifest does not list
 * the entry (restore ignores entries the manifest does not list).
 * digest (may be NULL) receives the hex SHA-256, NUL-ended.
 */
int arc_add_file(struct arc *a, const struct arc_meta *m, int fd,
    const struct stat *st, char digest[ARC_SHA256_HEX + 1], struct qerr *err);

/*
 * arc_add_special - archive what a non-regular entry is (a symbolic
 * link with its target, read by the caller with readlinkat(); a FIFO,
 * socket, device or empty directory): metadata only, nothing is opened.
 */
int arc_add_special(struct arc *a, const struct arc_meta *m,
    const struct stat *st, const char *symlink_target, struct qerr *err);

/* arc_add_record - a manifest record only (kind "record"): an owner or
 * mode change, a move; st is the file as it was */
int arc_add_record(struct arc *a, const struct arc_meta *m,
    const struct stat *st, struct qerr *err);

/*
 * arc_aside_name - the name a file set aside by this archive's run gets
 * in the aside directory: "<YYYYmmddTHHMMSSZ>.<prefix><name>" with every
 * '/' of the prefix as '+'; false when it does not fit
 */
bool arc_aside_name(const struct arc *a, const char *prefix,
    const char *name, char *out, size_t outsz);

/*
 * arc_set_key - sign the manifest with key (HMAC-SHA256, an entry
 * "MANIFEST.hmac" after MANIFEST): the manifest lists every file's
 * SHA-256, so a restore that checks the signature and the digests knows
 * the files are those a repair on this host archived
 */
void arc_set_key(struct arc *a, const unsigned char key[ARC_KEY_LEN]);

/* arc_sha256_hex - the SHA-256 of n bytes at p, in lower-case hex */
int arc_sha256_hex(const void *p, size_t n, char hex[ARC_SHA256_HEX + 1],
    struct qerr *err);

/* arc_count - file records so far */
size_t arc_count(const struct arc *a);

/*
 * arc_commit - write the MANIFEST, finish the compressed stream, fsync
 * the file, give it its name, fsync the directory.  `name` receives the
 * name given (in the archive directory).  After a failure nothing is
 * named and the archive is lost: the caller must not change the queue.
 */
int arc_commit(struct arc *a, char *name, size_t namesz, struct qerr *err);

/* arc_failure - why the archive can take nothing more (the first step
 * that failed, e.g. "write to the archive: No space left on device"), or
 * NULL while it is whole */
const char *arc_failure(const struct arc *a);

/* arc_free - release; an archive not committed leaves nothing behind */
void arc_free(struct arc *a);

/*
 * arc_list - print what the archive open on fd holds (one line per
 * manifest record, or one JSON object each with json), checking every
 * archived file against its digest, and whether its manifest is signed
 * with key (NULL: not known; a note unless it is, a "signature" object
 * last with json).  Returns 0 when the archive is
 * whole and every digest matches, 1 when something does not (said on
 * out), -1 when it cannot be read at all (err).
 */
int arc_list(int fd, FILE *out, bool json, const unsigned char *key,
    struct qerr *err);

/* Counts of a restore. */
struct arc_restore_stats {
	size_t restored;	/* written and named */
	size_t already;		/* the same bytes were there already */
	size_t refused;		/* not restored: a file of that name with
				   other bytes, an unsafe entry, a kind that
				   is only recorded */
	size_t failed;		/* digest mismatch, I/O error */
};

/*
 * Whether a queue directory the archive names (opened; st its fstat())
 * may be restored into: an archive is data, and a crafted one could name
 * any directory.
 */
typedef bool (*arc_queue_ok_fn)(const struct stat *st, void *arg);

/* A file about to be restored, for the caller's rules. */
struct arc_file_info {
	const char *path;	/* as recorded: "df<id>", "qf/qf<id>" */
	const char *base;	/* its last component */
	mode_t mode;		/* permission bits recorded */
	uid_t uid;		/* owner recorded */
	gid_t gid;
	const struct stat *dir_st; /* the queue directory it goes into */
};

/* Why the file must not be restored, or NULL when it may. */
typedef const char *(*arc_file_ok_fn)(const struct arc_file_info *fi,
    void *arg);

/* How a restore goes (arc_restore()); all zero: into the recorded
 * paths, anything the manifest lists, only if signed (no key: never). */
struct arc_restore_opts {
	const char *queue_dir;	/* restore into it, not the recorded path */
	arc_queue_ok_fn queue_ok; /* the directory must pass it; NULL: any */
	void *queue_ok_arg;
	arc_file_ok_fn file_ok;	/* each file must pass it; NULL: any */
	void *file_ok_arg;
	const unsigned char *key; /* the host key, NULL: none */
	bool unverified_ok;	/* restore an archive not signed with key */
	bool json;		/* one JSON object a line (schema mqfsck/2,
				   type "restore"), not the lines for people */
	bool dry_run;		/* -n: say what would be done, change nothing */
};

/*
 * arc_restore - put the archived regular files back: into each queue's
 * recorded path, or, with queue_dir, into that directory (refused when
 * the archive holds more than one queue); queue_ok (when not NULL) must
 * accept the directory either way.  Every entry is checked before
 * anything is written: a name not of the form "<N>/<file>" or
 * "<N>/{qf,df,xf}/<file>", an absolute path, "..", a link, a device, an
 * entry the manifest does not list, are refused.  Each file is written
 * to an unnamed file (sio_tmp_create()), checked against its SHA-256,
 * given its owner, mode and mtime, fsync()ed, then named without
 * replacing anything (sio_tmp_publish()), and the directory fsync()ed;
 * data and transcript files before control files, as sendmail writes
 * the df before the qf, so a queue run never sees a control file
 * without its data.  A file already there with the same bytes counts as
 * restored before: an interrupted restore is finished by running it
 * again.  One line per file on out.  Returns 0 when everything was
 * restored (or already there), 1 when something was refused or failed,
 * -1 when the archive cannot be read (err).  Nothing is restored from
 * an archive whose manifest is not signed with key unless unverified_ok.
 */
int arc_restore(struct sio_writer *w, int fd,
    const struct arc_restore_opts *opts, FILE *out,
    struct arc_restore_stats *stats, struct qerr *err);

/*
 * arc_key_load - the host key (ARC_KEY_LEN random bytes) from the file
 * at path, which must be the runner's or root's and closed to others in
 * a directory no one else may write.  With w, a missing key (and its
 * directories, 0700) is made, mode 0600; without, it is only read.
 */
int arc_key_load(struct sio_writer *w, const char *path,
    unsigned char key[ARC_KEY_LEN], struct qerr *err);

/* Where the host key is by default. */
#define ARC_DEFAULT_KEY MQ_LOCALSTATEDIR "/lib/mqfsck/hmac.key"

#endif /* MQ_ARC_H */
