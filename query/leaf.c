/*
 * leaf.c — moving one leaf (a term, or a phrase of terms at fixed
 * relative positions) through its posting lists: the next candidate
 * (leapfrog over its cursors, rarest term first), its tf in a document
 * (for a phrase, the occurrences its positions confirm; positions are
 * read only when asked), rewinding, and the tf of a hit with fresh
 * cursors for --explain.
 */
#include <string.h>

#include "postings_read.h"
#include "search_internal.h"

uint32_t sq_leaves_past_blocks(const struct run *r, const size_t *ids,
			       size_t n)
{
	uint32_t max_d = SG_DOC_END;
	size_t i, t;

	for (i = 0; i < n; i++) {
		const struct leaf *l = &r->leaves[ids[i]];

		if (l->empty) /* no blocks (a keyword matched through its alt,
				 bounded globally) */
			continue;
		for (t = 0; t < l->n; t++)
			if (l->cur[t].blk.last < max_d)
				max_d = l->cur[t].blk.last;
	}
	return max_d == SG_DOC_END ? SG_DOC_END : max_d + 1;
}

int sq_leaves_meet(struct run *r, const size_t *ids, size_t n, uint32_t *d)
{
	size_t i;
	int rc;

	for (i = 0; i < n; i++) {
		struct leaf *l = &r->leaves[ids[i]];

		rc = sq_leaf_advance(r, l, *d);
		if (rc != SG_OK)
			return rc;
		if (l->doc != *d) {
			*d = l->doc;
			return 0;
		}
	}
	return 1;
}

int sq_word_advance(struct run *r, size_t li, uint32_t target, uint32_t *doc)
{
	struct leaf *l = &r->leaves[li];
	int rc;

	if ((rc = sq_leaf_advance(r, l, target)) != SG_OK)
		return rc;
	*doc = l->doc;
	if (l->alt != SIZE_MAX) {
		struct leaf *m = &r->leaves[l->alt];

		if ((rc = sq_leaf_advance(r, m, target)) != SG_OK)
			return rc;
		if (m->doc < *doc)
			*doc = m->doc;
	}
	return SG_OK;
}

int sq_words_meet(struct run *r, const size_t *ids, size_t n, uint32_t *d)
{
	size_t i;
	uint32_t w;
	int rc;

	for (i = 0; i < n; i++) {
		if ((rc = sq_word_advance(r, ids[i], *d, &w)) != SG_OK)
			return rc;
		if (w != *d) {
			*d = w;
			return 0;
		}
	}
	return 1;
}

int sq_leaf_matches(struct run *r, size_t li, uint32_t docid)
{
	struct leaf *l = &r->leaves[li];
	int rc;

	if ((rc = sq_leaf_advance(r, l, docid)) != SG_OK)
		return rc;
	rc = sq_leaf_confirm(r, l, docid);
	if (rc != 0 || l->alt == SIZE_MAX)
		return rc;
	l = &r->leaves[l->alt];
	if ((rc = sq_leaf_advance(r, l, docid)) != SG_OK)
		return rc;
	return sq_leaf_confirm(r, l, docid);
}

/* The leaf's next candidate >= target: for a phrase, a document holding
 * all its terms (positions unconfirmed). */
int sq_leaf_advance(struct run *r, struct leaf *l, uint32_t target)
{
	uint32_t d = target;
	size_t i;
	int rc;

	if (l->empty) {
		l->doc = SG_DOC_END;
		return SG_OK;
	}
	if (l->n == 1) { /* one term: its cursor is the leaf */
		rc = sg_tcur_advance(&l->cur[0], target, r->err);
		l->doc = l->cur[0].doc;
		return rc;
	}
	for (;;) {
		int agree = 1;

		for (i = 0; i < l->n; i++) {
			sg_tcur *c = &l->cur[l->order[i]];

			rc = sg_tcur_advance(c, d, r->err);
			if (rc != SG_OK)
				return rc;
			if (c->doc != d) {
				d = c->doc;
				agree = 0;
				if (d == SG_DOC_END)
					break;
			}
		}
		if (agree || d == SG_DOC_END) {
			l->doc = d;
			return SG_OK;
		}
	}
}

