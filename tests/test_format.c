/*
 * test_format.c — the on-disk format pinned byte by byte: the worked
 * examples of docs/FORMAT.md, transcribed here as C arrays, against the
 * real encoders and decoders.
 *
 * Each example is encoded from its documented values and compared with the
 * bytes written in FORMAT.md, then decoded back to those values. The meta
 * records and the substring gram keys are read out of a real index built
 * in a temporary directory (through the public API), straight from LMDB,
 * so that what is pinned is what sg_index_open and the writer store. A
 * change to any of these bytes is a format change: bump SG_FORMAT_VERSION,
 * update FORMAT.md, then these arrays.
 *
 * It also checks that an index of another format version, older or newer,
 * is refused with SG_EVERSION and a message that gives the fix, before any
 * other record is read (an older index is never called corrupt).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <xxhash.h>

#include "alloc.h"
#include "block.h"
#include "buf.h"
#include "docrec.h"
#include "fieldpos.h"
#include "index.h"
#include "sagasu.h"
#include "store.h"

/* ---------------------------------------------------------------- helpers */

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static void assert_bytes(const void *got, size_t got_len, const uint8_t *want,
			 size_t want_len)
{
	assert_int_equal(got_len, want_len);
	assert_memory_equal(got, want, want_len);
}

/* A new index in a fresh temporary directory; *dir receives its path. */
static sg_index *new_index(char *dir, size_t cap, uint32_t block_size,
			   int no_substring)
{
	sg_index_options io = SG_INDEX_OPTIONS_INIT;
	sg_error err = SG_ERROR_INIT;
	sg_index *idx = NULL;
	char base[] = "/tmp/sagasu-test-format-XXXXXX";

	assert_non_null(mkdtemp(base));
	assert_true((size_t)snprintf(dir, cap, "%s/idx", base) < cap);
	io.create = 1;
	io.block_size = block_size;
	io.no_substring = no_substring;
	if (sg_index_open(dir, &io, &idx, &err) != SG_OK)
		fail_msg("sg_index_open: %s", err.msg);
	return idx;
}

/* Removes what new_index made. */
static void remove_index(const char *dir)
{
	static const char *const files[] = { "data.mdb", "lock.mdb",
					     "writer.lock" };
	char path[512];
	size_t i;

	for (i = 0; i < ARRAY_LEN(files); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		(void)unlink(path);
	}
	(void)rmdir(dir);
	snprintf(path, sizeof(path), "%s", dir);
	*strrchr(path, '/') = '\0';
	(void)rmdir(path);
}

/* The value of key in database db, read in its own transaction. */
static void get_raw(sg_index *idx, int db, const void *key, size_t key_len,
		    sg_buf *out)
{
	sg_error err = SG_ERROR_INIT;
	MDB_txn *txn;
	MDB_val k = { key_len, (void *)key }, v;

	assert_int_equal(sg_store_begin(&idx->st, 0, &txn, &err), SG_OK);
	assert_int_equal(mdb_get(txn, idx->st.dbi[db], &k, &v), MDB_SUCCESS);
	sg_buf_reset(out);
	assert_int_equal(sg_buf_append(out, v.mv_data, v.mv_size), SG_OK);
	mdb_txn_abort(txn);
}

/* Every (key, value) of database db, in LMDB order, compared with the
 * n documented pairs. */
struct kv {
	const uint8_t *key;
	size_t key_len;
	const uint8_t *val;
	size_t val_len;
};

static void assert_db(sg_index *idx, int db, const struct kv *want, size_t n)
{
	sg_error err = SG_ERROR_INIT;
	MDB_txn *txn;
	MDB_cursor *cur;
	MDB_val k, v;
	size_t i = 0;

	assert_int_equal(sg_store_begin(&idx->st, 0, &txn, &err), SG_OK);
	assert_int_equal(mdb_cursor_open(txn, idx->st.dbi[db], &cur),
			 MDB_SUCCESS);
	while (mdb_cursor_get(cur, &k, &v, MDB_NEXT) == MDB_SUCCESS) {
		assert_true(i < n);
		assert_bytes(k.mv_data, k.mv_size, want[i].key,
			     want[i].key_len);
		assert_bytes(v.mv_data, v.mv_size, want[i].val,
			     want[i].val_len);
		i++;
	}
	assert_int_equal(i, n);
	mdb_cursor_close(cur);
	mdb_txn_abort(txn);
}

/* ------------------------------------------- postings block (FORMAT.md) */

/* Term with termid 300; postings (docid, tf, positions) = (5, 1, [4]),
 * (7, 3, [0, 9, 200]), (12, 2, [3, 4]); min dl 40. */
static const uint8_t block_key[] = { 0x00, 0x00, 0x01, 0x2C,
				     0x00, 0x00, 0x00, 0x05 };
static const uint8_t block_val[] = { 0x03, 0x07, 0x03, 0x28, 0x02, 0x05,
				     0x01, 0x03, 0x02 };
static const uint8_t block_pos[] = { 0x04, 0x00, 0x09, 0xBF, 0x01,
				     0x03, 0x01 };
static const uint32_t ex_docids[] = { 5, 7, 12 };
static const uint32_t ex_tfs[] = { 1, 3, 2 };
static const uint32_t ex_pos5[] = { 4 }, ex_pos7[] = { 0, 9, 200 },
		      ex_pos12[] = { 3, 4 };

