// SPDX-License-Identifier: MIT
/*
 * A miniport written the WDK way, in C++, run against the real port: it gets
 * IPortClsNotifications with QueryInterface, answers KSPROPSETID_AudioModule from a
 * PCPROPERTY_ITEM handler, and sends module notifications with Alloc / copy / Send / Free.
 * The test drives it through the native API (<amod/amod-port.h>): KS requests in with
 * amod_device_property(), notifications out through a listener.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
extern "C" {
#include <cmocka.h>
}

#include <portcls.h>
#include <ntintsafe.h>
#include <ntstrsafe.h>
#include <amodwdk.h>
#include <amod/amod-port.h>

/*
 * The GUIDs of the WDK headers above stay declarations (libamod defines them); the private
 * ones below become definitions, as in a driver that includes <initguid.h> late.
 */
#include <initguid.h>

// {5D3F1C4E-8A2B-4C6D-9E0F-1A2B3C4D5E6F}
DEFINE_GUID(MODULEID_TestEq, 0x5D3F1C4EL, 0x8A2B, 0x4C6D, 0x9E, 0x0F, 0x1A, 0x2B, 0x3C, 0x4D, 0x5E,
	    0x6F);
// {0B7E2A91-4F3C-4D25-8C61-7E5A9B3D2F10}
DEFINE_GUID(MODULEID_TestGeneric, 0x0B7E2A91L, 0x4F3C, 0x4D25, 0x8C, 0x61, 0x7E, 0x5A, 0x9B, 0x3D,
	    0x2F, 0x10);
// {E4A1C3B5-2D7F-4E69-A0B8-C1D2E3F4A5B6}
DEFINE_GUID(DEVICEID_TestSpeaker, 0xE4A1C3B5L, 0x2D7F, 0x4E69, 0xA0, 0xB8, 0xC1, 0xD2, 0xE3, 0xF4,
	    0xA5, 0xB6);

static_assert(sizeof(struct amod_guid) == sizeof(GUID), "amod_guid and GUID share a layout");

// The vendor protocol of the test modules (what follows the 48-byte KSAUDIOMODULE_PROPERTY).
enum TestModuleVerb { TestModuleVerbGet = 1, TestModuleVerbSet = 2 };

typedef struct _TEST_MODULE_COMMAND {
	ULONG Verb;
	ULONG Value;
} TEST_MODULE_COMMAND;

typedef struct _TEST_MODULE_NOTIFICATION {
	KSAUDIOMODULE_NOTIFICATION Header;
	ULONG Value;
	ULONG Reserved;
} TEST_MODULE_NOTIFICATION;
static_assert(sizeof(TEST_MODULE_NOTIFICATION) == 48, "header + 8 vendor bytes");

struct TEST_MODULE {
	const GUID *ClassId;
	ULONG InstanceId;
	ULONG VersionMajor;
	ULONG VersionMinor;
	WCHAR Name[AUDIOMODULE_MAX_NAME_CCH_SIZE];
	ULONG Value;
};

static const ULONG kTestModuleCount = 2;

// What the handlers saw last, for the tests to check.
static struct {
	PUNKNOWN MajorTarget;
	PUNKNOWN MinorTarget;
	ULONG Requests;
} g_LastRequest;

static LONG g_LiveStreams;

class CTestStream final : public IUnknown {
public:
	CTestStream() : m_cRef(1)
	{
		InterlockedIncrement(&g_LiveStreams);
	}

	NTSTATUS QueryInterface(REFIID InterfaceId, PVOID *Interface) override
	{
		if (IsEqualGUIDAligned(InterfaceId, IID_IUnknown)) {
			*Interface = PVOID(static_cast<IUnknown *>(this));
			AddRef();
			return STATUS_SUCCESS;
		}
		*Interface = NULL;
		return STATUS_NOINTERFACE;
	}

	ULONG AddRef() override
	{
		return ULONG(InterlockedIncrement(&m_cRef));
	}

	ULONG Release() override
	{
		LONG ref = InterlockedDecrement(&m_cRef);

		if (ref == 0)
			delete this;
		return ULONG(ref);
	}

private:
	~CTestStream()
	{
		InterlockedDecrement(&g_LiveStreams);
	}

	LONG m_cRef;
};

