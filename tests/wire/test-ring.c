/* SPDX-License-Identifier: MIT */
/*
 * The broadcast ring, single-threaded: the layout amodd publishes, round trips of fields and
 * payloads, padding and wrap-around, exact loss counts for a reader left behind, the waiting
 * flag and its coalesced wake-ups, the reader registry, and a reader fed hostile headers and
 * records (from a ring the test builds itself), which must fail cleanly and never loop.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <amod/amod-port.h>

#include "wire/ring.h"

#define SMALL RING_MIN_SIZE
#define MAP_SMALL (RING_HEADER_SIZE + SMALL)
#define ALIGN8(x) (((x) + 7u) & ~7u)

static const struct amod_guid device_guid = {
	0x0D1E5E00, 0x0001, 0x0002, { 1, 2, 3, 4, 5, 6, 7, 8 }
};
static const struct amod_guid event_guid = {
	0xE7E07000, 0x1111, 0x2222, { 9, 8, 7, 6, 5, 4, 3, 2 }
};
static const struct amod_guid class_guid = {
	0xC1A55000, 0x3333, 0x4444, { 0xA, 0xB, 0xC, 0xD, 0xE, 0xF, 0x10, 0x11 }
};

static uint8_t payload[RING_MAX_SIZE / 4];

static uint8_t pattern_byte(uint64_t seq, uint32_t i)
{
	return (uint8_t)(seq * 131u + i * 7u + 1u);
}

static struct ring_writer *writer_new(uint32_t size)
{
	struct ring_writer *w = NULL;

	assert_int_equal(ring_writer_new(size, 7, &device_guid, &w), 0);
	return w;
}

/* A reader as a client gets it: its own copies of the three fds. */
static struct ring_reader *reader_open(struct ring_writer *w, struct ring_writer_reader *wr)
{
	struct ring_reader *r = NULL;

	assert_int_equal(ring_reader_new(dup(ring_writer_get_fd(w)), ring_writer_get_map_size(w),
					 dup(ring_writer_reader_get_page_fd(wr)),
					 dup(ring_writer_reader_get_event_fd(wr)), &r),
			 0);
	return r;
}

static struct ring_reader *reader_new(struct ring_writer *w, struct ring_writer_reader **ret_wr)
{
	assert_int_equal(ring_writer_add_reader(w, ret_wr), 0);
	return reader_open(w, *ret_wr);
}

static int write_seq(struct ring_writer *w, uint64_t seq, uint32_t size)
{
	struct amod_notification n = {
		.event_id = event_guid,
		.device_id = device_guid,
		.class_id = class_guid,
		.instance_id = (uint32_t)seq * 3u,
		.sequence = seq,
		.timestamp_ns = seq * 1000u + 5u,
		.data = payload,
		.size = size,
	};

	for (uint32_t i = 0; i < size; i++)
		payload[i] = pattern_byte(seq, i);
	return ring_write(w, &n);
}

static void expect_notification(struct ring_reader *r, uint64_t seq, uint32_t size)
{
	struct ring_entry e;
	const uint8_t *p;

	assert_int_equal(ring_reader_next(r, &e), 1);
	assert_int_equal(e.kind, RING_ENTRY_NOTIFICATION);
	assert_int_equal(e.sequence, seq);
	assert_int_equal(e.timestamp_ns, seq * 1000u + 5u);
	assert_memory_equal(&e.event_id, &event_guid, sizeof(event_guid));
	assert_memory_equal(&e.class_id, &class_guid, sizeof(class_guid));
	assert_int_equal(e.instance_id, (uint32_t)seq * 3u);
	assert_int_equal(e.payload_size, size);
	p = e.payload;
	assert_non_null(p);
	for (uint32_t i = 0; i < size; i++)
		assert_int_equal(p[i], pattern_byte(seq, i));
}

static void expect_dropped(struct ring_reader *r, uint64_t count)
{
	struct ring_entry e;

	assert_int_equal(ring_reader_next(r, &e), 1);
	assert_int_equal(e.kind, RING_ENTRY_DROPPED);
	assert_int_equal(e.dropped, count);
}

static void expect_empty(struct ring_reader *r)
{
	struct ring_entry e;

	assert_int_equal(ring_reader_next(r, &e), 0);
}

static const struct ring_header *map_header(struct ring_writer *w)
{
	void *p = mmap(NULL, ring_writer_get_map_size(w), PROT_READ, MAP_SHARED,
		       ring_writer_get_fd(w), 0);

	assert_true(p != MAP_FAILED);
	return p;
}

static void unmap_header(struct ring_writer *w, const struct ring_header *h)
{
	munmap((void *)h, ring_writer_get_map_size(w));
}

static uint64_t eventfd_count(int fd)
{
	uint64_t v = 0;

	if (read(fd, &v, sizeof(v)) != sizeof(v))
		return 0;
	return v;
}

static bool readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

static bool fd_is_open(int fd)
{
	return fcntl(fd, F_GETFD) >= 0;
}

/* Writer and layout. */

static void test_ring_writer_new_rejects_bad_size(void **state)
{
	const uint32_t bad[] = { 0, SMALL / 2, SMALL + 8, 3 * SMALL, RING_MAX_SIZE * 2 };
	struct ring_writer *w = NULL;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(ring_writer_new(bad[i], 0, NULL, &w), -EINVAL);
	assert_null(w);
}

