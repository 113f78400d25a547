/*
 * cmd_search.c — `sagasu search` and `sagasu bench`: parse arguments, call
 * sg_search, print. Formats: text (people), json, tsv, trec.
 */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "render.h"

enum fmt { F_TEXT, F_JSON, F_TSV, F_TREC };

/* The ranges of the numeric options (stated in --help; cli/opts.c refuses
 * anything outside them). k is capped by the library (SG_SEARCH_K_MAX);
 * k1 beyond 100 is no longer BM25 in any useful sense; a snippet longer
 * than 100,000 characters is the document; a prefix that expands to more
 * than 10,000 terms is a query of more than the parser's 10,000 items;
 * bench keeps one latency per query and pass, so passes are bounded too;
 * threads are the writer's cap, far below LMDB's 256 readers. */
#define K1_MAX 100.0
#define SNIPPET_MAX 100000
#define PREFIX_CAP_MAX 10000
#define PASSES_MAX 10000
#define THREADS_MAX 64
/* --count N: any count a uint64_t holds is possible, but a limit beyond
 * 10^12 documents is 'exact' in all but name. */
#define COUNT_MAX 1000000000000ULL
/* --sort and --filter, each repeatable */
#define SPECS_MAX 16

struct opts {
	const char *dir, *queries;
	sg_search_options so;
	enum fmt fmt;
	int color;            /* -1 auto (until decided), 0 never, 1 always */
	int json, verify;
	int profile;          /* bench --profile: where each query's time goes */
	int quiet;            /* -q: no notices (search), no progress (bench) */
	int snippet_set;      /* --snippet given (0 then means none) */
	const char *hl_open, *hl_close; /* --highlight tags, or NULL */
	char *hl_spec;        /* the copy hl_open and hl_close point into */
	unsigned repeat, warmup, threads;
	size_t offset;        /* --offset: hits skipped (search asks for k +
				 offset and prints from there) */
	const char *sort[SPECS_MAX], *filters[SPECS_MAX]; /* into argv */
	const char *synonyms; /* --synonyms FILE (into argv), or NULL */
	sg_synonyms *syn;     /* its groups, loaded once (load_synonyms) */
	sg_index_options io;
	const char **words;   /* the query's words, in order */
	size_t n_words;
};

struct query_line {
	char *qid, *text;
};

static void search_usage(FILE *f)
{
	fprintf(f,
"usage: sagasu search -d DIR [OPTIONS] [--] QUERY...\n"
"       sagasu search -d DIR [OPTIONS] --queries FILE\n"
"  Keyword mode (default): every word is required; a word that analyzes\n"
"  into several terms matches as a phrase. --or: natural-language mode, the\n"
"  terms of the query are ranked as a bag of words, any may match.\n"
"  Syntax: a OR b, -word, \"a phrase\", prefix*, ( ), title:word (in one\n"
"  indexed field).   See docs/QUERY.md.\n"
"Options (before the query):\n"
"  -d, --dir DIR    the index\n"
"  -k N             hits wanted, 1 to %d (default 10)\n"
"  --offset N       skip the first N hits (paging; k + N at most %d)\n"
"  --sort [-]FIELD  order the hits by a stored field (numbers numerically,\n"
"                   strings bytewise, a missing value last; '-': descending;\n"
"                   _score: the rank); repeatable, ties by the next key,\n"
"                   then by rank\n"
"  --filter 'FIELD OP VALUE'  keep only hits whose field satisfies it, OP\n"
"                   one of = != < <= > >= (e.g. 'date>=2022-03-01');\n"
"                   repeatable, all must hold\n"
"  --or             natural-language mode\n"
"  --format F       text, json, tsv or trec (default text); --json is\n"
"                   --format json\n"
"  --explain        each hit's score, term by term\n"
"  --exhaustive     score every match, no pruning (the same hits, slower)\n"
"  --k1 X           BM25 k1, a number from 0 to %g (default 1.2)\n"
"  --b X            BM25 b, a number from 0 to 1 (default 0.75)\n"
"  --snippet N      snippet length in characters, 0 (none) to %d\n"
"                   (default 100 in text and json, none in tsv and trec)\n"
"  --prefix-cap N   terms one prefix* expands to, 1 to %d (default 128)\n"
"  --synonyms FILE  synonym groups, one a line ('解凍,伸長'): a keyword\n"
"                   in a group matches any member of it (docs/QUERY.md,\n"
"                   Synonyms); a missing or bad file is exit 2\n"
"  --weights F=W,.. field weights, e.g. title=3,body=1: BM25F over the\n"
"                   indexed fields (docs/RANKING.md); unnamed fields 1\n"
"  --count C        count matches exactly up to C, 0 to %llu, or 'exact'\n"
"                   (default 10000); beyond it the total is a lower bound,\n"
"                   shown as 'C+' (0: only what pruning counted)\n"
"  --highlight T    tag the snippet's matches with T = 'OPEN,CLOSE' or\n"
"                   'html' (= '<mark>,</mark>'); the text is HTML-escaped\n"
"                   (json: the field snippet_html)\n"
"  --queries FILE   one query a line, 'QUERY' (id = line number) or\n"
"                   'QID<TAB>QUERY'; all are answered in one process, one\n"
"                   record a line (json, tsv: an error record for a line\n"
"                   that failed)\n"
"  --keep-all, --dicdir DIR, --variants LIST  not needed: the index's own\n"
"                   analyzer is used; one that contradicts it is an error\n"
"  --color WHEN     highlight in colour: auto (default: when stdout is a\n"
"                   terminal and NO_COLOR is not set), always or never;\n"
"                   also --color=WHEN. Text format only\n"
"  -q, --quiet      no notices on stderr (such as a word dropped from the\n"
"                   query); errors are still printed\n"
"  -h, --help       this text;  --version  print the version\n"
"Output formats, field by field: docs/OUTPUT.md.\n"
"The query: the first argument that is not an option starts it, and every\n"
"argument after it is part of the query, even one that starts with '-':\n"
"  sagasu search -d IDX ファイル -dpkg      ファイル, without dpkg\n"
"Before the query, an argument that starts with '-' and a Latin letter (or\n"
"'--') is an option; '--' ends the options, so a query may start with one:\n"
"  sagasu search -d IDX -- -kernel linux   linux, without kernel\n"
"Exit status: 0 done, 1 failed, 2 bad usage (a bad option or value).\n",
		SG_SEARCH_K_MAX, SG_SEARCH_K_MAX, K1_MAX, SNIPPET_MAX,
		PREFIX_CAP_MAX, (unsigned long long)COUNT_MAX);
}

