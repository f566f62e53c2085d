#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""browser_check.py - what a person sees of the dashboard, in a real browser.

    browser_check.py URL SHOT.png EXPECT.json

Loads URL in headless Chromium (Debian's `chromium`) twice: --dump-dom for
the document the browser built (so markup that slipped through escaping
would show up as elements) and --screenshot for a PNG kept as a test
artifact.  EXPECT names what the page must show.  Python stdlib only.
Exit 0 when every check holds; otherwise one line per failed check.
"""
import html.parser
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars", "--force-device-scale-factor=1"]


class Node:
    def __init__(self, tag, attrs, parent):
        self.tag, self.attrs, self.parent = tag, dict(attrs), parent
        self.children, self.text = [], []

    def classes(self):
        return (self.attrs.get("class") or "").split()

    def all_text(self):
        return "".join(t if isinstance(t, str) else t.all_text() for t in self.text)

    def find(self, pred):
        out = [self] if pred(self) else []
        for c in self.children:
            out += c.find(pred)
        return out


class Tree(html.parser.HTMLParser):
    VOID = {"meta", "link", "br", "img", "input", "hr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", [], None)
        self.cur = self.root

    def handle_starttag(self, tag, attrs):
        n = Node(tag, attrs, self.cur)
        self.cur.children.append(n)
        self.cur.text.append(n)
        if tag not in self.VOID:
            self.cur = n

    def handle_endtag(self, tag):
        n = self.cur
        while n is not self.root and n.tag != tag:
            n = n.parent
        if n is not self.root:
            self.cur = n.parent

    def handle_data(self, data):
        self.cur.text.append(data)


def chromium(*args):
    profile = tempfile.mkdtemp(prefix="ota-chromium-")
    try:
        r = subprocess.run(["chromium", *FLAGS, "--user-data-dir=" + profile, *args],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=90,
                           env=dict(os.environ, HOME=profile))
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    if r.returncode:
        sys.exit("chromium %s exited %d" % (" ".join(args[:-1]), r.returncode))
    return r.stdout.decode("utf-8")


def png_size(path):
    with open(path, "rb") as f:
        head = f.read(24)
    if head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        return None
    return struct.unpack(">II", head[16:24])


def check(url, shot, want):
    failed = []

    def expect(ok, what):
        if not ok:
            failed.append(what)

    tree = Tree()
    tree.feed(chromium("--dump-dom", url))
    doc = tree.root
    text = " ".join(doc.all_text().split())
    expect(not doc.find(lambda n: n.tag in ("script", "img", "iframe", "object")),
           "the document has a script, img, iframe or object element")
    expect(not doc.find(lambda n: any(a.startswith("on") for a in n.attrs)),
           "an element has an event handler attribute")
    for s in want["text"]:
        expect(s in text, "the page does not show %r" % s)
    cards = {c.find(lambda n: n.tag == "h3")[0].all_text().strip():
             " ".join(c.all_text().split()) for c in doc.find(lambda n: "card" in n.classes())}
    for title, value in want["cards"].items():
        expect(value in cards.get(title, ""), "card %r does not show %r: %r"
               % (title, value, cards.get(title)))
    attempts = doc.find(lambda n: "attempt" in n.classes())
    expect(len(attempts) == len(want["attempts"]),
           "%d attempts shown, %d expected" % (len(attempts), len(want["attempts"])))
    for node, a in zip(attempts, want["attempts"]):
        seen = " ".join(node.all_text().split())
        path = [li.all_text().replace("✘", "").replace("✔", "").strip()
                for li in node.find(lambda n: n.tag == "li" and "arrow" not in n.classes()
                                    and n.parent and "path" in n.parent.classes())]
        expect(a["label"] in seen, "attempt %s: no %r in %r" % (a["version"], a["label"], seen))
        expect(a["version"] in seen, "attempt %s not named" % a["version"])
        expect(path == a["path"], "attempt %s: path %s, expected %s" % (a["version"], path,
                                                                         a["path"]))
        bad = node.find(lambda n: "failed" in n.classes())
        if a["failure"]:
            expect("fail" in node.classes(), "attempt %s: no failure colour" % a["version"])
            expect("✘" in seen, "attempt %s: no failure text marker" % a["version"])
            expect([b.all_text().replace("✘", "").strip() for b in bad] == [a["failed_in"]],
                   "attempt %s: the failed step is not marked %s" % (a["version"], a["failed_in"]))
        else:
            expect("fail" not in node.classes() and not bad and "✘" not in seen,
                   "attempt %s is marked as a failure" % a["version"])
        for s in a.get("shows", []):
            expect(s in seen, "attempt %s does not show %r" % (a["version"], s))
    chromium("--window-size=%s" % want["window"], "--screenshot=" + shot, url)
    size = png_size(shot)
    w, h = (int(x) for x in want["window"].split(","))
    expect(size == (w, h), "screenshot %s is %s, not %dx%d" % (shot, size, w, h))
    expect(os.path.getsize(shot) > 20000, "screenshot %s looks blank" % shot)
    return failed


if __name__ == "__main__":
    problems = check(sys.argv[1], sys.argv[2], json.load(open(sys.argv[3])))
    for p in problems:
        print(p)
    sys.exit(1 if problems else 0)
