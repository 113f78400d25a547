/*
 * varint_bench.c — how fast the bulk varint decoders of common/varint.c run
 * on realistic posting blocks.
 *
 * A term that occurs in df of N documents has docid gaps that are close to
 * geometric with p = df/N (each document holds the term independently with
 * probability p): P(gap = k) = (1-p)^(k-1) p, k >= 1, mean 1/p. For each
 * density we encode blocks of 128 gaps (the block size of sagasu's postings)
 * back to back, then time decoding every block, several runs, and print the
 * median rate in millions of integers per second, with the bytes per integer.
 *
 *   usage: varint_bench [-r RUNS] [-n BLOCKS]
 *
 * The data (BLOCKS x 128 integers, 1 Mi by default) is larger than L2, like
 * postings read from the page cache; the seed is fixed, so runs compare.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sagasu.h"
#include "varint.h"

#define BLOCK 128
#define MAX_RUNS 101

static uint64_t rng_state = 0x243f6a8885a308d3u;

static uint64_t rng64(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15u);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

/* A geometric gap >= 1 with success probability p, by inversion. */
static uint32_t geometric_gap(double p)
{
	double u = ((double)(rng64() >> 11) + 0.5) / 9007199254740992.0; /* (0,1) */
	double k;

	if (p >= 1.0)
		return 1;
	k = floor(log(u) / log1p(-p));
	return k > 1e9 ? 1000000000u : 1u + (uint32_t)k;
}

static double now_sec(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		return 0.0;
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof v[0], cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

/* Kept global so the compiler cannot drop the decoding. */
volatile uint32_t bench_sink;

enum { USE_GAPS, USE_PLAIN };

/* Decodes all blocks once; returns seconds, or a negative value on error. */
static double decode_all(int which, const uint8_t *data, size_t len,
			 size_t n_blocks, uint32_t *out)
{
	const uint8_t *p = data, *end = data + len;
	uint32_t base = 0, sum = 0;
	double t0 = now_sec();

	for (size_t b = 0; b < n_blocks; b++) {
		int rc = which == USE_GAPS
			? sg_varint_decode_gaps32(&p, end, base, out, BLOCK)
			: sg_varint_decode32(&p, end, out, BLOCK);

		if (rc != SG_OK)
			return -1.0;
		/* Each block restarts at docid 0: the real base is stored in the
		 * block key, and the sums must stay within 32 bits. */
		sum += out[BLOCK - 1];
	}
	bench_sink = sum;
	if (p != end)
		return -1.0;
	return now_sec() - t0;
}

int main(int argc, char **argv)
{
	static const double densities[] = { 0.5, 0.05, 0.005, 0.0005 };
	int runs = 15, opt;
	size_t n_blocks = 8192;
	uint8_t *data = NULL;
	uint32_t *out = NULL;
	int status = 1;

	while ((opt = getopt(argc, argv, "r:n:h")) != -1) {
		switch (opt) {
		case 'r': runs = atoi(optarg); break;
		case 'n': n_blocks = (size_t)strtoul(optarg, NULL, 10); break;
		default:
			fprintf(stderr, "usage: %s [-r RUNS] [-n BLOCKS]\n", argv[0]);
			return opt == 'h' ? 0 : 2;
		}
	}
	if (runs < 1 || runs > MAX_RUNS || n_blocks < 1 || n_blocks > (1u << 20)) {
		fprintf(stderr, "varint_bench: -r must be 1..%d, -n 1..%u\n",
			MAX_RUNS, 1u << 20);
		return 2;
	}
	data = malloc(n_blocks * BLOCK * SG_VARINT_MAX32);
	out = malloc(BLOCK * sizeof *out);
	if (data == NULL || out == NULL) {
		fprintf(stderr, "varint_bench: out of memory\n");
		goto out;
	}

	printf("varint_bench: %zu blocks of %d docid gaps (geometric, p = df/N), "
	       "median of %d runs\n", n_blocks, BLOCK, runs);
	printf("SIMD path: %s (rows 'scalar' force it off: sg_varint_simd_force)\n",
	       sg_varint_simd_force(-1) ? "available" : "not available");
	printf("%-8s %-7s %10s %12s %16s %16s\n", "df/N", "path", "mean gap",
	       "bytes/int", "gaps32 Mint/s", "decode32 Mint/s");
	for (size_t d = 0; d < sizeof densities / sizeof densities[0]; d++) {
		double p = densities[d], t_gaps[MAX_RUNS], t_plain[MAX_RUNS];
		size_t len = 0, n_ints = n_blocks * BLOCK;
		double gap_sum = 0;

		for (size_t i = 0; i < n_ints; i++) {
			uint32_t g = geometric_gap(p);

			gap_sum += g;
			len += sg_varint_put32(data + len, g);
		}
		/* One untimed pass warms the caches and checks the data. */
		if (decode_all(USE_GAPS, data, len, n_blocks, out) < 0 ||
		    decode_all(USE_PLAIN, data, len, n_blocks, out) < 0) {
			fprintf(stderr, "varint_bench: decoding failed\n");
			goto out;
		}
		for (int path = 0; path < 2; path++) {
		sg_varint_simd_force(path ? -1 : 0);
		/* Alternate the two decoders so that drift hits both alike. */
		for (int r = 0; r < runs; r++) {
			t_gaps[r] = decode_all(USE_GAPS, data, len, n_blocks, out);
			t_plain[r] = decode_all(USE_PLAIN, data, len, n_blocks, out);
			if (t_gaps[r] < 0 || t_plain[r] < 0) {
				fprintf(stderr, "varint_bench: decoding failed\n");
				goto out;
			}
		}
		printf("%-8g %-7s %10.1f %12.3f %16.1f %16.1f\n", p,
		       path ? (sg_varint_simd_active() ? "simd" : "auto") : "scalar",
		       gap_sum / (double)n_ints, (double)len / (double)n_ints,
		       (double)n_ints / median(t_gaps, runs) / 1e6,
		       (double)n_ints / median(t_plain, runs) / 1e6);
		}
		sg_varint_simd_force(-1);
	}
	status = 0;
out:
	free(data);
	free(out);
	return status;
}
