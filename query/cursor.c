#include "alloc.h"
#include "cursor.h"

#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "varint.h"

#define NEAR_BLOCKS 4 /* step this many blocks before seeking the B-tree */

static int corrupt(sg_tcur *t, sg_error *err)
{
	return sg_err(err, SG_ECORRUPT, "%s: a postings block of termid %u "
		      "is corrupt; rebuild the index", t->idx->st.dir,
		      t->termid);
}

/* Places the LMDB cursor at the first block of chain element k whose key
 * is >= (termid_k, docid). */
static int seek_key(sg_tcur *t, size_t k, uint32_t docid, MDB_val *key,
		    MDB_val *v, uint8_t *kb)
{
	t->k = k;
	t->termid = t->chain[k];
	key->mv_size = SG_PKEY_LEN;
	key->mv_data = kb;
	sg_pkey_put(kb, t->termid, docid);
	return mdb_cursor_get(t->c, key, v, MDB_SET_RANGE);
}

/* Reads the header at the LMDB cursor. A key past the current chain
 * element moves to the next element's first block; past the last one,
 * doc = SG_DOC_END. */
static int load(sg_tcur *t, int rc, MDB_val *k, MDB_val *v, sg_error *err)
{
	uint8_t kb[SG_PKEY_LEN];

	t->decoded = 0;
	t->pos_val = NULL;
	t->pos_known = 0;
	for (;;) {
		if (rc == MDB_SUCCESS && k->mv_size == SG_PKEY_LEN &&
		    sg_be32_get(k->mv_data) == t->termid)
			break;
		if (rc != MDB_SUCCESS && rc != MDB_NOTFOUND)
			return sg_store_fail(&t->idx->st, rc, "reading postings",
					     err);
		if (t->k + 1 >= t->n_chain) {
			t->doc = SG_DOC_END;
			return SG_OK;
		}
		rc = seek_key(t, t->k + 1, 0, k, v, kb);
	}
	if (sg_block_open(&t->blk, sg_be32_get((uint8_t *)k->mv_data + 4),
			  v->mv_data, v->mv_size) != SG_OK)
		return corrupt(t, err);
	t->i = 0;
	t->doc = t->blk.first;
	return SG_OK;
}

static int decode(sg_tcur *t, sg_error *err)
{
	if (t->decoded)
		return SG_OK;
	if (sg_block_decode(&t->blk, t->docs, t->tfs) != SG_OK)
		return corrupt(t, err);
	t->decoded = 1;
	*t->decoded_count += t->blk.n;
	return SG_OK;
}

static int open_at_start(sg_tcur *t, sg_error *err)
{
	uint8_t kb[SG_PKEY_LEN];
	MDB_val k, v;
	int rc;

	rc = mdb_cursor_open(t->txn, t->idx->st.dbi[SG_DB_POSTINGS], &t->c);
	if (rc != MDB_SUCCESS) {
		t->c = NULL;
		return sg_store_fail(&t->idx->st, rc, "cursor", err);
	}
	rc = load(t, seek_key(t, 0, 0, &k, &v, kb), &k, &v, err);
	if (rc == SG_OK && t->doc != SG_DOC_END)
		rc = decode(t, err);
	return rc;
}

int sg_tcur_open(sg_tcur *t, sg_index *idx, MDB_txn *txn,
		 const sg_termrec *tr, uint64_t *decoded, uint64_t *skipped,
		 sg_error *err)
{
	int rc;

	t->idx = idx;
	t->txn = txn;
	t->c = NULL;
	t->decoded_count = decoded;
	t->skipped_count = skipped;
	t->df = tr->df;
	rc = sg_termrec_chain(tr, &t->chain, &t->firsts, &t->n_chain);
	if (rc != SG_OK) {
		t->chain = t->firsts = NULL;
		t->termid = tr->termid;
		return rc == SG_ENOMEM ? sg_err(err, rc, "out of memory") :
		       corrupt(t, err);
	}
	return open_at_start(t, err);
}

int sg_tcur_clone(sg_tcur *to, const sg_tcur *from, sg_error *err)
{
	size_t n = from->n_chain;

	to->idx = from->idx;
	to->txn = from->txn;
	to->c = NULL;
	to->decoded_count = from->decoded_count;
	to->skipped_count = from->skipped_count;
	to->df = from->df;
	to->n_chain = n;
	to->chain = sg_malloc(n * sizeof(*to->chain));
	to->firsts = sg_malloc(n * sizeof(*to->firsts));
	if (!to->chain || !to->firsts) {
		sg_free(to->chain);
		sg_free(to->firsts);
		to->chain = to->firsts = NULL;
		return sg_err(err, SG_ENOMEM, "out of memory");
	}
	memcpy(to->chain, from->chain, n * sizeof(*to->chain));
	memcpy(to->firsts, from->firsts, n * sizeof(*to->firsts));
	return open_at_start(to, err);
}

void sg_tcur_close(sg_tcur *t)
{
	if (t->c)
		mdb_cursor_close(t->c);
	t->c = NULL;
	sg_free(t->chain);
	sg_free(t->firsts);
	t->chain = t->firsts = NULL;
}

