/* SPDX-License-Identifier: MIT */
/*
 * vmfuzz: the model-based fuzzer as a plain program.
 *
 *   vmfuzz [--engine soft|host] [--seed N] [--ops N] [--run-ops N]
 *          [--threads N] [--check-every N] [--cache on|off] [--save FILE]
 *          [--verbose]
 *   vmfuzz [--engine soft|host] [--threads N] [--cache on|off] [--verbose]
 *          --replay FILE...
 *   vmfuzz [--engine soft|host] [--cache on|off] --minimize FILE
 *
 * Generate mode runs --ops operations in runs of at most --run-ops (each
 * run starts from a fresh library with its own configuration byte; run 0
 * uses seed N, run k a seed mixed from N and k, printed with a
 * divergence). The seed is printed first; a divergence prints the op,
 * the call and the expectation, writes the bytes of the failing run to
 * vmfuzz-fail-<engine>-<seed>.bin (replayable here and by the libFuzzer
 * target), and exits with status 1. --save FILE writes the bytes of the
 * last run. Generated inputs use the second format (driver.h) with
 * --threads worker threads (1 to 4; default 1: deterministic).
 *
 * --cache off runs the library without the area cache (default: on in
 * every run whose input turns the fast path on; the model follows it).
 *
 * Replay mode runs each FILE as one input, exactly as the libFuzzer
 * target does (--threads N overrides the input's thread count).
 *
 * --minimize FILE shrinks an input that diverges to a smaller one that
 * diverges at the same check (the same line of driver.c), by deleting
 * ever smaller chunks of bytes, each try in a child process; the result
 * goes to FILE.min.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "driver.h"

static const char *engine = "soft";
static bool minimizing;		/* in a minimizer's child */
static uint64_t run_seed;
static char repeat[512];

static void usage(void)
{
	fprintf(stderr,
		"usage: vmfuzz [--engine soft|host] [--seed N] [--ops N] [--run-ops N]\n"
		"              [--threads N] [--check-every N] [--cache on|off] [--save FILE]\n"
		"              [--verbose]\n"
		"       vmfuzz [--engine soft|host] [--threads N] [--cache on|off] [--verbose]\n"
		"              --replay FILE...\n"
		"       vmfuzz [--engine soft|host] [--cache on|off] --minimize FILE\n");
	exit(2);
}

static unsigned long number(const char *opt, const char *s)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || !*s || *end) {
		fprintf(stderr, "vmfuzz: %s wants a number, not '%s'\n", opt, s);
		exit(2);
	}
	return v;
}

static void write_file(const char *name, const uint8_t *data, size_t len)
{
	FILE *f = fopen(name, "wb");

	if (!f || fwrite(data, 1, len, f) != len || fclose(f)) {
		fprintf(stderr, "vmfuzz: cannot write %s\n", name);
		return;
	}
	fprintf(stderr, "vmfuzz: wrote the %zu input bytes to %s\n", len, name);
}

/* A divergence: keep the bytes that led to it, then fail the process. */
static void on_fail(void)
{
	size_t len;
	const uint8_t *bytes = fz_generated(&len);

	if (bytes) {
		char name[128];

		snprintf(name, sizeof(name), "vmfuzz-fail-%s-%" PRIu64 ".bin",
			 engine, run_seed);
		write_file(name, bytes, len);
	}
	exit(1);
}

/*
 * A run that takes more than RUN_TIMEOUT seconds hangs: say where, keep
 * the bytes, fail. (Not async-signal-safe in general; the process is
 * about to end anyway.)
 */
#define RUN_TIMEOUT	300

static void on_alarm(int sig)
{
	unsigned long op;
	const char *what = fz_current(&op);

	(void)sig;
	fprintf(stderr, "\nvmfuzz: HANG on the %s engine: op %lu (%s) still running after %d s\n  repeat with: %s\n",
		engine, op, what, RUN_TIMEOUT, repeat);
	on_fail();
}

