/* SPDX-License-Identifier: MIT */
/*
 * The sample driver's own modules (drivers/sample/README.md): the speaker's level meter, the
 * headphone's keyword detector, the timer thread that sends for both, and the driver's
 * options. Requests and expected payloads are built byte by byte from the README's ids and
 * layouts, never from the driver's structures.
 *
 * The timing checks are functional (notifications come while on, stop when off) with wide
 * bounds; rates are measured in make bench, not here.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include <amod/amod-port.h>

#include "sample.h"

/* GUIDs in memory order. */
static const uint8_t SET_AUDIOMODULE[16] = {0xB0, 0xFD, 0x34, 0xC0, 0x75, 0xFF, 0xC8, 0x47,
					    0xAA, 0x3C, 0xEE, 0x46, 0x71, 0x6B, 0x50, 0xC6};
static const uint8_t EVENT_AUDIOMODULE[16] = {0xF0, 0x20, 0x22, 0x9C, 0xA6, 0xD9, 0x5C, 0x4D,
					      0xA0, 0x36, 0x57, 0x38, 0x57, 0xFD, 0x50, 0xD2};
static const uint8_t EVENT_SOUNDDETECTOR[16] = {0x44, 0xD8, 0x89, 0x63, 0x32, 0xBB, 0x4C, 0x4C,
						0xA8, 0x02, 0xF4, 0xB4, 0xB7, 0x7A, 0xFE, 0xAD};
static const uint8_t TYPESET_GENERAL[16] = {0xA0, 0x9B, 0xE9, 0x97, 0xEA, 0xBD, 0xCF, 0x11,
					    0xA5, 0xD6, 0x28, 0xDB, 0x04, 0xC1, 0x00, 0x00};
static const uint8_t METER[16] = {0x3A, 0x1C, 0x0F, 0x6B, 0x2E, 0x7D, 0x59, 0x4A,
				  0xB8, 0xE1, 0x2C, 0x4D, 0x5E, 0x6F, 0x7A, 0x81};
static const uint8_t DETECTOR[16] = {0x1B, 0x2C, 0x3D, 0x9E, 0x4F, 0x0A, 0x6E, 0x4B,
				     0x8D, 0x7C, 0x5F, 0x1A, 0x2B, 0x3C, 0x4D, 0x91};
static const uint8_t MODULE0[16] = {0x6F, 0x8B, 0x4C, 0xE2, 0xE7, 0xED, 0x55, 0x42,
				    0x8B, 0x39, 0x77, 0x97, 0x60, 0x15, 0xD5, 0x93};
static const uint8_t MODULE1[16] = {0x8E, 0x5C, 0xE5, 0x5C, 0xDF, 0x84, 0x17, 0x43,
				    0x98, 0xC7, 0x79, 0x2D, 0xE8, 0x33, 0x66, 0xCC};
/* SAMPLE_KEYWORD_DETECTION.EventId {6D16485F-9DE8-41AC-BEB5-CBB9084BBFD8}. */
static const uint8_t KEYWORD_EVENT[16] = {0x5F, 0x48, 0x16, 0x6D, 0xE8, 0x9D, 0xAC, 0x41,
					  0xBE, 0xB5, 0xCB, 0xB9, 0x08, 0x4B, 0xBF, 0xD8};
static const uint8_t SPEAKER_ID[16] = {0x7A, 0x98, 0x1C, 0xC0, 0xA9, 0x30, 0xB7, 0x4D,
				       0x8D, 0x69, 0x69, 0x6C, 0xFF, 0x41, 0xE4, 0xB9};
static const uint8_t HEADPHONE_ID[16] = {0x17, 0xBE, 0x66, 0x3A, 0x40, 0x54, 0xE7, 0x48,
					 0x83, 0x76, 0xB7, 0x5A, 0x0B, 0x1A, 0x92, 0x2D};
static const uint8_t MODE_DEFAULT[16] = {0x7E, 0x2F, 0x8E, 0xC1, 0x3D, 0x93, 0x65, 0x49,
					 0xB7, 0xD1, 0x1E, 0xEF, 0x22, 0x8D, 0x2A, 0xF3};
static const uint8_t ZERO_GUID[16] = {0};

#define ID_DESCRIPTORS 1u
#define ID_COMMAND 2u
#define VERB_GET 0x001u
#define VERB_SET 0x002u
#define VERB_BASICSUPPORT 0x200u

#define S_SUCCESS ((int32_t)0x00000000)
#define S_INVALID_PARAMETER ((int32_t)0xC000000D)
#define S_INVALID_DEVICE_REQUEST ((int32_t)0xC0000010)

#define DESCRIPTOR_SIZE 284u

/* Parameter ids. */
#define METER_RATE 0u
#define METER_FREQUENCY 1u
#define METER_LEVEL 2u
#define DETECTOR_INTERVAL 0u
#define DETECTOR_TRIGGER 1u
#define DETECTOR_KEYWORD 2u

/* cmocka's assert_in_range compares unsigned: levels in dBFS x 1000 are negative. */
#define assert_between(value, lo, hi)                                                              \
	do {                                                                                       \
		long long v_ = (long long)(value);                                                 \
		if (v_ < (long long)(lo) || v_ > (long long)(hi))                                  \
			fail_msg("%s = %lld, not in [%lld, %lld]", #value, v_, (long long)(lo),    \
				 (long long)(hi));                                                 \
	} while (0)

