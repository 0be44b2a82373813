/* SPDX-License-Identifier: MIT */
/*
 * amod: the command line face of amodd (busctl / wpctl style): list devices and modules, send
 * module commands, get and set SYSVAD-style parameters, monitor notifications, dump it all as
 * JSON. Global options may come before or after the verb.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "amod.h"

/* amodd answers it for a module handler that overran its command timeout. */
#define STATUS_IO_TIMEOUT ((int32_t)0xC00000B5)

/* What the wire carries at most (docs/wire-protocol.md): bigger asks are clamped by libamod. */
#define MAX_REPLY (192u * 1024u)

const struct amod_guid ks_proptypesetid_general = {
	0x97E99BA0, 0xBDEA, 0x11CF, {0xA5, 0xD6, 0x28, 0xDB, 0x04, 0xC1, 0x00, 0x00}};
const struct amod_guid ks_notificationid_audiomodule = {
	0x9C2220F0, 0xD9A6, 0x4D5C, {0xA0, 0x36, 0x57, 0x38, 0x57, 0xFD, 0x50, 0xD2}};
const struct amod_guid ks_notificationid_sounddetector = {
	0x6389D844, 0xBB32, 0x4C4C, {0xA8, 0x02, 0xF4, 0xB4, 0xB7, 0x7A, 0xFE, 0xAD}};

static const char *program = "amod";

enum {
	V_LIST = 1u << 0,
	V_INFO = 1u << 1,
	V_SEND = 1u << 2,
	V_GET = 1u << 3,
	V_SET = 1u << 4,
	V_SUPPORT = 1u << 5,
	V_MONITOR = 1u << 6,
	V_DUMP = 1u << 7,
	V_ALL = 0xFFu,
};

struct verb {
	const char *name;
	unsigned bit;
	int (*run)(struct ctx *c);
	size_t min_args, max_args;
	const char *args; /* what the positional arguments are, for messages */
	const char *usage;
};

