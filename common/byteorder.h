/*
 * byteorder.h — the fixed-width integers of the on-disk format.
 *
 * Keys are big-endian, so that LMDB's memcmp order is numeric order; the
 * arrays inside values (the lengths chunks) are little-endian. Nothing else
 * of sagasu reads or writes a multi-byte integer by hand (varints are
 * varint.h's).
 */
#ifndef SG_BYTEORDER_H
#define SG_BYTEORDER_H

#include <stdint.h>

/* Big-endian integers, so that LMDB's memcmp order is numeric order. */
static inline void sg_be32_put(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline uint32_t sg_be32_get(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static inline void sg_be64_put(uint8_t *p, uint64_t v)
{
	sg_be32_put(p, (uint32_t)(v >> 32));
	sg_be32_put(p + 4, (uint32_t)v);
}

static inline uint64_t sg_be64_get(const uint8_t *p)
{
	return (uint64_t)sg_be32_get(p) << 32 | sg_be32_get(p + 4);
}

/* Little-endian u32, the order of the arrays inside values (lengths). */
static inline uint32_t sg_le32_get(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static inline void sg_le32_put(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

#endif
