/*
 * userdic.c — compiling a MeCab user dictionary CSV for `index --user-dict`.
 *
 * MeCab's own compiler (mecab-dict-index -u, Debian package mecab-utils)
 * does the work; this file checks the CSV first, because the compiler
 * accepts non-numeric context ids silently (as 0) and dies with status 255
 * on an out-of-range one without naming the line. A line is
 *   surface,left_id,right_id,cost,feature...
 * (MeCab's CSV: a field may be quoted with "", "" inside is one "). Checked:
 * the field count (13 for ipadic: 4 + its 9 feature columns; at least 5 for
 * another dictionary), context ids that are integers below the sizes in the
 * system dictionary's matrix.bin (its first two 16-bit words: 1316 x 1316
 * for ipadic), a cost that fits MeCab's 16-bit signed cost, valid UTF-8.
 * The compiled bytes are deterministic for a given CSV and dictionary.
 */
#include "alloc.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "error.h"
#include "normalize.h"
#include "sagasu.h"

#ifndef SG_MECAB_LIBEXECDIR
#define SG_MECAB_LIBEXECDIR "/usr/lib/mecab" /* mecab-config --libexecdir */
#endif
#define DEFAULT_DICDIR "/var/lib/mecab/dic/ipadic-utf8"
#define IPADIC_FIELDS 13 /* 4 + ipadic's 9 feature columns */
#define MIN_FIELDS 5     /* surface, 2 ids, cost, one feature */
#define LINE_MAX_BYTES 65536
#define COST_MIN (-32768) /* MeCab stores costs as short */
#define COST_MAX 32767

extern char **environ;

/* The sizes of the connection matrix of dicdir: left and right ids are
 * below them. */
static int matrix_size(const char *dicdir, long *lsize, long *rsize,
		       sg_error *err)
{
	char path[PATH_MAX];
	unsigned char b[4];
	FILE *f;
	int n = snprintf(path, sizeof(path), "%s/matrix.bin", dicdir);

	if (n < 0 || (size_t)n >= sizeof(path))
		return sg_err(err, SG_EINVAL, "%s: path too long", dicdir);
	f = fopen(path, "rb");
	if (!f)
		return sg_err(err, SG_EMECAB, "%s: %s (is %s a MeCab "
			      "dictionary? --dicdir names one)", path,
			      strerror(errno), dicdir);
	n = fread(b, 1, 4, f) == 4;
	fclose(f);
	if (!n)
		return sg_err(err, SG_EMECAB, "%s: too short", path);
	/* Two little-endian unsigned shorts (MeCab writes them natively;
	 * every platform sagasu builds on is little-endian). */
	*lsize = b[0] | (long)b[1] << 8;
	*rsize = b[2] | (long)b[3] << 8;
	return SG_OK;
}

/* Splits a CSV line (no newline) into fields; returns their count, or -1
 * for an unterminated quote. */
static int count_fields(const char *line, const char *f[IPADIC_FIELDS + 8],
			size_t flen[IPADIC_FIELDS + 8], int cap)
{
	const char *p = line;
	int n = 0;

	for (;;) {
		const char *start = p;

		if (*p == '"') {
			for (p++; *p; p++)
				if (*p == '"') {
					if (p[1] != '"')
						break;
					p++;
				}
			if (*p != '"')
				return -1;
			p++;
		}
		while (*p && *p != ',')
			p++;
		if (n < cap) {
			f[n] = start;
			flen[n] = (size_t)(p - start);
		}
		n++;
		if (!*p)
			return n;
		p++;
	}
}

/* Parses the integer field s[0, len) into *v: 1 when it is one. */
static int int_field(const char *s, size_t len, long *v)
{
	char buf[24], *end;

	if (len == 0 || len >= sizeof(buf))
		return 0;
	memcpy(buf, s, len);
	buf[len] = '\0';
	errno = 0;
	*v = strtol(buf, &end, 10);
	return !errno && *end == '\0';
}

static int valid_utf8(const char *s, size_t len)
{
	sg_norm n = SG_NORM_INIT;
	int ok;

	/* The normalizer counts invalid sequences. */
	if (sg_normalize(&n, s, len) != SG_OK)
		return 0;
	ok = n.invalid == 0;
	sg_norm_release(&n);
	return ok;
}

/* Checks every line of csv; SG_EINVAL with "FILE:LINE: reason" for the
 * first bad one. */
