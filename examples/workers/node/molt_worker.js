#!/usr/bin/env node
// A Molt worker in Node.js, written from PROTOCOL.md with no dependencies: the msgpack subset the
// envelopes and payloads need (nil, booleans, integers, floats, str, bin, arrays, maps) is below.
//
// Serves, one request at a time on stdin/stdout:
//   compute (msgpack -> msgpack)  the demo contract's compute (PROTOCOL.md section 12)
//   health  (json -> json)        {"ok": true}
// and the reserved entries __ping__, __cancel__ and __exports__.
//
// Frames are a 4-byte little-endian length and a body; a length over the limit ends the stream
// without buffering it. Each envelope is tried as msgpack, then as JSON, and answered in the wire
// it came in. Nothing but frames goes to stdout; logs go to stderr.
'use strict';

const MAX_FRAME = Number(process.env.MOLT_WORKER_MAX_FRAME || 64 * 1024 * 1024);
const MAX_DEPTH = 64;
const MAX_NUMBER_CHARS = 64;
const MAX_VALUES = 1000000;

const MANIFEST = {
  abi_version: '0.1',
  exports: [
    { name: 'compute', codec_in: 'msgpack', codec_out: 'msgpack' },
    { name: 'health', codec_in: 'json', codec_out: 'json' },
  ],
};

// An InvalidInput error that starts with this marker carries a message the caller may be shown (the
// Spring starter puts it in its 400 detail); any other worker message stays private.
const SAFE_MARKER = '[safe] ';

/** The request is wrong: answered InvalidInput with this message, marked safe to show. */
class InvalidInput extends Error {}
class DeadlinePassed extends Error {}

function log(message) {
  process.stderr.write('molt_worker.js: ' + message + '\n');
}

// ------------------------------------------------------------------ msgpack subset

/** A number always written as a msgpack float64, whole or not (a JSON number in JSON). */
class Float {
  constructor(v) { this.v = v; }
  toJSON() { return this.v; }
}

function decodeMsgpack(buf) {
  let pos = 0;
  const need = (n) => {
    if (n > buf.length - pos) throw new Error('msgpack value claims ' + n + ' bytes but only ' + (buf.length - pos) + ' remain');
  };
  const u8 = () => { need(1); return buf[pos++]; };
  const str = (n) => { need(n); const s = buf.toString('utf8', pos, pos + n); pos += n; return s; };
  const bin = (n) => { need(n); const b = buf.subarray(pos, pos + n); pos += n; return Buffer.from(b); };
  const uint = (n) => {
    need(n);
    let v;
    if (n === 1) v = buf.readUInt8(pos);
    else if (n === 2) v = buf.readUInt16BE(pos);
    else if (n === 4) v = buf.readUInt32BE(pos);
    else { const b = buf.readBigUInt64BE(pos); v = b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b; }
    pos += n;
    return v;
  };
  const sint = (n) => {
    need(n);
    let v;
    if (n === 1) v = buf.readInt8(pos);
    else if (n === 2) v = buf.readInt16BE(pos);
    else if (n === 4) v = buf.readInt32BE(pos);
    else { const b = buf.readBigInt64BE(pos); v = (b <= BigInt(Number.MAX_SAFE_INTEGER) && b >= BigInt(Number.MIN_SAFE_INTEGER)) ? Number(b) : b; }
    pos += n;
    return v;
  };
  const array = (n, depth) => {
    need(n); // every element takes at least one byte: no length is believed beyond what remains
    const out = new Array(n);
    for (let i = 0; i < n; i++) out[i] = value(depth + 1);
    return out;
  };
  const map = (n, depth) => {
    need(2 * n);
    const out = Object.create(null);
    for (let i = 0; i < n; i++) {
      const k = value(depth + 1);
      if (typeof k !== 'string') throw new Error('map keys must be strings');
      out[k] = value(depth + 1);
    }
    return out;
  };
  const value = (depth) => {
    if (depth > MAX_DEPTH) throw new Error('msgpack value nested too deeply');
    const t = u8();
    if (t <= 0x7f) return t;
    if (t >= 0xe0) return t - 0x100;
    if ((t & 0xe0) === 0xa0) return str(t & 0x1f);
    if ((t & 0xf0) === 0x90) return array(t & 0x0f, depth);
    if ((t & 0xf0) === 0x80) return map(t & 0x0f, depth);
    switch (t) {
      case 0xc0: return null;
      case 0xc2: return false;
      case 0xc3: return true;
      case 0xc4: return bin(uint(1));
      case 0xc5: return bin(uint(2));
      case 0xc6: return bin(uint(4));
      case 0xca: { need(4); const v = buf.readFloatBE(pos); pos += 4; return v; }
      case 0xcb: { need(8); const v = buf.readDoubleBE(pos); pos += 8; return v; }
      case 0xcc: return uint(1);
      case 0xcd: return uint(2);
      case 0xce: return uint(4);
      case 0xcf: return uint(8);
      case 0xd0: return sint(1);
      case 0xd1: return sint(2);
      case 0xd2: return sint(4);
      case 0xd3: return sint(8);
      case 0xd9: return str(uint(1));
      case 0xda: return str(uint(2));
      case 0xdb: return str(uint(4));
      case 0xdc: return array(uint(2), depth);
      case 0xdd: return array(uint(4), depth);
      case 0xde: return map(uint(2), depth);
      case 0xdf: return map(uint(4), depth);
      default: throw new Error('msgpack type 0x' + t.toString(16) + ' is not supported');
    }
  };
  const v = value(0);
  if (pos !== buf.length) throw new Error('trailing bytes after the msgpack value');
  return v;
}

