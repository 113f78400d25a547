/*
 * search_internal.h — what the query engine's files share: the state of
 * one search (struct run, its leaves and plan nodes, the heap), and one
 * section per file for the functions it offers the others. The hot ones
 * (doc_len, bm25, idf_of, worse, threshold) are static inline here: gcc
 * does not inline across objects, and they run once per posting.
 *
 *   searcher.c        a searcher's snapshot, the documents' lengths
 *   bm25.c            the score of one document
 *   leaf.c            one leaf's cursors: candidates, tf, phrase positions
 *   plan.c            the parser's tree to AND/OR/NOT nodes over leaves
 *   plan_leaf.c       building and merging leaves and blends; grams
 *   plan_expand.c     prefixes and synonyms, one blend each
 *   topk.c            the heap of the best k
 *   eval_and.c        conjunctions (block-max), exhaustive evaluation
 *   eval_or.c         disjunctions (MaxScore)
 *   eval_substring.c  keywords on a substring index
 *   fields.c          FIELD:word and --weights: spans, BM25F lengths
 *   results.c         hits, --explain, snippets
 *   search.c          sg_search: parse, plan, evaluate, collect
 */
#ifndef SG_SEARCH_INTERNAL_H
#define SG_SEARCH_INTERNAL_H

#include <math.h>
#include <time.h>
#include <stddef.h>
#include <stdint.h>

#include "alloc.h"
#include "cursor.h"
#include "error.h"
#include "fieldpos.h"
#include "index.h"
#include "parse.h"
#include "sagasu.h"
#include "sortfilter.h"

/* -------------------------------------------------------------- one search */

struct leaf {
	size_t n;                     /* terms */
	sg_tcur *cur;                 /* n cursors */
	int32_t *off;                 /* relative query positions */
	int sub;                      /* a substring leaf: grams, idf of the
					 rarest gram (docs/RECALL.md) */
	int in_unit;                  /* a keyword unit's leaf (scored by it) */
	size_t unit;                  /* the unit whose substring leaf this
					 is, SIZE_MAX if none */
	size_t blend;                 /* the blend it scores through, or
					 SIZE_MAX */
	size_t alt;                   /* a substring leaf: the morpheme leaf
					 whose matches are matches of the
					 keyword too (string ∪ morphemes,
					 docs/RECALL.md); SIZE_MAX if none */
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
	double wtf;                   /* and its weighted tf (BM25F: each
					 occurrence counts its field's
					 weight), when r->weighted */
	int field;                    /* FIELD:word: only occurrences in
					 that indexed field count; -1 any */
	int nopos;                    /* a unigram: no positions */
};

/* N_WORD: a keyword of a substring index; it matches where its substring
 * leaf does and scores by its unit (a morpheme leaf, if any, first). */
enum nkind { N_LEAF, N_AND, N_OR, N_NOT, N_NONE, N_WORD };

/* A keyword of a substring index: which leaves match and score it. */
struct unit {
	size_t sub;       /* the substring leaf: decides the match */
	size_t morph;     /* the morpheme leaf, when has_morph */
	int has_morph;
};

/* A blend: alternatives scored as one unit (a prefix's expansions, a
 * keyword's synonyms; docs/RANKING.md, Blended units), as Lucene's
 * SynonymQuery does: tf is the members' tfs summed, idf the smallest of
 * their idfs (the commonest member's), so a rare alternative cannot
 * outrank the common one. On a substring index a blend also has substring
 * leaves (a prefix's string, each synonym's), its members too, which
 * score the same way among themselves (sub_idf) only the documents where
 * no other member matched. */
struct blend {
	double idf, sub_idf;
	char *what;       /* for --explain: what the blend stands for */
	uint32_t tf, sub_tf;          /* scratch of score_doc */
	double wtf, sub_wtf;          /* their weighted sums (r->weighted) */
};

struct node {
	enum nkind kind;
	size_t leaf;
	struct node **kids;
	size_t n_kids, cap_kids;
	uint32_t doc;                 /* generic evaluation: current doc */
	struct leaf *own;             /* generic evaluation: the leaf's own
					 cursors, for matching (below) */
	struct leaf *own_alt;         /* and its alt leaf's, for an N_WORD */
};

