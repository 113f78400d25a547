/*
 * eval_or.c — a disjunction of leaves (--or) by MaxScore: leaves sorted
 * by their upper bound; those whose bounds together cannot reach the k-th
 * score are "non-essential" and only looked up for candidates found by
 * the others, and a candidate stops being scored as soon as its bound
 * falls below the k-th score.
 */
#include <stdlib.h>
#include <string.h>

#include "search_internal.h"

/* Disjunction of leaves pos[0..np) minus leaves neg[0..nn): MaxScore. */
int sq_eval_or(struct run *r, size_t *pos, size_t np, size_t *neg,
	       size_t nn)
{
	double *cum = sg_malloc((np + 1) * sizeof(*cum));
	double *contrib = sg_calloc(r->n_leaves + 1, sizeof(*contrib));
	char *is_pos = sg_calloc(r->n_leaves + 1, 1);
	size_t i, e = 0, reg_e = SIZE_MAX;
	/* The block-max region last computed: its end, its bound, for the
	 * essential leaves pos[reg_e..np) (reg_e SIZE_MAX: none yet). */
	uint32_t reg_end = 0;
	double reg_bound = 0;
	int rc = SG_OK;

	if (!cum || !contrib || !is_pos) {
		sg_free(cum);
		sg_free(contrib);
		sg_free(is_pos);
		return sg_err(r->err, SG_ENOMEM, "out of memory");
	}
	for (i = 0; i < np; i++)
		is_pos[pos[i]] = 1;
	rc = sq_sort_leaves(r, pos, np, BY_UB);
	if (rc != SG_OK)
		goto out;
	/* cum[i]: the bounds of pos[0..i) together. */
	cum[0] = 0;
	for (i = 0; i < np; i++)
		cum[i + 1] = cum[i] + r->leaves[pos[i]].ub;
	for (;;) {
		double theta = threshold(r), partial = 0, score;
		uint32_t d = SG_DOC_END, dl;
		int any, pruned = 0, excluded = 0, tier;

		/* Leaves pos[0..e) cannot lift a document into the top k on
		 * their own: they only add to candidates of the others. */
		while (e < np && cum[e + 1] * BOUND_SLACK <= theta)
			e++;
		if (e > 0)
			r->lower_bound = 1;
		if (e == np)
			break;
		for (i = e; i < np; i++)
			if (r->leaves[pos[i]].doc < d)
				d = r->leaves[pos[i]].doc;
		if (d == SG_DOC_END)
			break;
		if (r->n_heap == r->k) {
			/* Block-max: up to the nearest end of an essential
			 * leaf's current block, each essential leaf scores at
			 * most its block's bound (its postings from d on lie
			 * in that block) and the others their global bounds.
			 * When that cannot beat the k-th score, the whole
			 * region is skipped without decoding a posting. The
			 * region's bound holds for every candidate up to its
			 * end while the essential leaves are the same: a leaf
			 * that moved on left its block only past the end, or
			 * ended, and then bounds nothing there. Only the k-th
			 * score, which rises, is compared again. */
			if (reg_e != e || d > reg_end) {
				reg_bound = cum[e];
				reg_end = SG_DOC_END;
				reg_e = e;
				for (i = e; i < np; i++) {
					struct leaf *l = &r->leaves[pos[i]];
					size_t t;

					if (l->doc == SG_DOC_END)
						continue;
					reg_bound += sq_leaf_block_bound(r, l);
					for (t = 0; t < l->n; t++)
						if (l->cur[t].blk.last < reg_end)
							reg_end = l->cur[t].blk.last;
				}
			}
			if (reg_bound * BOUND_SLACK <= theta) {
				r->skipped++;
				r->lower_bound = 1;
				reg_e = SIZE_MAX;
				for (i = e; i < np; i++) {
					struct leaf *l = &r->leaves[pos[i]];

					if (l->doc <= reg_end && (rc = sq_leaf_advance(r, l,
					       reg_end == SG_DOC_END ? reg_end : reg_end + 1)) != SG_OK)
						goto out;
				}
				continue;
			}
		}
		dl = doc_len(r, d);
		if (dl != SG_DL_DEAD) {
			double dlw;

			if ((rc = sq_doc_dlw(r, d, dl, &dlw)) != SG_OK)
				goto out;
			/* Each leaf's contrib is written below, 0 when it is
			 * not on d, before the sum reads it (unless pruned). */
			for (i = e; i < np; i++) {
				struct leaf *l = &r->leaves[pos[i]];
				uint32_t tf;

				if (l->doc != d) {
					contrib[pos[i]] = 0;
					continue;
				}
				rc = sq_leaf_tf(r, l, d, &tf);
				if (rc != SG_OK)
					goto out;
				contrib[pos[i]] = tf ? bm25(r, l->idf,
						      leaf_wtf(r, l, tf), dlw) : 0;
				partial += contrib[pos[i]];
			}
			for (i = e; i-- > 0;) {
				struct leaf *l = &r->leaves[pos[i]];
				uint32_t tf;

				if ((partial + cum[i + 1]) * BOUND_SLACK <= theta) {
					pruned = 1;
					break;
				}
				rc = sq_leaf_advance(r, l, d);
				if (rc != SG_OK)
					goto out;
				if (l->doc != d) {
					contrib[pos[i]] = 0;
					continue;
				}
				rc = sq_leaf_tf(r, l, d, &tf);
				if (rc != SG_OK)
					goto out;
				contrib[pos[i]] = tf ? bm25(r, l->idf,
						      leaf_wtf(r, l, tf), dlw) : 0;
				partial += contrib[pos[i]];
			}
			if (partial == 0 && !pruned)
				excluded = 1; /* phrase candidates unconfirmed */
			for (i = 0; i < nn && !excluded && !pruned; i++) {
				rc = sq_leaf_matches(r, neg[i], d);
				if (rc < 0)
					goto out;
				excluded = rc;
			}
			rc = SG_OK;
			if (!pruned && !excluded) {
				/* Every leaf was looked at: the canonical score
				 * is their contributions summed in leaf order
				 * (score_doc's order), without reading again. */
				score = 0;
				any = 0;
				tier = 0;
				if (r->n_blends) {
					/* Blends sum their members' tfs
					 * first: score_doc (every leaf is
					 * on d or past it). */
					rc = sq_score_doc(r, d, dl, &score,
							  &tier, &any);
					if (rc != SG_OK)
						goto out;
				} else {
					r->scored++;
					if ((rc = sq_poll_cancel(r, r->scored)) != SG_OK)
						goto out;
					for (i = 0; i < r->n_leaves; i++)
						if (is_pos[i] && contrib[i] > 0) {
							score += contrib[i];
							any = 1;
						}
				}
				if (any) {
					r->total++;
					sq_heap_push(r, tier, score, d);
				}
			}
		}
		for (i = e; i < np; i++) {
			struct leaf *l = &r->leaves[pos[i]];

			if (l->doc == d) {
				rc = sq_leaf_advance(r, l, d + 1);
				if (rc != SG_OK)
					goto out;
			}
		}
	}
out:
	sg_free(cum);
	sg_free(contrib);
	sg_free(is_pos);
	return rc;
}