static void test_block_golden(void **state)
{
	const uint32_t *pos[] = { ex_pos5, ex_pos7, ex_pos12 };
	uint32_t docids[SG_BLOCK_MAX], tfs[SG_BLOCK_MAX], out[8];
	uint8_t key[SG_PKEY_LEN];
	sg_buf b = SG_BUF_INIT;
	sg_block blk;
	size_t i;

	(void)state;
	sg_pkey_put(key, 300, 5);
	assert_bytes(key, sizeof(key), block_key, sizeof(block_key));
	assert_int_equal(sg_be32_get(block_key), 300);
	assert_int_equal(sg_be32_get(block_key + 4), 5);

	assert_int_equal(sg_block_encode(&b, ex_docids, ex_tfs, 3, 3, 40),
			 SG_OK);
	assert_bytes(b.data, b.len, block_val, sizeof(block_val));
	sg_buf_reset(&b);
	for (i = 0; i < 3; i++)
		assert_int_equal(sg_positions_encode(&b, pos[i], ex_tfs[i]),
				 SG_OK);
	assert_bytes(b.data, b.len, block_pos, sizeof(block_pos));
	sg_buf_release(&b);

	/* And back. */
	assert_int_equal(sg_block_open(&blk, 5, block_val, sizeof(block_val)),
			 SG_OK);
	assert_int_equal(blk.n, 3);
	assert_int_equal(blk.first, 5);
	assert_int_equal(blk.last, 12);
	assert_int_equal(blk.max_tf, 3);
	assert_int_equal(blk.min_dl, 40);
	assert_int_equal(sg_block_decode(&blk, docids, tfs), SG_OK);
	assert_memory_equal(docids, ex_docids, sizeof(ex_docids));
	assert_memory_equal(tfs, ex_tfs, sizeof(ex_tfs));
	for (i = 0; i < 3; i++) {
		assert_int_equal(sg_positions_decode(block_pos,
						     sizeof(block_pos), tfs,
						     (uint32_t)i, out), SG_OK);
		assert_memory_equal(out, pos[i], ex_tfs[i] * sizeof(*out));
	}
	/* One byte short is corrupt, never a read past the end. */
	assert_int_equal(sg_block_open(&blk, 5, block_val,
				       sizeof(block_val) - 1) == SG_OK &&
			 sg_block_decode(&blk, docids, tfs) == SG_OK, 0);
}

/* ---------------------------------------------- term record (FORMAT.md) */

/* The term of the block example, one batch: termid 300, df 3, cf 6,
 * max_tf 3, min_dl 40, no chain. */
static const uint8_t termrec_single[] = { 0xAC, 0x02, 0x03, 0x06, 0x03,
					  0x28, 0x00 };
/* After two more batches: chain elements (301, first docid 20) and (306,
 * first docid 31); df 6, cf 10, max_tf 4, min_dl 12. */
static const uint8_t termrec_chain[] = { 0xAC, 0x02, 0x06, 0x0A, 0x04,
					 0x0C, 0x02, 0xAD, 0x02, 0x14,
					 0xB2, 0x02, 0x1F };

static void test_termrec_golden(void **state)
{
	static const uint8_t more[] = { 0xAD, 0x02, 0x14, 0xB2, 0x02, 0x1F };
	sg_termrec t = { 300, 3, 6, 3, 40, 0, NULL, 0 }, d;
	uint32_t *termids, *firsts;
	sg_buf b = SG_BUF_INIT;
	size_t n;

	(void)state;
	assert_int_equal(sg_termrec_encode(&b, &t), SG_OK);
	assert_bytes(b.data, b.len, termrec_single, sizeof(termrec_single));
	assert_int_equal(sg_termrec_decode(&d, termrec_single,
					   sizeof(termrec_single)), SG_OK);
	assert_int_equal(d.termid, 300);
	assert_int_equal(d.df, 3);
	assert_int_equal(d.cf, 6);
	assert_int_equal(d.max_tf, 3);
	assert_int_equal(d.min_dl, 40);
	assert_int_equal(d.n_more, 0);

	t.df = 6;
	t.cf = 10;
	t.max_tf = 4;
	t.min_dl = 12;
	t.n_more = 2;
	t.more = more;
	t.more_len = sizeof(more);
	sg_buf_reset(&b);
	assert_int_equal(sg_termrec_encode(&b, &t), SG_OK);
	assert_bytes(b.data, b.len, termrec_chain, sizeof(termrec_chain));
	sg_buf_release(&b);
	assert_int_equal(sg_termrec_decode(&d, termrec_chain,
					   sizeof(termrec_chain)), SG_OK);
	assert_int_equal(d.termid, 300);
	assert_int_equal(d.df, 6);
	assert_int_equal(d.cf, 10);
	assert_int_equal(d.max_tf, 4);
	assert_int_equal(d.min_dl, 12);
	assert_int_equal(d.n_more, 2);
	assert_int_equal(sg_termrec_chain(&d, &termids, &firsts, &n), SG_OK);
	assert_int_equal(n, 3);
	assert_int_equal(termids[0], 300);
	assert_int_equal(firsts[0], 0);
	assert_int_equal(termids[1], 301);
	assert_int_equal(firsts[1], 20);
	assert_int_equal(termids[2], 306);
	assert_int_equal(firsts[2], 31);
	sg_free(termids);
	sg_free(firsts);
	/* Nothing may follow the chain, and it must be whole. */
	assert_int_equal(sg_termrec_decode(&d, termrec_chain,
					   sizeof(termrec_chain) - 1),
			 SG_ECORRUPT);
}

