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
#include "alloc.h"
#include "store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "error.h"
#include "lmdbfile.h"

static const char *const db_names[SG_DB_COUNT] = {
	"meta", "terms", "postings", "positions", "docs", "ids", "lengths",
	"columns", "fieldpos",
};

const char *sg_store_db_name(enum sg_dbi db)
{
	return db_names[db];
}

#define MIN_MAPSIZE ((size_t)64 << 20)

/* TEST HOOK, for tests/cli/faults.sh only: the environment variable
 * SAGASU_TEST_MAX_MAPSIZE (bytes) caps the map, so that a test reaches "the
 * map is full" with a few MiB of data instead of filling the address space.
 * The map starts at the cap when that is smaller than MIN_MAPSIZE, and
 * sg_store_grow refuses to go past it. Returns 0 when the hook is unset. */
static size_t test_max_mapsize(void)
{
	const char *s = getenv("SAGASU_TEST_MAX_MAPSIZE");
	char *end;
	unsigned long long v;

	if (!s || !*s)
		return 0;
	v = strtoull(s, &end, 10);
	return *end ? 0 : (size_t)v;
}

/* Under 1 MiB free for unprivileged users on the file system of dir. */
static int fs_nearly_full(const char *dir)
{
	struct statvfs vfs;

	return statvfs(dir, &vfs) == 0 &&
	       (uint64_t)vfs.f_bavail * vfs.f_frsize < ((uint64_t)1 << 20);
}

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
	case EIO:
		/* LMDB reports a short write (a file system that filled up
		 * in the middle of a page) as EIO, not ENOSPC. */
		if (st && st->dir && fs_nearly_full(st->dir))
			return sg_err(err, SG_EFULL,
				      "%s: no space left on the device holding "
				      "%s (an I/O error with under 1 MiB free): "
				      "free some space and run again (the last "
				      "committed batch is intact)", what, dir);
		return sg_err(err, SG_EIO, "%s: %s: %s", what, dir,
			      mdb_strerror(rc));
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
	MDB_dbi main_dbi;

	/* The main database (dbi 0 is LMDB's free list, not it). */
	return mdb_dbi_open(txn, NULL, 0, &main_dbi) == MDB_SUCCESS &&
	       mdb_stat(txn, main_dbi, &ms) == MDB_SUCCESS &&
	       ms.ms_entries == 0;
}

/* LMDB maps data.mdb and trusts its meta page: a file cut shorter than a
 * page in use would end in SIGBUS at the first read of that page. Which
 * pages must exist (lmdbfile.h): every page up to the meta's last page but
 * those on the free list, since LMDB never writes a page it allocated at
 * the end of the file and freed again in the same transaction. The usual
 * case needs no reading: the file reaches the last page. Otherwise the
 * free list of the newest snapshot says whether the missing tail is free,
 * read under a read transaction that keeps LMDB from reusing its pages
 * meanwhile. Returns SG_OK, SG_ECORRUPT (truncated or unreadable: *need
 * and *why say what) or another SG_E code in err. */
