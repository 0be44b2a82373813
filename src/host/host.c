/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <amod/amod-host.h>

#include "common/common-internal.h"
#include "wire/ring.h"
#include "wire/wire.h"

#define HOST_MAX_MESSAGES_PER_DISPATCH 16 /* per session: one busy client cannot starve others */
#define HOST_SOCKET_BUFFER (2 * WIRE_MAX_MESSAGE)
/* Limits (docs/security.md); going over one gets STATUS_QUOTA_EXCEEDED. */
#define HOST_MAX_IN_FLIGHT 16             /* requests of one client waiting for a handler */
#define HOST_MAX_SUBSCRIPTIONS 64         /* per client */
#define HOST_MAX_QUEUED 256               /* requests waiting for one device's handlers */
#define HOST_MAX_REFUSING 16              /* over-limit clients kept long enough to be told */
#define HOST_DEFAULT_COMMAND_TIMEOUT_MS 5000

/* KSPROPSETID_AudioModule in Windows byte order; DESCRIPTORS (1) and NOTIFICATION_DEVICE_ID
 * (3) are discovery, open to monitors; everything else needs control. */
static const uint8_t audio_module_set[16] = { 0xB0, 0xFD, 0x34, 0xC0, 0x75, 0xFF, 0xC8, 0x47,
					      0xAA, 0x3C, 0xEE, 0x46, 0x71, 0x6B, 0x50, 0xC6 };

enum { TAG_LISTEN = 1, TAG_SESSION = 2, TAG_WAKE = 3, TAG_TIMER = 4 };

enum job_kind { JOB_PROPERTY, JOB_OPEN_STREAM, JOB_CLOSE_STREAM, JOB_STOP };

/*
 * A request that runs driver code. It runs on its device's worker thread, so a handler that
 * blocks holds up only that device; the reply is sent by the control thread when the job comes
 * back (or when the command timeout passes first).
 */
struct job {
	struct job *next;                 /* device queue, then the done list */
	struct job *pending_next;         /* the control thread's list of unanswered jobs */
	enum job_kind kind;
	struct host_device *hd;
	uint64_t session;                 /* the asking session's id; 0 for none */
	uint32_t serial;
	bool answered;                    /* timed out: the client has had its ERROR */
	uint64_t deadline_ms;
	struct amod_stream *stream;       /* PROPERTY on a pin, CLOSE_STREAM */
	struct amod_guid mode;            /* OPEN_STREAM */
	uint8_t *in;
	uint32_t in_size;
	uint32_t value_size;              /* asked, then returned or required */
	int32_t status;
	int result;                       /* OPEN_STREAM: 0 or -errno */
	uint8_t *value;
};

struct host_device {
	struct amod_host *host;
	struct amod_device *device;
	uint32_t id;
	struct amod_guid notification_id;
	char *endpoint_id;
	char *name;
	struct ring_writer *ring;

	pthread_t worker;
	bool worker_running;
	pthread_mutex_t lock;             /* the queue */
	pthread_cond_t cond;
	struct job *head, *tail;
	uint32_t queued;
};

struct subscription {
	uint32_t id;
	struct host_device *hd;
	struct ring_writer_reader *reader;
};

struct session_stream {
	uint32_t id;
	struct host_device *hd;
	struct amod_stream *stream;
};

struct session {
	int tag;                          /* TAG_SESSION: first, for the epoll cookie */
	struct amod_host *host;
	uint64_t id;
	uint32_t in_flight;
	bool refuse;                      /* over max_clients: answer HELLO with QUOTA_EXCEEDED */
	int fd;
	uid_t uid;
	gid_t gid;
	pid_t pid;
	uint32_t access;
	bool hello;
	bool dead;
	struct subscription *subs;
	uint32_t n_subs;
	uint32_t next_sub;
	struct session_stream *streams;
	uint32_t n_streams;
	uint32_t next_stream;
};

struct amod_host {
	struct amod_adapter *adapter;
	struct amod_host_config config;
	char socket_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char lock_path[sizeof(((struct sockaddr_un *)0)->sun_path) + 8];
	int listen_tag;                   /* TAG_LISTEN: the listening socket's epoll cookie */
	int wake_tag;                     /* TAG_WAKE: workers' done jobs */
	int timer_tag;                    /* TAG_TIMER: command timeouts */
	int listen_fd;
	int wake_fd;
	int timer_fd;
	uint64_t next_session;

	pthread_mutex_t done_lock;        /* workers -> control thread */
	struct job *done;
	struct job *pending;              /* control thread only: jobs not answered yet */
	int lock_fd;
	int epoll_fd;
	uid_t uid;
	struct amod_listener *listener;

	struct host_device **devices;
	uint32_t n_devices;
	uint32_t next_device_id;

	struct session **sessions;
	uint32_t n_sessions;

	uint8_t buf[WIRE_MAX_MESSAGE];    /* one datagram in, one out: the host is single-threaded */
	uint8_t out[WIRE_MAX_MESSAGE];
};

/* Fan-out: runs on the sender's thread, under the port's per-device send lock. */
static void host_on_notification(const struct amod_notification *n, void *userdata)
{
	struct host_device *hd = amod_device_get_userdata(n->device);

	if (hd && ring_write(hd->ring, n) == -EMSGSIZE)
		log_debug("amodd: notification of %u bytes does not fit the ring of '%s'", n->size,
			  hd->endpoint_id);
}

static void device_info(const struct host_device *hd, struct wire_device_info *ret)
{
	*ret = (struct wire_device_info){ hd->id, hd->notification_id, hd->endpoint_id, hd->name };
}

