/*
 * render.c — the JSON records of search and stats, and snippets as HTML:
 * one builder for the CLI and the server (render.h).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "render.h"

int ob_append(struct obuf *b, const char *p, size_t n)
{
	if (n > b->cap - b->len) {
		size_t cap = b->cap ? b->cap : 256;
		char *d;

		while (cap - b->len < n) {
			if (cap > SIZE_MAX / 2)
				return -1;
			cap *= 2;
		}
		d = realloc(b->data, cap);
		if (!d)
			return -1;
		b->data = d;
		b->cap = cap;
	}
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	return 0;
}

int ob_puts(struct obuf *b, const char *s)
{
	return ob_append(b, s, strlen(s));
}

int ob_html(struct obuf *b, const char *s, size_t n)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < n && rc == 0; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '&')
			rc = ob_append(b, "&amp;", 5);
		else if (c == '<')
			rc = ob_append(b, "&lt;", 4);
		else if (c == '>')
			rc = ob_append(b, "&gt;", 4);
		else if (c == '"')
			rc = ob_append(b, "&quot;", 6);
		else if (c == '\'')
			rc = ob_append(b, "&#39;", 5);
		else
			rc = ob_append(b, c < 0x20 ? " " : s + i, 1);
	}
	return rc ? -1 : 0;
}

int render_snippet_html(struct obuf *b, const sg_hit *h, const char *open,
			const char *close)
{
	size_t j, at = 0;

	b->len = 0;
	for (j = 0; j < h->n_highlights; j++) {
		const sg_span *sp = &h->highlights[j];

		if (ob_html(b, h->snippet.ptr + at, sp->start - at) ||
		    ob_append(b, open, strlen(open)) ||
		    ob_html(b, h->snippet.ptr + sp->start, sp->end - sp->start) ||
		    ob_append(b, close, strlen(close)))
			return -1;
		at = sp->end;
	}
	if (ob_html(b, h->snippet.ptr + at, h->snippet.len - at))
		return -1;
	return 0;
}

const char *render_error_name(int code)
{
	static const struct {
		int code;
		const char *name;
	} names[] = {
		{ SG_ENOMEM, "NOMEM" }, { SG_EIO, "IO" }, { SG_EINVAL, "INVAL" },
		{ SG_ECORRUPT, "CORRUPT" }, { SG_ENOTINDEX, "NOTINDEX" },
		{ SG_EVERSION, "VERSION" }, { SG_EANALYZER, "ANALYZER" },
		{ SG_EMECAB, "MECAB" }, { SG_ESTORE, "STORE" },
		{ SG_EFULL, "FULL" }, { SG_ESYNTAX, "SYNTAX" },
		{ SG_ENOTFOUND, "NOTFOUND" }, { SG_EBUSY, "BUSY" },
		{ SG_EINTR, "INTR" }, { SG_ETOOBIG, "TOOBIG" },
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].code == code)
			return names[i].name;
	return "ERROR";
}

/* Code points in s[0..n) (the snippet is valid UTF-8: a code point is a
 * byte that is not a continuation byte). */
static size_t n_chars(const char *s, size_t n)
{
	size_t i, c = 0;

	for (i = 0; i < n; i++)
		c += ((unsigned char)s[i] & 0xC0) != 0x80;
	return c;
}

static json_t *json_slice(sg_slice s)
{
	return json_stringn(s.ptr ? s.ptr : "", s.len);
}

/* Sets key of o to v, taking v; -1 when v is NULL or the set failed. */
static int jset(json_t *o, const char *key, json_t *v)
{
	return v && json_object_set_new(o, key, v) == 0 ? 0 : -1;
}

/* Appends the pair [a, b] to arr; -1 out of memory. */
static int jpair(json_t *arr, size_t a, size_t b)
{
	json_t *p = json_array();

	if (!p || json_array_append_new(p, json_integer((json_int_t)a)) ||
	    json_array_append_new(p, json_integer((json_int_t)b)) ||
	    json_array_append_new(arr, p))
		return -1;
	return 0;
}

