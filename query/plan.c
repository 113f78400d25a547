/*
 * plan.c — from the parser's tree (parse.h) to a tree of AND, OR and NOT
 * nodes over leaves. In keyword mode a word that analyzes into several
 * terms is a phrase (クラスター = クラ + スター adjacent); in
 * natural-language mode (--or) a word's terms are separate leaves under
 * an OR; on a substring index a keyword is an N_WORD over its substring
 * leaf (and its alt, the morpheme leaf: string ∪ morphemes) and scores by
 * its unit. Prefixes and synonym groups are plan_expand.c's. The tree is
 * then flattened and normalized, and refused without a positive part (the
 * positivity rule: -a -b would have walked every docid). Also here:
 * dropping repeated leaves (drop_repeats) and the own cursors a leaf node
 * gets for generic evaluation (own_leaves). Planning stays linear in the
 * query's length. Building the leaves themselves is plan_leaf.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "postings_read.h"
#include "search_internal.h"

struct node *sq_new_node(enum nkind kind)
{
	struct node *n = sg_calloc(1, sizeof(*n));

	if (n)
		n->kind = kind;
	return n;
}

/* Closes and frees a node's own copy of a leaf (its cursors only: the
 * rest is borrowed from the leaf). */
static void free_copy(struct leaf **o)
{
	size_t t;

	if (!*o)
		return;
	for (t = 0; t < (*o)->n; t++)
		sg_tcur_close(&(*o)->cur[t]);
	sg_free((*o)->cur);
	sg_free(*o);
	*o = NULL;
}

void sq_free_node(struct node *n)
{
	size_t i;

	if (!n)
		return;
	for (i = 0; i < n->n_kids; i++)
		sq_free_node(n->kids[i]);
	free_copy(&n->own);
	free_copy(&n->own_alt);
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
	struct node *n = sq_new_node(kind);

	if (!n) {
		sg_err(r->err, SG_ENOMEM, "out of memory");
		return NULL;
	}
	n->leaf = li;
	return n;
}

/* Adds an N_LEAF kid on leaf li to parent. */
int sq_add_leaf_kid(struct run *r, struct node *parent, size_t li)
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

void sq_notice(struct run *r, const char *fmt, const char *a, size_t n)
{
	char line[512];

	snprintf(line, sizeof(line), fmt, (int)n, a);
	if (r->notices.len)
		(void)sg_buf_putc(&r->notices, '\n');
	(void)sg_buf_append(&r->notices, line, strlen(line));
}

/* Removes repeated leaf indices from ids[0..*n), keeping the first of
 * each in its place (in one pass: a query may hold thousands). */
int sq_drop_repeats(struct run *r, size_t *ids, size_t *n)
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

/* Adds (or finds) the scoring unit of a keyword. */
static int add_unit(struct run *r, size_t sub, size_t morph, int has_morph,
		    size_t *out)
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
	*out = r->n_units++;
	return SG_OK;
}

/* Whether s[0..n) holds a katakana letter (ァ..ヺ, or half-width ｦ..ﾝ):
 * particles and auxiliaries, the tokens the filter drops, are written in
 * hiragana. */
static int holds_katakana(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i;

	for (i = 0; i + 3 <= n; i++) {
		if (p[i] == 0xe3 && ((p[i + 1] == 0x82 && p[i + 2] >= 0xa1) ||
				     (p[i + 1] == 0x83 && p[i + 2] <= 0xba)))
			return 1;
		if (p[i] == 0xef && ((p[i + 1] == 0xbd && p[i + 2] >= 0xa6) ||
				     (p[i + 1] == 0xbe && p[i + 2] <= 0x9d)))
			return 1;
	}
	return 0;
}

/* The indexed terms of the tokens into qt's arrays (each n long). The
 * terms live in the analysis: they are used before anything else is
 * analyzed (make_leaf does not analyze). White space in a query phrase
 * separates words the user typed; it must not demand a gap in the document
 * ("クラスター 発生" matches クラスター発生). A white-space run is the one
 * position between two consecutive tokens that none of them holds: those
 * are taken out. */
