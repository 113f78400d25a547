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
 *  - Options structs are filled from their _INIT macro (designated
 *    initializers), then changed field by field, so that a field added in a
 *    later version gets its default in code written before it.
 *  - Each function says which codes it returns besides SG_OK; SG_ENOMEM
 *    (any function that allocates) and SG_ESTORE (any that reads the index:
 *    LMDB's own words in the message) are always possible where not listed.
 *
 * Threads: an sg_analyzer (the MeCab model) and an sg_index may be shared by
 * threads. An sg_analysis, an sg_writer and an sg_searcher belong to one
 * thread at a time. One writer per index at once (LMDB's rule); any number of
 * searchers, in this and other processes, read while it commits.
 *
 * Caveats (LMDB's rules, which sagasu inherits; docs/ARCHITECTURE.md):
 *  - Map growth: the memory map grows by itself when a write fills it (the
 *    batch is written again, unseen by the caller). A searcher of another
 *    process follows at its next sg_searcher_refresh.
 *  - Writer lock: a writable sg_index_open holds DIR/writer.lock until
 *    sg_index_close; a second one, in any process, fails with SG_EBUSY.
 *  - Stale readers: a searcher that is never refreshed pins the snapshot it
 *    reads, and the pages a writer frees after it cannot be reused, so the
 *    file grows. Refresh searchers (sagasu serve does before each request)
 *    and free the ones not in use.
 *  - fork(): an sg_index, sg_searcher or sg_writer must not be used in a
 *    child of the process that opened it (LMDB's environment and locks do
 *    not survive fork). Open the index in the child.
 *  - Pointers handed out (hits, stored documents, tokens) live as long as
 *    their function says, at most until the next refresh or free of the
 *    object they came from.
 */
#ifndef SAGASU_H
#define SAGASU_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SAGASU_VERSION "0.1.0"

/* SG_API marks the functions libsagasu.so exports: the library is compiled
 * with -fvisibility=hidden, so that its internal functions (sg_buf_*, the
 * store, the codecs) stay private and only this header is its ABI. The
 * Makefile reads the version above for the shared library's file name and
 * soname (libsagasu.so.MAJOR). */
#if defined(__GNUC__) || defined(__clang__)
#define SG_API __attribute__((visibility("default")))
#else
#define SG_API
#endif

/* The version of the library actually linked, a static string
 * (SAGASU_VERSION is the one a program was compiled against). */
SG_API const char *sg_version(void);

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

#define SG_ERROR_INIT { .code = SG_OK, .msg = { 0 } }

/* A static English name of an error code ("out of memory", ...). */
SG_API const char *sg_strerror(int code);

/* For tests of out-of-memory paths: from this call on, the library's nth
 * allocation fails (and every later one too when `sticky` is not 0); n = 0
 * disarms. Process-wide; not for production use. sg_test_alloc_failures()
 * tells how many allocations were made to fail since. */
SG_API void sg_test_fail_alloc(long n, int sticky);
SG_API long sg_test_alloc_failures(void);

/* ---------------------------------------------------------------- analyzer */

/* Orthographic variants the analyzer unifies (docs/ANALYZER.md, Variants).
 * They apply to documents and queries alike. */
#define SG_VARIANT_CHOON  0x1u /* a katakana token of 4+ characters loses a
				  final ー (ユーザー = ユーザ); the default */
#define SG_VARIANT_KANA   0x2u /* hiragana folded to katakana (after MeCab) */
#define SG_VARIANT_V      0x4u /* ヴァ ヴィ ヴ ヴェ ヴォ -> バ ビ ブ ベ ボ */
#define SG_VARIANT_HYPHEN 0x8u /* - ‐ ‒ – − after a katakana letter -> ー */
#define SG_VARIANTS_ALL   0xFu
#define SG_VARIANTS_DEFAULT SG_VARIANT_CHOON

/* How text becomes terms. The same configuration must analyze documents and
 * queries: an index stores it, and opening an existing index analyzes with
 * the stored configuration; options given (non-zero) that contradict it are
 * an error (SG_EANALYZER). */
typedef struct sg_analyzer_options {
	const char *dicdir;  /* MeCab dictionary directory; NULL = ipadic-utf8 */
	int keep_all;        /* 1: index particles, auxiliaries and symbols too */
	int variants_set;    /* 0: `variants` is ignored: SG_VARIANTS_DEFAULT
				for a new index, the index's own otherwise */
	unsigned variants;   /* SG_VARIANT_* bits, when variants_set */
	const char *user_dic; /* a compiled MeCab user dictionary (the output
				 of mecab-dict-index -u) for a NEW index;
				 NULL = none. sg_userdic_compile makes one. */
} sg_analyzer_options;

#define SG_ANALYZER_OPTIONS_INIT { .dicdir = NULL, .keep_all = 0, \
				   .variants_set = 0, .variants = 0, \
				   .user_dic = NULL }

/* Parses a comma-separated list of variant names (choon, kana, v, hyphen;
 * "none" alone for no variant) into SG_VARIANT_* bits. SG_OK, or SG_EINVAL
 * with a message naming the bad name. */
SG_API int sg_variants_parse(const char *list, unsigned *out, sg_error *err);

/* Compiles the MeCab user dictionary CSV `csv` against the system
 * dictionary of `dicdir` (NULL = the default one) into the file `out` with
 * MeCab's mecab-dict-index. Every line is checked first (13 fields for
 * ipadic, integer context ids within the dictionary's matrix, an integer
 * cost): a bad line is SG_EINVAL with "FILE:LINE: reason". */
SG_API int sg_userdic_compile(const char *csv, const char *dicdir,
			      const char *out, sg_error *err);

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

/* Loads the MeCab model. SG_EMECAB: the dictionary is missing, unreadable
 * or not UTF-8 (the message names the directory and the package to
 * install). */
SG_API int sg_analyzer_new(const sg_analyzer_options *opt, sg_analyzer **out,
			   sg_error *err);
SG_API void sg_analyzer_free(sg_analyzer *a);

/* The configuration value stored in an index: a NUL-terminated string owned
 * by `a`, e.g. "sagasu-analyzer/2 dic=ipadic-utf8:UTF-8:102:392126
 * norm=nfkc_cf utf8proc=2.8.0 filter=default variants=choon". Without any
 * variant or user dictionary it is the older "sagasu-analyzer/1 ..." form
 * (no variants= field), so indexes built before variants still open.
 * docs/FORMAT.md gives the grammar. Two analyzers that print the same
 * string analyze every input identically. */
SG_API const char *sg_analyzer_config(const sg_analyzer *a);

/* A thread's analysis state (a MeCab lattice and buffers). SG_EMECAB. */
SG_API int sg_analysis_new(sg_analyzer *a, sg_analysis **out, sg_error *err);
SG_API void sg_analysis_free(sg_analysis *s);

/* Analyzes `len` bytes of UTF-8 text. Positions start at `pos_base`.
 * Invalid UTF-8 becomes U+FFFD and is counted, never an error. The tokens
 * (dropped ones included, indexed == 0) are returned through *tokens and *n and
 * stay valid until the next call on `s`. *n_positions receives the number of
 * positions consumed (the next free position is pos_base + *n_positions).
 * SG_EMECAB (MeCab failed on the text), SG_ETOOBIG (the text is beyond the
 * analyzer's limits: the message says which). */
SG_API int sg_analyze(sg_analysis *s, const char *text, size_t len,
		      uint32_t pos_base, const sg_token **tokens, size_t *n,
		      uint32_t *n_positions, sg_error *err);

/* Marks s as a query's analysis (on = 1): under the ー rule
 * (SG_VARIANT_CHOON) its normalized text then drops the final ー of every
 * katakana run of 4 or more characters, so that the query's substring
 * (ユーザ) is found in documents with either spelling. A document's analysis (the
 * default) keeps every character: its grams must still hold the text as
 * written (docs/ANALYZER.md, Spelling variants). */
SG_API void sg_analysis_set_query(sg_analysis *s, int on);

/* How many invalid UTF-8 sequences the last sg_analyze() replaced. */
SG_API size_t sg_analysis_invalid_utf8(const sg_analysis *s);

/* The normalized text of the last sg_analyze() (NFKC + case fold; invalid
 * sequences replaced by U+FFFD), valid until the next call on `s`. */
SG_API const char *sg_analysis_normalized(const sg_analysis *s, size_t *len);

/* ---------------------------------------------------------------- documents */

/* A byte slice the caller owns. */
typedef struct sg_slice {
	const char *ptr;
	size_t len;
} sg_slice;

/* A document to index. Every slice is owned by the caller and read only
 * during the call it is passed to. */
typedef struct sg_doc {
	sg_slice id;           /* external id, 1..SG_ID_MAX bytes */
	sg_slice title;        /* shown with results */
	const sg_slice *texts; /* the indexed fields' texts, in field order */
	size_t n_texts;        /* at most SG_FIELDS_MAX */
	sg_slice stored;       /* other fields: a JSON object's text, or empty */
} sg_doc;

#define SG_ID_MAX 480     /* bytes; LMDB's key limit is 511 */
#define SG_FIELDS_MAX 16
#define SG_COLUMNS_MAX 16 /* columns an index may declare */
#define SG_TERM_MAX 255   /* bytes; longer terms are cut (docs/FORMAT.md) */

/* ---------------------------------------------------------------- index */

typedef struct sg_index sg_index;

typedef struct sg_index_options {
	sg_analyzer_options analyzer;
	const char *fields;  /* a NEW index's indexed fields, comma-separated;
				NULL = "title,body". An existing index keeps
				its own and refuses a different list. */
	int create;          /* 1: create the index if DIR is new or empty */
	int readonly;        /* 1: search only; nothing is ever written */
	uint32_t block_size; /* a NEW index's postings per block; 0 = 128.
				Tiny values let tests cross blocks. */
	const char *columns; /* a NEW index's columns: stored (not indexed)
				top-level fields kept by docid for --sort
				and --filter, comma-separated; NULL = none.
				An existing index keeps its own. */
	int no_substring;    /* a NEW index without the substring grams that
				let a keyword find every document holding it
				(smaller; keyword mode then matches whole
				morphemes only). docs/RECALL.md */
} sg_index_options;

#define SG_INDEX_OPTIONS_INIT { .analyzer = SG_ANALYZER_OPTIONS_INIT, \
				.fields = NULL, .create = 0, .readonly = 0, \
				.block_size = 0, .columns = NULL, \
				.no_substring = 0 }

/* Opens (or creates) the index in `dir`. Refuses, without writing, a
 * directory that is not a sagasu index, another format version, or an index
 * built with another analyzer configuration. A writable open holds the
 * writer lock until sg_index_close.
 * SG_ENOTINDEX (dir is missing, empty without create, or holds something
 * else), SG_EVERSION, SG_EANALYZER, SG_EBUSY (another writer holds the
 * lock), SG_EINVAL (bad options: fields, block_size), SG_EIO (the
 * directory cannot be made or read), SG_EMECAB, SG_EFULL (no room to
 * create), SG_ECORRUPT (the meta records do not decode). */
SG_API int sg_index_open(const char *dir, const sg_index_options *opt,
			 sg_index **out, sg_error *err);
SG_API void sg_index_close(sg_index *idx);

/* The analyzer the index was opened with (owned by idx). */
SG_API sg_analyzer *sg_index_analyzer(sg_index *idx);

#define SG_STATS_TOP 20

typedef struct sg_db_size {
	const char *name;   /* static */
	uint64_t entries;
	uint64_t bytes;     /* pages in use × page size */
} sg_db_size;

typedef struct sg_stats {
	uint64_t documents;   /* live documents (N) */
	uint64_t total_len;   /* sum of their lengths in indexed tokens */
	uint64_t terms;       /* distinct terms with df > 0 */
	uint64_t grams;       /* distinct substring grams with df > 0 */
	int substring;        /* the index has substring grams */
	uint64_t postings;    /* sum of df: (term, live document) pairs */
	uint64_t gram_postings; /* the same for grams */
	uint64_t dead;        /* deleted documents whose postings remain */
	uint64_t file_bytes;  /* data.mdb on disk */
	uint32_t block_size;
	sg_db_size dbs[16];   /* each table the index has (n_dbs of them) */
	size_t n_dbs;
	char analyzer[512];
	char fields[256];
	struct { char term[SG_TERM_MAX + 1]; uint64_t df; } top[SG_STATS_TOP];
	size_t n_top;
} sg_stats;

/* Reads the figures of the index in one read transaction. SG_ECORRUPT. */
SG_API int sg_index_stats(sg_index *idx, sg_stats *out, sg_error *err);

/* What sg_index_check read. */
typedef struct sg_check_report {
	uint64_t documents;  /* live documents (N) */
	uint64_t terms;      /* term records, substring grams included */
	uint64_t blocks;     /* postings blocks */
	uint64_t postings;   /* postings decoded, deleted documents' included */
	uint64_t positions;  /* positions decoded */
} sg_check_report;

/* The integrity check (`sagasu check`), in the manner of FTS5's
 * integrity-check and mdb_stat: in ONE read transaction it reads every
 * record of every database and verifies that
 *  - every postings block decodes, its docids rise inside the block and
 *    across the blocks of its term, along the term's chain, and each chain
 *    element's blocks lie in its docid range (every block but its last
 *    holding block_size postings);
 *  - each term record's df and cf equal its live postings' count and tf
 *    sum; its max_tf and min_dl bound them (and equal them when no deleted
 *    document's postings remain: n_dead = 0); each block's max_tf equals
 *    its largest tf and its min_dl bounds its live documents' lengths;
 *  - every positional block has a positions value with tf strictly rising
 *    positions per posting and nothing else; unigram grams have none;
 *  - every `postings` and `positions` key belongs to exactly one term;
 *  - meta stats: N and the total length equal the live documents' count
 *    and length sum; docids and termids stay below next_docid and
 *    next_termid; with n_dead = 0 no posting names a deleted document;
 *  - each live document's tfs over the analyzer's terms sum to its length;
 *  - a length slot is live exactly when a document record exists, with
 *    the same length; `ids` and `docs` are a bijection (each id names the
 *    docid whose record holds that id); every document record decodes, its
 *    texts decompress, and its content hash matches.
 * It does not re-analyze the texts (that costs a rebuild). Its cost is
 * linear in the index, plus a B-tree lookup per document and per id, and
 * it holds 8 bytes a docid and 2 bits a termid of memory.
 *
 * Returns SG_OK when the index is whole (and fills *out, which may be
 * NULL); SG_ECORRUPT when it is not, with err->msg naming the FIRST bad
 * record found as "DATABASE: RECORD: what is wrong", e.g. "terms: term
 * 'クラ' (termid 12): df 5 but its postings hold 4 live documents"; or
 * another code when the check itself could not run (SG_ENOMEM, SG_ESTORE).
 * Writers may commit meanwhile: the check sees the snapshot it began in. */
SG_API int sg_index_check(sg_index *idx, sg_check_report *out, sg_error *err);

/* ---------------------------------------------------------------- sources */

/* Reads documents from a file, a directory or stdin ("-"). */
typedef struct sg_reader sg_reader;

typedef enum sg_format {
	SG_FORMAT_JSONL, /* an object a line: "id" required, fields by name */
	SG_FORMAT_FILES, /* a document a file; a directory is walked */
	SG_FORMAT_LINES, /* a document a non-empty line, id FILE:LINENO */
} sg_format;

/* `fields`: the index's indexed fields, in order (the texts of each doc).
 * SG_EIO (path cannot be opened: the message names it and errno's words),
 * SG_EINVAL (a bad format or field list). */
SG_API int sg_reader_open(const char *path, sg_format format,
			  const char *const *fields, size_t n_fields,
			  sg_reader **out, sg_error *err);

/* The next document: 1 and *doc (valid until the next call), 0 at the end,
 * SG_EINVAL for a record that cannot be read (err says "FILE:LINE: what is
 * wrong"; call again to go on with the next), or another error (fatal).
 * *n_fixed receives the number of invalid UTF-8 sequences replaced by
 * U+FFFD in the record. */
SG_API int sg_reader_next(sg_reader *r, sg_doc *doc, size_t *n_fixed,
			  sg_error *err);

/* Where the reader is: the current file (or "stdin") and line. */
SG_API const char *sg_reader_where(const sg_reader *r, uint64_t *line);

/* Bytes consumed so far and the total to read (0 when unknown: stdin). */
SG_API void sg_reader_progress(const sg_reader *r, uint64_t *done,
			       uint64_t *total);

SG_API void sg_reader_close(sg_reader *r);

/* ---------------------------------------------------------------- writer */

/* Adds, replaces and deletes documents. Documents are analyzed on several
 * threads and their postings gathered in memory; a batch is committed in
 * one LMDB write transaction when the memory budget is reached and at
 * sg_writer_commit. A run killed at any moment leaves the last committed
 * batch; re-adding the same documents skips the unchanged ones. */
typedef struct sg_writer sg_writer;

typedef struct sg_writer_options {
	unsigned threads;   /* analysis threads; 0 = the machine's cores */
	size_t mem_budget;  /* memory budget: a batch commits at 2/5 of it,
			       leaving room for the pages LMDB writes from
			       it; 0 = 256 MiB */
	/* Called (from the calling thread) for a document whose text held
	 * invalid UTF-8, which was replaced by U+FFFD and indexed. */
	void (*warn)(void *ctx, const char *id, size_t id_len,
		     size_t n_invalid);
	void *warn_ctx;
	/* Polled (from the calling thread) by sg_writer_add, while a batch is
	 * written and once a term during compaction: a nonzero return stops
	 * the work, the call returns SG_EINTR and the transaction in progress
	 * is abandoned, so the index holds exactly what was committed before
	 * (a signal handler sets a flag; cancel reads it). NULL: never. */
	int (*cancel)(void *ctx);
	void *cancel_ctx;
} sg_writer_options;

#define SG_WRITER_OPTIONS_INIT { .threads = 0, .mem_budget = 0, \
				 .warn = NULL, .warn_ctx = NULL, \
				 .cancel = NULL, .cancel_ctx = NULL }

