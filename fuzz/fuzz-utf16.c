/* SPDX-License-Identifier: MIT */
/*
 * amod_utf16_to_utf8() and amod_utf8_to_utf16() on arbitrary input and output sizes, against
 * an independent model: the result must be exactly what the model predicts (length, or
 * -ENAMETOOLONG when it does not fit with its NUL), NUL-terminated, valid UTF-8 in shortest
 * form (checked with Unicode's table of well-formed byte sequences), and convert back to the
 * source (with unpaired surrogates as U+FFFD). Buffers are exact-size heap copies, so ASan
 * sees any access past src_units or dst_size.
 */
#include <errno.h>

#include <amod/amod.h>

#include "fuzz.h"

/*
 * Length of the well-formed UTF-8 sequence at s (Unicode 15, table 3-7), 0 if ill-formed.
 * Written from the table, not from the code under test, so the two are independent.
 */
static size_t utf8_sequence(const uint8_t *s)
{
	uint8_t c = s[0], lo = 0x80, hi = 0xBF;
	size_t n;

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		n = 2;
	else if (c >= 0xE0 && c <= 0xEF)
		n = 3;
	else if (c >= 0xF0 && c <= 0xF4)
		n = 4;
	else
		return 0;
	if (c == 0xE0)
		lo = 0xA0;
	else if (c == 0xED)
		hi = 0x9F;
	else if (c == 0xF0)
		lo = 0x90;
	else if (c == 0xF4)
		hi = 0x8F;
	/* s is NUL-terminated: a NUL stops the loop before anything past it is read. */
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xBF)
			return 0;
	return n;
}

static uint32_t utf8_code_point(const uint8_t *s, size_t n)
{
	static const uint8_t lead_mask[5] = { 0, 0x7F, 0x1F, 0x0F, 0x07 };
	uint32_t cp = s[0] & lead_mask[n];

	for (size_t i = 1; i < n; i++)
		cp = cp << 6 | (s[i] & 0x3Fu);
	return cp;
}

static bool utf8_well_formed(const char *text)
{
	const uint8_t *s = (const uint8_t *)text;

	while (*s) {
		size_t n = utf8_sequence(s);

		if (!n)
			return false;
		s += n;
	}
	return true;
}

/* UTF-16 -> UTF-8, and back. */
static void fuzz_to_utf8(struct fuzz_input *in, uint8_t mode)
{
	size_t dst_size = fuzz_u16(in), avail, src_units, len = 0, n_expect = 0;
	uint16_t *src, *expect, *back;
	char *dst;
	int r;

	src_units = mode & FUZZ_UTF16_SRC_UNITS ? fuzz_u16(in) : SIZE_MAX;
	avail = fuzz_left(in) / 2;
	if (src_units > avail)
		src_units = avail;
	src = malloc(src_units ? src_units * 2 : 1);
	expect = malloc((src_units + 1) * 2);
	FUZZ_CHECK(src && expect);
	for (size_t i = 0; i < src_units; i++)
		src[i] = fuzz_u16(in);

	/* The model: pairs join, anything else in D800..DFFF is U+FFFD; a NUL unit ends. */
	for (size_t i = 0; i < src_units && src[i]; i++) {
		uint32_t cp = src[i];

		if (cp >= 0xD800 && cp <= 0xDBFF && i + 1 < src_units && src[i + 1] >= 0xDC00 &&
		    src[i + 1] <= 0xDFFF) {
			expect[n_expect++] = src[i];
			expect[n_expect++] = src[++i];
			len += 4;
			continue;
		}
		if (cp >= 0xD800 && cp <= 0xDFFF)
			cp = 0xFFFD;
		expect[n_expect++] = (uint16_t)cp;
		len += cp < 0x80 ? 1 : cp < 0x800 ? 2 : 3;
	}
	expect[n_expect] = 0;

	dst = malloc(dst_size ? dst_size : 1);
	FUZZ_CHECK(dst);
	r = amod_utf16_to_utf8(src, src_units, dst, dst_size);
	if (dst_size == 0) {
		FUZZ_CHECK(r == -EINVAL);
	} else if (len >= dst_size) {
		FUZZ_CHECK(r == -ENAMETOOLONG);
	} else {
		FUZZ_CHECK(r >= 0 && (size_t)r == len);
		FUZZ_CHECK(dst[len] == 0 && strlen(dst) == len);
		FUZZ_CHECK(utf8_well_formed(dst));
		/* UTF-8 never takes fewer bytes than UTF-16 units: len + 1 units hold it. */
		back = malloc((len + 1) * 2);
		FUZZ_CHECK(back);
		r = amod_utf8_to_utf16(dst, back, len + 1);
		FUZZ_CHECK(r >= 0 && (size_t)r == n_expect);
		FUZZ_CHECK(memcmp(back, expect, (n_expect + 1) * 2) == 0);
		free(back);
	}
	free(dst);
	free(expect);
	free(src);
}

/* UTF-8 -> UTF-16, and back. */
static void fuzz_to_utf16(struct fuzz_input *in)
{
	size_t dst_units = fuzz_u16(in), n = fuzz_left(in), units = 0;
	char *src = malloc(n + 1), *back;
	const uint8_t *s;
	uint16_t *dst;
	int r, expect = 0;

	FUZZ_CHECK(src);
	fuzz_bytes(in, src, n);
	src[n] = 0;

	/* The model: stop at the first ill-formed sequence or the first unit that does not fit
	 * with the NUL, whichever comes first. */
	for (s = (const uint8_t *)src; *s;) {
		size_t len = utf8_sequence(s), u;

		if (!len) {
			expect = -EINVAL;
			break;
		}
		u = utf8_code_point(s, len) >= 0x10000 ? 2 : 1;
		if (units + u >= dst_units) {
			expect = -ENAMETOOLONG;
			break;
		}
		units += u;
		s += len;
	}
	if (dst_units == 0)
		expect = -EINVAL;

	dst = malloc(dst_units ? dst_units * 2 : 1);
	FUZZ_CHECK(dst);
	r = amod_utf8_to_utf16(src, dst, dst_units);
	if (expect < 0) {
		FUZZ_CHECK(r == expect);
	} else {
		FUZZ_CHECK(r >= 0 && (size_t)r == units && dst[units] == 0);
		back = malloc(strlen(src) + 1);
		FUZZ_CHECK(back);
		r = amod_utf16_to_utf8(dst, units, back, strlen(src) + 1);
		FUZZ_CHECK(r >= 0 && (size_t)r == strlen(src) && strcmp(back, src) == 0);
		free(back);
	}
	free(dst);
	free(src);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = { data, size, 0 };
	uint8_t mode = fuzz_u8(&in);

	if (mode & FUZZ_UTF16_TO_UTF16)
		fuzz_to_utf16(&in);
	else
		fuzz_to_utf8(&in, mode);
	return 0;
}
