/* SPDX-License-Identifier: MIT */
/*
 * The WDK face's binary contract, value by value: layouts (spec §2.3, §7.1), GUID bytes as
 * libamod exports them, status codes, constants, vtable slots, and the small runtime helpers
 * whose Windows semantics differ from the obvious C ones (RtlCompareMemory, ntintsafe,
 * ntstrsafe). Expected values are written out literally, never derived from the headers.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <portcls.h>
#include <ntintsafe.h>
#include <ntstrsafe.h>
#include <amodwdk.h>

#define PTR ((size_t)sizeof(void *))

/* Builds a GUID from a STATIC_ list, with all braces (no brace elision warnings). */
#define GUID_FROM_STATIC_(l, w1, w2, b1, b2, b3, b4, b5, b6, b7, b8)                               \
	{ (l), (w1), (w2), { (b1), (b2), (b3), (b4), (b5), (b6), (b7), (b8) } }
#define GUID_FROM_STATIC(...) GUID_FROM_STATIC_(__VA_ARGS__)

static void test_guid_layout(void **state)
{
	(void)state;
	assert_int_equal(sizeof(GUID), 16);
	assert_int_equal(_Alignof(GUID), 4);
	assert_int_equal(offsetof(GUID, Data1), 0);
	assert_int_equal(offsetof(GUID, Data2), 4);
	assert_int_equal(offsetof(GUID, Data3), 6);
	assert_int_equal(offsetof(GUID, Data4), 8);
}

static void test_guid_fields_are_little_endian(void **state)
{
	static const GUID g = { 0x01020304, 0x0506, 0x0708, { 9, 10, 11, 12, 13, 14, 15, 16 } };
	static const uint8_t bytes[16] = { 4, 3, 2, 1, 6, 5, 8, 7, 9, 10, 11, 12, 13, 14, 15, 16 };

	(void)state;
	assert_memory_equal(&g, bytes, 16);
}

static void test_ksproperty_layout(void **state)
{
	(void)state;
	assert_int_equal(sizeof(KSPROPERTY), 24);
	assert_int_equal(_Alignof(KSPROPERTY), 8);
	assert_int_equal(offsetof(KSPROPERTY, Set), 0);
	assert_int_equal(offsetof(KSPROPERTY, Id), 16);
	assert_int_equal(offsetof(KSPROPERTY, Flags), 20);
	assert_int_equal(offsetof(KSPROPERTY, Alignment), 0);
	assert_int_equal(sizeof(KSMETHOD), 24);
	assert_int_equal(sizeof(KSEVENT), 24);
}

static void test_ksaudiomodule_property_layout(void **state)
{
	(void)state;
	assert_int_equal(sizeof(KSAUDIOMODULE_PROPERTY), 48);
	assert_int_equal(_Alignof(KSAUDIOMODULE_PROPERTY), 8);
	assert_int_equal(offsetof(KSAUDIOMODULE_PROPERTY, Property), 0);
	assert_int_equal(offsetof(KSAUDIOMODULE_PROPERTY, ClassId), 24);
	assert_int_equal(offsetof(KSAUDIOMODULE_PROPERTY, InstanceId), 40);
	assert_int_equal(sizeof(*(PKSPAUDIOMODULE_PROPERTY)NULL), 48);
	assert_int_equal(sizeof(*(PKSAUDIOMODULE_PROPERTY)NULL), 48);
}

static void test_ksaudiomodule_descriptor_layout(void **state)
{
	(void)state;
	assert_int_equal(sizeof(KSAUDIOMODULE_DESCRIPTOR), 284);
	assert_int_equal(_Alignof(KSAUDIOMODULE_DESCRIPTOR), 4);
	assert_int_equal(offsetof(KSAUDIOMODULE_DESCRIPTOR, ClassId), 0);
	assert_int_equal(offsetof(KSAUDIOMODULE_DESCRIPTOR, InstanceId), 16);
	assert_int_equal(offsetof(KSAUDIOMODULE_DESCRIPTOR, VersionMajor), 20);
	assert_int_equal(offsetof(KSAUDIOMODULE_DESCRIPTOR, VersionMinor), 24);
	assert_int_equal(offsetof(KSAUDIOMODULE_DESCRIPTOR, Name), 28);
	assert_int_equal(RTL_FIELD_SIZE(KSAUDIOMODULE_DESCRIPTOR, Name), 256);
	assert_int_equal(sizeof(WCHAR), 2);
}

static void test_ksaudiomodule_notification_layout(void **state)
{
	(void)state;
	assert_int_equal(sizeof(KSAUDIOMODULE_NOTIFICATION), 40);
	assert_int_equal(_Alignof(KSAUDIOMODULE_NOTIFICATION), 8);
	assert_int_equal(offsetof(KSAUDIOMODULE_NOTIFICATION, ProviderId.DeviceId), 0);
	assert_int_equal(offsetof(KSAUDIOMODULE_NOTIFICATION, ProviderId.ClassId), 16);
	assert_int_equal(offsetof(KSAUDIOMODULE_NOTIFICATION, ProviderId.InstanceId), 32);
	assert_int_equal(offsetof(KSAUDIOMODULE_NOTIFICATION, ProviderId.Reserved), 36);
	assert_int_equal(offsetof(KSAUDIOMODULE_NOTIFICATION, Alignment), 0);
}

static void test_ksmultiple_item_layout(void **state)
{
	(void)state;
	assert_int_equal(sizeof(KSMULTIPLE_ITEM), 8);
	assert_int_equal(offsetof(KSMULTIPLE_ITEM, Size), 0);
	assert_int_equal(offsetof(KSMULTIPLE_ITEM, Count), 4);
}

