/*
 * LD_PRELOAD shim for postgres in this sandbox: CRIU here can only dump processes running
 * as root (no CAP_SYS_RESOURCE), but postgres refuses to run as root. Processes that load
 * this really run as root while getuid()/geteuid() answer CRYO_FAKE_UID (the postgres
 * user's uid, owner of the data directory, which postgres compares with geteuid()).
 */
#include <stdlib.h>
#include <sys/types.h>
#include <unistd.h>

static uid_t fake_uid(void)
{
	const char *s = getenv("CRYO_FAKE_UID");
	return s ? (uid_t)strtoul(s, NULL, 10) : 0;
}

uid_t getuid(void) { return fake_uid(); }
uid_t geteuid(void) { return fake_uid(); }
