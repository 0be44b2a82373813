/* SPDX-License-Identifier: MIT */
/*
 * The client library against a fake amodd: a thread serving a SOCK_SEQPACKET socket in a
 * private directory with the real wire codec, and a real ring (ring.h) whose fds it passes
 * with SCM_RIGHTS. The fake's behaviour is chosen per test; what it saw is recorded for the
 * test to check once the client call that caused it has returned.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cmocka.h>

#include <amod/amod-client.h>

#include "wire/ring.h"
#include "wire/wire.h"

static const struct amod_guid class_a = {
	0xF72E09C3, 0xFEBA, 0x4C50, {0x93, 0xBE, 0x2C, 0xA5, 0x61, 0x23, 0xAF, 0x09}};
static const struct amod_guid class_b = {
	0x11223344, 0x5566, 0x7788, {0x99, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF, 0x00}};
static const struct amod_guid speaker_id = {
	0x0D1E5D0C, 0x1A2B, 0x4C3D, {0x8E, 0x9F, 0xA0, 0xB1, 0xC2, 0xD3, 0xE4, 0xF5}};
static const struct amod_guid module_event = {
	0x9C2220F0, 0xD9A6, 0x4D5C, {0xA0, 0x36, 0x57, 0x38, 0x57, 0xFD, 0x50, 0xD2}};
static const struct amod_guid other_event = {
	0xABCDEF01, 0x2345, 0x6789, {0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF}};
/* {C034FDB0-FF75-47C8-AA3C-EE46716B50C6} in Windows byte order (spec §2.1) */
static const uint8_t audio_module_set[16] = {0xB0, 0xFD, 0x34, 0xC0, 0x75, 0xFF, 0xC8, 0x47,
					     0xAA, 0x3C, 0xEE, 0x46, 0x71, 0x6B, 0x50, 0xC6};

#define STATUS_SUCCESS 0
#define STATUS_BUFFER_OVERFLOW ((int32_t)0x80000005)
#define STATUS_INVALID_PARAMETER ((int32_t)0xC000000D)
#define STATUS_INVALID_DEVICE_REQUEST ((int32_t)0xC0000010)
#define STATUS_ACCESS_DENIED ((int32_t)0xC0000022)
#define STATUS_BUFFER_TOO_SMALL ((int32_t)0xC0000023)
#define STATUS_NOT_FOUND ((int32_t)0xC0000225)

#define DESCRIPTOR_SIZE 284u
#define N_MODULES 3u
#define MODULE0_NAME "\xC3\x89qualiseur \xF0\x9F\x8E\xB5" /* "Équaliseur 🎵": a surrogate pair */
#define MAX_SUBS 64

enum hello_mode { HELLO_OK, HELLO_DENIED, HELLO_OTHER_MAJOR };
enum desc_mode { DESC_OK, DESC_MALFORMED, DESC_GROW };

struct fake {
	/* Held around the test thread's sends and the server thread's close of conn. */
	pthread_mutex_t conn_lock;
	char dir[64];
	char path[128];
	int listen_fd;
	int stop[2];
	pthread_t thread;
	bool started;
	int conn;	      /* __atomic: the test thread sends events on it */
	uint32_t device_base; /* __atomic: "speaker" is base, "mic" base + 1 */
	enum hello_mode hello;
	enum desc_mode desc;
	struct ring_writer *ring; /* the speaker's */
	struct ring_writer_reader *readers[MAX_SUBS + 1];
	uint32_t next_sub;
	uint8_t desc_blob[8 + N_MODULES * DESCRIPTOR_SIZE];

	/* What the fake saw, written before it answers. */
	uint8_t last_in[512];
	uint32_t last_in_size;
	uint32_t last_value_size;
	struct wire_filter last_filter;
	int subscribes;
	int unsubscribes;
	int desc_requests;
	int connections;

	uint8_t in[WIRE_MAX_MESSAGE];
	uint8_t out[WIRE_MAX_MESSAGE];	    /* the fake server thread's */
	uint8_t main_out[WIRE_MAX_MESSAGE]; /* the test's (main thread) own */
};

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

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_guid(uint8_t *p, const struct amod_guid *g)
{
	put32(p, g->data1);
	put16(p + 4, g->data2);
	put16(p + 6, g->data3);
	memcpy(p + 8, g->data4, 8);
}

static void put_descriptor(uint8_t *p, const struct amod_guid *cls, uint32_t instance,
			   uint32_t major, uint32_t minor, const char *name)
{
	uint16_t units[128] = {0};

	assert_true(amod_utf8_to_utf16(name, units, 128) >= 0);
	put_guid(p, cls);
	put32(p + 16, instance);
	put32(p + 20, major);
	put32(p + 24, minor);
	for (int i = 0; i < 128; i++)
		put16(p + 28 + 2 * i, units[i]);
}

static uint32_t fake_base(struct fake *f)
{
	return __atomic_load_n(&f->device_base, __ATOMIC_SEQ_CST);
}

static int fake_conn(struct fake *f)
{
	return __atomic_load_n(&f->conn, __ATOMIC_SEQ_CST);
}

static void fake_close_conn(struct fake *f)
{
	int fd;

	pthread_mutex_lock(&f->conn_lock);
	fd = __atomic_exchange_n(&f->conn, -1, __ATOMIC_SEQ_CST);
	if (fd >= 0)
		close(fd);
	pthread_mutex_unlock(&f->conn_lock);
}

/* A send from the test's thread, never racing a close by the server thread. */
static ssize_t main_sendmsg(struct fake *f, const struct msghdr *mh)
{
	ssize_t n;

	pthread_mutex_lock(&f->conn_lock);
	n = sendmsg(fake_conn(f), mh, MSG_NOSIGNAL);
	pthread_mutex_unlock(&f->conn_lock);
	return n;
}

