/* SPDX-License-Identifier: MIT */
/*
 * The wire codec against docs/wire-protocol.md: round trips, literal bytes that pin the
 * documented layouts, every rejection class of wire_decode(), encoder limits, and a
 * deterministic mutation run. Decoded input always sits in a heap block of exactly its length,
 * so ASan reports any read past the datagram.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <amod/amod-port.h>

#include "wire/ring.h"
#include "wire/wire.h"

#define ELEMENTS(a) (sizeof(a) / sizeof((a)[0]))
#define BUF_SIZE (WIRE_MAX_MESSAGE + 64u)

#define GUID_A { 0x11223344, 0x5566, 0x7788, { 0x99, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF, 0x00 } }
static const struct amod_guid guid_a = GUID_A;
static const struct amod_guid guid_b = {
	0xC034FDB0, 0xFF75, 0x47C8, { 0xAA, 0x3C, 0xEE, 0x46, 0x71, 0x6B, 0x50, 0xC6 }
};
static const struct amod_guid null_guid;

/* KSPROPERTY { KSPROPSETID_AudioModule, Id 1 (DESCRIPTORS), Flags 1 (GET) } + 2 bytes. */
static const uint8_t prop_in[26] = {
	0xB0, 0xFD, 0x34, 0xC0, 0x75, 0xFF, 0xC8, 0x47, 0xAA, 0x3C, 0xEE, 0x46, 0x71, 0x6B,
	0x50, 0xC6, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0xAB, 0xCD,
};

static uint8_t buf[BUF_SIZE];

/* Test-side packers: independent of the codec's own. */
static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* Decodes a copy of b[0, len) held in a heap block of exactly len bytes. */
static int decode_exact(const void *b, size_t len, struct wire_msg *m)
{
	uint8_t *copy = malloc(len ? len : 1);
	int r;

	assert_non_null(copy);
	if (len)
		memcpy(copy, b, len);
	r = wire_decode(copy, len, m);
	free(copy);
	return r;
}

/* The same with the header size field rewritten to len (when there is a header). */
static int decode_resized(const uint8_t *b, size_t len)
{
	uint8_t *copy = malloc(len ? len : 1);
	struct wire_msg m;
	int r;

	assert_non_null(copy);
	if (len)
		memcpy(copy, b, len);
	if (len >= WIRE_HEADER_SIZE)
		put32(copy + 4, (uint32_t)len);
	r = wire_decode(copy, len, &m);
	free(copy);
	return r;
}

/* A header followed by body_size bytes of body (already in b + 16). */
static size_t frame(uint8_t *b, uint16_t type, uint32_t serial, size_t body_size)
{
	size_t len = WIRE_HEADER_SIZE + body_size;

	put16(b, type);
	put16(b + 2, 0);
	put32(b + 4, (uint32_t)len);
	put32(b + 8, serial);
	put32(b + 12, 0);
	return len;
}

/* A DEVICE_ADDED whose record holds these raw string bytes (pad written as given). */
static size_t craft_device_event(uint8_t *b, const void *ep, uint16_t elen, const void *name,
				 uint16_t nlen, uint8_t pad_byte)
{
	uint8_t *r = b + WIRE_HEADER_SIZE;
	size_t strings = (size_t)elen + nlen;
	size_t pad = (4 - (strings & 3)) & 3;

	put32(r, 5);
	memcpy(r + 4, &guid_a, 16);
	put16(r + 20, elen);
	put16(r + 22, nlen);
	memcpy(r + 24, ep, elen);
	memcpy(r + 24 + elen, name, nlen);
	memset(r + 24 + strings, pad_byte, pad);
	return frame(b, WIRE_EVENT_DEVICE_ADDED, 0, 24 + strings + pad);
}

static const struct wire_device_info dev_speaker = {
	.id = 1, .notification_id = GUID_A, .endpoint_id = "spk", .name = "Speakers",
};
static const struct wire_device_info dev_mic = {
	.id = 0x0A0B0C0D, .endpoint_id = "mic", .name = "",
};

static void assert_string(const struct wire_string *s, const char *expected)
{
	assert_int_equal(s->len, strlen(expected));
	assert_memory_equal(s->data, expected, s->len);
}

/* One valid encoding of every message type, for the loops below. */
struct sample {
	uint8_t bytes[512];
	size_t len;
};

static size_t make_samples(struct sample *s, size_t max)
{
	static const uint8_t reply_data[5] = { 1, 2, 3, 4, 5 };
	const struct wire_device_info devs[2] = { dev_speaker, dev_mic };
	const struct wire_filter filter = {
		.flags = AMOD_FILTER_EVENT | AMOD_FILTER_CLASS | AMOD_FILTER_INSTANCE,
		.event_id = guid_a, .class_id = guid_b, .instance_id = 0x10000001,
	};
	size_t n = 0;
	int r;

#define SAMPLE(call)                                                                               \
	do {                                                                                       \
		assert_true(n < max);                                                              \
		r = (call);                                                                        \
		assert_true(r > 0);                                                                \
		s[n++].len = (size_t)r;                                                            \
	} while (0)
	SAMPLE(wire_encode_hello(s[n].bytes, sizeof(s[n].bytes), 1));
	SAMPLE(wire_encode_hello_reply(s[n].bytes, sizeof(s[n].bytes), 1, WIRE_ACCESS_MONITOR,
				       1u << 20));
	SAMPLE(wire_encode_hello_reply(s[n].bytes, sizeof(s[n].bytes), 1, WIRE_ACCESS_MONITOR |
				       WIRE_ACCESS_CONTROL, RING_MAX_SIZE));
	SAMPLE(wire_encode_error(s[n].bytes, sizeof(s[n].bytes), 2, AMOD_STATUS_NOT_FOUND));
	SAMPLE(wire_encode_ok(s[n].bytes, sizeof(s[n].bytes), 3));
	SAMPLE(wire_encode_list_devices(s[n].bytes, sizeof(s[n].bytes), 4));
	SAMPLE(wire_encode_device_list(s[n].bytes, sizeof(s[n].bytes), 4, devs, 2));
	SAMPLE(wire_encode_device_list(s[n].bytes, sizeof(s[n].bytes), 4, NULL, 0));
	SAMPLE(wire_encode_device_event(s[n].bytes, sizeof(s[n].bytes), WIRE_EVENT_DEVICE_ADDED,
					&dev_speaker));
	SAMPLE(wire_encode_device_event(s[n].bytes, sizeof(s[n].bytes),
					WIRE_EVENT_DEVICE_REMOVED, &dev_mic));
	SAMPLE(wire_encode_shutdown(s[n].bytes, sizeof(s[n].bytes), 0));
	SAMPLE(wire_encode_property(s[n].bytes, sizeof(s[n].bytes), 5, 1, 0, prop_in,
				    sizeof(prop_in), 64));
	SAMPLE(wire_encode_property(s[n].bytes, sizeof(s[n].bytes), 5, 1, 3, prop_in, 24, 0));
	SAMPLE(wire_encode_property_reply(s[n].bytes, sizeof(s[n].bytes), 5, 0, 5, reply_data,
					  5));
	SAMPLE(wire_encode_property_reply(s[n].bytes, sizeof(s[n].bytes), 5,
					  AMOD_STATUS_BUFFER_OVERFLOW, 292, NULL, 0));
	SAMPLE(wire_encode_subscribe(s[n].bytes, sizeof(s[n].bytes), 6, 1, &filter));
	SAMPLE(wire_encode_subscribe_reply(s[n].bytes, sizeof(s[n].bytes), 6, 9, 1,
					   4096 + (1u << 20), 4096));
	SAMPLE(wire_encode_unsubscribe(s[n].bytes, sizeof(s[n].bytes), 7, 9));
	SAMPLE(wire_encode_device_info(s[n].bytes, sizeof(s[n].bytes), 7, 3));
	SAMPLE(wire_encode_open_stream(s[n].bytes, sizeof(s[n].bytes), 8, 1, &guid_b));
	SAMPLE(wire_encode_stream_reply(s[n].bytes, sizeof(s[n].bytes), 8, 2));
	SAMPLE(wire_encode_close_stream(s[n].bytes, sizeof(s[n].bytes), 9, 2));
#undef SAMPLE
	return n;
}

/* Round trips */

static void test_wire_hello_round_trip(void **state)
{
	struct wire_msg m;
	int n = wire_encode_hello(buf, sizeof(buf), 42);

	assert_int_equal(n, 24);
	assert_int_equal(decode_exact(buf, (size_t)n, &m), 0);
	assert_int_equal(m.hdr.type, WIRE_HELLO);
	assert_int_equal(m.hdr.size, 24);
	assert_int_equal(m.hdr.serial, 42);
	assert_int_equal(m.hello.major, WIRE_VERSION_MAJOR);
	assert_int_equal(m.hello.minor, WIRE_VERSION_MINOR);
	assert_int_equal(m.hello.flags, 0);
}

static void test_wire_hello_reply_round_trip(void **state)
{
	struct wire_msg m;
	int n = wire_encode_hello_reply(buf, sizeof(buf), 43,
					WIRE_ACCESS_MONITOR | WIRE_ACCESS_CONTROL, 1u << 16);

	assert_int_equal(n, 28);
	assert_int_equal(decode_exact(buf, (size_t)n, &m), 0);
	assert_int_equal(m.hdr.type, WIRE_HELLO_REPLY);
	assert_int_equal(m.hdr.serial, 43);
	assert_int_equal(m.hello_reply.major, WIRE_VERSION_MAJOR);
	assert_int_equal(m.hello_reply.minor, WIRE_VERSION_MINOR);
	assert_int_equal(m.hello_reply.access, WIRE_ACCESS_MONITOR | WIRE_ACCESS_CONTROL);
	assert_int_equal(m.hello_reply.ring_size, 1u << 16);
}

static void test_wire_error_round_trip(void **state)
{
	struct wire_msg m;
	int n = wire_encode_error(buf, sizeof(buf), 7, AMOD_STATUS_ACCESS_DENIED);

	assert_int_equal(n, 20);
	assert_int_equal(decode_exact(buf, (size_t)n, &m), 0);
	assert_int_equal(m.hdr.type, WIRE_ERROR);
	assert_int_equal(m.hdr.serial, 7);
	assert_int_equal(m.error.status, AMOD_STATUS_ACCESS_DENIED);
}

static void test_wire_ok_round_trip(void **state)
{
	struct wire_msg m;
	int n = wire_encode_ok(buf, sizeof(buf), 0xFFFFFFFF);

	assert_int_equal(n, 16);
	assert_int_equal(decode_exact(buf, (size_t)n, &m), 0);
	assert_int_equal(m.hdr.type, WIRE_OK);
	assert_int_equal(m.hdr.serial, 0xFFFFFFFF);
}

