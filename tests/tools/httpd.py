#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""httpd.py - the technician's laptop for the poll and watch suites: a
static file server on 127.0.0.1 (stdlib only) with byte ranges, and modes
that misbehave on purpose.

  httpd.py DIR --port-file F [--log F] [--drop-first] [--ignore-range]
               [--endless NAME] [--slow NAME] [--stall NAME]

  --port-file F   the kernel picks a free port; it is written to F once
                  the server listens (write-then-rename: never half a port)
  --log F         one line per request: "GET /path range=<Range header or ->"
  --drop-first    the first GET of a *.bundle sends its headers (with the
                  full Content-Length) and half of the body, then closes the
                  connection: a dropped download
  --ignore-range  answer every GET with the whole file (200), as servers
                  without range support do
  --endless NAME  GET /NAME streams bytes forever, with no Content-Length
  --slow NAME     GET /NAME (a file in DIR) trickles, 1 KiB every 0.1 s
  --stall NAME    GET /NAME (a file in DIR) sends its headers and the first
                  1 KiB of the (ranged) body, then nothing more, holding the
                  connection open until the client gives up: slow retrieval
"""
import argparse
import http.server
import os
import re
import socket
import sys
import threading
import time


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "ota-test-httpd"

    def log_message(self, fmt, *args):  # the request log is our own
        pass

    def record(self):
        opts = self.server.opts
        if opts.log:
            with self.server.lock, open(opts.log, "a") as f:
                f.write("%s %s range=%s\n" % (self.command, self.path,
                                              self.headers.get("Range", "-")))

    def send_plain(self, status, body=b""):
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Content-Type", "text/plain")
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        self.record()
        opts = self.server.opts
        name = self.path.lstrip("/")
        if opts.endless and name == opts.endless:
            return self.endless()
        path = os.path.join(opts.dir, name)
        if "/" in name or name in ("", ".", "..") or not os.path.isfile(path):
            return self.send_plain(404, b"not found\n")
        size = os.path.getsize(path)
        first, last = 0, size - 1
        status = 200
        want = self.headers.get("Range")
        if want and not opts.ignore_range:
            m = re.fullmatch(r"bytes=(\d+)-(\d*)", want.strip())
            if not m or int(m.group(1)) >= size:
                self.send_response(416)
                self.send_header("Content-Range", "bytes */%d" % size)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            first = int(m.group(1))
            if m.group(2):
                last = min(last, int(m.group(2)))
            status = 206
        self.send_response(status)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(last + 1 - first))
        if status == 206:
            self.send_header("Content-Range", "bytes %d-%d/%d" % (first, last, size))
        self.send_header("Accept-Ranges", "bytes")
        self.end_headers()
        with open(path, "rb") as f:
            misbehave = (opts.drop_first and name.endswith(".bundle")) or \
                name in (opts.slow, opts.stall)
            if not misbehave:  # the kernel copies it: as a real server does
                self.wfile.flush()
                try:
                    self.connection.sendfile(f, first, last + 1 - first)
                except OSError:
                    self.close_connection = True
                return
            f.seek(first)
            body = f.read(last + 1 - first)
        if opts.drop_first and name.endswith(".bundle") and self.server.take_drop():
            self.wfile.write(body[:len(body) // 2])
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
            self.close_connection = True
            return
        if opts.slow and name == opts.slow:
            return self.trickle(body)
        if opts.stall and name == opts.stall:
            return self.stall(body)
        self.wfile.write(body)  # a drop_first past its one drop

    def trickle(self, body):
        try:
            for i in range(0, len(body), 1024):
                self.wfile.write(body[i:i + 1024])
                self.wfile.flush()
                time.sleep(0.1)
        except OSError:
            self.close_connection = True

    def stall(self, body):
        try:
            self.wfile.write(body[:1024])
            self.wfile.flush()
            self.rfile.read(1)  # nothing comes: returns once the client closes
        except OSError:
            pass
        self.close_connection = True

    def endless(self):
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Connection", "close")
        self.end_headers()
        chunk = b"\0" * 65536
        try:
            while True:
                self.wfile.write(chunk)
        except OSError:
            pass
        self.close_connection = True


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, opts):
        super().__init__(("127.0.0.1", 0), Handler)
        self.opts = opts
        self.lock = threading.Lock()
        self.dropped = False

    def take_drop(self):
        with self.lock:
            if self.dropped:
                return False
            self.dropped = True
            return True


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("dir")
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log")
    ap.add_argument("--drop-first", action="store_true")
    ap.add_argument("--ignore-range", action="store_true")
    ap.add_argument("--endless")
    ap.add_argument("--slow")
    ap.add_argument("--stall")
    opts = ap.parse_args()
    srv = Server(opts)
    tmp = opts.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(tmp, opts.port_file)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