static ssize_t main_send(struct fake *f, const void *buf, size_t len)
{
	struct iovec iov = { (void *)buf, len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

	return main_sendmsg(f, &mh);
}

static void fake_send(struct fake *f, int len)
{
	if (len > 0)
		send(fake_conn(f), f->out, (size_t)len, MSG_NOSIGNAL);
}

/* From the test's thread: its own buffer, as the server thread may be encoding into out. */
static void fake_send_main(struct fake *f, int len)
{
	if (len > 0)
		main_send(f, f->main_out, (size_t)len);
}

static void fake_property_reply(struct fake *f, uint32_t serial, int32_t status,
				uint32_t information, const void *data, uint32_t size)
{
	fake_send(f, wire_encode_property_reply(f->out, sizeof(f->out), serial, status, information,
						data, size));
}

static void fake_descriptors(struct fake *f, uint32_t serial, uint32_t value_size)
{
	uint32_t required = sizeof(f->desc_blob);
	uint8_t blob[sizeof(f->desc_blob)];
	int n = __atomic_add_fetch(&f->desc_requests, 1, __ATOMIC_SEQ_CST);

	memcpy(blob, f->desc_blob, sizeof(blob));
	if (f->desc == DESC_MALFORMED)
		put32(blob + 4, N_MODULES + 2); /* Count disagrees with Size and the bytes */
	/* As if a module appeared between the size query and the read. */
	if (f->desc == DESC_GROW && n == 1)
		required -= DESCRIPTOR_SIZE;
	if (value_size == 0)
		fake_property_reply(f, serial, STATUS_BUFFER_OVERFLOW, required, NULL, 0);
	else if (value_size < required)
		fake_property_reply(f, serial, STATUS_BUFFER_TOO_SMALL, required, NULL, 0);
	else
		fake_property_reply(f, serial, STATUS_SUCCESS, required, blob, required);
}

static void fake_command(struct fake *f, uint32_t serial, const uint8_t *in, uint32_t in_size,
			 uint32_t value_size)
{
	const uint8_t *cmd = in + 48;
	uint32_t cmd_size = in_size - 48;

	if (in_size < 48) {
		fake_property_reply(f, serial, STATUS_INVALID_PARAMETER, 0, NULL, 0);
		return;
	}
	switch (cmd_size ? cmd[0] : 0) {
	case 'S': /* silent: never answers */
		return;
	case 'D':
		fake_send(f,
			  wire_encode_error(f->out, sizeof(f->out), serial, STATUS_ACCESS_DENIED));
		return;
	case 'F':
		fake_property_reply(f, serial, STATUS_INVALID_PARAMETER, 0, NULL, 0);
		return;
	case 'L': /* late */
		usleep(300 * 1000);
		/* fall through */
	default: /* echo */
		if (value_size == 0 && cmd_size)
			fake_property_reply(f, serial, STATUS_BUFFER_OVERFLOW, cmd_size, NULL, 0);
		else if (value_size < cmd_size)
			fake_property_reply(f, serial, STATUS_BUFFER_TOO_SMALL, cmd_size, NULL, 0);
		else
			fake_property_reply(f, serial, STATUS_SUCCESS, cmd_size, cmd, cmd_size);
	}
}

static void fake_property(struct fake *f, const struct wire_msg *m)
{
	uint32_t base = fake_base(f), id, device = m->property.device;
	uint8_t guid[16];

	f->last_in_size = m->property.in_size;
	memcpy(f->last_in, m->property.in,
	       m->property.in_size < sizeof(f->last_in) ? m->property.in_size : sizeof(f->last_in));
	f->last_value_size = m->property.value_size;
	if (device != base && device != base + 1) {
		fake_send(f, wire_encode_error(f->out, sizeof(f->out), m->hdr.serial,
					       STATUS_NOT_FOUND));
		return;
	}
	id = get32(m->property.in + 16);
	if (memcmp(m->property.in, audio_module_set, 16) != 0) {
		fake_property_reply(f, m->hdr.serial, STATUS_NOT_FOUND, 0, NULL, 0);
	} else if (id == 1) {
		fake_descriptors(f, m->hdr.serial, m->property.value_size);
	} else if (id == 2) {
		fake_command(f, m->hdr.serial, m->property.in, m->property.in_size,
			     m->property.value_size);
	} else if (id == 3 && device == base) {
		put_guid(guid, &speaker_id);
		fake_property_reply(f, m->hdr.serial, STATUS_SUCCESS, 16, guid, 16);
	} else {
		fake_property_reply(f, m->hdr.serial, STATUS_INVALID_DEVICE_REQUEST, 0, NULL, 0);
	}
}

static void fake_subscribe(struct fake *f, const struct wire_msg *m)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * WIRE_SUBSCRIBE_FDS)];
	} control = {0};
	struct ring_writer_reader *reader;
	struct iovec iov = {.iov_base = f->out};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	struct cmsghdr *cm;
	int fds[WIRE_SUBSCRIBE_FDS], len;

	f->last_filter = m->subscribe.filter;
	if (m->subscribe.device != fake_base(f) || f->next_sub >= MAX_SUBS ||
	    ring_writer_add_reader(f->ring, &reader) < 0) {
		fake_send(f, wire_encode_error(f->out, sizeof(f->out), m->hdr.serial,
					       STATUS_NOT_FOUND));
		return;
	}
	f->readers[++f->next_sub] = reader;
	fds[0] = ring_writer_get_fd(f->ring);
	fds[1] = ring_writer_reader_get_page_fd(reader);
	fds[2] = ring_writer_reader_get_event_fd(reader);
	len = wire_encode_subscribe_reply(f->out, sizeof(f->out), m->hdr.serial, f->next_sub,
					  m->subscribe.device, ring_writer_get_map_size(f->ring),
					  RING_PAGE_SIZE);
	iov.iov_len = (size_t)len;
	mh.msg_control = control.buf;
	mh.msg_controllen = sizeof(control.buf);
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(fds));
	memcpy(CMSG_DATA(cm), fds, sizeof(fds));
	__atomic_add_fetch(&f->subscribes, 1, __ATOMIC_SEQ_CST);
	sendmsg(fake_conn(f), &mh, MSG_NOSIGNAL);
}

static void fake_handle(struct fake *f, size_t len)
{
	uint32_t base = fake_base(f);
	struct wire_device_info devices[2] = {
		{base, speaker_id, "speaker", "Speakers"},
		{base + 1, {0}, "mic", "Microphone"},
	};
	struct wire_msg m;
	int r = wire_decode(f->in, len, &m);

	if (r < 0 && r != -EPROTONOSUPPORT) {
		fake_close_conn(f);
		return;
	}
	switch (m.hdr.type) {
	case WIRE_HELLO:
		if (f->hello == HELLO_DENIED) {
			fake_send(f, wire_encode_error(f->out, sizeof(f->out), m.hdr.serial,
						       STATUS_ACCESS_DENIED));
			fake_close_conn(f);
			return;
		}
		r = wire_encode_hello_reply(f->out, sizeof(f->out), m.hdr.serial,
					    WIRE_ACCESS_MONITOR | WIRE_ACCESS_CONTROL,
					    RING_MIN_SIZE);
		if (f->hello == HELLO_OTHER_MAJOR)
			put16(f->out + WIRE_HEADER_SIZE, WIRE_VERSION_MAJOR + 1);
		fake_send(f, r);
		break;
	case WIRE_LIST_DEVICES:
		fake_send(f, wire_encode_device_list(f->out, sizeof(f->out), m.hdr.serial, devices,
						     2));
		break;
	case WIRE_PROPERTY:
		fake_property(f, &m);
		break;
	case WIRE_SUBSCRIBE:
		fake_subscribe(f, &m);
		break;
	case WIRE_UNSUBSCRIBE:
		if (m.unsubscribe.subscription && m.unsubscribe.subscription <= f->next_sub &&
		    f->readers[m.unsubscribe.subscription]) {
			ring_writer_remove_reader(f->ring, f->readers[m.unsubscribe.subscription]);
			f->readers[m.unsubscribe.subscription] = NULL;
		}
		__atomic_add_fetch(&f->unsubscribes, 1, __ATOMIC_SEQ_CST);
		fake_send(f, wire_encode_ok(f->out, sizeof(f->out), m.hdr.serial));
		break;
	case WIRE_OPEN_STREAM:
		fake_send(f, wire_encode_stream_reply(f->out, sizeof(f->out), m.hdr.serial, 42));
		break;
	case WIRE_CLOSE_STREAM:
		fake_send(f, m.close_stream.stream == 42
				     ? wire_encode_ok(f->out, sizeof(f->out), m.hdr.serial)
				     : wire_encode_error(f->out, sizeof(f->out), m.hdr.serial,
							 STATUS_NOT_FOUND));
		break;
	default:
		fake_close_conn(f);
	}
}

static void *fake_run(void *arg)
{
	struct fake *f = arg;

	for (;;) {
		int conn = fake_conn(f);
		struct pollfd p[3] = {
			{.fd = f->stop[0], .events = POLLIN},
			{.fd = f->listen_fd, .events = POLLIN},
			{.fd = conn, .events = POLLIN},
		};
		ssize_t n;

		if (poll(p, conn >= 0 ? 3 : 2, -1) < 0)
			continue;
		if (p[0].revents)
			break;
		if (p[1].revents & POLLIN) {
			int fd = accept4(f->listen_fd, NULL, NULL, SOCK_CLOEXEC);

			if (fd >= 0) {
				fake_close_conn(f);
				__atomic_store_n(&f->conn, fd, __ATOMIC_SEQ_CST);
				__atomic_add_fetch(&f->connections, 1, __ATOMIC_SEQ_CST);
			}
			continue;
		}
		if (conn < 0 || !p[2].revents)
			continue;
		n = recv(conn, f->in, sizeof(f->in), 0);
		if (n <= 0) {
			fake_close_conn(f);
			continue;
		}
		fake_handle(f, (size_t)n);
	}
	fake_close_conn(f);
	return NULL;
}

static void fake_start(struct fake *f)
{
	if (f->started)
		return;
	assert_int_equal(pthread_create(&f->thread, NULL, fake_run, f), 0);
	f->started = true;
}

