/*
 * writer.c — adding, replacing and deleting documents; batches and flushes.
 *
 * The life of a document:
 *
 *   sg_writer_add ──► unchanged? (same id and XXH3 in the index or batch): skip
 *        │
 *        ▼ copied into the CHUNK (up to CHUNK_DOCS documents or CHUNK_BYTES)
 *   analysis          the worker threads take documents from the chunk and
 *        │            turn each into a list of (term, tf, positions), sorted,
 *        │            while this thread fills the next chunk (two in turn)
 *        ▼
 *   accumulate        in input order: a docid each, postings into the BATCH
 *        │            (accum.h), the document record into the batch too
 *        ▼ when the batch holds mem_budget bytes, or at commit
 *   flush             one LMDB write transaction: deletions, each term's
 *                     new blocks under a fresh termid (appended), term
 *                     records, documents, ids, lengths, stats. A full map
 *                     grows and the same in-memory batch is written again.
 *
 * Docids grow and are never reused, so a term's new postings always come
 * after its existing ones: a flush writes them under a new termid appended
 * to the term's chain (index.h), so that every block key it writes is larger
 * than every stored one and LMDB fills its pages (MDB_APPEND).
 *
 * Deleting a document (sg_writer_delete, or replacing it) re-analyzes its
 * stored text to find its terms and lowers their df and cf; its length slot
 * becomes SG_DL_DEAD so queries skip its postings until sg_writer_compact
 * rewrites them.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xxhash.h>

#include "alloc.h"
#include "accum.h"
#include "analyzer_internal.h"
#include "block.h"
#include "docrec.h"
#include "error.h"
#include "index.h"
#include "sagasu.h"
#include "varint.h"

#define CHUNK_DOCS 256
#define CHUNK_BYTES ((size_t)1 << 20)
#define MAX_THREADS 64
#define FIELD_POS_GAP 1 /* positions skipped between two fields */

/* One document waiting in the chunk. Its slices point into chunk_arena by
 * offset (the arena may move while the chunk fills). */
struct pending {
	size_t id_off, id_len, title_off, title_len, stored_off, stored_len;
	size_t text_off[SG_FIELDS_MAX], text_len[SG_FIELDS_MAX];
	uint64_t hash;
	uint32_t old_docid; /* the docid it replaces, or 0 */
	/* Filled by analysis: */
	sg_buf terms;       /* (varint len, term, varint tf, positions)... */
	sg_buf section;     /* its texts, packed (compressed) for the record */
	unsigned section_flags;
	uint32_t dl;
	size_t n_invalid;
	int rc;
	sg_error err;
};

/* A batch document, committed at the next flush. */
struct batch_doc {
	uint32_t docid, dl;
	size_t rec_off, rec_len; /* its record in batch_recs */
};

/* An id the batch adds or deletes: no id may do both in one batch. */
struct batch_id {
	uint64_t hash;
	size_t off, len;     /* into id_arena */
	uint64_t doc_hash;   /* content hash of the added document */
	int deleted;
};

/* Documents on their way to the batch, analyzed together. */
struct chunk {
	struct pending docs[CHUNK_DOCS];
	size_t n;
	sg_buf arena;         /* every document's bytes (pending offsets) */
	atomic_size_t next;   /* the next document a worker takes */
	pthread_t threads[MAX_THREADS];
	unsigned n_threads;   /* started for it */
};

/* Per-thread analysis state. */
struct worker {
	sg_writer *w;
	struct chunk *chunk;  /* the chunk it analyzes */
	sg_buf scratch;       /* packing a document's texts */
	sg_analysis *an;
	sg_buf arena;        /* term bytes of the current document */
	struct occ { uint32_t pos, next; } *occ; /* a term's positions, linked */
	size_t cap_occ;
	struct group {                           /* a distinct term */
		uint64_t hash;
		uint32_t gen, off, len, first, last, tf, order;
	} *table;                                /* open addressing */
	size_t n_slots, n_groups;
	uint32_t gen;
	pthread_t thread;
};

struct sg_writer {
	sg_index *idx;
	sg_writer_options opt;
	unsigned n_threads;
	struct worker workers[MAX_THREADS];

	/* Two chunks: one fills while the other is analyzed by the worker
	 * threads, so that reading and accumulating (this thread) overlap
	 * with analysis (theirs). */
	struct chunk chunks[2];
	struct chunk *fill;     /* receives sg_writer_add's documents */
	struct chunk *busy;     /* being analyzed, or NULL */
	struct worker mainwk;   /* this thread's analysis (deletions) */

	sg_accum accum;
	struct batch_doc *docs;
	size_t n_docs, cap_docs;
	sg_buf batch_recs;
	uint32_t *deletes;
	size_t n_deletes, cap_deletes;
	struct batch_id *ids;   /* open addressing, n_id_slots a power of 2 */
	size_t n_ids, n_id_slots;
	sg_buf id_arena;

	uint32_t next_docid;    /* the docid the next accumulated doc gets */
	MDB_txn *rtxn;          /* committed state, for id look-ups */
	sg_buf scratch;
	sg_buf chain;           /* a term record's chain being extended */
	/* What the summary reports: indexed, replaced and deleted count
	 * committed work only. A document is first queued (q_: in a chunk),
	 * then in the batch (b_: accumulated, or a deletion), and moves into
	 * counts when its batch commits (flush). */
	sg_writer_counts counts;
	uint64_t q_indexed, q_replaced;
	uint64_t b_indexed, b_replaced, b_deleted;
	uint32_t *u32a, *u32b;  /* SG_BLOCK_MAX scratch arrays */
	size_t u32_cap;
};

/* ------------------------------------------------------------ batch ids */

static struct batch_id *id_find(sg_writer *w, const char *id, size_t len,
				uint64_t h)
{
	size_t j;

	if (!w->n_id_slots)
		return NULL;
	for (j = h & (w->n_id_slots - 1); w->ids[j].len;
	     j = (j + 1) & (w->n_id_slots - 1)) {
		struct batch_id *b = &w->ids[j];

		if (b->hash == h && b->len == len &&
		    !memcmp(w->id_arena.data + b->off, id, len))
			return b;
	}
	return NULL;
}

