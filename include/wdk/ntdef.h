/* SPDX-License-Identifier: MIT */
#ifndef AMOD_WDK_NTDEF_H
#define AMOD_WDK_NTDEF_H

/*
 * ntdef.h: the base types, NTSTATUS and its codes, and the structure macros of the WDK.
 *
 * Types are fixed-width so that every Windows structure keeps its size on LP64 Linux, where
 * "long" is 64 bits: ULONG is uint32_t, LONG int32_t, WCHAR a 16-bit code unit.
 */

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <guiddef.h>
#include <sal.h>

/* Helpers of these headers (not WDK names). */
#ifdef __cplusplus
#define AMOD_WDK_STATIC_ASSERT(expr, msg) static_assert(expr, msg)
#define AMOD_WDK_ALIGNOF(type) alignof(type)
#define AMOD_WDK_ALIGNAS(n) alignas(n)
#else
#define AMOD_WDK_STATIC_ASSERT(expr, msg) _Static_assert(expr, msg)
#define AMOD_WDK_ALIGNOF(type) _Alignof(type)
#define AMOD_WDK_ALIGNAS(n) _Alignas(n)
#endif
/* Anonymous structures are standard C11 but a GNU extension in C++. */
#ifdef __GNUC__
#define AMOD_WDK_ANONYMOUS __extension__
#else
#define AMOD_WDK_ANONYMOUS
#endif

/* Linkage and calling conventions: one convention on Linux, so they expand to nothing. */
#ifdef __cplusplus
#define EXTERN_C extern "C"
#define EXTERN_C_START extern "C" {
#define EXTERN_C_END }
#else
#define EXTERN_C extern
#define EXTERN_C_START
#define EXTERN_C_END
#endif
#ifndef NTAPI
#define NTAPI
#endif
#ifndef NTSYSAPI
#define NTSYSAPI
#endif
#ifndef NTKERNELAPI
#define NTKERNELAPI
#endif
#ifndef CDECL
#define CDECL
#endif
#ifndef STDMETHODCALLTYPE
#define STDMETHODCALLTYPE
#endif
#ifndef STDAPICALLTYPE
#define STDAPICALLTYPE
#endif
#ifndef FASTCALL
#define FASTCALL
#endif
#ifndef WINAPI
#define WINAPI
#endif
#if !defined(_WIN32)
#ifndef __stdcall
#define __stdcall
#endif
#ifndef __cdecl
#define __cdecl
#endif
#endif
#ifndef DECLSPEC_SELECTANY
#define DECLSPEC_SELECTANY __attribute__((weak))
#endif
#ifndef DECLSPEC_NOINLINE
#define DECLSPEC_NOINLINE __attribute__((noinline))
#endif
#ifndef DECLSPEC_ALIGN
#define DECLSPEC_ALIGN(x) __attribute__((aligned(x)))
#endif
#ifndef FORCEINLINE
#define FORCEINLINE inline __attribute__((always_inline))
#endif
#ifndef CONST
#define CONST const
#endif
#ifndef IN
#define IN
#endif
#ifndef OUT
#define OUT
#endif
#ifndef OPTIONAL
#define OPTIONAL
#endif

