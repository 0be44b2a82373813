/* SPDX-License-Identifier: MIT */
#ifndef AMOD_WDK_DEVIOCTL_H
#define AMOD_WDK_DEVIOCTL_H

/*
 * devioctl.h: how Windows builds I/O control codes. amod has no IRPs, but the codes name the
 * requests (IOCTL_KS_PROPERTY) and travel in logs and on the wire.
 */

#define CTL_CODE(DeviceType, Function, Method, Access)                                             \
	(((DeviceType) << 16) | ((Access) << 14) | ((Function) << 2) | (Method))
#define DEVICE_TYPE_FROM_CTL_CODE(ctrlCode) (((ULONG)((ctrlCode) & 0xffff0000)) >> 16)
#define METHOD_FROM_CTL_CODE(ctrlCode) ((ULONG)((ctrlCode) & 3))

#define METHOD_BUFFERED 0
#define METHOD_IN_DIRECT 1
#define METHOD_OUT_DIRECT 2
#define METHOD_NEITHER 3

#define FILE_ANY_ACCESS 0
#define FILE_SPECIAL_ACCESS (FILE_ANY_ACCESS)
#define FILE_READ_ACCESS 0x0001
#define FILE_WRITE_ACCESS 0x0002

#define FILE_DEVICE_KS 0x0000002f

#endif /* AMOD_WDK_DEVIOCTL_H */
