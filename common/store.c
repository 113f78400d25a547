/*
 * store.c — LMDB environment, map growth and error translation.
 *
 * Map size: LMDB needs a maximum size up front. We start at 64 MiB or twice
 * the data file, whichever is larger, and double it whenever a write
 * transaction reports MDB_MAP_FULL (the caller then redoes its batch). The
 * map is virtual address space, not memory, so doubling is cheap. Readers in
 * other processes see MDB_MAP_RESIZED at their next transaction and adopt the
 * new size with mdb_env_set_mapsize(env, 0).
 */
#include "store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"

static const char *const db_names[SG_DB_COUNT] = {
	"meta", "terms", "postings", "positions", "docs", "ids", "lengths",
};

#define MIN_MAPSIZE ((size_t)64 << 20)

int sg_store_fail(sg_store *st, int rc, const char *what, sg_error *err)
{
	const char *dir = st && st->dir ? st->dir : "?";

	switch (rc) {
	case MDB_SUCCESS:
		return SG_OK;
	case MDB_NOTFOUND:
		return sg_err(err, SG_ENOTFOUND, "%s: not found", what);
	case MDB_MAP_FULL:
		if (st && sg_store_grow(st, err) != SG_OK)
			return err ? err->code : SG_EFULL;
		return sg_err(err, SG_EFULL,
			      "%s: the LMDB map of %s was full; it has been "
			      "grown to %zu MiB, redo the batch",
			      what, dir, st ? st->mapsize >> 20 : 0);
	case ENOSPC:
	case EDQUOT:
		return sg_err(err, SG_EFULL,
			      "%s: no space left on the device holding %s: free "
			      "some space and run again (the last committed "
			      "batch is intact)", what, dir);
	case MDB_CORRUPTED:
	case MDB_PAGE_NOTFOUND:
	case MDB_INVALID:
	case MDB_VERSION_MISMATCH:
		return sg_err(err, SG_ECORRUPT,
			      "%s: %s: %s; the index is damaged: rebuild it "
			      "(sagasu index into a new directory)",
			      what, dir, mdb_strerror(rc));
	case MDB_READERS_FULL:
		return sg_err(err, SG_EBUSY,
			      "%s: %s: too many readers at once (%s)", what,
			      dir, mdb_strerror(rc));
	case EACCES:
	case EROFS:
		return sg_err(err, SG_EIO,
			      "%s: %s: permission denied (%s); a read-only "
			      "index can be searched but not written", what,
			      dir, mdb_strerror(rc));
	case ENOMEM:
		return sg_err(err, SG_ENOMEM, "%s: %s: out of memory", what,
			      dir);
	default:
		return sg_err(err, SG_ESTORE, "%s: %s: %s", what, dir,
			      mdb_strerror(rc));
	}
}

static int data_file_size(const char *dir, size_t *size)
{
	char path[4096];
	struct stat sb;

	if ((size_t)snprintf(path, sizeof(path), "%s/data.mdb", dir) >=
	    sizeof(path))
		return -1;
	if (stat(path, &sb) != 0)
		return -1;
	*size = (size_t)sb.st_size;
	return 0;
}

