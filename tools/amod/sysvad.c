/* SPDX-License-Identifier: MIT */
/*
 * SYSVAD's vendor command convention (spec §3.9): the COMMAND bytes are {ULONG Verb; ULONG
 * ParameterId} with Verb a KS verb bit, then the value for SET. BASICSUPPORT answers a
 * KSPROPERTY_DESCRIPTION, a KSPROPERTY_MEMBERSHEADER and the valid values. Here: the codec,
 * and the get / set / support verbs on top of it.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "amod.h"

/* Parameter ids are small table indexes; a module answering past this is not SYSVAD-like. */
#define MAX_PARAMS 256u

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t le_value(const uint8_t *p, uint32_t size)
{
	uint64_t v = 0;

	for (uint32_t i = 0; i < size && i < 8; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static bool numeric_size(uint32_t size)
{
	return size == 1 || size == 2 || size == 4 || size == 8;
}

void param_clear(struct param *p)
{
	free(p->values);
	memset(p, 0, sizeof(*p));
}

void params_free(struct param *p, size_t n)
{
	for (size_t i = 0; p && i < n; i++)
		param_clear(&p[i]);
	free(p);
}

const char *vt_name(uint32_t vt)
{
	static const struct {
		uint32_t vt;
		const char *name;
	} names[] = {
		{0, "VT_EMPTY"},   {2, "VT_I2"},     {3, "VT_I4"},    {4, "VT_R4"},
		{5, "VT_R8"},	   {8, "VT_BSTR"},   {11, "VT_BOOL"}, {16, "VT_I1"},
		{17, "VT_UI1"},	   {18, "VT_UI2"},   {19, "VT_UI4"},  {20, "VT_I8"},
		{21, "VT_UI8"},	   {22, "VT_INT"},   {23, "VT_UINT"}, {30, "VT_LPSTR"},
		{31, "VT_LPWSTR"}, {72, "VT_CLSID"}, {65, "VT_BLOB"},
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].vt == vt)
			return names[i].name;
	return NULL;
}

const char *access_string(uint32_t access, char buf[64])
{
	uint32_t other = access & ~(KS_TYPE_GET | KS_TYPE_SET | KS_TYPE_BASICSUPPORT);

	buf[0] = '\0';
	if (access & KS_TYPE_GET)
		strcat(buf, "GET ");
	if (access & KS_TYPE_SET)
		strcat(buf, "SET ");
	if (access & KS_TYPE_BASICSUPPORT)
		strcat(buf, "BASICSUPPORT ");
	if (other)
		snprintf(buf + strlen(buf), 64 - strlen(buf), "0x%X ", other);
	if (!buf[0])
		strcpy(buf, "none");
	else
		buf[strlen(buf) - 1] = '\0';
	return buf;
}

char *value_string(const void *data, uint32_t size, char *buf, size_t buf_size)
{
	const uint8_t *p = data;
	size_t off = 0;

	if (numeric_size(size)) {
		snprintf(buf, buf_size, "%" PRIu64, le_value(p, size));
		return buf;
	}
	buf[0] = '\0';
	for (uint32_t i = 0; i < size && off + 4 < buf_size; i++)
		off += (size_t)snprintf(buf + off, buf_size - off, i ? " %02X" : "%02X", p[i]);
	if (!size)
		snprintf(buf, buf_size, "(empty)");
	return buf;
}

struct json_object *json_value(const void *data, uint32_t size)
{
	_cleanup_free_ char *hex = NULL;

	if (numeric_size(size))
		return json_object_new_uint64(le_value(data, size));
	hex = hex_string(data, size);
	return hex ? json_object_new_string(hex) : NULL;
}

static struct json_object *json_access(uint32_t access)
{
	struct json_object *a = json_object_new_array();

	if (access & KS_TYPE_GET)
		json_object_array_add(a, json_object_new_string("GET"));
	if (access & KS_TYPE_SET)
		json_object_array_add(a, json_object_new_string("SET"));
	if (access & KS_TYPE_BASICSUPPORT)
		json_object_array_add(a, json_object_new_string("BASICSUPPORT"));
	return a;
}

static const char *members_name(uint32_t flags)
{
	switch (flags) {
	case KS_MEMBER_RANGES:
		return "RANGES";
	case KS_MEMBER_STEPPEDRANGES:
		return "STEPPEDRANGES";
	case KS_MEMBER_VALUES:
		return "VALUES";
	default:
		return NULL;
	}
}

struct json_object *json_param(const struct param *p)
{
	struct json_object *o = json_object_new_object();
	const char *vt = vt_name(p->vt);

	json_object_object_add(o, "id", json_object_new_int64(p->id));
	json_object_object_add(o, "access", json_access(p->access));
	json_object_object_add(o, "access_flags", json_object_new_int64(p->access));
	if (p->have_description) {
		json_object_object_add(o, "type", vt ? json_object_new_string(vt) : NULL);
		json_object_object_add(o, "vt", json_object_new_int64(p->vt));
		json_object_object_add(o, "description_size",
				       json_object_new_int64(p->description_size));
		json_object_object_add(o, "members_list_count",
				       json_object_new_int64(p->members_list_count));
	}
	if (p->have_members) {
		struct json_object *values = NULL;
		const char *name = members_name(p->members_flags);

		json_object_object_add(o, "members",
				       name ? json_object_new_string(name)
					    : json_object_new_int64(p->members_flags));
		json_object_object_add(o, "size", json_object_new_int64(p->members_size));
		json_object_object_add(o, "members_count", json_object_new_int64(p->members_count));
		json_object_object_add(o, "default",
				       json_object_new_boolean(p->flags & KS_MEMBER_FLAG_DEFAULT));
		/* No values listed: SYSVAD takes any value (but all 0xFF). null says "any". */
		if (p->members_count) {
			values = json_object_new_array();
			for (uint32_t i = 0; i < p->members_count; i++)
				json_object_array_add(
					values, json_value(p->values + (size_t)i * p->members_size,
							   p->members_size));
		}
		json_object_object_add(o, "valid_values", values);
	}
	if (p->have_value)
		json_object_object_add(o, "value", json_value(p->value, p->value_size));
	else if (p->get_status)
		json_object_object_add(o, "value_status", json_status(p->get_status));
	return o;
}

int sysvad_support(struct ctx *c, uint32_t device, const struct amod_guid *cls, uint32_t instance,
		   uint32_t param, struct param *ret, int32_t *ret_status)
{
	_cleanup_result_ struct amod_command_result res = {0};
	const uint8_t *d;
	uint8_t cmd[8];
	int r;

	memset(ret, 0, sizeof(*ret));
	ret->id = param;
	put_le32(cmd, KS_TYPE_BASICSUPPORT);
	put_le32(cmd + 4, param);
	r = module_command(c, device, cls, instance, cmd, sizeof(cmd), 4096, &res);
	if (r < 0)
		return r;
	*ret_status = res.status;
	if (res.status != AMOD_STATUS_SUCCESS)
		return 0;
	d = res.data;
	if (res.size >= 4)
		ret->access = le32(d);
	if (res.size >= KS_DESCRIPTION_SIZE) {
		struct amod_guid set;

		memcpy(&set, d + 8, sizeof(set));
		ret->have_description = true;
		ret->description_size = le32(d + 4);
		ret->vt = le32(d + 24);
		ret->members_list_count = le32(d + 32);
		/* Only KSPROPTYPESETID_General types are VT types. */
		if (!amod_guid_equal(&set, &ks_proptypesetid_general))
			ret->vt = UINT32_MAX;
	}
	if (res.size >= KS_DESCRIPTION_SIZE + KS_MEMBERSHEADER_SIZE && ret->members_list_count) {
		const uint8_t *m = d + KS_DESCRIPTION_SIZE;
		size_t room = res.size - KS_DESCRIPTION_SIZE - KS_MEMBERSHEADER_SIZE;

		ret->have_members = true;
		ret->members_flags = le32(m);
		ret->members_size = le32(m + 4);
		ret->members_count = le32(m + 8);
		ret->flags = le32(m + 12);
		/* Trust only what arrived. */
		if (!ret->members_size || ret->members_size > room)
			ret->members_count = 0;
		else if (ret->members_count > room / ret->members_size)
			ret->members_count = (uint32_t)(room / ret->members_size);
		if (ret->members_count) {
			size_t n = (size_t)ret->members_count * ret->members_size;

			ret->values = malloc(n);
			if (!ret->values)
				return -ENOMEM;
			memcpy(ret->values, m + KS_MEMBERSHEADER_SIZE, n);
		}
	}
	return 0;
}

int sysvad_get(struct ctx *c, uint32_t device, const struct amod_guid *cls, uint32_t instance,
	       uint32_t param, struct amod_command_result *res)
{
	uint8_t cmd[8];

	put_le32(cmd, KS_TYPE_GET);
	put_le32(cmd + 4, param);
	return module_command(c, device, cls, instance, cmd, sizeof(cmd), 4096, res);
}

int sysvad_probe(struct ctx *c, uint32_t device, const struct amod_guid *cls, uint32_t instance,
		 struct param **ret, size_t *ret_count, bool *ret_conforms)
{
	struct param *params = NULL;
	size_t n = 0;
	int r = 0;

	*ret_conforms = false;
	for (uint32_t id = 0; id < MAX_PARAMS; id++) {
		_cleanup_result_ struct amod_command_result res = {0};
		struct param p, *grown;
		int32_t status = 0;

		r = sysvad_support(c, device, cls, instance, id, &p, &status);
		if (r < 0)
			break;
		/* The end of the table, or (parameter 0) a module with another protocol. */
		if (status != AMOD_STATUS_SUCCESS ||
		    (id == 0 && (!p.have_description || p.vt == UINT32_MAX))) {
			param_clear(&p);
			break;
		}
		*ret_conforms = true;
		if (p.access & KS_TYPE_GET) {
			r = sysvad_get(c, device, cls, instance, id, &res);
			if (r < 0) {
				param_clear(&p);
				break;
			}
			p.get_status = res.status;
			if (res.status == AMOD_STATUS_SUCCESS && res.size <= sizeof(p.value)) {
				memcpy(p.value, res.data, res.size);
				p.value_size = res.size;
				p.have_value = true;
			}
		}
		grown = realloc(params, (n + 1) * sizeof(*params));
		if (!grown) {
			param_clear(&p);
			r = -ENOMEM;
			break;
		}
		params = grown;
		params[n++] = p;
	}
	if (r < 0) {
		params_free(params, n);
		*ret_conforms = false;
		return r;
	}
	*ret = params;
	*ret_count = n;
	return 0;
}

/* CLASS INSTANCE PARAM from the arguments, and the module's device. */
static int param_target(struct ctx *c, struct amod_client_device *dev, struct amod_guid *cls,
			uint32_t *instance, uint32_t *param)
{
	struct amod_client_module mod;
	int r;

	if (parse_class(c->args[0], cls) < 0)
		return fail(EXIT_USAGE,
			    "invalid class id '%s' (a GUID expected, e.g. "
			    "E24C8B6F-EDE7-4255-8B39-77976015D593)",
			    c->args[0]);
	if (parse_u32(c->args[1], instance) < 0)
		return fail(EXIT_USAGE, "invalid instance id '%s'", c->args[1]);
	if (parse_u32(c->args[2], param) < 0)
		return fail(EXIT_USAGE, "invalid parameter id '%s'", c->args[2]);
	if (c->n_args > 3) {
		uint64_t v;

		if (parse_u64(c->args[3], &v) < 0)
			return fail(EXIT_USAGE, "invalid value '%s' (decimal or 0x hex expected)",
				    c->args[3]);
	}
	r = ctx_connect(c);
	if (r)
		return r;
	return locate_module(c, cls, *instance, c->n_devices ? c->devices[0] : NULL, dev, &mod);
}

static struct json_object *json_target(const struct amod_client_device *dev,
				       const struct amod_guid *cls, uint32_t instance,
				       uint32_t param)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "device", json_object_new_string(dev->endpoint_id));
	json_object_object_add(o, "class_id", json_guid(cls));
	json_object_object_add(o, "instance_id", json_object_new_int64(instance));
	json_object_object_add(o, "parameter", json_object_new_int64(param));
	return o;
}