static int file_holds_committed(sg_store *st, size_t *fsize, size_t *need,
				const char **why, sg_error *err)
{
	char path[4200];
	MDB_envinfo info;
	MDB_stat ms;
	MDB_txn *txn;
	struct stat sb;
	uint64_t need64;
	int rc, fd, attempt;

	*need = 0;
	*why = "";
	/* The meta first, then the size: a commit writes its pages before
	 * its meta page, so the file is never shorter than a meta read
	 * earlier says, except by free pages. */
	if (mdb_env_info(st->env, &info) != MDB_SUCCESS ||
	    mdb_env_stat(st->env, &ms) != MDB_SUCCESS)
		return SG_OK;
	if (data_file_size(st->dir, fsize) != 0) {
		*why = "it cannot be read";
		return SG_ECORRUPT;
	}
	*need = ((size_t)info.me_last_pgno + 1) * ms.ms_psize;
	if (*fsize >= *need)
		return SG_OK;
	snprintf(path, sizeof(path), "%s/data.mdb", st->dir);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return sg_err(err, SG_EIO, "%s: cannot open: %s", path,
			      strerror(errno));
	rc = SG_LMDB_STALE;
	for (attempt = 0; rc == SG_LMDB_STALE && attempt < 5; attempt++) {
		int brc = sg_store_begin(st, 0, &txn, err);

		if (brc != SG_OK) {
			close(fd);
			return brc;
		}
		if (fstat(fd, &sb) != 0) {
			rc = SG_LMDB_UNREADABLE;
			*why = "it cannot be read";
		} else {
			*fsize = (size_t)sb.st_size;
			rc = sg_lmdb_tail_check(fd, (uint64_t)sb.st_size,
						ms.ms_psize, mdb_txn_id(txn),
						&need64, why);
			if (rc == SG_LMDB_TRUNCATED)
				*need = (size_t)need64;
		}
		mdb_txn_abort(txn);
	}
	close(fd);
	switch (rc) {
	case SG_LMDB_WHOLE:
		return SG_OK;
	case SG_ENOMEM:
		return sg_err(err, SG_ENOMEM, "%s: out of memory", st->dir);
	default: /* truncated, unreadable, or rewritten under us 5 times */
		return SG_ECORRUPT;
	}
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

/* Creates, configures and opens st->env; returns LMDB's code. On failure
 * st->env may be set and must be closed (sg_store_close does it). */
static int env_open(sg_store *st, const char *dir, unsigned flags)
{
	int rc = mdb_env_create(&st->env);

	if (rc != MDB_SUCCESS) {
		st->env = NULL;
		return rc;
	}
	rc = mdb_env_set_mapsize(st->env, st->mapsize);
	if (rc == MDB_SUCCESS)
		rc = mdb_env_set_maxdbs(st->env, SG_DB_COUNT + 2);
	if (rc == MDB_SUCCESS)
		rc = mdb_env_set_maxreaders(st->env, 256);
	if (rc == MDB_SUCCESS)
		rc = mdb_env_open(st->env, dir, flags, 0644);
	return rc;
}

int sg_store_open(sg_store *st, const char *dir, int create, int readonly,
		  sg_error *err)
{
	return sg_store_open_init(st, dir, create, readonly, NULL, NULL, err);
}

static int store_open(sg_store *st, const char *dir, int create, int readonly,
		      int (*init)(void *ctx, sg_store *st, MDB_txn *txn,
				  sg_error *err),
		      void *ctx, int in_place, sg_error *err);

#define NEW_DIR ".sagasu-new" /* where a new index is built (below) */

/* Removes what a killed creation left in DIR/.sagasu-new (only LMDB's and
 * sagasu's own files; anything else keeps the directory, which then makes
 * DIR non-empty and refused). */
static void remove_new_dir(const char *tmp)
{
	static const char *const files[] = { "data.mdb", "lock.mdb",
					     "writer.lock" };
	char path[4096];
	size_t i;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", tmp,
				     files[i]) < sizeof(path))
			(void)unlink(path);
	(void)rmdir(tmp);
}

/* Creates a new index in the empty directory DIR atomically: the
 * environment is built, its databases created and init's records written
 * and committed in DIR/.sagasu-new, then its data.mdb is renamed into DIR.
 * A process killed at any moment leaves either no data.mdb in DIR (nothing
 * was indexed; the next run starts over) or a complete one; never an
 * environment without its databases and meta. */
static int create_atomically(const char *dir,
			     int (*init)(void *ctx, sg_store *st,
					 MDB_txn *txn, sg_error *err),
			     void *ctx, sg_error *err)
{
	char tmp[4096], from[4200], to[4200];
	sg_store nst;
	int rc, fd;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s/%s", dir, NEW_DIR) >=
	    sizeof(tmp))
		return sg_err(err, SG_EINVAL, "%s: path too long", dir);
	if (mkdir(tmp, 0755) != 0)
		return sg_err(err, SG_EIO, "%s: cannot create: %s", tmp,
			      strerror(errno));
	rc = store_open(&nst, tmp, 1, 0, init, ctx, 1, err);
	if (rc != SG_OK) {
		remove_new_dir(tmp);
		return rc;
	}
	sg_store_close(&nst);
	snprintf(from, sizeof(from), "%s/data.mdb", tmp);
	snprintf(to, sizeof(to), "%s/data.mdb", dir);
	if (rename(from, to) != 0) {
		rc = sg_err(err, SG_EIO, "%s: cannot move the new index into "
			    "place: %s", to, strerror(errno));
		remove_new_dir(tmp);
		return rc;
	}
	remove_new_dir(tmp);
	/* The rename is durable once the directory is. */
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		(void)fsync(fd);
		close(fd);
	}
	return SG_OK;
}

int sg_store_open_init(sg_store *st, const char *dir, int create,
		       int readonly,
		       int (*init)(void *ctx, sg_store *st, MDB_txn *txn,
				   sg_error *err),
		       void *ctx, sg_error *err)
{
	return store_open(st, dir, create, readonly, init, ctx, 0, err);
}

/* in_place: create the environment right in DIR (create_atomically's own
 * call); otherwise a new index is created through create_atomically. */