static const struct verb verbs[] = {
	{"list", V_LIST, verb_list, 0, 0, "",
	 "Usage: amod list [--device DEVICE] [--json]\n"
	 "\n"
	 "Lists amodd's devices (endpoint id, name, notification id) and their modules\n"
	 "(class id, instance id, version, name).\n"
	 "\n"
	 "  -d, --device DEVICE   only this device (endpoint id, notification id or number)\n"},
	{"info", V_INFO, verb_info, 1, 2, "DEVICE, or CLASS [INSTANCE]",
	 "Usage: amod info DEVICE [--json]\n"
	 "       amod info CLASS [INSTANCE] [--device DEVICE] [--json]\n"
	 "\n"
	 "Shows one device in full (its notification id and modules), or one module (or every\n"
	 "instance of a class): device, class id, instance id, version, name, and for modules\n"
	 "that follow SYSVAD's Verb + ParameterId convention, their parameters with access,\n"
	 "type, valid values and current value.\n"
	 "\n"
	 "  -d, --device DEVICE   look for the module on this device only\n"},
	{"send", V_SEND, verb_send, 2, 3, "CLASS INSTANCE",
	 "Usage: amod send CLASS INSTANCE (--hex HEX | --file FILE | -) [--device DEVICE]\n"
	 "                 [--timeout MS] [--max-reply N] [--raw] [--json]\n"
	 "\n"
	 "Sends a raw module command (KSPROPERTY_AUDIOMODULE_COMMAND) and prints the module's\n"
	 "status and reply bytes. Exits 1 if the status is a failure.\n"
	 "\n"
	 "      --hex HEX         the command bytes in hex (spaces and colons ignored)\n"
	 "      --file FILE       the command bytes from a file\n"
	 "      -                 the command bytes from standard input\n"
	 "  -d, --device DEVICE   the module's device (default: the one device that has it)\n"
	 "      --max-reply N     room for the reply (default 4096; a larger size the module\n"
	 "                        asks for with STATUS_BUFFER_OVERFLOW is retried)\n"
	 "      --raw             write only the reply bytes to standard output\n"},
	{"get", V_GET, verb_get, 3, 3, "CLASS INSTANCE PARAM",
	 "Usage: amod get CLASS INSTANCE PARAM [--device DEVICE] [--json]\n"
	 "\n"
	 "Reads a parameter with SYSVAD's Verb + ParameterId convention (Verb GET) and prints\n"
	 "its value: 1, 2, 4 or 8 bytes as an unsigned number, other sizes in hex.\n"
	 "\n"
	 "  -d, --device DEVICE   the module's device (default: the one device that has it)\n"},
	{"set", V_SET, verb_set, 4, 4, "CLASS INSTANCE PARAM VALUE",
	 "Usage: amod set CLASS INSTANCE PARAM VALUE [--device DEVICE] [--size N] [--json]\n"
	 "\n"
	 "Writes a parameter with SYSVAD's Verb + ParameterId convention (Verb SET). VALUE is\n"
	 "decimal or 0x hex; its size comes from --size, else from BASICSUPPORT, else from the\n"
	 "size GET returns, else 4 bytes. Exits 1 if the module refuses the value.\n"
	 "\n"
	 "  -d, --device DEVICE   the module's device (default: the one device that has it)\n"
	 "      --size N          the value's size in bytes: 1, 2, 4 or 8\n"},
	{"support", V_SUPPORT, verb_support, 3, 3, "CLASS INSTANCE PARAM",
	 "Usage: amod support CLASS INSTANCE PARAM [--device DEVICE] [--json]\n"
	 "\n"
	 "Asks a parameter's BASICSUPPORT (SYSVAD's Verb + ParameterId convention) and decodes\n"
	 "the KSPROPERTY_DESCRIPTION (access, VT type), the KSPROPERTY_MEMBERSHEADER and the\n"
	 "valid values.\n"
	 "\n"
	 "  -d, --device DEVICE   the module's device (default: the one device that has it)\n"},
	{"monitor", V_MONITOR, verb_monitor, 0, 0, "",
	 "Usage: amod monitor [--device DEVICE]... [--class CLASS]... [--instance N]...\n"
	 "                    [--event EVENT]... [--count N] [--timestamp MODE] [--reconnect]\n"
	 "                    [-x] [--json]\n"
	 "\n"
	 "Prints one line per notification: sequence, time, device, event, module and payload\n"
	 "(decoded when known: SYSVAD parameter changes, the sample's level meter and keyword\n"
	 "detector; hex otherwise), plus dropped notifications and devices coming and going.\n"
	 "Runs until Ctrl-C, or --count notifications. With --json, one object per line.\n"
	 "\n"
	 "  -d, --device DEVICE   watch this device (repeatable; default: all devices)\n"
	 "      --class CLASS     only module notifications of this class (repeatable)\n"
	 "      --instance N      only module notifications of this instance (repeatable)\n"
	 "      --event EVENT     only this event: AudioModule, SoundDetector or a GUID\n"
	 "                        (repeatable)\n"
	 "  -n, --count N         exit after N notifications (0: never)\n"
	 "      --timestamp MODE  mono (default), realtime, delta or none\n"
	 "      --reconnect       wait for amodd to come back instead of exiting 6\n"
	 "  -x, --hexdump         also print a full hexdump of every payload\n"},
	{"dump", V_DUMP, verb_dump, 0, 0, "",
	 "Usage: amod dump\n"
	 "\n"
	 "Prints everything amod knows as JSON: devices, notification ids, modules and, for\n"
	 "modules that follow SYSVAD's convention, their parameters with current values.\n"},
};

enum option_id {
	OPT_JSON = 1,
	OPT_SOCKET,
	OPT_TIMEOUT,
	OPT_HELP,
	OPT_VERSION,
	OPT_DEVICE,
	OPT_CLASS,
	OPT_INSTANCE,
	OPT_EVENT,
	OPT_COUNT,
	OPT_TIMESTAMP,
	OPT_RECONNECT,
	OPT_HEXDUMP,
	OPT_HEX,
	OPT_FILE,
	OPT_MAX_REPLY,
	OPT_RAW,
	OPT_SIZE,
};

struct option_spec {
	const char *name;
	char short_name;
	bool has_arg;
	enum option_id id;
	unsigned verbs;
};

