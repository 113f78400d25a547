/*
 * fuzz_varint.c — libFuzzer target for the LEB128 codec (common/varint.c).
 *
 *   tests/fuzz/run.sh builds it; by hand:
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude -Icommon \
 *     tests/fuzz/fuzz_varint.c common/varint.c -o /tmp/fuzz_varint
 *   /tmp/fuzz_varint -max_total_time=60 tests/fuzz/seeds/varint
 *
 * Input: byte 0 is the count n for the bulk decoders, bytes 1..4 the base of
 * the gap decoder (little-endian), the rest the varint stream. The stream is
 * copied into a heap block of exactly its size, so that a read one byte past
 * the end bound is an ASan report.
 *
 * Checks, besides memory errors, the promises of varint.h:
 *  - get64/get32: a success consumes 1..MAX bytes that are exactly what
 *    put64/put32 writes for the value (the encoding is canonical) and that
 *    sg_varint_len agrees with; a failure leaves *p unchanged.
 *  - decode32, decode_gaps32 and skip accept exactly what n calls of the
 *    single-value decoders accept, give the same values and stop at the same
 *    place (the unrolled fast path and the checked path must agree);
 *    decode_gaps32 fails when a sum passes UINT32_MAX; skip leaves *p
 *    unchanged on failure.
 *  - both bulk paths, the scalar one and the SIMD one (when the CPU has
 *    it; sg_varint_simd_force), meet the same promises, so they agree.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sagasu.h"
#include "varint.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define N_MAX 255

/* Walks the whole stream value by value with the single-value decoders. */
static void check_singles(const uint8_t *buf, const uint8_t *end)
{
	const uint8_t *p;
	uint8_t enc[SG_VARINT_MAX64];

	for (p = buf; p < end;) {
		const uint8_t *q = p;
		uint64_t v64 = 0xdeadbeef;
		uint32_t v32 = 0xdeadbeef;
		size_t k;
		int rc32, rc64;

		rc32 = sg_varint_get32(&q, end, &v32);
		if (rc32 == SG_OK) {
			k = (size_t)(q - p);
			if (k < 1 || k > SG_VARINT_MAX32 ||
			    sg_varint_put32(enc, v32) != k ||
			    memcmp(enc, p, k) != 0 || sg_varint_len(v32) != k)
				abort();
		} else if (rc32 != SG_ECORRUPT || q != p) {
			abort();
		}

		q = p;
		rc64 = sg_varint_get64(&q, end, &v64);
		if (rc64 == SG_OK) {
			k = (size_t)(q - p);
			if (k < 1 || k > SG_VARINT_MAX64 ||
			    sg_varint_put64(enc, v64) != k ||
			    memcmp(enc, p, k) != 0 || sg_varint_len(v64) != k)
				abort();
			/* A value both decoders take is the same value. */
			if (rc32 == SG_OK && v64 != v32)
				abort();
			/* get32 refuses only what is too big for 32 bits. */
			if (rc32 != SG_OK && v64 <= UINT32_MAX)
				abort();
			p = q;
		} else {
			if (rc64 != SG_ECORRUPT || q != p || rc32 == SG_OK)
				abort();
			p++; /* resynchronize one byte later */
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint32_t out[N_MAX], ref[N_MAX], base;
	const uint8_t *p, *q, *end, *ref_end;
	uint8_t *buf;
	size_t n, len, i, ref_ok;
	uint64_t acc;
	int rc, mode;

	if (size < 5)
		return 0;
	n = data[0];
	base = (uint32_t)data[1] | (uint32_t)data[2] << 8 |
	       (uint32_t)data[3] << 16 | (uint32_t)data[4] << 24;
	len = size - 5;
	buf = malloc(len ? len : 1);
	if (!buf)
		return 0;
	memcpy(buf, data + 5, len);
	end = buf + len;

	check_singles(buf, end);

	/* Reference: n calls of get32. ref_ok = values decoded before the
	 * first failure. */
	q = buf;
	for (ref_ok = 0; ref_ok < n; ref_ok++)
		if (sg_varint_get32(&q, end, &ref[ref_ok]) != SG_OK)
			break;
	ref_end = q;

	for (mode = 0; mode <= 1; mode++) {
		if (!sg_varint_simd_force(mode) && mode == 1)
			continue; /* no SIMD path on this CPU */
		/* decode32 agrees with the reference. */
		p = buf;
		rc = sg_varint_decode32(&p, end, out, n);
		if (ref_ok == n) {
			if (rc != SG_OK || p != ref_end ||
			    memcmp(out, ref, n * sizeof(*out)) != 0)
				abort();
		} else if (rc != SG_ECORRUPT) {
			abort();
		}

		/* decode_gaps32: the running sums, failing past UINT32_MAX. */
		p = buf;
		rc = sg_varint_decode_gaps32(&p, end, base, out, n);
		acc = base;
		for (i = 0; i < ref_ok; i++) {
			acc += ref[i];
			if (acc > UINT32_MAX)
				break;
		}
		if (ref_ok == n && i == n) {
			if (rc != SG_OK || p != ref_end)
				abort();
			acc = base;
			for (i = 0; i < n; i++) {
				acc += ref[i];
				if (out[i] != (uint32_t)acc)
					abort();
			}
		} else if (rc != SG_ECORRUPT) {
			abort();
		}
	}
	sg_varint_simd_force(-1);

	/* skip agrees with n calls of get64. */
	q = buf;
	for (i = 0; i < n; i++) {
		uint64_t v;

		if (sg_varint_get64(&q, end, &v) != SG_OK)
			break;
	}
	p = buf;
	rc = sg_varint_skip(&p, end, n);
	if (i == n) {
		if (rc != SG_OK || p != q)
			abort();
	} else if (rc != SG_ECORRUPT || p != buf) {
		abort();
	}

	free(buf);
	return 0;
}
