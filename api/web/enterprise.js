// An enterprise's page, /e/{code} (docs/WEB.md): its public credit profile (what the display
// rules allow), verified here and downloadable as signed, each record with its page and its
// proof bundle; and the bank view: a bank's token and the purpose of the read (the token is
// entered, held in memory only, sent in the Authorization header and never in a URL) give the
// full signed profile for the loan file, and the page says that the read was logged.
import { verifyProfile, BANK_SECTIONS, SECTIONS } from "./profile.js";
import { usccProblem } from "./records.js";
import { displayReason, download, el, getJson, setUpPage, t, trustedKey } from "./page.js";

const WORDS = {
  "zh-CN": {
    title: "企业信用信息",
    publicTitle: "公开信用信息",
    publicNote: "依公示规则向社会公开的内容：电子证照、电子证明，以及公示期内的行政处罚。",
    bankTitle: "银行查询（完整信用报告）",
    bankNote: "银行凭令牌查询完整信用报告，用于贷款审查。令牌只在本页内存中使用，不会出现在网址中，也不会被保存。每次查询在返回前都记入节点的查询审计日志。",
    tokenLabel: "银行令牌",
    purposeLabel: "查询用途（如：贷款审查）",
    bankSubmit: "查询完整信用报告",
    badCode: (why) => `统一社会信用代码不正确（${why}）。`,
    sections: { licenses: "电子证照", certificates: "电子证明", penalties: "行政处罚", credit_repairs: "信用修复",
                enterprise_keys: "企业签名密钥", repair_applications: "信用修复申请", repair_reviews: "修复申请初审",
                consents: "查询授权", lists: "严重失信主体名单 / 经营异常名录", objections: "异议",
                objection_answers: "异议答复", commitments: "信用承诺（告知承诺）", commitment_checks: "承诺核查" },
    none: "无",
    name: "名称 / 编号", authority: "机关", validity: "有效期 / 公示",
    view: "查看", bundle: "下载证明文件",
    verified: (n, size) => `已在您的浏览器中核验：节点签名、检查点，以及 ${n} 条记录的包含证明（截至账本第 ${size} 条条目）。`,
    notVerified: (why) => `核验未通过，请勿采信本页内容：${why}`,
    asOf: (time) => `生成时间：${time}`,
    truncated: "记录过多，仅列出前 1000 条。",
    downloadPublic: "下载已签名的公开信用报告",
    downloadBank: "下载已签名的完整信用报告（存入贷款档案）",
    logged: (bank, purpose, time) => `本次查询已记入节点的查询审计日志：银行“${bank}”，用途“${purpose}”，时间 ${time}。该日志定期锚定到账本，企业与审计方可以核查。`,
    needToken: "请输入银行令牌。",
    needPurpose: "请填写查询用途：它与查询一起记入审计日志。",
    badToken: "银行令牌无效（401）：节点拒绝了查询，未返回任何内容。",
    notLogged: "此次查询无法记入审计日志（503），节点因此拒绝了查询；请稍后再试。",
    decisions: { approved: "准予修复", rejected: "不予修复" },
    outcomes: { accepted: "受理", not_accepted: "不予受理", upheld: "异议成立", rejected: "异议不成立", kept: "已履行",
                broken: "未履行" },
    listNames: { serious_dishonesty: "严重失信主体名单", abnormal_operations: "经营异常名录" },
    keyOf: "密钥",
    displayed: (until) => `公示中，至 ${until}`,
    notDisplayed: (reason) => `不公示（${reason}）`,
    longTerm: "长期",
    fine: (yuan) => `罚款 ${yuan} 元`,
    repairOf: "修复对象",
    follower: "本节点是账本的跟随节点（只读副本）：银行查询须在主节点进行并记入其查询审计日志，令牌不会发送给本节点。",
    toLeader: "前往主节点的本企业页面",
  },
  en: {
    title: "Enterprise credit information",
    publicTitle: "Public credit information",
    publicNote: "What the display rules make public: e-licences, e-certificates, and administrative penalties within their display period.",
    bankTitle: "Bank view (the full credit profile)",
    bankNote: "A bank reads the full credit profile with its token, for a loan review. The token is used in this page's memory only: never in a URL, never stored. Every read is written to the node's query audit log before the answer.",
    tokenLabel: "Bank token",
    purposeLabel: "Purpose of the read (e.g. loan review)",
    bankSubmit: "Read the full credit profile",
    badCode: (why) => `Not a valid unified social credit code (${why}).`,
    sections: { licenses: "E-licences", certificates: "E-certificates", penalties: "Administrative penalties", credit_repairs: "Credit repairs",
                enterprise_keys: "Enterprise signing keys", repair_applications: "Credit repair applications", repair_reviews: "First reviews of repair applications",
                consents: "Consents to banks' reads", lists: "Serious-dishonesty and abnormal-operations lists",
                objections: "Objections", objection_answers: "Answers to objections",
                commitments: "Commitments (告知承诺)", commitment_checks: "Checks of commitments" },
    none: "None",
    name: "Name / number", authority: "Authority", validity: "Validity / display",
    view: "View", bundle: "Download the proof bundle",
    verified: (n, size) => `Verified in your browser: the node's signature, the checkpoint, and the inclusion of ${n} records (as of ledger entry ${size}).`,
    notVerified: (why) => `Verification failed; do not rely on this page: ${why}`,
    asOf: (time) => `Generated at ${time}`,
    truncated: "Too many records: the first 1,000 are listed.",
    downloadPublic: "Download the signed public profile",
    downloadBank: "Download the signed full profile (for the loan file)",
    logged: (bank, purpose, time) => `This read is in the node's query audit log: bank "${bank}", purpose "${purpose}", at ${time}. The log is anchored on the ledger, where the enterprise and auditors can check it.`,
    needToken: "Enter the bank token.",
    needPurpose: "State the purpose: it is logged with the read.",
    badToken: "The bank token is not valid (401): the node refused the read and returned nothing.",
    notLogged: "The read could not be logged (503), so the node refused it; try again later.",
    decisions: { approved: "repair approved", rejected: "repair rejected" },
    outcomes: { accepted: "accepted", not_accepted: "not accepted", upheld: "upheld", rejected: "rejected",
                kept: "kept", broken: "broken" },
    listNames: { serious_dishonesty: "serious-dishonesty list", abnormal_operations: "abnormal-operations list" },
    keyOf: "key",
    displayed: (until) => `displayed until ${until}`,
    notDisplayed: (reason) => `not displayed (${reason})`,
    longTerm: "long-term",
    fine: (yuan) => `fine ¥${yuan}`,
    repairOf: "Repairs",
    follower: "This node is a follower (a read-only copy of the ledger): a bank reads at the leader, which logs the read in its query audit log; the token is never sent to this node.",
    toLeader: "This enterprise's page at the leader",
  },
};

