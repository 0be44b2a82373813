/* SPDX-License-Identifier: MIT */
/*
 * The wire codec (docs/wire-protocol.md). Every byte is packed and unpacked by hand, never by
 * copying a C struct, so the encoding is the same whatever the compiler's padding and the
 * host's byte order. Nothing here allocates or keeps state: the host and the client call it
 * from any thread, and the fuzzer calls it on anything.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "common/common-internal.h"
#include "wire/ring.h"
#include "wire/wire.h"

/* Fixed body sizes (bytes after the header); variable bodies give their fixed part. */
#define HELLO_SIZE 8u
#define HELLO_REPLY_SIZE 12u
#define HELLO_VERSION_SIZE 4u /* major, minor: the part every major keeps */
#define ERROR_SIZE 4u
#define DEVICE_LIST_FIXED 4u
#define DEVICE_RECORD_FIXED 24u
#define PROPERTY_FIXED 16u
#define PROPERTY_REPLY_FIXED 12u
#define SUBSCRIBE_SIZE 44u
#define SUBSCRIBE_REPLY_SIZE 16u
#define ID_SIZE 4u /* UNSUBSCRIBE, STREAM_REPLY, CLOSE_STREAM, SHUTDOWN */
#define OPEN_STREAM_SIZE 20u
#define GUID_SIZE 16u

#define KSPROPERTY_SIZE 24u
#define WIRE_FILTER_FLAGS ((uint32_t)(AMOD_FILTER_EVENT | AMOD_FILTER_CLASS | AMOD_FILTER_INSTANCE))
#define WIRE_ACCESS_ALL ((uint32_t)(WIRE_ACCESS_MONITOR | WIRE_ACCESS_CONTROL))

static inline uint32_t pad4(uint32_t n)
{
	return (4u - (n & 3u)) & 3u;
}

static inline void put_u16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void put_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static inline void put_i32(uint8_t *p, int32_t v)
{
	put_u32(p, (uint32_t)v);
}

static inline void put_guid(uint8_t *p, const struct amod_guid *g)
{
	put_u32(p, g->data1);
	put_u16(p + 4, g->data2);
	put_u16(p + 6, g->data3);
	memcpy(p + 8, g->data4, 8);
}

static inline uint16_t get_u16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

static inline uint32_t get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
	       ((uint32_t)p[3] << 24);
}

static inline int32_t get_i32(const uint8_t *p)
{
	/* Conversion of an out-of-range value is implementation-defined; memcpy is not. */
	uint32_t u = get_u32(p);
	int32_t v;

	memcpy(&v, &u, sizeof(v));
	return v;
}

static inline void get_guid(const uint8_t *p, struct amod_guid *g)
{
	g->data1 = get_u32(p);
	g->data2 = get_u16(p + 4);
	g->data3 = get_u16(p + 6);
	memcpy(g->data4, p + 8, 8);
}

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/*
 * Strict UTF-8 over exactly n bytes (no terminator: the wire has none): shortest form only,
 * no surrogates, nothing above U+10FFFF, and no NUL, which the C side could not represent.
 */
static bool utf8_valid(const uint8_t *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		uint8_t c = s[i];
		uint32_t cp;
		size_t len;

		if (c == 0)
			return false;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF) {
			len = 2;
			cp = c & 0x1Fu;
		} else if (c >= 0xE0 && c <= 0xEF) {
			len = 3;
			cp = c & 0x0Fu;
		} else if (c >= 0xF0 && c <= 0xF4) {
			len = 4;
			cp = c & 0x07u;
		} else {
			return false; /* continuation byte, C0/C1 (always overlong) or F5..FF */
		}
		if (n - i < len)
			return false;
		for (size_t k = 1; k < len; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i + k] & 0x3Fu);
		}
		if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10FFFF ||
		    (cp >= 0xD800 && cp <= 0xDFFF))
			return false;
		i += len;
	}
	return true;
}

/* Length of an encoder's C string argument, or -EINVAL if it cannot go on the wire. */
static int string_len(const char *s, bool allow_empty)
{
	size_t n;

	if (!s)
		return -EINVAL;
	n = strnlen(s, WIRE_MAX_STRING + 1);
	if (n > WIRE_MAX_STRING || (n == 0 && !allow_empty))
		return -EINVAL;
	if (!utf8_valid((const uint8_t *)s, n))
		return -EINVAL;
	return (int)n;
}

