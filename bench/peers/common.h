/* Shared by the peer drivers (fts5_peer.c, xapian_peer.cc): query-set reading,
 * latency statistics and the JSON lines they print.  Header-only so that each
 * driver stays one translation unit; every function is static. */
#ifndef BENCH_PEERS_COMMON_H
#define BENCH_PEERS_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>

/* The options of a driver's `query` step: DB QUERIES [--mode and|or] [-k N]
 * [--repeat N] [--run OUT.tsv], and [--order bm25|rank] where allowed.
 * Returns 0, or 2 after printing the problem (the exit status). */
struct peer_query_opts {
    const char *db_path, *q_path, *mode, *run_path, *order;
    int k, repeat, or_mode;
};

static inline int peer_query_opts_parse(const char *engine, int argc, char **argv,
                                        int allow_order, struct peer_query_opts *o)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s query DB QUERIES.tsv [--mode and|or] [-k 10] "
                        "[--repeat N]%s [--run OUT.tsv]\n",
                engine, allow_order ? " [--order bm25|rank]" : "");
        return 2;
    }
    o->db_path = argv[0];
    o->q_path = argv[1];
    o->mode = "and";
    o->run_path = NULL;
    o->order = "bm25";
    o->k = 10;
    o->repeat = 1;
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--mode") && i + 1 < argc)
            o->mode = argv[++i];
        else if (!strcmp(argv[i], "-k") && i + 1 < argc)
            o->k = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--repeat") && i + 1 < argc)
            o->repeat = atoi(argv[++i]);
        else if (allow_order && !strcmp(argv[i], "--order") && i + 1 < argc)
            o->order = argv[++i];
        else if (!strcmp(argv[i], "--run") && i + 1 < argc)
            o->run_path = argv[++i];
        else {
            fprintf(stderr, "%s query: unknown option %s\n", engine, argv[i]);
            return 2;
        }
    }
    o->or_mode = !strcmp(o->mode, "or");
    if (!o->or_mode && strcmp(o->mode, "and")) {
        fprintf(stderr, "%s query: --mode must be and or or\n", engine);
        return 2;
    }
    if (o->k < 1 || o->repeat < 1) {
        fprintf(stderr, "%s query: -k and --repeat must be >= 1\n", engine);
        return 2;
    }
    return 0;
}

/* Monotonic clock in nanoseconds; only differences are meaningful. */
static inline uint64_t peer_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Peak resident set size of this process so far, in KiB (Linux ru_maxrss). */
static inline long peer_peak_rss_kb(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0)
        return -1;
    return ru.ru_maxrss;
}

/* One query of the set: its qid and its terms (each a NUL-terminated string
 * pointing into `line`, which the query owns). */
struct peer_query {
    char *line;
    char *qid;
    char **terms;
    size_t n_terms;
};

/* Reads `qid<TAB>term term ...` lines.  Returns the number of queries and sets
 * *out (caller frees with peer_queries_free), or -1 with a message on stderr. */
static inline long peer_queries_read(const char *path, struct peer_query **out)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        perror(path);
        return -1;
    }
    struct peer_query *qs = NULL;
    size_t n = 0, cap = 0;
    char *line = NULL;
    size_t line_cap = 0;
    ssize_t len;
    while ((len = getline(&line, &line_cap, f)) > 0) {
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        char *tab = strchr(line, '\t');
        if (!tab)
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 256;
            qs = (struct peer_query *)realloc(qs, cap * sizeof *qs);
            if (!qs)
                abort();
        }
        struct peer_query *q = &qs[n++];
        q->line = strdup(line);
        if (!q->line)
            abort();
        tab = q->line + (tab - line);
        *tab = '\0';
        q->qid = q->line;
        q->n_terms = 0;
        q->terms = (char **)calloc((size_t)len / 2 + 2, sizeof(char *));
        if (!q->terms)
            abort();
        for (char *p = strtok(tab + 1, " "); p; p = strtok(NULL, " "))
            q->terms[q->n_terms++] = p;
    }
    free(line);
    fclose(f);
    *out = qs;
    return (long)n;
}

static inline void peer_queries_free(struct peer_query *qs, long n)
{
    for (long i = 0; i < n; i++) {
        free(qs[i].terms);
        free(qs[i].line);
    }
    free(qs);
}

static int peer_cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of sorted latencies, p in (0, 100]. */
static inline double peer_pct_us(const uint64_t *sorted_ns, size_t n, double p)
{
    if (n == 0)
        return 0;
    size_t rank = (size_t)((p / 100.0) * (double)n + 0.999999);
    if (rank < 1)
        rank = 1;
    if (rank > n)
        rank = n;
    return (double)sorted_ns[rank - 1] / 1000.0;
}

/* Prints the query-step JSON object; sorts lat_ns in place. */
static inline void peer_print_query_json(const char *engine, const char *mode, int k,
                                         uint64_t *lat_ns, size_t n, uint64_t total_ns,
                                         unsigned long hits_total, long zero_hit)
{
    qsort(lat_ns, n, sizeof *lat_ns, peer_cmp_u64);
    double total_s = (double)total_ns / 1e9;
    printf("{\"engine\":\"%s\",\"step\":\"query\",\"mode\":\"%s\",\"k\":%d,\"n\":%zu,"
           "\"total_s\":%.6f,\"qps\":%.1f,\"p50_us\":%.1f,\"p95_us\":%.1f,\"p99_us\":%.1f,"
           "\"mean_us\":%.1f,\"hits_per_pass\":%lu,\"zero_hit_queries\":%ld,\"peak_rss_kb\":%ld}\n",
           engine, mode, k, n, total_s, total_s > 0 ? (double)n / total_s : 0.0,
           peer_pct_us(lat_ns, n, 50), peer_pct_us(lat_ns, n, 95), peer_pct_us(lat_ns, n, 99),
           n ? (double)total_ns / 1e3 / (double)n : 0.0, hits_total, zero_hit,
           peer_peak_rss_kb());
}

/* Size in bytes of a file, or of all regular files below a directory. */
#include <dirent.h>
#include <sys/stat.h>
static inline long long peer_du_bytes(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return 0;
    if (!S_ISDIR(st.st_mode))
        return S_ISREG(st.st_mode) ? (long long)st.st_size : 0;
    long long sum = 0;
    DIR *d = opendir(path);
    if (!d)
        return 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        size_t n = strlen(path) + strlen(e->d_name) + 2;
        char *sub = (char *)malloc(n);
        if (!sub)
            abort();
        memcpy(sub, path, strlen(path));
        sub[strlen(path)] = '/';
        memcpy(sub + strlen(path) + 1, e->d_name, strlen(e->d_name) + 1);
        sum += peer_du_bytes(sub);
        free(sub);
    }
    closedir(d);
    return sum;
}

#endif
