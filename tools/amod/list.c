/* SPDX-License-Identifier: MIT */
/* amod list, info and dump: what amodd has, as text or JSON. */
#include <errno.h>
#include <string.h>

#include "amod.h"

static const char *bold(const struct ctx *c)
{
	return c->color ? "\033[1m" : "";
}

static const char *reset(const struct ctx *c)
{
	return c->color ? "\033[0m" : "";
}

static struct json_object *json_device(const struct amod_client_device *d)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "id", json_object_new_int64(d->id));
	json_object_object_add(o, "endpoint_id", json_object_new_string(d->endpoint_id));
	json_object_object_add(o, "name", json_object_new_string(d->name));
	json_object_object_add(
		o, "notification_id",
		amod_guid_is_null(&d->notification_id) ? NULL : json_guid(&d->notification_id));
	return o;
}

static struct json_object *json_module(const struct amod_client_module *m)
{
	struct json_object *o = json_object_new_object();
	char v[32];

	snprintf(v, sizeof(v), "%u.%u", m->version_major, m->version_minor);
	json_object_object_add(o, "class_id", json_guid(&m->class_id));
	json_object_object_add(o, "instance_id", json_object_new_int64(m->instance_id));
	json_object_object_add(o, "version_major", json_object_new_int64(m->version_major));
	json_object_object_add(o, "version_minor", json_object_new_int64(m->version_minor));
	json_object_object_add(o, "version", json_object_new_string(v));
	json_object_object_add(o, "name", json_object_new_string(m->name));
	return o;
}

static void print_module_table(const struct amod_client_module *mods, size_t n, const char *indent)
{
	char g[AMOD_GUID_STRING_MAX], v[32];

	printf("%s%-36s  %10s  %-7s  %s\n", indent, "CLASS ID", "INSTANCE", "VERSION", "NAME");
	for (size_t i = 0; i < n; i++) {
		snprintf(v, sizeof(v), "%u.%u", mods[i].version_major, mods[i].version_minor);
		printf("%s%s  %10u  %-7s  %s\n", indent, guid_str(&mods[i].class_id, g),
		       mods[i].instance_id, v, mods[i].name);
	}
}

/* The devices a verb is about: --device's one, or all of them. malloc'ed. */
static int selected_devices(struct ctx *c, struct amod_client_device **ret, size_t *ret_count)
{
	int r;

	if (c->n_devices) {
		*ret = malloc(sizeof(**ret));
		if (!*ret)
			return fail(EXIT_FAIL, "out of memory");
		r = resolve_device(c, c->devices[0], *ret);
		if (r) {
			free(*ret);
			*ret = NULL;
			return r;
		}
		*ret_count = 1;
		return EXIT_OK;
	}
	r = amod_client_list_devices(c->client, c->timeout_ms, ret, ret_count);
	if (r < 0)
		return fail_errno(c, r, "cannot list devices");
	return EXIT_OK;
}

int verb_list(struct ctx *c)
{
	_cleanup_free_ struct amod_client_device *devs = NULL;
	_cleanup_json_ struct json_object *root = NULL;
	struct json_object *jdevs = NULL;
	size_t n_devs = 0;
	char g[AMOD_GUID_STRING_MAX];
	int r;

	r = ctx_connect(c);
	if (r)
		return r;
	r = selected_devices(c, &devs, &n_devs);
	if (r)
		return r;
	if (c->json) {
		root = json_object_new_object();
		jdevs = json_object_new_array();
		json_object_object_add(root, "devices", jdevs);
	}
	for (size_t i = 0; i < n_devs; i++) {
		_cleanup_free_ struct amod_client_module *mods = NULL;
		const struct amod_client_device *d = &devs[i];
		size_t n = 0;
		bool aware;

		r = device_modules(c, d->id, &mods, &n, &aware);
		if (r < 0)
			return fail_errno(c, r, "cannot list the modules of '%s'", d->endpoint_id);
		if (c->json) {
			struct json_object *jd = json_device(d), *jm = json_object_new_array();

			for (size_t k = 0; k < n; k++)
				json_object_array_add(jm, json_module(&mods[k]));
			json_object_object_add(jd, "module_aware", json_object_new_boolean(aware));
			json_object_object_add(jd, "modules", jm);
			json_object_array_add(jdevs, jd);
			continue;
		}
		if (i)
			printf("\n");
		printf("%s%s%s (device %u) \"%s\"\n", bold(c), d->endpoint_id, reset(c), d->id,
		       d->name);
		printf("  notification id  %s\n", amod_guid_is_null(&d->notification_id)
							  ? "(none)"
							  : guid_str(&d->notification_id, g));
		if (!aware)
			printf("  (not module aware: the device does not answer DESCRIPTORS)\n");
		else if (!n)
			printf("  (no modules)\n");
		else
			print_module_table(mods, n, "  ");
	}
	if (c->json)
		return print_json(c, root);
	if (!n_devs)
		fprintf(stderr, "amod: amodd has no devices\n");
	return EXIT_OK;
}

