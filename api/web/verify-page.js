// The page that verifies a proof bundle on the visitor's machine (docs/WEB.md): every check of
// docs/PROOF-BUNDLE.md runs here (bundle.js), shown as it is decided. The node's verifier key
// is read once when the page loads and can be pinned (local storage): a pinned key is used
// whatever the node says, and a node that shows another is flagged. After the page has
// loaded, verifying needs no network at all.
import { verifyBundle, CHECKS } from "./bundle.js";
import { el, getJson, PINNED_KEY, setUpPage, t } from "./page.js";
import { checksTable, checkRow, verdictView } from "./verdict.js";

const WORDS = {
  "zh-CN": {
    title: "核验证明文件",
    intro: "证明文件（credledger-proof/v1）在您的浏览器中逐项核验：页面加载后无需联网，无需账号，也无需信任提供文件的服务器，只需账本节点的验证公钥。",
    keyTitle: "账本节点的验证公钥",
    keyLabel: "验证公钥（C2SP 签名注释格式：名称+密钥编号+公钥）",
    pin: "固定此公钥", unpin: "取消固定",
    witnessTitle: "见证人（可选）",
    witnessLabel: "见证人公钥（cosignature/v1），每行一个",
    quorumLabel: "至少需要几位见证人联署（默认全部）",
    bundleTitle: "证明文件",
    bundleLabel: "选择或拖入证明文件（credledger-proof-….json）",
    documentLabel: "原件（可选）：同时核验该文件是否为记录所载的文件",
    dateLabel: "核验日期（默认为现在）",
    verify: "核验",
    keyFromNode: "此公钥来自本节点（/v1/node）。请与账本公布的公钥核对后固定，以后即使节点被替换也能察觉。",
    keyPinned: "使用您固定的公钥。",
    keyMismatch: (node) => `警告：本节点现在出示的公钥与您固定的不同（${node}）。核验仍使用您固定的公钥；除非账本已公告更换密钥，否则请勿信任本节点。`,
    keyOffline: "无法连接本节点：请输入账本公布的验证公钥，或使用已固定的公钥。",
    noKey: "请先输入账本节点的验证公钥。",
    noBundle: "请选择证明文件。",
    pinned: "已固定。",
    reading: "正在核验……",
  },
  en: {
    title: "Verify a proof bundle",
    intro: "A proof bundle (credledger-proof/v1) is verified check by check in your browser: once the page has loaded it needs no network, no account and no trust in the server that gave you the file, only the ledger node's verifier key.",
    keyTitle: "The ledger node's verifier key",
    keyLabel: "Verifier key (C2SP signed-note format: name+key id+key)",
    pin: "Pin this key", unpin: "Unpin",
    witnessTitle: "Witnesses (optional)",
    witnessLabel: "Witness keys (cosignature/v1), one a line",
    quorumLabel: "Cosignatures required (default: all)",
    bundleTitle: "Proof bundle",
    bundleLabel: "Choose or drop a proof bundle (credledger-proof-….json)",
    documentLabel: "The document (optional): also check that it is the record's document",
    dateLabel: "Checked on (default: now)",
    verify: "Verify",
    keyFromNode: "This key comes from this node (/v1/node). Compare it with the ledger's published key and pin it: a replaced node then shows.",
    keyPinned: "Using the key you pinned.",
    keyMismatch: (node) => `Warning: this node now shows another key than the one you pinned (${node}). Verification still uses your pinned key; unless the ledger announced a key change, do not trust this node.`,
    keyOffline: "This node cannot be reached: enter the ledger's published verifier key, or use a pinned one.",
    noKey: "Enter the ledger node's verifier key first.",
    noBundle: "Choose a proof bundle.",
    pinned: "Pinned.",
    reading: "Verifying…",
  },
};

const PINNED_WITNESSES = "credledger.pinned-witnesses";
let nodeKey = null;  // what /v1/node said when the page loaded, or null
let keyState = "offline";
let lastVerdict = null;

const $ = (id) => document.getElementById(id);

