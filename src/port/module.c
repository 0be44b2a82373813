/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "port/port-internal.h"

static struct amod_module *module_alloc(struct amod_device *device, const struct amod_module *from,
					size_t context_size)
{
	struct amod_module *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	if (from)
		*m = *from;
	m->device = device;
	m->context_size = context_size;
	m->context = calloc(1, context_size ? context_size : 1);
	if (!m->context) {
		free(m);
		return NULL;
	}
	return m;
}

/* Frees a module that was never set up: no cleanup callback. */
static void module_discard(struct amod_module *module)
{
	free(module->context);
	free(module);
}

void module_free(struct amod_module *module)
{
	if (!module)
		return;
	if (module->ops->cleanup)
		module->ops->cleanup(module, module->context);
	module_discard(module);
}

AMOD_API int amod_device_add_module(struct amod_device *device, const struct amod_module_info *info,
				    const struct amod_module_ops *ops, void *userdata,
				    struct amod_module **ret_module)
{
	struct amod_module *m, **modules;
	int r;

	if (!device || !info || !ops || !ret_module || ops->version != AMOD_MODULE_OPS_VERSION ||
	    !ops->command || !info->name)
		return -EINVAL;
	m = module_alloc(device, NULL, info->context_size);
	if (!m)
		return -ENOMEM;
	r = amod_utf8_to_utf16(info->name, m->name, ELEMENTSOF(m->name));
	if (r <= 0) {
		module_discard(m);
		return -EINVAL;
	}
	m->class_id = info->class_id;
	m->instance_id = info->instance_id;
	m->version_major = info->version_major;
	m->version_minor = info->version_minor;
	m->processing_mode = info->processing_mode;
	m->ops = ops;
	m->userdata = userdata;

	pthread_mutex_lock(&device->lock);
	if (device->removed)
		r = -ENODEV;
	else if (device->raw_registered && device->filter_table)
		r = -EBUSY;
	else if (module_find(device, NULL, &info->class_id, info->instance_id))
		r = -EEXIST;
	else if (!(modules = realloc(device->modules, (device->n_modules + 1) * sizeof(*modules))))
		r = -ENOMEM;
	else {
		device->modules = modules;
		device->modules[device->n_modules++] = m;
		r = module_set_rebuild(device);
		if (r < 0)
			device->n_modules--;
	}
	pthread_mutex_unlock(&device->lock);
	if (r < 0) {
		module_discard(m);
		return r;
	}
	*ret_module = m;
	return 0;
}

AMOD_API void amod_module_get_class_id(const struct amod_module *module, struct amod_guid *ret_id)
{
	if (module && ret_id)
		*ret_id = module->class_id;
}

AMOD_API uint32_t amod_module_get_instance_id(const struct amod_module *module)
{
	return module ? module->instance_id : 0;
}

AMOD_API void *amod_module_get_context(struct amod_module *module)
{
	return module ? module->context : NULL;
}

AMOD_API void *amod_module_get_userdata(struct amod_module *module)
{
	return module ? module->userdata : NULL;
}

AMOD_API struct amod_device *amod_module_get_device(struct amod_module *module)
{
	return module ? module->device : NULL;
}

AMOD_API struct amod_stream *amod_module_get_stream(struct amod_module *module)
{
	return module ? module->stream : NULL;
}

struct amod_module *module_find(struct amod_device *device, struct amod_stream *stream,
				const struct amod_guid *class_id, uint32_t instance_id)
{
	struct amod_module **list = stream ? stream->modules : device->modules;
	uint32_t n = stream ? stream->n_modules : device->n_modules;

	for (uint32_t i = 0; i < n; i++)
		if (list[i]->instance_id == instance_id && amod_guid_equal(&list[i]->class_id, class_id))
			return list[i];
	return NULL;
}

/* Adds the modules a raw miniport reports for DESCRIPTORS on the filter or a pin. */
static int raw_collect(struct amod_device *device, struct amod_stream *stream,
		       struct module_key **keys, uint32_t *n)
{
	KSPROPERTY req = { .Set = KSPROPSETID_AudioModule,
			   .Id = KSPROPERTY_AUDIOMODULE_DESCRIPTORS,
			   .Flags = KSPROPERTY_TYPE_GET };
	uint32_t size = 0;
	unsigned char *buf;
	KSMULTIPLE_ITEM hdr;
	int32_t status;
	int r = 0;

