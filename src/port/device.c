/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "port/port-internal.h"

static int check_name(const char *name)
{
	uint16_t units[AUDIOMODULE_MAX_NAME_CCH_SIZE];

	if (!name || !*name)
		return -EINVAL;
	/* The name must fit a KSAUDIOMODULE_DESCRIPTOR-sized UTF-16 field, NUL included. */
	return amod_utf8_to_utf16(name, units, ELEMENTSOF(units)) < 0 ? -EINVAL : 0;
}

AMOD_API int amod_adapter_add_device(struct amod_adapter *adapter,
				     const struct amod_device_info *info,
				     struct amod_device **ret_device)
{
	struct amod_device *d = NULL, **devices;
	int r = -ENOMEM;

	if (!adapter || !info || !ret_device || !info->endpoint_id || !*info->endpoint_id ||
	    check_name(info->name) < 0)
		return -EINVAL;

	pthread_mutex_lock(&adapter->lock);
	for (uint32_t i = 0; i < adapter->n_devices; i++) {
		struct amod_device *o = adapter->devices[i];

		if (strcmp(o->endpoint_id, info->endpoint_id) == 0 ||
		    (!amod_guid_is_null(&info->notification_id) &&
		     amod_guid_equal(&o->notification_id, &info->notification_id))) {
			r = -EEXIST;
			goto fail;
		}
	}
	d = calloc(1, sizeof(*d));
	if (!d)
		goto fail;
	d->adapter = adapter;
	pthread_mutex_init(&d->lock, NULL);
	d->endpoint_id = strdup(info->endpoint_id);
	d->name = strdup(info->name);
	d->notification_id = info->notification_id;
	atomic_flag_clear(&d->send_lock);
	if (!d->endpoint_id || !d->name)
		goto fail;
	d->port = port_new(adapter, d);
	if (!d->port)
		goto fail;
	devices = realloc(adapter->devices, (adapter->n_devices + 1) * sizeof(*devices));
	if (!devices)
		goto fail;
	adapter->devices = devices;
	r = module_set_rebuild(d);
	if (r < 0)
		goto fail;
	adapter->devices[adapter->n_devices++] = d;
	if (adapter->observer.device_added)
		adapter->observer.device_added(d, adapter->observer_userdata);
	pthread_mutex_unlock(&adapter->lock);
	*ret_device = d;
	return 0;

fail:
	pthread_mutex_unlock(&adapter->lock);
	if (d) {
		if (d->port) {
			port_detach(d->port);
			IPortClsNotifications_Release(&d->port->IPortClsNotifications_iface);
		}
		free(atomic_load(&d->module_set));
		free(d->endpoint_id);
		free(d->name);
		pthread_mutex_destroy(&d->lock);
		free(d);
	}
	return r;
}

AMOD_API void amod_device_remove(struct amod_device *device)
{
	struct amod_adapter *a;
	struct module_set *set;
	uint32_t leaked;

	if (!device)
		return;
	a = device->adapter;
	pthread_mutex_lock(&a->lock);
	if (a->observer.device_removing)
		a->observer.device_removing(device, a->observer_userdata);
	/* Waits for a property handler of this device still running on another thread. */
	pthread_mutex_lock(&device->lock);
	device->removed = true;
	while (device->n_streams)
		stream_close_locked(device->streams[device->n_streams - 1]);
	for (uint32_t i = device->n_modules; i-- > 0;)
		module_free(device->modules[i]);
	device->n_modules = 0;
	pthread_mutex_unlock(&device->lock);

	/* After this grace period no sender can still see the device or its module set. */
	leaked = port_detach(device->port);
	set = atomic_exchange(&device->module_set, NULL);
	port_rcu_synchronize(&a->rcu);
	free(set);
	if (leaked) {
		atomic_fetch_add(&a->counters.leaks, leaked);
		log_error("amod verifier: device '%s' removed with %u notification buffer(s) still "
			  "allocated through its port (FreeNotificationBuffer missing)",
			  device->endpoint_id, leaked);
	}
	if (device->raw_registered && device->major_target)
		IUnknown_Release(device->major_target);
	if (a->observer.device_removed)
		a->observer.device_removed(device, a->observer_userdata);

	for (uint32_t i = 0; i < a->n_devices; i++) {
		if (a->devices[i] != device)
			continue;
		memmove(&a->devices[i], &a->devices[i + 1],
			(a->n_devices - i - 1) * sizeof(a->devices[0]));
		a->n_devices--;
		break;
	}
	pthread_mutex_unlock(&a->lock);

	IPortClsNotifications_Release(&device->port->IPortClsNotifications_iface);
	free(device->modules);
	free(device->streams);
	free(device->endpoint_id);
	free(device->name);
	pthread_mutex_destroy(&device->lock);
	free(device);
}

AMOD_API struct amod_device *amod_adapter_get_device(struct amod_adapter *adapter, uint32_t index)
{
	struct amod_device *d = NULL;

	if (!adapter)
		return NULL;
	pthread_mutex_lock(&adapter->lock);
	if (index < adapter->n_devices)
		d = adapter->devices[index];
	pthread_mutex_unlock(&adapter->lock);
	return d;
}

AMOD_API struct amod_device *amod_adapter_find_device(struct amod_adapter *adapter,
						      const char *endpoint_id)
{
	struct amod_device *d = NULL;

	if (!adapter || !endpoint_id)
		return NULL;
	pthread_mutex_lock(&adapter->lock);
	for (uint32_t i = 0; i < adapter->n_devices && !d; i++)
		if (strcmp(adapter->devices[i]->endpoint_id, endpoint_id) == 0)
			d = adapter->devices[i];
	pthread_mutex_unlock(&adapter->lock);
	return d;
}

AMOD_API const char *amod_device_get_endpoint_id(const struct amod_device *device)
{
	return device ? device->endpoint_id : NULL;
}

AMOD_API const char *amod_device_get_name(const struct amod_device *device)
{
	return device ? device->name : NULL;
}

AMOD_API void amod_device_get_notification_id(const struct amod_device *device,
					      struct amod_guid *ret_id)
{
	if (device && ret_id)
		*ret_id = device->notification_id;
}

AMOD_API struct amod_adapter *amod_device_get_adapter(const struct amod_device *device)
{
	return device ? device->adapter : NULL;
}

AMOD_API void amod_device_set_userdata(struct amod_device *device, void *userdata)
{
	if (device)
		atomic_store(&device->userdata, userdata);
}

AMOD_API void *amod_device_get_userdata(const struct amod_device *device)
{
	return device ? atomic_load(&((struct amod_device *)device)->userdata) : NULL;
}

AMOD_API void *amod_device_get_port(struct amod_device *device)
{
	return device ? &device->port->IPortClsNotifications_iface : NULL;
}

AMOD_API int32_t amod_device_property(struct amod_device *device, struct amod_stream *stream,
				      const void *in, uint32_t in_size, void *out,
				      uint32_t *value_size)
{
	int32_t status;

	if (!device || !value_size || (!out && *value_size) || (stream && stream->device != device))
		return STATUS_INVALID_PARAMETER;
	if (!in || in_size < sizeof(KSPROPERTY))
		return STATUS_INVALID_BUFFER_SIZE;
	pthread_mutex_lock(&device->lock);
	if (device->removed)
		status = STATUS_INVALID_DEVICE_STATE;
	else
		status = property_dispatch_locked(device, stream, in, in_size, out, value_size);
	pthread_mutex_unlock(&device->lock);
	return status;
}