/* The value of a numeric option, parsed strictly into *out (a size_t or
 * unsigned of struct opts); -1 after the message. */
static int opt_size(const char *cmd, const char *opt, const char *v,
		    uint64_t min, uint64_t max, size_t *out)
{
	uint64_t n;

	if (cli_parse_uint(cmd, opt, v, min, max, &n) != 0)
		return -1;
	*out = (size_t)n;
	return 0;
}

static int opt_unsigned(const char *cmd, const char *opt, const char *v,
			uint64_t min, uint64_t max, unsigned *out)
{
	uint64_t n;

	if (cli_parse_uint(cmd, opt, v, min, max, &n) != 0)
		return -1;
	*out = (unsigned)n;
	return 0;
}

/* --highlight: 'html' or 'OPEN,CLOSE' (split at the first comma; both
 * non-empty). A later --highlight replaces an earlier one. */
static int parse_highlight(const char *cmd, const char *v, struct opts *o)
{
	char *comma;

	if (!strcmp(v, "html"))
		v = "<mark>,</mark>";
	free(o->hl_spec);
	o->hl_spec = strdup(v);
	o->hl_open = o->hl_close = NULL;
	if (!o->hl_spec) {
		fprintf(stderr, "sagasu: %s: out of memory\n", cmd);
		return -1;
	}
	comma = strchr(o->hl_spec, ',');
	if (!comma || comma == o->hl_spec || !comma[1]) {
		fprintf(stderr, "sagasu: %s: --highlight: '%s' is not 'html' or "
			"'OPEN,CLOSE' (two non-empty tags, e.g. '<b>,</b>')\n",
			cmd, v);
		free(o->hl_spec);
		o->hl_spec = NULL;
		return -1;
	}
	*comma = '\0';
	o->hl_open = o->hl_spec;
	o->hl_close = comma + 1;
	return 0;
}

/* The options that take a value, and the subcommands that have them. */
enum { IN_SEARCH = 1, IN_BENCH = 2, IN_BOTH = IN_SEARCH | IN_BENCH };

static const struct {
	const char *name;
	unsigned where;
} value_opts[] = {
	{ "-k", IN_BOTH }, { "--k1", IN_BOTH }, { "--b", IN_BOTH },
	{ "--snippet", IN_BOTH }, { "--prefix-cap", IN_BOTH },
	{ "--synonyms", IN_BOTH }, { "--weights", IN_BOTH },
	{ "--queries", IN_BOTH }, { "--format", IN_BOTH },
	{ "--color", IN_SEARCH },
	{ "--count", IN_BOTH }, { "--highlight", IN_SEARCH },
	{ "--offset", IN_SEARCH },
	{ "--sort", IN_BOTH }, { "--filter", IN_BOTH },
	{ "--repeat", IN_BENCH }, { "--warmup", IN_BENCH },
	{ "--threads", IN_BENCH },
};

/* Reads the options of `search` (argv[0] "search") or `bench` (argv[0]
 * "bench") up to the query: see the rules in cli.h and search_usage.
 * Returns -1 to go on, or the exit status (0 after --help, 2 bad usage);
 * *first is 1 when query words were given (o->words). */
