/* SPDX-License-Identifier: MIT */
/* The sample driver as an amodd plugin: amodd --driver .../amod-sample-driver.so[=OPTIONS] */
#include "sample.h"

static int plugin_init(struct amod_adapter *adapter, const char *args, void **ret_driver)
{
	return sample_driver_create(adapter, args, (struct sample_driver **)ret_driver);
}

static void plugin_fini(void *driver)
{
	sample_driver_free(driver);
}

__attribute__((visibility("default"))) const struct amod_driver_entry amod_driver_entry = {
	.version = AMOD_DRIVER_ENTRY_VERSION,
	.name = "sample",
	.init = plugin_init,
	.fini = plugin_fini,
};
