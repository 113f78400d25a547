/*
 * test_varint.c — the LEB128 codec of common/varint.c against varint.h.
 *
 * Every decoder is checked at its edges: the boundaries between encoded
 * lengths, byte-exact encodings (the on-disk format), each kind of corrupt
 * input the header promises to reject (truncated, overlong, too large,
 * non-minimal), and that a rejected single-value decode leaves *p where it
 * was. The bulk decoders are compared with a plain reference decoder over
 * random streams (fixed seed, so a failure reproduces).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sagasu.h"
#include "varint.h"

/* ---------------------------------------------------------------- helpers */

/* A small deterministic generator (splitmix64), so runs are reproducible. */
static uint64_t rng_state = 0x5a6a5a6a12345678u;

static uint64_t rng64(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15u);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

/* A random value whose bit length is uniform in 0..64, so every encoded
 * length 1..10 is well represented (uniform 64-bit values are almost all 10
 * bytes long). */
static uint64_t rng_value64(void)
{
	unsigned bits = (unsigned)(rng64() % 65);

	if (bits == 0)
		return 0;
	if (bits == 64)
		return rng64();
	return rng64() & ((UINT64_C(1) << bits) - 1);
}

static uint32_t rng_value32(void)
{
	unsigned bits = (unsigned)(rng64() % 33);

	if (bits == 0)
		return 0;
	if (bits == 32)
		return (uint32_t)rng64();
	return (uint32_t)(rng64() & ((UINT64_C(1) << bits) - 1));
}

/* The reference decoder: plain LEB128 without any shortcut, the rules of
 * varint.h spelled out one by one. Returns the length, or 0 when rejected. */
static size_t ref_get(const uint8_t *p, size_t avail, size_t max_bytes,
		      uint64_t max, uint64_t *v)
{
	uint64_t val = 0;
	size_t i;

	for (i = 0; i < max_bytes && i < avail; i++) {
		uint64_t group = p[i] & 0x7f;

		if (i == 9 && group > 1)
			return 0; /* bits beyond 64 */
		val |= group << (7 * i);
		if (!(p[i] & 0x80)) {
			if (i > 0 && p[i] == 0)
				return 0; /* non-minimal */
			if (val > max)
				return 0;
			*v = val;
			return i + 1;
		}
	}
	return 0; /* truncated or too long */
}

/* Checks that get64 and get32 both reject buf[0..len) and leave *p alone. */
static void assert_rejected(const uint8_t *buf, size_t len)
{
	const uint8_t *p = buf;
	uint64_t v64 = 0xdeadbeef;
	uint32_t v32 = 0xdeadbeef;

	assert_int_equal(sg_varint_get64(&p, buf + len, &v64), SG_ECORRUPT);
	assert_ptr_equal(p, buf);
	assert_int_equal(sg_varint_get32(&p, buf + len, &v32), SG_ECORRUPT);
	assert_ptr_equal(p, buf);
}

/* One value through put64/len/get64 (and the 32-bit calls when it fits). */
static void round_trip(uint64_t v)
{
	uint8_t buf[SG_VARINT_MAX64 + 4];
	const uint8_t *p;
	uint64_t got64;
	size_t n;

	memset(buf, 0xee, sizeof buf);
	n = sg_varint_put64(buf, v);
	assert_int_equal(n, sg_varint_len(v));
	assert_in_range(n, 1, SG_VARINT_MAX64);
	assert_int_equal(buf[n], 0xee); /* wrote nothing past its length */

	p = buf;
	assert_int_equal(sg_varint_get64(&p, buf + n, &got64), SG_OK);
	assert_true(got64 == v);
	assert_ptr_equal(p, buf + n);

	/* Every proper prefix is a truncated value. */
	for (size_t k = 0; k < n; k++)
		assert_rejected(buf, k);

	if (v <= UINT32_MAX) {
		uint8_t b32[SG_VARINT_MAX32 + 4];
		uint32_t got32;
		size_t n32;

		memset(b32, 0xee, sizeof b32);
		n32 = sg_varint_put32(b32, (uint32_t)v);
		assert_int_equal(n32, n);
		assert_in_range(n32, 1, SG_VARINT_MAX32);
		assert_memory_equal(b32, buf, n);
		assert_int_equal(b32[n32], 0xee);
		p = b32;
		assert_int_equal(sg_varint_get32(&p, b32 + n32, &got32), SG_OK);
		assert_true(got32 == (uint32_t)v);
		assert_ptr_equal(p, b32 + n32);
	} else {
		/* A value above UINT32_MAX is a corrupt 32-bit varint. */
		uint32_t got32 = 0;

		p = buf;
		assert_int_equal(sg_varint_get32(&p, buf + n, &got32),
				 SG_ECORRUPT);
		assert_ptr_equal(p, buf);
	}
}

