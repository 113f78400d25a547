/*
 * tables.h — the write side's access to the docs, ids, lengths and terms
 * tables, and the transaction calls the writer and compaction make, so
 * that indexer/ never calls LMDB itself.
 *
 * The postings and positions tables and the term records are written by
 * common/postings_write.h; the meta records by index.h (sg_meta_...).
 * Byte layouts: docs/FORMAT.md.
 *
 * Point reads and the read snapshot the writer keeps (its ids and old
 * records) are postings_read.h's, shared with the query side; this file
 * adds only what writes, and the walk that survives writes.
 *
 * Lifetimes: a pointer into the map (sg_term_walk_next, and the reads of
 * postings_read.h) stays valid until the next write of the transaction
 * or its end, whichever comes first (the LMDB rule); copy it before a put.
 *
 * Codes: every function returns 0 or a negative SG_E... code and fills err
 * with sg_store_fail's translation, which names what was being done ("reading
 * ids", "writing a document", ...). Where SG_ENOTFOUND is said to leave err
 * untouched, absence is for the caller to judge.
 */
#ifndef SG_TABLES_H
#define SG_TABLES_H

#include <stddef.h>
#include <stdint.h>

#include "index.h"
#include "postings_read.h"

/* ------------------------------------------------------------ docs and ids */

/* Stores the record `rec` of a new docid, larger than every stored one
 * (appended), and makes the id name it. */
int sg_doc_append(sg_index *idx, MDB_txn *txn, uint32_t docid,
		  const char *id, size_t id_len, const void *rec,
		  size_t rec_len, sg_error *err);

/* Deletes the record of docid and, unless the id now names another
 * docid, the id. */
int sg_doc_remove(sg_index *idx, MDB_txn *txn, uint32_t docid,
		  const char *id, size_t id_len, sg_error *err);

/* ------------------------------------------------------------ lengths */

/* Copies the `lengths` value of chunk c (docids c * SG_LEN_CHUNK ...) into
 * chunk[SG_LEN_CHUNK * 4]; an absent chunk reads as all SG_DL_DEAD.
 * SG_ECORRUPT when the value has the wrong size. */
int sg_lengths_chunk_read(sg_index *idx, MDB_txn *txn, uint32_t c,
			  uint8_t *chunk, sg_error *err);

/* Writes chunk[SG_LEN_CHUNK * 4] as the `lengths` value of chunk c. */
int sg_lengths_chunk_write(sg_index *idx, MDB_txn *txn, uint32_t c,
			   const uint8_t *chunk, sg_error *err);

/* ------------------------------------------------------------ columns */

/* Stores value bytes val[len] (columns.h) as column `column` of docid. */
int sg_column_put(sg_index *idx, MDB_txn *txn, unsigned column,
		  uint32_t docid, const void *val, size_t len, sg_error *err);

/* Deletes every column value of docid (none is fine). */
int sg_columns_delete(sg_index *idx, MDB_txn *txn, uint32_t docid,
		      sg_error *err);

/* ------------------------------------------------------------ terms */

/* The number of terms in the dictionary. */
int sg_terms_count(sg_index *idx, MDB_txn *txn, size_t *n, sg_error *err);

/* A walk over the dictionary in key order that survives writes between its
 * steps: each step seeks afresh after the key the caller kept. */
typedef struct sg_term_walk {
	sg_index *idx;
	MDB_cursor *cur;
} sg_term_walk;

int sg_term_walk_open(sg_term_walk *tw, sg_index *idx, MDB_txn *txn,
		      sg_error *err);
/* The first term after the key after[0, after_len) (after NULL: the first
 * term, even if after_len is 0): 1 with its key and record in the map, 0 at
 * the end, or a negative error. `after` need not be stored any more. */
int sg_term_walk_next(sg_term_walk *tw, const void *after, size_t after_len,
		      const void **key, size_t *key_len, const void **val,
		      size_t *val_len, sg_error *err);
void sg_term_walk_close(sg_term_walk *tw);

#endif
