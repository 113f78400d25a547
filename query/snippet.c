/*
 * snippet.c — the best window of a text around a query's matches; the steps
 * are described in snippet.h.
 */
#include "alloc.h"
#include "snippet.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

/* One occurrence of a unit: bytes [bs, be) of the original text, characters
 * [cs, ce). `entered`: counted in the sliding window right now. */
struct occ {
	size_t bs, be;
	size_t cs, ce;
	size_t unit;
	int entered;
};

static const char ELLIPSIS[] = "\xE2\x80\xA6"; /* … U+2026 */
static const char REPLACEMENT[] = "\xEF\xBF\xBD"; /* U+FFFD */

/* Length of the character at p (avail >= 1 bytes): the length of a
 * well-formed UTF-8 sequence (Unicode table 3-7: no overlongs, no
 * surrogates, nothing above U+10FFFF) with *valid = 1, else 1 with
 * *valid = 0. Every other byte is stepped over alone, so a valid character
 * is never split and the stops do not depend on where the walk started. */
static size_t utf8_step(const unsigned char *p, size_t avail, int *valid)
{
	unsigned char c = p[0];
	size_t n, i;
	unsigned char lo = 0x80, hi = 0xBF; /* bounds of the second byte */

	*valid = 1;
	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF) {
		n = 2;
	} else if (c >= 0xE0 && c <= 0xEF) {
		n = 3;
		if (c == 0xE0)
			lo = 0xA0;
		else if (c == 0xED)
			hi = 0x9F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 4;
		if (c == 0xF0)
			lo = 0x90;
		else if (c == 0xF4)
			hi = 0x8F;
	} else {
		*valid = 0;
		return 1;
	}
	if (avail < n || p[1] < lo || p[1] > hi) {
		*valid = 0;
		return 1;
	}
	for (i = 2; i < n; i++) {
		if (p[i] < 0x80 || p[i] > 0xBF) {
			*valid = 0;
			return 1;
		}
	}
	return n;
}

/* Steps from byte *p (character *c) to the first stop >= target. */
static void walk_to_byte(const unsigned char *t, size_t len, size_t *p,
			 size_t *c, size_t target)
{
	int valid;

	if (target > len)
		target = len;
	while (*p < target) {
		*p += utf8_step(t + *p, len - *p, &valid);
		(*c)++;
	}
}

/* 1 when the character at byte off ends a sentence: 。！？, a newline, or
 * .!? followed by white space or the end of the text. */
static int ends_sentence(const unsigned char *t, size_t len, size_t off)
{
	unsigned char c = t[off];

	if (c == '\n' || c == '\r')
		return 1;
	if (c == '.' || c == '!' || c == '?')
		return off + 1 == len || t[off + 1] == ' ' ||
		       t[off + 1] == '\t' || t[off + 1] == '\n' ||
		       t[off + 1] == '\r';
	if (len - off < 3)
		return 0;
	return (c == 0xE3 && t[off + 1] == 0x80 && t[off + 2] == 0x82) ||
	       (c == 0xEF && t[off + 1] == 0xBC &&
		(t[off + 2] == 0x81 || t[off + 2] == 0x9F));
}

/* 1 when the character at byte off is white space: ASCII or U+3000. */
static int is_space_at(const unsigned char *t, size_t len, size_t off)
{
	unsigned char c = t[off];

	if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
		return 1;
	return len - off >= 3 && c == 0xE3 && t[off + 1] == 0x80 &&
	       t[off + 2] == 0x80;
}

/* An occurrence's end and index, to sort the occurrences by end. */
struct by_end {
	size_t ce, k;
};

static int cmp_by_end(const void *a, const void *b)
{
	const struct by_end *x = a, *y = b;

	if (x->ce != y->ce)
		return x->ce < y->ce ? -1 : 1;
	return x->k < y->k ? -1 : x->k > y->k;
}

