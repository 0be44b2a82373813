/* SPDX-License-Identifier: MIT */
/*
 * The broadcast ring (ring.h). How the two sides stay honest without a lock:
 *
 *  - Every byte of the data area is read and written as an aligned 8-byte atomic word, so a
 *    reader racing the writer gets stale or new words, never undefined behaviour (and TSan can
 *    check a reader thread in the writer's process).
 *  - The writer stores reserve_pos (end of the record it is about to write) before the first
 *    byte, then the record, then sequence and write_pos. A reader copies a record, then reads
 *    reserve_pos: if the writer has not reserved past one ring beyond the record's start, no
 *    byte of the copy can come from a newer record. So a record is returned intact or counted
 *    as lost, never torn.
 *  - write_pos and sequence are two words: a reader knows it read a matching pair when
 *    reserve_pos equals the write_pos it read (no record was in flight in between).
 *  - Wake-ups are the classic store-buffer pattern: the reader stores waiting = 1 then reads
 *    write_pos; the writer stores write_pos then reads waiting; a full fence on each side makes
 *    at least one of them see the other.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/common-internal.h"
#include "wire/ring.h"

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "the ring layout is little-endian");
_Static_assert(sizeof(struct ring_header) == 128, "ring_header layout");
_Static_assert(offsetof(struct ring_header, write_pos) == 64, "ring_header layout");
_Static_assert(offsetof(struct ring_header, sequence) == 72, "ring_header layout");
_Static_assert(offsetof(struct ring_header, reserve_pos) == 80, "ring_header layout");
_Static_assert(sizeof(struct ring_record) == RING_RECORD_HEADER_SIZE, "ring_record layout");
_Static_assert(offsetof(struct ring_record, payload_size) == 60, "ring_record layout");
_Static_assert(sizeof(struct ring_reader_page) == 32, "ring_reader_page layout");
_Static_assert(sizeof(struct ring_header) <= RING_HEADER_SIZE, "ring_header fits");

/* The largest payload a notification carries (a KS property value is at most 64 KiB - 1). */
#define RING_MAX_PAYLOAD 65535u
/* Attempts at reading a matching write_pos and sequence before resuming without them. */
#define RESYNC_TRIES 128u

#if defined(__SANITIZE_THREAD__)
#define RING_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define RING_TSAN 1
#endif
#endif

#ifdef RING_TSAN
/*
 * TSan does not model standalone fences (GCC warns about them under it). A sequentially
 * consistent read-modify-write of a thread-private word is a full barrier on the hardware TSan
 * runs on, and an operation TSan understands.
 */
static _Thread_local uint64_t fence_word;
#define fence_full() ((void)__atomic_fetch_add(&fence_word, 0, __ATOMIC_SEQ_CST))
#define fence_acquire() fence_full()
#define fence_release() fence_full()
#else
#define fence_full() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define fence_acquire() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define fence_release() __atomic_thread_fence(__ATOMIC_RELEASE)
#endif

#define load_relaxed(p) __atomic_load_n((p), __ATOMIC_RELAXED)
#define load_acquire(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define store_relaxed(p, v) __atomic_store_n((p), (v), __ATOMIC_RELAXED)
#define store_release(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)

struct ring_writer_reader {
	struct ring_reader_page *page;  /* the writer's mapping of the reader's page */
	int page_fd;
	int event_fd;
	uint32_t slot;
};

struct ring_writer {
	int fd;
	uint32_t map_size;
	uint32_t data_size;
	uint32_t max_record;
	struct ring_header *header;
	uint64_t *data;                 /* the data area, as words */
	uint64_t write_pos;             /* the writer thread's copy of header->write_pos */
	/*
	 * The ring numbers its own records: 1, 2, 3, ... with no gap, so a reader's dropped count
	 * means records of this ring it missed, even when the device sent notifications before
	 * the ring existed (the port's per-device sequence would then start above 1).
	 */
	uint64_t sequence;

