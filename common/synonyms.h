/*
 * synonyms.h — the synonym groups of sg_synonyms_load (include/sagasu.h),
 * as the query planner reads them.
 *
 * The groups are parsed and expanded once, at load: every distinct member
 * (normalized by sg_normalize, white space trimmed) has its expansion, the
 * members of every group that holds it, ready as arrays of pointers and
 * lengths, so that a lookup at query time is one hash probe and allocates
 * nothing. The groups never change after load; any number of threads may
 * look words up at once.
 *
 * Limits (each an error at load that names the file, and the line when
 * one line is to blame; docs/QUERY.md, Synonyms):
 *  - the file: at most SG_SYNONYMS_FILE_MAX bytes (SG_ETOOBIG);
 *  - a member: at most SG_TERM_MAX bytes after normalization (SG_EINVAL);
 *  - a word's expansion, all its groups together: at most
 *    SG_SYNONYMS_EXPAND_MAX members, itself included (SG_EINVAL, naming
 *    the line of the group that crossed it);
 *  - all expansions together: at most SG_SYNONYMS_ENTRIES_MAX members
 *    (SG_ETOOBIG), which bounds the memory to 16 bytes an entry, 256 MiB.
 */
#ifndef SG_SYNONYMS_H
#define SG_SYNONYMS_H

#include <stddef.h>

#include "sagasu.h"

#define SG_SYNONYMS_FILE_MAX ((size_t)64 << 20)   /* 64 MiB */
#define SG_SYNONYMS_EXPAND_MAX 256
#define SG_SYNONYMS_ENTRIES_MAX ((size_t)1 << 24)

/* The members of every group that holds `word` (len bytes, normalized
 * by sg_normalize and trimmed by the caller), each once, `word` itself
 * first; *n = 0 when no group holds it. The strings are NUL-terminated,
 * normalized, owned by s; no allocation (precomputed at load). The other
 * members follow in the order they first appear in the file (the groups
 * in file order, each group's members in line order). s may be NULL (no
 * groups: *n = 0); *members and *lens are NULL when *n is 0. */
void sg_synonyms_expand(const sg_synonyms *s, const char *word,
			size_t len, const char *const **members,
			const size_t **lens, size_t *n);

/* The groups loaded (lines that were neither blank nor a comment). */
size_t sg_synonyms_groups(const sg_synonyms *s);

#endif
