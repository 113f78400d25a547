/*
 * check.c — the integrity check (sg_index_check, sagasu.h): does the index
 * prove itself whole? This file drives it and walks the documents' side;
 * check_terms.c walks the terms' (check_internal.h is their interface).
 *
 * In the manner of FTS5's integrity-check and mdb_stat, it reads every
 * record of every database in one read transaction and checks each against
 * the rules of docs/FORMAT.md, in this order, so that the first bad record
 * it meets is the one it names:
 *
 *   meta       stats decodes
 *   lengths    4-byte keys, 4096-byte values; no live slot at docid 0 or
 *              at next_docid and after; the slots are copied into dls[]
 *   docs       every record decodes, its texts decompress into as many as
 *              the index has fields, its XXH3 hash matches its content; its
 *              length slot is live and equal to its dl; its id maps back to
 *              it in `ids`
 *   ids        every entry names a docid whose record holds that id; as
 *              many entries as documents (so ids <-> docids is a bijection)
 *   meta stats N and total_len equal the live slots' count and sum, which
 *              equal the documents'
 *   terms      every record decodes with its chain; its termids are below
 *              next_termid and no other term's; a gram only where meta
 *              substring says the index has them; then its blocks along
 *              the chain (postings, positions), see check_term
 *   postings,  every key was reached from a term (the counts agree, and on
 *   positions  a mismatch the stray key is named)
 *   fieldpos   (when the index has the table) each live document has a
 *              record of its fields whose lengths sum to its dl; nothing
 *              else is in the table; meta fieldstats holds their sums
 *   columns    each live document's declared columns hold exactly the
 *              values of its stored JSON (columns.h), and nothing else is
 *              in the table (the counts agree)
 *   postings   every live document's tfs over the analyzer's terms (not the
 *              substring grams) sum to its length: BM25's dl counts the
 *              indexed tokens, each an occurrence of one term
 *
 * It reads each value once, so its time is linear in the index (plus one
 * B-tree lookup per document and per id, and one per positional block),
 * and it holds two u32 per docid (lengths, tf sums) and two bits per termid.
 * It never re-analyzes the texts: that would cost a rebuild.
 *
 * max_tf and min_dl are bounds (FORMAT.md): a deletion leaves them loose
 * until a compaction. So they are checked as bounds, and as exact values
 * only when no deleted document's postings remain (stats n_dead = 0, when
 * no posting may name a deleted docid either).
 *
 * Messages read "DATABASE: RECORD: what is wrong", with terms and ids
 * escaped as `sagasu dump` prints them (\xNN below 0x20), so that a gram's
 * NUL-prefixed key stays printable.
 */
#include <stdio.h>

#include "check_internal.h"

#include "alloc.h"
#include "block.h"
#include "columns.h"
#include "docrec.h"
#include "error.h"
#include "fieldpos.h"
#include "index.h"
#include "postings_read.h"
#include "store.h"

/* s escaped into c->show (valid until the next call). */
const char *sg_check_show(struct checker *c, const void *s, size_t len)
{
	const unsigned char *p = s;
	size_t i, o = 0;

	for (i = 0; i < len && o + 5 < sizeof(c->show); i++) {
		if (p[i] == '\\') {
			c->show[o++] = '\\';
			c->show[o++] = '\\';
		} else if (p[i] < 0x20 || p[i] == 0x7f) {
			o += (size_t)snprintf(c->show + o, 5, "\\x%02x", p[i]);
		} else {
			c->show[o++] = (char)p[i];
		}
	}
	c->show[o] = '\0';
	return c->show;
}

/* One cursor step: 1 and a record, 0 at the end, or an error. */
int sg_check_step(struct checker *c, MDB_cursor *cur, MDB_val *k,
		  MDB_val *v, int *op, const char *db)
{
	int rc = mdb_cursor_get(cur, k, v, (MDB_cursor_op)*op);

	*op = MDB_NEXT;
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc != MDB_SUCCESS) {
		char what[64];

		snprintf(what, sizeof(what), "reading %s", db);
		return sg_store_fail(&c->idx->st, rc, what, c->err);
	}
	return 1;
}

