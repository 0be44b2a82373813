/* SPDX-License-Identifier: MIT */
#ifndef AMOD_WDK_KSMEDIA_H
#define AMOD_WDK_KSMEDIA_H

/*
 * ksmedia.h: the audio module property set (KSPROPSETID_AudioModule), its request and reply
 * structures, the module notification header and its event GUID, and the signal processing
 * modes SYSVAD-style drivers attach modules to. Layouts are Windows' on x86 and x64 alike and
 * are checked below.
 */

#include <ks.h>

/* Signal processing modes (a stream's mode decides which modules it instantiates). */
#define STATIC_AUDIO_SIGNALPROCESSINGMODE_DEFAULT                                                  \
	0xC18E2F7EL, 0x933D, 0x4965, 0xB7, 0xD1, 0x1E, 0xEF, 0x22, 0x8D, 0x2A, 0xF3
DEFINE_GUIDSTRUCT("C18E2F7E-933D-4965-B7D1-1EEF228D2AF3", AUDIO_SIGNALPROCESSINGMODE_DEFAULT);
#define AUDIO_SIGNALPROCESSINGMODE_DEFAULT DEFINE_GUIDNAMED(AUDIO_SIGNALPROCESSINGMODE_DEFAULT)

#define STATIC_AUDIO_SIGNALPROCESSINGMODE_MOVIE                                                    \
	0xB26FEB0DL, 0xEC94, 0x477C, 0x94, 0x94, 0xD1, 0xAB, 0x8E, 0x75, 0x3F, 0x6E
DEFINE_GUIDSTRUCT("B26FEB0D-EC94-477C-9494-D1AB8E753F6E", AUDIO_SIGNALPROCESSINGMODE_MOVIE);
#define AUDIO_SIGNALPROCESSINGMODE_MOVIE DEFINE_GUIDNAMED(AUDIO_SIGNALPROCESSINGMODE_MOVIE)

/* Voice activation: keyword detections are sent through SendNotification with this id. */
#define STATIC_KSNOTIFICATIONID_SoundDetector                                                      \
	0x6389D844L, 0xBB32, 0x4C4C, 0xA8, 0x02, 0xF4, 0xB4, 0xB7, 0x7A, 0xFE, 0xAD
DEFINE_GUIDSTRUCT("6389D844-BB32-4C4C-A802-F4B4B77AFEAD", KSNOTIFICATIONID_SoundDetector);
#define KSNOTIFICATIONID_SoundDetector DEFINE_GUIDNAMED(KSNOTIFICATIONID_SoundDetector)

/* Audio modules: the property set, addressed to a filter (device) or a pin (stream). */
#define STATIC_KSPROPSETID_AudioModule                                                             \
	0xC034FDB0L, 0xFF75, 0x47C8, 0xAA, 0x3C, 0xEE, 0x46, 0x71, 0x6B, 0x50, 0xC6
DEFINE_GUIDSTRUCT("C034FDB0-FF75-47C8-AA3C-EE46716B50C6", KSPROPSETID_AudioModule);
#define KSPROPSETID_AudioModule DEFINE_GUIDNAMED(KSPROPSETID_AudioModule)

/* All three are GET-only; there is no property 0. */
typedef enum KSPROPERTY_AUDIOMODULE {
	KSPROPERTY_AUDIOMODULE_DESCRIPTORS = 1,
	KSPROPERTY_AUDIOMODULE_COMMAND = 2,
	KSPROPERTY_AUDIOMODULE_NOTIFICATION_DEVICE_ID = 3,
} KSPROPERTY_AUDIOMODULE;

/* The event GUID of module notifications (SendNotification's NotificationId). */
#define STATIC_KSNOTIFICATIONID_AudioModule                                                        \
	0x9C2220F0L, 0xD9A6, 0x4D5C, 0xA0, 0x36, 0x57, 0x38, 0x57, 0xFD, 0x50, 0xD2
DEFINE_GUIDSTRUCT("9C2220F0-D9A6-4D5C-A036-573857FD50D2", KSNOTIFICATIONID_AudioModule);
#define KSNOTIFICATIONID_AudioModule DEFINE_GUIDNAMED(KSNOTIFICATIONID_AudioModule)

/* Largest vendor command/result data; module names count UTF-16 units including the NUL. */
#define AUDIOMODULE_MAX_DATA_SIZE 64000
#define AUDIOMODULE_MAX_NAME_CCH_SIZE 128

/* One element of the DESCRIPTORS reply (a KSMULTIPLE_ITEM followed by Count of these). */
typedef struct _KSAUDIOMODULE_DESCRIPTOR {
	GUID ClassId;
	ULONG InstanceId;
	ULONG VersionMajor;
	ULONG VersionMinor;
	WCHAR Name[AUDIOMODULE_MAX_NAME_CCH_SIZE];
} KSAUDIOMODULE_DESCRIPTOR, *PKSAUDIOMODULE_DESCRIPTOR;

AMOD_WDK_STATIC_ASSERT(sizeof(KSAUDIOMODULE_DESCRIPTOR) == 284,
		       "KSAUDIOMODULE_DESCRIPTOR is 284 bytes");
AMOD_WDK_STATIC_ASSERT(AMOD_WDK_ALIGNOF(KSAUDIOMODULE_DESCRIPTOR) == 4,
		       "KSAUDIOMODULE_DESCRIPTOR is 4-byte aligned");
AMOD_WDK_STATIC_ASSERT(offsetof(KSAUDIOMODULE_DESCRIPTOR, ClassId) == 0,
		       "KSAUDIOMODULE_DESCRIPTOR.ClassId");