static void test_ring_header_fields(void **state)
{
	struct ring_writer *w = writer_new(SMALL);
	const struct ring_header *h = map_header(w);

	assert_int_equal(ring_writer_get_map_size(w), MAP_SMALL);
	assert_int_equal(h->magic, RING_MAGIC);
	assert_int_equal(h->version, RING_VERSION);
	assert_int_equal(h->header_size, RING_HEADER_SIZE);
	assert_int_equal(h->data_size, SMALL);
	assert_int_equal(h->max_record, SMALL / 4);
	assert_int_equal(h->device, 7);
	assert_memory_equal(&h->device_id, &device_guid, sizeof(device_guid));
	assert_int_equal(h->write_pos, 0);
	assert_int_equal(h->sequence, 0);
	assert_int_equal(h->reserve_pos, 0);
	unmap_header(w, h);
	ring_writer_free(w);
}

static void test_ring_max_record_capped_for_large_rings(void **state)
{
	struct ring_writer *w = writer_new(RING_DEFAULT_SIZE);
	const struct ring_header *h = map_header(w);

	assert_int_equal(h->max_record, ALIGN8(RING_RECORD_HEADER_SIZE + 65535u));
	unmap_header(w, h);
	ring_writer_free(w);
}

static void test_ring_fd_sealed_and_not_writable_by_readers(void **state)
{
	struct ring_writer *w = writer_new(SMALL);
	int fd = ring_writer_get_fd(w), seals = fcntl(fd, F_GET_SEALS);

	assert_true(seals & F_SEAL_SHRINK);
	assert_true(seals & F_SEAL_GROW);
	assert_true(seals & F_SEAL_SEAL);
	assert_true(mmap(NULL, MAP_SMALL, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) == MAP_FAILED);
	assert_true(ftruncate(fd, 4096) < 0);
	ring_writer_free(w);
}

/* Round trips. */

/* Sends must not take page faults: every page of the ring exists before the first write. */
static void test_ring_pages_allocated_up_front(void **state)
{
	struct ring_writer *w = writer_new(RING_DEFAULT_SIZE);
	struct stat st;

	assert_int_equal(fstat(ring_writer_get_fd(w), &st), 0);
	assert_true((uint64_t)st.st_blocks * 512u >= ring_writer_get_map_size(w));
	ring_writer_free(w);
}

static void test_ring_write_read_one(void **state)
{
	struct ring_writer_reader *wr;
	struct ring_writer *w = writer_new(SMALL);
	struct ring_reader *r = reader_new(w, &wr);

	expect_empty(r);
	assert_int_equal(write_seq(w, 1, 48), 0);
	expect_notification(r, 1, 48);
	expect_empty(r);
	ring_reader_free(r);
	ring_writer_free(w);
}

static void test_ring_payload_sizes_round_trip(void **state)
{
	const uint32_t sizes[] = { 0, 1, 7, 8, 40, 48, 1000, SMALL / 4 - RING_RECORD_HEADER_SIZE };
	struct ring_writer_reader *wr;
	struct ring_writer *w = writer_new(SMALL);
	struct ring_reader *r = reader_new(w, &wr);

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		assert_int_equal(write_seq(w, i + 1, sizes[i]), 0);
		expect_notification(r, i + 1, sizes[i]);
	}
	expect_empty(r);
	ring_reader_free(r);
	ring_writer_free(w);
}

static void test_ring_write_read_many_in_order(void **state)
{
	struct ring_writer_reader *wr;
	struct ring_writer *w = writer_new(SMALL);
	struct ring_reader *r = reader_new(w, &wr);

	for (uint64_t s = 1; s <= 100; s++)
		assert_int_equal(write_seq(w, s, (uint32_t)(s * 13 % 200)), 0);
	for (uint64_t s = 1; s <= 100; s++)
		expect_notification(r, s, (uint32_t)(s * 13 % 200));
	expect_empty(r);
	ring_reader_free(r);
	ring_writer_free(w);
}

static void test_ring_record_too_large_not_written(void **state)
{
	struct ring_writer_reader *wr;
	struct ring_writer *w = writer_new(SMALL);
	struct ring_reader *r = reader_new(w, &wr);
	const struct ring_header *h = map_header(w);

	assert_int_equal(write_seq(w, 1, SMALL / 4 - RING_RECORD_HEADER_SIZE + 1), -EMSGSIZE);
	assert_int_equal(h->write_pos, 0);
	assert_int_equal(h->sequence, 0);
	expect_empty(r);
	unmap_header(w, h);
	ring_reader_free(r);
	ring_writer_free(w);
}

static void test_ring_sequence_gap_reported_then_record(void **state)
{
	struct ring_writer_reader *wr;
	struct ring_writer *w = writer_new(SMALL);
	struct ring_reader *r = reader_new(w, &wr);

	/* The ring numbers its records itself; one too large to write still takes a number. */
	assert_int_equal(write_seq(w, 1, 8), 0);
	assert_int_equal(write_seq(w, 2, SMALL / 4), -EMSGSIZE);
	assert_int_equal(write_seq(w, 3, 8), 0);
	expect_notification(r, 1, 8);
	expect_dropped(r, 1);
	expect_notification(r, 3, 8);
	expect_empty(r);
	ring_reader_free(r);
	ring_writer_free(w);
}

/* Padding and wrap-around. */

