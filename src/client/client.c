/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/un.h>

#include <amod/amod-client.h>
#include <amod/amod-host.h>

#include "common/common-internal.h"
#include "wire/ring.h"
#include "wire/wire.h"

/*
 * The KS layouts the client builds and parses (spec §2). The native face may not include the
 * WDK headers, so the few constants live here and every field is packed by hand.
 */
#define KSPROPERTY_SIZE 24u
#define KSAUDIOMODULE_PROPERTY_SIZE 48u
#define KSAUDIOMODULE_DESCRIPTOR_SIZE 284u
#define KSAUDIOMODULE_NOTIFICATION_SIZE 40u
#define KSMULTIPLE_ITEM_SIZE 8u
#define KSPROPERTY_TYPE_GET 0x00000001u
#define KSPROPERTY_AUDIOMODULE_DESCRIPTORS 1u
#define KSPROPERTY_AUDIOMODULE_COMMAND 2u
#define KSPROPERTY_AUDIOMODULE_NOTIFICATION_DEVICE_ID 3u
#define DESCRIPTOR_NAME_OFFSET 28u
#define DESCRIPTOR_NAME_UNITS 128u

static const struct amod_guid propsetid_audio_module = {
	0xC034FDB0, 0xFF75, 0x47C8, { 0xAA, 0x3C, 0xEE, 0x46, 0x71, 0x6B, 0x50, 0xC6 }
};
static const struct amod_guid notificationid_audio_module = {
	0x9C2220F0, 0xD9A6, 0x4D5C, { 0xA0, 0x36, 0x57, 0x38, 0x57, 0xFD, 0x50, 0xD2 }
};

/* amodd sends at most WIRE_SUBSCRIBE_FDS fds; room for more only so that a peer sending more
 * is seen (and its fds closed) rather than silently truncated. */
#define CLIENT_MAX_FDS 8
#define CLIENT_READ_BUDGET 64u          /* datagrams per read pass */
#define CLIENT_DRAIN_BUDGET 4096u       /* ring entries per subscription per dispatch */
#define CLIENT_DRAIN_ROUNDS 8u
#define CLIENT_EPOLL_EVENTS 64
#define CLIENT_SEND_TRIES 16u
#define CLIENT_DESCRIPTOR_TRIES 4u
#define CLIENT_UNSUBSCRIBE_TIMEOUT_MS 250
#define CLIENT_DEFAULT_RECONNECT_MS 250u
/* A background reconnect (HELLO, device list, re-subscriptions) must finish within this. */
#define CLIENT_RECONNECT_TIMEOUT_MS 2000u

#define DEADLINE_NEVER UINT64_MAX
#define DEADLINE_NOW 0u                  /* do not wait at all (asynchronous sends) */

/* What a reply carried, copied out of the receive buffer (which the next read reuses). */
struct client_reply {
	int error;                           /* transport: 0 or a negative errno */
	int32_t status;                      /* PROPERTY_REPLY, or the ERROR's NTSTATUS */
	uint32_t information;
	void *data;                          /* malloc'ed */
	uint32_t data_size;
	struct amod_client_device *devices;  /* malloc'ed */
	uint32_t n_devices;
	uint32_t id;                         /* subscription or stream */
	uint32_t device;
	uint32_t map_size;
	int fds[WIRE_SUBSCRIBE_FDS];
	uint32_t access;
	uint32_t ring_size;
};

/* A blocking call waiting for its reply; lives on the caller's stack. */
struct client_waiter {
	struct client_waiter *next;
	uint32_t serial;
	uint16_t expect;
	bool done;
	struct client_reply *reply;
};

enum client_pending_kind {
	PENDING_HELLO,
	PENDING_COMMAND,
	PENDING_RESTORE_LIST,
	PENDING_RESTORE_SUBSCRIBE,
};

/* A request whose reply is handled from the read path rather than by a waiting caller. */
struct client_pending {
	struct client_pending *next;
	uint32_t serial;
	enum client_pending_kind kind;
	amod_command_func_t func;
	void *userdata;
	struct amod_subscription *sub;       /* RESTORE_SUBSCRIBE; NULL once it is freed */
};

struct amod_subscription {
	struct amod_client *client;
	struct amod_subscription *prev, *next;
	struct amod_subscription_ops ops;
	void *userdata;
	struct amod_filter filter;           /* AMOD_FILTER_DEVICE removed: the device is ours */
	uint32_t device;
	struct amod_guid device_id;
	char endpoint_id[AMOD_CLIENT_STRING_MAX];
	uint32_t server_id;
	struct ring_reader *reader;          /* NULL while detached (disconnected, device gone) */
	bool woken;                          /* its eventfd polled readable in this dispatch */
	bool draining;                       /* inside client_drain(): the reader must stay */
	bool drop_ring;                      /* drop the reader once draining ends */
	bool gone;                           /* its device was removed: drain, then drop */
	bool readd;                          /* ... and re-subscribe to readd_device after */
	bool restoring;                      /* a re-subscription is in flight */
	bool dead;                           /* freed by the app; memory goes at the next sweep */
	uint32_t readd_device;
	struct amod_guid readd_device_id;
};

struct amod_client {
	char *socket_path;
	bool reconnect;
	uint32_t reconnect_interval_ms;
	void (*state_changed)(struct amod_client *client, enum amod_client_state state, int error,
			      void *userdata);
	void (*device_event)(struct amod_client *client, enum amod_client_device_event event,
			     const struct amod_client_device *device, void *userdata);
	void *userdata;

	int epoll_fd;
	int timer_fd;
	int sock;
	enum amod_client_state state;
	bool hello_done;
	bool reset_pending;                  /* dispatch owes the app one -ECONNRESET */
	bool freeing;
	int last_error;
	uint32_t access;
	uint32_t ring_size;
	uint32_t next_serial;
	unsigned depth;                      /* app callbacks on the stack */
	unsigned restoring;                  /* restore steps in flight */

	struct client_waiter *waiters;
	struct client_pending *pending;
	struct amod_subscription *subs;

	uint8_t *rbuf;
	uint8_t *sbuf;
};

/* Every app callback runs through this: objects freed from inside one are only marked. */
#define CLIENT_CALLBACK(c, call)                                                                   \
	do {                                                                                       \
		(c)->depth++;                                                                      \
		call;                                                                              \
		(c)->depth--;                                                                      \
	} while (0)

static void client_drop(struct amod_client *c, int error);
static int client_read(struct amod_client *c);

