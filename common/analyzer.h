/*
 * analyzer.h — what sagasu's own code may ask of the analyzer beyond the
 * public sg_analysis_... calls of sagasu.h (common/analyzer.c). The
 * writer's analysis threads use it; tests' hooks are in analyzer_internal.h.
 */
#ifndef SG_ANALYZER_H
#define SG_ANALYZER_H

#include "sagasu.h"

/* Terms and positions only: tokens get no part-of-speech tag (empty) and
 * no byte offsets (0), which the indexer never reads; the terms and their
 * positions are those of a full analysis. */
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
