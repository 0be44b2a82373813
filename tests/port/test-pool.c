/* SPDX-License-Identifier: MIT */
/* AllocNotificationBuffer / FreeNotificationBuffer rules and the verifier. */
#include <stdint.h>

#include "test-helpers.h"

static PPCNOTIFICATION_BUFFER alloc_ok(struct fixture *f, POOL_TYPE type, USHORT n)
{
	PPCNOTIFICATION_BUFFER b = NULL;

	assert_int_equal(IPortClsNotifications_AllocNotificationBuffer(f->notifications, type, n,
								       &b),
			 STATUS_SUCCESS);
	assert_non_null(b);
	return b;
}

static void test_alloc_accepts_wdk_pool_types(void **state)
{
	struct fixture *f = *state;
	const POOL_TYPE types[] = { NonPagedPool, NonPagedPoolNx, PagedPool };

	for (size_t i = 0; i < 3; i++) {
		PPCNOTIFICATION_BUFFER b = alloc_ok(f, types[i], 48);

		IPortClsNotifications_FreeNotificationBuffer(f->notifications, b);
	}
	assert_int_equal(amod_adapter_get_live_buffers(f->adapter), 0);
}

static void test_alloc_rejects_other_pool_types(void **state)
{
	struct fixture *f = *state;
	const int types[] = { 2, 3, 4, 5, 6, 7, 32, 516, -1 };

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		PPCNOTIFICATION_BUFFER b = (PPCNOTIFICATION_BUFFER)0x1;

		assert_int_equal(IPortClsNotifications_AllocNotificationBuffer(
					 f->notifications, (POOL_TYPE)types[i], 48, &b),
				 STATUS_INVALID_PARAMETER);
		assert_null(b);
	}
	assert_int_equal(stats_of(f).alloc_failures, 9);
}

static void test_alloc_rejects_zero_size(void **state)
{
	struct fixture *f = *state;
	PPCNOTIFICATION_BUFFER b = (PPCNOTIFICATION_BUFFER)0x1;

	assert_int_equal(IPortClsNotifications_AllocNotificationBuffer(f->notifications,
								       NonPagedPoolNx, 0, &b),
			 STATUS_INVALID_PARAMETER);
	assert_null(b);
}

static void test_alloc_rejects_null_out(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(IPortClsNotifications_AllocNotificationBuffer(f->notifications,
								       NonPagedPoolNx, 48, NULL),
			 STATUS_INVALID_PARAMETER);
}

static void test_alloc_zero_filled_and_aligned(void **state)
{
	struct fixture *f = *state;
	const USHORT sizes[] = { 1, 40, 48, 64, 65, 1000, 4096, 20000, 65535 };

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		PPCNOTIFICATION_BUFFER b = alloc_ok(f, NonPagedPoolNx, sizes[i]);
		unsigned char *p = (unsigned char *)b;

		assert_int_equal((uintptr_t)p % 16, 0);
		for (USHORT k = 0; k < sizes[i]; k++)
			assert_int_equal(p[k], 0);
		/* Dirty it: the next buffer from this slot must still come back zeroed. */
		memset(p, 0xAA, sizes[i]);
		IPortClsNotifications_FreeNotificationBuffer(f->notifications, b);
		b = alloc_ok(f, NonPagedPoolNx, sizes[i]);
		assert_ptr_equal(b, p); /* LIFO free list: same slot */
		for (USHORT k = 0; k < sizes[i]; k++)
			assert_int_equal(((unsigned char *)b)[k], 0);
		IPortClsNotifications_FreeNotificationBuffer(f->notifications, b);
	}
}

static void test_alloc_exhaustion_insufficient_resources(void **state)
{
	struct amod_adapter_config cfg = { .version = AMOD_ADAPTER_CONFIG_VERSION, .verifier = 1,
					   .pool_buffers = { 2, 1, 1, 1, 1, 1 } };
	struct amod_device_info info = { "tiny", "Tiny", test_device_id };
	struct amod_adapter *a;
	struct amod_device *d;
	PPORTCLSNOTIFICATIONS p;
	PPCNOTIFICATION_BUFFER b[8] = { 0 }, extra = (PPCNOTIFICATION_BUFFER)0x1;
	struct amod_verifier_stats s;

	assert_int_equal(amod_adapter_new(&cfg, &a), 0);
	assert_int_equal(amod_adapter_add_device(a, &info, &d), 0);
	assert_int_equal(IUnknown_QueryInterface(amod_device_get_port(d),
						 &IID_IPortClsNotifications, (PVOID *)&p),
			 STATUS_SUCCESS);
	/* 48 bytes fit every class: 2 + 1 + 1 + 1 + 1 + 1 = 7 buffers, then nothing. */
	for (int i = 0; i < 7; i++)
		assert_int_equal(IPortClsNotifications_AllocNotificationBuffer(p, NonPagedPoolNx, 48,
									       &b[i]),
				 STATUS_SUCCESS);
	assert_int_equal(IPortClsNotifications_AllocNotificationBuffer(p, NonPagedPoolNx, 48, &extra),
			 STATUS_INSUFFICIENT_RESOURCES);
	assert_null(extra);
	assert_int_equal(amod_adapter_get_live_buffers(a), 7);
	IPortClsNotifications_FreeNotificationBuffer(p, b[3]);
	assert_int_equal(IPortClsNotifications_AllocNotificationBuffer(p, PagedPool, 48, &extra),
			 STATUS_SUCCESS);
	IPortClsNotifications_FreeNotificationBuffer(p, extra);
	for (int i = 0; i < 7; i++)
		if (i != 3)
			IPortClsNotifications_FreeNotificationBuffer(p, b[i]);
	assert_int_equal(amod_adapter_get_verifier_stats(a, &s), 0);
	assert_int_equal(s.alloc_failures, 1);
	assert_int_equal(s.leaks, 0);
	IPortClsNotifications_Release(p);
	amod_adapter_unref(a);
}