class CTestMiniport final : public IUnknown {
public:
	CTestMiniport()
		: m_cRef(1), m_pPortClsNotifications(NULL),
		  m_Modules{
			  { &MODULEID_TestEq, 0x00000000, 2, 1, u"Test EQ module", 0 },
			  { &MODULEID_TestGeneric, 0x01000000, 1, 0, u"Test generic module", 0 },
		  }
	{
	}

	NTSTATUS QueryInterface(REFIID InterfaceId, PVOID *Interface) override
	{
		if (IsEqualGUIDAligned(InterfaceId, IID_IUnknown)) {
			*Interface = PVOID(static_cast<IUnknown *>(this));
			AddRef();
			return STATUS_SUCCESS;
		}
		*Interface = NULL;
		return STATUS_NOINTERFACE;
	}

	ULONG AddRef() override
	{
		return ULONG(InterlockedIncrement(&m_cRef));
	}

	ULONG Release() override
	{
		LONG ref = InterlockedDecrement(&m_cRef);

		if (ref == 0)
			delete this;
		return ULONG(ref);
	}

	LONG RefCount() const
	{
		return m_cRef;
	}

	NTSTATUS Init(_In_ PUNKNOWN Port);
	NTSTATUS HandleModulesList(_In_ PPCPROPERTY_REQUEST PropertyRequest);
	NTSTATUS HandleModuleCommand(_In_ PPCPROPERTY_REQUEST PropertyRequest);
	NTSTATUS HandleNotificationDeviceId(_In_ PPCPROPERTY_REQUEST PropertyRequest);
	VOID SendModuleNotification(_In_ const TEST_MODULE *Module);

	PPORTCLSNOTIFICATIONS Notifications() const
	{
		return m_pPortClsNotifications;
	}

	TEST_MODULE *FindModule(_In_ REFGUID ClassId, _In_ ULONG InstanceId)
	{
		for (ULONG i = 0; i < kTestModuleCount; i++) {
			if (IsEqualGUIDAligned(ClassId, *m_Modules[i].ClassId) &&
			    InstanceId == m_Modules[i].InstanceId)
				return &m_Modules[i];
		}
		return NULL;
	}

private:
	~CTestMiniport()
	{
		if (m_pPortClsNotifications) {
			m_pPortClsNotifications->Release();
			m_pPortClsNotifications = NULL;
		}
	}

	LONG m_cRef;
	PPORTCLSNOTIFICATIONS m_pPortClsNotifications;
	TEST_MODULE m_Modules[kTestModuleCount];
};

#pragma code_seg("PAGE")
NTSTATUS CTestMiniport::Init(_In_ PUNKNOWN Port)
{
	PAGED_CODE();

	// As SYSVAD does: without the interface the miniport still runs, only silently.
	NTSTATUS ntStatus = Port->QueryInterface(IID_IPortClsNotifications,
						 (PVOID *)&m_pPortClsNotifications);
	if (!NT_SUCCESS(ntStatus))
		m_pPortClsNotifications = NULL;
	return ntStatus;
}

NTSTATUS CTestMiniport::HandleModulesList(_In_ PPCPROPERTY_REQUEST PropertyRequest)
{
	PAGED_CODE();

	if (PropertyRequest->Verb != KSPROPERTY_TYPE_GET)
		return STATUS_INVALID_DEVICE_REQUEST;

	ULONG cbDescriptors = 0;
	ULONG cbRequired = 0;
	NTSTATUS ntStatus = RtlULongMult(kTestModuleCount, sizeof(KSAUDIOMODULE_DESCRIPTOR),
					 &cbDescriptors);
	if (!NT_SUCCESS(ntStatus))
		return ntStatus;
	ntStatus = RtlULongAdd(cbDescriptors, sizeof(KSMULTIPLE_ITEM), &cbRequired);
	if (!NT_SUCCESS(ntStatus))
		return ntStatus;

	if (PropertyRequest->ValueSize == 0) {
		PropertyRequest->ValueSize = cbRequired;
		return STATUS_BUFFER_OVERFLOW;
	}
	if (PropertyRequest->ValueSize < cbRequired)
		return STATUS_BUFFER_TOO_SMALL;

	PKSMULTIPLE_ITEM ksMultipleItem = static_cast<PKSMULTIPLE_ITEM>(PropertyRequest->Value);
	PKSAUDIOMODULE_DESCRIPTOR descriptor = reinterpret_cast<PKSAUDIOMODULE_DESCRIPTOR>(
		ksMultipleItem + 1);

	ksMultipleItem->Size = cbRequired;
	ksMultipleItem->Count = kTestModuleCount;
	for (ULONG i = 0; i < kTestModuleCount; i++, descriptor++) {
		RtlZeroMemory(descriptor, sizeof(*descriptor));
		descriptor->ClassId = *m_Modules[i].ClassId;
		descriptor->InstanceId = m_Modules[i].InstanceId;
		descriptor->VersionMajor = m_Modules[i].VersionMajor;
		descriptor->VersionMinor = m_Modules[i].VersionMinor;
		ntStatus = RtlStringCchCopyW(descriptor->Name, AUDIOMODULE_MAX_NAME_CCH_SIZE,
					     m_Modules[i].Name);
		if (!NT_SUCCESS(ntStatus))
			return ntStatus;
	}
	PropertyRequest->ValueSize = cbRequired;
	return STATUS_SUCCESS;
}

