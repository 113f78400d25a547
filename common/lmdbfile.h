/*
 * lmdbfile.h — which pages of an LMDB data.mdb must exist, read with pread.
 *
 * LMDB maps data.mdb and trusts its meta page: a file cut shorter than a
 * page a tree refers to ends in SIGBUS at the first read of that page. The
 * meta's last page number (mdb_env_info's me_last_pgno) is not the length
 * the file must have, though. LMDB's own invariant (mdb.c, above MDB_page):
 *
 *   Each non-metapage up to mm_last_pg is reachable exactly once in the
 *   snapshot: either used by a database or listed in a freeDB record.
 *
 * and a page that a write transaction allocated at the end of the file and
 * freed again before its commit (a "loose" page) is listed in the free DB
 * but never written: mdb_page_flush skips P_LOOSE pages, and the file only
 * grows by the pages written. So a valid data.mdb may end before
 * mm_last_pg, by pages that are all on the free list; a truncated one ends
 * before a page that is not. sg_lmdb_tail_check tells the two apart.
 *
 * It reads the meta pages and the free DB with pread, never through the
 * map: through the map, a free-DB page past the end of a really truncated
 * file would be the very SIGBUS the check is there to prevent. It knows
 * LMDB's on-disk layout (data version 1, liblmdb 0.9, pgno_t = size_t),
 * which it checks (magic, version, page numbers) before trusting it.
 */
#ifndef SG_LMDBFILE_H
#define SG_LMDBFILE_H

#include <stddef.h>
#include <stdint.h>

enum {
	SG_LMDB_WHOLE = 0,     /* every page not on the free list exists */
	SG_LMDB_TRUNCATED = 1, /* a page in use lies past the end of the file */
	SG_LMDB_STALE = 2,     /* no meta page of txnid any more: retry */
	SG_LMDB_UNREADABLE = 3 /* the meta or free DB does not parse */
};

/* Checks the snapshot txnid of the data.mdb open on fd (file size fsize,
 * page size psize). The caller holds a read transaction on txnid, so that
 * LMDB does not reuse the snapshot's free-DB pages while they are read.
 * Returns an SG_LMDB_ value, or SG_ENOMEM. *need: on SG_LMDB_TRUNCATED,
 * the bytes the file needs at least; *why: a static phrase saying what was
 * found (for the message), on every value but SG_LMDB_WHOLE. */
int sg_lmdb_tail_check(int fd, uint64_t fsize, size_t psize, uint64_t txnid,
		       uint64_t *need, const char **why);

#endif
