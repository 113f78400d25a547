/*
 * check_terms.c — the terms' half of the integrity check (check.c drives
 * it): every term record decodes with its chain, its termids are its own,
 * and its blocks along the chain decode, rise, hold their positions and
 * agree with the record's df, cf and bounds; then no postings or positions
 * key is left that no term reached, and every live document's tfs sum to
 * its length. The rules are check.c's opening comment and FORMAT.md's.
 */
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "check_internal.h"
#include "error.h"

/* The bounds and counts of one term as its postings hold them. */
struct term_tally {
	uint64_t df, cf;      /* live postings, their tfs */
	uint32_t max_tf;      /* largest live tf */
	uint32_t min_dl;      /* smallest live length */
};

/* One block of a term: decodes it and its positions, checks its bounds,
 * and adds its live postings to *t. */
static int check_block(struct checker *c, const char *term, size_t len,
		       int haspos, int gram, const MDB_val *k,
		       const MDB_val *v, sg_block *b, struct term_tally *t)
{
	sg_index *idx = c->idx;
	uint32_t termid = sg_be32_get(k->mv_data);
	uint32_t first = sg_be32_get((const uint8_t *)k->mv_data + 4);
	uint32_t i, dl, max_tf = 0, min_dl = UINT32_MAX;
	uint64_t n_pos;
	MDB_val pk = *k, pv;
	int rc;

	if (sg_block_open(b, first, v->mv_data, v->mv_size) != SG_OK ||
	    sg_block_decode(b, c->docids, c->tfs) != SG_OK)
		return bad(c, "postings: block (termid %u, docid %u) of term "
			   "'%s': does not decode (header, gaps, or a tf "
			   "above its max_tf)", termid, first,
			   sg_check_show(c, term, len));
	if (b->n > idx->block_size)
		return bad(c, "postings: block (termid %u, docid %u) of term "
			   "'%s': %u postings, above the block size %u",
			   termid, first, sg_check_show(c, term, len), b->n,
			   idx->block_size);
	if (first == 0 || b->last >= c->ms.next_docid)
		return bad(c, "postings: block (termid %u, docid %u) of term "
			   "'%s': its docids are not between 1 and below "
			   "next_docid %u (meta stats)", termid, first,
			   sg_check_show(c, term, len), c->ms.next_docid);
	for (i = 0; i < b->n; i++) {
		uint32_t tf = c->tfs[i], d = c->docids[i];

		if (tf > max_tf)
			max_tf = tf;
		dl = slot_of(c, d);
		if (dl == SG_DL_DEAD) {
			if (c->ms.n_dead == 0)
				return bad(c, "postings: block (termid %u, "
					   "docid %u) of term '%s': docid %u "
					   "is deleted, but no deleted "
					   "document's postings remain (meta "
					   "stats n_dead is 0)", termid, first,
					   sg_check_show(c, term, len), d);
			continue;
		}
		if (dl < b->min_dl)
			return bad(c, "postings: block (termid %u, docid %u) "
				   "of term '%s': min_dl %u, but docid %u has "
				   "length %u", termid, first,
				   sg_check_show(c, term, len), b->min_dl, d, dl);
		if (dl < min_dl)
			min_dl = dl;
		t->df++;
		t->cf += tf;
		if (tf > t->max_tf)
			t->max_tf = tf;
		if (dl < t->min_dl)
			t->min_dl = dl;
		if (!gram)
			c->tf_sum[d] = tf > UINT32_MAX - c->tf_sum[d] ?
				       UINT32_MAX : c->tf_sum[d] + tf;
	}
	if (max_tf != b->max_tf)
		return bad(c, "postings: block (termid %u, docid %u) of term "
			   "'%s': max_tf %u, but its largest tf is %u", termid,
			   first, sg_check_show(c, term, len), b->max_tf, max_tf);
	if (c->ms.n_dead == 0 && min_dl != b->min_dl)
		return bad(c, "postings: block (termid %u, docid %u) of term "
			   "'%s': min_dl %u, but its documents' smallest "
			   "length is %u", termid, first, sg_check_show(c, term, len),
			   b->min_dl, min_dl);
	c->rep.blocks++;
	c->rep.postings += b->n;
	if (!haspos) {
		c->unpos_blocks++;
		return SG_OK;
	}
	rc = mdb_get(c->txn, idx->st.dbi[SG_DB_POSITIONS], &pk, &pv);
	if (rc == MDB_NOTFOUND)
		return bad(c, "positions: block (termid %u, docid %u) of term "
			   "'%s' is missing", termid, first,
			   sg_check_show(c, term, len));
	if (rc != MDB_SUCCESS)
		return sg_store_fail(&idx->st, rc, "reading positions", c->err);
	if (sg_positions_verify(pv.mv_data, pv.mv_size, c->tfs, b->n,
				&n_pos) != SG_OK)
		return bad(c, "positions: block (termid %u, docid %u) of term "
			   "'%s': does not hold, for each posting, tf rising "
			   "positions and nothing more", termid, first,
			   sg_check_show(c, term, len));
	c->rep.positions += n_pos;
	return SG_OK;
}

