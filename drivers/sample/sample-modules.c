/* SPDX-License-Identifier: MIT */
/*
 * SYSVAD's three module classes (spec §3.4) and the vendor protocol their COMMAND bytes speak
 * (spec §3.9): an 8-byte {Verb, ParameterId} header whose Verb reuses the KS verb bits, then,
 * for SET, the new value. A SET that changes a parameter flagged for it sends a 48-byte
 * notification: the module's KSAUDIOMODULE_NOTIFICATION header, Type 0 and the ParameterId.
 */
#include <ntintsafe.h>
#include <portcls.h>
#include <ksmedia.h>

#include "sample-modules.h"

#define PARAM_RW (KSPROPERTY_TYPE_GET | KSPROPERTY_TYPE_SET | KSPROPERTY_TYPE_BASICSUPPORT)
#define PARAM_RO (KSPROPERTY_TYPE_GET | KSPROPERTY_TYPE_BASICSUPPORT)
#define PARAM_NOTIFY AUDIOMODULE_PARAMETER_FLAG_CHANGE_NOTIFICATION

const GUID SampleAudioModule0Id = {
	0xE24C8B6F, 0xEDE7, 0x4255, {0x8B, 0x39, 0x77, 0x97, 0x60, 0x15, 0xD5, 0x93}};
const GUID SampleAudioModule1Id = {
	0x5CE55C8E, 0x84DF, 0x4317, {0x98, 0xC7, 0x79, 0x2D, 0xE8, 0x33, 0x66, 0xCC}};
const GUID SampleAudioModule2Id = {
	0xCC2A9527, 0x19D9, 0x4784, {0x8D, 0xD4, 0x6C, 0x1F, 0xE0, 0x1E, 0x37, 0x26}};

/* All values start at 0 (contexts are zeroed), even where 0 is not a valid value. */

/* AudioModule0, "generic system module", 1.0. */
typedef struct _SAMPLE_AUDIOMODULE0_CONTEXT {
	SAMPLE_MODULE_CONTEXT Common;
	ULONG Parameter0;
	BYTE Parameter1;
} SAMPLE_AUDIOMODULE0_CONTEXT;

static const ULONG AudioModule0Parameter0Values[] = {1, 2, 5};

static const SAMPLE_PARAMETER_INFO AudioModule0Parameters[] = {
	{PARAM_RW, PARAM_NOTIFY, sizeof(ULONG), VT_UI4, AudioModule0Parameter0Values,
	 SIZEOF_ARRAY(AudioModule0Parameter0Values),
	 FIELD_OFFSET(SAMPLE_AUDIOMODULE0_CONTEXT, Parameter0)},
	{PARAM_RO, 0, sizeof(BYTE), VT_UI1, NULL, 0,
	 FIELD_OFFSET(SAMPLE_AUDIOMODULE0_CONTEXT, Parameter1)},
};

/* AudioModule1, an EQ, 2.1. */
typedef struct _SAMPLE_AUDIOMODULE1_CONTEXT {
	SAMPLE_MODULE_CONTEXT Common;
	BYTE Parameter0;
	ULONGLONG Parameter1;
	DWORD Parameter2;
} SAMPLE_AUDIOMODULE1_CONTEXT;

static const BYTE AudioModule1Parameter0Values[] = {0, 1, 2};

static const SAMPLE_PARAMETER_INFO AudioModule1Parameters[] = {
	{PARAM_RW, PARAM_NOTIFY, sizeof(BYTE), VT_UI1, AudioModule1Parameter0Values,
	 SIZEOF_ARRAY(AudioModule1Parameter0Values),
	 FIELD_OFFSET(SAMPLE_AUDIOMODULE1_CONTEXT, Parameter0)},
	{PARAM_RO, 0, sizeof(ULONGLONG), VT_UI8, NULL, 0,
	 FIELD_OFFSET(SAMPLE_AUDIOMODULE1_CONTEXT, Parameter1)},
	{PARAM_RW, PARAM_NOTIFY, sizeof(DWORD), VT_UI4, NULL, 0,
	 FIELD_OFFSET(SAMPLE_AUDIOMODULE1_CONTEXT, Parameter2)},
};

