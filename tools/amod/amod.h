/* SPDX-License-Identifier: MIT */
#ifndef AMOD_TOOL_H
#define AMOD_TOOL_H

/*
 * amod.h: what the amod tool's verbs share (private to tools/amod). Functions that return an
 * exit code have already told the user what went wrong; the others return a negative errno.
 */

#include <json-c/json.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <amod/amod-client.h>

enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,
	EXIT_USAGE = 2,
	EXIT_NOCONNECT = 3,
	EXIT_NOTFOUND = 4,
	EXIT_UNAVAILABLE = 5,
	EXIT_LOST = 6,
	EXIT_TIMEOUT = 124,
};

/* KS constants of the SYSVAD convention (spec §2.1, §3.9); the tool uses no WDK header. */
#define KS_TYPE_GET 0x00000001u
#define KS_TYPE_SET 0x00000002u
#define KS_TYPE_BASICSUPPORT 0x00000200u
#define KS_MEMBER_RANGES 1u
#define KS_MEMBER_STEPPEDRANGES 2u
#define KS_MEMBER_VALUES 3u
#define KS_MEMBER_FLAG_DEFAULT 1u
#define KS_DESCRIPTION_SIZE 40u
#define KS_MEMBERSHEADER_SIZE 16u
#define KS_NOTIFICATION_HEADER_SIZE 40u

extern const struct amod_guid ks_proptypesetid_general;
extern const struct amod_guid ks_notificationid_audiomodule;
extern const struct amod_guid ks_notificationid_sounddetector;

#define MAX_LIST 64

enum timestamp_mode {
	TIMESTAMP_MONO,
	TIMESTAMP_REALTIME,
	TIMESTAMP_DELTA,
	TIMESTAMP_NONE,
};

struct ctx {
	/* Global options. */
	bool json;
	const char *socket_path;
	int timeout_ms;
	bool color;

	/* Verb options; which ones a verb accepts is checked while parsing. */
	const char *devices[MAX_LIST];
	size_t n_devices;
	struct amod_guid classes[MAX_LIST];
	size_t n_classes;
	uint32_t instances[MAX_LIST];
	size_t n_instances;
	struct amod_guid events[MAX_LIST];
	size_t n_events;
	uint64_t count;
	enum timestamp_mode timestamp;
	bool reconnect;
	bool hexdump;
	const char *hex;
	const char *file;
	uint32_t max_reply;
	bool raw;
	uint32_t size; /* 0: not given */

	const char *args[8]; /* the verb's positional arguments */
	size_t n_args;

	struct amod_client *client;
};

/* Output and errors (amod.c). */
int fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/*
 * Reports a client library error about what (e.g. "cannot list devices") and returns the exit
 * code its class calls for: timeout 124, lost connection 6, refused access 1, device gone 5.
 */
