// SPDX-License-Identifier: MIT
/*
 * Compile-only: module-helper code in the shape of a SYSVAD-era WaveRT miniport (our own code,
 * not the sample's), using the WDK identifiers the sample's audio-module files use (spec
 * §3.13): function-style casts, struct and enum tags used as type names, SAL annotations,
 * PAGE code sections, KS BASICSUPPORT replies, ntintsafe/ntstrsafe, pool allocation and the
 * PortCls notification calls. If this file builds with g++ -std=c++17 -I include/wdk, code of
 * this shape compiles unchanged. It is linked into the C++ miniport test so that every GUID it
 * references must also resolve against libamod.
 */
#include <portcls.h>
#include <ntintsafe.h>
#include <ntstrsafe.h>

#pragma warning(push)
#pragma warning(disable : 4201)

#define SHAPE_POOLTAG 0x70616853 // 'Shap'; multi-character constants draw -Wmultichar in GCC

// Instance ids: configuration set in the top 8 bits, instance in the low 24.
#define SHAPEMODULE_INSTANCE_ID(ClassCfgId, InstanceId)                                            \
	((ULONG(ClassCfgId & 0xFF) << 24) | (ULONG(InstanceId & 0xFFFFFF)))
#define SHAPEMODULE_GET_CLASSCFGID(InstanceId) (ULONG(InstanceId & 0xFF000000) >> 24)

#define SHAPEMODULE_PARAMETER_FLAG_CHANGE_NOTIFICATION 0x00000001

// {3C6A9E21-7B4D-4F8A-B2C5-9D0E1F2A3B4C}
static const GUID ShapeModuleLevelId = { 0x3C6A9E21, 0x7B4D, 0x4F8A,
					 { 0xB2, 0xC5, 0x9D, 0x0E, 0x1F, 0x2A, 0x3B, 0x4C } };
// {A1B2C3D4-E5F6-4718-9A0B-1C2D3E4F5A6B}
static const GUID ShapeNotificationDeviceId = {
	0xA1B2C3D4, 0xE5F6, 0x4718, { 0x9A, 0x0B, 0x1C, 0x2D, 0x3E, 0x4F, 0x5A, 0x6B }
};

typedef struct _SHAPEMODULE_PARAMETER_INFO {
	USHORT AccessFlags;
	USHORT Flags;
	ULONG Size;
	DWORD VtType;
	PVOID ValidSet;
	ULONG ValidSetCount;
} SHAPEMODULE_PARAMETER_INFO, *PSHAPEMODULE_PARAMETER_INFO;

enum ShapeModule_Parameter {
	ShapeModuleParameterLevel = 0,
	ShapeModuleParameterMode,
	ShapeModuleParameterCount
};

typedef struct _SHAPEMODULE_CUSTOM_COMMAND {
	ULONG Verb;
	ShapeModule_Parameter ParameterId; // enum tag used as a type
} SHAPEMODULE_CUSTOM_COMMAND, *PSHAPEMODULE_CUSTOM_COMMAND;

enum ShapeModule_NotificationType { ShapeModuleParameterChanged = 0 };

typedef struct _SHAPEMODULE_NOTIFICATION {
	union {
		struct {
			KSAUDIOMODULE_NOTIFICATION Header;
			ULONG Type;
			union {
				struct {
					ULONG ParameterId;
				} ParameterChanged;
			};
		} ProviderNotification;
		ULONGLONG Alignment;
	};
} SHAPEMODULE_NOTIFICATION, *PSHAPEMODULE_NOTIFICATION;

typedef struct _SHAPEMODULE_CONTEXT {
	ULONG Level;
	BYTE Mode;
	ULONG InstanceId;
	SHAPEMODULE_NOTIFICATION Notification;
	PPORTCLSNOTIFICATIONS PortNotifications;
} SHAPEMODULE_CONTEXT, *PSHAPEMODULE_CONTEXT;

struct SHAPEMODULE_DESCRIPTOR;

typedef NTSTATUS (*FN_SHAPEMODULE_INIT_CLASS)(_In_ const SHAPEMODULE_DESCRIPTOR *Module,
					      _Inout_updates_bytes_(Size) PVOID Context,
					      _In_ size_t Size,
					      _In_ KSAUDIOMODULE_NOTIFICATION *NotificationHeader,
					      _In_opt_ PPORTCLSNOTIFICATIONS PortNotifications);
