/*
 * cursor.h — a term's postings, read in place from the LMDB map.
 *
 * A cursor walks the blocks of one term through an LMDB cursor on the
 * `postings` database. Block values are decoded where they lie in the
 * memory map (no copy); a block's header alone tells its docid range, so
 * sg_tcur_advance skips whole blocks without decoding them, and seeks with
 * MDB_SET_RANGE when the target is further than a few blocks away. Pointers
 * into the map stay valid until the read transaction ends.
 */
#ifndef SG_CURSOR_H
#define SG_CURSOR_H

#include <lmdb.h>
#include <stdint.h>

#include "block.h"
#include "index.h"

#define SG_DOC_END UINT32_MAX /* docid of an exhausted cursor */

/* LMDB cursors on `postings` that term cursors closed, for the next ones
 * to renew instead of allocating (a searcher keeps one: a query opens a
 * cursor per term). Only for read-only transactions. Fixed room, so that
 * giving one back never allocates (a failure there would go unseen): past
 * SG_CURSOR_POOL_MAX, cursors are closed. */
#define SG_CURSOR_POOL_MAX 64

typedef struct sg_cursor_pool {
	MDB_cursor *free[SG_CURSOR_POOL_MAX];
	size_t n;
} sg_cursor_pool;

/* Closes the pooled cursors (before the environment closes). */
void sg_cursor_pool_release(sg_cursor_pool *p);

typedef struct sg_tcur {
	sg_index *idx;
	MDB_txn *txn;
	MDB_cursor *c;
	sg_cursor_pool *pool; /* where c comes from and goes back, or NULL */
	uint32_t termid;     /* the chain element being read (index.h) */
	/* The term's termids and the first docid each holds: chain[] and
	 * firsts[], or, for a term of one element (nearly every term),
	 * chain and firsts NULL and its termid in one_termid (first 0). */
	uint32_t *chain;
	uint32_t *firsts;
	uint32_t one_termid;
	size_t n_chain, k;   /* elements, and the current one */
	sg_block blk;       /* the current block's header */
	const void *val;    /* ... and its value in the map */
	size_t val_len;
	uint32_t limit;     /* every docid is below it (next_docid) */
	int decoded;        /* docs/tfs hold the current block */
	uint32_t i;         /* index of the current posting in the block */
	uint32_t doc;       /* current docid, SG_DOC_END when exhausted */
	uint32_t docs[SG_BLOCK_MAX], tfs[SG_BLOCK_MAX];
	const void *pos_val; /* positions value of the block, once read */
	size_t pos_len;
	uint32_t pos_known;  /* pos_off[pos_known - 1] is the offset of
				posting pos_known - 1's positions (found on
				demand; the cursor only moves forward in a
				block, so earlier ones are never asked) */
	uint32_t pos_off[SG_BLOCK_MAX];
	uint64_t df;         /* the term's df (for leapfrog order) */
	uint64_t *decoded_count, *skipped_count; /* the search's counters */
} sg_tcur;

/* Positions the cursor on the first posting of the term whose record is
 * tr (its chain is copied), its LMDB cursor from pool when it has one
 * (pool may be NULL; txn must then be read-only). Every docid must be below limit (the index's
 * next_docid); a block that holds one is SG_ECORRUPT. So is any block or
 * positions value that does not decode, or docids that do not rise across
 * blocks: the messages name the database, the termid and the block's
 * first docid. */
int sg_tcur_open(sg_tcur *t, sg_index *idx, MDB_txn *txn,
		 sg_cursor_pool *pool, const sg_termrec *tr, uint32_t limit,
		 uint64_t *decoded, uint64_t *skipped, sg_error *err);
/* Opens `to` on the same term as `from`, at its first posting. */
int sg_tcur_clone(sg_tcur *to, const sg_tcur *from, sg_error *err);
void sg_tcur_close(sg_tcur *t);

/* Moves to the first posting with docid >= target (no move if already). */
int sg_tcur_advance(sg_tcur *t, uint32_t target, sg_error *err);
int sg_tcur_next(sg_tcur *t, sg_error *err);

/* The tf of the current posting. */
static inline uint32_t sg_tcur_tf(const sg_tcur *t)
{
	return t->tfs[t->i];
}

/* The positions of the current posting into out (room for its tf). */
int sg_tcur_positions(sg_tcur *t, uint32_t *out, sg_error *err);

#endif
