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

#include "fixture.h"
#include "sagasu.h"

struct fixture {
	char dir[SG_FIXTURE_PATH_MAX];
	sg_index *idx;
	sg_searcher *s;
};

static int setup(void **state)
{
	static const char *const bodies[] = { "東京の天気は晴れ",
					      "東京から京都へ行く",
					      "京都の寺" };
	static const char *const ids[] = { "a", "b", "c" };
	sg_index_options io = SG_INDEX_OPTIONS_INIT;
	sg_error err = SG_ERROR_INIT;
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	if (sg_fixture_mkdir("opts", f->dir) != 0) {
		free(f);
		return -1;
	}
	if (sg_fixture_index(f->dir, io, bodies, ids, 3, &f->idx,
			     &err) != SG_OK ||
	    sg_searcher_open(f->idx, &f->s, &err) != SG_OK) {
		fprintf(stderr, "setup: %s\n", err.msg);
		sg_index_close(f->idx);
		sg_fixture_remove(f->dir);
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	if (!f)
		return 0;
	sg_searcher_free(f->s);
	sg_index_close(f->idx);
	sg_fixture_remove(f->dir);
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

/* The cancel hook: asked once every 1,024 documents scored. */
struct cancel_state {
	int calls, stop;
};

static int cancel_hook(void *ctx)
{
	struct cancel_state *c = ctx;

	c->calls++;
	return c->stop;
}

/* 2,100 documents that all hold 東京, scored exhaustively: the hook is
 * asked at the 1,024th and the 2,048th; saying stop fails the search with
 * SG_EINTR and no results. */
static void test_cancel(void **state)
{
	enum { N = 2100 };
	static char body[N][32];
	static const char *bodies[N];
	sg_index_options io = SG_INDEX_OPTIONS_INIT;
	sg_search_options so = SG_SEARCH_OPTIONS_INIT;
	sg_error err = SG_ERROR_INIT;
	struct cancel_state c = { 0, 0 };
	char dir[SG_FIXTURE_PATH_MAX];
	sg_results *res = NULL;
	sg_searcher *s = NULL;
	sg_index *idx = NULL;
	size_t i;

	(void)state;
	for (i = 0; i < N; i++) {
		snprintf(body[i], sizeof(body[i]), "東京 %zu", i);
		bodies[i] = body[i];
	}
	io.no_substring = 1;
	assert_int_equal(sg_fixture_mkdir("cancel", dir), 0);
	if (sg_fixture_index(dir, io, bodies, NULL, N, &idx, &err) != SG_OK ||
	    sg_searcher_open(idx, &s, &err) != SG_OK)
		fail_msg("setup: %s", err.msg);
	so.exhaustive = 1;
	so.cancel = cancel_hook;
	so.cancel_ctx = &c;
	assert_int_equal(sg_search(s, "東京", strlen("東京"), &so, &res, &err),
			 SG_OK);
	assert_int_equal(res->docs_scored, N);
	assert_int_equal(c.calls, 2);
	sg_results_free(res);
	res = NULL;
	c.calls = 0;
	c.stop = 1;
	assert_int_equal(sg_search(s, "東京", strlen("東京"), &so, &res, &err),
			 SG_EINTR);
	assert_null(res);
	assert_int_equal(c.calls, 1);
	assert_non_null(strstr(err.msg, "cancelled"));
	sg_searcher_free(s);
	sg_index_close(idx);
	sg_fixture_remove(dir);
}

/* Fills the stack below the caller with non-zero bytes, so that a local of
 * the next call left uninitialised holds garbage rather than a lucky 0. */
static __attribute__((noinline)) void dirty_stack(void)
{
	volatile unsigned char junk[16384];
	size_t i;

	for (i = 0; i < sizeof(junk); i++)
		junk[i] = 0xa5;
}

/* In natural-language mode a question that is no valid syntax (a stray
 * '-') is searched as plain text. That fallback query node once had only
 * its kind, text and column set: its field pointer was stack garbage, so
 * the second question of a `--queries` batch failed "out of memory"
 * (planned as FIELD:word with a huge field length). The text finds all
 * three documents: each holds 東京 or 京都. */
static void test_or_mode_syntax_fallback(void **state)
{
	struct fixture *f = *state;
	sg_search_options so = SG_SEARCH_OPTIONS_INIT;
	sg_error err = SG_ERROR_INIT;
	static const char q[] = "東京 - 京都";
	int round;

	so.or_mode = 1;
	for (round = 0; round < 3; round++) {
		sg_results *res = NULL;

		dirty_stack();
		assert_int_equal(sg_search(f->s, q, strlen(q), &so, &res, &err),
				 SG_OK);
		assert_int_equal(res->n_hits, 3);
		assert_non_null(strstr(res->notices, "searched as plain text"));
		sg_results_free(res);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_k_above_the_cap),
		cmocka_unit_test(test_k_at_the_edges),
		cmocka_unit_test(test_bad_bm25_parameters),
		cmocka_unit_test(test_good_bm25_parameters),
		cmocka_unit_test(test_cancel),
		cmocka_unit_test(test_or_mode_syntax_fallback),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
