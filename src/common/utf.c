/* SPDX-License-Identifier: MIT */
#include <errno.h>

#include "common/common-internal.h"

/* Decodes one UTF-8 sequence; returns its length, or -1 if malformed (overlong, surrogate,
 * out of range, truncated). */
static int utf8_decode(const unsigned char *s, uint32_t *ret_cp)
{
	uint32_t cp;
	int n;

	if (s[0] < 0x80) {
		*ret_cp = s[0];
		return 1;
	}
	if ((s[0] & 0xE0) == 0xC0) {
		cp = s[0] & 0x1F;
		n = 2;
	} else if ((s[0] & 0xF0) == 0xE0) {
		cp = s[0] & 0x0F;
		n = 3;
	} else if ((s[0] & 0xF8) == 0xF0) {
		cp = s[0] & 0x07;
		n = 4;
	} else
		return -1;
	for (int i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return -1;
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return -1;
	*ret_cp = cp;
	return n;
}

AMOD_API int amod_utf8_to_utf16(const char *src, uint16_t *dst, size_t dst_units)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t o = 0;

	if (!src || !dst || dst_units == 0)
		return -EINVAL;
	while (*s) {
		uint32_t cp;
		int n = utf8_decode(s, &cp);

		if (n < 0)
			return -EINVAL;
		s += n;
		if (cp >= 0x10000) {
			if (o + 2 >= dst_units)
				return -ENAMETOOLONG;
			cp -= 0x10000;
			dst[o++] = (uint16_t)(0xD800 | (cp >> 10));
			dst[o++] = (uint16_t)(0xDC00 | (cp & 0x3FF));
		} else {
			if (o + 1 >= dst_units)
				return -ENAMETOOLONG;
			dst[o++] = (uint16_t)cp;
		}
	}
	dst[o] = 0;
	return (int)o;
}

AMOD_API int amod_utf16_to_utf8(const uint16_t *src, size_t src_units, char *dst, size_t dst_size)
{
	size_t o = 0;

	if (!src || !dst || dst_size == 0)
		return -EINVAL;
	for (size_t i = 0; i < src_units && src[i]; i++) {
		uint32_t cp = src[i];
		unsigned char b[4];
		int n;

		if (cp >= 0xD800 && cp <= 0xDBFF && i + 1 < src_units && src[i + 1] >= 0xDC00 &&
		    src[i + 1] <= 0xDFFF) {
			cp = 0x10000 + ((cp - 0xD800) << 10) + (src[i + 1] - 0xDC00);
			i++;
		} else if (cp >= 0xD800 && cp <= 0xDFFF)
			cp = 0xFFFD;

		if (cp < 0x80) {
			b[0] = (unsigned char)cp;
			n = 1;
		} else if (cp < 0x800) {
			b[0] = (unsigned char)(0xC0 | (cp >> 6));
			b[1] = (unsigned char)(0x80 | (cp & 0x3F));
			n = 2;
		} else if (cp < 0x10000) {
			b[0] = (unsigned char)(0xE0 | (cp >> 12));
			b[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
			b[2] = (unsigned char)(0x80 | (cp & 0x3F));
			n = 3;
		} else {
			b[0] = (unsigned char)(0xF0 | (cp >> 18));
			b[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
			b[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
			b[3] = (unsigned char)(0x80 | (cp & 0x3F));
			n = 4;
		}
		if (o + (size_t)n >= dst_size)
			return -ENAMETOOLONG;
		for (int k = 0; k < n; k++)
			dst[o++] = (char)b[k];
	}
	dst[o] = 0;
	return (int)o;
}
