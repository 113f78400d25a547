/*
 * sortfilter.c — the sort keys and filters of one search (sortfilter.h):
 * where each named field's value is read from, the test of a document
 * against the filters, and the ordering of the collected matches.
 */
#include "sortfilter.h"

#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "buf.h"
#include "columns.h"
#include "docrec.h"
#include "error.h"
#include "postings_read.h"

enum source {
	FROM_COLUMN,   /* the columns table: one record */
	FROM_TEXT,     /* an indexed field's text, in the document record */
	FROM_STORED,   /* a member of the stored JSON */
};

struct field {
	const char *name;    /* into one of the owned specs */
	size_t name_len;
	enum source src;
	unsigned at;         /* column number, text index or stored index */
};

struct sg_sortfilter {
	sg_index *idx;
	char **specs;            /* owned copies: filters and keys point in */
	size_t n_specs;
	struct field *fields;    /* the distinct fields named */
	size_t n_fields;
	sg_filter *filters;
	size_t *filter_field, n_filters;
	sg_sort_key *keys;
	size_t *key_field, n_keys; /* key_field SIZE_MAX: _score */
	int sorts;               /* some key is not _score */
	int need_record;         /* a field is read from the document record */
	/* One document's values, in field order, and what they point into. */
	sg_value *vals;
	const char **stored_names;
	sg_value *stored_vals;
	size_t n_stored;
	sg_buf json_strs, texts;
};

static int oom(sg_error *err)
{
	return sg_err(err, SG_ENOMEM, "out of memory");
}

/* The field named name[len]: found, or added with its source. */
static int field_of(sg_sortfilter *sf, const char *name, size_t len,
		    size_t *out)
{
	sg_index *idx = sf->idx;
	struct field *f;
	size_t i;

	for (i = 0; i < sf->n_fields; i++)
		if (sf->fields[i].name_len == len &&
		    !memcmp(sf->fields[i].name, name, len)) {
			*out = i;
			return SG_OK;
		}
	f = &sf->fields[sf->n_fields];
	f->name = name;
	f->name_len = len;
	f->src = FROM_STORED;
	for (i = 0; i < idx->n_columns; i++)
		if (strlen(idx->column[i]) == len &&
		    !memcmp(idx->column[i], name, len)) {
			f->src = FROM_COLUMN;
			f->at = (unsigned)i;
		}
	for (i = 0; i < idx->n_fields; i++)
		if (strlen(idx->field[i]) == len &&
		    !memcmp(idx->field[i], name, len)) {
			f->src = FROM_TEXT;
			f->at = (unsigned)i;
		}
	if (f->src == FROM_STORED)
		f->at = (unsigned)sf->n_stored++;
	if (f->src != FROM_COLUMN)
		sf->need_record = 1;
	*out = sf->n_fields++;
	return SG_OK;
}

static char *own_spec(sg_sortfilter *sf, const char *spec)
{
	char *s = sg_strdup(spec);

	if (s)
		sf->specs[sf->n_specs++] = s;
	return s;
}

int sg_sortfilter_new(sg_index *idx, const char *const *sort, size_t n_sort,
		      const char *const *filters, size_t n_filters,
		      sg_sortfilter **out, sg_error *err)
{
	size_t n = n_sort + n_filters, i, j;
	sg_sortfilter *sf;
	int rc = SG_OK;

	*out = NULL;
	if (n == 0)
		return SG_OK;
	sf = sg_calloc(1, sizeof(*sf));
	if (!sf)
		return oom(err);
	sf->idx = idx;
	sf->specs = sg_calloc(n, sizeof(*sf->specs));
	sf->fields = sg_calloc(n, sizeof(*sf->fields));
	sf->filters = sg_calloc(n_filters + 1, sizeof(*sf->filters));
	sf->filter_field = sg_calloc(n_filters + 1, sizeof(size_t));
	sf->keys = sg_calloc(n_sort + 1, sizeof(*sf->keys));
	sf->key_field = sg_calloc(n_sort + 1, sizeof(size_t));
	sf->vals = sg_calloc(n, sizeof(*sf->vals));
	if (!sf->specs || !sf->fields || !sf->filters || !sf->filter_field ||
	    !sf->keys || !sf->key_field || !sf->vals) {
		rc = oom(err);
		goto fail;
	}
	for (i = 0; rc == SG_OK && i < n_filters; i++) {
		char *s = own_spec(sf, filters[i]);

		if (!s) {
			rc = oom(err);
			break;
		}
		rc = sg_filter_parse(s, &sf->filters[i], err);
		if (rc == SG_OK)
			rc = field_of(sf, sf->filters[i].field,
				      sf->filters[i].field_len,
				      &sf->filter_field[i]);
		sf->n_filters = i + 1;
	}
	for (i = 0; rc == SG_OK && i < n_sort; i++) {
		char *s = own_spec(sf, sort[i]);

		if (!s) {
			rc = oom(err);
			break;
		}
		rc = sg_sort_key_parse(s, &sf->keys[i], err);
		if (rc != SG_OK)
			break;
		sf->key_field[i] = SIZE_MAX;
		if (!sf->keys[i].is_score) {
			sf->sorts = 1;
			rc = field_of(sf, sf->keys[i].field,
				      sf->keys[i].field_len,
				      &sf->key_field[i]);
		}
		sf->n_keys = i + 1;
	}
	if (rc == SG_OK && sf->n_stored) {
		sf->stored_names = sg_calloc(sf->n_stored, sizeof(char *));
		sf->stored_vals = sg_calloc(sf->n_stored, sizeof(sg_value));
		if (!sf->stored_names || !sf->stored_vals)
			rc = oom(err);
		for (j = 0; rc == SG_OK && j < sf->n_fields; j++) {
			struct field *f = &sf->fields[j];
			char *name;

			if (f->src != FROM_STORED)
				continue;
			/* jansson wants a NUL-terminated member name */
			name = sg_malloc(f->name_len + 1);
			if (!name) {
				rc = oom(err);
				break;
			}
			memcpy(name, f->name, f->name_len);
			name[f->name_len] = '\0';
			sf->stored_names[f->at] = name;
		}
	}
	if (rc != SG_OK)
		goto fail;
	*out = sf;
	return SG_OK;
fail:
	sg_sortfilter_free(sf);
	return rc;
}

