/* SPDX-License-Identifier: MIT */
#ifndef AMOD_BENCH_H
#define AMOD_BENCH_H

/*
 * amod-bench: what the orchestrator and the child processes (one sender, N readers, and a
 * private dbus-daemon for the D-Bus peer) share. The orchestrator creates no amod, ZeroMQ or
 * D-Bus object itself: it maps one shared block, forks the children, and each child builds
 * its own objects after the fork, so no library state is ever shared across a fork.
 */

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

#define BENCH_MAX_READERS 64
#define BENCH_MAX_SAMPLES 8192          /* latency samples per reader and run */
#define BENCH_MAX_BATCHES 8192          /* driver-side batches per run */
#define BENCH_MSG_MIN 40                /* every message carries at least seq + send time */
#define BENCH_MSG_MAX 1064
#define BENCH_RING_BYTES (1u << 20)     /* amod's default ring, and the bare rings' size */

enum bench_mode {
	MODE_LATENCY,                   /* paced, sleeping readers: one-way latency */
	MODE_THROUGHPUT,                /* as fast as the slowest reader allows, no loss */
	MODE_DRIVER,                    /* amod only: Alloc + fill + Send + Free on the driver */
	MODE_DRIVER_IDLE,               /* the same, readers attached but not reading */
	MODE_COUNT
};

enum bench_transport {
	T_AMOD,
	T_ZMQ,
	T_DBUS,
	T_SEQPACKET,
	T_RING,                         /* bare: one shared-memory ring per reader */
	T_BCAST,                        /* bare: one broadcast ring read by all */
	T_EVENTFD,                      /* bare: eventfd ping, one reader, no data path */
	T_COUNT
};

/* One run: what the orchestrator tells the children before forking them. */
struct bench_run {
	enum bench_transport transport;
	enum bench_mode mode;
	uint32_t size;                  /* total message bytes the reader gets */
	uint32_t readers;
	uint32_t count;                 /* latency, driver: messages (after warmup) */
	uint32_t warmup;                /* latency: messages sent first and not sampled */
	uint32_t rate;                  /* latency: messages per second */
	uint64_t duration_ns;           /* throughput: how long the sender sends */
	uint32_t max_count;             /* throughput: stop earlier after this many (0: none) */
	uint32_t window;                /* throughput: messages the sender may be ahead */
	uint32_t batch;                 /* driver: sends per timed batch */
	uint32_t batch_gap_us;          /* driver: pause between batches (readers go to sleep) */
	bool verifier;                  /* amod: the buffer verifier (smoke test only) */
	char dir[160];                  /* the run's private directory (sockets, config) */
	char bus[256];                  /* D-Bus: the private daemon's address */
	/* Inherited across fork (the children are not exec'ed): */
	int fds[BENCH_MAX_READERS][2];  /* seqpacket pairs (sender end, reader end) */
	int efd[BENCH_MAX_READERS];     /* bare rings and ping: each reader's eventfd */
	void *shm;                      /* bare rings: the shared mapping */
	size_t shm_size;
};

enum slot_state { SLOT_STARTING, SLOT_READY, SLOT_DONE, SLOT_FAILED };

/* One reader's results; its own cache line(s), written by that reader only. */
struct bench_slot {
	_Alignas(64) _Atomic uint64_t progress; /* received + lost: the sender's credit */
	_Atomic uint32_t state;
	uint32_t n_samples;
	uint64_t received;
	uint64_t lost;                  /* sequence numbers that never arrived */
	uint64_t dropped;               /* amod: what the ring reported lost (part of lost) */
	uint64_t errors;                /* out of order, duplicated or damaged */
	uint64_t first_ns, last_ns;     /* CLOCK_MONOTONIC of the first and last receipt */
	uint64_t cpu_ns;                /* user + sys of the whole process, ready .. done */
	uint64_t wakeups;               /* blocking waits that returned with something to do */
};

enum sender_state {
	SENDER_STARTING,
	SENDER_LISTENING,               /* readers may connect */
	SENDER_ARMED,                   /* every reader is subscribed; waiting for go */
	SENDER_DONE,                    /* results written */
	SENDER_FAILED,
};

struct bench_shared {
	struct bench_run run;
	_Atomic uint32_t sender_state;
	_Atomic uint32_t go;            /* orchestrator: start sending */
	_Atomic uint32_t finish;        /* orchestrator: every reader is done, tear down */
	_Atomic uint32_t abort;         /* orchestrator: give up (deadline) */
	_Atomic uint32_t stop;          /* sender: `sent` is final (throughput) */
	_Atomic uint64_t sent;
	int notify_fd;                  /* eventfd: a child changed state */
	uint64_t t_start, t_end;        /* sender: first and last send */
	uint64_t sender_cpu_ns;
	uint32_t n_batches;
	double batch_ns[BENCH_MAX_BATCHES]; /* driver: wall ns per send, one value per batch */
	double batch_cpu_ns[BENCH_MAX_BATCHES]; /* driver: the sending thread's CPU ns per send */
	bool sender_rt;                 /* driver: the sending thread ran SCHED_FIFO */
	struct bench_slot slots[BENCH_MAX_READERS];
	uint32_t samples[BENCH_MAX_READERS][BENCH_MAX_SAMPLES]; /* latency, ns */
};