static const struct option_spec options[] = {
	{"json", 'j', false, OPT_JSON, V_ALL},
	{"socket", 0, true, OPT_SOCKET, V_ALL},
	{"timeout", 0, true, OPT_TIMEOUT, V_ALL},
	{"help", 'h', false, OPT_HELP, V_ALL},
	{"version", 0, false, OPT_VERSION, V_ALL},
	{"device", 'd', true, OPT_DEVICE,
	 V_LIST | V_INFO | V_SEND | V_GET | V_SET | V_SUPPORT | V_MONITOR},
	{"class", 0, true, OPT_CLASS, V_MONITOR},
	{"instance", 0, true, OPT_INSTANCE, V_MONITOR},
	{"event", 0, true, OPT_EVENT, V_MONITOR},
	{"count", 'n', true, OPT_COUNT, V_MONITOR},
	{"timestamp", 0, true, OPT_TIMESTAMP, V_MONITOR},
	{"reconnect", 0, false, OPT_RECONNECT, V_MONITOR},
	{"hexdump", 'x', false, OPT_HEXDUMP, V_MONITOR},
	{"hex", 0, true, OPT_HEX, V_SEND},
	{"file", 0, true, OPT_FILE, V_SEND},
	{"max-reply", 0, true, OPT_MAX_REPLY, V_SEND},
	{"raw", 0, false, OPT_RAW, V_SEND},
	{"size", 0, true, OPT_SIZE, V_SET},
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: %s [OPTIONS] VERB [ARGS]\n"
		"\n"
		"Talks to amodd: lists audio devices and their modules, sends module commands,\n"
		"reads and writes SYSVAD-style parameters, and monitors module notifications.\n"
		"\n"
		"Verbs:\n"
		"  list                           devices and their modules\n"
		"  info DEVICE | CLASS [INSTANCE] one device or module in full\n"
		"  send CLASS INSTANCE (--hex HEX | --file FILE | -)\n"
		"                                 send a raw module command\n"
		"  get CLASS INSTANCE PARAM       read a parameter (SYSVAD Verb + ParameterId)\n"
		"  set CLASS INSTANCE PARAM VALUE write a parameter\n"
		"  support CLASS INSTANCE PARAM   a parameter's BASICSUPPORT\n"
		"  monitor                        print notifications as they come\n"
		"  dump                           everything as JSON\n"
		"\n"
		"Options (before or after the verb):\n"
		"  -j, --json          JSON output (monitor: one object per line)\n"
		"      --socket PATH   amodd's socket (default: $AMOD_SOCKET,\n"
		"                      $AMOD_RUNTIME_DIR/amodd.sock, "
		"$XDG_RUNTIME_DIR/amod/amodd.sock,\n"
		"                      /tmp/amod-$UID/amodd.sock)\n"
		"      --timeout MS    how long to wait for amodd's answers (default 5000)\n"
		"  -h, --help          this help; amod VERB --help for a verb's options\n"
		"      --version       the version\n"
		"\n"
		"DEVICE is an endpoint id (speaker), a notification id GUID or amodd's device "
		"number.\n"
		"CLASS is a GUID, braced or not, any case. Numbers are decimal or 0x hex.\n"
		"\n"
		"Exit status: 0 ok, 1 failure, 2 usage, 3 cannot connect, 4 no such device or "
		"module,\n"
		"5 device not available, 6 connection lost, 124 timeout.\n",
		program);
}

int fail(int code, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", program);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return code;
}

int fail_errno(const struct ctx *c, int r, const char *fmt, ...)
{
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	switch (r) {
	case -ETIMEDOUT:
		return fail(EXIT_TIMEOUT, "%s: timed out after %d ms", what, c->timeout_ms);
	case -ECONNRESET:
	case -ENOTCONN:
	case -EPIPE:
		return fail(EXIT_LOST, "%s: connection to amodd lost", what);
	case -EACCES:
		return fail(EXIT_FAIL, "amodd refused access: %s (amodd's log says why)", what);
	case -ENODEV:
	case -ENOENT:
		/* Ids were resolved just before: amodd no longer knowing one means it went. */
		return fail(EXIT_UNAVAILABLE, "%s: device not available (removed?)", what);
	default:
		return fail(EXIT_FAIL, "%s: %s", what, strerror(-r));
	}
}

