/*
 * batch.c — the writer's batch (writer_internal.h, "interface to batch.c"):
 * analyzed chunks accumulated into it, and the flush that commits it.
 *
 * Accumulating happens on the calling thread, in input order, once a
 * chunk's analysis is joined (analyze.c): each document gets the next
 * docid, its terms' postings go into the accumulator (accum.h), its record
 * into batch_recs. The calling thread hands the next chunk to the workers
 * before it accumulates the previous one, so that both run at once.
 *
 * The flush writes the whole batch in ONE write transaction, in this order:
 * the deletions (delete.c); every term of the batch, in term byte order,
 * under the next termid with its blocks appended (postings_write.h) and its
 * record updated or created; the documents and ids; the lengths slots; the
 * stats. Once the batch holds its share of the memory budget
 * (batch_limit) it is flushed; sg_writer_commit flushes whatever is left.
 *
 * Retry: a full LMDB map cannot grow while our write transaction is open,
 * so the transaction is aborted, the map grown and the same in-memory
 * batch written again from the start (at most 40 times). Nothing of the
 * batch is consumed until its transaction has committed.
 */
#include "writer_internal.h"

#include <string.h>
#include <xxhash.h>

#include "alloc.h"
#include "columns.h"
#include "docrec.h"
#include "error.h"
#include "tables.h"
#include "varint.h"

/* ------------------------------------------------------------ accumulate */

int sg_batch_add_delete(sg_writer *w, uint32_t docid)
{
	int rc = sg_grow_array((void **)&w->deletes, &w->cap_deletes,
			       w->n_deletes + 1, sizeof(*w->deletes));

	if (rc == SG_OK)
		w->deletes[w->n_deletes++] = docid;
	return rc;
}

/* Adds one analyzed document of the chunk to the batch. */
static int accumulate(sg_writer *w, const struct chunk *c, struct pending *p,
		      sg_error *err)
{
	const char *arena = c->arena.data;
	const uint8_t *q = (const uint8_t *)p->terms.data;
	const uint8_t *end = q + p->terms.len;
	sg_slice texts[SG_FIELDS_MAX];
	struct analyzed_term t;
	struct batch_doc *bd;
	sg_doc doc;
	uint32_t docid = w->next_docid;
	int rc;

	if (docid == UINT32_MAX)
		return sg_err(err, SG_ETOOBIG,
			      "%s: docids exhausted (2^32 - 1 documents added "
			      "over the index's life); rebuild the index",
			      w->idx->st.dir);
	if (p->old_docid && sg_batch_add_delete(w, p->old_docid) != SG_OK)
		return sg_err(err, SG_ENOMEM, "out of memory");
	while ((rc = sg_analyzed_next(&q, end, &t)) == 1) {
		rc = sg_accum_add_hashed(&w->accum, t.term, t.len, t.hash,
					 docid, t.tf, t.pos, t.pos_len);
		if (rc != SG_OK)
			return sg_err(err, rc, "out of memory");
	}
	if (rc != 0)
		return sg_err(err, SG_ECORRUPT, "bad analysis buffer");

	rc = sg_grow_array((void **)&w->docs, &w->cap_docs, w->n_docs + 1,
			   sizeof(*w->docs));
	if (rc != SG_OK)
		return sg_err(err, rc, "out of memory");
	sg_chunk_texts(w, c, p, texts);
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
	bd->fp_off = w->batch_fieldpos.len;
	if (sg_fieldpos_present(w->idx) &&
	    sg_fieldpos_encode(&w->batch_fieldpos, p->spans,
			       w->idx->n_fields) != SG_OK)
		return sg_err(err, SG_ENOMEM, "out of memory");
	bd->fp_len = w->batch_fieldpos.len - bd->fp_off;
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
	       w->batch_fieldpos.cap +
	       w->cap_docs * sizeof(*w->docs) + sg_idset_bytes(&w->ids);
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
	rc = sg_chunk_analyze_finish(w, err);
	for (i = 0; rc == SG_OK && i < c->n; i++)
		rc = accumulate(w, c, &c->docs[i], err);
	c->n = 0;
	sg_buf_reset(&c->arena);
	if (rc == SG_OK && batch_bytes(w) >= batch_limit(w))
		rc = flush(w, err);
	return rc;
}