static void put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put_le32(uint8_t *p, uint32_t v)
{
	for (unsigned i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint16_t get_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

static uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_guid(uint8_t *p, const struct amod_guid *g)
{
	put_le32(p, g->data1);
	put_le16(p + 4, g->data2);
	put_le16(p + 6, g->data3);
	memcpy(p + 8, g->data4, 8);
}

static void get_guid(const uint8_t *p, struct amod_guid *g)
{
	g->data1 = get_le32(p);
	g->data2 = get_le16(p + 4);
	g->data3 = get_le16(p + 6);
	memcpy(g->data4, p + 8, 8);
}

static void build_ksproperty(uint8_t *p, uint32_t id)
{
	put_guid(p, &propsetid_audio_module);
	put_le32(p + 16, id);
	put_le32(p + 20, KSPROPERTY_TYPE_GET);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t deadline_from_timeout(int timeout_ms)
{
	if (timeout_ms < 0)
		return DEADLINE_NEVER;
	return now_ns() + (uint64_t)timeout_ms * 1000000u;
}

/* poll() timeout until deadline: -1 forever, 0 when passed, rounded up otherwise. */
static int remaining_ms(uint64_t deadline)
{
	uint64_t now, ms;

	if (deadline == DEADLINE_NEVER)
		return -1;
	now = now_ns();
	if (now >= deadline)
		return 0;
	ms = (deadline - now + 999999u) / 1000000u;
	return ms > INT_MAX ? INT_MAX : (int)ms;
}

static void close_fds(int *fds, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
		fds[i] = -1;
	}
}

/* amodd's ERROR statuses as the client's common errors. */
static int error_from_status(int32_t status)
{
	switch (status) {
	case AMOD_STATUS_ACCESS_DENIED:
		return -EACCES;
	case AMOD_STATUS_NOT_FOUND:
		return -ENOENT;
	case AMOD_STATUS_INVALID_PARAMETER:
		return -EINVAL;
	case AMOD_STATUS_INSUFFICIENT_RESOURCES:
		return -ENOMEM;
	case AMOD_STATUS_QUOTA_EXCEEDED:
		return -EDQUOT;
	case AMOD_STATUS_IO_TIMEOUT:
		return -ETIMEDOUT;
	case AMOD_STATUS_INVALID_DEVICE_STATE:
		return -ENODEV;
	default:
		return -EPROTO;
	}
}

/*
 * A failed KSPROPSETID_AudioModule GET as an errno. NOT_FOUND here is the port saying nobody
 * handles the property, not a missing device: keep it apart from the transport's -ENOENT.
 */
static int error_from_property_status(int32_t status)
{
	int r;

	if (status == AMOD_STATUS_NOT_FOUND || status == AMOD_STATUS_INVALID_DEVICE_REQUEST)
		return -EOPNOTSUPP;
	r = amod_status_to_errno(status);
	return r < 0 ? r : -EIO;
}

static void copy_wire_string(char *dst, size_t size, const struct wire_string *s)
{
	size_t n = s->len < size - 1 ? s->len : size - 1;

	if (n)
		memcpy(dst, s->data, n);
	dst[n] = '\0';
}

static void device_from_wire(struct amod_client_device *d, const struct wire_device *w)
{
	memset(d, 0, sizeof(*d));
	d->id = w->id;
	d->notification_id = w->notification_id;
	copy_wire_string(d->endpoint_id, sizeof(d->endpoint_id), &w->endpoint_id);
	copy_wire_string(d->name, sizeof(d->name), &w->name);
}

static void reply_init(struct client_reply *r)
{
	memset(r, 0, sizeof(*r));
	for (unsigned i = 0; i < WIRE_SUBSCRIBE_FDS; i++)
		r->fds[i] = -1;
}

static void reply_clear(struct client_reply *r)
{
	free(r->data);
	free(r->devices);
	close_fds(r->fds, WIRE_SUBSCRIBE_FDS);
	reply_init(r);
}

/* Copies what the caller of a request of reply type expect needs; takes the fds it uses. */
static void reply_take(struct client_reply *r, uint16_t expect, const struct wire_msg *m, int *fds,
		       size_t n_fds)
{
	if (m->hdr.type == WIRE_ERROR) {
		r->status = m->error.status;
		r->error = error_from_status(m->error.status);
		return;
	}
	if (m->hdr.type != expect) {
		log_warning("amod client: expected %s, amodd answered %s", wire_type_name(expect),
			    wire_type_name(m->hdr.type));
		r->error = -EPROTO;
		return;
	}
	switch (expect) {
	case WIRE_HELLO_REPLY:
		if (m->hello_reply.major != WIRE_VERSION_MAJOR) {
			r->error = -EPROTONOSUPPORT;
			return;
		}
		r->access = m->hello_reply.access;
		r->ring_size = m->hello_reply.ring_size;
		break;
	case WIRE_DEVICE_LIST:
		r->devices = calloc(m->device_list.count ? m->device_list.count : 1,
				    sizeof(*r->devices));
		if (!r->devices) {
			r->error = -ENOMEM;
			return;
		}
		for (uint32_t i = 0; i < m->device_list.count; i++) {
			struct wire_device wd;

			if (wire_device_list_get(m, i, &wd) < 0) {
				r->error = -EPROTO;
				return;
			}
			device_from_wire(&r->devices[i], &wd);
		}
		r->n_devices = m->device_list.count;
		break;
	case WIRE_PROPERTY_REPLY:
		r->status = m->property_reply.status;
		r->information = m->property_reply.information;
		if (m->property_reply.data_size) {
			r->data = malloc(m->property_reply.data_size);
			if (!r->data) {
				r->error = -ENOMEM;
				return;
			}
			memcpy(r->data, m->property_reply.data, m->property_reply.data_size);
			r->data_size = m->property_reply.data_size;
		}
		break;
	case WIRE_SUBSCRIBE_REPLY:
		if (n_fds != WIRE_SUBSCRIBE_FDS) {
			log_warning("amod client: SUBSCRIBE_REPLY with %zu fds", n_fds);
			r->error = -EPROTO;
			return;
		}
		for (unsigned i = 0; i < WIRE_SUBSCRIBE_FDS; i++) {
			r->fds[i] = fds[i];
			fds[i] = -1;
		}
		r->id = m->subscribe_reply.subscription;
		r->device = m->subscribe_reply.device;
		r->map_size = m->subscribe_reply.ring_size;
		break;
	case WIRE_STREAM_REPLY:
		r->id = m->stream_reply.stream;
		break;
	default:
		break;
	}
}

static uint32_t client_serial(struct amod_client *c)
{
	uint32_t s = c->next_serial++;

	if (c->next_serial == 0)
		c->next_serial = 1; /* 0 is the events' serial */
	return s;
}

static void client_set_state(struct amod_client *c, enum amod_client_state state, int error)
{
	if (c->state == state)
		return;
	c->state = state;
	if (c->state_changed && !c->freeing)
		CLIENT_CALLBACK(c, c->state_changed(c, state, error, c->userdata));
}

static void client_arm_timer(struct amod_client *c, uint32_t ms)
{
	struct itimerspec its = { 0 };

	if (!ms)
		ms = 1; /* 0 would disarm */
	its.it_value.tv_sec = ms / 1000u;
	its.it_value.tv_nsec = (long)(ms % 1000u) * 1000000L;
	if (timerfd_settime(c->timer_fd, 0, &its, NULL) < 0)
		log_warning("amod client: cannot arm the reconnect timer: %s", strerror(errno));
}

static void client_disarm_timer(struct amod_client *c)
{
	struct itimerspec its = { 0 };
	uint64_t n;

	timerfd_settime(c->timer_fd, 0, &its, NULL);
	/* An expiry already counted would still wake the app once. */
	if (read(c->timer_fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		log_debug("amod client: reading the timer: %s", strerror(errno));
}

/*
 * Sends the message in sbuf. A full socket is waited for (POLLOUT) until deadline;
 * DEADLINE_NOW gives -EAGAIN at once. A dead peer drops the connection: -ECONNRESET.
 */
static int client_send(struct amod_client *c, size_t len, uint64_t deadline)
{
	for (unsigned i = 0; i < CLIENT_SEND_TRIES; i++) {
		struct pollfd pfd;
		ssize_t n;
		int r;

		if (c->sock < 0)
			return -ENOTCONN;
		n = send(c->sock, c->sbuf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n == (ssize_t)len)
			return 0;
		if (n >= 0) {
			/* SEQPACKET sends a datagram whole or not at all: the socket is broken. */
			client_drop(c, -EPROTO);
			return -ECONNRESET;
		}
		if (errno == EINTR)
			continue;
		if (errno == EMSGSIZE || errno == ENOBUFS || errno == ENOMEM)
			return -errno;
		if (errno != EAGAIN && errno != EWOULDBLOCK) {
			log_debug("amod client: send: %s", strerror(errno));
			client_drop(c, -ECONNRESET);
			return -ECONNRESET;
		}
		if (deadline == DEADLINE_NOW)
			return -EAGAIN;
		pfd = (struct pollfd){ .fd = c->sock, .events = POLLOUT };
		r = poll(&pfd, 1, remaining_ms(deadline));
		if (r < 0 && errno != EINTR)
			return -errno;
		if (r == 0)
			return -ETIMEDOUT;
	}
	return -EAGAIN;
}

/* Sends a request nobody waits for (the reply is discarded by serial). */
static void client_send_unsubscribe(struct amod_client *c, uint32_t subscription)
{
	int len;

	if (c->sock < 0 || !c->hello_done)
		return;
	len = wire_encode_unsubscribe(c->sbuf, WIRE_MAX_MESSAGE, client_serial(c), subscription);
	if (len > 0)
		client_send(c, (size_t)len, DEADLINE_NOW);
}

static void client_sub_self_wake(struct amod_subscription *s)
{
	uint64_t one = 1;

	/* Keeps the epoll fd readable, so the next dispatch goes on where this one stopped. */
	if (write(ring_reader_get_fd(s->reader), &one, sizeof(one)) < 0 && errno != EAGAIN)
		log_warning("amod client: cannot wake the ring's eventfd: %s", strerror(errno));
}

static void client_sub_drop_ring(struct amod_subscription *s)
{
	struct amod_client *c = s->client;

	if (!s->reader)
		return;
	if (s->draining) {
		/* The entry being delivered points into the reader: drop it once that is done. */
		s->drop_ring = true;
		return;
	}
	epoll_ctl(c->epoll_fd, EPOLL_CTL_DEL, ring_reader_get_fd(s->reader), NULL);
	ring_reader_free(s->reader);
	s->reader = NULL;
	s->server_id = 0;
	s->woken = false;
	s->drop_ring = false;
	s->gone = false;
}

/* Maps the ring of a SUBSCRIBE_REPLY and starts watching it. Takes the reply's fds. */
static int client_sub_attach(struct amod_client *c, struct amod_subscription *s,
			     struct client_reply *reply)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = s };
	struct ring_reader *reader;
	int r;

	r = ring_reader_new(reply->fds[0], reply->map_size, reply->fds[1], reply->fds[2], &reader);
	for (unsigned i = 0; i < WIRE_SUBSCRIBE_FDS; i++)
		reply->fds[i] = -1; /* ring_reader_new() owns them, even on error */
	if (r < 0) {
		log_warning("amod client: cannot map the ring of device %u: %s", s->device,
			    strerror(-r));
		client_send_unsubscribe(c, reply->id);
		return r == -ENOMEM ? -ENOMEM : -EPROTO;
	}
	if (epoll_ctl(c->epoll_fd, EPOLL_CTL_ADD, ring_reader_get_fd(reader), &ev) < 0) {
		r = -errno;
		ring_reader_free(reader);
		client_send_unsubscribe(c, reply->id);
		return r;
	}
	s->reader = reader;
	s->server_id = reply->id;
	s->device = reply->device;
	if (ring_reader_prepare_wait(reader) > 0)
		client_sub_self_wake(s);
	return 0;
}

static void client_ready(struct amod_client *c)
{
	client_disarm_timer(c);
	client_set_state(c, AMOD_CLIENT_READY, 0);
}

static void client_restore_step_done(struct amod_client *c)
{
	if (c->restoring)
		c->restoring--;
	if (!c->restoring && c->hello_done && c->state == AMOD_CLIENT_CONNECTING)
		client_ready(c);
}

/* Re-subscribes s to device (asynchronously); the reply attaches the new ring. */
static int client_restore_subscription(struct amod_client *c, struct amod_subscription *s,
				       uint32_t device, const struct amod_guid *device_id)
{
	struct wire_filter wf = {
		.flags = s->filter.flags,
		.event_id = s->filter.event_id,
		.class_id = s->filter.class_id,
		.instance_id = s->filter.instance_id,
	};
	struct client_pending *p;
	uint32_t serial = client_serial(c);
	int len, r;

	len = wire_encode_subscribe(c->sbuf, WIRE_MAX_MESSAGE, serial, device, &wf);
	if (len < 0)
		return len;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	r = client_send(c, (size_t)len, DEADLINE_NOW);
	if (r < 0) {
		free(p);
		return r;
	}
	p->serial = serial;
	p->kind = PENDING_RESTORE_SUBSCRIBE;
	p->sub = s;
	p->next = c->pending;
	c->pending = p;
	s->device = device;
	s->device_id = *device_id;
	s->restoring = true;
	c->restoring++;
	return 0;
}

static bool client_sub_needs_restore(const struct amod_subscription *s)
{
	return !s->dead && !s->reader && !s->restoring && s->endpoint_id[0];
}

static void client_restore_from_list(struct amod_client *c, const struct client_reply *reply)
{
	for (struct amod_subscription *s = c->subs; s && c->sock >= 0; s = s->next) {
		const struct amod_client_device *d = NULL;
		int r;

		if (!client_sub_needs_restore(s))
			continue;
		for (uint32_t i = 0; i < reply->n_devices && !d; i++)
			if (strcmp(reply->devices[i].endpoint_id, s->endpoint_id) == 0)
				d = &reply->devices[i];
		if (!d) {
			log_info("amod client: device '%s' is gone; its subscription waits for it",
				 s->endpoint_id);
			continue;
		}
		r = client_restore_subscription(c, s, d->id, &d->notification_id);
		if (r < 0)
			log_warning("amod client: cannot re-subscribe to '%s': %s", s->endpoint_id,
				    strerror(-r));
	}
}

/* HELLO accepted: bring the subscriptions back (if any), then READY. */
static void client_hello_done(struct amod_client *c, const struct client_reply *reply)
{
	struct client_pending *p;
	bool need = false;
	uint32_t serial;
	int len;

	c->hello_done = true;
	c->access = reply->access;
	c->ring_size = reply->ring_size;
	for (struct amod_subscription *s = c->subs; s; s = s->next)
		need = need || client_sub_needs_restore(s);
	if (!need) {
		client_ready(c);
		return;
	}
	serial = client_serial(c);
	len = wire_encode_list_devices(c->sbuf, WIRE_MAX_MESSAGE, serial);
	p = calloc(1, sizeof(*p));
	if (len < 0 || !p || client_send(c, (size_t)len, DEADLINE_NOW) < 0) {
		free(p);
		if (c->sock >= 0) {
			log_warning("amod client: cannot restore the subscriptions");
			client_ready(c);
		}
		return;
	}
	p->serial = serial;
	p->kind = PENDING_RESTORE_LIST;
	p->next = c->pending;
	c->pending = p;
	c->restoring++;
}

static uint16_t pending_expect(enum client_pending_kind kind)
{
	switch (kind) {
	case PENDING_HELLO:
		return WIRE_HELLO_REPLY;
	case PENDING_COMMAND:
		return WIRE_PROPERTY_REPLY;
	case PENDING_RESTORE_LIST:
		return WIRE_DEVICE_LIST;
	case PENDING_RESTORE_SUBSCRIBE:
		return WIRE_SUBSCRIBE_REPLY;
	}
	return 0;
}

static void client_handle_pending(struct amod_client *c, struct client_pending *p,
				  const struct wire_msg *m, int *fds, size_t n_fds)
{
	struct amod_command_result result = { 0 };
	struct client_reply reply;
	int r;

	reply_init(&reply);
	reply_take(&reply, pending_expect(p->kind), m, fds, n_fds);
	switch (p->kind) {
	case PENDING_HELLO:
		if (reply.error < 0)
			client_drop(c, reply.error);
		else
			client_hello_done(c, &reply);
		break;
	case PENDING_COMMAND:
		result.transport = reply.error;
		if (!reply.error) {
			result.status = reply.status;
			result.information = reply.information;
			result.data = reply.data;
			result.size = reply.data_size;
		}
		if (p->func)
			CLIENT_CALLBACK(c, p->func(c, &result, p->userdata));
		break;
	case PENDING_RESTORE_LIST:
		if (reply.error < 0)
			log_warning("amod client: cannot list devices to restore subscriptions: %s",
				    strerror(-reply.error));
		else
			client_restore_from_list(c, &reply);
		client_restore_step_done(c);
		break;
	case PENDING_RESTORE_SUBSCRIBE:
		if (p->sub)
			p->sub->restoring = false;
		if (reply.error < 0) {
			log_warning("amod client: re-subscribing failed: %s",
				    strerror(-reply.error));
		} else if (!p->sub || p->sub->dead || p->sub->reader || c->sock < 0) {
			client_send_unsubscribe(c, reply.id);
		} else {
			r = client_sub_attach(c, p->sub, &reply);
			if (r < 0)
				log_warning("amod client: re-subscribing failed: %s", strerror(-r));
		}
		client_restore_step_done(c);
		break;
	}
	reply_clear(&reply);
	free(p);
}

/* A reply nobody waits for any more (a blocking call timed out): undo what it created. */
static void client_handle_late(struct amod_client *c, const struct wire_msg *m)
{
	int len;

	log_debug("amod client: discarding late %s (serial %u)", wire_type_name(m->hdr.type),
		  m->hdr.serial);
	if (m->hdr.type == WIRE_SUBSCRIBE_REPLY) {
		client_send_unsubscribe(c, m->subscribe_reply.subscription);
	} else if (m->hdr.type == WIRE_STREAM_REPLY && c->hello_done) {
		len = wire_encode_close_stream(c->sbuf, WIRE_MAX_MESSAGE, client_serial(c),
					       m->stream_reply.stream);
		if (len > 0)
			client_send(c, (size_t)len, DEADLINE_NOW);
	}
}

static void client_handle_event(struct amod_client *c, const struct wire_msg *m)
{
	enum amod_client_device_event event;
	struct amod_client_device d;

	switch (m->hdr.type) {
	case WIRE_EVENT_DEVICE_ADDED:
		event = AMOD_CLIENT_DEVICE_ADDED;
		device_from_wire(&d, &m->device_event);
		for (struct amod_subscription *s = c->subs; s && c->reconnect; s = s->next) {
			if (s->dead || strcmp(s->endpoint_id, d.endpoint_id) != 0)
				continue;
			if (s->gone) {
				/* Still draining the old ring: re-subscribe once it is dropped. */
				s->readd = true;
				s->readd_device = d.id;
				s->readd_device_id = d.notification_id;
			} else if (client_sub_needs_restore(s)) {
				if (client_restore_subscription(c, s, d.id, &d.notification_id) < 0)
					log_warning("amod client: cannot re-subscribe to '%s'",
						    s->endpoint_id);
			}
		}
		break;
	case WIRE_EVENT_DEVICE_REMOVED:
		event = AMOD_CLIENT_DEVICE_REMOVED;
		device_from_wire(&d, &m->device_event);
		for (struct amod_subscription *s = c->subs; s; s = s->next) {
			if (s->dead || !s->reader || s->device != d.id)
				continue;
			/* What the ring still holds is delivered before it goes. */
			s->gone = true;
			s->readd = false;
			client_sub_self_wake(s);
		}
		break;
	case WIRE_EVENT_SHUTDOWN:
		log_info("amod client: amodd is shutting down (reason %u)", m->shutdown.reason);
		client_drop(c, -ECONNRESET);
		return;
	default:
		return;
	}
	if (c->device_event)
		CLIENT_CALLBACK(c, c->device_event(c, event, &d, c->userdata));
}

static void client_handle_message(struct amod_client *c, const struct wire_msg *m, int *fds,
				  size_t n_fds)
{
	uint16_t type = m->hdr.type;

	if (type >= WIRE_EVENT_DEVICE_ADDED) {
		client_handle_event(c, m);
		return;
	}
	if (type < WIRE_HELLO_REPLY) {
		log_warning("amod client: amodd sent a request (%s)", wire_type_name(type));
		client_drop(c, -EPROTO);
		return;
	}
	for (struct client_waiter *w = c->waiters; w; w = w->next) {
		if (!w->done && w->serial == m->hdr.serial) {
			reply_take(w->reply, w->expect, m, fds, n_fds);
			w->done = true;
			return;
		}
	}
	for (struct client_pending **pp = &c->pending; *pp; pp = &(*pp)->next) {
		struct client_pending *p = *pp;

		if (p->serial == m->hdr.serial) {
			*pp = p->next;
			client_handle_pending(c, p, m, fds, n_fds);
			return;
		}
	}
	client_handle_late(c, m);
}

/*
 * Reads and handles the pending datagrams (at most CLIENT_READ_BUDGET). Returns -ECONNRESET if
 * the connection went away meanwhile, else 0.
 */
static int client_read(struct amod_client *c)
{
	for (unsigned i = 0; i < CLIENT_READ_BUDGET; i++) {
		union {
			struct cmsghdr align;
			char buf[CMSG_SPACE(sizeof(int) * CLIENT_MAX_FDS)];
		} control;
		struct iovec iov = { .iov_base = c->rbuf, .iov_len = WIRE_MAX_MESSAGE };
		struct msghdr mh = {
			.msg_iov = &iov,
			.msg_iovlen = 1,
			.msg_control = control.buf,
			.msg_controllen = sizeof(control.buf),
		};
		int fds[CLIENT_MAX_FDS];
		size_t n_fds = 0;
		struct wire_msg msg;
		ssize_t n;
		int r;

		if (c->sock < 0)
			return -ECONNRESET;
		n = recvmsg(c->sock, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			if (errno == EINTR)
				continue;
			log_debug("amod client: recvmsg: %s", strerror(errno));
			client_drop(c, -ECONNRESET);
			return -ECONNRESET;
		}
		for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
			size_t k;

			if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
				continue;
			k = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			for (size_t j = 0; j < k; j++) {
				int fd;

				memcpy(&fd, CMSG_DATA(cm) + j * sizeof(int), sizeof(int));
				if (n_fds < CLIENT_MAX_FDS)
					fds[n_fds++] = fd;
				else
					close(fd);
			}
		}
		if (n == 0) {
			close_fds(fds, n_fds);
			log_debug("amod client: amodd closed the connection");
			client_drop(c, -ECONNRESET);
			return -ECONNRESET;
		}
		if (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) {
			close_fds(fds, n_fds);
			log_warning("amod client: truncated message from amodd");
			client_drop(c, -EPROTO);
			return -ECONNRESET;
		}
		r = wire_decode(c->rbuf, (size_t)n, &msg);
		if (r < 0 && !(r == -EPROTONOSUPPORT && msg.hdr.type == WIRE_HELLO_REPLY)) {
			close_fds(fds, n_fds);
			log_warning("amod client: malformed message from amodd: %s", strerror(-r));
			client_drop(c, -EPROTO);
			return -ECONNRESET;
		}
		/* Callbacks may run in here and read into rbuf again: msg is dead afterwards. */
		client_handle_message(c, &msg, fds, n_fds);
		close_fds(fds, n_fds);
	}
	return c->sock < 0 ? -ECONNRESET : 0;
}

/* Connection lost (or refused during HELLO). Subscriptions stay, without their rings. */
static void client_drop(struct amod_client *c, int error)
{
	struct client_pending *pending;
	bool was_up;

	if (c->sock < 0)
		return;
	was_up = c->hello_done;
	epoll_ctl(c->epoll_fd, EPOLL_CTL_DEL, c->sock, NULL);
	close(c->sock);
	c->sock = -1;
	c->hello_done = false;
	c->access = 0;
	c->restoring = 0;
	c->last_error = error;
	for (struct amod_subscription *s = c->subs; s; s = s->next) {
		client_sub_drop_ring(s);
		s->restoring = false;
		s->readd = false;
	}
	for (struct client_waiter *w = c->waiters; w; w = w->next) {
		if (!w->done) {
			reply_clear(w->reply);
			w->reply->error = -ECONNRESET;
			w->done = true;
		}
	}
	pending = c->pending;
	c->pending = NULL;
	if (c->freeing) {
		while (pending) {
			struct client_pending *p = pending;

			pending = p->next;
			free(p);
		}
		return;
	}
	log_debug("amod client: disconnected: %s", strerror(-error));
	if (was_up)
		c->reset_pending = true;
	if (c->reconnect)
		client_arm_timer(c, c->reconnect_interval_ms);
	client_set_state(c, AMOD_CLIENT_DISCONNECTED, error);
	while (pending) {
		struct client_pending *p = pending;

		pending = p->next;
		if (p->kind == PENDING_COMMAND && p->func) {
			struct amod_command_result result = { .transport = -ECONNRESET };

			CLIENT_CALLBACK(c, p->func(c, &result, p->userdata));
		}
		free(p);
	}
}

/* Opens the socket and sends HELLO; the reply is handled by the read path. */
static int client_start_connect(struct amod_client *c)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &c->sock };
	struct client_pending *p = NULL;
	int bufsize = (int)(2 * WIRE_MAX_MESSAGE);
	uint32_t serial;
	size_t path_len = strlen(c->socket_path);
	ssize_t n;
	int fd, len, r;

	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	/* Capped by net.core.[rw]mem_max; the doubled default still holds a whole message. */
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bufsize, sizeof(bufsize)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bufsize, sizeof(bufsize)) < 0)
		log_debug("amod client: cannot size the socket buffers: %s", strerror(errno));
	memcpy(sa.sun_path, c->socket_path, path_len + 1);
	if (connect(fd, (struct sockaddr *)&sa,
		    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + path_len + 1)) < 0) {
		r = -errno;
		log_debug("amod client: connect to '%s': %s", c->socket_path, strerror(-r));
		goto fail;
	}
	serial = client_serial(c);
	len = wire_encode_hello(c->sbuf, WIRE_MAX_MESSAGE, serial);
	if (len < 0) {
		r = len;
		goto fail;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		r = -ENOMEM;
		goto fail;
	}
	n = send(fd, c->sbuf, (size_t)len, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (n != len) {
		r = n < 0 ? (errno == EPIPE ? -ECONNRESET : -errno) : -EIO;
		goto fail;
	}
	if (epoll_ctl(c->epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		r = -errno;
		goto fail;
	}
	c->sock = fd;
	p->serial = serial;
	p->kind = PENDING_HELLO;
	p->next = c->pending;
	c->pending = p;
	return 0;

fail:
	free(p);
	close(fd);
	return r;
}

/*
 * Handles incoming messages until the waiter is done (or, without one, until CONNECTING is
 * over), the connection goes or the deadline passes. Only the socket is polled: ring
 * notifications wait for dispatch.
 */
static int client_wait(struct amod_client *c, struct client_waiter *w, uint64_t deadline)
{
	for (;;) {
		struct pollfd pfd;
		int r;

		if (w ? w->done : c->state != AMOD_CLIENT_CONNECTING)
			return 0;
		if (c->sock < 0)
			return -ECONNRESET;
		pfd = (struct pollfd){ .fd = c->sock, .events = POLLIN };
		r = poll(&pfd, 1, remaining_ms(deadline));
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (r == 0)
			return -ETIMEDOUT;
		client_read(c);
	}
}

/*
 * Sends the request in sbuf (serial, len) and waits for its reply of type expect (or ERROR).
 * Returns the transport result; on 0, reply holds what the reply carried (the caller clears
 * it). need_ready: the app's calls need READY; internal ones only a finished HELLO.
 */
static int client_call(struct amod_client *c, uint32_t serial, int len, uint16_t expect,
		       uint64_t deadline, bool need_ready, struct client_reply *reply)
{
	struct client_waiter w = { .serial = serial, .expect = expect, .reply = reply };
	int r;

	reply_init(reply);
	if (len < 0)
		return len;
	if (c->sock < 0 || !c->hello_done || (need_ready && c->state != AMOD_CLIENT_READY))
		return -ENOTCONN;
	w.next = c->waiters;
	/* Unlinked below before w goes out of scope. */
	// cppcheck-suppress autoVariables
	c->waiters = &w;
	r = client_send(c, (size_t)len, deadline);
	if (r >= 0)
		r = client_wait(c, &w, deadline);
	for (struct client_waiter **wp = &c->waiters; *wp; wp = &(*wp)->next) {
		if (*wp == &w) {
			*wp = w.next;
			break;
		}
	}
	if (r >= 0 && !w.done)
		r = -ECONNRESET;
	if (r >= 0)
		r = reply->error;
	if (r < 0) {
		int32_t status = reply->status;

		reply_clear(reply);
		reply->status = status;
		reply->error = r;
	}
	return r;
}

/* Frees subscriptions the app freed from inside a callback, once no callback is running. */
static void client_sweep(struct amod_client *c)
{
	struct amod_subscription *s, *next;

	if (c->depth)
		return;
	for (s = c->subs; s; s = next) {
		next = s->next;
		if (!s->dead)
			continue;
		client_sub_drop_ring(s);
		if (s->prev)
			s->prev->next = s->next;
		else
			c->subs = s->next;
		if (s->next)
			s->next->prev = s->prev;
		free(s);
	}
}

/* The same resolution as amodd's (amod_default_socket_path()), so both meet without options. */
static int client_resolve_socket_path(const char *explicit, char **ret_path)
{
	char buf[sizeof(((struct sockaddr_un *)NULL)->sun_path)];
	char *path;

	if (explicit) {
		if (!*explicit || strlen(explicit) >= sizeof(buf))
			return -EINVAL;
		path = strdup(explicit);
	} else {
		if (amod_default_socket_path(buf, sizeof(buf)) < 0)
			return -EINVAL; /* too long for a sockaddr_un */
		path = strdup(buf);
	}
	if (!path)
		return -ENOMEM;
	*ret_path = path;
	return 0;
}

AMOD_API int amod_client_new(const struct amod_client_config *config,
			     struct amod_client **ret_client)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct amod_client *c;
	int r;

	if (!ret_client || (config && config->version < 1))
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->sock = -1;
	c->epoll_fd = -1;
	c->timer_fd = -1;
	c->state = AMOD_CLIENT_DISCONNECTED;
	c->next_serial = 1;
	c->reconnect_interval_ms = CLIENT_DEFAULT_RECONNECT_MS;
	if (config) {
		c->reconnect = config->reconnect;
		if (config->reconnect_interval_ms)
			c->reconnect_interval_ms = config->reconnect_interval_ms;
		c->state_changed = config->state_changed;
		c->device_event = config->device_event;
		c->userdata = config->userdata;
	}
	r = client_resolve_socket_path(config ? config->socket_path : NULL, &c->socket_path);
	if (r < 0)
		goto fail;
	c->rbuf = malloc(WIRE_MAX_MESSAGE);
	c->sbuf = malloc(WIRE_MAX_MESSAGE);
	if (!c->rbuf || !c->sbuf) {
		r = -ENOMEM;
		goto fail;
	}
	c->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	c->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (c->epoll_fd < 0 || c->timer_fd < 0) {
		r = errno == EMFILE || errno == ENFILE ? -errno : -ENOMEM;
		goto fail;
	}
	ev.data.ptr = &c->timer_fd;
	if (epoll_ctl(c->epoll_fd, EPOLL_CTL_ADD, c->timer_fd, &ev) < 0) {
		r = -errno;
		goto fail;
	}
	*ret_client = c;
	return 0;

fail:
	amod_client_free(c);
	return r;
}