/* What a writer did so far. indexed, replaced and deleted count committed
 * work only: a document counts once the batch holding it has committed, so
 * after a failure they say what the index holds of the run (and a re-run
 * of the same input skips that much as unchanged). */
typedef struct sg_writer_counts {
	uint64_t indexed;    /* new documents, committed */
	uint64_t replaced;   /* documents whose id existed, with new content */
	uint64_t unchanged;  /* skipped: same id, same content hash */
	uint64_t deleted;    /* committed deletions */
	uint64_t not_found;  /* deletions of ids the index does not have */
	uint64_t bytes;      /* text bytes queued for analysis */
	uint64_t batches;    /* committed transactions */
	uint64_t pending;    /* additions and deletions not committed (yet) */
} sg_writer_counts;

/* SG_EINVAL (idx was opened read-only), SG_EMECAB (an analysis state per
 * thread), SG_ECORRUPT (the meta stats). A thread that cannot start is
 * not an error: the others, or the calling thread, analyze instead. */
SG_API int sg_writer_open(sg_index *idx, const sg_writer_options *opt,
			  sg_writer **out, sg_error *err);

/* Queues a document (copied; the caller's memory is free after the call).
 * SG_EINVAL: the document is refused (err says why) and nothing else is
 * affected. SG_EINTR: cancel said stop; nothing was queued, and what is
 * queued stays (sg_writer_commit may still commit it). Other errors
 * (SG_ENOMEM, SG_EFULL, a store error) are fatal to the uncommitted
 * batch. */
