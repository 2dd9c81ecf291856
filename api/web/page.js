// What every page of the web app shares: its words in zh-CN and English (zh-CN first; the
// choice is kept in local storage), building elements, reading the node's JSON, and the
// verifier key pages verify with.

export const TEXT = {
  "zh-CN": {
    language: "English",
    navHome: "首页",
    navVerify: "核验证明文件",
    footer: "本页不依赖任何其他网站；所有数据来自本节点，核验在您的浏览器中进行。",
    working: "正在处理……",
    error: (what) => `操作失败：${what}`,
    type: "类型", status: "状态", agency: "发布机关", record: "记录",
    types: { license: "电子证照", certificate: "电子证明", penalty: "行政处罚",
             credit_repair: "信用修复", status_change: "状态变更", enterprise_key: "企业密钥",
             repair_application: "信用修复申请", repair_review: "修复申请初审", consent: "查询授权",
             consent_revocation: "撤回查询授权", objection: "异议", objection_answer: "异议答复",
             commitment: "信用承诺", commitment_check: "承诺核查", list_inclusion: "列入名单",
             list_removal: "移出名单" },
    statuses: { valid: "有效", suspended: "暂停", revoked: "撤销", cancelled: "注销",
                expired: "过期", withdrawn: "撤回", superseded: "已被替代", repaired: "已修复",
                not_yet_valid: "尚未生效", accepted: "已受理", not_accepted: "不予受理",
                decided: "已决定", upheld: "异议成立", rejected: "异议不成立", kept: "已履行",
                broken: "未履行", removed: "已移出" },
    results: { pass: "通过", fail: "未通过", skipped: "未检查" },
    checkNames: { format: "格式", checkpoint: "检查点签名", genesis: "创世条目", registry: "登记簿",
                  record: "记录", inclusion: "包含证明", block: "区块", signature: "机关签名",
                  authority: "签发权限", history: "相关记录", status: "状态", validity: "有效期",
                  document: "原件", cosignatures: "见证人联署" },
    // What each check establishes when it passes.
    checkMeanings: {
      format: "证明文件是完整的 credledger-proof/v1 文件。",
      checkpoint: "检查点由账本节点的密钥签名。",
      genesis: "账本的创世条目在检查点的树中，并指定了该节点密钥。",
      registry: "各机关、密钥与权限均来自管理员签名、且在树中的配置条目。",
      record: "记录符合记录规范，且为 RFC 8785 规范形式。",
      inclusion: "记录的原始字节在检查点的默克尔树中（RFC 9162 包含证明）。",
      block: "记录所在区块由节点签名，并与检查点一致（RFC 9162 一致性证明）。",
      signature: "记录由其机关登记的密钥签名。",
      authority: "签名时该密钥有效，机关未被暂停，且有权签发此类记录。",
      history: "决定记录状态的每个条目都在树中，并按账本规则依次接纳。",
      status: "这些条目得出的状态与证明文件所述一致。",
      validity: "在核验日期，记录有效（状态为有效，且在有效期内）。",
      document: "您提供的文件与记录中的文件摘要一致。",
      cosignatures: "检查点有足够数量的见证人联署（C2SP cosignature/v1）。",
    },
    authenticInForce: "真实有效",
    authenticNotInForce: "真实，但已不再有效",
    notAuthentic: "未通过核验",
    failedCheck: (name, meaning) => `未通过的核验项：${name}。应当成立的是：${meaning}`,
    checks: "核验项目",
    details: "技术细节",
    checkedLocally: "以上核验全部在您的浏览器中完成，未向任何服务器发送该证明文件。",
    anchoredAt: "上链时间", validWindow: "有效期", longTerm: "长期", recordId: "记录编号",
    targetOf: "作用于记录", checkedOn: "核验日期", treeSize: "检查点树大小",
    display: (shown, reason) => `公示状态：${shown ? "公示中" : "不公示"}（${reason}）`,
    print: "打印核验结果",
    insecure: "此页面需通过 HTTPS（或本机地址）打开：浏览器只在安全连接中提供核验所需的密码运算（WebCrypto）。",
  },
  en: {
    language: "中文",
    navHome: "Home",
    navVerify: "Verify a proof bundle",
    footer: "This page loads nothing from any other site; all data comes from this node, and verification runs in your browser.",
    working: "Working…",
    error: (what) => `It failed: ${what}`,
    type: "Type", status: "Status", agency: "Issued by", record: "Record",
    types: { license: "e-licence", certificate: "e-certificate", penalty: "administrative penalty",
             credit_repair: "credit repair", status_change: "status change",
             enterprise_key: "enterprise key", repair_application: "repair application",
             repair_review: "first review of a repair application", consent: "consent to a bank's reads",
             consent_revocation: "consent revoked", objection: "objection",
             objection_answer: "answer to an objection", commitment: "commitment",
             commitment_check: "check of a commitment", list_inclusion: "list inclusion",
             list_removal: "list removal" },
    statuses: { valid: "valid", suspended: "suspended", revoked: "revoked", cancelled: "cancelled",
                expired: "expired", withdrawn: "withdrawn", superseded: "superseded",
                repaired: "repaired", not_yet_valid: "not yet valid", accepted: "accepted",
                not_accepted: "not accepted", decided: "decided", upheld: "upheld",
                rejected: "rejected", kept: "kept", broken: "broken", removed: "removed" },
    results: { pass: "pass", fail: "FAIL", skipped: "skipped" },
    checkNames: { format: "format", checkpoint: "checkpoint", genesis: "genesis", registry: "registry",
                  record: "record", inclusion: "inclusion", block: "block", signature: "signature",
                  authority: "authority", history: "history", status: "status", validity: "validity",
                  document: "document", cosignatures: "cosignatures" },
    checkMeanings: {
      format: "The file is a complete credledger-proof/v1 bundle.",
      checkpoint: "The checkpoint is signed by the ledger node's key.",
      genesis: "The ledger's genesis is in the checkpoint's tree and names that node key.",
      registry: "Agencies, keys and permissions come from admin-signed config entries in the tree.",
      record: "The record follows the record rules, in RFC 8785 canonical form.",
      inclusion: "The record's exact bytes are in the checkpoint's Merkle tree (RFC 9162 inclusion proof).",
      block: "The record's block is signed by the node and consistent with the checkpoint (RFC 9162).",
      signature: "The record is signed by a key registered to its agency.",
      authority: "That key was valid, the agency active and allowed to issue such records.",
      history: "Every entry deciding the record's status is in the tree, admitted in order under the log's rules.",
      status: "Those entries give the status the bundle states.",
      validity: "On the checked date the record is in force (valid, within its validity window).",
      document: "The document you gave matches the record's document hash.",
      cosignatures: "Enough witnesses cosigned the checkpoint (C2SP cosignature/v1).",
    },
    authenticInForce: "AUTHENTIC, IN FORCE",
    authenticNotInForce: "AUTHENTIC, NO LONGER IN FORCE",
    notAuthentic: "NOT AUTHENTIC",
    failedCheck: (name, meaning) => `The check that failed: ${name}. What should hold: ${meaning}`,
    checks: "Checks",
    details: "Details",
    checkedLocally: "Every check above ran in your browser; the bundle was sent to no server.",
    anchoredAt: "Anchored", validWindow: "Valid", longTerm: "long-term", recordId: "Record id",
    targetOf: "Acts on record", checkedOn: "Checked on", treeSize: "Checkpoint tree size",
    display: (shown, reason) => `Public display: ${shown ? "displayed" : "not displayed"} (${reason})`,
    print: "Print the verdict",
    insecure: "Open this page over HTTPS (or on loopback): browsers offer the cryptography verification needs (WebCrypto) only on secure connections.",
  },
};

