/*
 * normalize.h — UTF-8 sanitizing, NFKC + case folding, and an offset map
 * from the normalized text back to the original bytes.
 *
 * How it works. The input is cut into segments: one character plus the
 * characters after it that may combine with it under NFKC (a character whose
 * compatibility decomposition starts with a non-starter or a mark, e.g. the
 * half-width voiced sound mark U+FF9E → U+3099, or a Hangul vowel/trailing
 * jamo). Each segment is normalized on its own (utf8proc: COMPAT | CASEFOLD |
 * COMPOSE | STABLE) and every byte it produces is mapped to the segment's
 * first original byte. ASCII and characters proven stable (hiragana, katakana,
 * CJK ideographs) that are not followed by a combining character are copied
 * without calling utf8proc, which is what makes this fast on Japanese text.
 *
 * Rules beyond NFKC_CF:
 *  - Invalid UTF-8 becomes U+FFFD, one per "maximal subpart" as Unicode
 *    recommends (chapter 3, U+FFFD substitution): a truncated sequence E3 81
 *    is one U+FFFD; C0 80 (overlong) is two; ED A0 80 (a surrogate) is three;
 *    a lone continuation byte or FF is one. Each U+FFFD emitted is counted in
 *    `invalid`. A valid U+FFFD in the input is not counted.
 *  - A NUL byte becomes one space (U+0020): NUL is treated like whitespace so
 *    that the text stays a C string and MeCab sees a word break there.
 *  - A UTF-8 BOM (EF BB BF) at the very start is dropped: it maps to nothing.
 *    (Elsewhere U+FEFF is a default ignorable and NFKC_CF removes it too.)
 *
 * Offset map. map[i] is the original offset of the segment that produced
 * normalized byte i, and map[len] is the original length. Consecutive
 * segments have distinct starts, so normalized byte i starts a segment iff
 * i == 0 or map[i] != map[i-1]. sg_norm_orig_start/_end turn a normalized span
 * into the smallest original span that covers the segments it touches.
 *
 * Limit: the input must be shorter than 2^31 bytes (offsets are 32-bit);
 * longer input is SG_ETOOBIG.
 */
#ifndef SG_NORMALIZE_H
#define SG_NORMALIZE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* The largest input sg_normalize accepts, in bytes. */
#define SG_NORM_MAX_INPUT ((size_t)INT32_MAX - 1)

typedef struct sg_norm {
	sg_buf text;       /* normalized UTF-8, NUL-terminated */
	uint32_t *map;     /* text.len + 1 entries (see above) */
	size_t map_cap;    /* entries allocated in map */
	size_t orig_len;   /* length of the input of the last sg_normalize */
	size_t invalid;    /* U+FFFD substituted for invalid UTF-8 */
} sg_norm;

#define SG_NORM_INIT { SG_BUF_INIT, NULL, 0, 0, 0 }

/* Normalizes `len` bytes of `text` into n (its previous content is
 * replaced; memory is reused). 0, SG_ENOMEM or SG_ETOOBIG. */
int sg_normalize(sg_norm *n, const char *text, size_t len);

/* The variant rewrites that change lengths (docs/ANALYZER.md, Variants), on
 * the normalized text of n, keeping the map right (the bytes a rewrite
 * emits map to the first original byte of what it replaced):
 *  v:      ヴァ ヴィ ヴェ ヴォ -> バ ビ ベ ボ, any other ヴ -> ブ;
 *  hyphen: - ‐ ‒ – − right after a katakana letter or ー, and not before an
 *          ASCII letter or digit -> ー.
 * 0 or SG_ENOMEM (n is unchanged then). */
int sg_norm_variants(sg_norm *n, int v, int hyphen);

/* Removes `width` bytes at each of the ascending, non-overlapping offsets
 * cuts[0, ncut) from n's text and map. A removed character's original
 * bytes then belong to the span of the character before it. */
void sg_norm_cut(sg_norm *n, const size_t *cuts, size_t ncut, size_t width);

/* Frees n's memory and returns it to SG_NORM_INIT. */
void sg_norm_release(sg_norm *n);

/* Original offset of the start of normalized byte `off` (off <= text.len). */
size_t sg_norm_orig_start(const sg_norm *n, size_t off);

/* Original offset of the end of a span ending at normalized byte `off`:
 * the end of the segment that holds byte off - 1. */
size_t sg_norm_orig_end(const sg_norm *n, size_t off);

/* 1 when code point cp is whitespace, punctuation, a symbol or a control
 * character (Unicode general categories Z*, P*, S*, Cc), else 0. */
int sg_cp_is_space_punct_symbol(int32_t cp);

/* Decodes one code point of VALID UTF-8 at p (as produced by sg_normalize)
 * into *cp and returns its byte length (1..4); end bounds the read. Returns 1
 * with *cp = 0xFFFD on a malformed byte. */
size_t sg_utf8_next(const char *p, const char *end, int32_t *cp);

#endif
