/* SPDX-License-Identifier: MIT */
/*
 * amod_guid_parse() on arbitrary text. What it accepts must format back to the same text
 * (upper-cased, without braces) and parse again to the same GUID, braced or not, in either
 * case. The input's first 16 bytes are also taken as a GUID for format -> parse.
 */
#include <ctype.h>
#include <errno.h>
#include <strings.h>

#include <amod/amod.h>

#include "fuzz.h"

static void check_format_parse(const struct amod_guid *g)
{
	char text[AMOD_GUID_STRING_MAX], braced[AMOD_GUID_STRING_MAX + 2];
	struct amod_guid back;

	FUZZ_CHECK(amod_guid_format(g, text) == text);
	FUZZ_CHECK(strlen(text) == AMOD_GUID_STRING_MAX - 1);
	FUZZ_CHECK(amod_guid_parse(text, &back) == 0 && amod_guid_equal(g, &back));

	snprintf(braced, sizeof(braced), "{%s}", text);
	for (char *p = braced; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	FUZZ_CHECK(amod_guid_parse(braced, &back) == 0 && amod_guid_equal(g, &back));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), formatted[AMOD_GUID_STRING_MAX];
	struct amod_guid g, raw;
	int r;

	FUZZ_CHECK(text);
	if (size)
		memcpy(text, data, size);
	text[size] = 0;

	memset(&g, 0x5A, sizeof(g));
	r = amod_guid_parse(text, &g);
	if (r == 0) {
		const char *core = text[0] == '{' ? text + 1 : text;

		/* Exactly the canonical text, give or take braces and case. */
		amod_guid_format(&g, formatted);
		FUZZ_CHECK(strlen(text) == (text[0] == '{' ? 38u : 36u));
		FUZZ_CHECK(strncasecmp(core, formatted, AMOD_GUID_STRING_MAX - 1) == 0);
		check_format_parse(&g);
	} else {
		FUZZ_CHECK(r == -EINVAL);
		/* ret_ parameters are untouched on failure. */
		for (size_t i = 0; i < sizeof(g); i++)
			FUZZ_CHECK(((const uint8_t *)&g)[i] == 0x5A);
	}

	memset(&raw, 0, sizeof(raw));
	memcpy(&raw, data, size < sizeof(raw) ? size : sizeof(raw));
	check_format_parse(&raw);

	free(text);
	return 0;
}
