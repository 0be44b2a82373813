/* SPDX-License-Identifier: MIT */
/*
 * The peers that need nothing but the kernel: one SOCK_SEQPACKET socket per reader, and the
 * floor — bare shared-memory rings with eventfd wake-ups and no protocol at all (no headers
 * but a length, no validation, no sessions), one per reader or one read by all, and a raw
 * eventfd ping. The rings use the same sleep protocol as amod's (a waiting flag per reader,
 * a full fence on each side), so the difference to amod is what amod's protocol costs.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "bench.h"

#define CACHE_LINE 64u
#define WAIT_MS 200                     /* readers re-check the run this often while idle */
#define RING_PER_READER (512u * 1024u)  /* holds a whole credit window of 1064-byte messages */

static void close_fds(struct bench_run *run)
{
	for (uint32_t i = 0; i < BENCH_MAX_READERS; i++) {
		for (int k = 0; k < 2; k++) {
			if (run->fds[i][k] >= 0)
				close(run->fds[i][k]);
			run->fds[i][k] = -1;
		}
		if (run->efd[i] >= 0)
			close(run->efd[i]);
		run->efd[i] = -1;
	}
	if (run->shm)
		munmap(run->shm, run->shm_size);
	run->shm = NULL;
}

/* Children keep only their own fds: a reader holding another's socket would hide EOFs. */
static void keep_only(struct bench_run *run, int keep_a, int keep_b)
{
	for (uint32_t i = 0; i < BENCH_MAX_READERS; i++) {
		for (int k = 0; k < 2; k++) {
			int fd = run->fds[i][k];

			if (fd >= 0 && fd != keep_a && fd != keep_b)
				close(fd);
		}
	}
}

/* SOCK_SEQPACKET, one socket per reader, written in a loop. */

static int seqpacket_prepare(struct bench_run *run)
{
	for (uint32_t i = 0; i < run->readers; i++)
		if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, run->fds[i]) < 0)
			return -errno;
	return 0;
}

struct seqpacket_sender {
	struct bench_run *run;
	unsigned char buf[BENCH_MSG_MAX];
};

static int seqpacket_send(void *ctx, uint64_t seq, uint64_t send_ns)
{
	struct seqpacket_sender *s = ctx;

	bench_msg_fill(s->buf, s->run->size, seq, send_ns);
	for (uint32_t i = 0; i < s->run->readers; i++) {
		while (send(s->run->fds[i][0], s->buf, s->run->size, MSG_NOSIGNAL) < 0)
			if (errno != EINTR)
				return -errno;
	}
	return 0;
}

static int seqpacket_sender(struct bench_shared *sh)
{
	static const struct sender_ops ops = { seqpacket_send, NULL };
	struct seqpacket_sender s = { .run = &sh->run };
	int r;

	/* Our copies only: sh->run is shared, the readers still need their ends' numbers. */
	for (uint32_t i = 0; i < sh->run.readers; i++)
		close(sh->run.fds[i][1]);
	atomic_store(&sh->sender_state, SENDER_LISTENING);
	bench_notify(sh);
	r = bench_sender_loop(sh, &ops, &s, NULL);
	if (r == 0)
		bench_sender_finish(sh);
	return r;
}

static int seqpacket_reader(struct bench_shared *sh, unsigned index)
{
	struct timeval tv = { 0, WAIT_MS * 1000 };
	int fd = sh->run.fds[index][1];
	unsigned char buf[BENCH_MSG_MAX];
	struct bench_reader rd;
	int r = 0;

	keep_only(&sh->run, fd, -1);
	bench_reader_init(&rd, sh, index);
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0)
		return -errno;
	bench_reader_ready(&rd);
	while (!rd.done) {
		uint64_t seq, send_ns;
		ssize_t n = recv(fd, buf, sizeof(buf), 0);

		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR) {
				if (bench_reader_check(&rd))
					break;
				continue;
			}
			r = -errno;
			break;
		}
		if (n == 0) {
			r = -ECONNRESET;
			break;
		}
		if (!bench_msg_parse(buf, (uint32_t)n, &seq, &send_ns)) {
			rd.slot->errors++;
			continue;
		}
		bench_reader_message(&rd, seq, send_ns, bench_reader_now(&rd));
	}
	bench_reader_finish(&rd, r == 0 && !bench_aborted(sh));
	return r;
}

