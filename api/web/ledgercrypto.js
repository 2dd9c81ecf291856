// The cryptography the in-browser verifier needs, from maintained implementations only:
// WebCrypto (the browser's own) for SHA-256, Ed25519 and ECDSA P-256, and the vendored
// sm-crypto-v2 (sm.js, built from the package pinned by api/web/package-lock.json) for SM3
// and SM2. Nothing here implements a primitive; it only reads the key and signature formats
// the C++ side writes (crypto/keys.h): keys as DER SubjectPublicKeyInfo, P-256 signatures as
// r||s, SM2 signatures as DER with the GM/T 0009 default signer ID, Ed25519 as RFC 8032.
import { sm2, sm3 } from "./sm.js";

const subtle = globalThis.crypto?.subtle;

export function hasWebCrypto() {
  return subtle !== undefined;
}

export function hex(bytes) {
  let out = "";
  for (const b of bytes) out += b.toString(16).padStart(2, "0");
  return out;
}

// Lowercase hex to bytes; null if it is not even-length lowercase hex.
export function fromHex(text) {
  if (typeof text !== "string" || text.length % 2 !== 0 || !/^[0-9a-f]*$/.test(text)) return null;
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; ++i) out[i] = parseInt(text.substr(2 * i, 2), 16);
  return out;
}

const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// Standard base64 with padding, refused unless canonical (as crypto::Base64Decode): null on
// any error.
export function fromBase64(text) {
  if (typeof text !== "string" || text.length % 4 !== 0) return null;
  let pad = 0;
  if (text.endsWith("==")) pad = 2;
  else if (text.endsWith("=")) pad = 1;
  const out = [];
  for (let i = 0; i < text.length; i += 4) {
    const last = i + 4 === text.length;
    let v = 0;
    for (let j = 0; j < 4; ++j) {
      const c = text[i + j];
      let d;
      if (c === "=" && last && j >= 4 - pad) d = 0;
      else {
        d = BASE64.indexOf(c);
        if (d < 0 || c === "=") return null;
      }
      v = (v << 6) | d;
    }
    out.push((v >> 16) & 0xff);
    if (!(last && pad === 2)) out.push((v >> 8) & 0xff);
    if (!(last && pad >= 1)) out.push(v & 0xff);
    if (last && ((pad === 2 && (v & 0xffff) !== 0) || (pad === 1 && (v & 0xff) !== 0))) return null;
  }
  return new Uint8Array(out);
}

export function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function equalBytes(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; ++i) if (a[i] !== b[i]) return false;
  return true;
}

export async function sha256(bytes) {
  return new Uint8Array(await subtle.digest("SHA-256", bytes));
}

// `alg`: "sha256" or "sm3", the ledger's tree hash.
export async function digest(alg, bytes) {
  if (alg === "sm3") return fromHex(sm3(bytes));
  return sha256(bytes);
}

// ---- DER: just enough to read a SubjectPublicKeyInfo and an ECDSA-Sig-Value ----

// The element at `at`: {tag, start (of contents), end}; null if malformed (definite lengths
// only, minimal length encoding, within `limit`).
function derElement(der, at, limit = der.length) {
  if (at + 2 > limit) return null;
  const tag = der[at];
  let len = der[at + 1];
  let start = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 3 || start + n > limit) return null;
    len = 0;
    for (let i = 0; i < n; ++i) len = len * 256 + der[start + i];
    if (len < 0x80 || (n > 1 && der[start] === 0)) return null;
    start += n;
  }
  if (start + len > limit) return null;
  return { tag, start, end: start + len };
}

const OID_EC_PUBLIC_KEY = "2a8648ce3d0201"; // 1.2.840.10045.2.1
const OID_P256 = "2a8648ce3d030107"; // 1.2.840.10045.3.1.7
const OID_SM2 = "2a811ccf5501822d"; // 1.2.156.10197.1.301
const OID_ED25519 = "2b6570"; // 1.3.101.112

