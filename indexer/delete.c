/*
 * delete.c — removing a stored document inside the flush's write
 * transaction (writer_internal.h, "interface to delete.c").
 *
 * The postings of a deleted document stay where they are (compaction,
 * compact.c, drops them later); what changes at once is what a query
 * counts. The document's stored texts are analyzed again, on the calling
 * thread with the very code that indexed them (analyze.c), which yields its
 * terms and their tf exactly; each term's df falls by one and its cf by the
 * tf. Its length slot becomes SG_DL_DEAD, which makes queries skip its
 * postings; its record goes, and its id too unless the id already names
 * the docid of a newer version (a replacement). The collection figures
 * (meta "stats") lose the document and count one more dead docid.
 */
#include "writer_internal.h"

#include "docrec.h"
#include "error.h"
#include "postings_write.h"
#include "tables.h"

/* Lowers the df and cf of every term of the analysis `terms`, a document's
 * whose docid is named in messages. */
static int lower_terms(sg_writer *w, MDB_txn *txn, uint32_t docid,
		       const sg_buf *terms, sg_buf *tv, sg_error *err)
{
	sg_index *idx = w->idx;
	const uint8_t *q = (const uint8_t *)terms->data;
	const uint8_t *end = q + terms->len;
	struct analyzed_term t;
	sg_termrec tr;
	int rc;

	while ((rc = sg_analyzed_next(&q, end, &t)) == 1) {
		rc = sg_term_get(idx, txn, t.term, t.len, &tr, err);
		if (rc != SG_OK || tr.df == 0 || tr.cf < t.tf)
			return sg_err(err, SG_ECORRUPT,
				      "%s: term '%.*s' of docid %u is missing "
				      "from the dictionary; rebuild the index",
				      idx->st.dir, (int)t.len, t.term, docid);
		tr.df--;
		tr.cf -= t.tf;
		rc = sg_termrec_put(idx, txn, tv, t.term, t.len, &tr, 0, err);
		if (rc != SG_OK)
			return rc;
	}
	return rc == 0 ? SG_OK :
	       sg_err(err, SG_ECORRUPT, "bad analysis buffer");
}

int sg_delete_doc(sg_writer *w, MDB_txn *txn, uint32_t docid,
		  sg_meta_stats *ms, sg_error *err)
{
	sg_index *idx = w->idx;
	const void *val;
	size_t val_len, n_invalid;
	sg_docrec r;
	uint32_t dl;
	sg_fieldspan spans[SG_FIELDS_MAX];
	sg_buf rec = SG_BUF_INIT, terms = SG_BUF_INIT, tv = SG_BUF_INIT;
	int rc;

	rc = sg_doc_get(idx, txn, docid, &val, &val_len, err);
	if (rc == SG_ENOTFOUND)
		return sg_err(err, SG_ECORRUPT, "%s: the record of docid %u is "
			      "missing; rebuild the index", idx->st.dir, docid);
	if (rc != SG_OK)
		return rc;
	/* Copy: the puts below may move the page the record lives on. */
	if (sg_buf_append(&rec, val, val_len)) {
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
	rc = sg_worker_analyze(&w->mainwk, r.texts, r.n_texts, &terms, &dl,
			       spans, &n_invalid, err);
	if (rc == SG_OK)
		rc = lower_terms(w, txn, docid, &terms, &tv, err);
	if (rc == SG_OK)
		rc = sg_doc_remove(idx, txn, docid, r.id.ptr, r.id.len, err);
	if (rc == SG_OK && idx->n_columns)
		rc = sg_columns_delete(idx, txn, docid, err);
	if (rc == SG_OK && sg_fieldpos_present(idx)) {
		/* Its lengths leave meta "fieldstats" as its dl leaves
		 * "stats": the analysis again gives what the batch wrote. */
		rc = sg_fieldpos_del(idx, txn, docid, err);
		sg_fieldstats_add(w->field_totals, spans, idx->n_fields, -1);
	}
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
