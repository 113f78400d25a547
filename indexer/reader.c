/*
 * reader.c — documents from JSONL, from files, from lines.
 *
 * A record that cannot be read (broken JSON, a wrong type, no id) is
 * reported as "FILE:LINE: what is wrong" and skipped; the caller counts it
 * and goes on. Invalid UTF-8 is replaced by U+FFFD before parsing (JSON
 * parsers reject it), and counted, so that no document is lost to a bad
 * byte. A UTF-8 byte order mark at the start of a file is dropped and a
 * CR before the line feed is removed.
 *
 * A file of --format files is one document: its title is its first
 * non-blank line, its body the rest of the file after that line.
 */
#define _GNU_SOURCE /* getline, nftw's FTW_ACTIONRETVAL is not used */
#include <errno.h>
#include <ftw.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <utf8proc.h>

#include "alloc.h"
#include "buf.h"
#include "error.h"
#include "sagasu.h"

struct sg_reader {
	sg_format format;
	const char *const *fields;
	size_t n_fields;
	char *root;             /* the argument */
	char **files;           /* FILES: the files to read, sorted */
	size_t n_files, next_file, cap_files;
	FILE *f;                /* JSONL, LINES: the open stream */
	const char *name;       /* for messages */
	uint64_t line;
	char *linebuf;
	size_t linecap;
	uint64_t done, total;
	sg_buf text, clean, id, stored;
	json_t *obj;
	sg_slice texts[SG_FIELDS_MAX];
};

/* Copies src into out with every invalid UTF-8 sequence replaced by U+FFFD;
 * returns how many were replaced (or SIZE_MAX when out of memory). */
static size_t sanitize(sg_buf *out, const char *src, size_t len)
{
	const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)src;
	size_t i = 0, fixed = 0;

	sg_buf_reset(out);
	if (sg_buf_reserve(out, len) != SG_OK)
		return SIZE_MAX;
	while (i < len) {
		utf8proc_int32_t cp;
		utf8proc_ssize_t n;

		if (p[i] < 0x80) {
			out->data[out->len++] = (char)p[i++];
			continue;
		}
		n = utf8proc_iterate(p + i, (utf8proc_ssize_t)(len - i), &cp);
		if (n > 0) {
			if (sg_buf_append(out, src + i, (size_t)n))
				return SIZE_MAX;
			i += (size_t)n;
		} else {
			/* 1 byte in, 3 out: reserve the rest of the input
			 * again, which the ASCII branch writes unchecked. */
			if (sg_buf_append(out, "\xEF\xBF\xBD", 3) ||
			    sg_buf_reserve(out, len - i - 1))
				return SIZE_MAX;
			i++;
			fixed++;
		}
	}
	out->data[out->len] = '\0';
	return fixed;
}

static sg_reader *files_collector; /* nftw has no context argument */

static int collect(const char *path, const struct stat *sb, int type,
		   struct FTW *ftw)
{
	sg_reader *r = files_collector;
	char *copy;