const char *status_string(int32_t status, char buf[64])
{
	const char *name = amod_status_name(status);

	if (name)
		snprintf(buf, 64, "%s (0x%08X)", name, (unsigned)status);
	else
		snprintf(buf, 64, "status 0x%08X", (unsigned)status);
	return buf;
}

int fail_status(int32_t status, const char *fmt, ...)
{
	char what[512], s[64];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	switch (status) {
	case AMOD_STATUS_INVALID_DEVICE_STATE:
		return fail(EXIT_UNAVAILABLE, "%s: %s: device not available", what,
			    status_string(status, s));
	case STATUS_IO_TIMEOUT:
		/* amodd's answer for a module handler that did not return in time. */
		return fail(EXIT_TIMEOUT, "%s: %s: the module did not answer in time", what,
			    status_string(status, s));
	default:
		return fail(EXIT_FAIL, "%s: %s", what, status_string(status, s));
	}
}

const char *guid_str(const struct amod_guid *g, char buf[AMOD_GUID_STRING_MAX])
{
	return amod_guid_format(g, buf);
}

void hexdump(FILE *f, const void *data, size_t size)
{
	const uint8_t *p = data;

	for (size_t off = 0; off < size; off += 16) {
		fprintf(f, "%08zx ", off);
		for (size_t i = 0; i < 16; i++) {
			if (i == 8)
				fputc(' ', f);
			if (off + i < size)
				fprintf(f, " %02x", p[off + i]);
			else
				fputs("   ", f);
		}
		fputs("  |", f);
		for (size_t i = 0; i < 16 && off + i < size; i++)
			fputc(p[off + i] >= 0x20 && p[off + i] < 0x7F ? p[off + i] : '.', f);
		fputs("|\n", f);
	}
}

char *hex_string(const void *data, size_t size)
{
	static const char digits[] = "0123456789ABCDEF";
	const uint8_t *p = data;
	char *s = malloc(2 * size + 1);

	if (!s)
		return NULL;
	for (size_t i = 0; i < size; i++) {
		s[2 * i] = digits[p[i] >> 4];
		s[2 * i + 1] = digits[p[i] & 0xF];
	}
	s[2 * size] = '\0';
	return s;
}

int print_json(const struct ctx *c, struct json_object *o)
{
	int flags = JSON_C_TO_STRING_NOSLASHESCAPE;

	if (!o)
		return fail(EXIT_FAIL, "out of memory");
	/* Pretty for people, one line for pipes (jq reads both). */
	if (isatty(STDOUT_FILENO))
		flags |= JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED;
	puts(json_object_to_json_string_ext(o, flags));
	return EXIT_OK;
}

struct json_object *json_guid(const struct amod_guid *g)
{
	char buf[AMOD_GUID_STRING_MAX];

	return json_object_new_string(amod_guid_format(g, buf));
}

struct json_object *json_status(int32_t status)
{
	const char *name = amod_status_name(status);
	char buf[16];

	if (name)
		return json_object_new_string(name);
	snprintf(buf, sizeof(buf), "0x%08X", (unsigned)status);
	return json_object_new_string(buf);
}

/* Decimal, or hex with 0x: a leading 0 is no octal here, people type instance 010 as 10. */
int parse_u64(const char *s, uint64_t *ret)
{
	unsigned long long v;
	char *end;
	int base = 10;

	if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
		return -EINVAL;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
		if (!*s || *s == '-' || *s == '+' || *s == ' ')
			return -EINVAL;
	}
	errno = 0;
	v = strtoull(s, &end, base);
	if (errno || *end)
		return -EINVAL;
	*ret = v;
	return 0;
}

int parse_u32(const char *s, uint32_t *ret)
{
	uint64_t v;

	if (parse_u64(s, &v) < 0 || v > UINT32_MAX)
		return -EINVAL;
	*ret = (uint32_t)v;
	return 0;
}

int parse_class(const char *s, struct amod_guid *ret)
{
	return amod_guid_parse(s, ret);
}

int parse_event(const char *s, struct amod_guid *ret)
{
	if (!strcasecmp(s, "AudioModule")) {
		*ret = ks_notificationid_audiomodule;
		return 0;
	}
	if (!strcasecmp(s, "SoundDetector")) {
		*ret = ks_notificationid_sounddetector;
		return 0;
	}
	return amod_guid_parse(s, ret);
}

