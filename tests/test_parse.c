/*
 * test_parse.c — the query parser: every construct of docs/QUERY.md
 * ("Syntax") and every error with its exact column, through the debug form
 * of sg_query_format.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "buf.h"
#include "../query/parse.h"
#include "sagasu.h"

/* Parses `len` bytes and returns the debug form in a static buffer. */
static const char *fmt_n(const char *text, size_t len)
{
	static char result[4096];
	sg_error err = SG_ERROR_INIT;
	sg_query *q = NULL;
	const sg_qnode *root = NULL;
	sg_buf b = SG_BUF_INIT;
	int rc;

	rc = sg_query_parse(text, len, &q, &root, &err);
	if (rc != SG_OK)
		fail_msg("parse of '%.*s' failed: %d %s", (int)len, text, rc,
			 err.msg);
	assert_non_null(q);
	assert_int_equal(sg_query_format(root, &b), SG_OK);
	assert_true(b.len < sizeof(result));
	memcpy(result, b.data, b.len + 1);
	sg_buf_release(&b);
	sg_query_free(q);
	return result;
}

static const char *fmt(const char *text)
{
	return fmt_n(text, strlen(text));
}

#define PARSES(text, expected) assert_string_equal(fmt(text), expected)

/* Expects a failure with `code` and a message starting with `msg`. */
static void fails_n(const char *text, size_t len, int code, const char *msg)
{
	sg_error err = SG_ERROR_INIT;
	sg_query *q = (sg_query *)&err; /* must be reset to NULL */
	const sg_qnode *root = (const sg_qnode *)&err;
	int rc = sg_query_parse(text, len, &q, &root, &err);

	if (rc != code || strncmp(err.msg, msg, strlen(msg)) != 0)
		fail_msg("'%.*s': got %d \"%s\", want %d \"%s...\"", (int)len,
			 text, rc, err.msg, code, msg);
	assert_int_equal(err.code, code);
	assert_null(q);
	assert_null(root);
}

static void fails(const char *text, int code, const char *msg)
{
	fails_n(text, strlen(text), code, msg);
}

#define SYNTAX(text, msg) fails(text, SG_ESYNTAX, msg)

/* ---------------------------------------------------------------- words */

static void test_words(void **state)
{
	(void)state;
	PARSES("a", "a");
	PARSES("a b c", "(AND a b c)");
	PARSES("  a   b  ", "(AND a b)");
	PARSES("a\tb\nc\rd", "(AND a b c d)");
	PARSES("東京\u3000大阪", "(AND 東京 大阪)");     /* ideographic space */
	PARSES("\u3000東京\u3000\u3000", "東京");
	PARSES("or Or oR", "(AND or Or oR)");            /* only OR is special */
	PARSES("「東京」 ”x", "(AND 「東京」 ”x)");       /* not syntax */
}

static void test_or_precedence(void **state)
{
	(void)state;
	PARSES("a OR b", "(OR a b)");
	PARSES("a b OR c d", "(AND a (OR b c) d)");
	PARSES("a OR b OR c", "(OR a b c)");
	PARSES("a OR b c OR d", "(AND (OR a b) (OR c d))");
	PARSES("a OR (b OR c)", "(OR a b c)");           /* flattened */
	PARSES("(a OR b) OR c", "(OR a b c)");
	PARSES("a (b c) OR d", "(AND a (OR (AND b c) d))");
	PARSES("(a)OR(b)", "(OR a b)");                  /* parens delimit */
	PARSES("a OR\u3000b", "(OR a b)");
	PARSES("a OR \"b c\"", "(OR a \"b c\")");
}

static void test_not(void **state)
{
	(void)state;
	PARSES("-a", "(NOT a)");
	PARSES("a -b", "(AND a (NOT b))");
	PARSES("-a b", "(AND (NOT a) b)");
	PARSES("a-b", "a-b");                            /* inside a word */
	PARSES("--x", "(NOT \\-x)");                     /* second '-' is text */
	PARSES("---", "(NOT \\--)");
	PARSES("-\"x y\"", "(NOT \"x y\")");
	PARSES("-(a b)", "(NOT (AND a b))");
	PARSES("-(a)", "(NOT a)");
	PARSES("-OR", "(NOT OR)");                       /* a word after '-' */
	PARSES("a OR -b", "(OR a (NOT b))");
	PARSES("-a OR b", "(OR (NOT a) b)");
	PARSES("-a -b", "(AND (NOT a) (NOT b))");
	PARSES("-pre*", "(NOT pre*)");
	PARSES("(-a)", "(NOT a)");
	PARSES("\"a\"-b", "(AND \"a\" (NOT b))");
}

