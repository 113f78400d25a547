/*
 * compact.c — dropping deleted documents' postings (sg_compact, index.h).
 *
 * A deletion (writer.c) lowers its terms' df and cf and marks the docid's
 * length slot SG_DL_DEAD, but leaves the postings where they are: rewriting
 * every block a document touches would make a deletion cost as much as a
 * rebuild of those terms. Queries skip dead postings by their length slot.
 * Compaction pays that debt in one write transaction:
 *
 *   for each term of `terms`, in byte order:
 *     df == 0   delete every block (termid, *) of postings and positions,
 *               then the term record;
 *     else      read all its blocks into memory (one term at a time), keep
 *               the postings whose length slot is not SG_DL_DEAD, count df
 *               and cf over them (they must equal the record's: SG_ECORRUPT
 *               otherwise), re-cut them into blocks of idx->block_size with
 *               exact max_tf and min_dl, delete the old blocks, put the new
 *               ones, and rewrite the record with exact max_tf and min_dl.
 *   then      n_dead = 0 in meta "stats".
 *
 * A term none of whose postings is dead and whose blocks are already cut
 * canonically (every block but the last full) keeps its blocks: their
 * max_tf and min_dl are exact already, since a live document's length never
 * changes. Only its record is rewritten when its bounds were loose.
 *
 * LMDB cursors and writes: every value read through a cursor is copied
 * before the first put or delete of the term (a put may move the page the
 * value lives on), and the walk over `terms` re-positions its cursor on a
 * copy of the last term's key with MDB_SET_RANGE instead of trusting
 * MDB_NEXT after the record under it was deleted.
 *
 * A full map: sg_store_fail cannot grow the map while our write transaction
 * is open, so, as flush() in writer.c does, the transaction is aborted, the
 * map grown and the whole compaction done again from the start.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "block.h"
#include "error.h"
#include "index.h"
#include "varint.h"

/* One term's postings, gathered from all its blocks. */
struct term_posts {
	uint32_t *docids, *tfs;
	size_t *pos_off;        /* posting i's positions: pos[pos_off[i]..] */
	size_t *pos_len;
	size_t n, cap;
	sg_buf pos;             /* every posting's encoded positions */
	uint32_t *firsts;       /* first docids (keys) of the old blocks */
	uint32_t *tids;         /* and their termids (chain elements) */
	size_t cap_tids;
	size_t n_blocks, cap_blocks;
	int canonical;          /* every old block but the last held bs */
};

/* The lengths chunk last read, copied (lengths are not written here). */
struct len_cache {
	uint32_t chunk;         /* UINT32_MAX: none */
	int present;
	uint8_t dl[SG_LEN_CHUNK * 4];
};

struct compactor {
	sg_index *idx;
	MDB_txn *txn;
	struct term_posts tp;
	struct len_cache lc;
	uint32_t bd[SG_BLOCK_MAX], bt[SG_BLOCK_MAX]; /* one block decoded */
	sg_buf val;             /* a value being encoded */
	sg_buf pos;             /* a new block's positions */
	int haspos;             /* the term being compacted has positions */
};

static int posts_reserve(struct term_posts *tp, size_t need)
{
	size_t cap = tp->cap;

	if (need <= tp->cap)
		return SG_OK;
	/* All four arrays share one capacity: grow each to the same size. */
	if (sg_grow_array((void **)&tp->docids, &cap, need, sizeof(uint32_t)))
		return SG_ENOMEM;
	cap = tp->cap;
	if (sg_grow_array((void **)&tp->tfs, &cap, need, sizeof(uint32_t)))
		return SG_ENOMEM;
	cap = tp->cap;
	if (sg_grow_array((void **)&tp->pos_off, &cap, need, sizeof(size_t)))
		return SG_ENOMEM;
	cap = tp->cap;
	if (sg_grow_array((void **)&tp->pos_len, &cap, need, sizeof(size_t)))
		return SG_ENOMEM;
	tp->cap = cap;
	return SG_OK;
}

