/* SPDX-License-Identifier: MIT */
/*
 * KS property dispatch with arbitrary request bytes and value sizes against the sample's
 * devices, on the filter or on a pin: amod_device_property() and the sample miniport's
 * handlers behind it must survive anything a client can send. The value buffer is an
 * exact-size heap block (ASan sees a write past value_size); a success never reports more
 * bytes than the buffer had and never touches the bytes after those it reports.
 */
#include <portcls.h>

#include "fuzz-sample.h"

static struct fuzz_sample sample;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_sample_init(&sample, true);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = { data, size, 0 };
	uint8_t target = fuzz_u8(&in);
	uint32_t value_size = fuzz_property_value_size(fuzz_u32(&in)), asked = value_size;
	size_t in_size = fuzz_left(&in);
	struct amod_stream *stream;
	struct amod_device *device = fuzz_sample_target(&sample, target, &stream);
	uint8_t *request = malloc(in_size ? in_size : 1), *value = NULL;
	int32_t status;

	FUZZ_CHECK(request);
	fuzz_bytes(&in, request, in_size);
	if (value_size) {
		value = malloc(value_size);
		FUZZ_CHECK(value);
		memset(value, 0xCC, value_size);
	}

	status = amod_device_property(device, stream, request, (uint32_t)in_size, value,
				      &value_size);
	if (in_size < sizeof(KSPROPERTY))
		FUZZ_CHECK(status == AMOD_STATUS_INVALID_BUFFER_SIZE);
	if (amod_status_ok(status)) {
		FUZZ_CHECK(value_size <= asked);
		for (uint32_t i = value_size; i < asked; i++)
			FUZZ_CHECK(value[i] == 0xCC);
	}

	free(value);
	free(request);
	return 0;
}
