/*
 * index.c — opening an index and checking that it is ours, of our format,
 * built by our analyzer; the meta records; term records; document lengths.
 *
 * An existing index is analyzed with its own analyzer: the stored config is
 * parsed back into options (sg_analyzer_parse_config), with the dictionary
 * directory of meta "dicdir" and the user dictionary of meta "userdic"
 * (materialised as DIR/user.dic), and the analyzer built from them must
 * print the stored config again. Options the caller gave that contradict the
 * index are SG_EANALYZER naming both values.
 */
#include "alloc.h"
#include "index.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "analyzer_internal.h"
#include "error.h"
#include "fieldpos.h"
#include "varint.h"

static int meta_get(sg_index *idx, MDB_txn *txn, const char *key, MDB_val *v,
		    sg_error *err)
{
	MDB_val k = { strlen(key), (void *)key };
	int rc = mdb_get(txn, idx->st.dbi[SG_DB_META], &k, v);

	if (rc == MDB_NOTFOUND)
		return SG_ENOTFOUND;
	return sg_store_fail(&idx->st, rc, "reading meta", err);
}

static int meta_put(sg_index *idx, MDB_txn *txn, const char *key,
		    const void *val, size_t len, sg_error *err)
{
	MDB_val k = { strlen(key), (void *)key }, v = { len, (void *)val };

	return sg_store_fail(&idx->st,
			     mdb_put(txn, idx->st.dbi[SG_DB_META], &k, &v, 0),
			     "writing meta", err);
}

/* Reads the whole file at path into a new buffer (*data, *len). */
static int read_file(const char *path, char **data, size_t *len,
		     sg_error *err)
{
	FILE *f = fopen(path, "rb");
	long n;
	int rc = SG_OK;

	*data = NULL;
	*len = 0;
	if (!f)
		return sg_err(err, SG_EIO, "%s: %s", path, strerror(errno));
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0) {
		rc = sg_err(err, SG_EIO, "%s: %s", path, strerror(errno));
		goto out;
	}
	*data = sg_malloc((size_t)n + 1);
	if (!*data) {
		rc = sg_err(err, SG_ENOMEM, "out of memory reading %s", path);
		goto out;
	}
	if (fread(*data, 1, (size_t)n, f) != (size_t)n) {
		rc = sg_err(err, SG_EIO, "%s: short read", path);
		sg_free(*data);
		*data = NULL;
		goto out;
	}
	*len = (size_t)n;
out:
	fclose(f);
	return rc;
}

/* The new index's compiled user dictionary into meta "userdic", in the
 * transaction that creates the index: no index exists without it. */
static int put_userdic(sg_index *idx, MDB_txn *txn, sg_error *err)
{
	char *data;
	size_t len;
	int rc = read_file(idx->new_userdic, &data, &len, err);

	if (rc != SG_OK)
		return rc;
	rc = meta_put(idx, txn, "userdic", data, len, err);
	sg_free(data);
	return rc;
}

int sg_meta_write_header(sg_index *idx, MDB_txn *txn, sg_error *err)
{
	uint8_t b[4];
	const char *an = sg_analyzer_config(idx->an);
	int rc;

	rc = meta_put(idx, txn, "magic", SG_MAGIC, strlen(SG_MAGIC), err);
	sg_be32_put(b, SG_FORMAT_VERSION);
	if (rc == SG_OK)
		rc = meta_put(idx, txn, "format", b, 4, err);
	if (rc == SG_OK)
		rc = meta_put(idx, txn, "analyzer", an, strlen(an), err);
	if (rc == SG_OK)
		rc = meta_put(idx, txn, "fields", idx->fields,
			      strlen(idx->fields), err);
	sg_be32_put(b, idx->block_size);
	if (rc == SG_OK)
		rc = meta_put(idx, txn, "block_size", b, 4, err);
	if (rc == SG_OK)
		rc = meta_put(idx, txn, "substring", idx->substring ? "1" : "0",
			      1, err);
	/* Only an index with columns has the record, so that one without
	 * has the same bytes as before columns existed. */
	if (rc == SG_OK && idx->columns[0])
		rc = meta_put(idx, txn, "columns", idx->columns,
			      strlen(idx->columns), err);
	if (rc == SG_OK && idx->new_dicdir)
		rc = meta_put(idx, txn, "dicdir", idx->new_dicdir,
			      strlen(idx->new_dicdir), err);
	if (rc == SG_OK && idx->new_userdic)
		rc = put_userdic(idx, txn, err);
	if (rc == SG_OK)
		idx->fresh = 0;
	return rc;
}