/* AudioModule2, echo cancellation, 2.0. */
typedef struct _SAMPLE_AUDIOMODULE2_CONTEXT {
	SAMPLE_MODULE_CONTEXT Common;
	ULONG Parameter0;
	USHORT Parameter1;
} SAMPLE_AUDIOMODULE2_CONTEXT;

static const ULONG AudioModule2Parameter0Values[] = {1, 0xFFFFFFFE};

static const SAMPLE_PARAMETER_INFO AudioModule2Parameters[] = {
	{PARAM_RW, PARAM_NOTIFY, sizeof(ULONG), VT_UI4, AudioModule2Parameter0Values,
	 SIZEOF_ARRAY(AudioModule2Parameter0Values),
	 FIELD_OFFSET(SAMPLE_AUDIOMODULE2_CONTEXT, Parameter0)},
	{PARAM_RO, 0, sizeof(USHORT), VT_UI2, NULL, 0,
	 FIELD_OFFSET(SAMPLE_AUDIOMODULE2_CONTEXT, Parameter1)},
};

VOID SampleModule_SendNotification(PPORTCLSNOTIFICATIONS PortNotifications, const GUID *EventId,
				   const VOID *Payload, USHORT Size)
{
	PPCNOTIFICATION_BUFFER buffer = NULL;

	/* A port without IPortClsNotifications (QI failed): run without notifications. */
	if (!PortNotifications)
		return;
	if (!NT_SUCCESS(IPortClsNotifications_AllocNotificationBuffer(PortNotifications, PagedPool,
								      Size, &buffer)))
		return;
	/* The buffer is only 4-byte aligned on Windows: copy into it, never cast it. */
	RtlCopyMemory(buffer, Payload, Size);
	IPortClsNotifications_SendNotification(PortNotifications, EventId, buffer);
	/* Send copies the payload; the buffer stays ours to free, exactly once. */
	IPortClsNotifications_FreeNotificationBuffer(PortNotifications, buffer);
}

NTSTATUS SampleModule_InitClass(const SAMPLE_MODULE_CLASS *Class, PVOID Context,
				const KSAUDIOMODULE_NOTIFICATION *Header,
				PPORTCLSNOTIFICATIONS PortNotifications,
				struct _SAMPLE_TIMER *Timer)
{
	SAMPLE_MODULE_CONTEXT *ctx = (SAMPLE_MODULE_CONTEXT *)Context;

	/* SYSVAD's classes send only when a SET changes a value: they need no timer. */
	UNREFERENCED_PARAMETER(Timer);

	if (!Context || Class->ContextSize < sizeof(SAMPLE_MODULE_CONTEXT))
		return STATUS_INVALID_PARAMETER;
	RtlZeroMemory(Context, Class->ContextSize);
	ctx->Header = *Header;
	ctx->Header.ProviderId.Reserved = 0;
	if (PortNotifications) {
		IPortClsNotifications_AddRef(PortNotifications);
		ctx->PortNotifications = PortNotifications;
	}
	return STATUS_SUCCESS;
}

NTSTATUS SampleModule_InitInstance(const SAMPLE_MODULE_CLASS *Class, PVOID TemplateContext,
				   PVOID Context, ULONG InstanceId)
{
	SAMPLE_MODULE_CONTEXT *ctx = (SAMPLE_MODULE_CONTEXT *)Context;

	if (!TemplateContext || !Context)
		return STATUS_INVALID_PARAMETER;
	/* A stream starts with its template's current values. */
	RtlCopyMemory(Context, TemplateContext, Class->ContextSize);
	ctx->Header.ProviderId.InstanceId = InstanceId;
	if (ctx->PortNotifications)
		IPortClsNotifications_AddRef(ctx->PortNotifications);
	return STATUS_SUCCESS;
}

