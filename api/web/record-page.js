// The record page /v/{id} (the QR code's target; api/handlers/verify.cc renders the node's
// answer): here the visitor's browser fetches the record's proof bundle and verifies it
// itself, with the pinned verifier key or the node's, and shows its own verdict below the
// node's, in the page's language.
import { verifyBundle } from "./bundle.js";
import { el, getJson, t, trustedKey, useLanguage } from "./page.js";
import { verdictView } from "./verdict.js";

const WORDS = {
  "zh-CN": { localTitle: "在您的浏览器中核验", localWorking: "正在本机核验证明文件……" },
  en: { localTitle: "Verified in your browser", localWorking: "Verifying the proof bundle here…" },
};

document.addEventListener("DOMContentLoaded", async () => {
  const section = document.getElementById("local");
  if (!section) return;
  useLanguage(document.documentElement.lang, WORDS);
  const id = section.dataset.recordId;
  section.replaceChildren(el("h2", {}, t().localTitle), el("p", {}, t().localWorking));
  try {
    const node = await getJson("/v1/node");
    const answer = await fetch(`/v1/records/${id}/bundle`);
    if (!answer.ok) throw new Error(`HTTP ${answer.status}`);
    const bundle = new Uint8Array(await answer.arrayBuffer());
    const verdict = await verifyBundle(bundle, trustedKey(node));
    section.replaceChildren(el("h2", {}, t().localTitle), verdictView(verdict));
  } catch (error) {
    section.replaceChildren(el("h2", {}, t().localTitle), el("p", { class: "bad", role: "alert" }, t().error(error.message)));
  }
});
