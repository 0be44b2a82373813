/* SPDX-License-Identifier: MIT */
#ifndef AMOD_SAMPLE_MODULES_H
#define AMOD_SAMPLE_MODULES_H

/*
 * sample-modules.h: the sample driver's module model, WDK side (private to drivers/sample).
 *
 * A module class (SAMPLE_MODULE_CLASS) says what a module is: its ClassId, version, context
 * size, parameter table and callbacks. An endpoint lists templates (SAMPLE_MODULE_TEMPLATE):
 * a class, the signal processing mode whose streams instantiate it, a name and the template's
 * instance id. At run time each template and each stream instance is a SAMPLE_MODULE with its
 * own context. Every context starts with a SAMPLE_MODULE_CONTEXT.
 *
 * The port calls property handlers one at a time per device, so module contexts need no lock.
 * What the timer thread needs of a module (the meter's and the detector's parameters) is
 * published to it under the timer's lock by the class's hooks (sample-timer.h).
 */

#include <portcls.h>
#include <ksmedia.h>

/*
 * Instance ids (SYSVAD's scheme, spec §3.3): the top byte is the class's configuration set on
 * the endpoint, the low 24 bits 0 for a template and a per-template counter for stream
 * instances.
 */
#define AUDIOMODULE_INSTANCE_ID(ClassCfgId, InstanceCfgId)                                         \
	((ULONG)((((ULONG)(ClassCfgId)&0xFF) << 24) | ((ULONG)(InstanceCfgId)&0xFFFFFF)))
#define AUDIOMODULE_GET_CLASSCFGID(InstanceId) (((ULONG)(InstanceId) >> 24) & 0xFF)

/* SAMPLE_PARAMETER_INFO.Flags: a successful SET that changes the value sends a notification. */
#define AUDIOMODULE_PARAMETER_FLAG_CHANGE_NOTIFICATION 0x00000001

typedef struct _SAMPLE_PARAMETER_INFO {
	USHORT AccessFlags;   /* KSPROPERTY_TYPE_GET | _SET | _BASICSUPPORT subset */
	USHORT Flags;	      /* AUDIOMODULE_PARAMETER_FLAG_* */
	ULONG Size;	      /* bytes of the value */
	DWORD VtType;	      /* VARENUM, reported by BASICSUPPORT */
	const VOID *ValidSet; /* ValidSetCount values of Size bytes, or NULL: any value */
	ULONG ValidSetCount;
	ULONG ContextOffset; /* where the current value lives in the module context */
} SAMPLE_PARAMETER_INFO;

/* The vendor command (the COMMAND bytes after the 48-byte KSAUDIOMODULE_PROPERTY). */
typedef struct _SAMPLE_MODULE_CUSTOM_COMMAND {
	ULONG Verb;	   /* KSPROPERTY_TYPE_BASICSUPPORT, _GET or _SET */
	ULONG ParameterId; /* index into the class's parameter table */
} SAMPLE_MODULE_CUSTOM_COMMAND;
C_ASSERT(sizeof(SAMPLE_MODULE_CUSTOM_COMMAND) == 8);

/* The vendor part's first ULONG (offset 40) of every KSNOTIFICATIONID_AudioModule payload. */
typedef enum _SAMPLE_MODULE_NOTIFICATION_TYPE {
	SampleModuleParameterChanged = 0, /* SAMPLE_MODULE_NOTIFICATION, 48 bytes */
	SampleMeterLevels = 1,		  /* SAMPLE_METER_NOTIFICATION, 64 bytes */
} SAMPLE_MODULE_NOTIFICATION_TYPE;

/* The payload of a parameter change notification: 48 bytes, vendor part at 40. */
typedef struct _SAMPLE_MODULE_NOTIFICATION {
	KSAUDIOMODULE_NOTIFICATION Header;
	ULONG Type; /* SAMPLE_MODULE_NOTIFICATION_TYPE */
	ULONG ParameterId;
} SAMPLE_MODULE_NOTIFICATION;
C_ASSERT(sizeof(SAMPLE_MODULE_NOTIFICATION) == 48);
C_ASSERT(FIELD_OFFSET(SAMPLE_MODULE_NOTIFICATION, Type) == 40);
C_ASSERT(FIELD_OFFSET(SAMPLE_MODULE_NOTIFICATION, ParameterId) == 44);

