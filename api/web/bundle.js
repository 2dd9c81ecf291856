// Verifies a credledger-proof/v1 bundle on the visitor's own machine: every check of
// docs/PROOF-BUNDLE.md, in its order, with the same rules as the C++ verifier
// (ledger/records/bundle.cc, VerifyProofBundle), so that a bundle gets the same verdict and the
// same failing check from both (tests/web's shared corpus holds them to it). Nothing here
// touches the network or the page: the caller passes the bundle's bytes and the verifier key.
import { canonicalize, isInteger, isObject, JsonError, parseJson, utf8 } from "./cjson.js";
import { digest, equalBytes, fromBase64, hasWebCrypto, hex } from "./ledgercrypto.js";
import {
  Policy, Refusal, Registry, TYPES, checkObject, isTimestamp, parseKey, statusAt, statusOn, validateEntry,
  verifyEntrySignature, windowOf,
} from "./records.js";
import {
  cosignatureVerifier, hashFromHex, leafHash, noteVerifier, verifyCheckpoint, verifyConsistency,
  verifyCosignature, verifyInclusion,
} from "./tlog.js";

export const FORMAT = "credledger-proof/v1";

export const CHECKS = [
  "format", "checkpoint", "genesis", "registry", "record", "inclusion", "block", "signature",
  "authority", "history", "status", "validity", "document", "cosignatures",
];

// A check that failed: ends the run.
class Failed extends Error {}

class Checker {
  // `onCheck`, if given, is called with each check as it is decided.
  constructor(verdict, onCheck) {
    this.verdict = verdict;
    this.onCheck = onCheck;
    verdict.checks = CHECKS.map((check) => ({ check, result: "skipped", detail: "" }));
  }
  get(name) {
    return this.verdict.checks.find((c) => c.check === name);
  }
  decide(name, result, detail) {
    const c = Object.assign(this.get(name), { result, detail });
    if (this.onCheck) this.onCheck({ ...c });
  }
  pass(name, detail) {
    this.decide(name, "pass", detail);
  }
  // Fails check `name`, which ends the run.
  fail(name, detail) {
    this.decide(name, "fail", detail);
    throw new Failed(detail);
  }
}

const bad = (pointer, rule) => new Refusal("InvalidArgument", `${pointer}: ${rule}`);

function parseHashes(v, pointer) {
  if (!Array.isArray(v) || v.length > 64) throw bad(pointer, "must be an array of at most 64 hashes");
  return v.map((h, i) => {
    const bytes = hashFromHex(h);
    if (!bytes) throw bad(`${pointer}/${i}`, "must be 64 lowercase hex digits");
    return bytes;
  });
}

function parseIndex(v, pointer) {
  if (!isInteger(v) || v < 0) throw bad(pointer, "must be an integer >= 0");
  return v;
}

function parseString(v, pointer) {
  if (typeof v !== "string" || v === "") throw bad(pointer, "must be a non-empty string");
  return v;
}

function parseItem(v, pointer, extra = []) {
  checkObject(v, pointer, ["index", "entry", "inclusion", ...extra]);
  return {
    index: parseIndex(v.index, `${pointer}/index`),
    entry: parseString(v.entry, `${pointer}/entry`),
    inclusion: parseHashes(v.inclusion, `${pointer}/inclusion`),
  };
}

function parseItems(v, pointer) {
  if (!Array.isArray(v)) throw bad(pointer, "must be an array");
  const out = [];
  v.forEach((element, i) => {
    const item = parseItem(element, `${pointer}/${i}`);
    if (out.length && item.index <= out[out.length - 1].index) {
      throw bad(`${pointer}/${i}/index`, "indexes must increase");
    }
    out.push(item);
  });
  return out;
}

