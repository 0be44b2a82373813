/* SPDX-License-Identifier: MIT */
/* SendNotification rules, native sends, listeners and filters. */
#include <errno.h>

#include "test-helpers.h"

static const GUID sound_detector_id = { 0x6389D844, 0xBB32, 0x4C4C,
					{ 0xA8, 0x02, 0xF4, 0xB4, 0xB7, 0x7A, 0xFE, 0xAD } };

static PPCNOTIFICATION_BUFFER module_buffer(struct fixture *f, USHORT n,
					    const struct amod_guid *device_id,
					    const struct amod_guid *class_id, ULONG instance_id)
{
	PPCNOTIFICATION_BUFFER b = NULL;

	assert_int_equal(IPortClsNotifications_AllocNotificationBuffer(f->notifications,
								       NonPagedPoolNx, n, &b),
			 STATUS_SUCCESS);
	if (n >= sizeof(KSAUDIOMODULE_NOTIFICATION))
		build_header(b, device_id, class_id, instance_id);
	return b;
}

static void test_send_module_notification_delivered(void **state)
{
	struct fixture *f = *state;
	PPCNOTIFICATION_BUFFER b = module_buffer(f, 48, &test_device_id, &test_class_id, 0);
	unsigned char expect[48];

	((unsigned char *)b)[44] = 7;
	memcpy(expect, b, sizeof(expect));
	IPortClsNotifications_SendNotification(f->notifications, &KSNOTIFICATIONID_AudioModule, b);
	IPortClsNotifications_FreeNotificationBuffer(f->notifications, b);

	assert_int_equal(f->rec.count, 1);
	assert_int_equal(f->rec.recs[0].n.size, 48);
	assert_memory_equal(f->rec.recs[0].data, expect, 48);
	assert_memory_equal(&f->rec.recs[0].n.event_id, &KSNOTIFICATIONID_AudioModule, 16);
	assert_true(amod_guid_equal(&f->rec.recs[0].n.device_id, &test_device_id));
	assert_true(amod_guid_equal(&f->rec.recs[0].n.class_id, &test_class_id));
	assert_int_equal(f->rec.recs[0].n.instance_id, 0);
	assert_ptr_equal(f->rec.recs[0].n.device, f->device);
	assert_int_equal(f->rec.recs[0].n.sequence, 1);
	assert_true(f->rec.recs[0].n.timestamp_ns > 0);
}

static void test_send_sequence_and_time_increase(void **state)
{
	struct fixture *f = *state;
	PPCNOTIFICATION_BUFFER b = module_buffer(f, 40, &test_device_id, &test_class_id, 0);

	for (int i = 0; i < 5; i++)
		IPortClsNotifications_SendNotification(f->notifications,
						       &KSNOTIFICATIONID_AudioModule, b);
	IPortClsNotifications_FreeNotificationBuffer(f->notifications, b);
	assert_int_equal(f->rec.count, 5);
	for (int i = 0; i < 5; i++)
		assert_int_equal(f->rec.recs[i].n.sequence, (uint64_t)i + 1);
	for (int i = 1; i < 5; i++)
		assert_true(f->rec.recs[i].n.timestamp_ns >= f->rec.recs[i - 1].n.timestamp_ns);
}

static void test_send_buffer_reuse_is_harmless(void **state)
{
	struct fixture *f = *state;
	PPCNOTIFICATION_BUFFER b = module_buffer(f, 41, &test_device_id, &test_class_id, 0);

	((unsigned char *)b)[40] = 1;
	IPortClsNotifications_SendNotification(f->notifications, &KSNOTIFICATIONID_AudioModule, b);
	((unsigned char *)b)[40] = 2;
	IPortClsNotifications_SendNotification(f->notifications, &KSNOTIFICATIONID_AudioModule, b);
	IPortClsNotifications_FreeNotificationBuffer(f->notifications, b);
	assert_int_equal(f->rec.count, 2);
	assert_int_equal(f->rec.recs[0].data[40], 1);
	assert_int_equal(f->rec.recs[1].data[40], 2);
}

