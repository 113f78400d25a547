/*
 * serve.c — `sagasu serve -d DIR`: the search API and a search page over
 * HTTP, on GNU libmicrohttpd (docs/SERVE.md).
 *
 * Threads: libmicrohttpd's thread pool (--threads N), each thread polling
 * its own share of the connections. A thread keeps one searcher on the
 * shared read-only index (thread-local, opened at its first request) and
 * refreshes it before each request: a cheap look at LMDB's meta page, and a
 * new snapshot only when a writer (a separate `sagasu index`) committed.
 * Requests are answered inside the handler, in the polling thread; a
 * client that sends slowly holds no thread (the poll waits for its bytes)
 * and is closed after --timeout seconds of silence.
 *
 * The JSON of GET /search is built by render.c, the very code of
 * `sagasu search --format json`, so that the two answer alike.
 *
 * Shutdown: SIGTERM or SIGINT stops accepting, lets the requests in flight
 * finish (at most --timeout seconds), then stops the threads; exit 0.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "render.h"

#define THREADS_MAX 64
#define CONN_MAX 10000
#define TIMEOUT_MAX 3600
#define QUERY_MAX_LIMIT 65536
#define K1_MAX 100.0
#define SNIPPET_MAX 100000
#define PREFIX_CAP_MAX 10000
#define COUNT_MAX 1000000000000ULL

struct worker {
	sg_searcher *s;
	struct obuf b;
	struct worker *next;
};

struct server {
	const char *dir;
	sg_index *idx;
	unsigned threads, max_conn, timeout;
	size_t max_query, max_k;
	const char *field;    /* the stored field shown with each hit */
	sg_synonyms *syn;     /* --synonyms: loaded at start, read-only and
				 shared by every request's search */
	int quiet;
	unsigned delay_ms;    /* test hook SAGASU_TEST_SERVE_DELAY_MS */
	atomic_uint conns;    /* open connections */
	atomic_uint inflight; /* requests begun and not yet completed */
	atomic_int stopping;
	pthread_mutex_t lock; /* workers, stats */
	struct worker *workers;
};

/* One request: what the access log prints. */
struct req {
	uint64_t t0;
	unsigned status;
	char method[12];
	char path[160];
};

static _Thread_local struct worker *tls_worker;

static void serve_usage(FILE *f)
{
	fprintf(f,
"usage: sagasu serve -d DIR [OPTIONS]\n"
"  Serves the index over HTTP: the JSON API and a search page. Documents\n"
"  that a separate `sagasu index` commits are found without a restart.\n"
"  GET /search?q=...   the JSON object `sagasu search` prints for q\n"
"      parameters: k, offset, mode=and|or, prefix_cap, snippet, highlight,\n"
"      count, exhaustive, explain, k1, b, qid, sort, filter, weights\n"
"      (docs/SERVE.md)\n"
"  GET /doc/ID         a stored document (JSON; HTML for a browser)\n"
"  GET /stats          the JSON object `sagasu stats` prints\n"
"  GET /health         200 while the server runs\n"
"  GET /, /?q=...      the search page (HTML, works without JavaScript)\n"
"Options:\n"
"  -d, --dir DIR    the index\n"
"  --listen ADDR    HOST:PORT to listen on (default 127.0.0.1:8080: the\n"
"                   loopback only); [::1]:PORT for IPv6; port 0 picks a\n"
"                   free port. The address is printed on stderr at start\n"
"  --threads N      worker threads, 1 to %d (default: the CPUs online)\n"
"  --max-connections N  open connections, 1 to %d (default 256); beyond\n"
"                   N a request is answered 503 BUSY, beyond 2N a new\n"
"                   connection is refused\n"
"  --timeout S      seconds a connection may stay silent, 1 to %d\n"
"                   (default 10); also the longest wait at shutdown\n"
"  --max-query N    query bytes, 1 to %d (default 4096); longer: 400\n"
"  --max-k N        most hits a request ranks, k + offset, 1 to %d\n"
"                   (default 10000); more: 400\n"
"  --field NAME     the stored field the page shows with each hit\n"
"                   (default date)\n"
"  --synonyms FILE  synonym groups, as in search --synonyms: loaded once\n"
"                   at start (a missing or bad file: exit 2) and used by\n"
"                   every request, the page's included\n"
"  --keep-all, --dicdir DIR  the analyzer options the index was built with\n"
"  -q, --quiet      no access log on stderr (errors are still printed)\n"
"  -h, --help       this text;  --version  print the version\n"
"Access log: one line a request on stderr: METHOD PATH STATUS MICROSECONDSus.\n"
"SIGTERM or SIGINT: the requests in flight finish, then exit 0.\n"
"Exit status: 0 stopped by a signal, 1 failed, 2 bad usage.\n",
		THREADS_MAX, CONN_MAX, TIMEOUT_MAX, QUERY_MAX_LIMIT,
		SG_SEARCH_K_MAX);
}

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* ------------------------------------------------------------ responses */

static enum MHD_Result reply(struct server *sv, struct MHD_Connection *c,
			     struct req *r, unsigned status,
			     const char *ctype, char *body, size_t len)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;
	char took[32];

	resp = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(body);
		return MHD_NO;
	}
	snprintf(took, sizeof(took), "app;dur=%.3f",
		 (double)(now_us() - r->t0) / 1000.0);
	MHD_add_response_header(resp, "Content-Type", ctype);
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "Server-Timing", took);
	if (!strncmp(ctype, "text/html", 9))
		MHD_add_response_header(resp, "Content-Security-Policy",
			"default-src 'none'; style-src 'unsafe-inline'; "
			"form-action 'self'");
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(resp, "Allow", "GET, HEAD");
	if (atomic_load(&sv->stopping) || status == MHD_HTTP_SERVICE_UNAVAILABLE)
		MHD_add_response_header(resp, "Connection", "close");
	ret = MHD_queue_response(c, status, resp);
	MHD_destroy_response(resp);
	r->status = status;
	return ret;
}

/* A JSON text (malloc'd, newline added: what the CLI prints). */
static enum MHD_Result reply_json_text(struct server *sv,
				       struct MHD_Connection *c, struct req *r,
				       unsigned status, char *text)
{
	size_t n;
	char *t;

	if (!text)
		return MHD_NO;
	n = strlen(text);
	t = realloc(text, n + 2);
	if (!t) {
		free(text);
		return MHD_NO;
	}
	t[n] = '\n';
	t[n + 1] = '\0';
	return reply(sv, c, r, status, "application/json; charset=utf-8", t,
		     n + 1);
}

static enum MHD_Result reply_error(struct server *sv, struct MHD_Connection *c,
				   struct req *r, unsigned status,
				   const char *qid, const char *q, int code,
				   const char *msg)
{
	return reply_json_text(sv, c, r, status,
			       render_error_text(qid, q, code, msg));
}

