/* SPDX-License-Identifier: MIT */
/* Native modules: the port answers DESCRIPTORS / NOTIFICATION_DEVICE_ID, routes COMMAND,
 * instantiates stream modules and builds notification headers. */
#include <errno.h>

#include "test-helpers.h"

static const struct amod_guid eq_class = {
	0x5CE55C8E, 0x84DF, 0x4317, { 0x98, 0xC7, 0x79, 0x2D, 0xE8, 0x33, 0x66, 0xCC }
};

static uint32_t prop_req(void *buf, ULONG id, ULONG flags)
{
	KSPROPERTY p;

	memset(&p, 0, sizeof(p));
	p.Set = KSPROPSETID_AudioModule;
	p.Id = id;
	p.Flags = flags;
	memcpy(buf, &p, sizeof(p));
	return sizeof(p);
}

static uint32_t command_req(void *buf, const struct amod_guid *class_id, ULONG instance,
			    ULONG flags, const void *cmd, uint32_t cmd_size)
{
	KSAUDIOMODULE_PROPERTY p;

	memset(&p, 0, sizeof(p));
	p.Property.Set = KSPROPSETID_AudioModule;
	p.Property.Id = KSPROPERTY_AUDIOMODULE_COMMAND;
	p.Property.Flags = flags;
	memcpy(&p.ClassId, class_id, sizeof(GUID));
	p.InstanceId = instance;
	memcpy(buf, &p, sizeof(p));
	if (cmd_size)
		memcpy((unsigned char *)buf + sizeof(p), cmd, cmd_size);
	return sizeof(p) + cmd_size;
}

static void test_native_descriptors_filter(void **state)
{
	struct fixture *f = *state;
	struct amod_module_info mi = { .class_id = eq_class, .instance_id = 0x01000000,
				       .version_major = 2, .version_minor = 1, .name = "EQ" };
	struct amod_module *m;
	unsigned char in[24], out[8 + 2 * 284];
	uint32_t size = 0;
	KSMULTIPLE_ITEM hdr;
	KSAUDIOMODULE_DESCRIPTOR d;

	assert_int_equal(amod_device_add_module(f->device, &mi, &echo_ops, NULL, &m), 0);
	prop_req(in, KSPROPERTY_AUDIOMODULE_DESCRIPTORS, KSPROPERTY_TYPE_GET);
	assert_int_equal(amod_device_property(f->device, NULL, in, 24, NULL, &size),
			 STATUS_BUFFER_OVERFLOW);
	assert_int_equal(size, sizeof(out));
	size = sizeof(out) - 1;
	assert_int_equal(amod_device_property(f->device, NULL, in, 24, out, &size),
			 STATUS_BUFFER_TOO_SMALL);
	assert_int_equal(size, sizeof(out) - 1);
	size = sizeof(out);
	memset(out, 0xEE, sizeof(out));
	assert_int_equal(amod_device_property(f->device, NULL, in, 24, out, &size), STATUS_SUCCESS);
	assert_int_equal(size, sizeof(out));
	memcpy(&hdr, out, 8);
	assert_int_equal(hdr.Size, sizeof(out));
	assert_int_equal(hdr.Count, 2);
	memcpy(&d, out + 8 + 284, sizeof(d));
	assert_memory_equal(&d.ClassId, &eq_class, 16);
	assert_int_equal(d.InstanceId, 0x01000000);
	assert_int_equal(d.VersionMajor, 2);
	assert_int_equal(d.VersionMinor, 1);
	assert_int_equal(d.Name[0], 'E');
	assert_int_equal(d.Name[1], 'Q');
	for (int i = 2; i < 128; i++)
		assert_int_equal(d.Name[i], 0); /* zero-padded past the NUL */
}

static void test_native_descriptors_empty_device(void **state)
{
	struct fixture *f = *state;
	struct amod_device_info info = { "mic", "Microphone", { 0 } };
	struct amod_device *d;
	unsigned char in[24], out[8];
	uint32_t size = sizeof(out);

	assert_int_equal(amod_adapter_add_device(f->adapter, &info, &d), 0);
	prop_req(in, KSPROPERTY_AUDIOMODULE_DESCRIPTORS, KSPROPERTY_TYPE_GET);
	assert_int_equal(amod_device_property(d, NULL, in, 24, out, &size), STATUS_SUCCESS);
	assert_int_equal(size, 8);
	assert_memory_equal(out, "\x08\0\0\0\0\0\0\0", 8);
}

