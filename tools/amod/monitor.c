/* SPDX-License-Identifier: MIT */
/*
 * amod monitor: one line (or one JSON object) per notification, dropped count and device
 * coming or going, until Ctrl-C or --count. Subscriptions follow devices as they come and go;
 * with --reconnect the client library restores them after amodd restarts (by endpoint id).
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <time.h>

#include "amod.h"

struct monitor;

/* One device being watched; allocated alone so subscriptions can point at it. */
struct watch {
	struct monitor *m;
	struct amod_subscription *sub;
	struct amod_client_device dev; /* the endpoint id stays; the rest as last seen */
	bool alive;		       /* false once amodd said the device was removed */
};

struct monitor {
	struct ctx *c;
	struct watch **watches;
	size_t n_watches;
	struct amod_subscription **retired; /* of removed devices, freed at exit */
	size_t n_retired;
	struct amod_client_device *pending; /* devices to subscribe to, outside callbacks */
	size_t n_pending;
	struct amod_filter filter;
	uint64_t printed;
	uint64_t last_ns;
	bool have_last;
	bool rescan;
	bool done;
	bool write_failed;
	int write_errno;
	bool was_ready;
	bool waiting; /* told the user we wait for amodd */
	bool announced; /* told the user the subscriptions are in place */
	int lost;     /* -ECONNRESET once the connection went (no --reconnect) */
};

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	interrupted = sig;
}

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

static bool selected(const struct ctx *c, const struct amod_client_device *d)
{
	if (!c->n_devices)
		return true;
	for (size_t i = 0; i < c->n_devices; i++)
		if (device_matches(d, c->devices[i]))
			return true;
	return false;
}

/*
 * The library filters one value per kind; with several values of a kind the subscription
 * takes them all and this decides: a match needs any value of each kind given.
 */
static bool matches(const struct ctx *c, const struct amod_client_notification *n)
{
	bool module_event = amod_guid_equal(&n->event_id, &ks_notificationid_audiomodule);
	bool ok;

	if (c->n_events) {
		ok = false;
		for (size_t i = 0; i < c->n_events && !ok; i++)
			ok = amod_guid_equal(&c->events[i], &n->event_id);
		if (!ok)
			return false;
	}
	if (c->n_classes) {
		ok = false;
		for (size_t i = 0; i < c->n_classes && module_event && !ok; i++)
			ok = amod_guid_equal(&c->classes[i], &n->class_id);
		if (!ok)
			return false;
	}
	if (c->n_instances) {
		ok = false;
		for (size_t i = 0; i < c->n_instances && module_event && !ok; i++)
			ok = c->instances[i] == n->instance_id;
		if (!ok)
			return false;
	}
	return true;
}

/* The time column as --timestamp says; "" for none. ts_ns is CLOCK_MONOTONIC. */
static const char *format_time(struct monitor *m, uint64_t ts_ns, char *buf, size_t size)
{
	buf[0] = '\0';
	switch (m->c->timestamp) {
	case TIMESTAMP_MONO:
		snprintf(buf, size, "%" PRIu64 ".%06" PRIu64, ts_ns / 1000000000u,
			 ts_ns % 1000000000u / 1000u);
		break;
	case TIMESTAMP_REALTIME: {
		/* amodd stamps CLOCK_MONOTONIC on this host: shift by the clocks' offset now. */
		int64_t offset = (int64_t)(clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_MONOTONIC));
		uint64_t rt = (uint64_t)((int64_t)ts_ns + offset);
		time_t sec = (time_t)(rt / 1000000000u);
		struct tm tm;
		char date[32], zone[8];

		localtime_r(&sec, &tm);
		strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
		strftime(zone, sizeof(zone), "%z", &tm);
		/* ISO 8601 wants the colon in the offset: +0200 -> +02:00. */
		snprintf(buf, size, "%s.%06" PRIu64 "%.3s:%s", date, rt % 1000000000u / 1000u, zone,
			 zone + 3);
		break;
	}
	case TIMESTAMP_DELTA: {
		uint64_t d = m->have_last && ts_ns > m->last_ns ? ts_ns - m->last_ns : 0;

		snprintf(buf, size, "+%" PRIu64 ".%06" PRIu64, d / 1000000000u,
			 d % 1000000000u / 1000u);
		break;
	}
	case TIMESTAMP_NONE:
		break;
	}
	m->last_ns = ts_ns;
	m->have_last = true;
	return buf;
}

