/*
 * cmd_check.c — `sagasu check -d DIR`: does the index prove itself whole?
 *
 * A thin layer over sg_index_check (sagasu.h says what it verifies). Exit
 * status 0 and a one-line summary on stdout when the index is whole; 1 and
 * the first bad record on stderr when it is not (or when it cannot be
 * opened); 2 for bad usage.
 *
 * --after-crash is how the crash handler of main.c runs it (it re-executes
 * the binary as `sagasu check --after-crash -d DIR ...`): the verdict then
 * goes to stderr and says what it means for the crash. A sound index means
 * the crash was sagasu's own bug: exit CLI_EXIT_BUG (70). Damage found:
 * exit 1.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
	"usage: sagasu check -d DIR [--keep-all] [--dicdir DIR]\n"
	"  Reads every record of the index in one read transaction and "
	"verifies\n  the postings, the term records, the positions, "
	"the lengths, the ids and\n  the documents against each other "
	"(docs/RELIABILITY.md). Exit 0 when the\n  index is whole, "
	"1 naming the first bad record when it is not.\n"
	"  -h, --help  this text;  --version  print the version\n";

int cmd_check(int argc, char **argv)
{
	sg_index_options io = SG_INDEX_OPTIONS_INIT;
	sg_error err = SG_ERROR_INIT;
	sg_check_report rep;
	const char *dir = NULL;
	sg_index *idx;
	int rc, after_crash = 0;
	const struct cli_flag flags[] = { { "--after-crash", &after_crash, NULL } };

	rc = cli_dir_command(argc, argv, usage, flags, 1, &dir, &io);
	if (rc >= 0)
		return rc;
	io.readonly = 1;
	rc = sg_index_open(dir, &io, &idx, &err);
	if (rc == SG_OK) {
		rc = sg_index_check(idx, &rep, &err);
		sg_index_close(idx);
	}
	if (rc == SG_OK) {
		FILE *f = after_crash ? stderr : stdout;

		fprintf(f, "%sindex is whole: %llu documents, %llu terms, %llu "
			"postings checked\n", after_crash ? "sagasu: " : "",
			(unsigned long long)rep.documents,
			(unsigned long long)rep.terms,
			(unsigned long long)rep.postings);
		if (!after_crash)
			return fflush(stdout) == 0 && !ferror(stdout) ? 0 : 1;
		fprintf(stderr, "sagasu: the index is sound, so the crash is a "
			"bug in sagasu: please report it, with the command "
			"that crashed\n");
		return CLI_EXIT_BUG;
	}
	cli_error("check", &err);
	if (rc == SG_ECORRUPT) {
		fprintf(stderr, "sagasu: check: %s is damaged%s: rebuild it "
			"from its source (sagasu index into a new directory)\n",
			dir, after_crash ? ", which can explain the crash" : "");
		return 1;
	}
	if (after_crash) {
		fprintf(stderr, "sagasu: the index could not be checked, so "
			"nothing shows it is damaged: the crash is most likely "
			"a bug in sagasu: please report it\n");
		return CLI_EXIT_BUG;
	}
	return 1;
}
