/* SPDX-License-Identifier: MIT */
/* COM rules of the port (style.md): QI, reference counts, identity. */
#include "test-helpers.h"

static void test_port_qi_iunknown_same_identity(void **state)
{
	struct fixture *f = *state;
	IUnknown *port = amod_device_get_port(f->device), *unk = (IUnknown *)0x1;

	assert_int_equal(IUnknown_QueryInterface(port, &IID_IUnknown, (PVOID *)&unk),
			 STATUS_SUCCESS);
	assert_ptr_equal(unk, port);
	assert_ptr_equal((void *)f->notifications, (void *)port);
	IUnknown_Release(unk);
}

static void test_port_qi_unknown_iid(void **state)
{
	struct fixture *f = *state;
	static const GUID other = { 0x12345678, 0x1234, 0x1234, { 1, 2, 3, 4, 5, 6, 7, 8 } };
	PVOID out = (PVOID)0x1;

	assert_int_equal(IPortClsNotifications_QueryInterface(f->notifications, &other, &out),
			 STATUS_NOINTERFACE);
	assert_null(out);
}

static void test_port_qi_null_out(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(IPortClsNotifications_QueryInterface(f->notifications,
							      &IID_IPortClsNotifications, NULL),
			 STATUS_INVALID_PARAMETER);
}

static void test_port_refcount_counts(void **state)
{
	struct fixture *f = *state;
	PPORTCLSNOTIFICATIONS p = f->notifications;

	/* The device holds one reference, the fixture's QI another. */
	assert_int_equal(IPortClsNotifications_AddRef(p), 3);
	assert_int_equal(IPortClsNotifications_AddRef(p), 4);
	assert_int_equal(IPortClsNotifications_Release(p), 3);
	assert_int_equal(IPortClsNotifications_Release(p), 2);
}

static void test_port_qi_addrefs(void **state)
{
	struct fixture *f = *state;
	PPORTCLSNOTIFICATIONS second = NULL;

	assert_int_equal(IPortClsNotifications_QueryInterface(f->notifications,
							      &IID_IPortClsNotifications,
							      (PVOID *)&second),
			 STATUS_SUCCESS);
	assert_int_equal(IPortClsNotifications_AddRef(second), 4);
	IPortClsNotifications_Release(second);
	IPortClsNotifications_Release(second);
}

static void test_port_outlives_device_and_adapter(void **state)
{
	struct fixture *f = *state;
	PPCNOTIFICATION_BUFFER buf = NULL;

	/* A driver that keeps its reference past the device: calls fail cleanly. */
	amod_device_remove(f->device);
	f->device = NULL;
	assert_int_equal(IPortClsNotifications_AllocNotificationBuffer(f->notifications,
								       NonPagedPoolNx, 48, &buf),
			 STATUS_INVALID_DEVICE_STATE);
	assert_null(buf);
	f->adapter = amod_adapter_unref(f->adapter);
	IPortClsNotifications_SendNotification(f->notifications, &KSNOTIFICATIONID_AudioModule,
					       NULL);
	assert_int_equal(IPortClsNotifications_Release(f->notifications), 0);
	f->notifications = NULL;
}

static void test_port_register_miniport_rejects_foreign_unknown(void **state)
{
	struct fixture *f = *state;
	AMOD_MINIPORT_REGISTRATION reg = { .Size = sizeof(reg) };
	IUnknownVtbl vtbl = { 0 };
	IUnknown fake = { &vtbl };

	assert_int_equal(AmodPortRegisterMiniport(&fake, &reg), STATUS_INVALID_PARAMETER);
	assert_int_equal(AmodPortRegisterMiniport(NULL, &reg), STATUS_INVALID_PARAMETER);
	reg.Size = 4;
	assert_int_equal(AmodPortRegisterMiniport(amod_device_get_port(f->device), &reg),
			 STATUS_INVALID_PARAMETER);
}

static void test_port_register_miniport_conflicts_with_native_modules(void **state)
{
	struct fixture *f = *state;
	static const PCPROPERTY_ITEM items[1] = { { &KSPROPSETID_AudioModule, 1,
						    KSPROPERTY_TYPE_GET, NULL } };
	static DEFINE_PCAUTOMATION_TABLE_PROP(table, items);
	AMOD_MINIPORT_REGISTRATION reg = { .Size = sizeof(reg), .FilterAutomationTable = &table };

	/* The fixture's device has a native module: a raw table may not take the set over. */
	assert_int_equal(AmodPortRegisterMiniport(amod_device_get_port(f->device), &reg),
			 STATUS_INVALID_DEVICE_STATE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_port_qi_iunknown_same_identity, fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_port_qi_unknown_iid, fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_port_qi_null_out, fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_port_refcount_counts, fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_port_qi_addrefs, fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_port_outlives_device_and_adapter,
						fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_port_register_miniport_rejects_foreign_unknown,
						fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(
			test_port_register_miniport_conflicts_with_native_modules, fixture_setup,
			fixture_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
