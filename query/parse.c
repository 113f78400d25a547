/*
 * parse.c — the query parser (see parse.h and docs/QUERY.md, "Syntax").
 *
 * How it works. One left-to-right pass reads the text a code point at a time
 * and acts on each token as soon as it is complete (words, phrases, '-', OR,
 * parentheses); there is no separate token list and no recursion.
 *
 * Finished nodes wait on one stack of node pointers (`stack`). Every open
 * group, the whole query included, is a frame that owns the top of that
 * stack from `and_start` up, split in two:
 *
 *     stack: ... | AND operands of the group | current OR chain |
 *                ^and_start                  ^or_start          ^n
 *
 * An item after an OR joins the chain; any other item first collapses the
 * chain into one node (an OR node when it holds two or more), which thereby
 * becomes the group's last AND operand, and then starts a new chain. That is
 * the whole precedence rule: OR binds tighter than the implicit AND. A pending
 * '-' wraps the next item (or group) of its frame in a NOT. A ')' (or the end
 * of the text) collapses the chain and turns the group's operands into one
 * AND node, which then enters the enclosing frame as an item. Frames live in
 * a fixed array of SG_QUERY_MAX_DEPTH + 1, so nesting needs no heap either.
 *
 * Each node is pushed, popped and copied into its parent's kid array once,
 * except for flattening: an AND group inside an AND (or an OR inside an OR)
 * is spliced into its parent, and a kid pointer can be copied again once per
 * enclosing level; at most SG_QUERY_MAX_DEPTH times. The pass is linear.
 *
 * Nodes, kid arrays and texts live in the query's arena, freed at once.
 */
#include "alloc.h"
#include "parse.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>

#include "error.h"

/* ---------------------------------------------------------------- arena */

struct arena_block {
	struct arena_block *next;
	size_t cap, used;  /* bytes of data[] */
	max_align_t data[];
};

struct sg_query {
	struct arena_block *blocks;  /* newest first */
	size_t next_cap;             /* size of the next block (doubles to 64 KiB) */
};

#define ARENA_FIRST 1024
#define ARENA_MAX (64 * 1024)

/* Returns `size` bytes aligned for any type, or NULL. */
static void *arena_alloc(sg_query *q, size_t size)
{
	const size_t align = alignof(max_align_t);
	struct arena_block *b = q->blocks;
	size_t cap;
	void *p;

	if (size > SIZE_MAX - align)
		return NULL;
	size = (size + align - 1) / align * align;
	if (!b || b->cap - b->used < size) {
		cap = q->next_cap > size ? q->next_cap : size;
		if (cap > SIZE_MAX - sizeof(*b))
			return NULL;
		b = sg_malloc(sizeof(*b) + cap);
		if (!b)
			return NULL;
		b->next = q->blocks;
		b->cap = cap;
		b->used = 0;
		q->blocks = b;
		if (q->next_cap < ARENA_MAX)
			q->next_cap *= 2;
	}
	p = (char *)b->data + b->used;
	b->used += size;
	return p;
}

void sg_query_free(sg_query *q)
{
	struct arena_block *b, *next;

	if (!q)
		return;
	for (b = q->blocks; b; b = next) {
		next = b->next;
		sg_free(b);
	}
	sg_free(q);
}

/* ---------------------------------------------------------------- UTF-8 */

#define CP_INVALID 0xFFFFFFFFu

/* Decodes the code point at s[0..n) (n >= 1) into *cp and returns its length
 * in bytes. A byte that does not start a well-formed sequence (RFC 3629: no
 * overlong forms, surrogates or values above U+10FFFF) is returned alone as
 * CP_INVALID, so that every invalid byte counts as one column. */
