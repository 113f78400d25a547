/*
 * search.c — from a query string to the exact top k by BM25.
 *
 * 1. Plan. The parser's tree (parse.h) becomes a tree of AND, OR and NOT
 *    nodes over LEAVES. A leaf is a scoring unit: one term, or a phrase of
 *    terms at fixed relative positions. In keyword mode a word that
 *    analyzes into several terms is a phrase (クラスター = クラ + スター
 *    adjacent); in natural-language mode (--or) a word's terms are separate
 *    leaves under an OR. A prefix becomes an OR of the terms it expands to.
 *    Equal leaves are merged, so a term scores once however often it is
 *    asked for.
 *
 * 2. Score. BM25 over the leaves a document matches (docs/RANKING.md):
 *        idf(t) · tf·(k1+1) / (tf + k1·(1 − b + b·dl/avgdl))
 *    A phrase's tf is its number of occurrences and its idf the sum of its
 *    terms' idfs. The score of a hit is always summed in leaf order, so
 *    pruned and exhaustive evaluation give bit-identical scores.
 *
 * 3. Evaluate, document at a time, keeping the best k in a heap:
 *    - a conjunction of leaves (the keyword default) leapfrogs its cursors;
 *      where all agree, the sum of the leaves' block bounds (block.h) is
 *      compared with the k-th score first, and when it cannot beat it, all
 *      cursors jump past the end of the nearest block without decoding;
 *    - a disjunction of leaves (--or) runs MaxScore: leaves sorted by their
 *      upper bound; those whose bounds together cannot reach the k-th
 *      score are "non-essential" and only looked up for candidates found
 *      by the others, and a candidate stops being scored as soon as its
 *      bound falls below the k-th score;
 *    - any other shape is evaluated exhaustively, and so is everything
 *      with --exhaustive: the reference the tests hold the pruned paths to.
 *      There every leaf node matches with cursors of its own, and the
 *      leaves themselves move only to the document being scored.
 *    Every cursor only moves forward, so a query costs the postings it
 *    reads: the planner refuses a query without a positive part (the
 *    positivity rule: -a -b would have walked every docid), caps the posting
 *    lists it may open, and keeps planning linear in the query's length.
 *    Phrase positions are read only for a document whose bound can still
 *    enter the top k. Deleted documents are skipped by their length slot.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alloc.h"
#include "cursor.h"
#include "docrec.h"
#include "error.h"
#include "index.h"
#include "parse.h"
#include "postings_read.h"
#include "sagasu.h"
#include "snippet.h"


struct leaf {
	size_t n;                     /* terms */
	sg_tcur *cur;                 /* n cursors */
	int32_t *off;                 /* relative query positions */
	int sub;                      /* a substring leaf: grams, idf of the
					 rarest gram (docs/RECALL.md) */
	int in_unit;                  /* a keyword unit's leaf (scored by it) */
	size_t unit;                  /* the unit whose substring leaf this
					 is, SIZE_MAX if none */
	uint64_t hash;                /* of its name and offsets (merging) */
	size_t *order;                /* cursors, rarest term first: the
					 leapfrog is driven by the shortest
					 list and seeks in the others */
	uint64_t df;                  /* the rarest term's df */
	double idf;
	uint32_t max_tf, min_dl;      /* global bound inputs */
	double ub;                    /* upper bound of its score */
	int scores;                   /* 0 under a NOT */
	int empty;                    /* a term the index lacks */
	char *what;                   /* for --explain */
	uint32_t doc;                 /* current candidate (unconfirmed) */
	int bb_valid;                 /* bb: the block bound of the block */
	uint32_t bb_first;            /* that starts at bb_first */
	double bb;
	uint32_t tf_doc, tf;          /* tf cached for doc tf_doc */
};

/* N_WORD: a keyword of a substring index; it matches where its substring
 * leaf does and scores by its unit (a morpheme leaf, if any, first). */
enum nkind { N_LEAF, N_AND, N_OR, N_NOT, N_NONE, N_WORD };

/* A keyword of a substring index: which leaves match and score it. */
struct unit {
	size_t sub;       /* the substring leaf: decides the match */
	size_t morph;     /* the morpheme leaf, when has_morph */
	int has_morph;
	int implied;      /* a morpheme match implies the string (below) */
};

struct node {
	enum nkind kind;
	size_t leaf;
	struct node **kids;
	size_t n_kids, cap_kids;
	uint32_t doc;                 /* generic evaluation: current doc */
	struct leaf *own;             /* generic evaluation: the leaf's own
					 cursors, for matching (below) */
};

struct heap_ent {
	int tier;         /* keywords matched as whole morphemes */
	double score;
	uint32_t docid;
};

struct sg_searcher {
	sg_index *idx;
	MDB_txn *txn;
	uint64_t n_docs;
	double avgdl;
	uint32_t next_docid;
	const uint8_t **len_chunks;   /* pointer into the map per chunk */
	size_t n_chunks;
	sg_analysis *an;
};

/* Everything of one search. */
struct run {
	sg_searcher *s;
	const sg_search_options *opt;
	double k1, b;
	struct leaf *leaves;
	size_t n_leaves, cap_leaves;
	size_t *slots;                /* open hash of the leaves by name and
					 offsets, SIZE_MAX = empty */
	size_t n_slots;               /* a power of two > 2 * n_leaves */
	size_t n_lists;               /* posting lists opened (cursors) */
	struct node *root;
	int substring;                /* keyword mode on a substring index */
	struct unit *units;           /* scoring keywords, one per sub leaf */
	size_t n_units, cap_units;
	sg_buf notices;
	struct heap_ent *heap;
	size_t n_heap, k;
	uint64_t total;
	int lower_bound;
	int capped;                   /* a prefix expanded to fewer terms
					 than it matches: no count is exact */
	uint64_t decoded, skipped, scored;
	uint32_t *pos_a, *pos_b;      /* positions of two phrase terms */
	size_t pos_cap;
	sg_buf texts_buf;             /* decompressed texts of a hit */
	int sticky;                   /* a damaged lengths chunk, found where
					 no error can be returned (doc_len) */
	sg_error *err;
};

/* ------------------------------------------------------------ searcher */

static int load_snapshot(sg_searcher *s, sg_error *err)
{
	sg_meta_stats ms;
	int rc = sg_meta_read_stats(s->idx, s->txn, &ms, err);

	if (rc != SG_OK)
		return rc;
	s->n_docs = ms.n_docs;
	s->avgdl = ms.n_docs ? (double)ms.total_len / (double)ms.n_docs : 1.0;
	if (s->avgdl <= 0)
		s->avgdl = 1.0;
	s->next_docid = ms.next_docid;
	sg_free(s->len_chunks);
	s->n_chunks = ms.next_docid / SG_LEN_CHUNK + 1;
	s->len_chunks = sg_calloc(s->n_chunks, sizeof(*s->len_chunks));
	if (!s->len_chunks)
		return sg_err(err, SG_ENOMEM, "out of memory");
	return SG_OK;
}

int sg_searcher_open(sg_index *idx, sg_searcher **out, sg_error *err)
{
	sg_searcher *s = sg_calloc(1, sizeof(*s));
	int rc;

	*out = NULL;
	if (!s)
		return sg_err(err, SG_ENOMEM, "out of memory");
	s->idx = idx;
	if (idx->fresh) {
		rc = sg_err(err, SG_ENOTINDEX, "%s: the index is empty",
			    idx->st.dir);
		goto fail;
	}
	rc = sg_analysis_new(idx->an, &s->an, err);
	if (rc == SG_OK)
		sg_analysis_set_query(s->an, 1);
	if (rc == SG_OK)
		rc = sg_read_begin(idx, &s->txn, err);
	if (rc == SG_OK)
		rc = load_snapshot(s, err);
	if (rc != SG_OK)
		goto fail;
	*out = s;
	return SG_OK;
fail:
	sg_searcher_free(s);
	return rc;
}

int sg_searcher_refresh(sg_searcher *s, sg_error *err)
{
	int rc = sg_read_renew(s->idx, &s->txn, err);

	if (rc != SG_OK)
		return rc;
	return load_snapshot(s, err);
}

void sg_searcher_free(sg_searcher *s)
{
	if (!s)
		return;
	sg_read_end(s->txn);
	sg_free(s->len_chunks);
	sg_analysis_free(s->an);
	sg_free(s);
}

/* Maps lengths chunk c into the searcher's cache: SG_OK, or not (the
 * chunk is absent, or a failure that r->sticky now holds). Kept off
 * doc_len's fast path. */
static int doc_len_load(struct run *r, size_t c)
{
	sg_searcher *s = r->s;
	int rc = sg_lengths_chunk_get(s->idx, s->txn, (uint32_t)c,
				      &s->len_chunks[c],
				      r->sticky ? NULL : r->err);

	if (rc != SG_OK && rc != SG_ENOTFOUND && !r->sticky)
		r->sticky = rc;
	return rc;
}