/* ---------------------------------------------------------------- tests */

static void test_edge_values(void **state)
{
	static const uint64_t edges[] = {
		0, 1, 127, 128, 129, 255, 256, 300, 16383, 16384,
		(UINT64_C(1) << 21) - 1, UINT64_C(1) << 21,
		(UINT64_C(1) << 28) - 1, UINT64_C(1) << 28,
		UINT32_MAX - 1, UINT32_MAX, (uint64_t)UINT32_MAX + 1,
		(UINT64_C(1) << 35) - 1, UINT64_C(1) << 35,
		(UINT64_C(1) << 56) - 1, UINT64_C(1) << 56,
		(UINT64_C(1) << 63) - 1, UINT64_C(1) << 63,
		UINT64_MAX - 1, UINT64_MAX,
	};
	static const struct { uint64_t v; size_t len; } lens[] = {
		{ 0, 1 }, { 1, 1 }, { 127, 1 }, { 128, 2 }, { 16383, 2 },
		{ 16384, 3 }, { (UINT64_C(1) << 21) - 1, 3 },
		{ UINT64_C(1) << 21, 4 }, { UINT32_MAX, 5 },
		{ (UINT64_C(1) << 35) - 1, 5 }, { UINT64_C(1) << 35, 6 },
		{ (UINT64_C(1) << 63) - 1, 9 }, { UINT64_C(1) << 63, 10 },
		{ UINT64_MAX, 10 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++)
		round_trip(edges[i]);
	for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++)
		assert_int_equal(sg_varint_len(lens[i].v), lens[i].len);
}

static void test_random_round_trip(void **state)
{
	(void)state;
	for (int i = 0; i < 20000; i++)
		round_trip(rng_value64());
	for (int i = 0; i < 20000; i++)
		round_trip(rng_value32());
}

/* The bytes on disk, pinned. */
static void test_exact_encodings(void **state)
{
	static const struct {
		uint64_t v;
		size_t len;
		uint8_t bytes[SG_VARINT_MAX64];
	} cases[] = {
		{ 0, 1, { 0x00 } },
		{ 1, 1, { 0x01 } },
		{ 127, 1, { 0x7f } },
		{ 128, 2, { 0x80, 0x01 } },
		{ 300, 2, { 0xac, 0x02 } },
		{ 16383, 2, { 0xff, 0x7f } },
		{ 16384, 3, { 0x80, 0x80, 0x01 } },
		{ 624485, 3, { 0xe5, 0x8e, 0x26 } },
		{ UINT32_MAX, 5, { 0xff, 0xff, 0xff, 0xff, 0x0f } },
		{ (uint64_t)UINT32_MAX + 1, 5, { 0x80, 0x80, 0x80, 0x80, 0x10 } },
		{ UINT64_C(1) << 63, 10,
		  { 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01 } },
		{ UINT64_MAX, 10,
		  { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01 } },
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		uint8_t buf[SG_VARINT_MAX64];
		const uint8_t *p = cases[i].bytes;
		uint64_t v;

		assert_int_equal(sg_varint_put64(buf, cases[i].v), cases[i].len);
		assert_memory_equal(buf, cases[i].bytes, cases[i].len);
		assert_int_equal(sg_varint_get64(&p, cases[i].bytes + cases[i].len,
						 &v), SG_OK);
		assert_true(v == cases[i].v);
		if (cases[i].v <= UINT32_MAX) {
			assert_int_equal(sg_varint_put32(buf, (uint32_t)cases[i].v),
					 cases[i].len);
			assert_memory_equal(buf, cases[i].bytes, cases[i].len);
		}
	}
}