static size_t u8_next(const unsigned char *s, size_t n, uint32_t *cp)
{
	unsigned char b = s[0];
	unsigned char lo = 0x80, hi = 0xBF;
	size_t need, i;
	uint32_t v;

	*cp = CP_INVALID;
	if (b < 0x80) {
		*cp = b;
		return 1;
	}
	if (b >= 0xC2 && b <= 0xDF) {
		need = 1;
		v = b & 0x1Fu;
	} else if (b >= 0xE0 && b <= 0xEF) {
		need = 2;
		v = b & 0x0Fu;
		if (b == 0xE0)
			lo = 0xA0;
		else if (b == 0xED)
			hi = 0x9F;
	} else if (b >= 0xF0 && b <= 0xF4) {
		need = 3;
		v = b & 0x07u;
		if (b == 0xF0)
			lo = 0x90;
		else if (b == 0xF4)
			hi = 0x8F;
	} else {
		return 1;
	}
	if (n <= need)
		return 1;
	/* only the second byte has a narrowed range */
	if (s[1] < lo || s[1] > hi)
		return 1;
	for (i = 1; i <= need; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 1;
		v = (v << 6) | (s[i] & 0x3Fu);
	}
	*cp = v;
	return need + 1;
}

/* The characters with a meaning in the syntax. */
#define CP_IDEOGRAPHIC_SPACE 0x3000u
#define CP_LEFT_DQUOTE 0x201Cu   /* “ */
#define CP_RIGHT_DQUOTE 0x201Du  /* ” */
#define CP_FW_LPAREN 0xFF08u     /* （ */
#define CP_FW_RPAREN 0xFF09u     /* ） */
#define CP_FW_ASTERISK 0xFF0Au   /* ＊ */

static int is_space(uint32_t c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
	       c == CP_IDEOGRAPHIC_SPACE;
}

static int is_lparen(uint32_t c) { return c == '(' || c == CP_FW_LPAREN; }
static int is_rparen(uint32_t c) { return c == ')' || c == CP_FW_RPAREN; }
static int is_star(uint32_t c) { return c == '*' || c == CP_FW_ASTERISK; }
static int is_open_quote(uint32_t c) { return c == '"' || c == CP_LEFT_DQUOTE; }

/* Characters that end a word without belonging to it. */
static int ends_word(uint32_t c)
{
	return is_space(c) || is_lparen(c) || is_rparen(c) || is_open_quote(c);
}

/* ---------------------------------------------------------------- parser */

struct frame {
	size_t and_start;  /* stack index of the group's first AND operand */
	size_t or_start;   /* stack index of the current OR chain */
	size_t open_col;   /* column of the '(' (0 for the whole query) */
	size_t neg_col;    /* column of a '-' waiting for its item, or 0 */
	size_t or_col;     /* column of an OR waiting for its right item, or 0 */
};

struct parser {
	const unsigned char *s;
	size_t len;
	size_t i;          /* byte offset of the next character */
	size_t col;        /* its 1-based column */
	sg_query *q;
	sg_buf stack;      /* sg_qnode * elements */
	sg_buf text;       /* the unescaped text of the current leaf */
	size_t depth;      /* open groups; frames[depth] is the innermost */
	size_t n_items;
	/* FIELD of the next leaf (a word's own, or `FIELD:` before a
	 * phrase, which then starts at field_col), NUL-terminated, or
	 * field_len 0. */
	char field[SG_QUERY_MAX_FIELD + 1];
	size_t field_len, field_col;
	sg_error *err;
	/* Last: a new parser zeroes what comes before and frames[0], the
	 * whole query's; a group's frame is set as it opens (open_group).
	 * Zeroing all 65 frames cost more than parsing a short query. */
	struct frame frames[SG_QUERY_MAX_DEPTH + 1];
};

static size_t stack_n(const struct parser *p)
{
	return p->stack.len / sizeof(sg_qnode *);
}

static sg_qnode **stack_at(const struct parser *p, size_t k)
{
	return (sg_qnode **)(void *)p->stack.data + k;
}

static int nomem(struct parser *p)
{
	return sg_err(p->err, SG_ENOMEM, "query parser: out of memory");
}

static int push(struct parser *p, sg_qnode *n)
{
	if (sg_buf_append(&p->stack, &n, sizeof(n)) != SG_OK)
		return nomem(p);
	return SG_OK;
}

static sg_qnode *new_node(struct parser *p, sg_qkind kind, size_t column)
{
	sg_qnode *n = arena_alloc(p->q, sizeof(*n));

	if (!n)
		return NULL;
	memset(n, 0, sizeof(*n));
	n->kind = kind;
	n->column = column;
	return n;
}

