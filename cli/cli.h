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

/* The exit status of a crash that the integrity check does not explain:
 * sagasu's own bug (EX_SOFTWARE of sysexits.h). */
#define CLI_EXIT_BUG 70

/* The test hook SAGASU_TEST_CRASH=1: raises SIGSEGV, so that the tests
 * can see what the crash handler reports. Called by the subcommands right
 * after they open their index (stats, search). */
void cli_test_crash(void);

/* The options that say which index to open and how to analyze for it:
 * -d/--dir DIR, --keep-all, --dicdir DIR. When argv[*i] is one, fills dir
 * or io, moves *i past its value and returns 1; else returns 0. */
int cli_index_option(int argc, char **argv, int *i, const char **dir,
		     sg_index_options *io);

/* Prints "sagasu: <what>: <message>" on stderr. */
void cli_error(const char *what, const sg_error *err);

#endif