static void posts_release(struct term_posts *tp)
{
	sg_free(tp->docids);
	sg_free(tp->tfs);
	sg_free(tp->pos_off);
	sg_free(tp->pos_len);
	sg_free(tp->firsts);
	sg_free(tp->tids);
	sg_buf_release(&tp->pos);
	memset(tp, 0, sizeof(*tp));
}

/* The length slot of docid, through a one-chunk cache. */
static int length_of(struct compactor *c, uint32_t docid, uint32_t *dl,
		     sg_error *err)
{
	sg_index *idx = c->idx;
	uint32_t chunk = docid / SG_LEN_CHUNK;

	if (chunk != c->lc.chunk) {
		uint8_t kb[4];
		MDB_val k = { 4, kb }, v;
		int rc;

		sg_be32_put(kb, chunk);
		rc = mdb_get(c->txn, idx->st.dbi[SG_DB_LENGTHS], &k, &v);
		if (rc == MDB_NOTFOUND) {
			c->lc.present = 0;
		} else if (rc != MDB_SUCCESS) {
			return sg_store_fail(&idx->st, rc, "reading lengths",
					     err);
		} else if (v.mv_size != sizeof(c->lc.dl)) {
			return sg_err(err, SG_ECORRUPT,
				      "%s: a lengths record is corrupt; "
				      "rebuild the index", idx->st.dir);
		} else {
			memcpy(c->lc.dl, v.mv_data, sizeof(c->lc.dl));
			c->lc.present = 1;
		}
		c->lc.chunk = chunk;
	}
	*dl = c->lc.present ?
	      sg_le32_get(c->lc.dl + 4 * (docid % SG_LEN_CHUNK)) : SG_DL_DEAD;
	return SG_OK;
}

static int corrupt(struct compactor *c, const char *term, size_t len,
		   const char *what, sg_error *err)
{
	return sg_err(err, SG_ECORRUPT,
		      "%s: term '%.*s': %s; rebuild the index",
		      c->idx->st.dir, (int)len, term, what);
}