struct heap_ent {
	int tier;         /* keywords matched as whole morphemes */
	double score;
	uint32_t docid;
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
	struct blend *blends;
	size_t n_blends, cap_blends;
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
	/* Sort and filters (sortfilter.h): with a filter, every pushed
	 * document is tested and sf_passed counts those that pass; sorting
	 * by a field collects every passing match in coll instead of the
	 * heap (which stays empty, so nothing is pruned). */
	sg_sortfilter *sf;
	int collect;
	sg_sf_cand *coll;
	size_t n_coll, cap_coll;
	uint64_t sf_passed;
	uint64_t analyze_ns;          /* in sg_analyze, while planning */
	/* Fields (fields.c; docs/QUERY.md Fields, docs/RANKING.md Field
	 * weights). */
	int plan_field;               /* the field the leaves being made
					 are restricted to, -1 none */
	int weighted;                 /* --weights not all 1: BM25F */
	double w[SG_FIELDS_MAX];      /* each indexed field's weight */
	double wmax, wmin;            /* the largest and smallest (1, 1) */
	double avgdl;                 /* BM25's: the index's, or weighted */
	int split;                    /* occurrences must be told apart by
					 field: a restriction, or weights
					 over two fields or more */
	uint32_t spans_doc;           /* the docid spans[] are of, or 0 */
	sg_fieldspan spans[SG_FIELDS_MAX];
	sg_error *err;
};

/* ------------------------------------------------- interface to searcher.c */

struct sg_searcher {
	sg_index *idx;
	MDB_txn *txn;
	uint64_t n_docs;
	double avgdl;
	uint32_t next_docid;
	const uint8_t **len_chunks;   /* pointer into the map per chunk */
	size_t n_chunks;
	sg_analysis *an;
	sg_buf doc_buf;               /* sg_searcher_get's decompressed texts */
	sg_slice doc_texts[SG_FIELDS_MAX];
	sg_cursor_pool cursors;       /* LMDB cursors the last search closed */
};

int sq_doc_len_load(struct run *r, size_t c);

/* The length of docid; SG_DL_DEAD for a deleted one. */
static inline uint32_t doc_len(struct run *r, uint32_t docid)
{
	sg_searcher *s = r->s;
	size_t c = docid / SG_LEN_CHUNK;

	if (c >= s->n_chunks)
		return SG_DL_DEAD;
	if (!s->len_chunks[c] && sq_doc_len_load(r, c) != SG_OK)
		return SG_DL_DEAD;
	return sg_le32_get(s->len_chunks[c] + 4 * (docid % SG_LEN_CHUNK));
}

/* ----------------------------------------------------- interface to bm25.c */

/* tf and dl are counts, or BM25F's weighted sums (fields.c). */
static inline double bm25(const struct run *r, double idf, double tf,
			   double dl)
{
	double norm = r->k1 * (1.0 - r->b + r->b * dl / r->avgdl);

	return idf * tf * (r->k1 + 1.0) / (tf + norm);
}

/* The bound of a leaf's bm25 where no tf exceeds max_tf and no dl falls
 * below min_dl: with weights, a weighted tf is at most wmax times the
 * count and a weighted length at least wmin times the length, and bm25
 * grows with tf and falls with dl (docs/RANKING.md, Field weights). */
static inline double bm25_bound(const struct run *r, double idf,
				uint32_t max_tf, uint32_t min_dl)
{
	return bm25(r, idf, (double)max_tf * r->wmax,
		    (double)min_dl * r->wmin);
}

static inline double idf_of(const struct run *r, uint64_t df)
{
	double n = (double)r->s->n_docs, d = (double)df;

	return log(1.0 + (n - d + 0.5) / (d + 0.5));
}

int sq_score_doc(struct run *r, uint32_t docid, uint32_t dl,
		 double *score, int *tier, int *matched_any);

/* --------------------------------------------------- interface to fields.c */

/* Reads opt->weights into r (SG_EINVAL naming the fault) and the
 * lengths BM25 uses: r->avgdl, weighted when the weights are. */
int sq_fields_setup(struct run *r);
/* The indexed field named name[0..len), or -1. */
int sq_field_index(const struct run *r, const char *name, size_t len);
/* The index's fields, "title, body", for messages. */
void sq_field_names(const struct run *r, char *out, size_t cap);
/* Loads docid's spans into r->spans (once per docid). */
int sq_doc_spans(struct run *r, uint32_t docid);
/* sq_doc_dlw with weights. */
int sq_doc_dlw_weighted(struct run *r, uint32_t docid, uint32_t dl,
			double *out);
/* BM25's length of docid (dl its count of terms): dl, or with weights
 * the fields' lengths weighted. Inline: without weights (the common
 * case) it is dl, asked for every candidate. */
static inline int sq_doc_dlw(struct run *r, uint32_t docid, uint32_t dl,
			     double *out)
{
	if (!r->weighted) {
		*out = dl;
		return SG_OK;
	}
	return sq_doc_dlw_weighted(r, docid, dl, out);
}
/* Keeps of the leaf's occurrences pos[0..*n) (phrase starts, token or
 * character positions by the leaf's kind) those in its field, and sums
 * their weights into *wtf. */
