/*
 * plan_leaf.c — building the leaves the planner asks for: a leaf
 * of terms at relative offsets (make_leaf: opens its cursors, computes its
 * df, idf and score bound, caps the posting lists one query may open), and
 * equal leaves merged through an open hash by name and offsets, so a term
 * scores once however often it is asked for; and the ordering of
 * leaves and cursors by bound or df (sort_leaves). The substring leaf of a
 * keyword (make_sub_leaf) is its grams, cut by cut_grams().
 */
#include <stdlib.h>
#include <string.h>

#include "gram.h"
#include "postings_read.h"
#include "search_internal.h"

/* Sorting leaves by a key without global state (qsort's comparator sees
 * only its two arguments, and searches run in parallel threads): each
 * leaf index travels with its key; equal keys keep index order, so the
 * order is the same on every run and every libc. */
struct rank {
	double key;
	size_t idx;
};

static int cmp_rank(const void *a, const void *b)
{
	const struct rank *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return (x->idx > y->idx) - (x->idx < y->idx);
}

/* Sorts leaf indices ids[0..n) by ascending upper bound or df. */
int sq_sort_leaves(struct run *r, size_t *ids, size_t n, enum rank_by by)
{
	struct rank *rk;
	size_t i;

	if (n < 2)
		return SG_OK;
	rk = sg_malloc(n * sizeof(*rk));
	if (!rk)
		return sg_err(r->err, SG_ENOMEM, "out of memory");
	for (i = 0; i < n; i++) {
		const struct leaf *l = &r->leaves[ids[i]];

		rk[i].key = by == BY_UB ? l->ub : (double)l->df;
		rk[i].idx = ids[i];
	}
	qsort(rk, n, sizeof(*rk), cmp_rank);
	for (i = 0; i < n; i++)
		ids[i] = rk[i].idx;
	sg_free(rk);
	return SG_OK;
}

/* The merge key of a leaf: its name, its offsets relative to the first,
 * whether it scores, whether it is a substring leaf, and the blend it
 * belongs to (a blend's members score only through it, so they are never
 * merged with a leaf outside it) (FNV-1a). */
static uint64_t leaf_hash(const char *what, const int32_t *off, size_t n,
			  int scores, int sub, size_t blend, int field)
{
	uint64_t h = 14695981039346656037u;
	const unsigned char *p;
	size_t i;

	for (p = (const unsigned char *)what; *p; p++)
		h = (h ^ *p) * 1099511628211u;
	for (i = 0; i < n; i++)
		h = (h ^ (uint32_t)(off[i] - off[0])) * 1099511628211u;
	h = (h ^ (uint64_t)(scores ? 2 : 0) ^ (uint64_t)(sub ? 1 : 0)) *
	    1099511628211u;
	h = (h ^ (uint64_t)blend) * 1099511628211u;
	h = (h ^ (uint64_t)(uint32_t)field) * 1099511628211u;
	return h;
}

/* The slot of the leaf equal to the key, or of the empty slot where it
 * would go (linear probing; the table is never more than half full). */
static size_t leaf_slot(const struct run *r, uint64_t h, const char *what,
			const int32_t *off, size_t n, int scores, int sub,
			size_t blend, int field)
{
	size_t mask = r->n_slots - 1, i = (size_t)h & mask;

	for (;; i = (i + 1) & mask) {
		const struct leaf *o;
		size_t t;
		int same;

		if (r->slots[i] == SIZE_MAX)
			return i;
		o = &r->leaves[r->slots[i]];
		same = o->hash == h && o->n == n && o->scores == scores &&
		       o->sub == sub && o->blend == blend &&
		       o->field == field && !strcmp(o->what, what);
		for (t = 0; same && t < n; t++)
			same = o->off[t] - o->off[0] == off[t] - off[0];
		if (same)
			return i;
	}
}

/* Keeps the hash table at most half full. */
static int grow_slots(struct run *r)
{
	size_t n = r->n_slots ? r->n_slots * 2 : 64, i;
	size_t *old = r->slots, n_old = r->n_slots;

	if (r->n_slots > 2 * (r->n_leaves + 1))
		return SG_OK;
	r->slots = sg_malloc(n * sizeof(*r->slots));
	if (!r->slots) {
		r->slots = old;
		return SG_ENOMEM;
	}
	r->n_slots = n;
	for (i = 0; i < n; i++)
		r->slots[i] = SIZE_MAX;
	for (i = 0; i < n_old; i++)
		if (old[i] != SIZE_MAX) {
			const struct leaf *o = &r->leaves[old[i]];

			r->slots[leaf_slot(r, o->hash, o->what, o->off, o->n,
					   o->scores, o->sub, o->blend,
					   o->field)] = old[i];
		}
	sg_free(old);
	return SG_OK;
}