int sq_analyze_terms(struct run *r, const char *text, size_t len,
		     struct qterms *qt)
{
	uint32_t used, shift = 0;
	uint64_t t0 = sq_now_ns();
	size_t i;
	int rc;

	memset(qt, 0, sizeof(*qt));
	rc = sg_analyze(r->s->an, text, len, 0, &qt->tok, &qt->n, &used,
			r->err);
	r->analyze_ns += sq_now_ns() - t0;
	if (rc != SG_OK)
		return rc;
	qt->terms = sg_calloc(qt->n + 1, sizeof(*qt->terms));
	qt->lens = sg_calloc(qt->n + 1, sizeof(*qt->lens));
	qt->off = sg_calloc(qt->n + 1, sizeof(*qt->off));
	if (!qt->terms || !qt->lens || !qt->off)
		return sg_err(r->err, SG_ENOMEM, "out of memory");
	for (i = 0; i < qt->n; i++) {
		const sg_token *t = &qt->tok[i];

		if (i > 0 && t->pos > qt->tok[i - 1].pos + 1)
			shift += t->pos - qt->tok[i - 1].pos - 1;
		if (!t->indexed && holds_katakana(text + t->start,
						  t->end - t->start))
			qt->cut_word = 1;
		if (!t->indexed || t->term_len == 0)
			continue;
		qt->terms[qt->m] = t->term;
		qt->lens[qt->m] = t->term_len;
		qt->off[qt->m] = (int32_t)(t->pos - shift);
		qt->m++;
	}
	return SG_OK;
}

void sq_qterms_release(struct qterms *qt)
{
	sg_free(qt->terms);
	sg_free(qt->lens);
	sg_free(qt->off);
	qt->terms = NULL;
	qt->lens = NULL;
	qt->off = NULL;
}

/* Analyzes a word or phrase text; in bag mode each term is its own leaf
 * under an OR, else all terms form one phrase leaf. In keyword mode on a
 * substring index the word becomes an N_WORD: its substring leaf decides
 * the match, its phrase of terms (if any) the tier. *out is NULL when the
 * text holds nothing to search. */
int sq_plan_text(struct run *r, const sg_qnode *q, int bag, int scores,
		     struct node **out)
{
	struct qterms qt;
	size_t i, li = SIZE_MAX, sub = SIZE_MAX, unit;
	int rc;

	*out = NULL;
	rc = sq_analyze_terms(r, q->text, q->len, &qt);
	if (rc != SG_OK)
		goto out;
	if (r->substring) {
		size_t norm_len;
		const char *norm = sg_analysis_normalized(r->s->an, &norm_len);
		/* The keyword matches where its string stands and where its
		 * morphemes do (残る in 残った): the substring leaf's alt.
		 * Always: a morpheme match need not hold the string even for
		 * nouns (the ー rule's stems: サーバ of サーバー設定; white
		 * space and control characters inside a word), and the first
		 * pass of eval_substring takes every morpheme match. */
		if (qt.cut_word)
			qt.m = 0; /* its string alone: the terms miss the word */
		if (qt.m > 0) {
			rc = sq_make_leaf(r, qt.terms, qt.lens, qt.off, qt.m,
					  scores, 0, &li);
			if (rc != SG_OK)
				goto out;
		}
		rc = sq_make_sub_leaf(r, norm, norm_len, scores, &sub);
		if (rc != SG_OK)
			goto out;
		if (sub == SIZE_MAX) {
			sq_notice(r, "'%.*s' is empty once normalized: dropped",
			          q->text, q->len);
			goto out;
		}
		if (qt.m > 0 && r->leaves[sub].alt == SIZE_MAX)
			r->leaves[sub].alt = li;
		if (scores) {
			rc = add_unit(r, sub, li, qt.m > 0, &unit);
			if (rc != SG_OK)
				goto out;
		}
		*out = leaf_node(r, N_WORD, sub);
		if (!*out)
			rc = SG_ENOMEM;
		goto out;
	}
	if (qt.m == 0) {
		sq_notice(r, "'%.*s' has no indexed term (only particles or "
		          "symbols): dropped", q->text, q->len);
		goto out;
	}
	if (!bag || qt.m == 1) {
		rc = sq_make_leaf(r, qt.terms, qt.lens, qt.off, qt.m, scores, 0,
				  &li);
		if (rc != SG_OK)
			goto out;
		*out = leaf_node(r, N_LEAF, li);
		if (!*out)
			rc = SG_ENOMEM;
		goto out;
	}
	*out = sq_new_node(N_OR);
	if (!*out) {
		rc = sg_err(r->err, SG_ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < qt.m && rc == SG_OK; i++) {
		int32_t zero = 0;

		rc = sq_make_leaf(r, &qt.terms[i], &qt.lens[i], &zero, 1,
				  scores, 0, &li);
		if (rc == SG_OK)
			rc = sq_add_leaf_kid(r, *out, li);
	}
out:
	if (rc != SG_OK) { /* no half-built node for the caller to leak */
		sq_free_node(*out);
		*out = NULL;
	}
	sq_qterms_release(&qt);
	return rc;
}

/* A word, phrase or prefix. */
static int plan_item(struct run *r, const sg_qnode *q, int scores,
		     struct node **out)
{
	int bag = r->opt->or_mode;