typedef VOID (*FN_SHAPEMODULE_CLEANUP)(_In_ PVOID Context);
typedef NTSTATUS (*FN_SHAPEMODULE_HANDLER)(_Inout_opt_ PVOID Context,
					   _In_reads_bytes_(InBufferCb) PVOID InBuffer,
					   _In_ ULONG InBufferCb,
					   _Out_writes_bytes_opt_(*OutBufferCb) PVOID OutBuffer,
					   _Inout_ ULONG *OutBufferCb);

struct SHAPEMODULE_DESCRIPTOR {
	const GUID *ClassId;
	const GUID *ProcessingMode;
	WCHAR Name[AUDIOMODULE_MAX_NAME_CCH_SIZE];
	ULONG InstanceId;
	ULONG VersionMajor;
	ULONG VersionMinor;
	ULONG Flags;
	size_t ContextSize;
	FN_SHAPEMODULE_INIT_CLASS InitClass;
	FN_SHAPEMODULE_CLEANUP Cleanup;
	FN_SHAPEMODULE_HANDLER Handler;
};

struct SHAPEMODULE {
	const SHAPEMODULE_DESCRIPTOR *Descriptor;
	PVOID Context;
	ULONG InstanceId;
	ULONG NextCfgInstanceId;
	BOOL Enabled;
};

static ULONG ShapeModuleLevelValidSet[] = { 1, 2, 5 };

static SHAPEMODULE_PARAMETER_INFO ShapeModuleParameterInfo[] = {
	{ KSPROPERTY_TYPE_GET | KSPROPERTY_TYPE_SET | KSPROPERTY_TYPE_BASICSUPPORT,
	  SHAPEMODULE_PARAMETER_FLAG_CHANGE_NOTIFICATION,
	  RTL_FIELD_SIZE(SHAPEMODULE_CONTEXT, Level), VT_UI4, ShapeModuleLevelValidSet,
	  SIZEOF_ARRAY(ShapeModuleLevelValidSet) },
	{ KSPROPERTY_TYPE_GET | KSPROPERTY_TYPE_BASICSUPPORT, 0,
	  RTL_FIELD_SIZE(SHAPEMODULE_CONTEXT, Mode), VT_UI1, NULL, 0 },
};
C_ASSERT(SIZEOF_ARRAY(ShapeModuleParameterInfo) == ShapeModuleParameterCount);

#pragma code_seg("PAGE")
NTSTATUS ShapeModule_BasicSupport(_In_ ULONG AccessFlags, _In_ DWORD VtType,
				  _In_opt_ PVOID ValidSet, _In_ ULONG ValidSetCount,
				  _In_ ULONG ValueSize,
				  _Out_writes_bytes_opt_(*BufferCb) PVOID Buffer,
				  _Inout_ ULONG *BufferCb)
{
	PAGED_CODE();

	ULONG cbFullProperty = 0;
	ULONG cbValues = 0;
	NTSTATUS ntStatus = RtlULongMult(ValueSize, ValidSetCount, &cbValues);
	if (!NT_SUCCESS(ntStatus))
		return ntStatus;
	ntStatus = RtlULongAdd(sizeof(KSPROPERTY_DESCRIPTION) + sizeof(KSPROPERTY_MEMBERSHEADER),
			       cbValues, &cbFullProperty);
	if (!NT_SUCCESS(ntStatus))
		return ntStatus;

	if (*BufferCb == 0) {
		*BufferCb = cbFullProperty;
		return STATUS_BUFFER_OVERFLOW;
	}
	if (*BufferCb >= sizeof(KSPROPERTY_DESCRIPTION)) {
		PKSPROPERTY_DESCRIPTION propDesc = PKSPROPERTY_DESCRIPTION(Buffer);

		propDesc->AccessFlags = AccessFlags;
		propDesc->DescriptionSize = cbFullProperty;
		propDesc->PropTypeSet.Set = KSPROPTYPESETID_General;
		propDesc->PropTypeSet.Id = VtType;
		propDesc->PropTypeSet.Flags = 0;
		propDesc->MembersListCount = ValidSetCount ? 1 : 0;
		propDesc->Reserved = 0;

		if (*BufferCb >= cbFullProperty && ValidSetCount != 0 && ValidSet != NULL) {
			PKSPROPERTY_MEMBERSHEADER members = PKSPROPERTY_MEMBERSHEADER(propDesc + 1);

			members->MembersFlags = KSPROPERTY_MEMBER_VALUES;
			members->MembersSize = ValueSize;
			members->MembersCount = ValidSetCount;
			members->Flags = KSPROPERTY_MEMBER_FLAG_DEFAULT;
			RtlCopyMemory(members + 1, ValidSet, cbValues);
			*BufferCb = cbFullProperty;
		} else {
			*BufferCb = sizeof(KSPROPERTY_DESCRIPTION);
		}
		return STATUS_SUCCESS;
	}
	if (*BufferCb >= sizeof(ULONG)) {
		*(PULONG(Buffer)) = AccessFlags;
		*BufferCb = sizeof(ULONG);
		return STATUS_SUCCESS;
	}
	*BufferCb = 0;
	return STATUS_BUFFER_TOO_SMALL;
}