struct transport transport_seqpacket = {
	.name = "seqpacket",
	.label = "seqpacket",
	.modes = { [MODE_LATENCY] = true, [MODE_THROUGHPUT] = true },
	.available = true,
	.prepare = seqpacket_prepare,
	.cleanup = close_fds,
	.sender = seqpacket_sender,
	.reader = seqpacket_reader,
};

/*
 * Bare rings. A record is a u64 length and the message, padded to 8 bytes, and may wrap
 * around the end. The writer publishes write_pos after each record; readers never report
 * back (the bench's credit window keeps the writer from lapping them), but a reader that
 * finds itself lapped anyway says so rather than read garbage.
 */

struct bare_ring {
	_Atomic uint64_t *write_pos;
	unsigned char *data;
	uint64_t mask;
};

struct bare_waiter {
	_Alignas(CACHE_LINE) _Atomic uint32_t waiting;
};

/*
 * Shared layout. Per-reader rings: for ring i, [write_pos line][waiting line][data]. The
 * broadcast ring: [write_pos line][one waiting line per reader][data].
 */
static size_t per_reader_stride(void)
{
	return 4096u + RING_PER_READER;
}

static void ring_at(struct bench_run *run, bool bcast, uint32_t i, struct bare_ring *ring,
		    struct bare_waiter **waiter)
{
	unsigned char *base = run->shm;

	if (bcast) {
		ring->write_pos = (_Atomic uint64_t *)base;
		ring->data = base + 8192;
		ring->mask = BENCH_RING_BYTES - 1;
		*waiter = (struct bare_waiter *)(base + CACHE_LINE * (1 + i));
	} else {
		base += per_reader_stride() * i;
		ring->write_pos = (_Atomic uint64_t *)base;
		ring->data = base + 4096;
		ring->mask = RING_PER_READER - 1;
		*waiter = (struct bare_waiter *)(base + CACHE_LINE);
	}
}

static int rings_prepare(struct bench_run *run, bool bcast)
{
	size_t size = bcast ? 8192u + BENCH_RING_BYTES : per_reader_stride() * run->readers;
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return -errno;
	run->shm = p;
	run->shm_size = size;
	for (uint32_t i = 0; i < run->readers; i++) {
		run->efd[i] = eventfd(0, EFD_NONBLOCK);
		if (run->efd[i] < 0)
			return -errno;
	}
	return 0;
}

static int ring_prepare(struct bench_run *run)
{
	return rings_prepare(run, false);
}

static int bcast_prepare(struct bench_run *run)
{
	return rings_prepare(run, true);
}

static void bare_copy_in(const struct bare_ring *ring, uint64_t pos, const void *src, size_t n)
{
	size_t off = pos & ring->mask, first = ring->mask + 1 - off;

	if (first >= n) {
		memcpy(ring->data + off, src, n);
	} else {
		memcpy(ring->data + off, src, first);
		memcpy(ring->data, (const unsigned char *)src + first, n - first);
	}
}

static void bare_copy_out(const struct bare_ring *ring, uint64_t pos, void *dst, size_t n)
{
	size_t off = pos & ring->mask, first = ring->mask + 1 - off;

	if (first >= n) {
		memcpy(dst, ring->data + off, n);
	} else {
		memcpy(dst, ring->data + off, first);
		memcpy((unsigned char *)dst + first, ring->data, n - first);
	}
}

struct bare_sender {
	struct bench_run *run;
	bool bcast;
	uint32_t n_rings;
	struct bare_ring rings[BENCH_MAX_READERS];
	uint64_t pos[BENCH_MAX_READERS];
	struct bare_waiter *waiters[BENCH_MAX_READERS];
	unsigned char buf[BENCH_MSG_MAX];
};

