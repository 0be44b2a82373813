/* SPDX-License-Identifier: MIT */
/*
 * amod-probe: a small client used by the integration tests (test-transport.py). Each verb
 * prints one "key=value ..." line on stdout and exits 0 when what it observed is consistent.
 * Exit codes: 0 ok, 1 failure, 2 usage, 3 cannot connect, 13 access denied, 124 timeout.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <amod/amod-client.h>

#define TIMEOUT_MS 5000

static const struct amod_guid burst_class = {
	0xB0057000, 0x0001, 0x4000, { 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01 }
};
static const struct amod_guid slow_class = {
	0xB0057000, 0x0003, 0x4000, { 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03 }
};

struct monitor {
	uint64_t received;
	uint64_t dropped;
	uint64_t last_sequence;
	bool ordered;
	bool payload_ok;
	uint64_t stall_after;
	unsigned stall_ms;
	bool stalled;
	const char *ready_file;
	bool stop_on_disconnect;
	enum amod_client_state state;
	unsigned disconnects;
	unsigned reconnects;
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int exit_code(int r)
{
	switch (r) {
	case 0:
		return 0;
	case -EACCES:
		return 13;
	case -ETIMEDOUT:
		return 124;
	case -ENOENT:
	case -ECONNREFUSED:
		return 3;
	case -EDQUOT:
		return 69;
	case -EMSGSIZE:
		return 7;
	default:
		return 1;
	}
}

static void on_state(struct amod_client *c, enum amod_client_state state, int error, void *ud)
{
	struct monitor *m = ud;

	if (m->state == AMOD_CLIENT_READY && state == AMOD_CLIENT_DISCONNECTED)
		m->disconnects++;
	if (m->state != AMOD_CLIENT_READY && state == AMOD_CLIENT_READY && m->disconnects) {
		m->reconnects++;
		/* A restarted amodd numbers from 1 again. */
		m->last_sequence = 0;
		if (m->ready_file) {
			char path[4096];
			FILE *f;

			snprintf(path, sizeof(path), "%s.reconnected", m->ready_file);
			if ((f = fopen(path, "w")))
				fclose(f);
		}
	}
	m->state = state;
}

static void on_notification(struct amod_subscription *s, const struct amod_client_notification *n,
			    void *ud)
{
	struct monitor *m = ud;
	const unsigned char *p = n->vendor_data;
	uint64_t index;

	if (m->last_sequence && n->sequence != m->last_sequence + 1)
		m->ordered = false;
	m->last_sequence = n->sequence;
	m->received++;
	/* The burst driver's payload: u64 index, then (index + k) & 0xFF at offset k. */
	if (!p || n->vendor_size < 8) {
		m->payload_ok = false;
		return;
	}
	memcpy(&index, p, sizeof(index));
	for (uint32_t k = 8; k < n->vendor_size; k++)
		if (p[k] != (unsigned char)(index + k))
			m->payload_ok = false;
}

static void on_dropped(struct amod_subscription *s, uint64_t count, void *ud)
{
	struct monitor *m = ud;

	m->dropped += count;
	/* The next notification continues after the lost ones. */
	m->last_sequence += count;
}

static int connect_client(struct amod_client **ret, struct monitor *m, bool reconnect)
{
	struct amod_client_config cfg = { .version = AMOD_CLIENT_CONFIG_VERSION,
					  .reconnect = reconnect,
					  .reconnect_interval_ms = 100,
					  .state_changed = on_state,
					  .userdata = m };
	int r = amod_client_new(&cfg, ret);

	if (r < 0)
		return r;
	r = amod_client_connect(*ret, TIMEOUT_MS);
	if (r < 0)
		fprintf(stderr, "amod-probe: cannot connect to %s: %s\n",
			amod_client_get_socket_path(*ret), strerror(-r));
	return r;
}

static int find(struct amod_client *c, const char *name, uint32_t *ret)
{
	struct amod_client_device d;
	int r = amod_client_find_device(c, name, TIMEOUT_MS, &d);

	if (r < 0)
		fprintf(stderr, "amod-probe: device '%s': %s\n", name, strerror(-r));
	else
		*ret = d.id;
	return r;
}