AMOD_API struct amod_client *amod_client_free(struct amod_client *client)
{
	struct amod_subscription *s, *next;

	if (!client)
		return NULL;
	client->freeing = true;
	client_drop(client, -ECONNRESET);
	for (s = client->subs; s; s = next) {
		next = s->next;
		s->draining = false;
		client_sub_drop_ring(s);
		free(s);
	}
	if (client->timer_fd >= 0)
		close(client->timer_fd);
	if (client->epoll_fd >= 0)
		close(client->epoll_fd);
	free(client->rbuf);
	free(client->sbuf);
	free(client->socket_path);
	free(client);
	return NULL;
}

AMOD_API int amod_client_connect(struct amod_client *client, int timeout_ms)
{
	uint64_t deadline = deadline_from_timeout(timeout_ms);
	int r;

	if (!client)
		return -EINVAL;
	if (client->sock >= 0)
		return client->state == AMOD_CLIENT_READY ? -EISCONN : -EALREADY;
	client_disarm_timer(client);
	r = client_start_connect(client);
	if (r < 0) {
		if (client->reconnect)
			client_arm_timer(client, client->reconnect_interval_ms);
		return r;
	}
	client->last_error = 0;
	client_set_state(client, AMOD_CLIENT_CONNECTING, 0);
	r = client_wait(client, NULL, deadline);
	if (r < 0 && client->state == AMOD_CLIENT_CONNECTING)
		client_drop(client, r);
	else if (client->state == AMOD_CLIENT_READY)
		r = 0;
	else
		r = client->last_error < 0 ? client->last_error : -ECONNRESET;
	client_sweep(client);
	return r;
}

