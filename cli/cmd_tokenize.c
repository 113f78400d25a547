/*
 * cmd_tokenize.c — `sagasu tokenize`: analyze stdin, print the tokens.
 *
 * Output, one indexed token a line:
 *   term <TAB> position <TAB> byte_start <TAB> byte_end <TAB> part_of_speech
 * with byte offsets into the original input. --json prints one JSON object a
 * line instead; --lines analyzes each input line on its own and prints its
 * indexed terms on one line. The hidden --normalize prints the normalized
 * text (tests feed it to the mecab command to cross-check the analyzer);
 * the hidden --query analyzes as a query is (sg_analysis_set_query).
 * With -d DIR the analyzer is that index's own (its stored configuration,
 * user dictionary included), so the output is what the index holds.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* The input: all of stdin. */
struct input {
	char *data;
	size_t len, cap;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: sagasu tokenize [--format text|json | --lines] [-d DIR |"
		" [--keep-all] [--dicdir DIR] [--variants LIST]] < text\n\n"
		"Analyzes UTF-8 text on stdin as the index would and prints one\n"
		"indexed token a line: term, position, byte start, byte end (in the\n"
		"input) and part of speech, separated by tabs.\n\n"
		"  --format F    text (default) or json: one JSON object a token:\n"
		"                term, pos, start, end, tag; --json is --format json\n"
		"  --lines       analyze each line on its own; print its indexed terms\n"
		"                on one line, separated by spaces\n"
		"  --keep-all    keep particles, auxiliary verbs and symbols\n"
		"  --dicdir DIR  MeCab dictionary (default: ipadic-utf8)\n"
		"  --variants L  spelling variants: choon (default), kana, v,\n"
		"                hyphen, comma-separated, or none\n"
		"  -d, --dir DIR analyze exactly as the index in DIR does (its\n"
		"                own analyzer options and user dictionary)\n"
		"  -h, --help    this text\n"
		"  --version     print the version\n");
}

static int read_all(FILE *f, struct input *b)
{
	size_t got;
	char *p;

	for (;;) {
		if (b->cap - b->len < 65536) {
			size_t cap = b->cap ? b->cap * 2 : 1 << 20;

			p = realloc(b->data, cap);
			if (!p)
				return SG_ENOMEM;
			b->data = p;
			b->cap = cap;
		}
		got = fread(b->data + b->len, 1, b->cap - b->len, f);
		b->len += got;
		if (got == 0) {
			if (ferror(f))
				return SG_EIO;
			return SG_OK;
		}
	}
}

static void warn_invalid(const sg_analysis *s, size_t line)
{
	size_t bad = sg_analysis_invalid_utf8(s);

	if (!bad)
		return;
	if (line)
		fprintf(stderr, "sagasu: tokenize: stdin: line %zu: %zu invalid "
			"UTF-8 sequences replaced by U+FFFD\n", line, bad);
	else
		fprintf(stderr, "sagasu: tokenize: stdin: %zu invalid UTF-8 "
			"sequences replaced by U+FFFD\n", bad);
}

static int print_json(const sg_token *t)
{
	json_t *o = json_object();
	char *line;
	int rc = -1;

	if (!o)
		return -1;
	if (json_object_set_new(o, "term", json_stringn(t->term, t->term_len)) ||
	    json_object_set_new(o, "pos", json_integer((json_int_t)t->pos)) ||
	    json_object_set_new(o, "start", json_integer((json_int_t)t->start)) ||
	    json_object_set_new(o, "end", json_integer((json_int_t)t->end)) ||
	    json_object_set_new(o, "tag",
				json_stringn(t->pos_tag, t->pos_tag_len)))
		goto out;
	line = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (!line)
		goto out;
	rc = printf("%s\n", line) < 0 ? -1 : 0;
	free(line);
out:
	json_decref(o);
	return rc;
}

