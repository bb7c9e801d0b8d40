/*
 * scratch.c - scratch directories for the unit tests (scratch.h).
 * Test code: it may use paths and readdir() freely; it never runs on a
 * queue.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "scratch.h"

/* count_fds - descriptors open in this process, or -1 without /proc */
static int
count_fds(void)
{
	struct dirent *de;
	DIR *d;
	int n = 0;

	d = opendir("/proc/self/fd");
	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	if (closedir(d) != 0)
		return -1;
	return n;
}

int
scratch_empty_dir(int dfd)
{
	struct dirent *de;
	DIR *d;
	int fd, rc = 0;

	fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	d = fdopendir(fd);
	if (d == NULL) {
		(void)close(fd);
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (scratch_remove_at(dfd, de->d_name) != 0)
			rc = -1;
	}
	if (closedir(d) != 0)
		rc = -1;
	return rc;
}

int
scratch_remove_at(int dfd, const char *name)
{
	struct stat st;
	int sub, rc;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
		return -1;
	if (!S_ISDIR(st.st_mode))
		return unlinkat(dfd, name, 0);
	sub = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (sub < 0)
		return -1;
	rc = scratch_empty_dir(sub);
	if (close(sub) != 0)
		rc = -1;
	if (unlinkat(dfd, name, AT_REMOVEDIR) != 0)
		rc = -1;
	return rc;
}

int
scratch_make(const char *name, char path[PATH_MAX], int *dfd, int *nfds)
{
	const char *tmp = getenv("TMPDIR");
	char tmpl[PATH_MAX];
	int n;

	if (tmp == NULL || tmp[0] == '\0')
		tmp = "/tmp";
	n = snprintf(tmpl, sizeof(tmpl), "%s/%s.XXXXXX", tmp, name);
	if (n < 0 || (size_t)n >= sizeof(tmpl))
		return -1;
	*nfds = count_fds();
	if (mkdtemp(tmpl) == NULL)
		return -1;
	if (realpath(tmpl, path) == NULL) {
		(void)rmdir(tmpl);
		return -1;
	}
	*dfd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (*dfd < 0) {
		(void)rmdir(path);
		return -1;
	}
	return 0;
}

int
scratch_remove(const char *path, int dfd, int nfds)
{
	int rc = 0, n;

	if (scratch_empty_dir(dfd) != 0)
		rc = -1;
	if (close(dfd) != 0)
		rc = -1;
	if (rmdir(path) != 0)
		rc = -1;
	n = count_fds();
	if (nfds >= 0 && n != nfds) {
		print_error("%d descriptors open before the test, %d after\n",
		    nfds, n);
		rc = -1;
	}
	return rc;
}