/* Where the writer must put the next record (ring.h): padding when it does not fit. */
static uint64_t model_write(uint64_t pos, uint32_t payload_size, unsigned *pads)
{
	uint64_t size = ALIGN8(RING_RECORD_HEADER_SIZE + payload_size), off = pos % SMALL;

	if (off + size > SMALL) {
		pos += SMALL - off;
		(*pads)++;
	}
	return pos + size;
}

static void test_ring_wraps_with_padding_over_laps(void **state)
{
	const uint32_t sizes[] = { 1000, 3000, 40, 7, 16000, 0, 555 };
	struct ring_writer_reader *wr;
	struct ring_writer *w = writer_new(SMALL);
	struct ring_reader *r = reader_new(w, &wr);
	const struct ring_header *h = map_header(w);
	uint64_t pos = 0;
	unsigned pads = 0;

	for (uint64_t s = 1; s <= 400; s++) {
		uint32_t size = sizes[s % 7];

		assert_int_equal(write_seq(w, s, size), 0);
		pos = model_write(pos, size, &pads);
		assert_int_equal(h->write_pos, pos);
		if (s % 3 == 0)
			for (uint64_t t = s - 2; t <= s; t++)
				expect_notification(r, t, sizes[t % 7]);
	}
	expect_notification(r, 400, sizes[400 % 7]);
	expect_empty(r);
	assert_true(pos > 5 * (uint64_t)SMALL);
	assert_true(pads >= 5);
	unmap_header(w, h);
	ring_reader_free(r);
	ring_writer_free(w);
}

static void test_ring_pad_shorter_than_record_header(void **state)
{
	struct ring_writer_reader *wr;
	struct ring_writer *w = writer_new(SMALL);
	struct ring_reader *r = reader_new(w, &wr);
	const struct ring_header *h = map_header(w);
	const uint32_t *last_word = (const uint32_t *)((const uint8_t *)h + RING_HEADER_SIZE +
						      SMALL - 8);
	uint64_t s = 0;

	/* 61 records of 1064 bytes and one of 624 leave 8 bytes before the end. */
	while (s < 61)
		assert_int_equal(write_seq(w, ++s, 1000), 0);
	for (uint64_t t = 1; t <= 61; t++)
		expect_notification(r, t, 1000);
	assert_int_equal(write_seq(w, ++s, 560), 0);
	assert_int_equal(h->write_pos, SMALL - 8);
	expect_notification(r, 62, 560);

	assert_int_equal(write_seq(w, ++s, 100), 0);
	assert_int_equal(last_word[0], 8);
	assert_int_equal(last_word[1], RING_RECORD_PAD);
	assert_int_equal(h->write_pos, SMALL + ALIGN8(RING_RECORD_HEADER_SIZE + 100));
	expect_notification(r, 63, 100);
	expect_empty(r);
	unmap_header(w, h);
	ring_reader_free(r);
	ring_writer_free(w);
}

/* Reader positions and losses. */

static void test_ring_late_reader_starts_at_current_position(void **state)
{
	struct ring_writer_reader *wr;
	struct ring_writer *w = writer_new(SMALL);
	struct ring_reader *r;

	for (uint64_t s = 1; s <= 5; s++)
		assert_int_equal(write_seq(w, s, 100), 0);
	r = reader_new(w, &wr);
	expect_empty(r);
	assert_int_equal(write_seq(w, 6, 100), 0);
	expect_notification(r, 6, 100);
	expect_empty(r);
	ring_reader_free(r);
	ring_writer_free(w);
}

static void test_ring_reader_gets_records_written_before_it_maps(void **state)
{
	struct ring_writer_reader *wr;
	struct ring_writer *w = writer_new(SMALL);
	struct ring_reader *r;

	assert_int_equal(write_seq(w, 1, 10), 0);
	assert_int_equal(ring_writer_add_reader(w, &wr), 0);
	assert_int_equal(write_seq(w, 2, 20), 0);
	assert_int_equal(write_seq(w, 3, 30), 0);
	r = reader_open(w, wr);
	expect_notification(r, 2, 20);
	expect_notification(r, 3, 30);
	expect_empty(r);
	ring_reader_free(r);
	ring_writer_free(w);
}

static void test_ring_lapped_before_mapping_counts_exactly(void **state)
{
	struct ring_writer_reader *wr;
	struct ring_writer *w = writer_new(SMALL);
	struct ring_reader *r;

	for (uint64_t s = 1; s <= 10; s++)
		assert_int_equal(write_seq(w, s, 64), 0);
	assert_int_equal(ring_writer_add_reader(w, &wr), 0);
	for (uint64_t s = 11; s <= 1010; s++)
		assert_int_equal(write_seq(w, s, 64), 0);
	r = reader_open(w, wr);
	expect_dropped(r, 1000);
	expect_empty(r);
	ring_reader_free(r);
	ring_writer_free(w);
}

static void test_ring_lapped_reader_gets_exact_drop_count(void **state)
{
	struct ring_writer_reader *wr;
	struct ring_writer *w = writer_new(SMALL);
	struct ring_reader *r = reader_new(w, &wr);
	struct ring_entry e;
	uint64_t s;

	for (s = 1; s <= 3; s++)
		assert_int_equal(write_seq(w, s, 64), 0);
	expect_notification(r, 1, 64);
	for (; s <= 1500; s++)
		assert_int_equal(write_seq(w, s, (uint32_t)(s % 300)), 0);

	assert_int_equal(ring_reader_next(r, &e), 1);
	assert_int_equal(e.kind, RING_ENTRY_DROPPED);
	assert_int_equal(e.dropped, 1499);
	assert_int_equal(e.sequence, 1500);
	expect_empty(r);
	for (; s <= 1503; s++)
		assert_int_equal(write_seq(w, s, 33), 0);
	for (uint64_t t = 1501; t <= 1503; t++)
		expect_notification(r, t, 33);
	expect_empty(r);
	ring_reader_free(r);
	ring_writer_free(w);
}