function parseBundle(bytes) {
  const { value: doc } = parseJson(bytes);
  checkObject(doc, "", ["format", "checkpoint", "record", "block", "registry", "history"]);
  if (doc.format !== FORMAT) throw bad("/format", `must be "${FORMAT}"`);
  const b = { checkpoint: parseString(doc.checkpoint, "/checkpoint") };
  b.record = parseItem(doc.record, "/record", ["leaf_hash", "status"]);
  b.leafHash = hashFromHex(doc.record.leaf_hash);
  if (!b.leafHash) throw bad("/record/leaf_hash", "must be 64 lowercase hex digits");
  b.status = parseString(doc.record.status, "/record/status");
  checkObject(doc.block, "/block", ["header", "consistency"]);
  b.blockHeader = parseString(doc.block.header, "/block/header");
  b.blockConsistency = parseHashes(doc.block.consistency, "/block/consistency");
  b.registry = parseItems(doc.registry, "/registry");
  if (!b.registry.length || b.registry[0].index !== 0) {
    throw bad("/registry", "must start with the genesis, entry 0");
  }
  b.history = parseItems(doc.history, "/history");
  if (b.history.some((h) => h.index === b.record.index)) throw bad("/history", "must not repeat the record");
  return b;
}

// The block header's members, as ledger/block.cc's ParseBlockHeader reads them.
function parseBlockHeader(text) {
  const { value: j } = parseJson(text);
  if (!isObject(j)) throw new Refusal("InvalidArgument", "block header must be a JSON object");
  const known = ["entry_count", "first_index", "height", "origin", "prev_hash", "root", "timestamp",
    "tree_size", "version", "signature"];
  for (const name of Object.keys(j)) {
    if (!known.includes(name)) throw new Refusal("InvalidArgument", `block header has unknown member "${name}"`);
  }
  const count = (name) => {
    if (!isInteger(j[name]) || j[name] < 0) {
      throw new Refusal("InvalidArgument", `block header member "${name}" must be a non-negative integer`);
    }
    return j[name];
  };
  const string = (name) => {
    if (typeof j[name] !== "string") throw new Refusal("InvalidArgument", `block header member "${name}" must be a string`);
    return j[name];
  };
  const hash = (name) => {
    const h = hashFromHex(string(name));
    if (!h) throw new Refusal("InvalidArgument", `block header member "${name}" must be a 64-digit lowercase hex hash`);
    return h;
  };
  if (count("version") !== 1) throw new Refusal("InvalidArgument", `unsupported block header version ${j.version}`);
  const h = {
    height: count("height"), prevHash: hash("prev_hash"), firstIndex: count("first_index"),
    entryCount: count("entry_count"), treeSize: count("tree_size"), root: hash("root"),
    origin: string("origin"), timestamp: string("timestamp"), signature: string("signature"),
  };
  if (h.firstIndex + h.entryCount !== h.treeSize) {
    throw new Refusal("InvalidArgument", "block header first_index + entry_count != tree_size");
  }
  return h;
}

// The header's canonical text (what the node signs, with and without its signature).
function blockText(h, withSignature) {
  const members = {
    entry_count: h.entryCount, first_index: h.firstIndex, height: h.height, origin: h.origin,
    prev_hash: hex(h.prevHash), root: hex(h.root), timestamp: h.timestamp, tree_size: h.treeSize,
    version: 1,
  };
  if (withSignature) members.signature = h.signature;
  return canonicalize(members);
}

const describe = (e) => (e instanceof Refusal ? e.toString() : e.message);