static void test_wire_list_devices_round_trip(void **state)
{
	struct wire_msg m;
	int n = wire_encode_list_devices(buf, sizeof(buf), 3);

	assert_int_equal(n, 16);
	assert_int_equal(decode_exact(buf, (size_t)n, &m), 0);
	assert_int_equal(m.hdr.type, WIRE_LIST_DEVICES);
	assert_int_equal(m.hdr.serial, 3);
}

static void test_wire_device_list_round_trip(void **state)
{
	const struct wire_device_info devs[3] = {
		dev_speaker,
		dev_mic,
		{ .id = 77, .notification_id = guid_b, .endpoint_id = "h\xC3\xA9",
		  .name = "\xE2\x82\xAC" },
	};
	struct wire_device d;
	struct wire_msg m;
	int n = wire_encode_device_list(buf, sizeof(buf), 11, devs, 3);

	assert_true(n > 0);
	assert_int_equal(decode_exact(buf, (size_t)n, &m), 0);
	assert_int_equal(m.hdr.type, WIRE_DEVICE_LIST);
	assert_int_equal(m.device_list.count, 3);
	for (uint32_t i = 0; i < 3; i++) {
		/* The views point into the buffer: decode in place to use them. */
		assert_int_equal(wire_decode(buf, (size_t)n, &m), 0);
		assert_int_equal(wire_device_list_get(&m, i, &d), 0);
		assert_int_equal(d.id, devs[i].id);
		assert_memory_equal(&d.notification_id, &devs[i].notification_id, 16);
		assert_string(&d.endpoint_id, devs[i].endpoint_id);
		assert_string(&d.name, devs[i].name);
	}
}

static void test_wire_device_list_empty_round_trip(void **state)
{
	struct wire_device d;
	struct wire_msg m;
	int n = wire_encode_device_list(buf, sizeof(buf), 11, NULL, 0);

	assert_int_equal(n, 20);
	assert_int_equal(wire_decode(buf, (size_t)n, &m), 0);
	assert_int_equal(m.device_list.count, 0);
	assert_int_equal(m.device_list.records_size, 0);
	assert_int_equal(wire_device_list_get(&m, 0, &d), -EINVAL);
}

static void test_wire_device_list_get_rejects_bad_index_and_type(void **state)
{
	const struct wire_device_info devs[2] = { dev_speaker, dev_mic };
	struct wire_device d = { .id = 1234 };
	struct wire_msg m;
	int n = wire_encode_device_list(buf, sizeof(buf), 11, devs, 2);

	assert_int_equal(wire_decode(buf, (size_t)n, &m), 0);
	assert_int_equal(wire_device_list_get(&m, 2, &d), -EINVAL);
	assert_int_equal(wire_device_list_get(&m, UINT32_MAX, &d), -EINVAL);
	assert_int_equal(wire_device_list_get(NULL, 0, &d), -EINVAL);
	assert_int_equal(wire_device_list_get(&m, 0, NULL), -EINVAL);
	/* A list whose count claims more than its records hold. */
	m.device_list.count = 3;
	assert_int_equal(wire_device_list_get(&m, 2, &d), -EINVAL);
	assert_int_equal(d.id, 1234);

	n = wire_encode_ok(buf, sizeof(buf), 1);
	assert_int_equal(wire_decode(buf, (size_t)n, &m), 0);
	assert_int_equal(wire_device_list_get(&m, 0, &d), -EINVAL);
}

static void test_wire_device_added_round_trip(void **state)
{
	struct wire_msg m;
	int n = wire_encode_device_event(buf, sizeof(buf), WIRE_EVENT_DEVICE_ADDED, &dev_speaker);

	assert_int_equal(n, 16 + 36);
	assert_int_equal(wire_decode(buf, (size_t)n, &m), 0);
	assert_int_equal(m.hdr.type, WIRE_EVENT_DEVICE_ADDED);
	assert_int_equal(m.hdr.serial, 0);
	assert_int_equal(m.device_event.id, 1);
	assert_memory_equal(&m.device_event.notification_id, &guid_a, 16);
	assert_string(&m.device_event.endpoint_id, "spk");
	assert_string(&m.device_event.name, "Speakers");
}

static void test_wire_device_removed_round_trip(void **state)
{
	struct wire_msg m;
	int n = wire_encode_device_event(buf, sizeof(buf), WIRE_EVENT_DEVICE_REMOVED, &dev_mic);

	assert_int_equal(n, 16 + 28);
	assert_int_equal(wire_decode(buf, (size_t)n, &m), 0);
	assert_int_equal(m.hdr.type, WIRE_EVENT_DEVICE_REMOVED);
	assert_int_equal(m.device_event.id, 0x0A0B0C0D);
	assert_memory_equal(&m.device_event.notification_id, &null_guid, 16);
	assert_string(&m.device_event.endpoint_id, "mic");
	assert_int_equal(m.device_event.name.len, 0);
}

static void test_wire_shutdown_round_trip(void **state)
{
	struct wire_msg m;
	int n = wire_encode_shutdown(buf, sizeof(buf), 0xDEADBEEF);

	assert_int_equal(n, 20);
	assert_int_equal(decode_exact(buf, (size_t)n, &m), 0);
	assert_int_equal(m.hdr.type, WIRE_EVENT_SHUTDOWN);
	assert_int_equal(m.hdr.serial, 0);
	assert_int_equal(m.shutdown.reason, 0xDEADBEEF);
}

static void test_wire_property_round_trip(void **state)
{
	struct wire_msg m;
	int n = wire_encode_property(buf, sizeof(buf), 12, 3, 4, prop_in, sizeof(prop_in),
				     WIRE_MAX_PROPERTY_VALUE);

	assert_int_equal(n, 16 + 16 + 28);
	assert_int_equal(wire_decode(buf, (size_t)n, &m), 0);
	assert_int_equal(m.hdr.type, WIRE_PROPERTY);
	assert_int_equal(m.hdr.serial, 12);
	assert_int_equal(m.property.device, 3);
	assert_int_equal(m.property.stream, 4);
	assert_int_equal(m.property.value_size, WIRE_MAX_PROPERTY_VALUE);
	assert_int_equal(m.property.in_size, sizeof(prop_in));
	assert_ptr_equal(m.property.in, buf + 32);
	assert_memory_equal(m.property.in, prop_in, sizeof(prop_in));
}

static void test_wire_property_largest_round_trip(void **state)
{
	static uint8_t in[WIRE_MAX_PROPERTY_IN];
	struct wire_msg m;
	int n;

	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)(i * 7 + 1);
	n = wire_encode_property(buf, sizeof(buf), 1, 1, 0, in, sizeof(in), 0);
	assert_int_equal(n, 32 + WIRE_MAX_PROPERTY_IN);
	assert_int_equal(decode_exact(buf, (size_t)n, &m), 0);
	assert_int_equal(m.property.in_size, WIRE_MAX_PROPERTY_IN);
}

static void test_wire_property_reply_round_trip(void **state)
{
	static const uint8_t data[7] = { 9, 8, 7, 6, 5, 4, 3 };
	struct wire_msg m;
	int n = wire_encode_property_reply(buf, sizeof(buf), 12, AMOD_STATUS_BUFFER_TOO_SMALL, 300,
					   data, sizeof(data));

	assert_int_equal(n, 16 + 12 + 8);
	assert_int_equal(wire_decode(buf, (size_t)n, &m), 0);
	assert_int_equal(m.hdr.type, WIRE_PROPERTY_REPLY);
	assert_int_equal(m.property_reply.status, AMOD_STATUS_BUFFER_TOO_SMALL);
	assert_int_equal(m.property_reply.information, 300);
	assert_int_equal(m.property_reply.data_size, sizeof(data));
	assert_memory_equal(m.property_reply.data, data, sizeof(data));
}

static void test_wire_property_reply_largest_round_trip(void **state)
{
	static uint8_t data[WIRE_MAX_PROPERTY_VALUE];
	struct wire_msg m;
	int n;

	memset(data, 0x5A, sizeof(data));
	n = wire_encode_property_reply(buf, sizeof(buf), 1, 0, WIRE_MAX_PROPERTY_VALUE, data,
				       WIRE_MAX_PROPERTY_VALUE);
	assert_int_equal(n, 28 + WIRE_MAX_PROPERTY_VALUE);
	assert_int_equal(decode_exact(buf, (size_t)n, &m), 0);
	assert_int_equal(m.property_reply.data_size, WIRE_MAX_PROPERTY_VALUE);
}

static void test_wire_subscribe_round_trip(void **state)
{
	const struct wire_filter f = {
		.flags = AMOD_FILTER_EVENT | AMOD_FILTER_CLASS | AMOD_FILTER_INSTANCE,
		.event_id = guid_a, .class_id = guid_b, .instance_id = 0x01000002,
	};
	struct wire_msg m;
	int n = wire_encode_subscribe(buf, sizeof(buf), 13, 6, &f);

	assert_int_equal(n, 16 + 44);
	assert_int_equal(decode_exact(buf, (size_t)n, &m), 0);
	assert_int_equal(m.hdr.type, WIRE_SUBSCRIBE);
	assert_int_equal(m.subscribe.device, 6);
	assert_int_equal(m.subscribe.filter.flags, f.flags);
	assert_memory_equal(&m.subscribe.filter.event_id, &guid_a, 16);
	assert_memory_equal(&m.subscribe.filter.class_id, &guid_b, 16);
	assert_int_equal(m.subscribe.filter.instance_id, 0x01000002);
}

static void test_wire_subscribe_clears_unselected_fields(void **state)
{
	/* Only CLASS is selected: the other fields go out as zero. */
	const struct wire_filter f = {
		.flags = AMOD_FILTER_CLASS, .event_id = guid_a, .class_id = guid_b,
		.instance_id = 99,
	};
	struct wire_msg m;
	int n = wire_encode_subscribe(buf, sizeof(buf), 13, 6, &f);

	assert_int_equal(decode_exact(buf, (size_t)n, &m), 0);
	assert_int_equal(m.subscribe.filter.flags, AMOD_FILTER_CLASS);
	assert_memory_equal(&m.subscribe.filter.event_id, &null_guid, 16);
	assert_memory_equal(&m.subscribe.filter.class_id, &guid_b, 16);
	assert_int_equal(m.subscribe.filter.instance_id, 0);
}

static void test_wire_subscribe_reply_round_trip(void **state)
{
	struct wire_msg m;
	int n = wire_encode_subscribe_reply(buf, sizeof(buf), 14, 21, 6, 4096 + 65536, 4096);

	assert_int_equal(n, 32);
	assert_int_equal(decode_exact(buf, (size_t)n, &m), 0);
	assert_int_equal(m.hdr.type, WIRE_SUBSCRIBE_REPLY);
	assert_int_equal(m.subscribe_reply.subscription, 21);
	assert_int_equal(m.subscribe_reply.device, 6);
	assert_int_equal(m.subscribe_reply.ring_size, 4096 + 65536);
	assert_int_equal(m.subscribe_reply.page_size, 4096);
}

