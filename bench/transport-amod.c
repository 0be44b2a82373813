/* SPDX-License-Identifier: MIT */
/*
 * amod's own path, the real thing: the sender process is amodd's shape — an adapter with one
 * device whose driver sends through IPortClsNotifications (Alloc, fill, Send, Free, as a
 * WDK miniport does), and an amod_host serving it, its control thread beside the driver's.
 * Readers are client processes: amod_client_subscribe(), then poll() on
 * amod_client_get_fd() and amod_client_dispatch().
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <portcls.h>
#include <amod/amod-client.h>
#include <amod/amod-host.h>

#include "bench.h"

#define TIMEOUT_MS 10000
#define WAIT_MS 200

static const struct amod_guid bench_device_id = {
	0xBE4C0000, 0x0001, 0x4000, { 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0xBE, 0x01 }
};
static const struct amod_guid bench_class_id = {
	0xBE4C0000, 0x0002, 0x4000, { 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0xBE, 0x02 }
};

static void log_stderr(enum amod_log_level level, const char *message, void *userdata)
{
	if (level <= AMOD_LOG_WARNING)
		fprintf(stderr, "amod-bench: %s\n", message);
}

static void socket_path(const struct bench_run *run, char *buf, size_t size)
{
	snprintf(buf, size, "%s/amodd.sock", run->dir);
}

static int32_t bench_command(struct amod_module *module, void *context, const void *in,
			     uint32_t in_size, void *out, uint32_t *out_size)
{
	*out_size = 0;
	return AMOD_STATUS_INVALID_DEVICE_REQUEST;
}

static const struct amod_module_ops bench_module_ops = {
	.version = AMOD_MODULE_OPS_VERSION,
	.command = bench_command,
};

struct amod_sender {
	struct bench_run *run;
	struct amod_adapter *adapter;
	struct amod_host *host;
	PPORTCLSNOTIFICATIONS port;
	KSAUDIOMODULE_NOTIFICATION header;
	int stop_fd;
	pthread_t thread;
	bool thread_started;
};

/* The host's control thread, as amodd's main loop: sessions, subscriptions. */
static void *host_thread(void *arg)
{
	struct amod_sender *s = arg;
	struct pollfd pfd[2] = { { amod_host_get_fd(s->host), POLLIN, 0 },
				 { s->stop_fd, POLLIN, 0 } };

	for (;;) {
		if (poll(pfd, 2, -1) < 0 && errno != EINTR)
			break;
		if (pfd[1].revents)
			break;
		if (pfd[0].revents)
			amod_host_dispatch(s->host);
	}
	return NULL;
}

/* What a driver does for each notification: Alloc, fill, Send, Free. */
static int amod_send(void *ctx, uint64_t seq, uint64_t send_ns)
{
	struct amod_sender *s = ctx;
	KSAUDIOMODULE_NOTIFICATION h = s->header;
	PPCNOTIFICATION_BUFFER buf;

	if (IPortClsNotifications_AllocNotificationBuffer(s->port, NonPagedPoolNx,
							  (USHORT)s->run->size, &buf) !=
	    STATUS_SUCCESS)
		return -ENOBUFS;
	/* 40 bytes leave no room for the bench header: Reserved carries the send time's low bits. */
	h.ProviderId.Reserved = (ULONG)send_ns;
	memcpy(buf, &h, sizeof(h));
	if (s->run->size > sizeof(h))
		bench_msg_fill((unsigned char *)buf + sizeof(h), s->run->size - (uint32_t)sizeof(h),
			       seq, send_ns);
	IPortClsNotifications_SendNotification(s->port, &KSNOTIFICATIONID_AudioModule, buf);
	IPortClsNotifications_FreeNotificationBuffer(s->port, buf);
	return 0;
}

static int amod_sender_setup(struct amod_sender *s, struct bench_shared *sh, char *path,
			     size_t path_size)
{
	struct amod_adapter_config ac = { .version = AMOD_ADAPTER_CONFIG_VERSION,
					  .verifier = sh->run.verifier ? 1 : 0 };
	struct amod_device_info info = { "bench", "Benchmark device", bench_device_id };
	struct amod_module_info mi = { .class_id = bench_class_id, .name = "Bench" };
	struct amod_host_config hc = { .version = AMOD_HOST_CONFIG_VERSION,
				       .ring_size = BENCH_RING_BYTES };
	struct amod_device *device;
	struct amod_module *module;
	int r;

	r = amod_adapter_new(&ac, &s->adapter);
	if (r < 0)
		return r;
	r = amod_adapter_add_device(s->adapter, &info, &device);
	if (r < 0)
		return r;
	r = amod_device_add_module(device, &mi, &bench_module_ops, NULL, &module);
	if (r < 0)
		return r;
	/* The miniport's way in: the port as an IUnknown, then QueryInterface. */
	if (IUnknown_QueryInterface((IUnknown *)amod_device_get_port(device),
				    &IID_IPortClsNotifications, (PVOID *)&s->port) != STATUS_SUCCESS)
		return -ENOTSUP;
	memcpy(&s->header.ProviderId.DeviceId, &bench_device_id, sizeof(GUID));
	memcpy(&s->header.ProviderId.ClassId, &bench_class_id, sizeof(GUID));

	socket_path(&sh->run, path, path_size);
	hc.socket_path = path;
	r = amod_host_new(s->adapter, &hc, &s->host);
	if (r < 0)
		return r;
	s->stop_fd = eventfd(0, 0);
	if (s->stop_fd < 0)
		return -errno;
	r = pthread_create(&s->thread, NULL, host_thread, s);
	if (r)
		return -r;
	s->thread_started = true;
	return 0;
}