SG_API int sg_writer_add(sg_writer *w, const sg_doc *doc, sg_error *err);

/* Deletes a document by external id (committed with the next batch).
 * An id the index does not hold is counted (not_found), not an error.
 * SG_EINVAL (an empty or too long id), SG_EINTR. */
SG_API int sg_writer_delete(sg_writer *w, const char *id, size_t len,
			    sg_error *err);

/* Commits everything queued. SG_EFULL: the disk is full (a full LMDB map
 * grows and the batch is rewritten, unseen); SG_EINTR: cancelled, the
 * batch is abandoned. After any failure the index holds the batches
 * committed before, and the writer should be freed. */
SG_API int sg_writer_commit(sg_writer *w, sg_error *err);

/* Rewrites the postings without deleted documents' entries, in one
 * transaction. Commits what is queued first. SG_EINTR: cancelled, and the
 * index is as it was before the compaction. */
SG_API int sg_writer_compact(sg_writer *w, sg_error *err);

SG_API void sg_writer_get_counts(const sg_writer *w, sg_writer_counts *out);

/* Frees the writer; a batch not committed is abandoned. */
SG_API void sg_writer_free(sg_writer *w);

/* ---------------------------------------------------------------- search */

/* A searcher reads one consistent snapshot of the index (an LMDB read
 * transaction) until sg_searcher_refresh; writers commit meanwhile without
 * waiting for it. Results point into the snapshot and into the results. */