static void test_wire_unsubscribe_round_trip(void **state)
{
	struct wire_msg m;
	int n = wire_encode_unsubscribe(buf, sizeof(buf), 15, 21);

	assert_int_equal(n, 20);
	assert_int_equal(decode_exact(buf, (size_t)n, &m), 0);
	assert_int_equal(m.hdr.type, WIRE_UNSUBSCRIBE);
	assert_int_equal(m.unsubscribe.subscription, 21);
}

static void test_wire_device_info_round_trip(void **state)
{
	/* clang-format off */
	static const uint8_t expect[] = {
		0x08, 0x00, 0x00, 0x00,  /* type DEVICE_INFO, flags */
		0x14, 0x00, 0x00, 0x00,  /* size 20 */
		0x0B, 0x00, 0x00, 0x00,  /* serial 11 */
		0x00, 0x00, 0x00, 0x00,  /* reserved */
		0x03, 0x00, 0x00, 0x00,  /* device 3 */
	};
	/* clang-format on */
	struct wire_msg m;
	int n = wire_encode_device_info(buf, sizeof(buf), 11, 3);

	assert_int_equal(n, sizeof(expect));
	assert_memory_equal(buf, expect, sizeof(expect));
	assert_int_equal(decode_exact(buf, (size_t)n, &m), 0);
	assert_int_equal(m.hdr.type, WIRE_DEVICE_INFO);
	assert_int_equal(m.device_info.device, 3);
	assert_string_equal(wire_type_name(WIRE_DEVICE_INFO), "DEVICE_INFO");
}

static void test_wire_open_stream_round_trip(void **state)
{
	struct wire_msg m;
	int n = wire_encode_open_stream(buf, sizeof(buf), 16, 6, &guid_b);

	assert_int_equal(n, 36);
	assert_int_equal(decode_exact(buf, (size_t)n, &m), 0);
	assert_int_equal(m.hdr.type, WIRE_OPEN_STREAM);
	assert_int_equal(m.open_stream.device, 6);
	assert_memory_equal(&m.open_stream.processing_mode, &guid_b, 16);
}

static void test_wire_open_stream_default_mode_is_null(void **state)
{
	struct wire_msg m;
	int n = wire_encode_open_stream(buf, sizeof(buf), 16, 6, NULL);

	assert_int_equal(decode_exact(buf, (size_t)n, &m), 0);
	assert_memory_equal(&m.open_stream.processing_mode, &null_guid, 16);
}

static void test_wire_stream_reply_round_trip(void **state)
{
	struct wire_msg m;
	int n = wire_encode_stream_reply(buf, sizeof(buf), 16, 0x80000001);

	assert_int_equal(n, 20);
	assert_int_equal(decode_exact(buf, (size_t)n, &m), 0);
	assert_int_equal(m.hdr.type, WIRE_STREAM_REPLY);
	assert_int_equal(m.stream_reply.stream, 0x80000001);
}

static void test_wire_close_stream_round_trip(void **state)
{
	struct wire_msg m;
	int n = wire_encode_close_stream(buf, sizeof(buf), 17, 5);

	assert_int_equal(n, 20);
	assert_int_equal(decode_exact(buf, (size_t)n, &m), 0);
	assert_int_equal(m.hdr.type, WIRE_CLOSE_STREAM);
	assert_int_equal(m.close_stream.stream, 5);
}

/* Exact bytes: these pin docs/wire-protocol.md. */

static void test_wire_hello_bytes(void **state)
{
	static const uint8_t expected[] = {
		0x01, 0x00, 0x00, 0x00, 0x18, 0x00, 0x00, 0x00, /* HELLO, flags 0, size 24 */
		0x04, 0x03, 0x02, 0x01, 0x00, 0x00, 0x00, 0x00, /* serial, reserved */
		0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* major 1, minor 0, flags 0 */
	};

	assert_int_equal(wire_encode_hello(buf, sizeof(buf), 0x01020304), sizeof(expected));
	assert_memory_equal(buf, expected, sizeof(expected));
}

static void test_wire_hello_reply_bytes(void **state)
{
	static const uint8_t expected[] = {
		0x40, 0x00, 0x00, 0x00, 0x1C, 0x00, 0x00, 0x00,
		0x04, 0x03, 0x02, 0x01, 0x00, 0x00, 0x00, 0x00,
		0x01, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, /* major, minor, access 3 */
		0x00, 0x00, 0x10, 0x00,                         /* ring size 1 MiB */
	};

	assert_int_equal(wire_encode_hello_reply(buf, sizeof(buf), 0x01020304, 3, 1u << 20),
			 sizeof(expected));
	assert_memory_equal(buf, expected, sizeof(expected));
}

static void test_wire_error_bytes(void **state)
{
	static const uint8_t expected[] = {
		0x41, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00,
		0x07, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x22, 0x00, 0x00, 0xC0, /* STATUS_ACCESS_DENIED */
	};

	assert_int_equal(wire_encode_error(buf, sizeof(buf), 7, AMOD_STATUS_ACCESS_DENIED),
			 sizeof(expected));
	assert_memory_equal(buf, expected, sizeof(expected));
}

static void test_wire_property_bytes(void **state)
{
	static const uint8_t expected[] = {
		0x03, 0x00, 0x00, 0x00, 0x3C, 0x00, 0x00, 0x00, /* PROPERTY, size 60 */
		0x09, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* device 2, stream 0 */
		0x00, 0x01, 0x00, 0x00, 0x1A, 0x00, 0x00, 0x00, /* value_size 256, in_size 26 */
		0xB0, 0xFD, 0x34, 0xC0, 0x75, 0xFF, 0xC8, 0x47, /* KSPROPSETID_AudioModule */
		0xAA, 0x3C, 0xEE, 0x46, 0x71, 0x6B, 0x50, 0xC6,
		0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, /* Id 1, Flags GET */
		0xAB, 0xCD, 0x00, 0x00,                         /* 2 bytes, 2 of padding */
	};

	assert_int_equal(wire_encode_property(buf, sizeof(buf), 9, 2, 0, prop_in, sizeof(prop_in),
					      256),
			 sizeof(expected));
	assert_memory_equal(buf, expected, sizeof(expected));
}

static void test_wire_property_reply_bytes(void **state)
{
	static const uint8_t data[3] = { 0x11, 0x22, 0x33 };
	static const uint8_t expected[] = {
		0x43, 0x00, 0x00, 0x00, 0x20, 0x00, 0x00, 0x00, /* PROPERTY_REPLY, size 32 */
		0x09, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x05, 0x00, 0x00, 0x80, 0x24, 0x01, 0x00, 0x00, /* BUFFER_OVERFLOW, info 292 */
		0x03, 0x00, 0x00, 0x00, 0x11, 0x22, 0x33, 0x00, /* data_size 3, data, padding */
	};

	assert_int_equal(wire_encode_property_reply(buf, sizeof(buf), 9,
						    AMOD_STATUS_BUFFER_OVERFLOW, 292, data, 3),
			 sizeof(expected));
	assert_memory_equal(buf, expected, sizeof(expected));
}

static void test_wire_device_list_bytes(void **state)
{
	static const uint8_t expected[] = {
		0x42, 0x00, 0x00, 0x00, 0x54, 0x00, 0x00, 0x00, /* DEVICE_LIST, size 84 */
		0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x02, 0x00, 0x00, 0x00,                         /* count 2 */
		/* record 1: 36 bytes */
		0x01, 0x00, 0x00, 0x00,                         /* id 1 */
		0x44, 0x33, 0x22, 0x11, 0x66, 0x55, 0x88, 0x77, /* 11223344-5566-7788- */
		0x99, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF, 0x00, /* 99AA-BBCCDDEEFF00 */
		0x03, 0x00, 0x08, 0x00,                         /* endpoint 3, name 8 */
		's', 'p', 'k', 'S', 'p', 'e', 'a', 'k', 'e', 'r', 's', 0x00,
		/* record 2: 28 bytes */
		0x0D, 0x0C, 0x0B, 0x0A,                         /* id 0x0A0B0C0D */
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* null GUID */
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x03, 0x00, 0x00, 0x00,                         /* endpoint 3, name 0 */
		'm', 'i', 'c', 0x00,
	};
	const struct wire_device_info devs[2] = { dev_speaker, dev_mic };

	assert_int_equal(wire_encode_device_list(buf, sizeof(buf), 5, devs, 2), sizeof(expected));
	assert_memory_equal(buf, expected, sizeof(expected));
}

static void test_wire_subscribe_bytes(void **state)
{
	static const uint8_t expected[] = {
		0x04, 0x00, 0x00, 0x00, 0x3C, 0x00, 0x00, 0x00, /* SUBSCRIBE, size 60 */
		0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x06, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, /* device 6, EVENT | CLASS */
		0x44, 0x33, 0x22, 0x11, 0x66, 0x55, 0x88, 0x77, /* event id */
		0x99, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF, 0x00,
		0xB0, 0xFD, 0x34, 0xC0, 0x75, 0xFF, 0xC8, 0x47, /* class id */
		0xAA, 0x3C, 0xEE, 0x46, 0x71, 0x6B, 0x50, 0xC6,
		0x00, 0x00, 0x00, 0x00,                         /* instance (not selected) */
	};
	const struct wire_filter f = {
		.flags = AMOD_FILTER_EVENT | AMOD_FILTER_CLASS, .event_id = guid_a,
		.class_id = guid_b,
	};

	assert_int_equal(wire_encode_subscribe(buf, sizeof(buf), 2, 6, &f), sizeof(expected));
	assert_memory_equal(buf, expected, sizeof(expected));
}

/* Rejections */

static void test_wire_decode_rejects_every_truncation(void **state)
{
	struct sample s[32];
	size_t n = make_samples(s, ELEMENTS(s));
	struct wire_msg m;

	for (size_t i = 0; i < n; i++) {
		assert_int_equal(decode_exact(s[i].bytes, s[i].len, &m), 0);
		for (size_t len = 0; len < s[i].len; len++) {
			/* As received, and with the size field made to agree. */
			assert_int_equal(decode_exact(s[i].bytes, len, &m), -EBADMSG);
			assert_int_equal(decode_resized(s[i].bytes, len), -EBADMSG);
		}
	}
}

static void test_wire_decode_rejects_trailing_bytes(void **state)
{
	struct sample s[32];
	size_t n = make_samples(s, ELEMENTS(s));

	for (size_t i = 0; i < n; i++) {
		for (size_t extra = 1; extra <= 8; extra++) {
			uint8_t b[600] = { 0 };

			memcpy(b, s[i].bytes, s[i].len);
			assert_int_equal(decode_resized(b, s[i].len + extra), -EBADMSG);
		}
	}
}