int sg_meta_read_stats(sg_index *idx, MDB_txn *txn, sg_meta_stats *ms,
		       sg_error *err)
{
	MDB_val v;
	const uint8_t *p, *end;
	int rc = meta_get(idx, txn, "stats", &v, err);

	memset(ms, 0, sizeof(*ms));
	ms->next_docid = 1;
	ms->next_termid = 1;
	if (rc == SG_ENOTFOUND)
		return SG_OK;
	if (rc != SG_OK)
		return rc;
	p = v.mv_data;
	end = p + v.mv_size;
	if (sg_varint_get64(&p, end, &ms->n_docs) ||
	    sg_varint_get64(&p, end, &ms->total_len) ||
	    sg_varint_get64(&p, end, &ms->n_dead) ||
	    sg_varint_get32(&p, end, &ms->next_docid) ||
	    sg_varint_get32(&p, end, &ms->next_termid) || p != end)
		return sg_err(err, SG_ECORRUPT,
			      "%s: the stats record is corrupt; rebuild the "
			      "index", idx->st.dir);
	return SG_OK;
}

int sg_meta_write_stats(sg_index *idx, MDB_txn *txn, const sg_meta_stats *ms,
			sg_error *err)
{
	uint8_t b[5 * SG_VARINT_MAX64];
	size_t n = 0;

	n += sg_varint_put64(b + n, ms->n_docs);
	n += sg_varint_put64(b + n, ms->total_len);
	n += sg_varint_put64(b + n, ms->n_dead);
	n += sg_varint_put32(b + n, ms->next_docid);
	n += sg_varint_put32(b + n, ms->next_termid);
	return meta_put(idx, txn, "stats", b, n, err);
}

int sg_meta_read_fieldstats(sg_index *idx, MDB_txn *txn, uint64_t *totals,
			    sg_error *err)
{
	MDB_val v;
	const uint8_t *p, *end;
	size_t f;
	int rc = meta_get(idx, txn, "fieldstats", &v, err);

	if (rc != SG_OK)
		return rc;
	p = v.mv_data;
	end = p + v.mv_size;
	for (f = 0; f < idx->n_fields; f++)
		if (sg_varint_get64(&p, end, &totals[f]))
			break;
	if (f < idx->n_fields || p != end)
		return sg_err(err, SG_ECORRUPT, "%s: the fieldstats record is "
			      "corrupt; rebuild the index", idx->st.dir);
	return SG_OK;
}

int sg_meta_write_fieldstats(sg_index *idx, MDB_txn *txn,
			     const uint64_t *totals, sg_error *err)
{
	uint8_t b[SG_FIELDS_MAX * SG_VARINT_MAX64];
	size_t n = 0, f;

	for (f = 0; f < idx->n_fields; f++)
		n += sg_varint_put64(b + n, totals[f]);
	return meta_put(idx, txn, "fieldstats", b, n, err);
}

int sg_termrec_encode(sg_buf *out, const sg_termrec *t)
{
	int rc = sg_buf_put_varint(out, t->termid);

	if (rc == SG_OK)
		rc = sg_buf_put_varint(out, t->df);
	if (rc == SG_OK)
		rc = sg_buf_put_varint(out, t->cf);
	if (rc == SG_OK)
		rc = sg_buf_put_varint(out, t->max_tf);
	if (rc == SG_OK)
		rc = sg_buf_put_varint(out, t->min_dl);
	if (rc == SG_OK)
		rc = sg_buf_put_varint(out, t->n_more);
	if (rc == SG_OK && t->n_more)
		rc = sg_buf_append(out, t->more, t->more_len);
	return rc;
}

int sg_termrec_decode(sg_termrec *t, const void *val, size_t len)
{
	const uint8_t *p = val, *end = p + len, *more;
	uint32_t i, x;

	if (sg_varint_get32(&p, end, &t->termid) ||
	    sg_varint_get64(&p, end, &t->df) ||
	    sg_varint_get64(&p, end, &t->cf) ||
	    sg_varint_get32(&p, end, &t->max_tf) ||
	    sg_varint_get32(&p, end, &t->min_dl) ||
	    sg_varint_get32(&p, end, &t->n_more) ||
	    t->n_more > (uint32_t)(end - p))
		return SG_ECORRUPT;
	more = p;
	for (i = 0; i < 2 * t->n_more; i++)
		if (sg_varint_get32(&p, end, &x))
			return SG_ECORRUPT;
	if (p != end)
		return SG_ECORRUPT;
	t->more = more;
	t->more_len = (size_t)(p - more);
	return SG_OK;
}

