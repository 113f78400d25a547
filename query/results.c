/*
 * results.c — turning the top k into sg_results: each hit's stored
 * record, its --explain lines (every scoring leaf's tf, df, idf and score) and
 * its snippets (snippet.h), everything owned by the results and freed by
 * sg_results_free.
 */
#include <stdio.h>
#include <string.h>

#include "docrec.h"
#include "postings_read.h"
#include "search_internal.h"
#include "snippet.h"

static int own(struct results_impl *ri, void *p)
{
	if (!p)
		return SG_ENOMEM;
	if (sg_grow_array_from((void **)&ri->owned, &ri->cap_owned,
			       ri->n_owned + 1, sizeof(*ri->owned), 32)) {
		sg_free(p);
		return SG_ENOMEM;
	}
	ri->owned[ri->n_owned++] = p;
	return SG_OK;
}

void sg_results_free(sg_results *r)
{
	struct results_impl *ri = (struct results_impl *)r;
	size_t i;

	if (!ri)
		return;
	for (i = 0; i < ri->n_owned; i++)
		sg_free(ri->owned[i]);
	sg_free(ri->owned);
	sg_free(ri->hits);
	sg_buf_release(&ri->notices);
	sg_free(ri);
}

/* a b c d, in a new string (NULL when out of memory). */
static char *join3(const char *a, const char *b, const char *c,
		   const char *d)
{
	size_t la = strlen(a), lb = strlen(b), lc = strlen(c), ld = strlen(d);
	char *s = sg_malloc(la + lb + lc + ld + 1);

	if (s) {
		memcpy(s, a, la);
		memcpy(s + la, b, lb);
		memcpy(s + la + lb, c, lc);
		memcpy(s + la + lb + lc, d, ld + 1);
	}
	return s;
}

