#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Regenerate the seed corpora of the fuzz targets (fuzz/corpus/<target>/seed-*)
from real inputs: bundles and manifests made by our own tools and by
tests/tools/craft.py (hostile ones included), configs like the tests', the
canonical JSON vectors of tests/vectors.  Files named regress-* (inputs that
once found a bug) are never touched.

    OTA_BIN=build/bin python3 fuzz/mkcorpus.py

Bundles are signed with the fuzz key (the seed in fuzz/fuzz_bundle.c), the
one key the bundle target trusts, so that mutations of the payload still
carry a good signature and reach the payload checks and extraction.
Output is deterministic (SOURCE_DATE_EPOCH, fixed trees, Ed25519).
"""
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "fuzz" / "corpus"
CRAFT = ROOT / "tests" / "tools" / "craft.py"
CRAFT_LIMITS = ROOT / "tests" / "tools" / "craft_limits.py"
FUZZ_SEED = b"ota fuzz key - trust it nowhere\0"  # as fuzz_bundle.c's array
TARGET = "edge-gw-v2"

CRAFTED = ["valid", "flip-byte", "oversize", "manifest-changed", "extra-entry",
           "missing-file", "duplicate-entry", "tar-dotdot", "tar-absolute",
           "tar-non-utf8", "manifest-dotdot", "manifest-non-utf8", "symlink-for-file",
           "hardlink-for-file", "chardev-for-file", "fifo-for-file", "symlink-escape-up",
           "noncanonical-indent", "noncanonical-escape", "duplicate-key",
           "sig-after-payload", "manifest-not-first", "outside-payload",
           "bad-sig-encoding", "sig-flipped", "entry-after-end", "garbage-after-end",
           "zeros-after-end", "bare-payload-dir", "sig-no-newline", "slots-nonzero",
           "slots-pending-junk", "slots-sig-after", "slots-duplicate-sig"]
# The small ones of craft_limits.py (the bombs of gzip and xz are 1 MB and
# 290 KB; zstd's, in run-length blocks, 48 KB).
CRAFTED_LIMITS = ["bomb-zstd", "manifest-huge-size", "zip-archive", "bzip2-wrapped",
                  "pax-long-path"]


def run(*args, **kw):
    return subprocess.run([str(a) for a in args], check=True, **kw)


def tool(name):
    return Path(os.environ.get("OTA_BIN", ROOT / "build" / "bin")) / name


def fresh(target):
    d = CORPUS / target
    d.mkdir(parents=True, exist_ok=True)
    for f in d.glob("seed-*"):
        f.unlink()
    return d


def trim_tar(data):
    """Drop tarfile's record padding: the entries and two zero blocks are a
    complete archive, and small seeds fuzz faster."""
    if data[:2] == b"\x1f\x8b" or data[:6] == b"\xfd7zXZ\x00" or data[:4] == b"\x28\xb5\x2f\xfd":
        return data
    end = len(data)
    while end >= 512 and data[end - 512:end] == bytes(512):
        end -= 512
    return data[:end] + bytes(1024)


def nfd_tree(d):
    """Names in every Unicode normalization form (the tar must carry them
    byte for byte as the manifest does)."""
    import unicodedata
    d.mkdir(parents=True)
    for form in ("NFC", "NFD", "NFKC", "NFKD"):
        (d / (form + "-" + unicodedata.normalize(form, "caf\u00e9 \ufb01 \u212b"))).write_bytes(
            form.encode())
    return d


def make_tree(d, exotic=False):
    (d / "bin").mkdir(parents=True)
    (d / "etc").mkdir()
    (d / "var" / "empty").mkdir(parents=True)
    (d / "etc" / "greeting").write_bytes(b"hello\n")
    (d / "bin" / "app").write_bytes(b"#!/bin/sh\necho app\n")
    (d / "bin" / "app").chmod(0o755)
    os.symlink("app", d / "bin" / "app-link")
    os.symlink("../etc/greeting", d / "bin" / "greeting")
    if exotic:
        for name in ["caf\u00e9", "\U0001F600", "\uff21", 'q"uote', "back\\slash",
                     "tab\there", "new\nline", "del\x7f"]:
            (d / "etc" / name).write_bytes(name.encode() + b"\n")


def write_key(tmp):
    key = Ed25519PrivateKey.from_private_bytes(FUZZ_SEED)
    path = tmp / "fuzz.key"
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                       serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    return path


def bundle(tmp, tree, out, key=None, compress="none", target=TARGET, version="1.0.0"):
    run(tool("ota-bundle"), "create", "--tree", tree, "--version", version, "--target", target,
        "--compress", compress, "--rollback-index", "3", "--out", out,
        stdout=subprocess.DEVNULL)
    if key:
        run(tool("ota-sign"), "--key", key, out, stdout=subprocess.DEVNULL)
    return out


def bundles(tmp, key):
    d = fresh("bundle")
    tree, exotic = tmp / "tree", tmp / "exotic"
    make_tree(tree)
    make_tree(exotic, exotic=True)
    for c in ["none", "gzip", "xz", "zstd"]:
        shutil.copy(bundle(tmp, tree, tmp / f"{c}.bundle", key, c), d / f"seed-tool-{c}")
    shutil.copy(bundle(tmp, exotic, tmp / "exotic.bundle", key), d / "seed-tool-exotic-names")
    shutil.copy(bundle(tmp, nfd_tree(tmp / "nfd"), tmp / "nfd.bundle", key), d / "seed-tool-nfd-names")
    shutil.copy(bundle(tmp, tree, tmp / "unsigned.bundle"), d / "seed-tool-unsigned")
    shutil.copy(bundle(tmp, tree, tmp / "other.bundle", key, target="other-class"),
                d / "seed-tool-other-target")
    for kind in CRAFTED:
        out = tmp / f"{kind}.bundle"
        run(sys.executable, CRAFT, kind, "--tree", tree, "--key", key, "--out", out)
        (d / f"seed-craft-{kind}").write_bytes(trim_tar(out.read_bytes()))
    for kind in CRAFTED_LIMITS:
        out = tmp / f"{kind}.bundle"
        run(sys.executable, CRAFT_LIMITS, kind, "--tree", tree, "--key", key, "--out", out)
        (d / f"seed-limits-{kind}").write_bytes(trim_tar(out.read_bytes()))
    return tree, exotic


def manifests(tmp, tree, exotic):
    d = fresh("manifest")
    for name, t in [("tree", tree), ("exotic-names", exotic)]:
        b = bundle(tmp, t, tmp / f"m-{name}.bundle")
        run(tool("ota-bundle"), "manifest", "--out", d / f"seed-{name}.json", b,
            stdout=subprocess.DEVNULL)
    empty = tmp / "empty"
    empty.mkdir()
    b = bundle(tmp, empty, tmp / "m-empty.bundle")
    run(tool("ota-bundle"), "manifest", "--out", d / "seed-empty-tree.json", b,
        stdout=subprocess.DEVNULL)
    for kind in ["noncanonical-indent", "noncanonical-escape", "duplicate-key",
                 "manifest-dotdot", "symlink-escape-up"]:
        b = tmp / f"{kind}.bundle"
        data = run(sys.executable, CRAFT, "show", b, "manifest.json",
                   stdout=subprocess.PIPE).stdout
        (d / f"seed-craft-{kind}.json").write_bytes(data)


def canon():
    d = fresh("canon")
    valid = json.loads((ROOT / "tests" / "vectors" / "canon_valid.json").read_text())
    invalid = json.loads((ROOT / "tests" / "vectors" / "canon_invalid.json").read_text())
    picks = [v for i, v in enumerate(valid) if i % 20 == 0 or "depth" in v["name"]
             or "surrogate" in v["name"] or "keys" in v["name"]][:40]
    for i, v in enumerate(picks):
        (d / f"seed-valid-{i:02d}-input").write_bytes(v["input"].encode("utf-8", "surrogatepass"))
        (d / f"seed-valid-{i:02d}-canonical").write_bytes(
            v["canonical"].encode("utf-8", "surrogatepass"))
    for i, v in enumerate(invalid[::3][:24]):
        data = (bytes.fromhex(v["input_hex"]) if "input_hex" in v
                else v["input"].encode("utf-8", "surrogatepass"))
        (d / f"seed-invalid-{i:02d}").write_bytes(data)


CONFIG_FULL = """device_class: edge-gw-v2
app_dir: /opt/app
state_dir: /var/lib/ota
keys: /etc/ota/keys
threshold: 2
keep_releases: 3
service:
  restart: "systemctl restart app.service"
  restart_count: "systemctl show -p NRestarts --value app.service"
