/* SPDX-License-Identifier: MIT */
#ifndef AMOD_WDK_NTSTRSAFE_H
#define AMOD_WDK_NTSTRSAFE_H

/*
 * ntstrsafe.h: the bounded UTF-16 string functions that module code uses, with the WDK's
 * results:
 * - a destination size of 0 or above NTSTRSAFE_MAX_CCH is STATUS_INVALID_PARAMETER (a copy
 *   with a size above the maximum still stores an empty string, as the WDK's does);
 * - a source that does not fit is copied as far as it fits, NUL-terminated, and reported as
 *   STATUS_BUFFER_OVERFLOW (a warning: NT_SUCCESS() is false);
 * - otherwise STATUS_SUCCESS.
 * Sizes ending in Cch count WCHARs, in Cb bytes. Strings must not overlap.
 */

#include <ntdef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define NTSTRSAFE_MAX_CCH 2147483647
#define NTSTRSAFE_UNICODE_STRING_MAX_CCH 32767

typedef WCHAR *NTSTRSAFE_PWSTR;
typedef const WCHAR *NTSTRSAFE_PCWSTR;
typedef const WCHAR *STRSAFE_PCNZWCH;

/* Copies at most cchDest - 1 units and always terminates; cchDest must be valid. */
static inline NTSTATUS amod_wdk_strsafe_copy(PWSTR pszDest, size_t cchDest, PCWSTR pszSrc)
{
	while (cchDest > 1 && *pszSrc != 0) {
		*pszDest++ = *pszSrc++;
		cchDest--;
	}
	*pszDest = 0;
	return *pszSrc == 0 ? STATUS_SUCCESS : STATUS_BUFFER_OVERFLOW;
}

static inline NTSTATUS RtlStringCchLengthW(STRSAFE_PCNZWCH psz, size_t cchMax, size_t *pcchLength)
{
	size_t n = 0;

	if (psz == NULL || cchMax > NTSTRSAFE_MAX_CCH) {
		if (pcchLength)
			*pcchLength = 0;
		return STATUS_INVALID_PARAMETER;
	}
	while (n < cchMax && psz[n] != 0)
		n++;
	if (n == cchMax) {
		/* No terminator within cchMax units (this includes cchMax 0). */
		if (pcchLength)
			*pcchLength = 0;
		return STATUS_INVALID_PARAMETER;
	}
	if (pcchLength)
		*pcchLength = n;
	return STATUS_SUCCESS;
}

static inline NTSTATUS RtlStringCbLengthW(STRSAFE_PCNZWCH psz, size_t cbMax, size_t *pcbLength)
{
	size_t cch = 0;
	NTSTATUS status;

	if (cbMax / sizeof(WCHAR) > NTSTRSAFE_MAX_CCH) {
		if (pcbLength)
			*pcbLength = 0;
		return STATUS_INVALID_PARAMETER;
	}
	status = RtlStringCchLengthW(psz, cbMax / sizeof(WCHAR), &cch);
	if (pcbLength)
		*pcbLength = NT_SUCCESS(status) ? cch * sizeof(WCHAR) : 0;
	return status;
}

static inline NTSTATUS RtlStringCchCopyW(NTSTRSAFE_PWSTR pszDest, size_t cchDest,
					 NTSTRSAFE_PCWSTR pszSrc)
{
	if (cchDest == 0 || cchDest > NTSTRSAFE_MAX_CCH) {
		if (cchDest > 0)
			*pszDest = 0;
		return STATUS_INVALID_PARAMETER;
	}
	return amod_wdk_strsafe_copy(pszDest, cchDest, pszSrc);
}

static inline NTSTATUS RtlStringCbCopyW(NTSTRSAFE_PWSTR pszDest, size_t cbDest,
					NTSTRSAFE_PCWSTR pszSrc)
{
	return RtlStringCchCopyW(pszDest, cbDest / sizeof(WCHAR), pszSrc);
}

/* Appends; the destination must already hold a terminated string within cchDest units. */
static inline NTSTATUS RtlStringCchCatW(NTSTRSAFE_PWSTR pszDest, size_t cchDest,
					NTSTRSAFE_PCWSTR pszSrc)
{
	size_t len = 0;

	if (cchDest == 0 || cchDest > NTSTRSAFE_MAX_CCH)
		return STATUS_INVALID_PARAMETER;
	if (!NT_SUCCESS(RtlStringCchLengthW(pszDest, cchDest, &len)))
		return STATUS_INVALID_PARAMETER;
	return amod_wdk_strsafe_copy(pszDest + len, cchDest - len, pszSrc);
}

static inline NTSTATUS RtlStringCbCatW(NTSTRSAFE_PWSTR pszDest, size_t cbDest,
				       NTSTRSAFE_PCWSTR pszSrc)
{
	return RtlStringCchCatW(pszDest, cbDest / sizeof(WCHAR), pszSrc);
}

#ifdef __cplusplus
}
#endif

#endif /* AMOD_WDK_NTSTRSAFE_H */