/* Truncation: every prefix of every multi-byte length, and empty input. */
static void test_truncated(void **state)
{
	uint8_t buf[SG_VARINT_MAX64] = { 0 };

	(void)state;
	assert_rejected(buf, 0);
	for (unsigned bits = 7; bits < 64; bits += 7) {
		uint64_t v = UINT64_C(1) << bits; /* the first value of a length */
		size_t n = sg_varint_put64(buf, v);

		for (size_t k = 0; k < n; k++)
			assert_rejected(buf, k);
		/* the last value of the next length (wraps to UINT64_MAX at 63) */
		n = sg_varint_put64(buf, (v << 7) - 1);
		for (size_t k = 0; k < n; k++)
			assert_rejected(buf, k);
	}
}

static void test_overlong(void **state)
{
	/* 11 bytes: more than any 64-bit value takes. */
	static const uint8_t eleven[] = {
		0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01
	};
	/* 10 continuation bytes: would need an 11th. */
	static const uint8_t ten_cont[] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x81, 0x00
	};
	/* 2^64: the 10th byte carries bit 64. */
	static const uint8_t bit64[] = {
		0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x02
	};
	static const uint8_t bits_hi[] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f
	};
	/* 6 bytes for a 32-bit value (a valid 64-bit one). */
	static const uint8_t six[] = { 0x80, 0x80, 0x80, 0x80, 0x80, 0x01 };
	/* 2^32 in 5 bytes: fits the length but not the type. */
	static const uint8_t two32[] = { 0x80, 0x80, 0x80, 0x80, 0x10 };
	static const uint8_t max5[] = { 0xff, 0xff, 0xff, 0xff, 0x7f };
	/* Non-minimal forms. */
	static const uint8_t zero2[] = { 0x80, 0x00 };
	static const uint8_t one3[] = { 0x81, 0x80, 0x00 };
	static const uint8_t big_pad[] = { 0xff, 0xff, 0xff, 0xff, 0x00 };
	static const uint8_t zero10[] = {
		0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00
	};
	const uint8_t *p;
	uint64_t v64;
	uint32_t v32;

	(void)state;
	assert_rejected(eleven, sizeof eleven);
	assert_rejected(ten_cont, sizeof ten_cont);
	assert_rejected(bit64, sizeof bit64);
	assert_rejected(bits_hi, sizeof bits_hi);
	assert_rejected(zero2, sizeof zero2);
	assert_rejected(one3, sizeof one3);
	assert_rejected(big_pad, sizeof big_pad);
	assert_rejected(zero10, sizeof zero10);

	/* Valid 64-bit values that are corrupt as 32-bit ones. */
	p = six;
	assert_int_equal(sg_varint_get64(&p, six + sizeof six, &v64), SG_OK);
	assert_true(v64 == UINT64_C(1) << 35);
	p = six;
	assert_int_equal(sg_varint_get32(&p, six + sizeof six, &v32), SG_ECORRUPT);
	assert_ptr_equal(p, six);
	p = two32;
	assert_int_equal(sg_varint_get32(&p, two32 + sizeof two32, &v32),
			 SG_ECORRUPT);
	assert_ptr_equal(p, two32);
	p = max5;
	assert_int_equal(sg_varint_get32(&p, max5 + sizeof max5, &v32),
			 SG_ECORRUPT);
	assert_ptr_equal(p, max5);

	/* The bulk decoders reject the same inputs. */
	p = zero2;
	assert_int_equal(sg_varint_decode32(&p, zero2 + 2, &v32, 1), SG_ECORRUPT);
	p = zero2;
	assert_int_equal(sg_varint_decode_gaps32(&p, zero2 + 2, 0, &v32, 1),
			 SG_ECORRUPT);
	p = two32;
	assert_int_equal(sg_varint_decode32(&p, two32 + 5, &v32, 1), SG_ECORRUPT);
	p = six;
	assert_int_equal(sg_varint_decode32(&p, six + 6, &v32, 1), SG_ECORRUPT);
}

