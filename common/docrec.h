/*
 * docrec.h — the document record stored in the `docs` database.
 *
 *   +-------------------------------------------------------------+
 *   | dl        varint   indexed tokens (the BM25 length)         |
 *   | hash      8 bytes  XXH3-64 of the content, big-endian      |
 *   | id        varint length + bytes                            |
 *   | title     varint length + bytes                            |
 *   | stored    varint length + bytes (a JSON object, or empty)  |
 *   | flags     1 byte: bit 0 = the texts section is zstd       |
 *   | texts     varint length + bytes: the texts section         |
 *   +-------------------------------------------------------------+
 *   texts section (after zstd decompression when bit 0 is set):
 *     n_texts varint, then n_texts × (varint length + bytes)
 *
 * The texts are the original (not normalized) indexed fields, in the order
 * of the index's field list: re-analyzing them reproduces the document's
 * terms and positions exactly, which deletions and snippets rely on. They
 * are compressed with zstd (level 3) when that saves a tenth or more; the
 * id, title and stored fields, which every hit shows, are not, so a search
 * that prints no snippet never decompresses anything. Compressed Japanese
 * text is about a third of its size, and small records stay inside LMDB's
 * leaf pages instead of taking overflow pages of their own.
 *
 * The content hash covers id, title, stored and the uncompressed texts
 * section, so it does not depend on compression.
 */
#ifndef SG_DOCREC_H
#define SG_DOCREC_H

#include <stdint.h>

#include "buf.h"
#include "sagasu.h"

#define SG_DOCREC_ZSTD 1u

typedef struct sg_docrec {
	uint32_t dl;
	uint64_t hash;
	sg_slice id, title, stored;
	unsigned flags;
	sg_slice section;                /* the texts section as stored */
	sg_slice texts[SG_FIELDS_MAX];   /* after sg_docrec_texts */
	size_t n_texts;
} sg_docrec;

/* The XXH3-64 content hash of a document (what the record's hash holds)
 * into *hash; 0 or SG_ENOMEM. */
int sg_docrec_hash(const sg_doc *doc, sg_buf *scratch, uint64_t *hash);

/* Appends the record of doc with length dl and content hash `hash`;
 * `scratch` is working memory. */
int sg_docrec_encode(sg_buf *out, const sg_doc *doc, uint32_t dl,
		     uint64_t hash, sg_buf *scratch);

/* The two halves of sg_docrec_encode, so that the costly one (compressing
 * the texts) can run on an analysis thread: sg_docrec_pack_texts writes the
 * texts section into `section` (reset first) and its flags into *flags;
 * sg_docrec_encode_packed appends the record around it. */
int sg_docrec_pack_texts(const sg_doc *doc, sg_buf *section,
			 unsigned *flags, sg_buf *scratch);
int sg_docrec_encode_packed(sg_buf *out, const sg_doc *doc, uint32_t dl,
			    uint64_t hash, unsigned flags,
			    const void *section, size_t section_len);

/* Decodes a stored record's header; slices point into val. The texts are
 * not read: call sg_docrec_texts. 0 or SG_ECORRUPT. */
int sg_docrec_decode(sg_docrec *r, const void *val, size_t len);

/* Fills r->texts and r->n_texts, decompressing into `scratch` when needed
 * (the slices then point into scratch). 0, SG_ECORRUPT or SG_ENOMEM. */
int sg_docrec_texts(sg_docrec *r, sg_buf *scratch);

#endif
