/*
 * sagasu.h — the public C API of sagasu, a full-text search engine for
 * Japanese text.
 *
 * How it works, in one paragraph: text is normalized (NFKC + case folding),
 * segmented by MeCab into morphemes, and the morphemes' terms are stored in an
 * inverted index inside one LMDB environment (a directory). Postings are cut
 * into blocks of up to 128 documents, varint-encoded, and keyed by (term id,
 * first docid of the block) so that a cursor jumps straight to the block that
 * may hold a document. Queries are ranked by BM25 with exact top-k: dynamic
 * pruning (block-max bounds stored with every block) returns exactly the hits
 * that exhaustive scoring would. docs/FORMAT.md specifies the bytes on disk,
 * docs/RANKING.md the formulas.
 *
 * Conventions, for every function below:
 *  - A function returns 0 (SG_OK) or a negative SG_E... code. When it fails
 *    and `err` is not NULL, err->msg names what failed, where, and the fix.
 *  - The library never prints, exits or aborts. The CLI does the printing.
 *  - Handles are opaque. A *_open/_new function gives the caller a handle that
 *    the caller releases with the matching *_close/_free, which accept NULL.
 *  - Strings are UTF-8 byte slices (pointer + length in bytes) and need not
 *    be NUL-terminated unless stated.
 *
 * Threads: an sg_analyzer (the MeCab model) and an sg_index may be shared by
 * threads. An sg_analysis, an sg_writer and an sg_searcher belong to one
 * thread at a time. One writer per index at once (LMDB's rule); any number of
 * searchers, in this and other processes, read while it commits.
 */
#ifndef SAGASU_H
#define SAGASU_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SAGASU_VERSION "0.1.0"

/* ---------------------------------------------------------------- errors */

enum {
	SG_OK = 0,
	SG_ENOMEM = -1,     /* out of memory */
	SG_EIO = -2,        /* a file could not be read or written */
	SG_EINVAL = -3,     /* a bad argument or bad input (message says which) */
	SG_ECORRUPT = -4,   /* stored bytes do not decode: the index is damaged */
	SG_ENOTINDEX = -5,  /* the directory is not a sagasu index */
	SG_EVERSION = -6,   /* the index was built by another format version */
	SG_EANALYZER = -7,  /* the index was built with another analyzer config */
	SG_EMECAB = -8,     /* MeCab failed (dictionary missing or unreadable) */
	SG_ESTORE = -9,     /* LMDB failed (message carries LMDB's own words) */
	SG_EFULL = -10,     /* the disk or the LMDB map is full */
	SG_ESYNTAX = -11,   /* a query syntax error (message names the column) */
	SG_ENOTFOUND = -12, /* no such document */
	SG_EBUSY = -13,     /* another writer holds the index */
	SG_EINTR = -14,     /* interrupted by the caller (e.g. Ctrl-C) */
	SG_ETOOBIG = -15,   /* a value exceeds a documented limit */
};

#define SG_ERROR_MSG_MAX 1024

/* A caller-owned error. Functions fill it on failure. */
typedef struct sg_error {
	int code;                    /* an SG_E... code, or SG_OK */
	char msg[SG_ERROR_MSG_MAX];  /* NUL-terminated English message */
} sg_error;

#define SG_ERROR_INIT { SG_OK, { 0 } }

/* A static English name of an error code ("out of memory", ...). */
const char *sg_strerror(int code);

/* ---------------------------------------------------------------- analyzer */

/* How text becomes terms. The same configuration must analyze documents and
 * queries; an index stores it and refuses a different one. */
typedef struct sg_analyzer_options {
	const char *dicdir;  /* MeCab dictionary directory; NULL = ipadic-utf8 */
	int keep_all;        /* 1: index particles, auxiliaries and symbols too */
} sg_analyzer_options;

#define SG_ANALYZER_OPTIONS_INIT { NULL, 0 }

typedef struct sg_analyzer sg_analyzer; /* the MeCab model: shared, read-only */
typedef struct sg_analysis sg_analysis; /* per-thread state: tagger + buffers */

/* One token of an analysis. `term` points into the sg_analysis that produced
 * it and stays valid until its next sg_analyze() or sg_analysis_free(). */
typedef struct sg_token {
	const char *term;    /* the normalized term (base form for verbs, adj.) */
	size_t term_len;     /* bytes */
	uint32_t pos;        /* token position (dropped tokens advance it too) */
	size_t start, end;   /* byte span in the ORIGINAL input text */
	const char *pos_tag; /* part of speech, e.g. "名詞,固有名詞,組織" */
	size_t pos_tag_len;
	int indexed;         /* 0: dropped by the filter (particle, symbol, ...) */
} sg_token;

int sg_analyzer_new(const sg_analyzer_options *opt, sg_analyzer **out,
		    sg_error *err);
void sg_analyzer_free(sg_analyzer *a);

/* The configuration value stored in an index: a NUL-terminated string owned
 * by `a`, e.g. "sagasu-analyzer/1 dic=ipadic:UTF-8:102:392126 norm=nfkc_cf
 * utf8proc=2.8.0 filter=default". Two analyzers that print the same string
 * analyze every input identically. */
const char *sg_analyzer_config(const sg_analyzer *a);

int sg_analysis_new(sg_analyzer *a, sg_analysis **out, sg_error *err);
void sg_analysis_free(sg_analysis *s);

/* Analyzes `len` bytes of UTF-8 text. Positions start at `pos_base`.
 * Invalid UTF-8 becomes U+FFFD and is counted, never an error. The tokens
 * (dropped ones included, indexed == 0) are returned through *tokens and *n and
 * stay valid until the next call on `s`. *n_positions receives the number of
 * positions consumed (the next free position is pos_base + *n_positions). */
int sg_analyze(sg_analysis *s, const char *text, size_t len, uint32_t pos_base,
	       const sg_token **tokens, size_t *n, uint32_t *n_positions,
	       sg_error *err);

/* How many invalid UTF-8 sequences the last sg_analyze() replaced. */
size_t sg_analysis_invalid_utf8(const sg_analysis *s);

/* The normalized text of the last sg_analyze() (NFKC + case fold; invalid
 * sequences replaced by U+FFFD), valid until the next call on `s`. */
const char *sg_analysis_normalized(const sg_analysis *s, size_t *len);

#ifdef __cplusplus
}
#endif

#endif /* SAGASU_H */
