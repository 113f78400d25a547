/*
 * test_analyzer.c — common/analyzer.c with MeCab + ipadic-utf8: terms, base
 * forms, the filter, positions, byte offsets into the original input, piece
 * cutting (including a 10 MB single line), keep_all and the config string.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <utf8proc.h>

#include "analyzer_internal.h"
#include "sagasu.h"

struct fixture {
	sg_analyzer *a;
	sg_analysis *s;
};

static int setup_with(void **state, int keep_all)
{
	sg_analyzer_options opt = SG_ANALYZER_OPTIONS_INIT;
	sg_error err = SG_ERROR_INIT;
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	opt.keep_all = keep_all;
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

static int setup(void **state)
{
	return setup_with(state, 0);
}

static int setup_keep_all(void **state)
{
	return setup_with(state, 1);
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	sg_analysis_free(f->s);
	sg_analyzer_free(f->a);
	free(f);
	return 0;
}

struct want {
	const char *term;
	uint32_t pos;
	size_t start, end;
	const char *tag;
	int indexed;
};

static void analyze(struct fixture *f, const char *text, size_t len,
		    uint32_t base, const sg_token **t, size_t *n, uint32_t *npos)
{
	sg_error err = SG_ERROR_INIT;
	int rc = sg_analyze(f->s, text, len, base, t, n, npos, &err);

	if (rc != SG_OK)
		fail_msg("sg_analyze: %d %s", rc, err.msg);
}

static void tokens_are(const sg_token *t, size_t n, const struct want *w,
		       size_t nw)
{
	size_t i;

	assert_int_equal(n, nw);
	for (i = 0; i < n; i++) {
		if (t[i].term_len != strlen(w[i].term) ||
		    memcmp(t[i].term, w[i].term, t[i].term_len))
			fail_msg("token %zu: term '%.*s', want '%s'", i,
				 (int)t[i].term_len, t[i].term, w[i].term);
		assert_int_equal(t[i].pos, w[i].pos);
		assert_int_equal(t[i].start, w[i].start);
		assert_int_equal(t[i].end, w[i].end);
		if (w[i].tag && (t[i].pos_tag_len != strlen(w[i].tag) ||
				 memcmp(t[i].pos_tag, w[i].tag, t[i].pos_tag_len)))
			fail_msg("token %zu: tag '%.*s', want '%s'", i,
				 (int)t[i].pos_tag_len, t[i].pos_tag, w[i].tag);
		assert_int_equal(t[i].indexed, w[i].indexed);
	}
}

#define S(lit) lit, sizeof(lit) - 1
#define N(a) (sizeof(a) / sizeof((a)[0]))

static void test_example(void **state)
{
	static const struct want w[] = {
		{ "abc", 0, 0, 9, "名詞,固有名詞,組織", 1 },
		{ "の", 1, 9, 12, "助詞,連体化", 0 },
		{ "カタカナ", 2, 12, 24, "名詞,一般", 1 },
		{ "を", 3, 24, 27, "助詞,格助詞,一般", 0 },
		{ "使う", 4, 27, 33, "動詞,自立", 1 },
		{ "た", 5, 33, 36, "助動詞", 0 },
	};
	struct fixture *f = *state;
	const sg_token *t;
	const char *norm;
	size_t n, norm_len;
	uint32_t npos;

	analyze(f, S("ＡＢＣのｶﾀｶﾅを使った"), 0, &t, &n, &npos);
	tokens_are(t, n, w, N(w));
	assert_int_equal(npos, 6);
	assert_int_equal(sg_analysis_invalid_utf8(f->s), 0);
	norm = sg_analysis_normalized(f->s, &norm_len);
	assert_int_equal(norm_len, strlen("abcのカタカナを使った"));
	assert_memory_equal(norm, "abcのカタカナを使った", norm_len);
}

static void test_base_forms_and_filter(void **state)
{
	static const struct want w[] = {
		{ "空", 0, 0, 3, "名詞,一般", 1 },
		{ "が", 1, 3, 6, "助詞,格助詞,一般", 0 },
		{ "美しい", 2, 6, 18, "形容詞,自立", 1 },
		{ "た", 3, 18, 21, "助動詞", 0 },
		{ "。", 4, 21, 24, "記号,句点", 0 },
	};
	struct fixture *f = *state;
	const sg_token *t;
	size_t n;
	uint32_t npos;

	analyze(f, S("空が美しかった。"), 0, &t, &n, &npos);
	tokens_are(t, n, w, N(w));
	assert_int_equal(npos, 5);
}

static void test_punctuation_nouns_dropped(void **state)
{
	struct fixture *f = *state;
	const sg_token *t;
	size_t n, i, n_indexed = 0;
	uint32_t npos;

	/* After NFKC ？ and （ are ASCII; ipadic may tag them as nouns, but a
	 * token of punctuation only is never indexed. */
	analyze(f, S("本当？（テスト）★"), 0, &t, &n, &npos);
	for (i = 0; i < n; i++) {
		if (!t[i].indexed)
			continue;
		n_indexed++;
		assert_true((t[i].term_len == strlen("本当") &&
			     !memcmp(t[i].term, "本当", t[i].term_len)) ||
			    (t[i].term_len == strlen("テスト") &&
			     !memcmp(t[i].term, "テスト", t[i].term_len)));
	}
	assert_int_equal(n_indexed, 2);
	assert_int_equal(npos, n);
}

