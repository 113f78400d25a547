/*
 * test_normalize.c — common/normalize.c: NFKC + case fold, the offset map,
 * invalid UTF-8, BOM, NUL, and the fast paths checked against utf8proc.
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

#include "normalize.h"
#include "sagasu.h"

/* Normalizes s and checks the text and the invalid count. */
static void norm_is(sg_norm *n, const char *in, size_t in_len,
		    const char *want, size_t want_invalid)
{
	assert_int_equal(sg_normalize(n, in, in_len), SG_OK);
	assert_int_equal(n->text.len, strlen(want));
	assert_memory_equal(n->text.data, want, strlen(want));
	assert_int_equal(n->text.data[n->text.len], '\0');
	assert_int_equal(n->invalid, want_invalid);
	assert_int_equal(n->orig_len, in_len);
	assert_int_equal(n->map[n->text.len], in_len);
}

#define NORM_IS(n, lit, want, inv) norm_is(n, lit, sizeof(lit) - 1, want, inv)

static void test_fullwidth_and_case(void **state)
{
	sg_norm n = SG_NORM_INIT;

	(void)state;
	NORM_IS(&n, "ＡＢＣ", "abc", 0);
	/* each output byte maps to its full-width character (3 bytes each) */
	assert_int_equal(n.map[0], 0);
	assert_int_equal(n.map[1], 3);
	assert_int_equal(n.map[2], 6);
	NORM_IS(&n, "Hello WORLD", "hello world", 0);
	NORM_IS(&n, "！？（）　１２", "!?() 12", 0);
	NORM_IS(&n, "Straße", "strasse", 0);
	NORM_IS(&n, "①㍻", "1平成", 0);
	sg_norm_release(&n);
}

static void test_halfwidth_katakana(void **state)
{
	sg_norm n = SG_NORM_INIT;

	(void)state;
	NORM_IS(&n, "ｶﾀｶﾅ", "カタカナ", 0);
	/* ｶﾞ (2 chars, 6 bytes) composes into ガ (3 bytes) mapped to 0 */
	NORM_IS(&n, "ｶﾞｷﾞﾊﾟ", "ガギパ", 0);
	assert_int_equal(n.map[0], 0);
	assert_int_equal(n.map[2], 0);
	assert_int_equal(n.map[3], 6);
	assert_int_equal(n.map[6], 12);
	assert_int_equal(sg_norm_orig_start(&n, 3), 6);
	assert_int_equal(sg_norm_orig_end(&n, 3), 6);
	assert_int_equal(sg_norm_orig_end(&n, 6), 12);
	assert_int_equal(sg_norm_orig_end(&n, 9), 18);
	/* full-width カ followed by half-width ﾞ: the fast path must not
	 * copy カ alone */
	NORM_IS(&n, "カﾞ", "ガ", 0);
	/* か + combining U+3099 */
	NORM_IS(&n, "か\xE3\x82\x99", "が", 0);
	/* e + combining acute after ASCII */
	NORM_IS(&n, "Ae\xCC\x81", "a\xC3\xA9", 0);
	sg_norm_release(&n);
}

static void test_offsets_mixed(void **state)
{
	sg_norm n = SG_NORM_INIT;

	(void)state;
	/* ＡＢＣのｶﾀｶﾅを使った: abc|の|カタカナ|を|使った */
	NORM_IS(&n, "ＡＢＣのｶﾀｶﾅを使った", "abcのカタカナを使った", 0);
	assert_int_equal(sg_norm_orig_start(&n, 0), 0);
	assert_int_equal(sg_norm_orig_end(&n, 3), 9);
	assert_int_equal(sg_norm_orig_start(&n, 6), 12);
	assert_int_equal(sg_norm_orig_end(&n, 18), 24);
	assert_int_equal(sg_norm_orig_start(&n, 21), 27);
	assert_int_equal(sg_norm_orig_end(&n, 27), 33);
	assert_int_equal(sg_norm_orig_end(&n, n.text.len), 36);
	/* a span ending inside an expanded segment (㍻ → 平成) ends at the
	 * end of that segment */
	NORM_IS(&n, "x㍻y", "x平成y", 0);
	assert_int_equal(sg_norm_orig_start(&n, 1), 1);
	assert_int_equal(sg_norm_orig_end(&n, 4), 4);
	assert_int_equal(sg_norm_orig_start(&n, 4), 1);
	assert_int_equal(sg_norm_orig_end(&n, 7), 4);
	assert_int_equal(sg_norm_orig_start(&n, 7), 4);
	sg_norm_release(&n);
}

static void test_invalid_utf8(void **state)
{
	sg_norm n = SG_NORM_INIT;

	(void)state;
	NORM_IS(&n, "a\xFF" "b", "a\xEF\xBF\xBD" "b", 1);
	assert_int_equal(n.map[1], 1);
	assert_int_equal(n.map[3], 1);
	assert_int_equal(n.map[4], 2);
	/* a truncated 3-byte sequence is one maximal subpart */
	NORM_IS(&n, "あ\xE3\x81" "い", "あ\xEF\xBF\xBDい", 1);
	/* truncated at the very end */
	NORM_IS(&n, "x\xE3\x81", "x\xEF\xBF\xBD", 1);
	/* overlong NUL: C0 is never valid, then a lone continuation */
	NORM_IS(&n, "a\xC0\x80" "b", "a\xEF\xBF\xBD\xEF\xBF\xBD" "b", 2);
	/* a surrogate (U+D800): ED A0 is not a valid prefix */
	NORM_IS(&n, "a\xED\xA0\x80" "b",
		"a\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD" "b", 3);
	/* above U+10FFFF */
	NORM_IS(&n, "\xF4\x90\x80\x80", "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"
		"\xEF\xBF\xBD", 4);
	/* a valid U+FFFD is kept and not counted */
	NORM_IS(&n, "\xEF\xBF\xBD", "\xEF\xBF\xBD", 0);
	/* a 4-byte character survives */
	NORM_IS(&n, "\xF0\x9F\x98\x80", "\xF0\x9F\x98\x80", 0);
	sg_norm_release(&n);
}