static bool type_is_event(uint16_t type)
{
	return type >= WIRE_EVENT_DEVICE_ADDED && type <= WIRE_EVENT_SHUTDOWN;
}

/*
 * A peer without access gets ERROR, never a HELLO_REPLY, and the ring size is one that
 * ring_writer_new() accepts: a client can rely on both.
 */
static bool hello_reply_valid(uint32_t access, uint32_t ring_size)
{
	return access != 0 && (access & ~WIRE_ACCESS_ALL) == 0 && ring_size >= RING_MIN_SIZE &&
	       ring_size <= RING_MAX_SIZE && (ring_size & (ring_size - 1)) == 0;
}

/* Checks what every encoder shares and writes the header; returns the body pointer or NULL. */
static uint8_t *begin(void *buf, size_t cap, uint16_t type, uint32_t serial, size_t body_size,
		      int *ret_error)
{
	size_t size = WIRE_HEADER_SIZE + body_size;
	uint8_t *p = buf;

	/* Requests and replies are paired by serial, so 0 is reserved for events. */
	if (!buf || (type_is_event(type) ? serial != 0 : serial == 0)) {
		*ret_error = -EINVAL;
		return NULL;
	}
	if (size > WIRE_MAX_MESSAGE || size > cap) {
		*ret_error = -EMSGSIZE;
		return NULL;
	}
	put_u16(p, type);
	put_u16(p + 2, 0);
	put_u32(p + 4, (uint32_t)size);
	put_u32(p + 8, serial);
	put_u32(p + 12, 0);
	return p + WIRE_HEADER_SIZE;
}

/* Encoders of one u32 (or nothing) after the header. */
static int encode_u32(void *buf, size_t cap, uint16_t type, uint32_t serial, uint32_t value)
{
	uint8_t *b;
	int r;

	b = begin(buf, cap, type, serial, ID_SIZE, &r);
	if (!b)
		return r;
	put_u32(b, value);
	return (int)(WIRE_HEADER_SIZE + ID_SIZE);
}

static int encode_empty(void *buf, size_t cap, uint16_t type, uint32_t serial)
{
	int r;

	if (!begin(buf, cap, type, serial, 0, &r))
		return r;
	return (int)WIRE_HEADER_SIZE;
}

int wire_encode_hello(void *buf, size_t cap, uint32_t serial)
{
	uint8_t *b;
	int r;

	b = begin(buf, cap, WIRE_HELLO, serial, HELLO_SIZE, &r);
	if (!b)
		return r;
	put_u16(b, WIRE_VERSION_MAJOR);
	put_u16(b + 2, WIRE_VERSION_MINOR);
	put_u32(b + 4, 0);
	return (int)(WIRE_HEADER_SIZE + HELLO_SIZE);
}

int wire_encode_hello_reply(void *buf, size_t cap, uint32_t serial, uint32_t access,
			    uint32_t ring_size)
{
	uint8_t *b;
	int r;

	if (!hello_reply_valid(access, ring_size))
		return -EINVAL;
	b = begin(buf, cap, WIRE_HELLO_REPLY, serial, HELLO_REPLY_SIZE, &r);
	if (!b)
		return r;
	put_u16(b, WIRE_VERSION_MAJOR);
	put_u16(b + 2, WIRE_VERSION_MINOR);
	put_u32(b + 4, access);
	put_u32(b + 8, ring_size);
	return (int)(WIRE_HEADER_SIZE + HELLO_REPLY_SIZE);
}

int wire_encode_error(void *buf, size_t cap, uint32_t serial, int32_t status)
{
	/* An ERROR that reports success would leave the client unable to tell what happened. */
	if (amod_status_ok(status))
		return -EINVAL;
	return encode_u32(buf, cap, WIRE_ERROR, serial, (uint32_t)status);
}

int wire_encode_ok(void *buf, size_t cap, uint32_t serial)
{
	return encode_empty(buf, cap, WIRE_OK, serial);
}

int wire_encode_list_devices(void *buf, size_t cap, uint32_t serial)
{
	return encode_empty(buf, cap, WIRE_LIST_DEVICES, serial);
}