static void test_whitespace_positions(void **state)
{
	static const struct want w[] = {
		{ "abc", 0, 2, 5, NULL, 1 },
		{ "def", 2, 6, 9, NULL, 1 },
		{ "東京", 4, 14, 20, NULL, 1 },
	};
	struct fixture *f = *state;
	const sg_token *t;
	size_t n;
	uint32_t npos;

	/* leading whitespace: no position; one position per run between
	 * tokens (a space; then "\t　\n", i.e. tab, U+3000, newline);
	 * trailing whitespace: none */
	analyze(f, S("  abc def\t　\n東京  "), 10, &t, &n, &npos);
	assert_int_equal(n, 3);
	assert_int_equal(t[0].pos, 10);
	assert_int_equal(t[1].pos, 12);
	assert_int_equal(t[2].pos, 14);
	assert_int_equal(npos, 5);
	analyze(f, S("  abc def\t　\n東京  "), 0, &t, &n, &npos);
	tokens_are(t, n, w, N(w));
}

static void test_keep_all(void **state)
{
	struct fixture *f = *state;
	const sg_token *t;
	size_t n, i;
	uint32_t npos;

	analyze(f, S("ＡＢＣのｶﾀｶﾅを使った。 ?"), 0, &t, &n, &npos);
	assert_int_equal(n, 8);
	for (i = 0; i < n; i++)
		assert_int_equal(t[i].indexed, 1);
	/* "。" at 6, a space run, then "?" at 8 */
	assert_int_equal(t[7].pos, 8);
	assert_int_equal(npos, 9);
	assert_non_null(strstr(sg_analyzer_config(f->a), " filter=keep_all"));
}

static void test_invalid_and_nul(void **state)
{
	struct fixture *f = *state;
	const sg_token *t;
	size_t n;
	uint32_t npos;

	/* 東京 FF 大阪: U+FFFD is a symbol, dropped; the rest is kept, with
	 * offsets in the original bytes */
	analyze(f, S("東京\xFF大阪"), 0, &t, &n, &npos);
	assert_int_equal(sg_analysis_invalid_utf8(f->s), 1);
	assert_int_equal(n, 3);
	assert_memory_equal(t[0].term, "東京", 6);
	assert_int_equal(t[1].start, 6);
	assert_int_equal(t[1].end, 7);
	assert_int_equal(t[1].indexed, 0);
	assert_memory_equal(t[2].term, "大阪", 6);
	assert_int_equal(t[2].start, 7);
	assert_int_equal(t[2].end, 13);
	assert_int_equal(t[2].pos, 2);
	/* NUL is whitespace: a position gap, no token */
	analyze(f, "abc\0def", 7, 0, &t, &n, &npos);
	assert_int_equal(sg_analysis_invalid_utf8(f->s), 0);
	assert_int_equal(n, 2);
	assert_int_equal(t[1].pos, 2);
	assert_int_equal(t[1].start, 4);
	/* BOM: dropped, offsets still count it */
	analyze(f, S("\xEF\xBB\xBF東京"), 0, &t, &n, &npos);
	assert_int_equal(n, 1);
	assert_int_equal(t[0].start, 3);
	assert_int_equal(t[0].end, 9);
}