int sg_termrec_chain(const sg_termrec *t, uint32_t **termids,
		     uint32_t **firsts, size_t *n)
{
	const uint8_t *p = t->more, *end = p + t->more_len;
	size_t i, m = (size_t)t->n_more + 1;

	*termids = sg_malloc(m * sizeof(**termids));
	*firsts = sg_malloc(m * sizeof(**firsts));
	if (!*termids || !*firsts) {
		sg_free(*termids);
		sg_free(*firsts);
		*termids = *firsts = NULL;
		return SG_ENOMEM;
	}
	(*termids)[0] = t->termid;
	(*firsts)[0] = 0;
	for (i = 1; i < m; i++)
		if (sg_varint_get32(&p, end, &(*termids)[i]) ||
		    sg_varint_get32(&p, end, &(*firsts)[i]) ||
		    (*termids)[i] <= (*termids)[i - 1] ||
		    (*firsts)[i] <= (*firsts)[i - 1]) {
			sg_free(*termids);
			sg_free(*firsts);
			*termids = *firsts = NULL;
			return SG_ECORRUPT;
		}
	*n = m;
	return SG_OK;
}

int sg_chain_walk_open(sg_chain_walk *w, sg_index *idx, MDB_txn *txn,
		       const sg_termrec *tr, sg_error *err)
{
	int rc;

	memset(w, 0, sizeof(*w));
	w->idx = idx;
	rc = sg_termrec_chain(tr, &w->chain, &w->firsts, &w->n_chain);
	if (rc != SG_OK)
		return rc == SG_ENOMEM ? sg_err(err, rc, "out of memory") :
		       sg_err(err, SG_ECORRUPT, "%s: the chain of termid %u is "
			      "corrupt; rebuild the index", idx->st.dir,
			      tr->termid);
	rc = mdb_cursor_open(txn, idx->st.dbi[SG_DB_POSTINGS], &w->cur);
	if (rc != MDB_SUCCESS) {
		w->cur = NULL;
		sg_chain_walk_close(w);
		return sg_store_fail(&idx->st, rc, "opening a cursor", err);
	}
	return SG_OK;
}

int sg_chain_walk_next(sg_chain_walk *w, MDB_val *k, MDB_val *v,
		       sg_error *err)
{
	int rc;

	if (w->started) {
		rc = mdb_cursor_get(w->cur, k, v, MDB_NEXT);
	} else {
		w->started = 1;
		k->mv_size = SG_PKEY_LEN;
		k->mv_data = w->kb;
		sg_pkey_put(w->kb, w->chain[0], 0);
		rc = mdb_cursor_get(w->cur, k, v, MDB_SET_RANGE);
	}
	for (;;) {
		if (rc != MDB_SUCCESS && rc != MDB_NOTFOUND)
			return sg_store_fail(&w->idx->st, rc,
					     "reading postings", err);
		if (rc == MDB_SUCCESS && k->mv_size != SG_PKEY_LEN)
			return sg_err(err, SG_ECORRUPT, "%s: a postings key "
				      "has the wrong size; rebuild the index",
				      w->idx->st.dir);
		if (rc == MDB_SUCCESS &&
		    sg_be32_get(k->mv_data) == w->chain[w->el])
			return 1;
		/* Past this element: the next one's first block. */
		if (w->el + 1 >= w->n_chain)
			return 0;
		w->el++;
		k->mv_size = SG_PKEY_LEN;
		k->mv_data = w->kb;
		sg_pkey_put(w->kb, w->chain[w->el], 0);
		rc = mdb_cursor_get(w->cur, k, v, MDB_SET_RANGE);
	}
}

void sg_chain_walk_close(sg_chain_walk *w)
{
	if (w->cur)
		mdb_cursor_close(w->cur);
	w->cur = NULL;
	sg_free(w->chain);
	sg_free(w->firsts);
	w->chain = w->firsts = NULL;
}

int sg_term_get(sg_index *idx, MDB_txn *txn, const char *term, size_t len,
		sg_termrec *t, sg_error *err)
{
	MDB_val k = { len, (void *)term }, v;
	int rc;

	if (len == 0 || len > SG_TERM_MAX)
		return SG_ENOTFOUND;
	rc = mdb_get(txn, idx->st.dbi[SG_DB_TERMS], &k, &v);
	if (rc == MDB_NOTFOUND)
		return SG_ENOTFOUND;
	if (rc != MDB_SUCCESS)
		return sg_store_fail(&idx->st, rc, "reading a term", err);
	if (sg_termrec_decode(t, v.mv_data, v.mv_size) != SG_OK)
		return sg_err(err, SG_ECORRUPT,
			      "%s: terms: term '%.*s': the record (%zu bytes) "
			      "does not decode; rebuild the index", idx->st.dir,
			      (int)len, term, v.mv_size);
	return SG_OK;
}