static void test_phrases(void **state)
{
	(void)state;
	PARSES("\"a phrase\"", "\"a phrase\"");
	PARSES("x \"a  b\" y", "(AND x \"a  b\" y)");
	PARSES("“東京 タワー”", "\"東京 タワー\"");
	PARSES("“a\"b”", "\"a\\\"b\"");                 /* '"' inside “ ” */
	PARSES("\"a“b\"", "\"a“b\"");
	PARSES("ab\"cd\"", "(AND ab \"cd\")");           /* a quote delimits */
	PARSES("\"ab\"cd", "(AND \"ab\" cd)");
	PARSES("\"a\\\"b\"", "\"a\\\"b\"");             /* \" inside */
	PARSES("\"a\\\\b\"", "\"a\\\\b\"");             /* \\ inside */
	PARSES("\"OR\"", "\"OR\"");
	PARSES("\"(a) -b*\"", "\"(a) -b*\"");           /* no syntax inside */
	PARSES("\" \"", "\" \"");
}

static void test_prefix(void **state)
{
	(void)state;
	PARSES("pre*", "pre*");
	PARSES("検索＊", "検索*");                       /* full-width */
	PARSES("a* b", "(AND a* b)");
	PARSES("a*b", "a\\*b");                          /* not trailing */
	PARSES("a**", "a\\**");                          /* the last one only */
	PARSES("\\*", "\\*");                            /* escaped: a word */
	PARSES("a\\*", "a\\*");
	PARSES("a*(b)", "(AND a* b)");
	PARSES("a* OR b*", "(OR a* b*)");
}

static void test_groups(void **state)
{
	(void)state;
	PARSES("(a)", "a");
	PARSES("((a))", "a");
	PARSES("(a b)", "(AND a b)");
	PARSES("（a b）", "(AND a b)");                  /* full-width */
	PARSES("（a b)", "(AND a b)");                   /* mixed */
	PARSES("(a b) c", "(AND a b c)");                /* flattened */
	PARSES("((a b) (c d))", "(AND a b c d)");
	PARSES("(a OR b) (c OR d)", "(AND (OR a b) (OR c d))");
	PARSES("a(b)c", "(AND a b c)");
	PARSES("(a (b OR (c -d)))", "(AND a (OR b (AND c (NOT d))))");
	PARSES("x (a OR b) OR (c d)", "(AND x (OR a b (AND c d)))");
}

static void test_escapes(void **state)
{
	(void)state;
	PARSES("\\-x", "\\-x");                          /* a word "-x" */
	PARSES("\\OR", "OR");
	PARSES("a \\OR b", "(AND a OR b)");
	PARSES("O\\R", "OR");
	PARSES("\\(a\\)", "\\(a\\)");
	PARSES("a\\ b", "a\\ b");                        /* one word */
	PARSES("\\\"a", "\\\"a");
	PARSES("\\\\", "\\\\");
	PARSES("\\東", "東");                            /* a whole character */
	PARSES("\\\xff", "\xff");                        /* or one invalid byte */
	PARSES("\\\u3000a", "\u3000a");
}

