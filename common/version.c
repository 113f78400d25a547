/*
 * version.c — sg_version (sagasu.h): the library's own version string, so
 * that a program can tell which libsagasu.so it runs against.
 */
#include "sagasu.h"

const char *sg_version(void)
{
	return SAGASU_VERSION;
}
