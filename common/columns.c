/*
 * columns.c — typed values, filters and sort keys of stored fields
 * (columns.h): reading them from a document's stored JSON (jansson), their
 * bytes in the `columns` table, and the comparison rules docs/QUERY.md
 * states.
 */
#include "columns.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "error.h"

/* ------------------------------------------------------------ values */

int sg_value_cmp(const sg_value *a, const sg_value *b)
{
	size_t n;
	int c;

	if (a->kind != b->kind)
		return a->kind == SG_VALUE_NUMBER ? -1 : 1;
	if (a->kind == SG_VALUE_NUMBER)
		return (a->num > b->num) - (a->num < b->num);
	n = a->len < b->len ? a->len : b->len;
	c = n ? memcmp(a->str, b->str, n) : 0;
	if (c)
		return c;
	return (a->len > b->len) - (a->len < b->len);
}

int sg_values_from_json(const char *json, size_t len,
			const char *const *names, size_t n, sg_value *out,
			sg_buf *scratch)
{
	size_t i, *off = NULL;
	json_t *obj = NULL;
	int rc = SG_OK;

	memset(out, 0, n * sizeof(*out));
	sg_buf_reset(scratch);
	if (len == 0 || json[0] != '{')
		return SG_OK;
	obj = json_loadb(json, len, JSON_ALLOW_NUL, NULL);
	if (!json_is_object(obj))
		goto out;
	/* String values are copied into scratch; it may move while it grows,
	 * so their offsets are kept and turned into pointers at the end. */
	off = sg_malloc(n ? n * sizeof(*off) : 1);
	if (!off) {
		rc = SG_ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		json_t *v = json_object_get(obj, names[i]);

		if (json_is_number(v)) {
			out[i].kind = SG_VALUE_NUMBER;
			out[i].num = json_number_value(v);
		} else if (json_is_string(v)) {
			out[i].kind = SG_VALUE_STRING;
			out[i].len = json_string_length(v);
			off[i] = scratch->len;
			if (sg_buf_append(scratch, json_string_value(v),
					  out[i].len) != SG_OK) {
				rc = SG_ENOMEM;
				goto out;
			}
		}
	}
	for (i = 0; i < n; i++)
		if (out[i].kind == SG_VALUE_STRING)
			out[i].str = scratch->data + off[i];
out:
	sg_free(off);
	json_decref(obj);
	return rc;
}

int sg_value_encode(sg_buf *out, const sg_value *v)
{
	uint64_t bits;
	uint8_t b[8];
	int i, rc;

	if (v->kind == SG_VALUE_STRING) {
		rc = sg_buf_putc(out, SG_COLUMN_STRING);
		return rc == SG_OK ? sg_buf_append(out, v->str, v->len) : rc;
	}
	memcpy(&bits, &v->num, 8);
	for (i = 0; i < 8; i++)
		b[i] = (uint8_t)(bits >> (8 * i));
	rc = sg_buf_putc(out, SG_COLUMN_NUMBER);
	return rc == SG_OK ? sg_buf_append(out, b, 8) : rc;
}

int sg_value_decode(const void *p, size_t len, sg_value *out)
{
	const uint8_t *b = p;
	uint64_t bits = 0;
	int i;

	memset(out, 0, sizeof(*out));
	if (len == 9 && b[0] == SG_COLUMN_NUMBER) {
		for (i = 0; i < 8; i++)
			bits |= (uint64_t)b[1 + i] << (8 * i);
		out->kind = SG_VALUE_NUMBER;
		memcpy(&out->num, &bits, 8);
		return isnan(out->num) ? SG_ECORRUPT : SG_OK;
	}
	if (len >= 1 && b[0] == SG_COLUMN_STRING) {
		out->kind = SG_VALUE_STRING;
		out->str = (const char *)b + 1;
		out->len = len - 1;
		return SG_OK;
	}
	return SG_ECORRUPT;
}

/* ------------------------------------------------------------ filters */