/* Reads every block of termid (postings and positions) into c->tp. */
static int gather(struct compactor *c, const sg_termrec *tr, const char *term,
		  size_t term_len, sg_error *err)
{
	sg_index *idx = c->idx;
	struct term_posts *tp = &c->tp;
	MDB_val k, v, pv;
	sg_chain_walk walk;
	sg_block b;
	uint32_t i, termid;
	int rc;

	tp->n = 0;
	tp->n_blocks = 0;
	tp->canonical = tr->n_more == 0; /* a chain is always folded */
	c->haspos = sg_term_has_positions(term, term_len);
	sg_buf_reset(&tp->pos);
	rc = sg_chain_walk_open(&walk, idx, c->txn, tr, err);
	if (rc != SG_OK)
		return rc;
	/* Every block of every element of the chain, docids ascending. */
	while ((rc = sg_chain_walk_next(&walk, &k, &v, err)) == 1) {
		const uint8_t *p, *end;

		termid = sg_be32_get(k.mv_data);
		if (sg_block_open(&b, sg_be32_get((uint8_t *)k.mv_data + 4),
				  v.mv_data, v.mv_size) != SG_OK ||
		    sg_block_decode(&b, c->bd, c->bt) != SG_OK ||
		    (tp->n && b.first <= tp->docids[tp->n - 1])) {
			rc = corrupt(c, term, term_len,
				     "a postings block is corrupt", err);
			break;
		}
		if (tp->n_blocks && tp->canonical &&
		    tp->n != (size_t)tp->n_blocks * idx->block_size)
			tp->canonical = 0; /* an earlier block was not full */
		if (c->haspos) {
			rc = mdb_get(c->txn, idx->st.dbi[SG_DB_POSITIONS], &k,
				     &pv);
		} else { /* a unigram: no positions (index.h) */
			pv.mv_size = 0;
			pv.mv_data = (void *)"";
			rc = MDB_SUCCESS;
		}
		if (rc != MDB_SUCCESS) {
			rc = rc == MDB_NOTFOUND ?
			     corrupt(c, term, term_len, "a positions block "
				     "is missing", err) :
			     sg_store_fail(&idx->st, rc, "reading positions",
					   err);
			break;
		}
		if (sg_grow_array((void **)&tp->tids, &tp->cap_tids,
				  tp->n_blocks + 1, sizeof(uint32_t))) {
			rc = sg_err(err, SG_ENOMEM, "out of memory");
			break;
		}
		if (sg_grow_array((void **)&tp->firsts, &tp->cap_blocks,
			 tp->n_blocks + 1, sizeof(uint32_t)) ||
		    posts_reserve(tp, tp->n + b.n)) {
			rc = sg_err(err, SG_ENOMEM, "out of memory");
			break;
		}
		tp->tids[tp->n_blocks] = termid;
		tp->firsts[tp->n_blocks++] = b.first;
		p = pv.mv_data;
		end = p + pv.mv_size;
		for (i = 0; i < b.n; i++) {
			const uint8_t *start = p;

			if (c->haspos &&
			    sg_varint_skip(&p, end, c->bt[i]) != SG_OK)
				break;
			tp->docids[tp->n] = c->bd[i];
			tp->tfs[tp->n] = c->bt[i];
			tp->pos_off[tp->n] = tp->pos.len;
			tp->pos_len[tp->n] = (size_t)(p - start);
			tp->n++;
			if (sg_buf_append(&tp->pos, start,
					  (size_t)(p - start)) != SG_OK) {
				rc = sg_err(err, SG_ENOMEM, "out of memory");
				goto out;
			}
		}
		if (i < b.n || p != end) {
			rc = corrupt(c, term, term_len, "a positions block "
				     "does not match its postings", err);
			break;
		}
	}
out:
	sg_chain_walk_close(&walk);
	if (rc > 0)
		rc = SG_OK;
	if (rc == SG_OK && tp->n_blocks &&
	    tp->n - (size_t)(tp->n_blocks - 1) * idx->block_size >
	    idx->block_size)
		tp->canonical = 0; /* the last block is larger than bs */
	return rc;
}

/* Deletes the blocks (termid, first) listed in c->tp. */
static int delete_blocks(struct compactor *c, sg_error *err)
{
	sg_index *idx = c->idx;
	uint8_t kb[SG_PKEY_LEN];
	MDB_val k = { SG_PKEY_LEN, kb };
	size_t i;
	int rc;

	for (i = 0; i < c->tp.n_blocks; i++) {
		sg_pkey_put(kb, c->tp.tids[i], c->tp.firsts[i]);
		rc = mdb_del(c->txn, idx->st.dbi[SG_DB_POSTINGS], &k, NULL);
		if (rc == MDB_SUCCESS && c->haspos)
			rc = mdb_del(c->txn, idx->st.dbi[SG_DB_POSITIONS], &k,
				     NULL);
		if (rc != MDB_SUCCESS)
			return sg_store_fail(&idx->st, rc, "deleting a block",
					     err);
	}
	return SG_OK;
}

/* Writes the postings [from, to) of c->tp (all live, docids ascending) as
 * one block with its positions; `dls` are their lengths. */
