/*
 * lmdbfile.c — which pages of an LMDB data.mdb must exist (lmdbfile.h).
 *
 * The layout read here, from liblmdb 0.9's mdb.c (P = sizeof(pgno_t) =
 * sizeof(size_t); every integer in host order):
 *
 *   page header (PAGEHDRSZ = P + 8 bytes)
 *     +0      pgno       P bytes   the page's own number
 *     +P      pad        u16
 *     +P+2    flags      u16       P_BRANCH 1, P_LEAF 2, P_OVERFLOW 4,
 *                                  P_META 8, P_LEAF2 0x20, P_SUBP 0x40
 *     +P+4    lower      u16       end of the node offsets: NUMKEYS =
 *     +P+6    upper      u16       (lower - PAGEHDRSZ) / 2
 *             (an overflow page has a u32 page count at +P+4 instead)
 *     +P+8    node offsets, u16 each, from the start of the page
 *
 *   node (at its offset)
 *     +0      lo, hi     u16 + u16 one host-order u32: a leaf's data size,
 *                                  or a branch's child pgno (low 32 bits)
 *     +4      flags      u16       a branch: the pgno's bits 32..47;
 *                                  a leaf: F_BIGDATA 1 (the data is the
 *                                  pgno of an overflow page), F_SUBDATA 2,
 *                                  F_DUPDATA 4
 *     +6      ksize      u16
 *     +8      key (ksize bytes), then a leaf's data
 *
 *   meta page (pages 0 and 1; transaction N writes page N % 2), after the
 *   page header:
 *     +0      magic 0xBEEFC0DE u32, +4 data version 1 u32,
 *     +8      address P, +8+P mapsize P,
 *     +8+2P   two MDB_db of 8 + 5P bytes each, FREE_DBI then MAIN_DBI:
 *               +0 pad u32 (FREE_DBI's: the page size), +4 flags u16,
 *               +6 depth u16, +8 branch pages, +8+P leaf pages,
 *               +8+2P overflow pages, +8+3P entries, +8+4P root (P each)
 *     +24+12P last page P, +24+13P txnid P
 *
 *   free DB record: key a txnid, data an ID list of P-byte page numbers,
 *   the first of them the count of those that follow.
 */
#include "lmdbfile.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "sagasu.h"

#define PG ((size_t)sizeof(size_t)) /* pgno_t */
#define HDR (PG + 8)                /* PAGEHDRSZ */
#define P_BRANCH 0x01
#define P_LEAF 0x02
#define P_OVERFLOW 0x04
#define P_META 0x08
#define P_LEAF2 0x20
#define P_SUBP 0x40
#define F_BIGDATA 0x01
#define LMDB_MAGIC 0xBEEFC0DEu
#define LMDB_DATA_VERSION 1u
#define MAX_DEPTH 32 /* LMDB's CURSOR_STACK */
#define P_INVALID (~(uint64_t)0)

struct walk {
	int fd;
	size_t psize;
	uint64_t file_pages;    /* whole pages in the file */
	uint64_t from, to;      /* the tail [from, to) that must be free */
	uint8_t *seen;          /* one bit per tail page found on the list */
	uint64_t n_seen;
	uint64_t visits, max_visits;
	uint64_t need_pgno;     /* a page in use past the end, on TRUNCATED */
	const char *why;
};

static uint16_t get16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return v;
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static uint64_t getpg(const uint8_t *p)
{
	size_t v;

	memcpy(&v, p, PG);
	return (uint64_t)v;
}

/* Reads len bytes at off; -1 on a short read or an error. */
static int read_at(int fd, uint64_t off, void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len) {
		ssize_t n = pread(fd, p, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		off += (uint64_t)n;
		len -= (size_t)n;
	}
	return 0;
}

static int unreadable(struct walk *w, const char *why)
{
	w->why = why;
	return SG_LMDB_UNREADABLE;
}