let language = localStorage.getItem("credledger.language") === "en" ? "en" : "zh-CN";
const pageText = { "zh-CN": {}, en: {} };
const listeners = [];

// The words of the current language: the shared ones and the page's own.
export function t() {
  return { ...TEXT[language], ...pageText[language] };
}

export function currentLanguage() {
  return language;
}

function applyLanguage() {
  const words = t();
  document.documentElement.lang = language;
  for (const element of document.querySelectorAll("[data-i18n]")) {
    const word = words[element.dataset.i18n];
    if (typeof word === "string") element.textContent = word;
  }
  const button = document.getElementById("language");
  button.textContent = words.language;
  button.lang = language === "en" ? "zh-CN" : "en";
  for (const listener of listeners) listener();
}

// For a page the node renders in one language (`lang`, its <html lang>), without the switch:
// that language and the page's own words.
export function useLanguage(lang, own) {
  language = lang === "en" ? "en" : "zh-CN";
  Object.assign(pageText["zh-CN"], own["zh-CN"]);
  Object.assign(pageText.en, own.en);
  warnIfInsecure();
}

// Without WebCrypto (a page served over plain HTTP to another host) nothing can be verified
// here: the page says so at its top, rather than failing each verification.
function warnIfInsecure() {
  if (globalThis.crypto?.subtle) return;
  const banner = el("p", { class: "bad", role: "alert", "data-i18n": "insecure" }, t().insecure);
  (document.querySelector("main") || document.body).prepend(banner);
}

