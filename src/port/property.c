/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "port/port-internal.h"

#define VERB_MASK (KSPROPERTY_TYPE_GET | KSPROPERTY_TYPE_SET | KSPROPERTY_TYPE_BASICSUPPORT)
#define MODULE_ACCESS (KSPROPERTY_TYPE_GET | KSPROPERTY_TYPE_BASICSUPPORT)

/*
 * KS size negotiation (spec §2.4): an empty buffer learns the size with STATUS_BUFFER_OVERFLOW,
 * a short one gets STATUS_BUFFER_TOO_SMALL with ValueSize left as it was.
 */
static NTSTATUS negotiate(uint32_t *value_size, uint32_t required)
{
	if (*value_size == 0) {
		*value_size = required;
		return STATUS_BUFFER_OVERFLOW;
	}
	if (*value_size < required)
		return STATUS_BUFFER_TOO_SMALL;
	*value_size = required;
	return STATUS_SUCCESS;
}

/* BASICSUPPORT of the three properties: GET|BASICSUPPORT, as SYSVAD answers (spec §3.8). */
static NTSTATUS basic_support(void *value, uint32_t *value_size)
{
	if (*value_size >= sizeof(KSPROPERTY_DESCRIPTION)) {
		KSPROPERTY_DESCRIPTION d = {
			.AccessFlags = MODULE_ACCESS,
			.DescriptionSize = sizeof(KSPROPERTY_DESCRIPTION),
		};

		memcpy(value, &d, sizeof(d));
		*value_size = sizeof(d);
		return STATUS_SUCCESS;
	}
	if (*value_size >= sizeof(ULONG)) {
		ULONG access = MODULE_ACCESS;

		memcpy(value, &access, sizeof(access));
		*value_size = sizeof(access);
		return STATUS_SUCCESS;
	}
	*value_size = 0;
	return STATUS_BUFFER_TOO_SMALL;
}

static NTSTATUS native_descriptors(struct amod_device *device, struct amod_stream *stream,
				   ULONG verb, void *value, uint32_t *value_size)
{
	struct amod_module **list = stream ? stream->modules : device->modules;
	uint32_t n = stream ? stream->n_modules : device->n_modules;
	KSMULTIPLE_ITEM hdr;
	uint32_t required;
	NTSTATUS status;

	if (verb & KSPROPERTY_TYPE_BASICSUPPORT)
		return basic_support(value, value_size);
	if (!(verb & KSPROPERTY_TYPE_GET)) {
		*value_size = 0;
		return STATUS_INVALID_DEVICE_REQUEST;
	}
	if (n > (UINT32_MAX - sizeof(hdr)) / sizeof(KSAUDIOMODULE_DESCRIPTOR))
		return STATUS_INTEGER_OVERFLOW;
	required = (uint32_t)(sizeof(hdr) + n * sizeof(KSAUDIOMODULE_DESCRIPTOR));
	status = negotiate(value_size, required);
	if (status != STATUS_SUCCESS)
		return status;
	hdr.Size = required;
	hdr.Count = n;
	memcpy(value, &hdr, sizeof(hdr));
	for (uint32_t i = 0; i < n; i++) {
		/* Zero-filled, so the name is clean after its NUL (SYSVAD leaves garbage). */
		KSAUDIOMODULE_DESCRIPTOR d = { 0 };

		memcpy(&d.ClassId, &list[i]->class_id, sizeof(GUID));
		d.InstanceId = list[i]->instance_id;
		d.VersionMajor = list[i]->version_major;
		d.VersionMinor = list[i]->version_minor;
		memcpy(d.Name, list[i]->name, sizeof(d.Name));
		memcpy((unsigned char *)value + sizeof(hdr) + i * sizeof(d), &d, sizeof(d));
	}
	return STATUS_SUCCESS;
}

static NTSTATUS native_device_id(struct amod_device *device, ULONG verb, void *value,
				 uint32_t *value_size)
{
	NTSTATUS status;

	if (amod_guid_is_null(&device->notification_id)) {
		*value_size = 0;
		return STATUS_INVALID_DEVICE_REQUEST;
	}
	if (verb & KSPROPERTY_TYPE_BASICSUPPORT)
		return basic_support(value, value_size);
	if (!(verb & KSPROPERTY_TYPE_GET)) {
		*value_size = 0;
		return STATUS_INVALID_DEVICE_REQUEST;
	}
	status = negotiate(value_size, sizeof(GUID));
	if (status == STATUS_SUCCESS)
		memcpy(value, &device->notification_id, sizeof(GUID));
	return status;
}

static NTSTATUS native_command(struct amod_device *device, struct amod_stream *stream,
			       ULONG verb, const unsigned char *in, uint32_t in_size, void *value,
			       uint32_t *value_size)
{
	uint32_t n = stream ? stream->n_modules : device->n_modules;
	KSAUDIOMODULE_PROPERTY p;
	struct amod_guid class_id;
	struct amod_module *m;
	uint32_t out_size;
	int32_t status;

	if (n == 0) {
		*value_size = 0;
		return STATUS_INVALID_DEVICE_REQUEST;
	}
	if (in_size < sizeof(KSAUDIOMODULE_PROPERTY))
		return STATUS_INVALID_PARAMETER;
	memcpy(&p, in, sizeof(p));
	memcpy(&class_id, &p.ClassId, sizeof(class_id));
	m = module_find(device, stream, &class_id, p.InstanceId);
	if (!m)
		return STATUS_INVALID_PARAMETER;
	if (verb & KSPROPERTY_TYPE_BASICSUPPORT)
		return basic_support(value, value_size);
	if (!(verb & KSPROPERTY_TYPE_GET)) {
		*value_size = 0;
		return STATUS_INVALID_DEVICE_REQUEST;
	}
	out_size = *value_size;
	status = m->ops->command(m, m->context,
				 in_size > sizeof(p) ? in + sizeof(p) : NULL,
				 in_size - (uint32_t)sizeof(p), out_size ? value : NULL, &out_size);
	if (NT_SUCCESS(status) && out_size > *value_size) {
		log_error("amod: module handler of device '%s' claims %u bytes in a %u-byte buffer",
			  device->endpoint_id, out_size, *value_size);
		*value_size = 0;
		return STATUS_INTERNAL_ERROR;
	}
	*value_size = out_size;
	return status;
}