/* A value followed by more bytes: the decoder stops at its own end. */
static void test_stops_at_value_end(void **state)
{
	static const uint8_t buf[] = { 0xac, 0x02, 0x05, 0x80 };
	const uint8_t *p = buf;
	uint64_t v;
	uint32_t w;

	(void)state;
	assert_int_equal(sg_varint_get64(&p, buf + sizeof buf, &v), SG_OK);
	assert_true(v == 300);
	assert_ptr_equal(p, buf + 2);
	assert_int_equal(sg_varint_get32(&p, buf + sizeof buf, &w), SG_OK);
	assert_int_equal(w, 5);
	assert_ptr_equal(p, buf + 3);
	assert_int_equal(sg_varint_get32(&p, buf + sizeof buf, &w), SG_ECORRUPT);
	assert_ptr_equal(p, buf + 3);
}

/* ------------------------------------------------------ bulk decoders */

/* Builds a stream of n random 32-bit values, lengths mixed like postings:
 * mostly one byte, some longer. */
static size_t make_stream(uint8_t *buf, uint32_t *vals, size_t n)
{
	size_t len = 0;

	for (size_t i = 0; i < n; i++) {
		uint32_t v;

		switch (rng64() % 4) {
		case 0:
		case 1: v = (uint32_t)(rng64() % 128); break;
		case 2: v = (uint32_t)(rng64() % 20000); break;
		default: v = rng_value32(); break;
		}
		vals[i] = v;
		len += sg_varint_put32(buf + len, v);
	}
	return len;
}

/* The reference bulk decode of n 32-bit values; 0 or -1. */
static int ref_decode32(const uint8_t **p, const uint8_t *end, uint32_t *out,
			size_t n)
{
	const uint8_t *q = *p;

	for (size_t i = 0; i < n; i++) {
		uint64_t v;
		size_t k = ref_get(q, (size_t)(end - q), SG_VARINT_MAX32,
				   UINT32_MAX, &v);

		if (k == 0)
			return -1;
		out[i] = (uint32_t)v;
		q += k;
	}
	*p = q;
	return 0;
}

#define NVALS 512

static void test_decode32(void **state)
{
	static uint8_t buf[NVALS * SG_VARINT_MAX32 + 16];
	static uint32_t vals[NVALS], out[NVALS + 1], ref[NVALS];

	(void)state;
	for (int round = 0; round < 200; round++) {
		size_t n = 1 + (size_t)(rng64() % NVALS);
		size_t len = make_stream(buf, vals, n);
		const uint8_t *p = buf;

		out[n] = 0xabcdef;
		assert_int_equal(sg_varint_decode32(&p, buf + len, out, n), SG_OK);
		assert_ptr_equal(p, buf + len);
		assert_memory_equal(out, vals, n * sizeof out[0]);
		assert_int_equal(out[n], 0xabcdef); /* no write past out[n-1] */

		/* Every shorter end bound that cuts a value must fail; one that
		 * ends on a boundary decodes fewer values with the reference. */
		for (size_t cut = 0; cut < len; cut += 1 + len / 64) {
			const uint8_t *r = buf;
			int want;

			p = buf;
			want = ref_decode32(&r, buf + cut, ref, n);
			assert_int_equal(want, -1); /* n values never fit */
			assert_int_equal(sg_varint_decode32(&p, buf + cut, out, n),
					 SG_ECORRUPT);
		}
	}
	/* n = 0 decodes nothing, even from empty input. */
	{
		const uint8_t *p = buf;

		assert_int_equal(sg_varint_decode32(&p, buf, out, 0), SG_OK);
		assert_ptr_equal(p, buf);
	}
}

