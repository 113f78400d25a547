/*
 * snippet.h — the snippet of a hit: the best window of a document's stored
 * (original) text around the query's matches, with the matches highlighted.
 *
 * How it works, in five steps, each linear in the text (plus one sort of the
 * occurrence list):
 *
 *  1. Match. The text is analyzed with the analyzer that indexed it, so the
 *     tokens' terms are the index's terms and their start/end are byte
 *     offsets in the ORIGINAL text (a full-width ＡＢＣ matched by "abc"
 *     highlights the full-width bytes). A unit of n terms occurs at token i
 *     when the indexed tokens i..i+n-1 carry its terms at the consecutive
 *     positions pos, pos+1, ... (dropped tokens, e.g. particles, are never
 *     matched: the index does not hold them). An occurrence spans from its
 *     first token's start to its last token's end. Occurrences come out
 *     sorted by start offset.
 *
 *  2. Count. Lengths are in characters (code points) of the original text,
 *     where an invalid UTF-8 byte counts as one character. The character
 *     walk steps over a well-formed sequence at once and over any other byte
 *     alone, so it never splits a valid character, and every token offset
 *     the analyzer returns is one of its stops.
 *
 *  3. Choose. A window [s, s + max_chars) covers an occurrence when the
 *     occurrence lies wholly inside it. The best window covers the most
 *     distinct units, then the most occurrences, then starts earliest. Some
 *     best window starts at an occurrence's start (slide any window right
 *     until it does: it loses nothing), so only those are tried, with a
 *     sliding window over the occurrences: one enters when the window's end
 *     reaches its end (the list sorted by end), leaves when the window's
 *     start passes its start.
 *
 *  4. Widen and snap. The covered matches [ms, me) get the rest of
 *     max_chars as context, half before and half after (less where the text
 *     ends). The start then moves to just after the latest sentence end
 *     (。！？, or .!? followed by white space or the text's end), newline or
 *     the text's start found between SG_SNIP_SNAP_CHARS characters before it
 *     and the first match, as long as the window still covers the matches
 *     and keeps max_chars characters; white space after that boundary is
 *     skipped.
 *
 *  5. Write. The window's bytes are copied to `out` with "…" before it when
 *     it does not start at the text's start and "…" after it when it does
 *     not reach the text's end. Newlines, tabs and every other control
 *     character (C0, DEL, C1, U+2028/U+2029) become one space (a control
 *     character in a terminal or a result list does harm), and every
 *     invalid UTF-8 byte becomes U+FFFD, so `out` is always valid UTF-8. The highlights are the occurrences that intersect the window,
 *     clipped to it (only an occurrence longer than max_chars gets clipped
 *     in practice), overlapping or adjacent ones merged, as byte spans in
 *     `out`, sorted and disjoint.
 *
 * Several fields joined by the caller with "\n" are one text here: the
 * newline is a sentence boundary and is shown as a space.
 *
 * Caveats:
 *  - The text is analyzed again for every snippet; a caller shows snippets
 *    only for the page of hits it prints.
 *  - A multi-term unit whose terms were separated by a dropped token in the
 *    document (e.g. a particle) does not match: the caller builds the units
 *    from the query's indexed terms, whose positions are consecutive only
 *    when nothing was dropped between them.
 */
#ifndef SG_QUERY_SNIPPET_H
#define SG_QUERY_SNIPPET_H

#include <stddef.h>

#include "buf.h"
#include "sagasu.h"

/* How far before the widened window's start, in characters, a sentence
 * boundary may draw the start (step 4 above). */
#define SG_SNIP_SNAP_CHARS 20

typedef struct sg_snip_query {
	/* The query's match units: each is a sequence of 1..n normalized terms
	 * that must occur at adjacent positions (a single term is n = 1). */
	const char *const *terms;    /* all units' terms, concatenated */
	const size_t *term_lens;
	const size_t *unit_n;        /* unit_n[u] terms in unit u */
	size_t n_units;
} sg_snip_query;

/* typedef struct sg_span { size_t start, end; } sg_span;  -- bytes in the
 * snippet text. Declared in sagasu.h, which is included above, since the
 * public sg_hit carries its highlights as sg_span: C11 forbids defining the
 * struct twice in one translation unit. */

/* Analyzes text (with `an`, the same analyzer that indexed it), finds every
 * occurrence of every unit (token terms equal, positions consecutive for
 * multi-term units), picks the window of at most max_chars characters (code
 * points) that covers the most distinct units, then the most occurrences,
 * preferring the earliest; widens it to max_chars by extending around the
 * matches, snaps to character boundaries (prefer starting after a sentence
 * end 。！？.!? or newline if within ~20 chars before), replaces
 * newlines/tabs in the window by spaces, and writes the window text to out
 * (reset first) with "…" prepended/appended when it was cut, and the
 * highlight spans (byte offsets into out) to *spans (caller frees with
 * free()). When no unit matches, the snippet is the start of the text
 * (max_chars). Returns 0 or a negative SG_E code.
 *
 * Arguments: `text` may be NULL when len is 0; `q` may have n_units 0 (the
 * snippet is then the start of the text); every unit needs unit_n[u] >= 1.
 * max_chars >= 1 (the "…" marks are not counted in it).
 *
 * Ownership: `text` and `q` are read during the call only. `an`'s tokens are
 * overwritten (one sg_analyze). On success *spans is a new array of *n_spans
 * spans, sorted, disjoint and non-adjacent, that the caller frees with
 * free(); it is NULL when *n_spans is 0. On failure *spans is NULL,
 * *n_spans 0, out's content is unspecified (still a valid sg_buf), and the
 * code is SG_EINVAL (a bad argument), SG_ENOMEM, SG_ETOOBIG (absurdly
 * many units), or what sg_analyze returned (SG_ETOOBIG, SG_EMECAB).
 */
int sg_snippet(sg_analysis *an, const char *text, size_t len, const sg_snip_query *q, size_t max_chars, sg_buf *out, sg_span **spans, size_t *n_spans, sg_error *err);

#endif
