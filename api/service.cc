#include "api/service.h"

#include <algorithm>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/verb.hpp>
#include <charconv>
#include <chrono>
#include <map>

#include "api/internal/call.h"
#include "api/problem.h"
#include "crypto/encoding.h"
#include "ledger/block.h"
#include "ledger/canonical_json.h"
#include "ledger/checkpoint.h"
#include "ledger/records/anchor.h"
#include "ledger/records/identifiers.h"
#include "ledger/records/schema.h"

namespace credledger::api {

Response MakeResponse(unsigned status, std::string_view content_type, std::string body,
                      std::string_view request_id, unsigned http_version, bool keep_alive) {
  Response response{static_cast<http::status>(status), http_version};
  response.set(http::field::content_type, content_type);
  response.set(http::field::cache_control, "no-store");
  response.set("X-Request-Id", request_id);
  response.keep_alive(keep_alive);
  response.body() = std::move(body);
  response.prepare_payload();
  // RFC 9110 8.6, 15.3.5: a 204 has no content, and no Content-Length saying so.
  if (status == 204) response.erase(http::field::content_length);
  return response;
}

Result<uint64_t> ParseUint(std::string_view name, std::string_view text) {
  uint64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size() ||
      (text.size() > 1 && text[0] == '0')) {
    return Status::InvalidArgument(std::string(name) +
                                   " must be a decimal integer in 0..2^64-1, got \"" +
                                   std::string(text.substr(0, 40)) + "\"");
  }
  return value;
}

bool IsJsonContentType(std::string_view value) {
  std::string_view type = value.substr(0, value.find(';'));
  while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
  if (type.size() != 16) return false;
  for (size_t i = 0; i < type.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(type[i])) != "application/json"[i]) return false;
  }
  return true;
}