BOOLEAN ShapeModule_IsParameterValid(_In_ const SHAPEMODULE_PARAMETER_INFO *ParameterInfo,
				     _In_reads_bytes_(BufferCb) PVOID Buffer, _In_ ULONG BufferCb)
{
	PAGED_CODE();

	if (BufferCb < ParameterInfo->Size)
		return FALSE;
	if (ParameterInfo->ValidSetCount == 0)
		return TRUE;
	for (ULONG i = 0; i < ParameterInfo->ValidSetCount; i++) {
		PVOID candidate = PVOID(PBYTE(ParameterInfo->ValidSet) + i * ParameterInfo->Size);
		if (RtlCompareMemory(candidate, Buffer, ParameterInfo->Size) == ParameterInfo->Size)
			return TRUE;
	}
	return FALSE;
}

SHAPEMODULE *ShapeModule_FindModuleInList(_In_reads_(ModuleCount) SHAPEMODULE *Modules,
					  _In_ ULONG ModuleCount, _In_ GUID *ClassId,
					  _In_ ULONG InstanceId)
{
	PAGED_CODE();

	for (ULONG i = 0; i < ModuleCount; i++) {
		SHAPEMODULE *module = &Modules[i];
		if (IsEqualGUIDAligned(*(module->Descriptor->ClassId), *ClassId) &&
		    module->InstanceId == InstanceId)
			return module;
	}
	return NULL;
}

NTSTATUS ShapeModule_GenericHandler(_In_ ULONG Verb, _In_ ULONG ParameterId,
				    _In_ PSHAPEMODULE_PARAMETER_INFO ParameterInfo,
				    _Inout_updates_bytes_(ParameterInfo->Size) PVOID CurrentValue,
				    _In_reads_bytes_opt_(InBufferCb) PVOID InBuffer,
				    _In_ ULONG InBufferCb,
				    _Out_writes_bytes_opt_(*OutBufferCb) PVOID OutBuffer,
				    _Inout_ ULONG *OutBufferCb, _Out_ BOOL *ParameterChanged)
{
	PAGED_CODE();
	UNREFERENCED_PARAMETER(ParameterId);

	*ParameterChanged = FALSE;
	if (Verb & KSPROPERTY_TYPE_BASICSUPPORT)
		return ShapeModule_BasicSupport(ParameterInfo->AccessFlags, ParameterInfo->VtType,
						ParameterInfo->ValidSet,
						ParameterInfo->ValidSetCount, ParameterInfo->Size,
						OutBuffer, OutBufferCb);

	if (Verb & KSPROPERTY_TYPE_GET) {
		if (!(ParameterInfo->AccessFlags & KSPROPERTY_TYPE_GET)) {
			*OutBufferCb = 0;
			return STATUS_INVALID_DEVICE_REQUEST;
		}
		if (*OutBufferCb == 0) {
			*OutBufferCb = ParameterInfo->Size;
			return STATUS_BUFFER_OVERFLOW;
		}
		if (*OutBufferCb < ParameterInfo->Size) {
			*OutBufferCb = 0;
			return STATUS_BUFFER_TOO_SMALL;
		}
		RtlCopyMemory(OutBuffer, CurrentValue, ParameterInfo->Size);
		*OutBufferCb = ParameterInfo->Size;
		return STATUS_SUCCESS;
	}

	if (Verb & KSPROPERTY_TYPE_SET) {
		*OutBufferCb = 0;
		if (!(ParameterInfo->AccessFlags & KSPROPERTY_TYPE_SET))
			return STATUS_INVALID_DEVICE_REQUEST;
		if (InBuffer == NULL || !ShapeModule_IsParameterValid(ParameterInfo, InBuffer,
								     InBufferCb))
			return STATUS_INVALID_PARAMETER;
		if (RtlCompareMemory(CurrentValue, InBuffer, ParameterInfo->Size) !=
		    ParameterInfo->Size) {
			RtlCopyMemory(CurrentValue, InBuffer, ParameterInfo->Size);
			*ParameterChanged = TRUE;
		}
		return STATUS_SUCCESS;
	}
	return STATUS_INVALID_DEVICE_REQUEST;
}

