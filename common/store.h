/*
 * store.h — the storage layer's core: the environment and its transactions.
 *
 * LMDB is called from common/ only: here (store.c), and by the readers beside
 * it (postings_read.c: snapshots, point reads and scans; cursor.c: postings
 * cursors; index.c, check.c, stats.c). query/ and cli/ call those functions.
 * The indexer (indexer/writer.c, compact.c) still calls mdb_* directly until
 * its write side moves into common/ as well (issue 11).
 *
 * An index is one LMDB environment in a directory (data.mdb, lock.mdb) with
 * the named databases below; docs/FORMAT.md specifies every key and value.
 * This layer opens and creates the environment, grows the memory map when a
 * write transaction fills it (the user never picks a map size), and turns
 * LMDB's return codes into sagasu's SG_E... codes with a message that names
 * the directory and the fix.
 *
 * A writer also holds an exclusive lock on DIR/writer.lock (flock) for its
 * whole run, so that two `sagasu index` runs never interleave batches.
 */
#ifndef SG_STORE_H
#define SG_STORE_H

#include <lmdb.h>
#include <stdint.h>
#include <string.h>

#include "sagasu.h"

enum sg_dbi {
	SG_DB_META,      /* string key -> value: magic, format, analyzer, stats */
	SG_DB_TERMS,     /* term bytes -> termid, df, cf, max_tf, min_dl */
	SG_DB_POSTINGS,  /* (termid, first docid) -> block of docid gaps + tfs */
	SG_DB_POSITIONS, /* (termid, first docid) -> positions of that block */
	SG_DB_DOCS,      /* docid -> document record */
	SG_DB_IDS,       /* external id -> docid */
	SG_DB_LENGTHS,   /* docid / 1024 -> 1024 document lengths */
	SG_DB_COUNT
};

typedef struct sg_store {
	MDB_env *env;
	MDB_dbi dbi[SG_DB_COUNT];
	char *dir;
	int readonly;
	int lock_fd;     /* writer.lock, held by writers; -1 otherwise */
	size_t mapsize;
} sg_store;

/* Opens DIR. create: make DIR and the databases if absent (a writer).
 * readonly: open read-only (searchers); never writes anything. */
int sg_store_open(sg_store *st, const char *dir, int create, int readonly,
		  sg_error *err);

/* The same, and when it creates the databases it calls init(ctx, st, txn)
 * in the very transaction that creates them (st: the store being built),
 * so that a new index is never seen without what init writes (its meta),
 * even if the process dies: a new index is built aside and its data.mdb
 * renamed into DIR once committed (store.c, create_atomically). */
int sg_store_open_init(sg_store *st, const char *dir, int create,
		       int readonly,
		       int (*init)(void *ctx, sg_store *st, MDB_txn *txn,
				   sg_error *err),
		       void *ctx, sg_error *err);
void sg_store_close(sg_store *st);

/* Begins a transaction; a read one follows a map grown by another process. */
int sg_store_begin(sg_store *st, int write, MDB_txn **txn, sg_error *err);

/* Commits; on failure the transaction is gone and err says why. A full map
 * returns SG_EFULL after growing the map, so the caller may redo the batch. */
int sg_store_commit(sg_store *st, MDB_txn *txn, sg_error *err);

/* Doubles the map (call with no transaction of this process open). */
int sg_store_grow(sg_store *st, sg_error *err);

/* Translates an LMDB return code; names `what` in the message. MDB_MAP_FULL
 * grows the map and returns SG_EFULL (retry); a full disk returns SG_EFULL
 * with the fix; MDB_NOTFOUND returns SG_ENOTFOUND. */
int sg_store_fail(sg_store *st, int rc, const char *what, sg_error *err);

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

/* A postings or positions key: termid then first docid, both big-endian. */
#define SG_PKEY_LEN 8
static inline void sg_pkey_put(uint8_t *k, uint32_t termid, uint32_t docid)
{
	sg_be32_put(k, termid);
	sg_be32_put(k + 4, docid);
}

#endif
