/*
 * analyzer.c — text to terms: normalize, MeCab, base forms, filter, positions.
 *
 * The pipeline of one sg_analyze() call (docs/ANALYZER.md tells more):
 *  1. sg_normalize(): NFKC + case fold + U+FFFD for invalid UTF-8, with a map
 *     from every normalized byte back to the original input.
 *  2. The normalized text is cut into pieces of at most 64 KiB, preferably
 *     after a sentence end (。 ! ? .) or a newline, so that MeCab's lattice
 *     stays small and a 10 MB line costs linear time.
 *  3. MeCab (one model per sg_analyzer, one tagger + lattice per sg_analysis)
 *     parses each piece. Every node becomes a token:
 *       term    the dictionary base form (ipadic column 7) of verbs and
 *               adjectives, else the normalized surface; cut to 255 bytes;
 *       pos_tag ipadic columns 1-4 joined by ',' without trailing '*';
 *       indexed 0 for particles, auxiliary verbs, symbols, and any token made
 *               only of whitespace/punctuation/symbol code points (unless
 *               keep_all);
 *       pos     one position per token, plus one per whitespace run between
 *               two tokens (MeCab skips whitespace: a gap between the end of
 *               one node and the start of the next is such a run). Gaps are
 *               measured in absolute normalized offsets, so piece cuts do not
 *               change positions.
 *  4. start/end map back through the offset map to the ORIGINAL input.
 *
 * Terms and tags are appended to one buffer during the pass and the token
 * pointers are set only at the end, because the buffer moves as it grows.
 */
#include "alloc.h"
#include "analyzer_internal.h"

#include <limits.h>
#include <mecab.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <utf8proc.h>

#include "buf.h"
#include "error.h"
#include "normalize.h"

/* Bump the number whenever the analysis of any input could change. */
#define ANALYZER_CONFIG_VERSION "sagasu-analyzer/1"

#define DEFAULT_DICDIR "/var/lib/mecab/dic/ipadic-utf8"

/* ipadic feature columns (0-based) */
enum { COL_POS1 = 0, COL_POS4 = 3, COL_BASE = 6, N_COLS = 9 };

struct sg_analyzer {
	mecab_model_t *model;
	int keep_all;
	char *config;
};

/* Offsets of a token's term and tag in sg_analysis.strs until the pass ends. */
struct tok_offs {
	size_t term_off, tag_off;
};

struct sg_analysis {
	sg_analyzer *a;
	mecab_t *tagger;
	mecab_lattice_t *lattice;
	size_t piece_max;
	int terms_only;   /* skip tags and offsets (the indexer's analysis) */
	sg_norm norm;
	sg_buf toks;  /* sg_token[] */
	sg_buf offs;  /* struct tok_offs[], parallel to toks */
	sg_buf strs;  /* terms and tags */
};

/* ------------------------------------------------------------ analyzer */

static const char *basename_of_dir(const char *path, char *tmp, size_t cap)
{
	const char *slash;
	size_t n;

	/* path is ".../DIR/sys.dic": DIR is the dictionary's name. */
	n = strlen(path);
	if (n >= cap)
		return "?";
	memcpy(tmp, path, n + 1);
	slash = strrchr(tmp, '/');
	if (!slash)
		return "?";
	tmp[slash - tmp] = '\0';
	slash = strrchr(tmp, '/');
	return slash ? slash + 1 : tmp;
}

