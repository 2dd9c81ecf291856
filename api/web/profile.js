// Verifies a signed credit profile here, as the C++ VerifyCreditProfile does
// (ledger/records/profile.cc, docs/PROOF-BUNDLE.md "Credit profiles"): the node's (or a
// follower's) signature over the profile, the checkpoint's signature by the verifier key, and
// each listed record's inclusion in the checkpoint's tree. A profile proves what it lists, not
// that it lists everything; a record's full proof is its bundle.
import { canonicalize, has, isInteger, isObject, parseJson, utf8, without } from "./cjson.js";
import { fromBase64, hex, PublicKey } from "./ledgercrypto.js";
import { hashFromHex, leafHash, noteVerifier, verifyCheckpoint, verifyInclusion } from "./tlog.js";

export const SECTIONS = ["licenses", "certificates", "penalties", "lists", "credit_repairs", "enterprise_keys",
  "repair_applications", "repair_reviews", "consents", "objections", "objection_answers", "commitments",
  "commitment_checks"];
// The sections a public profile leaves empty (the record types' ProfileView::kBanksOnly).
export const BANK_SECTIONS = ["credit_repairs", "repair_applications", "repair_reviews", "consents", "objections",
  "objection_answers"];

const MEMBERS = ["type", "schema_version", "subject", "audience", "generated_at", "origin", "tree_hash",
  "tree_size", "checkpoint", "truncated", ...SECTIONS, "key_id", "signature"];

// Verifies profile `text` against verifier key `vkey`; `signerSpki` (base64 DER), if given,
// is the key that signed the profile instead of the node's (a follower's profile_key).
// Returns {profile, count}; throws Error naming what does not verify.
export async function verifyProfile(text, vkey, signerSpki = null) {
  const { value: doc } = parseJson(text);
  if (!isObject(doc) || doc.type !== "credit_profile") throw new Error('not a credit profile ("type": "credit_profile")');
  for (const name of Object.keys(doc)) {
    if (!MEMBERS.includes(name) && name !== "bank" && name !== "purpose") throw new Error(`/${name}: unknown member`);
  }
  for (const name of MEMBERS) if (!has(doc, name)) throw new Error(`/${name}: is required`);
  const verifier = await noteVerifier(vkey);
  const signer = signerSpki ? await PublicKey.fromDer(fromBase64(signerSpki) ?? new Uint8Array()) : verifier.key;
  if (!signer) throw new Error("the profile signer's key is not a valid key");
  if (doc.key_id !== (await signer.keyId())) {
    throw new Error(signerSpki ? "/key_id: the profile is not signed by the given signer's key"
      : "/key_id: the profile is not signed by this node's key");
  }
  const signature = typeof doc.signature === "string" ? fromBase64(doc.signature) : null;
  if (!signature) throw new Error("/signature: must be base64 text");
  if (!(await signer.verify(utf8(canonicalize(without(doc, "signature"))), signature))) {
    throw new Error(`/signature: ${signer.alg} signature does not verify`);
  }
  if (typeof doc.checkpoint !== "string") throw new Error("/checkpoint: must be a string");
  const cp = await verifyCheckpoint(doc.checkpoint, verifier);
  if (doc.tree_size !== cp.treeSize) throw new Error("/tree_size: not the checkpoint's");
  if (doc.tree_hash !== "sha256" && doc.tree_hash !== "sm3") throw new Error("/tree_hash: must be sha256 or sm3");
  let count = 0;
  for (const section of SECTIONS) {
    if (!Array.isArray(doc[section])) throw new Error(`/${section}: must be an array`);
    for (const [i, item] of doc[section].entries()) {
      const where = `/${section}/${i}`;
      if (!isObject(item) || !has(item, "entry") || !isInteger(item.index) || !Array.isArray(item.inclusion)) {
        throw new Error(`${where}: needs entry, index and inclusion`);
      }
      const proof = item.inclusion.map((h) => hashFromHex(h));
      if (proof.some((h) => !h)) throw new Error(`${where}/inclusion: hashes are 64 lowercase hex`);
      const leaf = await leafHash(doc.tree_hash, utf8(canonicalize(item.entry)));
      if (item.record_id !== hex(leaf)) throw new Error(`${where}: the record id is not its entry's hash`);
      try {
        await verifyInclusion(doc.tree_hash, item.index, cp.treeSize, leaf, proof, cp.root);
      } catch (e) {
        throw new Error(`${where}: ${e.message}`);
      }
      ++count;
    }
  }
  return { profile: doc, count };
}