static void test_ksproperty_description_layout(void **state)
{
	(void)state;
	assert_int_equal(sizeof(KSPROPERTY_DESCRIPTION), 40);
	assert_int_equal(offsetof(KSPROPERTY_DESCRIPTION, AccessFlags), 0);
	assert_int_equal(offsetof(KSPROPERTY_DESCRIPTION, DescriptionSize), 4);
	assert_int_equal(offsetof(KSPROPERTY_DESCRIPTION, PropTypeSet), 8);
	assert_int_equal(offsetof(KSPROPERTY_DESCRIPTION, MembersListCount), 32);
	assert_int_equal(offsetof(KSPROPERTY_DESCRIPTION, Reserved), 36);
}

static void test_ksproperty_membersheader_layout(void **state)
{
	(void)state;
	assert_int_equal(sizeof(KSPROPERTY_MEMBERSHEADER), 16);
	assert_int_equal(offsetof(KSPROPERTY_MEMBERSHEADER, MembersFlags), 0);
	assert_int_equal(offsetof(KSPROPERTY_MEMBERSHEADER, MembersSize), 4);
	assert_int_equal(offsetof(KSPROPERTY_MEMBERSHEADER, MembersCount), 8);
	assert_int_equal(offsetof(KSPROPERTY_MEMBERSHEADER, Flags), 12);
}

/* Pointer-sized fields make these differ between x86 and x64, exactly as with MSVC. */
static void test_pcproperty_request_layout(void **state)
{
	(void)state;
	assert_int_equal(offsetof(PCPROPERTY_REQUEST, MajorTarget), 0);
	assert_int_equal(offsetof(PCPROPERTY_REQUEST, MinorTarget), PTR);
	assert_int_equal(offsetof(PCPROPERTY_REQUEST, Node), 2 * PTR);
	if (PTR == 8) {
		assert_int_equal(offsetof(PCPROPERTY_REQUEST, PropertyItem), 24);
		assert_int_equal(offsetof(PCPROPERTY_REQUEST, Verb), 32);
		assert_int_equal(offsetof(PCPROPERTY_REQUEST, InstanceSize), 36);
		assert_int_equal(offsetof(PCPROPERTY_REQUEST, Instance), 40);
		assert_int_equal(offsetof(PCPROPERTY_REQUEST, ValueSize), 48);
		assert_int_equal(offsetof(PCPROPERTY_REQUEST, Value), 56);
		assert_int_equal(offsetof(PCPROPERTY_REQUEST, Irp), 64);
		assert_int_equal(sizeof(PCPROPERTY_REQUEST), 72);
	} else {
		assert_int_equal(offsetof(PCPROPERTY_REQUEST, PropertyItem), 12);
		assert_int_equal(offsetof(PCPROPERTY_REQUEST, Verb), 16);
		assert_int_equal(offsetof(PCPROPERTY_REQUEST, InstanceSize), 20);
		assert_int_equal(offsetof(PCPROPERTY_REQUEST, Instance), 24);
		assert_int_equal(offsetof(PCPROPERTY_REQUEST, ValueSize), 28);
		assert_int_equal(offsetof(PCPROPERTY_REQUEST, Value), 32);
		assert_int_equal(offsetof(PCPROPERTY_REQUEST, Irp), 36);
		assert_int_equal(sizeof(PCPROPERTY_REQUEST), 40);
	}
}

static void test_pcproperty_item_layout(void **state)
{
	(void)state;
	assert_int_equal(offsetof(PCPROPERTY_ITEM, Set), 0);
	assert_int_equal(offsetof(PCPROPERTY_ITEM, Id), PTR);
	assert_int_equal(offsetof(PCPROPERTY_ITEM, Flags), PTR + 4);
	assert_int_equal(offsetof(PCPROPERTY_ITEM, Handler), PTR + 8);
	assert_int_equal(sizeof(PCPROPERTY_ITEM), PTR == 8 ? 24 : 16);
	assert_int_equal(sizeof(PCMETHOD_ITEM), sizeof(PCPROPERTY_ITEM));
	assert_int_equal(sizeof(PCEVENT_ITEM), sizeof(PCPROPERTY_ITEM));
}

static void test_pcautomation_table_layout(void **state)
{
	(void)state;
	assert_int_equal(offsetof(PCAUTOMATION_TABLE, PropertyItemSize), 0);
	assert_int_equal(offsetof(PCAUTOMATION_TABLE, PropertyCount), 4);
	assert_int_equal(offsetof(PCAUTOMATION_TABLE, Properties), 8);
	if (PTR == 8) {
		assert_int_equal(offsetof(PCAUTOMATION_TABLE, MethodItemSize), 16);
		assert_int_equal(offsetof(PCAUTOMATION_TABLE, MethodCount), 20);
		assert_int_equal(offsetof(PCAUTOMATION_TABLE, Methods), 24);
		assert_int_equal(offsetof(PCAUTOMATION_TABLE, EventItemSize), 32);
		assert_int_equal(offsetof(PCAUTOMATION_TABLE, EventCount), 36);
		assert_int_equal(offsetof(PCAUTOMATION_TABLE, Events), 40);
		assert_int_equal(offsetof(PCAUTOMATION_TABLE, Reserved), 48);
		assert_int_equal(sizeof(PCAUTOMATION_TABLE), 56);
	} else {
		assert_int_equal(offsetof(PCAUTOMATION_TABLE, MethodItemSize), 12);
		assert_int_equal(offsetof(PCAUTOMATION_TABLE, MethodCount), 16);
		assert_int_equal(offsetof(PCAUTOMATION_TABLE, Methods), 20);
		assert_int_equal(offsetof(PCAUTOMATION_TABLE, EventItemSize), 24);
		assert_int_equal(offsetof(PCAUTOMATION_TABLE, EventCount), 28);
		assert_int_equal(offsetof(PCAUTOMATION_TABLE, Events), 32);
		assert_int_equal(offsetof(PCAUTOMATION_TABLE, Reserved), 36);
		assert_int_equal(sizeof(PCAUTOMATION_TABLE), 40);
	}
}

static void test_pcnotification_buffer_layout(void **state)
{
	(void)state;
	/* The returned pointer is the payload itself: no visible header. */
	assert_int_equal(offsetof(PCNOTIFICATION_BUFFER, NotificationBuffer), 0);
	assert_int_equal(sizeof(PCNOTIFICATION_BUFFER), 1);
}