function encodeMsgpack(v) {
  const parts = [];
  const head = (bytes) => parts.push(Buffer.from(bytes));
  const lenHead = (n, fix, fixMax, c8, c16, c32) => {
    if (fix !== null && n <= fixMax) head([fix | n]);
    else if (c8 !== null && n <= 0xff) head([c8, n]);
    else if (n <= 0xffff) head([c16, n >> 8, n & 0xff]);
    else { const b = Buffer.alloc(5); b[0] = c32; b.writeUInt32BE(n, 1); parts.push(b); }
  };
  const enc = (x) => {
    if (x === null || x === undefined) head([0xc0]);
    else if (x === true) head([0xc3]);
    else if (x === false) head([0xc2]);
    else if (typeof x === 'bigint') {
      const b = Buffer.alloc(9);
      if (x >= 0n) { b[0] = 0xcf; b.writeBigUInt64BE(x, 1); } else { b[0] = 0xd3; b.writeBigInt64BE(x, 1); }
      parts.push(b);
    } else if (typeof x === 'number') {
      if (Number.isSafeInteger(x) && x >= 0) {
        if (x <= 0x7f) head([x]);
        else if (x <= 0xffffffff) { const b = Buffer.alloc(5); b[0] = 0xce; b.writeUInt32BE(x, 1); parts.push(b); }
        else { const b = Buffer.alloc(9); b[0] = 0xcf; b.writeBigUInt64BE(BigInt(x), 1); parts.push(b); }
      } else if (Number.isSafeInteger(x)) {
        if (x >= -32) head([x & 0xff]);
        else { const b = Buffer.alloc(9); b[0] = 0xd3; b.writeBigInt64BE(BigInt(x), 1); parts.push(b); }
      } else {
        const b = Buffer.alloc(9); b[0] = 0xcb; b.writeDoubleBE(x, 1); parts.push(b);
      }
    } else if (typeof x === 'string') {
      const s = Buffer.from(x, 'utf8');
      lenHead(s.length, 0xa0, 31, 0xd9, 0xda, 0xdb);
      parts.push(s);
    } else if (x instanceof Float) {
      const b = Buffer.alloc(9); b[0] = 0xcb; b.writeDoubleBE(x.v, 1); parts.push(b);
    } else if (Buffer.isBuffer(x)) {
      lenHead(x.length, null, 0, 0xc4, 0xc5, 0xc6);
      parts.push(x);
    } else if (Array.isArray(x)) {
      lenHead(x.length, 0x90, 15, null, 0xdc, 0xdd);
      x.forEach(enc);
    } else if (typeof x === 'object') {
      const keys = Object.keys(x);
      lenHead(keys.length, 0x80, 15, null, 0xde, 0xdf);
      for (const k of keys) { enc(k); enc(x[k]); }
    } else {
      throw new Error('cannot encode a ' + typeof x);
    }
  };
  enc(v);
  return Buffer.concat(parts);
}

// ------------------------------------------------------------------ numbers (linear, length-capped)

function isNumberText(s) {
  let i = 0;
  const n = s.length;
  const digit = (c) => c >= '0' && c <= '9';
  if (i < n && (s[i] === '+' || s[i] === '-')) i++;
  let digits = 0;
  while (i < n && digit(s[i])) { i++; digits++; }
  if (i < n && s[i] === '.') { i++; while (i < n && digit(s[i])) { i++; digits++; } }
  if (digits === 0) return false;
  if (i < n && (s[i] === 'e' || s[i] === 'E')) {
    i++;
    if (i < n && (s[i] === '+' || s[i] === '-')) i++;
    const e = i;
    while (i < n && digit(s[i])) i++;
    if (i === e) return false;
  }
  return i === n;
}