NTSTATUS CTestMiniport::HandleModuleCommand(_In_ PPCPROPERTY_REQUEST PropertyRequest)
{
	PAGED_CODE();

	const ULONG cbAddress = sizeof(KSAUDIOMODULE_PROPERTY) - sizeof(KSPROPERTY);
	if (PropertyRequest->InstanceSize < cbAddress)
		return STATUS_INVALID_PARAMETER;

	PKSAUDIOMODULE_PROPERTY moduleProperty = CONTAINING_RECORD(
		PropertyRequest->Instance, KSAUDIOMODULE_PROPERTY, ClassId);
	TEST_MODULE *module = FindModule(moduleProperty->ClassId, moduleProperty->InstanceId);
	if (module == NULL)
		return STATUS_INVALID_PARAMETER;
	if (PropertyRequest->Verb != KSPROPERTY_TYPE_GET)
		return STATUS_INVALID_DEVICE_REQUEST;

	TEST_MODULE_COMMAND command;
	if (PropertyRequest->InstanceSize - cbAddress < sizeof(command))
		return STATUS_INVALID_PARAMETER;
	RtlCopyMemory(&command, moduleProperty + 1, sizeof(command));

	switch (command.Verb) {
	case TestModuleVerbGet:
		if (PropertyRequest->ValueSize == 0) {
			PropertyRequest->ValueSize = sizeof(ULONG);
			return STATUS_BUFFER_OVERFLOW;
		}
		if (PropertyRequest->ValueSize < sizeof(ULONG))
			return STATUS_BUFFER_TOO_SMALL;
		*static_cast<PULONG>(PropertyRequest->Value) = module->Value;
		PropertyRequest->ValueSize = sizeof(ULONG);
		return STATUS_SUCCESS;
	case TestModuleVerbSet:
		PropertyRequest->ValueSize = 0;
		if (module->Value != command.Value) {
			module->Value = command.Value;
			SendModuleNotification(module);
		}
		return STATUS_SUCCESS;
	default:
		return STATUS_INVALID_PARAMETER;
	}
}

NTSTATUS CTestMiniport::HandleNotificationDeviceId(_In_ PPCPROPERTY_REQUEST PropertyRequest)
{
	PAGED_CODE();

	if (PropertyRequest->Verb != KSPROPERTY_TYPE_GET)
		return STATUS_INVALID_DEVICE_REQUEST;
	if (PropertyRequest->ValueSize == 0) {
		PropertyRequest->ValueSize = sizeof(GUID);
		return STATUS_BUFFER_OVERFLOW;
	}
	if (PropertyRequest->ValueSize < sizeof(GUID))
		return STATUS_BUFFER_TOO_SMALL;
	RtlCopyMemory(PropertyRequest->Value, &DEVICEID_TestSpeaker, sizeof(GUID));
	PropertyRequest->ValueSize = sizeof(GUID);
	return STATUS_SUCCESS;
}

