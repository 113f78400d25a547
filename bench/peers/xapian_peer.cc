/* xapian_peer — Xapian as a peer of sagasu in the side-by-side benchmark.
 *
 *   xapian_peer index DBDIR TOKENIZED.jsonl
 *   xapian_peer query DBDIR QUERIES.tsv [--mode and|or] [-k 10] [--repeat N] [--run OUT.tsv]
 *
 * Xapian indexes sagasu's own terms (bench/peers/tokenize_corpus.py writes one
 * {"id","tokens":"t1 t2 ..."} a line): each term is added with its position
 * (1, 2, ...), the external id is the document data.  Terms longer than
 * Xapian's limit (245 bytes) are skipped and counted in "terms_skipped".
 *
 * Timing is inside the process (CLOCK_MONOTONIC): index_s covers reading the
 * JSONL, adding the documents and the final commit.  Queries: one untimed
 * warm-up pass, then --repeat timed passes; each query is OP_AND / OP_OR of
 * its terms, weighted by BM25Weight(k1 1.2, k2 0, k3 1, b 0.75, min_normlen
 * 0.5), get_mset(0, k), reading each hit's id (document data).  Output: one
 * JSON object on stdout. */
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <jansson.h>
#include <xapian.h>

#include "common.h"

static const size_t MAX_TERM_LEN = 245;

static int cmd_index(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: xapian_peer index DBDIR TOKENIZED.jsonl\n");
        return 2;
    }
    const char *db_path = argv[0], *in_path = argv[1];
    FILE *in = fopen(in_path, "r");
    if (!in) {
        perror(in_path);
        return 1;
    }
    long docs = 0, lineno = 0;
    unsigned long long tokens_in = 0, skipped = 0;
    uint64_t t0 = peer_now_ns();
    try {
        Xapian::WritableDatabase db(db_path, Xapian::DB_CREATE_OR_OVERWRITE);
        char *line = NULL;
        size_t line_cap = 0;
        ssize_t len;
        while ((len = getline(&line, &line_cap, in)) > 0) {
            lineno++;
            json_error_t jerr;
            json_t *doc = json_loadb(line, (size_t)len, 0, &jerr);
            const char *id = doc ? json_string_value(json_object_get(doc, "id")) : NULL;
            const char *toks = doc ? json_string_value(json_object_get(doc, "tokens")) : NULL;
            if (!id || !toks) {
                fprintf(stderr, "xapian_peer: %s:%ld: expected {\"id\":STRING,\"tokens\":STRING}: %s\n",
                        in_path, lineno, doc ? "missing field" : jerr.text);
                return 1;
            }
            Xapian::Document xd;
            Xapian::termpos pos = 0;
            for (const char *p = toks; *p;) {
                while (*p == ' ')
                    p++;
                const char *s = p;
                while (*p && *p != ' ')
                    p++;
                if (p == s)
                    continue;
                tokens_in++;
                pos++;
                if ((size_t)(p - s) > MAX_TERM_LEN) {
                    skipped++;
                    continue;
                }
                xd.add_posting(std::string(s, (size_t)(p - s)), pos);
            }
            xd.set_data(id);
            db.add_document(xd);
            json_decref(doc);
            docs++;
        }
        free(line);
        fclose(in);
        db.commit();
        db.close();
    } catch (const Xapian::Error &e) {
        fprintf(stderr, "xapian_peer: %s: %s\n", db_path, e.get_description().c_str());
        return 1;
    }
    uint64_t t1 = peer_now_ns();
    printf("{\"engine\":\"xapian\",\"step\":\"index\",\"docs\":%ld,\"index_s\":%.3f,"
           "\"size_bytes\":%lld,\"peak_rss_kb\":%ld,\"tokens_in\":%llu,\"terms_skipped\":%llu,"
           "\"xapian\":\"%s\"}\n",
           docs, (double)(t1 - t0) / 1e9, peer_du_bytes(db_path), peer_peak_rss_kb(),
           tokens_in, skipped, Xapian::version_string());
    return 0;
}

static int cmd_query(int argc, char **argv)
{
    struct peer_query_opts o;
    int bad = peer_query_opts_parse("xapian_peer", argc, argv, 0, &o);
    if (bad)
        return bad;
    const char *db_path = o.db_path, *q_path = o.q_path, *run_path = o.run_path;
    const char *mode = o.mode;
    int k = o.k, repeat = o.repeat;
    bool or_mode = o.or_mode;
    struct peer_query *qs = NULL;
    long nq = peer_queries_read(q_path, &qs);
    if (nq <= 0) {
        fprintf(stderr, "xapian_peer: no queries in %s\n", q_path);
        return 1;
    }
    FILE *run = NULL;
    if (run_path && !(run = fopen(run_path, "w"))) {
        perror(run_path);
        return 1;
    }
    std::vector<uint64_t> lat;
    lat.reserve((size_t)nq * (size_t)repeat);
    uint64_t total = 0;
    unsigned long hits_total = 0;
    long zero_hit = 0;
    try {
        Xapian::Database db(db_path);
        Xapian::Enquire enquire(db);
        enquire.set_weighting_scheme(Xapian::BM25Weight(1.2, 0, 1, 0.75, 0.5));
        Xapian::Query::op op = or_mode ? Xapian::Query::OP_OR : Xapian::Query::OP_AND;
        for (int pass = 0; pass <= repeat; pass++) {
            for (long i = 0; i < nq; i++) {
                uint64_t t0 = peer_now_ns();
                std::vector<std::string> terms(qs[i].terms, qs[i].terms + qs[i].n_terms);
                enquire.set_query(Xapian::Query(op, terms.begin(), terms.end()));
                Xapian::MSet mset = enquire.get_mset(0, (Xapian::doccount)k);
                int rank = 0;
                for (Xapian::MSetIterator it = mset.begin(); it != mset.end(); ++it) {
                    std::string id = it.get_document().get_data();
                    rank++;
                    if (pass == 0 && run)
                        fprintf(run, "%s\t%d\t%s\t%.6f\n", qs[i].qid, rank, id.c_str(), it.get_weight());
                }
                uint64_t t1 = peer_now_ns();
                if (pass > 0) {
                    lat.push_back(t1 - t0);
                    total += t1 - t0;
                    hits_total += (unsigned long)rank;
                    zero_hit += rank == 0;
                }
            }
        }
    } catch (const Xapian::Error &e) {
        fprintf(stderr, "xapian_peer: %s: %s\n", db_path, e.get_description().c_str());
        return 1;
    }
    if (run)
        fclose(run);
    peer_print_query_json("xapian", mode, k, lat.data(), lat.size(), total,
                          hits_total / (unsigned long)repeat,
                          zero_hit / repeat);
    peer_queries_free(qs, nq);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && !strcmp(argv[1], "index"))
        return cmd_index(argc - 2, argv + 2);
    if (argc >= 2 && !strcmp(argv[1], "query"))
        return cmd_query(argc - 2, argv + 2);
    fprintf(stderr, "usage: xapian_peer index DBDIR TOKENIZED.jsonl\n"
                    "       xapian_peer query DBDIR QUERIES.tsv --mode and|or -k 10 [...]\n");
    return 2;
}