static void test_native_device_id(void **state)
{
	struct fixture *f = *state;
	struct amod_device_info info = { "mic", "Microphone", { 0 } };
	struct amod_device *d;
	unsigned char in[24], out[16];
	uint32_t size = 0;

	prop_req(in, KSPROPERTY_AUDIOMODULE_NOTIFICATION_DEVICE_ID, KSPROPERTY_TYPE_GET);
	assert_int_equal(amod_device_property(f->device, NULL, in, 24, NULL, &size),
			 STATUS_BUFFER_OVERFLOW);
	assert_int_equal(size, 16);
	size = 15;
	assert_int_equal(amod_device_property(f->device, NULL, in, 24, out, &size),
			 STATUS_BUFFER_TOO_SMALL);
	size = 16;
	assert_int_equal(amod_device_property(f->device, NULL, in, 24, out, &size),
			 STATUS_SUCCESS);
	assert_memory_equal(out, &test_device_id, 16);

	assert_int_equal(amod_adapter_add_device(f->adapter, &info, &d), 0);
	size = 16;
	assert_int_equal(amod_device_property(d, NULL, in, 24, out, &size),
			 STATUS_INVALID_DEVICE_REQUEST);
	assert_int_equal(size, 0);
}

static void test_native_basic_support(void **state)
{
	struct fixture *f = *state;
	const ULONG ids[] = { 1, 2, 3 };
	unsigned char in[48], out[40];
	KSPROPERTY_DESCRIPTION d;

	for (int i = 0; i < 3; i++) {
		uint32_t in_size = ids[i] == 2 ? command_req(in, &test_class_id, 0,
							     KSPROPERTY_TYPE_BASICSUPPORT, NULL, 0)
					       : prop_req(in, ids[i], KSPROPERTY_TYPE_BASICSUPPORT);
		uint32_t size = 40;

		assert_int_equal(amod_device_property(f->device, NULL, in, in_size, out, &size),
				 STATUS_SUCCESS);
		assert_int_equal(size, 40);
		memcpy(&d, out, sizeof(d));
		assert_int_equal(d.AccessFlags, KSPROPERTY_TYPE_GET | KSPROPERTY_TYPE_BASICSUPPORT);
		assert_int_equal(d.DescriptionSize, 40);
		assert_int_equal(d.MembersListCount, 0);
		size = 4;
		assert_int_equal(amod_device_property(f->device, NULL, in, in_size, out, &size),
				 STATUS_SUCCESS);
		assert_int_equal(size, 4);
		assert_memory_equal(out, "\x01\x02\0\0", 4);
		size = 3;
		assert_int_equal(amod_device_property(f->device, NULL, in, in_size, out, &size),
				 STATUS_BUFFER_TOO_SMALL);
		assert_int_equal(size, 0);
	}
}

static void test_native_command_routed_to_handler(void **state)
{
	struct fixture *f = *state;
	unsigned char in[64], out[16];
	uint32_t size = 0;

	command_req(in, &test_class_id, 0, KSPROPERTY_TYPE_GET, "hello", 5);
	assert_int_equal(amod_device_property(f->device, NULL, in, 53, NULL, &size),
			 STATUS_BUFFER_OVERFLOW);
	assert_int_equal(size, 5);
	size = 4;
	assert_int_equal(amod_device_property(f->device, NULL, in, 53, out, &size),
			 STATUS_BUFFER_TOO_SMALL);
	size = sizeof(out);
	assert_int_equal(amod_device_property(f->device, NULL, in, 53, out, &size),
			 STATUS_SUCCESS);
	assert_int_equal(size, 5);
	assert_memory_equal(out, "hello", 5);
	/* No vendor bytes: the handler gets NULL/0. */
	size = sizeof(out);
	assert_int_equal(amod_device_property(f->device, NULL, in, 48, out, &size),
			 STATUS_SUCCESS);
	assert_int_equal(size, 0);
}