/* A directory we may create an index in: nothing but "." and "..". */
static int dir_is_empty(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int empty = 1;

	if (!d)
		return 0;
	while (empty && (e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			empty = 0;
	closedir(d);
	return empty;
}

/* A new environment has an empty main database; one holding other
 * databases or keys belongs to someone else. */
static int env_is_empty(MDB_txn *txn)
{
	MDB_stat ms;

	return mdb_stat(txn, 0, &ms) == MDB_SUCCESS && ms.ms_entries == 0;
}

static int take_writer_lock(sg_store *st, sg_error *err)
{
	char path[4096];

	if ((size_t)snprintf(path, sizeof(path), "%s/writer.lock", st->dir) >=
	    sizeof(path))
		return sg_err(err, SG_EINVAL, "%s: path too long", st->dir);
	st->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (st->lock_fd < 0)
		return sg_err(err, SG_EIO, "%s: cannot open: %s", path,
			      strerror(errno));
	if (flock(st->lock_fd, LOCK_EX | LOCK_NB) != 0) {
		int e = errno;

		close(st->lock_fd);
		st->lock_fd = -1;
		if (e == EWOULDBLOCK)
			return sg_err(err, SG_EBUSY,
				      "%s: another sagasu process is writing "
				      "this index; wait for it to finish",
				      st->dir);
		return sg_err(err, SG_EIO, "%s: cannot lock: %s", path,
			      strerror(e));
	}
	return SG_OK;
}

int sg_store_open(sg_store *st, const char *dir, int create, int readonly,
		  sg_error *err)
{
	struct stat sb;
	MDB_txn *txn = NULL;
	unsigned flags = MDB_NOTLS;
	size_t fsize = 0;
	int rc, i, fresh;

	memset(st, 0, sizeof(*st));
	st->lock_fd = -1;
	st->readonly = readonly;
	st->dir = strdup(dir);
	if (!st->dir)
		return sg_err(err, SG_ENOMEM, "out of memory");

	if (stat(dir, &sb) != 0) {
		if (errno != ENOENT || !create) {
			rc = sg_err(err, SG_ENOTINDEX,
				    "%s: no such index directory (%s); build "
				    "one with 'sagasu index -d %s FILE...'",
				    dir, strerror(errno), dir);
			goto fail;
		}
		if (mkdir(dir, 0755) != 0) {
			rc = sg_err(err, SG_EIO, "%s: cannot create: %s", dir,
				    strerror(errno));
			goto fail;
		}
	} else if (!S_ISDIR(sb.st_mode)) {
		rc = sg_err(err, SG_ENOTINDEX,
			    "%s: not a directory; an index is a directory",
			    dir);
		goto fail;
	}
	if (data_file_size(dir, &fsize) != 0) {
		if (!create) {
			rc = sg_err(err, SG_ENOTINDEX,
				    "%s: not a sagasu index (no data.mdb); "
				    "build one with 'sagasu index -d %s FILE...'",
				    dir, dir);
			goto fail;
		}
		if (!dir_is_empty(dir)) {
			rc = sg_err(err, SG_ENOTINDEX,
				    "%s: not empty and not a sagasu index; "
				    "sagasu never writes into such a directory: "
				    "name a new or empty one", dir);
			goto fail;
		}
	}

	rc = mdb_env_create(&st->env);
	if (rc != MDB_SUCCESS) {
		rc = sg_store_fail(st, rc, "mdb_env_create", err);
		goto fail;
	}
	st->mapsize = fsize * 2 > MIN_MAPSIZE ? fsize * 2 : MIN_MAPSIZE;
	rc = mdb_env_set_mapsize(st->env, st->mapsize);
	if (rc == MDB_SUCCESS)
		rc = mdb_env_set_maxdbs(st->env, SG_DB_COUNT + 2);
	if (rc == MDB_SUCCESS)
		rc = mdb_env_set_maxreaders(st->env, 256);
	if (rc != MDB_SUCCESS) {
		rc = sg_store_fail(st, rc, "configuring LMDB", err);
		goto fail;
	}
	if (readonly)
		flags |= MDB_RDONLY;
	rc = mdb_env_open(st->env, dir, flags, 0644);
	if (rc != MDB_SUCCESS) {
		rc = sg_store_fail(st, rc, "opening the index", err);
		if (rc == SG_ESTORE || rc == SG_ECORRUPT)
			sg_err_prefix(err, "not a readable sagasu index: ");
		goto fail;
	}
	if (readonly) {
		/* Adopt the size the writer last set (it may be larger). */
		MDB_envinfo info;

		if (mdb_env_info(st->env, &info) == MDB_SUCCESS)
			st->mapsize = info.me_mapsize;
	}

	rc = mdb_txn_begin(st->env, NULL, readonly ? MDB_RDONLY : 0, &txn);
	if (rc != MDB_SUCCESS) {
		rc = sg_store_fail(st, rc, "opening the index", err);
		goto fail;
	}
	fresh = !readonly && env_is_empty(txn);
	for (i = 0; i < SG_DB_COUNT; i++) {
		rc = mdb_dbi_open(txn, db_names[i], 0, &st->dbi[i]);
		if (rc == MDB_NOTFOUND && fresh)
			rc = mdb_dbi_open(txn, db_names[i], MDB_CREATE,
					  &st->dbi[i]);
		if (rc == MDB_NOTFOUND) {
			mdb_txn_abort(txn);
			rc = sg_err(err, SG_ENOTINDEX,
				    "%s: an LMDB environment but not a sagasu "
				    "index (no '%s' database); sagasu never "
				    "writes into it", dir, db_names[i]);
			goto fail;
		}
		if (rc != MDB_SUCCESS) {
			mdb_txn_abort(txn);
			rc = sg_store_fail(st, rc, "opening a database", err);
			goto fail;
		}
	}
	rc = mdb_txn_commit(txn);
	if (rc != MDB_SUCCESS) {
		rc = sg_store_fail(st, rc, "opening the databases", err);
		goto fail;
	}
	if (!readonly) {
		rc = take_writer_lock(st, err);
		if (rc != SG_OK)
			goto fail;
	}
	return SG_OK;

fail:
	sg_store_close(st);
	return rc;
}

void sg_store_close(sg_store *st)
{
	if (st->env)
		mdb_env_close(st->env);
	st->env = NULL;
	if (st->lock_fd >= 0)
		close(st->lock_fd);
	st->lock_fd = -1;
	free(st->dir);
	st->dir = NULL;
}

int sg_store_begin(sg_store *st, int write, MDB_txn **txn, sg_error *err)
{
	int rc = mdb_txn_begin(st->env, NULL, write ? 0 : MDB_RDONLY, txn);

	if (rc == MDB_MAP_RESIZED) {
		rc = mdb_env_set_mapsize(st->env, 0);
		if (rc == MDB_SUCCESS)
			rc = mdb_txn_begin(st->env, NULL,
					   write ? 0 : MDB_RDONLY, txn);
	}
	if (rc != MDB_SUCCESS)
		return sg_store_fail(st, rc, "beginning a transaction", err);
	return SG_OK;
}

int sg_store_commit(sg_store *st, MDB_txn *txn, sg_error *err)
{
	int rc = mdb_txn_commit(txn);

	if (rc != MDB_SUCCESS)
		return sg_store_fail(st, rc, "committing a batch", err);
	return SG_OK;
}

int sg_store_grow(sg_store *st, sg_error *err)
{
	size_t size = st->mapsize * 2;
	int rc = mdb_env_set_mapsize(st->env, size);

	if (rc != MDB_SUCCESS)
		return sg_err(err, SG_EFULL,
			      "%s: the LMDB map is full and cannot grow to %zu "
			      "MiB (%s)", st->dir, size >> 20, mdb_strerror(rc));
	st->mapsize = size;
	return SG_OK;
}
