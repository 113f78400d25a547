/*
 * accum.h — the in-memory postings of one batch, before a flush.
 *
 * An open-addressing hash table keyed by XXH3-64 of the term bytes. Each
 * entry owns a byte buffer of the term's postings in this batch, in docid
 * order, each posting encoded as
 *
 *     varint docid - previous docid (the first: docid - 0)
 *     varint tf
 *     varint positions: the first absolute, then gaps
 *
 * so that a posting costs a few bytes. sg_accum_bytes() is what the batch's
 * memory budget counts. The flush sorts the entries by term bytes.
 */
#ifndef SG_ACCUM_H
#define SG_ACCUM_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

typedef struct sg_accum_term {
	uint64_t hash;
	uint32_t term_off;   /* into the accumulator's term arena */
	uint32_t term_len;
	uint32_t last_docid; /* of its last posting */
	uint32_t n_docs;     /* postings in the batch */
	uint64_t cf;         /* occurrences in the batch */
	uint32_t max_tf;
	sg_buf post;
} sg_accum_term;

typedef struct sg_accum {
	sg_accum_term *terms;  /* the entries, in insertion order */
	size_t n_terms, cap_terms;
	uint32_t *slots;       /* hash table: index + 1 into terms, 0 = empty */
	size_t n_slots;        /* a power of two */
	sg_buf arena;          /* term bytes */
	size_t post_bytes;     /* sum of the entries' buffer capacities */
} sg_accum;

#define SG_ACCUM_INIT { NULL, 0, 0, NULL, 0, SG_BUF_INIT, 0 }

/* Adds one posting of `term` (docids of a term must come in ascending
 * order): tf and its positions already encoded as above (`pos_len` bytes;
 * none for a unigram), and the term's XXH3-64 computed by an analysis
 * thread. 0 or SG_ENOMEM. */
int sg_accum_add_hashed(sg_accum *a, const char *term, size_t len,
			uint64_t hash, uint32_t docid, uint32_t tf,
			const void *pos, size_t pos_len);

/* The term bytes of an entry. */
static inline const char *sg_accum_term_bytes(const sg_accum *a,
					      const sg_accum_term *t)
{
	return a->arena.data + t->term_off;
}

/* Bytes the batch holds (entries, table, arena, postings). */
size_t sg_accum_bytes(const sg_accum *a);

/* Sorts the entries by term bytes (the hash table becomes invalid: call
 * sg_accum_reset before the next add). */
void sg_accum_sort(sg_accum *a);

/* Empties the batch, keeping the table's memory for the next one. */
void sg_accum_reset(sg_accum *a);
void sg_accum_release(sg_accum *a);

#endif