static void test_native_command_errors(void **state)
{
	struct fixture *f = *state;
	struct amod_device_info info = { "mic", "Microphone", { 0 } };
	struct amod_device *empty;
	unsigned char in[64], out[16];
	uint32_t size = sizeof(out);

	command_req(in, &test_class_id, 0, KSPROPERTY_TYPE_GET, NULL, 0);
	assert_int_equal(amod_device_property(f->device, NULL, in, 47, out, &size),
			 STATUS_INVALID_PARAMETER);
	command_req(in, &test_class_id, 7, KSPROPERTY_TYPE_GET, NULL, 0);
	assert_int_equal(amod_device_property(f->device, NULL, in, 48, out, &size),
			 STATUS_INVALID_PARAMETER);
	command_req(in, &test_class_id, 0, KSPROPERTY_TYPE_SET, NULL, 0);
	size = sizeof(out);
	assert_int_equal(amod_device_property(f->device, NULL, in, 48, out, &size),
			 STATUS_INVALID_DEVICE_REQUEST);
	assert_int_equal(size, 0);
	assert_int_equal(amod_adapter_add_device(f->adapter, &info, &empty), 0);
	command_req(in, &test_class_id, 0, KSPROPERTY_TYPE_GET, NULL, 0);
	size = sizeof(out);
	assert_int_equal(amod_device_property(empty, NULL, in, 48, out, &size),
			 STATUS_INVALID_DEVICE_REQUEST);
}

static void test_native_property_request_errors(void **state)
{
	struct fixture *f = *state;
	struct amod_device_info info = { "mic", "Microphone", { 0 } };
	struct amod_device *other;
	struct amod_stream *s;
	unsigned char in[48], out[16];
	uint32_t size = sizeof(out);

	prop_req(in, KSPROPERTY_AUDIOMODULE_DESCRIPTORS, KSPROPERTY_TYPE_GET);
	assert_int_equal(amod_device_property(f->device, NULL, in, 23, out, &size),
			 STATUS_INVALID_BUFFER_SIZE);
	assert_int_equal(amod_device_property(f->device, NULL, NULL, 24, out, &size),
			 STATUS_INVALID_BUFFER_SIZE);
	assert_int_equal(amod_device_property(f->device, NULL, in, 24, NULL, &size),
			 STATUS_INVALID_PARAMETER);
	assert_int_equal(amod_device_property(f->device, NULL, in, 24, out, NULL),
			 STATUS_INVALID_PARAMETER);
	prop_req(in, 4, KSPROPERTY_TYPE_GET);
	assert_int_equal(amod_device_property(f->device, NULL, in, 24, out, &size),
			 STATUS_NOT_FOUND);
	prop_req(in, 1, KSPROPERTY_TYPE_GET);
	in[0] ^= 1; /* another property set */
	assert_int_equal(amod_device_property(f->device, NULL, in, 24, out, &size),
			 STATUS_NOT_FOUND);
	assert_int_equal(amod_adapter_add_device(f->adapter, &info, &other), 0);
	assert_int_equal(amod_device_open_stream(other, NULL, &s), 0);
	prop_req(in, 1, KSPROPERTY_TYPE_GET);
	assert_int_equal(amod_device_property(f->device, s, in, 24, out, &size),
			 STATUS_INVALID_PARAMETER);
}

static int32_t liar_command(struct amod_module *m, void *ctx, const void *in, uint32_t in_size,
			    void *out, uint32_t *out_size)
{
	*out_size = 1000; /* claims more than it was given */
	return AMOD_STATUS_SUCCESS;
}

static void test_native_handler_overclaim_is_internal_error(void **state)
{
	struct fixture *f = *state;
	static const struct amod_module_ops liar = { AMOD_MODULE_OPS_VERSION, liar_command };
	struct amod_module_info mi = { .class_id = eq_class, .name = "Liar" };
	struct amod_module *m;
	unsigned char in[48], out[16];
	uint32_t size = sizeof(out);

	assert_int_equal(amod_device_add_module(f->device, &mi, &liar, NULL, &m), 0);
	command_req(in, &eq_class, 0, KSPROPERTY_TYPE_GET, NULL, 0);
	assert_int_equal(amod_device_property(f->device, NULL, in, 48, out, &size),
			 STATUS_INTERNAL_ERROR);
	assert_int_equal(size, 0);
}