void sg_sortfilter_free(sg_sortfilter *sf)
{
	size_t i;

	if (!sf)
		return;
	for (i = 0; i < sf->n_specs; i++)
		sg_free(sf->specs[i]);
	for (i = 0; sf->stored_names && i < sf->n_stored; i++)
		sg_free((void *)sf->stored_names[i]);
	sg_free(sf->specs);
	sg_free(sf->fields);
	sg_free(sf->filters);
	sg_free(sf->filter_field);
	sg_free(sf->keys);
	sg_free(sf->key_field);
	sg_free(sf->vals);
	sg_free(sf->stored_names);
	sg_free(sf->stored_vals);
	sg_buf_release(&sf->json_strs);
	sg_buf_release(&sf->texts);
	sg_free(sf);
}

int sg_sortfilter_sorts(const sg_sortfilter *sf)
{
	return sf && sf->sorts;
}

/* Reads every named field of docid into sf->vals (strings point into the
 * map or into sf's buffers, valid until the next load). */
static int load(sg_sortfilter *sf, MDB_txn *txn, uint32_t docid,
		sg_error *err)
{
	sg_index *idx = sf->idx;
	sg_docrec rec;
	const void *v;
	size_t len, i;
	int have_rec = 0, have_texts = 0, rc;

	memset(sf->vals, 0, sf->n_fields * sizeof(*sf->vals));
	if (sf->need_record) {
		rc = sg_doc_get(idx, txn, docid, &v, &len, err);
		if (rc != SG_OK && rc != SG_ENOTFOUND)
			return rc;
		if (rc == SG_OK) {
			if (sg_docrec_decode(&rec, v, len) != SG_OK)
				return sg_err(err, SG_ECORRUPT, "%s: docs: docid "
					      "%u: the record does not decode; "
					      "rebuild the index", idx->st.dir,
					      docid);
			have_rec = 1;
		}
	}
	if (have_rec && sf->n_stored) {
		rc = sg_values_from_json(rec.stored.ptr, rec.stored.len,
					 sf->stored_names, sf->n_stored,
					 sf->stored_vals, &sf->json_strs);
		if (rc != SG_OK)
			return oom(err);
	}
	for (i = 0; i < sf->n_fields; i++) {
		const struct field *f = &sf->fields[i];
		sg_value *out = &sf->vals[i];

		switch (f->src) {
		case FROM_COLUMN:
			rc = sg_column_get(idx, txn, f->at, docid, &v, &len,
					   err);
			if (rc == SG_ENOTFOUND)
				break;
			if (rc != SG_OK)
				return rc;
			if (sg_value_decode(v, len, out) != SG_OK)
				return sg_err(err, SG_ECORRUPT, "%s: columns: "
					      "column '%s' of docid %u does not "
					      "decode; rebuild the index",
					      idx->st.dir, idx->column[f->at],
					      docid);
			break;
		case FROM_TEXT:
			if (!have_rec)
				break;
			if (!have_texts) {
				rc = sg_docrec_texts(&rec, &sf->texts);
				if (rc == SG_ENOMEM)
					return oom(err);
				if (rc != SG_OK)
					return sg_err(err, SG_ECORRUPT, "%s: "
						      "docs: docid %u: its "
						      "texts do not decode; "
						      "rebuild the index",
						      idx->st.dir, docid);
				have_texts = 1;
			}
			if (f->at < rec.n_texts) {
				out->kind = SG_VALUE_STRING;
				out->str = rec.texts[f->at].ptr;
				out->len = rec.texts[f->at].len;
			}
			break;
		case FROM_STORED:
			if (have_rec)
				*out = sf->stored_vals[f->at];
			break;
		}
	}
	return SG_OK;
}