/* Random bytes: the bulk decoder agrees with the reference on accepting or
 * rejecting, and on the values. */
static void test_decode32_random_bytes(void **state)
{
	uint8_t buf[64];
	uint32_t out[64], ref[64];

	(void)state;
	for (int round = 0; round < 100000; round++) {
		size_t len = (size_t)(rng64() % sizeof buf);
		size_t n = (size_t)(rng64() % 12);
		const uint8_t *p = buf, *r = buf;
		int want, got;

		for (size_t i = 0; i < len; i++) {
			/* Bias toward the interesting bytes. */
			uint64_t x = rng64();

			switch (x % 5) {
			case 0: buf[i] = 0x80; break;
			case 1: buf[i] = 0x00; break;
			case 2: buf[i] = 0xff; break;
			default: buf[i] = (uint8_t)(x >> 8); break;
			}
		}
		want = ref_decode32(&r, buf + len, ref, n);
		got = sg_varint_decode32(&p, buf + len, out, n);
		assert_int_equal(got, want == 0 ? SG_OK : SG_ECORRUPT);
		if (want == 0) {
			assert_ptr_equal(p, r);
			assert_memory_equal(out, ref, n * sizeof out[0]);
		}
		p = buf;
		got = sg_varint_decode_gaps32(&p, buf + len, 0, out, n);
		if (want == 0) {
			uint64_t acc = 0;
			int ok = 0;

			for (size_t i = 0; i < n; i++) {
				acc += ref[i];
				if (acc > UINT32_MAX) {
					ok = -1;
					break;
				}
				ref[i] = (uint32_t)acc;
			}
			assert_int_equal(got, ok == 0 ? SG_OK : SG_ECORRUPT);
			if (ok == 0) {
				assert_ptr_equal(p, r);
				assert_memory_equal(out, ref, n * sizeof out[0]);
			}
		} else {
			assert_int_equal(got, SG_ECORRUPT);
		}
	}
}

static void test_decode_gaps32(void **state)
{
	static uint8_t buf[NVALS * SG_VARINT_MAX32 + 16];
	static uint32_t gaps[NVALS], out[NVALS], want[NVALS];

	(void)state;
	for (int round = 0; round < 200; round++) {
		size_t n = 1 + (size_t)(rng64() % NVALS);
		uint32_t base = (uint32_t)(rng64() % 1000);
		size_t len = 0;
		uint64_t acc = base;
		const uint8_t *p = buf;

		/* Small gaps so that the sums stay below UINT32_MAX. */
		for (size_t i = 0; i < n; i++) {
			gaps[i] = (uint32_t)(rng64() % (rng64() % 2 ? 128 : 100000));
			acc += gaps[i];
			want[i] = (uint32_t)acc;
			len += sg_varint_put32(buf + len, gaps[i]);
		}
		assert_int_equal(sg_varint_decode_gaps32(&p, buf + len, base, out, n),
				 SG_OK);
		assert_ptr_equal(p, buf + len);
		assert_memory_equal(out, want, n * sizeof out[0]);
		p = buf;
		assert_int_equal(sg_varint_decode_gaps32(&p, buf + len - 1, base,
							 out, n), SG_ECORRUPT);
	}
}