/* Size of one device record, or -EINVAL; *ret_elen, *ret_nlen: the string lengths. */
static int device_record_size(const struct wire_device_info *d, uint32_t *ret_elen,
			      uint32_t *ret_nlen)
{
	int elen, nlen;

	if (!d)
		return -EINVAL;
	elen = string_len(d->endpoint_id, false);
	if (elen < 0)
		return elen;
	nlen = string_len(d->name, true);
	if (nlen < 0)
		return nlen;
	*ret_elen = (uint32_t)elen;
	*ret_nlen = (uint32_t)nlen;
	return (int)(DEVICE_RECORD_FIXED + (uint32_t)(elen + nlen) + pad4((uint32_t)(elen + nlen)));
}

static void put_device_record(uint8_t *p, const struct wire_device_info *d, uint32_t elen,
			      uint32_t nlen)
{
	put_u32(p, d->id);
	put_guid(p + 4, &d->notification_id);
	put_u16(p + 20, (uint16_t)elen);
	put_u16(p + 22, (uint16_t)nlen);
	memcpy(p + DEVICE_RECORD_FIXED, d->endpoint_id, elen);
	memcpy(p + DEVICE_RECORD_FIXED + elen, d->name, nlen);
	memset(p + DEVICE_RECORD_FIXED + elen + nlen, 0, pad4(elen + nlen));
}

int wire_encode_device_list(void *buf, size_t cap, uint32_t serial,
			    const struct wire_device_info *devices, uint32_t count)
{
	size_t body = DEVICE_LIST_FIXED;
	uint8_t *b, *p;
	int r;

	if (count > WIRE_MAX_DEVICES || (count > 0 && !devices))
		return -EINVAL;
	/* Validate everything before writing anything. */
	for (uint32_t i = 0; i < count; i++) {
		uint32_t elen, nlen;

		r = device_record_size(&devices[i], &elen, &nlen);
		if (r < 0)
			return r;
		body += (size_t)r;
	}
	b = begin(buf, cap, WIRE_DEVICE_LIST, serial, body, &r);
	if (!b)
		return r;
	put_u32(b, count);
	p = b + DEVICE_LIST_FIXED;
	for (uint32_t i = 0; i < count; i++) {
		uint32_t elen = 0, nlen = 0; /* set: every record was sized above */
		int size = device_record_size(&devices[i], &elen, &nlen);

		put_device_record(p, &devices[i], elen, nlen);
		p += size;
	}
	return (int)(WIRE_HEADER_SIZE + body);
}

int wire_encode_device_event(void *buf, size_t cap, uint16_t type,
			     const struct wire_device_info *device)
{
	uint32_t elen, nlen;
	uint8_t *b;
	int size, r;

	if (type != WIRE_EVENT_DEVICE_ADDED && type != WIRE_EVENT_DEVICE_REMOVED)
		return -EINVAL;
	size = device_record_size(device, &elen, &nlen);
	if (size < 0)
		return size;
	b = begin(buf, cap, type, 0, (size_t)size, &r);
	if (!b)
		return r;
	put_device_record(b, device, elen, nlen);
	return (int)WIRE_HEADER_SIZE + size;
}

int wire_encode_shutdown(void *buf, size_t cap, uint32_t reason)
{
	return encode_u32(buf, cap, WIRE_EVENT_SHUTDOWN, 0, reason);
}

int wire_encode_property(void *buf, size_t cap, uint32_t serial, uint32_t device, uint32_t stream,
			 const void *in, uint32_t in_size, uint32_t value_size)
{
	uint8_t *b;
	int r;

	if (!in || in_size < KSPROPERTY_SIZE || in_size > WIRE_MAX_PROPERTY_IN ||
	    value_size > WIRE_MAX_PROPERTY_VALUE)
		return -EINVAL;
	b = begin(buf, cap, WIRE_PROPERTY, serial, (size_t)PROPERTY_FIXED + in_size + pad4(in_size),
		  &r);
	if (!b)
		return r;
	put_u32(b, device);
	put_u32(b + 4, stream);
	put_u32(b + 8, value_size);
	put_u32(b + 12, in_size);
	memcpy(b + PROPERTY_FIXED, in, in_size);
	memset(b + PROPERTY_FIXED + in_size, 0, pad4(in_size));
	return (int)(WIRE_HEADER_SIZE + PROPERTY_FIXED + in_size + pad4(in_size));
}