AMOD_WDK_STATIC_ASSERT(offsetof(KSAUDIOMODULE_DESCRIPTOR, InstanceId) == 16,
		       "KSAUDIOMODULE_DESCRIPTOR.InstanceId");
AMOD_WDK_STATIC_ASSERT(offsetof(KSAUDIOMODULE_DESCRIPTOR, VersionMajor) == 20,
		       "KSAUDIOMODULE_DESCRIPTOR.VersionMajor");
AMOD_WDK_STATIC_ASSERT(offsetof(KSAUDIOMODULE_DESCRIPTOR, VersionMinor) == 24,
		       "KSAUDIOMODULE_DESCRIPTOR.VersionMinor");
AMOD_WDK_STATIC_ASSERT(offsetof(KSAUDIOMODULE_DESCRIPTOR, Name) == 28,
		       "KSAUDIOMODULE_DESCRIPTOR.Name");
AMOD_WDK_STATIC_ASSERT(sizeof(((KSAUDIOMODULE_DESCRIPTOR *)0)->Name) == 256,
		       "KSAUDIOMODULE_DESCRIPTOR.Name is 128 UTF-16 units");

/*
 * The COMMAND request: the property, then the module's address. The vendor command bytes
 * follow at offset 48 (after the tail padding). The WDK documentation also spells the pointer
 * type PKSPAUDIOMODULE_PROPERTY (after the structure tag); both names are provided.
 */
typedef struct _KSPAUDIOMODULE_PROPERTY {
	KSPROPERTY Property;
	GUID ClassId;
	ULONG InstanceId;
} KSAUDIOMODULE_PROPERTY, *PKSAUDIOMODULE_PROPERTY;
typedef KSAUDIOMODULE_PROPERTY *PKSPAUDIOMODULE_PROPERTY;

AMOD_WDK_STATIC_ASSERT(sizeof(KSAUDIOMODULE_PROPERTY) == 48, "KSAUDIOMODULE_PROPERTY is 48 bytes");
AMOD_WDK_STATIC_ASSERT(AMOD_WDK_ALIGNOF(KSAUDIOMODULE_PROPERTY) == 8,
		       "KSAUDIOMODULE_PROPERTY is 8-byte aligned");
AMOD_WDK_STATIC_ASSERT(offsetof(KSAUDIOMODULE_PROPERTY, Property) == 0,
		       "KSAUDIOMODULE_PROPERTY.Property");
AMOD_WDK_STATIC_ASSERT(offsetof(KSAUDIOMODULE_PROPERTY, ClassId) == 24,
		       "KSAUDIOMODULE_PROPERTY.ClassId");
AMOD_WDK_STATIC_ASSERT(offsetof(KSAUDIOMODULE_PROPERTY, InstanceId) == 40,
		       "KSAUDIOMODULE_PROPERTY.InstanceId");

/*
 * The header every KSNOTIFICATIONID_AudioModule payload starts with; vendor bytes follow at
 * offset 40. DeviceId must be the GUID the sending filter answers for
 * KSPROPERTY_AUDIOMODULE_NOTIFICATION_DEVICE_ID. Notification buffers are only guaranteed
 * 4-byte aligned on Windows: build the header in a local and copy it in.
 */
typedef struct _KSAUDIOMODULE_NOTIFICATION {
	AMOD_WDK_ANONYMOUS union {
		struct {
			GUID DeviceId;
			GUID ClassId;
			ULONG InstanceId;
			ULONG Reserved;
		} ProviderId;
		AMOD_WDK_ALIGNAS(8) LONGLONG Alignment;
	};
} KSAUDIOMODULE_NOTIFICATION, *PKSAUDIOMODULE_NOTIFICATION;

AMOD_WDK_STATIC_ASSERT(sizeof(KSAUDIOMODULE_NOTIFICATION) == 40,
		       "KSAUDIOMODULE_NOTIFICATION is 40 bytes");
AMOD_WDK_STATIC_ASSERT(AMOD_WDK_ALIGNOF(KSAUDIOMODULE_NOTIFICATION) == 8,
		       "KSAUDIOMODULE_NOTIFICATION is 8-byte aligned");
AMOD_WDK_STATIC_ASSERT(offsetof(KSAUDIOMODULE_NOTIFICATION, ProviderId.DeviceId) == 0,
		       "KSAUDIOMODULE_NOTIFICATION.ProviderId.DeviceId");
AMOD_WDK_STATIC_ASSERT(offsetof(KSAUDIOMODULE_NOTIFICATION, ProviderId.ClassId) == 16,
		       "KSAUDIOMODULE_NOTIFICATION.ProviderId.ClassId");
AMOD_WDK_STATIC_ASSERT(offsetof(KSAUDIOMODULE_NOTIFICATION, ProviderId.InstanceId) == 32,
		       "KSAUDIOMODULE_NOTIFICATION.ProviderId.InstanceId");
AMOD_WDK_STATIC_ASSERT(offsetof(KSAUDIOMODULE_NOTIFICATION, ProviderId.Reserved) == 36,
		       "KSAUDIOMODULE_NOTIFICATION.ProviderId.Reserved");
AMOD_WDK_STATIC_ASSERT(offsetof(KSAUDIOMODULE_NOTIFICATION, Alignment) == 0,
		       "KSAUDIOMODULE_NOTIFICATION.Alignment");

#endif /* AMOD_WDK_KSMEDIA_H */