/* The fake closes its end, as amodd does when it dies. */
static void fake_kick(struct fake *f)
{
	int fd = fake_conn(f);

	assert_true(fd >= 0);
	shutdown(fd, SHUT_RDWR);
}

static int setup(void **state)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct fake *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	strcpy(f->dir, "/tmp/amod-test-client-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/amodd.sock", f->dir);
	pthread_mutex_init(&f->conn_lock, NULL);
	f->conn = -1;
	f->device_base = 1;
	f->listen_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	assert_true(f->listen_fd >= 0);
	strcpy(sa.sun_path, f->path);
	assert_int_equal(bind(f->listen_fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(f->listen_fd, 8), 0);
	assert_int_equal(pipe2(f->stop, O_CLOEXEC), 0);
	assert_int_equal(ring_writer_new(RING_MIN_SIZE, 1, &speaker_id, &f->ring), 0);

	put32(f->desc_blob, sizeof(f->desc_blob));
	put32(f->desc_blob + 4, N_MODULES);
	put_descriptor(f->desc_blob + 8, &class_a, 0, 1, 2, MODULE0_NAME);
	put_descriptor(f->desc_blob + 8 + DESCRIPTOR_SIZE, &class_b, 1, 3, 4, "Bass");
	put_descriptor(f->desc_blob + 8 + 2 * DESCRIPTOR_SIZE, &class_a, 0x01000002, 5, 6,
		       "Second equaliser");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fake *f = *state;

	if (f->started) {
		assert_int_equal(write(f->stop[1], "x", 1), 1);
		pthread_join(f->thread, NULL);
	}
	for (uint32_t i = 1; i <= f->next_sub; i++)
		ring_writer_remove_reader(f->ring, f->readers[i]);
	ring_writer_free(f->ring);
	close(f->stop[0]);
	close(f->stop[1]);
	close(f->listen_fd);
	unlink(f->path);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* What the client's callbacks saw. */
#define REC_MAX 4096

struct rec {
	enum amod_client_state states[16];
	int state_errors[16];
	int n_states;
	enum amod_client_device_event events[8];
	struct amod_client_device devices[8];
	int n_events;
	struct amod_command_result results[8];
	uint8_t result_data[8][64];
	int n_results;
	struct amod_client_notification notes[REC_MAX];
	uint8_t vendor[REC_MAX][16];
	bool had_vendor[REC_MAX];
	int n_notes;
	uint64_t dropped;
	int n_dropped;
	struct amod_subscription *sub;
};

static void on_state(struct amod_client *c, enum amod_client_state state, int error, void *ud)
{
	struct rec *r = ud;

	if (r->n_states < 16) {
		r->states[r->n_states] = state;
		r->state_errors[r->n_states++] = error;
	}
}

static void on_device(struct amod_client *c, enum amod_client_device_event event,
		      const struct amod_client_device *d, void *ud)
{
	struct rec *r = ud;

	if (r->n_events < 8) {
		r->events[r->n_events] = event;
		r->devices[r->n_events++] = *d;
	}
}

static void on_result(struct amod_client *c, const struct amod_command_result *result, void *ud)
{
	struct rec *r = ud;

	if (r->n_results >= 8)
		return;
	r->results[r->n_results] = *result;
	if (result->data && result->size <= 64)
		memcpy(r->result_data[r->n_results], result->data, result->size);
	r->results[r->n_results++].data = NULL; /* freed by the client after we return */
}

static void on_note(struct amod_subscription *s, const struct amod_client_notification *n, void *ud)
{
	struct rec *r = ud;

	if (r->n_notes >= REC_MAX)
		return;
	r->notes[r->n_notes] = *n;
	r->had_vendor[r->n_notes] = n->vendor_data != NULL;
	if (n->vendor_data && n->vendor_size <= 16)
		memcpy(r->vendor[r->n_notes], n->vendor_data, n->vendor_size);
	r->notes[r->n_notes].data = NULL;
	r->notes[r->n_notes++].vendor_data = NULL;
}

static void on_dropped(struct amod_subscription *s, uint64_t count, void *ud)
{
	struct rec *r = ud;

	r->dropped += count;
	r->n_dropped++;
}

static const struct amod_subscription_ops sub_ops = {
	.version = AMOD_SUBSCRIPTION_OPS_VERSION,
	.notification = on_note,
	.dropped = on_dropped,
};

static struct amod_client *new_client(struct fake *f, struct rec *r, bool reconnect)
{
	struct amod_client_config cfg = {
		.version = AMOD_CLIENT_CONFIG_VERSION,
		.socket_path = f->path,
		.reconnect = reconnect,
		.reconnect_interval_ms = 20,
		.state_changed = on_state,
		.device_event = on_device,
		.userdata = r,
	};
	struct amod_client *c = NULL;

	assert_int_equal(amod_client_new(&cfg, &c), 0);
	return c;
}

static struct amod_client *connected_client(struct fake *f, struct rec *r)
{
	struct amod_client *c = new_client(f, r, false);

	fake_start(f);
	assert_int_equal(amod_client_connect(c, 2000), 0);
	return c;
}

/* Polls the client's fd like an app would, then dispatches once. */
static int pump(struct amod_client *c, int ms)
{
	struct pollfd p = {.fd = amod_client_get_fd(c), .events = POLLIN};

	poll(&p, 1, ms);
	return amod_client_dispatch(c);
}

#define PUMP_UNTIL(c, cond)                                                                        \
	do {                                                                                       \
		for (int i_ = 0; i_ < 300 && !(cond); i_++)                                        \
			pump((c), 10);                                                             \
		assert_true(cond);                                                                 \
	} while (0)

static void write_module_event(struct fake *f, const struct amod_guid *cls, uint32_t instance,
			       const void *vendor, uint32_t vendor_size, uint64_t seq)
{
	uint8_t buf[128] = {0};
	struct amod_notification n = {
		.event_id = module_event,
		.device_id = speaker_id,
		.class_id = *cls,
		.instance_id = instance,
		.sequence = seq,
		.timestamp_ns = 1000 + seq,
		.data = buf,
		.size = 40 + vendor_size,
	};

	put_guid(buf, &speaker_id);
	put_guid(buf + 16, cls);
	put32(buf + 32, instance);
	if (vendor_size)
		memcpy(buf + 40, vendor, vendor_size);
	assert_true(ring_write(f->ring, &n) >= 0);
}

static void write_other_event(struct fake *f, uint64_t seq)
{
	static const uint8_t payload[3] = {7, 8, 9};
	struct amod_notification n = {
		.event_id = other_event,
		.device_id = speaker_id,
		.sequence = seq,
		.timestamp_ns = 1000 + seq,
		.data = payload,
		.size = sizeof(payload),
	};

	assert_true(ring_write(f->ring, &n) >= 0);
}

static void test_client_socket_path_env(void **state)
{
	struct amod_client_config cfg = {.version = AMOD_CLIENT_CONFIG_VERSION};
	struct amod_client *c = NULL;
	char expected[128], longpath[200];

	unsetenv("AMOD_SOCKET");
	unsetenv("AMOD_RUNTIME_DIR");
	unsetenv("XDG_RUNTIME_DIR");
	assert_int_equal(amod_client_new(NULL, &c), 0);
	snprintf(expected, sizeof(expected), "/tmp/amod-%u/amodd.sock", (unsigned)getuid());
	assert_string_equal(amod_client_get_socket_path(c), expected);
	c = amod_client_free(c);

	setenv("XDG_RUNTIME_DIR", "/run/user/1234", 1);
	assert_int_equal(amod_client_new(NULL, &c), 0);
	assert_string_equal(amod_client_get_socket_path(c), "/run/user/1234/amod/amodd.sock");
	c = amod_client_free(c);

	setenv("AMOD_RUNTIME_DIR", "/srv/amod", 1);
	assert_int_equal(amod_client_new(NULL, &c), 0);
	assert_string_equal(amod_client_get_socket_path(c), "/srv/amod/amodd.sock");
	c = amod_client_free(c);

	setenv("AMOD_SOCKET", "/somewhere/else.sock", 1);
	assert_int_equal(amod_client_new(&cfg, &c), 0);
	assert_string_equal(amod_client_get_socket_path(c), "/somewhere/else.sock");
	c = amod_client_free(c);

	cfg.socket_path = "/explicit.sock";
	assert_int_equal(amod_client_new(&cfg, &c), 0);
	assert_string_equal(amod_client_get_socket_path(c), "/explicit.sock");
	c = amod_client_free(c);

	memset(longpath, 'x', sizeof(longpath) - 1);
	longpath[0] = '/';
	longpath[sizeof(longpath) - 1] = '\0';
	cfg.socket_path = longpath;
	assert_int_equal(amod_client_new(&cfg, &c), -EINVAL);
	cfg.version = 0;
	cfg.socket_path = NULL;
	assert_int_equal(amod_client_new(&cfg, &c), -EINVAL);
	assert_null(c);

	unsetenv("AMOD_SOCKET");
	unsetenv("AMOD_RUNTIME_DIR");
	unsetenv("XDG_RUNTIME_DIR");
}

static void test_client_connect_hello(void **state)
{
	struct fake *f = *state;
	struct rec r = {0};
	struct amod_client *c = new_client(f, &r, false);

	assert_int_equal(amod_client_get_state(c), AMOD_CLIENT_DISCONNECTED);
	assert_true(amod_client_get_fd(c) >= 0);
	fake_start(f);
	assert_int_equal(amod_client_connect(c, 2000), 0);
	assert_int_equal(amod_client_get_state(c), AMOD_CLIENT_READY);
	assert_int_equal(amod_client_get_access(c), WIRE_ACCESS_MONITOR | WIRE_ACCESS_CONTROL);
	assert_int_equal(r.n_states, 2);
	assert_int_equal(r.states[0], AMOD_CLIENT_CONNECTING);
	assert_int_equal(r.states[1], AMOD_CLIENT_READY);
	assert_int_equal(amod_client_connect(c, 2000), -EISCONN);
	amod_client_free(c);
}

static void test_client_connect_access_denied(void **state)
{
	struct fake *f = *state;
	struct rec r = {0};
	struct amod_client *c = new_client(f, &r, false);

	f->hello = HELLO_DENIED;
	fake_start(f);
	assert_int_equal(amod_client_connect(c, 2000), -EACCES);
	assert_int_equal(amod_client_get_state(c), AMOD_CLIENT_DISCONNECTED);
	assert_int_equal(r.states[r.n_states - 1], AMOD_CLIENT_DISCONNECTED);
	assert_int_equal(r.state_errors[r.n_states - 1], -EACCES);
	assert_int_equal(amod_client_get_access(c), 0);
	/* No connection was ever up: nothing to report as lost. */
	assert_int_equal(amod_client_dispatch(c), 0);
	amod_client_free(c);
}

static void test_client_connect_other_major(void **state)
{
	struct fake *f = *state;
	struct rec r = {0};
	struct amod_client *c = new_client(f, &r, false);

	f->hello = HELLO_OTHER_MAJOR;
	fake_start(f);
	assert_int_equal(amod_client_connect(c, 2000), -EPROTONOSUPPORT);
	assert_int_equal(amod_client_get_state(c), AMOD_CLIENT_DISCONNECTED);
	amod_client_free(c);
}

static void test_client_connect_no_server(void **state)
{
	struct fake *f = *state;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct amod_client_config cfg = {.version = AMOD_CLIENT_CONFIG_VERSION};
	struct amod_client *c;
	char path[160];
	int fd;

	snprintf(path, sizeof(path), "%s/nobody.sock", f->dir);
	cfg.socket_path = path;
	assert_int_equal(amod_client_new(&cfg, &c), 0);
	assert_int_equal(amod_client_connect(c, 1000), -ENOENT);
	assert_int_equal(amod_client_get_state(c), AMOD_CLIENT_DISCONNECTED);

	/* A socket file nobody listens on. */
	fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	strcpy(sa.sun_path, path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(amod_client_connect(c, 1000), -ECONNREFUSED);
	close(fd);
	unlink(path);
	amod_client_free(c);
}

static void test_client_not_connected(void **state)
{
	struct fake *f = *state;
	struct rec r = {0};
	struct amod_client *c = new_client(f, &r, false);
	struct amod_client_device *devices;
	struct amod_command_result result;
	size_t n;

	assert_int_equal(amod_client_list_devices(c, 100, &devices, &n), -ENOTCONN);
	assert_int_equal(amod_client_send_command(c, 1, &class_a, 0, "E", 1, 16, 100, &result),
			 -ENOTCONN);
	assert_int_equal(result.transport, -ENOTCONN);
	assert_int_equal(
		amod_client_send_command_async(c, 1, &class_a, 0, "E", 1, 16, on_result, &r),
		-ENOTCONN);
	assert_int_equal(amod_client_dispatch(c), 0);
	amod_client_free(c);
}

static void test_client_list_devices(void **state)
{
	struct fake *f = *state;
	struct rec r = {0};
	struct amod_client *c = connected_client(f, &r);
	struct amod_client_device *devices = NULL;
	size_t n = 0;

	assert_int_equal(amod_client_list_devices(c, 2000, &devices, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(devices[0].id, 1);
	assert_string_equal(devices[0].endpoint_id, "speaker");
	assert_string_equal(devices[0].name, "Speakers");
	assert_true(amod_guid_equal(&devices[0].notification_id, &speaker_id));
	assert_int_equal(devices[1].id, 2);
	assert_string_equal(devices[1].endpoint_id, "mic");
	assert_true(amod_guid_is_null(&devices[1].notification_id));
	free(devices);
	amod_client_free(c);
}

static void test_client_find_device(void **state)
{
	struct fake *f = *state;
	struct rec r = {0};
	struct amod_client *c = connected_client(f, &r);
	struct amod_client_device d;

	assert_int_equal(amod_client_find_device(c, "mic", 2000, &d), 0);
	assert_int_equal(d.id, 2);
	assert_int_equal(
		amod_client_find_device(c, "{0d1e5d0c-1a2b-4c3d-8e9f-a0b1c2d3e4f5}", 2000, &d), 0);
	assert_int_equal(d.id, 1);
	assert_int_equal(amod_client_find_device(c, "headphones", 2000, &d), -ENOENT);
	assert_int_equal(amod_client_find_device(c, "", 2000, &d), -EINVAL);
	amod_client_free(c);
}

static void test_client_find_all(void **state)
{
	struct fake *f = *state;
	struct rec r = {0};
	struct amod_client *c = connected_client(f, &r);
	struct amod_client_module *m = NULL;
	size_t n = 0;

	assert_int_equal(amod_client_find_all(c, 1, 2000, &m, &n), 0);
	assert_int_equal(n, N_MODULES);
	assert_true(amod_guid_equal(&m[0].class_id, &class_a));
	assert_int_equal(m[0].instance_id, 0);
	assert_int_equal(m[0].version_major, 1);
	assert_int_equal(m[0].version_minor, 2);
	assert_string_equal(m[0].name, MODULE0_NAME);
	assert_true(amod_guid_equal(&m[1].class_id, &class_b));
	assert_int_equal(m[1].instance_id, 1);
	assert_string_equal(m[1].name, "Bass");
	assert_int_equal(m[2].instance_id, 0x01000002);
	assert_int_equal(m[2].version_major, 5);
	assert_int_equal(m[2].version_minor, 6);
	/* Two steps: the size query (value_size 0), then the read at the size told. */
	assert_int_equal(f->desc_requests, 2);
	assert_int_equal(f->last_value_size, 8 + N_MODULES * DESCRIPTOR_SIZE);
	assert_int_equal(f->last_in_size, 24);
	assert_memory_equal(f->last_in, audio_module_set, 16);
	assert_int_equal(get32(f->last_in + 16), 1);
	assert_int_equal(get32(f->last_in + 20), 1);
	free(m);
	amod_client_free(c);
}

static void test_client_find_all_size_grows(void **state)
{
	struct fake *f = *state;
	struct rec r = {0};
	struct amod_client *c;
	struct amod_client_module *m = NULL;
	size_t n = 0;

	f->desc = DESC_GROW;
	c = connected_client(f, &r);
	assert_int_equal(amod_client_find_all(c, 1, 2000, &m, &n), 0);
	assert_int_equal(n, N_MODULES);
	assert_int_equal(f->desc_requests, 3);
	free(m);
	amod_client_free(c);
}

static void test_client_find_by_id(void **state)
{
	struct fake *f = *state;
	struct rec r = {0};
	struct amod_client *c = connected_client(f, &r);
	struct amod_client_module *m = NULL;
	size_t n = 0;

	assert_int_equal(amod_client_find_by_id(c, 1, &class_a, 2000, &m, &n), 0);
	assert_int_equal(n, 2);
	assert_true(amod_guid_equal(&m[0].class_id, &class_a));
	assert_true(amod_guid_equal(&m[1].class_id, &class_a));
	assert_int_equal(m[1].instance_id, 0x01000002);
	free(m);
	assert_int_equal(amod_client_find_by_id(c, 1, &speaker_id, 2000, &m, &n), 0);
	assert_int_equal(n, 0);
	free(m);
	assert_int_equal(amod_client_find_all(c, 99, 2000, &m, &n), -ENOENT);
	amod_client_free(c);
}

static void test_client_find_all_malformed(void **state)
{
	struct fake *f = *state;
	struct rec r = {0};
	struct amod_client *c;
	struct amod_client_module *m = NULL;
	size_t n = 0;

	f->desc = DESC_MALFORMED;
	c = connected_client(f, &r);
	assert_int_equal(amod_client_find_all(c, 1, 2000, &m, &n), -EPROTO);
	assert_null(m);
	/* A bad property value is the module's problem, not the connection's. */
	assert_int_equal(amod_client_get_state(c), AMOD_CLIENT_READY);
	amod_client_free(c);
}

static void test_client_notification_id(void **state)
{
	struct fake *f = *state;
	struct rec r = {0};
	struct amod_client *c = connected_client(f, &r);
	struct amod_guid id;

	assert_int_equal(amod_client_get_notification_id(c, 1, 2000, &id), 0);
	assert_true(amod_guid_equal(&id, &speaker_id));
	assert_int_equal(get32(f->last_in + 16), 3);
	assert_int_equal(amod_client_get_notification_id(c, 2, 2000, &id), -EOPNOTSUPP);
	amod_client_free(c);
}

static void test_client_send_command(void **state)
{
	static const char cmd[] = "Echo me";
	struct fake *f = *state;
	struct rec r = {0};
	struct amod_client *c = connected_client(f, &r);
	struct amod_command_result result;

	assert_int_equal(amod_client_send_command(c, 1, &class_b, 0x01000007, cmd, sizeof(cmd), 64,
						  2000, &result),
			 0);
	assert_int_equal(result.transport, 0);
	assert_int_equal(result.status, STATUS_SUCCESS);
	assert_int_equal(result.information, sizeof(cmd));
	assert_int_equal(result.size, sizeof(cmd));
	assert_memory_equal(result.data, cmd, sizeof(cmd));
	amod_command_result_clear(&result);
	assert_null(result.data);

	/* The request as KS sees it: KSAUDIOMODULE_PROPERTY, then the vendor bytes at 48. */
	assert_int_equal(f->last_in_size, 48 + sizeof(cmd));
	assert_int_equal(f->last_value_size, 64);
	assert_memory_equal(f->last_in, audio_module_set, 16);
	assert_int_equal(get32(f->last_in + 16), 2);
	assert_int_equal(get32(f->last_in + 20), 1);
	assert_memory_equal(f->last_in + 24,
			    "\x44\x33\x22\x11\x66\x55\x88\x77\x99\xAA\xBB\xCC\xDD\xEE\xFF\x00", 16);
	assert_int_equal(get32(f->last_in + 40), 0x01000007);
	assert_int_equal(get32(f->last_in + 44), 0);
	assert_memory_equal(f->last_in + 48, cmd, sizeof(cmd));
	amod_client_free(c);
}

static void test_client_send_command_size_query(void **state)
{
	struct fake *f = *state;
	struct rec r = {0};
	struct amod_client *c = connected_client(f, &r);
	struct amod_command_result result;

	assert_int_equal(amod_client_send_command(c, 1, &class_a, 0, "Echo", 4, 0, 2000, &result),
			 0);
	assert_int_equal(result.status, STATUS_BUFFER_OVERFLOW);
	assert_int_equal(result.information, 4);
	assert_int_equal(result.size, 0);
	assert_null(result.data);
	amod_client_free(c);
}

static void test_client_send_command_module_status(void **state)
{
	struct fake *f = *state;
	struct rec r = {0};
	struct amod_client *c = connected_client(f, &r);
	struct amod_command_result result;

	/* The module failed, the transport did not. */
	assert_int_equal(amod_client_send_command(c, 1, &class_a, 0, "F", 1, 16, 2000, &result), 0);
	assert_int_equal(result.transport, 0);
	assert_int_equal(result.status, STATUS_INVALID_PARAMETER);
	amod_command_result_clear(&result);
	amod_client_free(c);
}

static void test_client_send_command_transport_error(void **state)
{
	struct fake *f = *state;
	struct rec r = {0};
	struct amod_client *c = connected_client(f, &r);
	struct amod_command_result result;

	assert_int_equal(amod_client_send_command(c, 1, &class_a, 0, "D", 1, 16, 2000, &result),
			 -EACCES);
	assert_int_equal(result.transport, -EACCES);
	assert_int_equal(result.status, 0);
	assert_null(result.data);
	assert_int_equal(amod_client_send_command(c, 77, &class_a, 0, "E", 1, 16, 2000, &result),
			 -ENOENT);
	assert_int_equal(result.transport, -ENOENT);
	assert_int_equal(amod_client_send_command(c, 1, NULL, 0, "E", 1, 16, 2000, &result),
			 -EINVAL);
	assert_int_equal(amod_client_get_state(c), AMOD_CLIENT_READY);
	amod_client_free(c);
}

static void test_client_send_command_async(void **state)
{
	struct fake *f = *state;
	struct rec r = {0};
	struct amod_client *c = connected_client(f, &r);

	assert_int_equal(
		amod_client_send_command_async(c, 1, &class_a, 0, "Async", 5, 32, on_result, &r),
		0);
	assert_int_equal(r.n_results, 0); /* only from dispatch */
	PUMP_UNTIL(c, r.n_results == 1);
	assert_int_equal(r.results[0].transport, 0);
	assert_int_equal(r.results[0].status, STATUS_SUCCESS);
	assert_int_equal(r.results[0].size, 5);
	assert_memory_equal(r.result_data[0], "Async", 5);

	assert_int_equal(
		amod_client_send_command_async(c, 1, &class_a, 0, "D", 1, 32, on_result, &r), 0);
	PUMP_UNTIL(c, r.n_results == 2);
	assert_int_equal(r.results[1].transport, -EACCES);
	amod_client_free(c);
}

static void test_client_send_command_timeout(void **state)
{
	struct fake *f = *state;
	struct rec r = {0};
	struct amod_client *c = connected_client(f, &r);
	struct amod_command_result result;

	assert_int_equal(amod_client_send_command(c, 1, &class_a, 0, "S", 1, 16, 100, &result),
			 -ETIMEDOUT);
	assert_int_equal(result.transport, -ETIMEDOUT);
	assert_int_equal(amod_client_get_state(c), AMOD_CLIENT_READY);
	assert_int_equal(amod_client_send_command(c, 1, &class_a, 0, "E", 1, 16, 2000, &result), 0);
	amod_command_result_clear(&result);
	amod_client_free(c);
}

static void test_client_late_reply_discarded(void **state)
{
	struct fake *f = *state;
	struct rec r = {0};
	struct amod_client *c = connected_client(f, &r);
	struct amod_command_result result;

	assert_int_equal(amod_client_send_command(c, 1, &class_a, 0, "Late", 4, 16, 50, &result),
			 -ETIMEDOUT);
	/* The late reply arrives first; only this call's own reply may answer it. */
	assert_int_equal(amod_client_send_command(c, 1, &class_a, 0, "Echo", 4, 16, 3000, &result),
			 0);
	assert_int_equal(result.size, 4);
	assert_memory_equal(result.data, "Echo", 4);
	amod_command_result_clear(&result);
	amod_client_free(c);
}

static void test_client_server_closes(void **state)
{
	struct fake *f = *state;
	struct rec r = {0};
	struct amod_client *c = connected_client(f, &r);
	struct amod_client_device *devices;
	int ret = 0;
	size_t n;

	fake_kick(f);
	for (int i = 0; i < 200 && ret == 0; i++)
		ret = pump(c, 10);
	assert_int_equal(ret, -ECONNRESET);
	assert_int_equal(amod_client_get_state(c), AMOD_CLIENT_DISCONNECTED);
	assert_int_equal(r.states[r.n_states - 1], AMOD_CLIENT_DISCONNECTED);
	assert_int_equal(r.state_errors[r.n_states - 1], -ECONNRESET);
	/* Once. */
	assert_int_equal(amod_client_dispatch(c), 0);
	assert_int_equal(amod_client_list_devices(c, 100, &devices, &n), -ENOTCONN);
	amod_client_free(c);
}

static void test_client_async_pending_at_disconnect(void **state)
{
	struct fake *f = *state;
	struct rec r = {0};
	struct amod_client *c = connected_client(f, &r);

	assert_int_equal(
		amod_client_send_command_async(c, 1, &class_a, 0, "S", 1, 16, on_result, &r), 0);
	fake_kick(f);
	PUMP_UNTIL(c, r.n_results == 1);
	assert_int_equal(r.results[0].transport, -ECONNRESET);
	assert_int_equal(amod_client_get_state(c), AMOD_CLIENT_DISCONNECTED);
	amod_client_free(c);
}

static void test_client_blocking_call_connection_lost(void **state)
{
	struct fake *f = *state;
	struct rec r = {0};
	struct amod_client *c = connected_client(f, &r);
	struct amod_command_result result;

	/* The connection is gone before the request: the call fails, dispatch reports it once. */
	fake_kick(f);
	assert_int_equal(amod_client_send_command(c, 1, &class_a, 0, "S", 1, 16, 2000, &result),
			 -ECONNRESET);
	assert_int_equal(result.transport, -ECONNRESET);
	assert_int_equal(amod_client_get_state(c), AMOD_CLIENT_DISCONNECTED);
	assert_int_equal(amod_client_dispatch(c), -ECONNRESET);
	amod_client_free(c);
}

static void test_client_device_events(void **state)
{
	struct fake *f = *state;
	struct rec r = {0};
	struct amod_client *c = connected_client(f, &r);
	struct wire_device_info added = {9, class_b, "usb-dac", "USB DAC"};

	fake_send_main(f, wire_encode_device_event(f->main_out, sizeof(f->main_out),
						   WIRE_EVENT_DEVICE_ADDED, &added));
	fake_send_main(f, wire_encode_device_event(f->main_out, sizeof(f->main_out),
						   WIRE_EVENT_DEVICE_REMOVED, &added));
	PUMP_UNTIL(c, r.n_events == 2);
	assert_int_equal(r.events[0], AMOD_CLIENT_DEVICE_ADDED);
	assert_int_equal(r.devices[0].id, 9);
	assert_string_equal(r.devices[0].endpoint_id, "usb-dac");
	assert_string_equal(r.devices[0].name, "USB DAC");
	assert_true(amod_guid_equal(&r.devices[0].notification_id, &class_b));
	assert_int_equal(r.events[1], AMOD_CLIENT_DEVICE_REMOVED);
	assert_int_equal(r.devices[1].id, 9);
	amod_client_free(c);
}

static void test_client_device_event_during_blocking_call(void **state)
{
	struct fake *f = *state;
	struct rec r = {0};
	struct amod_client *c = connected_client(f, &r);
	struct wire_device_info added = {9, class_b, "usb-dac", "USB DAC"};
	struct amod_client_device *devices;
	size_t n;

	fake_send_main(f, wire_encode_device_event(f->main_out, sizeof(f->main_out),
						   WIRE_EVENT_DEVICE_ADDED, &added));
	assert_int_equal(amod_client_list_devices(c, 2000, &devices, &n), 0);
	free(devices);
	assert_int_equal(r.n_events, 1);
	amod_client_free(c);
}

static void test_client_shutdown_event(void **state)
{
	struct fake *f = *state;
	struct rec r = {0};
	struct amod_client *c = connected_client(f, &r);
	int ret = 0;

	fake_send_main(f, wire_encode_shutdown(f->main_out, sizeof(f->main_out), 0));
	for (int i = 0; i < 200 && ret == 0; i++)
		ret = pump(c, 10);
	assert_int_equal(ret, -ECONNRESET);
	assert_int_equal(amod_client_get_state(c), AMOD_CLIENT_DISCONNECTED);
	amod_client_free(c);
}

static void test_client_malformed_message(void **state)
{
	struct fake *f = *state;
	struct rec r = {0};
	struct amod_client *c = connected_client(f, &r);
	uint8_t junk[20] = {0x42};
	int ret = 0;

	main_send(f, junk, sizeof(junk));
	for (int i = 0; i < 200 && ret == 0; i++)
		ret = pump(c, 10);
	assert_int_equal(ret, -ECONNRESET);
	assert_int_equal(r.states[r.n_states - 1], AMOD_CLIENT_DISCONNECTED);
	assert_int_equal(r.state_errors[r.n_states - 1], -EPROTO);
	amod_client_free(c);
}

static int count_fds(void)
{
	int n = 0;

	for (int fd = 0; fd < 1024; fd++)
		if (fcntl(fd, F_GETFD) >= 0)
			n++;
	return n;
}

/* Sends the message in f->out with n fresh fds (pipe ends), closing our copies. */
static void fake_send_with_fds(struct fake *f, int len, int n)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * 16)];
	} control = {0};
	struct iovec iov = {.iov_base = f->main_out, .iov_len = (size_t)len};
	struct msghdr mh = {.msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = control.buf,
			    .msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)n)};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	int fds[16];

	assert_true(n % 2 == 0 && n <= 16);
	for (int i = 0; i < n; i += 2)
		assert_int_equal(pipe2(fds + i, O_CLOEXEC), 0);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)n);
	memcpy(CMSG_DATA(cm), fds, sizeof(int) * (size_t)n);
	assert_int_equal(main_sendmsg(f, &mh), len);
	for (int i = 0; i < n; i++)
		close(fds[i]);
}