/* A keyword's grams: term i is terms[i] (lens[i] bytes: a '\0', then the
 * gram's characters) at character offset off[i]; the terms live in keys. */
struct grams {
	const char **terms;
	size_t *lens;
	int32_t *off;
	size_t n;
	char *keys;
	/* pick_grams' look-ups, handed to make_leaf (NULL: none made):
	 * rcs[i] SG_OK or SG_ENOTFOUND with trs[i], else make_leaf looks
	 * again and reports the failure */
	sg_termrec *trs;
	int *rcs;
};

static void grams_free(struct grams *g)
{
	sg_free(g->terms);
	sg_free(g->lens);
	sg_free(g->off);
	sg_free(g->keys);
	sg_free(g->trs);
	sg_free(g->rcs);
}

/* A leaf for terms[0..n) at offsets off[], a member of blend (SIZE_MAX:
 * none); merged with an equal leaf. */
static int make_leaf(struct run *r, const char *const *terms,
		     const size_t *lens, const int32_t *off, size_t n,
		     int scores, int sub, size_t blend,
		     const struct grams *looked, size_t *out)
{
	struct leaf *l;
	sg_buf what = SG_BUF_INIT;
	size_t i, slot;
	uint64_t h;
	struct rank *rk;
	sg_termrec *trs = NULL;
	int rc;

	/* Its name: the terms joined by spaces (a gram without its NUL). */
	for (i = 0; i < n; i++) {
		if (i && sg_buf_putc(&what, ' '))
			goto nomem;
		if (sg_buf_append(&what, terms[i] + (sub ? 1 : 0),
				  lens[i] - (sub ? 1 : 0)))
			goto nomem;
	}
	if (!what.data && !(what.data = sg_strdup("")))
		goto nomem;
	if (grow_slots(r) != SG_OK)
		goto nomem;
	h = leaf_hash(what.data, off, n, scores, sub, blend, r->plan_field);
	slot = leaf_slot(r, h, what.data, off, n, scores, sub, blend,
			 r->plan_field);
	if (r->slots[slot] != SIZE_MAX) {
		sg_buf_release(&what);
		*out = r->slots[slot];
		return SG_OK;
	}
	trs = sg_malloc((n ? n : 1) * sizeof(*trs));
	if (!trs)
		goto nomem;
	if (sg_grow_array_from((void **)&r->leaves, &r->cap_leaves,
			       r->n_leaves + 1, sizeof(*r->leaves), 16))
		goto nomem;
	l = &r->leaves[r->n_leaves];
	memset(l, 0, sizeof(*l));
	l->off = sg_calloc(n ? n : 1, sizeof(*l->off));
	l->order = sg_calloc(n ? n : 1, sizeof(*l->order));
	if (!l->off || !l->order) {
		sg_free(l->off);
		sg_free(l->order);
		goto nomem;
	}
	l->n = n;
	l->sub = sub;
	l->scores = scores;
	l->what = what.data;
	l->hash = h;
	l->unit = SIZE_MAX;
	l->alt = SIZE_MAX;
	l->blend = blend;
	l->field = r->plan_field;
	l->nopos = sub && n == 1 && !sg_term_has_positions(terms[0], lens[0]);
	l->tf_doc = SG_DOC_END;
	l->df = UINT64_MAX;
	l->min_dl = 0;
	l->max_tf = UINT32_MAX;
	r->n_leaves++;
	r->slots[slot] = r->n_leaves - 1;
	/* The terms first: a leaf with a term the index lacks matches
	 * nothing and opens no cursor (nor counts against the cap). */
	for (i = 0; i < n; i++) {
		sg_termrec *tr = &trs[i];

		l->off[i] = off[i];
		if (looked && looked->rcs && (looked->rcs[i] == SG_OK ||
					      looked->rcs[i] == SG_ENOTFOUND)) {
			rc = looked->rcs[i];
			*tr = looked->trs[i];
		} else {
			rc = sg_term_get(r->s->idx, r->s->txn, terms[i],
					 lens[i], tr, r->err);
		}
		if (rc == SG_ENOTFOUND || (rc == SG_OK && tr->df == 0)) {
			l->empty = 1;
			l->df = 0;
			continue;
		}
		if (rc != SG_OK)
			goto fail;
		if (tr->df < l->df)
			l->df = tr->df;
		if (!sub)
			l->idf += idf_of(r, tr->df);
		if (tr->max_tf < l->max_tf)
			l->max_tf = tr->max_tf;
		if (tr->min_dl > l->min_dl)
			l->min_dl = tr->min_dl;
	}
	if (!l->empty && n > SG_QUERY_MAX_LISTS - r->n_lists) {
		rc = sg_err(r->err, SG_ETOOBIG, "the query reads more than %d "
			    "posting lists (its words, phrases, and the terms "
			    "its prefixes expand to): shorten it",
			    SG_QUERY_MAX_LISTS);
		goto fail;
	}
	l->cur = sg_calloc(l->empty || !n ? 1 : n, sizeof(*l->cur));
	if (!l->cur) {
		rc = sg_err(r->err, SG_ENOMEM, "out of memory");
		goto fail;
	}
	for (i = 0; !l->empty && i < n; i++) {
		rc = sg_tcur_open(&l->cur[i], r->s->idx, r->s->txn,
				  &r->s->cursors, &trs[i],
				  r->s->next_docid, &r->decoded, &r->skipped, r->err);
		if (rc != SG_OK) {
			l->n = i + 1;
			goto fail;
		}
		l->cur[i].df = trs[i].df;
		r->n_lists++;
	}
	sg_free(trs);
	trs = NULL;
	if (l->empty) {
		l->doc = SG_DOC_END;
		l->ub = 0;
	} else {
		/* Rarest first (a phrase may hold hundreds of terms). */
		rk = sg_malloc(n * sizeof(*rk));
		if (!rk)
			return sg_err(r->err, SG_ENOMEM, "out of memory");
		for (i = 0; i < n; i++) {
			rk[i].key = (double)l->cur[i].df;
			rk[i].idx = i;
		}
		qsort(rk, n, sizeof(*rk), cmp_rank);
		for (i = 0; i < n; i++)
			l->order[i] = rk[i].idx;
		sg_free(rk);
		if (sub)
			l->idf = idf_of(r, l->df);
		l->ub = bm25_bound(r, l->idf, l->max_tf, l->min_dl);
		l->doc = l->cur[0].doc;
		rc = sq_leaf_advance(r, l, 0);
		if (rc != SG_OK)
			return rc;
	}
	*out = r->n_leaves - 1;
	return SG_OK;
fail: /* the leaf stays in r->leaves: run_release frees it */
	sg_free(trs);
	return rc;
nomem:
	sg_free(trs);
	sg_buf_release(&what);
	return sg_err(r->err, SG_ENOMEM, "out of memory");
}

