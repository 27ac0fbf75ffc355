"""Fetches URL every INTERVAL seconds on a new connection each time and publishes to
/client.count either the number of answers containing EXPECT (--expect TEXT) or the
number the server answered (--number). Failures are counted in /client.failures and the
client carries on (a server being restored is briefly unreachable)."""
import argparse
import sys
import time
import urllib.request

sys.path.insert(0, '/cryo')
from counter import publish  # noqa: E402

p = argparse.ArgumentParser()
p.add_argument('url')
p.add_argument('--interval', type=float, default=0.2)
mode = p.add_mutually_exclusive_group(required=True)
mode.add_argument('--expect')
mode.add_argument('--number', action='store_true')
a = p.parse_args()

ok = failures = 0
while True:
    try:
        with urllib.request.urlopen(a.url, timeout=2) as r:
            body = r.read().decode()
        if a.number:
            publish('/client.count', int(body))
        elif a.expect in body:
            ok += 1
            publish('/client.count', ok)
        else:
            raise RuntimeError(f'unexpected page {body[:80]!r}')
    except Exception as e:
        failures += 1
        publish('/client.failures', failures)
        publish('/client.error', repr(e))
    time.sleep(a.interval)
