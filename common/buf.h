/*
 * buf.h — the one growable byte buffer of sagasu.
 *
 * Invariants: `data` is NULL exactly when `cap` is 0; otherwise it holds `cap`
 * bytes of which the first `len` are in use, and data[len] is always a NUL
 * byte (so a buffer of text can be passed as a C string). Any call that grows
 * the buffer may move `data`: pointers into it are invalid after such a call.
 */
#ifndef SG_BUF_H
#define SG_BUF_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct sg_buf {
	char *data;
	size_t len;
	size_t cap;
} sg_buf;

#define SG_BUF_INIT { NULL, 0, 0 }

/* Makes room for `extra` more bytes (plus the NUL). 0 or SG_ENOMEM. */
int sg_buf_reserve(sg_buf *b, size_t extra);
/* sg_buf_append's slow path: grows, then appends. */
int sg_buf_grow_append(sg_buf *b, const void *p, size_t n);

/* Appends n bytes. Inline: the fast path (room left) is a copy, and it
 * runs for every token of every document. */
static inline int sg_buf_append(sg_buf *b, const void *p, size_t n)
{
	if (b->cap - b->len > n) { /* cap 0: never, so data is not NULL */
		if (n)
			memcpy(b->data + b->len, p, n);
		b->len += n;
		b->data[b->len] = '\0';
		return 0;
	}
	return sg_buf_grow_append(b, p, n);
}

int sg_buf_putc(sg_buf *b, char c);
/* Appends the unsigned LEB128 varint of v (see varint.h). */
int sg_buf_put_varint(sg_buf *b, uint64_t v);
/* Appends a varint length then the bytes. */
int sg_buf_put_bytes(sg_buf *b, const void *p, size_t n);
/* Makes room for `need` elements of `elem` bytes in the array *p of
 * capacity *cap (doubling, from 256); 0 or SG_ENOMEM, *p and *cap
 * unchanged then (also when the byte size would overflow a size_t).
 * The one growth rule for sagasu's plain arrays. */
int sg_grow_array(void **p, size_t *cap, size_t need, size_t elem);
/* The same, with `first` elements for an empty array (small arrays, of
 * which a query may hold many: a node's kids, a run's units). */
int sg_grow_array_from(void **p, size_t *cap, size_t need, size_t elem,
		       size_t first);

/* Sets len to 0, keeps the memory. */
void sg_buf_reset(sg_buf *b);
/* Frees the memory and returns b to SG_BUF_INIT. */
void sg_buf_release(sg_buf *b);

#endif
