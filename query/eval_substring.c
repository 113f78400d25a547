/*
 * eval_substring.c — keyword mode on a substring index (docs/RECALL.md).
 * A keyword matches where its string stands or its morphemes do (the
 * substring leaf and its alt, leaf.c). When every keyword of a
 * conjunction has morphemes, a first pass runs the pruned conjunction
 * over the morpheme leaves: the documents where every keyword matches as
 * morphemes, the top tier, exactly. Only when it yields fewer than k hits
 * does a second pass (eval_sub_walk) walk and score every match, string
 * or morphemes, with block-max skipping once the heap is full. Other
 * shapes are walked exhaustively. node_rewind sends a tree's nodes back to
 * docid 0 between passes.
 */
#include <stdlib.h>
#include <string.h>

#include "search_internal.h"

static void node_rewind(struct node *n)
{
	size_t i;

	n->doc = 0;
	for (i = 0; i < n->n_kids; i++)
		node_rewind(n->kids[i]);
}

/* The second pass of eval_substring over a conjunction: a leapfrog over
 * the keywords req[] (each its substring leaf ∪ its alt, minus neg[]),
 * every match scored
 * and counted, with block-max skipping once the heap is full and its worst
 * hit has the highest tier this pass can reach (n_units - 1: the top tier
 * was pushed by the first pass): a document then enters only by its score,
 * and a keyword's score is bounded by the larger of its morpheme leaf's
 * bound and its substring leaf's block bound. */
static int eval_sub_walk(struct run *r, size_t *req, size_t nreq,
			 size_t *neg, size_t nn, int phase_a)
{
	uint32_t d = 1;
	size_t i, j;
	double *mub = sg_calloc(nreq + 1, sizeof(*mub));
	int rc = SG_OK;

	if (!mub)
		return sg_err(r->err, SG_ENOMEM, "out of memory");
	/* The rarest keyword drives the leapfrog. */
	rc = sq_sort_leaves(r, req, nreq, BY_DF);
	if (rc != SG_OK)
		goto out;
	for (i = 0; i < nreq; i++) {
		size_t u = r->leaves[req[i]].unit;

		if (u != SIZE_MAX && r->units[u].has_morph)
			mub[i] = r->leaves[r->units[u].morph].ub;
	}
	while (d != SG_DOC_END) {
		uint32_t dl;
		double score;
		int any, tier, excluded = 0;

		rc = sq_words_meet(r, req, nreq, &d);
		if (rc < 0)
			goto out;
		if (rc == 0) { /* one moved past d: d is the next candidate */
			rc = SG_OK;
			continue;
		}
		rc = SG_OK;
		if (r->n_heap == r->k && phase_a &&
		    r->heap[0].tier == (int)r->n_units - 1) {
			double bound = 0, theta = r->heap[0].score;

			for (i = 0; i < nreq; i++) {
				double b = sq_leaf_block_bound(r, &r->leaves[req[i]]);

				bound += b > mub[i] ? b : mub[i];
			}
			if (bound * BOUND_SLACK <= theta) {
				r->skipped++;
				r->lower_bound = 1;
				d = sq_leaves_past_blocks(r, req, nreq);
				continue;
			}
		}
		if (r->n_heap == r->k) {
			/* Before any position is read: the document's tier is
			 * at most the number of keywords whose morpheme leaf
			 * holds all its terms here, and its score at most the
			 * sum of the bounds; can it still beat the worst hit? */
			int tub = 0;
			double bound = 0;

			for (i = 0; i < nreq; i++) {
				double b = sq_leaf_block_bound(r, &r->leaves[req[i]]);

				j = r->leaves[req[i]].unit;
				if (j != SIZE_MAX && r->units[j].has_morph) {
					struct leaf *ml = &r->leaves[r->units[j].morph];

					if (ml->doc < d &&
					    (rc = sq_leaf_advance(r, ml, d)) != SG_OK)
						goto out;
					if (ml->doc == d) {
						tub++;
						if (mub[i] > b)
							b = mub[i];
					}
				}
				bound += b;
			}
			if (tub < r->heap[0].tier ||
			    (tub == r->heap[0].tier &&
			     bound * BOUND_SLACK <= r->heap[0].score)) {
				r->lower_bound = 1;
				d = d == SG_DOC_END - 1 ? SG_DOC_END : d + 1;
				continue;
			}
		}
		dl = doc_len(r, d);
		for (i = 0; dl != SG_DL_DEAD && i < nreq && !excluded; i++) {
			rc = sq_leaf_matches(r, req[i], d);
			if (rc < 0)
				goto out;
			excluded = !rc;
		}
		for (i = 0; dl != SG_DL_DEAD && i < nn && !excluded; i++) {
			rc = sq_leaf_matches(r, neg[i], d);
			if (rc < 0)
				goto out;
			excluded = rc;
		}
		rc = SG_OK;
		if (dl != SG_DL_DEAD && !excluded) {
			rc = sq_score_doc(r, d, dl, &score, &tier, &any);
			if (rc != SG_OK)
				goto out;
			r->total++;
			/* The first pass pushed the whole top tier. */
			if (!(phase_a && tier == (int)r->n_units))
				sq_heap_push(r, tier, score, d);
		}
		d = d == SG_DOC_END - 1 ? SG_DOC_END : d + 1;
	}
out:
	sg_free(mub);
	return rc;
}

