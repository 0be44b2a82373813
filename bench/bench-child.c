/* SPDX-License-Identifier: MIT */
/*
 * What every sender and reader child does the same way, whatever the transport: pacing or
 * streaming under a credit window, sequence checks, latency samples and CPU accounting. The
 * transports only move bytes, so the same rules measure all of them.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

/* Throughput: the sender checks the clock and ends a batch (wakes, flushes) this often. */
#define STREAM_BATCH 64u
/* How long a sender out of credit sleeps before it looks at the readers again. */
#define CREDIT_SLEEP_NS 20000u
/* Time the readers have to subscribe before the sender gives up. */
#define READY_TIMEOUT_NS (30ull * 1000000000ull)

uint64_t bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t bench_self_cpu(void)
{
	struct rusage ru;

	/* RUSAGE_SELF covers every thread: amod's host thread, ZeroMQ's I/O thread. */
	getrusage(RUSAGE_SELF, &ru);
	return ((uint64_t)ru.ru_utime.tv_sec + (uint64_t)ru.ru_stime.tv_sec) * 1000000000ull +
	       ((uint64_t)ru.ru_utime.tv_usec + (uint64_t)ru.ru_stime.tv_usec) * 1000ull;
}

void bench_notify(struct bench_shared *sh)
{
	uint64_t one = 1;

	(void)!write(sh->notify_fd, &one, sizeof(one));
}