typedef struct sg_searcher sg_searcher;

/* The most hits one search may ask for. sg_search allocates its top-k heap
 * up front, so k is bounded (k * the heap entry must never overflow, and a
 * huge k must not be an allocation of gigabytes); above it sg_search fails
 * with SG_ETOOBIG. */
#define SG_SEARCH_K_MAX 1000000

typedef struct sg_search_options {
	size_t k;             /* hits wanted, at most SG_SEARCH_K_MAX; 0 = 10 */
	int or_mode;          /* natural-language mode: a bag of terms, any
				 may match (--or) */
	int exhaustive;       /* score every match, no pruning (--exhaustive) */
	double k1, b;         /* BM25; negative = 1.2 and 0.75. Finite, and
				 b at most 1 (else SG_EINVAL) */
	int explain;          /* fill each hit's per-term explanation */
	size_t snippet_chars; /* 0 = no snippets */
	size_t prefix_cap;    /* terms a prefix expands to; 0 = 128 */
	/* How far sg_results.total is counted exactly (--count). Pruned
	 * evaluation skips documents it need not score, so it knows only a
	 * lower bound of the matches; then a match-only walk (no scoring,
	 * the hits unchanged) counts them up to count_limit: a total of at
	 * most count_limit is exact; a larger one is reported as a lower
	 * bound (total_is_lower_bound), the larger of count_limit and what
	 * pruning counted (as Elasticsearch's track_total_hits).
	 * 0 = no walk (the pruned lower bound as it is); UINT64_MAX (or
	 * SG_SEARCH_COUNT_EXACT) = always exact. A prefix cut by prefix_cap
	 * keeps any total a lower bound. */
	uint64_t count_limit;
	/* Sort keys, applied in order ("[-]FIELD", or "[-]_score" for the
	 * rank; '-' is descending for a field, the worst first for _score),
	 * ties by rank. A FIELD is a declared column (sg_index_options
	 * .columns), an indexed field or a top-level member of the stored
	 * JSON; numbers sort numerically, strings bytewise, a missing value
	 * last either way. Sorting by a field scores every match (no
	 * pruning). NULL/0: by rank. */
	const char *const *sort;
	size_t n_sort;
	/* Filters, all of which a hit satisfies: "FIELD OP VALUE", OP one of
	 * = != < <= > >= (docs/QUERY.md). Ranking stays exact and pruned;
	 * total counts only documents that pass. NULL/0: none. */
	const char *const *filters;
	size_t n_filters;
	/* Polled every 1,024 documents scored or counted: a nonzero return
	 * stops the search, which fails with SG_EINTR (a server's deadline,
	 * a user's Ctrl-C). NULL: never. */
	int (*cancel)(void *ctx);
	void *cancel_ctx;
	/* Synonym groups (sg_synonyms_load): a keyword that is a member of a
	 * group matches any member, scored as one unit (docs/QUERY.md,
	 * Synonyms). Borrowed: it must outlive the search. NULL: none. */
	const struct sg_synonyms *synonyms;
	/* Field weights, "FIELD=W[,FIELD=W...]" (--weights title=3,body=1):
	 * BM25F over the indexed fields (docs/RANKING.md, Field weights),
	 * each W a number above 0 and at most 1000, a field not named 1.
	 * All 1 (or NULL) scores exactly as without. An unknown field or a
	 * bad weight is SG_EINVAL; an index built before per-field
	 * positions refuses weights over two fields or more (SG_EINVAL). */
	const char *weights;
} sg_search_options;