function number(name, raw, dflt) {
  if (raw === null || raw === undefined || (typeof raw === 'string' && raw.trim() === '')) {
    if (dflt === undefined) throw new InvalidInput(name + ' is required');
    return dflt;
  }
  let v;
  if (typeof raw === 'number') v = raw;
  else if (typeof raw === 'bigint') v = Number(raw);
  else if (typeof raw === 'string') {
    const t = raw.trim();
    if (t.length > MAX_NUMBER_CHARS) throw new InvalidInput(name + ' is too long');
    if (!isNumberText(t)) throw new InvalidInput(name + ' must be a number');
    v = Number(t);
  } else throw new InvalidInput(name + ' must be a number');
  if (!Number.isFinite(v)) throw new InvalidInput(name + ' must be a finite number');
  return v;
}

function valuesOf(raw) {
  if (raw === null || raw === undefined) return [];
  let items;
  if (typeof raw === 'string') items = raw.trim() === '' ? [] : raw.split(',', MAX_VALUES + 1);
  else if (Array.isArray(raw)) items = raw;
  else throw new InvalidInput('values must be a list or a comma-separated string');
  if (items.length > MAX_VALUES) throw new InvalidInput('values has too many entries');
  return items.map((v) => number('values', v));
}

// ------------------------------------------------------------------ exports

function compute(payload, deadline) {
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) throw new InvalidInput('payload must be a map');
  const values = valuesOf(payload.values);
  const scale = number('scale', payload.scale, 1.0);
  const offset = number('offset', payload.offset, 0.0);
  const scaled = new Array(values.length);
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    if (i % 4096 === 0 && deadline !== null && performance.now() > deadline) throw new DeadlinePassed();
    scaled[i] = values[i] * scale + offset;
    sum += scaled[i];
  }
  // whole numbers stay floats on the wire, as the other workers answer them
  return { count: values.length, sum: new Float(sum), scaled: scaled.map((x) => new Float(x)) };
}

function health() {
  return { ok: true };
}

const EXPORTS = { compute: ['msgpack', 'msgpack', compute], health: ['json', 'json', health] };

function decodePayload(codec, data) {
  if (codec === 'msgpack') return data.length === 0 ? null : decodeMsgpack(data);
  if (codec === 'json') return data.length === 0 ? null : JSON.parse(data.toString('utf8'));
  return data;
}

function encodePayload(codec, value) {
  if (codec === 'msgpack') return encodeMsgpack(value);
  if (codec === 'json') return Buffer.from(JSON.stringify(value), 'utf8');
  return value;
}

// ------------------------------------------------------------------ envelopes

function decodeEnvelope(body) {
  let env;
  let wire = 'msgpack';
  try {
    env = decodeMsgpack(body);
  } catch (e) {
    try {
      env = JSON.parse(body.toString('utf8'));
    } catch (e2) {
      throw new Error('envelope is neither msgpack nor JSON');
    }
    wire = 'json';
    if (env && typeof env === 'object' && 'payload_b64' in env) {
      if (typeof env.payload_b64 !== 'string') throw new Error('payload_b64 must be a string');
      env.payload = Buffer.from(env.payload_b64, 'base64');
      delete env.payload_b64;
    }
  }
  if (env === null || typeof env !== 'object' || Array.isArray(env)) throw new Error('envelope must be a map');
  return [env, wire];
}

function encodeEnvelope(env, wire) {
  if (wire === 'msgpack') return encodeMsgpack(env);
  const out = Object.assign({}, env);
  if (out.payload) { out.payload_b64 = out.payload.toString('base64'); delete out.payload; }
  if (typeof out.request_id === 'bigint') out.request_id = Number(out.request_id); // JSON has no u64; ids count up from 1
  return Buffer.from(JSON.stringify(out), 'utf8');
}

function response(requestId, status, fields) {
  const env = { request_id: requestId, status, codec: 'raw' };
  Object.assign(env, fields || {});
  if (env.payload && env.payload.length === 0) delete env.payload;
  return env;
}

function isU64(x) {
  return (typeof x === 'number' && Number.isSafeInteger(x) && x >= 0) || (typeof x === 'bigint' && x >= 0n && x < (1n << 64n));
}

