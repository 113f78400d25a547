/*
 * fieldpos.h — where each indexed field of a document lies among its
 * positions, and how long it is: what `title:word` (a word restricted to
 * one field) and BM25F's per-field lengths (`--weights`) read
 * (docs/FORMAT.md "fieldpos", docs/QUERY.md "Fields", docs/RANKING.md
 * "Field weights").
 *
 * A document's fields are analyzed one after the other into one position
 * space: field f+1 starts one position (FIELD_POS_GAP) past the last
 * position field f used, for tokens and for substring grams' characters
 * alike (indexer/analyze.c, sg_gram_cut). So the spans are derived from
 * each field's extent alone:
 *
 *     pos[0] = 0      pos[f+1]  = pos[f]  + npos[f]   + 1
 *     cpos[0] = 0     cpos[f+1] = cpos[f] + nchars[f] + 1
 *
 * The `fieldpos` table (optional: an index made before it lacks it) holds
 * one record per live document, keyed by docid BE32:
 *
 *     for each indexed field, in the order of meta "fields":
 *         npos    varint   positions the field's tokens used (indexed
 *                          or not): its tokens lie in [pos, pos + npos)
 *         nchars  varint   characters of its normalized text (0 on an
 *                          index without substring grams): its grams lie
 *                          in [cpos, cpos + nchars)
 *         dl      varint   its indexed terms (its BM25 length); the
 *                          fields' dl sum to the document's dl
 *
 * and meta "fieldstats" holds, for each indexed field in order, varint
 * total dl of the live documents (nothing after): the fields' totals sum
 * to stats.total_len.
 */
#ifndef SG_FIELDPOS_H
#define SG_FIELDPOS_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "index.h"

/* One field's place in a document (derived: pos, cpos; stored: the rest). */
typedef struct sg_fieldspan {
	uint32_t pos, npos;      /* tokens: [pos, pos + npos) */
	uint32_t cpos, nchars;   /* grams' characters: [cpos, cpos + nchars) */
	uint32_t dl;             /* indexed terms of the field */
} sg_fieldspan;

/* Appends the record of spans s[0..n) (npos, nchars, dl of each) to out.
 * SG_OK or SG_ENOMEM. */
int sg_fieldpos_encode(sg_buf *out, const sg_fieldspan *s, size_t n);

/* Decodes a record of exactly n fields into out[0..n), pos and cpos
 * derived. SG_ECORRUPT when the bytes are not that (truncated, trailing
 * bytes, a varint over 32 bits, positions that overflow 32 bits). */
int sg_fieldpos_decode(const void *p, size_t len, sg_fieldspan *out,
		       size_t n);

/* 1 when idx has the fieldpos table (a new index always does). */
int sg_fieldpos_present(const sg_index *idx);

/* The spans of docid's idx->n_fields fields. SG_ENOTFOUND (err untouched)
 * when the document has no record (deleted, or the index has no table);
 * SG_ECORRUPT naming the docid when the record does not decode. */
int sg_fieldpos_get(sg_index *idx, MDB_txn *txn, uint32_t docid,
		    sg_fieldspan *out, sg_error *err);

/* meta "fieldstats": totals[0..idx->n_fields) = each field's total dl over
 * the live documents. SG_ENOTFOUND (err untouched) when the record is
 * absent (an index without the table); SG_ECORRUPT when it is not
 * n_fields varints. */
int sg_fieldstats_read(sg_index *idx, MDB_txn *txn, uint64_t *totals,
		       sg_error *err);

/* ------------------------------------------------------------ writer side */

/* Stores rec[len] (sg_fieldpos_encode's) as docid's record. */
int sg_fieldpos_put(sg_index *idx, MDB_txn *txn, uint32_t docid,
		    const void *rec, size_t len, sg_error *err);
/* Deletes docid's record (none is fine). */
int sg_fieldpos_del(sg_index *idx, MDB_txn *txn, uint32_t docid,
		    sg_error *err);
/* Adds (sign +1) or takes away (-1) the fields' dl of spans s to or from
 * totals[0..n). */
void sg_fieldstats_add(uint64_t *totals, const sg_fieldspan *s, size_t n,
		       int sign);
/* meta "fieldstats" itself (index.c, beside meta "stats"): a missing
 * record reads as SG_ENOTFOUND, err untouched. */
int sg_meta_read_fieldstats(sg_index *idx, MDB_txn *txn, uint64_t *totals,
			    sg_error *err);
int sg_meta_write_fieldstats(sg_index *idx, MDB_txn *txn,
			     const uint64_t *totals, sg_error *err);

#endif
