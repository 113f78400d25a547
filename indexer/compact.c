/*
 * compact.c — dropping deleted documents' postings (sg_compact, compact.h).
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
 * value lives on), and the walk over `terms` (sg_term_walk_next) seeks
 * afresh after a copy of the last term's key instead of trusting the
 * cursor's next step after the record under it was deleted.
 *
 * A full map: sg_store_fail cannot grow the map while our write transaction
 * is open, so, as flush() in batch.c does, the transaction is aborted, the
 * map grown and the whole compaction done again from the start.
 *
 * The blocks are written by the one postings writer (common/postings_write.h)
 * that the writer's flush uses too; the tables are read and walked through
 * common/tables.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "block.h"
#include "compact.h"
#include "error.h"
#include "index.h"
#include "postings_write.h"
#include "tables.h"
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
	uint8_t dl[SG_LEN_CHUNK * 4];
};

struct compactor {
	sg_index *idx;
	MDB_txn *txn;
	const sg_cancel *cancel; /* the caller's stop request, or NULL */
	struct term_posts tp;
	struct len_cache lc;
	uint32_t bd[SG_BLOCK_MAX], bt[SG_BLOCK_MAX]; /* one block decoded */
	sg_block_writer bw;     /* the new blocks */
	sg_buf val;             /* a term record being encoded */
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
		/* An absent chunk reads as all SG_DL_DEAD. */
		int rc = sg_lengths_chunk_read(idx, c->txn, chunk, c->lc.dl,
					       err);

		if (rc != SG_OK)
			return rc;
		c->lc.chunk = chunk;
	}
	*dl = sg_le32_get(c->lc.dl + 4 * (docid % SG_LEN_CHUNK));
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
	MDB_val k, v;
	const void *pv;
	size_t pv_len;
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
			rc = sg_positions_get(idx, c->txn, k.mv_data, &pv,
					      &pv_len, "reading positions",
					      err);
		} else { /* a unigram: no positions (index.h) */
			pv = "";
			pv_len = 0;
			rc = SG_OK;
		}
		if (rc != SG_OK) {
			if (rc == SG_ENOTFOUND)
				rc = corrupt(c, term, term_len, "a positions "
					     "block is missing", err);
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
		p = pv;
		end = p + pv_len;
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
	size_t i;
	int rc;

	for (i = 0; i < c->tp.n_blocks; i++) {
		rc = sg_block_delete(c->idx, c->txn, c->tp.tids[i],
				     c->tp.firsts[i], c->haspos, err);
		if (rc != SG_OK)
			return rc;
	}
	return SG_OK;
}

/* Compacts one term (its key copied by the caller: `term` stays valid). */
static int compact_term(struct compactor *c, const char *term, size_t len,
			sg_termrec *tr, sg_error *err)
{
	sg_index *idx = c->idx;
	struct term_posts *tp = &c->tp;
	uint32_t max_tf = 0, min_dl = UINT32_MAX;
	uint64_t cf = 0;
	size_t i, n_live = 0;
	int rc;

	rc = gather(c, tr, term, len, err);
	if (rc != SG_OK)
		return rc;
	if (tr->df == 0) {
		rc = delete_blocks(c, err);
		if (rc != SG_OK)
			return rc;
		return sg_termrec_delete(idx, c->txn, term, len, err);
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
		/* Re-cut the live postings into blocks of block_size under
		 * the chain's first termid. */
		rc = delete_blocks(c, err);
		sg_block_writer_begin(&c->bw, c->txn, tr->termid, c->haspos,
				      0);
		for (i = 0; rc == SG_OK && i < n_live; i++) {
			uint32_t dl;

			rc = length_of(c, tp->docids[i], &dl, err);
			if (rc == SG_OK)
				rc = sg_block_writer_add(&c->bw, tp->docids[i],
					tp->tfs[i], dl,
					tp->pos.data + tp->pos_off[i],
					tp->pos_len[i], err);
		}
		if (rc == SG_OK)
			rc = sg_block_writer_finish(&c->bw, err);
		if (rc != SG_OK)
			return rc;
	}
	if (tr->max_tf == max_tf && tr->min_dl == min_dl && tr->n_more == 0)
		return SG_OK;
	tr->max_tf = max_tf;
	tr->min_dl = min_dl;
	tr->n_more = 0; /* the chain is folded into its first termid */
	tr->more_len = 0;
	return sg_termrec_put(idx, c->txn, &c->val, term, len, tr, 0, err);
}

/* The whole compaction inside txn. */
static int compact_txn(struct compactor *c, sg_error *err)
{
	sg_index *idx = c->idx;
	sg_term_walk tw;
	const void *k, *v;
	size_t k_len, v_len;
	sg_buf key = SG_BUF_INIT;
	sg_meta_stats ms;
	sg_termrec tr;
	int rc, first = 1;

	c->lc.chunk = UINT32_MAX;
	rc = sg_meta_read_stats(idx, c->txn, &ms, err);
	if (rc != SG_OK)
		return rc;
	rc = sg_term_walk_open(&tw, idx, c->txn, err);
	if (rc != SG_OK)
		return rc;
	for (;;) {
		/* The first term after the last one's key (which may be
		 * gone). */
		rc = sg_term_walk_next(&tw, first ? NULL : key.data, key.len,
				       &k, &k_len, &v, &v_len, err);
		first = 0;
		if (rc <= 0)
			break;
		sg_buf_reset(&key);
		if (sg_buf_append(&key, k, k_len) != SG_OK) {
			rc = sg_err(err, SG_ENOMEM, "out of memory");
			break;
		}
		if (sg_termrec_decode(&tr, v, v_len) != SG_OK) {
			rc = corrupt(c, key.data, key.len, "its record is "
				     "corrupt", err);
			break;
		}
		rc = sg_cancel_check(c->cancel, "the compaction was abandoned; "
				     "the index is unchanged", err);
		if (rc == SG_OK)
			rc = compact_term(c, key.data, key.len, &tr, err);
		if (rc != SG_OK)
			break;
	}
	sg_term_walk_close(&tw);
	sg_buf_release(&key);
	if (rc != SG_OK)
		return rc;
	ms.n_dead = 0;
	return sg_meta_write_stats(idx, c->txn, &ms, err);
}

int sg_compact(sg_index *idx, const sg_cancel *cancel, sg_error *err)
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
	c->cancel = cancel;
	sg_block_writer_init(&c->bw, idx);
	for (attempt = 0;; attempt++) {
		size_t mapsize = idx->st.mapsize;

		rc = sg_store_begin(&idx->st, 1, &c->txn, err);
		if (rc != SG_OK)
			break;
		rc = compact_txn(c, err);
		if (rc == SG_OK) {
			rc = sg_store_commit(&idx->st, c->txn, err);
		} else {
			sg_store_abort(c->txn);
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
	sg_block_writer_release(&c->bw);
	sg_buf_release(&c->val);
	sg_free(c);
	return rc;
}
