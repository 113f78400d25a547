/*
 * search.c — from a query string to the exact top k by BM25: sg_search
 * checks the options, parses, plans (plan.c), evaluates and drains the
 * heap (topk.c) into results (results.c). evaluate() picks the evaluator
 * by the plan's shape: a conjunction of leaves (eval_and.c), a
 * disjunction (eval_or.c), keywords on a substring index
 * (eval_substring.c), anything else exhaustively (eval_generic); with
 * --count it counts the matches exactly (count_matches).
 *
 * Every cursor only moves forward, so a query costs the postings it reads:
 * the planner refuses a query without a positive part, caps the posting
 * lists it may open, and keeps planning linear in the query's length.
 * Phrase positions are read only for a document whose bound can still
 * enter the top k. Deleted documents are skipped by their length slot.
 *
 * The engine's files and what each owns: search_internal.h lists them.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "search_internal.h"

static int evaluate_shape(struct run *r);

/* Puts every leaf, and every node's own copy of one, back at the start. */
static int node_rewind_all(struct run *r, struct node *n)
{
	size_t i;
	int rc;

	n->doc = 0;
	if (n->own && (rc = sq_leaf_rewind(r, n->own)) != SG_OK)
		return rc;
	if (n->own_alt && (rc = sq_leaf_rewind(r, n->own_alt)) != SG_OK)
		return rc;
	for (i = 0; i < n->n_kids; i++)
		if ((rc = node_rewind_all(r, n->kids[i])) != SG_OK)
			return rc;
	return SG_OK;
}

/* The count of a pruned evaluation (sg_search_options.count_limit). Pruning
 * leaves r->total a lower bound: documents skipped by their block bounds
 * were never counted. This walk matches without scoring (the generic
 * evaluation's node_next, phrases confirmed, deleted documents skipped)
 * and stops after limit + 1 matches: at most limit, the count is exact;
 * beyond, the total is limit, a lower bound (Elasticsearch's
 * track_total_hits). The heap is not touched, so the hits stay those of
 * the pruned evaluation. A walk refused for the cap on posting lists (its
 * own cursor copies count against it) keeps the pruned lower bound. */
static int count_matches(struct run *r, uint64_t limit)
{
	uint64_t n = 0, walked = 0;
	uint32_t d = 1;
	size_t i;
	int rc;

	for (i = 0; i < r->n_leaves; i++)
		if ((rc = sq_leaf_rewind(r, &r->leaves[i])) != SG_OK)
			return rc;
	if ((rc = node_rewind_all(r, r->root)) != SG_OK)
		return rc;
	rc = sq_own_leaves(r, r->root);
	if (rc == SG_ETOOBIG)
		return SG_OK;
	if (rc != SG_OK)
		return rc;
	for (;;) {
		rc = sq_node_next(r, r->root, d);
		if (rc != SG_OK)
			return rc;
		if (r->root->doc == SG_DOC_END)
			break;
		d = r->root->doc;
		if (doc_len(r, d) != SG_DL_DEAD) {
			int ok = 1;

			if (r->sf) {
				ok = sg_sortfilter_accept(r->sf, r->s->txn, d,
							  r->err);
				if (ok < 0)
					return ok;
			}
			if (ok && ++n > limit)
				break;
			if ((rc = sq_poll_cancel(r, ++walked)) != SG_OK)
				return rc;
		}
		if (d == SG_DOC_END - 1)
			break;
		d++;
	}
	if (r->sticky)
		return r->sticky;
	if (n > limit) {
		/* At least limit (and never less than the pruned count). */
		if (limit > r->total)
			r->total = limit;
		r->lower_bound = 1;
	} else {
		r->total = n;
		r->lower_bound = r->capped;
	}
	return SG_OK;
}

/* Evaluates the plan; a damaged lengths chunk met on the way fails it. */
static int evaluate(struct run *r)
{
	int rc = evaluate_shape(r);

	if (rc != SG_OK || r->sticky)
		return rc != SG_OK ? rc : r->sticky;
	if (r->sf) {
		/* The evaluators counted matches before the filters: the
		 * total is the documents that passed, exact when every match
		 * was pushed (collecting for a sort, or nothing pruned). */
		r->total = r->sf_passed;
		if (r->collect)
			r->lower_bound = r->capped;
		if (r->collect || !r->lower_bound)
			return SG_OK;
	}
	if (r->lower_bound && r->opt->count_limit &&
	    r->root->kind != N_NOT && r->root->kind != N_NONE &&
	    r->total <= r->opt->count_limit)
		rc = count_matches(r, r->opt->count_limit);
	return rc;
}

