/* fts5_peer — SQLite FTS5 as a peer of sagasu in the side-by-side benchmark.
 *
 *   fts5_peer index DB.sqlite TOKENIZED.jsonl [--tokenizer unicode61|ascii] [--no-optimize]
 *   fts5_peer query DB.sqlite QUERIES.tsv [--mode and|or] [-k 10] [--repeat N]
 *                   [--order bm25|rank] [--run OUT.tsv]
 *
 * FTS5 indexes sagasu's own terms (bench/peers/tokenize_corpus.py writes one
 * {"id","tokens":"t1 t2 ..."} a line), so the comparison is of index structures
 * and query evaluation, not of analyzers.  The tokenizer is told that only
 * spaces separate tokens: every printable ASCII character except space is a
 * token character.  The default is FTS5's `ascii` tokenizer, for which every
 * non-ASCII character is a token character, so each space-separated term is
 * exactly one FTS5 token.  `--tokenizer unicode61` (remove_diacritics 0, same
 * tokenchars) is available but splits terms at non-ASCII punctuation and
 * symbols: on JSQuAD 0.5% of the instances ("ヨハネス・グーテンベルク", "°")
 * come out as 2 or more tokens.  Input terms are already NFKC + casefolded,
 * so ascii's ASCII-only case folding loses nothing.  After the
 * index step the driver counts the token instances FTS5 stored (fts5vocab) and
 * prints them beside the count it was given, so a term split by the tokenizer
 * shows up as a mismatch.
 *
 * Timing is inside the process (CLOCK_MONOTONIC): index_s covers reading the
 * JSONL, the inserts in one transaction, the commit and the 'optimize' merge of
 * all segments into one (skip with --no-optimize).  Queries: one untimed warm-up
 * pass over the set, then --repeat timed passes; each query is the MATCH of its
 * quoted terms joined by AND or OR, ORDER BY bm25(t) (k1 1.2, b 0.75) LIMIT k,
 * stepping through all k rows and reading the id column.  Output: one JSON
 * object on stdout. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <sqlite3.h>

#include "common.h"

static int die_sql(sqlite3 *db, const char *what)
{
    fprintf(stderr, "fts5_peer: %s: %s\n", what, db ? sqlite3_errmsg(db) : "(no db)");
    return 1;
}

static int exec(sqlite3 *db, const char *sql)
{
    char *err = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
        fprintf(stderr, "fts5_peer: %s: %s\n", sql, err ? err : "?");
        sqlite3_free(err);
        return 1;
    }
    return 0;
}

/* The tokenize= argument.  FTS5 reads it as an SQL string whose content is a
 * list of words; tokenchars' value is itself quoted, so a ' inside it is
 * doubled twice (once per level of quoting). */
static char *tokenize_arg(const char *tokenizer)
{
    static const char punct[] = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";
    char inner[256], *o = inner;
    for (const char *p = punct; *p; p++) {
        if (*p == '\'')
            *o++ = '\'';      /* '' inside the tokenchars string */
        *o++ = *p;
    }
    *o = '\0';
    /* level 1: tokenize = '<tokenizer> remove_diacritics 0 tokenchars ''<inner>''' */
    char spec[512];
    if (!strcmp(tokenizer, "ascii"))
        snprintf(spec, sizeof spec, "ascii tokenchars '%s'", inner);
    else
        snprintf(spec, sizeof spec, "unicode61 remove_diacritics 0 tokenchars '%s'", inner);
    char *sql = sqlite3_mprintf("%Q", spec); /* doubles every ' once more */
    return sql;
}