static void test_amod_miniport_registration_layout(void **state)
{
	(void)state;
	assert_int_equal(offsetof(AMOD_MINIPORT_REGISTRATION, Size), 0);
	assert_int_equal(offsetof(AMOD_MINIPORT_REGISTRATION, MajorTarget), PTR);
	assert_int_equal(offsetof(AMOD_MINIPORT_REGISTRATION, FilterAutomationTable), 2 * PTR);
	assert_int_equal(offsetof(AMOD_MINIPORT_REGISTRATION, PinAutomationTable), 3 * PTR);
	assert_int_equal(offsetof(AMOD_MINIPORT_REGISTRATION, NewStream), 4 * PTR);
	assert_int_equal(offsetof(AMOD_MINIPORT_REGISTRATION, Context), 5 * PTR);
	assert_int_equal(sizeof(AMOD_MINIPORT_REGISTRATION), 6 * PTR);
}

static void test_portclsnotifications_vtbl_slots(void **state)
{
	(void)state;
	assert_int_equal(offsetof(IPortClsNotificationsVtbl, QueryInterface), 0 * PTR);
	assert_int_equal(offsetof(IPortClsNotificationsVtbl, AddRef), 1 * PTR);
	assert_int_equal(offsetof(IPortClsNotificationsVtbl, Release), 2 * PTR);
	assert_int_equal(offsetof(IPortClsNotificationsVtbl, AllocNotificationBuffer), 3 * PTR);
	assert_int_equal(offsetof(IPortClsNotificationsVtbl, FreeNotificationBuffer), 4 * PTR);
	assert_int_equal(offsetof(IPortClsNotificationsVtbl, SendNotification), 5 * PTR);
	assert_int_equal(sizeof(IPortClsNotificationsVtbl), 6 * PTR);
	assert_int_equal(offsetof(IPortClsNotifications, lpVtbl), 0);
}

static void test_unknown_vtbl_slots(void **state)
{
	(void)state;
	assert_int_equal(offsetof(IUnknownVtbl, QueryInterface), 0 * PTR);
	assert_int_equal(offsetof(IUnknownVtbl, AddRef), 1 * PTR);
	assert_int_equal(offsetof(IUnknownVtbl, Release), 2 * PTR);
	assert_int_equal(sizeof(IUnknownVtbl), 3 * PTR);
	assert_int_equal(offsetof(IUnknown, lpVtbl), 0);
}

/* GUIDs: the bytes of the objects libamod exports, then the STATIC_ lists. */
static const uint8_t ksprop_audiomodule_bytes[16] = { 0xB0, 0xFD, 0x34, 0xC0, 0x75, 0xFF,
						      0xC8, 0x47, 0xAA, 0x3C, 0xEE, 0x46,
						      0x71, 0x6B, 0x50, 0xC6 };
static const uint8_t iid_portclsnotifications_bytes[16] = { 0xE2, 0x2C, 0x09, 0x1E, 0x25, 0xDB,
							    0x3B, 0x48, 0x84, 0x46, 0xB0, 0x96,
							    0x12, 0x15, 0x25, 0x8B };
static const uint8_t ksnotif_audiomodule_bytes[16] = { 0xF0, 0x20, 0x22, 0x9C, 0xA6, 0xD9,
						       0x5C, 0x4D, 0xA0, 0x36, 0x57, 0x38,
						       0x57, 0xFD, 0x50, 0xD2 };
static const uint8_t ksnotif_sounddetector_bytes[16] = { 0x44, 0xD8, 0x89, 0x63, 0x32, 0xBB,
							 0x4C, 0x4C, 0xA8, 0x02, 0xF4, 0xB4,
							 0xB7, 0x7A, 0xFE, 0xAD };
static const uint8_t ksproptype_general_bytes[16] = { 0xA0, 0x9B, 0xE9, 0x97, 0xEA, 0xBD,
						      0xCF, 0x11, 0xA5, 0xD6, 0x28, 0xDB,
						      0x04, 0xC1, 0x00, 0x00 };
static const uint8_t mode_default_bytes[16] = { 0x7E, 0x2F, 0x8E, 0xC1, 0x3D, 0x93, 0x65, 0x49,
						0xB7, 0xD1, 0x1E, 0xEF, 0x22, 0x8D, 0x2A, 0xF3 };
static const uint8_t mode_movie_bytes[16] = { 0x0D, 0xEB, 0x6F, 0xB2, 0x94, 0xEC, 0x7C, 0x47,
					      0x94, 0x94, 0xD1, 0xAB, 0x8E, 0x75, 0x3F, 0x6E };
static const uint8_t iid_unknown_bytes[16] = { 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
					       0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46 };
static const uint8_t guid_null_bytes[16] = { 0 };

static void test_ksprop_audiomodule_guid_bytes(void **state)
{
	static const GUID from_static = GUID_FROM_STATIC(STATIC_KSPROPSETID_AudioModule);

	(void)state;
	assert_memory_equal(&KSPROPSETID_AudioModule, ksprop_audiomodule_bytes, 16);
	assert_memory_equal(&from_static, ksprop_audiomodule_bytes, 16);
}

static void test_iid_portclsnotifications_guid_bytes(void **state)
{
	(void)state;
	assert_memory_equal(&IID_IPortClsNotifications, iid_portclsnotifications_bytes, 16);
}

static void test_ksnotification_audiomodule_guid_bytes(void **state)
{
	static const GUID from_static = GUID_FROM_STATIC(STATIC_KSNOTIFICATIONID_AudioModule);

	(void)state;
	assert_memory_equal(&KSNOTIFICATIONID_AudioModule, ksnotif_audiomodule_bytes, 16);
	assert_memory_equal(&from_static, ksnotif_audiomodule_bytes, 16);
}

