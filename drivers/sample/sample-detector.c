/* SPDX-License-Identifier: MIT */
/*
 * The keyword detector module class: a simulated keyword spotter on the headphone endpoint.
 * A detection is not a module notification: as SYSVAD does for its keyword detector (spec
 * §1.6, §3.10), it is sent through IPortClsNotifications::SendNotification with
 * KSNOTIFICATIONID_SoundDetector and a payload of the driver's own, SAMPLE_KEYWORD_DETECTION
 * (32 bytes, no KSAUDIOMODULE_NOTIFICATION header). The port passes such events on unchecked.
 *
 * Detections happen every Interval ms while Interval is not 0, and once for every SET of
 * Trigger to 1. All of them are sent by the timer thread, the only sender, so DetectionIndex
 * arrives in order; a Trigger SET counts its detection at once (GET Trigger includes it) and
 * the thread sends it within moments.
 *
 * As with the meter, only the filter template detects; stream instances hold parameter
 * values only, and refuse Trigger.
 */
#include <ntintsafe.h>
#include <portcls.h>
#include <ksmedia.h>

#include "sample-modules.h"
#include "sample-timer.h"

#define SAMPLE_DETECTOR_POOL_TAG 0x74654453u /* 'SDet' */

#define PARAM_RW (KSPROPERTY_TYPE_GET | KSPROPERTY_TYPE_SET | KSPROPERTY_TYPE_BASICSUPPORT)
#define PARAM_NOTIFY AUDIOMODULE_PARAMETER_FLAG_CHANGE_NOTIFICATION

/* Confidence cycles through 80..99 with the detection index. */
#define DETECTOR_CONFIDENCE_MIN 80u
#define DETECTOR_CONFIDENCE_STEPS 20u

const GUID SampleDetectorModuleId = {
	0x9E3D2C1B, 0x0A4F, 0x4B6E, {0x8D, 0x7C, 0x5F, 0x1A, 0x2B, 0x3C, 0x4D, 0x91}};

const GUID SampleKeywordDetectionEventId = {
	0x6D16485F, 0x9DE8, 0x41AC, {0xBE, 0xB5, 0xCB, 0xB9, 0x08, 0x4B, 0xBF, 0xD8}};

typedef struct _SAMPLE_DETECTOR_SOURCE {
	SAMPLE_TIMER_SOURCE Base;
	SAMPLE_TIMER *Timer;
	PPORTCLSNOTIFICATIONS PortNotifications; /* a reference */

	/* Shared with the control thread, under the timer's lock. */
	ULONG Interval;
	ULONG KeywordId;
	BOOLEAN Changed;
	ULONGLONG Raised;  /* detections counted so far: the last DetectionIndex given out */
	ULONGLONG Pending; /* of those, triggered ones not yet taken by the thread */

	/* Timer thread only. */
	ULONG BlockInterval;
	ULONG BlockKeywordId;
	ULONGLONG NextNs;
	ULONGLONG FirstIndex; /* Fire sends FirstIndex .. FirstIndex + Count - 1 */
	ULONGLONG Count;
} SAMPLE_DETECTOR_SOURCE;

typedef struct _SAMPLE_DETECTOR_CONTEXT {
	SAMPLE_MODULE_CONTEXT Common;
	ULONG Interval;
	ULONG Trigger; /* refreshed from the source's count before a GET */
	ULONG KeywordId;
	SAMPLE_DETECTOR_SOURCE *Source; /* the template's, NULL on stream instances */
} SAMPLE_DETECTOR_CONTEXT;

static const ULONG DetectorTriggerValues[] = {1};

/* Interval is 0 or a range: SampleDetector_ValidateParameter checks it. */
static const SAMPLE_PARAMETER_INFO DetectorParameters[] = {
	[SampleDetectorInterval] = {PARAM_RW, PARAM_NOTIFY, sizeof(ULONG), VT_UI4, NULL, 0,
				    FIELD_OFFSET(SAMPLE_DETECTOR_CONTEXT, Interval)},
	/* An action, not a setting: no change notification. */
	[SampleDetectorTrigger] = {PARAM_RW, 0, sizeof(ULONG), VT_UI4, DetectorTriggerValues,
				   SIZEOF_ARRAY(DetectorTriggerValues),
				   FIELD_OFFSET(SAMPLE_DETECTOR_CONTEXT, Trigger)},
	[SampleDetectorKeywordId] = {PARAM_RW, PARAM_NOTIFY, sizeof(ULONG), VT_UI4, NULL, 0,
				     FIELD_OFFSET(SAMPLE_DETECTOR_CONTEXT, KeywordId)},
};

