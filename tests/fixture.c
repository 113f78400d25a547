/*
 * fixture.c — the shared index fixture of the unit suites (fixture.h).
 */
#include "fixture.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int sg_fixture_mkdir(const char *name, char out[SG_FIXTURE_PATH_MAX])
{
	const char *tmp = getenv("TMPDIR");
	int n;

	if (!tmp || !*tmp || strlen(tmp) > SG_FIXTURE_PATH_MAX / 2)
		tmp = "/tmp";
	n = snprintf(out, SG_FIXTURE_PATH_MAX, "%s/sg-%s-XXXXXX", tmp, name);
	if (n < 0 || n >= SG_FIXTURE_PATH_MAX)
		return -1;
	return mkdtemp(out) ? 0 : -1;
}

void sg_fixture_remove(const char *dir)
{
	char path[SG_FIXTURE_PATH_MAX * 2];
	struct dirent *e;
	DIR *d = opendir(dir);

	if (d) {
		while ((e = readdir(d)) != NULL) {
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
			(void)unlink(path);
		}
		closedir(d);
	}
	(void)rmdir(dir);
}

int sg_fixture_add(sg_writer *w, const char *id, const char *body,
		   sg_error *err)
{
	sg_slice texts[2] = { { "", 0 }, { body, strlen(body) } };
	sg_doc doc;

	memset(&doc, 0, sizeof(doc));
	doc.id.ptr = id;
	doc.id.len = strlen(id);
	doc.texts = texts;   /* title (empty), body */
	doc.n_texts = 2;
	return sg_writer_add(w, &doc, err);
}

int sg_fixture_index(const char *dir, sg_index_options io,
		     const char *const *bodies, const char *const *ids,
		     size_t n, sg_index **out, sg_error *err)
{
	sg_writer_options wo = SG_WRITER_OPTIONS_INIT;
	sg_writer *w = NULL;
	sg_index *idx = NULL;
	char id[32];
	size_t i;
	int rc;

	*out = NULL;
	io.create = 1;
	wo.threads = 1;
	rc = sg_index_open(dir, &io, &idx, err);
	if (rc == SG_OK)
		rc = sg_writer_open(idx, &wo, &w, err);
	for (i = 0; rc == SG_OK && i < n; i++) {
		snprintf(id, sizeof(id), "d%zu", i);
		rc = sg_fixture_add(w, ids ? ids[i] : id, bodies[i], err);
	}
	if (rc == SG_OK)
		rc = sg_writer_commit(w, err);
	sg_writer_free(w);
	if (rc != SG_OK) {
		sg_index_close(idx);
		return rc;
	}
	*out = idx;
	return SG_OK;
}
