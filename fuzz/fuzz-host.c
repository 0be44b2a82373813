/* SPDX-License-Identifier: MIT */
/*
 * A whole server session fed arbitrary datagrams. One amod_host serves fuzz-sample.h's devices
 * for the whole process (on a socket in a temporary directory); each input is one fresh
 * SOCK_SEQPACKET connection that sends the input's datagrams (fuzz.h: FUZZ_HOST_*), with
 * amod_host_dispatch() and a non-blocking drain of the replies after each. Everything the host
 * sends must be a well-formed server message (with descriptors only on SUBSCRIBE_REPLY); every
 * reply must answer a request still waiting, by serial and type; every request must get its
 * reply unless the session ends; and after each input the host must have let the session go
 * and must still serve: a new connection's HELLO and LIST_DEVICES get their replies.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <amod/amod-host.h>

#include "wire/ring.h"
#include "wire/wire.h"

#include "fuzz-sample.h"

/*
 * How long the host may take to answer or to let a closed session go: past its own command
 * timeout (5 s by default), after which it answers a stuck handler's request itself.
 */
#define HOST_WAIT_MS 10000

static struct fuzz_sample sample;
static struct amod_host *host;
static char dir[] = "/tmp/amod-fuzz-host-XXXXXX";
static char socket_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
static int passed_fd = -1; /* what inputs attach to their datagrams */
static uint8_t buf[WIRE_MAX_MESSAGE];

static void host_fini(void)
{
	host = amod_host_free(host);
	if (passed_fd >= 0)
		close(passed_fd);
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct amod_host_config config = {
		.version = AMOD_HOST_CONFIG_VERSION,
		.socket_path = socket_path,
		.ring_size = RING_MIN_SIZE,
	};

	FUZZ_CHECK(mkdtemp(dir));
	snprintf(socket_path, sizeof(socket_path), "%s/amodd.sock", dir);
	fuzz_sample_init(&sample, false);
	FUZZ_CHECK(amod_host_new(sample.adapter, &config, &host) == 0);
	passed_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	FUZZ_CHECK(passed_fd >= 0);
	atexit(host_fini);
	return 0;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void pump(void)
{
	FUZZ_CHECK(amod_host_dispatch(host) == 0);
}

/* Sleeps until the host or the client socket has something, at most 10 ms. */
static void wait_events(int fd)
{
	struct pollfd p[2] = { { amod_host_get_fd(host), POLLIN, 0 }, { fd, POLLIN, 0 } };

	poll(p, fd >= 0 ? 2 : 1, 10);
}

static int connect_host(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	FUZZ_CHECK(fd >= 0);
	memcpy(sa.sun_path, socket_path, strlen(socket_path) + 1);
	FUZZ_CHECK(connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
	pump();
	return fd;
}

/*
 * Receives one datagram without blocking and checks it is a message a server may send.
 * Returns its size, 0 when nothing is pending, -1 when the host closed the session.
 */
static ssize_t receive(int fd, struct wire_msg *ret_msg)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * 8)];
		struct cmsghdr align;
	} control;
	struct iovec iov = { buf, sizeof(buf) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
			     .msg_controllen = sizeof(control.buf) };
	ssize_t n = recvmsg(fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	size_t n_fds = 0;

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n <= 0)
		return -1;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		FUZZ_CHECK(c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS);
		for (size_t k = 0; k < (c->cmsg_len - CMSG_LEN(0)) / sizeof(int); k++, n_fds++) {
			int received;

			memcpy(&received, CMSG_DATA(c) + k * sizeof(int), sizeof(received));
			close(received);
		}
	}
	FUZZ_CHECK(!(mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)));
	FUZZ_CHECK(wire_decode(buf, (size_t)n, ret_msg) == 0);
	/* Server to client only (§3.2), and descriptors only where §1.2 allows them. */
	FUZZ_CHECK(ret_msg->hdr.type >= WIRE_HELLO_REPLY);
	FUZZ_CHECK(n_fds == (ret_msg->hdr.type == WIRE_SUBSCRIBE_REPLY ? WIRE_SUBSCRIBE_FDS : 0));
	return n;
}

/* What the fuzzed session sent and has not had an answer to. */
struct outstanding {
	struct request {
		uint32_t serial;
		uint16_t type;
	} *requests;
	unsigned n;
};

static bool answers(uint16_t request, uint16_t reply)
{
	switch (request) {
	case WIRE_HELLO:
		return reply == WIRE_HELLO_REPLY;
	case WIRE_LIST_DEVICES:
	case WIRE_DEVICE_INFO:
		return reply == WIRE_DEVICE_LIST;
	case WIRE_PROPERTY:
		return reply == WIRE_PROPERTY_REPLY;
	case WIRE_SUBSCRIBE:
		return reply == WIRE_SUBSCRIBE_REPLY;
	case WIRE_OPEN_STREAM:
		return reply == WIRE_STREAM_REPLY;
	case WIRE_UNSUBSCRIBE:
	case WIRE_CLOSE_STREAM:
		return reply == WIRE_OK;
	default:
		return false;
	}
}

/*
 * Receives what is pending. Each reply (events have serial 0) must answer a request that is
 * still waiting, with that request's serial and its reply type or ERROR (§3.2, §4). Returns
 * false once the host has closed the session.
 */
