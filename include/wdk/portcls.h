/* SPDX-License-Identifier: MIT */
#ifndef AMOD_WDK_PORTCLS_H
#define AMOD_WDK_PORTCLS_H

/*
 * portcls.h: what an audio miniport needs from the PortCls port to own audio modules:
 * IPortClsNotifications (module notifications) and the property automation types
 * (PCPROPERTY_ITEM, PCPROPERTY_REQUEST, PCAUTOMATION_TABLE) through which the port hands it
 * KSPROPSETID_AudioModule requests. A miniport gets the interface the WDK way:
 *
 *	Port->QueryInterface(IID_IPortClsNotifications, (PVOID *)&m_pPortClsNotifications);
 *
 * on the port object amod gives it (amod_device_get_port()). The filter/pin descriptor and
 * WaveRT streaming parts of PortCls are not provided; see docs/wdk-compat.md.
 */

#include <wdm.h>
#include <ks.h>
#include <ksmedia.h>
#include <unknown.h>

DEFINE_GUID(IID_IPortClsNotifications, 0x1E092CE2L, 0xDB25, 0x483B, 0x84, 0x46, 0xB0, 0x96, 0x12,
	    0x15, 0x25, 0x8B);

#define SIZEOF_ARRAY(ar) (sizeof(ar) / sizeof((ar)[0]))

/* PCPROPERTY_REQUEST.Node of a request that does not address a node. */
#define PCFILTER_NODE KSFILTER_NODE

/*
 * A notification buffer: NumberOfBytes writable payload bytes start at the returned pointer;
 * there is no header the miniport can see.
 */
typedef struct _PCNOTIFICATION_BUFFER {
	UCHAR NotificationBuffer[1];
} PCNOTIFICATION_BUFFER, *PPCNOTIFICATION_BUFFER;

#ifdef __cplusplus
struct IPortClsNotifications;
#else
typedef struct IPortClsNotifications IPortClsNotifications;
#endif
typedef IPortClsNotifications *PPORTCLSNOTIFICATIONS;

/*
 * The slots, in the WDK's order (QueryInterface, AddRef, Release come from IUnknown).
 *
 * AllocNotificationBuffer: a buffer of NumberOfBytes payload bytes from PoolType
 * (NonPagedPoolNx or PagedPool recommended; non-paged at DISPATCH_LEVEL). STATUS_SUCCESS,
 * STATUS_INVALID_PARAMETER, STATUS_INSUFFICIENT_RESOURCES.
 * FreeNotificationBuffer: gives a buffer back; call it exactly once per buffer, after Send too.
 * SendNotification: queues a copy of the buffer as event NotificationId (for
 * KSNOTIFICATIONID_AudioModule the payload starts with a KSAUDIOMODULE_NOTIFICATION). Returns
 * nothing: amodwdk.h's AmodSendNotificationEx reports the outcome.
 */
typedef struct IPortClsNotificationsVtbl {
	NTSTATUS (*QueryInterface)(IPortClsNotifications *This, REFIID InterfaceId,
				   PVOID *Interface);
	ULONG (*AddRef)(IPortClsNotifications *This);
	ULONG (*Release)(IPortClsNotifications *This);
	NTSTATUS (*AllocNotificationBuffer)(IPortClsNotifications *This, POOL_TYPE PoolType,
					    USHORT NumberOfBytes,
					    PPCNOTIFICATION_BUFFER *NotificationBuffer);
	void (*FreeNotificationBuffer)(IPortClsNotifications *This,
				       PPCNOTIFICATION_BUFFER NotificationBuffer);
	void (*SendNotification)(IPortClsNotifications *This, const GUID *NotificationId,
				 PPCNOTIFICATION_BUFFER NotificationBuffer);
} IPortClsNotificationsVtbl;

#ifdef __cplusplus

struct IPortClsNotifications : public IUnknown {
	virtual NTSTATUS AllocNotificationBuffer(_In_ POOL_TYPE PoolType, _In_ USHORT NumberOfBytes,
						 _Out_ PPCNOTIFICATION_BUFFER *NotificationBuffer) = 0;
	virtual void FreeNotificationBuffer(_In_ PPCNOTIFICATION_BUFFER NotificationBuffer) = 0;
	virtual void SendNotification(_In_ const GUID *NotificationId,
				      _In_ PPCNOTIFICATION_BUFFER NotificationBuffer) = 0;
};