/* ------------------------------------------ document record (FORMAT.md) */

/* id "doc1", title "東京", stored {"a":1}, texts ["東京", "晴れ。"] (the
 * title and body fields), dl 2: the texts section is 18 bytes, under 128,
 * so it stays plain. */
static const uint8_t docrec_ex[] = {
	0x02,                                           /* dl */
	0xBA, 0xD4, 0xC1, 0xDA, 0x8A, 0xB5, 0x25, 0xBA, /* hash, BE */
	0x04, 'd', 'o', 'c', '1',                       /* id */
	0x06, 0xE6, 0x9D, 0xB1, 0xE4, 0xBA, 0xAC,       /* title 東京 */
	0x07, '{', '"', 'a', '"', ':', '1', '}',        /* stored */
	0x00,                                           /* flags */
	0x12,                                           /* texts: 18 bytes */
	0x02,                                           /*   n_texts */
	0x06, 0xE6, 0x9D, 0xB1, 0xE4, 0xBA, 0xAC,       /*   東京 */
	0x09, 0xE6, 0x99, 0xB4, 0xE3, 0x82, 0x8C,       /*   晴れ。 */
	0xE3, 0x80, 0x82,
};
/* What the hash covers: id, title, stored, each varint-length-prefixed,
 * then the uncompressed texts section. */
static const uint8_t docrec_hashed[] = {
	0x04, 'd', 'o', 'c', '1',
	0x06, 0xE6, 0x9D, 0xB1, 0xE4, 0xBA, 0xAC,
	0x07, '{', '"', 'a', '"', ':', '1', '}',
	0x02,
	0x06, 0xE6, 0x9D, 0xB1, 0xE4, 0xBA, 0xAC,
	0x09, 0xE6, 0x99, 0xB4, 0xE3, 0x82, 0x8C, 0xE3, 0x80, 0x82,
};
#define DOCREC_HASH UINT64_C(0xBAD4C1DA8AB525BA)

static void test_docrec_golden(void **state)
{
	sg_slice texts[2] = { { "東京", 6 }, { "晴れ。", 9 } };
	sg_doc doc;
	sg_buf b = SG_BUF_INIT, scratch = SG_BUF_INIT;
	sg_docrec r;
	uint64_t hash;

	(void)state;
	memset(&doc, 0, sizeof(doc));
	doc.id.ptr = "doc1";
	doc.id.len = 4;
	doc.title = texts[0];
	doc.stored.ptr = "{\"a\":1}";
	doc.stored.len = 7;
	doc.texts = texts;
	doc.n_texts = 2;
	assert_int_equal(sg_docrec_hash(&doc, &scratch, &hash), SG_OK);
	assert_true(hash == DOCREC_HASH);
	assert_true(XXH3_64bits(docrec_hashed, sizeof(docrec_hashed)) ==
		    DOCREC_HASH);
	assert_int_equal(sg_docrec_encode(&b, &doc, 2, hash, &scratch), SG_OK);
	assert_bytes(b.data, b.len, docrec_ex, sizeof(docrec_ex));
	sg_buf_release(&b);

	assert_int_equal(sg_docrec_decode(&r, docrec_ex, sizeof(docrec_ex)),
			 SG_OK);
	assert_int_equal(r.dl, 2);
	assert_true(r.hash == DOCREC_HASH);
	assert_int_equal(r.id.len, 4);
	assert_memory_equal(r.id.ptr, "doc1", 4);
	assert_int_equal(r.title.len, 6);
	assert_memory_equal(r.title.ptr, "東京", 6);
	assert_int_equal(r.stored.len, 7);
	assert_memory_equal(r.stored.ptr, "{\"a\":1}", 7);
	assert_int_equal(r.flags, 0);
	assert_int_equal(r.section.len, 18);
	assert_int_equal(sg_docrec_texts(&r, &scratch), SG_OK);
	assert_int_equal(r.n_texts, 2);
	assert_int_equal(r.texts[0].len, 6);
	assert_memory_equal(r.texts[0].ptr, "東京", 6);
	assert_int_equal(r.texts[1].len, 9);
	assert_memory_equal(r.texts[1].ptr, "晴れ。", 9);
	sg_buf_release(&scratch);
	/* An unknown flag bit is corrupt. */
	{
		uint8_t bad[sizeof(docrec_ex)];

		memcpy(bad, docrec_ex, sizeof(bad));
		bad[29] = 0x02;
		assert_int_equal(sg_docrec_decode(&r, bad, sizeof(bad)),
				 SG_ECORRUPT);
	}
}

/* A texts section of 128 bytes or more that zstd shrinks by a tenth is
 * stored compressed, flag bit 0 set; it decodes to the same texts and the
 * hash does not change with compression. */
