/*
 * varint.c — the LEB128 codec specified in varint.h.
 *
 * The bulk decoders handle the common case, a one-byte value (docid gaps and
 * term frequencies are mostly below 128), with one compare and no loop. A
 * value of several bytes goes to an unrolled decoder without per-byte bound
 * checks while at least 5 bytes remain (+15% to +50% on gaps of 2-3 bytes,
 * bench/varint_bench.c), and near the end of the input to the checked
 * general decoder. Both reject exactly the same inputs.
 *
 * On x86-64 with SSSE3 and SSE4.1 (checked at run time), the bulk decoders
 * first try a Masked-VByte-style step (Plaisance, Kurz, Lemire 2015) on the
 * same bytes: the continuation bits of the next 8 bytes, gathered by
 * pmovmskb, index a table that says how many whole values of 1 or 2 bytes
 * start the window and holds the pshufb pattern that puts each into a
 * 16-bit lane; 16 one-byte values in a row are widened directly. Anything
 * else (a value of 3 or more bytes first, fewer than 8 bytes or 8 values
 * left, a 0x00 second byte, a gap sum near UINT32_MAX) is one value of the
 * scalar loop, so the SIMD path accepts, rejects and stops exactly where the
 * scalar one does; it reads only bytes before `end` and writes only
 * out[0..n).
 */
#include "varint.h"

#include <string.h>

#include "sagasu.h"

#if defined(__x86_64__) && defined(__GNUC__)
#define SG_VARINT_HAVE_SIMD 1
#include <immintrin.h>
#endif

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

static int decode32_scalar(const uint8_t **p, const uint8_t *end,
			   uint32_t *out, size_t n)
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

static int decode_gaps32_scalar(const uint8_t **p, const uint8_t *end,
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

/* One value of the scalar bulk loop at q (the body of decode32_scalar).
 * Returns the bytes consumed, 0 if corrupt. */
static inline size_t get32_step(const uint8_t *q, const uint8_t *end,
				uint32_t *v)
{
	const uint8_t *r = q;

	if (q < end && *q < 0x80) {
		*v = *q;
		return 1;
	}
	if (end - q >= SG_VARINT_MAX32)
		return get32_unchecked(q, v);
	if (sg_varint_get32(&r, end, v) != SG_OK)
		return 0;
	return (size_t)(r - q);
}

#ifdef SG_VARINT_HAVE_SIMD

/* For each 8-bit mask of continuation bits: the pshufb pattern placing the
 * leading whole values of 1 or 2 bytes in 16-bit lanes (low byte first,
 * 0x80 = zero), how many there are and how many bytes they take. */
struct simd_entry {
	uint8_t shuf[16];
	uint8_t count, bytes;
};

static struct simd_entry simd_table[256];
static int simd_ready; /* 1: the table is built and the CPU has the ISA */
static int simd_forced = -1; /* test hook: -1 auto, 0 scalar, 1 SIMD */

static void simd_table_build(void)
{
	unsigned m;

	for (m = 0; m < 256; m++) {
		struct simd_entry *e = &simd_table[m];
		unsigned pos = 0, c = 0;

		memset(e->shuf, 0x80, sizeof e->shuf);
		while (pos < 8) {
			if (!(m >> pos & 1)) {
				e->shuf[2 * c] = (uint8_t)pos;
				pos += 1;
			} else if (pos + 1 < 8 && !(m >> (pos + 1) & 1)) {
				e->shuf[2 * c] = (uint8_t)pos;
				e->shuf[2 * c + 1] = (uint8_t)(pos + 1);
				pos += 2;
			} else {
				break; /* 3 bytes or more, or cut by the window */
			}
			c++;
		}
		e->count = (uint8_t)c;
		e->bytes = (uint8_t)pos;
	}
}

__attribute__((constructor)) static void simd_init(void)
{
	simd_table_build();
	__builtin_cpu_init();
	simd_ready = __builtin_cpu_supports("ssse3") &&
		     __builtin_cpu_supports("sse4.1");
}

/* Up to 8 values from the 8 bytes at q into 8 lanes of 32 bits (lo, hi);
 * returns the table entry, or NULL when the scalar loop must take the next
 * value (the window starts with a long value, or holds a non-minimal
 * 2-byte form). */
__attribute__((target("ssse3,sse4.1")))
static inline const struct simd_entry *simd_window(const uint8_t *q,
						   __m128i *lo, __m128i *hi)
{
	__m128i x = _mm_loadl_epi64((const __m128i *)(const void *)q);
	unsigned cm = (unsigned)_mm_movemask_epi8(x) & 0xffu;
	const struct simd_entry *e = &simd_table[cm];
	unsigned zm, used;
	__m128i w, v;

	if (e->count == 0)
		return NULL;
	/* A 0x00 byte after a continuation byte is a non-minimal 2-byte
	 * value: leave it to the scalar loop, which rejects it. */
	zm = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, _mm_setzero_si128()));
	used = (1u << e->bytes) - 1;
	if (zm & (cm << 1) & used)
		return NULL;
	w = _mm_shuffle_epi8(x, _mm_loadu_si128((const __m128i *)(const void *)e->shuf));
	/* lane = b0 | b1 << 8  ->  (b0 & 0x7f) | (b1 & 0x7f) << 7 */
	v = _mm_or_si128(_mm_and_si128(w, _mm_set1_epi16(0x7f)),
			 _mm_srli_epi16(_mm_and_si128(w, _mm_set1_epi16(0x7f00)), 1));
	*lo = _mm_cvtepu16_epi32(v);
	*hi = _mm_cvtepu16_epi32(_mm_srli_si128(v, 8));
	return e;
}

