// The domain's rules, as the C++ verifier applies them to a proof bundle's entries: entry
// validation (ledger/records/entry.cc, record_types.cc, schema.cc, identifiers.cc), the
// registry replayed from the genesis and the config entries (registry.cc), and admission of
// records in log order (policy.cc), with the in-memory indexes a bundle needs. docs/RECORDS.md
// is the normative description; tests/web's shared corpus holds this file to the C++ verdicts.
//
// A rule broken throws Refusal(code, message), the message naming the member by its JSON
// Pointer as the C++ side does.
import { canonicalize, has, isInteger, isObject, parseJson, utf8, without } from "./cjson.js";
import { fromBase64, PublicKey } from "./ledgercrypto.js";

export class Refusal extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
  toString() {
    return `${this.code}: ${this.message}`;
  }
}

const invalid = (pointer, rule) => new Refusal("InvalidArgument", `${pointer}: ${rule}`);
const child = (p, name) => `${p}/${String(name).replaceAll("~", "~0").replaceAll("/", "~1")}`;

// ---- schema.cc ----

const SHORT_TEXT = 64;
const NAME = 200;
const LONG_TEXT = 1000;

export function checkObject(v, p, required, optional = []) {
  if (!isObject(v)) throw invalid(p, "must be an object");
  for (const name of Object.keys(v)) {
    if (!required.includes(name) && !optional.includes(name)) throw invalid(child(p, name), "unknown member");
  }
  for (const name of required) if (!has(v, name)) throw invalid(child(p, name), "is required");
}

function codePoints(s) {
  let n = 0;
  for (const _ of s) ++n;
  return n;
}

function checkText(v, p, max) {
  if (typeof v !== "string" || v === "") throw invalid(p, "must be a non-empty string");
  if (max > 0 && codePoints(v) > max) throw invalid(p, `must be at most ${max} characters`);
}

function checkEnum(v, p, values) {
  if (typeof v !== "string" || !values.includes(v)) throw invalid(p, `must be one of: ${values.join(", ")}`);
}

export function daysInMonth(y, m) {
  const days = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  return days[m - 1] + (m === 2 && leap ? 1 : 0);
}

function validDate(s) {
  const m = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/.exec(s);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return y >= 1900 && mo >= 1 && mo <= 12 && d >= 1 && d <= daysInMonth(y, mo);
}

function checkDate(v, p) {
  if (typeof v !== "string" || !validDate(v)) throw invalid(p, "must be a calendar date YYYY-MM-DD");
}

export function isTimestamp(s) {
  if (typeof s !== "string" || s.length < 20 || !validDate(s.slice(0, 10))) return false;
  const m = /^T([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]{1,3})?Z$/.exec(s.slice(10));
  return m !== null && Number(m[1]) <= 23 && Number(m[2]) <= 59 && Number(m[3]) <= 59;
}

function checkTimestamp(v, p) {
  if (!isTimestamp(v)) throw invalid(p, "must be an RFC 3339 UTC time YYYY-MM-DDTHH:MM:SS[.fff]Z");
}

export const isHashHex = (s) => typeof s === "string" && /^[0-9a-f]{64}$/.test(s);

function checkHash(v, p) {
  if (!isHashHex(v)) throw invalid(p, "must be 64 lowercase hex digits");
}

function checkFen(v, p) {
  if (!isInteger(v) || v < 0) {
    throw invalid(p, "must be an integer number of fen >= 0 (amounts are never floats)");
  }
}

function checkBool(v, p) {
  if (typeof v !== "boolean") throw invalid(p, "must be true or false");
}

function checkUscc(v, p) {
  if (typeof v !== "string") throw invalid(p, "must be a unified social credit code string");
  const problem = usccProblem(v);
  if (problem) throw invalid(p, problem);
}

function checkAreaCode(v, p) {
  if (typeof v !== "string" || !/^[0-9]{6}$/.test(v)) throw invalid(p, "must be a 6-digit GB/T 2260 area code");
}

function checkArray(v, p, min, max) {
  if (!Array.isArray(v)) throw invalid(p, "must be an array");
  if (v.length < min || v.length > max) throw invalid(p, `must have ${min} to ${max} elements`);
}

function checkHashArray(v, p, max) {
  checkArray(v, p, 0, max);
  v.forEach((h, i) => checkHash(h, child(p, i)));
}

function checkAuthority(v, p) {
  checkObject(v, p, ["uscc", "name"]);
  checkUscc(v.uscc, child(p, "uscc"));
  checkText(v.name, child(p, "name"), NAME);
}

// ---- identifiers.cc ----

const USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY";
const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

// What is wrong with a code's length and alphabet, or "".
export function usccShapeProblem(code) {
  const chars = [...utf8(code)];
  if (chars.length !== 18) return `a unified social credit code has 18 characters, not ${chars.length}`;
  for (let i = 0; i < 18; ++i) {
    const c = String.fromCharCode(chars[i]);
    if (chars[i] >= 0x80 || !USCC_ALPHABET.includes(c)) {
      const shown = chars[i] >= 0x20 && chars[i] < 0x7f ? `'${c}'` : `byte 0x${chars[i].toString(16).padStart(2, "0")}`;
      return `character ${i + 1} (${shown}) is not in the GB 32100 alphabet 0-9 A-H J-N P-R T U W-Y`;
    }
  }
  return "";
}

// What is wrong with a GB 32100 code, or "".
export function usccProblem(code) {
  const shape = usccShapeProblem(code);
  if (shape) return shape;
  let sum = 0;
  for (let i = 0; i < 17; ++i) sum += USCC_ALPHABET.indexOf(code[i]) * USCC_WEIGHTS[i];
  const want = USCC_ALPHABET[(31 - (sum % 31)) % 31];
  return code[17] === want ? "" : `GB 32100 check character is '${code[17]}', expected '${want}'`;
}

function alnumValue(c) {
  if (c >= "0" && c <= "9") return c.charCodeAt(0) - 48;
  if (c >= "A" && c <= "Z") return c.charCodeAt(0) - 55;
  return -1;
}

// ISO/IEC 7064 MOD 37,36; null if a character is not a digit or capital letter.
function mod3736Check(data) {
  const M = 36;
  let p = M;
  for (const c of data) {
    const v = alnumValue(c);
    if (v < 0) return null;
    let s = (p + v) % M;
    if (s === 0) s = M;
    p = (2 * s) % (M + 1);
  }
  const c = (M + 1 - p) % M;
  return c < 10 ? String.fromCharCode(48 + c) : String.fromCharCode(55 + c);
}

// A GB/T 36904 e-license identifier's fields, or a Refusal-worthy message.
function parseLicenseIdentifier(id) {
  const prefix = "1.2.156.3005.2.";
  if (!id.startsWith(prefix)) return { error: "an e-license identifier starts with 1.2.156.3005.2." };
  const parts = id.slice(prefix.length).split(".");
  if (parts.length !== 5) {
    return {
      error:
        "an e-license identifier has 5 fields after 1.2.156.3005.2: type code, issuing " +
        "authority USCC, serial, version, check",
    };
  }
  const [typeCode, issuer, serial, version, check] = parts;
  if (typeCode === "" || mod3736Check(typeCode) === null) {
    return { error: "license type code must be non-empty digits/capital letters" };
  }
  const usccError = usccProblem(issuer);
  if (usccError) return { error: `license issuing authority: ${usccError}` };
  if (serial === "" || mod3736Check(serial) === null) {
    return { error: "license serial must be non-empty digits/capital letters" };
  }
  if (!/^[0-9]{3}$/.test(version)) return { error: "license version must be 3 digits" };
  if (check.length !== 1) return { error: "license check field is one character" };
  const want = mod3736Check(id.slice(0, id.length - 2).split(".").join(""));
  if (want === null) return { error: "the identifier has a character other than digits and capital letters" };
  if (check !== want) return { error: `MOD 37,36 check character is '${check}', expected '${want}'` };
  return { typeCode, issuer };
}

// ---- record_types.cc ----

