/* SPDX-License-Identifier: MIT */
/*
 * The level meter module class: why notifications exist. While its Rate parameter is not 0,
 * the speaker's meter template renders a 2-channel 48 kHz test signal block by block on the
 * driver's timer thread, measures each block's peak and RMS from the samples it rendered, and
 * sends them as a 64-byte KSNOTIFICATIONID_AudioModule notification (SAMPLE_METER_NOTIFICATION)
 * Rate times a second. Channel 0 is a sine of SignalFrequency at SignalLevel; channel 1 is the
 * same sine under a slow 0.25 Hz envelope, so its levels keep moving.
 *
 * Parameters speak SYSVAD's protocol through the generic handler; the class adds range checks
 * the valid-set table cannot express and publishes every change to the timer thread.
 *
 * Only the filter template meters: a stream instance copies the template's values and keeps
 * its own, but renders nothing. Metering per stream would mean one timer source per stream,
 * set up and torn down on the stream path, for a signal that is the same test tone anyway.
 */
#include <math.h>

#include <ntintsafe.h>
#include <portcls.h>
#include <ksmedia.h>

#include "sample-modules.h"
#include "sample-timer.h"

#define SAMPLE_METER_POOL_TAG 0x74654D53u /* 'SMet' */

#define METER_SAMPLE_RATE 48000u
#define METER_CHUNK_FRAMES 256u
/* Channel 1's envelope: 0.25 Hz, between 0.1 and 1.0 of channel 0's amplitude. */
#define METER_ENVELOPE_FRAMES (METER_SAMPLE_RATE * 4u)
#define METER_ENVELOPE_MIDDLE 0.55
#define METER_ENVELOPE_DEPTH 0.45
#define METER_TWO_PI 6.283185307179586

#define PARAM_RW (KSPROPERTY_TYPE_GET | KSPROPERTY_TYPE_SET | KSPROPERTY_TYPE_BASICSUPPORT)
#define PARAM_NOTIFY AUDIOMODULE_PARAMETER_FLAG_CHANGE_NOTIFICATION

const GUID SampleMeterModuleId = {
	0x6B0F1C3A, 0x7D2E, 0x4A59, {0xB8, 0xE1, 0x2C, 0x4D, 0x5E, 0x6F, 0x7A, 0x81}};

typedef struct _SAMPLE_METER_SOURCE {
	SAMPLE_TIMER_SOURCE Base;
	SAMPLE_TIMER *Timer;
	KSAUDIOMODULE_NOTIFICATION Header;	 /* the template's */
	PPORTCLSNOTIFICATIONS PortNotifications; /* a reference */

	/* Published by the control thread, under the timer's lock. */
	ULONG Rate;
	ULONG Frequency;
	ULONG Level;
	BOOLEAN Changed;

	/* Timer thread only: Prepare's copy for Fire, the schedule and the signal's state. */
	ULONG BlockRate;
	ULONG BlockFrequency;
	ULONG BlockLevel;
	ULONGLONG NextNs;
	double Phase;	 /* of the sine, in [0, 2 pi) */
	ULONGLONG Frame; /* frames rendered so far: the envelope's time */
} SAMPLE_METER_SOURCE;

typedef struct _SAMPLE_METER_CONTEXT {
	SAMPLE_MODULE_CONTEXT Common;
	ULONG Rate;
	ULONG SignalFrequency;
	ULONG SignalLevel;
	SAMPLE_METER_SOURCE *Source; /* the template's, NULL on stream instances */
} SAMPLE_METER_CONTEXT;

static const ULONG MeterRateValues[] = {0, 1, 2, 5, 10, 20, 50, 100};

/* SignalFrequency and SignalLevel are ranges: SampleMeter_ValidateParameter checks them. */
static const SAMPLE_PARAMETER_INFO MeterParameters[] = {
	[SampleMeterRate] = {PARAM_RW, PARAM_NOTIFY, sizeof(ULONG), VT_UI4, MeterRateValues,
			     SIZEOF_ARRAY(MeterRateValues),
			     FIELD_OFFSET(SAMPLE_METER_CONTEXT, Rate)},
	[SampleMeterSignalFrequency] = {PARAM_RW, PARAM_NOTIFY, sizeof(ULONG), VT_UI4, NULL, 0,
					FIELD_OFFSET(SAMPLE_METER_CONTEXT, SignalFrequency)},
	[SampleMeterSignalLevel] = {PARAM_RW, PARAM_NOTIFY, sizeof(ULONG), VT_UI4, NULL, 0,
				    FIELD_OFFSET(SAMPLE_METER_CONTEXT, SignalLevel)},
};

static LONG SampleMeter_MilliDb(double Value)
{
	double milliDb;

	if (!(Value > 0.0))
		return SAMPLE_METER_SILENCE_MILLIDB;
	milliDb = 20000.0 * log10(Value);
	if (milliDb < SAMPLE_METER_SILENCE_MILLIDB)
		return SAMPLE_METER_SILENCE_MILLIDB;
	return (LONG)lround(milliDb);
}