int sq_make_leaf(struct run *r, const char *const *terms,
		 const size_t *lens, const int32_t *off, size_t n,
		 int scores, int sub, size_t *out)
{
	return make_leaf(r, terms, lens, off, n, scores, sub, SIZE_MAX, NULL,
			 out);
}

int sq_blend_new(struct run *r, const char *what, size_t len, size_t *out)
{
	struct blend *b;

	if (sg_grow_array_from((void **)&r->blends, &r->cap_blends,
			       r->n_blends + 1, sizeof(*r->blends), 4))
		return sg_err(r->err, SG_ENOMEM, "out of memory");
	b = &r->blends[r->n_blends];
	memset(b, 0, sizeof(*b));
	b->what = sg_malloc(len + 1);
	if (!b->what)
		return sg_err(r->err, SG_ENOMEM, "out of memory");
	memcpy(b->what, what, len);
	b->what[len] = '\0';
	*out = r->n_blends++;
	return SG_OK;
}

int sq_blend_leaf(struct run *r, size_t blend, const char *const *terms,
		  const size_t *lens, const int32_t *off, size_t n,
		  int scores, size_t *out)
{
	return make_leaf(r, terms, lens, off, n, scores, 0, blend, NULL, out);
}

void sq_blend_close(struct run *r, size_t blend)
{
	struct blend *b = &r->blends[blend];
	double idf = HUGE_VAL, sub_idf = HUGE_VAL;
	size_t i;

	for (i = 0; i < r->n_leaves; i++) {
		const struct leaf *l = &r->leaves[i];
		double *m = l->sub ? &sub_idf : &idf;

		if (l->blend == blend && !l->empty && l->idf < *m)
			*m = l->idf;
	}
	b->idf = idf == HUGE_VAL ? 0 : idf;
	b->sub_idf = sub_idf == HUGE_VAL ? 0 : sub_idf;
	/* Each member bounds its share with the blend's idf: bm25 is concave
	 * in tf and 0 at 0, so the members' bounds summed bound the blend's
	 * score of their summed tf, and every pruning rule stays exact. */
	for (i = 0; i < r->n_leaves; i++) {
		struct leaf *l = &r->leaves[i];

		if (l->blend != blend || l->empty)
			continue;
		l->idf = l->sub ? b->sub_idf : b->idf;
		l->ub = bm25_bound(r, l->idf, l->max_tf, l->min_dl);
		l->bb_valid = 0;
	}
}