static void test_ksnotification_sounddetector_guid_bytes(void **state)
{
	static const GUID from_static = GUID_FROM_STATIC(STATIC_KSNOTIFICATIONID_SoundDetector);

	(void)state;
	assert_memory_equal(&KSNOTIFICATIONID_SoundDetector, ksnotif_sounddetector_bytes, 16);
	assert_memory_equal(&from_static, ksnotif_sounddetector_bytes, 16);
}

static void test_ksproptype_general_guid_bytes(void **state)
{
	static const GUID from_static = GUID_FROM_STATIC(STATIC_KSPROPTYPESETID_General);

	(void)state;
	assert_memory_equal(&KSPROPTYPESETID_General, ksproptype_general_bytes, 16);
	assert_memory_equal(&from_static, ksproptype_general_bytes, 16);
}

static void test_mode_default_guid_bytes(void **state)
{
	static const GUID from_static = GUID_FROM_STATIC(STATIC_AUDIO_SIGNALPROCESSINGMODE_DEFAULT);

	(void)state;
	assert_memory_equal(&AUDIO_SIGNALPROCESSINGMODE_DEFAULT, mode_default_bytes, 16);
	assert_memory_equal(&from_static, mode_default_bytes, 16);
}

static void test_mode_movie_guid_bytes(void **state)
{
	static const GUID from_static = GUID_FROM_STATIC(STATIC_AUDIO_SIGNALPROCESSINGMODE_MOVIE);

	(void)state;
	assert_memory_equal(&AUDIO_SIGNALPROCESSINGMODE_MOVIE, mode_movie_bytes, 16);
	assert_memory_equal(&from_static, mode_movie_bytes, 16);
}

static void test_iid_unknown_guid_bytes(void **state)
{
	(void)state;
	assert_memory_equal(&IID_IUnknown, iid_unknown_bytes, 16);
}

static void test_guid_null_guid_bytes(void **state)
{
	static const GUID from_static = GUID_FROM_STATIC(STATIC_GUID_NULL);

	(void)state;
	assert_memory_equal(&GUID_NULL, guid_null_bytes, 16);
	assert_memory_equal(&from_static, guid_null_bytes, 16);
}

static void test_status_values(void **state)
{
	(void)state;
	assert_int_equal(sizeof(NTSTATUS), 4);
	assert_true((NTSTATUS)-1 < 0);
	assert_int_equal((uint32_t)STATUS_SUCCESS, 0x00000000u);
	assert_int_equal((uint32_t)STATUS_BUFFER_OVERFLOW, 0x80000005u);
	assert_int_equal((uint32_t)STATUS_UNSUCCESSFUL, 0xC0000001u);
	assert_int_equal((uint32_t)STATUS_NOT_IMPLEMENTED, 0xC0000002u);
	assert_int_equal((uint32_t)STATUS_INVALID_PARAMETER, 0xC000000Du);
	assert_int_equal((uint32_t)STATUS_INVALID_DEVICE_REQUEST, 0xC0000010u);
	assert_int_equal((uint32_t)STATUS_ACCESS_DENIED, 0xC0000022u);
	assert_int_equal((uint32_t)STATUS_BUFFER_TOO_SMALL, 0xC0000023u);
	assert_int_equal((uint32_t)STATUS_INTEGER_OVERFLOW, 0xC0000095u);
	assert_int_equal((uint32_t)STATUS_INSUFFICIENT_RESOURCES, 0xC000009Au);
	assert_int_equal((uint32_t)STATUS_INTERNAL_ERROR, 0xC00000E5u);
	assert_int_equal((uint32_t)STATUS_INVALID_DEVICE_STATE, 0xC0000184u);
	assert_int_equal((uint32_t)STATUS_INVALID_BUFFER_SIZE, 0xC0000206u);
	assert_int_equal((uint32_t)STATUS_NOT_FOUND, 0xC0000225u);
	assert_int_equal((uint32_t)STATUS_NOINTERFACE, 0xC00002B9u);
}

/* The codes compare as NTSTATUS, e.g. against a value read back from a 32-bit field. */
static void test_status_compares_with_ntstatus_values(void **state)
{
	NTSTATUS read_back = (NTSTATUS)0xC0000023u;

	(void)state;
	assert_true(read_back == STATUS_BUFFER_TOO_SMALL);
	assert_true(STATUS_INVALID_PARAMETER < 0);
}

static void test_nt_success_accepts_success_and_informational(void **state)
{
	(void)state;
	assert_true(NT_SUCCESS(STATUS_SUCCESS));
	assert_true(NT_SUCCESS((NTSTATUS)0x00000103)); /* STATUS_PENDING */
	assert_true(NT_SUCCESS((NTSTATUS)0x40000000));
}

static void test_nt_success_rejects_warnings_and_errors(void **state)
{
	(void)state;
	assert_false(NT_SUCCESS(STATUS_BUFFER_OVERFLOW));
	assert_false(NT_SUCCESS(STATUS_INVALID_PARAMETER));
	assert_false(NT_SUCCESS(0xC0000023u));
}

static void test_ksproperty_type_values(void **state)
{
	(void)state;
	assert_int_equal(KSPROPERTY_TYPE_GET, 0x00000001);
	assert_int_equal(KSPROPERTY_TYPE_SET, 0x00000002);
	assert_int_equal(KSPROPERTY_TYPE_GETPAYLOADSIZE, 0x00000004);
	assert_int_equal(KSPROPERTY_TYPE_SETSUPPORT, 0x00000100);
	assert_int_equal(KSPROPERTY_TYPE_BASICSUPPORT, 0x00000200);
	assert_int_equal(KSPROPERTY_TYPE_RELATIONS, 0x00000400);
	assert_int_equal(KSPROPERTY_TYPE_SERIALIZESET, 0x00000800);
	assert_int_equal(KSPROPERTY_TYPE_UNSERIALIZESET, 0x00001000);
	assert_int_equal(KSPROPERTY_TYPE_SERIALIZERAW, 0x00002000);
	assert_int_equal(KSPROPERTY_TYPE_UNSERIALIZERAW, 0x00004000);
	assert_int_equal(KSPROPERTY_TYPE_SERIALIZESIZE, 0x00008000);
	assert_int_equal(KSPROPERTY_TYPE_DEFAULTVALUES, 0x00010000);
	assert_int_equal(KSPROPERTY_TYPE_HIGHPRIORITY, 0x08000000);
	assert_int_equal(KSPROPERTY_TYPE_TOPOLOGY, 0x10000000);
	assert_int_equal(KSPROPERTY_TYPE_FSFILTERSCOPE, 0x40000000);
	assert_int_equal(KSPROPERTY_TYPE_COPYPAYLOAD, 0x80000000u);
}