static void test_client_unexpected_fds_closed(void **state)
{
	struct fake *f = *state;
	struct rec r = {0};
	struct amod_client *c = connected_client(f, &r);
	struct wire_device_info added = {9, class_b, "usb-dac", "USB DAC"};
	int before = count_fds();

	fake_send_with_fds(f,
			   wire_encode_device_event(f->main_out, sizeof(f->main_out),
						    WIRE_EVENT_DEVICE_ADDED, &added),
			   4);
	PUMP_UNTIL(c, r.n_events == 1);
	assert_int_equal(count_fds(), before);
	assert_int_equal(amod_client_get_state(c), AMOD_CLIENT_READY);
	amod_client_free(c);
}

static void test_client_too_many_fds(void **state)
{
	struct fake *f = *state;
	struct rec r = {0};
	struct amod_client *c = connected_client(f, &r);
	struct wire_device_info added = {9, class_b, "usb-dac", "USB DAC"};
	int before = count_fds(), ret = 0;

	/* More than the client makes room for: the kernel truncates, the client hangs up. */
	fake_send_with_fds(f,
			   wire_encode_device_event(f->main_out, sizeof(f->main_out),
						    WIRE_EVENT_DEVICE_ADDED, &added),
			   16);
	for (int i = 0; i < 200 && ret == 0; i++)
		ret = pump(c, 10);
	assert_int_equal(ret, -ECONNRESET);
	assert_int_equal(r.state_errors[r.n_states - 1], -EPROTO);
	assert_int_equal(r.n_events, 0);
	/* Nothing received stays open, and our socket is gone (the fake may close its end too). */
	assert_true(count_fds() <= before - 1);
	amod_client_free(c);
}

