/*
 * alloc.h — the one allocation hook of the library.
 *
 * Every allocation of common/, indexer/ and query/ goes through these
 * functions, so that a test can make the Nth one fail and prove that each
 * caller turns a NULL into SG_ENOMEM, frees what it holds and leaves the
 * index as it was (tests/cli/oom.sh; docs/RELIABILITY.md).
 *
 * Memory handed out by other libraries (getline's buffer, json_dumps'
 * string, MeCab's and LMDB's own) is released with their own rule, not
 * with sg_free.
 */
#ifndef SG_ALLOC_H
#define SG_ALLOC_H

#include <stddef.h>

void *sg_malloc(size_t n);
void *sg_calloc(size_t count, size_t size);
/* As realloc: on failure returns NULL and leaves p as it was. */
void *sg_realloc(void *p, size_t n);
void sg_free(void *p);
char *sg_strdup(const char *s);
char *sg_strndup(const char *s, size_t n);

#endif