static int verb_list(struct amod_client *c)
{
	struct amod_client_device *devs;
	size_t n;
	int r = amod_client_list_devices(c, TIMEOUT_MS, &devs, &n);

	if (r < 0)
		return r;
	printf("devices=%zu", n);
	for (size_t i = 0; i < n; i++)
		printf(" %s", devs[i].endpoint_id);
	printf("\n");
	free(devs);
	return 0;
}

static int verb_info(struct amod_client *c, const char *device)
{
	struct amod_client_device d;
	char guid[AMOD_GUID_STRING_MAX];
	uint32_t id;
	int r;

	/* A number is amodd's device id; anything else an endpoint id. */
	if (device[0] >= '0' && device[0] <= '9')
		id = (uint32_t)strtoul(device, NULL, 10);
	else if ((r = find(c, device, &id)) < 0)
		return r;
	r = amod_client_get_device(c, id, TIMEOUT_MS, &d);
	if (r < 0)
		return r;
	printf("id=%u endpoint=%s notification_id=%s\n", d.id, d.endpoint_id,
	       amod_guid_format(&d.notification_id, guid));
	return 0;
}

static int verb_modules(struct amod_client *c, const char *device)
{
	struct amod_client_module *mods;
	uint32_t id;
	size_t n;
	int r = find(c, device, &id);

	if (r < 0 || (r = amod_client_find_all(c, id, TIMEOUT_MS, &mods, &n)) < 0)
		return r;
	printf("modules=%zu\n", n);
	free(mods);
	return 0;
}

static int verb_burst(struct amod_client *c, const char *device, uint32_t count, uint32_t size,
		      uint32_t pace_us)
{
	uint32_t args[3] = { count, size, pace_us }, id;
	struct amod_command_result res;
	int r = find(c, device, &id);

	if (r < 0)
		return r;
	r = amod_client_send_command(c, id, &burst_class, 0, args, sizeof(args), 0, TIMEOUT_MS,
				     &res);
	printf("transport=%d status=0x%08X\n", r, (unsigned)res.status);
	if (r == 0 && res.status != AMOD_STATUS_SUCCESS)
		r = -EIO;
	amod_command_result_clear(&res);
	return r;
}

/* slow DEVICE MS [COUNT]: COUNT commands that each sleep MS in the module handler. */
static int verb_slow(struct amod_client *c, const char *device, uint32_t ms, uint32_t count,
		     int timeout_ms)
{
	struct amod_command_result res;
	uint64_t t0 = now_ms();
	uint32_t id;
	int r = find(c, device, &id);

	for (uint32_t i = 0; r == 0 && i < count; i++) {
		r = amod_client_send_command(c, id, &slow_class, 0, &ms, sizeof(ms), 0, timeout_ms,
					     &res);
		amod_command_result_clear(&res);
	}
	printf("transport=%d elapsed_ms=%llu\n", r, (unsigned long long)(now_ms() - t0));
	return r;
}

/* subscribe-many DEVICE N: subscribes N times; prints how many succeeded and the first error. */
static int verb_subscribe_many(struct amod_client *c, const char *device, uint32_t n)
{
	static const struct amod_subscription_ops ops = { AMOD_SUBSCRIPTION_OPS_VERSION, NULL,
							  NULL };
	struct amod_subscription **subs = calloc(n ? n : 1, sizeof(*subs));
	uint32_t id, ok = 0;
	int r = find(c, device, &id), first = 0;

	if (!subs)
		return -ENOMEM;
	for (uint32_t i = 0; r == 0 && i < n; i++) {
		int e = amod_client_subscribe(c, id, NULL, &ops, NULL, TIMEOUT_MS, &subs[i]);

		if (e == 0)
			ok++;
		else if (!first)
			first = e;
	}
	printf("subscribed=%u first_error=%d\n", ok, first);
	for (uint32_t i = 0; i < n; i++)
		amod_subscription_free(subs[i]);
	free(subs);
	return r;
}