/* An error record with a printf message. code: an SG_E... code; name:
 * a code of the server's own (METHOD), or NULL. */
static enum MHD_Result errorf(struct server *sv, struct MHD_Connection *c,
			      struct req *r, unsigned status, int code,
			      const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return reply_error(sv, c, r, status, NULL, NULL, code, msg);
}

static enum MHD_Result reply_obuf(struct server *sv, struct MHD_Connection *c,
				  struct req *r, unsigned status,
				  struct obuf *b)
{
	char *body = b->data;
	size_t len = b->len;

	b->data = NULL;
	b->len = b->cap = 0;
	if (!body)
		body = calloc(1, 1);
	if (!body)
		return MHD_NO;
	return reply(sv, c, r, status, "text/html; charset=utf-8", body, len);
}

/* ------------------------------------------------------------ parameters */

/* The query-string parameters of one request, checked against the names a
 * path takes: an unknown or repeated one is an error (a typo such as
 * ?K=5 must not pass silently for k=10). */
#define PARAMS_MAX 16
struct params {
	const char *const *known;
	const char *val[PARAMS_MAX];
	char bad[128];          /* the first unknown/repeated name, or "" */
	int repeated;
};

static enum MHD_Result param_it(void *cls, enum MHD_ValueKind kind,
				const char *key, const char *value)
{
	struct params *p = cls;
	size_t i;

	(void)kind;
	for (i = 0; p->known[i] && strcmp(p->known[i], key); i++)
		;
	if (!p->known[i] || p->val[i]) {
		if (!p->bad[0]) {
			snprintf(p->bad, sizeof(p->bad), "%s", key);
			p->repeated = p->known[i] != NULL;
		}
		return MHD_YES;
	}
	p->val[i] = value ? value : "";
	return MHD_YES;
}

static int get_params(struct MHD_Connection *c, struct params *p,
		      const char *const *known)
{
	memset(p, 0, sizeof(*p));
	p->known = known;
	MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, param_it, p);
	return p->bad[0] ? -1 : 0;
}

static const char *pval(const struct params *p, const char *name)
{
	size_t i;

	for (i = 0; p->known[i]; i++)
		if (!strcmp(p->known[i], name))
			return p->val[i];
	return NULL;
}

/* A decimal integer in [min, max], digits only; -1 with msg. */
static int parse_uint(const char *name, const char *v, uint64_t min,
		      uint64_t max, uint64_t *out, char *msg, size_t cap)
{
	uint64_t n = 0;
	size_t i;
	int ok = v[0] != '\0' && strlen(v) <= 19;

	for (i = 0; ok && v[i]; i++) {
		if (v[i] < '0' || v[i] > '9')
			ok = 0;
		else
			n = n * 10 + (uint64_t)(v[i] - '0');
	}
	if (!ok || n < min || n > max) {
		snprintf(msg, cap, "%s: '%.40s' is not an integer from %llu to "
			 "%llu", name, v, (unsigned long long)min,
			 (unsigned long long)max);
		return -1;
	}
	*out = n;
	return 0;
}

static int parse_num(const char *name, const char *v, double min, double max,
		     double *out, char *msg, size_t cap)
{
	char *end;
	double d = 0;
	int bad = !((v[0] >= '0' && v[0] <= '9') ||
		    (v[0] == '.' && v[1] >= '0' && v[1] <= '9')) ||
		  strspn(v, "0123456789.eE+-") != strlen(v);

	if (!bad) {
		d = strtod(v, &end);
		bad = *end != '\0' || !(d >= min && d <= max);
	}
	if (bad) {
		snprintf(msg, cap, "%s: '%.40s' is not a number from %g to %g",
			 name, v, min, max);
		return -1;
	}
	*out = d;
	return 0;
}

static int parse_bool(const char *name, const char *v, int *out, char *msg,
		      size_t cap)
{
	if (!strcmp(v, "1") || !strcmp(v, "true") || !strcmp(v, "")) {
		*out = 1;
	} else if (!strcmp(v, "0") || !strcmp(v, "false")) {
		*out = 0;
	} else {
		snprintf(msg, cap, "%s: '%.40s' is not 1, 0, true or false",
			 name, v);
		return -1;
	}
	return 0;
}

/* Is s valid UTF-8 (no overlongs, no surrogates)? jansson refuses
 * anything else, and the answer echoes the query. */
static int valid_utf8(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		unsigned c = *p, n, i;
		uint32_t cp;

		if (c < 0x80) {
			p++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF)
			n = 1, cp = c & 0x1F;
		else if (c >= 0xE0 && c <= 0xEF)
			n = 2, cp = c & 0x0F;
		else if (c >= 0xF0 && c <= 0xF4)
			n = 3, cp = c & 0x07;
		else
			return 0;
		for (i = 1; i <= n; i++) {
			if ((p[i] & 0xC0) != 0x80)
				return 0;
			cp = cp << 6 | (p[i] & 0x3F);
		}
		if ((n == 2 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
		    (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)))
			return 0;
		p += n + 1;
	}
	return 1;
}

/* What /search and the page ask the library for. */
/* sort=KEY,KEY... and filter=SPEC;SPEC...: at most this many of each */
#define SPECS_MAX 16

struct query {
	const char *q, *qid;
	sg_search_options so;
	size_t k, offset;
	char hl[256];
	const char *hl_open, *hl_close;
	char sort_buf[512], filter_buf[1024];  /* the lists, split in place */
	const char *sort[SPECS_MAX], *filters[SPECS_MAX];
};

static const char *const search_params[] = {
	"q", "k", "offset", "mode", "prefix_cap", "snippet", "highlight",
	"count", "exhaustive", "explain", "k1", "b", "qid", "sort", "filter",
	"weights", NULL
};
static const char *const page_params[] = {
	"q", "k", "offset", "mode", "field", NULL
};

/* Splits list v at sep into buf and out[] (at most SPECS_MAX); 0, or -1
 * with msg. */
static int split_specs(const char *name, const char *v, char sep, char *buf,
		       size_t buf_size, const char **out, size_t *n,
		       char *msg, size_t cap)
{
	char *p, *q;

	*n = 0;
	if (strlen(v) >= buf_size) {
		snprintf(msg, cap, "%s: longer than %zu bytes", name,
			 buf_size - 1);
		return -1;
	}
	snprintf(buf, buf_size, "%s", v);
	for (p = buf; p && *p; p = q) {
		q = strchr(p, sep);
		if (q)
			*q++ = '\0';
		if (!*p)
			continue;
		if (*n == SPECS_MAX) {
			snprintf(msg, cap, "%s: at most %d", name, SPECS_MAX);
			return -1;
		}
		out[(*n)++] = p;
	}
	return 0;
}