static int put_block(struct compactor *c, uint32_t termid, size_t from,
		     size_t to, const uint32_t *dls, sg_error *err)
{
	sg_index *idx = c->idx;
	struct term_posts *tp = &c->tp;
	uint8_t kb[SG_PKEY_LEN];
	MDB_val k = { SG_PKEY_LEN, kb }, v;
	uint32_t max_tf = 0, min_dl = UINT32_MAX;
	size_t i;
	int rc;

	sg_buf_reset(&c->val);
	sg_buf_reset(&c->pos);
	for (i = from; i < to; i++) {
		if (tp->tfs[i] > max_tf)
			max_tf = tp->tfs[i];
		if (dls[i - from] < min_dl)
			min_dl = dls[i - from];
		if (sg_buf_append(&c->pos, tp->pos.data + tp->pos_off[i],
				  tp->pos_len[i]) != SG_OK)
			return sg_err(err, SG_ENOMEM, "out of memory");
	}
	if (sg_block_encode(&c->val, tp->docids + from, tp->tfs + from,
			    (uint32_t)(to - from), max_tf, min_dl) != SG_OK)
		return sg_err(err, SG_ENOMEM, "out of memory");
	sg_pkey_put(kb, termid, tp->docids[from]);
	v.mv_size = c->val.len;
	v.mv_data = c->val.data;
	rc = mdb_put(c->txn, idx->st.dbi[SG_DB_POSTINGS], &k, &v, 0);
	if (rc == MDB_SUCCESS && c->haspos) {
		v.mv_size = c->pos.len;
		v.mv_data = c->pos.data;
		rc = mdb_put(c->txn, idx->st.dbi[SG_DB_POSITIONS], &k, &v, 0);
	}
	return sg_store_fail(&idx->st, rc, "writing postings", err);
}

static int put_termrec(struct compactor *c, const char *term, size_t len,
		       const sg_termrec *tr, sg_error *err)
{
	MDB_val k = { len, (void *)term }, v;

	sg_buf_reset(&c->val);
	if (sg_termrec_encode(&c->val, tr) != SG_OK)
		return sg_err(err, SG_ENOMEM, "out of memory");
	v.mv_size = c->val.len;
	v.mv_data = c->val.data;
	return sg_store_fail(&c->idx->st,
			     mdb_put(c->txn, c->idx->st.dbi[SG_DB_TERMS], &k,
				     &v, 0), "writing a term", err);
}

/* Compacts one term (its key copied by the caller: `term` stays valid). */
static int compact_term(struct compactor *c, const char *term, size_t len,
			sg_termrec *tr, sg_error *err)
{
	sg_index *idx = c->idx;
	struct term_posts *tp = &c->tp;
	uint32_t bs = idx->block_size, max_tf = 0, min_dl = UINT32_MAX;
	uint32_t dls[SG_BLOCK_MAX];
	uint64_t cf = 0;
	size_t i, n_live = 0, start;
	int rc;

	rc = gather(c, tr, term, len, err);
	if (rc != SG_OK)
		return rc;
	if (tr->df == 0) {
		MDB_val k = { len, (void *)term };

		rc = delete_blocks(c, err);
		if (rc != SG_OK)
			return rc;
		return sg_store_fail(&idx->st,
				     mdb_del(c->txn, idx->st.dbi[SG_DB_TERMS],
					     &k, NULL), "deleting a term", err);
	}
	/* Keep the live postings, in place (the arrays only shrink). */
	for (i = 0; i < tp->n; i++) {
		uint32_t dl;

		rc = length_of(c, tp->docids[i], &dl, err);
		if (rc != SG_OK)
			return rc;
		if (dl == SG_DL_DEAD)
			continue;
		tp->docids[n_live] = tp->docids[i];
		tp->tfs[n_live] = tp->tfs[i];
		tp->pos_off[n_live] = tp->pos_off[i];
		tp->pos_len[n_live] = tp->pos_len[i];
		n_live++;
		cf += tp->tfs[i];
		if (tp->tfs[i] > max_tf)
			max_tf = tp->tfs[i];
		if (dl < min_dl)
			min_dl = dl;
	}
	if (n_live != tr->df || cf != tr->cf) {
		char what[160];

		snprintf(what, sizeof(what), "its record says df=%llu "
			 "cf=%llu but its live postings count df=%zu cf=%llu",
			 (unsigned long long)tr->df, (unsigned long long)tr->cf,
			 n_live, (unsigned long long)cf);
		return corrupt(c, term, len, what, err);
	}
	if (n_live < tp->n || !tp->canonical) {
		rc = delete_blocks(c, err);
		for (start = 0; rc == SG_OK && start < n_live; start += bs) {
			size_t end = start + bs < n_live ? start + bs : n_live;

			for (i = start; rc == SG_OK && i < end; i++)
				rc = length_of(c, tp->docids[i],
					       &dls[i - start], err);
			if (rc == SG_OK)
				rc = put_block(c, tr->termid, start, end, dls,
					       err);
		}
		if (rc != SG_OK)
			return rc;
	}
	if (tr->max_tf == max_tf && tr->min_dl == min_dl && tr->n_more == 0)
		return SG_OK;
	tr->max_tf = max_tf;
	tr->min_dl = min_dl;
	tr->n_more = 0; /* the chain is folded into its first termid */
	tr->more_len = 0;
	return put_termrec(c, term, len, tr, err);
}

