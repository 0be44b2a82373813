/* SPDX-License-Identifier: MIT */
/*
 * initguid.h: makes every DEFINE_GUID expanded after it a definition instead of a
 * declaration. Include it in one source file, before the headers whose GUIDs that file must
 * define (libamod already defines the GUIDs of these headers; see docs/wdk-compat.md).
 * Deliberately without an include guard, like the header it re-includes.
 */
#ifndef INITGUID
#define INITGUID
#endif
#include <guiddef.h>
