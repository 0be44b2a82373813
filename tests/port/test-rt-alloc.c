/* SPDX-License-Identifier: MIT */
/*
 * Real-time safety: AllocNotificationBuffer (non-paged), SendNotification and
 * FreeNotificationBuffer, and the native sends, must not allocate. The allocator entry points
 * are wrapped at link time (-Wl,--wrap) for the port code linked into this program; while
 * counting is armed, every call is counted.
 */
#include <errno.h>
#include <stdatomic.h>

#include "test-helpers.h"

static atomic_int armed;
static atomic_int allocations;

void *__real_malloc(size_t size);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t size);
int __real_posix_memalign(void **p, size_t align, size_t size);
void *__real_aligned_alloc(size_t align, size_t size);
void __real_free(void *p);
void *__wrap_malloc(size_t size);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t size);
int __wrap_posix_memalign(void **p, size_t align, size_t size);
void *__wrap_aligned_alloc(size_t align, size_t size);
void __wrap_free(void *p);

static void count(void)
{
	if (atomic_load(&armed))
		atomic_fetch_add(&allocations, 1);
}

void *__wrap_malloc(size_t size)
{
	count();
	return __real_malloc(size);
}

void *__wrap_calloc(size_t n, size_t size)
{
	count();
	return __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t size)
{
	count();
	return __real_realloc(p, size);
}

int __wrap_posix_memalign(void **p, size_t align, size_t size)
{
	count();
	return __real_posix_memalign(p, align, size);
}

void *__wrap_aligned_alloc(size_t align, size_t size)
{
	count();
	return __real_aligned_alloc(align, size);
}

void __wrap_free(void *p)
{
	count();
	__real_free(p);
}

/* A listener like the host's fan-out will be: copies into preallocated memory. */
static unsigned char sink[256];
static void copying_listener(const struct amod_notification *n, void *userdata)
{
	memcpy(sink, n->data, n->size < sizeof(sink) ? n->size : sizeof(sink));
	(*(unsigned *)userdata)++;
}

static void test_rt_wrap_is_effective(void **state)
{
	struct amod_adapter *a = NULL;

	/* Proves the counter sees the port's allocations: creating an adapter allocates. */
	atomic_store(&allocations, 0);
	atomic_store(&armed, 1);
	assert_int_equal(amod_adapter_new(NULL, &a), 0);
	atomic_store(&armed, 0);
	assert_true(atomic_load(&allocations) > 0);
	amod_adapter_unref(a);
}

static void test_rt_alloc_send_free_do_not_allocate(void **state)
{
	struct fixture *f = *state;
	struct amod_module *m = NULL;
	struct amod_listener *l;
	unsigned got = 0;
	struct amod_guid ev;
	unsigned char hdr[48];

	assert_int_equal(amod_adapter_add_listener(f->adapter, NULL, copying_listener, &got, &l), 0);
	m = NULL;
	{
		struct amod_module_info mi = { .class_id = test_class_id, .instance_id = 5,
					       .name = "RT" };
		assert_int_equal(amod_device_add_module(f->device, &mi, &echo_ops, NULL, &m), 0);
	}
	memcpy(&ev, &KSNOTIFICATIONID_AudioModule, 16);
	build_header(hdr, &test_device_id, &test_class_id, 0);

	atomic_store(&allocations, 0);
	atomic_store(&armed, 1);
	for (int i = 0; i < 1000; i++) {
		PPCNOTIFICATION_BUFFER b = NULL;
		NTSTATUS s = IPortClsNotifications_AllocNotificationBuffer(
			f->notifications, NonPagedPoolNx, 48, &b);

		if (s != STATUS_SUCCESS)
			break;
		memcpy(b, hdr, sizeof(hdr));
		IPortClsNotifications_SendNotification(f->notifications,
						       &KSNOTIFICATIONID_AudioModule, b);
		IPortClsNotifications_FreeNotificationBuffer(f->notifications, b);
		amod_module_notify(m, "abcd", 4);
		amod_device_send(f->device, &ev, hdr, sizeof(hdr));
	}
	atomic_store(&armed, 0);
	assert_int_equal(atomic_load(&allocations), 0);
	assert_int_equal(got, 3000);
	amod_listener_remove(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rt_wrap_is_effective),
		cmocka_unit_test_setup_teardown(test_rt_alloc_send_free_do_not_allocate,
						fixture_setup, fixture_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