// The code in the page's path (a malformed %-escape is just a wrong code).
const code = (() => {
  const segment = window.location.pathname.split("/").pop() || "";
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
})();
let node = null;
const views = { public: null, bank: null };  // what each part shows, redrawn on a language change

const $ = (id) => document.getElementById(id);

function yuan(fen) {
  return `${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, "0")}`;
}

// One row of a profile section.
function itemRow(section, item) {
  const words = t();
  const body = item.entry.body;
  let name, authority, validity;
  if (section === "penalties") {
    name = [body.decision_number, el("br"), body.violation_type, el("br"), el("small", {}, words.fine(yuan(body.fine_fen)))];
    authority = body.punishing_authority.name;
    validity = item.display ? (item.display.displayed ? words.displayed(item.display.until) : words.notDisplayed(displayReason(item.display.reason))) : "";
  } else if (section === "credit_repairs") {
    name = [words.decisions[body.decision] || body.decision, el("br"), el("small", {}, `${words.repairOf} ${body.target.slice(0, 16)}…`)];
    authority = body.deciding_authority.name;
    validity = body.decision_date;
  } else if (section === "enterprise_keys") {
    name = [`${body.key.alg.toUpperCase()} ${words.keyOf}`, el("br"), el("small", {}, `${body.key_id.slice(0, 16)}…`)];
    authority = body.registering_authority.name;
    validity = item.entry.issued_at.slice(0, 10);
  } else if (section === "repair_applications") {
    name = [body.reasons, el("br"), el("small", {}, `${words.repairOf} ${body.target.slice(0, 16)}…`)];
    authority = "";
    validity = item.entry.issued_at.slice(0, 10);
  } else if (section === "lists") {
    name = [words.listNames[body.list] || body.list, el("br"), el("small", {}, body.reason)];
    authority = body.deciding_authority.name;
    validity = body.decided_on;
  } else if (section === "objections") {
    name = [body.grounds, el("br"), el("small", {}, `${body.target.slice(0, 16)}…`)];
    authority = "";
    validity = item.entry.issued_at.slice(0, 10);
  } else if (section === "objection_answers" || section === "commitment_checks") {
    name = [words.outcomes[body.outcome || body.result] || body.outcome || body.result, el("br"),
      el("small", {}, `${body.target.slice(0, 16)}…`)];
    authority = (body.answering_authority || body.checking_authority).name;
    validity = body.checked_on || item.entry.issued_at.slice(0, 10);
  } else if (section === "commitments") {
    name = [body.matter, el("br"), el("small", {}, body.conditions.join("; "))];
    authority = body.agency;
    validity = body.check_by;
  } else if (section === "consents") {
    name = [body.bank, el("br"), el("small", {}, body.purpose)];
    authority = body.scope.join(", ");
    validity = `${body.valid_from} – ${body.valid_until}`;
  } else if (section === "repair_reviews") {
    name = [words.outcomes[body.outcome] || body.outcome, el("br"), el("small", {}, `${body.target.slice(0, 16)}…`)];
    authority = body.reviewing_authority.name;
    validity = item.entry.issued_at.slice(0, 10);
  } else {
    name = [body.type_name, el("br"), el("small", {}, body.license_number)];
    authority = body.issuing_authority.name;
    validity = `${body.valid_from} – ${body.valid_until || body.purpose_expiry || words.longTerm}`;
  }
  const status = item.status;
  return el("tr", {},
    el("td", {}, ...name),
    el("td", {}, authority),
    el("td", { class: status === "valid" ? "ok" : "bad" }, words.statuses[status] || status),
    el("td", {}, validity),
    el("td", { class: "no-print" },
       el("a", { href: `/v/${item.record_id}` }, words.view), el("br"),
       el("a", { href: `/v1/records/${item.record_id}/bundle`, download: `credledger-proof-${item.record_id.slice(0, 16)}.json` }, words.bundle)));
}

