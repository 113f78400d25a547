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
	int debugging;  /* listed apart, under "debugging:" */
};

static const struct subcommand subcommands[] = {
	{ "tokenize", cmd_tokenize, "analyze UTF-8 text on stdin, one token a line", 0 },
	{ "index", cmd_index, "add documents to an index (-d DIR)", 0 },
	{ "delete", cmd_delete, "remove documents by id", 0 },
	{ "compact", cmd_compact, "drop deleted documents' postings", 0 },
	{ "stats", cmd_stats, "figures of an index", 0 },
	{ "dump", cmd_dump, "print the index as text (for tests)", 1 },
	{ "search", cmd_search, "query an index", 0 },
	{ "bench", cmd_bench, "measure query speed over a query set", 0 },
	{ "check", cmd_check, "verify that the index is whole", 0 },
	{ "serve", cmd_serve, "the search API and page over HTTP", 0 },
};

static void usage(FILE *f)
{
	size_t i;
	int group;

	fprintf(f, "usage: sagasu SUBCOMMAND [OPTIONS] ...\n"
		"       sagasu --help | --version\n");
	for (group = 0; group < 2; group++) {
		fprintf(f, "\n%s\n", group ? "debugging:" : "commands:");
		for (i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
			if (subcommands[i].debugging == group)
				fprintf(f, "  %-9s %s\n", subcommands[i].name,
					subcommands[i].summary);
	}
	fprintf(f, "\nEvery subcommand takes -h/--help and --version. Exit "
		"status: 0 done, 1 failed,\n2 bad usage, 3 done but some input "
		"rejected.\n"
		"'sagasu SUBCOMMAND --help' describes one. sagasu %s\n",
		SAGASU_VERSION);
}

int cli_print_version(void)
{
	printf("sagasu %s\n", sg_version());
	return 0;
}

int cli_index_option(int argc, char **argv, int *i, const char **dir,
		     sg_index_options *io)
{
	const char *a = argv[*i], *v;

	if (!strcmp(a, "--keep-all")) {
		io->analyzer.keep_all = 1;
		return 1;
	}
	if (strcmp(a, "-d") && strcmp(a, "--dir") && strcmp(a, "--dicdir") &&
	    strcmp(a, "--variants"))
		return 0;
	v = cli_value(argc, argv, i);
	if (!v)
		return -1;
	if (!strcmp(a, "--variants")) {
		sg_error err = SG_ERROR_INIT;

		if (sg_variants_parse(v, &io->analyzer.variants, &err) != SG_OK) {
			fprintf(stderr, "sagasu: %s: --%s\n", argv[0], err.msg);
			return -1;
		}
		io->analyzer.variants_set = 1;
		return 1;
	}
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

int cli_dir_command(int argc, char **argv, const char *usage,
		    const struct cli_flag *flags, size_t n, const char **dir,
		    sg_index_options *io)
{
	const char *cmd = argv[0];
	size_t f;
	int i, rc;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(usage, stdout);
			return 0;
		}
		if (!strcmp(argv[i], "--version"))
			return cli_print_version();
		rc = cli_index_option(argc, argv, &i, dir, io);
		if (rc < 0)
			return 2;
		if (rc > 0)
			continue;
		for (f = 0; f < n && strcmp(argv[i], flags[f].name); f++)
			;
		if (f < n && !flags[f].values) {
			*flags[f].on = 1;
			continue;
		}
		if (f < n) {
			const char *v = cli_value(argc, argv, &i);
			int k;

			if (!v)
				return 2;
			for (k = 0; flags[f].values[k] &&
			     strcmp(v, flags[f].values[k]); k++)
				;
			if (!flags[f].values[k]) {
				fprintf(stderr, "sagasu: %s: %s: '%s' is not",
					cmd, flags[f].name, v);
				for (k = 0; flags[f].values[k]; k++)
					fprintf(stderr, "%s %s", !k ? "" :
						flags[f].values[k + 1] ? "," :
						" or", flags[f].values[k]);
				fputc('\n', stderr);
				return 2;
			}
			*flags[f].on = k;
			continue;
		}
		if (cli_is_option(argv[i]))
			cli_unknown_option(cmd, argv[i]);
		else
			fprintf(stderr, "sagasu: %s: takes no argument '%s'\n",
				cmd, argv[i]);
		return 2;
	}
	if (!*dir) {
		fprintf(stderr, "sagasu: %s: -d DIR is required\n%s", cmd, usage);
		return 2;
	}
	return -1;
}

void cli_error(const char *what, const sg_error *err)
{
	fprintf(stderr, "sagasu: %s: %s\n", what,
		err && err->msg[0] ? err->msg : sg_strerror(err ? err->code : 0));
}

/* The crash handler. A SIGSEGV or SIGBUS is either sagasu's own bug or,
 * since LMDB trusts the pages it maps (it keeps no checksums), a damaged
 * data.mdb read through a garbage pointer. The handler does not guess: when
 * the crashed command names an index, it re-executes this binary as
 * `sagasu check --after-crash -d DIR [--keep-all] [--dicdir D]` (execve is
 * async-signal-safe; the argument and environment arrays are built before
 * the subcommand runs, by arm_crash_check), and the check says which it
 * was: damage found (exit 1, the bad record named) or a sound index, so a
 * bug to report (exit CLI_EXIT_BUG). Without an index, or when the check
 * itself crashes, the handler says so itself. Only async-signal-safe calls
 * in on_crash (docs/RELIABILITY.md). */