int sg_batch_queue_chunk(sg_writer *w, sg_error *err)
{
	struct chunk *c = w->fill;
	int rc = SG_OK;

	if (c->n == 0)
		return drain_busy(w, err);
	if (w->busy)
		rc = drain_busy(w, err);
	if (rc != SG_OK)
		return rc;
	sg_chunk_analyze_start(w, c);
	w->fill = c == &w->chunks[0] ? &w->chunks[1] : &w->chunks[0];
	return SG_OK;
}

int sg_batch_commit(sg_writer *w, sg_error *err)
{
	int rc = sg_batch_queue_chunk(w, err);

	if (rc == SG_OK)
		rc = drain_busy(w, err);
	return rc == SG_OK ? flush(w, err) : rc;
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

/* Writes one term's batch postings as blocks under `termid`, a fresh
 * termid larger than every stored one (index.h, the chain), so that every
 * block is appended. Updates tr's min_dl. */
static int write_term(sg_writer *w, MDB_txn *txn, const sg_accum_term *t,
		      uint32_t termid, sg_termrec *tr, sg_error *err)
{
	struct post_iter it;
	int rc, more;
	int haspos = sg_term_has_positions(sg_accum_term_bytes(&w->accum, t),
					   t->term_len);

	memset(&it, 0, sizeof(it));
	it.p = (const uint8_t *)t->post.data;
	it.end = it.p + t->post.len;
	it.haspos = haspos;
	sg_block_writer_begin(&w->bw, txn, termid, haspos, 1);
	while ((more = post_next(&it)) == 1) {
		uint32_t dl = batch_dl(w, it.docid);

		rc = sg_block_writer_add(&w->bw, it.docid, it.tf, dl, it.pos,
					 it.pos_len, err);
		if (rc != SG_OK)
			return rc;
		if (dl < tr->min_dl)
			tr->min_dl = dl;
	}
	if (more < 0)
		return sg_err(err, SG_ECORRUPT, "bad batch postings");
	return sg_block_writer_finish(&w->bw, err);
}

/* Sets the length slots of the batch's documents, one put per chunk. */
static int write_lengths(sg_writer *w, MDB_txn *txn, sg_error *err)
{
	uint8_t chunk[SG_LEN_CHUNK * 4];
	size_t i = 0;
	int rc;

	while (i < w->n_docs) {
		uint32_t c = w->docs[i].docid / SG_LEN_CHUNK;

		rc = sg_lengths_chunk_read(w->idx, txn, c, chunk, err);
		if (rc != SG_OK)
			return rc;
		for (; i < w->n_docs && w->docs[i].docid / SG_LEN_CHUNK == c; i++)
			sg_le32_put(chunk + 4 * (w->docs[i].docid % SG_LEN_CHUNK),
				    w->docs[i].dl);
		rc = sg_lengths_chunk_write(w->idx, txn, c, chunk, err);
		if (rc != SG_OK)
			return rc;
	}
	return SG_OK;
}

/* Adds the batch's postings of every term: each gets the next termid, in
 * term byte order, so all its blocks are appended after every stored key.
 * A term the dictionary has already gets the new termid as the next
 * element of its chain (index.h); a new term starts with it. The
 * dictionary itself can be appended to only while it is empty. */
static int write_terms(sg_writer *w, MDB_txn *txn, sg_meta_stats *ms,
		       sg_error *err)
{
	sg_index *idx = w->idx;
	size_t i, n_stored;
	int rc;

	rc = sg_terms_count(idx, txn, &n_stored, err);
	if (rc != SG_OK)
		return rc;
	for (i = 0; i < w->accum.n_terms; i++) {
		const sg_accum_term *t = &w->accum.terms[i];
		const char *term = sg_accum_term_bytes(&w->accum, t);
		uint32_t termid = ms->next_termid;
		sg_termrec tr;
		int is_new;

		rc = sg_cancel_check(&w->cancel, "the batch was abandoned; "
				     "the index holds the batches committed "
				     "before it", err);
		if (rc != SG_OK)
			return rc;
		if (ms->next_termid == UINT32_MAX)
			return sg_err(err, SG_ETOOBIG, "termids exhausted");
		ms->next_termid++;
		rc = sg_term_get(idx, txn, term, t->term_len, &tr, err);
		is_new = rc == SG_ENOTFOUND;
		if (is_new) {
			memset(&tr, 0, sizeof(tr));
			tr.termid = termid;
			tr.min_dl = UINT32_MAX;
		} else if (rc != SG_OK) {
			return rc;
		} else {
			/* Copy the chain now: the record's bytes live in the
			 * map, and the puts below may move pages. */
			sg_buf_reset(&w->chain);
			if (sg_buf_append(&w->chain, tr.more, tr.more_len))
				return sg_err(err, SG_ENOMEM, "out of memory");
		}
		rc = write_term(w, txn, t, termid, &tr, err);
		if (rc != SG_OK)
			return rc;
		tr.df += t->n_docs;
		tr.cf += t->cf;
		if (t->max_tf > tr.max_tf)
			tr.max_tf = t->max_tf;
		if (!is_new) {
			/* The chain grows by (termid, first docid of the
			 * batch's postings). */
			if (sg_buf_put_varint(&w->chain, termid) ||
			    sg_buf_put_varint(&w->chain, first_docid(t)))
				return sg_err(err, SG_ENOMEM, "out of memory");
			tr.n_more++;
			tr.more = (const uint8_t *)w->chain.data;
			tr.more_len = w->chain.len;
		}
		rc = sg_termrec_put(idx, txn, &w->scratch, term, t->term_len,
				    &tr, n_stored == 0, err);
		if (rc != SG_OK)
			return rc;
	}
	return SG_OK;
}

/* Writes the whole batch in one transaction (see the essay at the top). */
/* The declared columns of one document, read from its stored JSON: a
 * record for each value present (columns.h). */
static int write_columns(sg_writer *w, MDB_txn *txn, uint32_t docid,
			 const sg_docrec *r, sg_error *err)
{
	sg_index *idx = w->idx;
	sg_value v[SG_COLUMNS_MAX];
	size_t c;
	int rc;

	rc = sg_values_from_json(r->stored.ptr, r->stored.len, idx->column,
				 idx->n_columns, v, &w->col_strs);
	for (c = 0; rc == SG_OK && c < idx->n_columns; c++) {
		if (v[c].kind == SG_VALUE_MISSING)
			continue;
		sg_buf_reset(&w->col_val);
		rc = sg_value_encode(&w->col_val, &v[c]);
		if (rc == SG_OK)
			rc = sg_column_put(idx, txn, (unsigned)c, docid,
					   w->col_val.data, w->col_val.len,
					   err);
	}
	if (rc == SG_ENOMEM)
		return sg_err(err, rc, "out of memory");
	return rc;
}

/* One document's fieldpos record, and its fields' lengths into the
 * totals of meta "fieldstats". */
static int write_fieldpos(sg_writer *w, MDB_txn *txn,
			  const struct batch_doc *bd, sg_error *err)
{
	sg_fieldspan s[SG_FIELDS_MAX];
	const char *rec = w->batch_fieldpos.data + bd->fp_off;

	if (sg_fieldpos_decode(rec, bd->fp_len, s, w->idx->n_fields) != SG_OK)
		return sg_err(err, SG_ECORRUPT, "bad batch fieldpos record");
	sg_fieldstats_add(w->field_totals, s, w->idx->n_fields, +1);
	return sg_fieldpos_put(w->idx, txn, bd->docid, rec, bd->fp_len, err);
}

static int write_batch(sg_writer *w, MDB_txn *txn, sg_error *err)
{
	sg_index *idx = w->idx;
	sg_meta_stats ms;
	size_t i;
	int rc;

	if (idx->fresh && (rc = sg_meta_write_header(idx, txn, err)) != SG_OK)
		return rc;
	if ((rc = sg_meta_read_stats(idx, txn, &ms, err)) != SG_OK)
		return rc;
	memset(w->field_totals, 0, sizeof(w->field_totals));
	if (sg_fieldpos_present(idx)) {
		rc = sg_meta_read_fieldstats(idx, txn, w->field_totals, err);
		if (rc == SG_ENOTFOUND && ms.n_docs > 0)
			return sg_err(err, SG_ECORRUPT, "%s: meta \"fieldstats\" "
				      "is missing; rebuild the index",
				      idx->st.dir);
		if (rc != SG_OK && rc != SG_ENOTFOUND)
			return rc;
	}
	for (i = 0; i < w->n_deletes; i++)
		if ((rc = sg_delete_doc(w, txn, w->deletes[i], &ms,
					err)) != SG_OK)
			return rc;
	if ((rc = write_terms(w, txn, &ms, err)) != SG_OK)
		return rc;

	/* Documents and ids, then lengths. */
	for (i = 0; i < w->n_docs; i++) {
		const struct batch_doc *bd = &w->docs[i];
		const char *rec = w->batch_recs.data + bd->rec_off;
		sg_docrec r;

		if (sg_docrec_decode(&r, rec, bd->rec_len))
			return sg_err(err, SG_ECORRUPT, "bad batch record");
		rc = sg_doc_append(idx, txn, bd->docid, r.id.ptr, r.id.len,
				   rec, bd->rec_len, err);
		if (rc == SG_OK && idx->n_columns)
			rc = write_columns(w, txn, bd->docid, &r, err);
		if (rc == SG_OK && sg_fieldpos_present(idx))
			rc = write_fieldpos(w, txn, bd, err);
		if (rc != SG_OK)
			return rc;
		ms.n_docs++;
		ms.total_len += bd->dl;
	}
	rc = write_lengths(w, txn, err);
	if (rc != SG_OK)
		return rc;
	ms.next_docid = w->next_docid;
	if (sg_fieldpos_present(idx) &&
	    (rc = sg_meta_write_fieldstats(idx, txn, w->field_totals,
					   err)) != SG_OK)
		return rc;
	return sg_meta_write_stats(idx, txn, &ms, err);
}

static void reset_batch(sg_writer *w)
{
	sg_accum_reset(&w->accum);
	w->n_docs = 0;
	sg_buf_reset(&w->batch_recs);
	sg_buf_reset(&w->batch_fieldpos);
	w->n_deletes = 0;
	sg_idset_clear(&w->ids);
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

			if (sg_idset_insert(&w->ids, id, p->id_len,
					    XXH3_64bits(id, p->id_len),
					    p->hash, 0))
				return sg_err(err, SG_ENOMEM, "out of memory");
		}
	}
	return SG_OK;
}