	/*
	 * Reader registry. ring_write() reads it without a lock; the control thread changes it.
	 * writing is bumped on entry to and exit from ring_write() (odd: a write is running), so
	 * remove can tell when no write can still hold a reader it unlinked.
	 */
	uint64_t writing;               /* atomic */
	uint32_t n_slots;               /* atomic: readers[n_slots..] are all NULL */
	uint32_t n_readers;             /* control thread only */
	struct ring_writer_reader *readers[RING_MAX_READERS]; /* atomic pointers */
};

struct ring_reader {
	int ring_fd;
	int page_fd;
	int event_fd;
	uint32_t map_size;
	uint32_t data_size;             /* validated copies: the header is not trusted twice */
	uint32_t max_record;
	const struct ring_header *header;
	const uint64_t *data;
	struct ring_reader_page *page;

	uint64_t read_pos;
	uint64_t last_sequence;         /* last record returned or counted as dropped */
	uint64_t pending_dropped;       /* a loss found by a resync, reported by the next call */
	uint64_t dropped_total;
	bool stashed;                   /* buf holds a record to return after its gap's report */
	uint64_t stashed_end;
	uint64_t *buf;                  /* private copy of the current record (max_record bytes) */
};

/* Size seals let a reader map the fd without fearing SIGBUS from a truncation. */
static int seal_fd(int fd, bool future_write)
{
	int seals = F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL;

	/*
	 * F_SEAL_FUTURE_WRITE (Linux 5.1) keeps the writer's mapping writable but stops every
	 * reader from mapping the ring writable and scribbling over what the others read.
	 */
	if (future_write && fcntl(fd, F_ADD_SEALS, seals | F_SEAL_FUTURE_WRITE) == 0)
		return 0;
	if (fcntl(fd, F_ADD_SEALS, seals) < 0)
		return -errno;
	return 0;
}

/*
 * A write_pos and the sequence of the record ending there, read while no record was in
 * flight. Returns false if the writer kept writing through every attempt.
 */
static bool snapshot(const struct ring_header *h, unsigned tries, uint64_t *ret_pos,
		     uint64_t *ret_seq)
{
	for (unsigned i = 0; i < tries; i++) {
		uint64_t pos = load_acquire(&h->write_pos);
		/* acquire: if this is a newer record's sequence, its reserve_pos shows below */
		uint64_t seq = load_acquire(&h->sequence);

		if (load_relaxed(&h->reserve_pos) == pos) {
			*ret_pos = pos;
			*ret_seq = seq;
			return true;
		}
		cpu_relax();
	}
	return false;
}

static void writer_reader_free(struct ring_writer_reader *reader)
{
	if (!reader)
		return;
	if (reader->page)
		munmap(reader->page, RING_PAGE_SIZE);
	if (reader->page_fd >= 0)
		close(reader->page_fd);
	if (reader->event_fd >= 0)
		close(reader->event_fd);
	free(reader);
}

int ring_writer_new(uint32_t size, uint32_t device, const struct amod_guid *device_id,
		    struct ring_writer **ret_writer)
{
	struct ring_writer *writer;
	struct ring_header *h;
	void *p;
	int r;

	if (!ret_writer || size < RING_MIN_SIZE || size > RING_MAX_SIZE || (size & (size - 1)))
		return -EINVAL;

	writer = calloc(1, sizeof(*writer));
	if (!writer)
		return -ENOMEM;
	writer->data_size = size;
	writer->map_size = RING_HEADER_SIZE + size;
	writer->max_record = size / 4;
	if (writer->max_record > ALIGN_UP(RING_RECORD_HEADER_SIZE + RING_MAX_PAYLOAD, 8))
		writer->max_record = ALIGN_UP(RING_RECORD_HEADER_SIZE + RING_MAX_PAYLOAD, 8);