static uint8_t *read_file(const char *name, size_t *len)
{
	FILE *f = fopen(name, "rb");
	uint8_t *buf = NULL;
	size_t cap = 0, n = 0, got;

	if (!f) {
		fprintf(stderr, "vmfuzz: cannot open %s\n", name);
		exit(2);
	}
	do {
		if (n == cap) {
			cap = cap ? 2 * cap : 4096;
			buf = realloc(buf, cap);
			if (!buf)
				exit(2);
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
	} while (got);
	fclose(f);
	*len = n;
	return buf;
}

/* In a minimizing child: report where the ops began. */
static void print_ops(void)
{
	unsigned long n, i;
	const size_t *st = fz_op_starts(&n);

	fprintf(stderr, "\nOPS %lu\n", n);
	for (i = 0; i < n; i++)
		fprintf(stderr, "%zu\n", st[i]);
}

/*
 * A crash in the library (or the driver): say which op, keep the bytes,
 * then die of the same signal. Not under AddressSanitizer, whose own
 * report says more.
 */
#if defined(__SANITIZE_ADDRESS__)
#define HAVE_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HAVE_ASAN 1
#endif
#endif

#ifndef HAVE_ASAN
static void on_crash(int sig)
{
	unsigned long op;
	const char *what = fz_current(&op);
	size_t len;
	const uint8_t *bytes = fz_generated(&len);

	fprintf(stderr, "\nvmfuzz: CRASH (signal %d) on the %s engine at op %lu: %s\n  repeat with: %s\n",
		sig, engine, op, what, repeat);
	if (minimizing)
		print_ops();
	if (bytes) {
		char name[128];

		snprintf(name, sizeof(name), "vmfuzz-fail-%s-%" PRIu64 ".bin",
			 engine, run_seed);
		write_file(name, bytes, len);
	}
	signal(sig, SIG_DFL);
	raise(sig);
}
#endif

static void catch_crashes(void)
{
#ifndef HAVE_ASAN
	signal(SIGSEGV, on_crash);
	signal(SIGBUS, on_crash);
	signal(SIGFPE, on_crash);
	signal(SIGILL, on_crash);
	signal(SIGABRT, on_crash);
#endif
}

static void on_fail_ops(void)
{
	print_ops();
	exit(1);
}

/*
 * Replay @data in a child; return the driver.c line of its divergence,
 * 1000 + the signal of a crash, 2000 for a hang, -1 for another kind of
 * failure, 0 when it passes.
 * With @starts, also collect where its ops began (at most @max).
 */
static int failure_line(struct fz_options *o, const uint8_t *data, size_t len,
			size_t *starts, unsigned long *nstarts, unsigned long max)
{
	FILE *err = tmpfile();
	char line[512];
	int status, at = -1;
	unsigned long n = 0;
	pid_t pid;

	if (!err)
		exit(2);
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		struct fz_input in = { .data = data, .len = len };

		dup2(fileno(err), 2);
		minimizing = true;
		alarm(60);
		if (!freopen("/dev/null", "w", stdout))
			_exit(3);
		o->on_fail = on_fail_ops;
		fz_run(o, &in, NULL);
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		exit(2);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		fclose(err);
		return 0;
	}
	rewind(err);
	while (fgets(line, sizeof(line), err)) {
		const char *p = strstr(line, "(driver.c:");
		unsigned long total;

		int sig;

		if (p)
			sscanf(p, "(driver.c:%d)", &at);
		if ((p = strstr(line, "CRASH (signal ")) && sscanf(p, "CRASH (signal %d)", &sig) == 1)
			at = 1000 + sig;
		if (strstr(line, "vmfuzz: HANG"))
			at = 2000;
		if (starts && sscanf(line, "OPS %lu", &total) == 1) {
			while (n < max && n < total && fgets(line, sizeof(line), err))
				starts[n++] = strtoul(line, NULL, 0);
			*nstarts = n;
		}
	}
	fclose(err);
	return at;
}

/*
 * Shrink an input that diverges at driver.c line L to a smaller one that
 * diverges at L too: delete runs of whole ops (halving the run length
 * down to one op; an op's bytes are found by replaying), then runs of
 * bytes inside what is left.
 */
