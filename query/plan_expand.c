/*
 * plan_expand.c — the query items that stand for several alternatives,
 * planned as one blend each (docs/RANKING.md, Blended units): a prefix
 * (its expansions as phrases of terms, the terms that start with it, and
 * on a substring index its string) and a keyword of a synonym group (its
 * members, each analyzed like a query word). The rest of planning is
 * plan.c; the blends themselves are built in plan_leaf.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "normalize.h"
#include "postings_read.h"
#include "search_internal.h"
#include "synonyms.h"

/* A prefix (docs/QUERY.md, Prefixes): one blend (scored as one unit) of
 *  - when the word analyzes into several terms (or into one that is not its
 *    text: a base form), the phrase of its leading terms followed by each
 *    term that starts with its last one (パーミッション* is パー followed by
 *    ミッション…), the last term itself first;
 *  - the terms that start with its whole normalized text (as one term);
 *  - on a substring index, its string wherever it occurs.
 * At most prefix_cap expansions in all (in byte order within each kind),
 * with a notice when more exist. */
struct prefix_build {
	struct run *r;
	const sg_qnode *q;
	struct node *or;
	size_t blend, count, cap;
	int scores;
};

/* Adds, for every term starting with pfx[0..plen), the phrase lead[0..nl)
 * (at offsets off[0..nl]) followed by that term: 1 when the cap stopped
 * it, 0 when all were added, or a negative error. */
static int expand_terms(struct prefix_build *pb, const char *pfx, size_t plen,
			const char **lead, size_t *lens, int32_t *off,
			size_t nl)
{
	struct run *r = pb->r;
	sg_scan sc;
	const void *kp, *vp;
	size_t kl, vl;
	int rc;

	rc = sg_scan_open(&sc, r->s->idx, r->s->txn, SG_DB_TERMS, pfx, plen,
			  "cursor", "terms", r->err);
	if (rc != SG_OK)
		return rc;
	while ((rc = sg_scan_next(&sc, &kp, &kl, &vp, &vl, r->err)) == 1) {
		char term[SG_TERM_MAX + 1];
		size_t li;
		sg_termrec tr;

		if (kl < plen || memcmp(kp, pfx, plen)) {
			rc = 0; /* past the terms with the prefix */
			break;
		}
		if (kl > SG_TERM_MAX || sg_termrec_decode(&tr, vp, vl) ||
		    tr.df == 0)
			continue;
		if (pb->count == pb->cap) {
			rc = 1;
			break;
		}
		memcpy(term, kp, kl);
		term[kl] = '\0';
		lead[nl] = term;
		lens[nl] = kl;
		rc = sq_blend_leaf(r, pb->blend, lead, lens, off, nl + 1,
				   pb->scores, &li);
		if (rc == SG_OK)
			rc = sq_add_leaf_kid(r, pb->or, li);
		if (rc != SG_OK)
			break;
		pb->count++;
	}
	sg_scan_close(&sc);
	return rc;
}

static int build_prefix(struct run *r, const sg_qnode *q, int scores,
			struct node **out)
{
	struct qterms qt;
	size_t norm_len, li;
	const char *norm;
	char star[SG_TERM_MAX + 2];
	struct prefix_build pb;
	int rc, capped = 0;

	*out = NULL;
	rc = sq_analyze_terms(r, q->text, q->len, &qt);
	if (rc != SG_OK)
		goto done;
	norm = sg_analysis_normalized(r->s->an, &norm_len);
	while (norm_len && (norm[norm_len - 1] == ' ' || norm[norm_len - 1] == '\n'))
		norm_len--;
	if (norm_len == 0 || norm_len > SG_TERM_MAX) {
		sq_notice(r, "prefix '%.*s*' is empty or too long: dropped",
		          q->text, q->len);
		goto done;
	}
	*out = sq_new_node(N_OR);
	if (!*out) {
		rc = sg_err(r->err, SG_ENOMEM, "out of memory");
		goto done;
	}
	snprintf(star, sizeof(star), "%.*s*", (int)norm_len, norm);
	rc = sq_blend_new(r, star, strlen(star), &pb.blend);
	if (rc != SG_OK)
		goto done;
	pb.r = r;
	pb.q = q;
	pb.or = *out;
	pb.count = 0;
	pb.cap = r->opt->prefix_cap ? r->opt->prefix_cap : 128;
	pb.scores = scores;
	/* The phrase of the leading terms and a prefix of the last, when
	 * the last token is indexed and the terms are not the text itself
	 * as one term. */
	if (qt.m > 0 && qt.tok[qt.n - 1].indexed &&
	    (qt.m > 1 || qt.lens[0] != norm_len ||
	     memcmp(qt.terms[0], norm, norm_len))) {
		const char *last = qt.terms[qt.m - 1];

		rc = expand_terms(&pb, last, qt.lens[qt.m - 1], qt.terms,
				  qt.lens, qt.off, qt.m - 1);
		if (rc < 0)
			goto done;
		capped = rc == 1;
	}
	/* The terms that start with the whole text. */
	if (!capped) {
		const char *one[1];
		size_t one_len[1];
		int32_t zero[1] = { 0 };

		rc = expand_terms(&pb, norm, norm_len, one, one_len, zero, 0);
		if (rc < 0)
			goto done;
		capped = rc == 1;
	}
	if (capped) {
		sq_notice(r, "prefix '%.*s*' matches more terms than the "
		          "cap; only the first ones (in byte order) are "
		          "searched (--prefix-cap)", q->text, q->len);
		r->lower_bound = 1;
		r->capped = 1;
	}
	/* On a substring index, the string wherever it stands. */
	if (r->substring) {
		rc = sq_blend_sub(r, pb.blend, norm, norm_len, scores, &li);
		if (rc != SG_OK)
			goto done;
		if (li != SIZE_MAX && (rc = sq_add_leaf_kid(r, *out, li)) != SG_OK)
			goto done;
	}
	sq_blend_close(r, pb.blend);
	if ((*out)->n_kids == 0)
		(*out)->kind = N_NONE;
	rc = SG_OK;
done:
	sq_qterms_release(&qt);
	return rc;
}

