/*
 * cmd_dump.c — `sagasu dump -d DIR`: the index as canonical text, for tests.
 *
 * NOTE: this debugging tool, alone in the CLI, includes the library's
 * internal headers (index.h, block.h, docrec.h, store.h) and reads the LMDB
 * databases directly: it must see the postings themselves, which the public
 * API never exposes. Nothing else in cli/ may do so.
 *
 * The output depends only on the live documents, never on internal docids,
 * termids, block boundaries or batch history, so that two indexes holding
 * the same live documents print the same bytes:
 *
 *   N <documents>
 *   total_len <sum of lengths>
 *   T <term> df=<df> cf=<cf>                   each term with df > 0,
 *     <id> tf=<tf> pos=<p1,p2,...>             in term byte order; its live
 *   ...                                        postings by external id
 *   D <id> dl=<dl> title=<title>               each live document by id
 *
 * Bytes below 0x20, 0x7f and the backslash of ids, terms and titles are
 * printed as \xNN and \\ so that every record stays on one line.
 *
 * `sagasu dump --blocks` prints the physical layout instead, for tests of
 * compaction (tests/cli/compact.sh checks its invariants): every term
 * record, even one with df = 0, and each of its blocks in chain order, with
 * its postings as id:tf:dl, a deleted document's as -:tf:- (dead):
 *
 *   T <term> df=<df> cf=<cf> max_tf=<m> min_dl=<m> chain=<elements>
 *     B n=<n> max_tf=<m> min_dl=<m> <id>:<tf>:<dl> ...
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "block.h"
#include "cli.h"
#include "docrec.h"
#include "error.h"
#include "index.h"
#include "postings_read.h"
#include "store.h"

struct live_doc {
	uint32_t docid;
	uint32_t dl;
	char *id, *title;
	size_t id_len, title_len;
};

struct posting {
	const struct live_doc *doc;
	uint32_t tf;
	size_t pos_off;  /* into the term's decoded positions */
	int haspos;      /* 0 for a unigram gram: no positions stored */
};

static void put_escaped(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == '\\')
			fputs("\\\\", stdout);
		else if (ch < 0x20 || ch == 0x7f)
			printf("\\x%02x", ch);
		else
			putchar(ch);
	}
}

static int cmp_id(const char *a, size_t alen, const char *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);

	if (c)
		return c;
	return (alen > blen) - (alen < blen);
}

static int cmp_doc(const void *x, const void *y)
{
	const struct live_doc *a = *(const struct live_doc *const *)x;
	const struct live_doc *b = *(const struct live_doc *const *)y;

	return cmp_id(a->id, a->id_len, b->id, b->id_len);
}

static int cmp_posting(const void *x, const void *y)
{
	const struct posting *a = x, *b = y;

	return cmp_id(a->doc->id, a->doc->id_len, b->doc->id, b->doc->id_len);
}

