/*
 * topk.c — the best k documents so far, in a heap whose root is the
 * worst of them: pushing a candidate (it replaces the root when it beats
 * it) and popping the root for the final drain, best first. Both sift down
 * with the one sift_down(). worse() and threshold() are inline in
 * search_internal.h.
 */
#include "search_internal.h"

#include "buf.h"

/* Puts e at the root of the n entries of h and sifts it down to its
 * place: the worst entry ends at the root again. */
static void sift_down(struct heap_ent *h, size_t n, struct heap_ent e)
{
	size_t i = 0, c;

	for (;;) {
		c = 2 * i + 1;
		if (c >= n)
			break;
		if (c + 1 < n && worse(&h[c + 1], &h[c]))
			c++;
		if (!worse(&h[c], &e))
			break;
		h[i] = h[c];
		i = c;
	}
	h[i] = e;
}

/* A push under sort keys or filters: the document is tested against the
 * filters (a failure is kept in r->sticky, which the evaluation returns),
 * then collected or pushed. */
void sq_heap_push_sorted(struct run *r, struct heap_ent e)
{
	int ok;

	ok = sg_sortfilter_accept(r->sf, r->s->txn, e.docid, r->err);
	if (ok < 0) {
		if (!r->sticky)
			r->sticky = ok;
		return;
	}
	if (!ok)
		return;
	r->sf_passed++;
	if (!r->collect) {
		sq_heap_insert(r, e);
		return;
	}
	if (sg_grow_array((void **)&r->coll, &r->cap_coll, r->n_coll + 1,
			  sizeof(*r->coll)) != SG_OK) {
		if (!r->sticky)
			r->sticky = sg_err(r->err, SG_ENOMEM, "out of memory");
		return;
	}
	r->coll[r->n_coll].docid = e.docid;
	r->coll[r->n_coll].tier = e.tier;
	r->coll[r->n_coll].score = e.score;
	r->n_coll++;
}

void sq_heap_insert(struct run *r, struct heap_ent e)
{
	size_t i;

	if (r->n_heap == r->k) {
		/* Replace the worst, when e beats it. */
		if (worse(&r->heap[0], &e))
			sift_down(r->heap, r->n_heap, e);
		return;
	}
	i = r->n_heap++;
	while (i > 0 && worse(&e, &r->heap[(i - 1) / 2])) {
		r->heap[i] = r->heap[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	r->heap[i] = e;
}

struct heap_ent sq_heap_pop(struct run *r)
{
	struct heap_ent top = r->heap[0];

	/* The last entry moves to the root and sifts down. */
	if (--r->n_heap)
		sift_down(r->heap, r->n_heap, r->heap[r->n_heap]);
	return top;
}
