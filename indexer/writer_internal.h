/*
 * writer_internal.h — what the files of the writer share: its state, and
 * one section for the interface each file offers the others.
 *
 *   writer.c    the public API (sagasu.h's sg_writer_...): checks a
 *               document, skips an unchanged one, queues it into a chunk
 *   ids.c       the batch's id set: which ids the batch adds or deletes
 *   analyze.c   the analysis threads: a chunk's documents into terms
 *   batch.c     accumulating analyzed chunks into the batch, and the flush:
 *               the whole batch in one write transaction, redone when the
 *               map grows
 *   delete.c    removing a stored document inside the flush's transaction
 *
 * The life of a document:
 *
 *   sg_writer_add ──► unchanged? (same id and XXH3 in the index or batch): skip
 *        │
 *        ▼ copied into the CHUNK (up to CHUNK_DOCS documents or CHUNK_BYTES)
 *   analysis          the worker threads take documents from the chunk and
 *        │            turn each into a list of (term, tf, positions),
 *        │            while this thread fills the next chunk (two in turn)
 *        ▼
 *   accumulate        in input order: a docid each, postings into the BATCH
 *        │            (accum.h), the document record into the batch too
 *        ▼ when the batch holds its share of mem_budget, or at commit
 *   flush             one LMDB write transaction: deletions, each term's
 *                     new blocks under a fresh termid (appended), term
 *                     records, documents, ids, lengths, stats. A full map
 *                     grows and the same in-memory batch is written again.
 *
 * Docids grow and are never reused, so a term's new postings always come
 * after its existing ones: a flush writes them under a new termid appended
 * to the term's chain (index.h), so that every block key it writes is larger
 * than every stored one and LMDB fills its pages (MDB_APPEND).
 *
 * Deleting a document (sg_writer_delete, or replacing it) re-analyzes its
 * stored text to find its terms and lowers their df and cf; its length slot
 * becomes SG_DL_DEAD so queries skip its postings until sg_writer_compact
 * rewrites them.
 */
#ifndef SG_WRITER_INTERNAL_H
#define SG_WRITER_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "accum.h"
#include "buf.h"
#include "error.h"
#include "fieldpos.h"
#include "index.h"
#include "postings_write.h"
#include "sagasu.h"

#define CHUNK_DOCS 256
#define CHUNK_BYTES ((size_t)1 << 20)
#define MAX_THREADS 64

/* ------------------------------------------------------------ the state */

/* One document waiting in the chunk. Its slices point into chunk_arena by
 * offset (the arena may move while the chunk fills). */
struct pending {
	size_t id_off, id_len, title_off, title_len, stored_off, stored_len;
	size_t text_off[SG_FIELDS_MAX], text_len[SG_FIELDS_MAX];
	uint64_t hash;
	uint32_t old_docid; /* the docid it replaces, or 0 */
	/* Filled by analysis: */
	sg_buf terms;       /* its terms (sg_worker_analyze's encoding) */
	sg_buf section;     /* its texts, packed (compressed) for the record */
	unsigned section_flags;
	uint32_t dl;
	sg_fieldspan spans[SG_FIELDS_MAX];
	size_t n_invalid;
	int rc;
	sg_error err;
};

/* Documents on their way to the batch, analyzed together. */
struct chunk {
	struct pending docs[CHUNK_DOCS];
	size_t n;
	sg_buf arena;         /* every document's bytes (pending offsets) */
	atomic_size_t next;   /* the next document a worker takes */
	pthread_t threads[MAX_THREADS];
	unsigned n_threads;   /* started for it */
};

/* Per-thread analysis state. */
struct worker {
	sg_writer *w;
	struct chunk *chunk;  /* the chunk it analyzes */
	sg_buf scratch;       /* packing a document's texts */
	sg_analysis *an;
	sg_buf arena;        /* term bytes of the current document */
	struct occ { uint32_t pos, next; } *occ; /* a term's positions, linked */
	size_t cap_occ;
	struct group {                           /* a distinct term */
		uint64_t hash;
		uint32_t gen, off, len, first, last, tf, order;
	} *table;                                /* open addressing */
	size_t n_slots, n_groups;
	uint32_t gen;
};

/* A batch document, committed at the next flush. */
struct batch_doc {
	uint32_t docid, dl;
	size_t rec_off, rec_len; /* its record in batch_recs */
	size_t fp_off, fp_len;   /* its fieldpos record in batch_fieldpos */
};

/* An id the batch adds or deletes: no id may do both in one batch. */
struct batch_id {
	uint64_t hash;
	size_t off, len;     /* into the set's arena; len 0: a free slot */
	uint64_t doc_hash;   /* content hash of the added document */
	int deleted;
};

/* The batch's ids: open addressing, n_slots a power of 2. */
typedef struct sg_idset {
	struct batch_id *slots;
	size_t n, n_slots;
	sg_buf arena;        /* the ids' bytes */
} sg_idset;

struct sg_writer {
	sg_index *idx;
	sg_writer_options opt;
	sg_cancel cancel;       /* opt.cancel, for the polls of long writes */
	sg_buf col_strs, col_val; /* a document's column values, written */
	unsigned n_threads;
	struct worker workers[MAX_THREADS];