static void assert_rejected(struct fixture *f, const GUID *id, PPCNOTIFICATION_BUFFER b,
			    NTSTATUS expect)
{
	uint64_t before = stats_of(f).rejected_sends;
	ULONG delivered = 99;

	IPortClsNotifications_SendNotification(f->notifications, id, b);
	assert_int_equal(AmodSendNotificationEx(f->notifications, id, b, &delivered), expect);
	assert_int_equal(delivered, 0);
	assert_int_equal(stats_of(f).rejected_sends, before + 2);
	assert_int_equal(f->rec.count, 0);
}

static void test_send_rejects_short_module_header(void **state)
{
	struct fixture *f = *state;
	PPCNOTIFICATION_BUFFER b = module_buffer(f, 39, &test_device_id, &test_class_id, 0);

	assert_rejected(f, &KSNOTIFICATIONID_AudioModule, b, STATUS_INVALID_PARAMETER);
	assert_non_null(strstr(log_last, "shorter than the 40-byte"));
	IPortClsNotifications_FreeNotificationBuffer(f->notifications, b);
}

static void test_send_rejects_wrong_device_id(void **state)
{
	struct fixture *f = *state;
	struct amod_guid other = test_device_id;
	PPCNOTIFICATION_BUFFER b;

	other.data4[7] ^= 1;
	b = module_buffer(f, 48, &other, &test_class_id, 0);
	assert_rejected(f, &KSNOTIFICATIONID_AudioModule, b, STATUS_NOT_FOUND);
	assert_non_null(strstr(log_last, "DeviceId"));
	IPortClsNotifications_FreeNotificationBuffer(f->notifications, b);
}

static void test_send_rejects_unknown_module(void **state)
{
	struct fixture *f = *state;
	PPCNOTIFICATION_BUFFER b = module_buffer(f, 48, &test_device_id, &test_class_id, 1);

	assert_rejected(f, &KSNOTIFICATIONID_AudioModule, b, STATUS_NOT_FOUND);
	build_header(b, &test_device_id, &test_device_id, 0);
	assert_rejected(f, &KSNOTIFICATIONID_AudioModule, b, STATUS_NOT_FOUND);
	IPortClsNotifications_FreeNotificationBuffer(f->notifications, b);
}

static void test_send_rejects_foreign_and_freed_buffers(void **state)
{
	struct fixture *f = *state;
	unsigned char stack[48];
	PPCNOTIFICATION_BUFFER b = module_buffer(f, 48, &test_device_id, &test_class_id, 0);

	build_header(stack, &test_device_id, &test_class_id, 0);
	assert_rejected(f, &KSNOTIFICATIONID_AudioModule, (PPCNOTIFICATION_BUFFER)stack,
			STATUS_INVALID_PARAMETER);
	IPortClsNotifications_FreeNotificationBuffer(f->notifications, b);
	assert_rejected(f, &KSNOTIFICATIONID_AudioModule, b, STATUS_INVALID_PARAMETER);
	assert_rejected(f, &KSNOTIFICATIONID_AudioModule, NULL, STATUS_INVALID_PARAMETER);
}

static void test_send_rejects_null_id(void **state)
{
	struct fixture *f = *state;
	PPCNOTIFICATION_BUFFER b = module_buffer(f, 48, &test_device_id, &test_class_id, 0);

	assert_rejected(f, NULL, b, STATUS_INVALID_PARAMETER);
	IPortClsNotifications_FreeNotificationBuffer(f->notifications, b);
}

