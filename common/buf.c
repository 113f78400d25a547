#include "alloc.h"
#include "buf.h"

#include <stdlib.h>
#include <string.h>

#include "sagasu.h"
#include "varint.h"

int sg_buf_reserve(sg_buf *b, size_t extra)
{
	size_t need, cap;
	char *p;

	if (extra > SIZE_MAX - b->len - 1)
		return SG_ENOMEM;
	need = b->len + extra + 1;
	if (need <= b->cap)
		return SG_OK;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	p = sg_realloc(b->data, cap);
	if (!p)
		return SG_ENOMEM;
	b->data = p;
	b->cap = cap;
	b->data[b->len] = '\0';
	return SG_OK;
}

int sg_buf_grow_append(sg_buf *b, const void *p, size_t n)
{
	if (sg_buf_reserve(b, n) != SG_OK)
		return SG_ENOMEM;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return SG_OK;
}

int sg_buf_putc(sg_buf *b, char c)
{
	return sg_buf_append(b, &c, 1);
}

int sg_buf_put_varint(sg_buf *b, uint64_t v)
{
	if (sg_buf_reserve(b, SG_VARINT_MAX64) != SG_OK)
		return SG_ENOMEM;
	b->len += sg_varint_put64((uint8_t *)b->data + b->len, v);
	b->data[b->len] = '\0';
	return SG_OK;
}

int sg_buf_put_bytes(sg_buf *b, const void *p, size_t n)
{
	if (sg_buf_put_varint(b, n) != SG_OK)
		return SG_ENOMEM;
	return sg_buf_append(b, p, n);
}

void sg_buf_reset(sg_buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

void sg_buf_release(sg_buf *b)
{
	sg_free(b->data);
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

int sg_grow_array_from(void **p, size_t *cap, size_t need, size_t elem,
		       size_t first)
{
	size_t n;
	void *q;

	if (need <= *cap)
		return SG_OK;
	if (*cap)
		n = *cap > SIZE_MAX / 2 ? SIZE_MAX : *cap * 2;
	else
		n = first ? first : 1;
	while (n < need) {
		if (n > SIZE_MAX / 2)
			return SG_ENOMEM;
		n *= 2;
	}
	if (elem == 0 || n > SIZE_MAX / elem)
		return SG_ENOMEM;
	q = sg_realloc(*p, n * elem);
	if (!q)
		return SG_ENOMEM;
	*p = q;
	*cap = n;
	return SG_OK;
}

int sg_grow_array(void **p, size_t *cap, size_t need, size_t elem)
{
	return sg_grow_array_from(p, cap, need, elem, 256);
}