/* cycles DEVICE N: N times connect, subscribe, disconnect (amodd must not grow). */
static int verb_cycles(const char *device, uint32_t n)
{
	static const struct amod_subscription_ops ops = { AMOD_SUBSCRIPTION_OPS_VERSION, NULL,
							  NULL };

	for (uint32_t i = 0; i < n; i++) {
		struct amod_client *c = NULL;
		struct amod_subscription *s = NULL;
		uint32_t id;
		int r = amod_client_new(NULL, &c);

		if (r == 0)
			r = amod_client_connect(c, TIMEOUT_MS);
		if (r == 0)
			r = find(c, device, &id);
		if (r == 0)
			r = amod_client_subscribe(c, id, NULL, &ops, NULL, TIMEOUT_MS, &s);
		amod_subscription_free(s);
		amod_client_free(c);
		if (r < 0) {
			printf("cycles=%u error=%d\n", i, r);
			return r;
		}
	}
	printf("cycles=%u\n", n);
	return 0;
}

/* bigcmd DEVICE SIZE: a command of SIZE vendor bytes to the burst module. */
static int verb_bigcmd(struct amod_client *c, const char *device, uint32_t size)
{
	struct amod_command_result res;
	uint8_t *cmd = calloc(1, size ? size : 1);
	uint32_t id;
	int r = find(c, device, &id);

	if (!cmd)
		return -ENOMEM;
	if (r == 0) {
		r = amod_client_send_command(c, id, &burst_class, 0, cmd, size, 0, TIMEOUT_MS, &res);
		printf("transport=%d status=0x%08X\n", r, (unsigned)res.status);
		amod_command_result_clear(&res);
	}
	free(cmd);
	return r;
}

static int pump(struct amod_client *c, int timeout_ms)
{
	struct pollfd pfd = { .fd = amod_client_get_fd(c), .events = POLLIN };

	if (poll(&pfd, 1, timeout_ms) < 0)
		return -errno;
	return amod_client_dispatch(c);
}

/* monitor DEVICE COUNT [STALL_AFTER STALL_MS] [READY_FILE] */
static int verb_monitor(struct amod_client *c, struct monitor *m, const char *device,
			uint64_t count, const char *ready_file, int timeout_ms)
{
	static const struct amod_subscription_ops ops = { AMOD_SUBSCRIPTION_OPS_VERSION,
							  on_notification, on_dropped };
	struct amod_subscription *s = NULL;
	uint64_t deadline = now_ms() + (uint64_t)timeout_ms;
	uint32_t id;
	int r = find(c, device, &id);

	if (r < 0 || (r = amod_client_subscribe(c, id, NULL, &ops, m, TIMEOUT_MS, &s)) < 0)
		return r;
	m->ready_file = ready_file;
	if (ready_file) {
		FILE *f = fopen(ready_file, "w");

		if (f)
			fclose(f);
	}
	while (m->received + m->dropped < count) {
		if (m->stop_on_disconnect && m->disconnects)
			break;
		if (now_ms() > deadline) {
			r = -ETIMEDOUT;
			break;
		}
		if (m->stall_after && !m->stalled && m->received >= m->stall_after) {
			struct timespec ts = { m->stall_ms / 1000, (long)(m->stall_ms % 1000) * 1000000 };

			m->stalled = true;
			nanosleep(&ts, NULL);
		}
		r = pump(c, 100);
		if (r < 0 && r != -ECONNRESET)
			break;
		r = 0;
	}
	printf("received=%llu dropped=%llu ordered=%d payload_ok=%d disconnects=%u "
	       "reconnects=%u\n",
	       (unsigned long long)m->received, (unsigned long long)m->dropped, m->ordered,
	       m->payload_ok, m->disconnects, m->reconnects);
	amod_subscription_free(s);
	if (r == 0 && (!m->ordered || !m->payload_ok))
		r = -EIO;
	return r;
}