int sq_build_hit(struct run *r, struct results_impl *ri, sg_hit *h,
		 uint32_t docid, double score)
{
	const void *val;
	size_t val_len;
	sg_docrec rec;
	size_t i;
	int rc;

	h->docid = docid;
	h->score = score;
	rc = sg_doc_get(r->s->idx, r->s->txn, docid, &val, &val_len, r->err);
	if (rc != SG_OK && rc != SG_ENOTFOUND)
		return rc;
	if (rc == SG_ENOTFOUND)
		return sg_err(r->err, SG_ECORRUPT, "%s: docs: docid %u: no "
			      "record, though its postings and length say it "
			      "is live; rebuild the index", r->s->idx->st.dir,
			      docid);
	if (sg_docrec_decode(&rec, val, val_len))
		return sg_err(r->err, SG_ECORRUPT, "%s: docs: docid %u: the "
			      "record (%zu bytes) does not decode; rebuild the "
			      "index", r->s->idx->st.dir, docid, val_len);
	h->id = rec.id;
	h->title = rec.title;
	h->stored = rec.stored;
	h->dl = rec.dl;
	if (r->opt->explain) {
		sg_explain *ex = sg_calloc(r->n_leaves + r->n_blends + 1,
					   sizeof(*ex));
		size_t n = 0;

		if (own(ri, ex))
			return sg_err(r->err, SG_ENOMEM, "out of memory");
		double dlw;

		rc = sq_doc_dlw(r, docid, rec.dl, &dlw);
		if (rc != SG_OK)
			return rc;
		for (i = 0; i < r->n_blends; i++) {
			r->blends[i].tf = r->blends[i].sub_tf = 0;
			r->blends[i].wtf = r->blends[i].sub_wtf = 0;
		}
		for (i = 0; i < r->n_leaves; i++) {
			const struct leaf *l = &r->leaves[i];
			uint32_t tf;
			double wtf;

			if (!l->scores)
				continue;
			rc = sq_leaf_tf_fresh(r, l, docid, &tf, &wtf);
			if (rc != SG_OK)
				return rc;
			ex[n].tf = tf;
			ex[n].df = l->empty ? 0 : l->df;
			ex[n].idf = l->idf;
			if (l->blend == SIZE_MAX) {
				ex[n].what = sg_strdup(l->what);
				ex[n].score = tf ? bm25(r, l->idf, wtf, dlw) : 0;
			} else {
				/* A member: its tf goes to its blend's line. */
				struct blend *b = &r->blends[l->blend];

				ex[n].what = join3(l->what, " (in ", b->what,
						   ")");
				ex[n].score = 0;
				if (l->sub) {
					b->sub_tf += tf;
					b->sub_wtf += wtf;
				} else {
					b->tf += tf;
					b->wtf += wtf;
				}
			}
			if (own(ri, (void *)ex[n].what))
				return sg_err(r->err, SG_ENOMEM, "out of memory");
			n++;
		}
		for (i = 0; i < r->n_blends; i++) {
			struct blend *b = &r->blends[i];
			int by_sub = !b->tf && b->sub_tf;

			ex[n].what = join3(b->what, " (one unit", by_sub ?
					   ": its string" : "", ")");
			if (own(ri, (void *)ex[n].what))
				return sg_err(r->err, SG_ENOMEM, "out of memory");
			ex[n].tf = by_sub ? b->sub_tf : b->tf;
			ex[n].idf = by_sub ? b->sub_idf : b->idf;
			ex[n].df = 0;
			ex[n].score = ex[n].tf ? bm25(r, ex[n].idf,
						      r->weighted ? (by_sub ?
						      b->sub_wtf : b->wtf) :
						      ex[n].tf, dlw) : 0;
			b->tf = b->sub_tf = 0;
			b->wtf = b->sub_wtf = 0;
			n++;
		}
		h->explain = ex;
		h->n_explain = n;
	}
	if (r->opt->snippet_chars) {
		sg_buf text = SG_BUF_INIT, out = SG_BUF_INIT;
		const char **terms = NULL;
		size_t *lens = NULL, *unit_n = NULL, n_terms = 0, n_units = 0;
		sg_snip_query q;
		sg_span *spans = NULL;
		size_t n_spans = 0;

		if (sg_docrec_texts(&rec, &r->texts_buf) != SG_OK)
			return sg_err(r->err, SG_ECORRUPT, "%s: docs: docid "
				      "%u: its texts do not decompress; rebuild "
				      "the index", r->s->idx->st.dir, docid);
		/* rc is SG_OK here and stays SG_ENOMEM once an append fails
		 * (a later success must not clear it). */
		for (i = 0; rc == SG_OK && i < rec.n_texts; i++)
			if ((i && text.len && sg_buf_putc(&text, '\n')) ||
			    sg_buf_append(&text, rec.texts[i].ptr,
					  rec.texts[i].len))
				rc = SG_ENOMEM;
		size_t all_terms = 1;

		for (i = 0; i < r->n_leaves; i++)
			all_terms += r->leaves[i].n;
		terms = sg_calloc(all_terms, sizeof(*terms));
		lens = sg_calloc(all_terms, sizeof(*lens));
		unit_n = sg_calloc(r->n_leaves + 1, sizeof(*unit_n));
		if (!terms || !lens || !unit_n)
			rc = SG_ENOMEM;
		for (i = 0; rc == SG_OK && i < r->n_leaves; i++) {
			const struct leaf *l = &r->leaves[i];
			const char *p = l->what, *sp;

			if (!l->scores || l->empty || l->sub)
				continue; /* grams are no snippet terms */
			unit_n[n_units] = 0;
			for (;;) {
				sp = strchr(p, ' ');
				terms[n_terms] = p;
				lens[n_terms] = sp ? (size_t)(sp - p) : strlen(p);
				n_terms++;
				unit_n[n_units]++;
				if (!sp)
					break;
				p = sp + 1;
			}
			n_units++;
		}
		if (rc == SG_OK) {
			q.terms = terms;
			q.term_lens = lens;
			q.unit_n = unit_n;
			q.n_units = n_units;
			rc = sg_snippet(r->s->an, text.data ? text.data : "",
					text.len, &q, r->opt->snippet_chars,
					&out, &spans, &n_spans, r->err);
		}
		sg_free(terms);
		sg_free(lens);
		sg_free(unit_n);
		sg_buf_release(&text);
		if (rc != SG_OK) {
			sg_buf_release(&out);
			sg_free(spans);
			return rc == SG_ENOMEM ?
			       sg_err(r->err, rc, "out of memory") : rc;
		}
		if (!out.data)
			out.data = sg_strdup("");
		if (own(ri, out.data) || (spans && own(ri, spans)))
			return sg_err(r->err, SG_ENOMEM, "out of memory");
		h->snippet.ptr = out.data;
		h->snippet.len = out.len;
		h->highlights = spans;
		h->n_highlights = n_spans;
	}
	return SG_OK;
}
