/*
 * accum.c — the batch hash table described in accum.h.
 *
 * Linear probing over a power-of-two table of 32-bit entry indices, grown at
 * a load of 1/2. Entries live in a separate array in insertion order, so the
 * table itself is small and a resize only rehashes indices.
 */
#define _GNU_SOURCE /* qsort_r */
#include "alloc.h"
#include "accum.h"

#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "sagasu.h"

static int grow_slots(sg_accum *a)
{
	size_t n = a->n_slots ? a->n_slots * 2 : 1024, i;
	uint32_t *s = sg_calloc(n, sizeof(*s));

	if (!s)
		return SG_ENOMEM;
	for (i = 0; i < a->n_terms; i++) {
		size_t j = (size_t)a->terms[i].hash & (n - 1);

		while (s[j])
			j = (j + 1) & (n - 1);
		s[j] = (uint32_t)i + 1;
	}
	sg_free(a->slots);
	a->slots = s;
	a->n_slots = n;
	return SG_OK;
}

static sg_accum_term *find_or_add(sg_accum *a, const char *term, size_t len,
				  uint64_t h)
{
	sg_accum_term *t;
	size_t j;

	if ((a->n_terms + 1) * 2 > a->n_slots && grow_slots(a) != SG_OK)
		return NULL;
	for (j = (size_t)h & (a->n_slots - 1); a->slots[j];
	     j = (j + 1) & (a->n_slots - 1)) {
		t = &a->terms[a->slots[j] - 1];
		if (t->hash == h && t->term_len == len &&
		    !memcmp(a->arena.data + t->term_off, term, len))
			return t;
	}
	/* From 1024: the capacity counts in the batch's bytes, and a batch
	 * holds thousands of terms. */
	if (sg_grow_array_from((void **)&a->terms, &a->cap_terms,
			       a->n_terms + 1, sizeof(*a->terms), 1024) != SG_OK)
		return NULL;
	if (a->arena.len > UINT32_MAX - len)
		return NULL;
	t = &a->terms[a->n_terms];
	memset(t, 0, sizeof(*t));
	t->hash = h;
	t->term_off = (uint32_t)a->arena.len;
	t->term_len = (uint32_t)len;
	if (sg_buf_append(&a->arena, term, len) != SG_OK)
		return NULL;
	a->slots[j] = (uint32_t)++a->n_terms;
	return t;
}

int sg_accum_add_hashed(sg_accum *a, const char *term, size_t len,
			uint64_t hash, uint32_t docid, uint32_t tf,
			const void *pos, size_t pos_len)
{
	sg_accum_term *t = find_or_add(a, term, len, hash);
	size_t cap;
	int rc;

	if (!t)
		return SG_ENOMEM;
	cap = t->post.cap;
	rc = sg_buf_put_varint(&t->post, docid - t->last_docid);
	if (rc == SG_OK)
		rc = sg_buf_put_varint(&t->post, tf);
	if (rc == SG_OK)
		rc = sg_buf_append(&t->post, pos, pos_len);
	if (rc)
		return SG_ENOMEM;
	a->post_bytes += t->post.cap - cap;
	t->last_docid = docid;
	t->n_docs++;
	t->cf += tf;
	if (tf > t->max_tf)
		t->max_tf = tf;
	return SG_OK;
}

size_t sg_accum_bytes(const sg_accum *a)
{
	return a->post_bytes + a->arena.cap +
	       a->cap_terms * sizeof(*a->terms) +
	       a->n_slots * sizeof(*a->slots);
}

/* Orders entries by term bytes; ctx is the arena (qsort_r: no global, so
 * writers on several threads of one process may sort at once). */
static int cmp_terms(const void *x, const void *y, void *ctx)
{
	const sg_accum_term *a = x, *b = y;
	const char *arena = ctx;
	size_t n = a->term_len < b->term_len ? a->term_len : b->term_len;
	int c = memcmp(arena + a->term_off, arena + b->term_off, n);

	if (c)
		return c;
	return (a->term_len > b->term_len) - (a->term_len < b->term_len);
}

void sg_accum_sort(sg_accum *a)
{
	if (a->n_terms > 1)
		qsort_r(a->terms, a->n_terms, sizeof(*a->terms), cmp_terms,
			a->arena.data);
}

void sg_accum_reset(sg_accum *a)
{
	size_t i;

	for (i = 0; i < a->n_terms; i++)
		sg_buf_release(&a->terms[i].post);
	a->n_terms = 0;
	a->post_bytes = 0;
	if (a->slots)
		memset(a->slots, 0, a->n_slots * sizeof(*a->slots));
	sg_buf_reset(&a->arena);
}

void sg_accum_release(sg_accum *a)
{
	sg_accum_reset(a);
	sg_free(a->terms);
	sg_free(a->slots);
	sg_buf_release(&a->arena);
	memset(a, 0, sizeof(*a));
}