/* The length of docid; SG_DL_DEAD for a deleted one. */
static uint32_t doc_len(struct run *r, uint32_t docid)
{
	sg_searcher *s = r->s;
	size_t c = docid / SG_LEN_CHUNK;

	if (c >= s->n_chunks)
		return SG_DL_DEAD;
	if (!s->len_chunks[c] && doc_len_load(r, c) != SG_OK)
		return SG_DL_DEAD;
	return sg_le32_get(s->len_chunks[c] + 4 * (docid % SG_LEN_CHUNK));
}

/* ------------------------------------------------------------ scoring */

static double bm25(const struct run *r, double idf, uint32_t tf, uint32_t dl)
{
	double norm = r->k1 * (1.0 - r->b + r->b * (double)dl / r->s->avgdl);

	return idf * (double)tf * (r->k1 + 1.0) / ((double)tf + norm);
}

static double idf_of(const struct run *r, uint64_t df)
{
	double n = (double)r->s->n_docs, d = (double)df;

	return log(1.0 + (n - d + 0.5) / (d + 0.5));
}

/* ------------------------------------------------------------ leaves */

static int leaf_confirm(struct run *r, struct leaf *l, uint32_t docid);

/* The leaf's next candidate >= target: for a phrase, a document holding
 * all its terms (positions unconfirmed). */
static int leaf_advance(struct run *r, struct leaf *l, uint32_t target)
{
	uint32_t d = target;
	size_t i;
	int rc;

	if (l->empty) {
		l->doc = SG_DOC_END;
		return SG_OK;
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

/* tf of the leaf in docid (its cursors are on docid): for a phrase, the
 * number of positions p where term i stands at p + off[i]. */
static int leaf_tf(struct run *r, struct leaf *l, uint32_t docid,
		   uint32_t *tf)
{
	uint32_t na, nb, i, j, n_hits;
	size_t t;
	int rc;

	if (l->tf_doc == docid) {
		*tf = l->tf;
		return SG_OK;
	}
	if (l->n == 1) {
		*tf = sg_tcur_tf(&l->cur[0]);
	} else {
		/* Candidates: positions of term 0 shifted to the phrase start;
		 * each further term keeps those it confirms. */
		na = sg_tcur_tf(&l->cur[0]);
		for (t = 0; t < l->n; t++)
			if (sg_tcur_tf(&l->cur[t]) > r->pos_cap &&
			    grow_positions(r, sg_tcur_tf(&l->cur[t])) != SG_OK)
				return sg_err(r->err, SG_ENOMEM, "out of memory");
		rc = sg_tcur_positions(&l->cur[0], r->pos_a, r->err);
		if (rc != SG_OK)
			return rc;
		for (i = 0; i < na; i++)
			r->pos_a[i] -= (uint32_t)l->off[0];
		for (t = 1; t < l->n && na > 0; t++) {
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
		*tf = na;
	}
	l->tf_doc = docid;
	l->tf = *tf;
	return SG_OK;
}

static int leaf_confirm(struct run *r, struct leaf *l, uint32_t docid)
{
	uint32_t tf;
	int rc;

	if (l->doc != docid)
		return 0;
	rc = leaf_tf(r, l, docid, &tf);
	if (rc != SG_OK)
		return rc;
	return tf > 0;
}

/* ------------------------------------------------------------ plan */

static struct node *new_node(enum nkind kind)
{
	struct node *n = sg_calloc(1, sizeof(*n));

	if (n)
		n->kind = kind;
	return n;
}

/* Closes and frees a node's own copy of its leaf (its cursors only: the
 * rest is borrowed from the leaf). */
static void free_own(struct node *n)
{
	size_t t;

	if (!n->own)
		return;
	for (t = 0; t < n->own->n; t++)
		sg_tcur_close(&n->own->cur[t]);
	sg_free(n->own->cur);
	sg_free(n->own);
	n->own = NULL;
}

static void free_node(struct node *n)
{
	size_t i;

	if (!n)
		return;
	for (i = 0; i < n->n_kids; i++)
		free_node(n->kids[i]);
	free_own(n);
	sg_free(n->kids);
	sg_free(n);
}

static int add_kid(struct node *p, struct node *k)
{
	if (sg_grow_array_from((void **)&p->kids, &p->cap_kids, p->n_kids + 1,
			       sizeof(*p->kids), 4))
		return SG_ENOMEM;
	p->kids[p->n_kids++] = k;
	return SG_OK;
}

/* A new node of `kind` standing on leaf li, or NULL with r->err set. */
static struct node *leaf_node(struct run *r, enum nkind kind, size_t li)
{
	struct node *n = new_node(kind);

	if (!n) {
		sg_err(r->err, SG_ENOMEM, "out of memory");
		return NULL;
	}
	n->leaf = li;
	return n;
}

/* Adds an N_LEAF kid on leaf li to parent. */
static int add_leaf_kid(struct run *r, struct node *parent, size_t li)
{
	struct node *k = leaf_node(r, N_LEAF, li);

	if (!k)
		return SG_ENOMEM;
	if (add_kid(parent, k) != SG_OK) {
		sg_free(k);
		return sg_err(r->err, SG_ENOMEM, "out of memory");
	}
	return SG_OK;
}

static void notice(struct run *r, const char *fmt, const char *a, size_t n)
{
	char line[512];

	snprintf(line, sizeof(line), fmt, (int)n, a);
	if (r->notices.len)
		(void)sg_buf_putc(&r->notices, '\n');
	(void)sg_buf_append(&r->notices, line, strlen(line));
}

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

enum rank_by { BY_UB, BY_DF };

/* Sorts leaf indices ids[0..n) by ascending upper bound or df. */
static int sort_leaves(struct run *r, size_t *ids, size_t n, enum rank_by by)
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

/* Removes repeated leaf indices from ids[0..*n), keeping the first of
 * each in its place (in one pass: a query may hold thousands). */
static int drop_repeats(struct run *r, size_t *ids, size_t *n)
{
	char *seen = sg_calloc(r->n_leaves + 1, 1);
	size_t i, m = 0;

	if (!seen)
		return sg_err(r->err, SG_ENOMEM, "out of memory");
	for (i = 0; i < *n; i++)
		if (!seen[ids[i]]) {
			seen[ids[i]] = 1;
			ids[m++] = ids[i];
		}
	*n = m;
	sg_free(seen);
	return SG_OK;
}

/* Every posting list a query reads costs a cursor (about 2 kB with its
 * decoded block) and a step per candidate: a query may open at most this
 * many, its words, phrases, grams and the terms its prefixes expand to
 * together (docs/QUERY.md, "Limits"). Beyond, SG_ETOOBIG. */
#define SG_QUERY_MAX_LISTS 32768

/* The merge key of a leaf: its name, its offsets relative to the first,
 * whether it scores and whether it is a substring leaf (FNV-1a). */
static uint64_t leaf_hash(const char *what, const int32_t *off, size_t n,
			  int scores, int sub)
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
	return h;
}

/* The slot of the leaf equal to the key, or of the empty slot where it
 * would go (linear probing; the table is never more than half full). */
static size_t leaf_slot(const struct run *r, uint64_t h, const char *what,
			const int32_t *off, size_t n, int scores, int sub)
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
		       o->sub == sub && !strcmp(o->what, what);
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
					   o->scores, o->sub)] = old[i];
		}
	sg_free(old);
	return SG_OK;
}