	writer->fd = memfd_create("amod-ring", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (writer->fd < 0) {
		r = -errno;
		goto fail;
	}
	if (ftruncate(writer->fd, writer->map_size) < 0) {
		r = -errno;
		goto fail;
	}
	p = mmap(NULL, writer->map_size, PROT_READ | PROT_WRITE, MAP_SHARED, writer->fd, 0);
	if (p == MAP_FAILED) {
		r = -errno;
		goto fail;
	}
	writer->header = p;
	writer->data = (uint64_t *)((uint8_t *)p + RING_HEADER_SIZE);

	/*
	 * Write to every page now, on the control thread. The first write to a page of a fresh
	 * memfd allocates and zeroes it in a page fault; left to ring_write(), that happens on
	 * the driver's real-time thread, once per page during the ring's first lap (measured on
	 * a 2-core VM: 0.7-0.9 us per 104-byte send instead of 0.15, docs/performance.md).
	 */
	for (uint32_t off = 0; off < writer->map_size; off += 4096u)
		((volatile uint8_t *)p)[off] = 0;

	/* Nobody else has the fd yet: plain stores. */
	h = writer->header;
	h->magic = RING_MAGIC;
	h->version = RING_VERSION;
	h->header_size = RING_HEADER_SIZE;
	h->data_size = size;
	h->max_record = writer->max_record;
	h->device = device;
	if (device_id)
		h->device_id = *device_id;

	r = seal_fd(writer->fd, true);
	if (r < 0)
		goto fail;

	*ret_writer = writer;
	return 0;

fail:
	ring_writer_free(writer);
	return r;
}

void ring_writer_free(struct ring_writer *writer)
{
	if (!writer)
		return;
	for (uint32_t i = 0; i < writer->n_slots; i++)
		writer_reader_free(writer->readers[i]);
	if (writer->header)
		munmap(writer->header, writer->map_size);
	if (writer->fd >= 0)
		close(writer->fd);
	free(writer);
}

int ring_writer_get_fd(const struct ring_writer *writer)
{
	return writer->fd;
}

uint32_t ring_writer_get_map_size(const struct ring_writer *writer)
{
	return writer->map_size;
}

static void store_words(uint64_t *dst, const void *src, size_t size)
{
	const uint8_t *s = src;
	size_t i, full = size / 8;
	uint64_t v;

	for (i = 0; i < full; i++) {
		memcpy(&v, s + i * 8, 8);
		store_relaxed(&dst[i], v);
	}
	if (size % 8) {
		v = 0;
		memcpy(&v, s + full * 8, size % 8);
		store_relaxed(&dst[full], v);
	}
}

int ring_write(struct ring_writer *writer, const struct amod_notification *n)
{
	struct ring_record rec;
	uint64_t pos, off, pad = 0, end;
	uint32_t size, n_slots;
	int woken = 0;

	if (!writer || !n || (n->size && !n->data))
		return -EINVAL;
	if (n->size > writer->max_record - RING_RECORD_HEADER_SIZE) {
		/* Not written, but numbered: readers see the gap and report it as dropped. */
		writer->sequence++;
		return -EMSGSIZE;
	}
	size = ALIGN_UP(RING_RECORD_HEADER_SIZE + n->size, 8);

	/* seq_cst: ordered before the slot loads below, against ring_writer_remove_reader() */
	__atomic_fetch_add(&writer->writing, 1, __ATOMIC_SEQ_CST);

	pos = writer->write_pos;
	off = pos & (writer->data_size - 1);
	if (off + size > writer->data_size)
		pad = writer->data_size - off;
	end = pos + pad + size;

	/* Claim the bytes before overwriting them, so a reader copying them can tell. */
	store_relaxed(&writer->header->reserve_pos, end);
	fence_release();

	if (pad) {
		/* Only the first word: a pad may be shorter than a record header. */
		uint32_t pad_word[2] = {(uint32_t)pad, RING_RECORD_PAD};

		store_words(&writer->data[off / 8], pad_word, sizeof(pad_word));
		off = 0;
	}
	rec = (struct ring_record){
		.size = size,
		.sequence = writer->sequence + 1,
		.timestamp_ns = n->timestamp_ns,
		.event_id = n->event_id,
		.class_id = n->class_id,
		.instance_id = n->instance_id,
		.payload_size = n->size,
	};
	store_words(&writer->data[off / 8], &rec, sizeof(rec));
	if (n->size)
		store_words(&writer->data[off / 8 + RING_RECORD_HEADER_SIZE / 8], n->data, n->size);

	writer->write_pos = end;
	writer->sequence++;
	store_release(&writer->header->sequence, writer->sequence);
	store_release(&writer->header->write_pos, end);

	/* Pairs with ring_reader_prepare_wait(): it sees the new write_pos or we see its flag. */
	fence_full();
	n_slots = __atomic_load_n(&writer->n_slots, __ATOMIC_ACQUIRE);
	for (uint32_t i = 0; i < n_slots; i++) {
		struct ring_writer_reader *reader =
			__atomic_load_n(&writer->readers[i], __ATOMIC_SEQ_CST);
		static const uint64_t one = 1;

		if (!reader)
			continue;
		/* The plain load first: most readers are not waiting, and it dirties no line. */
		if (load_relaxed(&reader->page->waiting) != 1 ||
		    __atomic_exchange_n(&reader->page->waiting, 0, __ATOMIC_RELAXED) != 1)
			continue;
		/* Non-blocking; EAGAIN means the counter is full, so the reader is awake anyway. */
		(void)!write(reader->event_fd, &one, sizeof(one));
		woken++;
	}

	__atomic_fetch_add(&writer->writing, 1, __ATOMIC_RELEASE);
	return woken;
}

int ring_writer_add_reader(struct ring_writer *writer, struct ring_writer_reader **ret_reader)
{
	struct ring_writer_reader *reader = NULL;
	uint64_t pos, seq;
	uint32_t slot;
	void *p;
	int r;

	if (!writer || !ret_reader)
		return -EINVAL;
	if (writer->n_readers >= RING_MAX_READERS)
		return -ENOSPC;
	for (slot = 0; slot < RING_MAX_READERS; slot++)
		if (!writer->readers[slot])
			break;
	if (slot == RING_MAX_READERS)
		return -ENOSPC;

	reader = calloc(1, sizeof(*reader));
	if (!reader)
		return -ENOMEM;
	reader->slot = slot;
	reader->event_fd = -1;
	reader->page_fd = memfd_create("amod-ring-reader", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (reader->page_fd < 0) {
		r = -errno;
		goto fail;
	}
	if (ftruncate(reader->page_fd, RING_PAGE_SIZE) < 0) {
		r = -errno;
		goto fail;
	}
	p = mmap(NULL, RING_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, reader->page_fd, 0);
	if (p == MAP_FAILED) {
		r = -errno;
		goto fail;
	}
	reader->page = p;
	r = seal_fd(reader->page_fd, false);
	if (r < 0)
		goto fail;
	reader->event_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (reader->event_fd < 0) {
		r = -errno;
		goto fail;
	}

	/*
	 * The reader starts after the last committed record and must know its sequence: records
	 * written before the client maps the ring are then read, and an overrun before its
	 * first read is counted exactly. A write in progress only delays us by its length.
	 */
	while (!snapshot(writer->header, RESYNC_TRIES, &pos, &seq))
		sched_yield();
	reader->page->read_pos = pos;
	reader->page->sequence = seq;

	/* The slot before n_slots: a writer that sees the new count sees the reader. */
	__atomic_store_n(&writer->readers[slot], reader, __ATOMIC_SEQ_CST);
	if (slot >= writer->n_slots)
		__atomic_store_n(&writer->n_slots, slot + 1, __ATOMIC_RELEASE);
	writer->n_readers++;

	*ret_reader = reader;
	return 0;

fail:
	writer_reader_free(reader);
	return r;
}

int ring_writer_reader_get_page_fd(const struct ring_writer_reader *reader)
{
	return reader->page_fd;
}

int ring_writer_reader_get_event_fd(const struct ring_writer_reader *reader)
{
	return reader->event_fd;
}

void ring_writer_remove_reader(struct ring_writer *writer, struct ring_writer_reader *reader)
{
	uint64_t writing;
	uint32_t n_slots;

	if (!writer || !reader)
		return;

	__atomic_store_n(&writer->readers[reader->slot], NULL, __ATOMIC_SEQ_CST);
	/*
	 * seq_cst against the increment on entry to ring_write() and its slot load: a write that
	 * still saw the reader has entered before this load, so the count is odd and we wait for
	 * it to move. A write that enters later sees the NULL slot.
	 */
	writing = __atomic_load_n(&writer->writing, __ATOMIC_SEQ_CST);
	if (writing & 1)
		while (__atomic_load_n(&writer->writing, __ATOMIC_ACQUIRE) == writing)
			sched_yield();

	n_slots = writer->n_slots;
	while (n_slots > 0 && !writer->readers[n_slots - 1])
		n_slots--;
	__atomic_store_n(&writer->n_slots, n_slots, __ATOMIC_RELEASE);
	writer->n_readers--;

	writer_reader_free(reader);
}

/* Reader side. */

static int check_fd(int fd, uint32_t size)
{
	struct stat st;
	int seals;

	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size < (off_t)size)
		return -EINVAL;
	/* Without a shrink seal the writer could truncate the file and SIGBUS us. */
	seals = fcntl(fd, F_GET_SEALS);
	if (seals < 0 || !(seals & F_SEAL_SHRINK))
		return -EINVAL;
	return 0;
}

int ring_reader_new(int ring_fd, uint32_t map_size, int page_fd, int event_fd,
		    struct ring_reader **ret_reader)
{
	const struct ring_header *h;
	struct ring_reader *reader;
	uint32_t data_size, max_record;
	void *p;
	int r, flags;