/* ------------------------------------------------------------ grams */

/* The grams that cover the normalized text norm with white space removed
 * (docs/RECALL.md, docs/FORMAT.md): the unigram of a one-character text,
 * else the bigrams at character offsets 0, 2, 4, ... and one ending at
 * the last character. Confirming them at those offsets is confirming the
 * whole string. With `every`, the bigrams at the odd offsets too (each
 * bigram of the text once, in offset order). g->n = 0 when the text is
 * empty once normalized. SG_OK or SG_ENOMEM (g is then freed). The
 * indexer (common/gram.c) holds every unigram and bigram outside white
 * space, and both sides spell a gram and measure a character with
 * common/gram.h, so each of these is there when the string is. */
static int cut_grams(const char *norm, size_t len, int every,
		     struct grams *g)
{
	size_t *at, n = 0, i, m = 0, c;
	char *k;

	memset(g, 0, sizeof(*g));
	at = sg_malloc((len + 2) * sizeof(*at));
	if (!at)
		return SG_ENOMEM;
	for (i = 0; i < len; i += sg_gram_char_len(norm + i, norm + len))
		if (!sg_gram_space(norm[i]))
			at[n++] = i;
	if (n == 0) {
		sg_free(at);
		return SG_OK;
	}
	at[n] = len; /* only to measure the last character */
	g->terms = sg_calloc(n + 1, sizeof(*g->terms));
	g->lens = sg_calloc(n + 1, sizeof(*g->lens));
	g->off = sg_calloc(n + 1, sizeof(*g->off));
	g->keys = sg_malloc((n + 1) * SG_GRAM_KEY_MAX);
	if (!g->terms || !g->lens || !g->off || !g->keys) {
		sg_free(at);
		grams_free(g);
		return SG_ENOMEM;
	}
	k = g->keys;
	for (c = 0;; c = every ? c + 1 : c + 2 < n - 1 ? c + 2 : n - 2) {
		/* a character's bytes: by its lead byte (white space removed
		 * may have moved the next kept character) */
		const char *c0 = norm + at[c], *c1 = n > 1 ? norm + at[c + 1] :
						   NULL;

		g->terms[m] = k;
		g->lens[m] = sg_gram_key(k, c0, sg_gram_char_len(c0, norm + len),
					 c1, c1 ? sg_gram_char_len(c1, norm +
								   len) : 0);
		g->off[m] = (int32_t)c;
		k += g->lens[m];
		m++;
		if (n == 1 || c == n - 2)
			break;
	}
	g->n = m;
	sg_free(at);
	return SG_OK;
}

/* Looks a gram up for choosing grams; its df, 0 when the index lacks
 * it (the leaf then matches nothing), UINT64_MAX when the look-up failed
 * (make_leaf looks again and reports it). */
static uint64_t gram_get(struct run *r, const char *term, size_t len,
			 sg_termrec *tr, int *rc)
{
	sg_error quiet = SG_ERROR_INIT;

	*rc = sg_term_get(r->s->idx, r->s->txn, term, len, tr, &quiet);
	if (*rc == SG_ENOTFOUND)
		return 0;
	return *rc == SG_OK ? tr->df : UINT64_MAX;
}

/* Below this df a cover's rarest gram is left to drive (pick_grams). */
#define SUB_DRIVER_MIN_DF 256

