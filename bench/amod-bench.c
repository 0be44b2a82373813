/* SPDX-License-Identifier: MIT */
/*
 * amod-bench: measures amod's notification path against ZeroMQ, D-Bus, SOCK_SEQPACKET and
 * the bare floor (shared-memory rings with eventfd wake-ups, an eventfd ping), in one run on
 * one machine, and prints one table per measurement with amod / peer ratios. See
 * docs/performance.md for the method and the latest numbers.
 *
 * Process model: this orchestrator maps one shared block and, for every run, forks a sender
 * and N readers (and a private dbus-daemon for the D-Bus peer). It creates no amod, ZeroMQ
 * or D-Bus object itself, so none is ever shared across a fork. Every child it starts it
 * kills and reaps, on every path: normal end, failed run, deadline, signal, or the watchdog
 * alarm; children also die with it (PR_SET_PDEATHSIG).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifdef HAVE_ZMQ
#include <zmq.h>
#endif

#include "bench.h"

#define MAX_RUNS 9
#define MAX_CELLS 16
#define MAX_CHILDREN (BENCH_MAX_READERS + 2)
#define NS_PER_S 1000000000ull

enum child_kind { CHILD_SENDER, CHILD_READER, CHILD_DAEMON };

struct child {
	pid_t pid;
	enum child_kind kind;
	unsigned index;
	bool reaped;
};

struct run_result {
	bool done;                      /* attempted */
	bool ok;                        /* completed; loss is reported separately */
	uint64_t sent, received, lost, dropped, errors;
	double p50, p99, p999, max;     /* µs */
	double rate;                    /* messages/s delivered to every reader */
	double cpu_ns;                  /* user + sys of every process per delivery */
	double wakeups;                 /* reader wake-ups per delivered notification */
	double drv_median, drv_p99;     /* wall ns per send */
	double drv_cpu;                 /* the sending thread's CPU ns per send, median */
	bool drv_rt;                    /* the sender ran SCHED_FIFO */
};

struct plan {
	uint32_t sizes[4];
	unsigned n_sizes;
	uint32_t readers[8];
	unsigned n_readers;
};

struct options {
	const char *json;
	bool quick, smoke;
	unsigned runs;
	unsigned budget_s;
	uint32_t transports;            /* bit mask of enum bench_transport */
	uint32_t modes;
	uint32_t lat_count, lat_warmup, lat_rate;
	uint64_t tp_duration_ns;
	uint32_t tp_max_count, window;
	uint32_t drv_batch, drv_batches, drv_gap_us;
	struct plan plans[MODE_COUNT];
};

static struct transport *transports[T_COUNT] = {
	[T_AMOD] = &transport_amod,
#ifdef HAVE_ZMQ
	[T_ZMQ] = &transport_zmq,
#endif
#ifdef HAVE_SDBUS
	[T_DBUS] = &transport_dbus,
#endif
	[T_SEQPACKET] = &transport_seqpacket,
	[T_RING] = &transport_ring,
	[T_BCAST] = &transport_bcast,
	[T_EVENTFD] = &transport_eventfd,
};

static const char *const mode_names[MODE_COUNT] = { "latency", "throughput", "driver",
						     "driver-idle" };

static struct bench_shared *sh;
static int notify_fd = -1;
static struct options opt;
static struct run_result results[MODE_COUNT][T_COUNT][MAX_CELLS][MAX_RUNS];
static uint64_t t_begin;
static bool out_of_time;
static char skipped_note[T_COUNT][96];

/* Read by the signal handler: everything it needs is ready-made. */
static struct child children[MAX_CHILDREN];
static volatile sig_atomic_t n_children;
static char root_dir[64];
static char run_files[6][128];

/* Machine. */
static char cpu_model[128] = "unknown";
static char kernel[512] = "unknown";
static long n_cpus;
static double load_start, load_end;
static char zmq_version_text[32] = "-", dbus_version_text[64] = "-";

static uint64_t now_ns(void)
{
	return bench_now();
}

/* Process management. */

static void remove_run_files(void)
{
	for (size_t i = 0; i < sizeof(run_files) / sizeof(run_files[0]); i++)
		if (run_files[i][0])
			unlink(run_files[i]);
}

/* Async-signal-safe: kill, waitpid, unlink, rmdir, write, _exit. */
static void kill_everything(void)
{
	for (int i = 0; i < n_children; i++)
		if (!children[i].reaped && children[i].pid > 0)
			kill(children[i].pid, SIGKILL);
	for (int i = 0; i < n_children; i++) {
		if (!children[i].reaped && children[i].pid > 0) {
			while (waitpid(children[i].pid, NULL, 0) < 0 && errno == EINTR)
				;
			children[i].reaped = true;
		}
	}
	remove_run_files();
	if (root_dir[0])
		rmdir(root_dir);
}

static void on_fatal_signal(int sig)
{
	static const char watchdog[] = "amod-bench: watchdog: time budget exceeded, stopping\n";
	static const char stopped[] = "amod-bench: interrupted, stopping\n";

	if (sig == SIGALRM)
		(void)!write(2, watchdog, sizeof(watchdog) - 1);
	else
		(void)!write(2, stopped, sizeof(stopped) - 1);
	kill_everything();
	_exit(sig == SIGALRM ? 124 : 128 + sig);
}

static void setup_signals(void)
{
	struct sigaction sa = { .sa_handler = on_fatal_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* In every child: die with the orchestrator, and take back the default signal dispositions. */
static void child_setup(pid_t parent)
{
	struct sigaction sa = { .sa_handler = SIG_DFL };

	alarm(0);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGPIPE, &sa, NULL);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(1);
	/* Paced sends and timeouts as asked, not 50 µs late. */
	prctl(PR_SET_TIMERSLACK, 1UL);
}

static void child_sender(void)
{
	int r = transports[sh->run.transport]->sender(sh);

	if (r < 0) {
		if (!bench_aborted(sh))
			fprintf(stderr, "amod-bench: %s sender: %s\n",
				transports[sh->run.transport]->name, strerror(-r));
		atomic_store(&sh->sender_state, SENDER_FAILED);
		bench_notify(sh);
	}
	_exit(r < 0 ? 1 : 0);
}

static void child_reader(unsigned index)
{
	int r = transports[sh->run.transport]->reader(sh, index);

	if (r < 0) {
		if (!bench_aborted(sh))
			fprintf(stderr, "amod-bench: %s reader %u: %s\n",
				transports[sh->run.transport]->name, index, strerror(-r));
		atomic_store(&sh->slots[index].state, SLOT_FAILED);
		bench_notify(sh);
	}
	_exit(r < 0 ? 1 : 0);
}

static int spawn(enum child_kind kind, unsigned index)
{
	pid_t parent = getpid(), pid;

	if (n_children >= MAX_CHILDREN)
		return -EMFILE;
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		child_setup(parent);
		if (kind == CHILD_SENDER)
			child_sender();
		child_reader(index);
	}
	children[n_children] = (struct child){ pid, kind, index, false };
	n_children++;
	return 0;
}

static struct child *find_child(pid_t pid)
{
	for (int i = 0; i < n_children; i++)
		if (children[i].pid == pid)
			return &children[i];
	return NULL;
}