/* Reads the search parameters into qr; 0, or -1 with msg and *code
 * (SG_EINVAL a bad value, SG_ETOOBIG over a limit). */
static int read_query(struct server *sv, const struct params *p,
		      struct query *qr, int *code, char *msg, size_t cap)
{
	const char *v;
	uint64_t n;

	memset(qr, 0, sizeof(*qr));
	qr->so = (sg_search_options)SG_SEARCH_OPTIONS_INIT;
	qr->so.snippet_chars = 100; /* as search --format json */
	qr->so.synonyms = sv->syn;
	qr->k = 10;
	qr->qid = "1";
	*code = SG_EINVAL;
	qr->q = pval(p, "q");
	if (!qr->q) {
		snprintf(msg, cap, "q: the query is missing (/search?q=...)");
		return -1;
	}
	if (strlen(qr->q) > sv->max_query) {
		*code = SG_ETOOBIG;
		snprintf(msg, cap, "q: the query is %zu bytes, more than the "
			 "limit of %zu (--max-query)", strlen(qr->q),
			 sv->max_query);
		return -1;
	}
	if (!valid_utf8(qr->q)) {
		snprintf(msg, cap, "q: the query is not valid UTF-8");
		return -1;
	}
	if ((v = pval(p, "qid")) != NULL) {
		if (!*v || strlen(v) > 256 || !valid_utf8(v)) {
			snprintf(msg, cap, "qid: not 1 to 256 bytes of UTF-8");
			return -1;
		}
		qr->qid = v;
	}
	if ((v = pval(p, "k")) != NULL) {
		if (parse_uint("k", v, 1, SG_SEARCH_K_MAX, &n, msg, cap))
			return -1;
		qr->k = (size_t)n;
	}
	if ((v = pval(p, "offset")) != NULL) {
		if (parse_uint("offset", v, 0, SG_SEARCH_K_MAX, &n, msg, cap))
			return -1;
		qr->offset = (size_t)n;
	}
	if (qr->k + qr->offset > sv->max_k) {
		*code = SG_ETOOBIG;
		snprintf(msg, cap, "k + offset is %zu, more than the limit of "
			 "%zu hits (--max-k)", qr->k + qr->offset, sv->max_k);
		return -1;
	}
	qr->so.k = qr->k + qr->offset;
	if ((v = pval(p, "mode")) != NULL) {
		if (!strcmp(v, "and") || !strcmp(v, "keyword")) {
			qr->so.or_mode = 0;
		} else if (!strcmp(v, "or") || !strcmp(v, "natural")) {
			qr->so.or_mode = 1;
		} else {
			snprintf(msg, cap, "mode: '%.40s' is not and (keyword) "
				 "or or (natural)", v);
			return -1;
		}
	}
	if ((v = pval(p, "prefix_cap")) != NULL) {
		if (parse_uint("prefix_cap", v, 1, PREFIX_CAP_MAX, &n, msg, cap))
			return -1;
		qr->so.prefix_cap = (size_t)n;
	}
	if ((v = pval(p, "snippet")) != NULL) {
		if (parse_uint("snippet", v, 0, SNIPPET_MAX, &n, msg, cap))
			return -1;
		qr->so.snippet_chars = (size_t)n;
	}
	if ((v = pval(p, "count")) != NULL) {
		if (!strcmp(v, "exact"))
			qr->so.count_limit = SG_SEARCH_COUNT_EXACT;
		else if (parse_uint("count", v, 0, COUNT_MAX, &n, msg, cap))
			return -1;
		else
			qr->so.count_limit = n;
	}
	if ((v = pval(p, "exhaustive")) != NULL &&
	    parse_bool("exhaustive", v, &qr->so.exhaustive, msg, cap))
		return -1;
	if ((v = pval(p, "explain")) != NULL &&
	    parse_bool("explain", v, &qr->so.explain, msg, cap))
		return -1;
	if ((v = pval(p, "k1")) != NULL &&
	    parse_num("k1", v, 0, K1_MAX, &qr->so.k1, msg, cap))
		return -1;
	/* sort=-date,_score (as search --sort, repeated); filter=SPEC;SPEC
	 * (as search --filter, repeated: a comma may be in a value) */
	if ((v = pval(p, "sort")) != NULL &&
	    split_specs("sort", v, ',', qr->sort_buf, sizeof(qr->sort_buf),
			qr->sort, &qr->so.n_sort, msg, cap))
		return -1;
	if ((v = pval(p, "filter")) != NULL &&
	    split_specs("filter", v, ';', qr->filter_buf,
			sizeof(qr->filter_buf), qr->filters, &qr->so.n_filters,
			msg, cap))
		return -1;
	qr->so.sort = qr->sort;
	qr->so.filters = qr->filters;
	/* weights=title=3,body=1 (as search --weights; the library checks
	 * it: a bad one is 400) */
	qr->so.weights = pval(p, "weights");
	if ((v = pval(p, "b")) != NULL &&
	    parse_num("b", v, 0, 1, &qr->so.b, msg, cap))
		return -1;
	if ((v = pval(p, "highlight")) != NULL) {
		char *comma;

		if (!strcmp(v, "html"))
			v = "<mark>,</mark>";
		snprintf(qr->hl, sizeof(qr->hl), "%s", v);
		comma = strchr(qr->hl, ',');
		if (strlen(v) >= sizeof(qr->hl) || !comma || comma == qr->hl ||
		    !comma[1]) {
			snprintf(msg, cap, "highlight: '%.40s' is not 'html' or "
				 "'OPEN,CLOSE' (two non-empty tags)", v);
			return -1;
		}
		*comma = '\0';
		qr->hl_open = qr->hl;
		qr->hl_close = comma + 1;
	}
	return 0;
}

/* ------------------------------------------------------------ searchers */

/* This thread's searcher, refreshed to the newest commit; NULL with err. */
static struct worker *get_worker(struct server *sv, sg_error *err)
{
	struct worker *w = tls_worker;

	if (!w) {
		w = calloc(1, sizeof(*w));
		if (!w) {
			err->code = SG_ENOMEM;
			snprintf(err->msg, sizeof(err->msg), "out of memory");
			return NULL;
		}
		pthread_mutex_lock(&sv->lock);
		if (sg_searcher_open(sv->idx, &w->s, err) != SG_OK) {
			pthread_mutex_unlock(&sv->lock);
			free(w);
			return NULL;
		}
		w->next = sv->workers;
		sv->workers = w;
		pthread_mutex_unlock(&sv->lock);
		tls_worker = w;
		return w;
	}
	if (sg_searcher_refresh(w->s, err) != SG_OK)
		return NULL;
	return w;
}