static int id_insert(sg_writer *w, const char *id, size_t len, uint64_t h,
		     uint64_t doc_hash, int deleted)
{
	struct batch_id *b;
	size_t j;

	if ((w->n_ids + 1) * 2 > w->n_id_slots) {
		size_t n = w->n_id_slots ? w->n_id_slots * 2 : 256, i;
		struct batch_id *nb = sg_calloc(n, sizeof(*nb));

		if (!nb)
			return SG_ENOMEM;
		for (i = 0; i < w->n_id_slots; i++) {
			if (!w->ids[i].len)
				continue;
			for (j = w->ids[i].hash & (n - 1); nb[j].len;
			     j = (j + 1) & (n - 1))
				;
			nb[j] = w->ids[i];
		}
		sg_free(w->ids);
		w->ids = nb;
		w->n_id_slots = n;
	}
	for (j = h & (w->n_id_slots - 1); w->ids[j].len;
	     j = (j + 1) & (w->n_id_slots - 1))
		;
	b = &w->ids[j];
	b->hash = h;
	b->off = w->id_arena.len;
	b->len = len;
	b->doc_hash = doc_hash;
	b->deleted = deleted;
	w->n_ids++;
	return sg_buf_append(&w->id_arena, id, len);
}

/* ------------------------------------------------------------ analysis */

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
	if (*n_occ == wk->cap_occ) {
		size_t cap = wk->cap_occ ? wk->cap_occ * 2 : 1024;
		struct occ *o = sg_realloc(wk->occ, cap * sizeof(*o));

		if (!o)
			return sg_err(err, SG_ENOMEM, "out of memory");
		wk->occ = o;
		wk->cap_occ = cap;
	}
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

/* White space of the normalized text: no gram holds it, since no query
 * word does (the query language splits words there). */
static int gram_space(const char *p)
{
	return *p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' ||
	       *p == '\v' || *p == '\f';
}

/* The substring grams of one field's normalized text: a unigram for every
 * character and a bigram for every two adjacent characters outside white
 * space, at character positions from *cpos (docs/RECALL.md). */
static int add_grams(struct worker *wk, const char *norm, size_t len,
		     uint32_t *cpos, uint32_t *n_occ, sg_error *err)
{
	const char *p = norm, *end = norm + len;
	char key[1 + 8];
	int rc;

	key[0] = '\0';
	while (p < end) {
		size_t a = sg_utf8_lead_len((unsigned char)*p), b;

		if (a > (size_t)(end - p))
			a = (size_t)(end - p);
		if (!gram_space(p)) {
			memcpy(key + 1, p, a);
			rc = add_occ(wk, key, 1 + a, *cpos, n_occ, err);
			if (rc != SG_OK)
				return rc;
			if (p + a < end && !gram_space(p + a)) {
				b = sg_utf8_lead_len((unsigned char)p[a]);
				if (b > (size_t)(end - p) - a)
					b = (size_t)(end - p) - a;
				memcpy(key + 1 + a, p + a, b);
				rc = add_occ(wk, key, 1 + a + b, *cpos, n_occ,
					     err);
				if (rc != SG_OK)
					return rc;
			}
		}
		(*cpos)++;
		p += a;
	}
	(*cpos)++; /* a gap: no gram spans two fields */
	return SG_OK;
}

/* Analyzes the indexed fields of `texts` into `out`: for each distinct term
 * (in no particular order), varint length, bytes, its XXH3-64 (8 bytes,
 * native order: the buffer never leaves the process), varint tf, varint
 * positions (the first absolute, then gaps; none for a unigram). Terms are grouped with a hash
 * table, not sorted: no comparison sort in the hot loop. Shared by indexing
 * and deletion. */
static int analyze_doc(struct worker *wk, const sg_slice *texts,
		       size_t n_texts, sg_buf *out, uint32_t *dl,
		       size_t *n_invalid, sg_error *err)
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

			rc = add_grams(wk, norm, norm_len, &cpos, &n_occ, err);
			if (rc != SG_OK)
				return rc;
		}
		pos_base += used + FIELD_POS_GAP;
	}
	*dl = n_terms; /* grams are not tokens: BM25's length counts terms */
	for (i = 0; i < wk->n_slots; i++) {
		const struct group *g = &wk->table[i];
		uint32_t o, prev = 0;

		if (g->gen != wk->gen)
			continue;
		rc = sg_buf_put_bytes(out, wk->arena.data + g->off, g->len);
		rc |= sg_buf_append(out, &g->hash, sizeof(g->hash));
		rc |= sg_buf_put_varint(out, g->tf);
		if (!sg_term_has_positions(wk->arena.data + g->off, g->len)) {
			if (rc)
				return sg_err(err, SG_ENOMEM, "out of memory");
			continue;
		}
		for (o = g->first; o != UINT32_MAX; o = wk->occ[o].next) {
			rc |= sg_buf_put_varint(out, o == g->first ?
						wk->occ[o].pos :
						wk->occ[o].pos - prev);
			prev = wk->occ[o].pos;
		}
		if (rc)
			return sg_err(err, SG_ENOMEM, "out of memory");
	}
	return SG_OK;
}