static const char *event_name(const struct amod_guid *id, char buf[AMOD_GUID_STRING_MAX])
{
	if (amod_guid_equal(id, &ks_notificationid_audiomodule))
		return "AudioModule";
	if (amod_guid_equal(id, &ks_notificationid_sounddetector))
		return "SoundDetector";
	return amod_guid_format(id, buf);
}

static void flush_line(struct monitor *m)
{
	/* Per event: monitor output is read live, through pipes too. */
	if (fflush(stdout) != 0 || ferror(stdout)) {
		if (!m->write_failed)
			m->write_errno = errno;
		m->write_failed = true;
		m->done = true;
	}
}

static const char *channel_name(uint32_t i, uint32_t count, char buf[16])
{
	if (count == 2)
		return i ? "R" : "L";
	if (count == 1)
		return "M";
	snprintf(buf, 16, "%u", i);
	return buf;
}

static void print_db(FILE *f, int32_t mdb)
{
	int64_t v = mdb;
	uint64_t a = (uint64_t)(v < 0 ? -v : v);

	/* Integer millidecibels, exactly to two decimals (rounded half away from zero). */
	a = (a + 5) / 10;
	fprintf(f, "%s%" PRIu64 ".%02" PRIu64, v < 0 ? "-" : "", a / 100, a % 100);
}

static struct json_object *json_db(int32_t mdb)
{
	char buf[32];
	FILE *f = fmemopen(buf, sizeof(buf), "w");

	if (!f)
		return NULL;
	print_db(f, mdb);
	fclose(f);
	return json_object_new_double_s(mdb / 1000.0, buf);
}

/*
 * Known payloads: SYSVAD's parameter change (Type 0, ParameterId), the sample's level meter
 * (Type 1, ChannelCount, then Peak/Rms millidB per channel) and keyword detector
 * (SoundDetector: EventId, KeywordId, Confidence, DetectionIndex). Prints the text form to f
 * (if f) and returns the JSON form (if want_json); false if unknown.
 */
static bool decode(const struct amod_client_notification *n, FILE *f, bool want_json,
		   struct json_object **ret_json)
{
	const uint8_t *v = n->vendor_data;
	struct json_object *o = NULL;

	if (amod_guid_equal(&n->event_id, &ks_notificationid_sounddetector) && n->size == 32) {
		const uint8_t *p = n->data;
		struct amod_guid id;

		memcpy(&id, p, sizeof(id));
		if (f)
			fprintf(f, "keyword %u confidence %u detection #%" PRIu64, le32(p + 16),
				le32(p + 20), le64(p + 24));
		if (want_json) {
			o = json_object_new_object();
			json_object_object_add(o, "type", json_object_new_string("keyword"));
			json_object_object_add(o, "event_id", json_guid(&id));
			json_object_object_add(o, "keyword_id",
					       json_object_new_int64(le32(p + 16)));
			json_object_object_add(o, "confidence",
					       json_object_new_int64(le32(p + 20)));
			json_object_object_add(o, "detection_index",
					       json_object_new_uint64(le64(p + 24)));
		}
		*ret_json = o;
		return true;
	}
	if (!amod_guid_equal(&n->event_id, &ks_notificationid_audiomodule) || !v ||
	    n->vendor_size < 8)
		return false;
	if (le32(v) == 0 && n->vendor_size == 8) {
		if (f)
			fprintf(f, "parameter %u changed", le32(v + 4));
		if (want_json) {
			o = json_object_new_object();
			json_object_object_add(o, "type",
					       json_object_new_string("parameter_changed"));
			json_object_object_add(o, "parameter_id",
					       json_object_new_int64(le32(v + 4)));
		}
		*ret_json = o;
		return true;
	}
	if (le32(v) == 1) {
		uint32_t count = le32(v + 4);
		struct json_object *channels = NULL;
		char name[16];

		if (!count || count > (n->vendor_size - 8) / 8 || n->vendor_size != 8 + 8 * count)
			return false;
		if (want_json) {
			o = json_object_new_object();
			channels = json_object_new_array();
			json_object_object_add(o, "type", json_object_new_string("level"));
			json_object_object_add(o, "channels", channels);
		}
		for (uint32_t i = 0; i < count; i++) {
			int32_t peak = (int32_t)le32(v + 8 + 8 * i);
			int32_t rms = (int32_t)le32(v + 12 + 8 * i);
			const char *ch = channel_name(i, count, name);

			if (f) {
				fprintf(f, "%speak %s ", i ? " | " : "", ch);
				print_db(f, peak);
				fprintf(f, " dB rms %s ", ch);
				print_db(f, rms);
				fprintf(f, " dB");
			}
			if (want_json) {
				struct json_object *jc = json_object_new_object();

				json_object_object_add(jc, "channel", json_object_new_string(ch));
				json_object_object_add(jc, "peak_mdb", json_object_new_int64(peak));
				json_object_object_add(jc, "rms_mdb", json_object_new_int64(rms));
				json_object_object_add(jc, "peak_db", json_db(peak));
				json_object_object_add(jc, "rms_db", json_db(rms));
				json_object_array_add(channels, jc);
			}
		}
		*ret_json = o;
		return true;
	}
	return false;
}

