/*
 * analyze.c — the analysis threads of the writer (writer_internal.h,
 * "interface to analyze.c"): a chunk's documents turned into their terms,
 * in parallel, while the calling thread reads the next chunk.
 *
 * Each worker owns an sg_analysis (the analyzer's per-thread state) and a
 * per-document table that groups a document's occurrences by term: a hash
 * table cleared between documents by a generation stamp, with each term's
 * positions linked through one occurrence array. Workers take documents
 * from the chunk with an atomic counter, write each document's terms into
 * its own buffer (pending.terms) and pack its texts for the record (the
 * zstd compression, off the calling thread too). Nothing else is shared:
 * the calling thread reads the results in input order once every thread is
 * joined (batch.c). The same code analyzes a deleted document's stored text
 * on the calling thread (w->mainwk), so that a deletion finds exactly the
 * terms its indexing wrote.
 *
 * The substring grams (docs/RECALL.md) of each field's normalized text go
 * into the same table, cut by common/gram.c (which the query planner's
 * grams agree with).
 */
#include "writer_internal.h"

#include <string.h>
#include <xxhash.h>

#include "alloc.h"
#include "analyzer.h"
#include "docrec.h"
#include "error.h"
#include "gram.h"
#include "varint.h"

#define FIELD_POS_GAP 1 /* positions skipped between two fields */

/* Finds the group of a term in the worker's per-document table, or makes
 * one. The table is cleared between documents by a generation stamp. */
static struct group *group_of(struct worker *wk, const char *term,
			      size_t len, sg_error *err)
{
	uint64_t h = XXH3_64bits(term, len);
	size_t j, mask;
	struct group *g;

	if ((wk->n_groups + 1) * 2 > wk->n_slots) {
		size_t n = wk->n_slots ? wk->n_slots * 2 : 1024, i;
		struct group *t = sg_calloc(n, sizeof(*t));

		if (!t) {
			sg_err(err, SG_ENOMEM, "out of memory");
			return NULL;
		}
		for (i = 0; i < wk->n_slots; i++) {
			if (wk->table[i].gen != wk->gen)
				continue;
			for (j = wk->table[i].hash & (n - 1); t[j].gen == wk->gen;
			     j = (j + 1) & (n - 1))
				;
			t[j] = wk->table[i];
		}
		sg_free(wk->table);
		wk->table = t;
		wk->n_slots = n;
	}
	mask = wk->n_slots - 1;
	for (j = h & mask; wk->table[j].gen == wk->gen; j = (j + 1) & mask) {
		g = &wk->table[j];
		if (g->hash == h && g->len == len &&
		    !memcmp(wk->arena.data + g->off, term, len))
			return g;
	}
	g = &wk->table[j];
	g->gen = wk->gen;
	g->hash = h;
	g->off = (uint32_t)wk->arena.len;
	g->len = (uint32_t)len;
	g->first = g->last = UINT32_MAX;
	g->tf = 0;
	g->order = (uint32_t)wk->n_groups++;
	if (sg_buf_append(&wk->arena, term, len) != SG_OK) {
		sg_err(err, SG_ENOMEM, "out of memory");
		return NULL;
	}
	return g;
}

/* Records one occurrence of a term at pos in the document's table. */
static int add_occ(struct worker *wk, const char *term, size_t len,
		   uint32_t pos, uint32_t *n_occ, sg_error *err)
{
	struct group *g = group_of(wk, term, len, err);

	if (!g)
		return SG_ENOMEM;
	if (sg_grow_array((void **)&wk->occ, &wk->cap_occ, (size_t)*n_occ + 1,
			  sizeof(*wk->occ)) != SG_OK)
		return sg_err(err, SG_ENOMEM, "out of memory");
	wk->occ[*n_occ].pos = pos;
	wk->occ[*n_occ].next = UINT32_MAX;
	if (g->last == UINT32_MAX)
		g->first = *n_occ;
	else
		wk->occ[g->last].next = *n_occ;
	g->last = *n_occ;
	g->tf++;
	(*n_occ)++;
	return SG_OK;
}

/* sg_gram_cut's callback: a gram is one more occurrence in the table. */
struct gram_ctx {
	struct worker *wk;
	uint32_t *n_occ;
	sg_error *err;
};

static int gram_occ(void *ctx, const char *key, size_t len, uint32_t cpos)
{
	struct gram_ctx *g = ctx;
	struct group *grp;

	if (sg_term_has_positions(key, len))
		return add_occ(g->wk, key, len, cpos, g->n_occ, g->err);
	/* A unigram stores no positions (index.h): its tf is all it needs,
	 * so no occurrence is recorded. */
	grp = group_of(g->wk, key, len, g->err);
	if (!grp)
		return SG_ENOMEM;
	grp->tf++;
	return SG_OK;
}