NTSTATUS ShapeModule_DescriptorsRequest(_In_ PPCPROPERTY_REQUEST PropertyRequest,
					_In_reads_(ModuleCount) SHAPEMODULE *Modules,
					_In_ ULONG ModuleCount)
{
	PAGED_CODE();
	ASSERT(PropertyRequest);

	if (PropertyRequest->Verb & KSPROPERTY_TYPE_BASICSUPPORT) {
		ULONG cb = PropertyRequest->ValueSize;
		NTSTATUS ntStatus = ShapeModule_BasicSupport(
			KSPROPERTY_TYPE_GET | KSPROPERTY_TYPE_BASICSUPPORT, VT_ILLEGAL, NULL, 0, 0,
			PropertyRequest->Value, &cb);
		PropertyRequest->ValueSize = cb;
		return ntStatus;
	}
	if (!(PropertyRequest->Verb & KSPROPERTY_TYPE_GET))
		return STATUS_INVALID_DEVICE_REQUEST;

	ULONG cbModuleInfo = 0;
	ULONG cbTotal = 0;
	NTSTATUS ntStatus = RtlULongMult(ModuleCount, ULONG(sizeof(KSAUDIOMODULE_DESCRIPTOR)),
					 &cbModuleInfo);
	if (!NT_SUCCESS(ntStatus))
		return ntStatus;
	ntStatus = RtlULongAdd(cbModuleInfo, sizeof(KSMULTIPLE_ITEM), &cbTotal);
	if (!NT_SUCCESS(ntStatus))
		return ntStatus;

	if (PropertyRequest->ValueSize == 0) {
		PropertyRequest->ValueSize = cbTotal;
		return STATUS_BUFFER_OVERFLOW;
	}
	if (PropertyRequest->ValueSize < cbTotal)
		return STATUS_BUFFER_TOO_SMALL;

	PKSMULTIPLE_ITEM ksMultipleItem = static_cast<PKSMULTIPLE_ITEM>(PropertyRequest->Value);
	PKSAUDIOMODULE_DESCRIPTOR moduleDesc = PKSAUDIOMODULE_DESCRIPTOR(ksMultipleItem + 1);

	ksMultipleItem->Size = cbTotal;
	ksMultipleItem->Count = ModuleCount;
	for (ULONG i = 0; i < ModuleCount; i++, moduleDesc++) {
		const SHAPEMODULE_DESCRIPTOR *descriptor = Modules[i].Descriptor;

		moduleDesc->ClassId = *descriptor->ClassId;
		moduleDesc->InstanceId = Modules[i].InstanceId;
		moduleDesc->VersionMajor = descriptor->VersionMajor;
		moduleDesc->VersionMinor = descriptor->VersionMinor;
		RtlStringCchCopyW(moduleDesc->Name, AUDIOMODULE_MAX_NAME_CCH_SIZE,
				  descriptor->Name);
	}
	PropertyRequest->ValueSize = cbTotal;
	return STATUS_SUCCESS;
}