function handle(env) {
  const id = env.request_id;
  const entry = env.entry;
  const codec = env.codec;
  const timeoutMs = env.timeout_ms === undefined ? 0 : env.timeout_ms;
  const payload = env.payload === undefined || env.payload === null ? Buffer.alloc(0) : env.payload;
  if (!isU64(id)) return response(0, 'InvalidInput', { error: 'request_id must be an unsigned 64-bit integer' });
  if (typeof entry !== 'string' || typeof codec !== 'string' || !Buffer.isBuffer(payload)) {
    return response(id, 'InvalidInput', { error: 'entry, codec and payload have the wrong types' });
  }
  if (typeof timeoutMs !== 'number' || !Number.isSafeInteger(timeoutMs) || timeoutMs < 0) {
    return response(id, 'InvalidInput', { error: 'timeout_ms must be an unsigned integer' });
  }
  if (entry === '__ping__') return response(id, 'Ok');
  // one request at a time: by the time a cancel is read, the request it names has been answered
  if (entry === '__cancel__') return response(id, 'Ok', { entry: '__cancel__' });
  if (entry === '__exports__') return response(id, 'Ok', { codec: 'json', payload: encodePayload('json', MANIFEST) });
  const exp = Object.prototype.hasOwnProperty.call(EXPORTS, entry) ? EXPORTS[entry] : null;
  if (exp === null) return response(id, 'InvalidInput', { error: "Unknown entry '" + entry.slice(0, 64) + "'." });
  const [codecIn, codecOut, fn] = exp;
  if (codec !== codecIn) return response(id, 'InvalidInput', { error: entry + ' takes codec ' + codecIn + ', not ' + codec.slice(0, 16) });
  const started = performance.now();
  const deadline = timeoutMs > 0 ? started + timeoutMs : null;
  let out;
  try {
    let request;
    try {
      request = decodePayload(codec, payload);
    } catch (e) {
      throw new InvalidInput('payload does not decode as ' + codec);
    }
    out = encodePayload(codecOut, fn(request, deadline));
  } catch (e) {
    if (e instanceof InvalidInput) return response(id, 'InvalidInput', { error: SAFE_MARKER + e.message.slice(0, 200) });
    if (e instanceof DeadlinePassed) return response(id, 'Timeout', { error: 'deadline passed' });
    log(entry + ' failed: ' + e.name); // a bug in the handler: say what, not where
    return response(id, 'InternalError', { error: 'handler failed' });
  }
  const now = performance.now();
  if (deadline !== null && now > deadline) return response(id, 'Timeout', { error: 'deadline passed' });
  return response(id, 'Ok', {
    codec: codecOut, payload: out, metrics: { exec_us: Math.round((now - started) * 1000), payload_bytes: payload.length },
  });
}

// ------------------------------------------------------------------ framing

let pending = [];
let pendingBytes = 0;
let frameLength = -1;

function take(n) {
  const all = pending.length === 1 ? pending[0] : Buffer.concat(pending, pendingBytes);
  const head = all.subarray(0, n);
  const rest = all.subarray(n);
  pending = rest.length > 0 ? [rest] : [];
  pendingBytes = rest.length;
  return head;
}

function onData(chunk) {
  pending.push(chunk);
  pendingBytes += chunk.length;
  for (;;) {
    if (frameLength < 0) {
      if (pendingBytes < 4) return;
      frameLength = take(4).readUInt32LE(0);
      if (frameLength > MAX_FRAME) {
        log('frame of ' + frameLength + ' bytes is over the ' + MAX_FRAME + '-byte limit; closing');
        process.exit(1);
      }
    }
    if (pendingBytes < frameLength) return;
    const body = take(frameLength);
    frameLength = -1;
    let answer;
    let wire = 'msgpack';
    try {
      const [env, w] = decodeEnvelope(Buffer.from(body));
      wire = w;
      answer = handle(env);
    } catch (e) {
      answer = response(0, 'InvalidInput', { error: e.message.slice(0, 200) });
    }
    const out = encodeEnvelope(answer, wire);
    const len = Buffer.alloc(4);
    len.writeUInt32LE(out.length, 0);
    process.stdout.write(Buffer.concat([len, out]));
  }
}

// a stray console.log must never corrupt the frames
console.log = (...args) => process.stderr.write(args.join(' ') + '\n');
process.stdin.on('data', onData);
// at the end of stdin nothing is left to do: the process exits once the last answers are written
process.stdin.on('end', () => { process.exitCode = 0; });