static void test_pcproperty_item_flag_values(void **state)
{
	(void)state;
	assert_int_equal(PCPROPERTY_ITEM_FLAG_GET, 0x00000001);
	assert_int_equal(PCPROPERTY_ITEM_FLAG_SET, 0x00000002);
	assert_int_equal(PCPROPERTY_ITEM_FLAG_BASICSUPPORT, 0x00000200);
	assert_int_equal(PCPROPERTY_ITEM_FLAG_SERIALIZERAW, 0x00002000);
	assert_int_equal(PCPROPERTY_ITEM_FLAG_UNSERIALIZERAW, 0x00004000);
	assert_int_equal(PCPROPERTY_ITEM_FLAG_SERIALIZESIZE, 0x00008000);
	assert_int_equal(PCPROPERTY_ITEM_FLAG_SERIALIZE, 0x0000E000);
	assert_int_equal(PCPROPERTY_ITEM_FLAG_DEFAULTVALUES, 0x00010000);
	assert_int_equal(PCFILTER_NODE, 0xFFFFFFFFu);
}

static void test_ksproperty_member_values(void **state)
{
	(void)state;
	assert_int_equal(KSPROPERTY_MEMBER_RANGES, 1);
	assert_int_equal(KSPROPERTY_MEMBER_STEPPEDRANGES, 2);
	assert_int_equal(KSPROPERTY_MEMBER_VALUES, 3);
	assert_int_equal(KSPROPERTY_MEMBER_FLAG_DEFAULT, 1);
	assert_int_equal(KSPROPERTY_MEMBER_FLAG_BASICSUPPORT_MULTICHANNEL, 2);
	assert_int_equal(KSPROPERTY_MEMBER_FLAG_BASICSUPPORT_UNIFORM, 4);
}

static void test_audiomodule_property_ids(void **state)
{
	(void)state;
	assert_int_equal(KSPROPERTY_AUDIOMODULE_DESCRIPTORS, 1);
	assert_int_equal(KSPROPERTY_AUDIOMODULE_COMMAND, 2);
	assert_int_equal(KSPROPERTY_AUDIOMODULE_NOTIFICATION_DEVICE_ID, 3);
}

static void test_audiomodule_constants(void **state)
{
	(void)state;
	assert_int_equal(AUDIOMODULE_MAX_DATA_SIZE, 64000);
	assert_int_equal(AUDIOMODULE_MAX_NAME_CCH_SIZE, 128);
}

static void test_ioctl_ks_property_value(void **state)
{
	(void)state;
	assert_int_equal(FILE_DEVICE_KS, 0x2F);
	assert_int_equal(METHOD_NEITHER, 3);
	assert_int_equal(FILE_ANY_ACCESS, 0);
	assert_int_equal(IOCTL_KS_PROPERTY, 0x002F0003);
	assert_int_equal(IOCTL_KS_METHOD, 0x002F000F);
}

static void test_pool_type_values(void **state)
{
	(void)state;
	assert_int_equal(NonPagedPool, 0);
	assert_int_equal(NonPagedPoolExecute, 0);
	assert_int_equal(PagedPool, 1);
	assert_int_equal(NonPagedPoolMustSucceed, 2);
	assert_int_equal(DontUseThisType, 3);
	assert_int_equal(NonPagedPoolCacheAligned, 4);
	assert_int_equal(PagedPoolCacheAligned, 5);
	assert_int_equal(NonPagedPoolCacheAlignedMustS, 6);
	assert_int_equal(MaxPoolType, 7);
	assert_int_equal(NonPagedPoolSession, 32);
	assert_int_equal(PagedPoolSession, 33);
	assert_int_equal(NonPagedPoolCacheAlignedMustSSession, 38);
	assert_int_equal(NonPagedPoolNx, 512);
	assert_int_equal(NonPagedPoolNxCacheAligned, 516);
	assert_int_equal(NonPagedPoolSessionNx, 544);
	/* The enum travels by value through AllocNotificationBuffer. */
	assert_int_equal(sizeof(POOL_TYPE), 4);
}

static void test_pool_flag_values(void **state)
{
	(void)state;
	assert_int_equal(sizeof(POOL_FLAGS), 8);
	assert_int_equal(POOL_FLAG_UNINITIALIZED, 0x2);
	assert_int_equal(POOL_FLAG_CACHE_ALIGNED, 0x8);
	assert_int_equal(POOL_FLAG_NON_PAGED, 0x40);
	assert_int_equal(POOL_FLAG_NON_PAGED_EXECUTE, 0x80);
	assert_int_equal(POOL_FLAG_PAGED, 0x100);
}

static void test_varenum_values(void **state)
{
	(void)state;
	assert_int_equal(VT_EMPTY, 0);
	assert_int_equal(VT_I2, 2);
	assert_int_equal(VT_I4, 3);
	assert_int_equal(VT_BOOL, 11);
	assert_int_equal(VT_I1, 16);
	assert_int_equal(VT_UI1, 17);
	assert_int_equal(VT_UI2, 18);
	assert_int_equal(VT_UI4, 19);
	assert_int_equal(VT_I8, 20);
	assert_int_equal(VT_UI8, 21);
	assert_int_equal(VT_LPWSTR, 31);
	assert_int_equal(VT_CLSID, 72);
	assert_int_equal(VT_VECTOR, 0x1000);
	assert_int_equal(VT_ILLEGAL, 0xFFFF);
}