enum kind {
	KIND_PARAMETER, /* 48-byte parameter change */
	KIND_METER,	/* 64-byte meter levels */
	KIND_DETECTION, /* 32-byte keyword detection */
	KIND_OTHER,
	KIND_COUNT,
};

#define REC_MAX 1024
#define REC_DATA 64

struct rec {
	enum kind kind;
	uint8_t event_id[16];
	uint8_t device_id[16];
	uint8_t class_id[16];
	struct amod_device *device;
	uint32_t instance_id;
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
	pthread_cond_t cond;
	unsigned count;
	unsigned kinds[KIND_COUNT];
	struct rec recs[REC_MAX];
};

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

static int32_t get_i32(const uint8_t *p)
{
	return (int32_t)get_u32(p);
}

static uint64_t get_u64(const uint8_t *p)
{
	return (uint64_t)get_u32(p) | (uint64_t)get_u32(p + 4) << 32;
}

static enum kind kind_of(const struct amod_notification *n)
{
	const uint8_t *d = n->data;

	if (memcmp(&n->event_id, EVENT_SOUNDDETECTOR, 16) == 0)
		return KIND_DETECTION;
	if (memcmp(&n->event_id, EVENT_AUDIOMODULE, 16) != 0 || n->size < 44)
		return KIND_OTHER;
	if (n->size == 48 && get_u32(d + 40) == 0)
		return KIND_PARAMETER;
	if (n->size == 64 && get_u32(d + 40) == 1)
		return KIND_METER;
	return KIND_OTHER;
}

/* Runs on the sender's thread: the timer thread, or the test's own for parameter changes. */
static void record(const struct amod_notification *n, void *userdata)
{
	struct fixture *f = userdata;
	enum kind k = kind_of(n);

	pthread_mutex_lock(&f->lock);
	if (f->count < REC_MAX) {
		struct rec *r = &f->recs[f->count];

		r->kind = k;
		memcpy(r->event_id, &n->event_id, 16);
		memcpy(r->device_id, &n->device_id, 16);
		memcpy(r->class_id, &n->class_id, 16);
		r->device = n->device;
		r->instance_id = n->instance_id;
		r->size = n->size;
		memcpy(r->data, n->data, n->size < REC_DATA ? n->size : REC_DATA);
		f->count++;
	}
	f->kinds[k]++;
	pthread_cond_broadcast(&f->cond);
	pthread_mutex_unlock(&f->lock);
}

static void fixture_init(struct fixture *f)
{
	struct amod_adapter_config cfg = {.version = AMOD_ADAPTER_CONFIG_VERSION, .verifier = 1};

	pthread_mutex_init(&f->lock, NULL);
	pthread_cond_init(&f->cond, NULL);
	assert_int_equal(amod_adapter_new(&cfg, &f->adapter), 0);
	assert_int_equal(amod_adapter_add_listener(f->adapter, NULL, record, f, &f->listener), 0);
}

static void fixture_start(struct fixture *f, const char *options)
{
	assert_int_equal(sample_driver_create(f->adapter, options, &f->driver), 0);
	f->speaker = sample_driver_get_device(f->driver, "speaker");
	f->headphone = sample_driver_get_device(f->driver, "headphone");
	assert_non_null(f->speaker);
	assert_non_null(f->headphone);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	fixture_init(f);
	fixture_start(f, NULL);
	*state = f;
	return 0;
}

/* A fixture without a driver: the options tests create their own. */
static int setup_bare(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	fixture_init(f);
	*state = f;
	return 0;
}

static void check_clean(struct fixture *f)
{
	struct amod_verifier_stats s;

	assert_int_equal(amod_adapter_get_verifier_stats(f->adapter, &s), 0);
	assert_int_equal(s.double_frees, 0);
	assert_int_equal(s.invalid_frees, 0);
	assert_int_equal(s.overruns, 0);
	assert_int_equal(s.leaks, 0);
	assert_int_equal(s.rejected_sends, 0);
	assert_int_equal(s.alloc_failures, 0);
	assert_int_equal(amod_adapter_get_live_buffers(f->adapter), 0);
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	sample_driver_free(f->driver);
	amod_listener_remove(f->listener);
	/* Every send the timer thread made was accepted, every buffer freed once. */
	check_clean(f);
	assert_null(amod_adapter_get_device(f->adapter, 0));
	amod_adapter_unref(f->adapter);
	pthread_cond_destroy(&f->cond);
	pthread_mutex_destroy(&f->lock);
	free(f);
	return 0;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static unsigned count_of(struct fixture *f, enum kind k)
{
	unsigned n;

	pthread_mutex_lock(&f->lock);
	n = f->kinds[k];
	pthread_mutex_unlock(&f->lock);
	return n;
}

/* Waits until at least n notifications of kind k were seen; false after timeout_ms. */
static bool wait_for(struct fixture *f, enum kind k, unsigned n, unsigned timeout_ms)
{
	struct timespec deadline;
	bool ok;

	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += timeout_ms / 1000;
	deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&f->lock);
	while (f->kinds[k] < n)
		if (pthread_cond_timedwait(&f->cond, &f->lock, &deadline) == ETIMEDOUT)
			break;
	ok = f->kinds[k] >= n;
	pthread_mutex_unlock(&f->lock);
	return ok;
}

