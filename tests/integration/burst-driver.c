/* SPDX-License-Identifier: MIT */
/*
 * A test driver plugin for amodd: device "burst" with one native module whose command
 * {u32 count, u32 payload_size, u32 pace_us} starts a thread that sends count notifications
 * (payload: u64 index, then bytes (index + k) & 0xFF) at the given pace. The command returns
 * at once; a second command while a burst runs waits for it first. Device "slow" has a module
 * whose command {u32 ms} sleeps that long in the handler: a handler that blocks (0xFFFFFFFF:
 * it answers STATUS_INVALID_DEVICE_STATE instead, a module whose device is not available).
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <amod/amod-port.h>

#define BURST_MAX_PAYLOAD 65000u

struct burst {
	struct amod_device *device;
	struct amod_device *slow_device;
	struct amod_module *module;
	pthread_t thread;
	bool running;
	uint32_t count, size, pace_us;
};

static const struct amod_guid burst_class = {
	0xB0057000, 0x0001, 0x4000, { 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01 }
};
static const struct amod_guid slow_class = {
	0xB0057000, 0x0003, 0x4000, { 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03 }
};
static const struct amod_guid slow_device_id = {
	0xB0057000, 0x0004, 0x4000, { 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04 }
};
static const struct amod_guid burst_device_id = {
	0xB0057000, 0x0002, 0x4000, { 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02 }
};

static void *burst_main(void *arg)
{
	struct burst *b = arg;
	unsigned char payload[BURST_MAX_PAYLOAD];

	for (uint32_t i = 0; i < b->count; i++) {
		uint64_t index = i;

		memcpy(payload, &index, sizeof(index));
		for (uint32_t k = 8; k < b->size; k++)
			payload[k] = (unsigned char)(i + k);
		amod_module_notify(b->module, payload, b->size);
		if (b->pace_us) {
			struct timespec ts = { 0, (long)b->pace_us * 1000 };

			nanosleep(&ts, NULL);
		}
	}
	return NULL;
}

static void burst_join(struct burst *b)
{
	if (b->running)
		pthread_join(b->thread, NULL);
	b->running = false;
}

static int32_t burst_command(struct amod_module *module, void *context, const void *in,
			     uint32_t in_size, void *out, uint32_t *out_size)
{
	struct burst *b = amod_module_get_userdata(module);
	uint32_t args[3];

	*out_size = 0;
	if (!in || in_size != sizeof(args))
		return AMOD_STATUS_INVALID_PARAMETER;
	memcpy(args, in, sizeof(args));
	if (args[1] < 8 || args[1] > BURST_MAX_PAYLOAD)
		return AMOD_STATUS_INVALID_PARAMETER;
	burst_join(b);
	b->count = args[0];
	b->size = args[1];
	b->pace_us = args[2];
	if (pthread_create(&b->thread, NULL, burst_main, b) != 0)
		return AMOD_STATUS_INSUFFICIENT_RESOURCES;
	b->running = true;
	return AMOD_STATUS_SUCCESS;
}

static int32_t slow_command(struct amod_module *module, void *context, const void *in,
			    uint32_t in_size, void *out, uint32_t *out_size)
{
	uint32_t ms;
	struct timespec ts;

	*out_size = 0;
	if (!in || in_size != sizeof(ms))
		return AMOD_STATUS_INVALID_PARAMETER;
	memcpy(&ms, in, sizeof(ms));
	/* A module whose device went away under it (a DSP that crashed, say). */
	if (ms == UINT32_MAX)
		return AMOD_STATUS_INVALID_DEVICE_STATE;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	nanosleep(&ts, NULL);
	return AMOD_STATUS_SUCCESS;
}

static const struct amod_module_ops slow_ops = {
	.version = AMOD_MODULE_OPS_VERSION,
	.command = slow_command,
};

static const struct amod_module_ops burst_ops = {
	.version = AMOD_MODULE_OPS_VERSION,
	.command = burst_command,
};

static int burst_init(struct amod_adapter *adapter, const char *args, void **ret)
{
	struct amod_device_info info = { "burst", "Burst generator", burst_device_id };
	struct amod_device_info slow_info = { "slow", "Slow handler", slow_device_id };
	struct amod_module_info mi = { .class_id = burst_class, .name = "Burst" };
	struct amod_module_info slow_mi = { .class_id = slow_class, .name = "Sleeper" };
	struct amod_module *slow_module;
	struct burst *b = calloc(1, sizeof(*b));
	int r;

	if (!b)
		return -ENOMEM;
	r = amod_adapter_add_device(adapter, &info, &b->device);
	if (r >= 0)
		r = amod_device_add_module(b->device, &mi, &burst_ops, b, &b->module);
	if (r >= 0)
		r = amod_adapter_add_device(adapter, &slow_info, &b->slow_device);
	if (r >= 0)
		r = amod_device_add_module(b->slow_device, &slow_mi, &slow_ops, b, &slow_module);
	if (r < 0) {
		amod_device_remove(b->slow_device);
		amod_device_remove(b->device);
		free(b);
		return r;
	}
	*ret = b;
	return 0;
}

static void burst_fini(void *state)
{
	struct burst *b = state;

	burst_join(b);
	amod_device_remove(b->slow_device);
	amod_device_remove(b->device);
	free(b);
}

__attribute__((visibility("default"))) const struct amod_driver_entry amod_driver_entry = {
	.version = AMOD_DRIVER_ENTRY_VERSION,
	.name = "burst",
	.init = burst_init,
	.fini = burst_fini,
};
