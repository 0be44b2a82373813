/* SPDX-License-Identifier: MIT */
#ifndef AMOD_RING_H
#define AMOD_RING_H

/*
 * The per-device shared-memory broadcast ring (design.md, "Transport"). amodd writes each
 * notification once into the device's ring, whatever the number of readers; every reader maps
 * the ring read-only and keeps its own cursor in a small page of its own (the "reader page",
 * shared read-write between that reader and amodd). A reader about to sleep sets its page's
 * waiting flag; the writer wakes, through the reader's eventfd, only readers whose flag is
 * set, and clears the flag as it does, so a burst costs at most one wake-up per sleeping
 * reader. A reader that falls a whole ring behind finds out from positions and sequence
 * numbers and is told exactly how many notifications it missed. The writer never waits for a
 * reader. The layout is part of the protocol (docs/wire-protocol.md, "Rings").
 *
 * Memory layout of the ring fd (a memfd), all little-endian:
 *
 *   [0, 4096)          struct ring_header
 *   [4096, 4096+size)  data area, size a power of two; records are 8-byte aligned, never
 *                      wrap: a record that does not fit before the end is preceded by a
 *                      padding record that fills the rest of the area.
 *
 * Positions are byte counts since the ring was created (uint64, never wrap); a record at
 * position p lives at data[p & (size - 1)].
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <amod/amod-port.h>

#define RING_MAGIC 0x676E6972u          /* "ring" */
#define RING_VERSION 1u
#define RING_HEADER_SIZE 4096u
#define RING_RECORD_HEADER_SIZE 64u
#define RING_PAGE_SIZE 4096u            /* reader page */
#define RING_MIN_SIZE (64u * 1024u)
#define RING_MAX_SIZE (64u * 1024u * 1024u)
#define RING_DEFAULT_SIZE (1024u * 1024u)

#define RING_RECORD_PAD 1u              /* record flag: padding up to the end of the area */

struct ring_header {
	uint32_t magic;                 /* RING_MAGIC */
	uint32_t version;               /* RING_VERSION */
	uint32_t header_size;           /* RING_HEADER_SIZE */
	uint32_t data_size;             /* power of two, RING_MIN_SIZE..RING_MAX_SIZE */
	uint32_t max_record;            /* largest record the writer will write */
	uint32_t device;                /* amodd's device handle */
	struct amod_guid device_id;     /* the device's notification id */
	uint8_t reserved0[24];
	/* own cache line: written by the writer only, after the record it covers */
	uint64_t write_pos;             /* atomic: end of the last committed record */
	uint64_t sequence;              /* atomic: sequence of the last committed record */
	/*
	 * atomic: end of the record being written, stored before its first byte; equal to
	 * write_pos between writes. A reader checks a copied record against it (bytes at p are
	 * intact while reserve_pos - p <= size), and reserve_pos == write_pos tells it that the
	 * write_pos and sequence it read belong together.
	 */
	uint64_t reserve_pos;
	uint8_t reserved1[40];
};

struct ring_record {
	uint32_t size;                  /* whole record, header included, multiple of 8 */
	uint32_t flags;                 /* RING_RECORD_PAD or 0 */
	uint64_t sequence;              /* the ring's own count: 1, 2, 3, ... (pads have 0) */
	uint64_t timestamp_ns;          /* CLOCK_MONOTONIC at the port */
	struct amod_guid event_id;
	struct amod_guid class_id;      /* null unless a module event */
	uint32_t instance_id;
	uint32_t payload_size;          /* bytes of payload after this header */
	/* payload: the whole notification payload (module events include the 40-byte header) */
};

struct ring_reader_page {
	uint64_t read_pos;              /* atomic, written by the reader: position it has consumed */
	uint32_t waiting;               /* atomic: 1 = reader sleeps on its eventfd; writer clears */
	uint32_t reserved;
	uint64_t dropped;               /* atomic, written by the reader: total it missed so far */
	/*
	 * atomic: sequence of the last record before read_pos; the writer sets it with read_pos
	 * when it adds the reader (records may be written before the client maps the ring), then
	 * the reader keeps it.
	 */
	uint64_t sequence;
};

/* Writer side (amodd). */

struct ring_writer;
struct ring_writer_reader;              /* one reader's page + eventfd, writer side */