int sg_check_cursor(struct checker *c, enum sg_dbi db, MDB_cursor **cur)
{
	int rc = mdb_cursor_open(c->txn, c->idx->st.dbi[db], cur);

	if (rc != MDB_SUCCESS) {
		*cur = NULL;
		return sg_store_fail(&c->idx->st, rc, "opening a cursor",
				     c->err);
	}
	return SG_OK;
}

int sg_check_entries(struct checker *c, enum sg_dbi db, uint64_t *n)
{
	MDB_stat st;
	int rc = mdb_stat(c->txn, c->idx->st.dbi[db], &st);

	if (rc != MDB_SUCCESS)
		return sg_store_fail(&c->idx->st, rc, "reading a database's "
				     "statistics", c->err);
	*n = st.ms_entries;
	return SG_OK;
}

/* lengths: copies every slot into c->dls. A chunk exists only for docids
 * that were given out, so the last one bounds the array. */
static int check_lengths(struct checker *c)
{
	MDB_cursor *cur;
	MDB_val k, v;
	uint32_t chunk, last_chunk, i, docid, dl;
	int rc, op = MDB_LAST;

	rc = sg_check_cursor(c, SG_DB_LENGTHS, &cur);
	if (rc != SG_OK)
		return rc;
	rc = sg_check_step(c, cur, &k, &v, &op, "lengths");
	if (rc <= 0)
		goto out; /* no chunk: no document */
	if (k.mv_size != 4) {
		rc = bad(c, "lengths: a key of %zu bytes, not 4", k.mv_size);
		goto out;
	}
	last_chunk = sg_be32_get(k.mv_data);
	if (c->ms.next_docid == 0 ||
	    last_chunk > (c->ms.next_docid - 1) / SG_LEN_CHUNK) {
		rc = bad(c, "lengths: chunk %u holds docids from %u, but "
			 "docids end below next_docid %u (meta stats)",
			 last_chunk, last_chunk * SG_LEN_CHUNK,
			 c->ms.next_docid);
		goto out;
	}
	c->n_slots = ((size_t)last_chunk + 1) * SG_LEN_CHUNK;
	c->dls = sg_malloc(c->n_slots * sizeof(*c->dls));
	c->tf_sum = sg_calloc(c->n_slots, sizeof(*c->tf_sum));
	if (!c->dls || !c->tf_sum) {
		rc = sg_check_nomem(c);
		goto out;
	}
	for (i = 0; i < c->n_slots; i++)
		c->dls[i] = SG_DL_DEAD;
	op = MDB_FIRST;
	while ((rc = sg_check_step(c, cur, &k, &v, &op, "lengths")) == 1) {
		if (k.mv_size != 4) {
			rc = bad(c, "lengths: a key of %zu bytes, not 4",
				 k.mv_size);
			break;
		}
		chunk = sg_be32_get(k.mv_data);
		if (v.mv_size != SG_LEN_CHUNK * 4) {
			rc = bad(c, "lengths: chunk %u: a value of %zu bytes, "
				 "not %d", chunk, v.mv_size, SG_LEN_CHUNK * 4);
			break;
		}
		for (i = 0; i < SG_LEN_CHUNK; i++) {
			docid = chunk * SG_LEN_CHUNK + i;
			dl = sg_le32_get((const uint8_t *)v.mv_data + 4 * i);
			if (dl != SG_DL_DEAD &&
			    (docid == 0 || docid >= c->ms.next_docid)) {
				rc = bad(c, "lengths: chunk %u slot %u: docid "
					 "%u has length %u, but docids run "
					 "from 1 to below next_docid %u (meta "
					 "stats)", chunk, i, docid, dl,
					 c->ms.next_docid);
				goto out;
			}
			c->dls[docid] = dl;
			if (dl != SG_DL_DEAD) {
				c->live++;
				c->live_len += dl;
			}
		}
	}
out:
	mdb_cursor_close(cur);
	return rc < 0 ? rc : SG_OK;
}

/* docs: each record decodes, matches its hash, its length slot and its id
 * in `ids`. */
/* The fieldpos record of docid (record r, live): there, whole, and its
 * fields' lengths sum to the document's. */