NTSTATUS ShapeModule_CommandRequest(_In_ PPCPROPERTY_REQUEST PropertyRequest,
				    _In_reads_opt_(ModuleCount) SHAPEMODULE *Modules,
				    _In_ ULONG ModuleCount)
{
	PAGED_CODE();

	if (Modules == NULL || ModuleCount == 0)
		return STATUS_INVALID_DEVICE_REQUEST;
	if (PropertyRequest->InstanceSize <
	    (sizeof(KSAUDIOMODULE_PROPERTY) - RTL_FIELD_SIZE(KSAUDIOMODULE_PROPERTY, Property)))
		return STATUS_INVALID_PARAMETER;

	PKSAUDIOMODULE_PROPERTY moduleProperty = CONTAINING_RECORD(
		PropertyRequest->Instance, KSAUDIOMODULE_PROPERTY, ClassId);
	SHAPEMODULE *module = ShapeModule_FindModuleInList(
		Modules, ModuleCount, &moduleProperty->ClassId, moduleProperty->InstanceId);
	if (module == NULL || module->Descriptor->Handler == NULL)
		return STATUS_INVALID_PARAMETER;

	if (PropertyRequest->Verb & KSPROPERTY_TYPE_BASICSUPPORT) {
		ULONG cb = PropertyRequest->ValueSize;
		NTSTATUS ntStatus = ShapeModule_BasicSupport(
			KSPROPERTY_TYPE_GET | KSPROPERTY_TYPE_BASICSUPPORT, VT_ILLEGAL, NULL, 0, 0,
			PropertyRequest->Value, &cb);
		PropertyRequest->ValueSize = cb;
		return ntStatus;
	}
	if (!(PropertyRequest->Verb & KSPROPERTY_TYPE_GET)) {
		PropertyRequest->ValueSize = 0;
		return STATUS_INVALID_DEVICE_REQUEST;
	}

	ULONG inSize = PropertyRequest->InstanceSize -
		       (sizeof(KSAUDIOMODULE_PROPERTY) - sizeof(KSPROPERTY));
	PVOID inBuffer = inSize ? PVOID(moduleProperty + 1) : NULL;
	ULONG outSize = PropertyRequest->ValueSize;
	NTSTATUS ntStatus = module->Descriptor->Handler(module->Context, inBuffer, inSize,
							PropertyRequest->Value, &outSize);
	PropertyRequest->ValueSize = outSize;
	return ntStatus;
}

NTSTATUS ShapeModule_NotificationDeviceIdRequest(_In_ PPCPROPERTY_REQUEST PropertyRequest,
						 _In_opt_ const GUID *NotificationDeviceId)
{
	PAGED_CODE();

	if (NotificationDeviceId == NULL || !(PropertyRequest->Verb & KSPROPERTY_TYPE_GET))
		return STATUS_INVALID_DEVICE_REQUEST;
	if (PropertyRequest->ValueSize == 0) {
		PropertyRequest->ValueSize = sizeof(GUID);
		return STATUS_BUFFER_OVERFLOW;
	}
	if (PropertyRequest->ValueSize < sizeof(GUID))
		return STATUS_BUFFER_TOO_SMALL;
	*static_cast<GUID *>(PropertyRequest->Value) = *NotificationDeviceId;
	PropertyRequest->ValueSize = sizeof(GUID);
	return STATUS_SUCCESS;
}
#pragma code_seg()

// Notifications may be sent from non-paged code.
VOID ShapeModule_SendNotification(_In_ PPORTCLSNOTIFICATIONS PortNotifications,
				  _In_reads_bytes_(NotificationSize) PVOID NotificationData,
				  _In_ USHORT NotificationSize)
{
	PPCNOTIFICATION_BUFFER buffer = NULL;

	if (PortNotifications == NULL)
		return;
	NTSTATUS ntStatus =
		PortNotifications->AllocNotificationBuffer(PagedPool, NotificationSize, &buffer);
	if (!NT_SUCCESS(ntStatus))
		return;
	RtlCopyMemory(buffer, NotificationData, NotificationSize);
	PortNotifications->SendNotification(&KSNOTIFICATIONID_AudioModule, buffer);
	PortNotifications->FreeNotificationBuffer(buffer);
}