function checkLicenseLike(b, subject) {
  const p = "/body";
  checkText(b.identifier, child(p, "identifier"), NAME);
  const id = parseLicenseIdentifier(b.identifier);
  if (id.error) throw invalid(child(p, "identifier"), id.error);
  checkText(b.type_code, child(p, "type_code"), SHORT_TEXT);
  if (b.type_code !== id.typeCode) {
    throw invalid(child(p, "type_code"), "must equal the type code inside /body/identifier");
  }
  checkText(b.type_name, child(p, "type_name"), NAME);
  checkText(b.license_number, child(p, "license_number"), SHORT_TEXT);
  checkEnum(b.holder_type, child(p, "holder_type"), ["001", "111"]);
  if (b.holder_type === "001") {
    if (subject.historical_code !== true) checkUscc(b.holder_code, child(p, "holder_code"));
    if (subject.kind !== "organization" || subject.uscc !== b.holder_code) {
      throw invalid(child(p, "holder_code"), "must equal /subject/uscc (holder type 001)");
    }
  } else {
    checkHash(b.holder_code, child(p, "holder_code"));
    if (subject.kind !== "person" || subject.commitment !== b.holder_code) {
      throw invalid(
        child(p, "holder_code"),
        "must equal /subject/commitment (holder type 111: a keyed commitment, never the ID number)");
    }
  }
  checkAuthority(b.issuing_authority, child(p, "issuing_authority"));
  if (b.issuing_authority.uscc !== id.issuer) {
    throw invalid("/body/issuing_authority/uscc", "must equal the issuing authority inside /body/identifier");
  }
  checkDate(b.issue_date, child(p, "issue_date"));
  checkDate(b.valid_from, child(p, "valid_from"));
  if (has(b, "valid_until")) {
    checkDate(b.valid_until, child(p, "valid_until"));
    if (b.valid_until < b.valid_from) throw invalid(child(p, "valid_until"), "must not be before /body/valid_from");
  }
  checkAreaCode(b.area_code, child(p, "area_code"));
  checkHash(b.file_hash, child(p, "file_hash"));
  if (has(b, "supersedes")) checkHash(b.supersedes, child(p, "supersedes"));
}

const LICENSE_REQUIRED = [
  "identifier", "type_code", "type_name", "license_number", "holder_type", "holder_code",
  "issuing_authority", "issue_date", "valid_from", "area_code", "file_hash",
];

function checkLicense(b, entry) {
  checkObject(b, "/body", LICENSE_REQUIRED, ["valid_until", "supersedes"]);
  checkLicenseLike(b, entry.subject);
}

function checkCertificate(b, entry) {
  checkObject(b, "/body", [...LICENSE_REQUIRED, "purpose", "purpose_expiry", "certified_facts_hash"],
    ["valid_until", "supersedes"]);
  checkLicenseLike(b, entry.subject);
  checkText(b.purpose, "/body/purpose", 200);
  checkDate(b.purpose_expiry, "/body/purpose_expiry");
  checkHash(b.certified_facts_hash, "/body/certified_facts_hash");
}

const PENALTY_KINDS = [
  "warning", "public_criticism", "fine", "confiscation_of_illegal_gains",
  "confiscation_of_illegal_property", "license_suspension", "qualification_downgrade",
  "license_revocation", "production_restriction", "business_suspension", "closure",
  "practice_restriction", "detention",
];

function checkPenalty(b, entry) {
  const subject = entry.subject;
  const p = "/body";
  checkObject(b, p, [
    "decision_number", "party", "violation_type", "facts_hash", "legal_basis", "penalty_kinds",
    "fine_fen", "confiscation_fen", "decision_date", "severity", "punishing_authority",
    "decision_document_hash", "display_regime",
  ]);
  checkText(b.decision_number, child(p, "decision_number"), SHORT_TEXT);
  const party = b.party;
  const pp = child(p, "party");
  if (!isObject(party)) throw invalid(pp, "must be an object");
  if (!has(party, "category")) throw invalid(child(pp, "category"), "is required");
  checkEnum(party.category, child(pp, "category"),
    ["legal_person", "unincorporated_organization", "individual_business", "natural_person"]);
  if (party.category === "natural_person") {
    checkObject(party, pp, ["category", "name", "commitment"]);
    checkHash(party.commitment, child(pp, "commitment"));
    if (subject.kind !== "person" || subject.commitment !== party.commitment) {
      throw invalid(child(pp, "commitment"), "must equal /subject/commitment");
    }
  } else {
    checkObject(party, pp, ["category", "name", "uscc"]);
    if (subject.kind !== "organization" || subject.uscc !== party.uscc) {
      throw invalid(child(pp, "uscc"), "must equal /subject/uscc");
    }
    if (subject.historical_code !== true) checkUscc(party.uscc, child(pp, "uscc"));
  }
  checkText(party.name, child(pp, "name"), NAME);
  checkText(b.violation_type, child(p, "violation_type"), NAME);
  checkHash(b.facts_hash, child(p, "facts_hash"));
  checkText(b.legal_basis, child(p, "legal_basis"), LONG_TEXT);
  checkArray(b.penalty_kinds, child(p, "penalty_kinds"), 1, 12);
  b.penalty_kinds.forEach((k, i) => checkEnum(k, child(child(p, "penalty_kinds"), i), PENALTY_KINDS));
  checkFen(b.fine_fen, child(p, "fine_fen"));
  checkFen(b.confiscation_fen, child(p, "confiscation_fen"));
  checkDate(b.decision_date, child(p, "decision_date"));
  checkEnum(b.severity, child(p, "severity"), ["minor", "general", "serious"]);
  checkAuthority(b.punishing_authority, child(p, "punishing_authority"));
  checkHash(b.decision_document_hash, child(p, "decision_document_hash"));
  checkEnum(b.display_regime, child(p, "display_regime"), ["2019", "2023", "2026"]);
}

function checkInRefs(entry, id, member) {
  if (has(entry, "refs") && entry.refs.includes(id)) return;
  throw invalid("/refs", `must include ${member}`);
}

function checkTargetInRefs(entry, target) {
  checkInRefs(entry, target, "/body/target");
}

function checkOrganizationSubject(entry) {
  if (entry.subject.kind !== "organization") {
    throw invalid("/subject/kind", 'must be "organization": enterprise keys and the records enterprises sign ' +
      "are about an organisation (a unified social credit code)");
  }
}

function checkCreditRepair(b, entry) {
  const p = "/body";
  checkObject(b, p, [
    "target", "applicant_uscc", "application_date", "decision_date", "deciding_authority",
    "conditions_met", "decision", "evidence_hashes",
  ], ["acceptance_date", "reason", "application"]);
  checkHash(b.target, child(p, "target"));
  if (has(b, "application")) {
    checkHash(b.application, child(p, "application"));
    checkInRefs(entry, b.application, "/body/application");
  }
  if (entry.subject.historical_code === true) {
    if (typeof b.applicant_uscc !== "string" || usccShapeProblem(b.applicant_uscc)) {
      throw invalid(child(p, "applicant_uscc"), "must be an 18-character code of the GB 32100 alphabet");
    }
  } else {
    checkUscc(b.applicant_uscc, child(p, "applicant_uscc"));
  }
  checkDate(b.application_date, child(p, "application_date"));
  if (has(b, "acceptance_date")) checkDate(b.acceptance_date, child(p, "acceptance_date"));
  checkDate(b.decision_date, child(p, "decision_date"));
  if (b.decision_date < b.application_date) {
    throw invalid(child(p, "decision_date"), "must not be before /body/application_date");
  }
  checkAuthority(b.deciding_authority, child(p, "deciding_authority"));
  checkArray(b.conditions_met, child(p, "conditions_met"), 0, 16);
  b.conditions_met.forEach((c, i) => checkText(c, child(child(p, "conditions_met"), i), NAME));
  checkEnum(b.decision, child(p, "decision"), ["approved", "rejected"]);
  if (b.decision === "rejected" && !has(b, "reason")) {
    throw invalid(child(p, "reason"), "is required when the decision is rejected");
  }
  if (has(b, "reason")) checkText(b.reason, child(p, "reason"), LONG_TEXT);
  checkHashArray(b.evidence_hashes, child(p, "evidence_hashes"), 32);
  checkTargetInRefs(entry, b.target);
}

const ACTION_RESULT = {
  revoke: "revoked", suspend: "suspended", reinstate: "valid", withdraw: "withdrawn",
  supersede: "superseded", expire: "expired", cancel: "cancelled",
};