/* Finds every occurrence of every unit among the tokens, in start order. */
static int find_occurrences(const sg_token *tok, size_t n_tok,
			    const sg_snip_query *q, const size_t *ufirst,
			    sg_buf *occs)
{
	size_t i, u, k;

	for (i = 0; i < n_tok; i++) {
		if (!tok[i].indexed)
			continue;
		for (u = 0; u < q->n_units; u++) {
			size_t n = q->unit_n[u], t0 = ufirst[u];
			struct occ o;

			if (n > n_tok - i)
				continue;
			for (k = 0; k < n; k++) {
				const sg_token *x = &tok[i + k];

				if (!x->indexed ||
				    x->pos != tok[i].pos + k ||
				    x->term_len != q->term_lens[t0 + k] ||
				    memcmp(x->term, q->terms[t0 + k],
					   x->term_len) != 0)
					break;
			}
			if (k < n)
				continue;
			memset(&o, 0, sizeof(o));
			o.bs = tok[i].start;
			o.be = tok[i + n - 1].end;
			o.unit = u;
			if (sg_buf_append(occs, &o, sizeof(o)) != SG_OK)
				return SG_ENOMEM;
		}
	}
	return SG_OK;
}

/* The sliding window of snippet.h step 3 over windows of w characters.
 * Sets *best to the index of the occurrence the best window starts at and
 * *covered to the number of occurrences it covers (0: none fits). */
static int find_best(struct occ *o, size_t m, size_t n_units, size_t w,
		     size_t *best, size_t *covered)
{
	struct by_end *order;
	size_t *cnt, i, ep = 0, distinct = 0, total = 0;
	size_t best_d = 0, best_t = 0;

	*best = 0;
	*covered = 0;
	order = sg_malloc(m * sizeof(*order));
	cnt = sg_calloc(n_units, sizeof(*cnt));
	if (!order || !cnt) {
		sg_free(order);
		sg_free(cnt);
		return SG_ENOMEM;
	}
	for (i = 0; i < m; i++) {
		order[i].ce = o[i].ce;
		order[i].k = i;
	}
	qsort(order, m, sizeof(*order), cmp_by_end);
	for (i = 0; i < m; i++) {
		/* w < the text's length in characters: no overflow. */
		size_t limit = o[i].cs + w;

		while (ep < m && order[ep].ce <= limit) {
			size_t k = order[ep++].k;

			if (k < i) /* its start is behind the window already */
				continue;
			o[k].entered = 1;
			if (cnt[o[k].unit]++ == 0)
				distinct++;
			total++;
		}
		if (distinct > best_d || (distinct == best_d && total > best_t)) {
			best_d = distinct;
			best_t = total;
			*best = i;
		}
		if (o[i].entered) {
			o[i].entered = 0;
			if (--cnt[o[i].unit] == 0)
				distinct--;
			total--;
		}
	}
	*covered = best_t;
	sg_free(order);
	sg_free(cnt);
	return SG_OK;
}

/* 1 when the valid character at p (n bytes) is shown as a space: a C0 or
 * C1 control (newline, tab, ESC, CSI, NEL, ...), DEL, or U+2028/U+2029. */
static int is_control(const unsigned char *p, size_t n)
{
	if (n == 1)
		return p[0] < 0x20 || p[0] == 0x7F;
	if (n == 2)
		return p[0] == 0xC2 && p[1] < 0xA0;
	return n == 3 && p[0] == 0xE2 && p[1] == 0x80 &&
	       (p[2] == 0xA8 || p[2] == 0xA9);
}

/* Writes t[wb, we) to out as snippet.h step 5 says and fills sp[] (original
 * byte spans, sorted, disjoint, inside [wb, we)) with their offsets in out. */
static int write_window(const unsigned char *t, size_t len, size_t wb,
			size_t we, sg_span *sp, size_t n_sp, sg_buf *out)
{
	size_t p = wb, si = 0, step;
	int valid, in = 0, rc = SG_OK;

	sg_buf_reset(out);
	if (wb > 0)
		rc = sg_buf_append(out, ELLIPSIS, sizeof(ELLIPSIS) - 1);
	for (;;) {
		/* Span edges are character stops (token offsets, window
		 * edges); <= only guards against a stray one. */
		while (si < n_sp) {
			if (!in && sp[si].start <= p) {
				sp[si].start = out->len;
				in = 1;
			} else if (in && sp[si].end <= p) {
				sp[si].end = out->len;
				in = 0;
				si++;
			} else {
				break;
			}
		}
		if (p >= we || rc != SG_OK)
			break;
		step = utf8_step(t + p, len - p, &valid);
		if (!valid)
			rc = sg_buf_append(out, REPLACEMENT,
					   sizeof(REPLACEMENT) - 1);
		else if (is_control(t + p, step))
			rc = sg_buf_putc(out, ' ');
		else
			rc = sg_buf_append(out, t + p, step);
		p += step;
	}
	if (rc == SG_OK && we < len)
		rc = sg_buf_append(out, ELLIPSIS, sizeof(ELLIPSIS) - 1);
	return rc;
}