/* Copies the i-th recorded notification of kind k (0 = oldest, -1 = newest). */
static bool nth_of(struct fixture *f, enum kind k, int i, struct rec *ret)
{
	int seen = 0, total = 0;
	bool found = false;

	pthread_mutex_lock(&f->lock);
	for (unsigned j = 0; j < f->count; j++)
		total += f->recs[j].kind == k;
	if (i < 0)
		i += total;
	for (unsigned j = 0; j < f->count && !found; j++) {
		if (f->recs[j].kind != k)
			continue;
		if (seen++ == i) {
			*ret = f->recs[j];
			found = true;
		}
	}
	pthread_mutex_unlock(&f->lock);
	return found;
}

static void forget(struct fixture *f)
{
	pthread_mutex_lock(&f->lock);
	f->count = 0;
	memset(f->kinds, 0, sizeof(f->kinds));
	pthread_mutex_unlock(&f->lock);
}

/* COMMAND requests: KSAUDIOMODULE_PROPERTY, then {Verb, ParameterId}, then the value. */
static uint32_t build_command(uint8_t *buf, const uint8_t class_id[16], uint32_t instance_id,
			      uint32_t custom_verb, uint32_t parameter_id, const void *value,
			      uint32_t value_size)
{
	memcpy(buf, SET_AUDIOMODULE, 16);
	put_u32(buf + 16, ID_COMMAND);
	put_u32(buf + 20, VERB_GET);
	memcpy(buf + 24, class_id, 16);
	put_u32(buf + 40, instance_id);
	put_u32(buf + 44, 0);
	put_u32(buf + 48, custom_verb);
	put_u32(buf + 52, parameter_id);
	if (value_size)
		memcpy(buf + 56, value, value_size);
	return 56 + value_size;
}

static int32_t set_param(struct amod_device *d, struct amod_stream *s, const uint8_t class_id[16],
			 uint32_t instance_id, uint32_t parameter_id, uint32_t value)
{
	uint8_t in[64], v[4];
	uint32_t size = 0, in_size;

	put_u32(v, value);
	in_size = build_command(in, class_id, instance_id, VERB_SET, parameter_id, v, 4);
	return amod_device_property(d, s, in, in_size, NULL, &size);
}

static uint32_t get_param(struct amod_device *d, struct amod_stream *s, const uint8_t class_id[16],
			  uint32_t instance_id, uint32_t parameter_id)
{
	uint8_t in[64], out[4];
	uint32_t size = sizeof(out);
	uint32_t in_size =
		build_command(in, class_id, instance_id, VERB_GET, parameter_id, NULL, 0);

	assert_int_equal(amod_device_property(d, s, in, in_size, out, &size), S_SUCCESS);
	assert_int_equal(size, 4);
	return get_u32(out);
}

static int32_t set_meter(struct fixture *f, uint32_t parameter_id, uint32_t value)
{
	return set_param(f->speaker, NULL, METER, 0, parameter_id, value);
}

static int32_t set_detector(struct fixture *f, uint32_t parameter_id, uint32_t value)
{
	return set_param(f->headphone, NULL, DETECTOR, 0, parameter_id, value);
}

static struct amod_stream *open_stream(struct amod_device *d, const uint8_t mode[16])
{
	struct amod_stream *s = NULL;
	struct amod_guid g;

	memcpy(&g, mode, 16);
	assert_int_equal(amod_device_open_stream(d, &g, &s), 0);
	return s;
}

/* The parameter BASICSUPPORT reply of a ULONG parameter with n_valid values. */
static void check_basicsupport(struct amod_device *d, const uint8_t class_id[16],
			       uint32_t parameter_id, const uint32_t *valid, uint32_t n_valid)
{
	uint8_t in[64], out[256], expected[256] = {0};
	uint32_t full = 40 + 16 + 4 * n_valid, size = sizeof(out);
	uint32_t in_size = build_command(in, class_id, 0, VERB_BASICSUPPORT, parameter_id, NULL, 0);

	put_u32(expected, 0x203);
	put_u32(expected + 4, full);
	memcpy(expected + 8, TYPESET_GENERAL, 16);
	put_u32(expected + 24, 19); /* VT_UI4 */
	put_u32(expected + 32, 1);
	put_u32(expected + 40, 3); /* KSPROPERTY_MEMBER_VALUES */
	put_u32(expected + 44, 4);
	put_u32(expected + 48, n_valid);
	put_u32(expected + 52, 1); /* KSPROPERTY_MEMBER_FLAG_DEFAULT */
	for (uint32_t i = 0; i < n_valid; i++)
		put_u32(expected + 56 + 4 * i, valid[i]);
	assert_int_equal(amod_device_property(d, NULL, in, in_size, out, &size), S_SUCCESS);
	assert_int_equal(size, full);
	assert_memory_equal(out, expected, full);
}

/* Level meter: parameters. */

static const uint32_t METER_RATES[] = {0, 1, 2, 5, 10, 20, 50, 100};