// The checks up to "status".
async function runChecks(bytes, vkey, options, v, check) {
  let b;
  try {
    b = parseBundle(bytes);
  } catch (e) {
    if (!(e instanceof Refusal || e instanceof JsonError)) throw e;
    check.fail("format", e.message);
  }
  check.pass("format", FORMAT);

  let verifier;
  let cp;
  try {
    verifier = await noteVerifier(vkey);
    cp = await verifyCheckpoint(b.checkpoint, verifier);
  } catch (e) {
    check.fail("checkpoint", e.message);
  }
  v.origin = cp.origin;
  v.treeSize = cp.treeSize;
  const size = cp.treeSize;
  check.pass("checkpoint", `signed by ${verifier.name} for tree size ${size}`);
  await checkCosignatures(b.checkpoint, options, check);

  let registry;
  try {
    registry = await Registry.fromGenesis(b.registry[0].entry);
  } catch (e) {
    check.fail("genesis", `entry 0 (genesis): ${e.message}`);
  }
  const alg = registry.treeHash;
  const included = async (item) =>
    verifyInclusion(alg, item.index, size, await leafHash(alg, utf8(item.entry)), item.inclusion, cp.root);
  try {
    await included(b.registry[0]);
  } catch (e) {
    check.fail("genesis", `entry 0: ${e.message}`);
  }
  if (hex(registry.nodeKey.der) !== hex(verifier.key.der)) {
    check.fail("genesis", "the genesis names another node key than the verifier key");
  }
  if (registry.origin !== cp.origin) {
    check.fail("genesis", `the genesis names origin "${registry.origin}", the checkpoint "${cp.origin}"`);
  }
  check.pass("genesis", `entry 0 is in the tree of size ${size} and names the verifier's node key`);

  const policy = new Policy(registry);
  for (const c of b.registry.slice(1)) {
    try {
      await included(c);
    } catch (e) {
      check.fail("registry", `entry ${c.index}: ${e.message}`);
    }
    let doc = null;
    try {
      doc = parseJson(c.entry).value;
    } catch {
      // not JSON: not a config entry
    }
    if (!isObject(doc) || doc.type !== "config") check.fail("registry", `entry ${c.index} is not a config entry`);
    try {
      await policy.admitConfig(c.entry, c.index);
    } catch (e) {
      check.fail("registry", `entry ${c.index}: ${describe(e)}`);
    }
  }
  check.pass("registry",
    `genesis and ${b.registry.length - 1} config entries, each included and signed by the admins`);

  let e;
  try {
    const parsed = parseJson(b.record.entry);
    if (!parsed.canonical) throw new Refusal("InvalidArgument", "the entry is not in RFC 8785 canonical form");
    e = validateEntry(parsed.value, b.record.entry);
    if (TYPES[e.type].bindsKey) await checkBoundKey(e);
  } catch (err) {
    if (!(err instanceof Refusal || err instanceof JsonError)) throw err;
    check.fail("record", err.message);
  }
  Object.assign(v, { entry: e.doc, type: e.type, agency: e.agency, index: b.record.index });
  const window = windowOf(e.doc.body);
  v.validFrom = window.from;
  v.validUntil = window.until;
  check.pass("record", `a valid ${e.type} entry of ${e.enterprise ? `enterprise ${e.enterprise}` : `agency "${e.agency}"`}`);

  const leaf = await leafHash(alg, utf8(b.record.entry));
  if (!equalBytes(leaf, b.leafHash)) {
    check.fail("inclusion", `the entry hashes to ${hex(leaf)}, not the leaf hash the bundle states`);
  }
  v.recordId = hex(leaf);
  try {
    await included(b.record);
  } catch (err) {
    check.fail("inclusion", err.message);
  }
  check.pass("inclusion", `entry ${b.record.index} is in the tree of size ${size}`);

  await checkBlock(b, verifier, cp, alg, v, check);

  if (TYPES[e.type].signer === "enterprise") {
    await checkEnterpriseSignature(e, b, check);
  } else {
    const key = registry.findKey(e.agency, e.keyId);
    if (!key) check.fail("signature", `agency "${e.agency}" has no key ${e.keyId} in the registry`);
    try {
      await verifyEntrySignature(e, key);
    } catch (err) {
      check.fail("signature", err.message);
    }
    check.pass("signature", `${key.alg} key ${e.keyId.slice(0, 16)}… of agency "${e.agency}"`);

    try {
      registry.authorize(e, b.record.index);
    } catch (err) {
      check.fail("authority", err.message);
    }
    const agency = registry.agencies.get(e.agency);
    v.agencyName = agency.name;
    check.pass("authority", `"${agency.name}" (${agency.uscc}) held that key and may issue ${e.type} ` +
      `records at entry ${b.record.index}`);
  }

  await checkHistory(b, e, policy, alg, included, v, check);

  const info = policy.records.get(v.recordId);
  v.statusOnLog = statusAt(info, size);
  if (v.statusOnLog !== b.status) {
    check.fail("status", `the bundle states "${b.status}"; its entries give "${v.statusOnLog}"`);
  }
  if (info.target) {
    v.targetId = info.target;
    v.targetStatus = statusAt(policy.records.get(info.target), size);
  }
  check.pass("status", `${v.statusOnLog} as of tree size ${size}`);
  return { policy, info };
}