static void test_wire_decode_rejects_size_field_mismatch(void **state)
{
	struct wire_msg m;
	int n = wire_encode_error(buf, sizeof(buf), 1, AMOD_STATUS_NOT_FOUND);

	put32(buf + 4, (uint32_t)n + 1);
	assert_int_equal(decode_exact(buf, (size_t)n, &m), -EBADMSG);
	put32(buf + 4, (uint32_t)n - 1);
	assert_int_equal(decode_exact(buf, (size_t)n, &m), -EBADMSG);
	put32(buf + 4, 0);
	assert_int_equal(decode_exact(buf, (size_t)n, &m), -EBADMSG);
	put32(buf + 4, UINT32_MAX);
	assert_int_equal(decode_exact(buf, (size_t)n, &m), -EBADMSG);
}

static void test_wire_decode_rejects_unknown_type(void **state)
{
	static const uint16_t unknown[] = { 0, 8, 63, 71, 127, 131, 0x8000, 0xFFFF };
	struct wire_msg m;

	for (size_t i = 0; i < ELEMENTS(unknown); i++) {
		size_t len = frame(buf, unknown[i], 1, 0);

		assert_int_equal(decode_exact(buf, len, &m), -EBADMSG);
		len = frame(buf, unknown[i], 0, 0);
		assert_int_equal(decode_exact(buf, len, &m), -EBADMSG);
	}
}

static void test_wire_decode_rejects_nonzero_flags(void **state)
{
	struct sample s[32];
	size_t n = make_samples(s, ELEMENTS(s));
	struct wire_msg m;

	for (size_t i = 0; i < n; i++) {
		for (int bit = 0; bit < 16; bit++) {
			put16(s[i].bytes + 2, (uint16_t)(1u << bit));
			assert_int_equal(decode_exact(s[i].bytes, s[i].len, &m), -EBADMSG);
		}
	}
}

static void test_wire_decode_rejects_nonzero_reserved(void **state)
{
	struct sample s[32];
	size_t n = make_samples(s, ELEMENTS(s));
	struct wire_msg m;

	for (size_t i = 0; i < n; i++) {
		for (int bit = 0; bit < 32; bit++) {
			put32(s[i].bytes + 12, 1u << bit);
			assert_int_equal(decode_exact(s[i].bytes, s[i].len, &m), -EBADMSG);
		}
	}
}

static void test_wire_decode_rejects_request_or_reply_with_serial_zero(void **state)
{
	struct sample s[32];
	size_t n = make_samples(s, ELEMENTS(s));
	struct wire_msg m;
	size_t checked = 0;

	for (size_t i = 0; i < n; i++) {
		uint16_t type = (uint16_t)(s[i].bytes[0] | s[i].bytes[1] << 8);

		if (type >= WIRE_EVENT_DEVICE_ADDED)
			continue;
		put32(s[i].bytes + 8, 0);
		assert_int_equal(decode_exact(s[i].bytes, s[i].len, &m), -EBADMSG);
		checked++;
	}
	assert_true(checked >= 14);
}

static void test_wire_decode_rejects_event_with_serial(void **state)
{
	struct sample s[32];
	size_t n = make_samples(s, ELEMENTS(s));
	struct wire_msg m;
	size_t checked = 0;

	for (size_t i = 0; i < n; i++) {
		uint16_t type = (uint16_t)(s[i].bytes[0] | s[i].bytes[1] << 8);

		if (type < WIRE_EVENT_DEVICE_ADDED)
			continue;
		put32(s[i].bytes + 8, 1);
		assert_int_equal(decode_exact(s[i].bytes, s[i].len, &m), -EBADMSG);
		checked++;
	}
	assert_int_equal(checked, 3);
}

static void test_wire_decode_rejects_over_max_message(void **state)
{
	struct wire_msg m;
	size_t len = frame(buf, WIRE_PROPERTY_REPLY, 1, WIRE_MAX_MESSAGE + 1 - WIRE_HEADER_SIZE);

	/* Refused on the length alone, before the header is read. */
	memset(buf + WIRE_HEADER_SIZE, 0, len - WIRE_HEADER_SIZE);
	assert_int_equal(decode_exact(buf, len, &m), -EMSGSIZE);
	assert_int_equal(wire_decode(buf, SIZE_MAX, &m), -EMSGSIZE);
}

static void test_wire_decode_max_message_is_not_emsgsize(void **state)
{
	struct wire_msg m;
	size_t len = frame(buf, WIRE_PROPERTY_REPLY, 1, WIRE_MAX_MESSAGE - WIRE_HEADER_SIZE);

	memset(buf + WIRE_HEADER_SIZE, 0, len - WIRE_HEADER_SIZE);
	assert_int_equal(decode_exact(buf, len, &m), -EBADMSG); /* body size wrong, not too big */
}

static void test_wire_decode_leaves_message_untouched_on_error(void **state)
{
	struct wire_msg m, before;
	int n = wire_encode_error(buf, sizeof(buf), 1, AMOD_STATUS_NOT_FOUND);

	memset(&m, 0xA5, sizeof(m));
	before = m;
	put32(buf + 16, 0); /* STATUS_SUCCESS in an ERROR */
	assert_int_equal(decode_exact(buf, (size_t)n, &m), -EBADMSG);
	assert_memory_equal(&m, &before, sizeof(m));
}

static void test_wire_decode_rejects_null_arguments(void **state)
{
	struct wire_msg m;
	int n = wire_encode_ok(buf, sizeof(buf), 1);

	assert_int_equal(wire_decode(buf, (size_t)n, NULL), -EINVAL);
	assert_int_equal(wire_decode(NULL, 16, &m), -EINVAL);
	assert_int_equal(wire_decode(NULL, 0, &m), -EBADMSG);
}

static void test_wire_decode_rejects_nonempty_body_of_empty_types(void **state)
{
	static const uint16_t types[] = { WIRE_LIST_DEVICES, WIRE_OK };
	struct wire_msg m;

	for (size_t i = 0; i < ELEMENTS(types); i++) {
		size_t len;

		memset(buf + 16, 0, 4);
		len = frame(buf, types[i], 1, 4);
		assert_int_equal(decode_exact(buf, len, &m), -EBADMSG);
	}
}

static void test_wire_decode_rejects_error_with_success_status(void **state)
{
	static const int32_t ok[] = { 0, 1, 0x103 /* STATUS_PENDING */, INT32_MAX };
	struct wire_msg m;

	for (size_t i = 0; i < ELEMENTS(ok); i++) {
		size_t len;

		put32(buf + 16, (uint32_t)ok[i]);
		len = frame(buf, WIRE_ERROR, 1, 4);
		assert_int_equal(decode_exact(buf, len, &m), -EBADMSG);
	}
	put32(buf + 16, 0x80000005); /* warnings are failures for the caller */
	assert_int_equal(decode_exact(buf, frame(buf, WIRE_ERROR, 1, 4), &m), 0);
}

static void test_wire_decode_rejects_hello_flags(void **state)
{
	struct wire_msg m;
	int n = wire_encode_hello(buf, sizeof(buf), 1);

	put32(buf + 20, 1);
	assert_int_equal(decode_exact(buf, (size_t)n, &m), -EBADMSG);
}

static void test_wire_decode_accepts_other_minor(void **state)
{
	struct wire_msg m;
	int n = wire_encode_hello(buf, sizeof(buf), 1);

	put16(buf + 18, 0xFFFF);
	assert_int_equal(decode_exact(buf, (size_t)n, &m), 0);
	assert_int_equal(m.hello.minor, 0xFFFF);

	n = wire_encode_hello_reply(buf, sizeof(buf), 1, WIRE_ACCESS_MONITOR, 1u << 16);
	put16(buf + 18, 3);
	assert_int_equal(decode_exact(buf, (size_t)n, &m), 0);
	assert_int_equal(m.hello_reply.minor, 3);
}

static void test_wire_decode_hello_other_major_is_eprotonosupport(void **state)
{
	static const uint16_t majors[] = { 0, 2, 0xFFFF };
	struct wire_msg m;

	for (size_t i = 0; i < ELEMENTS(majors); i++) {
		int n = wire_encode_hello(buf, sizeof(buf), 77);

		put16(buf + 16, majors[i]);
		put16(buf + 18, 5);
		put32(buf + 20, 0xF00);   /* another major's flags are not ours to judge */
		memset(&m, 0, sizeof(m));
		assert_int_equal(decode_exact(buf, (size_t)n, &m), -EPROTONOSUPPORT);
		assert_int_equal(m.hdr.type, WIRE_HELLO);
		assert_int_equal(m.hdr.serial, 77);
		assert_int_equal(m.hello.major, majors[i]);
		assert_int_equal(m.hello.minor, 5);
		assert_int_equal(m.hello.flags, 0xF00);
	}
}

static void test_wire_decode_hello_other_major_other_size(void **state)
{
	struct wire_msg m;
	size_t len;

	/* A 2.x HELLO may be longer; major and minor still come through. */
	memset(buf + 16, 0x77, 32);
	put16(buf + 16, 2);
	put16(buf + 18, 1);
	len = frame(buf, WIRE_HELLO, 3, 32);
	assert_int_equal(decode_exact(buf, len, &m), -EPROTONOSUPPORT);
	assert_int_equal(m.hello.major, 2);
	assert_int_equal(m.hello.minor, 1);
	assert_int_equal(m.hello.flags, 0);

	len = frame(buf, WIRE_HELLO_REPLY, 3, 4);
	assert_int_equal(decode_exact(buf, len, &m), -EPROTONOSUPPORT);
	assert_int_equal(m.hello_reply.major, 2);
	assert_int_equal(m.hello_reply.access, 0);

	/* Not even a version: malformed. */
	len = frame(buf, WIRE_HELLO, 3, 3);
	assert_int_equal(decode_exact(buf, len, &m), -EBADMSG);
}

static void test_wire_decode_hello_reply_other_major_is_eprotonosupport(void **state)
{
	struct wire_msg m;
	int n = wire_encode_hello_reply(buf, sizeof(buf), 9, WIRE_ACCESS_MONITOR, 1u << 16);

	put16(buf + 16, 2);
	put32(buf + 20, 0x100);   /* not a 1.x access value: not checked for 2.x */
	assert_int_equal(decode_exact(buf, (size_t)n, &m), -EPROTONOSUPPORT);
	assert_int_equal(m.hdr.type, WIRE_HELLO_REPLY);
	assert_int_equal(m.hdr.serial, 9);
	assert_int_equal(m.hello_reply.major, 2);
	assert_int_equal(m.hello_reply.minor, 0);
	assert_int_equal(m.hello_reply.access, 0x100);
	assert_int_equal(m.hello_reply.ring_size, 1u << 16);
}

