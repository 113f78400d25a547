/*
 * test_synonyms.c — common/synonyms.c: the file format (comments, blank
 * lines, white space, CRLF, a BOM, full-width text normalized), the
 * expansion of a word (the union of its groups, itself first, each member
 * once, in first-seen order), every bad line as SG_EINVAL with its
 * FILE:LINE and message, the limits (member bytes, group size, expansion
 * size, file size), the file errors (SG_EIO), and out of memory at every
 * allocation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fcntl.h>
#include <unistd.h>

#include <cmocka.h>

#include "fixture.h"
#include "sagasu.h"
#include "synonyms.h"

static sg_synonyms *parse_ok(const char *text, size_t len)
{
	sg_error err = SG_ERROR_INIT;
	sg_synonyms *s = NULL;
	int rc = sg_synonyms_parse(text, len, "t.txt", &s, &err);

	if (rc != SG_OK)
		fprintf(stderr, "unexpected: %s\n", err.msg);
	assert_int_equal(rc, SG_OK);
	assert_non_null(s);
	return s;
}

#define PARSE_OK(lit) parse_ok(lit, sizeof(lit) - 1)

/* word expands to exactly the n members of want, in that order. */
static void expands_to(const sg_synonyms *s, const char *word,
		       const char *const *want, size_t n)
{
	const char *const *m;
	const size_t *lens;
	size_t got, i;

	sg_synonyms_expand(s, word, strlen(word), &m, &lens, &got);
	if (got != n) {
		fprintf(stderr, "'%s': %zu members, want %zu:", word, got, n);
		for (i = 0; i < got; i++)
			fprintf(stderr, " [%s]", m[i]);
		fprintf(stderr, "\n");
	}
	assert_int_equal(got, n);
	for (i = 0; i < n; i++) {
		assert_string_equal(m[i], want[i]);
		assert_int_equal(lens[i], strlen(want[i]));
		assert_int_equal(m[i][lens[i]], '\0');
	}
}

#define EXPANDS(s, word, ...)                                           \
	do {                                                            \
		static const char *const w_[] = { __VA_ARGS__ };        \
		expands_to(s, word, w_, sizeof(w_) / sizeof(w_[0]));    \
	} while (0)

static void no_group(const sg_synonyms *s, const char *word, size_t len)
{
	const char *const *m = (const char *const *)&m;
	const size_t *lens = (const size_t *)&lens;
	size_t n = 99;

	sg_synonyms_expand(s, word, len, &m, &lens, &n);
	assert_int_equal(n, 0);
	assert_null(m);
	assert_null(lens);
}

#define NO_GROUP(s, lit) no_group(s, lit, sizeof(lit) - 1)

/* text fails with code and exactly the message want. */
static void parse_bad(const char *text, size_t len, int code,
		      const char *want)
{
	sg_error err = SG_ERROR_INIT;
	sg_synonyms *s = (sg_synonyms *)&s;

	assert_int_equal(sg_synonyms_parse(text, len, "t.txt", &s, &err), code);
	assert_null(s);
	assert_int_equal(err.code, code);
	assert_string_equal(err.msg, want);
}

#define BAD(lit, want) parse_bad(lit, sizeof(lit) - 1, SG_EINVAL, want)