static void test_meter_defaults(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(get_param(f->speaker, NULL, METER, 0, METER_RATE), 0);
	assert_int_equal(get_param(f->speaker, NULL, METER, 0, METER_FREQUENCY), 1000);
	assert_int_equal(get_param(f->speaker, NULL, METER, 0, METER_LEVEL), 60);
	/* Off by default: nothing is sent. */
	sleep_ms(100);
	assert_int_equal(count_of(f, KIND_METER), 0);
}

static void test_meter_rate_accepts_valid_set_only(void **state)
{
	struct fixture *f = *state;
	const uint32_t bad[] = {3, 4, 99, 101, 1000, 0xFFFFFFFE, 0xFFFFFFFF};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(set_meter(f, METER_RATE, bad[i]), S_INVALID_PARAMETER);
	assert_int_equal(get_param(f->speaker, NULL, METER, 0, METER_RATE), 0);
	/* Ends on 0: the meter is off again. */
	for (size_t i = sizeof(METER_RATES) / sizeof(METER_RATES[0]); i-- > 0;) {
		assert_int_equal(set_meter(f, METER_RATE, METER_RATES[i]), S_SUCCESS);
		assert_int_equal(get_param(f->speaker, NULL, METER, 0, METER_RATE), METER_RATES[i]);
	}
}

static void test_meter_basicsupport_lists_rates(void **state)
{
	struct fixture *f = *state;

	check_basicsupport(f->speaker, METER, METER_RATE, METER_RATES, 8);
	/* Ranges are checked on SET, so the other two list no values. */
	check_basicsupport(f->speaker, METER, METER_FREQUENCY, NULL, 0);
	check_basicsupport(f->speaker, METER, METER_LEVEL, NULL, 0);
}

static void test_meter_frequency_range(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(set_meter(f, METER_FREQUENCY, 0), S_INVALID_PARAMETER);
	assert_int_equal(set_meter(f, METER_FREQUENCY, 20001), S_INVALID_PARAMETER);
	assert_int_equal(set_meter(f, METER_FREQUENCY, 0xFFFFFFFF), S_INVALID_PARAMETER);
	assert_int_equal(get_param(f->speaker, NULL, METER, 0, METER_FREQUENCY), 1000);
	assert_int_equal(set_meter(f, METER_FREQUENCY, 1), S_SUCCESS);
	assert_int_equal(set_meter(f, METER_FREQUENCY, 20000), S_SUCCESS);
	assert_int_equal(get_param(f->speaker, NULL, METER, 0, METER_FREQUENCY), 20000);
}

static void test_meter_level_range(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(set_meter(f, METER_LEVEL, 961), S_INVALID_PARAMETER);
	assert_int_equal(set_meter(f, METER_LEVEL, 0xFFFFFFFF), S_INVALID_PARAMETER);
	assert_int_equal(get_param(f->speaker, NULL, METER, 0, METER_LEVEL), 60);
	assert_int_equal(set_meter(f, METER_LEVEL, 960), S_SUCCESS);
	assert_int_equal(set_meter(f, METER_LEVEL, 0), S_SUCCESS);
	assert_int_equal(get_param(f->speaker, NULL, METER, 0, METER_LEVEL), 0);
}

/* Every meter parameter has the change-notification flag. */
static void test_meter_parameter_change_notifies(void **state)
{
	struct fixture *f = *state;
	struct rec r;

	for (uint32_t id = 0; id < 3; id++) {
		forget(f);
		assert_int_equal(set_meter(f, id, id == METER_RATE ? 0 : 100), S_SUCCESS);
		/* Rate 0 is no change; the others are. */
		assert_int_equal(count_of(f, KIND_PARAMETER), id == METER_RATE ? 0 : 1);
		if (id == METER_RATE)
			continue;
		assert_true(nth_of(f, KIND_PARAMETER, 0, &r));
		assert_memory_equal(r.data, SPEAKER_ID, 16);
		assert_memory_equal(r.data + 16, METER, 16);
		assert_int_equal(get_u32(r.data + 32), 0);
		assert_int_equal(get_u32(r.data + 36), 0);
		assert_int_equal(get_u32(r.data + 44), id);
	}
	/* Refused values change nothing and send nothing. */
	forget(f);
	assert_int_equal(set_meter(f, METER_LEVEL, 961), S_INVALID_PARAMETER);
	assert_int_equal(count_of(f, KIND_PARAMETER), 0);
}

/* Level meter: notifications. */

static void test_meter_sends_at_rate_and_stops(void **state)
{
	struct fixture *f = *state;
	unsigned n;

	assert_int_equal(set_meter(f, METER_RATE, 50), S_SUCCESS);
	sleep_ms(1000);
	n = count_of(f, KIND_METER);
	assert_between(n, 20, 80);

	assert_int_equal(set_meter(f, METER_RATE, 0), S_SUCCESS);
	/* A block measured before the change may still be on its way. */
	sleep_ms(100);
	n = count_of(f, KIND_METER);
	sleep_ms(300);
	assert_int_equal(count_of(f, KIND_METER), n);
}