static int check_doc_fieldpos(struct checker *c, uint32_t docid,
			      const sg_docrec *r)
{
	sg_fieldspan s[SG_FIELDS_MAX];
	uint64_t sum = 0;
	size_t f;
	int rc = sg_fieldpos_get(c->idx, c->txn, docid, s, c->err);

	if (rc == SG_ENOTFOUND)
		return bad(c, "fieldpos: docid %u (id '%s') has no record",
			   docid, sg_check_show(c, r->id.ptr, r->id.len));
	if (rc == SG_ECORRUPT)
		return bad(c, "fieldpos: docid %u (id '%s'): the record does "
			   "not decode into %zu fields", docid,
			   sg_check_show(c, r->id.ptr, r->id.len),
			   c->idx->n_fields);
	if (rc != SG_OK)
		return rc;
	for (f = 0; f < c->idx->n_fields; f++)
		sum += s[f].dl;
	if (sum != r->dl)
		return bad(c, "fieldpos: docid %u (id '%s'): its fields' "
			   "lengths sum to %llu, but its document record says "
			   "length %u", docid,
			   sg_check_show(c, r->id.ptr, r->id.len),
			   (unsigned long long)sum, r->dl);
	sg_fieldstats_add(c->field_totals, s, c->idx->n_fields, +1);
	return SG_OK;
}

/* The table holds a record for the live documents only, and meta
 * fieldstats their lengths' sums. */
static int check_fieldstats(struct checker *c)
{
	uint64_t n = 0, t[SG_FIELDS_MAX];
	size_t f;
	int rc = sg_check_entries(c, SG_DB_FIELDPOS, &n);

	if (rc != SG_OK)
		return rc;
	if (n != c->n_docs)
		return bad(c, "fieldpos: %llu records, but %llu live documents",
			   (unsigned long long)n,
			   (unsigned long long)c->n_docs);
	rc = sg_meta_read_fieldstats(c->idx, c->txn, t, c->err);
	if (rc == SG_ENOTFOUND) {
		if (c->n_docs == 0)
			return SG_OK; /* a new index before its first batch */
		return bad(c, "meta: fieldstats: the record is missing");
	}
	if (rc == SG_ECORRUPT)
		return bad(c, "meta: fieldstats: the record does not decode");
	if (rc != SG_OK)
		return rc;
	for (f = 0; f < c->idx->n_fields; f++)
		if (t[f] != c->field_totals[f])
			return bad(c, "meta: fieldstats: field '%s' totals %llu, "
				   "but the live documents' records give %llu",
				   c->idx->field[f],
				   (unsigned long long)t[f],
				   (unsigned long long)c->field_totals[f]);
	return SG_OK;
}

/* The columns of docid (record r, live): each value its stored JSON holds
 * is in the table with the same bytes; each it lacks is not. */
static int check_doc_columns(struct checker *c, uint32_t docid,
			     const sg_docrec *r)
{
	sg_index *idx = c->idx;
	sg_value want[SG_COLUMNS_MAX];
	const void *val;
	size_t i, len;
	int rc;

	rc = sg_values_from_json(r->stored.ptr, r->stored.len, idx->column,
				 idx->n_columns, want, &c->colstrs);
	if (rc != SG_OK)
		return sg_check_nomem(c);
	for (i = 0; i < idx->n_columns; i++) {
		rc = sg_column_get(idx, c->txn, (unsigned)i, docid, &val, &len,
				   c->err);
		if (rc != SG_OK && rc != SG_ENOTFOUND)
			return rc;
		if (want[i].kind == SG_VALUE_MISSING) {
			if (rc == SG_OK)
				return bad(c, "columns: column '%s' of docid "
					   "%u (id '%s'): a value, but its "
					   "stored fields have none",
					   idx->column[i], docid,
					   sg_check_show(c, r->id.ptr, r->id.len));
			continue;
		}
		sg_buf_reset(&c->colval);
		if (sg_value_encode(&c->colval, &want[i]) != SG_OK)
			return sg_check_nomem(c);
		if (rc == SG_ENOTFOUND || len != c->colval.len ||
		    memcmp(val, c->colval.data, len))
			return bad(c, "columns: column '%s' of docid %u (id "
				   "'%s'): %s its stored field's value",
				   idx->column[i], docid,
				   sg_check_show(c, r->id.ptr, r->id.len),
				   rc == SG_ENOTFOUND ? "missing, not" :
				   "not");
		c->col_values++;
	}
	return SG_OK;
}