static void amod_sender_teardown(struct amod_sender *s)
{
	static const uint64_t one = 1;

	if (s->thread_started) {
		(void)!write(s->stop_fd, &one, sizeof(one));
		pthread_join(s->thread, NULL);
	}
	if (s->stop_fd >= 0)
		close(s->stop_fd);
	amod_host_free(s->host);
	if (s->port)
		IPortClsNotifications_Release(s->port);
	amod_adapter_unref(s->adapter);
}

static int amod_sender(struct bench_shared *sh)
{
	static const struct sender_ops ops = { amod_send, NULL };
	struct amod_sender s = { .run = &sh->run, .stop_fd = -1 };
	char path[256];
	int r;

	amod_set_log_handler(log_stderr, NULL);
	r = amod_sender_setup(&s, sh, path, sizeof(path));
	if (r == 0) {
		atomic_store(&sh->sender_state, SENDER_LISTENING);
		bench_notify(sh);
		r = bench_sender_loop(sh, &ops, &s, NULL);
		if (r == 0)
			bench_sender_finish(sh);
	} else {
		fprintf(stderr, "amod-bench: amod sender: %s\n", strerror(-r));
	}
	amod_sender_teardown(&s);
	return r;
}

static void on_notification(struct amod_subscription *sub, const struct amod_client_notification *n,
			    void *userdata)
{
	struct bench_reader *rd = userdata;
	uint64_t now = bench_reader_now(rd), seq, send_ns;
	uint32_t reserved;

	/* The ring's sequence is the send count: a fresh host, one device, one sender. */
	if (n->vendor_size && bench_msg_parse(n->vendor_data, n->vendor_size, &seq, &send_ns)) {
		if (seq != n->sequence)
			rd->slot->errors++;
	} else if (n->size >= 40) {
		memcpy(&reserved, (const unsigned char *)n->data + 36, sizeof(reserved));
		send_ns = now - (uint32_t)((uint32_t)now - reserved);
	} else {
		rd->slot->errors++;
		return;
	}
	bench_reader_message(rd, n->sequence, send_ns, now);
}

static void on_dropped(struct amod_subscription *sub, uint64_t count, void *userdata)
{
	bench_reader_lost(userdata, count);
}

static int amod_reader(struct bench_shared *sh, unsigned index)
{
	static const struct amod_subscription_ops ops = { AMOD_SUBSCRIPTION_OPS_VERSION,
							  on_notification, on_dropped };
	struct amod_client_config cfg = { .version = AMOD_CLIENT_CONFIG_VERSION };
	struct amod_subscription *sub = NULL;
	struct amod_client *c = NULL;
	struct amod_client_device dev;
	struct bench_reader rd;
	struct pollfd pfd;
	char path[256];
	int r;

	amod_set_log_handler(log_stderr, NULL);
	bench_reader_init(&rd, sh, index);
	socket_path(&sh->run, path, sizeof(path));
	cfg.socket_path = path;
	r = amod_client_new(&cfg, &c);
	if (r == 0)
		r = amod_client_connect(c, TIMEOUT_MS);
	if (r == 0)
		r = amod_client_find_device(c, "bench", TIMEOUT_MS, &dev);
	if (r == 0)
		r = amod_client_subscribe(c, dev.id, NULL, &ops, &rd, TIMEOUT_MS, &sub);
	if (r < 0) {
		fprintf(stderr, "amod-bench: amod reader %u: %s\n", index, strerror(-r));
		amod_client_free(c);
		bench_reader_finish(&rd, false);
		return r;
	}
	bench_reader_ready(&rd);
	if (sh->run.mode == MODE_DRIVER_IDLE) {
		/*
		 * Attached but never reading: the subscription armed its waiting flag, so the
		 * first send wakes us once; after that the sender only looks at the flag.
		 */
		while (atomic_load(&sh->sender_state) != SENDER_DONE && !bench_aborted(sh))
			bench_sleep_ns(2000000);
		rd.done = true;
	}
	pfd = (struct pollfd){ .fd = amod_client_get_fd(c), .events = POLLIN };
	while (!rd.done) {
		int n = poll(&pfd, 1, WAIT_MS);

		if (n < 0 && errno != EINTR) {
			r = -errno;
			break;
		}
		if (n > 0) {
			rd.slot->wakeups++;
			r = amod_client_dispatch(c);
			if (r < 0)
				break;
		}
		if (bench_reader_check(&rd))
			break;
	}
	/* CPU first: what matters is the delivery, not our teardown. Freeing the client frees
	 * the subscription without a round trip to a host that may already be going away. */
	bench_reader_finish(&rd, r == 0 && !bench_aborted(sh));
	amod_client_free(c);
	return r;
}

struct transport transport_amod = {
	.name = "amod",
	.label = "amod",
	.modes = { [MODE_LATENCY] = true, [MODE_THROUGHPUT] = true, [MODE_DRIVER] = true,
		   [MODE_DRIVER_IDLE] = true },
	.available = true,
	.counts_wakeups = true,
	.sender = amod_sender,
	.reader = amod_reader,
};