#define SG_SEARCH_COUNT_DEFAULT 10000
#define SG_SEARCH_COUNT_EXACT UINT64_MAX

#define SG_SEARCH_OPTIONS_INIT { .k = 10, .or_mode = 0, .exhaustive = 0, \
				 .k1 = -1.0, .b = -1.0, .explain = 0, \
				 .snippet_chars = 0, .prefix_cap = 0, \
				 .count_limit = SG_SEARCH_COUNT_DEFAULT, \
				 .sort = NULL, .n_sort = 0, .filters = NULL, \
				 .n_filters = 0, .cancel = NULL, \
				 .cancel_ctx = NULL, .synonyms = NULL, \
				 .weights = NULL }

typedef struct sg_explain {
	const char *what;   /* the term, or the phrase's terms joined by ' ' */
	uint32_t tf;        /* in this document (0: did not match) */
	uint64_t df;        /* documents holding it (a phrase: its rarest term) */
	double idf;
	double score;       /* its share of the hit's score */
} sg_explain;

typedef struct sg_span {
	size_t start, end;  /* bytes in the snippet */
} sg_span;

typedef struct sg_hit {
	uint32_t docid;       /* internal; ties break by the lower one */
	double score;
	uint32_t dl;          /* indexed tokens */
	sg_slice id, title, stored;
	sg_slice snippet;     /* when snippets were asked for */
	const sg_span *highlights;
	size_t n_highlights;
	const sg_explain *explain;
	size_t n_explain;
} sg_hit;