// An enterprise_key entry's key, parsed into e.boundKey, and its id as the body states it: the
// node's body check (record_types.cc), which needs the key parsed.
async function checkBoundKey(e) {
  e.boundKey = await parseKey(e.doc.body.key, "/body/key");
  const id = await e.boundKey.keyId();
  if (id !== e.doc.body.key_id) {
    throw new Refusal("InvalidArgument", `/body/key_id: must be the key's id, ${id} (SHA-256 of its DER SubjectPublicKeyInfo)`);
  }
}

// The "signature" and "authority" checks of a record an enterprise signed: the bundle's history
// carries the enterprise_key record binding its key to the enterprise (bundle.cc,
// CheckEnterpriseSignature).
async function checkEnterpriseSignature(e, b, check) {
  for (const h of b.history) {
    if (h.index >= b.record.index) continue;
    let binding;
    try {
      const parsed = parseJson(h.entry);
      binding = validateEntry(parsed.value, h.entry);
    } catch (err) {
      if (!(err instanceof Refusal || err instanceof JsonError)) throw err;
      continue;
    }
    if (!TYPES[binding.type].bindsKey || binding.doc.body.key_id !== e.keyId) continue;
    const boundTo = binding.doc.subject.uscc;
    if (boundTo !== e.enterprise) {
      check.fail("signature", `key ${e.keyId.slice(0, 16)}… is bound to ${boundTo} (entry ${h.index}), not to ${e.enterprise}`);
    }
    let key;
    try {
      key = await parseKey(binding.doc.body.key, "/body/key");
      await verifyEntrySignature(e, key);
    } catch (err) {
      if (!(err instanceof Refusal)) throw err;
      check.fail("signature", err.message);
    }
    check.pass("signature", `${key.alg} key ${e.keyId.slice(0, 16)}… of enterprise ${e.enterprise}, bound by entry ${h.index}`);
    check.pass("authority", `enterprise ${e.enterprise} signs its own record with a key agency "${binding.agency}" ` +
      `bound to it at entry ${h.index} (that binding in force at entry ${b.record.index}: checked with the history)`);
    return;
  }
  check.fail("signature", `the bundle carries no enterprise_key record binding key ${e.keyId} to ${e.enterprise}`);
}

async function checkBlock(b, verifier, cp, alg, v, check) {
  let header;
  try {
    header = parseBlockHeader(b.blockHeader);
  } catch (err) {
    if (!(err instanceof Refusal || err instanceof JsonError)) throw err;
    check.fail("block", err.message);
  }
  if (blockText(header, true) !== b.blockHeader) check.fail("block", "the header is not in its canonical form");
  const signature = fromBase64(header.signature);
  if (!signature) check.fail("block", "block header signature is not base64");
  if (!(await verifier.key.verify(utf8(blockText(header, false)), signature))) {
    check.fail("block", `block ${header.height}: block ${header.height} signature: ed25519 signature does not verify`);
  }
  const index = b.record.index;
  if (header.origin !== cp.origin || index < header.firstIndex || index - header.firstIndex >= header.entryCount ||
      header.firstIndex + header.entryCount !== header.treeSize) {
    check.fail("block", `block ${header.height} does not hold entry ${index}`);
  }
  if (header.treeSize > cp.treeSize) check.fail("block", `block ${header.height} is beyond the checkpoint`);
  try {
    await verifyConsistency(alg, header.treeSize, cp.treeSize, header.root, cp.root, b.blockConsistency);
  } catch (err) {
    check.fail("block", `block ${header.height} is not a prefix of the checkpoint's tree: ${err.message}`);
  }
  v.anchoredAt = header.timestamp;
  check.pass("block", `block ${header.height} of ${header.timestamp}, signed by the node, consistent with the checkpoint`);
}