static void test_meter_payload_layout(void **state)
{
	struct fixture *f = *state;
	struct rec r;
	int32_t peak, rms;

	assert_int_equal(set_meter(f, METER_RATE, 100), S_SUCCESS);
	assert_true(wait_for(f, KIND_METER, 3, 2000));
	assert_true(nth_of(f, KIND_METER, 1, &r));

	/* What listeners are told. */
	assert_memory_equal(r.event_id, EVENT_AUDIOMODULE, 16);
	assert_memory_equal(r.device_id, SPEAKER_ID, 16);
	assert_memory_equal(r.class_id, METER, 16);
	assert_ptr_equal(r.device, f->speaker);
	assert_int_equal(r.instance_id, 0);
	assert_int_equal(r.size, 64);

	/* The 64 bytes. */
	assert_memory_equal(r.data, SPEAKER_ID, 16);
	assert_memory_equal(r.data + 16, METER, 16);
	assert_int_equal(get_u32(r.data + 32), 0); /* InstanceId */
	assert_int_equal(get_u32(r.data + 36), 0); /* Reserved */
	assert_int_equal(get_u32(r.data + 40), 1); /* Type = SampleMeterLevels */
	assert_int_equal(get_u32(r.data + 44), 2); /* ChannelCount */

	/* Channel 0: a 1 kHz sine at -6.0 dBFS; its RMS is 3.01 dB below its peak. */
	peak = get_i32(r.data + 48);
	rms = get_i32(r.data + 52);
	assert_between(peak, -6100, -5900);
	assert_between(rms - (peak - 3010), -100, 100);
	/* Channel 1: the same sine under an envelope between 0.1 and 1. */
	assert_between(get_i32(r.data + 56), -26100, -5900);
	assert_true(get_i32(r.data + 60) < get_i32(r.data + 56));
}

static void test_meter_channel1_varies(void **state)
{
	struct fixture *f = *state;
	int32_t lo = INT32_MAX, hi = INT32_MIN;
	unsigned n;
	struct rec r;

	/* 100 blocks of 10 ms: a quarter of the envelope's 4-second period. */
	assert_int_equal(set_meter(f, METER_RATE, 100), S_SUCCESS);
	assert_true(wait_for(f, KIND_METER, 100, 5000));
	assert_int_equal(set_meter(f, METER_RATE, 0), S_SUCCESS);
	n = count_of(f, KIND_METER);
	for (unsigned i = 0; i < n && nth_of(f, KIND_METER, (int)i, &r); i++) {
		int32_t peak1 = get_i32(r.data + 56);

		/* Channel 0 stays where it is. */
		assert_between(get_i32(r.data + 48), -6100, -5900);
		lo = peak1 < lo ? peak1 : lo;
		hi = peak1 > hi ? peak1 : hi;
	}
	assert_true(hi - lo > 2000);
}

static void test_meter_level_change_moves_peak(void **state)
{
	struct fixture *f = *state;
	struct rec r;

	assert_int_equal(set_meter(f, METER_RATE, 100), S_SUCCESS);
	assert_true(wait_for(f, KIND_METER, 1, 2000));
	assert_int_equal(set_meter(f, METER_LEVEL, 200), S_SUCCESS);
	forget(f);
	/* At most one block measured before the SET can still arrive: look at the third. */
	assert_true(wait_for(f, KIND_METER, 3, 2000));
	assert_true(nth_of(f, KIND_METER, -1, &r));
	assert_between(get_i32(r.data + 48), -20100, -19900);
	assert_between(get_i32(r.data + 52), -23110, -22910);

	/* The highest level is full scale: 0 dBFS. */
	assert_int_equal(set_meter(f, METER_LEVEL, 0), S_SUCCESS);
	forget(f);
	assert_true(wait_for(f, KIND_METER, 3, 2000));
	assert_true(nth_of(f, KIND_METER, -1, &r));
	assert_between(get_i32(r.data + 48), -100, 0);
}

static void test_meter_frequency_change_keeps_levels(void **state)
{
	struct fixture *f = *state;
	struct rec r;

	assert_int_equal(set_meter(f, METER_FREQUENCY, 440), S_SUCCESS);
	assert_int_equal(set_meter(f, METER_RATE, 10), S_SUCCESS);
	assert_true(wait_for(f, KIND_METER, 2, 3000));
	assert_true(nth_of(f, KIND_METER, -1, &r));
	/* 4800 frames of 440 Hz: 44 cycles, the peak within 0.1 dB of the amplitude. */
	assert_between(get_i32(r.data + 48), -6100, -5900);
	assert_between(get_i32(r.data + 52) - (get_i32(r.data + 48) - 3010), -100, 100);
}

/* Only the template meters: a stream's instance keeps its own values, and is silent. */
static void test_meter_stream_instance_does_not_meter(void **state)
{
	struct fixture *f = *state;
	struct amod_stream *s = open_stream(f->speaker, MODE_DEFAULT);
	struct rec r;

	assert_int_equal(get_param(f->speaker, s, METER, 1, METER_LEVEL), 60);
	assert_int_equal(set_param(f->speaker, s, METER, 1, METER_RATE, 100), S_SUCCESS);
	assert_int_equal(get_param(f->speaker, s, METER, 1, METER_RATE), 100);
	assert_int_equal(get_param(f->speaker, NULL, METER, 0, METER_RATE), 0);
	/* The change itself is announced, under the instance's id. */
	assert_true(nth_of(f, KIND_PARAMETER, 0, &r));
	assert_int_equal(r.instance_id, 1);
	sleep_ms(200);
	assert_int_equal(count_of(f, KIND_METER), 0);
	amod_stream_close(s);
}