int wire_encode_property_reply(void *buf, size_t cap, uint32_t serial, int32_t status,
			       uint32_t information, const void *data, uint32_t data_size)
{
	uint8_t *b;
	int r;

	if ((data_size > 0 && !data) || data_size > information ||
	    data_size > WIRE_MAX_PROPERTY_VALUE)
		return -EINVAL;
	b = begin(buf, cap, WIRE_PROPERTY_REPLY, serial,
		  (size_t)PROPERTY_REPLY_FIXED + data_size + pad4(data_size), &r);
	if (!b)
		return r;
	put_i32(b, status);
	put_u32(b + 4, information);
	put_u32(b + 8, data_size);
	if (data_size > 0)
		memcpy(b + PROPERTY_REPLY_FIXED, data, data_size);
	memset(b + PROPERTY_REPLY_FIXED + data_size, 0, pad4(data_size));
	return (int)(WIRE_HEADER_SIZE + PROPERTY_REPLY_FIXED + data_size + pad4(data_size));
}

int wire_encode_subscribe(void *buf, size_t cap, uint32_t serial, uint32_t device,
			  const struct wire_filter *filter)
{
	static const struct amod_guid null_guid;
	uint8_t *b;
	uint32_t flags;
	int r;

	if (!filter || (filter->flags & ~WIRE_FILTER_FLAGS))
		return -EINVAL;
	flags = filter->flags;
	b = begin(buf, cap, WIRE_SUBSCRIBE, serial, SUBSCRIBE_SIZE, &r);
	if (!b)
		return r;
	/* Fields whose flag is clear go out as zero: one filter, one encoding. */
	put_u32(b, device);
	put_u32(b + 4, flags);
	put_guid(b + 8, flags & AMOD_FILTER_EVENT ? &filter->event_id : &null_guid);
	put_guid(b + 24, flags & AMOD_FILTER_CLASS ? &filter->class_id : &null_guid);
	put_u32(b + 40, flags & AMOD_FILTER_INSTANCE ? filter->instance_id : 0);
	return (int)(WIRE_HEADER_SIZE + SUBSCRIBE_SIZE);
}

int wire_encode_subscribe_reply(void *buf, size_t cap, uint32_t serial, uint32_t subscription,
				uint32_t device, uint32_t ring_size, uint32_t page_size)
{
	uint8_t *b;
	int r;

	if (subscription == 0 || ring_size == 0 || page_size == 0)
		return -EINVAL;
	b = begin(buf, cap, WIRE_SUBSCRIBE_REPLY, serial, SUBSCRIBE_REPLY_SIZE, &r);
	if (!b)
		return r;
	put_u32(b, subscription);
	put_u32(b + 4, device);
	put_u32(b + 8, ring_size);
	put_u32(b + 12, page_size);
	return (int)(WIRE_HEADER_SIZE + SUBSCRIBE_REPLY_SIZE);
}

int wire_encode_device_info(void *buf, size_t cap, uint32_t serial, uint32_t device)
{
	if (device == 0)
		return -EINVAL;
	return encode_u32(buf, cap, WIRE_DEVICE_INFO, serial, device);
}

int wire_encode_unsubscribe(void *buf, size_t cap, uint32_t serial, uint32_t subscription)
{
	if (subscription == 0)
		return -EINVAL;
	return encode_u32(buf, cap, WIRE_UNSUBSCRIBE, serial, subscription);
}

int wire_encode_open_stream(void *buf, size_t cap, uint32_t serial, uint32_t device,
			    const struct amod_guid *processing_mode)
{
	static const struct amod_guid null_guid;
	uint8_t *b;
	int r;

	b = begin(buf, cap, WIRE_OPEN_STREAM, serial, OPEN_STREAM_SIZE, &r);
	if (!b)
		return r;
	put_u32(b, device);
	put_guid(b + 4, processing_mode ? processing_mode : &null_guid);
	return (int)(WIRE_HEADER_SIZE + OPEN_STREAM_SIZE);
}

int wire_encode_stream_reply(void *buf, size_t cap, uint32_t serial, uint32_t stream)
{
	/* Stream 0 names the filter in PROPERTY, so no stream can have it. */
	if (stream == 0)
		return -EINVAL;
	return encode_u32(buf, cap, WIRE_STREAM_REPLY, serial, stream);
}

int wire_encode_close_stream(void *buf, size_t cap, uint32_t serial, uint32_t stream)
{
	if (stream == 0)
		return -EINVAL;
	return encode_u32(buf, cap, WIRE_CLOSE_STREAM, serial, stream);
}