static VOID SampleDetector_Fire(SAMPLE_TIMER_SOURCE *Source)
{
	SAMPLE_DETECTOR_SOURCE *This = CONTAINING_RECORD(Source, SAMPLE_DETECTOR_SOURCE, Base);

	for (ULONGLONG i = 0; i < This->Count; i++) {
		SAMPLE_KEYWORD_DETECTION detection;
		ULONGLONG index = This->FirstIndex + i;

		RtlZeroMemory(&detection, sizeof(detection));
		detection.EventId = SampleKeywordDetectionEventId;
		detection.KeywordId = This->BlockKeywordId;
		detection.Confidence =
			DETECTOR_CONFIDENCE_MIN + (ULONG)((index - 1) % DETECTOR_CONFIDENCE_STEPS);
		detection.DetectionIndex = index;
		SampleModule_SendNotification(This->PortNotifications,
					      &KSNOTIFICATIONID_SoundDetector, &detection,
					      (USHORT)sizeof(detection));
	}
}

static BOOLEAN SampleDetector_Prepare(SAMPLE_TIMER_SOURCE *Source, ULONGLONG NowNs,
				      ULONGLONG *NextNs)
{
	SAMPLE_DETECTOR_SOURCE *This = CONTAINING_RECORD(Source, SAMPLE_DETECTOR_SOURCE, Base);
	ULONGLONG period;

	if (This->Changed) {
		This->Changed = FALSE;
		This->BlockKeywordId = This->KeywordId;
		/* A new interval counts from now; a new keyword id keeps the schedule. */
		if (This->Interval != This->BlockInterval) {
			This->BlockInterval = This->Interval;
			if (This->BlockInterval)
				This->NextNs = NowNs + (ULONGLONG)This->BlockInterval * 1000000u;
		}
	}

	/*
	 * Triggers since the last call hold the newest indices: only this thread raises
	 * scheduled detections, and it takes every pending trigger when it does.
	 */
	This->Count = This->Pending;
	This->FirstIndex = This->Raised - This->Pending + 1;
	This->Pending = 0;

	*NextNs = 0;
	if (This->BlockInterval) {
		period = (ULONGLONG)This->BlockInterval * 1000000u;
		if (NowNs >= This->NextNs) {
			This->Raised++;
			if (!This->Count)
				This->FirstIndex = This->Raised;
			This->Count++;
			This->NextNs += period;
			if (This->NextNs <= NowNs)
				This->NextNs = NowNs + period;
		}
		*NextNs = This->NextNs;
	}
	return This->Count != 0;
}

static const SAMPLE_TIMER_SOURCE_OPS SampleDetectorSourceOps = {
	.Prepare = SampleDetector_Prepare,
	.Fire = SampleDetector_Fire,
};

static VOID SampleDetector_Publish(SAMPLE_DETECTOR_CONTEXT *Context)
{
	SAMPLE_DETECTOR_SOURCE *source = Context->Source;

	SampleTimer_Lock(source->Timer);
	source->Interval = Context->Interval;
	source->KeywordId = Context->KeywordId;
	source->Changed = TRUE;
	SampleTimer_Unlock(source->Timer, TRUE);
}

static NTSTATUS SampleDetector_InitClass(const SAMPLE_MODULE_CLASS *Class, PVOID Context,
					 const KSAUDIOMODULE_NOTIFICATION *Header,
					 PPORTCLSNOTIFICATIONS PortNotifications,
					 struct _SAMPLE_TIMER *Timer)
{
	SAMPLE_DETECTOR_CONTEXT *ctx = (SAMPLE_DETECTOR_CONTEXT *)Context;
	SAMPLE_DETECTOR_SOURCE *source = NULL;
	NTSTATUS status;

	if (Timer && PortNotifications) {
		source = (SAMPLE_DETECTOR_SOURCE *)ExAllocatePool2(
			POOL_FLAG_NON_PAGED, sizeof(*source), SAMPLE_DETECTOR_POOL_TAG);
		if (!source)
			return STATUS_INSUFFICIENT_RESOURCES;
	}
	status = SampleModule_InitClass(Class, Context, Header, PortNotifications, Timer);
	if (!NT_SUCCESS(status)) {
		if (source)
			ExFreePoolWithTag(source, SAMPLE_DETECTOR_POOL_TAG);
		return status;
	}
	ctx->Interval = Timer ? SampleTimer_GetDefaults(Timer)->DetectorInterval : 0;
	ctx->KeywordId = 1;
	if (!source)
		return STATUS_SUCCESS;

	source->Base.Ops = &SampleDetectorSourceOps;
	source->Timer = Timer;
	IPortClsNotifications_AddRef(PortNotifications);
	source->PortNotifications = PortNotifications;
	ctx->Source = source;
	SampleTimer_AddSource(Timer, &source->Base);
	SampleDetector_Publish(ctx);
	return STATUS_SUCCESS;
}

