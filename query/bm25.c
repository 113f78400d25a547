/*
 * bm25.c — the canonical score of one document (docs/RANKING.md):
 *        idf(t) · tf·(k1+1) / (tf + k1·(1 − b + b·dl/avgdl))
 * over every scoring leaf it matches, summed in leaf order, so that pruned
 * and exhaustive evaluation give bit-identical scores. A phrase's tf is
 * its number of occurrences and its idf the sum of its terms' idfs; on a
 * substring index each keyword scores by its unit (docs/RECALL.md) and
 * lifts the document's tier when it matched as whole morphemes. bm25()
 * and idf_of(), called per posting, are inline in search_internal.h.
 */
#include "search_internal.h"

int sq_score_doc(struct run *r, uint32_t docid, uint32_t dl,
		 double *score, int *tier, int *matched_any)
{
	size_t i;
	int rc;

	*score = 0;
	*tier = 0;
	*matched_any = 0;
	r->scored++;
	if ((rc = sq_poll_cancel(r, r->scored)) != SG_OK)
		return rc;
	if (r->substring) {
		/* Each keyword that matches scores by its morphemes when
		 * they match too (and lifts the tier), else by its
		 * substring occurrences (docs/RECALL.md). */
		for (i = 0; i < r->n_units; i++) {
			const struct unit *u = &r->units[i];
			struct leaf *sl = &r->leaves[u->sub];
			uint32_t tf = 0, mtf = 0;

			if (u->has_morph) {
				rc = sq_leaf_tf_at(r, &r->leaves[u->morph], docid,
						   &mtf);
				if (rc != SG_OK)
					return rc;
			}
			if (!(mtf && u->implied)) {
				rc = sq_leaf_tf_at(r, sl, docid, &tf);
				if (rc != SG_OK)
					return rc;
				if (!tf)
					continue;
			}
			*matched_any = 1;
			if (mtf) {
				(*tier)++;
				*score += bm25(r, r->leaves[u->morph].idf, mtf, dl);
			} else {
				*score += bm25(r, sl->idf, tf, dl);
			}
		}
		/* Leaves of no keyword (a prefix's terms) score as usual. */
		for (i = 0; i < r->n_leaves; i++) {
			struct leaf *l = &r->leaves[i];
			uint32_t tf;

			if (!l->scores || l->in_unit)
				continue;
			rc = sq_leaf_tf_at(r, l, docid, &tf);
			if (rc != SG_OK)
				return rc;
			if (tf) {
				*score += bm25(r, l->idf, tf, dl);
				*matched_any = 1;
			}
		}
		return SG_OK;
	}
	for (i = 0; i < r->n_leaves; i++) {
		struct leaf *l = &r->leaves[i];
		uint32_t tf;

		if (!l->scores)
			continue;
		rc = sq_leaf_tf_at(r, l, docid, &tf);
		if (rc != SG_OK)
			return rc;
		if (tf) {
			*score += bm25(r, l->idf, tf, dl);
			*matched_any = 1;
		}
	}
	return SG_OK;
}
