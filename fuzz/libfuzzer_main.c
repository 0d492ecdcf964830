/* SPDX-License-Identifier: MIT */
/*
 * The libFuzzer target: each input is one run of the driver (driver.h)
 * from a freshly initialised library. Environment: FUZZ_ENGINE=host to
 * fuzz the host engine (default soft: fastest), FUZZ_CHECK_EVERY=N for
 * the full-check period, FUZZ_VERBOSE=1 to print every call (with
 * -runs=1 on one input, to see what a crash input does), FUZZ_THREADS=N
 * to run every input with N worker threads (default: as the input's
 * configuration byte says; an input in the second format may ask for
 * up to 4, and then does not repeat exactly).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driver.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct fz_options opts;
static unsigned long inputs, ops;

/* At exit: how many library calls the inputs made, for the rate. */
static void report(void)
{
	fprintf(stderr, "vmfuzz-libfuzzer: %lu inputs, %lu ops on the %s engine\n",
		inputs, ops, opts.engine);
}

static void on_fail(void)
{
	abort();	/* libFuzzer keeps the input as crash-* */
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *e = getenv("FUZZ_ENGINE"), *c = getenv("FUZZ_CHECK_EVERY");
	const char *t = getenv("FUZZ_THREADS");

	(void)argc;
	(void)argv;
	opts.engine = e && !strcmp(e, "host") ? "host" : "soft";
	opts.check_every = c ? (unsigned int)strtoul(c, NULL, 0) : 0;
	opts.verbose = getenv("FUZZ_VERBOSE") != NULL;
	opts.threads = t ? (unsigned int)strtoul(t, NULL, 0) : 0;
	if (opts.threads > FZ_MAX_THREADS)
		opts.threads = FZ_MAX_THREADS;
	opts.repeat = "the crash input with this binary, or with vmfuzz --replay";
	opts.on_fail = on_fail;
	atexit(report);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_input in = { .data = data, .len = size };
	struct fz_result r;

	if (fz_run(&opts, &in, &r))
		abort();	/* the library did not come up */
	inputs++;
	ops += r.ops;
	return 0;
}
