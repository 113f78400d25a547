/*
 * postings_read.h — the read side of the storage layer: what query/ and the
 * CLI's dump read from an index, without calling LMDB themselves.
 *
 * It owns the read snapshot (a read-only LMDB transaction, begun and
 * renewed here), point reads of the docs, lengths and positions tables, and
 * scans of a table in key order (the terms of a prefix, every term or
 * every document record). Nothing is copied: every pointer it hands out
 * points into the memory map and stays valid until the snapshot is renewed
 * or ended (the LMDB rule), which is what lets a query decode blocks in
 * place. A term's postings are read with common/cursor.h (a query) or
 * sg_chain_walk (index.h: compaction and the dump); term records with
 * sg_term_get (index.h). The write side is common/postings_write.h.
 *
 * Codes: SG_ENOTFOUND means the key is absent and leaves err untouched
 * (the caller decides whether absence is damage); any other failure is
 * sg_store_fail's translation, naming the table.
 */
#ifndef SG_POSTINGS_READ_H
#define SG_POSTINGS_READ_H

#include <stddef.h>
#include <stdint.h>

#include "index.h"

/* ------------------------------------------------------------ snapshot */

/* Begins a read snapshot of idx. */
int sg_read_begin(sg_index *idx, MDB_txn **txn, sg_error *err);
/* Moves the snapshot *txn to the latest commit; when another process grew
 * the map, *txn is replaced by a new one. Pointers from the old snapshot
 * are invalid after it. */
int sg_read_renew(sg_index *idx, MDB_txn **txn, sg_error *err);
/* 1 when nothing was committed since snapshot txn began (the cheap check
 * before a renewal), else 0. */
int sg_read_current(sg_index *idx, MDB_txn *txn);
/* Ends a snapshot (NULL: nothing). */
void sg_read_end(MDB_txn *txn);

/* ------------------------------------------------------------ point reads */

/* The `lengths` value of chunk c (docids c * SG_LEN_CHUNK ...): *chunk
 * points at its SG_LEN_CHUNK little-endian u32 in the map. SG_ENOTFOUND
 * (err untouched) when the chunk is absent; SG_ECORRUPT when the value is
 * not SG_LEN_CHUNK * 4 bytes; the message names "reading lengths". */
int sg_lengths_chunk_get(sg_index *idx, MDB_txn *txn, uint32_t c,
			 const uint8_t **chunk, sg_error *err);

/* The docid of external id (len bytes). SG_ENOTFOUND (err untouched)
 * when absent; SG_ECORRUPT when the value is not 4 bytes. */
int sg_id_get(sg_index *idx, MDB_txn *txn, const char *id, size_t len,
	      uint32_t *docid, sg_error *err);

/* The `docs` value of docid, in place (decode it with docrec.h).
 * SG_ENOTFOUND (err untouched) when absent. */
int sg_doc_get(sg_index *idx, MDB_txn *txn, uint32_t docid,
	       const void **val, size_t *len, sg_error *err);

/* The `positions` value under the postings key pkey (SG_PKEY_LEN bytes), in
 * place. SG_ENOTFOUND (err untouched) when absent; other failures name
 * `what`. */
int sg_positions_get(sg_index *idx, MDB_txn *txn, const void *pkey,
		     const void **val, size_t *len, const char *what,
		     sg_error *err);

/* ------------------------------------------------------------ scans */

/* A walk over one table in key order. */
typedef struct sg_scan {
	sg_index *idx;
	MDB_cursor *c;
	int started;
	const void *from;       /* first key, or NULL for the first record */
	size_t from_len;
	const char *what;       /* names a failed read */
} sg_scan;

/* Opens a scan of table db from the first key >= from (NULL: from the
 * first record). A failed open names open_what, a failed read read_what. */
int sg_scan_open(sg_scan *s, sg_index *idx, MDB_txn *txn, enum sg_dbi db,
		 const void *from, size_t from_len, const char *open_what,
		 const char *read_what, sg_error *err);
/* 1 and the next record (pointers into the map), 0 at the end, or a
 * negative error. */
int sg_scan_next(sg_scan *s, const void **key, size_t *key_len,
		 const void **val, size_t *val_len, sg_error *err);
void sg_scan_close(sg_scan *s);

#endif