static void test_ring_reader_one_ring_behind_is_not_overrun(void **state)
{
	struct ring_writer_reader *wr;
	struct ring_writer *w = writer_new(SMALL);
	struct ring_reader *r = reader_new(w, &wr);
	const uint32_t n = SMALL / 128;

	/* 128-byte records fill the area exactly: the oldest is intact until the next write. */
	for (uint64_t s = 1; s <= n; s++)
		assert_int_equal(write_seq(w, s, 64), 0);
	for (uint64_t s = 1; s <= n; s++)
		expect_notification(r, s, 64);
	expect_empty(r);
	ring_reader_free(r);
	ring_writer_free(w);
}

static void test_ring_one_record_past_a_ring_is_overrun(void **state)
{
	struct ring_writer_reader *wr;
	struct ring_writer *w = writer_new(SMALL);
	struct ring_reader *r = reader_new(w, &wr);
	const uint32_t n = SMALL / 128 + 1;

	for (uint64_t s = 1; s <= n; s++)
		assert_int_equal(write_seq(w, s, 64), 0);
	expect_dropped(r, n);
	expect_empty(r);
	ring_reader_free(r);
	ring_writer_free(w);
}

static void test_ring_reader_page_tracks_position_and_losses(void **state)
{
	struct ring_writer_reader *wr;
	struct ring_writer *w = writer_new(SMALL);
	struct ring_reader *r = reader_new(w, &wr);
	const struct ring_header *h = map_header(w);
	const struct ring_reader_page *page = mmap(NULL, RING_PAGE_SIZE, PROT_READ, MAP_SHARED,
						   ring_writer_reader_get_page_fd(wr), 0);

	assert_true(page != MAP_FAILED);
	for (uint64_t s = 1; s <= 1000; s++)
		assert_int_equal(write_seq(w, s, 64), 0);
	expect_dropped(r, 1000);
	assert_int_equal(write_seq(w, 1001, 64), 0);
	expect_notification(r, 1001, 64);
	assert_int_equal(page->read_pos, h->write_pos);
	assert_int_equal(page->sequence, 1001);
	assert_int_equal(page->dropped, 1000);
	munmap((void *)page, RING_PAGE_SIZE);
	unmap_header(w, h);
	ring_reader_free(r);
	ring_writer_free(w);
}

/* Waiting and wake-ups. */

static void test_ring_prepare_wait_when_empty(void **state)
{
	struct ring_writer_reader *wr;
	struct ring_writer *w = writer_new(SMALL);
	struct ring_reader *r = reader_new(w, &wr);

	assert_int_equal(ring_reader_prepare_wait(r), 0);
	assert_false(readable(ring_reader_get_fd(r)));
	ring_reader_free(r);
	ring_writer_free(w);
}

static void test_ring_prepare_wait_with_data_pending(void **state)
{
	struct ring_writer_reader *wr;
	struct ring_writer *w = writer_new(SMALL);
	struct ring_reader *r = reader_new(w, &wr);

	assert_int_equal(write_seq(w, 1, 8), 0);
	assert_int_equal(ring_reader_prepare_wait(r), 1);
	/* The flag was taken back: the next write wakes nobody. */
	assert_int_equal(write_seq(w, 2, 8), 0);
	assert_false(readable(ring_reader_get_fd(r)));
	ring_reader_free(r);
	ring_writer_free(w);
}

static void test_ring_write_wakes_waiting_reader(void **state)
{
	struct ring_writer_reader *wr;
	struct ring_writer *w = writer_new(SMALL);
	struct ring_reader *r = reader_new(w, &wr);

	assert_int_equal(ring_reader_prepare_wait(r), 0);
	assert_int_equal(write_seq(w, 1, 8), 1);
	assert_true(readable(ring_reader_get_fd(r)));
	/* The writer cleared the flag as it woke us. */
	assert_int_equal(write_seq(w, 2, 8), 0);
	ring_reader_clear_wake(r);
	assert_false(readable(ring_reader_get_fd(r)));
	expect_notification(r, 1, 8);
	expect_notification(r, 2, 8);
	ring_reader_free(r);
	ring_writer_free(w);
}

static void test_ring_burst_wakes_once(void **state)
{
	struct ring_writer_reader *wr;
	struct ring_writer *w = writer_new(SMALL);
	struct ring_reader *r = reader_new(w, &wr);
	int woken = 0;

	assert_int_equal(ring_reader_prepare_wait(r), 0);
	for (uint64_t s = 1; s <= 1000; s++)
		woken += write_seq(w, s, 16);
	assert_int_equal(woken, 1);
	assert_int_equal(eventfd_count(ring_reader_get_fd(r)), 1);
	ring_reader_free(r);
	ring_writer_free(w);
}

