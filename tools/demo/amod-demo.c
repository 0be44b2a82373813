/* SPDX-License-Identifier: MIT */
/*
 * amod-demo: the whole system in one process. A sample audio driver written the WDK way owns
 * two endpoints with audio modules; this program plays the app: it discovers the modules with
 * KSPROPERTY_AUDIOMODULE_DESCRIPTORS, reads and changes parameters with
 * KSPROPERTY_AUDIOMODULE_COMMAND, and watches the notifications the driver sends through
 * IPortClsNotifications. (The cross-process version comes with amodd and the amod tool.)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ksmedia.h>

#include <amod/amod-port.h>

#include "sample.h"

/* SYSVAD's vendor protocol (spec §3.9): a verb and a parameter id before the value. */
struct custom_command {
	ULONG Verb;
	ULONG ParameterId;
	ULONG Value;
};

static const struct amod_guid module0_class = {
	0xE24C8B6F, 0xEDE7, 0x4255, { 0x8B, 0x39, 0x77, 0x97, 0x60, 0x15, 0xD5, 0x93 }
};

static unsigned notifications_seen;

static const char *status_text(int32_t status)
{
	const char *name = amod_status_name(status);
	static char buf[32];

	if (name)
		return name;
	snprintf(buf, sizeof(buf), "0x%08X", (unsigned)status);
	return buf;
}

static void on_notification(const struct amod_notification *n, void *userdata)
{
	char dev[AMOD_GUID_STRING_MAX], cls[AMOD_GUID_STRING_MAX];
	const unsigned char *p = n->data;

	notifications_seen++;
	printf("    >> notification #%llu from '%s': module %s instance 0x%08X,",
	       (unsigned long long)n->sequence, amod_device_get_endpoint_id(n->device),
	       amod_guid_format(&n->class_id, cls), (unsigned)n->instance_id);
	if (n->size >= 48) {
		ULONG type, param;

		memcpy(&type, p + 40, 4);
		memcpy(&param, p + 44, 4);
		printf(" parameter %u changed (type %u)\n", (unsigned)param, (unsigned)type);
	} else {
		printf(" %u bytes\n", (unsigned)n->size);
	}
	printf("       header device id %s (the endpoint's NOTIFICATION_DEVICE_ID)\n",
	       amod_guid_format(&n->device_id, dev));
}

static int32_t ks(struct amod_device *d, struct amod_stream *s, const void *in, uint32_t in_size,
		  void *out, uint32_t *out_size)
{
	return amod_device_property(d, s, in, in_size, out, out_size);
}

static int list_modules(struct amod_device *d, struct amod_stream *s)
{
	KSPROPERTY req = { .Set = KSPROPSETID_AudioModule,
			   .Id = KSPROPERTY_AUDIOMODULE_DESCRIPTORS,
			   .Flags = KSPROPERTY_TYPE_GET };
	uint32_t size = 0;
	unsigned char *buf;
	KSMULTIPLE_ITEM hdr;
	int32_t st;

	/* The two-step KS size negotiation: ask with no buffer, then with the size we were told. */
	st = ks(d, s, &req, sizeof(req), NULL, &size);
	if (st != STATUS_BUFFER_OVERFLOW) {
		fprintf(stderr, "DESCRIPTORS size query failed: %s\n", status_text(st));
		return -EIO;
	}
	buf = malloc(size);
	if (!buf)
		return -ENOMEM;
	st = ks(d, s, &req, sizeof(req), buf, &size);
	if (st != STATUS_SUCCESS) {
		fprintf(stderr, "DESCRIPTORS failed: %s\n", status_text(st));
		free(buf);
		return -EIO;
	}
	memcpy(&hdr, buf, sizeof(hdr));
	for (ULONG i = 0; i < hdr.Count; i++) {
		KSAUDIOMODULE_DESCRIPTOR m;
		char cls[AMOD_GUID_STRING_MAX], name[3 * AUDIOMODULE_MAX_NAME_CCH_SIZE];
		struct amod_guid g;

		memcpy(&m, buf + sizeof(hdr) + i * sizeof(m), sizeof(m));
		memcpy(&g, &m.ClassId, sizeof(g));
		if (amod_utf16_to_utf8((const uint16_t *)m.Name, AUDIOMODULE_MAX_NAME_CCH_SIZE, name,
				       sizeof(name)) < 0)
			snprintf(name, sizeof(name), "(unreadable name)");
		printf("    %s  instance 0x%08X  v%u.%u  \"%s\"\n", amod_guid_format(&g, cls),
		       (unsigned)m.InstanceId, (unsigned)m.VersionMajor, (unsigned)m.VersionMinor,
		       name);
	}
	free(buf);
	return 0;
}