function showKeySource() {
  const words = t();
  const pinned = localStorage.getItem(PINNED_KEY);
  const source = $("key-source");
  source.className = "";
  source.removeAttribute("role");
  if (pinned && nodeKey && pinned !== nodeKey) {
    source.className = "bad";
    source.setAttribute("role", "alert");
    source.textContent = words.keyMismatch(nodeKey);
  } else if (pinned) {
    source.textContent = words.keyPinned;
  } else {
    source.textContent = keyState === "node" ? words.keyFromNode : words.keyOffline;
  }
  $("unpin").hidden = !pinned;
}

async function loadKey() {
  try {
    nodeKey = (await getJson("/v1/node")).verifier_key;
    keyState = "node";
  } catch {
    keyState = "offline";
  }
  const pinned = localStorage.getItem(PINNED_KEY);
  $("vkey").value = pinned || nodeKey || "";
  const witnesses = JSON.parse(localStorage.getItem(PINNED_WITNESSES) || "null");
  if (witnesses) {
    $("witnesses").value = witnesses.keys.join("\n");
    $("quorum").value = witnesses.quorum || "";
  }
  showKeySource();
}

function witnessPolicy() {
  const keys = $("witnesses").value.split("\n").map((s) => s.trim()).filter(Boolean);
  const quorum = Number($("quorum").value) || keys.length;
  return { keys, quorum };
}

function show(...children) {
  $("result").replaceChildren(...children);
}

async function bytesOf(file) {
  return new Uint8Array(await file.arrayBuffer());
}

async function verify() {
  const words = t();
  const vkey = $("vkey").value.trim();
  const file = $("bundle").files[0];
  if (!vkey) return show(el("p", { class: "bad", role: "alert" }, words.noKey));
  if (!file) return show(el("p", { class: "bad", role: "alert" }, words.noBundle));
  $("print").hidden = true;
  // Every check listed at once, each row redrawn as it is decided.
  const pending = CHECKS.map((check) => ({ check, result: "skipped", detail: "" }));
  const table = checksTable(pending);
  show(el("p", {}, words.reading), table);
  const onCheck = (c) => {
    const row = table.querySelector(`tr[data-check="${c.check}"]`);
    if (row) row.replaceWith(checkRow(c));
  };
  const options = { onCheck };
  const date = $("date").value;
  if (date) options.checkedAt = `${date}T00:00:00Z`;
  if ($("document").files[0]) options.document = await bytesOf($("document").files[0]);
  const witnesses = witnessPolicy();
  if (witnesses.keys.length) {
    options.witnesses = witnesses.keys;
    options.quorum = witnesses.quorum;
  }
  const started = performance.now();
  lastVerdict = await verifyBundle(await bytesOf(file), vkey, options);
  lastVerdict.milliseconds = performance.now() - started;
  redraw();
}

function redraw() {
  if (!lastVerdict) return;
  show(verdictView(lastVerdict));
  $("result").dataset.milliseconds = lastVerdict.milliseconds.toFixed(1);
  $("print").hidden = false;
}

document.addEventListener("DOMContentLoaded", () => {
  setUpPage(WORDS, () => {
    showKeySource();
    redraw();
  });
  loadKey();
  const failed = (error) => show(el("p", { class: "bad", role: "alert" }, t().error(error.message)));
  $("pin").addEventListener("click", () => {
    const vkey = $("vkey").value.trim();
    if (!vkey) return show(el("p", { class: "bad", role: "alert" }, t().noKey));
    localStorage.setItem(PINNED_KEY, vkey);
    localStorage.setItem(PINNED_WITNESSES, JSON.stringify(witnessPolicy()));
    showKeySource();
  });
  $("unpin").addEventListener("click", () => {
    localStorage.removeItem(PINNED_KEY);
    localStorage.removeItem(PINNED_WITNESSES);
    $("vkey").value = nodeKey || "";
    showKeySource();
  });
  $("verify-form").addEventListener("submit", (event) => {
    event.preventDefault();
    verify().catch(failed);
  });
  $("bundle").addEventListener("change", () => verify().catch(failed));
  $("print").addEventListener("click", () => window.print());
  document.body.addEventListener("dragover", (event) => event.preventDefault());
  document.body.addEventListener("drop", (event) => {
    event.preventDefault();
    if (event.dataTransfer.files.length === 0) return;
    $("bundle").files = event.dataTransfer.files;
    verify().catch(failed);
  });
});