static int minimize(struct fz_options *o, const char *name)
{
	size_t len, chunk, i, *starts;
	uint8_t *data = read_file(name, &len), *trial = malloc(len + 1);
	unsigned long nops = 0, k, run;
	int want, tries = 0;
	char out[4096];

	starts = malloc((len + 1) * sizeof(*starts));
	if (!trial || !starts)
		exit(2);
	want = failure_line(o, data, len, starts, &nops, len);
	if (!want) {
		fprintf(stderr, "vmfuzz: %s does not diverge on the %s engine\n", name, engine);
		return 1;
	}
	printf("vmfuzz: %s (%zu bytes, %lu ops) fails with code %d (a driver.c line; 1000 + signal: crash; 2000: hang); minimizing\n",
	       name, len, nops, want);
	/* Whole ops: the failing one (the last) always stays. */
	for (run = nops / 2; run >= 1; run /= 2) {
		for (k = 0; k + run < nops;) {
			size_t from = starts[k], to = starts[k + run];
			unsigned long n2 = 0;

			memcpy(trial, data, from);
			memcpy(trial + from, data + to, len - to);
			tries++;
			if (failure_line(o, trial, len - (to - from), starts, &n2, len) == want) {
				memcpy(data, trial, len - (to - from));
				len -= to - from;
				nops = n2;
			} else {
				k++;
				/* starts[] still describes data: nothing changed */
			}
			if (k + run >= nops)
				break;
		}
		if (run == 1)
			break;
	}
	/* Then bytes (byte 0 and 1: the configuration). */
	for (chunk = 8; chunk; chunk /= 2) {
		for (i = 2; i + chunk <= len;) {
			memcpy(trial, data, i);
			memcpy(trial + i, data + i + chunk, len - i - chunk);
			tries++;
			if (failure_line(o, trial, len - chunk, NULL, NULL, 0) == want) {
				memcpy(data, trial, len - chunk);
				len -= chunk;
			} else {
				i += chunk;
			}
		}
	}
	snprintf(out, sizeof(out), "%s.min", name);
	write_file(out, data, len);
	printf("vmfuzz: %zu bytes after %d tries; see it with: vmfuzz --engine %s --verbose --replay %s\n",
	       len, tries, engine, out);
	free(data);
	free(trial);
	free(starts);
	return 0;
}

