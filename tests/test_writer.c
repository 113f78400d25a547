/*
 * test_writer.c — the writer's cancel hook (sg_writer_options.cancel):
 * SG_EINTR is produced at each place the header promises, and the index
 * then holds exactly what was committed before — counted with
 * sg_index_stats and verified whole with sg_index_check.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fixture.h"
#include "sagasu.h"

static const char *const bodies[] = { "東京の天気は晴れ",
				      "東京から京都へ行く", "京都の寺" };

struct fixture {
	char dir[SG_FIXTURE_PATH_MAX];
	sg_index *idx;
	int stop;       /* what the cancel hook answers */
	int polls;      /* how often it was asked */
};

static int cancel(void *ctx)
{
	struct fixture *f = ctx;

	f->polls++;
	return f->stop;
}

static int setup(void **state)
{
	sg_index_options io = SG_INDEX_OPTIONS_INIT;
	sg_error err = SG_ERROR_INIT;
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f || sg_fixture_mkdir("writer", f->dir) != 0) {
		free(f);
		return -1;
	}
	if (sg_fixture_index(f->dir, io, bodies, NULL, 3, &f->idx,
			     &err) != SG_OK) {
		fprintf(stderr, "setup: %s\n", err.msg);
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

	sg_index_close(f->idx);
	sg_fixture_remove(f->dir);
	free(f);
	return 0;
}

static sg_writer *open_writer(struct fixture *f)
{
	sg_writer_options wo = SG_WRITER_OPTIONS_INIT;
	sg_error err = SG_ERROR_INIT;
	sg_writer *w = NULL;

	wo.threads = 1;
	wo.cancel = cancel;
	wo.cancel_ctx = f;
	f->stop = 0;
	f->polls = 0;
	if (sg_writer_open(f->idx, &wo, &w, &err) != SG_OK)
		fail_msg("sg_writer_open: %s", err.msg);
	return w;
}

/* The index is whole and holds n live documents, `dead` of them deleted
 * but not compacted. */
static void assert_index(struct fixture *f, uint64_t n, uint64_t dead)
{
	sg_error err = SG_ERROR_INIT;
	sg_check_report rep;
	sg_stats st;

	if (sg_index_check(f->idx, &rep, &err) != SG_OK)
		fail_msg("sg_index_check: %s", err.msg);
	assert_int_equal(sg_index_stats(f->idx, &st, &err), SG_OK);
	assert_int_equal(st.documents, n);
	assert_int_equal(rep.documents, n);
	assert_int_equal(st.dead, dead);
}

/* A stop during the commit abandons the batch: the two queued documents
 * are not in the index, the three committed before are. */
static void test_cancel_during_commit(void **state)
{
	struct fixture *f = *state;
	sg_error err = SG_ERROR_INIT;
	sg_writer *w = open_writer(f);

	assert_int_equal(sg_fixture_add(w, "n1", "大阪の天気", &err), SG_OK);
	assert_int_equal(sg_fixture_add(w, "n2", "名古屋の城", &err), SG_OK);
	f->stop = 1;
	assert_int_equal(sg_writer_commit(w, &err), SG_EINTR);
	assert_int_equal(err.code, SG_EINTR);
	assert_non_null(strstr(err.msg, "interrupted"));
	assert_true(f->polls > 0);
	sg_writer_free(w);
	assert_index(f, 3, 0);
}

/* A stop at sg_writer_add queues nothing; what was queued before still
 * commits once the caller lets it. */
static void test_cancel_at_add(void **state)
{
	struct fixture *f = *state;
	sg_error err = SG_ERROR_INIT;
	sg_writer_counts c;
	sg_writer *w = open_writer(f);

	assert_int_equal(sg_fixture_add(w, "n1", "大阪の天気", &err), SG_OK);
	f->stop = 1;
	assert_int_equal(sg_fixture_add(w, "n2", "名古屋の城", &err),
			 SG_EINTR);
	f->stop = 0;
	assert_int_equal(sg_writer_commit(w, &err), SG_OK);
	sg_writer_get_counts(w, &c);
	assert_int_equal(c.indexed, 1);
	sg_writer_free(w);
	assert_index(f, 4, 0);
}

/* A stop during compaction leaves the index as it was (the deleted
 * document's postings still there); a second compaction completes. Six
 * documents, one deleted: below the quarter at which a commit compacts
 * by itself. */
static void test_cancel_during_compaction(void **state)
{
	struct fixture *f = *state;
	sg_error err = SG_ERROR_INIT;
	sg_writer *w = open_writer(f);

	assert_int_equal(sg_fixture_add(w, "n1", "大阪の天気", &err), SG_OK);
	assert_int_equal(sg_fixture_add(w, "n2", "名古屋の城", &err), SG_OK);
	assert_int_equal(sg_fixture_add(w, "n3", "京都の天気", &err), SG_OK);
	assert_int_equal(sg_writer_commit(w, &err), SG_OK);
	assert_int_equal(sg_writer_delete(w, "d1", 2, &err), SG_OK);
	assert_int_equal(sg_writer_commit(w, &err), SG_OK);
	assert_index(f, 5, 1);
	f->stop = 1;
	assert_int_equal(sg_writer_compact(w, &err), SG_EINTR);
	assert_non_null(strstr(err.msg, "unchanged"));
	sg_writer_free(w);
	assert_index(f, 5, 1);
	w = open_writer(f);
	assert_int_equal(sg_writer_compact(w, &err), SG_OK);
	sg_writer_free(w);
	assert_index(f, 5, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_cancel_during_commit,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_cancel_at_add, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_cancel_during_compaction,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