/* Every block of one term along its chain, then its record's figures. */
static int check_term(struct checker *c, const char *term, size_t len,
		      sg_termrec *tr)
{
	sg_index *idx = c->idx;
	int haspos = sg_term_has_positions(term, len);
	int gram = sg_term_is_gram(term, len);
	struct term_tally t = { 0, 0, 0, UINT32_MAX };
	sg_chain_walk walk;
	MDB_val k, v;
	sg_block b;
	size_t el, n_el = 0, cur_el = 0;
	uint32_t prev_last = 0, prev_n = 0, termid, first;
	int rc, any = 0;

	rc = sg_chain_walk_open(&walk, idx, c->txn, tr, c->err);
	if (rc == SG_ECORRUPT)
		return bad(c, "terms: term '%s' (termid %u): its chain does "
			   "not decode (its termids and first docids must "
			   "rise)", sg_check_show(c, term, len), tr->termid);
	if (rc != SG_OK)
		return rc;
	for (el = 0; el < walk.n_chain; el++) {
		termid = walk.chain[el];
		if (termid == 0 || termid >= c->ms.next_termid) {
			rc = bad(c, "terms: term '%s' (termid %u): chain "
				 "termid %u is not between 1 and next_termid "
				 "%u (meta stats)", sg_check_show(c, term, len),
				 tr->termid, termid, c->ms.next_termid);
			goto out;
		}
		if (bit_get(c->claimed, termid)) {
			rc = bad(c, "terms: term '%s' (termid %u): chain "
				 "termid %u belongs to another term too",
				 sg_check_show(c, term, len), tr->termid, termid);
			goto out;
		}
		bit_set(c->claimed, termid);
		if (haspos)
			bit_set(c->haspos, termid);
	}
	while ((rc = sg_chain_walk_next(&walk, &k, &v, c->err)) == 1) {
		termid = sg_be32_get(k.mv_data);
		first = sg_be32_get((const uint8_t *)k.mv_data + 4);
		el = walk.el;
		if (!any || el != cur_el) {
			/* The first block of a chain element: it starts where
			 * the record says (the batch's first posting). */
			if (el != n_el) {
				rc = bad(c, "postings: term '%s' (termid %u): "
					 "chain element %zu (termid %u) has "
					 "no block", sg_check_show(c, term, len),
					 tr->termid, n_el, walk.chain[n_el]);
				goto out;
			}
			if (el > 0 && first != walk.firsts[el]) {
				rc = bad(c, "postings: block (termid %u, docid "
					 "%u) of term '%s': chain element %zu "
					 "starts at docid %u in its term "
					 "record", termid, first,
					 sg_check_show(c, term, len), el,
					 walk.firsts[el]);
				goto out;
			}
			n_el++;
			cur_el = el;
		} else if (prev_n != idx->block_size) {
			/* Every block of a batch but its last is full. */
			rc = bad(c, "postings: block (termid %u, docid %u) of "
				 "term '%s' follows a block of %u postings of "
				 "the same chain element, not the block size "
				 "%u", termid, first, sg_check_show(c, term, len),
				 prev_n, idx->block_size);
			goto out;
		}
		if (any && first <= prev_last) {
			rc = bad(c, "postings: block (termid %u, docid %u) of "
				 "term '%s': docids do not rise across "
				 "blocks (the previous block ends at %u)",
				 termid, first, sg_check_show(c, term, len), prev_last);
			goto out;
		}
		rc = check_block(c, term, len, haspos, gram, &k, &v, &b, &t);
		if (rc != SG_OK)
			goto out;
		if (el + 1 < walk.n_chain && b.last >= walk.firsts[el + 1]) {
			rc = bad(c, "postings: block (termid %u, docid %u) of "
				 "term '%s': reaches docid %u, where the next "
				 "chain element starts", termid, first,
				 sg_check_show(c, term, len), b.last);
			goto out;
		}
		prev_last = b.last;
		prev_n = b.n;
		any = 1;
	}
	if (rc == SG_ECORRUPT && k.mv_size != SG_PKEY_LEN) {
		/* sg_chain_walk_next refused a key (an LMDB failure leaves
		 * k as it was: 8 bytes, and keeps its own message). */
		rc = bad(c, "postings: term '%s' (termid %u): a key of %zu "
			 "bytes, not %d", sg_check_show(c, term, len), tr->termid,
			 k.mv_size, SG_PKEY_LEN);
		goto out;
	}
	if (rc < 0)
		goto out;
	rc = SG_OK;
	if (n_el != walk.n_chain) {
		rc = bad(c, "postings: term '%s' (termid %u): chain element "
			 "%zu (termid %u) has no block", sg_check_show(c, term, len),
			 tr->termid, n_el, walk.chain[n_el]);
		goto out;
	}
	if (tr->df != t.df)
		rc = bad(c, "terms: term '%s' (termid %u): df %llu, but its "
			 "postings hold %llu live documents",
			 sg_check_show(c, term, len), tr->termid,
			 (unsigned long long)tr->df, (unsigned long long)t.df);
	else if (tr->cf != t.cf)
		rc = bad(c, "terms: term '%s' (termid %u): cf %llu, but its "
			 "postings hold %llu live occurrences",
			 sg_check_show(c, term, len), tr->termid,
			 (unsigned long long)tr->cf, (unsigned long long)t.cf);
	else if (t.df && (tr->max_tf < t.max_tf ||
			  (c->ms.n_dead == 0 && tr->max_tf != t.max_tf)))
		rc = bad(c, "terms: term '%s' (termid %u): max_tf %u, but its "
			 "largest live tf is %u", sg_check_show(c, term, len),
			 tr->termid, tr->max_tf, t.max_tf);
	else if (t.df && (tr->min_dl > t.min_dl ||
			  (c->ms.n_dead == 0 && tr->min_dl != t.min_dl)))
		rc = bad(c, "terms: term '%s' (termid %u): min_dl %u, but its "
			 "live documents' smallest length is %u",
			 sg_check_show(c, term, len), tr->termid, tr->min_dl, t.min_dl);
out:
	sg_chain_walk_close(&walk);
	return rc;
}

