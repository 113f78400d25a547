/*
 * normalize.c — NFKC + case folding with an offset map (see normalize.h).
 *
 * The loop walks the input once. Each step takes one segment: a starter
 * character and the characters that may combine with it. Three fast paths
 * cover nearly all Japanese text without calling utf8proc:
 *   - ASCII: copied, A-Z lowered, NUL turned into a space;
 *   - hiragana, katakana, CJK ideographs and a few CJK punctuation marks
 *     (fast_stable() below; tests/test_normalize.c checks every one of them
 *     against utf8proc) are copied as they are;
 *   - full-width ASCII U+FF01..U+FF5E and the ideographic space U+3000 map to
 *     ASCII (their NFKC decompositions are exactly that), then A-Z lowered.
 * A fast path applies only when the NEXT character cannot combine with the
 * current one (e.g. カ + ﾞ must become ガ). Everything else goes through
 * utf8proc: utf8proc_decompose (compatibility decomposition, case folding,
 * canonical reordering) then utf8proc_normalize_utf32 (composition).
 */
#include "alloc.h"
#include "normalize.h"

#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "sagasu.h"

/* Options of the slow path: NFKC_Casefold as utf8proc_NFKC_Casefold does it
 * (default ignorables such as U+200B and U+00AD are removed). */
#define NORM_OPTS (UTF8PROC_STABLE | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD | \
		   UTF8PROC_IGNORE | UTF8PROC_COMPOSE)

/* A segment holds at most this many input characters; a longer run of
 * combining marks continues in a new segment. The decomposition of one
 * character is at most 18 code points (U+FDFA), so SEG_CHARS * 18 fits. */
#define SEG_CHARS 32
#define SEG_CPS 1024

static const unsigned char BOM[3] = { 0xEF, 0xBB, 0xBF };

/*
 * Decodes one UTF-8 sequence at p (p < end). Returns its length and sets *cp
 * when valid; when invalid, returns the length of the maximal subpart (>= 1)
 * and sets *cp to -1. Overlongs, surrogates and values above U+10FFFF are
 * invalid (the table of well-formed sequences, Unicode chapter 3, D92).
 */
static size_t decode(const unsigned char *p, const unsigned char *end,
		     int32_t *cp)
{
	unsigned b0 = p[0], lo = 0x80, hi = 0xBF;
	size_t need, k;
	int32_t c;

	if (b0 < 0x80) {
		*cp = (int32_t)b0;
		return 1;
	}
	if (b0 >= 0xC2 && b0 <= 0xDF) {
		need = 1;
		c = (int32_t)(b0 & 0x1F);
	} else if (b0 >= 0xE0 && b0 <= 0xEF) {
		need = 2;
		c = (int32_t)(b0 & 0x0F);
		if (b0 == 0xE0)
			lo = 0xA0;
		else if (b0 == 0xED)
			hi = 0x9F;
	} else if (b0 >= 0xF0 && b0 <= 0xF4) {
		need = 3;
		c = (int32_t)(b0 & 0x07);
		if (b0 == 0xF0)
			lo = 0x90;
		else if (b0 == 0xF4)
			hi = 0x8F;
	} else {
		*cp = -1;
		return 1;
	}
	for (k = 1; k <= need; k++) {
		if (p + k >= end || p[k] < lo || p[k] > hi) {
			*cp = -1;
			return k;
		}
		c = (c << 6) | (int32_t)(p[k] & 0x3F);
		lo = 0x80;
		hi = 0xBF;
	}
	*cp = c;
	return need + 1;
}

size_t sg_utf8_next(const char *p, const char *end, int32_t *cp)
{
	size_t n = decode((const unsigned char *)p, (const unsigned char *)end,
			  cp);

	if (*cp < 0)
		*cp = 0xFFFD;
	return n;
}

/* Characters whose NFKC_Casefold is themselves and whose decomposition (if
 * any) starts with a starter: copied as they are when no combining character
 * follows. */