int sg_analyzer_new(const sg_analyzer_options *opt, sg_analyzer **out,
		    sg_error *err)
{
	static const sg_analyzer_options defaults = SG_ANALYZER_OPTIONS_INIT;
	const mecab_dictionary_info_t *info, *sys = NULL;
	char *argv[5];
	char resolved[PATH_MAX], tmp[PATH_MAX];
	const char *dicdir, *dicname;
	sg_analyzer *a;
	int argc = 0, n, rc;

	*out = NULL;
	if (!opt)
		opt = &defaults;
	dicdir = opt->dicdir;
	if (!dicdir && access(DEFAULT_DICDIR "/sys.dic", R_OK) == 0)
		dicdir = DEFAULT_DICDIR;
	a = sg_calloc(1, sizeof(*a));
	if (!a)
		return sg_err(err, SG_ENOMEM, "analyzer: out of memory");
	a->keep_all = opt->keep_all ? 1 : 0;

	argv[argc++] = (char *)"sagasu";
	if (dicdir) {
		/* -r /dev/null: with the dictionary named, a user's ~/.mecabrc
		 * (user dictionaries...) must not change the analysis. */
		argv[argc++] = (char *)"-d";
		argv[argc++] = (char *)dicdir;
		argv[argc++] = (char *)"-r";
		argv[argc++] = (char *)"/dev/null";
	}
	a->model = mecab_model_new(argc, argv);
	if (!a->model) {
		rc = sg_err(err, SG_EMECAB,
			    "MeCab cannot open the dictionary %s: %s (install it: "
			    "apt-get install mecab-ipadic-utf8, or name one with "
			    "--dicdir)",
			    dicdir ? dicdir : "named by mecabrc",
			    mecab_strerror(NULL));
		goto fail;
	}
	for (info = mecab_model_dictionary_info(a->model); info; info = info->next)
		if (info->type == MECAB_SYS_DIC)
			sys = info;
	if (!sys) {
		rc = sg_err(err, SG_EMECAB, "MeCab dictionary %s has no system "
			    "dictionary (apt-get install mecab-ipadic-utf8)",
			    dicdir ? dicdir : "named by mecabrc");
		goto fail;
	}
	if (!sys->charset || (strcasecmp(sys->charset, "utf-8") &&
			      strcasecmp(sys->charset, "utf8"))) {
		rc = sg_err(err, SG_EMECAB, "MeCab dictionary %s is in %s, not "
			    "UTF-8 (apt-get install mecab-ipadic-utf8, and use "
			    "--dicdir %s)", sys->filename,
			    sys->charset ? sys->charset : "an unknown charset",
			    DEFAULT_DICDIR);
		goto fail;
	}
	if (!realpath(sys->filename, resolved)) {
		n = snprintf(resolved, sizeof(resolved), "%s", sys->filename);
		if (n < 0 || (size_t)n >= sizeof(resolved))
			resolved[0] = '\0';
	}
	dicname = basename_of_dir(resolved, tmp, sizeof(tmp));
	n = snprintf(NULL, 0, "%s dic=%s:%s:%u:%u norm=nfkc_cf utf8proc=%s "
		     "filter=%s", ANALYZER_CONFIG_VERSION, dicname, sys->charset,
		     (unsigned)sys->version, sys->size, utf8proc_version(),
		     a->keep_all ? "keep_all" : "default");
	if (n < 0) {
		rc = sg_err(err, SG_EINVAL, "analyzer: cannot format the config");
		goto fail;
	}
	a->config = sg_malloc((size_t)n + 1);
	if (!a->config) {
		rc = sg_err(err, SG_ENOMEM, "analyzer: out of memory");
		goto fail;
	}
	(void)snprintf(a->config, (size_t)n + 1, "%s dic=%s:%s:%u:%u "
		       "norm=nfkc_cf utf8proc=%s filter=%s",
		       ANALYZER_CONFIG_VERSION, dicname, sys->charset,
		       (unsigned)sys->version, sys->size, utf8proc_version(),
		       a->keep_all ? "keep_all" : "default");
	*out = a;
	return SG_OK;
fail:
	sg_analyzer_free(a);
	return rc;
}

void sg_analyzer_free(sg_analyzer *a)
{
	if (!a)
		return;
	sg_free(a->config);
	if (a->model)
		mecab_model_destroy(a->model);
	sg_free(a);
}

const char *sg_analyzer_config(const sg_analyzer *a)
{
	return a->config;
}

/* ------------------------------------------------------------ analysis */

int sg_analysis_new(sg_analyzer *a, sg_analysis **out, sg_error *err)
{
	sg_analysis *s;

	*out = NULL;
	s = sg_calloc(1, sizeof(*s));
	if (!s)
		return sg_err(err, SG_ENOMEM, "analysis: out of memory");
	s->a = a;
	s->piece_max = SG_ANALYZER_PIECE_MAX;
	s->tagger = mecab_model_new_tagger(a->model);
	if (!s->tagger) {
		sg_analysis_free(s);
		return sg_err(err, SG_EMECAB, "MeCab cannot create a tagger: %s",
			      mecab_strerror(NULL));
	}
	s->lattice = mecab_model_new_lattice(a->model);
	if (!s->lattice) {
		sg_analysis_free(s);
		return sg_err(err, SG_EMECAB, "MeCab cannot create a lattice: %s",
			      mecab_strerror(NULL));
	}
	*out = s;
	return SG_OK;
}

void sg_analysis_free(sg_analysis *s)
{
	if (!s)
		return;
	sg_buf_release(&s->strs);
	sg_buf_release(&s->offs);
	sg_buf_release(&s->toks);
	sg_norm_release(&s->norm);
	if (s->lattice)
		mecab_lattice_destroy(s->lattice);
	if (s->tagger)
		mecab_destroy(s->tagger);
	sg_free(s);
}

void sg_analysis_set_terms_only(sg_analysis *s, int on)
{
	s->terms_only = on;
}

void sg_analysis_set_piece_max(sg_analysis *s, size_t max)
{
	s->piece_max = max < 4 ? 4 : max;
}

size_t sg_analysis_invalid_utf8(const sg_analysis *s)
{
	return s->norm.invalid;
}