int fail_errno(const struct ctx *c, int r, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/*
 * A module status that is not success: STATUS_INVALID_DEVICE_STATE is 5, STATUS_IO_TIMEOUT
 * (amodd gave up on the handler) 124, anything else 1.
 */
int fail_status(int32_t status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "STATUS_SUCCESS (0x00000000)", or "status 0x..." when the code has no name. */
const char *status_string(int32_t status, char buf[64]);
void hexdump(FILE *f, const void *data, size_t size);
char *hex_string(const void *data, size_t size); /* malloc'ed; NULL on ENOMEM */
int print_json(const struct ctx *c, struct json_object *o);
struct json_object *json_guid(const struct amod_guid *g);
struct json_object *json_status(int32_t status);
const char *guid_str(const struct amod_guid *g, char buf[AMOD_GUID_STRING_MAX]);

/* Argument parsing (amod.c): 0 or -EINVAL; the callers turn that into a usage error. */
int parse_u32(const char *s, uint32_t *ret);
int parse_u64(const char *s, uint64_t *ret);
/* A GUID, or for events also "AudioModule" / "SoundDetector". */
int parse_event(const char *s, struct amod_guid *ret);
int parse_class(const char *s, struct amod_guid *ret);

/* Connection and lookup (amod.c). */
int ctx_connect(struct ctx *c);
/* Why amod_client_connect() failed with r, in the user's words. */
int connect_error(const struct ctx *c, int r, const char *path);
/* DEVICE: endpoint id, notification id GUID or amodd's numeric id. */
int resolve_device(struct ctx *c, const char *name, struct amod_client_device *ret);
bool device_matches(const struct amod_client_device *d, const char *name);
/*
 * Finds module (class, instance): on device if given, else on every device (a usage error if
 * several have it). Fills ret_device and ret_module.
 */
int locate_module(struct ctx *c, const struct amod_guid *cls, uint32_t instance, const char *device,
		  struct amod_client_device *ret_device, struct amod_client_module *ret_module);
/* The modules of a device; a device that answers no DESCRIPTORS has none. Errno. */
int device_modules(struct ctx *c, uint32_t device, struct amod_client_module **ret,
		   size_t *ret_count, bool *ret_module_aware);
/*
 * KSPROPERTY_AUDIOMODULE_COMMAND with KS size negotiation: asks with max_reply bytes and, if
 * the module answers STATUS_BUFFER_OVERFLOW with a larger size, asks once more with that.
 * Returns the transport error (errno) like amod_client_send_command().
 */
int module_command(struct ctx *c, uint32_t device, const struct amod_guid *cls, uint32_t instance,
		   const void *cmd, size_t cmd_size, uint32_t max_reply,
		   struct amod_command_result *res);

/* The SYSVAD Verb + ParameterId convention (sysvad.c). */
struct param {
	uint32_t id;
	uint32_t access;
	bool have_description;
	uint32_t vt;
	uint32_t description_size;
	uint32_t members_list_count;
	bool have_members;
	uint32_t members_flags;
	uint32_t members_size;
	uint32_t members_count;
	uint32_t flags;
	uint8_t *values; /* members_size * members_count bytes; malloc'ed */
	bool have_value;
	int32_t get_status; /* of the GET for the current value */
	uint8_t value[64];
	uint32_t value_size;
};

void param_clear(struct param *p);
void params_free(struct param *p, size_t n);
const char *vt_name(uint32_t vt);
/* "GET SET BASICSUPPORT"; "none" for 0. */
const char *access_string(uint32_t access, char buf[64]);
/* 1/2/4/8 bytes little-endian unsigned as decimal, anything else as hex bytes. */
char *value_string(const void *data, uint32_t size, char *buf, size_t buf_size);
struct json_object *json_value(const void *data, uint32_t size);
struct json_object *json_param(const struct param *p);

/* BASICSUPPORT of one parameter: transport errno, *ret_status the module's. */
int sysvad_support(struct ctx *c, uint32_t device, const struct amod_guid *cls, uint32_t instance,
		   uint32_t param, struct param *ret, int32_t *ret_status);
/* GET: the module's status and value bytes in res. Transport errno. */
int sysvad_get(struct ctx *c, uint32_t device, const struct amod_guid *cls, uint32_t instance,
	       uint32_t param, struct amod_command_result *res);
/*
 * Lists a module's parameters by BASICSUPPORT from 0 up to the first STATUS_INVALID_PARAMETER,
 * with their current values. *ret_conforms is false when parameter 0 does not answer like a
 * SYSVAD module (then no parameters). Errno.
 */
int sysvad_probe(struct ctx *c, uint32_t device, const struct amod_guid *cls, uint32_t instance,
		 struct param **ret, size_t *ret_count, bool *ret_conforms);

/* Verbs: each returns the exit code. */
int verb_list(struct ctx *c);
int verb_info(struct ctx *c);
int verb_dump(struct ctx *c);
int verb_send(struct ctx *c);
int verb_get(struct ctx *c);
int verb_set(struct ctx *c);
int verb_support(struct ctx *c);
int verb_monitor(struct ctx *c);

/* Cleanup helpers, for tools only (style.md). */
static inline void freep(void *p)
{
	free(*(void **)p);
}
static inline void json_putp(struct json_object **o)
{
	json_object_put(*o);
}
static inline void result_clearp(struct amod_command_result *r)
{
	amod_command_result_clear(r);
}
#define _cleanup_free_ __attribute__((cleanup(freep)))
#define _cleanup_json_ __attribute__((cleanup(json_putp)))
#define _cleanup_result_ __attribute__((cleanup(result_clearp)))

#endif /* AMOD_TOOL_H */
