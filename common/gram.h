/*
 * gram.h — the substring grams of docs/RECALL.md: what a gram holds and how
 * its key is spelled, for both sides that must agree on them byte for byte.
 *
 * The indexer cuts every gram of a field's normalized text (sg_gram_cut): a
 * unigram at each character and a bigram at each two adjacent characters,
 * none of them white space, at consecutive character positions. The query
 * planner picks, from a keyword's normalized text, the few grams that cover
 * it (query/ make_sub_leaf) and spells their keys with sg_gram_key. White
 * space is sg_gram_space on both sides, a character is as long as its
 * UTF-8 lead byte says (sg_gram_char_len), and a key is a NUL byte (no term
 * of the analyzer starts with one, so grams and terms share the terms
 * table) followed by the characters' bytes.
 */
#ifndef SG_GRAM_H
#define SG_GRAM_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "index.h"
#include "sagasu.h"

/* The NUL tag and two characters of up to 4 bytes. */
#define SG_GRAM_KEY_MAX (1 + 2 * 4)

/* 1 when byte c is white space of normalized text: no gram holds it,
 * since no query word does (the query language splits words there). */
static inline int sg_gram_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
	       c == '\f';
}

/* The bytes of the character at p, by its lead byte, at most end - p
 * (p < end). */
static inline size_t sg_gram_char_len(const char *p, const char *end)
{
	size_t a = sg_utf8_lead_len((unsigned char)*p);

	return a > (size_t)(end - p) ? (size_t)(end - p) : a;
}

/* Spells into key[SG_GRAM_KEY_MAX] the gram of character a (la bytes) and,
 * unless lb is 0, character b (lb bytes); returns the key's length. */
static inline size_t sg_gram_key(char *key, const char *a, size_t la,
				 const char *b, size_t lb)
{
	key[0] = '\0';
	memcpy(key + 1, a, la);
	if (lb)
		memcpy(key + 1 + la, b, lb);
	return 1 + la + lb;
}

/* Called for each gram: its key (len bytes) and character position. */
typedef int (*sg_gram_fn)(void *ctx, const char *key, size_t len,
			  uint32_t cpos);

/* Cuts the grams of text[len] at character positions from *cpos, calling
 * fn for each (the unigram of a character before the bigram it starts);
 * stops at the first nonzero return of fn and returns it. On return *cpos
 * is one past a gap after the text, so that no gram spans two fields. */
int sg_gram_cut(const char *text, size_t len, uint32_t *cpos, sg_gram_fn fn,
		void *ctx);

#endif