static void test_format(void **state)
{
	sg_synonyms *s;

	(void)state;
	s = PARSE_OK("# archives: the words for unpacking\n"
		     "\n"
		     "   \t\n"
		     "  解凍 , 伸長 \n"
		     "ＬＩＮＵＸ,GNU/Linux\r\n"
		     "   # an indented comment, with, commas\n"
		     "解凍,展開,伸長\n"
		     "\xE3\x80\x80展開\xE3\x80\x80，Unpack\n" /* full-width space, comma */
		     "＃ a full-width # is a comment too\n"
		     "c#,C Sharp\n"
		     "ｶﾀｶﾅ,片仮名");  /* no newline at the end */
	assert_int_equal(sg_synonyms_groups(s), 6);
	/* the union of the groups, itself first, then first-seen order */
	EXPANDS(s, "解凍", "解凍", "伸長", "展開");
	EXPANDS(s, "伸長", "伸長", "解凍", "展開");
	EXPANDS(s, "展開", "展開", "解凍", "伸長", "unpack");
	EXPANDS(s, "unpack", "unpack", "展開");
	/* normalized: NFKC, case folding; white space inside kept */
	EXPANDS(s, "linux", "linux", "gnu/linux");
	EXPANDS(s, "gnu/linux", "gnu/linux", "linux");
	EXPANDS(s, "c#", "c#", "c sharp");
	EXPANDS(s, "c sharp", "c sharp", "c#");
	EXPANDS(s, "カタカナ", "カタカナ", "片仮名");
	/* the caller normalizes: the raw spellings are not keys */
	NO_GROUP(s, "ＬＩＮＵＸ");
	NO_GROUP(s, "Linux");
	NO_GROUP(s, "ｶﾀｶﾅ");
	NO_GROUP(s, " 解凍");
	/* non-members, comments, pieces of members */
	NO_GROUP(s, "圧縮");
	NO_GROUP(s, "");
	NO_GROUP(s, "#");
	NO_GROUP(s, "# archives: the words for unpacking");
	NO_GROUP(s, "解");
	NO_GROUP(s, "解凍,伸長");
	NO_GROUP(s, "gnu");
	/* a word is compared whole, not as a C string */
	no_group(s, "linux\0x", 7);
	no_group(s, "linu", 4);
	sg_synonyms_free(s);
	/* no groups at all */
	no_group(NULL, "linux", 5);
	assert_int_equal(sg_synonyms_groups(NULL), 0);
}

static void test_duplicates_and_union(void **state)
{
	sg_synonyms *s;

	(void)state;
	/* twice in a group (once after normalization): counted once */
	s = PARSE_OK("a,b,a,A,Ａ\n"
		     "b,c\n"
		     "c,d,a\n"
		     "e,f\n"
		     "a,b\n");   /* the same group again adds nothing */
	assert_int_equal(sg_synonyms_groups(s), 5);
	EXPANDS(s, "a", "a", "b", "c", "d");
	EXPANDS(s, "b", "b", "a", "c");
	EXPANDS(s, "c", "c", "b", "d", "a");
	EXPANDS(s, "d", "d", "c", "a");
	EXPANDS(s, "e", "e", "f");
	EXPANDS(s, "f", "f", "e");
	NO_GROUP(s, "g");
	sg_synonyms_free(s);
}

static void test_empty_and_bom(void **state)
{
	sg_synonyms *s;

	(void)state;
	s = parse_ok("", 0);
	assert_int_equal(sg_synonyms_groups(s), 0);
	NO_GROUP(s, "a");
	sg_synonyms_free(s);
	s = parse_ok(NULL, 0);
	assert_int_equal(sg_synonyms_groups(s), 0);
	sg_synonyms_free(s);
	s = PARSE_OK("# nothing but comments\n\n#\n");
	assert_int_equal(sg_synonyms_groups(s), 0);
	sg_synonyms_free(s);
	/* a UTF-8 BOM at the start is not part of the first member */
	s = PARSE_OK("\xEF\xBB\xBFx,y\r\n");
	EXPANDS(s, "x", "x", "y");
	sg_synonyms_free(s);
	/* nor does it hide a comment */
	s = PARSE_OK("\xEF\xBB\xBF# c\nx,y");
	assert_int_equal(sg_synonyms_groups(s), 1);
	sg_synonyms_free(s);
	/* a spelled-out U+FFFD is valid UTF-8 */
	s = PARSE_OK("\xEF\xBF\xBD,?\n");
	EXPANDS(s, "\xEF\xBF\xBD", "\xEF\xBF\xBD", "?");
	sg_synonyms_free(s);
}

