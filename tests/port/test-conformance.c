/* SPDX-License-Identifier: MIT */
/*
 * WDK conformance: the Windows contract of KSPROPSETID_AudioModule and of module
 * notifications (spec §2.4-§2.8, §3.3-§3.10), written as tests against the sample driver
 * through amod_device_property(), the in-process IOCTL_KS_PROPERTY.
 *
 * Requests and expected replies are built byte by byte from the spec's values (GUID bytes,
 * little-endian fields, UTF-16LE names), never from the structures under test, so a layout
 * mistake in the headers or the driver shows up here.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <portcls.h>
#include <amodwdk.h>

#include <amod/amod-port.h>

#include "sample.h"

/* GUIDs in memory order (spec §2.1, §3.4, §3.5). */
static const uint8_t SET_AUDIOMODULE[16] = {0xB0, 0xFD, 0x34, 0xC0, 0x75, 0xFF, 0xC8, 0x47,
					    0xAA, 0x3C, 0xEE, 0x46, 0x71, 0x6B, 0x50, 0xC6};
static const uint8_t EVENT_AUDIOMODULE[16] = {0xF0, 0x20, 0x22, 0x9C, 0xA6, 0xD9, 0x5C, 0x4D,
					      0xA0, 0x36, 0x57, 0x38, 0x57, 0xFD, 0x50, 0xD2};
static const uint8_t TYPESET_GENERAL[16] = {0xA0, 0x9B, 0xE9, 0x97, 0xEA, 0xBD, 0xCF, 0x11,
					    0xA5, 0xD6, 0x28, 0xDB, 0x04, 0xC1, 0x00, 0x00};
static const uint8_t MODULE0[16] = {0x6F, 0x8B, 0x4C, 0xE2, 0xE7, 0xED, 0x55, 0x42,
				    0x8B, 0x39, 0x77, 0x97, 0x60, 0x15, 0xD5, 0x93};
static const uint8_t MODULE1[16] = {0x8E, 0x5C, 0xE5, 0x5C, 0xDF, 0x84, 0x17, 0x43,
				    0x98, 0xC7, 0x79, 0x2D, 0xE8, 0x33, 0x66, 0xCC};
static const uint8_t MODULE2[16] = {0x27, 0x95, 0x2A, 0xCC, 0xD9, 0x19, 0x84, 0x47,
				    0x8D, 0xD4, 0x6C, 0x1F, 0xE0, 0x1E, 0x37, 0x26};
/* The sample's own classes (drivers/sample/README.md). */
static const uint8_t METER[16] = {0x3A, 0x1C, 0x0F, 0x6B, 0x2E, 0x7D, 0x59, 0x4A,
				  0xB8, 0xE1, 0x2C, 0x4D, 0x5E, 0x6F, 0x7A, 0x81};
static const uint8_t DETECTOR[16] = {0x1B, 0x2C, 0x3D, 0x9E, 0x4F, 0x0A, 0x6E, 0x4B,
				     0x8D, 0x7C, 0x5F, 0x1A, 0x2B, 0x3C, 0x4D, 0x91};
static const uint8_t SPEAKER_ID[16] = {0x7A, 0x98, 0x1C, 0xC0, 0xA9, 0x30, 0xB7, 0x4D,
				       0x8D, 0x69, 0x69, 0x6C, 0xFF, 0x41, 0xE4, 0xB9};
static const uint8_t HEADPHONE_ID[16] = {0x17, 0xBE, 0x66, 0x3A, 0x40, 0x54, 0xE7, 0x48,
					 0x83, 0x76, 0xB7, 0x5A, 0x0B, 0x1A, 0x92, 0x2D};
static const uint8_t MODE_DEFAULT[16] = {0x7E, 0x2F, 0x8E, 0xC1, 0x3D, 0x93, 0x65, 0x49,
					 0xB7, 0xD1, 0x1E, 0xEF, 0x22, 0x8D, 0x2A, 0xF3};
static const uint8_t MODE_MOVIE[16] = {0x0D, 0xEB, 0x6F, 0xB2, 0x94, 0xEC, 0x7C, 0x47,
				       0x94, 0x94, 0xD1, 0xAB, 0x8E, 0x75, 0x3F, 0x6E};
static const uint8_t OTHER_GUID[16] = {0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF,
				       0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF};

#define ID_DESCRIPTORS 1u
#define ID_COMMAND 2u
#define ID_DEVICE_ID 3u
#define VERB_GET 0x001u
#define VERB_SET 0x002u
#define VERB_BASICSUPPORT 0x200u

#define S_SUCCESS ((int32_t)0x00000000)
#define S_BUFFER_OVERFLOW ((int32_t)0x80000005)
#define S_INVALID_PARAMETER ((int32_t)0xC000000D)
#define S_INVALID_DEVICE_REQUEST ((int32_t)0xC0000010)
#define S_BUFFER_TOO_SMALL ((int32_t)0xC0000023)
#define S_INVALID_BUFFER_SIZE ((int32_t)0xC0000206)
#define S_NOT_FOUND ((int32_t)0xC0000225)

#define DESCRIPTOR_SIZE 284u
/* Modules on each filter (SYSVAD's three and the sample's own) and on each pin. */
#define FILTER_MODULES 4u
#define PIN_MODULES 3u
#define FILTER_DESCRIPTORS_SIZE (8 + FILTER_MODULES * DESCRIPTOR_SIZE)
#define PIN_DESCRIPTORS_SIZE (8 + PIN_MODULES * DESCRIPTOR_SIZE)
#define FILL 0xCC

#define REC_MAX 16
#define REC_DATA 64

struct rec {
	uint8_t event_id[16];
	uint8_t device_id[16];
	uint8_t class_id[16];
	struct amod_device *device;
	uint32_t instance_id;
	uint64_t sequence;
	uint32_t size;
	uint8_t data[REC_DATA];
};

struct fixture {
	struct amod_adapter *adapter;
	struct sample_driver *driver;
	struct amod_device *speaker;
	struct amod_device *headphone;
	struct amod_listener *listener;
	pthread_mutex_t lock;
	unsigned count;
	struct rec recs[REC_MAX];
};

static void record(const struct amod_notification *n, void *userdata)
{
	struct fixture *f = userdata;

	pthread_mutex_lock(&f->lock);
	if (f->count < REC_MAX) {
		struct rec *r = &f->recs[f->count];

		memcpy(r->event_id, &n->event_id, 16);
		memcpy(r->device_id, &n->device_id, 16);
		memcpy(r->class_id, &n->class_id, 16);
		r->device = n->device;
		r->instance_id = n->instance_id;
		r->sequence = n->sequence;
		r->size = n->size;
		memcpy(r->data, n->data, n->size < REC_DATA ? n->size : REC_DATA);
	}
	f->count++;
	pthread_mutex_unlock(&f->lock);
}

