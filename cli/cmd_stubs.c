/* Temporary: subcommands not written yet. Removed as each one lands. */
#include <stdio.h>

#include "cli.h"

#define NOT_YET(fn, name)                                                   \
	int fn(int argc, char **argv)                                       \
	{                                                                   \
		(void)argc;                                                 \
		(void)argv;                                                 \
		fprintf(stderr, "sagasu: '%s' is not built yet\n", name);   \
		return 1;                                                   \
	}

NOT_YET(cmd_search, "search")
NOT_YET(cmd_bench, "bench")
