#!/usr/bin/env python3
"""A Molt worker in Python, written from PROTOCOL.md: stdlib plus msgpack.

Serves, one request at a time on stdin/stdout:
  compute (msgpack -> msgpack)  the demo contract's compute (PROTOCOL.md section 12)
  health  (json -> json)        {"ok": true}
and the reserved entries __ping__, __cancel__ and __exports__.

Frames are a 4-byte little-endian length and a body; a length over the limit ends the stream
without reading it. Each envelope is tried as msgpack, then as JSON, and answered in the wire it
came in. Nothing but frames is written to stdout; logs go to stderr.
"""

import base64
import json
import math
import os
import struct
import sys
import time

import msgpack

MAX_FRAME = int(os.environ.get("MOLT_WORKER_MAX_FRAME", str(64 * 1024 * 1024)))
MAX_NUMBER_CHARS = 64
MAX_VALUES = 1_000_000

MANIFEST = {
    "abi_version": "0.1",
    "exports": [
        {"name": "compute", "codec_in": "msgpack", "codec_out": "msgpack"},
        {"name": "health", "codec_in": "json", "codec_out": "json"},
    ],
}


# An InvalidInput error that starts with this marker carries a message the caller may be shown (the
# Spring starter puts it in its 400 detail); any other worker message stays private.
SAFE_MARKER = "[safe] "


class InvalidInput(Exception):
    """The request is wrong: answered InvalidInput with this message, marked safe to show (keep it
    short and written for the caller)."""


