// The home page of the web app (docs/WEB.md): look up an enterprise by its unified social credit
// code, a record by id, or a document by its hash, computed here (the document never leaves
// the machine). zh-CN first, English as a switch. Every request goes to this node only.

const TEXT = {
  "zh-CN": {
    title: "信用信息存证核验",
    intro: "核验电子证照、行政处罚与信用修复记录。文件的摘要在您的浏览器中计算，文件本身不会离开本机。",
    byCode: "按统一社会信用代码查询企业",
    codeLabel: "统一社会信用代码（18 位）",
    search: "查询",
    byId: "按记录编号核验",
    idLabel: "记录编号（64 位十六进制）",
    verify: "核验",
    byDocument: "核验文件（PDF 或图片）",
    documentNote: "文件的 SHA-256 摘要在本机计算，只有摘要发送给节点。",
    documentLabel: "选择或拖入文件",
    footer: "本页不依赖任何其他网站；所有数据来自本节点。",
    language: "English",
    working: "正在查询……",
    noRecords: "本账本中没有该企业的记录。",
    records: (n, size) => `共 ${n} 条记录（截至第 ${size} 条账本条目）`,
    type: "类型", status: "状态", agency: "发布机关", record: "记录",
    documentHash: (name, hash) => `文件“${name}”的 SHA-256 摘要：${hash}`,
    notFound: "本账本中没有记录载有此文件的摘要：它从未在此存证，或并非签发时的原件。",
    authenticInForce: "真实有效",
    authenticNotInForce: "真实，但已不再有效",
    notAuthentic: "未通过核验",
    checks: "核验项目",
    sm3: "本节点使用 SM3 摘要；浏览器内的 SM3 计算尚未提供，请使用 ledgerctl。",
    error: (what) => `查询失败：${what}`,
    badCode: "统一社会信用代码为 18 位数字或大写字母（不含 I、O、Z、S、V）。",
    badId: "记录编号为 64 位十六进制数字（0-9、a-f）。",
    types: { license: "电子证照", certificate: "电子证明", penalty: "行政处罚",
             credit_repair: "信用修复", status_change: "状态变更" },
    statuses: { valid: "有效", suspended: "暂停", revoked: "撤销", cancelled: "注销",
                expired: "过期", withdrawn: "撤回", superseded: "已被替代", repaired: "已修复",
                not_yet_valid: "尚未生效" },
    results: { pass: "通过", fail: "未通过", skipped: "未检查" },
    checkNames: { format: "格式", checkpoint: "检查点签名", genesis: "创世条目", registry: "登记簿",
                  record: "记录", inclusion: "包含证明", block: "区块", signature: "机关签名",
                  authority: "签发权限", history: "相关记录", status: "状态", validity: "有效期",
                  document: "文件", cosignatures: "见证人联署" },
  },
  en: {
    title: "Credit information: verify a record",
    intro: "Verify e-licences, administrative penalties and credit repairs. A document is hashed in your browser; the document itself never leaves this machine.",
    byCode: "Look up an enterprise by its unified social credit code",
    codeLabel: "Unified social credit code (18 characters)",
    search: "Search",
    byId: "Verify a record by its id",
    idLabel: "Record id (64 hex digits)",
    verify: "Verify",
    byDocument: "Verify a document (PDF or image)",
    documentNote: "The document's SHA-256 is computed on this machine; only the hash is sent to the node.",
    documentLabel: "Choose or drop a file",
    footer: "This page loads nothing from any other site; all data comes from this node.",
    language: "中文",
    working: "Looking it up…",
    noRecords: "This ledger holds no record of this enterprise.",
    records: (n, size) => `${n} records (as of ledger entry ${size})`,
    type: "Type", status: "Status", agency: "Issued by", record: "Record",
    documentHash: (name, hash) => `SHA-256 of "${name}": ${hash}`,
    notFound: "No record on this ledger carries this document's hash: it was never anchored here, or it is not the document as issued.",
    authenticInForce: "AUTHENTIC, IN FORCE",
    authenticNotInForce: "AUTHENTIC, NO LONGER IN FORCE",
    notAuthentic: "NOT AUTHENTIC",
    checks: "Checks",
    sm3: "This node hashes with SM3; SM3 in the browser is not provided yet: use ledgerctl.",
    error: (what) => `The look-up failed: ${what}`,
    badCode: "A unified social credit code is 18 digits or capital letters (no I, O, Z, S, V).",
    badId: "A record id is 64 hexadecimal digits (0-9, a-f).",
    types: { license: "e-licence", certificate: "e-certificate", penalty: "administrative penalty",
             credit_repair: "credit repair", status_change: "status change" },
    statuses: { valid: "valid", suspended: "suspended", revoked: "revoked", cancelled: "cancelled",
                expired: "expired", withdrawn: "withdrawn", superseded: "superseded",
                repaired: "repaired", not_yet_valid: "not yet valid" },
    results: { pass: "pass", fail: "FAIL", skipped: "skipped" },
    checkNames: {},
  },
};