int sq_split_positions(struct run *r, const struct leaf *l, uint32_t docid,
		       uint32_t *pos, uint32_t *n, double *wtf);

/* The tf to score a leaf by, once sq_leaf_tf gave its count tf. */
static inline double leaf_wtf(const struct run *r, const struct leaf *l,
			      uint32_t tf)
{
	return r->weighted ? l->wtf : (double)tf;
}

/* ----------------------------------------------------- interface to leaf.c */

int sq_leaf_advance(struct run *r, struct leaf *l, uint32_t target);
/* The leapfrog step of a conjunction: advances leaves ids[0..n) to *d in
 * order; 1 when all stand on *d, 0 when one moved past it (*d is then
 * that leaf's document, the next candidate), or a negative error. */
int sq_leaves_meet(struct run *r, const size_t *ids, size_t n, uint32_t *d);
/* A keyword of a substring index matches where its substring leaf or its
 * alt (morpheme) leaf does; every other leaf where it does itself.
 * sq_word_advance moves both to >= target and gives the nearer candidate;
 * sq_words_meet is sq_leaves_meet over such unions; sq_leaf_matches
 * confirms leaf li (or its alt) at docid, advancing them there: 1, 0, or
 * a negative error. */
int sq_word_advance(struct run *r, size_t li, uint32_t target, uint32_t *doc);
int sq_words_meet(struct run *r, const size_t *ids, size_t n, uint32_t *d);
int sq_leaf_matches(struct run *r, size_t li, uint32_t docid);
/* The first docid after the nearest end of the blocks the cursors of
 * leaves ids[0..n) stand in (SG_DOC_END when none ends before it): where a
 * conjunction goes on once those blocks' bounds cannot enter the top k. */
uint32_t sq_leaves_past_blocks(const struct run *r, const size_t *ids,
			       size_t n);

int sq_leaf_tf(struct run *r, struct leaf *l, uint32_t docid,
	       uint32_t *tf);

int sq_leaf_confirm(struct run *r, struct leaf *l, uint32_t docid);

int sq_leaf_tf_at(struct run *r, struct leaf *l, uint32_t docid,
		  uint32_t *tf);

int sq_leaf_rewind(struct run *r, struct leaf *l);

/* tf (and its weighted tf) of leaf l in docid, with fresh cursors. */
int sq_leaf_tf_fresh(struct run *r, const struct leaf *l, uint32_t docid,
		     uint32_t *tf, double *wtf);

/* ----------------------------------------------------- interface to plan.c */

/* Every posting list a query reads costs a cursor (about 2 kB with its
 * decoded block) and a step per candidate: a query may open at most this
 * many, its words, phrases, grams and the terms its prefixes expand to
 * together (docs/QUERY.md, "Limits"). Beyond, SG_ETOOBIG. */
#define SG_QUERY_MAX_LISTS 32768

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

void sq_free_node(struct node *n);

void sq_notice(struct run *r, const char *fmt, const char *a, size_t n);

int sq_drop_repeats(struct run *r, size_t *ids, size_t *n);

int sq_plan(struct run *r, const sg_qnode *q, int scores,
	    struct node **out);

/* A word or phrase: bag (--or) makes each term its own leaf. */
int sq_plan_text(struct run *r, const sg_qnode *q, int bag, int scores,
		 struct node **out);

struct node *sq_new_node(enum nkind kind);

/* Adds an N_LEAF kid on leaf li to parent. */
int sq_add_leaf_kid(struct run *r, struct node *parent, size_t li);

/* A query text analyzed (the time added to r->analyze_ns): its tokens
 * (valid until the next analysis, as the terms they point to) and its m
 * indexed terms with their query positions, white space taken out. */
struct qterms {
	const sg_token *tok;
	size_t n, m;
	const char **terms;
	size_t *lens;
	int32_t *off;
	/* A token the filter dropped is written in katakana: MeCab cut a
	 * loanword (パートナ = パート + ナ, ナ read as the copula), so the
	 * terms left (パート) do not stand for the word. */
	int cut_word;
};

/* SG_OK, SG_ENOMEM, SG_EMECAB; qt is whole to release either way. */
int sq_analyze_terms(struct run *r, const char *text, size_t len,
		     struct qterms *qt);
void sq_qterms_release(struct qterms *qt);

/* ---------------------------------------------- interface to plan_expand.c */

int sq_plan_prefix(struct run *r, const sg_qnode *q, int scores,
		   struct node **out);

int sq_plan_synonyms(struct run *r, const sg_qnode *q, int bag, int scores,
		     struct node **out);

