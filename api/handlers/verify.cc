// Paper-free verification: proof bundles (GET .../bundle), POST /v1/verify and the page a
// printed certificate's QR code opens (GET /v/{id}). Every answer is reached the way an
// outside verifier reaches it: records::VerifyProofBundle with the node's verifier key only.
#include <algorithm>
#include <cstdlib>
#include <map>

#include "api/internal/call.h"
#include "api/internal/route.h"
#include "api/internal/web_assets.h"
#include "api/multipart.h"
#include "crypto/encoding.h"
#include "ledger/block.h"
#include "ledger/records/schema.h"

namespace credledger::api {
namespace {

// Most records one document may match in one answer (a document is normally on one record;
// a replacement license may carry the same file).
constexpr size_t kMaxMatches = 20;

std::string HtmlEscape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

std::string BodyString(const Json& entry, const char* member) {
  if (!entry.is_object() || !entry.contains("body")) return {};
  const Json& body = entry.at("body");
  return body.contains(member) && body.at(member).is_string() ? body.at(member).get<std::string>()
                                                              : std::string();
}

// The verification page's words in one language (zh-CN, the default, or English).
struct PageText {
  const char* lang;
  const char* not_authentic;
  const char* in_force;
  const char* authentic;  // followed by the status
  const char* record;
  const char* name;
  const char* number;
  const char* subject;
  const char* person;
  const char* issued_by;
  const char* status;
  const char* valid_from;
  const char* valid_until;
  const char* long_term;
  const char* display;
  const char* anchored_at;
  const char* checked_at;
  const char* ledger;
  const char* tree_size;
  const char* checks;
  const char* yourself;
  const char* yourself_intro;
  const char* bundle;
  const char* yourself_offline;
  const char* key_source;
  const char* title;
  const char* not_found_title;
  const char* not_found;                                  // followed by the origin
  const char* not_found_end;                              // between the record id and the end
  std::map<std::string, std::string, std::less<>> words;  // types, statuses, check names
};

const PageText& Chinese() {
  static const PageText text = {
      "zh-CN",
      "未通过核验",
      "真实 · 有效",
      "真实 · ",
      "记录类型",
      "名称",
      "编号",
      "主体",
      "自然人（加密承诺）",
      "发布机关",
      "状态",
      "生效日期",
      "有效期至",
      "长期",
      "公示",
      "存证时间",
      "核验时间",
      "账本",
      "，条目数 ",
      "核验项目",
      "自行核验",
      "以上是节点自己的回答。下方是您的浏览器用验证公钥独立核验的结果；也可以下载",
      "证明文件",
      "，并在离线状态下运行：",
      "核验公钥必须来自您信任的来源（账本公布的配置），而不是本页。",
      "记录核验 ",
      "未找到记录",
      "本账本（",
      "）中没有此记录。指向此处的证书并非在本账本签发。",
      {{"license", "电子证照"},
       {"certificate", "电子证明"},
       {"penalty", "行政处罚"},
       {"credit_repair", "信用修复"},
       {"status_change", "状态变更"},
       {"valid", "有效"},
       {"suspended", "暂停"},
       {"revoked", "撤销"},
       {"cancelled", "注销"},
       {"expired", "过期"},
       {"withdrawn", "撤回"},
       {"superseded", "已被替代"},
       {"repaired", "已修复"},
       {"not_yet_valid", "尚未生效"},
       {"format", "格式"},
       {"record", "记录"},
       {"status", "状态"},
       {"checkpoint", "检查点签名"},
       {"genesis", "创世条目"},
       {"registry", "登记簿"},
       {"inclusion", "包含证明"},
       {"block", "区块"},
       {"signature", "机关签名"},
       {"authority", "签发权限"},
       {"history", "相关记录"},
       {"validity", "有效期"},
       {"document", "文件"},
       {"cosignatures", "见证人联署"}}};
  return text;
}

const PageText& English() {
  static const PageText text = {
      "en",
      "NOT AUTHENTIC",
      "AUTHENTIC \u00b7 IN FORCE",
      "AUTHENTIC \u00b7 ",
      "Record",
      "Name",
      "Number",
      "Subject",
      "a natural person (keyed commitment)",
      "Issued by",
      "Status",
      "Valid from",
      "Valid until",
      "long-term",
      "Public display",
      "Anchored at",
      "Checked at",
      "Ledger",
      ", tree size ",
      "Checks",
      "Verify it yourself",
      "Above is the node's own answer; below, your browser's own check with the verifier key. "
      "Or download the",
      "proof bundle",
      " and run, offline:",
      "The verifier key must come from a source you trust (the ledger's published "
      "configuration), not from this page.",
      "Verification of record ",
      "Record not found",
      "This ledger (",
      ") has no such record. A certificate that points here was not issued on it.",
      {}};
  return text;
}

// zh-CN unless the Accept-Language header prefers English to Chinese (RFC 9110, 12.5.4).
const PageText& TextFor(std::string_view accept_language) {
  double zh = 0, en = 0;
  size_t order = 0;
  while (!accept_language.empty()) {
    const size_t comma = accept_language.find(',');
    std::string_view item = accept_language.substr(0, comma);
    accept_language.remove_prefix(comma == std::string_view::npos ? accept_language.size()
                                                                  : comma + 1);
    const size_t semicolon = item.find(';');
    std::string_view tag = item.substr(0, semicolon);
    while (!tag.empty() && tag.front() == ' ') tag.remove_prefix(1);
    while (!tag.empty() && tag.back() == ' ') tag.remove_suffix(1);
    double q = 1;
    if (semicolon != std::string_view::npos) {
      const size_t at = item.find("q=", semicolon);
      if (at != std::string_view::npos) q = std::atof(std::string(item.substr(at + 2)).c_str());
    }
    q -= 1e-6 * static_cast<double>(++order);  // equal weights: the first listed wins
    auto starts = [&](std::string_view prefix) {
      return tag.size() >= prefix.size() &&
             std::equal(prefix.begin(), prefix.end(), tag.begin(), [](char a, char b) {
               return std::tolower(static_cast<unsigned char>(b)) == a;
             });
    };
    if (starts("zh")) zh = std::max(zh, q);
    if (starts("en")) en = std::max(en, q);
  }
  return en > zh ? English() : Chinese();
}

// A word of `text`'s language for `word` (a type, a status, a check), or `word` itself.
std::string Word(const PageText& text, const std::string& word) {
  auto it = text.words.find(word);
  return it == text.words.end() ? word : it->second;
}

std::string Headline(const records::BundleVerdict& v, const PageText& text) {
  if (!v.authentic) return text.not_authentic;
  if (v.in_force) return text.in_force;
  std::string status = Word(text, v.status);
  if (&text == &English()) {
    for (char& c : status) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return text.authentic + status;
}

// A page in the web app's style (its style sheet, under its Content-Security-Policy: nothing
// inline), with `script` (an /app/ module) if not empty.
std::string Page(const PageText& text, const std::string& title, const std::string& body,
                 std::string_view script = "") {
  return "<!doctype html>\n<html lang=\"" + std::string(text.lang) +
         "\"><head><meta charset=\"utf-8\">"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
         "<link rel=\"icon\" href=\"data:,\">"  // no favicon request
         "<title>" +
         HtmlEscape(title) + "</title><link rel=\"stylesheet\" href=\"/app/app.css\">" +
         (script.empty()
              ? std::string()
              : "<script type=\"module\" src=\"/app/" + std::string(script) + "\"></script>") +
         "</head><body>\n" + body + "</body></html>\n";
}

std::string VerdictPage(const records::BundleVerdict& v, const std::string& record_id,
                        const std::string& vkey, const PageText& text) {
  std::string b;
  b += "<h1 class=\"" + std::string(v.in_force ? "ok" : "bad") + "\">" +
       HtmlEscape(Headline(v, text)) + "</h1>\n<table>\n";
  auto row = [&](const char* name, const std::string& value) {
    if (!value.empty())
      b += "<tr><th>" + std::string(name) + "</th><td>" + HtmlEscape(value) + "</td></tr>\n";
  };
  row(text.record, Word(text, v.type_name()));
  row(text.name, BodyString(v.entry, "type_name"));
  if (const char* number = v.type ? records::Traits(*v.type).number_member : nullptr) {
    row(text.number, BodyString(v.entry, number));
  }
  if (v.entry.is_object() && v.entry.contains("subject")) {
    const Json& subject = v.entry.at("subject");
    row(text.subject,
        subject.value("kind", "") == "person" ? text.person : subject.value("uscc", ""));
  }
  row(text.issued_by, v.agency_name.empty() ? v.agency : v.agency_name + " (" + v.agency + ")");
  row(text.status, Word(text, v.status));
  row(text.valid_from, v.valid_from);
  if (v.type && records::Traits(*v.type).validity_window) {
    row(text.valid_until, v.valid_until.empty() ? text.long_term : v.valid_until);
  }
  if (v.display) row(text.display, v.display->reason);
  row(text.anchored_at, v.anchored_at);
  row(text.checked_at, v.checked_at);
  row(text.ledger, v.origin + text.tree_size + std::to_string(v.tree_size));
  b += "</table>\n<h2>" + std::string(text.checks) + "</h2>\n<ul>\n";
  for (const records::BundleCheck& c : v.checks) {
    const char* mark = c.result == records::BundleCheck::Result::kPass   ? "&#10003;"
                       : c.result == records::BundleCheck::Result::kFail ? "&#10007;"
                                                                         : "&ndash;";
    b += "<li>" + std::string(mark) + " <b>" + HtmlEscape(Word(text, c.name)) +
         "</b>: " + HtmlEscape(c.detail) + "</li>\n";
  }
  b += "</ul>\n<h2>" + std::string(text.yourself) + "</h2>\n<p>" + text.yourself_intro +
       " <a href=\"/v1/records/" + record_id + "/bundle\">" + text.bundle + "</a>" +
       text.yourself_offline + "</p>\n<pre><code>ledgerctl verify credledger-proof-" +
       record_id.substr(0, 16) + ".json --vkey '" + HtmlEscape(vkey) + "'</code></pre>\n<p>" +
       text.key_source + "</p>\n";
  // Where record-page.js shows the same bundle verified in the visitor's browser.
  b += "<section id=\"local\" data-record-id=\"" + record_id +
       "\" aria-live=\"polite\"></section>\n";
  return Page(text, text.title + record_id.substr(0, 16), b, "record-page.js");
}

// Record `record_id`'s bundle at the current checkpoint, and its verdict as any outside
// verifier reaches it: with the node's verifier key only (and `document` if given).
struct Verified {
  std::string bundle;
  records::BundleVerdict verdict;
  Json ToJson() const;  // the verdict, with the bundle as "bundle"
};

Json Verified::ToJson() const {
  Json out = verdict.ToJson();
  auto parsed = ParseJson(bundle);  // made here, canonical JSON
  if (parsed.ok()) out["bundle"] = std::move(*parsed);
  return out;
}

// Record `record_id`'s bundle at the published checkpoint (cosigned by the node's witnesses,
// if it has any), or at the head's if the record is newer than that.
Result<std::string> BundleAtPublished(ServiceState& s, const std::string& record_id) {
  CREDLEDGER_ASSIGN_OR_RETURN(auto published, s.PublishedCheckpoint());
  auto bundle = records::MakeProofBundle(s.ledger.log(), *s.policy, record_id, published->tree_size,
                                         published->note);
  if (bundle.ok() || bundle.status().code() != StatusCode::kNotFound) return bundle;
  CREDLEDGER_ASSIGN_OR_RETURN(auto head, s.Checkpoint());
  if (head->tree_size == published->tree_size) return bundle;
  return records::MakeProofBundle(s.ledger.log(), *s.policy, record_id, head->tree_size,
                                  head->note);
}

Result<Verified> VerifyRecord(ServiceState& s, const std::string& record_id,
                              std::optional<std::string> document = std::nullopt) {
  CREDLEDGER_ASSIGN_OR_RETURN(std::string bundle, BundleAtPublished(s, record_id));
  records::VerifyOptions options;
  options.document = std::move(document);
  options.verified = &s.verified;
  records::BundleVerdict verdict = records::VerifyProofBundle(bundle, s.verifier, options);
  return Verified{std::move(bundle), std::move(verdict)};
}

// Answers with record `record_id`'s bundle as a download (404 if there is no such record).
void SendBundle(const std::shared_ptr<Call>& call, const std::string& record_id) {
  auto bundle = BundleAtPublished(call->state, record_id);
  if (!bundle.ok()) return call->Fail(ProblemFromStatus(bundle.status()));
  call->headers.Set("Content-Disposition", "attachment; filename=\"credledger-proof-" +
                                               record_id.substr(0, 16) + ".json\"");
  call->Send(200, "application/json", std::move(*bundle));
}

void GetRecordBundle(const std::shared_ptr<Call>& call) {
  if (auto id = call->RecordIdParam()) SendBundle(call, *id);
}

void GetEntryBundle(const std::shared_ptr<Call>& call) {
  auto index = call->UintParam("index");
  if (!index) return;
  auto leaf = call->state.ledger.log().LeafHashAt(*index);
  if (!leaf.ok()) return call->Fail(ProblemFromStatus(leaf.status()));
  const std::string id = crypto::HexEncode(*leaf);
  auto record = call->state.policy->reader().FindRecord(id);
  if (!record.ok()) return call->Fail(ProblemFromStatus(record.status()));
  if (!*record) {
    return call->Fail(NotFound("entry " + call->params[0] +
                               " is not a record (it is the genesis, a config entry or a query "
                               "audit anchor); its inclusion proof is at /v1/proofs/inclusion"));
  }
  SendBundle(call, id);
}

void PostVerify(const std::shared_ptr<Call>& call) {
  ServiceState& s = call->state;
  const std::string& body = call->request.body;
  const std::string_view content_type = call->request.fields.Get("Content-Type");
  Json answer = {{"checked_at", NowTimestamp()}};
  std::optional<std::string> document;
  std::string hash;
  if (IsJsonContentType(content_type)) {
    auto doc = ParseJson(body);
    if (!doc.ok()) return call->Fail(BadRequest("malformed_json", doc.status().message()));
    if (doc->is_object() && doc->contains("format")) {
      // A bundle someone holds: checked as it is, then against the ledger as it is now (a
      // later revocation shows only in a fresh bundle).
      records::VerifyOptions options;
      options.verified = &s.verified;
      const records::BundleVerdict submitted =
          records::VerifyProofBundle(body, s.verifier, options);
      answer["query"] = {{"kind", "bundle"}};
      answer["submitted"] = submitted.ToJson();
      answer["found"] = submitted.authentic;
      answer["results"] = Json::array();
      if (submitted.authentic) {
        auto fresh = VerifyRecord(s, submitted.record_id);
        if (!fresh.ok()) return call->Fail(ProblemFromStatus(fresh.status()));
        answer["results"].push_back(fresh->ToJson());
      }
      return call->SendJson(200, answer);
    }
    if (!doc->is_object() || doc->size() != 1 || !doc->contains("hash") ||
        !doc->at("hash").is_string() ||
        !records::IsHashHex(doc->at("hash").get_ref<const std::string&>())) {
      return call->Fail(BadRequest("malformed_request",
                                   "a JSON body is a proof bundle or {\"hash\": <64 lowercase "
                                   "hex>}; send a document as its raw bytes or as a form upload"));
    }
    hash = doc->at("hash").get<std::string>();
    answer["query"] = {{"kind", "hash"}, {"hash", hash}};
  } else {
    if (IsMultipartFormData(content_type)) {
      auto file = FirstFormFile(content_type, body);
      if (!file.ok()) return call->Fail(BadRequest("malformed_request", file.status().message()));
      document = std::move(*file);
    } else {
      document = body;
    }
    if (document->empty()) {
      return call->Fail(
          BadRequest("malformed_request", "send a document, its hash, or a proof bundle"));
    }
    hash = crypto::HexEncode(crypto::Hash(s.ledger.params().tree_hash, *document));
    answer["query"] = {
        {"kind", "document"},
        {"hash", hash},
        {"bytes", document->size()},
        {"hash_algorithm", std::string(crypto::HashAlgorithmName(s.ledger.params().tree_hash))}};
  }
  const uint64_t size = s.ledger.Head().tree_size;
  auto ids = s.policy->reader().RecordsByDocument(hash, size, kMaxMatches);
  if (!ids.ok()) return call->Fail(ProblemFromStatus(ids.status()));
  answer["found"] = !ids->empty();
  answer["results"] = Json::array();
  for (const std::string& id : *ids) {
    auto verified = VerifyRecord(s, id, document);
    if (!verified.ok()) return call->Fail(ProblemFromStatus(verified.status()));
    answer["results"].push_back(verified->ToJson());
  }
  if (ids->empty()) {
    answer["detail"] =
        "no record on this ledger carries this document's hash: it was never "
        "anchored here, or it is not the document as issued";
  }
  call->SendJson(200, answer);
}

void VerifyPage(const std::shared_ptr<Call>& call) {
  ServiceState& s = call->state;
  const std::optional<std::string> record_id = call->RecordIdParam();
  if (!record_id) return;
  const std::string& id = *record_id;
  const std::string_view accept = call->request.fields.Get("Accept");
  const PageText& text = TextFor(call->request.fields.Get("Accept-Language"));
  call->headers.Set("Content-Language", text.lang);
  call->headers.Set("Vary", "Accept, Accept-Language");
  const bool wants_json = accept.find("application/json") != std::string_view::npos;
  auto verified = VerifyRecord(s, id);
  if (!verified.ok()) {
    // An error is an RFC 9457 problem, but for a browser (Accept: text/html), which shows the
    // person who scanned the QR code a page that says what it means.
    const bool browser = accept.find("text/html") != std::string_view::npos && !wants_json;
    if (verified.status().code() != StatusCode::kNotFound || !browser) {
      return call->Fail(ProblemFromStatus(verified.status()));
    }
    SetWebPageHeaders(*call);
    return call->Send(404, "text/html; charset=utf-8",
                      Page(text, text.not_found_title,
                           "<h1 class=\"bad\">" + std::string(text.not_found_title) + "</h1>\n<p>" +
                               text.not_found + HtmlEscape(s.ledger.params().origin) +
                               text.not_found_end + "</p>\n<p><code>" + id + "</code></p>\n"));
  }
  if (wants_json) return call->SendJson(200, verified->ToJson());
  SetWebPageHeaders(*call);
  call->Send(200, "text/html; charset=utf-8",
             VerdictPage(verified->verdict, id, s.ledger.VerifierKey(), text));
}

constexpr Route kRoutes[] = {
    {.method = "GET", .path = "/v1/records/{id}/bundle", .handler = GetRecordBundle},
    {.method = "GET", .path = "/v1/entries/{index}/bundle", .handler = GetEntryBundle},
    {.method = "POST", .path = "/v1/verify", .handler = PostVerify},
    {.method = "GET", .path = "/v/{id}", .handler = VerifyPage},
};

}  // namespace

std::span<const Route> VerifyRoutes() { return kRoutes; }

}  // namespace credledger::api