/* Replaces stack[from..n) (two or more nodes) by one AND or OR node whose
 * kids are those nodes, with kids of the same kind spliced in (flattening). */
static int reduce(struct parser *p, size_t from, sg_qkind kind, size_t column)
{
	size_t n = stack_n(p), total = 0, k, j, out = 0;
	sg_qnode *node, **kids;

	for (k = from; k < n; k++) {
		sg_qnode *kid = *stack_at(p, k);
		total += kid->kind == kind ? kid->n_kids : 1;
	}
	node = new_node(p, kind, column);
	kids = arena_alloc(p->q, total * sizeof(*kids));
	if (!node || !kids)
		return nomem(p);
	for (k = from; k < n; k++) {
		sg_qnode *kid = *stack_at(p, k);
		if (kid->kind == kind) {
			for (j = 0; j < kid->n_kids; j++)
				kids[out++] = kid->kids[j];
		} else {
			kids[out++] = kid;
		}
	}
	node->kids = kids;
	node->n_kids = total;
	p->stack.len = from * sizeof(sg_qnode *);
	return push(p, node);
}

/* Collapses the current OR chain of `f` into one node. */
static int close_chain(struct parser *p, struct frame *f)
{
	if (stack_n(p) - f->or_start < 2)
		return SG_OK;
	return reduce(p, f->or_start, SG_Q_OR, (*stack_at(p, f->or_start))->column);
}

/* Adds a finished item (leaf or group) to the innermost frame. */
static int add_item(struct parser *p, sg_qnode *n)
{
	struct frame *f = &p->frames[p->depth];
	int rc;

	if (f->neg_col) {
		sg_qnode *neg = new_node(p, SG_Q_NOT, f->neg_col);
		sg_qnode **kid = arena_alloc(p->q, sizeof(*kid));

		if (!neg || !kid)
			return nomem(p);
		*kid = n;
		neg->kids = kid;
		neg->n_kids = 1;
		n = neg;
		f->neg_col = 0;
	}
	if (f->or_col) {
		f->or_col = 0;
	} else {
		rc = close_chain(p, f);
		if (rc != SG_OK)
			return rc;
		f->or_start = stack_n(p);
	}
	return push(p, n);
}

/* Ends the innermost frame: its operands become one node in *out (NULL when
 * it has none) and leave the stack. */
static int close_frame(struct parser *p, sg_qnode **out)
{
	struct frame *f = &p->frames[p->depth];
	size_t n;
	int rc;

	*out = NULL;
	if (f->or_col)
		return sg_err(p->err, SG_ESYNTAX,
			      "column %zu: 'OR' must stand between two items "
			      "(to search for the word, write \\OR)", f->or_col);
	rc = close_chain(p, f);
	if (rc != SG_OK)
		return rc;
	n = stack_n(p) - f->and_start;
	if (n == 0)
		return SG_OK;
	if (n >= 2) {
		rc = reduce(p, f->and_start, SG_Q_AND,
			    f->open_col ? f->open_col
					: (*stack_at(p, f->and_start))->column);
		if (rc != SG_OK)
			return rc;
	}
	*out = *stack_at(p, f->and_start);
	p->stack.len = f->and_start * sizeof(sg_qnode *);
	return SG_OK;
}

/* Makes a leaf of p->text (and of p->field, which it takes) and adds it. */
static int add_leaf(struct parser *p, sg_qkind kind, size_t column)
{
	sg_qnode *n;
	char *t, *f = NULL;

	if (++p->n_items > SG_QUERY_MAX_ITEMS)
		return sg_err(p->err, SG_ETOOBIG,
			      "column %zu: more than %d words, phrases and "
			      "prefixes in the query (the limit is %d)",
			      column, SG_QUERY_MAX_ITEMS, SG_QUERY_MAX_ITEMS);
	n = new_node(p, kind, column);
	t = arena_alloc(p->q, p->text.len + 1);
	if (p->field_len)
		f = arena_alloc(p->q, p->field_len + 1);
	if (!n || !t || (p->field_len && !f))
		return nomem(p);
	if (p->text.len)
		memcpy(t, p->text.data, p->text.len);
	t[p->text.len] = '\0';
	n->text = t;
	n->len = p->text.len;
	if (f) {
		memcpy(f, p->field, p->field_len + 1);
		n->field = f;
		n->field_len = p->field_len;
		p->field_len = 0;
	}
	return add_item(p, n);
}