static void test_bad_lines(void **state)
{
	(void)state;
	BAD("a,b\n,c\n", "t.txt:2: an empty member before the first comma: "
	    "remove the extra comma");
	BAD("a,,b", "t.txt:1: an empty member between commas: remove the "
	    "extra comma");
	BAD("# c\n\na,b,\n", "t.txt:3: an empty member after the last comma: "
	    "remove the extra comma");
	BAD("a, \t ,b", "t.txt:1: an empty member between commas: remove the "
	    "extra comma");
	BAD("a,\xE3\x80\x80,b", "t.txt:1: an empty member between commas: "
	    "remove the extra comma");
	BAD(",", "t.txt:1: an empty member before the first comma: remove the "
	    "extra comma");
	BAD("a，，b", "t.txt:1: an empty member between commas: remove the "
	    "extra comma");
	BAD("# c\nsolo\n", "t.txt:2: a group of one member ('solo'): add its "
	    "synonyms after commas, or remove the line");
	BAD("x,y\r\n  解凍  \r\n", "t.txt:2: a group of one member ('解凍'): "
	    "add its synonyms after commas, or remove the line");
	BAD("linux, ＬＩＮＵＸ", "t.txt:1: a group of one member: 'linux, "
	    "ＬＩＮＵＸ' is one word after normalization (NFKC, case folding): "
	    "add a synonym, or remove the line");
	BAD("a,b\nx,\xFFy\n", "t.txt:2: invalid UTF-8 (byte 3 of the line): "
	    "save the file as UTF-8");
	BAD("a,b\n\xE8\xA7\xA3,\xE5\x87\n", "t.txt:2: invalid UTF-8 (byte 5 "
	    "of the line): save the file as UTF-8");   /* cut short */
	BAD("\xC0\x80,a", "t.txt:1: invalid UTF-8 (byte 1 of the line): save "
	    "the file as UTF-8");                      /* overlong */
	BAD("\xED\xA0\x80,a", "t.txt:1: invalid UTF-8 (byte 1 of the line): "
	    "save the file as UTF-8");                 /* a surrogate */
	BAD("# \xFF in a comment\n", "t.txt:1: invalid UTF-8 (byte 3 of the "
	    "line): save the file as UTF-8");
	BAD("a,b\nc,d\0e\n", "t.txt:2: a NUL byte (byte 4 of the line): a "
	    "synonym file is UTF-8 text");
}

static void test_member_length(void **state)
{
	char text[1024], want[512];
	sg_synonyms *s;

	(void)state;
	/* SG_TERM_MAX bytes: fine */
	memset(text, 'x', SG_TERM_MAX);
	memcpy(text + SG_TERM_MAX, ",y", 3);
	s = parse_ok(text, strlen(text));
	NO_GROUP(s, "x");
	text[SG_TERM_MAX] = '\0';
	{
		const char *const *m;
		const size_t *lens;
		size_t n;

		sg_synonyms_expand(s, text, SG_TERM_MAX, &m, &lens, &n);
		assert_int_equal(n, 2);
		assert_int_equal(lens[0], SG_TERM_MAX);
		assert_string_equal(m[1], "y");
	}
	sg_synonyms_free(s);
	/* one more byte: refused, quoting its first 32 characters */
	memset(text, 'x', SG_TERM_MAX + 1);
	memcpy(text + SG_TERM_MAX + 1, ",y", 3);
	parse_bad(text, strlen(text), SG_EINVAL,
		  "t.txt:1: the member 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...' "
		  "is 256 bytes after normalization, more than 255: shorten it");
	/* measured after normalization: 43 ㍻ are 129 bytes, 43 平成 258 */
	strcpy(text, "y, ");
	for (int i = 0; i < 43; i++)
		strcat(text, "㍻");
	strcat(text, " ,z");
	strcpy(want, "t.txt:1: the member '");
	for (int i = 0; i < 32; i++)
		strcat(want, "㍻");
	strcat(want, "...' is 258 bytes after normalization, more than 255: "
	       "shorten it");
	parse_bad(text, strlen(text), SG_EINVAL, want);
	/* a short one that grows: quoted whole (U+FDFA is 33 bytes in NFKC) */
	parse_bad("a,ﷺﷺﷺﷺﷺﷺﷺﷺ", strlen("a,ﷺﷺﷺﷺﷺﷺﷺﷺ"), SG_EINVAL,
		  "t.txt:1: the member 'ﷺﷺﷺﷺﷺﷺﷺﷺ' is 264 bytes after "
		  "normalization, more than 255: shorten it");
}

/* A line of n members PREFIX0, PREFIX1, ... (and `extra` first, when not
 * NULL) appended to b. */
static void add_group(char *b, size_t cap, const char *extra,
		      const char *prefix, int n)
{
	size_t len = strlen(b);
	int i;

	if (extra)
		len += (size_t)snprintf(b + len, cap - len, "%s,", extra);
	for (i = 0; i < n; i++)
		len += (size_t)snprintf(b + len, cap - len, "%s%d%s", prefix,
					i, i + 1 < n ? "," : "\n");
	assert_true(len < cap);
}

