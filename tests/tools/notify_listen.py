#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""notify_listen.py - stands in for systemd's notification socket in the
watch suite: binds an AF_UNIX datagram socket (a path, or an abstract name
given as "@name"), touches READY_FILE once it is bound, and appends every
line of every datagram to LOG as "<unix time> <line>", flushed at once.

  notify_listen.py ADDRESS LOG READY_FILE
"""
import os
import socket
import sys
import time


def main():
    addr, log, ready = sys.argv[1:4]
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind("\0" + addr[1:] if addr.startswith("@") else addr)
    with open(ready, "w") as f:
        f.write("%d\n" % os.getpid())
    with open(log, "a") as out:
        while True:
            data = s.recv(4096)
            now = time.time()
            for line in data.decode("utf-8", "replace").split("\n"):
                if line:
                    out.write("%.3f %s\n" % (now, line))
            out.flush()


if __name__ == "__main__":
    sys.exit(main())