	(void)ftw;
	if (type != FTW_F || !S_ISREG(sb->st_mode))
		return 0;
	if (sg_grow_array((void **)&r->files, &r->cap_files, r->n_files + 1,
			  sizeof(*r->files)) != SG_OK)
		return -1;
	copy = sg_strdup(path);
	if (!copy)
		return -1;
	r->files[r->n_files++] = copy;
	r->total += (uint64_t)sb->st_size;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int sg_reader_open(const char *path, sg_format format,
		   const char *const *fields, size_t n_fields,
		   sg_reader **out, sg_error *err)
{
	sg_reader *r = sg_calloc(1, sizeof(*r));
	struct stat sb;
	int rc;

	*out = NULL;
	if (!r)
		return sg_err(err, SG_ENOMEM, "out of memory");
	r->format = format;
	r->fields = fields;
	r->n_fields = n_fields;
	r->root = sg_strdup(path);
	if (!r->root) {
		rc = sg_err(err, SG_ENOMEM, "out of memory");
		goto fail;
	}
	if (!strcmp(path, "-")) {
		r->name = "stdin";
		if (format == SG_FORMAT_FILES) {
			rc = sg_err(err, SG_EINVAL,
				    "--format files reads files, not stdin");
			goto fail;
		}
		r->f = stdin;
		*out = r;
		return SG_OK;
	}
	r->name = r->root;
	if (stat(path, &sb) != 0) {
		rc = sg_err(err, SG_EIO, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if (format == SG_FORMAT_FILES || S_ISDIR(sb.st_mode)) {
		if (format != SG_FORMAT_FILES) {
			rc = sg_err(err, SG_EINVAL,
				    "%s: a directory; use --format files to "
				    "index the files in it", path);
			goto fail;
		}
		files_collector = r;
		rc = nftw(path, collect, 32, FTW_PHYS);
		files_collector = NULL;
		if (rc != 0) {
			rc = sg_err(err, SG_EIO, "%s: cannot walk: %s", path,
				    strerror(errno));
			goto fail;
		}
		if (r->n_files > 1)
			qsort(r->files, r->n_files, sizeof(*r->files), cmp_str);
		*out = r;
		return SG_OK;
	}
	r->f = fopen(path, "rb");
	if (!r->f) {
		rc = sg_err(err, SG_EIO, "%s: %s", path, strerror(errno));
		goto fail;
	}
	r->total = (uint64_t)sb.st_size;
	*out = r;
	return SG_OK;
fail:
	sg_reader_close(r);
	return rc;
}

/* Reads the next line into r->linebuf without its line end; -1 at EOF. */
static ssize_t read_line(sg_reader *r, sg_error *err, int *rc)
{
	ssize_t n;

	errno = 0;
	n = getline(&r->linebuf, &r->linecap, r->f);
	*rc = SG_OK;
	if (n < 0) {
		if (ferror(r->f))
			*rc = sg_err(err, SG_EIO, "%s:%llu: read error: %s",
				     r->name, (unsigned long long)r->line + 1,
				     strerror(errno));
		return -1;
	}
	r->line++;
	r->done += (uint64_t)n;
	if (r->line == 1 && n >= 3 && !memcmp(r->linebuf, "\xEF\xBB\xBF", 3)) {
		memmove(r->linebuf, r->linebuf + 3, (size_t)n - 2);
		n -= 3;
	}
	if (n > 0 && r->linebuf[n - 1] == '\n')
		r->linebuf[--n] = '\0';
	if (n > 0 && r->linebuf[n - 1] == '\r')
		r->linebuf[--n] = '\0';
	return n;
}

static int is_blank(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return 0;
	return 1;
}

/* The next non-blank line, sanitized into r->clean: 1, 0 at the end of
 * the input, or an error. *fixed: invalid UTF-8 sequences replaced. */
static int next_record_line(sg_reader *r, size_t *fixed, sg_error *err)
{
	ssize_t n;
	int rc;

	for (;;) {
		n = read_line(r, err, &rc);
		if (n < 0)
			return rc == SG_OK ? 0 : rc;
		if (!is_blank(r->linebuf, (size_t)n))
			break;
	}
	*fixed = sanitize(&r->clean, r->linebuf, (size_t)n);
	if (*fixed == SIZE_MAX)
		return sg_err(err, SG_ENOMEM, "out of memory");
	return 1;
}

static const char *type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a number";
	case JSON_TRUE: case JSON_FALSE: return "a boolean";
	default: return "null";
	}
}

static int next_jsonl(sg_reader *r, sg_doc *doc, size_t *fixed, sg_error *err)
{
	json_error_t je;
	json_t *v, *rest;
	const char *key;
	size_t i;
	int rc;

	rc = next_record_line(r, fixed, err);
	if (rc <= 0)
		return rc;
	if (r->obj)
		json_decref(r->obj);
	r->obj = json_loadb(r->clean.data, r->clean.len, JSON_ALLOW_NUL, &je);
	if (!r->obj)
		return sg_err(err, SG_EINVAL, "%s:%llu: broken JSON at column "
			      "%d: %s", r->name, (unsigned long long)r->line,
			      je.column, je.text);
	if (!json_is_object(r->obj))
		return sg_err(err, SG_EINVAL, "%s:%llu: a line must be a JSON "
			      "object, not %s", r->name,
			      (unsigned long long)r->line, type_name(r->obj));
	memset(doc, 0, sizeof(*doc));
	v = json_object_get(r->obj, "id");
	sg_buf_reset(&r->id);
	if (json_is_string(v)) {
		rc = sg_buf_append(&r->id, json_string_value(v),
				   json_string_length(v));
	} else if (json_is_integer(v)) {
		char num[32];

		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT,
			 json_integer_value(v));
		rc = sg_buf_append(&r->id, num, strlen(num));
	} else {
		return sg_err(err, SG_EINVAL, "%s:%llu: \"id\" must be a string "
			      "or an integer, not %s", r->name,
			      (unsigned long long)r->line,
			      v ? type_name(v) : "missing");
	}
	if (rc != SG_OK)
		return sg_err(err, SG_ENOMEM, "out of memory");
	if (r->id.len == 0)
		return sg_err(err, SG_EINVAL, "%s:%llu: \"id\" is empty",
			      r->name, (unsigned long long)r->line);
	doc->id.ptr = r->id.data;
	doc->id.len = r->id.len;
	v = json_object_get(r->obj, "title");
	if (json_is_string(v)) {
		doc->title.ptr = json_string_value(v);
		doc->title.len = json_string_length(v);
	} else if (v && !json_is_null(v)) {
		return sg_err(err, SG_EINVAL, "%s:%llu: \"title\" must be a "
			      "string, not %s", r->name,
			      (unsigned long long)r->line, type_name(v));
	}
	for (i = 0; i < r->n_fields; i++) {
		v = json_object_get(r->obj, r->fields[i]);
		r->texts[i].ptr = "";
		r->texts[i].len = 0;
		if (json_is_string(v)) {
			r->texts[i].ptr = json_string_value(v);
			r->texts[i].len = json_string_length(v);
		} else if (v && !json_is_null(v)) {
			return sg_err(err, SG_EINVAL, "%s:%llu: \"%s\" must be "
				      "a string, not %s", r->name,
				      (unsigned long long)r->line,
				      r->fields[i], type_name(v));
		}
	}
	doc->texts = r->texts;
	doc->n_texts = r->n_fields;

