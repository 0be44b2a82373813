/* SPDX-License-Identifier: MIT */
#ifndef AMOD_HOST_H
#define AMOD_HOST_H

/*
 * amod-host.h: serving an adapter's devices to other processes, as amodd does. The host owns
 * the listening socket, the client sessions and their authorization, and writes every
 * device's notifications once into the device's shared-memory ring (docs/wire-protocol.md).
 * It runs on one control thread: poll amod_host_get_fd() for POLLIN, then call
 * amod_host_dispatch(). Any process can embed one (amodd is a thin wrapper around it).
 */

#include <stdbool.h>
#include <sys/types.h>

#include <amod/amod-port.h>

#ifdef __cplusplus
extern "C" {
#endif

struct amod_host;

struct amod_host_config {
	uint32_t version;             /* AMOD_HOST_CONFIG_VERSION */
	/* NULL: $AMOD_SOCKET, $AMOD_RUNTIME_DIR/amodd.sock, $XDG_RUNTIME_DIR/amod/amodd.sock,
	 * else /tmp/amod-$UID/amodd.sock. The directory is created 0700 (0750 and owned by the
	 * group when a group is configured). */
	const char *socket_path;
	uint32_t ring_size;           /* data bytes per device ring, power of two; 0: 1 MiB */
	/* By default only the host's own uid may connect. Peers in monitor_gid may list,
	 * discover modules and subscribe; peers in control_gid may also send commands. */
	bool monitor_group_set;
	gid_t monitor_gid;
	bool control_group_set;
	gid_t control_gid;
	uint32_t max_clients;         /* 0: 256 */
	/*
	 * How long a client waits for a module handler before it gets STATUS_IO_TIMEOUT (0:
	 * 5000 ms). Each device's handlers run on a thread of their own, so a stuck handler holds
	 * up only its own device's requests.
	 */
	uint32_t command_timeout_ms;
};
#define AMOD_HOST_CONFIG_VERSION 1u

/*
 * Binds the socket and serves the adapter's devices, present and future. Refuses when a live
 * host owns the socket (-EADDRINUSE) and takes over a stale one left by a crash. Thread:
 * control. Errors: -EINVAL, -ENOMEM, -EADDRINUSE, -ENAMETOOLONG, or the errno of a failed
 * mkdir/socket/bind.
 */
AMOD_API int amod_host_new(struct amod_adapter *adapter, const struct amod_host_config *config,
			   struct amod_host **ret_host);

/* Tells every client the host stops, closes them, removes the socket. NULL-safe; returns
 * NULL. */
AMOD_API struct amod_host *amod_host_free(struct amod_host *host);

AMOD_API const char *amod_host_get_socket_path(const struct amod_host *host);

/* An fd to poll for POLLIN, then call amod_host_dispatch(). */
AMOD_API int amod_host_get_fd(const struct amod_host *host);

/* Accepts, reads and answers what is pending, without blocking. Returns 0 or -errno. */
AMOD_API int amod_host_dispatch(struct amod_host *host);

/* Number of connected clients. */
AMOD_API uint32_t amod_host_get_client_count(const struct amod_host *host);

/* The socket path amod uses when none is given (see amod_host_config.socket_path).
 * Returns 0 or -ENAMETOOLONG. Thread: any. */
AMOD_API int amod_default_socket_path(char *buf, size_t size);

#ifdef __cplusplus
}
#endif

#endif /* AMOD_HOST_H */
