/*
 * fieldpos.c — the `fieldpos` table and meta "fieldstats" (fieldpos.h,
 * docs/FORMAT.md): encoding, point reads for the query side, and the
 * writer's puts and deletes. The meta record's own LMDB calls are
 * index.c's (sg_meta_read_fieldstats, sg_meta_write_fieldstats), next to
 * meta "stats".
 */
#include "fieldpos.h"

#include <string.h>

#include "error.h"
#include "schema.h"
#include "varint.h"

int sg_fieldpos_encode(sg_buf *out, const sg_fieldspan *s, size_t n)
{
	size_t f;

	for (f = 0; f < n; f++)
		if (sg_buf_put_varint(out, s[f].npos) ||
		    sg_buf_put_varint(out, s[f].nchars) ||
		    sg_buf_put_varint(out, s[f].dl))
			return SG_ENOMEM;
	return SG_OK;
}

int sg_fieldpos_decode(const void *p, size_t len, sg_fieldspan *out,
		       size_t n)
{
	const uint8_t *q = p, *end = q + len;
	uint64_t pos = 0, cpos = 0;
	size_t f;

	for (f = 0; f < n; f++) {
		sg_fieldspan *s = &out[f];

		if (sg_varint_get32(&q, end, &s->npos) ||
		    sg_varint_get32(&q, end, &s->nchars) ||
		    sg_varint_get32(&q, end, &s->dl))
			return SG_ECORRUPT;
		/* A field's positions lie below 2^32 (the position space is
		 * 32 bits); so does the next field's start. */
		if (pos + s->npos > UINT32_MAX || cpos + s->nchars > UINT32_MAX)
			return SG_ECORRUPT;
		s->pos = (uint32_t)pos;
		s->cpos = (uint32_t)cpos;
		pos += (uint64_t)s->npos + 1;
		cpos += (uint64_t)s->nchars + 1;
	}
	return q == end ? SG_OK : SG_ECORRUPT;
}

int sg_fieldpos_present(const sg_index *idx)
{
	return sg_store_has(&idx->st, SG_DB_FIELDPOS);
}

int sg_fieldpos_get(sg_index *idx, MDB_txn *txn, uint32_t docid,
		    sg_fieldspan *out, sg_error *err)
{
	uint8_t kb[4];
	MDB_val k = { 4, kb }, v;
	size_t len;
	int rc;

	if (!sg_fieldpos_present(idx))
		return SG_ENOTFOUND;
	sg_be32_put(kb, docid);
	rc = mdb_get(txn, idx->st.dbi[SG_DB_FIELDPOS], &k, &v);
	if (rc == MDB_NOTFOUND)
		return SG_ENOTFOUND;
	if (rc != MDB_SUCCESS)
		return sg_store_fail(&idx->st, rc, "reading fieldpos", err);
	len = v.mv_size;
	if (sg_fieldpos_decode(v.mv_data, len, out, idx->n_fields) != SG_OK)
		return sg_err(err, SG_ECORRUPT, "%s: the fieldpos record of "
			      "docid %u (%zu bytes) does not decode into %zu "
			      "fields; rebuild the index", idx->st.dir, docid,
			      len, idx->n_fields);
	return SG_OK;
}

int sg_fieldstats_read(sg_index *idx, MDB_txn *txn, uint64_t *totals,
		       sg_error *err)
{
	return sg_meta_read_fieldstats(idx, txn, totals, err);
}

int sg_fieldpos_put(sg_index *idx, MDB_txn *txn, uint32_t docid,
		    const void *rec, size_t len, sg_error *err)
{
	uint8_t kb[4];
	MDB_val k = { 4, kb }, v = { len, (void *)(uintptr_t)rec };

	sg_be32_put(kb, docid);
	/* Docids only grow: each batch's records go at the end. */
	return sg_store_fail(&idx->st,
			     mdb_put(txn, idx->st.dbi[SG_DB_FIELDPOS], &k, &v,
				     MDB_APPEND), "writing fieldpos", err);
}

int sg_fieldpos_del(sg_index *idx, MDB_txn *txn, uint32_t docid,
		    sg_error *err)
{
	uint8_t kb[4];
	MDB_val k = { 4, kb };
	int rc;

	sg_be32_put(kb, docid);
	rc = mdb_del(txn, idx->st.dbi[SG_DB_FIELDPOS], &k, NULL);
	if (rc == MDB_NOTFOUND)
		return SG_OK;
	return sg_store_fail(&idx->st, rc, "deleting fieldpos", err);
}

void sg_fieldstats_add(uint64_t *totals, const sg_fieldspan *s, size_t n,
		       int sign)
{
	size_t f;

	for (f = 0; f < n; f++) {
		if (sign > 0)
			totals[f] += s[f].dl;
		else
			totals[f] -= totals[f] < s[f].dl ? totals[f] : s[f].dl;
	}
}