/* FIELD:item (docs/QUERY.md, Fields). */
static void test_fields(void **state)
{
	sg_error err = SG_ERROR_INIT;
	sg_query *q = NULL;
	const sg_qnode *r = NULL;
	const char *text = "title:東京 -body:\"a b\" t.x-1_:pre* 12:30";

	(void)state;
	PARSES("title:東京", "title:東京");
	PARSES("title:\"東京 タワー\"", "title:\"東京 タワー\"");
	PARSES("title:pre*", "title:pre*");
	PARSES("-title:a b", "(AND (NOT title:a) b)");
	PARSES("title:a OR body:b", "(OR title:a body:b)");
	PARSES("title:", "title:");                    /* FIELD: alone: a word */
	PARSES("title: x", "(AND title: x)");
	PARSES("title:(a)", "(AND title: a)");        /* not before a group */
	PARSES("title\\:a", "title\\:a");            /* escaped: the word title:a */
	PARSES("title:a:b", "title:a:b");              /* the first ':' only */
	PARSES("東京:a", "東京:a");                    /* not a field name */
	PARSES(":a", ":a");
	PARSES("title:*", "title:*");                  /* a prefix of title: */
	PARSES("http://x", "http://x");                /* field http, word //x */
	assert_int_equal(sg_query_parse(text, strlen(text), &q, &r, &err), 0);
	assert_int_equal(r->n_kids, 4);
	assert_string_equal(r->kids[0]->field, "title");
	assert_int_equal(r->kids[0]->field_len, 5);
	assert_string_equal(r->kids[0]->text, "東京");
	assert_int_equal(r->kids[0]->len, 6);
	assert_int_equal(r->kids[0]->column, 1);
	assert_int_equal(r->kids[1]->kids[0]->kind, SG_Q_PHRASE);
	assert_string_equal(r->kids[1]->kids[0]->field, "body");
	assert_string_equal(r->kids[1]->kids[0]->text, "a b");
	assert_int_equal(r->kids[2]->kind, SG_Q_PREFIX);
	assert_string_equal(r->kids[2]->field, "t.x-1_");
	assert_string_equal(r->kids[2]->text, "pre");
	assert_string_equal(r->kids[3]->field, "12");
	assert_string_equal(r->kids[3]->text, "30");
	sg_query_free(q);
	/* a field name over SG_QUERY_MAX_FIELD bytes is a word */
	text = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa:x";
	assert_int_equal(sg_query_parse(text, strlen(text), &q, &r, &err), 0);
	assert_null(r->field);
	assert_int_equal(r->len, strlen(text));
	sg_query_free(q);
}

/* The text, length and column of the leaves. */
static void test_nodes(void **state)
{
	sg_error err = SG_ERROR_INIT;
	sg_query *q = NULL;
	const sg_qnode *r = NULL;
	const char *text = "東京 -“大 阪” (a\\*b OR 検索＊)";

	(void)state;
	assert_int_equal(sg_query_parse(text, strlen(text), &q, &r, &err), 0);
	assert_int_equal(r->kind, SG_Q_AND);
	assert_int_equal(r->column, 1);
	assert_null(r->text);
	assert_int_equal(r->n_kids, 3);

	assert_int_equal(r->kids[0]->kind, SG_Q_WORD);
	assert_string_equal(r->kids[0]->text, "東京");
	assert_int_equal(r->kids[0]->len, 6);
	assert_int_equal(r->kids[0]->column, 1);
	assert_int_equal(r->kids[0]->n_kids, 0);

	assert_int_equal(r->kids[1]->kind, SG_Q_NOT);
	assert_int_equal(r->kids[1]->column, 4);
	assert_int_equal(r->kids[1]->n_kids, 1);
	assert_int_equal(r->kids[1]->kids[0]->kind, SG_Q_PHRASE);
	assert_string_equal(r->kids[1]->kids[0]->text, "大 阪");
	assert_int_equal(r->kids[1]->kids[0]->column, 5);

	assert_int_equal(r->kids[2]->kind, SG_Q_OR);
	assert_int_equal(r->kids[2]->column, 12);
	assert_string_equal(r->kids[2]->kids[0]->text, "a*b");
	assert_int_equal(r->kids[2]->kids[0]->len, 3);
	assert_int_equal(r->kids[2]->kids[1]->kind, SG_Q_PREFIX);
	assert_string_equal(r->kids[2]->kids[1]->text, "検索");
	assert_int_equal(r->kids[2]->kids[1]->column, 20);
	sg_query_free(q);

	/* a group's AND starts at its '(' */
	text = "x -(a b)";
	assert_int_equal(sg_query_parse(text, strlen(text), &q, &r, &err), 0);
	assert_int_equal(r->kids[1]->column, 3);
	assert_int_equal(r->kids[1]->kids[0]->kind, SG_Q_AND);
	assert_int_equal(r->kids[1]->kids[0]->column, 4);
	sg_query_free(q);
}

