/*
 * synonyms.c — synonym groups: the file, its errors, and the expansion
 * table the query planner looks keywords up in (synonyms.h).
 *
 * The file. One group a line, members separated by commas:
 *
 *     # archives
 *     解凍, 伸長
 *     ＬＩＮＵＸ,GNU/Linux
 *
 * Each line is normalized whole (sg_normalize: NFKC + case folding, as the
 * analyzer does) before it is read, so a full-width comma (，) separates
 * members too and a full-width space is white space. A member is what lies
 * between two commas with white space trimmed at both ends (white space
 * inside is kept). A line that is blank after trimming is skipped; one
 * whose first character is '#' (or '＃') is a comment. A '#' elsewhere is
 * part of a member ("c#,csharp"). Lines end in LF or CRLF; a UTF-8 BOM at
 * the start of the file is dropped.
 *
 * Errors (the first bad line ends the load: "FILE:LINE: what: the fix"):
 * invalid UTF-8 (the byte named), a NUL byte, an empty member, a group of
 * one (one member, or members that are one word after normalization), a
 * member longer than SG_TERM_MAX bytes after normalization, and the limits
 * of synonyms.h. A member twice in one group counts once.
 *
 * The table. Members are interned in an arena (NUL-terminated, so the
 * planner gets C strings) and found through an open-addressing table of
 * member ids (XXH3, linear probing, power-of-two size, load at most 1/2).
 * A group is the list of its member ids. Once the file is read, each
 * member's expansion is computed: the member itself, then the members of
 * each group that holds it in file order, each once (a stamp per member
 * marks the ones already taken). Expansions are laid end to end in one
 * array of pointers and one of lengths, so a lookup hands out a slice of
 * each. The groups themselves are build state and are freed then.
 */
#include "synonyms.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <utf8proc.h>
#include <xxhash.h>

#include "alloc.h"
#include "buf.h"
#include "error.h"
#include "normalize.h"

struct member {
	uint64_t hash;
	size_t off;          /* in the arena */
	uint32_t len;
	uint32_t last_group; /* build: the group (id + 1) it last joined */
	size_t first, count; /* its expansion: ptrs[first, first + count) */
};

struct sg_synonyms {
	sg_buf arena;            /* the members, each NUL-terminated */
	struct member *members;
	size_t n_members, cap_members;
	uint32_t *slots;         /* member id + 1, 0 empty */
	size_t n_slots;          /* a power of two, or 0 */
	const char **ptrs;       /* the expansions, end to end */
	size_t *lens;
	size_t n_entries;
	size_t n_groups;
};

/* What the parse builds and drops once the expansions are made. */
struct build {
	const char *name;
	uint32_t *gm;            /* the groups' member ids, end to end */
	size_t n_gm, cap_gm;
	size_t *gstart;          /* group g: gm[gstart[g], gstart[g + 1]) */
	size_t cap_gstart;
	size_t *gline;           /* group g's line number */
	size_t cap_gline;
	sg_norm norm;
};

/* ------------------------------------------------------------ the table */

static int grow_slots(sg_synonyms *s)
{
	size_t n = s->n_slots ? s->n_slots * 2 : 64, i;
	uint32_t *t;

	if (n > SIZE_MAX / sizeof(*t))
		return SG_ENOMEM;
	t = sg_calloc(n, sizeof(*t));
	if (!t)
		return SG_ENOMEM;
	for (i = 0; i < s->n_members; i++) {
		size_t j = (size_t)s->members[i].hash & (n - 1);

		while (t[j])
			j = (j + 1) & (n - 1);
		t[j] = (uint32_t)i + 1;
	}
	sg_free(s->slots);
	s->slots = t;
	s->n_slots = n;
	return SG_OK;
}

/* The slot where word is, or where it would go. n_slots > 0. */
static size_t probe(const sg_synonyms *s, const char *word, size_t len,
		    uint64_t h)
{
	size_t mask = s->n_slots - 1, j;

	for (j = (size_t)h & mask; s->slots[j]; j = (j + 1) & mask) {
		const struct member *m = &s->members[s->slots[j] - 1];

		if (m->hash == h && m->len == len &&
		    !memcmp(s->arena.data + m->off, word, len))
			break;
	}
	return j;
}