static bool drain(int fd, struct outstanding *o)
{
	struct wire_msg m;
	ssize_t n;

	while ((n = receive(fd, &m)) > 0) {
		unsigned i;

		if (!m.hdr.serial)
			continue;
		for (i = 0; i < o->n; i++)
			if (o->requests[i].serial == m.hdr.serial &&
			    (m.hdr.type == WIRE_ERROR || answers(o->requests[i].type, m.hdr.type)))
				break;
		FUZZ_CHECK(i < o->n);
		o->requests[i] = o->requests[--o->n];
	}
	return n == 0;
}

/* Returns 1 if sent, 0 if the socket is full, -1 if the host has ended the session. */
static int send_datagram(int fd, const uint8_t *data, size_t len, bool with_fd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} control;
	struct iovec iov = { (void *)data, len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (with_fd) {
		struct cmsghdr *c;

		memset(&control, 0, sizeof(control));
		mh.msg_control = control.buf;
		mh.msg_controllen = sizeof(control.buf);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &passed_fd, sizeof(int));
	}
	if (sendmsg(fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL) >= 0)
		return 1;
	return errno == EAGAIN ? 0 : -1;
}

/* Closes a connection and waits for the host to let every session go. */
static void hang_up(int fd)
{
	uint64_t deadline = now_ms() + HOST_WAIT_MS;

	close(fd);
	for (;;) {
		pump();
		if (amod_host_get_client_count(host) == 0)
			return;
		FUZZ_CHECK(now_ms() < deadline);
		wait_events(-1);
	}
}

/* Sends one request and waits for the reply with its serial. */
static void request(int fd, const uint8_t *msg, int len, struct wire_msg *ret_reply)
{
	uint64_t deadline = now_ms() + HOST_WAIT_MS;
	struct wire_msg sent;

	FUZZ_CHECK(len > 0 && wire_decode(msg, (size_t)len, &sent) == 0);
	FUZZ_CHECK(send(fd, msg, (size_t)len, MSG_DONTWAIT | MSG_NOSIGNAL) == len);
	for (;;) {
		ssize_t n;

		pump();
		n = receive(fd, ret_reply);
		FUZZ_CHECK(n >= 0);
		if (n > 0 && ret_reply->hdr.serial == sent.hdr.serial)
			return;
		if (n == 0) {
			FUZZ_CHECK(now_ms() < deadline);
			wait_events(fd);
		}
	}
}

/* The host still serves: HELLO, then LIST_DEVICES with every device. */
static void check_alive(void)
{
	uint8_t msg[64];
	struct wire_msg reply;
	int fd = connect_host();

	request(fd, msg, wire_encode_hello(msg, sizeof(msg), 1), &reply);
	FUZZ_CHECK(reply.hdr.type == WIRE_HELLO_REPLY);
	request(fd, msg, wire_encode_list_devices(msg, sizeof(msg), 2), &reply);
	FUZZ_CHECK(reply.hdr.type == WIRE_DEVICE_LIST &&
		   reply.device_list.count == FUZZ_SAMPLE_DEVICES);
	hang_up(fd);
}

/*
 * The server answers every request it accepts with exactly one message (§3.2), some of them
 * from a device's worker thread, or ends the session: waits for one or the other. Returns
 * false if the session ended.
 */
static bool wait_replies(int fd, struct outstanding *o)
{
	uint64_t deadline = now_ms() + HOST_WAIT_MS;
	bool open = true;

	while (open && o->n) {
		FUZZ_CHECK(now_ms() < deadline);
		wait_events(fd);
		pump();
		open = drain(fd, o);
	}
	return open;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = { data, size, 0 };
	/* Every datagram takes at least its 2-byte chunk header. */
	struct outstanding o = { malloc((size / 2 + 1) * sizeof(*o.requests)), 0 };
	int fd = connect_host();

	FUZZ_CHECK(o.requests);

	while (fuzz_left(&in) > 0) {
		uint16_t head = fuzz_u16(&in);
		size_t len = head & FUZZ_HOST_LEN_MASK;
		uint8_t *dgram;
		int r;

		if (len > fuzz_left(&in))
			len = fuzz_left(&in);
		/* An exact-size copy, so the header patch below cannot touch the input. */
		dgram = malloc(len ? len : 1);
		FUZZ_CHECK(dgram);
		fuzz_bytes(&in, dgram, len);
		if ((head & FUZZ_HOST_FIX_SIZE) && len >= 8) {
			dgram[4] = (uint8_t)len;
			dgram[5] = (uint8_t)(len >> 8);
			dgram[6] = dgram[7] = 0;
		}
		r = -1; /* the session ended while waiting */
		if (!(head & FUZZ_HOST_WAIT) || wait_replies(fd, &o))
			r = send_datagram(fd, dgram, len, head & FUZZ_HOST_SEND_FD);
		if (r > 0) {
			/* Malformed ones too: they get no reply, so they never match one. */
			uint8_t h[12] = { 0 };

			memcpy(h, dgram, len < sizeof(h) ? len : sizeof(h));
			o.requests[o.n++] = (struct request){
				(uint32_t)h[8] | (uint32_t)h[9] << 8 | (uint32_t)h[10] << 16 |
					(uint32_t)h[11] << 24,
				(uint16_t)(h[0] | h[1] << 8) };
		}
		free(dgram);
		if (r < 0)
			break;
		pump();
		if (!drain(fd, &o))
			break;
	}
	wait_replies(fd, &o);
	free(o.requests);
	hang_up(fd);
	check_alive();
	return 0;
}