/* The output, for each distinct term (in no particular order):
 *
 *     varint length, the term's bytes
 *     its XXH3-64: 8 bytes, native order (the buffer never leaves the
 *         process, and the accumulating thread need not hash it again)
 *     varint tf
 *     varint positions: the first absolute, then gaps (none for a unigram)
 *
 * Terms are grouped with a hash table, not sorted: no comparison sort in
 * the hot loop. sg_analyzed_next is its one decoder. */
int sg_worker_analyze(struct worker *wk, const sg_slice *texts,
		      size_t n_texts, sg_buf *out, uint32_t *dl,
		      sg_fieldspan *spans, size_t *n_invalid, sg_error *err)
{
	uint32_t pos_base = 0, used, n_occ = 0, n_terms = 0, cpos = 0;
	int grams = wk->w->idx->substring;
	size_t f, i, n;
	const sg_token *tok;
	int rc;

	sg_buf_reset(&wk->arena);
	sg_buf_reset(out);
	/* A document without terms still gets a buffer (never a NULL one). */
	if (sg_buf_reserve(out, 16) != SG_OK || sg_buf_reserve(&wk->arena, 16))
		return sg_err(err, SG_ENOMEM, "out of memory");
	if (++wk->gen == 0) { /* the stamps wrapped: clear for real */
		if (wk->table)
			memset(wk->table, 0, wk->n_slots * sizeof(*wk->table));
		wk->gen = 1;
	}
	wk->n_groups = 0;
	*dl = 0;
	*n_invalid = 0;
	for (f = 0; f < n_texts; f++) {
		uint32_t field_terms = n_terms, field_cpos = cpos;

		rc = sg_analyze(wk->an, texts[f].ptr, texts[f].len, pos_base,
				&tok, &n, &used, err);
		if (rc != SG_OK)
			return rc;
		*n_invalid += sg_analysis_invalid_utf8(wk->an);
		for (i = 0; i < n; i++) {
			if (!tok[i].indexed || tok[i].term_len == 0)
				continue;
			rc = add_occ(wk, tok[i].term, tok[i].term_len,
				     tok[i].pos, &n_occ, err);
			if (rc != SG_OK)
				return rc;
			n_terms++;
		}
		if (grams) {
			size_t norm_len;
			const char *norm = sg_analysis_normalized(wk->an,
								  &norm_len);
			struct gram_ctx g = { wk, &n_occ, err };

			rc = sg_gram_cut(norm, norm_len, &cpos, gram_occ, &g);
			if (rc != SG_OK)
				return rc;
		}
		if (spans) { /* fieldpos.h: where the field lies, its length */
			spans[f].pos = pos_base;
			spans[f].npos = used;
			spans[f].cpos = field_cpos;
			spans[f].nchars = grams ? cpos - field_cpos - 1 : 0;
			spans[f].dl = n_terms - field_terms;
		}
		pos_base += used + FIELD_POS_GAP;
	}
	*dl = n_terms; /* grams are not tokens: BM25's length counts terms */
	for (i = 0; i < wk->n_slots; i++) {
		const struct group *g = &wk->table[i];
		uint32_t o, prev = 0;

		if (g->gen != wk->gen)
			continue;
		if (sg_buf_put_bytes(out, wk->arena.data + g->off,
				     g->len) != SG_OK ||
		    sg_buf_append(out, &g->hash, sizeof(g->hash)) != SG_OK ||
		    sg_buf_put_varint(out, g->tf) != SG_OK)
			return sg_err(err, SG_ENOMEM, "out of memory");
		if (!sg_term_has_positions(wk->arena.data + g->off, g->len))
			continue;
		for (o = g->first; o != UINT32_MAX; o = wk->occ[o].next) {
			if (sg_buf_put_varint(out, o == g->first ?
					      wk->occ[o].pos :
					      wk->occ[o].pos - prev) != SG_OK)
				return sg_err(err, SG_ENOMEM, "out of memory");
			prev = wk->occ[o].pos;
		}
	}
	return SG_OK;
}

int sg_analyzed_next(const uint8_t **q, const uint8_t *end,
		     struct analyzed_term *t)
{
	const uint8_t *p = *q;
	uint64_t len;

