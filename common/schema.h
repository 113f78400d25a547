/*
 * schema.h — the tables of an index and the layout of their keys.
 *
 * An index is one LMDB environment holding the named databases below.
 * docs/FORMAT.md specifies every key and value byte by byte; this header
 * is the code's copy of the table list and of the one composite key
 * (postings and positions). Value layouts are decoded where they are owned:
 * block.h (postings blocks and positions), docrec.h (documents), index.h
 * (term records, meta records, lengths chunks).
 */
#ifndef SG_SCHEMA_H
#define SG_SCHEMA_H

#include <stdint.h>

#include "byteorder.h"

enum sg_dbi {
	SG_DB_META,      /* string key -> value: magic, format, analyzer, stats */
	SG_DB_TERMS,     /* term bytes -> termid, df, cf, max_tf, min_dl */
	SG_DB_POSTINGS,  /* (termid, first docid) -> block of docid gaps + tfs */
	SG_DB_POSITIONS, /* (termid, first docid) -> positions of that block */
	SG_DB_DOCS,      /* docid -> document record */
	SG_DB_IDS,       /* external id -> docid */
	SG_DB_LENGTHS,   /* docid / 1024 -> 1024 document lengths */
	SG_DB_COLUMNS,   /* (column, docid) -> value of a declared column;
			    absent from indexes made before it (optional) */
	SG_DB_FIELDPOS,  /* docid -> each indexed field's extent and length
			    (fieldpos.h); optional as columns */
	SG_DB_COUNT
};

/* The tables an index may lack (made by an older sagasu): opened when
 * present, and then empty for every purpose. */
#define SG_DB_OPTIONAL ((1u << SG_DB_COLUMNS) | (1u << SG_DB_FIELDPOS))

/* A postings or positions key: termid then first docid, both big-endian. */
#define SG_PKEY_LEN 8
static inline void sg_pkey_put(uint8_t *k, uint32_t termid, uint32_t docid)
{
	sg_be32_put(k, termid);
	sg_be32_put(k + 4, docid);
}

/* A `columns` key: the column's number (its place in meta "columns"),
 * then the docid, big-endian, so one column's values lie in docid order. */
#define SG_CKEY_LEN 5
static inline void sg_ckey_put(uint8_t *k, unsigned column, uint32_t docid)
{
	k[0] = (uint8_t)column;
	sg_be32_put(k + 1, docid);
}

#endif