static NTSTATUS SampleDetector_InitInstance(const SAMPLE_MODULE_CLASS *Class, PVOID TemplateContext,
					    PVOID Context, ULONG InstanceId)
{
	NTSTATUS status = SampleModule_InitInstance(Class, TemplateContext, Context, InstanceId);

	if (Context) {
		((SAMPLE_DETECTOR_CONTEXT *)Context)->Source = NULL;
		((SAMPLE_DETECTOR_CONTEXT *)Context)->Trigger = 0;
	}
	return status;
}

static VOID SampleDetector_Cleanup(const SAMPLE_MODULE_CLASS *Class, PVOID Context)
{
	SAMPLE_DETECTOR_CONTEXT *ctx = (SAMPLE_DETECTOR_CONTEXT *)Context;
	SAMPLE_DETECTOR_SOURCE *source = ctx ? ctx->Source : NULL;

	if (source) {
		SampleTimer_RemoveSource(source->Timer, &source->Base);
		IPortClsNotifications_Release(source->PortNotifications);
		ExFreePoolWithTag(source, SAMPLE_DETECTOR_POOL_TAG);
		ctx->Source = NULL;
	}
	SampleModule_Cleanup(Class, Context);
}

static NTSTATUS SampleDetector_ValidateParameter(const SAMPLE_MODULE_CLASS *Class, PVOID Context,
						 ULONG ParameterId, const VOID *Value)
{
	SAMPLE_DETECTOR_CONTEXT *ctx = (SAMPLE_DETECTOR_CONTEXT *)Context;
	ULONG value;

	UNREFERENCED_PARAMETER(Class);
	RtlCopyMemory(&value, Value, sizeof(value));
	switch (ParameterId) {
	case SampleDetectorInterval:
		if (value != 0 &&
		    (value < SAMPLE_DETECTOR_INTERVAL_MIN || value > SAMPLE_DETECTOR_INTERVAL_MAX))
			return STATUS_INVALID_PARAMETER;
		break;
	case SampleDetectorTrigger:
		/* Nothing here could send the detection. */
		if (!ctx->Source)
			return STATUS_INVALID_DEVICE_REQUEST;
		break;
	default:
		break;
	}
	return STATUS_SUCCESS;
}

static VOID SampleDetector_QueryParameter(const SAMPLE_MODULE_CLASS *Class, PVOID Context,
					  ULONG ParameterId)
{
	SAMPLE_DETECTOR_CONTEXT *ctx = (SAMPLE_DETECTOR_CONTEXT *)Context;
	ULONGLONG raised;

	UNREFERENCED_PARAMETER(Class);
	if (ParameterId != SampleDetectorTrigger || !ctx->Source)
		return;
	SampleTimer_Lock(ctx->Source->Timer);
	raised = ctx->Source->Raised;
	SampleTimer_Unlock(ctx->Source->Timer, FALSE);
	ctx->Trigger = raised > MAXULONG ? MAXULONG : (ULONG)raised;
}

static VOID SampleDetector_ParameterSet(const SAMPLE_MODULE_CLASS *Class, PVOID Context,
					ULONG ParameterId, BOOLEAN Changed)
{
	SAMPLE_DETECTOR_CONTEXT *ctx = (SAMPLE_DETECTOR_CONTEXT *)Context;
	SAMPLE_DETECTOR_SOURCE *source = ctx->Source;

	UNREFERENCED_PARAMETER(Class);
	if (!source)
		return;
	if (ParameterId == SampleDetectorTrigger) {
		/* Every SET of 1 is one detection, whether or not the stored value changed. */
		SampleTimer_Lock(source->Timer);
		source->Raised++;
		source->Pending++;
		SampleTimer_Unlock(source->Timer, TRUE);
		return;
	}
	if (Changed)
		SampleDetector_Publish(ctx);
}

const SAMPLE_MODULE_CLASS SampleDetectorClass = {
	.ClassId = &SampleDetectorModuleId,
	.VersionMajor = 1,
	.VersionMinor = 0,
	.ContextSize = sizeof(SAMPLE_DETECTOR_CONTEXT),
	.Parameters = DetectorParameters,
	.ParameterCount = SIZEOF_ARRAY(DetectorParameters),
	.InitClass = SampleDetector_InitClass,
	.InitInstance = SampleDetector_InitInstance,
	.Cleanup = SampleDetector_Cleanup,
	.Handler = SampleModule_Handler,
	.ValidateParameter = SampleDetector_ValidateParameter,
	.QueryParameter = SampleDetector_QueryParameter,
	.ParameterSet = SampleDetector_ParameterSet,
};