static void test_docrec_zstd(void **state)
{
	char body[600];
	sg_slice texts[2] = { { "東京", 6 }, { body, 0 } };
	sg_doc doc;
	sg_buf b = SG_BUF_INIT, scratch = SG_BUF_INIT;
	sg_docrec r;
	size_t i;
	uint64_t hash;

	(void)state;
	for (i = 0; i + 9 <= sizeof(body); i += 9)
		memcpy(body + i, "東京都", 9);
	texts[1].len = i;
	memset(&doc, 0, sizeof(doc));
	doc.id.ptr = "doc1";
	doc.id.len = 4;
	doc.title = texts[0];
	doc.texts = texts;
	doc.n_texts = 2;
	assert_int_equal(sg_docrec_hash(&doc, &scratch, &hash), SG_OK);
	assert_int_equal(sg_docrec_encode(&b, &doc, 66, hash, &scratch),
			 SG_OK);
	assert_int_equal(sg_docrec_decode(&r, b.data, b.len), SG_OK);
	assert_int_equal(r.flags, SG_DOCREC_ZSTD);
	assert_true(r.section.len * 10 <= (6 + i + 4) * 9);
	/* zstd's frame magic, little-endian FD2FB528. */
	assert_memory_equal(r.section.ptr, "\x28\xB5\x2F\xFD", 4);
	assert_int_equal(sg_docrec_texts(&r, &scratch), SG_OK);
	assert_int_equal(r.n_texts, 2);
	assert_int_equal(r.texts[1].len, i);
	assert_memory_equal(r.texts[1].ptr, body, i);
	sg_buf_release(&b);
	sg_buf_release(&scratch);
}

/* ------------------------------------------------ lengths (FORMAT.md) */

static void test_lengths_golden(void **state)
{
	uint8_t chunk[SG_LEN_CHUNK * 4];
	uint32_t dl;
	size_t i;

	(void)state;
	memset(chunk, 0xFF, sizeof(chunk));
	/* docid 1025 is slot 1 of chunk 1: bytes 4..7, little-endian. */
	sg_le32_put(chunk + 4, 300);
	assert_memory_equal(chunk + 4, "\x2C\x01\x00\x00", 4);
	assert_int_equal(sg_lengths_decode(chunk, sizeof(chunk), 1025, &dl),
			 SG_OK);
	assert_int_equal(dl, 300);
	for (i = 0; i < SG_LEN_CHUNK; i++)
		if (i != 1) {
			assert_int_equal(sg_lengths_decode(chunk, sizeof(chunk),
							   (uint32_t)i, &dl),
					 SG_OK);
			assert_true(dl == SG_DL_DEAD);
		}
	assert_int_equal(sg_lengths_decode(chunk, sizeof(chunk) - 1, 1, &dl),
			 SG_ECORRUPT);
	assert_int_equal(sg_lengths_decode(chunk, 0, 1, &dl), SG_ECORRUPT);
}

/* --------------------------------------------------- meta (FORMAT.md) */

static const uint8_t meta_magic[] = { 's', 'a', 'g', 'a', 's', 'u', '-',
				      'i', 'n', 'd', 'e', 'x' };
static const uint8_t meta_format[] = { 0x00, 0x00, 0x00, 0x03 };
static const uint8_t meta_fields[] = { 't', 'i', 't', 'l', 'e', ',',
				       'b', 'o', 'd', 'y' };
static const uint8_t meta_block_size[] = { 0x00, 0x00, 0x00, 0x80 };
static const uint8_t meta_substring_on[] = { '1' };
static const uint8_t meta_substring_off[] = { '0' };
/* A new index: n_docs 0, total_len 0, n_dead 0, next_docid 1,
 * next_termid 1. */
static const uint8_t meta_stats_new[] = { 0x00, 0x00, 0x00, 0x01, 0x01 };
/* n_docs 3, total_len 300, n_dead 1, next_docid 5, next_termid 200. */
static const uint8_t meta_stats_ex[] = { 0x03, 0xAC, 0x02, 0x01, 0x05,
					 0xC8, 0x01 };