static int parse_opts(int argc, char **argv, struct opts *o, int *first,
		      void (*usage)(FILE *))
{
	const char *cmd = argv[0];
	unsigned here = strcmp(cmd, "bench") ? IN_SEARCH : IN_BENCH;
	int i, rc;

	*first = 0;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v;
		size_t j;

		if (!strcmp(a, "--")) {
			i++;
			break;
		}
		if (!cli_is_option(a))
			break; /* the first query word */
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			return 0;
		}
		if (!strcmp(a, "--version"))
			return cli_print_version();
		if (cli_is_quiet(a)) {
			o->quiet = 1;
			continue;
		}
		if (!strncmp(a, "--color=", 8) && here == IN_SEARCH) {
			if (cli_parse_color(cmd, a + 8, &o->color) != 0)
				return 2;
			continue;
		}
		rc = cli_index_option(argc, argv, &i, &o->dir, &o->io);
		if (rc < 0)
			return 2;
		if (rc > 0)
			continue;
		if (!strcmp(a, "--or")) {
			o->so.or_mode = 1;
			continue;
		} else if (!strcmp(a, "--explain")) {
			o->so.explain = 1;
			continue;
		} else if (!strcmp(a, "--exhaustive")) {
			o->so.exhaustive = 1;
			continue;
		} else if (!strcmp(a, "--json")) {
			o->json = 1;
			o->fmt = F_JSON;
			continue;
		} else if (!strcmp(a, "--verify") && here == IN_BENCH) {
			o->verify = 1;
			continue;
		} else if (!strcmp(a, "--profile") && here == IN_BENCH) {
			o->profile = 1;
			continue;
		}
		for (j = 0; j < sizeof(value_opts) / sizeof(value_opts[0]); j++)
			if (!strcmp(a, value_opts[j].name) &&
			    (value_opts[j].where & here))
				break;
		if (j == sizeof(value_opts) / sizeof(value_opts[0])) {
			cli_unknown_option(cmd, a);
			return 2;
		}
		v = cli_value(argc, argv, &i);
		if (!v)
			return 2;
		rc = 0;
		if (!strcmp(a, "-k")) {
			rc = opt_size(cmd, a, v, 1, SG_SEARCH_K_MAX, &o->so.k);
		} else if (!strcmp(a, "--k1")) {
			rc = cli_parse_double(cmd, a, v, 0, K1_MAX, &o->so.k1);
		} else if (!strcmp(a, "--b")) {
			rc = cli_parse_double(cmd, a, v, 0, 1, &o->so.b);
		} else if (!strcmp(a, "--snippet")) {
			rc = opt_size(cmd, a, v, 0, SNIPPET_MAX,
				      &o->so.snippet_chars);
			o->snippet_set = 1;
		} else if (!strcmp(a, "--prefix-cap")) {
			rc = opt_size(cmd, a, v, 1, PREFIX_CAP_MAX,
				      &o->so.prefix_cap);
		} else if (!strcmp(a, "--synonyms")) {
			o->synonyms = v; /* a later one replaces it */
		} else if (!strcmp(a, "--weights")) {
			o->so.weights = v; /* checked by open_searcher */
		} else if (!strcmp(a, "--offset")) {
			rc = opt_size(cmd, a, v, 0, SG_SEARCH_K_MAX - 1,
				      &o->offset);
		} else if (!strcmp(a, "--sort") || !strcmp(a, "--filter")) {
			int s = !strcmp(a, "--sort");
			size_t *n = s ? &o->so.n_sort : &o->so.n_filters;

			if (*n == SPECS_MAX) {
				fprintf(stderr, "sagasu: %s: %s: at most %d\n",
					cmd, a, SPECS_MAX);
				rc = -1;
			} else {
				(s ? o->sort : o->filters)[(*n)++] = v;
				o->so.sort = o->sort;
				o->so.filters = o->filters;
			}
		} else if (!strcmp(a, "--queries")) {
			o->queries = v;
		} else if (!strcmp(a, "--count")) {
			uint64_t n;

			if (!strcmp(v, "exact"))
				o->so.count_limit = SG_SEARCH_COUNT_EXACT;
			else if ((rc = cli_parse_uint(cmd, a, v, 0, COUNT_MAX,
						      &n)) == 0)
				o->so.count_limit = n;
		} else if (!strcmp(a, "--highlight")) {
			rc = parse_highlight(cmd, v, o);
		} else if (!strcmp(a, "--repeat")) {
			rc = opt_unsigned(cmd, a, v, 1, PASSES_MAX, &o->repeat);
		} else if (!strcmp(a, "--warmup")) {
			rc = opt_unsigned(cmd, a, v, 0, PASSES_MAX, &o->warmup);
		} else if (!strcmp(a, "--threads")) {
			rc = opt_unsigned(cmd, a, v, 1, THREADS_MAX, &o->threads);
		} else if (!strcmp(a, "--color")) {
			rc = cli_parse_color(cmd, v, &o->color);
		} else if (here == IN_BENCH && strcmp(v, "text") &&
			   strcmp(v, "json")) { /* --format */
			fprintf(stderr, "sagasu: bench: --format: '%s' is not "
				"text or json\n", v);
			rc = -1;
		} else if (!strcmp(v, "text")) { /* --format */
			o->fmt = F_TEXT;
		} else if (!strcmp(v, "json")) {
			o->fmt = F_JSON;
		} else if (!strcmp(v, "tsv")) {
			o->fmt = F_TSV;
		} else if (!strcmp(v, "trec")) {
			o->fmt = F_TREC;
		} else {
			fprintf(stderr, "sagasu: %s: --format: '%s' is not text, "
				"json, tsv or trec\n", cmd, v);
			rc = -1;
		}
		if (rc < 0)
			return 2;
	}
	if (!o->dir) {
		fprintf(stderr, "sagasu: %s: -d DIR is required\n", cmd);
		usage(stderr);
		return 2;
	}
	if (here == IN_BENCH) {
		o->json = o->fmt == F_JSON; /* --json or --format json */
		if (i < argc || !o->queries) {
			fprintf(stderr, "sagasu: bench: %s\n", i < argc ?
				"takes its queries from --queries FILE, not "
				"from the command line" :
				"--queries FILE is required");
			usage(stderr);
			return 2;
		}
		return -1;
	}
	if (o->offset && o->so.k + o->offset > SG_SEARCH_K_MAX) {
		fprintf(stderr, "sagasu: search: -k %zu with --offset %zu asks for "
			"more than %d hits\n", o->so.k, o->offset, SG_SEARCH_K_MAX);
		return 2;
	}
	if (o->queries && i < argc) {
		fprintf(stderr, "sagasu: search: give QUERY words or --queries "
			"FILE, not both\n");
		return 2;
	}
	if (!o->queries && i == argc) {
		fprintf(stderr, "sagasu: search: no QUERY given\n");
		usage(stderr);
		return 2;
	}
	/* Every argument from here on is the query's, '-dpkg' included.
	 * Allocated last: no early return above has anything to free. */
	o->words = calloc((size_t)(argc - i) + 1, sizeof(*o->words));
	if (!o->words) {
		fprintf(stderr, "sagasu: %s: out of memory\n", cmd);
		return 1;
	}
	for (; i < argc; i++) {
		o->words[o->n_words++] = argv[i];
		*first = 1;
	}
	return -1;
}

/* Reads a query file: "QUERY" or "QID<TAB>QUERY" a line. -1 after the
 * message on stderr, which is also in err (code and text). */
static int read_queries(const char *path, struct query_line **out, size_t *n,
			sg_error *err)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	char *line = NULL;
	size_t cap = 0, lineno = 0, m = 0, qcap = 0;
	ssize_t len;
	struct query_line *q = NULL;

	if (!f) {
		err->code = SG_EIO;
		snprintf(err->msg, sizeof(err->msg), "%s: cannot open: %s",
			 path, strerror(errno));
		fprintf(stderr, "sagasu: %s\n", err->msg);
		return -1;
	}
	while ((len = getline(&line, &cap, f)) >= 0) {
		char *tab, num[32];

		lineno++;
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (m == qcap) {
			struct query_line *nq;

			qcap = qcap ? qcap * 2 : 64;
			nq = realloc(q, qcap * sizeof(*q));
			if (!nq)
				goto nomem;
			q = nq;
		}
		tab = strchr(line, '\t');
		if (tab) {
			*tab = '\0';
			q[m].qid = strdup(line);
			q[m].text = strdup(tab + 1);
		} else {
			snprintf(num, sizeof(num), "%zu", lineno);
			q[m].qid = strdup(num);
			q[m].text = strdup(line);
		}
		if (!q[m].qid || !q[m].text)
			goto nomem;
		m++;
	}
	free(line);
	if (f != stdin)
		fclose(f);
	*out = q;
	*n = m;
	return 0;
