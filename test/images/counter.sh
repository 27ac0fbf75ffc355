#!/bin/sh
# cryo-counter: the smallest stateful workload. A restored container must continue from
# the checkpointed value, on stdout and in /count (a file in the container's own
# filesystem, so migration tests can check that files travel too).

# As PID 1 a signal without a handler is ignored: trap it so `docker stop` is quick.
trap 'exit 0' TERM INT

i=0
while :; do
	i=$((i + 1))
	echo "$i"
	# via a rename, so a reader (or a checkpoint) never sees /count empty mid-write
	echo "$i" >/count.tmp
	mv -f /count.tmp /count
	sleep 0.2
done