/* Keyword detector. */

static void test_detector_defaults(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(get_param(f->headphone, NULL, DETECTOR, 0, DETECTOR_INTERVAL), 0);
	assert_int_equal(get_param(f->headphone, NULL, DETECTOR, 0, DETECTOR_TRIGGER), 0);
	assert_int_equal(get_param(f->headphone, NULL, DETECTOR, 0, DETECTOR_KEYWORD), 1);
	check_basicsupport(f->headphone, DETECTOR, DETECTOR_INTERVAL, NULL, 0);
	check_basicsupport(f->headphone, DETECTOR, DETECTOR_TRIGGER, (const uint32_t[]){1}, 1);
	check_basicsupport(f->headphone, DETECTOR, DETECTOR_KEYWORD, NULL, 0);
	sleep_ms(100);
	assert_int_equal(count_of(f, KIND_DETECTION), 0);
}

static void test_detector_parameter_ranges(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(set_detector(f, DETECTOR_INTERVAL, 1), S_INVALID_PARAMETER);
	assert_int_equal(set_detector(f, DETECTOR_INTERVAL, 99), S_INVALID_PARAMETER);
	assert_int_equal(set_detector(f, DETECTOR_INTERVAL, 60001), S_INVALID_PARAMETER);
	assert_int_equal(set_detector(f, DETECTOR_TRIGGER, 0), S_INVALID_PARAMETER);
	assert_int_equal(set_detector(f, DETECTOR_TRIGGER, 2), S_INVALID_PARAMETER);
	assert_int_equal(set_detector(f, DETECTOR_KEYWORD, 0xFFFFFFFF), S_INVALID_PARAMETER);
	assert_int_equal(count_of(f, KIND_PARAMETER), 0);

	assert_int_equal(set_detector(f, DETECTOR_INTERVAL, 60000), S_SUCCESS);
	assert_int_equal(set_detector(f, DETECTOR_INTERVAL, 100), S_SUCCESS);
	assert_int_equal(set_detector(f, DETECTOR_INTERVAL, 0), S_SUCCESS);
	assert_int_equal(set_detector(f, DETECTOR_KEYWORD, 7), S_SUCCESS);
	assert_int_equal(get_param(f->headphone, NULL, DETECTOR, 0, DETECTOR_KEYWORD), 7);
	/* Interval and KeywordId announce their changes: four here. */
	assert_int_equal(count_of(f, KIND_PARAMETER), 4);
}

static void check_detection(const struct rec *r, struct fixture *f, uint32_t keyword,
			    uint64_t index)
{
	uint8_t expected[32];

	memcpy(expected, KEYWORD_EVENT, 16);
	put_u32(expected + 16, keyword);
	put_u32(expected + 20, 80 + (uint32_t)((index - 1) % 20));
	put_u32(expected + 24, (uint32_t)index);
	put_u32(expected + 28, (uint32_t)(index >> 32));
	assert_memory_equal(r->event_id, EVENT_SOUNDDETECTOR, 16);
	/* Not a module event: the port reports no module. */
	assert_memory_equal(r->class_id, ZERO_GUID, 16);
	assert_int_equal(r->instance_id, 0);
	assert_memory_equal(r->device_id, HEADPHONE_ID, 16);
	assert_ptr_equal(r->device, f->headphone);
	assert_int_equal(r->size, 32);
	assert_memory_equal(r->data, expected, 32);
}

static void test_detector_trigger_sends_one_detection(void **state)
{
	struct fixture *f = *state;
	struct rec r;

	assert_int_equal(set_detector(f, DETECTOR_TRIGGER, 1), S_SUCCESS);
	assert_true(wait_for(f, KIND_DETECTION, 1, 2000));
	sleep_ms(100);
	assert_int_equal(count_of(f, KIND_DETECTION), 1);
	/* An action, not a setting: no parameter change notification. */
	assert_int_equal(count_of(f, KIND_PARAMETER), 0);
	assert_int_equal(count_of(f, KIND_OTHER), 0);
	assert_true(nth_of(f, KIND_DETECTION, 0, &r));
	check_detection(&r, f, 1, 1);
	assert_int_equal(get_param(f->headphone, NULL, DETECTOR, 0, DETECTOR_TRIGGER), 1);
}

static void test_detector_index_increments(void **state)
{
	struct fixture *f = *state;
	struct rec r;

	for (uint32_t i = 0; i < 3; i++)
		assert_int_equal(set_detector(f, DETECTOR_TRIGGER, 1), S_SUCCESS);
	/* A trigger counts at once; GET Trigger includes detections still being sent. */
	assert_int_equal(get_param(f->headphone, NULL, DETECTOR, 0, DETECTOR_TRIGGER), 3);
	assert_true(wait_for(f, KIND_DETECTION, 3, 2000));
	assert_int_equal(set_detector(f, DETECTOR_KEYWORD, 42), S_SUCCESS);
	assert_int_equal(set_detector(f, DETECTOR_TRIGGER, 1), S_SUCCESS);
	assert_true(wait_for(f, KIND_DETECTION, 4, 2000));
	for (uint32_t i = 0; i < 4; i++) {
		assert_true(nth_of(f, KIND_DETECTION, (int)i, &r));
		check_detection(&r, f, i < 3 ? 1 : 42, i + 1);
	}
	assert_int_equal(get_param(f->headphone, NULL, DETECTOR, 0, DETECTOR_TRIGGER), 4);
}