AMOD_API enum amod_client_state amod_client_get_state(const struct amod_client *client)
{
	return client ? client->state : AMOD_CLIENT_DISCONNECTED;
}

AMOD_API const char *amod_client_get_socket_path(const struct amod_client *client)
{
	return client ? client->socket_path : NULL;
}

AMOD_API uint32_t amod_client_get_access(const struct amod_client *client)
{
	return client && client->hello_done ? client->access : 0;
}

AMOD_API int amod_client_get_fd(const struct amod_client *client)
{
	return client ? client->epoll_fd : -EINVAL;
}

static void client_on_timer(struct amod_client *c)
{
	uint64_t n;
	int r;

	if (read(c->timer_fd, &n, sizeof(n)) != sizeof(n))
		return;
	if (c->sock >= 0) {
		if (c->state == AMOD_CLIENT_CONNECTING) {
			log_info("amod client: amodd did not finish the handshake in time");
			client_drop(c, -ETIMEDOUT);
		}
		return;
	}
	if (!c->reconnect)
		return;
	r = client_start_connect(c);
	if (r < 0) {
		client_arm_timer(c, c->reconnect_interval_ms);
		return;
	}
	client_arm_timer(c, CLIENT_RECONNECT_TIMEOUT_MS > c->reconnect_interval_ms
				    ? CLIENT_RECONNECT_TIMEOUT_MS
				    : c->reconnect_interval_ms);
	c->last_error = 0;
	client_set_state(c, AMOD_CLIENT_CONNECTING, 0);
}