static void test_ring_reader_not_waiting_gets_no_wake(void **state)
{
	struct ring_writer_reader *wr;
	struct ring_writer *w = writer_new(SMALL);
	struct ring_reader *r = reader_new(w, &wr);

	for (uint64_t s = 1; s <= 10; s++)
		assert_int_equal(write_seq(w, s, 16), 0);
	assert_int_equal(eventfd_count(ring_reader_get_fd(r)), 0);
	assert_int_equal(errno, EAGAIN);
	ring_reader_free(r);
	ring_writer_free(w);
}

static void test_ring_write_returns_readers_woken(void **state)
{
	struct ring_writer_reader *wr[3];
	struct ring_writer *w = writer_new(SMALL);
	struct ring_reader *r[3];

	for (int i = 0; i < 3; i++)
		r[i] = reader_new(w, &wr[i]);
	assert_int_equal(ring_reader_prepare_wait(r[0]), 0);
	assert_int_equal(ring_reader_prepare_wait(r[2]), 0);
	assert_int_equal(write_seq(w, 1, 16), 2);
	assert_true(readable(ring_reader_get_fd(r[0])));
	assert_false(readable(ring_reader_get_fd(r[1])));
	assert_true(readable(ring_reader_get_fd(r[2])));
	for (int i = 0; i < 3; i++)
		ring_reader_free(r[i]);
	ring_writer_free(w);
}

/* The registry. */

static void test_ring_removed_reader_not_woken(void **state)
{
	struct ring_writer_reader *wr[2];
	struct ring_writer *w = writer_new(SMALL);
	struct ring_reader *r[2];

	for (int i = 0; i < 2; i++)
		r[i] = reader_new(w, &wr[i]);
	assert_int_equal(ring_reader_prepare_wait(r[0]), 0);
	assert_int_equal(ring_reader_prepare_wait(r[1]), 0);
	ring_writer_remove_reader(w, wr[0]);
	ring_writer_remove_reader(w, NULL);
	assert_int_equal(write_seq(w, 1, 16), 1);
	assert_false(readable(ring_reader_get_fd(r[0])));
	assert_true(readable(ring_reader_get_fd(r[1])));
	/* The slot is free again. */
	ring_reader_free(r[0]);
	r[0] = reader_new(w, &wr[0]);
	assert_int_equal(ring_reader_prepare_wait(r[0]), 0);
	assert_int_equal(write_seq(w, 2, 16), 1);
	assert_true(readable(ring_reader_get_fd(r[0])));
	for (int i = 0; i < 2; i++)
		ring_reader_free(r[i]);
	ring_writer_free(w);
}

static void test_ring_remove_reader_closes_its_fds(void **state)
{
	struct ring_writer_reader *wr;
	struct ring_writer *w = writer_new(SMALL);
	int page_fd, event_fd;

	assert_int_equal(ring_writer_add_reader(w, &wr), 0);
	page_fd = ring_writer_reader_get_page_fd(wr);
	event_fd = ring_writer_reader_get_event_fd(wr);
	assert_true(fd_is_open(page_fd));
	assert_true(fd_is_open(event_fd));
	ring_writer_remove_reader(w, wr);
	assert_false(fd_is_open(page_fd));
	assert_false(fd_is_open(event_fd));
	ring_writer_free(w);
}

static void test_ring_add_reader_limit(void **state)
{
	static struct ring_writer_reader *wr[RING_MAX_READERS];
	struct ring_writer_reader *extra = NULL;
	struct ring_writer *w;
	struct rlimit rl;

	/* Two fds per reader. */
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur < 2 * RING_MAX_READERS + 64) {
		rl.rlim_cur = rl.rlim_max;
		if (rl.rlim_max < 2 * RING_MAX_READERS + 64 || setrlimit(RLIMIT_NOFILE, &rl) < 0)
			skip();
	}
	w = writer_new(SMALL);
	for (unsigned i = 0; i < RING_MAX_READERS; i++)
		assert_int_equal(ring_writer_add_reader(w, &wr[i]), 0);
	assert_int_equal(ring_writer_add_reader(w, &extra), -ENOSPC);
	assert_null(extra);
	ring_writer_remove_reader(w, wr[500]);
	assert_int_equal(ring_writer_add_reader(w, &wr[500]), 0);
	ring_writer_free(w); /* frees the readers still added */
}

/* Hostile rings: the test builds them, with a writable mapping of its own. */

struct fake {
	int ring_fd;
	int page_fd;
	struct ring_header *h;
	uint8_t *data;
	struct ring_reader_page *page;
};

static int sealed_memfd(size_t size)
{
	int fd = memfd_create("fake-ring", MFD_CLOEXEC | MFD_ALLOW_SEALING);

	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)size), 0);
	assert_int_equal(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW), 0);
	return fd;
}

static void fake_init(struct fake *f)
{
	void *p;

	f->ring_fd = sealed_memfd(MAP_SMALL);
	p = mmap(NULL, MAP_SMALL, PROT_READ | PROT_WRITE, MAP_SHARED, f->ring_fd, 0);
	assert_true(p != MAP_FAILED);
	f->h = p;
	f->data = (uint8_t *)p + RING_HEADER_SIZE;
	f->h->magic = RING_MAGIC;
	f->h->version = RING_VERSION;
	f->h->header_size = RING_HEADER_SIZE;
	f->h->data_size = SMALL;
	f->h->max_record = SMALL / 4;

	f->page_fd = sealed_memfd(RING_PAGE_SIZE);
	p = mmap(NULL, RING_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, f->page_fd, 0);
	assert_true(p != MAP_FAILED);
	f->page = p;
}

