#include "docrec.h"

#include <xxhash.h>

#include "store.h"
#include "varint.h"

static int encode_content(sg_buf *out, const sg_doc *doc)
{
	size_t i;
	int rc;

	rc = sg_buf_put_bytes(out, doc->id.ptr, doc->id.len);
	rc |= sg_buf_put_bytes(out, doc->title.ptr, doc->title.len);
	rc |= sg_buf_put_varint(out, doc->n_texts);
	for (i = 0; i < doc->n_texts; i++)
		rc |= sg_buf_put_bytes(out, doc->texts[i].ptr,
				       doc->texts[i].len);
	rc |= sg_buf_put_bytes(out, doc->stored.ptr, doc->stored.len);
	return rc ? SG_ENOMEM : SG_OK;
}

uint64_t sg_docrec_hash(const sg_doc *doc, sg_buf *scratch)
{
	sg_buf_reset(scratch);
	if (encode_content(scratch, doc) != SG_OK)
		return 0;
	return XXH3_64bits(scratch->data, scratch->len);
}

int sg_docrec_encode(sg_buf *out, const sg_doc *doc, uint32_t dl,
		     uint64_t hash)
{
	uint8_t h[8];

	sg_be64_put(h, hash);
	if (sg_buf_put_varint(out, dl) || sg_buf_append(out, h, 8))
		return SG_ENOMEM;
	return encode_content(out, doc);
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
	uint64_t n;
	size_t i;

	if (sg_varint_get32(&p, end, &r->dl) || end - p < 8)
		return SG_ECORRUPT;
	r->hash = sg_be64_get(p);
	p += 8;
	if (get_slice(&p, end, &r->id) || get_slice(&p, end, &r->title) ||
	    sg_varint_get64(&p, end, &n) || n > SG_FIELDS_MAX)
		return SG_ECORRUPT;
	r->n_texts = (size_t)n;
	for (i = 0; i < r->n_texts; i++)
		if (get_slice(&p, end, &r->texts[i]))
			return SG_ECORRUPT;
	if (get_slice(&p, end, &r->stored) || p != end)
		return SG_ECORRUPT;
	return SG_OK;
}