/*
 * Parses and validates one device record at p (avail bytes left in the body). Returns the
 * record's size, or -EBADMSG. Reads nothing outside [p, p + avail).
 */
static int parse_device_record(const uint8_t *p, size_t avail, struct wire_device *ret_device)
{
	uint32_t elen, nlen, size;

	if (avail < DEVICE_RECORD_FIXED)
		return -EBADMSG;
	elen = get_u16(p + 20);
	nlen = get_u16(p + 22);
	if (elen == 0 || elen > WIRE_MAX_STRING || nlen > WIRE_MAX_STRING)
		return -EBADMSG;
	size = DEVICE_RECORD_FIXED + elen + nlen + pad4(elen + nlen);
	if (size > avail)
		return -EBADMSG;
	if (!utf8_valid(p + DEVICE_RECORD_FIXED, elen) ||
	    !utf8_valid(p + DEVICE_RECORD_FIXED + elen, nlen) ||
	    !all_zero(p + DEVICE_RECORD_FIXED + elen + nlen, pad4(elen + nlen)))
		return -EBADMSG;
	ret_device->id = get_u32(p);
	get_guid(p + 4, &ret_device->notification_id);
	ret_device->endpoint_id.data = (const char *)(p + DEVICE_RECORD_FIXED);
	ret_device->endpoint_id.len = (uint16_t)elen;
	ret_device->name.data = (const char *)(p + DEVICE_RECORD_FIXED + elen);
	ret_device->name.len = (uint16_t)nlen;
	return (int)size;
}

/*
 * HELLO and HELLO_REPLY of another major: only major and minor are known to mean the same in
 * every version, so the rest is filled only when its size matches 1.x, and never validated.
 */
static int decode_hello(const uint8_t *b, uint32_t body, struct wire_msg *m)
{
	bool reply = m->hdr.type == WIRE_HELLO_REPLY;
	uint16_t major;

	if (body < HELLO_VERSION_SIZE)
		return -EBADMSG;
	major = get_u16(b);
	if (major != WIRE_VERSION_MAJOR) {
		if (reply) {
			m->hello_reply.major = major;
			m->hello_reply.minor = get_u16(b + 2);
			if (body == HELLO_REPLY_SIZE) {
				m->hello_reply.access = get_u32(b + 4);
				m->hello_reply.ring_size = get_u32(b + 8);
			}
		} else {
			m->hello.major = major;
			m->hello.minor = get_u16(b + 2);
			if (body == HELLO_SIZE)
				m->hello.flags = get_u32(b + 4);
		}
		return -EPROTONOSUPPORT;
	}
	if (!reply) {
		if (body != HELLO_SIZE)
			return -EBADMSG;
		m->hello.major = major;
		m->hello.minor = get_u16(b + 2);
		m->hello.flags = get_u32(b + 4);
		return m->hello.flags == 0 ? 0 : -EBADMSG;
	}
	if (body != HELLO_REPLY_SIZE)
		return -EBADMSG;
	m->hello_reply.major = major;
	m->hello_reply.minor = get_u16(b + 2);
	m->hello_reply.access = get_u32(b + 4);
	m->hello_reply.ring_size = get_u32(b + 8);
	return hello_reply_valid(m->hello_reply.access, m->hello_reply.ring_size) ? 0 : -EBADMSG;
}