VOID SampleModule_Cleanup(const SAMPLE_MODULE_CLASS *Class, PVOID Context)
{
	SAMPLE_MODULE_CONTEXT *ctx = (SAMPLE_MODULE_CONTEXT *)Context;

	UNREFERENCED_PARAMETER(Class);
	if (ctx && ctx->PortNotifications) {
		IPortClsNotifications_Release(ctx->PortNotifications);
		ctx->PortNotifications = NULL;
	}
}

/*
 * BASICSUPPORT of a parameter: a KSPROPERTY_DESCRIPTION (type General/VtType, one member
 * list), then a KSPROPERTY_MEMBERSHEADER with the valid values, as far as the buffer goes:
 * 0 bytes learns the full size, 40 gets the description, 4 the access flags.
 */
static NTSTATUS SampleParameter_BasicSupport(const SAMPLE_PARAMETER_INFO *Info, PVOID OutBuffer,
					     PULONG OutBufferCb)
{
	PUCHAR out = (PUCHAR)OutBuffer;
	ULONG valuesCb, fullCb;

	if (!NT_SUCCESS(RtlULongMult(Info->Size, Info->ValidSetCount, &valuesCb)) ||
	    !NT_SUCCESS(RtlULongAdd(
		    valuesCb, sizeof(KSPROPERTY_DESCRIPTION) + sizeof(KSPROPERTY_MEMBERSHEADER),
		    &fullCb))) {
		*OutBufferCb = 0;
		return STATUS_INTEGER_OVERFLOW;
	}
	if (*OutBufferCb == 0) {
		*OutBufferCb = fullCb;
		return STATUS_BUFFER_OVERFLOW;
	}
	if (*OutBufferCb >= sizeof(KSPROPERTY_DESCRIPTION)) {
		KSPROPERTY_DESCRIPTION description;

		RtlZeroMemory(&description, sizeof(description));
		description.AccessFlags = Info->AccessFlags;
		description.DescriptionSize = fullCb;
		description.PropTypeSet.Set = KSPROPTYPESETID_General;
		description.PropTypeSet.Id = Info->VtType;
		description.PropTypeSet.Flags = 0;
		description.MembersListCount = 1;
		description.Reserved = 0;
		RtlCopyMemory(out, &description, sizeof(description));

		if (*OutBufferCb >= fullCb) {
			KSPROPERTY_MEMBERSHEADER members;

			members.MembersFlags = KSPROPERTY_MEMBER_VALUES;
			members.MembersSize = Info->Size;
			members.MembersCount = Info->ValidSetCount;
			members.Flags = KSPROPERTY_MEMBER_FLAG_DEFAULT;
			RtlCopyMemory(out + sizeof(description), &members, sizeof(members));
			if (valuesCb)
				RtlCopyMemory(out + sizeof(description) + sizeof(members),
					      Info->ValidSet, valuesCb);
			*OutBufferCb = fullCb;
		} else {
			*OutBufferCb = sizeof(description);
		}
		return STATUS_SUCCESS;
	}
	if (*OutBufferCb >= sizeof(ULONG)) {
		ULONG access = Info->AccessFlags;

		RtlCopyMemory(out, &access, sizeof(access));
		*OutBufferCb = sizeof(access);
		return STATUS_SUCCESS;
	}
	*OutBufferCb = 0;
	return STATUS_BUFFER_TOO_SMALL;
}

static BOOLEAN SampleParameter_IsValid(const SAMPLE_PARAMETER_INFO *Info, const UCHAR *Value)
{
	if (Info->ValidSetCount) {
		const UCHAR *set = (const UCHAR *)Info->ValidSet;

		for (ULONG i = 0; i < Info->ValidSetCount; i++)
			if (RtlCompareMemory(Value, set + (SIZE_T)i * Info->Size, Info->Size) ==
			    Info->Size)
				return TRUE;
		return FALSE;
	}
	/* No valid set: any value but all-0xFF, which stays refused as a negative-test hook. */
	for (ULONG i = 0; i < Info->Size; i++)
		if (Value[i] != 0xFF)
			return TRUE;
	return FALSE;
}

