"""Shared by the in-container clients: atomic counter files."""
import os


def publish(path, value):
    # write-tmp-then-rename: a reader never sees a half-written value
    tmp = path + '.tmp'
    with open(tmp, 'w') as f:
        f.write(f'{value}\n')
    os.replace(tmp, path)
