/* SPDX-License-Identifier: MIT */
/*
 * Writes the seed corpora: make-seeds DIR writes DIR/<target>/<name> for every target, in the
 * input layouts of fuzz.h, with the real encoders (wire_encode_*, ring_write) so the seeds
 * are what a real peer sends. `make fuzz-seeds` runs it on fuzz/corpus; the files are
 * committed. Files it does not write (crash inputs kept as regressions) are left alone.
 */
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include <portcls.h>
#include <ksmedia.h>

#include "wire/ring.h"
#include "wire/wire.h"

#include "fuzz.h"

#define SEED_MAX (256u * 1024u)

struct seed {
	uint8_t data[SEED_MAX];
	size_t size;
};

static const char *root;

/* The sample's module classes (drivers/sample/sample-modules.c). */
static const GUID module0 = { 0xE24C8B6F, 0xEDE7, 0x4255,
			      { 0x8B, 0x39, 0x77, 0x97, 0x60, 0x15, 0xD5, 0x93 } };
static const GUID module1 = { 0x5CE55C8E, 0x84DF, 0x4317,
			      { 0x98, 0xC7, 0x79, 0x2D, 0xE8, 0x33, 0x66, 0xCC } };
/* fuzz-sample.c's echo module. */
static const GUID echo_class = { 0xF0220001, 0x0000, 0x4000,
				 { 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01 } };

static __attribute__((noreturn)) void die(const char *what)
{
	fprintf(stderr, "make-seeds: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void put(struct seed *s, const void *data, size_t size)
{
	if (s->size + size > SEED_MAX) {
		fprintf(stderr, "make-seeds: seed too large\n");
		exit(1);
	}
	memcpy(s->data + s->size, data, size);
	s->size += size;
}

static void put_u8(struct seed *s, uint8_t v)
{
	put(s, &v, 1);
}

static void put_u16(struct seed *s, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)v, (uint8_t)(v >> 8) };

	put(s, b, 2);
}

static void put_u32(struct seed *s, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };

	put(s, b, 4);
}

static void save(const char *target, const char *name, const struct seed *s)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, target);
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		die(path);
	snprintf(path, sizeof(path), "%s/%s/%s", root, target, name);
	f = fopen(path, "wb");
	if (!f || fwrite(s->data, 1, s->size, f) != s->size || fclose(f) != 0)
		die(path);
}

/* An encoder's result, which must have succeeded. */
static size_t ok(int r)
{
	if (r < 0) {
		errno = -r;
		die("encoder");
	}
	return (size_t)r;
}

/* A KS property request: KSPROPERTY, then for COMMAND the module's address. */
static size_t ks_request(uint8_t *buf, ULONG id, ULONG flags, const GUID *class_id,
			 ULONG instance_id)
{
	KSAUDIOMODULE_PROPERTY p = {
		.Property = { .Set = KSPROPSETID_AudioModule, .Id = id, .Flags = flags },
	};

	if (!class_id) {
		memcpy(buf, &p.Property, sizeof(p.Property));
		return sizeof(p.Property);
	}
	p.ClassId = *class_id;
	p.InstanceId = instance_id;
	memcpy(buf, &p, sizeof(p));
	return sizeof(p);
}

/* A COMMAND request with the sample's vendor bytes: Verb, ParameterId, then a value. */
static size_t command_request(uint8_t *buf, ULONG flags, const GUID *class_id, ULONG instance_id,
			      uint32_t verb, uint32_t parameter, const void *value,
			      size_t value_size)
{
	size_t n = ks_request(buf, KSPROPERTY_AUDIOMODULE_COMMAND, flags, class_id, instance_id);

	memcpy(buf + n, &verb, 4);
	memcpy(buf + n + 4, &parameter, 4);
	if (value_size)
		memcpy(buf + n + 8, value, value_size);
	return n + 8 + value_size;
}

