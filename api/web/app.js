// The home page of the web app (docs/WEB.md): look up an enterprise by its unified social credit
// code (its page, /e/{code}), a record by id (its page, /v/{id}), or a document by its hash,
// computed here (the document never leaves the machine). The records that carry the hash come
// back with fresh proof bundles, which are verified here, with the document, against the
// pinned verifier key or the node's: the verdict shown is this browser's, not the node's.
import { verifyBundle } from "./bundle.js";
import { canonicalize } from "./cjson.js";
import { digest, hex } from "./ledgercrypto.js";
import { el, getJson, setUpPage, t, trustedKey } from "./page.js";
import { verdictView } from "./verdict.js";

const WORDS = {
  "zh-CN": {
    title: "信用信息存证核验",
    intro: "核验电子证照、行政处罚与信用修复记录。文件的摘要在您的浏览器中计算，文件本身不会离开本机；证明也在本机核验。",
    byCode: "按统一社会信用代码查询企业",
    codeLabel: "统一社会信用代码（18 位）",
    search: "查询",
    byId: "按记录编号核验",
    idLabel: "记录编号（64 位十六进制）",
    verify: "核验",
    byDocument: "核验文件（PDF 或图片）",
    documentNote: "文件的摘要在本机计算，只有摘要发送给节点；节点返回的证明文件在本机核验。",
    documentLabel: "选择或拖入文件",
    byBundle: "核验证明文件",
    bundleNote: "已有证明文件（credledger-proof-….json）？在本机逐项核验，无需联网。",
    bundleLink: "打开证明文件核验页",
    documentHash: (name, alg, hash) => `文件“${name}”的 ${alg.toUpperCase()} 摘要：${hash}`,
    notFound: "本账本中没有记录载有此文件的摘要：它从未在此存证，或并非签发时的原件。",
    badCode: "统一社会信用代码为 18 位数字或大写字母（不含 I、O、Z、S、V）。",
    badId: "记录编号为 64 位十六进制数字（0-9、a-f）。",
  },
  en: {
    title: "Credit information: verify a record",
    intro: "Verify e-licences, administrative penalties and credit repairs. A document is hashed in your browser and never leaves this machine; proofs are verified here too.",
    byCode: "Look up an enterprise by its unified social credit code",
    codeLabel: "Unified social credit code (18 characters)",
    search: "Search",
    byId: "Verify a record by its id",
    idLabel: "Record id (64 hex digits)",
    verify: "Verify",
    byDocument: "Verify a document (PDF or image)",
    documentNote: "The document's hash is computed on this machine and only the hash is sent to the node; the proof bundles it returns are verified here.",
    documentLabel: "Choose or drop a file",
    byBundle: "Verify a proof bundle",
    bundleNote: "Holding a proof bundle (credledger-proof-….json)? Verify it check by check on this machine, offline.",
    bundleLink: "Open the bundle verifier",
    documentHash: (name, alg, hash) => `${alg.toUpperCase()} of "${name}": ${hash}`,
    notFound: "No record on this ledger carries this document's hash: it was never anchored here, or it is not the document as issued.",
    badCode: "A unified social credit code is 18 digits or capital letters (no I, O, Z, S, V).",
    badId: "A record id is 64 hexadecimal digits (0-9, a-f).",
  },
};

let redraw = null;  // redraws the last result in the current language

function show(...children) {
  document.getElementById("result").replaceChildren(...children);
}

// Hashes `file` here with the ledger's tree hash, asks which records carry the hash, and
// verifies each one's fresh bundle here, with the document.
async function verifyDocument(file) {
  const node = await getJson("/v1/node");
  show(t().working);
  const bytes = new Uint8Array(await file.arrayBuffer());
  const hash = hex(await digest(node.tree_hash, bytes));
  const answer = await getJson("/v1/verify", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ hash }),
  });
  const verdicts = [];
  for (const result of answer.results) {
    verdicts.push(await verifyBundle(canonicalize(result.bundle), trustedKey(node), { document: bytes }));
  }
  redraw = () => {
    const intro = el("p", {}, el("code", {}, t().documentHash(file.name, node.tree_hash, hash)));
    if (!answer.found) return show(intro, el("p", { class: "bad" }, t().notFound));
    show(intro, ...verdicts.map((v) => verdictView(v)));
  };
  redraw();
}

function failed(error) {
  redraw = null;
  show(el("p", { class: "bad", role: "alert" }, t().error(error.message)));
}

function refuse(message) {
  redraw = null;
  show(el("p", { class: "bad", role: "alert" }, message));
}

document.addEventListener("DOMContentLoaded", () => {
  setUpPage(WORDS, () => redraw && redraw());
  document.getElementById("by-code").addEventListener("submit", (event) => {
    event.preventDefault();
    const code = document.getElementById("code").value.trim().toUpperCase();
    if (!/^[0-9A-HJ-NPQRTUWXY]{18}$/.test(code)) return refuse(t().badCode);
    window.location.assign(`/e/${code}`);
  });
  document.getElementById("by-id").addEventListener("submit", (event) => {
    event.preventDefault();
    const id = document.getElementById("record-id").value.trim().toLowerCase();
    if (!/^[0-9a-f]{64}$/.test(id)) return refuse(t().badId);
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
