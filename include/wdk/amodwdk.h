/* SPDX-License-Identifier: MIT */
#ifndef AMOD_WDK_AMODWDK_H
#define AMOD_WDK_AMODWDK_H

/*
 * amodwdk.h: amod's extensions to the WDK face, implemented by libamod.
 *
 * On Windows a miniport's automation tables reach PortCls through its filter descriptor, a
 * part of PortCls amod does not reproduce; AmodPortRegisterMiniport() hands them to the port
 * directly. SendNotification returns void on Windows, so a lost notification goes unnoticed;
 * AmodSendNotificationEx() is the same call with a result.
 */

#include <portcls.h>

#if defined(__GNUC__)
#define AMOD_WDK_API __attribute__((visibility("default")))
#else
#define AMOD_WDK_API
#endif

/*
 * Creates the MinorTarget of a stream opened on the device with SignalProcessingMode (the
 * default mode's GUID when the stream asked for none). Return STATUS_SUCCESS with a reference
 * in *MinorTarget, which the port owns (it Releases it when the stream closes), or an error
 * status: the stream then does not open.
 */
typedef NTSTATUS (*PFNAMOD_NEWSTREAM)(PVOID Context, const GUID *SignalProcessingMode,
				      PUNKNOWN *MinorTarget);

typedef struct _AMOD_MINIPORT_REGISTRATION {
	ULONG Size;                                      /* sizeof(AMOD_MINIPORT_REGISTRATION) */
	PUNKNOWN MajorTarget;                            /* PCPROPERTY_REQUEST.MajorTarget; the
							    port AddRefs it */
	const PCAUTOMATION_TABLE *FilterAutomationTable; /* optional: filter (device) properties */
	const PCAUTOMATION_TABLE *PinAutomationTable;    /* optional: pin (stream) properties */
	PFNAMOD_NEWSTREAM NewStream;                     /* optional: creates a new stream's
							    MinorTarget; the port owns the
							    returned reference */
	PVOID Context;                                   /* passed to NewStream */
} AMOD_MINIPORT_REGISTRATION, *PAMOD_MINIPORT_REGISTRATION;

/*
 * Registers a miniport's automation tables on the port of a device (Port: what
 * amod_device_get_port() returned). From then on, property requests on the device's filter are
 * matched against FilterAutomationTable and those on its pins against PinAutomationTable, and
 * the handlers get PCPROPERTY_REQUESTs with the registration's MajorTarget and the stream's
 * MinorTarget. The tables and the items they point to must outlive the device.
 * Thread: control.
 * Returns STATUS_SUCCESS;
 * STATUS_INVALID_PARAMETER: Port is not an amod port, Registration is NULL or its Size is
 *   smaller than this structure;
 * STATUS_INVALID_DEVICE_STATE: a miniport is already registered on this port, the device was
 *   removed, or native modules (amod_device_add_module()) already own KSPROPSETID_AudioModule
 *   on the device.
 */
EXTERN_C AMOD_WDK_API NTSTATUS AmodPortRegisterMiniport(
	PUNKNOWN Port, const AMOD_MINIPORT_REGISTRATION *Registration);

/*
 * SendNotification with a result. Same contract as IPortClsNotifications::SendNotification
 * (the payload is copied; the caller still frees the buffer), plus what happened.
 * Thread: RT-safe.
 * Returns STATUS_SUCCESS with *Delivered (if Delivered is not NULL) set to the number of
 *   listeners reached, which may be 0;
 * STATUS_INVALID_PARAMETER: NotificationBuffer is not a live buffer of this port, or a
 *   KSNOTIFICATIONID_AudioModule payload is shorter than the 40-byte header;
 * STATUS_NOT_FOUND: the header's DeviceId, ClassId or InstanceId names no module of this port;
 * STATUS_INVALID_DEVICE_STATE: the device was removed.
 * On failure *Delivered is set to 0.
 */
EXTERN_C AMOD_WDK_API NTSTATUS AmodSendNotificationEx(PPORTCLSNOTIFICATIONS Notifications,
						      const GUID *NotificationId,
						      PPCNOTIFICATION_BUFFER NotificationBuffer,
						      PULONG Delivered);

#endif /* AMOD_WDK_AMODWDK_H */
