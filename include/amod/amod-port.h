/* SPDX-License-Identifier: MIT */
#ifndef AMOD_PORT_H
#define AMOD_PORT_H

/*
 * amod-port.h: the driver/host side. An adapter holds devices (KS filters, one port each);
 * streams (pins) open on a device; modules live on a device (templates) or on a stream
 * (instances). Drivers written the WDK way reach the device's port as a PortCls IUnknown
 * (amod_device_get_port()) and use <portcls.h> from there; native drivers use the functions
 * below. See docs/design.md for the object model and threading.
 *
 * Threads: "control" functions may be called from any thread but are serialised per adapter
 * and may sleep; "RT-safe" ones never allocate, never block and never take a lock a listener
 * can hold. Listener callbacks and module command handlers must not call control functions
 * of the same adapter.
 */

#include <amod/amod.h>

#ifdef __cplusplus
extern "C" {
#endif

struct amod_adapter;
struct amod_device;
struct amod_stream;
struct amod_module;
struct amod_listener;

/* Notification buffer size classes of the preallocated pools. */
#define AMOD_POOL_CLASSES 6
/* Largest notification payload (the USHORT limit of AllocNotificationBuffer). */
#define AMOD_NOTIFICATION_MAX_SIZE 65535u
/* Largest property value buffer handed to a handler; larger caller buffers are clamped. */
#define AMOD_PROPERTY_MAX_VALUE_SIZE (1024u * 1024u)

struct amod_adapter_config {
	uint32_t version;                  /* AMOD_ADAPTER_CONFIG_VERSION */
	/*
	 * Buffers per size class (64, 256, 1024, 4096, 16384, 65536 bytes); 0 keeps the
	 * default (256, 256, 128, 64, 16, 8). At most 1048576 each.
	 */
	uint32_t pool_buffers[AMOD_POOL_CLASSES];
	uint32_t max_listeners;            /* 0: 64; at most 65536 */
	int verifier;                      /* -1: from $AMOD_VERIFIER (default off), 0 off, 1 on */
};
#define AMOD_ADAPTER_CONFIG_VERSION 1u

/*
 * Creates an adapter with its notification pools (allocated here, never later). config may be
 * NULL for defaults. Thread: control. Errors: -EINVAL (bad config), -ENOMEM.
 */
AMOD_API int amod_adapter_new(const struct amod_adapter_config *config,
			      struct amod_adapter **ret_adapter);

AMOD_API struct amod_adapter *amod_adapter_ref(struct amod_adapter *adapter);

/*
 * Drops a reference; the last one removes every device still present (reporting their leaks)
 * and frees the pools. Ports still referenced by drivers keep the adapter alive. NULL-safe;
 * returns NULL. Thread: control.
 */
AMOD_API struct amod_adapter *amod_adapter_unref(struct amod_adapter *adapter);

/* Turns the buffer verifier on or off at run time. Thread: any. */
AMOD_API void amod_adapter_set_verifier(struct amod_adapter *adapter, bool on);
AMOD_API bool amod_adapter_get_verifier(const struct amod_adapter *adapter);

/* Counters of everything the verifier and the send checks have found so far. */
struct amod_verifier_stats {
	uint64_t double_frees;     /* FreeNotificationBuffer on a buffer already free */
	uint64_t invalid_frees;    /* Free/Send of a pointer that is no pool buffer */
	uint64_t overruns;         /* guard bytes after NumberOfBytes overwritten */
	uint64_t leaks;            /* buffers still allocated when their port's device went away */
	uint64_t rejected_sends;   /* SendNotification refused (bad header, unknown module, ...) */
	uint64_t alloc_failures;   /* AllocNotificationBuffer refused or pool exhausted */
};

/* Thread: any. Errors: -EINVAL. */
AMOD_API int amod_adapter_get_verifier_stats(const struct amod_adapter *adapter,
					     struct amod_verifier_stats *ret_stats);

/* Buffers currently allocated from the adapter's pools. Thread: any. */
AMOD_API uint32_t amod_adapter_get_live_buffers(const struct amod_adapter *adapter);

struct amod_device_info {
	const char *endpoint_id;           /* unique within the adapter, e.g. "speaker" */
	const char *name;                  /* friendly name, UTF-8 */
	struct amod_guid notification_id;  /* KSPROPERTY_AUDIOMODULE_NOTIFICATION_DEVICE_ID */
};

/*
 * Adds a device (a KS filter) with its port. The strings are copied. A null notification_id
 * means the device sends no module notifications (NOTIFICATION_DEVICE_ID then answers
 * STATUS_INVALID_DEVICE_REQUEST, as SYSVAD does). Thread: control.
 * Errors: -EINVAL (NULL or empty endpoint_id/name, name too long for 128 UTF-16 units),
 * -EEXIST (endpoint_id or non-null notification_id already used), -ENOMEM.
 */
AMOD_API int amod_adapter_add_device(struct amod_adapter *adapter,
				     const struct amod_device_info *info,
				     struct amod_device **ret_device);

/*
 * Removes a device: closes its streams, cleans up its modules, reports the buffers its port
 * still has allocated (verifier) and detaches the port (later calls on it fail or are
 * rejected). Waits for sends in progress on other threads. NULL-safe. Thread: control.
 */
AMOD_API void amod_device_remove(struct amod_device *device);

/* Devices in creation order; NULL past the end. Thread: control. */
AMOD_API struct amod_device *amod_adapter_get_device(struct amod_adapter *adapter, uint32_t index);
AMOD_API struct amod_device *amod_adapter_find_device(struct amod_adapter *adapter,
						      const char *endpoint_id);

AMOD_API const char *amod_device_get_endpoint_id(const struct amod_device *device);
AMOD_API const char *amod_device_get_name(const struct amod_device *device);
AMOD_API void amod_device_get_notification_id(const struct amod_device *device,
					      struct amod_guid *ret_id);
AMOD_API struct amod_adapter *amod_device_get_adapter(const struct amod_device *device);

/*
 * One pointer of the caller's per device (the host keeps the device's ring there). The get is
 * RT-safe (an atomic load), so listeners may call it. Thread: any.
 */
AMOD_API void amod_device_set_userdata(struct amod_device *device, void *userdata);
AMOD_API void *amod_device_get_userdata(const struct amod_device *device);

/*
 * Observes devices coming and going (the host announces them to its clients). device_added
 * runs after a device is added; device_removing when its removal starts, before anything is
 * torn down (stop using the device from other threads here: wait for them); device_removed
 * once it is detached from its port and no send on it is in progress any more, before it is
 * freed. All run with the adapter's control lock held: they must not call control functions
 * of the adapter. Any may be NULL. observer NULL removes the observer. Thread: control.
 * Errors: -EINVAL (bad version).
 */
struct amod_adapter_observer {
	uint32_t version;                  /* AMOD_ADAPTER_OBSERVER_VERSION */
	void (*device_added)(struct amod_device *device, void *userdata);
	void (*device_removing)(struct amod_device *device, void *userdata);
	void (*device_removed)(struct amod_device *device, void *userdata);
};
#define AMOD_ADAPTER_OBSERVER_VERSION 1u

AMOD_API int amod_adapter_set_observer(struct amod_adapter *adapter,
				       const struct amod_adapter_observer *observer,
				       void *userdata);

/*
 * Driver plugins (amodd --driver PATH.so): a shared object exports one symbol,
 * AMOD_DRIVER_ENTRY_SYMBOL, a const struct amod_driver_entry. amodd calls init once with its
 * adapter (create devices and modules there, as a miniport does in Init) and fini at exit.
 */
struct amod_driver_entry {
	uint32_t version;                  /* AMOD_DRIVER_ENTRY_VERSION */
	const char *name;
	/* args: the text after "=" in --driver PATH=ARGS, or NULL. Returns 0 or -errno. */
	int (*init)(struct amod_adapter *adapter, const char *args, void **ret_driver);
	void (*fini)(void *driver);
};
#define AMOD_DRIVER_ENTRY_VERSION 1u
#define AMOD_DRIVER_ENTRY_SYMBOL "amod_driver_entry"

/*
 * The device's port as a PortCls IUnknown (an "IUnknown *" of <portcls.h>): the object a
 * miniport's Init receives, on which it calls QueryInterface(IID_IPortClsNotifications).
 * Borrowed reference, valid while the device exists; AddRef it to keep it. Thread: any.
 */
AMOD_API void *amod_device_get_port(struct amod_device *device);

/*
 * Native modules. The port answers DESCRIPTORS and NOTIFICATION_DEVICE_ID, routes COMMAND to
 * ops->command with the bytes after the 48-byte KSAUDIOMODULE_PROPERTY, and builds correct
 * notification headers (amod_module_notify()).
 */
struct amod_module_info {
	struct amod_guid class_id;
	uint32_t instance_id;              /* the template's instance id */
	uint32_t version_major;
	uint32_t version_minor;
	const char *name;                  /* UTF-8, at most 127 UTF-16 units */
	/* Streams opened with this mode (or any mode if null) get an instance of the module. */
	struct amod_guid processing_mode;
	size_t context_size;               /* zero-filled context handed to the ops */
};

struct amod_module_ops {
	uint32_t version;                  /* AMOD_MODULE_OPS_VERSION */
	/*
	 * A KSPROPERTY_AUDIOMODULE_COMMAND GET. in/in_size: the vendor bytes (in is NULL when
	 * in_size is 0). out and out_size: the caller's buffer; set *out_size to the bytes produced
	 * or required. Returns an NTSTATUS. Called on a control thread, serialised per device.
	 * Must not block (spec §2.4).
	 */
	int32_t (*command)(struct amod_module *module, void *context, const void *in,
			   uint32_t in_size, void *out, uint32_t *out_size);
	/*
	 * Optional. Sets up a stream instance's context. Without it the template's context is
	 * copied. Returns 0 or a negative errno (the stream does not open).
	 */
	int (*init_instance)(struct amod_module *instance, void *context,
			     const void *template_context);
	/* Optional. Called before a module's context is freed. */
	void (*cleanup)(struct amod_module *module, void *context);
};
#define AMOD_MODULE_OPS_VERSION 1u

/*
 * Adds a template module to a device. ops must outlive the module. Thread: control.
 * Errors: -EINVAL (bad argument or name), -EEXIST ((class_id, instance_id) already on the
 * device), -EBUSY (a raw WDK automation table owns KSPROPSETID_AudioModule on this device),
 * -ENOMEM.
 */
AMOD_API int amod_device_add_module(struct amod_device *device, const struct amod_module_info *info,
				    const struct amod_module_ops *ops, void *userdata,
				    struct amod_module **ret_module);

AMOD_API void amod_module_get_class_id(const struct amod_module *module, struct amod_guid *ret_id);
AMOD_API uint32_t amod_module_get_instance_id(const struct amod_module *module);
AMOD_API void *amod_module_get_context(struct amod_module *module);
AMOD_API void *amod_module_get_userdata(struct amod_module *module);
AMOD_API struct amod_device *amod_module_get_device(struct amod_module *module);
/* The stream of a stream instance, NULL for a template. */
AMOD_API struct amod_stream *amod_module_get_stream(struct amod_module *module);

/*
 * Sends a KSNOTIFICATIONID_AudioModule notification from this module: the port builds the
 * 40-byte KSAUDIOMODULE_NOTIFICATION header (device id, class id, instance id, Reserved 0) and
 * appends payload. Returns the number of listeners it was delivered to (0: nobody listens).
 * Thread: RT-safe. Errors: -EINVAL (payload NULL with size), -EMSGSIZE (more than
 * 65535 - 40 bytes), -ENODEV (device removed or without notification id), -ENOBUFS (pool
 * exhausted).
 */
AMOD_API int amod_module_notify(struct amod_module *module, const void *payload, size_t size);

/*
 * Sends a notification with any event GUID from a device, as SendNotification does: payload
 * is the whole buffer (for KSNOTIFICATIONID_AudioModule it starts with the 40-byte header,
 * which is checked). Returns the number of listeners reached. Thread: RT-safe.
 * Errors: -EINVAL (NULL argument, module event shorter than 40 bytes), -EMSGSIZE (over 65535),
 * -ENODEV (device removed), -ENOENT (module event whose header DeviceId is not this device's
 * notification id, or whose ClassId/InstanceId name no module of the device).
 */
AMOD_API int amod_device_send(struct amod_device *device, const struct amod_guid *event_id,
			      const void *payload, size_t size);

/*
 * Opens a stream (a pin) with a signal processing mode (NULL or null GUID: default mode).
 * Native templates whose processing_mode matches (or is null) are instantiated with fresh
 * instance ids ((template id & 0xFF000000) | counter, SYSVAD's scheme, never reusing a live
 * id); a raw WDK miniport's NewStream callback is called. Thread: control.
 * Errors: -EINVAL, -ENODEV (device removed), -ENOMEM, or the error of init_instance /
 * NewStream.
 */
AMOD_API int amod_device_open_stream(struct amod_device *device,
				     const struct amod_guid *processing_mode,
				     struct amod_stream **ret_stream);

/* Closes a stream and cleans up its module instances. NULL-safe. Thread: control. */
AMOD_API void amod_stream_close(struct amod_stream *stream);

AMOD_API struct amod_device *amod_stream_get_device(const struct amod_stream *stream);
/* A stream's module instances in creation order; NULL past the end. Thread: control. */
AMOD_API struct amod_module *amod_stream_get_module(struct amod_stream *stream, uint32_t index);

/*
 * KS property dispatch: an IOCTL_KS_PROPERTY on the device's filter (stream NULL) or on one of
 * its pins. in/in_size: the KSPROPERTY followed by instance bytes; out and value_size: the
 * caller's output buffer (out may be NULL when *value_size is 0); on return *value_size holds
 * the bytes returned or required, as KS's IoStatus.Information. Returns the NTSTATUS:
 * a raw automation table's handler answers if it has the item; otherwise native modules
 * answer KSPROPSETID_AudioModule; otherwise STATUS_NOT_FOUND. Handlers of one device run one at
 * a time. Thread: control.
 */
AMOD_API int32_t amod_device_property(struct amod_device *device, struct amod_stream *stream,
				      const void *in, uint32_t in_size, void *out,
				      uint32_t *value_size);

/* In-process listeners: how tests, the demo and the host's fan-out observe notifications. */
struct amod_notification {
	struct amod_guid event_id;
	struct amod_guid device_id;        /* the sending device's notification id (may be null) */
	struct amod_device *device;
	struct amod_guid class_id;         /* module events only, else null */
	uint32_t instance_id;              /* module events only, else 0 */
	uint64_t sequence;                 /* per device, from 1, no gaps between accepted sends */
	uint64_t timestamp_ns;             /* CLOCK_MONOTONIC when the port accepted it */
	const void *data;                  /* the whole payload (module events: with the header) */
	uint32_t size;
};

enum amod_filter_flags {
	AMOD_FILTER_EVENT = 1u << 0,
	AMOD_FILTER_DEVICE = 1u << 1,      /* by notification device id */
	AMOD_FILTER_CLASS = 1u << 2,       /* module events of this class only */
	AMOD_FILTER_INSTANCE = 1u << 3,    /* module events of this instance only */
};

struct amod_filter {
	uint32_t flags;                    /* enum amod_filter_flags; 0 matches everything */
	struct amod_guid event_id;
	struct amod_guid device_id;
	struct amod_guid class_id;
	uint32_t instance_id;
};

/*
 * Called on the sender's thread for every matching notification, while the sender waits:
 * it must be RT-safe itself (copy what it needs; n->data is valid only during the call).
 */
typedef void (*amod_listener_func_t)(const struct amod_notification *n, void *userdata);

/*
 * Adds a listener to every device of the adapter. filter may be NULL. Thread: control.
 * Errors: -EINVAL, -ENOSPC (max_listeners reached), -ENOMEM.
 */
AMOD_API int amod_adapter_add_listener(struct amod_adapter *adapter, const struct amod_filter *filter,
				       amod_listener_func_t func, void *userdata,
				       struct amod_listener **ret_listener);

/*
 * Removes a listener; when it returns, the callback is not running and will not run again.
 * NULL-safe. Thread: control (never from inside a listener callback).
 */
AMOD_API void amod_listener_remove(struct amod_listener *listener);

/* True when n passes filter. Thread: any. */
AMOD_API bool amod_filter_match(const struct amod_filter *filter, const struct amod_notification *n);

#ifdef __cplusplus
}
#endif

#endif /* AMOD_PORT_H */
