/* SPDX-License-Identifier: MIT */
#ifndef AMOD_CLIENT_H
#define AMOD_CLIENT_H

/*
 * amod-client.h: the app side, after Windows.Media.Devices.AudioDeviceModulesManager: list a
 * host's devices, find a device's modules (all, or by class id), send a module a command, and
 * receive module notifications.
 *
 * No event loop of its own: amod_client_get_fd() gives one fd to poll for POLLIN, and
 * amod_client_dispatch() does the work and calls the callbacks (the libinput/ALSA convention).
 * Blocking helpers (timeout_ms < 0: wait forever) serve simple tools; while one waits for its
 * reply it dispatches what else arrives, so callbacks may run inside it. A client is used from
 * one thread at a time. It never prints: see amod_set_log_handler().
 *
 * Errors common to every call: -EINVAL (bad argument), -ENOTCONN (not connected),
 * -ECONNRESET (connection lost during the call), -ETIMEDOUT, -EACCES (amodd refused: the
 * peer lacks the access; amodd logs who and why), -ENOENT (no such device, stream or
 * subscription), -ENOMEM, -EPROTO (amodd answered something malformed), -EDQUOT (over one of
 * amodd's limits: clients, subscriptions or requests in flight per client), -ENODEV (the
 * device went away while the request waited), -ETIMEDOUT also when amodd gave up waiting for
 * a module handler (its command timeout).
 */

#include <amod/amod-port.h>