static void print_notification(struct monitor *m, const struct watch *w,
			       const struct amod_client_notification *n)
{
	const struct ctx *c = m->c;
	bool module_event = amod_guid_equal(&n->event_id, &ks_notificationid_audiomodule);
	/* Module events: the vendor bytes after the 40-byte header; others: the whole payload. */
	const void *shown = module_event && n->vendor_data ? n->vendor_data : n->data;
	uint32_t shown_size = module_event && n->vendor_data ? n->vendor_size
			      : module_event		     ? 0
							     : n->size;
	char t[64], g[AMOD_GUID_STRING_MAX], e[AMOD_GUID_STRING_MAX];

	format_time(m, n->timestamp_ns, t, sizeof(t));
	if (c->json) {
		_cleanup_json_ struct json_object *o = json_object_new_object();
		_cleanup_free_ char *payload = hex_string(n->data, n->size);
		struct json_object *decoded = NULL;

		json_object_object_add(o, "sequence", json_object_new_uint64(n->sequence));
		json_object_object_add(o, "timestamp_ns", json_object_new_uint64(n->timestamp_ns));
		if (c->timestamp != TIMESTAMP_NONE)
			json_object_object_add(o, "time", json_object_new_string(t));
		json_object_object_add(o, "device", json_object_new_string(w->dev.endpoint_id));
		json_object_object_add(o, "device_number", json_object_new_int64(n->device));
		json_object_object_add(o, "device_id", json_guid(&n->device_id));
		json_object_object_add(o, "event",
				       json_object_new_string(event_name(&n->event_id, e)));
		json_object_object_add(o, "event_id", json_guid(&n->event_id));
		json_object_object_add(o, "class_id",
				       module_event ? json_guid(&n->class_id) : NULL);
		json_object_object_add(o, "instance_id",
				       module_event ? json_object_new_int64(n->instance_id) : NULL);
		json_object_object_add(o, "payload",
				       payload ? json_object_new_string(payload) : NULL);
		if (module_event) {
			_cleanup_free_ char *vendor = hex_string(shown, shown_size);

			json_object_object_add(o, "vendor_data",
					       vendor ? json_object_new_string(vendor) : NULL);
		}
		if (decode(n, NULL, true, &decoded))
			json_object_object_add(o, "decoded", decoded);
		puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_NOSLASHESCAPE));
	} else {
		struct json_object *unused = NULL;

		printf("%" PRIu64 "  ", n->sequence);
		if (t[0])
			printf("%s  ", t);
		printf("%s  %s  ", w->dev.endpoint_id, event_name(&n->event_id, e));
		if (module_event)
			printf("%s/%u  ", amod_guid_format(&n->class_id, g), n->instance_id);
		if (!decode(n, stdout, false, &unused)) {
			/* Long payloads are cut on the line; -x shows them whole. */
			printf("%u byte%s", shown_size, shown_size == 1 ? "" : "s");
			for (uint32_t i = 0; i < shown_size && i < 32; i++)
				printf("%s%02X", i ? "" : " ", ((const uint8_t *)shown)[i]);
			if (shown_size > 32)
				printf("...");
		}
		printf("\n");
		if (c->hexdump)
			hexdump(stdout, n->data, n->size);
	}
	flush_line(m);
}