static void seeds_wire(void)
{
	static const struct wire_device_info devices[2] = {
		{ 1,
		  { 0xC01C987A, 0x30A9, 0x4DB7,
		    { 0x8D, 0x69, 0x69, 0x6C, 0xFF, 0x41, 0xE4, 0xB9 } },
		  "speaker", "Speaker" },
		{ 2, { 0 }, "headphone", "Speaker Headphone \xC3\xA9\xF0\x9F\x8E\xA7" },
	};
	const struct wire_filter filter = {
		.flags = AMOD_FILTER_EVENT | AMOD_FILTER_CLASS | AMOD_FILTER_INSTANCE,
		.event_id = { 0x9C2220F0, 0xD9A6, 0x4D5C,
			      { 0xA0, 0x36, 0x57, 0x38, 0x57, 0xFD, 0x50, 0xD2 } },
		.class_id = { 0xE24C8B6F, 0xEDE7, 0x4255,
			      { 0x8B, 0x39, 0x77, 0x97, 0x60, 0x15, 0xD5, 0x93 } },
		.instance_id = 0x01000001,
	};
	const struct amod_guid movie = { 0xB26FEB0D, 0xEC94, 0x477C,
					 { 0x94, 0x94, 0xD1, 0xAB, 0x8E, 0x75, 0x3F, 0x6E } };
	struct seed s;
	uint8_t in[128], reply[64];
	size_t n;

	for (size_t i = 0; i < sizeof(reply); i++)
		reply[i] = (uint8_t)(i * 7);
#define WIRE_SEED(name, call)                                                                      \
	do {                                                                                       \
		s.size = ok(call);                                                                 \
		save("wire", name, &s);                                                            \
	} while (0)
	WIRE_SEED("hello", wire_encode_hello(s.data, SEED_MAX, 1));
	WIRE_SEED("hello-reply",
		  wire_encode_hello_reply(s.data, SEED_MAX, 1,
					  WIRE_ACCESS_MONITOR | WIRE_ACCESS_CONTROL,
					  RING_DEFAULT_SIZE));
	WIRE_SEED("error", wire_encode_error(s.data, SEED_MAX, 7, AMOD_STATUS_NOT_FOUND));
	WIRE_SEED("ok", wire_encode_ok(s.data, SEED_MAX, 8));
	WIRE_SEED("list-devices", wire_encode_list_devices(s.data, SEED_MAX, 2));
	WIRE_SEED("device-info", wire_encode_device_info(s.data, SEED_MAX, 3, 1));
	WIRE_SEED("device-list", wire_encode_device_list(s.data, SEED_MAX, 2, devices, 2));
	WIRE_SEED("device-added", wire_encode_device_event(s.data, SEED_MAX,
							    WIRE_EVENT_DEVICE_ADDED, &devices[0]));
	WIRE_SEED("device-removed", wire_encode_device_event(s.data, SEED_MAX,
							      WIRE_EVENT_DEVICE_REMOVED,
							      &devices[1]));
	WIRE_SEED("shutdown", wire_encode_shutdown(s.data, SEED_MAX, 0));
	n = ks_request(in, KSPROPERTY_AUDIOMODULE_DESCRIPTORS, KSPROPERTY_TYPE_GET, NULL, 0);
	WIRE_SEED("property",
		  wire_encode_property(s.data, SEED_MAX, 4, 1, 0, in, (uint32_t)n, 4096));
	n = command_request(in, KSPROPERTY_TYPE_GET, &module0, 0, KSPROPERTY_TYPE_GET, 0, NULL, 0);
	WIRE_SEED("property-command",
		  wire_encode_property(s.data, SEED_MAX, 5, 2, 1, in, (uint32_t)n, 64));
	WIRE_SEED("property-reply",
		  wire_encode_property_reply(s.data, SEED_MAX, 4, 0, 37, reply, 37));
	WIRE_SEED("property-reply-overflow",
		  wire_encode_property_reply(s.data, SEED_MAX, 4, AMOD_STATUS_BUFFER_OVERFLOW,
					     1144, NULL, 0));
	WIRE_SEED("subscribe", wire_encode_subscribe(s.data, SEED_MAX, 6, 1, &filter));
	WIRE_SEED("subscribe-reply",
		  wire_encode_subscribe_reply(s.data, SEED_MAX, 6, 1, 1,
					      RING_HEADER_SIZE + RING_DEFAULT_SIZE,
					      RING_PAGE_SIZE));
	WIRE_SEED("unsubscribe", wire_encode_unsubscribe(s.data, SEED_MAX, 9, 1));
	WIRE_SEED("open-stream", wire_encode_open_stream(s.data, SEED_MAX, 10, 1, &movie));
	WIRE_SEED("stream-reply", wire_encode_stream_reply(s.data, SEED_MAX, 10, 1));
	WIRE_SEED("close-stream", wire_encode_close_stream(s.data, SEED_MAX, 11, 1));
#undef WIRE_SEED
	/* Another major version: decoded, refused with -EPROTONOSUPPORT. */
	s.size = ok(wire_encode_hello(s.data, SEED_MAX, 1));
	s.data[16] = 2;
	save("wire", "hello-v2", &s);
}

