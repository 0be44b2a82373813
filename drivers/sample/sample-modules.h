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

typedef enum _SAMPLE_MODULE_NOTIFICATION_TYPE {
	SampleModuleParameterChanged = 0,
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
 * header, PortNotifications the miniport's interface (may be NULL; AddRef it to keep it).
 */
typedef NTSTATUS (*PFN_SAMPLE_MODULE_INIT_CLASS)(const SAMPLE_MODULE_CLASS *Class, PVOID Context,
						 const KSAUDIOMODULE_NOTIFICATION *Header,
						 PPORTCLSNOTIFICATIONS PortNotifications);
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

/*
 * Alloc, copy Size bytes of Payload, SendNotification(EventId), Free: the WDK's sequence.
 * Does nothing without PortNotifications or when no buffer can be had (Send has no result on
 * Windows either). Thread: any (PASSIVE_LEVEL on Windows).
 */
VOID SampleModule_SendNotification(PPORTCLSNOTIFICATIONS PortNotifications, const GUID *EventId,
				   const VOID *Payload, USHORT Size);

#endif /* AMOD_SAMPLE_MODULES_H */
