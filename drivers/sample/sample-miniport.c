/* SPDX-License-Identifier: MIT */
/*
 * The sample's miniports, written the WDK way: one per endpoint, a COM object (the
 * PCPROPERTY_REQUEST MajorTarget) that owns KSPROPSETID_AudioModule through its filter and pin
 * automation tables and answers it as spec §3.8 describes, with SYSVAD's quirks (§3.12) fixed:
 * notification headers have Reserved 0, descriptor names are zero-padded, and a port without
 * IPortClsNotifications only means no notifications. Streams are COM objects too (the
 * MinorTarget), holding the module instances made from the templates of their processing mode.
 *
 * The native side (sample.h) creates the devices, registers the miniports, runs the driver's
 * timer thread (sample-timer.h) for the modules that send on their own, and parses the
 * driver's options.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <ntintsafe.h>
#include <ntstrsafe.h>
#include <portcls.h>
#include <ksmedia.h>
#include <amodwdk.h>

#include "sample.h"
#include "sample-modules.h"
#include "sample-timer.h"

#define SAMPLE_POOL_TAG 0x706D6153u /* 'Samp' */

/* What the property handlers answer BASICSUPPORT with for the three properties. */
#define SAMPLE_PROPERTY_ACCESS (KSPROPERTY_TYPE_GET | KSPROPERTY_TYPE_BASICSUPPORT)

/* An endpoint (a wave filter) and its module templates. */
typedef struct _SAMPLE_ENDPOINT {
	const char *EndpointId;
	const char *FriendlyName;
	const GUID *NotificationDeviceId; /* NULL: the filter sends no notifications */
	const SAMPLE_MODULE_TEMPLATE *Modules;
	ULONG ModuleCount;
} SAMPLE_ENDPOINT;

/* Ids of this sample only: a real driver generates its own. */
static const GUID SpeakerNotificationDeviceId = {
	0xC01C987A, 0x30A9, 0x4DB7, {0x8D, 0x69, 0x69, 0x6C, 0xFF, 0x41, 0xE4, 0xB9}};
static const GUID SpeakerHpNotificationDeviceId = {
	0x3A66BE17, 0x5440, 0x48E7, {0x83, 0x76, 0xB7, 0x5A, 0x0B, 0x1A, 0x92, 0x2D}};

/*
 * The two Module1 templates of the speaker share ClassId and the "0" of their instance
 * counters; their configuration byte tells them apart.
 */
static const SAMPLE_MODULE_TEMPLATE SpeakerModules[] = {
	{&SampleAudioModule0Class, NULL, u"Generic system module", AUDIOMODULE_INSTANCE_ID(0, 0)},
	{&SampleAudioModule1Class, &AUDIO_SIGNALPROCESSINGMODE_MOVIE,
	 u"Speaker endpoint, EQ effect module, Movie mode", AUDIOMODULE_INSTANCE_ID(0, 0)},
	{&SampleAudioModule1Class, &AUDIO_SIGNALPROCESSINGMODE_DEFAULT,
	 u"Speaker endpoint, EQ effect module, Default mode", AUDIOMODULE_INSTANCE_ID(1, 0)},
	{&SampleMeterClass, NULL, u"Speaker endpoint, level meter", AUDIOMODULE_INSTANCE_ID(0, 0)},
};

static const SAMPLE_MODULE_TEMPLATE SpeakerHpModules[] = {
	{&SampleAudioModule0Class, NULL, u"Generic system module", AUDIOMODULE_INSTANCE_ID(0, 0)},
	{&SampleAudioModule1Class, &AUDIO_SIGNALPROCESSINGMODE_MOVIE,
	 u"Speaker HP endpoint, EQ effect module, Movie mode", AUDIOMODULE_INSTANCE_ID(0, 0)},
	{&SampleAudioModule2Class, &AUDIO_SIGNALPROCESSINGMODE_DEFAULT,
	 u"Speaker HP endpoint, Echo Cancellation effect module, Default mode",
	 AUDIOMODULE_INSTANCE_ID(0, 0)},
	{&SampleDetectorClass, NULL, u"Headphone endpoint, keyword detector",
	 AUDIOMODULE_INSTANCE_ID(0, 0)},
};

static const SAMPLE_ENDPOINT SampleEndpoints[] = {
	{"speaker", "Speaker", &SpeakerNotificationDeviceId, SpeakerModules,
	 SIZEOF_ARRAY(SpeakerModules)},
	{"headphone", "Speaker Headphone", &SpeakerHpNotificationDeviceId, SpeakerHpModules,
	 SIZEOF_ARRAY(SpeakerHpModules)},
};

typedef struct _SAMPLE_MINIPORT {
	IUnknown IUnknown_iface;
	LONG Ref;
	const SAMPLE_ENDPOINT *Endpoint;
	SAMPLE_TIMER *Timer;			 /* the driver's, outlives the miniport */
	PPORTCLSNOTIFICATIONS PortNotifications; /* a reference, or NULL */
	SAMPLE_MODULE *Modules;			 /* the templates */
	ULONG ModuleCount;
} SAMPLE_MINIPORT;