static void test_empty(void **state)
{
	struct fixture *f = *state;
	const sg_token *t = (const sg_token *)1;
	const char *norm;
	size_t n = 99, len = 99;
	uint32_t npos = 99;

	analyze(f, "", 0, 7, &t, &n, &npos);
	assert_null(t);
	assert_int_equal(n, 0);
	assert_int_equal(npos, 0);
	norm = sg_analysis_normalized(f->s, &len);
	assert_int_equal(len, 0);
	assert_string_equal(norm, "");
	analyze(f, S(" \n\t "), 0, &t, &n, &npos);
	assert_int_equal(n, 0);
	assert_int_equal(npos, 0);
}

static void test_term_cut(void **state)
{
	char buf[300];

	(void)state;
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(sg_analyzer_cut_term(buf, 300), 255);
	assert_int_equal(sg_analyzer_cut_term(buf, 255), 255);
	/* 254 x then a 3-byte character: the cut backs up to 254 */
	memcpy(buf + 254, "あ", 3);
	assert_int_equal(sg_analyzer_cut_term(buf, 257), 254);
	/* 253 x then a 3-byte character ending at 256 */
	memset(buf, 'x', sizeof(buf));
	memcpy(buf + 253, "あ", 3);
	assert_int_equal(sg_analyzer_cut_term(buf, 280), 253);
	memset(buf, 'x', sizeof(buf));
	memcpy(buf + 252, "あ", 3);
	assert_int_equal(sg_analyzer_cut_term(buf, 280), 255);
}

static void test_cut(void **state)
{
	(void)state;
	assert_int_equal(sg_analyzer_cut(S("abc"), 4), 3);
	/* the last boundary within the limit wins */
	assert_int_equal(sg_analyzer_cut(S("ab.cd!ef"), 7), 6);
	assert_int_equal(sg_analyzer_cut(S("あ。いいいい"), 8), 6);
	assert_int_equal(sg_analyzer_cut(S("ab\ncdefgh"), 5), 3);
	/* no sentence end: whitespace */
	assert_int_equal(sg_analyzer_cut(S("ab cdefgh"), 5), 3);
	/* neither: a character boundary (3-byte characters) */
	assert_int_equal(sg_analyzer_cut(S("あいうえ"), 7), 6);
	assert_int_equal(sg_analyzer_cut(S("あいうえ"), 6), 6);
	assert_int_equal(sg_analyzer_cut(S("あいうえ"), 5), 3);
}

/* The same tokens whatever the piece size, as long as pieces end at
 * sentence ends or whitespace. With 18 bytes the normalized text is cut
 * into "今日は晴れ。" "明日は雨!" " abc def\n" "東京 大阪 " "京都。": after
 * 。, after !, after a newline, at a space, and the rest. */