/*
 * The level meter's notification (SampleMeterLevels): one per metered block, 64 bytes.
 * Levels are dBFS x 1000 of the block's actual samples (full scale 1.0); a silent channel
 * reads SAMPLE_METER_SILENCE_MILLIDB.
 */
#define SAMPLE_METER_CHANNELS 2
#define SAMPLE_METER_SILENCE_MILLIDB (-200000)

typedef struct _SAMPLE_METER_CHANNEL_LEVEL {
	LONG PeakMilliDb;
	LONG RmsMilliDb;
} SAMPLE_METER_CHANNEL_LEVEL;

typedef struct _SAMPLE_METER_NOTIFICATION {
	KSAUDIOMODULE_NOTIFICATION Header;
	ULONG Type;	    /* SampleMeterLevels */
	ULONG ChannelCount; /* SAMPLE_METER_CHANNELS */
	SAMPLE_METER_CHANNEL_LEVEL Channels[SAMPLE_METER_CHANNELS];
} SAMPLE_METER_NOTIFICATION;
C_ASSERT(sizeof(SAMPLE_METER_CHANNEL_LEVEL) == 8);
C_ASSERT(sizeof(SAMPLE_METER_NOTIFICATION) == 64);
C_ASSERT(FIELD_OFFSET(SAMPLE_METER_NOTIFICATION, Type) == 40);
C_ASSERT(FIELD_OFFSET(SAMPLE_METER_NOTIFICATION, ChannelCount) == 44);
C_ASSERT(FIELD_OFFSET(SAMPLE_METER_NOTIFICATION, Channels) == 48);
C_ASSERT(FIELD_OFFSET(SAMPLE_METER_NOTIFICATION, Channels[1].RmsMilliDb) == 60);

/*
 * A keyword detection, sent with KSNOTIFICATIONID_SoundDetector (spec §1.6): no
 * KSAUDIOMODULE_NOTIFICATION header, so the port passes it on unchecked and listeners see a
 * null class id. EventId is always SampleKeywordDetectionEventId; it names this layout, as
 * SYSVAD's CONTOSO_KEYWORDDETECTIONRESULT does its own. 32 bytes.
 */
typedef struct _SAMPLE_KEYWORD_DETECTION {
	GUID EventId;
	ULONG KeywordId;	  /* the detector's KeywordId parameter */
	ULONG Confidence;	  /* 0..100 */
	ULONGLONG DetectionIndex; /* 1 for the detector's first detection, then +1 */
} SAMPLE_KEYWORD_DETECTION;
C_ASSERT(sizeof(SAMPLE_KEYWORD_DETECTION) == 32);
C_ASSERT(FIELD_OFFSET(SAMPLE_KEYWORD_DETECTION, KeywordId) == 16);
C_ASSERT(FIELD_OFFSET(SAMPLE_KEYWORD_DETECTION, Confidence) == 20);
C_ASSERT(FIELD_OFFSET(SAMPLE_KEYWORD_DETECTION, DetectionIndex) == 24);

/* {6D16485F-9DE8-41AC-BEB5-CBB9084BBFD8} */
extern const GUID SampleKeywordDetectionEventId;

struct _SAMPLE_TIMER;

/* The head of every module context. */
typedef struct _SAMPLE_MODULE_CONTEXT {
	/* DeviceId, ClassId and InstanceId of this module's notifications; Reserved is 0. */
	KSAUDIOMODULE_NOTIFICATION Header;
	/* A reference, or NULL when the port has no IPortClsNotifications. */
	PPORTCLSNOTIFICATIONS PortNotifications;
} SAMPLE_MODULE_CONTEXT;

typedef struct _SAMPLE_MODULE_CLASS SAMPLE_MODULE_CLASS;

/*
 * Sets up a template's context (ContextSize bytes): Header is the module's notification
 * header, PortNotifications the miniport's interface (may be NULL; AddRef it to keep it),
 * Timer the driver's timer thread (may be NULL: classes that send on their own then stay
 * idle). Timer outlives every template.
 */
