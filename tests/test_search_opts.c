/*
 * test_search_opts.c — sg_search refuses the options it cannot honour,
 * before it allocates anything: a k above SG_SEARCH_K_MAX (k = 2^61 made
 * k * sizeof(heap entry) wrap and overran the heap), a k1 or b that is
 * NaN or infinite, a b above 1. The edges (k = 1, k = SG_SEARCH_K_MAX,
 * b = 0, b = 1, k1 = 0, the negative "default" values) still search.
 * The CLI refuses the same values earlier (tests/cli/options.sh); this
 * holds the library to them for every other caller.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dirent.h>
#include <unistd.h>

#include <cmocka.h>

#include "sagasu.h"

struct fixture {
	char dir[64];
	sg_index *idx;
	sg_searcher *s;
};

static void remove_dir(const char *dir)
{
	char path[512];
	struct dirent *e;
	DIR *d = opendir(dir);

	if (d) {
		while ((e = readdir(d)) != NULL) {
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
			unlink(path);
		}
		closedir(d);
	}
	rmdir(dir);
}

static int add(sg_writer *w, const char *id, const char *body,
	       sg_error *err)
{
	sg_slice texts[2] = { { "", 0 }, { body, strlen(body) } };
	sg_doc doc;

	memset(&doc, 0, sizeof(doc));
	doc.id.ptr = id;
	doc.id.len = strlen(id);
	doc.texts = texts;   /* title (empty), body */
	doc.n_texts = 2;
	return sg_writer_add(w, &doc, err);
}

static int setup(void **state)
{
	sg_index_options io = SG_INDEX_OPTIONS_INIT;
	sg_writer_options wo = SG_WRITER_OPTIONS_INIT;
	sg_error err = SG_ERROR_INIT;
	struct fixture *f = calloc(1, sizeof(*f));
	sg_writer *w = NULL;
	const char *tmp = getenv("TMPDIR");

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "%s/sg-opts-XXXXXX",
		 tmp && strlen(tmp) < 40 ? tmp : "/tmp");
	if (!mkdtemp(f->dir))
		goto fail;
	io.create = 1;
	wo.threads = 1;
	if (sg_index_open(f->dir, &io, &f->idx, &err) != SG_OK ||
	    sg_writer_open(f->idx, &wo, &w, &err) != SG_OK ||
	    add(w, "a", "東京の天気は晴れ", &err) != SG_OK ||
	    add(w, "b", "東京から京都へ行く", &err) != SG_OK ||
	    add(w, "c", "京都の寺", &err) != SG_OK ||
	    sg_writer_commit(w, &err) != SG_OK) {
		fprintf(stderr, "setup: %s\n", err.msg);
		goto fail;
	}
	sg_writer_free(w);
	w = NULL;
	if (sg_searcher_open(f->idx, &f->s, &err) != SG_OK) {
		fprintf(stderr, "setup: %s\n", err.msg);
		goto fail;
	}
	*state = f;
	return 0;
fail:
	sg_writer_free(w);
	if (f->idx)
		sg_index_close(f->idx);
	remove_dir(f->dir);
	free(f);
	return -1;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	if (!f)
		return 0;
	sg_searcher_free(f->s);
	sg_index_close(f->idx);
	remove_dir(f->dir);
	free(f);
	return 0;
}

/* Runs 東京 with opt; returns the code, and the hit count in *n_hits. */
static int run(struct fixture *f, const sg_search_options *opt,
	       size_t *n_hits, sg_error *err)
{
	sg_results *res = (sg_results *)&res; /* must be reset to NULL */
	int rc = sg_search(f->s, "東京", strlen("東京"), opt, &res, err);

	*n_hits = res ? res->n_hits : 0;
	if (rc != SG_OK)
		assert_null(res);
	sg_results_free(res);
	return rc;
}

static void test_k_above_the_cap(void **state)
{
	static const size_t ks[] = {
		SG_SEARCH_K_MAX + 1, 99999999999ull,
		(size_t)1 << 61,     /* 2^61 * 8 wraps to 0 */
		SIZE_MAX / 2 + 1, SIZE_MAX,
	};
	sg_search_options opt = SG_SEARCH_OPTIONS_INIT;
	sg_error err = SG_ERROR_INIT;
	size_t i, n;

	for (i = 0; i < sizeof(ks) / sizeof(ks[0]); i++) {
		opt.k = ks[i];
		err.msg[0] = '\0';
		assert_int_equal(run(*state, &opt, &n, &err), SG_ETOOBIG);
		assert_int_equal(err.code, SG_ETOOBIG);
		assert_non_null(strstr(err.msg, "1000000"));
	}
}

static void test_k_at_the_edges(void **state)
{
	sg_search_options opt = SG_SEARCH_OPTIONS_INIT;
	sg_error err = SG_ERROR_INIT;
	size_t n;

	opt.k = 1;
	assert_int_equal(run(*state, &opt, &n, &err), SG_OK);
	assert_int_equal(n, 1);
	opt.k = SG_SEARCH_K_MAX;
	assert_int_equal(run(*state, &opt, &n, &err), SG_OK);
	assert_int_equal(n, 2);
	opt.k = 0; /* the default, 10 */
	assert_int_equal(run(*state, &opt, &n, &err), SG_OK);
	assert_int_equal(n, 2);
}

static void test_bad_bm25_parameters(void **state)
{
	static const double bad[][2] = { /* k1, b */
		{ NAN, 0.75 }, { 1.2, NAN }, { INFINITY, 0.75 },
		{ -INFINITY, 0.75 }, { 1.2, INFINITY }, { 1.2, 1.5 },
		{ 1.2, 1.0000001 },
	};
	sg_search_options opt = SG_SEARCH_OPTIONS_INIT;
	sg_error err = SG_ERROR_INIT;
	size_t i, n;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		opt.k1 = bad[i][0];
		opt.b = bad[i][1];
		assert_int_equal(run(*state, &opt, &n, &err), SG_EINVAL);
	}
}

static void test_good_bm25_parameters(void **state)
{
	static const double good[][2] = {
		{ 0, 0 }, { 0, 1 }, { 1.2, 0.75 }, { 100, 1 }, { -1, -1 },
	};
	sg_search_options opt = SG_SEARCH_OPTIONS_INIT;
	sg_error err = SG_ERROR_INIT;
	size_t i, n;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		opt.k1 = good[i][0];
		opt.b = good[i][1];
		assert_int_equal(run(*state, &opt, &n, &err), SG_OK);
		assert_int_equal(n, 2);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_k_above_the_cap),
		cmocka_unit_test(test_k_at_the_edges),
		cmocka_unit_test(test_bad_bm25_parameters),
		cmocka_unit_test(test_good_bm25_parameters),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