nomem:
	err->code = SG_ENOMEM;
	snprintf(err->msg, sizeof(err->msg), "out of memory");
	fprintf(stderr, "sagasu: out of memory\n");
	free(line);
	if (f != stdin)
		fclose(f);
	return -1;
}

static void free_queries(struct query_line *q, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(q[i].qid);
		free(q[i].text);
	}
	free(q);
}

/* Prints s with control characters as spaces. */
static void put_clean(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		putchar((unsigned char)s[i] < 0x20 ? ' ' : s[i]);
}

static int print_text(const struct opts *o, const char *query,
		      const sg_results *res, struct obuf *b)
{
	size_t i, j;
	char num[32];

	printf("%s%s hit%s for '%s' (%.3f ms)\n", render_thousands(res->total, num),
	       res->total_is_lower_bound ? "+" : "",
	       res->total == 1 && !res->total_is_lower_bound ? "" : "s",
	       query, (double)res->took_us / 1000.0);
	for (i = o->offset; i < res->n_hits; i++) {
		const sg_hit *h = &res->hits[i];
		size_t at = 0;

		printf("%s%2zu.%s %8.4f  %.*s  %s", o->color ? "\033[1m" : "",
		       i + 1, o->color ? "\033[0m" : "", h->score,
		       (int)h->id.len, h->id.ptr, o->color ? "\033[36m" : "");
		put_clean(h->title.ptr, h->title.len);
		printf("%s\n", o->color ? "\033[0m" : "");
		if (h->snippet.len && o->hl_open) {
			if (render_snippet_html(b, h, o->hl_open, o->hl_close) != 0)
				return -1;
			printf("     %.*s\n", (int)b->len, b->data);
		} else if (h->snippet.len) {
			printf("     ");
			for (j = 0; j < h->n_highlights; j++) {
				const sg_span *sp = &h->highlights[j];

				put_clean(h->snippet.ptr + at, sp->start - at);
				printf("%s", o->color ? "\033[1;31m" : "[");
				put_clean(h->snippet.ptr + sp->start,
					  sp->end - sp->start);
				printf("%s", o->color ? "\033[0m" : "]");
				at = sp->end;
			}
			put_clean(h->snippet.ptr + at, h->snippet.len - at);
			putchar('\n');
		}
		for (j = 0; o->so.explain && j < h->n_explain; j++) {
			const sg_explain *e = &h->explain[j];

			printf("       %-20s tf=%u df=%llu idf=%.4f score=%.4f\n",
			       e->what, e->tf, (unsigned long long)e->df,
			       e->idf, e->score);
		}
	}
	return 0;
}

/* Prints o as one line and frees it; -1 out of memory. */
static int json_put(json_t *o)
{
	char *text = render_compact(o);

	if (!text)
		return -1;
	puts(text);
	free(text);
	return 0;
}

/* One query's record of --format json (render.c builds it: the server
 * answers GET /search with the same object). */
static int print_json(const struct opts *o, const char *qid,
		      const char *query, const sg_results *res, struct obuf *b)
{
	return json_put(render_results(qid, query, res, o->offset, o->hl_open,
				       o->hl_close, b));
}

/* The error record of --format json: {"qid", "query", "error": {"code",
 * "message"}} (qid and query when the error is a query's). If even that
 * cannot be built, a fixed NOMEM record. */
static void print_json_error(const char *qid, const char *query, int code,
			     const char *msg)
{
	char *t = render_error_text(qid, query, code, msg);

	puts(t ? t : "{\"error\":{\"code\":\"NOMEM\",\"message\":\"out of "
	     "memory\"}}");
	free(t);
}

/* A TSV field: backslash, tab, newline and carriage return as \\ \t \n
 * \r, so that a field never splits a line or a row. */
static void put_tsv(FILE *f, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		switch (s[i]) {
		case '\\': fputs("\\\\", f); break;
		case '\t': fputs("\\t", f); break;
		case '\n': fputs("\\n", f); break;
		case '\r': fputs("\\r", f); break;
		default: putc(s[i], f);
		}
}

/* A byte TREC's space-separated columns cannot carry. */
static const char *trec_bad(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')
			return s[i] == ' ' ? "a space" : s[i] == '\t' ? "a tab" :
			       s[i] == '\n' ? "a newline" : "a carriage return";
	return NULL;
}

/* Prints one query's results; 0, or 1 when they could not be printed
 * (out of memory, or an id TREC cannot carry: message on stderr). */
