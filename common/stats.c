/*
 * stats.c — sg_index_stats: the figures `sagasu stats` prints, read in one
 * transaction (a full scan of the term dictionary).
 */
#include <stdio.h>
#include <sys/stat.h>

#include "error.h"
#include "index.h"

/* Keeps out->top sorted by df descending, then term ascending. */
static void top_insert(sg_stats *out, const char *term, size_t len,
		       uint64_t df)
{
	size_t i;

	if (out->n_top == SG_STATS_TOP && df <= out->top[SG_STATS_TOP - 1].df)
		return;
	i = out->n_top < SG_STATS_TOP ? out->n_top++ : SG_STATS_TOP - 1;
	while (i > 0 && out->top[i - 1].df < df) {
		out->top[i] = out->top[i - 1];
		i--;
	}
	memcpy(out->top[i].term, term, len);
	out->top[i].term[len] = '\0';
	out->top[i].df = df;
}

int sg_index_stats(sg_index *idx, sg_stats *out, sg_error *err)
{
	MDB_txn *txn;
	MDB_cursor *c = NULL;
	MDB_val k, v;
	sg_meta_stats ms;
	char path[4096];
	struct stat sb;
	int rc, i;
	MDB_cursor_op op;

	memset(out, 0, sizeof(*out));
	snprintf(out->analyzer, sizeof(out->analyzer), "%s",
		 sg_analyzer_config(idx->an));
	snprintf(out->fields, sizeof(out->fields), "%s", idx->fields);
	out->block_size = idx->block_size;
	out->substring = idx->substring;
	snprintf(path, sizeof(path), "%s/data.mdb", idx->st.dir);
	if (stat(path, &sb) == 0)
		out->file_bytes = (uint64_t)sb.st_size;
	if (idx->fresh)
		return SG_OK;
	rc = sg_store_begin(&idx->st, 0, &txn, err);
	if (rc != SG_OK)
		return rc;
	rc = sg_meta_read_stats(idx, txn, &ms, err);
	if (rc != SG_OK)
		goto out;
	out->documents = ms.n_docs;
	out->total_len = ms.total_len;
	out->dead = ms.n_dead;
	out->n_dbs = 0;
	_Static_assert(SG_DB_COUNT <= sizeof(out->dbs) / sizeof(out->dbs[0]),
		       "sg_stats.dbs holds every table");
	for (i = 0; i < SG_DB_COUNT; i++) {
		sg_db_size *d = &out->dbs[out->n_dbs];
		MDB_stat st;

		if (!sg_store_has(&idx->st, (enum sg_dbi)i))
			continue;
		rc = mdb_stat(txn, idx->st.dbi[i], &st);
		if (rc != MDB_SUCCESS) {
			rc = sg_store_fail(&idx->st, rc, "stat", err);
			goto out;
		}
		d->name = sg_store_db_name((enum sg_dbi)i);
		d->entries = st.ms_entries;
		d->bytes = (uint64_t)st.ms_psize *
			   (st.ms_branch_pages + st.ms_leaf_pages +
			    st.ms_overflow_pages);
		out->n_dbs++;
	}
	rc = mdb_cursor_open(txn, idx->st.dbi[SG_DB_TERMS], &c);
	if (rc != MDB_SUCCESS) {
		rc = sg_store_fail(&idx->st, rc, "cursor", err);
		goto out;
	}
	for (op = MDB_FIRST; (rc = mdb_cursor_get(c, &k, &v, op)) == MDB_SUCCESS;
	     op = MDB_NEXT) {
		sg_termrec tr;

		if (sg_termrec_decode(&tr, v.mv_data, v.mv_size) != SG_OK ||
		    k.mv_size > SG_TERM_MAX) {
			rc = sg_err(err, SG_ECORRUPT, "%s: a term record is "
				    "corrupt; rebuild the index", idx->st.dir);
			goto out;
		}
		if (tr.df == 0)
			continue;
		if (sg_term_is_gram(k.mv_data, k.mv_size)) {
			out->grams++;
			out->gram_postings += tr.df;
			continue;
		}
		out->terms++;
		out->postings += tr.df;
		top_insert(out, k.mv_data, k.mv_size, tr.df);
	}
	rc = rc == MDB_NOTFOUND ? SG_OK : sg_store_fail(&idx->st, rc, "terms", err);
out:
	if (c)
		mdb_cursor_close(c);
	mdb_txn_abort(txn);
	return rc;
}