static void test_native_add_module_errors(void **state)
{
	struct fixture *f = *state;
	struct amod_module_info mi = { .class_id = test_class_id, .name = "Dup" };
	struct amod_module_ops bad = echo_ops;
	struct amod_module *m = NULL;

	assert_int_equal(amod_device_add_module(f->device, &mi, &echo_ops, NULL, &m), -EEXIST);
	mi.instance_id = 1;
	bad.version = 99;
	assert_int_equal(amod_device_add_module(f->device, &mi, &bad, NULL, &m), -EINVAL);
	bad = echo_ops;
	bad.command = NULL;
	assert_int_equal(amod_device_add_module(f->device, &mi, &bad, NULL, &m), -EINVAL);
	mi.name = "";
	assert_int_equal(amod_device_add_module(f->device, &mi, &echo_ops, NULL, &m), -EINVAL);
	mi.name = NULL;
	assert_int_equal(amod_device_add_module(f->device, &mi, &echo_ops, NULL, &m), -EINVAL);
	assert_null(m);
}

static void test_native_module_notify_builds_header(void **state)
{
	struct fixture *f = *state;
	struct amod_module_info mi = { .class_id = eq_class, .instance_id = 0x01000000,
				       .name = "EQ" };
	struct amod_module *m;
	KSAUDIOMODULE_NOTIFICATION h;
	static unsigned char big[65536];

	assert_int_equal(amod_device_add_module(f->device, &mi, &echo_ops, NULL, &m), 0);
	assert_int_equal(amod_module_notify(m, "\x01\x02\x03\x04", 4), 1);
	assert_int_equal(f->rec.count, 1);
	assert_int_equal(f->rec.recs[0].n.size, 44);
	memcpy(&h, f->rec.recs[0].data, 40);
	assert_memory_equal(&h.ProviderId.DeviceId, &test_device_id, 16);
	assert_memory_equal(&h.ProviderId.ClassId, &eq_class, 16);
	assert_int_equal(h.ProviderId.InstanceId, 0x01000000);
	assert_int_equal(h.ProviderId.Reserved, 0);
	assert_memory_equal(f->rec.recs[0].data + 40, "\x01\x02\x03\x04", 4);
	assert_int_equal(f->rec.recs[0].n.instance_id, 0x01000000);
	assert_int_equal(amod_module_notify(m, big, 65535 - 40 + 1), -EMSGSIZE);
	assert_int_equal(amod_module_notify(m, NULL, 3), -EINVAL);
	assert_int_equal(amod_module_notify(m, NULL, 0), 1);
	assert_int_equal(amod_adapter_get_live_buffers(f->adapter), 0);
}

static void test_native_module_notify_needs_device_id(void **state)
{
	struct fixture *f = *state;
	struct amod_device_info info = { "mic", "Microphone", { 0 } };
	struct amod_module_info mi = { .class_id = eq_class, .name = "EQ" };
	struct amod_device *d;
	struct amod_module *m;

	assert_int_equal(amod_adapter_add_device(f->adapter, &info, &d), 0);
	assert_int_equal(amod_device_add_module(d, &mi, &echo_ops, NULL, &m), 0);
	assert_int_equal(amod_module_notify(m, "x", 1), -ENODEV);
	assert_int_equal(f->rec.count, 0);
}

struct ctx {
	uint32_t value;
	uint32_t inits;
};

static unsigned cleanups;

static int counting_init(struct amod_module *instance, void *context, const void *template_ctx)
{
	struct ctx *c = context;

	memcpy(c, template_ctx, sizeof(*c));
	c->inits++;
	return 0;
}

static void counting_cleanup(struct amod_module *module, void *context)
{
	cleanups++;
}