static int fast_stable(int32_t c)
{
	return (c >= 0x4E00 && c <= 0x9FFF) ||  /* CJK unified ideographs */
	       (c >= 0x3041 && c <= 0x3096) ||  /* hiragana */
	       (c >= 0x30A1 && c <= 0x30FE) ||  /* katakana, ・ ー ヽ ヾ */
	       (c >= 0x3001 && c <= 0x3002) ||  /* 、 。 */
	       c == 0x3005 ||                   /* 々 */
	       (c >= 0x300C && c <= 0x300F);    /* 「 」 『 』 */
}

static int is_mark_or_nonstarter(int32_t c)
{
	const utf8proc_property_t *pr;

	/* Hangul vowel and trailing jamo compose with what precedes them
	 * although their combining class is 0. */
	if ((c >= 0x1161 && c <= 0x1175) || (c >= 0x11A8 && c <= 0x11C2))
		return 1;
	pr = utf8proc_get_property(c);
	return pr->combining_class != 0 || pr->category == UTF8PROC_CATEGORY_MN ||
	       pr->category == UTF8PROC_CATEGORY_MC ||
	       pr->category == UTF8PROC_CATEGORY_ME;
}

/* 1 when c may combine with the character before it under NFKC: its
 * compatibility decomposition starts with a non-starter or a mark. */
static int combines(int32_t c)
{
	utf8proc_int32_t d[32];
	utf8proc_ssize_t r;
	int bc = 0;

	if (c < 0x80 || fast_stable(c))
		return 0;
	if (is_mark_or_nonstarter(c))
		return 1;
	if (utf8proc_get_property(c)->decomp_seqindex == UINT16_MAX)
		return 0;
	r = utf8proc_decompose_char(c, d, 32, UTF8PROC_COMPAT | UTF8PROC_DECOMPOSE,
				    &bc);
	if (r <= 0 || r > 32)
		return 0;
	return is_mark_or_nonstarter(d[0]);
}

/* Does the character at p (p may equal end) combine with the one before? */
static int next_combines(const unsigned char *p, const unsigned char *end)
{
	int32_t c;

	if (p >= end || *p < 0x80)
		return 0;
	(void)decode(p, end, &c);
	return c >= 0 && combines(c);
}

/* Makes room for `extra` more bytes of text and map entries. */
static int reserve(sg_norm *n, size_t extra)
{
	uint32_t *m;

	if (sg_buf_reserve(&n->text, extra) != SG_OK)
		return SG_ENOMEM;
	if (n->map_cap < n->text.cap) {
		m = sg_realloc(n->map, n->text.cap * sizeof(*m));
		if (!m)
			return SG_ENOMEM;
		n->map = m;
		n->map_cap = n->text.cap;
	}
	return SG_OK;
}

/* Appends the normalization of the valid UTF-8 segment s[start, stop),
 * every byte mapped to `start`. */
static int put_segment(sg_norm *n, const unsigned char *s, size_t start,
		       size_t stop, size_t rest)
{
	utf8proc_int32_t cps[SEG_CPS];
	utf8proc_ssize_t k, ncp;
	size_t o, j;

	ncp = utf8proc_decompose(s + start, (utf8proc_ssize_t)(stop - start),
				 cps, SEG_CPS, NORM_OPTS);
	if (ncp >= 0 && ncp <= SEG_CPS)
		ncp = utf8proc_normalize_utf32(cps, ncp, NORM_OPTS);
	if (ncp < 0 || ncp > SEG_CPS) {
		/* Cannot happen for valid input within SEG_CHARS; keep the
		 * original bytes rather than lose text. */
		if (reserve(n, stop - start + rest) != SG_OK)
			return SG_ENOMEM;
		for (j = start; j < stop; j++) {
			n->map[n->text.len] = (uint32_t)start;
			n->text.data[n->text.len++] = (char)s[j];
		}
		return SG_OK;
	}
	/* 4 bytes per code point at most, and keep room for the rest of the
	 * input at one output byte per input byte (the fast paths' rate). */
	if (reserve(n, (size_t)ncp * 4 + rest) != SG_OK)
		return SG_ENOMEM;
	o = n->text.len;
	for (k = 0; k < ncp; k++) {
		utf8proc_ssize_t w = utf8proc_encode_char(
			cps[k], (utf8proc_uint8_t *)n->text.data + o);
		for (j = 0; j < (size_t)w; j++)
			n->map[o + j] = (uint32_t)start;
		o += (size_t)w;
	}
	n->text.len = o;
	return SG_OK;
}