	reader = calloc(1, sizeof(*reader));
	if (!reader) {
		if (ring_fd >= 0)
			close(ring_fd);
		if (page_fd >= 0)
			close(page_fd);
		if (event_fd >= 0)
			close(event_fd);
		return -ENOMEM;
	}
	/* Owned from here: ring_reader_free() closes them on every error path. */
	reader->ring_fd = ring_fd;
	reader->page_fd = page_fd;
	reader->event_fd = event_fd;
	reader->map_size = map_size;

	r = -EINVAL;
	if (!ret_reader || ring_fd < 0 || page_fd < 0 || event_fd < 0)
		goto fail;
	if (map_size < RING_HEADER_SIZE + RING_MIN_SIZE ||
	    map_size > RING_HEADER_SIZE + RING_MAX_SIZE)
		goto fail;
	r = check_fd(ring_fd, map_size);
	if (r < 0)
		goto fail;
	r = check_fd(page_fd, RING_PAGE_SIZE);
	if (r < 0)
		goto fail;
	/* clear_wake() must never block, whatever the sender did with the fd. */
	flags = fcntl(event_fd, F_GETFL);
	if (flags < 0 ||
	    (!(flags & O_NONBLOCK) && fcntl(event_fd, F_SETFL, flags | O_NONBLOCK) < 0)) {
		r = -EINVAL;
		goto fail;
	}