VOID ShapeModule_SendDetection(_In_ PPORTCLSNOTIFICATIONS PortNotifications,
			       _In_reads_bytes_(Size) PVOID Data, _In_ USHORT Size)
{
	PPCNOTIFICATION_BUFFER buffer = NULL;

	if (PortNotifications == NULL ||
	    !NT_SUCCESS(PortNotifications->AllocNotificationBuffer(NonPagedPoolNx, Size, &buffer)))
		return;
	RtlCopyMemory(buffer, Data, Size);
	PortNotifications->SendNotification(&KSNOTIFICATIONID_SoundDetector, buffer);
	PortNotifications->FreeNotificationBuffer(buffer);
}

#pragma code_seg("PAGE")
NTSTATUS ShapeModule_InitClass(_In_ const SHAPEMODULE_DESCRIPTOR *Module,
			       _Inout_updates_bytes_(Size) PVOID Context, _In_ size_t Size,
			       _In_ KSAUDIOMODULE_NOTIFICATION *NotificationHeader,
			       _In_opt_ PPORTCLSNOTIFICATIONS PortNotifications)
{
	PAGED_CODE();
	UNREFERENCED_PARAMETER(Module);

	if (Size < sizeof(SHAPEMODULE_CONTEXT))
		return STATUS_INVALID_PARAMETER;
	PSHAPEMODULE_CONTEXT ctx = PSHAPEMODULE_CONTEXT(Context);
	RtlZeroMemory(ctx, Size);
	ctx->Notification.ProviderNotification.Header = *NotificationHeader;
	ctx->Notification.ProviderNotification.Header.ProviderId.Reserved = 0;
	ctx->Notification.ProviderNotification.Type = ShapeModuleParameterChanged;
	ctx->PortNotifications = PortNotifications;
	if (ctx->PortNotifications != NULL)
		ctx->PortNotifications->AddRef();
	return STATUS_SUCCESS;
}

VOID ShapeModule_Cleanup(_In_ PVOID Context)
{
	PAGED_CODE();

	PSHAPEMODULE_CONTEXT ctx = PSHAPEMODULE_CONTEXT(Context);
	if (ctx->PortNotifications != NULL) {
		ctx->PortNotifications->Release();
		ctx->PortNotifications = NULL;
	}
}

NTSTATUS ShapeModule_Handler(_Inout_opt_ PVOID Context,
			     _In_reads_bytes_(InBufferCb) PVOID InBuffer, _In_ ULONG InBufferCb,
			     _Out_writes_bytes_opt_(*OutBufferCb) PVOID OutBuffer,
			     _Inout_ ULONG *OutBufferCb)
{
	PAGED_CODE();

	PSHAPEMODULE_CONTEXT ctx = static_cast<PSHAPEMODULE_CONTEXT>(Context);
	if (ctx == NULL)
		return STATUS_INTERNAL_ERROR;
	if (InBuffer == NULL || InBufferCb < sizeof(SHAPEMODULE_CUSTOM_COMMAND))
		return STATUS_INVALID_PARAMETER;

	SHAPEMODULE_CUSTOM_COMMAND command;
	RtlCopyMemory(&command, InBuffer, sizeof(command));
	if (command.ParameterId >= ShapeModuleParameterCount)
		return STATUS_INVALID_PARAMETER;

	PVOID current = command.ParameterId == ShapeModuleParameterLevel ? PVOID(&ctx->Level)
									: PVOID(&ctx->Mode);
	ULONG restCb = InBufferCb - ULONG(sizeof(command));
	PVOID rest = restCb ? PVOID(PBYTE(InBuffer) + sizeof(command)) : NULL;
	BOOL changed = FALSE;
	NTSTATUS ntStatus = ShapeModule_GenericHandler(
		command.Verb, command.ParameterId, &ShapeModuleParameterInfo[command.ParameterId],
		current, rest, restCb, OutBuffer, OutBufferCb, &changed);
	if (!NT_SUCCESS(ntStatus))
		return ntStatus;

	if (changed &&
	    (ShapeModuleParameterInfo[command.ParameterId].Flags &
	     SHAPEMODULE_PARAMETER_FLAG_CHANGE_NOTIFICATION) &&
	    ctx->PortNotifications != NULL) {
		ctx->Notification.ProviderNotification.ParameterChanged.ParameterId =
			command.ParameterId;
		ShapeModule_SendNotification(ctx->PortNotifications, PVOID(&ctx->Notification),
					     USHORT(RTL_SIZEOF_THROUGH_FIELD(
						     SHAPEMODULE_NOTIFICATION,
						     ProviderNotification.ParameterChanged)));
	}
	return STATUS_SUCCESS;
}
#pragma code_seg()