int sg_check_terms(struct checker *c)
{
	MDB_cursor *cur;
	MDB_val k, v;
	sg_termrec tr;
	size_t n_bytes = (size_t)c->ms.next_termid / 8 + 1;
	int rc, op = MDB_FIRST;

	c->claimed = sg_calloc(n_bytes, 1);
	c->haspos = sg_calloc(n_bytes, 1);
	if (!c->claimed || !c->haspos)
		return sg_check_nomem(c);
	rc = sg_check_cursor(c, SG_DB_TERMS, &cur);
	if (rc != SG_OK)
		return rc;
	while ((rc = sg_check_step(c, cur, &k, &v, &op, "terms")) == 1) {
		if (k.mv_size == 0 || k.mv_size > SG_TERM_MAX) {
			rc = bad(c, "terms: a key of %zu bytes (terms hold 1 "
				 "to %d)", k.mv_size, SG_TERM_MAX);
			break;
		}
		if (!c->idx->substring &&
		    sg_term_is_gram(k.mv_data, k.mv_size)) {
			rc = bad(c, "terms: term '%s': a substring gram, in an "
				 "index built without them (meta substring)",
				 sg_check_show(c, k.mv_data, k.mv_size));
			break;
		}
		if (sg_termrec_decode(&tr, v.mv_data, v.mv_size) != SG_OK) {
			rc = bad(c, "terms: term '%s': the record does not "
				 "decode", sg_check_show(c, k.mv_data, k.mv_size));
			break;
		}
		rc = check_term(c, k.mv_data, k.mv_size, &tr);
		if (rc != SG_OK)
			break;
		c->rep.terms++;
	}
	mdb_cursor_close(cur);
	return rc < 0 ? rc : SG_OK;
}

