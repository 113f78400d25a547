/*
 * eval_and.c — conjunctions, and the exhaustive evaluation of any
 * shape. eval_and leapfrogs the cursors of a conjunction of leaves (the
 * keyword default); where all agree, the sum of the leaves' block bounds
 * (block.h) is compared with the k-th score first, and when it cannot
 * beat it, all cursors jump past the end of the nearest block without
 * decoding. eval_generic walks any other tree (and everything with
 * --exhaustive, the reference the tests hold the pruned paths to) with
 * node_next: every leaf node matches with cursors of its own, and the
 * leaves themselves move only to the document being scored.
 */
#include <stdlib.h>
#include <string.h>

#include "search_internal.h"

/* *doc = the first document >= target that leaf l matches, positions
 * confirmed. */
static int first_match(struct run *r, struct leaf *l, uint32_t target,
		       uint32_t *doc)
{
	uint32_t d = target;
	int rc;

	for (;;) {
		rc = sq_leaf_advance(r, l, d);
		if (rc != SG_OK)
			return rc;
		if (l->doc == SG_DOC_END)
			break;
		rc = sq_leaf_confirm(r, l, l->doc);
		if (rc < 0)
			return rc;
		if (rc)
			break;
		d = l->doc + 1;
	}
	*doc = l->doc;
	return SG_OK;
}

/* Generic evaluation: node->doc = the first document >= target matching
 * the node, positions confirmed. */
int sq_node_next(struct run *r, struct node *n, uint32_t target)
{
	size_t i;
	int rc;

	if (n->doc >= target && n->doc != 0)
		return SG_OK;
	switch (n->kind) {
	case N_NONE:
		n->doc = SG_DOC_END;
		return SG_OK;
	case N_LEAF:
	case N_WORD: {
		struct leaf *l = n->own ? n->own : &r->leaves[n->leaf];
		size_t alt = r->leaves[n->leaf].alt;
		uint32_t d;

		rc = first_match(r, l, target, &n->doc);
		if (rc != SG_OK || n->kind != N_WORD || alt == SIZE_MAX)
			return rc;
		/* A keyword: its string, or its morphemes. */
		l = n->own_alt ? n->own_alt : &r->leaves[alt];
		rc = first_match(r, l, target, &d);
		if (d < n->doc)
			n->doc = d;
		return rc;
	}
	case N_OR:
		n->doc = SG_DOC_END;
		for (i = 0; i < n->n_kids; i++) {
			rc = sq_node_next(r, n->kids[i], target);
			if (rc != SG_OK)
				return rc;
			if (n->kids[i]->doc < n->doc)
				n->doc = n->kids[i]->doc;
		}
		return SG_OK;
	case N_AND: {
		uint32_t d = target;
		int again;

		do {
			again = 0;
			for (i = 0; i < n->n_kids && d != SG_DOC_END; i++) {
				struct node *k = n->kids[i];

				if (k->kind == N_NOT)
					continue;
				rc = sq_node_next(r, k, d);
				if (rc != SG_OK)
					return rc;
				if (k->doc != d) {
					d = k->doc;
					again = 1;
					break;
				}
			}
			if (again || d == SG_DOC_END)
				continue;
			for (i = 0; i < n->n_kids; i++) {
				struct node *k = n->kids[i];

				if (k->kind != N_NOT)
					continue;
				rc = sq_node_next(r, k->kids[0], d);
				if (rc != SG_OK)
					return rc;
				if (k->kids[0]->doc == d) {
					d++;
					again = 1;
					break;
				}
			}
		} while (again && d != SG_DOC_END);
		n->doc = d;
		return SG_OK;
	}
	case N_NOT: /* not reached: the planner refuses it (sq_positive()) */
		return sg_err(r->err, SG_ESYNTAX, NEED_POSITIVE);
	}
	return SG_OK;
}

int sq_eval_generic(struct run *r)
{
	uint32_t d = 1;
	int rc;

	if (r->root->kind == N_NOT)
		return sq_node_next(r, r->root, 1);
	rc = sq_own_leaves(r, r->root);
	if (rc != SG_OK)
		return rc;
	for (;;) {
		uint32_t dl;
		double score;
		int any, tier;

		rc = sq_node_next(r, r->root, d);
		if (rc != SG_OK || r->root->doc == SG_DOC_END)
			return rc;
		d = r->root->doc;
		dl = doc_len(r, d);
		if (dl != SG_DL_DEAD) {
			rc = sq_score_doc(r, d, dl, &score, &tier, &any);
			if (rc != SG_OK)
				return rc;
			r->total++;
			sq_heap_push(r, tier, score, d);
		}
		if (d == SG_DOC_END - 1)
			return SG_OK;
		d++;
	}
}

