/*
 * postings_write.c — the postings writer of postings_write.h: blocks of
 * postings with their positions, and term records, put and deleted.
 *
 * A block is put when it holds idx->block_size postings or when its term
 * ends; its header carries the largest tf and the smallest document length
 * among its postings (block.h: the bound BM25 prunes with), computed here
 * from the postings themselves so that no caller can get them wrong. The
 * postings value and the positions value share the key (termid, first
 * docid); a unigram has no positions value (index.h).
 */
#include "postings_write.h"

#include "error.h"

void sg_block_writer_init(sg_block_writer *bw, sg_index *idx)
{
	memset(bw, 0, sizeof(*bw));
	bw->idx = idx;
}

void sg_block_writer_begin(sg_block_writer *bw, MDB_txn *txn,
			   uint32_t termid, int haspos, int append)
{
	bw->txn = txn;
	bw->termid = termid;
	bw->haspos = haspos;
	bw->append = append;
	bw->n = 0;
	bw->min_dl = UINT32_MAX;
	sg_buf_reset(&bw->pos);
}

/* Puts the postings gathered so far as one block, then empties it. */
static int put_block(sg_block_writer *bw, sg_error *err)
{
	sg_index *idx = bw->idx;
	uint8_t kb[SG_PKEY_LEN];
	MDB_val k = { SG_PKEY_LEN, kb }, v;
	unsigned flags = bw->append ? MDB_APPEND : 0;
	uint32_t i, max_tf = 0;
	int rc;

	for (i = 0; i < bw->n; i++)
		if (bw->tfs[i] > max_tf)
			max_tf = bw->tfs[i];
	sg_buf_reset(&bw->val);
	if (sg_block_encode(&bw->val, bw->docids, bw->tfs, bw->n, max_tf,
			    bw->min_dl) != SG_OK)
		return sg_err(err, SG_ENOMEM, "out of memory");
	sg_pkey_put(kb, bw->termid, bw->docids[0]);
	v.mv_size = bw->val.len;
	v.mv_data = bw->val.data;
	rc = mdb_put(bw->txn, idx->st.dbi[SG_DB_POSTINGS], &k, &v, flags);
	if (rc == MDB_SUCCESS && bw->haspos) {
		v.mv_size = bw->pos.len;
		v.mv_data = bw->pos.data;
		rc = mdb_put(bw->txn, idx->st.dbi[SG_DB_POSITIONS], &k, &v,
			     flags);
	}
	bw->n = 0;
	bw->min_dl = UINT32_MAX;
	sg_buf_reset(&bw->pos);
	return sg_store_fail(&idx->st, rc, "writing postings", err);
}

int sg_block_writer_add(sg_block_writer *bw, uint32_t docid, uint32_t tf,
			uint32_t dl, const void *pos, size_t pos_len,
			sg_error *err)
{
	bw->docids[bw->n] = docid;
	bw->tfs[bw->n] = tf;
	if (dl < bw->min_dl)
		bw->min_dl = dl;
	if (sg_buf_append(&bw->pos, pos, pos_len) != SG_OK)
		return sg_err(err, SG_ENOMEM, "out of memory");
	if (++bw->n == bw->idx->block_size)
		return put_block(bw, err);
	return SG_OK;
}

int sg_block_writer_finish(sg_block_writer *bw, sg_error *err)
{
	return bw->n > 0 ? put_block(bw, err) : SG_OK;
}

void sg_block_writer_release(sg_block_writer *bw)
{
	sg_buf_release(&bw->pos);
	sg_buf_release(&bw->val);
}

int sg_block_delete(sg_index *idx, MDB_txn *txn, uint32_t termid,
		    uint32_t first, int haspos, sg_error *err)
{
	uint8_t kb[SG_PKEY_LEN];
	MDB_val k = { SG_PKEY_LEN, kb };
	int rc;

	sg_pkey_put(kb, termid, first);
	rc = mdb_del(txn, idx->st.dbi[SG_DB_POSTINGS], &k, NULL);
	if (rc == MDB_SUCCESS && haspos)
		rc = mdb_del(txn, idx->st.dbi[SG_DB_POSITIONS], &k, NULL);
	return sg_store_fail(&idx->st, rc, "deleting a block", err);
}

int sg_termrec_put(sg_index *idx, MDB_txn *txn, sg_buf *scratch,
		   const char *term, size_t len, const sg_termrec *tr,
		   int append, sg_error *err)
{
	MDB_val k = { len, (void *)term }, v;

	sg_buf_reset(scratch);
	if (sg_termrec_encode(scratch, tr) != SG_OK)
		return sg_err(err, SG_ENOMEM, "out of memory");
	v.mv_size = scratch->len;
	v.mv_data = scratch->data;
	return sg_store_fail(&idx->st,
			     mdb_put(txn, idx->st.dbi[SG_DB_TERMS], &k, &v,
				     append ? MDB_APPEND : 0),
			     "writing a term", err);
}

int sg_termrec_delete(sg_index *idx, MDB_txn *txn, const char *term,
		      size_t len, sg_error *err)
{
	MDB_val k = { len, (void *)term };

	return sg_store_fail(&idx->st,
			     mdb_del(txn, idx->st.dbi[SG_DB_TERMS], &k, NULL),
			     "deleting a term", err);
}