/* Reaps what has exited; -ECHILD if a child died before its job was done. */
static int reap(void)
{
	int status, r = 0;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		struct child *c = find_child(pid);

		if (!c)
			continue;
		c->reaped = true;
		if (c->kind == CHILD_DAEMON ||
		    (c->kind == CHILD_SENDER &&
		     atomic_load(&sh->sender_state) != SENDER_DONE) ||
		    (c->kind == CHILD_READER &&
		     atomic_load(&sh->slots[c->index].state) != SLOT_DONE)) {
			if (!atomic_load(&sh->abort))
				fprintf(stderr, "amod-bench: %s %s %u exited early (status 0x%x)\n",
					transports[sh->run.transport]->name,
					c->kind == CHILD_DAEMON ? "dbus-daemon" :
					c->kind == CHILD_SENDER ? "sender" : "reader",
					c->index, status);
			r = -ECHILD;
		}
	}
	return r;
}

static bool cond_listening(void)
{
	return atomic_load(&sh->sender_state) >= SENDER_LISTENING;
}

static bool cond_armed(void)
{
	return atomic_load(&sh->sender_state) >= SENDER_ARMED;
}

static bool cond_all_done(void)
{
	if (atomic_load(&sh->sender_state) != SENDER_DONE)
		return false;
	for (uint32_t i = 0; i < sh->run.readers; i++)
		if (atomic_load(&sh->slots[i].state) != SLOT_DONE)
			return false;
	return true;
}

static bool cond_exited(void)
{
	for (int i = 0; i < n_children; i++)
		if (children[i].kind != CHILD_DAEMON && !children[i].reaped)
			return false;
	return true;
}

static bool any_failed(void)
{
	if (atomic_load(&sh->sender_state) == SENDER_FAILED)
		return true;
	for (uint32_t i = 0; i < sh->run.readers; i++)
		if (atomic_load(&sh->slots[i].state) == SLOT_FAILED)
			return true;
	return false;
}

/*
 * Sleeps on the children's notifications (no polling while a run is measured, apart from a
 * reap check every 100 ms) until cond() holds, a child fails, or the timeout passes.
 */
static int wait_until(bool (*cond)(void), uint64_t timeout_ns, bool check_failures)
{
	uint64_t deadline = now_ns() + timeout_ns;

	for (;;) {
		struct pollfd pfd = { .fd = notify_fd, .events = POLLIN };
		uint64_t now, count;
		int r;

		if (cond())
			return 0;
		r = reap();
		if (check_failures && r < 0)
			return r;
		if (check_failures && any_failed())
			return -EIO;
		if (cond())
			return 0;
		now = now_ns();
		if (now >= deadline)
			return -ETIMEDOUT;
		r = (int)((deadline - now) / 1000000u) + 1;
		if (poll(&pfd, 1, r < 100 ? r : 100) > 0)
			(void)!read(notify_fd, &count, sizeof(count));
	}
}

/* Stops what is still running: daemons politely first, then SIGKILL; reaps everything. */
static void stop_children(void)
{
	for (int i = 0; i < n_children; i++)
		if (!children[i].reaped && children[i].kind == CHILD_DAEMON)
			kill(children[i].pid, SIGTERM);
	for (int i = 0; i < n_children; i++) {
		uint64_t deadline = now_ns() + NS_PER_S;

		if (children[i].reaped)
			continue;
		if (children[i].kind != CHILD_DAEMON)
			kill(children[i].pid, SIGKILL);
		while (!children[i].reaped) {
			pid_t pid = waitpid(children[i].pid, NULL, WNOHANG);

			if (pid == children[i].pid || (pid < 0 && errno == ECHILD)) {
				children[i].reaped = true;
				break;
			}
			if (now_ns() > deadline)
				kill(children[i].pid, SIGKILL);
			bench_sleep_ns(1000000);
		}
	}
	n_children = 0;
}

/* The private dbus-daemon: a session-like bus on a socket in our directory. */

static int write_bus_config(const char *path, const char *socket)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -errno;
	fprintf(f,
		"<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\"\n"
		" \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
		"<busconfig>\n"
		"  <type>session</type>\n"
		"  <listen>unix:path=%s</listen>\n"
		"  <auth>EXTERNAL</auth>\n"
		"  <policy context=\"default\">\n"
		"    <allow send_destination=\"*\" eavesdrop=\"true\"/>\n"
		"    <allow eavesdrop=\"true\"/>\n"
		"    <allow own=\"*\"/>\n"
		"  </policy>\n"
		"  <limit name=\"max_incoming_bytes\">1000000000</limit>\n"
		"  <limit name=\"max_outgoing_bytes\">1000000000</limit>\n"
		"  <limit name=\"max_message_size\">1000000000</limit>\n"
		"  <limit name=\"max_completed_connections\">100000</limit>\n"
		"  <limit name=\"max_connections_per_user\">100000</limit>\n"
		"  <limit name=\"max_match_rules_per_connection\">50000</limit>\n"
		"</busconfig>\n",
		socket);
	return fclose(f) == 0 ? 0 : -EIO;
}

static int start_dbus(struct bench_run *run, pid_t *ret_pid)
{
	char config_arg[200];
	int pfd[2], r, log;
	pid_t parent = getpid(), pid;
	size_t len = 0;
	uint64_t deadline;

	r = write_bus_config(run_files[4], run_files[3]);
	if (r < 0)
		return r;
	snprintf(config_arg, sizeof(config_arg), "--config-file=%s", run_files[4]);
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -errno;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		r = -errno;
		close(pfd[0]);
		close(pfd[1]);
		return r;
	}
	if (pid == 0) {
		child_setup(parent);
		/* fd 3 without close-on-exec: the daemon prints its address there. */
		if (pfd[1] == 3)
			fcntl(3, F_SETFD, 0);
		else if (dup2(pfd[1], 3) < 0)
			_exit(127);
		/* Its chatter (it cannot raise its fd limit unprivileged) goes to a log, shown
		 * if it fails to start. */
		log = open(run_files[5], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (log >= 0)
			dup2(log, 2);
		execlp("dbus-daemon", "dbus-daemon", config_arg, "--nofork", "--nopidfile",
		       "--print-address=3", (char *)NULL);
		_exit(127);
	}
	children[n_children] = (struct child){ pid, CHILD_DAEMON, 0, false };
	n_children++;
	*ret_pid = pid;
	close(pfd[1]);
	deadline = now_ns() + 10 * NS_PER_S;
	while (len < sizeof(run->bus) - 1) {
		struct pollfd p = { .fd = pfd[0], .events = POLLIN };
		ssize_t n;

		if (now_ns() > deadline || poll(&p, 1, 100) < 0) {
			r = -ETIMEDOUT;
			break;
		}
		if (!p.revents)
			continue;
		n = read(pfd[0], run->bus + len, sizeof(run->bus) - 1 - len);
		if (n <= 0) {
			r = -EIO;
			break;
		}
		len += (size_t)n;
		run->bus[len] = 0;
		if (strchr(run->bus, '\n'))
			break;
	}
	close(pfd[0]);
	if (r < 0 || !strchr(run->bus, '\n')) {
		char line[256];
		FILE *f = fopen(run_files[5], "r");

		fprintf(stderr, "amod-bench: dbus-daemon did not start\n");
		while (f && fgets(line, sizeof(line), f))
			fprintf(stderr, "  %s", line);
		if (f)
			fclose(f);
		return r < 0 ? r : -EIO;
	}
	*strchr(run->bus, '\n') = 0;
	return 0;
}