static int check_args(sg_analysis *an, const char *text, size_t len,
		      const sg_snip_query *q, size_t max_chars,
		      const sg_buf *out, sg_span **spans, size_t *n_spans,
		      sg_error *err)
{
	size_t u, k, sum = 0;

	if (!an || (!text && len) || !q || !out || !spans || !n_spans)
		return sg_err(err, SG_EINVAL, "sg_snippet: a NULL argument "
			      "(only text may be NULL, with len 0)");
	if (max_chars == 0)
		return sg_err(err, SG_EINVAL, "sg_snippet: max_chars is 0; "
			      "pass the snippet's length in characters");
	if (q->n_units > SIZE_MAX / sizeof(size_t))
		return sg_err(err, SG_ETOOBIG, "sg_snippet: %zu units do not "
			      "fit in memory", q->n_units);
	if (q->n_units && (!q->unit_n || !q->terms || !q->term_lens))
		return sg_err(err, SG_EINVAL, "sg_snippet: the query has %zu "
			      "units but NULL arrays", q->n_units);
	for (u = 0; u < q->n_units; u++) {
		if (q->unit_n[u] == 0)
			return sg_err(err, SG_EINVAL, "sg_snippet: unit %zu "
				      "has no term; give every unit >= 1", u);
		if (q->unit_n[u] > SIZE_MAX - sum)
			return sg_err(err, SG_EINVAL, "sg_snippet: the units' "
				      "term counts overflow");
		sum += q->unit_n[u];
	}
	for (k = 0; k < sum; k++)
		if (!q->terms[k] && q->term_lens[k])
			return sg_err(err, SG_EINVAL, "sg_snippet: term %zu "
				      "is NULL", k);
	return SG_OK;
}