static NTSTATUS PropertyHandler_TestWave(_In_ PPCPROPERTY_REQUEST PropertyRequest)
{
	PAGED_CODE();
	ASSERT(PropertyRequest);

	g_LastRequest.MajorTarget = PropertyRequest->MajorTarget;
	g_LastRequest.MinorTarget = PropertyRequest->MinorTarget;
	g_LastRequest.Requests++;

	CTestMiniport *miniport = static_cast<CTestMiniport *>(PropertyRequest->MajorTarget);
	if (!IsEqualGUIDAligned(*PropertyRequest->PropertyItem->Set, KSPROPSETID_AudioModule))
		return STATUS_INVALID_DEVICE_REQUEST;

	switch (PropertyRequest->PropertyItem->Id) {
	case KSPROPERTY_AUDIOMODULE_DESCRIPTORS:
		return miniport->HandleModulesList(PropertyRequest);
	case KSPROPERTY_AUDIOMODULE_COMMAND:
		return miniport->HandleModuleCommand(PropertyRequest);
	case KSPROPERTY_AUDIOMODULE_NOTIFICATION_DEVICE_ID:
		return miniport->HandleNotificationDeviceId(PropertyRequest);
	default:
		return STATUS_INVALID_DEVICE_REQUEST;
	}
}
#pragma code_seg()

// Sending is allowed at DISPATCH_LEVEL on Windows: not in the PAGE section.
VOID CTestMiniport::SendModuleNotification(_In_ const TEST_MODULE *Module)
{
	if (m_pPortClsNotifications == NULL)
		return;

	// Built in an aligned local: the buffer itself is only promised LONG alignment.
	TEST_MODULE_NOTIFICATION notification;
	RtlZeroMemory(&notification, sizeof(notification));
	notification.Header.ProviderId.DeviceId = DEVICEID_TestSpeaker;
	notification.Header.ProviderId.ClassId = *Module->ClassId;
	notification.Header.ProviderId.InstanceId = Module->InstanceId;
	notification.Value = Module->Value;

	PPCNOTIFICATION_BUFFER buffer = NULL;
	NTSTATUS ntStatus = m_pPortClsNotifications->AllocNotificationBuffer(
		PagedPool, USHORT(sizeof(notification)), &buffer);
	if (!NT_SUCCESS(ntStatus))
		return;
	RtlCopyMemory(buffer, &notification, sizeof(notification));
	m_pPortClsNotifications->SendNotification(&KSNOTIFICATIONID_AudioModule, buffer);
	m_pPortClsNotifications->FreeNotificationBuffer(buffer);
}

static const PCPROPERTY_ITEM PropertiesTestWaveFilter[] = {
	{ &KSPROPSETID_AudioModule, KSPROPERTY_AUDIOMODULE_DESCRIPTORS,
	  PCPROPERTY_ITEM_FLAG_GET | PCPROPERTY_ITEM_FLAG_BASICSUPPORT, PropertyHandler_TestWave },
	{ &KSPROPSETID_AudioModule, KSPROPERTY_AUDIOMODULE_COMMAND,
	  PCPROPERTY_ITEM_FLAG_GET | PCPROPERTY_ITEM_FLAG_BASICSUPPORT, PropertyHandler_TestWave },
	{ &KSPROPSETID_AudioModule, KSPROPERTY_AUDIOMODULE_NOTIFICATION_DEVICE_ID,
	  PCPROPERTY_ITEM_FLAG_GET | PCPROPERTY_ITEM_FLAG_BASICSUPPORT, PropertyHandler_TestWave },
};

DEFINE_PCAUTOMATION_TABLE_PROP(AutomationTestWaveFilter, PropertiesTestWaveFilter);

// Pins answer the same items; the handler tells them apart by MinorTarget.
DEFINE_PCAUTOMATION_TABLE_PROP(AutomationTestWavePin, PropertiesTestWaveFilter);

static const GUID *g_NewStreamMode;

static NTSTATUS NewTestStream(PVOID Context, const GUID *SignalProcessingMode,
			      PUNKNOWN *MinorTarget)
{
	UNREFERENCED_PARAMETER(Context);
	static GUID mode;

	mode = *SignalProcessingMode;
	g_NewStreamMode = &mode;
	*MinorTarget = new CTestStream();
	return STATUS_SUCCESS;
}

// Fixture.
struct captured_notification {
	struct amod_guid event_id;
	struct amod_guid device_id;
	struct amod_guid class_id;
	uint32_t instance_id;
	uint32_t size;
	uint8_t data[64];
};

struct fixture {
	struct amod_adapter *adapter;
	struct amod_device *device;
	struct amod_listener *listener;
	CTestMiniport *miniport;
	PUNKNOWN port;
	unsigned notifications;
	struct captured_notification last;
};

static struct amod_guid to_amod(const GUID &g)
{
	struct amod_guid a;