__attribute__((target("ssse3,sse4.1")))
static int decode32_simd(const uint8_t **p, const uint8_t *end, uint32_t *out,
			 size_t n)
{
	const uint8_t *q = *p;
	size_t i = 0;

	while (i < n) {
		size_t left = n - i, avail = (size_t)(end - q);

		if (left >= 16 && avail >= 16) {
			__m128i x = _mm_loadu_si128((const __m128i *)(const void *)q);

			if (_mm_movemask_epi8(x) == 0) {
				__m128i *o = (__m128i *)(void *)(out + i);

				_mm_storeu_si128(o, _mm_cvtepu8_epi32(x));
				_mm_storeu_si128(o + 1, _mm_cvtepu8_epi32(_mm_srli_si128(x, 4)));
				_mm_storeu_si128(o + 2, _mm_cvtepu8_epi32(_mm_srli_si128(x, 8)));
				_mm_storeu_si128(o + 3, _mm_cvtepu8_epi32(_mm_srli_si128(x, 12)));
				q += 16;
				i += 16;
				continue;
			}
		}
		if (left >= 8 && avail >= 8) {
			__m128i lo, hi;
			const struct simd_entry *e = simd_window(q, &lo, &hi);

			if (e) {
				__m128i *o = (__m128i *)(void *)(out + i);

				_mm_storeu_si128(o, lo);
				_mm_storeu_si128(o + 1, hi);
				q += e->bytes;
				i += e->count;
				continue;
			}
		}
		{
			size_t k = get32_step(q, end, &out[i]);

			if (k == 0)
				return SG_ECORRUPT;
			q += k;
			i++;
		}
	}
	*p = q;
	return SG_OK;
}

__attribute__((target("ssse3,sse4.1")))
static inline __m128i prefix4(__m128i x)
{
	x = _mm_add_epi32(x, _mm_slli_si128(x, 4));
	return _mm_add_epi32(x, _mm_slli_si128(x, 8));
}