static void test_client_subscribe_notifications(void **state)
{
	static const uint8_t vendor[5] = {1, 2, 3, 4, 5};
	struct fake *f = *state;
	struct rec r = {0};
	struct amod_client *c = connected_client(f, &r);
	struct amod_subscription *s = NULL;

	assert_int_equal(amod_client_subscribe(c, 1, NULL, &sub_ops, &r, 2000, &s), 0);
	assert_non_null(s);
	assert_int_equal(amod_subscription_get_device(s), 1);
	write_module_event(f, &class_b, 0x01000003, vendor, sizeof(vendor), 1);
	write_other_event(f, 2);
	write_module_event(f, &class_a, 0, NULL, 0, 3);
	PUMP_UNTIL(c, r.n_notes == 3);

	assert_int_equal(r.notes[0].device, 1);
	assert_true(amod_guid_equal(&r.notes[0].device_id, &speaker_id));
	assert_true(amod_guid_equal(&r.notes[0].event_id, &module_event));
	assert_true(amod_guid_equal(&r.notes[0].class_id, &class_b));
	assert_int_equal(r.notes[0].instance_id, 0x01000003);
	assert_int_equal(r.notes[0].sequence, 1);
	assert_int_equal(r.notes[0].size, 45);
	assert_true(r.had_vendor[0]);
	assert_int_equal(r.notes[0].vendor_size, 5);
	assert_memory_equal(r.vendor[0], vendor, 5);

	assert_true(amod_guid_equal(&r.notes[1].event_id, &other_event));
	assert_int_equal(r.notes[1].size, 3);
	assert_false(r.had_vendor[1]);
	assert_int_equal(r.notes[1].vendor_size, 0);
	assert_int_equal(r.notes[1].sequence, 2);

	assert_int_equal(r.notes[2].vendor_size, 0);
	assert_int_equal(r.n_dropped, 0);
	amod_subscription_free(s);
	amod_client_free(c);
}

