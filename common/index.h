/*
 * index.h — what the writer and the searcher share about an open index:
 * the store, the analyzer, the meta records, term records and the lengths
 * array. The byte layouts are in docs/FORMAT.md.
 */
#ifndef SG_INDEX_H
#define SG_INDEX_H

#include "buf.h"
#include "sagasu.h"
#include "store.h"

#define SG_FORMAT_VERSION 3
#define SG_MAGIC "sagasu-index"
#define SG_LEN_CHUNK 1024           /* document lengths per `lengths` value */
#define SG_DL_DEAD UINT32_MAX       /* length slot of a deleted docid */
#define SG_BLOCK_MAX_CFG 128        /* = SG_BLOCK_MAX of block.h */

struct sg_index {
	sg_store st;
	sg_analyzer *an;
	char fields[256];                 /* "title,body" */
	char field_buf[256];              /* fields split at the commas */
	const char *field[SG_FIELDS_MAX];
	size_t n_fields;
	char columns[256];                /* "date,price", or "" */
	char column_buf[256];             /* columns split at the commas */
	const char *column[SG_COLUMNS_MAX];
	size_t n_columns;
	uint32_t block_size;
	int substring;                    /* grams are indexed (meta) */
	int fresh;                        /* meta not written yet */
	char *new_dicdir;  /* a new index's --dicdir (meta "dicdir"), or NULL */
	char *new_userdic; /* a new index's compiled user dictionary file,
			      stored as meta "userdic"; NULL = none */
};

/* The file in an index directory that MeCab reads the index's user
 * dictionary from (-u); restored from meta "userdic" when missing. */
#define SG_USERDIC_FILE "user.dic"

/* Substring grams (docs/RECALL.md) share the term space with the
 * analyzer's terms, under keys that start with a NUL byte, which no analyzer
 * term holds (normalization turns NUL into a space): "\0" + one character
 * is a unigram, stored WITHOUT positions (its tf is all a one-character
 * query needs); "\0" + two characters is a bigram, with positions counted
 * in characters of the normalized text. */
static inline int sg_term_is_gram(const char *t, size_t len)
{
	return len > 1 && t[0] == '\0';
}

static inline size_t sg_utf8_lead_len(unsigned char b)
{
	return b < 0x80 ? 1 : (b >> 5) == 6 ? 2 : (b >> 4) == 14 ? 3 :
	       (b >> 3) == 30 ? 4 : 1;
}

/* 0 for a unigram key: its postings have no positions. */
static inline int sg_term_has_positions(const char *t, size_t len)
{
	return !(sg_term_is_gram(t, len) &&
		 sg_utf8_lead_len((unsigned char)t[1]) == len - 1);
}

/* meta "stats": the collection figures, rewritten by every batch. */
typedef struct sg_meta_stats {
	uint64_t n_docs;     /* live documents */
	uint64_t total_len;  /* sum of live documents' lengths */
	uint64_t n_dead;     /* deleted docids whose postings remain */
	uint32_t next_docid; /* docids are never reused; the first is 1 */
	uint32_t next_termid;
} sg_meta_stats;

int sg_meta_read_stats(sg_index *idx, MDB_txn *txn, sg_meta_stats *ms,
		       sg_error *err);
int sg_meta_write_stats(sg_index *idx, MDB_txn *txn, const sg_meta_stats *ms,
			sg_error *err);
/* Writes magic, format, analyzer, fields and block size (a new index). */
int sg_meta_write_header(sg_index *idx, MDB_txn *txn, sg_error *err);

/* A `terms` value. max_tf and min_dl bound the term's best BM25 score.
 *
 * A term's postings form a CHAIN of termids: each batch writes the
 * postings it adds under a fresh termid, larger than every termid before
 * it, so that a batch's blocks are appended at the end of the postings and
 * positions databases (MDB_APPEND: full pages, no page splits in the
 * middle of the tree) instead of being inserted after each term's older
 * blocks. The chain lists the later termids with the first docid each
 * holds; docids grow across the chain, so a cursor reads it in order and
 * seeks to the element whose range holds a docid. Compaction folds a
 * chain back into its first termid. */
typedef struct sg_termrec {
	uint32_t termid;
	uint64_t df;   /* live documents containing the term */
	uint64_t cf;   /* its occurrences in them */
	uint32_t max_tf;
	uint32_t min_dl;
	uint32_t n_more;        /* chain elements after the first */
	const uint8_t *more;    /* n_more × (varint termid, varint first
				   docid), pointing into the decoded value */
	size_t more_len;
} sg_termrec;

/* The chain of a term: termids[i] holds the docids from firsts[i] on
 * (firsts[0] = 0). Arrays of n entries the caller frees with free(). */
int sg_termrec_chain(const sg_termrec *t, uint32_t **termids,
		     uint32_t **firsts, size_t *n);

int sg_termrec_encode(sg_buf *out, const sg_termrec *t);
int sg_termrec_decode(sg_termrec *t, const void *val, size_t len);

/* Walks every postings block of a term along its chain, in docid order
 * (compaction and the dump read whole terms this way; queries seek with
 * common/cursor.h instead). */
typedef struct sg_chain_walk {
	sg_index *idx;
	MDB_cursor *cur;
	uint32_t *chain, *firsts;
	size_t n_chain, el;
	int started;
	uint8_t kb[SG_PKEY_LEN];
} sg_chain_walk;

int sg_chain_walk_open(sg_chain_walk *w, sg_index *idx, MDB_txn *txn,
		       const sg_termrec *tr, sg_error *err);
/* 1 and the next block's key and value (valid until the next call), 0 at
 * the end, or a negative error. */
int sg_chain_walk_next(sg_chain_walk *w, MDB_val *k, MDB_val *v,
		       sg_error *err);
void sg_chain_walk_close(sg_chain_walk *w);

/* Looks a term up: 0, SG_ENOTFOUND, or an error. */
int sg_term_get(sg_index *idx, MDB_txn *txn, const char *term, size_t len,
		sg_termrec *t, sg_error *err);

/* The length of a docid, SG_DL_DEAD if it is deleted or was never used. */
int sg_length_get(sg_index *idx, MDB_txn *txn, uint32_t docid, uint32_t *dl,
		  sg_error *err);
int sg_length_set(sg_index *idx, MDB_txn *txn, uint32_t docid, uint32_t dl,
		  sg_error *err);

/* The slot of docid in a `lengths` value (SG_LEN_CHUNK little-endian u32,
 * docs/FORMAT.md): 0, or SG_ECORRUPT when val is not SG_LEN_CHUNK * 4
 * bytes long. */
int sg_lengths_decode(const void *val, size_t len, uint32_t docid,
		      uint32_t *dl);

#endif