static void client_deliver(struct amod_client *c, struct amod_subscription *s,
			   const struct ring_entry *e)
{
	struct amod_client_notification n;
	struct amod_notification an;

	if (e->kind == RING_ENTRY_DROPPED) {
		if (s->ops.dropped)
			CLIENT_CALLBACK(c, s->ops.dropped(s, e->dropped, s->userdata));
		return;
	}
	an = (struct amod_notification){
		.event_id = e->event_id,
		.device_id = s->device_id,
		.class_id = e->class_id,
		.instance_id = e->instance_id,
		.sequence = e->sequence,
		.timestamp_ns = e->timestamp_ns,
		.data = e->payload,
		.size = e->payload_size,
	};
	if (!s->ops.notification || !amod_filter_match(&s->filter, &an))
		return;
	n = (struct amod_client_notification){
		.device = s->device,
		.device_id = s->device_id,
		.event_id = e->event_id,
		.class_id = e->class_id,
		.instance_id = e->instance_id,
		.sequence = e->sequence,
		.timestamp_ns = e->timestamp_ns,
		.data = e->payload,
		.size = e->payload_size,
	};
	if (amod_guid_equal(&e->event_id, &notificationid_audio_module) && e->payload &&
	    e->payload_size >= KSAUDIOMODULE_NOTIFICATION_SIZE) {
		n.vendor_data = (const uint8_t *)e->payload + KSAUDIOMODULE_NOTIFICATION_SIZE;
		n.vendor_size = e->payload_size - KSAUDIOMODULE_NOTIFICATION_SIZE;
	}
	CLIENT_CALLBACK(c, s->ops.notification(s, &n, s->userdata));
}