static int check_docs(struct checker *c)
{
	sg_index *idx = c->idx;
	MDB_cursor *cur;
	MDB_val k, v, ik, iv;
	sg_docrec r;
	sg_doc doc;
	uint32_t docid, dl;
	uint64_t hash;
	int rc, op = MDB_FIRST;

	rc = sg_check_cursor(c, SG_DB_DOCS, &cur);
	if (rc != SG_OK)
		return rc;
	while ((rc = sg_check_step(c, cur, &k, &v, &op, "docs")) == 1) {
		if (k.mv_size != 4) {
			rc = bad(c, "docs: a key of %zu bytes, not 4",
				 k.mv_size);
			break;
		}
		docid = sg_be32_get(k.mv_data);
		if (sg_docrec_decode(&r, v.mv_data, v.mv_size) != SG_OK) {
			rc = bad(c, "docs: docid %u: the record does not "
				 "decode", docid);
			break;
		}
		rc = sg_docrec_texts(&r, &c->texts);
		if (rc == SG_ENOMEM) {
			rc = sg_check_nomem(c);
			break;
		}
		if (rc != SG_OK || r.n_texts != idx->n_fields) {
			rc = bad(c, "docs: docid %u (id '%s'): its texts do not "
				 "decode into the index's %zu fields", docid,
				 sg_check_show(c, r.id.ptr, r.id.len), idx->n_fields);
			break;
		}
		doc.id = r.id;
		doc.title = r.title;
		doc.stored = r.stored;
		doc.texts = r.texts;
		doc.n_texts = r.n_texts;
		if (sg_docrec_hash(&doc, &c->hashbuf, &hash) != SG_OK) {
			rc = sg_check_nomem(c);
			break;
		}
		if (hash != r.hash) {
			rc = bad(c, "docs: docid %u (id '%s'): its content "
				 "hash is %016llx, but its content hashes to "
				 "%016llx", docid, sg_check_show(c, r.id.ptr, r.id.len),
				 (unsigned long long)r.hash,
				 (unsigned long long)hash);
			break;
		}
		if (docid == 0 || docid >= c->ms.next_docid) {
			rc = bad(c, "docs: docid %u (id '%s'): docids run from "
				 "1 to below next_docid %u (meta stats)", docid,
				 sg_check_show(c, r.id.ptr, r.id.len),
				 c->ms.next_docid);
			break;
		}
		dl = slot_of(c, docid);
		if (dl != r.dl) {
			char slot[32];

			if (dl == SG_DL_DEAD)
				snprintf(slot, sizeof(slot), "deleted");
			else
				snprintf(slot, sizeof(slot), "length %u", dl);
			rc = bad(c, "lengths: chunk %u slot %u (docid %u, id "
				 "'%s'): %s, but its document record says "
				 "length %u", docid / SG_LEN_CHUNK,
				 docid % SG_LEN_CHUNK, docid,
				 sg_check_show(c, r.id.ptr, r.id.len), slot, r.dl);
			break;
		}
		if (r.id.len == 0 || r.id.len > SG_ID_MAX) {
			rc = bad(c, "docs: docid %u: an id of %zu bytes (ids "
				 "hold 1 to %d)", docid, r.id.len, SG_ID_MAX);
			break;
		}
		ik.mv_size = r.id.len;
		ik.mv_data = (void *)r.id.ptr;
		rc = mdb_get(c->txn, idx->st.dbi[SG_DB_IDS], &ik, &iv);
		if (rc == MDB_NOTFOUND) {
			rc = bad(c, "ids: id '%s' (of docid %u in docs) is "
				 "missing", sg_check_show(c, r.id.ptr, r.id.len), docid);
			break;
		}
		if (rc != MDB_SUCCESS) {
			rc = sg_store_fail(&idx->st, rc, "reading ids", c->err);
			break;
		}
		if (iv.mv_size != 4 || sg_be32_get(iv.mv_data) != docid) {
			rc = bad(c, "ids: id '%s' names %s%u, but the document "
				 "record that holds this id is docid %u",
				 sg_check_show(c, r.id.ptr, r.id.len),
				 iv.mv_size != 4 ? "a value of bytes " : "docid ",
				 iv.mv_size != 4 ? (uint32_t)iv.mv_size :
				 sg_be32_get(iv.mv_data), docid);
			break;
		}
		if (idx->n_columns) {
			rc = check_doc_columns(c, docid, &r);
			if (rc != SG_OK)
				break;
		}
		if (sg_fieldpos_present(idx)) {
			rc = check_doc_fieldpos(c, docid, &r);
			if (rc != SG_OK)
				break;
		}
		c->n_docs++;
	}
	mdb_cursor_close(cur);
	return rc < 0 ? rc : SG_OK;
}