static void test_pieces_keep_positions(void **state)
{
	static const char text[] = "今日は晴れ。明日は雨! abc def\n東京 大阪　京都。";
	struct fixture *f = *state;
	const sg_token *t;
	sg_token *ref;
	size_t n, nref, i;
	uint32_t npos, npos_ref;

	analyze(f, S(text), 0, &t, &nref, &npos_ref);
	ref = malloc(nref * sizeof(*ref));
	assert_non_null(ref);
	memcpy(ref, t, nref * sizeof(*ref));
	sg_analysis_set_piece_max(f->s, 18);
	analyze(f, S(text), 0, &t, &n, &npos);
	sg_analysis_set_piece_max(f->s, SG_ANALYZER_PIECE_MAX);
	assert_int_equal(n, nref);
	assert_int_equal(npos, npos_ref);
	for (i = 0; i < n; i++) {
		assert_int_equal(t[i].pos, ref[i].pos);
		assert_int_equal(t[i].start, ref[i].start);
		assert_int_equal(t[i].end, ref[i].end);
		assert_int_equal(t[i].term_len, ref[i].term_len);
		assert_int_equal(t[i].indexed, ref[i].indexed);
	}
	free(ref);
}

/* Repeats `unit` until the text reaches `total` bytes; analyzes one unit
 * and `per_piece` units to get the expected counts independently. */
static void big_line(struct fixture *f, const char *unit, size_t total)
{
	size_t ulen = strlen(unit), reps = total / ulen, i, n1, n, prev;
	uint32_t npos1, npos;
	const sg_token *t;
	char *text;

	analyze(f, unit, ulen, 0, &t, &n1, &npos1);
	assert_true(n1 > 0);
	text = malloc(reps * ulen);
	assert_non_null(text);
	for (i = 0; i < reps; i++)
		memcpy(text + i * ulen, unit, ulen);
	analyze(f, text, reps * ulen, 0, &t, &n, &npos);
	assert_int_equal(n, n1 * reps);
	/* a unit that ends in whitespace has a gap between repetitions but
	 * not after the last one */
	if (unit[ulen - 1] == ' ')
		assert_int_equal(npos, (uint64_t)npos1 * reps + reps - 1);
	else
		assert_int_equal(npos, (uint64_t)npos1 * reps);
	/* tokens in order, offsets inside the text, unit-periodic */
	prev = 0;
	for (i = 0; i < n; i++) {
		assert_true(t[i].start >= prev);
		assert_true(t[i].end <= reps * ulen);
		prev = t[i].end;
	}
	assert_int_equal(t[n - 1].end, reps * ulen - (unit[ulen - 1] == ' '));
	assert_int_equal(t[n1].start, ulen + t[0].start);
	free(text);
}

static size_t big_size(void)
{
	const char *e = getenv("SAGASU_TEST_BIG_MB");

	return (e ? (size_t)atoi(e) : 10) * 1000 * 1000;
}

static void test_10mb_sentences(void **state)
{
	big_line(*state, "今日は東京で会議がありました。", big_size());
}

static void test_10mb_spaces_no_period(void **state)
{
	big_line(*state, "東京で会議 ", big_size());
}

static void test_10mb_no_boundary(void **state)
{
	/* 15 bytes: 65535 = 15 * 4369, so the character-boundary cut at 64 KiB
	 * falls between repetitions */
	big_line(*state, "東京都庁舎", big_size());
}

/* One analysis with the given variants; the indexed tokens as
 * "term:start-end " into out. Also the normalized text into norm. */
static void analyze_variants(unsigned variants, int query, const char *text,
			     char *out, size_t cap, char *norm_out,
			     size_t norm_cap)
{
	sg_analyzer_options opt = SG_ANALYZER_OPTIONS_INIT;
	sg_error err = SG_ERROR_INIT;
	sg_analyzer *a = NULL;
	sg_analysis *s = NULL;
	const sg_token *t;
	const char *norm;
	size_t n, i, o = 0, nl;
	uint32_t np;

	opt.variants_set = 1;
	opt.variants = variants;
	assert_int_equal(sg_analyzer_new(&opt, &a, &err), SG_OK);
	assert_int_equal(sg_analysis_new(a, &s, &err), SG_OK);
	sg_analysis_set_query(s, query);
	assert_int_equal(sg_analyze(s, text, strlen(text), 0, &t, &n, &np, &err),
			 SG_OK);
	out[0] = '\0';
	for (i = 0; i < n; i++)
		if (t[i].indexed)
			o += (size_t)snprintf(out + o, cap - o, "%.*s:%zu-%zu ",
					      (int)t[i].term_len, t[i].term,
					      t[i].start, t[i].end);
	norm = sg_analysis_normalized(s, &nl);
	snprintf(norm_out, norm_cap, "%.*s", (int)nl, norm);
	sg_analysis_free(s);
	sg_analyzer_free(a);
}