int verb_get(struct ctx *c)
{
	_cleanup_result_ struct amod_command_result res = {0};
	_cleanup_json_ struct json_object *o = NULL;
	struct amod_client_device dev = {0};
	struct amod_guid cls;
	uint32_t instance = 0, param = 0;
	char g[AMOD_GUID_STRING_MAX], buf[256];
	int r;

	r = param_target(c, &dev, &cls, &instance, &param);
	if (r)
		return r;
	r = sysvad_get(c, dev.id, &cls, instance, param, &res);
	if (r < 0)
		return fail_errno(c, r, "cannot get parameter %u", param);
	if (res.status != AMOD_STATUS_SUCCESS)
		return fail_status(res.status,
				   "module %s instance %u on '%s' failed to get "
				   "parameter %u",
				   guid_str(&cls, g), instance, dev.endpoint_id, param);
	if (!c->json) {
		printf("%s\n", value_string(res.data, res.size, buf, sizeof(buf)));
		return EXIT_OK;
	}
	o = json_target(&dev, &cls, instance, param);
	json_object_object_add(o, "size", json_object_new_int64(res.size));
	json_object_object_add(o, "value", json_value(res.data, res.size));
	{
		_cleanup_free_ char *hex = hex_string(res.data, res.size);

		json_object_object_add(o, "hex", hex ? json_object_new_string(hex) : NULL);
	}
	return print_json(c, o);
}