const char *sg_analysis_normalized(const sg_analysis *s, size_t *len)
{
	*len = s->norm.text.len;
	return s->norm.text.data ? s->norm.text.data : "";
}

static int is_boundary_byte(const char *t, size_t k)
{
	char c = t[k - 1];

	if (c == '\n' || c == '!' || c == '?' || c == '.')
		return 1;
	/* 。 is E3 80 82 */
	return k >= 3 && c == '\x82' && t[k - 2] == '\x80' && t[k - 3] == '\xE3';
}

/* The SPACE class of ipadic's char.def (U+00D0 there too, but case folding
 * turns it into U+00F0, so it never reaches MeCab). */
static int is_mecab_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v';
}

size_t sg_analyzer_cut(const char *text, size_t len, size_t max)
{
	size_t k;

	/* A line is a piece of its own: MeCab's lattice is cheaper on short
	 * inputs (about 1.5x on documentation text), and it is what the mecab
	 * command does, line by line. */
	{
		const char *nl = memchr(text, '\n', len < max ? len : max);

		if (nl)
			return (size_t)(nl - text) + 1;
	}
	if (len <= max)
		return len;
	for (k = max; k > 0; k--)
		if (is_boundary_byte(text, k))
			return k;
	for (k = max; k > 0; k--)
		if (text[k - 1] == ' ' || text[k - 1] == '\t' || text[k - 1] == '\r')
			return k;
	/* Any character boundary: back up over continuation bytes. */
	for (k = max; k > 0 && ((unsigned char)text[k] & 0xC0) == 0x80; k--)
		;
	return k ? k : max;
}

/* Splits a feature string into at most N_COLS columns (no copies). */
static size_t split_features(const char *f, const char *col[N_COLS],
			     size_t col_len[N_COLS])
{
	size_t n = 0;
	const char *p = f, *comma;

	/* One pass over bytes: the columns are a few bytes long, where a
	 * call to strchr costs more than it scans. */
	while (n < N_COLS) {
		for (comma = p; *comma && *comma != ','; comma++)
			;
		col[n] = p;
		col_len[n] = (size_t)(comma - p);
		n++;
		if (!*comma)
			break;
		p = comma + 1;
	}
	return n;
}

static int col_is(const char *c, size_t len, const char *s)
{
	return strlen(s) == len && !memcmp(c, s, len);
}

/* 1 when every code point of the (valid UTF-8) term is whitespace,
 * punctuation or a symbol. */
static int only_punct(const char *t, size_t len)
{
	const char *end = t + len;
	int32_t cp;

	while (t < end) {
		t += sg_utf8_next(t, end, &cp);
		if (!sg_cp_is_space_punct_symbol(cp))
			return 0;
	}
	return 1;
}

size_t sg_analyzer_cut_term(const char *t, size_t len)
{
	size_t k;

	if (len <= SG_TERM_MAX)
		return len;
	for (k = SG_TERM_MAX; k > 0 && ((unsigned char)t[k] & 0xC0) == 0x80; k--)
		;
	return k;
}

/* Appends one token for node n found at normalized offset `off`. */
static int add_token(sg_analysis *s, const mecab_node_t *node, size_t off,
		     uint32_t pos)
{
	const char *col[N_COLS], *term;
	size_t col_len[N_COLS], ncol, term_len, i;
	struct tok_offs to;
	sg_token tok;
	int drop;

	memset(&tok, 0, sizeof(tok));
	ncol = split_features(node->feature ? node->feature : "", col, col_len);
	term = node->surface;
	term_len = node->length;
	if (ncol > COL_BASE && (col_is(col[0], col_len[0], "動詞") ||
				col_is(col[0], col_len[0], "形容詞")) &&
	    !col_is(col[COL_BASE], col_len[COL_BASE], "*") &&
	    col_len[COL_BASE] > 0) {
		term = col[COL_BASE];
		term_len = col_len[COL_BASE];
	}
	term_len = sg_analyzer_cut_term(term, term_len);
	drop = col_is(col[0], col_len[0], "助詞") ||
	       col_is(col[0], col_len[0], "助動詞") ||
	       col_is(col[0], col_len[0], "記号") || only_punct(term, term_len);

	to.term_off = s->strs.len;
	if (sg_buf_append(&s->strs, term, term_len) != SG_OK)
		return SG_ENOMEM;
	tok.term_len = term_len;
	to.tag_off = s->strs.len;
	if (s->terms_only) {
		/* The indexer needs terms and positions only: no tag string,
		 * no offsets into the original text. */
		tok.pos = pos;
		tok.indexed = s->a->keep_all || !drop;
		if (sg_buf_append(&s->toks, &tok, sizeof(tok)) != SG_OK ||
		    sg_buf_append(&s->offs, &to, sizeof(to)) != SG_OK)
			return SG_ENOMEM;
		return SG_OK;
	}
	/* POS tag: columns 1-4 without trailing '*'. */
	while (ncol > 1 && (ncol > COL_POS4 + 1 ||
			    col_is(col[ncol - 1], col_len[ncol - 1], "*")))
		ncol--;
	for (i = 0; i < ncol; i++) {
		if (i && sg_buf_putc(&s->strs, ',') != SG_OK)
			return SG_ENOMEM;
		if (sg_buf_append(&s->strs, col[i], col_len[i]) != SG_OK)
			return SG_ENOMEM;
	}
	tok.pos_tag_len = s->strs.len - to.tag_off;
	tok.pos = pos;
	tok.start = sg_norm_orig_start(&s->norm, off);
	tok.end = sg_norm_orig_end(&s->norm, off + node->length);
	tok.indexed = s->a->keep_all || !drop;
	if (sg_buf_append(&s->toks, &tok, sizeof(tok)) != SG_OK ||
	    sg_buf_append(&s->offs, &to, sizeof(to)) != SG_OK)
		return SG_ENOMEM;
	return SG_OK;
}