	memcpy(&a, &g, sizeof(a));
	return a;
}

static bool guid_is(const struct amod_guid &a, const GUID &g)
{
	return memcmp(&a, &g, sizeof(g)) == 0;
}

static void on_notification(const struct amod_notification *n, void *userdata)
{
	struct fixture *f = static_cast<struct fixture *>(userdata);

	f->notifications++;
	f->last.event_id = n->event_id;
	f->last.device_id = n->device_id;
	f->last.class_id = n->class_id;
	f->last.instance_id = n->instance_id;
	f->last.size = n->size;
	memcpy(f->last.data, n->data, n->size < sizeof(f->last.data) ? n->size : sizeof(f->last.data));
}

static AMOD_MINIPORT_REGISTRATION registration_for(CTestMiniport *miniport)
{
	AMOD_MINIPORT_REGISTRATION reg;

	RtlZeroMemory(&reg, sizeof(reg));
	reg.Size = sizeof(reg);
	reg.MajorTarget = miniport;
	reg.FilterAutomationTable = &AutomationTestWaveFilter;
	reg.PinAutomationTable = &AutomationTestWavePin;
	reg.NewStream = NewTestStream;
	reg.Context = miniport;
	return reg;
}

static int setup(void **state)
{
	struct fixture *f = new fixture();
	struct amod_device_info info = {};

	assert_int_equal(amod_adapter_new(NULL, &f->adapter), 0);
	info.endpoint_id = "speaker";
	info.name = "Speaker";
	info.notification_id = to_amod(DEVICEID_TestSpeaker);
	assert_int_equal(amod_adapter_add_device(f->adapter, &info, &f->device), 0);
	f->port = static_cast<PUNKNOWN>(amod_device_get_port(f->device));
	assert_non_null(f->port);

	f->miniport = new CTestMiniport();
	assert_int_equal(f->miniport->Init(f->port), STATUS_SUCCESS);
	AMOD_MINIPORT_REGISTRATION reg = registration_for(f->miniport);
	assert_int_equal(AmodPortRegisterMiniport(f->port, &reg), STATUS_SUCCESS);

	assert_int_equal(amod_adapter_add_listener(f->adapter, NULL, on_notification, f,
						   &f->listener),
			 0);
	g_LastRequest.MajorTarget = NULL;
	g_LastRequest.MinorTarget = NULL;
	g_LastRequest.Requests = 0;
	g_NewStreamMode = NULL;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = static_cast<struct fixture *>(*state);

	amod_listener_remove(f->listener);
	amod_device_remove(f->device);
	f->miniport->Release();
	amod_adapter_unref(f->adapter);
	delete f;
	return 0;
}

// Sends a KS property request with a KSPROPERTY (and optional instance bytes) to the filter
// (stream NULL) or a pin.
static NTSTATUS ks_property(struct fixture *f, struct amod_stream *stream, const void *in,
			    uint32_t in_size, void *out, uint32_t *value_size)
{
	return amod_device_property(f->device, stream, in, in_size, out, value_size);
}

static KSPROPERTY module_property(ULONG id)
{
	KSPROPERTY p;

	RtlZeroMemory(&p, sizeof(p));
	p.Set = KSPROPSETID_AudioModule;
	p.Id = id;
	p.Flags = KSPROPERTY_TYPE_GET;
	return p;
}

struct command_request {
	KSAUDIOMODULE_PROPERTY Property;
	TEST_MODULE_COMMAND Command;
};

static struct command_request command_for(const GUID &classId, ULONG instanceId, ULONG verb,
					  ULONG value)
{
	struct command_request r;

	RtlZeroMemory(&r, sizeof(r));
	r.Property.Property = module_property(KSPROPERTY_AUDIOMODULE_COMMAND);
	r.Property.ClassId = classId;
	r.Property.InstanceId = instanceId;
	r.Command.Verb = verb;
	r.Command.Value = value;
	return r;
}

static void test_miniport_init_gets_port_notifications(void **state)
{
	struct fixture *f = static_cast<struct fixture *>(*state);

	assert_non_null(f->miniport->Notifications());
}

static void test_miniport_port_refuses_unknown_interface(void **state)
{
	struct fixture *f = static_cast<struct fixture *>(*state);
	PVOID iface = reinterpret_cast<PVOID>(uintptr_t(1));

	assert_int_equal(f->port->QueryInterface(MODULEID_TestEq, &iface), STATUS_NOINTERFACE);
	assert_null(iface);
}