/* The live document of docid (docs is sorted by docid), or NULL. */
static const struct live_doc *find_doc(const struct live_doc *docs, size_t n,
				       uint32_t docid)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (docs[mid].docid == docid)
			return &docs[mid];
		if (docs[mid].docid < docid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Reads every document record whose length slot is live. */
static int load_docs(sg_index *idx, MDB_txn *txn, struct live_doc **out,
		     size_t *n_out, sg_error *err)
{
	struct live_doc *docs = NULL;
	size_t n = 0, cap = 0;
	sg_scan sc;
	int rc;

	rc = sg_scan_open(&sc, idx, txn, SG_DB_DOCS, NULL, 0,
			  "opening a cursor", "reading docs", err);
	if (rc != SG_OK)
		return rc;
	for (;;) {
		sg_docrec r;
		uint32_t docid, dl;
		const void *kp, *vp;
		size_t kl, vl;

		rc = sg_scan_next(&sc, &kp, &kl, &vp, &vl, err);
		if (rc <= 0)
			break;
		if (kl != 4 || sg_docrec_decode(&r, vp, vl) != SG_OK) {
			rc = sg_err(err, SG_ECORRUPT, "%s: a document record "
				    "is corrupt", idx->st.dir);
			break;
		}
		docid = sg_be32_get(kp);
		rc = sg_length_get(idx, txn, docid, &dl, err);
		if (rc != SG_OK)
			break;
		if (dl == SG_DL_DEAD)
			continue;
		if (sg_grow_array((void **)&docs, &cap, n + 1, sizeof(*docs))) {
			rc = sg_err(err, SG_ENOMEM, "out of memory");
			break;
		}
		/* Pointers into the read transaction: valid until it ends. */
		docs[n].docid = docid;
		docs[n].dl = dl;
		docs[n].id = (char *)r.id.ptr;
		docs[n].id_len = r.id.len;
		docs[n].title = (char *)r.title.ptr;
		docs[n].title_len = r.title.len;
		n++;
	}
	sg_scan_close(&sc);
	if (rc != SG_OK) {
		sg_free(docs);
		return rc;
	}
	*out = docs;
	*n_out = n;
	return SG_OK;
}

/* The next block of a term's chain, decoded into docids and tfs: 1, 0 at
 * the end of the chain, or a negative code (a block that does not decode is
 * SG_ECORRUPT). k and v are the block's key and value. */
static int next_block(sg_chain_walk *walk, sg_index *idx, const sg_termrec *tr,
		      MDB_val *k, MDB_val *v, sg_block *b, uint32_t *docids,
		      uint32_t *tfs, sg_error *err)
{
	int rc = sg_chain_walk_next(walk, k, v, err);

	if (rc != 1)
		return rc;
	if (sg_block_open(b, sg_be32_get((uint8_t *)k->mv_data + 4),
			  v->mv_data, v->mv_size) != SG_OK ||
	    sg_block_decode(b, docids, tfs) != SG_OK)
		return sg_err(err, SG_ECORRUPT, "%s: a postings block of "
			      "termid %u is corrupt", idx->st.dir, tr->termid);
	return 1;
}

/* Prints one term's live postings, sorted by external id. */
static int dump_term(sg_index *idx, MDB_txn *txn, const sg_termrec *tr,
		     int haspos, const struct live_doc *docs, size_t n_docs,
		     struct posting **posts, size_t *cap, uint32_t **pos,
		     size_t *pos_cap, sg_error *err)
{
	uint32_t docids[SG_BLOCK_MAX], tfs[SG_BLOCK_MAX];
	MDB_val k, v;
	const void *pv_data;
	size_t pv_size;
	sg_chain_walk walk;
	sg_block b;
	size_t n = 0, n_pos = 0, i;
	uint32_t j;
	int rc;

	rc = sg_chain_walk_open(&walk, idx, txn, tr, err);
	if (rc != SG_OK)
		return rc;
	/* The blocks of every element of the term's chain. */
	while ((rc = next_block(&walk, idx, tr, &k, &v, &b, docids, tfs,
				err)) == 1) {
		pv_size = 0;
		pv_data = "";
		rc = haspos ? sg_positions_get(idx, txn, k.mv_data, &pv_data,
					       &pv_size, "reading positions",
					       err)
			    : SG_OK; /* a unigram has none */
		if (rc == SG_ENOTFOUND) {
			rc = sg_err(err, SG_ECORRUPT, "%s: the positions of a "
				    "postings block of termid %u are missing: "
				    "the index is damaged; rebuild it",
				    idx->st.dir, tr->termid);
			break;
		}
		if (rc != SG_OK)
			break;
		for (j = 0; j < b.n; j++) {
			const struct live_doc *d = find_doc(docs, n_docs,
							    docids[j]);

			if (!d)
				continue;
			if (sg_grow_array((void **)posts, cap, n + 1,
					  sizeof(**posts)) ||
			    sg_grow_array((void **)pos, pos_cap, n_pos + tfs[j],
					  sizeof(**pos))) {
				rc = sg_err(err, SG_ENOMEM, "out of memory");
				goto out;
			}
			if (haspos &&
			    sg_positions_decode(pv_data, pv_size, tfs, j,
						*pos + n_pos) != SG_OK) {
				rc = sg_err(err, SG_ECORRUPT, "%s: positions "
					    "of termid %u are corrupt",
					    idx->st.dir, tr->termid);
				goto out;
			}
			(*posts)[n].doc = d;
			(*posts)[n].tf = tfs[j];
			(*posts)[n].pos_off = n_pos;
			(*posts)[n].haspos = haspos;
			n_pos += haspos ? tfs[j] : 0;
			n++;
		}
	}
out:
	sg_chain_walk_close(&walk);
	if (rc > 0)
		rc = SG_OK;
	if (rc != SG_OK)
		return rc;
	qsort(*posts, n, sizeof(**posts), cmp_posting);
	for (i = 0; i < n; i++) {
		const struct posting *p = &(*posts)[i];

		fputs("  ", stdout);
		put_escaped(p->doc->id, p->doc->id_len);
		printf(p->haspos ? " tf=%u pos=" : " tf=%u", p->tf);
		for (j = 0; p->haspos && j < p->tf; j++)
			printf(j ? ",%u" : "%u", (*pos)[p->pos_off + j]);
		putchar('\n');
	}
	return SG_OK;
}

/* One term's blocks, as the --blocks layout above. */
static int dump_term_blocks(sg_index *idx, MDB_txn *txn, const sg_termrec *tr,
			    const struct live_doc *docs, size_t n_docs,
			    sg_error *err)
{
	uint32_t docids[SG_BLOCK_MAX], tfs[SG_BLOCK_MAX];
	MDB_val k, v;
	sg_chain_walk walk;
	sg_block b;
	uint32_t j;
	int rc;

	rc = sg_chain_walk_open(&walk, idx, txn, tr, err);
	if (rc != SG_OK)
		return rc;
	while ((rc = next_block(&walk, idx, tr, &k, &v, &b, docids, tfs,
				err)) == 1) {
		printf("  B n=%u max_tf=%u min_dl=%u", b.n, b.max_tf, b.min_dl);
		for (j = 0; j < b.n; j++) {
			const struct live_doc *d = find_doc(docs, n_docs,
							    docids[j]);

			putchar(' ');
			if (d) {
				put_escaped(d->id, d->id_len);
				printf(":%u:%u", tfs[j], d->dl);
			} else {
				printf("-:%u:-", tfs[j]);
			}
		}
		putchar('\n');
	}
	sg_chain_walk_close(&walk);
	return rc > 0 ? SG_OK : rc;
}

static int dump(sg_index *idx, int blocks, sg_error *err)
{
	MDB_txn *txn;
	sg_scan sc = { 0 };
	const void *kp, *vp;
	size_t kl, vl;
	sg_meta_stats ms;
	struct live_doc *docs = NULL, **sorted = NULL;
	struct posting *posts = NULL;
	uint32_t *pos = NULL;
	size_t n_docs = 0, cap = 0, pos_cap = 0, i;
	int rc;

	rc = sg_read_begin(idx, &txn, err);
	if (rc != SG_OK)
		return rc;
	rc = sg_meta_read_stats(idx, txn, &ms, err);
	if (rc == SG_OK)
		rc = load_docs(idx, txn, &docs, &n_docs, err);
	if (rc != SG_OK)
		goto out;
	printf("N %llu\ntotal_len %llu\n", (unsigned long long)ms.n_docs,
	       (unsigned long long)ms.total_len);
	if (blocks)
		printf("n_dead %llu\n", (unsigned long long)ms.n_dead);
	rc = sg_scan_open(&sc, idx, txn, SG_DB_TERMS, NULL, 0,
			  "opening a cursor", "reading terms", err);
	if (rc != SG_OK)
		goto out;
	for (;;) {
		sg_termrec tr;

		rc = sg_scan_next(&sc, &kp, &kl, &vp, &vl, err);
		if (rc < 0)
			goto out;
		if (rc == 0)
			break;
		rc = SG_OK;
		if (sg_termrec_decode(&tr, vp, vl) != SG_OK) {
			rc = sg_err(err, SG_ECORRUPT, "%s: the record of term "
				    "'%.*s' is corrupt", idx->st.dir,
				    (int)kl, (const char *)kp);
			goto out;
		}
		if (blocks) {
			fputs("T ", stdout);
			put_escaped(kp, kl);
			printf(" df=%llu cf=%llu max_tf=%u min_dl=%u chain=%u\n",
			       (unsigned long long)tr.df,
			       (unsigned long long)tr.cf, tr.max_tf, tr.min_dl,
			       tr.n_more + 1);
			rc = dump_term_blocks(idx, txn, &tr, docs, n_docs, err);
			if (rc != SG_OK)
				goto out;
			continue;
		}
		if (tr.df == 0)
			continue;
		fputs("T ", stdout);
		put_escaped(kp, kl);
		printf(" df=%llu cf=%llu\n", (unsigned long long)tr.df,
		       (unsigned long long)tr.cf);
		rc = dump_term(idx, txn, &tr,
			       sg_term_has_positions(kp, kl),
			       docs, n_docs, &posts, &cap, &pos,
			       &pos_cap, err);
		if (rc != SG_OK)
			goto out;
	}
	sorted = malloc((n_docs + 1) * sizeof(*sorted));
	if (!sorted) {
		rc = sg_err(err, SG_ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < n_docs; i++)
		sorted[i] = &docs[i];
	qsort(sorted, n_docs, sizeof(*sorted), cmp_doc);
	for (i = 0; i < n_docs; i++) {
		fputs("D ", stdout);
		put_escaped(sorted[i]->id, sorted[i]->id_len);
		printf(" dl=%u title=", sorted[i]->dl);
		put_escaped(sorted[i]->title, sorted[i]->title_len);
		putchar('\n');
	}
out:
	sg_scan_close(&sc);
	sg_read_end(txn);
	free(sorted);
	sg_free(posts);
	sg_free(pos);
	sg_free(docs);
	return rc;
}

int cmd_dump(int argc, char **argv)
{
	sg_index_options io = SG_INDEX_OPTIONS_INIT;
	sg_error err = SG_ERROR_INIT;
	const char *dir = NULL;
	sg_index *idx;
	int rc, blocks = 0;
	const struct cli_flag flags[] = { { "--blocks", &blocks, NULL } };

	static const char usage[] = "usage: sagasu dump -d DIR [--blocks] "
		"[--keep-all] [--dicdir DIR]\n"
		"  --blocks    also print the physical layout (blocks, chains, "
		"bounds)\n"
		"  -h, --help  this text;  --version  print the version\n";

	rc = cli_dir_command(argc, argv, usage, flags, 1, &dir, &io);
	if (rc >= 0)
		return rc;
	io.readonly = 1;
	rc = sg_index_open(dir, &io, &idx, &err);
	if (rc != SG_OK) {
		cli_error("dump", &err);
		return 1;
	}
	rc = dump(idx, blocks, &err);
	if (rc != SG_OK)
		cli_error("dump", &err);
	sg_index_close(idx);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "sagasu: dump: cannot write the output\n");
		return 1;
	}
	return rc == SG_OK ? 0 : 1;
}
