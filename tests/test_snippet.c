/*
 * test_snippet.c — query/snippet.c with MeCab + ipadic-utf8: the window
 * around one match (multi-term unit, full-width text), the choice between
 * far and close matches, sentence snapping, merged highlights, no match,
 * short and empty texts, newlines, invalid UTF-8 at every cut, bad arguments
 * and a long text with many matches.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "../query/snippet.h"
#include "sagasu.h"

#define ELL "\xE2\x80\xA6" /* … */

struct fixture {
	sg_analyzer *a;
	sg_analysis *s;
	sg_buf out;
	sg_span *sp;
	size_t n_sp;
};

static int setup(void **state)
{
	sg_analyzer_options opt = SG_ANALYZER_OPTIONS_INIT;
	sg_error err = SG_ERROR_INIT;
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	if (sg_analyzer_new(&opt, &f->a, &err) != SG_OK ||
	    sg_analysis_new(f->a, &f->s, &err) != SG_OK) {
		fprintf(stderr, "setup: %s\n", err.msg);
		sg_analyzer_free(f->a);
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	free(f->sp);
	sg_buf_release(&f->out);
	sg_analysis_free(f->s);
	sg_analyzer_free(f->a);
	free(f);
	return 0;
}

/* 1 when s[0, len) is well-formed UTF-8 (Unicode table 3-7). */
static int utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n, k;

	while (i < len) {
		unsigned char c = p[i], lo = 0x80, hi = 0xBF;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF)
			n = 2;
		else if (c >= 0xE0 && c <= 0xEF)
			n = 3;
		else if (c >= 0xF0 && c <= 0xF4)
			n = 4;
		else
			return 0;
		if (c == 0xE0)
			lo = 0xA0;
		if (c == 0xED)
			hi = 0x9F;
		if (c == 0xF0)
			lo = 0x90;
		if (c == 0xF4)
			hi = 0x8F;
		if (len - i < n || p[i + 1] < lo || p[i + 1] > hi)
			return 0;
		for (k = 2; k < n; k++)
			if (p[i + k] < 0x80 || p[i + k] > 0xBF)
				return 0;
		i += n;
	}
	return 1;
}

/* Characters of valid UTF-8. */
static size_t n_chars(const char *s, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			n++;
	return n;
}

/* Checks what every snippet must be: valid UTF-8, at most max characters
 * besides the "…" marks, spans sorted, disjoint, non-adjacent, inside out
 * and on character boundaries. */
static void check_shape(const struct fixture *f, size_t max)
{
	const char *s = f->out.data ? f->out.data : "";
	size_t len = f->out.len, body = len, i;

	assert_true(utf8_valid(s, len));
	if (len >= 3 && memcmp(s, ELL, 3) == 0)
		body -= 3;
	if (body >= 3 && memcmp(s + len - 3, ELL, 3) == 0)
		body -= 3;
	assert_true(n_chars(s, len) - (len - body) / 3 <= max);
	if (f->n_sp == 0)
		assert_null(f->sp);
	for (i = 0; i < f->n_sp; i++) {
		assert_true(f->sp[i].start < f->sp[i].end);
		assert_true(f->sp[i].end <= len);
		if (i)
			assert_true(f->sp[i - 1].end < f->sp[i].start);
		assert_true(((unsigned char)s[f->sp[i].start] & 0xC0) != 0x80);
		if (f->sp[i].end < len)
			assert_true(((unsigned char)s[f->sp[i].end] & 0xC0) !=
				    0x80);
	}
}

/* Runs sg_snippet with units given as "a b|c" (space: terms of one unit,
 * '|': next unit) and checks the shape of the result. */