/* KSPROPERTY_AUDIOMODULE_NOTIFICATION_DEVICE_ID as the filter answers it; null if none. */
static int notification_device_id(struct ctx *c, const struct amod_client_device *d,
				  struct amod_guid *ret, bool *ret_has)
{
	int r = amod_client_get_notification_id(c->client, d->id, c->timeout_ms, ret);

	*ret_has = r == 0;
	return r == -EOPNOTSUPP || r == -EINVAL ? 0 : r;
}

static struct json_object *json_params(const struct param *params, size_t n, bool conforms)
{
	struct json_object *a;

	if (!conforms)
		return NULL;
	a = json_object_new_array();
	for (size_t i = 0; i < n; i++)
		json_object_array_add(a, json_param(&params[i]));
	return a;
}

static void print_params(const struct param *params, size_t n, bool conforms)
{
	char a[64], buf[256];

	if (!conforms) {
		printf("  parameters   (none known: the module does not answer SYSVAD's "
		       "BASICSUPPORT)\n");
		return;
	}
	printf("  parameters   (SYSVAD Verb + ParameterId convention)\n");
	if (!n)
		return;
	printf("    %3s  %-20s  %-7s  %4s  %10s  %s\n", "ID", "ACCESS", "TYPE", "SIZE", "VALUE",
	       "VALID VALUES");
	for (size_t i = 0; i < n; i++) {
		const struct param *p = &params[i];
		const char *vt = vt_name(p->vt);
		char size[16] = "-", value[64] = "-";

		if (p->have_members)
			snprintf(size, sizeof(size), "%u", p->members_size);
		if (p->have_value)
			value_string(p->value, p->value_size, value, sizeof(value));
		else if (p->get_status)
			snprintf(value, sizeof(value), "(0x%08X)", (unsigned)p->get_status);
		printf("    %3u  %-20s  %-7s  %4s  %10s  ", p->id, access_string(p->access, a),
		       vt ? vt : "?", size, value);
		if (!p->have_members)
			printf("-");
		else if (!p->members_count)
			printf("any");
		for (uint32_t k = 0; p->have_members && k < p->members_count; k++)
			printf("%s%s", k ? ", " : "",
			       value_string(p->values + (size_t)k * p->members_size,
					    p->members_size, buf, sizeof(buf)));
		printf("\n");
	}
}

/* One module in full: as text, or added to ret_json. */
static int show_module(struct ctx *c, const struct amod_client_device *d,
		       const struct amod_client_module *m, struct json_object **ret_json)
{
	struct param *params = NULL;
	size_t n = 0;
	bool conforms = false;
	char g[AMOD_GUID_STRING_MAX];
	int r;

	r = sysvad_probe(c, d->id, &m->class_id, m->instance_id, &params, &n, &conforms);
	if (r < 0)
		return fail_errno(c, r,
				  "cannot ask module %s instance %u on '%s' for its parameters",
				  guid_str(&m->class_id, g), m->instance_id, d->endpoint_id);
	if (ret_json) {
		struct json_object *o = json_module(m);

		json_object_object_add(o, "device", json_device(d));
		json_object_object_add(o, "parameters", json_params(params, n, conforms));
		*ret_json = o;
	} else {
		printf("%sModule %s instance %u%s\n", bold(c), guid_str(&m->class_id, g),
		       m->instance_id, reset(c));
		printf("  device       %s (device %u) \"%s\"\n", d->endpoint_id, d->id, d->name);
		printf("  class id     %s\n", g);
		printf("  instance id  %u (0x%08X)\n", m->instance_id, m->instance_id);
		printf("  version      %u.%u\n", m->version_major, m->version_minor);
		printf("  name         %s\n", m->name);
		print_params(params, n, conforms);
	}
	params_free(params, n);
	return EXIT_OK;
}