static void test_meta_golden(void **state)
{
	char dir[256];
	sg_index *idx;
	sg_buf v = SG_BUF_INIT;
	sg_error err = SG_ERROR_INIT;
	sg_meta_stats ms = { 3, 300, 1, 5, 200 }, got;
	const char *an;
	MDB_txn *txn;

	(void)state;
	idx = new_index(dir, sizeof(dir), 0, 0);
	an = sg_analyzer_config(sg_index_analyzer(idx));
	assert_int_equal(strncmp(an, "sagasu-analyzer/2 ", 18), 0);
	get_raw(idx, SG_DB_META, "magic", 5, &v);
	assert_bytes(v.data, v.len, meta_magic, sizeof(meta_magic));
	get_raw(idx, SG_DB_META, "format", 6, &v);
	assert_bytes(v.data, v.len, meta_format, sizeof(meta_format));
	assert_int_equal(sg_be32_get(meta_format), SG_FORMAT_VERSION);
	get_raw(idx, SG_DB_META, "analyzer", 8, &v);
	assert_bytes(v.data, v.len, (const uint8_t *)an, strlen(an));
	get_raw(idx, SG_DB_META, "fields", 6, &v);
	assert_bytes(v.data, v.len, meta_fields, sizeof(meta_fields));
	get_raw(idx, SG_DB_META, "block_size", 10, &v);
	assert_bytes(v.data, v.len, meta_block_size, sizeof(meta_block_size));
	get_raw(idx, SG_DB_META, "substring", 9, &v);
	assert_bytes(v.data, v.len, meta_substring_on,
		     sizeof(meta_substring_on));
	get_raw(idx, SG_DB_META, "stats", 5, &v);
	assert_bytes(v.data, v.len, meta_stats_new, sizeof(meta_stats_new));

	/* The stats of the example, written and read back. */
	assert_int_equal(sg_store_begin(&idx->st, 1, &txn, &err), SG_OK);
	assert_int_equal(sg_meta_write_stats(idx, txn, &ms, &err), SG_OK);
	assert_int_equal(sg_meta_read_stats(idx, txn, &got, &err), SG_OK);
	assert_true(got.n_docs == 3 && got.total_len == 300 &&
		    got.n_dead == 1 && got.next_docid == 5 &&
		    got.next_termid == 200);
	mdb_txn_abort(txn); /* the index stays as created */
	{
		sg_buf enc = SG_BUF_INIT;
		MDB_val k = { 5, (void *)(uintptr_t)"stats" }, val;

		assert_int_equal(sg_store_begin(&idx->st, 1, &txn, &err),
				 SG_OK);
		assert_int_equal(sg_meta_write_stats(idx, txn, &ms, &err),
				 SG_OK);
		assert_int_equal(mdb_get(txn, idx->st.dbi[SG_DB_META], &k,
					 &val), MDB_SUCCESS);
		assert_int_equal(sg_buf_append(&enc, val.mv_data,
					       val.mv_size), SG_OK);
		mdb_txn_abort(txn);
		assert_bytes(enc.data, enc.len, meta_stats_ex,
			     sizeof(meta_stats_ex));
		sg_buf_release(&enc);
	}
	sg_index_close(idx);
	remove_index(dir);

	/* --no-substring and a block size of 4. */
	idx = new_index(dir, sizeof(dir), 4, 1);
	get_raw(idx, SG_DB_META, "substring", 9, &v);
	assert_bytes(v.data, v.len, meta_substring_off,
		     sizeof(meta_substring_off));
	get_raw(idx, SG_DB_META, "block_size", 10, &v);
	assert_bytes(v.data, v.len, (const uint8_t *)"\0\0\0\x04", 4);
	sg_index_close(idx);
	remove_index(dir);
	sg_buf_release(&v);
}

/* ------------------------------------------ substring grams (FORMAT.md) */

/* The worked example of "substring grams": one document, id "doc1",
 * title "東京", body "京都", in a new substring index of block size 4. */
#define KV(k, v) { k, sizeof(k), v, sizeof(v) }
#define TOKYO 0xE6, 0x9D, 0xB1, 0xE4, 0xBA, 0xAC  /* 東京 */
#define KYOTO 0xE4, 0xBA, 0xAC, 0xE9, 0x83, 0xBD  /* 京都 */
#define HIGASHI 0xE6, 0x9D, 0xB1                  /* 東 */
#define KYO 0xE4, 0xBA, 0xAC                      /* 京 */
#define MIYAKO 0xE9, 0x83, 0xBD                   /* 都 */

/* docid 1's fieldpos record: title (npos 1, nchars 2, dl 1), body the
 * same. */
static const uint8_t fieldpos[] = { 0x01, 0x02, 0x01, 0x01, 0x02, 0x01 };