/*
 * Creates a ring with a data area of size bytes (power of two, RING_MIN_SIZE..RING_MAX_SIZE)
 * in a sealed-size memfd. Thread: control. Errors: -EINVAL, -ENOMEM, or a memfd/mmap errno.
 */
int ring_writer_new(uint32_t size, uint32_t device, const struct amod_guid *device_id,
		    struct ring_writer **ret_writer);
/* Frees the ring and every reader still added (no ring_write() may be running). NULL-safe. */
void ring_writer_free(struct ring_writer *writer);
/* The ring memfd (to pass to readers; they map it PROT_READ) and the bytes to map. */
int ring_writer_get_fd(const struct ring_writer *writer);
uint32_t ring_writer_get_map_size(const struct ring_writer *writer);

/*
 * Writes one notification (RT-safe: no allocation, no lock, no blocking; one eventfd write
 * per reader that was waiting). Callers serialise writes to one ring (the port delivers one
 * device's notifications one at a time). Returns the number of readers woken, -EMSGSIZE
 * when the record would exceed max_record (the notification is then not written; readers see
 * the gap in sequence numbers as one dropped notification), or -EINVAL (NULL arguments).
 */
int ring_write(struct ring_writer *writer, const struct amod_notification *n);

/*
 * Adds a reader: a new reader page memfd and a non-blocking eventfd, both to be passed to the
 * client (it maps the page read-write), starting at the current write position. May be
 * called while another thread is inside ring_write() (it then waits for that write to end, to
 * read a write_pos and sequence that belong together). Thread: control. Errors: -ENOSPC
 * (RING_MAX_READERS), -ENOMEM, syscall errno.
 */
#define RING_MAX_READERS 1024u
int ring_writer_add_reader(struct ring_writer *writer, struct ring_writer_reader **ret_reader);
int ring_writer_reader_get_page_fd(const struct ring_writer_reader *reader);
int ring_writer_reader_get_event_fd(const struct ring_writer_reader *reader);
/*
 * Removes a reader; may wait (briefly) for a ring_write() in progress on another thread, never
 * the other way round. Thread: control. NULL-safe.
 */
void ring_writer_remove_reader(struct ring_writer *writer, struct ring_writer_reader *reader);

/* Reader side (client). The ring's contents are not trusted: a reader never crashes, loops
 * forever or reads outside its mappings whatever the bytes say. */

struct ring_reader;

/*
 * Maps a ring (read-only, map_size bytes) and a reader page (read-write) received from
 * amodd, and takes ownership of the three fds (closed on error too). Validates the header.
 * Errors: -EINVAL (bad fds or sizes), -EBADMSG (header invalid), mmap errno.
 */
int ring_reader_new(int ring_fd, uint32_t map_size, int page_fd, int event_fd,
		    struct ring_reader **ret_reader);
void ring_reader_free(struct ring_reader *reader);

/* The eventfd to poll for POLLIN while waiting. */
int ring_reader_get_fd(const struct ring_reader *reader);

enum ring_entry_kind {
	RING_ENTRY_NOTIFICATION = 1,
	RING_ENTRY_DROPPED = 2,        /* the reader fell behind: dropped notifications were lost */
};

struct ring_entry {
	enum ring_entry_kind kind;
	uint64_t dropped;              /* RING_ENTRY_DROPPED: how many were lost */
	uint64_t sequence;
	uint64_t timestamp_ns;
	struct amod_guid event_id;
	struct amod_guid class_id;
	uint32_t instance_id;
	uint32_t payload_size;         /* the record's payload size */
	const void *payload;           /* a private copy, valid until the next call */
};

/*
 * Takes the next entry. Returns 1 with *ret_entry set, 0 when nothing is pending, -EBADMSG if
 * the ring is corrupt (the reader then resynchronises at the writer's position and the next
 * call reports the loss as RING_ENTRY_DROPPED). Copies the payload into the reader's own
 * buffer and validates the copy against the writer's position, so a record overwritten while
 * being read is reported as dropped, never returned torn. Thread: the reader's.
 */
int ring_reader_next(struct ring_reader *reader, struct ring_entry *ret_entry);

/*
 * Before sleeping: sets the waiting flag, then checks again for data. Returns 0 if the caller
 * may poll the eventfd, 1 if data arrived in between (the flag is cleared; read instead).
 */
int ring_reader_prepare_wait(struct ring_reader *reader);

/* After the eventfd polled readable: drains it. */
void ring_reader_clear_wake(struct ring_reader *reader);

#endif
