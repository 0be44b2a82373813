/* SPDX-License-Identifier: MIT */
/*
 * The wire decoder on arbitrary bytes: wire_decode() must never read outside the datagram,
 * and what it accepts must be canonical (docs/wire-protocol.md §1.3): encoding the decoded
 * message again gives the same bytes, into a buffer of exactly that size, and nothing at all
 * into a buffer one byte short. wire_device_list_get() is also fed records it did not see
 * validated, since it re-validates them.
 */
#include <errno.h>

#include "wire/wire.h"

#include "fuzz.h"

/* A NUL-terminated copy of a wire string (the encoders take C strings). */
static char *string_dup(const struct wire_string *s)
{
	char *c = malloc((size_t)s->len + 1);

	FUZZ_CHECK(c);
	memcpy(c, s->data, s->len);
	c[s->len] = 0;
	return c;
}

static void check_device(const struct wire_device *d, const uint8_t *data, size_t size)
{
	/* Views point into the datagram, and strings carry no NUL. */
	FUZZ_CHECK((const uint8_t *)d->endpoint_id.data >= data);
	FUZZ_CHECK((const uint8_t *)d->endpoint_id.data + d->endpoint_id.len <= data + size);
	FUZZ_CHECK((const uint8_t *)d->name.data >= data);
	FUZZ_CHECK((const uint8_t *)d->name.data + d->name.len <= data + size);
	FUZZ_CHECK(d->endpoint_id.len > 0 && d->endpoint_id.len <= WIRE_MAX_STRING);
	FUZZ_CHECK(d->name.len <= WIRE_MAX_STRING);
	FUZZ_CHECK(!memchr(d->endpoint_id.data, 0, d->endpoint_id.len));
	FUZZ_CHECK(!d->name.len || !memchr(d->name.data, 0, d->name.len));
}

/* Encodes m again into buf (cap bytes) with the encoder of its type. */
static int encode(const struct wire_msg *m, const uint8_t *data, size_t size, uint8_t *buf,
		  size_t cap)
{
	const struct wire_header *h = &m->hdr;

	switch (h->type) {
	case WIRE_HELLO:
		return wire_encode_hello(buf, cap, h->serial);
	case WIRE_HELLO_REPLY:
		return wire_encode_hello_reply(buf, cap, h->serial, m->hello_reply.access,
					       m->hello_reply.ring_size);
	case WIRE_ERROR:
		return wire_encode_error(buf, cap, h->serial, m->error.status);
	case WIRE_OK:
		return wire_encode_ok(buf, cap, h->serial);
	case WIRE_LIST_DEVICES:
		return wire_encode_list_devices(buf, cap, h->serial);
	case WIRE_DEVICE_INFO:
		return wire_encode_device_info(buf, cap, h->serial, m->device_info.device);
	case WIRE_DEVICE_LIST: {
		struct wire_device_info *infos = calloc(m->device_list.count + 1, sizeof(*infos));
		int r;

		FUZZ_CHECK(infos);
		for (uint32_t i = 0; i < m->device_list.count; i++) {
			struct wire_device d;

			FUZZ_CHECK(wire_device_list_get(m, i, &d) == 0);
			check_device(&d, data, size);
			infos[i] = (struct wire_device_info){ d.id, d.notification_id,
							      string_dup(&d.endpoint_id),
							      string_dup(&d.name) };
		}
		r = wire_encode_device_list(buf, cap, h->serial, infos, m->device_list.count);
		for (uint32_t i = 0; i < m->device_list.count; i++) {
			free((char *)infos[i].endpoint_id);
			free((char *)infos[i].name);
		}
		free(infos);
		return r;
	}
	case WIRE_EVENT_DEVICE_ADDED:
	case WIRE_EVENT_DEVICE_REMOVED: {
		const struct wire_device *d = &m->device_event;
		struct wire_device_info info = { d->id, d->notification_id,
						 string_dup(&d->endpoint_id),
						 string_dup(&d->name) };
		int r;

		check_device(d, data, size);
		r = wire_encode_device_event(buf, cap, h->type, &info);
		free((char *)info.endpoint_id);
		free((char *)info.name);
		return r;
	}
	case WIRE_EVENT_SHUTDOWN:
		return wire_encode_shutdown(buf, cap, m->shutdown.reason);
	case WIRE_PROPERTY:
		return wire_encode_property(buf, cap, h->serial, m->property.device,
					    m->property.stream, m->property.in, m->property.in_size,
					    m->property.value_size);
	case WIRE_PROPERTY_REPLY:
		return wire_encode_property_reply(buf, cap, h->serial, m->property_reply.status,
						  m->property_reply.information,
						  m->property_reply.data,
						  m->property_reply.data_size);
	case WIRE_SUBSCRIBE:
		return wire_encode_subscribe(buf, cap, h->serial, m->subscribe.device,
					     &m->subscribe.filter);
	case WIRE_SUBSCRIBE_REPLY:
		return wire_encode_subscribe_reply(buf, cap, h->serial,
						   m->subscribe_reply.subscription,
						   m->subscribe_reply.device,
						   m->subscribe_reply.ring_size,
						   m->subscribe_reply.page_size);
	case WIRE_UNSUBSCRIBE:
		return wire_encode_unsubscribe(buf, cap, h->serial, m->unsubscribe.subscription);
	case WIRE_OPEN_STREAM:
		return wire_encode_open_stream(buf, cap, h->serial, m->open_stream.device,
					       &m->open_stream.processing_mode);
	case WIRE_STREAM_REPLY:
		return wire_encode_stream_reply(buf, cap, h->serial, m->stream_reply.stream);
	case WIRE_CLOSE_STREAM:
		return wire_encode_close_stream(buf, cap, h->serial, m->close_stream.stream);
	default:
		FUZZ_CHECK(!"wire_decode() accepted an unknown type");
		return -EINVAL;
	}
}

