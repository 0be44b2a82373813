/* SPDX-License-Identifier: MIT */
/*
 * amodd: hosts audio-module drivers and serves them to apps. Runs in the foreground, logs to
 * stderr, stops cleanly on SIGINT/SIGTERM (clients are told, the socket is removed).
 */
#include <dlfcn.h>
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <amod/amod-host.h>

#include "sample.h"

#define MAX_DRIVERS 32

struct driver {
	void *handle;                     /* dlopen handle; NULL for the built-in sample */
	const struct amod_driver_entry *entry;
	void *state;
	char *path;
};

static const char *program = "amodd";
static bool verbose;

static void log_stderr(enum amod_log_level level, const char *message, void *userdata)
{
	const char *prefix = level <= AMOD_LOG_ERROR ? "error: " :
			     level <= AMOD_LOG_WARNING ? "warning: " : "";

	/* Library messages already name their source ("amodd: ..." or "amod: ..."). */
	fprintf(stderr, "%s%s\n", prefix, message);
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: %s [OPTIONS]\n"
		"\n"
		"Hosts audio-module drivers and serves their modules to apps (amod list, monitor,\n"
		"send, ...) over a socket, with notifications in shared memory.\n"
		"\n"
		"Options:\n"
		"  -s, --sample[=OPTIONS]    host the built-in sample device (two endpoints with\n"
		"                            SYSVAD-style modules, a level meter and a detector);\n"
		"                            OPTIONS as in drivers/sample/README.md, e.g.\n"
		"                            --sample=meter-rate=10,stream=default\n"
		"  -d, --driver PATH[=ARGS]  load a driver plugin (.so exporting amod_driver_entry);\n"
		"                            may be repeated\n"
		"  -S, --socket PATH         socket to serve (default: $AMOD_SOCKET,\n"
		"                            $AMOD_RUNTIME_DIR/amodd.sock,\n"
		"                            $XDG_RUNTIME_DIR/amod/amodd.sock, /tmp/amod-$UID/amodd.sock)\n"
		"  -r, --ring-size BYTES     notification ring per device, a power of two from 65536\n"
		"                            to 67108864 (default 1048576); K and M suffixes accepted\n"
		"  -t, --command-timeout MS  answer STATUS_IO_TIMEOUT when a module handler takes\n"
		"                            longer (default 5000)\n"
		"  -M, --max-clients N       refuse clients beyond N (default 256)\n"
		"  -m, --monitor-group GROUP let members of GROUP list modules and receive\n"
		"                            notifications\n"
		"  -c, --control-group GROUP let members of GROUP also send commands\n"
		"  -v, --verbose             log debug messages\n"
		"  -h, --help                show this help\n"
		"      --version             show the version\n"
		"\n"
		"By default only the user running amodd may connect. Stop with Ctrl-C or SIGTERM.\n",
		program);
}

static int parse_size(const char *s, uint32_t *ret)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -EINVAL;
	if (*end == 'K' || *end == 'k')
		v *= 1024, end++;
	else if (*end == 'M' || *end == 'm')
		v *= 1024 * 1024, end++;
	if (*end || v > UINT32_MAX)
		return -EINVAL;
	*ret = (uint32_t)v;
	return 0;
}

static int parse_group(const char *name, gid_t *ret)
{
	struct group *g = getgrnam(name);
	char *end;
	unsigned long v;

	if (g) {
		*ret = g->gr_gid;
		return 0;
	}
	errno = 0;
	v = strtoul(name, &end, 10);
	if (errno || end == name || *end)
		return -ENOENT;
	*ret = (gid_t)v;
	return 0;
}

static int sample_init(struct amod_adapter *adapter, const char *args, void **ret)
{
	return sample_driver_create(adapter, args, (struct sample_driver **)ret);
}

static void sample_fini(void *state)
{
	sample_driver_free(state);
}

static const struct amod_driver_entry sample_entry = {
	.version = AMOD_DRIVER_ENTRY_VERSION,
	.name = "sample",
	.init = sample_init,
	.fini = sample_fini,
};