static inline NTSTATUS IPortClsNotifications_QueryInterface(IPortClsNotifications *This,
							    REFIID InterfaceId, PVOID *Interface)
{
	return This->QueryInterface(InterfaceId, Interface);
}

static inline NTSTATUS IPortClsNotifications_QueryInterface(IPortClsNotifications *This,
							    const GUID *InterfaceId,
							    PVOID *Interface)
{
	return This->QueryInterface(*InterfaceId, Interface);
}

static inline ULONG IPortClsNotifications_AddRef(IPortClsNotifications *This)
{
	return This->AddRef();
}

static inline ULONG IPortClsNotifications_Release(IPortClsNotifications *This)
{
	return This->Release();
}

static inline NTSTATUS
IPortClsNotifications_AllocNotificationBuffer(IPortClsNotifications *This, POOL_TYPE PoolType,
					      USHORT NumberOfBytes,
					      PPCNOTIFICATION_BUFFER *NotificationBuffer)
{
	return This->AllocNotificationBuffer(PoolType, NumberOfBytes, NotificationBuffer);
}

static inline void IPortClsNotifications_FreeNotificationBuffer(
	IPortClsNotifications *This, PPCNOTIFICATION_BUFFER NotificationBuffer)
{
	This->FreeNotificationBuffer(NotificationBuffer);
}

static inline void IPortClsNotifications_SendNotification(IPortClsNotifications *This,
							  const GUID *NotificationId,
							  PPCNOTIFICATION_BUFFER NotificationBuffer)
{
	This->SendNotification(NotificationId, NotificationBuffer);
}

#else /* !__cplusplus */

struct IPortClsNotifications {
	const IPortClsNotificationsVtbl *lpVtbl;
};

static inline NTSTATUS IPortClsNotifications_QueryInterface(IPortClsNotifications *This,
							    REFIID InterfaceId, PVOID *Interface)
{
	return This->lpVtbl->QueryInterface(This, InterfaceId, Interface);
}

static inline ULONG IPortClsNotifications_AddRef(IPortClsNotifications *This)
{
	return This->lpVtbl->AddRef(This);
}

static inline ULONG IPortClsNotifications_Release(IPortClsNotifications *This)
{
	return This->lpVtbl->Release(This);
}

static inline NTSTATUS
IPortClsNotifications_AllocNotificationBuffer(IPortClsNotifications *This, POOL_TYPE PoolType,
					      USHORT NumberOfBytes,
					      PPCNOTIFICATION_BUFFER *NotificationBuffer)
{
	return This->lpVtbl->AllocNotificationBuffer(This, PoolType, NumberOfBytes,
						     NotificationBuffer);
}

static inline void IPortClsNotifications_FreeNotificationBuffer(
	IPortClsNotifications *This, PPCNOTIFICATION_BUFFER NotificationBuffer)
{
	This->lpVtbl->FreeNotificationBuffer(This, NotificationBuffer);
}

static inline void IPortClsNotifications_SendNotification(IPortClsNotifications *This,
							  const GUID *NotificationId,
							  PPCNOTIFICATION_BUFFER NotificationBuffer)
{
	This->lpVtbl->SendNotification(This, NotificationId, NotificationBuffer);
}

#endif /* __cplusplus */

/*
 * Property automation. The port finds the miniport's PCPROPERTY_ITEM for a request's
 * (Set, Id) and calls its Handler with a request whose Instance/InstanceSize are the input
 * bytes after the 24-byte KSPROPERTY and whose Value/ValueSize are the caller's output buffer.
 * The handler stores the bytes produced (or required) in ValueSize. An item's Flags list the
 * verbs it accepts.
 */
typedef struct _PCPROPERTY_REQUEST PCPROPERTY_REQUEST, *PPCPROPERTY_REQUEST;
typedef struct _PCMETHOD_REQUEST PCMETHOD_REQUEST, *PPCMETHOD_REQUEST;
typedef struct _PCEVENT_REQUEST PCEVENT_REQUEST, *PPCEVENT_REQUEST;

