/* SPDX-License-Identifier: MIT */
#include <errno.h>

#include <portcls.h>
#include <ksmedia.h>

#include "sample.h"

#include "fuzz-sample.h"

/* A mode no sample module is attached to: its pins get only mode-less modules. */
static const struct amod_guid other_mode = {
	0x0F1E2D3C, 0x4B5A, 0x6978, { 0x87, 0x96, 0xA5, 0xB4, 0xC3, 0xD2, 0xE1, 0xF0 }
};

/* The native modules' classes: make-seeds.c addresses them too. */
static const struct amod_guid echo_class = {
	0xF0220001, 0x0000, 0x4000, { 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01 }
};
static const struct amod_guid liar_class = {
	0xF0220002, 0x0000, 0x4000, { 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02 }
};

/* Vendor bytes starting with these make the native modules misbehave or notify. */
#define NATIVE_NOTIFY 'N'
#define NATIVE_LIE 'L'

struct native_context {
	uint64_t commands;
	uint64_t checksum;
};

static struct fuzz_sample *cleanup_sample;

/*
 * A native command handler that checks what the port promises it (amod-port.h: in is NULL
 * exactly when in_size is 0, out NULL exactly when *out_size is 0, the module's own context),
 * touches every byte it was given, echoes the vendor bytes as far as they fit, and on request
 * sends them as a notification, so fuzz-host's inputs reach the rings with sizes of their
 * choosing.
 */
static int32_t native_command(struct amod_module *module, void *context, const void *in,
			      uint32_t in_size, void *out, uint32_t *out_size)
{
	struct native_context *ctx = context;
	const uint8_t *bytes = in;
	uint32_t n = in_size < *out_size ? in_size : *out_size;
	uint8_t sum = 0;

	FUZZ_CHECK(ctx && ctx == amod_module_get_context(module));
	FUZZ_CHECK(!in == !in_size);
	FUZZ_CHECK(!out == !*out_size);
	/* Volatile: reads the optimiser cannot drop, so ASan checks every byte is ours. */
	for (uint32_t i = 0; i < in_size; i++)
		sum = (uint8_t)(sum + ((const volatile uint8_t *)bytes)[i]);
	ctx->checksum += sum;
	ctx->commands++;
	if (n)
		memcpy(out, in, n);
	if (in_size && bytes[0] == NATIVE_NOTIFY) {
		int r = amod_module_notify(module, in, in_size);

		FUZZ_CHECK(r >= 0 || r == -ENODEV || r == -EMSGSIZE || r == -ENOBUFS);
	}
	if (in_size > *out_size) {
		uint32_t asked = *out_size;

		*out_size = in_size;
		return asked ? AMOD_STATUS_BUFFER_TOO_SMALL : AMOD_STATUS_BUFFER_OVERFLOW;
	}
	/* A handler that claims one byte more than the buffer: the port must refuse it. */
	if (in_size && bytes[0] == NATIVE_LIE && *out_size < UINT32_MAX) {
		*out_size += 1;
		return AMOD_STATUS_SUCCESS;
	}
	*out_size = in_size;
	return AMOD_STATUS_SUCCESS;
}

static const struct amod_module_ops native_ops = {
	.version = AMOD_MODULE_OPS_VERSION,
	.command = native_command,
};

static void add_native(struct amod_device *device, const struct amod_guid *class_id,
		       uint32_t instance_id, const GUID *mode, const char *name)
{
	struct amod_module_info info = {
		.class_id = *class_id,
		.instance_id = instance_id,
		.version_major = 1,
		.name = name,
		.context_size = sizeof(struct native_context),
	};
	struct amod_module *module;

	if (mode)
		memcpy(&info.processing_mode, mode, sizeof(info.processing_mode));
	FUZZ_CHECK(amod_device_add_module(device, &info, &native_ops, NULL, &module) == 0);
}

static struct amod_device *add_native_device(struct amod_adapter *adapter,
					     const char *endpoint_id, uint32_t id)
{
	struct amod_device_info info = { .endpoint_id = endpoint_id, .name = endpoint_id };
	struct amod_device *device;

	/* id 0: a device without notification id (its modules cannot notify). */
	if (id)
		info.notification_id = (struct amod_guid){ 0xF0220000 + id, 0, 0x4000,
							   { 0x80, 0, 0, 0, 0, 0, 0, 0 } };
	FUZZ_CHECK(amod_adapter_add_device(adapter, &info, &device) == 0);
	add_native(device, &echo_class, 0, NULL, "Echo, every mode");
	add_native(device, &liar_class, 0x01000000, &AUDIO_SIGNALPROCESSINGMODE_DEFAULT,
		   "Liar, default mode");
	add_native(device, &echo_class, 0x02000000, &AUDIO_SIGNALPROCESSINGMODE_MOVIE,
		   "Echo, movie mode");
	return device;
}

/* Freed at exit so that LeakSanitizer reports only what an input leaked. */
static void fuzz_sample_fini(void)
{
	struct fuzz_sample *f = cleanup_sample;

	for (unsigned d = 0; d < FUZZ_SAMPLE_DEVICES; d++)
		for (unsigned p = 0; p < FUZZ_SAMPLE_PINS; p++)
			amod_stream_close(f->streams[d][p]);
	amod_device_remove(f->devices[2]);
	amod_device_remove(f->devices[3]);
	sample_driver_free(f->driver);
	amod_adapter_unref(f->adapter);
	memset(f, 0, sizeof(*f));
}

void fuzz_sample_init(struct fuzz_sample *f, bool streams)
{
	struct amod_adapter_config config = {
		.version = AMOD_ADAPTER_CONFIG_VERSION,
		.verifier = 1,
	};
	struct amod_guid modes[FUZZ_SAMPLE_PINS];

	memcpy(&modes[0], &AUDIO_SIGNALPROCESSINGMODE_DEFAULT, sizeof(modes[0]));
	memcpy(&modes[1], &AUDIO_SIGNALPROCESSINGMODE_MOVIE, sizeof(modes[1]));
	modes[2] = other_mode;

	memset(f, 0, sizeof(*f));
	FUZZ_CHECK(amod_adapter_new(&config, &f->adapter) == 0);
	FUZZ_CHECK(sample_driver_create(f->adapter, NULL, &f->driver) == 0);
	f->devices[0] = sample_driver_get_device(f->driver, "speaker");
	f->devices[1] = sample_driver_get_device(f->driver, "headphone");
	f->devices[2] = add_native_device(f->adapter, "fuzz-native", 1);
	f->devices[3] = add_native_device(f->adapter, "fuzz-native-silent", 0);
	for (unsigned d = 0; d < FUZZ_SAMPLE_DEVICES; d++) {
		FUZZ_CHECK(f->devices[d]);
		for (unsigned p = 0; streams && p < FUZZ_SAMPLE_PINS; p++)
			FUZZ_CHECK(amod_device_open_stream(f->devices[d], &modes[p],
							   &f->streams[d][p]) == 0);
	}
	cleanup_sample = f;
	atexit(fuzz_sample_fini);
}

struct amod_device *fuzz_sample_target(const struct fuzz_sample *f, uint8_t target,
				       struct amod_stream **ret_stream)
{
	unsigned d = FUZZ_TARGET_DEVICE(target), pin = FUZZ_TARGET_PIN(target);

	*ret_stream = pin ? f->streams[d][pin - 1] : NULL;
	return f->devices[d];
}
