/* SPDX-License-Identifier: MIT */
#ifndef AMOD_WDK_GUIDDEF_H
#define AMOD_WDK_GUIDDEF_H

/*
 * guiddef.h: GUID, IID/CLSID, their reference types, IsEqualGUID, and DEFINE_GUID.
 *
 * The GUID has the Windows layout whatever the target: 16 bytes, alignment 4, fields in the
 * target's byte order (little-endian on every platform amod supports), so GUIDs can be copied
 * to and from KS buffers byte for byte.
 */

#include <stdint.h>
#include <string.h>

#ifndef GUID_DEFINED
#define GUID_DEFINED
typedef struct _GUID {
	uint32_t Data1;
	uint16_t Data2;
	uint16_t Data3;
	uint8_t Data4[8];
} GUID;
#endif

#ifdef __cplusplus
static_assert(sizeof(GUID) == 16, "GUID is 16 bytes");
static_assert(alignof(GUID) == 4, "GUID is 4-byte aligned");
#else
_Static_assert(sizeof(GUID) == 16, "GUID is 16 bytes");
_Static_assert(_Alignof(GUID) == 4, "GUID is 4-byte aligned");
#endif

typedef GUID *LPGUID;
typedef const GUID *LPCGUID;
typedef GUID IID;
typedef IID *LPIID;
typedef GUID CLSID;
typedef CLSID *LPCLSID;
typedef GUID FMTID;
typedef FMTID *LPFMTID;

/* As on Windows: references in C++, pointers in C. */
#ifdef __cplusplus
#define REFGUID const GUID &
#define REFIID const IID &
#define REFCLSID const IID &
#define REFFMTID const IID &
#else
#define REFGUID const GUID *
#define REFIID const IID *
#define REFCLSID const IID *
#define REFFMTID const IID *
#endif

#ifdef __cplusplus
inline int IsEqualGUID(REFGUID guid1, REFGUID guid2)
{
	return memcmp(&guid1, &guid2, sizeof(GUID)) == 0;
}

inline bool operator==(REFGUID guid1, REFGUID guid2)
{
	return IsEqualGUID(guid1, guid2) != 0;
}

inline bool operator!=(REFGUID guid1, REFGUID guid2)
{
	return !(guid1 == guid2);
}
#else
#define IsEqualGUID(rguid1, rguid2) (!memcmp((rguid1), (rguid2), sizeof(GUID)))
#endif

#define IsEqualIID(riid1, riid2) IsEqualGUID(riid1, riid2)
#define IsEqualCLSID(rclsid1, rclsid2) IsEqualGUID(rclsid1, rclsid2)
#define IsEqualFMTID(rfmtid1, rfmtid2) IsEqualGUID(rfmtid1, rfmtid2)

#endif /* AMOD_WDK_GUIDDEF_H */

/*
 * DEFINE_GUID is decided at every inclusion, outside the guard: a translation unit that
 * defines INITGUID (or includes <initguid.h>) and then includes guiddef.h again gets
 * definitions from the DEFINE_GUIDs expanded after that point, declarations before it.
 *
 * A definition is weak, which gives MSVC's selectany semantics: any number of translation
 * units, libraries and driver plugins may define the same GUID, and the linker keeps one.
 * C++ needs extern "C" both for the C symbol name and because a namespace-scope const would
 * otherwise have internal linkage. In C, a file-scope const already has external linkage, and
 * "extern" with an initializer would draw a warning.
 */
#undef DEFINE_GUID
#undef AMOD_WDK_GUID_LINKAGE
#ifdef __cplusplus
#define AMOD_WDK_GUID_LINKAGE extern "C"
#else
#define AMOD_WDK_GUID_LINKAGE
#endif

#ifdef INITGUID
#ifdef __GNUC__
#define DEFINE_GUID(name, l, w1, w2, b1, b2, b3, b4, b5, b6, b7, b8)                              \
	AMOD_WDK_GUID_LINKAGE const GUID name __attribute__((weak, visibility("default"))) = {     \
		(uint32_t)(l), (uint16_t)(w1), (uint16_t)(w2),                                     \
		{ (uint8_t)(b1), (uint8_t)(b2), (uint8_t)(b3), (uint8_t)(b4),                      \
		  (uint8_t)(b5), (uint8_t)(b6), (uint8_t)(b7), (uint8_t)(b8) } }
#else
#define DEFINE_GUID(name, l, w1, w2, b1, b2, b3, b4, b5, b6, b7, b8)                              \
	AMOD_WDK_GUID_LINKAGE const GUID name = {                                                  \
		(uint32_t)(l), (uint16_t)(w1), (uint16_t)(w2),                                     \
		{ (uint8_t)(b1), (uint8_t)(b2), (uint8_t)(b3), (uint8_t)(b4),                      \
		  (uint8_t)(b5), (uint8_t)(b6), (uint8_t)(b7), (uint8_t)(b8) } }
#endif
#else
#ifdef __cplusplus
#define DEFINE_GUID(name, l, w1, w2, b1, b2, b3, b4, b5, b6, b7, b8) extern "C" const GUID name
#else
#define DEFINE_GUID(name, l, w1, w2, b1, b2, b3, b4, b5, b6, b7, b8) extern const GUID name
#endif
#endif