/* fuzz-host: one datagram, framed as fuzz.h says (with the size fix-up bit). */
static void host_put(struct seed *s, const uint8_t *msg, size_t len, uint16_t flags)
{
	put_u16(s, (uint16_t)(len | flags | FUZZ_HOST_FIX_SIZE));
	put(s, msg, len);
}

static void host_put_property(struct seed *s, uint32_t serial, uint32_t device, uint32_t stream,
			      const uint8_t *in, size_t in_size, uint32_t value_size,
			      uint16_t flags)
{
	uint8_t msg[512];

	host_put(s, msg,
		 ok(wire_encode_property(msg, sizeof(msg), serial, device, stream, in,
					 (uint32_t)in_size, value_size)),
		 flags);
}

static void seeds_host(void)
{
	const struct amod_guid movie = { 0xB26FEB0D, 0xEC94, 0x477C,
					 { 0x94, 0x94, 0xD1, 0xAB, 0x8E, 0x75, 0x3F, 0x6E } };
	const struct wire_filter all = { 0 };
	uint8_t msg[512], in[256];
	uint32_t value = 2;
	struct seed s;
	size_t n;

	s.size = 0;
	host_put(&s, msg, ok(wire_encode_hello(msg, sizeof(msg), 1)), 0);
	host_put(&s, msg, ok(wire_encode_list_devices(msg, sizeof(msg), 2)), 0);
	host_put(&s, msg, ok(wire_encode_device_info(msg, sizeof(msg), 3, 2)), 0);
	host_put(&s, msg, ok(wire_encode_device_info(msg, sizeof(msg), 4, 99)), 0);
	save("host", "hello-list", &s);

	s.size = 0;
	host_put(&s, msg, ok(wire_encode_hello(msg, sizeof(msg), 1)), 0);
	n = ks_request(in, KSPROPERTY_AUDIOMODULE_DESCRIPTORS, KSPROPERTY_TYPE_GET, NULL, 0);
	host_put_property(&s, 2, 1, 0, in, n, 4096, 0);
	host_put_property(&s, 3, 2, 0, in, n, 0, 0);
	n = ks_request(in, KSPROPERTY_AUDIOMODULE_NOTIFICATION_DEVICE_ID, KSPROPERTY_TYPE_GET,
		       NULL, 0);
	host_put_property(&s, 4, 2, 0, in, n, 16, 0);
	save("host", "discovery", &s);

	/* A subscription, then a SET that changes a parameter: a notification into the ring. */
	s.size = 0;
	host_put(&s, msg, ok(wire_encode_hello(msg, sizeof(msg), 1)), 0);
	host_put(&s, msg, ok(wire_encode_subscribe(msg, sizeof(msg), 2, 1, &all)), 0);
	n = command_request(in, KSPROPERTY_TYPE_GET, &module0, 0, KSPROPERTY_TYPE_SET, 0, &value,
			    sizeof(value));
	host_put_property(&s, 3, 1, 0, in, n, 0, 0);
	value = 1;
	n = command_request(in, KSPROPERTY_TYPE_GET, &module0, 0, KSPROPERTY_TYPE_SET, 0, &value,
			    sizeof(value));
	host_put_property(&s, 4, 1, 0, in, n, 0, 0);
	host_put(&s, msg, ok(wire_encode_unsubscribe(msg, sizeof(msg), 5, 1)), 0);
	host_put(&s, msg, ok(wire_encode_unsubscribe(msg, sizeof(msg), 6, 1)), 0);
	save("host", "subscribe-command", &s);

	/* fuzz-sample.c's native device (id 3): its echo module notifies what it is sent. */
	s.size = 0;
	host_put(&s, msg, ok(wire_encode_hello(msg, sizeof(msg), 1)), 0);
	host_put(&s, msg, ok(wire_encode_subscribe(msg, sizeof(msg), 2, 3, &all)), 0);
	n = command_request(in, KSPROPERTY_TYPE_GET, &echo_class, 0, 'N', 0, &value,
			    sizeof(value));
	host_put_property(&s, 3, 3, 0, in, n, 64, 0);
	save("host", "native-notify", &s);

	/* A pin: open it, discover and command its instances, close it. */
	s.size = 0;
	host_put(&s, msg, ok(wire_encode_hello(msg, sizeof(msg), 1)), 0);
	host_put(&s, msg, ok(wire_encode_open_stream(msg, sizeof(msg), 2, 1, &movie)), 0);
	/* Stream ids come with the replies, which come from the devices' worker threads. */
	n = ks_request(in, KSPROPERTY_AUDIOMODULE_DESCRIPTORS, KSPROPERTY_TYPE_GET, NULL, 0);
	host_put_property(&s, 3, 1, 1, in, n, 4096, FUZZ_HOST_WAIT);
	n = command_request(in, KSPROPERTY_TYPE_GET, &module1, 1, KSPROPERTY_TYPE_GET, 2, NULL, 0);
	host_put_property(&s, 4, 1, 1, in, n, 64, 0);
	host_put(&s, msg, ok(wire_encode_open_stream(msg, sizeof(msg), 5, 2, NULL)), 0);
	host_put_property(&s, 6, 1, 2, in, n, 64, FUZZ_HOST_WAIT); /* another device's stream */
	host_put(&s, msg, ok(wire_encode_close_stream(msg, sizeof(msg), 7, 1)), 0);
	host_put(&s, msg, ok(wire_encode_close_stream(msg, sizeof(msg), 8, 1)), FUZZ_HOST_WAIT);
	save("host", "stream", &s);

	/* What ends a session: a request before HELLO, descriptors, a reply type, garbage. */
	s.size = 0;
	host_put(&s, msg, ok(wire_encode_list_devices(msg, sizeof(msg), 1)), 0);
	save("host", "before-hello", &s);
	s.size = 0;
	host_put(&s, msg, ok(wire_encode_hello(msg, sizeof(msg), 1)), FUZZ_HOST_SEND_FD);
	save("host", "hello-fd", &s);
	s.size = 0;
	host_put(&s, msg, ok(wire_encode_hello(msg, sizeof(msg), 1)), 0);
	host_put(&s, msg, ok(wire_encode_ok(msg, sizeof(msg), 2)), 0);
	save("host", "reply-type", &s);
	s.size = 0;
	n = ok(wire_encode_hello(msg, sizeof(msg), 1));
	msg[16] = 7; /* major 7 */
	host_put(&s, msg, n, 0);
	save("host", "hello-v7", &s);
}