/* One hit as a JSON object, or NULL out of memory. */
static json_t *json_hit(const sg_hit *h, size_t rank, const char *hl_open,
			const char *hl_close, struct obuf *b)
{
	json_t *hit = json_object();
	size_t j;
	int bad;

	if (!hit)
		return NULL;
	bad = jset(hit, "rank", json_integer((json_int_t)rank)) ||
	      jset(hit, "id", json_slice(h->id)) ||
	      jset(hit, "score", json_real(h->score)) ||
	      jset(hit, "title", json_slice(h->title));
	if (!bad && h->snippet.ptr) {
		json_t *hl = json_array(), *hc = json_array();

		bad = !hl || !hc;
		for (j = 0; !bad && j < h->n_highlights; j++) {
			const sg_span *sp = &h->highlights[j];
			size_t cs = n_chars(h->snippet.ptr, sp->start);

			bad = jpair(hl, sp->start, sp->end) ||
			      jpair(hc, cs, cs + n_chars(h->snippet.ptr +
					sp->start, sp->end - sp->start));
		}
		/* jset takes its value even when it fails: each array is
		 * either set or freed here, never both. */
		if (!bad)
			bad = jset(hit, "snippet", json_slice(h->snippet));
		if (bad) {
			json_decref(hl);
			json_decref(hc);
		} else if (jset(hit, "highlights", hl)) {
			json_decref(hc);
			bad = 1;
		} else {
			bad = jset(hit, "highlights_chars", hc);
		}
		if (!bad && hl_open)
			bad = render_snippet_html(b, h, hl_open, hl_close) ||
			      jset(hit, "snippet_html",
				   json_stringn(b->data ? b->data : "", b->len));
	}
	if (!bad && h->stored.len) {
		json_error_t je;
		json_t *st = json_loadb(h->stored.ptr, h->stored.len, 0, &je);

		if (st)
			bad = jset(hit, "fields", st);
	}
	if (!bad && h->n_explain) {
		json_t *ex = json_array();

		bad = !ex;
		for (j = 0; !bad && j < h->n_explain; j++) {
			const sg_explain *e = &h->explain[j];
			json_t *t = json_object();

			bad = !t || jset(t, "term", json_string(e->what)) ||
			      jset(t, "tf", json_integer(e->tf)) ||
			      jset(t, "df", json_integer((json_int_t)e->df)) ||
			      jset(t, "idf", json_real(e->idf)) ||
			      jset(t, "score", json_real(e->score)) ||
			      json_array_append_new(ex, t);
		}
		if (bad)
			json_decref(ex);
		else
			bad = jset(hit, "explain", ex);
	}
	if (bad) {
		json_decref(hit);
		return NULL;
	}
	return hit;
}

json_t *render_results(const char *qid, const char *query,
		       const sg_results *res, size_t offset,
		       const char *hl_open, const char *hl_close,
		       struct obuf *b)
{
	json_t *j = json_object(), *hits = json_array();
	size_t i;
	int bad = !j || !hits;

	if (!bad)
		bad = jset(j, "qid", json_string(qid)) ||
		      jset(j, "query", json_string(query)) ||
		      jset(j, "took_us", json_integer((json_int_t)res->took_us)) ||
		      jset(j, "total", json_integer((json_int_t)res->total)) ||
		      jset(j, "total_relation", json_string(
				   res->total_is_lower_bound ? "gte" : "eq")) ||
		      jset(j, "total_is_lower_bound",
			   json_boolean(res->total_is_lower_bound));
	if (!bad && res->notices[0])
		bad = jset(j, "notices", json_string(res->notices));
	for (i = offset; !bad && i < res->n_hits; i++) {
		json_t *hit = json_hit(&res->hits[i], i + 1, hl_open, hl_close,
				       b);

		bad = !hit || json_array_append_new(hits, hit);
	}
	if (bad) {
		json_decref(j);
		json_decref(hits);
		return NULL;
	}
	if (jset(j, "hits", hits)) {
		json_decref(j);
		return NULL;
	}
	return j;
}

