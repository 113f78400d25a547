/*
 * analyzer_internal.h — hooks of the analyzer for tests; not public API.
 * (The interface the writer uses is analyzer.h, included here so that
 * analyzer.c sees every prototype it defines.)
 */
#ifndef SG_ANALYZER_INTERNAL_H
#define SG_ANALYZER_INTERNAL_H

#include <stddef.h>

#include "analyzer.h"
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

#endif