	/* Two chunks: one fills while the other is analyzed by the worker
	 * threads, so that reading and accumulating (this thread) overlap
	 * with analysis (theirs). */
	struct chunk chunks[2];
	struct chunk *fill;     /* receives sg_writer_add's documents */
	struct chunk *busy;     /* being analyzed, or NULL */
	struct worker mainwk;   /* this thread's analysis (deletions) */

	/* The batch. */
	sg_accum accum;
	struct batch_doc *docs;
	size_t n_docs, cap_docs;
	sg_buf batch_recs;
	sg_buf batch_fieldpos;   /* the batch's fieldpos records */
	uint64_t field_totals[SG_FIELDS_MAX]; /* meta "fieldstats", while a
						 batch is written */
	uint32_t *deletes;
	size_t n_deletes, cap_deletes;
	sg_idset ids;

	uint32_t next_docid;    /* the docid the next accumulated doc gets */
	MDB_txn *rtxn;          /* committed state, for id look-ups */
	sg_buf scratch;
	sg_buf chain;           /* a term record's chain being extended */
	sg_block_writer bw;     /* the flush's blocks */
	/* What the summary reports: indexed, replaced and deleted count
	 * committed work only. A document is first queued (q_: in a chunk),
	 * then in the batch (b_: accumulated, or a deletion), and moves into
	 * counts when its batch commits (flush). */
	sg_writer_counts counts;
	uint64_t q_indexed, q_replaced;
	uint64_t b_indexed, b_replaced, b_deleted;
};

/* ------------------------------------------------------------ interface to ids.c */

/* The batch's entry of id (h its XXH3-64), or NULL. */
struct batch_id *sg_idset_find(const sg_idset *s, const char *id,
			       size_t len, uint64_t h);
/* Adds id (not in the set). 0 or SG_ENOMEM. */
int sg_idset_insert(sg_idset *s, const char *id, size_t len, uint64_t h,
		    uint64_t doc_hash, int deleted);
/* Empties the set, keeping its memory. */
void sg_idset_clear(sg_idset *s);
/* Bytes the set holds (what the batch's budget counts). */
size_t sg_idset_bytes(const sg_idset *s);
void sg_idset_release(sg_idset *s);

/* ------------------------------------------------------------ interface to analyze.c */

/* Readies a worker of w (its own sg_analysis). 0 or an error. */
int sg_worker_init(struct worker *wk, sg_writer *w, int terms_only,
		   sg_error *err);
void sg_worker_release(struct worker *wk);

/* Analyzes the indexed fields `texts` of one document into `out`: each
 * distinct term once (sg_analyzed_next reads them back), *dl its length
 * for BM25, spans[0..n_texts) (unless NULL) each field's extent and
 * length (fieldpos.h), *n_invalid the invalid UTF-8 sequences replaced. Shared by
 * indexing (the threads) and deletion (w->mainwk). */
int sg_worker_analyze(struct worker *wk, const sg_slice *texts,
		      size_t n_texts, sg_buf *out, uint32_t *dl,
		      sg_fieldspan *spans, size_t *n_invalid, sg_error *err);

/* One term of sg_worker_analyze's output. */
struct analyzed_term {
	const char *term;
	size_t len;
	uint64_t hash;           /* XXH3-64 of the term */
	uint32_t tf;
	const uint8_t *pos;      /* its encoded positions (accum.h) */
	size_t pos_len;          /* 0 for a unigram (index.h) */
};

/* The next term of the buffer [*q, end): 1 (advancing *q), 0 at the end,
 * or SG_ECORRUPT. */
int sg_analyzed_next(const uint8_t **q, const uint8_t *end,
		     struct analyzed_term *t);

/* The texts of a pending document of chunk c. */
void sg_chunk_texts(const sg_writer *w, const struct chunk *c,
		    const struct pending *p, sg_slice *texts);
/* Starts the analysis of c on the worker threads (w->busy = c). */
void sg_chunk_analyze_start(sg_writer *w, struct chunk *c);
/* Waits for the analysis of w->busy; the first document's error. */
int sg_chunk_analyze_finish(sg_writer *w, sg_error *err);
/* Abandons the analysis of w->busy and joins its threads. */
void sg_chunk_analyze_stop(sg_writer *w);
void sg_chunk_release(struct chunk *c);

/* ------------------------------------------------------------ interface to batch.c */

/* Hands the filled chunk to the workers and accumulates the one they
 * analyzed before; flushes when the batch is over its budget. */
int sg_batch_queue_chunk(sg_writer *w, sg_error *err);
/* Commits everything queued: both chunks and the batch. */
int sg_batch_commit(sg_writer *w, sg_error *err);
/* Queues the deletion of a stored docid with the batch. 0 or SG_ENOMEM
 * (err untouched). */
int sg_batch_add_delete(sg_writer *w, uint32_t docid);
void sg_batch_release(sg_writer *w);

/* ------------------------------------------------------------ interface to delete.c */

/* Removes docid from the index inside txn (the flush's), updating ms. */
int sg_delete_doc(sg_writer *w, MDB_txn *txn, uint32_t docid,
		  sg_meta_stats *ms, sg_error *err);

#endif