/* The id of member word (len bytes), interned when new; 0 or SG_ENOMEM. */
static int intern(sg_synonyms *s, const char *word, size_t len,
		  uint32_t *id)
{
	uint64_t h = XXH3_64bits(word, len);
	struct member *m;
	size_t j;

	if ((s->n_members + 1) * 2 > s->n_slots && grow_slots(s) != SG_OK)
		return SG_ENOMEM;
	j = probe(s, word, len, h);
	if (s->slots[j]) {
		*id = s->slots[j] - 1;
		return SG_OK;
	}
	if (sg_grow_array((void **)&s->members, &s->cap_members,
			  s->n_members + 1, sizeof(*s->members)) != SG_OK)
		return SG_ENOMEM;
	m = &s->members[s->n_members];
	memset(m, 0, sizeof(*m));
	m->hash = h;
	m->off = s->arena.len;
	m->len = (uint32_t)len;
	if (sg_buf_append(&s->arena, word, len) != SG_OK ||
	    sg_buf_putc(&s->arena, '\0') != SG_OK)
		return SG_ENOMEM;
	*id = (uint32_t)s->n_members;
	s->slots[j] = (uint32_t)++s->n_members;
	return SG_OK;
}

void sg_synonyms_expand(const sg_synonyms *s, const char *word,
			size_t len, const char *const **members,
			const size_t **lens, size_t *n)
{
	const struct member *m;
	size_t j;

	*members = NULL;
	*lens = NULL;
	*n = 0;
	if (!s || !s->n_slots || len > SG_TERM_MAX)
		return;
	j = probe(s, word, len, XXH3_64bits(word, len));
	if (!s->slots[j])
		return;
	m = &s->members[s->slots[j] - 1];
	*members = s->ptrs + m->first;
	*lens = s->lens + m->first;
	*n = m->count;
}

size_t sg_synonyms_groups(const sg_synonyms *s)
{
	return s ? s->n_groups : 0;
}

void sg_synonyms_free(sg_synonyms *s)
{
	if (!s)
		return;
	sg_buf_release(&s->arena);
	sg_free(s->members);
	sg_free(s->slots);
	sg_free(s->ptrs);
	sg_free(s->lens);
	sg_free(s);
}

/* ------------------------------------------------------------ the file */

/* White space after normalization: ASCII's, and the Unicode separators
 * NFKC leaves as they are (U+1680, U+2028, U+2029; the others become a
 * space), and NEL. */
static int is_space(int32_t cp)
{
	utf8proc_category_t c;

	if (cp == ' ' || (cp >= '\t' && cp <= '\r') || cp == 0x85)
		return 1;
	if (cp < 0x80)
		return 0;
	c = utf8proc_category(cp);
	return c == UTF8PROC_CATEGORY_ZS || c == UTF8PROC_CATEGORY_ZL ||
	       c == UTF8PROC_CATEGORY_ZP;
}

/* Trims white space off both ends of [*a, *b) of valid UTF-8 t. */
static void trim(const char *t, size_t *a, size_t *b)
{
	int32_t cp;
	size_t k;

	while (*a < *b) {
		k = sg_utf8_next(t + *a, t + *b, &cp);
		if (!is_space(cp))
			break;
		*a += k;
	}
	while (*b > *a) {
		k = *b - 1;
		while (k > *a && ((unsigned char)t[k] & 0xC0) == 0x80)
			k--;
		sg_utf8_next(t + k, t + *b, &cp);
		if (!is_space(cp))
			break;
		*b = k;
	}
}

/* The offset of the first byte of line[0, len) that is not valid UTF-8,
 * or len. (A U+FFFD spelled out is valid.) */
static size_t invalid_at(const char *line, size_t len)
{
	size_t i = 0, k;
	int32_t cp;

	while (i < len) {
		k = sg_utf8_next(line + i, line + len, &cp);
		if (cp == 0xFFFD && (k != 3 || memcmp(line + i, "\xEF\xBF\xBD", 3)))
			return i;
		i += k;
	}
	return len;
}

/* How many bytes of t[0, len) make at most 32 characters: a member quoted
 * in a message. */
static int quote_len(const char *t, size_t len)
{
	size_t i = 0, n = 0;

	while (i < len && n < 32) {
		i++;
		while (i < len && ((unsigned char)t[i] & 0xC0) == 0x80)
			i++;
		n++;
	}
	return (int)i;
}

/* The original text of the normalized span [a, b) of the line: what a
 * message quotes. */
static void orig_span(const struct build *bd, const char *line, size_t a,
		      size_t b, const char **p, size_t *len)
{
	size_t oa = sg_norm_orig_start(&bd->norm, a);
	size_t ob = sg_norm_orig_end(&bd->norm, b);

	*p = line + oa;
	*len = ob > oa ? ob - oa : 0;
}