// A verified (or not) profile: the verification line, its sections and a download button.
function profileView(result, text, fileName, downloadLabel) {
  const words = t();
  if (result.error) return [el("p", { class: "bad", role: "alert" }, words.notVerified(result.error))];
  const { profile, count } = result;
  const parts = [
    el("p", { class: "ok verified" }, words.verified(count, profile.tree_size)),
    el("p", {}, words.asOf(profile.generated_at)),
  ];
  if (profile.truncated) parts.push(el("p", { class: "bad" }, words.truncated));
  for (const section of SECTIONS) {
    if (profile.audience === "public" && BANK_SECTIONS.includes(section)) continue;
    const items = profile[section];
    parts.push(el("h3", {}, words.sections[section]));
    if (!items.length) {
      parts.push(el("p", { class: "muted" }, words.none));
      continue;
    }
    parts.push(el("table", { "data-section": section },
      el("thead", {}, el("tr", {}, el("th", { scope: "col" }, words.name), el("th", { scope: "col" }, words.authority),
                         el("th", { scope: "col" }, words.status), el("th", { scope: "col" }, words.validity),
                         el("th", { scope: "col", class: "no-print" }, ""))),
      el("tbody", {}, ...items.map((item) => itemRow(section, item)))));
  }
  const button = el("button", { type: "button", class: "no-print" }, downloadLabel);
  button.addEventListener("click", () => download(fileName, text));
  parts.push(button);
  return parts;
}

