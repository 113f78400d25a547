/*
 * gram.c — the indexer's gram cutter (gram.h): every unigram and bigram of
 * a normalized text, outside white space, at character positions.
 */
#include "gram.h"

int sg_gram_cut(const char *text, size_t len, uint32_t *cpos, sg_gram_fn fn,
		void *ctx)
{
	const char *p = text, *end = text + len;
	char key[SG_GRAM_KEY_MAX];
	int rc;

	while (p < end) {
		size_t a = sg_gram_char_len(p, end), b;

		if (!sg_gram_space(*p)) {
			rc = fn(ctx, key, sg_gram_key(key, p, a, NULL, 0), *cpos);
			if (rc)
				return rc;
			if (p + a < end && !sg_gram_space(p[a])) {
				b = sg_gram_char_len(p + a, end);
				rc = fn(ctx, key, sg_gram_key(key, p, a, p + a, b),
					*cpos);
				if (rc)
					return rc;
			}
		}
		(*cpos)++;
		p += a;
	}
	(*cpos)++; /* a gap: no gram spans two fields */
	return 0;
}