static const struct {
	const char *text;
	enum sg_filter_op op;
} ops[] = {
	/* two-character operators first, so that <= is not read as < */
	{ "!=", SG_OP_NE }, { "<=", SG_OP_LE }, { ">=", SG_OP_GE },
	{ "=", SG_OP_EQ }, { "<", SG_OP_LT }, { ">", SG_OP_GT },
};

static int is_space(char c)
{
	return c == ' ' || c == '\t';
}

int sg_filter_parse(const char *spec, sg_filter *f, sg_error *err)
{
	const char *p = strpbrk(spec, "=!<>"), *v, *end;
	size_t i, n = 0;
	char *stop;

	memset(f, 0, sizeof(*f));
	if (!p)
		return sg_err(err, SG_EINVAL, "filter '%s': no operator; write "
			      "FIELD OP VALUE with OP one of = != < <= > >=, "
			      "e.g. 'date>=2022-03-01'", spec);
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		n = strlen(ops[i].text);
		if (!strncmp(p, ops[i].text, n))
			break;
	}
	if (i == sizeof(ops) / sizeof(ops[0]))
		return sg_err(err, SG_EINVAL, "filter '%s': '%c' is not an "
			      "operator (= != < <= > >=)", spec, *p);
	f->op = ops[i].op;
	f->field = spec;
	f->field_len = (size_t)(p - spec);
	while (f->field_len && is_space(spec[f->field_len - 1]))
		f->field_len--;
	while (f->field_len && is_space(*f->field)) {
		f->field++;
		f->field_len--;
	}
	if (f->field_len == 0)
		return sg_err(err, SG_EINVAL, "filter '%s': no field before "
			      "the operator", spec);
	v = p + n;
	while (is_space(*v))
		v++;
	if (*v == '=' || *v == '<' || *v == '>' || *v == '!')
		return sg_err(err, SG_EINVAL, "filter '%s': one operator, then "
			      "the value", spec);
	end = v + strlen(v);
	while (end > v && is_space(end[-1]))
		end--;
	if (end - v >= 2 && (*v == '"' || *v == '\'') && end[-1] == *v) {
		v++;
		end--;
	} else if (end > v) {
		f->num = strtod(v, &stop);
		f->is_num = stop == end && isfinite(f->num);
	}
	f->text = v;
	f->text_len = (size_t)(end - v);
	return SG_OK;
}

static int holds(enum sg_filter_op op, int c)
{
	switch (op) {
	case SG_OP_EQ: return c == 0;
	case SG_OP_NE: return c != 0;
	case SG_OP_LT: return c < 0;
	case SG_OP_LE: return c <= 0;
	case SG_OP_GT: return c > 0;
	case SG_OP_GE: return c >= 0;
	}
	return 0;
}

int sg_filter_test(const sg_filter *f, const sg_value *v)
{
	const sg_value t = { .kind = SG_VALUE_STRING, .num = 0,
			     .str = f->text, .len = f->text_len };

	if (v->kind == SG_VALUE_NUMBER && f->is_num)
		return holds(f->op, (v->num > f->num) - (v->num < f->num));
	if (v->kind == SG_VALUE_STRING)
		return holds(f->op, sg_value_cmp(v, &t));
	return f->op == SG_OP_NE; /* missing, or a number against a string */
}

/* ------------------------------------------------------------ sort keys */

int sg_sort_key_parse(const char *spec, sg_sort_key *k, sg_error *err)
{
	memset(k, 0, sizeof(*k));
	if (*spec == '-' || *spec == '+') {
		k->desc = *spec == '-';
		spec++;
	}
	k->field = spec;
	k->field_len = strlen(spec);
	if (k->field_len == 0)
		return sg_err(err, SG_EINVAL, "sort: no field name; write "
			      "[-]FIELD or [-]_score, e.g. '-date'");
	k->is_score = !strcmp(spec, "_score");
	return SG_OK;
}