static int info_device(struct ctx *c, const struct amod_client_device *d)
{
	_cleanup_free_ struct amod_client_module *mods = NULL;
	_cleanup_json_ struct json_object *o = NULL;
	struct amod_guid nid;
	size_t n = 0;
	bool aware, has_nid;
	char g[AMOD_GUID_STRING_MAX];
	int r;

	r = device_modules(c, d->id, &mods, &n, &aware);
	if (r < 0)
		return fail_errno(c, r, "cannot list the modules of '%s'", d->endpoint_id);
	r = notification_device_id(c, d, &nid, &has_nid);
	if (r < 0)
		return fail_errno(c, r, "cannot ask '%s' for its notification device id",
				  d->endpoint_id);
	if (c->json) {
		struct json_object *jm = json_object_new_array();

		o = json_device(d);
		json_object_object_add(o, "notification_device_id",
				       has_nid ? json_guid(&nid) : NULL);
		json_object_object_add(o, "module_aware", json_object_new_boolean(aware));
		for (size_t i = 0; i < n; i++)
			json_object_array_add(jm, json_module(&mods[i]));
		json_object_object_add(o, "modules", jm);
		return print_json(c, o);
	}
	printf("%sDevice %u: %s%s\n", bold(c), d->id, d->endpoint_id, reset(c));
	printf("  endpoint id      %s\n", d->endpoint_id);
	printf("  name             %s\n", d->name);
	printf("  notification id  %s\n",
	       has_nid ? guid_str(&nid, g) : "(none: the device sends no module notifications)");
	if (!aware) {
		printf("  modules          (not module aware: no DESCRIPTORS)\n");
		return EXIT_OK;
	}
	printf("  modules          %zu\n", n);
	if (n)
		print_module_table(mods, n, "    ");
	return EXIT_OK;
}

/* info CLASS [INSTANCE]: every instance of the class, on --device or on every device. */
static int info_class(struct ctx *c, const struct amod_guid *cls, bool have_instance,
		      uint32_t instance)
{
	_cleanup_free_ struct amod_client_device *devs = NULL;
	_cleanup_json_ struct json_object *root = NULL;
	struct json_object *jmods = NULL;
	size_t n_devs = 0, shown = 0;
	char g[AMOD_GUID_STRING_MAX];
	int r;

	if (have_instance) {
		struct amod_client_device d;
		struct amod_client_module m;

		r = locate_module(c, cls, instance, c->n_devices ? c->devices[0] : NULL, &d, &m);
		if (r)
			return r;
		r = show_module(c, &d, &m, c->json ? &root : NULL);
		if (r || !c->json)
			return r;
		return print_json(c, root);
	}

	r = selected_devices(c, &devs, &n_devs);
	if (r)
		return r;
	if (c->json) {
		root = json_object_new_object();
		jmods = json_object_new_array();
		json_object_object_add(root, "modules", jmods);
	}
	for (size_t i = 0; i < n_devs; i++) {
		_cleanup_free_ struct amod_client_module *mods = NULL;
		size_t n = 0;

		r = amod_client_find_by_id(c->client, devs[i].id, cls, c->timeout_ms, &mods, &n);
		if (r == -EOPNOTSUPP)
			continue;
		if (r < 0)
			return fail_errno(c, r, "cannot list the modules of '%s'",
					  devs[i].endpoint_id);
		for (size_t k = 0; k < n; k++) {
			struct json_object *jm = NULL;

			if (!c->json && shown)
				printf("\n");
			r = show_module(c, &devs[i], &mods[k], c->json ? &jm : NULL);
			if (r)
				return r;
			if (jm)
				json_object_array_add(jmods, jm);
			shown++;
		}
	}
	if (!shown) {
		if (c->n_devices)
			return fail(EXIT_NOTFOUND, "no module %s on device '%s'", guid_str(cls, g),
				    devs[0].endpoint_id);
		return fail(EXIT_NOTFOUND, "no module %s on any device", guid_str(cls, g));
	}
	return c->json ? print_json(c, root) : EXIT_OK;
}

