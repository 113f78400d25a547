/*
 * store.h — the storage layer's core: the environment and its transactions.
 *
 * LMDB is called from common/ only: here (store.c: the environment and
 * transactions), the readers (postings_read.c: snapshots, point reads and
 * scans; cursor.c: postings cursors), the writers (postings_write.c: blocks
 * and term records; tables.c: documents, ids, lengths, the term walk), and
 * index.c, check.c, stats.c. indexer/, query/ and cli/ call those functions
 * (grep for mdb_ in indexer, query and cli finds nothing). The tables
 * and their key layouts are schema.h's; byte order helpers byteorder.h's.
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
#include "schema.h"

typedef struct sg_store {
	MDB_env *env;
	MDB_dbi dbi[SG_DB_COUNT];
	char *dir;
	int readonly;
	int lock_fd;     /* writer.lock, held by writers; -1 otherwise */
	size_t mapsize;
	unsigned absent; /* bit i: optional table i is not in this index */
} sg_store;

/* 1 when the index holds table db (every table but an SG_DB_OPTIONAL one
 * an older index lacks). */
static inline int sg_store_has(const sg_store *st, enum sg_dbi db)
{
	return !(st->absent & (1u << db));
}

/* The table's name in the environment ("meta", "terms", ...). */
const char *sg_store_db_name(enum sg_dbi db);

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

/* Ends a transaction of either kind without committing it (NULL:
 * nothing). */
void sg_store_abort(MDB_txn *txn);

/* Doubles the map (call with no transaction of this process open). */
int sg_store_grow(sg_store *st, sg_error *err);

/* Translates an LMDB return code; names `what` in the message. MDB_MAP_FULL
 * grows the map and returns SG_EFULL (retry); a full disk returns SG_EFULL
 * with the fix; MDB_NOTFOUND returns SG_ENOTFOUND. */
int sg_store_fail(sg_store *st, int rc, const char *what, sg_error *err);

#endif
