/*
 * test_sortfilter.c — query/sortfilter.c on four documents with stored
 * fields, in an index that declares them as columns and in one that does
 * not: the same filters accept the same documents and the same keys give
 * the same order, from the columns table or from the stored JSON.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../query/sortfilter.h"
#include "fixture.h"
#include "postings_read.h"
#include "sagasu.h"

static const struct {
	const char *id, *body, *stored;
} docs[] = {
	{ "d0", "東京の天気", "{\"date\":\"2022-03-01\",\"price\":120}" },
	{ "d1", "東京の寺", "{\"date\":\"2021-12-24\",\"price\":80.5}" },
	{ "d2", "東京の城", "{\"date\":\"2022-01-15\"}" },
	{ "d3", "東京の川", "" },
};
#define N_DOCS 4

struct fixture {
	char dir[2][SG_FIXTURE_PATH_MAX];
	sg_index *idx[2];   /* [0] with columns date,price; [1] without */
	MDB_txn *txn[2];
};

static int build(struct fixture *f, int kind, sg_error *err)
{
	sg_index_options io = SG_INDEX_OPTIONS_INIT;
	sg_writer_options wo = SG_WRITER_OPTIONS_INIT;
	sg_writer *w = NULL;
	size_t i;
	int rc;

	io.create = 1;
	io.columns = kind == 0 ? "date,price" : NULL;
	wo.threads = 1;
	if (sg_fixture_mkdir("sortfilter", f->dir[kind]) != 0)
		return SG_EIO;
	rc = sg_index_open(f->dir[kind], &io, &f->idx[kind], err);
	if (rc == SG_OK)
		rc = sg_writer_open(f->idx[kind], &wo, &w, err);
	for (i = 0; rc == SG_OK && i < N_DOCS; i++) {
		sg_slice texts[2] = { { "", 0 },
				      { docs[i].body, strlen(docs[i].body) } };
		sg_doc d;

		memset(&d, 0, sizeof(d));
		d.id.ptr = docs[i].id;
		d.id.len = strlen(docs[i].id);
		d.texts = texts;
		d.n_texts = 2;
		d.stored.ptr = docs[i].stored;
		d.stored.len = strlen(docs[i].stored);
		rc = sg_writer_add(w, &d, err);
	}
	if (rc == SG_OK)
		rc = sg_writer_commit(w, err);
	sg_writer_free(w);
	if (rc == SG_OK)
		rc = sg_read_begin(f->idx[kind], &f->txn[kind], err);
	return rc;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	sg_error err = SG_ERROR_INIT;

	if (!f)
		return -1;
	*state = f;
	if (build(f, 0, &err) != SG_OK || build(f, 1, &err) != SG_OK) {
		fprintf(stderr, "setup: %s\n", err.msg);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	int kind;

	for (kind = 0; kind < 2; kind++) {
		sg_read_end(f->txn[kind]);
		sg_index_close(f->idx[kind]);
		if (f->dir[kind][0])
			sg_fixture_remove(f->dir[kind]);
	}
	free(f);
	return 0;
}

/* Which of docids 1..4 (d0..d3) pass the filter, as a string "0101". */
static void accepted(struct fixture *f, int kind, const char *filter,
		     char out[N_DOCS + 1])
{
	sg_error err = SG_ERROR_INIT;
	sg_sortfilter *sf;
	uint32_t docid;
	int rc;

	if (sg_sortfilter_new(f->idx[kind], NULL, 0, &filter, 1, &sf,
			      &err) != SG_OK)
		fail_msg("%s: %s", filter, err.msg);
	for (docid = 1; docid <= N_DOCS; docid++) {
		rc = sg_sortfilter_accept(sf, f->txn[kind], docid, &err);
		if (rc < 0)
			fail_msg("%s: %s", filter, err.msg);
		out[docid - 1] = rc ? '1' : '0';
	}
	out[N_DOCS] = '\0';
	sg_sortfilter_free(sf);
}

static void test_filters(void **state)
{
	static const struct { const char *filter, *want; } cases[] = {
		{ "date>=2022-01-01", "1010" },
		{ "date<2022", "0100" },        /* bytewise: "2021-..." < "2022" */
		{ "price<100", "0100" },        /* numerically: 80.5 */
		{ "price>=80.5", "1100" },
		{ "price!=120", "0111" },       /* missing satisfies only != */
		{ "date=2022-01-15", "0010" },
		{ "body=東京の川", "0001" },     /* an indexed field's text */
		{ "nothing=x", "0000" },
	};
	struct fixture *f = *state;
	char got[N_DOCS + 1];
	size_t i;
	int kind;

	for (kind = 0; kind < 2; kind++)
		for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			accepted(f, kind, cases[i].filter, got);
			if (strcmp(got, cases[i].want))
				fail_msg("index %d, %s: got %s, want %s", kind,
					 cases[i].filter, got, cases[i].want);
		}
}