static int setup(void **state)
{
	struct amod_adapter_config cfg = {.version = AMOD_ADAPTER_CONFIG_VERSION, .verifier = 1};
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	pthread_mutex_init(&f->lock, NULL);
	assert_int_equal(amod_adapter_new(&cfg, &f->adapter), 0);
	assert_int_equal(sample_driver_create(f->adapter, NULL, &f->driver), 0);
	f->speaker = sample_driver_get_device(f->driver, "speaker");
	f->headphone = sample_driver_get_device(f->driver, "headphone");
	assert_non_null(f->speaker);
	assert_non_null(f->headphone);
	assert_int_equal(amod_adapter_add_listener(f->adapter, NULL, record, f, &f->listener), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	struct amod_verifier_stats s;

	amod_listener_remove(f->listener);
	sample_driver_free(f->driver);
	/* Whatever a test did, the driver must have freed every buffer exactly once. */
	assert_int_equal(amod_adapter_get_verifier_stats(f->adapter, &s), 0);
	assert_int_equal(s.double_frees, 0);
	assert_int_equal(s.invalid_frees, 0);
	assert_int_equal(s.overruns, 0);
	assert_int_equal(s.leaks, 0);
	assert_int_equal(s.alloc_failures, 0);
	assert_int_equal(amod_adapter_get_live_buffers(f->adapter), 0);
	amod_adapter_unref(f->adapter);
	pthread_mutex_destroy(&f->lock);
	free(f);
	return 0;
}

/* Request and reply bytes. */

static void put_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static uint32_t get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* KSPROPERTY: Set, Id, Flags (24 bytes). */
static uint32_t build_property(uint8_t *buf, const uint8_t set[16], uint32_t id, uint32_t verb)
{
	memcpy(buf, set, 16);
	put_u32(buf + 16, id);
	put_u32(buf + 20, verb);
	return 24;
}

/* KSAUDIOMODULE_PROPERTY for COMMAND (48 bytes: ClassId at 24, InstanceId at 40, pad). */
static uint32_t build_module_property(uint8_t *buf, uint32_t verb, const uint8_t class_id[16],
				      uint32_t instance_id)
{
	build_property(buf, SET_AUDIOMODULE, ID_COMMAND, verb);
	memcpy(buf + 24, class_id, 16);
	put_u32(buf + 40, instance_id);
	put_u32(buf + 44, 0);
	return 48;
}

/* A COMMAND GET carrying SYSVAD's custom command: Verb, ParameterId, then the value. */
static uint32_t build_command(uint8_t *buf, const uint8_t class_id[16], uint32_t instance_id,
			      uint32_t custom_verb, uint32_t parameter_id, const void *value,
			      uint32_t value_size)
{
	build_module_property(buf, VERB_GET, class_id, instance_id);
	put_u32(buf + 48, custom_verb);
	put_u32(buf + 52, parameter_id);
	if (value_size)
		memcpy(buf + 56, value, value_size);
	return 56 + value_size;
}

/* A KSAUDIOMODULE_DESCRIPTOR with an ASCII name as UTF-16LE, zero-padded. */
static void build_descriptor(uint8_t *p, const uint8_t class_id[16], uint32_t instance_id,
			     uint32_t major, uint32_t minor, const char *name)
{
	memset(p, 0, DESCRIPTOR_SIZE);
	memcpy(p, class_id, 16);
	put_u32(p + 16, instance_id);
	put_u32(p + 20, major);
	put_u32(p + 24, minor);
	for (size_t i = 0; name[i]; i++)
		p[28 + 2 * i] = (uint8_t)name[i];
}

static int32_t get_simple(struct amod_device *d, struct amod_stream *s, uint32_t id, uint32_t verb,
			  void *out, uint32_t *size)
{
	uint8_t in[24];

	build_property(in, SET_AUDIOMODULE, id, verb);
	return amod_device_property(d, s, in, sizeof(in), out, size);
}

static int32_t set_param(struct amod_device *d, struct amod_stream *s, const uint8_t class_id[16],
			 uint32_t instance_id, uint32_t parameter_id, const void *value,
			 uint32_t value_size)
{
	uint8_t in[128];
	uint32_t in_size =
		build_command(in, class_id, instance_id, VERB_SET, parameter_id, value, value_size);
	uint32_t size = 0;
	int32_t status = amod_device_property(d, s, in, in_size, NULL, &size);

	assert_int_equal(size, 0);
	return status;
}

static struct amod_stream *open_stream(struct amod_device *d, const uint8_t mode[16])
{
	struct amod_stream *s = NULL;
	struct amod_guid g;

	memcpy(&g, mode, 16);
	assert_int_equal(amod_device_open_stream(d, &g, &s), 0);
	assert_non_null(s);
	return s;
}

static unsigned notifications(struct fixture *f)
{
	unsigned n;

	pthread_mutex_lock(&f->lock);
	n = f->count;
	pthread_mutex_unlock(&f->lock);
	return n;
}

/* Every parameter of SYSVAD's classes, on a filter template that has it (spec §3.4). */
struct param_case {
	const char *endpoint;
	const uint8_t *class_id;
	uint32_t instance_id;
	uint32_t parameter_id;
	uint32_t size;
	uint32_t access;
	uint32_t vt;
	uint32_t n_valid;
	const uint8_t *valid;
};

static const struct param_case PARAMS[] = {
	{"speaker", MODULE0, 0, 0, 4, 0x203, 19, 3,
	 (const uint8_t[]){1, 0, 0, 0, 2, 0, 0, 0, 5, 0, 0, 0}},
	{"speaker", MODULE0, 0, 1, 1, 0x201, 17, 0, NULL},
	{"speaker", MODULE1, 0x01000000, 0, 1, 0x203, 17, 3, (const uint8_t[]){0, 1, 2}},
	{"speaker", MODULE1, 0x01000000, 1, 8, 0x201, 21, 0, NULL},
	{"speaker", MODULE1, 0x01000000, 2, 4, 0x203, 19, 0, NULL},
	{"headphone", MODULE2, 0, 0, 4, 0x203, 19, 2,
	 (const uint8_t[]){1, 0, 0, 0, 0xFE, 0xFF, 0xFF, 0xFF}},
	{"headphone", MODULE2, 0, 1, 2, 0x201, 18, 0, NULL},
};
#define N_PARAMS (sizeof(PARAMS) / sizeof(PARAMS[0]))

static struct amod_device *device_of(struct fixture *f, const struct param_case *p)
{
	return strcmp(p->endpoint, "speaker") == 0 ? f->speaker : f->headphone;
}

static int32_t param_request(struct fixture *f, const struct param_case *p, uint32_t custom_verb,
			     void *out, uint32_t *size)
{
	uint8_t in[64];
	uint32_t in_size = build_command(in, p->class_id, p->instance_id, custom_verb,
					 p->parameter_id, NULL, 0);

	return amod_device_property(device_of(f, p), NULL, in, in_size, out, size);
}

/* The speaker filter's DESCRIPTORS reply: spec §3.5, then the sample's level meter. */
static void build_speaker_descriptors(uint8_t *expected)
{
	put_u32(expected, FILTER_DESCRIPTORS_SIZE);
	put_u32(expected + 4, FILTER_MODULES);
	build_descriptor(expected + 8, MODULE0, 0x00000000, 1, 0, "Generic system module");
	build_descriptor(expected + 8 + DESCRIPTOR_SIZE, MODULE1, 0x00000000, 2, 1,
			 "Speaker endpoint, EQ effect module, Movie mode");
	build_descriptor(expected + 8 + 2 * DESCRIPTOR_SIZE, MODULE1, 0x01000000, 2, 1,
			 "Speaker endpoint, EQ effect module, Default mode");
	build_descriptor(expected + 8 + 3 * DESCRIPTOR_SIZE, METER, 0x00000000, 1, 0,
			 "Speaker endpoint, level meter");
}

/* DESCRIPTORS on the filter. */

static void test_filter_descriptors_speaker_exact_bytes(void **state)
{
	struct fixture *f = *state;
	uint8_t expected[FILTER_DESCRIPTORS_SIZE], out[sizeof(expected)];
	uint32_t size = sizeof(out);

	build_speaker_descriptors(expected);
	memset(out, FILL, sizeof(out));
	assert_int_equal(get_simple(f->speaker, NULL, ID_DESCRIPTORS, VERB_GET, out, &size),
			 S_SUCCESS);
	assert_int_equal(size, sizeof(expected));
	assert_memory_equal(out, expected, sizeof(expected));
}

static void test_filter_descriptors_headphone_exact_bytes(void **state)
{
	struct fixture *f = *state;
	uint8_t expected[FILTER_DESCRIPTORS_SIZE], out[sizeof(expected)];
	uint32_t size = sizeof(out);

	put_u32(expected, sizeof(expected));
	put_u32(expected + 4, FILTER_MODULES);
	build_descriptor(expected + 8, MODULE0, 0, 1, 0, "Generic system module");
	build_descriptor(expected + 8 + DESCRIPTOR_SIZE, MODULE1, 0, 2, 1,
			 "Speaker HP endpoint, EQ effect module, Movie mode");
	build_descriptor(expected + 8 + 2 * DESCRIPTOR_SIZE, MODULE2, 0, 2, 0,
			 "Speaker HP endpoint, Echo Cancellation effect module, Default mode");
	build_descriptor(expected + 8 + 3 * DESCRIPTOR_SIZE, DETECTOR, 0, 1, 0,
			 "Headphone endpoint, keyword detector");
	memset(out, FILL, sizeof(out));
	assert_int_equal(get_simple(f->headphone, NULL, ID_DESCRIPTORS, VERB_GET, out, &size),
			 S_SUCCESS);
	assert_int_equal(size, sizeof(expected));
	assert_memory_equal(out, expected, sizeof(expected));
}

static void test_filter_descriptors_zero_buffer_reports_size(void **state)
{
	struct fixture *f = *state;
	uint32_t size = 0;

	assert_int_equal(get_simple(f->speaker, NULL, ID_DESCRIPTORS, VERB_GET, NULL, &size),
			 S_BUFFER_OVERFLOW);
	assert_int_equal(size, FILTER_DESCRIPTORS_SIZE);
}

static void test_filter_descriptors_short_buffer_too_small(void **state)
{
	struct fixture *f = *state;
	uint8_t out[FILTER_DESCRIPTORS_SIZE];
	const uint32_t shorts[] = {1, 8, 8 + DESCRIPTOR_SIZE, sizeof(out) - 1};

	for (size_t i = 0; i < sizeof(shorts) / sizeof(shorts[0]); i++) {
		uint32_t size = shorts[i];

		memset(out, FILL, sizeof(out));
		assert_int_equal(get_simple(f->speaker, NULL, ID_DESCRIPTORS, VERB_GET, out, &size),
				 S_BUFFER_TOO_SMALL);
		/* ValueSize is left as it was, and nothing is written. */
		assert_int_equal(size, shorts[i]);
		for (size_t j = 0; j < sizeof(out); j++)
			assert_int_equal(out[j], FILL);
	}
}

static void test_filter_descriptors_large_buffer_returns_exact_size(void **state)
{
	struct fixture *f = *state;
	uint8_t expected[FILTER_DESCRIPTORS_SIZE], out[sizeof(expected) + 100];
	uint32_t size = sizeof(out);

	build_speaker_descriptors(expected);
	assert_int_equal(get_simple(f->speaker, NULL, ID_DESCRIPTORS, VERB_GET, out, &size),
			 S_SUCCESS);
	assert_int_equal(size, sizeof(expected));
	assert_memory_equal(out, expected, sizeof(expected));
}

static void test_filter_descriptors_set_verb_invalid_device_request(void **state)
{
	struct fixture *f = *state;
	uint8_t out[1024];
	uint32_t size = sizeof(out);

	assert_int_equal(get_simple(f->speaker, NULL, ID_DESCRIPTORS, VERB_SET, out, &size),
			 S_INVALID_DEVICE_REQUEST);
	assert_int_equal(size, 0);
}

/* DESCRIPTORS on a pin: the stream's instances (spec §3.3, §3.7). */

static void test_pin_descriptors_default_mode_exact_bytes(void **state)
{
	struct fixture *f = *state;
	struct amod_stream *s = open_stream(f->speaker, MODE_DEFAULT);
	uint8_t expected[PIN_DESCRIPTORS_SIZE], out[sizeof(expected)];
	uint32_t size = sizeof(out);

	put_u32(expected, sizeof(expected));
	put_u32(expected + 4, PIN_MODULES);
	build_descriptor(expected + 8, MODULE0, 0x00000001, 1, 0, "Generic system module");
	build_descriptor(expected + 8 + DESCRIPTOR_SIZE, MODULE1, 0x01000001, 2, 1,
			 "Speaker endpoint, EQ effect module, Default mode");
	build_descriptor(expected + 8 + 2 * DESCRIPTOR_SIZE, METER, 0x00000001, 1, 0,
			 "Speaker endpoint, level meter");
	memset(out, FILL, sizeof(out));
	assert_int_equal(get_simple(f->speaker, s, ID_DESCRIPTORS, VERB_GET, out, &size),
			 S_SUCCESS);
	assert_int_equal(size, sizeof(expected));
	assert_memory_equal(out, expected, sizeof(expected));
	amod_stream_close(s);
}

static void test_pin_descriptors_movie_mode_exact_bytes(void **state)
{
	struct fixture *f = *state;
	struct amod_stream *s = open_stream(f->speaker, MODE_MOVIE);
	uint8_t expected[PIN_DESCRIPTORS_SIZE], out[sizeof(expected)];
	uint32_t size = sizeof(out);

	put_u32(expected, sizeof(expected));
	put_u32(expected + 4, PIN_MODULES);
	build_descriptor(expected + 8, MODULE0, 0x00000001, 1, 0, "Generic system module");
	build_descriptor(expected + 8 + DESCRIPTOR_SIZE, MODULE1, 0x00000001, 2, 1,
			 "Speaker endpoint, EQ effect module, Movie mode");
	build_descriptor(expected + 8 + 2 * DESCRIPTOR_SIZE, METER, 0x00000001, 1, 0,
			 "Speaker endpoint, level meter");
	assert_int_equal(get_simple(f->speaker, s, ID_DESCRIPTORS, VERB_GET, out, &size),
			 S_SUCCESS);
	assert_int_equal(size, sizeof(expected));
	assert_memory_equal(out, expected, sizeof(expected));
	amod_stream_close(s);
}

static void test_pin_descriptors_headphone_default_mode(void **state)
{
	struct fixture *f = *state;
	struct amod_stream *s = open_stream(f->headphone, MODE_DEFAULT);
	uint8_t expected[PIN_DESCRIPTORS_SIZE], out[sizeof(expected)];
	uint32_t size = sizeof(out);

	put_u32(expected, sizeof(expected));
	put_u32(expected + 4, PIN_MODULES);
	build_descriptor(expected + 8, MODULE0, 0x00000001, 1, 0, "Generic system module");
	build_descriptor(expected + 8 + DESCRIPTOR_SIZE, MODULE2, 0x00000001, 2, 0,
			 "Speaker HP endpoint, Echo Cancellation effect module, Default mode");
	build_descriptor(expected + 8 + 2 * DESCRIPTOR_SIZE, DETECTOR, 0x00000001, 1, 0,
			 "Headphone endpoint, keyword detector");
	assert_int_equal(get_simple(f->headphone, s, ID_DESCRIPTORS, VERB_GET, out, &size),
			 S_SUCCESS);
	assert_int_equal(size, sizeof(expected));
	assert_memory_equal(out, expected, sizeof(expected));
	amod_stream_close(s);
}

/* Each template counts its own instances: (cfg << 24) | ++counter. */
static void test_pin_descriptors_instance_ids_count_per_template(void **state)
{
	struct fixture *f = *state;
	struct amod_stream *a = open_stream(f->speaker, MODE_DEFAULT);
	struct amod_stream *b = open_stream(f->speaker, MODE_MOVIE);
	struct amod_stream *c = open_stream(f->speaker, MODE_DEFAULT);
	uint8_t out[PIN_DESCRIPTORS_SIZE];
	uint32_t size;

	size = sizeof(out);
	assert_int_equal(get_simple(f->speaker, b, ID_DESCRIPTORS, VERB_GET, out, &size),
			 S_SUCCESS);
	assert_int_equal(get_u32(out + 8 + 16), 0x00000002);		       /* Module0 */
	assert_int_equal(get_u32(out + 8 + DESCRIPTOR_SIZE + 16), 0x00000001); /* Module1 movie */
	assert_int_equal(get_u32(out + 8 + 2 * DESCRIPTOR_SIZE + 16), 0x00000002); /* meter */

	size = sizeof(out);
	assert_int_equal(get_simple(f->speaker, c, ID_DESCRIPTORS, VERB_GET, out, &size),
			 S_SUCCESS);
	assert_int_equal(get_u32(out + 8 + 16), 0x00000003);
	assert_int_equal(get_u32(out + 8 + DESCRIPTOR_SIZE + 16), 0x01000002);
	assert_int_equal(get_u32(out + 8 + 2 * DESCRIPTOR_SIZE + 16), 0x00000003);

	amod_stream_close(c);
	amod_stream_close(b);
	amod_stream_close(a);
}

static void test_pin_descriptors_zero_buffer_reports_size(void **state)
{
	struct fixture *f = *state;
	struct amod_stream *s = open_stream(f->speaker, MODE_DEFAULT);
	uint8_t out[PIN_DESCRIPTORS_SIZE];
	uint32_t size = 0;

	assert_int_equal(get_simple(f->speaker, s, ID_DESCRIPTORS, VERB_GET, NULL, &size),
			 S_BUFFER_OVERFLOW);
	assert_int_equal(size, PIN_DESCRIPTORS_SIZE);
	size = sizeof(out) - 1;
	assert_int_equal(get_simple(f->speaker, s, ID_DESCRIPTORS, VERB_GET, out, &size),
			 S_BUFFER_TOO_SMALL);
	assert_int_equal(size, sizeof(out) - 1);
	amod_stream_close(s);
}

/* NOTIFICATION_DEVICE_ID (spec §2.7). */

static void test_filter_device_id_speaker(void **state)
{
	struct fixture *f = *state;
	uint8_t out[16];
	uint32_t size = sizeof(out);

	assert_int_equal(get_simple(f->speaker, NULL, ID_DEVICE_ID, VERB_GET, out, &size),
			 S_SUCCESS);
	assert_int_equal(size, 16);
	assert_memory_equal(out, SPEAKER_ID, 16);
}

static void test_filter_device_id_headphone(void **state)
{
	struct fixture *f = *state;
	uint8_t out[32];
	uint32_t size = sizeof(out);

	assert_int_equal(get_simple(f->headphone, NULL, ID_DEVICE_ID, VERB_GET, out, &size),
			 S_SUCCESS);
	assert_int_equal(size, 16);
	assert_memory_equal(out, HEADPHONE_ID, 16);
}

static void test_filter_device_id_zero_buffer_reports_size(void **state)
{
	struct fixture *f = *state;
	uint32_t size = 0;

	assert_int_equal(get_simple(f->speaker, NULL, ID_DEVICE_ID, VERB_GET, NULL, &size),
			 S_BUFFER_OVERFLOW);
	assert_int_equal(size, 16);
}

static void test_filter_device_id_short_buffer_too_small(void **state)
{
	struct fixture *f = *state;
	uint8_t out[16];

	for (uint32_t n = 1; n < 16; n++) {
		uint32_t size = n;

		memset(out, FILL, sizeof(out));
		assert_int_equal(get_simple(f->speaker, NULL, ID_DEVICE_ID, VERB_GET, out, &size),
				 S_BUFFER_TOO_SMALL);
		assert_int_equal(size, n);
		assert_int_equal(out[0], FILL);
	}
}

static void test_pin_device_id_equals_filter(void **state)
{
	struct fixture *f = *state;
	struct amod_stream *movie = open_stream(f->speaker, MODE_MOVIE);
	struct amod_stream *hp = open_stream(f->headphone, MODE_DEFAULT);
	uint8_t out[16];
	uint32_t size = sizeof(out);

	assert_int_equal(get_simple(f->speaker, movie, ID_DEVICE_ID, VERB_GET, out, &size),
			 S_SUCCESS);
	assert_int_equal(size, 16);
	assert_memory_equal(out, SPEAKER_ID, 16);
	size = sizeof(out);
	assert_int_equal(get_simple(f->headphone, hp, ID_DEVICE_ID, VERB_GET, out, &size),
			 S_SUCCESS);
	assert_int_equal(size, 16);
	assert_memory_equal(out, HEADPHONE_ID, 16);
	size = 0;
	assert_int_equal(get_simple(f->speaker, movie, ID_DEVICE_ID, VERB_GET, NULL, &size),
			 S_BUFFER_OVERFLOW);
	assert_int_equal(size, 16);
	amod_stream_close(hp);
	amod_stream_close(movie);
}

/* BASICSUPPORT of the three properties: GET|BASICSUPPORT = 0x201 (spec §3.8). */

static int32_t basicsupport(struct amod_device *d, struct amod_stream *s, uint32_t id,
			    uint32_t instance_id, void *out, uint32_t *size)
{
	uint8_t in[48];
	uint32_t in_size;

	if (id == ID_COMMAND)
		in_size = build_module_property(in, VERB_BASICSUPPORT, MODULE0, instance_id);
	else
		in_size = build_property(in, SET_AUDIOMODULE, id, VERB_BASICSUPPORT);
	return amod_device_property(d, s, in, in_size, out, size);
}

static void check_basicsupport_description(struct amod_device *d, struct amod_stream *s,
					   uint32_t module0_instance)
{
	const uint32_t ids[] = {ID_DESCRIPTORS, ID_COMMAND, ID_DEVICE_ID};
	uint8_t expected[40] = {0x01, 0x02, 0, 0, 40, 0, 0, 0};

	for (size_t i = 0; i < 3; i++) {
		uint8_t out[64];
		uint32_t size = sizeof(out);

		memset(out, FILL, sizeof(out));
		assert_int_equal(basicsupport(d, s, ids[i], module0_instance, out, &size),
				 S_SUCCESS);
		assert_int_equal(size, 40);
		assert_memory_equal(out, expected, 40);
	}
}

static void check_basicsupport_access_flags(struct amod_device *d, struct amod_stream *s,
					    uint32_t module0_instance)
{
	const uint32_t ids[] = {ID_DESCRIPTORS, ID_COMMAND, ID_DEVICE_ID};
	const uint32_t sizes[] = {4, 39};

	for (size_t i = 0; i < 3; i++) {
		for (size_t j = 0; j < 2; j++) {
			uint8_t out[40];
			uint32_t size = sizes[j];

			assert_int_equal(basicsupport(d, s, ids[i], module0_instance, out, &size),
					 S_SUCCESS);
			assert_int_equal(size, 4);
			assert_int_equal(get_u32(out), 0x201);
		}
	}
}

static void check_basicsupport_too_small(struct amod_device *d, struct amod_stream *s,
					 uint32_t module0_instance)
{
	const uint32_t ids[] = {ID_DESCRIPTORS, ID_COMMAND, ID_DEVICE_ID};

	for (size_t i = 0; i < 3; i++) {
		uint8_t out[4];
		uint32_t size = 0;

		assert_int_equal(basicsupport(d, s, ids[i], module0_instance, NULL, &size),
				 S_BUFFER_TOO_SMALL);
		assert_int_equal(size, 0);
		size = 3;
		assert_int_equal(basicsupport(d, s, ids[i], module0_instance, out, &size),
				 S_BUFFER_TOO_SMALL);
		assert_int_equal(size, 0);
	}
}

static void test_filter_basicsupport_full_description(void **state)
{
	struct fixture *f = *state;

	check_basicsupport_description(f->speaker, NULL, 0);
}

static void test_filter_basicsupport_access_flags(void **state)
{
	struct fixture *f = *state;

	check_basicsupport_access_flags(f->speaker, NULL, 0);
}

static void test_filter_basicsupport_no_buffer_too_small(void **state)
{
	struct fixture *f = *state;

	check_basicsupport_too_small(f->speaker, NULL, 0);
}

static void test_pin_basicsupport_full_description(void **state)
{
	struct fixture *f = *state;
	struct amod_stream *s = open_stream(f->speaker, MODE_DEFAULT);

	check_basicsupport_description(f->speaker, s, 1);
	amod_stream_close(s);
}

static void test_pin_basicsupport_access_flags(void **state)
{
	struct fixture *f = *state;
	struct amod_stream *s = open_stream(f->speaker, MODE_DEFAULT);

	check_basicsupport_access_flags(f->speaker, s, 1);
	amod_stream_close(s);
}

static void test_pin_basicsupport_no_buffer_too_small(void **state)
{
	struct fixture *f = *state;
	struct amod_stream *s = open_stream(f->speaker, MODE_DEFAULT);

	check_basicsupport_too_small(f->speaker, s, 1);
	amod_stream_close(s);
}

/* COMMAND BASICSUPPORT is answered only once the module is found. */
static void test_command_basicsupport_unknown_module_invalid_parameter(void **state)
{
	struct fixture *f = *state;
	uint8_t in[48], out[40];
	uint32_t size = sizeof(out);

	build_module_property(in, VERB_BASICSUPPORT, MODULE2, 0);
	assert_int_equal(amod_device_property(f->speaker, NULL, in, sizeof(in), out, &size),
			 S_INVALID_PARAMETER);
}

/* COMMAND request checks (spec §3.8 steps 2-4). */

static void test_command_short_instance_invalid_parameter(void **state)
{
	struct fixture *f = *state;
	uint8_t in[48], out[16];

	build_module_property(in, VERB_GET, MODULE0, 0);
	for (uint32_t len = 24; len < 48; len++) {
		uint32_t size = sizeof(out);

		assert_int_equal(amod_device_property(f->speaker, NULL, in, len, out, &size),
				 S_INVALID_PARAMETER);
	}
}

static void test_command_unknown_module_invalid_parameter(void **state)
{
	struct fixture *f = *state;
	uint8_t in[64], out[16];
	uint32_t size = sizeof(out);
	uint32_t in_size;

	/* A class the endpoint does not have. */
	in_size = build_command(in, MODULE2, 0, VERB_GET, 0, NULL, 0);
	assert_int_equal(amod_device_property(f->speaker, NULL, in, in_size, out, &size),
			 S_INVALID_PARAMETER);
	/* A known class under an instance id no template has. */
	size = sizeof(out);
	in_size = build_command(in, MODULE1, 0x02000000, VERB_GET, 0, NULL, 0);
	assert_int_equal(amod_device_property(f->speaker, NULL, in, in_size, out, &size),
			 S_INVALID_PARAMETER);
	/* A GUID that is no module at all. */
	size = sizeof(out);
	in_size = build_command(in, OTHER_GUID, 0, VERB_GET, 0, NULL, 0);
	assert_int_equal(amod_device_property(f->speaker, NULL, in, in_size, out, &size),
			 S_INVALID_PARAMETER);
}

static void test_command_set_verb_invalid_device_request(void **state)
{
	struct fixture *f = *state;
	uint8_t in[64], out[16];
	uint32_t size = sizeof(out);
	uint32_t value = 2;

	build_command(in, MODULE0, 0, VERB_SET, 0, &value, 4);
	/* The KS verb is SET: COMMAND is GET-only whatever the vendor bytes say. */
	put_u32(in + 20, VERB_SET);
	assert_int_equal(amod_device_property(f->speaker, NULL, in, 60, out, &size),
			 S_INVALID_DEVICE_REQUEST);
	assert_int_equal(size, 0);
	assert_int_equal(notifications(f), 0);
}

static void test_command_pin_does_not_see_templates(void **state)
{
	struct fixture *f = *state;
	struct amod_stream *s = open_stream(f->speaker, MODE_DEFAULT);
	uint8_t in[64], out[16];
	uint32_t size = sizeof(out);
	uint32_t in_size = build_command(in, MODULE0, 0, VERB_GET, 0, NULL, 0);

	assert_int_equal(amod_device_property(f->speaker, s, in, in_size, out, &size),
			 S_INVALID_PARAMETER);
	size = sizeof(out);
	in_size = build_command(in, MODULE0, 1, VERB_GET, 0, NULL, 0);
	assert_int_equal(amod_device_property(f->speaker, s, in, in_size, out, &size), S_SUCCESS);
	assert_int_equal(size, 4);
	amod_stream_close(s);
}

/* The module handler: SYSVAD's Verb + ParameterId protocol (spec §3.8, §3.9). */

static void test_module_no_custom_header_invalid_parameter(void **state)
{
	struct fixture *f = *state;
	uint8_t in[48], out[16];
	uint32_t size = sizeof(out);

	build_module_property(in, VERB_GET, MODULE0, 0);
	assert_int_equal(amod_device_property(f->speaker, NULL, in, sizeof(in), out, &size),
			 S_INVALID_PARAMETER);
}

static void test_module_short_custom_header_invalid_parameter(void **state)
{
	struct fixture *f = *state;
	uint8_t in[64], out[16];

	build_command(in, MODULE0, 0, VERB_GET, 0, NULL, 0);
	for (uint32_t len = 49; len < 56; len++) {
		uint32_t size = sizeof(out);

		assert_int_equal(amod_device_property(f->speaker, NULL, in, len, out, &size),
				 S_INVALID_PARAMETER);
	}
}

static void test_module_unknown_parameter_invalid_parameter(void **state)
{
	struct fixture *f = *state;
	const struct {
		const uint8_t *class_id;
		uint32_t instance_id;
		uint32_t first_unknown;
	} cases[] = {{MODULE0, 0, 2}, {MODULE1, 0, 3}, {MODULE1, 0x01000000, 3}};

	for (size_t i = 0; i < 3; i++) {
		uint8_t in[64], out[16];
		uint32_t size = sizeof(out);
		uint32_t in_size = build_command(in, cases[i].class_id, cases[i].instance_id,
						 VERB_GET, cases[i].first_unknown, NULL, 0);

		assert_int_equal(amod_device_property(f->speaker, NULL, in, in_size, out, &size),
				 S_INVALID_PARAMETER);
		size = sizeof(out);
		in_size = build_command(in, cases[i].class_id, cases[i].instance_id, VERB_GET,
					0xFFFFFFFF, NULL, 0);
		assert_int_equal(amod_device_property(f->speaker, NULL, in, in_size, out, &size),
				 S_INVALID_PARAMETER);
	}
}

static void test_module_unknown_custom_verb_invalid_device_request(void **state)
{
	struct fixture *f = *state;
	uint8_t in[64], out[16];
	uint32_t size = sizeof(out);
	uint32_t in_size = build_command(in, MODULE0, 0, 0x4, 0, NULL, 0);

	/* Neither BASICSUPPORT, GET nor SET: amod's choice, the spec names no status. */
	assert_int_equal(amod_device_property(f->speaker, NULL, in, in_size, out, &size),
			 S_INVALID_DEVICE_REQUEST);
	assert_int_equal(size, 0);
}

static void test_module_get_zero_buffer_reports_size(void **state)
{
	struct fixture *f = *state;

	for (size_t i = 0; i < N_PARAMS; i++) {
		uint32_t size = 0;

		assert_int_equal(param_request(f, &PARAMS[i], VERB_GET, NULL, &size),
				 S_BUFFER_OVERFLOW);
		assert_int_equal(size, PARAMS[i].size);
	}
}

static void test_module_get_short_buffer_too_small(void **state)
{
	struct fixture *f = *state;

	for (size_t i = 0; i < N_PARAMS; i++) {
		uint8_t out[8];

		for (uint32_t n = 1; n < PARAMS[i].size; n++) {
			uint32_t size = n;

			assert_int_equal(param_request(f, &PARAMS[i], VERB_GET, out, &size),
					 S_BUFFER_TOO_SMALL);
			assert_int_equal(size, 0);
		}
	}
}

static void test_module_get_initial_value_is_zero(void **state)
{
	struct fixture *f = *state;
	const uint8_t zeros[8] = {0};

	for (size_t i = 0; i < N_PARAMS; i++) {
		uint8_t out[16];
		uint32_t size = sizeof(out);

		memset(out, FILL, sizeof(out));
		assert_int_equal(param_request(f, &PARAMS[i], VERB_GET, out, &size), S_SUCCESS);
		assert_int_equal(size, PARAMS[i].size);
		assert_memory_equal(out, zeros, PARAMS[i].size);
	}
}

static void test_module_set_then_get_returns_value(void **state)
{
	struct fixture *f = *state;
	uint32_t value = 5, got = 0;
	uint8_t in[64];
	uint32_t size = sizeof(got);
	uint32_t in_size = build_command(in, MODULE0, 0, VERB_GET, 0, NULL, 0);

	assert_int_equal(set_param(f->speaker, NULL, MODULE0, 0, 0, &value, 4), S_SUCCESS);
	assert_int_equal(amod_device_property(f->speaker, NULL, in, in_size, &got, &size),
			 S_SUCCESS);
	assert_int_equal(size, 4);
	assert_int_equal(got, 5);
}

static void test_module_set_read_only_invalid_device_request(void **state)
{
	struct fixture *f = *state;
	const uint8_t value[8] = {1};

	for (size_t i = 0; i < N_PARAMS; i++) {
		const struct param_case *p = &PARAMS[i];

		if (p->access & VERB_SET)
			continue;
		assert_int_equal(set_param(device_of(f, p), NULL, p->class_id, p->instance_id,
					   p->parameter_id, value, p->size),
				 S_INVALID_DEVICE_REQUEST);
	}
	assert_int_equal(notifications(f), 0);
}

static void test_module_set_outside_valid_set_invalid_parameter(void **state)
{
	struct fixture *f = *state;
	const uint32_t bad0[] = {0, 3, 4, 6, 0xFFFFFFFF};
	const uint8_t bad1 = 3;
	const uint32_t bad2[] = {0, 2, 0xFFFFFFFF};
	uint8_t got[4];
	uint8_t in[64];
	uint32_t size, in_size;

	for (size_t i = 0; i < sizeof(bad0) / sizeof(bad0[0]); i++)
		assert_int_equal(set_param(f->speaker, NULL, MODULE0, 0, 0, &bad0[i], 4),
				 S_INVALID_PARAMETER);
	assert_int_equal(set_param(f->speaker, NULL, MODULE1, 0x01000000, 0, &bad1, 1),
			 S_INVALID_PARAMETER);
	for (size_t i = 0; i < sizeof(bad2) / sizeof(bad2[0]); i++)
		assert_int_equal(set_param(f->headphone, NULL, MODULE2, 0, 0, &bad2[i], 4),
				 S_INVALID_PARAMETER);
	/* Refused values leave the parameter as it was. */
	size = sizeof(got);
	in_size = build_command(in, MODULE0, 0, VERB_GET, 0, NULL, 0);
	assert_int_equal(amod_device_property(f->speaker, NULL, in, in_size, got, &size),
			 S_SUCCESS);
	assert_int_equal(get_u32(got), 0);
	assert_int_equal(notifications(f), 0);
}

static void test_module_set_every_valid_value_accepted(void **state)
{
	struct fixture *f = *state;

	for (size_t i = 0; i < N_PARAMS; i++) {
		const struct param_case *p = &PARAMS[i];

		for (uint32_t v = 0; v < p->n_valid; v++)
			assert_int_equal(set_param(device_of(f, p), NULL, p->class_id,
						   p->instance_id, p->parameter_id,
						   p->valid + v * p->size, p->size),
					 S_SUCCESS);
	}
}

/* Without a valid set any value goes, except all-0xFF: SYSVAD's negative-test hook. */
static void test_module_set_all_ff_invalid_parameter(void **state)
{
	struct fixture *f = *state;
	const uint32_t ff = 0xFFFFFFFF, almost = 0xFFFFFFFE, other = 0x12345678;

	assert_int_equal(set_param(f->speaker, NULL, MODULE1, 0x01000000, 2, &ff, 4),
			 S_INVALID_PARAMETER);
	assert_int_equal(set_param(f->speaker, NULL, MODULE1, 0x01000000, 2, &almost, 4),
			 S_SUCCESS);
	assert_int_equal(set_param(f->speaker, NULL, MODULE1, 0x01000000, 2, &other, 4), S_SUCCESS);
}

static void test_module_set_short_value_invalid_parameter(void **state)
{
	struct fixture *f = *state;
	const uint32_t value = 2;

	/* No value at all, then 1 to 3 of the 4 bytes. */
	for (uint32_t n = 0; n < 4; n++)
		assert_int_equal(set_param(f->speaker, NULL, MODULE0, 0, 0, &value, n),
				 S_INVALID_PARAMETER);
	assert_int_equal(notifications(f), 0);
}

/* Parameter BASICSUPPORT: KSPROPERTY_DESCRIPTION, MEMBERSHEADER, valid values. */

static void test_module_basicsupport_zero_buffer_reports_size(void **state)
{
	struct fixture *f = *state;

	for (size_t i = 0; i < N_PARAMS; i++) {
		uint32_t size = 0;

		assert_int_equal(param_request(f, &PARAMS[i], VERB_BASICSUPPORT, NULL, &size),
				 S_BUFFER_OVERFLOW);
		assert_int_equal(size, 40 + 16 + PARAMS[i].size * PARAMS[i].n_valid);
	}
}

static void test_module_basicsupport_access_flags(void **state)
{
	struct fixture *f = *state;

	for (size_t i = 0; i < N_PARAMS; i++) {
		uint8_t out[40];
		uint32_t size = 4;

		assert_int_equal(param_request(f, &PARAMS[i], VERB_BASICSUPPORT, out, &size),
				 S_SUCCESS);
		assert_int_equal(size, 4);
		assert_int_equal(get_u32(out), PARAMS[i].access);
		size = 39;
		assert_int_equal(param_request(f, &PARAMS[i], VERB_BASICSUPPORT, out, &size),
				 S_SUCCESS);
		assert_int_equal(size, 4);
	}
}

static void build_param_description(uint8_t *expected, const struct param_case *p)
{
	memset(expected, 0, 40);
	put_u32(expected, p->access);
	put_u32(expected + 4, 40 + 16 + p->size * p->n_valid);
	memcpy(expected + 8, TYPESET_GENERAL, 16);
	put_u32(expected + 24, p->vt);
	put_u32(expected + 28, 0);
	put_u32(expected + 32, 1);
	put_u32(expected + 36, 0);
}

static void test_module_basicsupport_description_only(void **state)
{
	struct fixture *f = *state;

	for (size_t i = 0; i < N_PARAMS; i++) {
		const struct param_case *p = &PARAMS[i];
		uint32_t full = 40 + 16 + p->size * p->n_valid;
		uint8_t expected[40], out[128];
		uint32_t size = full - 1;

		build_param_description(expected, p);
		memset(out, FILL, sizeof(out));
		/* Room for the description but not the member list: 40 bytes. */
		assert_int_equal(param_request(f, p, VERB_BASICSUPPORT, out, &size), S_SUCCESS);
		assert_int_equal(size, 40);
		assert_memory_equal(out, expected, 40);
	}
}

static void test_module_basicsupport_full(void **state)
{
	struct fixture *f = *state;

	for (size_t i = 0; i < N_PARAMS; i++) {
		const struct param_case *p = &PARAMS[i];
		uint32_t full = 40 + 16 + p->size * p->n_valid;
		uint8_t expected[128], out[128];
		uint32_t size = sizeof(out);

		build_param_description(expected, p);
		put_u32(expected + 40, 3); /* KSPROPERTY_MEMBER_VALUES */
		put_u32(expected + 44, p->size);
		put_u32(expected + 48, p->n_valid);
		put_u32(expected + 52, 1); /* KSPROPERTY_MEMBER_FLAG_DEFAULT */
		if (p->n_valid)
			memcpy(expected + 56, p->valid, p->size * p->n_valid);
		assert_int_equal(param_request(f, p, VERB_BASICSUPPORT, out, &size), S_SUCCESS);
		assert_int_equal(size, full);
		assert_memory_equal(out, expected, full);
	}
}

static void test_module_basicsupport_short_buffer_too_small(void **state)
{
	struct fixture *f = *state;

	for (size_t i = 0; i < N_PARAMS; i++) {
		uint8_t out[4];

		for (uint32_t n = 1; n < 4; n++) {
			uint32_t size = n;

			assert_int_equal(
				param_request(f, &PARAMS[i], VERB_BASICSUPPORT, out, &size),
				S_BUFFER_TOO_SMALL);
			assert_int_equal(size, 0);
		}
	}
}

/* The worked example of spec §3.9, byte for byte. */

/* clang-format off */
static const uint8_t WORKED_EXAMPLE[60] = {
	/* off  0: KSPROPERTY.Set = KSPROPSETID_AudioModule */
	0xB0, 0xFD, 0x34, 0xC0, 0x75, 0xFF, 0xC8, 0x47,
	0xAA, 0x3C, 0xEE, 0x46, 0x71, 0x6B, 0x50, 0xC6,
	/* off 16: Id = KSPROPERTY_AUDIOMODULE_COMMAND */
	0x02, 0x00, 0x00, 0x00,
	/* off 20: Flags = KSPROPERTY_TYPE_GET */
	0x01, 0x00, 0x00, 0x00,
	/* off 24: ClassId = AudioModule0Id */
	0x6F, 0x8B, 0x4C, 0xE2, 0xE7, 0xED, 0x55, 0x42,
	0x8B, 0x39, 0x77, 0x97, 0x60, 0x15, 0xD5, 0x93,
	/* off 40: InstanceId = 0 */
	0x00, 0x00, 0x00, 0x00,
	/* off 44: padding */
	0x00, 0x00, 0x00, 0x00,
	/* off 48: custom Verb = SET (KSPROPERTY_TYPE_SET) */
	0x02, 0x00, 0x00, 0x00,
	/* off 52: ParameterId = 0 (AudioModule0Parameter1) */
	0x00, 0x00, 0x00, 0x00,
	/* off 56: value = 2 */
	0x02, 0x00, 0x00, 0x00,
};

static const uint8_t WORKED_EXAMPLE_NOTIFICATION[48] = {
	/* off  0: DeviceId = the speaker's NOTIFICATION_DEVICE_ID */
	0x7A, 0x98, 0x1C, 0xC0, 0xA9, 0x30, 0xB7, 0x4D,
	0x8D, 0x69, 0x69, 0x6C, 0xFF, 0x41, 0xE4, 0xB9,
	/* off 16: ClassId = AudioModule0Id */
	0x6F, 0x8B, 0x4C, 0xE2, 0xE7, 0xED, 0x55, 0x42,
	0x8B, 0x39, 0x77, 0x97, 0x60, 0x15, 0xD5, 0x93,
	/* off 32: InstanceId = 0 */
	0x00, 0x00, 0x00, 0x00,
	/* off 36: Reserved = 0 */
	0x00, 0x00, 0x00, 0x00,
	/* off 40: Type = 0 (parameter changed) */
	0x00, 0x00, 0x00, 0x00,
	/* off 44: ParameterId = 0 */
	0x00, 0x00, 0x00, 0x00,
};
/* clang-format on */

static void test_worked_example_sends_one_notification(void **state)
{
	struct fixture *f = *state;
	uint32_t size = 0;
	struct rec *r = &f->recs[0];

	assert_int_equal(amod_device_property(f->speaker, NULL, WORKED_EXAMPLE,
					      sizeof(WORKED_EXAMPLE), NULL, &size),
			 S_SUCCESS);
	assert_int_equal(size, 0);
	assert_int_equal(notifications(f), 1);
	assert_memory_equal(r->event_id, EVENT_AUDIOMODULE, 16);
	assert_memory_equal(r->device_id, SPEAKER_ID, 16);
	assert_memory_equal(r->class_id, MODULE0, 16);
	assert_ptr_equal(r->device, f->speaker);
	assert_int_equal(r->instance_id, 0);
	assert_int_equal(r->sequence, 1);
	assert_int_equal(r->size, 48);
	assert_memory_equal(r->data, WORKED_EXAMPLE_NOTIFICATION, 48);
}

static void test_worked_example_same_value_sends_nothing(void **state)
{
	struct fixture *f = *state;
	uint32_t size = 0;

	assert_int_equal(amod_device_property(f->speaker, NULL, WORKED_EXAMPLE,
					      sizeof(WORKED_EXAMPLE), NULL, &size),
			 S_SUCCESS);
	assert_int_equal(notifications(f), 1);
	size = 0;
	assert_int_equal(amod_device_property(f->speaker, NULL, WORKED_EXAMPLE,
					      sizeof(WORKED_EXAMPLE), NULL, &size),
			 S_SUCCESS);
	assert_int_equal(size, 0);
	assert_int_equal(notifications(f), 1);
}

/*
 * Every settable parameter of SYSVAD's classes has the notify flag, so "a set without the
 * flag" can only be a refused one: nothing changes, nothing is sent.
 */
static void test_module_refused_set_sends_nothing(void **state)
{
	struct fixture *f = *state;
	const uint8_t one = 1;
	const uint32_t three = 3, ff = 0xFFFFFFFF;

	assert_int_equal(set_param(f->speaker, NULL, MODULE0, 0, 1, &one, 1),
			 S_INVALID_DEVICE_REQUEST);
	assert_int_equal(set_param(f->speaker, NULL, MODULE0, 0, 0, &three, 4),
			 S_INVALID_PARAMETER);
	assert_int_equal(set_param(f->speaker, NULL, MODULE1, 0x01000000, 2, &ff, 4),
			 S_INVALID_PARAMETER);
	assert_int_equal(notifications(f), 0);
}

static void test_module_get_sends_nothing(void **state)
{
	struct fixture *f = *state;

	for (size_t i = 0; i < N_PARAMS; i++) {
		uint8_t out[128];
		uint32_t size = sizeof(out);

		assert_int_equal(param_request(f, &PARAMS[i], VERB_GET, out, &size), S_SUCCESS);
		size = sizeof(out);
		assert_int_equal(param_request(f, &PARAMS[i], VERB_BASICSUPPORT, out, &size),
				 S_SUCCESS);
	}
	assert_int_equal(notifications(f), 0);
}

static void test_module_notification_names_parameter(void **state)
{
	struct fixture *f = *state;
	const uint32_t value = 7;
	struct rec *r = &f->recs[0];

	assert_int_equal(set_param(f->speaker, NULL, MODULE1, 0x01000000, 2, &value, 4), S_SUCCESS);
	assert_int_equal(notifications(f), 1);
	assert_int_equal(r->size, 48);
	assert_memory_equal(r->data, SPEAKER_ID, 16);
	assert_memory_equal(r->data + 16, MODULE1, 16);
	assert_int_equal(get_u32(r->data + 32), 0x01000000);
	assert_int_equal(get_u32(r->data + 36), 0);
	assert_int_equal(get_u32(r->data + 40), 0);
	assert_int_equal(get_u32(r->data + 44), 2);
	assert_int_equal(r->instance_id, 0x01000000);
}

static void test_headphone_notification_carries_its_device_id(void **state)
{
	struct fixture *f = *state;
	const uint32_t value = 0xFFFFFFFE;
	struct rec *r = &f->recs[0];

	assert_int_equal(set_param(f->headphone, NULL, MODULE2, 0, 0, &value, 4), S_SUCCESS);
	assert_int_equal(notifications(f), 1);
	assert_ptr_equal(r->device, f->headphone);
	assert_memory_equal(r->device_id, HEADPHONE_ID, 16);
	assert_memory_equal(r->data, HEADPHONE_ID, 16);
	assert_memory_equal(r->data + 16, MODULE2, 16);
	assert_int_equal(get_u32(r->data + 32), 0);
	assert_int_equal(get_u32(r->data + 36), 0);
	assert_int_equal(r->sequence, 1);
}

/* Pin modules. */

static void test_pin_module_notification_carries_instance_id(void **state)
{
	struct fixture *f = *state;
	struct amod_stream *s = open_stream(f->speaker, MODE_DEFAULT);
	const uint8_t value = 1;
	struct rec *r = &f->recs[0];

	assert_int_equal(set_param(f->speaker, s, MODULE1, 0x01000001, 0, &value, 1), S_SUCCESS);
	assert_int_equal(notifications(f), 1);
	assert_int_equal(r->instance_id, 0x01000001);
	assert_memory_equal(r->class_id, MODULE1, 16);
	assert_memory_equal(r->data, SPEAKER_ID, 16);
	assert_memory_equal(r->data + 16, MODULE1, 16);
	assert_int_equal(get_u32(r->data + 32), 0x01000001);
	assert_int_equal(get_u32(r->data + 36), 0);
	assert_int_equal(get_u32(r->data + 40), 0);
	assert_int_equal(get_u32(r->data + 44), 0);
	amod_stream_close(s);
}

static void test_pin_module_starts_with_template_values(void **state)
{
	struct fixture *f = *state;
	const uint32_t value = 5;
	struct amod_stream *s;
	uint8_t in[64], out[4];
	uint32_t size = sizeof(out);
	uint32_t in_size = build_command(in, MODULE0, 1, VERB_GET, 0, NULL, 0);

	assert_int_equal(set_param(f->speaker, NULL, MODULE0, 0, 0, &value, 4), S_SUCCESS);
	s = open_stream(f->speaker, MODE_DEFAULT);
	assert_int_equal(amod_device_property(f->speaker, s, in, in_size, out, &size), S_SUCCESS);
	assert_int_equal(size, 4);
	assert_int_equal(get_u32(out), 5);
	amod_stream_close(s);
}

static void test_pin_module_set_leaves_template_alone(void **state)
{
	struct fixture *f = *state;
	struct amod_stream *s = open_stream(f->speaker, MODE_DEFAULT);
	const uint32_t value = 2;
	uint8_t in[64], out[4];
	uint32_t size = sizeof(out);
	uint32_t in_size = build_command(in, MODULE0, 0, VERB_GET, 0, NULL, 0);

	assert_int_equal(set_param(f->speaker, s, MODULE0, 1, 0, &value, 4), S_SUCCESS);
	assert_int_equal(amod_device_property(f->speaker, NULL, in, in_size, out, &size),
			 S_SUCCESS);
	assert_int_equal(get_u32(out), 0);
	amod_stream_close(s);
}

/* Requests the property set does not have. */

static void test_filter_unknown_property_id_not_found(void **state)
{
	struct fixture *f = *state;
	struct amod_stream *s = open_stream(f->speaker, MODE_DEFAULT);
	const uint32_t ids[] = {0, 4, 0xFFFFFFFF};

	for (size_t i = 0; i < 3; i++) {
		uint8_t out[64];
		uint32_t size = sizeof(out);

		assert_int_equal(get_simple(f->speaker, NULL, ids[i], VERB_GET, out, &size),
				 S_NOT_FOUND);
		size = sizeof(out);
		assert_int_equal(get_simple(f->speaker, s, ids[i], VERB_GET, out, &size),
				 S_NOT_FOUND);
	}
	amod_stream_close(s);
}

static void test_filter_other_property_set_not_found(void **state)
{
	struct fixture *f = *state;
	uint8_t in[24], out[64];
	uint32_t size = sizeof(out);

	build_property(in, OTHER_GUID, ID_DESCRIPTORS, VERB_GET);
	assert_int_equal(amod_device_property(f->speaker, NULL, in, sizeof(in), out, &size),
			 S_NOT_FOUND);
}

static void test_filter_input_shorter_than_ksproperty_invalid_buffer_size(void **state)
{
	struct fixture *f = *state;
	uint8_t in[24], out[64];

	build_property(in, SET_AUDIOMODULE, ID_DESCRIPTORS, VERB_GET);
	for (uint32_t len = 0; len < 24; len++) {
		uint32_t size = sizeof(out);

		assert_int_equal(amod_device_property(f->speaker, NULL, in, len, out, &size),
				 S_INVALID_BUFFER_SIZE);
	}
}

/* The port checks what the sample sends against what the sample declares. */

static int32_t send_header(struct fixture *f, const uint8_t device_id[16],
			   const uint8_t class_id[16], uint32_t instance_id, ULONG *delivered)
{
	IUnknown *port = amod_device_get_port(f->speaker);
	PPORTCLSNOTIFICATIONS notif = NULL;
	PPCNOTIFICATION_BUFFER buf = NULL;
	uint8_t payload[48] = {0};
	NTSTATUS status;

	memcpy(payload, device_id, 16);
	memcpy(payload + 16, class_id, 16);
	put_u32(payload + 32, instance_id);
	assert_int_equal(IUnknown_QueryInterface(port, &IID_IPortClsNotifications, (PVOID *)&notif),
			 STATUS_SUCCESS);
	assert_int_equal(IPortClsNotifications_AllocNotificationBuffer(notif, NonPagedPoolNx,
								       sizeof(payload), &buf),
			 STATUS_SUCCESS);
	memcpy(buf, payload, sizeof(payload));
	status = AmodSendNotificationEx(notif, &KSNOTIFICATIONID_AudioModule, buf, delivered);
	IPortClsNotifications_FreeNotificationBuffer(notif, buf);
	IPortClsNotifications_Release(notif);
	return status;
}

static uint64_t rejected_sends(struct fixture *f)
{
	struct amod_verifier_stats s;

	assert_int_equal(amod_adapter_get_verifier_stats(f->adapter, &s), 0);
	return s.rejected_sends;
}

static void test_port_sample_header_accepted(void **state)
{
	struct fixture *f = *state;
	ULONG delivered = 0;

	assert_int_equal(send_header(f, SPEAKER_ID, MODULE1, 0x01000000, &delivered),
			 STATUS_SUCCESS);
	assert_int_equal(delivered, 1);
	assert_int_equal(notifications(f), 1);
	assert_int_equal(rejected_sends(f), 0);
}

static void test_port_wrong_device_id_rejected(void **state)
{
	struct fixture *f = *state;
	ULONG delivered = 99;

	/* The headphone's id on the speaker's port: a listener would never match it. */
	assert_int_equal(send_header(f, HEADPHONE_ID, MODULE0, 0, &delivered), STATUS_NOT_FOUND);
	assert_int_equal(delivered, 0);
	assert_int_equal(rejected_sends(f), 1);
	assert_int_equal(send_header(f, OTHER_GUID, MODULE0, 0, &delivered), STATUS_NOT_FOUND);
	assert_int_equal(rejected_sends(f), 2);
	assert_int_equal(notifications(f), 0);
}

static void test_port_unknown_module_rejected(void **state)
{
	struct fixture *f = *state;
	ULONG delivered = 99;

	/* Module2 lives on the headphone only; (Module1, 0x01000001) is no template. */
	assert_int_equal(send_header(f, SPEAKER_ID, MODULE2, 0, &delivered), STATUS_NOT_FOUND);
	assert_int_equal(send_header(f, SPEAKER_ID, MODULE1, 0x01000001, &delivered),
			 STATUS_NOT_FOUND);
	assert_int_equal(delivered, 0);
	assert_int_equal(rejected_sends(f), 2);
	assert_int_equal(notifications(f), 0);
}

/* A stream's instances are the port's modules while the stream is open, and only then. */
static void test_port_stream_instance_accepted_while_open(void **state)
{
	struct fixture *f = *state;
	struct amod_stream *s = open_stream(f->speaker, MODE_DEFAULT);
	ULONG delivered = 0;

	assert_int_equal(send_header(f, SPEAKER_ID, MODULE1, 0x01000001, &delivered),
			 STATUS_SUCCESS);
	assert_int_equal(delivered, 1);
	amod_stream_close(s);
	assert_int_equal(send_header(f, SPEAKER_ID, MODULE1, 0x01000001, &delivered),
			 STATUS_NOT_FOUND);
	assert_int_equal(notifications(f), 1);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_filter_descriptors_speaker_exact_bytes),
		T(test_filter_descriptors_headphone_exact_bytes),
		T(test_filter_descriptors_zero_buffer_reports_size),
		T(test_filter_descriptors_short_buffer_too_small),
		T(test_filter_descriptors_large_buffer_returns_exact_size),
		T(test_filter_descriptors_set_verb_invalid_device_request),
		T(test_pin_descriptors_default_mode_exact_bytes),
		T(test_pin_descriptors_movie_mode_exact_bytes),
		T(test_pin_descriptors_headphone_default_mode),
		T(test_pin_descriptors_instance_ids_count_per_template),
		T(test_pin_descriptors_zero_buffer_reports_size),
		T(test_filter_device_id_speaker),
		T(test_filter_device_id_headphone),
		T(test_filter_device_id_zero_buffer_reports_size),
		T(test_filter_device_id_short_buffer_too_small),
		T(test_pin_device_id_equals_filter),
		T(test_filter_basicsupport_full_description),
		T(test_filter_basicsupport_access_flags),
		T(test_filter_basicsupport_no_buffer_too_small),
		T(test_pin_basicsupport_full_description),
		T(test_pin_basicsupport_access_flags),
		T(test_pin_basicsupport_no_buffer_too_small),
		T(test_command_basicsupport_unknown_module_invalid_parameter),
		T(test_command_short_instance_invalid_parameter),
		T(test_command_unknown_module_invalid_parameter),
		T(test_command_set_verb_invalid_device_request),
		T(test_command_pin_does_not_see_templates),
		T(test_module_no_custom_header_invalid_parameter),
		T(test_module_short_custom_header_invalid_parameter),
		T(test_module_unknown_parameter_invalid_parameter),
		T(test_module_unknown_custom_verb_invalid_device_request),
		T(test_module_get_zero_buffer_reports_size),
		T(test_module_get_short_buffer_too_small),
		T(test_module_get_initial_value_is_zero),
		T(test_module_set_then_get_returns_value),
		T(test_module_set_read_only_invalid_device_request),
		T(test_module_set_outside_valid_set_invalid_parameter),
		T(test_module_set_every_valid_value_accepted),
		T(test_module_set_all_ff_invalid_parameter),
		T(test_module_set_short_value_invalid_parameter),
		T(test_module_basicsupport_zero_buffer_reports_size),
		T(test_module_basicsupport_access_flags),
		T(test_module_basicsupport_description_only),
		T(test_module_basicsupport_full),
		T(test_module_basicsupport_short_buffer_too_small),
		T(test_worked_example_sends_one_notification),
		T(test_worked_example_same_value_sends_nothing),
		T(test_module_refused_set_sends_nothing),
		T(test_module_get_sends_nothing),
		T(test_module_notification_names_parameter),
		T(test_headphone_notification_carries_its_device_id),
		T(test_pin_module_notification_carries_instance_id),
		T(test_pin_module_starts_with_template_values),
		T(test_pin_module_set_leaves_template_alone),
		T(test_filter_unknown_property_id_not_found),
		T(test_filter_other_property_set_not_found),
		T(test_filter_input_shorter_than_ksproperty_invalid_buffer_size),
		T(test_port_sample_header_accepted),
		T(test_port_wrong_device_id_rejected),
		T(test_port_unknown_module_rejected),
		T(test_port_stream_instance_accepted_while_open),
	};

	return cmocka_run_group_tests_name("wdk", tests, NULL, NULL);
}
