/*
 * arc_fixture.h - the scratch queue and archive helpers the archive tests
 * share (test_arc_write.c, test_arc_read.c, test_arc_list.c,
 * test_arc_restore.c); arc_fixture.c says how each works.
 */
#ifndef MQ_TEST_ARC_FIXTURE_H
#define MQ_TEST_ARC_FIXTURE_H

#include <dirent.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

#include <archive.h>

#include "arc.h"
#include "sio.h"

#define FAULT_ENV "MQFSCK_FAULT_AFTER"
#define HOST "mx1.example.org"
#define NOW ((time_t)1700000000)	/* 2023-11-14T22:13:20Z */
#define STAMP "20231114T221320Z"
#define ARC_NAME "mqfsck-" HOST "-" STAMP ".tar.gz"
#define QMODE 0750			/* the queue and the restore target */
#define BIG_SIZE (200 * 1024 + 17)	/* more than one read chunk */
#define MAX_ENTRIES 64			/* of an archive read back here */
#define MAX_PATHS 512			/* in a snapshot of a tree */
#define ARENA_MAX ((size_t)4 << 20)	/* bytes of entries read back */
#define NAME_BUF 256
#define FAULT_MAX 500			/* more counted calls: a runaway */
#define MUTANTS 150			/* per archive in the mutation test */
#define OUT_UID 1005			/* owner of out/ when root */
#define OUT_GID 1006
#define TMP_PREFIX ".mqfsck-tmp."
#define CALLS_PER_FILE ((size_t)5)	/* counted calls to restore a file */
#define CALLS_PER_DIR ((size_t)3)	/* and to make qf/, df/ or xf/ */
#define NSUBDIRS ((size_t)3)
#define LONG_PATH 4000			/* bytes of a long path name */
#define MANIFEST_CAP ((size_t)64 << 20)	/* arc_private.h: ARC_MANIFEST_MAX */

/* A file of the test queue: its bytes come from gen_byte(seed, i). */
struct sample {
	const char *path;
	size_t size;
	unsigned seed;
	mode_t mode;
	time_t sec;
	long nsec;
	uid_t uid;
	gid_t gid;
	const char *code;
	const char *problem;
	const char *action;
};

/* The special files and the record-only file of the test queue. */
#define LINK_PATH "qf/qfLINK"
#define LINK_TARGET "../df/dfA0001"
#define FIFO_PATH "dfFIFO"
#define RECORD_PATH "qf/qfA0003"

struct scratch {
	char path[PATH_MAX];	/* realpath() of the scratch directory */
	int dfd;		/* open on it */
	int nfds;		/* descriptors open before setup(), or -1 */
	char q[PATH_MAX];	/* path of q/ */
	char out[PATH_MAX];	/* path of out/ */
};

/* One entry of an archive as libarchive reads it back. */
struct got_entry {
	char name[NAME_BUF];
	unsigned type;
	unsigned char *data;	/* regular files: in the arena */
	size_t len;
	char link[NAME_BUF];	/* symbolic links */
	int64_t uid;
	int64_t gid;
	mode_t perm;
	time_t mtime;
	dev_t rdev;
};

struct got {
	size_t n;
	unsigned char *arena;	/* ARENA_MAX bytes for all the data */
	size_t used;
	struct got_entry e[MAX_ENTRIES];
};

/* A list of paths: a snapshot of a tree. */
struct paths {
	size_t n;
	char p[MAX_PATHS][NAME_BUF];
};

/* The files of the test queue. */
extern const struct sample samples[];
extern const size_t nsamples;
#define NSAMPLES nsamples

/* The scratch file system has O_TMPFILE (setup() looks). */
extern bool have_tmpfile;

/* An entry of an archive made by hand. */
struct craft {
	const char *name;
	unsigned type;		/* AE_IFREG, AE_IFLNK, AE_IFCHR, ... */
	const char *data;	/* bytes, or a link's target */
};

/* open_dirfd - a new descriptor on directory dfd itself, for reading */
DIR *open_dirfd(int dfd);

/* path_join - out = a "/" b; -1 if it does not fit */
int path_join(char *out, size_t outsz, const char *a, const char *b);

/* make_dirs - q/ with qf/ df/ xf/, arc/, out */
int make_dirs(struct scratch *sc);

/* probe_tmpfile - whether dfd's file system makes unnamed files */
void probe_tmpfile(int dfd);

