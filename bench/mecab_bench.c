/*
 * mecab_bench.c — MeCab alone: how fast libmecab segments a text file.
 *
 * This is the yardstick for the indexer: sagasu's indexing with T threads is
 * compared with this program with T threads on the same text ("indexing with
 * 2 threads takes at most 1.3x MeCab alone with 2 threads"). It does what the
 * indexer must do at the least: one shared model, one tagger and one lattice
 * per thread (as groonga's MeCab tokenizer does), every line parsed, every
 * node visited and its surface and feature read.
 *
 *   usage: mecab_bench [-t THREADS] [-r RUNS] [-d DICDIR] FILE
 *
 * The file is cut at line boundaries into THREADS shares of about equal
 * bytes; thread i parses share i. The time is wall-clock from the start of
 * the threads to the last join (the model is loaded before, and the file is
 * read into memory before). With RUNS > 1 it prints the median. To measure a
 * JSONL corpus, extract the bodies first: jq -r .body corpus.jsonl > body.txt
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <mecab.h>

#define DEFAULT_DICDIR "/var/lib/mecab/dic/ipadic-utf8"
#define MAX_THREADS 64
#define MAX_RUNS 51

struct share {
	mecab_model_t *model;
	const char *begin, *end; /* lines of the file: [begin, end) */
	/* results */
	uint64_t n_lines, n_nodes, checksum;
	char err[256];
};

