/*
 * searcher.c — a searcher: one read snapshot of an index, opened,
 * refreshed and freed (sg_searcher_*), and the documents' lengths it maps
 * chunk by chunk (doc_len_load; doc_len itself, which every posting
 * scored calls, is inline in search_internal.h), and a stored document
 * looked up by its external id (sg_searcher_get: `sagasu serve`'s /doc).
 */
#include <string.h>

#include "docrec.h"
#include "postings_read.h"
#include "search_internal.h"

static int load_snapshot(sg_searcher *s, sg_error *err)
{
	sg_meta_stats ms;
	int rc = sg_meta_read_stats(s->idx, s->txn, &ms, err);

	if (rc != SG_OK)
		return rc;
	s->n_docs = ms.n_docs;
	s->avgdl = ms.n_docs ? (double)ms.total_len / (double)ms.n_docs : 1.0;
	if (s->avgdl <= 0)
		s->avgdl = 1.0;
	s->next_docid = ms.next_docid;
	sg_free(s->len_chunks);
	s->n_chunks = ms.next_docid / SG_LEN_CHUNK + 1;
	s->len_chunks = sg_calloc(s->n_chunks, sizeof(*s->len_chunks));
	if (!s->len_chunks)
		return sg_err(err, SG_ENOMEM, "out of memory");
	return SG_OK;
}

int sg_searcher_open(sg_index *idx, sg_searcher **out, sg_error *err)
{
	sg_searcher *s = sg_calloc(1, sizeof(*s));
	int rc;

	*out = NULL;
	if (!s)
		return sg_err(err, SG_ENOMEM, "out of memory");
	s->idx = idx;
	if (idx->fresh) {
		rc = sg_err(err, SG_ENOTINDEX, "%s: the index is empty",
			    idx->st.dir);
		goto fail;
	}
	rc = sg_analysis_new(idx->an, &s->an, err);
	if (rc == SG_OK)
		sg_analysis_set_query(s->an, 1); /* the query side of the ー rule */
	if (rc == SG_OK)
		rc = sg_read_begin(idx, &s->txn, err);
	if (rc == SG_OK)
		rc = load_snapshot(s, err);
	if (rc != SG_OK)
		goto fail;
	*out = s;
	return SG_OK;
fail:
	sg_searcher_free(s);
	return rc;
}

int sg_searcher_refresh(sg_searcher *s, sg_error *err)
{
	int rc;

	if (sg_read_current(s->idx, s->txn))
		return SG_OK;
	rc = sg_read_renew(s->idx, &s->txn, err);
	if (rc != SG_OK)
		return rc;
	return load_snapshot(s, err);
}

void sg_searcher_free(sg_searcher *s)
{
	if (!s)
		return;
	sg_cursor_pool_release(&s->cursors);
	sg_read_end(s->txn);
	sg_free(s->len_chunks);
	sg_analysis_free(s->an);
	sg_buf_release(&s->doc_buf);
	sg_free(s);
}

/* Maps lengths chunk c into the searcher's cache: SG_OK, or not (the
 * chunk is absent, or a failure that r->sticky now holds). Kept off
 * doc_len's fast path. */
int sq_doc_len_load(struct run *r, size_t c)
{
	sg_searcher *s = r->s;
	int rc = sg_lengths_chunk_get(s->idx, s->txn, (uint32_t)c,
				      &s->len_chunks[c],
				      r->sticky ? NULL : r->err);

	if (rc != SG_OK && rc != SG_ENOTFOUND && !r->sticky)
		r->sticky = rc;
	return rc;
}

int sg_searcher_get(sg_searcher *s, const char *id, size_t len,
		    sg_stored_doc *out, sg_error *err)
{
	sg_docrec rec;
	const void *val;
	size_t vlen, i;
	uint32_t docid;
	int rc;

	memset(out, 0, sizeof(*out));
	if (len == 0 || len > SG_ID_MAX)
		return sg_err(err, SG_ENOTFOUND, "no document with that id");
	rc = sg_id_get(s->idx, s->txn, id, len, &docid, err);
	if (rc == SG_OK)
		rc = sg_doc_get(s->idx, s->txn, docid, &val, &vlen, err);
	if (rc == SG_ENOTFOUND)
		return sg_err(err, SG_ENOTFOUND, "no document with that id");
	if (rc != SG_OK)
		return rc;
	rc = sg_docrec_decode(&rec, val, vlen) ? SG_ECORRUPT :
	     sg_docrec_texts(&rec, &s->doc_buf);
	/* Decompressing the texts can run out of memory: that is no damage. */
	if (rc == SG_ENOMEM)
		return sg_err(err, SG_ENOMEM, "out of memory decompressing "
			      "the stored texts of docid %u", docid);
	if (rc != SG_OK)
		return sg_err(err, SG_ECORRUPT, "%s: docs: docid %u: the record "
			      "does not decode; rebuild the index",
			      s->idx->st.dir, docid);
	out->id = rec.id;
	out->title = rec.title;
	out->stored = rec.stored;
	out->dl = rec.dl;
	for (i = 0; i < rec.n_texts && i < SG_FIELDS_MAX; i++)
		s->doc_texts[i] = rec.texts[i];
	out->texts = s->doc_texts;
	out->n_texts = i < s->idx->n_fields ? i : s->idx->n_fields;
	out->fields = s->idx->field;
	return SG_OK;
}
