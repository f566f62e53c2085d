#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Craft bundles that attack limits rather than structure: endless data,
decompression bombs, huge headers, huge or deep manifests, too many
signatures, other archive formats.  Built like craft.py (whose Ctx and
helpers it reuses): from scratch, with tarfile and cryptography only, and
signed over the exact manifest bytes shipped, so only the limit can refuse.

    craft_limits.py KIND --tree DIR --key K.key --out X.bundle
    craft_limits.py kinds

Bombs decompress to BOMB bytes (1 GiB) of zeros but stay small on disk:
gzip and xz as concatenated members of one compressed 1 MiB, zstd as
run-length blocks written by hand (the stdlib has no zstd).
"""
import argparse
import bz2
import gzip
import hashlib
import io
import json
import lzma
import os
import struct
import sys
import tarfile
import zipfile

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import craft  # noqa: E402

KINDS = {}
BOMB = 1 << 30
MIB = 1 << 20


def kind(name):
    def reg(fn):
        KINDS[name] = fn
        return fn
    return reg


def tar_bytes(members, mtime, close=True):
    """The tar stream of members as craft.write_tar makes it; without the
    end-of-archive blocks when close is False."""
    buf = io.BytesIO()
    tf = tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT, encoding="utf-8",
                      errors="surrogateescape", tarinfo=craft._Info)
    for m in members:
        ti = craft._Info(m["name"])
        ti.type, ti.mode, ti.mtime = m["type"], m["mode"], mtime
        ti.uid = ti.gid = 0
        ti.uname = ti.gname = ""
        ti.linkname = m["linkname"]
        ti.size = len(m["data"]) if m["type"] == tarfile.REGTYPE else 0
        if m.get("pax"):
            ti.pax_headers = dict(m["pax"])
        tf.addfile(ti, io.BytesIO(m["data"]) if ti.size else None)
    if close:
        tf.close()
        return buf.getvalue()
    tf.fileobj = None  # stop close() from writing the end blocks
    return buf.getvalue()


def header(name, size, mtime, mode=0o644):
    ti = craft._Info(name)
    ti.size, ti.mode, ti.mtime = size, mode, mtime
    ti.uid = ti.gid = 0
    ti.uname = ti.gname = ""
    return ti.tobuf(tarfile.PAX_FORMAT, "utf-8", "surrogateescape")


def bomb_parts(c):
    """(prefix, suffix): the honest bundle cut around the victim file,
    whose header (in prefix) now declares BOMB bytes; BOMB zero bytes go
    between the two."""
    members = c.bundle(craft.canon(c.m))
    i = next(n for n, m in enumerate(members) if m["name"] == "payload/" + craft.VICTIM)
    mtime = c.m["created"]
    prefix = tar_bytes(members[:i], mtime, close=False)
    prefix += header(members[i]["name"], BOMB, mtime, members[i]["mode"])
    return prefix, tar_bytes(members[i + 1:], mtime)


def zstd_frame(blocks):
    """A zstd frame (RFC 8878) of raw ("r", bytes) and run-length
    ("z", count) blocks of zeros: no entropy coding needed."""
    out = b"\x28\xb5\x2f\xfd" + bytes([0x00, 0x58])  # no checksum or size; 2 MiB window
    for n, (t, v) in enumerate(blocks):
        last = n == len(blocks) - 1
        if t == "r":
            out += struct.pack("<I", last | (0 << 1) | (len(v) << 3))[:3] + v
        else:
            out += struct.pack("<I", last | (1 << 1) | (v << 3))[:3] + b"\x00"
    return out


def raw_blocks(data):
    step = 128 * 1024
    return [("r", data[i:i + step]) for i in range(0, len(data), step)] or [("r", b"")]


@kind("bomb-gzip")
def k_bomb_gzip(c):
    """Endless data: a gzip bundle whose payload file is 1 GiB of zeros
    (in 1 MB on disk), its header saying so, the signed manifest 6 bytes."""
    prefix, suffix = bomb_parts(c)
    zeros = gzip.compress(bytes(MIB), 9, mtime=0)
    return gzip.compress(prefix, mtime=0) + zeros * (BOMB // MIB) + gzip.compress(suffix, mtime=0)


@kind("bomb-xz")
def k_bomb_xz(c):
    """The same decompression bomb as concatenated xz streams."""
    prefix, suffix = bomb_parts(c)
    zeros = lzma.compress(bytes(MIB))
    return lzma.compress(prefix) + zeros * (BOMB // MIB) + lzma.compress(suffix)


@kind("bomb-zstd")
def k_bomb_zstd(c):
    """The same decompression bomb in zstd: 1 GiB of zeros as run-length blocks."""
    prefix, suffix = bomb_parts(c)
    rle = [("z", 128 * 1024)] * (BOMB // (128 * 1024))
    return zstd_frame(raw_blocks(prefix)) + zstd_frame(rle) + zstd_frame(raw_blocks(suffix))


@kind("manifest-huge-size")
def k_manifest_huge_size(c):
    """A valid tar whose first entry, manifest.json, declares 1 TiB (the
    stream ends after 4 KiB): the head must be refused by its size alone."""
    return header("manifest.json", 1 << 40, c.m["created"]) + b"{" * 4096


def big_manifest(c, n):
    """c's manifest plus n directories d/0000000.. (and d): built as text,
    in canonical order, since json.dumps of a million entries is slow."""
    m = json.loads(json.dumps(c.m))
    m["entries"]["d"] = {"type": "dir", "mode": 0o755}
    text = craft.canon(m)
    extra = b"".join(b'"d/%07d":{"mode":493,"type":"dir"},' % i for i in range(n))
    key = b'"d":{"mode":493,"type":"dir"},'
    at = text.index(key) + len(key)
    return text[:at] + extra + text[at:]


@kind("manifest-million-entries")
def k_manifest_million_entries(c):
    """A signed, canonical manifest of 10^6 entries (about 37 MB): over the
    16 MiB cap of the head, refused before it is read."""
    text = big_manifest(c, 10 ** 6)
    return c.bundle(text, payload=[])


@kind("manifest-too-many-entries")
def k_manifest_too_many_entries(c):
    """A signed, canonical manifest of 200001 entries in 7.5 MB: under the
    byte cap, over the entry cap (200000)."""
    return c.bundle(big_manifest(c, 200001 - len(c.m["entries"])), payload=[])


@kind("deep-path")
def k_deep_path(c):
    """A signed manifest with a directory chain 2100 deep, the deepest
    path 4201 bytes: every path over 4096 bytes is refused."""
    m = json.loads(json.dumps(c.m))
    path = "a"
    for _ in range(2100):
        m["entries"][path] = {"type": "dir", "mode": 0o755}
        path += "/a"
    return c.bundle(craft.canon(m), payload=[])


@kind("pax-huge-header")
def k_pax_huge_header(c):
    """The victim file's pax extended header is 2 MiB (one comment record)."""
    members = c.bundle(craft.canon(c.m))
    return craft.replace(members, "payload/" + craft.VICTIM, pax={"comment": "A" * (2 * MIB)})