static void test_native_stream_instances(void **state)
{
	struct fixture *f = *state;
	static const struct amod_module_ops ops = { AMOD_MODULE_OPS_VERSION, echo_command,
						    counting_init, counting_cleanup };
	struct amod_module_info movie = { .class_id = eq_class, .instance_id = 0x00000000,
					  .name = "EQ movie", .context_size = sizeof(struct ctx) };
	struct amod_module_info deflt = { .class_id = eq_class, .instance_id = 0x01000000,
					  .name = "EQ default", .context_size = sizeof(struct ctx) };
	struct amod_module *tm, *td, *m;
	struct amod_stream *s1, *s2, *s3;
	struct amod_guid movie_mode;
	struct ctx *c;

	memcpy(&movie_mode, &AUDIO_SIGNALPROCESSINGMODE_MOVIE, 16);
	memcpy(&movie.processing_mode, &AUDIO_SIGNALPROCESSINGMODE_MOVIE, 16);
	memcpy(&deflt.processing_mode, &AUDIO_SIGNALPROCESSINGMODE_DEFAULT, 16);
	assert_int_equal(amod_device_add_module(f->device, &movie, &ops, NULL, &tm), 0);
	assert_int_equal(amod_device_add_module(f->device, &deflt, &ops, NULL, &td), 0);
	((struct ctx *)amod_module_get_context(td))->value = 42;

	/* Default mode: the all-modes fixture module and the default EQ. */
	assert_int_equal(amod_device_open_stream(f->device, NULL, &s1), 0);
	assert_non_null(m = amod_stream_get_module(s1, 0));
	assert_int_equal(amod_module_get_instance_id(m), 1);
	assert_non_null(m = amod_stream_get_module(s1, 1));
	assert_int_equal(amod_module_get_instance_id(m), 0x01000001);
	assert_ptr_equal(amod_module_get_stream(m), s1);
	c = amod_module_get_context(m);
	assert_int_equal(c->value, 42); /* copied from the template */
	assert_int_equal(c->inits, 1);
	assert_null(amod_stream_get_module(s1, 2));

	assert_int_equal(amod_device_open_stream(f->device, NULL, &s2), 0);
	assert_int_equal(amod_module_get_instance_id(amod_stream_get_module(s2, 1)), 0x01000002);

	assert_int_equal(amod_device_open_stream(f->device, &movie_mode, &s3), 0);
	assert_int_equal(amod_module_get_instance_id(amod_stream_get_module(s3, 1)), 1);

	/* Stream instances send with their own instance id. */
	assert_int_equal(amod_module_notify(amod_stream_get_module(s2, 1), NULL, 0), 1);
	assert_int_equal(f->rec.recs[0].n.instance_id, 0x01000002);

	cleanups = 0;
	amod_stream_close(s1);
	assert_int_equal(cleanups, 1); /* the EQ instance; the echo module has no cleanup */
	amod_stream_close(s2);
	amod_stream_close(s3);
	amod_stream_close(NULL);
}

static void test_native_stream_descriptors_on_pin(void **state)
{
	struct fixture *f = *state;
	struct amod_stream *s;
	unsigned char in[48], out[8 + 284];
	uint32_t size = sizeof(out);
	KSAUDIOMODULE_DESCRIPTOR d;

	assert_int_equal(amod_device_open_stream(f->device, NULL, &s), 0);
	prop_req(in, KSPROPERTY_AUDIOMODULE_DESCRIPTORS, KSPROPERTY_TYPE_GET);
	assert_int_equal(amod_device_property(f->device, s, in, 24, out, &size), STATUS_SUCCESS);
	assert_int_equal(size, sizeof(out));
	memcpy(&d, out + 8, sizeof(d));
	assert_int_equal(d.InstanceId, 1);
	/* COMMAND on the pin addresses the stream instance, not the template. */
	command_req(in, &test_class_id, 1, KSPROPERTY_TYPE_GET, NULL, 0);
	size = 0;
	assert_int_equal(amod_device_property(f->device, s, in, 48, out, &size), STATUS_SUCCESS);
	command_req(in, &test_class_id, 0, KSPROPERTY_TYPE_GET, NULL, 0);
	assert_int_equal(amod_device_property(f->device, s, in, 48, out, &size),
			 STATUS_INVALID_PARAMETER);
	/* Device id is the same on the pin. */
	prop_req(in, KSPROPERTY_AUDIOMODULE_NOTIFICATION_DEVICE_ID, KSPROPERTY_TYPE_GET);
	size = 16;
	assert_int_equal(amod_device_property(f->device, s, in, 24, out, &size), STATUS_SUCCESS);
	assert_memory_equal(out, &test_device_id, 16);
}