static void test_gram_keys_golden(void **state)
{
	/* Termids in term byte order; a NUL sorts the grams first. */
	static const uint8_t k_kyo[] = { 0x00, KYO };
	static const uint8_t k_kyoto[] = { 0x00, KYOTO };
	static const uint8_t k_higashi[] = { 0x00, HIGASHI };
	static const uint8_t k_tokyo[] = { 0x00, TOKYO };
	static const uint8_t k_miyako[] = { 0x00, MIYAKO };
	static const uint8_t k_m_kyoto[] = { KYOTO };
	static const uint8_t k_m_tokyo[] = { TOKYO };
	static const uint8_t r1[] = { 0x01, 0x01, 0x02, 0x02, 0x02, 0x00 };
	static const uint8_t r2[] = { 0x02, 0x01, 0x01, 0x01, 0x02, 0x00 };
	static const uint8_t r3[] = { 0x03, 0x01, 0x01, 0x01, 0x02, 0x00 };
	static const uint8_t r4[] = { 0x04, 0x01, 0x01, 0x01, 0x02, 0x00 };
	static const uint8_t r5[] = { 0x05, 0x01, 0x01, 0x01, 0x02, 0x00 };
	static const uint8_t r6[] = { 0x06, 0x01, 0x01, 0x01, 0x02, 0x00 };
	static const uint8_t r7[] = { 0x07, 0x01, 0x01, 0x01, 0x02, 0x00 };
	static const uint8_t p1[] = { 0x00, 0x00, 0x00, 0x01, 0, 0, 0, 1 };
	static const uint8_t p2[] = { 0x00, 0x00, 0x00, 0x02, 0, 0, 0, 1 };
	static const uint8_t p3[] = { 0x00, 0x00, 0x00, 0x03, 0, 0, 0, 1 };
	static const uint8_t p4[] = { 0x00, 0x00, 0x00, 0x04, 0, 0, 0, 1 };
	static const uint8_t p5[] = { 0x00, 0x00, 0x00, 0x05, 0, 0, 0, 1 };
	static const uint8_t p6[] = { 0x00, 0x00, 0x00, 0x06, 0, 0, 0, 1 };
	static const uint8_t p7[] = { 0x00, 0x00, 0x00, 0x07, 0, 0, 0, 1 };
	/* n 1, last_gap 0, max_tf, min_dl 2, tf */
	static const uint8_t b_tf2[] = { 0x01, 0x00, 0x02, 0x02, 0x02 };
	static const uint8_t b_tf1[] = { 0x01, 0x00, 0x01, 0x02, 0x01 };
	static const uint8_t pos0[] = { 0x00 }, pos2[] = { 0x02 },
			     pos3[] = { 0x03 };
	const struct kv terms[] = {
		KV(k_kyo, r1), KV(k_kyoto, r2), KV(k_higashi, r3),
		KV(k_tokyo, r4), KV(k_miyako, r5), KV(k_m_kyoto, r6),
		KV(k_m_tokyo, r7),
	};
	const struct kv postings[] = {
		KV(p1, b_tf2), KV(p2, b_tf1), KV(p3, b_tf1), KV(p4, b_tf1),
		KV(p5, b_tf1), KV(p6, b_tf1), KV(p7, b_tf1),
	};
	/* Unigrams (termids 1, 3, 5) have no positions. Bigram 京都 at
	 * character 3 (東 0, 京 1, the field gap 2, 京 3, 都 4), bigram 東京
	 * at 0; the morphemes 京都 at token 2 (東京 0, the gap 1) and 東京
	 * at 0. */
	const struct kv positions[] = {
		KV(p2, pos3), KV(p4, pos0), KV(p6, pos2), KV(p7, pos0),
	};
	static const uint8_t stats[] = { 0x01, 0x02, 0x00, 0x02, 0x08 };
	static const uint8_t fieldstats[] = { 0x01, 0x01 };
	sg_slice texts[2] = { { "東京", 6 }, { "京都", 6 } };
	sg_error err = SG_ERROR_INIT;
	sg_writer_options wo = SG_WRITER_OPTIONS_INIT;
	sg_writer *w;
	sg_buf v = SG_BUF_INIT;
	sg_doc doc;
	char dir[256];
	sg_index *idx;

	(void)state;
	assert_true(sg_term_is_gram((const char *)k_kyo, sizeof(k_kyo)));
	assert_false(sg_term_has_positions((const char *)k_kyo,
					   sizeof(k_kyo)));
	assert_true(sg_term_is_gram((const char *)k_kyoto, sizeof(k_kyoto)));
	assert_true(sg_term_has_positions((const char *)k_kyoto,
					  sizeof(k_kyoto)));
	assert_false(sg_term_is_gram((const char *)k_m_kyoto,
				     sizeof(k_m_kyoto)));
	assert_true(sg_term_has_positions((const char *)k_m_kyoto,
					  sizeof(k_m_kyoto)));

	idx = new_index(dir, sizeof(dir), 4, 0);
	memset(&doc, 0, sizeof(doc));
	doc.id.ptr = "doc1";
	doc.id.len = 4;
	doc.title = texts[0];
	doc.texts = texts;
	doc.n_texts = 2;
	wo.threads = 1;
	assert_int_equal(sg_writer_open(idx, &wo, &w, &err), SG_OK);
	assert_int_equal(sg_writer_add(w, &doc, &err), SG_OK);
	assert_int_equal(sg_writer_commit(w, &err), SG_OK);
	sg_writer_free(w);

	assert_db(idx, SG_DB_TERMS, terms, ARRAY_LEN(terms));
	assert_db(idx, SG_DB_POSTINGS, postings, ARRAY_LEN(postings));
	assert_db(idx, SG_DB_POSITIONS, positions, ARRAY_LEN(positions));
	get_raw(idx, SG_DB_META, "stats", 5, &v);
	assert_bytes(v.data, v.len, stats, sizeof(stats));
	/* The lengths chunk 0: slot 0 dead, slot 1 (docid 1) dl 2. */
	get_raw(idx, SG_DB_LENGTHS, "\0\0\0\0", 4, &v);
	assert_int_equal(v.len, SG_LEN_CHUNK * 4);
	assert_memory_equal(v.data, "\xFF\xFF\xFF\xFF\x02\x00\x00\x00", 8);
	get_raw(idx, SG_DB_IDS, "doc1", 4, &v);
	assert_bytes(v.data, v.len, (const uint8_t *)"\0\0\0\x01", 4);
	/* fieldpos: title 東京 used 1 position, 2 characters, 1 term; body
	 * 京都 the same; meta fieldstats: 1 and 1. */
	get_raw(idx, SG_DB_FIELDPOS, "\0\0\0\x01", 4, &v);
	assert_bytes(v.data, v.len, fieldpos, sizeof(fieldpos));
	get_raw(idx, SG_DB_META, "fieldstats", 10, &v);
	assert_bytes(v.data, v.len, fieldstats, sizeof(fieldstats));
	sg_buf_release(&v);
	sg_index_close(idx);
	remove_index(dir);
}