/* Base types. */
typedef void VOID;
typedef void *PVOID;
typedef const void *PCVOID;
typedef char CHAR;
typedef CHAR *PCHAR, *PSTR, *LPSTR;
typedef const CHAR *PCSTR, *LPCSTR;
typedef unsigned char UCHAR;
typedef UCHAR *PUCHAR;
typedef uint8_t BYTE;
typedef BYTE *PBYTE;
typedef int16_t SHORT;
typedef SHORT *PSHORT;
typedef uint16_t USHORT;
typedef USHORT *PUSHORT;
typedef uint16_t WORD;
typedef WORD *PWORD;
typedef int32_t LONG;
typedef LONG *PLONG;
typedef uint32_t ULONG;
typedef ULONG *PULONG;
typedef uint32_t DWORD;
typedef DWORD *PDWORD;
typedef int INT;
typedef unsigned int UINT;
typedef int64_t LONGLONG;
typedef LONGLONG *PLONGLONG;
typedef uint64_t ULONGLONG;
typedef ULONGLONG *PULONGLONG;
typedef int64_t LONG64;
typedef LONG64 *PLONG64;
typedef uint64_t ULONG64;
typedef ULONG64 *PULONG64;
typedef uint64_t DWORD64;
typedef DWORD64 *PDWORD64;
typedef int8_t INT8;
typedef int16_t INT16;
typedef int32_t INT32;
typedef int64_t INT64;
typedef uint8_t UINT8;
typedef uint16_t UINT16;
typedef uint32_t UINT32;
typedef uint64_t UINT64;
typedef intptr_t LONG_PTR;
typedef LONG_PTR *PLONG_PTR;
typedef uintptr_t ULONG_PTR;
typedef ULONG_PTR *PULONG_PTR;
typedef ULONG_PTR DWORD_PTR;
typedef size_t SIZE_T;
typedef SIZE_T *PSIZE_T;
typedef int32_t BOOL;
typedef BOOL *PBOOL;
typedef uint8_t BOOLEAN;
typedef BOOLEAN *PBOOLEAN;
typedef void *HANDLE;
typedef HANDLE *PHANDLE;

/*
 * WCHAR is one UTF-16 code unit. Linux's wchar_t is 32 bits, so L"..." literals do not fit a
 * WCHAR array; use u"..." (char16_t) instead, or build with -fshort-wchar, in which case
 * WCHAR is wchar_t and L"..." works unchanged. In C, u"..." is an array of uint_least16_t,
 * which is uint16_t here, so u"..." initialises WCHAR arrays in both languages.
 */
#if defined(__SIZEOF_WCHAR_T__) && __SIZEOF_WCHAR_T__ == 2
typedef wchar_t WCHAR;
#elif defined(__cplusplus)
typedef char16_t WCHAR;
#else
typedef uint16_t WCHAR;
#endif
AMOD_WDK_STATIC_ASSERT(sizeof(WCHAR) == 2, "WCHAR is one UTF-16 code unit");
typedef WCHAR *PWCHAR, *PWCH, *LPWCH, *PWSTR, *LPWSTR, *NWPSTR;
typedef const WCHAR *PCWCH, *LPCWCH, *PCWSTR, *LPCWSTR;

#ifndef TRUE
#define TRUE 1
#endif
#ifndef FALSE
#define FALSE 0
#endif

#define MINCHAR 0x80
#define MAXCHAR 0x7f
#define MINSHORT 0x8000
#define MAXSHORT 0x7fff
#define MINLONG 0x80000000
#define MAXLONG 0x7fffffff
#define MAXUCHAR 0xff
#define MAXUSHORT 0xffff
#define MAXULONG 0xffffffff

AMOD_WDK_STATIC_ASSERT(sizeof(ULONG) == 4 && sizeof(LONG) == 4, "ULONG/LONG are 32-bit");
AMOD_WDK_STATIC_ASSERT(sizeof(ULONG_PTR) == sizeof(void *), "ULONG_PTR holds a pointer");

/* NTSTATUS: negative values are errors, 0x80000000-0xBFFFFFFF warnings, >= 0 success. */
typedef LONG NTSTATUS;
typedef NTSTATUS *PNTSTATUS;

#define NT_SUCCESS(Status) (((NTSTATUS)(Status)) >= 0)
#define NT_INFORMATION(Status) ((((ULONG)(Status)) >> 30) == 1)
#define NT_WARNING(Status) ((((ULONG)(Status)) >> 30) == 2)
#define NT_ERROR(Status) ((((ULONG)(Status)) >> 30) == 3)