/* Makes room for n positions in each of the two position arrays. */
static int grow_positions(struct run *r, size_t n)
{
	size_t cap_a = r->pos_cap, cap_b = r->pos_cap;

	/* Both grow alike from the same capacity; pos_cap is raised only
	 * when both did. */
	if (sg_grow_array((void **)&r->pos_a, &cap_a, n, sizeof(*r->pos_a)) ||
	    sg_grow_array((void **)&r->pos_b, &cap_b, n, sizeof(*r->pos_b)))
		return SG_ENOMEM;
	r->pos_cap = cap_a < cap_b ? cap_a : cap_b;
	return SG_OK;
}

/* The leaf's occurrences in docid (its cursors are on docid) into
 * r->pos_a[0..*n): for a phrase, the positions p where term i stands at
 * p + off[i]. The terms are intersected from the one with the fewest
 * occurrences in this document up: a bigram of a substring leaf may stand
 * hundreds of times in a long document where another stands twice, and
 * once no start is left the rest are not decoded. */
static int occurrences(struct run *r, struct leaf *l, uint32_t *n)
{
	uint32_t na, nb, i, j, n_hits;
	size_t t, k, first = 0;
	int rc;
	unsigned char done[64];
	int use_done = l->n <= sizeof(done);
	uint32_t off0, skip;

	for (t = 0; t < l->n; t++) {
		if (sg_tcur_tf(&l->cur[t]) > r->pos_cap &&
		    grow_positions(r, sg_tcur_tf(&l->cur[t])) != SG_OK)
			return sg_err(r->err, SG_ENOMEM, "out of memory");
		if (use_done && sg_tcur_tf(&l->cur[t]) <
				sg_tcur_tf(&l->cur[first]))
			first = t;
	}
	if (use_done)
		memset(done, 0, l->n);
	na = sg_tcur_tf(&l->cur[first]);
	rc = sg_tcur_positions(&l->cur[first], r->pos_a, r->err);
	if (rc != SG_OK)
		return rc;
	/* The starts; a position before the term's offset starts nothing
	 * (and would wrap round). */
	off0 = (uint32_t)l->off[first];
	for (skip = 0; skip < na && r->pos_a[skip] < off0; skip++)
		;
	for (i = skip; i < na; i++)
		r->pos_a[i - skip] = r->pos_a[i] - off0;
	na -= skip;
	if (use_done)
		done[first] = 1;
	for (k = 1; k < l->n && na > 0; k++) {
		/* the next term: the least frequent here not yet done (in
		 * term order for a phrase too long to track) */
		if (use_done) {
			t = SIZE_MAX;
			for (j = 0; j < l->n; j++)
				if (!done[j] && (t == SIZE_MAX ||
						 sg_tcur_tf(&l->cur[j]) <
						 sg_tcur_tf(&l->cur[t])))
					t = j;
			done[t] = 1;
		} else {
			t = k;
		}
		nb = sg_tcur_tf(&l->cur[t]);
		rc = sg_tcur_positions(&l->cur[t], r->pos_b, r->err);
		if (rc != SG_OK)
			return rc;
		n_hits = 0;
		for (i = 0, j = 0; i < na && j < nb;) {
			uint32_t want = r->pos_a[i] + (uint32_t)l->off[t];

			if (r->pos_b[j] < want)
				j++;
			else if (r->pos_b[j] > want)
				i++;
			else {
				r->pos_a[n_hits++] = r->pos_a[i];
				i++;
				j++;
			}
		}
		na = n_hits;
	}
	*n = na;
	return SG_OK;
}

/* tf (and l->wtf) of a leaf whose occurrences count by field: those in
 * its field (FIELD:word), each weighted by its field's weight. A unigram
 * has no positions: it matches in no one field, and with weights counts
 * wmin an occurrence (a bound the block bounds hold to). */
static int tf_by_field(struct run *r, struct leaf *l, uint32_t docid,
		       uint32_t *tf)
{
	int rc;

	if (l->nopos) {
		*tf = l->field >= 0 ? 0 : sg_tcur_tf(&l->cur[0]);
		l->wtf = r->wmin * (double)*tf;
		return SG_OK;
	}
	if ((rc = occurrences(r, l, tf)) != SG_OK)
		return rc;
	return sq_split_positions(r, l, docid, r->pos_a, tf, &l->wtf);
}

