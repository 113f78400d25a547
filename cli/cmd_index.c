/*
 * cmd_index.c — `sagasu index`, `sagasu delete`, `sagasu compact`.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

/* Ctrl-C (or SIGTERM) counts here. `index` stops reading at the first and
 * commits what it queued (nothing read is lost); a second one during that
 * commit cancels it (the writer's cancel hook: the batch is abandoned, the
 * index keeps the batches committed before); a third ends the process at
 * once (LMDB keeps the index whole even then). `compact` cancels at the
 * first. */
static volatile sig_atomic_t interrupted;

static void on_sigint(int sig)
{
	(void)sig;
	if (interrupted < 2)
		interrupted++;
	if (interrupted == 2)
		signal(sig, SIG_DFL);
}

static int cancel_index(void *ctx)
{
	(void)ctx;
	return interrupted >= 2;
}

static int cancel_compact(void *ctx)
{
	(void)ctx;
	return interrupted >= 1;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The ranges of the numeric options, stated in --help. The block size is
 * what sg_index_open accepts (SG_BLOCK_MAX_CFG in common/index.h); threads
 * are the writer's cap (MAX_THREADS in indexer/writer.c); below 4k of
 * memory a batch would not hold one posting list's buffers, and 1T is far
 * above any machine this runs on. */
#define BLOCK_SIZE_MAX 128
#define THREADS_MAX 64
#define MEM_MIN ((uint64_t)4 << 10)
#define MEM_MAX ((uint64_t)1 << 40)

struct warn_ctx {
	const char *file;
	sg_reader *reader;
};

static void warn_utf8(void *ctx, const char *id, size_t id_len, size_t n)
{
	(void)ctx;
	fprintf(stderr, "sagasu: index: document '%.*s': %zu invalid UTF-8 "
		"sequence%s replaced by U+FFFD\n", (int)id_len, id, n,
		n == 1 ? "" : "s");
}

static void index_usage(FILE *f)
{
	fprintf(f,
"usage: sagasu index -d DIR [OPTIONS] [--] INPUT...\n"
"  Adds documents to the index in DIR (created when new or empty). A\n"
"  document whose id is already there is replaced, or skipped when its\n"
"  content is unchanged. INPUT '-' is stdin; with --format files a\n"
"  directory is walked. Options come before the inputs; '--' ends them.\n"
"  --format F       jsonl (default), files or lines:\n"
"     jsonl   one object a line: \"id\" required, --fields indexed (default\n"
"             title,body), the other fields stored and returned with hits\n"
"     files   one document a file: id = path below INPUT, title = its first\n"
"             non-empty line, body = the rest of the file after it\n"
"     lines   one document a line: id = FILE:LINENO\n"
"  --fields a,b     the indexed fields of a new index (jsonl)\n"
"  --columns a,b    stored fields of a new index kept by docid, so that\n"
"                   sorting and filtering hits on them read no stored\n"
"                   document (jsonl; at most 16)\n"
"  --threads N      analysis threads, 1 to %d (default: the machine's cores)\n"
"  --mem SIZE       memory budget of indexing, 4k to 1T (default 256M): a\n"
"                   batch is committed when it and the pages LMDB writes for\n"
"                   it would fill it. SIZE is bytes, or a number followed\n"
"                   by k, M, G or T (1k = 1024)\n"
"  --block-size N   postings per block of a new index, 1 to %d (default 128)\n"
"  --no-substring   a new index without substring grams: smaller, but a\n"
"                   keyword then matches whole morphemes only (docs/RECALL.md)\n"
"  --keep-all, --dicdir DIR  analyzer options (fixed when the index is made)\n"
"  --variants LIST  spelling variants unified, fixed when the index is made:\n"
"                   choon (default), kana, v, hyphen, comma-separated, or\n"
"                   none (docs/ANALYZER.md)\n"
"  --user-dict FILE a MeCab user dictionary CSV for a new index, compiled\n"
"                   with mecab-dict-index and kept in the index\n"
"  -q, --quiet      no progress line and no summary (the summary is still\n"
"                   printed after a failure or an interruption); errors,\n"
"                   rejections and invalid UTF-8 warnings are printed\n"
"  -h, --help       this text;  --version  print the version\n"
"Exit status: 0 done, 1 failed, 2 bad usage, 3 done but some input was\n"
"rejected (each rejection is reported as FILE:LINE: reason).\n",
		THREADS_MAX, BLOCK_SIZE_MAX);
}

/* The last line of a run. Its indexed and replaced figures count what was
 * committed (sg_writer_counts); after a failure it says so, and how much
 * of the input was not committed. */
static void print_summary(const sg_writer_counts *c, uint64_t rejected,
			  double secs, int interrupted_run, int failed)
{
	double mb = (double)c->bytes / 1e6;

	fprintf(stderr,
		"sagasu: index: %s%llu indexed, %llu replaced, %llu unchanged, "
		"%llu rejected; %.1f MB in %.2f s (%.1f MB/s), %llu batch%s\n",
		failed ? "FAILED; committed before the failure: " :
		interrupted_run ? "INTERRUPTED, committed so far: " : "",
		(unsigned long long)c->indexed, (unsigned long long)c->replaced,
		(unsigned long long)c->unchanged, (unsigned long long)rejected,
		mb, secs, secs > 0 ? mb / secs : 0.0,
		(unsigned long long)c->batches, c->batches == 1 ? "" : "es");
	if (failed && c->pending)
		fprintf(stderr,
			"sagasu: index: %llu document%s read before the failure "
			"%s not committed; the index holds every committed "
			"batch: once the cause is fixed, run the same command "
			"again to resume from there (what is committed is "
			"skipped as unchanged)\n",
			(unsigned long long)c->pending,
			c->pending == 1 ? "" : "s",
			c->pending == 1 ? "was" : "were");
	else if (failed)
		fprintf(stderr,
			"sagasu: index: every document read before the failure "
			"was committed: once the cause is fixed, run the same "
			"command again to go on from there (what is committed "
			"is skipped as unchanged)\n");
}

static void progress(sg_reader *r, const sg_writer *w, double t0,
		     double *last)
{
	sg_writer_counts c;
	uint64_t done, total;
	double t = now_s(), el = t - t0, mb;

	if (t - *last < 0.5)
		return;
	*last = t;
	sg_writer_get_counts(w, &c);
	sg_reader_progress(r, &done, &total);
	mb = (double)c.bytes / 1e6;
	fprintf(stderr, "\r%llu docs, %.1f MB, %.0f docs/s, %.1f MB/s",
		(unsigned long long)(c.indexed + c.replaced + c.unchanged), mb,
		el > 0 ? (double)(c.indexed + c.replaced) / el : 0.0,
		el > 0 ? mb / el : 0.0);
	if (total && done && done <= total)
		fprintf(stderr, ", ETA %.0f s ",
			el * (double)(total - done) / (double)done);
	fflush(stderr);
}

int cmd_index(int argc, char **argv)
{
	sg_index_options io = SG_INDEX_OPTIONS_INIT;
	sg_writer_options wo = SG_WRITER_OPTIONS_INIT;
	sg_error err = SG_ERROR_INIT;
	sg_format format = SG_FORMAT_JSONL;
	const char *dir = NULL, *user_csv = NULL;
	char user_dic[] = "/tmp/sagasu-userdic-XXXXXX";
	sg_index *idx = NULL;
	sg_writer *w = NULL;
	const char *fields[SG_FIELDS_MAX];
	char fieldbuf[256];
	size_t n_fields = 0;
	uint64_t rejected = 0;
	sg_writer_counts c;
	double t0, last = 0;
	int i, rc, status = 0, tty = isatty(2), first_input = 0, quiet = 0;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *val;
		uint64_t n;

		if (!strcmp(a, "--")) {
			first_input = i + 1;
			break;
		}
		if (!cli_is_option(a)) { /* the first input ('-' included) */
			first_input = i;
			break;
		}
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			index_usage(stdout);
			return 0;
		}
		if (!strcmp(a, "--version"))
			return cli_print_version();
		if (cli_is_quiet(a)) {
			quiet = 1;
			continue;
		}
		rc = cli_index_option(argc, argv, &i, &dir, &io);
		if (rc < 0)
			return 2;
		if (rc > 0)
			continue;
		if (!strcmp(a, "--no-substring")) {
			io.no_substring = 1;
			continue;
		}
		if (!strcmp(a, "--user-dict")) {
			user_csv = cli_value(argc, argv, &i);
			if (!user_csv)
				return 2;
			continue;
		}
		if (strcmp(a, "--format") && strcmp(a, "--fields") &&
		    strcmp(a, "--columns") &&
		    strcmp(a, "--threads") && strcmp(a, "--mem") &&
		    strcmp(a, "--block-size")) {
			cli_unknown_option("index", a);
			return 2;
		}
		val = cli_value(argc, argv, &i);
		if (!val)
			return 2;
		if (!strcmp(a, "--format")) {
			if (!strcmp(val, "jsonl"))
				format = SG_FORMAT_JSONL;
			else if (!strcmp(val, "files"))
				format = SG_FORMAT_FILES;
			else if (!strcmp(val, "lines"))
				format = SG_FORMAT_LINES;
			else {
				fprintf(stderr, "sagasu: index: --format: '%s' "
					"is not jsonl, files or lines\n", val);
				return 2;
			}
		} else if (!strcmp(a, "--fields")) {
			io.fields = val;
		} else if (!strcmp(a, "--columns")) {
			io.columns = val;
		} else if (!strcmp(a, "--threads")) {
			if (cli_parse_uint("index", a, val, 1, THREADS_MAX, &n))
				return 2;
			wo.threads = (unsigned)n;
		} else if (!strcmp(a, "--mem")) {
			if (cli_parse_size("index", a, val, MEM_MIN, MEM_MAX, &n))
				return 2;
			wo.mem_budget = (size_t)n;
		} else { /* --block-size */
			if (cli_parse_uint("index", a, val, 1, BLOCK_SIZE_MAX, &n))
				return 2;
			io.block_size = (uint32_t)n;
		}
	}
	if (!dir || !first_input || first_input >= argc) {
		fprintf(stderr, "sagasu: index: %s\n", !dir ? "-d DIR is "
			"required" : "no INPUT given ('-' reads stdin)");
		index_usage(stderr);
		return 2;
	}
	if (quiet)
		tty = 0; /* no progress line */
	io.create = 1;
	if (user_csv) {
		/* Compiled next to nothing the user owns; stored in the index
		 * by sg_index_open, then removed. */
		int fd = mkstemp(user_dic);

		if (fd < 0) {
			fprintf(stderr, "sagasu: index: %s: %s\n", user_dic,
				strerror(errno));
			return 1;
		}
		close(fd);
		rc = sg_userdic_compile(user_csv, io.analyzer.dicdir, user_dic,
					&err);
		if (rc != SG_OK) {
			(void)unlink(user_dic);
			cli_error("index", &err);
			return 1;
		}
		io.analyzer.user_dic = user_dic;
	}
	rc = sg_index_open(dir, &io, &idx, &err);
	if (user_csv)
		(void)unlink(user_dic);
	if (rc != SG_OK) {
		cli_error("index", &err);
		return 1;
	}
	/* The fields the index really has (an existing index keeps its). */
	{
		sg_stats st;

		rc = sg_index_stats(idx, &st, &err);
		if (rc != SG_OK) {
			cli_error("index", &err);
			sg_index_close(idx);
			return 1;
		}
		snprintf(fieldbuf, sizeof(fieldbuf), "%s", st.fields);
		for (char *p = strtok(fieldbuf, ","); p && n_fields < SG_FIELDS_MAX;
		     p = strtok(NULL, ","))
			fields[n_fields++] = p;
	}
	wo.warn = warn_utf8;
	wo.cancel = cancel_index;
	rc = sg_writer_open(idx, &wo, &w, &err);
	if (rc != SG_OK) {
		cli_error("index", &err);
		sg_index_close(idx);
		return 1;
	}
	signal(SIGINT, on_sigint);
	signal(SIGTERM, on_sigint);
	t0 = now_s();
	for (i = first_input; i < argc && !interrupted && status == 0; i++) {
		sg_reader *r;
		sg_doc doc;
		size_t fixed;

		rc = sg_reader_open(argv[i], format, fields, n_fields, &r, &err);
		if (rc != SG_OK) {
			cli_error("index", &err);
			status = 1;
			break;
		}
		while (!interrupted) {
			rc = sg_reader_next(r, &doc, &fixed, &err);
			if (rc == 0)
				break;
			if (rc == SG_EINVAL) {
				fprintf(stderr, "%s%s\n", tty ? "\r" : "", err.msg);
				rejected++;
				continue;
			}
			if (rc < 0) {
				cli_error("index", &err);
				status = 1;
				break;
			}
			/* The reader replaced invalid UTF-8 before the writer
			 * saw it: warn here, naming the document. */
			if (fixed)
				warn_utf8(NULL, doc.id.ptr, doc.id.len, fixed);
			rc = sg_writer_add(w, &doc, &err);
			if (rc == SG_EINVAL) {
				uint64_t line;
				const char *where = sg_reader_where(r, &line);

				if (format == SG_FORMAT_FILES)
					fprintf(stderr, "%s: %s\n", where, err.msg);
				else
					fprintf(stderr, "%s:%llu: %s\n", where,
						(unsigned long long)line, err.msg);
				rejected++;
				continue;
			}
			if (rc != SG_OK) {
				cli_error("index", &err);
				status = 1;
				break;
			}
			if (tty)
				progress(r, w, t0, &last);
		}
		sg_reader_close(r);
	}
	if (status == 0) {
		rc = sg_writer_commit(w, &err);
		if (rc != SG_OK) {
			cli_error("index", &err);
			status = 1;
		}
	}
	if (tty && last > 0)
		fputc('\n', stderr);
	sg_writer_get_counts(w, &c);
	if (!quiet || interrupted || status == 1)
		print_summary(&c, rejected, now_s() - t0, interrupted,
			      status == 1);
	sg_writer_free(w);
	sg_index_close(idx);
	if (interrupted)
		return 130;
	if (status == 0 && rejected)
		status = 3;
	return status;
}

