/* SPDX-License-Identifier: MIT */
/*
 * The GUIDs of the WDK face, defined once in libamod so that driver code links without
 * defining them itself. INITGUID turns every DEFINE_GUID of the headers below into a weak,
 * default-visibility definition; libamod.sym lists the ones exported. A driver that includes
 * <initguid.h> anyway gets its own weak copies, which is harmless: the values are equal.
 */
#define INITGUID
#include <portcls.h>
#include <amodwdk.h>
