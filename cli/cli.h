/*
 * cli.h — the subcommands of the `sagasu` command line tool.
 *
 * The CLI is a thin layer over include/sagasu.h: it parses arguments, calls
 * the library and prints. Each subcommand gets argv without the program name
 * (argv[0] is the subcommand) and returns the process exit status:
 * 0 success, 1 failure, 2 bad usage; `index` returns 3 when it finished but
 * rejected some input (the summary says how much). A crash (SIGSEGV,
 * SIGBUS) on a sound index exits CLI_EXIT_BUG (main.c, on_crash).
 */
#ifndef SG_CLI_H
#define SG_CLI_H

#include "sagasu.h"

int cmd_tokenize(int argc, char **argv);
int cmd_index(int argc, char **argv);
int cmd_delete(int argc, char **argv);
int cmd_compact(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_dump(int argc, char **argv);
int cmd_search(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_serve(int argc, char **argv);

/* --version, which every subcommand takes where it takes --help (among
 * its options, before any operand): prints "sagasu VERSION" on stdout and
 * returns 0, the exit status. */
int cli_print_version(void);

/* Is a -q or --quiet? The commands that take it (index, delete, compact,
 * search, bench) then print no progress, notices or summaries on stderr;
 * errors and rejections are still printed. */
int cli_is_quiet(const char *a);

/* --color WHEN: is v auto, always or never? Returns 0 and sets *out (-1
 * auto, 1 always, 0 never), or prints the usage error and returns -1. */
int cli_parse_color(const char *cmd, const char *v, int *out);

/* The exit status of a crash that the integrity check does not explain:
 * sagasu's own bug (EX_SOFTWARE of sysexits.h). */
#define CLI_EXIT_BUG 70

/* The test hook SAGASU_TEST_CRASH=1: raises SIGSEGV, so that the tests
 * can see what the crash handler reports. Called by the subcommands right
 * after they open their index (stats, search). */
void cli_test_crash(void);

/* The options that say which index to open and how to analyze for it:
 * -d/--dir DIR, --keep-all, --dicdir DIR, --variants LIST. When argv[*i] is one, fills dir
 * or io, moves *i past its value and returns 1; returns 0 when it is not
 * one; returns -1 when its value is missing or empty (the message printed:
 * the caller exits with 2). */
int cli_index_option(int argc, char **argv, int *i, const char **dir,
		     sg_index_options *io);

/* An option of a subcommand that takes no operand: its name and what it
 * sets. Without values, a flag: *on = 1. With values (a NULL-terminated
 * list, e.g. "text", "json"), it takes one of them as its value, and *on is
 * the value's index in the list. */
struct cli_flag {
	const char *name;
	int *on;
	const char *const *values;
};

/* The whole command line of a subcommand that takes the index options, the
 * flags of `flags` (n of them) and no operand (compact, stats, dump,
 * check). Returns -1 when it is done and the caller goes on; otherwise the
 * exit status to return at once: 0 after --help (usage on stdout) or
 * --version (the version on stdout), 2 after
 * a usage error (the message and usage on stderr), -d DIR missing
 * included. */
int cli_dir_command(int argc, char **argv, const char *usage,
		    const struct cli_flag *flags, size_t n, const char **dir,
		    sg_index_options *io);

/* ---- option values (cli/opts.c)
 *
 * Every subcommand reads its options in the same way:
 *  - options come before the operands (the query, the inputs, the ids);
 *  - an argument that starts with '-' and an ASCII letter, or with "--",
 *    is an option there (cli_is_option), and an unknown one is an error;
 *  - "--" ends the options; the first other argument starts the operands,
 *    and every argument after it is an operand, even one starting with '-';
 *  - a value is the next argument, parsed strictly by the functions below.
 * Each returns 0 and fills *out, or prints "sagasu: CMD: OPT: 'VAL' is not
 * ... from MIN to MAX" on stderr and returns -1: a usage error (exit 2). */

/* Is argument a an option word ("-k", "--or"), rather than an operand ("東京",
 * "-東京", "-", "")? */
int cli_is_option(const char *a);

/* The value of the option argv[*i]: moves *i onto it and returns it, or
 * prints "sagasu: CMD: OPT needs a value" (CMD = argv[0]) and returns NULL. */
const char *cli_value(int argc, char **argv, int *i);

/* Prints "sagasu: CMD: unknown option 'OPT' ..." on stderr. */
void cli_unknown_option(const char *cmd, const char *opt);

/* A decimal integer in [min, max]: digits only, no sign, no white space,
 * nothing after them ("5x", "1e3", "-5", "+5", " 5" are refused). */
int cli_parse_uint(const char *cmd, const char *opt, const char *val,
		   uint64_t min, uint64_t max, uint64_t *out);

/* A finite decimal number in [min, max] ("abc", "1x", "inf", "nan", "0x10"
 * are refused). */
int cli_parse_double(const char *cmd, const char *opt, const char *val,
		     double min, double max, double *out);

/* A size in bytes in [min, max]: digits, then optionally k, M, G or T
 * (binary multiples: 1k = 1024) and optionally B ("256M", "64k", "4096"). */
int cli_parse_size(const char *cmd, const char *opt, const char *val,
		   uint64_t min, uint64_t max, uint64_t *out);

/* Prints "sagasu: <what>: <message>" on stderr. */
void cli_error(const char *what, const sg_error *err);

#endif