static void test_delay(struct server *sv)
{
	if (sv->delay_ms) {
		struct timespec ts = { sv->delay_ms / 1000,
				       (long)(sv->delay_ms % 1000) * 1000000L };

		nanosleep(&ts, NULL);
	}
}

/* Is the error the query's own (400), not the server's (500)? */
static int query_fault(int rc)
{
	return rc == SG_ESYNTAX || rc == SG_ETOOBIG || rc == SG_EINVAL;
}

/* ------------------------------------------------------------ the API */

static enum MHD_Result do_search(struct server *sv, struct MHD_Connection *c,
				 struct req *r)
{
	struct params p;
	struct query qr;
	struct worker *w;
	sg_results *res;
	sg_error err = SG_ERROR_INIT;
	char msg[512];
	int code, rc;

	if (get_params(c, &p, search_params))
		return errorf(sv, c, r, MHD_HTTP_BAD_REQUEST, SG_EINVAL,
			      "%s parameter '%.60s' (/search takes q, k, offset, "
			      "mode, prefix_cap, snippet, highlight, count, "
			      "exhaustive, explain, k1, b, qid, sort, filter, "
			      "weights)",
			      p.repeated ? "repeated" : "unknown", p.bad);
	if (read_query(sv, &p, &qr, &code, msg, sizeof(msg)))
		return reply_error(sv, c, r, MHD_HTTP_BAD_REQUEST, NULL, NULL,
				   code, msg);
	w = get_worker(sv, &err);
	if (!w)
		return reply_error(sv, c, r, MHD_HTTP_INTERNAL_SERVER_ERROR,
				   NULL, NULL, err.code, err.msg);
	test_delay(sv);
	rc = sg_search(w->s, qr.q, strlen(qr.q), &qr.so, &res, &err);
	if (rc != SG_OK)
		return reply_error(sv, c, r, query_fault(rc) ?
				   MHD_HTTP_BAD_REQUEST :
				   MHD_HTTP_INTERNAL_SERVER_ERROR, qr.qid, qr.q,
				   rc, err.msg[0] ? err.msg : sg_strerror(rc));
	{
		char *text = render_compact(render_results(qr.qid, qr.q, res,
			qr.offset, qr.hl_open, qr.hl_close, &w->b));

		sg_results_free(res);
		if (!text)
			return reply_error(sv, c, r,
					   MHD_HTTP_INTERNAL_SERVER_ERROR,
					   qr.qid, qr.q, SG_ENOMEM,
					   "out of memory");
		return reply_json_text(sv, c, r, MHD_HTTP_OK, text);
	}
}

static enum MHD_Result do_stats(struct server *sv, struct MHD_Connection *c,
				struct req *r)
{
	sg_error err = SG_ERROR_INIT;
	sg_stats st;
	json_t *o;
	char *text;
	int rc;

	pthread_mutex_lock(&sv->lock);
	rc = sg_index_stats(sv->idx, &st, &err);
	pthread_mutex_unlock(&sv->lock);
	if (rc != SG_OK)
		return reply_error(sv, c, r, MHD_HTTP_INTERNAL_SERVER_ERROR,
				   NULL, NULL, rc, err.msg);
	o = render_stats(&st);
	text = o ? json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
	json_decref(o);
	if (!text)
		return reply_error(sv, c, r, MHD_HTTP_INTERNAL_SERVER_ERROR,
				   NULL, NULL, SG_ENOMEM, "out of memory");
	return reply_json_text(sv, c, r, MHD_HTTP_OK, text);
}

/* ------------------------------------------------------------ HTML */

static const char page_css[] =
"body{font:16px/1.5 system-ui,sans-serif;margin:0 auto;max-width:50em;"
"padding:0 1em;color:#222;background:#fff}"
"header{padding:1em 0;border-bottom:1px solid #ddd}"
"form{display:flex;flex-wrap:wrap;gap:.5em;align-items:center}"
"input[type=search]{flex:1 1 20em;font-size:1.1em;padding:.3em}"
"button{font-size:1em;padding:.3em 1em}"
".brand{font-weight:bold;text-decoration:none;color:#444}"
".total{color:#555}.notice{background:#fff6d5;padding:.3em .6em}"
".error{background:#fde2e2;padding:.3em .6em}"
"ol.hits{list-style:none;padding:0}"
".hit{margin:1.2em 0}.rank{color:#888;margin-right:.4em}"
".hit a.title{font-size:1.1em}.field{color:#080;margin-left:.6em}"
".snippet{margin:.2em 0;color:#333}mark{background:#ffe27a}"
"nav.paging a{margin-right:1em}"
"pre{white-space:pre-wrap;word-break:break-word}"
"dl.meta dt{font-weight:bold}";

static int ob_hesc(struct obuf *b, const char *s)
{
	return ob_html(b, s, strlen(s));
}

/* s percent-encoded for a URL's query or path (all but A-Z a-z 0-9 -._~). */
static int ob_url(struct obuf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		char e[3];

		if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		    (ch >= '0' && ch <= '9') || ch == '-' || ch == '.' ||
		    ch == '_' || ch == '~') {
			if (ob_append(b, (const char *)&s[i], 1))
				return -1;
			continue;
		}
		e[0] = '%';
		e[1] = hex[ch >> 4];
		e[2] = hex[ch & 15];
		if (ob_append(b, e, 3))
			return -1;
	}
	return 0;
}

static int page_head(struct obuf *b, const char *title, const char *q,
		     int or_mode)
{
	int bad = ob_puts(b, "<!DOCTYPE html>\n<html lang=\"ja\"><head>"
			  "<meta charset=\"utf-8\"><meta name=\"viewport\" "
			  "content=\"width=device-width,initial-scale=1\">"
			  "<title>") ||
		  ob_hesc(b, title) ||
		  ob_puts(b, "</title><style>") || ob_puts(b, page_css) ||
		  ob_puts(b, "</style></head><body><header><form action=\"/\" "
			  "method=\"get\" role=\"search\"><a class=\"brand\" "
			  "href=\"/\">sagasu</a><input type=\"search\" "
			  "name=\"q\" aria-label=\"query\" value=\"") ||
		  ob_hesc(b, q ? q : "") ||
		  ob_puts(b, "\"><label><input type=\"radio\" name=\"mode\" "
			  "value=\"and\"") ||
		  ob_puts(b, or_mode ? "" : " checked") ||
		  ob_puts(b, "> keyword</label><label><input type=\"radio\" "
			  "name=\"mode\" value=\"or\"") ||
		  ob_puts(b, or_mode ? " checked" : "") ||
		  ob_puts(b, "> natural language</label><button type=\"submit\">"
			  "search</button></form></header><main>\n");
	return bad ? -1 : 0;
}

static int page_tail(struct obuf *b)
{
	return ob_puts(b, "</main></body></html>\n");
}

