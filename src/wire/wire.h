/* SPDX-License-Identifier: MIT */
#ifndef AMOD_WIRE_H
#define AMOD_WIRE_H

/*
 * The wire protocol between amodd and its clients: pure encoding and decoding, no I/O, no
 * allocation. Every message is one SOCK_SEQPACKET datagram: a 16-byte header and a body, all
 * integers little-endian, GUIDs in their Windows byte order. docs/wire-protocol.md is the
 * normative description; this header is its C form.
 *
 * Decoding is a pure function of the bytes: wire_decode() validates everything (sizes,
 * counts, string lengths and UTF-8, reserved fields) before the caller looks at anything, and
 * returns views that point into the caller's buffer.
 */

#include <stddef.h>
#include <stdint.h>

#include <amod/amod.h>

#define WIRE_VERSION_MAJOR 1
#define WIRE_VERSION_MINOR 0

#define WIRE_HEADER_SIZE 16u
#define WIRE_MAX_MESSAGE (256u * 1024u)     /* header included */
#define WIRE_MAX_STRING 255u                /* bytes of UTF-8, no NUL on the wire */
#define WIRE_MAX_PROPERTY_IN (64u * 1024u)  /* KSPROPERTY + instance bytes */
#define WIRE_MAX_PROPERTY_VALUE (192u * 1024u)
#define WIRE_MAX_DEVICES 256u               /* per DEVICE_LIST */
#define WIRE_SUBSCRIBE_FDS 3u               /* ring, reader page, eventfd */

enum wire_type {
	/* client -> server requests; the server answers each with its reply type or ERROR */
	WIRE_HELLO = 1,
	WIRE_LIST_DEVICES = 2,
	WIRE_PROPERTY = 3,
	WIRE_SUBSCRIBE = 4,
	WIRE_UNSUBSCRIBE = 5,
	WIRE_OPEN_STREAM = 6,
	WIRE_CLOSE_STREAM = 7,
	WIRE_DEVICE_INFO = 8,      /* one device by id: answered with a one-record DEVICE_LIST */

	/* server -> client replies (header serial = the request's serial) */
	WIRE_HELLO_REPLY = 64,
	WIRE_ERROR = 65,
	WIRE_DEVICE_LIST = 66,
	WIRE_PROPERTY_REPLY = 67,
	WIRE_SUBSCRIBE_REPLY = 68, /* carries WIRE_SUBSCRIBE_FDS fds (SCM_RIGHTS) */
	WIRE_STREAM_REPLY = 69,
	WIRE_OK = 70,              /* UNSUBSCRIBE, CLOSE_STREAM */

	/* server -> client events (header serial 0) */
	WIRE_EVENT_DEVICE_ADDED = 128,
	WIRE_EVENT_DEVICE_REMOVED = 129,
	WIRE_EVENT_SHUTDOWN = 130,
};

/* Access a peer has, told in HELLO_REPLY. */
enum wire_access {
	WIRE_ACCESS_MONITOR = 1u << 0, /* list, discover (DESCRIPTORS, NOTIFICATION_DEVICE_ID), subscribe */
	WIRE_ACCESS_CONTROL = 1u << 1, /* COMMAND and every other property, streams */
};

struct wire_header {
	uint16_t type;         /* enum wire_type */
	uint16_t flags;        /* 0 in 1.x; anything else is rejected */
	uint32_t size;         /* whole message, header included */
	uint32_t serial;       /* request id chosen by the client, echoed in the reply; 0 for events */
	uint32_t reserved;     /* 0 */
};

/* A string view into a decoded message: not NUL-terminated. */
struct wire_string {
	const char *data;
	uint16_t len;
};

struct wire_device {
	uint32_t id;                        /* the host's handle, stable while the device lives */
	struct amod_guid notification_id;   /* null if the device sends no module notifications */
	struct wire_string endpoint_id;
	struct wire_string name;
};

struct wire_filter {
	uint32_t flags;                     /* AMOD_FILTER_EVENT | _CLASS | _INSTANCE (amod-port.h) */
	struct amod_guid event_id;
	struct amod_guid class_id;
	uint32_t instance_id;
};