static void test_free_null_does_nothing(void **state)
{
	struct fixture *f = *state;
	struct amod_verifier_stats s;

	IPortClsNotifications_FreeNotificationBuffer(f->notifications, NULL);
	s = stats_of(f);
	assert_int_equal(s.invalid_frees + s.double_frees, 0);
	assert_int_equal(log_messages, 0);
}

static void test_verifier_double_free(void **state)
{
	struct fixture *f = *state;
	PPCNOTIFICATION_BUFFER b = alloc_ok(f, NonPagedPoolNx, 48);

	IPortClsNotifications_FreeNotificationBuffer(f->notifications, b);
	IPortClsNotifications_FreeNotificationBuffer(f->notifications, b);
	assert_int_equal(stats_of(f).double_frees, 1);
	assert_int_equal(amod_adapter_get_live_buffers(f->adapter), 0);
	assert_non_null(strstr(log_last, "already freed"));
	/* The pool is intact: the slot is handed out once, not twice. */
	PPCNOTIFICATION_BUFFER x = alloc_ok(f, NonPagedPoolNx, 48);
	PPCNOTIFICATION_BUFFER y = alloc_ok(f, NonPagedPoolNx, 48);
	assert_ptr_not_equal(x, y);
	IPortClsNotifications_FreeNotificationBuffer(f->notifications, x);
	IPortClsNotifications_FreeNotificationBuffer(f->notifications, y);
}

static void test_verifier_free_of_foreign_pointer(void **state)
{
	struct fixture *f = *state;
	unsigned char stack[64];
	unsigned char *heap = malloc(64);
	PPCNOTIFICATION_BUFFER b = alloc_ok(f, NonPagedPoolNx, 48);

	IPortClsNotifications_FreeNotificationBuffer(f->notifications,
						     (PPCNOTIFICATION_BUFFER)stack);
	IPortClsNotifications_FreeNotificationBuffer(f->notifications, (PPCNOTIFICATION_BUFFER)heap);
	/* Inside a real buffer but not its start. */
	IPortClsNotifications_FreeNotificationBuffer(f->notifications,
						     (PPCNOTIFICATION_BUFFER)((char *)b + 8));
	assert_int_equal(stats_of(f).invalid_frees, 3);
	assert_int_equal(amod_adapter_get_live_buffers(f->adapter), 1);
	IPortClsNotifications_FreeNotificationBuffer(f->notifications, b);
	assert_int_equal(amod_adapter_get_live_buffers(f->adapter), 0);
	free(heap);
}

static void test_verifier_overrun_detected_on_free(void **state)
{
	struct fixture *f = *state;
	PPCNOTIFICATION_BUFFER b = alloc_ok(f, NonPagedPoolNx, 48);

	((unsigned char *)b)[48] = 0x00; /* one byte past NumberOfBytes */
	IPortClsNotifications_FreeNotificationBuffer(f->notifications, b);
	assert_int_equal(stats_of(f).overruns, 1);
	assert_non_null(strstr(log_last, "write past the 48 bytes"));
}

static void test_verifier_overrun_detected_on_send(void **state)
{
	struct fixture *f = *state;
	PPCNOTIFICATION_BUFFER b = alloc_ok(f, NonPagedPoolNx, 8);

	((unsigned char *)b)[8 + 15] = 0x00; /* last guard byte */
	IPortClsNotifications_SendNotification(f->notifications, &KSNOTIFICATIONID_SoundDetector, b);
	assert_int_equal(stats_of(f).overruns, 1);
	IPortClsNotifications_FreeNotificationBuffer(f->notifications, b);
	assert_int_equal(stats_of(f).overruns, 1); /* reported once */
}

static void test_verifier_off_ignores_overrun(void **state)
{
	struct fixture *f = *state;
	PPCNOTIFICATION_BUFFER b;

	amod_adapter_set_verifier(f->adapter, false);
	assert_false(amod_adapter_get_verifier(f->adapter));
	b = alloc_ok(f, NonPagedPoolNx, 48);
	((unsigned char *)b)[48] = 0x00;
	IPortClsNotifications_FreeNotificationBuffer(f->notifications, b);
	assert_int_equal(stats_of(f).overruns, 0);
	amod_adapter_set_verifier(f->adapter, true);
	assert_true(amod_adapter_get_verifier(f->adapter));
}

static void test_verifier_leak_reported_when_device_removed(void **state)
{
	struct fixture *f = *state;

	alloc_ok(f, NonPagedPoolNx, 48);
	alloc_ok(f, PagedPool, 1000);
	amod_device_remove(f->device);
	f->device = NULL;
	assert_int_equal(stats_of(f).leaks, 2);
	assert_non_null(strstr(log_last, "2 notification buffer(s) still allocated"));
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, fixture_setup, fixture_teardown)
	const struct CMUnitTest tests[] = {
		T(test_alloc_accepts_wdk_pool_types),
		T(test_alloc_rejects_other_pool_types),
		T(test_alloc_rejects_zero_size),
		T(test_alloc_rejects_null_out),
		T(test_alloc_zero_filled_and_aligned),
		cmocka_unit_test(test_alloc_exhaustion_insufficient_resources),
		T(test_free_null_does_nothing),
		T(test_verifier_double_free),
		T(test_verifier_free_of_foreign_pointer),
		T(test_verifier_overrun_detected_on_free),
		T(test_verifier_overrun_detected_on_send),
		T(test_verifier_off_ignores_overrun),
		T(test_verifier_leak_reported_when_device_removed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
