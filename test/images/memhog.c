/*
 * memhog: hold a known amount of anonymous memory and dirty a known share of it per
 * second, so tests can predict checkpoint sizes and what pre-dump/dirty tracking saves.
 *
 *   memhog <MB> <dirty_pct_per_sec> [tick_ms]
 *   memhog <MB> untouched [tick_ms]
 *
 * Every page is written once before the first tick, so the first counter line means
 * "RSS is now MB". Each tick (default 200 ms) dirties its share of the pages, bumps a
 * counter, prints it to stdout and writes it to /count. SIGTERM/SIGINT: exit 0.
 *
 * "untouched" maps the MB and never writes them (seed 002's "allocated but untouched"):
 * no page is ever faulted in, so RSS stays at the binary's few pages and CRIU finds
 * nothing to dump in the mapping. The first counter line then means "mapped"; the
 * ticks and /count are as above.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "count.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig) { (void)sig; stop = 1; }

static double number(const char *s, const char *what)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end || v < 0) {
		fprintf(stderr, "memhog: bad %s '%s'\n", what, s);
		exit(2);
	}
	return v;
}

static size_t gcd(size_t a, size_t b)
{
	while (b) {
		size_t t = a % b;
		a = b;
		b = t;
	}
	return a;
}

int main(int argc, char **argv)
{
	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: memhog <MB> <dirty_pct_per_sec|untouched> [tick_ms]\n");
		return 2;
	}
	double mb = number(argv[1], "MB");
	int untouched = strcmp(argv[2], "untouched") == 0;
	double pct = untouched ? 0 : number(argv[2], "dirty_pct_per_sec");
	long tick_ms = argc > 3 ? (long)number(argv[3], "tick_ms") : 200;
	if (tick_ms < 1)
		tick_ms = 1;

	/* As PID 1 a signal without a handler is ignored: handle it so `docker stop` is quick.
	 * No SA_RESTART, so the handler also cuts the tick's nanosleep short. */
	struct sigaction sa = { .sa_handler = on_signal };
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t npages = (size_t)(mb * 1024 * 1024) / page;
	volatile unsigned char *mem = NULL;
	if (npages) {
		void *p = mmap(NULL, npages * page, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED) {
			perror("memhog: mmap");
			return 1;
		}
		/* Dirty tracking works per mapping unit: with a 2 MB huge page, touching one byte
		 * would dirty 512 pages and blur the dirty rate the tests ask for. */
		madvise(p, npages * page, MADV_NOHUGEPAGE);
		mem = p;
		/* pct is 0 when untouched, so the tick loop below never writes either */
		for (size_t i = 0; !untouched && i < npages; i++)
			mem[i * page] = 1;
	}

	/* Walk the pages with a stride coprime to npages (near the golden ratio): each tick's
	 * pages are spread over the whole region, and a full rotation hits every page once. */
	size_t stride = npages ? (size_t)((double)npages * 0.618) + 1 : 1;
	while (npages && gcd(stride, npages) != 1)
		stride++;

	double per_tick = (double)npages * pct / 100.0 * (double)tick_ms / 1000.0;
	if (per_tick > (double)npages)
		per_tick = (double)npages;
	double credit = 0; /* carries fractions, so low rates still dirty the right average */
	size_t cursor = 0;
	unsigned long count = 0;
	struct timespec tick = { tick_ms / 1000, (tick_ms % 1000) * 1000000L };

	while (!stop) {
		for (credit += per_tick; credit >= 1; credit -= 1) {
			mem[cursor * page]++;
			cursor = (cursor + stride) % npages;
		}
		printf("%lu\n", ++count);
		fflush(stdout);
		write_count("memhog", count);
		/* Relative sleep, not an absolute deadline: after a restore CLOCK_MONOTONIC can
		 * jump, and a deadline loop would then burst through the "missed" ticks. */
		nanosleep(&tick, NULL);
	}
	return 0;
}