static int decode_body(const uint8_t *b, uint32_t body, struct wire_msg *m)
{
	uint32_t n;
	int r;

	switch (m->hdr.type) {
	case WIRE_HELLO:
	case WIRE_HELLO_REPLY:
		return decode_hello(b, body, m);

	case WIRE_LIST_DEVICES:
	case WIRE_OK:
		return body == 0 ? 0 : -EBADMSG;

	case WIRE_ERROR:
		if (body != ERROR_SIZE)
			return -EBADMSG;
		m->error.status = get_i32(b);
		return amod_status_ok(m->error.status) ? -EBADMSG : 0;

	case WIRE_DEVICE_LIST: {
		const uint8_t *p;
		size_t left;

		if (body < DEVICE_LIST_FIXED)
			return -EBADMSG;
		n = get_u32(b);
		if (n > WIRE_MAX_DEVICES)
			return -EBADMSG;
		p = b + DEVICE_LIST_FIXED;
		left = body - DEVICE_LIST_FIXED;
		for (uint32_t i = 0; i < n; i++) {
			struct wire_device d;

			r = parse_device_record(p, left, &d);
			if (r < 0)
				return r;
			p += r;
			left -= (size_t)r;
		}
		if (left != 0)
			return -EBADMSG;
		m->device_list.count = n;
		m->device_list.records = b + DEVICE_LIST_FIXED;
		m->device_list.records_size = body - DEVICE_LIST_FIXED;
		return 0;
	}

	case WIRE_EVENT_DEVICE_ADDED:
	case WIRE_EVENT_DEVICE_REMOVED:
		r = parse_device_record(b, body, &m->device_event);
		if (r < 0)
			return r;
		return (uint32_t)r == body ? 0 : -EBADMSG;

	case WIRE_PROPERTY:
		if (body < PROPERTY_FIXED)
			return -EBADMSG;
		m->property.device = get_u32(b);
		m->property.stream = get_u32(b + 4);
		m->property.value_size = get_u32(b + 8);
		n = get_u32(b + 12);
		if (n < KSPROPERTY_SIZE || n > WIRE_MAX_PROPERTY_IN ||
		    m->property.value_size > WIRE_MAX_PROPERTY_VALUE)
			return -EBADMSG;
		/* n is bounded above, so the sum cannot wrap. */
		if (body != PROPERTY_FIXED + n + pad4(n) ||
		    !all_zero(b + PROPERTY_FIXED + n, pad4(n)))
			return -EBADMSG;
		m->property.in_size = n;
		m->property.in = b + PROPERTY_FIXED;
		return 0;

	case WIRE_PROPERTY_REPLY:
		if (body < PROPERTY_REPLY_FIXED)
			return -EBADMSG;
		m->property_reply.status = get_i32(b);
		m->property_reply.information = get_u32(b + 4);
		n = get_u32(b + 8);
		if (n > m->property_reply.information || n > WIRE_MAX_PROPERTY_VALUE)
			return -EBADMSG;
		if (body != PROPERTY_REPLY_FIXED + n + pad4(n) ||
		    !all_zero(b + PROPERTY_REPLY_FIXED + n, pad4(n)))
			return -EBADMSG;
		m->property_reply.data_size = n;
		m->property_reply.data = n ? b + PROPERTY_REPLY_FIXED : NULL;
		return 0;

	case WIRE_SUBSCRIBE: {
		struct wire_filter *f = &m->subscribe.filter;

		if (body != SUBSCRIBE_SIZE)
			return -EBADMSG;
		m->subscribe.device = get_u32(b);
		f->flags = get_u32(b + 4);
		if (f->flags & ~WIRE_FILTER_FLAGS)
			return -EBADMSG;
		if ((!(f->flags & AMOD_FILTER_EVENT) && !all_zero(b + 8, GUID_SIZE)) ||
		    (!(f->flags & AMOD_FILTER_CLASS) && !all_zero(b + 24, GUID_SIZE)) ||
		    (!(f->flags & AMOD_FILTER_INSTANCE) && !all_zero(b + 40, 4)))
			return -EBADMSG;
		get_guid(b + 8, &f->event_id);
		get_guid(b + 24, &f->class_id);
		f->instance_id = get_u32(b + 40);
		return 0;
	}

	case WIRE_SUBSCRIBE_REPLY:
		if (body != SUBSCRIBE_REPLY_SIZE)
			return -EBADMSG;
		m->subscribe_reply.subscription = get_u32(b);
		m->subscribe_reply.device = get_u32(b + 4);
		m->subscribe_reply.ring_size = get_u32(b + 8);
		m->subscribe_reply.page_size = get_u32(b + 12);
		if (m->subscribe_reply.subscription == 0 || m->subscribe_reply.ring_size == 0 ||
		    m->subscribe_reply.page_size == 0)
			return -EBADMSG;
		return 0;

	case WIRE_UNSUBSCRIBE:
		if (body != ID_SIZE)
			return -EBADMSG;
		m->unsubscribe.subscription = get_u32(b);
		return m->unsubscribe.subscription ? 0 : -EBADMSG;

	case WIRE_DEVICE_INFO:
		if (body != ID_SIZE)
			return -EBADMSG;
		m->device_info.device = get_u32(b);
		return m->device_info.device ? 0 : -EBADMSG;

	case WIRE_OPEN_STREAM:
		if (body != OPEN_STREAM_SIZE)
			return -EBADMSG;
		m->open_stream.device = get_u32(b);
		get_guid(b + 4, &m->open_stream.processing_mode);
		return 0;

	case WIRE_STREAM_REPLY:
	case WIRE_CLOSE_STREAM:
		if (body != ID_SIZE)
			return -EBADMSG;
		/* stream_reply and close_stream share their storage. */
		m->stream_reply.stream = get_u32(b);
		return m->stream_reply.stream ? 0 : -EBADMSG;

	case WIRE_EVENT_SHUTDOWN:
		if (body != ID_SIZE)
			return -EBADMSG;
		m->shutdown.reason = get_u32(b);
		return 0;

	default:
		return -EBADMSG;
	}
}