	p = mmap(NULL, map_size, PROT_READ, MAP_SHARED, ring_fd, 0);
	if (p == MAP_FAILED) {
		r = -errno;
		goto fail;
	}
	reader->header = p;
	reader->data = (const uint64_t *)((const uint8_t *)p + RING_HEADER_SIZE);
	p = mmap(NULL, RING_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, page_fd, 0);
	if (p == MAP_FAILED) {
		r = -errno;
		goto fail;
	}
	reader->page = p;

	/* Each field read once: the writer could change them under us. */
	h = reader->header;
	r = -EBADMSG;
	if (load_relaxed(&h->magic) != RING_MAGIC || load_relaxed(&h->version) != RING_VERSION ||
	    load_relaxed(&h->header_size) != RING_HEADER_SIZE)
		goto fail;
	data_size = load_relaxed(&h->data_size);
	if (data_size < RING_MIN_SIZE || data_size > RING_MAX_SIZE || (data_size & (data_size - 1)))
		goto fail;
	if (map_size != RING_HEADER_SIZE + data_size) {
		r = -EINVAL;
		goto fail;
	}
	max_record = load_relaxed(&h->max_record);
	if (max_record < RING_RECORD_HEADER_SIZE || max_record > data_size / 4 || max_record % 8)
		goto fail;
	reader->data_size = data_size;
	reader->max_record = max_record;