static void test_decode_gaps32_overflow(void **state)
{
	uint8_t buf[3 * SG_VARINT_MAX32];
	uint32_t out[3];
	const uint8_t *p;
	size_t len;

	(void)state;
	/* base + gap == UINT32_MAX exactly is fine. */
	len = sg_varint_put32(buf, UINT32_MAX - 10);
	p = buf;
	assert_int_equal(sg_varint_decode_gaps32(&p, buf + len, 10, out, 1), SG_OK);
	assert_int_equal(out[0], UINT32_MAX);
	/* One more overflows, from the base. */
	p = buf;
	assert_int_equal(sg_varint_decode_gaps32(&p, buf + len, 11, out, 1),
			 SG_ECORRUPT);
	/* ... from the sum of two large gaps (each fits in 32 bits). */
	len = sg_varint_put32(buf, UINT32_MAX / 2 + 1);
	len += sg_varint_put32(buf + len, UINT32_MAX / 2 + 1);
	p = buf;
	assert_int_equal(sg_varint_decode_gaps32(&p, buf + len, 0, out, 2),
			 SG_ECORRUPT);
	/* ... from a one-byte gap on top of UINT32_MAX (the fast path). */
	len = sg_varint_put32(buf, UINT32_MAX);
	len += sg_varint_put32(buf + len, 0);
	len += sg_varint_put32(buf + len, 1);
	p = buf;
	assert_int_equal(sg_varint_decode_gaps32(&p, buf + len, 0, out, 2), SG_OK);
	assert_int_equal(out[1], UINT32_MAX);
	p = buf;
	assert_int_equal(sg_varint_decode_gaps32(&p, buf + len, 0, out, 3),
			 SG_ECORRUPT);
	/* ... and from UINT32_MAX as base with a zero gap: fine. */
	len = sg_varint_put32(buf, 0);
	p = buf;
	assert_int_equal(sg_varint_decode_gaps32(&p, buf + len, UINT32_MAX, out, 1),
			 SG_OK);
	assert_int_equal(out[0], UINT32_MAX);
}

/* The reference skip: as many get64 calls. */
static int ref_skip(const uint8_t **p, const uint8_t *end, size_t n)
{
	const uint8_t *q = *p;

	for (size_t i = 0; i < n; i++) {
		uint64_t v;
		size_t k = ref_get(q, (size_t)(end - q), SG_VARINT_MAX64,
				   UINT64_MAX, &v);

		if (k == 0)
			return -1;
		q += k;
	}
	*p = q;
	return 0;
}

static void test_skip(void **state)
{
	static uint8_t buf[NVALS * SG_VARINT_MAX64];
	static size_t offs[NVALS + 1];
	uint8_t junk[48];

	(void)state;
	for (int round = 0; round < 100; round++) {
		size_t n = 1 + (size_t)(rng64() % NVALS);
		size_t len = 0;

		for (size_t i = 0; i < n; i++) {
			offs[i] = len;
			len += sg_varint_put64(buf + len, rng_value64());
		}
		offs[n] = len;
		for (size_t k = 0; k <= n; k += 1 + n / 32) {
			const uint8_t *p = buf;

			assert_int_equal(sg_varint_skip(&p, buf + len, k), SG_OK);
			assert_ptr_equal(p, buf + offs[k]);
		}
		{
			const uint8_t *p = buf;

			assert_int_equal(sg_varint_skip(&p, buf + len, n), SG_OK);
			assert_ptr_equal(p, buf + len);
			p = buf;
			assert_int_equal(sg_varint_skip(&p, buf + len - 1, n),
					 SG_ECORRUPT);
			assert_ptr_equal(p, buf);
			p = buf;
			assert_int_equal(sg_varint_skip(&p, buf + len, n + 1),
					 SG_ECORRUPT);
			assert_ptr_equal(p, buf);
		}
	}
	/* Random bytes: skip accepts exactly what get64 accepts. */
	for (int round = 0; round < 100000; round++) {
		size_t len = (size_t)(rng64() % sizeof junk);
		size_t n = (size_t)(rng64() % 8);
		const uint8_t *p = junk, *r = junk;
		int want;

		for (size_t i = 0; i < len; i++) {
			uint64_t x = rng64();

			junk[i] = x % 3 == 0 ? 0x80 : x % 3 == 1 ? 0x00
							       : (uint8_t)(x >> 8);
		}
		want = ref_skip(&r, junk + len, n);
		assert_int_equal(sg_varint_skip(&p, junk + len, n),
				 want == 0 ? SG_OK : SG_ECORRUPT);
		assert_ptr_equal(p, want == 0 ? r : junk);
	}
	/* An overlong run of continuation bytes is not one value. */
	{
		static const uint8_t eleven[] = {
			0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
			0x80, 0x01
		};
		const uint8_t *p = eleven;

		assert_int_equal(sg_varint_skip(&p, eleven + sizeof eleven, 1),
				 SG_ECORRUPT);
		assert_ptr_equal(p, eleven);
	}
}