static void fake_fini(struct fake *f)
{
	munmap(f->h, MAP_SMALL);
	munmap(f->page, RING_PAGE_SIZE);
	close(f->ring_fd);
	close(f->page_fd);
}

static int fake_open_sized(struct fake *f, uint32_t map_size, struct ring_reader **ret)
{
	return ring_reader_new(dup(f->ring_fd), map_size, dup(f->page_fd),
			       eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK), ret);
}

static struct ring_reader *fake_open(struct fake *f)
{
	struct ring_reader *r = NULL;

	assert_int_equal(fake_open_sized(f, MAP_SMALL, &r), 0);
	return r;
}

/* A record header at pos, as a writer would put it, whatever its values. */
static void fake_record(struct fake *f, uint64_t pos, uint32_t size, uint32_t flags, uint64_t seq,
			uint32_t payload_size)
{
	struct ring_record rec = {
		.size = size,
		.flags = flags,
		.sequence = seq,
		.payload_size = payload_size,
	};
	uint64_t off = pos % SMALL;

	memcpy(f->data + off, &rec, flags & RING_RECORD_PAD ? 8 : sizeof(rec));
}

static void fake_commit(struct fake *f, uint64_t pos, uint64_t seq)
{
	f->h->sequence = seq;
	f->h->write_pos = pos;
	f->h->reserve_pos = pos;
}

static void test_ring_reader_new_rejects_bad_magic(void **state)
{
	struct ring_reader *r = NULL;
	struct fake f;

	fake_init(&f);
	f.h->magic ^= 1;
	assert_int_equal(fake_open_sized(&f, MAP_SMALL, &r), -EBADMSG);
	assert_null(r);
	fake_fini(&f);
}

static void test_ring_reader_new_rejects_bad_version(void **state)
{
	struct ring_reader *r = NULL;
	struct fake f;

	fake_init(&f);
	f.h->version = RING_VERSION + 1;
	assert_int_equal(fake_open_sized(&f, MAP_SMALL, &r), -EBADMSG);
	f.h->version = RING_VERSION;
	f.h->header_size = 64;
	assert_int_equal(fake_open_sized(&f, MAP_SMALL, &r), -EBADMSG);
	assert_null(r);
	fake_fini(&f);
}

static void test_ring_reader_new_rejects_bad_data_size(void **state)
{
	const uint32_t bad[] = { 0, SMALL - 8, SMALL / 2, 3 * SMALL / 2, RING_MAX_SIZE * 2 };
	struct ring_reader *r = NULL;
	struct fake f;

	fake_init(&f);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		f.h->data_size = bad[i];
		assert_int_equal(fake_open_sized(&f, MAP_SMALL, &r), -EBADMSG);
	}
	assert_null(r);
	fake_fini(&f);
}

static void test_ring_reader_new_rejects_bad_max_record(void **state)
{
	const uint32_t bad[] = { 0, 8, RING_RECORD_HEADER_SIZE + 4, SMALL / 4 + 8, UINT32_MAX };
	struct ring_reader *r = NULL;
	struct fake f;

	fake_init(&f);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		f.h->max_record = bad[i];
		assert_int_equal(fake_open_sized(&f, MAP_SMALL, &r), -EBADMSG);
	}
	assert_null(r);
	fake_fini(&f);
}

static void test_ring_reader_new_rejects_map_size_mismatch(void **state)
{
	struct ring_reader *r = NULL;
	struct fake f;

	fake_init(&f);
	/* Within the file but not what the header says, then beyond the file. */
	assert_int_equal(fake_open_sized(&f, MAP_SMALL - 4096, &r), -EINVAL);
	assert_int_equal(fake_open_sized(&f, MAP_SMALL + 4096, &r), -EINVAL);
	assert_int_equal(fake_open_sized(&f, 0, &r), -EINVAL);
	assert_null(r);
	fake_fini(&f);
}

static void test_ring_reader_new_rejects_unsealed_fd(void **state)
{
	struct ring_reader *r = NULL;
	struct fake f;
	int fd = memfd_create("unsealed", MFD_CLOEXEC);

	fake_init(&f);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, MAP_SMALL), 0);
	assert_int_equal(ring_reader_new(fd, MAP_SMALL, dup(f.page_fd),
					 eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK), &r),
			 -EINVAL);
	assert_false(fd_is_open(fd));
	assert_null(r);
	fake_fini(&f);
}

static void test_ring_reader_new_closes_fds_on_error(void **state)
{
	struct ring_reader *r = NULL;
	int page_fd = sealed_memfd(RING_PAGE_SIZE), event_fd = eventfd(0, EFD_CLOEXEC);

	assert_int_equal(ring_reader_new(-1, MAP_SMALL, page_fd, event_fd, &r), -EINVAL);
	assert_false(fd_is_open(page_fd));
	assert_false(fd_is_open(event_fd));
	assert_null(r);
}

static void test_ring_reader_new_makes_event_fd_non_blocking(void **state)
{
	struct ring_reader *r;
	struct fake f;
	int event_fd = eventfd(0, EFD_CLOEXEC);

	fake_init(&f);
	assert_int_equal(ring_reader_new(dup(f.ring_fd), MAP_SMALL, dup(f.page_fd), event_fd, &r),
			 0);
	assert_true(fcntl(ring_reader_get_fd(r), F_GETFL) & O_NONBLOCK);
	ring_reader_clear_wake(r); /* would block forever otherwise */
	ring_reader_free(r);
	fake_fini(&f);
}