/* Keyword mode on a substring index (docs/RECALL.md). A conjunction of
 * keywords whose every one has morphemes first runs the pruned conjunction
 * over the morpheme leaves: that is the top tier, exactly. Only when it
 * yields fewer than k hits are the lower tiers needed: then every match
 * (string or morphemes) is walked and scored (their count is exact).
 * Other shapes are walked exhaustively. */
int sq_eval_substring(struct run *r)
{
	struct node *n = r->root;
	size_t *pos = NULL, *req = NULL, *neg = NULL, np = 0, nreq = 0, nn = 0;
	size_t i, j, slots = r->n_leaves + n->n_kids + 2;
	int rc = SG_OK, shape_ok = 1, all_morph = 1, phase_a = 0;

	pos = sg_malloc(slots * sizeof(*pos));
	req = sg_malloc(slots * sizeof(*req));
	neg = sg_malloc(slots * sizeof(*neg));
	if (!pos || !req || !neg) {
		rc = sg_err(r->err, SG_ENOMEM, "out of memory");
		goto out;
	}
	if (n->kind == N_WORD) {
		req[nreq++] = n->leaf;
	} else if (n->kind == N_AND) {
		for (i = 0; i < n->n_kids && shape_ok; i++) {
			struct node *k = n->kids[i];

			if (k->kind == N_WORD)
				req[nreq++] = k->leaf;
			else if (k->kind == N_NOT && k->kids[0]->kind == N_WORD)
				neg[nn++] = k->kids[0]->leaf;
			else
				shape_ok = 0;
		}
	} else {
		shape_ok = 0;
	}
	/* The morpheme leaf of every positive keyword, once each. */
	for (i = 0; shape_ok && i < nreq && all_morph; i++) {
		j = r->leaves[req[i]].unit;
		if (j == SIZE_MAX || !r->units[j].has_morph) {
			all_morph = 0;
			break;
		}
		pos[np++] = r->units[j].morph;
	}
	rc = sq_drop_repeats(r, pos, &np);
	if (rc != SG_OK)
		goto out;
	/* Two keywords with one morpheme leaf (東京 and 東京 followed by
	 * symbols) each score it: the conjunction's bounds, which count each
	 * leaf once, would not bound the score, so no first pass then. */
	if (np < r->n_units)
		all_morph = 0;
	if (shape_ok && all_morph && np > 0 && !r->opt->exhaustive) {
		rc = sq_eval_and(r, pos, np, NULL, 0, neg, nn);
		if (rc != SG_OK || r->n_heap == r->k) {
			/* The top tier filled the top k; the substring-only
			 * matches were not counted. */
			r->lower_bound = 1;
			goto out;
		}
		phase_a = 1;
		for (i = 0; i < r->n_leaves; i++)
			if ((rc = sq_leaf_rewind(r, &r->leaves[i])) != SG_OK)
				goto out;
		node_rewind(r->root);
	}
	/* Every substring match, scored and counted. */
	r->total = 0;
	r->lower_bound = 0;
	if (shape_ok && !r->opt->exhaustive) {
		rc = eval_sub_walk(r, req, nreq, neg, nn, phase_a);
		goto out;
	}
	rc = sq_own_leaves(r, r->root);
	if (rc != SG_OK)
		goto out;
	{
		uint32_t d = 1;

		for (;;) {
			uint32_t dl;
			double score;
			int any, tier;

			rc = sq_node_next(r, r->root, d);
			if (rc != SG_OK || r->root->doc == SG_DOC_END)
				break;
			d = r->root->doc;
			dl = doc_len(r, d);
			if (dl != SG_DL_DEAD) {
				rc = sq_score_doc(r, d, dl, &score, &tier, &any);
				if (rc != SG_OK)
					break;
				r->total++;
				/* The first pass pushed the whole top tier. */
				if (!(phase_a && tier == (int)r->n_units))
					sq_heap_push(r, tier, score, d);
			}
			if (d == SG_DOC_END - 1)
				break;
			d++;
		}
	}
out:
	sg_free(pos);
	sg_free(req);
	sg_free(neg);
	return rc;
}
