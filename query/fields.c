/*
 * fields.c — what a search knows of a document's indexed fields: the
 * field a FIELD:word restricts its occurrences to, and BM25F's weights
 * (--weights title=3,body=1; docs/RANKING.md, Field weights).
 *
 * An occurrence's field is found from its position: the fields of a
 * document follow one another in one position space (fieldpos.h), so the
 * document's spans, read once per document from the `fieldpos` table,
 * tell which field each position lies in. BM25F as Lucene's
 * CombinedFieldQuery computes it:
 *
 *     tf_w = Σ_f w_f · tf_f      dl_w = Σ_f w_f · dl_f
 *     avgdl_w = Σ_f w_f · total_f / N
 *     score = idf · tf_w · (k1 + 1) / (tf_w + k1 · (1 − b + b · dl_w / avgdl_w))
 *
 * With every weight 1 these are tf, dl and avgdl: the search is then not
 * weighted at all and scores as it always did, bit for bit.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "search_internal.h"

#define WEIGHT_MAX 1000.0

int sq_field_index(const struct run *r, const char *name, size_t len)
{
	const sg_index *idx = r->s->idx;
	size_t f;

	for (f = 0; f < idx->n_fields; f++)
		if (strlen(idx->field[f]) == len &&
		    !memcmp(idx->field[f], name, len))
			return (int)f;
	return -1;
}

void sq_field_names(const struct run *r, char *out, size_t cap)
{
	const sg_index *idx = r->s->idx;
	size_t f, n = 0;

	out[0] = '\0';
	for (f = 0; f < idx->n_fields && n + 1 < cap; f++) {
		int w = snprintf(out + n, cap - n, "%s%s", f ? ", " : "",
				 idx->field[f]);

		if (w < 0)
			break;
		n += (size_t)w;
	}
}

/* opt->weights: "FIELD=W[,FIELD=W...]", each W finite, > 0 and at most
 * WEIGHT_MAX; a field not named keeps 1. */
static int parse_weights(struct run *r, const char *spec)
{
	const sg_index *idx = r->s->idx;
	char names[256];
	int seen[SG_FIELDS_MAX] = { 0 };
	const char *p = spec;

	sq_field_names(r, names, sizeof(names));
	while (*p) {
		const char *eq = strchr(p, '='), *end = strchr(p, ',');
		char *num_end;
		double w;
		int f;

		if (!end)
			end = p + strlen(p);
		/* also a trailing comma: no empty item */
		if (!eq || eq > end || eq == p || (*end && !end[1]))
			return sg_err(r->err, SG_EINVAL, "--weights '%s': "
				      "write FIELD=WEIGHT[,FIELD=WEIGHT...], "
				      "e.g. title=3,body=1", spec);
		f = sq_field_index(r, p, (size_t)(eq - p));
		if (f < 0)
			return sg_err(r->err, SG_EINVAL, "--weights: '%.*s' "
				      "is not an indexed field of this index "
				      "(its fields: %s)", (int)(eq - p), p,
				      names);
		if (seen[f]++)
			return sg_err(r->err, SG_EINVAL, "--weights: field "
				      "'%s' is given twice", idx->field[f]);
		w = strtod(eq + 1, &num_end);
		if (num_end != end || eq + 1 == end || !isfinite(w) ||
		    w <= 0 || w > WEIGHT_MAX)
			return sg_err(r->err, SG_EINVAL, "--weights: the "
				      "weight of '%s' is '%.*s': it must be a "
				      "number above 0 and at most %g",
				      idx->field[f], (int)(end - eq - 1),
				      eq + 1, WEIGHT_MAX);
		r->w[f] = w;
		p = *end ? end + 1 : end;
	}
	return SG_OK;
}