typedef struct _SAMPLE_STREAM {
	IUnknown IUnknown_iface;
	LONG Ref;
	SAMPLE_MINIPORT *Miniport; /* a reference */
	GUID SignalProcessingMode;
	SAMPLE_MODULE *Modules; /* instances of matching templates */
	ULONG ModuleCount;
} SAMPLE_STREAM;

static const IUnknownVtbl SampleMiniport_Vtbl;
static const IUnknownVtbl SampleStream_Vtbl;

static SAMPLE_MINIPORT *impl_from_miniport_IUnknown(IUnknown *iface)
{
	return CONTAINING_RECORD(iface, SAMPLE_MINIPORT, IUnknown_iface);
}

static SAMPLE_STREAM *impl_from_stream_IUnknown(IUnknown *iface)
{
	return CONTAINING_RECORD(iface, SAMPLE_STREAM, IUnknown_iface);
}

/* The request's targets, checked to be ours before they are cast. */
static SAMPLE_MINIPORT *SampleMiniport_FromTarget(PUNKNOWN Target)
{
	if (!Target || Target->lpVtbl != &SampleMiniport_Vtbl)
		return NULL;
	return impl_from_miniport_IUnknown(Target);
}

static SAMPLE_STREAM *SampleStream_FromTarget(PUNKNOWN Target)
{
	if (!Target || Target->lpVtbl != &SampleStream_Vtbl)
		return NULL;
	return impl_from_stream_IUnknown(Target);
}

/* Cleans up and frees Count modules and the array. */
static VOID SampleModules_Free(SAMPLE_MODULE *Modules, ULONG Count)
{
	for (ULONG i = 0; i < Count; i++) {
		const SAMPLE_MODULE_CLASS *cls = Modules[i].Template->Class;

		if (!Modules[i].Context)
			continue;
		if (cls->Cleanup)
			cls->Cleanup(cls, Modules[i].Context);
		ExFreePoolWithTag(Modules[i].Context, SAMPLE_POOL_TAG);
	}
	if (Modules)
		ExFreePoolWithTag(Modules, SAMPLE_POOL_TAG);
}

static SAMPLE_MODULE *SampleModules_Find(SAMPLE_MODULE *Modules, ULONG Count, const GUID *ClassId,
					 ULONG InstanceId)
{
	for (ULONG i = 0; i < Count; i++)
		if (Modules[i].InstanceId == InstanceId &&
		    IsEqualGUIDAligned(Modules[i].Template->Class->ClassId, ClassId))
			return &Modules[i];
	return NULL;
}

static BOOLEAN SampleModule_MatchesMode(const SAMPLE_MODULE_TEMPLATE *Template, const GUID *Mode)
{
	return !Template->ProcessingMode || IsEqualGUIDAligned(Template->ProcessingMode, Mode);
}

/* The COM boilerplate both objects share: IUnknown only. */
static NTSTATUS Sample_QueryInterface(IUnknown *iface, REFIID riid, PVOID *ppv)
{
	if (!ppv)
		return STATUS_INVALID_PARAMETER;
	*ppv = NULL;
	if (!riid)
		return STATUS_INVALID_PARAMETER;
	if (!IsEqualGUID(riid, &IID_IUnknown))
		return STATUS_NOINTERFACE;
	IUnknown_AddRef(iface);
	*ppv = iface;
	return STATUS_SUCCESS;
}

static ULONG SampleMiniport_AddRef(IUnknown *iface)
{
	return (ULONG)InterlockedIncrement(&impl_from_miniport_IUnknown(iface)->Ref);
}

static ULONG SampleMiniport_Release(IUnknown *iface)
{
	SAMPLE_MINIPORT *This = impl_from_miniport_IUnknown(iface);
	LONG ref = InterlockedDecrement(&This->Ref);

	if (ref)
		return (ULONG)ref;
	SampleModules_Free(This->Modules, This->ModuleCount);
	if (This->PortNotifications)
		IPortClsNotifications_Release(This->PortNotifications);
	ExFreePoolWithTag(This, SAMPLE_POOL_TAG);
	return 0;
}

static const IUnknownVtbl SampleMiniport_Vtbl = {
	.QueryInterface = Sample_QueryInterface,
	.AddRef = SampleMiniport_AddRef,
	.Release = SampleMiniport_Release,
};

static ULONG SampleStream_AddRef(IUnknown *iface)
{
	return (ULONG)InterlockedIncrement(&impl_from_stream_IUnknown(iface)->Ref);
}

static ULONG SampleStream_Release(IUnknown *iface)
{
	SAMPLE_STREAM *This = impl_from_stream_IUnknown(iface);
	LONG ref = InterlockedDecrement(&This->Ref);

	if (ref)
		return (ULONG)ref;
	SampleModules_Free(This->Modules, This->ModuleCount);
	IUnknown_Release(&This->Miniport->IUnknown_iface);
	ExFreePoolWithTag(This, SAMPLE_POOL_TAG);
	return 0;
}