/* SIMD vs scalar (sg_varint_simd_force): random streams of valid values and
 * of biased random bytes (truncated, non-minimal, > 5 bytes, too large),
 * random n and end bounds: both paths agree on the return code, the end
 * pointer and every output value, and neither writes past out[n-1]. */
static void test_simd_vs_scalar(void **state)
{
	static uint8_t buf[NVALS * SG_VARINT_MAX32 + 32];
	static uint32_t vals[NVALS], o1[NVALS + 1], o2[NVALS + 1];

	(void)state;
	if (!sg_varint_simd_force(1)) {
		sg_varint_simd_force(-1);
		skip();
	}
	for (int round = 0; round < 40000; round++) {
		size_t n = (size_t)(rng64() % (round % 2 ? 40 : NVALS)) ;
		size_t len = make_stream(buf, vals, n ? n : 1);
		size_t cut, m;
		uint32_t base = (uint32_t)(rng64() % 4 == 0 ? UINT32_MAX - rng64() % 70000
					   : rng64() % 1000);
		int kind = (int)(rng64() % 4);

		if (kind == 1) { /* corrupt some bytes */
			for (size_t j = 0, c = 1 + rng64() % 4; j < c && len; j++) {
				uint64_t x = rng64();

				buf[x % len] = (uint8_t[]){ 0x00, 0x80, 0xff, 0x10 }[(x >> 32) % 4];
			}
		} else if (kind == 2) { /* pure random biased bytes */
			len = (size_t)(rng64() % 80);
			for (size_t j = 0; j < len; j++) {
				uint64_t x = rng64();

				buf[j] = x % 4 == 0 ? 0x80 : x % 4 == 1 ? 0x00
					 : x % 4 == 2 ? (uint8_t)(x >> 8 & 0x7f) : (uint8_t)(x >> 8);
			}
		}
		cut = kind == 3 && len ? (size_t)(rng64() % len) : len;
		m = n + (rng64() % 3 == 0 ? rng64() % 3 : 0);
		if (m > NVALS)
			m = NVALS;
		for (int gaps = 0; gaps < 2; gaps++) {
			const uint8_t *p1 = buf, *p2 = buf;
			int r1, r2;

			o1[m] = o2[m] = 0xabcdef;
			sg_varint_simd_force(0);
			r1 = gaps ? sg_varint_decode_gaps32(&p1, buf + cut, base, o1, m)
				  : sg_varint_decode32(&p1, buf + cut, o1, m);
			sg_varint_simd_force(1);
			assert_true(sg_varint_simd_active());
			r2 = gaps ? sg_varint_decode_gaps32(&p2, buf + cut, base, o2, m)
				  : sg_varint_decode32(&p2, buf + cut, o2, m);
			assert_int_equal(r1, r2);
			assert_int_equal(o1[m], 0xabcdef);
			assert_int_equal(o2[m], 0xabcdef);
			if (r1 == SG_OK) {
				assert_ptr_equal(p1, p2);
				assert_memory_equal(o1, o2, m * sizeof o1[0]);
			}
		}
	}
	sg_varint_simd_force(-1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_edge_values),
		cmocka_unit_test(test_random_round_trip),
		cmocka_unit_test(test_exact_encodings),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_overlong),
		cmocka_unit_test(test_stops_at_value_end),
		cmocka_unit_test(test_decode32),
		cmocka_unit_test(test_decode32_random_bytes),
		cmocka_unit_test(test_decode_gaps32),
		cmocka_unit_test(test_decode_gaps32_overflow),
		cmocka_unit_test(test_skip),
		cmocka_unit_test(test_simd_vs_scalar),
	};

	return cmocka_run_group_tests_name("varint", tests, NULL, NULL);
}