/* The fieldpos record of the example above, decoded (spans derived, the
 * field gap of one position and one character), encoded back, and every
 * way its bytes can be wrong. */
static void test_fieldpos_golden(void **state)
{
	sg_fieldspan s[2];
	sg_buf b = SG_BUF_INIT;
	static const uint8_t trailing[] = { 0x01, 0x02, 0x01, 0x01, 0x02, 0x01,
					    0x00 };
	static const uint8_t overlong[] = { 0x01, 0x02, 0x01, 0x80, 0x80, 0x80,
					    0x80, 0x80, 0x01, 0x02, 0x01 };
	static const uint8_t wraps[] = { 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x00,
					 0x00, 0x01, 0x00, 0x00 };

	(void)state;
	assert_int_equal(sg_fieldpos_decode(fieldpos, sizeof(fieldpos), s, 2),
			 SG_OK);
	assert_int_equal(s[0].pos, 0);
	assert_int_equal(s[0].npos, 1);
	assert_int_equal(s[0].cpos, 0);
	assert_int_equal(s[0].nchars, 2);
	assert_int_equal(s[0].dl, 1);
	assert_int_equal(s[1].pos, 2);   /* 京都 is token 2 */
	assert_int_equal(s[1].cpos, 3);  /* and its 京 character 3 */
	assert_int_equal(s[1].dl, 1);
	assert_int_equal(sg_fieldpos_encode(&b, s, 2), SG_OK);
	assert_bytes(b.data, b.len, fieldpos, sizeof(fieldpos));
	sg_buf_release(&b);
	/* truncated, trailing bytes, too few fields, a varint over 32 bits,
	 * a field reaching past 2^32 positions */
	assert_int_equal(sg_fieldpos_decode(fieldpos, 5, s, 2), SG_ECORRUPT);
	assert_int_equal(sg_fieldpos_decode(trailing, sizeof(trailing), s, 2),
			 SG_ECORRUPT);
	assert_int_equal(sg_fieldpos_decode(fieldpos, sizeof(fieldpos), s, 1),
			 SG_ECORRUPT);
	assert_int_equal(sg_fieldpos_decode(overlong, sizeof(overlong), s, 2),
			 SG_ECORRUPT);
	assert_int_equal(sg_fieldpos_decode(wraps, sizeof(wraps), s, 2),
			 SG_ECORRUPT);
}

/* An index made before the fieldpos table (the table and meta fieldstats
 * dropped with LMDB directly, as such an index lacks them): it opens,
 * searches, takes documents and checks whole; FIELD:word and weights
 * over its two fields are refused with the fix, weights all 1 are not
 * weights at all. */
static void test_without_fieldpos(void **state)
{
	sg_slice texts[2] = { { "東京", 6 }, { "京都の寺", 12 } };
	sg_search_options so = SG_SEARCH_OPTIONS_INIT;
	sg_index_options io = SG_INDEX_OPTIONS_INIT;
	sg_writer_options wo = SG_WRITER_OPTIONS_INIT;
	sg_error err = SG_ERROR_INIT;
	sg_check_report rep;
	sg_searcher *se;
	sg_results *res;
	sg_writer *w;
	MDB_txn *txn;
	MDB_val k = { 10, (void *)(uintptr_t)"fieldstats" };
	sg_doc doc;
	char dir[256];
	sg_index *idx;

	(void)state;
	idx = new_index(dir, sizeof(dir), 0, 0);
	memset(&doc, 0, sizeof(doc));
	doc.id.ptr = "doc1";
	doc.id.len = 4;
	doc.title = texts[0];
	doc.texts = texts;
	doc.n_texts = 2;
	wo.threads = 1;
	assert_int_equal(sg_writer_open(idx, &wo, &w, &err), SG_OK);
	assert_int_equal(sg_writer_add(w, &doc, &err), SG_OK);
	assert_int_equal(sg_writer_commit(w, &err), SG_OK);
	sg_writer_free(w);
	assert_int_equal(sg_store_begin(&idx->st, 1, &txn, &err), SG_OK);
	assert_int_equal(mdb_drop(txn, idx->st.dbi[SG_DB_FIELDPOS], 1),
			 MDB_SUCCESS);
	assert_int_equal(mdb_del(txn, idx->st.dbi[SG_DB_META], &k, NULL),
			 MDB_SUCCESS);
	assert_int_equal(sg_store_commit(&idx->st, txn, &err), SG_OK);
	sg_index_close(idx);

	assert_int_equal(sg_index_open(dir, &io, &idx, &err), SG_OK);
	assert_false(sg_fieldpos_present(idx));
	doc.id.ptr = "doc2"; /* a writable index without the table */
	assert_int_equal(sg_writer_open(idx, &wo, &w, &err), SG_OK);
	assert_int_equal(sg_writer_add(w, &doc, &err), SG_OK);
	assert_int_equal(sg_writer_commit(w, &err), SG_OK);
	sg_writer_free(w);
	assert_int_equal(sg_index_check(idx, &rep, &err), SG_OK);
	assert_int_equal(sg_searcher_open(idx, &se, &err), SG_OK);
	assert_int_equal(sg_search(se, "京都", 6, &so, &res, &err), SG_OK);
	assert_int_equal(res->total, 2);
	sg_results_free(res);
	assert_int_equal(sg_search(se, "title:京都", 12, &so, &res, &err),
			 SG_EINVAL);
	assert_non_null(strstr(err.msg, "kept no per-field positions, which "
				       "title: needs: rebuild it"));
	so.weights = "title=2";
	assert_int_equal(sg_search(se, "京都", 6, &so, &res, &err), SG_EINVAL);
	assert_non_null(strstr(err.msg, "which --weights needs"));
	so.weights = "title=1,body=1";
	assert_int_equal(sg_search(se, "京都", 6, &so, &res, &err), SG_OK);
	assert_int_equal(res->total, 2);
	sg_results_free(res);
	sg_searcher_free(se);
	sg_index_close(idx);
	remove_index(dir);
}