/* CPU time of a process we did not fork from this address space (the daemon), in ns. */
static uint64_t proc_cpu_ns(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long ut, st;
	uint64_t total = 0;
	struct dirent *e;
	DIR *d;
	FILE *f;

	/* schedstat has ns; summed over the threads. */
	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	if (d) {
		bool any = false;

		while ((e = readdir(d))) {
			unsigned long long ns;

			if (e->d_name[0] == '.')
				continue;
			snprintf(buf, sizeof(buf), "/proc/%d/task/%s/schedstat", (int)pid, e->d_name);
			f = fopen(buf, "r");
			if (!f)
				continue;
			if (fscanf(f, "%llu", &ns) == 1) {
				total += ns;
				any = true;
			}
			fclose(f);
		}
		closedir(d);
		if (any)
			return total;
	}
	/* Else /proc/PID/stat, in clock ticks. */
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (!fgets(buf, sizeof(buf), f)) {
		fclose(f);
		return 0;
	}
	fclose(f);
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut,
			 &st) != 2)
		return 0;
	return (ut + st) * (NS_PER_S / (uint64_t)sysconf(_SC_CLK_TCK));
}

/* Results. */

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Nearest rank. */
static size_t rank(size_t n, double q)
{
	size_t i = (size_t)ceil(q * (double)n);

	return i ? i - 1 : 0;
}

static void compute(struct run_result *res, uint64_t daemon_cpu)
{
	const struct bench_run *run = &sh->run;
	uint64_t cpu = sh->sender_cpu_ns + daemon_cpu, last = 0, deliveries, wakeups = 0;
	size_t n = 0;

	res->sent = atomic_load(&sh->sent);
	for (uint32_t i = 0; i < run->readers; i++) {
		const struct bench_slot *s = &sh->slots[i];

		res->received += s->received;
		res->lost += s->lost;
		res->dropped += s->dropped;
		res->errors += s->errors;
		cpu += s->cpu_ns;
		wakeups += s->wakeups;
		if (s->last_ns > last)
			last = s->last_ns;
		n += s->n_samples;
		/* Short of the count and nothing said lost: lost all the same. */
		if (run->mode != MODE_DRIVER_IDLE && s->received + s->lost < res->sent)
			res->lost += res->sent - s->received - s->lost;
	}
	deliveries = run->readers && run->mode != MODE_DRIVER_IDLE ? res->received : res->sent;
	res->cpu_ns = deliveries ? (double)cpu / (double)deliveries : NAN;
	res->wakeups = transports[run->transport]->counts_wakeups && res->received
			       ? (double)wakeups / (double)res->received
			       : NAN;

	if (run->mode == MODE_LATENCY && n) {
		uint32_t *all = malloc(n * sizeof(*all));
		size_t k = 0;

		if (all) {
			for (uint32_t i = 0; i < run->readers; i++) {
				memcpy(all + k, sh->samples[i], sh->slots[i].n_samples * sizeof(*all));
				k += sh->slots[i].n_samples;
			}
			qsort(all, n, sizeof(*all), cmp_u32);
			res->p50 = all[rank(n, 0.50)] / 1000.0;
			res->p99 = all[rank(n, 0.99)] / 1000.0;
			res->p999 = all[rank(n, 0.999)] / 1000.0;
			res->max = all[n - 1] / 1000.0;
			free(all);
		}
	}
	if (run->mode == MODE_THROUGHPUT && last > sh->t_start)
		res->rate = (double)res->sent * 1e9 / (double)(last - sh->t_start);
	if ((run->mode == MODE_DRIVER || run->mode == MODE_DRIVER_IDLE) && sh->n_batches) {
		double *v = malloc(sh->n_batches * sizeof(*v));

		if (v) {
			memcpy(v, sh->batch_ns, sh->n_batches * sizeof(*v));
			qsort(v, sh->n_batches, sizeof(*v), cmp_double);
			res->drv_median = v[rank(sh->n_batches, 0.5)];
			res->drv_p99 = v[rank(sh->n_batches, 0.99)];
			memcpy(v, sh->batch_cpu_ns, sh->n_batches * sizeof(*v));
			qsort(v, sh->n_batches, sizeof(*v), cmp_double);
			res->drv_cpu = v[rank(sh->n_batches, 0.5)];
			res->drv_rt = sh->sender_rt;
			free(v);
		}
	}
	res->ok = true;
}

static uint64_t run_deadline(const struct bench_run *run)
{
	switch (run->mode) {
	case MODE_LATENCY:
		return ((uint64_t)run->warmup + run->count) * NS_PER_S / run->rate + 20 * NS_PER_S;
	case MODE_THROUGHPUT:
		return run->duration_ns + 30 * NS_PER_S;
	default:
		return (uint64_t)(run->count / run->batch) * run->batch_gap_us * 1000u +
		       20 * NS_PER_S;
	}
}

static int run_once(const struct bench_run *cfg, struct run_result *res)
{
	const struct transport *t = transports[cfg->transport];
	struct bench_run *run = &sh->run;
	uint64_t dcpu0 = 0, dcpu1 = 0, count;
	pid_t daemon = -1;
	int r;

	memset(sh, 0, offsetof(struct bench_shared, samples));
	*run = *cfg;
	for (unsigned i = 0; i < BENCH_MAX_READERS; i++)
		run->fds[i][0] = run->fds[i][1] = run->efd[i] = -1;
	snprintf(run->dir, sizeof(run->dir), "%s", root_dir);
	sh->notify_fd = notify_fd;
	while (read(notify_fd, &count, sizeof(count)) > 0)
		;
	*res = (struct run_result){ .done = true };
	n_children = 0;

	r = t->prepare ? t->prepare(run) : 0;
	if (r == 0 && t->bus)
		r = start_dbus(run, &daemon);
	if (r == 0)
		r = spawn(CHILD_SENDER, 0);
	if (r == 0)
		r = wait_until(cond_listening, 10 * NS_PER_S, true);
	for (uint32_t i = 0; r == 0 && i < run->readers; i++)
		r = spawn(CHILD_READER, i);
	if (r == 0)
		r = wait_until(cond_armed, 40 * NS_PER_S, true);
	if (r == 0) {
		if (daemon > 0)
			dcpu0 = proc_cpu_ns(daemon);
		atomic_store(&sh->go, 1);
		r = wait_until(cond_all_done, run_deadline(run), true);
	}
	if (r == 0) {
		if (daemon > 0)
			dcpu1 = proc_cpu_ns(daemon);
		atomic_store(&sh->finish, 1);
		r = wait_until(cond_exited, 10 * NS_PER_S, true);
	}
	if (r < 0) {
		/* Children see abort within their wait timeouts; then they are killed anyway. */
		atomic_store(&sh->abort, 1);
		wait_until(cond_exited, NS_PER_S, false);
	}
	stop_children();
	if (t->cleanup)
		t->cleanup(run);
	remove_run_files();
	if (r == 0)
		compute(res, dcpu1 > dcpu0 ? dcpu1 - dcpu0 : 0);
	return r;
}

/* Plans and the main loop. */

static bool transport_runs(enum bench_transport t, enum bench_mode mode, uint32_t readers)
{
	const struct transport *tr = transports[t];

	if (!tr || !tr->available || !tr->modes[mode] || !(opt.transports & (1u << t)))
		return false;
	/* The ping has one reader and no data path. */
	return t != T_EVENTFD || readers == 1;
}