	reader->read_pos = load_relaxed(&reader->page->read_pos);
	reader->last_sequence = load_relaxed(&reader->page->sequence);
	if (reader->read_pos % 8)
		goto fail;

	reader->buf = malloc(max_record);
	if (!reader->buf) {
		r = -ENOMEM;
		goto fail;
	}

	*ret_reader = reader;
	return 0;

fail:
	ring_reader_free(reader);
	return r;
}

void ring_reader_free(struct ring_reader *reader)
{
	if (!reader)
		return;
	if (reader->header)
		munmap((void *)reader->header, reader->map_size);
	if (reader->page)
		munmap(reader->page, RING_PAGE_SIZE);
	if (reader->ring_fd >= 0)
		close(reader->ring_fd);
	if (reader->page_fd >= 0)
		close(reader->page_fd);
	if (reader->event_fd >= 0)
		close(reader->event_fd);
	free(reader->buf);
	free(reader);
}

int ring_reader_get_fd(const struct ring_reader *reader)
{
	return reader->event_fd;
}

/* Genuine positions are 8-aligned; masking keeps a hostile writer from misaligning our loads. */
static uint64_t reader_write_pos(const struct ring_reader *reader)
{
	return load_acquire(&reader->header->write_pos) & ~(uint64_t)7;
}

/* Tells the writer's side (and whoever inspects the page) how far this reader got. */
static void reader_publish(struct ring_reader *reader)
{
	store_relaxed(&reader->page->sequence, reader->last_sequence);
	store_release(&reader->page->read_pos, reader->read_pos);
}

/* Whether the bytes copied from pos onwards can still be the record that was there. */
static bool reader_intact(const struct ring_reader *reader, uint64_t pos)
{
	/* Our copies are done before reserve_pos is read (pairs with ring_write's release). */
	fence_acquire();
	return load_relaxed(&reader->header->reserve_pos) - pos <= reader->data_size;
}

/*
 * Moves the cursor to the writer's position. When it can read the sequence that goes with it,
 * the loss is known now and reported by the next call; otherwise (a writer writing without
 * pause) the next record's sequence will show the gap.
 */
static void reader_resync(struct ring_reader *reader)
{
	uint64_t pos, seq;

	reader->stashed = false;
	if (snapshot(reader->header, RESYNC_TRIES, &pos, &seq)) {
		reader->read_pos = pos & ~(uint64_t)7;
		if (seq > reader->last_sequence)
			reader->pending_dropped += seq - reader->last_sequence;
		reader->last_sequence = seq;
	} else {
		/* Any write_pos is a record boundary. */
		reader->read_pos = reader_write_pos(reader);
	}
	reader_publish(reader);
}

static int reader_report_dropped(struct ring_reader *reader, uint64_t count,
				 struct ring_entry *ret_entry)
{
	reader->dropped_total += count;
	store_relaxed(&reader->page->dropped, reader->dropped_total);
	*ret_entry = (struct ring_entry){
		.kind = RING_ENTRY_DROPPED,
		.dropped = count,
		.sequence = reader->last_sequence, /* the last one lost */
	};
	return 1;
}

/* Returns the record in buf, which ends at end. */
static int reader_return_record(struct ring_reader *reader, uint64_t end,
				struct ring_entry *ret_entry)
{
	struct ring_record rec;