static const SHAPEMODULE_DESCRIPTOR ShapeModulesWaveFilter[] = {
	{ &ShapeModuleLevelId, &GUID_NULL, u"Shape generic module", SHAPEMODULE_INSTANCE_ID(0, 0),
	  1, 0, 0, sizeof(SHAPEMODULE_CONTEXT), ShapeModule_InitClass, ShapeModule_Cleanup,
	  ShapeModule_Handler },
	{ &ShapeModuleLevelId, &AUDIO_SIGNALPROCESSINGMODE_DEFAULT, u"Shape module, default mode",
	  SHAPEMODULE_INSTANCE_ID(1, 0), 2, 1, 0, sizeof(SHAPEMODULE_CONTEXT),
	  ShapeModule_InitClass, ShapeModule_Cleanup, ShapeModule_Handler },
	{ &ShapeModuleLevelId, &AUDIO_SIGNALPROCESSINGMODE_MOVIE, u"Shape module, movie mode",
	  SHAPEMODULE_INSTANCE_ID(2, 0), 2, 1, 0, sizeof(SHAPEMODULE_CONTEXT),
	  ShapeModule_InitClass, ShapeModule_Cleanup, ShapeModule_Handler },
};

// The miniport object (the requests' MajorTarget) with its module list, set up the way a
// miniport's Init does. Its IUnknown methods would come from a CUnknown-style base class.
class CShapeMiniport : public IUnknown {
public:
	CShapeMiniport() : m_pPortClsNotifications(NULL), m_pModules(NULL), m_ModuleCount(0)
	{
	}

	NTSTATUS Init(_In_ PUNKNOWN Port_);
	VOID Cleanup();
	static NTSTATUS PropertyHandler_WaveFilter(_In_ PPCPROPERTY_REQUEST PropertyRequest);

private:
	PPORTCLSNOTIFICATIONS m_pPortClsNotifications;
	SHAPEMODULE *m_pModules;
	ULONG m_ModuleCount;
};

#pragma code_seg("PAGE")
NTSTATUS CShapeMiniport::Init(_In_ PUNKNOWN Port_)
{
	PAGED_CODE();

	NTSTATUS ntStatus = Port_->QueryInterface(IID_IPortClsNotifications,
						  (PVOID *)&m_pPortClsNotifications);
	if (!NT_SUCCESS(ntStatus))
		m_pPortClsNotifications = NULL;

	ULONG count = ULONG(SIZEOF_ARRAY(ShapeModulesWaveFilter));
	m_pModules = static_cast<SHAPEMODULE *>(
		ExAllocatePool2(POOL_FLAG_NON_PAGED, sizeof(SHAPEMODULE) * count, SHAPE_POOLTAG));
	if (m_pModules == NULL)
		return STATUS_INSUFFICIENT_RESOURCES;

	for (ULONG i = 0; i < count; i++) {
		const SHAPEMODULE_DESCRIPTOR *descriptor = &ShapeModulesWaveFilter[i];
		SHAPEMODULE *module = &m_pModules[i];
		KSAUDIOMODULE_NOTIFICATION header;

		module->Descriptor = descriptor;
		module->InstanceId = descriptor->InstanceId;
		module->Enabled = TRUE;
		module->Context = ExAllocatePool2(POOL_FLAG_NON_PAGED, descriptor->ContextSize,
						  SHAPE_POOLTAG);
		if (module->Context == NULL) {
			ntStatus = STATUS_INSUFFICIENT_RESOURCES;
			break;
		}
		RtlZeroMemory(&header, sizeof(header));
		header.ProviderId.DeviceId = ShapeNotificationDeviceId;
		header.ProviderId.ClassId = *descriptor->ClassId;
		header.ProviderId.InstanceId = module->InstanceId;
		ntStatus = descriptor->InitClass(descriptor, module->Context, descriptor->ContextSize,
						 &header, m_pPortClsNotifications);
		if (!NT_SUCCESS(ntStatus))
			break;
		m_ModuleCount = i + 1;
		(void)InterlockedIncrement(reinterpret_cast<LONG volatile *>(&module->NextCfgInstanceId));
	}
	return NT_SUCCESS(ntStatus) ? STATUS_SUCCESS : ntStatus;
}