static struct bench_run make_run(enum bench_transport t, enum bench_mode mode, uint32_t size,
				 uint32_t readers)
{
	struct bench_run run = {
		.transport = t,
		.mode = mode,
		.size = size,
		.readers = readers,
		.warmup = opt.lat_warmup,
		.rate = opt.lat_rate,
		.duration_ns = opt.tp_duration_ns,
		.max_count = opt.tp_max_count,
		.window = opt.window,
		.batch = opt.drv_batch,
		.batch_gap_us = opt.drv_gap_us,
		.verifier = opt.smoke,
	};

	run.count = mode == MODE_DRIVER || mode == MODE_DRIVER_IDLE ? opt.drv_batch * opt.drv_batches
								    : opt.lat_count;
	return run;
}

static double metric(const struct run_result *r, int m)
{
	switch (m) {
	case 0: return r->p50;
	case 1: return r->p99;
	case 2: return r->p999;
	case 3: return r->max;
	case 4: return r->rate;
	case 5: return r->cpu_ns;
	case 6: return r->drv_median;
	case 7: return r->drv_p99;
	case 8: return r->drv_cpu;
	case 9: return r->wakeups;
	default: return NAN;
	}
}

enum { M_P50, M_P99, M_P999, M_MAX, M_RATE, M_CPU, M_DRV, M_DRV99, M_DRVCPU, M_WAKE };