int sg_analyze(sg_analysis *s, const char *text, size_t len, uint32_t pos_base,
	       const sg_token **tokens, size_t *n, uint32_t *n_positions,
	       sg_error *err)
{
	const char *norm, *piece;
	size_t norm_len, done, piece_len, mecab_len, prev_end = 0, ntok, i;
	uint64_t pos = pos_base;
	const mecab_node_t *node;
	sg_token *toks;
	const struct tok_offs *offs;
	int have_prev = 0, rc;

	*tokens = NULL;
	*n = 0;
	*n_positions = 0;
	sg_buf_reset(&s->toks);
	sg_buf_reset(&s->offs);
	sg_buf_reset(&s->strs);
	rc = sg_normalize(&s->norm, text ? text : "", text ? len : 0);
	if (rc == SG_ETOOBIG)
		return sg_err(err, rc, "analyzer: a text of %zu bytes exceeds "
			      "the limit of %zu bytes", len, SG_NORM_MAX_INPUT);
	if (rc != SG_OK)
		return sg_err(err, rc, "analyzer: out of memory normalizing "
			      "%zu bytes", len);
	norm = s->norm.text.data;
	norm_len = s->norm.text.len;

	for (done = 0; done < norm_len; done += piece_len) {
		piece = norm + done;
		piece_len = sg_analyzer_cut(piece, norm_len - done, s->piece_max);
		/* MeCab (0.996) must never see trailing whitespace: skipping
		 * it, its tokenizer reads past the end of the sentence it was
		 * given and, when more text follows there, builds nodes
		 * beyond its lattice arrays (heap corruption; found with
		 * valgrind). The whitespace is skipped anyway and positions
		 * come from absolute offsets, so trimming changes nothing. */
		mecab_len = piece_len;
		while (mecab_len > 0 && is_mecab_space(piece[mecab_len - 1]))
			mecab_len--;
		if (mecab_len == 0)
			continue;
		mecab_lattice_set_sentence2(s->lattice, piece, mecab_len);
		if (!mecab_parse_lattice(s->tagger, s->lattice))
			return sg_err(err, SG_EMECAB, "MeCab failed on a piece of "
				      "%zu bytes at normalized offset %zu: %s",
				      mecab_len, done,
				      mecab_lattice_strerror(s->lattice));
		for (node = mecab_lattice_get_bos_node(s->lattice); node;
		     node = node->next) {
			size_t off;

			if (node->stat == MECAB_BOS_NODE ||
			    node->stat == MECAB_EOS_NODE || node->length == 0)
				continue;
			off = done + (size_t)(node->surface - piece);
			/* A gap since the previous token is whitespace MeCab
			 * skipped: one position per run. */
			if (have_prev && off > prev_end)
				pos++;
			if (pos >= UINT32_MAX)
				return sg_err(err, SG_ETOOBIG, "analyzer: token "
					      "positions exceed 2^32");
			rc = add_token(s, node, off, (uint32_t)pos);
			if (rc != SG_OK)
				return sg_err(err, rc, "analyzer: out of memory");
			pos++;
			prev_end = off + node->length;
			have_prev = 1;
		}
	}
	/* Resolve the term and tag pointers now that strs stops moving. */
	ntok = s->toks.len / sizeof(sg_token);
	toks = (sg_token *)(void *)s->toks.data;
	offs = (const struct tok_offs *)(const void *)s->offs.data;
	for (i = 0; i < ntok; i++) {
		toks[i].term = s->strs.data + offs[i].term_off;
		toks[i].pos_tag = s->strs.data + offs[i].tag_off;
	}
	*tokens = ntok ? toks : NULL;
	*n = ntok;
	*n_positions = (uint32_t)(pos - pos_base);
	return SG_OK;
}