int cmd_delete(int argc, char **argv)
{
	sg_index_options io = SG_INDEX_OPTIONS_INIT;
	sg_error err = SG_ERROR_INIT;
	const char *dir = NULL;
	sg_index *idx;
	sg_writer *w;
	sg_writer_counts c;
	int i, rc, first = 0, quiet = 0;
	static const char usage[] = "usage: sagasu delete -d DIR [--keep-all] "
		"[--dicdir DIR] [-q] [--] ID...\n"
		"  Options come before the ids; '--' ends them (an id may then "
		"start with '-').\n"
		"  -q, --quiet  no summary line unless the deletion failed\n"
		"  -h, --help   this text;  --version  print the version\n";

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--")) {
			first = i + 1 < argc ? i + 1 : 0;
			break;
		}
		if (!cli_is_option(argv[i])) {
			first = i;
			break;
		}
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(usage, stdout);
			return 0;
		}
		if (!strcmp(argv[i], "--version"))
			return cli_print_version();
		if (cli_is_quiet(argv[i])) {
			quiet = 1;
			continue;
		}
		rc = cli_index_option(argc, argv, &i, &dir, &io);
		if (rc < 0)
			return 2;
		if (rc == 0) {
			cli_unknown_option("delete", argv[i]);
			return 2;
		}
	}
	if (!dir || !first) {
		fprintf(stderr, "sagasu: delete: %s\n%s", !dir ? "-d DIR is "
			"required" : "no ID given", usage);
		return 2;
	}
	rc = sg_index_open(dir, &io, &idx, &err);
	if (rc != SG_OK) {
		cli_error("delete", &err);
		return 1;
	}
	rc = sg_writer_open(idx, NULL, &w, &err);
	for (i = first; rc == SG_OK && i < argc; i++)
		rc = sg_writer_delete(w, argv[i], strlen(argv[i]), &err);
	if (rc == SG_OK)
		rc = sg_writer_commit(w, &err);
	if (rc != SG_OK)
		cli_error("delete", &err);
	if (w && (!quiet || rc != SG_OK)) {
		/* deleted counts committed deletions only (one batch). */
		sg_writer_get_counts(w, &c);
		fprintf(stderr, "sagasu: delete: %s%llu deleted, %llu not found"
			"%s\n", rc != SG_OK ? "FAILED; committed before the "
			"failure: " : "", (unsigned long long)c.deleted,
			(unsigned long long)c.not_found,
			rc != SG_OK ? "; run the same command again once the "
			"cause is fixed" : "");
	}
	sg_writer_free(w);
	sg_index_close(idx);
	return rc == SG_OK ? 0 : 1;
}

