/* SPDX-License-Identifier: MIT */
/*
 * The client's ring reader given hostile ring contents: the input fills a ring memfd (header,
 * then data bytes from the reader's position on) and a reader page, its first byte deciding
 * which header fields are forced valid and which seals are set, so most inputs get past
 * ring_reader_new() and exercise ring_reader_next(). The reader must never crash, read
 * outside its mappings or loop unboundedly (docs/wire-protocol.md §8.3), and what it returns
 * must add up: notifications in increasing sequence order, payloads within the record.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include "wire/ring.h"

#include "fuzz.h"

/*
 * Nothing writes while the reader reads, so it must run dry: every call consumes a record of
 * at least 64 bytes (reported alone, or after its gap) or resynchronises at write_pos.
 */
#define MAX_CALLS(data_size) (2 * ((data_size) / RING_RECORD_HEADER_SIZE) + 8)

static int make_memfd(const char *name, size_t size, bool seal)
{
	int fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);

	FUZZ_CHECK(fd >= 0);
	FUZZ_CHECK(ftruncate(fd, (off_t)size) == 0);
	if (seal)
		FUZZ_CHECK(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) == 0);
	return fd;
}

static void write_all(int fd, const void *buf, size_t size, size_t offset)
{
	FUZZ_CHECK(!size || pwrite(fd, buf, size, (off_t)offset) == (ssize_t)size);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = { data, size, 0 };
	uint8_t keep = fuzz_u8(&in), shape = fuzz_u8(&in);
	uint32_t data_size = shape & FUZZ_RING_BIG ? 2 * RING_MIN_SIZE : RING_MIN_SIZE;
	uint32_t map_size, mask = data_size - 1;
	struct ring_header h;
	struct ring_reader_page page;
	struct ring_reader *reader = NULL;
	uint64_t last_sequence;
	size_t n, off, first;
	int ring_fd, page_fd, event_fd, r;

	_Static_assert(sizeof(h) == FUZZ_RING_INPUT_HEADER, "input layout");
	_Static_assert(sizeof(page) == FUZZ_RING_INPUT_PAGE, "input layout");
	fuzz_bytes(&in, &h, sizeof(h));
	fuzz_bytes(&in, &page, sizeof(page));
	map_size = h.reserved0[0] | (uint32_t)h.reserved0[1] << 8 | (uint32_t)h.reserved0[2] << 16 |
		   (uint32_t)h.reserved0[3] << 24;

	if (keep & FUZZ_RING_MAGIC) {
		h.magic = RING_MAGIC;
		h.version = RING_VERSION;
		h.header_size = RING_HEADER_SIZE;
	}
	if (keep & FUZZ_RING_DATA_SIZE)
		h.data_size = data_size;
	if (keep & FUZZ_RING_MAX_RECORD) {
		h.max_record &= ~7u;
		if (h.max_record < RING_RECORD_HEADER_SIZE || h.max_record > data_size / 4)
			h.max_record = RING_RECORD_HEADER_SIZE +
				       h.max_record % (data_size / 4 - RING_RECORD_HEADER_SIZE);
		h.max_record &= ~7u;
	}
	if (keep & FUZZ_RING_MAP_SIZE)
		map_size = RING_HEADER_SIZE + data_size;
	if (keep & FUZZ_RING_ALIGN)
		page.read_pos &= ~(uint64_t)7;

	/* The rest of the input is what the writer "wrote" from read_pos on. */
	n = fuzz_left(&in);
	if (n > data_size)
		n = data_size;
	if (!(shape & FUZZ_RING_WRITE_FROM_INPUT))
		h.write_pos = page.read_pos + ((n + 7) & ~(size_t)7);
	if (keep & FUZZ_RING_RESERVE)
		h.reserve_pos = h.write_pos;

	/* A new memfd reads as zeros: only the input's bytes are written, in two parts at most. */
	ring_fd = make_memfd("fuzz-ring", RING_HEADER_SIZE + data_size, false);
	write_all(ring_fd, &h, sizeof(h), 0);
	off = page.read_pos & mask;
	first = n < data_size - off ? n : data_size - off;
	write_all(ring_fd, data + in.pos, first, RING_HEADER_SIZE + off);
	write_all(ring_fd, data + in.pos + first, n - first, RING_HEADER_SIZE);
	if (keep & FUZZ_RING_SEAL)
		FUZZ_CHECK(fcntl(ring_fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW) == 0);
	page_fd = make_memfd("fuzz-page", RING_PAGE_SIZE, keep & FUZZ_RING_SEAL_PAGE);
	write_all(page_fd, &page, sizeof(page), 0);
	event_fd = eventfd(0, EFD_CLOEXEC);
	FUZZ_CHECK(event_fd >= 0);

	/* Owns the three fds from here, on failure too. */
	r = ring_reader_new(ring_fd, map_size, page_fd, event_fd, &reader);
	if (r < 0) {
		FUZZ_CHECK(r == -EINVAL || r == -EBADMSG);
		return 0;
	}

	last_sequence = page.sequence;
	for (uint32_t i = 0;; i++) {
		struct ring_entry e;

		FUZZ_CHECK(i < MAX_CALLS(data_size));
		r = ring_reader_next(reader, &e);
		if (r == 0)
			break;
		if (r < 0) {
			FUZZ_CHECK(r == -EBADMSG);
			continue;
		}
		FUZZ_CHECK(r == 1);
		if (e.kind == RING_ENTRY_DROPPED) {
			FUZZ_CHECK(e.dropped > 0);
			continue;
		}
		FUZZ_CHECK(e.kind == RING_ENTRY_NOTIFICATION);
		FUZZ_CHECK(e.payload_size <= h.max_record - RING_RECORD_HEADER_SIZE);
		/* Touch every payload byte: ASan checks they are inside the reader's copy. */
		for (uint32_t k = 0; k < e.payload_size; k++)
			FUZZ_CHECK(((const volatile uint8_t *)e.payload)[k] ==
				   ((const uint8_t *)e.payload)[k]);
		/*
		 * With no writer running, a resynchronisation lands on write_pos and nothing is
		 * left to read: every notification comes before it, in increasing order.
		 */
		FUZZ_CHECK(e.sequence > last_sequence);
		last_sequence = e.sequence;
	}
	if (ring_reader_prepare_wait(reader) == 0)
		ring_reader_clear_wake(reader);
	ring_reader_free(reader);
	return 0;
}