int sg_length_get(sg_index *idx, MDB_txn *txn, uint32_t docid, uint32_t *dl,
		  sg_error *err)
{
	uint8_t kb[4];
	MDB_val k = { 4, kb }, v;
	int rc;

	sg_be32_put(kb, docid / SG_LEN_CHUNK);
	rc = mdb_get(txn, idx->st.dbi[SG_DB_LENGTHS], &k, &v);
	if (rc == MDB_NOTFOUND) {
		*dl = SG_DL_DEAD;
		return SG_OK;
	}
	if (rc != MDB_SUCCESS)
		return sg_store_fail(&idx->st, rc, "reading lengths", err);
	if (sg_lengths_decode(v.mv_data, v.mv_size, docid, dl) != SG_OK)
		return sg_err(err, SG_ECORRUPT,
			      "%s: the lengths record of chunk %u is corrupt "
			      "(%zu bytes, not %d); rebuild the index",
			      idx->st.dir, docid / SG_LEN_CHUNK, v.mv_size,
			      SG_LEN_CHUNK * 4);
	return SG_OK;
}

int sg_lengths_decode(const void *val, size_t len, uint32_t docid,
		      uint32_t *dl)
{
	if (len != SG_LEN_CHUNK * 4)
		return SG_ECORRUPT;
	*dl = sg_le32_get((const uint8_t *)val + 4 * (docid % SG_LEN_CHUNK));
	return SG_OK;
}

int sg_length_set(sg_index *idx, MDB_txn *txn, uint32_t docid, uint32_t dl,
		  sg_error *err)
{
	uint8_t kb[4], chunk[SG_LEN_CHUNK * 4];
	MDB_val k = { 4, kb }, v;
	uint32_t i;
	int rc;

	sg_be32_put(kb, docid / SG_LEN_CHUNK);
	rc = mdb_get(txn, idx->st.dbi[SG_DB_LENGTHS], &k, &v);
	if (rc == MDB_SUCCESS && v.mv_size == sizeof(chunk)) {
		memcpy(chunk, v.mv_data, sizeof(chunk));
	} else if (rc == MDB_NOTFOUND) {
		for (i = 0; i < SG_LEN_CHUNK; i++)
			sg_le32_put(chunk + 4 * i, SG_DL_DEAD);
	} else if (rc == MDB_SUCCESS) {
		return sg_err(err, SG_ECORRUPT,
			      "%s: a lengths record is corrupt; rebuild the "
			      "index", idx->st.dir);
	} else {
		return sg_store_fail(&idx->st, rc, "reading lengths", err);
	}
	sg_le32_put(chunk + 4 * (docid % SG_LEN_CHUNK), dl);
	v.mv_size = sizeof(chunk);
	v.mv_data = chunk;
	return sg_store_fail(&idx->st,
			     mdb_put(txn, idx->st.dbi[SG_DB_LENGTHS], &k, &v, 0),
			     "writing lengths", err);
}

/* Writes the index's user dictionary (meta "userdic", data[0, len)) to
 * path unless the file there already holds exactly those bytes. */
static int materialise_userdic(const char *path, const void *data,
			       size_t len, sg_error *err)
{
	char tmp[PATH_MAX];
	char *have = NULL;
	size_t have_len;
	sg_error ignore = SG_ERROR_INIT;
	FILE *f;
	int n;

	if (read_file(path, &have, &have_len, &ignore) == SG_OK) {
		int same = have_len == len && !memcmp(have, data, len);

		sg_free(have);
		if (same)
			return SG_OK;
	}
	n = snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return sg_err(err, SG_EINVAL, "%s: path too long", path);
	f = fopen(tmp, "wb");
	if (!f)
		return sg_err(err, SG_EIO, "cannot restore the index's user "
			      "dictionary %s: %s", path, strerror(errno));
	if (fwrite(data, 1, len, f) != len || fclose(f) != 0) {
		(void)unlink(tmp);
		return sg_err(err, SG_EIO, "cannot restore the index's user "
			      "dictionary %s: %s", path, strerror(errno));
	}
	if (rename(tmp, path) != 0) {
		(void)unlink(tmp);
		return sg_err(err, SG_EIO, "cannot restore the index's user "
			      "dictionary %s: %s", path, strerror(errno));
	}
	return SG_OK;
}