static void log_stderr(enum amod_log_level level, const char *message, void *userdata)
{
	const char *prefix = level <= AMOD_LOG_ERROR	 ? "error: "
			     : level <= AMOD_LOG_WARNING ? "warning: "
							 : "";

	fprintf(stderr, "%s%s\n", prefix, message);
}

int connect_error(const struct ctx *c, int r, const char *path)
{
	switch (r) {
	case -ENOENT:
	case -ECONNREFUSED:
	case -ENOTDIR:
		return fail(EXIT_NOCONNECT,
			    "amodd is not running at %s (start it with: amodd --sample)", path);
	case -EACCES:
		return fail(EXIT_FAIL, "amodd refused access: %s: %s (see amodd's log)", path,
			    strerror(-r));
	case -EPROTONOSUPPORT:
		return fail(EXIT_NOCONNECT, "amodd at %s speaks another protocol version", path);
	default:
		return fail_errno(c, r, "cannot connect to amodd at %s", path);
	}
}

int ctx_connect(struct ctx *c)
{
	struct amod_client_config cfg = {
		.version = AMOD_CLIENT_CONFIG_VERSION,
		.socket_path = c->socket_path,
	};
	int r;

	r = amod_client_new(&cfg, &c->client);
	if (r < 0)
		return fail(EXIT_FAIL, "cannot create the client: %s", strerror(-r));
	r = amod_client_connect(c->client, c->timeout_ms);
	return r ? connect_error(c, r, amod_client_get_socket_path(c->client)) : EXIT_OK;
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

bool device_matches(const struct amod_client_device *d, const char *name)
{
	struct amod_guid g;
	uint32_t id;

	if (!strcmp(d->endpoint_id, name))
		return true;
	if (amod_guid_parse(name, &g) == 0 && !amod_guid_is_null(&g))
		return amod_guid_equal(&g, &d->notification_id);
	return all_digits(name) && parse_u32(name, &id) == 0 && id == d->id;
}

int resolve_device(struct ctx *c, const char *name, struct amod_client_device *ret)
{
	uint32_t id;
	int r;

	if (all_digits(name) && parse_u32(name, &id) == 0) {
		r = amod_client_get_device(c->client, id, c->timeout_ms, ret);
		/* A number is only amodd's id when no endpoint is called that. */
		if (r == -ENOENT || r == -EINVAL)
			r = amod_client_find_device(c->client, name, c->timeout_ms, ret);
	} else {
		r = amod_client_find_device(c->client, name, c->timeout_ms, ret);
	}
	if (r == -ENOENT || r == -EINVAL)
		return fail(EXIT_NOTFOUND, "no such device '%s'", name);
	if (r < 0)
		return fail_errno(c, r, "cannot find device '%s'", name);
	return EXIT_OK;
}

int device_modules(struct ctx *c, uint32_t device, struct amod_client_module **ret,
		   size_t *ret_count, bool *ret_module_aware)
{
	int r = amod_client_find_all(c->client, device, c->timeout_ms, ret, ret_count);

	*ret_module_aware = r != -EOPNOTSUPP;
	if (r == -EOPNOTSUPP) {
		*ret = NULL;
		*ret_count = 0;
		return 0;
	}
	return r;
}

static bool find_instance(const struct amod_client_module *mods, size_t n, uint32_t instance,
			  struct amod_client_module *ret)
{
	for (size_t i = 0; i < n; i++) {
		if (mods[i].instance_id == instance) {
			*ret = mods[i];
			return true;
		}
	}
	return false;
}

int locate_module(struct ctx *c, const struct amod_guid *cls, uint32_t instance, const char *device,
		  struct amod_client_device *ret_device, struct amod_client_module *ret_module)
{
	_cleanup_free_ struct amod_client_device *devs = NULL;
	char g[AMOD_GUID_STRING_MAX], where[512] = "";
	size_t n_devs, found = 0;
	int r;

	if (device) {
		_cleanup_free_ struct amod_client_module *mods = NULL;
		size_t n = 0;

		r = resolve_device(c, device, ret_device);
		if (r)
			return r;
		r = amod_client_find_by_id(c->client, ret_device->id, cls, c->timeout_ms, &mods,
					   &n);
		if (r < 0 && r != -EOPNOTSUPP)
			return fail_errno(c, r, "cannot list the modules of '%s'", device);
		if (r < 0 || !find_instance(mods, n, instance, ret_module))
			return fail(EXIT_NOTFOUND, "no module %s instance %u on device '%s'",
				    guid_str(cls, g), instance, ret_device->endpoint_id);
		return EXIT_OK;
	}

	r = amod_client_list_devices(c->client, c->timeout_ms, &devs, &n_devs);
	if (r < 0)
		return fail_errno(c, r, "cannot list devices");
	for (size_t i = 0; i < n_devs; i++) {
		_cleanup_free_ struct amod_client_module *mods = NULL;
		struct amod_client_module m;
		size_t n = 0;

		r = amod_client_find_by_id(c->client, devs[i].id, cls, c->timeout_ms, &mods, &n);
		if (r == -EOPNOTSUPP || r == -ENOENT)
			continue; /* not module aware, or gone since the list */
		if (r < 0)
			return fail_errno(c, r, "cannot list the modules of '%s'",
					  devs[i].endpoint_id);
		if (!find_instance(mods, n, instance, &m))
			continue;
		if (!found++) {
			*ret_device = devs[i];
			*ret_module = m;
		}
		snprintf(where + strlen(where), sizeof(where) - strlen(where), "%s%s",
			 found > 1 ? ", " : "", devs[i].endpoint_id);
	}
	if (!found)
		return fail(EXIT_NOTFOUND, "no module %s instance %u on any device",
			    guid_str(cls, g), instance);
	if (found > 1)
		return fail(EXIT_USAGE,
			    "module %s instance %u is on several devices (%s): choose one with "
			    "--device",
			    guid_str(cls, g), instance, where);
	return EXIT_OK;
}

int module_command(struct ctx *c, uint32_t device, const struct amod_guid *cls, uint32_t instance,
		   const void *cmd, size_t cmd_size, uint32_t max_reply,
		   struct amod_command_result *res)
{
	int r;

	r = amod_client_send_command(c->client, device, cls, instance, cmd, cmd_size, max_reply,
				     c->timeout_ms, res);
	if (r < 0)
		return r;
	/* KS size negotiation: STATUS_BUFFER_OVERFLOW says how much room the reply needs. */
	if (res->status == AMOD_STATUS_BUFFER_OVERFLOW && res->information > max_reply &&
	    res->information <= MAX_REPLY) {
		max_reply = res->information;
		amod_command_result_clear(res);
		r = amod_client_send_command(c->client, device, cls, instance, cmd, cmd_size,
					     max_reply, c->timeout_ms, res);
	}
	return r;
}

static const struct verb *find_verb(const char *name)
{
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (!strcmp(verbs[i].name, name))
			return &verbs[i];
	return NULL;
}

struct parsed_option {
	const struct option_spec *spec;
	const char *value;
	const char *text; /* as the user wrote it, for messages */
};

static const struct option_spec *find_long(const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof(options) / sizeof(options[0]); i++)
		if (strlen(options[i].name) == len && !strncmp(options[i].name, name, len))
			return &options[i];
	return NULL;
}

