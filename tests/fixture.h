/*
 * fixture.h — the index fixture the unit suites share: a fresh temporary
 * directory, an index in it built from a few bodies, and its removal.
 *
 * A suite names its documents as an array of bodies (ids d0, d1, ... or
 * its own), picks the index options it tests, and gets an open sg_index
 * with everything committed. The directory lives under $TMPDIR (else
 * /tmp) and is removed whole by sg_fixture_remove, whatever files the
 * index made there.
 */
#ifndef SG_TEST_FIXTURE_H
#define SG_TEST_FIXTURE_H

#include <stddef.h>

#include "sagasu.h"

#define SG_FIXTURE_PATH_MAX 256

/* Makes a new empty directory $TMPDIR/sg-NAME-XXXXXX into out; 0 or -1. */
int sg_fixture_mkdir(const char *name, char out[SG_FIXTURE_PATH_MAX]);

/* Removes dir and the files in it (one level, as an index has). */
void sg_fixture_remove(const char *dir);

/* Queues one document with an empty title and `body` (copied). */
int sg_fixture_add(sg_writer *w, const char *id, const char *body,
		   sg_error *err);

/* Creates the index in dir with io (create is set) and indexes bodies[i]
 * as ids "d0", "d1", ... (ids NULL) or ids[i], on one thread, committed.
 * *out is open on success; 0 or the failing call's code (err says). */
int sg_fixture_index(const char *dir, sg_index_options io,
		     const char *const *bodies, const char *const *ids,
		     size_t n, sg_index **out, sg_error *err);

#endif