int verb_info(struct ctx *c)
{
	struct amod_client_device d;
	struct amod_guid cls;
	uint32_t instance = 0;
	bool is_guid = parse_class(c->args[0], &cls) == 0;
	int r;

	if (c->n_args == 2) {
		if (!is_guid)
			return fail(EXIT_USAGE,
				    "invalid class id '%s' (a GUID expected, e.g. "
				    "E24C8B6F-EDE7-4255-8B39-77976015D593)",
				    c->args[0]);
		if (parse_u32(c->args[1], &instance) < 0)
			return fail(EXIT_USAGE, "invalid instance id '%s'", c->args[1]);
	}
	if (!is_guid && c->n_devices)
		return fail(EXIT_USAGE, "--device goes with 'info CLASS', not 'info DEVICE'");
	r = ctx_connect(c);
	if (r)
		return r;
	if (c->n_args == 2)
		return info_class(c, &cls, true, instance);
	if (!is_guid) {
		r = resolve_device(c, c->args[0], &d);
		return r ? r : info_device(c, &d);
	}
	/* A GUID names a device if it is one's notification id, else a module class. */
	if (!c->n_devices) {
		r = amod_client_find_device(c->client, c->args[0], c->timeout_ms, &d);
		if (r == 0)
			return info_device(c, &d);
		if (r != -ENOENT)
			return fail_errno(c, r, "cannot look for device '%s'", c->args[0]);
	}
	return info_class(c, &cls, false, 0);
}

int verb_dump(struct ctx *c)
{
	_cleanup_free_ struct amod_client_device *devs = NULL;
	_cleanup_json_ struct json_object *root = NULL;
	struct json_object *jdevs, *access;
	size_t n_devs = 0;
	uint32_t granted;
	int r;

	r = ctx_connect(c);
	if (r)
		return r;
	r = amod_client_list_devices(c->client, c->timeout_ms, &devs, &n_devs);
	if (r < 0)
		return fail_errno(c, r, "cannot list devices");
	root = json_object_new_object();
	json_object_object_add(root, "socket",
			       json_object_new_string(amod_client_get_socket_path(c->client)));
	granted = amod_client_get_access(c->client);
	access = json_object_new_array();
	if (granted & 1)
		json_object_array_add(access, json_object_new_string("monitor"));
	if (granted & 2)
		json_object_array_add(access, json_object_new_string("control"));
	json_object_object_add(root, "access", access);
	jdevs = json_object_new_array();
	json_object_object_add(root, "devices", jdevs);
	for (size_t i = 0; i < n_devs; i++) {
		_cleanup_free_ struct amod_client_module *mods = NULL;
		const struct amod_client_device *d = &devs[i];
		struct json_object *jd = json_device(d), *jm = json_object_new_array();
		struct amod_guid nid;
		size_t n = 0;
		bool aware, has_nid;

		json_object_array_add(jdevs, jd);
		r = device_modules(c, d->id, &mods, &n, &aware);
		if (r < 0)
			return fail_errno(c, r, "cannot list the modules of '%s'", d->endpoint_id);
		r = notification_device_id(c, d, &nid, &has_nid);
		if (r < 0)
			return fail_errno(c, r, "cannot ask '%s' for its notification device id",
					  d->endpoint_id);
		json_object_object_add(jd, "notification_device_id",
				       has_nid ? json_guid(&nid) : NULL);
		json_object_object_add(jd, "module_aware", json_object_new_boolean(aware));
		json_object_object_add(jd, "modules", jm);
		for (size_t k = 0; k < n; k++) {
			struct json_object *o = NULL;

			r = show_module(c, d, &mods[k], &o);
			if (r)
				return r;
			/* The device is already the parent here. */
			json_object_object_del(o, "device");
			json_object_array_add(jm, o);
		}
	}
	/* dump is always JSON, whatever the output is. */
	c->json = true;
	return print_json(c, root);
}
