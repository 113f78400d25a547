/*
 * opts.c — the one parser of option values for every subcommand.
 *
 * A value the user typed is either taken whole or refused: "5x" is not 5,
 * "1e3" is not 1, "-5" is not 18446744073709551611 and "abc" is not 0.
 * strtoull and strtod alone accept all of those (leading white space, a
 * sign, trailing garbage, "inf", "nan", hex floats), so each parser first
 * checks the characters it allows, then lets the C library convert, then
 * checks errno, that the whole string was consumed, and the range.
 *
 * A refusal is a usage error: the parser prints one line that names the
 * subcommand, the option, the value and the accepted range,
 *
 *   sagasu: search: -k: '5x' is not an integer from 1 to 1000000
 *
 * and returns -1; the subcommand then exits with status 2.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int is_ascii_letter(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

int cli_is_option(const char *a)
{
	return a[0] == '-' && (a[1] == '-' || is_ascii_letter(a[1]));
}

const char *cli_value(int argc, char **argv, int *i)
{
	if (*i + 1 >= argc) {
		fprintf(stderr, "sagasu: %s: %s needs a value\n", argv[0],
			argv[*i]);
		return NULL;
	}
	return argv[++*i];
}

int cli_is_quiet(const char *a)
{
	return !strcmp(a, "-q") || !strcmp(a, "--quiet");
}

int cli_parse_color(const char *cmd, const char *v, int *out)
{
	if (!strcmp(v, "auto"))
		*out = -1;
	else if (!strcmp(v, "always"))
		*out = 1;
	else if (!strcmp(v, "never"))
		*out = 0;
	else {
		fprintf(stderr, "sagasu: %s: --color: '%s' is not auto, always "
			"or never\n", cmd, v);
		return -1;
	}
	return 0;
}

void cli_unknown_option(const char *cmd, const char *opt)
{
	fprintf(stderr, "sagasu: %s: unknown option '%s' ('sagasu %s --help' "
		"lists the options)\n", cmd, opt, cmd);
}

/* Only decimal digits: no white space, no sign, no "0x". Returns 0 and the
 * value, or -1 when s is not such a number or does not fit 64 bits. */
static int digits_u64(const char *s, const char **end, uint64_t *out)
{
	unsigned long long v;
	char *e;

	if (!is_digit(s[0]))
		return -1;
	errno = 0;
	v = strtoull(s, &e, 10);
	if (errno == ERANGE)
		return -1;
#if ULLONG_MAX > UINT64_MAX
	if (v > UINT64_MAX)
		return -1;
#endif
	*end = e;
	*out = v;
	return 0;
}

int cli_parse_uint(const char *cmd, const char *opt, const char *val,
		   uint64_t min, uint64_t max, uint64_t *out)
{
	const char *end;
	uint64_t v;

	if (digits_u64(val, &end, &v) != 0 || *end != '\0' || v < min ||
	    v > max) {
		fprintf(stderr, "sagasu: %s: %s: '%s' is not an integer from "
			"%llu to %llu\n", cmd, opt, val,
			(unsigned long long)min, (unsigned long long)max);
		return -1;
	}
	*out = v;
	return 0;
}

int cli_parse_double(const char *cmd, const char *opt, const char *val,
		     double min, double max, double *out)
{
	char *end;
	double v = 0;
	int bad;

	/* Decimal notation only: digits, one point, an exponent. This keeps
	 * out what strtod would also take: "inf", "nan", "0x1p3", " 1", "+1". */
	bad = !(is_digit(val[0]) || (val[0] == '.' && is_digit(val[1]))) ||
	      strspn(val, "0123456789.eE+-") != strlen(val);
	if (!bad) {
		errno = 0;
		v = strtod(val, &end);
		bad = *end != '\0' || !isfinite(v) || v < min || v > max;
	}
	if (bad) {
		fprintf(stderr, "sagasu: %s: %s: '%s' is not a number from %g "
			"to %g\n", cmd, opt, val, min, max);
		return -1;
	}
	*out = v;
	return 0;
}

/* "4096", "64k", "256M", "1G", "1T", each optionally followed by B:
 * binary multiples (k = 1024). */
static int size_of(const char *s, uint64_t *out)
{
	const char *end;
	uint64_t v;
	unsigned shift = 0;

	if (digits_u64(s, &end, &v) != 0)
		return -1;
	switch (*end) {
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	case 't': case 'T': shift = 40; end++; break;
	default: break;
	}
	if (*end == 'B' || *end == 'b')
		end++;
	if (*end != '\0' || v > UINT64_MAX >> shift)
		return -1;
	*out = v << shift;
	return 0;
}

/* 4096 as "4k", 1 << 40 as "1T": the largest unit that divides n. */
static void put_size(char *buf, size_t cap, uint64_t n)
{
	static const char units[] = "kMGT";
	int u = -1;

	while (u < 3 && n && n % 1024 == 0) {
		n /= 1024;
		u++;
	}
	if (u < 0)
		snprintf(buf, cap, "%llu", (unsigned long long)n);
	else
		snprintf(buf, cap, "%llu%c", (unsigned long long)n, units[u]);
}

int cli_parse_size(const char *cmd, const char *opt, const char *val,
		   uint64_t min, uint64_t max, uint64_t *out)
{
	char lo[32], hi[32];
	uint64_t v;

	if (size_of(val, &v) != 0 || v < min || v > max) {
		put_size(lo, sizeof(lo), min);
		put_size(hi, sizeof(hi), max);
		fprintf(stderr, "sagasu: %s: %s: '%s' is not a size from %s to "
			"%s (bytes, or a number followed by k, M, G or T)\n",
			cmd, opt, val, lo, hi);
		return -1;
	}
	*out = v;
	return 0;
}