static void on_notification(struct amod_subscription *s, const struct amod_client_notification *n,
			    void *userdata)
{
	struct watch *w = userdata;
	struct monitor *m = w->m;

	if (m->done || !matches(m->c, n))
		return;
	print_notification(m, w, n);
	m->printed++;
	if (m->c->count && m->printed >= m->c->count)
		m->done = true;
}

static void on_dropped(struct amod_subscription *s, uint64_t count, void *userdata)
{
	struct watch *w = userdata;
	struct monitor *m = w->m;

	if (m->done)
		return;
	if (m->c->json) {
		_cleanup_json_ struct json_object *o = json_object_new_object();

		json_object_object_add(o, "dropped", json_object_new_uint64(count));
		json_object_object_add(o, "device", json_object_new_string(w->dev.endpoint_id));
		puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_NOSLASHESCAPE));
	} else {
		printf("dropped %" PRIu64 " notification%s on %s (the reader fell a whole ring "
		       "behind)\n",
		       count, count == 1 ? "" : "s", w->dev.endpoint_id);
	}
	flush_line(m);
}

static void print_device_event(struct monitor *m, bool added, const struct amod_client_device *d)
{
	char t[64], g[AMOD_GUID_STRING_MAX];

	format_time(m, clock_ns(CLOCK_MONOTONIC), t, sizeof(t));
	if (m->c->json) {
		_cleanup_json_ struct json_object *o = json_object_new_object();
		struct json_object *jd = json_object_new_object();

		json_object_object_add(jd, "id", json_object_new_int64(d->id));
		json_object_object_add(jd, "endpoint_id", json_object_new_string(d->endpoint_id));
		json_object_object_add(jd, "name", json_object_new_string(d->name));
		json_object_object_add(jd, "notification_id",
				       amod_guid_is_null(&d->notification_id)
					       ? NULL
					       : json_guid(&d->notification_id));
		json_object_object_add(o, added ? "device_added" : "device_removed", jd);
		if (m->c->timestamp != TIMESTAMP_NONE)
			json_object_object_add(o, "time", json_object_new_string(t));
		puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_NOSLASHESCAPE));
	} else {
		printf("-  ");
		if (t[0])
			printf("%s  ", t);
		printf("%s  device %s (device %u) \"%s\"", d->endpoint_id,
		       added ? "added" : "removed", d->id, d->name);
		if (added && !amod_guid_is_null(&d->notification_id))
			printf(" notification id %s", amod_guid_format(&d->notification_id, g));
		printf("\n");
	}
	flush_line(m);
}

static struct watch *find_watch(struct monitor *m, const char *endpoint_id)
{
	for (size_t i = 0; i < m->n_watches; i++)
		if (!strcmp(m->watches[i]->dev.endpoint_id, endpoint_id))
			return m->watches[i];
	return NULL;
}

static void queue_subscribe(struct monitor *m, const struct amod_client_device *d)
{
	struct amod_client_device *grown = realloc(m->pending, (m->n_pending + 1) * sizeof(*d));

	/* Out of memory: the device goes unwatched, and the user is told. */
	if (!grown) {
		fprintf(stderr, "amod: out of memory: not watching '%s'\n", d->endpoint_id);
		return;
	}
	m->pending = grown;
	m->pending[m->n_pending++] = *d;
}

static void on_device(struct amod_client *client, enum amod_client_device_event event,
		      const struct amod_client_device *d, void *userdata)
{
	struct monitor *m = userdata;
	struct watch *w = find_watch(m, d->endpoint_id);
	bool added = event == AMOD_CLIENT_DEVICE_ADDED;

	if (!w && !selected(m->c, d))
		return;
	if (!m->done)
		print_device_event(m, added, d);
	if (!added) {
		if (w && w->dev.id == d->id)
			w->alive = false;
		return;
	}
	/* Subscribing is a blocking call: never from inside a callback. */
	queue_subscribe(m, d);
}