json_t *render_error(const char *qid, const char *query, int code,
		     const char *msg)
{
	json_t *j = json_object(), *e = json_object();
	int bad = !j || !e;

	if (!bad && qid)
		bad = jset(j, "qid", json_string(qid)) ||
		      jset(j, "query", json_string(query));
	if (!bad)
		bad = jset(e, "code", json_string(render_error_name(code))) ||
		      jset(e, "message", json_string(msg));
	if (bad) {
		json_decref(j);
		json_decref(e);
		return NULL;
	}
	if (jset(j, "error", e)) {
		json_decref(j);
		return NULL;
	}
	return j;
}

char *render_compact(json_t *j)
{
	char *text = j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;

	json_decref(j);
	return text;
}

char *render_error_text(const char *qid, const char *query, int code,
			const char *msg)
{
	char *t = render_compact(render_error(qid, query, code, msg));

	return t ? t : strdup("{\"error\":{\"code\":\"NOMEM\",\"message\":"
			      "\"out of memory\"}}");
}

/* The postings database's bytes (its LMDB pages: docids and tfs) over
 * the postings it holds (cmd_stats.c prints the same figure as text). */
static double bytes_per_posting(const sg_stats *s)
{
	uint64_t n = s->postings + s->gram_postings;

	return n ? (double)s->dbs[2].bytes / (double)n : 0.0;
}

json_t *render_stats(const sg_stats *s)
{
	json_t *o = json_object(), *dbs = json_object(), *top = json_array();
	size_t i;

	if (!o || !dbs || !top) {
		json_decref(o);
		json_decref(dbs);
		json_decref(top);
		return NULL;
	}
	json_object_set_new(o, "documents", json_integer((json_int_t)s->documents));
	json_object_set_new(o, "terms", json_integer((json_int_t)s->terms));
	json_object_set_new(o, "postings", json_integer((json_int_t)s->postings));
	json_object_set_new(o, "substring", json_boolean(s->substring));
	json_object_set_new(o, "grams", json_integer((json_int_t)s->grams));
	json_object_set_new(o, "gram_postings", json_integer((json_int_t)s->gram_postings));
	json_object_set_new(o, "total_length", json_integer((json_int_t)s->total_len));
	json_object_set_new(o, "average_length", json_real(s->documents ?
		(double)s->total_len / (double)s->documents : 0.0));
	json_object_set_new(o, "deleted_pending", json_integer((json_int_t)s->dead));
	json_object_set_new(o, "file_bytes", json_integer((json_int_t)s->file_bytes));
	json_object_set_new(o, "block_size", json_integer(s->block_size));
	json_object_set_new(o, "bytes_per_posting",
			    json_real(bytes_per_posting(s)));
	json_object_set_new(o, "position_bytes_per_occurrence", json_real(s->total_len ?
		(double)s->dbs[3].bytes / (double)s->total_len : 0.0));
	json_object_set_new(o, "analyzer", json_string(s->analyzer));
	json_object_set_new(o, "fields", json_string(s->fields));
	for (i = 0; i < s->n_dbs; i++) {
		json_t *d = json_object();

		json_object_set_new(d, "entries", json_integer((json_int_t)s->dbs[i].entries));
		json_object_set_new(d, "bytes", json_integer((json_int_t)s->dbs[i].bytes));
		json_object_set_new(dbs, s->dbs[i].name, d);
	}
	json_object_set_new(o, "databases", dbs);
	for (i = 0; i < s->n_top; i++) {
		json_t *t = json_object();

		json_object_set_new(t, "term", json_string(s->top[i].term));
		json_object_set_new(t, "df", json_integer((json_int_t)s->top[i].df));
		json_array_append_new(top, t);
	}
	json_object_set_new(o, "top_terms", top);
	return o;
}

const char *render_thousands(uint64_t v, char *out)
{
	char d[24];
	int n = snprintf(d, sizeof(d), "%llu", (unsigned long long)v), i, o = 0;

	for (i = 0; i < n; i++) {
		if (i && (n - i) % 3 == 0)
			out[o++] = ',';
		out[o++] = d[i];
	}
	out[o] = '\0';
	return out;
}