/* A leaf for terms[0..n) at offsets off[]; merged with an equal leaf. */
static int make_leaf(struct run *r, const char *const *terms,
		     const size_t *lens, const int32_t *off, size_t n,
		     int scores, int sub, size_t *out)
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
	h = leaf_hash(what.data, off, n, scores, sub);
	slot = leaf_slot(r, h, what.data, off, n, scores, sub);
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
		rc = sg_term_get(r->s->idx, r->s->txn, terms[i], lens[i], tr,
				 r->err);
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
		rc = sg_tcur_open(&l->cur[i], r->s->idx, r->s->txn, &trs[i],
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
		l->ub = bm25(r, l->idf, l->max_tf, l->min_dl);
		l->doc = l->cur[0].doc;
		rc = leaf_advance(r, l, 0);
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

/* The substring leaf of a keyword (docs/RECALL.md): the grams that cover
 * its normalized text with white space removed, at their character
 * offsets: the unigram of a one-character word, else the bigrams at 0, 2,
 * 4, ... and one ending at the last character. Confirming them at those
 * offsets is confirming the whole string. *li = SIZE_MAX when the text is
 * empty once normalized. */
static int make_sub_leaf(struct run *r, const char *norm, size_t len,
			 int scores, size_t *li)
{
	size_t *at = NULL, n = 0, i, m = 0, g;
	const char **terms = NULL;
	size_t *lens = NULL;
	int32_t *off = NULL;
	char *keys = NULL, *k;
	int rc = SG_OK;

	*li = SIZE_MAX;
	at = sg_malloc((len + 2) * sizeof(*at));
	if (!at)
		return sg_err(r->err, SG_ENOMEM, "out of memory");
	for (i = 0; i < len;) {
		size_t a = sg_utf8_lead_len((unsigned char)norm[i]);

		if (a > len - i)
			a = len - i;
		if (!strchr(" \t\n\r\v\f", norm[i]) || norm[i] == '\0')
			at[n++] = i;
		i += a;
	}
	if (n == 0)
		goto out;
	at[n] = len; /* only to measure the last character */
	terms = sg_calloc(n + 1, sizeof(*terms));
	lens = sg_calloc(n + 1, sizeof(*lens));
	off = sg_calloc(n + 1, sizeof(*off));
	keys = sg_malloc(n * 10 + 10);
	if (!terms || !lens || !off || !keys) {
		rc = sg_err(r->err, SG_ENOMEM, "out of memory");
		goto out;
	}
	k = keys;
	for (g = 0;; g = g + 2 < n - 1 ? g + 2 : n - 2) {
		/* a character's bytes: up to the next kept character, which
		 * white space removed may have moved: measure by lead byte */
		size_t c0 = at[g], l0 = sg_utf8_lead_len((unsigned char)norm[c0]);
		size_t l1 = 0;

		if (l0 > len - c0)
			l0 = len - c0;
		k[0] = '\0';
		memcpy(k + 1, norm + c0, l0);
		if (n > 1) {
			size_t c1 = at[g + 1];

			l1 = sg_utf8_lead_len((unsigned char)norm[c1]);
			if (l1 > len - c1)
				l1 = len - c1;
			memcpy(k + 1 + l0, norm + c1, l1);
		}
		terms[m] = k;
		lens[m] = 1 + l0 + l1;
		off[m] = (int32_t)g;
		m++;
		k += 1 + l0 + l1;
		if (n == 1 || g == n - 2)
			break;
	}
	rc = make_leaf(r, terms, lens, off, m, scores, 1, li);
out:
	sg_free(at);
	sg_free(terms);
	sg_free(lens);
	sg_free(off);
	sg_free(keys);
	return rc;
}

/* Adds (or finds) the scoring unit of a keyword. */
static int add_unit(struct run *r, size_t sub, size_t morph, int has_morph,
		    int implied, size_t *out)
{
	if (r->leaves[sub].unit != SIZE_MAX) {
		*out = r->leaves[sub].unit;
		return SG_OK;
	}
	if (sg_grow_array_from((void **)&r->units, &r->cap_units,
			       r->n_units + 1, sizeof(*r->units), 8))
		return sg_err(r->err, SG_ENOMEM, "out of memory");
	r->units[r->n_units].sub = sub;
	r->units[r->n_units].morph = morph;
	r->leaves[sub].in_unit = 1;
	r->leaves[sub].unit = r->n_units;
	if (has_morph)
		r->leaves[morph].in_unit = 1;
	r->units[r->n_units].has_morph = has_morph;
	r->units[r->n_units].implied = implied;
	*out = r->n_units++;
	return SG_OK;
}

/* Analyzes a word or phrase text; in bag mode each term is its own leaf
 * under an OR, else all terms form one phrase leaf. In keyword mode on a
 * substring index the word becomes an N_WORD: its substring leaf decides
 * the match, its phrase of terms (if any) the tier. *out is NULL when the
 * text holds nothing to search. */
static int plan_text(struct run *r, const sg_qnode *q, int bag, int scores,
		     struct node **out)
{
	const sg_token *tok;
	size_t n, i, m = 0, li = SIZE_MAX, sub = SIZE_MAX, unit;
	uint32_t used, shift = 0;
	const char **terms = NULL;
	size_t *lens = NULL;
	int32_t *off = NULL;
	int rc;

	*out = NULL;
	rc = sg_analyze(r->s->an, q->text, q->len, 0, &tok, &n, &used, r->err);
	if (rc != SG_OK)
		return rc;
	terms = sg_calloc(n + 1, sizeof(*terms));
	lens = sg_calloc(n + 1, sizeof(*lens));
	off = sg_calloc(n + 1, sizeof(*off));
	if (!terms || !lens || !off) {
		rc = sg_err(r->err, SG_ENOMEM, "out of memory");
		goto out;
	}
	/* Token terms live in the analysis: they are used before anything
	 * else is analyzed (make_leaf does not analyze).
	 * White space in a query phrase separates words the user typed; it
	 * must not demand a gap in the document ("クラスター 発生" matches
	 * クラスター発生). A white-space run is the one position between two
	 * consecutive tokens that none of them holds: take those out. */
	for (i = 0; i < n; i++) {
		if (i > 0 && tok[i].pos > tok[i - 1].pos + 1)
			shift += tok[i].pos - tok[i - 1].pos - 1;
		if (!tok[i].indexed || tok[i].term_len == 0)
			continue;
		terms[m] = tok[i].term;
		lens[m] = tok[i].term_len;
		off[m] = (int32_t)(tok[i].pos - shift);
		m++;
	}
	if (r->substring) {
		size_t norm_len;
		const char *norm = sg_analysis_normalized(r->s->an, &norm_len);
		/* When the word's tokens are all indexed, adjacent, and none is
		 * a verb or adjective (whose term is a base form, not the
		 * text), its terms are its normalized text cut into pieces:
		 * a document matching them at adjacent positions holds the
		 * string, and its substring leaf need not be read. */
		int implied = m > 0 && m == n;

		for (i = 0; implied && i < n; i++) {
			const char *t = tok[i].pos_tag;

			if (i > 0 && off[i] != off[i - 1] + 1)
				implied = 0;
			else if (tok[i].pos_tag_len >= 6 &&
				 (!memcmp(t, "動詞", 6) ||
				  (tok[i].pos_tag_len >= 9 &&
				   !memcmp(t, "形容詞", 9))))
				implied = 0;
		}

		if (m > 0) {
			rc = make_leaf(r, terms, lens, off, m, scores, 0, &li);
			if (rc != SG_OK)
				goto out;
		}
		rc = make_sub_leaf(r, norm, norm_len, scores, &sub);
		if (rc != SG_OK)
			goto out;
		if (sub == SIZE_MAX) {
			notice(r, "'%.*s' is empty once normalized: dropped",
			       q->text, q->len);
			goto out;
		}
		if (scores) {
			rc = add_unit(r, sub, li, m > 0, implied, &unit);
			if (rc != SG_OK)
				goto out;
		}
		*out = leaf_node(r, N_WORD, sub);
		if (!*out)
			rc = SG_ENOMEM;
		goto out;
	}
	if (m == 0) {
		notice(r, "'%.*s' has no indexed term (only particles or "
		       "symbols): dropped", q->text, q->len);
		goto out;
	}
	if (!bag || m == 1) {
		rc = make_leaf(r, terms, lens, off, m, scores, 0, &li);
		if (rc != SG_OK)
			goto out;
		*out = leaf_node(r, N_LEAF, li);
		if (!*out)
			rc = SG_ENOMEM;
		goto out;
	}
	*out = new_node(N_OR);
	if (!*out) {
		rc = sg_err(r->err, SG_ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < m && rc == SG_OK; i++) {
		int32_t zero = 0;

		rc = make_leaf(r, &terms[i], &lens[i], &zero, 1, scores, 0,
			       &li);
		if (rc == SG_OK)
			rc = add_leaf_kid(r, *out, li);
	}
out:
	if (rc != SG_OK) { /* no half-built node for the caller to leak */
		free_node(*out);
		*out = NULL;
	}
	sg_free(terms);
	sg_free(lens);
	sg_free(off);
	return rc;
}

/* A prefix: an OR over the terms of the dictionary that start with the
 * normalized text, at most prefix_cap of them (in byte order). */
static int build_prefix(struct run *r, const sg_qnode *q, int scores,
			struct node **out);

static int plan_prefix(struct run *r, const sg_qnode *q, int scores,
		       struct node **out)
{
	int rc = build_prefix(r, q, scores, out);

	if (rc != SG_OK) { /* no half-built node for the caller to leak */
		free_node(*out);
		*out = NULL;
	}
	return rc;
}

static int build_prefix(struct run *r, const sg_qnode *q, int scores,
			struct node **out)
{
	const sg_token *tok;
	size_t n, norm_len, count = 0;
	uint32_t used;
	const char *norm;
	char prefix[SG_TERM_MAX + 1];
	sg_scan sc;
	const void *kp, *vp;
	size_t kl, vl;
	int rc;
	size_t cap = r->opt->prefix_cap ? r->opt->prefix_cap : 128;

	*out = NULL;
	rc = sg_analyze(r->s->an, q->text, q->len, 0, &tok, &n, &used, r->err);
	if (rc != SG_OK)
		return rc;
	norm = sg_analysis_normalized(r->s->an, &norm_len);
	while (norm_len && (norm[norm_len - 1] == ' ' || norm[norm_len - 1] == '\n'))
		norm_len--;
	if (norm_len == 0 || norm_len > SG_TERM_MAX) {
		notice(r, "prefix '%.*s*' is empty or too long: dropped",
		       q->text, q->len);
		return SG_OK;
	}
	memcpy(prefix, norm, norm_len);
	*out = new_node(N_OR);
	if (!*out)
		return sg_err(r->err, SG_ENOMEM, "out of memory");
	rc = sg_scan_open(&sc, r->s->idx, r->s->txn, SG_DB_TERMS, prefix,
			  norm_len, "cursor", "terms", r->err);
	if (rc != SG_OK)
		return rc;
	while ((rc = sg_scan_next(&sc, &kp, &kl, &vp, &vl, r->err)) == 1) {
		char term[SG_TERM_MAX + 1];
		const char *tp = term;
		size_t tl = kl, li;
		int32_t zero = 0;
		sg_termrec tr;

		if (tl < norm_len || memcmp(kp, prefix, norm_len))
			break;
		if (sg_termrec_decode(&tr, vp, vl) || tr.df == 0)
			continue;
		if (count == cap) {
			char msg[64];

			snprintf(msg, sizeof(msg), "%zu", cap);
			notice(r, "prefix '%.*s*' matches more terms than the "
			       "cap; only the first ones (in byte order) are "
			       "searched (--prefix-cap)", q->text, q->len);
			r->lower_bound = 1;
			r->capped = 1;
			break;
		}
		memcpy(term, kp, tl);
		term[tl] = '\0';
		rc = make_leaf(r, &tp, &tl, &zero, 1, scores, 0, &li);
		if (rc != SG_OK) {
			sg_scan_close(&sc);
			return rc;
		}
		rc = add_leaf_kid(r, *out, li);
		if (rc != SG_OK) {
			sg_scan_close(&sc);
			return rc;
		}
		count++;
	}
	sg_scan_close(&sc);
	if (rc < 0)
		return rc;
	if (count == 0)
		(*out)->kind = N_NONE;
	return SG_OK;
}

/* Builds the node for q. *out NULL: the item was dropped. */
static int plan(struct run *r, const sg_qnode *q, int scores,
		struct node **out)
{
	struct node *n, *k;
	size_t i;
	int rc, bag = r->opt->or_mode;

	*out = NULL;
	switch (q->kind) {
	case SG_Q_WORD:
		return plan_text(r, q, bag, scores, out);
	case SG_Q_PHRASE:
		return plan_text(r, q, 0, scores, out);
	case SG_Q_PREFIX:
		return plan_prefix(r, q, scores, out);
	case SG_Q_NOT:
		rc = plan(r, q->kids[0], 0, &k);
		if (rc != SG_OK || !k)
			return rc;
		n = new_node(N_NOT);
		if (!n || add_kid(n, k)) {
			sg_free(n);
			free_node(k);
			return sg_err(r->err, SG_ENOMEM, "out of memory");
		}
		*out = n;
		return SG_OK;
	case SG_Q_AND:
	case SG_Q_OR:
		n = new_node(q->kind == SG_Q_OR || bag ? N_OR : N_AND);
		if (!n)
			return sg_err(r->err, SG_ENOMEM, "out of memory");
		for (i = 0; i < q->n_kids; i++) {
			rc = plan(r, q->kids[i], scores, &k);
			if (rc != SG_OK) {
				free_node(n);
				return rc;
			}
			if (!k)
				continue;
			if (k->kind == N_NOT && n->kind == N_OR) {
				/* In natural-language mode, -word still
				 * excludes: an OR with NOTs becomes
				 * AND(OR(positives), NOTs) below. */
			}
			if (add_kid(n, k)) {
				free_node(k);
				free_node(n);
				return sg_err(r->err, SG_ENOMEM, "out of memory");
			}
		}
		*out = n;
		return SG_OK;
	}
	return SG_OK;
}

/* Scratch for flatten(): per leaf, the stamp of the last node that had it
 * as a kid (positive, and under a NOT). */
struct marks {
	size_t *pos, *neg, stamp;
	int nomem; /* an allocation failed: the plan is not to be trusted */
};

/* An AND's AND kids and an OR's OR kids are taken into it (in --or mode a
 * word of several terms is an OR under the top OR), a leaf that stands
 * twice among the kids is kept once (a a = a, a OR a = a), and an OR
 * drops kids that match nothing. None of this changes what matches or
 * how it scores (every scoring leaf that holds a document adds to its
 * score, wherever it stands), but it keeps the generic evaluation from
 * walking a list once per repetition (10,000 words are some hundreds of
 * distinct ones) and lets more shapes take the pruned paths. */
static void flatten(struct node *n, struct marks *mk)
{
	size_t i, j, m = 0, n_none = 0;
	struct node **kids;

	for (i = 0; i < n->n_kids; i++)
		m += n->kids[i]->kind == n->kind ? n->kids[i]->n_kids : 1;
	kids = sg_malloc((m ? m : 1) * sizeof(*kids));
	if (!kids) {
		mk->nomem = 1; /* left whole, so that the caller can free it */
		return;
	}
	for (i = m = 0; i < n->n_kids; i++) {
		struct node *k = n->kids[i];

		if (k->kind == n->kind) {
			for (j = 0; j < k->n_kids; j++)
				kids[m++] = k->kids[j];
			sg_free(k->kids);
			sg_free(k);
		} else {
			kids[m++] = k;
		}
	}
	sg_free(n->kids);
	n->kids = kids;
	n->cap_kids = m ? m : 1;
	mk->stamp++;
	for (i = j = 0; i < m; i++) {
		struct node *k = kids[i];
		size_t *seen = NULL;

		if (k->kind == N_LEAF || k->kind == N_WORD)
			seen = &mk->pos[k->leaf];
		else if (k->kind == N_NOT && (k->kids[0]->kind == N_LEAF ||
					      k->kids[0]->kind == N_WORD))
			seen = &mk->neg[k->kids[0]->leaf];
		if (seen && *seen == mk->stamp) {
			free_node(k);
			continue;
		}
		if (seen)
			*seen = mk->stamp;
		kids[j++] = k;
	}
	m = j;
	if (n->kind == N_OR) {
		for (i = 0; i < m; i++)
			n_none += kids[i]->kind == N_NONE;
		if (n_none && n_none < m) {
			for (i = j = 0; i < m; i++)
				if (kids[i]->kind == N_NONE)
					free_node(kids[i]);
				else
					kids[j++] = kids[i];
			m = j;
		}
	}
	n->n_kids = m;
}

/* In natural-language mode the top level is an OR; its NOT kids must still
 * exclude: OR(a, b, NOT c) becomes AND(OR(a, b), NOT c). A node left with
 * one kid collapses to it, and one with none is dropped. */
static struct node *normalize_node(struct node *n, struct marks *mk)
{
	size_t i, j;

	if (!n)
		return NULL;
	for (i = 0; i < n->n_kids; i++)
		n->kids[i] = normalize_node(n->kids[i], mk);
	for (i = j = 0; i < n->n_kids; i++)
		if (n->kids[i])
			n->kids[j++] = n->kids[i];
	n->n_kids = j;
	if (n->kind == N_AND || n->kind == N_OR)
		flatten(n, mk);
	if (n->kind == N_OR) {
		size_t n_not = 0;

		for (i = 0; i < n->n_kids; i++)
			n_not += n->kids[i]->kind == N_NOT;
		if (n_not && n_not < n->n_kids) {
			struct node *and = new_node(N_AND), *or = new_node(N_OR);

			for (i = 0; and && or && i < n->n_kids; i++)
				if (add_kid(n->kids[i]->kind == N_NOT ? and : or,
					    n->kids[i]) != SG_OK)
					break;
			if (!and || !or || i < n->n_kids) {
				/* n still owns every kid: only the shells go */
				if (and)
					sg_free(and->kids);
				if (or)
					sg_free(or->kids);
				sg_free(and);
				sg_free(or);
				mk->nomem = 1;
				return n;
			}
			sg_free(n->kids);
			sg_free(n);
			or = normalize_node(or, mk);
			if (or && add_kid(and, or) != SG_OK) {
				free_node(or);
				mk->nomem = 1;
			}
			return and;
		}
	}
	if ((n->kind == N_AND || n->kind == N_OR) && n->n_kids == 1) {
		struct node *k = n->kids[0];

		sg_free(n->kids);
		sg_free(n);
		return k;
	}
	/* A NOT whose item normalized away (a group of words without
	 * terms) excludes nothing: dropped, as plan() drops a NOT of a
	 * dropped item. Kept, it would hand node_next a NULL kid. */
	if ((n->kind == N_AND || n->kind == N_OR || n->kind == N_NOT) &&
	    n->n_kids == 0) {
		free_node(n);
		return NULL;
	}
	return n;
}

/* Normalizes the plan *root in place; 0, or SG_ENOMEM with *root still a
 * whole tree for the caller to free. */
static int normalize(struct run *r, struct node **root)
{
	struct marks mk = { NULL, NULL, 0, 0 };

	mk.pos = sg_calloc(r->n_leaves + 1, sizeof(*mk.pos));
	mk.neg = sg_calloc(r->n_leaves + 1, sizeof(*mk.neg));
	if (mk.pos && mk.neg)
		*root = normalize_node(*root, &mk);
	else
		mk.nomem = 1;
	sg_free(mk.pos);
	sg_free(mk.neg);
	return mk.nomem ? SG_ENOMEM : SG_OK;
}

/* The positivity rule (docs/QUERY.md, "Exclusions"). A query must name
 * the documents it matches through words, phrases or prefixes; an
 * exclusion only removes some of them. So a node is *positive* when it
 * can list its matches by walking posting lists: a leaf; an AND with at
 * least one positive kid, each NOT kid excluding a positive item; an OR
 * whose kids are all positive. The root must be positive. Without the
 * rule, -a -b would walk every docid there could be (it took 42 s on
 * 2,500 documents) to answer with nearly the whole index at score 0. */
#define NEED_POSITIVE "a query needs at least one word that is not " \
		      "excluded with '-'"

static int positive(const struct node *n)
{
	size_t i;
	int any = 0;

	switch (n->kind) {
	case N_LEAF:
	case N_WORD:
	case N_NONE:
		return 1;
	case N_NOT:
		return 0;
	case N_AND:
		for (i = 0; i < n->n_kids; i++) {
			const struct node *k = n->kids[i];

			if (k->kind == N_NOT) {
				if (!positive(k->kids[0]))
					return 0;
			} else if (positive(k)) {
				any = 1;
			} else {
				return 0;
			}
		}
		return any;
	case N_OR:
		for (i = 0; i < n->n_kids; i++)
			if (!positive(n->kids[i]))
				return 0;
		return n->n_kids > 0;
	}
	return 0;
}

/* In keyword mode, an OR may not have an exclusion as one of its sides:
 * a OR -b means "a, or anything without b", nearly the whole index, at a
 * cost that grows with the index rather than with the query. All sides
 * excluded (-a OR -b) is the positivity rule's case and gets its message.
 * (In --or mode every item is optional and an exclusion always excludes,
 * so there a OR -b is a -b; normalize() does that.) */
static int check_or_sides(const sg_qnode *q, sg_error *err)
{
	size_t i, n_not = 0;
	const sg_qnode *first_not = NULL;
	int rc;

	if (q->kind == SG_Q_OR) {
		for (i = 0; i < q->n_kids; i++)
			if (q->kids[i]->kind == SG_Q_NOT) {
				n_not++;
				if (!first_not)
					first_not = q->kids[i];
			}
		if (n_not == q->n_kids)
			return sg_err(err, SG_ESYNTAX, NEED_POSITIVE);
		if (n_not)
			return sg_err(err, SG_ESYNTAX, "column %zu: an "
				      "exclusion cannot be a side of OR "
				      "('a OR -b' would match nearly every "
				      "document): to exclude b, write 'a -b'",
				      first_not->column);
	}
	for (i = 0; i < q->n_kids; i++)
		if ((rc = check_or_sides(q->kids[i], err)) != SG_OK)
			return rc;
	return SG_OK;
}

/* ------------------------------------------------------------ top k */

/* a is worse than b: a lower score, or the same score and a later docid. */
static int worse(const struct heap_ent *a, const struct heap_ent *b)
{
	if (a->tier != b->tier)
		return a->tier < b->tier;
	return a->score < b->score ||
	       (a->score == b->score && a->docid > b->docid);
}

static void heap_push(struct run *r, int tier, double score, uint32_t docid)
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

/* The score a document must beat to enter: -inf until the heap is full. */
static double threshold(const struct run *r)
{
	return r->n_heap < r->k ? -HUGE_VAL : r->heap[0].score;
}

/* The canonical score of docid: every scoring leaf that matches it, summed
 * in leaf order. Leaves are advanced to docid (never past it). */
/* tf of leaf l in docid, advancing it there (0 when it does not match). */
static int leaf_tf_at(struct run *r, struct leaf *l, uint32_t docid,
		      uint32_t *tf)
{
	int rc;

	*tf = 0;
	if (l->empty)
		return SG_OK;
	if (l->doc < docid) {
		rc = leaf_advance(r, l, docid);
		if (rc != SG_OK)
			return rc;
	}
	if (l->doc != docid)
		return SG_OK;
	return leaf_tf(r, l, docid, tf);
}

static int score_doc(struct run *r, uint32_t docid, uint32_t dl,
		     double *score, int *tier, int *matched_any)
{
	size_t i;
	int rc;

	*score = 0;
	*tier = 0;
	*matched_any = 0;
	r->scored++;
	if (r->substring) {
		/* Each keyword that matches scores by its morphemes when
		 * they match too (and lifts the tier), else by its
		 * substring occurrences (docs/RECALL.md). */
		for (i = 0; i < r->n_units; i++) {
			const struct unit *u = &r->units[i];
			struct leaf *sl = &r->leaves[u->sub];
			uint32_t tf = 0, mtf = 0;

			if (u->has_morph) {
				rc = leaf_tf_at(r, &r->leaves[u->morph], docid,
						&mtf);
				if (rc != SG_OK)
					return rc;
			}
			if (!(mtf && u->implied)) {
				rc = leaf_tf_at(r, sl, docid, &tf);
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
			rc = leaf_tf_at(r, l, docid, &tf);
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
		rc = leaf_tf_at(r, l, docid, &tf);
		if (rc != SG_OK)
			return rc;
		if (tf) {
			*score += bm25(r, l->idf, tf, dl);
			*matched_any = 1;
		}
	}
	return SG_OK;
}

/* Generic evaluation: node->doc = the first document >= target matching
 * the node, positions confirmed. */
static int node_next(struct run *r, struct node *n, uint32_t target)
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
		uint32_t d = target;

		for (;;) {
			rc = leaf_advance(r, l, d);
			if (rc != SG_OK)
				return rc;
			if (l->doc == SG_DOC_END)
				break;
			rc = leaf_confirm(r, l, l->doc);
			if (rc < 0)
				return rc;
			if (rc)
				break;
			d = l->doc + 1;
		}
		n->doc = l->doc;
		return SG_OK;
	}
	case N_OR:
		n->doc = SG_DOC_END;
		for (i = 0; i < n->n_kids; i++) {
			rc = node_next(r, n->kids[i], target);
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
				rc = node_next(r, k, d);
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
				rc = node_next(r, k->kids[0], d);
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
	case N_NOT: /* not reached: the planner refuses it (positive()) */
		return sg_err(r->err, SG_ESYNTAX, NEED_POSITIVE);
	}
	return SG_OK;
}

/* Generic evaluation: which leaf nodes need cursors of their own. A leaf
 * may stand under several nodes (merged duplicates: a OR (b (c OR a))),
 * and an AND under an OR leapfrogs its leaves past documents that another
 * side of the OR matches: on shared cursors one node would miss documents
 * another had moved past, and score_doc, which asks every scoring leaf
 * whether it holds the document, would find some leaves already beyond
 * it. So such a leaf node matches with its own copy of the leaf's cursors
 * and the leaf itself only moves to the document being scored. A leaf
 * node that stands alone and under no AND-under-an-OR is only ever asked
 * for targets up to the document being scored: where it stops past one,
 * it does not hold it, and it needs no copy. Copies count against the cap
 * on posting lists. */
static void count_refs(const struct node *n, size_t *refs)
{
	size_t i;

	if (n->kind == N_LEAF || n->kind == N_WORD)
		refs[n->leaf]++;
	for (i = 0; i < n->n_kids; i++)
		count_refs(n->kids[i], refs);
}

static int own_leaf(struct run *r, struct node *n);

/* under_or: an OR is above n; ahead: an AND with an OR above it is. */
static int own_walk(struct run *r, struct node *n, const size_t *refs,
		    int under_or, int ahead)
{
	size_t i;
	int rc;

	if (n->kind == N_LEAF || n->kind == N_WORD)
		return refs[n->leaf] > 1 || ahead ? own_leaf(r, n) : SG_OK;
	for (i = 0; i < n->n_kids; i++) {
		rc = own_walk(r, n->kids[i], refs, under_or || n->kind == N_OR,
			      ahead || (n->kind == N_AND && under_or));
		if (rc != SG_OK)
			return rc;
	}
	return SG_OK;
}

static int own_leaves(struct run *r, struct node *n)
{
	size_t *refs = sg_calloc(r->n_leaves + 1, sizeof(*refs));
	int rc;

	if (!refs)
		return sg_err(r->err, SG_ENOMEM, "out of memory");
	count_refs(n, refs);
	rc = own_walk(r, n, refs, 0, 0);
	sg_free(refs);
	return rc;
}

static int own_leaf(struct run *r, struct node *n)
{
	const struct leaf *l;
	struct leaf *o;
	size_t i;
	int rc;

	if (n->own)
		return SG_OK;
	l = &r->leaves[n->leaf];
	if (l->empty)
		return SG_OK; /* it never moves */
	if (l->n > SG_QUERY_MAX_LISTS - r->n_lists)
		return sg_err(r->err, SG_ETOOBIG, "the query reads more than %d "
			      "posting lists (its words, phrases, and the terms "
			      "its prefixes expand to, each once per place it "
			      "stands in a query of groups): shorten it",
			      SG_QUERY_MAX_LISTS);
	o = sg_malloc(sizeof(*o));
	if (!o)
		return sg_err(r->err, SG_ENOMEM, "out of memory");
	*o = *l;
	o->cur = sg_calloc(l->n, sizeof(*o->cur));
	if (!o->cur) {
		sg_free(o);
		return sg_err(r->err, SG_ENOMEM, "out of memory");
	}
	o->n = 0;
	n->own = o;
	for (i = 0; i < l->n; i++) {
		rc = sg_tcur_clone(&o->cur[i], &l->cur[i], r->err);
		o->n = i + 1;
		if (rc != SG_OK)
			return rc;
		o->cur[i].df = l->cur[i].df;
		r->n_lists++;
	}
	o->tf_doc = SG_DOC_END;
	o->bb_valid = 0;
	o->doc = 0;
	return leaf_advance(r, o, 0);
}

static int eval_generic(struct run *r)
{
	uint32_t d = 1;
	int rc;

	if (r->root->kind == N_NOT)
		return node_next(r, r->root, 1);
	rc = own_leaves(r, r->root);
	if (rc != SG_OK)
		return rc;
	for (;;) {
		uint32_t dl;
		double score;
		int any, tier;

		rc = node_next(r, r->root, d);
		if (rc != SG_OK || r->root->doc == SG_DOC_END)
			return rc;
		d = r->root->doc;
		dl = doc_len(r, d);
		if (dl != SG_DL_DEAD) {
			rc = score_doc(r, d, dl, &score, &tier, &any);
			if (rc != SG_OK)
				return rc;
			r->total++;
			heap_push(r, tier, score, d);
		}
		if (d == SG_DOC_END - 1)
			return SG_OK;
		d++;
	}
}

/* The bound of a leaf's score in the blocks its cursors are on. */
static double leaf_block_bound(const struct run *r, struct leaf *l)
{
	uint32_t max_tf = UINT32_MAX, min_dl = 0;
	size_t i;
	double b;

	/* A one-term leaf's bound changes only with its block: cached. */
	if (l->n == 1 && l->bb_valid && l->bb_first == l->cur[0].blk.first)
		return l->bb;

	for (i = 0; i < l->n; i++) {
		if (l->cur[i].blk.max_tf < max_tf)
			max_tf = l->cur[i].blk.max_tf;
		if (l->cur[i].blk.min_dl > min_dl)
			min_dl = l->cur[i].blk.min_dl;
	}
	b = bm25(r, l->idf, max_tf, min_dl);
	if (b > l->ub)
		b = l->ub;
	if (l->n == 1) {
		l->bb_valid = 1;
		l->bb_first = l->cur[0].blk.first;
		l->bb = b;
	}
	return b;
}

/* Slack against rounding: a bound is raised by this factor before it is
 * compared with the k-th score, so no document is pruned by a rounding. */
#define BOUND_SLACK (1.0 + 1e-9)

/* Conjunction of leaves pos[0..np) minus leaves neg[0..nn): leapfrog with
 * block-max skipping. */
static int eval_and(struct run *r, size_t *pos, size_t np, size_t *req,
		    size_t nreq, size_t *neg, size_t nn)
{
	uint32_t d = 1;
	double ub_all = 0;
	size_t i;
	int rc;

	/* The rarest leaf first: it drives the leapfrog, and a candidate
	 * fails on the leaf that is most likely to lack it. */
	rc = sort_leaves(r, pos, np, BY_DF);
	if (rc != SG_OK)
		return rc;
	for (i = 0; i < np; i++)
		ub_all += r->leaves[pos[i]].ub;
	while (d != SG_DOC_END) {
		uint32_t dl, max_d;
		double score, bound, theta;
		int again = 0, any, excluded = 0, tier;

		for (i = 0; i < np; i++) {
			struct leaf *l = &r->leaves[pos[i]];

			rc = leaf_advance(r, l, d);
			if (rc != SG_OK)
				return rc;
			if (l->doc != d) {
				d = l->doc;
				again = 1;
				break;
			}
		}
		if (again)
			continue;
		theta = threshold(r);
		if (ub_all * BOUND_SLACK <= theta) {
			r->lower_bound = 1; /* nothing further can enter */
			return SG_OK;
		}
		bound = 0;
		for (i = 0; i < np; i++)
			bound += leaf_block_bound(r, &r->leaves[pos[i]]);
		if (bound * BOUND_SLACK <= theta) {
			/* No document before the nearest block end can enter. */
			max_d = SG_DOC_END;
			for (i = 0; i < np; i++) {
				const struct leaf *l = &r->leaves[pos[i]];
				size_t t;

				for (t = 0; t < l->n; t++)
					if (l->cur[t].blk.last < max_d)
						max_d = l->cur[t].blk.last;
			}
			r->skipped++;
			r->lower_bound = 1;
			d = max_d == SG_DOC_END ? SG_DOC_END : max_d + 1;
			continue;
		}
		dl = doc_len(r, d);
		if (dl == SG_DL_DEAD) {
			d++;
			continue;
		}
		for (i = 0; i < np && !excluded; i++) {
			rc = leaf_confirm(r, &r->leaves[pos[i]], d);
			if (rc < 0)
				return rc;
			excluded = !rc;
		}
		/* Leaves that must match too but do not drive the walk (the
		 * keywords' substring leaves, checked last: they are read only
		 * for documents that could enter the top k). */
		for (i = 0; i < nreq && !excluded; i++) {
			struct leaf *l = &r->leaves[req[i]];

			if (l->doc < d && (rc = leaf_advance(r, l, d)) != SG_OK)
				return rc;
			rc = leaf_confirm(r, l, d);
			if (rc < 0)
				return rc;
			excluded = !rc;
		}
		for (i = 0; i < nn && !excluded; i++) {
			struct leaf *l = &r->leaves[neg[i]];

			rc = leaf_advance(r, l, d);
			if (rc != SG_OK)
				return rc;
			rc = leaf_confirm(r, l, d);
			if (rc < 0)
				return rc;
			excluded = rc;
		}
		if (!excluded) {
			rc = score_doc(r, d, dl, &score, &tier, &any);
			if (rc != SG_OK)
				return rc;
			r->total++;
			heap_push(r, tier, score, d);
		}
		d++;
	}
	return SG_OK;
}

/* Disjunction of leaves pos[0..np) minus leaves neg[0..nn): MaxScore. */
static int eval_or(struct run *r, size_t *pos, size_t np, size_t *neg,
		   size_t nn)
{
	double *cum = sg_malloc((np + 1) * sizeof(*cum));
	double *contrib = sg_calloc(r->n_leaves + 1, sizeof(*contrib));
	char *is_pos = sg_calloc(r->n_leaves + 1, 1);
	size_t i, e = 0;
	int rc = SG_OK;

	if (!cum || !contrib || !is_pos) {
		sg_free(cum);
		sg_free(contrib);
		sg_free(is_pos);
		return sg_err(r->err, SG_ENOMEM, "out of memory");
	}
	for (i = 0; i < np; i++)
		is_pos[pos[i]] = 1;
	rc = sort_leaves(r, pos, np, BY_UB);
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
			 * region is skipped without decoding a posting. */
			double bound = cum[e];
			uint32_t reg = SG_DOC_END;

			for (i = e; i < np; i++) {
				struct leaf *l = &r->leaves[pos[i]];
				size_t t;

				if (l->doc == SG_DOC_END)
					continue;
				bound += leaf_block_bound(r, l);
				for (t = 0; t < l->n; t++)
					if (l->cur[t].blk.last < reg)
						reg = l->cur[t].blk.last;
			}
			if (bound * BOUND_SLACK <= theta) {
				r->skipped++;
				r->lower_bound = 1;
				for (i = e; i < np; i++) {
					struct leaf *l = &r->leaves[pos[i]];

					if (l->doc <= reg && (rc = leaf_advance(r, l,
					    reg == SG_DOC_END ? reg : reg + 1)) != SG_OK)
						goto out;
				}
				continue;
			}
		}
		dl = doc_len(r, d);
		if (dl != SG_DL_DEAD) {
			for (i = 0; i < np; i++)
				contrib[pos[i]] = 0;
			for (i = e; i < np; i++) {
				struct leaf *l = &r->leaves[pos[i]];
				uint32_t tf;

				if (l->doc != d)
					continue;
				rc = leaf_tf(r, l, d, &tf);
				if (rc != SG_OK)
					goto out;
				contrib[pos[i]] = tf ? bm25(r, l->idf, tf, dl) : 0;
				partial += contrib[pos[i]];
			}
			for (i = e; i-- > 0;) {
				struct leaf *l = &r->leaves[pos[i]];
				uint32_t tf;

				if ((partial + cum[i + 1]) * BOUND_SLACK <= theta) {
					pruned = 1;
					break;
				}
				rc = leaf_advance(r, l, d);
				if (rc != SG_OK)
					goto out;
				if (l->doc != d)
					continue;
				rc = leaf_tf(r, l, d, &tf);
				if (rc != SG_OK)
					goto out;
				contrib[pos[i]] = tf ? bm25(r, l->idf, tf, dl) : 0;
				partial += contrib[pos[i]];
			}
			if (partial == 0 && !pruned)
				excluded = 1; /* phrase candidates unconfirmed */
			for (i = 0; i < nn && !excluded && !pruned; i++) {
				struct leaf *l = &r->leaves[neg[i]];

				rc = leaf_advance(r, l, d);
				if (rc != SG_OK)
					goto out;
				rc = leaf_confirm(r, l, d);
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
				r->scored++;
				for (i = 0; i < r->n_leaves; i++)
					if (is_pos[i] && contrib[i] > 0) {
						score += contrib[i];
						any = 1;
					}
				if (any) {
					r->total++;
					heap_push(r, tier, score, d);
				}
			}
		}
		for (i = e; i < np; i++) {
			struct leaf *l = &r->leaves[pos[i]];

			if (l->doc == d) {
				rc = leaf_advance(r, l, d + 1);
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

/* Puts a leaf's cursors back on its first posting (a second pass). */
static int leaf_rewind(struct run *r, struct leaf *l)
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
	return leaf_advance(r, l, 0);
}

static void node_rewind(struct node *n)
{
	size_t i;

	n->doc = 0;
	for (i = 0; i < n->n_kids; i++)
		node_rewind(n->kids[i]);
}

/* The second pass of eval_substring over a conjunction: a leapfrog over
 * the keywords' substring leaves req[] (minus neg[]), every match scored
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
	rc = sort_leaves(r, req, nreq, BY_DF);
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
		int again = 0, any, tier, excluded = 0;

		for (i = 0; i < nreq; i++) {
			struct leaf *l = &r->leaves[req[i]];

			if ((rc = leaf_advance(r, l, d)) != SG_OK)
				goto out;
			if (l->doc != d) {
				d = l->doc;
				again = 1;
				break;
			}
		}
		if (again)
			continue;
		if (r->n_heap == r->k && phase_a &&
		    r->heap[0].tier == (int)r->n_units - 1) {
			double bound = 0, theta = r->heap[0].score;
			uint32_t max_d = SG_DOC_END;

			for (i = 0; i < nreq; i++) {
				double b = leaf_block_bound(r, &r->leaves[req[i]]);

				bound += b > mub[i] ? b : mub[i];
			}
			if (bound * BOUND_SLACK <= theta) {
				for (i = 0; i < nreq; i++) {
					const struct leaf *l = &r->leaves[req[i]];

					for (j = 0; j < l->n; j++)
						if (l->cur[j].blk.last < max_d)
							max_d = l->cur[j].blk.last;
				}
				r->skipped++;
				r->lower_bound = 1;
				d = max_d == SG_DOC_END ? SG_DOC_END : max_d + 1;
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
				double b = leaf_block_bound(r, &r->leaves[req[i]]);

				j = r->leaves[req[i]].unit;
				if (j != SIZE_MAX && r->units[j].has_morph) {
					struct leaf *ml = &r->leaves[r->units[j].morph];

					if (ml->doc < d &&
					    (rc = leaf_advance(r, ml, d)) != SG_OK)
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
			rc = leaf_confirm(r, &r->leaves[req[i]], d);
			if (rc < 0)
				goto out;
			excluded = !rc;
		}
		for (i = 0; dl != SG_DL_DEAD && i < nn && !excluded; i++) {
			struct leaf *l = &r->leaves[neg[i]];

			if ((rc = leaf_advance(r, l, d)) != SG_OK)
				goto out;
			rc = leaf_confirm(r, l, d);
			if (rc < 0)
				goto out;
			excluded = rc;
		}
		rc = SG_OK;
		if (dl != SG_DL_DEAD && !excluded) {
			rc = score_doc(r, d, dl, &score, &tier, &any);
			if (rc != SG_OK)
				goto out;
			r->total++;
			/* The first pass pushed the whole top tier. */
			if (!(phase_a && tier == (int)r->n_units))
				heap_push(r, tier, score, d);
		}
		d = d == SG_DOC_END - 1 ? SG_DOC_END : d + 1;
	}
out:
	sg_free(mub);
	return rc;
}