static void test_irql_values(void **state)
{
	(void)state;
	assert_int_equal(PASSIVE_LEVEL, 0);
	assert_int_equal(APC_LEVEL, 1);
	assert_int_equal(DISPATCH_LEVEL, 2);
	assert_int_equal(sizeof(KIRQL), 1);
}

static void test_base_type_sizes(void **state)
{
	(void)state;
	assert_int_equal(sizeof(UCHAR), 1);
	assert_int_equal(sizeof(BOOLEAN), 1);
	assert_int_equal(sizeof(USHORT), 2);
	assert_int_equal(sizeof(WCHAR), 2);
	assert_int_equal(sizeof(ULONG), 4);
	assert_int_equal(sizeof(LONG), 4);
	assert_int_equal(sizeof(DWORD), 4);
	assert_int_equal(sizeof(BOOL), 4);
	assert_int_equal(sizeof(LONGLONG), 8);
	assert_int_equal(sizeof(ULONGLONG), 8);
	assert_int_equal(sizeof(ULONG_PTR), PTR);
	assert_int_equal(sizeof(SIZE_T), PTR);
	assert_true((LONG)-1 < 0);
	assert_true((ULONG)-1 > 0);
}

static void test_rtl_compare_memory_counts_equal_leading_bytes(void **state)
{
	static const uint8_t a[] = { 1, 2, 3, 4, 5 };
	static const uint8_t b[] = { 1, 2, 9, 4, 5 };

	(void)state;
	assert_int_equal(RtlCompareMemory(a, b, sizeof(a)), 2);
}

static void test_rtl_compare_memory_returns_length_when_equal(void **state)
{
	static const uint8_t a[] = { 1, 2, 3, 4, 5 };
	static const uint8_t b[] = { 1, 2, 3, 4, 5 };

	(void)state;
	assert_int_equal(RtlCompareMemory(a, b, sizeof(a)), 5);
}

static void test_rtl_compare_memory_returns_zero_when_first_byte_differs(void **state)
{
	static const uint8_t a[] = { 1, 2 };
	static const uint8_t b[] = { 0, 2 };

	(void)state;
	assert_int_equal(RtlCompareMemory(a, b, sizeof(a)), 0);
	assert_int_equal(RtlCompareMemory(a, b, 0), 0);
}

static void test_rtl_ulong_add_sums(void **state)
{
	ULONG r = 0;

	(void)state;
	assert_int_equal(RtlULongAdd(0xFFFFFFF0u, 0x0Fu, &r), STATUS_SUCCESS);
	assert_int_equal(r, 0xFFFFFFFFu);
}

static void test_rtl_ulong_add_overflows(void **state)
{
	ULONG r = 7;

	(void)state;
	assert_int_equal(RtlULongAdd(0xFFFFFFF0u, 0x10u, &r), STATUS_INTEGER_OVERFLOW);
	assert_int_equal(r, ULONG_ERROR);
	assert_int_equal(ULONG_ERROR, 0xFFFFFFFFu);
}

static void test_rtl_ulong_mult_multiplies(void **state)
{
	ULONG r = 0;

	(void)state;
	/* The DESCRIPTORS reply size: 8 + 284 * n. */
	assert_int_equal(RtlULongMult(284, 3, &r), STATUS_SUCCESS);
	assert_int_equal(r, 852);
}

static void test_rtl_ulong_mult_overflows(void **state)
{
	ULONG r = 7;

	(void)state;
	assert_int_equal(RtlULongMult(0x10000u, 0x10000u, &r), STATUS_INTEGER_OVERFLOW);
	assert_int_equal(r, ULONG_ERROR);
}

static void test_rtl_ulong_sub_underflows(void **state)
{
	ULONG r = 7;

	(void)state;
	assert_int_equal(RtlULongSub(1, 2, &r), STATUS_INTEGER_OVERFLOW);
	assert_int_equal(r, ULONG_ERROR);
}

static void test_rtl_size_t_add_overflows(void **state)
{
	size_t r = 7;

	(void)state;
	assert_int_equal(RtlSizeTAdd(SIZE_MAX, 1, &r), STATUS_INTEGER_OVERFLOW);
	assert_true(r == SIZE_T_ERROR);
}

static void test_rtl_string_cch_copy_w_copies(void **state)
{
	static const WCHAR src[] = u"EQ";
	WCHAR dst[4] = { 0x1111, 0x1111, 0x1111, 0x1111 };
	static const WCHAR expected[4] = { u'E', u'Q', 0, 0x1111 };

	(void)state;
	assert_int_equal(RtlStringCchCopyW(dst, 4, src), STATUS_SUCCESS);
	assert_memory_equal(dst, expected, sizeof(dst));
}

static void test_rtl_string_cch_copy_w_truncates(void **state)
{
	static const WCHAR src[] = u"Speaker";
	WCHAR dst[4] = { 0x1111, 0x1111, 0x1111, 0x1111 };
	static const WCHAR expected[4] = { u'S', u'p', u'e', 0 };

	(void)state;
	assert_int_equal(RtlStringCchCopyW(dst, 4, src), STATUS_BUFFER_OVERFLOW);
	assert_memory_equal(dst, expected, sizeof(dst));
}

static void test_rtl_string_cch_copy_w_rejects_zero_size(void **state)
{
	static const WCHAR src[] = u"x";
	WCHAR dst[2] = { 0x1111, 0x1111 };

	(void)state;
	assert_int_equal(RtlStringCchCopyW(dst, 0, src), STATUS_INVALID_PARAMETER);
	assert_int_equal(dst[0], 0x1111);
}

