// The transparency-log side of a proof bundle, as the C++ verifier checks it: RFC 9162 Merkle
// proofs (ledger/merkle.h), C2SP signed notes and checkpoints (ledger/checkpoint.h) and C2SP
// cosignature/v1 lines by witnesses (ledger/witness/cosignature.h). Errors are thrown as
// TlogError with the C++ side's wording.
import { concat, digest, ed25519FromRaw, equalBytes, fromBase64, fromHex, hex, sha256 } from "./ledgercrypto.js";
import { utf8 } from "./cjson.js";

export class TlogError extends Error {}

// ---- RFC 9162 ----

export async function leafHash(alg, entryBytes) {
  return digest(alg, concat(Uint8Array.of(0), entryBytes));
}

async function nodeHash(alg, left, right) {
  return digest(alg, concat(Uint8Array.of(1), left, right));
}

// Tree sizes and indexes are below 2^53 (JSON integers), so plain numbers hold them; the bit
// operations below work on them through Math.floor division, not 32-bit operators.
const isOdd = (n) => n % 2 === 1;
const half = (n) => Math.floor(n / 2);

// RFC 9162 section 2.1.3.2.
export async function verifyInclusion(alg, index, size, leaf, proof, root) {
  if (index >= size) throw new TlogError(`leaf index ${index} is not below tree size ${size}`);
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) throw new TlogError("inclusion proof is too long");
    if (isOdd(fn) || fn === sn) {
      r = await nodeHash(alg, p, r);
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      r = await nodeHash(alg, r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) throw new TlogError("inclusion proof is too short");
  if (!equalBytes(r, root)) {
    throw new TlogError(`inclusion proof for index ${index} does not lead to the root of tree size ${size}`);
  }
}

const isPowerOfTwo = (n) => n > 0 && 2 ** Math.round(Math.log2(n)) === n;

