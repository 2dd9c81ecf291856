// Paper-free verification: proof bundles (GET .../bundle), POST /v1/verify and the page a
// printed certificate's QR code opens (GET /v/{id}). Every answer is reached the way an
// outside verifier reaches it: records::VerifyProofBundle with the node's verifier key only.
#include "api/internal/call.h"
#include "api/internal/route.h"
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

std::string Headline(const records::BundleVerdict& v) {
  if (!v.authentic) return "NOT AUTHENTIC";
  if (v.in_force) return "AUTHENTIC \u00b7 IN FORCE";
  std::string status = v.status;
  for (char& c : status) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return "AUTHENTIC \u00b7 " + status;
}

std::string Page(const std::string& title, const std::string& body) {
  return "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
         "<link rel=\"icon\" href=\"data:,\">"  // no favicon request
         "<title>" +
         HtmlEscape(title) +
         "</title><style>body{font-family:sans-serif;max-width:46em;margin:2em auto;padding:0 1em}"
         ".ok{color:#0a6b2d}.bad{color:#a40e0e}th{text-align:left;padding-right:1em}"
         "code{word-break:break-all}</style></head><body>\n" +
         body + "</body></html>\n";
}

std::string VerdictPage(const records::BundleVerdict& v, const std::string& record_id,
                        const std::string& vkey) {
  std::string b;
  b += "<h1 class=\"" + std::string(v.in_force ? "ok" : "bad") + "\">" + HtmlEscape(Headline(v)) +
       "</h1>\n<table>\n";
  auto row = [&](const char* name, const std::string& value) {
    if (!value.empty())
      b += "<tr><th>" + std::string(name) + "</th><td>" + HtmlEscape(value) + "</td></tr>\n";
  };
  row("Record", v.type_name());
  row("Name", BodyString(v.entry, "type_name"));
  if (const char* number = v.type ? records::Traits(*v.type).number_member : nullptr) {
    row("Number", BodyString(v.entry, number));
  }
  if (v.entry.is_object() && v.entry.contains("subject")) {
    const Json& subject = v.entry.at("subject");
    row("Subject", subject.value("kind", "") == "person" ? "a natural person (keyed commitment)"
                                                         : subject.value("uscc", ""));
  }
  row("Issued by", v.agency_name.empty() ? v.agency : v.agency_name + " (" + v.agency + ")");
  row("Status", v.status);
  row("Valid from", v.valid_from);
  if (v.type && records::Traits(*v.type).validity_window) {
    row("Valid until", v.valid_until.empty() ? "long-term" : v.valid_until);
  }
  if (v.display) row("Public display", v.display->reason);
  row("Anchored at", v.anchored_at);
  row("Checked at", v.checked_at);
  row("Ledger", v.origin + ", tree size " + std::to_string(v.tree_size));
  b += "</table>\n<h2>Checks</h2>\n<ul>\n";
  for (const records::BundleCheck& c : v.checks) {
    const char* mark = c.result == records::BundleCheck::Result::kPass   ? "&#10003;"
                       : c.result == records::BundleCheck::Result::kFail ? "&#10007;"
                                                                         : "&ndash;";
    b += "<li>" + std::string(mark) + " <b>" + HtmlEscape(c.name) +
         "</b>: " + HtmlEscape(c.detail) + "</li>\n";
  }
  b += "</ul>\n<h2>Verify it yourself</h2>\n<p>This page is the node's own answer. To check "
       "without trusting it, download the <a href=\"/v1/records/" +
       record_id +
       "/bundle\">proof bundle</a> and run, offline:</p>\n<pre><code>ledgerctl verify "
       "credledger-proof-" +
       record_id.substr(0, 16) + ".json --vkey '" + HtmlEscape(vkey) +
       "'</code></pre>\n<p>The verifier key must come from a source you trust (the ledger's "
       "published configuration), not from this page.</p>\n";
  return Page("Verification of record " + record_id.substr(0, 16), b);
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
  const bool wants_json = accept.find("application/json") != std::string_view::npos;
  auto verified = VerifyRecord(s, id);
  if (!verified.ok()) {
    // An error is an RFC 9457 problem, but for a browser (Accept: text/html), which shows the
    // person who scanned the QR code a page that says what it means.
    const bool browser = accept.find("text/html") != std::string_view::npos && !wants_json;
    if (verified.status().code() != StatusCode::kNotFound || !browser) {
      return call->Fail(ProblemFromStatus(verified.status()));
    }
    return call->Send(
        404, "text/html; charset=utf-8",
        Page("Record not found",
             "<h1 class=\"bad\">NOT FOUND</h1>\n<p>This ledger (" +
                 HtmlEscape(s.ledger.params().origin) + ") has no record <code>" + id +
                 "</code>. A certificate that points here was not issued on it.</p>\n"));
  }
  if (wants_json) return call->SendJson(200, verified->ToJson());
  call->Send(200, "text/html; charset=utf-8",
             VerdictPage(verified->verdict, id, s.ledger.VerifierKey()));
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
