/* SPDX-License-Identifier: MIT */
/*
 * D-Bus broadcast signals through a private dbus-daemon (the orchestrator starts one per run
 * on a socket of its own, never the system or session bus), with sd-bus on both ends: the
 * sender emits a signal whose body is the message as a byte array ("ay"); each reader has a
 * match rule for it and sleeps in sd_bus_wait().
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <systemd/sd-bus.h>

#include "bench.h"

#define BENCH_PATH "/org/amod/Bench"
#define BENCH_INTERFACE "org.amod.Bench"
#define BENCH_MEMBER "Note"
#define WAIT_US 200000

static int bus_connect(const struct bench_run *run, sd_bus **ret)
{
	sd_bus *bus = NULL;
	int r;

	r = sd_bus_new(&bus);
	if (r >= 0)
		r = sd_bus_set_address(bus, run->bus);
	if (r >= 0)
		r = sd_bus_set_bus_client(bus, 1);
	if (r >= 0)
		r = sd_bus_start(bus);
	if (r < 0) {
		sd_bus_unref(bus);
		return r;
	}
	*ret = bus;
	return 0;
}

struct dbus_sender {
	struct bench_run *run;
	sd_bus *bus;
	unsigned char buf[BENCH_MSG_MAX];
};

static int dbus_send(void *ctx, uint64_t seq, uint64_t send_ns)
{
	struct dbus_sender *s = ctx;
	sd_bus_message *m = NULL;
	int r;

	bench_msg_fill(s->buf, s->run->size, seq, send_ns);
	r = sd_bus_message_new_signal(s->bus, &m, BENCH_PATH, BENCH_INTERFACE, BENCH_MEMBER);
	if (r >= 0)
		r = sd_bus_message_append_array(m, 'y', s->buf, s->run->size);
	if (r >= 0)
		r = sd_bus_send(s->bus, m, NULL);
	sd_bus_message_unref(m);
	return r < 0 ? r : 0;
}

/* sd_bus_send() only queues once the socket is full: push the queue out. */
static void dbus_flush(void *ctx)
{
	struct dbus_sender *s = ctx;

	sd_bus_flush(s->bus);
}

static int dbus_sender(struct bench_shared *sh)
{
	static const struct sender_ops ops = { dbus_send, dbus_flush };
	static struct dbus_sender s;
	int r;

	s = (struct dbus_sender){ .run = &sh->run };
	r = bus_connect(&sh->run, &s.bus);
	if (r < 0) {
		fprintf(stderr, "amod-bench: dbus sender: %s\n", strerror(-r));
		return r;
	}
	atomic_store(&sh->sender_state, SENDER_LISTENING);
	bench_notify(sh);
	r = bench_sender_loop(sh, &ops, &s, NULL);
	if (r == 0)
		bench_sender_finish(sh);
	sd_bus_flush_close_unref(s.bus);
	return r;
}

static int on_signal(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	struct bench_reader *rd = userdata;
	uint64_t now = bench_reader_now(rd), seq, send_ns;
	const void *p;
	size_t size;

	if (sd_bus_message_read_array(m, 'y', &p, &size) < 0 ||
	    !bench_msg_parse(p, (uint32_t)size, &seq, &send_ns)) {
		rd->slot->errors++;
		return 0;
	}
	bench_reader_message(rd, seq, send_ns, now);
	return 0;
}

static int dbus_reader(struct bench_shared *sh, unsigned index)
{
	struct bench_reader rd;
	sd_bus *bus = NULL;
	int r;

	bench_reader_init(&rd, sh, index);
	r = bus_connect(&sh->run, &bus);
	/* Synchronous AddMatch: once it returns, the daemon routes the signal to us. */
	if (r >= 0)
		r = sd_bus_match_signal(bus, NULL, NULL, BENCH_PATH, BENCH_INTERFACE, BENCH_MEMBER,
					on_signal, &rd);
	if (r < 0) {
		fprintf(stderr, "amod-bench: dbus reader %u: %s\n", index, strerror(-r));
		bench_reader_finish(&rd, false);
		sd_bus_unref(bus);
		return r;
	}
	bench_reader_ready(&rd);
	while (!rd.done) {
		r = sd_bus_process(bus, NULL);
		if (r < 0)
			break;
		if (r > 0)
			continue;
		r = sd_bus_wait(bus, WAIT_US);
		if (r < 0)
			break;
		if (r > 0)
			rd.slot->wakeups++;
		if (r == 0 && bench_reader_check(&rd))
			break;
	}
	if (r > 0)
		r = 0;
	bench_reader_finish(&rd, r == 0 && !bench_aborted(sh));
	sd_bus_close_unref(bus);
	return r;
}

struct transport transport_dbus = {
	.name = "dbus",
	.label = "D-Bus",
	.modes = { [MODE_LATENCY] = true, [MODE_THROUGHPUT] = true },
	.available = true,
	.bus = true,
	.counts_wakeups = true,
	.sender = dbus_sender,
	.reader = dbus_reader,
};