static void pending_texts(sg_writer *w, const struct chunk *c,
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

		pending_texts(w, c, p, texts);
		p->rc = analyze_doc(wk, texts, w->idx->n_fields, &p->terms,
				    &p->dl, &p->n_invalid, &p->err);
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
 * to the others; with none started, finish_analysis does it all. */
static void start_analysis(sg_writer *w, struct chunk *c)
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
static int finish_analysis(sg_writer *w, sg_error *err)
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
static void stop_analysis(sg_writer *w)
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

/* ------------------------------------------------------------ batch */

/* Adds one analyzed document of the chunk to the batch. */
static int accumulate(sg_writer *w, const struct chunk *c, struct pending *p,
		      sg_error *err)
{
	const char *arena = c->arena.data;
	const uint8_t *q = (const uint8_t *)p->terms.data;
	const uint8_t *end = q + p->terms.len;
	sg_slice texts[SG_FIELDS_MAX];
	struct batch_doc *bd;
	sg_doc doc;
	uint32_t docid = w->next_docid;
	int rc;

	if (docid == UINT32_MAX)
		return sg_err(err, SG_ETOOBIG,
			      "%s: docids exhausted (2^32 - 1 documents added "
			      "over the index's life); rebuild the index",
			      w->idx->st.dir);
	if (p->old_docid) {
		rc = sg_grow_array((void **)&w->deletes, &w->cap_deletes,
				w->n_deletes + 1, sizeof(*w->deletes));
		if (rc != SG_OK)
			return sg_err(err, rc, "out of memory");
		w->deletes[w->n_deletes++] = p->old_docid;
	}
	while (q < end) {
		uint64_t len;
		uint32_t tf;
		const char *term;
		const uint8_t *pos_start;

		uint64_t h;

		/* The worker's own buffer (analyze_doc): term, its XXH3 (so
		 * this thread need not hash it again), tf, positions. */
		if (sg_varint_get64(&q, end, &len) ||
		    len + 8 > (uint64_t)(end - q))
			return sg_err(err, SG_ECORRUPT, "bad analysis buffer");
		term = (const char *)q;
		q += len;
		memcpy(&h, q, 8);
		q += 8;
		if (sg_varint_get32(&q, end, &tf))
			return sg_err(err, SG_ECORRUPT, "bad analysis buffer");
		pos_start = q;
		if (sg_term_has_positions(term, (size_t)len) &&
		    sg_varint_skip_fast(&q, end, tf))
			return sg_err(err, SG_ECORRUPT, "bad analysis buffer");
		rc = sg_accum_add_hashed(&w->accum, term, (size_t)len, h, docid,
					 tf, pos_start, (size_t)(q - pos_start));
		if (rc != SG_OK)
			return sg_err(err, rc, "out of memory");
	}

	rc = sg_grow_array((void **)&w->docs, &w->cap_docs, w->n_docs + 1,
			sizeof(*w->docs));
	if (rc != SG_OK)
		return sg_err(err, rc, "out of memory");
	pending_texts(w, c, p, texts);
	doc.id.ptr = arena + p->id_off;
	doc.id.len = p->id_len;
	doc.title.ptr = arena + p->title_off;
	doc.title.len = p->title_len;
	doc.texts = texts;
	doc.n_texts = w->idx->n_fields;
	doc.stored.ptr = arena + p->stored_off;
	doc.stored.len = p->stored_len;
	bd = &w->docs[w->n_docs++];
	bd->docid = docid;
	bd->dl = p->dl;
	bd->rec_off = w->batch_recs.len;
	rc = sg_docrec_encode_packed(&w->batch_recs, &doc, p->dl, p->hash,
				     p->section_flags,
				     p->section.data ? p->section.data : "",
				     p->section.len);
	if (rc != SG_OK)
		return sg_err(err, rc, "out of memory");
	bd->rec_len = w->batch_recs.len - bd->rec_off;
	w->next_docid++;
	if (p->old_docid) {
		w->q_replaced--;
		w->b_replaced++;
	} else {
		w->q_indexed--;
		w->b_indexed++;
	}
	if (p->n_invalid && w->opt.warn)
		w->opt.warn(w->opt.warn_ctx, doc.id.ptr, doc.id.len,
			    p->n_invalid);
	return SG_OK;
}

static size_t batch_bytes(const sg_writer *w)
{
	return sg_accum_bytes(&w->accum) + w->batch_recs.cap +
	       w->cap_docs * sizeof(*w->docs) + w->id_arena.cap +
	       w->n_id_slots * sizeof(*w->ids);
}

static int flush(sg_writer *w, sg_error *err);

/* The batch's share of the memory budget. While a batch commits, LMDB
 * holds the pages it writes (its postings, positions and records, about
 * 1.3 times the batch's own bytes with the B-tree's slack) in memory until
 * the commit, beside the batch itself: a batch of 2/5 of the budget keeps
 * the two together under it (measured with bench/scale.sh). */
static size_t batch_limit(const sg_writer *w)
{
	return w->opt.mem_budget / 5 * 2;
}

/* Accumulates the busy chunk once its analysis is done; flushes when
 * the batch is over the budget. */
static int drain_busy(sg_writer *w, sg_error *err)
{
	struct chunk *c = w->busy;
	size_t i;
	int rc;

	if (!c)
		return SG_OK;
	rc = finish_analysis(w, err);
	for (i = 0; rc == SG_OK && i < c->n; i++)
		rc = accumulate(w, c, &c->docs[i], err);
	c->n = 0;
	sg_buf_reset(&c->arena);
	if (rc == SG_OK && batch_bytes(w) >= batch_limit(w))
		rc = flush(w, err);
	return rc;
}

/* Hands the filled chunk to the workers and accumulates the one they
 * analyzed before, so that both run at once. */
static int process_chunk(sg_writer *w, sg_error *err)
{
	struct chunk *c = w->fill;
	int rc = SG_OK;

	if (c->n == 0)
		return drain_busy(w, err);
	if (w->busy)
		rc = drain_busy(w, err);
	if (rc != SG_OK)
		return rc;
	start_analysis(w, c);
	w->fill = c == &w->chunks[0] ? &w->chunks[1] : &w->chunks[0];
	return SG_OK;
}

/* ------------------------------------------------------------ flush */

/* The dl of a document of this batch. */
static uint32_t batch_dl(const sg_writer *w, uint32_t docid)
{
	return w->docs[docid - w->docs[0].docid].dl;
}

/* Walks one term's batch postings (accum.h encoding). */
struct post_iter {
	const uint8_t *p, *end;
	int haspos;          /* 0 for a unigram (index.h) */
	uint32_t docid, tf;
	const uint8_t *pos;  /* its positions' bytes */
	size_t pos_len;
};

static int post_next(struct post_iter *it)
{
	uint32_t gap;

	if (it->p >= it->end)
		return 0;
	if (sg_varint_get32(&it->p, it->end, &gap) ||
	    sg_varint_get32(&it->p, it->end, &it->tf))
		return -1;
	it->docid += gap;
	it->pos = it->p;
	if (it->haspos && sg_varint_skip_fast(&it->p, it->end, it->tf))
		return -1;
	it->pos_len = (size_t)(it->p - it->pos);
	return 1;
}

/* The docid of a batch term's first posting (its first gap is from 0). */
static uint32_t first_docid(const sg_accum_term *t)
{
	const uint8_t *p = (const uint8_t *)t->post.data;
	uint32_t d = 0;

	(void)sg_varint_get32(&p, p + t->post.len, &d);
	return d;
}

static int put_block(sg_writer *w, MDB_txn *txn, uint32_t termid,
		     const uint32_t *docids, const uint32_t *tfs, uint32_t n,
		     uint32_t min_dl, const sg_buf *pos, unsigned flags,
		     sg_error *err)
{
	uint8_t kb[SG_PKEY_LEN];
	MDB_val k = { SG_PKEY_LEN, kb }, v;
	uint32_t i, max_tf = 0;
	int rc;

	for (i = 0; i < n; i++)
		if (tfs[i] > max_tf)
			max_tf = tfs[i];
	sg_buf_reset(&w->scratch);
	if (sg_block_encode(&w->scratch, docids, tfs, n, max_tf, min_dl))
		return sg_err(err, SG_ENOMEM, "out of memory");
	sg_pkey_put(kb, termid, docids[0]);
	v.mv_size = w->scratch.len;
	v.mv_data = w->scratch.data;
	rc = mdb_put(txn, w->idx->st.dbi[SG_DB_POSTINGS], &k, &v, flags);
	if (rc == MDB_SUCCESS && pos) {
		v.mv_size = pos->len;
		v.mv_data = pos->data;
		rc = mdb_put(txn, w->idx->st.dbi[SG_DB_POSITIONS], &k, &v,
			     flags);
	}
	return sg_store_fail(&w->idx->st, rc, "writing postings", err);
}

/* Writes one term's batch postings as blocks under `termid`, a fresh
 * termid larger than every stored one (index.h, the chain), so that every
 * block is appended (MDB_APPEND). Updates tr's min_dl. */
static int write_term(sg_writer *w, MDB_txn *txn, const sg_accum_term *t,
		      uint32_t termid, sg_termrec *tr, sg_error *err)
{
	uint32_t *docids = w->u32a, *tfs = w->u32b;
	uint32_t n = 0, min_dl = UINT32_MAX, bs = w->idx->block_size;
	sg_buf pos = SG_BUF_INIT;
	struct post_iter it;
	unsigned flags = MDB_APPEND;
	int rc = SG_OK, more;
	int haspos = sg_term_has_positions(sg_accum_term_bytes(&w->accum, t),
					   t->term_len);

	memset(&it, 0, sizeof(it));
	it.p = (const uint8_t *)t->post.data;
	it.end = it.p + t->post.len;
	it.haspos = haspos;
	while ((more = post_next(&it)) == 1) {
		uint32_t dl = batch_dl(w, it.docid);

		docids[n] = it.docid;
		tfs[n] = it.tf;
		if (dl < min_dl)
			min_dl = dl;
		if (sg_buf_append(&pos, it.pos, it.pos_len)) {
			rc = sg_err(err, SG_ENOMEM, "out of memory");
			goto out;
		}
		if (++n == bs) {
			rc = put_block(w, txn, termid, docids, tfs, n,
				       min_dl, haspos ? &pos : NULL, flags,
				       err);
			if (rc != SG_OK)
				goto out;
			n = 0;
			min_dl = UINT32_MAX;
			sg_buf_reset(&pos);
		}
		if (dl < tr->min_dl)
			tr->min_dl = dl;
	}
	if (more < 0) {
		rc = sg_err(err, SG_ECORRUPT, "bad batch postings");
		goto out;
	}
	if (n > 0)
		rc = put_block(w, txn, termid, docids, tfs, n, min_dl,
			       haspos ? &pos : NULL, flags, err);
out:
	sg_buf_release(&pos);
	return rc;
}

/* Removes docid from the index inside txn: lowers its terms' df and cf (by
 * re-analyzing its stored text), marks its length dead, deletes its record
 * and, unless the id now names another docid, its id. */
static int delete_doc(sg_writer *w, MDB_txn *txn, uint32_t docid,
		      sg_meta_stats *ms, sg_error *err)
{
	sg_index *idx = w->idx;
	uint8_t kb[4];
	MDB_val k = { 4, kb }, v, ik;
	sg_docrec r;
	uint32_t dl;
	size_t n_invalid;
	sg_buf rec = SG_BUF_INIT, terms = SG_BUF_INIT, tv = SG_BUF_INIT;
	const uint8_t *q, *end;
	int rc;

	sg_be32_put(kb, docid);
	rc = mdb_get(txn, idx->st.dbi[SG_DB_DOCS], &k, &v);
	if (rc != MDB_SUCCESS)
		return sg_store_fail(&idx->st, rc, "reading a document", err);
	/* Copy: the puts below may move the page the record lives on. */
	if (sg_buf_append(&rec, v.mv_data, v.mv_size)) {
		rc = sg_err(err, SG_ENOMEM, "out of memory");
		goto out;
	}
	if (sg_docrec_decode(&r, rec.data, rec.len) != SG_OK ||
	    sg_docrec_texts(&r, &w->scratch) != SG_OK ||
	    r.n_texts != idx->n_fields) {
		rc = sg_err(err, SG_ECORRUPT,
			    "%s: the record of docid %u is corrupt; rebuild "
			    "the index", idx->st.dir, docid);
		goto out;
	}
	rc = analyze_doc(&w->mainwk, r.texts, r.n_texts, &terms, &dl,
			 &n_invalid, err);
	if (rc != SG_OK)
		goto out;
	q = (const uint8_t *)terms.data;
	end = q + terms.len;
	while (q < end) {
		uint64_t len;
		uint32_t tf;
		const char *term;
		sg_termrec tr;
		MDB_val tk, tval;

		if (sg_varint_get64(&q, end, &len) ||
		    len + 8 > (uint64_t)(end - q)) {
			rc = sg_err(err, SG_ECORRUPT, "bad analysis buffer");
			goto out;
		}
		term = (const char *)q;
		q += len + 8; /* the term, then its hash */
		if (sg_varint_get32(&q, end, &tf) ||
		    (sg_term_has_positions(term, (size_t)len) &&
		     sg_varint_skip(&q, end, tf))) {
			rc = sg_err(err, SG_ECORRUPT, "bad analysis buffer");
			goto out;
		}
		rc = sg_term_get(idx, txn, term, (size_t)len, &tr, err);
		if (rc != SG_OK || tr.df == 0 || tr.cf < tf) {
			rc = sg_err(err, SG_ECORRUPT,
				    "%s: term '%.*s' of docid %u is missing from "
				    "the dictionary; rebuild the index",
				    idx->st.dir, (int)len, term, docid);
			goto out;
		}
		tr.df--;
		tr.cf -= tf;
		sg_buf_reset(&tv);
		if (sg_termrec_encode(&tv, &tr)) {
			rc = sg_err(err, SG_ENOMEM, "out of memory");
			goto out;
		}
		tk.mv_size = (size_t)len;
		tk.mv_data = (void *)term;
		tval.mv_size = tv.len;
		tval.mv_data = tv.data;
		rc = sg_store_fail(&idx->st,
				   mdb_put(txn, idx->st.dbi[SG_DB_TERMS], &tk,
					   &tval, 0), "writing a term", err);
		if (rc != SG_OK)
			goto out;
	}
	ik.mv_size = r.id.len;
	ik.mv_data = (void *)r.id.ptr;
	rc = mdb_get(txn, idx->st.dbi[SG_DB_IDS], &ik, &v);
	if (rc == MDB_SUCCESS && v.mv_size == 4 &&
	    sg_be32_get(v.mv_data) == docid)
		rc = mdb_del(txn, idx->st.dbi[SG_DB_IDS], &ik, NULL);
	else if (rc == MDB_NOTFOUND || rc == MDB_SUCCESS)
		rc = MDB_SUCCESS;
	if (rc == MDB_SUCCESS)
		rc = mdb_del(txn, idx->st.dbi[SG_DB_DOCS], &k, NULL);
	rc = sg_store_fail(&idx->st, rc, "deleting a document", err);
	if (rc == SG_OK)
		rc = sg_length_set(idx, txn, docid, SG_DL_DEAD, err);
	if (rc == SG_OK) {
		ms->n_docs--;
		ms->total_len -= r.dl;
		ms->n_dead++;
	}
out:
	sg_buf_release(&rec);
	sg_buf_release(&terms);
	sg_buf_release(&tv);
	return rc;
}

static int put_termrec(sg_writer *w, MDB_txn *txn, const char *term,
		       size_t len, const sg_termrec *tr, unsigned flags,
		       sg_error *err)
{
	MDB_val k = { len, (void *)term }, v;

	sg_buf_reset(&w->scratch);
	if (sg_termrec_encode(&w->scratch, tr))
		return sg_err(err, SG_ENOMEM, "out of memory");
	v.mv_size = w->scratch.len;
	v.mv_data = w->scratch.data;
	return sg_store_fail(&w->idx->st,
			     mdb_put(txn, w->idx->st.dbi[SG_DB_TERMS], &k, &v,
				     flags), "writing a term", err);
}

/* Sets the length slots of the batch's documents, one put per chunk. */
static int write_lengths(sg_writer *w, MDB_txn *txn, sg_error *err)
{
	uint8_t kb[4], chunk[SG_LEN_CHUNK * 4];
	MDB_val k = { 4, kb }, v;
	size_t i = 0, j;
	int rc;

	while (i < w->n_docs) {
		uint32_t c = w->docs[i].docid / SG_LEN_CHUNK;

		sg_be32_put(kb, c);
		rc = mdb_get(txn, w->idx->st.dbi[SG_DB_LENGTHS], &k, &v);
		if (rc == MDB_SUCCESS && v.mv_size == sizeof(chunk))
			memcpy(chunk, v.mv_data, sizeof(chunk));
		else if (rc == MDB_NOTFOUND)
			for (j = 0; j < SG_LEN_CHUNK; j++)
				sg_le32_put(chunk + 4 * j, SG_DL_DEAD);
		else
			return rc == MDB_SUCCESS ?
			       sg_err(err, SG_ECORRUPT, "%s: a lengths record "
				      "is corrupt; rebuild the index",
				      w->idx->st.dir) :
			       sg_store_fail(&w->idx->st, rc, "lengths", err);
		for (; i < w->n_docs && w->docs[i].docid / SG_LEN_CHUNK == c; i++)
			sg_le32_put(chunk + 4 * (w->docs[i].docid % SG_LEN_CHUNK),
				    w->docs[i].dl);
		v.mv_size = sizeof(chunk);
		v.mv_data = chunk;
		rc = mdb_put(txn, w->idx->st.dbi[SG_DB_LENGTHS], &k, &v, 0);
		if (rc != MDB_SUCCESS)
			return sg_store_fail(&w->idx->st, rc, "lengths", err);
	}
	return SG_OK;
}

/* Writes the whole batch in one transaction (see the essay at the top). */
static int write_batch(sg_writer *w, MDB_txn *txn, sg_error *err)
{
	sg_index *idx = w->idx;
	sg_meta_stats ms;
	size_t i;
	MDB_stat st;
	int rc;

	if (idx->fresh && (rc = sg_meta_write_header(idx, txn, err)) != SG_OK)
		return rc;
	if ((rc = sg_meta_read_stats(idx, txn, &ms, err)) != SG_OK)
		return rc;
	for (i = 0; i < w->n_deletes; i++)
		if ((rc = delete_doc(w, txn, w->deletes[i], &ms, err)) != SG_OK)
			return rc;

	/* Every term of the batch gets the next termid, in term byte order,
	 * so all its blocks are appended after every stored key. A term the
	 * dictionary has already gets the new termid as the next element of
	 * its chain (index.h); a new term starts with it. The dictionary
	 * itself can be appended to only while it is empty. */
	rc = mdb_stat(txn, idx->st.dbi[SG_DB_TERMS], &st);
	if (rc != MDB_SUCCESS) {
		rc = sg_store_fail(&idx->st, rc, "terms", err);
		goto out;
	}
	for (i = 0; i < w->accum.n_terms; i++) {
		const sg_accum_term *t = &w->accum.terms[i];
		const char *term = sg_accum_term_bytes(&w->accum, t);
		uint32_t termid = ms.next_termid, first;
		sg_termrec tr;
		int is_new;

		if (ms.next_termid == UINT32_MAX) {
			rc = sg_err(err, SG_ETOOBIG, "termids exhausted");
			goto out;
		}
		ms.next_termid++;
		rc = sg_term_get(idx, txn, term, t->term_len, &tr, err);
		is_new = rc == SG_ENOTFOUND;
		if (is_new) {
			memset(&tr, 0, sizeof(tr));
			tr.termid = termid;
			tr.min_dl = UINT32_MAX;
		} else if (rc != SG_OK) {
			goto out;
		} else {
			/* Copy the chain now: the record's bytes live in the
			 * map, and the puts below may move pages. */
			sg_buf_reset(&w->chain);
			if (sg_buf_append(&w->chain, tr.more, tr.more_len)) {
				rc = sg_err(err, SG_ENOMEM, "out of memory");
				goto out;
			}
		}
		rc = write_term(w, txn, t, termid, &tr, err);
		if (rc != SG_OK)
			goto out;
		tr.df += t->n_docs;
		tr.cf += t->cf;
		if (t->max_tf > tr.max_tf)
			tr.max_tf = t->max_tf;
		if (!is_new) {
			/* The chain grows by (termid, first docid of the
			 * batch's postings). */
			if (sg_buf_put_varint(&w->chain, termid)) {
				rc = sg_err(err, SG_ENOMEM, "out of memory");
				goto out;
			}
			first = first_docid(t);
			if (sg_buf_put_varint(&w->chain, first)) {
				rc = sg_err(err, SG_ENOMEM, "out of memory");
				goto out;
			}
			tr.n_more++;
			tr.more = (const uint8_t *)w->chain.data;
			tr.more_len = w->chain.len;
		}
		rc = put_termrec(w, txn, term, t->term_len, &tr,
				 st.ms_entries == 0 ? MDB_APPEND : 0, err);
		if (rc != SG_OK)
			goto out;
	}

	/* Documents, ids and lengths. */
	for (i = 0; i < w->n_docs; i++) {
		const struct batch_doc *bd = &w->docs[i];
		uint8_t kb[4];
		MDB_val k = { 4, kb }, v;
		sg_docrec r;

		sg_be32_put(kb, bd->docid);
		v.mv_size = bd->rec_len;
		v.mv_data = w->batch_recs.data + bd->rec_off;
		rc = mdb_put(txn, idx->st.dbi[SG_DB_DOCS], &k, &v, MDB_APPEND);
		if (rc == MDB_SUCCESS) {
			if (sg_docrec_decode(&r, v.mv_data, v.mv_size)) {
				rc = sg_err(err, SG_ECORRUPT, "bad batch record");
				goto out;
			}
			k.mv_size = r.id.len;
			k.mv_data = (void *)r.id.ptr;
			v.mv_size = 4;
			v.mv_data = kb;
			rc = mdb_put(txn, idx->st.dbi[SG_DB_IDS], &k, &v, 0);
		}
		rc = sg_store_fail(&idx->st, rc, "writing a document", err);
		if (rc != SG_OK)
			goto out;
		ms.n_docs++;
		ms.total_len += bd->dl;
	}
	rc = write_lengths(w, txn, err);
	if (rc != SG_OK)
		goto out;
	ms.next_docid = w->next_docid;
	rc = sg_meta_write_stats(idx, txn, &ms, err);
out:
	return rc;
}

static void reset_batch(sg_writer *w)
{
	sg_accum_reset(&w->accum);
	w->n_docs = 0;
	sg_buf_reset(&w->batch_recs);
	w->n_deletes = 0;
	if (w->ids)
		memset(w->ids, 0, w->n_id_slots * sizeof(*w->ids));
	w->n_ids = 0;
	sg_buf_reset(&w->id_arena);
}

/* The batch's id set must still know the documents queued in the chunks
 * (not committed yet), or a later duplicate of one would go unnoticed. */
static int remember_queued_ids(sg_writer *w, sg_error *err)
{
	const struct chunk *cs[2] = { w->fill, w->busy };
	size_t k, i;

	for (k = 0; k < 2; k++) {
		if (!cs[k])
			continue;
		for (i = 0; i < cs[k]->n; i++) {
			const struct pending *p = &cs[k]->docs[i];
			const char *id = cs[k]->arena.data + p->id_off;

			if (id_insert(w, id, p->id_len,
				      XXH3_64bits(id, p->id_len), p->hash, 0))
				return sg_err(err, SG_ENOMEM, "out of memory");
		}
	}
	return SG_OK;
}

static int renew_rtxn(sg_writer *w, sg_error *err)
{
	int rc;

	if (w->rtxn) {
		rc = mdb_txn_renew(w->rtxn);
		if (rc == MDB_SUCCESS)
			return SG_OK;
		mdb_txn_abort(w->rtxn);
		w->rtxn = NULL;
	}
	return sg_store_begin(&w->idx->st, 0, &w->rtxn, err);
}

/* Commits the batch. A full map is grown and the batch written again. */
static int flush(sg_writer *w, sg_error *err)
{
	MDB_txn *txn;
	int rc, attempt;

	if (w->n_docs == 0 && w->n_deletes == 0 && !w->idx->fresh)
		return SG_OK;
	sg_accum_sort(&w->accum);
	mdb_txn_reset(w->rtxn);
	for (attempt = 0;; attempt++) {
		size_t mapsize = w->idx->st.mapsize;

		rc = sg_store_begin(&w->idx->st, 1, &txn, err);
		if (rc != SG_OK)
			break;
		rc = write_batch(w, txn, err);
		if (rc == SG_OK) {
			rc = sg_store_commit(&w->idx->st, txn, err);
		} else {
			mdb_txn_abort(txn);
			if (rc == SG_EFULL && w->idx->st.mapsize == mapsize)
				(void)sg_store_grow(&w->idx->st, NULL);
		}
		/* A full map grew in sg_store_fail: write the batch again. */
		if (rc != SG_EFULL || w->idx->st.mapsize == mapsize ||
		    attempt == 40)
			break;
	}
	if (rc == SG_OK) {
		w->counts.batches++;
		w->counts.indexed += w->b_indexed;
		w->counts.replaced += w->b_replaced;
		w->counts.deleted += w->b_deleted;
		w->b_indexed = w->b_replaced = w->b_deleted = 0;
		reset_batch(w);
		rc = remember_queued_ids(w, err);
	}
	if (renew_rtxn(w, rc == SG_OK ? err : NULL) != SG_OK && rc == SG_OK)
		rc = err ? err->code : SG_ESTORE;
	return rc;
}

/* ------------------------------------------------------------ public */

int sg_writer_open(sg_index *idx, const sg_writer_options *opt,
		   sg_writer **out, sg_error *err)
{
	sg_writer_options defaults = SG_WRITER_OPTIONS_INIT;
	sg_meta_stats ms;
	sg_writer *w;
	unsigned t;
	long cores;
	int rc;

	*out = NULL;
	if (idx->st.readonly)
		return sg_err(err, SG_EINVAL, "%s: opened read-only",
			      idx->st.dir);
	w = sg_calloc(1, sizeof(*w));
	if (!w)
		return sg_err(err, SG_ENOMEM, "out of memory");
	w->idx = idx;
	w->opt = opt ? *opt : defaults;
	if (!w->opt.mem_budget)
		w->opt.mem_budget = (size_t)256 << 20;
	cores = sysconf(_SC_NPROCESSORS_ONLN);
	w->n_threads = w->opt.threads ? w->opt.threads :
		       (unsigned)(cores > 0 ? cores : 1);
	if (w->n_threads > MAX_THREADS)
		w->n_threads = MAX_THREADS;
	for (t = 0; t < w->n_threads; t++) {
		w->workers[t].w = w;
		rc = sg_analysis_new(idx->an, &w->workers[t].an, err);
		if (rc != SG_OK)
			goto fail;
		sg_analysis_set_terms_only(w->workers[t].an, 1);
	}
	w->mainwk.w = w;
	rc = sg_analysis_new(idx->an, &w->mainwk.an, err);
	if (rc != SG_OK)
		goto fail;
	w->fill = &w->chunks[0];
	w->u32a = sg_malloc(SG_BLOCK_MAX * 2 * sizeof(uint32_t));
	if (!w->u32a) {
		rc = sg_err(err, SG_ENOMEM, "out of memory");
		goto fail;
	}
	w->u32b = w->u32a + SG_BLOCK_MAX;
	rc = sg_store_begin(&idx->st, 0, &w->rtxn, err);
	if (rc != SG_OK)
		goto fail;
	rc = sg_meta_read_stats(idx, w->rtxn, &ms, err);
	if (rc != SG_OK)
		goto fail;
	w->next_docid = ms.next_docid;
	*out = w;
	return SG_OK;
fail:
	sg_writer_free(w);
	return rc;
}

/* Looks an id up in the batch and the index: *old gets its docid in the
 * index (0 if none), *in_batch the batch's entry. */
static int find_id(sg_writer *w, const char *id, size_t len, uint64_t h,
		   struct batch_id **in_batch, uint32_t *old,
		   uint64_t *old_hash, sg_error *err)
{
	MDB_val k = { len, (void *)id }, v;
	sg_docrec r;
	int rc;

	*old = 0;
	*in_batch = id_find(w, id, len, h);
	if (*in_batch)
		return SG_OK;
	rc = mdb_get(w->rtxn, w->idx->st.dbi[SG_DB_IDS], &k, &v);
	if (rc == MDB_NOTFOUND)
		return SG_OK;
	if (rc != MDB_SUCCESS)
		return sg_store_fail(&w->idx->st, rc, "reading ids", err);
	if (v.mv_size != 4)
		return sg_err(err, SG_ECORRUPT, "%s: bad ids record",
			      w->idx->st.dir);
	*old = sg_be32_get(v.mv_data);
	{
		uint8_t kb[4];
		MDB_val dk = { 4, kb };

		sg_be32_put(kb, *old);
		rc = mdb_get(w->rtxn, w->idx->st.dbi[SG_DB_DOCS], &dk, &v);
		if (rc != MDB_SUCCESS || sg_docrec_decode(&r, v.mv_data,
							  v.mv_size))
			return sg_err(err, SG_ECORRUPT,
				      "%s: the record of id '%.*s' is missing "
				      "or corrupt; rebuild the index",
				      w->idx->st.dir, (int)len, id);
		*old_hash = r.hash;
	}
	return SG_OK;
}

/* Commits what is queued so far (both chunks and the batch). */
static int commit_all(sg_writer *w, sg_error *err)
{
	int rc = process_chunk(w, err);

	if (rc == SG_OK)
		rc = drain_busy(w, err);
	return rc == SG_OK ? flush(w, err) : rc;
}

int sg_writer_add(sg_writer *w, const sg_doc *doc, sg_error *err)
{
	sg_index *idx = w->idx;
	struct batch_id *b;
	struct pending *p;
	uint64_t h, dh, old_hash = 0;
	uint32_t old;
	size_t f, bytes = 0;
	int rc;

	if (doc->id.len == 0)
		return sg_err(err, SG_EINVAL, "empty id");
	if (doc->id.len > SG_ID_MAX)
		return sg_err(err, SG_EINVAL,
			      "id of %zu bytes; ids are at most %d bytes",
			      doc->id.len, SG_ID_MAX);
	if (doc->n_texts != idx->n_fields)
		return sg_err(err, SG_EINVAL, "%zu texts for %zu fields",
			      doc->n_texts, idx->n_fields);
	for (f = 0; f < doc->n_texts; f++)
		bytes += doc->texts[f].len;
	h = XXH3_64bits(doc->id.ptr, doc->id.len);
	if (sg_docrec_hash(doc, &w->scratch, &dh) != SG_OK)
		return sg_err(err, SG_ENOMEM, "out of memory");
	rc = find_id(w, doc->id.ptr, doc->id.len, h, &b, &old, &old_hash, err);
	if (rc != SG_OK)
		return rc;
	if (b) {
		if (!b->deleted && b->doc_hash == dh) {
			w->counts.unchanged++;
			return SG_OK;
		}
		/* The batch already adds or deletes this id: commit it so
		 * that this document replaces the committed one. */
		rc = commit_all(w, err);
		if (rc == SG_OK)
			rc = find_id(w, doc->id.ptr, doc->id.len, h, &b, &old,
				     &old_hash, err);
		if (rc != SG_OK)
			return rc;
	}
	if (old && old_hash == dh) {
		w->counts.unchanged++;
		return SG_OK;
	}
	rc = id_insert(w, doc->id.ptr, doc->id.len, h, dh, 0);
	if (rc != SG_OK)
		return sg_err(err, rc, "out of memory");

	p = &w->fill->docs[w->fill->n];
	sg_buf_reset(&p->terms);
	p->hash = dh;
	p->old_docid = old;
	p->rc = SG_OK;
#define COPY(field_off, field_len, s)                                       \
	do {                                                                \
		p->field_off = w->fill->arena.len;                          \
		p->field_len = (s).len;                                     \
		if (sg_buf_append(&w->fill->arena, (s).ptr, (s).len))       \
			return sg_err(err, SG_ENOMEM, "out of memory");     \
	} while (0)
	COPY(id_off, id_len, doc->id);
	COPY(title_off, title_len, doc->title);
	COPY(stored_off, stored_len, doc->stored);
	for (f = 0; f < doc->n_texts; f++)
		COPY(text_off[f], text_len[f], doc->texts[f]);
#undef COPY
	w->fill->n++;
	if (old)
		w->q_replaced++;
	else
		w->q_indexed++;
	w->counts.bytes += bytes;
	if (w->fill->n == CHUNK_DOCS || w->fill->arena.len >= CHUNK_BYTES)
		return process_chunk(w, err);
	return SG_OK;
}

int sg_writer_delete(sg_writer *w, const char *id, size_t len, sg_error *err)
{
	struct batch_id *b;
	uint64_t h = XXH3_64bits(id, len), old_hash;
	uint32_t old;
	int rc;

	rc = find_id(w, id, len, h, &b, &old, &old_hash, err);
	if (rc == SG_OK && b) {
		rc = commit_all(w, err);
		if (rc == SG_OK)
			rc = find_id(w, id, len, h, &b, &old, &old_hash, err);
	}
	if (rc != SG_OK)
		return rc;
	if (!old) {
		w->counts.not_found++;
		return SG_OK;
	}
	rc = id_insert(w, id, len, h, 0, 1);
	if (rc == SG_OK)
		rc = sg_grow_array((void **)&w->deletes, &w->cap_deletes,
				w->n_deletes + 1, sizeof(*w->deletes));
	if (rc != SG_OK)
		return sg_err(err, rc, "out of memory");
	w->deletes[w->n_deletes++] = old;
	w->b_deleted++;
	return SG_OK;
}

/* Compaction starts by itself once deleted documents' postings make up a
 * quarter of the documents the postings hold. */
static int compact_if_due(sg_writer *w, sg_error *err)
{
	sg_meta_stats ms;
	int rc = sg_meta_read_stats(w->idx, w->rtxn, &ms, err);

	if (rc != SG_OK || ms.n_dead == 0 ||
	    ms.n_dead * 4 < ms.n_docs + ms.n_dead)
		return rc;
	return sg_writer_compact(w, err);
}

int sg_writer_commit(sg_writer *w, sg_error *err)
{
	int rc = commit_all(w, err);

	return rc == SG_OK ? compact_if_due(w, err) : rc;
}

void sg_writer_get_counts(const sg_writer *w, sg_writer_counts *out)
{
	*out = w->counts;
	out->pending = w->q_indexed + w->q_replaced + w->b_indexed +
		       w->b_replaced + w->b_deleted;
}

void sg_writer_free(sg_writer *w)
{
	size_t i;
	unsigned t;

	if (!w)
		return;
	/* The worker threads first: they use the workers' state freed below
	 * (and the chunk's documents). */
	stop_analysis(w);
	if (w->rtxn)
		mdb_txn_abort(w->rtxn);
	for (t = 0; t < MAX_THREADS; t++) {
		sg_analysis_free(w->workers[t].an);
		sg_buf_release(&w->workers[t].arena);
		sg_free(w->workers[t].occ);
		sg_free(w->workers[t].table);
		sg_buf_release(&w->workers[t].scratch);
	}
	for (i = 0; i < CHUNK_DOCS; i++) {
		sg_buf_release(&w->chunks[0].docs[i].terms);
		sg_buf_release(&w->chunks[1].docs[i].terms);
		sg_buf_release(&w->chunks[0].docs[i].section);
		sg_buf_release(&w->chunks[1].docs[i].section);
	}
	sg_buf_release(&w->chunks[0].arena);
	sg_buf_release(&w->chunks[1].arena);
	sg_analysis_free(w->mainwk.an);
	sg_buf_release(&w->mainwk.arena);
	sg_free(w->mainwk.occ);
	sg_free(w->mainwk.table);
	sg_accum_release(&w->accum);
	sg_free(w->docs);
	sg_buf_release(&w->batch_recs);
	sg_free(w->deletes);
	sg_free(w->ids);
	sg_buf_release(&w->id_arena);
	sg_buf_release(&w->scratch);
	sg_buf_release(&w->chain);
	sg_free(w->u32a);
	sg_free(w);
}

int sg_writer_compact(sg_writer *w, sg_error *err)
{
	int rc = commit_all(w, err);

	if (rc == SG_OK) {
		mdb_txn_reset(w->rtxn);
		rc = sg_compact(w->idx, err);
		if (renew_rtxn(w, rc == SG_OK ? err : NULL) != SG_OK &&
		    rc == SG_OK)
			rc = err ? err->code : SG_ESTORE;
	}
	return rc;
}