static void test_native_closed_stream_instance_rejected(void **state)
{
	struct fixture *f = *state;
	struct amod_stream *s;
	unsigned char buf[40];
	struct amod_guid ev;

	memcpy(&ev, &KSNOTIFICATIONID_AudioModule, 16);
	build_header(buf, &test_device_id, &test_class_id, 1);
	assert_int_equal(amod_device_open_stream(f->device, NULL, &s), 0);
	assert_int_equal(amod_device_send(f->device, &ev, buf, 40), 1);
	amod_stream_close(s);
	assert_int_equal(amod_device_send(f->device, &ev, buf, 40), -ENOENT);
}

static int failing_init(struct amod_module *instance, void *context, const void *template_ctx)
{
	return -EIO;
}

static void test_native_stream_init_failure(void **state)
{
	struct fixture *f = *state;
	static const struct amod_module_ops ops = { AMOD_MODULE_OPS_VERSION, echo_command,
						    failing_init, counting_cleanup };
	struct amod_module_info mi = { .class_id = eq_class, .name = "Failing" };
	struct amod_module *m;
	struct amod_stream *s = NULL;

	assert_int_equal(amod_device_add_module(f->device, &mi, &ops, NULL, &m), 0);
	cleanups = 0;
	assert_int_equal(amod_device_open_stream(f->device, NULL, &s), -EIO);
	assert_null(s);
	assert_int_equal(cleanups, 0); /* never set up, never cleaned up */
}

struct observed {
	unsigned added, removing, removed;
	struct amod_stream *stream;
	bool streams_at_removing;
	struct amod_device *last;
	void *userdata_at_removal;
};

static void on_added(struct amod_device *d, void *ud)
{
	struct observed *o = ud;

	o->added++;
	o->last = d;
}

static void on_removing(struct amod_device *d, void *ud)
{
	struct observed *o = ud;

	/* Called first, while the device is whole: its streams are still open. */
	o->removing++;
	o->streams_at_removing = amod_stream_get_device(o->stream) == d;
}

static void on_removed(struct amod_device *d, void *ud)
{
	struct observed *o = ud;

	o->removed++;
	o->last = d;
	o->userdata_at_removal = amod_device_get_userdata(d);
}

static void test_native_observer_and_userdata(void **state)
{
	struct fixture *f = *state;
	static const struct amod_adapter_observer obs = { AMOD_ADAPTER_OBSERVER_VERSION, on_added,
							  on_removing, on_removed };
	struct amod_adapter_observer bad = obs;
	struct amod_device_info info = { "mic", "Microphone", { 0 } };
	struct observed o = { 0 };
	struct amod_device *d;
	int marker;

	bad.version = 2;
	assert_int_equal(amod_adapter_set_observer(f->adapter, &bad, &o), -EINVAL);
	assert_int_equal(amod_adapter_set_observer(f->adapter, &obs, &o), 0);
	assert_int_equal(amod_adapter_add_device(f->adapter, &info, &d), 0);
	assert_int_equal(o.added, 1);
	assert_ptr_equal(o.last, d);
	assert_null(amod_device_get_userdata(d));
	amod_device_set_userdata(d, &marker);
	assert_ptr_equal(amod_device_get_userdata(d), &marker);
	assert_int_equal(amod_device_open_stream(d, NULL, &o.stream), 0);
	amod_device_remove(d);
	assert_int_equal(o.removing, 1);
	assert_true(o.streams_at_removing);
	assert_int_equal(o.removed, 1);
	assert_ptr_equal(o.userdata_at_removal, &marker); /* still readable when told */
	assert_int_equal(amod_adapter_set_observer(f->adapter, NULL, NULL), 0);
	assert_int_equal(amod_adapter_add_device(f->adapter, &info, &d), 0);
	assert_int_equal(o.added, 1); /* removed observer: not called */
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, fixture_setup, fixture_teardown)
	const struct CMUnitTest tests[] = {
		T(test_native_descriptors_filter),
		T(test_native_descriptors_empty_device),
		T(test_native_device_id),
		T(test_native_basic_support),
		T(test_native_command_routed_to_handler),
		T(test_native_command_errors),
		T(test_native_property_request_errors),
		T(test_native_handler_overclaim_is_internal_error),
		T(test_native_add_module_errors),
		T(test_native_module_notify_builds_header),
		T(test_native_module_notify_needs_device_id),
		T(test_native_stream_instances),
		T(test_native_stream_descriptors_on_pin),
		T(test_native_closed_stream_instance_rejected),
		T(test_native_stream_init_failure),
		T(test_native_observer_and_userdata),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