static void variants_name(unsigned bits, char *buf, size_t cap)
{
	(void)snprintf(buf, cap, "%s%s%s%s%s", bits ? "" : "none",
		       bits & SG_VARIANT_CHOON ? "choon," : "",
		       bits & SG_VARIANT_KANA ? "kana," : "",
		       bits & SG_VARIANT_V ? "v," : "",
		       bits & SG_VARIANT_HYPHEN ? "hyphen," : "");
	if (bits && strlen(buf))
		buf[strlen(buf) - 1] = '\0';
}

/* Replaces idx->an with the analyzer of the stored config cfg[0, len):
 * the options parsed from it, the caller's `given` ones checked against
 * them. */
static int own_analyzer(sg_index *idx, MDB_txn *txn,
			const sg_analyzer_options *given, const void *cfgp,
			size_t len, sg_error *err)
{
	const char *cfg = cfgp, *dir = idx->st.dir;
	sg_analyzer_options o = SG_ANALYZER_OPTIONS_INIT;
	char dicdir[PATH_MAX], user[PATH_MAX], a[64], b[64];
	sg_analyzer *an = NULL;
	MDB_val v;
	int has_user, rc, n;

	if (sg_analyzer_parse_config(cfg, len, &o, &has_user) != SG_OK)
		return sg_err(err, SG_EANALYZER,
			      "%s: built with analyzer '%.*s', which this "
			      "sagasu cannot read; rebuild the index", dir,
			      (int)len, cfg);
	if (given->keep_all && !o.keep_all)
		return sg_err(err, SG_EANALYZER,
			      "%s: --keep-all contradicts the index, built "
			      "without it (filter=default); drop --keep-all",
			      dir);
	if (given->variants_set && given->variants != o.variants) {
		variants_name(given->variants, a, sizeof(a));
		variants_name(o.variants, b, sizeof(b));
		return sg_err(err, SG_EANALYZER,
			      "%s: --variants %s contradicts the index, built "
			      "with variants %s; drop --variants", dir, a, b);
	}
	if (given->user_dic)
		return sg_err(err, SG_EANALYZER,
			      "%s: a user dictionary is given to a new index "
			      "only (this one has %s); drop --user-dict, or "
			      "index into a new directory", dir,
			      has_user ? "its own" : "none");
	o.dicdir = given->dicdir;
	rc = meta_get(idx, txn, "dicdir", &v, err);
	if (rc == SG_OK && !o.dicdir) {
		if (v.mv_size >= sizeof(dicdir))
			return sg_err(err, SG_ECORRUPT, "%s: bad dicdir record",
				      dir);
		memcpy(dicdir, v.mv_data, v.mv_size);
		dicdir[v.mv_size] = '\0';
		o.dicdir = dicdir;
	} else if (rc != SG_OK && rc != SG_ENOTFOUND) {
		return rc;
	}
	if (has_user) {
		rc = meta_get(idx, txn, "userdic", &v, err);
		if (rc != SG_OK)
			return rc == SG_ENOTFOUND ?
			       sg_err(err, SG_ECORRUPT, "%s: the analyzer names "
				      "a user dictionary but the index holds "
				      "none; rebuild the index", dir) : rc;
		n = snprintf(user, sizeof(user), "%s/%s", dir, SG_USERDIC_FILE);
		if (n < 0 || (size_t)n >= sizeof(user))
			return sg_err(err, SG_EINVAL, "%s: path too long", dir);
		rc = materialise_userdic(user, v.mv_data, v.mv_size, err);
		if (rc != SG_OK)
			return rc;
		o.user_dic = user;
	}
	rc = sg_analyzer_new(&o, &an, err);
	if (rc != SG_OK)
		return rc;
	if (strlen(sg_analyzer_config(an)) != len ||
	    memcmp(sg_analyzer_config(an), cfg, len)) {
		rc = sg_err(err, SG_EANALYZER,
			    "%s: built with analyzer '%.*s' but this sagasu "
			    "analyzes with '%s'; use the same dictionary "
			    "(--dicdir), or rebuild the index", dir, (int)len,
			    cfg, sg_analyzer_config(an));
		sg_analyzer_free(an);
		return rc;
	}
	sg_analyzer_free(idx->an);
	idx->an = an;
	return SG_OK;
}