void bench_sleep_ns(uint64_t ns)
{
	struct timespec ts = { (time_t)(ns / 1000000000ull), (long)(ns % 1000000000ull) };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static void sleep_until(uint64_t t)
{
	struct timespec ts = { (time_t)(t / 1000000000ull), (long)(t % 1000000000ull) };

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

bool bench_aborted(const struct bench_shared *sh)
{
	return atomic_load_explicit(&sh->abort, memory_order_relaxed) != 0;
}

void bench_msg_fill(void *buf, uint32_t size, uint64_t seq, uint64_t send_ns)
{
	struct bench_msg m = { seq, send_ns };

	/* Only the header changes from one message to the next; the rest stays zero. */
	memcpy(buf, &m, sizeof(m) <= size ? sizeof(m) : size);
}

bool bench_msg_parse(const void *buf, uint32_t size, uint64_t *seq, uint64_t *send_ns)
{
	struct bench_msg m;

	if (size < sizeof(m))
		return false;
	memcpy(&m, buf, sizeof(m));
	*seq = m.seq;
	*send_ns = m.send_ns;
	return true;
}

/* Sender side. */

static bool readers_ready(struct bench_shared *sh)
{
	for (uint32_t i = 0; i < sh->run.readers; i++)
		if (atomic_load_explicit(&sh->slots[i].state, memory_order_acquire) != SLOT_READY)
			return false;
	return true;
}

static uint64_t min_progress(struct bench_shared *sh)
{
	uint64_t m = UINT64_MAX;

	for (uint32_t i = 0; i < sh->run.readers; i++) {
		uint64_t p = atomic_load_explicit(&sh->slots[i].progress, memory_order_acquire);

		if (p < m)
			m = p;
	}
	return m;
}

/*
 * The window: message seq may go out once every reader has received (or lost) seq - window.
 * Once out of credit the sender waits for half a window, so it sends in batches rather than
 * one message per reader wake-up. Returns the new limit, or 0 if the run was aborted.
 */
static uint64_t wait_credit(struct bench_shared *sh, const struct sender_ops *ops, void *ctx,
			    uint64_t seq)
{
	uint64_t w = sh->run.window, m = min_progress(sh);

	if (m == UINT64_MAX)
		return UINT64_MAX;
	if (seq <= m + w)
		return m + w;
	if (ops->flush)
		ops->flush(ctx);
	while (seq > m + w / 2) {
		if (bench_aborted(sh))
			return 0;
		/* Sleeping, not spinning: on two cores a spinning sender starves the readers. */
		bench_sleep_ns(CREDIT_SLEEP_NS);
		m = min_progress(sh);
	}
	return m + w;
}

static int send_paced(struct bench_shared *sh, const struct sender_ops *ops, void *ctx)
{
	const struct bench_run *run = &sh->run;
	uint64_t period = 1000000000ull / run->rate, total = (uint64_t)run->warmup + run->count;
	uint64_t next = bench_now() + period;

	for (uint64_t seq = 1; seq <= total; seq++) {
		uint64_t t;
		int r;

		sleep_until(next);
		t = bench_now();
		r = ops->send(ctx, seq, t);
		if (r < 0)
			return r;
		if (ops->flush)
			ops->flush(ctx);
		if (seq == 1)
			sh->t_start = t;
		/* A late wake-up does not make the next send early: keep the period. */
		next += period;
		if (next < t + period / 2)
			next = t + period;
		if (bench_aborted(sh))
			return -ECANCELED;
	}
	sh->t_end = bench_now();
	atomic_store_explicit(&sh->sent, total, memory_order_release);
	return 0;
}

static int send_stream(struct bench_shared *sh, const struct sender_ops *ops, void *ctx)
{
	const struct bench_run *run = &sh->run;
	uint64_t seq = 0, limit = run->window, t = bench_now();
	int r;

	sh->t_start = t;
	for (;;) {
		if (seq && seq % STREAM_BATCH == 0) {
			if (ops->flush)
				ops->flush(ctx);
			t = bench_now();
			if (t - sh->t_start >= run->duration_ns ||
			    (run->max_count && seq >= run->max_count) || bench_aborted(sh))
				break;
		}
		seq++;
		if (seq > limit) {
			limit = wait_credit(sh, ops, ctx, seq);
			if (!limit)
				return -ECANCELED;
		}
		r = ops->send(ctx, seq, t);
		if (r < 0)
			return r;
	}
	sh->t_end = bench_now();
	/* The count is final before the end marker goes out: a reader seeing seq > sent ends. */
	atomic_store_explicit(&sh->sent, seq, memory_order_release);
	atomic_store_explicit(&sh->stop, 1, memory_order_release);
	r = ops->send(ctx, seq + 1, t);
	if (ops->flush)
		ops->flush(ctx);
	return r;
}

static uint64_t thread_cpu(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/*
 * Bursts of batch sends, timed as a whole; the pause lets the readers drain and go back to
 * sleep, so each burst's first send finds them waiting. The sending thread runs SCHED_FIFO
 * when it may, as a driver's audio thread does: otherwise, on two cores, the readers it
 * wakes preempt it and the wall time measures the scheduler rather than the send. Its CPU
 * time is recorded too, which no preemption inflates.
 */
static int send_batches(struct bench_shared *sh, const struct sender_ops *ops, void *ctx)
{
	const struct bench_run *run = &sh->run;
	struct sched_param rt = { .sched_priority = 10 }, normal = { 0 };
	uint32_t n = run->count / run->batch;
	uint64_t seq = 0, next = bench_now();
	int r = 0;

	sh->sender_rt = pthread_setschedparam(pthread_self(), SCHED_FIFO, &rt) == 0;
	sh->t_start = next;
	for (uint32_t b = 0; b < n && r == 0; b++) {
		uint64_t t0, t1, c0, c1;

		sleep_until(next);
		next += (uint64_t)run->batch_gap_us * 1000u;
		c0 = thread_cpu();
		t0 = bench_now();
		for (uint32_t i = 0; i < run->batch && r == 0; i++)
			r = ops->send(ctx, ++seq, t0);
		t1 = bench_now();
		c1 = thread_cpu();
		sh->batch_ns[b] = (double)(t1 - t0) / run->batch;
		sh->batch_cpu_ns[b] = (double)(c1 - c0) / run->batch;
		sh->n_batches = b + 1;
		if (bench_aborted(sh))
			r = -ECANCELED;
	}
	if (sh->sender_rt)
		pthread_setschedparam(pthread_self(), SCHED_OTHER, &normal);
	if (r < 0)
		return r;
	sh->t_end = bench_now();
	atomic_store_explicit(&sh->sent, seq, memory_order_release);
	return 0;
}

int bench_sender_loop(struct bench_shared *sh, const struct sender_ops *ops, void *ctx,
		      int (*ready)(void *ctx))
{
	uint64_t deadline = bench_now() + READY_TIMEOUT_NS;
	int r;

	for (;;) {
		if (readers_ready(sh)) {
			r = ready ? ready(ctx) : 1;
			if (r < 0)
				return r;
			if (r > 0)
				break;
		}
		if (bench_aborted(sh) || bench_now() > deadline)
			return -ETIMEDOUT;
		bench_sleep_ns(1000000);
	}
	sh->sender_cpu_ns = bench_self_cpu();
	atomic_store_explicit(&sh->sender_state, SENDER_ARMED, memory_order_release);
	bench_notify(sh);
	while (!atomic_load_explicit(&sh->go, memory_order_acquire)) {
		if (bench_aborted(sh))
			return -ECANCELED;
		bench_sleep_ns(100000);
	}

	switch (sh->run.mode) {
	case MODE_LATENCY:
		return send_paced(sh, ops, ctx);
	case MODE_THROUGHPUT:
		return send_stream(sh, ops, ctx);
	case MODE_DRIVER:
	case MODE_DRIVER_IDLE:
		return send_batches(sh, ops, ctx);
	default:
		return -EINVAL;
	}
}

void bench_sender_finish(struct bench_shared *sh)
{
	atomic_store_explicit(&sh->sender_state, SENDER_DONE, memory_order_release);
	bench_notify(sh);
	/*
	 * Stay up until every reader is done (our sockets and the host must outlive the
	 * delivery), and count the CPU until then: ZeroMQ's I/O thread keeps writing queued
	 * messages after the last zmq_send() returned.
	 */
	while (!atomic_load_explicit(&sh->finish, memory_order_acquire) && !bench_aborted(sh))
		bench_sleep_ns(2000000);
	sh->sender_cpu_ns = bench_self_cpu() - sh->sender_cpu_ns;
}

/* Reader side. */

void bench_reader_init(struct bench_reader *rd, struct bench_shared *sh, unsigned index)
{
	*rd = (struct bench_reader){ .sh = sh, .slot = &sh->slots[index], .index = index };
}

void bench_reader_ready(struct bench_reader *rd)
{
	rd->cpu0 = bench_self_cpu();
	atomic_store_explicit(&rd->slot->state, SLOT_READY, memory_order_release);
	bench_notify(rd->sh);
}

static uint64_t expected(const struct bench_shared *sh)
{
	switch (sh->run.mode) {
	case MODE_LATENCY:
		return (uint64_t)sh->run.warmup + sh->run.count;
	case MODE_DRIVER:
		return sh->run.count;       /* whole batches: the orchestrator makes it so */
	default:
		return atomic_load_explicit(&sh->stop, memory_order_acquire)
			       ? atomic_load_explicit(&sh->sent, memory_order_acquire)
			       : UINT64_MAX;
	}
}

uint64_t bench_reader_now(const struct bench_reader *rd)
{
	return rd->sh->run.mode == MODE_LATENCY ? bench_now() : 0;
}

void bench_reader_message(struct bench_reader *rd, uint64_t seq, uint64_t send_ns,
			  uint64_t now_ns)
{
	struct bench_slot *slot = rd->slot;
	const struct bench_run *run = &rd->sh->run;

	/* The end marker of a throughput run is one past the final count. */
	if (run->mode == MODE_THROUGHPUT &&
	    atomic_load_explicit(&rd->sh->stop, memory_order_acquire) &&
	    seq > atomic_load_explicit(&rd->sh->sent, memory_order_acquire)) {
		/* Sent right after the last one: its arrival ends the delivery. */
		slot->last_ns = bench_now();
		rd->done = true;
		return;
	}
	if (seq <= rd->last_seq) {
		slot->errors++;
		return;
	}
	if (seq > rd->last_seq + 1)
		slot->lost += seq - rd->last_seq - 1;
	rd->last_seq = seq;
	slot->received++;
	if (now_ns) {
		if (!slot->first_ns)
			slot->first_ns = now_ns;
		slot->last_ns = now_ns;
	}
	if (run->mode == MODE_LATENCY && seq > run->warmup && slot->n_samples < BENCH_MAX_SAMPLES) {
		uint64_t lat = now_ns > send_ns ? now_ns - send_ns : 0;

		rd->sh->samples[rd->index][slot->n_samples++] =
			lat > UINT32_MAX ? UINT32_MAX : (uint32_t)lat;
	}
	atomic_store_explicit(&slot->progress, slot->received + slot->lost, memory_order_release);
	if (run->mode != MODE_THROUGHPUT && seq >= expected(rd->sh))
		rd->done = true;
}

void bench_reader_lost(struct bench_reader *rd, uint64_t count)
{
	rd->slot->lost += count;
	rd->slot->dropped += count;
	rd->last_seq += count;
	atomic_store_explicit(&rd->slot->progress, rd->slot->received + rd->slot->lost,
			      memory_order_release);
}

bool bench_reader_check(struct bench_reader *rd)
{
	const struct bench_shared *sh = rd->sh;

	if (rd->done || bench_aborted(sh))
		return true;
	/* A throughput run whose end marker went missing. */
	if (sh->run.mode == MODE_THROUGHPUT &&
	    atomic_load_explicit(&sh->sender_state, memory_order_acquire) == SENDER_DONE &&
	    rd->last_seq >= atomic_load_explicit(&sh->sent, memory_order_acquire)) {
		rd->slot->last_ns = bench_now(); /* late by up to a wait: never on a good run */
		rd->done = true;
	}
	return rd->done;
}

void bench_reader_finish(struct bench_reader *rd, bool ok)
{
	rd->slot->cpu_ns = bench_self_cpu() - rd->cpu0;
	atomic_store_explicit(&rd->slot->state, ok ? SLOT_DONE : SLOT_FAILED, memory_order_release);
	bench_notify(rd->sh);
}