	status = property_dispatch_locked(device, stream, &req, sizeof(req), NULL, &size);
	if (status != STATUS_BUFFER_OVERFLOW || size < sizeof(KSMULTIPLE_ITEM))
		return 0; /* no module list on this handle */
	buf = malloc(size);
	if (!buf)
		return -ENOMEM;
	status = property_dispatch_locked(device, stream, &req, sizeof(req), buf, &size);
	memcpy(&hdr, buf, sizeof(hdr));
	if (!NT_SUCCESS(status) || size < sizeof(hdr) || hdr.Count > (size - sizeof(hdr)) /
			sizeof(KSAUDIOMODULE_DESCRIPTOR)) {
		log_warning("amod: device '%s': the miniport's DESCRIPTORS reply is malformed; "
			    "its modules cannot be checked", device->endpoint_id);
		goto out;
	}
	for (uint32_t i = 0; i < hdr.Count; i++) {
		KSAUDIOMODULE_DESCRIPTOR d;
		struct module_key *k;

		memcpy(&d, buf + sizeof(hdr) + i * sizeof(d), sizeof(d));
		k = realloc(*keys, (*n + 1) * sizeof(**keys));
		if (!k) {
			r = -ENOMEM;
			goto out;
		}
		*keys = k;
		memcpy(&k[*n].class_id, &d.ClassId, sizeof(k[*n].class_id));
		k[*n].instance_id = d.InstanceId;
		(*n)++;
	}
out:
	free(buf);
	return r;
}

static int native_collect(struct amod_module **list, uint32_t count, struct module_key **keys,
			  uint32_t *n)
{
	struct module_key *k;

	if (!count)
		return 0;
	k = realloc(*keys, (*n + count) * sizeof(**keys));
	if (!k)
		return -ENOMEM;
	*keys = k;
	for (uint32_t i = 0; i < count; i++)
		k[(*n)++] = (struct module_key){ list[i]->class_id, list[i]->instance_id };
	return 0;
}

/*
 * Rebuilds the set of (class, instance) the device's port accepts notifications for: its
 * templates and every open stream's instances. Raw miniports are asked through their own
 * DESCRIPTORS handler, so the check matches exactly what an app can discover.
 */
int module_set_rebuild(struct amod_device *device)
{
	struct module_key *keys = NULL;
	struct module_set *set, *old;
	uint32_t n = 0;
	int r;

	if (device->raw_registered)
		r = raw_collect(device, NULL, &keys, &n);
	else
		r = native_collect(device->modules, device->n_modules, &keys, &n);
	for (uint32_t i = 0; r >= 0 && i < device->n_streams; i++) {
		struct amod_stream *s = device->streams[i];

		if (s->minor_target)
			r = raw_collect(device, s, &keys, &n);
		else
			r = native_collect(s->modules, s->n_modules, &keys, &n);
	}
	if (r < 0) {
		free(keys);
		return r;
	}
	set = malloc(sizeof(*set) + n * sizeof(set->items[0]));
	if (!set) {
		free(keys);
		return -ENOMEM;
	}
	set->count = n;
	if (n)
		memcpy(set->items, keys, n * sizeof(keys[0]));
	free(keys);
	old = atomic_exchange(&device->module_set, set);
	if (old) {
		port_rcu_synchronize(&device->adapter->rcu);
		free(old);
	}
	return 0;
}

static bool instance_id_live(struct amod_device *device, const struct amod_guid *class_id,
			     uint32_t id)
{
	for (uint32_t i = 0; i < device->n_streams; i++)
		if (module_find(device, device->streams[i], class_id, id))
			return true;
	return false;
}

/* SYSVAD's scheme: the template's configuration byte, then a 24-bit per-template counter. */
static int next_instance_id(struct amod_module *template_module, uint32_t *ret_id)
{
	for (uint32_t tries = 0; tries < 0x1000000u; tries++) {
		uint32_t counter = (template_module->next_instance + 1) & 0xFFFFFFu;
		uint32_t id;

		template_module->next_instance = counter;
		if (counter == 0)
			continue; /* 0 is the template's own */
		id = (template_module->instance_id & 0xFF000000u) | counter;
		if (!instance_id_live(template_module->device, &template_module->class_id, id)) {
			*ret_id = id;
			return 0;
		}
	}
	return -ENOSPC;
}

static bool mode_matches(const struct amod_guid *module_mode, const struct amod_guid *mode)
{
	return amod_guid_is_null(module_mode) || amod_guid_equal(module_mode, mode);
}

