/* SPDX-License-Identifier: MIT */
/* Host engine: under construction in this change (see issue 3). */
#include <errno.h>
#include "../../hosted/engine.h"

static int host_setup(const struct engine_config *cfg, struct vm_platform *p)
{
	(void)cfg, (void)p;
	return -ENOSYS;
}

static void host_teardown(void *ctx)
{
	(void)ctx;
}

const struct hosted_engine vm_host_engine = {
	.name = "host",
	.default_vmalloc_size_mb = 64UL << 10,
	.setup = host_setup,
	.teardown = host_teardown,
};