static const char *crash_argv[8];  /* the check's argv; [0] NULL: no index */
static char **crash_envp;    /* environ without the SAGASU_TEST_ hooks */
static int crash_in_check;   /* 1: `sagasu check`; 2: ... after a crash */

static void say(const char *msg)
{
	size_t len = strlen(msg);

	while (len > 0) {
		ssize_t n = write(2, msg, len);

		if (n <= 0)
			return;
		msg += n;
		len -= (size_t)n;
	}
}

static void on_crash(int sig)
{
	(void)sig;
	if (crash_argv[0]) {
		say("sagasu crashed (a bug in sagasu unless the check below "
		    "finds damage); checking the index:\n");
		execve(crash_argv[0], (char *const *)crash_argv, crash_envp);
		say("sagasu: the check could not be started; run 'sagasu "
		    "check -d DIR' to learn whether the index is damaged\n");
		_exit(CLI_EXIT_BUG);
	}
	if (crash_in_check) {
		/* It reads every page; a crash inside LMDB there is what a
		 * damaged B-tree page does. */
		say(crash_in_check == 2 ?
		    "sagasu: the check crashed too, reading the index: " :
		    "sagasu: check: crashed reading the index: ");
		say("its data.mdb is most likely damaged in LMDB's own pages, "
		    "which LMDB cannot detect (else a bug in sagasu): rebuild "
		    "the index from its source (sagasu index into a new "
		    "directory)\n");
		_exit(1);
	}
	say("sagasu crashed (signal SIGSEGV or SIGBUS): this is a bug in "
	    "sagasu: please report it, with the command that crashed\n");
	_exit(CLI_EXIT_BUG);
}

static int test_hook_var(const char *e)
{
	return !strncmp(e, "SAGASU_TEST_CRASH=", 18) ||
	       !strncmp(e, "SAGASU_TEST_FAIL_ALLOC=", 23);
}

/* Prepares what on_crash executes, from the index options of argv (the
 * subcommand's; the first -d wins, up to a "--"). Leaves crash_argv[0]
 * NULL, so no re-execution, when there is no index or no memory. */
static void arm_crash_check(int argc, char **argv)
{
	extern char **environ;
	char *dir = NULL, *dicdir = NULL;
	int i, n = 0, keep_all = 0;
	size_t j, m = 0;

	if (!strcmp(argv[1], "check")) {
		/* The check does not re-execute itself. */
		crash_in_check = 1;
		for (i = 2; i < argc; i++)
			if (!strcmp(argv[i], "--after-crash"))
				crash_in_check = 2;
		return;
	}
	for (i = 2; i < argc && strcmp(argv[i], "--"); i++) {
		if ((!strcmp(argv[i], "-d") || !strcmp(argv[i], "--dir")) &&
		    i + 1 < argc && !dir)
			dir = argv[++i];
		else if (!strcmp(argv[i], "--dicdir") && i + 1 < argc)
			dicdir = argv[++i];
		else if (!strcmp(argv[i], "--keep-all"))
			keep_all = 1;
	}
	if (!dir)
		return;
	for (j = 0; environ && environ[j]; j++)
		;
	crash_envp = malloc((j + 1) * sizeof(*crash_envp));
	if (!crash_envp)
		return;
	for (j = 0; environ && environ[j]; j++)
		if (!test_hook_var(environ[j]))
			crash_envp[m++] = environ[j];
	crash_envp[m] = NULL;
	crash_argv[n++] = "/proc/self/exe";
	crash_argv[n++] = "check";
	crash_argv[n++] = "--after-crash";
	crash_argv[n++] = "-d";
	crash_argv[n++] = dir;
	if (keep_all)
		crash_argv[n++] = "--keep-all";
	if (dicdir) {
		crash_argv[n++] = "--dicdir";
		crash_argv[n++] = dicdir;
	}
	crash_argv[n] = NULL;
}

void cli_test_crash(void)
{
	const char *v = getenv("SAGASU_TEST_CRASH");

	if (v && !strcmp(v, "1"))
		raise(SIGSEGV);
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

	sigset_t crash_sigs;

	/* A check started by on_crash inherits the handler's signal mask. */
	sigemptyset(&crash_sigs);
	sigaddset(&crash_sigs, SIGSEGV);
	sigaddset(&crash_sigs, SIGBUS);
	sigprocmask(SIG_UNBLOCK, &crash_sigs, NULL);
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
	if (!strcmp(argv[1], "--version"))
		return cli_print_version();
	for (i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
		if (!strcmp(argv[1], subcommands[i].name)) {
			arm_crash_check(argc, argv);
			return subcommands[i].run(argc - 1, argv + 1);
		}
	fprintf(stderr, "sagasu: unknown subcommand '%s'\n\n", argv[1]);
	usage(stderr);
	return 2;
}