static void test_group_limits(void **state)
{
	static char text[65536];
	const char *const *m;
	const size_t *lens;
	size_t n;
	sg_synonyms *s;

	(void)state;
	/* a group of SG_SYNONYMS_EXPAND_MAX: fine */
	text[0] = '\0';
	add_group(text, sizeof(text), NULL, "m", SG_SYNONYMS_EXPAND_MAX);
	s = parse_ok(text, strlen(text));
	sg_synonyms_expand(s, "m100", 4, &m, &lens, &n);
	assert_int_equal(n, SG_SYNONYMS_EXPAND_MAX);
	assert_string_equal(m[0], "m100");
	assert_string_equal(m[1], "m0");
	assert_string_equal(m[100], "m99");
	assert_string_equal(m[101], "m101");
	sg_synonyms_free(s);
	/* one more: refused (duplicates do not count) */
	text[0] = '\0';
	strcat(text, "a,b\n");
	add_group(text, sizeof(text), "m0,m0", "m", SG_SYNONYMS_EXPAND_MAX);
	s = parse_ok(text, strlen(text));   /* 256 distinct */
	sg_synonyms_free(s);
	text[0] = '\0';
	strcat(text, "a,b\n");
	add_group(text, sizeof(text), "extra", "m", SG_SYNONYMS_EXPAND_MAX);
	parse_bad(text, strlen(text), SG_EINVAL, "t.txt:2: a group of more "
		  "than 256 members: split it (a word expands to at most 256)");
	/* two groups that each fit, but not together: the word in both
	 * names the line of the second */
	text[0] = '\0';
	add_group(text, sizeof(text), "w", "p", 150);
	strcat(text, "# next\n");
	add_group(text, sizeof(text), "w", "q", 150);
	parse_bad(text, strlen(text), SG_EINVAL, "t.txt:3: 'w' is now in "
		  "groups of 301 members in all, more than 256: a word expands "
		  "to at most 256 (split or trim the groups that hold it)");
	/* the same groups sharing most members still fit */
	text[0] = '\0';
	add_group(text, sizeof(text), "w", "p", 150);
	add_group(text, sizeof(text), "w2", "p", 150);
	s = parse_ok(text, strlen(text));
	sg_synonyms_expand(s, "p0", 2, &m, &lens, &n);
	assert_int_equal(n, 152);
	assert_string_equal(m[0], "p0");
	assert_string_equal(m[1], "w");
	assert_string_equal(m[2], "p1");
	assert_string_equal(m[151], "w2");
	sg_synonyms_free(s);
}

static void test_many_groups(void **state)
{
	size_t cap = 20000 * 24, len = 0, i;
	char *text = malloc(cap), w[32], v[32];
	sg_synonyms *s;

	(void)state;
	assert_non_null(text);
	for (i = 0; i < 20000; i++)
		len += (size_t)snprintf(text + len, cap - len, "w%zu,v%zu,共%zu\n",
					i, i, i / 3);  /* 共K: in 3 groups */
	s = parse_ok(text, len);
	assert_int_equal(sg_synonyms_groups(s), 20000);
	for (i = 0; i < 20000; i += 997) {
		const char *const *m;
		const size_t *lens;
		size_t n;

		snprintf(w, sizeof(w), "w%zu", i);
		snprintf(v, sizeof(v), "v%zu", i);
		sg_synonyms_expand(s, w, strlen(w), &m, &lens, &n);
		assert_int_equal(n, 3);
		assert_string_equal(m[0], w);
		assert_string_equal(m[1], v);
		snprintf(w, sizeof(w), "共%zu", i / 3);
		assert_string_equal(m[2], w);
		sg_synonyms_expand(s, w, strlen(w), &m, &lens, &n);
		assert_int_equal(n, 7);
		assert_string_equal(m[0], w);
		snprintf(v, sizeof(v), "w%zu", i / 3 * 3);
		assert_string_equal(m[1], v);
	}
	NO_GROUP(s, "w20000");
	free(text);
	sg_synonyms_free(s);
}