int sg_snippet(sg_analysis *an, const char *text, size_t len, const sg_snip_query *q, size_t max_chars, sg_buf *out, sg_span **spans, size_t *n_spans, sg_error *err)
{
	const unsigned char *t = (const unsigned char *)(text ? text : "");
	const sg_token *tok;
	size_t n_tok, m = 0, i, u, p, c, n_chars, w, best, covered;
	size_t ms, me, a, b, e, lo, lo0, hi, top, wb, we, n_sp = 0;
	size_t *ufirst = NULL, *boff = NULL;
	uint32_t n_pos;
	sg_buf occ_buf = SG_BUF_INIT;
	struct occ *o;
	sg_span *sp = NULL;
	int rc, valid;

	if (spans)
		*spans = NULL;
	if (n_spans)
		*n_spans = 0;
	rc = check_args(an, text, len, q, max_chars, out, spans, n_spans,
			err);
	if (rc != SG_OK)
		return rc;

	/* 1. Match. */
	rc = sg_analyze(an, (const char *)t, len, 0, &tok, &n_tok, &n_pos,
			err);
	if (rc != SG_OK)
		return rc;
	if (q->n_units) {
		ufirst = sg_malloc(q->n_units * sizeof(*ufirst));
		if (!ufirst) {
			rc = SG_ENOMEM;
			goto nomem;
		}
		for (u = 0, i = 0; u < q->n_units; u++) {
			ufirst[u] = i;
			i += q->unit_n[u];
		}
		rc = find_occurrences(tok, n_tok, q, ufirst, &occ_buf);
		if (rc != SG_OK)
			goto nomem;
	}
	o = (struct occ *)(void *)occ_buf.data;
	m = occ_buf.len / sizeof(struct occ);

	/* 2. Count: occurrences are in start order, so one walk. */
	p = c = 0;
	for (i = 0; i < m; i++) {
		size_t p2, c2;

		walk_to_byte(t, len, &p, &c, o[i].bs);
		o[i].cs = c;
		p2 = p;
		c2 = c;
		walk_to_byte(t, len, &p2, &c2, o[i].be);
		o[i].ce = c2;
	}
	walk_to_byte(t, len, &p, &c, len);
	n_chars = c;

	/* 3. Choose, 4. widen and snap: the window is chars [b, e). */
	if (n_chars <= max_chars) {
		b = 0;
		e = n_chars;
	} else if (m == 0) {
		b = 0;
		e = max_chars;
	} else {
		w = max_chars;
		rc = find_best(o, m, q->n_units, w, &best, &covered);
		if (rc != SG_OK)
			goto nomem;
		ms = o[best].cs;
		if (covered == 0) {
			/* Every occurrence is longer than w: show the start
			 * of the first, clipped. */
			me = ms + w < n_chars ? ms + w : n_chars;
		} else {
			me = ms;
			for (i = best; i < m && o[i].cs < ms + w; i++)
				if (o[i].ce <= ms + w && o[i].ce > me)
					me = o[i].ce;
		}
		/* Half the slack before the matches, less near either end
		 * of the text. */
		a = (w - (me - ms)) / 2;
		a = ms - (a < ms ? a : ms);
		if (a + w > n_chars)
			a = n_chars - w;
		/* Boundaries may lie in [lo, top]: from SNAP chars before a,
		 * but keeping [me - w, me) covered, up to the first match,
		 * and not so late that the window would lose characters. */
		lo = a > SG_SNIP_SNAP_CHARS ? a - SG_SNIP_SNAP_CHARS : 0;
		if (me > w && lo < me - w)
			lo = me - w;
		top = n_chars - w > a ? n_chars - w : a;
		if (top > ms)
			top = ms;
		/* Byte offsets of chars lo0..hi, lo0 = lo - 1 so that the
		 * character before a boundary can be read. */
		lo0 = lo ? lo - 1 : 0;
		hi = top + w;
		boff = sg_malloc((hi - lo0 + 1) * sizeof(*boff));
		if (!boff) {
			rc = SG_ENOMEM;
			goto nomem;
		}
		p = c = 0;
		while (c < lo0) {
			p += utf8_step(t + p, len - p, &valid);
			c++;
		}
		for (i = lo0; i <= hi; i++) {
			boff[i - lo0] = p;
			if (p < len)
				p += utf8_step(t + p, len - p, &valid);
		}
		b = a;
		for (i = top + 1; i-- > lo;) {
			if (i == 0 || ends_sentence(t, len, boff[i - 1 - lo0])) {
				b = i;
				/* Not on the white space after a boundary. */
				while (b < top && is_space_at(t, len,
							      boff[b - lo0]))
					b++;
				break;
			}
		}
		/* b <= top: b + w <= max(a, n_chars - w) + w = n_chars. */
		e = b + w;
		sg_free(boff);
		boff = NULL;
	}

	/* Byte edges of the window. */
	p = c = 0;
	while (c < b) {
		p += utf8_step(t + p, len - p, &valid);
		c++;
	}
	wb = p;
	while (c < e) {
		p += utf8_step(t + p, len - p, &valid);
		c++;
	}
	we = p;

	/* 5. Highlights: occurrences meeting [wb, we), clipped, merged. */
	if (m) {
		sp = sg_malloc(m * sizeof(*sp));
		if (!sp) {
			rc = SG_ENOMEM;
			goto nomem;
		}
	}
	for (i = 0; i < m; i++) {
		size_t s = o[i].bs > wb ? o[i].bs : wb;
		size_t x = o[i].be < we ? o[i].be : we;

		if (s >= x)
			continue;
		if (n_sp && s <= sp[n_sp - 1].end) {
			if (x > sp[n_sp - 1].end)
				sp[n_sp - 1].end = x;
		} else {
			sp[n_sp].start = s;
			sp[n_sp].end = x;
			n_sp++;
		}
	}
	rc = write_window(t, len, wb, we, sp, n_sp, out);
	if (rc != SG_OK)
		goto nomem;
	if (n_sp == 0) {
		sg_free(sp);
		sp = NULL;
	}
	*spans = sp;
	*n_spans = n_sp;
	sg_free(ufirst);
	sg_buf_release(&occ_buf);
	return SG_OK;

nomem:
	sg_free(sp);
	sg_free(boff);
	sg_free(ufirst);
	sg_buf_release(&occ_buf);
	return sg_err(err, rc, "sg_snippet: out of memory (%zu bytes of text, "
		      "%zu occurrences)", len, m);
}