static const IUnknownVtbl SampleStream_Vtbl = {
	.QueryInterface = Sample_QueryInterface,
	.AddRef = SampleStream_AddRef,
	.Release = SampleStream_Release,
};

/* The filter's templates: one context each, set up by the class with the module's header. */
static NTSTATUS SampleMiniport_InitModules(SAMPLE_MINIPORT *This)
{
	const SAMPLE_ENDPOINT *endpoint = This->Endpoint;
	ULONG bytes;

	if (!endpoint->ModuleCount)
		return STATUS_SUCCESS;
	if (!NT_SUCCESS(RtlULongMult(endpoint->ModuleCount, sizeof(SAMPLE_MODULE), &bytes)))
		return STATUS_INTEGER_OVERFLOW;
	This->Modules =
		(SAMPLE_MODULE *)ExAllocatePool2(POOL_FLAG_NON_PAGED, bytes, SAMPLE_POOL_TAG);
	if (!This->Modules)
		return STATUS_INSUFFICIENT_RESOURCES;

	for (ULONG i = 0; i < endpoint->ModuleCount; i++) {
		const SAMPLE_MODULE_TEMPLATE *tmpl = &endpoint->Modules[i];
		const SAMPLE_MODULE_CLASS *cls = tmpl->Class;
		SAMPLE_MODULE *module = &This->Modules[i];
		KSAUDIOMODULE_NOTIFICATION header;
		PVOID context;
		NTSTATUS status;

		context = ExAllocatePool2(POOL_FLAG_NON_PAGED, cls->ContextSize, SAMPLE_POOL_TAG);
		if (!context)
			return STATUS_INSUFFICIENT_RESOURCES;
		RtlZeroMemory(&header, sizeof(header));
		if (endpoint->NotificationDeviceId)
			header.ProviderId.DeviceId = *endpoint->NotificationDeviceId;
		header.ProviderId.ClassId = *cls->ClassId;
		header.ProviderId.InstanceId = tmpl->InstanceId;
		status =
			cls->InitClass(cls, context, &header, This->PortNotifications, This->Timer);
		if (!NT_SUCCESS(status)) {
			ExFreePoolWithTag(context, SAMPLE_POOL_TAG);
			return status;
		}
		module->Template = tmpl;
		module->Context = context;
		module->InstanceId = tmpl->InstanceId;
		module->NextCfgInstanceId = 0;
		This->ModuleCount++;
	}
	return STATUS_SUCCESS;
}

/* What a miniport's Init does with the port it is given. */
static NTSTATUS SampleMiniport_Create(PUNKNOWN Port, const SAMPLE_ENDPOINT *Endpoint,
				      SAMPLE_TIMER *Timer, SAMPLE_MINIPORT **Miniport)
{
	SAMPLE_MINIPORT *This;
	NTSTATUS status;

	*Miniport = NULL;
	This = (SAMPLE_MINIPORT *)ExAllocatePool2(POOL_FLAG_NON_PAGED, sizeof(*This),
						  SAMPLE_POOL_TAG);
	if (!This)
		return STATUS_INSUFFICIENT_RESOURCES;
	This->IUnknown_iface.lpVtbl = &SampleMiniport_Vtbl;
	This->Ref = 1;
	This->Endpoint = Endpoint;
	This->Timer = Timer;

	/* A port without the interface (pre-1703 on Windows): run without notifications. */
	if (!NT_SUCCESS(IUnknown_QueryInterface(Port, &IID_IPortClsNotifications,
						(PVOID *)&This->PortNotifications)))
		This->PortNotifications = NULL;

	status = SampleMiniport_InitModules(This);
	if (!NT_SUCCESS(status)) {
		IUnknown_Release(&This->IUnknown_iface);
		return status;
	}
	*Miniport = This;
	return STATUS_SUCCESS;
}

/*
 * A fresh stream instance id for a template: its configuration byte, then the next value of
 * its 24-bit counter (the first stream gets 1). Counter values whose low 24 bits are 0 are
 * skipped after a wrap: 0 is the template's own id.
 */
static ULONG SampleModule_NextInstanceId(SAMPLE_MODULE *Template)
{
	LONG counter;

	do
		counter = InterlockedIncrement(&Template->NextCfgInstanceId);
	while (((ULONG)counter & 0xFFFFFF) == 0);
	return AUDIOMODULE_INSTANCE_ID(AUDIOMODULE_GET_CLASSCFGID(Template->InstanceId),
				       (ULONG)counter);
}

