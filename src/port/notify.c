/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "port/port-internal.h"

static const IPortClsNotificationsVtbl port_vtbl;

static struct port *impl_from_IPortClsNotifications(IPortClsNotifications *iface)
{
	return container_of(iface, struct port, IPortClsNotifications_iface);
}

bool port_is_port(IUnknown *unknown)
{
	return unknown && ((IPortClsNotifications *)unknown)->lpVtbl == &port_vtbl;
}

static bool guid_is(const struct amod_guid *a, const GUID *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

static int reject(struct amod_device *device, int err, const char *why)
{
	counter_inc(&device->adapter->counters.rejected_sends);
	log_warning("amod: device '%s': notification rejected: %s", device->endpoint_id, why);
	return err;
}

static bool module_set_has(const struct module_set *set, const struct amod_guid *class_id,
			   uint32_t instance_id)
{
	for (uint32_t i = 0; set && i < set->count; i++)
		if (set->items[i].instance_id == instance_id &&
		    amod_guid_equal(&set->items[i].class_id, class_id))
			return true;
	return false;
}

int port_dispatch(struct amod_device *device, const struct amod_guid *event_id, const void *data,
		  uint32_t size)
{
	struct amod_adapter *a = device->adapter;
	struct amod_notification n = {
		.event_id = *event_id,
		.device_id = device->notification_id,
		.device = device,
		.data = data,
		.size = size,
	};
	struct listener_set *listeners;
	struct timespec ts;
	int delivered = 0;

	if (guid_is(event_id, &KSNOTIFICATIONID_AudioModule)) {
		KSAUDIOMODULE_NOTIFICATION h;

		if (size < sizeof(h))
			return reject(device, -EINVAL,
				      "KSNOTIFICATIONID_AudioModule payload shorter than the "
				      "40-byte KSAUDIOMODULE_NOTIFICATION header");
		/* The buffer is only 4-byte aligned on Windows: copy, never cast. */
		memcpy(&h, data, sizeof(h));
		if (amod_guid_is_null(&device->notification_id))
			return reject(device, -ENOENT, "the device has no notification device id");
		if (memcmp(&h.ProviderId.DeviceId, &device->notification_id, sizeof(GUID)) != 0)
			return reject(device, -ENOENT,
				      "header DeviceId is not the device's NOTIFICATION_DEVICE_ID");
		memcpy(&n.class_id, &h.ProviderId.ClassId, sizeof(n.class_id));
		n.instance_id = h.ProviderId.InstanceId;
		if (!module_set_has(atomic_load(&device->module_set), &n.class_id, n.instance_id))
			return reject(device, -ENOENT,
				      "header ClassId/InstanceId name no module of this device");
	}

	while (atomic_flag_test_and_set_explicit(&device->send_lock, memory_order_acquire))
		cpu_relax();
	n.sequence = ++device->sequence;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	n.timestamp_ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;

	listeners = atomic_load(&a->listeners);
	for (uint32_t i = 0; i < listeners->count; i++) {
		struct amod_listener *l = listeners->items[i];

		if (!amod_filter_match(&l->filter, &n))
			continue;
		l->func(&n, l->userdata);
		delivered++;
	}
	atomic_flag_clear_explicit(&device->send_lock, memory_order_release);
	return delivered;
}

/* Alloc/Free/Send through the port. Everything here is RT-safe on the success path. */

static NTSTATUS port_QueryInterface(IPortClsNotifications *iface, REFIID riid, PVOID *ppv)
{
	if (!ppv)
		return STATUS_INVALID_PARAMETER;
	*ppv = NULL;
	if (!riid)
		return STATUS_INVALID_PARAMETER;
	if (IsEqualGUID(riid, &IID_IUnknown) || IsEqualGUID(riid, &IID_IPortClsNotifications)) {
		IPortClsNotifications_AddRef(iface);
		*ppv = iface;
		return STATUS_SUCCESS;
	}
	return STATUS_NOINTERFACE;
}

static ULONG port_AddRef(IPortClsNotifications *iface)
{
	struct port *port = impl_from_IPortClsNotifications(iface);

	return atomic_fetch_add(&port->refs, 1) + 1;
}

static void forget_owner(struct pool_slot *slot, void *ud)
{
	if (slot->owner == ud)
		slot->owner = NULL;
}

static ULONG port_Release(IPortClsNotifications *iface)
{
	struct port *port = impl_from_IPortClsNotifications(iface);
	struct amod_adapter *a = port->adapter;
	ULONG refs = atomic_fetch_sub(&port->refs, 1) - 1;

	if (refs)
		return refs;
	/* Leaked buffers stay in the pool; they must not point at a freed port. */
	if (atomic_load(&port->live_buffers)) {
		pthread_mutex_lock(&a->lock);
		pool_for_each_live(&a->pool, forget_owner, port);
		pthread_mutex_unlock(&a->lock);
	}
	free(port);
	adapter_release(a);
	return 0;
}

static bool pool_type_valid(POOL_TYPE type)
{
	return type == NonPagedPool || type == NonPagedPoolNx || type == PagedPool;
}

static NTSTATUS port_AllocNotificationBuffer(IPortClsNotifications *iface, POOL_TYPE PoolType,
					     USHORT NumberOfBytes,
					     PPCNOTIFICATION_BUFFER *NotificationBuffer)
{
	struct port *port = impl_from_IPortClsNotifications(iface);
	struct amod_adapter *a = port->adapter;
	void *p;

	if (NotificationBuffer)
		*NotificationBuffer = NULL;
	if (!NotificationBuffer || NumberOfBytes == 0 || !pool_type_valid(PoolType)) {
		counter_inc(&a->counters.alloc_failures);
		return STATUS_INVALID_PARAMETER;
	}
	if (!atomic_load_explicit(&port->device, memory_order_acquire)) {
		counter_inc(&a->counters.alloc_failures);
		return STATUS_INVALID_DEVICE_STATE;
	}
	p = pool_alloc(&a->pool, NumberOfBytes, (uint32_t)PoolType, port);
	if (!p) {
		counter_inc(&a->counters.alloc_failures);
		return STATUS_INSUFFICIENT_RESOURCES;
	}
	atomic_fetch_add_explicit(&port->live_buffers, 1, memory_order_relaxed);
	*NotificationBuffer = p;
	return STATUS_SUCCESS;
}

static void check_guard(struct amod_adapter *a, struct pool_slot *slot, const char *when)
{
	if (!adapter_verifier_on(a) || pool_guard_intact(slot))
		return;
	counter_inc(&a->counters.overruns);
	log_error("amod verifier: write past the %u bytes of notification buffer %p (seen at %s)",
		  slot->size, pool_slot_payload(slot), when);
	/* Restore the guard so one overrun is reported once. */
	memset((unsigned char *)pool_slot_payload(slot) + slot->size, POOL_GUARD_BYTE,
	       POOL_GUARD_SIZE);
}

static void port_FreeNotificationBuffer(IPortClsNotifications *iface,
					PPCNOTIFICATION_BUFFER NotificationBuffer)
{
	struct port *port = impl_from_IPortClsNotifications(iface);
	struct amod_adapter *a = port->adapter;
	struct pool_slot *slot;
	unsigned live = POOL_SLOT_LIVE;

	if (!NotificationBuffer)
		return;
	slot = pool_find(&a->pool, NotificationBuffer);
	if (!slot) {
		counter_inc(&a->counters.invalid_frees);
		log_error("amod verifier: FreeNotificationBuffer(%p): not a notification buffer",
			  (void *)NotificationBuffer);
		return;
	}
	if (!atomic_compare_exchange_strong_explicit(&slot->state, &live, POOL_SLOT_FREE,
						     memory_order_acq_rel, memory_order_acquire)) {
		counter_inc(&a->counters.double_frees);
		log_error("amod verifier: FreeNotificationBuffer(%p): buffer already freed",
			  (void *)NotificationBuffer);
		return;
	}
	check_guard(a, slot, "FreeNotificationBuffer");
	if (slot->owner)
		atomic_fetch_sub_explicit(&slot->owner->live_buffers, 1, memory_order_relaxed);
	pool_release(&a->pool, slot);
}

/* Validates a buffer handed to Send; returns its slot or NULL (already counted and logged). */
static struct pool_slot *send_buffer(struct amod_device *device, const void *buffer)
{
	struct amod_adapter *a = device->adapter;
	struct pool_slot *slot = pool_find(&a->pool, buffer);

	if (!slot || atomic_load_explicit(&slot->state, memory_order_acquire) != POOL_SLOT_LIVE) {
		reject(device, 0, "the buffer is not a live notification buffer");
		return NULL;
	}
	check_guard(a, slot, "SendNotification");
	return slot;
}

static int port_send(struct port *port, const GUID *NotificationId, const void *buffer)
{
	struct amod_adapter *a = port->adapter;
	struct amod_device *device;
	struct pool_slot *slot;
	unsigned e = port_rcu_read_lock(&a->rcu);
	int r;

	device = atomic_load_explicit(&port->device, memory_order_acquire);
	if (!device) {
		counter_inc(&a->counters.rejected_sends);
		log_warning("amod: notification rejected: the port's device was removed");
		r = -ENODEV;
	} else if (!NotificationId || !buffer) {
		r = reject(device, -EINVAL, "NULL notification id or buffer");
	} else if (!(slot = send_buffer(device, buffer))) {
		r = -EINVAL;
	} else {
		struct amod_guid id;

		memcpy(&id, NotificationId, sizeof(id));
		r = port_dispatch(device, &id, buffer, slot->size);
	}
	port_rcu_read_unlock(&a->rcu, e);
	return r;
}

static void port_SendNotification(IPortClsNotifications *iface, const GUID *NotificationId,
				  PPCNOTIFICATION_BUFFER NotificationBuffer)
{
	/* void, as on Windows: the outcome is counted and logged, and AmodSendNotificationEx
	 * returns it. */
	port_send(impl_from_IPortClsNotifications(iface), NotificationId, NotificationBuffer);
}

static const IPortClsNotificationsVtbl port_vtbl = {
	.QueryInterface = port_QueryInterface,
	.AddRef = port_AddRef,
	.Release = port_Release,
	.AllocNotificationBuffer = port_AllocNotificationBuffer,
	.FreeNotificationBuffer = port_FreeNotificationBuffer,
	.SendNotification = port_SendNotification,
};

struct port *port_new(struct amod_adapter *adapter, struct amod_device *device)
{
	struct port *port = calloc(1, sizeof(*port));

	if (!port)
		return NULL;
	port->IPortClsNotifications_iface.lpVtbl = &port_vtbl;
	atomic_init(&port->refs, 1);
	port->adapter = adapter;
	atomic_init(&port->device, device);
	adapter_hold(adapter);
	return port;
}

uint32_t port_detach(struct port *port)
{
	atomic_store_explicit(&port->device, NULL, memory_order_release);
	return atomic_load(&port->live_buffers);
}

EXTERN_C AMOD_API NTSTATUS AmodSendNotificationEx(PPORTCLSNOTIFICATIONS Notifications,
						  const GUID *NotificationId,
						  PPCNOTIFICATION_BUFFER NotificationBuffer,
						  PULONG Delivered)
{
	int r;

	if (Delivered)
		*Delivered = 0;
	if (!port_is_port((IUnknown *)Notifications))
		return STATUS_INVALID_PARAMETER;
	r = port_send(impl_from_IPortClsNotifications(Notifications), NotificationId,
		      NotificationBuffer);
	if (r == -ENODEV)
		return STATUS_INVALID_DEVICE_STATE;
	if (r == -ENOENT)
		return STATUS_NOT_FOUND;
	if (r < 0)
		return STATUS_INVALID_PARAMETER;
	if (Delivered)
		*Delivered = (ULONG)r;
	return STATUS_SUCCESS;
}

EXTERN_C AMOD_API NTSTATUS AmodPortRegisterMiniport(PUNKNOWN Port,
						    const AMOD_MINIPORT_REGISTRATION *Registration)
{
	struct amod_device *device;
	struct amod_adapter *a;
	struct port *port;
	NTSTATUS status = STATUS_SUCCESS;

	if (!port_is_port(Port) || !Registration ||
	    Registration->Size < sizeof(AMOD_MINIPORT_REGISTRATION))
		return STATUS_INVALID_PARAMETER;
	port = port_from_unknown(Port);
	a = port->adapter;
	/* The adapter lock keeps the device from going away while its own lock is taken. */
	pthread_mutex_lock(&a->lock);
	device = atomic_load(&port->device);
	if (!device) {
		pthread_mutex_unlock(&a->lock);
		return STATUS_INVALID_DEVICE_STATE;
	}
	pthread_mutex_lock(&device->lock);
	pthread_mutex_unlock(&a->lock);
	if (device->raw_registered || (Registration->FilterAutomationTable && device->n_modules)) {
		status = STATUS_INVALID_DEVICE_STATE;
		goto out;
	}
	device->raw_registered = true;
	device->major_target = Registration->MajorTarget;
	device->filter_table = Registration->FilterAutomationTable;
	device->pin_table = Registration->PinAutomationTable;
	device->new_stream = Registration->NewStream;
	device->new_stream_context = Registration->Context;
	if (device->major_target)
		IUnknown_AddRef(device->major_target);
	if (module_set_rebuild(device) < 0)
		status = STATUS_INSUFFICIENT_RESOURCES;
out:
	pthread_mutex_unlock(&device->lock);
	return status;
}

AMOD_API int amod_device_send(struct amod_device *device, const struct amod_guid *event_id,
			      const void *payload, size_t size)
{
	struct amod_adapter *a;
	unsigned e;
	int r;

	if (!device || !event_id || (!payload && size))
		return -EINVAL;
	if (size > AMOD_NOTIFICATION_MAX_SIZE)
		return -EMSGSIZE;
	a = device->adapter;
	e = port_rcu_read_lock(&a->rcu);
	if (!atomic_load_explicit(&device->port->device, memory_order_acquire))
		r = -ENODEV;
	else
		r = port_dispatch(device, event_id, payload, (uint32_t)size);
	port_rcu_read_unlock(&a->rcu, e);
	return r;
}

AMOD_API int amod_module_notify(struct amod_module *module, const void *payload, size_t size)
{
	struct amod_device *device;
	struct amod_adapter *a;
	KSAUDIOMODULE_NOTIFICATION h = { 0 };
	struct amod_guid event;
	unsigned char *buf;
	struct pool_slot *slot;
	unsigned live = POOL_SLOT_LIVE;
	int r;

	if (!module || (!payload && size))
		return -EINVAL;
	if (size > AMOD_NOTIFICATION_MAX_SIZE - sizeof(h))
		return -EMSGSIZE;
	device = module->device;
	a = device->adapter;
	if (amod_guid_is_null(&device->notification_id))
		return -ENODEV;
	memcpy(&h.ProviderId.DeviceId, &device->notification_id, sizeof(GUID));
	memcpy(&h.ProviderId.ClassId, &module->class_id, sizeof(GUID));
	h.ProviderId.InstanceId = module->instance_id;

	/* A pool buffer, not the stack: payloads go up to 64 KiB and RT threads' stacks are small. */
	buf = pool_alloc(&a->pool, (uint32_t)(sizeof(h) + size), NonPagedPoolNx, NULL);
	if (!buf) {
		counter_inc(&a->counters.alloc_failures);
		return -ENOBUFS;
	}
	memcpy(buf, &h, sizeof(h));
	if (size)
		memcpy(buf + sizeof(h), payload, size);
	memcpy(&event, &KSNOTIFICATIONID_AudioModule, sizeof(event));
	r = amod_device_send(device, &event, buf, sizeof(h) + size);

	slot = pool_find(&a->pool, buf);
	atomic_compare_exchange_strong(&slot->state, &live, POOL_SLOT_FREE);
	pool_release(&a->pool, slot);
	return r;
}