/* Each variant's terms, and offsets that still point at the original text
 * (expected values counted by hand: 3 bytes a kana, 1 an ASCII byte). */
static void test_variants(void **state)
{
	char got[512], norm[512];

	(void)state;
	/* ー rule: the term loses ー, the span keeps the original 12 bytes;
	 * the query-side text loses the ー that ends the run. */
	analyze_variants(SG_VARIANT_CHOON, 1, "ユーザーの", got, sizeof(got), norm,
			 sizeof(norm));
	assert_string_equal(got, "ユーザ:0-12 ");
	assert_string_equal(norm, "ユーザの");
	/* a document's text keeps it (its grams hold the text as written),
	 * and a query's keeps a ー inside a katakana run */
	analyze_variants(SG_VARIANT_CHOON, 0, "ユーザーの", got, sizeof(got), norm,
			 sizeof(norm));
	assert_string_equal(got, "ユーザ:0-12 ");
	assert_string_equal(norm, "ユーザーの");
	analyze_variants(0, 1, "ユーザーの", got, sizeof(got), norm, sizeof(norm));
	assert_string_equal(got, "ユーザー:0-12 ");
	assert_string_equal(norm, "ユーザーの");
	/* 3 characters: kept */
	analyze_variants(SG_VARIANT_CHOON, 1, "コピー", got, sizeof(got), norm,
			 sizeof(norm));
	assert_string_equal(got, "コピー:0-9 ");
	/* v: ヴァ (6 bytes) is バ (3), the span covers all 18 original bytes;
	 * the next token starts where the original does */
	analyze_variants(SG_VARIANT_V, 1, "ヴァイオリンを弾く", got, sizeof(got),
			 norm, sizeof(norm));
	assert_string_equal(got, "バイオリン:0-18 弾く:21-27 ");
	assert_string_equal(norm, "バイオリンを弾く");
	/* hyphen: '-' (1 byte) becomes ー (3): データー spans 10 bytes */
	analyze_variants(SG_VARIANT_HYPHEN, 1, "データ-の", got, sizeof(got), norm,
			 sizeof(norm));
	assert_string_equal(got, "データー:0-10 ");
	assert_string_equal(norm, "データーの");
	/* U+2212 − (3 bytes), then the ー rule on the result */
	analyze_variants(SG_VARIANT_HYPHEN | SG_VARIANT_CHOON, 1,
			 "サーバ\xE2\x88\x92の", got, sizeof(got), norm,
			 sizeof(norm));
	assert_string_equal(got, "サーバ:0-12 ");
	/* kana: terms and normalized text folded, same lengths */
	analyze_variants(SG_VARIANT_KANA, 1, "りんごを食べた", got, sizeof(got), norm,
			 sizeof(norm));
	assert_string_equal(norm, "リンゴヲ食ベタ");
	assert_non_null(strstr(got, ":0-9 "));
	/* sg_variants_parse */
	{
		unsigned v = 99;
		sg_error err = SG_ERROR_INIT;

		assert_int_equal(sg_variants_parse("kana,choon", &v, &err), SG_OK);
		assert_int_equal(v, SG_VARIANT_KANA | SG_VARIANT_CHOON);
		assert_int_equal(sg_variants_parse("none", &v, &err), SG_OK);
		assert_int_equal(v, 0);
		assert_int_equal(sg_variants_parse("choon,x", &v, &err),
				 SG_EINVAL);
		assert_non_null(strstr(err.msg, "'x' is not a variant"));
	}
}