static void check_canonical(const struct wire_msg *m, const uint8_t *data, size_t size)
{
	uint8_t *buf = malloc(size), *expect = malloc(size);
	int r;

	FUZZ_CHECK(buf && expect);
	memcpy(expect, data, size);
	/* The minor version is informative: the encoders always write their own (0). */
	if (m->hdr.type == WIRE_HELLO || m->hdr.type == WIRE_HELLO_REPLY)
		expect[18] = expect[19] = 0;

	r = encode(m, data, size, buf, size);
	FUZZ_CHECK(r >= 0 && (size_t)r == size);
	FUZZ_CHECK(memcmp(buf, expect, size) == 0);

	/* One byte short: -EMSGSIZE and not a byte written. */
	memset(buf, 0xA5, size);
	r = encode(m, data, size, buf, size - 1);
	FUZZ_CHECK(r == -EMSGSIZE);
	for (size_t i = 0; i < size; i++)
		FUZZ_CHECK(buf[i] == 0xA5);

	free(buf);
	free(expect);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wire_msg m, list;
	struct wire_device d;
	int r;

	/* A copy of exactly size bytes (the fuzzer's own buffer may be larger). */
	uint8_t *copy = malloc(size ? size : 1);

	FUZZ_CHECK(copy);
	if (size)
		memcpy(copy, data, size);

	r = wire_decode(copy, size, &m);
	if (r == 0) {
		FUZZ_CHECK(m.hdr.size == size && m.hdr.flags == 0 && m.hdr.reserved == 0);
		FUZZ_CHECK(wire_type_name(m.hdr.type));
		check_canonical(&m, copy, size);
		if (m.hdr.type == WIRE_DEVICE_LIST) {
			FUZZ_CHECK(m.device_list.count <= WIRE_MAX_DEVICES);
			FUZZ_CHECK(wire_device_list_get(&m, m.device_list.count, &d) == -EINVAL);
		} else {
			FUZZ_CHECK(wire_device_list_get(&m, 0, &d) == -EINVAL);
		}
	} else if (r == -EPROTONOSUPPORT) {
		/* Only HELLO and HELLO_REPLY of another major, still decoded. */
		FUZZ_CHECK(m.hdr.type == WIRE_HELLO || m.hdr.type == WIRE_HELLO_REPLY);
		FUZZ_CHECK(m.hdr.type == WIRE_HELLO ? m.hello.major != WIRE_VERSION_MAJOR
						    : m.hello_reply.major != WIRE_VERSION_MAJOR);
	} else {
		FUZZ_CHECK(r == -EBADMSG || (r == -EMSGSIZE && size > WIRE_MAX_MESSAGE));
	}

	/*
	 * wire_device_list_get() on records wire_decode() never saw (a message may be built by
	 * hand): it must re-validate them and stay inside records_size.
	 */
	if (size >= 4) {
		memset(&list, 0, sizeof(list));
		list.hdr.type = WIRE_DEVICE_LIST;
		list.device_list.count = (uint32_t)copy[0] | (uint32_t)copy[1] << 8;
		list.device_list.records = copy + 4;
		list.device_list.records_size = (uint32_t)(size - 4);
		for (uint32_t i = 0; i < list.device_list.count && i < 64; i++) {
			if (wire_device_list_get(&list, i, &d) < 0)
				break;
			check_device(&d, copy, size);
		}
	}
	free(copy);
	return 0;
}