/* Picks the evaluation for the plan's shape. */
static int evaluate_shape(struct run *r)
{
	struct node *n = r->root, *or = NULL;
	size_t *pos, *neg, np = 0, nn = 0, i;
	int rc, shape_ok = 1;

	if (n->kind == N_NOT || n->kind == N_NONE)
		return sq_eval_generic(r);
	if (r->substring)
		return sq_eval_substring(r);
	if (r->opt->exhaustive)
		return sq_eval_generic(r);
	/* A leaf may stand under several kids (merged duplicates): size the
	 * lists by the kids, not by the leaves. */
	{
		size_t slots = r->n_leaves + n->n_kids + 1;

		for (i = 0; i < n->n_kids; i++)
			slots += n->kids[i]->n_kids;
		pos = sg_malloc(slots * sizeof(*pos));
		neg = sg_malloc(slots * sizeof(*neg));
	}
	if (!pos || !neg) {
		sg_free(pos);
		sg_free(neg);
		return sg_err(r->err, SG_ENOMEM, "out of memory");
	}
	if (n->kind == N_LEAF) {
		pos[np++] = n->leaf;
	} else if (n->kind == N_AND) {
		for (i = 0; i < n->n_kids && shape_ok; i++) {
			struct node *k = n->kids[i];

			if (k->kind == N_LEAF)
				pos[np++] = k->leaf;
			else if (k->kind == N_NOT && k->kids[0]->kind == N_LEAF)
				neg[nn++] = k->kids[0]->leaf;
			else if (k->kind == N_OR && !or)
				or = k;
			else
				shape_ok = 0;
		}
		if (or && np)
			shape_ok = 0;
		for (i = 0; or && shape_ok && i < or->n_kids; i++)
			if (or->kids[i]->kind == N_LEAF)
				pos[np++] = or->kids[i]->leaf;
			else
				shape_ok = 0;
	} else if (n->kind == N_OR) {
		or = n;
		for (i = 0; i < n->n_kids && shape_ok; i++)
			if (n->kids[i]->kind == N_LEAF)
				pos[np++] = n->kids[i]->leaf;
			else
				shape_ok = 0;
	} else {
		shape_ok = 0;
	}
	/* The same leaf twice (a merged duplicate) is fine for AND but
	 * would be counted twice by MaxScore's bounds: drop repeats. */
	if (shape_ok && (rc = sq_drop_repeats(r, pos, &np)) != SG_OK) {
		sg_free(pos);
		sg_free(neg);
		return rc;
	}
	if (!shape_ok || np == 0)
		rc = sq_eval_generic(r);
	else if (or)
		rc = sq_eval_or(r, pos, np, neg, nn);
	else
		rc = sq_eval_and(r, pos, np, NULL, 0, neg, nn);
	sg_free(pos);
	sg_free(neg);
	return rc;
}

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void run_release(struct run *r)
{
	size_t i, t;

	for (i = 0; i < r->n_leaves; i++) {
		/* An empty leaf (or one whose cursors were never allocated)
		 * holds at most one, zeroed, cursor. */
		size_t n_cur = r->leaves[i].empty ? 1 : r->leaves[i].n;

		for (t = 0; r->leaves[i].cur && t < n_cur; t++)
			sg_tcur_close(&r->leaves[i].cur[t]);
		sg_free(r->leaves[i].cur);
		sg_free(r->leaves[i].off);
		sg_free(r->leaves[i].order);
		sg_free(r->leaves[i].what);
	}
	sg_free(r->leaves);
	sg_free(r->slots);
	sg_free(r->units);
	for (i = 0; i < r->n_blends; i++)
		sg_free(r->blends[i].what);
	sg_free(r->blends);
	sq_free_node(r->root);
	sg_free(r->heap);
	sg_free(r->coll);
	sg_sortfilter_free(r->sf);
	sg_buf_release(&r->notices);
	sg_buf_release(&r->texts_buf);
	sg_free(r->pos_a);
	sg_free(r->pos_b);
}