typedef NTSTATUS (*PFN_SAMPLE_MODULE_INIT_CLASS)(const SAMPLE_MODULE_CLASS *Class, PVOID Context,
						 const KSAUDIOMODULE_NOTIFICATION *Header,
						 PPORTCLSNOTIFICATIONS PortNotifications,
						 struct _SAMPLE_TIMER *Timer);
/* Sets up a stream instance's context from its template's, under a new instance id. */
typedef NTSTATUS (*PFN_SAMPLE_MODULE_INIT_INSTANCE)(const SAMPLE_MODULE_CLASS *Class,
						    PVOID TemplateContext, PVOID Context,
						    ULONG InstanceId);
/* Releases what the context holds; the caller frees the context. */
typedef VOID (*PFN_SAMPLE_MODULE_CLEANUP)(const SAMPLE_MODULE_CLASS *Class, PVOID Context);
/*
 * A COMMAND GET: InBuffer/InBufferCb are the vendor bytes (NULL/0 if none), OutBuffer the
 * caller's buffer of *OutBufferCb bytes (NULL when 0). Sets *OutBufferCb to the bytes
 * produced or required.
 */
typedef NTSTATUS (*PFN_SAMPLE_MODULE_HANDLER)(const SAMPLE_MODULE_CLASS *Class, PVOID Context,
					      PVOID InBuffer, ULONG InBufferCb, PVOID OutBuffer,
					      PULONG OutBufferCb);

/*
 * Hooks of the generic handler (SampleModule_Handler), all optional, all called on the
 * property handler's thread.
 *
 * ValidateParameter: a SET value that passed the valid-set check, not yet stored. Returns
 * STATUS_SUCCESS, or the status to refuse it with (a range a valid set cannot express).
 * QueryParameter: before a GET copies the stored value: refreshes a value the driver changes
 * on its own (a counter kept by the timer thread).
 * ParameterSet: after a SET was accepted (Changed: the stored value differs from before),
 * before the change notification is sent.
 */
typedef NTSTATUS (*PFN_SAMPLE_MODULE_VALIDATE_PARAMETER)(const SAMPLE_MODULE_CLASS *Class,
							 PVOID Context, ULONG ParameterId,
							 const VOID *Value);
typedef VOID (*PFN_SAMPLE_MODULE_QUERY_PARAMETER)(const SAMPLE_MODULE_CLASS *Class, PVOID Context,
						  ULONG ParameterId);
typedef VOID (*PFN_SAMPLE_MODULE_PARAMETER_SET)(const SAMPLE_MODULE_CLASS *Class, PVOID Context,
						ULONG ParameterId, BOOLEAN Changed);

struct _SAMPLE_MODULE_CLASS {
	const GUID *ClassId;
	ULONG VersionMajor;
	ULONG VersionMinor;
	SIZE_T ContextSize; /* at least sizeof(SAMPLE_MODULE_CONTEXT) */
	const SAMPLE_PARAMETER_INFO *Parameters;
	ULONG ParameterCount;
	PFN_SAMPLE_MODULE_INIT_CLASS InitClass;
	PFN_SAMPLE_MODULE_INIT_INSTANCE InitInstance;
	PFN_SAMPLE_MODULE_CLEANUP Cleanup;
	PFN_SAMPLE_MODULE_HANDLER Handler;
	PFN_SAMPLE_MODULE_VALIDATE_PARAMETER ValidateParameter;
	PFN_SAMPLE_MODULE_QUERY_PARAMETER QueryParameter;
	PFN_SAMPLE_MODULE_PARAMETER_SET ParameterSet;
};

/* One module of an endpoint's list (a filter template). */
typedef struct _SAMPLE_MODULE_TEMPLATE {
	const SAMPLE_MODULE_CLASS *Class;
	const GUID *ProcessingMode; /* NULL: streams of every mode */
	const WCHAR *Name;	    /* at most AUDIOMODULE_MAX_NAME_CCH_SIZE - 1 units */
	ULONG InstanceId;
} SAMPLE_MODULE_TEMPLATE;

