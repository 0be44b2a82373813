/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include <amod/amod.h>

static const struct amod_guid audio_module_set = {
	0xC034FDB0, 0xFF75, 0x47C8, { 0xAA, 0x3C, 0xEE, 0x46, 0x71, 0x6B, 0x50, 0xC6 }
};

static void test_guid_parse_unbraced_upper(void **state)
{
	struct amod_guid g;

	assert_int_equal(amod_guid_parse("C034FDB0-FF75-47C8-AA3C-EE46716B50C6", &g), 0);
	assert_memory_equal(&g, &audio_module_set, sizeof(g));
}

static void test_guid_parse_braced_lower(void **state)
{
	struct amod_guid g;

	assert_int_equal(amod_guid_parse("{c034fdb0-ff75-47c8-aa3c-ee46716b50c6}", &g), 0);
	assert_memory_equal(&g, &audio_module_set, sizeof(g));
}

static void test_guid_parse_in_memory_bytes(void **state)
{
	static const unsigned char bytes[16] = { 0xB0, 0xFD, 0x34, 0xC0, 0x75, 0xFF, 0xC8, 0x47,
						 0xAA, 0x3C, 0xEE, 0x46, 0x71, 0x6B, 0x50, 0xC6 };
	struct amod_guid g;

	assert_int_equal(amod_guid_parse("C034FDB0-FF75-47C8-AA3C-EE46716B50C6", &g), 0);
	assert_memory_equal(&g, bytes, 16);
}

static void test_guid_parse_rejects_malformed(void **state)
{
	static const char *bad[] = {
		"",
		"C034FDB0-FF75-47C8-AA3C-EE46716B50C",    /* short */
		"C034FDB0-FF75-47C8-AA3C-EE46716B50C6A",  /* long */
		"C034FDB0FF75-47C8-AA3C-EE46716B50C6-",   /* dash misplaced */
		"G034FDB0-FF75-47C8-AA3C-EE46716B50C6",   /* not hex */
		"{C034FDB0-FF75-47C8-AA3C-EE46716B50C6",  /* one brace */
		" C034FDB0-FF75-47C8-AA3C-EE46716B50C6",  /* white space */
		"(C034FDB0-FF75-47C8-AA3C-EE46716B50C6)", /* wrong brackets */
		"C034FDB0-FF75-47C8-AA3C-EE46716B50 6",
	};
	struct amod_guid g = audio_module_set;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(amod_guid_parse(bad[i], &g), -EINVAL);
	assert_int_equal(amod_guid_parse(NULL, &g), -EINVAL);
	assert_int_equal(amod_guid_parse("C034FDB0-FF75-47C8-AA3C-EE46716B50C6", NULL), -EINVAL);
	/* Output untouched on failure. */
	assert_memory_equal(&g, &audio_module_set, sizeof(g));
}

static void test_guid_format_upper_unbraced(void **state)
{
	char buf[AMOD_GUID_STRING_MAX];
	struct amod_guid g;

	assert_string_equal(amod_guid_format(&audio_module_set, buf),
			    "C034FDB0-FF75-47C8-AA3C-EE46716B50C6");
	assert_int_equal(amod_guid_parse(buf, &g), 0);
	assert_true(amod_guid_equal(&g, &audio_module_set));
}

static void test_guid_is_null(void **state)
{
	struct amod_guid z = { 0 };

	assert_true(amod_guid_is_null(&z));
	assert_false(amod_guid_is_null(&audio_module_set));
}

static void test_status_names_and_errno(void **state)
{
	assert_string_equal(amod_status_name(AMOD_STATUS_BUFFER_TOO_SMALL), "STATUS_BUFFER_TOO_SMALL");
	assert_string_equal(amod_status_name(AMOD_STATUS_BUFFER_OVERFLOW), "STATUS_BUFFER_OVERFLOW");
	assert_null(amod_status_name((int32_t)0xC0001234));
	assert_int_equal(amod_status_to_errno(AMOD_STATUS_SUCCESS), 0);
	assert_int_equal(amod_status_to_errno(AMOD_STATUS_INVALID_PARAMETER), -EINVAL);
	assert_int_equal(amod_status_to_errno(AMOD_STATUS_ACCESS_DENIED), -EACCES);
	assert_int_equal(amod_status_to_errno((int32_t)0xC0001234), -EIO);
	assert_int_equal(amod_status_from_errno(-EACCES), AMOD_STATUS_ACCESS_DENIED);
	assert_int_equal(amod_status_from_errno(-ENOENT), AMOD_STATUS_NOT_FOUND);
	assert_int_equal(amod_status_from_errno(0), AMOD_STATUS_SUCCESS);
	assert_true(amod_status_ok(AMOD_STATUS_SUCCESS));
	assert_false(amod_status_ok(AMOD_STATUS_BUFFER_OVERFLOW));
}