VOID CShapeMiniport::Cleanup()
{
	PAGED_CODE();

	if (m_pModules != NULL) {
		for (ULONG i = 0; i < m_ModuleCount; i++) {
			if (m_pModules[i].Context != NULL) {
				m_pModules[i].Descriptor->Cleanup(m_pModules[i].Context);
				ExFreePoolWithTag(m_pModules[i].Context, SHAPE_POOLTAG);
			}
		}
		ExFreePoolWithTag(m_pModules, SHAPE_POOLTAG);
		m_pModules = NULL;
	}
	if (m_pPortClsNotifications != NULL) {
		m_pPortClsNotifications->Release();
		m_pPortClsNotifications = NULL;
	}
}

NTSTATUS CShapeMiniport::PropertyHandler_WaveFilter(_In_ PPCPROPERTY_REQUEST PropertyRequest)
{
	PAGED_CODE();

	CShapeMiniport *miniport = static_cast<CShapeMiniport *>(PropertyRequest->MajorTarget);
	if (!IsEqualGUIDAligned(*PropertyRequest->PropertyItem->Set, KSPROPSETID_AudioModule))
		return STATUS_INVALID_DEVICE_REQUEST;

	switch (PropertyRequest->PropertyItem->Id) {
	case KSPROPERTY_AUDIOMODULE_DESCRIPTORS:
		return ShapeModule_DescriptorsRequest(PropertyRequest, miniport->m_pModules,
						      miniport->m_ModuleCount);
	case KSPROPERTY_AUDIOMODULE_COMMAND:
		return ShapeModule_CommandRequest(PropertyRequest, miniport->m_pModules,
						  miniport->m_ModuleCount);
	case KSPROPERTY_AUDIOMODULE_NOTIFICATION_DEVICE_ID:
		return ShapeModule_NotificationDeviceIdRequest(PropertyRequest,
							       &ShapeNotificationDeviceId);
	default:
		return STATUS_INVALID_DEVICE_REQUEST;
	}
}
#pragma code_seg()

static PCPROPERTY_ITEM PropertiesShapeWaveFilter[] = {
	{ &KSPROPSETID_AudioModule, KSPROPERTY_AUDIOMODULE_DESCRIPTORS,
	  KSPROPERTY_TYPE_GET | KSPROPERTY_TYPE_BASICSUPPORT,
	  CShapeMiniport::PropertyHandler_WaveFilter },
	{ &KSPROPSETID_AudioModule, KSPROPERTY_AUDIOMODULE_COMMAND,
	  KSPROPERTY_TYPE_GET | KSPROPERTY_TYPE_SET | KSPROPERTY_TYPE_BASICSUPPORT,
	  CShapeMiniport::PropertyHandler_WaveFilter },
	{ &KSPROPSETID_AudioModule, KSPROPERTY_AUDIOMODULE_NOTIFICATION_DEVICE_ID,
	  KSPROPERTY_TYPE_GET | KSPROPERTY_TYPE_BASICSUPPORT,
	  CShapeMiniport::PropertyHandler_WaveFilter },
};

DEFINE_PCAUTOMATION_TABLE_PROP(AutomationShapeWaveFilter, PropertiesShapeWaveFilter);

// Interfaces of one's own, declared the WDK way.
DECLARE_INTERFACE_(IShapeModuleSink, IUnknown)
{
	DEFINE_ABSTRACT_UNKNOWN()

	STDMETHOD_(NTSTATUS, OnParameterChanged)(THIS_ _In_ ULONG ParameterId) PURE;
	STDMETHOD_(VOID, Reset)(THIS) PURE;
};
typedef IShapeModuleSink *PSHAPEMODULESINK;

// Referenced so that the table and the helpers above are emitted and linked.
const PCAUTOMATION_TABLE *ShapeModule_FilterAutomationTable()
{
	return &AutomationShapeWaveFilter;
}

#pragma warning(pop)