// The record and the entries that decide its status, admitted in log order.
async function checkHistory(b, e, policy, alg, included, v, check) {
  const order = [...b.history, b.record].sort((x, y) => x.index - y.index);
  for (const item of order) {
    const failed = (err) => check.fail("history", `entry ${item.index}: ${describe(err)}`);
    let entry = e;
    if (item !== b.record) {
      try {
        await included(item);
      } catch (err) {
        failed(err);
      }
      try {
        const parsed = parseJson(item.entry);
        if (isObject(parsed.value) && (parsed.value.type === "config" || parsed.value.type === "query_audit_anchor")) {
          // Admitted by the node (or not), it is no record, so it cannot act on this one.
          throw new Refusal("InvalidArgument", "not a record entry");
        }
        entry = validateEntry(parsed.value, item.entry);
        if (!parsed.canonical) {
          throw new Refusal("InvalidArgument", ": entries are submitted in RFC 8785 canonical form (ledgerctl sign writes it)");
        }
        if (TYPES[entry.type].signer === "enterprise") {
          // Its key is on the log; admitRecord refuses an entry whose key no binding holds.
          const binding = policy.enterpriseKeys.get(entry.keyId);
          if (binding) await verifyEntrySignature(entry, binding.key);
        } else {
          policy.registry.keyAt(entry.agency, entry.keyId, item.index);
          await verifyEntrySignature(entry, policy.registry.findKey(entry.agency, entry.keyId));
        }
      } catch (err) {
        if (!(err instanceof Refusal || err instanceof JsonError)) throw err;
        failed(err);
      }
    }
    try {
      if (TYPES[entry.type].bindsKey && !entry.boundKey) await checkBoundKey(entry);
      policy.admitRecord(entry, hex(await leafHash(alg, utf8(item.entry))), item.index);
    } catch (err) {
      if (!(err instanceof Refusal)) throw err;
      failed(err);
    }
  }
  // Every entry carried is one the record's admission reads or one that decides the state of
  // those: what the node would bundle.
  const info = policy.records.get(v.recordId);
  if (info.agency !== v.agency) v.agency = info.agency; // an enterprise's: its addressee
  const docs = new Map(order.map((item) => [item.index, item]));
  const related = policy.relatedEntries(v.recordId, v.treeSize, (i) => {
    const item = docs.get(i);
    return item ? parseJson(item.entry).value : null;
  });
  for (const h of b.history) {
    if (!related.has(h.index)) {
      check.fail("history", `entry ${h.index} is neither this record's target, key binding or application, ` +
        "nor a change of one of them");
    }
  }
  check.pass("history", `${b.history.length} related entries, each included and admitted under the log's rules`);
}

async function checkCosignatures(note, options, check) {
  const witnesses = options.witnesses ?? [];
  if (!witnesses.length) {
    check.get("cosignatures").detail = "no witness policy given";
    return;
  }
  const quorum = options.quorum ?? witnesses.length;
  const cosigned = [];
  const missing = [];
  for (const vkey of witnesses) {
    try {
      const w = await cosignatureVerifier(vkey);
      await verifyCosignature(note, w);
      cosigned.push(w.name);
    } catch (e) {
      missing.push(e.message);
    }
  }
  const tally = `${cosigned.length} of the ${witnesses.length} witnesses given`;
  if (cosigned.length < quorum) {
    check.fail("cosignatures", `cosigned by ${tally}, ${quorum} required (${missing.join("; ")})`);
  }
  check.pass("cosignatures", `cosigned by ${tally} (${cosigned.join(", ")}), ${quorum} required`);
}