static void snip_n(struct fixture *f, const char *text, size_t len,
		   const char *units, size_t max)
{
	const char *terms[32];
	size_t lens[32], unit_n[32], n_terms = 0, n_units = 0;
	sg_snip_query q;
	sg_error err = SG_ERROR_INIT;
	const char *p = units;
	int rc;

	while (*p) {
		size_t l = strcspn(p, " |");

		assert_true(n_terms < 32);
		terms[n_terms] = p;
		lens[n_terms++] = l;
		if (n_units == 0 || p == units || p[-1] == '|')
			unit_n[n_units++] = 0;
		unit_n[n_units - 1]++;
		p += l;
		if (*p)
			p++;
	}
	q.terms = terms;
	q.term_lens = lens;
	q.unit_n = unit_n;
	q.n_units = n_units;
	free(f->sp);
	f->sp = (sg_span *)&err; /* must be set */
	f->n_sp = 99;
	rc = sg_snippet(f->s, text, len, &q, max, &f->out, &f->sp, &f->n_sp,
			&err);
	if (rc != SG_OK)
		fail_msg("sg_snippet: %d %s", rc, err.msg);
	check_shape(f, max);
}

static void snip(struct fixture *f, const char *text, const char *units,
		 size_t max)
{
	snip_n(f, text, strlen(text), units, max);
}

static void span_is(const struct fixture *f, size_t i, const char *want)
{
	assert_true(i < f->n_sp);
	assert_int_equal(f->sp[i].end - f->sp[i].start, strlen(want));
	assert_memory_equal(f->out.data + f->sp[i].start, want, strlen(want));
}

static int starts_with(const sg_buf *b, const char *s)
{
	return b->len >= strlen(s) && memcmp(b->data, s, strlen(s)) == 0;
}

static int ends_with(const sg_buf *b, const char *s)
{
	return b->len >= strlen(s) &&
	       memcmp(b->data + b->len - strlen(s), s, strlen(s)) == 0;
}

#define FILLER "今日は天気が良いので散歩に行きました。" /* 19 chars */

/* Appends `n` copies of s to b. */
static void repeat(sg_buf *b, const char *s, size_t n)
{
	while (n--)
		assert_int_equal(sg_buf_append(b, s, strlen(s)), SG_OK);
}

static void test_single_term_middle(void **state)
{
	struct fixture *f = *state;
	sg_buf t = SG_BUF_INIT;

	repeat(&t, FILLER, 10);
	repeat(&t, "そのクラスターは大きい", 1); /* no sentence end near */
	repeat(&t, FILLER, 10);
	/* クラスター is two terms for ipadic: クラ + スター. */
	snip(f, t.data, "クラ スター", 40);
	assert_true(starts_with(&f->out, ELL));
	assert_true(ends_with(&f->out, ELL));
	assert_int_equal(f->n_sp, 1);
	span_is(f, 0, "クラスター");
	assert_int_equal(f->sp[0].end - f->sp[0].start, 15);
	assert_int_equal(n_chars(f->out.data, f->out.len), 40 + 2);
	sg_buf_release(&t);
}

static void test_sentence_snap(void **state)
{
	struct fixture *f = *state;
	sg_buf t = SG_BUF_INIT;

	repeat(&t, FILLER, 5);
	repeat(&t, "新しいクラスターを作りました。", 1);
	repeat(&t, FILLER, 5);
	snip(f, t.data, "クラ スター", 60);
	/* Centering would start 27 characters before the match, in the
	 * filler; the sentence holding the match starts 3 before it. */
	assert_true(starts_with(&f->out, ELL "新しいクラスター"));
	assert_true(ends_with(&f->out, ELL));
	span_is(f, 0, "クラスター");
	assert_int_equal(n_chars(f->out.data, f->out.len), 60 + 2);

	/* ASCII: ". " ends a sentence, the space after it is skipped; "3.5"
	 * does not. */
	snip(f, "Some words here and there. Version 3.5 of the cluster tool "
	     "is out, with more words after it to fill the line.",
	     "cluster", 40);
	assert_true(starts_with(&f->out, ELL "Version 3.5 of the cluster"));
	span_is(f, 0, "cluster");
	sg_buf_release(&t);
}