static int cmd_index(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: fts5_peer index DB.sqlite TOKENIZED.jsonl [--tokenizer unicode61|ascii] [--no-optimize]\n");
        return 2;
    }
    const char *db_path = argv[0], *in_path = argv[1], *tokenizer = "ascii";
    int optimize = 1;
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--tokenizer") && i + 1 < argc)
            tokenizer = argv[++i];
        else if (!strcmp(argv[i], "--no-optimize"))
            optimize = 0;
        else {
            fprintf(stderr, "fts5_peer index: unknown option %s\n", argv[i]);
            return 2;
        }
    }
    char side[4096];
    unlink(db_path);
    snprintf(side, sizeof side, "%s-journal", db_path);
    unlink(side);

    FILE *in = fopen(in_path, "r");
    if (!in) {
        perror(in_path);
        return 1;
    }
    sqlite3 *db = NULL;
    if (sqlite3_open(db_path, &db) != SQLITE_OK)
        return die_sql(db, db_path);
    char *targ = tokenize_arg(tokenizer);
    char *create = sqlite3_mprintf(
        "CREATE VIRTUAL TABLE t USING fts5(id UNINDEXED, tokens, detail=full, tokenize=%s)", targ);
    sqlite3_free(targ);

    uint64_t t0 = peer_now_ns();
    if (exec(db, create) || exec(db, "BEGIN"))
        return 1;
    sqlite3_free(create);
    sqlite3_stmt *ins = NULL;
    if (sqlite3_prepare_v2(db, "INSERT INTO t(id, tokens) VALUES(?1, ?2)", -1, &ins, NULL) != SQLITE_OK)
        return die_sql(db, "prepare insert");

    char *line = NULL;
    size_t line_cap = 0;
    ssize_t len;
    long docs = 0, lineno = 0;
    unsigned long long tokens_in = 0;
    while ((len = getline(&line, &line_cap, in)) > 0) {
        lineno++;
        json_error_t jerr;
        json_t *doc = json_loadb(line, (size_t)len, 0, &jerr);
        const char *id = doc ? json_string_value(json_object_get(doc, "id")) : NULL;
        const char *toks = doc ? json_string_value(json_object_get(doc, "tokens")) : NULL;
        if (!id || !toks) {
            fprintf(stderr, "fts5_peer: %s:%ld: expected {\"id\":STRING,\"tokens\":STRING}: %s\n",
                    in_path, lineno, doc ? "missing field" : jerr.text);
            return 1;
        }
        for (const char *p = toks; *p;) {
            while (*p == ' ')
                p++;
            if (*p)
                tokens_in++;
            while (*p && *p != ' ')
                p++;
        }
        sqlite3_bind_text(ins, 1, id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(ins, 2, toks, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(ins) != SQLITE_DONE)
            return die_sql(db, "insert");
        sqlite3_reset(ins);
        json_decref(doc);
        docs++;
    }
    free(line);
    fclose(in);
    sqlite3_finalize(ins);
    if (exec(db, "COMMIT"))
        return 1;
    uint64_t t1 = peer_now_ns();
    if (optimize && exec(db, "INSERT INTO t(t) VALUES('optimize')"))
        return 1;
    uint64_t t2 = peer_now_ns();
    long rss = peer_peak_rss_kb();

    /* Untimed check: how many token instances did FTS5 store? */
    long long tokens_indexed = -1, terms = -1;
    sqlite3_stmt *st = NULL;
    if (exec(db, "CREATE VIRTUAL TABLE temp.v USING fts5vocab(main, t, 'row')") == 0 &&
        sqlite3_prepare_v2(db, "SELECT sum(cnt), count(*) FROM temp.v", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW) {
        tokens_indexed = sqlite3_column_int64(st, 0);
        terms = sqlite3_column_int64(st, 1);
    }
    sqlite3_finalize(st);
    /* Untimed: the pages of the content table (the stored copy of the text,
     * id column included), so that the index can be sized without it:
     * size_without_text_bytes is the pages in use by everything else (the
     * file's free pages, left by 'optimize', not counted).  Needs
     * the dbstat virtual table (SQLITE_ENABLE_DBSTAT_VTAB, on in Debian). */
    long long content_bytes = -1, other_bytes = -1;
    st = NULL;
    if (sqlite3_prepare_v2(db, "SELECT sum(pgsize) FILTER (WHERE name = 't_content'), "
                           "sum(pgsize) FILTER (WHERE name <> 't_content') FROM dbstat",
                           -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
        content_bytes = sqlite3_column_int64(st, 0);
        other_bytes = sqlite3_column_int64(st, 1);
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    long long size = peer_du_bytes(db_path);

    printf("{\"engine\":\"fts5\",\"step\":\"index\",\"tokenizer\":\"%s\",\"docs\":%ld,"
           "\"content_bytes\":%lld,\"size_without_text_bytes\":%lld,"
           "\"index_s\":%.3f,\"insert_commit_s\":%.3f,\"optimize_s\":%.3f,\"size_bytes\":%lld,"
           "\"peak_rss_kb\":%ld,\"tokens_in\":%llu,\"tokens_indexed\":%lld,\"terms\":%lld,"
           "\"sqlite\":\"%s\"}\n",
           tokenizer, docs, content_bytes, other_bytes,
           (double)(t2 - t0) / 1e9, (double)(t1 - t0) / 1e9,
           (double)(t2 - t1) / 1e9, size, rss, tokens_in, tokens_indexed,
           terms, sqlite3_libversion());
    if (tokens_indexed >= 0 && (unsigned long long)tokens_indexed != tokens_in)
        fprintf(stderr, "fts5_peer: WARNING: %llu tokens given, %lld indexed: the tokenizer "
                "split or dropped some terms\n", tokens_in, tokens_indexed);
    return 0;
}

/* MATCH expression: each term as an FTS5 string ("..." with " doubled), joined
 * by AND or OR. */
static char *match_expr(const struct peer_query *q, int or_mode)
{
    size_t cap = 16;
    for (size_t i = 0; i < q->n_terms; i++)
        cap += 2 * strlen(q->terms[i]) + 8;
    char *s = (char *)malloc(cap), *o = s;
    if (!s)
        abort();
    for (size_t i = 0; i < q->n_terms; i++) {
        if (i)
            o += sprintf(o, or_mode ? " OR " : " AND ");
        *o++ = '"';
        for (const char *p = q->terms[i]; *p; p++) {
            if (*p == '"')
                *o++ = '"';
            *o++ = *p;
        }
        *o++ = '"';
    }
    *o = '\0';
    return s;
}

static int cmd_query(int argc, char **argv)
{
    struct peer_query_opts o;
    int bad = peer_query_opts_parse("fts5_peer", argc, argv, 1, &o);
    if (bad)
        return bad;
    const char *db_path = o.db_path, *q_path = o.q_path, *run_path = o.run_path;
    const char *mode = o.mode;
    const char *order = o.order;
    int k = o.k, repeat = o.repeat;
    int or_mode = o.or_mode;
    struct peer_query *qs = NULL;
    long nq = peer_queries_read(q_path, &qs);
    if (nq <= 0) {
        fprintf(stderr, "fts5_peer: no queries in %s\n", q_path);
        return 1;
    }
    char **exprs = (char **)malloc((size_t)nq * sizeof *exprs);
    for (long i = 0; i < nq; i++)
        exprs[i] = match_expr(&qs[i], or_mode);

    sqlite3 *db = NULL;
    if (access(db_path, R_OK) != 0 || sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
        return die_sql(db, db_path);
    const char *sql = !strcmp(order, "rank")
        ? "SELECT id, rank FROM t WHERE t MATCH ?1 ORDER BY rank LIMIT ?2"
        : "SELECT id, bm25(t) FROM t WHERE t MATCH ?1 ORDER BY bm25(t) LIMIT ?2";
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return die_sql(db, "prepare query");

    FILE *run = NULL;
    if (run_path && !(run = fopen(run_path, "w"))) {
        perror(run_path);
        return 1;
    }
    size_t n_lat = (size_t)nq * (size_t)repeat;
    uint64_t *lat = (uint64_t *)malloc(n_lat * sizeof *lat);
    uint64_t total = 0;
    unsigned long hits_total = 0;
    long zero_hit = 0;
    size_t li = 0;
    /* pass 0 is the warm-up: not timed, writes the run file */
    for (int pass = 0; pass <= repeat; pass++) {
        for (long i = 0; i < nq; i++) {
            uint64_t t0 = peer_now_ns();
            sqlite3_bind_text(st, 1, exprs[i], -1, SQLITE_STATIC);
            sqlite3_bind_int(st, 2, k);
            int rc, rank = 0;
            while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
                const unsigned char *id = sqlite3_column_text(st, 0);
                double score = sqlite3_column_double(st, 1);
                rank++;
                if (pass == 0 && run)
                    fprintf(run, "%s\t%d\t%s\t%.6f\n", qs[i].qid, rank, id, -score);
            }
            sqlite3_reset(st);
            uint64_t t1 = peer_now_ns();
            if (rc != SQLITE_DONE) {
                fprintf(stderr, "fts5_peer: %s MATCH %s: %s\n", qs[i].qid, exprs[i], sqlite3_errmsg(db));
                return 1;
            }
            if (pass > 0) {
                lat[li++] = t1 - t0;
                total += t1 - t0;
                hits_total += (unsigned long)rank;
                zero_hit += rank == 0;
            }
        }
    }
    if (run)
        fclose(run);
    sqlite3_finalize(st);
    sqlite3_close(db);
    peer_print_query_json("fts5", mode, k, lat, li, total, hits_total / (unsigned long)repeat,
                          zero_hit / repeat);
    for (long i = 0; i < nq; i++)
        free(exprs[i]);
    free(exprs);
    free(lat);
    peer_queries_free(qs, nq);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && !strcmp(argv[1], "index"))
        return cmd_index(argc - 2, argv + 2);
    if (argc >= 2 && !strcmp(argv[1], "query"))
        return cmd_query(argc - 2, argv + 2);
    fprintf(stderr, "usage: fts5_peer index DB.sqlite TOKENIZED.jsonl [...]\n"
                    "       fts5_peer query DB.sqlite QUERIES.tsv --mode and|or -k 10 [...]\n");
    return 2;
}