namespace {

// The most records a document route names or reads (an upload's answer, a bank read's audit
// line): one agency may anchor a document in any number of records.
constexpr size_t kMaxDocumentRecords = 100;

std::string Hex(const merkle::Hash& h) { return crypto::HexEncode(h); }

// `hashes` as a JSON array of hex strings, appended to `out` (hex needs no escaping).
void AppendHashArray(const std::vector<merkle::Hash>& hashes, std::string* out) {
  out->push_back('[');
  for (size_t i = 0; i < hashes.size(); ++i) {
    if (i > 0) out->push_back(',');
    out->push_back('"');
    *out += Hex(hashes[i]);
    out->push_back('"');
  }
  out->push_back(']');
}

// Splits "/a/b/c" into {"a", "b", "c"}; an empty segment (a double or trailing slash) stays,
// so that it matches nothing.
std::vector<std::string_view> Segments(std::string_view path) {
  std::vector<std::string_view> out;
  if (path.empty() || path[0] != '/') return out;
  path.remove_prefix(1);
  while (true) {
    size_t slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decodes `in` ('+' is a space in a query). False on a malformed escape.
bool PercentDecode(std::string_view in, bool plus_is_space, std::string* out) {
  out->clear();
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '%') {
      if (i + 2 >= in.size()) return false;
      const int hi = HexDigit(in[i + 1]), lo = HexDigit(in[i + 2]);
      if (hi < 0 || lo < 0) return false;
      out->push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (in[i] == '+' && plus_is_space) {
      out->push_back(' ');
    } else {
      out->push_back(in[i]);
    }
  }
  return true;
}

// Matches `path` against a route's segments; on success fills `params` with the {captures}.
bool Match(const std::vector<std::string_view>& want, const std::vector<std::string_view>& path,
           std::vector<std::string>* params) {
  if (want.size() != path.size()) return false;
  std::vector<std::string> captured;
  for (size_t i = 0; i < want.size(); ++i) {
    if (!want[i].empty() && want[i].front() == '{') {
      std::string decoded;
      if (path[i].empty() || !PercentDecode(path[i], false, &decoded)) return false;
      captured.push_back(std::move(decoded));
    } else if (want[i] != path[i]) {
      return false;
    }
  }
  *params = std::move(captured);
  return true;
}

// The Allow header (RFC 9110 10.2.1) of a path served by `methods`: HEAD wherever GET is,
// OPTIONS everywhere.
std::string AllowHeader(const std::vector<http::verb>& methods) {
  std::string out;
  for (http::verb m : methods) {
    out += std::string(http::to_string(m)) + ", ";
    if (m == http::verb::get) out += "HEAD, ";
  }
  return out + "OPTIONS";
}

// Decoded query parameters and path captures are text: UTF-8 with no control characters
// (they reach JSON answers and the query audit log). The problem's detail, or null if all are.
const char* InvalidText(const std::map<std::string, std::string>& query,
                        const std::vector<std::string>& params) {
  auto text = [](std::string_view s) {
    if (!IsValidUtf8(s)) return false;
    for (char c : s) {
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return false;
    }
    return true;
  };
  for (const auto& [name, value] : query) {
    if (!text(name) || !text(value)) {
      return "a query parameter is not UTF-8 text (after percent-decoding: no invalid byte "
             "sequences, no control characters)";
    }
  }
  for (const std::string& p : params) {
    if (!text(p)) {
      return "a path segment is not UTF-8 text (after percent-decoding: no invalid byte "
             "sequences, no control characters)";
    }
  }
  return nullptr;
}

}  // namespace

struct Service::RouteEntry {
  http::verb method;
  const char* path;
  void (Service::*handler)(const std::shared_ptr<Call>&);
  std::vector<std::string_view> segments = {};  // of `path`, split once
};

const std::vector<Service::RouteEntry>& Service::RouteTable() {
  static const std::vector<RouteEntry> table = [] {
    std::vector<RouteEntry> routes = {
        {http::verb::get, "/healthz", &Service::Health},
        {http::verb::get, "/readyz", &Service::Ready},
        {http::verb::get, "/metrics", &Service::MetricsText},
        {http::verb::get, "/v1/node", &Service::NodeInfo},
        {http::verb::get, "/v1/checkpoint", &Service::GetCheckpoint},
        {http::verb::post, "/v1/entries", &Service::PostEntry},
        {http::verb::post, "/v1/entries/batch", &Service::PostBatch},
        {http::verb::get, "/v1/entries/{index}", &Service::GetEntry},
        {http::verb::get, "/v1/records/{id}", &Service::GetRecord},
        {http::verb::get, "/v1/records/{id}/history", &Service::GetRecordHistory},
        {http::verb::get, "/v1/subjects/{uscc}/records", &Service::GetSubjectRecords},
        {http::verb::get, "/v1/blocks/latest", &Service::GetLatestBlock},
        {http::verb::get, "/v1/blocks/{height}", &Service::GetBlock},
        {http::verb::get, "/v1/agencies", &Service::GetAgencies},
        {http::verb::get, "/v1/agencies/{id}", &Service::GetAgency},
        {http::verb::get, "/v1/proofs/inclusion", &Service::InclusionProof},
        {http::verb::get, "/v1/proofs/consistency", &Service::ConsistencyProof},
        {http::verb::put, "/v1/payloads/{hash}", &Service::PutPayload},
        {http::verb::get, "/v1/payloads/{hash}", &Service::GetPayload},
        {http::verb::delete_, "/v1/payloads/{hash}", &Service::DeletePayload},
        {http::verb::get, "/v1/records/{id}/bundle", &Service::GetRecordBundle},
        {http::verb::get, "/v1/entries/{index}/bundle", &Service::GetEntryBundle},
        {http::verb::post, "/v1/verify", &Service::PostVerify},
        {http::verb::get, "/v/{id}", &Service::VerifyPage},
        {http::verb::get, "/v1/subjects/{uscc}/profile", &Service::GetSubjectProfile},
    };
    for (RouteEntry& r : routes) r.segments = Segments(r.path);
    return routes;
  }();
  return table;
}

Service::Service(Ledger& ledger, std::shared_ptr<records::SharedRecordPolicy> policy,
                 ServiceOptions options)
    : ledger_(ledger),
      policy_(std::move(policy)),
      options_(std::move(options)),
      verifier_(*NoteVerifier::FromVerifierKey(ledger.VerifierKey())) {
  // Bank reads logged before a crash, or while anchoring failed, are anchored now.
  anchored_size_ =
      policy_->Read([](const records::RecordPolicy& p) { return p.anchored_audit_size(); });
  if (options_.query_audit && options_.query_audit->head().size > anchored_size_) Anchor();
  metrics_.AddGauge("credledger_tree_size", "Entries in the log (committed tree size).",
                    [this] { return static_cast<double>(ledger_.Head().tree_size); });
  metrics_.AddGauge("credledger_block_height", "Height of the last committed block.",
                    [this] { return static_cast<double>(ledger_.Head().block_height); });
  metrics_.AddGauge("credledger_pending_entries",
                    "Entries submitted and waiting for the sequencer to take them into a block.",
                    [this] { return static_cast<double>(ledger_.PendingEntries()); });
  metrics_.AddGauge("credledger_store_writable",
                    "1 while the store takes writes; 0 while a failed block write is unsettled "
                    "and writes are refused (a full or failing disk).",
                    [this] { return ledger_.WriteRefusal().ok() ? 1.0 : 0.0; });
  ledger_.SetCommitObserver([this](const BlockCommit& c) {
    metrics_.ObserveBlockCommit(c.write_seconds, c.wait_seconds, c.entries);
  });
}

Service::~Service() = default;

std::vector<RouteInfo> Service::Routes() {
  std::vector<RouteInfo> out;
  for (const RouteEntry& r : RouteTable()) {
    out.push_back({std::string(http::to_string(r.method)), r.path});
  }
  return out;
}

void Service::Handle(Request request, const std::string& request_id, Respond respond) {
  auto call = std::make_shared<Call>(std::move(request), request_id, std::move(respond));
  call->service = this;
  Dispatch(call);
}

void Service::Dispatch(const std::shared_ptr<Call>& call) {
  std::string_view target = call->request.target();
  const size_t question = target.find('?');
  std::string_view path = target.substr(0, question);
  if (question != std::string_view::npos) {
    std::string_view query = target.substr(question + 1);
    while (!query.empty()) {
      std::string_view pair = query.substr(0, query.find('&'));
      query.remove_prefix(std::min(query.size(), pair.size() + 1));
      if (pair.empty()) continue;
      std::string name, value;
      const size_t eq = pair.find('=');
      if (!PercentDecode(pair.substr(0, eq), true, &name) ||
          (eq != std::string_view::npos && !PercentDecode(pair.substr(eq + 1), true, &value))) {
        return call->Fail(BadRequest("bad_parameter", "malformed percent-encoding in the query"));
      }
      if (!call->query.emplace(std::move(name), std::move(value)).second) {
        return call->Fail(BadRequest("bad_parameter", "a query parameter is given twice"));
      }
    }
  }
  const std::vector<std::string_view> segments = Segments(path);
  // HEAD is GET without the body (the server drops it, RFC 9110 9.3.2).
  const http::verb method =
      call->request.method() == http::verb::head ? http::verb::get : call->request.method();
  // A literal segment beats a {capture}: /v1/blocks/latest is not /v1/blocks/{height}. So
  // of the routes the path matches, only those with the fewest captures count.
  size_t fewest_captures = SIZE_MAX;
  for (const RouteEntry& r : RouteTable()) {
    std::vector<std::string> params;
    if (Match(r.segments, segments, &params)) {
      fewest_captures = std::min(fewest_captures, params.size());
    }
  }
  std::vector<http::verb> allowed;  // the methods of the routes this path matches
  for (const RouteEntry& r : RouteTable()) {
    std::vector<std::string> params;
    if (!Match(r.segments, segments, &params) || params.size() != fewest_captures) continue;
    allowed.push_back(r.method);
    if (r.method != method) continue;
    if (const char* bad = InvalidText(call->query, params)) {
      return call->Fail(BadRequest("bad_parameter", bad));
    }
    call->route = r.path;
    call->params = std::move(params);
    try {
      (this->*r.handler)(call);
    } catch (const std::exception& e) {
      // Handlers return errors as values; a throw is a bug. Answer, log, keep serving.
      call->Fail({500, "internal", std::string("unexpected error: ") + e.what()});
    }
    return;
  }
  if (path == "*" && call->request.method() == http::verb::options) {
    call->headers.emplace_back(http::field::allow, "GET, HEAD, POST, PUT, DELETE, OPTIONS");
    return call->Send(204, "text/plain; charset=utf-8", "");
  }
  if (!allowed.empty()) {
    call->headers.emplace_back(http::field::allow, AllowHeader(allowed));
    if (call->request.method() == http::verb::options) {
      return call->Send(204, "text/plain; charset=utf-8", "");
    }
    return call->Fail({405, "method_not_allowed",
                       std::string(call->request.method_string().substr(0, 40)) +
                           " is not allowed on " + std::string(path.substr(0, 200)) +
                           "; allowed: " + AllowHeader(allowed)});
  }
  call->Fail(NotFound("no route " + std::string(path.substr(0, 200))));
}

// ---- Health, metrics, node ----

void Service::Health(const std::shared_ptr<Call>& call) { call->SendText(200, "ok\n"); }

void Service::Ready(const std::shared_ptr<Call>& call) {
  if (draining_) return call->Fail({503, "unavailable", "the node is shutting down"});
  if (Status refused = ledger_.WriteRefusal(); !refused.ok()) {
    return call->Fail(ProblemFromStatus(refused));
  }
  call->SendJson(200, {{"ready", true}, {"tree_size", ledger_.Head().tree_size}});
}

void Service::MetricsText(const std::shared_ptr<Call>& call) {
  call->Send(200, "text/plain; version=0.0.4; charset=utf-8", metrics_.Exposition());
}

void Service::NodeInfo(const std::shared_ptr<Call>& call) {
  const TreeHead head = ledger_.Head();
  const LedgerParams& params = ledger_.params();
  call->SendJson(200, {{"origin", params.origin},
                       {"verifier_key", ledger_.VerifierKey()},
                       {"node_key_id", params.node_key.KeyId()},
                       {"tree_hash", std::string(crypto::HashAlgorithmName(params.tree_hash))},
                       {"checkpoint_signature", "ed25519"},
                       {"agency_signature_algorithms", {"p256", "ed25519", "sm2"}},
                       {"version", options_.version},
                       {"tree_size", head.tree_size},
                       {"block_height", head.block_height}});
}

Result<std::shared_ptr<const Service::SignedHead>> Service::Checkpoint() {
  MutexLock lock(checkpoint_.mu);
  const uint64_t size = ledger_.Head().tree_size;
  if (!checkpoint_.head || checkpoint_.head->tree_size != size) {
    CREDLEDGER_ASSIGN_OR_RETURN(std::string note, ledger_.SignedCheckpoint());
    // Signed from the head as it is now, which may have moved on from `size`.
    CREDLEDGER_ASSIGN_OR_RETURN(credledger::Checkpoint parsed,
                                ParseCheckpointBody(note.substr(0, note.find("\n\n") + 1)));
    auto head = std::make_shared<SignedHead>();
    head->tree_size = parsed.tree_size;
    head->note_json = JsonText(Json(note));
    head->note = std::move(note);
    checkpoint_.head = std::move(head);
  }
  return checkpoint_.head;
}

void Service::GetCheckpoint(const std::shared_ptr<Call>& call) {
  auto checkpoint = Checkpoint();
  if (!checkpoint.ok()) return call->Fail(ProblemFromStatus(checkpoint.status()));
  call->Send(200, "text/plain; charset=utf-8", (*checkpoint)->note);
}

// ---- Writes ----

Result<std::string> Service::Receipt(const AppendReceipt& receipt) {
  CREDLEDGER_ASSIGN_OR_RETURN(auto checkpoint, Checkpoint());
  CREDLEDGER_ASSIGN_OR_RETURN(auto proof,
                              ledger_.log().InclusionProof(receipt.index, checkpoint->tree_size));
  // Written directly, not through a DOM: this runs on the serial sequencer thread for every
  // entry. The same RFC 8785 text JsonText would write (members in order; only the
  // checkpoint needs escaping).
  const std::string leaf = Hex(receipt.leaf_hash);
  std::string out;
  out.reserve(400 + 67 * proof.size() + checkpoint->note_json.size());
  out += receipt.already_present ? "{\"already_present\":true" : "{\"already_present\":false";
  out += ",\"block_height\":" + std::to_string(receipt.block_height);
  out += ",\"checkpoint\":" + checkpoint->note_json;
  out += ",\"inclusion_proof\":";
  AppendHashArray(proof, &out);
  out += ",\"index\":" + std::to_string(receipt.index);
  out += ",\"leaf_hash\":\"" + leaf + "\",\"record_id\":\"" + leaf;
  out += "\",\"tree_size\":" + std::to_string(checkpoint->tree_size) + "}";
  return out;
}

namespace {

// A submitted entry, parsed, and in the form the log stores: its RFC 8785 bytes, which are
// `body` itself when the client sent them (the usual case: no copy).
struct SubmittedEntry {
  Json doc;
  std::string canonical;
};

// One batch item's failure, in the batch answer's results.
Json ItemProblem(const Problem& p) {
  return {{"status", p.status}, {"code", p.code}, {"detail", p.detail}};
}

Result<SubmittedEntry> ParseSubmittedEntry(std::string body) {
  bool canonical = false;
  auto parsed = ParseJson(body, &canonical);
  if (!parsed.ok()) return parsed.status();
  if (canonical) return SubmittedEntry{std::move(*parsed), std::move(body)};
  auto text = CanonicalJson(*parsed);
  if (!text.ok()) return text.status();
  return SubmittedEntry{std::move(*parsed), std::move(*text)};
}

}  // namespace

bool Service::AcceptWrite(const std::shared_ptr<Call>& call) {
  if (!IsJsonContentType(call->request[http::field::content_type])) {
    call->Fail({415, "unsupported_media_type", "send entries as application/json"});
    return false;
  }
  if (draining_) {
    call->Fail({503, "unavailable", "the node is shutting down"});
    return false;
  }
  return true;
}

void Service::PostEntry(const std::shared_ptr<Call>& call) {
  if (!AcceptWrite(call)) return;
  auto entry = ParseSubmittedEntry(std::move(call->request.body()));
  if (!entry.ok()) return call->Fail(BadRequest("malformed_json", entry.status().message()));
  auto submission = ledger_.NewSubmission(std::move(entry->canonical));
  if (!submission.ok()) return call->Fail(ProblemFromStatus(submission.status()));
  // The signature is checked here, on this request's thread, not in the serial sequencer, and
  // what it found travels with the entry to admission.
  Status checked = policy_->Precheck(std::move(entry->doc), *submission);
  if (!checked.ok()) return call->Fail(ProblemFromStatus(checked));
  ledger_.SubmitAsync(std::move(*submission), [this, call](Result<AppendReceipt> result) {
    // This runs on the ledger's sequencer thread, which keeps the ledger alive for it even
    // during shutdown. It is kept light: an inclusion proof from cached tiles (bench: ~3 us)
    // and one checkpoint signature per tree size, not per entry.
    if (!result.ok()) return call->Fail(ProblemFromStatus(result.status()));
    if (!result->already_present) metrics_.AddEntriesAppended(1);
    auto receipt = Receipt(*result);
    if (!receipt.ok()) return call->Fail(ProblemFromStatus(receipt.status()));
    call->Send(result->already_present ? 200 : 201, "application/json", std::move(*receipt));
  });
}

void Service::PostBatch(const std::shared_ptr<Call>& call) {
  if (!AcceptWrite(call)) return;
  auto parsed = ParseJson(call->request.body());
  if (!parsed.ok()) return call->Fail(BadRequest("malformed_json", parsed.status().message()));
  if (!parsed->is_object() || parsed->size() != 1 || !parsed->contains("entries") ||
      !(*parsed)["entries"].is_array()) {
    return call->Fail(
        BadRequest("malformed_batch", "the body must be {\"entries\": [entry, ...]}"));
  }
  Json& items = (*parsed)["entries"];
  if (items.empty() || items.size() > options_.max_batch_entries) {
    return call->Fail({413, "batch_too_large",
                       "a batch holds 1 to " + std::to_string(options_.max_batch_entries) +
                           " entries, got " + std::to_string(items.size())});
  }
  // Each entry stands alone: one that fails (even to serialize) fails only its own slot.
  std::vector<Result<Submission>> entries;
  std::vector<size_t> slots;  // entries[k] answers item slots[k]
  auto results = std::make_shared<std::vector<Json>>(items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    auto canonical = CanonicalJson(items[i]);
    if (!canonical.ok()) {
      (*results)[i] = ItemProblem(BadRequest("malformed_json", canonical.status().message()));
      continue;
    }
    auto submission = ledger_.NewSubmission(std::move(*canonical));
    Status checked =
        submission.ok() ? policy_->Precheck(std::move(items[i]), *submission) : submission.status();
    if (!checked.ok()) {
      (*results)[i] = ItemProblem(ProblemFromStatus(checked));
      continue;
    }
    entries.push_back(std::move(submission));
    slots.push_back(i);
  }
  ledger_.SubmitBatchAsync(
      std::move(entries), [this, call, results, slots](std::vector<Result<AppendReceipt>> out) {
        auto checkpoint = Checkpoint();
        if (!checkpoint.ok()) return call->Fail(ProblemFromStatus(checkpoint.status()));
        uint64_t appended = 0;
        for (size_t k = 0; k < out.size(); ++k) {
          Json& slot = (*results)[slots[k]];
          if (!out[k].ok()) {
            slot = ItemProblem(ProblemFromStatus(out[k].status()));
            continue;
          }
          const AppendReceipt& r = *out[k];
          appended += r.already_present ? 0 : 1;
          auto proof = ledger_.log().InclusionProof(r.index, (*checkpoint)->tree_size);
          if (!proof.ok()) return call->Fail(ProblemFromStatus(proof.status()));
          slot = {{"status", r.already_present ? 200 : 201},
                  {"index", r.index},
                  {"record_id", Hex(r.leaf_hash)},
                  {"leaf_hash", Hex(r.leaf_hash)},
                  {"block_height", r.block_height},
                  {"already_present", r.already_present},
                  {"inclusion_proof", Json(merkle::HashesToHex(*proof))}};
        }
        metrics_.AddEntriesAppended(appended);
        call->SendJson(200, {{"tree_size", (*checkpoint)->tree_size},
                             {"checkpoint", (*checkpoint)->note},
                             {"results", std::move(*results)}});
      });
}

// ---- Reads ----

void Service::GetEntry(const std::shared_ptr<Call>& call) {
  auto index = ParseUint("index", call->params[0]);
  if (!index.ok()) return call->Fail(BadRequest("bad_parameter", index.status().message()));
  auto entry = ledger_.log().GetEntry(*index);
  if (!entry.ok()) return call->Fail(ProblemFromStatus(entry.status()));
  auto block = ledger_.log().BlockOfEntry(*index);
  if (!block.ok()) return call->Fail(ProblemFromStatus(block.status()));
  auto leaf = ledger_.log().LeafHashAt(*index);  // from the cached tiles, not hashed again
  if (!leaf.ok()) return call->Fail(ProblemFromStatus(leaf.status()));
  auto parsed = ParseJson(*entry);
  Json body = {{"index", *index}, {"leaf_hash", Hex(*leaf)}, {"block_height", block->height}};
  // Entries are canonical JSON: served as the object whose RFC 8785 form is the leaf.
  if (parsed.ok()) {
    body["entry"] = std::move(*parsed);
  } else {
    body["entry_base64"] = crypto::Base64Encode(
        std::span(reinterpret_cast<const uint8_t*>(entry->data()), entry->size()));
  }
  call->SendJson(200, body);
}

namespace {

Json RecordJson(const std::string& id, const records::RecordInfo& info, uint64_t tree_size) {
  const records::RecordStatus status = records::StatusAt(info, tree_size);
  Json out = {{"record_id", id},
              {"index", info.index},
              {"type", std::string(records::RecordTypeName(info.type))},
              {"agency", info.agency},
              {"status", records::StatusName(status)},
              {"as_of_tree_size", tree_size}};
  if (info.type == records::RecordType::kPenalty) out["repaired"] = status.repaired;
  return out;
}

}  // namespace

std::optional<records::RecordInfo> Service::CommittedRecord(const std::shared_ptr<Call>& call,
                                                            uint64_t tree_size) {
  const std::string& id = call->params[0];
  if (!records::IsHashHex(id)) {
    call->Fail(BadRequest("bad_parameter", "a record id is 64 lowercase hex digits"));
    return std::nullopt;
  }
  auto info = policy_->Read([&](const records::RecordPolicy& p) {
    auto it = p.records().find(id);
    return it == p.records().end() || it->second.index >= tree_size
               ? std::optional<records::RecordInfo>()
               : std::optional<records::RecordInfo>(it->second);
  });
  if (!info) call->Fail(NotFound("no record " + id));
  return info;
}

void Service::GetRecord(const std::shared_ptr<Call>& call) {
  const uint64_t size = ledger_.Head().tree_size;
  auto info = CommittedRecord(call, size);
  if (!info) return;
  auto entry = ledger_.log().GetEntry(info->index);
  if (!entry.ok()) return call->Fail(ProblemFromStatus(entry.status()));
  auto parsed = ParseJson(*entry);  // admitted records are canonical JSON; a failure is DataLoss
  if (!parsed.ok())
    return call->Fail(ProblemFromStatus(Status::DataLoss(parsed.status().message())));
  Json body = RecordJson(call->params[0], *info, size);
  body["entry"] = std::move(*parsed);
  call->SendJson(200, body);
}

void Service::GetRecordHistory(const std::shared_ptr<Call>& call) {
  const uint64_t size = ledger_.Head().tree_size;
  auto info = CommittedRecord(call, size);
  if (!info) return;
  const std::string& id = call->params[0];
  Json history = Json::array();
  history.push_back({{"index", info->index}, {"record_id", id}, {"status_after", "valid"}});
  for (const records::RecordInfo::Change& c : info->changes) {
    if (c.index >= size) break;
    Json item = {{"index", c.index},
                 {"record_id", c.record_id},
                 {"status_after", records::StatusName({c.status, c.repaired})}};
    if (info->type == records::RecordType::kPenalty) item["repaired_after"] = c.repaired;
    history.push_back(std::move(item));
  }
  Json body = RecordJson(id, *info, size);
  body["history"] = std::move(history);
  call->SendJson(200, body);
}

std::optional<std::string> Service::SubjectParam(const std::shared_ptr<Call>& call) {
  const std::string& subject = call->params[0];
  // Any 18-character code of the GB 32100 alphabet: historical pilot codes that fail the
  // check character are admitted where flagged, so they must be readable too.
  if (!records::ValidateUsccShape(subject).ok() && !records::IsHashHex(subject)) {
    call->Fail(BadRequest("bad_parameter",
                          "the subject is a unified social credit code (GB 32100: 18 characters "
                          "of its alphabet) or a 64-hex person commitment"));
    return std::nullopt;
  }
  return subject;
}

void Service::GetSubjectRecords(const std::shared_ptr<Call>& call) {
  const std::optional<std::string> subject_param = SubjectParam(call);
  if (!subject_param) return;
  const std::string& subject = *subject_param;
  uint64_t cursor = 0, limit = 50;
  if (auto it = call->query.find("cursor"); it != call->query.end()) {
    auto v = ParseUint("cursor", it->second);
    if (!v.ok()) return call->Fail(BadRequest("bad_parameter", v.status().message()));
    cursor = *v;
  }
  if (auto it = call->query.find("limit"); it != call->query.end()) {
    auto v = ParseUint("limit", it->second);
    if (!v.ok() || *v == 0 || *v > options_.max_page) {
      return call->Fail(
          BadRequest("bad_parameter", "limit must be 1.." + std::to_string(options_.max_page)));
    }
    limit = *v;
  }
  std::optional<records::RecordType> type;
  if (auto it = call->query.find("type"); it != call->query.end()) {
    auto t = records::ParseRecordType(it->second);
    if (!t.ok()) return call->Fail(BadRequest("bad_parameter", t.status().message()));
    type = *t;
  }
  const uint64_t size = ledger_.Head().tree_size;
  // One more than the page, to know whether there is a next one.
  auto page = policy_->Read([&](const records::RecordPolicy& p) {
    std::vector<Json> out;
    for (const auto& [index, id] : p.SubjectRecords(subject, cursor, limit + 1, type)) {
      if (index >= size) break;
      out.push_back(RecordJson(id, p.records().at(id), size));
    }
    return out;
  });
  Json body = {{"subject", subject}, {"as_of_tree_size", size}};
  const bool more = page.size() > limit;
  if (more) page.resize(limit);
  body["next_cursor"] = more ? Json(page.back()["index"]) : Json(nullptr);
  body["records"] = std::move(page);
  call->SendJson(200, body);
}

void Service::GetBlock(const std::shared_ptr<Call>& call) {
  auto height = ParseUint("height", call->params[0]);
  if (!height.ok()) return call->Fail(BadRequest("bad_parameter", height.status().message()));
  auto block = ledger_.log().GetBlock(*height);
  if (!block.ok()) return call->Fail(ProblemFromStatus(block.status()));
  call->Send(200, "application/json", block->ToJson());
}

void Service::GetLatestBlock(const std::shared_ptr<Call>& call) {
  auto block = ledger_.log().GetBlock(ledger_.Head().block_height);
  if (!block.ok()) return call->Fail(ProblemFromStatus(block.status()));
  call->Send(200, "application/json", block->ToJson());
}

void Service::GetAgencies(const std::shared_ptr<Call>& call) {
  const uint64_t size = ledger_.Head().tree_size;
  Json registry =
      policy_->Read([&](const records::RecordPolicy& p) { return p.registry().ToJson(size); });
  call->SendJson(200, registry);
}

void Service::GetAgency(const std::shared_ptr<Call>& call) {
  const uint64_t size = ledger_.Head().tree_size;
  Json registry =
      policy_->Read([&](const records::RecordPolicy& p) { return p.registry().ToJson(size); });
  for (Json& agency : registry["agencies"]) {
    if (agency["id"] == call->params[0]) {
      agency["at_index"] = size;
      return call->SendJson(200, agency);
    }
  }
  call->Fail(NotFound("no agency \"" + call->params[0].substr(0, 64) + "\""));
}

// ---- Proofs ----

void Service::InclusionProof(const std::shared_ptr<Call>& call) {
  const auto& q = call->query;
  const bool by_index = q.count("index") > 0, by_hash = q.count("leaf_hash") > 0;
  if (by_index == by_hash) {
    return call->Fail(BadRequest("bad_parameter", "give exactly one of index= or leaf_hash="));
  }
  uint64_t index = 0;
  merkle::Hash leaf{};
  if (by_index) {
    auto v = ParseUint("index", q.at("index"));
    if (!v.ok()) return call->Fail(BadRequest("bad_parameter", v.status().message()));
    index = *v;
  } else {
    auto hash = merkle::HashFromHex(q.at("leaf_hash"));
    if (!hash.ok()) {
      return call->Fail(BadRequest("bad_parameter", "leaf_hash must be 64 lowercase hex digits"));
    }
    leaf = *hash;
    auto found = ledger_.log().FindLeaf(leaf);
    if (!found.ok()) return call->Fail(ProblemFromStatus(found.status()));
    index = *found;
  }
  // Against the latest checkpoint unless a tree size is given.
  std::shared_ptr<const SignedHead> checkpoint;  // with no tree_size: the latest, sent along
  uint64_t size = 0;
  if (auto it = q.find("tree_size"); it != q.end()) {
    auto v = ParseUint("tree_size", it->second);
    if (!v.ok()) return call->Fail(BadRequest("bad_parameter", v.status().message()));
    size = *v;
    if (size > ledger_.Head().tree_size) {
      return call->Fail(BadRequest("bad_parameter",
                                   "tree_size " + std::to_string(size) + " is beyond the tree (" +
                                       std::to_string(ledger_.Head().tree_size) + ")"));
    }
  } else {
    auto latest = Checkpoint();
    if (!latest.ok()) return call->Fail(ProblemFromStatus(latest.status()));
    checkpoint = std::move(*latest);
    size = checkpoint->tree_size;
  }
  if (index >= size) {
    return call->Fail(BadRequest(
        "bad_parameter",
        "index " + std::to_string(index) + " is not below tree_size " + std::to_string(size)));
  }
  if (by_index) {
    auto found = ledger_.log().LeafHashAt(index);  // from the cached tiles, not the entry
    if (!found.ok()) return call->Fail(ProblemFromStatus(found.status()));
    leaf = *found;
  }
  auto proof = ledger_.log().InclusionProof(index, size);
  if (!proof.ok()) return call->Fail(ProblemFromStatus(proof.status()));
  auto root = ledger_.log().RootAt(size);
  if (!root.ok()) return call->Fail(ProblemFromStatus(root.status()));
  // The busiest read: written directly in RFC 8785 form (as JsonText would) instead of
  // through a DOM.
  std::string out;
  out.reserve(320 + 67 * proof->size() + (checkpoint ? checkpoint->note_json.size() : 0));
  out.push_back('{');
  if (checkpoint) out += "\"checkpoint\":" + checkpoint->note_json + ",";
  out += "\"inclusion_proof\":";
  AppendHashArray(*proof, &out);
  out += ",\"index\":" + std::to_string(index) + ",\"leaf_hash\":\"" + Hex(leaf) +
         "\",\"root\":\"" + Hex(*root) + "\",\"tree_size\":" + std::to_string(size) + "}";
  call->Send(200, "application/json", std::move(out));
}

void Service::ConsistencyProof(const std::shared_ptr<Call>& call) {
  const auto& q = call->query;
  if (!q.count("from") || !q.count("to")) {
    return call->Fail(BadRequest("bad_parameter", "give from= and to= (tree sizes)"));
  }
  auto from = ParseUint("from", q.at("from"));
  auto to = ParseUint("to", q.at("to"));
  if (!from.ok()) return call->Fail(BadRequest("bad_parameter", from.status().message()));
  if (!to.ok()) return call->Fail(BadRequest("bad_parameter", to.status().message()));
  const uint64_t size = ledger_.Head().tree_size;
  if (*from > *to || *to > size) {
    return call->Fail(
        BadRequest("bad_parameter", "need from <= to <= tree size (" + std::to_string(size) + ")"));
  }
  auto proof = ledger_.log().ConsistencyProof(*from, *to);
  if (!proof.ok()) return call->Fail(ProblemFromStatus(proof.status()));
  auto old_root = ledger_.log().RootAt(*from);
  auto new_root = ledger_.log().RootAt(*to);
  if (!old_root.ok() || !new_root.ok()) {
    return call->Fail(ProblemFromStatus(!old_root.ok() ? old_root.status() : new_root.status()));
  }
  call->SendJson(200, {{"old_size", *from},
                       {"new_size", *to},
                       {"old_root", Hex(*old_root)},
                       {"new_root", Hex(*new_root)},
                       {"consistency_proof", Json(merkle::HashesToHex(*proof))}});
}

// ---- Documents (payloads) and bank reads ----

namespace {

// 410 for a document erased on a lawful request: when, by whom and on what basis.
Problem Gone(const std::string& hash, const records::Erasure& e) {
  return {410, "gone",
          "document " + hash + " was erased on " + e.erased_at + " by " + e.erased_by + " (" +
              e.legal_basis + ")"};
}

}  // namespace

std::optional<std::string> Service::PayloadHash(const std::shared_ptr<Call>& call) {
  if (options_.payloads == nullptr) {
    call->Fail({503, "unavailable", "this node keeps no documents"});
    return std::nullopt;
  }
  if (!records::IsHashHex(call->params[0])) {
    call->Fail(BadRequest("bad_parameter", "a document hash is 64 lowercase hex digits"));
    return std::nullopt;
  }
  return call->params[0];
}

void Service::PutPayload(const std::shared_ptr<Call>& call) {
  auto hash = PayloadHash(call);
  if (!hash) return;
  if (draining_) return call->Fail({503, "unavailable", "the node is shutting down"});
  // The upload needs no credential: only the document whose hash an agency has signed into
  // a committed record is taken, so nobody can place other bytes under that hash.
  const std::string& body = call->request.body();
  const std::string actual = options_.payloads->Address(body);
  if (actual != *hash) {
    return call->Fail({422, "payload_mismatch",
                       "the body's " +
                           std::string(crypto::HashAlgorithmName(options_.payloads->algorithm())) +
                           " is " + actual + ", not " + *hash});
  }
  const uint64_t size = ledger_.Head().tree_size;
  Json records = policy_->Read([&](const records::RecordPolicy& p) {
    return Json(p.RecordsByDocument(*hash, size, kMaxDocumentRecords));
  });
  if (records.empty()) {
    return call->Fail({409, "conflict",
                       "no committed record carries document " + *hash +
                           "; submit the record first, then its document"});
  }
  auto existing = options_.payloads->Get(*hash);
  if (existing.ok() && existing->erasure) {
    return call->Fail(Gone(*hash, *existing->erasure));
  }
  const bool already = existing.ok();
  if (!already) {
    auto put = options_.payloads->Put(body);
    if (!put.ok()) return call->Fail(ProblemFromStatus(put.status()));
  }
  call->SendJson(already ? 200 : 201,
                 {{"hash", *hash}, {"bytes", body.size()}, {"records", std::move(records)}});
}

std::optional<std::pair<records::Bank, std::string>> Service::BankCall(
    const std::shared_ptr<Call>& call) {
  if (options_.query_audit == nullptr) {
    call->Fail(
        {503, "unavailable", "this node has no query audit log, so it serves no bank reads"});
    return std::nullopt;
  }
  auto bank = options_.banks.Authenticate(call->request[http::field::authorization]);
  if (!bank.ok()) {
    call->headers.emplace_back(http::field::www_authenticate, "Bearer realm=\"credledger\"");
    call->Fail(ProblemFromStatus(bank.status()));
    return std::nullopt;
  }
  auto purpose = call->query.find("purpose");
  // Characters, not bytes (Dispatch has checked the value is UTF-8): a code point is every
  // byte but the continuation bytes 10xxxxxx.
  const size_t characters =
      purpose == call->query.end()
          ? 0
          : static_cast<size_t>(std::count_if(purpose->second.begin(), purpose->second.end(),
                                              [](char c) { return (c & 0xC0) != 0x80; }));
  if (characters == 0 || characters > 200) {
    call->Fail(BadRequest("bad_parameter",
                          "state the purpose of the read: ?purpose= (1 to 200 characters), "
                          "kept in the query audit log"));
    return std::nullopt;
  }
  return std::make_pair(std::move(*bank), purpose->second);
}

bool Service::Audit(const std::shared_ptr<Call>& call, const records::Bank& bank,
                    const std::string& purpose, const std::string& subject, unsigned status) {
  auto appended = options_.query_audit->Append(
      {bank.id, subject, purpose, std::string(call->request.target()), status});
  if (!appended.ok()) {
    call->Fail({503, "unavailable",
                "the query audit log cannot be written, so the read is "
                "refused: " +
                    appended.status().message()});
    return false;
  }
  Anchor();
  return true;
}

void Service::Anchor() {
  if (!options_.node_key || options_.query_audit == nullptr) return;
  std::string entry;
  uint64_t size = 0;  // the audit lines this anchor covers
  {
    MutexLock lock(anchor_mu_);
    const records::AuditHead head = options_.query_audit->head();
    if (anchor_in_flight_ || head.size <= anchored_size_) return;
    auto made =
        records::MakeQueryAuditAnchor(head.size, head.hash, NowTimestamp(), *options_.node_key);
    if (!made.ok()) return;  // the next read tries again
    anchor_in_flight_ = true;
    entry = std::move(*made);
    size = head.size;
  }
  // The completion runs on the sequencer thread; submitting from there only queues.
  ledger_.SubmitAsync(std::move(entry), [this, size](Result<AppendReceipt> result) {
    {
      MutexLock lock(anchor_mu_);
      anchor_in_flight_ = false;
      if (!result.ok()) return;  // not retried here (shutting down, store full): next read
      anchored_size_ = std::max(anchored_size_, size);
    }
    Anchor();
  });
}

void Service::GetPayload(const std::shared_ptr<Call>& call) {
  auto hash = PayloadHash(call);
  if (!hash) return;
  auto bank = BankCall(call);
  if (!bank) return;
  // The audit line names the subjects of the records that carry the document.
  std::string subjects;
  const std::vector<uint64_t> indexes = policy_->Read([&](const records::RecordPolicy& p) {
    std::vector<uint64_t> out;
    for (const std::string& id :
         p.RecordsByDocument(*hash, ledger_.Head().tree_size, kMaxDocumentRecords)) {
      out.push_back(p.records().at(id).index);
    }
    return out;
  });
  for (uint64_t index : indexes) {
    auto entry = ledger_.log().GetEntry(index);
    if (!entry.ok()) continue;  // not committed yet
    auto doc = ParseJson(*entry);
    if (!doc.ok()) continue;
    const Json& subject = (*doc)["subject"];
    const std::string id = subject.value("uscc", subject.value("commitment", ""));
    if (!id.empty() && subjects.find(id) == std::string::npos) {
      subjects += (subjects.empty() ? "" : ",") + id;
    }
  }
  auto payload = options_.payloads->Get(*hash);
  const unsigned status =
      payload.ok() ? (payload->erasure ? 410 : 200) : ProblemFromStatus(payload.status()).status;
  if (!Audit(call, bank->first, bank->second, subjects.empty() ? "document:" + *hash : subjects,
             status)) {
    return;
  }
  if (!payload.ok()) return call->Fail(ProblemFromStatus(payload.status()));
  if (payload->erasure) {
    return call->Fail(Gone(*hash, *payload->erasure));
  }
  call->headers.emplace_back(http::field::content_disposition,
                             "attachment; filename=\"" + *hash + "\"");
  call->Send(200, "application/octet-stream", std::move(*payload->bytes));
}

void Service::DeletePayload(const std::shared_ptr<Call>& call) {
  auto hash = PayloadHash(call);
  if (!hash) return;
  if (!AcceptWrite(call)) return;
  // A lawful erasure request, signed by the issuing agency's key or by an admin key
  // (records::ErasureRequest).
  auto doc = ParseJson(call->request.body());
  if (!doc.ok()) return call->Fail(BadRequest("malformed_json", doc.status().message()));
  auto request = records::ParseErasureRequest(*doc);
  if (!request.ok()) return call->Fail(ProblemFromStatus(request.status()));
  if (request->hash != *hash) {
    return call->Fail({422, "invalid_entry",
                       "/hash: the request is for " + request->hash + ", not the path's " + *hash});
  }
  // A request is good for a short while only, so a captured one cannot be replayed later
  // (against a document re-uploaded after a mistaken erasure, say).
  const auto now = std::chrono::system_clock::now();
  const auto skew = options_.erasure_clock_skew;
  if (request->requested_at < FormatTimestamp(now - skew) ||
      request->requested_at > FormatTimestamp(now + skew)) {
    return call->Fail({422, "invalid_entry",
                       "/requested_at: must be within " + std::to_string(skew.count()) +
                           " s of the node's clock (" + FormatTimestamp(now) + ")"});
  }
  const std::string& agency = request->agency;
  const uint64_t size = ledger_.Head().tree_size;
  std::optional<crypto::PublicKey> key;
  Status allowed = policy_->Read([&](const records::RecordPolicy& p) -> Status {
    if (agency.empty()) {
      const crypto::PublicKey* admin = p.registry().FindAdminKey(request->key_id);
      if (admin == nullptr) return Status::Unauthenticated("/key_id: not an admin key");
      key = *admin;
      return Status::Ok();
    }
    CREDLEDGER_ASSIGN_OR_RETURN(const crypto::PublicKey* current,
                                p.registry().KeyAt(agency, request->key_id, size));
    key = *current;
    return Status::Ok();
  });
  if (!allowed.ok()) return call->Fail(ProblemFromStatus(allowed));
  // Who is asking first (401), then whether they may (403, 404).
  Status signed_ok = records::VerifyObjectSignature(*doc, *key);
  if (!signed_ok.ok()) return call->Fail(ProblemFromStatus(signed_ok));
  if (!agency.empty()) {
    Status may =
        policy_->Read([&](const records::RecordPolicy& p) { return p.MayErase(*hash, agency); });
    if (!may.ok()) return call->Fail(ProblemFromStatus(may));
  }
  auto current = options_.payloads->Get(*hash);
  if (current.ok() && current->erasure) {
    return call->Fail(Gone(*hash, *current->erasure));
  }
  const records::Erasure erasure{FormatTimestamp(now),
                                 agency.empty() ? "admin:" + request->key_id : agency,
                                 request->legal_basis};
  Status erased = options_.payloads->Erase(*hash, erasure);
  if (!erased.ok()) return call->Fail(ProblemFromStatus(erased));
  call->SendJson(200, {{"hash", *hash},
                       {"erased_at", erasure.erased_at},
                       {"erased_by", erasure.erased_by},
                       {"legal_basis", erasure.legal_basis}});
}

}  // namespace credledger::api