/* The value's size: --size, else BASICSUPPORT's MembersSize, else GET's size, else 4. */
static int learn_size(struct ctx *c, uint32_t device, const struct amod_guid *cls,
		      uint32_t instance, uint32_t param, uint32_t *ret)
{
	_cleanup_result_ struct amod_command_result res = {0};
	struct param p;
	int32_t status = 0;
	int r;

	if (c->size) {
		*ret = c->size;
		return 0;
	}
	r = sysvad_support(c, device, cls, instance, param, &p, &status);
	if (r < 0)
		return r;
	if (status == AMOD_STATUS_SUCCESS && p.have_members && numeric_size(p.members_size)) {
		*ret = p.members_size;
		param_clear(&p);
		return 0;
	}
	param_clear(&p);
	r = sysvad_get(c, device, cls, instance, param, &res);
	if (r < 0)
		return r;
	*ret = res.status == AMOD_STATUS_SUCCESS && numeric_size(res.size) ? res.size : 4;
	return 0;
}

int verb_set(struct ctx *c)
{
	_cleanup_result_ struct amod_command_result res = {0};
	_cleanup_json_ struct json_object *o = NULL;
	struct amod_client_device dev = {0};
	struct amod_guid cls;
	uint32_t instance = 0, param = 0, size = 4;
	uint8_t cmd[16];
	uint64_t value;
	char g[AMOD_GUID_STRING_MAX];
	int r;

	r = param_target(c, &dev, &cls, &instance, &param);
	if (r)
		return r;
	(void)parse_u64(c->args[3], &value); /* checked by param_target */
	r = learn_size(c, dev.id, &cls, instance, param, &size);
	if (r < 0)
		return fail_errno(c, r, "cannot learn the size of parameter %u", param);
	if (size < 8 && value >> (8 * size))
		return fail(EXIT_USAGE, "value %s does not fit parameter %u's %u byte%s",
			    c->args[3], param, size, size > 1 ? "s" : "");
	put_le32(cmd, KS_TYPE_SET);
	put_le32(cmd + 4, param);
	for (uint32_t i = 0; i < size; i++)
		cmd[8 + i] = (uint8_t)(value >> (8 * i));
	r = module_command(c, dev.id, &cls, instance, cmd, 8 + size, 0, &res);
	if (r < 0)
		return fail_errno(c, r, "cannot set parameter %u", param);
	if (res.status != AMOD_STATUS_SUCCESS)
		return fail_status(res.status,
				   "module %s instance %u on '%s' refused to set "
				   "parameter %u to %s",
				   guid_str(&cls, g), instance, dev.endpoint_id, param, c->args[3]);
	if (!c->json)
		return EXIT_OK;
	o = json_target(&dev, &cls, instance, param);
	json_object_object_add(o, "size", json_object_new_int64(size));
	json_object_object_add(o, "value", json_object_new_uint64(value));
	json_object_object_add(o, "status", json_status(res.status));
	return print_json(c, o);
}