	switch (q->kind) {
	case SG_Q_WORD:
		if (r->opt->synonyms)
			return sq_plan_synonyms(r, q, bag, scores, out);
		return sq_plan_text(r, q, bag, scores, out);
	case SG_Q_PHRASE:
		return sq_plan_text(r, q, 0, scores, out);
	default:
		return sq_plan_prefix(r, q, scores, out);
	}
}

/* FIELD:item (docs/QUERY.md, Fields): the item's leaves count only their
 * occurrences in that field. A word or prefix whose FIELD is no field of
 * the index is the text as written (12:30, http://…); a phrase's is an
 * error. */
static int plan_in_field(struct run *r, const sg_qnode *q, int scores,
			 struct node **out)
{
	const sg_index *idx = r->s->idx;
	int f = sq_field_index(r, q->field, q->field_len), rc;

	if (f < 0) {
		sg_qnode whole = *q;
		char *t;

		if (q->kind == SG_Q_PHRASE) {
			char names[256];

			sq_field_names(r, names, sizeof(names));
			return sg_err(r->err, SG_ESYNTAX, "column %zu: '%s' is "
				      "not an indexed field of this index (its "
				      "fields: %s); write %s\\: to search for "
				      "the text", q->column, q->field, names,
				      q->field);
		}
		t = sg_malloc(q->field_len + 1 + q->len + 1);
		if (!t)
			return sg_err(r->err, SG_ENOMEM, "out of memory");
		memcpy(t, q->field, q->field_len);
		t[q->field_len] = ':';
		memcpy(t + q->field_len + 1, q->text, q->len + 1);
		whole.text = t;
		whole.len = q->field_len + 1 + q->len;
		whole.field = NULL;
		whole.field_len = 0;
		rc = plan_item(r, &whole, scores, out);
		sg_free(t);
		return rc;
	}
	if (idx->n_fields == 1) /* the one field is the whole document */
		return plan_item(r, q, scores, out);
	if (!sg_fieldpos_present(idx))
		return sg_err(r->err, SG_EINVAL, "%s was built by a sagasu "
			      "that kept no per-field positions, which %s: "
			      "needs: rebuild it with `sagasu index` into a "
			      "new directory", idx->st.dir, q->field);
	r->plan_field = f;
	rc = plan_item(r, q, scores, out);
	r->plan_field = -1;
	return rc;
}

/* Builds the node for q. *out NULL: the item was dropped. */
int sq_plan(struct run *r, const sg_qnode *q, int scores,
	    struct node **out)
{
	struct node *n, *k;
	size_t i;
	int rc, bag = r->opt->or_mode;