static void test_config(void **state)
{
	struct fixture *f = *state;
	sg_analyzer_options opt = SG_ANALYZER_OPTIONS_INIT;
	sg_error err = SG_ERROR_INIT;
	sg_analyzer *b = NULL, *c = NULL;
	char want[256];
	const char *cfg = sg_analyzer_config(f->a);

	assert_int_equal(sg_analyzer_new(&opt, &b, &err), SG_OK);
	/* Without variants: exactly the /1 string of older indexes. */
	opt.keep_all = 1;
	opt.variants_set = 1;
	opt.variants = 0;
	assert_int_equal(sg_analyzer_new(&opt, &c, &err), SG_OK);
	snprintf(want, sizeof(want), "sagasu-analyzer/2 dic=ipadic-utf8:UTF-8:"
		 "102:392127 norm=nfkc_cf utf8proc=%s filter=default "
		 "variants=choon", utf8proc_version());
	assert_string_equal(cfg, want);
	assert_string_equal(sg_analyzer_config(b), cfg);
	snprintf(want, sizeof(want), "sagasu-analyzer/1 dic=ipadic-utf8:UTF-8:"
		 "102:392127 norm=nfkc_cf utf8proc=%s filter=keep_all",
		 utf8proc_version());
	assert_string_equal(sg_analyzer_config(c), want);
	sg_analyzer_free(c);
	opt.keep_all = 0;
	opt.variants = SG_VARIANTS_ALL;
	assert_int_equal(sg_analyzer_new(&opt, &c, &err), SG_OK);
	snprintf(want, sizeof(want), "sagasu-analyzer/2 dic=ipadic-utf8:UTF-8:"
		 "102:392127 norm=nfkc_cf utf8proc=%s filter=default "
		 "variants=choon,kana,v,hyphen", utf8proc_version());
	assert_string_equal(sg_analyzer_config(c), want);
	sg_analyzer_free(c);
	sg_analyzer_free(b);
}

static void test_bad_dictionaries(void **state)
{
	sg_analyzer_options opt = SG_ANALYZER_OPTIONS_INIT;
	sg_error err = SG_ERROR_INIT;
	sg_analyzer *a = (sg_analyzer *)1;

	(void)state;
	opt.dicdir = "/nonexistent/dic";
	assert_int_equal(sg_analyzer_new(&opt, &a, &err), SG_EMECAB);
	assert_null(a);
	assert_int_equal(err.code, SG_EMECAB);
	assert_non_null(strstr(err.msg, "/nonexistent/dic"));
	assert_non_null(strstr(err.msg, "apt-get install mecab-ipadic-utf8"));
	/* the EUC-JP build of ipadic, when installed, is refused */
	opt.dicdir = "/var/lib/mecab/dic/ipadic";
	if (sg_analyzer_new(&opt, &a, &err) == SG_OK) {
		sg_analyzer_free(a);
		fail_msg("an EUC-JP dictionary was accepted");
	}
	assert_int_equal(err.code, SG_EMECAB);
	assert_non_null(strstr(err.msg, "apt-get install mecab-ipadic-utf8"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_example, setup, teardown),
		cmocka_unit_test_setup_teardown(test_base_forms_and_filter, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_punctuation_nouns_dropped,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_whitespace_positions, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_keep_all, setup_keep_all,
						teardown),
		cmocka_unit_test_setup_teardown(test_invalid_and_nul, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_empty, setup, teardown),
		cmocka_unit_test(test_term_cut),
		cmocka_unit_test(test_cut),
		cmocka_unit_test_setup_teardown(test_pieces_keep_positions, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_10mb_sentences, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_10mb_spaces_no_period, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_10mb_no_boundary, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_config, setup, teardown),
		cmocka_unit_test(test_variants),
		cmocka_unit_test(test_bad_dictionaries),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