/* Sends one vendor command to a module; returns the NTSTATUS, reply in out/out_size. */
static int32_t module_command(struct amod_device *d, struct amod_stream *s, ULONG instance,
			      const struct custom_command *cmd, uint32_t cmd_size, void *out,
			      uint32_t *out_size)
{
	unsigned char in[sizeof(KSAUDIOMODULE_PROPERTY) + sizeof(*cmd)];
	KSAUDIOMODULE_PROPERTY p = { 0 };

	p.Property.Set = KSPROPSETID_AudioModule;
	p.Property.Id = KSPROPERTY_AUDIOMODULE_COMMAND;
	p.Property.Flags = KSPROPERTY_TYPE_GET; /* COMMAND is GET-only; "set" is in the payload */
	memcpy(&p.ClassId, &module0_class, sizeof(GUID));
	p.InstanceId = instance;
	memcpy(in, &p, sizeof(p));
	memcpy(in + sizeof(p), cmd, cmd_size);
	return ks(d, s, in, (uint32_t)(sizeof(p) + cmd_size), out, out_size);
}

static int get_param(struct amod_device *d, struct amod_stream *s, ULONG instance, ULONG param)
{
	struct custom_command cmd = { KSPROPERTY_TYPE_GET, param, 0 };
	ULONG value = 0;
	uint32_t size = sizeof(value);
	int32_t st = module_command(d, s, instance, &cmd, 8, &value, &size);

	printf("    GET parameter %u -> %s, value %u\n", (unsigned)param, status_text(st),
	       (unsigned)value);
	return st == STATUS_SUCCESS ? 0 : -EIO;
}

static int32_t set_param(struct amod_device *d, struct amod_stream *s, ULONG instance,
			 ULONG param, ULONG value)
{
	struct custom_command cmd = { KSPROPERTY_TYPE_SET, param, value };
	uint32_t size = 0;
	int32_t st;

	/* Notifications arrive during the call: the listener runs on the sender's thread. */
	printf("    SET parameter %u := %u\n", (unsigned)param, (unsigned)value);
	st = module_command(d, s, instance, &cmd, sizeof(cmd), NULL, &size);
	printf("       -> %s\n", status_text(st));
	return st;
}

static int show_valid_values(struct amod_device *d, ULONG param)
{
	struct custom_command cmd = { KSPROPERTY_TYPE_BASICSUPPORT, param, 0 };
	unsigned char out[128];
	uint32_t size = sizeof(out);
	KSPROPERTY_DESCRIPTION desc;
	KSPROPERTY_MEMBERSHEADER members;
	int32_t st = module_command(d, NULL, 0, &cmd, 8, out, &size);

	if (st != STATUS_SUCCESS || size < sizeof(desc) + sizeof(members)) {
		printf("    BASICSUPPORT -> %s\n", status_text(st));
		return -EIO;
	}
	memcpy(&desc, out, sizeof(desc));
	memcpy(&members, out + sizeof(desc), sizeof(members));
	printf("    BASICSUPPORT parameter %u: access 0x%X, VT type %u, valid values:",
	       (unsigned)param, (unsigned)desc.AccessFlags, (unsigned)desc.PropTypeSet.Id);
	for (ULONG i = 0; i < members.MembersCount && members.MembersSize == 4; i++) {
		ULONG v;

		memcpy(&v, out + sizeof(desc) + sizeof(members) + i * 4, 4);
		printf(" %u", (unsigned)v);
	}
	printf("\n");
	return 0;
}