static void test_bom_nul_empty(void **state)
{
	sg_norm n = SG_NORM_INIT;

	(void)state;
	NORM_IS(&n, "", "", 0);
	assert_int_equal(sg_norm_orig_end(&n, 0), 0);
	NORM_IS(&n, "\xEF\xBB\xBFＡ", "a", 0);
	assert_int_equal(n.map[0], 3);
	NORM_IS(&n, "\xEF\xBB\xBF", "", 0);
	NORM_IS(&n, "a\0b", "a b", 0);
	assert_int_equal(n.map[1], 1);
	NORM_IS(&n, "\0", " ", 0);
	/* default ignorables (ZWSP) are removed, the map skips them */
	NORM_IS(&n, "a\xE2\x80\x8B" "b", "ab", 0);
	assert_int_equal(n.map[1], 4);
	sg_norm_release(&n);
}

/* Every character of the fast paths normalizes to what utf8proc's own
 * NFKC_Casefold gives, alone and in a run of three. */
static void test_fast_paths_match_utf8proc(void **state)
{
	sg_norm n = SG_NORM_INIT;
	utf8proc_uint8_t *ref;
	uint8_t in[12];
	int32_t c;
	size_t len;
	int k;

	(void)state;
	for (c = 1; c < 0xA000; c++) {
		if (c >= 0xD800 && c <= 0xDFFF)
			continue;
		if (c >= 0x80 && c < 0x3000)
			continue;
		len = (size_t)utf8proc_encode_char(c, in);
		for (k = 1; k < 3; k++)
			memcpy(in + len * (size_t)k, in, len);
		assert_int_equal(sg_normalize(&n, (const char *)in, 3 * len), SG_OK);
		in[3 * len] = 0;
		ref = utf8proc_NFKC_Casefold(in);
		assert_non_null(ref);
		if (strcmp((const char *)ref, n.text.data) != 0)
			fail_msg("U+%04X: got '%s', utf8proc '%s'", (unsigned)c,
				 n.text.data, (const char *)ref);
		free(ref);
	}
	for (c = 0xFF01; c <= 0xFFEE; c++) {
		len = (size_t)utf8proc_encode_char(c, in);
		in[len] = 0;
		assert_int_equal(sg_normalize(&n, (const char *)in, len), SG_OK);
		ref = utf8proc_NFKC_Casefold(in);
		assert_non_null(ref);
		if (strcmp((const char *)ref, n.text.data) != 0)
			fail_msg("U+%04X: got '%s', utf8proc '%s'", (unsigned)c,
				 n.text.data, (const char *)ref);
		free(ref);
	}
	sg_norm_release(&n);
}

static void test_long_mark_run(void **state)
{
	sg_norm n = SG_NORM_INIT;
	char in[1 + 200 * 2];
	size_t i;

	(void)state;
	/* a base followed by 200 combining acutes: segments of 32 chars */
	in[0] = 'e';
	for (i = 0; i < 200; i++)
		memcpy(in + 1 + 2 * i, "\xCC\x81", 2);
	assert_int_equal(sg_normalize(&n, in, sizeof(in)), SG_OK);
	assert_int_equal(n.invalid, 0);
	/* é (2 bytes) + 199 acutes (2 bytes each) */
	assert_int_equal(n.text.len, 2 + 199 * 2);
	assert_memory_equal(n.text.data, "\xC3\xA9", 2);
	sg_norm_release(&n);
}

static void test_categories(void **state)
{
	(void)state;
	assert_true(sg_cp_is_space_punct_symbol(' '));
	assert_true(sg_cp_is_space_punct_symbol('?'));
	assert_true(sg_cp_is_space_punct_symbol('('));
	assert_true(sg_cp_is_space_punct_symbol('\t'));
	assert_true(sg_cp_is_space_punct_symbol(0x3002));  /* 。 */
	assert_true(sg_cp_is_space_punct_symbol(0x300C));  /* 「 */
	assert_true(sg_cp_is_space_punct_symbol(0x30FB));  /* ・ */
	assert_true(sg_cp_is_space_punct_symbol(0x2605));  /* ★ */
	assert_true(sg_cp_is_space_punct_symbol(0xFFFD));
	assert_false(sg_cp_is_space_punct_symbol('a'));
	assert_false(sg_cp_is_space_punct_symbol('7'));
	assert_false(sg_cp_is_space_punct_symbol(0x3042)); /* あ */
	assert_false(sg_cp_is_space_punct_symbol(0x30FC)); /* ー */
	assert_false(sg_cp_is_space_punct_symbol(0x4E00)); /* 一 */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fullwidth_and_case),
		cmocka_unit_test(test_halfwidth_katakana),
		cmocka_unit_test(test_offsets_mixed),
		cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_bom_nul_empty),
		cmocka_unit_test(test_fast_paths_match_utf8proc),
		cmocka_unit_test(test_long_mark_run),
		cmocka_unit_test(test_categories),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
