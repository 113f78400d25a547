/*
 * varint.h — unsigned LEB128 varints, the integer codec of every posting.
 *
 * An integer is written 7 bits at a time, least significant group first; the
 * high bit of a byte says another byte follows. 0..127 take one byte, a
 * 32-bit value at most 5, a 64-bit value at most 10.
 *
 *     300 = 0b1_0010_1100  ->  0xAC 0x02   (0x2C | 0x80, then 300 >> 7 = 2)
 *
 * Decoders take an end bound and never read past it. They reject, with
 * SG_ECORRUPT, input that is
 *   - truncated: the last byte before `end` still has its high bit set;
 *   - overlong: more bytes than the type allows, a value above the type's
 *     maximum, or a non-minimal form (a final 0x00 byte after others, such as
 *     0x80 0x00 for 0), which no encoder of ours writes.
 * Rejecting non-minimal forms makes the encoding of a value unique, so that a
 * byte-exact test of the format means something.
 */
#ifndef SG_VARINT_H
#define SG_VARINT_H

#include <stddef.h>
#include <stdint.h>

#define SG_VARINT_MAX32 5
#define SG_VARINT_MAX64 10

/* Writes v at p (room for SG_VARINT_MAX64 bytes) and returns the length. */
size_t sg_varint_put64(uint8_t *p, uint64_t v);
size_t sg_varint_put32(uint8_t *p, uint32_t v);

/* The encoded length of v, 1..10. */
size_t sg_varint_len(uint64_t v);

/* Decodes one value at *p, advancing *p. 0 or SG_ECORRUPT (then *p is
 * unchanged). */
int sg_varint_get64(const uint8_t **p, const uint8_t *end, uint64_t *v);
int sg_varint_get32(const uint8_t **p, const uint8_t *end, uint32_t *v);

/* Bulk decode: n 32-bit values into out[0..n), advancing *p. The hot loop of
 * every query. 0 or SG_ECORRUPT (then *p and out are unspecified). */
int sg_varint_decode32(const uint8_t **p, const uint8_t *end, uint32_t *out,
		       size_t n);

/* Bulk decode of gaps: out[i] = base + g[0] + ... + g[i]. Fails with
 * SG_ECORRUPT when a sum exceeds UINT32_MAX. */
int sg_varint_decode_gaps32(const uint8_t **p, const uint8_t *end,
			    uint32_t base, uint32_t *out, size_t n);

/* The bulk decoders above run a SIMD path (SSSE3 + SSE4.1, chosen at run
 * time) that accepts and rejects exactly what the scalar path does.
 * sg_varint_simd_force: a hook for tests and benchmarks; mode -1 chooses by
 * the CPU (the default), 0 forces the scalar path, 1 the SIMD path where the
 * CPU has it. Returns 1 when this CPU can run the SIMD path. Not
 * thread-safe: call it before decoding starts. sg_varint_simd_active: 1
 * when the bulk decoders currently take the SIMD path. */
int sg_varint_simd_force(int mode);
int sg_varint_simd_active(void);

/* Skips n values, each checked as sg_varint_get64 would (so a skip and a
 * decode agree on where the next value starts). 0 or SG_ECORRUPT (then *p is
 * unchanged). */
int sg_varint_skip(const uint8_t **p, const uint8_t *end, size_t n);

/* Finds where n values end without checking their form: counts bytes
 * whose high bit is clear, eight bytes at a time. Bounded by end (0, or
 * SG_ECORRUPT when fewer than n values end before it); the values are not
 * validated, so it is for finding offsets in data a checked decoder reads
 * afterwards. */
int sg_varint_skip_fast(const uint8_t **p, const uint8_t *end, size_t n);

#endif