static NTSTATUS SampleStream_InitModules(SAMPLE_STREAM *This)
{
	SAMPLE_MINIPORT *miniport = This->Miniport;
	ULONG count = 0, bytes;

	for (ULONG i = 0; i < miniport->ModuleCount; i++)
		if (SampleModule_MatchesMode(miniport->Modules[i].Template,
					     &This->SignalProcessingMode))
			count++;
	if (!count)
		return STATUS_SUCCESS;
	if (!NT_SUCCESS(RtlULongMult(count, sizeof(SAMPLE_MODULE), &bytes)))
		return STATUS_INTEGER_OVERFLOW;
	This->Modules =
		(SAMPLE_MODULE *)ExAllocatePool2(POOL_FLAG_NON_PAGED, bytes, SAMPLE_POOL_TAG);
	if (!This->Modules)
		return STATUS_INSUFFICIENT_RESOURCES;

	for (ULONG i = 0; i < miniport->ModuleCount; i++) {
		SAMPLE_MODULE *tmpl = &miniport->Modules[i];
		const SAMPLE_MODULE_CLASS *cls = tmpl->Template->Class;
		SAMPLE_MODULE *module = &This->Modules[This->ModuleCount];
		ULONG instanceId;
		PVOID context;
		NTSTATUS status;

		if (!SampleModule_MatchesMode(tmpl->Template, &This->SignalProcessingMode))
			continue;
		context = ExAllocatePool2(POOL_FLAG_NON_PAGED, cls->ContextSize, SAMPLE_POOL_TAG);
		if (!context)
			return STATUS_INSUFFICIENT_RESOURCES;
		instanceId = SampleModule_NextInstanceId(tmpl);
		status = cls->InitInstance(cls, tmpl->Context, context, instanceId);
		if (!NT_SUCCESS(status)) {
			ExFreePoolWithTag(context, SAMPLE_POOL_TAG);
			return status;
		}
		module->Template = tmpl->Template;
		module->Context = context;
		module->InstanceId = instanceId;
		module->NextCfgInstanceId = 0;
		This->ModuleCount++;
	}
	return STATUS_SUCCESS;
}

/* PFNAMOD_NEWSTREAM: what the miniport's NewStream does for a pin opened in a mode. */
static NTSTATUS SampleMiniport_NewStream(PVOID Context, const GUID *SignalProcessingMode,
					 PUNKNOWN *MinorTarget)
{
	SAMPLE_MINIPORT *miniport = (SAMPLE_MINIPORT *)Context;
	SAMPLE_STREAM *This;
	NTSTATUS status;

	if (!MinorTarget)
		return STATUS_INVALID_PARAMETER;
	*MinorTarget = NULL;
	if (!miniport || !SignalProcessingMode)
		return STATUS_INVALID_PARAMETER;
	This = (SAMPLE_STREAM *)ExAllocatePool2(POOL_FLAG_NON_PAGED, sizeof(*This),
						SAMPLE_POOL_TAG);
	if (!This)
		return STATUS_INSUFFICIENT_RESOURCES;
	This->IUnknown_iface.lpVtbl = &SampleStream_Vtbl;
	This->Ref = 1;
	This->Miniport = miniport;
	IUnknown_AddRef(&miniport->IUnknown_iface);
	This->SignalProcessingMode = *SignalProcessingMode;

	status = SampleStream_InitModules(This);
	if (!NT_SUCCESS(status)) {
		IUnknown_Release(&This->IUnknown_iface);
		return status;
	}
	/* The port owns this reference and Releases it when the pin closes. */
	*MinorTarget = &This->IUnknown_iface;
	return STATUS_SUCCESS;
}

/*
 * BASICSUPPORT of the three properties: GET|BASICSUPPORT, as a full KSPROPERTY_DESCRIPTION
 * (no type, no member lists) if there is room, else as the bare access flags.
 */
static NTSTATUS Sample_PropertyBasicSupport(PPCPROPERTY_REQUEST PropertyRequest)
{
	if (PropertyRequest->ValueSize >= sizeof(KSPROPERTY_DESCRIPTION)) {
		KSPROPERTY_DESCRIPTION description;

		RtlZeroMemory(&description, sizeof(description));
		description.AccessFlags = SAMPLE_PROPERTY_ACCESS;
		description.DescriptionSize = sizeof(description);
		description.PropTypeSet.Set = GUID_NULL;
		description.PropTypeSet.Id = 0;
		description.PropTypeSet.Flags = 0;
		description.MembersListCount = 0;
		description.Reserved = 0;
		RtlCopyMemory(PropertyRequest->Value, &description, sizeof(description));
		PropertyRequest->ValueSize = sizeof(description);
		return STATUS_SUCCESS;
	}
	if (PropertyRequest->ValueSize >= sizeof(ULONG)) {
		ULONG access = SAMPLE_PROPERTY_ACCESS;

		RtlCopyMemory(PropertyRequest->Value, &access, sizeof(access));
		PropertyRequest->ValueSize = sizeof(access);
		return STATUS_SUCCESS;
	}
	PropertyRequest->ValueSize = 0;
	return STATUS_BUFFER_TOO_SMALL;
}

