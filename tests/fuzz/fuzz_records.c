/*
 * fuzz_records.c — libFuzzer target for the stored records of an index
 * (docs/FORMAT.md): a term record (common/index.c sg_termrec_decode and
 * sg_termrec_chain), a document record (common/docrec.c sg_docrec_decode
 * and sg_docrec_texts, zstd included) and a lengths chunk
 * (sg_lengths_decode).
 *
 *   tests/fuzz/run.sh 60 records    (builds it with tests/fuzz/fuzz.mk)
 *
 * The whole input is decoded as each of the three records, from a heap
 * copy of exactly its size, so a read past the end is an ASan report (LMDB
 * values have no slack either). Checks, besides memory errors:
 *  - every decoder returns 0 or SG_ECORRUPT (sg_docrec_texts: or
 *    SG_ENOMEM), never anything else;
 *  - a term record that decodes re-encodes (sg_termrec_encode) to the very
 *    input bytes (every varint is canonical), and its chain, when it
 *    decodes, has n_more + 1 strictly ascending termids and first docids;
 *  - a document record that decodes re-encodes (sg_docrec_encode_packed) to
 *    the input bytes; its slices lie inside the input; its texts, when
 *    they decode from a plain section, re-encode to that section;
 *  - a lengths chunk decodes iff it is SG_LEN_CHUNK * 4 bytes, to the
 *    little-endian u32 of its slot.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "buf.h"
#include "docrec.h"
#include "index.h"
#include "sagasu.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t *copy(const uint8_t *p, size_t n)
{
	uint8_t *c = malloc(n ? n : 1);

	if (!c)
		abort();
	if (n)
		memcpy(c, p, n);
	return c;
}

static int inside(const sg_slice *s, const uint8_t *val, size_t len)
{
	const uint8_t *p = (const uint8_t *)s->ptr;

	return p >= val && s->len <= len && p - val <= (ptrdiff_t)(len - s->len);
}

static void check_termrec(const uint8_t *val, size_t len)
{
	sg_termrec t;
	sg_buf enc = SG_BUF_INIT;
	uint32_t *termids, *firsts;
	size_t n, i;
	int rc = sg_termrec_decode(&t, val, len);

	if (rc != SG_OK) {
		if (rc != SG_ECORRUPT)
			abort();
		return;
	}
	if (sg_termrec_encode(&enc, &t) != SG_OK || enc.len != len ||
	    memcmp(enc.data, val, len) != 0)
		abort();
	sg_buf_release(&enc);
	rc = sg_termrec_chain(&t, &termids, &firsts, &n);
	if (rc != SG_OK) {
		if (rc != SG_ECORRUPT && rc != SG_ENOMEM)
			abort();
		return;
	}
	if (n != (size_t)t.n_more + 1 || termids[0] != t.termid ||
	    firsts[0] != 0)
		abort();
	for (i = 1; i < n; i++)
		if (termids[i] <= termids[i - 1] || firsts[i] <= firsts[i - 1])
			abort();
	sg_free(termids);
	sg_free(firsts);
}

static void check_docrec(const uint8_t *val, size_t len)
{
	sg_docrec r;
	sg_doc d;
	sg_buf enc = SG_BUF_INIT, scratch = SG_BUF_INIT;
	size_t i;
	int rc = sg_docrec_decode(&r, val, len);

	if (rc != SG_OK) {
		if (rc != SG_ECORRUPT)
			abort();
		return;
	}
	if (!inside(&r.id, val, len) || !inside(&r.title, val, len) ||
	    !inside(&r.stored, val, len) || !inside(&r.section, val, len) ||
	    (r.flags & ~(unsigned)SG_DOCREC_ZSTD) != 0)
		abort();
	memset(&d, 0, sizeof(d));
	d.id = r.id;
	d.title = r.title;
	d.stored = r.stored;
	if (sg_docrec_encode_packed(&enc, &d, r.dl, r.hash, r.flags,
				    r.section.ptr, r.section.len) != SG_OK ||
	    enc.len != len || memcmp(enc.data, val, len) != 0)
		abort();
	rc = sg_docrec_texts(&r, &scratch);
	if (rc == SG_OK) {
		if (r.n_texts > SG_FIELDS_MAX)
			abort();
		if (!(r.flags & SG_DOCREC_ZSTD)) {
			for (i = 0; i < r.n_texts; i++)
				if (!inside(&r.texts[i], val, len))
					abort();
			/* The section again from its texts. */
			sg_buf_reset(&enc);
			if (sg_buf_put_varint(&enc, r.n_texts) != SG_OK)
				abort();
			for (i = 0; i < r.n_texts; i++)
				if (sg_buf_put_bytes(&enc, r.texts[i].ptr,
						     r.texts[i].len) != SG_OK)
					abort();
			if (enc.len != r.section.len ||
			    memcmp(enc.data, r.section.ptr, enc.len) != 0)
				abort();
		}
	} else if (rc != SG_ECORRUPT && rc != SG_ENOMEM) {
		abort();
	}
	sg_buf_release(&enc);
	sg_buf_release(&scratch);
}

static void check_lengths(const uint8_t *val, size_t len, uint32_t docid)
{
	uint32_t dl = 0;
	int rc = sg_lengths_decode(val, len, docid, &dl);

	if (len != SG_LEN_CHUNK * 4) {
		if (rc != SG_ECORRUPT)
			abort();
		return;
	}
	if (rc != SG_OK ||
	    dl != sg_le32_get(val + 4 * (docid % SG_LEN_CHUNK)))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *val = copy(data, size);
	uint32_t docid = size >= 4 ? sg_be32_get(data) : (uint32_t)size;

	check_termrec(val, size);
	check_docrec(val, size);
	check_lengths(val, size, docid);
	free(val);
	return 0;
}