def log(message):
    print("molt_worker.py: " + message, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- numbers (linear, length-capped)

def _is_number_text(s):
    """Plain decimal number text: [+-]digits[.digits][(e|E)[+-]digits]; one pass, no regex."""
    i, n = 0, len(s)
    if i < n and s[i] in "+-":
        i += 1
    start = i
    while i < n and s[i].isdigit() and s[i].isascii():
        i += 1
    digits = i - start
    if i < n and s[i] == ".":
        i += 1
        f = i
        while i < n and s[i].isdigit() and s[i].isascii():
            i += 1
        digits += i - f
    if digits == 0:
        return False
    if i < n and s[i] in "eE":
        i += 1
        if i < n and s[i] in "+-":
            i += 1
        e = i
        while i < n and s[i].isdigit() and s[i].isascii():
            i += 1
        if i == e:
            return False
    return i == n


def number(name, raw, default=None):
    if raw is None or (isinstance(raw, str) and raw.strip() == ""):
        if default is None:
            raise InvalidInput(name + " is required")
        return default
    if isinstance(raw, bool):
        raise InvalidInput(name + " must be a number")
    if isinstance(raw, (int, float)):
        value = float(raw)
    elif isinstance(raw, str):
        text = raw.strip()
        if len(text) > MAX_NUMBER_CHARS:
            raise InvalidInput(name + " is too long")
        if not _is_number_text(text):
            raise InvalidInput(name + " must be a number")
        value = float(text)
    else:
        raise InvalidInput(name + " must be a number")
    if not math.isfinite(value):
        raise InvalidInput(name + " must be a finite number")
    return value


def values_of(raw):
    if raw is None:
        return []
    if isinstance(raw, str):
        items = [] if raw.strip() == "" else raw.split(",")
    elif isinstance(raw, list):
        items = raw
    else:
        raise InvalidInput("values must be a list or a comma-separated string")
    if len(items) > MAX_VALUES:
        raise InvalidInput("values has too many entries")
    return [number("values", v) for v in items]


# ---------------------------------------------------------------- exports

def compute(payload, deadline):
    if not isinstance(payload, dict):
        raise InvalidInput("payload must be a map")
    values = values_of(payload.get("values"))
    scale = number("scale", payload.get("scale"), 1.0)
    offset = number("offset", payload.get("offset"), 0.0)
    scaled = []
    for i, v in enumerate(values):
        if i % 4096 == 0 and deadline is not None and time.monotonic() > deadline:
            raise TimeoutError()
        scaled.append(v * scale + offset)
    return {"count": len(scaled), "sum": math.fsum(scaled), "scaled": scaled}


def health(payload, deadline):
    return {"ok": True}


EXPORTS = {"compute": ("msgpack", "msgpack", compute), "health": ("json", "json", health)}


# ---------------------------------------------------------------- payload codecs

def decode_payload(codec, data):
    if codec == "msgpack":
        return None if not data else msgpack.unpackb(data, raw=False, strict_map_key=True)
    if codec == "json":
        return None if not data else json.loads(data.decode("utf-8"))
    return data


def encode_payload(codec, value):
    if codec == "msgpack":
        return msgpack.packb(value, use_bin_type=True)
    if codec == "json":
        return json.dumps(value, separators=(",", ":"), allow_nan=False).encode("utf-8")
    return bytes(value)


# ---------------------------------------------------------------- envelopes

def decode_envelope(body):
    """(envelope dict, wire) or raises ValueError."""
    try:
        env = msgpack.unpackb(body, raw=False, strict_map_key=True)
        wire = "msgpack"
    except Exception:
        try:
            env = json.loads(body.decode("utf-8"))
        except Exception:
            raise ValueError("envelope is neither msgpack nor JSON")
        wire = "json"
        if isinstance(env, dict) and "payload_b64" in env:
            b64 = env.pop("payload_b64")
            if not isinstance(b64, str):
                raise ValueError("payload_b64 must be a string")
            env["payload"] = base64.b64decode(b64, validate=True)
    if not isinstance(env, dict):
        raise ValueError("envelope must be a map")
    return env, wire


def encode_envelope(env, wire):
    if wire == "msgpack":
        return msgpack.packb(env, use_bin_type=True)
    out = dict(env)
    if "payload" in out:
        out["payload_b64"] = base64.b64encode(out.pop("payload")).decode("ascii")
    return json.dumps(out, separators=(",", ":")).encode("utf-8")


def response(request_id, status, codec="raw", payload=b"", error=None, metrics=None, entry=None):
    env = {"request_id": request_id, "status": status, "codec": codec}
    if payload:
        env["payload"] = payload
    if error is not None:
        env["error"] = error
    if metrics:
        env["metrics"] = metrics
    if entry is not None:
        env["entry"] = entry
    return env


def handle(env):
    request_id = env.get("request_id")
    entry = env.get("entry")
    codec = env.get("codec")
    timeout_ms = env.get("timeout_ms", 0)
    payload = env.get("payload", b"") or b""
    if not isinstance(request_id, int) or request_id < 0 or request_id >= 2 ** 64:
        return response(0, "InvalidInput", error="request_id must be an unsigned 64-bit integer")
    if not isinstance(entry, str) or not isinstance(codec, str) or not isinstance(payload, (bytes, bytearray)):
        return response(request_id, "InvalidInput", error="entry, codec and payload have the wrong types")
    if not isinstance(timeout_ms, int) or timeout_ms < 0:
        return response(request_id, "InvalidInput", error="timeout_ms must be an unsigned integer")
    if entry == "__ping__":
        return response(request_id, "Ok")
    if entry == "__cancel__":
        # one request at a time: by the time a cancel is read, the request it names has been answered
        return response(request_id, "Ok", entry="__cancel__")
    if entry == "__exports__":
        return response(request_id, "Ok", codec="json", payload=encode_payload("json", MANIFEST))
    export = EXPORTS.get(entry)
    if export is None:
        return response(request_id, "InvalidInput", error="Unknown entry '%s'." % entry[:64])
    codec_in, codec_out, fn = export
    if codec != codec_in:
        return response(request_id, "InvalidInput", error="%s takes codec %s, not %s" % (entry, codec_in, codec[:16]))
    started = time.monotonic()
    deadline = started + timeout_ms / 1000.0 if timeout_ms > 0 else None
    try:
        result = fn(decode_payload(codec, bytes(payload)), deadline)
        out = encode_payload(codec_out, result)
    except InvalidInput as e:
        return response(request_id, "InvalidInput", error=SAFE_MARKER + str(e)[:200])
    except TimeoutError:
        return response(request_id, "Timeout", error="deadline passed")
    except (ValueError, TypeError, RecursionError, msgpack.ExtraData, msgpack.FormatError, msgpack.StackError):
        return response(request_id, "InvalidInput", error="payload does not decode as " + codec)
    except Exception as e:  # a bug in the handler: say what, not where
        log("%s failed: %s" % (entry, type(e).__name__))
        return response(request_id, "InternalError", error="handler failed")
    exec_us = int((time.monotonic() - started) * 1_000_000)
    if deadline is not None and time.monotonic() > deadline:
        return response(request_id, "Timeout", error="deadline passed")
    return response(request_id, "Ok", codec=codec_out, payload=out,
                    metrics={"exec_us": exec_us, "payload_bytes": len(payload)})


# ---------------------------------------------------------------- framing

def read_exactly(stream, n):
    chunks, left = [], n
    while left > 0:
        chunk = stream.read(min(left, 1 << 20))
        if not chunk:
            return None  # end of stream, possibly inside a frame: a closed stream, not a message
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def main():
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # a stray print must never corrupt the frames
    while True:
        header = read_exactly(stdin, 4)
        if header is None:
            return 0
        (length,) = struct.unpack("<I", header)
        if length > MAX_FRAME:
            log("frame of %d bytes is over the %d-byte limit; closing" % (length, MAX_FRAME))
            return 1
        body = read_exactly(stdin, length)
        if body is None:
            return 0
        try:
            env, wire = decode_envelope(body)
            answer = handle(env)
        except ValueError as e:
            env, wire = None, "msgpack"
            answer = response(0, "InvalidInput", error=str(e))
        out = encode_envelope(answer, wire)
        stdout.write(struct.pack("<I", len(out)) + out)
        stdout.flush()


if __name__ == "__main__":
    sys.exit(main())