/* Reads one line (no newline) into group number s->n_groups; 0, or the
 * error with "NAME:LINE: ..." in err. */
static int parse_line(sg_synonyms *s, struct build *bd, const char *line,
		      size_t len, size_t lineno, sg_error *err)
{
	const char *t, *q, *nul, *o;
	size_t tlen, a, b, start, end, n_pieces = 0, g0 = bd->n_gm;
	size_t olen, at;
	uint32_t gid = (uint32_t)s->n_groups + 1, id;

	if ((nul = memchr(line, '\0', len)) != NULL)
		return sg_err(err, SG_EINVAL, "%s:%zu: a NUL byte (byte %zu of "
			      "the line): a synonym file is UTF-8 text",
			      bd->name, lineno, (size_t)(nul - line) + 1);
	if ((at = invalid_at(line, len)) < len)
		return sg_err(err, SG_EINVAL, "%s:%zu: invalid UTF-8 (byte %zu "
			      "of the line): save the file as UTF-8",
			      bd->name, lineno, at + 1);
	/* (No SG_ETOOBIG: the file is far below the normalizer's limit.) */
	if (sg_normalize(&bd->norm, line, len) != SG_OK)
		return sg_err(err, SG_ENOMEM, "out of memory");
	t = bd->norm.text.data;
	tlen = bd->norm.text.len;
	a = 0;
	b = tlen;
	trim(t, &a, &b);
	if (a == b || t[a] == '#')
		return SG_OK; /* blank, or a comment */
	for (start = a; start <= b; start = end + 1) {
		size_t ma, mb;

		q = memchr(t + start, ',', b - start);
		end = q ? (size_t)(q - t) : b;
		n_pieces++;
		ma = start;
		mb = end;
		trim(t, &ma, &mb);
		if (ma == mb)
			return sg_err(err, SG_EINVAL, "%s:%zu: an empty member "
				      "%s: remove the extra comma", bd->name,
				      lineno, start == a ? "before the first comma" :
				      end == b ? "after the last comma" :
				      "between commas");
		if (mb - ma > SG_TERM_MAX) {
			int ql;

			orig_span(bd, line, ma, mb, &o, &olen);
			ql = quote_len(o, olen);
			return sg_err(err, SG_EINVAL, "%s:%zu: the member "
				      "'%.*s%s' is %zu bytes after "
				      "normalization, more than %d: shorten it",
				      bd->name, lineno, ql, o,
				      (size_t)ql < olen ? "..." : "", mb - ma,
				      SG_TERM_MAX);
		}
		if (intern(s, t + ma, mb - ma, &id) != SG_OK)
			return sg_err(err, SG_ENOMEM, "out of memory");
		if (s->members[id].last_group != gid) { /* else twice: once */
			s->members[id].last_group = gid;
			if (bd->n_gm - g0 == SG_SYNONYMS_EXPAND_MAX)
				return sg_err(err, SG_EINVAL, "%s:%zu: a group of "
					      "more than %d members: split it (a "
					      "word expands to at most %d)",
					      bd->name, lineno,
					      SG_SYNONYMS_EXPAND_MAX,
					      SG_SYNONYMS_EXPAND_MAX);
			if (sg_grow_array((void **)&bd->gm, &bd->cap_gm,
					  bd->n_gm + 1, sizeof(*bd->gm)) != SG_OK)
				return sg_err(err, SG_ENOMEM, "out of memory");
			bd->gm[bd->n_gm++] = id;
		}
		if (!q)
			break;
	}
	if (bd->n_gm - g0 < 2) {
		orig_span(bd, line, a, b, &o, &olen);
		if (n_pieces == 1)
			return sg_err(err, SG_EINVAL, "%s:%zu: a group of one "
				      "member ('%.*s'): add its synonyms after "
				      "commas, or remove the line", bd->name,
				      lineno, quote_len(o, olen), o);
		return sg_err(err, SG_EINVAL, "%s:%zu: a group of one member: "
			      "'%.*s' is one word after normalization (NFKC, "
			      "case folding): add a synonym, or remove the "
			      "line", bd->name, lineno, quote_len(o, olen), o);
	}
	if (sg_grow_array((void **)&bd->gstart, &bd->cap_gstart,
			  s->n_groups + 2, sizeof(*bd->gstart)) != SG_OK ||
	    sg_grow_array((void **)&bd->gline, &bd->cap_gline,
			  s->n_groups + 1, sizeof(*bd->gline)) != SG_OK)
		return sg_err(err, SG_ENOMEM, "out of memory");
	bd->gstart[s->n_groups] = g0;
	bd->gstart[s->n_groups + 1] = bd->n_gm;
	bd->gline[s->n_groups] = lineno;
	s->n_groups++;
	return SG_OK;
}