/* KSPROPERTY_AUDIOMODULE_DESCRIPTORS: a KSMULTIPLE_ITEM and one descriptor per module. */
static NTSTATUS Sample_ModulesListRequest(PPCPROPERTY_REQUEST PropertyRequest,
					  const SAMPLE_MODULE *Modules, ULONG Count)
{
	PUCHAR out = (PUCHAR)PropertyRequest->Value;
	KSMULTIPLE_ITEM header;
	ULONG required;
	NTSTATUS status;

	if (PropertyRequest->Verb & KSPROPERTY_TYPE_BASICSUPPORT)
		return Sample_PropertyBasicSupport(PropertyRequest);
	if (!(PropertyRequest->Verb & KSPROPERTY_TYPE_GET)) {
		PropertyRequest->ValueSize = 0;
		return STATUS_INVALID_DEVICE_REQUEST;
	}

	status = RtlULongMult(Count, sizeof(KSAUDIOMODULE_DESCRIPTOR), &required);
	if (NT_SUCCESS(status))
		status = RtlULongAdd(required, sizeof(KSMULTIPLE_ITEM), &required);
	if (!NT_SUCCESS(status)) {
		PropertyRequest->ValueSize = 0;
		return status;
	}
	if (PropertyRequest->ValueSize == 0) {
		PropertyRequest->ValueSize = required;
		return STATUS_BUFFER_OVERFLOW;
	}
	if (PropertyRequest->ValueSize < required)
		return STATUS_BUFFER_TOO_SMALL;

	header.Size = required;
	header.Count = Count;
	RtlCopyMemory(out, &header, sizeof(header));
	for (ULONG i = 0; i < Count; i++) {
		const SAMPLE_MODULE_TEMPLATE *tmpl = Modules[i].Template;
		KSAUDIOMODULE_DESCRIPTOR descriptor;

		/* Zeroed first, so the name is padded with zeros after its NUL. */
		RtlZeroMemory(&descriptor, sizeof(descriptor));
		descriptor.ClassId = *tmpl->Class->ClassId;
		descriptor.InstanceId = Modules[i].InstanceId;
		descriptor.VersionMajor = tmpl->Class->VersionMajor;
		descriptor.VersionMinor = tmpl->Class->VersionMinor;
		/* Names are our constants and fit; a longer one would be cut, still terminated. */
		(void)RtlStringCchCopyW(descriptor.Name, AUDIOMODULE_MAX_NAME_CCH_SIZE, tmpl->Name);
		RtlCopyMemory(out + sizeof(header) + (SIZE_T)i * sizeof(descriptor), &descriptor,
			      sizeof(descriptor));
	}
	PropertyRequest->ValueSize = required;
	return STATUS_SUCCESS;
}

/*
 * KSPROPERTY_AUDIOMODULE_COMMAND: the input is a KSAUDIOMODULE_PROPERTY (the module's
 * address) and the vendor bytes; the module's handler answers a GET.
 */
static NTSTATUS Sample_ModuleCommand(PPCPROPERTY_REQUEST PropertyRequest, SAMPLE_MODULE *Modules,
				     ULONG Count)
{
	PKSAUDIOMODULE_PROPERTY moduleProperty;
	const SAMPLE_MODULE_CLASS *cls;
	SAMPLE_MODULE *module;
	PVOID in = NULL;
	ULONG inCb, outCb;
	NTSTATUS status;

	if (!Count) {
		PropertyRequest->ValueSize = 0;
		return STATUS_INVALID_DEVICE_REQUEST;
	}
	if (!PropertyRequest->Instance ||
	    PropertyRequest->InstanceSize < sizeof(KSAUDIOMODULE_PROPERTY) - sizeof(KSPROPERTY))
		return STATUS_INVALID_PARAMETER;
	/* Instance is the input after the KSPROPERTY, so it starts at the ClassId field. */
	moduleProperty =
		CONTAINING_RECORD(PropertyRequest->Instance, KSAUDIOMODULE_PROPERTY, ClassId);
	module = SampleModules_Find(Modules, Count, &moduleProperty->ClassId,
				    moduleProperty->InstanceId);
	if (!module || !module->Template->Class->Handler)
		return STATUS_INVALID_PARAMETER;

	if (PropertyRequest->Verb & KSPROPERTY_TYPE_BASICSUPPORT)
		return Sample_PropertyBasicSupport(PropertyRequest);
	/* COMMAND is GET-only: a "set" travels inside the vendor bytes. */
	if (!(PropertyRequest->Verb & KSPROPERTY_TYPE_GET)) {
		PropertyRequest->ValueSize = 0;
		return STATUS_INVALID_DEVICE_REQUEST;
	}

	inCb = PropertyRequest->InstanceSize -
	       (ULONG)(sizeof(KSAUDIOMODULE_PROPERTY) - sizeof(KSPROPERTY));
	if (inCb)
		in = (PUCHAR)moduleProperty + sizeof(KSAUDIOMODULE_PROPERTY);
	outCb = PropertyRequest->ValueSize;
	cls = module->Template->Class;
	status = cls->Handler(cls, module->Context, in, inCb, outCb ? PropertyRequest->Value : NULL,
			      &outCb);
	PropertyRequest->ValueSize = outCb;
	return status;
}