int sq_plan_prefix(struct run *r, const sg_qnode *q, int scores,
		   struct node **out)
{
	int rc = build_prefix(r, q, scores, out);

	if (rc != SG_OK) { /* no half-built node for the caller to leak */
		sq_free_node(*out);
		*out = NULL;
	}
	return rc;
}

/* A member of a synonym blend: its terms as one phrase leaf (in both
 * modes: a member is one alternative), and on a substring index its
 * string too. */
static int plan_member(struct run *r, size_t blend, const char *text,
		       size_t len, int scores, struct node *or)
{
	struct qterms qt;
	size_t norm_len, li;
	int rc;

	rc = sq_analyze_terms(r, text, len, &qt);
	if (rc != SG_OK)
		goto out;
	if (qt.m > 0) {
		rc = sq_blend_leaf(r, blend, qt.terms, qt.lens, qt.off, qt.m,
				   scores, &li);
		if (rc == SG_OK)
			rc = sq_add_leaf_kid(r, or, li);
		if (rc != SG_OK)
			goto out;
	}
	if (r->substring) {
		const char *norm = sg_analysis_normalized(r->s->an, &norm_len);

		rc = sq_blend_sub(r, blend, norm, norm_len, scores, &li);
		if (rc == SG_OK && li != SIZE_MAX)
			rc = sq_add_leaf_kid(r, or, li);
	}
out:
	sq_qterms_release(&qt);
	return rc;
}

/* A keyword of a synonym group (sg_search_options.synonyms; docs/QUERY.md,
 * Synonyms): an OR of the group's members, each analyzed like a query
 * word, scored as one blend. A word of no group is planned as usual. */
int sq_plan_synonyms(struct run *r, const sg_qnode *q, int bag,
			 int scores, struct node **out)
{
	sg_norm nm = SG_NORM_INIT;
	const char *const *mem;
	const size_t *mlen;
	const char *w;
	size_t n_mem = 0, wl, i, blend;
	sg_buf what = SG_BUF_INIT;
	int rc;

	*out = NULL;
	if (sg_normalize(&nm, q->text, q->len) != SG_OK) {
		sg_norm_release(&nm);
		return sg_err(r->err, SG_ENOMEM, "out of memory");
	}
	w = nm.text.data ? nm.text.data : "";
	wl = nm.text.len;
	while (wl && (*w == ' ' || *w == '\t' || *w == '\n')) {
		w++;
		wl--;
	}
	while (wl && (w[wl - 1] == ' ' || w[wl - 1] == '\t' || w[wl - 1] == '\n'))
		wl--;
	sg_synonyms_expand(r->opt->synonyms, w, wl, &mem, &mlen, &n_mem);
	sg_norm_release(&nm);
	if (n_mem < 2)
		return sq_plan_text(r, q, bag, scores, out);
	/* Its --explain name: the word and its members. */
	rc = SG_OK;
	if (sg_buf_append(&what, q->text, q->len) ||
	    sg_buf_append(&what, " = ", 3))
		rc = SG_ENOMEM;
	for (i = 0; rc == SG_OK && i < n_mem; i++)
		if ((i && sg_buf_append(&what, " | ", 3)) ||
		    sg_buf_append(&what, mem[i], mlen[i]))
			rc = SG_ENOMEM;
	if (rc == SG_OK)
		rc = sq_blend_new(r, what.data, what.len, &blend);
	else
		rc = sg_err(r->err, SG_ENOMEM, "out of memory");
	sg_buf_release(&what);
	if (rc != SG_OK)
		return rc;
	*out = sq_new_node(N_OR);
	if (!*out)
		return sg_err(r->err, SG_ENOMEM, "out of memory");
	for (i = 0; i < n_mem && rc == SG_OK; i++)
		rc = plan_member(r, blend, mem[i], mlen[i], scores, *out);
	if (rc != SG_OK) {
		sq_free_node(*out);
		*out = NULL;
		return rc;
	}
	sq_blend_close(r, blend);
	if ((*out)->n_kids == 0) {
		sq_notice(r, "'%.*s' and its synonyms have no indexed term: "
		          "dropped", q->text, q->len);
		sq_free_node(*out);
		*out = NULL;
	}
	return SG_OK;
}