/* Puts member id into the expansion being built, at entry `at` when
 * filling (pass 1; pass 0 only counts). */
static void take(sg_synonyms *s, uint32_t *stamp, uint32_t mark, size_t id,
		 size_t at, size_t fill)
{
	stamp[id] = mark;
	if (fill) {
		s->ptrs[at] = s->arena.data + s->members[id].off;
		s->lens[at] = s->members[id].len;
	}
}

/* Lays out every member's expansion (see the top of the file). */
static int expand_all(sg_synonyms *s, struct build *bd, sg_error *err)
{
	size_t nm = s->n_members, m, i, g, x, pass, total = 0, e;
	size_t *mg_start = NULL;   /* member m's groups: mg[mg_start[m] ...] */
	uint32_t *mg = NULL, *stamp = NULL;
	int rc = SG_OK;

	if (nm == 0)
		return SG_OK;
	mg_start = sg_calloc(nm + 1, sizeof(*mg_start));
	mg = sg_malloc(bd->n_gm * sizeof(*mg));
	stamp = sg_calloc(nm, sizeof(*stamp));
	if (!mg_start || !mg || !stamp)
		goto nomem;
	/* The groups of each member, in file order: a counting sort. */
	for (i = 0; i < bd->n_gm; i++)
		mg_start[bd->gm[i] + 1]++;
	for (m = 0; m < nm; m++)
		mg_start[m + 1] += mg_start[m];
	for (m = 0; m < nm; m++)
		s->members[m].first = mg_start[m];   /* the fill cursor */
	for (g = 0; g < s->n_groups; g++)
		for (i = bd->gstart[g]; i < bd->gstart[g + 1]; i++)
			mg[s->members[bd->gm[i]].first++] = (uint32_t)g;
	/* Pass 0 counts (and checks the limits), pass 1 fills. The stamp of
	 * x is m + 1 once x is in m's expansion; pass 1 uses m + 1 + nm. */
	for (pass = 0; pass < 2; pass++) {
		e = 0;
		for (m = 0; m < nm; m++) {
			uint32_t mark = (uint32_t)(m + 1 + pass * nm);
			size_t n = 0;

			s->members[m].first = e;
			take(s, stamp, mark, m, e + n++, pass);
			for (i = mg_start[m]; i < mg_start[m + 1]; i++) {
				g = mg[i];
				for (x = bd->gstart[g]; x < bd->gstart[g + 1]; x++)
					if (stamp[bd->gm[x]] != mark)
						take(s, stamp, mark, bd->gm[x],
						     e + n++, pass);
				if (n > SG_SYNONYMS_EXPAND_MAX) {
					const struct member *w = &s->members[m];

					rc = sg_err(err, SG_EINVAL, "%s:%zu: '%.*s' "
						    "is now in groups of %zu "
						    "members in all, more than "
						    "%d: a word expands to at "
						    "most %d (split or trim the "
						    "groups that hold it)",
						    bd->name, bd->gline[g],
						    quote_len(s->arena.data + w->off,
							      w->len),
						    s->arena.data + w->off, n,
						    SG_SYNONYMS_EXPAND_MAX,
						    SG_SYNONYMS_EXPAND_MAX);
					goto out;
				}
			}
			s->members[m].count = n;
			e += n;
			if (e > SG_SYNONYMS_ENTRIES_MAX) {
				rc = sg_err(err, SG_ETOOBIG, "%s: the groups "
					    "expand to more than %zu members in "
					    "all (each word lists every member "
					    "of its groups): use fewer or "
					    "smaller groups", bd->name,
					    SG_SYNONYMS_ENTRIES_MAX);
				goto out;
			}
		}
		if (pass == 0) {
			total = e;
			s->ptrs = sg_malloc(total * sizeof(*s->ptrs));
			s->lens = sg_malloc(total * sizeof(*s->lens));
			if (!s->ptrs || !s->lens)
				goto nomem;
		}
	}
	s->n_entries = total;
	goto out;
nomem:
	rc = sg_err(err, SG_ENOMEM, "out of memory");
out:
	sg_free(stamp);
	sg_free(mg);
	sg_free(mg_start);
	return rc;
}