/*
 * One parameter's BASICSUPPORT / GET / SET (verb bits tested in that order). Value is the
 * parameter's storage in the context; *Changed tells whether a SET changed it. The class's
 * QueryParameter runs before a GET copies the value out, ValidateParameter before a SET
 * stores one.
 */
static NTSTATUS SampleParameter_Handler(const SAMPLE_MODULE_CLASS *Class, PVOID Context,
					ULONG ParameterId, ULONG Verb,
					const SAMPLE_PARAMETER_INFO *Info, PVOID Value,
					const VOID *InBuffer, ULONG InBufferCb, PVOID OutBuffer,
					PULONG OutBufferCb, BOOLEAN *Changed)
{
	NTSTATUS status;

	*Changed = FALSE;

	if (Verb & KSPROPERTY_TYPE_BASICSUPPORT)
		return SampleParameter_BasicSupport(Info, OutBuffer, OutBufferCb);

	if (Verb & KSPROPERTY_TYPE_GET) {
		if (!(Info->AccessFlags & KSPROPERTY_TYPE_GET)) {
			*OutBufferCb = 0;
			return STATUS_INVALID_DEVICE_REQUEST;
		}
		if (*OutBufferCb == 0) {
			*OutBufferCb = Info->Size;
			return STATUS_BUFFER_OVERFLOW;
		}
		if (*OutBufferCb < Info->Size) {
			*OutBufferCb = 0;
			return STATUS_BUFFER_TOO_SMALL;
		}
		if (Class->QueryParameter)
			Class->QueryParameter(Class, Context, ParameterId);
		RtlCopyMemory(OutBuffer, Value, Info->Size);
		*OutBufferCb = Info->Size;
		return STATUS_SUCCESS;
	}

	if (Verb & KSPROPERTY_TYPE_SET) {
		*OutBufferCb = 0;
		if (!(Info->AccessFlags & KSPROPERTY_TYPE_SET))
			return STATUS_INVALID_DEVICE_REQUEST;
		if (!InBuffer || InBufferCb < Info->Size)
			return STATUS_INVALID_PARAMETER;
		if (!SampleParameter_IsValid(Info, (const UCHAR *)InBuffer))
			return STATUS_INVALID_PARAMETER;
		if (Class->ValidateParameter) {
			status = Class->ValidateParameter(Class, Context, ParameterId, InBuffer);
			if (!NT_SUCCESS(status))
				return status;
		}
		if (RtlCompareMemory(Value, InBuffer, Info->Size) != Info->Size) {
			RtlCopyMemory(Value, InBuffer, Info->Size);
			*Changed = TRUE;
		}
		return STATUS_SUCCESS;
	}

	*OutBufferCb = 0;
	return STATUS_INVALID_DEVICE_REQUEST;
}

static VOID SampleModule_NotifyParameterChanged(const SAMPLE_MODULE_CONTEXT *Context,
						ULONG ParameterId)
{
	/* Built in an aligned local, never in the shared context: no state to race on. */
	SAMPLE_MODULE_NOTIFICATION notification;

	RtlZeroMemory(&notification, sizeof(notification));
	notification.Header = Context->Header;
	notification.Header.ProviderId.Reserved = 0;
	notification.Type = SampleModuleParameterChanged;
	notification.ParameterId = ParameterId;
	SampleModule_SendNotification(Context->PortNotifications, &KSNOTIFICATIONID_AudioModule,
				      &notification, (USHORT)sizeof(notification));
}

