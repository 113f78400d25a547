/*
 * parse.h — the query parser: query text to a tree of items.
 *
 * Pure syntax. The parser cuts a query into WORD, PHRASE and PREFIX items and
 * combines them with AND (white space), OR and NOT ('-'); it does not
 * normalize, segment or look anything up. The planner later runs the analyzer
 * over the text of every leaf. The language is specified in docs/QUERY.md,
 * section "Syntax"; in one line:
 *
 *     a b OR c -d "a phrase" “全角の引用” pre* (x OR y)  \-literal
 *     title:word  title:"a phrase"  title:pre*  title\:literal
 *
 * Precedence, tightest first: '-' (NOT), OR, then the implicit AND between
 * adjacent items, so `a b OR c d` is a AND (b OR c) AND d.
 *
 * The tree is normalized: an AND never has an AND kid and an OR never has an
 * OR kid (nested ones are flattened), AND and OR have at least two kids (a
 * one-item group collapses to the item), NOT has exactly one. A NOT may
 * stand anywhere an item may, also as the only item (`-a` parses: deciding
 * that a query needs a positive item is the planner's job).
 *
 * Limits: at most SG_QUERY_MAX_ITEMS leaves and SG_QUERY_MAX_DEPTH levels of
 * parentheses (SG_ETOOBIG beyond). Parsing is one left-to-right pass with an
 * explicit stack: linear time, no recursion. sg_query_format recurses once
 * per tree level, which the depth limit bounds (at most 3 levels per group).
 */
#ifndef SG_QUERY_PARSE_H
#define SG_QUERY_PARSE_H

#include <stddef.h>

#include "buf.h"
#include "sagasu.h"

#define SG_QUERY_MAX_ITEMS 10000 /* WORD + PHRASE + PREFIX leaves */
#define SG_QUERY_MAX_DEPTH 64    /* nested parentheses */
#define SG_QUERY_MAX_FIELD 64    /* bytes of a FIELD: name */

typedef enum sg_qkind {
	SG_Q_WORD,
	SG_Q_PHRASE,
	SG_Q_PREFIX,
	SG_Q_AND,
	SG_Q_OR,
	SG_Q_NOT
} sg_qkind;

typedef struct sg_qnode {
	sg_qkind kind;
	/* WORD/PHRASE/PREFIX: the unescaped text (without the quotes or the
	 * '*'), NUL-terminated, owned by the query; len is in bytes and the text
	 * may hold a NUL or invalid UTF-8 of the input. NULL/0 otherwise. */
	const char *text;
	size_t len;
	/* WORD/PHRASE/PREFIX written FIELD:item (docs/QUERY.md, Fields): the
	 * field's name, NUL-terminated, owned by the query; NULL/0 when none.
	 * FIELD is ASCII letters, digits, '_', '-' and '.'; whether the index
	 * has such a field is the planner's question. */
	const char *field;
	size_t field_len;
	/* 1-based character (code point) column where the item starts: the
	 * first character of a word, the opening quote of a phrase, the '-' of
	 * a NOT, the '(' of a group's AND, the first kid's column for an OR or
	 * for the top-level AND. An invalid UTF-8 byte counts as one column. */
	size_t column;
	/* AND/OR: >= 2 kids; NOT: exactly 1; leaves: NULL/0. */
	struct sg_qnode **kids;
	size_t n_kids;
} sg_qnode;

/* A parsed query: owns every node and string (an arena). */
typedef struct sg_query sg_query;

/* Parses `len` bytes of UTF-8 at `text` (NULL is allowed when len is 0).
 * On success returns 0, *out is a new query that the caller frees with
 * sg_query_free, and *root its top node, valid until that free; *root is NULL
 * when the query holds no item (empty or only white space): the caller tells
 * the user, it is not an error. On failure *out and *root are NULL and the
 * code is SG_ESYNTAX or SG_ETOOBIG with err->msg "column N: ...", or
 * SG_ENOMEM, or SG_EINVAL for a NULL argument. */
int sg_query_parse(const char *text, size_t len, sg_query **out,
		   const sg_qnode **root, sg_error *err);

/* Frees the query, its nodes and strings. Accepts NULL. */
void sg_query_free(sg_query *q);

/* Appends a debug form of the tree at `n` to `out` (nothing is cleared), as
 * used by the tests: (AND a (OR b c) (NOT "x y") p*). Leaves print in query
 * syntax: words with '\' before \ " ( ) *, ASCII white space and a leading
 * '-'; phrases in ASCII quotes with '\' before \ and "; prefixes as the word
 * plus '*'.
 * NULL (an empty query) prints "()". Returns 0 or SG_ENOMEM. */
int sg_query_format(const sg_qnode *n, sg_buf *out);

#endif