typedef struct sg_results {
	const sg_hit *hits;
	size_t n_hits;
	uint64_t total;       /* matching documents ... */
	int total_is_lower_bound; /* ... or at least that many: more than
				     count_limit matched, or a prefix was
				     cut by prefix_cap */
	uint64_t took_us;
	const char *notices;  /* "\n"-separated notes for the user, or "" */
	/* Work done, for benchmarks: */
	uint64_t postings_decoded, blocks_skipped, docs_scored;
	/* Where the time went, in nanoseconds (sagasu bench --profile):
	 * parsing the query; analyzing its words (MeCab, normalization); the
	 * rest of planning (term lookups, cursors, the plan's shape); the
	 * evaluation (decoding, scoring, skipping, counting); building the
	 * hits (records, explanations, snippets). */
	uint64_t parse_ns, analyze_ns, plan_ns, eval_ns, build_ns;
} sg_results;

/* SG_ENOTINDEX (the index holds no committed state yet), SG_EMECAB,
 * SG_ECORRUPT. */
SG_API int sg_searcher_open(sg_index *idx, sg_searcher **out, sg_error *err);
/* Moves to the newest committed state; when nothing was committed since
 * the snapshot it holds (a look at LMDB's meta page), it keeps that one
 * and costs next to nothing, so a server may call it before each request. */