int sg_search(sg_searcher *s, const char *query, size_t len,
	      const sg_search_options *opt, sg_results **out, sg_error *err)
{
	sg_search_options defaults = SG_SEARCH_OPTIONS_INIT;
	struct results_impl *ri;
	struct run *r;
	sg_query *q = NULL;
	const sg_qnode *qroot;
	sg_qnode fallback;
	uint64_t t0 = now_us(), tp = sq_now_ns(), tq, te, tb;
	size_t i;
	int rc;

	*out = NULL;
	if (!opt)
		opt = &defaults;
	/* Before any allocation: k sizes the heap (k * sizeof(struct
	 * heap_ent) must not wrap), and a NaN k1 or b would score everything
	 * NaN. The cap also bounds what one caller can make us allocate. */
	if (opt->k > SG_SEARCH_K_MAX ||
	    opt->k > SIZE_MAX / sizeof(struct heap_ent))
		return sg_err(err, SG_ETOOBIG, "k = %zu hits is more than the "
			      "%d one search may return", opt->k,
			      SG_SEARCH_K_MAX);
	if (!isfinite(opt->k1) || !isfinite(opt->b) || opt->b > 1.0)
		return sg_err(err, SG_EINVAL, "BM25 k1 = %g, b = %g: k1 must "
			      "be finite and b at most 1 (negative: the "
			      "defaults 1.2 and 0.75)", opt->k1, opt->b);
	r = sg_calloc(1, sizeof(*r));
	ri = sg_calloc(1, sizeof(*ri));
	if (!r || !ri) {
		sg_free(r);
		sg_free(ri);
		return sg_err(err, SG_ENOMEM, "out of memory");
	}
	r->s = s;
	r->opt = opt;
	r->err = err;
	r->k = opt->k ? opt->k : 10;
	r->k1 = opt->k1 >= 0 ? opt->k1 : 1.2;
	r->b = opt->b >= 0 ? opt->b : 0.75;
	r->heap = sg_malloc(r->k * sizeof(*r->heap));
	if (!r->heap) {
		rc = sg_err(err, SG_ENOMEM, "out of memory");
		goto out;
	}
	rc = sq_fields_setup(r);
	if (rc != SG_OK)
		goto out;
	rc = sg_sortfilter_new(s->idx, opt->sort, opt->n_sort, opt->filters,
			       opt->n_filters, &r->sf, err);
	if (rc != SG_OK)
		goto out;
	r->collect = sg_sortfilter_sorts(r->sf);
	r->substring = s->idx->substring && !opt->or_mode;
	if (!s->idx->substring && !opt->or_mode)
		sq_notice(r, "%.*sthis index was built with --no-substring: "
		          "keywords match whole morphemes only", "", 0);
	rc = sg_query_parse(query, len, &q, &qroot, err);
	if (rc == SG_ESYNTAX && opt->or_mode) {
		/* A question in natural-language mode is text, not syntax: a
		 * stray '-' or '"' in it must not fail the search. */
		sq_notice(r, "%.*s: searched as plain text", err->msg,
		          strlen(err->msg));
		memset(&fallback, 0, sizeof(fallback)); /* no field, no kids */
		fallback.kind = SG_Q_WORD;
		fallback.text = query;
		fallback.len = len;
		fallback.column = 1;
		qroot = &fallback;
		rc = SG_OK;
	}
	if (rc != SG_OK)
		goto out;
	tq = sq_now_ns();
	if (qroot && !opt->or_mode) {
		rc = sq_check_or_sides(qroot, err);
		if (rc != SG_OK)
			goto out;
	}
	if (qroot) {
		rc = sq_plan(r, qroot, 1, &r->root);
		if (rc != SG_OK)
			goto out;
		if (sq_normalize(r, &r->root) != SG_OK) {
			rc = sg_err(err, SG_ENOMEM, "out of memory");
			goto out;
		}
		if (r->root && !sq_positive(r->root)) {
			rc = sg_err(err, SG_ESYNTAX, NEED_POSITIVE);
			goto out;
		}
	}
	if (!qroot)
		sq_notice(r, "%.*sempty query: nothing to search", "", 0);
	te = sq_now_ns();
	if (r->root) {
		rc = evaluate(r);
		if (rc != SG_OK)
			goto out;
	}
	tb = sq_now_ns();
	if (r->collect) {
		/* Every match, sorted by the keys: the first k are the hits. */
		rc = sg_sortfilter_order(r->sf, s->txn, r->coll, r->n_coll,
					 err);
		if (rc != SG_OK)
			goto out;
	}
	ri->hits = sg_calloc((r->collect ? r->n_coll : r->n_heap) + 1,
			     sizeof(*ri->hits));
	if (!ri->hits) {
		rc = sg_err(err, SG_ENOMEM, "out of memory");
		goto out;
	}
	if (r->collect) {
		for (i = 0; i < r->n_coll && i < r->k; i++) {
			ri->hits[i].docid = r->coll[i].docid;
			ri->hits[i].score = r->coll[i].score;
			ri->pub.n_hits++;
		}
	}
	/* The heap, best first. */
	for (i = r->n_heap; i > 0; i--) {
		struct heap_ent top = sq_heap_pop(r);

		ri->hits[i - 1].docid = top.docid;
		ri->hits[i - 1].score = top.score;
		ri->pub.n_hits++;
	}
	for (i = 0; i < ri->pub.n_hits; i++) {
		rc = sq_build_hit(r, ri, &ri->hits[i], ri->hits[i].docid,
			          ri->hits[i].score);
		if (rc != SG_OK)
			goto out;
	}
	ri->pub.hits = ri->hits;
	ri->pub.total = r->total;
	ri->pub.total_is_lower_bound = r->lower_bound;
	ri->pub.postings_decoded = r->decoded;
	ri->pub.blocks_skipped = r->skipped;
	ri->pub.docs_scored = r->scored;
	ri->notices = r->notices;
	memset(&r->notices, 0, sizeof(r->notices));
	ri->pub.notices = ri->notices.data ? ri->notices.data : "";
	ri->pub.took_us = now_us() - t0;
	ri->pub.parse_ns = tq - tp;
	ri->pub.analyze_ns = r->analyze_ns;
	ri->pub.plan_ns = te - tq - (r->analyze_ns < te - tq ? r->analyze_ns :
				     te - tq);
	ri->pub.eval_ns = tb - te;
	ri->pub.build_ns = sq_now_ns() - tb;
out:
	sg_query_free(q);
	run_release(r);
	sg_free(r);
	if (rc != SG_OK) {
		sg_results_free(&ri->pub);
		return rc;
	}
	*out = &ri->pub;
	return SG_OK;
}