static int bare_send(void *ctx, uint64_t seq, uint64_t send_ns)
{
	struct bare_sender *s = ctx;
	uint64_t len = s->run->size;

	bench_msg_fill(s->buf, s->run->size, seq, send_ns);
	for (uint32_t i = 0; i < s->n_rings; i++) {
		bare_copy_in(&s->rings[i], s->pos[i], &len, sizeof(len));
		bare_copy_in(&s->rings[i], s->pos[i] + 8, s->buf, s->run->size);
		s->pos[i] += 8 + ((len + 7) & ~7ull);
		atomic_store_explicit(s->rings[i].write_pos, s->pos[i], memory_order_release);
	}
	return 0;
}

/* Once per batch: wake the readers that said they sleep (the store-buffer pattern). */
static void bare_flush(void *ctx)
{
	struct bare_sender *s = ctx;
	static const uint64_t one = 1;

	atomic_thread_fence(memory_order_seq_cst);
	for (uint32_t i = 0; i < s->run->readers; i++) {
		if (atomic_load_explicit(&s->waiters[i]->waiting, memory_order_relaxed) &&
		    atomic_exchange_explicit(&s->waiters[i]->waiting, 0, memory_order_relaxed))
			(void)!write(s->run->efd[i], &one, sizeof(one));
	}
}

static int bare_sender(struct bench_shared *sh, bool bcast)
{
	static const struct sender_ops ops = { bare_send, bare_flush };
	static struct bare_sender s; /* per process: the child owns its copy */
	int r;

	s = (struct bare_sender){ .run = &sh->run, .bcast = bcast };
	s.n_rings = bcast ? 1 : sh->run.readers;
	for (uint32_t i = 0; i < sh->run.readers; i++) {
		struct bare_ring ring;

		ring_at(&sh->run, bcast, i, &ring, &s.waiters[i]);
		if (i < s.n_rings)
			s.rings[i] = ring;
	}
	atomic_store(&sh->sender_state, SENDER_LISTENING);
	bench_notify(sh);
	r = bench_sender_loop(sh, &ops, &s, NULL);
	if (r == 0)
		bench_sender_finish(sh);
	return r;
}

static int ring_sender(struct bench_shared *sh)
{
	return bare_sender(sh, false);
}

static int bcast_sender(struct bench_shared *sh)
{
	return bare_sender(sh, true);
}

static int bare_reader(struct bench_shared *sh, unsigned index, bool bcast)
{
	struct bare_ring ring;
	struct bare_waiter *waiter;
	struct pollfd pfd = { .fd = sh->run.efd[index], .events = POLLIN };
	unsigned char buf[BENCH_MSG_MAX];
	struct bench_reader rd;
	uint64_t pos, count;

	ring_at(&sh->run, bcast, index, &ring, &waiter);
	bench_reader_init(&rd, sh, index);
	pos = atomic_load_explicit(ring.write_pos, memory_order_acquire);
	bench_reader_ready(&rd);
	while (!rd.done) {
		uint64_t w = atomic_load_explicit(ring.write_pos, memory_order_acquire);

		if (w - pos > ring.mask + 1) {
			/* Lapped: the window failed us. Skip to the writer, say it. */
			rd.slot->errors++;
			pos = w;
		}
		while (pos != w && !rd.done) {
			uint64_t len, seq, send_ns;

			bare_copy_out(&ring, pos, &len, sizeof(len));
			if (len > sizeof(buf)) {
				rd.slot->errors++;
				pos = w;
				break;
			}
			bare_copy_out(&ring, pos + 8, buf, len);
			pos += 8 + ((len + 7) & ~7ull);
			if (bench_msg_parse(buf, (uint32_t)len, &seq, &send_ns))
				bench_reader_message(&rd, seq, send_ns, bench_reader_now(&rd));
		}
		if (rd.done)
			break;
		atomic_store_explicit(&waiter->waiting, 1, memory_order_relaxed);
		atomic_thread_fence(memory_order_seq_cst);
		if (atomic_load_explicit(ring.write_pos, memory_order_acquire) != pos) {
			atomic_store_explicit(&waiter->waiting, 0, memory_order_relaxed);
			continue;
		}
		if (poll(&pfd, 1, WAIT_MS) == 0) {
			if (bench_reader_check(&rd))
				break;
			continue;
		}
		rd.slot->wakeups++;
		(void)!read(pfd.fd, &count, sizeof(count));
	}
	bench_reader_finish(&rd, !bench_aborted(sh));
	return 0;
}

