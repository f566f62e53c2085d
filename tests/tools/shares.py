#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""An independent implementation of schema/shares.md (escrow share files),
written from the document, not from lib/share.c, with Python and
`cryptography` only.

    shares.py combine --out K.key SHARE...     rebuild a plain PKCS#8 key
    shares.py split --key K.key --shares N --threshold M --out-dir D

combine checks every line check and the share checksum, interpolates in
GF(2^8) and refuses a key whose id is not the one in the shares; split
writes share files the way the document says.  Exit 1 with a message on
any refusal.
"""
import argparse
import hashlib
import os
import secrets
import sys

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

sys.dont_write_bytecode = True
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LOOKALIKE = {"O": "0", "I": "1", "L": "1"}


def die(msg):
    sys.stderr.write("shares.py: %s\n" % msg)
    sys.exit(1)


def gf_mul(a, b):
    r = 0
    while b:
        if b & 1:
            r ^= a
        a <<= 1
        if a & 0x100:
            a ^= 0x11B
        b >>= 1
    return r


def gf_inv(a):
    for b in range(1, 256):
        if gf_mul(a, b) == 1:
            return b
    raise ValueError("0 has no inverse")


def crc10(data):
    crc = 0
    for byte in data:
        for i in range(7, -1, -1):
            bit = (byte >> i) & 1
            crc = ((crc << 1) & 0x3FF) ^ (0x233 if bit ^ (crc >> 9) else 0)
    return crc


def to_chars(bits, nbits):
    return "".join(ALPHABET[(bits >> (nbits - 5 * (i + 1))) & 31] for i in range(nbits // 5))


def checksum(first76):
    return hashlib.sha256(b"ota-share-v1" + first76).digest()[:4]


def parse(path):
    lines = {}
    for raw in open(path, encoding="ascii").read().split("\n"):
        line = raw.rstrip("\r").strip()
        if not line or line.startswith("#"):
            continue
        label, _, rest = line.partition(":")
        no = int(label)
        chars = "".join(c for c in rest.upper() if c not in " \t-")
        chars = "".join(LOOKALIKE.get(c, c) for c in chars)
        if len(chars) != 18:
            die("%s: line %d: %d characters" % (path, no, len(chars)))
        value = 0
        for c in chars:
            value = value << 5 | ALPHABET.index(c)
        data = (value >> 10).to_bytes(10, "big")
        if crc10(bytes([no]) + data) != value & 0x3FF:
            die("%s: line %d: check characters do not match" % (path, no))
        lines[no] = data
    if sorted(lines) != list(range(1, 9)):
        die("%s: lines %s, expected 1..8" % (path, sorted(lines)))
    share = b"".join(lines[i] for i in range(1, 9))
    if checksum(share[:76]) != share[76:]:
        die("%s: share checksum does not match" % path)
    if share[0] != 1:
        die("%s: format %d" % (path, share[0]))
    return {"m": share[1], "n": share[2], "x": share[3], "split": share[4:12],
            "key_id": share[12:44], "y": share[44:76]}


def combine(a):
    shares = [parse(p) for p in a.shares]
    first = shares[0]
    for s in shares:
        if (s["split"], s["key_id"], s["m"], s["n"]) != (first["split"], first["key_id"],
                                                        first["m"], first["n"]):
            die("shares of different splits")
    xs = [s["x"] for s in shares]
    if len(set(xs)) != len(xs) or len(xs) < first["m"]:
        die("need %d distinct shares" % first["m"])
    seed = bytearray(32)
    for i, s in enumerate(shares):
        li = 1
        for j, xj in enumerate(xs):
            if j != i:
                li = gf_mul(li, gf_mul(xj, gf_inv(xj ^ s["x"])))
        for b in range(32):
            seed[b] ^= gf_mul(li, s["y"][b])
    key = Ed25519PrivateKey.from_private_bytes(bytes(seed))
    pub = key.public_key().public_bytes(serialization.Encoding.Raw,
                                        serialization.PublicFormat.Raw)
    if hashlib.sha256(pub).digest() != first["key_id"]:
        die("the shares do not rebuild their key")
    with open(a.out, "xb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    print(hashlib.sha256(pub).hexdigest())


def share_text(fields, x, y):
    head = bytes([1, fields["m"], fields["n"], x]) + fields["split"] + fields["key_id"] + y
    share = head + checksum(head)
    out = ["# made by tests/tools/shares.py"]
    for no in range(1, 9):
        data = share[(no - 1) * 10:no * 10]
        bits = int.from_bytes(data, "big") << 10 | crc10(bytes([no]) + data)
        c = to_chars(bits, 90)
        out.append("%d: %s %s %s %s  %s" % (no, c[0:4], c[4:8], c[8:12], c[12:16], c[16:18]))
    return "\n".join(out) + "\n"


def split(a):
    with open(a.key, "rb") as f:
        key = serialization.load_pem_private_key(f.read(), password=None)
    seed = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                             serialization.NoEncryption())
    pub = key.public_key().public_bytes(serialization.Encoding.Raw,
                                        serialization.PublicFormat.Raw)
    fields = {"m": a.threshold, "n": a.shares, "split": secrets.token_bytes(8),
              "key_id": hashlib.sha256(pub).digest()}
    coef = [secrets.token_bytes(32) for _ in range(a.threshold - 1)]
    os.makedirs(a.out_dir, exist_ok=True)
    kid = fields["key_id"].hex()
    for x in range(1, a.shares + 1):
        y = bytearray(32)
        for b in range(32):
            acc = 0
            for c in reversed(coef):
                acc = gf_mul(acc, x) ^ c[b]
            y[b] = gf_mul(acc, x) ^ seed[b]
        path = os.path.join(a.out_dir, "%s-%d-of-%d.share" % (kid[:16], x, a.shares))
        with open(path, "x") as f:
            f.write(share_text(fields, x, bytes(y)))
        print(path)


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("combine")
    c.add_argument("--out", required=True)
    c.add_argument("shares", nargs="+")
    s = sub.add_parser("split")
    s.add_argument("--key", required=True)
    s.add_argument("--shares", type=int, required=True)
    s.add_argument("--threshold", type=int, required=True)
    s.add_argument("--out-dir", required=True)
    a = p.parse_args()
    combine(a) if a.cmd == "combine" else split(a)


if __name__ == "__main__":
    main()
