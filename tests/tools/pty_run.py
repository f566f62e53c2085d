#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""pty_run.py LOG CMD [ARGS...]: run CMD with its stderr on a pseudo-
terminal, as a user at a terminal would see it, stdin and stdout as given;
write every byte that reached the terminal to LOG and exit with CMD's
status.  Only the standard library (os.openpty)."""
import os
import select
import subprocess
import sys


def main():
    if len(sys.argv) < 3:
        print("usage: pty_run.py LOG CMD [ARGS...]", file=sys.stderr)
        return 2
    master, slave = os.openpty()
    p = subprocess.Popen(sys.argv[2:], stderr=slave)
    os.close(slave)
    seen = b""
    while True:
        # Stop once CMD is gone and the terminal is quiet: something it
        # left running may still hold the terminal open.
        ready, _, _ = select.select([master], [], [], 0.2)
        if not ready:
            if p.poll() is not None:
                break
            continue
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: every writer has closed the terminal
            break
        if not chunk:
            break
        seen += chunk
    status = p.wait()
    os.close(master)
    with open(sys.argv[1], "wb") as f:
        f.write(seen)
    return status


if __name__ == "__main__":
    sys.exit(main())