static void property_put(struct seed *s, uint8_t target, uint32_t value_size, const uint8_t *in,
			 size_t in_size)
{
	s->size = 0;
	put_u8(s, target);
	put_u32(s, value_size);
	put(s, in, in_size);
}

static void seeds_property(void)
{
	static const GUID unknown_set = { 0x1D58C920, 0xAC9B, 0x11CF,
					  { 0xA5, 0xD6, 0x28, 0xDB, 0x04, 0xC1, 0x00, 0x00 } };
	uint8_t in[256];
	struct seed s;
	size_t n;

	n = ks_request(in, KSPROPERTY_AUDIOMODULE_DESCRIPTORS, KSPROPERTY_TYPE_GET, NULL, 0);
	property_put(&s, 0, 4096, in, n);
	save("property", "descriptors-filter", &s);
	property_put(&s, FUZZ_TARGET(0, 1), 0, in, n);
	save("property", "descriptors-pin-size", &s);
	property_put(&s, FUZZ_TARGET(1, 2), 100, in, n);
	save("property", "descriptors-pin-short", &s);

	n = ks_request(in, KSPROPERTY_AUDIOMODULE_NOTIFICATION_DEVICE_ID, KSPROPERTY_TYPE_GET,
		       NULL, 0);
	property_put(&s, 1, 16, in, n);
	save("property", "device-id", &s);
	n = ks_request(in, KSPROPERTY_AUDIOMODULE_NOTIFICATION_DEVICE_ID,
		       KSPROPERTY_TYPE_BASICSUPPORT, NULL, 0);
	property_put(&s, FUZZ_TARGET(0, 3), 40, in, n);
	save("property", "basic-support", &s);

	n = command_request(in, KSPROPERTY_TYPE_GET, &module0, 0, KSPROPERTY_TYPE_GET, 0, NULL, 0);
	property_put(&s, 0, 64, in, n);
	save("property", "command", &s);

	n = ks_request(in, 1, KSPROPERTY_TYPE_GET, NULL, 0);
	memcpy(in, &unknown_set, sizeof(unknown_set));
	property_put(&s, 0, 8, in, n);
	save("property", "unknown-set", &s);

	/* The native-module devices of fuzz-sample.c. */
	n = ks_request(in, KSPROPERTY_AUDIOMODULE_DESCRIPTORS, KSPROPERTY_TYPE_GET, NULL, 0);
	property_put(&s, FUZZ_TARGET(2, 1), 2048, in, n);
	save("property", "native-descriptors", &s);
	n = ks_request(in, KSPROPERTY_AUDIOMODULE_NOTIFICATION_DEVICE_ID, KSPROPERTY_TYPE_GET,
		       NULL, 0);
	property_put(&s, FUZZ_TARGET(3, 0), 16, in, n);
	save("property", "native-no-device-id", &s);
	n = command_request(in, KSPROPERTY_TYPE_GET, &echo_class, 0, 'N', 0, NULL, 0);
	property_put(&s, FUZZ_TARGET(2, 0), 64, in, n);
	save("property", "native-command", &s);
}