/* KSPROPERTY_AUDIOMODULE_NOTIFICATION_DEVICE_ID: the filter's id, also asked on a pin. */
static NTSTATUS Sample_ModuleNotificationDeviceId(PPCPROPERTY_REQUEST PropertyRequest,
						  const GUID *NotificationDeviceId)
{
	if (!NotificationDeviceId) {
		PropertyRequest->ValueSize = 0;
		return STATUS_INVALID_DEVICE_REQUEST;
	}
	if (PropertyRequest->Verb & KSPROPERTY_TYPE_BASICSUPPORT)
		return Sample_PropertyBasicSupport(PropertyRequest);
	if (!(PropertyRequest->Verb & KSPROPERTY_TYPE_GET)) {
		PropertyRequest->ValueSize = 0;
		return STATUS_INVALID_DEVICE_REQUEST;
	}
	if (PropertyRequest->ValueSize == 0) {
		PropertyRequest->ValueSize = sizeof(GUID);
		return STATUS_BUFFER_OVERFLOW;
	}
	if (PropertyRequest->ValueSize < sizeof(GUID))
		return STATUS_BUFFER_TOO_SMALL;
	RtlCopyMemory(PropertyRequest->Value, NotificationDeviceId, sizeof(GUID));
	PropertyRequest->ValueSize = sizeof(GUID);
	return STATUS_SUCCESS;
}

static NTSTATUS SampleMiniport_FilterPropertyHandler(PPCPROPERTY_REQUEST PropertyRequest)
{
	SAMPLE_MINIPORT *This = SampleMiniport_FromTarget(PropertyRequest->MajorTarget);

	if (!This)
		return STATUS_INVALID_PARAMETER;
	if (!IsEqualGUIDAligned(PropertyRequest->PropertyItem->Set, &KSPROPSETID_AudioModule))
		return STATUS_INVALID_DEVICE_REQUEST;
	switch (PropertyRequest->PropertyItem->Id) {
	case KSPROPERTY_AUDIOMODULE_DESCRIPTORS:
		return Sample_ModulesListRequest(PropertyRequest, This->Modules, This->ModuleCount);
	case KSPROPERTY_AUDIOMODULE_COMMAND:
		return Sample_ModuleCommand(PropertyRequest, This->Modules, This->ModuleCount);
	case KSPROPERTY_AUDIOMODULE_NOTIFICATION_DEVICE_ID:
		return Sample_ModuleNotificationDeviceId(PropertyRequest,
							 This->Endpoint->NotificationDeviceId);
	default:
		return STATUS_INVALID_DEVICE_REQUEST;
	}
}

static NTSTATUS SampleMiniport_PinPropertyHandler(PPCPROPERTY_REQUEST PropertyRequest)
{
	SAMPLE_MINIPORT *miniport = SampleMiniport_FromTarget(PropertyRequest->MajorTarget);
	SAMPLE_STREAM *stream = SampleStream_FromTarget(PropertyRequest->MinorTarget);

	/* A pin request needs both the filter and the stream. */
	if (!miniport || !stream)
		return STATUS_INVALID_PARAMETER;
	if (!IsEqualGUIDAligned(PropertyRequest->PropertyItem->Set, &KSPROPSETID_AudioModule))
		return STATUS_INVALID_DEVICE_REQUEST;
	switch (PropertyRequest->PropertyItem->Id) {
	case KSPROPERTY_AUDIOMODULE_DESCRIPTORS:
		return Sample_ModulesListRequest(PropertyRequest, stream->Modules,
						 stream->ModuleCount);
	case KSPROPERTY_AUDIOMODULE_COMMAND:
		return Sample_ModuleCommand(PropertyRequest, stream->Modules, stream->ModuleCount);
	case KSPROPERTY_AUDIOMODULE_NOTIFICATION_DEVICE_ID:
		return Sample_ModuleNotificationDeviceId(PropertyRequest,
							 miniport->Endpoint->NotificationDeviceId);
	default:
		return STATUS_INVALID_DEVICE_REQUEST;
	}
}

/* SYSVAD's item flags: COMMAND advertises SET although its handler refuses it. */
static const PCPROPERTY_ITEM SampleFilterProperties[] = {
	{&KSPROPSETID_AudioModule, KSPROPERTY_AUDIOMODULE_DESCRIPTORS,
	 KSPROPERTY_TYPE_GET | KSPROPERTY_TYPE_BASICSUPPORT, SampleMiniport_FilterPropertyHandler},
	{&KSPROPSETID_AudioModule, KSPROPERTY_AUDIOMODULE_COMMAND,
	 KSPROPERTY_TYPE_GET | KSPROPERTY_TYPE_SET | KSPROPERTY_TYPE_BASICSUPPORT,
	 SampleMiniport_FilterPropertyHandler},
	{&KSPROPSETID_AudioModule, KSPROPERTY_AUDIOMODULE_NOTIFICATION_DEVICE_ID,
	 KSPROPERTY_TYPE_GET | KSPROPERTY_TYPE_BASICSUPPORT, SampleMiniport_FilterPropertyHandler},
};