/*
 * Calls next until the ring is drained, failing after max_calls; every result must be 1, 0 or
 * -EBADMSG. Returns how many -EBADMSG it saw.
 */
static unsigned drain_within(struct ring_reader *r, unsigned max_calls, uint64_t *ret_dropped)
{
	unsigned bad = 0;

	*ret_dropped = 0;
	for (unsigned i = 0; i < max_calls; i++) {
		struct ring_entry e;
		int k = ring_reader_next(r, &e);

		if (k == 0)
			return bad;
		if (k == -EBADMSG) {
			bad++;
			continue;
		}
		assert_int_equal(k, 1);
		if (e.kind == RING_ENTRY_DROPPED)
			*ret_dropped += e.dropped;
	}
	fail_msg("the reader did not settle");
	return bad;
}

static unsigned drain_bounded(struct ring_reader *r, uint64_t *ret_dropped)
{
	return drain_within(r, 16, ret_dropped);
}

static void expect_sequence(struct ring_reader *r, uint64_t seq)
{
	struct ring_entry e;

	assert_int_equal(ring_reader_next(r, &e), 1);
	assert_int_equal(e.kind, RING_ENTRY_NOTIFICATION);
	assert_int_equal(e.sequence, seq);
}

/*
 * A good record (seq 1) at 0, a bad one at 128, committed up to 256 with sequence 2: the
 * reader returns the first, reports the second as corrupt once, then the loss, and settles at
 * the writer's position.
 */
static void corrupt_case(uint32_t size, uint32_t flags, uint64_t seq, uint32_t payload_size)
{
	struct ring_reader *r;
	uint64_t dropped;
	struct fake f;

	fake_init(&f);
	fake_record(&f, 0, 128, 0, 1, 64);
	fake_record(&f, 128, size, flags, seq, payload_size);
	fake_commit(&f, 256, 2);
	r = fake_open(&f);
	expect_sequence(r, 1);
	assert_int_equal(drain_bounded(r, &dropped), 1);
	assert_int_equal(dropped, 1);
	assert_int_equal(f.page->read_pos, 256);
	assert_int_equal(f.page->sequence, 2);
	ring_reader_free(r);
	fake_fini(&f);
}

static void test_ring_corrupt_record_size_zero(void **state)
{
	corrupt_case(0, 0, 2, 0);
}

static void test_ring_corrupt_record_size_unaligned(void **state)
{
	corrupt_case(100, 0, 2, 0);
}

static void test_ring_corrupt_record_size_below_header(void **state)
{
	corrupt_case(56, 0, 2, 0);
}

static void test_ring_corrupt_record_size_beyond_write_pos(void **state)
{
	corrupt_case(256, 0, 2, 0);
}

static void test_ring_corrupt_record_size_huge(void **state)
{
	corrupt_case(UINT32_MAX - 7, 0, 2, 0);
}

static void test_ring_corrupt_payload_size_beyond_record(void **state)
{
	corrupt_case(128, 0, 2, 65);
}

static void test_ring_corrupt_sequence_backwards(void **state)
{
	corrupt_case(128, 0, 1, 64);
}

static void test_ring_corrupt_pad_not_at_area_end(void **state)
{
	corrupt_case(64, RING_RECORD_PAD, 0, 0);
}

static void test_ring_corrupt_record_beyond_area_end(void **state)
{
	struct ring_reader *r;
	uint64_t dropped;
	struct fake f;

	fake_init(&f);
	f.page->read_pos = SMALL - 64;
	f.page->sequence = 9;
	fake_record(&f, SMALL - 64, 128, 0, 10, 64);
	fake_commit(&f, SMALL + 64, 10);
	r = fake_open(&f);
	assert_int_equal(drain_bounded(r, &dropped), 1);
	assert_int_equal(dropped, 1);
	ring_reader_free(r);
	fake_fini(&f);
}

static void test_ring_corrupt_pad_at_area_start(void **state)
{
	struct ring_reader *r;
	uint64_t dropped;
	struct fake f;

	fake_init(&f);
	fake_record(&f, 0, SMALL, RING_RECORD_PAD, 0, 0);
	fake_commit(&f, SMALL, 3);
	r = fake_open(&f);
	assert_int_equal(drain_bounded(r, &dropped), 1);
	assert_int_equal(dropped, 3);
	ring_reader_free(r);
	fake_fini(&f);
}

static void test_ring_corrupt_write_pos_behind_reader(void **state)
{
	struct ring_reader *r;
	uint64_t dropped;
	struct fake f;

	fake_init(&f);
	f.page->read_pos = 1024;
	f.page->sequence = 5;
	fake_commit(&f, 512, 3);
	r = fake_open(&f);
	assert_int_equal(drain_bounded(r, &dropped), 1);
	assert_int_equal(dropped, 0);
	assert_int_equal(f.page->read_pos, 512);
	ring_reader_free(r);
	fake_fini(&f);
}

static void test_ring_corrupt_write_pos_unaligned(void **state)
{
	struct ring_reader *r;
	uint64_t dropped;
	struct fake f;

	fake_init(&f);
	fake_record(&f, 0, 128, 0, 1, 64);
	fake_commit(&f, 131, 1);
	r = fake_open(&f);
	drain_bounded(r, &dropped);
	assert_int_equal(f.page->read_pos, 128);
	assert_int_equal(ring_reader_prepare_wait(r), 0);
	ring_reader_free(r);
	fake_fini(&f);
}