function checkStatusChange(b, entry) {
  const p = "/body";
  checkObject(b, p, ["target", "action", "new_status", "reversible", "reason", "effective_at"],
    ["legal_basis_number", "superseded_by"]);
  checkHash(b.target, child(p, "target"));
  checkEnum(b.action, child(p, "action"), Object.keys(ACTION_RESULT));
  checkEnum(b.new_status, child(p, "new_status"),
    ["valid", "suspended", "revoked", "cancelled", "expired", "withdrawn", "superseded"]);
  if (b.new_status !== ACTION_RESULT[b.action]) {
    throw invalid(child(p, "new_status"), `must be "${ACTION_RESULT[b.action]}" for action "${b.action}"`);
  }
  checkBool(b.reversible, child(p, "reversible"));
  checkText(b.reason, child(p, "reason"), LONG_TEXT);
  checkTimestamp(b.effective_at, child(p, "effective_at"));
  if (has(b, "legal_basis_number")) checkText(b.legal_basis_number, child(p, "legal_basis_number"), SHORT_TEXT);
  const supersede = b.action === "supersede";
  if (supersede !== has(b, "superseded_by")) {
    throw invalid(child(p, "superseded_by"),
      supersede ? 'is required for action "supersede"' : 'is allowed only for action "supersede"');
  }
  if (supersede) checkHash(b.superseded_by, child(p, "superseded_by"));
  checkTargetInRefs(entry, b.target);
}

// The shape of a key in a body; the key itself is parsed (async) when the policy admits it.
function checkKeyShape(v, p) {
  checkObject(v, p, ["alg", "spki"]);
  checkEnum(v.alg, child(p, "alg"), ["p256", "ed25519", "sm2"]);
  checkText(v.spki, child(p, "spki"), 0);
  if (!fromBase64(v.spki)) throw invalid(child(p, "spki"), "must be base64");
}

function checkEnterpriseKey(b, entry) {
  const p = "/body";
  checkObject(b, p, ["key", "key_id", "registering_authority"], ["source"]);
  checkOrganizationSubject(entry);
  checkKeyShape(b.key, child(p, "key"));
  checkHash(b.key_id, child(p, "key_id"));
  checkAuthority(b.registering_authority, child(p, "registering_authority"));
  if (has(b, "source")) checkText(b.source, child(p, "source"), NAME);
}

function checkRepairApplication(b, entry) {
  const p = "/body";
  checkObject(b, p, ["target", "reasons", "evidence_hashes"]);
  checkOrganizationSubject(entry);
  checkHash(b.target, child(p, "target"));
  checkText(b.reasons, child(p, "reasons"), LONG_TEXT);
  checkHashArray(b.evidence_hashes, child(p, "evidence_hashes"), 32);
  checkTargetInRefs(entry, b.target);
}

function checkRepairReview(b, entry) {
  const p = "/body";
  checkObject(b, p, ["target", "outcome", "reviewing_authority"], ["reason"]);
  checkHash(b.target, child(p, "target"));
  checkEnum(b.outcome, child(p, "outcome"), ["accepted", "not_accepted"]);
  if (b.outcome === "not_accepted" && !has(b, "reason")) {
    throw invalid(child(p, "reason"), "is required when the outcome is not_accepted");
  }
  if (has(b, "reason")) checkText(b.reason, child(p, "reason"), LONG_TEXT);
  checkAuthority(b.reviewing_authority, child(p, "reviewing_authority"));
  checkTargetInRefs(entry, b.target);
}

function checkConsent(b, entry) {
  const p = "/body";
  checkObject(b, p, ["bank", "purpose", "scope", "valid_from", "valid_until"]);
  checkOrganizationSubject(entry);
  checkText(b.bank, child(p, "bank"), SHORT_TEXT);
  checkText(b.purpose, child(p, "purpose"), NAME);
  checkArray(b.scope, child(p, "scope"), 1, 2);
  b.scope.forEach((s, i) => {
    checkEnum(s, child(child(p, "scope"), i), ["profile", "documents"]);
    if (i > 0 && s === b.scope[0]) throw invalid(child(child(p, "scope"), i), "is listed twice");
  });
  checkDate(b.valid_from, child(p, "valid_from"));
  checkDate(b.valid_until, child(p, "valid_until"));
  if (b.valid_until < b.valid_from) throw invalid(child(p, "valid_until"), "must not be before /body/valid_from");
}

function checkConsentRevocation(b, entry) {
  const p = "/body";
  checkObject(b, p, ["target"], ["reason"]);
  checkOrganizationSubject(entry);
  checkHash(b.target, child(p, "target"));
  if (has(b, "reason")) checkText(b.reason, child(p, "reason"), LONG_TEXT);
  checkTargetInRefs(entry, b.target);
}

function checkObjection(b, entry) {
  const p = "/body";
  checkObject(b, p, ["target", "grounds", "evidence_hashes"]);
  checkOrganizationSubject(entry);
  checkHash(b.target, child(p, "target"));
  checkText(b.grounds, child(p, "grounds"), LONG_TEXT);
  checkHashArray(b.evidence_hashes, child(p, "evidence_hashes"), 32);
  checkTargetInRefs(entry, b.target);
}

function checkObjectionAnswer(b, entry) {
  const p = "/body";
  checkObject(b, p, ["target", "outcome", "reason", "answering_authority"]);
  checkHash(b.target, child(p, "target"));
  checkEnum(b.outcome, child(p, "outcome"), ["upheld", "rejected"]);
  checkText(b.reason, child(p, "reason"), LONG_TEXT);
  checkAuthority(b.answering_authority, child(p, "answering_authority"));
  checkTargetInRefs(entry, b.target);
}

function checkCommitment(b, entry) {
  const p = "/body";
  checkObject(b, p, ["agency", "matter", "commitment_hash", "conditions", "check_by"]);
  checkOrganizationSubject(entry);
  checkText(b.agency, child(p, "agency"), SHORT_TEXT);
  checkText(b.matter, child(p, "matter"), NAME);
  checkHash(b.commitment_hash, child(p, "commitment_hash"));
  checkArray(b.conditions, child(p, "conditions"), 1, 16);
  b.conditions.forEach((c, i) => checkText(c, child(child(p, "conditions"), i), NAME));
  checkDate(b.check_by, child(p, "check_by"));
}

function checkCommitmentCheck(b, entry) {
  const p = "/body";
  checkObject(b, p, ["target", "result", "findings", "checked_on", "checking_authority"]);
  checkHash(b.target, child(p, "target"));
  checkEnum(b.result, child(p, "result"), ["kept", "broken"]);
  checkText(b.findings, child(p, "findings"), LONG_TEXT);
  checkDate(b.checked_on, child(p, "checked_on"));
  checkAuthority(b.checking_authority, child(p, "checking_authority"));
  checkTargetInRefs(entry, b.target);
}

function checkListInclusion(b, entry) {
  const p = "/body";
  checkObject(b, p, ["list", "reason", "legal_basis", "decided_on", "deciding_authority", "decision_document_hash"]);
  checkOrganizationSubject(entry);
  checkEnum(b.list, child(p, "list"), ["serious_dishonesty", "abnormal_operations"]);
  checkText(b.reason, child(p, "reason"), LONG_TEXT);
  checkText(b.legal_basis, child(p, "legal_basis"), LONG_TEXT);
  checkDate(b.decided_on, child(p, "decided_on"));
  checkAuthority(b.deciding_authority, child(p, "deciding_authority"));
  checkHash(b.decision_document_hash, child(p, "decision_document_hash"));
}

function checkListRemoval(b, entry) {
  const p = "/body";
  checkObject(b, p, ["target", "reason", "decided_on", "deciding_authority"]);
  checkHash(b.target, child(p, "target"));
  checkText(b.reason, child(p, "reason"), LONG_TEXT);
  checkDate(b.decided_on, child(p, "decided_on"));
  checkAuthority(b.deciding_authority, child(p, "deciding_authority"));
  checkTargetInRefs(entry, b.target);
}

