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
 * Variants (docs/ANALYZER.md): v-sounds and hyphens change lengths, so they
 * are rewritten in the normalized text (with its map) before MeCab sees it;
 * the ー rule and the kana fold work per MeCab token, after MeCab: a term
 * loses its final ー (and, in a query analysis, the normalized text the
 * same three bytes, so that the query's substring is the shorter form,
 * which every document with either spelling contains), and hiragana
 * becomes katakana in terms and normalized text alike (same length).
 *
 * Terms and tags are appended to one buffer during the pass and the token
 * pointers are set only at the end, because the buffer moves as it grows.
 */
#include "alloc.h"
#include "analyzer_internal.h"

#include <errno.h>
#include <limits.h>
#include <mecab.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <utf8proc.h>
#include <xxhash.h>

#include "buf.h"
#include "error.h"
#include "normalize.h"

/* Bump the number whenever the analysis of any input could change. "/1"
 * is still printed by an analyzer without variants or user dictionary (it
 * analyzes exactly as /1 did), so that older indexes open. */
#define ANALYZER_CONFIG_VERSION "sagasu-analyzer/2"
#define ANALYZER_CONFIG_V1 "sagasu-analyzer/1"

#define DEFAULT_DICDIR "/var/lib/mecab/dic/ipadic-utf8"

/* ipadic feature columns (0-based) */
enum { COL_POS1 = 0, COL_POS4 = 3, COL_BASE = 6, N_COLS = 9 };

struct sg_analyzer {
	mecab_model_t *model;
	int keep_all;
	unsigned variants;  /* SG_VARIANT_* */
	char *config;
};

static const struct {
	const char *name;
	unsigned bit;
} variant_names[] = {
	{ "choon", SG_VARIANT_CHOON }, { "kana", SG_VARIANT_KANA },
	{ "v", SG_VARIANT_V }, { "hyphen", SG_VARIANT_HYPHEN },
};

#define N_VARIANTS (sizeof(variant_names) / sizeof(variant_names[0]))

/* ー U+30FC in UTF-8 */
#define CHOON "\xE3\x83\xBC"
#define CHOON_LEN 3
/* The ー rule's shortest word, in characters, ー included (kuromoji's
 * JapaneseKatakanaStemFilter minimum length). */
#define CHOON_MIN_CHARS 4

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
	int query;        /* a query's: the ー rule cuts the text too */
	sg_norm norm;
	sg_buf cuts;  /* size_t[]: normalized offsets of ー the rule drops */
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

int sg_variants_parse(const char *list, unsigned *out, sg_error *err)
{
	const char *p = list, *comma;
	unsigned bits = 0;
	size_t len, k;

	*out = 0;
	if (!strcmp(list, "none"))
		return SG_OK;
	for (;;) {
		comma = strchr(p, ',');
		len = comma ? (size_t)(comma - p) : strlen(p);
		for (k = 0; k < N_VARIANTS; k++)
			if (strlen(variant_names[k].name) == len &&
			    !memcmp(variant_names[k].name, p, len))
				break;
		if (k == N_VARIANTS)
			return sg_err(err, SG_EINVAL, "variants: '%.*s' is not "
				      "a variant (choon, kana, v, hyphen, or "
				      "none alone)", (int)len, p);
		bits |= variant_names[k].bit;
		if (!comma)
			break;
		p = comma + 1;
	}
	*out = bits;
	return SG_OK;
}

/* Writes the names of `bits` ("choon,kana", "none") into buf[cap]. */
static void format_variants(unsigned bits, char *buf, size_t cap)
{
	size_t k, o = 0;
	int n;

	buf[0] = '\0';
	for (k = 0; k < N_VARIANTS; k++) {
		if (!(bits & variant_names[k].bit))
			continue;
		n = snprintf(buf + o, cap - o, "%s%s", o ? "," : "",
			     variant_names[k].name);
		if (n < 0 || (size_t)n >= cap - o)
			return;
		o += (size_t)n;
	}
	if (!o)
		(void)snprintf(buf, cap, "none");
}

unsigned sg_analyzer_variants(const sg_analyzer *a)
{
	return a->variants;
}

