/*
 * forker: a small process tree, so tests can check that a checkpoint/restore keeps every
 * process and the parent/child links (CRIU dumps the whole tree under PID 1).
 *
 *   forker <N>
 *
 * Forks N children that sleep in 1 s steps (idle, no busy spin). The parent prints a
 * counter every 200 ms and writes it to /count, reaps children that die, and on
 * SIGTERM/SIGINT stops the children and exits 0.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "count.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig) { (void)sig; stop = 1; }

int main(int argc, char **argv)
{
	char *end;
	long n = argc == 2 ? strtol(argv[1], &end, 10) : -1;
	if (argc != 2 || *end || n < 0 || n > 1000) {
		fprintf(stderr, "usage: forker <N: 0..1000>\n");
		return 2;
	}

	/* As PID 1 a signal without a handler is ignored. The handler is inherited by the
	 * children, so they stop the same way; no SA_RESTART so sleeps end at once. */
	struct sigaction sa = { .sa_handler = on_signal };
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	pid_t *kids = calloc((size_t)n + 1, sizeof *kids);
	if (!kids)
		return 1;
	for (long i = 0; i < n && !stop; i++) {
		kids[i] = fork();
		if (kids[i] == 0) {
			while (!stop)
				sleep(1);
			_exit(0);
		}
		if (kids[i] < 0) {
			perror("forker: fork");
			stop = 1;
		}
	}

	unsigned long count = 0;
	struct timespec tick = { 0, 200 * 1000000L };
	while (!stop) {
		printf("%lu\n", ++count);
		fflush(stdout);
		write_count("forker", count);
		nanosleep(&tick, NULL);
		/* Reap dead children (and, as PID 1, any orphan), forgetting their pids so we
		 * never signal a recycled one. */
		pid_t dead;
		while ((dead = waitpid(-1, NULL, WNOHANG)) > 0)
			for (long i = 0; i < n; i++)
				if (kids[i] == dead)
					kids[i] = 0;
	}

	for (long i = 0; i < n; i++)
		if (kids[i] > 0)
			kill(kids[i], SIGTERM);
	while (wait(NULL) > 0 || errno == EINTR)
		;
	return 0;
}