int sg_synonyms_parse(const char *text, size_t len, const char *name,
		      sg_synonyms **out, sg_error *err)
{
	struct build bd;
	sg_synonyms *s;
	size_t lineno = 0, i = 0;
	int rc = SG_OK;

	if (!out || (!text && len))
		return sg_err(err, SG_EINVAL, "sg_synonyms_parse: %s is NULL",
			      out ? "text" : "out");
	*out = NULL;
	if (!name)
		name = "(synonyms)";
	if (len > SG_SYNONYMS_FILE_MAX)
		return sg_err(err, SG_ETOOBIG, "%s: %zu bytes, more than the "
			      "%zu (64 MiB) a synonym file may hold: keep "
			      "only the groups searches need", name, len,
			      SG_SYNONYMS_FILE_MAX);
	memset(&bd, 0, sizeof(bd));
	bd.name = name;
	bd.norm = (sg_norm)SG_NORM_INIT;
	s = sg_calloc(1, sizeof(*s));
	if (!s)
		return sg_err(err, SG_ENOMEM, "out of memory");
	if (len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3))
		i = 3; /* a BOM */
	while (i < len) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t e = nl ? (size_t)(nl - text) : len, next = e + 1;

		if (e > i && text[e - 1] == '\r')
			e--;
		rc = parse_line(s, &bd, text + i, e - i, ++lineno, err);
		if (rc != SG_OK)
			goto out;
		i = next;
	}
	rc = expand_all(s, &bd, err);
out:
	sg_norm_release(&bd.norm);
	sg_free(bd.gm);
	sg_free(bd.gstart);
	sg_free(bd.gline);
	if (rc != SG_OK) {
		sg_synonyms_free(s);
		return rc;
	}
	*out = s;
	return SG_OK;
}

int sg_synonyms_load(const char *path, sg_synonyms **out, sg_error *err)
{
	sg_buf b = SG_BUF_INIT;
	struct stat st;
	FILE *f;
	size_t got;
	int rc;

	if (!path || !out)
		return sg_err(err, SG_EINVAL, "sg_synonyms_load: %s is NULL",
			      out ? "path" : "out");
	*out = NULL;
	f = fopen(path, "rb");
	if (!f)
		return sg_err(err, SG_EIO, "%s: cannot open: %s", path,
			      strerror(errno));
	if (fstat(fileno(f), &st) != 0) {
		rc = sg_err(err, SG_EIO, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		rc = sg_err(err, SG_EIO, "%s: is a directory, not a synonym "
			    "file", path);
		goto out;
	}
	if (S_ISREG(st.st_mode) && (uint64_t)st.st_size > SG_SYNONYMS_FILE_MAX) {
		rc = sg_err(err, SG_ETOOBIG, "%s: %llu bytes, more than the %zu "
			    "(64 MiB) a synonym file may hold: keep only the "
			    "groups searches need", path,
			    (unsigned long long)st.st_size, SG_SYNONYMS_FILE_MAX);
		goto out;
	}
	/* Read to the end (a pipe has no size), one byte past the limit at
	 * most, so that a file that grew since fstat, or a stream, is caught
	 * with no more than the limit in memory. */
	for (;;) {
		size_t room;

		if (b.len > SG_SYNONYMS_FILE_MAX) {
			rc = sg_err(err, SG_ETOOBIG, "%s: more than the %zu "
				    "bytes (64 MiB) a synonym file may hold: "
				    "keep only the groups searches need",
				    path, SG_SYNONYMS_FILE_MAX);
			goto out;
		}
		if (b.cap - b.len <= 1 &&
		    sg_buf_reserve(&b, S_ISREG(st.st_mode) && b.cap == 0 &&
				   st.st_size > 0 ? (size_t)st.st_size + 1 :
				   65536) != SG_OK) {
			rc = sg_err(err, SG_ENOMEM, "out of memory");
			goto out;
		}
		room = b.cap - b.len - 1;
		if (room > SG_SYNONYMS_FILE_MAX + 1 - b.len)
			room = SG_SYNONYMS_FILE_MAX + 1 - b.len;
		got = fread(b.data + b.len, 1, room, f);
		b.len += got;
		b.data[b.len] = '\0';
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		rc = sg_err(err, SG_EIO, "%s: cannot read: %s", path,
			    strerror(errno));
		goto out;
	}
	rc = sg_synonyms_parse(b.data, b.len, path, out, err);
out:
	fclose(f);
	sg_buf_release(&b);
	return rc;
}