/* Waits until amodd goes away; with reconnect, until it is back and delivers count more. */
static int verb_survive(struct amod_client *c, struct monitor *m, const char *device,
			uint64_t count, const char *ready_file, int timeout_ms)
{
	int r;

	m->stop_on_disconnect = true;
	r = verb_monitor(c, m, device, count, ready_file, timeout_ms);
	return r == 0 && m->disconnects == 0 ? -EIO : r;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: amod-probe list\n"
		"       amod-probe info DEVICE|ID\n"
		"       amod-probe modules DEVICE\n"
		"       amod-probe burst DEVICE COUNT SIZE PACE_US\n"
		"       amod-probe slow DEVICE MS [COUNT] [--timeout MS]\n"
		"       amod-probe subscribe-many DEVICE N | cycles DEVICE N | bigcmd DEVICE SIZE\n"
		"       amod-probe monitor DEVICE COUNT [--stall AFTER MS] [--ready FILE]\n"
		"                  [--timeout MS] [--reconnect] [--expect-disconnect]\n");
}

int main(int argc, char **argv)
{
	struct monitor m = { .ordered = true, .payload_ok = true };
	struct amod_client *c = NULL;
	const char *ready = NULL;
	bool reconnect = false, expect_disconnect = false;
	int timeout_ms = 20000, r;

	if (argc < 2) {
		usage();
		return 2;
	}
	for (int i = 3; i < argc; i++) {
		if (!strcmp(argv[i], "--stall") && i + 2 < argc) {
			m.stall_after = strtoull(argv[i + 1], NULL, 10);
			m.stall_ms = (unsigned)strtoul(argv[i + 2], NULL, 10);
			i += 2;
		} else if (!strcmp(argv[i], "--ready") && i + 1 < argc) {
			ready = argv[++i];
		} else if (!strcmp(argv[i], "--timeout") && i + 1 < argc) {
			timeout_ms = atoi(argv[++i]);
		} else if (!strcmp(argv[i], "--reconnect")) {
			reconnect = true;
		} else if (!strcmp(argv[i], "--expect-disconnect")) {
			expect_disconnect = true;
		}
	}
	if (!strcmp(argv[1], "cycles") && argc >= 4)
		return exit_code(verb_cycles(argv[2], (uint32_t)strtoul(argv[3], NULL, 10)));
	r = connect_client(&c, &m, reconnect);
	if (r < 0)
		goto out;
	if (!strcmp(argv[1], "list"))
		r = verb_list(c);
	else if (!strcmp(argv[1], "slow") && argc >= 4)
		r = verb_slow(c, argv[2], (uint32_t)strtoul(argv[3], NULL, 10),
			      argc >= 5 && argv[4][0] != '-' ? (uint32_t)strtoul(argv[4], NULL, 10) : 1,
			      timeout_ms);
	else if (!strcmp(argv[1], "subscribe-many") && argc >= 4)
		r = verb_subscribe_many(c, argv[2], (uint32_t)strtoul(argv[3], NULL, 10));
	else if (!strcmp(argv[1], "bigcmd") && argc >= 4)
		r = verb_bigcmd(c, argv[2], (uint32_t)strtoul(argv[3], NULL, 10));
	else if (!strcmp(argv[1], "info") && argc >= 3)
		r = verb_info(c, argv[2]);
	else if (!strcmp(argv[1], "modules") && argc >= 3)
		r = verb_modules(c, argv[2]);
	else if (!strcmp(argv[1], "burst") && argc >= 6)
		r = verb_burst(c, argv[2], (uint32_t)strtoul(argv[3], NULL, 10),
			       (uint32_t)strtoul(argv[4], NULL, 10),
			       (uint32_t)strtoul(argv[5], NULL, 10));
	else if (!strcmp(argv[1], "monitor") && argc >= 4)
		r = (expect_disconnect ? verb_survive : verb_monitor)(
			c, &m, argv[2], strtoull(argv[3], NULL, 10), ready, timeout_ms);
	else {
		usage();
		amod_client_free(c);
		return 2;
	}
	if (r < 0)
		fprintf(stderr, "amod-probe: %s: %s\n", argv[1], strerror(-r));
out:
	amod_client_free(c);
	return exit_code(r);
}