/* Renders Frames interleaved stereo frames of the test signal into Buffer. */
static VOID SampleMeter_Render(SAMPLE_METER_SOURCE *This, double Amplitude, double Step,
			       float *Buffer, ULONG Frames)
{
	for (ULONG i = 0; i < Frames; i++) {
		double envelope =
			METER_ENVELOPE_MIDDLE +
			METER_ENVELOPE_DEPTH *
				sin(METER_TWO_PI * (double)(This->Frame % METER_ENVELOPE_FRAMES) /
				    METER_ENVELOPE_FRAMES);
		double sample = Amplitude * sin(This->Phase);

		Buffer[2 * i] = (float)sample;
		Buffer[2 * i + 1] = (float)(sample * envelope);
		This->Phase += Step;
		if (This->Phase >= METER_TWO_PI)
			This->Phase -= METER_TWO_PI;
		This->Frame++;
	}
}

static VOID SampleMeter_Fire(SAMPLE_TIMER_SOURCE *Source)
{
	SAMPLE_METER_SOURCE *This = CONTAINING_RECORD(Source, SAMPLE_METER_SOURCE, Base);
	ULONG frames = METER_SAMPLE_RATE / This->BlockRate;
	/* SignalLevel is tenths of dB below full scale. */
	double amplitude = pow(10.0, -(double)This->BlockLevel / 200.0);
	double step = METER_TWO_PI * (double)This->BlockFrequency / METER_SAMPLE_RATE;
	double peak[SAMPLE_METER_CHANNELS] = {0}, squares[SAMPLE_METER_CHANNELS] = {0};
	float buffer[METER_CHUNK_FRAMES * SAMPLE_METER_CHANNELS];
	SAMPLE_METER_NOTIFICATION notification;

	/* Measured from the samples as rendered (float, as an audio engine would hold them). */
	for (ULONG done = 0; done < frames;) {
		ULONG n = frames - done < METER_CHUNK_FRAMES ? frames - done : METER_CHUNK_FRAMES;

		SampleMeter_Render(This, amplitude, step, buffer, n);
		for (ULONG i = 0; i < n; i++)
			for (ULONG c = 0; c < SAMPLE_METER_CHANNELS; c++) {
				double x = buffer[i * SAMPLE_METER_CHANNELS + c];

				if (fabs(x) > peak[c])
					peak[c] = fabs(x);
				squares[c] += x * x;
			}
		done += n;
	}

	RtlZeroMemory(&notification, sizeof(notification));
	notification.Header = This->Header;
	notification.Type = SampleMeterLevels;
	notification.ChannelCount = SAMPLE_METER_CHANNELS;
	for (ULONG c = 0; c < SAMPLE_METER_CHANNELS; c++) {
		notification.Channels[c].PeakMilliDb = SampleMeter_MilliDb(peak[c]);
		notification.Channels[c].RmsMilliDb =
			SampleMeter_MilliDb(sqrt(squares[c] / (double)frames));
	}
	SampleModule_SendNotification(This->PortNotifications, &KSNOTIFICATIONID_AudioModule,
				      &notification, (USHORT)sizeof(notification));
}

static BOOLEAN SampleMeter_Prepare(SAMPLE_TIMER_SOURCE *Source, ULONGLONG NowNs, ULONGLONG *NextNs)
{
	SAMPLE_METER_SOURCE *This = CONTAINING_RECORD(Source, SAMPLE_METER_SOURCE, Base);
	ULONGLONG period;

	if (This->Changed) {
		This->Changed = FALSE;
		/* A new rate starts a new schedule; a new tone takes effect with the next block. */
		if (This->Rate != This->BlockRate) {
			This->BlockRate = This->Rate;
			if (This->BlockRate)
				This->NextNs = NowNs + 1000000000u / This->BlockRate;
		}
		This->BlockFrequency = This->Frequency;
		This->BlockLevel = This->Level;
	}
	*NextNs = 0;
	if (!This->BlockRate)
		return FALSE;
	period = 1000000000u / This->BlockRate;
	if (NowNs < This->NextNs) {
		*NextNs = This->NextNs;
		return FALSE;
	}
	/* Absolute due times keep the rate exact; after a stall, skip rather than burst. */
	This->NextNs += period;
	if (This->NextNs <= NowNs)
		This->NextNs = NowNs + period;
	*NextNs = This->NextNs;
	return TRUE;
}

static const SAMPLE_TIMER_SOURCE_OPS SampleMeterSourceOps = {
	.Prepare = SampleMeter_Prepare,
	.Fire = SampleMeter_Fire,
};

/* Control thread: hands the context's current values to the timer thread. */
static VOID SampleMeter_Publish(SAMPLE_METER_CONTEXT *Context)
{
	SAMPLE_METER_SOURCE *source = Context->Source;

	SampleTimer_Lock(source->Timer);
	source->Rate = Context->Rate;
	source->Frequency = Context->SignalFrequency;
	source->Level = Context->SignalLevel;
	source->Changed = TRUE;
	SampleTimer_Unlock(source->Timer, TRUE);
}