int wire_decode(const void *buf, size_t len, struct wire_msg *ret_msg)
{
	const uint8_t *p = buf;
	struct wire_msg m;
	int r;

	if (!ret_msg || (!buf && len > 0))
		return -EINVAL;
	if (len > WIRE_MAX_MESSAGE)
		return -EMSGSIZE;
	if (len < WIRE_HEADER_SIZE)
		return -EBADMSG;

	memset(&m, 0, sizeof(m));
	m.hdr.type = get_u16(p);
	m.hdr.flags = get_u16(p + 2);
	m.hdr.size = get_u32(p + 4);
	m.hdr.serial = get_u32(p + 8);
	m.hdr.reserved = get_u32(p + 12);
	if (m.hdr.size != len || m.hdr.flags != 0 || m.hdr.reserved != 0 ||
	    !wire_type_name(m.hdr.type))
		return -EBADMSG;
	if (type_is_event(m.hdr.type) ? m.hdr.serial != 0 : m.hdr.serial == 0)
		return -EBADMSG;

	r = decode_body(p + WIRE_HEADER_SIZE, (uint32_t)(len - WIRE_HEADER_SIZE), &m);
	if (r < 0 && r != -EPROTONOSUPPORT)
		return r;
	*ret_msg = m;
	return r;
}

int wire_device_list_get(const struct wire_msg *msg, uint32_t i, struct wire_device *ret_device)
{
	const uint8_t *p;
	size_t left;
	struct wire_device d;

	if (!msg || !ret_device || msg->hdr.type != WIRE_DEVICE_LIST ||
	    i >= msg->device_list.count || !msg->device_list.records)
		return -EINVAL;
	/* Re-validated on the way: the message may not come from wire_decode(). */
	p = msg->device_list.records;
	left = msg->device_list.records_size;
	for (uint32_t k = 0;; k++) {
		int r = parse_device_record(p, left, &d);

		if (r < 0)
			return -EINVAL;
		if (k == i)
			break;
		p += r;
		left -= (size_t)r;
	}
	*ret_device = d;
	return 0;
}

const char *wire_type_name(uint16_t type)
{
	switch (type) {
	case WIRE_HELLO:
		return "HELLO";
	case WIRE_LIST_DEVICES:
		return "LIST_DEVICES";
	case WIRE_PROPERTY:
		return "PROPERTY";
	case WIRE_SUBSCRIBE:
		return "SUBSCRIBE";
	case WIRE_UNSUBSCRIBE:
		return "UNSUBSCRIBE";
	case WIRE_OPEN_STREAM:
		return "OPEN_STREAM";
	case WIRE_CLOSE_STREAM:
		return "CLOSE_STREAM";
	case WIRE_DEVICE_INFO:
		return "DEVICE_INFO";
	case WIRE_HELLO_REPLY:
		return "HELLO_REPLY";
	case WIRE_ERROR:
		return "ERROR";
	case WIRE_DEVICE_LIST:
		return "DEVICE_LIST";
	case WIRE_PROPERTY_REPLY:
		return "PROPERTY_REPLY";
	case WIRE_SUBSCRIBE_REPLY:
		return "SUBSCRIBE_REPLY";
	case WIRE_STREAM_REPLY:
		return "STREAM_REPLY";
	case WIRE_OK:
		return "OK";
	case WIRE_EVENT_DEVICE_ADDED:
		return "EVENT_DEVICE_ADDED";
	case WIRE_EVENT_DEVICE_REMOVED:
		return "EVENT_DEVICE_REMOVED";
	case WIRE_EVENT_SHUTDOWN:
		return "EVENT_SHUTDOWN";
	default:
		return NULL;
	}
}
