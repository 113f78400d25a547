/*
 * ids.c — the batch's id set (writer_internal.h, sg_idset): every external
 * id the uncommitted batch adds or deletes, with the content hash of the
 * document it adds.
 *
 * sg_writer_add asks it whether an id is already in the batch (an unchanged
 * duplicate is skipped; a changed one commits the batch first, so that no
 * id is added or deleted twice in one transaction). Linear probing over a
 * power-of-two table grown at a load of 1/2; the ids' bytes live in one
 * arena, and a slot of length 0 is free (ids are never empty).
 */
#include "writer_internal.h"

#include <string.h>

#include "alloc.h"

struct batch_id *sg_idset_find(const sg_idset *s, const char *id,
			       size_t len, uint64_t h)
{
	size_t j;

	if (!s->n_slots)
		return NULL;
	for (j = h & (s->n_slots - 1); s->slots[j].len;
	     j = (j + 1) & (s->n_slots - 1)) {
		struct batch_id *b = &s->slots[j];

		if (b->hash == h && b->len == len &&
		    !memcmp(s->arena.data + b->off, id, len))
			return b;
	}
	return NULL;
}

/* Doubles the table (from 256 slots) and rehashes the ids into it. */
static int grow(sg_idset *s)
{
	size_t n = s->n_slots ? s->n_slots * 2 : 256, i, j;
	struct batch_id *nb = sg_calloc(n, sizeof(*nb));

	if (!nb)
		return SG_ENOMEM;
	for (i = 0; i < s->n_slots; i++) {
		if (!s->slots[i].len)
			continue;
		for (j = s->slots[i].hash & (n - 1); nb[j].len;
		     j = (j + 1) & (n - 1))
			;
		nb[j] = s->slots[i];
	}
	sg_free(s->slots);
	s->slots = nb;
	s->n_slots = n;
	return SG_OK;
}

int sg_idset_insert(sg_idset *s, const char *id, size_t len, uint64_t h,
		    uint64_t doc_hash, int deleted)
{
	struct batch_id *b;
	size_t j;

	if ((s->n + 1) * 2 > s->n_slots && grow(s) != SG_OK)
		return SG_ENOMEM;
	for (j = h & (s->n_slots - 1); s->slots[j].len;
	     j = (j + 1) & (s->n_slots - 1))
		;
	b = &s->slots[j];
	b->hash = h;
	b->off = s->arena.len;
	b->len = len;
	b->doc_hash = doc_hash;
	b->deleted = deleted;
	s->n++;
	return sg_buf_append(&s->arena, id, len);
}

void sg_idset_clear(sg_idset *s)
{
	if (s->slots)
		memset(s->slots, 0, s->n_slots * sizeof(*s->slots));
	s->n = 0;
	sg_buf_reset(&s->arena);
}

size_t sg_idset_bytes(const sg_idset *s)
{
	return s->arena.cap + s->n_slots * sizeof(*s->slots);
}

void sg_idset_release(sg_idset *s)
{
	sg_free(s->slots);
	sg_buf_release(&s->arena);
	memset(s, 0, sizeof(*s));
}