static void test_detector_interval_detects_and_stops(void **state)
{
	struct fixture *f = *state;
	unsigned n;

	assert_int_equal(set_detector(f, DETECTOR_INTERVAL, 200), S_SUCCESS);
	sleep_ms(1000);
	assert_between(count_of(f, KIND_DETECTION), 2, 8);
	assert_int_equal(set_detector(f, DETECTOR_INTERVAL, 0), S_SUCCESS);
	sleep_ms(100);
	n = count_of(f, KIND_DETECTION);
	sleep_ms(500);
	assert_int_equal(count_of(f, KIND_DETECTION), n);
	assert_int_equal(get_param(f->headphone, NULL, DETECTOR, 0, DETECTOR_TRIGGER), n);
}

/* Scheduled and triggered detections share one index sequence, delivered in order. */
static void test_detector_indices_in_order(void **state)
{
	struct fixture *f = *state;
	unsigned n;
	struct rec r;

	assert_int_equal(set_detector(f, DETECTOR_INTERVAL, 100), S_SUCCESS);
	for (int i = 0; i < 20; i++) {
		assert_int_equal(set_detector(f, DETECTOR_TRIGGER, 1), S_SUCCESS);
		sleep_ms(15);
	}
	assert_int_equal(set_detector(f, DETECTOR_INTERVAL, 0), S_SUCCESS);
	n = get_param(f->headphone, NULL, DETECTOR, 0, DETECTOR_TRIGGER);
	assert_true(n >= 20);
	assert_true(wait_for(f, KIND_DETECTION, n, 2000));
	sleep_ms(100);
	assert_int_equal(count_of(f, KIND_DETECTION), n);
	for (unsigned i = 0; i < n; i++) {
		assert_true(nth_of(f, KIND_DETECTION, (int)i, &r));
		assert_int_equal(get_u64(r.data + 24), i + 1);
	}
}

static void test_detector_stream_instance_refuses_trigger(void **state)
{
	struct fixture *f = *state;
	struct amod_stream *s = open_stream(f->headphone, MODE_DEFAULT);

	assert_int_equal(set_param(f->headphone, s, DETECTOR, 1, DETECTOR_TRIGGER, 1),
			 S_INVALID_DEVICE_REQUEST);
	assert_int_equal(get_param(f->headphone, s, DETECTOR, 1, DETECTOR_TRIGGER), 0);
	assert_int_equal(set_param(f->headphone, s, DETECTOR, 1, DETECTOR_INTERVAL, 100),
			 S_SUCCESS);
	sleep_ms(300);
	assert_int_equal(count_of(f, KIND_DETECTION), 0);
	amod_stream_close(s);
}

/* Options. */

static void test_options_null_and_empty_are_defaults(void **state)
{
	struct fixture *f = *state;

	fixture_start(f, "");
	assert_int_equal(get_param(f->speaker, NULL, METER, 0, METER_RATE), 0);
	assert_int_equal(get_param(f->headphone, NULL, DETECTOR, 0, DETECTOR_INTERVAL), 0);
	sample_driver_free(f->driver);
	fixture_start(f, NULL);
	assert_int_equal(get_param(f->speaker, NULL, METER, 0, METER_RATE), 0);
}

static void test_options_meter_rate(void **state)
{
	struct fixture *f = *state;

	fixture_start(f, "meter-rate=50");
	assert_int_equal(get_param(f->speaker, NULL, METER, 0, METER_RATE), 50);
	/* Metering from the start, without a SET. */
	assert_true(wait_for(f, KIND_METER, 3, 2000));
	assert_int_equal(count_of(f, KIND_PARAMETER), 0);
}

static void test_options_detect_interval(void **state)
{
	struct fixture *f = *state;
	struct rec r;

	fixture_start(f, "detect-interval=100");
	assert_int_equal(get_param(f->headphone, NULL, DETECTOR, 0, DETECTOR_INTERVAL), 100);
	assert_true(wait_for(f, KIND_DETECTION, 2, 2000));
	assert_true(nth_of(f, KIND_DETECTION, 0, &r));
	check_detection(&r, f, 1, 1);
}

