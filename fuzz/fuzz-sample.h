/* SPDX-License-Identifier: MIT */
#ifndef AMOD_FUZZ_SAMPLE_H
#define AMOD_FUZZ_SAMPLE_H

/*
 * The state the device targets (fuzz-property, fuzz-command, fuzz-host) set up once per
 * process: an adapter with the verifier on, the sample driver's two endpoints (a raw WDK
 * miniport each), and two devices with native modules (amod_device_add_module()), one of
 * them without a notification id, so both of the port's dispatch paths are reached. With
 * streams, each device also has three open pins (default mode, movie mode, and a mode only
 * mode-less modules match), so an input can address a filter or a pin without paying for a
 * stream per execution.
 */

#include <stdbool.h>

#include <amod/amod-port.h>

#include "fuzz.h"

#define FUZZ_SAMPLE_DEVICES 4u
#define FUZZ_SAMPLE_PINS 3u
#define FUZZ_SAMPLE_TARGETS 16u /* FUZZ_TARGET_* values */

struct fuzz_sample {
	struct amod_adapter *adapter;
	struct sample_driver *driver;
	struct amod_device *devices[FUZZ_SAMPLE_DEVICES];
	struct amod_stream *streams[FUZZ_SAMPLE_DEVICES][FUZZ_SAMPLE_PINS];
};

/* Sets up f (streams too if asked) and frees it at exit. Aborts on failure. */
void fuzz_sample_init(struct fuzz_sample *f, bool streams);

/* The device a FUZZ_TARGET_* byte names, and its pin (NULL: the filter). */
struct amod_device *fuzz_sample_target(const struct fuzz_sample *f, uint8_t target,
				       struct amod_stream **ret_stream);

#endif