static int native_instantiate(struct amod_stream *s)
{
	struct amod_device *d = s->device;

	s->modules = calloc(d->n_modules ? d->n_modules : 1, sizeof(*s->modules));
	if (!s->modules)
		return -ENOMEM;
	for (uint32_t i = 0; i < d->n_modules; i++) {
		struct amod_module *t = d->modules[i], *m;
		uint32_t id;
		int r;

		if (!mode_matches(&t->processing_mode, &s->processing_mode))
			continue;
		r = next_instance_id(t, &id);
		if (r < 0)
			return r;
		m = module_alloc(d, t, t->context_size);
		if (!m)
			return -ENOMEM;
		m->stream = s;
		m->template_module = t;
		m->instance_id = id;
		m->next_instance = 0;
		if (t->ops->init_instance)
			r = t->ops->init_instance(m, m->context, t->context);
		else
			memcpy(m->context, t->context, t->context_size);
		if (r < 0) {
			module_discard(m);
			return r;
		}
		s->modules[s->n_modules++] = m;
	}
	return 0;
}

AMOD_API int amod_device_open_stream(struct amod_device *device,
				     const struct amod_guid *processing_mode,
				     struct amod_stream **ret_stream)
{
	struct amod_stream *s, **streams;
	int r;

	if (!device || !ret_stream)
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->device = device;
	if (processing_mode)
		s->processing_mode = *processing_mode;
	if (amod_guid_is_null(&s->processing_mode))
		memcpy(&s->processing_mode, &AUDIO_SIGNALPROCESSINGMODE_DEFAULT,
		       sizeof(s->processing_mode));

	pthread_mutex_lock(&device->lock);
	if (device->removed) {
		r = -ENODEV;
		goto fail;
	}
	streams = realloc(device->streams, (device->n_streams + 1) * sizeof(*streams));
	if (!streams) {
		r = -ENOMEM;
		goto fail;
	}
	device->streams = streams;
	if (device->raw_registered) {
		GUID mode;
		NTSTATUS status = STATUS_SUCCESS;

		memcpy(&mode, &s->processing_mode, sizeof(mode));
		if (device->new_stream)
			status = device->new_stream(device->new_stream_context, &mode,
						    &s->minor_target);
		if (!NT_SUCCESS(status) || (device->new_stream && !s->minor_target)) {
			r = NT_SUCCESS(status) ? -EPROTO : amod_status_to_errno(status);
			goto fail;
		}
	} else {
		r = native_instantiate(s);
		if (r < 0)
			goto fail;
	}
	device->streams[device->n_streams++] = s;
	r = module_set_rebuild(device);
	if (r < 0) {
		device->n_streams--;
		goto fail;
	}
	pthread_mutex_unlock(&device->lock);
	*ret_stream = s;
	return 0;

fail:
	for (uint32_t i = 0; i < s->n_modules; i++)
		module_free(s->modules[i]);
	if (s->minor_target)
		IUnknown_Release(s->minor_target);
	pthread_mutex_unlock(&device->lock);
	free(s->modules);
	free(s);
	return r;
}

void stream_close_locked(struct amod_stream *stream)
{
	struct amod_device *d = stream->device;

	for (uint32_t i = 0; i < d->n_streams; i++) {
		if (d->streams[i] != stream)
			continue;
		memmove(&d->streams[i], &d->streams[i + 1],
			(d->n_streams - i - 1) * sizeof(d->streams[0]));
		d->n_streams--;
		break;
	}
	/* Senders must stop accepting the instances before their contexts go away. */
	if (!d->removed && module_set_rebuild(d) < 0)
		log_error("amod: device '%s': out of memory updating its module set",
			  d->endpoint_id);
	for (uint32_t i = 0; i < stream->n_modules; i++)
		module_free(stream->modules[i]);
	if (stream->minor_target)
		IUnknown_Release(stream->minor_target);
	free(stream->modules);
	free(stream);
}

AMOD_API void amod_stream_close(struct amod_stream *stream)
{
	struct amod_device *d;

	if (!stream)
		return;
	d = stream->device;
	pthread_mutex_lock(&d->lock);
	stream_close_locked(stream);
	pthread_mutex_unlock(&d->lock);
}

AMOD_API struct amod_device *amod_stream_get_device(const struct amod_stream *stream)
{
	return stream ? stream->device : NULL;
}

AMOD_API struct amod_module *amod_stream_get_module(struct amod_stream *stream, uint32_t index)
{
	return stream && index < stream->n_modules ? stream->modules[index] : NULL;
}