int sg_sortfilter_accept(sg_sortfilter *sf, MDB_txn *txn, uint32_t docid,
			 sg_error *err)
{
	size_t i;
	int rc;

	if (!sf || sf->n_filters == 0)
		return 1;
	rc = load(sf, txn, docid, err);
	if (rc != SG_OK)
		return rc;
	for (i = 0; i < sf->n_filters; i++)
		if (!sg_filter_test(&sf->filters[i],
				    &sf->vals[sf->filter_field[i]]))
			return 0;
	return 1;
}

/* ------------------------------------------------------------ ordering */

/* A candidate with its keys' values (strings as offsets into the arena
 * while it grows, pointers once it is whole). */
struct row {
	sg_sf_cand cand;
	sg_value *keyv;            /* n_keys values */
	const sg_sortfilter *sf;
};

/* The engine's order of two matches: higher tier, then higher score
 * first; with_docid breaks a tie by the lower docid. */
static int rank_cmp(const sg_sf_cand *a, const sg_sf_cand *b, int with_docid)
{
	if (a->tier != b->tier)
		return a->tier > b->tier ? -1 : 1;
	if (a->score != b->score)
		return a->score > b->score ? -1 : 1;
	return with_docid ? (a->docid > b->docid) - (a->docid < b->docid) : 0;
}

static int row_cmp(const void *pa, const void *pb)
{
	const struct row *a = pa, *b = pb;
	const sg_sortfilter *sf = a->sf;
	size_t i;
	int c;

	for (i = 0; i < sf->n_keys; i++) {
		const sg_value *x = &a->keyv[i], *y = &b->keyv[i];

		if (sf->keys[i].is_score) {
			c = rank_cmp(&a->cand, &b->cand, 0);
			if (sf->keys[i].desc)
				c = -c;     /* -_score: the worst first */
			if (c)
				return c;
			continue;
		}
		/* missing last, whatever the direction */
		if (x->kind == SG_VALUE_MISSING || y->kind == SG_VALUE_MISSING) {
			c = (x->kind == SG_VALUE_MISSING) -
			    (y->kind == SG_VALUE_MISSING);
			if (c)
				return c;
			continue;
		}
		c = sg_value_cmp(x, y);
		if (sf->keys[i].desc)
			c = -c;
		if (c)
			return c;
	}
	return rank_cmp(&a->cand, &b->cand, 1);
}

int sg_sortfilter_order(sg_sortfilter *sf, MDB_txn *txn, sg_sf_cand *c,
			size_t n, sg_error *err)
{
	sg_buf arena = SG_BUF_INIT;
	struct row *rows = NULL;
	sg_value *vals = NULL;
	size_t *off = NULL, i, k, nk;
	int rc = SG_OK;

	if (!sf || n < 2 || sf->n_keys == 0)
		return SG_OK;
	nk = sf->n_keys;
	if (n > SIZE_MAX / (nk * sizeof(*vals) + sizeof(*off) * nk +
			    sizeof(*rows)))
		return oom(err);
	rows = sg_malloc(n * sizeof(*rows));
	vals = sg_calloc(n * nk, sizeof(*vals));
	off = sg_calloc(n * nk, sizeof(*off));
	if (!rows || !vals || !off) {
		rc = oom(err);
		goto out;
	}
	for (i = 0; i < n && rc == SG_OK; i++) {
		rows[i].cand = c[i];
		rows[i].keyv = vals + i * nk;
		rows[i].sf = sf;
		if (!sf->sorts)
			continue;
		rc = load(sf, txn, c[i].docid, err);
		for (k = 0; rc == SG_OK && k < nk; k++) {
			sg_value *v = &rows[i].keyv[k];

			if (sf->key_field[k] == SIZE_MAX)
				continue;
			*v = sf->vals[sf->key_field[k]];
			if (v->kind != SG_VALUE_STRING)
				continue;
			/* the load's buffers are reused: keep a copy */
			off[i * nk + k] = arena.len;
			if (sg_buf_append(&arena, v->str, v->len) != SG_OK)
				rc = oom(err);
		}
	}
	if (rc != SG_OK)
		goto out;
	for (i = 0; i < n * nk; i++)
		if (vals[i].kind == SG_VALUE_STRING)
			vals[i].str = arena.data + off[i];
	qsort(rows, n, sizeof(*rows), row_cmp);
	for (i = 0; i < n; i++)
		c[i] = rows[i].cand;
out:
	sg_free(rows);
	sg_free(vals);
	sg_free(off);
	sg_buf_release(&arena);
	return rc;
}