static int load_driver(struct amod_adapter *adapter, const char *spec, struct driver *d)
{
	char *eq;
	int r;

	d->path = strdup(spec);
	if (!d->path)
		return -ENOMEM;
	eq = strchr(d->path, '=');
	if (eq)
		*eq++ = 0;
	d->handle = dlopen(d->path, RTLD_NOW | RTLD_LOCAL);
	if (!d->handle) {
		fprintf(stderr, "%s: cannot load driver '%s': %s\n", program, d->path, dlerror());
		return -ENOENT;
	}
	d->entry = dlsym(d->handle, AMOD_DRIVER_ENTRY_SYMBOL);
	if (!d->entry) {
		fprintf(stderr, "%s: '%s' is not an amod driver: it has no symbol %s\n", program,
			d->path, AMOD_DRIVER_ENTRY_SYMBOL);
		return -ENOEXEC;
	}
	if (d->entry->version != AMOD_DRIVER_ENTRY_VERSION || !d->entry->init) {
		fprintf(stderr, "%s: driver '%s' has entry version %u; this amodd takes %u\n",
			program, d->path, (unsigned)d->entry->version, AMOD_DRIVER_ENTRY_VERSION);
		return -ENOEXEC;
	}
	r = d->entry->init(adapter, eq, &d->state);
	if (r < 0)
		fprintf(stderr, "%s: driver '%s' failed to start: %s\n", program, d->path,
			strerror(-r));
	return r;
}

static void unload_drivers(struct driver *drivers, int n)
{
	for (int i = n - 1; i >= 0; i--) {
		if (drivers[i].state && drivers[i].entry->fini)
			drivers[i].entry->fini(drivers[i].state);
		if (drivers[i].handle)
			dlclose(drivers[i].handle);
		free(drivers[i].path);
	}
}

