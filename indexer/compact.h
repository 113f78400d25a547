/*
 * compact.h — compaction, the indexer's other writer (indexer/compact.c).
 * sg_writer_compact (sagasu.h) commits the writer's batch and calls it.
 */
#ifndef SG_COMPACT_H
#define SG_COMPACT_H

#include "error.h"
#include "index.h"

/* Rewrites every term's postings and positions without the documents
 * whose length slot is SG_DL_DEAD, drops terms whose df is 0 and sets n_dead
 * to 0, in one write transaction (redone from the start after the map
 * grows). Call it with no transaction of this process open on idx.
 * cancel (may be NULL) is polled once a term: SG_EINTR then, with the
 * transaction abandoned and the index unchanged.
 * 0, SG_EINVAL (idx opened read-only), SG_ENOMEM, SG_ECORRUPT (a term's
 * live postings disagree with its record, or a block does not decode), or
 * a store error. */
int sg_compact(sg_index *idx, const sg_cancel *cancel, sg_error *err);

#endif
