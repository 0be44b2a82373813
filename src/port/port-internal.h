/* SPDX-License-Identifier: MIT */
#ifndef AMOD_PORT_INTERNAL_H
#define AMOD_PORT_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>

#include <portcls.h>
#include <amodwdk.h>

#include <amod/amod-port.h>

#include "common/common-internal.h"

/*
 * Read-mostly data the send path reads (listener sets, module sets, a port's device) is
 * published through atomic pointers and retired with a two-counter grace period: a reader
 * bumps the counter of the current epoch, a writer (always under the adapter lock) swaps the
 * pointer, flips the epoch and waits for the old epoch's counter to drain. Readers never wait
 * and never take a lock; only writers wait, and only for senders already in flight.
 */
struct port_rcu {
	atomic_uint epoch;
	atomic_uint readers[2];
	pthread_mutex_t writer;  /* one grace period at a time: writers of several devices meet here */
};

static inline unsigned port_rcu_read_lock(struct port_rcu *r)
{
	for (;;) {
		unsigned e = atomic_load(&r->epoch) & 1;

		atomic_fetch_add(&r->readers[e], 1);
		/* Seq-cst pairs with the writer's flip-then-read: one of us sees the other. */
		if ((atomic_load(&r->epoch) & 1) == e)
			return e;
		atomic_fetch_sub(&r->readers[e], 1);
	}
}

static inline void port_rcu_read_unlock(struct port_rcu *r, unsigned e)
{
	atomic_fetch_sub_explicit(&r->readers[e], 1, memory_order_release);
}

/* Waits until every reader that could see a pointer swapped before this call has left. */
void port_rcu_synchronize(struct port_rcu *r);

/* Notification buffer pools: preallocated slots per size class, lock-free free lists. */
#define POOL_GUARD_SIZE 16u
#define POOL_HEADER_SIZE 32u
#define POOL_GUARD_BYTE 0xFDu

struct pool_slot {
	atomic_uint state;      /* POOL_SLOT_FREE / POOL_SLOT_LIVE */
	uint32_t size;          /* NumberOfBytes */
	atomic_uint next;       /* free-list link */
	uint32_t pool_type;
	struct port *owner;     /* the port it was allocated through */
	uint64_t reserved;
};
_Static_assert(sizeof(struct pool_slot) == POOL_HEADER_SIZE, "slot header is 32 bytes");

struct pool_class {
	uint32_t capacity;      /* payload bytes a slot holds */
	uint32_t stride;
	uint32_t count;
	unsigned char *base;
	_Atomic uint64_t head;  /* (ABA tag << 32) | slot index; index UINT32_MAX = empty */
};

struct port_pool {
	struct pool_class classes[AMOD_POOL_CLASSES];
	void *memory;
	size_t memory_size;
	atomic_uint live;
};

int pool_init(struct port_pool *pool, const uint32_t counts[AMOD_POOL_CLASSES]);
void pool_fini(struct port_pool *pool);
/* RT-safe: NULL when every class that fits is exhausted. Zero-filled, guard written. */
void *pool_alloc(struct port_pool *pool, uint32_t size, uint32_t pool_type, struct port *owner);
/* The slot of a payload pointer, or NULL if p is not the start of a slot. Never dereferences. */
struct pool_slot *pool_find(const struct port_pool *pool, const void *p);
/* Pushes a slot already marked free back on its free list. */
void pool_release(struct port_pool *pool, struct pool_slot *slot);
bool pool_guard_intact(const struct pool_slot *slot);
static inline void *pool_slot_payload(struct pool_slot *slot)
{
	return (unsigned char *)slot + POOL_HEADER_SIZE;
}
/* Control: calls fn for each live slot. */
void pool_for_each_live(struct port_pool *pool, void (*fn)(struct pool_slot *slot, void *ud),
			void *ud);

enum pool_slot_state {
	POOL_SLOT_FREE = 0x46524545u,   /* "FREE" */
	POOL_SLOT_LIVE = 0x4C495645u,   /* "LIVE" */
};

struct verifier_counters {
	atomic_uint_fast64_t double_frees;
	atomic_uint_fast64_t invalid_frees;
	atomic_uint_fast64_t overruns;
	atomic_uint_fast64_t leaks;
	atomic_uint_fast64_t rejected_sends;
	atomic_uint_fast64_t alloc_failures;
};

struct listener_set {
	uint32_t count;
	struct amod_listener *items[];
};

struct amod_listener {
	struct amod_adapter *adapter;
	struct amod_filter filter;
	amod_listener_func_t func;
	void *userdata;
};

struct amod_adapter {
	atomic_uint refs;       /* public references */
	atomic_uint holds;      /* 1 while refs > 0, plus one per live port */
	pthread_mutex_t lock;   /* serialises every control operation */
	struct port_rcu rcu;
	struct port_pool pool;
	atomic_bool verifier;
	struct verifier_counters counters;