static void on_state(struct amod_client *client, enum amod_client_state state, int error,
		     void *userdata)
{
	struct monitor *m = userdata;

	if (state == AMOD_CLIENT_READY) {
		if (m->was_ready)
			fprintf(stderr, "amod: reconnected to amodd\n");
		else if (m->waiting)
			fprintf(stderr, "amod: connected to amodd\n");
		m->was_ready = true;
		/* Devices that came while amodd was away (or at the first connection). */
		m->rescan = true;
		/* A restarted amodd numbers from 1 again: deltas restart too. */
		m->have_last = false;
	} else if (state == AMOD_CLIENT_DISCONNECTED && m->was_ready) {
		if (m->c->reconnect)
			fprintf(stderr, "amod: connection to amodd lost; waiting for it to come "
					"back\n");
		else
			m->lost = error < 0 ? error : -ECONNRESET;
	}
}

static int subscribe_pending(struct monitor *m)
{
	static const struct amod_subscription_ops ops = {
		.version = AMOD_SUBSCRIPTION_OPS_VERSION,
		.notification = on_notification,
		.dropped = on_dropped,
	};
	struct ctx *c = m->c;

	while (m->n_pending && !m->done) {
		struct amod_client_device d = m->pending[--m->n_pending];
		struct watch *w = find_watch(m, d.endpoint_id);
		struct amod_subscription *sub = NULL;
		int r;

		/* With --reconnect the library brings a known endpoint's subscription back. */
		if (w && (c->reconnect || (w->alive && w->dev.id == d.id))) {
			w->dev = d;
			w->alive = true;
			continue;
		}
		if (!w) {
			struct watch **grown =
				realloc(m->watches, (m->n_watches + 1) * sizeof(*grown));

			w = calloc(1, sizeof(*w));
			if (!grown || !w) {
				free(w);
				if (grown)
					m->watches = grown;
				return fail(EXIT_FAIL, "out of memory");
			}
			m->watches = grown;
			m->watches[m->n_watches++] = w;
			w->m = m;
			w->dev = d;
		}
		r = amod_client_subscribe(c->client, d.id, &m->filter, &ops, w, c->timeout_ms,
					  &sub);
		if (r == -ENOENT)
			continue; /* gone again already */
		if (r < 0) {
			if (r == -ECONNRESET && c->reconnect)
				continue; /* the rescan after reconnecting tries again */
			return fail_errno(c, r, "cannot subscribe to '%s'", d.endpoint_id);
		}
		if (w->sub) {
			struct amod_subscription **grown =
				realloc(m->retired, (m->n_retired + 1) * sizeof(*grown));

			/* The old ring may still be draining: keep it until exit. */
			if (grown) {
				m->retired = grown;
				m->retired[m->n_retired++] = w->sub;
			} else {
				amod_subscription_free(w->sub);
			}
		}
		w->sub = sub;
		w->dev = d;
		w->alive = true;
	}
	return EXIT_OK;
}

static int scan(struct monitor *m, bool first)
{
	_cleanup_free_ struct amod_client_device *devs = NULL;
	struct ctx *c = m->c;
	size_t n = 0;
	int r;

	r = amod_client_list_devices(c->client, c->timeout_ms, &devs, &n);
	if (r < 0) {
		if (r == -ECONNRESET && c->reconnect)
			return EXIT_OK;
		return fail_errno(c, r, "cannot list devices");
	}
	/* Without --reconnect, a device asked for by name must be there at the start. */
	for (size_t i = 0; first && i < c->n_devices; i++) {
		bool found = false;

		for (size_t k = 0; k < n && !found; k++)
			found = device_matches(&devs[k], c->devices[i]);
		if (!found && !c->reconnect)
			return fail(EXIT_NOTFOUND, "no such device '%s'", c->devices[i]);
		if (!found)
			fprintf(stderr, "amod: no device '%s' yet; waiting for it\n",
				c->devices[i]);
	}
	for (size_t i = n; i-- > 0;)
		if (selected(c, &devs[i]))
			queue_subscribe(m, &devs[i]);
	return EXIT_OK;
}