static int session_send(struct session *s, const void *msg, int len, const int *fds, int n_fds)
{
	struct iovec iov = { (void *)msg, (size_t)len };
	union {
		char buf[CMSG_SPACE(sizeof(int) * WIRE_SUBSCRIBE_FDS)];
		struct cmsghdr align;
	} control;
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (s->dead || len < 0)
		return -EPIPE;
	if (n_fds) {
		struct cmsghdr *c;

		memset(&control, 0, sizeof(control));
		mh.msg_control = control.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)n_fds);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)n_fds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * (size_t)n_fds);
	}
	if (sendmsg(s->fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
		/* A client that does not read its replies is dropped rather than buffered. */
		log_info("amodd: client pid %d: send failed (%s), closing", (int)s->pid,
			 strerror(errno));
		s->dead = true;
		return -errno;
	}
	return 0;
}

static void broadcast_device(struct amod_host *h, uint16_t type, const struct host_device *hd)
{
	struct wire_device_info info;
	int len;

	device_info(hd, &info);
	len = wire_encode_device_event(h->out, sizeof(h->out), type, &info);
	for (uint32_t i = 0; i < h->n_sessions; i++)
		if (h->sessions[i]->hello && (h->sessions[i]->access & WIRE_ACCESS_MONITOR))
			session_send(h->sessions[i], h->out, len, NULL, 0);
}

static struct host_device *find_device(struct amod_host *h, uint32_t id)
{
	for (uint32_t i = 0; i < h->n_devices; i++)
		if (h->devices[i]->id == id)
			return h->devices[i];
	return NULL;
}

