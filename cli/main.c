/*
 * main.c — `sagasu SUBCOMMAND ...`: dispatch and the top-level help.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include "cli.h"

struct subcommand {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

static const struct subcommand subcommands[] = {
	{ "tokenize", cmd_tokenize, "analyze UTF-8 text on stdin, one token a line" },
	{ "index", cmd_index, "add documents to an index (-d DIR)" },
	{ "delete", cmd_delete, "remove documents by id" },
	{ "compact", cmd_compact, "drop deleted documents' postings" },
	{ "stats", cmd_stats, "figures of an index" },
	{ "dump", cmd_dump, "print the index as text (for tests)" },
	{ "search", cmd_search, "query an index" },
	{ "bench", cmd_bench, "measure query speed over a query set" },
};

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: sagasu SUBCOMMAND [OPTIONS] ...\n\n");
	for (i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
		fprintf(f, "  %-9s %s\n", subcommands[i].name, subcommands[i].summary);
	fprintf(f, "\n'sagasu SUBCOMMAND --help' describes one. sagasu %s\n",
		SAGASU_VERSION);
}

int cli_index_option(int argc, char **argv, int *i, const char **dir,
		     sg_index_options *io)
{
	const char *a = argv[*i], *v;

	if (!strcmp(a, "--keep-all")) {
		io->analyzer.keep_all = 1;
		return 1;
	}
	if (strcmp(a, "-d") && strcmp(a, "--dir") && strcmp(a, "--dicdir"))
		return 0;
	v = cli_value(argc, argv, i);
	if (!v)
		return -1;
	if (!*v) {
		fprintf(stderr, "sagasu: %s: %s: the directory name is empty\n",
			argv[0], a);
		return -1;
	}
	if (!strcmp(a, "--dicdir"))
		io->analyzer.dicdir = v;
	else
		*dir = v;
	return 1;
}

void cli_error(const char *what, const sg_error *err)
{
	fprintf(stderr, "sagasu: %s: %s\n", what,
		err && err->msg[0] ? err->msg : sg_strerror(err ? err->code : 0));
}

/* LMDB trusts the pages it maps (it keeps no checksums): a damaged
 * data.mdb can make it read through a garbage pointer. The CLI turns that
 * crash into a message that names the likely cause and the fix, instead
 * of a bare "Segmentation fault" (docs/RELIABILITY.md). Only
 * async-signal-safe calls here. */
static void on_crash(int sig)
{
	static const char msg[] =
		"sagasu: crashed reading the index (signal SIGSEGV or SIGBUS): "
		"most likely its data.mdb is damaged, which LMDB cannot detect; "
		"rebuild the index (sagasu index into a new directory). If the "
		"index is sound, this is a bug: please report it.\n";

	(void)sig;
	if (write(2, msg, sizeof(msg) - 1) < 0)
		_exit(1);
	_exit(1);
}

static void report_alloc_failures(void)
{
	fprintf(stderr, "sagasu: test: %ld allocation(s) made to fail\n",
		sg_test_alloc_failures());
}

/* SAGASU_TEST_FAIL_ALLOC=N[+] makes the library's Nth allocation fail (and
 * every later one with the '+'): the out-of-memory suite (tests/cli/oom.sh)
 * walks N = 1, 2, ... through a whole run. At exit the CLI says how many
 * allocations failed, so that a run which succeeded although one failed is
 * seen. */
static void arm_alloc_failure(void)
{
	const char *v = getenv("SAGASU_TEST_FAIL_ALLOC");
	char *end;
	long n;

	if (!v || !*v)
		return;
	n = strtol(v, &end, 10);
	if (n > 0 && (*end == '\0' || (end[0] == '+' && end[1] == '\0'))) {
		sg_test_fail_alloc(n, *end == '+');
		atexit(report_alloc_failures);
	}
}

int main(int argc, char **argv)
{
	size_t i;

	signal(SIGSEGV, on_crash);
	signal(SIGBUS, on_crash);
	arm_alloc_failure();

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("sagasu %s\n", SAGASU_VERSION);
		return 0;
	}
	for (i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
		if (!strcmp(argv[1], subcommands[i].name))
			return subcommands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "sagasu: unknown subcommand '%s'\n\n", argv[1]);
	usage(stderr);
	return 2;
}