static void test_miniport_c_style_calls_reach_port(void **state)
{
	struct fixture *f = static_cast<struct fixture *>(*state);
	PPORTCLSNOTIFICATIONS notifications = NULL;
	PPCNOTIFICATION_BUFFER buffer = NULL;

	assert_int_equal(IUnknown_QueryInterface(f->port, &IID_IPortClsNotifications,
						 (PVOID *)&notifications),
			 STATUS_SUCCESS);
	assert_ptr_equal(notifications, f->miniport->Notifications());
	assert_int_equal(IPortClsNotifications_AllocNotificationBuffer(notifications,
								       NonPagedPoolNx, 40,
								       &buffer),
			 STATUS_SUCCESS);
	assert_non_null(buffer);
	IPortClsNotifications_FreeNotificationBuffer(notifications, buffer);
	IPortClsNotifications_Release(notifications);
}

static void test_miniport_descriptors_size_query_overflows(void **state)
{
	struct fixture *f = static_cast<struct fixture *>(*state);
	KSPROPERTY p = module_property(KSPROPERTY_AUDIOMODULE_DESCRIPTORS);
	uint32_t size = 0;

	assert_int_equal(ks_property(f, NULL, &p, sizeof(p), NULL, &size), STATUS_BUFFER_OVERFLOW);
	assert_int_equal(size, 8 + 2 * 284);
}

static void test_miniport_descriptors_lists_modules(void **state)
{
	struct fixture *f = static_cast<struct fixture *>(*state);
	KSPROPERTY p = module_property(KSPROPERTY_AUDIOMODULE_DESCRIPTORS);
	alignas(8) uint8_t out[8 + 2 * 284];
	uint32_t size = sizeof(out);
	KSAUDIOMODULE_DESCRIPTOR d[2];
	KSMULTIPLE_ITEM header;
	static const WCHAR name0[] = u"Test EQ module";
	static const WCHAR name1[] = u"Test generic module";

	assert_int_equal(ks_property(f, NULL, &p, sizeof(p), out, &size), STATUS_SUCCESS);
	assert_int_equal(size, sizeof(out));
	memcpy(&header, out, sizeof(header));
	memcpy(d, out + sizeof(header), sizeof(d));
	assert_int_equal(header.Size, sizeof(out));
	assert_int_equal(header.Count, 2);
	assert_true(IsEqualGUIDAligned(d[0].ClassId, MODULEID_TestEq));
	assert_int_equal(d[0].InstanceId, 0);
	assert_int_equal(d[0].VersionMajor, 2);
	assert_int_equal(d[0].VersionMinor, 1);
	assert_memory_equal(d[0].Name, name0, sizeof(name0));
	assert_true(IsEqualGUIDAligned(d[1].ClassId, MODULEID_TestGeneric));
	assert_int_equal(d[1].InstanceId, 0x01000000);
	assert_memory_equal(d[1].Name, name1, sizeof(name1));
}

static void test_miniport_handler_gets_major_target(void **state)
{
	struct fixture *f = static_cast<struct fixture *>(*state);
	KSPROPERTY p = module_property(KSPROPERTY_AUDIOMODULE_NOTIFICATION_DEVICE_ID);
	GUID id;
	uint32_t size = sizeof(id);

	assert_int_equal(ks_property(f, NULL, &p, sizeof(p), &id, &size), STATUS_SUCCESS);
	assert_int_equal(g_LastRequest.Requests, 1);
	assert_ptr_equal(g_LastRequest.MajorTarget, static_cast<PUNKNOWN>(f->miniport));
	assert_null(g_LastRequest.MinorTarget);
}

static void test_miniport_notification_device_id_returns_device_guid(void **state)
{
	struct fixture *f = static_cast<struct fixture *>(*state);
	KSPROPERTY p = module_property(KSPROPERTY_AUDIOMODULE_NOTIFICATION_DEVICE_ID);
	GUID id;
	uint32_t size = sizeof(id);

	assert_int_equal(ks_property(f, NULL, &p, sizeof(p), &id, &size), STATUS_SUCCESS);
	assert_int_equal(size, sizeof(GUID));
	assert_true(id == DEVICEID_TestSpeaker);
}