// One row per type (record_type.h).
export const TYPES = {
  license: {
    checkBody: checkLicense, authority: "issuing_authority", number: "license_number",
    numberName: "license number", licenseIdentifier: true, document: "file_hash",
    targetChange: null, validityWindow: true, displayRules: false,
  },
  certificate: {
    checkBody: checkCertificate, authority: "issuing_authority", number: "license_number",
    numberName: "license number", licenseIdentifier: true, document: "file_hash",
    targetChange: null, validityWindow: true, displayRules: false,
  },
  penalty: {
    checkBody: checkPenalty, authority: "punishing_authority", number: "decision_number",
    numberName: "decision number", licenseIdentifier: false, document: "decision_document_hash",
    targetChange: null, validityWindow: false, displayRules: true,
  },
  credit_repair: {
    checkBody: checkCreditRepair, authority: "deciding_authority", number: null, numberName: null,
    licenseIdentifier: false, document: null, targetChange: "credit_repair",
    validityWindow: false, displayRules: false,
  },
  status_change: {
    checkBody: checkStatusChange, authority: null, number: null, numberName: null,
    licenseIdentifier: false, document: null, targetChange: "status_change",
    validityWindow: false, displayRules: false,
  },
  enterprise_key: {
    checkBody: checkEnterpriseKey, authority: "registering_authority", number: null, numberName: null,
    licenseIdentifier: false, document: null, targetChange: null, validityWindow: false,
    displayRules: false, bindsKey: true,
  },
  repair_application: {
    checkBody: checkRepairApplication, authority: null, number: null, numberName: null,
    licenseIdentifier: false, document: null, targetChange: "repair_application",
    validityWindow: false, displayRules: false, signer: "enterprise",
  },
  repair_review: {
    checkBody: checkRepairReview, authority: "reviewing_authority", number: null, numberName: null,
    licenseIdentifier: false, document: null, targetChange: "repair_review",
    validityWindow: false, displayRules: false,
  },
  consent: {
    checkBody: checkConsent, authority: null, number: null, numberName: null, licenseIdentifier: false,
    document: null, targetChange: null, validityWindow: true, displayRules: false, signer: "enterprise",
    grantsConsent: true,
  },
  consent_revocation: {
    checkBody: checkConsentRevocation, authority: null, number: null, numberName: null,
    licenseIdentifier: false, document: null, targetChange: "consent_revocation", validityWindow: false,
    displayRules: false, signer: "enterprise",
  },
  objection: {
    checkBody: checkObjection, authority: null, number: null, numberName: null, licenseIdentifier: false,
    document: null, targetChange: "objection", validityWindow: false, displayRules: false, signer: "enterprise",
  },
  objection_answer: {
    checkBody: checkObjectionAnswer, authority: "answering_authority", number: null, numberName: null,
    licenseIdentifier: false, document: null, targetChange: "answer", validityWindow: false, displayRules: false,
    answers: "objection", outcome: "outcome",
  },
  commitment: {
    checkBody: checkCommitment, authority: null, number: null, numberName: null, licenseIdentifier: false,
    document: null, targetChange: null, validityWindow: false, displayRules: false, signer: "enterprise",
    addressedByBody: true,
  },
  commitment_check: {
    checkBody: checkCommitmentCheck, authority: "checking_authority", number: null, numberName: null,
    licenseIdentifier: false, document: null, targetChange: "answer", validityWindow: false, displayRules: false,
    answers: "commitment", outcome: "result",
  },
  list_inclusion: {
    checkBody: checkListInclusion, authority: "deciding_authority", number: null, numberName: null,
    licenseIdentifier: false, document: "decision_document_hash", targetChange: null, validityWindow: false,
    displayRules: false, listing: true,
  },
  list_removal: {
    checkBody: checkListRemoval, authority: "deciding_authority", number: null, numberName: null,
    licenseIdentifier: false, document: null, targetChange: "list_removal", validityWindow: false,
    displayRules: false,
  },
};
for (const t of Object.values(TYPES)) {
  t.signer ??= "agency";
  t.bindsKey ??= false;
  t.grantsConsent ??= false;
  t.addressedByBody ??= false;
  t.listing ??= false;
}
const TYPE_NAMES = Object.keys(TYPES);
const AGENCY_TYPE_NAMES = TYPE_NAMES.filter((t) => TYPES[t].signer === "agency");

// ---- entry.cc ----

function checkSubject(v) {
  const p = "/subject";
  if (!isObject(v)) throw invalid(p, "must be an object");
  if (!has(v, "kind")) throw invalid(child(p, "kind"), "is required");
  checkEnum(v.kind, child(p, "kind"), ["organization", "person"]);
  if (v.kind === "person") {
    checkObject(v, p, ["kind", "commitment"]);
    checkHash(v.commitment, child(p, "commitment"));
    return false;
  }
  checkObject(v, p, ["kind", "uscc"], ["historical_code"]);
  let historical = false;
  if (has(v, "historical_code")) {
    checkBool(v.historical_code, child(p, "historical_code"));
    historical = v.historical_code;
  }
  if (!historical) {
    checkUscc(v.uscc, child(p, "uscc"));
    return false;
  }
  if (typeof v.uscc !== "string") throw invalid(child(p, "uscc"), "must be a string");
  const shape = usccShapeProblem(v.uscc);
  if (shape) throw invalid(child(p, "uscc"), shape);
  return true;
}

// Validates a parsed record entry (ValidateCanonicalEntry): {type, doc, agency, keyId,
// signature, signedBytes, historical}. `canonicalText` is the text it was parsed from.
export function validateEntry(doc, canonicalText) {
  // The signer's member is "agency" or "enterprise", by type: the type is read first.
  if (!isObject(doc)) throw invalid("", "must be an object");
  if (!has(doc, "type")) throw invalid("/type", "is required");
  if (typeof doc.type !== "string" || !TYPE_NAMES.includes(doc.type)) {
    throw invalid("/type", `must be one of: ${TYPE_NAMES.join(", ")}`);
  }
  const byEnterprise = TYPES[doc.type].signer === "enterprise";
  checkObject(doc, "", ["type", "schema_version", byEnterprise ? "enterprise" : "agency", "key_id", "subject",
    "issued_at", "body", "signature"], ["refs"]);
  if (doc.schema_version !== 1) throw invalid("/schema_version", "must be 1");
  checkHash(doc.key_id, "/key_id");
  const historical = checkSubject(doc.subject);
  if (byEnterprise) {
    if (doc.enterprise !== doc.subject.uscc) {
      throw invalid("/enterprise", "must equal /subject/uscc: an enterprise signs only records about itself");
    }
  } else {
    checkText(doc.agency, "/agency", SHORT_TEXT);
  }
  checkTimestamp(doc.issued_at, "/issued_at");
  if (has(doc, "refs")) checkHashArray(doc.refs, "/refs", 16);
  TYPES[doc.type].checkBody(doc.body, doc);
  const signature = typeof doc.signature === "string" ? fromBase64(doc.signature) : null;
  if (!signature || signature.length === 0) throw invalid("/signature", "must be non-empty base64");
  return {
    type: doc.type, doc, agency: byEnterprise ? "" : doc.agency, enterprise: byEnterprise ? doc.enterprise : "",
    keyId: doc.key_id, signature, historical,
    signedBytes: utf8(canonicalize(without(doc, "signature"))),
    text: canonicalText,
  };
}

export async function verifyEntrySignature(e, key) {
  const keyId = await key.keyId();
  if (keyId !== e.keyId) {
    throw new Refusal("Unauthenticated",
      `/key_id: the entry names key ${e.keyId}, not the key it was checked with (${keyId})`);
  }
  if (!(await key.verify(e.signedBytes, e.signature))) {
    throw new Refusal("Unauthenticated", `/signature: ${key.alg} signature does not verify`);
  }
}

// ---- registry.cc ----

// A value that changes at log indexes: the value in force at index i is the last one set at an
// index < i.
class History {
  constructor(at, value) {
    this.changes = [[at, value]];
  }
  set(at, value) {
    this.changes.push([at, value]);
  }
  asOf(index) {
    let current = this.changes[0][1];
    for (const [at, value] of this.changes) {
      if (at >= index) break;
      current = value;
    }
    return current;
  }
  latest() {
    return this.changes[this.changes.length - 1][1];
  }
}

const validAgencyId = (id) => /^[a-z0-9._-]{1,64}$/.test(id);

export async function parseKey(v, p) {
  checkObject(v, p, ["alg", "spki"]);
  checkEnum(v.alg, child(p, "alg"), ["p256", "ed25519", "sm2"]);
  checkText(v.spki, child(p, "spki"), 0);
  const der = fromBase64(v.spki);
  if (!der) throw invalid(child(p, "spki"), "must be base64");
  const key = await PublicKey.fromDer(der);
  if (!key) throw invalid(child(p, "spki"), "not a DER SubjectPublicKeyInfo of a p256, ed25519 or sm2 key");
  if (key.alg !== v.alg) throw invalid(child(p, "alg"), `does not match the key, which is ${key.alg}`);
  return key;
}