static void test_full_width(void **state)
{
	struct fixture *f = *state;

	snip(f, "これはＡＢＣの製品です。", "abc", 100);
	assert_int_equal(f->n_sp, 1);
	span_is(f, 0, "ＡＢＣ");
	assert_string_equal(f->out.data, "これはＡＢＣの製品です。");
}

static void test_far_vs_close(void **state)
{
	struct fixture *f = *state;
	sg_buf t = SG_BUF_INIT;
	const char *s;

	repeat(&t, "東京に行った。", 1);
	repeat(&t, FILLER, 8);
	repeat(&t, "大阪に行った。", 1);
	repeat(&t, FILLER, 8);
	repeat(&t, "東京に行った。", 1);
	repeat(&t, FILLER, 3);
	repeat(&t, "東京と大阪の間を走る。", 1);
	repeat(&t, FILLER, 8);
	repeat(&t, "東京と大阪をまた比べる。", 1);
	repeat(&t, FILLER, 4);
	snip(f, t.data, "東京|大阪", 30);
	assert_int_equal(f->n_sp, 2);
	span_is(f, 0, "東京");
	span_is(f, 1, "大阪");
	/* Both, the earliest of the two windows that hold both. */
	s = strstr(f->out.data, "東京と大阪");
	assert_non_null(s);
	assert_non_null(strstr(f->out.data, "間を走る"));
	assert_null(strstr(f->out.data, "比べる"));

	/* More occurrences win among windows with as many units. */
	snip(f, "東京の話。" FILLER FILLER FILLER "東京と東京と東京。" FILLER
	     FILLER, "東京", 15);
	assert_int_equal(f->n_sp, 3);
	sg_buf_release(&t);
}

static void test_merged_highlights(void **state)
{
	struct fixture *f = *state;

	/* Overlapping units: one span. */
	snip(f, "新しいクラスターを作る。", "クラ スター|スター", 100);
	assert_int_equal(f->n_sp, 1);
	span_is(f, 0, "クラスター");
	/* Adjacent units: one span. */
	snip(f, "新しいクラスターを作る。", "クラ|スター", 100);
	assert_int_equal(f->n_sp, 1);
	span_is(f, 0, "クラスター");
	/* Not adjacent: two. */
	snip(f, "東京と大阪", "東京|大阪", 100);
	assert_int_equal(f->n_sp, 2);
	/* A multi-term unit needs consecutive positions. */
	snip(f, "スターとクラ", "クラ スター", 100);
	assert_int_equal(f->n_sp, 0);
}

static void test_no_match(void **state)
{
	struct fixture *f = *state;
	sg_buf t = SG_BUF_INIT, want = SG_BUF_INIT;

	repeat(&t, FILLER, 5);
	snip(f, t.data, "存在しない語", 19);
	repeat(&want, FILLER, 1);
	repeat(&want, ELL, 1);
	assert_int_equal(f->out.len, want.len);
	assert_memory_equal(f->out.data, want.data, want.len);
	assert_int_equal(f->n_sp, 0);
	assert_null(f->sp);
	/* No unit at all: the same. */
	snip(f, t.data, "", 19);
	assert_memory_equal(f->out.data, want.data, want.len);
	sg_buf_release(&t);
	sg_buf_release(&want);
}

static void test_short_text(void **state)
{
	struct fixture *f = *state;

	snip(f, "東京の天気", "天気", 100);
	assert_string_equal(f->out.data, "東京の天気");
	span_is(f, 0, "天気");
	/* Exactly max_chars: still whole. */
	snip(f, "東京の天気", "天気", 5);
	assert_string_equal(f->out.data, "東京の天気");
	snip(f, "東京の天気", "天気", 4);
	assert_string_equal(f->out.data, ELL "京の天気");
	span_is(f, 0, "天気");
}