/*
 * Delivers what the ring holds. The wake-up is cleared before reading and the waiting flag
 * set after: a record written in between is then either seen by prepare_wait() or wakes the
 * eventfd again, never lost.
 */
static void client_drain(struct amod_client *c, struct amod_subscription *s)
{
	unsigned budget = CLIENT_DRAIN_BUDGET;
	bool armed = false, stopped = false;
	struct ring_entry e;
	int r;

	s->woken = false;
	s->draining = true;
	ring_reader_clear_wake(s->reader);
	for (unsigned round = 0; round < CLIENT_DRAIN_ROUNDS && !armed && !stopped; round++) {
		while (budget) {
			r = ring_reader_next(s->reader, &e);
			if (r == 0)
				break;
			budget--;
			if (r < 0) {
				log_warning("amod client: ring of device %u is corrupt: %s",
					    s->device, strerror(-r));
				continue;
			}
			client_deliver(c, s, &e);
			if (s->dead || s->drop_ring) {
				stopped = true;
				break;
			}
		}
		if (stopped || !budget)
			break;
		armed = ring_reader_prepare_wait(s->reader) == 0;
	}
	s->draining = false;
	if (s->dead || s->drop_ring) {
		client_sub_drop_ring(s);
		return;
	}
	if (s->gone && armed) {
		/* The device is gone: nothing more will come, the ring can go. */
		bool readd = s->readd;

		client_send_unsubscribe(c, s->server_id);
		client_sub_drop_ring(s);
		s->readd = false;
		if (readd && c->hello_done &&
		    client_restore_subscription(c, s, s->readd_device, &s->readd_device_id) < 0)
			log_warning("amod client: cannot re-subscribe to '%s'", s->endpoint_id);
		return;
	}
	if (!armed)
		client_sub_self_wake(s);
}

AMOD_API int amod_client_dispatch(struct amod_client *client)
{
	struct epoll_event events[CLIENT_EPOLL_EVENTS];
	bool timer = false, sock = false;
	int n;

	if (!client)
		return -EINVAL;
	n = epoll_wait(client->epoll_fd, events, CLIENT_EPOLL_EVENTS, 0);
	for (int i = 0; i < n; i++) {
		if (events[i].data.ptr == &client->timer_fd)
			timer = true;
		else if (events[i].data.ptr == &client->sock)
			sock = true;
		else
			((struct amod_subscription *)events[i].data.ptr)->woken = true;
	}
	/*
	 * Only when epoll says so: otherwise every notification wake-up pays a recvmsg() that
	 * finds nothing (a syscall, ~1.3 us on a VM; docs/performance.md). The socket is
	 * level-triggered, so whatever is left unread is reported again.
	 */
	if (sock && client->sock >= 0)
		client_read(client);
	if (timer)
		client_on_timer(client);
	for (struct amod_subscription *s = client->subs; s; s = s->next)
		if (s->reader && !s->dead && !s->draining && (s->woken || s->gone))
			client_drain(client, s);
	client_sweep(client);
	if (client->reset_pending) {
		client->reset_pending = false;
		return -ECONNRESET;
	}
	return 0;
}

static int client_list(struct amod_client *c, uint64_t deadline, bool need_ready,
		       struct client_reply *reply)
{
	uint32_t serial = client_serial(c);

	return client_call(c, serial, wire_encode_list_devices(c->sbuf, WIRE_MAX_MESSAGE, serial),
			   WIRE_DEVICE_LIST, deadline, need_ready, reply);
}

AMOD_API int amod_client_list_devices(struct amod_client *client, int timeout_ms,
				      struct amod_client_device **ret_devices, size_t *ret_count)
{
	struct client_reply reply;
	int r;

	if (!client || !ret_devices || !ret_count)
		return -EINVAL;
	r = client_list(client, deadline_from_timeout(timeout_ms), true, &reply);
	if (r == 0) {
		*ret_devices = reply.devices;
		*ret_count = reply.n_devices;
		reply.devices = NULL;
	}
	reply_clear(&reply);
	client_sweep(client);
	return r;
}

AMOD_API int amod_client_get_device(struct amod_client *client, uint32_t device, int timeout_ms,
				    struct amod_client_device *ret_device)
{
	struct client_reply reply;
	uint32_t serial;
	int r;

	if (!client || !device || !ret_device)
		return -EINVAL;
	serial = client_serial(client);
	r = client_call(client, serial,
			wire_encode_device_info(client->sbuf, WIRE_MAX_MESSAGE, serial, device),
			WIRE_DEVICE_LIST, deadline_from_timeout(timeout_ms), true, &reply);
	if (r == 0 && reply.n_devices != 1)
		r = -EPROTO;
	if (r == 0)
		*ret_device = reply.devices[0];
	reply_clear(&reply);
	client_sweep(client);
	return r;
}

AMOD_API int amod_client_find_device(struct amod_client *client, const char *name, int timeout_ms,
				     struct amod_client_device *ret_device)
{
	const struct amod_client_device *found = NULL;
	struct client_reply reply;
	struct amod_guid id;
	bool is_guid;
	int r;

	if (!client || !name || !*name || !ret_device)
		return -EINVAL;
	is_guid = amod_guid_parse(name, &id) == 0 && !amod_guid_is_null(&id);
	r = client_list(client, deadline_from_timeout(timeout_ms), true, &reply);
	if (r < 0)
		goto out;
	/* An endpoint id wins over a notification id that happens to spell the same. */
	for (uint32_t i = 0; i < reply.n_devices && !found; i++)
		if (strcmp(reply.devices[i].endpoint_id, name) == 0)
			found = &reply.devices[i];
	for (uint32_t i = 0; i < reply.n_devices && !found && is_guid; i++)
		if (amod_guid_equal(&reply.devices[i].notification_id, &id))
			found = &reply.devices[i];
	if (found)
		*ret_device = *found;
	else
		r = -ENOENT;
out:
	reply_clear(&reply);
	client_sweep(client);
	return r;
}

