/* SPDX-License-Identifier: MIT */
/* amod send: a raw KSPROPERTY_AUDIOMODULE_COMMAND, its status and reply bytes. */
#include <errno.h>
#include <string.h>

#include "amod.h"

/* The wire's limit on KSPROPERTY + instance bytes (64 KiB) less the 48-byte module address. */
#define MAX_COMMAND (64u * 1024u - 48u)

static int hex_digit(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

static bool hex_separator(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == ':' || ch == ',' || ch == '_';
}

/* "02000000 00000000", "02:00:00:00", "0x02 0x00": separators and 0x prefixes are skipped. */
static int parse_hex(const char *s, uint8_t **ret, size_t *ret_size)
{
	size_t len = strlen(s), n = 0;
	uint8_t *buf = malloc(len / 2 + 1);
	int hi = -1;

	if (!buf)
		return -ENOMEM;
	for (size_t i = 0; i < len; i++) {
		int d;

		if (hex_separator(s[i])) {
			if (hi >= 0)
				goto bad;
			continue;
		}
		if (hi < 0 && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X') &&
		    (i == 0 || hex_separator(s[i - 1]))) {
			i++;
			continue;
		}
		d = hex_digit(s[i]);
		if (d < 0)
			goto bad;
		if (hi < 0) {
			hi = d;
		} else {
			buf[n++] = (uint8_t)(hi << 4 | d);
			hi = -1;
		}
	}
	if (hi >= 0)
		goto bad;
	*ret = buf;
	*ret_size = n;
	return 0;
bad:
	free(buf);
	return -EINVAL;
}

static int read_all(FILE *f, uint8_t **ret, size_t *ret_size)
{
	uint8_t *buf = malloc(MAX_COMMAND + 1);
	size_t n;

	if (!buf)
		return -ENOMEM;
	n = fread(buf, 1, MAX_COMMAND + 1, f);
	if (ferror(f)) {
		free(buf);
		return -EIO;
	}
	if (n > MAX_COMMAND) {
		free(buf);
		return -EFBIG;
	}
	*ret = buf;
	*ret_size = n;
	return 0;
}

/* The command bytes from --hex, --file or standard input; *ret is set on success only. */
static int command_bytes(struct ctx *c, uint8_t **ret, size_t *ret_size)
{
	bool from_stdin = c->n_args > 2;
	int sources = !!c->hex + !!c->file + from_stdin, r;
	uint8_t *buf = NULL;
	size_t size = 0;

	if (from_stdin && strcmp(c->args[2], "-") != 0)
		return fail(EXIT_USAGE,
			    "unexpected argument '%s' for 'send' (the command bytes "
			    "come from --hex, --file or - for standard input)",
			    c->args[2]);
	if (sources != 1)
		return fail(EXIT_USAGE, "'send' needs the command bytes from exactly one of --hex "
					"HEX, --file FILE or - (standard input)");
	if (c->hex) {
		r = parse_hex(c->hex, &buf, &size);
		if (r == -EINVAL)
			return fail(EXIT_USAGE, "invalid hex '%s' (pairs of hex digits expected)",
				    c->hex);
		if (r == 0 && size > MAX_COMMAND) {
			free(buf);
			return fail(EXIT_USAGE, "the command is larger than %u bytes", MAX_COMMAND);
		}
	} else {
		FILE *f = from_stdin ? stdin : fopen(c->file, "rb");

		if (!f)
			return fail(EXIT_FAIL, "cannot open '%s': %s", c->file, strerror(errno));
		r = read_all(f, &buf, &size);
		if (f != stdin)
			fclose(f);
		if (r == -EFBIG)
			return fail(EXIT_USAGE, "the command is larger than %u bytes", MAX_COMMAND);
		if (r == -EIO)
			return fail(EXIT_FAIL, "cannot read %s",
				    from_stdin ? "standard input" : c->file);
	}
	if (r < 0)
		return fail(EXIT_FAIL, "cannot read the command: %s", strerror(-r));
	*ret = buf;
	*ret_size = size;
	return EXIT_OK;
}

/* Sends cmd to (cls, instance) and shows the result. */
static int send_bytes(struct ctx *c, const struct amod_guid *cls, uint32_t instance,
		      const uint8_t *cmd, size_t cmd_size)
{
	_cleanup_result_ struct amod_command_result res = {0};
	_cleanup_json_ struct json_object *o = NULL;
	_cleanup_free_ char *hex = NULL;
	struct amod_client_device dev = {0};
	struct amod_client_module mod;
	char g[AMOD_GUID_STRING_MAX], s[64];
	int r;

	r = ctx_connect(c);
	if (r)
		return r;
	r = locate_module(c, cls, instance, c->n_devices ? c->devices[0] : NULL, &dev, &mod);
	if (r)
		return r;
	r = module_command(c, dev.id, cls, instance, cmd, cmd_size, c->max_reply, &res);
	if (r < 0)
		return fail_errno(c, r, "cannot send the command to %s instance %u on '%s'",
				  guid_str(cls, g), instance, dev.endpoint_id);

	if (c->raw) {
		if (res.size && fwrite(res.data, 1, res.size, stdout) != res.size)
			return fail(EXIT_FAIL, "cannot write the reply: %s", strerror(errno));
	} else if (c->json) {
		o = json_object_new_object();
		hex = hex_string(res.data, res.size);
		json_object_object_add(o, "device", json_object_new_string(dev.endpoint_id));
		json_object_object_add(o, "class_id", json_guid(cls));
		json_object_object_add(o, "instance_id", json_object_new_int64(instance));
		json_object_object_add(o, "status", json_status(res.status));
		snprintf(s, sizeof(s), "0x%08X", (unsigned)res.status);
		json_object_object_add(o, "status_code", json_object_new_string(s));
		json_object_object_add(o, "information", json_object_new_int64(res.information));
		json_object_object_add(o, "reply", hex ? json_object_new_string(hex) : NULL);
		print_json(c, o);
	} else {
		printf("status       %s\n", status_string(res.status, s));
		printf("information  %u\n", res.information);
		printf("reply        %u byte%s\n", res.size, res.size == 1 ? "" : "s");
		hexdump(stdout, res.data, res.size);
	}
	/* Warnings (0x8...) such as an unresolved BUFFER_OVERFLOW count as failures too. */
	if (res.status < 0)
		return fail_status(res.status, "module %s instance %u on '%s' answered",
				   guid_str(cls, g), instance, dev.endpoint_id);
	return EXIT_OK;
}

int verb_send(struct ctx *c)
{
	struct amod_guid cls;
	uint32_t instance;
	uint8_t *cmd = NULL;
	size_t cmd_size = 0;
	int r;

	if (parse_class(c->args[0], &cls) < 0)
		return fail(EXIT_USAGE,
			    "invalid class id '%s' (a GUID expected, e.g. "
			    "E24C8B6F-EDE7-4255-8B39-77976015D593)",
			    c->args[0]);
	if (parse_u32(c->args[1], &instance) < 0)
		return fail(EXIT_USAGE, "invalid instance id '%s'", c->args[1]);
	r = command_bytes(c, &cmd, &cmd_size);
	if (r)
		return r;
	r = send_bytes(c, &cls, instance, cmd, cmd_size);
	free(cmd);
	return r;
}