static int print_results(const struct opts *o, const char *qid,
			 const char *query, const sg_results *res, struct obuf *b)
{
	size_t i;
	const char *why;

	if (res->notices[0] && !o->quiet)
		fprintf(stderr, "sagasu: search: %s\n", res->notices);
	switch (o->fmt) {
	case F_TEXT:
		if (print_text(o, query, res, b) != 0)
			goto nomem;
		break;
	case F_JSON:
		if (print_json(o, qid, query, res, b) != 0) {
			print_json_error(qid, query, SG_ENOMEM, "out of memory");
			goto nomem;
		}
		break;
	case F_TSV:
		for (i = o->offset; i < res->n_hits; i++) {
			put_tsv(stdout, qid, strlen(qid));
			printf("\t%zu\t", i + 1);
			put_tsv(stdout, res->hits[i].id.ptr, res->hits[i].id.len);
			printf("\t%.6f\n", res->hits[i].score);
		}
		break;
	case F_TREC:
		if ((why = trec_bad(qid, strlen(qid))) != NULL) {
			fprintf(stderr, "sagasu: search: query id '%s' holds %s, "
				"which TREC's space-separated columns cannot "
				"carry: use --format tsv or json\n", qid, why);
			return 1;
		}
		for (i = o->offset; i < res->n_hits; i++) {
			const sg_hit *h = &res->hits[i];

			if ((why = trec_bad(h->id.ptr, h->id.len)) != NULL) {
				fprintf(stderr, "sagasu: search: query %s: "
					"document id '", qid);
				put_tsv(stderr, h->id.ptr, h->id.len);
				fprintf(stderr, "' holds %s, which TREC's "
					"space-separated columns cannot carry: "
					"use --format tsv or json\n", why);
				return 1;
			}
		}
		for (i = o->offset; i < res->n_hits; i++)
			printf("%s Q0 %.*s %zu %.6f sagasu\n", qid,
			       (int)res->hits[i].id.len, res->hits[i].id.ptr,
			       i + 1, res->hits[i].score);
		break;
	}
	return 0;
nomem:
	fprintf(stderr, "sagasu: search: out of memory\n");
	return 1;
}

/* A failed query's record: stderr always (people and the tests read it);
 * json: an error record on stdout; tsv: the row QID, "error", CODE,
 * MESSAGE; text and trec: stderr only. */
static void print_query_error(const struct opts *o, const char *qid,
			      const char *query, int code, const sg_error *err)
{
	const char *msg = err->msg[0] ? err->msg : sg_strerror(code);

	if (code == SG_ESYNTAX || code == SG_ETOOBIG || code == SG_EINVAL)
		fprintf(stderr, "sagasu: search: query %s: %s\n", qid, msg);
	else
		cli_error("search", err);
	if (o->fmt == F_JSON) {
		print_json_error(qid, query, code, msg);
	} else if (o->fmt == F_TSV) {
		put_tsv(stdout, qid, strlen(qid));
		printf("\terror\t%s\t", render_error_name(code));
		put_tsv(stdout, msg, strlen(msg));
		putchar('\n');
	}
}

/* --synonyms FILE: its groups, loaded once for every query of the run
 * (o->so.synonyms borrows them; the caller frees o->syn at exit). 0, or
 * the exit status after the message, which is the library's (FILE:LINE
 * and the fix): 2 for a file that is missing, unreadable or bad, 1 out
 * of memory (*err holds the error). */
static int load_synonyms(struct opts *o, const char *what, sg_error *err)
{
	int rc;

	if (!o->synonyms)
		return 0;
	rc = sg_synonyms_load(o->synonyms, &o->syn, err);
	if (rc != SG_OK) {
		fprintf(stderr, "sagasu: %s: --synonyms: %s\n", what, err->msg);
		return rc == SG_ENOMEM ? 1 : 2;
	}
	o->so.synonyms = o->syn;
	return 0;
}

/* Opens the index and a searcher on it; 1 after the message (and *err
 * holds the error). */
static int open_searcher(struct opts *o, sg_index **idx, sg_searcher **s,
			 const char *what, sg_error *err)
{
	o->io.readonly = 1;
	if (sg_index_open(o->dir, &o->io, idx, err) != SG_OK) {
		cli_error(what, err);
		return 1;
	}
	cli_test_crash();
	if (sg_searcher_open(*idx, s, err) != SG_OK) {
		cli_error(what, err);
		sg_index_close(*idx);
		return 1;
	}
	if (o->so.n_sort || o->so.n_filters || o->so.weights) {
		/* The specs are checked once, before any query: an empty
		 * query compiles them and searches nothing. */
		sg_results *res = NULL;

		if (sg_search(*s, "", 0, &o->so, &res, err) == SG_EINVAL) {
			fprintf(stderr, "sagasu: %s: %s\n", what, err->msg);
			sg_searcher_free(*s);
			sg_index_close(*idx);
			return 2;
		}
		sg_results_free(res);
	}
	return 0;
}

int cmd_search(int argc, char **argv)
{
	struct opts o;
	sg_index *idx;
	sg_searcher *s;
	sg_error err = SG_ERROR_INIT;
	struct query_line *q = NULL, one;
	size_t n_q = 0, i;
	char *joined = NULL;
	char qid_one[] = "1";
	struct obuf hb = { NULL, 0, 0 };
	sg_search_options so_k;
	int rc, first, status = 0;

	memset(&o, 0, sizeof(o));
	o.so = (sg_search_options)SG_SEARCH_OPTIONS_INIT;
	o.io = (sg_index_options)SG_INDEX_OPTIONS_INIT;
	o.color = -1;
	rc = parse_opts(argc, argv, &o, &first, search_usage);
	if (rc >= 0) {
		free(o.hl_spec);
		free(o.words);
		return rc;
	}
	/* --color auto honours NO_COLOR (set: no colour) and colours a
	 * terminal only; always and never override both. */
	if (o.color < 0)
		o.color = isatty(1) && !getenv("NO_COLOR");
	if (o.fmt != F_TEXT)
		o.color = 0;
	if (o.fmt == F_TEXT) {
		if (!o.snippet_set)
			o.so.snippet_chars = 100;
	} else if (o.fmt == F_JSON && !o.snippet_set) {
		o.so.snippet_chars = 100;
	}
	if ((rc = load_synonyms(&o, "search", &err)) != 0) {
		if (o.fmt == F_JSON && rc == 1)
			print_json_error(NULL, NULL, err.code, err.msg);
		status = rc;
		goto out;
	}
	if (o.queries) { /* parse_opts: then no query words */
		if (read_queries(o.queries, &q, &n_q, &err) != 0) {
			if (o.fmt == F_JSON)
				print_json_error(NULL, NULL, err.code, err.msg);
			status = 1;
			goto out;
		}
	} else {
		size_t len = 0;

		for (i = 0; i < o.n_words; i++)
			len += strlen(o.words[i]) + 1;
		joined = calloc(1, len + 1);
		if (!joined) {
			fprintf(stderr, "sagasu: search: out of memory\n");
			status = 1;
			goto out;
		}
		len = 0;	/* join the words with one space: linear, not strcat */
		for (i = 0; i < o.n_words; i++) {
			size_t w = strlen(o.words[i]);

			if (i)
				joined[len++] = ' ';
			memcpy(joined + len, o.words[i], w);
			len += w;
		}
		one.qid = qid_one;
		one.text = joined;
		q = &one;
		n_q = 1;
	}
	if ((rc = open_searcher(&o, &idx, &s, "search", &err)) != 0) {
		if (o.fmt == F_JSON && rc == 1)
			print_json_error(NULL, NULL, err.code, err.msg);
		status = rc;
		goto out;
	}
	/* --offset N: the library ranks k + N hits, the first N are skipped. */
	so_k = o.so;
	so_k.k = (o.so.k ? o.so.k : 10) + o.offset;
	/* One record per query, in input order; a query that fails gets an
	 * error record (print_query_error). A failure that is not the
	 * query's own (out of memory, a damaged index) ends the run there:
	 * the later queries would meet it too. */
	for (i = 0; i < n_q; i++) {
		sg_results *res;

		err = (sg_error)SG_ERROR_INIT;
		rc = sg_search(s, q[i].text, strlen(q[i].text), &so_k, &res, &err);
		if (rc != SG_OK) {
			print_query_error(&o, q[i].qid, q[i].text, rc, &err);
			status = 1;
			if (rc != SG_ESYNTAX && rc != SG_ETOOBIG && rc != SG_EINVAL)
				break;
			continue;
		}
		if (print_results(&o, q[i].qid, q[i].text, res, &hb) != 0)
			status = 1;
		sg_results_free(res);
	}
	sg_searcher_free(s);
	sg_index_close(idx);
out:
	if (q != &one)
		free_queries(q, n_q);
	free(joined);
	free(o.words);
	free(o.hl_spec);
	free(hb.data);
	sg_synonyms_free(o.syn);
	return status;
}

