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

#endif