let language = localStorage.getItem("credledger.language") === "en" ? "en" : "zh-CN";
const t = () => TEXT[language];

function applyLanguage() {
  document.documentElement.lang = language;
  for (const element of document.querySelectorAll("[data-i18n]")) {
    element.textContent = t()[element.dataset.i18n];
  }
  const button = document.getElementById("language");
  button.textContent = t().language;
  button.lang = language === "en" ? "zh-CN" : "en";
}

// Builds an element: el("td", {class: "ok"}, "text", child...).
function el(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  for (const child of children) {
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

function show(...children) {
  const result = document.getElementById("result");
  result.replaceChildren(...children);
}

async function getJson(path, options) {
  const answer = await fetch(path, options);
  const body = await answer.json();
  if (!answer.ok) throw new Error(body.detail || `HTTP ${answer.status}`);
  return body;
}

function recordLink(id) {
  return el("a", { href: `/v/${id}` }, el("code", {}, id.slice(0, 16) + "…"));
}

async function searchByCode(code) {
  show(t().working);
  const page = await getJson(`/v1/subjects/${encodeURIComponent(code)}/records?limit=500`);
  if (page.records.length === 0) return show(el("p", {}, t().noRecords));
  const rows = page.records.map((r) =>
    el("tr", {}, el("td", {}, t().types[r.type] || r.type),
       el("td", { class: r.status === "valid" ? "ok" : "bad" }, t().statuses[r.status] || r.status),
       el("td", {}, r.agency), el("td", {}, recordLink(r.record_id))));
  show(el("p", {}, t().records(page.records.length, page.as_of_tree_size)),
       el("table", {}, el("thead", {}, el("tr", {}, el("th", {}, t().type), el("th", {}, t().status),
                                          el("th", {}, t().agency), el("th", {}, t().record))),
          el("tbody", {}, ...rows)));
}

function verdictView(verdict) {
  const headline = !verdict.authentic ? t().notAuthentic
                   : verdict.in_force ? t().authenticInForce : t().authenticNotInForce;
  const record = verdict.record || {};
  const checks = verdict.checks.map((c) =>
    el("tr", {}, el("th", {}, t().checkNames[c.check] || c.check),
       el("td", { class: c.result === "fail" ? "bad" : "" }, t().results[c.result]),
       el("td", {}, c.detail)));
  return el("article", {},
            el("h3", { class: verdict.in_force ? "ok" : "bad" }, headline),
            el("p", {}, `${t().types[record.type] || record.type || ""} · ${record.agency_name || record.agency || ""} · `,
               record.record_id ? recordLink(record.record_id) : ""),
            el("table", { "aria-label": t().checks }, el("tbody", {}, ...checks)));
}

async function verifyDocument(file) {
  const node = await getJson("/v1/node");
  if (node.tree_hash !== "sha256") return show(el("p", {}, t().sm3));
  show(t().working);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", await file.arrayBuffer()));
  const hash = Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
  const answer = await getJson("/v1/verify", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ hash }),
  });
  const intro = el("p", {}, el("code", {}, t().documentHash(file.name, hash)));
  if (!answer.found) return show(intro, el("p", { class: "bad" }, t().notFound));
  show(intro, ...answer.results.map(verdictView));
}

function failed(error) {
  show(el("p", { class: "bad", role: "alert" }, t().error(error.message)));
}

document.addEventListener("DOMContentLoaded", () => {
  applyLanguage();
  document.getElementById("language").addEventListener("click", () => {
    language = language === "en" ? "zh-CN" : "en";
    localStorage.setItem("credledger.language", language);
    applyLanguage();
  });
  document.getElementById("by-code").addEventListener("submit", (event) => {
    event.preventDefault();
    const code = document.getElementById("code").value.trim().toUpperCase();
    if (!/^[0-9A-HJ-NPQRTUWXY]{18}$/.test(code)) return show(el("p", { class: "bad" }, t().badCode));
    searchByCode(code).catch(failed);
  });
  document.getElementById("by-id").addEventListener("submit", (event) => {
    event.preventDefault();
    const id = document.getElementById("record-id").value.trim().toLowerCase();
    if (!/^[0-9a-f]{64}$/.test(id)) return show(el("p", { class: "bad" }, t().badId));
    window.location.assign(`/v/${id}`);
  });
  const input = document.getElementById("document");
  input.addEventListener("change", () => {
    if (input.files.length > 0) verifyDocument(input.files[0]).catch(failed);
  });
  document.body.addEventListener("dragover", (event) => event.preventDefault());
  document.body.addEventListener("drop", (event) => {
    event.preventDefault();
    if (event.dataTransfer.files.length > 0) verifyDocument(event.dataTransfer.files[0]).catch(failed);
  });
});
