/*
 * render.h — what `sagasu search --format json` and `sagasu stats --format
 * json` print, built as jansson values, and the HTML escaping of snippets:
 * shared by the CLI (cmd_search.c, cmd_stats.c) and the HTTP server
 * (serve.c), so that GET /search answers exactly the object the CLI prints
 * for the same query, and GET /stats the CLI's stats.
 */
#ifndef SG_RENDER_H
#define SG_RENDER_H

#include <jansson.h>
#include <stddef.h>

#include "sagasu.h"

/* A growing output buffer: data holds len bytes, not NUL-terminated;
 * free(data) releases it. */
struct obuf {
	char *data;
	size_t len, cap;
};

/* Appends n bytes; -1 out of memory (b unchanged). */
int ob_append(struct obuf *b, const char *p, size_t n);
/* Appends a NUL-terminated string. */
int ob_puts(struct obuf *b, const char *s);
/* Appends s[0..n) HTML-escaped (& < > " '), control characters as
 * spaces; -1 out of memory. */
int ob_html(struct obuf *b, const char *s, size_t n);

/* The snippet of h with its highlights between open and close, the text
 * between them HTML-escaped (the tags as given); into b (reset first).
 * -1 out of memory. */
int render_snippet_html(struct obuf *b, const sg_hit *h, const char *open,
			const char *close);

/* The stable name of an error code, the "code" of a JSON error record
 * (docs/OUTPUT.md lists them; a name never changes meaning). */
const char *render_error_name(int code);

/* v with thousands separators, "12,345", into out (at least 32 bytes);
 * returns out. */
const char *render_thousands(uint64_t v, char *out);

/* One query's answer of --format json: {"qid", "query", "took_us",
 * "total", "total_relation", "total_is_lower_bound", ["notices"], "hits"}.
 * The hits from res->hits[offset] on, ranked offset + 1, offset + 2, ...
 * (--offset: the search asked for k + offset hits). hl_open/hl_close:
 * --highlight (each hit's snippet_html), or NULL. b is scratch memory.
 * NULL out of memory. */
json_t *render_results(const char *qid, const char *query,
		       const sg_results *res, size_t offset,
		       const char *hl_open, const char *hl_close,
		       struct obuf *b);

/* The error record: {["qid", "query",] "error": {"code", "message"}}
 * (qid and query when the error is a query's, else NULL). NULL out of
 * memory. */
json_t *render_error(const char *qid, const char *query, int code,
		     const char *msg);

/* The error record as one line of text (malloc'd, no newline); never
 * NULL unless even the fixed NOMEM record cannot be copied. */
char *render_error_text(const char *qid, const char *query, int code,
			const char *msg);

/* `sagasu stats --format json`'s object. NULL out of memory. */
json_t *render_stats(const sg_stats *s);

/* The text of a record: one line (compact), keys in insertion order
 * (what search prints); frees j. NULL out of memory. */
char *render_compact(json_t *j);

#endif