static const struct option_spec *find_short(char ch)
{
	for (size_t i = 0; i < sizeof(options) / sizeof(options[0]); i++)
		if (options[i].short_name == ch)
			return &options[i];
	return NULL;
}

static int apply_option(struct ctx *c, const struct parsed_option *o)
{
	/* Flags have no value; options that take one always got one from the parser. */
	const char *v = o->value ? o->value : "";
	uint64_t u64;

	switch (o->spec->id) {
	case OPT_JSON:
		c->json = true;
		break;
	case OPT_SOCKET:
		if (!*v)
			return fail(EXIT_USAGE, "--socket needs a path");
		c->socket_path = v;
		break;
	case OPT_TIMEOUT:
		if (parse_u64(v, &u64) < 0 || u64 > INT_MAX)
			return fail(EXIT_USAGE, "invalid timeout '%s' (milliseconds expected)", v);
		c->timeout_ms = (int)u64;
		break;
	case OPT_DEVICE:
		if (c->n_devices == MAX_LIST)
			return fail(EXIT_USAGE, "too many --device options");
		if (!*v)
			return fail(EXIT_USAGE, "--device needs a device");
		c->devices[c->n_devices++] = v;
		break;
	case OPT_CLASS:
		if (c->n_classes == MAX_LIST)
			return fail(EXIT_USAGE, "too many --class options");
		if (parse_class(v, &c->classes[c->n_classes]) < 0)
			return fail(EXIT_USAGE, "invalid class id '%s' (a GUID expected)", v);
		c->n_classes++;
		break;
	case OPT_INSTANCE:
		if (c->n_instances == MAX_LIST)
			return fail(EXIT_USAGE, "too many --instance options");
		if (parse_u32(v, &c->instances[c->n_instances]) < 0)
			return fail(EXIT_USAGE, "invalid instance id '%s'", v);
		c->n_instances++;
		break;
	case OPT_EVENT:
		if (c->n_events == MAX_LIST)
			return fail(EXIT_USAGE, "too many --event options");
		if (parse_event(v, &c->events[c->n_events]) < 0)
			return fail(EXIT_USAGE,
				    "invalid event '%s' (AudioModule, SoundDetector or a GUID)", v);
		c->n_events++;
		break;
	case OPT_COUNT:
		if (parse_u64(v, &c->count) < 0)
			return fail(EXIT_USAGE, "invalid count '%s'", v);
		break;
	case OPT_TIMESTAMP:
		if (!strcmp(v, "mono"))
			c->timestamp = TIMESTAMP_MONO;
		else if (!strcmp(v, "realtime"))
			c->timestamp = TIMESTAMP_REALTIME;
		else if (!strcmp(v, "delta"))
			c->timestamp = TIMESTAMP_DELTA;
		else if (!strcmp(v, "none"))
			c->timestamp = TIMESTAMP_NONE;
		else
			return fail(EXIT_USAGE,
				    "invalid timestamp mode '%s' (mono, realtime, delta or none)",
				    v);
		break;
	case OPT_RECONNECT:
		c->reconnect = true;
		break;
	case OPT_HEXDUMP:
		c->hexdump = true;
		break;
	case OPT_HEX:
		c->hex = v;
		break;
	case OPT_FILE:
		if (!*v)
			return fail(EXIT_USAGE, "--file needs a path");
		c->file = v;
		break;
	case OPT_MAX_REPLY:
		if (parse_u32(v, &c->max_reply) < 0 || c->max_reply > MAX_REPLY)
			return fail(EXIT_USAGE, "invalid reply size '%s' (0 to %u bytes)", v,
				    MAX_REPLY);
		break;
	case OPT_RAW:
		c->raw = true;
		break;
	case OPT_SIZE:
		if (parse_u32(v, &c->size) < 0 ||
		    (c->size != 1 && c->size != 2 && c->size != 4 && c->size != 8))
			return fail(EXIT_USAGE, "invalid size '%s' (1, 2, 4 or 8 bytes)", v);
		break;
	case OPT_HELP:
	case OPT_VERSION:
		break;
	}
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	struct parsed_option parsed[128];
	const char *positional[16];
	size_t n_parsed = 0, n_positional = 0;
	bool help = false, version = false, only_positional = false;
	const struct verb *verb;
	struct ctx c = {
		.timeout_ms = 5000,
		.max_reply = 4096,
		.timestamp = TIMESTAMP_MONO,
	};
	int r;

	/* A closed pipe (amod monitor | head) ends output quietly, through write errors. */
	signal(SIGPIPE, SIG_IGN);
	amod_set_log_handler(log_stderr, NULL);

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const struct option_spec *spec = NULL;
		const char *value = NULL;

		/* "-" is standard input; "-1" a (bad) number the verb will name, not an option. */
		if (only_positional || a[0] != '-' || !a[1] || (a[1] >= '0' && a[1] <= '9')) {
			if (n_positional == sizeof(positional) / sizeof(positional[0]))
				return fail(EXIT_USAGE, "too many arguments");
			positional[n_positional++] = a;
			continue;
		}
		if (!strcmp(a, "--")) {
			only_positional = true;
			continue;
		}
		if (n_parsed == sizeof(parsed) / sizeof(parsed[0]))
			return fail(EXIT_USAGE, "too many options");
		if (a[1] == '-') {
			const char *eq = strchr(a + 2, '=');

			spec = find_long(a + 2, eq ? (size_t)(eq - a - 2) : strlen(a + 2));
			if (!spec)
				return fail(EXIT_USAGE, "unknown option '%.*s' (see %s --help)",
					    eq ? (int)(eq - a) : (int)strlen(a), a, program);
			if (eq && !spec->has_arg)
				return fail(EXIT_USAGE, "option '--%s' takes no value", spec->name);
			value = eq ? eq + 1 : NULL;
		} else {
			/* Short flags bundle (-jx); one that takes a value ends the bundle. */
			for (const char *p = a + 1; *p; p++) {
				spec = find_short(*p);
				if (!spec)
					return fail(EXIT_USAGE,
						    "unknown option '-%c' (see %s --help)", *p,
						    program);
				if (spec->has_arg) {
					value = p[1] ? p + 1 : NULL;
					break;
				}
				if (p[1]) {
					if (n_parsed == sizeof(parsed) / sizeof(parsed[0]))
						return fail(EXIT_USAGE, "too many options");
					parsed[n_parsed++] = (struct parsed_option){spec, NULL, a};
					help = help || spec->id == OPT_HELP;
				}
			}
		}
		if (spec->has_arg && !value) {
			if (i + 1 >= argc)
				return fail(EXIT_USAGE, "option '%s' needs a value", a);
			value = argv[++i];
		}
		parsed[n_parsed++] = (struct parsed_option){spec, value, a};
		help = help || spec->id == OPT_HELP;
		version = version || spec->id == OPT_VERSION;
	}

	if (version) {
		printf("amod %s (protocol client, libamod %d.%d)\n", AMOD_TOOL_VERSION,
		       AMOD_VERSION_MAJOR, AMOD_VERSION_MINOR);
		return EXIT_OK;
	}
	if (!n_positional) {
		if (help) {
			usage(stdout);
			return EXIT_OK;
		}
		usage(stderr);
		return fail(EXIT_USAGE, "missing verb");
	}
	verb = find_verb(positional[0]);
	if (!verb) {
		if (help) {
			usage(stdout);
			return EXIT_OK;
		}
		return fail(EXIT_USAGE, "unknown verb '%s' (see %s --help)", positional[0],
			    program);
	}
	if (help) {
		fputs(verb->usage, stdout);
		fputs("\nGlobal options: --json, --socket PATH, --timeout MS, --help, --version\n",
		      stdout);
		return EXIT_OK;
	}
	for (size_t i = 0; i < n_parsed; i++) {
		if (!(parsed[i].spec->verbs & verb->bit))
			return fail(EXIT_USAGE,
				    "option '%s' does not apply to '%s' (see %s %s --help)",
				    parsed[i].text, verb->name, program, verb->name);
		r = apply_option(&c, &parsed[i]);
		if (r)
			return r;
	}
	if (verb->bit != V_MONITOR && c.n_devices > 1)
		return fail(EXIT_USAGE, "'%s' takes one --device", verb->name);
	if (n_positional - 1 < verb->min_args)
		return fail(EXIT_USAGE, "missing argument: '%s' needs %s (see %s %s --help)",
			    verb->name, verb->args, program, verb->name);
	if (n_positional - 1 > verb->max_args)
		return fail(EXIT_USAGE, "unexpected argument '%s' for '%s' (see %s %s --help)",
			    positional[verb->max_args + 1], verb->name, program, verb->name);
	for (size_t i = 1; i < n_positional; i++)
		c.args[c.n_args++] = positional[i];

	/* Colours only for a person at a terminal who did not opt out. */
	c.color = isatty(STDOUT_FILENO) && !getenv("NO_COLOR") && !c.json;

	r = verb->run(&c);
	amod_client_free(c.client);
	if (fflush(stdout) != 0 && errno != EPIPE && r == EXIT_OK)
		r = fail(EXIT_FAIL, "cannot write the output: %s", strerror(errno));
	return r;
}
