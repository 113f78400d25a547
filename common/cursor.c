/*
 * cursor.c — reading one term's postings in place, and refusing damage.
 *
 * A cursor only moves forward: sg_tcur_advance steps to the next block or
 * seeks the B-tree for a later one, never back to the start, so a walk
 * over a list costs at most its blocks (an exclusion checked for every
 * candidate is one forward walk of its list, not a re-seek per candidate).
 *
 * Everything read from the map is checked before it is trusted: every
 * decoder is bounded by the value's end (block.c), and what a decoder
 * cannot see is checked here: keys of the wrong size, docids that do not
 * rise from one block to the next, docids at or past the index's
 * next_docid, a block without its positions. Each is SG_ECORRUPT with a
 * message naming the database, the key and what is wrong, e.g.
 *   IDX: postings: term 12 block at docid 345: docids do not rise (...)
 * never a crash and never a silently wrong answer.
 */
#include "alloc.h"
#include "cursor.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "varint.h"

#define NEAR_BLOCKS 4 /* step this many blocks before seeking the B-tree */

/* SG_ECORRUPT: "DIR: DB: term T block at docid D: WHAT; rebuild the index". */
static int corrupt_at(sg_tcur *t, const char *db, uint32_t first,
		      sg_error *err, const char *fmt, ...) SG_PRINTF(5, 6);