@kind("pax-long-path")
def k_pax_long_path(c):
    """A pax path record of 5000 bytes on a payload entry."""
    members = c.bundle(craft.canon(c.m))
    return craft.replace(members, "payload/" + craft.VICTIM,
                         pax={"path": "payload/etc/" + "x" * 5000})


@kind("many-signatures")
def k_many_signatures(c):
    """65 signature entries (the cap is 64), the trusted one among them."""
    members = c.bundle(craft.canon(c.m))
    real = next(m for m in members if m["name"].startswith("signatures/"))
    fake = [craft.member("signatures/%s.sig" % hashlib.sha256(b"%d" % i).hexdigest(),
                         data=real["data"]) for i in range(64)]
    sigs = sorted([real] + fake, key=lambda m: m["name"])
    return [members[0]] + sigs + [m for m in members[1:] if m is not real]


@kind("zip-archive")
def k_zip_archive(c):
    """The honest bundle's entries in a zip archive instead of a tar."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for m in c.bundle(craft.canon(c.m)):
            if m["type"] == tarfile.REGTYPE:
                z.writestr(zipfile.ZipInfo(m["name"], (2023, 11, 14, 22, 13, 20)), m["data"])
    return buf.getvalue()


@kind("bzip2-wrapped")
def k_bzip2_wrapped(c):
    """The honest bundle compressed with bzip2, which bundles never use."""
    return bz2.compress(tar_bytes(c.bundle(craft.canon(c.m)), c.m["created"]))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    for name, fn in KINDS.items():
        s = sub.add_parser(name, help=fn.__doc__)
        s.add_argument("--tree", required=True)
        s.add_argument("--key", required=True)
        s.add_argument("--out", required=True)
        s.add_argument("--target", default="edge-gw-v2")
        s.add_argument("--version", default="1.0.0")
        s.set_defaults(kind=name, claim=None)
    s = sub.add_parser("kinds")
    a = p.parse_args()
    if a.cmd == "kinds":
        for k, f in KINDS.items():
            print(f"{k:26} {f.__doc__.splitlines()[0]}")
        return 0
    c = craft.Ctx(a)
    out = KINDS[a.kind](c)
    if isinstance(out, bytes):
        with open(a.out, "wb") as f:
            f.write(out)
    else:
        with open(a.out, "wb") as f:
            f.write(tar_bytes(out, c.m["created"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
