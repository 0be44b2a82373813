/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <amod/amod-host.h>

#include "common/common-internal.h"

AMOD_API int amod_default_socket_path(char *buf, size_t size)
{
	const char *e;
	int n;

	if (!buf || size == 0)
		return -EINVAL;
	if ((e = getenv("AMOD_SOCKET")) && *e)
		n = snprintf(buf, size, "%s", e);
	else if ((e = getenv("AMOD_RUNTIME_DIR")) && *e)
		n = snprintf(buf, size, "%s/amodd.sock", e);
	else if ((e = getenv("XDG_RUNTIME_DIR")) && *e)
		n = snprintf(buf, size, "%s/amod/amodd.sock", e);
	else
		n = snprintf(buf, size, "/tmp/amod-%u/amodd.sock", (unsigned)getuid());
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}