static void test_miniport_command_get_returns_value(void **state)
{
	struct fixture *f = static_cast<struct fixture *>(*state);
	struct command_request set = command_for(MODULEID_TestEq, 0, TestModuleVerbSet, 7);
	struct command_request get = command_for(MODULEID_TestEq, 0, TestModuleVerbGet, 0);
	ULONG value = 0;
	uint32_t size = 0;

	assert_int_equal(ks_property(f, NULL, &set, sizeof(set), NULL, &size), STATUS_SUCCESS);
	size = sizeof(value);
	assert_int_equal(ks_property(f, NULL, &get, sizeof(get), &value, &size), STATUS_SUCCESS);
	assert_int_equal(size, sizeof(ULONG));
	assert_int_equal(value, 7);
}

static void test_miniport_command_set_sends_notification(void **state)
{
	struct fixture *f = static_cast<struct fixture *>(*state);
	struct command_request set = command_for(MODULEID_TestGeneric, 0x01000000,
						 TestModuleVerbSet, 5);
	uint32_t size = 0;
	TEST_MODULE_NOTIFICATION n;

	assert_int_equal(ks_property(f, NULL, &set, sizeof(set), NULL, &size), STATUS_SUCCESS);
	assert_int_equal(f->notifications, 1);
	assert_true(guid_is(f->last.event_id, KSNOTIFICATIONID_AudioModule));
	assert_true(guid_is(f->last.device_id, DEVICEID_TestSpeaker));
	assert_true(guid_is(f->last.class_id, MODULEID_TestGeneric));
	assert_int_equal(f->last.instance_id, 0x01000000);
	assert_int_equal(f->last.size, sizeof(TEST_MODULE_NOTIFICATION));
	memcpy(&n, f->last.data, sizeof(n));
	assert_true(n.Header.ProviderId.DeviceId == DEVICEID_TestSpeaker);
	assert_true(n.Header.ProviderId.ClassId == MODULEID_TestGeneric);
	assert_int_equal(n.Header.ProviderId.InstanceId, 0x01000000);
	assert_int_equal(n.Value, 5);
}

static void test_miniport_send_ex_reports_delivery(void **state)
{
	struct fixture *f = static_cast<struct fixture *>(*state);
	PPORTCLSNOTIFICATIONS notifications = f->miniport->Notifications();
	PPCNOTIFICATION_BUFFER buffer = NULL;
	KSAUDIOMODULE_NOTIFICATION header;
	ULONG delivered = 99;

	RtlZeroMemory(&header, sizeof(header));
	header.ProviderId.DeviceId = DEVICEID_TestSpeaker;
	header.ProviderId.ClassId = MODULEID_TestEq;
	header.ProviderId.InstanceId = 0;
	assert_int_equal(notifications->AllocNotificationBuffer(NonPagedPoolNx, sizeof(header),
								 &buffer),
			 STATUS_SUCCESS);
	RtlCopyMemory(buffer, &header, sizeof(header));
	assert_int_equal(AmodSendNotificationEx(notifications, &KSNOTIFICATIONID_AudioModule,
						buffer, &delivered),
			 STATUS_SUCCESS);
	notifications->FreeNotificationBuffer(buffer);
	assert_int_equal(delivered, 1);
	assert_int_equal(f->notifications, 1);
}

static void test_miniport_send_ex_rejects_foreign_device_id(void **state)
{
	struct fixture *f = static_cast<struct fixture *>(*state);
	PPORTCLSNOTIFICATIONS notifications = f->miniport->Notifications();
	PPCNOTIFICATION_BUFFER buffer = NULL;
	KSAUDIOMODULE_NOTIFICATION header;
	ULONG delivered = 99;

	RtlZeroMemory(&header, sizeof(header));
	header.ProviderId.DeviceId = MODULEID_TestEq; // not this device's notification id
	header.ProviderId.ClassId = MODULEID_TestEq;
	assert_int_equal(notifications->AllocNotificationBuffer(PagedPool, sizeof(header),
								 &buffer),
			 STATUS_SUCCESS);
	RtlCopyMemory(buffer, &header, sizeof(header));
	assert_int_equal(AmodSendNotificationEx(notifications, &KSNOTIFICATIONID_AudioModule,
						buffer, &delivered),
			 STATUS_NOT_FOUND);
	notifications->FreeNotificationBuffer(buffer);
	assert_int_equal(f->notifications, 0);
}