/* A postings or positions key no term reached: named when the counts of
 * the walk and of the database disagree. */
int sg_check_stray_block(struct checker *c, enum sg_dbi db, const char *name,
		       uint64_t walked, uint64_t n)
{
	MDB_cursor *cur;
	MDB_val k, v;
	uint32_t termid;
	int rc, op = MDB_FIRST;

	rc = sg_check_cursor(c, db, &cur);
	if (rc != SG_OK)
		return rc;
	while ((rc = sg_check_step(c, cur, &k, &v, &op, name)) == 1) {
		if (k.mv_size != SG_PKEY_LEN) {
			rc = bad(c, "%s: a key of %zu bytes, not %d", name,
				 k.mv_size, SG_PKEY_LEN);
			break;
		}
		termid = sg_be32_get(k.mv_data);
		if (termid >= c->ms.next_termid || !bit_get(c->claimed, termid) ||
		    (db == SG_DB_POSITIONS && !bit_get(c->haspos, termid))) {
			rc = bad(c, "%s: block (termid %u, docid %u) belongs "
				 "to no term%s", name, termid,
				 sg_be32_get((const uint8_t *)k.mv_data + 4),
				 db == SG_DB_POSITIONS ? " with positions" : "");
			break;
		}
		if (db == SG_DB_POSITIONS) {
			MDB_val pv;

			rc = mdb_get(c->txn, c->idx->st.dbi[SG_DB_POSTINGS], &k,
				     &pv);
			if (rc == MDB_NOTFOUND) {
				rc = bad(c, "positions: block (termid %u, docid "
					 "%u) has no postings block", termid,
					 sg_be32_get((const uint8_t *)k.mv_data
						     + 4));
				break;
			}
			if (rc != MDB_SUCCESS) {
				rc = sg_store_fail(&c->idx->st, rc,
						   "reading postings", c->err);
				break;
			}
		}
	}
	mdb_cursor_close(cur);
	if (rc < 0)
		return rc;
	return bad(c, "%s: %llu blocks, but the terms reach %llu", name,
		   (unsigned long long)n, (unsigned long long)walked);
}

/* Each live document's tfs over the analyzer's terms sum to its length. */
int sg_check_tf_sums(struct checker *c)
{
	size_t d;

	for (d = 1; d < c->n_slots; d++)
		if (c->dls[d] != SG_DL_DEAD && c->tf_sum[d] != c->dls[d])
			return bad(c, "postings: docid %zu: its tfs over the "
				   "terms sum to %u, but its length is %u "
				   "(lengths, docs)", d, c->tf_sum[d],
				   c->dls[d]);
	return SG_OK;
}
