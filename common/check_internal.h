/*
 * check_internal.h — what the two files of the integrity check share: the
 * checker's state and its small helpers. check.c walks the documents' side
 * (lengths, docs, ids, columns, stats) and drives the check; check_terms.c
 * walks the terms and their postings and positions.
 */
#ifndef SG_CHECK_INTERNAL_H
#define SG_CHECK_INTERNAL_H

#include <stdint.h>

#include "block.h"
#include "buf.h"
#include "error.h"
#include "index.h"
#include "store.h"

/* A term or an id escaped for a message: up to 4 bytes per input byte. */
#define SHOW_MAX (4 * SG_ID_MAX + 1)

struct checker {
	sg_index *idx;
	MDB_txn *txn;
	sg_error *err;
	sg_meta_stats ms;
	uint32_t *dls;        /* length slot of docids [0, n_slots) */
	uint32_t *tf_sum;     /* a live document's tfs over analyzer terms */
	size_t n_slots;
	uint8_t *claimed;     /* a bit per termid: some term's chain holds it */
	uint8_t *haspos;      /* ... and that term has positions */
	uint64_t live, live_len, n_docs;
	uint64_t unpos_blocks; /* blocks of unigram grams: no positions */
	sg_check_report rep;
	sg_buf texts, hashbuf, colstrs, colval;
	uint64_t col_values;  /* column values the live documents hold */
	uint64_t field_totals[SG_FIELDS_MAX]; /* the live documents' fieldpos
						 lengths, summed by field */
	uint32_t docids[SG_BLOCK_MAX], tfs[SG_BLOCK_MAX];
	char show[SHOW_MAX];
};

/* A corruption found: err names the record (sg_err, so the one error path). */
#define bad(c, ...) sg_err((c)->err, SG_ECORRUPT, __VA_ARGS__)

static inline int sg_check_nomem(struct checker *c)
{
	return sg_err(c->err, SG_ENOMEM, "out of memory");
}

static inline int bit_get(const uint8_t *bits, uint32_t i)
{
	return bits[i / 8] >> (i % 8) & 1;
}

static inline void bit_set(uint8_t *bits, uint32_t i)
{
	bits[i / 8] |= (uint8_t)(1u << (i % 8));
}

static inline uint32_t slot_of(const struct checker *c, uint32_t docid)
{
	return docid < c->n_slots ? c->dls[docid] : SG_DL_DEAD;
}

/* s escaped into c->show (valid until the next call). */
const char *sg_check_show(struct checker *c, const void *s, size_t len);
/* One cursor step: 1 and a record, 0 at the end, or an error. */
int sg_check_step(struct checker *c, MDB_cursor *cur, MDB_val *k,
		  MDB_val *v, int *op, const char *db);
int sg_check_cursor(struct checker *c, enum sg_dbi db, MDB_cursor **cur);
int sg_check_entries(struct checker *c, enum sg_dbi db, uint64_t *n);

/* ------------------------------------------------ interface to check_terms.c */

/* Every term record and its chain of blocks (docs/FORMAT.md "Invariants"). */
int sg_check_terms(struct checker *c);
/* Names a key of db that no term's chain reached (counts disagree). */
int sg_check_stray_block(struct checker *c, enum sg_dbi db, const char *name,
			 uint64_t want, uint64_t have);
/* Each live document's tfs over the analyzer's terms sum to its length. */
int sg_check_tf_sums(struct checker *c);

#endif