static void test_send_rejected_does_not_advance_sequence(void **state)
{
	struct fixture *f = *state;
	PPCNOTIFICATION_BUFFER bad = module_buffer(f, 48, &test_device_id, &test_class_id, 9);
	PPCNOTIFICATION_BUFFER good = module_buffer(f, 48, &test_device_id, &test_class_id, 0);

	IPortClsNotifications_SendNotification(f->notifications, &KSNOTIFICATIONID_AudioModule, bad);
	IPortClsNotifications_SendNotification(f->notifications, &KSNOTIFICATIONID_AudioModule, good);
	assert_int_equal(f->rec.count, 1);
	assert_int_equal(f->rec.recs[0].n.sequence, 1);
	IPortClsNotifications_FreeNotificationBuffer(f->notifications, bad);
	IPortClsNotifications_FreeNotificationBuffer(f->notifications, good);
}

static void test_send_other_event_delivered_as_is(void **state)
{
	struct fixture *f = *state;
	PPCNOTIFICATION_BUFFER b = module_buffer(f, 12, NULL, NULL, 0);
	ULONG delivered = 0;

	memcpy(b, "keyword!1234", 12);
	assert_int_equal(AmodSendNotificationEx(f->notifications, &sound_detector_id, b, &delivered),
			 STATUS_SUCCESS);
	assert_int_equal(delivered, 1);
	IPortClsNotifications_FreeNotificationBuffer(f->notifications, b);
	assert_int_equal(f->rec.count, 1);
	assert_int_equal(f->rec.recs[0].n.size, 12);
	assert_memory_equal(f->rec.recs[0].data, "keyword!1234", 12);
	assert_memory_equal(&f->rec.recs[0].n.event_id, &sound_detector_id, 16);
	assert_true(amod_guid_is_null(&f->rec.recs[0].n.class_id));
	assert_true(amod_guid_equal(&f->rec.recs[0].n.device_id, &test_device_id));
}

static void test_send_ex_counts_listeners(void **state)
{
	struct fixture *f = *state;
	PPCNOTIFICATION_BUFFER b = module_buffer(f, 48, &test_device_id, &test_class_id, 0);
	struct recorder second = { .lock = PTHREAD_MUTEX_INITIALIZER };
	struct amod_listener *l2;
	ULONG delivered = 0;

	assert_int_equal(amod_adapter_add_listener(f->adapter, NULL, recorder_func, &second, &l2), 0);
	assert_int_equal(AmodSendNotificationEx(f->notifications, &KSNOTIFICATIONID_AudioModule, b,
						&delivered),
			 STATUS_SUCCESS);
	assert_int_equal(delivered, 2);
	amod_listener_remove(l2);
	amod_listener_remove(f->listener);
	f->listener = NULL;
	assert_int_equal(AmodSendNotificationEx(f->notifications, &KSNOTIFICATIONID_AudioModule, b,
						&delivered),
			 STATUS_SUCCESS);
	assert_int_equal(delivered, 0); /* no listener: accepted, reached nobody */
	assert_int_equal(f->rec.count, 1);
	assert_int_equal(second.count, 1);
	IPortClsNotifications_FreeNotificationBuffer(f->notifications, b);
}

static void test_send_after_device_removed(void **state)
{
	struct fixture *f = *state;
	PPCNOTIFICATION_BUFFER b = module_buffer(f, 48, &test_device_id, &test_class_id, 0);
	ULONG delivered = 5;

	amod_device_remove(f->device);
	f->device = NULL;
	assert_int_equal(AmodSendNotificationEx(f->notifications, &KSNOTIFICATIONID_AudioModule, b,
						&delivered),
			 STATUS_INVALID_DEVICE_STATE);
	assert_int_equal(delivered, 0);
	IPortClsNotifications_FreeNotificationBuffer(f->notifications, b);
	assert_int_equal(f->rec.count, 0);
}