int sq_fields_setup(struct run *r)
{
	const sg_index *idx = r->s->idx;
	uint64_t totals[SG_FIELDS_MAX];
	size_t f;
	double sum = 0;
	int rc;

	r->plan_field = -1;
	r->spans_doc = 0;
	r->avgdl = r->s->avgdl;
	r->wmax = r->wmin = 1.0;
	for (f = 0; f < SG_FIELDS_MAX; f++)
		r->w[f] = 1.0;
	if (r->opt->weights && *r->opt->weights) {
		rc = parse_weights(r, r->opt->weights);
		if (rc != SG_OK)
			return rc;
	}
	for (f = 0; f < idx->n_fields; f++)
		if (r->w[f] != 1.0)
			r->weighted = 1;
	if (!r->weighted)
		return SG_OK;
	r->wmax = 0;
	r->wmin = HUGE_VAL;
	for (f = 0; f < idx->n_fields; f++) {
		if (r->w[f] > r->wmax)
			r->wmax = r->w[f];
		if (r->w[f] < r->wmin)
			r->wmin = r->w[f];
	}
	if (idx->n_fields == 1) {
		/* One field: its spans are the document's, its length dl. */
		r->avgdl = r->w[0] * r->s->avgdl;
		return SG_OK;
	}
	if (!sg_fieldpos_present(idx))
		return sg_err(r->err, SG_EINVAL, "%s was built by a sagasu "
			      "that kept no per-field positions, which "
			      "--weights needs: rebuild it with `sagasu "
			      "index` into a new directory", idx->st.dir);
	rc = sg_fieldstats_read(r->s->idx, r->s->txn, totals, r->err);
	if (rc == SG_ENOTFOUND)
		return sg_err(r->err, SG_ECORRUPT, "%s: meta \"fieldstats\" "
			      "is missing: the index is damaged (run `sagasu "
			      "check`)", idx->st.dir);
	if (rc != SG_OK)
		return rc;
	for (f = 0; f < idx->n_fields; f++)
		sum += r->w[f] * (double)totals[f];
	r->avgdl = r->s->n_docs ? sum / (double)r->s->n_docs : 1.0;
	if (!(r->avgdl > 0))
		r->avgdl = 1.0;
	r->split = 1;
	return SG_OK;
}

int sq_doc_spans(struct run *r, uint32_t docid)
{
	int rc;

	if (r->spans_doc == docid)
		return SG_OK;
	rc = sg_fieldpos_get(r->s->idx, r->s->txn, docid, r->spans, r->err);
	if (rc == SG_ENOTFOUND)
		return sg_err(r->err, SG_ECORRUPT, "%s: docid %u has no "
			      "fieldpos record: the index is damaged (run "
			      "`sagasu check`)", r->s->idx->st.dir, docid);
	if (rc != SG_OK)
		return rc;
	r->spans_doc = docid;
	return SG_OK;
}

int sq_doc_dlw_weighted(struct run *r, uint32_t docid, uint32_t dl,
			double *out)
{
	size_t f;
	double s = 0;
	int rc;

	if (r->s->idx->n_fields == 1) {
		*out = r->w[0] * (double)dl;
		return SG_OK;
	}
	if ((rc = sq_doc_spans(r, docid)) != SG_OK)
		return rc;
	for (f = 0; f < r->s->idx->n_fields; f++)
		s += r->w[f] * (double)r->spans[f].dl;
	*out = s;
	return SG_OK;
}

/* The field position p lies in (a gram's character position when sub),
 * or -1 (the gap between two fields: no term stands there). */
static int field_at(const struct run *r, uint32_t p, int sub)
{
	size_t f;

	for (f = 0; f < r->s->idx->n_fields; f++) {
		const sg_fieldspan *s = &r->spans[f];
		uint32_t from = sub ? s->cpos : s->pos;
		uint32_t n = sub ? s->nchars : s->npos;

		if (p < from)
			return -1;
		if (p - from < n)
			return (int)f;
	}
	return -1;
}

int sq_split_positions(struct run *r, const struct leaf *l, uint32_t docid,
		       uint32_t *pos, uint32_t *n, double *wtf)
{
	uint32_t i, m = 0;
	int rc;

	*wtf = 0;
	if (r->s->idx->n_fields == 1) {
		/* Every occurrence is in the one field. */
		*wtf = r->w[0] * (double)*n;
		return SG_OK;
	}
	if ((rc = sq_doc_spans(r, docid)) != SG_OK)
		return rc;
	for (i = 0; i < *n; i++) {
		int f = field_at(r, pos[i], l->sub);

		if (f < 0 || (l->field >= 0 && f != l->field))
			continue;
		pos[m++] = pos[i];
		*wtf += r->w[f];
	}
	*n = m;
	return SG_OK;
}
