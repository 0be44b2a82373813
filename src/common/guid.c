/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/common-internal.h"

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Reads n hex digits; returns -1 on a non-digit. */
static int64_t hexnum(const char *s, int n)
{
	int64_t v = 0;

	for (int i = 0; i < n; i++) {
		int d = hexval(s[i]);
		if (d < 0)
			return -1;
		v = (v << 4) | d;
	}
	return v;
}

AMOD_API int amod_guid_parse(const char *text, struct amod_guid *ret_guid)
{
	struct amod_guid g;
	const char *s = text;
	size_t len;
	int64_t v;

	if (!text || !ret_guid)
		return -EINVAL;
	len = strlen(s);
	if (len == 38 && s[0] == '{' && s[37] == '}')
		s++;
	else if (len != 36)
		return -EINVAL;
	if (s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-')
		return -EINVAL;

	if ((v = hexnum(s, 8)) < 0)
		return -EINVAL;
	g.data1 = (uint32_t)v;
	if ((v = hexnum(s + 9, 4)) < 0)
		return -EINVAL;
	g.data2 = (uint16_t)v;
	if ((v = hexnum(s + 14, 4)) < 0)
		return -EINVAL;
	g.data3 = (uint16_t)v;
	for (int i = 0; i < 8; i++) {
		/* Data4: two bytes before the last dash, six after it. */
		const char *p = i < 2 ? s + 19 + 2 * i : s + 24 + 2 * (i - 2);
		if ((v = hexnum(p, 2)) < 0)
			return -EINVAL;
		g.data4[i] = (uint8_t)v;
	}
	*ret_guid = g;
	return 0;
}

AMOD_API char *amod_guid_format(const struct amod_guid *g, char buf[AMOD_GUID_STRING_MAX])
{
	snprintf(buf, AMOD_GUID_STRING_MAX, "%08X-%04X-%04X-%02X%02X-%02X%02X%02X%02X%02X%02X",
		 (unsigned)g->data1, (unsigned)g->data2, (unsigned)g->data3, g->data4[0],
		 g->data4[1], g->data4[2], g->data4[3], g->data4[4], g->data4[5], g->data4[6],
		 g->data4[7]);
	return buf;
}

AMOD_API bool amod_guid_equal(const struct amod_guid *a, const struct amod_guid *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

AMOD_API bool amod_guid_is_null(const struct amod_guid *g)
{
	static const struct amod_guid null_guid;

	return amod_guid_equal(g, &null_guid);
}