#define STATUS_SUCCESS ((NTSTATUS)0x00000000L)
#define STATUS_BUFFER_OVERFLOW ((NTSTATUS)0x80000005L)
#define STATUS_UNSUCCESSFUL ((NTSTATUS)0xC0000001L)
#define STATUS_NOT_IMPLEMENTED ((NTSTATUS)0xC0000002L)
#define STATUS_INVALID_PARAMETER ((NTSTATUS)0xC000000DL)
#define STATUS_INVALID_DEVICE_REQUEST ((NTSTATUS)0xC0000010L)
#define STATUS_ACCESS_DENIED ((NTSTATUS)0xC0000022L)
#define STATUS_BUFFER_TOO_SMALL ((NTSTATUS)0xC0000023L)
#define STATUS_INTEGER_OVERFLOW ((NTSTATUS)0xC0000095L)
#define STATUS_INSUFFICIENT_RESOURCES ((NTSTATUS)0xC000009AL)
#define STATUS_INTERNAL_ERROR ((NTSTATUS)0xC00000E5L)
#define STATUS_INVALID_DEVICE_STATE ((NTSTATUS)0xC0000184L)
#define STATUS_INVALID_BUFFER_SIZE ((NTSTATUS)0xC0000206L)
#define STATUS_NOT_FOUND ((NTSTATUS)0xC0000225L)
#define STATUS_NOINTERFACE ((NTSTATUS)0xC00002B9L)

/* Structure and array macros. */
#define FIELD_OFFSET(type, field) ((LONG)offsetof(type, field))
#define UFIELD_OFFSET(type, field) ((ULONG)offsetof(type, field))
#define RTL_FIELD_SIZE(type, field) (sizeof(((type *)0)->field))
#define RTL_SIZEOF_THROUGH_FIELD(type, field)                                                      \
	(FIELD_OFFSET(type, field) + RTL_FIELD_SIZE(type, field))
#define RTL_CONTAINS_FIELD(Struct, Size, Field)                                                    \
	((((PCHAR)(&(Struct)->Field)) + sizeof((Struct)->Field)) <= (((PCHAR)(Struct)) + (Size)))
#define RTL_NUMBER_OF(A) (sizeof(A) / sizeof((A)[0]))
#define RTL_NUMBER_OF_V1(A) RTL_NUMBER_OF(A)
#define RTL_NUMBER_OF_V2(A) RTL_NUMBER_OF(A)
#ifndef ARRAYSIZE
#define ARRAYSIZE(A) RTL_NUMBER_OF(A)
#endif
#ifndef _ARRAYSIZE
#define _ARRAYSIZE(A) RTL_NUMBER_OF(A)
#endif

/* The structure that holds a field, given the field's address. */
#define CONTAINING_RECORD(address, type, field)                                                    \
	((type *)((char *)(address) - offsetof(type, field)))

/* A cast to void: Windows' bare "(P)" would draw -Wunused-value. */
#define UNREFERENCED_PARAMETER(P) ((void)(P))
#define DBG_UNREFERENCED_PARAMETER(P) ((void)(P))
#define DBG_UNREFERENCED_LOCAL_VARIABLE(V) ((void)(V))

#define C_ASSERT(e) AMOD_WDK_STATIC_ASSERT(e, #e)

/*
 * IsEqualGUIDAligned: the WDK's comparison for GUIDs known to be 8-byte aligned. Here it does
 * not depend on alignment. As in the WDK, C++ takes references and C takes pointers.
 */
#ifdef __cplusplus
inline int IsEqualGUIDAligned(REFGUID guid1, REFGUID guid2)
{
	return memcmp(&guid1, &guid2, sizeof(GUID)) == 0;
}
#else
#define IsEqualGUIDAligned(guid1, guid2) (!memcmp((guid1), (guid2), sizeof(GUID)))
#endif

#endif /* AMOD_WDK_NTDEF_H */