int sq_normalize(struct run *r, struct node **root);

int sq_positive(const struct node *n);

int sq_check_or_sides(const sg_qnode *q, sg_error *err);

int sq_own_leaves(struct run *r, struct node *n);

/* ------------------------------------------------ interface to plan_leaf.c */

/* sq_sort_leaves orders leaves by their upper bound or by df. */
enum rank_by { BY_UB, BY_DF };

int sq_sort_leaves(struct run *r, size_t *ids, size_t n, enum rank_by by);

int sq_make_leaf(struct run *r, const char *const *terms,
		 const size_t *lens, const int32_t *off, size_t n,
		 int scores, int sub, size_t *out);

int sq_make_sub_leaf(struct run *r, const char *norm, size_t len,
		     int scores, size_t *li);

/* Blends: sq_blend_new starts one (what: its --explain name), the leaves
 * made by sq_blend_leaf and sq_blend_sub (the substring leaf of a
 * prefix) are its members, merged only with each other, and
 * sq_blend_close, once all are made, gives it its idf and its members
 * their bounds. */
int sq_blend_new(struct run *r, const char *what, size_t len, size_t *out);
int sq_blend_leaf(struct run *r, size_t blend, const char *const *terms,
		  const size_t *lens, const int32_t *off, size_t n,
		  int scores, size_t *out);
int sq_blend_sub(struct run *r, size_t blend, const char *norm, size_t len,
		 int scores, size_t *li);
void sq_blend_close(struct run *r, size_t blend);

/* The caller's cancel hook, asked once every 1,024 documents (n counts
 * them: scored, or matched by the count walk): SG_EINTR, err filled, when
 * it says stop. */
static inline int sq_poll_cancel(struct run *r, uint64_t n)
{
	if ((n & 1023) || !r->opt->cancel || !r->opt->cancel(r->opt->cancel_ctx))
		return SG_OK;
	return sg_err(r->err, SG_EINTR, "interrupted: the search was "
		      "cancelled");
}

/* CLOCK_MONOTONIC in nanoseconds (the phases of sg_results). */
static inline uint64_t sq_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ----------------------------------------------------- interface to topk.c */

/* Slack against rounding: a bound is raised by this factor before it is
 * compared with the k-th score, so no document is pruned by a rounding. */
#define BOUND_SLACK (1.0 + 1e-9)

/* a is worse than b: a lower score, or the same score and a later docid. */
static inline int worse(const struct heap_ent *a, const struct heap_ent *b)
{
	if (a->tier != b->tier)
		return a->tier < b->tier;
	return a->score < b->score ||
	       (a->score == b->score && a->docid > b->docid);
}

/* The score a document must beat to enter: -inf until the heap is full. */
static inline double threshold(const struct run *r)
{
	return r->n_heap < r->k ? -HUGE_VAL : r->heap[0].score;
}

/* Into the heap, as it is. */
void sq_heap_insert(struct run *r, struct heap_ent e);
/* sq_heap_push under sort keys or filters: through them first. */
void sq_heap_push_sorted(struct run *r, struct heap_ent e);

/* A scored match: into the heap, or (with sort keys or filters) through
 * them first. Inline: most matches do not beat the worst of a full heap,
 * and they return here without a call. */
static inline void sq_heap_push(struct run *r, int tier, double score,
				uint32_t docid)
{
	struct heap_ent e = { tier, score, docid };

	if (r->sf)
		sq_heap_push_sorted(r, e);
	else if (r->n_heap < r->k || worse(&r->heap[0], &e))
		sq_heap_insert(r, e);
}

/* Takes the worst entry out (the heap must not be empty). */
struct heap_ent sq_heap_pop(struct run *r);

/* ------------------------------------------------- interface to eval_and.c */

int sq_node_next(struct run *r, struct node *n, uint32_t target);

int sq_eval_generic(struct run *r);

double sq_leaf_block_bound(const struct run *r, struct leaf *l);

int sq_eval_and(struct run *r, size_t *pos, size_t np, size_t *req,
		size_t nreq, size_t *neg, size_t nn);

/* -------------------------------------------------- interface to eval_or.c */

int sq_eval_or(struct run *r, size_t *pos, size_t np, size_t *neg,
	       size_t nn);

/* ------------------------------------------- interface to eval_substring.c */

int sq_eval_substring(struct run *r);

/* -------------------------------------------------- interface to results.c */

struct results_impl {
	sg_results pub;
	sg_hit *hits;
	sg_buf notices;
	void **owned;          /* everything else to free */
	size_t n_owned, cap_owned;
};

int sq_build_hit(struct run *r, struct results_impl *ri, sg_hit *h,
		 uint32_t docid, double score);

#endif