/* Above the maximum the WDK still writes an empty string, since cchDest > 0. */
static void test_rtl_string_cch_copy_w_rejects_oversize(void **state)
{
	static const WCHAR src[] = u"x";
	WCHAR dst[2] = { 0x1111, 0x1111 };

	(void)state;
	assert_int_equal(RtlStringCchCopyW(dst, (size_t)NTSTRSAFE_MAX_CCH + 1, src),
			 STATUS_INVALID_PARAMETER);
	assert_int_equal(dst[0], 0);
	assert_int_equal(dst[1], 0x1111);
}

static void test_rtl_string_cb_copy_w_counts_bytes(void **state)
{
	static const WCHAR src[] = u"abc";
	WCHAR dst[3] = { 0x1111, 0x1111, 0x1111 };

	(void)state;
	/* 5 bytes hold 2 units: one character and the NUL. */
	assert_int_equal(RtlStringCbCopyW(dst, 5, src), STATUS_BUFFER_OVERFLOW);
	assert_int_equal(dst[0], u'a');
	assert_int_equal(dst[1], 0);
	assert_int_equal(dst[2], 0x1111);
}

static void test_rtl_string_cch_length_w_measures(void **state)
{
	static const WCHAR s[] = u"abc";
	size_t n = 99;

	(void)state;
	assert_int_equal(RtlStringCchLengthW(s, 4, &n), STATUS_SUCCESS);
	assert_int_equal(n, 3);
}

static void test_rtl_string_cch_length_w_rejects_unterminated(void **state)
{
	static const WCHAR s[] = u"abc";
	size_t n = 99;

	(void)state;
	assert_int_equal(RtlStringCchLengthW(s, 3, &n), STATUS_INVALID_PARAMETER);
	assert_int_equal(n, 0);
}

static void test_rtl_string_cch_cat_w_appends(void **state)
{
	WCHAR dst[6] = { u'a', 0, 0x1111, 0x1111, 0x1111, 0x1111 };
	static const WCHAR src[] = u"bcdef";
	static const WCHAR expected[6] = { u'a', u'b', u'c', u'd', u'e', 0 };

	(void)state;
	assert_int_equal(RtlStringCchCatW(dst, 6, src), STATUS_BUFFER_OVERFLOW);
	assert_memory_equal(dst, expected, sizeof(dst));
}

static void test_is_equal_guid_compares_contents(void **state)
{
	GUID copy;

	(void)state;
	memcpy(&copy, &KSPROPSETID_AudioModule, sizeof(copy));
	assert_true(IsEqualGUID(&copy, &KSPROPSETID_AudioModule));
	assert_false(IsEqualGUID(&copy, &KSNOTIFICATIONID_AudioModule));
	copy.Data4[7] ^= 1;
	assert_false(IsEqualGUID(&copy, &KSPROPSETID_AudioModule));
}

static void test_is_equal_guid_aligned_compares_contents(void **state)
{
	KSAUDIOMODULE_PROPERTY p;

	(void)state;
	memset(&p, 0, sizeof(p));
	p.Property.Set = KSPROPSETID_AudioModule;
	assert_true(IsEqualGUIDAligned(&p.Property.Set, &KSPROPSETID_AudioModule));
	assert_false(IsEqualGUIDAligned(&p.Property.Set, &GUID_NULL));
}

static void test_containing_record_finds_structure(void **state)
{
	KSAUDIOMODULE_PROPERTY p;
	PVOID instance = &p.ClassId;

	(void)state;
	assert_ptr_equal(CONTAINING_RECORD(instance, KSAUDIOMODULE_PROPERTY, ClassId), &p);
}

static void test_field_macros_measure(void **state)
{
	(void)state;
	assert_int_equal(FIELD_OFFSET(KSAUDIOMODULE_PROPERTY, InstanceId), 40);
	assert_int_equal(RTL_FIELD_SIZE(KSAUDIOMODULE_PROPERTY, ClassId), 16);
	assert_int_equal(RTL_SIZEOF_THROUGH_FIELD(KSAUDIOMODULE_PROPERTY, InstanceId), 44);
	assert_int_equal(RTL_SIZEOF_THROUGH_FIELD(KSAUDIOMODULE_NOTIFICATION, ProviderId), 40);
}

static void test_array_macros_count(void **state)
{
	static const ULONG a[7] = { 0 };

	(void)state;
	assert_int_equal(SIZEOF_ARRAY(a), 7);
	assert_int_equal(ARRAYSIZE(a), 7);
	assert_int_equal(RTL_NUMBER_OF(a), 7);
}

static NTSTATUS dummy_handler(PPCPROPERTY_REQUEST request)
{
	(void)request;
	return STATUS_SUCCESS;
}

static const PCPROPERTY_ITEM abi_properties[] = {
	{ &KSPROPSETID_AudioModule, KSPROPERTY_AUDIOMODULE_DESCRIPTORS,
	  KSPROPERTY_TYPE_GET | KSPROPERTY_TYPE_BASICSUPPORT, dummy_handler },
	{ &KSPROPSETID_AudioModule, KSPROPERTY_AUDIOMODULE_COMMAND,
	  KSPROPERTY_TYPE_GET | KSPROPERTY_TYPE_BASICSUPPORT, dummy_handler },
};

static DEFINE_PCAUTOMATION_TABLE_PROP(abi_automation, abi_properties);

static void test_define_pcautomation_table_prop_fills_properties(void **state)
{
	(void)state;
	assert_int_equal(abi_automation.PropertyItemSize, sizeof(PCPROPERTY_ITEM));
	assert_int_equal(abi_automation.PropertyCount, 2);
	assert_ptr_equal(abi_automation.Properties, abi_properties);
	assert_int_equal(abi_automation.MethodCount, 0);
	assert_null(abi_automation.Methods);
	assert_int_equal(abi_automation.EventCount, 0);
	assert_null(abi_automation.Events);
	assert_int_equal(abi_automation.Reserved, 0);
}

static void test_interlocked_increment_returns_new_value(void **state)
{
	volatile LONG v = 41;

	(void)state;
	assert_int_equal(InterlockedIncrement(&v), 42);
	assert_int_equal(InterlockedDecrement(&v), 41);
	assert_int_equal(v, 41);
}