static void test_file_errors(void **state)
{
	char dir[SG_FIXTURE_PATH_MAX], path[SG_FIXTURE_PATH_MAX + 32];
	char want[SG_FIXTURE_PATH_MAX + 200];
	sg_error err = SG_ERROR_INIT;
	sg_synonyms *s = (sg_synonyms *)&s;
	FILE *f;
	int fd;

	(void)state;
	assert_int_equal(sg_fixture_mkdir("syn", dir), 0);
	/* missing */
	snprintf(path, sizeof(path), "%s/missing.txt", dir);
	assert_int_equal(sg_synonyms_load(path, &s, &err), SG_EIO);
	assert_null(s);
	snprintf(want, sizeof(want), "%s: cannot open: No such file or "
		 "directory", path);
	assert_string_equal(err.msg, want);
	/* a directory */
	assert_int_equal(sg_synonyms_load(dir, &s, &err), SG_EIO);
	snprintf(want, sizeof(want), "%s: is a directory, not a synonym file",
		 dir);
	assert_string_equal(err.msg, want);
	/* a good file */
	snprintf(path, sizeof(path), "%s/syn.txt", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("# groups\n解凍,伸長\n", f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(sg_synonyms_load(path, &s, &err), SG_OK);
	EXPANDS(s, "伸長", "伸長", "解凍");
	sg_synonyms_free(s);
	/* a bad line names the file as given */
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("解凍,伸長\n解凍,,\n", f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(sg_synonyms_load(path, &s, &err), SG_EINVAL);
	assert_null(s);
	snprintf(want, sizeof(want), "%s:2: an empty member between commas: "
		 "remove the extra comma", path);
	assert_string_equal(err.msg, want);
	/* an empty file */
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(sg_synonyms_load(path, &s, &err), SG_OK);
	assert_int_equal(sg_synonyms_groups(s), 0);
	sg_synonyms_free(s);
	/* over 64 MiB (sparse: nothing is written or read) */
	fd = open(path, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)SG_SYNONYMS_FILE_MAX + 1), 0);
	assert_int_equal(close(fd), 0);
	assert_int_equal(sg_synonyms_load(path, &s, &err), SG_ETOOBIG);
	assert_null(s);
	snprintf(want, sizeof(want), "%s: 67108865 bytes, more than the "
		 "67108864 (64 MiB) a synonym file may hold: keep only the "
		 "groups searches need", path);
	assert_string_equal(err.msg, want);
	/* arguments */
	assert_int_equal(sg_synonyms_load(NULL, &s, &err), SG_EINVAL);
	assert_int_equal(sg_synonyms_load(path, NULL, &err), SG_EINVAL);
	assert_int_equal(sg_synonyms_parse("a,b", 3, "x", NULL, &err),
			 SG_EINVAL);
	assert_int_equal(sg_synonyms_parse(NULL, 3, "x", &s, &err), SG_EINVAL);
	/* no name: the messages still read */
	assert_int_equal(sg_synonyms_parse("a", 1, NULL, &s, NULL), SG_EINVAL);
	assert_int_equal(sg_synonyms_parse("a", 1, NULL, &s, &err), SG_EINVAL);
	assert_string_equal(err.msg, "(synonyms):1: a group of one member "
			    "('a'): add its synonyms after commas, or remove "
			    "the line");
	sg_synonyms_free(NULL);
	sg_fixture_remove(dir);
}

static void test_out_of_memory(void **state)
{
	static const char text[] = "# c\n解凍,伸長\nＬＩＮＵＸ,linux,gnu\n"
				   "解凍,展開\n";
	sg_error err = SG_ERROR_INIT;
	long n;
	int rc;

	(void)state;
	for (n = 1;; n++) {
		sg_synonyms *s = (sg_synonyms *)&s;

		sg_test_fail_alloc(n, 0);
		rc = sg_synonyms_parse(text, sizeof(text) - 1, "t.txt", &s, &err);
		if (rc == SG_OK && sg_test_alloc_failures() == 0) {
			sg_test_fail_alloc(0, 0);
			EXPANDS(s, "解凍", "解凍", "伸長", "展開");
			sg_synonyms_free(s);
			break;
		}
		sg_test_fail_alloc(0, 0);
		assert_int_equal(rc, SG_ENOMEM);
		assert_null(s);
		assert_string_equal(err.msg, "out of memory");
		assert_true(n < 1000);
	}
	assert_true(n > 5); /* the walk met several allocations */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_duplicates_and_union),
		cmocka_unit_test(test_empty_and_bom),
		cmocka_unit_test(test_bad_lines),
		cmocka_unit_test(test_member_length),
		cmocka_unit_test(test_group_limits),
		cmocka_unit_test(test_many_groups),
		cmocka_unit_test(test_file_errors),
		cmocka_unit_test(test_out_of_memory),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