SG_API int sg_searcher_refresh(sg_searcher *s, sg_error *err);
SG_API void sg_searcher_free(sg_searcher *s);

/* Synonym groups, one a line of a UTF-8 file: members separated by
 * commas ("解凍,伸長"), white space around a member ignored, '#' starting
 * a comment line, blank lines skipped. A member is matched against a query
 * keyword after NFKC and case folding (the analyzer's normalization), so
 * "ＬＩＮＵＸ" and "linux" are one. A word in several groups takes the
 * members of all of them. SG_EIO (the file cannot be read), SG_EINVAL (a
 * bad line: err names FILE:LINE and why: an empty member, a group of one,
 * invalid UTF-8, a member longer than SG_TERM_MAX bytes), SG_ENOMEM.
 * The groups are immutable once loaded and may be shared by threads. */
typedef struct sg_synonyms sg_synonyms;
SG_API int sg_synonyms_load(const char *path, sg_synonyms **out,
			    sg_error *err);
/* The same from text in memory; `name` stands for the file in messages. */
SG_API int sg_synonyms_parse(const char *text, size_t len, const char *name,
			     sg_synonyms **out, sg_error *err);
SG_API void sg_synonyms_free(sg_synonyms *s);

/* Runs one query. *out belongs to the caller (sg_results_free); its slices
 * stay valid until sg_searcher_refresh or sg_searcher_free. SG_ESYNTAX:
 * err names the column and what was expected. SG_EINVAL (options: k1, b),
 * SG_ETOOBIG (k above SG_SEARCH_K_MAX, a query past the parser's limits),
 * SG_EINTR (opt->cancel said stop),
 * SG_EMECAB, SG_ECORRUPT (a block or record of the snapshot does not
 * decode). */
SG_API int sg_search(sg_searcher *s, const char *query, size_t len,
		     const sg_search_options *opt, sg_results **out,
		     sg_error *err);
SG_API void sg_results_free(sg_results *r);

/* A stored document, looked up by its external id (sg_searcher_get):
 * slices into the searcher's snapshot (texts: into the searcher's own
 * buffer), valid until the next sg_searcher_get, sg_searcher_refresh or
 * sg_searcher_free. texts[i] is the indexed field fields[i]. */
typedef struct sg_stored_doc {
	sg_slice id, title, stored;
	uint32_t dl;
	const sg_slice *texts;
	size_t n_texts;
	const char *const *fields; /* the index's field names, n_texts of them */
} sg_stored_doc;

/* The live document with external id `id`: SG_OK and *out, SG_ENOTFOUND
 * when there is none (never indexed, or deleted), SG_ECORRUPT. */
SG_API int sg_searcher_get(sg_searcher *s, const char *id, size_t len,
			   sg_stored_doc *out, sg_error *err);

#ifdef __cplusplus
}
#endif

#endif /* SAGASU_H */