/* Commits the batch. A full map is grown and the batch written again. */
static int flush(sg_writer *w, sg_error *err)
{
	MDB_txn *txn;
	int rc, attempt;

	if (w->n_docs == 0 && w->n_deletes == 0 && !w->idx->fresh)
		return SG_OK;
	sg_accum_sort(&w->accum);
	sg_read_reset(w->rtxn);
	for (attempt = 0;; attempt++) {
		size_t mapsize = w->idx->st.mapsize;

		rc = sg_store_begin(&w->idx->st, 1, &txn, err);
		if (rc != SG_OK)
			break;
		rc = write_batch(w, txn, err);
		if (rc == SG_OK) {
			rc = sg_store_commit(&w->idx->st, txn, err);
		} else {
			sg_store_abort(txn);
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
	if (sg_read_renew(w->idx, &w->rtxn,
			   rc == SG_OK ? err : NULL) != SG_OK && rc == SG_OK)
		rc = err ? err->code : SG_ESTORE;
	return rc;
}

void sg_batch_release(sg_writer *w)
{
	sg_accum_release(&w->accum);
	sg_free(w->docs);
	sg_buf_release(&w->batch_recs);
	sg_buf_release(&w->batch_fieldpos);
	sg_buf_release(&w->col_strs);
	sg_buf_release(&w->col_val);
	sg_free(w->deletes);
	sg_idset_release(&w->ids);
	sg_buf_release(&w->chain);
	sg_block_writer_release(&w->bw);
}