static int check_meta(sg_index *idx, const sg_index_options *opt,
		      sg_error *err)
{
	MDB_txn *txn;
	MDB_val v;
	const char *an = sg_analyzer_config(idx->an);
	const char *dir = idx->st.dir;
	uint32_t version;

	int rc;

	rc = sg_store_begin(&idx->st, 0, &txn, err);
	if (rc != SG_OK)
		return rc;
	rc = meta_get(idx, txn, "magic", &v, err);
	if (rc == SG_ENOTFOUND) {
		MDB_stat ms;

		/* No meta: a new index, unless documents are already there. */
		if (mdb_stat(txn, idx->st.dbi[SG_DB_DOCS], &ms) != MDB_SUCCESS ||
		    ms.ms_entries != 0 || opt->readonly) {
			rc = sg_err(err, SG_ENOTINDEX,
				    "%s: not a sagasu index (no meta record)%s",
				    dir, opt->readonly ?
				    "; build one with 'sagasu index'" : "");
			goto out;
		}
		idx->fresh = 1;
		rc = SG_OK;
		goto out;
	}
	if (rc != SG_OK)
		goto out;
	if (v.mv_size != strlen(SG_MAGIC) ||
	    memcmp(v.mv_data, SG_MAGIC, v.mv_size)) {
		rc = sg_err(err, SG_ENOTINDEX, "%s: not a sagasu index", dir);
		goto out;
	}
	rc = meta_get(idx, txn, "format", &v, err);
	if (rc != SG_OK || v.mv_size != 4) {
		rc = sg_err(err, SG_ECORRUPT, "%s: no format version", dir);
		goto out;
	}
	/* Checked before any other record: an index of another version
	 * may lay out the rest differently (version 2 had no term chains
	 * and possibly no substring record), and must not be called
	 * corrupt for it. Nothing converts an index between versions: the
	 * fix is a rebuild from the source documents. */
	version = sg_be32_get(v.mv_data);
	if (version < SG_FORMAT_VERSION) {
		rc = sg_err(err, SG_EVERSION,
			    "%s was built by sagasu format %u; this sagasu "
			    "reads format %d: rebuild it with `sagasu index` "
			    "into a new directory", dir, version,
			    SG_FORMAT_VERSION);
		goto out;
	}
	if (version > SG_FORMAT_VERSION) {
		rc = sg_err(err, SG_EVERSION,
			    "%s was built by a newer sagasu (format %u); this "
			    "sagasu reads format %d: search it with that "
			    "newer sagasu, or rebuild it with `sagasu index` "
			    "into a new directory", dir, version,
			    SG_FORMAT_VERSION);
		goto out;
	}
	rc = meta_get(idx, txn, "analyzer", &v, err);
	if (rc != SG_OK) {
		rc = sg_err(err, SG_ECORRUPT, "%s: no analyzer record", dir);
		goto out;
	}
	if (v.mv_size != strlen(an) || memcmp(v.mv_data, an, v.mv_size)) {
		rc = own_analyzer(idx, txn, &opt->analyzer, v.mv_data,
				  v.mv_size, err);
		if (rc != SG_OK)
			goto out;
	}
	rc = meta_get(idx, txn, "fields", &v, err);
	if (rc != SG_OK || v.mv_size >= sizeof(idx->fields)) {
		rc = sg_err(err, SG_ECORRUPT, "%s: no fields record", dir);
		goto out;
	}
	if (opt->fields && (strlen(opt->fields) != v.mv_size ||
			    memcmp(opt->fields, v.mv_data, v.mv_size))) {
		rc = sg_err(err, SG_EINVAL,
			    "%s: the index's fields are '%.*s', not '%s'; "
			    "drop --fields or index into a new directory",
			    dir, (int)v.mv_size, (const char *)v.mv_data,
			    opt->fields);
		goto out;
	}
	memcpy(idx->fields, v.mv_data, v.mv_size);
	idx->fields[v.mv_size] = '\0';
	rc = meta_get(idx, txn, "columns", &v, err);
	if (rc == SG_ENOTFOUND) {
		v.mv_size = 0; /* no columns (or an index older than them) */
		rc = SG_OK;
	}
	if (rc != SG_OK || v.mv_size >= sizeof(idx->columns)) {
		rc = sg_err(err, SG_ECORRUPT, "%s: a bad columns record", dir);
		goto out;
	}
	if (opt->columns && (strlen(opt->columns) != v.mv_size ||
			     memcmp(opt->columns, v.mv_data, v.mv_size))) {
		rc = sg_err(err, SG_EINVAL,
			    "%s: the index's columns are '%.*s', not '%s'; "
			    "columns are declared when an index is made: "
			    "drop --columns or index into a new directory",
			    dir, (int)v.mv_size, (const char *)v.mv_data,
			    opt->columns);
		goto out;
	}
	memcpy(idx->columns, v.mv_data, v.mv_size);
	idx->columns[v.mv_size] = '\0';
	rc = meta_get(idx, txn, "substring", &v, err);
	if (rc != SG_OK || v.mv_size != 1) {
		rc = sg_err(err, SG_ECORRUPT, "%s: no substring record", dir);
		goto out;
	}
	idx->substring = *(const char *)v.mv_data == '1';
	rc = meta_get(idx, txn, "block_size", &v, err);
	if (rc != SG_OK || v.mv_size != 4) {
		rc = sg_err(err, SG_ECORRUPT, "%s: no block size", dir);
		goto out;
	}
	idx->block_size = sg_be32_get(v.mv_data);
	if (idx->block_size < 1 || idx->block_size > SG_BLOCK_MAX_CFG)
		rc = sg_err(err, SG_ECORRUPT, "%s: bad block size %u", dir,
			    idx->block_size);
out:
	mdb_txn_abort(txn);
	return rc;
}