	*out = NULL;
	switch (q->kind) {
	case SG_Q_WORD:
	case SG_Q_PHRASE:
	case SG_Q_PREFIX:
		if (q->field)
			return plan_in_field(r, q, scores, out);
		return plan_item(r, q, scores, out);
	case SG_Q_NOT:
		rc = sq_plan(r, q->kids[0], 0, &k);
		if (rc != SG_OK || !k)
			return rc;
		n = sq_new_node(N_NOT);
		if (!n || add_kid(n, k)) {
			sg_free(n);
			sq_free_node(k);
			return sg_err(r->err, SG_ENOMEM, "out of memory");
		}
		*out = n;
		return SG_OK;
	case SG_Q_AND:
	case SG_Q_OR:
		n = sq_new_node(q->kind == SG_Q_OR || bag ? N_OR : N_AND);
		if (!n)
			return sg_err(r->err, SG_ENOMEM, "out of memory");
		for (i = 0; i < q->n_kids; i++) {
			rc = sq_plan(r, q->kids[i], scores, &k);
			if (rc != SG_OK) {
				sq_free_node(n);
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
				sq_free_node(k);
				sq_free_node(n);
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
			sq_free_node(k);
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
					sq_free_node(kids[i]);
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
			struct node *and = sq_new_node(N_AND), *or = sq_new_node(N_OR);

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
				sq_free_node(or);
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
	 * terms) excludes nothing: dropped, as sq_plan() drops a NOT of a
	 * dropped item. Kept, it would hand node_next a NULL kid. */
	if ((n->kind == N_AND || n->kind == N_OR || n->kind == N_NOT) &&
	    n->n_kids == 0) {
		sq_free_node(n);
		return NULL;
	}
	return n;
}

/* Normalizes the plan *root in place; 0, or SG_ENOMEM with *root still a
 * whole tree for the caller to free. */
int sq_normalize(struct run *r, struct node **root)
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

int sq_positive(const struct node *n)
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
				if (!sq_positive(k->kids[0]))
					return 0;
			} else if (sq_positive(k)) {
				any = 1;
			} else {
				return 0;
			}
		}
		return any;
	case N_OR:
		for (i = 0; i < n->n_kids; i++)
			if (!sq_positive(n->kids[i]))
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
 * so there a OR -b is a -b; sq_normalize() does that.) */
int sq_check_or_sides(const sg_qnode *q, sg_error *err)
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
		if ((rc = sq_check_or_sides(q->kids[i], err)) != SG_OK)
			return rc;
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
		/* A keyword's alt may be any other node's leaf too (a
		 * prefix's term): a keyword with one always matches on
		 * copies. */
		return refs[n->leaf] > 1 || ahead ||
		       (n->kind == N_WORD && r->leaves[n->leaf].alt != SIZE_MAX) ?
		       own_leaf(r, n) : SG_OK;
	for (i = 0; i < n->n_kids; i++) {
		rc = own_walk(r, n->kids[i], refs, under_or || n->kind == N_OR,
			      ahead || (n->kind == N_AND && under_or));
		if (rc != SG_OK)
			return rc;
	}
	return SG_OK;
}

int sq_own_leaves(struct run *r, struct node *n)
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

/* *out = a copy of leaf l on cursors of its own, on its first candidate
 * (NULL for a leaf that never moves). */
static int copy_leaf(struct run *r, const struct leaf *l, struct leaf **out)
{
	struct leaf *o;
	size_t i;
	int rc;

	*out = NULL;
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
	*out = o;
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
	return sq_leaf_advance(r, o, 0);
}

static int own_leaf(struct run *r, struct node *n)
{
	const struct leaf *l = &r->leaves[n->leaf];
	int rc;

	if (n->own || n->own_alt)
		return SG_OK;
	rc = copy_leaf(r, l, &n->own);
	if (rc == SG_OK && n->kind == N_WORD && l->alt != SIZE_MAX)
		rc = copy_leaf(r, &r->leaves[l->alt], &n->own_alt);
	return rc;
}
