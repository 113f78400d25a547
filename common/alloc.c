/*
 * alloc.c — the allocation hook (see alloc.h) and its failure injection.
 *
 * sg_test_fail_alloc(n, sticky) arms a counter: the nth allocation from then
 * on returns NULL (and, when `sticky`, every later one too). The counters are
 * atomic because the indexer's analysis threads allocate as well. Unarmed, the
 * cost is one relaxed atomic load an allocation.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "sagasu.h"

static atomic_long fail_at;    /* 0: unarmed; else the call number that fails */
static atomic_long calls;      /* allocations since sg_test_fail_alloc */
static atomic_int fail_sticky; /* every call from fail_at on fails */
static atomic_long fail_count; /* allocations that were made to fail */

void sg_test_fail_alloc(long n, int sticky)
{
	atomic_store(&fail_at, 0);
	atomic_store(&calls, 0);
	atomic_store(&fail_count, 0);
	atomic_store(&fail_sticky, sticky);
	atomic_store(&fail_at, n > 0 ? n : 0);
}

long sg_test_alloc_failures(void)
{
	return atomic_load(&fail_count);
}

/* 1 when this allocation must fail. */
static int should_fail(void)
{
	long at = atomic_load_explicit(&fail_at, memory_order_relaxed);
	long call;

	if (at == 0)
		return 0;
	call = atomic_fetch_add(&calls, 1) + 1;
	if (call == at || (call > at && atomic_load(&fail_sticky))) {
		atomic_fetch_add(&fail_count, 1);
		return 1;
	}
	return 0;
}

void *sg_malloc(size_t n)
{
	return should_fail() ? NULL : malloc(n);
}

void *sg_calloc(size_t count, size_t size)
{
	return should_fail() ? NULL : calloc(count, size);
}

void *sg_realloc(void *p, size_t n)
{
	return should_fail() ? NULL : realloc(p, n);
}

void sg_free(void *p)
{
	free(p);
}

char *sg_strdup(const char *s)
{
	return sg_strndup(s, strlen(s));
}

char *sg_strndup(const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *d = sg_malloc(len + 1);

	if (!d)
		return NULL;
	memcpy(d, s, len);
	d[len] = '\0';
	return d;
}