health:
  timeout: 2.5
  interval: 0.2
  stable: 0.4
  tcp_port: 8080
  http_url: http://127.0.0.1:8080/health
  command: "/opt/app/current/bin/selftest"
watch:
  usb: /media/usb
  http: http://192.168.1.10:8000/bundles/
  interval: 30
  max_bundle_mb: 512
"""

CONFIG_MIN = """device_class: edge-gw-v2
app_dir: /opt/app
state_dir: /var/lib/ota
keys: /etc/ota/keys/fleet.pub
service: {restart: "true"}
"""

CONFIG_BAD = {
    "duplicate-key": CONFIG_MIN + "app_dir: /srv/app\n",
    "alias": "base: &b /opt\n" + CONFIG_MIN.replace("app_dir: /opt/app", "app_dir: *b"),
    "unknown-nested": CONFIG_MIN + "health:\n  timeuot: 5\n",
    "two-documents": CONFIG_MIN + "---\n" + CONFIG_MIN,
    "flow-and-quotes": '{device_class: "edge-gw-v2", app_dir: \'/opt/app\', '
                       'state_dir: "/var/lib/ota", keys: "/etc/ota/keys", '
                       'service: {restart: "x"}, health: {timeout: "0.5", interval: 0.05}}\n',
}


def configs():
    d = fresh("config")
    shutil.copy(ROOT / "examples" / "agent.yaml", d / "seed-examples-agent.yaml")
    (d / "seed-full.yaml").write_text(CONFIG_FULL)
    (d / "seed-minimal.yaml").write_text(CONFIG_MIN)
    for name, text in CONFIG_BAD.items():
        (d / f"seed-{name}.yaml").write_text(text)


def index_entry(name, version, target=TARGET, size=7168):
    return {"file": name, "sha256": hashlib.sha256(name.encode()).hexdigest(), "size": size,
            "target": target, "version": version}


def indexes():
    d = fresh("index")
    canon_dump = lambda v: json.dumps(v, sort_keys=True, separators=(",", ":")).encode()
    two = {"bundles": [index_entry("app-1.2.0.bundle", "1.2.0"),
                       index_entry("app-2.0.0-rc.1.bundle", "2.0.0-rc.1"),
                       index_entry("other-1.0.bundle", "1.0", "other-class")], "format": 1}
    (d / "seed-three.json").write_bytes(canon_dump(two))
    (d / "seed-pretty.json").write_bytes(json.dumps(two, indent=2).encode())
    (d / "seed-empty.json").write_bytes(canon_dump({"bundles": [], "format": 1}))
    (d / "seed-unicode-name.json").write_bytes(canon_dump(
        {"bundles": [index_entry("caf\u00e9-1.0.0.bundle", "1.0.0")], "format": 1}))


def main():
    os.environ["SOURCE_DATE_EPOCH"] = "1700000000"
    os.environ.setdefault("LC_ALL", "C.UTF-8")
    with tempfile.TemporaryDirectory(prefix="ota-mkcorpus.") as t:
        tmp = Path(t)
        key = write_key(tmp)
        tree, exotic = bundles(tmp, key)
        manifests(tmp, tree, exotic)
    canon()
    configs()
    indexes()
    for d in sorted(CORPUS.iterdir()):
        files = list(d.iterdir())
        print(f"{d.name}: {len(files)} files, {sum(f.stat().st_size for f in files)} bytes")


if __name__ == "__main__":
    main()