// The algorithm of a DER SubjectPublicKeyInfo and its public key bytes: {alg, point}, or null.
export function parseSpki(der) {
  const spki = derElement(der, 0);
  if (!spki || spki.tag !== 0x30 || spki.end !== der.length) return null;
  const algId = derElement(der, spki.start, spki.end);
  if (!algId || algId.tag !== 0x30) return null;
  const oids = [];
  for (let at = algId.start; at < algId.end; ) {
    const e = derElement(der, at, algId.end);
    if (!e || e.tag !== 0x06) return null;
    oids.push(hex(der.subarray(e.start, e.end)));
    at = e.end;
  }
  const bits = derElement(der, algId.end, spki.end);
  if (!bits || bits.tag !== 0x03 || bits.end !== spki.end || der[bits.start] !== 0) return null;
  const point = der.subarray(bits.start + 1, bits.end);
  const key = oids.join(",");
  if (key === OID_ED25519 && point.length === 32) return { alg: "ed25519", point };
  if (point.length !== 65 || point[0] !== 4) return null;
  if (key === `${OID_EC_PUBLIC_KEY},${OID_P256}`) return { alg: "p256", point };
  if (key === `${OID_EC_PUBLIC_KEY},${OID_SM2}`) return { alg: "sm2", point };
  return null;
}

// True if `der` is the one DER encoding of SEQUENCE { INTEGER r, INTEGER s } with positive
// r and s (as crypto/keys.cc's IsStrictDerSignature).
function strictDerSignature(der) {
  const seq = derElement(der, 0);
  if (!seq || seq.tag !== 0x30 || seq.end !== der.length) return false;
  let at = seq.start;
  for (let i = 0; i < 2; ++i) {
    const n = derElement(der, at, seq.end);
    if (!n || n.tag !== 0x02 || n.end === n.start) return false;
    const first = der[n.start];
    if (first & 0x80) return false; // negative
    if (first === 0 && n.end - n.start > 1 && !(der[n.start + 1] & 0x80)) return false; // padding
    at = n.end;
  }
  return at === seq.end;
}

// A public key, parsed from its DER SubjectPublicKeyInfo once and kept.
export class PublicKey {
  constructor(der, alg, point) {
    this.der = der;
    this.alg = alg;
    this.point = point;
    this.webKey = null;
  }

  // The key, or null if `der` is not a p256, ed25519 or sm2 key the browser can use.
  static async fromDer(der) {
    const cacheKey = hex(der);
    if (keyCache.has(cacheKey)) return keyCache.get(cacheKey);
    const parsed = parseSpki(der);
    let key = null;
    if (parsed) {
      key = new PublicKey(der, parsed.alg, parsed.point);
      try {
        if (parsed.alg === "ed25519") {
          key.webKey = await subtle.importKey("spki", der, { name: "Ed25519" }, false, ["verify"]);
        } else if (parsed.alg === "p256") {
          key.webKey = await subtle.importKey(
            "spki", der, { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"]);
        } else if (!sm2.verifyPublicKey(hex(parsed.point))) {
          key = null;
        }
      } catch {
        key = null; // not a point on the curve
      }
    }
    if (keyCache.size > 4096) keyCache.clear();
    keyCache.set(cacheKey, key);
    return key;
  }

  // The key id: lowercase hex SHA-256 of the DER SubjectPublicKeyInfo.
  async keyId() {
    if (!this.id) this.id = hex(await sha256(this.der));
    return this.id;
  }

  // Whether `signature` (bytes) is this key's over `message` (bytes).
  async verify(message, signature) {
    if (this.alg === "ed25519") {
      if (signature.length !== 64) return false;
      return subtle.verify({ name: "Ed25519" }, this.webKey, signature, message);
    }
    if (this.alg === "p256") {
      if (signature.length !== 64) return false;
      return subtle.verify({ name: "ECDSA", hash: "SHA-256" }, this.webKey, signature, message);
    }
    if (!strictDerSignature(signature)) return false;
    try {
      return sm2.doVerifySignature(message, hex(signature), hex(this.point), { der: true, hash: true });
    } catch {
      return false;
    }
  }
}

const keyCache = new Map();

// An Ed25519 key from its 32 raw bytes (a signed note's verifier key).
export async function ed25519FromRaw(raw) {
  const prefix = fromHex("302a300506032b6570032100");
  return PublicKey.fromDer(concat(prefix, raw));
}