/* ids: every entry's docid holds that id. With check_docs (every record's
 * id names it) and equal counts, ids <-> docids is a bijection. */
static int check_ids(struct checker *c)
{
	sg_index *idx = c->idx;
	MDB_cursor *cur;
	MDB_val k, v, dk, dv;
	sg_docrec r;
	uint8_t kb[4];
	uint32_t docid;
	uint64_t n = 0;
	int rc, op = MDB_FIRST;

	rc = sg_check_cursor(c, SG_DB_IDS, &cur);
	if (rc != SG_OK)
		return rc;
	while ((rc = sg_check_step(c, cur, &k, &v, &op, "ids")) == 1) {
		const char *id = sg_check_show(c, k.mv_data, k.mv_size);

		if (k.mv_size == 0 || k.mv_size > SG_ID_MAX) {
			rc = bad(c, "ids: a key of %zu bytes (ids hold 1 to "
				 "%d)", k.mv_size, SG_ID_MAX);
			break;
		}
		if (v.mv_size != 4) {
			rc = bad(c, "ids: id '%s': a value of %zu bytes, not 4",
				 id, v.mv_size);
			break;
		}
		docid = sg_be32_get(v.mv_data);
		sg_be32_put(kb, docid);
		dk.mv_size = 4;
		dk.mv_data = kb;
		rc = mdb_get(c->txn, idx->st.dbi[SG_DB_DOCS], &dk, &dv);
		if (rc == MDB_NOTFOUND) {
			rc = bad(c, "ids: id '%s' names docid %u, which has no "
				 "document record", id, docid);
			break;
		}
		if (rc != MDB_SUCCESS) {
			rc = sg_store_fail(&idx->st, rc, "reading docs", c->err);
			break;
		}
		/* check_docs decoded every record already. */
		if (sg_docrec_decode(&r, dv.mv_data, dv.mv_size) != SG_OK ||
		    r.id.len != k.mv_size ||
		    memcmp(r.id.ptr, k.mv_data, k.mv_size)) {
			rc = bad(c, "ids: id '%s' names docid %u, whose record "
				 "holds another id", id, docid);
			break;
		}
		n++;
	}
	mdb_cursor_close(cur);
	if (rc < 0)
		return rc;
	if (n != c->n_docs)
		return bad(c, "ids: %llu entries for %llu document records",
			   (unsigned long long)n,
			   (unsigned long long)c->n_docs);
	return SG_OK;
}

/* The first live length slot without a document record (named when the
 * counts disagree). */
static int stray_slot(struct checker *c)
{
	uint8_t kb[4];
	MDB_val k = { 4, kb }, v;
	size_t d;
	int rc;

	for (d = 1; d < c->n_slots; d++) {
		if (c->dls[d] == SG_DL_DEAD)
			continue;
		sg_be32_put(kb, (uint32_t)d);
		rc = mdb_get(c->txn, c->idx->st.dbi[SG_DB_DOCS], &k, &v);
		if (rc == MDB_NOTFOUND)
			return bad(c, "lengths: chunk %zu slot %zu (docid %zu): "
				   "length %u, but docs holds no record of "
				   "docid %zu", d / SG_LEN_CHUNK,
				   d % SG_LEN_CHUNK, d, c->dls[d], d);
		if (rc != MDB_SUCCESS)
			return sg_store_fail(&c->idx->st, rc, "reading docs",
					     c->err);
	}
	return bad(c, "lengths: %llu live slots for %llu document records",
		   (unsigned long long)c->live,
		   (unsigned long long)c->n_docs);
}