static int ring_reader(struct bench_shared *sh, unsigned index)
{
	return bare_reader(sh, index, false);
}

static int bcast_reader(struct bench_shared *sh, unsigned index)
{
	return bare_reader(sh, index, true);
}

struct transport transport_ring = {
	.name = "ring",
	.label = "ring/reader",
	.modes = { [MODE_LATENCY] = true, [MODE_THROUGHPUT] = true },
	.available = true,
	.counts_wakeups = true,
	.prepare = ring_prepare,
	.cleanup = close_fds,
	.sender = ring_sender,
	.reader = ring_reader,
};

struct transport transport_bcast = {
	.name = "bcast",
	.label = "bcast ring",
	.modes = { [MODE_LATENCY] = true, [MODE_THROUGHPUT] = true },
	.available = true,
	.counts_wakeups = true,
	.prepare = bcast_prepare,
	.cleanup = close_fds,
	.sender = bcast_sender,
	.reader = bcast_reader,
};

/*
 * The eventfd ping: the sender stores seq and time in shared memory and writes the reader's
 * eventfd; the reader sleeps in read(). One wake-up, nothing else: the lowest latency any
 * of the above can have.
 */

struct ping {
	_Atomic uint64_t seq;
	_Atomic uint64_t send_ns;
};

static int eventfd_prepare(struct bench_run *run)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return -errno;
	run->shm = p;
	run->shm_size = 4096;
	run->efd[0] = eventfd(0, 0);
	return run->efd[0] < 0 ? -errno : 0;
}

static int ping_send(void *ctx, uint64_t seq, uint64_t send_ns)
{
	struct bench_shared *sh = ctx;
	struct bench_run *run = &sh->run;
	struct ping *p = run->shm;
	static const uint64_t one = 1;

	/*
	 * An eventfd counts, it does not queue: a ping sent before the reader took the last one
	 * would merge with it. A reader that late (a loaded machine) is waited for.
	 */
	while (atomic_load_explicit(&sh->slots[0].progress, memory_order_acquire) + 1 < seq) {
		if (bench_aborted(sh))
			return -ECANCELED;
		bench_sleep_ns(20000);
		send_ns = bench_now();
	}
	atomic_store_explicit(&p->send_ns, send_ns, memory_order_relaxed);
	atomic_store_explicit(&p->seq, seq, memory_order_release);
	return write(run->efd[0], &one, sizeof(one)) < 0 ? -errno : 0;
}

static int eventfd_sender(struct bench_shared *sh)
{
	static const struct sender_ops ops = { ping_send, NULL };
	int r;

	atomic_store(&sh->sender_state, SENDER_LISTENING);
	bench_notify(sh);
	r = bench_sender_loop(sh, &ops, sh, NULL);
	if (r == 0)
		bench_sender_finish(sh);
	return r;
}

static int eventfd_reader(struct bench_shared *sh, unsigned index)
{
	struct ping *p = sh->run.shm;
	struct bench_reader rd;
	uint64_t count;

	bench_reader_init(&rd, sh, index);
	bench_reader_ready(&rd);
	/* A blocking read, the cheapest wait there is; the orchestrator kills us on abort. */
	while (!rd.done && read(sh->run.efd[0], &count, sizeof(count)) == sizeof(count)) {
		uint64_t now = bench_now();

		bench_reader_message(&rd, atomic_load_explicit(&p->seq, memory_order_acquire),
				     atomic_load_explicit(&p->send_ns, memory_order_relaxed), now);
	}
	bench_reader_finish(&rd, rd.done);
	return rd.done ? 0 : -EIO;
}

struct transport transport_eventfd = {
	.name = "eventfd",
	.label = "eventfd ping",
	.modes = { [MODE_LATENCY] = true },
	.available = true,
	.prepare = eventfd_prepare,
	.cleanup = close_fds,
	.sender = eventfd_sender,
	.reader = eventfd_reader,
};
