/*
 * tables.c — the docs, ids, lengths and terms tables as the writer and
 * compaction use them, and their transaction calls (tables.h).
 *
 * Each function is one LMDB call or a short fixed sequence of them (a
 * record and its id; a lengths chunk read whole), with the LMDB code
 * translated by sg_store_fail under a name of what was being done. The
 * indexer's logic (which documents, which slots) stays in indexer/.
 */
#include "tables.h"

#include <string.h>

#include "error.h"
#include "postings_read.h"

/* ------------------------------------------------------------ docs and ids */

int sg_doc_append(sg_index *idx, MDB_txn *txn, uint32_t docid,
		  const char *id, size_t id_len, const void *rec,
		  size_t rec_len, sg_error *err)
{
	uint8_t kb[4];
	MDB_val k = { 4, kb }, v = { rec_len, (void *)rec };
	int rc;

	sg_be32_put(kb, docid);
	rc = mdb_put(txn, idx->st.dbi[SG_DB_DOCS], &k, &v, MDB_APPEND);
	if (rc == MDB_SUCCESS) {
		k.mv_size = id_len;
		k.mv_data = (void *)id;
		v.mv_size = 4;
		v.mv_data = kb;
		rc = mdb_put(txn, idx->st.dbi[SG_DB_IDS], &k, &v, 0);
	}
	return sg_store_fail(&idx->st, rc, "writing a document", err);
}

int sg_doc_remove(sg_index *idx, MDB_txn *txn, uint32_t docid,
		  const char *id, size_t id_len, sg_error *err)
{
	uint8_t kb[4];
	MDB_val k = { 4, kb }, ik = { id_len, (void *)id }, v;
	int rc;

	sg_be32_put(kb, docid);
	rc = mdb_get(txn, idx->st.dbi[SG_DB_IDS], &ik, &v);
	if (rc == MDB_SUCCESS && v.mv_size == 4 &&
	    sg_be32_get(v.mv_data) == docid)
		rc = mdb_del(txn, idx->st.dbi[SG_DB_IDS], &ik, NULL);
	else if (rc == MDB_NOTFOUND || rc == MDB_SUCCESS)
		rc = MDB_SUCCESS; /* the id names a newer docid, or none */
	if (rc == MDB_SUCCESS)
		rc = mdb_del(txn, idx->st.dbi[SG_DB_DOCS], &k, NULL);
	return sg_store_fail(&idx->st, rc, "deleting a document", err);
}

/* ------------------------------------------------------------ lengths */

int sg_lengths_chunk_read(sg_index *idx, MDB_txn *txn, uint32_t c,
			  uint8_t *chunk, sg_error *err)
{
	const uint8_t *v;
	size_t j;
	int rc = sg_lengths_chunk_get(idx, txn, c, &v, err);

	if (rc == SG_ENOTFOUND) {
		for (j = 0; j < SG_LEN_CHUNK; j++)
			sg_le32_put(chunk + 4 * j, SG_DL_DEAD);
		return SG_OK;
	}
	if (rc != SG_OK)
		return rc;
	/* A copy: the writer's puts may move the page it lies on. */
	memcpy(chunk, v, (size_t)SG_LEN_CHUNK * 4);
	return SG_OK;
}

int sg_lengths_chunk_write(sg_index *idx, MDB_txn *txn, uint32_t c,
			   const uint8_t *chunk, sg_error *err)
{
	uint8_t kb[4];
	MDB_val k = { 4, kb }, v = { (size_t)SG_LEN_CHUNK * 4, (void *)chunk };

	sg_be32_put(kb, c);
	return sg_store_fail(&idx->st,
			     mdb_put(txn, idx->st.dbi[SG_DB_LENGTHS], &k, &v,
				     0), "writing lengths", err);
}

/* ------------------------------------------------------------ columns */

int sg_column_put(sg_index *idx, MDB_txn *txn, unsigned column,
		  uint32_t docid, const void *val, size_t len, sg_error *err)
{
	uint8_t kb[SG_CKEY_LEN];
	MDB_val k = { SG_CKEY_LEN, kb }, v = { len, (void *)val };

	sg_ckey_put(kb, column, docid);
	return sg_store_fail(&idx->st,
			     mdb_put(txn, idx->st.dbi[SG_DB_COLUMNS], &k, &v,
				     0), "writing a column value", err);
}

int sg_columns_delete(sg_index *idx, MDB_txn *txn, uint32_t docid,
		      sg_error *err)
{
	uint8_t kb[SG_CKEY_LEN];
	MDB_val k = { SG_CKEY_LEN, kb };
	size_t c;
	int rc;

	for (c = 0; c < idx->n_columns; c++) {
		sg_ckey_put(kb, (unsigned)c, docid);
		rc = mdb_del(txn, idx->st.dbi[SG_DB_COLUMNS], &k, NULL);
		if (rc != MDB_SUCCESS && rc != MDB_NOTFOUND)
			return sg_store_fail(&idx->st, rc,
					     "deleting a column value", err);
	}
	return SG_OK;
}

/* ------------------------------------------------------------ terms */

int sg_terms_count(sg_index *idx, MDB_txn *txn, size_t *n, sg_error *err)
{
	MDB_stat st;
	int rc = mdb_stat(txn, idx->st.dbi[SG_DB_TERMS], &st);

	if (rc != MDB_SUCCESS)
		return sg_store_fail(&idx->st, rc, "terms", err);
	*n = st.ms_entries;
	return SG_OK;
}

int sg_term_walk_open(sg_term_walk *tw, sg_index *idx, MDB_txn *txn,
		      sg_error *err)
{
	int rc;

	tw->idx = idx;
	tw->cur = NULL;
	rc = mdb_cursor_open(txn, idx->st.dbi[SG_DB_TERMS], &tw->cur);
	if (rc != MDB_SUCCESS) {
		tw->cur = NULL;
		return sg_store_fail(&idx->st, rc, "opening a cursor", err);
	}
	return SG_OK;
}

int sg_term_walk_next(sg_term_walk *tw, const void *after, size_t after_len,
		      const void **key, size_t *key_len, const void **val,
		      size_t *val_len, sg_error *err)
{
	MDB_val k, v;
	int rc;

	if (!after) {
		rc = mdb_cursor_get(tw->cur, &k, &v, MDB_FIRST);
	} else {
		/* The first key at or after `after`, which may be gone. */
		k.mv_size = after_len;
		k.mv_data = (void *)after;
		rc = mdb_cursor_get(tw->cur, &k, &v, MDB_SET_RANGE);
		if (rc == MDB_SUCCESS && k.mv_size == after_len &&
		    !memcmp(k.mv_data, after, after_len))
			rc = mdb_cursor_get(tw->cur, &k, &v, MDB_NEXT);
	}
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc != MDB_SUCCESS)
		return sg_store_fail(&tw->idx->st, rc, "reading terms", err);
	*key = k.mv_data;
	*key_len = k.mv_size;
	*val = v.mv_data;
	*val_len = v.mv_size;
	return 1;
}

void sg_term_walk_close(sg_term_walk *tw)
{
	if (tw->cur)
		mdb_cursor_close(tw->cur);
	tw->cur = NULL;
}