static double now_sec(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		return 0.0;
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void *parse_share(void *arg)
{
	struct share *s = arg;
	mecab_t *tagger = mecab_model_new_tagger(s->model);
	mecab_lattice_t *lattice = mecab_model_new_lattice(s->model);
	const char *line = s->begin;

	if (tagger == NULL || lattice == NULL) {
		snprintf(s->err, sizeof s->err, "cannot create a tagger/lattice");
		goto out;
	}
	while (line < s->end) {
		const char *nl = memchr(line, '\n', (size_t)(s->end - line));
		size_t len = nl ? (size_t)(nl - line) : (size_t)(s->end - line);

		if (len > 0) {
			const mecab_node_t *node;

			mecab_lattice_set_sentence2(lattice, line, len);
			if (!mecab_parse_lattice(tagger, lattice)) {
				snprintf(s->err, sizeof s->err, "mecab: %s",
					 mecab_lattice_strerror(lattice));
				goto out;
			}
			/* Touch what an indexer reads: the surface bytes and the
			 * feature string (part of speech, base form). */
			for (node = mecab_lattice_get_bos_node(lattice); node;
			     node = node->next) {
				size_t flen = strlen(node->feature);

				if (node->length > 0)
					s->checksum += (unsigned char)node->surface[0] +
						(unsigned char)node->surface[node->length - 1];
				s->checksum += flen + (unsigned char)node->feature[0];
				s->n_nodes++;
			}
			s->n_lines++;
		}
		line += len + 1;
	}
out:
	if (lattice)
		mecab_lattice_destroy(lattice);
	if (tagger)
		mecab_destroy(tagger);
	return NULL;
}

static int read_file(const char *path, char **data, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0;

	if (f == NULL) {
		fprintf(stderr, "mecab_bench: cannot open %s: %s\n", path,
			strerror(errno));
		return -1;
	}
	for (;;) {
		size_t got;

		if (cap - n < 65536) {
			char *nb;

			cap = cap ? cap * 2 : 1 << 20;
			nb = realloc(buf, cap);
			if (nb == NULL) {
				fprintf(stderr, "mecab_bench: out of memory\n");
				goto fail;
			}
			buf = nb;
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		fprintf(stderr, "mecab_bench: cannot read %s: %s\n", path,
			strerror(errno));
		goto fail;
	}
	if (fclose(f) != 0) {
		f = NULL;
		goto fail;
	}
	*data = buf;
	*len = n;
	return 0;
fail:
	if (f)
		(void)fclose(f);
	free(buf);
	return -1;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	const char *dicdir = DEFAULT_DICDIR;
	int n_threads = 1, runs = 1, opt, status = 1;
	char *data = NULL, arg[1024];
	size_t len = 0;
	mecab_model_t *model = NULL;
	struct share shares[MAX_THREADS];
	pthread_t tids[MAX_THREADS];
	double times[MAX_RUNS];
	uint64_t n_lines = 0, n_nodes = 0, checksum = 0;

	while ((opt = getopt(argc, argv, "t:r:d:h")) != -1) {
		switch (opt) {
		case 't': n_threads = atoi(optarg); break;
		case 'r': runs = atoi(optarg); break;
		case 'd': dicdir = optarg; break;
		default: goto usage;
		}
	}
	if (optind != argc - 1 || n_threads < 1 || n_threads > MAX_THREADS ||
	    runs < 1 || runs > MAX_RUNS)
		goto usage;
	if (read_file(argv[optind], &data, &len) != 0)
		return 1;

	if ((size_t)snprintf(arg, sizeof arg, "-d %s", dicdir) >= sizeof arg) {
		fprintf(stderr, "mecab_bench: dictionary path too long\n");
		goto out;
	}
	model = mecab_model_new2(arg);
	if (model == NULL) {
		fprintf(stderr, "mecab_bench: cannot load the MeCab dictionary %s "
			"(%s); on Debian: apt-get install mecab-ipadic-utf8\n",
			dicdir, mecab_strerror(NULL));
		goto out;
	}

	for (int r = 0; r < runs; r++) {
		const char *cut = data;
		double t0;
		int started = 0, failed = 0;

		/* Shares of about len / n_threads bytes, ending after a '\n'. */
		for (int i = 0; i < n_threads; i++) {
			const char *end = data + len * (size_t)(i + 1) / (size_t)n_threads;

			if (end < cut)
				end = cut;
			if (i < n_threads - 1 && end < data + len) {
				const char *nl = memchr(end, '\n',
							(size_t)(data + len - end));

				end = nl ? nl + 1 : data + len;
			} else {
				end = data + len;
			}
			memset(&shares[i], 0, sizeof shares[i]);
			shares[i].model = model;
			shares[i].begin = cut;
			shares[i].end = end;
			cut = end;
		}
		t0 = now_sec();
		for (int i = 0; i < n_threads; i++) {
			int rc = pthread_create(&tids[i], NULL, parse_share, &shares[i]);

			if (rc != 0) {
				fprintf(stderr, "mecab_bench: pthread_create: %s\n",
					strerror(rc));
				failed = 1;
				break;
			}
			started++;
		}
		for (int i = 0; i < started; i++) {
			int rc = pthread_join(tids[i], NULL);

			if (rc != 0) {
				fprintf(stderr, "mecab_bench: pthread_join: %s\n",
					strerror(rc));
				failed = 1;
			}
		}
		times[r] = now_sec() - t0;
		n_lines = n_nodes = checksum = 0;
		for (int i = 0; i < started; i++) {
			if (shares[i].err[0]) {
				fprintf(stderr, "mecab_bench: thread %d: %s\n", i,
					shares[i].err);
				failed = 1;
			}
			n_lines += shares[i].n_lines;
			n_nodes += shares[i].n_nodes;
			checksum += shares[i].checksum;
		}
		if (failed)
			goto out;
	}
	qsort(times, (size_t)runs, sizeof times[0], cmp_double);
	{
		double t = times[runs / 2];

		printf("mecab_bench: %s  %.2f MB  %llu lines  %llu nodes  "
		       "threads %d  runs %d\n", argv[optind], (double)len / 1e6,
		       (unsigned long long)n_lines, (unsigned long long)n_nodes,
		       n_threads, runs);
		printf("seconds %.3f  MB/s %.2f  (checksum %llx)\n", t,
		       (double)len / 1e6 / t, (unsigned long long)checksum);
	}
	status = 0;
out:
	if (model)
		mecab_model_destroy(model);
	free(data);
	return status;
usage:
	fprintf(stderr, "usage: %s [-t THREADS] [-r RUNS] [-d DICDIR] FILE\n",
		argv[0]);
	return 2;
}
