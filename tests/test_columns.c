/*
 * test_columns.c — the rules of columns.h, each with the value it must
 * give: values read from stored JSON, their `columns` bytes, the order of
 * values, the filter syntax and its comparison rules, the sort keys.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "columns.h"

static const char stored[] =
	"{\"date\":\"2022-03-01\",\"price\":1200,\"rate\":0.5,"
	"\"tags\":[\"a\"],\"ok\":true,\"none\":null,\"名前\":\"太郎\"}";

static void test_values_from_json(void **state)
{
	static const char *const names[] = { "date", "price", "rate", "tags",
					     "ok", "none", "absent", "名前" };
	sg_value v[8];
	sg_buf scratch = SG_BUF_INIT;

	(void)state;
	assert_int_equal(sg_values_from_json(stored, strlen(stored), names, 8,
					     v, &scratch), SG_OK);
	assert_int_equal(v[0].kind, SG_VALUE_STRING);
	assert_int_equal(v[0].len, 10);
	assert_memory_equal(v[0].str, "2022-03-01", 10);
	assert_int_equal(v[1].kind, SG_VALUE_NUMBER);
	assert_true(v[1].num == 1200.0);
	assert_true(v[2].num == 0.5);
	assert_int_equal(v[3].kind, SG_VALUE_MISSING); /* an array */
	assert_int_equal(v[4].kind, SG_VALUE_MISSING); /* true */
	assert_int_equal(v[5].kind, SG_VALUE_MISSING); /* null */
	assert_int_equal(v[6].kind, SG_VALUE_MISSING);
	assert_int_equal(v[7].kind, SG_VALUE_STRING);
	assert_memory_equal(v[7].str, "太郎", strlen("太郎"));
	/* no JSON object (a document from files or lines): all missing */
	assert_int_equal(sg_values_from_json("", 0, names, 2, v, &scratch),
			 SG_OK);
	assert_int_equal(v[0].kind, SG_VALUE_MISSING);
	assert_int_equal(v[1].kind, SG_VALUE_MISSING);
	sg_buf_release(&scratch);
}

static void test_encoding(void **state)
{
	sg_value n = { SG_VALUE_NUMBER, -2.25, NULL, 0 }, s = { 0 }, d;
	sg_buf b = SG_BUF_INIT;
	static const uint8_t want_n[9] = { 'n', 0, 0, 0, 0, 0, 0, 0x02, 0xc0 };

	(void)state;
	assert_int_equal(sg_value_encode(&b, &n), SG_OK);
	/* -2.25 = 0xc002000000000000, little-endian after the tag */
	assert_int_equal(b.len, 9);
	assert_memory_equal(b.data, want_n, 9);
	assert_int_equal(sg_value_decode(b.data, b.len, &d), SG_OK);
	assert_int_equal(d.kind, SG_VALUE_NUMBER);
	assert_true(d.num == -2.25);
	sg_buf_reset(&b);
	s.kind = SG_VALUE_STRING;
	s.str = "東京";
	s.len = strlen("東京");
	assert_int_equal(sg_value_encode(&b, &s), SG_OK);
	assert_int_equal(b.len, 1 + 6);
	assert_int_equal(b.data[0], 's');
	assert_int_equal(sg_value_decode(b.data, b.len, &d), SG_OK);
	assert_int_equal(d.kind, SG_VALUE_STRING);
	assert_int_equal(d.len, 6);
	assert_int_equal(sg_value_decode("x", 1, &d), SG_ECORRUPT);
	assert_int_equal(sg_value_decode("n123", 4, &d), SG_ECORRUPT);
	assert_int_equal(sg_value_decode("", 0, &d), SG_ECORRUPT);
	sg_buf_release(&b);
}