function parseTypes(v, p) {
  checkArray(v, p, 1, TYPE_NAMES.length);
  const types = new Set();
  v.forEach((t, i) => {
    if (typeof t !== "string" || !AGENCY_TYPE_NAMES.includes(t)) {
      throw invalid(child(p, i), `must be one of the types an agency signs: ${AGENCY_TYPE_NAMES.join(", ")}`);
    }
    if (types.has(t)) throw invalid(child(p, i), "is listed twice");
    types.add(t);
  });
  return types;
}

async function parseAgency(v, p, index) {
  checkObject(v, p, ["id", "name", "uscc", "keys", "types"], ["historical_codes"]);
  checkText(v.id, child(p, "id"), 64);
  if (!validAgencyId(v.id)) throw invalid(child(p, "id"), "must be 1-64 of a-z 0-9 - _ .");
  checkText(v.name, child(p, "name"), 200);
  checkUscc(v.uscc, child(p, "uscc"));
  checkArray(v.keys, child(p, "keys"), 1, 16);
  const keys = new Map();
  for (let i = 0; i < v.keys.length; ++i) {
    const key = await parseKey(v.keys[i], child(child(p, "keys"), i));
    const id = await key.keyId();
    if (keys.has(id)) throw invalid(child(child(p, "keys"), i), "is listed twice");
    keys.set(id, { key, addedAt: index, revokedAt: null });
  }
  const types = parseTypes(v.types, child(p, "types"));
  let historical = false;
  if (has(v, "historical_codes")) {
    checkBool(v.historical_codes, child(p, "historical_codes"));
    historical = v.historical_codes;
  }
  return {
    id: v.id, name: v.name, uscc: v.uscc, keys,
    types: new History(index, types), suspended: new History(index, false),
    historicalCodes: new History(index, historical), delegates: new History(index, new Set()),
  };
}

function parseDisplayRules(v, p) {
  if (!isObject(v) || Object.keys(v).length === 0) throw invalid(p, "must be an object of one or more regimes");
  const out = new Map();
  for (const regime of Object.keys(v)) {
    const rp = child(p, regime);
    const r = v[regime];
    checkObject(r, rp, ["minor", "general", "serious", "non_repairable_kinds"]);
    const rules = { tiers: {}, nonRepairable: new Set() };
    for (const tier of ["minor", "general", "serious"]) {
      const tp = child(rp, tier);
      const t = r[tier];
      checkObject(t, tp, ["displayed", "min_months", "max_months"]);
      checkBool(t.displayed, child(tp, "displayed"));
      for (const m of ["min_months", "max_months"]) {
        if (!isInteger(t[m]) || t[m] < 0 || t[m] > 1200) {
          throw invalid(child(tp, m), "must be an integer number of months, 0-1200");
        }
      }
      if (t.min_months > t.max_months) throw invalid(child(tp, "min_months"), "must not exceed max_months");
      rules.tiers[tier] = { displayed: t.displayed, minMonths: t.min_months, maxMonths: t.max_months };
    }
    checkArray(r.non_repairable_kinds, child(rp, "non_repairable_kinds"), 0, 16);
    r.non_repairable_kinds.forEach((k, i) => {
      checkText(k, child(child(rp, "non_repairable_kinds"), i), 64);
      rules.nonRepairable.add(k);
    });
    out.set(regime, rules);
  }
  return out;
}

// ---- calendar.cc: the working-day calendar and deadlines, checked as the node checks them ----

function parseDates(v, p) {
  checkArray(v, p, 0, 4000);
  const out = new Set();
  v.forEach((d, i) => {
    checkDate(d, child(p, i));
    if (out.has(d)) throw invalid(child(p, i), "is listed twice");
    out.add(d);
  });
  return out;
}

function checkWithin(days, after, through, p) {
  for (const day of [...days].sort()) {
    if ((after && day <= after) || day > through) {
      throw invalid(p, `${day} is outside (${after || "-"}, ${through}]: a day the calendar covers never changes`);
    }
  }
}

function parseCalendar(v, p) {
  checkObject(v, p, ["time_zone", "weekend", "through", "holidays", "working_days"]);
  if (typeof v.time_zone !== "string" || !/^[+-](0\d|1[0-4]):[0-5]\d$/.test(v.time_zone)) {
    throw invalid(child(p, "time_zone"), 'must be a UTC offset "+HH:MM" or "-HH:MM"');
  }
  checkArray(v.weekend, child(p, "weekend"), 0, 6);
  const weekend = new Set();
  v.weekend.forEach((d, i) => {
    if (!isInteger(d) || d < 1 || d > 7 || weekend.has(d)) {
      throw invalid(child(child(p, "weekend"), i), "must be an ISO weekday 1 (Monday) to 7 (Sunday), listed once");
    }
    weekend.add(d);
  });
  checkDate(v.through, child(p, "through"));
  const holidays = parseDates(v.holidays, child(p, "holidays"));
  const working = parseDates(v.working_days, child(p, "working_days"));
  checkWithin(holidays, "", v.through, child(p, "holidays"));
  checkWithin(working, "", v.through, child(p, "working_days"));
  for (const d of working) if (holidays.has(d)) throw invalid(child(p, "working_days"), `${d} is a holiday too`);
  return { through: v.through, holidays, working };
}

function extendCalendar(c, params, p) {
  checkObject(params, p, ["through", "holidays", "working_days"]);
  checkDate(params.through, child(p, "through"));
  if (c.through && params.through <= c.through) {
    throw invalid(child(p, "through"), `must be after the calendar's ${c.through}`);
  }
  const holidays = parseDates(params.holidays, child(p, "holidays"));
  const working = parseDates(params.working_days, child(p, "working_days"));
  checkWithin(holidays, c.through, params.through, child(p, "holidays"));
  checkWithin(working, c.through, params.through, child(p, "working_days"));
  for (const d of working) if (holidays.has(d)) throw invalid(child(p, "working_days"), `${d} is a holiday too`);
  if (c.holidays.size + holidays.size + c.working.size + working.size > 4000) {
    throw invalid(p, "the calendar would list more than 4000 days");
  }
  return {
    through: params.through, holidays: new Set([...c.holidays, ...holidays]),
    working: new Set([...c.working, ...working]),
  };
}

function parseDeadlines(v, p) {
  checkObject(v, p, [], ["repair_first_review", "repair_decision"]);
  for (const [step, days] of Object.entries(v)) {
    if (!isInteger(days) || days < 1 || days > 365) {
      throw invalid(child(p, step), "must be a number of working days, 1-365");
    }
  }
  return v;
}

const CONFIG_ACTIONS = [
  "add_agency", "suspend_agency", "reinstate_agency", "add_key", "revoke_key", "rotate_key",
  "set_types", "set_historical_codes", "set_display_rules", "delegate", "revoke_delegation",
  "extend_calendar", "set_deadlines", "set_consent_required",
];

export class Registry {
  // The registry of a genesis entry's text.
  static async fromGenesis(text) {
    const { value: g } = parseJson(text);
    checkObject(g, "", ["type", "schema_version", "origin", "tree_hash", "created_at", "node_key", "admins",
      "agencies", "display_rules"], ["calendar", "deadlines", "consent_required"]);
    if (g.type !== "genesis") throw invalid("/type", 'must be "genesis"');
    if (g.schema_version !== 1) throw invalid("/schema_version", "must be 1");
    checkText(g.origin, "/origin", 200);
    checkEnum(g.tree_hash, "/tree_hash", ["sha256", "sm3"]);
    checkTimestamp(g.created_at, "/created_at");
    checkObject(g.node_key, "/node_key", ["alg", "key_id", "spki"]);
    const r = new Registry();
    r.origin = g.origin;
    r.treeHash = g.tree_hash;
    r.nodeKey = await parseKey(without(g.node_key, "key_id"), "/node_key");
    if (g.node_key.key_id !== (await r.nodeKey.keyId())) {
      throw invalid("/node_key/key_id", "does not match /node_key/spki");
    }
    checkObject(g.admins, "/admins", ["threshold", "keys"]);
    checkArray(g.admins.keys, "/admins/keys", 1, 32);
    r.admins = new Map();
    for (let i = 0; i < g.admins.keys.length; ++i) {
      const key = await parseKey(g.admins.keys[i], child("/admins/keys", i));
      const id = await key.keyId();
      if (r.admins.has(id)) throw invalid(child("/admins/keys", i), "is listed twice");
      r.admins.set(id, key);
    }
    const threshold = g.admins.threshold;
    if (!isInteger(threshold) || threshold < 1 || threshold > r.admins.size) {
      throw invalid("/admins/threshold", "must be an integer from 1 to the number of admin keys");
    }
    r.threshold = threshold;
    r.displayRules = new History(0, parseDisplayRules(g.display_rules, "/display_rules"));
    // A genesis made before the working-day clock: weekends only.
    r.calendar = has(g, "calendar") ? parseCalendar(g.calendar, "/calendar")
      : { through: "", holidays: new Set(), working: new Set() };
    if (has(g, "deadlines")) parseDeadlines(g.deadlines, "/deadlines");
    if (has(g, "consent_required")) checkBool(g.consent_required, "/consent_required");
    checkArray(g.agencies, "/agencies", 0, 10000);
    r.agencies = new Map();
    for (let i = 0; i < g.agencies.length; ++i) {
      const a = await parseAgency(g.agencies[i], child("/agencies", i), 0);
      if (r.agencies.has(a.id)) throw invalid(child(child("/agencies", i), "id"), "is listed twice");
      r.agencies.set(a.id, a);
    }
    r.lastApplied = 0;
    return r;
  }