/* Run k's seed: independent of the other runs' and of nearby seeds. */
static uint64_t mix(uint64_t seed, unsigned long k)
{
	uint64_t x = seed ^ (k * 0x9e3779b97f4a7c15ULL);

	x = (x ^ (x >> 31)) * 0xd6e8feb86659fd93ULL;
	x = (x ^ (x >> 32)) * 0xd6e8feb86659fd93ULL;
	return x ^ (x >> 32);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct fz_options o = { .on_fail = on_fail, .repeat = repeat };
	struct fz_result r, total;
	unsigned long ops = 10000, run_ops = 2000, done = 0, runs = 0;
	const char *save = NULL, *env = getenv("VMALLOC_ENGINE");
	uint64_t seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	int i, first_file = 0;
	unsigned long threads = 0;
	const char *shrink = NULL;
	double t0;
	const char *mmu;

	if (env && *env)
		engine = env;
	signal(SIGALRM, on_alarm);
	catch_crashes();
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--replay")) {
			first_file = i + 1;
			break;
		}
		if (!strcmp(a, "--verbose") || !strcmp(a, "-v")) {
			o.verbose = true;
			continue;
		}
		if (i + 1 >= argc)
			usage();
		if (!strcmp(a, "--engine"))
			engine = argv[++i];
		else if (!strcmp(a, "--seed"))
			seed = number(a, argv[++i]);
		else if (!strcmp(a, "--ops"))
			ops = number(a, argv[++i]);
		else if (!strcmp(a, "--run-ops"))
			run_ops = number(a, argv[++i]);
		else if (!strcmp(a, "--threads"))
			threads = number(a, argv[++i]);
		else if (!strcmp(a, "--check-every"))
			o.check_every = (unsigned int)number(a, argv[++i]);
		else if (!strcmp(a, "--cache")) {
			i++;
			if (strcmp(argv[i], "on") && strcmp(argv[i], "off"))
				usage();
			o.no_cache = !strcmp(argv[i], "off");
		} else if (!strcmp(a, "--save"))
			save = argv[++i];
		else if (!strcmp(a, "--minimize"))
			shrink = argv[++i];
		else
			usage();
	}
	if (strcmp(engine, "soft") && strcmp(engine, "host")) {
		fprintf(stderr, "vmfuzz: unknown engine '%s' (soft, host)\n", engine);
		return 2;
	}
	if (threads > FZ_MAX_THREADS) {
		fprintf(stderr, "vmfuzz: --threads wants 1 to %d\n", FZ_MAX_THREADS);
		return 2;
	}
	o.engine = engine;
	o.threads = (unsigned int)threads;
	if (shrink) {
		return minimize(&o, shrink);
	}
	memset(&total, 0, sizeof(total));
	t0 = now();

	if (first_file) {
		if (first_file >= argc)
			usage();
		for (i = first_file; i < argc; i++) {
			size_t len;
			uint8_t *data = read_file(argv[i], &len);
			struct fz_input in = { .data = data, .len = len };

			snprintf(repeat, sizeof(repeat), "vmfuzz --engine %s%s%.0lu%s --replay %s",
				 engine, threads ? " --threads " : "", threads,
				 o.no_cache ? " --cache off" : "", argv[i]);
			alarm(RUN_TIMEOUT);
			if (fz_run(&o, &in, &r))
				return 1;
			alarm(0);
			printf("vmfuzz: %s engine: replayed %s: %lu ops, %lu bytes, %u thread%s\n",
			       engine, argv[i], r.ops, r.bytes, r.threads,
			       r.threads > 1 ? "s" : "");
			total.ops += r.ops;
			free(data);
		}
		fz_shutdown();
		return 0;
	}

	if (!run_ops)
		run_ops = ops;
	if (!o.threads)
		o.threads = 1;
	/* The driver's vmalloc_init leaves the format to VMALLOC_MMU. */
	mmu = getenv("VMALLOC_MMU");
	printf("vmfuzz: %s engine, %s page tables, area cache %s, seed %" PRIu64 " (--seed %" PRIu64 " to repeat), %lu ops, %u thread%s%s\n",
	       engine, mmu && *mmu ? mmu : "x86_64", o.no_cache ? "off" : "on", seed, seed, ops, o.threads,
	       o.threads > 1 ? "s" : "",
	       o.threads > 1 ? " (not deterministic: the seed fixes each thread's ops, not their interleaving)" : "");
	while (done < ops) {
		unsigned long n = ops - done < run_ops ? ops - done : run_ops;
		struct fz_input in;

		run_seed = runs ? mix(seed, runs) : seed;
		in = (struct fz_input){ .seed = run_seed };
		o.max_ops = n;
		snprintf(repeat, sizeof(repeat),
			 "vmfuzz --engine %s --seed %" PRIu64 " --ops %lu --run-ops %lu --threads %u%s%s",
			 engine, run_seed, n, n, o.threads, o.no_cache ? " --cache off" : "",
			 o.check_every ? " (and the same --check-every)" : "");
		alarm(RUN_TIMEOUT);
		if (fz_run(&o, &in, &r))
			return 1;
		alarm(0);
		done += n;
		runs++;
		total.ops += r.ops;
		total.calls_ok += r.calls_ok;
		total.calls_failed += r.calls_failed;
		total.refused += r.refused;
		total.faults += r.faults;
		total.full_checks += r.full_checks;
		total.purges += r.purges;
		total.barriers += r.barriers;
		total.races += r.races;
		for (int k = 0; k < FZK_MAX; k++)
			total.kind[k] += r.kind[k];
	}
	if (save) {
		size_t len;
		const uint8_t *bytes = fz_generated(&len);

		write_file(save, bytes, len);
	}
	{
		double dt = now() - t0;

		printf("vmfuzz: %s engine, %u thread%s: %lu runs, %lu ops in %.2f s (%.0f ops/s): "
		       "%lu calls succeeded, %lu failed as allowed, %lu refused as required, "
		       "%lu faults injected, %lu purges, %lu full checks, %lu barriers, %lu racing double frees; no divergence\n",
		       engine, o.threads, o.threads > 1 ? "s" : "", runs, total.ops, dt,
		       dt > 0 ? total.ops / dt : 0.0,
		       total.calls_ok, total.calls_failed, total.refused, total.faults,
		       total.purges, total.full_checks, total.barriers, total.races);
	}
	{
		int k, any = 0;

		for (k = 0; k < FZK_MAX; k++)
			if (fz_kind_name(k) && total.kind[k])
				printf("%s%s %lu", any++ ? ", " : "vmfuzz: today's API: ",
				       fz_kind_name(k), total.kind[k]);
		if (any)
			printf("\n");
	}
	fz_shutdown();
	return 0;
}