static void test_order(void **state)
{
	sg_value a = { SG_VALUE_NUMBER, 9, NULL, 0 };
	sg_value b = { SG_VALUE_NUMBER, 10, NULL, 0 };
	sg_value s1 = { SG_VALUE_STRING, 0, "10", 2 };
	sg_value s2 = { SG_VALUE_STRING, 0, "9", 1 };
	sg_value s3 = { SG_VALUE_STRING, 0, "1", 1 };

	(void)state;
	assert_true(sg_value_cmp(&a, &b) < 0);     /* numerically */
	assert_true(sg_value_cmp(&s1, &s2) < 0);   /* bytewise: "10" < "9" */
	assert_true(sg_value_cmp(&s3, &s1) < 0);   /* a prefix first */
	assert_true(sg_value_cmp(&b, &s3) < 0);    /* numbers before strings */
	assert_int_equal(sg_value_cmp(&a, &a), 0);
}

static int test_spec(const char *spec, const sg_value *v)
{
	sg_error err = SG_ERROR_INIT;
	sg_filter f;

	if (sg_filter_parse(spec, &f, &err) != SG_OK)
		fail_msg("%s: %s", spec, err.msg);
	return sg_filter_test(&f, v);
}

static void test_filters(void **state)
{
	sg_value date = { SG_VALUE_STRING, 0, "2022-03-01", 10 };
	sg_value price = { SG_VALUE_NUMBER, 1200, NULL, 0 };
	sg_value none = { SG_VALUE_MISSING, 0, NULL, 0 };
	sg_error err = SG_ERROR_INIT;
	sg_filter f;

	(void)state;
	assert_int_equal(test_spec("date>=2022-03-01", &date), 1);
	assert_int_equal(test_spec("date > 2022-03-01", &date), 0);
	assert_int_equal(test_spec("date<2022-03-02", &date), 1);
	assert_int_equal(test_spec("date = '2022-03-01'", &date), 1);
	assert_int_equal(test_spec("date!=2022-03-01", &date), 0);
	assert_int_equal(test_spec("price>999", &price), 1);  /* not "999" */
	assert_int_equal(test_spec("price<=1200", &price), 1);
	assert_int_equal(test_spec("price=1.2e3", &price), 1);
	assert_int_equal(test_spec("price<abc", &price), 0);  /* mismatch */
	assert_int_equal(test_spec("price!=abc", &price), 1);
	assert_int_equal(test_spec("date=x", &none), 0);      /* missing */
	assert_int_equal(test_spec("date!=x", &none), 1);
	/* a string field against a number-looking value: bytewise */
	assert_int_equal(test_spec("date>2", &date), 1);      /* "2" a prefix */
	assert_int_equal(test_spec("date>3", &date), 0);      /* '2' < '3' */
	assert_int_equal(test_spec("date>1999", &date), 1);

	assert_int_equal(sg_filter_parse("date>=2022", &f, &err), SG_OK);
	assert_int_equal(f.op, SG_OP_GE);
	assert_int_equal(f.field_len, 4);
	assert_int_equal(f.is_num, 1);
	assert_int_equal(sg_filter_parse("date", &f, &err), SG_EINVAL);
	assert_non_null(strstr(err.msg, "no operator"));
	assert_int_equal(sg_filter_parse(">=3", &f, &err), SG_EINVAL);
	assert_non_null(strstr(err.msg, "no field"));
	assert_int_equal(sg_filter_parse("a=>3", &f, &err), SG_EINVAL);
	assert_int_equal(sg_filter_parse("a<>3", &f, &err), SG_EINVAL);
	assert_int_equal(sg_filter_parse("url=a=b", &f, &err), SG_OK);
	assert_int_equal(f.text_len, 3);
}

static void test_sort_keys(void **state)
{
	sg_error err = SG_ERROR_INIT;
	sg_sort_key k;

	(void)state;
	assert_int_equal(sg_sort_key_parse("-date", &k, &err), SG_OK);
	assert_int_equal(k.desc, 1);
	assert_int_equal(k.field_len, 4);
	assert_int_equal(k.is_score, 0);
	assert_int_equal(sg_sort_key_parse("_score", &k, &err), SG_OK);
	assert_int_equal(k.desc, 0);
	assert_int_equal(k.is_score, 1);
	assert_int_equal(sg_sort_key_parse("-", &k, &err), SG_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_values_from_json),
		cmocka_unit_test(test_encoding),
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_filters),
		cmocka_unit_test(test_sort_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