/* ---------------------------------------------------------------- errors */

static void test_errors(void **state)
{
	(void)state;
	/* quotes: the column of the opening quote */
	SYNTAX("a \"b c", "column 3: closing '\"' expected");
	SYNTAX("\"", "column 1: closing '\"' expected");
	SYNTAX("a “b c", "column 3: closing '”' expected");
	SYNTAX("“b c\"", "column 1: closing '”' expected");
	SYNTAX("東京 \"大阪", "column 4: closing '\"' expected");
	SYNTAX("\"a\\\"", "column 1: closing '\"' expected");
	SYNTAX("\"\"", "column 1: empty phrase");
	SYNTAX("a “”", "column 3: empty phrase");
	/* parentheses: the innermost '(' left open, or the stray ')' */
	SYNTAX("(a b", "column 1: closing ')' expected");
	SYNTAX("a (b (c) d", "column 3: closing ')' expected");
	SYNTAX("((a) (b", "column 6: closing ')' expected");
	SYNTAX("日本（語", "column 3: closing ')' expected");
	SYNTAX("a )", "column 3: unexpected ')'");
	SYNTAX("(a))", "column 4: unexpected ')'");
	SYNTAX("）", "column 1: unexpected ')'");
	SYNTAX("()", "column 1: empty group '()'");
	SYNTAX("a ( \u3000)", "column 3: empty group '()'");
	SYNTAX("(())", "column 2: empty group '()'");
	/* '-' */
	SYNTAX("-", "column 1: '-' must be followed by a word, phrase or group");
	SYNTAX("a -", "column 3: '-' must be followed by a word, phrase or group");
	SYNTAX("a - b", "column 3: '-' must be followed by a word, phrase or group");
	SYNTAX("-\u3000a", "column 1: '-' must be followed by a word, phrase or group");
	SYNTAX("(a -)", "column 4: '-' must be followed by a word, phrase or group");
	SYNTAX("-）", "column 1: '-' must be followed by a word, phrase or group");
	/* '*' */
	SYNTAX("*", "column 1: '*' must follow a word");
	SYNTAX("a *", "column 3: '*' must follow a word");
	SYNTAX("＊", "column 1: '*' must follow a word");
	SYNTAX("-*", "column 2: '*' must follow a word");
	SYNTAX("\"ab\"*", "column 5: '*' must follow a word");
	SYNTAX("(a)*", "column 4: '*' must follow a word");
	/* OR at an edge */
	SYNTAX("OR", "column 1: 'OR' must stand between two items");
	SYNTAX("OR a", "column 1: 'OR' must stand between two items");
	SYNTAX("a OR", "column 3: 'OR' must stand between two items");
	SYNTAX("a OR OR b", "column 6: 'OR' must stand between two items");
	SYNTAX("(OR a)", "column 2: 'OR' must stand between two items");
	SYNTAX("a (b OR) c", "column 6: 'OR' must stand between two items");
	SYNTAX("a OR\u3000", "column 3: 'OR' must stand between two items");
	/* '\' */
	SYNTAX("a\\", "column 2: '\\' at the end of the query escapes nothing");
	SYNTAX("東京\\", "column 3: '\\' at the end of the query escapes nothing");
	/* the first error wins */
	SYNTAX("a ) \"b", "column 3: unexpected ')'");
}

static void test_bad_arguments(void **state)
{
	sg_error err = SG_ERROR_INIT;
	sg_query *q = NULL;
	const sg_qnode *r = NULL;

	(void)state;
	assert_int_equal(sg_query_parse("a", 1, NULL, &r, &err), SG_EINVAL);
	assert_int_equal(sg_query_parse("a", 1, &q, NULL, &err), SG_EINVAL);
	assert_int_equal(sg_query_parse(NULL, 1, &q, &r, &err), SG_EINVAL);
	assert_null(q);
	/* a NULL err is allowed */
	assert_int_equal(sg_query_parse("(", 1, &q, &r, NULL), SG_ESYNTAX);
	sg_query_free(NULL);
}