static void command_put(struct seed *s, uint8_t target, uint8_t module, const GUID *class_id,
			uint32_t instance_id, uint32_t flags, uint16_t value_size, uint32_t verb,
			uint32_t parameter, const void *value, size_t size)
{
	s->size = 0;
	put_u8(s, target);
	put_u8(s, module);
	if (module == FUZZ_COMMAND_RAW_MODULE) {
		put(s, class_id, sizeof(*class_id));
		put_u32(s, instance_id);
	}
	put_u32(s, flags);
	put_u16(s, value_size);
	put_u32(s, verb);
	put_u32(s, parameter);
	put(s, value, size);
}

static void seeds_command(void)
{
	const uint32_t two = 2, five = 5, seven = 7;
	const uint8_t one = 1;
	struct seed s;

	command_put(&s, 0, 0, NULL, 0, KSPROPERTY_TYPE_GET, 64, KSPROPERTY_TYPE_GET, 0, NULL, 0);
	save("command", "get", &s);
	command_put(&s, 0, 0, NULL, 0, KSPROPERTY_TYPE_GET, 0, KSPROPERTY_TYPE_SET, 0, &two, 4);
	save("command", "set", &s);
	command_put(&s, 1, 0, NULL, 0, KSPROPERTY_TYPE_GET, 0, KSPROPERTY_TYPE_SET, 0, &five, 4);
	save("command", "set-headphone", &s);
	command_put(&s, 0, 1, NULL, 0, KSPROPERTY_TYPE_GET, 0, KSPROPERTY_TYPE_BASICSUPPORT, 0,
		    NULL, 0);
	save("command", "basic-support-size", &s);
	command_put(&s, 1, 2, NULL, 0, KSPROPERTY_TYPE_GET, 256, KSPROPERTY_TYPE_BASICSUPPORT, 0,
		    NULL, 0);
	save("command", "basic-support", &s);
	command_put(&s, FUZZ_TARGET(0, 1), 1, NULL, 0, KSPROPERTY_TYPE_GET, 16,
		    KSPROPERTY_TYPE_SET, 0, &one, 1);
	save("command", "pin-set", &s);
	command_put(&s, FUZZ_TARGET(0, 2), 0, NULL, 0, KSPROPERTY_TYPE_GET, 16,
		    KSPROPERTY_TYPE_GET, 1, NULL, 0);
	save("command", "pin-get", &s);
	command_put(&s, 0, FUZZ_COMMAND_RAW_MODULE, &module1, 0x01000000, KSPROPERTY_TYPE_GET, 16,
		    KSPROPERTY_TYPE_SET, 2, &seven, 4);
	save("command", "raw-module", &s);
	command_put(&s, 0, 0, NULL, 0, KSPROPERTY_TYPE_BASICSUPPORT, 40, 0, 0, NULL, 0);
	save("command", "ks-basic-support", &s);
	/* fuzz-sample.c's native modules: echo, notify ('N'), lie about the size ('L'). */
	command_put(&s, FUZZ_TARGET(2, 0), 0, NULL, 0, KSPROPERTY_TYPE_GET, 64, 'N', 1, &seven,
		    4);
	save("command", "native-notify", &s);
	command_put(&s, FUZZ_TARGET(2, 1), 1, NULL, 0, KSPROPERTY_TYPE_GET, 64, 'L', 0, NULL, 0);
	save("command", "native-lie", &s);
	command_put(&s, FUZZ_TARGET(3, 2), 1, NULL, 0, KSPROPERTY_TYPE_GET, 4, 'N', 0, NULL, 0);
	save("command", "native-short", &s);
}