static void test_wire_decode_rejects_bad_hello_reply(void **state)
{
	static const struct {
		uint32_t access, ring_size;
	} bad[] = {
		{ 4, 1u << 20 },                /* unknown access bit */
		{ 0x80000001, 1u << 20 },
		{ 0, 1u << 20 },                /* no access: that is an ERROR */
		{ 0, 0 },
		{ 1, 0 },                       /* access without a ring */
		{ 1, (1u << 20) + 8 },          /* not a power of two */
		{ 1, 32768 },                   /* below RING_MIN_SIZE */
		{ 1, 128u << 20 },              /* above RING_MAX_SIZE */
	};
	struct wire_msg m;

	for (size_t i = 0; i < ELEMENTS(bad); i++) {
		int n = wire_encode_hello_reply(buf, sizeof(buf), 1, 1, 1u << 20);

		put32(buf + 20, bad[i].access);
		put32(buf + 24, bad[i].ring_size);
		assert_int_equal(decode_exact(buf, (size_t)n, &m), -EBADMSG);
	}
}

static void test_wire_decode_rejects_bad_utf8(void **state)
{
	static const char *bad[] = {
		"\x80",                 /* lone continuation */
		"a\xBF",
		"\xC0\x80",             /* overlong NUL */
		"\xC1\xBF",             /* overlong */
		"\xE0\x80\xAF",         /* overlong '/' */
		"\xE0\x9F\xBF",         /* overlong U+07FF */
		"\xF0\x80\x80\xAF",     /* overlong */
		"\xF0\x8F\xBF\xBF",     /* overlong U+FFFF */
		"\xED\xA0\x80",         /* U+D800 */
		"\xED\xBF\xBF",         /* U+DFFF */
		"\xF4\x90\x80\x80",     /* U+110000 */
		"\xF5\x80\x80\x80",
		"\xF8\x88\x80\x80\x80",
		"\xFE",
		"\xFF",
		"\xC3",                 /* truncated */
		"\xE2\x82",
		"\xF0\x9F\x98",
		"\xC3\x28",             /* bad continuation */
		"\xE2\x28\xA1",
	};
	struct wire_msg m;

	for (size_t i = 0; i < ELEMENTS(bad); i++) {
		uint16_t len = (uint16_t)strlen(bad[i]);
		size_t n;

		n = craft_device_event(buf, bad[i], len, "x", 1, 0);
		assert_int_equal(decode_exact(buf, n, &m), -EBADMSG);
		n = craft_device_event(buf, "spk", 3, bad[i], len, 0);
		assert_int_equal(decode_exact(buf, n, &m), -EBADMSG);
	}
}

static void test_wire_decode_accepts_valid_utf8(void **state)
{
	static const char *good[] = {
		"\x7F",
		"\xC2\x80",             /* U+0080 */
		"\xDF\xBF",             /* U+07FF */
		"\xE0\xA0\x80",         /* U+0800 */
		"\xED\x9F\xBF",         /* U+D7FF */
		"\xEE\x80\x80",         /* U+E000 */
		"\xEF\xBF\xBF",         /* U+FFFF */
		"\xF0\x90\x80\x80",     /* U+10000 */
		"\xF0\x9F\x98\x80",     /* U+1F600 */
		"\xF4\x8F\xBF\xBF",     /* U+10FFFF */
		"Lautsprecher (\xC3\xA4\xE2\x82\xAC)",
	};
	struct wire_msg m;

	for (size_t i = 0; i < ELEMENTS(good); i++) {
		uint16_t len = (uint16_t)strlen(good[i]);
		size_t n;

		n = craft_device_event(buf, good[i], len, good[i], len, 0);
		assert_int_equal(decode_exact(buf, n, &m), 0);
	}
}

static void test_wire_decode_rejects_nul_in_string(void **state)
{
	struct wire_msg m;
	size_t n;

	n = craft_device_event(buf, "sp\0k", 4, "x", 1, 0);
	assert_int_equal(decode_exact(buf, n, &m), -EBADMSG);
	n = craft_device_event(buf, "spk", 3, "\0", 1, 0);
	assert_int_equal(decode_exact(buf, n, &m), -EBADMSG);
	n = craft_device_event(buf, "spk", 3, "name\0", 5, 0);
	assert_int_equal(decode_exact(buf, n, &m), -EBADMSG);
}

static void test_wire_decode_rejects_empty_endpoint(void **state)
{
	struct wire_msg m;
	size_t n = craft_device_event(buf, "", 0, "name", 4, 0);

	assert_int_equal(decode_exact(buf, n, &m), -EBADMSG);
}

static void test_wire_decode_rejects_string_over_max(void **state)
{
	static char s[WIRE_MAX_STRING + 1];
	struct wire_msg m;
	size_t n;

	memset(s, 'a', sizeof(s));
	n = craft_device_event(buf, s, WIRE_MAX_STRING, s, WIRE_MAX_STRING, 0);
	assert_int_equal(decode_exact(buf, n, &m), 0);
	n = craft_device_event(buf, s, WIRE_MAX_STRING + 1, "x", 1, 0);
	assert_int_equal(decode_exact(buf, n, &m), -EBADMSG);
	n = craft_device_event(buf, "x", 1, s, WIRE_MAX_STRING + 1, 0);
	assert_int_equal(decode_exact(buf, n, &m), -EBADMSG);
}

static void test_wire_decode_rejects_nonzero_record_padding(void **state)
{
	struct wire_msg m;
	size_t n;

	/* 3 + 4 bytes of strings: one byte of padding. */
	n = craft_device_event(buf, "spk", 3, "Name", 4, 0);
	assert_int_equal(decode_exact(buf, n, &m), 0);
	n = craft_device_event(buf, "spk", 3, "Name", 4, 0x20);
	assert_int_equal(decode_exact(buf, n, &m), -EBADMSG);
}

static void test_wire_decode_rejects_device_event_with_two_records(void **state)
{
	int n = wire_encode_device_event(buf, sizeof(buf), WIRE_EVENT_DEVICE_ADDED, &dev_speaker);

	memcpy(buf + n, buf + 16, (size_t)n - 16);
	assert_int_equal(decode_resized(buf, 2 * (size_t)n - 16), -EBADMSG);
}

static void test_wire_decode_rejects_device_count_over_max(void **state)
{
	static struct wire_device_info devs[WIRE_MAX_DEVICES];
	struct wire_msg m;
	int n;

	for (size_t i = 0; i < ELEMENTS(devs); i++)
		devs[i] = dev_mic;
	n = wire_encode_device_list(buf, sizeof(buf), 1, devs, WIRE_MAX_DEVICES);
	assert_true(n > 0);
	assert_int_equal(decode_exact(buf, (size_t)n, &m), 0);
	assert_int_equal(m.device_list.count, WIRE_MAX_DEVICES);

	/* One more record and a count of 257. */
	memcpy(buf + n, buf + 20, 28);
	put32(buf + 16, WIRE_MAX_DEVICES + 1);
	assert_int_equal(decode_resized(buf, (size_t)n + 28), -EBADMSG);
	put32(buf + 16, UINT32_MAX);
	assert_int_equal(decode_resized(buf, (size_t)n + 28), -EBADMSG);
}

static void test_wire_decode_rejects_device_count_mismatch(void **state)
{
	const struct wire_device_info devs[2] = { dev_speaker, dev_mic };
	struct wire_msg m;
	int n = wire_encode_device_list(buf, sizeof(buf), 1, devs, 2);

	put32(buf + 16, 3);
	assert_int_equal(decode_exact(buf, (size_t)n, &m), -EBADMSG);
	put32(buf + 16, 1);     /* the second record becomes trailing bytes */
	assert_int_equal(decode_exact(buf, (size_t)n, &m), -EBADMSG);
	put32(buf + 16, 0);
	assert_int_equal(decode_exact(buf, (size_t)n, &m), -EBADMSG);
}

static void test_wire_decode_rejects_property_in_size_out_of_range(void **state)
{
	static const uint32_t bad[] = { 0, 1, 23, WIRE_MAX_PROPERTY_IN + 1, UINT32_MAX };
	struct wire_msg m;

	for (size_t i = 0; i < ELEMENTS(bad); i++) {
		/* A body whose size agrees with in_size, so only the range is wrong. */
		uint32_t in = bad[i] <= WIRE_MAX_PROPERTY_IN + 4 ? bad[i] : 24;
		size_t body = 16 + in + ((4 - (in & 3)) & 3);

		memset(buf + 16, 0, body);
		put32(buf + 16, 1);
		put32(buf + 28, bad[i]);
		assert_int_equal(decode_exact(buf, frame(buf, WIRE_PROPERTY, 1, body), &m),
				 -EBADMSG);
	}
}

static void test_wire_decode_rejects_property_value_size_over_max(void **state)
{
	struct wire_msg m;
	int n = wire_encode_property(buf, sizeof(buf), 1, 1, 0, prop_in, 24,
				     WIRE_MAX_PROPERTY_VALUE);

	assert_int_equal(decode_exact(buf, (size_t)n, &m), 0);
	put32(buf + 24, WIRE_MAX_PROPERTY_VALUE + 1);
	assert_int_equal(decode_exact(buf, (size_t)n, &m), -EBADMSG);
	put32(buf + 24, UINT32_MAX);
	assert_int_equal(decode_exact(buf, (size_t)n, &m), -EBADMSG);
}

static void test_wire_decode_rejects_property_in_size_mismatch(void **state)
{
	struct wire_msg m;
	int n = wire_encode_property(buf, sizeof(buf), 1, 1, 0, prop_in, 24, 0);

	put32(buf + 28, 28); /* says 28, carries 24 */
	assert_int_equal(decode_exact(buf, (size_t)n, &m), -EBADMSG);
	put32(buf + 28, 1024);
	assert_int_equal(decode_exact(buf, (size_t)n, &m), -EBADMSG);
}

static void test_wire_decode_rejects_nonzero_property_padding(void **state)
{
	struct wire_msg m;
	int n = wire_encode_property(buf, sizeof(buf), 1, 1, 0, prop_in, 25, 0);

	assert_int_equal(n, 32 + 28);
	for (int i = 57; i < 60; i++) {
		n = wire_encode_property(buf, sizeof(buf), 1, 1, 0, prop_in, 25, 0);
		buf[i] = 1;
		assert_int_equal(decode_exact(buf, (size_t)n, &m), -EBADMSG);
	}
}

static void test_wire_decode_rejects_property_reply_data_over_information(void **state)
{
	static const uint8_t data[8] = { 0 };
	struct wire_msg m;
	int n = wire_encode_property_reply(buf, sizeof(buf), 1, 0, 8, data, 8);

	assert_int_equal(decode_exact(buf, (size_t)n, &m), 0);
	put32(buf + 20, 7);
	assert_int_equal(decode_exact(buf, (size_t)n, &m), -EBADMSG);
	put32(buf + 20, 0);
	assert_int_equal(decode_exact(buf, (size_t)n, &m), -EBADMSG);
}

static void test_wire_decode_rejects_property_reply_data_over_max(void **state)
{
	struct wire_msg m;
	size_t body = 12 + WIRE_MAX_PROPERTY_VALUE + 4;

	memset(buf + 16, 0, body);
	put32(buf + 20, UINT32_MAX);
	put32(buf + 24, WIRE_MAX_PROPERTY_VALUE + 4);
	assert_int_equal(decode_exact(buf, frame(buf, WIRE_PROPERTY_REPLY, 1, body), &m),
			 -EBADMSG);
}