/* ---------------------------------------------------------------- edges */

static void test_empty(void **state)
{
	sg_error err = SG_ERROR_INIT;
	sg_query *q = NULL;
	const sg_qnode *r = (const sg_qnode *)&err;

	(void)state;
	assert_int_equal(sg_query_parse("", 0, &q, &r, &err), SG_OK);
	assert_non_null(q);
	assert_null(r);
	sg_query_free(q);
	assert_int_equal(sg_query_parse(NULL, 0, &q, &r, &err), SG_OK);
	assert_null(r);
	sg_query_free(q);
	PARSES(" \t\r\n\u3000 ", "()");
}

static void test_invalid_utf8(void **state)
{
	(void)state;
	/* invalid bytes are word characters, one column each */
	PARSES("\xff" "a", "\xff" "a");
	PARSES("\xc0\xaf b", "(AND \xc0\xaf b)");        /* overlong '/' */
	PARSES("\xed\xa0\x80", "\xed\xa0\x80");          /* a surrogate */
	SYNTAX("\xff\xfe (", "column 4: closing ')' expected");
	/* a truncated sequence does not swallow the quote after it */
	SYNTAX("\xe3\x80\"x", "column 3: closing '\"' expected");
	PARSES("\xe3\x80", "\xe3\x80");
	SYNTAX("\xf4\x90\x80\x80 )", "column 6: unexpected ')'");
	/* a NUL byte is text too */
	assert_string_equal(fmt_n("a\0b", 3), "a");       /* as printed by %s */
	{
		sg_error err = SG_ERROR_INIT;
		sg_query *q = NULL;
		const sg_qnode *r = NULL;

		assert_int_equal(sg_query_parse("a\0b c", 5, &q, &r, &err), 0);
		assert_int_equal(r->kids[0]->len, 3);
		assert_memory_equal(r->kids[0]->text, "a\0b", 4);
		assert_int_equal(r->kids[1]->column, 5);
		sg_query_free(q);
	}
}

/* 10,000 words: the limit parses, in linear time, one more is too big. */
static void test_many_items(void **state)
{
	sg_buf text = SG_BUF_INIT, out = SG_BUF_INIT;
	sg_error err = SG_ERROR_INIT;
	sg_query *q = NULL;
	const sg_qnode *r = NULL;
	clock_t t0;
	size_t k;
	double secs;

	(void)state;
	for (k = 0; k < SG_QUERY_MAX_ITEMS; k++) {
		char w[32];
		int n = snprintf(w, sizeof(w), "w%zu ", k);

		assert_true(n > 0);
		assert_int_equal(sg_buf_append(&text, w, (size_t)n), 0);
	}
	t0 = clock();
	assert_int_equal(sg_query_parse(text.data, text.len, &q, &r, &err), 0);
	secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
	/* about a millisecond; 2 s leaves room for valgrind, not for O(n^2) */
	assert_true(secs < 2.0);
	assert_int_equal(r->kind, SG_Q_AND);
	assert_int_equal(r->n_kids, SG_QUERY_MAX_ITEMS);
	assert_string_equal(r->kids[9999]->text, "w9999");
	assert_int_equal(sg_query_format(r, &out), 0);
	assert_int_equal(memcmp(out.data, "(AND w0 w1 w2 ", 14), 0);
	sg_query_free(q);

	/* the 10,001st item starts at the column after the text so far */
	{
		char msg[128];
		size_t col = text.len + 1;

		assert_int_equal(sg_buf_append(&text, "x", 1), 0);
		assert_true(snprintf(msg, sizeof(msg),
				     "column %zu: more than 10000", col) > 0);
		fails_n(text.data, text.len, SG_ETOOBIG, msg);
	}

	/* an OR chain of 10,000 */
	sg_buf_reset(&text);
	for (k = 0; k < SG_QUERY_MAX_ITEMS; k++)
		assert_int_equal(sg_buf_append(&text, k ? " OR a" : "a",
					       k ? 5 : 1), 0);
	assert_int_equal(sg_query_parse(text.data, text.len, &q, &r, &err), 0);
	assert_int_equal(r->kind, SG_Q_OR);
	assert_int_equal(r->n_kids, SG_QUERY_MAX_ITEMS);
	sg_query_free(q);

	/* a long single word is fine: the limit counts items, not bytes */
	sg_buf_reset(&text);
	for (k = 0; k < 100000; k++)
		assert_int_equal(sg_buf_putc(&text, 'x'), 0);
	assert_int_equal(sg_query_parse(text.data, text.len, &q, &r, &err), 0);
	assert_int_equal(r->len, 100000);
	sg_query_free(q);

	sg_buf_release(&out);
	sg_buf_release(&text);
}