/* recvmsg() calls made by the test thread (the fake amodd's thread has its own count). */
static _Thread_local unsigned recvmsg_calls;

ssize_t __real_recvmsg(int fd, struct msghdr *msg, int flags);
ssize_t __wrap_recvmsg(int fd, struct msghdr *msg, int flags);
ssize_t __wrap_recvmsg(int fd, struct msghdr *msg, int flags)
{
	recvmsg_calls++;
	return __real_recvmsg(fd, msg, flags);
}

/* A wake-up for ring notifications alone does not read the (empty) socket. */
static void test_client_ring_wakeup_skips_socket(void **state)
{
	struct fake *f = *state;
	struct rec r = {0};
	struct amod_client *c = connected_client(f, &r);
	struct amod_subscription *s = NULL;
	struct amod_client_device *devs = NULL;
	struct pollfd p = {.events = POLLIN};
	size_t n_devs = 0;

	assert_int_equal(amod_client_subscribe(c, 1, NULL, &sub_ops, &r, 2000, &s), 0);
	write_module_event(f, &class_a, 0, NULL, 0, 1);
	p.fd = amod_client_get_fd(c);
	assert_int_equal(poll(&p, 1, 2000), 1);
	recvmsg_calls = 0;
	assert_int_equal(amod_client_dispatch(c), 0);
	assert_int_equal(r.n_notes, 1);
	assert_int_equal(recvmsg_calls, 0);
	/* The socket still works: a request and its reply. */
	assert_int_equal(amod_client_list_devices(c, 2000, &devs, &n_devs), 0);
	assert_int_equal(n_devs, 2);
	free(devs);
	amod_subscription_free(s);
	amod_client_free(c);
}