static void test_wire_decode_rejects_nonzero_property_reply_padding(void **state)
{
	static const uint8_t data[1] = { 0xEE };
	struct wire_msg m;

	for (int i = 29; i < 32; i++) {
		int n = wire_encode_property_reply(buf, sizeof(buf), 1, 0, 1, data, 1);

		assert_int_equal(n, 32);
		buf[i] = 0x80;
		assert_int_equal(decode_exact(buf, (size_t)n, &m), -EBADMSG);
	}
}

static void test_wire_decode_rejects_bad_filter_flags(void **state)
{
	static const uint32_t bad[] = { AMOD_FILTER_DEVICE, AMOD_FILTER_EVENT | AMOD_FILTER_DEVICE,
					1u << 4, 1u << 31 };
	const struct wire_filter f = { 0 };
	struct wire_msg m;

	for (size_t i = 0; i < ELEMENTS(bad); i++) {
		int n = wire_encode_subscribe(buf, sizeof(buf), 1, 1, &f);

		put32(buf + 20, bad[i]);
		assert_int_equal(decode_exact(buf, (size_t)n, &m), -EBADMSG);
	}
}

static void test_wire_decode_rejects_unselected_filter_fields(void **state)
{
	static const size_t offsets[] = { 24, 39, 40, 55, 56, 59 };
	const struct wire_filter f = { 0 };
	struct wire_msg m;

	for (size_t i = 0; i < ELEMENTS(offsets); i++) {
		int n = wire_encode_subscribe(buf, sizeof(buf), 1, 1, &f);

		assert_int_equal(decode_exact(buf, (size_t)n, &m), 0);
		buf[offsets[i]] = 1;
		assert_int_equal(decode_exact(buf, (size_t)n, &m), -EBADMSG);
	}
}

static void test_wire_decode_rejects_zero_subscribe_reply_fields(void **state)
{
	static const size_t offsets[] = { 16, 24, 28 }; /* subscription, ring, page */
	struct wire_msg m;

	for (size_t i = 0; i < ELEMENTS(offsets); i++) {
		int n = wire_encode_subscribe_reply(buf, sizeof(buf), 1, 1, 1, 69632, 4096);

		put32(buf + offsets[i], 0);
		assert_int_equal(decode_exact(buf, (size_t)n, &m), -EBADMSG);
	}
}

static void test_wire_decode_rejects_zero_ids(void **state)
{
	struct wire_msg m;
	int n;

	n = wire_encode_unsubscribe(buf, sizeof(buf), 1, 1);
	put32(buf + 16, 0);
	assert_int_equal(decode_exact(buf, (size_t)n, &m), -EBADMSG);
	n = wire_encode_device_info(buf, sizeof(buf), 1, 1);
	put32(buf + 16, 0);
	assert_int_equal(decode_exact(buf, (size_t)n, &m), -EBADMSG);
	n = wire_encode_stream_reply(buf, sizeof(buf), 1, 1);
	put32(buf + 16, 0);
	assert_int_equal(decode_exact(buf, (size_t)n, &m), -EBADMSG);
	n = wire_encode_close_stream(buf, sizeof(buf), 1, 1);
	put32(buf + 16, 0);
	assert_int_equal(decode_exact(buf, (size_t)n, &m), -EBADMSG);
}

/* Encoder limits */

/* Every encoder, for cap checks: returns what f returns with buf and cap. */
typedef int (*encode_func_t)(void *b, size_t cap);

static int enc_hello(void *b, size_t cap)
{
	return wire_encode_hello(b, cap, 1);
}

static int enc_hello_reply(void *b, size_t cap)
{
	return wire_encode_hello_reply(b, cap, 1, 1, 1u << 16);
}

static int enc_error(void *b, size_t cap)
{
	return wire_encode_error(b, cap, 1, AMOD_STATUS_UNSUCCESSFUL);
}

static int enc_ok(void *b, size_t cap)
{
	return wire_encode_ok(b, cap, 1);
}

static int enc_list_devices(void *b, size_t cap)
{
	return wire_encode_list_devices(b, cap, 1);
}

static int enc_device_list(void *b, size_t cap)
{
	const struct wire_device_info devs[2] = { dev_speaker, dev_mic };

	return wire_encode_device_list(b, cap, 1, devs, 2);
}

static int enc_device_event(void *b, size_t cap)
{
	return wire_encode_device_event(b, cap, WIRE_EVENT_DEVICE_ADDED, &dev_speaker);
}

static int enc_shutdown(void *b, size_t cap)
{
	return wire_encode_shutdown(b, cap, 0);
}

static int enc_property(void *b, size_t cap)
{
	return wire_encode_property(b, cap, 1, 1, 0, prop_in, sizeof(prop_in), 16);
}

static int enc_property_reply(void *b, size_t cap)
{
	return wire_encode_property_reply(b, cap, 1, 0, 26, prop_in, sizeof(prop_in));
}

static int enc_subscribe(void *b, size_t cap)
{
	const struct wire_filter f = { .flags = AMOD_FILTER_EVENT, .event_id = guid_a };

	return wire_encode_subscribe(b, cap, 1, 1, &f);
}

static int enc_subscribe_reply(void *b, size_t cap)
{
	return wire_encode_subscribe_reply(b, cap, 1, 1, 1, 69632, 4096);
}

static int enc_unsubscribe(void *b, size_t cap)
{
	return wire_encode_unsubscribe(b, cap, 1, 1);
}

static int enc_device_info(void *b, size_t cap)
{
	return wire_encode_device_info(b, cap, 1, 1);
}

static int enc_open_stream(void *b, size_t cap)
{
	return wire_encode_open_stream(b, cap, 1, 1, &guid_b);
}

static int enc_stream_reply(void *b, size_t cap)
{
	return wire_encode_stream_reply(b, cap, 1, 1);
}

static int enc_close_stream(void *b, size_t cap)
{
	return wire_encode_close_stream(b, cap, 1, 1);
}

static const encode_func_t encoders[] = {
	enc_hello, enc_hello_reply, enc_error, enc_ok, enc_list_devices, enc_device_list,
	enc_device_event, enc_shutdown, enc_property, enc_property_reply, enc_subscribe,
	enc_subscribe_reply, enc_unsubscribe, enc_device_info, enc_open_stream, enc_stream_reply,
	enc_close_stream,
};

static void test_wire_encode_cap_too_small_writes_nothing(void **state)
{
	for (size_t i = 0; i < ELEMENTS(encoders); i++) {
		int n = encoders[i](buf, sizeof(buf));

		assert_true(n >= (int)WIRE_HEADER_SIZE);
		for (size_t cap = 0; cap < (size_t)n; cap++) {
			memset(buf, 0xA5, (size_t)n + 16);
			assert_int_equal(encoders[i](buf, cap), -EMSGSIZE);
			for (size_t k = 0; k < (size_t)n + 16; k++)
				assert_int_equal(buf[k], 0xA5);
		}
		assert_int_equal(encoders[i](buf, (size_t)n), n);
	}
}

static void test_wire_encode_rejects_null_buffer(void **state)
{
	for (size_t i = 0; i < ELEMENTS(encoders); i++)
		assert_int_equal(encoders[i](NULL, sizeof(buf)), -EINVAL);
}

static void test_wire_encode_rejects_serial_zero(void **state)
{
	const struct wire_device_info devs[1] = { dev_mic };
	const struct wire_filter f = { 0 };

	assert_int_equal(wire_encode_hello(buf, sizeof(buf), 0), -EINVAL);
	assert_int_equal(wire_encode_hello_reply(buf, sizeof(buf), 0, 1, 1u << 16), -EINVAL);
	assert_int_equal(wire_encode_error(buf, sizeof(buf), 0, AMOD_STATUS_UNSUCCESSFUL), -EINVAL);
	assert_int_equal(wire_encode_ok(buf, sizeof(buf), 0), -EINVAL);
	assert_int_equal(wire_encode_list_devices(buf, sizeof(buf), 0), -EINVAL);
	assert_int_equal(wire_encode_device_list(buf, sizeof(buf), 0, devs, 1), -EINVAL);
	assert_int_equal(wire_encode_property(buf, sizeof(buf), 0, 1, 0, prop_in, 24, 0), -EINVAL);
	assert_int_equal(wire_encode_property_reply(buf, sizeof(buf), 0, 0, 0, NULL, 0), -EINVAL);
	assert_int_equal(wire_encode_subscribe(buf, sizeof(buf), 0, 1, &f), -EINVAL);
	assert_int_equal(wire_encode_subscribe_reply(buf, sizeof(buf), 0, 1, 1, 1, 1), -EINVAL);
	assert_int_equal(wire_encode_unsubscribe(buf, sizeof(buf), 0, 1), -EINVAL);
	assert_int_equal(wire_encode_open_stream(buf, sizeof(buf), 0, 1, NULL), -EINVAL);
	assert_int_equal(wire_encode_stream_reply(buf, sizeof(buf), 0, 1), -EINVAL);
	assert_int_equal(wire_encode_close_stream(buf, sizeof(buf), 0, 1), -EINVAL);
}

static void test_wire_encode_rejects_string_over_max(void **state)
{
	char s[WIRE_MAX_STRING + 2];
	struct wire_device_info d = dev_speaker;
	struct wire_msg m;
	int n;

	memset(s, 'a', sizeof(s));
	s[WIRE_MAX_STRING] = '\0';
	d.endpoint_id = s;
	d.name = s;
	n = wire_encode_device_event(buf, sizeof(buf), WIRE_EVENT_DEVICE_ADDED, &d);
	assert_true(n > 0);
	assert_int_equal(wire_decode(buf, (size_t)n, &m), 0);
	assert_int_equal(m.device_event.endpoint_id.len, WIRE_MAX_STRING);

	s[WIRE_MAX_STRING] = 'a';
	s[WIRE_MAX_STRING + 1] = '\0';
	d.endpoint_id = s;
	d.name = "x";
	assert_int_equal(wire_encode_device_event(buf, sizeof(buf), WIRE_EVENT_DEVICE_ADDED, &d),
			 -EINVAL);
	d.endpoint_id = "x";
	d.name = s;
	assert_int_equal(wire_encode_device_list(buf, sizeof(buf), 1, &d, 1), -EINVAL);
}

