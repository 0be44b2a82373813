/* SPDX-License-Identifier: MIT */
/*
 * One writer at full speed into a small ring, three readers at different paces and a thread
 * adding and removing readers meanwhile. Every reader sees each notification once, in order,
 * with its exact payload, or counts it in a dropped report: received + dropped == N, never a
 * torn record. A reader that said it waits is always woken when something is written, and
 * wake-ups are coalesced. Run under TSan by `make check` (suite "stress").
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <amod/amod-port.h>

#include "wire/ring.h"

#define N 200000u
#define RING_SIZE (64u * 1024u)
#define WAIT_MS 2000
#define DEADLINE_S 240

static const struct amod_guid event_guid = {
	0xE7E07000, 0x1111, 0x2222, { 9, 8, 7, 6, 5, 4, 3, 2 }
};

enum pace { FAST, SLOW, STOPPER };

struct shared {
	struct ring_writer *writer;
	uint64_t written;               /* atomic: ring_write() calls that returned */
	int done;                       /* atomic: the writer has finished */
	unsigned write_errors;
	uint64_t woken;
};

struct reader {
	pthread_t thread;
	struct shared *s;
	struct ring_reader *r;
	enum pace pace;
	uint64_t expected;              /* next sequence due */
	uint64_t received;
	uint64_t dropped;
	uint64_t wakeups;
	unsigned bad_sequence;
	unsigned bad_payload;
	unsigned bad_drop;
	unsigned errors;
	unsigned lost_wakes;
	unsigned timed_out;
};

struct churn {
	pthread_t thread;
	struct shared *s;
	unsigned iterations;
	unsigned errors;
};

/* Mostly small, now and then large enough to force padding often. */
static uint32_t payload_size(uint64_t seq)
{
	if (seq % 97 == 0)
		return 4000 + (uint32_t)(seq % 5000);
	return (uint32_t)((seq * 2654435761u) >> 7) % 600;
}

