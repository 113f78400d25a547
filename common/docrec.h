/*
 * docrec.h — the document record stored in the `docs` database.
 *
 *   +-------------------------------------------------------------+
 *   | dl        varint   indexed tokens (the BM25 length)         |
 *   | hash      8 bytes  XXH3-64 of everything after it, BE      |
 *   | id        varint length + bytes                            |
 *   | title     varint length + bytes                            |
 *   | n_texts   varint, then n_texts × (varint length + bytes)   |
 *   | stored    varint length + bytes (a JSON object, or empty)  |
 *   +-------------------------------------------------------------+
 *
 * The texts are the original (not normalized) indexed fields, in the order
 * of the index's field list: re-analyzing them reproduces the document's
 * terms and positions exactly, which deletions and snippets rely on.
 */
#ifndef SG_DOCREC_H
#define SG_DOCREC_H

#include <stdint.h>

#include "buf.h"
#include "sagasu.h"

typedef struct sg_docrec {
	uint32_t dl;
	uint64_t hash;
	sg_slice id, title, stored;
	sg_slice texts[SG_FIELDS_MAX];
	size_t n_texts;
} sg_docrec;

/* The XXH3-64 content hash of a document (what the record's hash holds). */
uint64_t sg_docrec_hash(const sg_doc *doc, sg_buf *scratch);

/* Appends the record of doc with length dl and content hash `hash`. */
int sg_docrec_encode(sg_buf *out, const sg_doc *doc, uint32_t dl,
		     uint64_t hash);

/* Decodes a stored record; slices point into val. 0 or SG_ECORRUPT. */
int sg_docrec_decode(sg_docrec *r, const void *val, size_t len);

#endif
