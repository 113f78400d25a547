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

typedef struct sg_tcur {
	sg_index *idx;
	MDB_txn *txn;
	MDB_cursor *c;
	uint32_t termid;     /* the chain element being read (index.h) */
	uint32_t *chain;     /* the term's termids ... */
	uint32_t *firsts;    /* ... and the first docid each holds */
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
	uint32_t pos_known;  /* pos_off holds the offsets of postings
				0..pos_known-1 (found on demand) */
	uint32_t pos_off[SG_BLOCK_MAX];
	uint64_t df;         /* the term's df (for leapfrog order) */
	uint64_t *decoded_count, *skipped_count; /* the search's counters */
} sg_tcur;

/* Positions the cursor on the first posting of the term whose record is
 * tr (its chain is copied). Every docid must be below limit (the index's
 * next_docid); a block that holds one is SG_ECORRUPT. So is any block or
 * positions value that does not decode, or docids that do not rise across
 * blocks: the messages name the database, the termid and the block's
 * first docid. */
int sg_tcur_open(sg_tcur *t, sg_index *idx, MDB_txn *txn,
		 const sg_termrec *tr, uint32_t limit, uint64_t *decoded,
		 uint64_t *skipped, sg_error *err);
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
