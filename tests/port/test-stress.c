/* SPDX-License-Identifier: MIT */
/*
 * Several senders on several threads while the control thread adds and removes listeners and
 * opens and closes streams. Every accepted notification reaches the permanent listener exactly
 * once and in sequence order, sequence numbers are unique and gapless per device, and
 * nothing leaks. Run under TSan
 * by `make check` (suite "stress").
 */
#include <stdatomic.h>

#include "test-helpers.h"

#define SENDERS 4
#define PER_SENDER 20000

struct seen {
	atomic_uint total;
	atomic_uchar *seq_seen; /* index = sequence */
	atomic_uint duplicates;
	uint64_t last;          /* calls for one device are serialised by the port */
	unsigned out_of_order;
};

static void permanent_listener(const struct amod_notification *n, void *userdata)
{
	struct seen *s = userdata;

	atomic_fetch_add(&s->total, 1);
	if (n->sequence != s->last + 1)
		s->out_of_order++;
	s->last = n->sequence;
	if (n->sequence == 0 || n->sequence > SENDERS * PER_SENDER * 2 ||
	    atomic_exchange(&s->seq_seen[n->sequence], 1))
		atomic_fetch_add(&s->duplicates, 1);
}

static void transient_listener(const struct amod_notification *n, void *userdata)
{
	atomic_fetch_add((atomic_uint *)userdata, 1);
}

struct sender {
	pthread_t thread;
	struct fixture *f;
	struct amod_module *module;
	int index;
	unsigned failures;
};

static void *sender_main(void *arg)
{
	struct sender *s = arg;
	unsigned char hdr[48];

	build_header(hdr, &test_device_id, &test_class_id, 0);
	hdr[40] = (unsigned char)s->index;
	for (int i = 0; i < PER_SENDER; i++) {
		PPCNOTIFICATION_BUFFER b = NULL;
		ULONG delivered;

		if (IPortClsNotifications_AllocNotificationBuffer(s->f->notifications,
								  NonPagedPoolNx, 48,
								  &b) != STATUS_SUCCESS) {
			s->failures++;
			continue;
		}
		memcpy(b, hdr, sizeof(hdr));
		if (AmodSendNotificationEx(s->f->notifications, &KSNOTIFICATIONID_AudioModule, b,
					   &delivered) != STATUS_SUCCESS || delivered < 1)
			s->failures++;
		IPortClsNotifications_FreeNotificationBuffer(s->f->notifications, b);
		if (amod_module_notify(s->module, &i, sizeof(i)) < 1)
			s->failures++;
	}
	return NULL;
}

static void test_stress_concurrent_senders_and_control(void **state)
{
	struct fixture *f = *state;
	struct seen seen = { 0 };
	struct sender senders[SENDERS];
	struct amod_listener *perm;
	struct amod_module *m;
	struct amod_verifier_stats st;
	atomic_uint transient = 0;
	unsigned missing = 0;

	seen.seq_seen = calloc(SENDERS * PER_SENDER * 2 + 1, 1);
	assert_non_null(seen.seq_seen);
	/* The fixture's recorder would serialise senders on its mutex: drop it. */
	amod_listener_remove(f->listener);
	f->listener = NULL;
	assert_int_equal(amod_adapter_add_listener(f->adapter, NULL, permanent_listener, &seen,
						   &perm),
			 0);
	m = NULL;
	{
		struct amod_module_info mi = { .class_id = test_class_id, .instance_id = 0x02000000,
					       .name = "Stress" };
		assert_int_equal(amod_device_add_module(f->device, &mi, &echo_ops, NULL, &m), 0);
	}
	for (int i = 0; i < SENDERS; i++) {
		senders[i] = (struct sender){ .f = f, .module = m, .index = i };
		assert_int_equal(pthread_create(&senders[i].thread, NULL, sender_main, &senders[i]),
				 0);
	}
	/* Control churn while the senders run. */
	for (int round = 0; round < 200; round++) {
		struct amod_listener *l;
		struct amod_stream *s;

		assert_int_equal(amod_adapter_add_listener(f->adapter, NULL, transient_listener,
							   &transient, &l),
				 0);
		assert_int_equal(amod_device_open_stream(f->device, NULL, &s), 0);
		amod_stream_close(s);
		amod_listener_remove(l);
	}
	for (int i = 0; i < SENDERS; i++) {
		pthread_join(senders[i].thread, NULL);
		assert_int_equal(senders[i].failures, 0);
	}
	amod_listener_remove(perm);

	assert_int_equal(atomic_load(&seen.total), SENDERS * PER_SENDER * 2);
	assert_int_equal(atomic_load(&seen.duplicates), 0);
	assert_int_equal(seen.out_of_order, 0); /* per-device FIFO */
	for (unsigned i = 1; i <= SENDERS * PER_SENDER * 2; i++)
		missing += !seen.seq_seen[i];
	assert_int_equal(missing, 0);
	assert_int_equal(amod_adapter_get_live_buffers(f->adapter), 0);
	assert_int_equal(amod_adapter_get_verifier_stats(f->adapter, &st), 0);
	assert_int_equal(st.rejected_sends + st.double_frees + st.invalid_frees + st.overruns, 0);
	free(seen.seq_seen);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_stress_concurrent_senders_and_control,
						fixture_setup, fixture_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