/* Keyword mode on a substring index (docs/RECALL.md). A conjunction of
 * keywords whose every one has morphemes first runs the pruned conjunction
 * over the morpheme leaves, each candidate confirmed by the substring
 * leaves: that is the top tier, exactly. Only when it yields fewer than k
 * hits are the lower tiers needed: then every substring match is walked
 * and scored (their count is exact). Other shapes are walked exhaustively. */
static int eval_substring(struct run *r)
{
	struct node *n = r->root;
	size_t *pos = NULL, *req = NULL, *neg = NULL, np = 0, nreq = 0, nn = 0;
	size_t *areq = NULL, nareq = 0; /* substring leaves the first pass
					   must confirm */
	size_t i, j, slots = r->n_leaves + n->n_kids + 2;
	int rc = SG_OK, shape_ok = 1, all_morph = 1, phase_a = 0;

	pos = sg_malloc(slots * sizeof(*pos));
	req = sg_malloc(slots * sizeof(*req));
	neg = sg_malloc(slots * sizeof(*neg));
	areq = sg_malloc(slots * sizeof(*areq));
	if (!pos || !req || !neg || !areq) {
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
		if (!r->units[j].implied)
			areq[nareq++] = req[i];
	}
	rc = drop_repeats(r, pos, &np);
	if (rc != SG_OK)
		goto out;
	if (shape_ok && all_morph && np > 0 && !r->opt->exhaustive) {
		rc = eval_and(r, pos, np, areq, nareq, neg, nn);
		if (rc != SG_OK || r->n_heap == r->k) {
			/* The top tier filled the top k; the substring-only
			 * matches were not counted. */
			r->lower_bound = 1;
			goto out;
		}
		phase_a = 1;
		for (i = 0; i < r->n_leaves; i++)
			if ((rc = leaf_rewind(r, &r->leaves[i])) != SG_OK)
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
	rc = own_leaves(r, r->root);
	if (rc != SG_OK)
		goto out;
	{
		uint32_t d = 1;

		for (;;) {
			uint32_t dl;
			double score;
			int any, tier;

			rc = node_next(r, r->root, d);
			if (rc != SG_OK || r->root->doc == SG_DOC_END)
				break;
			d = r->root->doc;
			dl = doc_len(r, d);
			if (dl != SG_DL_DEAD) {
				rc = score_doc(r, d, dl, &score, &tier, &any);
				if (rc != SG_OK)
					break;
				r->total++;
				/* The first pass pushed the whole top tier. */
				if (!(phase_a && tier == (int)r->n_units))
					heap_push(r, tier, score, d);
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
	sg_free(areq);
	return rc;
}

static int evaluate_shape(struct run *r);

/* Puts every leaf, and every node's own copy of one, back at the start. */
static int node_rewind_all(struct run *r, struct node *n)
{
	size_t i;
	int rc;

	n->doc = 0;
	if (n->own && (rc = leaf_rewind(r, n->own)) != SG_OK)
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
	uint64_t n = 0;
	uint32_t d = 1;
	size_t i;
	int rc;

	for (i = 0; i < r->n_leaves; i++)
		if ((rc = leaf_rewind(r, &r->leaves[i])) != SG_OK)
			return rc;
	if ((rc = node_rewind_all(r, r->root)) != SG_OK)
		return rc;
	rc = own_leaves(r, r->root);
	if (rc == SG_ETOOBIG)
		return SG_OK;
	if (rc != SG_OK)
		return rc;
	for (;;) {
		rc = node_next(r, r->root, d);
		if (rc != SG_OK)
			return rc;
		if (r->root->doc == SG_DOC_END)
			break;
		d = r->root->doc;
		if (doc_len(r, d) != SG_DL_DEAD && ++n > limit)
			break;
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
		return eval_generic(r);
	if (r->substring)
		return eval_substring(r);
	if (r->opt->exhaustive)
		return eval_generic(r);
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
	if (shape_ok && (rc = drop_repeats(r, pos, &np)) != SG_OK) {
		sg_free(pos);
		sg_free(neg);
		return rc;
	}
	if (!shape_ok || np == 0)
		rc = eval_generic(r);
	else if (or)
		rc = eval_or(r, pos, np, neg, nn);
	else
		rc = eval_and(r, pos, np, NULL, 0, neg, nn);
	sg_free(pos);
	sg_free(neg);
	return rc;
}

/* ------------------------------------------------------------ results */

struct results_impl {
	sg_results pub;
	sg_hit *hits;
	sg_buf notices;
	void **owned;          /* everything else to free */
	size_t n_owned, cap_owned;
};

static int own(struct results_impl *ri, void *p)
{
	if (!p)
		return SG_ENOMEM;
	if (sg_grow_array_from((void **)&ri->owned, &ri->cap_owned,
			       ri->n_owned + 1, sizeof(*ri->owned), 32)) {
		sg_free(p);
		return SG_ENOMEM;
	}
	ri->owned[ri->n_owned++] = p;
	return SG_OK;
}

void sg_results_free(sg_results *r)
{
	struct results_impl *ri = (struct results_impl *)r;
	size_t i;

	if (!ri)
		return;
	for (i = 0; i < ri->n_owned; i++)
		sg_free(ri->owned[i]);
	sg_free(ri->owned);
	sg_free(ri->hits);
	sg_buf_release(&ri->notices);
	sg_free(ri);
}

/* tf of leaf l in docid, with fresh cursors (for --explain). */
static int leaf_tf_fresh(struct run *r, const struct leaf *l, uint32_t docid,
			 uint32_t *tf)
{
	struct leaf tmp;
	size_t i;
	int rc = SG_OK;

	*tf = 0;
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
		rc = leaf_advance(r, &tmp, docid);
	if (rc == SG_OK && tmp.doc == docid)
		rc = leaf_tf(r, &tmp, docid, tf);
	while (i-- > 0)
		sg_tcur_close(&tmp.cur[i]);
	sg_free(tmp.cur);
	return rc;
}

static int build_hit(struct run *r, struct results_impl *ri, sg_hit *h,
		     uint32_t docid, double score)
{
	const void *val;
	size_t val_len;
	sg_docrec rec;
	size_t i;
	int rc;

	h->docid = docid;
	h->score = score;
	rc = sg_doc_get(r->s->idx, r->s->txn, docid, &val, &val_len, r->err);
	if (rc != SG_OK && rc != SG_ENOTFOUND)
		return rc;
	if (rc == SG_ENOTFOUND)
		return sg_err(r->err, SG_ECORRUPT, "%s: docs: docid %u: no "
			      "record, though its postings and length say it "
			      "is live; rebuild the index", r->s->idx->st.dir,
			      docid);
	if (sg_docrec_decode(&rec, val, val_len))
		return sg_err(r->err, SG_ECORRUPT, "%s: docs: docid %u: the "
			      "record (%zu bytes) does not decode; rebuild the "
			      "index", r->s->idx->st.dir, docid, val_len);
	h->id = rec.id;
	h->title = rec.title;
	h->stored = rec.stored;
	h->dl = rec.dl;
	if (r->opt->explain) {
		sg_explain *ex = sg_calloc(r->n_leaves + 1, sizeof(*ex));
		size_t n = 0;

		if (own(ri, ex))
			return sg_err(r->err, SG_ENOMEM, "out of memory");
		for (i = 0; i < r->n_leaves; i++) {
			const struct leaf *l = &r->leaves[i];
			uint32_t tf;

			if (!l->scores)
				continue;
			rc = leaf_tf_fresh(r, l, docid, &tf);
			if (rc != SG_OK)
				return rc;
			ex[n].what = sg_strdup(l->what);
			if (own(ri, (void *)ex[n].what))
				return sg_err(r->err, SG_ENOMEM, "out of memory");
			ex[n].tf = tf;
			ex[n].df = l->empty ? 0 : l->df;
			ex[n].idf = l->idf;
			ex[n].score = tf ? bm25(r, l->idf, tf, rec.dl) : 0;
			n++;
		}
		h->explain = ex;
		h->n_explain = n;
	}
	if (r->opt->snippet_chars) {
		sg_buf text = SG_BUF_INIT, out = SG_BUF_INIT;
		const char **terms = NULL;
		size_t *lens = NULL, *unit_n = NULL, n_terms = 0, n_units = 0;
		sg_snip_query q;
		sg_span *spans = NULL;
		size_t n_spans = 0;

		if (sg_docrec_texts(&rec, &r->texts_buf) != SG_OK)
			return sg_err(r->err, SG_ECORRUPT, "%s: docs: docid "
				      "%u: its texts do not decompress; rebuild "
				      "the index", r->s->idx->st.dir, docid);
		/* rc is SG_OK here and stays SG_ENOMEM once an append fails
		 * (a later success must not clear it). */
		for (i = 0; rc == SG_OK && i < rec.n_texts; i++)
			if ((i && text.len && sg_buf_putc(&text, '\n')) ||
			    sg_buf_append(&text, rec.texts[i].ptr,
					  rec.texts[i].len))
				rc = SG_ENOMEM;
		size_t all_terms = 1;

		for (i = 0; i < r->n_leaves; i++)
			all_terms += r->leaves[i].n;
		terms = sg_calloc(all_terms, sizeof(*terms));
		lens = sg_calloc(all_terms, sizeof(*lens));
		unit_n = sg_calloc(r->n_leaves + 1, sizeof(*unit_n));
		if (!terms || !lens || !unit_n)
			rc = SG_ENOMEM;
		for (i = 0; rc == SG_OK && i < r->n_leaves; i++) {
			const struct leaf *l = &r->leaves[i];
			const char *p = l->what, *sp;

			if (!l->scores || l->empty || l->sub)
				continue; /* grams are no snippet terms */
			unit_n[n_units] = 0;
			for (;;) {
				sp = strchr(p, ' ');
				terms[n_terms] = p;
				lens[n_terms] = sp ? (size_t)(sp - p) : strlen(p);
				n_terms++;
				unit_n[n_units]++;
				if (!sp)
					break;
				p = sp + 1;
			}
			n_units++;
		}
		if (rc == SG_OK) {
			q.terms = terms;
			q.term_lens = lens;
			q.unit_n = unit_n;
			q.n_units = n_units;
			rc = sg_snippet(r->s->an, text.data ? text.data : "",
					text.len, &q, r->opt->snippet_chars,
					&out, &spans, &n_spans, r->err);
		}
		sg_free(terms);
		sg_free(lens);
		sg_free(unit_n);
		sg_buf_release(&text);
		if (rc != SG_OK) {
			sg_buf_release(&out);
			sg_free(spans);
			return rc == SG_ENOMEM ?
			       sg_err(r->err, rc, "out of memory") : rc;
		}
		if (!out.data)
			out.data = sg_strdup("");
		if (own(ri, out.data) || (spans && own(ri, spans)))
			return sg_err(r->err, SG_ENOMEM, "out of memory");
		h->snippet.ptr = out.data;
		h->snippet.len = out.len;
		h->highlights = spans;
		h->n_highlights = n_spans;
	}
	return SG_OK;
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
	free_node(r->root);
	sg_free(r->heap);
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
	uint64_t t0 = now_us();
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
	r->substring = s->idx->substring && !opt->or_mode;
	if (!s->idx->substring && !opt->or_mode)
		notice(r, "%.*sthis index was built with --no-substring: "
		       "keywords match whole morphemes only", "", 0);
	rc = sg_query_parse(query, len, &q, &qroot, err);
	if (rc == SG_ESYNTAX && opt->or_mode) {
		/* A question in natural-language mode is text, not syntax: a
		 * stray '-' or '"' in it must not fail the search. */
		notice(r, "%.*s: searched as plain text", err->msg,
		       strlen(err->msg));
		fallback.kind = SG_Q_WORD;
		fallback.text = query;
		fallback.len = len;
		fallback.column = 1;
		qroot = &fallback;
		rc = SG_OK;
	}
	if (rc != SG_OK)
		goto out;
	if (qroot && !opt->or_mode) {
		rc = check_or_sides(qroot, err);
		if (rc != SG_OK)
			goto out;
	}
	if (qroot) {
		rc = plan(r, qroot, 1, &r->root);
		if (rc != SG_OK)
			goto out;
		if (normalize(r, &r->root) != SG_OK) {
			rc = sg_err(err, SG_ENOMEM, "out of memory");
			goto out;
		}
		if (r->root && !positive(r->root)) {
			rc = sg_err(err, SG_ESYNTAX, NEED_POSITIVE);
			goto out;
		}
	}
	if (!qroot)
		notice(r, "%.*sempty query: nothing to search", "", 0);
	if (r->root) {
		rc = evaluate(r);
		if (rc != SG_OK)
			goto out;
	}
	/* The heap, best first. */
	ri->hits = sg_calloc(r->n_heap + 1, sizeof(*ri->hits));
	if (!ri->hits) {
		rc = sg_err(err, SG_ENOMEM, "out of memory");
		goto out;
	}
	for (i = r->n_heap; i > 0; i--) {
		struct heap_ent top = r->heap[0];

		r->heap[0] = r->heap[--r->n_heap];
		/* sift down the moved one */
		{
			size_t j = 0, c;
			struct heap_ent e = r->heap[0];

			for (;;) {
				c = 2 * j + 1;
				if (c >= r->n_heap)
					break;
				if (c + 1 < r->n_heap &&
				    worse(&r->heap[c + 1], &r->heap[c]))
					c++;
				if (!worse(&r->heap[c], &e))
					break;
				r->heap[j] = r->heap[c];
				j = c;
			}
			if (r->n_heap)
				r->heap[j] = e;
		}
		ri->hits[i - 1].docid = top.docid;
		ri->hits[i - 1].score = top.score;
		ri->pub.n_hits++;
	}
	for (i = 0; i < ri->pub.n_hits; i++) {
		rc = build_hit(r, ri, &ri->hits[i], ri->hits[i].docid,
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
