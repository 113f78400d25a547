/*
 * varint.c — the LEB128 codec specified in varint.h.
 *
 * The bulk decoders handle the common case, a one-byte value (docid gaps and
 * term frequencies are mostly below 128), with one compare and no loop. A
 * value of several bytes goes to an unrolled decoder without per-byte bound
 * checks while at least 5 bytes remain (+15% to +50% on gaps of 2-3 bytes,
 * bench/varint_bench.c), and near the end of the input to the checked
 * general decoder. Both reject exactly the same inputs.
 */
#include "varint.h"

#include <string.h>

#include "sagasu.h"

size_t sg_varint_put64(uint8_t *p, uint64_t v)
{
	size_t n = 0;

	while (v >= 0x80) {
		p[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (uint8_t)v;
	return n;
}

size_t sg_varint_put32(uint8_t *p, uint32_t v)
{
	return sg_varint_put64(p, v);
}

size_t sg_varint_len(uint64_t v)
{
	size_t n = 1;

	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

/* Decodes at most max_bytes bytes; rejects truncated, overlong, non-minimal
 * input and values above `max`. */
static int get_checked(const uint8_t **p, const uint8_t *end, uint64_t *v,
		       size_t max_bytes, uint64_t max)
{
	const uint8_t *q = *p;
	uint64_t val = 0;
	unsigned shift = 0;
	size_t i;

	for (i = 0; i < max_bytes; i++) {
		uint8_t byte;

		if (q >= end)
			return SG_ECORRUPT; /* truncated */
		byte = *q++;
		if (shift == 63 && (byte & 0x7e))
			return SG_ECORRUPT; /* bits beyond 64 */
		val |= (uint64_t)(byte & 0x7f) << shift;
		if (!(byte & 0x80)) {
			if (byte == 0 && i > 0)
				return SG_ECORRUPT; /* non-minimal */
			if (val > max)
				return SG_ECORRUPT;
			*v = val;
			*p = q;
			return SG_OK;
		}
		shift += 7;
	}
	return SG_ECORRUPT; /* too many bytes */
}

int sg_varint_get64(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
	return get_checked(p, end, v, SG_VARINT_MAX64, UINT64_MAX);
}

int sg_varint_get32(const uint8_t **p, const uint8_t *end, uint32_t *v)
{
	uint64_t x;
	int rc = get_checked(p, end, &x, SG_VARINT_MAX32, UINT32_MAX);

	if (rc == SG_OK)
		*v = (uint32_t)x;
	return rc;
}

/* The unrolled decoder of one 32-bit value for the bulk loops, used only
 * when at least SG_VARINT_MAX32 bytes remain before the end bound, so that it
 * needs no bound check per byte. Same rules as get_checked: a 0x00 final
 * byte after others is non-minimal; a 5th byte above 0x0f has its high bit
 * set (too long) or carries bits beyond 32. Returns the length, 0 if corrupt. */
static inline size_t get32_unchecked(const uint8_t *q, uint32_t *v)
{
	uint32_t x = q[0] & 0x7fu;
	uint8_t b;

	b = q[1];
	x |= (uint32_t)(b & 0x7f) << 7;
	if (b < 0x80) {
		*v = x;
		return b ? 2 : 0;
	}
	b = q[2];
	x |= (uint32_t)(b & 0x7f) << 14;
	if (b < 0x80) {
		*v = x;
		return b ? 3 : 0;
	}
	b = q[3];
	x |= (uint32_t)(b & 0x7f) << 21;
	if (b < 0x80) {
		*v = x;
		return b ? 4 : 0;
	}
	b = q[4];
	if (b > 0x0f || b == 0)
		return 0;
	*v = x | (uint32_t)b << 28;
	return 5;
}

int sg_varint_decode32(const uint8_t **p, const uint8_t *end, uint32_t *out,
		       size_t n)
{
	const uint8_t *q = *p;
	size_t i;

	for (i = 0; i < n; i++) {
		if (q < end && *q < 0x80) {
			out[i] = *q++;
			continue;
		}
		if (end - q >= SG_VARINT_MAX32) {
			size_t k = get32_unchecked(q, &out[i]);

			if (k == 0)
				return SG_ECORRUPT;
			q += k;
			continue;
		}
		if (sg_varint_get32(&q, end, &out[i]) != SG_OK)
			return SG_ECORRUPT;
	}
	*p = q;
	return SG_OK;
}

int sg_varint_decode_gaps32(const uint8_t **p, const uint8_t *end,
			    uint32_t base, uint32_t *out, size_t n)
{
	const uint8_t *q = *p;
	uint64_t acc = base;
	size_t i;

	for (i = 0; i < n; i++) {
		uint32_t g;

		if (q < end && *q < 0x80) {
			g = *q++;
		} else if (end - q >= SG_VARINT_MAX32) {
			size_t k = get32_unchecked(q, &g);

			if (k == 0)
				return SG_ECORRUPT;
			q += k;
		} else if (sg_varint_get32(&q, end, &g) != SG_OK) {
			return SG_ECORRUPT;
		}
		acc += g;
		if (acc > UINT32_MAX)
			return SG_ECORRUPT;
		out[i] = (uint32_t)acc;
	}
	*p = q;
	return SG_OK;
}

/* Accepts exactly what n calls of sg_varint_get64 would: counting bytes
 * without their high bit alone would take an overlong or non-minimal run
 * (0x80 x 11, 0x80 0x00) for a value, and disagree with the decoders about
 * where the next value starts. */
int sg_varint_skip(const uint8_t **p, const uint8_t *end, size_t n)
{
	const uint8_t *q = *p;

	for (; n > 0; n--) {
		uint64_t ignored;

		if (q < end && *q < 0x80) {
			q++;
			continue;
		}
		if (get_checked(&q, end, &ignored, SG_VARINT_MAX64, UINT64_MAX)
		    != SG_OK)
			return SG_ECORRUPT;
	}
	*p = q;
	return SG_OK;
}

int sg_varint_skip_fast(const uint8_t **p, const uint8_t *end, size_t n)
{
	const uint8_t *q = *p;

	/* Whole words while they hold fewer terminators than we need. */
	while (n >= 8 && end - q >= 8) {
		uint64_t w;
		unsigned c;

		memcpy(&w, q, 8);
		/* The terminators' high bits, moved to bit 0 of each byte and
		 * summed by one multiply (no popcount instruction needed). */
		c = (unsigned)((((~w & 0x8080808080808080ull) >> 7) *
				0x0101010101010101ull) >> 56);
		if (c > n)
			break;
		n -= c;
		q += 8;
	}
	while (n > 0) {
		if (q >= end)
			return SG_ECORRUPT;
		if (!(*q++ & 0x80))
			n--;
	}
	*p = q;
	return SG_OK;
}