/* One PROPERTY round trip; value_size is the reply room asked for. */
static int client_property_call(struct amod_client *c, uint32_t device, uint32_t stream,
				const void *in, uint32_t in_size, uint32_t value_size,
				uint64_t deadline, struct client_reply *reply)
{
	uint32_t serial = client_serial(c);
	int len, r;

	len = wire_encode_property(c->sbuf, WIRE_MAX_MESSAGE, serial, device, stream, in, in_size,
				   value_size);
	r = client_call(c, serial, len, WIRE_PROPERTY_REPLY, deadline, true, reply);
	if (r == 0 && reply->data_size > value_size) {
		log_warning("amod client: amodd returned %u bytes for a %u-byte buffer",
			    reply->data_size, value_size);
		reply_clear(reply);
		r = -EPROTO;
	}
	return r;
}

static int parse_descriptors(const uint8_t *data, uint32_t size,
			     struct amod_client_module **ret_modules, size_t *ret_count)
{
	struct amod_client_module *modules;
	uint32_t total, count;

	if (!data || size < KSMULTIPLE_ITEM_SIZE)
		return -EPROTO;
	total = get_le32(data);
	count = get_le32(data + 4);
	if (count > (size - KSMULTIPLE_ITEM_SIZE) / KSAUDIOMODULE_DESCRIPTOR_SIZE ||
	    total != KSMULTIPLE_ITEM_SIZE + count * KSAUDIOMODULE_DESCRIPTOR_SIZE) {
		log_warning("amod client: malformed DESCRIPTORS (Size %u, Count %u, %u bytes)",
			    total, count, size);
		return -EPROTO;
	}
	modules = calloc(count ? count : 1, sizeof(*modules));
	if (!modules)
		return -ENOMEM;
	for (uint32_t i = 0; i < count; i++) {
		const uint8_t *p = data + KSMULTIPLE_ITEM_SIZE + i * KSAUDIOMODULE_DESCRIPTOR_SIZE;
		uint16_t name[DESCRIPTOR_NAME_UNITS];

		get_guid(p, &modules[i].class_id);
		modules[i].instance_id = get_le32(p + 16);
		modules[i].version_major = get_le32(p + 20);
		modules[i].version_minor = get_le32(p + 24);
		for (unsigned j = 0; j < DESCRIPTOR_NAME_UNITS; j++)
			name[j] = get_le16(p + DESCRIPTOR_NAME_OFFSET + 2 * j);
		/* At most 127 units: an unterminated name is cut, never an error, and 127 units
		 * always fit AMOD_CLIENT_NAME_MAX. */
		if (amod_utf16_to_utf8(name, DESCRIPTOR_NAME_UNITS - 1, modules[i].name,
				       sizeof(modules[i].name)) < 0) {
			free(modules);
			return -EPROTO;
		}
	}
	*ret_modules = modules;
	*ret_count = count;
	return 0;
}

/* KSPROPERTY_AUDIOMODULE_DESCRIPTORS with the KS two-step size negotiation. */
static int client_descriptors(struct amod_client *c, uint32_t device, uint64_t deadline,
			      struct amod_client_module **ret_modules, size_t *ret_count)
{
	uint8_t prop[KSPROPERTY_SIZE];
	struct client_reply reply;
	uint32_t size = 0;
	int r;

	build_ksproperty(prop, KSPROPERTY_AUDIOMODULE_DESCRIPTORS);
	for (unsigned tries = 0;; tries++) {
		r = client_property_call(c, device, 0, prop, sizeof(prop), size, deadline, &reply);
		if (r < 0)
			return r;
		if (reply.status == AMOD_STATUS_BUFFER_OVERFLOW ||
		    reply.status == AMOD_STATUS_BUFFER_TOO_SMALL) {
			/* The list may grow between the two steps: ask again, a few times. */
			if (tries + 1 >= CLIENT_DESCRIPTOR_TRIES || reply.information <= size ||
			    reply.information < KSMULTIPLE_ITEM_SIZE ||
			    reply.information > WIRE_MAX_PROPERTY_VALUE) {
				log_warning("amod client: DESCRIPTORS size negotiation failed "
					    "(asked %u, told %u)", size, reply.information);
				r = -EPROTO;
				goto out;
			}
			size = reply.information;
			reply_clear(&reply);
			continue;
		}
		if (!amod_status_ok(reply.status)) {
			r = error_from_property_status(reply.status);
			goto out;
		}
		r = parse_descriptors(reply.data, reply.data_size, ret_modules, ret_count);
		goto out;
	}
out:
	reply_clear(&reply);
	return r;
}

AMOD_API int amod_client_find_all(struct amod_client *client, uint32_t device, int timeout_ms,
				  struct amod_client_module **ret_modules, size_t *ret_count)
{
	int r;

	if (!client || !ret_modules || !ret_count)
		return -EINVAL;
	r = client_descriptors(client, device, deadline_from_timeout(timeout_ms), ret_modules,
			       ret_count);
	client_sweep(client);
	return r;
}

AMOD_API int amod_client_find_by_id(struct amod_client *client, uint32_t device,
				    const struct amod_guid *class_id, int timeout_ms,
				    struct amod_client_module **ret_modules, size_t *ret_count)
{
	struct amod_client_module *modules;
	size_t count, kept = 0;
	int r;

	if (!client || !class_id || !ret_modules || !ret_count)
		return -EINVAL;
	r = client_descriptors(client, device, deadline_from_timeout(timeout_ms), &modules, &count);
	client_sweep(client);
	if (r < 0)
		return r;
	for (size_t i = 0; i < count; i++)
		if (amod_guid_equal(&modules[i].class_id, class_id))
			modules[kept++] = modules[i];
	*ret_modules = modules;
	*ret_count = kept;
	return 0;
}

AMOD_API int amod_client_get_notification_id(struct amod_client *client, uint32_t device,
					     int timeout_ms, struct amod_guid *ret_id)
{
	uint8_t prop[KSPROPERTY_SIZE];
	struct client_reply reply;
	int r;

	if (!client || !ret_id)
		return -EINVAL;
	build_ksproperty(prop, KSPROPERTY_AUDIOMODULE_NOTIFICATION_DEVICE_ID);
	r = client_property_call(client, device, 0, prop, sizeof(prop), 16,
				 deadline_from_timeout(timeout_ms), &reply);
	if (r < 0)
		goto out;
	if (!amod_status_ok(reply.status))
		r = error_from_property_status(reply.status);
	else if (reply.data_size != 16)
		r = -EPROTO;
	else
		get_guid(reply.data, ret_id);
out:
	reply_clear(&reply);
	client_sweep(client);
	return r;
}

AMOD_API void amod_command_result_clear(struct amod_command_result *result)
{
	if (!result)
		return;
	free(result->data);
	memset(result, 0, sizeof(*result));
}

/* KSAUDIOMODULE_PROPERTY + cmd, malloc'ed. */
static int build_command(const struct amod_guid *class_id, uint32_t instance_id, const void *cmd,
			 size_t cmd_size, uint8_t **ret_in, uint32_t *ret_size)
{
	uint8_t *in;

	if (!class_id || (!cmd && cmd_size))
		return -EINVAL;
	/* AUDIOMODULE_MAX_DATA_SIZE: the contract's ceiling for module command data. */
	if (cmd_size > 64000)
		return -EMSGSIZE;
	in = calloc(1, KSAUDIOMODULE_PROPERTY_SIZE + cmd_size);
	if (!in)
		return -ENOMEM;
	build_ksproperty(in, KSPROPERTY_AUDIOMODULE_COMMAND);
	put_guid(in + 24, class_id);
	put_le32(in + 40, instance_id);
	if (cmd_size)
		memcpy(in + KSAUDIOMODULE_PROPERTY_SIZE, cmd, cmd_size);
	*ret_in = in;
	*ret_size = (uint32_t)(KSAUDIOMODULE_PROPERTY_SIZE + cmd_size);
	return 0;
}

/* The port clamps a larger buffer too; the module then reports the size it needs. */
static uint32_t clamp_value_size(uint32_t size)
{
	return size > WIRE_MAX_PROPERTY_VALUE ? WIRE_MAX_PROPERTY_VALUE : size;
}