static void seeds_guid(void)
{
	static const char *const texts[][2] = {
		{ "audio-module", "C034FDB0-FF75-47C8-AA3C-EE46716B50C6" },
		{ "braced-lower", "{c01c987a-30a9-4db7-8d69-696cff41e4b9}" },
		{ "null", "00000000-0000-0000-0000-000000000000" },
		{ "unbalanced", "{C034FDB0-FF75-47C8-AA3C-EE46716B50C6" },
		{ "bad-digit", "C034FDB0-FF75-47C8-AA3C-EE46716B50CG" },
	};
	struct seed s;

	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		s.size = 0;
		put(&s, texts[i][1], strlen(texts[i][1]));
		save("guid", texts[i][0], &s);
	}
}

static void utf16_put(struct seed *s, uint8_t mode, uint16_t dst, const uint16_t *units,
		      size_t n, uint16_t src_units)
{
	s->size = 0;
	put_u8(s, mode);
	put_u16(s, dst);
	if (mode & FUZZ_UTF16_SRC_UNITS)
		put_u16(s, src_units);
	for (size_t i = 0; i < n; i++)
		put_u16(s, units[i]);
}

static void seeds_utf16(void)
{
	static const uint16_t speaker[] = { 'S', 'p', 'e', 'a', 'k', 'e', 'r' };
	/* é, a pair (U+1F3A7), an unpaired high and low surrogate, U+FFFF, then a NUL. */
	static const uint16_t mixed[] = { 0x00E9, 0xD83C, 0xDFA7, 0xD800, 'x', 0xDC00, 0xFFFF, 0,
					  'z' };
	static const char *const texts[][2] = {
		{ "utf8-ascii", "Speaker Headphone" },
		{ "utf8-mixed", "h\xC3\xA9llo \xF0\x9F\x98\x80 \xE2\x82\xAC" },
		{ "utf8-overlong", "a\xC0\x80" },
		{ "utf8-surrogate", "\xED\xA0\x80" },
	};
	struct seed s;

	utf16_put(&s, 0, 64, speaker, 7, 0);
	save("utf16", "ascii", &s);
	utf16_put(&s, 0, 4, speaker, 7, 0);
	save("utf16", "too-long", &s);
	utf16_put(&s, 0, 64, mixed, 9, 0);
	save("utf16", "mixed", &s);
	utf16_put(&s, FUZZ_UTF16_SRC_UNITS, 64, mixed, 9, 2); /* cuts the pair */
	save("utf16", "cut-pair", &s);
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		s.size = 0;
		put_u8(&s, FUZZ_UTF16_TO_UTF16);
		put_u16(&s, 64);
		put(&s, texts[i][1], strlen(texts[i][1]));
		save("utf16", texts[i][0], &s);
	}
}

static void read_fd(int fd, void *buf, size_t size, off_t offset)
{
	if (pread(fd, buf, size, offset) != (ssize_t)size)
		die("pread");
}

/*
 * fuzz-ring: a real ring's header, reader page and the bytes from the reader's read_pos to
 * the writer's write_pos, with every field kept valid and the write position as written.
 */