/* The bound of a leaf's score in the blocks its cursors are on. */
double sq_leaf_block_bound(const struct run *r, struct leaf *l)
{
	uint32_t max_tf = UINT32_MAX, min_dl = 0;
	size_t i;
	double b;

	if (l->empty) /* no postings: a keyword matched through its alt */
		return 0;
	/* A one-term leaf's bound changes only with its block: cached. */
	if (l->n == 1 && l->bb_valid && l->bb_first == l->cur[0].blk.first)
		return l->bb;

	for (i = 0; i < l->n; i++) {
		if (l->cur[i].blk.max_tf < max_tf)
			max_tf = l->cur[i].blk.max_tf;
		if (l->cur[i].blk.min_dl > min_dl)
			min_dl = l->cur[i].blk.min_dl;
	}
	b = bm25_bound(r, l->idf, max_tf, min_dl);
	if (b > l->ub)
		b = l->ub;
	if (l->n == 1) {
		l->bb_valid = 1;
		l->bb_first = l->cur[0].blk.first;
		l->bb = b;
	}
	return b;
}

/* Conjunction of leaves pos[0..np) minus leaves neg[0..nn): leapfrog with
 * block-max skipping. */
int sq_eval_and(struct run *r, size_t *pos, size_t np, size_t *req,
		size_t nreq, size_t *neg, size_t nn)
{
	uint32_t d = 1;
	double ub_all = 0;
	size_t i;
	int rc;

	/* The rarest leaf first: it drives the leapfrog, and a candidate
	 * fails on the leaf that is most likely to lack it. */
	rc = sq_sort_leaves(r, pos, np, BY_DF);
	if (rc != SG_OK)
		return rc;
	for (i = 0; i < np; i++)
		ub_all += r->leaves[pos[i]].ub;
	while (d != SG_DOC_END) {
		uint32_t dl;
		double score, bound, theta;
		int any, excluded = 0, tier;

		rc = sq_leaves_meet(r, pos, np, &d);
		if (rc < 0)
			return rc;
		if (rc == 0)
			continue;
		theta = threshold(r);
		if (ub_all * BOUND_SLACK <= theta) {
			r->lower_bound = 1; /* nothing further can enter */
			return SG_OK;
		}
		bound = 0;
		for (i = 0; i < np; i++)
			bound += sq_leaf_block_bound(r, &r->leaves[pos[i]]);
		if (bound * BOUND_SLACK <= theta) {
			/* No document before the nearest block end can enter. */
			r->skipped++;
			r->lower_bound = 1;
			d = sq_leaves_past_blocks(r, pos, np);
			continue;
		}
		dl = doc_len(r, d);
		if (dl == SG_DL_DEAD) {
			d++;
			continue;
		}
		for (i = 0; i < np && !excluded; i++) {
			rc = sq_leaf_confirm(r, &r->leaves[pos[i]], d);
			if (rc < 0)
				return rc;
			excluded = !rc;
		}
		/* Leaves that must match too but do not drive the walk (the
		 * keywords' substring leaves, checked last: they are read only
		 * for documents that could enter the top k). */
		for (i = 0; i < nreq && !excluded; i++) {
			struct leaf *l = &r->leaves[req[i]];

			if (l->doc < d && (rc = sq_leaf_advance(r, l, d)) != SG_OK)
				return rc;
			rc = sq_leaf_confirm(r, l, d);
			if (rc < 0)
				return rc;
			excluded = !rc;
		}
		for (i = 0; i < nn && !excluded; i++) {
			rc = sq_leaf_matches(r, neg[i], d);
			if (rc < 0)
				return rc;
			excluded = rc;
		}
		if (!excluded) {
			rc = sq_score_doc(r, d, dl, &score, &tier, &any);
			if (rc != SG_OK)
				return rc;
			r->total++;
			sq_heap_push(r, tier, score, d);
		}
		d++;
	}
	return SG_OK;
}
