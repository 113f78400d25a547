/*
 * cmd_stats.c — `sagasu stats -d DIR [--format text|json]`.
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

/* The postings database's bytes (its LMDB pages: docids and tfs) over
 * the postings it holds: the term postings and, in a substring index, the
 * gram postings, which share it. The same figure in text and JSON. */
static double bytes_per_posting(const sg_stats *s)
{
	uint64_t n = s->postings + s->gram_postings;

	return n ? (double)s->dbs[2].bytes / (double)n : 0.0;
}

static int print_json(const sg_stats *s)
{
	json_t *o = json_object(), *dbs = json_object(), *top = json_array();
	size_t i;
	char *text;

	if (!o || !dbs || !top)
		return -1;
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
	text = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
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