/* Decoded message: header plus the body of its type. Views point into the decoded buffer. */
struct wire_msg {
	struct wire_header hdr;
	union {
		struct {
			uint16_t major;
			uint16_t minor;
			uint32_t flags;             /* 0 */
		} hello;
		struct {
			uint16_t major;
			uint16_t minor;
			uint32_t access;            /* enum wire_access */
			uint32_t ring_size;         /* bytes of each device ring's data area */
		} hello_reply;
		struct {
			int32_t status;             /* NTSTATUS, e.g. STATUS_ACCESS_DENIED */
		} error;
		struct {
			uint32_t count;
			const uint8_t *records;     /* use wire_device_list_get() */
			uint32_t records_size;
		} device_list;
		struct {
			uint32_t device;
			uint32_t stream;            /* 0: the filter; else a stream of this session */
			uint32_t value_size;        /* the caller's output buffer size */
			uint32_t in_size;
			const uint8_t *in;          /* KSPROPERTY + instance bytes, >= 24 */
		} property;
		struct {
			int32_t status;
			uint32_t information;       /* bytes returned or required */
			uint32_t data_size;         /* <= information, <= the request's value_size */
			const uint8_t *data;
		} property_reply;
		struct {
			uint32_t device;
			struct wire_filter filter;
		} subscribe;
		struct {
			uint32_t subscription;
			uint32_t device;
			uint32_t ring_size;         /* bytes to map of the ring fd */
			uint32_t page_size;         /* bytes to map of the reader page fd */
		} subscribe_reply;
		struct {
			uint32_t subscription;
		} unsubscribe;
		struct {
			uint32_t device;            /* never 0 */
		} device_info;
		struct {
			uint32_t device;
			struct amod_guid processing_mode; /* null: default mode */
		} open_stream;
		struct {
			uint32_t stream;
		} stream_reply, close_stream;
		struct wire_device device_event;    /* DEVICE_ADDED, DEVICE_REMOVED */
		struct {
			uint32_t reason;            /* 0: amodd is stopping */
		} shutdown;
	};
};

/*
 * Validates and decodes one message. Returns 0, or -EBADMSG (malformed: short, size field not
 * the datagram size, unknown type, non-zero flags/reserved, body size wrong for the type,
 * counts or lengths out of range, strings not UTF-8 or containing NUL), -EMSGSIZE (over
 * WIRE_MAX_MESSAGE), -EPROTONOSUPPORT (HELLO/HELLO_REPLY of another major version; the
 * message is still decoded), -EINVAL (ret_msg NULL, or buf NULL with len > 0). Never reads
 * outside buf[0, len); *ret_msg is untouched on the other errors.
 */
int wire_decode(const void *buf, size_t len, struct wire_msg *ret_msg);

/* Device i of a decoded DEVICE_LIST (i < count). Returns 0 or -EINVAL. */
int wire_device_list_get(const struct wire_msg *msg, uint32_t i, struct wire_device *ret_device);

/*
 * Encoders: write one whole message into buf (cap bytes) and return its size, or -EMSGSIZE
 * (does not fit cap or WIRE_MAX_MESSAGE), -EINVAL (argument out of the protocol's range:
 * buf NULL, serial 0 for a request or reply, string too long or not UTF-8, property sizes
 * over the limits, id 0 for a stream or subscription, ...). Nothing is written on error.
 * Encoders of wire_string take C strings here.
 */
int wire_encode_hello(void *buf, size_t cap, uint32_t serial);
int wire_encode_hello_reply(void *buf, size_t cap, uint32_t serial, uint32_t access,
			    uint32_t ring_size);
int wire_encode_error(void *buf, size_t cap, uint32_t serial, int32_t status);
int wire_encode_ok(void *buf, size_t cap, uint32_t serial);
int wire_encode_list_devices(void *buf, size_t cap, uint32_t serial);
int wire_encode_device_info(void *buf, size_t cap, uint32_t serial, uint32_t device);

struct wire_device_info {                 /* encoder input */
	uint32_t id;
	struct amod_guid notification_id;
	const char *endpoint_id;
	const char *name;
};
int wire_encode_device_list(void *buf, size_t cap, uint32_t serial,
			    const struct wire_device_info *devices, uint32_t count);
int wire_encode_device_event(void *buf, size_t cap, uint16_t type /* ADDED or REMOVED */,
			     const struct wire_device_info *device);
int wire_encode_shutdown(void *buf, size_t cap, uint32_t reason);
int wire_encode_property(void *buf, size_t cap, uint32_t serial, uint32_t device, uint32_t stream,
			 const void *in, uint32_t in_size, uint32_t value_size);
int wire_encode_property_reply(void *buf, size_t cap, uint32_t serial, int32_t status,
			       uint32_t information, const void *data, uint32_t data_size);
int wire_encode_subscribe(void *buf, size_t cap, uint32_t serial, uint32_t device,
			  const struct wire_filter *filter);
int wire_encode_subscribe_reply(void *buf, size_t cap, uint32_t serial, uint32_t subscription,
				uint32_t device, uint32_t ring_size, uint32_t page_size);
int wire_encode_unsubscribe(void *buf, size_t cap, uint32_t serial, uint32_t subscription);
int wire_encode_open_stream(void *buf, size_t cap, uint32_t serial, uint32_t device,
			    const struct amod_guid *processing_mode);
int wire_encode_stream_reply(void *buf, size_t cap, uint32_t serial, uint32_t stream);
int wire_encode_close_stream(void *buf, size_t cap, uint32_t serial, uint32_t stream);

/* "HELLO", "PROPERTY_REPLY", ... or NULL. */
const char *wire_type_name(uint16_t type);

#endif