/* The whole compaction inside txn. */
static int compact_txn(struct compactor *c, sg_error *err)
{
	sg_index *idx = c->idx;
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	sg_buf key = SG_BUF_INIT;
	sg_meta_stats ms;
	sg_termrec tr;
	int rc, first = 1;

	c->lc.chunk = UINT32_MAX;
	rc = sg_meta_read_stats(idx, c->txn, &ms, err);
	if (rc != SG_OK)
		return rc;
	rc = mdb_cursor_open(c->txn, idx->st.dbi[SG_DB_TERMS], &cur);
	if (rc != MDB_SUCCESS)
		return sg_store_fail(&idx->st, rc, "opening a cursor", err);
	for (;;) {
		if (first) {
			rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
		} else {
			/* The first key after the last term's (which may be
			 * gone). */
			k.mv_size = key.len;
			k.mv_data = key.data;
			rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
			if (rc == MDB_SUCCESS && k.mv_size == key.len &&
			    !memcmp(k.mv_data, key.data, key.len))
				rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
		}
		first = 0;
		if (rc == MDB_NOTFOUND) {
			rc = SG_OK;
			break;
		}
		if (rc != MDB_SUCCESS) {
			rc = sg_store_fail(&idx->st, rc, "reading terms", err);
			break;
		}
		sg_buf_reset(&key);
		if (sg_buf_append(&key, k.mv_data, k.mv_size) != SG_OK) {
			rc = sg_err(err, SG_ENOMEM, "out of memory");
			break;
		}
		if (sg_termrec_decode(&tr, v.mv_data, v.mv_size) != SG_OK) {
			rc = corrupt(c, key.data, key.len, "its record is "
				     "corrupt", err);
			break;
		}
		rc = compact_term(c, key.data, key.len, &tr, err);
		if (rc != SG_OK)
			break;
	}
	mdb_cursor_close(cur);
	sg_buf_release(&key);
	if (rc != SG_OK)
		return rc;
	ms.n_dead = 0;
	return sg_meta_write_stats(idx, c->txn, &ms, err);
}

int sg_compact(sg_index *idx, sg_error *err)
{
	struct compactor *c;
	int rc, attempt;

	if (idx->st.readonly)
		return sg_err(err, SG_EINVAL, "%s: opened read-only",
			      idx->st.dir);
	c = sg_calloc(1, sizeof(*c));
	if (!c)
		return sg_err(err, SG_ENOMEM, "out of memory");
	c->idx = idx;
	for (attempt = 0;; attempt++) {
		size_t mapsize = idx->st.mapsize;

		rc = sg_store_begin(&idx->st, 1, &c->txn, err);
		if (rc != SG_OK)
			break;
		rc = compact_txn(c, err);
		if (rc == SG_OK) {
			rc = sg_store_commit(&idx->st, c->txn, err);
		} else {
			mdb_txn_abort(c->txn);
			/* sg_store_fail cannot grow the map under an open
			 * transaction: grow it now that ours is gone. */
			if (rc == SG_EFULL && idx->st.mapsize == mapsize)
				(void)sg_store_grow(&idx->st, NULL);
		}
		c->txn = NULL;
		if (rc != SG_EFULL || idx->st.mapsize == mapsize ||
		    attempt == 40)
			break;
	}
	posts_release(&c->tp);
	sg_buf_release(&c->val);
	sg_buf_release(&c->pos);
	sg_free(c);
	return rc;
}
