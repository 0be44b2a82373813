/* SPDX-License-Identifier: MIT */
#include <errno.h>

#include "common/common-internal.h"

static const struct {
	int32_t status;
	const char *name;
	int err;
} status_table[] = {
	{ AMOD_STATUS_SUCCESS, "STATUS_SUCCESS", 0 },
	{ AMOD_STATUS_BUFFER_OVERFLOW, "STATUS_BUFFER_OVERFLOW", -EOVERFLOW },
	{ AMOD_STATUS_UNSUCCESSFUL, "STATUS_UNSUCCESSFUL", -EIO },
	{ AMOD_STATUS_INVALID_PARAMETER, "STATUS_INVALID_PARAMETER", -EINVAL },
	{ AMOD_STATUS_INVALID_DEVICE_REQUEST, "STATUS_INVALID_DEVICE_REQUEST", -EOPNOTSUPP },
	{ AMOD_STATUS_ACCESS_DENIED, "STATUS_ACCESS_DENIED", -EACCES },
	{ AMOD_STATUS_BUFFER_TOO_SMALL, "STATUS_BUFFER_TOO_SMALL", -ENOBUFS },
	{ AMOD_STATUS_QUOTA_EXCEEDED, "STATUS_QUOTA_EXCEEDED", -EDQUOT },
	{ AMOD_STATUS_INSUFFICIENT_RESOURCES, "STATUS_INSUFFICIENT_RESOURCES", -ENOMEM },
	{ AMOD_STATUS_IO_TIMEOUT, "STATUS_IO_TIMEOUT", -ETIMEDOUT },
	{ AMOD_STATUS_INTERNAL_ERROR, "STATUS_INTERNAL_ERROR", -EPROTO },
	{ AMOD_STATUS_INVALID_DEVICE_STATE, "STATUS_INVALID_DEVICE_STATE", -ENODEV },
	{ AMOD_STATUS_INVALID_BUFFER_SIZE, "STATUS_INVALID_BUFFER_SIZE", -EMSGSIZE },
	{ AMOD_STATUS_NOT_FOUND, "STATUS_NOT_FOUND", -ENOENT },
	{ AMOD_STATUS_NOINTERFACE, "STATUS_NOINTERFACE", -ENOTSUP },
};

AMOD_API const char *amod_status_name(int32_t status)
{
	for (size_t i = 0; i < ELEMENTSOF(status_table); i++)
		if (status_table[i].status == status)
			return status_table[i].name;
	return NULL;
}

AMOD_API int amod_status_to_errno(int32_t status)
{
	if (status >= 0)
		return 0;
	for (size_t i = 0; i < ELEMENTSOF(status_table); i++)
		if (status_table[i].status == status)
			return status_table[i].err;
	return -EIO;
}

AMOD_API int32_t amod_status_from_errno(int err)
{
	if (err >= 0)
		return AMOD_STATUS_SUCCESS;
	/* ENOTSUP and EOPNOTSUPP are one value on Linux: the first entry wins. */
	for (size_t i = 0; i < ELEMENTSOF(status_table); i++)
		if (status_table[i].err == err)
			return status_table[i].status;
	return AMOD_STATUS_UNSUCCESSFUL;
}