/* A page the free DB uses: it must lie inside the file. */
static int in_file(struct walk *w, uint64_t pgno, uint64_t n_pages)
{
	if (pgno < w->file_pages && n_pages <= w->file_pages - pgno)
		return SG_LMDB_WHOLE;
	w->need_pgno = pgno + n_pages - 1;
	w->why = "a page of LMDB's free list lies past the end of the file";
	return SG_LMDB_TRUNCATED;
}

/* Marks the free pages of one ID list that lie in the tail. */
static int mark_list(struct walk *w, const uint8_t *data, size_t len)
{
	uint64_t n, i, pg;

	if (len < PG || len % PG)
		return unreadable(w, "a free-list record has a bad size");
	n = getpg(data);
	if (n > len / PG - 1)
		return unreadable(w, "a free-list record counts more pages "
				  "than it holds");
	for (i = 1; i <= n; i++) {
		pg = getpg(data + i * PG);
		if (pg < w->from || pg >= w->to)
			continue;
		pg -= w->from;
		if (!(w->seen[pg / 8] & (1u << (pg % 8)))) {
			w->seen[pg / 8] |= (uint8_t)(1u << (pg % 8));
			w->n_seen++;
		}
	}
	return SG_LMDB_WHOLE;
}

/* A leaf node's data kept on overflow pages: read it and mark it. */
static int mark_overflow(struct walk *w, uint64_t pgno, size_t len)
{
	uint8_t hdr[HDR];
	uint8_t *data;
	uint64_t n_pages;
	int rc;

	rc = in_file(w, pgno, 1);
	if (rc != SG_LMDB_WHOLE)
		return rc;
	if (read_at(w->fd, pgno * w->psize, hdr, HDR) != 0)
		return unreadable(w, "an overflow page of the free list "
				  "cannot be read");
	n_pages = get32(hdr + PG + 4);
	if (getpg(hdr) != pgno || !(get16(hdr + PG + 2) & P_OVERFLOW) ||
	    n_pages == 0 || (uint64_t)len + HDR > n_pages * w->psize)
		return unreadable(w, "an overflow page of the free list is "
				  "not one");
	rc = in_file(w, pgno, n_pages);
	if (rc != SG_LMDB_WHOLE)
		return rc;
	data = sg_malloc(len ? len : 1);
	if (!data)
		return SG_ENOMEM;
	if (read_at(w->fd, pgno * w->psize + HDR, data, len) != 0)
		rc = unreadable(w, "an overflow page of the free list cannot "
				"be read");
	else
		rc = mark_list(w, data, len);
	sg_free(data);
	return rc;
}

/* Walks the free DB's subtree at pgno, depth levels left. */
static int walk_page(struct walk *w, uint64_t pgno, unsigned depth)
{
	uint8_t *page;
	unsigned flags, lower, n, i;
	int rc;

	if (depth == 0 || ++w->visits > w->max_visits)
		return unreadable(w, "LMDB's free list is deeper or larger "
				  "than its meta page says");
	rc = in_file(w, pgno, 1);
	if (rc != SG_LMDB_WHOLE)
		return rc;
	page = sg_malloc(w->psize);
	if (!page)
		return SG_ENOMEM;
	if (read_at(w->fd, pgno * w->psize, page, w->psize) != 0) {
		rc = unreadable(w, "a page of the free list cannot be read");
		goto out;
	}
	flags = get16(page + PG + 2);
	lower = get16(page + PG + 4);
	if (getpg(page) != pgno || lower < HDR || lower > w->psize ||
	    (flags & (P_LEAF2 | P_SUBP | P_META | P_OVERFLOW)) ||
	    !(flags & (P_BRANCH | P_LEAF))) {
		rc = unreadable(w, "a page of the free list is not a B-tree "
				"page");
		goto out;
	}
	n = (unsigned)((lower - HDR) / 2);
	for (i = 0; rc == SG_LMDB_WHOLE && i < n; i++) {
		size_t off = get16(page + HDR + 2 * i), ksize;
		const uint8_t *node = page + off;
		uint64_t v;

		if (off < HDR || off + 8 > w->psize) {
			rc = unreadable(w, "a node of the free list lies "
					"outside its page");
			break;
		}
		v = get32(node);
		ksize = get16(node + 6);
		if (flags & P_BRANCH) {
			if (PG > 4)
				v |= (uint64_t)get16(node + 4) << 32;
			rc = walk_page(w, v, depth - 1);
		} else if (get16(node + 4) & F_BIGDATA) {
			if (off + 8 + ksize + PG > w->psize)
				rc = unreadable(w, "a node of the free list "
						"lies outside its page");
			else
				rc = mark_overflow(w, getpg(node + 8 + ksize),
						   (size_t)v);
		} else if (get16(node + 4)) {
			rc = unreadable(w, "a free-list record has flags of a "
					"sub-database");
		} else if (off + 8 + ksize + v > w->psize) {
			rc = unreadable(w, "a node of the free list lies "
					"outside its page");
		} else {
			rc = mark_list(w, node + 8 + ksize, (size_t)v);
		}
	}
out:
	sg_free(page);
	return rc;
}