/* is_temp - a temporary name of format/sio.c */
bool is_temp(const char *name);

/* setup - a fresh scratch directory for one test, with make_dirs() */
int setup(void **state);

/* teardown - remove the scratch directory; fail on a leaked fd */
int teardown(void **state);

/* open_dir - a descriptor on scratch directory name */
int open_dir(const struct scratch *sc, const char *name);

/* gen_byte - byte i of the contents with this seed */
unsigned char gen_byte(unsigned seed, size_t i);

/* gen - the contents of a sample (malloc'ed) */
unsigned char *gen(const struct sample *s);

/* write_at - create dfd/path holding n bytes of p */
void write_at(int dfd, const char *path, const void *p, size_t n);

/* set_meta - owner (as root), mode and times of dfd/path */
void set_meta(int dfd, const struct sample *s);

/* populate - the samples, a symlink, a FIFO and a record-only file */
void populate(const struct scratch *sc);

/* sha_hex - SHA-256 of n bytes, in hex */
void sha_hex(const void *p, size_t n, char hex[ARC_SHA256_HEX + 1]);

/* reap - wait for pid: its exit code, or 128 + the signal that killed it */
int reap(pid_t pid);

/* contains - haystack holds needle */
bool contains(const char *haystack, const char *needle);

/* count_in - occurrences of needle in haystack */
size_t count_in(const char *haystack, const char *needle);

/* meta_of - the arc_meta of a sample */
struct arc_meta meta_of(const struct sample *s);

/* add_sample - archive one sample of q */
void add_sample(struct arc *a, int qfd, const struct sample *s);

/* add_specials - the symlink, the FIFO and the record */
void add_specials(struct arc *a, int qfd);

/* make_archive - archive q/ into arc/ with w; name receives the name. */
int make_archive(const struct scratch *sc, struct sio_writer *w, bool specials,
    char *name, size_t namesz);

/* open_archive - the archive arc/name, for reading */
int open_archive(const struct scratch *sc, const char *name);

/* tesc - a manifest field by the one rule of esc.h, in its field form */
void tesc(FILE *f, const char *s);

/* dir_size - entries in directory name of the scratch, temporary names */
size_t dir_size(const struct scratch *sc, const char *name);

/* empty_scratch_dir - remove what scratch directory name holds */
void empty_scratch_dir(const struct scratch *sc, const char *name);

/* snap_add - one path of a snapshot, with its type and mode */
void snap_add(struct paths *ps, const char *path, const struct stat *st);

/* snap_dir - every path under dfd (prefix names it), but skip */
void snap_dir(int dfd, const char *prefix, const char *skip, struct paths *ps);

/* str_cmp - qsort() order of the strings of a snapshot */
int str_cmp(const void *a, const void *b);

/* snapshot - the scratch tree, all but skip ("./out" for instance) */
void snapshot(const struct scratch *sc, const char *skip, struct paths *ps);

/* snap_new - room for a snapshot (released with free()) */
struct paths *snap_new(void);

/* assert_same_snap - two snapshots list the same paths and types */
void assert_same_snap(const struct paths *a, const struct paths *b);

/* no_temp_names - nothing in the scratch is called .mqfsck-tmp.* (with */
void no_temp_names(const struct scratch *sc);

/* run_list - arc_list() of fd into a string (malloc'ed) */
int run_list(int fd, bool json, char **text, struct qerr *err);

/* run_restore - arc_restore() of fd into dir (NULL: recorded paths) */
int run_restore(int fd, const char *dir, struct arc_restore_stats *st,
    char **text, struct qerr *err);

/* craft_entry - write one entry */
void craft_entry(struct archive *ar, const char *name, unsigned type,
    const char *data, size_t len);

/* craft - arc/file: the entries, then MANIFEST with text (if any) */
int craft(const struct scratch *sc, const char *file, const struct craft *c,
    size_t n, const char *manifest, bool gzip);

/* hostile_restore - restore fd into out/; nothing else may change */
int hostile_restore(const struct scratch *sc, int fd,
    struct arc_restore_stats *rs, char **text);

/* fake_stat - stat data of a file of type fmt that need not exist */
struct stat fake_stat(mode_t fmt, mode_t perm, dev_t rdev);

#endif /* MQ_TEST_ARC_FIXTURE_H */