#ifdef __cplusplus
extern "C" {
#endif

struct amod_client;
struct amod_subscription;

enum amod_client_state {
	AMOD_CLIENT_DISCONNECTED = 0,
	AMOD_CLIENT_CONNECTING = 1,
	AMOD_CLIENT_READY = 2,
};

enum amod_client_device_event {
	AMOD_CLIENT_DEVICE_ADDED = 1,
	AMOD_CLIENT_DEVICE_REMOVED = 2,
};

#define AMOD_CLIENT_STRING_MAX 256   /* endpoint ids and names, NUL included */
#define AMOD_CLIENT_NAME_MAX 384     /* module names: 127 UTF-16 units as UTF-8, NUL included */

struct amod_client_device {
	uint32_t id;                          /* amodd's handle; stable while the device lives */
	struct amod_guid notification_id;
	char endpoint_id[AMOD_CLIENT_STRING_MAX];
	char name[AMOD_CLIENT_STRING_MAX];
};

struct amod_client_config {
	uint32_t version;                     /* AMOD_CLIENT_CONFIG_VERSION */
	/* NULL: $AMOD_SOCKET, else $AMOD_RUNTIME_DIR/amodd.sock, else
	 * $XDG_RUNTIME_DIR/amod/amodd.sock, else /tmp/amod-$UID/amodd.sock. */
	const char *socket_path;
	/* Opt-in: after a disconnection, retry every reconnect_interval_ms (0: 250) and restore
	 * the subscriptions (matched by endpoint id) once amodd is back. */
	bool reconnect;
	uint32_t reconnect_interval_ms;
	void (*state_changed)(struct amod_client *client, enum amod_client_state state, int error,
			      void *userdata);
	void (*device_event)(struct amod_client *client, enum amod_client_device_event event,
			     const struct amod_client_device *device, void *userdata);
	void *userdata;
};
#define AMOD_CLIENT_CONFIG_VERSION 1u

/* Creates a client (not connected yet). config may be NULL. Errors: -EINVAL, -ENOMEM. */
AMOD_API int amod_client_new(const struct amod_client_config *config, struct amod_client **ret_client);

/* Disconnects, frees every subscription and pending command (their callbacks are not
 * called). NULL-safe; returns NULL. */
AMOD_API struct amod_client *amod_client_free(struct amod_client *client);

/*
 * Connects and says hello (blocking, up to timeout_ms). Errors: -ENOENT / -ECONNREFUSED (no
 * amodd at the socket), -EACCES (amodd refused this user), -EPROTONOSUPPORT (other major
 * protocol version), -ETIMEDOUT, -EISCONN (already connected), -EALREADY (an attempt is
 * under way). With reconnect on, a failed connect keeps retrying in amod_client_dispatch().
 */
AMOD_API int amod_client_connect(struct amod_client *client, int timeout_ms);

AMOD_API enum amod_client_state amod_client_get_state(const struct amod_client *client);
/* The socket path in use. */
AMOD_API const char *amod_client_get_socket_path(const struct amod_client *client);
/* WIRE access bits amodd granted: 1 monitor, 2 control. */
AMOD_API uint32_t amod_client_get_access(const struct amod_client *client);

/* The fd to poll for POLLIN; stable for the client's lifetime (across reconnects). */
AMOD_API int amod_client_get_fd(const struct amod_client *client);

/*
 * Does everything pending without blocking: incoming replies and events, notifications from
 * the rings, reconnect attempts; calls the callbacks. Returns 0, or -ECONNRESET once when the
 * connection is lost (the state callback also says so).
 */
AMOD_API int amod_client_dispatch(struct amod_client *client);

/* Devices. The array is malloc'ed; free() it. */
AMOD_API int amod_client_list_devices(struct amod_client *client, int timeout_ms,
			     struct amod_client_device **ret_devices, size_t *ret_count);
/* One device by amodd's id. */
AMOD_API int amod_client_get_device(struct amod_client *client, uint32_t device, int timeout_ms,
				    struct amod_client_device *ret_device);
/* By endpoint id, or by notification id (a GUID string, braced or not). */
AMOD_API int amod_client_find_device(struct amod_client *client, const char *name, int timeout_ms,
			    struct amod_client_device *ret_device);

/* Modules of a device's filter (KSPROPERTY_AUDIOMODULE_DESCRIPTORS), like FindAll(). */
struct amod_client_module {
	struct amod_guid class_id;
	uint32_t instance_id;
	uint32_t version_major;
	uint32_t version_minor;
	char name[AMOD_CLIENT_NAME_MAX];      /* UTF-8 */
};

AMOD_API int amod_client_find_all(struct amod_client *client, uint32_t device, int timeout_ms,
			 struct amod_client_module **ret_modules, size_t *ret_count);
/* Like FindAllById(): the modules of one class. */
AMOD_API int amod_client_find_by_id(struct amod_client *client, uint32_t device,
			   const struct amod_guid *class_id, int timeout_ms,
			   struct amod_client_module **ret_modules, size_t *ret_count);
/* KSPROPERTY_AUDIOMODULE_NOTIFICATION_DEVICE_ID. -EOPNOTSUPP if the device has none.
 * find_all/find_by_id also return -EOPNOTSUPP when nothing on the device answers DESCRIPTORS,
 * and a module failure's NTSTATUS as an errno (amod_status_to_errno(), -EIO if unknown). */
AMOD_API int amod_client_get_notification_id(struct amod_client *client, uint32_t device, int timeout_ms,
				    struct amod_guid *ret_id);

/*
 * A command's result keeps the transport apart from the module: transport 0 means amodd ran
 * the request and status is the module's NTSTATUS (with information = bytes returned or
 * required, and data/size the bytes returned); transport < 0 is one of the common errors and
 * the command may not have reached the module.
 */
struct amod_command_result {
	int transport;
	int32_t status;
	uint32_t information;
	void *data;                           /* malloc'ed; amod_command_result_clear() frees */
	uint32_t size;
};

AMOD_API void amod_command_result_clear(struct amod_command_result *result);

/*
 * KSPROPERTY_AUDIOMODULE_COMMAND to (class_id, instance_id) on a device's filter, with cmd as
 * the vendor bytes and room for max_reply bytes of reply (0 lets the module report the size
 * it needs: STATUS_BUFFER_OVERFLOW with information). Blocking. Returns result->transport;
 * -EMSGSIZE when cmd_size exceeds AUDIOMODULE_MAX_DATA_SIZE (64000) bytes.
 */
AMOD_API int amod_client_send_command(struct amod_client *client, uint32_t device,
			     const struct amod_guid *class_id, uint32_t instance_id,
			     const void *cmd, size_t cmd_size, uint32_t max_reply, int timeout_ms,
			     struct amod_command_result *ret_result);

typedef void (*amod_command_func_t)(struct amod_client *client,
				    const struct amod_command_result *result, void *userdata);

/*
 * The same, asynchronous: returns 0 once sent; func runs from amod_client_dispatch() with the
 * result (transport -ECONNRESET if the connection is lost first). The result's data is freed
 * after func returns. -EAGAIN when the socket is full (amodd is not keeping up); nothing was
 * sent then.
 */
AMOD_API int amod_client_send_command_async(struct amod_client *client, uint32_t device,
				   const struct amod_guid *class_id, uint32_t instance_id,
				   const void *cmd, size_t cmd_size, uint32_t max_reply,
				   amod_command_func_t func, void *userdata);

/*
 * Any KS property request (in = KSPROPERTY + instance bytes) on a device's filter (stream 0)
 * or a stream of this client. out/value_size as amod_device_property(). Blocking; the
 * NTSTATUS goes to *ret_status. Returns 0 or a common error.
 */
AMOD_API int amod_client_property(struct amod_client *client, uint32_t device, uint32_t stream,
			 const void *in, uint32_t in_size, void *out, uint32_t *value_size,
			 int timeout_ms, int32_t *ret_status);

/* Opens a stream (a pin) on a device; it lives until closed or the client disconnects. */
AMOD_API int amod_client_open_stream(struct amod_client *client, uint32_t device,
			    const struct amod_guid *processing_mode, int timeout_ms,
			    uint32_t *ret_stream);
AMOD_API int amod_client_close_stream(struct amod_client *client, uint32_t stream, int timeout_ms);

/* Notifications. */
struct amod_client_notification {
	uint32_t device;
	struct amod_guid device_id;           /* the device's notification id */
	struct amod_guid event_id;
	struct amod_guid class_id;            /* module events; null otherwise */
	uint32_t instance_id;
	uint64_t sequence;
	uint64_t timestamp_ns;                /* CLOCK_MONOTONIC, amodd's clock (same host) */
	const void *data;                     /* the whole payload */
	uint32_t size;
	const void *vendor_data;              /* module events: the bytes after the 40-byte header */
	uint32_t vendor_size;
};

struct amod_subscription_ops {
	uint32_t version;                     /* AMOD_SUBSCRIPTION_OPS_VERSION */
	void (*notification)(struct amod_subscription *s, const struct amod_client_notification *n,
			     void *userdata);
	/* The reader fell a whole ring behind: count notifications were lost. */
	void (*dropped)(struct amod_subscription *s, uint64_t count, void *userdata);
};
#define AMOD_SUBSCRIPTION_OPS_VERSION 1u

/*
 * Subscribes to a device's notifications (filter: event / class / instance; may be NULL;
 * AMOD_FILTER_DEVICE is implied). Blocking. Notifications are delivered from
 * amod_client_dispatch().
 */
AMOD_API int amod_client_subscribe(struct amod_client *client, uint32_t device,
			  const struct amod_filter *filter, const struct amod_subscription_ops *ops,
			  void *userdata, int timeout_ms, struct amod_subscription **ret_subscription);

/* Unsubscribes (tells amodd if connected) and frees. NULL-safe; returns NULL. */
AMOD_API struct amod_subscription *amod_subscription_free(struct amod_subscription *subscription);
AMOD_API uint32_t amod_subscription_get_device(const struct amod_subscription *subscription);

#ifdef __cplusplus
}
#endif

#endif /* AMOD_CLIENT_H */
