#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *sg_strerror(int code)
{
	switch (code) {
	case SG_OK: return "success";
	case SG_ENOMEM: return "out of memory";
	case SG_EIO: return "input/output error";
	case SG_EINVAL: return "invalid argument or input";
	case SG_ECORRUPT: return "index data is corrupt";
	case SG_ENOTINDEX: return "not a sagasu index";
	case SG_EVERSION: return "index format version mismatch";
	case SG_EANALYZER: return "analyzer configuration mismatch";
	case SG_EMECAB: return "MeCab error";
	case SG_ESTORE: return "LMDB error";
	case SG_EFULL: return "disk or index map full";
	case SG_ESYNTAX: return "query syntax error";
	case SG_ENOTFOUND: return "not found";
	case SG_EBUSY: return "index busy";
	case SG_EINTR: return "interrupted";
	case SG_ETOOBIG: return "value too large";
	default: return "unknown error";
	}
}

int sg_err(sg_error *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return code;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return code;
}

void sg_err_prefix(sg_error *err, const char *fmt, ...)
{
	char old[SG_ERROR_MSG_MAX];
	va_list ap;
	int n;

	if (!err)
		return;
	memcpy(old, err->msg, sizeof(old));
	va_start(ap, fmt);
	n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n < sizeof(err->msg))
		snprintf(err->msg + n, sizeof(err->msg) - (size_t)n, "%s", old);
}

void sg_err_clear(sg_error *err)
{
	if (!err)
		return;
	err->code = SG_OK;
	err->msg[0] = '\0';
}

int sg_cancel_check(const sg_cancel *c, const char *what, sg_error *err)
{
	if (c && c->fn && c->fn(c->ctx))
		return sg_err(err, SG_EINTR, "interrupted: %s", what);
	return SG_OK;
}