/* The stored field `name` of a hit as text (a string as it is, any other
 * value as JSON), into b HTML-escaped; nothing when absent. */
static int put_field(struct obuf *b, sg_slice stored, const char *name)
{
	json_error_t je;
	json_t *st, *v;
	int rc = 0;

	if (!stored.len || !name || !*name)
		return 0;
	st = json_loadb(stored.ptr, stored.len, 0, &je);
	v = st ? json_object_get(st, name) : NULL;
	if (v && !json_is_null(v)) {
		char *t = json_is_string(v) ? NULL :
			  json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);

		rc = ob_puts(b, " <span class=\"field\">") ||
		     ob_hesc(b, t ? t : json_is_string(v) ?
			     json_string_value(v) : "") ||
		     ob_puts(b, "</span>");
		free(t);
	}
	json_decref(st);
	return rc ? -1 : 0;
}

/* A link to the page for q with another offset. */
static int page_link(struct obuf *b, const struct query *qr, size_t offset,
		     const char *field, const char *rel, const char *text)
{
	char num[32];

	snprintf(num, sizeof(num), "%zu", offset);
	return ob_puts(b, "<a rel=\"") || ob_puts(b, rel) ||
	       ob_puts(b, "\" href=\"/?q=") || ob_url(b, qr->q, strlen(qr->q)) ||
	       ob_puts(b, qr->so.or_mode ? "&amp;mode=or" : "") ||
	       (qr->k != 10 && (snprintf(num, sizeof(num), "%zu", qr->k),
				ob_puts(b, "&amp;k=") || ob_puts(b, num))) ||
	       (field && (ob_puts(b, "&amp;field=") ||
			  ob_url(b, field, strlen(field)))) ||
	       (snprintf(num, sizeof(num), "%zu", offset),
		ob_puts(b, "&amp;offset=") || ob_puts(b, num)) ||
	       ob_puts(b, "\">") || ob_puts(b, text) || ob_puts(b, "</a>");
}

static int page_notice(struct obuf *b, const char *cls, const char *msg)
{
	return ob_puts(b, "<p class=\"") || ob_puts(b, cls) ||
	       ob_puts(b, "\">") || ob_hesc(b, msg) || ob_puts(b, "</p>\n");
}

static enum MHD_Result do_page(struct server *sv, struct MHD_Connection *c,
			       struct req *r)
{
	struct params p;
	struct query qr;
	struct worker *w = NULL;
	struct obuf b = { NULL, 0, 0 }, snip = { NULL, 0, 0 };
	sg_results *res = NULL;
	sg_error err = SG_ERROR_INIT;
	char msg[1100], title[300];
	const char *field, *pfield;
	unsigned status = MHD_HTTP_OK;
	int code, bad = 0, rc;
	size_t i;

	memset(&qr, 0, sizeof(qr));
	msg[0] = '\0';
	if (get_params(c, &p, page_params)) {
		snprintf(msg, sizeof(msg), "%s parameter '%.60s'",
			 p.repeated ? "repeated" : "unknown", p.bad);
		status = MHD_HTTP_BAD_REQUEST;
	} else if (pval(&p, "q") && *pval(&p, "q") &&
		   read_query(sv, &p, &qr, &code, msg, sizeof(msg))) {
		status = MHD_HTTP_BAD_REQUEST;
	}
	if (status == MHD_HTTP_BAD_REQUEST || !pval(&p, "q") || !*pval(&p, "q")) {
		const char *mode = status == MHD_HTTP_OK ? pval(&p, "mode") : NULL;

		bad = page_head(&b, "sagasu", status == MHD_HTTP_OK ?
				NULL : pval(&p, "q"), mode && (!strcmp(mode, "or") ||
				!strcmp(mode, "natural"))) ||
		      (msg[0] && page_notice(&b, "error", msg)) || page_tail(&b);
		if (bad) {
			free(b.data);
			return MHD_NO;
		}
		return reply_obuf(sv, c, r, status, &b);
	}
	pfield = pval(&p, "field");
	field = pfield ? pfield : sv->field;
	snprintf(title, sizeof(title), "%.200s – sagasu", qr.q);
	w = get_worker(sv, &err);
	if (!w) {
		status = MHD_HTTP_INTERNAL_SERVER_ERROR;
		snprintf(msg, sizeof(msg), "%s", err.msg);
	} else {
		test_delay(sv);
		rc = sg_search(w->s, qr.q, strlen(qr.q), &qr.so, &res, &err);
		if (rc != SG_OK) {
			status = query_fault(rc) ? MHD_HTTP_BAD_REQUEST :
				 MHD_HTTP_INTERNAL_SERVER_ERROR;
			snprintf(msg, sizeof(msg), "%s", err.msg[0] ? err.msg :
				 sg_strerror(rc));
			res = NULL;
		}
	}
	bad = page_head(&b, title, qr.q, qr.so.or_mode);
	if (!bad && msg[0])
		bad = page_notice(&b, "error", msg);
	if (!bad && res) {
		char num[40], line[120];
		const char *n = res->notices;

		while (!bad && *n) { /* "\n"-separated */
			const char *e = strchr(n, '\n');
			size_t len = e ? (size_t)(e - n) : strlen(n);

			bad = ob_puts(&b, "<p class=\"notice\">") ||
			      ob_html(&b, n, len) || ob_puts(&b, "</p>\n");
			n += len + (e ? 1 : 0);
		}
		render_thousands(res->total, num);
		snprintf(line, sizeof(line), "%s%s hit%s (%.3f ms)", num,
			 res->total_is_lower_bound ? "+" : "",
			 res->total == 1 && !res->total_is_lower_bound ? "" : "s",
			 (double)res->took_us / 1000.0);
		if (!bad)
			bad = page_notice(&b, "total", line);
		snprintf(num, sizeof(num), "%zu", qr.offset + 1);
		if (!bad)
			bad = ob_puts(&b, "<ol class=\"hits\" start=\"") ||
			      ob_puts(&b, num) || ob_puts(&b, "\">\n");
		for (i = qr.offset; !bad && i < res->n_hits; i++) {
			const sg_hit *h = &res->hits[i];

			snprintf(num, sizeof(num), "%zu.", i + 1);
			bad = ob_puts(&b, "<li class=\"hit\" data-id=\"") ||
			      ob_html(&b, h->id.ptr, h->id.len) ||
			      ob_puts(&b, "\"><span class=\"rank\">") ||
			      ob_puts(&b, num) ||
			      ob_puts(&b, "</span><a class=\"title\" href=\"/doc/") ||
			      ob_url(&b, h->id.ptr, h->id.len) ||
			      ob_puts(&b, "\">") ||
			      ob_html(&b, h->title.len ? h->title.ptr : h->id.ptr,
				      h->title.len ? h->title.len : h->id.len) ||
			      ob_puts(&b, "</a>") ||
			      put_field(&b, h->stored, field);
			if (!bad && h->snippet.len)
				bad = render_snippet_html(&snip, h, "<mark>",
							  "</mark>") ||
				      ob_puts(&b, "<p class=\"snippet\">") ||
				      ob_append(&b, snip.data, snip.len) ||
				      ob_puts(&b, "</p>");
			if (!bad)
				bad = ob_puts(&b, "</li>\n");
		}
		if (!bad)
			bad = ob_puts(&b, "</ol>\n<nav class=\"paging\">");
		if (!bad && qr.offset > 0)
			bad = page_link(&b, &qr, qr.offset > qr.k ?
					qr.offset - qr.k : 0, pfield, "prev",
					"← previous");
		if (!bad && (qr.offset + qr.k < res->total ||
			     (res->total_is_lower_bound &&
			      res->n_hits == qr.offset + qr.k)) &&
		    res->n_hits == qr.offset + qr.k &&
		    qr.offset + 2 * qr.k <= sv->max_k)
			bad = page_link(&b, &qr, qr.offset + qr.k, pfield, "next",
					"next →");
		if (!bad)
			bad = ob_puts(&b, "</nav>\n");
	}
	if (!bad)
		bad = page_tail(&b);
	sg_results_free(res);
	free(snip.data);
	if (bad) {
		free(b.data);
		return MHD_NO;
	}
	return reply_obuf(sv, c, r, status, &b);
}