  // Applies config entry `text` at log index `index`.
  async applyConfig(text, index) {
    if (index <= this.lastApplied) {
      throw new Refusal("FailedPrecondition", "config entries must be applied in log order");
    }
    const { value: c } = parseJson(text);
    checkObject(c, "", ["type", "schema_version", "issued_at", "action", "params", "signatures"]);
    if (c.type !== "config") throw invalid("/type", 'must be "config"');
    if (c.schema_version !== 1) throw invalid("/schema_version", "must be 1");
    checkTimestamp(c.issued_at, "/issued_at");
    checkEnum(c.action, "/action", CONFIG_ACTIONS);
    checkArray(c.signatures, "/signatures", 1, 32);
    const signedBytes = utf8(canonicalize(without(c, "signatures")));
    const signers = new Set();
    for (let i = 0; i < c.signatures.length; ++i) {
      const p = child("/signatures", i);
      const s = c.signatures[i];
      checkObject(s, p, ["key_id", "signature"]);
      checkHash(s.key_id, child(p, "key_id"));
      const admin = this.admins.get(s.key_id);
      if (!admin) throw new Refusal("Unauthenticated", `${child(p, "key_id")}: not an admin key`);
      if (signers.has(s.key_id)) {
        throw new Refusal("Unauthenticated", `${child(p, "key_id")}: the same admin signed twice`);
      }
      signers.add(s.key_id);
      checkText(s.signature, child(p, "signature"), 0);
      const sig = fromBase64(s.signature);
      if (!sig || !(await admin.verify(signedBytes, sig))) {
        throw new Refusal("Unauthenticated", `${child(p, "signature")}: does not verify`);
      }
    }
    if (signers.size < this.threshold) {
      throw new Refusal("Unauthenticated",
        `/signatures: ${signers.size} admin signatures, ${this.threshold} required`);
    }
    const params = c.params;
    const precondition = (message) => new Refusal("FailedPrecondition", message);
    if (c.action === "add_agency") {
      checkObject(params, "/params", ["agency"]);
      const a = await parseAgency(params.agency, "/params/agency", index);
      if (this.agencies.has(a.id)) throw precondition(`/params/agency/id: agency "${a.id}" exists`);
      this.agencies.set(a.id, a);
      this.lastApplied = index;
      return;
    }
    if (c.action === "set_display_rules") {
      checkObject(params, "/params", ["display_rules"]);
      const rules = parseDisplayRules(params.display_rules, "/params/display_rules");
      const merged = new Map(this.displayRules.latest());
      for (const [regime, r] of rules) merged.set(regime, r);
      this.displayRules.set(index, merged);
      this.lastApplied = index;
      return;
    }
    if (c.action === "extend_calendar") {
      this.calendar = extendCalendar(this.calendar, params, "/params");
      this.lastApplied = index;
      return;
    }
    if (c.action === "set_consent_required") {
      checkObject(params, "/params", ["required"]);
      checkBool(params.required, "/params/required");
      this.lastApplied = index;
      return;
    }
    if (c.action === "set_deadlines") {
      checkObject(params, "/params", ["deadlines"]);
      parseDeadlines(params.deadlines, "/params/deadlines");
      this.lastApplied = index;
      return;
    }
    if (!isObject(params) || typeof params.agency_id !== "string" || !has(params, "agency_id")) {
      throw invalid("/params/agency_id", "is required (a string)");
    }
    const a = this.agencies.get(params.agency_id);
    if (!a) throw precondition(`/params/agency_id: no agency "${params.agency_id}"`);
    if (c.action === "suspend_agency" || c.action === "reinstate_agency") {
      checkObject(params, "/params", ["agency_id"]);
      a.suspended.set(index, c.action === "suspend_agency");
    } else if (c.action === "add_key" || c.action === "rotate_key") {
      checkObject(params, "/params", c.action === "add_key" ? ["agency_id", "key"] : ["agency_id", "old_key_id", "key"]);
      const key = await parseKey(params.key, "/params/key");
      const id = await key.keyId();
      if (a.keys.has(id)) throw precondition("/params/key: already registered");
      if (c.action === "rotate_key") {
        checkHash(params.old_key_id, "/params/old_key_id");
        const old = a.keys.get(params.old_key_id);
        if (!old || old.revokedAt !== null) throw precondition("/params/old_key_id: not a current key of the agency");
        old.revokedAt = index + 1;
      }
      a.keys.set(id, { key, addedAt: index, revokedAt: null });
    } else if (c.action === "revoke_key") {
      checkObject(params, "/params", ["agency_id", "key_id"]);
      checkHash(params.key_id, "/params/key_id");
      const key = a.keys.get(params.key_id);
      if (!key || key.revokedAt !== null) throw precondition("/params/key_id: not a current key of the agency");
      key.revokedAt = index + 1;
    } else if (c.action === "set_types") {
      checkObject(params, "/params", ["agency_id", "types"]);
      a.types.set(index, parseTypes(params.types, "/params/types"));
    } else if (c.action === "delegate" || c.action === "revoke_delegation") {
      checkObject(params, "/params", ["agency_id", "to"]);
      checkText(params.to, "/params/to", 64);
      if (!this.agencies.has(params.to) || params.to === a.id) {
        throw precondition("/params/to: must be another registered agency");
      }
      const delegates = new Set(a.delegates.latest());
      const changed = c.action === "delegate"
        ? !delegates.has(params.to) && delegates.add(params.to)
        : delegates.delete(params.to);
      if (!changed) {
        throw precondition(c.action === "delegate" ? "/params/to: already delegated" : "/params/to: not delegated");
      }
      a.delegates.set(index, delegates);
    } else if (c.action === "set_historical_codes") {
      checkObject(params, "/params", ["agency_id", "allowed"]);
      checkBool(params.allowed, "/params/allowed");
      a.historicalCodes.set(index, params.allowed);
    }
    this.lastApplied = index;
  }

  // The key `keyId` of `agency` as registered, or null.
  findKey(agency, keyId) {
    return this.agencies.get(agency)?.keys.get(keyId)?.key ?? null;
  }

  keyAt(agency, keyId, index) {
    const a = this.agencies.get(agency);
    if (!a) throw new Refusal("Unauthenticated", `/agency: no agency "${agency}" is registered`);
    const k = a.keys.get(keyId);
    if (!k) throw new Refusal("Unauthenticated", `/key_id: not a key of agency "${agency}"`);
    if (!(k.addedAt < index && (k.revokedAt === null || index < k.revokedAt))) {
      throw new Refusal("Unauthenticated", `/key_id: key of agency "${agency}" is not valid at index ${index}` +
        (k.revokedAt !== null ? " (revoked)" : " (not yet added)"));
    }
    return k.key;
  }

  // May entry `e` be appended at `index` (its signature already verified)?
  authorize(e, index) {
    this.keyAt(e.agency, e.keyId, index);
    const a = this.agencies.get(e.agency);
    if (a.suspended.asOf(index)) throw new Refusal("PermissionDenied", `/agency: agency "${a.id}" is suspended`);
    if (!a.types.asOf(index).has(e.type)) {
      throw new Refusal("PermissionDenied", `/type: agency "${a.id}" may not issue ${e.type} records`);
    }
    if (e.historical && !a.historicalCodes.asOf(index)) {
      throw new Refusal("PermissionDenied",
        `/subject/historical_code: agency "${a.id}" may not import historical pilot codes`);
    }
  }