typedef NTSTATUS (*PCPFNPROPERTY_HANDLER)(PPCPROPERTY_REQUEST PropertyRequest);
typedef NTSTATUS (*PCPFNMETHOD_HANDLER)(PPCMETHOD_REQUEST MethodRequest);
typedef NTSTATUS (*PCPFNEVENT_HANDLER)(PPCEVENT_REQUEST EventRequest);

typedef struct {
	const GUID *Set;
	ULONG Id;
	ULONG Flags;
	PCPFNPROPERTY_HANDLER Handler;
} PCPROPERTY_ITEM, *PPCPROPERTY_ITEM;

/* PCPROPERTY_ITEM.Flags: the verbs the item accepts (PortCls does not support RELATIONS). */
#define PCPROPERTY_ITEM_FLAG_GET KSPROPERTY_TYPE_GET
#define PCPROPERTY_ITEM_FLAG_SET KSPROPERTY_TYPE_SET
#define PCPROPERTY_ITEM_FLAG_BASICSUPPORT KSPROPERTY_TYPE_BASICSUPPORT
#define PCPROPERTY_ITEM_FLAG_SERIALIZERAW KSPROPERTY_TYPE_SERIALIZERAW
#define PCPROPERTY_ITEM_FLAG_UNSERIALIZERAW KSPROPERTY_TYPE_UNSERIALIZERAW
#define PCPROPERTY_ITEM_FLAG_SERIALIZESIZE KSPROPERTY_TYPE_SERIALIZESIZE
#define PCPROPERTY_ITEM_FLAG_SERIALIZE                                                             \
	(PCPROPERTY_ITEM_FLAG_SERIALIZERAW | PCPROPERTY_ITEM_FLAG_UNSERIALIZERAW |                 \
	 PCPROPERTY_ITEM_FLAG_SERIALIZESIZE)
#define PCPROPERTY_ITEM_FLAG_DEFAULTVALUES KSPROPERTY_TYPE_DEFAULTVALUES

/* Methods and events exist only so that automation tables have their WDK shape. */
typedef struct {
	const GUID *Set;
	ULONG Id;
	ULONG Flags;
	PCPFNMETHOD_HANDLER Handler;
} PCMETHOD_ITEM, *PPCMETHOD_ITEM;

typedef struct {
	const GUID *Set;
	ULONG Id;
	ULONG Flags;
	PCPFNEVENT_HANDLER Handler;
} PCEVENT_ITEM, *PPCEVENT_ITEM;

struct _PCPROPERTY_REQUEST {
	PUNKNOWN MajorTarget;               /* the miniport (filter) object */
	PUNKNOWN MinorTarget;               /* the stream object for a pin request, else NULL */
	ULONG Node;                         /* node id, or PCFILTER_NODE */
	const PCPROPERTY_ITEM *PropertyItem;
	ULONG Verb;                         /* KSPROPERTY_TYPE_* of the request */
	ULONG InstanceSize;
	PVOID Instance;
	ULONG ValueSize;
	PVOID Value;
	PIRP Irp;                           /* always NULL in amod: there are no IRPs */
};

typedef struct {
	ULONG PropertyItemSize;
	ULONG PropertyCount;
	const PCPROPERTY_ITEM *Properties;
	ULONG MethodItemSize;
	ULONG MethodCount;
	const PCMETHOD_ITEM *Methods;
	ULONG EventItemSize;
	ULONG EventCount;
	const PCEVENT_ITEM *Events;
	ULONG Reserved;
} PCAUTOMATION_TABLE, *PPCAUTOMATION_TABLE;

/* Defines an automation table of properties only, from an array of PCPROPERTY_ITEM. */
#define DEFINE_PCAUTOMATION_TABLE_PROP(AutomationTable, PropertyTable)                             \
	const PCAUTOMATION_TABLE AutomationTable = {                                               \
		sizeof((PropertyTable)[0]),                                                        \
		SIZEOF_ARRAY(PropertyTable),                                                       \
		(const PCPROPERTY_ITEM *)(PropertyTable),                                          \
		0,                                                                                 \
		0,                                                                                 \
		NULL,                                                                              \
		0,                                                                                 \
		0,                                                                                 \
		NULL,                                                                              \
		0,                                                                                 \
	}

#endif /* AMOD_WDK_PORTCLS_H */
