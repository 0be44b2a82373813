/* SPDX-License-Identifier: MIT */
#ifndef AMOD_H
#define AMOD_H

/*
 * amod.h: the native face's common part: GUIDs, status codes, UTF-16 helpers, logging.
 *
 * Native functions return 0 (or a count) on success and a negative errno on failure, and write
 * their ret_ output parameters only on success. Values that travel the Windows contract
 * (property and module status) are NTSTATUS codes carried as int32_t; amod_status_name() and
 * amod_status_to_errno() translate them. No WDK type appears here.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(AMOD_BUILDING) && defined(__GNUC__)
#define AMOD_API __attribute__((visibility("default")))
#else
#define AMOD_API
#endif

#define AMOD_VERSION_MAJOR 0
#define AMOD_VERSION_MINOR 1

/* Same size, layout and byte order as the Windows GUID (little-endian fields). */
struct amod_guid {
	uint32_t data1;
	uint16_t data2;
	uint16_t data3;
	uint8_t data4[8];
};

/* "XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX" + NUL; braces are never printed. */
#define AMOD_GUID_STRING_MAX 37

/*
 * Parses a GUID, braced ("{...}") or not, in any case. Surrounding white space is not accepted.
 * Thread: any. Errors: -EINVAL if text or ret_guid is NULL or the text is not a GUID.
 */
AMOD_API int amod_guid_parse(const char *text, struct amod_guid *ret_guid);

/*
 * Formats g upper-case and unbraced into buf (at least AMOD_GUID_STRING_MAX bytes) and returns
 * buf. Thread: any.
 */
AMOD_API char *amod_guid_format(const struct amod_guid *g, char buf[AMOD_GUID_STRING_MAX]);

AMOD_API bool amod_guid_equal(const struct amod_guid *a, const struct amod_guid *b);
AMOD_API bool amod_guid_is_null(const struct amod_guid *g);

/* NTSTATUS values amod uses, with the Windows numbers (see spec §1.5, §2.4). */
#define AMOD_STATUS_SUCCESS ((int32_t)0x00000000)
#define AMOD_STATUS_BUFFER_OVERFLOW ((int32_t)0x80000005)
#define AMOD_STATUS_UNSUCCESSFUL ((int32_t)0xC0000001)
#define AMOD_STATUS_INVALID_PARAMETER ((int32_t)0xC000000D)
#define AMOD_STATUS_INVALID_DEVICE_REQUEST ((int32_t)0xC0000010)
#define AMOD_STATUS_ACCESS_DENIED ((int32_t)0xC0000022)
#define AMOD_STATUS_BUFFER_TOO_SMALL ((int32_t)0xC0000023)
#define AMOD_STATUS_QUOTA_EXCEEDED ((int32_t)0xC0000044)
#define AMOD_STATUS_INSUFFICIENT_RESOURCES ((int32_t)0xC000009A)
#define AMOD_STATUS_IO_TIMEOUT ((int32_t)0xC00000B5)
#define AMOD_STATUS_INTERNAL_ERROR ((int32_t)0xC00000E5)
#define AMOD_STATUS_INVALID_DEVICE_STATE ((int32_t)0xC0000184)
#define AMOD_STATUS_INVALID_BUFFER_SIZE ((int32_t)0xC0000206)
#define AMOD_STATUS_NOT_FOUND ((int32_t)0xC0000225)
#define AMOD_STATUS_NOINTERFACE ((int32_t)0xC00002B9)

static inline bool amod_status_ok(int32_t status)
{
	return status >= 0;
}

/* "STATUS_BUFFER_TOO_SMALL" for known codes, NULL otherwise. Thread: any. */
AMOD_API const char *amod_status_name(int32_t status);

/* A negative errno for an NTSTATUS (0 for success codes). Thread: any. */
AMOD_API int amod_status_to_errno(int32_t status);

/* The NTSTATUS that best describes a negative errno. Thread: any. */
AMOD_API int32_t amod_status_from_errno(int err);

/*
 * Converts NUL-terminated UTF-8 into UTF-16LE code units, writing at most dst_units units
 * including the terminating NUL. Returns the number of units written without the NUL.
 * Errors: -EINVAL (NULL argument, dst_units 0, or invalid UTF-8), -ENAMETOOLONG (does not fit;
 * nothing is guaranteed about dst then). Thread: any.
 */
AMOD_API int amod_utf8_to_utf16(const char *src, uint16_t *dst, size_t dst_units);

/*
 * Converts UTF-16LE (stopping at a NUL unit or after src_units units) into NUL-terminated UTF-8
 * in dst (dst_size bytes). Unpaired surrogates become U+FFFD. Returns the bytes written without
 * the NUL. Errors: -EINVAL (NULL argument, dst_size 0), -ENAMETOOLONG (does not fit).
 * Thread: any.
 */
AMOD_API int amod_utf16_to_utf8(const uint16_t *src, size_t src_units, char *dst, size_t dst_size);

enum amod_log_level {
	AMOD_LOG_ERROR = 3,
	AMOD_LOG_WARNING = 4,
	AMOD_LOG_INFO = 6,
	AMOD_LOG_DEBUG = 7,
};

typedef void (*amod_log_func_t)(enum amod_log_level level, const char *message, void *userdata);

/*
 * Installs the process-wide log handler (NULL: drop messages, the default; amod never prints
 * by itself) and the highest level passed to it (default AMOD_LOG_WARNING, or AMOD_LOG_DEBUG
 * when $AMOD_DEBUG is set to a non-empty value other than "0"). Messages above the level are
 * not formatted. Thread: any; the handler may be called from any thread that calls amod.
 */
AMOD_API void amod_set_log_handler(amod_log_func_t handler, void *userdata);
AMOD_API void amod_set_log_level(enum amod_log_level level);
AMOD_API enum amod_log_level amod_get_log_level(void);

#ifdef __cplusplus
}
#endif

#endif /* AMOD_H */