static int check_stats(struct checker *c)
{
	uint64_t n_recs, dead;
	int rc = sg_check_entries(c, SG_DB_DOCS, &n_recs);

	if (rc != SG_OK)
		return rc;
	if (c->live != c->n_docs)
		return stray_slot(c);
	if (c->ms.n_docs != c->live)
		return bad(c, "meta: stats: N is %llu, but %llu documents are "
			   "live", (unsigned long long)c->ms.n_docs,
			   (unsigned long long)c->live);
	if (c->ms.total_len != c->live_len)
		return bad(c, "meta: stats: the total length is %llu, but the "
			   "live documents' lengths sum to %llu",
			   (unsigned long long)c->ms.total_len,
			   (unsigned long long)c->live_len);
	/* Every docid below next_docid is live or dead (never used counts
	 * as dead); n_dead counts the deleted ones whose postings remain. */
	dead = (uint64_t)c->ms.next_docid - 1 - c->live;
	if (c->ms.n_dead > dead)
		return bad(c, "meta: stats: n_dead is %llu, but only %llu "
			   "docids below next_docid %u are not live",
			   (unsigned long long)c->ms.n_dead,
			   (unsigned long long)dead, c->ms.next_docid);
	c->rep.documents = c->live;
	return SG_OK;
}

static int check_txn(struct checker *c)
{
	uint64_t n_post = 0, n_pos = 0;
	int rc;

	rc = sg_meta_read_stats(c->idx, c->txn, &c->ms, c->err);
	if (rc == SG_ECORRUPT)
		return bad(c, "meta: stats: the record does not decode");
	if (rc == SG_OK)
		rc = check_lengths(c);
	if (rc == SG_OK)
		rc = check_docs(c);
	if (rc == SG_OK)
		rc = check_ids(c);
	if (rc == SG_OK)
		rc = check_stats(c);
	if (rc == SG_OK && sg_fieldpos_present(c->idx))
		rc = check_fieldstats(c);
	if (rc == SG_OK)
		rc = sg_check_terms(c);
	if (rc == SG_OK && sg_store_has(&c->idx->st, SG_DB_COLUMNS)) {
		uint64_t n_col = 0;

		rc = sg_check_entries(c, SG_DB_COLUMNS, &n_col);
		if (rc == SG_OK && n_col != c->col_values)
			return bad(c, "columns: %llu entries, but the live "
				   "documents' stored fields give %llu values",
				   (unsigned long long)n_col,
				   (unsigned long long)c->col_values);
	}
	if (rc == SG_OK)
		rc = sg_check_entries(c, SG_DB_POSTINGS, &n_post);
	if (rc == SG_OK)
		rc = sg_check_entries(c, SG_DB_POSITIONS, &n_pos);
	if (rc != SG_OK)
		return rc;
	if (n_post != c->rep.blocks)
		return sg_check_stray_block(c, SG_DB_POSTINGS, "postings",
				   c->rep.blocks, n_post);
	/* Every block but a unigram's has its positions, found above. */
	if (n_pos != c->rep.blocks - c->unpos_blocks)
		return sg_check_stray_block(c, SG_DB_POSITIONS, "positions",
				   c->rep.blocks - c->unpos_blocks, n_pos);
	return sg_check_tf_sums(c);
}

int sg_index_check(sg_index *idx, sg_check_report *out, sg_error *err)
{
	struct checker c;
	int rc;

	memset(&c, 0, sizeof(c));
	c.idx = idx;
	c.err = err;
	rc = sg_store_begin(&idx->st, 0, &c.txn, err);
	if (rc != SG_OK)
		return rc;
	rc = check_txn(&c);
	mdb_txn_abort(c.txn);
	if (rc == SG_OK && out)
		*out = c.rep;
	sg_free(c.dls);
	sg_free(c.tf_sum);
	sg_free(c.claimed);
	sg_free(c.haspos);
	sg_buf_release(&c.texts);
	sg_buf_release(&c.hashbuf);
	sg_buf_release(&c.colstrs);
	sg_buf_release(&c.colval);
	return rc;
}
