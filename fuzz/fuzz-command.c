/* SPDX-License-Identifier: MIT */
/*
 * The sample modules' command parser: KSPROPERTY_AUDIOMODULE_COMMAND requests through
 * amod_device_property(), addressed to a real module of a filter or pin (found with
 * DESCRIPTORS at start-up) or to whatever the input says, with arbitrary vendor bytes after
 * the 48-byte KSAUDIOMODULE_PROPERTY. Beyond not crashing: a success fits the buffer, a
 * sample module's vendor SET that succeeded is what a GET of the same parameter reads back,
 * and the native test modules (fuzz-sample.c) answer with exactly the vendor bytes.
 */
#include <portcls.h>
#include <ksmedia.h>

#include "fuzz-sample.h"

#define MAX_MODULES 32u
#define VALUE_MAX 4096u /* more than any sample parameter or BASICSUPPORT reply */

struct module_ref {
	GUID class_id;
	ULONG instance_id;
};

struct target_modules {
	struct module_ref modules[MAX_MODULES];
	unsigned count;
};

static struct fuzz_sample sample;
static struct target_modules targets[FUZZ_SAMPLE_TARGETS]; /* by FUZZ_TARGET_* value */

/* The (ClassId, InstanceId) pairs DESCRIPTORS lists on one filter or pin. */
static void discover(uint8_t t)
{
	KSPROPERTY prop = { .Set = KSPROPSETID_AudioModule,
			    .Id = KSPROPERTY_AUDIOMODULE_DESCRIPTORS,
			    .Flags = KSPROPERTY_TYPE_GET };
	static uint8_t value[sizeof(KSMULTIPLE_ITEM) +
			     MAX_MODULES * sizeof(KSAUDIOMODULE_DESCRIPTOR)];
	uint32_t size = sizeof(value);
	struct amod_stream *stream;
	struct amod_device *device = fuzz_sample_target(&sample, t, &stream);
	KSMULTIPLE_ITEM item;

	FUZZ_CHECK(amod_device_property(device, stream, &prop, sizeof(prop), value, &size) ==
		   AMOD_STATUS_SUCCESS);
	memcpy(&item, value, sizeof(item));
	FUZZ_CHECK(item.Count <= MAX_MODULES && item.Size == size);
	for (ULONG i = 0; i < item.Count; i++) {
		KSAUDIOMODULE_DESCRIPTOR d;

		memcpy(&d, value + sizeof(item) + i * sizeof(d), sizeof(d));
		targets[t].modules[i] = (struct module_ref){ d.ClassId, d.InstanceId };
	}
	targets[t].count = item.Count;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_sample_init(&sample, true);
	for (uint8_t t = 0; t < FUZZ_SAMPLE_TARGETS; t++)
		discover(t);
	return 0;
}

static int32_t command(struct amod_device *device, struct amod_stream *stream,
		       const struct module_ref *m, ULONG flags, const void *vendor,
		       uint32_t vendor_size, void *value, uint32_t *value_size)
{
	KSAUDIOMODULE_PROPERTY p = {
		.Property = { .Set = KSPROPSETID_AudioModule, .Id = KSPROPERTY_AUDIOMODULE_COMMAND,
			      .Flags = flags },
		.ClassId = m->class_id,
		.InstanceId = m->instance_id,
	};
	/* An exact-size request: ASan sees a parser reading past the vendor bytes. */
	uint8_t *request = malloc(sizeof(p) + vendor_size);
	int32_t status;

	FUZZ_CHECK(request);
	memcpy(request, &p, sizeof(p));
	if (vendor_size)
		memcpy(request + sizeof(p), vendor, vendor_size);
	status = amod_device_property(device, stream, request, (uint32_t)(sizeof(p) + vendor_size),
				      value, value_size);
	free(request);
	return status;
}

/*
 * The sample's keyword detector (drivers/sample/README.md): its Trigger parameter (1) is an
 * action, whose GET counts detections, not a setting that reads back.
 */
static const GUID detector_class = { 0x9E3D2C1B, 0x0A4F, 0x4B6E,
				     { 0x8D, 0x7C, 0x5F, 0x1A, 0x2B, 0x3C, 0x4D, 0x91 } };
#define DETECTOR_TRIGGER 1u

/* A SET the module accepted must be what a GET of that parameter reads back. */
static void check_read_back(struct amod_device *device, struct amod_stream *stream,
			    const struct module_ref *m, const uint8_t *vendor, uint32_t vendor_size)
{
	uint32_t get[2] = { KSPROPERTY_TYPE_GET, 0 }, size = VALUE_MAX;
	uint8_t value[VALUE_MAX];

	memcpy(&get[1], vendor + 4, sizeof(get[1]));
	if (IsEqualGUID(&m->class_id, &detector_class) && get[1] == DETECTOR_TRIGGER)
		return;
	FUZZ_CHECK(command(device, stream, m, KSPROPERTY_TYPE_GET, get, sizeof(get), value,
			   &size) == AMOD_STATUS_SUCCESS);
	FUZZ_CHECK(size <= vendor_size - 8);
	FUZZ_CHECK(memcmp(value, vendor + 8, size) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = { data, size, 0 };
	uint8_t t = fuzz_u8(&in) % FUZZ_SAMPLE_TARGETS, which = fuzz_u8(&in);
	struct amod_stream *stream;
	struct amod_device *device = fuzz_sample_target(&sample, t, &stream);
	struct module_ref m;
	uint32_t flags, value_size, asked, vendor_size, verb = 0;
	uint8_t *vendor, *value = NULL;
	int32_t status;
	bool handled;

	if (which == FUZZ_COMMAND_RAW_MODULE || targets[t].count == 0) {
		fuzz_bytes(&in, &m.class_id, sizeof(m.class_id));
		m.instance_id = fuzz_u32(&in);
	} else {
		m = targets[t].modules[which % targets[t].count];
	}
	flags = fuzz_u32(&in);
	value_size = asked = fuzz_u16(&in);
	vendor_size = (uint32_t)fuzz_left(&in);
	vendor = malloc(vendor_size ? vendor_size : 1);
	FUZZ_CHECK(vendor);
	fuzz_bytes(&in, vendor, vendor_size);
	if (value_size) {
		value = malloc(value_size);
		FUZZ_CHECK(value);
		memset(value, 0xCC, value_size);
	}

	status = command(device, stream, &m, flags, vendor, vendor_size, value, &value_size);
	if (amod_status_ok(status)) {
		FUZZ_CHECK(value_size <= asked);
		for (uint32_t i = value_size; i < asked; i++)
			FUZZ_CHECK(value[i] == 0xCC);
		handled = (flags & KSPROPERTY_TYPE_GET) && !(flags & KSPROPERTY_TYPE_BASICSUPPORT);
		if (vendor_size >= 8)
			memcpy(&verb, vendor, sizeof(verb));
		if (handled && FUZZ_TARGET_DEVICE(t) >= 2) {
			/* fuzz-sample.c's native modules echo, and the port refuses their lies. */
			FUZZ_CHECK(value_size == vendor_size);
			FUZZ_CHECK(!vendor_size || memcmp(value, vendor, vendor_size) == 0);
		} else if (handled &&
			   (verb & (KSPROPERTY_TYPE_GET | KSPROPERTY_TYPE_SET |
				    KSPROPERTY_TYPE_BASICSUPPORT)) == KSPROPERTY_TYPE_SET) {
			/* The sample's verbs: BASICSUPPORT and GET win over SET. */
			check_read_back(device, stream, &m, vendor, vendor_size);
		}
	}

	free(value);
	free(vendor);
	return 0;
}