static void test_ring_reader_new_rejects_unaligned_read_pos(void **state)
{
	struct ring_reader *r = NULL;
	struct fake f;

	fake_init(&f);
	f.page->read_pos = 12;
	assert_int_equal(fake_open_sized(&f, MAP_SMALL, &r), -EBADMSG);
	assert_null(r);
	fake_fini(&f);
}

static void test_ring_garbage_data_never_crashes(void **state)
{
	uint64_t rng = 0x9E3779B97F4A7C15u, dropped;
	struct fake f;

	fake_init(&f);
	for (int round = 0; round < 200; round++) {
		struct ring_reader *r;

		for (uint32_t i = 0; i < SMALL; i += 8) {
			uint32_t plausible;

			rng ^= rng << 13;
			rng ^= rng >> 7;
			rng ^= rng << 17;
			plausible = (uint32_t)(rng >> 40) & 0x3FF8;
			/* Plausible sizes now and then, so both branches get exercised. */
			memcpy(f.data + i, &rng, 8);
			if (rng % 5 == 0)
				memcpy(f.data + i, &plausible, 4);
		}
		f.page->read_pos = (rng >> 3) % SMALL & ~(uint64_t)7;
		f.page->sequence = rng % 4;
		fake_commit(&f, f.page->read_pos + (rng >> 20) % (2 * SMALL) / 8 * 8, rng % 1000);
		r = fake_open(&f);
		drain_within(r, 64, &dropped);
		ring_reader_free(r);
	}
	fake_fini(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ring_writer_new_rejects_bad_size),
		cmocka_unit_test(test_ring_header_fields),
		cmocka_unit_test(test_ring_max_record_capped_for_large_rings),
		cmocka_unit_test(test_ring_fd_sealed_and_not_writable_by_readers),
		cmocka_unit_test(test_ring_pages_allocated_up_front),
		cmocka_unit_test(test_ring_write_read_one),
		cmocka_unit_test(test_ring_payload_sizes_round_trip),
		cmocka_unit_test(test_ring_write_read_many_in_order),
		cmocka_unit_test(test_ring_record_too_large_not_written),
		cmocka_unit_test(test_ring_sequence_gap_reported_then_record),
		cmocka_unit_test(test_ring_wraps_with_padding_over_laps),
		cmocka_unit_test(test_ring_pad_shorter_than_record_header),
		cmocka_unit_test(test_ring_late_reader_starts_at_current_position),
		cmocka_unit_test(test_ring_reader_gets_records_written_before_it_maps),
		cmocka_unit_test(test_ring_lapped_before_mapping_counts_exactly),
		cmocka_unit_test(test_ring_lapped_reader_gets_exact_drop_count),
		cmocka_unit_test(test_ring_reader_one_ring_behind_is_not_overrun),
		cmocka_unit_test(test_ring_one_record_past_a_ring_is_overrun),
		cmocka_unit_test(test_ring_reader_page_tracks_position_and_losses),
		cmocka_unit_test(test_ring_prepare_wait_when_empty),
		cmocka_unit_test(test_ring_prepare_wait_with_data_pending),
		cmocka_unit_test(test_ring_write_wakes_waiting_reader),
		cmocka_unit_test(test_ring_burst_wakes_once),
		cmocka_unit_test(test_ring_reader_not_waiting_gets_no_wake),
		cmocka_unit_test(test_ring_write_returns_readers_woken),
		cmocka_unit_test(test_ring_removed_reader_not_woken),
		cmocka_unit_test(test_ring_remove_reader_closes_its_fds),
		cmocka_unit_test(test_ring_add_reader_limit),
		cmocka_unit_test(test_ring_reader_new_rejects_bad_magic),
		cmocka_unit_test(test_ring_reader_new_rejects_bad_version),
		cmocka_unit_test(test_ring_reader_new_rejects_bad_data_size),
		cmocka_unit_test(test_ring_reader_new_rejects_bad_max_record),
		cmocka_unit_test(test_ring_reader_new_rejects_map_size_mismatch),
		cmocka_unit_test(test_ring_reader_new_rejects_unsealed_fd),
		cmocka_unit_test(test_ring_reader_new_rejects_unaligned_read_pos),
		cmocka_unit_test(test_ring_reader_new_closes_fds_on_error),
		cmocka_unit_test(test_ring_reader_new_makes_event_fd_non_blocking),
		cmocka_unit_test(test_ring_corrupt_record_size_zero),
		cmocka_unit_test(test_ring_corrupt_record_size_unaligned),
		cmocka_unit_test(test_ring_corrupt_record_size_below_header),
		cmocka_unit_test(test_ring_corrupt_record_size_beyond_write_pos),
		cmocka_unit_test(test_ring_corrupt_record_size_huge),
		cmocka_unit_test(test_ring_corrupt_payload_size_beyond_record),
		cmocka_unit_test(test_ring_corrupt_sequence_backwards),
		cmocka_unit_test(test_ring_corrupt_pad_not_at_area_end),
		cmocka_unit_test(test_ring_corrupt_record_beyond_area_end),
		cmocka_unit_test(test_ring_corrupt_pad_at_area_start),
		cmocka_unit_test(test_ring_corrupt_write_pos_behind_reader),
		cmocka_unit_test(test_ring_corrupt_write_pos_unaligned),
		cmocka_unit_test(test_ring_garbage_data_never_crashes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
