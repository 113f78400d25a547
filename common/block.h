/*
 * block.h — the byte format of a postings block and of its positions.
 *
 * A term's postings are cut into blocks of at most SG_BLOCK_MAX documents.
 * Each block is one LMDB value under the key (termid, first docid), both
 * big-endian (store.h), so a cursor positioned with MDB_SET_RANGE at
 * (termid, d) and stepped back once lands on the only block that may hold d.
 *
 *   postings value                         positions value (same key)
 *   +----------------------------+         +------------------------------+
 *   | n          varint  1..128  |         | for each posting i < n:      |
 *   | last_gap   varint          |         |   p0       varint (absolute) |
 *   | max_tf     varint          |         |   p1 - p0  varint  (>= 1)    |
 *   | min_dl     varint          |         |   ...      tf[i] values      |
 *   | gap[1..n-1] varints (>= 1) |         +------------------------------+
 *   | tf[0..n-1]  varints (>= 1) |
 *   +----------------------------+
 *
 * docid[0] is the key's first docid, docid[i] = docid[i-1] + gap[i], and
 * docid[n-1] = docid[0] + last_gap: a reader learns the block's range from
 * the header alone and skips it without decoding. max_tf is the largest tf
 * in the block and min_dl the smallest document length among its documents
 * when it was written. BM25 grows with tf and falls with dl, so
 * bm25(max_tf, min_dl) bounds every score in the block whatever N, avgdl,
 * k1 and b become (a deletion only removes documents from under the bound).
 * Positions live apart so that ranking never reads them.
 */
#ifndef SG_BLOCK_H
#define SG_BLOCK_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define SG_BLOCK_MAX 128

typedef struct sg_block {
	uint32_t n;          /* postings in the block */
	uint32_t first;      /* docid[0], from the key */
	uint32_t last;       /* docid[n-1] */
	uint32_t max_tf;
	uint32_t min_dl;
	const uint8_t *body; /* the gaps, then the tfs */
	const uint8_t *end;
} sg_block;

/* Appends a block of n postings (docids ascending, tfs >= 1) to out. */
int sg_block_encode(sg_buf *out, const uint32_t *docids, const uint32_t *tfs,
		    uint32_t n, uint32_t max_tf, uint32_t min_dl);

/* Reads the header of the block stored under first docid `first`.
 * 0 or SG_ECORRUPT. */
int sg_block_open(sg_block *b, uint32_t first, const void *val, size_t len);

/* Decodes all docids and tfs (arrays of SG_BLOCK_MAX). 0 or SG_ECORRUPT. */
int sg_block_decode(const sg_block *b, uint32_t *docids, uint32_t *tfs);

/* Appends the positions of one posting (ascending, tf of them). */
int sg_positions_encode(sg_buf *out, const uint32_t *pos, uint32_t tf);

/* Positions of posting i of a block whose tfs are known: skips the first i
 * postings' positions and decodes tfs[i] values into out. */
int sg_positions_decode(const void *val, size_t len, const uint32_t *tfs,
			uint32_t i, uint32_t *out);

/* Checks a whole positions value against its block's n tfs in one pass:
 * tfs[i] strictly ascending positions for each posting, nothing after the
 * last (the integrity check, common/check.c). *n_positions receives the
 * number read. 0 or SG_ECORRUPT. */
int sg_positions_verify(const void *val, size_t len, const uint32_t *tfs,
			uint32_t n, uint64_t *n_positions);

#endif