/* The Verb + ParameterId protocol over a class's parameter table. */
NTSTATUS SampleModule_Handler(const SAMPLE_MODULE_CLASS *Class, PVOID Context, PVOID InBuffer,
			      ULONG InBufferCb, PVOID OutBuffer, PULONG OutBufferCb)
{
	SAMPLE_MODULE_CONTEXT *ctx = (SAMPLE_MODULE_CONTEXT *)Context;
	SAMPLE_MODULE_CUSTOM_COMMAND command;
	const SAMPLE_PARAMETER_INFO *info;
	const UCHAR *value = NULL;
	BOOLEAN changed = FALSE;
	NTSTATUS status;

	if (!ctx)
		return STATUS_INTERNAL_ERROR;
	if (!InBuffer || InBufferCb < sizeof(command))
		return STATUS_INVALID_PARAMETER;
	/* The vendor bytes follow a 48-byte header but their alignment is the caller's. */
	RtlCopyMemory(&command, InBuffer, sizeof(command));
	if (command.ParameterId >= Class->ParameterCount)
		return STATUS_INVALID_PARAMETER;
	info = &Class->Parameters[command.ParameterId];
	if (InBufferCb > sizeof(command))
		value = (const UCHAR *)InBuffer + sizeof(command);

	status = SampleParameter_Handler(Class, Context, command.ParameterId, command.Verb, info,
					 (PUCHAR)ctx + info->ContextOffset, value,
					 InBufferCb - (ULONG)sizeof(command), OutBuffer,
					 OutBufferCb, &changed);
	if (!NT_SUCCESS(status))
		return status;
	/* Success without BASICSUPPORT or GET (which take precedence) was a SET. */
	if (Class->ParameterSet &&
	    !(command.Verb & (KSPROPERTY_TYPE_BASICSUPPORT | KSPROPERTY_TYPE_GET)))
		Class->ParameterSet(Class, Context, command.ParameterId, changed);
	if (changed && (info->Flags & AUDIOMODULE_PARAMETER_FLAG_CHANGE_NOTIFICATION))
		SampleModule_NotifyParameterChanged(ctx, command.ParameterId);
	return STATUS_SUCCESS;
}

const SAMPLE_MODULE_CLASS SampleAudioModule0Class = {
	.ClassId = &SampleAudioModule0Id,
	.VersionMajor = 1,
	.VersionMinor = 0,
	.ContextSize = sizeof(SAMPLE_AUDIOMODULE0_CONTEXT),
	.Parameters = AudioModule0Parameters,
	.ParameterCount = SIZEOF_ARRAY(AudioModule0Parameters),
	.InitClass = SampleModule_InitClass,
	.InitInstance = SampleModule_InitInstance,
	.Cleanup = SampleModule_Cleanup,
	.Handler = SampleModule_Handler,
};

const SAMPLE_MODULE_CLASS SampleAudioModule1Class = {
	.ClassId = &SampleAudioModule1Id,
	.VersionMajor = 2,
	.VersionMinor = 1,
	.ContextSize = sizeof(SAMPLE_AUDIOMODULE1_CONTEXT),
	.Parameters = AudioModule1Parameters,
	.ParameterCount = SIZEOF_ARRAY(AudioModule1Parameters),
	.InitClass = SampleModule_InitClass,
	.InitInstance = SampleModule_InitInstance,
	.Cleanup = SampleModule_Cleanup,
	.Handler = SampleModule_Handler,
};

const SAMPLE_MODULE_CLASS SampleAudioModule2Class = {
	.ClassId = &SampleAudioModule2Id,
	.VersionMajor = 2,
	.VersionMinor = 0,
	.ContextSize = sizeof(SAMPLE_AUDIOMODULE2_CONTEXT),
	.Parameters = AudioModule2Parameters,
	.ParameterCount = SIZEOF_ARRAY(AudioModule2Parameters),
	.InitClass = SampleModule_InitClass,
	.InitInstance = SampleModule_InitInstance,
	.Cleanup = SampleModule_Cleanup,
	.Handler = SampleModule_Handler,
};
