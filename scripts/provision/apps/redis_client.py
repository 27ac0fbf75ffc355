"""Keeps ONE TCP connection to redis and INCRs cryo:counter every ~100 ms, publishing the
value redis answered to /client.count. Never reconnects: a connection lost across a
checkpoint/restore must show (the counter stops, /client.error says why)."""
import socket
import sys
import time

sys.path.insert(0, '/cryo')
from counter import publish  # noqa: E402

INCR = b'*2\r\n$4\r\nINCR\r\n$12\r\ncryo:counter\r\n'

try:
    sock = socket.create_connection(('127.0.0.1', 6379), timeout=10)
    sock.settimeout(None)
    replies = sock.makefile('rb')
    while True:
        sock.sendall(INCR)
        line = replies.readline()
        if not line.startswith(b':'):
            raise RuntimeError(f'unexpected reply {line!r}')
        publish('/client.count', int(line[1:]))
        time.sleep(0.1)
except Exception as e:  # the test reads why the client stopped
    publish('/client.error', f'redis client: {e!r}')
    sys.exit(1)