// RFC 9162 section 2.1.4.2.
export async function verifyConsistency(alg, oldSize, newSize, oldRoot, newRoot, proof) {
  if (oldSize > newSize) {
    throw new TlogError(`old tree size ${oldSize} is larger than new tree size ${newSize}`);
  }
  if (oldSize === newSize) {
    if (proof.length) throw new TlogError("consistency proof between equal sizes must be empty");
    if (!equalBytes(oldRoot, newRoot)) throw new TlogError("equal tree sizes with different roots");
    return;
  }
  if (oldSize === 0) {
    if (proof.length) throw new TlogError("consistency proof from size 0 must be empty");
    return;
  }
  if (!proof.length) throw new TlogError("consistency proof is empty");
  const path = isPowerOfTwo(oldSize) ? [oldRoot, ...proof] : [...proof];
  let fn = oldSize - 1;
  let sn = newSize - 1;
  while (isOdd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr = path[0];
  let sr = path[0];
  for (let i = 1; i < path.length; ++i) {
    const c = path[i];
    if (sn === 0) throw new TlogError("consistency proof is too long");
    if (isOdd(fn) || fn === sn) {
      fr = await nodeHash(alg, c, fr);
      sr = await nodeHash(alg, c, sr);
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      sr = await nodeHash(alg, sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) throw new TlogError("consistency proof is too short");
  if (!equalBytes(fr, oldRoot)) {
    throw new TlogError(`consistency proof does not lead to the old root (size ${oldSize})`);
  }
  if (!equalBytes(sr, newRoot)) {
    throw new TlogError(`consistency proof does not lead to the new root (size ${newSize})`);
  }
}

// ---- C2SP signed notes ----

const SIG_PREFIX = "\u2014 ";
const UNICODE_SPACES = /[\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/;

export function isValidNoteText(text) {
  for (let i = 0; i < text.length; ++i) {
    const c = text.charCodeAt(i);
    if ((c < 0x20 && c !== 0x0a) || c === 0x7f) return false;
  }
  return true;
}

export function isValidKeyName(name) {
  if (!name || !isValidNoteText(name) || UNICODE_SPACES.test(name)) return false;
  for (let i = 0; i < name.length; ++i) {
    const c = name.charCodeAt(i);
    if (c <= 0x20 || c === 0x2b || c === 0x7f) return false;
  }
  return true;
}

async function noteKeyId(name, type, raw) {
  const d = await sha256(concat(utf8(name), Uint8Array.of(0x0a, type), raw));
  return ((d[0] << 24) | (d[1] << 16) | (d[2] << 8) | d[3]) >>> 0;
}

// {text, signatures: [{name, keyId, signature}]}
export function parseNote(note) {
  if (!isValidNoteText(note)) throw new TlogError("malformed note: not UTF-8 or has control characters");
  const split = note.lastIndexOf("\n\n");
  if (split < 0) throw new TlogError("malformed note: no blank line before the signatures");
  const text = note.slice(0, split + 1);
  let sigs = note.slice(split + 2);
  if (!sigs.endsWith("\n")) throw new TlogError("malformed note: signature block must end in a newline");
  const signatures = [];
  while (sigs.length) {
    const nl = sigs.indexOf("\n");
    let line = sigs.slice(0, nl);
    sigs = sigs.slice(nl + 1);
    if (signatures.length + 1 > 100) throw new TlogError("malformed note: too many signatures");
    if (!line.startsWith(SIG_PREFIX)) {
      throw new TlogError("malformed note: signature line does not start with an em dash");
    }
    line = line.slice(SIG_PREFIX.length);
    const space = line.indexOf(" ");
    if (space < 0) throw new TlogError("malformed note: signature line has no signature");
    const name = line.slice(0, space);
    const blob = fromBase64(line.slice(space + 1));
    if (!isValidKeyName(name) || !blob || blob.length < 5) {
      throw new TlogError("malformed note: bad signature line");
    }
    const keyId = ((blob[0] << 24) | (blob[1] << 16) | (blob[2] << 8) | blob[3]) >>> 0;
    signatures.push({ name, keyId, signature: blob.subarray(4) });
  }
  return { text, signatures };
}

// "<name>+<8 hex key id>+<base64 of type byte and 32-byte Ed25519 key>", split at the first
// two '+' (the base64 may hold more). Returns {name, keyId, key}.
async function parseVerifierKey(vkey, type, what) {
  const p1 = vkey.indexOf("+");
  const p2 = p1 < 0 ? -1 : vkey.indexOf("+", p1 + 1);
  if (p2 < 0) throw new TlogError(`${what} must be <name>+<key id>+<base64 key>`);
  const name = vkey.slice(0, p1);
  const idHex = vkey.slice(p1 + 1, p2);
  if (!isValidKeyName(name)) throw new TlogError(`${what} has an invalid name`);
  const id = idHex.length === 8 ? fromHex(idHex) : null;
  if (!id) throw new TlogError(`${what} id must be 8 lowercase hex digits`);
  const material = fromBase64(vkey.slice(p2 + 1));
  if (!material || material.length !== 33 || material[0] !== type) {
    throw new TlogError(`${what} is not an ed25519 key (type ${type} + 32 bytes)`);
  }
  const raw = material.subarray(1);
  const keyId = ((id[0] << 24) | (id[1] << 16) | (id[2] << 8) | id[3]) >>> 0;
  if (keyId !== (await noteKeyId(name, type, raw))) {
    throw new TlogError(`${what} id does not match its name and key`);
  }
  const key = await ed25519FromRaw(raw);
  if (!key) throw new TlogError(`${what} is not a valid ed25519 key`);
  return { name, keyId, key, raw };
}

// A signed-note verifier key (the node's): {name, keyId, key (PublicKey)}.
export async function noteVerifier(vkey) {
  return parseVerifierKey(vkey, 0x01, "verifier key");
}

// A witness's cosignature/v1 key.
export async function cosignatureVerifier(vkey) {
  return parseVerifierKey(vkey, 0x04, "witness key");
}

// The checkpoint in `note`, signed by `verifier`, whose origin is the verifier's name:
// {origin, treeSize, root}.
export async function verifyCheckpoint(note, verifier) {
  const parsed = parseNote(note);
  let verified = false;
  for (const sig of parsed.signatures) {
    if (sig.name !== verifier.name || sig.keyId !== verifier.keyId) continue;
    if (!(await verifier.key.verify(utf8(parsed.text), sig.signature))) {
      throw new TlogError(`note signature by ${verifier.name} does not verify`);
    }
    verified = true;
  }
  if (!verified) throw new TlogError(`note has no signature by ${verifier.name}`);
  const lines = parsed.text.split("\n");
  if (lines.length < 4) throw new TlogError("checkpoint has fewer than three lines");
  const [origin, sizeLine, rootLine] = lines;
  if (!origin) throw new TlogError("checkpoint origin line is empty");
  if (!/^(0|[1-9][0-9]*)$/.test(sizeLine) || Number(sizeLine) >= 2 ** 64) {
    throw new TlogError(`checkpoint tree size line "${sizeLine}" is not a decimal number`);
  }
  const root = fromBase64(rootLine);
  if (!root || root.length !== 32) throw new TlogError("checkpoint root line is not a base64 32-byte hash");
  if (origin !== verifier.name) {
    throw new TlogError(`checkpoint origin "${origin}" is not "${verifier.name}"`);
  }
  return { origin, treeSize: Number(sizeLine), root, text: parsed.text };
}

// The cosignature of `witness` on `note`: its timestamp, or throws saying why not.
export async function verifyCosignature(note, witness) {
  const parsed = parseNote(note);
  for (const line of parsed.signatures) {
    if (line.name !== witness.name || line.keyId !== witness.keyId) continue;
    if (line.signature.length !== 72) {
      throw new TlogError(`the cosignature by ${witness.name} is not 72 bytes`);
    }
    let timestamp = 0n;
    for (let i = 0; i < 8; ++i) timestamp = (timestamp << 8n) | BigInt(line.signature[i]);
    if (timestamp > 2n ** 63n - 1n) {
      throw new TlogError(`the cosignature by ${witness.name} has a timestamp over 2^63 - 1`);
    }
    const message = utf8(`cosignature/v1\ntime ${timestamp}\n${parsed.text}`);
    if (!(await witness.key.verify(message, line.signature.subarray(8)))) {
      throw new TlogError(`the cosignature by ${witness.name} does not verify`);
    }
    return timestamp;
  }
  throw new TlogError(`no cosignature by ${witness.name}`);
}

// A hash from 64 lowercase hex digits, or null.
export function hashFromHex(text) {
  const h = typeof text === "string" && text.length === 64 ? fromHex(text) : null;
  return h;
}