/* tf of the leaf in docid (its cursors are on docid): for a phrase, the
 * number of positions p where term i stands at p + off[i]. */
int sq_leaf_tf(struct run *r, struct leaf *l, uint32_t docid,
	       uint32_t *tf)
{
	int rc;

	if (l->tf_doc == docid) {
		*tf = l->tf;
		return SG_OK;
	}
	if (l->field >= 0 || r->split) {
		rc = tf_by_field(r, l, docid, tf);
		if (rc != SG_OK)
			return rc;
	} else if (l->n == 1) {
		*tf = sg_tcur_tf(&l->cur[0]);
		l->wtf = r->wmin * (double)*tf;
	} else {
		/* Candidates: positions of term 0 shifted to the phrase start;
		 * each further term keeps those it confirms. */
		rc = occurrences(r, l, tf);
		if (rc != SG_OK)
			return rc;
		l->wtf = r->wmin * (double)*tf;
	}
	l->tf_doc = docid;
	l->tf = *tf;
	return SG_OK;
}

int sq_leaf_confirm(struct run *r, struct leaf *l, uint32_t docid)
{
	uint32_t tf;
	int rc;

	if (l->doc != docid)
		return 0;
	rc = sq_leaf_tf(r, l, docid, &tf);
	if (rc != SG_OK)
		return rc;
	return tf > 0;
}

/* The canonical score of docid: every scoring leaf that matches it, summed
 * in leaf order. Leaves are advanced to docid (never past it). */
/* tf of leaf l in docid, advancing it there (0 when it does not match). */
int sq_leaf_tf_at(struct run *r, struct leaf *l, uint32_t docid,
		  uint32_t *tf)
{
	int rc;

	*tf = 0;
	if (l->empty)
		return SG_OK;
	if (l->doc < docid) {
		rc = sq_leaf_advance(r, l, docid);
		if (rc != SG_OK)
			return rc;
	}
	if (l->doc != docid)
		return SG_OK;
	return sq_leaf_tf(r, l, docid, tf);
}

/* Puts a leaf's cursors back on its first posting (a second pass). */
int sq_leaf_rewind(struct run *r, struct leaf *l)
{
	size_t i;
	int rc;

	if (l->empty)
		return SG_OK;
	for (i = 0; i < l->n; i++) {
		sg_tcur fresh;

		rc = sg_tcur_clone(&fresh, &l->cur[i], r->err);
		if (rc != SG_OK) {
			sg_tcur_close(&fresh);
			return rc;
		}
		sg_tcur_close(&l->cur[i]);
		l->cur[i] = fresh;
	}
	l->tf_doc = SG_DOC_END;
	l->doc = 0;
	return sq_leaf_advance(r, l, 0);
}

/* tf of leaf l in docid, with fresh cursors (for --explain). */
int sq_leaf_tf_fresh(struct run *r, const struct leaf *l, uint32_t docid,
		     uint32_t *tf, double *wtf)
{
	struct leaf tmp;
	size_t i;
	int rc = SG_OK;

	*tf = 0;
	*wtf = 0;
	if (l->empty)
		return SG_OK;
	tmp = *l;
	tmp.tf_doc = SG_DOC_END;
	tmp.cur = sg_calloc(l->n, sizeof(*tmp.cur));
	if (!tmp.cur)
		return sg_err(r->err, SG_ENOMEM, "out of memory");
	for (i = 0; i < l->n && rc == SG_OK; i++)
		rc = sg_tcur_clone(&tmp.cur[i], &l->cur[i], r->err);
	if (rc == SG_OK)
		rc = sq_leaf_advance(r, &tmp, docid);
	if (rc == SG_OK && tmp.doc == docid)
		rc = sq_leaf_tf(r, &tmp, docid, tf);
	if (rc == SG_OK)
		*wtf = leaf_wtf(r, &tmp, *tf);
	while (i-- > 0)
		sg_tcur_close(&tmp.cur[i]);
	sg_free(tmp.cur);
	return rc;
}
