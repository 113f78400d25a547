/*
 * writer.c — the writer's public API (sagasu.h: sg_writer_open, _add,
 * _delete, _commit, _compact, _get_counts, _free).
 *
 * It checks each document it is given, looks its id up in the batch (ids.c)
 * and in the committed index to skip an unchanged document or to note the
 * docid a changed one replaces, and copies it into the chunk that is
 * filling; a full chunk goes to the analysis threads (analyze.c) and on
 * into the batch (batch.c). A deletion is looked up the same way and
 * queued with the batch (delete.c carries it out at the flush). An id the
 * batch already adds or deletes commits the batch first, so that one
 * transaction never adds or deletes an id twice. writer_internal.h draws
 * the life of a document from here to the index.
 *
 * The committed state is read through one read transaction (w->rtxn),
 * reset while a flush or a compaction writes and renewed after it.
 */
#include "writer_internal.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xxhash.h>

#include "alloc.h"
#include "compact.h"
#include "docrec.h"
#include "error.h"
#include "tables.h"

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
	w->cancel.fn = w->opt.cancel;
	w->cancel.ctx = w->opt.cancel_ctx;
	if (!w->opt.mem_budget)
		w->opt.mem_budget = (size_t)256 << 20;
	cores = sysconf(_SC_NPROCESSORS_ONLN);
	w->n_threads = w->opt.threads ? w->opt.threads :
		       (unsigned)(cores > 0 ? cores : 1);
	if (w->n_threads > MAX_THREADS)
		w->n_threads = MAX_THREADS;
	for (t = 0; t < w->n_threads; t++) {
		rc = sg_worker_init(&w->workers[t], w, 1, err);
		if (rc != SG_OK)
			goto fail;
	}
	rc = sg_worker_init(&w->mainwk, w, 0, err);
	if (rc != SG_OK)
		goto fail;
	w->fill = &w->chunks[0];
	sg_block_writer_init(&w->bw, idx);
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
	const void *val;
	size_t val_len;
	sg_docrec r;
	int rc;

	*old = 0;
	*in_batch = sg_idset_find(&w->ids, id, len, h);
	if (*in_batch)
		return SG_OK;
	rc = sg_id_get(w->idx, w->rtxn, id, len, old, err);
	if (rc != SG_OK) {
		*old = 0;
		return rc == SG_ENOTFOUND ? SG_OK : rc;
	}
	if (sg_doc_get(w->idx, w->rtxn, *old, &val, &val_len,
			  err) != SG_OK ||
	    sg_docrec_decode(&r, val, val_len))
		return sg_err(err, SG_ECORRUPT,
			      "%s: the record of id '%.*s' is missing or "
			      "corrupt; rebuild the index", w->idx->st.dir,
			      (int)len, id);
	*old_hash = r.hash;
	return SG_OK;
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

	rc = sg_cancel_check(&w->cancel, "nothing more was queued", err);
	if (rc != SG_OK)
		return rc;
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
		rc = sg_batch_commit(w, err);
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
	rc = sg_idset_insert(&w->ids, doc->id.ptr, doc->id.len, h, dh, 0);
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
		return sg_batch_queue_chunk(w, err);
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
		rc = sg_batch_commit(w, err);
		if (rc == SG_OK)
			rc = find_id(w, id, len, h, &b, &old, &old_hash, err);
	}
	if (rc != SG_OK)
		return rc;
	if (!old) {
		w->counts.not_found++;
		return SG_OK;
	}
	rc = sg_idset_insert(&w->ids, id, len, h, 0, 1);
	if (rc == SG_OK)
		rc = sg_batch_add_delete(w, old);
	if (rc != SG_OK)
		return sg_err(err, rc, "out of memory");
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
	int rc = sg_batch_commit(w, err);

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
	unsigned t;

	if (!w)
		return;
	/* The worker threads first: they use the workers' state freed below
	 * (and the chunk's documents). */
	sg_chunk_analyze_stop(w);
	sg_read_end(w->rtxn);
	for (t = 0; t < MAX_THREADS; t++)
		sg_worker_release(&w->workers[t]);
	sg_worker_release(&w->mainwk);
	sg_chunk_release(&w->chunks[0]);
	sg_chunk_release(&w->chunks[1]);
	sg_batch_release(w);
	sg_buf_release(&w->scratch);
	sg_free(w);
}

int sg_writer_compact(sg_writer *w, sg_error *err)
{
	int rc = sg_batch_commit(w, err);

	if (rc == SG_OK) {
		sg_read_reset(w->rtxn);
		rc = sg_compact(w->idx, &w->cancel, err);
		if (sg_read_renew(w->idx, &w->rtxn,
				   rc == SG_OK ? err : NULL) != SG_OK &&
		    rc == SG_OK)
			rc = err ? err->code : SG_ESTORE;
	}
	return rc;
}