int cmd_compact(int argc, char **argv)
{
	sg_index_options io = SG_INDEX_OPTIONS_INIT;
	sg_writer_options wo = SG_WRITER_OPTIONS_INIT;
	sg_error err = SG_ERROR_INIT;
	const char *dir = NULL;
	sg_index *idx;
	sg_writer *w;
	int rc, quiet = 0;
	/* compact prints nothing on success; -q is taken for uniformity with
	 * the other writing commands. */
	const struct cli_flag flags[] = { { "-q", &quiet, NULL },
					  { "--quiet", &quiet, NULL } };
	static const char usage[] = "usage: sagasu compact -d DIR [--keep-all] "
		"[--dicdir DIR] [-q]\n"
		"  Drops the postings of deleted documents. Prints nothing on "
		"success.\n"
		"  -q, --quiet  accepted (there is nothing to silence)\n"
		"  -h, --help   this text;  --version  print the version\n";

	rc = cli_dir_command(argc, argv, usage, flags,
			     sizeof(flags) / sizeof(flags[0]), &dir, &io);
	if (rc >= 0)
		return rc;
	rc = sg_index_open(dir, &io, &idx, &err);
	if (rc != SG_OK) {
		cli_error("compact", &err);
		return 1;
	}
	wo.cancel = cancel_compact;
	rc = sg_writer_open(idx, &wo, &w, &err);
	if (rc == SG_OK) {
		signal(SIGINT, on_sigint);
		signal(SIGTERM, on_sigint);
		rc = sg_writer_compact(w, &err);
	}
	if (rc != SG_OK)
		cli_error("compact", &err);
	sg_writer_free(w);
	sg_index_close(idx);
	if (rc == SG_EINTR)
		return 130;
	return rc == SG_OK ? 0 : 1;
}
