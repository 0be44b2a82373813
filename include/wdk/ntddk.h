/* SPDX-License-Identifier: MIT */
#ifndef AMOD_WDK_NTDDK_H
#define AMOD_WDK_NTDDK_H

/* ntddk.h: drivers often include it instead of wdm.h; amod has nothing more to add. */
#include <wdm.h>

#endif /* AMOD_WDK_NTDDK_H */