/* ------------------------------------------------------------ bench */

static void bench_usage(FILE *f)
{
	fprintf(f,
"usage: sagasu bench -d DIR --queries FILE [OPTIONS]\n"
"  Runs the query set in one process: queries/s, latency min/p50/p95/p99/\n"
"  max, postings decoded, blocks skipped, documents scored per query.\n"
"  The queries come from FILE only ('QUERY' or 'QID<TAB>QUERY' a line).\n"
"Options:\n"
"  -k N             hits wanted, 1 to %d (default 10)\n"
"  --or, --exhaustive, --explain, --keep-all, --dicdir DIR   as in search\n"
"  --k1 X           BM25 k1, a number from 0 to %g (default 1.2)\n"
"  --b X            BM25 b, a number from 0 to 1 (default 0.75)\n"
"  --snippet N      snippet characters, 0 to %d (default 0: none)\n"
"  --prefix-cap N   terms one prefix* expands to, 1 to %d (default 128)\n"
"  --synonyms FILE  synonym groups, as in search\n"
"  --weights F=W,.. field weights (BM25F), as in search\n"
"  --sort [-]FIELD, --filter 'FIELD OP VALUE'   as in search (repeatable)\n"
"  --count C        as in search, but default 0: bench times the top k,\n"
"                   as the peers are timed (--count 10000: search's cost)\n"
"  --repeat N       timed passes over the set, 1 to %d (default 1)\n"
"  --warmup N       untimed passes before them, 0 to %d (default 0)\n"
"  --threads N      1 to %d (default 1): N threads, each with its own\n"
"                   searcher on the one index, take the queries (of all\n"
"                   --repeat passes) from a shared counter; queries/s is\n"
"                   for all threads together, latencies are per query\n"
"  --verify         run every query exhaustively too; fail on any difference\n"
"  --profile        where the time goes, per query on average: parsing,\n"
"                   analysis (MeCab), planning (term lookups), evaluation\n"
"                   (decode, score, skip), building the hits\n"
"  --format F       text (default) or json: the figures as one JSON\n"
"                   object; --json is --format json\n"
"  -q, --quiet      no progress line on stderr\n"
"  -h, --help       this text;  --version  print the version\n"
"Exit status: 0 done, 1 failed (or a mismatch), 2 bad usage.\n",
		SG_SEARCH_K_MAX, K1_MAX, SNIPPET_MAX, PREFIX_CAP_MAX, PASSES_MAX,
		PASSES_MAX, THREADS_MAX);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static uint64_t pct(const uint64_t *v, size_t n, double p)
{
	size_t i = (size_t)ceil(p * (double)n) ;

	if (n == 0)
		return 0;
	if (i > 0)
		i--;
	return v[i < n ? i : n - 1];
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Compares a pruned result with an exhaustive one: same ids, same order,
 * scores within 1e-6 relative. */
static int same_results(const sg_results *a, const sg_results *b)
{
	size_t i;

	if (a->n_hits != b->n_hits)
		return 0;
	for (i = 0; i < a->n_hits; i++) {
		double x = a->hits[i].score, y = b->hits[i].score;

		if (a->hits[i].docid != b->hits[i].docid ||
		    fabs(x - y) > 1e-6 * fmax(fabs(x), fabs(y)))
			return 0;
	}
	return 1;
}

/* One timing thread of `sagasu bench`: its own searcher on the shared index;
 * takes job numbers (pass * n_q + query) from the shared counter until all
 * are taken.  lat[job] is its latency; the counters are this thread's. */
struct bench_worker {
	const struct opts *o;
	const struct query_line *q;
	size_t n_q, n_jobs;
	atomic_size_t *next;
	uint64_t *lat;
	sg_searcher *s;
	int progress;
	pthread_t tid;
	uint64_t decoded, skipped, scored, matched, mismatches, errors;
	uint64_t phase[5];    /* parse, analyze, plan, eval, build (ns) */
};

static const char *const phase_names[5] = { "parse", "analyze", "plan",
					     "eval", "build" };

static void *bench_run(void *arg)
{
	struct bench_worker *w = arg;
	sg_error err = SG_ERROR_INIT;
	size_t job;

	while ((job = atomic_fetch_add(w->next, 1)) < w->n_jobs) {
		const struct query_line *qi = &w->q[job % w->n_q];
		sg_results *res;
		uint64_t t0 = now_ns();
		int rc = sg_search(w->s, qi->text, strlen(qi->text), &w->o->so,
				   &res, &err);

		w->lat[job] = now_ns() - t0;
		if (rc != SG_OK) {
			w->errors++;
			fprintf(stderr, "sagasu: bench: query %s: %s\n", qi->qid,
				err.msg);
			continue;
		}
		w->decoded += res->postings_decoded;
		w->skipped += res->blocks_skipped;
		w->scored += res->docs_scored;
		w->phase[0] += res->parse_ns;
		w->phase[1] += res->analyze_ns;
		w->phase[2] += res->plan_ns;
		w->phase[3] += res->eval_ns;
		w->phase[4] += res->build_ns;
		if (w->o->verify && job < w->n_q) {
			sg_search_options ex = w->o->so;
			sg_results *ref;

			ex.exhaustive = 1;
			if (sg_search(w->s, qi->text, strlen(qi->text), &ex, &ref,
				      &err) == SG_OK) {
				w->matched += ref->total;
				if (!same_results(res, ref)) {
					w->mismatches++;
					fprintf(stderr, "sagasu: bench: MISMATCH on "
						"query %s '%s'\n", qi->qid, qi->text);
				}
				sg_results_free(ref);
			}
		}
		sg_results_free(res);
		if (w->progress && (job % 64) == 0)
			fprintf(stderr, "\rrun %zu/%u, query %zu/%zu", job / w->n_q + 1,
				w->o->repeat, job % w->n_q + 1, w->n_q);
	}
	return NULL;
}

/* Prints up to max_chars code points of text, then "…" when cut. */
static void print_cut(const char *text, size_t max_chars)
{
	size_t len = 0, n = 0;

	while (text[len] && n < max_chars) {
		len++;
		while ((text[len] & 0xC0) == 0x80)
			len++;
		n++;
	}
	printf("%.*s%s", (int)len, text, text[len] ? "\xE2\x80\xA6" : "");
}

/* Prints text as a JSON string (jansson escapes it; text that is not valid
 * UTF-8 gets each byte >= 0x80 as U+FFFD). */
static void print_json_text(const char *text)
{
	json_t *j = json_string(text);
	char *out = j ? json_dumps(j, JSON_ENCODE_ANY) : NULL;
	const unsigned char *p;

	if (out) {
		fputs(out, stdout);
	} else {
		putchar('"');
		for (p = (const unsigned char *)text; *p; p++)
			if (*p >= 0x80)
				fputs("\\ufffd", stdout);
			else if (*p == '"' || *p == '\\')
				printf("\\%c", *p);
			else if (*p < 0x20)
				printf("\\u%04x", *p);
			else
				putchar(*p);
		putchar('"');
	}
	free(out);
	json_decref(j);
}

int cmd_bench(int argc, char **argv)
{
	struct opts o;
	sg_index *idx;
	sg_searcher *s;
	sg_error err = SG_ERROR_INIT;
	struct query_line *q = NULL;
	struct bench_worker *wk = NULL;
	atomic_size_t next;
	size_t n_q = 0, i, n_lat = 0;
	uint64_t *lat = NULL, decoded = 0, skipped = 0, scored = 0, matched = 0;
	uint64_t phase[5] = { 0 }, phase_all = 0;
	uint64_t t_start, t_all, mismatches = 0, errors = 0;
	size_t slowest = 0; /* the job that took longest */
	unsigned rep, t, started = 0;
	int rc, first, status = 0, tty = isatty(2);

	memset(&o, 0, sizeof(o));
	o.so = (sg_search_options)SG_SEARCH_OPTIONS_INIT;
	o.io = (sg_index_options)SG_INDEX_OPTIONS_INIT;
	o.so.count_limit = 0; /* the top k alone, unless --count says */
	o.repeat = 1;
	rc = parse_opts(argc, argv, &o, &first, bench_usage);
	if (rc >= 0) /* it also refused query words and a missing --queries */
		return rc;
	if (o.quiet)
		tty = 0; /* no progress line */
	if (o.repeat == 0)
		o.repeat = 1;
	if (o.threads == 0)
		o.threads = 1;
	if ((rc = load_synonyms(&o, "bench", &err)) != 0)
		return rc;
	if (read_queries(o.queries, &q, &n_q, &err) != 0) {
		sg_synonyms_free(o.syn);
		return 1;
	}
	if ((rc = open_searcher(&o, &idx, &s, "bench", &err)) != 0) {
		free_queries(q, n_q);
		sg_synonyms_free(o.syn);
		return rc;
	}
	n_lat = n_q * o.repeat;
	lat = calloc(n_lat + 1, sizeof(*lat));
	wk = calloc(o.threads, sizeof(*wk));
	if (!lat || !wk) {
		status = 1;
		goto out;
	}
	for (rep = 0; rep < o.warmup; rep++)
		for (i = 0; i < n_q; i++) {
			sg_results *res;

			if (sg_search(s, q[i].text, strlen(q[i].text), &o.so,
				      &res, &err) == SG_OK)
				sg_results_free(res);
		}
	/* Thread 0 uses the searcher above; the others open their own on the
	 * same sg_index (one read-only LMDB environment). */
	for (t = 0; t < o.threads; t++) {
		wk[t].o = &o;
		wk[t].q = q;
		wk[t].n_q = n_q;
		wk[t].n_jobs = n_lat;
		wk[t].next = &next;
		wk[t].lat = lat;
		wk[t].progress = tty && t == 0;
		if (t == 0)
			wk[t].s = s;
		else if (sg_searcher_open(idx, &wk[t].s, &err) != SG_OK) {
			cli_error("bench", &err);
			status = 1;
			goto out;
		}
	}
	atomic_init(&next, 0);
	t_start = now_ns();
	for (t = 1; t < o.threads; t++, started++)
		if (pthread_create(&wk[t].tid, NULL, bench_run, &wk[t]) != 0) {
			fprintf(stderr, "sagasu: bench: cannot start a thread\n");
			atomic_store(&next, n_lat);
			break;
		}
	bench_run(&wk[0]);
	for (t = 1; t <= started; t++)
		pthread_join(wk[t].tid, NULL);
	if (started + 1 < o.threads)
		status = 1;
	for (t = 0; t < o.threads; t++) {
		decoded += wk[t].decoded;
		skipped += wk[t].skipped;
		scored += wk[t].scored;
		matched += wk[t].matched;
		mismatches += wk[t].mismatches;
		errors += wk[t].errors;
		for (i = 0; i < 5; i++)
			phase[i] += wk[t].phase[i];
	}
	for (i = 0; i < 5; i++)
		phase_all += phase[i];
	t_all = now_ns() - t_start;
	if (tty)
		fprintf(stderr, "\r%40s\r", "");
	/* The slowest query of the set, before the latencies are sorted: a
	 * hostile query hides in the percentiles but not here. */
	for (i = 1; i < n_lat; i++)
		if (lat[i] > lat[slowest])
			slowest = i;
	qsort(lat, n_lat, sizeof(*lat), cmp_u64);
	{
		double qps = t_all ? (double)n_lat / ((double)t_all / 1e9) : 0;
		double nq = n_lat ? (double)n_lat : 1;

		if (o.json) {
			printf("{\"queries\":%zu,\"repeat\":%u,\"k\":%zu,\"mode\":\"%s\","
			       "\"qps\":%.1f,\"min_us\":%.2f,\"p50_us\":%.2f,"
			       "\"p95_us\":%.2f,\"p99_us\":%.2f,\"max_us\":%.2f,"
			       "\"postings_decoded_per_query\":%.1f,"
			       "\"blocks_skipped_per_query\":%.1f,"
			       "\"docs_scored_per_query\":%.1f,\"errors\":%llu,"
			       "\"threads\":%u",
			       n_q, o.repeat, o.so.k, o.so.or_mode ? "or" : "and", qps,
			       (double)lat[0] / 1e3, (double)pct(lat, n_lat, 0.5) / 1e3,
			       (double)pct(lat, n_lat, 0.95) / 1e3,
			       (double)pct(lat, n_lat, 0.99) / 1e3,
			       (double)lat[n_lat ? n_lat - 1 : 0] / 1e3,
			       (double)decoded / nq, (double)skipped / nq,
			       (double)scored / nq, (unsigned long long)errors,
			       o.threads);
			if (o.verify)
				printf(",\"docs_matched_per_query\":%.1f,"
				       "\"pruning_rate\":%.4f,\"mismatches\":%llu",
				       (double)matched / (double)(n_q ? n_q : 1),
				       matched ? (double)scored / (double)o.repeat /
				       (double)matched : 0.0,
				       (unsigned long long)mismatches);
			if (n_lat) {
				printf(",\"slowest_query\":{\"id\":");
				print_json_text(q[slowest % n_q].qid);
				printf(",\"text\":");
				print_json_text(q[slowest % n_q].text);
				printf(",\"us\":%.2f}",
				       (double)lat[n_lat - 1] / 1e3);
			}
			if (o.profile) {
				printf(",\"profile_us_per_query\":{");
				for (i = 0; i < 5; i++)
					printf("%s\"%s\":%.3f", i ? "," : "",
					       phase_names[i],
					       (double)phase[i] / nq / 1e3);
				printf("}");
			}
			printf("}\n");
		} else {
			printf("queries        %zu x %u (%s, k=%zu, %u thread%s)\n",
			       n_q, o.repeat, o.so.or_mode ? "OR" : "AND", o.so.k,
			       o.threads, o.threads == 1 ? "" : "s");
			printf("queries/s      %.0f\n", qps);
			printf("latency us     min %.1f  p50 %.1f  p95 %.1f  p99 %.1f  max %.1f\n",
			       (double)lat[0] / 1e3, (double)pct(lat, n_lat, 0.5) / 1e3,
			       (double)pct(lat, n_lat, 0.95) / 1e3,
			       (double)pct(lat, n_lat, 0.99) / 1e3,
			       (double)lat[n_lat ? n_lat - 1 : 0] / 1e3);
			if (n_lat) {
				printf("slowest        %.1f us  query %s: ",
				       (double)lat[n_lat - 1] / 1e3,
				       q[slowest % n_q].qid);
				print_cut(q[slowest % n_q].text, 60);
				printf("\n");
			}
			printf("per query      %.1f postings decoded, %.1f blocks skipped, "
			       "%.1f documents scored\n", (double)decoded / nq,
			       (double)skipped / nq, (double)scored / nq);
			if (o.verify)
				printf("verify         %llu mismatches; %.1f documents "
				       "match per query; pruning rate (scored / "
				       "matched) %.3f\n",
				       (unsigned long long)mismatches,
				       (double)matched / (double)(n_q ? n_q : 1),
				       matched ? (double)scored / (double)o.repeat /
				       (double)matched : 0.0);
			if (o.profile) {
				printf("profile us     ");
				for (i = 0; i < 5; i++)
					printf("%s%s %.2f (%.0f%%)", i ? "  " : "",
					       phase_names[i],
					       (double)phase[i] / nq / 1e3,
					       phase_all ? 100.0 * (double)phase[i] /
					       (double)phase_all : 0.0);
				printf("\n");
			}
		}
	}
	if (mismatches || errors)
		status = 1;
out:
	free(lat);
	for (t = 1; wk && t < o.threads; t++)
		sg_searcher_free(wk[t].s);
	free(wk);
	sg_searcher_free(s);
	sg_index_close(idx);
	free_queries(q, n_q);
	free(o.words);
	sg_synonyms_free(o.syn);
	return status;
}
