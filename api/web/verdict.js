// A proof bundle's verdict as the pages show it: the headline, the failing check named in
// the page's language with what it should have established, the record, and every check
// with its result, its meaning and the verifier's details. Printable.
import { displayReason, el, t } from "./page.js";

export function headline(verdict) {
  const words = t();
  return !verdict.authentic ? words.notAuthentic
       : verdict.in_force ? words.authenticInForce : words.authenticNotInForce;
}

// The row of one check (updated in place while a verification runs).
export function checkRow(check) {
  const words = t();
  const resultClass = check.result === "fail" ? "bad" : check.result === "pass" ? "ok" : "muted";
  return el("tr", { "data-check": check.check, "data-result": check.result },
    el("th", { scope: "row" }, words.checkNames[check.check] || check.check),
    el("td", { class: resultClass }, words.results[check.result]),
    el("td", {}, words.checkMeanings[check.check] || "",
       check.detail ? el("div", { class: "detail" }, el("small", {}, check.detail)) : ""));
}

export function checksTable(checks) {
  const words = t();
  return el("table", { class: "checks", "aria-label": words.checks },
    el("thead", {}, el("tr", {}, el("th", { scope: "col" }, words.checks), el("th", { scope: "col" }, words.status),
                       el("th", { scope: "col" }, words.details))),
    el("tbody", {}, ...checks.map(checkRow)));
}

function facts(verdict) {
  const words = t();
  const r = verdict.record;
  if (!r) return "";
  const rows = [
    [words.type, words.types[r.type] || r.type],
    [words.agency, r.agency_name ? `${r.agency_name}（${r.agency}）` : r.agency],
    [words.status, words.statuses[r.status] || r.status || ""],
  ];
  if (r.valid_from) rows.push([words.validWindow, `${r.valid_from} – ${r.valid_until || words.longTerm}`]);
  if (r.display) rows.push(["", words.display(r.display.displayed, displayReason(r.display.reason))]);
  if (r.target) rows.push([words.targetOf, `${r.target.record_id.slice(0, 16)}…（${words.statuses[r.target.status_on_log] || r.target.status_on_log}）`]);
  if (r.anchored_at) rows.push([words.anchoredAt, r.anchored_at]);
  rows.push([words.recordId, el("code", {}, r.record_id)]);
  if (verdict.checkpoint) rows.push([words.treeSize, `${verdict.checkpoint.origin} · ${verdict.checkpoint.tree_size}`]);
  rows.push([words.checkedOn, verdict.checked_at]);
  return el("table", { class: "facts" }, el("tbody", {},
    ...rows.map(([name, value]) => el("tr", {}, el("th", { scope: "row" }, name), el("td", {}, value)))));
}

// The whole verdict, as an <article>.
export function verdictView(verdict, { local = true } = {}) {
  const words = t();
  const failed = verdict.checks.find((c) => c.result === "fail");
  const ok = verdict.authentic && verdict.in_force;
  return el("article", { class: "verdict" },
    el("h3", { class: ok ? "ok" : "bad", "data-verdict": ok ? "in-force" : verdict.authentic ? "authentic" : "not-authentic" },
       headline(verdict)),
    failed ? el("p", { class: "bad failed-check", role: "alert" },
                words.failedCheck(words.checkNames[failed.check] || failed.check, words.checkMeanings[failed.check] || "")) : "",
    facts(verdict),
    checksTable(verdict.checks),
    local ? el("p", { class: "note" }, words.checkedLocally) : "");
}