/* Reads the character at p->i without consuming it. */
static size_t peek(const struct parser *p, uint32_t *cp)
{
	return u8_next(p->s + p->i, p->len - p->i, cp);
}

static void advance(struct parser *p, size_t n)
{
	p->i += n;
	p->col++;
}

/* Appends the character at p->i to p->text and consumes it. */
static int take(struct parser *p, size_t n)
{
	if (sg_buf_append(&p->text, p->s + p->i, n) != SG_OK)
		return nomem(p);
	advance(p, n);
	return SG_OK;
}

/* 1 when s[0..n) can name a field: 1..SG_QUERY_MAX_FIELD ASCII letters,
 * digits, '_', '-' and '.'. */
static int field_name(const char *s, size_t n)
{
	size_t k;

	if (n == 0 || n > SG_QUERY_MAX_FIELD)
		return 0;
	for (k = 0; k < n; k++) {
		unsigned char c = (unsigned char)s[k];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '-' ||
		      c == '.'))
			return 0;
	}
	return 1;
}

/* Moves a word's leading "FIELD:" (its first unescaped ':', at byte
 * `colon` of p->text) into p->field. */
static void take_field(struct parser *p, size_t colon)
{
	memcpy(p->field, p->text.data, colon);
	p->field[colon] = '\0';
	p->field_len = colon;
	memmove(p->text.data, p->text.data + colon + 1,
		p->text.len - colon - 1);
	p->text.len -= colon + 1;
}

/* A phrase: p->i is at the opening quote. */
static int parse_phrase(struct parser *p)
{
	size_t column = p->field_len ? p->field_col : p->col, n;
	uint32_t c, close;
	const char *close_str;
	int rc;

	n = peek(p, &c);
	close = c == '"' ? '"' : CP_RIGHT_DQUOTE;
	close_str = c == '"' ? "\"" : "\xE2\x80\x9D";
	advance(p, n);
	sg_buf_reset(&p->text);
	for (;;) {
		if (p->i >= p->len)
			return sg_err(p->err, SG_ESYNTAX,
				      "column %zu: closing '%s' expected "
				      "(the phrase opened here is never closed)",
				      column, close_str);
		n = peek(p, &c);
		if (c == close) {
			advance(p, n);
			break;
		}
		if (c == '\\' && p->i + 1 < p->len) {
			advance(p, n);
			n = peek(p, &c);
		}
		rc = take(p, n);
		if (rc != SG_OK)
			return rc;
	}
	if (p->text.len == 0)
		return sg_err(p->err, SG_ESYNTAX,
			      "column %zu: empty phrase (write at least one "
			      "character between the quotes)", column);
	return add_leaf(p, SG_Q_PHRASE, column);
}

/* A word, a prefix or OR: p->i is at its first character, which does not
 * end a word. `after_minus`: a '-' precedes it (then OR is a plain word). */