static void test_wire_encode_rejects_bad_strings(void **state)
{
	struct wire_device_info d = dev_speaker;

	d.endpoint_id = "";
	assert_int_equal(wire_encode_device_event(buf, sizeof(buf), WIRE_EVENT_DEVICE_ADDED, &d),
			 -EINVAL);
	d.endpoint_id = NULL;
	assert_int_equal(wire_encode_device_event(buf, sizeof(buf), WIRE_EVENT_DEVICE_ADDED, &d),
			 -EINVAL);
	d.endpoint_id = "spk";
	d.name = NULL;
	assert_int_equal(wire_encode_device_event(buf, sizeof(buf), WIRE_EVENT_DEVICE_ADDED, &d),
			 -EINVAL);
	d.name = "\xC0\x80";
	assert_int_equal(wire_encode_device_event(buf, sizeof(buf), WIRE_EVENT_DEVICE_ADDED, &d),
			 -EINVAL);
	d.name = "ok";
	d.endpoint_id = "\xED\xA0\x80";
	assert_int_equal(wire_encode_device_list(buf, sizeof(buf), 1, &d, 1), -EINVAL);
}

static void test_wire_encode_rejects_bad_device_list(void **state)
{
	static struct wire_device_info devs[WIRE_MAX_DEVICES + 1];
	const struct wire_device_info two[2] = { dev_speaker, { .endpoint_id = "", .name = "" } };

	for (size_t i = 0; i < ELEMENTS(devs); i++)
		devs[i] = dev_mic;
	assert_int_equal(wire_encode_device_list(buf, sizeof(buf), 1, devs, WIRE_MAX_DEVICES + 1),
			 -EINVAL);
	assert_int_equal(wire_encode_device_list(buf, sizeof(buf), 1, NULL, 1), -EINVAL);
	/* The bad second record is found before anything is written. */
	memset(buf, 0xA5, 64);
	assert_int_equal(wire_encode_device_list(buf, sizeof(buf), 1, two, 2), -EINVAL);
	assert_int_equal(buf[0], 0xA5);
}

static void test_wire_encode_rejects_bad_device_event(void **state)
{
	assert_int_equal(wire_encode_device_event(buf, sizeof(buf), WIRE_DEVICE_LIST, &dev_mic),
			 -EINVAL);
	assert_int_equal(wire_encode_device_event(buf, sizeof(buf), WIRE_EVENT_SHUTDOWN, &dev_mic),
			 -EINVAL);
	assert_int_equal(wire_encode_device_event(buf, sizeof(buf), WIRE_EVENT_DEVICE_ADDED, NULL),
			 -EINVAL);
}

static void test_wire_encode_rejects_property_sizes(void **state)
{
	static uint8_t in[WIRE_MAX_PROPERTY_IN + 1];

	assert_int_equal(wire_encode_property(buf, sizeof(buf), 1, 1, 0, in,
					      WIRE_MAX_PROPERTY_IN + 1, 0), -EINVAL);
	assert_int_equal(wire_encode_property(buf, sizeof(buf), 1, 1, 0, in, 23, 0), -EINVAL);
	assert_int_equal(wire_encode_property(buf, sizeof(buf), 1, 1, 0, in, 0, 0), -EINVAL);
	assert_int_equal(wire_encode_property(buf, sizeof(buf), 1, 1, 0, NULL, 24, 0), -EINVAL);
	assert_int_equal(wire_encode_property(buf, sizeof(buf), 1, 1, 0, in, 24,
					      WIRE_MAX_PROPERTY_VALUE + 1), -EINVAL);
}

static void test_wire_encode_rejects_property_reply_sizes(void **state)
{
	static uint8_t data[WIRE_MAX_PROPERTY_VALUE + 1];

	assert_int_equal(wire_encode_property_reply(buf, sizeof(buf), 1, 0, 3, data, 4), -EINVAL);
	assert_int_equal(wire_encode_property_reply(buf, sizeof(buf), 1, 0, UINT32_MAX, data,
						    WIRE_MAX_PROPERTY_VALUE + 1), -EINVAL);
	assert_int_equal(wire_encode_property_reply(buf, sizeof(buf), 1, 0, 4, NULL, 4), -EINVAL);
	/* information may exceed data: the size the caller needs. */
	assert_int_equal(wire_encode_property_reply(buf, sizeof(buf), 1,
						    AMOD_STATUS_BUFFER_OVERFLOW, UINT32_MAX, NULL,
						    0), 28);
}

static void test_wire_encode_rejects_bad_filter(void **state)
{
	struct wire_filter f = { .flags = AMOD_FILTER_DEVICE };

	assert_int_equal(wire_encode_subscribe(buf, sizeof(buf), 1, 1, &f), -EINVAL);
	f.flags = 1u << 4;
	assert_int_equal(wire_encode_subscribe(buf, sizeof(buf), 1, 1, &f), -EINVAL);
	assert_int_equal(wire_encode_subscribe(buf, sizeof(buf), 1, 1, NULL), -EINVAL);
}

static void test_wire_encode_rejects_bad_hello_reply(void **state)
{
	assert_int_equal(wire_encode_hello_reply(buf, sizeof(buf), 1, 4, 1u << 16), -EINVAL);
	assert_int_equal(wire_encode_hello_reply(buf, sizeof(buf), 1, 0, 1u << 16), -EINVAL);
	assert_int_equal(wire_encode_hello_reply(buf, sizeof(buf), 1, 1, 0), -EINVAL);
	assert_int_equal(wire_encode_hello_reply(buf, sizeof(buf), 1, 1, 3u << 16), -EINVAL);
	assert_int_equal(wire_encode_hello_reply(buf, sizeof(buf), 1, 1, 1u << 15), -EINVAL);
	assert_int_equal(wire_encode_hello_reply(buf, sizeof(buf), 1, 1, 1u << 27), -EINVAL);
}

static void test_wire_encode_rejects_zero_ids_and_sizes(void **state)
{
	assert_int_equal(wire_encode_error(buf, sizeof(buf), 1, AMOD_STATUS_SUCCESS), -EINVAL);
	assert_int_equal(wire_encode_error(buf, sizeof(buf), 1, 0x103), -EINVAL);
	assert_int_equal(wire_encode_subscribe_reply(buf, sizeof(buf), 1, 0, 1, 1, 1), -EINVAL);
	assert_int_equal(wire_encode_subscribe_reply(buf, sizeof(buf), 1, 1, 1, 0, 1), -EINVAL);
	assert_int_equal(wire_encode_subscribe_reply(buf, sizeof(buf), 1, 1, 1, 1, 0), -EINVAL);
	assert_int_equal(wire_encode_unsubscribe(buf, sizeof(buf), 1, 0), -EINVAL);
	assert_int_equal(wire_encode_device_info(buf, sizeof(buf), 1, 0), -EINVAL);
	assert_int_equal(wire_encode_stream_reply(buf, sizeof(buf), 1, 0), -EINVAL);
	assert_int_equal(wire_encode_close_stream(buf, sizeof(buf), 1, 0), -EINVAL);
}

/* Names */

static void test_wire_type_name(void **state)
{
	static const struct {
		uint16_t type;
		const char *name;
	} names[] = {
		{ WIRE_HELLO, "HELLO" },
		{ WIRE_LIST_DEVICES, "LIST_DEVICES" },
		{ WIRE_PROPERTY, "PROPERTY" },
		{ WIRE_SUBSCRIBE, "SUBSCRIBE" },
		{ WIRE_UNSUBSCRIBE, "UNSUBSCRIBE" },
		{ WIRE_OPEN_STREAM, "OPEN_STREAM" },
		{ WIRE_CLOSE_STREAM, "CLOSE_STREAM" },
		{ WIRE_DEVICE_INFO, "DEVICE_INFO" },
		{ WIRE_HELLO_REPLY, "HELLO_REPLY" },
		{ WIRE_ERROR, "ERROR" },
		{ WIRE_DEVICE_LIST, "DEVICE_LIST" },
		{ WIRE_PROPERTY_REPLY, "PROPERTY_REPLY" },
		{ WIRE_SUBSCRIBE_REPLY, "SUBSCRIBE_REPLY" },
		{ WIRE_STREAM_REPLY, "STREAM_REPLY" },
		{ WIRE_OK, "OK" },
		{ WIRE_EVENT_DEVICE_ADDED, "EVENT_DEVICE_ADDED" },
		{ WIRE_EVENT_DEVICE_REMOVED, "EVENT_DEVICE_REMOVED" },
		{ WIRE_EVENT_SHUTDOWN, "EVENT_SHUTDOWN" },
	};
	size_t known = 0;

	for (size_t i = 0; i < ELEMENTS(names); i++)
		assert_string_equal(wire_type_name(names[i].type), names[i].name);
	for (uint32_t t = 0; t <= 0xFFFF; t++)
		if (wire_type_name((uint16_t)t))
			known++;
	assert_int_equal(known, ELEMENTS(names));
}

/* Mutations */

static uint64_t rng_state;