  actsFor(actor, owner, index) {
    if (actor === owner) return true;
    const a = this.agencies.get(owner);
    return a !== undefined && a.delegates.asOf(index).has(actor);
  }

  rulesFor(regime, index) {
    return this.displayRules.asOf(index).get(regime) ?? null;
  }
}

// ---- policy.cc, with its indexes in memory ----

// `date` (YYYY-MM-DD) plus `months` calendar months, the day clamped to the month's length.
export function addMonths(date, months) {
  let y = Number(date.slice(0, 4));
  let m = Number(date.slice(5, 7)) - 1 + months;
  let d = Number(date.slice(8, 10));
  y += Math.floor(m / 12);
  m = (m % 12) + 1;
  d = Math.min(d, daysInMonth(y, m));
  return `${String(y).padStart(4, "0")}-${String(m).padStart(2, "0")}-${String(d).padStart(2, "0")}`;
}

const TERMINAL = ["revoked", "cancelled", "expired", "withdrawn", "superseded", "removed"];

export class Policy {
  constructor(registry) {
    this.registry = registry;
    this.records = new Map(); // record id -> info
    this.business = new Map(); // business key -> record id
    this.documents = new Map(); // document hash -> {index, agency} of its first record
    this.enterpriseKeys = new Map(); // key id -> {index, recordId, subject, key}: enterprise_key records
    this.ids = new Map(); // log index -> record id
  }

  // An enterprise's key: bound to it by an enterprise_key record before `index`, and that
  // binding valid at `index` (RecordPolicy::Authorize).
  authorizeEnterprise(e, index) {
    const binding = this.enterpriseKeys.get(e.keyId);
    if (!binding) {
      throw new Refusal("Unauthenticated", `/key_id: no enterprise_key record on this log binds key ${e.keyId}`);
    }
    if (binding.subject !== e.enterprise) {
      throw new Refusal("Unauthenticated",
        `/key_id: the key is bound to ${binding.subject} (record ${binding.recordId}), not to ${e.enterprise}`);
    }
    const status = statusAt(this.records.get(binding.recordId), index);
    if (status !== "valid") {
      throw new Refusal("Unauthenticated",
        `/key_id: the enterprise key bound by record ${binding.recordId} is ${status} at index ${index}`);
    }
  }

  // Admits config entry `text` at `index`.
  async admitConfig(text, index) {
    await this.registry.applyConfig(text, index);
  }

  // Admits record entry `e` (validated, its signature verified; an enterprise_key's key parsed
  // into e.boundKey) with id `recordId` at `index`.
  admitRecord(e, recordId, index) {
    const traits = TYPES[e.type];
    if (traits.signer === "enterprise") this.authorizeEnterprise(e, index);
    else this.registry.authorize(e, index);
    const body = e.doc.body;
    const reg = this.registry;
    if (traits.authority) {
      const uscc = body[traits.authority].uscc;
      let ok = false;
      for (const [id, agency] of reg.agencies) {
        if (agency.uscc === uscc && reg.actsFor(e.agency, id, index)) ok = true;
      }
      if (!ok) {
        throw new Refusal("PermissionDenied",
          `/body/${traits.authority}/uscc: ${uscc} is neither agency "${e.agency}" ` +
          `(${reg.agencies.get(e.agency).uscc}) nor an agency that has delegated to it: ` +
          "a record speaks only in its signer's name");
      }
    }
    const subject = e.doc.subject.kind === "person" ? e.doc.subject.commitment : e.doc.subject.uscc;
    const documentHash = traits.document ? body[traits.document] : "";
    if (traits.displayRules && reg.rulesFor(body.display_regime, index) === null) {
      throw invalid("/body/display_regime",
        `no display rules are in force for regime "${body.display_regime}" (the registry's display_rules)`);
    }
    const anchor = documentHash ? this.documents.get(documentHash) : undefined;
    if (anchor && !reg.actsFor(e.agency, anchor.agency, index)) {
      throw new Refusal("AlreadyExists",
        `/body/${traits.document}: the document is anchored by record ${anchor.id} of agency ` +
        `"${anchor.agency}"; a document has one issuer`);
    }
    let target = null;
    if (traits.targetChange) {
      target = this.records.get(body.target) ?? null;
      this.checkTarget(e, subject, target, index);
    }
    const changesTarget = traits.targetChange !== null && traits.targetChange !== "repair_application" &&
      traits.targetChange !== "objection";
    if (traits.addressedByBody && !reg.agencies.has(body.agency)) {
      throw new Refusal("FailedPrecondition", `/body/agency: no agency "${body.agency}" is registered`);
    }
    let application = null;
    if (traits.targetChange === "credit_repair" && has(body, "application")) {
      application = this.records.get(body.application) ?? null;
      this.checkApplication(body, application);
    }
    if (traits.bindsKey && this.enterpriseKeys.has(body.key_id)) {
      const bound = this.enterpriseKeys.get(body.key_id);
      throw new Refusal("AlreadyExists", `/body/key_id: the key is bound already, to ${bound.subject} by record ` +
        `${bound.recordId}; a key is bound once (rotate to a new key)`);
    }
    const keys = [];
    if (traits.number) keys.push([`${e.agency}|${e.type}|${body[traits.number]}`, traits.numberName]);
    if (traits.licenseIdentifier) keys.push([`identifier|${body.identifier}`, "e-license identifier"]);
    for (const [key, what] of keys) {
      const holder = this.business.get(key);
      if (holder !== undefined && !(has(body, "supersedes") && body.supersedes === holder)) {
        throw new Refusal("AlreadyExists",
          `record ${holder} already holds this ${what}; a replacement by its issuer must name it in /body/supersedes`);
      }
    }
    if (traits.targetChange === "status_change") this.applyStatusChange(body, target);
    else if (traits.targetChange === "credit_repair") this.applyCreditRepair(body, index, target);
    else if (traits.targetChange === "repair_review") target.status = body.outcome;
    else if (traits.targetChange === "consent_revocation") target.status = "revoked";
    else if (traits.targetChange === "answer") target.status = body[traits.outcome];
    else if (traits.targetChange === "list_removal") target.status = "removed";
    if (changesTarget) target.changes.push({ index, recordId, status: target.status, repaired: target.repaired });
    if (application) {
      application.status = "decided";
      application.changes.push({ index, recordId, status: "decided", repaired: false });
    }
    for (const [key] of keys) this.business.set(key, recordId);
    if (traits.bindsKey) {
      this.enterpriseKeys.set(body.key_id, { index, recordId, subject, key: e.boundKey });
    }
    this.ids.set(index, recordId);
    const info = {
      // An enterprise's record is answered by the agency of the record it concerns.
      index, type: e.type, subject,
      agency: traits.signer === "agency" ? e.agency : traits.addressedByBody ? body.agency : target ? target.agency : "",
      target: traits.targetChange ? body.target : "",
      status: "valid", reversibleSuspension: false, displayEndedOn: "", repaired: false, changes: [],
    };
    if (traits.displayRules) {
      Object.assign(info, {
        decisionDate: body.decision_date, severity: body.severity, regime: body.display_regime,
        kinds: [...body.penalty_kinds],
      });
    }
    this.records.set(recordId, info);
    if (documentHash && !anchor) this.documents.set(documentHash, { index, agency: e.agency, id: recordId });
  }