static void nest(sg_buf *b, size_t depth, const char *open, const char *mid,
		 const char *close)
{
	size_t k;

	sg_buf_reset(b);
	for (k = 0; k < depth; k++)
		assert_int_equal(sg_buf_append(b, open, strlen(open)), 0);
	assert_int_equal(sg_buf_append(b, mid, strlen(mid)), 0);
	for (k = 0; k < depth; k++)
		assert_int_equal(sg_buf_append(b, close, strlen(close)), 0);
}

static void test_depth(void **state)
{
	sg_buf text = SG_BUF_INIT, out = SG_BUF_INIT;
	sg_error err = SG_ERROR_INIT;
	sg_query *q = NULL;
	const sg_qnode *r = NULL;
	const sg_qnode *n;
	size_t k;

	(void)state;
	nest(&text, SG_QUERY_MAX_DEPTH, "(", "a", ")");
	assert_int_equal(sg_query_parse(text.data, text.len, &q, &r, &err), 0);
	assert_string_equal(r->text, "a");
	sg_query_free(q);

	nest(&text, SG_QUERY_MAX_DEPTH + 1, "(", "a", ")");
	fails_n(text.data, text.len, SG_ETOOBIG,
		"column 65: groups nested more than 64 deep");
	nest(&text, SG_QUERY_MAX_DEPTH + 1, "（", "a", "）");
	fails_n(text.data, text.len, SG_ETOOBIG,
		"column 65: groups nested more than 64 deep");
	/* unclosed and too deep: the depth is found first */
	nest(&text, SG_QUERY_MAX_DEPTH + 1, "(", "a", "");
	fails_n(text.data, text.len, SG_ETOOBIG, "column 65:");

	/* the deepest tree the limit allows: AND, OR and NOT at every level */
	nest(&text, SG_QUERY_MAX_DEPTH, "x y OR -(", "a", ")");
	assert_int_equal(sg_query_parse(text.data, text.len, &q, &r, &err), 0);
	for (n = r, k = 0; k < SG_QUERY_MAX_DEPTH; k++) {
		assert_int_equal(n->kind, SG_Q_AND);
		assert_int_equal(n->kids[1]->kind, SG_Q_OR);
		assert_int_equal(n->kids[1]->kids[1]->kind, SG_Q_NOT);
		n = n->kids[1]->kids[1]->kids[0];
	}
	assert_string_equal(n->text, "a");
	assert_int_equal(sg_query_format(r, &out), 0);
	assert_int_equal(memcmp(out.data, "(AND x (OR y (NOT (AND x (OR y", 30), 0);
	sg_query_free(q);
	sg_buf_release(&out);
	sg_buf_release(&text);
}

/* The debug form appends and escapes. */
static void test_format(void **state)
{
	sg_buf b = SG_BUF_INIT;

	(void)state;
	assert_int_equal(sg_buf_append(&b, "> ", 2), 0);
	assert_int_equal(sg_query_format(NULL, &b), 0);
	assert_string_equal(b.data, "> ()");
	sg_buf_release(&b);
	PARSES("a\\\tb", "a\\\tb");
	PARSES("\\-\\-", "\\--");
	PARSES("x\\-", "x-");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_words),
		cmocka_unit_test(test_or_precedence),
		cmocka_unit_test(test_not),
		cmocka_unit_test(test_phrases),
		cmocka_unit_test(test_prefix),
		cmocka_unit_test(test_groups),
		cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_nodes),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_many_items),
		cmocka_unit_test(test_depth),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_fields),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