	memcpy(&rec, reader->buf, sizeof(rec));
	reader->last_sequence = rec.sequence;
	reader->read_pos = end;
	reader_publish(reader);
	*ret_entry = (struct ring_entry){
		.kind = RING_ENTRY_NOTIFICATION,
		.sequence = rec.sequence,
		.timestamp_ns = rec.timestamp_ns,
		.event_id = rec.event_id,
		.class_id = rec.class_id,
		.instance_id = rec.instance_id,
		.payload_size = rec.payload_size,
		.payload = (const uint8_t *)reader->buf + RING_RECORD_HEADER_SIZE,
	};
	return 1;
}

/* ring_reader_next() without recovery: 1, 0, -EBADMSG, or OVERRUN. */
#define OVERRUN 2
static int reader_take(struct ring_reader *reader, struct ring_entry *ret_entry)
{
	const uint64_t mask = reader->data_size - 1;

	/* At most a pad, then the record after it: two pads in a row are corruption. */
	for (unsigned i = 0; i < 2; i++) {
		uint64_t write_pos = reader_write_pos(reader);
		uint64_t pos = reader->read_pos, avail = write_pos - pos, off = pos & mask, word;
		struct ring_record rec;
		uint32_t size_flags[2], size;

		if (write_pos == pos)
			return 0;
		if (write_pos < pos)
			return -EBADMSG;
		if (avail > reader->data_size)
			return OVERRUN;

		word = load_relaxed(&reader->data[off / 8]);
		memcpy(size_flags, &word, sizeof(word));
		size = size_flags[0];

		if (size_flags[1] & RING_RECORD_PAD) {
			/* A pad fills the area's end, never all of it, and a record follows it. */
			if (off == 0 || size != reader->data_size - off || size >= avail)
				goto invalid;
			if (!reader_intact(reader, pos))
				return OVERRUN;
			reader->read_pos = pos + size;
			continue;
		}

		if (size < RING_RECORD_HEADER_SIZE || size % 8 || size > reader->max_record ||
		    size > reader->data_size - off || size > avail)
			goto invalid;
		for (uint32_t w = 0; w < size / 8; w++)
			reader->buf[w] = load_relaxed(&reader->data[off / 8 + w]);
		if (!reader_intact(reader, pos))
			return OVERRUN;

		/* An intact copy that does not add up was written that way. */
		memcpy(&rec, reader->buf, sizeof(rec));
		if (rec.size != size || rec.payload_size > size - RING_RECORD_HEADER_SIZE ||
		    rec.sequence <= reader->last_sequence)
			return -EBADMSG;
		if (rec.sequence != reader->last_sequence + 1) {
			/* Lost records (or a resync without a sequence): report, then this one. */
			uint64_t gap = rec.sequence - 1 - reader->last_sequence;

			reader->last_sequence = rec.sequence - 1;
			reader->stashed = true;
			reader->stashed_end = pos + size;
			return reader_report_dropped(reader, gap, ret_entry);
		}
		return reader_return_record(reader, pos + size, ret_entry);

	invalid:
		/* Garbage read while the writer overwrites it is an overrun, not corruption. */
		return reader_intact(reader, pos) ? -EBADMSG : OVERRUN;
	}
	return -EBADMSG;
}

int ring_reader_next(struct ring_reader *reader, struct ring_entry *ret_entry)
{
	int r = 0;

	if (!reader || !ret_entry)
		return -EINVAL;

	if (reader->pending_dropped) {
		uint64_t count = reader->pending_dropped;

		reader->pending_dropped = 0;
		return reader_report_dropped(reader, count, ret_entry);
	}
	if (reader->stashed) {
		reader->stashed = false;
		return reader_return_record(reader, reader->stashed_end, ret_entry);
	}

	/* Bounded: a writer that keeps lapping us gets the loss reported piecemeal. */
	for (unsigned i = 0; i < 2; i++) {
		r = reader_take(reader, ret_entry);
		if (r != OVERRUN)
			break;
		reader_resync(reader);
		if (reader->pending_dropped) {
			uint64_t count = reader->pending_dropped;

			reader->pending_dropped = 0;
			return reader_report_dropped(reader, count, ret_entry);
		}
	}
	if (r == OVERRUN)
		return 0;
	if (r == -EBADMSG)
		reader_resync(reader);
	return r;
}

int ring_reader_prepare_wait(struct ring_reader *reader)
{
	if (reader->pending_dropped || reader->stashed)
		return 1;
	store_relaxed(&reader->page->waiting, 1);
	/* Pairs with ring_write(): it sees our flag or we see its write_pos. */
	fence_full();
	if (reader_write_pos(reader) != reader->read_pos) {
		store_relaxed(&reader->page->waiting, 0);
		return 1;
	}
	return 0;
}

void ring_reader_clear_wake(struct ring_reader *reader)
{
	uint64_t count;

	(void)!read(reader->event_fd, &count, sizeof(count));
}
