/*
 * columns.h — typed values of a document's stored fields, for sorting and
 * filtering (docs/QUERY.md "Sort, filter, paging"), and their encoding in
 * the `columns` table (docs/FORMAT.md).
 *
 * A value is a number (a JSON number, as a double), a string (a JSON
 * string, or an indexed field's text: bytes, compared bytewise) or
 * missing (no such top-level field, or null, true, false, an array or an
 * object). Numbers order before strings; the sorter puts missing values
 * last whatever the direction.
 *
 * A filter is "FIELD OP VALUE" with OP one of = != < <= > >=. VALUE is a
 * number when it reads whole as one (strtod, finite), else a string (one
 * pair of surrounding quotes, ' or ", is dropped). A number field compares
 * numerically with a number VALUE; a string field compares bytewise with
 * VALUE's text. Anything else (a missing field, a number field against a
 * string VALUE) satisfies only !=, as SQL's comparisons with NULL are not
 * true.
 *
 * The `columns` table keeps the values of the fields an index declares at
 * creation (`sagasu index --columns date,price`), keyed by column number
 * and docid, so that a filter or sort over many matches reads one small
 * record a document instead of decoding its stored JSON.
 */
#ifndef SG_COLUMNS_H
#define SG_COLUMNS_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "sagasu.h"

typedef enum sg_value_kind {
	SG_VALUE_MISSING = 0,
	SG_VALUE_NUMBER,
	SG_VALUE_STRING,
} sg_value_kind;

typedef struct sg_value {
	sg_value_kind kind;
	double num;          /* SG_VALUE_NUMBER */
	const char *str;     /* SG_VALUE_STRING: not NUL-terminated */
	size_t len;
} sg_value;

/* ------------------------------------------------------------ values */

/* Orders two present values: numbers before strings, numbers by value,
 * strings bytewise (a prefix first). <0, 0, >0. */
int sg_value_cmp(const sg_value *a, const sg_value *b);

/* The values of the top-level fields names[0..n) of the JSON object text
 * json[len] (a document's stored fields) into out[]. Strings are copied
 * into scratch (reset first), so out[] is valid until scratch changes.
 * Text that is not a JSON object gives missing values (a document indexed
 * from files or lines stores none). 0 or SG_ENOMEM. */
int sg_values_from_json(const char *json, size_t len,
			const char *const *names, size_t n, sg_value *out,
			sg_buf *scratch);

/* The `columns` value: 'n' + 8 bytes (the double's bits, little-endian),
 * or 's' + the string's bytes. A missing value is no record. */
#define SG_COLUMN_NUMBER 'n'
#define SG_COLUMN_STRING 's'
int sg_value_encode(sg_buf *out, const sg_value *v);
/* 0, or SG_ECORRUPT for bytes that are not a value; out->str points into
 * p. */
int sg_value_decode(const void *p, size_t len, sg_value *out);

/* ------------------------------------------------------------ filters */

enum sg_filter_op { SG_OP_EQ, SG_OP_NE, SG_OP_LT, SG_OP_LE, SG_OP_GT,
		    SG_OP_GE };

typedef struct sg_filter {
	const char *field;   /* into the spec */
	size_t field_len;
	enum sg_filter_op op;
	const char *text;    /* VALUE's text, quotes dropped (into the spec) */
	size_t text_len;
	int is_num;          /* VALUE reads as a number */
	double num;
} sg_filter;

/* Parses "FIELD OP VALUE" (spaces around OP allowed); f points into spec,
 * which must outlive it. SG_EINVAL with a message naming the spec and the
 * fix. */
int sg_filter_parse(const char *spec, sg_filter *f, sg_error *err);

/* 1 when value v of the field satisfies f, else 0. */
int sg_filter_test(const sg_filter *f, const sg_value *v);

/* ------------------------------------------------------------ sort keys */

typedef struct sg_sort_key {
	const char *field;   /* into the spec; "_score" is the score */
	size_t field_len;
	int desc;            /* a leading '-' */
	int is_score;
} sg_sort_key;

/* Parses "[-]FIELD" or "[-]_score". SG_EINVAL for an empty field name. */
int sg_sort_key_parse(const char *spec, sg_sort_key *k, sg_error *err);

#endif
