/*
 * The counter file the test images share: tests read /count (through Docker's archive API)
 * to see that a restored or migrated process continued from where it was frozen.
 *
 * Opened and closed each tick: no file stays open across a checkpoint, so a migrated
 * container whose filesystem is copied separately restores without fd surprises. Written to
 * /count.tmp then renamed: a reader (or a checkpoint) never sees /count empty mid-write.
 */
#ifndef CRYO_COUNT_H
#define CRYO_COUNT_H

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

static void write_count(const char *who, unsigned long n)
{
	char buf[32];
	int len = snprintf(buf, sizeof buf, "%lu\n", n);
	int fd = open("/count.tmp", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	if (write(fd, buf, (size_t)len) < 0)
		fprintf(stderr, "%s: /count: write failed\n", who);
	close(fd);
	if (rename("/count.tmp", "/count") < 0)
		fprintf(stderr, "%s: /count: rename failed\n", who);
}

#endif