int verb_support(struct ctx *c)
{
	_cleanup_json_ struct json_object *o = NULL;
	struct amod_client_device dev = {0};
	struct amod_guid cls;
	struct param p;
	uint32_t instance = 0, param = 0;
	int32_t status = 0;
	char g[AMOD_GUID_STRING_MAX], buf[256], a[64];
	int r;

	r = param_target(c, &dev, &cls, &instance, &param);
	if (r)
		return r;
	r = sysvad_support(c, dev.id, &cls, instance, param, &p, &status);
	if (r < 0)
		return fail_errno(c, r, "cannot ask the basic support of parameter %u", param);
	if (status != AMOD_STATUS_SUCCESS)
		return fail_status(status,
				   "module %s instance %u on '%s' failed the basic support "
				   "of parameter %u",
				   guid_str(&cls, g), instance, dev.endpoint_id, param);
	if (c->json) {
		o = json_target(&dev, &cls, instance, param);
		json_object_object_add(o, "support", json_param(&p));
		param_clear(&p);
		return print_json(c, o);
	}

	printf("Parameter %u of module %s instance %u on %s\n", param, guid_str(&cls, g), instance,
	       dev.endpoint_id);
	printf("  access       %s (0x%08X)\n", access_string(p.access, a), p.access);
	if (p.have_description) {
		const char *vt = vt_name(p.vt);

		if (p.vt == UINT32_MAX)
			printf("  type         (not a KSPROPTYPESETID_General type)\n");
		else if (vt)
			printf("  type         %s (%u)\n", vt, p.vt);
		else
			printf("  type         VT %u\n", p.vt);
		printf("  description  %u bytes, %u member list%s\n", p.description_size,
		       p.members_list_count, p.members_list_count == 1 ? "" : "s");
	}
	if (p.have_members) {
		const char *m = members_name(p.members_flags);

		if (m)
			printf("  members      %s", m);
		else
			printf("  members      flags 0x%X", p.members_flags);
		printf(", %u byte%s each, %u value%s\n", p.members_size,
		       p.members_size == 1 ? "" : "s", p.members_count,
		       p.members_count == 1 ? "" : "s");
		if (p.flags & KS_MEMBER_FLAG_DEFAULT)
			printf("  flags        DEFAULT\n");
		printf("  valid values ");
		if (!p.members_count)
			printf("any");
		for (uint32_t i = 0; i < p.members_count; i++)
			printf("%s%s", i ? ", " : "",
			       value_string(p.values + (size_t)i * p.members_size, p.members_size,
					    buf, sizeof(buf)));
		printf("\n");
	}
	param_clear(&p);
	return EXIT_OK;
}
