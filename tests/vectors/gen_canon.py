#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""gen_canon.py - write the canonical JSON test vectors for lib/canon.c.

Python's json module is the reference: canonical form is exactly
json.dumps(v, sort_keys=True, separators=(",", ":")) (ensure_ascii on).
Run from anywhere; it rewrites, next to itself:

canon_valid.json    array of {"name", "input", "canonical"}: "input" is some
                    JSON text for a value (deliberately not canonical where
                    possible: raw UTF-8, indentation, unsorted keys) and
                    "canonical" is its canonical form.  ota_canon_parse(input)
                    then ota_canon_dump must give canonical, and
                    ota_canon_parse_canonical(canonical) must accept it.
canon_planes.json   one entry per Unicode plane (17): the SHA-256 of the
                    canonical form of a string holding every scalar value of
                    the plane in order ("string_sha256"), and of an object
                    with one key per scalar value ("keys_sha256"; U+0000 left
                    out, as above), so that every code point is checked
                    against Python without a 30 MB vector file.
canon_invalid.json  array of {"name", "input" or "input_hex", "why"}.  The
                    bytes under test are "input" encoded as UTF-8, or, where
                    they are not valid UTF-8 (and so cannot be a JSON
                    string), "input_hex": the raw bytes in lowercase hex.
                    "why" is "syntax" (ota_canon_parse must refuse it) or
                    "noncanonical" (ota_canon_parse accepts it,
                    ota_canon_parse_canonical refuses it).