	/* Stored fields: everything but id, title and the indexed ones. */
	rest = json_object();
	if (!rest)
		return sg_err(err, SG_ENOMEM, "out of memory");
	json_object_foreach(r->obj, key, v) {
		int indexed = !strcmp(key, "id") || !strcmp(key, "title");

		for (i = 0; !indexed && i < r->n_fields; i++)
			indexed = !strcmp(key, r->fields[i]);
		if (!indexed && json_object_set(rest, key, v) != 0) {
			json_decref(rest);
			return sg_err(err, SG_ENOMEM, "out of memory");
		}
	}
	sg_buf_reset(&r->stored);
	if (json_object_size(rest) > 0) {
		char *s = json_dumps(rest, JSON_COMPACT | JSON_PRESERVE_ORDER);

		rc = s ? sg_buf_append(&r->stored, s, strlen(s)) : SG_ENOMEM;
		free(s); /* json_dumps allocates with malloc */
		if (rc != SG_OK) {
			json_decref(rest);
			return sg_err(err, SG_ENOMEM, "out of memory");
		}
	}
	json_decref(rest);
	doc->stored.ptr = r->stored.data ? r->stored.data : "";
	doc->stored.len = r->stored.len;
	return 1;
}

/* Points the texts at `title` and `body` by field name; others are empty. */
static void set_texts(sg_reader *r, sg_doc *doc, sg_slice title, sg_slice body)
{
	size_t i;

	for (i = 0; i < r->n_fields; i++) {
		if (!strcmp(r->fields[i], "title"))
			r->texts[i] = title;
		else if (!strcmp(r->fields[i], "body"))
			r->texts[i] = body;
		else
			r->texts[i] = (sg_slice){ "", 0 };
	}
	doc->texts = r->texts;
	doc->n_texts = r->n_fields;
	doc->title = title;
	doc->stored = (sg_slice){ "", 0 };
}

static int next_line_doc(sg_reader *r, sg_doc *doc, size_t *fixed,
			 sg_error *err)
{
	char num[32];
	sg_slice line;
	int rc;

	rc = next_record_line(r, fixed, err);
	if (rc <= 0)
		return rc;
	memset(doc, 0, sizeof(*doc));
	snprintf(num, sizeof(num), ":%llu", (unsigned long long)r->line);
	sg_buf_reset(&r->id);
	if (sg_buf_append(&r->id, r->name, strlen(r->name)) ||
	    sg_buf_append(&r->id, num, strlen(num)))
		return sg_err(err, SG_ENOMEM, "out of memory");
	doc->id.ptr = r->id.data;
	doc->id.len = r->id.len;
	line.ptr = r->clean.data;
	line.len = r->clean.len;
	set_texts(r, doc, (sg_slice){ "", 0 }, line);
	return 1;
}

