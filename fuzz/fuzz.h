/* SPDX-License-Identifier: MIT */
#ifndef AMOD_FUZZ_H
#define AMOD_FUZZ_H

/*
 * The fuzz targets' shared part. Each fuzz-<target>.c defines LLVMFuzzerTestOneInput (and
 * LLVMFuzzerInitialize when it sets up state once). Built two ways (fuzz/meson.build): with
 * clang's -fsanitize=fuzzer for `make fuzz`, and with replay.c's main, with any compiler, to
 * replay fuzz/corpus/<target>/ in `make check`.
 *
 * The input layouts below are what make-seeds.c writes; a target reads missing bytes as zero,
 * so every input, however short, is valid.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/*
 * A failed check: the sanitizers and libFuzzer treat abort() as a crash and keep the input.
 * Not assert(): the checks must hold in every build type.
 */
#define FUZZ_CHECK(cond)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);  \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

/* Consumes the input front to back; reads past its end give zeros. */
struct fuzz_input {
	const uint8_t *data;
	size_t size;
	size_t pos;
};

static inline size_t fuzz_left(const struct fuzz_input *in)
{
	return in->size - in->pos;
}

static inline void fuzz_bytes(struct fuzz_input *in, void *dst, size_t n)
{
	size_t k = n < fuzz_left(in) ? n : fuzz_left(in);

	if (k)
		memcpy(dst, in->data + in->pos, k);
	memset((uint8_t *)dst + k, 0, n - k);
	in->pos += k;
}

static inline uint8_t fuzz_u8(struct fuzz_input *in)
{
	uint8_t v;

	fuzz_bytes(in, &v, 1);
	return v;
}

static inline uint16_t fuzz_u16(struct fuzz_input *in)
{
	uint8_t b[2];

	fuzz_bytes(in, b, 2);
	return (uint16_t)(b[0] | b[1] << 8);
}

static inline uint32_t fuzz_u32(struct fuzz_input *in)
{
	uint8_t b[4];

	fuzz_bytes(in, b, 4);
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

/*
 * fuzz-host: a sequence of chunks, each one datagram to the host:
 *   u16 LE  bits 0..12: length (cut to what is left); bit 13: first wait for the replies to
 *           everything sent so far (some come from the host's worker threads, so a request
 *           that needs an earlier one's result, e.g. PROPERTY on a new stream, waits);
 *           bit 14: attach a file descriptor; bit 15: overwrite the header's size field
 *           (bytes 4..7) with the real length, so mutations keep the datagram well framed
 *   length bytes
 */
#define FUZZ_HOST_LEN_MASK 0x1FFFu
#define FUZZ_HOST_WAIT 0x2000u
#define FUZZ_HOST_SEND_FD 0x4000u
#define FUZZ_HOST_FIX_SIZE 0x8000u

/*
 * fuzz-property: u8 target (FUZZ_TARGET_*), u32 LE value_size, then the request bytes
 * (KSPROPERTY + instance). A value_size over FUZZ_PROPERTY_MAX_VALUE (just past the port's
 * clamp) is taken modulo 4097: random bytes mostly ask for small buffers, which are fast.
 */
#define FUZZ_PROPERTY_MAX_VALUE (1024u * 1024u + 16u)

static inline uint32_t fuzz_property_value_size(uint32_t v)
{
	return v <= FUZZ_PROPERTY_MAX_VALUE ? v : v % 4097u;
}

/*
 * The target of a property request (fuzz-sample.h): bits 0..1 the device (the sample's
 * speaker and headphone, a native-module device, the same without notification id), bits
 * 2..3 the pin: 0 the filter, 1 a default-mode stream, 2 a movie-mode stream, 3 a stream of
 * a mode only mode-less modules match. Higher bits are ignored.
 */
#define FUZZ_TARGET_DEVICE(t) ((t) & 3u)
#define FUZZ_TARGET_PIN(t) (((t) >> 2) & 3u)
#define FUZZ_TARGET(device, pin) ((uint8_t)((device) | (pin) << 2))

/*
 * fuzz-command: u8 target (as fuzz-property), u8 module (index into the target's
 * DESCRIPTORS, modulo their number; 0xFF: ClassId and InstanceId come from the next 20
 * bytes instead), [16-byte ClassId, u32 InstanceId when module is 0xFF], u32 LE KS Flags
 * (the verb of the COMMAND property), u16 LE value_size, then the vendor bytes after the
 * 48-byte KSAUDIOMODULE_PROPERTY.
 */
#define FUZZ_COMMAND_RAW_MODULE 0xFFu

/*
 * fuzz-utf16: u8 mode: bit 0 direction (0: UTF-16 -> UTF-8, 1: UTF-8 -> UTF-16), bit 1:
 * src_units is the whole input (0) or the u16 that follows the sizes (1); then u16 LE
 * dst_size (bytes or units), [u16 LE src_units], then the source (UTF-16LE units or UTF-8
 * bytes, NUL-terminated by the target).
 */
#define FUZZ_UTF16_TO_UTF16 0x01u
#define FUZZ_UTF16_SRC_UNITS 0x02u

/*
 * fuzz-ring: u8 keep: which header fields are forced valid (FUZZ_RING_*); u8 shape; the
 * 128-byte ring header as the writer lays it out; the 32-byte reader page; then the data
 * area's bytes, placed from the reader's read_pos onwards (wrapping). Fields forced valid
 * are overwritten whatever the input says.
 */
#define FUZZ_RING_MAGIC 0x01u       /* magic, version, header_size */
#define FUZZ_RING_DATA_SIZE 0x02u   /* data_size = the memfd's data area */
#define FUZZ_RING_MAX_RECORD 0x04u  /* max_record aligned down to 8, clamped to its range */
#define FUZZ_RING_MAP_SIZE 0x08u    /* map_size passed = 4096 + data area */
#define FUZZ_RING_SEAL 0x10u        /* seal the ring memfd (shrink, grow) */
#define FUZZ_RING_SEAL_PAGE 0x20u   /* seal the reader page memfd */
#define FUZZ_RING_ALIGN 0x40u       /* read_pos aligned to 8 */
#define FUZZ_RING_RESERVE 0x80u     /* reserve_pos = write_pos (no record in flight) */
/* shape: */
#define FUZZ_RING_BIG 0x01u              /* a data area of 128 KiB instead of 64 KiB */
#define FUZZ_RING_WRITE_FROM_INPUT 0x02u /* write_pos as the input says, else read_pos + data */

#define FUZZ_RING_INPUT_HEADER 128u
#define FUZZ_RING_INPUT_PAGE 32u

#endif