static int corrupt_at(sg_tcur *t, const char *db, uint32_t first,
		      sg_error *err, const char *fmt, ...)
{
	char what[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return sg_err(err, SG_ECORRUPT, "%s: %s: term %u block at docid %u: "
		      "%s; rebuild the index", t->idx->st.dir, db, t->termid,
		      first, what);
}

/* Why the block at the cursor does not decode: block.c only says that it
 * does not; walking it again names the first fault (a failure path only). */
static int block_fault(sg_tcur *t, const uint8_t *val, size_t len,
		       uint32_t first, int header_only, sg_error *err)
{
	const uint8_t *p = val, *end = p + len;
	uint32_t n, last_gap, max_tf, min_dl, i, x, d = first;

	if (sg_varint_get32(&p, end, &n) || sg_varint_get32(&p, end, &last_gap) ||
	    sg_varint_get32(&p, end, &max_tf) || sg_varint_get32(&p, end, &min_dl))
		return corrupt_at(t, "postings", first, err, "the header does "
				  "not decode (%zu bytes)", len);
	if (n == 0 || n > SG_BLOCK_MAX)
		return corrupt_at(t, "postings", first, err, "it holds %u "
				  "postings (1 to %d expected)", n, SG_BLOCK_MAX);
	if (last_gap > UINT32_MAX - first)
		return corrupt_at(t, "postings", first, err, "its last docid "
				  "(%u + %u) is out of range", first, last_gap);
	if (last_gap < n - 1)
		return corrupt_at(t, "postings", first, err, "%u postings "
				  "cannot fit in a docid range of %u", n,
				  last_gap + 1);
	if (header_only)
		return corrupt_at(t, "postings", first, err, "the header is "
				  "inconsistent");
	for (i = 1; i < n; i++) {
		if (sg_varint_get32(&p, end, &x))
			return corrupt_at(t, "postings", first, err, "gap %u of "
					  "%u does not decode (the value ends "
					  "or overflows)", i, n - 1);
		if (x == 0 || x > UINT32_MAX - d)
			return corrupt_at(t, "postings", first, err, "docids do "
					  "not rise (gap %u is %u)", i, x);
		d += x;
	}
	if (d != first + last_gap)
		return corrupt_at(t, "postings", first, err, "its gaps end at "
				  "docid %u, its header says %u", d,
				  first + last_gap);
	for (i = 0; i < n; i++) {
		if (sg_varint_get32(&p, end, &x))
			return corrupt_at(t, "postings", first, err, "tf %u of %u "
					  "does not decode (the value ends or "
					  "overflows)", i + 1, n);
		if (x == 0 || x > max_tf)
			return corrupt_at(t, "postings", first, err, "tf %u is "
					  "%u, outside 1..max_tf %u", i + 1, x,
					  max_tf);
	}
	return corrupt_at(t, "postings", first, err, "it does not decode");
}

/* Places the LMDB cursor at the first block of chain element k whose key
 * is >= (termid_k, docid). */
static int seek_key(sg_tcur *t, size_t k, uint32_t docid, MDB_val *key,
		    MDB_val *v, uint8_t *kb)
{
	t->k = k;
	t->termid = t->chain ? t->chain[k] : t->one_termid;
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
	uint32_t first;

	t->decoded = 0;
	t->pos_val = NULL;
	t->pos_known = 0;
	for (;;) {
		if (rc == MDB_SUCCESS && k->mv_size != SG_PKEY_LEN)
			return sg_err(err, SG_ECORRUPT, "%s: postings: a key of "
				      "%zu bytes (%d expected) after term %u; "
				      "rebuild the index", t->idx->st.dir,
				      k->mv_size, SG_PKEY_LEN, t->termid);
		if (rc == MDB_SUCCESS && sg_be32_get(k->mv_data) == t->termid)
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
	first = sg_be32_get((uint8_t *)k->mv_data + 4);
	if (sg_block_open(&t->blk, first, v->mv_data, v->mv_size) != SG_OK)
		return block_fault(t, v->mv_data, v->mv_size, first, 1, err);
	if (t->blk.last >= t->limit)
		return corrupt_at(t, "postings", first, err, "docid %u is past "
				  "the index's last docid (next_docid %u)",
				  t->blk.last, t->limit);
	t->val = v->mv_data;
	t->val_len = v->mv_size;
	t->i = 0;
	t->doc = t->blk.first;
	return SG_OK;
}

/* Steps to the next block in key order. Keys sort by (termid, first
 * docid), so a block always starts after the previous one starts; that it
 * also starts after the previous one ends is what the values must keep. */
static int load_next(sg_tcur *t, sg_error *err)
{
	MDB_val k, v;
	uint32_t termid = t->termid, prev_last = t->blk.last;
	int rc = load(t, mdb_cursor_get(t->c, &k, &v, MDB_NEXT), &k, &v, err);

	if (rc == SG_OK && t->doc != SG_DOC_END && t->termid == termid &&
	    t->blk.first <= prev_last)
		return corrupt_at(t, "postings", t->blk.first, err, "docids do "
				  "not rise across blocks (the previous block "
				  "ends at docid %u)", prev_last);
	return rc;
}

static int decode(sg_tcur *t, sg_error *err)
{
	if (t->decoded)
		return SG_OK;
	if (sg_block_decode(&t->blk, t->docs, t->tfs) != SG_OK)
		return block_fault(t, t->val, t->val_len, t->blk.first, 0, err);
	t->decoded = 1;
	*t->decoded_count += t->blk.n;
	return SG_OK;
}

void sg_cursor_pool_release(sg_cursor_pool *p)
{
	while (p->n)
		mdb_cursor_close(p->free[--p->n]);
}

/* An LMDB cursor on `postings` in t's transaction: a pooled one renewed,
 * else a new one. */
static int cursor_take(sg_tcur *t)
{
	while (t->pool && t->pool->n) {
		t->c = t->pool->free[--t->pool->n];
		if (mdb_cursor_renew(t->txn, t->c) == MDB_SUCCESS)
			return MDB_SUCCESS;
		mdb_cursor_close(t->c);
	}
	return mdb_cursor_open(t->txn, t->idx->st.dbi[SG_DB_POSTINGS], &t->c);
}

/* Gives t's LMDB cursor back to its pool (closes it when there is no
 * pool, or no room left in it). */
static void cursor_give_back(sg_tcur *t)
{
	sg_cursor_pool *p = t->pool;

	if (!t->c)
		return;
	if (p && p->n < SG_CURSOR_POOL_MAX)
		p->free[p->n++] = t->c;
	else
		mdb_cursor_close(t->c);
	t->c = NULL;
}

static int open_at_start(sg_tcur *t, sg_error *err)
{
	uint8_t kb[SG_PKEY_LEN];
	MDB_val k, v;
	int rc;

	rc = cursor_take(t);
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
		 sg_cursor_pool *pool, const sg_termrec *tr, uint32_t limit,
		 uint64_t *decoded, uint64_t *skipped, sg_error *err)
{
	int rc;

	t->idx = idx;
	t->limit = limit;
	t->txn = txn;
	t->c = NULL;
	t->pool = pool;
	t->decoded_count = decoded;
	t->skipped_count = skipped;
	t->df = tr->df;
	if (tr->n_more == 0) { /* one element: no arrays */
		t->chain = t->firsts = NULL;
		t->one_termid = tr->termid;
		t->n_chain = 1;
		return open_at_start(t, err);
	}
	rc = sg_termrec_chain(tr, &t->chain, &t->firsts, &t->n_chain);
	if (rc != SG_OK) {
		t->chain = t->firsts = NULL;
		t->termid = tr->termid;
		return rc == SG_ENOMEM ? sg_err(err, rc, "out of memory") :
		       sg_err(err, SG_ECORRUPT, "%s: terms: term %u: the list "
			      "of its continuation termids does not decode or "
			      "does not rise; rebuild the index",
			      idx->st.dir, tr->termid);
	}
	return open_at_start(t, err);
}

int sg_tcur_clone(sg_tcur *to, const sg_tcur *from, sg_error *err)
{
	size_t n = from->n_chain;

	to->idx = from->idx;
	to->limit = from->limit;
	to->txn = from->txn;
	to->c = NULL;
	to->pool = from->pool;
	to->decoded_count = from->decoded_count;
	to->skipped_count = from->skipped_count;
	to->df = from->df;
	to->n_chain = n;
	to->one_termid = from->one_termid;
	if (!from->chain) {
		to->chain = to->firsts = NULL;
		return open_at_start(to, err);
	}
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
	cursor_give_back(t);
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
		rc = load_next(t, err);
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
	return load_next(t, err);
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
	rc = load_next(t, err);
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
			return rc == MDB_NOTFOUND ?
			       corrupt_at(t, "positions", t->blk.first, err,
					  "the block has no positions value") :
			       sg_store_fail(&t->idx->st, rc, "positions", err);
		t->pos_val = v.mv_data;
		t->pos_len = v.mv_size;
	}
	/* Where the last asked posting's positions start is kept, so no
	 * posting is skipped over twice: the cursor only moves forward in a
	 * block, and the positions of every posting between the last one
	 * asked and this one are skipped in ONE pass (their tfs summed), which
	 * lets sg_varint_skip_fast count whole words of terminators instead
	 * of a call per posting. */
	if (t->pos_known <= t->i) {
		const uint8_t *base = t->pos_val, *end = base + t->pos_len, *p;
		uint32_t from = t->pos_known ? t->pos_known - 1 : 0, j;
		size_t n = 0;

		if (t->pos_known == 0)
			t->pos_off[0] = 0;
		for (j = from; j < t->i; j++)
			n += t->tfs[j];
		p = base + t->pos_off[from];
		if (sg_varint_skip_fast(&p, end, n) != SG_OK)
			return corrupt_at(t, "positions", t->blk.first, err,
					  "the value ends before the positions "
					  "of posting %u (docid %u)", t->i + 1,
					  t->docs[t->i]);
		t->pos_off[t->i] = (uint32_t)(p - base);
		t->pos_known = t->i + 1;
	}
	if (sg_positions_decode((const uint8_t *)t->pos_val + t->pos_off[t->i],
				t->pos_len - t->pos_off[t->i], t->tfs + t->i, 0,
				out))
		return corrupt_at(t, "positions", t->blk.first, err,
				  "the %u positions of posting %u (docid %u) "
				  "do not decode or do not rise", t->tfs[t->i],
				  t->i + 1, t->doc);
	return SG_OK;
}