static const PCPROPERTY_ITEM SamplePinProperties[] = {
	{&KSPROPSETID_AudioModule, KSPROPERTY_AUDIOMODULE_DESCRIPTORS,
	 KSPROPERTY_TYPE_GET | KSPROPERTY_TYPE_BASICSUPPORT, SampleMiniport_PinPropertyHandler},
	{&KSPROPSETID_AudioModule, KSPROPERTY_AUDIOMODULE_COMMAND,
	 KSPROPERTY_TYPE_GET | KSPROPERTY_TYPE_SET | KSPROPERTY_TYPE_BASICSUPPORT,
	 SampleMiniport_PinPropertyHandler},
	{&KSPROPSETID_AudioModule, KSPROPERTY_AUDIOMODULE_NOTIFICATION_DEVICE_ID,
	 KSPROPERTY_TYPE_GET | KSPROPERTY_TYPE_BASICSUPPORT, SampleMiniport_PinPropertyHandler},
};

static DEFINE_PCAUTOMATION_TABLE_PROP(SampleFilterAutomation, SampleFilterProperties);
static DEFINE_PCAUTOMATION_TABLE_PROP(SamplePinAutomation, SamplePinProperties);

/* Native side: the options, the devices and their miniports, the timer thread. */

struct sample_options {
	SAMPLE_TIMER_DEFAULTS defaults;
	const GUID *stream_mode; /* NULL: open no stream */
};

struct sample_endpoint {
	const SAMPLE_ENDPOINT *desc;
	struct amod_device *device;
	SAMPLE_MINIPORT *miniport;  /* our reference; the port holds another */
	struct amod_stream *stream; /* the "stream=" option's, or NULL */
};

struct sample_driver {
	struct amod_adapter *adapter;
	SAMPLE_TIMER *timer;
	struct sample_endpoint endpoints[SIZEOF_ARRAY(SampleEndpoints)];
	uint32_t n_endpoints;
};

static int status_to_errno(NTSTATUS status)
{
	int r = amod_status_to_errno(status);

	return r < 0 ? r : -EIO;
}

/* A decimal ULONG: digits only, no sign, no spaces, no overflow. */
static int parse_ulong(const char *text, ULONG *ret)
{
	unsigned long long v = 0;

	if (!*text)
		return -EINVAL;
	for (const char *p = text; *p; p++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		v = v * 10 + (unsigned)(*p - '0');
		if (v > MAXULONG)
			return -EINVAL;
	}
	*ret = (ULONG)v;
	return 0;
}

static bool meter_rate_valid(ULONG rate)
{
	static const ULONG rates[] = {0, 1, 2, 5, 10, 20, 50, 100};

	for (size_t i = 0; i < SIZEOF_ARRAY(rates); i++)
		if (rates[i] == rate)
			return true;
	return false;
}

static int parse_option(struct sample_options *options, const char *key, const char *value)
{
	ULONG v;

	if (strcmp(key, "meter-rate") == 0) {
		if (parse_ulong(value, &v) < 0 || !meter_rate_valid(v))
			return -EINVAL;
		options->defaults.MeterRate = v;
	} else if (strcmp(key, "detect-interval") == 0) {
		if (parse_ulong(value, &v) < 0 || (v != 0 && (v < SAMPLE_DETECTOR_INTERVAL_MIN ||
							      v > SAMPLE_DETECTOR_INTERVAL_MAX)))
			return -EINVAL;
		options->defaults.DetectorInterval = v;
	} else if (strcmp(key, "stream") == 0) {
		if (strcmp(value, "default") == 0)
			options->stream_mode = &AUDIO_SIGNALPROCESSINGMODE_DEFAULT;
		else if (strcmp(value, "movie") == 0)
			options->stream_mode = &AUDIO_SIGNALPROCESSINGMODE_MOVIE;
		else
			return -EINVAL;
	} else {
		return -EINVAL;
	}
	return 0;
}

/* "key=value,key=value"; NULL or "" is all defaults. Empty items and missing '=' are errors. */
static int parse_options(const char *text, struct sample_options *ret_options)
{
	struct sample_options options = {{0}};
	char *copy, *item, *next;
	int r = 0;

	if (text && *text) {
		copy = strdup(text);
		if (!copy)
			return -ENOMEM;
		for (item = copy; item && r == 0; item = next) {
			char *eq;

			next = strchr(item, ',');
			if (next)
				*next++ = '\0';
			eq = strchr(item, '=');
			if (!eq || eq == item) {
				r = -EINVAL;
				break;
			}
			*eq = '\0';
			r = parse_option(&options, item, eq + 1);
		}
		free(copy);
		if (r < 0)
			return r;
	}
	*ret_options = options;
	return 0;
}

