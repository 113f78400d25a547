/*
 * postings_write.h — the one postings writer: cutting a term's postings
 * into blocks, putting each block and its positions, putting and deleting
 * term records. The writer's flush (indexer/batch.c) and compaction
 * (indexer/compact.c) both write through it; the formats are block.h's
 * and index.h's (sg_termrec), the keys store.h's (sg_pkey_put).
 *
 * A block writer takes one term's postings in docid order, with each
 * posting's document length and encoded positions, and puts a block every
 * idx->block_size postings (and the rest at sg_block_writer_finish), each
 * with its exact max_tf and min_dl:
 *
 *     sg_block_writer_begin(&bw, txn, termid, haspos, append);
 *     for each posting:  sg_block_writer_add(&bw, docid, tf, dl, pos, len);
 *     sg_block_writer_finish(&bw);
 *
 * `append` says every key it writes is larger than every stored one (the
 * writer's fresh termids, index.h's chain), so that LMDB appends them
 * (MDB_APPEND: full pages, no splits); compaction rewrites blocks in the
 * middle of the tables and passes 0.
 *
 * Codes: 0, SG_ENOMEM, or sg_store_fail's translation (a full map is
 * SG_EFULL: the caller aborts its transaction and redoes it).
 */
#ifndef SG_POSTINGS_WRITE_H
#define SG_POSTINGS_WRITE_H

#include <stddef.h>
#include <stdint.h>

#include "block.h"
#include "buf.h"
#include "index.h"

typedef struct sg_block_writer {
	sg_index *idx;
	MDB_txn *txn;
	uint32_t termid;
	int haspos;             /* 0 for a unigram: no positions (index.h) */
	int append;
	uint32_t n;             /* postings of the block being filled */
	uint32_t min_dl;
	uint32_t docids[SG_BLOCK_MAX], tfs[SG_BLOCK_MAX];
	sg_buf pos;             /* the block's positions */
	sg_buf val;             /* the block encoded */
} sg_block_writer;

/* Readies bw for writing into idx (no allocation). */
void sg_block_writer_init(sg_block_writer *bw, sg_index *idx);
/* Starts the blocks of termid inside txn. */
void sg_block_writer_begin(sg_block_writer *bw, MDB_txn *txn,
			   uint32_t termid, int haspos, int append);
/* Adds the next posting (docids ascending; pos[0, pos_len) its encoded
 * positions, none when !haspos); puts the block when it is full. */
int sg_block_writer_add(sg_block_writer *bw, uint32_t docid, uint32_t tf,
			uint32_t dl, const void *pos, size_t pos_len,
			sg_error *err);
/* Puts the last, partial block (none when it is empty). */
int sg_block_writer_finish(sg_block_writer *bw, sg_error *err);
/* Frees its buffers; bw may be begun again after sg_block_writer_init. */
void sg_block_writer_release(sg_block_writer *bw);

/* Deletes the block (termid, first) and, when haspos, its positions. */
int sg_block_delete(sg_index *idx, MDB_txn *txn, uint32_t termid,
		    uint32_t first, int haspos, sg_error *err);

/* Puts the record of term[0, len), encoded in `scratch` (reset first);
 * `append`: the term sorts after every stored one. */
int sg_termrec_put(sg_index *idx, MDB_txn *txn, sg_buf *scratch,
		   const char *term, size_t len, const sg_termrec *tr,
		   int append, sg_error *err);

/* Deletes the record of term[0, len). */
int sg_termrec_delete(sg_index *idx, MDB_txn *txn, const char *term,
		      size_t len, sg_error *err);

#endif