static int check_csv(const char *csv, int ipadic, long lsize, long rsize,
		     sg_error *err)
{
	FILE *f = fopen(csv, "rb");
	char *line;
	const char *fld[IPADIC_FIELDS + 8];
	size_t flen[IPADIC_FIELDS + 8], len, lineno = 0, entries = 0;
	long v;
	int n, rc = SG_OK;

	if (!f)
		return sg_err(err, SG_EIO, "%s: %s", csv, strerror(errno));
	line = sg_malloc(LINE_MAX_BYTES + 2);
	if (!line) {
		fclose(f);
		return sg_err(err, SG_ENOMEM, "out of memory");
	}
	while (fgets(line, LINE_MAX_BYTES + 2, f)) {
		lineno++;
		len = strlen(line);
		if (len > LINE_MAX_BYTES) {
			rc = sg_err(err, SG_EINVAL, "%s:%zu: line longer than "
				    "%d bytes", csv, lineno, LINE_MAX_BYTES);
			goto out;
		}
		while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (len == 0) {
			rc = sg_err(err, SG_EINVAL, "%s:%zu: empty line (MeCab's "
				    "compiler refuses it; remove it)", csv,
				    lineno);
			goto out;
		}
		if (!valid_utf8(line, len)) {
			rc = sg_err(err, SG_EINVAL, "%s:%zu: not valid UTF-8",
				    csv, lineno);
			goto out;
		}
		n = count_fields(line, fld, flen, IPADIC_FIELDS + 8);
		if (n < 0) {
			rc = sg_err(err, SG_EINVAL, "%s:%zu: a quoted field is "
				    "not closed", csv, lineno);
			goto out;
		}
		if (ipadic ? n != IPADIC_FIELDS : n < MIN_FIELDS) {
			rc = sg_err(err, SG_EINVAL, "%s:%zu: %d fields; an "
				    "entry has %s%d (surface,left_id,right_id,"
				    "cost,features...)", csv, lineno, n,
				    ipadic ? "" : "at least ",
				    ipadic ? IPADIC_FIELDS : MIN_FIELDS);
			goto out;
		}
		if (flen[0] == 0) {
			rc = sg_err(err, SG_EINVAL, "%s:%zu: the surface (field "
				    "1) is empty", csv, lineno);
			goto out;
		}
		if (!int_field(fld[1], flen[1], &v) || v < 0 || v >= lsize) {
			rc = sg_err(err, SG_EINVAL, "%s:%zu: left id '%.*s' is "
				    "not an integer from 0 to %ld", csv, lineno,
				    (int)flen[1], fld[1], lsize - 1);
			goto out;
		}
		if (!int_field(fld[2], flen[2], &v) || v < 0 || v >= rsize) {
			rc = sg_err(err, SG_EINVAL, "%s:%zu: right id '%.*s' is "
				    "not an integer from 0 to %ld", csv, lineno,
				    (int)flen[2], fld[2], rsize - 1);
			goto out;
		}
		if (!int_field(fld[3], flen[3], &v) || v < COST_MIN ||
		    v > COST_MAX) {
			rc = sg_err(err, SG_EINVAL, "%s:%zu: cost '%.*s' is not "
				    "an integer from %d to %d", csv, lineno,
				    (int)flen[3], fld[3], COST_MIN, COST_MAX);
			goto out;
		}
		entries++;
	}
	if (ferror(f))
		rc = sg_err(err, SG_EIO, "%s: %s", csv, strerror(errno));
	else if (entries == 0)
		rc = sg_err(err, SG_EINVAL, "%s: no entry", csv);
out:
	sg_free(line);
	fclose(f);
	return rc;
}

int sg_userdic_compile(const char *csv, const char *dicdir, const char *out,
		       sg_error *err)
{
	char tool[PATH_MAX], log[] = "/tmp/sagasu-dict-index-XXXXXX";
	char msg[256];
	const char *base;
	char *argv[12];
	posix_spawn_file_actions_t fa;
	long lsize = 0, rsize = 0;
	pid_t pid;
	int status, fd, rc, n;
	ssize_t got;

	if (!dicdir)
		dicdir = DEFAULT_DICDIR;
	rc = matrix_size(dicdir, &lsize, &rsize, err);
	if (rc != SG_OK)
		return rc;
	base = strrchr(dicdir, '/');
	base = base && base[1] ? base + 1 : dicdir;
	rc = check_csv(csv, strstr(base, "ipadic") != NULL, lsize, rsize, err);
	if (rc != SG_OK)
		return rc;
	n = snprintf(tool, sizeof(tool), "%s/mecab-dict-index",
		     SG_MECAB_LIBEXECDIR);
	if (n < 0 || (size_t)n >= sizeof(tool))
		return sg_err(err, SG_EINVAL, "mecab-dict-index: path too long");
	if (access(tool, X_OK) != 0)
		return sg_err(err, SG_EMECAB, "%s: %s (apt-get install "
			      "mecab-utils)", tool, strerror(errno));
	fd = mkstemp(log);
	if (fd < 0)
		return sg_err(err, SG_EIO, "%s: %s", log, strerror(errno));
	argv[0] = tool;
	argv[1] = (char *)"-d";
	argv[2] = (char *)dicdir;
	argv[3] = (char *)"-u";
	argv[4] = (char *)out;
	argv[5] = (char *)"-f";
	argv[6] = (char *)"utf-8";
	argv[7] = (char *)"-t";
	argv[8] = (char *)"utf-8";
	argv[9] = (char *)csv;
	argv[10] = NULL;
	if (posix_spawn_file_actions_init(&fa) != 0) {
		rc = sg_err(err, SG_ENOMEM, "out of memory");
		goto out;
	}
	rc = posix_spawn_file_actions_adddup2(&fa, fd, 1) ||
	     posix_spawn_file_actions_adddup2(&fa, fd, 2);
	if (!rc)
		rc = posix_spawn(&pid, tool, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc) {
		rc = sg_err(err, SG_EMECAB, "cannot run %s: %s", tool,
			    strerror(rc));
		goto out;
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			rc = sg_err(err, SG_EMECAB, "waiting for %s: %s", tool,
				    strerror(errno));
			goto out;
		}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		rc = SG_OK;
		goto out;
	}
	/* The compiler's last words, for the message. */
	msg[0] = '\0';
	if (lseek(fd, 0, SEEK_SET) == 0 &&
	    (got = read(fd, msg, sizeof(msg) - 1)) > 0) {
		msg[got] = '\0';
		while (got > 0 && (msg[got - 1] == '\n' || msg[got - 1] == ' '))
			msg[--got] = '\0';
	}
	rc = sg_err(err, SG_EMECAB, "%s: MeCab's compiler (%s) failed "
		    "(status %d) against %s: %s", csv, tool,
		    WIFEXITED(status) ? WEXITSTATUS(status) : -1, dicdir,
		    msg[0] ? msg : "no message");
	(void)unlink(out);
out:
	close(fd);
	(void)unlink(log);
	return rc;
}