// Sets up a page: its own words (`own`: {"zh-CN": {...}, en: {...}}), the language switch,
// and `onChange`, called again whenever the language changes (to redraw what the page shows).
export function setUpPage(own, onChange) {
  Object.assign(pageText["zh-CN"], own["zh-CN"]);
  Object.assign(pageText.en, own.en);
  if (onChange) listeners.push(onChange);
  warnIfInsecure();
  document.getElementById("language").addEventListener("click", () => {
    language = language === "en" ? "zh-CN" : "en";
    localStorage.setItem("credledger.language", language);
    applyLanguage();
  });
  applyLanguage();
}

// Builds an element: el("td", {class: "ok"}, "text", child...). Text is always text, never
// markup.
export function el(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

// The node's JSON answer to `path`; throws with the problem's detail (RFC 9457) if it is one.
export async function getJson(path, options) {
  const answer = await fetch(path, options);
  const type = answer.headers.get("Content-Type") || "";
  const body = type.includes("json") ? await answer.json() : { detail: await answer.text() };
  if (!answer.ok) {
    const error = new Error(body.detail || `HTTP ${answer.status}`);
    error.status = answer.status;
    throw error;
  }
  return body;
}

// Offers `bytes` (a string or Uint8Array) for download as `name`.
export function download(name, bytes, type = "application/json") {
  const url = URL.createObjectURL(new Blob([bytes], { type }));
  const link = el("a", { href: url, download: name });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

// A penalty's display reason (records/record_index.cc, PenaltyDisplayOf) in the current
// language.
export function displayReason(reason) {
  if (language === "en") return reason;
  const severities = { minor: "轻微", general: "一般", serious: "严重" };
  const rules = [
    [/^(\w+) penalties are not displayed under the (\w+) rules$/, (m) => `依 ${m[2]} 规则，${severities[m[1]] || m[1]}处罚不予公示`],
    [/^before the decision date$/, () => "尚未到处罚决定日期"],
    [/^credit repaired on (.+)$/, (m) => `已于 ${m[1]} 完成信用修复`],
    [/^withdrawn on (.+)$/, (m) => `已于 ${m[1]} 撤回`],
    [/^the display period ended on (.+)$/, (m) => `公示期已于 ${m[1]} 届满`],
    [/^within the display period$/, () => "在公示期内"],
  ];
  for (const [pattern, words] of rules) {
    const m = pattern.exec(reason);
    if (m) return words(m);
  }
  return reason;
}

// The verifier key a visitor pinned on the verify page (local storage), or null.
export const PINNED_KEY = "credledger.pinned-key";
export function pinnedKey() {
  return localStorage.getItem(PINNED_KEY);
}

// The key to verify with: the pinned one, else the node's (`node`: its /v1/node answer).
export function trustedKey(node) {
  return pinnedKey() || node.verifier_key;
}