// Verifies `bundle` (its bytes, a Uint8Array, or its text) against the node's verifier key
// `vkey`. Options: checkedAt (RFC 3339 UTC; default now), document (the document's bytes, if
// the verifier holds it), witnesses (cosignature/v1 verifier keys) and quorum (default: all).
// Never throws for a bad bundle: the verdict names the failing check. The verdict has the
// shape of the C++ BundleVerdict::ToJson (docs/PROOF-BUNDLE.md). options.onCheck, if given,
// is called with each check as it is decided, for a page that shows them as they go.
export async function verifyBundle(bundle, vkey, options = {}) {
  const v = { checkedAt: options.checkedAt || new Date().toISOString() };
  const check = new Checker(v, options.onCheck);
  let authentic = false;
  let inForce = false;
  try {
    if (!hasWebCrypto()) check.fail("format", "this browser offers no WebCrypto here (open the page over HTTPS)");
    if (!isTimestamp(v.checkedAt)) check.fail("format", "checked_at must be an RFC 3339 UTC time, YYYY-MM-DDTHH:MM:SSZ");
    const bytes = typeof bundle === "string" ? utf8(bundle) : bundle;
    const { policy, info } = await runChecks(bytes, vkey, options, v, check);
    authentic = true;
    const date = v.checkedAt.slice(0, 10);
    if (TYPES[v.type].displayRules) v.display = policy.display(info, date);
    const window = checkWindow(v, date);
    v.status = window.status;
    // Not in force is a verdict, not a failed bundle: the run goes on.
    check.decide("validity", window.inForce ? "pass" : "fail", window.detail);
    if (options.document) {
      const member = TYPES[v.type].document;
      const want = member ? v.entry.body[member] : "";
      const got = hex(await digest(policy.registry.treeHash, options.document));
      if (!want) {
        authentic = false;
        check.decide("document", "fail", `a ${v.type} record carries no document hash`);
      } else if (got !== want) {
        authentic = false;
        check.decide("document", "fail", `the document hashes to ${got}; the record carries ${want}`);
      } else {
        check.pass("document", `the document hashes to the record's ${want}`);
      }
    } else {
      check.get("document").detail = "no document given";
    }
    inForce = authentic && window.inForce;
  } catch (e) {
    if (!(e instanceof Failed)) {
      // A bug here, not in the bundle: say so on the first check not yet decided, and accept
      // nothing.
      const open = v.checks.find((c) => c.result === "skipped") ?? v.checks[0];
      Object.assign(open, { result: "fail", detail: `the verifier failed: ${e.message}` });
      authentic = false;
      inForce = false;
    }
  }
  return toJson(v, authentic, inForce);
}

function checkWindow(v, date) {
  const w = { status: statusOn(v.statusOnLog, { from: v.validFrom, until: v.validUntil }, date), inForce: false };
  if (TYPES[v.type].targetChange === "repair_application") {
    // An application stands in every state of its case; its status says which.
    w.inForce = true;
    w.detail = `a repair application, ${v.statusOnLog} as of tree size ${v.treeSize}`;
  } else if (v.statusOnLog !== "valid") {
    w.detail = `the record is ${v.statusOnLog} as of tree size ${v.treeSize}`;
  } else if (w.status === "not_yet_valid") {
    w.detail = `valid from ${v.validFrom}, checked on ${date}`;
  } else if (w.status === "expired") {
    w.detail = `valid until ${v.validUntil}, checked on ${date}`;
  } else {
    w.inForce = true;
    if (TYPES[v.type].validityWindow) {
      w.detail = `valid from ${v.validFrom} ${v.validUntil ? `until ${v.validUntil}` : "with no end (long-term)"}, ` +
        `checked on ${date}`;
    } else if (v.display) {
      w.detail = `${v.display.displayed ? "on public display" : "not on public display"} on ${date}: ${v.display.reason}`;
    } else {
      w.detail = "in force since it was recorded";
    }
  }
  return w;
}

function toJson(v, authentic, inForce) {
  const out = { authentic, in_force: inForce, checked_at: v.checkedAt, checks: v.checks };
  if (v.treeSize) out.checkpoint = { origin: v.origin, tree_size: v.treeSize };
  if (v.recordId) {
    const r = { record_id: v.recordId, index: v.index, type: v.type, agency: v.agency, entry: v.entry };
    if (v.agencyName) r.agency_name = v.agencyName;
    if (v.anchoredAt) r.anchored_at = v.anchoredAt;
    if (v.statusOnLog) r.status_on_log = v.statusOnLog;
    if (v.status) r.status = v.status;
    if (v.validFrom) r.valid_from = v.validFrom;
    if (TYPES[v.type].validityWindow) r.valid_until = v.validUntil || null;
    if (v.display) r.display = v.display;
    if (v.targetId) r.target = { record_id: v.targetId, status_on_log: v.targetStatus };
    out.record = r;
  }
  return out;
}

// The first failed check, or null.
export function firstFailure(verdict) {
  return verdict.checks.find((c) => c.result === "fail") ?? null;
}