/* Splits the comma-separated list src into buf and out[] (at most max
 * names; empty names are skipped). */
static int split_list(const char *src, char *buf, size_t buf_size,
		      const char **out, size_t max, size_t *n,
		      const char *what, sg_error *err)
{
	char *p, *save = NULL;

	snprintf(buf, buf_size, "%s", src);
	*n = 0;
	for (p = strtok_r(buf, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
		if (*n == max)
			return sg_err(err, SG_EINVAL, "at most %zu %s", max,
				      what);
		out[(*n)++] = p;
	}
	return SG_OK;
}

/* Splits idx->fields and idx->columns into idx->field[] and
 * idx->column[]; a column may not be an indexed field (its value is read
 * from the stored JSON), nor _score (the sort key of the score). */
static int split_fields(sg_index *idx, sg_error *err)
{
	size_t i, j;
	int rc;

	rc = split_list(idx->fields, idx->field_buf, sizeof(idx->field_buf),
			idx->field, SG_FIELDS_MAX, &idx->n_fields,
			"indexed fields", err);
	if (rc == SG_OK && idx->n_fields == 0)
		rc = sg_err(err, SG_EINVAL, "no indexed field named");
	if (rc == SG_OK)
		rc = split_list(idx->columns, idx->column_buf,
				sizeof(idx->column_buf), idx->column,
				SG_COLUMNS_MAX, &idx->n_columns, "columns",
				err);
	for (i = 0; rc == SG_OK && i < idx->n_columns; i++) {
		if (!strcmp(idx->column[i], "_score"))
			return sg_err(err, SG_EINVAL, "--columns: _score is the "
				      "score's sort key, not a field");
		for (j = 0; j < idx->n_fields; j++)
			if (!strcmp(idx->column[i], idx->field[j]))
				return sg_err(err, SG_EINVAL, "--columns: '%s' "
					      "is an indexed field; columns "
					      "hold stored fields (sort and "
					      "filter read an indexed field "
					      "from the stored text without "
					      "one)", idx->column[i]);
		for (j = 0; j < i; j++)
			if (!strcmp(idx->column[i], idx->column[j]))
				return sg_err(err, SG_EINVAL, "--columns: '%s' "
					      "twice", idx->column[i]);
	}
	return rc;
}

/* The settings of a new index, from the options. */
static int new_index_settings(sg_index *idx, const sg_index_options *opt,
			      sg_error *err)
{
	const char *fields = opt->fields ? opt->fields : "title,body";

	if (strlen(fields) >= sizeof(idx->fields))
		return sg_err(err, SG_EINVAL, "--fields is too long");
	strcpy(idx->fields, fields);
	if (opt->columns && strlen(opt->columns) >= sizeof(idx->columns))
		return sg_err(err, SG_EINVAL, "--columns is too long");
	snprintf(idx->columns, sizeof(idx->columns), "%s",
		 opt->columns ? opt->columns : "");
	idx->block_size = opt->block_size ? opt->block_size : 128;
	idx->substring = !opt->no_substring;
	if (idx->block_size > SG_BLOCK_MAX_CFG)
		return sg_err(err, SG_EINVAL, "block size at most %d",
			      SG_BLOCK_MAX_CFG);
	/* Checked before anything is created: a refused list makes no
	 * directory. */
	return split_fields(idx, err);
}

/* Writes a new index's meta, in the transaction that creates its
 * databases (sg_store_open_init): a new index is valid, and empty, from
 * its first commit, and no kill leaves databases without meta. */
static int write_meta(sg_index *idx, MDB_txn *txn, sg_error *err)
{
	sg_meta_stats ms = { 0, 0, 0, 1, 1 };
	int rc = sg_meta_write_header(idx, txn, err);

	return rc == SG_OK ? sg_meta_write_stats(idx, txn, &ms, err) : rc;
}

/* sg_store_open_init's hook: the store being built is not idx->st yet, so
 * the meta writers (which take the index) briefly look at it instead. */
static int init_meta(void *ctx, sg_store *st, MDB_txn *txn, sg_error *err)
{
	sg_index *idx = ctx;
	sg_store own = idx->st;
	int rc;

	idx->st = *st;
	rc = write_meta(idx, txn, err);
	idx->st = own;
	return rc;
}

/* An absolute form of path (realpath when it resolves), for meta
 * "dicdir"; NULL when out of memory. */
static char *abs_path(const char *path)
{
	char buf[PATH_MAX];

	return sg_strdup(realpath(path, buf) ? buf : path);
}

int sg_index_open(const char *dir, const sg_index_options *opt,
		  sg_index **out, sg_error *err)
{
	sg_index_options defaults = SG_INDEX_OPTIONS_INIT;
	sg_index *idx;
	int rc;

	*out = NULL;
	if (!opt)
		opt = &defaults;
	idx = sg_calloc(1, sizeof(*idx));
	if (!idx)
		return sg_err(err, SG_ENOMEM, "out of memory");
	rc = sg_analyzer_new(&opt->analyzer, &idx->an, err);
	if (rc != SG_OK)
		goto fail;
	if ((opt->analyzer.dicdir &&
	     !(idx->new_dicdir = abs_path(opt->analyzer.dicdir))) ||
	    (opt->analyzer.user_dic &&
	     !(idx->new_userdic = sg_strdup(opt->analyzer.user_dic)))) {
		rc = sg_err(err, SG_ENOMEM, "out of memory");
		goto fail;
	}
	if (opt->create && !opt->readonly) {
		rc = new_index_settings(idx, opt, err);
		if (rc != SG_OK)
			goto fail;
	}
	rc = sg_store_open_init(&idx->st, dir, opt->create && !opt->readonly,
				opt->readonly, init_meta, idx, err);
	if (rc != SG_OK)
		goto fail;
	rc = check_meta(idx, opt, err);
	if (rc != SG_OK)
		goto fail;
	if (idx->fresh) {
		/* Databases without meta: an index created by an older
		 * sagasu that died before its first commit. */
		rc = new_index_settings(idx, opt, err);
		if (rc != SG_OK)
			goto fail;
	}
	rc = split_fields(idx, err);
	if (rc != SG_OK)
		goto fail;
	if (idx->fresh) {
		MDB_txn *txn;

		rc = sg_store_begin(&idx->st, 1, &txn, err);
		if (rc != SG_OK)
			goto fail;
		rc = write_meta(idx, txn, err);
		if (rc == SG_OK)
			rc = sg_store_commit(&idx->st, txn, err);
		else
			mdb_txn_abort(txn);
		if (rc != SG_OK)
			goto fail;
	}
	if (idx->new_userdic && !idx->fresh) {
		/* A new index (or the caller's contradiction was caught in
		 * check_meta): its user.dic for the next opens. */
		char path[PATH_MAX];
		char *data;
		size_t len;
		int n = snprintf(path, sizeof(path), "%s/%s", dir,
				 SG_USERDIC_FILE);

		if (n < 0 || (size_t)n >= sizeof(path)) {
			rc = sg_err(err, SG_EINVAL, "%s: path too long", dir);
			goto fail;
		}
		rc = read_file(idx->new_userdic, &data, &len, err);
		if (rc == SG_OK) {
			rc = materialise_userdic(path, data, len, err);
			sg_free(data);
		}
		if (rc != SG_OK)
			goto fail;
	}
	*out = idx;
	return SG_OK;
fail:
	sg_index_close(idx);
	return rc;
}

void sg_index_close(sg_index *idx)
{
	if (!idx)
		return;
	if (idx->st.dir)
		sg_store_close(&idx->st);
	sg_analyzer_free(idx->an);
	sg_free(idx->new_dicdir);
	sg_free(idx->new_userdic);
	sg_free(idx);
}

sg_analyzer *sg_index_analyzer(sg_index *idx)
{
	return idx->an;
}