/* ------------------------------------------------------ format version */

/* Rewrites meta "format" of the index in dir to `version`, with LMDB
 * directly (what an index of that version holds there). */
static void set_format(sg_index *idx, uint32_t version)
{
	sg_error err = SG_ERROR_INIT;
	uint8_t b[4];
	MDB_txn *txn;
	MDB_val k = { 6, (void *)(uintptr_t)"format" }, v = { 4, b };

	sg_be32_put(b, version);
	assert_int_equal(sg_store_begin(&idx->st, 1, &txn, &err), SG_OK);
	assert_int_equal(mdb_put(txn, idx->st.dbi[SG_DB_META], &k, &v, 0),
			 MDB_SUCCESS);
	assert_int_equal(sg_store_commit(&idx->st, txn, &err), SG_OK);
}

/* Opens dir readonly and writable; both must refuse with SG_EVERSION and
 * a message holding each of want[]. */
static void assert_refused(const char *dir, const char *const *want,
			   size_t n_want)
{
	sg_index_options io = SG_INDEX_OPTIONS_INIT;
	sg_error err = SG_ERROR_INIT;
	sg_index *idx = NULL;
	int ro;
	size_t i;

	for (ro = 0; ro <= 1; ro++) {
		io.readonly = ro;
		io.create = !ro;
		assert_int_equal(sg_index_open(dir, &io, &idx, &err),
				 SG_EVERSION);
		assert_null(idx);
		assert_int_equal(err.code, SG_EVERSION);
		for (i = 0; i < n_want; i++)
			if (!strstr(err.msg, want[i]))
				fail_msg("'%s' lacks '%s'", err.msg, want[i]);
		assert_null(strstr(err.msg, "corrupt"));
		assert_null(strstr(err.msg, "damaged"));
	}
}

static void version_case(uint32_t version, int drop_substring,
			 const char *const *want, size_t n_want)
{
	char dir[256], where[300];
	const char *with_dir[8];
	sg_index *idx = new_index(dir, sizeof(dir), 0, 0);
	size_t i;

	set_format(idx, version);
	if (drop_substring) {
		/* Format 2 indexes may predate the substring record: the
		 * version must be what refuses them, not its absence. */
		sg_error err = SG_ERROR_INIT;
		MDB_txn *txn;
		MDB_val k = { 9, (void *)(uintptr_t)"substring" };

		assert_int_equal(sg_store_begin(&idx->st, 1, &txn, &err),
				 SG_OK);
		assert_int_equal(mdb_del(txn, idx->st.dbi[SG_DB_META], &k,
					 NULL), MDB_SUCCESS);
		assert_int_equal(sg_store_commit(&idx->st, txn, &err), SG_OK);
	}
	sg_index_close(idx);
	snprintf(where, sizeof(where), "%s was built by", dir);
	with_dir[0] = where;
	for (i = 0; i < n_want && i + 1 < ARRAY_LEN(with_dir); i++)
		with_dir[i + 1] = want[i];
	assert_refused(dir, with_dir, i + 1);
	remove_index(dir);
}

static void test_version_older(void **state)
{
	static const char *const want[] = {
		"sagasu format 2", "this sagasu reads format 3",
		"rebuild it with `sagasu index` into a new directory",
	};

	(void)state;
	version_case(2, 0, want, ARRAY_LEN(want));
	version_case(2, 1, want, ARRAY_LEN(want));
}

static void test_version_older_1(void **state)
{
	static const char *const want[] = {
		"sagasu format 1", "this sagasu reads format 3",
		"rebuild it with `sagasu index`",
	};

	(void)state;
	version_case(1, 1, want, ARRAY_LEN(want));
}

static void test_version_newer(void **state)
{
	static const char *const want[] = {
		"a newer sagasu (format 99)", "this sagasu reads format 3",
		"rebuild it with `sagasu index` into a new directory",
	};

	(void)state;
	version_case(99, 0, want, ARRAY_LEN(want));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_block_golden),
		cmocka_unit_test(test_termrec_golden),
		cmocka_unit_test(test_docrec_golden),
		cmocka_unit_test(test_docrec_zstd),
		cmocka_unit_test(test_lengths_golden),
		cmocka_unit_test(test_meta_golden),
		cmocka_unit_test(test_gram_keys_golden),
		cmocka_unit_test(test_fieldpos_golden),
		cmocka_unit_test(test_without_fieldpos),
		cmocka_unit_test(test_version_older),
		cmocka_unit_test(test_version_older_1),
		cmocka_unit_test(test_version_newer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