static uint32_t rng(void)
{
	/* xorshift64*: deterministic, so a failure replays. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545F4914F6CDD1DULL) >> 32);
}

/* The canonical encoding of a decoded message, through the public encoders. */
static int reencode(const struct wire_msg *m, uint8_t *out, size_t cap)
{
	const uint32_t serial = m->hdr.serial;
	int n;

	switch (m->hdr.type) {
	case WIRE_HELLO:
		n = wire_encode_hello(out, cap, serial);
		if (n > 0)
			put16(out + 18, m->hello.minor);
		return n;
	case WIRE_HELLO_REPLY:
		n = wire_encode_hello_reply(out, cap, serial, m->hello_reply.access,
					    m->hello_reply.ring_size);
		if (n > 0)
			put16(out + 18, m->hello_reply.minor);
		return n;
	case WIRE_ERROR:
		return wire_encode_error(out, cap, serial, m->error.status);
	case WIRE_OK:
		return wire_encode_ok(out, cap, serial);
	case WIRE_LIST_DEVICES:
		return wire_encode_list_devices(out, cap, serial);
	case WIRE_DEVICE_LIST:
	case WIRE_EVENT_DEVICE_ADDED:
	case WIRE_EVENT_DEVICE_REMOVED: {
		static char strings[WIRE_MAX_DEVICES][2][WIRE_MAX_STRING + 1];
		static struct wire_device_info infos[WIRE_MAX_DEVICES];
		uint32_t count = m->hdr.type == WIRE_DEVICE_LIST ? m->device_list.count : 1;

		for (uint32_t i = 0; i < count; i++) {
			struct wire_device d;

			if (m->hdr.type == WIRE_DEVICE_LIST)
				assert_int_equal(wire_device_list_get(m, i, &d), 0);
			else
				d = m->device_event;
			memcpy(strings[i][0], d.endpoint_id.data, d.endpoint_id.len);
			strings[i][0][d.endpoint_id.len] = '\0';
			memcpy(strings[i][1], d.name.data, d.name.len);
			strings[i][1][d.name.len] = '\0';
			infos[i] = (struct wire_device_info){
				.id = d.id, .notification_id = d.notification_id,
				.endpoint_id = strings[i][0], .name = strings[i][1],
			};
		}
		if (m->hdr.type == WIRE_DEVICE_LIST)
			return wire_encode_device_list(out, cap, serial, infos, count);
		return wire_encode_device_event(out, cap, m->hdr.type, &infos[0]);
	}
	case WIRE_EVENT_SHUTDOWN:
		return wire_encode_shutdown(out, cap, m->shutdown.reason);
	case WIRE_PROPERTY:
		return wire_encode_property(out, cap, serial, m->property.device,
					    m->property.stream, m->property.in,
					    m->property.in_size, m->property.value_size);
	case WIRE_PROPERTY_REPLY:
		return wire_encode_property_reply(out, cap, serial, m->property_reply.status,
						  m->property_reply.information,
						  m->property_reply.data,
						  m->property_reply.data_size);
	case WIRE_SUBSCRIBE:
		return wire_encode_subscribe(out, cap, serial, m->subscribe.device,
					     &m->subscribe.filter);
	case WIRE_SUBSCRIBE_REPLY:
		return wire_encode_subscribe_reply(out, cap, serial,
						   m->subscribe_reply.subscription,
						   m->subscribe_reply.device,
						   m->subscribe_reply.ring_size,
						   m->subscribe_reply.page_size);
	case WIRE_UNSUBSCRIBE:
		return wire_encode_unsubscribe(out, cap, serial, m->unsubscribe.subscription);
	case WIRE_DEVICE_INFO:
		return wire_encode_device_info(out, cap, serial, m->device_info.device);
	case WIRE_OPEN_STREAM:
		return wire_encode_open_stream(out, cap, serial, m->open_stream.device,
					       &m->open_stream.processing_mode);
	case WIRE_STREAM_REPLY:
		return wire_encode_stream_reply(out, cap, serial, m->stream_reply.stream);
	case WIRE_CLOSE_STREAM:
		return wire_encode_close_stream(out, cap, serial, m->close_stream.stream);
	default:
		fail_msg("decoded an unknown type %u", m->hdr.type);
		return -1;
	}
}

static void mutate(uint8_t *b, size_t *len, size_t cap)
{
	unsigned ops = 1 + rng() % 4;

	for (unsigned k = 0; k < ops; k++) {
		size_t at = *len ? rng() % *len : 0;

		switch (rng() % 6) {
		case 0: /* flip a bit */
			if (*len)
				b[at] ^= (uint8_t)(1u << (rng() % 8));
			break;
		case 1: /* set a byte, favouring edge values */
			if (*len) {
				static const uint8_t edge[] = { 0x00, 0x01, 0x7F, 0x80, 0xC0, 0xED,
								0xF4, 0xFF };

				b[at] = rng() & 1 ? edge[rng() % ELEMENTS(edge)] : (uint8_t)rng();
			}
			break;
		case 2: /* insert a byte */
			if (*len < cap) {
				memmove(b + at + 1, b + at, *len - at);
				b[at] = (uint8_t)rng();
				(*len)++;
			}
			break;
		case 3: /* delete a byte */
			if (*len) {
				memmove(b + at, b + at + 1, *len - at - 1);
				(*len)--;
			}
			break;
		case 4: /* truncate */
			*len = at;
			break;
		default: /* grow with zeros */
			if (*len + 4 <= cap) {
				memset(b + *len, 0, 4);
				*len += 4;
			}
			break;
		}
	}
	/* Mostly keep the size field honest, or nearly everything dies at the header. */
	if (*len >= WIRE_HEADER_SIZE && rng() % 8)
		put32(b + 4, (uint32_t)*len);
}

static void test_wire_decode_survives_mutations(void **state)
{
	static struct sample s[32];
	static uint8_t work[1024], again[1024];
	size_t n = make_samples(s, ELEMENTS(s));
	unsigned accepted = 0, rejected = 0;

	rng_state = 20000;
	for (unsigned iter = 0; iter < 20000; iter++) {
		const struct sample *src = &s[rng() % n];
		size_t len = src->len;
		uint8_t *copy;
		struct wire_msg m;
		int r;

		memcpy(work, src->bytes, len);
		mutate(work, &len, sizeof(work));

		copy = malloc(len ? len : 1);
		assert_non_null(copy);
		memcpy(copy, work, len);
		r = wire_decode(copy, len, &m);
		if (r == 0) {
			/* Whatever decodes is canonical: encoding it again gives the same bytes. */
			int e = reencode(&m, again, sizeof(again));

			assert_int_equal(e, (int)len);
			assert_memory_equal(again, copy, len);
			accepted++;
		} else {
			assert_true(r == -EBADMSG || r == -EPROTONOSUPPORT);
			rejected++;
		}
		free(copy);
	}
	/* Both sides of the decoder were exercised. */
	assert_true(accepted > 500);
	assert_true(rejected > 5000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wire_hello_round_trip),
		cmocka_unit_test(test_wire_hello_reply_round_trip),
		cmocka_unit_test(test_wire_error_round_trip),
		cmocka_unit_test(test_wire_ok_round_trip),
		cmocka_unit_test(test_wire_list_devices_round_trip),
		cmocka_unit_test(test_wire_device_list_round_trip),
		cmocka_unit_test(test_wire_device_list_empty_round_trip),
		cmocka_unit_test(test_wire_device_list_get_rejects_bad_index_and_type),
		cmocka_unit_test(test_wire_device_added_round_trip),
		cmocka_unit_test(test_wire_device_removed_round_trip),
		cmocka_unit_test(test_wire_shutdown_round_trip),
		cmocka_unit_test(test_wire_property_round_trip),
		cmocka_unit_test(test_wire_property_largest_round_trip),
		cmocka_unit_test(test_wire_property_reply_round_trip),
		cmocka_unit_test(test_wire_property_reply_largest_round_trip),
		cmocka_unit_test(test_wire_subscribe_round_trip),
		cmocka_unit_test(test_wire_subscribe_clears_unselected_fields),
		cmocka_unit_test(test_wire_subscribe_reply_round_trip),
		cmocka_unit_test(test_wire_unsubscribe_round_trip),
		cmocka_unit_test(test_wire_device_info_round_trip),
		cmocka_unit_test(test_wire_open_stream_round_trip),
		cmocka_unit_test(test_wire_open_stream_default_mode_is_null),
		cmocka_unit_test(test_wire_stream_reply_round_trip),
		cmocka_unit_test(test_wire_close_stream_round_trip),
		cmocka_unit_test(test_wire_hello_bytes),
		cmocka_unit_test(test_wire_hello_reply_bytes),
		cmocka_unit_test(test_wire_error_bytes),
		cmocka_unit_test(test_wire_property_bytes),
		cmocka_unit_test(test_wire_property_reply_bytes),
		cmocka_unit_test(test_wire_device_list_bytes),
		cmocka_unit_test(test_wire_subscribe_bytes),
		cmocka_unit_test(test_wire_decode_rejects_every_truncation),
		cmocka_unit_test(test_wire_decode_rejects_trailing_bytes),
		cmocka_unit_test(test_wire_decode_rejects_size_field_mismatch),
		cmocka_unit_test(test_wire_decode_rejects_unknown_type),
		cmocka_unit_test(test_wire_decode_rejects_nonzero_flags),
		cmocka_unit_test(test_wire_decode_rejects_nonzero_reserved),
		cmocka_unit_test(test_wire_decode_rejects_request_or_reply_with_serial_zero),
		cmocka_unit_test(test_wire_decode_rejects_event_with_serial),
		cmocka_unit_test(test_wire_decode_rejects_over_max_message),
		cmocka_unit_test(test_wire_decode_max_message_is_not_emsgsize),
		cmocka_unit_test(test_wire_decode_leaves_message_untouched_on_error),
		cmocka_unit_test(test_wire_decode_rejects_null_arguments),
		cmocka_unit_test(test_wire_decode_rejects_nonempty_body_of_empty_types),
		cmocka_unit_test(test_wire_decode_rejects_error_with_success_status),
		cmocka_unit_test(test_wire_decode_rejects_hello_flags),
		cmocka_unit_test(test_wire_decode_accepts_other_minor),
		cmocka_unit_test(test_wire_decode_hello_other_major_is_eprotonosupport),
		cmocka_unit_test(test_wire_decode_hello_other_major_other_size),
		cmocka_unit_test(test_wire_decode_hello_reply_other_major_is_eprotonosupport),
		cmocka_unit_test(test_wire_decode_rejects_bad_hello_reply),
		cmocka_unit_test(test_wire_decode_rejects_bad_utf8),
		cmocka_unit_test(test_wire_decode_accepts_valid_utf8),
		cmocka_unit_test(test_wire_decode_rejects_nul_in_string),
		cmocka_unit_test(test_wire_decode_rejects_empty_endpoint),
		cmocka_unit_test(test_wire_decode_rejects_string_over_max),
		cmocka_unit_test(test_wire_decode_rejects_nonzero_record_padding),
		cmocka_unit_test(test_wire_decode_rejects_device_event_with_two_records),
		cmocka_unit_test(test_wire_decode_rejects_device_count_over_max),
		cmocka_unit_test(test_wire_decode_rejects_device_count_mismatch),
		cmocka_unit_test(test_wire_decode_rejects_property_in_size_out_of_range),
		cmocka_unit_test(test_wire_decode_rejects_property_value_size_over_max),
		cmocka_unit_test(test_wire_decode_rejects_property_in_size_mismatch),
		cmocka_unit_test(test_wire_decode_rejects_nonzero_property_padding),
		cmocka_unit_test(test_wire_decode_rejects_property_reply_data_over_information),
		cmocka_unit_test(test_wire_decode_rejects_property_reply_data_over_max),
		cmocka_unit_test(test_wire_decode_rejects_nonzero_property_reply_padding),
		cmocka_unit_test(test_wire_decode_rejects_bad_filter_flags),
		cmocka_unit_test(test_wire_decode_rejects_unselected_filter_fields),
		cmocka_unit_test(test_wire_decode_rejects_zero_subscribe_reply_fields),
		cmocka_unit_test(test_wire_decode_rejects_zero_ids),
		cmocka_unit_test(test_wire_encode_cap_too_small_writes_nothing),
		cmocka_unit_test(test_wire_encode_rejects_null_buffer),
		cmocka_unit_test(test_wire_encode_rejects_serial_zero),
		cmocka_unit_test(test_wire_encode_rejects_string_over_max),
		cmocka_unit_test(test_wire_encode_rejects_bad_strings),
		cmocka_unit_test(test_wire_encode_rejects_bad_device_list),
		cmocka_unit_test(test_wire_encode_rejects_bad_device_event),
		cmocka_unit_test(test_wire_encode_rejects_property_sizes),
		cmocka_unit_test(test_wire_encode_rejects_property_reply_sizes),
		cmocka_unit_test(test_wire_encode_rejects_bad_filter),
		cmocka_unit_test(test_wire_encode_rejects_bad_hello_reply),
		cmocka_unit_test(test_wire_encode_rejects_zero_ids_and_sizes),
		cmocka_unit_test(test_wire_type_name),
		cmocka_unit_test(test_wire_decode_survives_mutations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
