/*
 * sortfilter.h — sorting and filtering hits on stored fields (sagasu.h
 * sg_search_options.sort and .filters; docs/QUERY.md "Sort, filter,
 * paging").
 *
 * A field's value comes from the cheapest place that holds it: a declared
 * column (the `columns` table: one small record), else an indexed field's
 * text, else the stored JSON of the document record (decoded, and for the
 * texts decompressed, per document). The rules of values and filters are
 * common/columns.h's.
 *
 * Filters leave ranking exact and pruning on: a document is tested only
 * when it would enter the top k, and dropped then (the threshold is the
 * k-th best among documents that pass, so every skip stays safe). Sorting
 * by a field instead needs every match: the evaluator collects them all,
 * and sg_sortfilter_order sorts them by the keys, then by rank.
 */
#ifndef SG_SORTFILTER_H
#define SG_SORTFILTER_H

#include <stddef.h>
#include <stdint.h>

#include "index.h"

typedef struct sg_sortfilter sg_sortfilter;

/* A match to order: its rank in the engine's order (tier, then score). */
typedef struct sg_sf_cand {
	uint32_t docid;
	int tier;
	double score;
} sg_sf_cand;

/* Compiles the sort keys and filters of one search; *out is NULL when
 * there are none. SG_EINVAL names a bad spec. */
int sg_sortfilter_new(sg_index *idx, const char *const *sort, size_t n_sort,
		      const char *const *filters, size_t n_filters,
		      sg_sortfilter **out, sg_error *err);
void sg_sortfilter_free(sg_sortfilter *sf);

/* 1 when a key other than _score orders the hits (collect every match). */
int sg_sortfilter_sorts(const sg_sortfilter *sf);

/* 1 when docid satisfies every filter, 0 when not, or an SG_E... code. */
int sg_sortfilter_accept(sg_sortfilter *sf, MDB_txn *txn, uint32_t docid,
			 sg_error *err);

/* Sorts c[0..n) by the keys (a missing value last in either direction),
 * ties by rank (tier, score descending, then docid). 0 or an SG_E...
 * code. */
int sg_sortfilter_order(sg_sortfilter *sf, MDB_txn *txn, sg_sf_cand *c,
			size_t n, sg_error *err);

#endif