static uint8_t pattern_byte(uint64_t seq, uint32_t i)
{
	return (uint8_t)(seq * 131u + i * 7u + 1u);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *writer_main(void *arg)
{
	static uint8_t payload[16384];
	struct shared *s = arg;

	for (uint64_t seq = 1; seq <= N; seq++) {
		struct amod_notification n = {
			.event_id = event_guid,
			.sequence = seq,
			.timestamp_ns = seq,
			.data = payload,
			.size = payload_size(seq),
		};
		int r;

		for (uint32_t i = 0; i < n.size; i++)
			payload[i] = pattern_byte(seq, i);
		r = ring_write(s->writer, &n);
		if (r < 0)
			s->write_errors++;
		else
			s->woken += (uint64_t)r;
		__atomic_store_n(&s->written, seq, __ATOMIC_SEQ_CST);
	}
	__atomic_store_n(&s->done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

static void check_entry(struct reader *rd, const struct ring_entry *e)
{
	const uint8_t *p = e->payload;

	if (e->kind == RING_ENTRY_DROPPED) {
		if (e->dropped == 0 || e->sequence != rd->expected + e->dropped - 1)
			rd->bad_drop++;
		rd->dropped += e->dropped;
		rd->expected += e->dropped;
		return;
	}
	if (e->sequence != rd->expected) {
		rd->bad_sequence++;
		rd->expected = e->sequence;
	}
	if (e->payload_size != payload_size(e->sequence) || e->timestamp_ns != e->sequence ||
	    memcmp(&e->event_id, &event_guid, sizeof(event_guid)) != 0) {
		rd->bad_payload++;
	} else {
		for (uint32_t i = 0; i < e->payload_size; i++)
			if (p[i] != pattern_byte(e->sequence, i)) {
				rd->bad_payload++;
				break;
			}
	}
	rd->received++;
	rd->expected++;
}

/* Sleeps on the eventfd; counts a timeout while writes happened as a lost wake-up. */
static void wait_for_data(struct reader *rd)
{
	struct pollfd pfd = { .fd = ring_reader_get_fd(rd->r), .events = POLLIN };
	uint64_t before, after;
	int k;

	if (ring_reader_prepare_wait(rd->r) != 0)
		return;
	/* Any write counted after this point started after our flag was up. */
	before = __atomic_load_n(&rd->s->written, __ATOMIC_SEQ_CST);
	k = poll(&pfd, 1, WAIT_MS);
	if (k == 1) {
		ring_reader_clear_wake(rd->r);
		rd->wakeups++;
		return;
	}
	rd->timed_out++;
	after = __atomic_load_n(&rd->s->written, __ATOMIC_SEQ_CST);
	if (after > before)
		rd->lost_wakes++;
}

static void *reader_main(void *arg)
{
	struct reader *rd = arg;
	double deadline = now_s() + DEADLINE_S;
	bool stopped = false;

	rd->expected = 1;
	while (rd->expected <= N && now_s() < deadline) {
		struct ring_entry e;
		int k = ring_reader_next(rd->r, &e);

		if (k < 0) {
			if (++rd->errors > 100)
				break;
			continue;
		}
		if (k == 0) {
			wait_for_data(rd);
			continue;
		}
		check_entry(rd, &e);

		if (rd->pace == SLOW && rd->received % 200 == 0)
			usleep(100);
		if (rd->pace == STOPPER && !stopped && rd->received == 1000) {
			/* Stay away until the writer is far more than a ring ahead. */
			uint64_t target = rd->expected + 2000;

			stopped = true;
			while (__atomic_load_n(&rd->s->written, __ATOMIC_SEQ_CST) < target &&
			       !__atomic_load_n(&rd->s->done, __ATOMIC_SEQ_CST))
				usleep(1000);
		}
	}
	return NULL;
}

/* Readers come and go while the writer writes: each one waits, so writes touch it. */
static void *churn_main(void *arg)
{
	struct churn *c = arg;
	struct ring_writer *w = c->s->writer;

	while (!__atomic_load_n(&c->s->done, __ATOMIC_SEQ_CST)) {
		struct ring_writer_reader *wr;
		struct ring_reader *r;
		struct ring_entry e;

		if (ring_writer_add_reader(w, &wr) < 0) {
			c->errors++;
			break;
		}
		if (ring_reader_new(dup(ring_writer_get_fd(w)), ring_writer_get_map_size(w),
				    dup(ring_writer_reader_get_page_fd(wr)),
				    dup(ring_writer_reader_get_event_fd(wr)), &r) < 0) {
			c->errors++;
			ring_writer_remove_reader(w, wr);
			break;
		}
		for (int i = 0; i < 3; i++)
			if (ring_reader_next(r, &e) < 0)
				c->errors++;
		(void)ring_reader_prepare_wait(r);
		usleep(50);
		ring_writer_remove_reader(w, wr);
		ring_reader_free(r);
		c->iterations++;
	}
	return NULL;
}

static void test_ring_stress_writer_and_three_readers(void **state)
{
	struct shared s = { 0 };
	struct reader readers[3] = {
		{ .pace = FAST },
		{ .pace = SLOW },
		{ .pace = STOPPER },
	};
	struct ring_writer_reader *wr[3];
	struct churn churn = { .s = &s };
	pthread_t writer;

	assert_int_equal(ring_writer_new(RING_SIZE, 1, NULL, &s.writer), 0);
	for (int i = 0; i < 3; i++) {
		readers[i].s = &s;
		assert_int_equal(ring_writer_add_reader(s.writer, &wr[i]), 0);
		assert_int_equal(ring_reader_new(dup(ring_writer_get_fd(s.writer)),
						 ring_writer_get_map_size(s.writer),
						 dup(ring_writer_reader_get_page_fd(wr[i])),
						 dup(ring_writer_reader_get_event_fd(wr[i])),
						 &readers[i].r),
				 0);
	}
	for (int i = 0; i < 3; i++)
		assert_int_equal(pthread_create(&readers[i].thread, NULL, reader_main, &readers[i]),
				 0);
	assert_int_equal(pthread_create(&churn.thread, NULL, churn_main, &churn), 0);
	assert_int_equal(pthread_create(&writer, NULL, writer_main, &s), 0);

	pthread_join(writer, NULL);
	pthread_join(churn.thread, NULL);
	for (int i = 0; i < 3; i++)
		pthread_join(readers[i].thread, NULL);

	assert_int_equal(s.write_errors, 0);
	assert_int_equal(churn.errors, 0);
	for (int i = 0; i < 3; i++) {
		struct reader *rd = &readers[i];

		printf("reader %d: received %llu dropped %llu wake-ups %llu timeouts %u\n", i,
		       (unsigned long long)rd->received, (unsigned long long)rd->dropped,
		       (unsigned long long)rd->wakeups, rd->timed_out);
		assert_int_equal(rd->errors, 0);
		assert_int_equal(rd->bad_sequence, 0);
		assert_int_equal(rd->bad_payload, 0);
		assert_int_equal(rd->bad_drop, 0);
		assert_int_equal(rd->lost_wakes, 0);
		assert_int_equal(rd->expected, N + 1);
		assert_int_equal(rd->received + rd->dropped, N);
	}
	printf("churn: %u readers added and removed; writer woke %llu\n", churn.iterations,
	       (unsigned long long)s.woken);
	/* The fast reader slept at times, and a burst costs it one wake-up, not one per record. */
	assert_true(readers[FAST].wakeups < N);
	/* The stopper was lapped on purpose. */
	assert_true(readers[STOPPER].dropped > 0);

	for (int i = 0; i < 3; i++) {
		ring_writer_remove_reader(s.writer, wr[i]);
		ring_reader_free(readers[i].r);
	}
	ring_writer_free(s.writer);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ring_stress_writer_and_three_readers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