int sg_normalize(sg_norm *n, const char *text, size_t len)
{
	const unsigned char *s = (const unsigned char *)text;
	const unsigned char *end = s + len;
	unsigned char *out;
	uint32_t *map;
	size_t i = 0, o, start, nchars;
	int32_t c;
	int rc;

	sg_buf_reset(&n->text);
	n->invalid = 0;
	n->orig_len = 0;
	if (len > SG_NORM_MAX_INPUT)
		return SG_ETOOBIG;
	/* Fast paths never emit more bytes than they consume, so reserving
	 * len (+ slack) up front lets them write without checks; the other
	 * paths reserve for themselves plus the rest of the input. */
	if (reserve(n, len + 16) != SG_OK)
		return SG_ENOMEM;
	if (len >= 3 && !memcmp(s, BOM, 3))
		i = 3;
	o = 0;
	out = (unsigned char *)n->text.data;
	map = n->map;
	while (i < len) {
		unsigned b = s[i];

		if (b < 0x80) {
			if (i + 1 == len || s[i + 1] < 0x80 ||
			    !next_combines(s + i + 1, end)) {
				if (b - 'A' < 26u)
					b += 'a' - 'A';
				else if (b == 0)
					b = ' ';
				out[o] = (unsigned char)b;
				map[o++] = (uint32_t)i++;
				continue;
			}
		} else if (b >= 0xE3 && b <= 0xEF && i + 2 < len &&
			   (s[i + 1] & 0xC0) == 0x80 && (s[i + 2] & 0xC0) == 0x80) {
			/* E3..EF: a 3-byte sequence, always well formed here
			 * (E3..EC and EE..EF take any continuation; ED's
			 * surrogates fall outside the ranges tested below). */
			c = (int32_t)((b & 0x0F) << 12 | (s[i + 1] & 0x3Fu) << 6 |
				      (s[i + 2] & 0x3Fu));
			if (fast_stable(c) && !next_combines(s + i + 3, end)) {
				out[o] = (unsigned char)b;
				out[o + 1] = s[i + 1];
				out[o + 2] = s[i + 2];
				map[o] = map[o + 1] = map[o + 2] = (uint32_t)i;
				o += 3;
				i += 3;
				continue;
			}
			if ((c == 0x3000 || (c >= 0xFF01 && c <= 0xFF5E)) &&
			    !next_combines(s + i + 3, end)) {
				b = c == 0x3000 ? ' ' : (unsigned)(c - 0xFEE0);
				if (b - 'A' < 26u)
					b += 'a' - 'A';
				out[o] = (unsigned char)b;
				map[o++] = (uint32_t)i;
				i += 3;
				continue;
			}
		}
		/* The slow paths. */
		n->text.len = o;
		start = i;
		i += decode(s + i, end, &c);
		if (c < 0) {
			/* Invalid: one U+FFFD for the maximal subpart. */
			if (reserve(n, 3 + (len - i)) != SG_OK)
				return SG_ENOMEM;
			o = n->text.len;
			memcpy(n->text.data + o, "\xEF\xBF\xBD", 3);
			n->map[o] = n->map[o + 1] = n->map[o + 2] = (uint32_t)start;
			n->text.len = o + 3;
			n->invalid++;
		} else if (c == 0) {
			/* NUL followed by a combining mark: still a space. */
			if (reserve(n, 1 + (len - i)) != SG_OK)
				return SG_ENOMEM;
			n->map[n->text.len] = (uint32_t)start;
			n->text.data[n->text.len++] = ' ';
		} else {
			for (nchars = 1; nchars < SEG_CHARS && i < len; nchars++) {
				int32_t c2;
				size_t w = decode(s + i, end, &c2);

				if (c2 <= 0 || !combines(c2))
					break;
				i += w;
			}
			rc = put_segment(n, s, start, i, len - i);
			if (rc != SG_OK)
				return rc;
		}
		o = n->text.len;
		out = (unsigned char *)n->text.data;
		map = n->map;
	}
	n->text.len = o;
	n->text.data[o] = '\0';
	map[o] = (uint32_t)len;
	n->orig_len = len;
	return SG_OK;
}