static int store_open(sg_store *st, const char *dir, int create, int readonly,
		      int (*init)(void *ctx, sg_store *st, MDB_txn *txn,
				  sg_error *err),
		      void *ctx, int in_place, sg_error *err)
{
	struct stat sb;
	MDB_txn *txn = NULL;
	unsigned flags = MDB_NOTLS;
	size_t fsize = 0;
	int rc, i, fresh, existed;

	memset(st, 0, sizeof(*st));
	st->lock_fd = -1;
	st->readonly = readonly;
	st->dir = sg_strdup(dir);
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
	existed = data_file_size(dir, &fsize) == 0;
	if (existed && fsize == 0) {
		/* LMDB would take an empty data.mdb for a new environment and
		 * write a fresh one over what was there. */
		rc = sg_err(err, SG_ECORRUPT,
			    "%s/data.mdb is empty (0 bytes): the index is "
			    "truncated or was never written: rebuild it "
			    "(remove %s, or index into a new directory)",
			    dir, dir);
		goto fail;
	}
	if (!existed) {
		if (!create) {
			rc = sg_err(err, SG_ENOTINDEX,
				    "%s: not a sagasu index (no data.mdb); "
				    "build one with 'sagasu index -d %s FILE...'",
				    dir, dir);
			goto fail;
		}
		if (!in_place) {
			char tmp[4096];

			/* What a creation killed before its rename left. */
			if ((size_t)snprintf(tmp, sizeof(tmp), "%s/%s", dir,
					     NEW_DIR) < sizeof(tmp))
				remove_new_dir(tmp);
		}
		if (!dir_is_empty(dir)) {
			rc = sg_err(err, SG_ENOTINDEX,
				    "%s: not empty and not a sagasu index; "
				    "sagasu never writes into such a directory: "
				    "name a new or empty one", dir);
			goto fail;
		}
		if (!in_place) {
			rc = create_atomically(dir, init, ctx, err);
			if (rc != SG_OK)
				goto fail;
			existed = data_file_size(dir, &fsize) == 0;
		}
	}

	st->mapsize = fsize * 2 > MIN_MAPSIZE ? fsize * 2 : MIN_MAPSIZE;
	if (test_max_mapsize() && st->mapsize > test_max_mapsize())
		st->mapsize = test_max_mapsize(); /* the test hook above */
	if (readonly)
		flags |= MDB_RDONLY;
	rc = env_open(st, dir, flags);
	if (rc == EACCES && readonly) {
		/* A reader that may not write lock.mdb (a read-only index
		 * directory owned by someone else) opens without LMDB's reader
		 * table, as LMDB itself does on a read-only file system. It
		 * then has no protection against a writer reusing the pages
		 * it reads, which cannot write there either, unless it is the
		 * owner or root: docs/RELIABILITY.md. */
		mdb_env_close(st->env);
		st->env = NULL;
		rc = env_open(st, dir, flags | MDB_NOLOCK);
	}
	if (rc != MDB_SUCCESS) {
		rc = sg_store_fail(st, rc, "opening the index", err);
		if (rc == SG_ESTORE || rc == SG_ECORRUPT)
			sg_err_prefix(err, "not a readable sagasu index: ");
		goto fail;
	}
	if (existed) {
		size_t need = 0;
		const char *why = "";

		/* data.mdb may have grown since the stat above: look again. */
		rc = file_holds_committed(st, &fsize, &need, &why, err);
		if (rc == SG_ECORRUPT)
			rc = sg_err(err, SG_ECORRUPT,
				    "%s/data.mdb is truncated (%zu bytes; its "
				    "committed pages need %zu: %s): the index "
				    "is damaged: rebuild it (sagasu index into "
				    "a new directory)", dir, fsize, need, why);
		if (rc != SG_OK)
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
		if (rc == MDB_NOTFOUND && (SG_DB_OPTIONAL & (1u << i))) {
			st->absent |= 1u << i;
			continue;
		}
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
	if (fresh && init) {
		rc = init(ctx, st, txn, err);
		if (rc != SG_OK) {
			mdb_txn_abort(txn);
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
	sg_free(st->dir);
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

void sg_store_abort(MDB_txn *txn)
{
	if (txn)
		mdb_txn_abort(txn);
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
	size_t size = st->mapsize * 2, cap = test_max_mapsize();
	int rc;

	if (cap && size > cap) /* the test hook above */
		return sg_err(err, SG_EFULL,
			      "the LMDB map of %s is full at %zu MiB (limit "
			      "set by SAGASU_TEST_MAX_MAPSIZE=%zu); unset it "
			      "or raise it and run again (the last committed "
			      "batch is intact)",
			      st->dir, st->mapsize >> 20, cap);
	rc = mdb_env_set_mapsize(st->env, size);
	if (rc != MDB_SUCCESS)
		return sg_err(err, SG_EFULL,
			      "%s: the LMDB map is full and cannot grow to %zu "
			      "MiB (%s)", st->dir, size >> 20, mdb_strerror(rc));
	st->mapsize = size;
	return SG_OK;
}
