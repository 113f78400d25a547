/*
 * error.h — filling a caller's sg_error.
 *
 * Every failing function of the library sets the caller's error once, at the
 * place that knows the most (the file, the line, the fix), and returns the
 * code. Callers up the stack pass the code on without touching the message.
 */
#ifndef SG_ERROR_H
#define SG_ERROR_H

#include "sagasu.h"

#if defined(__GNUC__)
#define SG_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define SG_PRINTF(a, b)
#endif

/* Sets err (when not NULL) to `code` with a printf-style message and returns
 * `code`, so a failure reads: return sg_err(err, SG_EINVAL, "...", ...); */
int sg_err(sg_error *err, int code, const char *fmt, ...) SG_PRINTF(3, 4);

/* Prefixes the message already in err with printf-style context. */
void sg_err_prefix(sg_error *err, const char *fmt, ...) SG_PRINTF(2, 3);

/* Clears err to SG_OK with an empty message. */
void sg_err_clear(sg_error *err);

/* A caller's request to stop (sg_writer_options.cancel): polled by long
 * writes, which then return SG_EINTR. */
typedef struct sg_cancel {
	int (*fn)(void *ctx);
	void *ctx;
} sg_cancel;

/* SG_EINTR (err filled, naming `what` was stopped) when the caller asked
 * to stop, else SG_OK. */
int sg_cancel_check(const sg_cancel *c, const char *what, sg_error *err);

#endif