static int run(void)
{
	struct amod_adapter_config cfg = { .version = AMOD_ADAPTER_CONFIG_VERSION, .verifier = 1 };
	struct amod_adapter *adapter = NULL;
	struct sample_driver *driver = NULL;
	struct amod_listener *listener = NULL;
	struct amod_device *speaker;
	struct amod_stream *stream = NULL;
	struct amod_verifier_stats stats;
	struct amod_guid id;
	char idbuf[AMOD_GUID_STRING_MAX];
	unsigned before;
	int r;

	printf("amod in-process demo\n\n");
	r = amod_adapter_new(&cfg, &adapter);
	if (r < 0)
		goto out;
	r = sample_driver_create(adapter, NULL, &driver);
	if (r < 0) {
		fprintf(stderr, "Failed to start the sample driver: %s\n", strerror(-r));
		goto out;
	}
	r = amod_adapter_add_listener(adapter, NULL, on_notification, NULL, &listener);
	if (r < 0)
		goto out;

	printf("1. The sample driver exposes these endpoints and audio modules:\n");
	for (uint32_t i = 0; (speaker = amod_adapter_get_device(adapter, i)); i++) {
		amod_device_get_notification_id(speaker, &id);
		printf("  endpoint '%s' (%s), notification device id %s\n",
		       amod_device_get_endpoint_id(speaker), amod_device_get_name(speaker),
		       amod_guid_format(&id, idbuf));
		if ((r = list_modules(speaker, NULL)) < 0)
			goto out;
	}
	speaker = amod_adapter_find_device(adapter, "speaker");
	if (!speaker) {
		r = -ENODEV;
		goto out;
	}

	printf("\n2. Read parameter 0 of the speaker's generic module, then change it to 2.\n"
	       "   The module announces the change with a notification:\n");
	if ((r = get_param(speaker, NULL, 0, 0)) < 0)
		goto out;
	before = notifications_seen;
	if (set_param(speaker, NULL, 0, 0, 2) != STATUS_SUCCESS || notifications_seen != before + 1) {
		fprintf(stderr, "expected one notification after a change\n");
		r = -EIO;
		goto out;
	}
	if ((r = get_param(speaker, NULL, 0, 0)) < 0)
		goto out;

	printf("\n3. Setting the same value again changes nothing, so nothing is sent:\n");
	before = notifications_seen;
	set_param(speaker, NULL, 0, 0, 2);
	printf("    notifications since: %u\n", notifications_seen - before);

	printf("\n4. The module says which values it accepts, and refuses others:\n");
	if ((r = show_valid_values(speaker, 0)) < 0)
		goto out;
	if (set_param(speaker, NULL, 0, 0, 3) != STATUS_INVALID_PARAMETER) {
		fprintf(stderr, "expected the module to refuse 3\n");
		r = -EIO;
		goto out;
	}

	printf("\n5. Open an audio stream in default mode: its modules get their own instances:\n");
	r = amod_device_open_stream(speaker, NULL, &stream);
	if (r < 0)
		goto out;
	if ((r = list_modules(speaker, stream)) < 0)
		goto out;
	printf("   A change on the stream's instance names that instance:\n");
	set_param(speaker, stream, 1, 0, 5);

	amod_adapter_get_verifier_stats(adapter, &stats);
	printf("\n6. Verifier: %llu leak(s), %llu double free(s), %llu overrun(s), "
	       "%llu rejected send(s).\n",
	       (unsigned long long)stats.leaks, (unsigned long long)stats.double_frees,
	       (unsigned long long)stats.overruns, (unsigned long long)stats.rejected_sends);
	printf("\nDone: %u notifications delivered.\n", notifications_seen);
	r = 0;
out:
	amod_stream_close(stream);
	amod_listener_remove(listener);
	sample_driver_free(driver);
	amod_adapter_unref(adapter);
	if (r < 0)
		fprintf(stderr, "demo failed: %s\n", strerror(-r));
	return r < 0 ? 1 : 0;
}

int main(void)
{
	return run();
}