/* Does the client prefer HTML (a browser following the page's link)? */
static int wants_html(struct MHD_Connection *c, const char *format)
{
	const char *acc;

	if (format)
		return !strcmp(format, "html");
	acc = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Accept");
	return acc && strstr(acc, "text/html") != NULL;
}

static const char *const doc_params[] = { "format", NULL };

static enum MHD_Result do_doc(struct server *sv, struct MHD_Connection *c,
			      struct req *r, const char *id)
{
	struct params p;
	struct worker *w;
	sg_stored_doc d;
	sg_error err = SG_ERROR_INIT;
	const char *format;
	size_t i;
	int rc;

	if (get_params(c, &p, doc_params))
		return errorf(sv, c, r, MHD_HTTP_BAD_REQUEST, SG_EINVAL,
			      "%s parameter '%.60s' (/doc/ID takes format=json "
			      "or html)", p.repeated ? "repeated" : "unknown",
			      p.bad);
	format = pval(&p, "format");
	if (format && strcmp(format, "json") && strcmp(format, "html"))
		return errorf(sv, c, r, MHD_HTTP_BAD_REQUEST, SG_EINVAL,
			      "format: '%.40s' is not json or html", format);
	w = get_worker(sv, &err);
	if (!w)
		return reply_error(sv, c, r, MHD_HTTP_INTERNAL_SERVER_ERROR,
				   NULL, NULL, err.code, err.msg);
	rc = sg_searcher_get(w->s, id, strlen(id), &d, &err);
	if (rc == SG_ENOTFOUND)
		return errorf(sv, c, r, MHD_HTTP_NOT_FOUND, SG_ENOTFOUND,
			      "no document with the id '%.200s'", id);
	if (rc != SG_OK)
		return reply_error(sv, c, r, MHD_HTTP_INTERNAL_SERVER_ERROR,
				   NULL, NULL, rc, err.msg);
	if (wants_html(c, format)) {
		struct obuf b = { NULL, 0, 0 };
		char title[300];
		int bad;

		snprintf(title, sizeof(title), "%.*s – sagasu",
			 (int)(d.title.len > 200 ? 200 : d.title.len),
			 d.title.ptr ? d.title.ptr : "");
		bad = page_head(&b, title, NULL, 0) ||
		      ob_puts(&b, "<article class=\"doc\" data-id=\"") ||
		      ob_html(&b, d.id.ptr, d.id.len) || ob_puts(&b, "\"><h1>") ||
		      ob_html(&b, d.title.ptr, d.title.len) ||
		      ob_puts(&b, "</h1><dl class=\"meta\"><dt>id</dt><dd>") ||
		      ob_html(&b, d.id.ptr, d.id.len) || ob_puts(&b, "</dd>");
		if (!bad && d.stored.len) {
			json_error_t je;
			json_t *st = json_loadb(d.stored.ptr, d.stored.len, 0, &je);
			const char *key;
			json_t *v;

			json_object_foreach(st, key, v) {
				char *t = json_is_string(v) ? NULL :
					json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);

				bad = bad || ob_puts(&b, "<dt>") || ob_hesc(&b, key) ||
				      ob_puts(&b, "</dt><dd>") ||
				      ob_hesc(&b, t ? t : json_is_string(v) ?
					      json_string_value(v) : "") ||
				      ob_puts(&b, "</dd>");
				free(t);
			}
			json_decref(st);
		}
		if (!bad)
			bad = ob_puts(&b, "</dl>");
		for (i = 0; !bad && i < d.n_texts; i++)
			bad = ob_puts(&b, "<section><h2>") ||
			      ob_hesc(&b, d.fields[i]) ||
			      ob_puts(&b, "</h2><pre>") ||
			      ob_html(&b, d.texts[i].ptr, d.texts[i].len) ||
			      ob_puts(&b, "</pre></section>");
		if (!bad)
			bad = ob_puts(&b, "</article>") || page_tail(&b);
		if (bad) {
			free(b.data);
			return MHD_NO;
		}
		return reply_obuf(sv, c, r, MHD_HTTP_OK, &b);
	}
	{
		json_t *o = json_object(), *texts = json_object();
		char *text;
		int bad = !o || !texts;

		if (!bad)
			bad = json_object_set_new(o, "id", json_stringn(d.id.ptr, d.id.len)) ||
			      json_object_set_new(o, "title", json_stringn(
				      d.title.ptr ? d.title.ptr : "", d.title.len)) ||
			      json_object_set_new(o, "dl", json_integer(d.dl));
		for (i = 0; !bad && i < d.n_texts; i++)
			bad = json_object_set_new(texts, d.fields[i], json_stringn(
				d.texts[i].ptr ? d.texts[i].ptr : "", d.texts[i].len));
		if (!bad) {
			bad = json_object_set_new(o, "texts", texts);
			texts = NULL;
		}
		if (!bad && d.stored.len) {
			json_error_t je;
			json_t *st = json_loadb(d.stored.ptr, d.stored.len, 0, &je);

			if (st)
				bad = json_object_set_new(o, "fields", st);
		}
		json_decref(texts);
		text = bad ? NULL : render_compact(o);
		if (bad)
			json_decref(o);
		if (!text)
			return errorf(sv, c, r, MHD_HTTP_INTERNAL_SERVER_ERROR,
				      SG_ENOMEM, "the document could not be "
				      "rendered as JSON (out of memory, or text "
				      "that is not UTF-8)");
		return reply_json_text(sv, c, r, MHD_HTTP_OK, text);
	}
}

