/* SPDX-License-Identifier: MIT */
#ifndef AMOD_TEST_HELPERS_H
#define AMOD_TEST_HELPERS_H

/* Shared fixture for the port tests: one adapter (verifier on), one device, its notifications
 * interface, a listener that records what it sees and a log handler that counts messages. */

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <portcls.h>
#include <amodwdk.h>

#include <amod/amod-port.h>

#define REC_MAX 64
#define REC_DATA 128

struct rec {
	struct amod_notification n;
	unsigned char data[REC_DATA];
};

struct recorder {
	pthread_mutex_t lock;
	unsigned count;
	struct rec recs[REC_MAX];
};

struct fixture {
	struct amod_adapter *adapter;
	struct amod_device *device;
	PPORTCLSNOTIFICATIONS notifications;
	struct amod_listener *listener;
	struct recorder rec;
};

static const struct amod_guid test_device_id __attribute__((unused)) = {
	0xC01C987A, 0x30A9, 0x4DB7, { 0x8D, 0x69, 0x69, 0x6C, 0xFF, 0x41, 0xE4, 0xB9 }
};
static const struct amod_guid test_class_id __attribute__((unused)) = {
	0xE24C8B6F, 0xEDE7, 0x4255, { 0x8B, 0x39, 0x77, 0x97, 0x60, 0x15, 0xD5, 0x93 }
};

static unsigned log_messages __attribute__((unused));
static char log_last[512] __attribute__((unused));

static inline void test_log(enum amod_log_level level, const char *message, void *userdata)
{
	(void)level;
	(void)userdata;
	log_messages++;
	snprintf(log_last, sizeof(log_last), "%s", message);
}

static inline void recorder_func(const struct amod_notification *n, void *userdata)
{
	struct recorder *r = userdata;

	pthread_mutex_lock(&r->lock);
	if (r->count < REC_MAX) {
		struct rec *x = &r->recs[r->count];

		x->n = *n;
		memcpy(x->data, n->data, n->size < REC_DATA ? n->size : REC_DATA);
		x->n.data = x->data;
	}
	r->count++;
	pthread_mutex_unlock(&r->lock);
}

static inline void build_header(void *buf, const struct amod_guid *device_id,
				const struct amod_guid *class_id, ULONG instance_id)
{
	KSAUDIOMODULE_NOTIFICATION h;

	memset(&h, 0, sizeof(h));
	memcpy(&h.ProviderId.DeviceId, device_id, sizeof(GUID));
	memcpy(&h.ProviderId.ClassId, class_id, sizeof(GUID));
	h.ProviderId.InstanceId = instance_id;
	memcpy(buf, &h, sizeof(h));
}

/* A native module whose command handler echoes its input. */
static inline int32_t echo_command(struct amod_module *m, void *ctx, const void *in, uint32_t in_size,
			    void *out, uint32_t *out_size)
{
	if (*out_size == 0) {
		*out_size = in_size;
		return in_size ? AMOD_STATUS_BUFFER_OVERFLOW : AMOD_STATUS_SUCCESS;
	}
	if (*out_size < in_size)
		return AMOD_STATUS_BUFFER_TOO_SMALL;
	if (in_size)
		memcpy(out, in, in_size);
	*out_size = in_size;
	return AMOD_STATUS_SUCCESS;
}

static const struct amod_module_ops echo_ops __attribute__((unused)) = {
	.version = AMOD_MODULE_OPS_VERSION,
	.command = echo_command,
};

static inline int fixture_setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct amod_adapter_config cfg = { .version = AMOD_ADAPTER_CONFIG_VERSION, .verifier = 1 };
	struct amod_device_info info = { "speaker", "Speaker", test_device_id };
	struct amod_module_info mi = { .class_id = test_class_id, .instance_id = 0,
				       .version_major = 1, .name = "Generic system module" };
	struct amod_module *m;
	IUnknown *port;

	assert_non_null(f);
	pthread_mutex_init(&f->rec.lock, NULL);
	log_messages = 0;
	log_last[0] = 0;
	amod_set_log_handler(test_log, NULL);
	assert_int_equal(amod_adapter_new(&cfg, &f->adapter), 0);
	assert_int_equal(amod_adapter_add_device(f->adapter, &info, &f->device), 0);
	assert_int_equal(amod_device_add_module(f->device, &mi, &echo_ops, NULL, &m), 0);
	port = amod_device_get_port(f->device);
	assert_int_equal(IUnknown_QueryInterface(port, &IID_IPortClsNotifications,
						 (PVOID *)&f->notifications),
			 STATUS_SUCCESS);
	assert_int_equal(amod_adapter_add_listener(f->adapter, NULL, recorder_func, &f->rec,
						   &f->listener),
			 0);
	*state = f;
	return 0;
}

static inline int fixture_teardown(void **state)
{
	struct fixture *f = *state;

	if (f->notifications)
		IPortClsNotifications_Release(f->notifications);
	amod_adapter_unref(f->adapter);
	amod_set_log_handler(NULL, NULL);
	pthread_mutex_destroy(&f->rec.lock);
	free(f);
	return 0;
}

static inline struct amod_verifier_stats stats_of(struct fixture *f)
{
	struct amod_verifier_stats s;

	assert_int_equal(amod_adapter_get_verifier_stats(f->adapter, &s), 0);
	return s;
}

#endif