	if (p >= end)
		return 0;
	if (sg_varint_get64(&p, end, &len) || len + 8 > (uint64_t)(end - p))
		return SG_ECORRUPT;
	t->term = (const char *)p;
	t->len = (size_t)len;
	p += len;
	memcpy(&t->hash, p, 8);
	p += 8;
	if (sg_varint_get32(&p, end, &t->tf))
		return SG_ECORRUPT;
	t->pos = p;
	/* Our own buffer, just written: finding where its positions end is
	 * enough (the accumulator copies them as they are). */
	if (sg_term_has_positions(t->term, t->len) &&
	    sg_varint_skip_fast(&p, end, t->tf))
		return SG_ECORRUPT;
	t->pos_len = (size_t)(p - t->pos);
	*q = p;
	return 1;
}

void sg_chunk_texts(const sg_writer *w, const struct chunk *c,
		    const struct pending *p, sg_slice *texts)
{
	size_t f;

	for (f = 0; f < w->idx->n_fields; f++) {
		texts[f].ptr = c->arena.data + p->text_off[f];
		texts[f].len = p->text_len[f];
	}
}

static void *analyze_worker(void *arg)
{
	struct worker *wk = arg;
	sg_writer *w = wk->w;
	struct chunk *c = wk->chunk;
	sg_slice texts[SG_FIELDS_MAX];
	size_t i;

	while ((i = atomic_fetch_add(&c->next, 1)) < c->n) {
		struct pending *p = &c->docs[i];

		sg_chunk_texts(w, c, p, texts);
		p->rc = sg_worker_analyze(wk, texts, w->idx->n_fields,
					  &p->terms, &p->dl, p->spans,
					  &p->n_invalid, &p->err);
		if (p->rc == SG_OK) {
			sg_doc doc;

			memset(&doc, 0, sizeof(doc));
			doc.texts = texts;
			doc.n_texts = w->idx->n_fields;
			if (sg_docrec_pack_texts(&doc, &p->section,
						 &p->section_flags,
						 &wk->scratch) != SG_OK)
				p->rc = sg_err(&p->err, SG_ENOMEM,
					       "out of memory");
		}
	}
	return NULL;
}

/* Starts the analysis of chunk c on the worker threads and returns: the
 * caller goes on reading. A thread that cannot be started leaves its share
 * to the others; with none started, sg_chunk_analyze_finish does it all. */
void sg_chunk_analyze_start(sg_writer *w, struct chunk *c)
{
	unsigned t;

	atomic_store(&c->next, 0);
	c->n_threads = 0;
	for (t = 0; t < w->n_threads && t < c->n; t++) {
		w->workers[t].chunk = c;
		if (pthread_create(&c->threads[t], NULL, analyze_worker,
				   &w->workers[t]) != 0)
			break;
		c->n_threads++;
	}
	w->busy = c;
}

/* Waits for the analysis of the busy chunk; the first document's error. */
int sg_chunk_analyze_finish(sg_writer *w, sg_error *err)
{
	struct chunk *c = w->busy;
	unsigned t;
	size_t i;

	if (c->n_threads == 0) {
		w->mainwk.chunk = c;
		analyze_worker(&w->mainwk);
	}
	for (t = 0; t < c->n_threads; t++)
		pthread_join(c->threads[t], NULL);
	w->busy = NULL;
	for (i = 0; i < c->n; i++)
		if (c->docs[i].rc != SG_OK) {
			if (err)
				*err = c->docs[i].err;
			return c->docs[i].rc;
		}
	return SG_OK;
}

/* Abandons the analysis of the busy chunk: no worker takes another
 * document, and every thread is joined (each finishes the document it is
 * in). For sg_writer_free, before it frees what the threads use. */
void sg_chunk_analyze_stop(sg_writer *w)
{
	struct chunk *c = w->busy;
	unsigned t;

	if (!c)
		return;
	atomic_store(&c->next, c->n);
	for (t = 0; t < c->n_threads; t++)
		pthread_join(c->threads[t], NULL);
	c->n_threads = 0;
	w->busy = NULL;
}

int sg_worker_init(struct worker *wk, sg_writer *w, int terms_only,
		   sg_error *err)
{
	int rc;

	wk->w = w;
	rc = sg_analysis_new(w->idx->an, &wk->an, err);
	if (rc == SG_OK && terms_only)
		sg_analysis_set_terms_only(wk->an, 1);
	return rc;
}

void sg_worker_release(struct worker *wk)
{
	sg_analysis_free(wk->an);
	sg_buf_release(&wk->arena);
	sg_free(wk->occ);
	sg_free(wk->table);
	sg_buf_release(&wk->scratch);
	memset(wk, 0, sizeof(*wk));
}

void sg_chunk_release(struct chunk *c)
{
	size_t i;

	for (i = 0; i < CHUNK_DOCS; i++) {
		sg_buf_release(&c->docs[i].terms);
		sg_buf_release(&c->docs[i].section);
	}
	sg_buf_release(&c->arena);
}