/* ------------------------------------------------------------ dispatch */

static const char *const no_params[] = { NULL };

static enum MHD_Result handle(void *cls, struct MHD_Connection *c,
			      const char *url, const char *method,
			      const char *version, const char *upload_data,
			      size_t *upload_data_size, void **req_cls)
{
	struct server *sv = cls;
	struct req *r = *req_cls;
	struct params p;

	(void)version;
	(void)upload_data;
	if (!r) {
		r = calloc(1, sizeof(*r));
		if (!r)
			return MHD_NO;
		r->t0 = now_us();
		snprintf(r->method, sizeof(r->method), "%s", method);
		snprintf(r->path, sizeof(r->path), "%s", url);
		*req_cls = r;
		atomic_fetch_add(&sv->inflight, 1);
	}
	if (r->status) { /* answered; a body still arriving is dropped */
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (strcmp(method, "GET") && strcmp(method, "HEAD"))
		return errorf(sv, c, r, MHD_HTTP_METHOD_NOT_ALLOWED, SG_EINVAL,
			      "method %.20s is not allowed: the server answers "
			      "GET and HEAD", method);
	if (atomic_load(&sv->conns) > sv->max_conn)
		return errorf(sv, c, r, MHD_HTTP_SERVICE_UNAVAILABLE, SG_EBUSY,
			      "too many connections: more than %u are open "
			      "(--max-connections); try again", sv->max_conn);
	if (!strcmp(url, "/search"))
		return do_search(sv, c, r);
	if (!strcmp(url, "/"))
		return do_page(sv, c, r);
	if (!strncmp(url, "/doc/", 5) && url[5])
		return do_doc(sv, c, r, url + 5);
	if (!strcmp(url, "/stats") || !strcmp(url, "/health")) {
		if (get_params(c, &p, no_params))
			return errorf(sv, c, r, MHD_HTTP_BAD_REQUEST, SG_EINVAL,
				      "%s takes no parameter ('%.60s')", url,
				      p.bad);
		if (url[1] == 's')
			return do_stats(sv, c, r);
		return reply_json_text(sv, c, r, MHD_HTTP_OK,
				       strdup("{\"status\":\"ok\"}"));
	}
	return errorf(sv, c, r, MHD_HTTP_NOT_FOUND, SG_ENOTFOUND,
		      "no such path '%.200s' (/search, /doc/ID, /stats, "
		      "/health, /)", url);
}

static void completed(void *cls, struct MHD_Connection *c, void **req_cls,
		      enum MHD_RequestTerminationCode toe)
{
	struct server *sv = cls;
	struct req *r = *req_cls;

	(void)c;
	if (!r)
		return;
	if (!sv->quiet)
		fprintf(stderr, "%s %s %u %lluus%s\n", r->method, r->path,
			r->status, (unsigned long long)(now_us() - r->t0),
			toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" :
			" (aborted)");
	free(r);
	*req_cls = NULL;
	atomic_fetch_sub(&sv->inflight, 1);
}

static void on_connection(void *cls, struct MHD_Connection *c,
			  void **socket_context,
			  enum MHD_ConnectionNotificationCode toe)
{
	struct server *sv = cls;

	(void)c;
	(void)socket_context;
	if (toe == MHD_CONNECTION_NOTIFY_STARTED)
		atomic_fetch_add(&sv->conns, 1);
	else
		atomic_fetch_sub(&sv->conns, 1);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	fputs("sagasu: serve: http: ", stderr);
	vfprintf(stderr, fmt, ap);
}

/* ------------------------------------------------------------ listening */

/* Binds HOST:PORT; the socket, or -1 after the message. *shown: the
 * address as a URL's authority. */
static int listen_on(const char *addr, char *shown, size_t cap)
{
	char host[256], port[16];
	const char *colon;
	struct addrinfo hints, *ai = NULL, *a;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	int fd = -1, one = 1, rc;

	if (addr[0] == '[') {
		const char *end = strchr(addr, ']');

		if (!end || end[1] != ':' || (size_t)(end - addr) >= sizeof(host))
			goto bad;
		memcpy(host, addr + 1, (size_t)(end - addr - 1));
		host[end - addr - 1] = '\0';
		colon = end + 1;
	} else {
		colon = strrchr(addr, ':');
		if (!colon || (size_t)(colon - addr) >= sizeof(host))
			goto bad;
		memcpy(host, addr, (size_t)(colon - addr));
		host[colon - addr] = '\0';
	}
	if (!host[0] || !colon[1] || strlen(colon + 1) > 5 ||
	    strspn(colon + 1, "0123456789") != strlen(colon + 1) ||
	    atoi(colon + 1) > 65535)
		goto bad;
	snprintf(port, sizeof(port), "%s", colon + 1);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	rc = getaddrinfo(host, port, &hints, &ai);
	if (rc != 0) {
		fprintf(stderr, "sagasu: serve: --listen %s: %s\n", addr,
			gai_strerror(rc));
		return -1;
	}
	for (a = ai; a; a = a->ai_next) {
		fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC,
			    a->ai_protocol);
		if (fd < 0)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, a->ai_addr, a->ai_addrlen) == 0 &&
		    listen(fd, 128) == 0)
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	if (fd < 0) {
		fprintf(stderr, "sagasu: serve: --listen %s: cannot listen: "
			"%s\n", addr, strerror(errno));
		return -1;
	}
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0) {
		char h[INET6_ADDRSTRLEN];

		if (ss.ss_family == AF_INET6) {
			struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

			inet_ntop(AF_INET6, &s6->sin6_addr, h, sizeof(h));
			snprintf(shown, cap, "[%s]:%u", h, ntohs(s6->sin6_port));
		} else {
			struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

			inet_ntop(AF_INET, &s4->sin_addr, h, sizeof(h));
			snprintf(shown, cap, "%s:%u", h, ntohs(s4->sin_port));
		}
	} else {
		snprintf(shown, cap, "%s", addr);
	}
	return fd;
bad:
	fprintf(stderr, "sagasu: serve: --listen: '%s' is not HOST:PORT "
		"(e.g. 127.0.0.1:8080 or [::1]:8080; port 0 to 65535)\n", addr);
	return -1;
}

/* ------------------------------------------------------------ main */

static int opt_uint(const char *opt, const char *v, uint64_t min,
		    uint64_t max, uint64_t *out)
{
	return cli_parse_uint("serve", opt, v, min, max, out);
}