/* The docids after ordering all four (equal ranks but for the scores
 * given) by the keys, as "d2d0d1d3". */
static void ordered(struct fixture *f, int kind, const char *const *keys,
		    size_t n_keys, char *out)
{
	sg_sf_cand c[N_DOCS];
	sg_error err = SG_ERROR_INIT;
	sg_sortfilter *sf;
	size_t i;

	for (i = 0; i < N_DOCS; i++) {
		c[i].docid = (uint32_t)i + 1;
		c[i].tier = 0;
		c[i].score = (double)(i % 2); /* d1, d3 score higher */
	}
	if (sg_sortfilter_new(f->idx[kind], keys, n_keys, NULL, 0, &sf,
			      &err) != SG_OK ||
	    sg_sortfilter_order(sf, f->txn[kind], c, N_DOCS, &err) != SG_OK)
		fail_msg("%s: %s", keys[0], err.msg);
	out[0] = '\0';
	for (i = 0; i < N_DOCS; i++)
		sprintf(out + strlen(out), "d%u", c[i].docid - 1);
	sg_sortfilter_free(sf);
}

static void test_order(void **state)
{
	static const char *const by_date_desc[] = { "-date" };
	static const char *const by_date[] = { "date" };
	static const char *const by_price[] = { "price" };
	static const char *const by_price_desc[] = { "-price" };
	static const char *const by_score_asc[] = { "-_score" };
	static const char *const by_title_then_price[] = { "title", "-price" };
	static const struct {
		const char *const *keys;
		size_t n;
		const char *want;
	} cases[] = {
		{ by_date_desc, 1, "d0d2d1d3" },  /* missing last */
		{ by_date, 1, "d1d2d0d3" },       /* missing last here too */
		{ by_price, 1, "d1d0d3d2" },      /* ties by rank: d3 scores 1 */
		{ by_price_desc, 1, "d0d1d3d2" },
		{ by_score_asc, 1, "d0d2d1d3" },  /* worst first, docid asc */
		{ by_title_then_price, 2, "d0d1d3d2" }, /* equal titles */
	};
	struct fixture *f = *state;
	char got[64];
	size_t i;
	int kind;

	for (kind = 0; kind < 2; kind++)
		for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			ordered(f, kind, cases[i].keys, cases[i].n, got);
			if (strcmp(got, cases[i].want))
				fail_msg("index %d, %s: got %s, want %s", kind,
					 cases[i].keys[0], got, cases[i].want);
		}
}

static void test_bad_specs(void **state)
{
	static const char *const bad_filter[] = { "date" };
	static const char *const bad_key[] = { "-" };
	struct fixture *f = *state;
	sg_error err = SG_ERROR_INIT;
	sg_sortfilter *sf;

	assert_int_equal(sg_sortfilter_new(f->idx[0], NULL, 0, bad_filter, 1,
					   &sf, &err), SG_EINVAL);
	assert_null(sf);
	assert_non_null(strstr(err.msg, "no operator"));
	assert_int_equal(sg_sortfilter_new(f->idx[0], bad_key, 1, NULL, 0,
					   &sf, &err), SG_EINVAL);
	assert_int_equal(sg_sortfilter_new(f->idx[0], NULL, 0, NULL, 0, &sf,
					   &err), SG_OK);
	assert_null(sf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_filters),
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_bad_specs),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