Output is deterministic (fixed seed, fixed order), so the files are checked
in and a diff after a rerun means the generator changed.
"""
import hashlib
import json
import os
import random

SEED = 20240601
MAX_DEPTH = 32
HERE = os.path.dirname(os.path.abspath(__file__))


def canonical(v):
    return json.dumps(v, sort_keys=True, separators=(",", ":"))


def noncanonical_text(v):
    """Valid JSON for v that differs from the canonical form where it can:
    raw UTF-8, one-space indents, keys in reverse sorted order."""
    def unsort(x):
        if isinstance(x, dict):
            return {k: unsort(x[k]) for k in sorted(x, reverse=True)}
        if isinstance(x, list):
            return [unsort(e) for e in x]
        return x
    return json.dumps(unsort(v), ensure_ascii=False, indent=1)


def random_string(rng, n, key=False):
    """n code points from every plane (no surrogates), weighted towards the
    edge cases; keys leave out U+0000, which jansson refuses in a key."""
    out = []
    for _ in range(n):
        kind = rng.randrange(6)
        if kind == 0:
            c = rng.randrange(1 if key else 0, 0x80)
        elif kind == 1:
            c = rng.randrange(0x80, 0x800)
        elif kind == 2:
            c = rng.randrange(0x800, 0xD800)
        elif kind == 3:
            c = rng.randrange(0xE000, 0x10000)
        elif kind == 4:
            c = rng.randrange(0x10000, 0x20000)
        else:
            c = rng.randrange(0x20000, 0x110000)
        out.append(chr(c))
    return "".join(out)


def valid_vectors():
    vs = []

    def add(name, v):
        vs.append({"name": name, "input": noncanonical_text(v),
                   "canonical": canonical(v)})

    for c in range(0x80):
        # U+0000 may not be in a key (jansson refuses it), only in a value.
        v = {"v": chr(c)} if c == 0 else {"k" + chr(c): chr(c)}
        add("ascii U+%04X" % c, v)
    for c in range(0x80, 0x100):
        add("latin1 U+%04X" % c, {"k" + chr(c): chr(c)})
    for c in (0x7FF, 0x800, 0x2028, 0x2029, 0xD7FF, 0xE000, 0xFEFF, 0xFFFD,
              0xFFFF, 0x10000, 0x1F600, 0x10FFFF):
        add("code point U+%04X" % c, {"k" + chr(c): chr(c)})
        add("code point U+%04X alone" % c, chr(c))
    add("quotes and backslashes", {'"': '\\', 'a"b\\c': '\\"\\"'})
    add("slash is not escaped", {"a/b": "/", "</script>": "x/y"})
    add("NUL inside a value", ["\0", "a\0b", "\0\0\0"])
    add("all short escapes", "\"\\\b\f\n\r\t")
    add("keys: UTF-16 order differs from code point order",
        {"\ue000": 1, "\U0001f600": 2, "\uffff": 3, "\U00010000": 4})
    add("keys: prefix sorts first", {"ab": 1, "a": 2, "": 3, "b": 4, "a\x01": 5})
    add("keys: upper before lower", {"b": 1, "B": 2, "a": 3, "A": 4, "_": 5})
    add("keys: DEL and U+0080", {"\x7f": 1, "\x80": 2, "~": 3})
    add("nested objects and arrays",
        {"z": {"y": [1, {"b": [], "a": {}}], "x": [[["deep"]]]},
         "a": [True, False, 0]})
    add("integers", [0, -1, 1, 2**63 - 1, -2**63, 10, -10, 1234567890123])
    add("integer 0", 0)
    add("integer max", 2**63 - 1)
    add("integer min", -2**63)
    add("true", True)
    add("false", False)
    add("empty object", {})
    add("empty array", [])
    add("empty string", "")
    add("empty key", {"": ""})
    add("depth 32 arrays", json.loads("[" * MAX_DEPTH + "]" * MAX_DEPTH))
    deep = {}
    for _ in range(MAX_DEPTH - 1):
        deep = {"d": deep}
    add("depth 32 objects", deep)
    add("manifest-like", {"format": 1, "version": "1.2.0", "target": "board",
                          "files": {"bin/app": "ab" * 32},
                          "entries": {"bin": {"type": "dir", "mode": 493}}})

    rng = random.Random(SEED)
    for i in range(300):
        k = random_string(rng, rng.randrange(1, 12), key=True)
        add("random pair %d" % i, {k: random_string(rng, rng.randrange(0, 24))})
    for i in range(30):
        obj = {}
        while len(obj) < 10:
            obj[random_string(rng, rng.randrange(0, 4), key=True)] = rng.randrange(-2**63, 2**63)
        add("random keys sorted %d" % i, obj)
    return vs


def invalid_vectors():
    vs = []

    def text(name, s, why):
        vs.append({"name": name, "input": s, "why": why})

    def raw(name, b, why):
        vs.append({"name": name, "input_hex": b.hex(), "why": why})

    text("duplicate key at top level", '{"files":1,"files":2}', "syntax")
    text("duplicate key nested", '{"a":{"b":1,"b":2}}', "syntax")
    text("duplicate key spelled with an escape", '{"a":1,"\\u0061":2}', "syntax")
    text("duplicate key in array element", '[{"x":[],"x":{}}]', "syntax")
    text("real 1.0", "1.0", "syntax")
    text("real 1e3", "1e3", "syntax")
    text("real -0.0", "-0.0", "syntax")
    text("real 0.5 in object", '{"a":0.5}', "syntax")
    text("real 1E+2 in array", "[1E+2]", "syntax")
    text("null", "null", "syntax")
    text("null in array", "[null]", "syntax")
    text("null in object", '{"a":null}', "syntax")
    text("trailing garbage", "{}x", "syntax")
    text("two values", "{}{}", "syntax")
    text("extra bracket", "[1]]", "syntax")
    text("lone high surrogate escape", '"\\ud800"', "syntax")
    text("lone low surrogate escape", '"\\udc00"', "syntax")
    text("high surrogate then letter", '"\\ud800\\u0041"', "syntax")
    text("reversed surrogate pair", '"\\udc00\\ud800"', "syntax")
    text("high surrogate at end", '"a\\udbff"', "syntax")
    text("U+0000 in a key", '{"a\\u0000":1}', "syntax")
    text("raw tab in string", '"a\tb"', "syntax")
    text("raw newline in string", '"a\nb"', "syntax")
    text("integer 2**63", str(2**63), "syntax")
    text("integer 2**64", str(2**64), "syntax")
    text("integer -2**63-1", str(-2**63 - 1), "syntax")
    text("depth 33 arrays", "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1), "syntax")
    text("depth 33 objects", '{"a":' * (MAX_DEPTH + 1) + "1" + "}" * (MAX_DEPTH + 1),
         "syntax")
    text("depth 33 mixed", '[{"a":' * 16 + "[]" + "}]" * 16, "syntax")
    text("empty input", "", "syntax")
    text("whitespace only", " ", "syntax")
    text("leading zero", "01", "syntax")
    text("plus sign", "+1", "syntax")
    text("NaN", "NaN", "syntax")
    text("Infinity", "Infinity", "syntax")
    text("single quotes", "'a'", "syntax")
    text("trailing comma in array", "[1,]", "syntax")
    text("trailing comma in object", '{"a":1,}', "syntax")
    text("unknown escape", '"\\x41"', "syntax")
    text("short unicode escape", '"\\u00e"', "syntax")
    text("unterminated string", '"abc', "syntax")
    text("comment", "{} /* c */", "syntax")
    raw("invalid byte 0xff", b'"\xff"', "syntax")
    raw("invalid byte 0xfe", b'"\xfe"', "syntax")
    raw("lone continuation byte", b'"\x80"', "syntax")
    raw("overlong NUL", b'"\xc0\x80"', "syntax")
    raw("overlong slash", b'"\xc0\xaf"', "syntax")
    raw("overlong 3-byte", b'"\xe0\x80\xaf"', "syntax")
    raw("overlong 4-byte", b'"\xf0\x80\x80\xaf"', "syntax")
    raw("UTF-8 encoded surrogate", b'"\xed\xa0\x80"', "syntax")
    raw("code point above U+10FFFF", b'"\xf4\x90\x80\x80"', "syntax")
    raw("5-byte sequence", b'"\xf8\x88\x80\x80\x80"', "syntax")
    raw("truncated 3-byte sequence", b'"\xe2\x82"', "syntax")
    raw("truncated at end of input", b'"\xe2', "syntax")
    raw("invalid UTF-8 in a key", b'{"\xff":1}', "syntax")
    raw("raw NUL in string", b'"a\x00b"', "syntax")
    raw("NUL after the value", b'{}\x00', "syntax")
    raw("byte order mark", b'\xef\xbb\xbf{}', "syntax")

    text("space after colon", '{"a": 1}', "noncanonical")
    text("space after comma", "[1, 2]", "noncanonical")
    text("leading space", " {}", "noncanonical")
    text("trailing newline", "{}\n", "noncanonical")
    text("indented", '{\n "a": 1\n}', "noncanonical")
    text("unsorted keys", '{"b":1,"a":2}', "noncanonical")
    text("longer key first", '{"ab":1,"a":2}', "noncanonical")
    text("keys in UTF-16 order", '{"\\ud83d\\ude00":1,"\\ue000":2}', "noncanonical")
    text("nested unsorted keys", '{"a":{"d":1,"c":2}}', "noncanonical")
    text("uppercase \\u00E9", '"\\u00E9"', "noncanonical")
    text("uppercase surrogate pair", '"\\uD83D\\uDE00"', "noncanonical")
    text("escaped slash", '"\\/"', "noncanonical")
    text("raw non-ASCII", '"\u00e9"', "noncanonical")
    text("raw non-BMP", '"\U0001f600"', "noncanonical")
    text("raw DEL", '"\x7f"', "noncanonical")
    text("escaped A", '"\\u0041"', "noncanonical")
    text("long form of \\n", '"\\u000a"', "noncanonical")
    text("long form of \\b", '"\\u0008"', "noncanonical")
    text("long form of quote", '"\\u0022"', "noncanonical")
    text("negative zero", "-0", "noncanonical")
    return vs


def plane_scalars(plane):
    """Every Unicode scalar value of the plane (no surrogates), in order."""
    lo, hi = plane << 16, (plane << 16) + 0x10000
    return [c for c in range(lo, hi) if not 0xD800 <= c <= 0xDFFF]


def plane_vectors():
    vs = []
    for plane in range(17):
        cps = plane_scalars(plane)
        text = "".join(map(chr, cps))
        keys = {chr(c): 0 for c in cps if c != 0}
        vs.append({"plane": plane, "first": cps[0], "last": cps[-1],
                   "count": len(cps),
                   "string_sha256": hashlib.sha256(canonical(text).encode()).hexdigest(),
                   "keys_sha256": hashlib.sha256(canonical(keys).encode()).hexdigest()})
    return vs


def self_check(valid, invalid):
    """Catch a vector that does not test what its name says."""
    for v in valid:
        value = json.loads(v["input"])
        assert canonical(value) == v["canonical"], v["name"]
        assert json.loads(v["canonical"]) == value, v["name"]
    for v in invalid:
        if v["why"] == "noncanonical":
            value = json.loads(v["input"])
            assert canonical(value) != v["input"], v["name"]
    names = [v["name"] for v in valid + invalid]
    assert len(names) == len(set(names)), "duplicate vector names"


def write(name, vectors):
    with open(os.path.join(HERE, name), "w", encoding="ascii") as f:
        json.dump(vectors, f, indent=1, ensure_ascii=True)
        f.write("\n")


def main():
    valid = valid_vectors()
    invalid = invalid_vectors()
    self_check(valid, invalid)
    write("canon_valid.json", valid)
    write("canon_invalid.json", invalid)
    write("canon_planes.json", plane_vectors())
    print("canon_valid.json: %d vectors, canon_invalid.json: %d vectors"
          % (len(valid), len(invalid)))


if __name__ == "__main__":
    main()