/* The length of a hyphen-like mark at t[0, end) the hyphen rule turns into
 * ー, or 0: - U+002D, ‐ U+2010, ‒ U+2012, – U+2013, − U+2212 (U+2011 and
 * the full-width U+FF0D are already U+2010 and '-' after NFKC). */
static size_t hyphen_at(const unsigned char *t, const unsigned char *end)
{
	if (*t == '-')
		return 1;
	if (end - t >= 3 && t[0] == 0xE2 &&
	    ((t[1] == 0x80 && (t[2] == 0x90 || t[2] == 0x92 || t[2] == 0x93)) ||
	     (t[1] == 0x88 && t[2] == 0x92)))
		return 3;
	return 0;
}

/* Is the 3-byte character ending at t (t - 3 >= start) a katakana letter
 * U+30A1..U+30FA or ー U+30FC? */
static int katakana_before(const unsigned char *start, const unsigned char *t)
{
	unsigned cp;

	if (t - start < 3 || t[-3] != 0xE3)
		return 0;
	cp = 0x3000u | (t[-2] & 0x3Fu) << 6 | (t[-1] & 0x3Fu);
	return (cp >= 0x30A1 && cp <= 0x30FA) || cp == 0x30FC;
}

static int ascii_alnum(unsigned c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	       (c >= 'A' && c <= 'Z');
}

/* ヴ U+30F4 and what it becomes before ァ ィ ェ ォ (U+30A1 A3 A7 A9):
 * バ ビ ベ ボ; alone ブ. Last bytes of the UTF-8 E3 8x xx forms. */
#define VU "\xE3\x83\xB4"
#define CHOON_UTF8 "\xE3\x83\xBC"

/* One rewrite at t, or 0 bytes consumed: the bytes to emit in out[3]. */
static size_t variant_at(const unsigned char *start, const unsigned char *t,
			 const unsigned char *end, int v, int hyphen,
			 unsigned char out[3])
{
	size_t h;

	if (v && end - t >= 3 && !memcmp(t, VU, 3)) {
		static const unsigned char small[4] = { 0xA1, 0xA3, 0xA7, 0xA9 };
		static const unsigned char big[4] = { 0x90, 0x93, 0x99, 0x9C };
		size_t k;

		out[0] = 0xE3;
		out[1] = 0x83;
		out[2] = 0x96; /* ブ */
		if (end - t >= 6 && t[3] == 0xE3 && t[4] == 0x82)
			for (k = 0; k < 4; k++)
				if (t[5] == small[k]) {
					out[2] = big[k];
					return 6;
				}
		return 3;
	}
	if (hyphen && (h = hyphen_at(t, end)) != 0 &&
	    katakana_before(start, t) && (t + h == end || !ascii_alnum(t[h]))) {
		memcpy(out, CHOON_UTF8, 3);
		return h;
	}
	return 0;
}