static void test_client_subscribe_filter(void **state)
{
	static const uint8_t vendor[1] = {0x5A};
	struct fake *f = *state;
	struct rec r = {0};
	struct amod_client *c = connected_client(f, &r);
	struct amod_filter filter = {
		.flags = AMOD_FILTER_CLASS | AMOD_FILTER_INSTANCE | AMOD_FILTER_DEVICE,
		.class_id = class_a,
		.instance_id = 2,
		.device_id = class_b, /* ignored: the subscription's device is the filter */
	};
	struct amod_subscription *s;

	assert_int_equal(amod_client_subscribe(c, 1, &filter, &sub_ops, &r, 2000, &s), 0);
	assert_int_equal(f->last_filter.flags, AMOD_FILTER_CLASS | AMOD_FILTER_INSTANCE);
	assert_true(amod_guid_equal(&f->last_filter.class_id, &class_a));
	assert_int_equal(f->last_filter.instance_id, 2);

	write_module_event(f, &class_b, 2, vendor, 1, 1);
	write_module_event(f, &class_a, 1, vendor, 1, 2);
	write_other_event(f, 3);
	write_module_event(f, &class_a, 2, vendor, 1, 4);
	write_module_event(f, &class_a, 2, vendor, 1, 5); /* the end marker */
	PUMP_UNTIL(c, r.n_notes == 2);
	assert_int_equal(r.notes[0].sequence, 4);
	assert_int_equal(r.notes[1].sequence, 5);
	amod_subscription_free(s);
	amod_client_free(c);
}

static void test_client_subscribe_dropped(void **state)
{
	static const uint8_t vendor[8] = {0};
	struct fake *f = *state;
	struct rec r = {0};
	struct amod_client *c = connected_client(f, &r);
	struct amod_subscription *s;
	const int total = 3000; /* about five times what the 64 KiB ring holds */

	assert_int_equal(amod_client_subscribe(c, 1, NULL, &sub_ops, &r, 2000, &s), 0);
	for (int i = 1; i <= total; i++)
		write_module_event(f, &class_a, 0, vendor, sizeof(vendor), (uint64_t)i);
	/* Nothing lost silently: what arrived plus what was reported dropped is what was sent. */
	PUMP_UNTIL(c, (uint64_t)r.n_notes + r.dropped == (uint64_t)total);
	assert_true(r.n_dropped >= 1);
	assert_true(r.dropped > 0);
	/* And the reader is back in step: the next one arrives. */
	write_module_event(f, &class_a, 0, vendor, sizeof(vendor), (uint64_t)total + 1);
	PUMP_UNTIL(c, r.n_notes > 0 && r.notes[r.n_notes - 1].sequence == (uint64_t)total + 1);
	assert_int_equal((uint64_t)r.n_notes + r.dropped, (uint64_t)total + 1);
	amod_subscription_free(s);
	amod_client_free(c);
}

static void test_client_unsubscribe(void **state)
{
	struct fake *f = *state;
	struct rec r = {0};
	struct amod_client *c = connected_client(f, &r);
	struct amod_subscription *s;

	assert_int_equal(amod_client_subscribe(c, 1, NULL, &sub_ops, &r, 2000, &s), 0);
	assert_int_equal(f->subscribes, 1);
	assert_null(amod_subscription_free(s));
	assert_int_equal(__atomic_load_n(&f->unsubscribes, __ATOMIC_SEQ_CST), 1);
	/* Nothing is delivered to a freed subscription. */
	write_other_event(f, 1);
	for (int i = 0; i < 5; i++)
		pump(c, 10);
	assert_int_equal(r.n_notes, 0);
	assert_null(amod_subscription_free(NULL));
	amod_client_free(c);
}

static void on_note_free(struct amod_subscription *s, const struct amod_client_notification *n,
			 void *ud)
{
	struct rec *r = ud;

	r->n_notes++;
	amod_subscription_free(s);
}