static int serve(struct amod_host *host)
{
	sigset_t mask;
	struct pollfd pfd[2];
	int sfd;

	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0) {
		fprintf(stderr, "%s: signalfd: %s\n", program, strerror(errno));
		return -errno;
	}
	pfd[0] = (struct pollfd){ .fd = amod_host_get_fd(host), .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = sfd, .events = POLLIN };
	for (;;) {
		struct signalfd_siginfo si;
		int r;

		if (poll(pfd, 2, -1) < 0 && errno != EINTR)
			break;
		if (pfd[1].revents & POLLIN && read(sfd, &si, sizeof(si)) == sizeof(si)) {
			if (verbose)
				fprintf(stderr, "%s: %s, stopping\n", program,
					strsignal((int)si.ssi_signo));
			break;
		}
		r = amod_host_dispatch(host);
		if (r < 0) {
			fprintf(stderr, "%s: %s\n", program, strerror(-r));
			close(sfd);
			return r;
		}
	}
	close(sfd);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "sample", optional_argument, NULL, 's' },
		{ "driver", required_argument, NULL, 'd' },
		{ "socket", required_argument, NULL, 'S' },
		{ "ring-size", required_argument, NULL, 'r' },
		{ "command-timeout", required_argument, NULL, 't' },
		{ "max-clients", required_argument, NULL, 'M' },
		{ "monitor-group", required_argument, NULL, 'm' },
		{ "control-group", required_argument, NULL, 'c' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 },
	};
	struct amod_host_config hc = { .version = AMOD_HOST_CONFIG_VERSION };
	const char *driver_specs[MAX_DRIVERS];
	struct driver drivers[MAX_DRIVERS + 1] = { 0 };
	int n_specs = 0, n_drivers = 0, c, r, ret = 1;
	bool sample = false;
	const char *sample_options = NULL;
	struct amod_adapter *adapter = NULL;
	struct amod_host *host = NULL;
	sigset_t mask;

	while ((c = getopt_long(argc, argv, "s::d:S:r:t:M:m:c:vh", options, NULL)) != -1) {
		switch (c) {
		case 's':
			sample = true;
			sample_options = optarg;
			break;
		case 'd':
			if (n_specs == MAX_DRIVERS) {
				fprintf(stderr, "%s: at most %d drivers\n", program, MAX_DRIVERS);
				return 2;
			}
			driver_specs[n_specs++] = optarg;
			break;
		case 'S':
			hc.socket_path = optarg;
			break;
		case 'r':
			if (parse_size(optarg, &hc.ring_size) < 0 || hc.ring_size < 65536 ||
			    hc.ring_size > 64u * 1024 * 1024 ||
			    (hc.ring_size & (hc.ring_size - 1))) {
				fprintf(stderr,
					"%s: --ring-size '%s': expected a power of two from 65536 "
					"to 67108864 bytes\n",
					program, optarg);
				return 2;
			}
			break;
		case 't':
			if (parse_size(optarg, &hc.command_timeout_ms) < 0 ||
			    hc.command_timeout_ms == 0 || hc.command_timeout_ms > 3600000) {
				fprintf(stderr,
					"%s: --command-timeout '%s': expected milliseconds from 1 to "
					"3600000\n",
					program, optarg);
				return 2;
			}
			break;
		case 'M':
			if (parse_size(optarg, &hc.max_clients) < 0 || hc.max_clients == 0 ||
			    hc.max_clients > 65536) {
				fprintf(stderr, "%s: --max-clients '%s': expected 1 to 65536\n",
					program, optarg);
				return 2;
			}
			break;
		case 'm':
		case 'c':
			if (parse_group(optarg, c == 'm' ? &hc.monitor_gid : &hc.control_gid) < 0) {
				fprintf(stderr, "%s: no such group '%s'\n", program, optarg);
				return 2;
			}
			if (c == 'm')
				hc.monitor_group_set = true;
			else
				hc.control_group_set = true;
			break;
		case 'v':
			verbose = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("amodd %d.%d\n", AMOD_VERSION_MAJOR, AMOD_VERSION_MINOR);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", program, argv[optind]);
		usage(stderr);
		return 2;
	}
	if (!sample && n_specs == 0) {
		fprintf(stderr, "%s: nothing to host: give --sample or --driver PATH\n", program);
		usage(stderr);
		return 2;
	}

	amod_set_log_handler(log_stderr, NULL);
	amod_set_log_level(verbose ? AMOD_LOG_DEBUG : AMOD_LOG_INFO);
	/* Signals arrive through the signalfd only; block them before any thread exists. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);

	r = amod_adapter_new(NULL, &adapter);
	if (r < 0) {
		fprintf(stderr, "%s: cannot create the adapter: %s\n", program, strerror(-r));
		goto out;
	}
	if (sample) {
		drivers[n_drivers].entry = &sample_entry;
		drivers[n_drivers].path = strdup("(built-in sample)");
		r = sample_entry.init(adapter, sample_options, &drivers[n_drivers].state);
		n_drivers++;
		if (r < 0) {
			fprintf(stderr, "%s: the sample device failed to start: %s\n", program,
				strerror(-r));
			goto out;
		}
	}
	for (int i = 0; i < n_specs; i++) {
		r = load_driver(adapter, driver_specs[i], &drivers[n_drivers]);
		n_drivers++;
		if (r < 0)
			goto out;
	}
	r = amod_host_new(adapter, &hc, &host);
	if (r == -EADDRINUSE) {
		char path[256];

		amod_default_socket_path(path, sizeof(path));
		fprintf(stderr, "%s: another amodd is already serving '%s'\n", program,
			hc.socket_path ? hc.socket_path : path);
		goto out;
	}
	if (r < 0) {
		fprintf(stderr, "%s: cannot serve: %s\n", program, strerror(-r));
		goto out;
	}
	fprintf(stderr, "%s: serving %s\n", program, amod_host_get_socket_path(host));
	ret = serve(host) < 0 ? 1 : 0;
out:
	amod_host_free(host);
	unload_drivers(drivers, n_drivers);
	amod_adapter_unref(adapter);
	return ret;
}