int cmd_serve(int argc, char **argv)
{
	struct server sv;
	sg_index_options io = SG_INDEX_OPTIONS_INIT;
	sg_error err = SG_ERROR_INIT;
	sg_searcher *probe;
	struct MHD_Daemon *d;
	const char *listen_addr = "127.0.0.1:8080", *v, *syn_path = NULL;
	char shown[300];
	sigset_t sigs;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	uint64_t n, waited;
	unsigned flags;
	int i, rc, fd, sig = 0;
	struct worker *w;

	memset(&sv, 0, sizeof(sv));
	sv.threads = ncpu < 1 ? 1 : ncpu > THREADS_MAX ? THREADS_MAX :
		     (unsigned)ncpu;
	sv.max_conn = 256;
	sv.timeout = 10;
	sv.max_query = 4096;
	sv.max_k = 10000;
	sv.field = "date";
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			serve_usage(stdout);
			return 0;
		}
		if (!strcmp(a, "--version"))
			return cli_print_version();
		if (cli_is_quiet(a)) {
			sv.quiet = 1;
			continue;
		}
		rc = cli_index_option(argc, argv, &i, &sv.dir, &io);
		if (rc < 0)
			return 2;
		if (rc > 0)
			continue;
		if (strcmp(a, "--listen") && strcmp(a, "--threads") &&
		    strcmp(a, "--max-connections") && strcmp(a, "--timeout") &&
		    strcmp(a, "--max-query") && strcmp(a, "--max-k") &&
		    strcmp(a, "--field") && strcmp(a, "--synonyms")) {
			if (cli_is_option(a))
				cli_unknown_option("serve", a);
			else
				fprintf(stderr, "sagasu: serve: takes no "
					"argument '%s'\n", a);
			return 2;
		}
		v = cli_value(argc, argv, &i);
		if (!v)
			return 2;
		rc = 0;
		if (!strcmp(a, "--listen")) {
			listen_addr = v;
		} else if (!strcmp(a, "--field")) {
			sv.field = v;
		} else if (!strcmp(a, "--synonyms")) {
			syn_path = v;
		} else if (!strcmp(a, "--threads")) {
			rc = opt_uint(a, v, 1, THREADS_MAX, &n);
			sv.threads = (unsigned)n;
		} else if (!strcmp(a, "--max-connections")) {
			rc = opt_uint(a, v, 1, CONN_MAX, &n);
			sv.max_conn = (unsigned)n;
		} else if (!strcmp(a, "--timeout")) {
			rc = opt_uint(a, v, 1, TIMEOUT_MAX, &n);
			sv.timeout = (unsigned)n;
		} else if (!strcmp(a, "--max-query")) {
			rc = opt_uint(a, v, 1, QUERY_MAX_LIMIT, &n);
			sv.max_query = (size_t)n;
		} else { /* --max-k */
			rc = opt_uint(a, v, 1, SG_SEARCH_K_MAX, &n);
			sv.max_k = (size_t)n;
		}
		if (rc)
			return 2;
	}
	if (!sv.dir) {
		fprintf(stderr, "sagasu: serve: -d DIR is required\n");
		serve_usage(stderr);
		return 2;
	}
	v = getenv("SAGASU_TEST_SERVE_DELAY_MS");
	if (v && *v)
		sv.delay_ms = (unsigned)atoi(v);
	/* The groups, once for the server's life: every request borrows
	 * them (sg_synonyms may be shared by threads). */
	if (syn_path && (rc = sg_synonyms_load(syn_path, &sv.syn, &err)) != 0) {
		fprintf(stderr, "sagasu: serve: --synonyms: %s\n", err.msg);
		return rc == SG_ENOMEM ? 1 : 2;
	}
	io.readonly = 1;
	if (sg_index_open(sv.dir, &io, &sv.idx, &err) != SG_OK) {
		cli_error("serve", &err);
		sg_synonyms_free(sv.syn);
		return 1;
	}
	/* The index must be searchable now: a bad one fails at start. */
	if (sg_searcher_open(sv.idx, &probe, &err) != SG_OK) {
		cli_error("serve", &err);
		sg_index_close(sv.idx);
		sg_synonyms_free(sv.syn);
		return 1;
	}
	sg_searcher_free(probe);
	fd = listen_on(listen_addr, shown, sizeof(shown));
	if (fd < 0) {
		sg_index_close(sv.idx);
		sg_synonyms_free(sv.syn);
		return 1;
	}
	pthread_mutex_init(&sv.lock, NULL);
	/* The signals are taken by sigwait below; the threads MHD starts
	 * inherit the mask, so none of them is interrupted by one. */
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ITC |
		MHD_USE_ERROR_LOG | MHD_USE_AUTO;
	d = MHD_start_daemon(flags, 0, NULL, NULL, handle, &sv,
		MHD_OPTION_EXTERNAL_LOGGER, mhd_log, &sv,
		MHD_OPTION_LISTEN_SOCKET, fd,
		MHD_OPTION_THREAD_POOL_SIZE, sv.threads,
		MHD_OPTION_CONNECTION_LIMIT, 2 * sv.max_conn,
		MHD_OPTION_CONNECTION_TIMEOUT, sv.timeout,
		MHD_OPTION_NOTIFY_COMPLETED, completed, &sv,
		MHD_OPTION_NOTIFY_CONNECTION, on_connection, &sv,
		MHD_OPTION_END);
	if (!d) {
		fprintf(stderr, "sagasu: serve: the HTTP server could not "
			"start\n");
		close(fd);
		sg_index_close(sv.idx);
		sg_synonyms_free(sv.syn);
		return 1;
	}
	fprintf(stderr, "sagasu: serve: listening on http://%s (index %s, %u "
		"thread%s)\n", shown, sv.dir, sv.threads,
		sv.threads == 1 ? "" : "s");
	while (sigwait(&sigs, &sig) != 0)
		;
	/* Stop accepting; let what is in flight finish; then stop. */
	atomic_store(&sv.stopping, 1);
	fd = MHD_quiesce_daemon(d);
	if (fd >= 0)
		close(fd);
	for (waited = 0; atomic_load(&sv.inflight) > 0 &&
	     waited < (uint64_t)sv.timeout * 1000; waited += 10) {
		struct timespec ts = { 0, 10000000L };

		nanosleep(&ts, NULL);
	}
	MHD_stop_daemon(d);
	while ((w = sv.workers) != NULL) {
		sv.workers = w->next;
		sg_searcher_free(w->s);
		free(w->b.data);
		free(w);
	}
	sg_index_close(sv.idx);
	sg_synonyms_free(sv.syn);
	pthread_mutex_destroy(&sv.lock);
	fprintf(stderr, "sagasu: serve: stopped (%s)\n",
		sig == SIGINT ? "SIGINT" : "SIGTERM");
	return 0;
}
