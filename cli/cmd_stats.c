/*
 * cmd_stats.c — `sagasu stats -d DIR [--format text|json]`.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "render.h"

/* The postings database's bytes (its LMDB pages: docids and tfs) over
 * the postings it holds: the term postings and, in a substring index, the
 * gram postings, which share it. The same figure in text and JSON. */
static double bytes_per_posting(const sg_stats *s)
{
	uint64_t n = s->postings + s->gram_postings;

	return n ? (double)s->dbs[2].bytes / (double)n : 0.0;
}

/* The object render.c builds (GET /stats of `sagasu serve` too). */
static int print_json(const sg_stats *s)
{
	json_t *o = render_stats(s);
	char *text = o ? json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER) :
			 NULL;

	json_decref(o);
	if (!text)
		return -1;
	puts(text);
	free(text);
	return 0;
}

int cmd_stats(int argc, char **argv)
{
	sg_index_options io = SG_INDEX_OPTIONS_INIT;
	sg_error err = SG_ERROR_INIT;
	const char *dir = NULL;
	sg_index *idx;
	sg_stats s;
	int i, json = 0, rc;
	static const char *const formats[] = { "text", "json", NULL };
	const struct cli_flag flags[] = { { "--format", &json, formats },
					  { "--json", &json, NULL } };
	double per_posting;

	static const char usage[] = "usage: sagasu stats -d DIR [--format "
		"text|json] [--keep-all] [--dicdir DIR]\n"
		"  --format F   text (default) or json (one object); --json is "
		"--format json\n"
		"  -h, --help   this text;  --version  print the version\n";

	rc = cli_dir_command(argc, argv, usage, flags,
			     sizeof(flags) / sizeof(flags[0]), &dir, &io);
	if (rc >= 0)
		return rc;
	io.readonly = 1;
	rc = sg_index_open(dir, &io, &idx, &err);
	if (rc == SG_OK)
		cli_test_crash();
	if (rc == SG_OK)
		rc = sg_index_stats(idx, &s, &err);
	if (rc != SG_OK) {
		cli_error("stats", &err);
		if (rc == SG_OK)
			sg_index_close(idx);
		return 1;
	}
	sg_index_close(idx);
	if (json)
		return print_json(&s) ? 1 : 0;
	printf("index          %s\n", dir);
	printf("documents      %llu\n", (unsigned long long)s.documents);
	printf("terms          %llu\n", (unsigned long long)s.terms);
	printf("postings       %llu", (unsigned long long)s.postings);
	if (s.substring)
		printf(" + %llu of %llu substring grams",
		       (unsigned long long)s.gram_postings,
		       (unsigned long long)s.grams);
	printf("\n");
	/* The figure of JSON's bytes_per_posting (bytes_per_posting()). */
	per_posting = bytes_per_posting(&s);
	printf("bytes/posting  %.2f (the postings database's bytes, docids + "
	       "tfs in LMDB pages,\n               over its %llu term and gram "
	       "postings)\n", per_posting,
	       (unsigned long long)(s.postings + s.gram_postings));
	if (s.substring)
		printf("positions      %llu of terms, and of grams (%.1f MB in all)\n",
		       (unsigned long long)s.total_len,
		       (double)s.dbs[3].bytes / 1e6);
	else
		printf("positions      %llu (%.2f bytes each)\n",
		       (unsigned long long)s.total_len,
		       s.total_len ? (double)s.dbs[3].bytes / (double)s.total_len : 0.0);
	printf("substring      %s\n", s.substring ? "yes: a keyword finds every "
	       "document holding it" : "no (--no-substring): keywords match "
	       "whole morphemes");
	printf("avg length     %.1f tokens\n",
	       s.documents ? (double)s.total_len / (double)s.documents : 0.0);
	printf("deleted        %llu pending compaction\n", (unsigned long long)s.dead);
	printf("file           %.1f MB (data.mdb)\n", (double)s.file_bytes / 1e6);
	for (i = 0; i < (int)s.n_dbs; i++)
		printf("  %-12s %10llu entries %10.1f MB\n", s.dbs[i].name,
		       (unsigned long long)s.dbs[i].entries,
		       (double)s.dbs[i].bytes / 1e6);
	printf("analyzer       %s\n", s.analyzer);
	printf("fields         %s\n", s.fields);
	printf("top terms by df:");
	for (i = 0; i < (int)s.n_top; i++)
		printf("%s%s %llu", i % 5 ? ", " : "\n  ", s.top[i].term,
		       (unsigned long long)s.top[i].df);
	printf("\n");
	return 0;
}
