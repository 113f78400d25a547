/*
 * postings_read.c — the read snapshot, point reads and table scans that
 * query/ and the dump use (postings_read.h): the only place on the read
 * side, besides cursor.c and index.c, that calls LMDB. Every value is
 * returned where it lies in the map; nothing here copies or decodes.
 */
#include "postings_read.h"

#include "error.h"

/* ------------------------------------------------------------ snapshot */

int sg_read_begin(sg_index *idx, MDB_txn **txn, sg_error *err)
{
	return sg_store_begin(&idx->st, 0, txn, err);
}

void sg_read_reset(MDB_txn *txn)
{
	if (txn)
		mdb_txn_reset(txn);
}

int sg_read_renew(sg_index *idx, MDB_txn **txn, sg_error *err)
{
	if (*txn) {
		/* A second reset is harmless (LMDB marks the txn finished). */
		mdb_txn_reset(*txn);
		if (mdb_txn_renew(*txn) == MDB_SUCCESS)
			return SG_OK;
		/* MDB_MAP_RESIZED (another process grew the map) or a lost
		 * reader slot: a new transaction sees the new map. */
		mdb_txn_abort(*txn);
		*txn = NULL;
	}
	return sg_store_begin(&idx->st, 0, txn, err);
}

int sg_read_current(sg_index *idx, MDB_txn *txn)
{
	MDB_envinfo info;

	/* me_last_txnid is read from the lock file's shared page: a writer
	 * of another process is seen as soon as it commits. */
	return txn && mdb_env_info(idx->st.env, &info) == MDB_SUCCESS &&
	       (size_t)info.me_last_txnid == mdb_txn_id(txn);
}

void sg_read_end(MDB_txn *txn)
{
	if (txn)
		mdb_txn_abort(txn);
}

/* ------------------------------------------------------------ point reads */

/* One mdb_get of key[klen]: SG_ENOTFOUND (err untouched) when the key is
 * absent, an LMDB failure named by `what`, else *val and *len are the value
 * where it lies in the map. */
static int get_value(sg_index *idx, MDB_txn *txn, enum sg_dbi db,
		     const void *key, size_t klen, const void **val,
		     size_t *len, const char *what, sg_error *err)
{
	MDB_val k = { klen, (void *)(uintptr_t)key }, v;
	int rc = mdb_get(txn, idx->st.dbi[db], &k, &v);

	if (rc == MDB_NOTFOUND)
		return SG_ENOTFOUND;
	if (rc != MDB_SUCCESS)
		return sg_store_fail(&idx->st, rc, what, err);
	*val = v.mv_data;
	*len = v.mv_size;
	return SG_OK;
}

int sg_lengths_chunk_get(sg_index *idx, MDB_txn *txn, uint32_t c,
			 const uint8_t **chunk, sg_error *err)
{
	uint8_t kb[4];
	const void *v = NULL;
	size_t len = 0;
	int rc;

	sg_be32_put(kb, c);
	rc = get_value(idx, txn, SG_DB_LENGTHS, kb, 4, &v, &len,
		       "reading lengths", err);
	if (rc != SG_OK)
		return rc;
	if (len != SG_LEN_CHUNK * 4)
		return sg_err(err, SG_ECORRUPT, "%s: lengths: chunk %zu: %zu "
			      "bytes (%d expected); rebuild the index",
			      idx->st.dir, (size_t)c, len, SG_LEN_CHUNK * 4);
	*chunk = v;
	return SG_OK;
}

int sg_id_get(sg_index *idx, MDB_txn *txn, const char *id, size_t len,
	      uint32_t *docid, sg_error *err)
{
	const void *v = NULL;
	size_t vlen = 0;
	int rc = get_value(idx, txn, SG_DB_IDS, id, len, &v, &vlen,
			   "reading ids", err);

	if (rc != SG_OK)
		return rc;
	if (vlen != 4)
		return sg_err(err, SG_ECORRUPT, "%s: ids: a value of %zu bytes, "
			      "not 4; rebuild the index", idx->st.dir, vlen);
	*docid = sg_be32_get(v);
	return SG_OK;
}

int sg_doc_get(sg_index *idx, MDB_txn *txn, uint32_t docid,
	       const void **val, size_t *len, sg_error *err)
{
	uint8_t kb[4];

	sg_be32_put(kb, docid);
	return get_value(idx, txn, SG_DB_DOCS, kb, 4, val, len, "reading docs",
			 err);
}

int sg_column_get(sg_index *idx, MDB_txn *txn, unsigned column,
		  uint32_t docid, const void **val, size_t *len,
		  sg_error *err)
{
	uint8_t kb[SG_CKEY_LEN];

	if (!sg_store_has(&idx->st, SG_DB_COLUMNS))
		return SG_ENOTFOUND;
	sg_ckey_put(kb, column, docid);
	return get_value(idx, txn, SG_DB_COLUMNS, kb, SG_CKEY_LEN, val, len,
			 "reading a column", err);
}

int sg_positions_get(sg_index *idx, MDB_txn *txn, const void *pkey,
		     const void **val, size_t *len, const char *what,
		     sg_error *err)
{
	return get_value(idx, txn, SG_DB_POSITIONS, pkey, SG_PKEY_LEN, val, len,
			 what, err);
}

/* ------------------------------------------------------------ scans */

int sg_scan_open(sg_scan *s, sg_index *idx, MDB_txn *txn, enum sg_dbi db,
		 const void *from, size_t from_len, const char *open_what,
		 const char *read_what, sg_error *err)
{
	int rc;

	s->idx = idx;
	s->started = 0;
	s->from = from;
	s->from_len = from_len;
	s->what = read_what;
	rc = mdb_cursor_open(txn, idx->st.dbi[db], &s->c);
	if (rc != MDB_SUCCESS) {
		s->c = NULL;
		return sg_store_fail(&idx->st, rc, open_what, err);
	}
	return SG_OK;
}

int sg_scan_next(sg_scan *s, const void **key, size_t *key_len,
		 const void **val, size_t *val_len, sg_error *err)
{
	MDB_val k, v;
	MDB_cursor_op op = MDB_NEXT;
	int rc;

	if (!s->started) {
		op = s->from ? MDB_SET_RANGE : MDB_FIRST;
		k.mv_size = s->from_len;
		k.mv_data = (void *)s->from;
		s->started = 1;
	}
	rc = mdb_cursor_get(s->c, &k, &v, op);
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc != MDB_SUCCESS)
		return sg_store_fail(&s->idx->st, rc, s->what, err);
	*key = k.mv_data;
	*key_len = k.mv_size;
	*val = v.mv_data;
	*val_len = v.mv_size;
	return 1;
}

void sg_scan_close(sg_scan *s)
{
	if (s->c)
		mdb_cursor_close(s->c);
	s->c = NULL;
}