int sg_lmdb_tail_check(int fd, uint64_t fsize, size_t psize, uint64_t txnid,
		       uint64_t *need, const char **why)
{
	struct walk w;
	uint8_t meta[HDR + 24 + 14 * sizeof(size_t)];
	const uint8_t *m = meta + HDR, *fdb = m + 8 + 2 * PG;
	uint64_t last, root, i;
	int rc;

	*need = 0;
	*why = "";
	if (psize < 2 * HDR || psize > 65536) {
		*why = "its page size is not LMDB's";
		return SG_LMDB_UNREADABLE;
	}
	if (read_at(fd, (txnid % 2) * psize, meta, sizeof(meta)) != 0) {
		*why = "its meta page cannot be read";
		return SG_LMDB_UNREADABLE;
	}
	if (!(get16(meta + PG + 2) & P_META) || get32(m) != LMDB_MAGIC ||
	    get32(m + 4) != LMDB_DATA_VERSION || get32(fdb) != psize) {
		*why = "its meta page is not LMDB's";
		return SG_LMDB_UNREADABLE;
	}
	if (getpg(m + 24 + 13 * PG) != txnid) {
		*why = "a newer transaction rewrote the meta page";
		return SG_LMDB_STALE;
	}
	last = getpg(m + 24 + 12 * PG);
	memset(&w, 0, sizeof(w));
	w.fd = fd;
	w.psize = psize;
	w.file_pages = fsize / psize;
	w.from = w.file_pages;
	w.to = last + 1;
	if (w.to <= w.from)
		return SG_LMDB_WHOLE;
	root = getpg(fdb + 8 + 4 * PG);
	/* Branch, leaf and overflow pages of the free DB, and slack. */
	w.max_visits = getpg(fdb + 8) + getpg(fdb + 8 + PG) + 2;
	w.seen = sg_calloc((size_t)((w.to - w.from + 7) / 8), 1);
	if (!w.seen)
		return SG_ENOMEM;
	rc = root == P_INVALID || (size_t)root == (size_t)-1 ? SG_LMDB_WHOLE :
	     walk_page(&w, root, get16(fdb + 6) ? get16(fdb + 6) : 1);
	if (rc == SG_LMDB_WHOLE && w.n_seen < w.to - w.from) {
		/* The highest tail page that is not free. */
		for (i = w.to - w.from; i-- > 0;)
			if (!(w.seen[i / 8] & (1u << (i % 8))))
				break;
		w.need_pgno = w.from + i;
		w.why = "a page in use lies past the end of the file";
		rc = SG_LMDB_TRUNCATED;
	}
	if (rc == SG_LMDB_TRUNCATED)
		*need = (w.need_pgno + 1) * psize;
	*why = w.why ? w.why : "";
	sg_free(w.seen);
	return rc;
}