static int parse_word(struct parser *p, int after_minus)
{
	size_t column = p->col, n, star_col = 0, before_star = 0;
	size_t start = p->i, colon = SIZE_MAX;
	int escaped = 0, star = 0, rc;
	uint32_t c;

	sg_buf_reset(&p->text);
	while (p->i < p->len) {
		n = peek(p, &c);
		if (ends_word(c))
			break;
		star = 0;
		if (c == '\\') {
			if (p->i + 1 >= p->len)
				return sg_err(p->err, SG_ESYNTAX,
					      "column %zu: '\\' at the end of "
					      "the query escapes nothing (write "
					      "\\\\ for a backslash)", p->col);
			advance(p, n);
			n = peek(p, &c);
			escaped = 1;
		} else if (is_star(c)) {
			star = 1;
			star_col = p->col;
			before_star = p->text.len;
		} else if (c == ':' && colon == SIZE_MAX) {
			colon = p->text.len;
		}
		rc = take(p, n);
		if (rc != SG_OK)
			return rc;
	}
	if (!escaped && !after_minus && p->i - start == 2 &&
	    memcmp(p->s + start, "OR", 2) == 0) {
		struct frame *f = &p->frames[p->depth];

		if (stack_n(p) == f->or_start || f->or_col)
			return sg_err(p->err, SG_ESYNTAX,
				      "column %zu: 'OR' must stand between "
				      "two items (to search for the word, "
				      "write \\OR)", column);
		f->or_col = column;
		return SG_OK;
	}
	/* FIELD:word, FIELD:prefix*, FIELD:"phrase" (docs/QUERY.md,
	 * Fields); `FIELD:` alone or before anything but a quote is a word. */
	if (colon != SIZE_MAX && field_name(p->text.data, colon)) {
		uint32_t next = 0;

		if (p->i < p->len)
			(void)peek(p, &next);
		if (colon + 1 == p->text.len && is_open_quote(next)) {
			take_field(p, colon);
			p->field_col = column;
			return SG_OK; /* the phrase that follows takes it */
		}
		if (colon + 1 < (star ? before_star : p->text.len)) {
			take_field(p, colon);
			if (star)
				before_star -= colon + 1;
		}
	}
	if (star) {
		if (before_star == 0)
			return sg_err(p->err, SG_ESYNTAX,
				      "column %zu: '*' must follow a word "
				      "(write \\* to search for it)", star_col);
		p->text.len = before_star;
		p->text.data[before_star] = '\0';
		return add_leaf(p, SG_Q_PREFIX, column);
	}
	return add_leaf(p, SG_Q_WORD, column);
}

static int open_group(struct parser *p, size_t n)
{
	struct frame *f;

	if (p->depth == SG_QUERY_MAX_DEPTH)
		return sg_err(p->err, SG_ETOOBIG,
			      "column %zu: groups nested more than %d deep "
			      "(the limit is %d)", p->col,
			      SG_QUERY_MAX_DEPTH, SG_QUERY_MAX_DEPTH);
	f = &p->frames[++p->depth];
	f->and_start = f->or_start = stack_n(p);
	f->open_col = p->col;
	f->neg_col = f->or_col = 0;
	advance(p, n);
	return SG_OK;
}

static int close_group(struct parser *p, size_t n)
{
	sg_qnode *group;
	int rc;

	if (p->depth == 0)
		return sg_err(p->err, SG_ESYNTAX,
			      "column %zu: unexpected ')' (no '(' is open)",
			      p->col);
	rc = close_frame(p, &group);
	if (rc != SG_OK)
		return rc;
	if (!group)
		return sg_err(p->err, SG_ESYNTAX,
			      "column %zu: empty group '()' (put at least one "
			      "item between the parentheses)",
			      p->frames[p->depth].open_col);
	p->depth--;
	advance(p, n);
	return add_item(p, group);
}

static int parse_all(struct parser *p, sg_qnode **root)
{
	size_t n;
	uint32_t c;
	int rc;

	while (p->i < p->len) {
		n = peek(p, &c);
		if (is_space(c)) {
			advance(p, n);
			rc = SG_OK;
		} else if (is_lparen(c)) {
			rc = open_group(p, n);
		} else if (is_rparen(c)) {
			rc = close_group(p, n);
		} else if (is_open_quote(c)) {
			rc = parse_phrase(p);
		} else if (c == '-') {
			size_t neg_col = p->col;
			uint32_t next = ' ';

			if (p->i + 1 < p->len)
				(void)u8_next(p->s + p->i + 1,
					      p->len - p->i - 1, &next);
			if (is_space(next) || is_rparen(next))
				return sg_err(p->err, SG_ESYNTAX,
					      "column %zu: '-' must be followed "
					      "by a word, phrase or group",
					      neg_col);
			p->frames[p->depth].neg_col = neg_col;
			advance(p, n);
			/* after '-': a group, a phrase or a word that may
			 * itself start with '-' */
			if (is_lparen(next) || is_open_quote(next))
				continue;
			rc = parse_word(p, 1);
		} else {
			rc = parse_word(p, 0);
		}
		if (rc != SG_OK)
			return rc;
	}
	if (p->depth > 0)
		return sg_err(p->err, SG_ESYNTAX,
			      "column %zu: closing ')' expected (the '(' here "
			      "is never closed)", p->frames[p->depth].open_col);
	return close_frame(p, root);
}