async function verified(text) {
  try {
    // A follower signs public profiles with a key of its own (docs/FOLLOWERS.md).
    return await verifyProfile(text, trustedKey(node), node.profile_key?.spki ?? null);
  } catch (e) {
    return { error: e.message };
  }
}

function redraw() {
  const words = t();
  if (views.public) $("public").replaceChildren(...views.public());
  if (views.bank) $("bank").replaceChildren(...views.bank());
  document.title = `${words.title} ${code}`;
}

function failure(where, message) {
  views[where] = () => [el("p", { class: "bad", role: "alert" }, typeof message === "function" ? message() : message)];
  redraw();
}

async function loadPublic() {
  const answer = await fetch(`/v1/subjects/${encodeURIComponent(code)}/profile`);
  const text = await answer.text();
  if (!answer.ok) throw new Error(JSON.parse(text).detail || `HTTP ${answer.status}`);
  const result = await verified(text);
  views.public = () => profileView(result, text, `credledger-profile-${code}-public.json`, t().downloadPublic);
  redraw();
}

async function readAsBank(token, purpose) {
  const answer = await fetch(`/v1/subjects/${encodeURIComponent(code)}/profile?purpose=${encodeURIComponent(purpose)}`,
    { headers: { Authorization: `Bearer ${token}` }, cache: "no-store" });
  const text = await answer.text();
  if (answer.status === 401) return failure("bank", () => t().badToken);
  if (answer.status === 503) return failure("bank", () => t().notLogged);
  if (!answer.ok) return failure("bank", () => t().error(JSON.parse(text).detail || `HTTP ${answer.status}`));
  const result = await verified(text);
  views.bank = () => {
    const parts = profileView(result, text, `credledger-profile-${code}-${result.profile?.bank || "bank"}.json`, t().downloadBank);
    if (result.profile) {
      parts.unshift(el("p", { class: "logged", role: "status" },
        t().logged(result.profile.bank, result.profile.purpose, result.profile.generated_at)));
    }
    return parts;
  };
  redraw();
}

document.addEventListener("DOMContentLoaded", () => {
  setUpPage(WORDS, redraw);
  $("code").textContent = code;
  const problem = usccProblem(code);
  if (problem) {
    failure("public", () => t().badCode(problem));
    $("bank-form").hidden = true;
    return;
  }
  const failed = (where) => (error) => failure(where, () => t().error(error.message));
  getJson("/v1/node").then((answer) => {
    node = answer;
    if (node.follows) {
      // The bank view is the leader's (a follower redirects it, and a browser would not carry
      // the token to another origin): send the bank there.
      $("bank-form").hidden = true;
      const leader = new URL(`/e/${encodeURIComponent(code)}`, node.follows).href;
      views.bank = () => [el("p", { class: "note" }, t().follower), el("p", {}, el("a", { href: leader }, t().toLeader))];
    }
    return loadPublic();
  }).catch(failed("public"));
  $("bank-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const token = $("token").value.trim();
    const purpose = $("purpose").value.trim();
    if (!token) return failure("bank", () => t().needToken);
    if (!purpose) return failure("bank", () => t().needPurpose);
    if (!node) return failure("bank", () => t().error("/v1/node"));
    readAsBank(token, purpose).catch(failed("bank"));
  });
});