static NTSTATUS native_dispatch(struct amod_device *device, struct amod_stream *stream,
				const KSPROPERTY *prop, const unsigned char *in, uint32_t in_size,
				void *value, uint32_t *value_size)
{
	if (!IsEqualGUID(&prop->Set, &KSPROPSETID_AudioModule))
		return STATUS_NOT_FOUND;
	switch (prop->Id) {
	case KSPROPERTY_AUDIOMODULE_DESCRIPTORS:
		return native_descriptors(device, stream, prop->Flags, value, value_size);
	case KSPROPERTY_AUDIOMODULE_COMMAND:
		return native_command(device, stream, prop->Flags, in, in_size, value, value_size);
	case KSPROPERTY_AUDIOMODULE_NOTIFICATION_DEVICE_ID:
		return native_device_id(device, prop->Flags, value, value_size);
	default:
		return STATUS_NOT_FOUND;
	}
}

static const PCPROPERTY_ITEM *table_find(const PCAUTOMATION_TABLE *table, const KSPROPERTY *prop)
{
	if (!table || !table->Properties || table->PropertyItemSize < sizeof(PCPROPERTY_ITEM))
		return NULL;
	for (ULONG i = 0; i < table->PropertyCount; i++) {
		const PCPROPERTY_ITEM *item = (const PCPROPERTY_ITEM *)((const unsigned char *)
			table->Properties + (size_t)i * table->PropertyItemSize);

		if (item->Set && item->Id == prop->Id && IsEqualGUID(item->Set, &prop->Set))
			return item;
	}
	return NULL;
}

static NTSTATUS raw_dispatch(struct amod_device *device, struct amod_stream *stream,
			     const PCPROPERTY_ITEM *item, const KSPROPERTY *prop,
			     unsigned char *in, uint32_t in_size, void *value,
			     uint32_t *value_size)
{
	PCPROPERTY_REQUEST req = {
		.MajorTarget = device->major_target,
		.MinorTarget = stream ? stream->minor_target : NULL,
		.Node = (ULONG)-1,
		.PropertyItem = item,
		.Verb = prop->Flags,
		.InstanceSize = in_size - (ULONG)sizeof(KSPROPERTY),
		.Instance = in_size > sizeof(KSPROPERTY) ? in + sizeof(KSPROPERTY) : NULL,
		.ValueSize = *value_size,
		.Value = *value_size ? value : NULL,
	};
	NTSTATUS status;

	if (!item->Handler || !(item->Flags & prop->Flags & VERB_MASK)) {
		*value_size = 0;
		return STATUS_INVALID_DEVICE_REQUEST;
	}
	status = item->Handler(&req);
	if (NT_SUCCESS(status) && req.ValueSize > *value_size) {
		log_error("amod: property handler of device '%s' claims %u bytes in a %u-byte buffer",
			  device->endpoint_id, req.ValueSize, *value_size);
		*value_size = 0;
		return STATUS_INTERNAL_ERROR;
	}
	*value_size = req.ValueSize;
	return status;
}

int32_t property_dispatch_locked(struct amod_device *device, struct amod_stream *stream,
				 const void *in, uint32_t in_size, void *out, uint32_t *value_size)
{
	const PCPROPERTY_ITEM *item = NULL;
	unsigned char *in_copy = NULL, *value = NULL;
	uint32_t size = *value_size;
	KSPROPERTY prop;
	NTSTATUS status;

	/*
	 * Handlers get private, 16-byte aligned copies, as KS hands drivers a system buffer:
	 * caller buffers may be unaligned, and a handler that writes past ValueSize hits our
	 * buffer (and the sanitizers), not the caller's.
	 */
	if (size > AMOD_PROPERTY_MAX_VALUE_SIZE)
		size = AMOD_PROPERTY_MAX_VALUE_SIZE;
	in_copy = malloc(in_size);
	value = calloc(1, size ? size : 1);
	if (!in_copy || !value) {
		status = STATUS_INSUFFICIENT_RESOURCES;
		goto out;
	}
	memcpy(in_copy, in, in_size);
	memcpy(&prop, in_copy, sizeof(prop));

	if (device->raw_registered)
		item = table_find(stream ? device->pin_table : device->filter_table, &prop);
	if (item)
		status = raw_dispatch(device, stream, item, &prop, in_copy, in_size, value, &size);
	else if (device->raw_registered && device->filter_table &&
		 IsEqualGUID(&prop.Set, &KSPROPSETID_AudioModule))
		status = STATUS_NOT_FOUND; /* the miniport owns the set but not this item */
	else
		status = native_dispatch(device, stream, &prop, in_copy, in_size, value, &size);

	if (NT_SUCCESS(status) && size)
		memcpy(out, value, size);
	*value_size = size;
out:
	free(in_copy);
	free(value);
	return status;
}