static void test_utf_roundtrip_bmp_and_supplementary(void **state)
{
	const char *s = "Caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x8e\xb5"; /* Café € 🎵 */
	uint16_t u[16];
	char back[32];

	assert_int_equal(amod_utf8_to_utf16(s, u, 16), 9);
	assert_int_equal(u[3], 0x00E9);
	assert_int_equal(u[5], 0x20AC);
	assert_int_equal(u[7], 0xD83C);
	assert_int_equal(u[8], 0xDFB5);
	assert_int_equal(u[9], 0);
	assert_int_equal(amod_utf16_to_utf8(u, 16, back, sizeof(back)), (int)strlen(s));
	assert_string_equal(back, s);
}

static void test_utf8_to_utf16_rejects_invalid(void **state)
{
	uint16_t u[8];

	assert_int_equal(amod_utf8_to_utf16("\xc0\xaf", u, 8), -EINVAL);       /* overlong */
	assert_int_equal(amod_utf8_to_utf16("\xed\xa0\x80", u, 8), -EINVAL);   /* surrogate */
	assert_int_equal(amod_utf8_to_utf16("\xe2\x82", u, 8), -EINVAL);       /* truncated */
	assert_int_equal(amod_utf8_to_utf16("\xff", u, 8), -EINVAL);
	assert_int_equal(amod_utf8_to_utf16("abc", u, 0), -EINVAL);
	assert_int_equal(amod_utf8_to_utf16(NULL, u, 8), -EINVAL);
}

static void test_utf8_to_utf16_too_long(void **state)
{
	uint16_t u[4];

	assert_int_equal(amod_utf8_to_utf16("abc", u, 4), 3);
	assert_int_equal(amod_utf8_to_utf16("abcd", u, 4), -ENAMETOOLONG);
	/* A surrogate pair needs two units plus the NUL. */
	assert_int_equal(amod_utf8_to_utf16("ab\xf0\x9f\x8e\xb5", u, 4), -ENAMETOOLONG);
}

static void test_utf16_to_utf8_unpaired_surrogate(void **state)
{
	const uint16_t u[] = { 'a', 0xD800, 'b', 0xDC00, 0 };
	char out[16];

	assert_int_equal(amod_utf16_to_utf8(u, 5, out, sizeof(out)), 8);
	assert_string_equal(out, "a\xef\xbf\xbd" "b\xef\xbf\xbd");
}

static void test_utf16_to_utf8_stops_at_units(void **state)
{
	const uint16_t u[] = { 'a', 'b', 'c' }; /* no NUL */
	char out[4];

	assert_int_equal(amod_utf16_to_utf8(u, 3, out, sizeof(out)), 3);
	assert_string_equal(out, "abc");
	assert_int_equal(amod_utf16_to_utf8(u, 3, out, 3), -ENAMETOOLONG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_guid_parse_unbraced_upper),
		cmocka_unit_test(test_guid_parse_braced_lower),
		cmocka_unit_test(test_guid_parse_in_memory_bytes),
		cmocka_unit_test(test_guid_parse_rejects_malformed),
		cmocka_unit_test(test_guid_format_upper_unbraced),
		cmocka_unit_test(test_guid_is_null),
		cmocka_unit_test(test_status_names_and_errno),
		cmocka_unit_test(test_utf_roundtrip_bmp_and_supplementary),
		cmocka_unit_test(test_utf8_to_utf16_rejects_invalid),
		cmocka_unit_test(test_utf8_to_utf16_too_long),
		cmocka_unit_test(test_utf16_to_utf8_unpaired_surrogate),
		cmocka_unit_test(test_utf16_to_utf8_stops_at_units),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