static void ring_seed(const char *name, struct ring_writer *w, struct ring_writer_reader *r)
{
	uint8_t header[FUZZ_RING_INPUT_HEADER], page[FUZZ_RING_INPUT_PAGE];
	uint64_t read_pos, write_pos;
	struct seed s;
	uint8_t *area;

	read_fd(ring_writer_get_fd(w), header, sizeof(header), 0);
	read_fd(ring_writer_reader_get_page_fd(r), page, sizeof(page), 0);
	memcpy(&write_pos, header + offsetof(struct ring_header, write_pos), 8);
	memcpy(&read_pos, page, 8);
	area = malloc(RING_MIN_SIZE);
	if (!area)
		die("malloc");
	read_fd(ring_writer_get_fd(w), area, RING_MIN_SIZE, RING_HEADER_SIZE);

	s.size = 0;
	put_u8(&s, 0xFF);
	put_u8(&s, FUZZ_RING_WRITE_FROM_INPUT);
	put(&s, header, sizeof(header));
	put(&s, page, sizeof(page));
	for (uint64_t p = read_pos; p < write_pos && p - read_pos < RING_MIN_SIZE; p++)
		put_u8(&s, area[p & (RING_MIN_SIZE - 1)]);
	save("ring", name, &s);
	free(area);
}

static void write_notification(struct ring_writer *w, size_t size, uint32_t instance)
{
	static uint8_t payload[RING_MIN_SIZE];
	struct amod_notification n = {
		.event_id = { 0x9C2220F0, 0xD9A6, 0x4D5C,
			      { 0xA0, 0x36, 0x57, 0x38, 0x57, 0xFD, 0x50, 0xD2 } },
		.instance_id = instance,
		.timestamp_ns = 1000000 + instance,
		.data = payload,
		.size = (uint32_t)size,
	};
	int r;

	for (size_t i = 0; i < size; i++)
		payload[i] = (uint8_t)(i + instance);
	r = ring_write(w, &n);
	if (r < 0 && r != -EMSGSIZE) {
		errno = -r;
		die("ring_write");
	}
}

static void seeds_ring(void)
{
	struct ring_writer *w;
	struct ring_writer_reader *r;
	struct seed s;

	/* Three records from the start. */
	if (ring_writer_new(RING_MIN_SIZE, 1, NULL, &w) < 0 || ring_writer_add_reader(w, &r) < 0)
		die("ring");
	write_notification(w, 48, 1);
	write_notification(w, 0, 2);
	write_notification(w, 100, 3);
	ring_seed("records", w, r);
	ring_writer_free(w);

	/*
	 * A reader added 64 bytes before the end of the area (248 records of 264 bytes): the
	 * records after it wrap behind a 64-byte pad.
	 */
	if (ring_writer_new(RING_MIN_SIZE, 2, NULL, &w) < 0)
		die("ring");
	for (uint32_t i = 0; i < 248; i++)
		write_notification(w, 200, i);
	if (ring_writer_add_reader(w, &r) < 0)
		die("ring");
	for (uint32_t i = 248; i < 251; i++)
		write_notification(w, 200, i);
	ring_seed("wrap", w, r);
	ring_writer_free(w);

	/* A notification too big for a record: a gap in the sequence, reported as dropped. */
	if (ring_writer_new(RING_MIN_SIZE, 3, NULL, &w) < 0 || ring_writer_add_reader(w, &r) < 0)
		die("ring");
	write_notification(w, 40, 1);
	write_notification(w, RING_MIN_SIZE / 2, 2);
	write_notification(w, 40, 3);
	ring_seed("gap", w, r);
	ring_writer_free(w);

	/* Nothing kept valid: a header that ring_reader_new() must refuse. */
	s.size = 0;
	put_u8(&s, 0);
	put_u8(&s, 0);
	for (unsigned i = 0; i < FUZZ_RING_INPUT_HEADER + FUZZ_RING_INPUT_PAGE; i++)
		put_u8(&s, (uint8_t)(i * 13));
	save("ring", "garbage", &s);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s CORPUS-DIR\n", argv[0]);
		return 2;
	}
	root = argv[1];
	if (mkdir(root, 0755) < 0 && errno != EEXIST)
		die(root);
	seeds_wire();
	seeds_host();
	seeds_property();
	seeds_command();
	seeds_guid();
	seeds_utf16();
	seeds_ring();
	return 0;
}
