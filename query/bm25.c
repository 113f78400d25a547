/*
 * bm25.c — the canonical score of one document (docs/RANKING.md):
 *        idf(t) · tf·(k1+1) / (tf + k1·(1 − b + b·dl/avgdl))
 * over every scoring leaf it matches, summed in leaf order, so that pruned
 * and exhaustive evaluation give bit-identical scores. A phrase's tf is
 * its number of occurrences and its idf the sum of its terms' idfs; on a
 * substring index each keyword scores by its unit (docs/RECALL.md) and
 * lifts the document's tier when it matched as whole morphemes; a blend's
 * members (a prefix's expansions, synonyms) score as one unit, after
 * every other leaf. With --weights, tf and dl are BM25F's weighted sums
 * (fields.c). bm25() and idf_of(), called per posting, are inline in
 * search_internal.h.
 */
#include "search_internal.h"

/* Leaf li's share of a document where it has tf occurrences: its own
 * bm25, or (a blend's member) its tf added to the blend's. */
static void add_share(struct run *r, size_t li, uint32_t tf, double dl,
		      double *score)
{
	const struct leaf *l = &r->leaves[li];
	struct blend *b;

	if (l->blend == SIZE_MAX) {
		*score += bm25(r, l->idf, leaf_wtf(r, l, tf), dl);
		return;
	}
	b = &r->blends[l->blend];
	if (l->sub) {
		b->sub_tf += tf;
		b->sub_wtf += leaf_wtf(r, l, tf);
	} else {
		b->tf += tf;
		b->wtf += leaf_wtf(r, l, tf);
	}
}

/* The blends' shares, after every leaf's (docs/RANKING.md, Blended
 * units): bm25 of the members' summed tf at the blend's idf, or, where
 * only its substring leaves matched, of their summed tf at theirs. */
static double blends_score(struct run *r, double dl)
{
	double s = 0;
	size_t i;

	for (i = 0; i < r->n_blends; i++) {
		struct blend *b = &r->blends[i];

		if (b->tf)
			s += bm25(r, b->idf, r->weighted ? b->wtf : b->tf, dl);
		else if (b->sub_tf)
			s += bm25(r, b->sub_idf, r->weighted ? b->sub_wtf :
				  b->sub_tf, dl);
		b->tf = b->sub_tf = 0;
		b->wtf = b->sub_wtf = 0;
	}
	return s;
}

int sq_score_doc(struct run *r, uint32_t docid, uint32_t dl_count,
		 double *score, int *tier, int *matched_any)
{
	size_t i;
	double dl;
	int rc;

	for (i = 0; i < r->n_blends; i++) {
		r->blends[i].tf = r->blends[i].sub_tf = 0;
		r->blends[i].wtf = r->blends[i].sub_wtf = 0;
	}
	*score = 0;
	*tier = 0;
	*matched_any = 0;
	r->scored++;
	if ((rc = sq_poll_cancel(r, r->scored)) != SG_OK)
		return rc;
	if ((rc = sq_doc_dlw(r, docid, dl_count, &dl)) != SG_OK)
		return rc;
	if (r->substring) {
		/* Each keyword that matches scores by its morphemes when
		 * they match (and lifts the tier), else by its substring
		 * occurrences (docs/RECALL.md). A morpheme match is a match
		 * even where the string is not (残る in 残った). */
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
			if (!mtf) {
				rc = sq_leaf_tf_at(r, sl, docid, &tf);
				if (rc != SG_OK)
					return rc;
				if (!tf)
					continue;
			}
			*matched_any = 1;
			if (mtf) {
				const struct leaf *ml = &r->leaves[u->morph];

				(*tier)++;
				*score += bm25(r, ml->idf, leaf_wtf(r, ml, mtf),
					       dl);
			} else {
				*score += bm25(r, sl->idf, leaf_wtf(r, sl, tf),
					       dl);
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
				add_share(r, i, tf, dl, score);
				*matched_any = 1;
			}
		}
		*score += blends_score(r, dl);
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
			add_share(r, i, tf, dl, score);
			*matched_any = 1;
		}
	}
	*score += blends_score(r, dl);
	return SG_OK;
}