static void test_interlocked_exchange_returns_old_value(void **state)
{
	volatile LONG v = 1;

	(void)state;
	assert_int_equal(InterlockedExchange(&v, 5), 1);
	assert_int_equal(InterlockedCompareExchange(&v, 9, 4), 5); /* no match: unchanged */
	assert_int_equal(v, 5);
	assert_int_equal(InterlockedCompareExchange(&v, 9, 5), 5);
	assert_int_equal(v, 9);
}

static void test_ex_allocate_pool2_zero_fills(void **state)
{
	uint8_t *p = ExAllocatePool2(POOL_FLAG_NON_PAGED, 64, 0x646F6D41u);
	size_t i;

	(void)state;
	assert_non_null(p);
	for (i = 0; i < 64; i++)
		assert_int_equal(p[i], 0);
	ExFreePoolWithTag(p, 0x646F6D41u);
}

static void test_ex_allocate_pool2_rejects_missing_pool_kind(void **state)
{
	(void)state;
	assert_null(ExAllocatePool2(POOL_FLAG_UNINITIALIZED, 64, 0x646F6D41u));
	assert_null(ExAllocatePool2(POOL_FLAG_PAGED | POOL_FLAG_NON_PAGED, 64, 0x646F6D41u));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_guid_layout),
		cmocka_unit_test(test_guid_fields_are_little_endian),
		cmocka_unit_test(test_ksproperty_layout),
		cmocka_unit_test(test_ksaudiomodule_property_layout),
		cmocka_unit_test(test_ksaudiomodule_descriptor_layout),
		cmocka_unit_test(test_ksaudiomodule_notification_layout),
		cmocka_unit_test(test_ksmultiple_item_layout),
		cmocka_unit_test(test_ksproperty_description_layout),
		cmocka_unit_test(test_ksproperty_membersheader_layout),
		cmocka_unit_test(test_pcproperty_request_layout),
		cmocka_unit_test(test_pcproperty_item_layout),
		cmocka_unit_test(test_pcautomation_table_layout),
		cmocka_unit_test(test_pcnotification_buffer_layout),
		cmocka_unit_test(test_amod_miniport_registration_layout),
		cmocka_unit_test(test_portclsnotifications_vtbl_slots),
		cmocka_unit_test(test_unknown_vtbl_slots),
		cmocka_unit_test(test_ksprop_audiomodule_guid_bytes),
		cmocka_unit_test(test_iid_portclsnotifications_guid_bytes),
		cmocka_unit_test(test_ksnotification_audiomodule_guid_bytes),
		cmocka_unit_test(test_ksnotification_sounddetector_guid_bytes),
		cmocka_unit_test(test_ksproptype_general_guid_bytes),
		cmocka_unit_test(test_mode_default_guid_bytes),
		cmocka_unit_test(test_mode_movie_guid_bytes),
		cmocka_unit_test(test_iid_unknown_guid_bytes),
		cmocka_unit_test(test_guid_null_guid_bytes),
		cmocka_unit_test(test_status_values),
		cmocka_unit_test(test_status_compares_with_ntstatus_values),
		cmocka_unit_test(test_nt_success_accepts_success_and_informational),
		cmocka_unit_test(test_nt_success_rejects_warnings_and_errors),
		cmocka_unit_test(test_ksproperty_type_values),
		cmocka_unit_test(test_pcproperty_item_flag_values),
		cmocka_unit_test(test_ksproperty_member_values),
		cmocka_unit_test(test_audiomodule_property_ids),
		cmocka_unit_test(test_audiomodule_constants),
		cmocka_unit_test(test_ioctl_ks_property_value),
		cmocka_unit_test(test_pool_type_values),
		cmocka_unit_test(test_pool_flag_values),
		cmocka_unit_test(test_varenum_values),
		cmocka_unit_test(test_irql_values),
		cmocka_unit_test(test_base_type_sizes),
		cmocka_unit_test(test_rtl_compare_memory_counts_equal_leading_bytes),
		cmocka_unit_test(test_rtl_compare_memory_returns_length_when_equal),
		cmocka_unit_test(test_rtl_compare_memory_returns_zero_when_first_byte_differs),
		cmocka_unit_test(test_rtl_ulong_add_sums),
		cmocka_unit_test(test_rtl_ulong_add_overflows),
		cmocka_unit_test(test_rtl_ulong_mult_multiplies),
		cmocka_unit_test(test_rtl_ulong_mult_overflows),
		cmocka_unit_test(test_rtl_ulong_sub_underflows),
		cmocka_unit_test(test_rtl_size_t_add_overflows),
		cmocka_unit_test(test_rtl_string_cch_copy_w_copies),
		cmocka_unit_test(test_rtl_string_cch_copy_w_truncates),
		cmocka_unit_test(test_rtl_string_cch_copy_w_rejects_zero_size),
		cmocka_unit_test(test_rtl_string_cch_copy_w_rejects_oversize),
		cmocka_unit_test(test_rtl_string_cb_copy_w_counts_bytes),
		cmocka_unit_test(test_rtl_string_cch_length_w_measures),
		cmocka_unit_test(test_rtl_string_cch_length_w_rejects_unterminated),
		cmocka_unit_test(test_rtl_string_cch_cat_w_appends),
		cmocka_unit_test(test_is_equal_guid_compares_contents),
		cmocka_unit_test(test_is_equal_guid_aligned_compares_contents),
		cmocka_unit_test(test_containing_record_finds_structure),
		cmocka_unit_test(test_field_macros_measure),
		cmocka_unit_test(test_array_macros_count),
		cmocka_unit_test(test_define_pcautomation_table_prop_fills_properties),
		cmocka_unit_test(test_interlocked_increment_returns_new_value),
		cmocka_unit_test(test_interlocked_exchange_returns_old_value),
		cmocka_unit_test(test_ex_allocate_pool2_zero_fills),
		cmocka_unit_test(test_ex_allocate_pool2_rejects_missing_pool_kind),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
