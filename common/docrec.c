#include "docrec.h"

#include <xxhash.h>
#include <zstd.h>

#include "byteorder.h"
#include "varint.h"

#define ZSTD_LEVEL 3
#define MIN_COMPRESS 128 /* bytes of texts below which we do not try */

static int encode_texts(sg_buf *out, const sg_doc *doc)
{
	size_t i;
	int rc = sg_buf_put_varint(out, doc->n_texts);

	for (i = 0; i < doc->n_texts && rc == SG_OK; i++)
		rc = sg_buf_put_bytes(out, doc->texts[i].ptr, doc->texts[i].len);
	return rc;
}

int sg_docrec_hash(const sg_doc *doc, sg_buf *scratch, uint64_t *hash)
{
	sg_buf_reset(scratch);
	if (sg_buf_put_bytes(scratch, doc->id.ptr, doc->id.len) != SG_OK ||
	    sg_buf_put_bytes(scratch, doc->title.ptr, doc->title.len) != SG_OK ||
	    sg_buf_put_bytes(scratch, doc->stored.ptr, doc->stored.len) != SG_OK ||
	    encode_texts(scratch, doc) != SG_OK)
		return SG_ENOMEM;
	*hash = XXH3_64bits(scratch->data, scratch->len);
	return SG_OK;
}

int sg_docrec_pack_texts(const sg_doc *doc, sg_buf *section,
			 unsigned *flags, sg_buf *scratch)
{
	size_t bound, n;

	sg_buf_reset(section);
	sg_buf_reset(scratch);
	*flags = 0;
	if (encode_texts(scratch, doc) != SG_OK)
		return SG_ENOMEM;
	if (scratch->len >= MIN_COMPRESS) {
		bound = ZSTD_compressBound(scratch->len);
		if (sg_buf_reserve(section, bound) != SG_OK)
			return SG_ENOMEM;
		n = ZSTD_compress(section->data, bound, scratch->data,
				  scratch->len, ZSTD_LEVEL);
		if (!ZSTD_isError(n) && n * 10 <= scratch->len * 9) {
			section->len = n;
			section->data[n] = '\0';
			*flags = SG_DOCREC_ZSTD;
			return SG_OK;
		}
	}
	return sg_buf_append(section, scratch->data, scratch->len);
}

int sg_docrec_encode_packed(sg_buf *out, const sg_doc *doc, uint32_t dl,
			    uint64_t hash, unsigned flags,
			    const void *section, size_t section_len)
{
	uint8_t h[8];
	int rc;

	sg_be64_put(h, hash);
	rc = sg_buf_put_varint(out, dl);
	if (rc == SG_OK)
		rc = sg_buf_append(out, h, 8);
	if (rc == SG_OK)
		rc = sg_buf_put_bytes(out, doc->id.ptr, doc->id.len);
	if (rc == SG_OK)
		rc = sg_buf_put_bytes(out, doc->title.ptr, doc->title.len);
	if (rc == SG_OK)
		rc = sg_buf_put_bytes(out, doc->stored.ptr, doc->stored.len);
	if (rc == SG_OK)
		rc = sg_buf_putc(out, (char)flags);
	if (rc == SG_OK)
		rc = sg_buf_put_bytes(out, section, section_len);
	return rc;
}

int sg_docrec_encode(sg_buf *out, const sg_doc *doc, uint32_t dl,
		     uint64_t hash, sg_buf *scratch)
{
	sg_buf section = SG_BUF_INIT;
	unsigned flags;
	int rc = sg_docrec_pack_texts(doc, &section, &flags, scratch);

	if (rc == SG_OK)
		rc = sg_docrec_encode_packed(out, doc, dl, hash, flags,
					     section.data ? section.data : "",
					     section.len);
	sg_buf_release(&section);
	return rc;
}

static int get_slice(const uint8_t **p, const uint8_t *end, sg_slice *s)
{
	uint64_t n;

	if (sg_varint_get64(p, end, &n) || n > (uint64_t)(end - *p))
		return SG_ECORRUPT;
	s->ptr = (const char *)*p;
	s->len = (size_t)n;
	*p += n;
	return SG_OK;
}

int sg_docrec_decode(sg_docrec *r, const void *val, size_t len)
{
	const uint8_t *p = val, *end = p + len;

	r->n_texts = 0;
	if (sg_varint_get32(&p, end, &r->dl) || end - p < 8)
		return SG_ECORRUPT;
	r->hash = sg_be64_get(p);
	p += 8;
	if (get_slice(&p, end, &r->id) || get_slice(&p, end, &r->title) ||
	    get_slice(&p, end, &r->stored) || p >= end)
		return SG_ECORRUPT;
	r->flags = *p++;
	if (r->flags & ~(unsigned)SG_DOCREC_ZSTD || get_slice(&p, end, &r->section) ||
	    p != end)
		return SG_ECORRUPT;
	return SG_OK;
}

int sg_docrec_texts(sg_docrec *r, sg_buf *scratch)
{
	const uint8_t *p, *end;
	uint64_t n;
	size_t i;

	p = (const uint8_t *)r->section.ptr;
	end = p + r->section.len;
	if (r->flags & SG_DOCREC_ZSTD) {
		unsigned long long size = ZSTD_getFrameContentSize(p, r->section.len);
		size_t got;

		/* The frame header's content size is not trusted before it
		 * is allocated: a damaged record claiming 2 GiB must be
		 * corrupt, not a 4 GiB allocation (fuzz_records found it).
		 * A zstd block regenerates at most 128 KiB and takes at
		 * least 3 bytes of the frame, so a frame of n bytes holds at
		 * most (n / 3 + 1) * 128 KiB. */
		if (size == ZSTD_CONTENTSIZE_ERROR ||
		    size == ZSTD_CONTENTSIZE_UNKNOWN || size > ((size_t)1 << 31) ||
		    size > ((unsigned long long)r->section.len / 3 + 1) *
			   ZSTD_BLOCKSIZE_MAX)
			return SG_ECORRUPT;
		sg_buf_reset(scratch);
		if (sg_buf_reserve(scratch, (size_t)size) != SG_OK)
			return SG_ENOMEM;
		got = ZSTD_decompress(scratch->data, (size_t)size, p,
				      r->section.len);
		if (ZSTD_isError(got) || got != size)
			return SG_ECORRUPT;
		scratch->len = got;
		scratch->data[got] = '\0';
		p = (const uint8_t *)scratch->data;
		end = p + got;
	}
	if (sg_varint_get64(&p, end, &n) || n > SG_FIELDS_MAX)
		return SG_ECORRUPT;
	r->n_texts = (size_t)n;
	for (i = 0; i < r->n_texts; i++)
		if (get_slice(&p, end, &r->texts[i]))
			return SG_ECORRUPT;
	return p == end ? SG_OK : SG_ECORRUPT;
}