static int sample_endpoint_add(struct amod_adapter *adapter, const SAMPLE_ENDPOINT *desc,
			       SAMPLE_TIMER *timer, struct sample_endpoint *ret_endpoint)
{
	struct amod_device_info info = {
		.endpoint_id = desc->EndpointId,
		.name = desc->FriendlyName,
	};
	AMOD_MINIPORT_REGISTRATION registration;
	SAMPLE_MINIPORT *miniport = NULL;
	struct amod_device *device;
	PUNKNOWN port;
	NTSTATUS status;
	int r;

	if (desc->NotificationDeviceId)
		memcpy(&info.notification_id, desc->NotificationDeviceId, sizeof(GUID));
	r = amod_adapter_add_device(adapter, &info, &device);
	if (r < 0)
		return r;
	port = (PUNKNOWN)amod_device_get_port(device);

	status = SampleMiniport_Create(port, desc, timer, &miniport);
	if (!NT_SUCCESS(status)) {
		r = status_to_errno(status);
		goto fail;
	}

	RtlZeroMemory(&registration, sizeof(registration));
	registration.Size = sizeof(registration);
	registration.MajorTarget = &miniport->IUnknown_iface;
	registration.FilterAutomationTable = &SampleFilterAutomation;
	registration.PinAutomationTable = &SamplePinAutomation;
	registration.NewStream = SampleMiniport_NewStream;
	registration.Context = miniport;
	status = AmodPortRegisterMiniport(port, &registration);
	if (!NT_SUCCESS(status)) {
		r = status_to_errno(status);
		goto fail;
	}

	ret_endpoint->desc = desc;
	ret_endpoint->device = device;
	ret_endpoint->miniport = miniport;
	ret_endpoint->stream = NULL;
	return 0;

fail:
	amod_device_remove(device);
	if (miniport)
		IUnknown_Release(&miniport->IUnknown_iface);
	return r;
}

int sample_driver_create(struct amod_adapter *adapter, const char *options,
			 struct sample_driver **ret_driver)
{
	struct sample_options opts;
	struct sample_driver *driver;
	NTSTATUS status;
	int r;

	if (!adapter || !ret_driver)
		return -EINVAL;
	/* Options first: a bad one must leave nothing behind, not even for a moment. */
	r = parse_options(options, &opts);
	if (r < 0)
		return r;
	driver = calloc(1, sizeof(*driver));
	if (!driver)
		return -ENOMEM;
	driver->adapter = amod_adapter_ref(adapter);

	/* The timer exists before the modules, which register with it, but runs only after. */
	status = SampleTimer_Create(&opts.defaults, &driver->timer);
	if (!NT_SUCCESS(status)) {
		r = status_to_errno(status);
		goto fail;
	}
	for (ULONG i = 0; i < SIZEOF_ARRAY(SampleEndpoints); i++) {
		r = sample_endpoint_add(adapter, &SampleEndpoints[i], driver->timer,
					&driver->endpoints[driver->n_endpoints]);
		if (r < 0)
			goto fail;
		driver->n_endpoints++;
	}
	if (opts.stream_mode) {
		struct amod_guid mode;

		memcpy(&mode, opts.stream_mode, sizeof(mode));
		for (uint32_t i = 0; i < driver->n_endpoints; i++) {
			/* Streams are the port's to open: it calls our NewStream. */
			r = amod_device_open_stream(driver->endpoints[i].device, &mode,
						    &driver->endpoints[i].stream);
			if (r < 0)
				goto fail;
		}
	}
	status = SampleTimer_Start(driver->timer);
	if (!NT_SUCCESS(status)) {
		r = status_to_errno(status);
		goto fail;
	}
	*ret_driver = driver;
	return 0;

fail:
	sample_driver_free(driver);
	return r;
}

void sample_driver_free(struct sample_driver *driver)
{
	if (!driver)
		return;
	/* First nothing sends any more; then the modules the timer thread sent for can go. */
	SampleTimer_Stop(driver->timer);
	while (driver->n_endpoints) {
		struct sample_endpoint *e = &driver->endpoints[--driver->n_endpoints];

		amod_stream_close(e->stream);
		/* Closes other streams (Releasing their objects) and drops the port's reference. */
		amod_device_remove(e->device);
		/* The last reference: the templates' Cleanup removes their timer sources. */
		IUnknown_Release(&e->miniport->IUnknown_iface);
	}
	SampleTimer_Free(driver->timer);
	amod_adapter_unref(driver->adapter);
	free(driver);
}

struct amod_device *sample_driver_get_device(const struct sample_driver *driver,
					     const char *endpoint_id)
{
	if (!driver || !endpoint_id)
		return NULL;
	for (uint32_t i = 0; i < driver->n_endpoints; i++)
		if (strcmp(driver->endpoints[i].desc->EndpointId, endpoint_id) == 0)
			return driver->endpoints[i].device;
	return NULL;
}
