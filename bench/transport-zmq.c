/* SPDX-License-Identifier: MIT */
/*
 * ZeroMQ PUB/SUB over ipc://, set up not to lose anything: an XPUB with ZMQ_XPUB_NODROP
 * (a full queue makes zmq_send wait instead of dropping) and high-water marks far above the
 * bench's credit window. XPUB_VERBOSE hands the sender every subscription, so it starts only
 * once every reader is really subscribed (ZeroMQ's "slow joiner").
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <zmq.h>

#include "bench.h"

#define HWM 1000000
#define WAIT_MS 200

static void endpoint(const struct bench_run *run, char *buf, size_t size)
{
	snprintf(buf, size, "ipc://%s/zmq.sock", run->dir);
}

struct zmq_sender {
	struct bench_run *run;
	void *ctx;
	void *pub;
	uint32_t subscribed;
	unsigned char buf[BENCH_MSG_MAX];
};

static int zmq_send_msg(void *ctx, uint64_t seq, uint64_t send_ns)
{
	struct zmq_sender *s = ctx;

	bench_msg_fill(s->buf, s->run->size, seq, send_ns);
	while (zmq_send(s->pub, s->buf, s->run->size, 0) < 0)
		if (errno != EINTR && errno != EAGAIN)
			return -errno;
	return 0;
}

/* Counts subscription messages (first byte 1); ready once every reader's has arrived. */
static int zmq_ready(void *ctx)
{
	struct zmq_sender *s = ctx;
	unsigned char msg[64];
	int n;

	while ((n = zmq_recv(s->pub, msg, sizeof(msg), ZMQ_DONTWAIT)) >= 0)
		if (n >= 1 && msg[0] == 1)
			s->subscribed++;
	if (errno != EAGAIN && errno != EINTR)
		return -errno;
	return s->subscribed >= s->run->readers;
}

static int zmq_sender(struct bench_shared *sh)
{
	static const struct sender_ops ops = { zmq_send_msg, NULL };
	static struct zmq_sender s;
	int one = 1, hwm = HWM, zero = 0, r = 0;
	char ep[256];

	s = (struct zmq_sender){ .run = &sh->run };
	endpoint(&sh->run, ep, sizeof(ep));
	s.ctx = zmq_ctx_new();
	s.pub = s.ctx ? zmq_socket(s.ctx, ZMQ_XPUB) : NULL;
	if (!s.pub || zmq_setsockopt(s.pub, ZMQ_XPUB_NODROP, &one, sizeof(one)) < 0 ||
	    zmq_setsockopt(s.pub, ZMQ_XPUB_VERBOSE, &one, sizeof(one)) < 0 ||
	    zmq_setsockopt(s.pub, ZMQ_SNDHWM, &hwm, sizeof(hwm)) < 0 ||
	    zmq_setsockopt(s.pub, ZMQ_RCVHWM, &hwm, sizeof(hwm)) < 0 ||
	    zmq_setsockopt(s.pub, ZMQ_LINGER, &zero, sizeof(zero)) < 0 || zmq_bind(s.pub, ep) < 0) {
		r = -errno;
		fprintf(stderr, "amod-bench: zmq sender: %s\n", zmq_strerror(errno));
	}
	if (r == 0) {
		atomic_store(&sh->sender_state, SENDER_LISTENING);
		bench_notify(sh);
		r = bench_sender_loop(sh, &ops, &s, zmq_ready);
		if (r == 0)
			bench_sender_finish(sh);
	}
	if (s.pub)
		zmq_close(s.pub);
	if (s.ctx)
		zmq_ctx_term(s.ctx);
	return r;
}

static int zmq_reader(struct bench_shared *sh, unsigned index)
{
	int hwm = HWM, timeout = WAIT_MS, zero = 0, r = 0;
	unsigned char buf[BENCH_MSG_MAX];
	struct bench_reader rd;
	void *ctx, *sub = NULL;
	char ep[256];

	bench_reader_init(&rd, sh, index);
	endpoint(&sh->run, ep, sizeof(ep));
	ctx = zmq_ctx_new();
	if (ctx)
		sub = zmq_socket(ctx, ZMQ_SUB);
	if (!sub || zmq_setsockopt(sub, ZMQ_RCVHWM, &hwm, sizeof(hwm)) < 0 ||
	    zmq_setsockopt(sub, ZMQ_RCVTIMEO, &timeout, sizeof(timeout)) < 0 ||
	    zmq_setsockopt(sub, ZMQ_LINGER, &zero, sizeof(zero)) < 0 ||
	    zmq_setsockopt(sub, ZMQ_SUBSCRIBE, "", 0) < 0 || zmq_connect(sub, ep) < 0) {
		r = -errno;
		fprintf(stderr, "amod-bench: zmq reader %u: %s\n", index, zmq_strerror(errno));
		bench_reader_finish(&rd, false);
		goto out;
	}
	bench_reader_ready(&rd);
	while (!rd.done) {
		uint64_t seq, send_ns;
		int n = zmq_recv(sub, buf, sizeof(buf), 0);

		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR) {
				if (bench_reader_check(&rd))
					break;
				continue;
			}
			r = -errno;
			break;
		}
		if (!bench_msg_parse(buf, (uint32_t)n, &seq, &send_ns)) {
			rd.slot->errors++;
			continue;
		}
		bench_reader_message(&rd, seq, send_ns, bench_reader_now(&rd));
	}
	bench_reader_finish(&rd, r == 0 && !bench_aborted(sh));
out:
	if (sub)
		zmq_close(sub);
	if (ctx)
		zmq_ctx_term(ctx);
	return r;
}

struct transport transport_zmq = {
	.name = "zmq",
	.label = "ZeroMQ",
	.modes = { [MODE_LATENCY] = true, [MODE_THROUGHPUT] = true },
	.available = true,
	.sender = zmq_sender,
	.reader = zmq_reader,
};