/* Moves to the block that may hold target (> the current block's last). */
static int seek_block(sg_tcur *t, uint32_t target, sg_error *err)
{
	uint8_t kb[SG_PKEY_LEN];
	MDB_val k, v;
	int rc, n;

	for (n = 0; n < NEAR_BLOCKS; n++) {
		rc = load(t, mdb_cursor_get(t->c, &k, &v, MDB_NEXT), &k, &v, err);
		if (rc != SG_OK || t->doc == SG_DOC_END || t->blk.last >= target)
			return rc;
		(*t->skipped_count)++;
	}
	/* Far away: the chain element whose range holds target (the last
	 * one starting at or before it), where the B-tree finds the first
	 * block starting after target; the one before it may hold target. */
	{
		size_t lo = t->k, hi = t->n_chain - 1;

		while (lo < hi) {
			size_t mid = lo + (hi - lo + 1) / 2;

			if (t->firsts[mid] <= target)
				lo = mid;
			else
				hi = mid - 1;
		}
		rc = seek_key(t, lo, target, &k, &v, kb);
	}
	if (rc == MDB_SUCCESS && sg_be32_get(k.mv_data) == t->termid &&
	    sg_be32_get((uint8_t *)k.mv_data + 4) == target)
		return load(t, rc, &k, &v, err);
	rc = mdb_cursor_get(t->c, &k, &v, rc == MDB_SUCCESS ? MDB_PREV : MDB_LAST);
	if (rc == MDB_SUCCESS && (k.mv_size != SG_PKEY_LEN ||
				  sg_be32_get(k.mv_data) != t->termid))
		/* No block of this element starts before target: take the
		 * element's first block (the NEXT below). */
		rc = MDB_NOTFOUND;
	if (rc == MDB_NOTFOUND) {
		rc = seek_key(t, t->k, 0, &k, &v, kb);
		return load(t, rc, &k, &v, err);
	}
	rc = load(t, rc, &k, &v, err);
	if (rc != SG_OK)
		return rc;
	if (t->doc != SG_DOC_END && t->blk.last >= target)
		return SG_OK;
	/* The previous block ends before target: take the next one. */
	return load(t, mdb_cursor_get(t->c, &k, &v, MDB_NEXT), &k, &v, err);
}

int sg_tcur_advance(sg_tcur *t, uint32_t target, sg_error *err)
{
	uint32_t lo, hi;
	int rc;

	if (t->doc >= target)
		return SG_OK;
	if (target > t->blk.last) {
		rc = seek_block(t, target, err);
		if (rc != SG_OK || t->doc == SG_DOC_END)
			return rc;
	}
	rc = decode(t, err);
	if (rc != SG_OK)
		return rc;
	/* Most moves are to the next posting or one close by. */
	if (t->docs[t->i] < target && t->i + 1 < t->blk.n &&
	    t->docs[t->i + 1] >= target) {
		t->doc = t->docs[++t->i];
		return SG_OK;
	}
	/* Binary search in [i, n) for the first docid >= target. */
	lo = t->i;
	hi = t->blk.n - 1; /* docs[n-1] = last >= target */
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (t->docs[mid] < target)
			lo = mid + 1;
		else
			hi = mid;
	}
	t->i = lo;
	t->doc = t->docs[lo];
	return SG_OK;
}

int sg_tcur_next(sg_tcur *t, sg_error *err)
{
	MDB_val k, v;
	int rc;

	if (t->doc == SG_DOC_END)
		return SG_OK;
	rc = decode(t, err);
	if (rc != SG_OK)
		return rc;
	if (t->i + 1 < t->blk.n) {
		t->doc = t->docs[++t->i];
		return SG_OK;
	}
	rc = load(t, mdb_cursor_get(t->c, &k, &v, MDB_NEXT), &k, &v, err);
	if (rc == SG_OK && t->doc != SG_DOC_END)
		rc = decode(t, err);
	return rc;
}

int sg_tcur_positions(sg_tcur *t, uint32_t *out, sg_error *err)
{
	int rc;

	rc = decode(t, err);
	if (rc != SG_OK)
		return rc;
	if (!t->pos_val) {
		uint8_t kb[SG_PKEY_LEN];
		MDB_val k = { SG_PKEY_LEN, kb }, v;

		sg_pkey_put(kb, t->termid, t->blk.first);
		rc = mdb_get(t->txn, t->idx->st.dbi[SG_DB_POSITIONS], &k, &v);
		if (rc != MDB_SUCCESS)
			return rc == MDB_NOTFOUND ? corrupt(t, err) :
			       sg_store_fail(&t->idx->st, rc, "positions", err);
		t->pos_val = v.mv_data;
		t->pos_len = v.mv_size;
	}
	/* Where each posting's positions start is noted as the cursor moves
	 * through the block, so no posting is skipped over twice. */
	if (t->pos_known <= t->i) {
		const uint8_t *base = t->pos_val, *end = base + t->pos_len, *p;
		uint32_t j = t->pos_known;

		if (j == 0)
			t->pos_off[j++] = 0;
		p = base + t->pos_off[j - 1];
		for (; j <= t->i; j++) {
			if (sg_varint_skip_fast(&p, end, t->tfs[j - 1]) != SG_OK)
				return corrupt(t, err);
			t->pos_off[j] = (uint32_t)(p - base);
		}
		t->pos_known = j;
	}
	if (sg_positions_decode((const uint8_t *)t->pos_val + t->pos_off[t->i],
				t->pos_len - t->pos_off[t->i], t->tfs + t->i, 0,
				out))
		return corrupt(t, err);
	return SG_OK;
}