int sg_norm_variants(sg_norm *n, int v, int hyphen)
{
	const unsigned char *t = (const unsigned char *)n->text.data;
	const unsigned char *end = t + n->text.len, *p;
	unsigned char rep[3];
	sg_buf text = SG_BUF_INIT;
	uint32_t *map;
	size_t o = 0, used, len = n->text.len;

	/* Most texts have nothing to rewrite: look before allocating. */
	for (p = t; p < end; p++)
		if (variant_at(t, p, end, v, hyphen, rep))
			break;
	if (p == end)
		return SG_OK;
	/* A rewrite emits at most 3 bytes for each byte it consumes. */
	if (sg_buf_reserve(&text, 3 * len + 1) != SG_OK)
		return SG_ENOMEM;
	map = sg_malloc((3 * len + 1) * sizeof(*map));
	if (!map) {
		sg_buf_release(&text);
		return SG_ENOMEM;
	}
	for (p = t; p < end; ) {
		size_t i = (size_t)(p - t);

		/* The hyphen rule looks back at the original normalized
		 * text: ヴ- is ブー (ヴ is a katakana letter). */
		used = variant_at(t, p, end, v, hyphen, rep);
		if (used) {
			memcpy(text.data + o, rep, 3);
			map[o] = map[o + 1] = map[o + 2] = n->map[i];
			o += 3;
			p += used;
		} else {
			text.data[o] = (char)*p;
			map[o++] = n->map[i];
			p++;
		}
	}
	text.data[o] = '\0';
	text.len = o;
	map[o] = n->map[len];
	sg_buf_release(&n->text);
	sg_free(n->map);
	n->text = text;
	n->map = map;
	n->map_cap = 3 * len + 1;
	return SG_OK;
}

void sg_norm_cut(sg_norm *n, const size_t *cuts, size_t ncut, size_t width)
{
	size_t k, from, to, next, len = n->text.len;

	if (ncut == 0)
		return;
	to = cuts[0];
	for (k = 0; k < ncut; k++) {
		from = cuts[k] + width;
		next = k + 1 < ncut ? cuts[k + 1] : len;
		memmove(n->text.data + to, n->text.data + from, next - from);
		memmove(n->map + to, n->map + from,
			(next - from) * sizeof(*n->map));
		to += next - from;
	}
	n->map[to] = n->map[len];
	n->text.len = to;
	n->text.data[to] = '\0';
}

void sg_norm_release(sg_norm *n)
{
	sg_buf_release(&n->text);
	sg_free(n->map);
	n->map = NULL;
	n->map_cap = 0;
	n->orig_len = 0;
	n->invalid = 0;
}

size_t sg_norm_orig_start(const sg_norm *n, size_t off)
{
	if (off >= n->text.len)
		return n->orig_len;
	return n->map[off];
}

size_t sg_norm_orig_end(const sg_norm *n, size_t off)
{
	uint32_t seg;

	if (off == 0)
		return n->text.len ? n->map[0] : n->orig_len;
	if (off >= n->text.len)
		return n->orig_len;
	/* Byte off - 1 belongs to the segment starting at map[off - 1]; the
	 * span ends where the next segment starts (map[text.len] is the
	 * original length, so the scan stops). */
	seg = n->map[off - 1];
	while (n->map[off] == seg)
		off++;
	return n->map[off];
}

int sg_cp_is_space_punct_symbol(int32_t cp)
{
	if (cp < 0x80)
		return !((cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') ||
			 (cp >= 'A' && cp <= 'Z'));
	switch (utf8proc_category(cp)) {
	case UTF8PROC_CATEGORY_ZS:
	case UTF8PROC_CATEGORY_ZL:
	case UTF8PROC_CATEGORY_ZP:
	case UTF8PROC_CATEGORY_PC:
	case UTF8PROC_CATEGORY_PD:
	case UTF8PROC_CATEGORY_PS:
	case UTF8PROC_CATEGORY_PE:
	case UTF8PROC_CATEGORY_PI:
	case UTF8PROC_CATEGORY_PF:
	case UTF8PROC_CATEGORY_PO:
	case UTF8PROC_CATEGORY_SM:
	case UTF8PROC_CATEGORY_SC:
	case UTF8PROC_CATEGORY_SK:
	case UTF8PROC_CATEGORY_SO:
	case UTF8PROC_CATEGORY_CC:
		return 1;
	default:
		return 0;
	}
}