  checkTarget(e, subject, t, index) {
    const body = e.doc.body;
    const change = TYPES[e.type].targetChange;
    const isRepair = change === "credit_repair";
    const precondition = (message) => new Refusal("FailedPrecondition", message);
    if (!t) throw precondition(`/body/target: no record ${body.target} in this log`);
    if (change === "consent_revocation") {
      if (!TYPES[t.type].grantsConsent) {
        throw precondition(`/body/target: a consent revocation names a consent, not a ${t.type}`);
      }
      if (t.subject !== subject) {
        throw new Refusal("PermissionDenied",
          `/body/target: consent ${body.target} is ${t.subject}'s: an enterprise revokes only its own consents`);
      }
      if (t.status !== "valid") throw precondition(`/body/target: the consent is ${t.status} already`);
      return;
    }
    if (change === "objection") {
      if (TYPES[t.type].signer !== "agency") {
        throw precondition(`/body/target: an objection disputes an agency's record, not a ${t.type}`);
      }
      if (t.subject !== subject) {
        throw new Refusal("PermissionDenied", `/body/target: record ${body.target} is about ${t.subject}: ` +
          "an enterprise disputes only records about itself");
      }
      return;
    }
    if (change === "repair_application") {
      if (!TYPES[t.type].displayRules) {
        throw precondition(`/body/target: a repair application names a penalty, not a ${t.type}`);
      }
      if (t.subject !== subject) {
        throw new Refusal("PermissionDenied", `/body/target: penalty ${body.target} is about ${t.subject}: ` +
          "an enterprise applies to repair only its own penalties");
      }
      if (t.status === "withdrawn" || t.repaired) {
        throw precondition(`/body/target: the penalty is ${t.repaired ? "repaired" : "withdrawn"}; nothing to repair`);
      }
      return;
    }
    if (!this.registry.actsFor(e.agency, t.agency, index)) {
      throw new Refusal("PermissionDenied", `/body/target: record ${body.target} belongs to agency ` +
        `"${t.agency}", which has not delegated to "${e.agency}"`);
    }
    if (isRepair && !TYPES[t.type].displayRules) {
      throw precondition(
        `/body/target: a credit repair targets a record on public display (a penalty), not a ${t.type}`);
    }
    if (change === "answer" || change === "list_removal") {
      const traits = TYPES[e.type];
      const fits = change === "answer" ? t.type === traits.answers : TYPES[t.type].listing;
      if (!fits) {
        throw precondition(`/body/target: a ${e.type} names a ${change === "answer" ? traits.answers : "list_inclusion"}, ` +
          `not a ${t.type}`);
      }
      if (t.status !== "valid") throw precondition(`/body/target: record ${body.target} is ${t.status} already`);
    }
    if (change === "status_change" && TYPES[t.type].signer !== "agency") {
      throw precondition(`/body/target: record ${body.target} is signed by its enterprise; an agency changes the ` +
        "status of agencies' records only");
    }
    if (change === "repair_review") {
      if (TYPES[t.type].targetChange !== "repair_application") {
        throw precondition(`/body/target: a repair review names a repair_application, not a ${t.type}`);
      }
      if (t.status !== "valid") throw precondition(`/body/target: the application was reviewed already (${t.status})`);
    }
    if (subject !== t.subject) {
      throw invalid("/subject", `must be the subject of record ${body.target} (${t.subject})`);
    }
    if (isRepair && body.applicant_uscc !== t.subject) {
      throw invalid("/body/applicant_uscc",
        `must be the penalty's party (${t.subject}): an enterprise applies to repair its own record`);
    }
  }

  // A credit repair's /body/application (RecordPolicy::CheckApplication).
  checkApplication(body, application) {
    const precondition = (message) => new Refusal("FailedPrecondition", message);
    if (!application) {
      throw precondition(`/body/application: no record ${body.application} in this log: a decision comes after ` +
        "its application");
    }
    if (TYPES[application.type].targetChange !== "repair_application") {
      throw precondition(`/body/application: record ${body.application} is a ${application.type}, not a ` +
        "repair_application");
    }
    if (application.target !== body.target) {
      throw invalid("/body/application", `the application is for penalty ${application.target}, not /body/target`);
    }
    if (application.status === "valid") {
      throw precondition("/body/application: the application has had no first review (repair_review) yet: a " +
        "decision comes after its acceptance");
    }
    if (application.status !== "accepted") {
      throw precondition(`/body/application: the application is ${application.status}; only an accepted one is decided`);
    }
  }

  // The indexes of the entries the admission of record `recordId` read and of those that
  // decide their state, transitively (bundle.cc, RelatedEntries); `entryAt(index)` is the
  // parsed entry, or null.
  relatedEntries(recordId, treeSize, entryAt) {
    const start = this.records.get(recordId);
    const seen = new Set([start.index]);
    const work = [start.index];
    const add = (i) => {
      if (i < treeSize && !seen.has(i)) {
        seen.add(i);
        work.push(i);
      }
    };
    const addRecord = (id) => {
      const r = this.records.get(id);
      if (r) add(r.index);
    };
    while (work.length) {
      const i = work.pop();
      const id = this.ids.get(i);
      const info = id && this.records.get(id);
      if (!info) continue;
      for (const c of info.changes) add(c.index);
      if (info.target) addRecord(info.target);
      const entry = entryAt(i);
      if (!entry) continue;
      if (TYPES[info.type].targetChange === "credit_repair" && has(entry.body, "application")) {
        addRecord(entry.body.application);
      }
      if (TYPES[info.type].signer === "enterprise") {
        const binding = this.enterpriseKeys.get(entry.key_id);
        if (binding) add(binding.index);
      }
    }
    seen.delete(start.index);
    return seen;
  }

  applyStatusChange(body, target) {
    const precondition = (message) => new Refusal("FailedPrecondition", message);
    if (TERMINAL.includes(target.status)) {
      throw precondition(`/body/target: the record is ${target.status}; it takes no further status changes`);
    }
    if (body.action === "reinstate") {
      if (target.status !== "suspended") throw precondition("/body/action: only a suspended record can be reinstated");
      if (!target.reversibleSuspension) {
        throw precondition("/body/action: the suspension in force was recorded as not reversible");
      }
    } else if (body.action === "suspend" && target.status !== "valid") {
      throw precondition("/body/action: only a valid record can be suspended");
    }
    target.status = body.new_status;
    target.reversibleSuspension = body.action === "suspend" && body.reversible;
    if (body.action === "withdraw" && TYPES[target.type].displayRules) {
      target.displayEndedOn = body.effective_at.slice(0, 10);
    }
  }

  applyCreditRepair(body, index, target) {
    const precondition = (message) => new Refusal("FailedPrecondition", message);
    if (target.status === "withdrawn") throw precondition("/body/target: the penalty was withdrawn; nothing to repair");
    if (target.repaired) throw precondition("/body/target: the penalty is already repaired");
    if (body.decision !== "approved") return;
    const rules = this.registry.rulesFor(target.regime, index);
    if (!rules) throw precondition(`/body/target: no display rules for the penalty's regime ${target.regime}`);
    for (const kind of target.kinds) {
      if (rules.nonRepairable.has(kind)) {
        throw precondition(`/body/target: a penalty of kind ${kind} cannot be taken down early`);
      }
    }
    const tier = rules.tiers[target.severity];
    const earliest = addMonths(target.decisionDate, tier.minMonths);
    if (body.application_date < earliest) {
      throw precondition(`/body/application_date: the minimum display period of ${tier.minMonths} months ` +
        `for a ${target.severity} penalty runs until ${earliest}`);
    }
    target.repaired = true;
    target.displayEndedOn = body.decision_date;
  }

  // Whether penalty `info` is on public display on `date`, under the latest rules.
  display(info, date) {
    const rules = this.registry.displayRules.latest().get(info.regime);
    if (!rules) return null;
    const tier = rules.tiers[info.severity];
    const s = { displayed: false, reason: "", from: info.decisionDate, until: addMonths(info.decisionDate, tier.maxMonths) };
    if (!tier.displayed) s.reason = `${info.severity} penalties are not displayed under the ${info.regime} rules`;
    else if (date < s.from) s.reason = "before the decision date";
    else if (info.displayEndedOn && date >= info.displayEndedOn) {
      s.reason = info.repaired ? `credit repaired on ${info.displayEndedOn}` : `withdrawn on ${info.displayEndedOn}`;
    } else if (date >= s.until) s.reason = `the display period ended on ${s.until}`;
    else {
      s.displayed = true;
      s.reason = "within the display period";
    }
    return s;
  }
}

// The status a record states as of `treeSize`: its last change below it, "repaired" for a
// valid penalty an approved repair took down.
export function statusAt(info, treeSize) {
  let status = "valid";
  let repaired = false;
  for (const c of info.changes) {
    if (c.index >= treeSize) break;
    status = c.status;
    repaired = c.repaired;
  }
  return repaired && status === "valid" ? "repaired" : status;
}

// A license's or certificate's validity window: {from, until} ("" for none).
export function windowOf(body) {
  const date = (m) => (has(body, m) && typeof body[m] === "string" ? body[m] : "");
  const w = { from: date("valid_from"), until: date("valid_until") };
  const expiry = date("purpose_expiry");
  if (expiry && (!w.until || expiry < w.until)) w.until = expiry;
  return w;
}

export function statusOn(statusOnLog, window, date) {
  if (statusOnLog !== "valid") return statusOnLog;
  if (window.from && date < window.from) return "not_yet_valid";
  if (window.until && date > window.until) return "expired";
  return statusOnLog;
}