int cmd_tokenize(int argc, char **argv)
{
	sg_analyzer_options opt = SG_ANALYZER_OPTIONS_INIT;
	sg_error err = SG_ERROR_INIT;
	sg_analyzer *a = NULL;
	sg_analysis *s = NULL;
	sg_index *idx = NULL;
	const char *dir = NULL;
	struct input in = { NULL, 0, 0 };
	const sg_token *toks;
	size_t ntok, i;
	uint32_t npos;
	int json = 0, lines = 0, normalize = 0, query = 0, status = 1, k, rc;

	for (k = 1; k < argc; k++) {
		if (!strcmp(argv[k], "--json")) {
			json = 1;
		} else if (!strcmp(argv[k], "--format")) {
			const char *v = cli_value(argc, argv, &k);

			if (!v)
				return 2;
			if (!strcmp(v, "json") || !strcmp(v, "text")) {
				json = !strcmp(v, "json");
			} else {
				fprintf(stderr, "sagasu: tokenize: --format: "
					"'%s' is not text or json\n", v);
				return 2;
			}
		} else if (!strcmp(argv[k], "--lines")) {
			lines = 1;
		} else if (!strcmp(argv[k], "--keep-all")) {
			opt.keep_all = 1;
		} else if (!strcmp(argv[k], "--normalize")) {
			normalize = 1;
		} else if (!strcmp(argv[k], "--query")) {
			query = 1;
		} else if (!strcmp(argv[k], "--dicdir")) {
			opt.dicdir = cli_value(argc, argv, &k);
			if (!opt.dicdir)
				return 2;
		} else if (!strcmp(argv[k], "-d") || !strcmp(argv[k], "--dir")) {
			dir = cli_value(argc, argv, &k);
			if (!dir)
				return 2;
		} else if (!strcmp(argv[k], "--variants")) {
			const char *v = cli_value(argc, argv, &k);

			if (!v)
				return 2;
			if (sg_variants_parse(v, &opt.variants, &err) != SG_OK) {
				fprintf(stderr, "sagasu: tokenize: --%s\n",
					err.msg);
				return 2;
			}
			opt.variants_set = 1;
		} else if (!strcmp(argv[k], "--help") || !strcmp(argv[k], "-h")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(argv[k], "--version")) {
			return cli_print_version();
		} else {
			if (cli_is_option(argv[k]))
				cli_unknown_option("tokenize", argv[k]);
			else
				fprintf(stderr, "sagasu: tokenize: takes no "
					"argument '%s' (the text comes on "
					"stdin)\n", argv[k]);
			usage(stderr);
			return 2;
		}
	}
	if (json && lines) {
		fprintf(stderr, "sagasu: tokenize: --format json and --lines exclude "
			"each other\n");
		return 2;
	}
	rc = read_all(stdin, &in);
	if (rc != SG_OK) {
		fprintf(stderr, "sagasu: tokenize: stdin: %s\n",
			rc == SG_EIO ? strerror(errno) : sg_strerror(rc));
		goto out;
	}
	if (dir) {
		sg_index_options io = SG_INDEX_OPTIONS_INIT;

		/* Options given with -d must agree with the index. */
		io.analyzer = opt;
		io.readonly = 1;
		if ((rc = sg_index_open(dir, &io, &idx, &err)) != SG_OK ||
		    (rc = sg_analysis_new(sg_index_analyzer(idx), &s,
					  &err)) != SG_OK) {
			cli_error("tokenize", &err);
			goto out;
		}
	} else if ((rc = sg_analyzer_new(&opt, &a, &err)) != SG_OK ||
	    (rc = sg_analysis_new(a, &s, &err)) != SG_OK) {
		cli_error("tokenize", &err);
		goto out;
	}

	sg_analysis_set_query(s, query);
	if (normalize) {
		const char *norm;
		size_t norm_len;

		rc = sg_analyze(s, in.data ? in.data : "", in.len, 0, &toks, &ntok,
				&npos, &err);
		if (rc != SG_OK) {
			cli_error("tokenize", &err);
			goto out;
		}
		warn_invalid(s, 0);
		norm = sg_analysis_normalized(s, &norm_len);
		if (fwrite(norm, 1, norm_len, stdout) != norm_len)
			goto write_error;
	} else if (lines) {
		const char *p = in.data ? in.data : "", *end = p + in.len, *nl;
		size_t line = 0;

		while (p < end) {
			int first = 1;

			nl = memchr(p, '\n', (size_t)(end - p));
			if (!nl)
				nl = end;
			line++;
			rc = sg_analyze(s, p, (size_t)(nl - p), 0, &toks, &ntok,
					&npos, &err);
			if (rc != SG_OK) {
				fprintf(stderr, "sagasu: tokenize: stdin: line %zu: "
					"%s\n", line, err.msg);
				goto out;
			}
			warn_invalid(s, line);
			for (i = 0; i < ntok; i++) {
				if (!toks[i].indexed)
					continue;
				if (printf("%s%.*s", first ? "" : " ",
					   (int)toks[i].term_len, toks[i].term) < 0)
					goto write_error;
				first = 0;
			}
			if (putchar('\n') == EOF)
				goto write_error;
			p = nl < end ? nl + 1 : end;
		}
	} else {
		rc = sg_analyze(s, in.data ? in.data : "", in.len, 0, &toks, &ntok,
				&npos, &err);
		if (rc != SG_OK) {
			fprintf(stderr, "sagasu: tokenize: stdin: %s\n", err.msg);
			goto out;
		}
		warn_invalid(s, 0);
		for (i = 0; i < ntok; i++) {
			const sg_token *t = &toks[i];

			if (!t->indexed)
				continue;
			if (json) {
				if (print_json(t) != 0)
					goto write_error;
			} else if (printf("%.*s\t%u\t%zu\t%zu\t%.*s\n",
					  (int)t->term_len, t->term, (unsigned)t->pos,
					  t->start, t->end, (int)t->pos_tag_len,
					  t->pos_tag) < 0) {
				goto write_error;
			}
		}
	}
	if (fflush(stdout) != 0)
		goto write_error;
	status = 0;
	goto out;
write_error:
	fprintf(stderr, "sagasu: tokenize: stdout: %s\n", strerror(errno));
out:
	sg_analysis_free(s);
	sg_analyzer_free(a);
	sg_index_close(idx);
	free(in.data);
	return status;
}