/*
 * The message every peer carries, at the start of its `size` bytes (zero-filled after).
 * amod's notifications put the 40-byte KSAUDIOMODULE_NOTIFICATION header first and this
 * after it when there is room; at 40 bytes the ring's own sequence number and the low 32
 * bits of the send time in the header's Reserved field stand in for it.
 */
struct bench_msg {
	uint64_t seq;                   /* 1, 2, 3, ... */
	uint64_t send_ns;               /* CLOCK_MONOTONIC just before the send call */
};

/* Child-side helpers (amod-bench.c). */
uint64_t bench_now(void);
uint64_t bench_self_cpu(void);
void bench_notify(struct bench_shared *sh);
void bench_sleep_ns(uint64_t ns);
bool bench_aborted(const struct bench_shared *sh);

/* The sender's side of a transport: the common loop (pacing, window) calls these. */
struct sender_ops {
	/* Sends message seq of run.size bytes stamped with send_ns; 0 or -errno. */
	int (*send)(void *ctx, uint64_t seq, uint64_t send_ns);
	/* End of a batch: wake sleeping readers, push queued bytes out. May be NULL. */
	void (*flush)(void *ctx);
};

/*
 * Runs the measured part of the sender: waits for every reader to be ready (ready() may add
 * its own condition, e.g. ZeroMQ's subscriptions; NULL for none), then paces or streams
 * messages as the mode asks. Returns 0 or -errno.
 */
int bench_sender_loop(struct bench_shared *sh, const struct sender_ops *ops, void *ctx,
		      int (*ready)(void *ctx));
/* After the loop: waits until the orchestrator says every reader is done, takes the CPU. */
void bench_sender_finish(struct bench_shared *sh);

/* A reader's bookkeeping. */
struct bench_reader {
	struct bench_shared *sh;
	struct bench_slot *slot;
	unsigned index;
	uint64_t last_seq;
	uint64_t cpu0;
	bool done;
};

void bench_reader_init(struct bench_reader *rd, struct bench_shared *sh, unsigned index);
/* Subscribed: from here on CPU is counted and the sender may start. */
void bench_reader_ready(struct bench_reader *rd);
/*
 * The receipt time to pass to bench_reader_message(): the clock in latency runs, 0 otherwise
 * (a clock read per message would be the harness's cost, not the transport's; a throughput
 * run times its end from the end marker's arrival).
 */
uint64_t bench_reader_now(const struct bench_reader *rd);
/* One message received at now_ns; latency = now_ns - send_ns. Sets rd->done at the end. */
void bench_reader_message(struct bench_reader *rd, uint64_t seq, uint64_t send_ns,
			  uint64_t now_ns);
/* Messages the transport says were lost (amod: the ring's dropped event). */
void bench_reader_lost(struct bench_reader *rd, uint64_t count);
/* After a wait timed out or woke for nothing: true when the run is over for this reader. */
bool bench_reader_check(struct bench_reader *rd);
/* Records the CPU and the final state. */
void bench_reader_finish(struct bench_reader *rd, bool ok);

/* Transports. Each *_sender / *_reader runs in its own child and returns 0 or -errno. */
struct transport {
	const char *name;               /* short, for --json and --only */
	const char *label;              /* column header */
	bool modes[MODE_COUNT];
	bool available;                 /* compiled in and its programs found */
	bool bus;                       /* needs a private dbus-daemon (the orchestrator's) */
	bool counts_wakeups;            /* its reader can tell a wake-up from a message */
	/* Orchestrator, before forking: fds and shared memory the children inherit. */
	int (*prepare)(struct bench_run *run);
	void (*cleanup)(struct bench_run *run);
	int (*sender)(struct bench_shared *sh);
	int (*reader)(struct bench_shared *sh, unsigned index);
};

extern struct transport transport_amod;
extern struct transport transport_zmq;
extern struct transport transport_dbus;
extern struct transport transport_seqpacket;
extern struct transport transport_ring;
extern struct transport transport_bcast;
extern struct transport transport_eventfd;

void bench_msg_fill(void *buf, uint32_t size, uint64_t seq, uint64_t send_ns);
bool bench_msg_parse(const void *buf, uint32_t size, uint64_t *seq, uint64_t *send_ns);

#endif
