/*
 * analyzer_internal.h — hooks of the analyzer for tests; not public API.
 */
#ifndef SG_ANALYZER_INTERNAL_H
#define SG_ANALYZER_INTERNAL_H

#include <stddef.h>

#include "sagasu.h"

/* The largest piece of normalized text handed to MeCab at once, in bytes. */
#define SG_ANALYZER_PIECE_MAX ((size_t)64 * 1024)

/* Length of the first piece of text[0, len) of at most `max` bytes (max >= 4):
 * len itself when len <= max; else the longest prefix ending after 。 ! ? .
 * or a newline; else after a space, tab or CR; else at a UTF-8 character
 * boundary. Never 0 when len > 0. */
size_t sg_analyzer_cut(const char *text, size_t len, size_t max);

/* Length of the longest prefix of the valid UTF-8 t[0, len) of at most
 * SG_TERM_MAX bytes (sagasu.h) that ends at a character boundary. */
size_t sg_analyzer_cut_term(const char *t, size_t len);

/* Sets the piece limit of s (tests use tiny ones to cross pieces). */
void sg_analysis_set_piece_max(sg_analysis *s, size_t max);

/* Terms and positions only: tokens get no part-of-speech tag (empty) and
 * no byte offsets (0), which the indexer never reads. */
void sg_analysis_set_terms_only(sg_analysis *s, int on);

/* The SG_VARIANT_* bits analyzer a applies. */
unsigned sg_analyzer_variants(const sg_analyzer *a);

/* Parses an index's stored analyzer config (cfg[0, len)) back into the
 * options that produce it: keep_all, variants (variants_set = 1). The
 * dictionary is not parsed (the caller names it; the config made from the
 * options is compared with cfg). *has_userdic: the config names a user
 * dictionary. SG_OK, or SG_EINVAL for a config this sagasu cannot read. */
int sg_analyzer_parse_config(const char *cfg, size_t len,
			     sg_analyzer_options *o, int *has_userdic);

#endif