/* A module at run time: a filter template or a stream instance. */
typedef struct _SAMPLE_MODULE {
	const SAMPLE_MODULE_TEMPLATE *Template;
	PVOID Context;
	ULONG InstanceId;
	LONG NextCfgInstanceId; /* templates: the last counter given to a stream */
} SAMPLE_MODULE;

/* SYSVAD's three classes (spec §3.4). */
extern const GUID SampleAudioModule0Id;
extern const GUID SampleAudioModule1Id;
extern const GUID SampleAudioModule2Id;
extern const SAMPLE_MODULE_CLASS SampleAudioModule0Class;
extern const SAMPLE_MODULE_CLASS SampleAudioModule1Class;
extern const SAMPLE_MODULE_CLASS SampleAudioModule2Class;

/* The sample's own classes, which send on their own (sample-meter.c, sample-detector.c). */
extern const GUID SampleMeterModuleId;	  /* {6B0F1C3A-7D2E-4A59-B8E1-2C4D5E6F7A81} */
extern const GUID SampleDetectorModuleId; /* {9E3D2C1B-0A4F-4B6E-8D7C-5F1A2B3C4D91} */
extern const SAMPLE_MODULE_CLASS SampleMeterClass;
extern const SAMPLE_MODULE_CLASS SampleDetectorClass;

/* Level meter parameters (ULONG each). */
typedef enum _SAMPLE_METER_PARAMETER {
	SampleMeterRate = 0,		/* per second: 0 (off), 1, 2, 5, 10, 20, 50, 100 */
	SampleMeterSignalFrequency = 1, /* Hz, 1..20000 */
	SampleMeterSignalLevel = 2,	/* tenths of dB below full scale, 0..960 */
} SAMPLE_METER_PARAMETER;

/* Keyword detector parameters (ULONG each). */
typedef enum _SAMPLE_DETECTOR_PARAMETER {
	SampleDetectorInterval = 0,  /* ms between detections: 0 (off) or 100..60000 */
	SampleDetectorTrigger = 1,   /* SET 1: one detection now; GET: detections so far */
	SampleDetectorKeywordId = 2, /* reported in every detection */
} SAMPLE_DETECTOR_PARAMETER;

#define SAMPLE_METER_FREQUENCY_MAX 20000
#define SAMPLE_METER_LEVEL_MAX 960
#define SAMPLE_DETECTOR_INTERVAL_MIN 100
#define SAMPLE_DETECTOR_INTERVAL_MAX 60000

/*
 * The generic pieces the sample's own classes build on (sample-modules.c): SYSVAD's
 * InitClass/InitInstance/Cleanup and the Verb + ParameterId handler with its hooks.
 */
NTSTATUS SampleModule_InitClass(const SAMPLE_MODULE_CLASS *Class, PVOID Context,
				const KSAUDIOMODULE_NOTIFICATION *Header,
				PPORTCLSNOTIFICATIONS PortNotifications,
				struct _SAMPLE_TIMER *Timer);
NTSTATUS SampleModule_InitInstance(const SAMPLE_MODULE_CLASS *Class, PVOID TemplateContext,
				   PVOID Context, ULONG InstanceId);
VOID SampleModule_Cleanup(const SAMPLE_MODULE_CLASS *Class, PVOID Context);
NTSTATUS SampleModule_Handler(const SAMPLE_MODULE_CLASS *Class, PVOID Context, PVOID InBuffer,
			      ULONG InBufferCb, PVOID OutBuffer, PULONG OutBufferCb);

/*
 * Alloc, copy Size bytes of Payload, SendNotification(EventId), Free: the WDK's sequence.
 * Does nothing without PortNotifications or when no buffer can be had (Send has no result on
 * Windows either). Thread: any (PASSIVE_LEVEL on Windows).
 */
VOID SampleModule_SendNotification(PPORTCLSNOTIFICATIONS PortNotifications, const GUID *EventId,
				   const VOID *Payload, USHORT Size);

#endif /* AMOD_SAMPLE_MODULES_H */