/* The grams a word's substring leaf reads: its cover (cut_grams), and
 * the rarest bigram at an odd offset when it is rarer than every gram of
 * the cover and the cover is common (over SUB_DRIVER_MIN_DF). Confirming
 * it too changes no match (the string holds every one of its bigrams),
 * but the leaf's leapfrog is driven by its rarest list: English words
 * are made of common bigrams (accented: ac ce nt ed) whose lists each hold
 * most documents, while one odd bigram (cc) is rare.
 * The leaf's df, the rarest of its grams', stays an upper bound of the
 * word's df (docs/RECALL.md). The look-ups are kept in g for make_leaf.
 * SG_OK or SG_ENOMEM. */
static int pick_grams(struct run *r, const char *norm, size_t len,
		      struct grams *g)
{
	struct grams all;
	uint64_t cover_min = UINT64_MAX, best_df = UINT64_MAX, df;
	size_t i, j, best = SIZE_MAX;
	sg_termrec best_tr;
	int best_rc = SG_OK, rc;

	if (cut_grams(norm, len, 0, g) != SG_OK)
		return SG_ENOMEM;
	if (g->n < 2)
		return SG_OK; /* one gram: it is the word */
	g->trs = sg_malloc((g->n + 1) * sizeof(*g->trs));
	g->rcs = sg_malloc((g->n + 1) * sizeof(*g->rcs));
	if (!g->trs || !g->rcs) {
		grams_free(g);
		return SG_ENOMEM;
	}
	for (i = 0; i < g->n; i++) {
		df = gram_get(r, g->terms[i], g->lens[i], &g->trs[i],
			      &g->rcs[i]);
		if (df < cover_min)
			cover_min = df;
	}
	/* A rare cover walks few documents: no look-ups for a better one
	 * (they cost a B-tree descent each, a query's main cost on short
	 * documents). */
	if (cover_min <= SUB_DRIVER_MIN_DF || cover_min == UINT64_MAX)
		return SG_OK;
	if (cut_grams(norm, len, 1, &all) != SG_OK) {
		grams_free(g);
		return SG_ENOMEM;
	}
	/* all's bigrams are in offset order, one an offset, as are g's: the
	 * ones g lacks are those at the odd offsets but its last */
	for (i = 0, j = 0; i < all.n; i++) {
		sg_termrec tr;

		if (j < g->n && all.off[i] == g->off[j]) {
			j++;
			continue;
		}
		df = gram_get(r, all.terms[i], all.lens[i], &tr, &rc);
		if (df < best_df) {
			best_df = df;
			best = i;
			best_tr = tr;
			best_rc = rc;
		}
	}
	if (best != SIZE_MAX && best_df < cover_min) {
		/* g has room for n + 1 terms; the key is all's, copied after
		 * g's last (its keys are packed in order) */
		char *key = (char *)g->terms[g->n - 1] + g->lens[g->n - 1];

		memcpy(key, all.terms[best], all.lens[best]);
		/* cut_grams made room for one gram a character: the cover
		 * has at most n/2 + 1 of the n - 1 bigrams, so one more fits */
		g->terms[g->n] = key;
		g->lens[g->n] = all.lens[best];
		g->off[g->n] = all.off[best];
		g->trs[g->n] = best_tr;
		g->rcs[g->n] = best_rc;
		g->n++;
	}
	grams_free(&all);
	return SG_OK;
}

/* ------------------------------------------------------------ */

/* The substring leaf of a keyword (docs/RECALL.md): its grams (cut_grams)
 * at their character offsets. *li = SIZE_MAX when the text is empty once
 * normalized. */
static int make_sub_leaf(struct run *r, const char *norm, size_t len,
			 int scores, size_t blend, size_t *li)
{
	struct grams g;
	int rc;

	*li = SIZE_MAX;
	if (pick_grams(r, norm, len, &g) != SG_OK)
		return sg_err(r->err, SG_ENOMEM, "out of memory");
	if (g.n == 0)
		return SG_OK;
	rc = make_leaf(r, g.terms, g.lens, g.off, g.n, scores, 1, blend, &g, li);
	grams_free(&g);
	return rc;
}

int sq_make_sub_leaf(struct run *r, const char *norm, size_t len,
		     int scores, size_t *li)
{
	return make_sub_leaf(r, norm, len, scores, SIZE_MAX, li);
}

int sq_blend_sub(struct run *r, size_t blend, const char *norm, size_t len,
		 int scores, size_t *li)
{
	return make_sub_leaf(r, norm, len, scores, blend, li);
}