static void test_miniport_pin_request_gets_minor_target(void **state)
{
	struct fixture *f = static_cast<struct fixture *>(*state);
	struct amod_guid movie = to_amod(AUDIO_SIGNALPROCESSINGMODE_MOVIE);
	struct amod_stream *stream = NULL;
	KSPROPERTY p = module_property(KSPROPERTY_AUDIOMODULE_NOTIFICATION_DEVICE_ID);
	GUID id;
	uint32_t size = sizeof(id);

	assert_int_equal(amod_device_open_stream(f->device, &movie, &stream), 0);
	assert_non_null(g_NewStreamMode);
	assert_true(*g_NewStreamMode == AUDIO_SIGNALPROCESSINGMODE_MOVIE);
	assert_int_equal(ks_property(f, stream, &p, sizeof(p), &id, &size), STATUS_SUCCESS);
	assert_ptr_equal(g_LastRequest.MajorTarget, static_cast<PUNKNOWN>(f->miniport));
	assert_non_null(g_LastRequest.MinorTarget);
	assert_int_equal(g_LiveStreams, 1);
	amod_stream_close(stream);
}

static void test_miniport_stream_close_releases_minor_target(void **state)
{
	struct fixture *f = static_cast<struct fixture *>(*state);
	struct amod_stream *stream = NULL;

	assert_int_equal(amod_device_open_stream(f->device, NULL, &stream), 0);
	assert_int_equal(g_LiveStreams, 1);
	amod_stream_close(stream);
	assert_int_equal(g_LiveStreams, 0);
}

static void test_miniport_register_twice_is_invalid_device_state(void **state)
{
	struct fixture *f = static_cast<struct fixture *>(*state);
	AMOD_MINIPORT_REGISTRATION reg = registration_for(f->miniport);

	assert_int_equal(AmodPortRegisterMiniport(f->port, &reg), STATUS_INVALID_DEVICE_STATE);
}

static void test_miniport_register_short_size_is_invalid_parameter(void **state)
{
	struct fixture *f = static_cast<struct fixture *>(*state);
	struct amod_device_info info = {};
	struct amod_device *mic = NULL;

	info.endpoint_id = "mic";
	info.name = "Microphone";
	assert_int_equal(amod_adapter_add_device(f->adapter, &info, &mic), 0);
	AMOD_MINIPORT_REGISTRATION reg = registration_for(f->miniport);
	reg.Size = sizeof(reg) - 1;
	assert_int_equal(AmodPortRegisterMiniport(static_cast<PUNKNOWN>(amod_device_get_port(mic)),
						  &reg),
			 STATUS_INVALID_PARAMETER);
	amod_device_remove(mic);
}

static void test_miniport_device_remove_releases_major_target(void **state)
{
	struct fixture *f = static_cast<struct fixture *>(*state);
	struct amod_device_info info = {};
	struct amod_device *second = NULL;
	CTestMiniport *miniport = new CTestMiniport();

	info.endpoint_id = "second";
	info.name = "Second";
	assert_int_equal(amod_adapter_add_device(f->adapter, &info, &second), 0);
	AMOD_MINIPORT_REGISTRATION reg = registration_for(miniport);
	assert_int_equal(AmodPortRegisterMiniport(
				 static_cast<PUNKNOWN>(amod_device_get_port(second)), &reg),
			 STATUS_SUCCESS);
	assert_int_equal(miniport->RefCount(), 2);
	amod_device_remove(second);
	assert_int_equal(miniport->RefCount(), 1);
	miniport->Release();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_miniport_init_gets_port_notifications, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_miniport_port_refuses_unknown_interface,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_miniport_c_style_calls_reach_port, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_miniport_descriptors_size_query_overflows,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_miniport_descriptors_lists_modules, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_miniport_handler_gets_major_target, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_miniport_notification_device_id_returns_device_guid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_miniport_command_get_returns_value, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_miniport_command_set_sends_notification,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_miniport_send_ex_reports_delivery, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_miniport_send_ex_rejects_foreign_device_id,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_miniport_pin_request_gets_minor_target, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_miniport_stream_close_releases_minor_target,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_miniport_register_twice_is_invalid_device_state,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_miniport_register_short_size_is_invalid_parameter, setup, teardown),
		cmocka_unit_test_setup_teardown(test_miniport_device_remove_releases_major_target,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