static void test_newline_and_controls(void **state)
{
	struct fixture *f = *state;

	snip(f, "題名\n本文の\t東京\r\x1b[31m\xc2\x9b\xe2\x80\xa8終",
	     "東京", 100);
	assert_string_equal(f->out.data, "題名 本文の 東京  [31m  終");
	span_is(f, 0, "東京");
}

static void test_invalid_utf8(void **state)
{
	struct fixture *f = *state;
	static const char t[] =
		"\xff東京\xe3\x81の\xc0\x80天気\xed\xa0\x80は晴れ。"
		"\x80\x80大阪\xf0\x9f\x98" "も晴れ\xf4\x90\x80\x80。\xe3";
	size_t max, cut;

	/* Every window length, every prefix: cuts fall everywhere. */
	for (cut = 0; cut <= sizeof(t) - 1; cut++) {
		for (max = 1; max <= 40; max += (cut % 3) + 1) {
			snip_n(f, t, cut, "東京|天気|大阪", max);
			snip_n(f, t, cut, "晴れ", max);
		}
	}
	snip_n(f, t, sizeof(t) - 1, "東京|天気|大阪", 100);
	assert_int_equal(f->n_sp, 3);
	span_is(f, 0, "東京");
	span_is(f, 1, "天気");
	span_is(f, 2, "大阪");
	assert_true(starts_with(&f->out, "\xEF\xBF\xBD東京\xEF\xBF\xBD"
				"\xEF\xBF\xBDの"));
}

static void test_empty(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(sg_buf_append(&f->out, "old", 3), SG_OK);
	snip_n(f, "", 0, "東京", 10);
	assert_int_equal(f->out.len, 0);
	assert_int_equal(f->n_sp, 0);
	snip_n(f, NULL, 0, "東京", 10);
	assert_int_equal(f->out.len, 0);
	snip(f, "   ", "東京", 10);
	assert_string_equal(f->out.data, "   ");
}

static void test_bad_args(void **state)
{
	struct fixture *f = *state;
	const char *terms[1] = { "東京" };
	size_t lens[1] = { 6 }, unit_n[2] = { 1, 0 };
	sg_snip_query q = { terms, lens, unit_n, 1 };
	sg_error err = SG_ERROR_INIT;
	sg_span *sp = NULL;
	size_t n = 0;

	assert_int_equal(sg_snippet(f->s, "東京", 6, &q, 0, &f->out, &sp, &n,
				    &err), SG_EINVAL);
	assert_non_null(strstr(err.msg, "max_chars"));
	q.n_units = 2;
	assert_int_equal(sg_snippet(f->s, "東京", 6, &q, 10, &f->out, &sp, &n,
				    &err), SG_EINVAL);
	assert_non_null(strstr(err.msg, "unit 1"));
	assert_int_equal(sg_snippet(f->s, NULL, 3, &q, 10, &f->out, &sp, &n,
				    &err), SG_EINVAL);
	assert_null(sp);
	assert_int_equal(n, 0);
}

/* A long text with a match in every sentence and both units together once,
 * near the end: one pass finds it. */
static void test_long_text(void **state)
{
	struct fixture *f = *state;
	sg_buf t = SG_BUF_INIT;

	repeat(&t, "東京に行った。" FILLER, 6000); /* ~ 480 KB */
	repeat(&t, "東京と大阪の間を走る。", 1);
	repeat(&t, FILLER, 3);
	snip(f, t.data, "東京|大阪", 30);
	assert_non_null(strstr(f->out.data, "東京と大阪の間を走る"));
	assert_int_equal(f->n_sp, 2);
	sg_buf_release(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_single_term_middle),
		cmocka_unit_test(test_sentence_snap),
		cmocka_unit_test(test_full_width),
		cmocka_unit_test(test_far_vs_close),
		cmocka_unit_test(test_merged_highlights),
		cmocka_unit_test(test_no_match),
		cmocka_unit_test(test_short_text),
		cmocka_unit_test(test_newline_and_controls),
		cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_bad_args),
		cmocka_unit_test(test_long_text),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