static void test_client_subscription_freed_in_callback(void **state)
{
	static const struct amod_subscription_ops ops = {
		.version = AMOD_SUBSCRIPTION_OPS_VERSION,
		.notification = on_note_free,
	};
	struct fake *f = *state;
	struct rec r = {0};
	struct amod_client *c = connected_client(f, &r);
	struct amod_subscription *s;

	assert_int_equal(amod_client_subscribe(c, 1, NULL, &ops, &r, 2000, &s), 0);
	write_other_event(f, 1);
	write_other_event(f, 2);
	PUMP_UNTIL(c, r.n_notes == 1);
	for (int i = 0; i < 5; i++)
		pump(c, 10);
	assert_int_equal(r.n_notes, 1);
	assert_int_equal(__atomic_load_n(&f->unsubscribes, __ATOMIC_SEQ_CST), 1);
	amod_client_free(c);
}

static void test_client_device_removed_and_readded(void **state)
{
	struct fake *f = *state;
	struct rec r = {0};
	struct amod_client *c = new_client(f, &r, true);
	struct wire_device_info speaker = {1, speaker_id, "speaker", "Speakers"};
	struct amod_subscription *s;

	fake_start(f);
	assert_int_equal(amod_client_connect(c, 2000), 0);
	assert_int_equal(amod_client_subscribe(c, 1, NULL, &sub_ops, &r, 2000, &s), 0);
	write_other_event(f, 1);
	fake_send_main(f, wire_encode_device_event(f->main_out, sizeof(f->main_out),
						   WIRE_EVENT_DEVICE_REMOVED, &speaker));
	/* What the ring held when the device went is still delivered, then the ring goes. */
	PUMP_UNTIL(c, r.n_events == 1 && __atomic_load_n(&f->unsubscribes, __ATOMIC_SEQ_CST) == 1);
	assert_int_equal(r.n_notes, 1);
	assert_int_equal(r.events[0], AMOD_CLIENT_DEVICE_REMOVED);

	/* The same endpoint comes back under another handle: the subscription follows it. */
	__atomic_store_n(&f->device_base, 5, __ATOMIC_SEQ_CST);
	speaker.id = 5;
	fake_send_main(f, wire_encode_device_event(f->main_out, sizeof(f->main_out),
						   WIRE_EVENT_DEVICE_ADDED, &speaker));
	PUMP_UNTIL(c, __atomic_load_n(&f->subscribes, __ATOMIC_SEQ_CST) == 2 &&
			      amod_subscription_get_device(s) == 5);
	for (int i = 0; i < 5; i++)
		pump(c, 10);
	write_other_event(f, 2);
	PUMP_UNTIL(c, r.n_notes == 2);
	assert_int_equal(r.notes[1].device, 5);
	assert_int_equal(r.notes[1].sequence, 2);
	amod_subscription_free(s);
	amod_client_free(c);
}

static void test_client_subscribe_unknown_device(void **state)
{
	struct fake *f = *state;
	struct rec r = {0};
	struct amod_client *c = connected_client(f, &r);
	struct amod_subscription *s = NULL;
	struct amod_subscription_ops bad = {.version = 0};

	assert_int_equal(amod_client_subscribe(c, 77, NULL, &sub_ops, &r, 2000, &s), -ENOENT);
	assert_null(s);
	assert_int_equal(amod_client_subscribe(c, 1, NULL, &bad, &r, 2000, &s), -EINVAL);
	assert_int_equal(f->subscribes, 0);
	amod_client_free(c);
}

static void test_client_reconnect_restores_subscription(void **state)
{
	struct fake *f = *state;
	struct rec r = {0};
	struct amod_client *c = new_client(f, &r, true);
	struct amod_subscription *s;
	int ret = 0;

	fake_start(f);
	assert_int_equal(amod_client_connect(c, 2000), 0);
	assert_int_equal(amod_client_subscribe(c, 1, NULL, &sub_ops, &r, 2000, &s), 0);
	/* amodd comes back with new device handles: the endpoint id finds the device again. */
	__atomic_store_n(&f->device_base, 10, __ATOMIC_SEQ_CST);
	fake_kick(f);
	for (int i = 0; i < 200 && ret == 0; i++)
		ret = pump(c, 10);
	assert_int_equal(ret, -ECONNRESET);
	PUMP_UNTIL(c, amod_client_get_state(c) == AMOD_CLIENT_READY);
	assert_int_equal(amod_subscription_get_device(s), 10);
	assert_int_equal(f->subscribes, 2);
	assert_int_equal(r.states[r.n_states - 3], AMOD_CLIENT_DISCONNECTED);
	assert_int_equal(r.states[r.n_states - 2], AMOD_CLIENT_CONNECTING);
	assert_int_equal(r.states[r.n_states - 1], AMOD_CLIENT_READY);

	write_other_event(f, 1);
	PUMP_UNTIL(c, r.n_notes == 1);
	assert_int_equal(r.notes[0].device, 10);
	amod_subscription_free(s);
	amod_client_free(c);
}

static void test_client_reconnect_after_failed_connect(void **state)
{
	struct fake *f = *state;
	struct rec r = {0};
	struct amod_client *c = new_client(f, &r, true);

	/* The socket is there but nobody answers yet: connect fails, dispatch keeps trying. */
	assert_int_equal(amod_client_connect(c, 50), -ETIMEDOUT);
	fake_start(f);
	PUMP_UNTIL(c, amod_client_get_state(c) == AMOD_CLIENT_READY);
	amod_client_free(c);
}

static void test_client_streams_and_property(void **state)
{
	struct fake *f = *state;
	struct rec r = {0};
	struct amod_client *c = connected_client(f, &r);
	uint8_t in[24], out[16];
	uint32_t stream = 0, size = sizeof(out);
	int32_t status = 1;

	assert_int_equal(amod_client_open_stream(c, 1, NULL, 2000, &stream), 0);
	assert_int_equal(stream, 42);
	assert_int_equal(amod_client_close_stream(c, 42, 2000), 0);
	assert_int_equal(amod_client_close_stream(c, 43, 2000), -ENOENT);

	memcpy(in, audio_module_set, 16);
	put32(in + 16, 3);
	put32(in + 20, 1);
	assert_int_equal(amod_client_property(c, 1, 0, in, sizeof(in), out, &size, 2000, &status),
			 0);
	assert_int_equal(status, STATUS_SUCCESS);
	assert_int_equal(size, 16);
	assert_int_equal(get32(out), speaker_id.data1);
	assert_int_equal(amod_client_property(c, 1, 0, in, 8, out, &size, 2000, &status), -EINVAL);
	amod_client_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
		T(test_client_socket_path_env),
		T(test_client_connect_hello),
		T(test_client_connect_access_denied),
		T(test_client_connect_other_major),
		T(test_client_connect_no_server),
		T(test_client_not_connected),
		T(test_client_list_devices),
		T(test_client_find_device),
		T(test_client_find_all),
		T(test_client_find_all_size_grows),
		T(test_client_find_by_id),
		T(test_client_find_all_malformed),
		T(test_client_notification_id),
		T(test_client_send_command),
		T(test_client_send_command_size_query),
		T(test_client_send_command_module_status),
		T(test_client_send_command_transport_error),
		T(test_client_send_command_async),
		T(test_client_send_command_timeout),
		T(test_client_late_reply_discarded),
		T(test_client_server_closes),
		T(test_client_async_pending_at_disconnect),
		T(test_client_blocking_call_connection_lost),
		T(test_client_device_events),
		T(test_client_device_event_during_blocking_call),
		T(test_client_shutdown_event),
		T(test_client_malformed_message),
		T(test_client_unexpected_fds_closed),
		T(test_client_too_many_fds),
		T(test_client_subscribe_notifications),
		T(test_client_ring_wakeup_skips_socket),
		T(test_client_subscribe_filter),
		T(test_client_subscribe_dropped),
		T(test_client_unsubscribe),
		T(test_client_subscription_freed_in_callback),
		T(test_client_device_removed_and_readded),
		T(test_client_subscribe_unknown_device),
		T(test_client_reconnect_restores_subscription),
		T(test_client_reconnect_after_failed_connect),
		T(test_client_streams_and_property),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