AMOD_API int amod_client_send_command(struct amod_client *client, uint32_t device,
				      const struct amod_guid *class_id, uint32_t instance_id,
				      const void *cmd, size_t cmd_size, uint32_t max_reply,
				      int timeout_ms, struct amod_command_result *ret_result)
{
	struct client_reply reply;
	uint8_t *in = NULL;
	uint32_t in_size;
	int r;

	if (!ret_result)
		return -EINVAL;
	memset(ret_result, 0, sizeof(*ret_result));
	if (!client) {
		ret_result->transport = -EINVAL;
		return -EINVAL;
	}
	r = build_command(class_id, instance_id, cmd, cmd_size, &in, &in_size);
	if (r < 0)
		goto out;
	r = client_property_call(client, device, 0, in, in_size, clamp_value_size(max_reply),
				 deadline_from_timeout(timeout_ms), &reply);
	if (r == 0) {
		ret_result->status = reply.status;
		ret_result->information = reply.information;
		ret_result->data = reply.data;
		ret_result->size = reply.data_size;
		reply.data = NULL;
	}
	reply_clear(&reply);
	client_sweep(client);
out:
	free(in);
	ret_result->transport = r;
	return r;
}

AMOD_API int amod_client_send_command_async(struct amod_client *client, uint32_t device,
					    const struct amod_guid *class_id, uint32_t instance_id,
					    const void *cmd, size_t cmd_size, uint32_t max_reply,
					    amod_command_func_t func, void *userdata)
{
	struct client_pending *p = NULL;
	uint8_t *in = NULL;
	uint32_t in_size, serial;
	int len, r;

	if (!client)
		return -EINVAL;
	r = build_command(class_id, instance_id, cmd, cmd_size, &in, &in_size);
	if (r < 0)
		return r;
	if (client->state != AMOD_CLIENT_READY) {
		r = -ENOTCONN;
		goto out;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		r = -ENOMEM;
		goto out;
	}
	serial = client_serial(client);
	len = wire_encode_property(client->sbuf, WIRE_MAX_MESSAGE, serial, device, 0, in, in_size,
				   clamp_value_size(max_reply));
	if (len < 0) {
		r = len;
		goto out;
	}
	r = client_send(client, (size_t)len, DEADLINE_NOW);
	if (r < 0)
		goto out;
	p->serial = serial;
	p->kind = PENDING_COMMAND;
	p->func = func;
	p->userdata = userdata;
	p->next = client->pending;
	client->pending = p;
	p = NULL;
out:
	free(p);
	free(in);
	return r;
}

AMOD_API int amod_client_property(struct amod_client *client, uint32_t device, uint32_t stream,
				  const void *in, uint32_t in_size, void *out,
				  uint32_t *value_size, int timeout_ms, int32_t *ret_status)
{
	struct client_reply reply;
	int r;

	if (!client || !in || in_size < KSPROPERTY_SIZE || in_size > WIRE_MAX_PROPERTY_IN ||
	    !value_size || (!out && *value_size) || !ret_status)
		return -EINVAL;
	r = client_property_call(client, device, stream, in, in_size,
				 clamp_value_size(*value_size), deadline_from_timeout(timeout_ms),
				 &reply);
	if (r == 0) {
		if (reply.data_size)
			memcpy(out, reply.data, reply.data_size);
		*value_size = reply.information;
		*ret_status = reply.status;
	}
	reply_clear(&reply);
	client_sweep(client);
	return r;
}

AMOD_API int amod_client_open_stream(struct amod_client *client, uint32_t device,
				     const struct amod_guid *processing_mode, int timeout_ms,
				     uint32_t *ret_stream)
{
	static const struct amod_guid null_guid;
	struct client_reply reply;
	uint32_t serial;
	int r;

	if (!client || !ret_stream)
		return -EINVAL;
	serial = client_serial(client);
	r = client_call(client, serial,
			wire_encode_open_stream(client->sbuf, WIRE_MAX_MESSAGE, serial, device,
						processing_mode ? processing_mode : &null_guid),
			WIRE_STREAM_REPLY, deadline_from_timeout(timeout_ms), true, &reply);
	if (r == 0)
		*ret_stream = reply.id;
	reply_clear(&reply);
	client_sweep(client);
	return r;
}

AMOD_API int amod_client_close_stream(struct amod_client *client, uint32_t stream, int timeout_ms)
{
	struct client_reply reply;
	uint32_t serial;
	int r;

	if (!client || !stream)
		return -EINVAL;
	serial = client_serial(client);
	r = client_call(client, serial,
			wire_encode_close_stream(client->sbuf, WIRE_MAX_MESSAGE, serial, stream),
			WIRE_OK, deadline_from_timeout(timeout_ms), true, &reply);
	reply_clear(&reply);
	client_sweep(client);
	return r;
}

AMOD_API int amod_client_subscribe(struct amod_client *client, uint32_t device,
				   const struct amod_filter *filter,
				   const struct amod_subscription_ops *ops, void *userdata,
				   int timeout_ms, struct amod_subscription **ret_subscription)
{
	const uint32_t known = AMOD_FILTER_EVENT | AMOD_FILTER_DEVICE | AMOD_FILTER_CLASS |
			       AMOD_FILTER_INSTANCE;
	uint64_t deadline = deadline_from_timeout(timeout_ms);
	const struct amod_client_device *d = NULL;
	struct amod_subscription *s = NULL;
	struct client_reply reply;
	struct wire_filter wf;
	uint32_t serial;
	int r;

	if (!client || !ops || ops->version < 1 || !ret_subscription ||
	    (filter && (filter->flags & ~known)))
		return -EINVAL;
	/* The endpoint id is what finds the device again after amodd restarts. */
	r = client_list(client, deadline, true, &reply);
	if (r < 0)
		goto out;
	for (uint32_t i = 0; i < reply.n_devices && !d; i++)
		if (reply.devices[i].id == device)
			d = &reply.devices[i];
	if (!d) {
		r = -ENOENT;
		goto out;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		r = -ENOMEM;
		goto out;
	}
	s->client = client;
	s->ops = *ops;
	s->ops.version = AMOD_SUBSCRIPTION_OPS_VERSION;
	s->userdata = userdata;
	if (filter)
		s->filter = *filter;
	s->filter.flags &= ~(uint32_t)AMOD_FILTER_DEVICE;
	s->device = device;
	s->device_id = d->notification_id;
	memcpy(s->endpoint_id, d->endpoint_id, sizeof(s->endpoint_id));
	reply_clear(&reply);

	wf = (struct wire_filter){
		.flags = s->filter.flags,
		.event_id = s->filter.event_id,
		.class_id = s->filter.class_id,
		.instance_id = s->filter.instance_id,
	};
	serial = client_serial(client);
	r = client_call(client, serial,
			wire_encode_subscribe(client->sbuf, WIRE_MAX_MESSAGE, serial, device, &wf),
			WIRE_SUBSCRIBE_REPLY, deadline, true, &reply);
	if (r < 0)
		goto out;
	if (reply.device != device) {
		client_send_unsubscribe(client, reply.id);
		r = -EPROTO;
		goto out;
	}
	r = client_sub_attach(client, s, &reply);
	if (r < 0)
		goto out;
	s->next = client->subs;
	if (client->subs)
		client->subs->prev = s;
	client->subs = s;
	*ret_subscription = s;
	s = NULL;
out:
	free(s);
	reply_clear(&reply);
	client_sweep(client);
	return r;
}

AMOD_API struct amod_subscription *amod_subscription_free(struct amod_subscription *subscription)
{
	struct amod_subscription *s = subscription;
	struct amod_client *c;
	struct client_reply reply;
	uint32_t serial;
	int len;

	if (!s || s->dead)
		return NULL;
	c = s->client;
	/* Marked first: whatever runs during the UNSUBSCRIBE round trip leaves it alone. */
	s->dead = true;
	if (s->reader && s->server_id && c->sock >= 0 && c->hello_done) {
		serial = client_serial(c);
		len = wire_encode_unsubscribe(c->sbuf, WIRE_MAX_MESSAGE, serial, s->server_id);
		client_call(c, serial, len, WIRE_OK,
			    deadline_from_timeout(CLIENT_UNSUBSCRIBE_TIMEOUT_MS), false, &reply);
		reply_clear(&reply);
	}
	for (struct client_pending *p = c->pending; p; p = p->next)
		if (p->sub == s)
			p->sub = NULL;
	client_sub_drop_ring(s);
	client_sweep(c);
	return NULL;
}

AMOD_API uint32_t amod_subscription_get_device(const struct amod_subscription *subscription)
{
	return subscription ? subscription->device : 0;
}