static void test_listener_filters(void **state)
{
	struct fixture *f = *state;
	struct amod_guid other = test_class_id;
	struct amod_filter by_event = { .flags = AMOD_FILTER_EVENT };
	struct amod_filter by_class = { .flags = AMOD_FILTER_CLASS, .class_id = test_class_id };
	struct amod_filter by_other_class = { .flags = AMOD_FILTER_CLASS };
	struct amod_filter by_instance = { .flags = AMOD_FILTER_INSTANCE, .instance_id = 3 };
	struct amod_filter by_device = { .flags = AMOD_FILTER_DEVICE, .device_id = test_device_id };
	struct recorder r[5] = { [0 ... 4] = { .lock = PTHREAD_MUTEX_INITIALIZER } };
	struct amod_filter *filters[5] = { &by_event, &by_class, &by_other_class, &by_instance,
					   &by_device };
	struct amod_listener *l[5];
	PPCNOTIFICATION_BUFFER b = module_buffer(f, 48, &test_device_id, &test_class_id, 0);
	PPCNOTIFICATION_BUFFER d = module_buffer(f, 4, NULL, NULL, 0);

	other.data1 ^= 1;
	by_other_class.class_id = other;
	memcpy(&by_event.event_id, &sound_detector_id, 16);
	for (int i = 0; i < 5; i++)
		assert_int_equal(amod_adapter_add_listener(f->adapter, filters[i], recorder_func,
							   &r[i], &l[i]),
				 0);
	IPortClsNotifications_SendNotification(f->notifications, &KSNOTIFICATIONID_AudioModule, b);
	IPortClsNotifications_SendNotification(f->notifications, &sound_detector_id, d);
	assert_int_equal(r[0].count, 1); /* detector only */
	assert_memory_equal(&r[0].recs[0].n.event_id, &sound_detector_id, 16);
	assert_int_equal(r[1].count, 1); /* the module event; class filters skip other events */
	assert_int_equal(r[2].count, 0);
	assert_int_equal(r[3].count, 0);
	assert_int_equal(r[4].count, 2);
	for (int i = 0; i < 5; i++)
		amod_listener_remove(l[i]);
	IPortClsNotifications_FreeNotificationBuffer(f->notifications, b);
	IPortClsNotifications_FreeNotificationBuffer(f->notifications, d);
}

static void test_listener_bad_arguments(void **state)
{
	struct fixture *f = *state;
	struct amod_filter bad = { .flags = 1u << 9 };
	struct amod_listener *l = NULL;

	assert_int_equal(amod_adapter_add_listener(f->adapter, &bad, recorder_func, NULL, &l),
			 -EINVAL);
	assert_int_equal(amod_adapter_add_listener(f->adapter, NULL, NULL, NULL, &l), -EINVAL);
	assert_int_equal(amod_adapter_add_listener(NULL, NULL, recorder_func, NULL, &l), -EINVAL);
	assert_null(l);
	amod_listener_remove(NULL);
}

static void test_listener_limit(void **state)
{
	struct amod_adapter_config cfg = { .version = AMOD_ADAPTER_CONFIG_VERSION,
					   .max_listeners = 2 };
	struct amod_adapter *a;
	struct amod_listener *l[3] = { 0 };

	assert_int_equal(amod_adapter_new(&cfg, &a), 0);
	assert_int_equal(amod_adapter_add_listener(a, NULL, recorder_func, NULL, &l[0]), 0);
	assert_int_equal(amod_adapter_add_listener(a, NULL, recorder_func, NULL, &l[1]), 0);
	assert_int_equal(amod_adapter_add_listener(a, NULL, recorder_func, NULL, &l[2]), -ENOSPC);
	amod_listener_remove(l[0]);
	assert_int_equal(amod_adapter_add_listener(a, NULL, recorder_func, NULL, &l[2]), 0);
	amod_adapter_unref(a); /* frees the listeners still attached */
}

static void test_sequence_per_device(void **state)
{
	struct fixture *f = *state;
	struct amod_device_info info = { "headphone", "Headphone", { 0 } };
	struct amod_device *d2;
	struct amod_guid ev;

	memcpy(&ev, &sound_detector_id, 16);
	assert_int_equal(amod_adapter_add_device(f->adapter, &info, &d2), 0);
	assert_int_equal(amod_device_send(f->device, &ev, "a", 1), 1);
	assert_int_equal(amod_device_send(f->device, &ev, "b", 1), 1);
	assert_int_equal(amod_device_send(d2, &ev, "c", 1), 1);
	assert_int_equal(f->rec.recs[1].n.sequence, 2);
	assert_int_equal(f->rec.recs[2].n.sequence, 1);
	assert_ptr_equal(f->rec.recs[2].n.device, d2);
	assert_true(amod_guid_is_null(&f->rec.recs[2].n.device_id));
}