/* The driver's stream took each template's first instance id: the test's gets the second. */
static void check_stream_option(struct fixture *f, const char *options, bool movie)
{
	struct amod_stream *s;
	uint8_t in[24], out[8 + 3 * DESCRIPTOR_SIZE];
	uint32_t size = sizeof(out);

	fixture_start(f, options);
	s = open_stream(f->speaker, MODE_DEFAULT);
	memcpy(in, SET_AUDIOMODULE, 16);
	put_u32(in + 16, ID_DESCRIPTORS);
	put_u32(in + 20, VERB_GET);
	assert_int_equal(amod_device_property(f->speaker, s, in, sizeof(in), out, &size),
			 S_SUCCESS);
	assert_int_equal(get_u32(out + 4), 3);
	assert_memory_equal(out + 8, MODULE0, 16);
	assert_int_equal(get_u32(out + 8 + 16), 2);
	assert_memory_equal(out + 8 + DESCRIPTOR_SIZE, MODULE1, 16);
	/* Module1 (default) is the movie stream's only if the driver's stream is a movie one. */
	assert_int_equal(get_u32(out + 8 + DESCRIPTOR_SIZE + 16), movie ? 0x01000001 : 0x01000002);
	assert_memory_equal(out + 8 + 2 * DESCRIPTOR_SIZE, METER, 16);
	assert_int_equal(get_u32(out + 8 + 2 * DESCRIPTOR_SIZE + 16), 2);
	amod_stream_close(s);
	/* The headphone has one too. */
	s = open_stream(f->headphone, MODE_DEFAULT);
	size = sizeof(out);
	assert_int_equal(amod_device_property(f->headphone, s, in, sizeof(in), out, &size),
			 S_SUCCESS);
	assert_int_equal(get_u32(out + 8 + 16), 2);
	amod_stream_close(s);
}

static void test_options_stream_default(void **state)
{
	check_stream_option(*state, "stream=default", false);
}

static void test_options_stream_movie_with_others(void **state)
{
	struct fixture *f = *state;

	check_stream_option(f, "meter-rate=10,detect-interval=500,stream=movie", true);
	assert_int_equal(get_param(f->speaker, NULL, METER, 0, METER_RATE), 10);
	assert_int_equal(get_param(f->headphone, NULL, DETECTOR, 0, DETECTOR_INTERVAL), 500);
}

static void test_options_bad_leave_nothing(void **state)
{
	struct fixture *f = *state;
	const char *bad[] = {
		"bogus=1",
		"meter-rate=3",
		"meter-rate=101",
		"meter-rate=",
		"meter-rate=abc",
		"meter-rate=-1",
		"meter-rate=+5",
		"meter-rate= 5",
		"meter-rate=99999999999999999999",
		"detect-interval=99",
		"detect-interval=60001",
		"stream=fast",
		"stream=",
		"stream=DEFAULT",
		"meter-rate",
		"=5",
		",",
		"meter-rate=5,",
		",meter-rate=5",
		"meter-rate=5,,stream=default",
		"meter-rate=5,bogus=1",
		"stream=default,seed=1",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct sample_driver *driver = (struct sample_driver *)&driver;

		assert_int_equal(sample_driver_create(f->adapter, bad[i], &driver), -EINVAL);
		/* ret_driver is untouched, and the adapter has no device left. */
		assert_ptr_equal(driver, (struct sample_driver *)&driver);
		assert_null(amod_adapter_get_device(f->adapter, 0));
	}
	assert_int_equal(sample_driver_create(NULL, NULL, &f->driver), -EINVAL);
	assert_int_equal(sample_driver_create(f->adapter, NULL, NULL), -EINVAL);
	assert_null(f->driver);
}

/* Lifetime: freeing the driver while everything runs stops the thread before the devices go. */
static void test_free_while_running(void **state)
{
	struct fixture *f = *state;

	for (int i = 0; i < 5; i++) {
		unsigned n;

		fixture_start(f, "meter-rate=100,detect-interval=100,stream=default");
		sleep_ms(20 * (unsigned)i + 30);
		assert_int_equal(set_detector(f, DETECTOR_TRIGGER, 1), S_SUCCESS);
		assert_int_equal(set_meter(f, METER_LEVEL, 100 + (uint32_t)i), S_SUCCESS);
		sample_driver_free(f->driver);
		f->driver = NULL;
		assert_null(amod_adapter_get_device(f->adapter, 0));
		check_clean(f);
		n = count_of(f, KIND_METER) + count_of(f, KIND_DETECTION);
		sleep_ms(50);
		assert_int_equal(count_of(f, KIND_METER) + count_of(f, KIND_DETECTION), n);
	}
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
#define B(name) cmocka_unit_test_setup_teardown(name, setup_bare, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_meter_defaults),
		T(test_meter_rate_accepts_valid_set_only),
		T(test_meter_basicsupport_lists_rates),
		T(test_meter_frequency_range),
		T(test_meter_level_range),
		T(test_meter_parameter_change_notifies),
		T(test_meter_sends_at_rate_and_stops),
		T(test_meter_payload_layout),
		T(test_meter_channel1_varies),
		T(test_meter_level_change_moves_peak),
		T(test_meter_frequency_change_keeps_levels),
		T(test_meter_stream_instance_does_not_meter),
		T(test_detector_defaults),
		T(test_detector_parameter_ranges),
		T(test_detector_trigger_sends_one_detection),
		T(test_detector_index_increments),
		T(test_detector_interval_detects_and_stops),
		T(test_detector_indices_in_order),
		T(test_detector_stream_instance_refuses_trigger),
		B(test_options_null_and_empty_are_defaults),
		B(test_options_meter_rate),
		B(test_options_detect_interval),
		B(test_options_stream_default),
		B(test_options_stream_movie_with_others),
		B(test_options_bad_leave_nothing),
		B(test_free_while_running),
	};

	return cmocka_run_group_tests_name("wdk", tests, NULL, NULL);
}