/* The XXH3-64 of the file at path, for the config's userdic= field. */
static int hash_file(const char *path, uint64_t *h, sg_error *err)
{
	FILE *f = fopen(path, "rb");
	XXH3_state_t *st;
	char buf[65536];
	size_t got;
	int rc = SG_OK;

	if (!f)
		return sg_err(err, SG_EIO, "user dictionary %s: %s", path,
			      strerror(errno));
	st = XXH3_createState();
	if (!st || XXH3_64bits_reset(st) == XXH_ERROR) {
		rc = sg_err(err, SG_ENOMEM, "analyzer: out of memory");
		goto out;
	}
	while ((got = fread(buf, 1, sizeof(buf), f)) > 0)
		(void)XXH3_64bits_update(st, buf, got);
	if (ferror(f))
		rc = sg_err(err, SG_EIO, "user dictionary %s: %s", path,
			    strerror(errno));
	*h = XXH3_64bits_digest(st);
out:
	XXH3_freeState(st);
	fclose(f);
	return rc;
}

int sg_analyzer_new(const sg_analyzer_options *opt, sg_analyzer **out,
		    sg_error *err)
{
	static const sg_analyzer_options defaults = SG_ANALYZER_OPTIONS_INIT;
	const mecab_dictionary_info_t *info, *sys = NULL;
	char *argv[7];
	char resolved[PATH_MAX], tmp[PATH_MAX], vars[64], user[64];
	const char *dicdir, *dicname;
	sg_analyzer *a;
	uint64_t uh = 0;
	int argc = 0, n, rc, v1;

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
	a->variants = opt->variants_set ? opt->variants & SG_VARIANTS_ALL :
		      SG_VARIANTS_DEFAULT;
	if (opt->user_dic) {
		rc = hash_file(opt->user_dic, &uh, err);
		if (rc != SG_OK)
			goto fail;
	}

	argv[argc++] = (char *)"sagasu";
	if (dicdir) {
		/* -r /dev/null: with the dictionary named, a user's ~/.mecabrc
		 * (user dictionaries...) must not change the analysis. */
		argv[argc++] = (char *)"-d";
		argv[argc++] = (char *)dicdir;
		argv[argc++] = (char *)"-r";
		argv[argc++] = (char *)"/dev/null";
	}
	if (opt->user_dic) {
		argv[argc++] = (char *)"-u";
		argv[argc++] = (char *)opt->user_dic;
	}
	a->model = mecab_model_new(argc, argv);
	if (!a->model) {
		rc = sg_err(err, SG_EMECAB,
			    "MeCab cannot open the dictionary %s%s%s: %s "
			    "(install it: apt-get install mecab-ipadic-utf8, "
			    "or name one with --dicdir)",
			    dicdir ? dicdir : "named by mecabrc",
			    opt->user_dic ? " with the user dictionary " : "",
			    opt->user_dic ? opt->user_dic : "",
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
	/* Without variants and user dictionary the analysis is /1's. */
	v1 = a->variants == 0 && !opt->user_dic;
	vars[0] = user[0] = '\0';
	if (!v1) {
		char names[48];

		format_variants(a->variants, names, sizeof(names));
		(void)snprintf(vars, sizeof(vars), " variants=%s", names);
	}
	if (opt->user_dic)
		(void)snprintf(user, sizeof(user), " userdic=xxh3:%016llx",
			       (unsigned long long)uh);
	n = snprintf(NULL, 0, "%s dic=%s:%s:%u:%u norm=nfkc_cf utf8proc=%s "
		     "filter=%s%s%s", v1 ? ANALYZER_CONFIG_V1 :
		     ANALYZER_CONFIG_VERSION, dicname, sys->charset,
		     (unsigned)sys->version, sys->size, utf8proc_version(),
		     a->keep_all ? "keep_all" : "default", vars, user);
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
		       "norm=nfkc_cf utf8proc=%s filter=%s%s%s",
		       v1 ? ANALYZER_CONFIG_V1 : ANALYZER_CONFIG_VERSION,
		       dicname, sys->charset, (unsigned)sys->version, sys->size,
		       utf8proc_version(), a->keep_all ? "keep_all" : "default",
		       vars, user);
	*out = a;
	return SG_OK;
fail:
	sg_analyzer_free(a);
	return rc;
}

int sg_analyzer_parse_config(const char *cfg, size_t len,
			     sg_analyzer_options *o, int *has_userdic)
{
	char buf[512], *p, *save = NULL;
	int v1, seen_filter = 0;

	*has_userdic = 0;
	o->keep_all = 0;
	o->variants = 0;
	o->variants_set = 1;
	if (len >= sizeof(buf))
		return SG_EINVAL;
	memcpy(buf, cfg, len);
	buf[len] = '\0';
	p = strtok_r(buf, " ", &save);
	if (!p)
		return SG_EINVAL;
	v1 = !strcmp(p, ANALYZER_CONFIG_V1);
	if (!v1 && strcmp(p, ANALYZER_CONFIG_VERSION))
		return SG_EINVAL;
	while ((p = strtok_r(NULL, " ", &save))) {
		if (!strncmp(p, "filter=", 7)) {
			if (!strcmp(p + 7, "keep_all"))
				o->keep_all = 1;
			else if (strcmp(p + 7, "default"))
				return SG_EINVAL;
			seen_filter = 1;
		} else if (!v1 && !strncmp(p, "variants=", 9)) {
			if (sg_variants_parse(p + 9, &o->variants, NULL) != SG_OK)
				return SG_EINVAL;
		} else if (!v1 && !strncmp(p, "userdic=", 8)) {
			*has_userdic = 1;
		}
	}
	return seen_filter ? SG_OK : SG_EINVAL;
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
	sg_buf_release(&s->cuts);
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

void sg_analysis_set_query(sg_analysis *s, int on)
{
	s->query = on ? 1 : 0;
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

/* Splits a feature string into at most `want` (<= N_COLS) columns (no
 * copies): the indexer asks for the part of speech alone first, and for
 * the base form (column 6) only for a verb or an adjective. */
static size_t split_features(const char *f, const char *col[N_COLS],
			     size_t col_len[N_COLS], size_t want)
{
	size_t n = 0;
	const char *p = f, *comma;

	/* One pass over bytes: the columns are a few bytes long, where a
	 * call to strchr costs more than it scans. */
	while (n < want) {
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

/* 1 when the valid UTF-8 t[0, len) is katakana letters and ー only
 * (U+30A1..U+30FA, U+30FC; not ・); *chars gets its length in characters. */
static int katakana_only(const char *t, size_t len, size_t *chars)
{
	const unsigned char *p = (const unsigned char *)t;
	size_t i;

	*chars = 0;
	if (len == 0 || len % 3)
		return 0;
	for (i = 0; i < len; i += 3) {
		unsigned cp;

		if (p[i] != 0xE3 || (p[i + 1] & 0xC0) != 0x80 ||
		    (p[i + 2] & 0xC0) != 0x80)
			return 0;
		cp = 0x3000u | (p[i + 1] & 0x3Fu) << 6 | (p[i + 2] & 0x3Fu);
		if (!((cp >= 0x30A1 && cp <= 0x30FA) || cp == 0x30FC))
			return 0;
		(*chars)++;
	}
	return 1;
}

/* Folds hiragana (U+3041..U+3096, ゝ ゞ) to katakana in place: the same
 * three bytes, 0x60 code points up. */
static void fold_kana(char *t, size_t len)
{
	unsigned char *p = (unsigned char *)t;
	size_t i;

	for (i = 0; i + 2 < len; i++) {
		unsigned cp;

		if (p[i] != 0xE3 || (p[i + 1] != 0x81 && p[i + 1] != 0x82))
			continue;
		cp = 0x3000u | (p[i + 1] & 0x3Fu) << 6 | (p[i + 2] & 0x3Fu);
		if ((cp >= 0x3041 && cp <= 0x3096) || cp == 0x309D ||
		    cp == 0x309E) {
			cp += 0x60;
			p[i + 1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
			p[i + 2] = (unsigned char)(0x80 | (cp & 0x3F));
		}
		i += 2;
	}
}

/* A query's text: the normalized offsets of the final ー of every katakana
 * run of CHOON_MIN_CHARS or more characters into s->cuts. Runs, not
 * tokens: MeCab may split the run (メンテナー is メンテ + ナー), and the
 * text without the run's last ー is a substring of both spellings. */
static int run_cuts(sg_analysis *s)
{
	const char *t = s->norm.text.data;
	size_t len = s->norm.text.len, i = 0, chars = 0, one;

	while (i <= len) {
		if (i + 3 <= len && katakana_only(t + i, 3, &one)) {
			chars++;
			i += 3;
			continue;
		}
		if (chars >= CHOON_MIN_CHARS &&
		    !memcmp(t + i - CHOON_LEN, CHOON, CHOON_LEN)) {
			size_t cut = i - CHOON_LEN;

			if (sg_buf_append(&s->cuts, &cut, sizeof(cut)) != SG_OK)
				return SG_ENOMEM;
		}
		chars = 0;
		i++;
	}
	return SG_OK;
}

/* Appends one token for node n found at normalized offset `off`. */
static int add_token(sg_analysis *s, const mecab_node_t *node, size_t off,
		     uint32_t pos)
{
	const char *col[N_COLS], *term, *feature;
	size_t col_len[N_COLS], ncol, term_len, i;
	struct tok_offs to;
	sg_token tok;
	int drop, verb;

	memset(&tok, 0, sizeof(tok));
	feature = node->feature ? node->feature : "";
	/* The POS tag wants columns 0-3; the indexer (terms_only) column 0 */
	ncol = split_features(feature, col, col_len,
			      s->terms_only ? 1 : COL_POS4 + 1);
	term = node->surface;
	term_len = node->length;
	verb = col_is(col[0], col_len[0], "動詞") ||
	       col_is(col[0], col_len[0], "形容詞");
	if (verb)
		ncol = split_features(feature, col, col_len, N_COLS);
	if (ncol > COL_BASE && verb &&
	    !col_is(col[COL_BASE], col_len[COL_BASE], "*") &&
	    col_len[COL_BASE] > 0) {
		term = col[COL_BASE];
		term_len = col_len[COL_BASE];
	}
	term_len = sg_analyzer_cut_term(term, term_len);
	if ((s->a->variants & SG_VARIANT_CHOON) && term == node->surface &&
	    term_len == node->length && term_len > CHOON_LEN &&
	    !memcmp(term + term_len - CHOON_LEN, CHOON, CHOON_LEN)) {
		size_t chars;

		if (katakana_only(term, term_len, &chars) &&
		    chars >= CHOON_MIN_CHARS)
			term_len -= CHOON_LEN;
	}
	drop = col_is(col[0], col_len[0], "助詞") ||
	       col_is(col[0], col_len[0], "助動詞") ||
	       col_is(col[0], col_len[0], "記号") || only_punct(term, term_len);

	to.term_off = s->strs.len;
	if (sg_buf_append(&s->strs, term, term_len) != SG_OK)
		return SG_ENOMEM;
	if (s->a->variants & SG_VARIANT_KANA)
		fold_kana(s->strs.data + to.term_off, term_len);
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
	sg_buf_reset(&s->cuts);
	rc = sg_normalize(&s->norm, text ? text : "", text ? len : 0);
	if (rc == SG_ETOOBIG)
		return sg_err(err, rc, "analyzer: a text of %zu bytes exceeds "
			      "the limit of %zu bytes", len, SG_NORM_MAX_INPUT);
	if (rc == SG_OK && (s->a->variants & (SG_VARIANT_V | SG_VARIANT_HYPHEN)))
		rc = sg_norm_variants(&s->norm,
				      (s->a->variants & SG_VARIANT_V) != 0,
				      (s->a->variants & SG_VARIANT_HYPHEN) != 0);
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
	/* The ー the rule took from terms leaves the normalized text of a
	 * query analysis too (sg_analysis_set_query; not a document's): the
	 * query's
	 * substring ユーザ is found in documents holding ユーザー and ユーザ
	 * alike, while a document's grams keep every character, so that a
	 * keyword still finds every document holding it as a string
	 * (クラスター in コロナクラスター). Hiragana is folded there as in
	 * the terms, on both sides. */
	if (s->query && (s->a->variants & SG_VARIANT_CHOON) &&
	    run_cuts(s) != SG_OK)
		return sg_err(err, SG_ENOMEM, "analyzer: out of memory");
	sg_norm_cut(&s->norm, (const size_t *)(const void *)s->cuts.data,
		    s->cuts.len / sizeof(size_t), CHOON_LEN);
	if (s->a->variants & SG_VARIANT_KANA)
		fold_kana(s->norm.text.data, s->norm.text.len);
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