/* The median over the runs that completed; NAN when none did. */
static double median(enum bench_mode mode, enum bench_transport t, unsigned cell, int m)
{
	double v[MAX_RUNS];
	unsigned n = 0;

	for (unsigned i = 0; i < opt.runs; i++) {
		const struct run_result *r = &results[mode][t][cell][i];

		if (r->ok && !isnan(metric(r, m)))
			v[n++] = metric(r, m);
	}
	if (!n)
		return NAN;
	qsort(v, n, sizeof(v[0]), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static uint64_t total_lost(enum bench_mode mode, enum bench_transport t, unsigned cell,
			   uint64_t *errors, unsigned *failed)
{
	uint64_t lost = 0;

	*errors = 0;
	*failed = 0;
	for (unsigned i = 0; i < opt.runs; i++) {
		const struct run_result *r = &results[mode][t][cell][i];

		if (r->done && !r->ok)
			(*failed)++;
		lost += r->lost;
		*errors += r->errors;
	}
	return lost;
}

static void run_cell(enum bench_mode mode, unsigned cell, uint32_t size, uint32_t readers)
{
	uint64_t soft = (uint64_t)opt.budget_s * NS_PER_S * 85 / 100;

	for (unsigned run = 0; run < opt.runs; run++) {
		for (int t = 0; t < T_COUNT; t++) {
			struct bench_run cfg;
			int r;

			if (!transport_runs(t, mode, readers))
				continue;
			/* Better a table with holes than a watchdog kill with no table at all. */
			if (now_ns() - t_begin > soft) {
				out_of_time = true;
				return;
			}
			cfg = make_run(t, mode, size, readers);
			r = run_once(&cfg, &results[mode][t][cell][run]);
			if (r < 0)
				fprintf(stderr, "amod-bench: %s %s %u B x %u readers, run %u "
						"failed: %s\n", transports[t]->name, mode_names[mode],
					size, readers, run + 1, strerror(-r));
		}
	}
}

static void progress(enum bench_mode mode, unsigned cell, uint32_t size, uint32_t readers)
{
	int m = mode == MODE_LATENCY ? M_P50 : mode == MODE_THROUGHPUT ? M_RATE : M_DRV;
	const char *unit = mode == MODE_LATENCY ? "us" : mode == MODE_THROUGHPUT ? "/s" : "ns";

	fprintf(stderr, "[%5.1f s] %-10s %4u B %2u rd:", (now_ns() - t_begin) / 1e9,
		mode_names[mode], size, readers);
	for (int t = 0; t < T_COUNT; t++) {
		double v;

		if (!transport_runs(t, mode, readers))
			continue;
		v = median(mode, t, cell, m);
		if (m == M_RATE)
			fprintf(stderr, " %s %.0fk%s", transports[t]->name, v / 1000, unit);
		else
			fprintf(stderr, " %s %.1f%s", transports[t]->name, v, unit);
	}
	fprintf(stderr, "\n");
}

/* Tables. */

static void fmt_value(char *buf, size_t size, double v, int m)
{
	if (isnan(v))
		snprintf(buf, size, "-");
	else if (m == M_WAKE)
		snprintf(buf, size, "%.3f", v);
	else if (m == M_RATE)
		snprintf(buf, size, "%.1fk", v / 1000);
	else if (m == M_CPU || m == M_DRV || m == M_DRV99 || m == M_DRVCPU)
		snprintf(buf, size, "%.0f", v);
	else if (v < 100)
		snprintf(buf, size, "%.1f", v);
	else
		snprintf(buf, size, "%.0f", v);
}

static void fmt_ratio(char *buf, size_t size, double amod, double peer)
{
	double q = amod / peer;

	if (isnan(q) || isinf(q))
		buf[0] = 0;
	else if (q < 10)
		snprintf(buf, size, " (%.2f)", q);
	else
		snprintf(buf, size, " (%.0f)", q);
}

static void table_header(FILE *f, enum bench_mode mode, const char *first, uint32_t readers_hint)
{
	fprintf(f, "%s", first);
	for (int t = 0; t < T_COUNT; t++) {
		bool any = false;

		for (unsigned r = 0; r < opt.plans[mode].n_readers; r++)
			any |= transport_runs(t, mode, opt.plans[mode].readers[r]);
		if (any)
			fprintf(f, t == T_AMOD ? " %8s" : " %15s", transports[t]->label);
	}
	(void)readers_hint;
	fprintf(f, "\n");
}

static void table_row(FILE *f, enum bench_mode mode, unsigned cell, uint32_t readers, int m)
{
	double amod = median(mode, T_AMOD, cell, m);

	for (int t = 0; t < T_COUNT; t++) {
		char v[32], q[32], both[64];
		bool any = false;
		uint64_t errors;
		unsigned failed;

		for (unsigned r = 0; r < opt.plans[mode].n_readers; r++)
			any |= transport_runs(t, mode, opt.plans[mode].readers[r]);
		if (!any)
			continue;
		if (!transport_runs(t, mode, readers)) {
			fprintf(f, t == T_AMOD ? " %8s" : " %15s", "");
			continue;
		}
		fmt_value(v, sizeof(v), median(mode, t, cell, m), m);
		/* Loss or failures must not hide behind a number. */
		if (total_lost(mode, t, cell, &errors, &failed) || errors || failed)
			strcat(v, "!");
		if (t == T_AMOD) {
			fprintf(f, " %8s", v);
			continue;
		}
		fmt_ratio(q, sizeof(q), amod, median(mode, t, cell, m));
		snprintf(both, sizeof(both), "%s%s", v, q);
		fprintf(f, " %15s", both);
	}
	fprintf(f, "\n");
}

static void latency_table(FILE *f, int m, const char *what)
{
	const struct plan *p = &opt.plans[MODE_LATENCY];

	fprintf(f, "\nOne-way latency %s (us), %u notifications/s, readers sleeping; (amod/peer)\n",
		what, opt.lat_rate);
	table_header(f, MODE_LATENCY, "bytes rd", 0);
	for (unsigned si = 0; si < p->n_sizes; si++)
		for (unsigned ri = 0; ri < p->n_readers; ri++) {
			fprintf(f, "%5u %2u", p->sizes[si], p->readers[ri]);
			table_row(f, MODE_LATENCY, si * p->n_readers + ri, p->readers[ri], m);
		}
}

static void driver_table(FILE *f, enum bench_mode mode, const char *readers)
{
	const struct plan *dp = &opt.plans[mode];
	double base = median(mode, T_AMOD, 0, M_DRV), cpu0 = median(mode, T_AMOD, 0, M_DRVCPU);
	bool rt = true;

	if (!(opt.modes & (1u << mode)) || !transport_runs(T_AMOD, mode, 0))
		return;
	for (unsigned ri = 0; ri < dp->n_readers; ri++)
		for (unsigned i = 0; i < opt.runs; i++)
			if (results[mode][T_AMOD][ri][i].ok)
				rt &= results[mode][T_AMOD][ri][i].drv_rt;
	fprintf(f, "\nDriver-side cost: AllocNotificationBuffer + fill + SendNotification + "
		   "FreeNotificationBuffer, %u bytes\n(ns per notification; bursts of %u, %u us "
		   "apart; %s; sender %s)\n",
		dp->sizes[0], opt.drv_batch, opt.drv_gap_us, readers,
		rt ? "SCHED_FIFO" : "SCHED_OTHER, SCHED_FIFO refused");
	fprintf(f, "readers   median      p99  median/0 rd  thread CPU  CPU/0 rd\n");
	for (unsigned ri = 0; ri < dp->n_readers; ri++) {
		double m = median(mode, T_AMOD, ri, M_DRV), cpu = median(mode, T_AMOD, ri, M_DRVCPU);
		char v[32], p[32], c[32];
		uint64_t errors;
		unsigned failed;

		fmt_value(v, sizeof(v), m, M_DRV);
		fmt_value(p, sizeof(p), median(mode, T_AMOD, ri, M_DRV99), M_DRV99);
		fmt_value(c, sizeof(c), cpu, M_DRVCPU);
		if (total_lost(mode, T_AMOD, ri, &errors, &failed) || errors || failed)
			strcat(v, "!");
		fprintf(f, "%7u %8s %8s %12.2f %11s %9.2f\n", dp->readers[ri], v, p, m / base, c,
			cpu / cpu0);
	}
}

static void print_tables(FILE *f)
{
	const struct plan *tp = &opt.plans[MODE_THROUGHPUT];

	if (opt.modes & (1u << MODE_LATENCY)) {
		latency_table(f, M_P50, "p50");
		latency_table(f, M_P99, "p99");
		latency_table(f, M_P999, "p99.9");
		latency_table(f, M_MAX, "max");
		fprintf(f, "\nCPU per delivered notification (ns, user+sys of every process), "
			   "paced at %u/s; (amod/peer)\n", opt.lat_rate);
		table_header(f, MODE_LATENCY, "bytes rd", 0);
		for (unsigned si = 0; si < opt.plans[MODE_LATENCY].n_sizes; si++)
			for (unsigned ri = 0; ri < opt.plans[MODE_LATENCY].n_readers; ri++) {
				const struct plan *p = &opt.plans[MODE_LATENCY];

				fprintf(f, "%5u %2u", p->sizes[si], p->readers[ri]);
				table_row(f, MODE_LATENCY, si * p->n_readers + ri, p->readers[ri],
					  M_CPU);
			}
	}
	if (opt.modes & (1u << MODE_THROUGHPUT)) {
		fprintf(f, "\nLossless throughput (notifications/s delivered to every reader), "
			   "credit window %u; (amod/peer)\n", opt.window);
		table_header(f, MODE_THROUGHPUT, "bytes rd", 0);
		for (unsigned si = 0; si < tp->n_sizes; si++)
			for (unsigned ri = 0; ri < tp->n_readers; ri++) {
				fprintf(f, "%5u %2u", tp->sizes[si], tp->readers[ri]);
				table_row(f, MODE_THROUGHPUT, si * tp->n_readers + ri, tp->readers[ri],
					  M_RATE);
			}
		for (int t = 0; t < T_COUNT; t++) {
			uint64_t lost = 0, dropped = 0, errors = 0;
			bool any = false;

			for (unsigned c = 0; c < tp->n_sizes * tp->n_readers; c++)
				for (unsigned i = 0; i < opt.runs; i++) {
					const struct run_result *r = &results[MODE_THROUGHPUT][t][c][i];

					any |= r->done;
					lost += r->lost;
					dropped += r->dropped;
					errors += r->errors;
				}
			if (any)
				fprintf(f, "%s%s lost %llu%s%s", t ? ", " : "loss over all runs: ",
					transports[t]->name, (unsigned long long)lost,
					t == T_AMOD ? " (ring dropped " : "",
					t == T_AMOD ? (dropped ? "some)" : "0)") : "");
			if (errors)
				fprintf(f, " (%llu damaged)", (unsigned long long)errors);
		}
		fprintf(f, "\n");
		fprintf(f, "\nCPU per delivered notification (ns, user+sys of every process), "
			   "at the lossless rate; (amod/peer)\n");
		table_header(f, MODE_THROUGHPUT, "bytes rd", 0);
		for (unsigned si = 0; si < tp->n_sizes; si++)
			for (unsigned ri = 0; ri < tp->n_readers; ri++) {
				fprintf(f, "%5u %2u", tp->sizes[si], tp->readers[ri]);
				table_row(f, MODE_THROUGHPUT, si * tp->n_readers + ri, tp->readers[ri],
					  M_CPU);
			}
		fprintf(f, "\nReader wake-ups per delivered notification at the lossless rate "
			   "(- where a peer's wait cannot tell); (amod/peer)\n");
		table_header(f, MODE_THROUGHPUT, "bytes rd", 0);
		for (unsigned si = 0; si < tp->n_sizes; si++)
			for (unsigned ri = 0; ri < tp->n_readers; ri++) {
				fprintf(f, "%5u %2u", tp->sizes[si], tp->readers[ri]);
				table_row(f, MODE_THROUGHPUT, si * tp->n_readers + ri, tp->readers[ri],
					  M_WAKE);
			}
	}
	driver_table(f, MODE_DRIVER, "readers attached and sleeping");
	driver_table(f, MODE_DRIVER_IDLE, "readers attached but not reading (no wake-ups)");
	fprintf(f, "\n! = a run lost or damaged notifications, or failed (see the log above).\n");
}

/* Targets (docs/performance.md): judged on the medians of this run. */

static unsigned cell_of(enum bench_mode mode, uint32_t size, uint32_t readers)
{
	const struct plan *p = &opt.plans[mode];

	for (unsigned si = 0; si < p->n_sizes; si++)
		for (unsigned ri = 0; ri < p->n_readers; ri++)
			if (p->sizes[si] == size && p->readers[ri] == readers)
				return si * p->n_readers + ri;
	return UINT32_MAX;
}

static void verdict(FILE *f, bool met, bool known, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void verdict(FILE *f, bool met, bool known, const char *fmt, ...)
{
	va_list ap;

	fprintf(f, "  [%s] ", !known ? "n/a" : met ? "met" : "NOT met");
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fprintf(f, "\n");
}

static void print_targets(FILE *f)
{
	const struct plan *lp = &opt.plans[MODE_LATENCY], *tp = &opt.plans[MODE_THROUGHPUT];

	fprintf(f, "\nTargets (medians of this run):\n");
	if (opt.modes & (1u << MODE_LATENCY)) {
		for (unsigned si = 0; si < lp->n_sizes; si++) {
			for (unsigned ri = 0; ri < lp->n_readers; ri++) {
				uint32_t size = lp->sizes[si], n = lp->readers[ri];
				unsigned c = cell_of(MODE_LATENCY, size, n);
				double a = median(MODE_LATENCY, T_AMOD, c, M_P50);
				double ring = median(MODE_LATENCY, T_RING, c, M_P50);
				double bc = median(MODE_LATENCY, T_BCAST, c, M_P50);
				double floor = fmin(ring, bc);
				double z = median(MODE_LATENCY, T_ZMQ, c, M_P50);
				double d = median(MODE_LATENCY, T_DBUS, c, M_P50);
				double need = n == 1 ? 5 : 2;

				verdict(f, a <= 1.3 * floor, !isnan(a) && !isnan(floor),
					"latency p50 %4u B %2u rd: amod %.1f us = %.2fx the floor "
					"(%.1f us; target <= 1.3x)", size, n, a, a / floor, floor);
				verdict(f, z / a >= need && d / a >= need,
					!isnan(a) && !isnan(z) && !isnan(d),
					"latency p50 %4u B %2u rd: ZeroMQ/amod %.1fx, "
					"D-Bus/amod %.1fx (target >= %.0fx)", size, n, z / a, d / a,
					need);
			}
		}
	}
	if (opt.modes & (1u << MODE_THROUGHPUT)) {
		for (unsigned ri = 0; ri < tp->n_readers; ri++) {
			uint32_t n = tp->readers[ri];
			unsigned c = cell_of(MODE_THROUGHPUT, 104, n);
			double a, z, d, b;

			if (c == UINT32_MAX)
				continue;
			a = median(MODE_THROUGHPUT, T_AMOD, c, M_RATE);
			z = median(MODE_THROUGHPUT, T_ZMQ, c, M_RATE);
			d = median(MODE_THROUGHPUT, T_DBUS, c, M_RATE);
			b = median(MODE_THROUGHPUT, T_BCAST, c, M_RATE);
			verdict(f, a >= 4 * z, !isnan(a) && !isnan(z),
				"throughput 104 B %2u rd: amod/ZeroMQ %.1fx (target >= 4x)", n, a / z);
			verdict(f, a >= 50 * d, !isnan(a) && !isnan(d),
				"throughput 104 B %2u rd: amod/D-Bus %.0fx (target >= 50x)", n, a / d);
			verdict(f, a >= 0.5 * b, !isnan(a) && !isnan(b),
				"throughput 104 B %2u rd: amod/bare broadcast ring %.2f "
				"(target >= 0.5)", n, a / b);
		}
	}
	for (int mode = MODE_DRIVER; mode <= MODE_DRIVER_IDLE; mode++) {
		const struct plan *dp = &opt.plans[mode];
		const char *what = mode == MODE_DRIVER ? "sleeping" : "idle";
		double lo = INFINITY, hi = 0, base = median(mode, T_AMOD, 0, M_DRV);

		if (!(opt.modes & (1u << mode)) || !transport_runs(T_AMOD, mode, 0))
			continue;
		for (unsigned ri = 0; ri < dp->n_readers; ri++) {
			double m = median(mode, T_AMOD, ri, M_DRV);

			lo = fmin(lo, m);
			hi = fmax(hi, m);
		}
		verdict(f, hi < 250, !isnan(hi), "driver-side cost, %s readers: median %.0f..%.0f "
			"ns over 0..%u readers (target < 250 ns)", what, lo, hi,
			dp->readers[dp->n_readers - 1]);
		verdict(f, hi <= 1.2 * base, !isnan(hi) && !isnan(base),
			"driver-side cost flat, %s readers: max/0 readers %.2f (target <= 1.2)", what,
			hi / base);
	}
}

/* JSON: every run, raw. */

static void json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static void json_number(FILE *f, double v)
{
	if (isnan(v) || isinf(v))
		fprintf(f, "null");
	else
		fprintf(f, "%.6g", v);
}

static void json_field(FILE *f, const char *name, double v)
{
	fprintf(f, ", \"%s\": ", name);
	json_number(f, v);
}

static void json_run(FILE *f, bool *first, int mode, int t, uint32_t size, uint32_t readers,
		     unsigned run, const struct run_result *r)
{
	if (!r->done)
		return;
	fprintf(f, "%s\n    {\"transport\": \"%s\", \"mode\": \"%s\", \"size\": %u, "
		   "\"readers\": %u, \"run\": %u, \"ok\": %s, \"sent\": %llu, "
		   "\"received\": %llu, \"lost\": %llu, \"dropped\": %llu, \"errors\": %llu",
		*first ? "" : ",", transports[t]->name, mode_names[mode], size, readers, run + 1,
		r->ok ? "true" : "false", (unsigned long long)r->sent,
		(unsigned long long)r->received, (unsigned long long)r->lost,
		(unsigned long long)r->dropped, (unsigned long long)r->errors);
	*first = false;
	json_field(f, "cpu_ns_per_delivery", r->cpu_ns);
	if (mode == MODE_LATENCY) {
		json_field(f, "p50_us", r->p50);
		json_field(f, "p99_us", r->p99);
		json_field(f, "p999_us", r->p999);
		json_field(f, "max_us", r->max);
	} else if (mode == MODE_THROUGHPUT) {
		json_field(f, "rate_per_s", r->rate);
		json_field(f, "wakeups_per_delivery", r->wakeups);
	} else {
		json_field(f, "driver_median_ns", r->drv_median);
		json_field(f, "driver_p99_ns", r->drv_p99);
		json_field(f, "driver_thread_cpu_ns", r->drv_cpu);
		fprintf(f, ", \"sched_fifo\": %s", r->drv_rt ? "true" : "false");
	}
	fprintf(f, "}");
}

static int write_json(const char *path)
{
	FILE *f = fopen(path, "w");
	bool first = true;

	if (!f)
		return -errno;
	fprintf(f, "{\n  \"machine\": {\"nproc\": %ld, \"cpu\": ", n_cpus);
	json_string(f, cpu_model);
	fprintf(f, ", \"kernel\": ");
	json_string(f, kernel);
	fprintf(f, ", \"load_start\": %.2f, \"load_end\": %.2f},\n", load_start, load_end);
	fprintf(f, "  \"versions\": {\"zeromq\": ");
	json_string(f, zmq_version_text);
	fprintf(f, ", \"dbus_daemon\": ");
	json_string(f, dbus_version_text);
	fprintf(f, "},\n  \"config\": {\"runs\": %u, \"latency_count\": %u, \"latency_warmup\": %u, "
		   "\"rate\": %u, \"throughput_duration_s\": %.3f, \"window\": %u, "
		   "\"driver_batch\": %u, \"driver_batches\": %u, \"driver_gap_us\": %u, "
		   "\"quick\": %s, \"smoke\": %s, \"out_of_time\": %s},\n",
		opt.runs, opt.lat_count, opt.lat_warmup, opt.lat_rate, opt.tp_duration_ns / 1e9,
		opt.window, opt.drv_batch, opt.drv_batches, opt.drv_gap_us,
		opt.quick ? "true" : "false", opt.smoke ? "true" : "false",
		out_of_time ? "true" : "false");
	fprintf(f, "  \"runs\": [");
	for (int mode = 0; mode < MODE_COUNT; mode++) {
		const struct plan *p = &opt.plans[mode];

		for (unsigned si = 0; si < p->n_sizes; si++)
			for (unsigned ri = 0; ri < p->n_readers; ri++)
				for (int t = 0; t < T_COUNT; t++)
					for (unsigned i = 0; i < opt.runs; i++)
						json_run(f, &first, mode, t, p->sizes[si],
							 p->readers[ri], i,
							 &results[mode][t][si * p->n_readers + ri][i]);
	}
	fprintf(f, "\n  ]\n}\n");
	return fclose(f) == 0 ? 0 : -EIO;
}

/* Machine and peers. */

static void read_machine(void)
{
	struct utsname u;
	char line[512];
	FILE *f;

	n_cpus = sysconf(_SC_NPROCESSORS_ONLN);
	f = fopen("/proc/cpuinfo", "r");
	if (f) {
		while (fgets(line, sizeof(line), f)) {
			char *colon = strchr(line, ':');

			if (strncmp(line, "model name", 10) || !colon)
				continue;
			snprintf(cpu_model, sizeof(cpu_model), "%s", colon + 2);
			cpu_model[strcspn(cpu_model, "\n")] = 0;
			break;
		}
		fclose(f);
	}
	if (uname(&u) == 0)
		snprintf(kernel, sizeof(kernel), "%s %s %s %s", u.sysname, u.release, u.version,
			 u.machine);
}

static double loadavg(void)
{
	double v = NAN;
	FILE *f = fopen("/proc/loadavg", "r");

	if (f) {
		if (fscanf(f, "%lf", &v) != 1)
			v = NAN;
		fclose(f);
	}
	return v;
}

#ifdef HAVE_SDBUS
static bool in_path(const char *name)
{
	const char *path = getenv("PATH");
	char buf[512];

	if (!path)
		path = "/usr/bin:/bin";
	while (*path) {
		size_t n = strcspn(path, ":");

		snprintf(buf, sizeof(buf), "%.*s/%s", (int)n, path, name);
		if (access(buf, X_OK) == 0)
			return true;
		path += n;
		if (*path == ':')
			path++;
	}
	return false;
}
#endif

static void probe_peers(void)
{
#ifdef HAVE_ZMQ
	int major, minor, patch;

	zmq_version(&major, &minor, &patch);
	snprintf(zmq_version_text, sizeof(zmq_version_text), "%d.%d.%d", major, minor, patch);
#else
	snprintf(skipped_note[T_ZMQ], sizeof(skipped_note[T_ZMQ]),
		 "ZeroMQ: not built (libzmq3-dev was missing)");
#endif
#ifdef HAVE_SDBUS
	if (!in_path("dbus-daemon")) {
		transports[T_DBUS]->available = false;
		snprintf(skipped_note[T_DBUS], sizeof(skipped_note[T_DBUS]),
			 "D-Bus: skipped, no dbus-daemon in PATH (install dbus-daemon)");
	} else {
		FILE *p = popen("dbus-daemon --version 2>/dev/null", "r");
		char line[128];

		if (p) {
			if (fgets(line, sizeof(line), p)) {
				char *v = strrchr(line, ' ');

				snprintf(dbus_version_text, sizeof(dbus_version_text), "%.40s",
					 v ? v + 1 : line);
				dbus_version_text[strcspn(dbus_version_text, "\n")] = 0;
			}
			pclose(p);
		}
	}
#else
	snprintf(skipped_note[T_DBUS], sizeof(skipped_note[T_DBUS]),
		 "D-Bus: not built (libsystemd-dev was missing)");
#endif
}

static void print_header(FILE *f)
{
	fprintf(f, "amod-bench: amod vs ZeroMQ %s (PUB/SUB ipc), sd-bus %s + dbus-daemon %s, "
		   "SOCK_SEQPACKET, bare rings\n",
		zmq_version_text,
#ifdef SDBUS_VERSION
		SDBUS_VERSION,
#else
		"-",
#endif
		dbus_version_text);
	fprintf(f, "machine: %ld CPUs, %s; %s\n", n_cpus, cpu_model, kernel);
	fprintf(f, "load average %.2f at start, %.2f at end; %s; %u run(s) per cell, median "
		   "shown\n",
		load_start, load_end, opt.smoke ? "smoke" : opt.quick ? "quick" : "full", opt.runs);
	fprintf(f, "latency: %u notifications after %u of warm-up; throughput: %.2f s per run\n",
		opt.lat_count, opt.lat_warmup, opt.tp_duration_ns / 1e9);
	for (int t = 0; t < T_COUNT; t++)
		if (skipped_note[t][0])
			fprintf(f, "note: %s\n", skipped_note[t]);
	if (out_of_time)
		fprintf(f, "note: the time budget ran out; cells without runs show '-'\n");
}

/* Smoke: every mode of every transport once, nothing lost, nothing damaged. */
static int smoke_verdict(void)
{
	unsigned ok = 0, bad = 0;

	for (int mode = 0; mode < MODE_COUNT; mode++) {
		const struct plan *p = &opt.plans[mode];

		for (unsigned si = 0; si < p->n_sizes; si++)
			for (unsigned ri = 0; ri < p->n_readers; ri++)
				for (int t = 0; t < T_COUNT; t++) {
					unsigned c = si * p->n_readers + ri;
					const struct run_result *r = &results[mode][t][c][0];
					uint64_t want;

					if (!transport_runs(t, mode, p->readers[ri]))
						continue;
					want = mode == MODE_DRIVER_IDLE ? 0 : r->sent * p->readers[ri];
					if (r->ok && !r->lost && !r->errors && r->received == want &&
					    r->sent > 0 && (mode != MODE_LATENCY || r->p50 > 0)) {
						ok++;
						continue;
					}
					bad++;
					fprintf(stderr, "smoke: %s %s %u B x %u readers: ok %d "
						"sent %llu received %llu lost %llu errors %llu\n",
						transports[t]->name, mode_names[mode], p->sizes[si],
						p->readers[ri], r->ok, (unsigned long long)r->sent,
						(unsigned long long)r->received,
						(unsigned long long)r->lost,
						(unsigned long long)r->errors);
				}
	}
	printf("smoke: %u runs complete and lossless, %u not\n", ok, bad);
	return bad ? 1 : 0;
}

static void set_plan(enum bench_mode mode, const uint32_t *sizes, unsigned n_sizes,
		     const uint32_t *readers, unsigned n_readers)
{
	struct plan *p = &opt.plans[mode];

	memcpy(p->sizes, sizes, n_sizes * sizeof(*sizes));
	p->n_sizes = n_sizes;
	memcpy(p->readers, readers, n_readers * sizeof(*readers));
	p->n_readers = n_readers;
}

static void defaults(void)
{
	static const uint32_t sizes[] = { 40, 104, 1064 }, readers[] = { 1, 4, 16 };
	static const uint32_t tp_size[] = { 104 }, drv_readers[] = { 0, 1, 4, 16, 64 };
	static const uint32_t smoke_sizes[] = { 40, 1064 }, smoke_readers[] = { 1, 3 };
	static const uint32_t smoke_tp_readers[] = { 2 }, smoke_drv_readers[] = { 0, 2 };

	opt.transports = ~0u;
	opt.modes = (1u << MODE_COUNT) - 1;
	opt.lat_rate = 1000;
	opt.window = 2048;
	opt.drv_batch = 64;
	opt.drv_gap_us = 4000;
	if (opt.smoke) {
		opt.runs = 1;
		opt.budget_s = 240;
		opt.lat_count = 200;
		opt.lat_warmup = 10;
		opt.lat_rate = 2000;
		opt.tp_duration_ns = 5 * NS_PER_S;
		opt.tp_max_count = 512;
		opt.window = 256;
		opt.drv_batches = 5;
		set_plan(MODE_LATENCY, smoke_sizes, 2, smoke_readers, 2);
		set_plan(MODE_THROUGHPUT, tp_size, 1, smoke_tp_readers, 1);
		set_plan(MODE_DRIVER, tp_size, 1, smoke_drv_readers, 2);
		set_plan(MODE_DRIVER_IDLE, tp_size, 1, smoke_drv_readers, 2);
		return;
	}
	set_plan(MODE_LATENCY, sizes, 3, readers, 3);
	set_plan(MODE_THROUGHPUT, tp_size, 1, readers, 3);
	set_plan(MODE_DRIVER, tp_size, 1, drv_readers, 5);
	set_plan(MODE_DRIVER_IDLE, tp_size, 1, drv_readers, 5);
	if (opt.quick) {
		opt.runs = opt.runs ? opt.runs : 1;
		opt.budget_s = 60;
		opt.lat_count = 150;
		opt.lat_warmup = 20;
		opt.tp_duration_ns = 150000000ull;
		opt.drv_batches = 40;
	} else {
		opt.runs = opt.runs ? opt.runs : 3;
		opt.budget_s = 600;
		opt.lat_count = 1000;
		opt.lat_warmup = 50;
		opt.tp_duration_ns = 500000000ull;
		opt.drv_batches = 250;
	}
}

static uint32_t parse_transports(const char *list)
{
	uint32_t mask = 0;
	char buf[256], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", list);
	for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		bool found = false;

		for (int t = 0; t < T_COUNT; t++) {
			static const char *const names[T_COUNT] = {
				"amod", "zmq", "dbus", "seqpacket", "ring", "bcast", "eventfd"
			};

			if (!strcmp(tok, names[t])) {
				mask |= 1u << t;
				found = true;
			}
		}
		if (!found) {
			fprintf(stderr, "amod-bench: unknown transport '%s'\n", tok);
			exit(2);
		}
	}
	return mask | 1u << T_AMOD; /* the ratios need amod */
}

static uint32_t parse_modes(const char *list)
{
	uint32_t mask = 0;
	char buf[128], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", list);
	for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		int m;

		for (m = 0; m < MODE_COUNT; m++)
			if (!strcmp(tok, mode_names[m]))
				break;
		if (m == MODE_COUNT) {
			fprintf(stderr, "amod-bench: unknown measurement '%s'\n", tok);
			exit(2);
		}
		mask |= 1u << m;
	}
	return mask;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: amod-bench [--quick | --smoke] [--json FILE] [--runs N]\n"
		"                  [--only amod,zmq,dbus,seqpacket,ring,bcast,eventfd]\n"
		"                  [--measure latency,throughput,driver,driver-idle]\n"
		"\n"
		"Measures amod's notification path against ZeroMQ, D-Bus, SOCK_SEQPACKET and bare\n"
		"shared-memory rings: one-way latency (sleeping readers, paced), lossless\n"
		"throughput, CPU per delivered notification, and the driver-side cost of a send.\n"
		"\n"
		"  --quick       fewer notifications, one run per cell (under a minute)\n"
		"  --smoke       a few hundred notifications per mode; exit 1 on any loss\n"
		"  --json FILE   write every run's raw results\n"
		"  --runs N      runs per cell (default 3; the tables show the median)\n");
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "quick", no_argument, NULL, 'q' },
		{ "smoke", no_argument, NULL, 's' },
		{ "json", required_argument, NULL, 'j' },
		{ "runs", required_argument, NULL, 'r' },
		{ "only", required_argument, NULL, 'o' },
		{ "measure", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *only = NULL, *measure = NULL;
	int c, ret = 0;

	while ((c = getopt_long(argc, argv, "qsj:r:o:m:h", options, NULL)) != -1) {
		switch (c) {
		case 'q':
			opt.quick = true;
			break;
		case 's':
			opt.smoke = true;
			break;
		case 'j':
			opt.json = optarg;
			break;
		case 'r':
			opt.runs = (unsigned)atoi(optarg);
			if (opt.runs < 1 || opt.runs > MAX_RUNS) {
				fprintf(stderr, "amod-bench: --runs takes 1..%d\n", MAX_RUNS);
				return 2;
			}
			break;
		case 'o':
			only = optarg;
			break;
		case 'm':
			measure = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	defaults();
	if (only)
		opt.transports = parse_transports(only);
	if (measure)
		opt.modes = parse_modes(measure);

	t_begin = now_ns();
	setup_signals();
	alarm(opt.budget_s);
	read_machine();
	probe_peers();
	load_start = loadavg();

	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED) {
		perror("amod-bench: mmap");
		return 1;
	}
	notify_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	snprintf(root_dir, sizeof(root_dir), "/tmp/amod-bench-XXXXXX");
	if (notify_fd < 0 || !mkdtemp(root_dir)) {
		perror("amod-bench");
		return 1;
	}
	{
		static const char *const names[] = { "amodd.sock", "amodd.sock.lock", "zmq.sock",
						     "bus", "bus.conf", "bus.log", NULL };

		for (int i = 0; names[i]; i++)
			snprintf(run_files[i], sizeof(run_files[i]), "%s/%s", root_dir, names[i]);
	}

	for (int mode = 0; mode < MODE_COUNT && !out_of_time; mode++) {
		const struct plan *p = &opt.plans[mode];

		if (!(opt.modes & (1u << mode)))
			continue;
		for (unsigned si = 0; si < p->n_sizes && !out_of_time; si++)
			for (unsigned ri = 0; ri < p->n_readers && !out_of_time; ri++) {
				unsigned cell = si * p->n_readers + ri;

				run_cell(mode, cell, p->sizes[si], p->readers[ri]);
				progress(mode, cell, p->sizes[si], p->readers[ri]);
			}
	}
	alarm(0);
	load_end = loadavg();
	kill_everything();

	fprintf(stderr, "[%5.1f s] done\n", (now_ns() - t_begin) / 1e9);
	print_header(stdout);
	print_tables(stdout);
	if (!opt.smoke)
		print_targets(stdout);
	if (opt.json) {
		int r = write_json(opt.json);

		if (r < 0) {
			fprintf(stderr, "amod-bench: cannot write %s: %s\n", opt.json, strerror(-r));
			ret = 1;
		}
	}
	if (opt.smoke)
		ret = smoke_verdict() || ret;
	return ret;
}