static void test_device_send_errors(void **state)
{
	struct fixture *f = *state;
	struct amod_guid ev;
	unsigned char buf[48];
	static unsigned char big[65536];

	memcpy(&ev, &KSNOTIFICATIONID_AudioModule, 16);
	build_header(buf, &test_device_id, &test_class_id, 0);
	assert_int_equal(amod_device_send(f->device, &ev, buf, 39), -EINVAL);
	assert_int_equal(amod_device_send(f->device, &ev, NULL, 4), -EINVAL);
	assert_int_equal(amod_device_send(NULL, &ev, buf, 48), -EINVAL);
	assert_int_equal(amod_device_send(f->device, &ev, big, sizeof(big)), -EMSGSIZE);
	build_header(buf, &test_class_id, &test_class_id, 0);
	assert_int_equal(amod_device_send(f->device, &ev, buf, 48), -ENOENT);
	build_header(buf, &test_device_id, &test_class_id, 0);
	assert_int_equal(amod_device_send(f->device, &ev, buf, 48), 1);
	assert_int_equal(f->rec.count, 1);
}

static void test_device_add_errors(void **state)
{
	struct fixture *f = *state;
	struct amod_device *d = NULL;
	char long_name[200];
	struct amod_device_info dup_endpoint = { "speaker", "Other", { 0 } };
	struct amod_device_info dup_id = { "other", "Other", test_device_id };
	struct amod_device_info no_name = { "other", NULL, { 0 } };
	struct amod_device_info empty_id = { "", "Other", { 0 } };
	struct amod_device_info too_long = { "other", long_name, { 0 } };

	memset(long_name, 'x', 128);
	long_name[128] = 0; /* 128 units + NUL does not fit 128 */
	assert_int_equal(amod_adapter_add_device(f->adapter, &dup_endpoint, &d), -EEXIST);
	assert_int_equal(amod_adapter_add_device(f->adapter, &dup_id, &d), -EEXIST);
	assert_int_equal(amod_adapter_add_device(f->adapter, &no_name, &d), -EINVAL);
	assert_int_equal(amod_adapter_add_device(f->adapter, &empty_id, &d), -EINVAL);
	assert_int_equal(amod_adapter_add_device(f->adapter, &too_long, &d), -EINVAL);
	assert_null(d);
	long_name[127] = 0;
	assert_int_equal(amod_adapter_add_device(f->adapter, &too_long, &d), 0);
	assert_ptr_equal(amod_adapter_find_device(f->adapter, "other"), d);
	assert_ptr_equal(amod_adapter_get_device(f->adapter, 1), d);
	assert_null(amod_adapter_get_device(f->adapter, 2));
	assert_string_equal(amod_device_get_name(d), long_name);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, fixture_setup, fixture_teardown)
	const struct CMUnitTest tests[] = {
		T(test_send_module_notification_delivered),
		T(test_send_sequence_and_time_increase),
		T(test_send_buffer_reuse_is_harmless),
		T(test_send_rejects_short_module_header),
		T(test_send_rejects_wrong_device_id),
		T(test_send_rejects_unknown_module),
		T(test_send_rejects_foreign_and_freed_buffers),
		T(test_send_rejects_null_id),
		T(test_send_rejected_does_not_advance_sequence),
		T(test_send_other_event_delivered_as_is),
		T(test_send_ex_counts_listeners),
		T(test_send_after_device_removed),
		T(test_listener_filters),
		T(test_listener_bad_arguments),
		cmocka_unit_test(test_listener_limit),
		T(test_sequence_per_device),
		T(test_device_send_errors),
		T(test_device_add_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