	struct amod_device **devices;
	uint32_t n_devices;

	_Atomic(struct listener_set *) listeners;
	struct listener_set *listener_sets[2];

	struct amod_adapter_observer observer;
	void *observer_userdata;
	uint32_t max_listeners;
};

/* One (class, instance) a device's port accepts notifications for. */
struct module_key {
	struct amod_guid class_id;
	uint32_t instance_id;
};

struct module_set {
	uint32_t count;
	struct module_key items[];
};

struct amod_module {
	struct amod_device *device;
	struct amod_stream *stream;             /* NULL for a template */
	struct amod_module *template_module;    /* the template of a stream instance */
	struct amod_guid class_id;
	uint32_t instance_id;
	uint32_t version_major;
	uint32_t version_minor;
	uint16_t name[128];
	struct amod_guid processing_mode;
	const struct amod_module_ops *ops;
	void *userdata;
	void *context;
	size_t context_size;
	uint32_t next_instance;                 /* templates: last stream counter used */
};

struct amod_stream {
	struct amod_device *device;
	struct amod_guid processing_mode;
	struct amod_module **modules;
	uint32_t n_modules;
	IUnknown *minor_target;                 /* raw miniports: the stream object */
};

struct amod_device {
	struct amod_adapter *adapter;
	/*
	 * Serialises what runs driver code for this device (property handlers, streams, module
	 * setup), so a slow handler on one device does not hold up the others. Lock order: the
	 * adapter's lock, then a device's.
	 */
	pthread_mutex_t lock;
	char *endpoint_id;
	char *name;
	struct amod_guid notification_id;
	struct port *port;
	bool removed;
	_Atomic(void *) userdata;
	/*
	 * Taken by senders only (never by listeners' readers or control code) around stamping
	 * and delivery, so every listener sees one device's notifications in sequence order.
	 */
	atomic_flag send_lock;
	uint64_t sequence;
	_Atomic(struct module_set *) module_set;

	struct amod_module **modules;           /* native templates */
	uint32_t n_modules;
	struct amod_stream **streams;
	uint32_t n_streams;

	/* A raw WDK miniport registered with AmodPortRegisterMiniport(). */
	bool raw_registered;
	IUnknown *major_target;
	const PCAUTOMATION_TABLE *filter_table;
	const PCAUTOMATION_TABLE *pin_table;
	PFNAMOD_NEWSTREAM new_stream;
	void *new_stream_context;
};

/* The COM object behind amod_device_get_port(): a PortCls port with IPortClsNotifications. */
struct port {
	IPortClsNotifications IPortClsNotifications_iface;
	atomic_uint refs;
	struct amod_adapter *adapter;
	_Atomic(struct amod_device *) device;   /* NULL once the device is removed */
	atomic_uint live_buffers;
};

/* adapter.c */
void adapter_hold(struct amod_adapter *adapter);
void adapter_release(struct amod_adapter *adapter);
static inline bool adapter_verifier_on(struct amod_adapter *a)
{
	return atomic_load_explicit(&a->verifier, memory_order_relaxed);
}
static inline void counter_inc(atomic_uint_fast64_t *c)
{
	atomic_fetch_add_explicit(c, 1, memory_order_relaxed);
}

/* notify.c */
struct port *port_new(struct amod_adapter *adapter, struct amod_device *device);
/* Detaches the port from its device: later calls fail; returns buffers it still holds. */
uint32_t port_detach(struct port *port);
bool port_is_port(IUnknown *unknown);
static inline struct port *port_from_unknown(IUnknown *unknown)
{
	return container_of((IPortClsNotifications *)unknown, struct port,
			    IPortClsNotifications_iface);
}
/*
 * The common send core, RT-safe: validates a payload for a device, stamps it and hands it to
 * every matching listener. Caller holds an rcu read section. Returns listeners reached or a
 * negative errno (and counts/logs the rejection).
 */
int port_dispatch(struct amod_device *device, const struct amod_guid *event_id,
		  const void *data, uint32_t size);

/* module.c */
int module_set_rebuild(struct amod_device *device);
void module_free(struct amod_module *module);
struct amod_module *module_find(struct amod_device *device, struct amod_stream *stream,
				const struct amod_guid *class_id, uint32_t instance_id);
void stream_close_locked(struct amod_stream *stream);

/* property.c */
int32_t property_dispatch_locked(struct amod_device *device, struct amod_stream *stream,
				 const void *in, uint32_t in_size, void *out,
				 uint32_t *value_size);

/* listener.c */
int listeners_init(struct amod_adapter *adapter, uint32_t max);
void listeners_free_all(struct amod_adapter *adapter);

#endif