static void monitor_free(struct monitor *m)
{
	for (size_t i = 0; i < m->n_watches; i++) {
		amod_subscription_free(m->watches[i]->sub);
		free(m->watches[i]);
	}
	for (size_t i = 0; i < m->n_retired; i++)
		amod_subscription_free(m->retired[i]);
	free(m->watches);
	free(m->retired);
	free(m->pending);
}

static int monitor_connect(struct monitor *m)
{
	struct ctx *c = m->c;
	struct amod_client_config cfg = {
		.version = AMOD_CLIENT_CONFIG_VERSION,
		.socket_path = c->socket_path,
		.reconnect = c->reconnect,
		.state_changed = on_state,
		.device_event = on_device,
		.userdata = m,
	};
	const char *path;
	int r;

	r = amod_client_new(&cfg, &c->client);
	if (r < 0)
		return fail(EXIT_FAIL, "cannot create the client: %s", strerror(-r));
	path = amod_client_get_socket_path(c->client);
	r = amod_client_connect(c->client, c->timeout_ms);
	if (r == 0)
		return EXIT_OK;
	if (c->reconnect && (r == -ENOENT || r == -ECONNREFUSED || r == -ENOTDIR ||
			     r == -ETIMEDOUT || r == -ECONNRESET)) {
		/* The library keeps trying from amod_client_dispatch(). */
		fprintf(stderr, "amod: waiting for amodd at %s\n", path);
		m->waiting = true;
		return EXIT_OK;
	}
	return connect_error(c, r, path);
}

int verb_monitor(struct ctx *c)
{
	struct monitor m = {.c = c};
	struct sigaction sa = {.sa_handler = on_signal};
	sigset_t block, unblocked;
	int r;

	if (c->n_events == 1) {
		m.filter.flags |= AMOD_FILTER_EVENT;
		m.filter.event_id = c->events[0];
	}
	if (c->n_classes == 1) {
		m.filter.flags |= AMOD_FILTER_CLASS;
		m.filter.class_id = c->classes[0];
	}
	if (c->n_instances == 1) {
		m.filter.flags |= AMOD_FILTER_INSTANCE;
		m.filter.instance_id = c->instances[0];
	}

	/*
	 * SIGINT/SIGTERM stay blocked except inside ppoll(): a signal can then never slip in
	 * between the check and the wait. Ctrl-C is a normal end (exit 0).
	 */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &unblocked);
	sigdelset(&unblocked, SIGINT);
	sigdelset(&unblocked, SIGTERM);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	r = monitor_connect(&m);
	if (r)
		goto out;
	if (amod_client_get_state(c->client) == AMOD_CLIENT_READY) {
		m.rescan = false;
		r = scan(&m, true);
		if (r)
			goto out;
	}
	while (!m.done && !interrupted) {
		struct pollfd pfd = {.fd = amod_client_get_fd(c->client), .events = POLLIN};

		if (m.rescan && amod_client_get_state(c->client) == AMOD_CLIENT_READY) {
			m.rescan = false;
			r = scan(&m, false);
			if (r)
				goto out;
		}
		r = subscribe_pending(&m);
		if (r)
			goto out;
		/* Scripts wait for this line to know nothing sent from now on is missed. */
		if (!m.announced && m.n_watches) {
			fprintf(stderr, "amod: watching %zu device%s; Ctrl-C to stop\n", m.n_watches,
				m.n_watches == 1 ? "" : "s");
			m.announced = true;
		}
		if (m.lost && !c->reconnect) {
			r = fail(EXIT_LOST, "connection to amodd lost");
			goto out;
		}
		if (m.done)
			break;
		if (ppoll(&pfd, 1, NULL, &unblocked) < 0 && errno != EINTR) {
			r = fail(EXIT_FAIL, "poll: %s", strerror(errno));
			goto out;
		}
		if (interrupted)
			break;
		r = amod_client_dispatch(c->client);
		if (r == -ECONNRESET && !c->reconnect) {
			r = fail(EXIT_LOST, "connection to amodd lost");
			goto out;
		}
	}
	r = EXIT_OK;
out:
	monitor_free(&m);
	/* A reader that went away (amod monitor | head) is a normal end. */
	if (m.write_failed && m.write_errno != EPIPE && r == EXIT_OK)
		r = fail(EXIT_FAIL, "cannot write the output: %s", strerror(m.write_errno));
	return r;
}