static void host_device_free(struct host_device *hd)
{
	if (!hd)
		return;
	ring_writer_free(hd->ring);
	free(hd->endpoint_id);
	free(hd->name);
	free(hd);
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void job_free(struct job *j)
{
	free(j->in);
	free(j->value);
	free(j);
}

static void job_run(struct job *j)
{
	switch (j->kind) {
	case JOB_PROPERTY:
		j->value = j->value_size ? malloc(j->value_size) : NULL;
		if (j->value_size && !j->value) {
			j->status = AMOD_STATUS_INSUFFICIENT_RESOURCES;
			j->value_size = 0;
			break;
		}
		j->status = amod_device_property(j->hd->device, j->stream, j->in, j->in_size,
						 j->value, &j->value_size);
		break;
	case JOB_OPEN_STREAM:
		j->result = amod_device_open_stream(j->hd->device, &j->mode, &j->stream);
		break;
	case JOB_CLOSE_STREAM:
		amod_stream_close(j->stream);
		j->stream = NULL;
		break;
	case JOB_STOP:
		break;
	}
}

static void *device_worker(void *arg)
{
	struct host_device *hd = arg;
	struct amod_host *h = hd->host;

	for (;;) {
		uint64_t one = 1;
		struct job *j;

		pthread_mutex_lock(&hd->lock);
		while (!hd->head)
			pthread_cond_wait(&hd->cond, &hd->lock);
		j = hd->head;
		hd->head = j->next;
		if (!hd->head)
			hd->tail = NULL;
		hd->queued--;
		pthread_mutex_unlock(&hd->lock);
		if (j->kind == JOB_STOP) {
			job_free(j);
			return NULL;
		}
		job_run(j);
		pthread_mutex_lock(&h->done_lock);
		j->next = h->done;
		h->done = j;
		pthread_mutex_unlock(&h->done_lock);
		if (write(h->wake_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
			log_error("amodd: cannot wake the control thread: %s", strerror(errno));
	}
}

static void arm_timer(struct amod_host *h)
{
	struct itimerspec its = { 0 };
	uint64_t first = UINT64_MAX;

	for (struct job *j = h->pending; j; j = j->pending_next)
		if (!j->answered && j->deadline_ms < first)
			first = j->deadline_ms;
	if (first != UINT64_MAX) {
		/* An absolute deadline in the past fires at once, which is what we want. */
		its.it_value.tv_sec = (time_t)(first / 1000u);
		its.it_value.tv_nsec = (long)(first % 1000u) * 1000000L + 1;
	}
	timerfd_settime(h->timer_fd, TFD_TIMER_ABSTIME, &its, NULL);
}

/* Queues a job on its device's worker. Control thread. -EDQUOT: the device's queue is full. */
static int job_submit(struct amod_host *h, struct job *j)
{
	struct host_device *hd = j->hd;

	pthread_mutex_lock(&hd->lock);
	if (!hd->worker_running ||
	    (hd->queued >= HOST_MAX_QUEUED && j->kind != JOB_CLOSE_STREAM && j->kind != JOB_STOP)) {
		bool stopped = !hd->worker_running;

		pthread_mutex_unlock(&hd->lock);
		return stopped ? -ENODEV : -EDQUOT;
	}
	j->next = NULL;
	if (hd->tail)
		hd->tail->next = j;
	else
		hd->head = j;
	hd->tail = j;
	hd->queued++;
	pthread_cond_signal(&hd->cond);
	pthread_mutex_unlock(&hd->lock);
	if (j->session) {
		j->deadline_ms = now_ms() + h->config.command_timeout_ms;
		j->pending_next = h->pending;
		h->pending = j;
		arm_timer(h);
	}
	return 0;
}

static int host_device_start(struct host_device *hd)
{
	int r;

	pthread_mutex_init(&hd->lock, NULL);
	pthread_cond_init(&hd->cond, NULL);
	r = pthread_create(&hd->worker, NULL, device_worker, hd);
	if (r != 0)
		return -r;
	hd->worker_running = true;
	return 0;
}

static void complete_job(struct amod_host *h, struct job *j);

/*
 * Stops a device's worker: requests still queued are answered STATUS_INVALID_DEVICE_STATE,
 * a handler still running is waited for. Control thread.
 */
static void host_device_stop(struct amod_host *h, struct host_device *hd)
{
	struct job *queued, *stop;

	if (!hd->worker_running)
		return;
	stop = calloc(1, sizeof(*stop));
	pthread_mutex_lock(&hd->lock);
	queued = hd->head;
	hd->head = hd->tail = NULL;
	hd->queued = 0;
	if (stop) {
		stop->kind = JOB_STOP;
		hd->head = hd->tail = stop;
		hd->queued = 1;
		pthread_cond_signal(&hd->cond);
	}
	hd->worker_running = false;
	pthread_mutex_unlock(&hd->lock);
	if (!stop) {
		/* Cannot tell the worker to stop without memory: leave it, and the device. */
		log_error("amodd: out of memory stopping the worker of '%s'", hd->endpoint_id);
		return;
	}
	pthread_join(hd->worker, NULL);
	while (queued) {
		struct job *j = queued;

		queued = j->next;
		j->status = AMOD_STATUS_INVALID_DEVICE_STATE;
		j->result = -ENODEV;
		if (j->kind == JOB_CLOSE_STREAM)
			amod_stream_close(j->stream); /* the device is still whole here */
		j->stream = NULL;
		complete_job(h, j);
	}
	pthread_mutex_destroy(&hd->lock);
	pthread_cond_destroy(&hd->cond);
}

/* Observer: runs under the adapter's control lock, on the control thread. */
static void host_device_added(struct amod_device *device, void *userdata)
{
	struct amod_host *h = userdata;
	struct host_device *hd = calloc(1, sizeof(*hd)), **devices;
	int r;

	if (!hd)
		goto oom;
	hd->host = h;
	hd->device = device;
	hd->id = ++h->next_device_id;
	amod_device_get_notification_id(device, &hd->notification_id);
	hd->endpoint_id = strdup(amod_device_get_endpoint_id(device));
	hd->name = strdup(amod_device_get_name(device));
	if (!hd->endpoint_id || !hd->name)
		goto oom;
	r = ring_writer_new(h->config.ring_size, hd->id, &hd->notification_id, &hd->ring);
	if (r < 0) {
		log_error("amodd: cannot create the ring of device '%s': %s", hd->endpoint_id,
			  strerror(-r));
		host_device_free(hd);
		return;
	}
	devices = realloc(h->devices, (h->n_devices + 1) * sizeof(*devices));
	if (!devices)
		goto oom;
	h->devices = devices;
	r = host_device_start(hd);
	if (r < 0) {
		log_error("amodd: cannot start the worker of device '%s': %s", hd->endpoint_id,
			  strerror(-r));
		host_device_free(hd);
		return;
	}
	h->devices[h->n_devices++] = hd;
	amod_device_set_userdata(device, hd);
	broadcast_device(h, WIRE_EVENT_DEVICE_ADDED, hd);
	return;
oom:
	log_error("amodd: out of memory adding a device; its notifications are not served");
	host_device_free(hd);
}

static void session_drop_device(struct session *s, struct host_device *hd)
{
	for (uint32_t i = 0; i < s->n_subs;) {
		if (s->subs[i].hd != hd) {
			i++;
			continue;
		}
		ring_writer_remove_reader(hd->ring, s->subs[i].reader);
		s->subs[i] = s->subs[--s->n_subs];
	}
	/* The port closes a removed device's streams itself. */
	for (uint32_t i = 0; i < s->n_streams;) {
		if (s->streams[i].hd != hd) {
			i++;
			continue;
		}
		s->streams[i] = s->streams[--s->n_streams];
	}
}

/* Observer: the device is still whole; its worker must be done with it before it goes. */
static void host_device_removing(struct amod_device *device, void *userdata)
{
	struct host_device *hd = amod_device_get_userdata(device);

	if (hd)
		host_device_stop(userdata, hd);
}

/* Observer: no send on the device is in progress any more, so the ring can go. */
static void host_device_removed(struct amod_device *device, void *userdata)
{
	struct amod_host *h = userdata;
	struct host_device *hd = amod_device_get_userdata(device);

	if (!hd)
		return;
	amod_device_set_userdata(device, NULL);
	for (uint32_t i = 0; i < h->n_sessions; i++)
		session_drop_device(h->sessions[i], hd);
	broadcast_device(h, WIRE_EVENT_DEVICE_REMOVED, hd);
	for (uint32_t i = 0; i < h->n_devices; i++) {
		if (h->devices[i] != hd)
			continue;
		memmove(&h->devices[i], &h->devices[i + 1],
			(h->n_devices - i - 1) * sizeof(h->devices[0]));
		h->n_devices--;
		break;
	}
	host_device_free(hd);
}

static const struct amod_adapter_observer host_observer = {
	.version = AMOD_ADAPTER_OBSERVER_VERSION,
	.device_added = host_device_added,
	.device_removing = host_device_removing,
	.device_removed = host_device_removed,
};

static bool peer_in_group(int fd, gid_t primary, gid_t group)
{
	gid_t groups[256];
	socklen_t len = sizeof(groups);

	if (primary == group)
		return true;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) < 0)
		return false;
	for (size_t i = 0; i < len / sizeof(gid_t); i++)
		if (groups[i] == group)
			return true;
	return false;
}

static uint32_t peer_access(struct amod_host *h, struct session *s)
{
	if (s->uid == h->uid)
		return WIRE_ACCESS_MONITOR | WIRE_ACCESS_CONTROL;
	if (h->config.control_group_set && peer_in_group(s->fd, s->gid, h->config.control_gid))
		return WIRE_ACCESS_MONITOR | WIRE_ACCESS_CONTROL;
	if (h->config.monitor_group_set && peer_in_group(s->fd, s->gid, h->config.monitor_gid))
		return WIRE_ACCESS_MONITOR;
	return 0;
}

static int reply_error(struct session *s, uint32_t serial, int32_t status)
{
	struct amod_host *h = s->host;

	return session_send(s, h->out, wire_encode_error(h->out, sizeof(h->out), serial, status),
			    NULL, 0);
}

static bool require(struct session *s, uint32_t serial, uint32_t access, const char *what)
{
	if ((s->access & access) == access)
		return true;
	log_warning("amodd: refused %s to uid %u gid %u pid %d: it needs %s access", what,
		    (unsigned)s->uid, (unsigned)s->gid, (int)s->pid,
		    access & WIRE_ACCESS_CONTROL ? "control" : "monitor");
	reply_error(s, serial, AMOD_STATUS_ACCESS_DENIED);
	return false;
}

static struct session *find_session(struct amod_host *h, uint64_t id)
{
	for (uint32_t i = 0; i < h->n_sessions; i++)
		if (h->sessions[i]->id == id && !h->sessions[i]->dead)
			return h->sessions[i];
	return NULL;
}

static bool session_add_stream(struct session *s, struct host_device *hd,
			       struct amod_stream *stream)
{
	struct session_stream *streams = realloc(s->streams, (s->n_streams + 1) * sizeof(*streams));

	if (!streams)
		return false;
	s->streams = streams;
	s->streams[s->n_streams++] = (struct session_stream){ ++s->next_stream, hd, stream };
	return true;
}

/* A stream nobody will own: closed on its device's worker (or here if that is stopped). */
static void close_orphan_stream(struct amod_host *h, struct host_device *hd,
				struct amod_stream *stream)
{
	struct job *j = calloc(1, sizeof(*j));

	if (j) {
		*j = (struct job){ .kind = JOB_CLOSE_STREAM, .hd = hd, .stream = stream };
		if (job_submit(h, j) == 0)
			return;
		free(j);
	}
	amod_stream_close(stream);
}

/* A job is back from its worker (or was never run): answer it unless it timed out. */
static void complete_job(struct amod_host *h, struct job *j)
{
	struct session *s = NULL;

	if (j->session) {
		for (struct job **p = &h->pending; *p; p = &(*p)->pending_next) {
			if (*p == j) {
				*p = j->pending_next;
				break;
			}
		}
		s = find_session(h, j->session);
	}
	if (j->answered)
		s = NULL; /* the client has had its STATUS_IO_TIMEOUT */
	else if (s)
		s->in_flight--;
	switch (j->kind) {
	case JOB_PROPERTY:
		if (s)
			session_send(s, h->out,
				     wire_encode_property_reply(h->out, sizeof(h->out), j->serial,
								j->status, j->value_size, j->value,
								amod_status_ok(j->status) ? j->value_size
											  : 0),
				     NULL, 0);
		break;
	case JOB_OPEN_STREAM:
		if (j->result < 0) {
			if (s)
				reply_error(s, j->serial, amod_status_from_errno(j->result));
		} else if (s && session_add_stream(s, j->hd, j->stream)) {
			session_send(s, h->out,
				     wire_encode_stream_reply(h->out, sizeof(h->out), j->serial,
							      s->next_stream),
				     NULL, 0);
		} else {
			if (s)
				reply_error(s, j->serial, AMOD_STATUS_INSUFFICIENT_RESOURCES);
			close_orphan_stream(h, j->hd, j->stream);
		}
		break;
	case JOB_CLOSE_STREAM:
		if (s)
			session_send(s, h->out, wire_encode_ok(h->out, sizeof(h->out), j->serial),
				     NULL, 0);
		break;
	case JOB_STOP:
		break;
	}
	job_free(j);
}

static void process_done(struct amod_host *h)
{
	struct job *done;
	uint64_t n;

	if (read(h->wake_fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		log_debug("amodd: wake-up read: %s", strerror(errno));
	pthread_mutex_lock(&h->done_lock);
	done = h->done;
	h->done = NULL;
	pthread_mutex_unlock(&h->done_lock);
	while (done) {
		struct job *j = done;

		done = j->next;
		complete_job(h, j);
	}
}

/* Command timeout: the client is answered now; the handler's late result is dropped. */
static void process_timeouts(struct amod_host *h)
{
	uint64_t now = now_ms(), n;

	if (read(h->timer_fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		log_debug("amodd: timer read: %s", strerror(errno));
	for (struct job *j = h->pending; j; j = j->pending_next) {
		struct session *s;

		if (j->answered || j->deadline_ms > now)
			continue;
		j->answered = true;
		log_warning("amodd: device '%s': a module handler has not answered in %u ms; "
			    "its client gets STATUS_IO_TIMEOUT",
			    j->hd->endpoint_id, h->config.command_timeout_ms);
		s = find_session(h, j->session);
		if (s) {
			s->in_flight--;
			reply_error(s, j->serial, AMOD_STATUS_IO_TIMEOUT);
		}
	}
	arm_timer(h);
}

/*
 * Starts a job for a session. On failure the client is answered why, and the job stays the
 * caller's to free. Returns 0 or -EDQUOT / -ENODEV.
 */
static int session_submit(struct session *s, struct job *j)
{
	int r;

	if (s->in_flight >= HOST_MAX_IN_FLIGHT) {
		log_info("amodd: client pid %d has %u requests waiting already", (int)s->pid,
			 s->in_flight);
		reply_error(s, j->serial, AMOD_STATUS_QUOTA_EXCEEDED);
		return -EDQUOT;
	}
	j->session = s->id;
	r = job_submit(s->host, j);
	if (r < 0) {
		j->session = 0;
		reply_error(s, j->serial, r == -EDQUOT ? AMOD_STATUS_QUOTA_EXCEEDED
						       : AMOD_STATUS_INVALID_DEVICE_STATE);
		return r;
	}
	s->in_flight++;
	return 0;
}

static void handle_hello(struct session *s, const struct wire_msg *m, int decode_result)
{
	struct amod_host *h = s->host;

	if (s->hello) {
		s->dead = true; /* a second HELLO is a protocol violation */
		return;
	}
	if (s->refuse) {
		log_warning("amodd: refused pid %d: %u clients are connected (the limit)", (int)s->pid,
			    h->config.max_clients);
		reply_error(s, m->hdr.serial, AMOD_STATUS_QUOTA_EXCEEDED);
		s->dead = true;
		return;
	}
	if (!s->access) {
		log_warning("amodd: refused uid %u gid %u pid %d: not amodd's user%s", (unsigned)s->uid,
			    (unsigned)s->gid, (int)s->pid,
			    h->config.monitor_group_set || h->config.control_group_set
				    ? " and not in its monitor or control group"
				    : "");
		reply_error(s, m->hdr.serial, AMOD_STATUS_ACCESS_DENIED);
		s->dead = true;
		return;
	}
	session_send(s, h->out,
		     wire_encode_hello_reply(h->out, sizeof(h->out), m->hdr.serial, s->access,
					     h->config.ring_size),
		     NULL, 0);
	/* Another major version: it has our version now and must go. */
	if (decode_result == -EPROTONOSUPPORT)
		s->dead = true;
	else
		s->hello = true;
}

static void handle_list(struct session *s, const struct wire_msg *m)
{
	struct amod_host *h = s->host;
	struct wire_device_info infos[WIRE_MAX_DEVICES];
	uint32_t n = h->n_devices < WIRE_MAX_DEVICES ? h->n_devices : WIRE_MAX_DEVICES;

	if (!require(s, m->hdr.serial, WIRE_ACCESS_MONITOR, "listing devices"))
		return;
	for (uint32_t i = 0; i < n; i++)
		device_info(h->devices[i], &infos[i]);
	session_send(s, h->out, wire_encode_device_list(h->out, sizeof(h->out), m->hdr.serial, infos, n),
		     NULL, 0);
}

static void handle_device_info(struct session *s, const struct wire_msg *m)
{
	struct amod_host *h = s->host;
	struct host_device *hd;
	struct wire_device_info info;

	if (!require(s, m->hdr.serial, WIRE_ACCESS_MONITOR, "device information"))
		return;
	hd = find_device(h, m->device_info.device);
	if (!hd) {
		reply_error(s, m->hdr.serial, AMOD_STATUS_NOT_FOUND);
		return;
	}
	device_info(hd, &info);
	session_send(s, h->out,
		     wire_encode_device_list(h->out, sizeof(h->out), m->hdr.serial, &info, 1),
		     NULL, 0);
}

static struct session_stream *find_stream(struct session *s, uint32_t id)
{
	for (uint32_t i = 0; i < s->n_streams; i++)
		if (s->streams[i].id == id)
			return &s->streams[i];
	return NULL;
}

static void handle_property(struct session *s, const struct wire_msg *m)
{
	struct amod_host *h = s->host;
	const uint8_t *in = m->property.in;
	uint32_t id, value_size = m->property.value_size;
	struct host_device *hd;
	struct session_stream *st = NULL;
	struct job *j;
	bool discovery;

	memcpy(&id, in + 16, sizeof(id));
	discovery = memcmp(in, audio_module_set, 16) == 0 && (id == 1 || id == 3);
	if (!require(s, m->hdr.serial, discovery ? WIRE_ACCESS_MONITOR : WIRE_ACCESS_CONTROL,
		     discovery ? "module discovery" : "a module command"))
		return;
	hd = find_device(h, m->property.device);
	if (m->property.stream)
		st = find_stream(s, m->property.stream);
	if (!hd || (m->property.stream && (!st || st->hd != hd))) {
		reply_error(s, m->hdr.serial, AMOD_STATUS_NOT_FOUND);
		return;
	}
	j = calloc(1, sizeof(*j));
	if (j)
		j->in = malloc(m->property.in_size);
	if (!j || !j->in) {
		free(j);
		reply_error(s, m->hdr.serial, AMOD_STATUS_INSUFFICIENT_RESOURCES);
		return;
	}
	memcpy(j->in, in, m->property.in_size);
	j->kind = JOB_PROPERTY;
	j->hd = hd;
	j->serial = m->hdr.serial;
	j->stream = st ? st->stream : NULL;
	j->in_size = m->property.in_size;
	j->value_size = value_size;
	if (session_submit(s, j) < 0)
		job_free(j);
}

static void handle_subscribe(struct session *s, const struct wire_msg *m)
{
	struct amod_host *h = s->host;
	struct host_device *hd;
	struct subscription *subs;
	struct ring_writer_reader *reader = NULL;
	int fds[WIRE_SUBSCRIBE_FDS], r;

	if (!require(s, m->hdr.serial, WIRE_ACCESS_MONITOR, "a subscription"))
		return;
	hd = find_device(h, m->subscribe.device);
	if (!hd) {
		reply_error(s, m->hdr.serial, AMOD_STATUS_NOT_FOUND);
		return;
	}
	if (s->n_subs >= HOST_MAX_SUBSCRIPTIONS) {
		log_info("amodd: client pid %d is at its %u subscriptions", (int)s->pid,
			 HOST_MAX_SUBSCRIPTIONS);
		reply_error(s, m->hdr.serial, AMOD_STATUS_QUOTA_EXCEEDED);
		return;
	}
	subs = realloc(s->subs, (s->n_subs + 1) * sizeof(*subs));
	if (!subs) {
		reply_error(s, m->hdr.serial, AMOD_STATUS_INSUFFICIENT_RESOURCES);
		return;
	}
	s->subs = subs;
	r = ring_writer_add_reader(hd->ring, &reader);
	if (r < 0) {
		reply_error(s, m->hdr.serial, amod_status_from_errno(r));
		return;
	}
	s->subs[s->n_subs++] = (struct subscription){ ++s->next_sub, hd, reader };
	fds[0] = ring_writer_get_fd(hd->ring);
	fds[1] = ring_writer_reader_get_page_fd(reader);
	fds[2] = ring_writer_reader_get_event_fd(reader);
	session_send(s, h->out,
		     wire_encode_subscribe_reply(h->out, sizeof(h->out), m->hdr.serial, s->next_sub,
						 hd->id, ring_writer_get_map_size(hd->ring),
						 RING_PAGE_SIZE),
		     fds, WIRE_SUBSCRIBE_FDS);
}

static void handle_unsubscribe(struct session *s, const struct wire_msg *m)
{
	struct amod_host *h = s->host;

	for (uint32_t i = 0; i < s->n_subs; i++) {
		if (s->subs[i].id != m->unsubscribe.subscription)
			continue;
		ring_writer_remove_reader(s->subs[i].hd->ring, s->subs[i].reader);
		s->subs[i] = s->subs[--s->n_subs];
		session_send(s, h->out, wire_encode_ok(h->out, sizeof(h->out), m->hdr.serial), NULL, 0);
		return;
	}
	reply_error(s, m->hdr.serial, AMOD_STATUS_NOT_FOUND);
}

static void handle_open_stream(struct session *s, const struct wire_msg *m)
{
	struct host_device *hd;
	struct job *j;

	if (!require(s, m->hdr.serial, WIRE_ACCESS_CONTROL, "opening a stream"))
		return;
	hd = find_device(s->host, m->open_stream.device);
	if (!hd) {
		reply_error(s, m->hdr.serial, AMOD_STATUS_NOT_FOUND);
		return;
	}
	j = calloc(1, sizeof(*j));
	if (!j) {
		reply_error(s, m->hdr.serial, AMOD_STATUS_INSUFFICIENT_RESOURCES);
		return;
	}
	*j = (struct job){ .kind = JOB_OPEN_STREAM, .hd = hd, .serial = m->hdr.serial,
			   .mode = m->open_stream.processing_mode };
	if (session_submit(s, j) < 0)
		job_free(j);
}

static void handle_close_stream(struct session *s, const struct wire_msg *m)
{
	struct session_stream *st;
	struct job *j;

	if (!require(s, m->hdr.serial, WIRE_ACCESS_CONTROL, "closing a stream"))
		return;
	st = find_stream(s, m->close_stream.stream);
	if (!st) {
		reply_error(s, m->hdr.serial, AMOD_STATUS_NOT_FOUND);
		return;
	}
	j = calloc(1, sizeof(*j));
	if (!j) {
		reply_error(s, m->hdr.serial, AMOD_STATUS_INSUFFICIENT_RESOURCES);
		return;
	}
	/* Gone from the session now; closed after the requests queued before this one. */
	*j = (struct job){ .kind = JOB_CLOSE_STREAM, .hd = st->hd, .serial = m->hdr.serial,
			   .stream = st->stream };
	*st = s->streams[--s->n_streams];
	if (session_submit(s, j) < 0) {
		/* Not queued (over a limit): it still has to be closed. */
		close_orphan_stream(s->host, j->hd, j->stream);
		job_free(j);
	}
}

static void handle_message(struct session *s, const uint8_t *buf, size_t len)
{
	struct wire_msg m;
	int r = wire_decode(buf, len, &m);

	if (r < 0 && !(r == -EPROTONOSUPPORT && m.hdr.type == WIRE_HELLO)) {
		log_info("amodd: client pid %d sent a malformed message (%s), closing", (int)s->pid,
			 strerror(-r));
		s->dead = true;
		return;
	}
	if (m.hdr.type == WIRE_HELLO) {
		handle_hello(s, &m, r);
		return;
	}
	if (!s->hello) {
		log_info("amodd: client pid %d sent %s before HELLO, closing", (int)s->pid,
			 wire_type_name(m.hdr.type));
		s->dead = true;
		return;
	}
	switch (m.hdr.type) {
	case WIRE_LIST_DEVICES:
		handle_list(s, &m);
		break;
	case WIRE_DEVICE_INFO:
		handle_device_info(s, &m);
		break;
	case WIRE_PROPERTY:
		handle_property(s, &m);
		break;
	case WIRE_SUBSCRIBE:
		handle_subscribe(s, &m);
		break;
	case WIRE_UNSUBSCRIBE:
		handle_unsubscribe(s, &m);
		break;
	case WIRE_OPEN_STREAM:
		handle_open_stream(s, &m);
		break;
	case WIRE_CLOSE_STREAM:
		handle_close_stream(s, &m);
		break;
	default:
		/* A reply or event type from a client. */
		log_info("amodd: client pid %d sent %s, which only amodd sends; closing", (int)s->pid,
			 wire_type_name(m.hdr.type));
		s->dead = true;
	}
}

static void session_free(struct session *s)
{
	for (uint32_t i = 0; i < s->n_subs; i++)
		ring_writer_remove_reader(s->subs[i].hd->ring, s->subs[i].reader);
	/* Closed on their devices' workers, after what this session still has queued there. */
	for (uint32_t i = 0; i < s->n_streams; i++)
		close_orphan_stream(s->host, s->streams[i].hd, s->streams[i].stream);
	epoll_ctl(s->host->epoll_fd, EPOLL_CTL_DEL, s->fd, NULL);
	close(s->fd);
	free(s->subs);
	free(s->streams);
	free(s);
}

/* Reads a bounded number of datagrams from one session. */
static void session_read(struct session *s)
{
	struct amod_host *h = s->host;

	for (int i = 0; i < HOST_MAX_MESSAGES_PER_DISPATCH && !s->dead; i++) {
		union {
			char buf[CMSG_SPACE(sizeof(int) * 8)];
			struct cmsghdr align;
		} control;
		struct iovec iov = { h->buf, sizeof(h->buf) };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
				     .msg_controllen = sizeof(control.buf) };
		bool fds = false;
		ssize_t n = recvmsg(s->fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);

		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				s->dead = true;
			return;
		}
		if (n == 0) {
			s->dead = true; /* the client closed */
			return;
		}
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
			if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
				continue;
			for (size_t k = 0; k < (c->cmsg_len - CMSG_LEN(0)) / sizeof(int); k++) {
				int fd;

				memcpy(&fd, CMSG_DATA(c) + k * sizeof(int), sizeof(fd));
				close(fd);
			}
			fds = true;
		}
		if (fds || (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC))) {
			log_info("amodd: client pid %d sent %s, closing", (int)s->pid,
				 fds ? "file descriptors" : "a truncated message");
			s->dead = true;
			return;
		}
		handle_message(s, h->buf, (size_t)n);
	}
}

static void host_accept(struct amod_host *h)
{
	for (int i = 0; i < 64; i++) {
		struct session *s, **sessions;
		struct ucred cred;
		socklen_t len = sizeof(cred);
		struct epoll_event ev = { .events = EPOLLIN };
		int buf = HOST_SOCKET_BUFFER;
		int fd = accept4(h->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

		if (fd < 0)
			return;
		if (h->n_sessions >= h->config.max_clients + HOST_MAX_REFUSING) {
			/* Past what we keep around to say why: just close. */
			log_warning("amodd: refused a client: %u clients already connected",
				    h->config.max_clients);
			close(fd);
			continue;
		}
		s = calloc(1, sizeof(*s));
		sessions = realloc(h->sessions, (h->n_sessions + 1) * sizeof(*sessions));
		if (!s || !sessions || getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
			if (sessions)
				h->sessions = sessions;
			free(s);
			close(fd);
			continue;
		}
		h->sessions = sessions;
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf));
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
		*s = (struct session){ .tag = TAG_SESSION, .host = h, .id = ++h->next_session, .fd = fd,
				       .uid = cred.uid, .gid = cred.gid, .pid = cred.pid };
		s->refuse = h->n_sessions >= h->config.max_clients;
		s->access = peer_access(h, s);
		ev.data.ptr = s;
		if (epoll_ctl(h->epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0) {
			close(fd);
			free(s);
			continue;
		}
		h->sessions[h->n_sessions++] = s;
		log_debug("amodd: client pid %d uid %u connected", (int)s->pid, (unsigned)s->uid);
	}
}

static void reap_sessions(struct amod_host *h)
{
	for (uint32_t i = 0; i < h->n_sessions;) {
		struct session *s = h->sessions[i];

		if (!s->dead) {
			i++;
			continue;
		}
		log_debug("amodd: client pid %d disconnected", (int)s->pid);
		h->sessions[i] = h->sessions[--h->n_sessions];
		session_free(s);
	}
}

AMOD_API int amod_host_dispatch(struct amod_host *host)
{
	struct epoll_event events[32];
	int n;

	if (!host)
		return -EINVAL;
	n = epoll_wait(host->epoll_fd, events, 32, 0);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	for (int i = 0; i < n; i++) {
		int *tag = events[i].data.ptr;

		if (*tag == TAG_LISTEN)
			host_accept(host);
		else if (*tag == TAG_WAKE)
			process_done(host);
		else if (*tag == TAG_TIMER)
			process_timeouts(host);
		else if (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
			session_read((struct session *)tag);
	}
	reap_sessions(host);
	return 0;
}

static int make_socket_dir(const char *path, const struct amod_host_config *c)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	bool group = c->monitor_group_set || c->control_group_set;
	char *slash;
	struct stat st;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = 0;
	if (mkdir(dir, group ? 0750 : 0700) < 0 && errno != EEXIST)
		return -errno;
	if (stat(dir, &st) < 0)
		return -errno;
	/* Only a directory we own gets its group and mode set: never touch a shared one. */
	if (st.st_uid == getuid() && group) {
		gid_t g = c->control_group_set ? c->control_gid : c->monitor_gid;

		if (chown(dir, (uid_t)-1, g) < 0 || chmod(dir, 0750) < 0)
			log_warning("amodd: cannot give '%s' to group %u: %s", dir, (unsigned)g,
				    strerror(errno));
	}
	return 0;
}

static int host_listen(struct amod_host *h)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	bool group = h->config.monitor_group_set || h->config.control_group_set;
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &h->listen_tag };
	int r;

	r = make_socket_dir(h->socket_path, &h->config);
	if (r < 0) {
		log_error("amodd: cannot create the directory of '%s': %s", h->socket_path,
			  strerror(-r));
		return r;
	}
	/* The lock decides who owns the socket: a live host holds it, a crashed one does not. */
	snprintf(h->lock_path, sizeof(h->lock_path), "%s.lock", h->socket_path);
	h->lock_fd = open(h->lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (h->lock_fd < 0)
		return -errno;
	if (flock(h->lock_fd, LOCK_EX | LOCK_NB) < 0) {
		r = errno == EWOULDBLOCK ? -EADDRINUSE : -errno;
		close(h->lock_fd);
		h->lock_fd = -1;
		return r;
	}
	if (unlink(h->socket_path) == 0)
		log_info("amodd: took over the stale socket '%s'", h->socket_path);
	h->listen_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (h->listen_fd < 0)
		return -errno;
	memcpy(sa.sun_path, h->socket_path, strlen(h->socket_path) + 1);
	if (bind(h->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	if (chmod(h->socket_path, group ? 0660 : 0600) < 0)
		return -errno;
	if (group) {
		gid_t g = h->config.control_group_set ? h->config.control_gid
						      : h->config.monitor_gid;
		if (chown(h->socket_path, (uid_t)-1, g) < 0)
			log_warning("amodd: cannot give '%s' to group %u: %s", h->socket_path,
				    (unsigned)g, strerror(errno));
	}
	if (listen(h->listen_fd, 128) < 0)
		return -errno;
	h->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (h->epoll_fd < 0)
		return -errno;
	if (epoll_ctl(h->epoll_fd, EPOLL_CTL_ADD, h->listen_fd, &ev) < 0)
		return -errno;
	return 0;
}

AMOD_API int amod_host_new(struct amod_adapter *adapter, const struct amod_host_config *config,
			   struct amod_host **ret_host)
{
	struct amod_host *h;
	struct amod_device *d;
	int r;

	if (!adapter || !ret_host || (config && config->version != AMOD_HOST_CONFIG_VERSION))
		return -EINVAL;
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->listen_fd = h->lock_fd = h->epoll_fd = h->wake_fd = h->timer_fd = -1;
	h->listen_tag = TAG_LISTEN;
	h->wake_tag = TAG_WAKE;
	h->timer_tag = TAG_TIMER;
	pthread_mutex_init(&h->done_lock, NULL);
	if (config)
		h->config = *config;
	if (!h->config.ring_size)
		h->config.ring_size = RING_DEFAULT_SIZE;
	if (!h->config.max_clients)
		h->config.max_clients = 256;
	if (!h->config.command_timeout_ms)
		h->config.command_timeout_ms = HOST_DEFAULT_COMMAND_TIMEOUT_MS;
	if (h->config.ring_size < RING_MIN_SIZE || h->config.ring_size > RING_MAX_SIZE ||
	    (h->config.ring_size & (h->config.ring_size - 1))) {
		free(h);
		return -EINVAL;
	}
	if (h->config.socket_path) {
		if (strlen(h->config.socket_path) >= sizeof(h->socket_path)) {
			free(h);
			return -ENAMETOOLONG;
		}
		snprintf(h->socket_path, sizeof(h->socket_path), "%s", h->config.socket_path);
	} else if ((r = amod_default_socket_path(h->socket_path, sizeof(h->socket_path))) < 0) {
		free(h);
		return r;
	}
	h->config.socket_path = h->socket_path;
	h->adapter = amod_adapter_ref(adapter);
	h->uid = getuid();

	r = host_listen(h);
	if (r < 0)
		goto fail;
	h->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	h->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (h->wake_fd < 0 || h->timer_fd < 0) {
		r = -errno;
		goto fail;
	}
	{
		struct epoll_event wake = { .events = EPOLLIN, .data.ptr = &h->wake_tag };
		struct epoll_event timer = { .events = EPOLLIN, .data.ptr = &h->timer_tag };

		if (epoll_ctl(h->epoll_fd, EPOLL_CTL_ADD, h->wake_fd, &wake) < 0 ||
		    epoll_ctl(h->epoll_fd, EPOLL_CTL_ADD, h->timer_fd, &timer) < 0) {
			r = -errno;
			goto fail;
		}
	}
	r = amod_adapter_set_observer(adapter, &host_observer, h);
	if (r < 0)
		goto fail;
	for (uint32_t i = 0; (d = amod_adapter_get_device(adapter, i)); i++)
		host_device_added(d, h);
	r = amod_adapter_add_listener(adapter, NULL, host_on_notification, h, &h->listener);
	if (r < 0)
		goto fail;
	*ret_host = h;
	return 0;
fail:
	amod_host_free(h);
	return r;
}

AMOD_API struct amod_host *amod_host_free(struct amod_host *host)
{
	int len;

	if (!host)
		return NULL;
	/* Workers first: afterwards nothing runs driver code but this thread. */
	for (uint32_t i = 0; i < host->n_devices; i++)
		host_device_stop(host, host->devices[i]);
	if (host->wake_fd >= 0)
		process_done(host);
	len = wire_encode_shutdown(host->out, sizeof(host->out), 0);
	for (uint32_t i = 0; i < host->n_sessions; i++) {
		session_send(host->sessions[i], host->out, len, NULL, 0);
		session_free(host->sessions[i]);
	}
	free(host->sessions);
	/* No fan-out after this: the listener is gone once remove returns. */
	amod_listener_remove(host->listener);
	amod_adapter_set_observer(host->adapter, NULL, NULL);
	for (uint32_t i = 0; i < host->n_devices; i++) {
		amod_device_set_userdata(host->devices[i]->device, NULL);
		host_device_free(host->devices[i]);
	}
	free(host->devices);
	if (host->listen_fd >= 0) {
		close(host->listen_fd);
		unlink(host->socket_path);
	}
	if (host->lock_fd >= 0) {
		unlink(host->lock_path);
		close(host->lock_fd);
	}
	if (host->epoll_fd >= 0)
		close(host->epoll_fd);
	if (host->wake_fd >= 0)
		close(host->wake_fd);
	if (host->timer_fd >= 0)
		close(host->timer_fd);
	/* Jobs still pending were answered or dropped with their workers; none remain. */
	pthread_mutex_destroy(&host->done_lock);
	amod_adapter_unref(host->adapter);
	free(host);
	return NULL;
}

AMOD_API const char *amod_host_get_socket_path(const struct amod_host *host)
{
	return host ? host->socket_path : NULL;
}

AMOD_API int amod_host_get_fd(const struct amod_host *host)
{
	return host ? host->epoll_fd : -EINVAL;
}

AMOD_API uint32_t amod_host_get_client_count(const struct amod_host *host)
{
	return host ? host->n_sessions : 0;
}