static NTSTATUS SampleMeter_InitClass(const SAMPLE_MODULE_CLASS *Class, PVOID Context,
				      const KSAUDIOMODULE_NOTIFICATION *Header,
				      PPORTCLSNOTIFICATIONS PortNotifications,
				      struct _SAMPLE_TIMER *Timer)
{
	SAMPLE_METER_CONTEXT *ctx = (SAMPLE_METER_CONTEXT *)Context;
	SAMPLE_METER_SOURCE *source = NULL;
	NTSTATUS status;

	/* Without a timer or a way to send, the meter is a set of parameters only. */
	if (Timer && PortNotifications) {
		source = (SAMPLE_METER_SOURCE *)ExAllocatePool2(
			POOL_FLAG_NON_PAGED, sizeof(*source), SAMPLE_METER_POOL_TAG);
		if (!source)
			return STATUS_INSUFFICIENT_RESOURCES;
	}
	status = SampleModule_InitClass(Class, Context, Header, PortNotifications, Timer);
	if (!NT_SUCCESS(status)) {
		if (source)
			ExFreePoolWithTag(source, SAMPLE_METER_POOL_TAG);
		return status;
	}
	ctx->Rate = Timer ? SampleTimer_GetDefaults(Timer)->MeterRate : 0;
	ctx->SignalFrequency = 1000;
	ctx->SignalLevel = 60;
	if (!source)
		return STATUS_SUCCESS;

	source->Base.Ops = &SampleMeterSourceOps;
	source->Timer = Timer;
	source->Header = ctx->Common.Header;
	IPortClsNotifications_AddRef(PortNotifications);
	source->PortNotifications = PortNotifications;
	ctx->Source = source;
	SampleTimer_AddSource(Timer, &source->Base);
	SampleMeter_Publish(ctx);
	return STATUS_SUCCESS;
}

static NTSTATUS SampleMeter_InitInstance(const SAMPLE_MODULE_CLASS *Class, PVOID TemplateContext,
					 PVOID Context, ULONG InstanceId)
{
	NTSTATUS status = SampleModule_InitInstance(Class, TemplateContext, Context, InstanceId);

	/* The copy took the template's source pointer: an instance has none. */
	if (Context)
		((SAMPLE_METER_CONTEXT *)Context)->Source = NULL;
	return status;
}

static VOID SampleMeter_Cleanup(const SAMPLE_MODULE_CLASS *Class, PVOID Context)
{
	SAMPLE_METER_CONTEXT *ctx = (SAMPLE_METER_CONTEXT *)Context;
	SAMPLE_METER_SOURCE *source = ctx ? ctx->Source : NULL;

	if (source) {
		/* Returns once the timer thread cannot be sending for it any more. */
		SampleTimer_RemoveSource(source->Timer, &source->Base);
		IPortClsNotifications_Release(source->PortNotifications);
		ExFreePoolWithTag(source, SAMPLE_METER_POOL_TAG);
		ctx->Source = NULL;
	}
	SampleModule_Cleanup(Class, Context);
}

static NTSTATUS SampleMeter_ValidateParameter(const SAMPLE_MODULE_CLASS *Class, PVOID Context,
					      ULONG ParameterId, const VOID *Value)
{
	ULONG value;

	UNREFERENCED_PARAMETER(Class);
	UNREFERENCED_PARAMETER(Context);
	/* The vendor bytes carry no alignment promise. */
	RtlCopyMemory(&value, Value, sizeof(value));
	switch (ParameterId) {
	case SampleMeterSignalFrequency:
		/* 0 has no period; above 20 kHz is outside the test signal's band. */
		if (value == 0 || value > SAMPLE_METER_FREQUENCY_MAX)
			return STATUS_INVALID_PARAMETER;
		break;
	case SampleMeterSignalLevel:
		if (value > SAMPLE_METER_LEVEL_MAX)
			return STATUS_INVALID_PARAMETER;
		break;
	default:
		break;
	}
	return STATUS_SUCCESS;
}

static VOID SampleMeter_ParameterSet(const SAMPLE_MODULE_CLASS *Class, PVOID Context,
				     ULONG ParameterId, BOOLEAN Changed)
{
	SAMPLE_METER_CONTEXT *ctx = (SAMPLE_METER_CONTEXT *)Context;

	UNREFERENCED_PARAMETER(Class);
	UNREFERENCED_PARAMETER(ParameterId);
	if (Changed && ctx->Source)
		SampleMeter_Publish(ctx);
}

const SAMPLE_MODULE_CLASS SampleMeterClass = {
	.ClassId = &SampleMeterModuleId,
	.VersionMajor = 1,
	.VersionMinor = 0,
	.ContextSize = sizeof(SAMPLE_METER_CONTEXT),
	.Parameters = MeterParameters,
	.ParameterCount = SIZEOF_ARRAY(MeterParameters),
	.InitClass = SampleMeter_InitClass,
	.InitInstance = SampleMeter_InitInstance,
	.Cleanup = SampleMeter_Cleanup,
	.Handler = SampleModule_Handler,
	.ValidateParameter = SampleMeter_ValidateParameter,
	.ParameterSet = SampleMeter_ParameterSet,
};