__attribute__((target("ssse3,sse4.1")))
static int decode_gaps32_simd(const uint8_t **p, const uint8_t *end,
			      uint32_t base, uint32_t *out, size_t n)
{
	const uint8_t *q = *p;
	uint64_t acc = base;
	size_t i = 0;

	while (i < n) {
		size_t left = n - i, avail = (size_t)(end - q);

		/* 16 one-byte gaps add at most 16 * 127; 8 two-byte ones at
		 * most 8 * 16383: below 2^17 either way. */
		if (acc < UINT32_MAX - (1u << 17) && left >= 8 && avail >= 8) {
			__m128i *o = (__m128i *)(void *)(out + i);
			__m128i b = _mm_set1_epi32((int)(uint32_t)acc);

			if (left >= 16 && avail >= 16) {
				__m128i x = _mm_loadu_si128((const __m128i *)(const void *)q);

				if (_mm_movemask_epi8(x) == 0) {
					__m128i a0 = prefix4(_mm_cvtepu8_epi32(x));
					__m128i a1 = prefix4(_mm_cvtepu8_epi32(_mm_srli_si128(x, 4)));
					__m128i a2 = prefix4(_mm_cvtepu8_epi32(_mm_srli_si128(x, 8)));
					__m128i a3 = prefix4(_mm_cvtepu8_epi32(_mm_srli_si128(x, 12)));

					a0 = _mm_add_epi32(a0, b);
					a1 = _mm_add_epi32(a1, _mm_shuffle_epi32(a0, 0xff));
					a2 = _mm_add_epi32(a2, _mm_shuffle_epi32(a1, 0xff));
					a3 = _mm_add_epi32(a3, _mm_shuffle_epi32(a2, 0xff));
					_mm_storeu_si128(o, a0);
					_mm_storeu_si128(o + 1, a1);
					_mm_storeu_si128(o + 2, a2);
					_mm_storeu_si128(o + 3, a3);
					acc = (uint32_t)_mm_extract_epi32(a3, 3);
					q += 16;
					i += 16;
					continue;
				}
			}
			{
				__m128i lo, hi;
				const struct simd_entry *e = simd_window(q, &lo, &hi);

				if (e) {
					lo = _mm_add_epi32(prefix4(lo), b);
					hi = _mm_add_epi32(prefix4(hi),
							   _mm_shuffle_epi32(lo, 0xff));
					_mm_storeu_si128(o, lo);
					_mm_storeu_si128(o + 1, hi);
					/* lanes past count add 0: the last lane
					 * is the sum of the count values */
					acc = (uint32_t)_mm_extract_epi32(hi, 3);
					q += e->bytes;
					i += e->count;
					continue;
				}
			}
		}
		{
			uint32_t g;
			size_t k = get32_step(q, end, &g);

			if (k == 0)
				return SG_ECORRUPT;
			q += k;
			acc += g;
			if (acc > UINT32_MAX)
				return SG_ECORRUPT;
			out[i++] = (uint32_t)acc;
		}
	}
	*p = q;
	return SG_OK;
}

static int use_simd(void)
{
	return simd_forced >= 0 ? simd_forced && simd_ready : simd_ready;
}

int sg_varint_simd_force(int mode)
{
	simd_forced = mode < 0 ? -1 : mode > 0;
	return simd_ready;
}

#else /* no SIMD path on this target */

static int use_simd(void)
{
	return 0;
}

int sg_varint_simd_force(int mode)
{
	(void)mode;
	return 0;
}

#endif

int sg_varint_decode32(const uint8_t **p, const uint8_t *end, uint32_t *out,
		       size_t n)
{
#ifdef SG_VARINT_HAVE_SIMD
	if (use_simd())
		return decode32_simd(p, end, out, n);
#endif
	return decode32_scalar(p, end, out, n);
}

int sg_varint_decode_gaps32(const uint8_t **p, const uint8_t *end,
			    uint32_t base, uint32_t *out, size_t n)
{
#ifdef SG_VARINT_HAVE_SIMD
	if (use_simd())
		return decode_gaps32_simd(p, end, base, out, n);
#endif
	return decode_gaps32_scalar(p, end, base, out, n);
}

int sg_varint_simd_active(void)
{
	return use_simd();
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