int sg_query_parse(const char *text, size_t len, sg_query **out,
		   const sg_qnode **root, sg_error *err)
{
	struct parser *p = NULL;
	sg_qnode *top = NULL;
	int rc;

	if (out)
		*out = NULL;
	if (root)
		*root = NULL;
	if (!out || !root || (!text && len))
		return sg_err(err, SG_EINVAL,
			      "sg_query_parse: NULL %s", !out ? "out" :
			      !root ? "root" : "text");
	p = sg_malloc(sizeof(*p));
	if (!p)
		return sg_err(err, SG_ENOMEM, "query parser: out of memory");
	memset(p, 0, offsetof(struct parser, frames) + sizeof(p->frames[0]));
	p->s = (const unsigned char *)text;
	p->len = len;
	p->col = 1;
	p->err = err;
	p->q = sg_calloc(1, sizeof(*p->q));
	if (!p->q) {
		rc = nomem(p);
		goto fail;
	}
	p->q->next_cap = ARENA_FIRST;
	rc = parse_all(p, &top);
	if (rc != SG_OK)
		goto fail;
	*out = p->q;
	*root = top;
	sg_buf_release(&p->text);
	sg_buf_release(&p->stack);
	sg_free(p);
	return SG_OK;
fail:
	sg_buf_release(&p->text);
	sg_buf_release(&p->stack);
	sg_query_free(p->q);
	sg_free(p);
	return rc;
}

/* ---------------------------------------------------------------- format */

static int format_text(sg_buf *out, const sg_qnode *n)
{
	size_t k, colon = SIZE_MAX;
	int rc = SG_OK;

	if (n->field_len) {
		rc = sg_buf_append(out, n->field, n->field_len);
		if (rc == SG_OK)
			rc = sg_buf_putc(out, ':');
	}
	/* A word's first ':' after a field-like name, with text after it,
	 * would read back as a field: escaped. */
	if (n->kind != SG_Q_PHRASE && !n->field_len) {
		const char *c = memchr(n->text, ':', n->len);

		if (c && c + 1 < n->text + n->len &&
		    field_name(n->text, (size_t)(c - n->text)))
			colon = (size_t)(c - n->text);
	}
	if (rc == SG_OK && n->kind == SG_Q_PHRASE)
		rc = sg_buf_putc(out, '"');
	for (k = 0; k < n->len && rc == SG_OK; k++) {
		char c = n->text[k];
		int esc;

		if (n->kind == SG_Q_PHRASE)
			esc = c == '"' || c == '\\';
		else
			esc = strchr("\\\"()* \t\n\r", c) != NULL ||
			      (k == 0 && c == '-') || k == colon;
		/* strchr finds the terminating NUL too: never escape a NUL */
		if (c == '\0')
			esc = 0;
		if (esc)
			rc = sg_buf_putc(out, '\\');
		if (rc == SG_OK)
			rc = sg_buf_putc(out, c);
	}
	if (rc == SG_OK && n->kind == SG_Q_PHRASE)
		rc = sg_buf_putc(out, '"');
	if (rc == SG_OK && n->kind == SG_Q_PREFIX)
		rc = sg_buf_putc(out, '*');
	return rc;
}

int sg_query_format(const sg_qnode *n, sg_buf *out)
{
	static const char *const names[] = {
		[SG_Q_AND] = "(AND", [SG_Q_OR] = "(OR", [SG_Q_NOT] = "(NOT",
	};
	size_t k;
	int rc;

	if (!n)
		return sg_buf_append(out, "()", 2);
	switch (n->kind) {
	case SG_Q_WORD:
	case SG_Q_PHRASE:
	case SG_Q_PREFIX:
		return format_text(out, n);
	case SG_Q_AND:
	case SG_Q_OR:
	case SG_Q_NOT:
		break;
	}
	rc = sg_buf_append(out, names[n->kind], strlen(names[n->kind]));
	for (k = 0; k < n->n_kids && rc == SG_OK; k++) {
		rc = sg_buf_putc(out, ' ');
		if (rc == SG_OK)
			rc = sg_query_format(n->kids[k], out);
	}
	if (rc == SG_OK)
		rc = sg_buf_putc(out, ')');
	return rc;
}