static int next_file(sg_reader *r, sg_doc *doc, size_t *fixed, sg_error *err)
{
	const char *path, *rel, *p, *end;
	sg_slice title = { "", 0 }, body;
	FILE *f;
	size_t n, rl = strlen(r->root);

	if (r->next_file >= r->n_files)
		return 0;
	path = r->files[r->next_file++];
	r->name = path;
	r->line = 0;
	f = fopen(path, "rb");
	if (!f)
		return sg_err(err, SG_EINVAL, "%s: cannot open: %s", path,
			      strerror(errno));
	sg_buf_reset(&r->text);
	for (;;) {
		if (sg_buf_reserve(&r->text, 65536) != SG_OK) {
			fclose(f);
			return sg_err(err, SG_ENOMEM, "out of memory");
		}
		n = fread(r->text.data + r->text.len, 1, 65536, f);
		r->text.len += n;
		if (n < 65536)
			break;
	}
	if (ferror(f)) {
		fclose(f);
		return sg_err(err, SG_EINVAL, "%s: read error", path);
	}
	fclose(f);
	r->done += r->text.len;
	p = r->text.data;
	n = r->text.len;
	if (n >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3)) {
		p += 3;
		n -= 3;
	}
	*fixed = sanitize(&r->clean, p, n);
	if (*fixed == SIZE_MAX)
		return sg_err(err, SG_ENOMEM, "out of memory");
	body.ptr = r->clean.data;
	body.len = r->clean.len;
	/* Title: the first non-blank line, trimmed. The body is the rest of
	 * the file after that line, so that the title line is indexed once
	 * (as the title field), not a second time in the body. A file of
	 * blank lines only has no title, and its body is all of it. */
	for (p = body.ptr, end = p + body.len; p < end;) {
		const char *e = memchr(p, '\n', (size_t)(end - p));
		const char *s = p, *t;

		if (!e)
			e = end;
		while (s < e && (*s == ' ' || *s == '\t'))
			s++;
		t = e;
		while (t > s && (t[-1] == ' ' || t[-1] == '\t' || t[-1] == '\r'))
			t--;
		if (t > s) {
			title.ptr = s;
			title.len = (size_t)(t - s);
			body.ptr = e < end ? e + 1 : end;
			body.len = (size_t)(end - body.ptr);
			break;
		}
		p = e + 1;
	}
	memset(doc, 0, sizeof(*doc));
	rel = path;
	if (!strncmp(path, r->root, rl) && path[rl] == '/')
		rel = path + rl + 1;
	else if (!strcmp(path, r->root) && strrchr(path, '/'))
		rel = strrchr(path, '/') + 1;
	doc->id.ptr = rel;
	doc->id.len = strlen(rel);
	set_texts(r, doc, title, body);
	return 1;
}

int sg_reader_next(sg_reader *r, sg_doc *doc, size_t *n_fixed, sg_error *err)
{
	*n_fixed = 0;
	switch (r->format) {
	case SG_FORMAT_JSONL: return next_jsonl(r, doc, n_fixed, err);
	case SG_FORMAT_LINES: return next_line_doc(r, doc, n_fixed, err);
	case SG_FORMAT_FILES: return next_file(r, doc, n_fixed, err);
	}
	return sg_err(err, SG_EINVAL, "unknown format");
}

const char *sg_reader_where(const sg_reader *r, uint64_t *line)
{
	if (line)
		*line = r->line;
	return r->name;
}

void sg_reader_progress(const sg_reader *r, uint64_t *done, uint64_t *total)
{
	*done = r->done;
	*total = r->total;
}

void sg_reader_close(sg_reader *r)
{
	size_t i;

	if (!r)
		return;
	if (r->f && r->f != stdin)
		fclose(r->f);
	for (i = 0; i < r->n_files; i++)
		sg_free(r->files[i]);
	sg_free(r->files);
	sg_free(r->root);
	free(r->linebuf); /* getline's buffer */
	if (r->obj)
		json_decref(r->obj);
	sg_buf_release(&r->text);
	sg_buf_release(&r->clean);
	sg_buf_release(&r->id);
	sg_buf_release(&r->stored);
	sg_free(r);
}
