/*
 * topk.c — the best k documents so far, in a heap whose root is the
 * worst of them: pushing a candidate (it replaces the root when it beats
 * it) and popping the root for the final drain, best first. Both sift down
 * with the one sift_down(). worse() and threshold() are inline in
 * search_internal.h.
 */
#include "search_internal.h"

void sq_heap_push(struct run *r, int tier, double score, uint32_t docid)
{
	struct heap_ent e = { tier, score, docid };
	size_t i, c;

	if (r->n_heap == r->k) {
		if (!worse(&r->heap[0], &e))
			return;
		/* Replace the worst and sift down. */
		i = 0;
		for (;;) {
			c = 2 * i + 1;
			if (c >= r->n_heap)
				break;
			if (c + 1 < r->n_heap && worse(&r->heap[c + 1], &r->heap[c]))
				c++;
			if (!worse(&r->heap[c], &e))
				break;
			r->heap[i] = r->heap[c];
			i = c;
		}
		r->heap[i] = e;
		return;
	}
	i = r->n_heap++;
	while (i > 0 && worse(&e, &r->heap[(i - 1) / 2])) {
		r->heap[i] = r->heap[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	r->heap[i] = e;
}
