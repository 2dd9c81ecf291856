// The log's entries and blocks: submitting one entry or a batch (answered once durable, with
// a receipt: checkpoint and inclusion proof), and reading an entry or a block back.
#include "api/internal/call.h"
#include "api/internal/route.h"
#include "crypto/encoding.h"
#include "ledger/block.h"

namespace credledger::api {
namespace {

// A durable entry's receipt: index, leaf hash, block, checkpoint and inclusion proof.
Result<std::string> Receipt(ServiceState& s, const AppendReceipt& receipt) {
  CREDLEDGER_ASSIGN_OR_RETURN(auto checkpoint, s.Checkpoint());
  CREDLEDGER_ASSIGN_OR_RETURN(auto proof,
                              s.ledger.log().InclusionProof(receipt.index, checkpoint->tree_size));
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

// A submitted entry, parsed, and in the form the log stores: its RFC 8785 bytes, which are
// `body` itself when the client sent them (the usual case: no copy).
struct SubmittedEntry {
  Json doc;
  std::string canonical;
};

Result<SubmittedEntry> ParseSubmittedEntry(std::string body) {
  bool canonical = false;
  auto parsed = ParseJson(body, &canonical);
  if (!parsed.ok()) return parsed.status();
  if (canonical) return SubmittedEntry{std::move(*parsed), std::move(body)};
  auto text = CanonicalJson(*parsed);
  if (!text.ok()) return text.status();
  return SubmittedEntry{std::move(*parsed), std::move(*text)};
}

// One batch item's failure, as its slot in the batch answer's results (RFC 8785 text).
std::string ItemProblem(const Problem& p) {
  return JsonText({{"status", p.status}, {"code", p.code}, {"detail", p.detail}});
}

// One appended (or already present) batch item's slot, written directly in RFC 8785 form as
// Receipt is: the batch answer is built on the serial sequencer thread, for up to
// max_batch_entries entries at once, and a DOM of it cost more there than admitting them.
std::string ItemReceipt(const AppendReceipt& r, const std::vector<merkle::Hash>& proof) {
  const std::string leaf = Hex(r.leaf_hash);
  std::string out;
  out.reserve(220 + 67 * proof.size());
  out += r.already_present ? "{\"already_present\":true" : "{\"already_present\":false";
  out += ",\"block_height\":" + std::to_string(r.block_height) + ",\"inclusion_proof\":";
  AppendHashArray(proof, &out);
  out += ",\"index\":" + std::to_string(r.index) + ",\"leaf_hash\":\"" + leaf +
         "\",\"record_id\":\"" + leaf + "\",\"status\":" + (r.already_present ? "200" : "201") +
         "}";
  return out;
}

void PostEntry(const std::shared_ptr<Call>& call) {
  ServiceState& s = call->state;
  auto entry = ParseSubmittedEntry(std::move(call->request.body));
  if (!entry.ok()) return call->Fail(BadRequest("malformed_json", entry.status().message()));
  auto submission = s.ledger.NewSubmission(std::move(entry->canonical));
  if (!submission.ok()) return call->Fail(ProblemFromStatus(submission.status()));
  // The signature is checked here, on this request's thread, not in the serial sequencer, and
  // what it found travels with the entry to admission.
  Status checked = s.policy->Precheck(std::move(entry->doc), *submission);
  if (!checked.ok()) return call->Fail(ProblemFromStatus(checked));
  s.ledger.SubmitAsync(std::move(*submission), [call](Result<AppendReceipt> result) {
    // This runs on the ledger's sequencer thread, which keeps the ledger alive for it even
    // during shutdown. It is kept light: an inclusion proof from cached tiles (bench: ~3 us)
    // and one checkpoint signature per tree size, not per entry.
    if (!result.ok()) return call->Fail(ProblemFromStatus(result.status()));
    if (!result->already_present) call->state.metrics.AddEntriesAppended(1);
    auto receipt = Receipt(call->state, *result);
    if (!receipt.ok()) return call->Fail(ProblemFromStatus(receipt.status()));
    call->Send(result->already_present ? 200 : 201, "application/json", std::move(*receipt));
  });
}

// Checks item `item` of a batch, whose text in the request is `text`, as PostEntry checks an
// entry: into *problem if it fails, else into *submission.
void CheckBatchItem(ServiceState& s, Json& item, const JsonElementText& text, std::string* problem,
                    std::optional<Submission>* submission) {
  auto canonical =
      text.canonical ? Result<std::string>(std::string(text.text)) : CanonicalJson(item);
  if (!canonical.ok()) {
    *problem = ItemProblem(BadRequest("malformed_json", canonical.status().message()));
    return;
  }
  auto made = s.ledger.NewSubmission(std::move(*canonical));
  Status passed = made.ok() ? s.policy->Precheck(std::move(item), *made) : made.status();
  if (!passed.ok()) {
    *problem = ItemProblem(ProblemFromStatus(passed));
    return;
  }
  *submission = std::move(*made);
}

void PostBatch(const std::shared_ptr<Call>& call) {
  ServiceState& s = call->state;
  // Each entry's text, to keep its bytes when they are canonical (the usual case).
  std::vector<JsonElementText> texts;
  auto parsed = ParseJson(call->request.body, {.member_array_elements = &texts});
  if (!parsed.ok()) return call->Fail(BadRequest("malformed_json", parsed.status().message()));
  if (!parsed->is_object() || parsed->size() != 1 || !parsed->contains("entries") ||
      !(*parsed)["entries"].is_array()) {
    return call->Fail(
        BadRequest("malformed_batch", "the body must be {\"entries\": [entry, ...]}"));
  }
  Json& items = (*parsed)["entries"];
  if (items.empty() || items.size() > s.options.max_batch_entries) {
    return call->Fail({413, "batch_too_large",
                       "a batch holds 1 to " + std::to_string(s.options.max_batch_entries) +
                           " entries, got " + std::to_string(items.size())});
  }
  // Each entry stands alone: one that fails (even to serialize) fails only its own slot. The
  // entries are checked (validation, the signature) on every core at once, each into its
  // own slot; then they go to the sequencer in order.
  auto results = std::make_shared<std::vector<std::string>>(items.size());
  std::vector<std::optional<Submission>> checked(items.size());
  s.check_pool.ParallelFor(items.size(), 16, [&](size_t i) noexcept {
    // Off the request's thread nothing may throw: a slot that would is that slot's 500.
    try {
      CheckBatchItem(s, items[i], texts[i], &(*results)[i], &checked[i]);
    } catch (const std::exception& e) {
      (*results)[i] = ItemProblem(ProblemFromStatus(Status::Internal(e.what())));
    }
  });
  std::vector<Result<Submission>> entries;
  std::vector<size_t> slots;  // entries[k] answers item slots[k]
  for (size_t i = 0; i < items.size(); ++i) {
    if (!checked[i]) continue;
    entries.push_back(std::move(*checked[i]));
    slots.push_back(i);
  }
  s.ledger.SubmitBatchAsync(
      std::move(entries), [call, results, slots](std::vector<Result<AppendReceipt>> out) {
        ServiceState& state = call->state;
        auto checkpoint = state.Checkpoint();
        if (!checkpoint.ok()) return call->Fail(ProblemFromStatus(checkpoint.status()));
        uint64_t appended = 0;
        for (size_t k = 0; k < out.size(); ++k) {
          std::string& slot = (*results)[slots[k]];
          if (!out[k].ok()) {
            slot = ItemProblem(ProblemFromStatus(out[k].status()));
            continue;
          }
          const AppendReceipt& r = *out[k];
          appended += r.already_present ? 0 : 1;
          auto proof = state.ledger.log().InclusionProof(r.index, (*checkpoint)->tree_size);
          if (!proof.ok()) return call->Fail(ProblemFromStatus(proof.status()));
          slot = ItemReceipt(r, *proof);
        }
        state.metrics.AddEntriesAppended(appended);
        // {"checkpoint", "results", "tree_size"}: RFC 8785 order.
        std::string answer = "{\"checkpoint\":" + (*checkpoint)->note_json + ",\"results\":[";
        for (size_t i = 0; i < results->size(); ++i) {
          if (i > 0) answer.push_back(',');
          answer += (*results)[i];
        }
        answer += "],\"tree_size\":" + std::to_string((*checkpoint)->tree_size) + "}";
        call->Send(200, "application/json", std::move(answer));
      });
}

void GetEntry(const std::shared_ptr<Call>& call) {
  const LogReader& log = call->state.ledger.log();
  auto index = call->UintParam("index");
  if (!index) return;
  auto entry = log.GetEntry(*index);
  if (!entry.ok()) return call->Fail(ProblemFromStatus(entry.status()));
  auto block = log.BlockOfEntry(*index);
  if (!block.ok()) return call->Fail(ProblemFromStatus(block.status()));
  auto leaf = log.LeafHashAt(*index);  // from the cached tiles, not hashed again
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

void GetBlock(const std::shared_ptr<Call>& call) {
  auto height = call->UintParam("height");
  if (!height) return;
  auto block = call->state.ledger.log().GetBlock(*height);
  if (!block.ok()) return call->Fail(ProblemFromStatus(block.status()));
  call->Send(200, "application/json", block->ToJson());
}

void GetLatestBlock(const std::shared_ptr<Call>& call) {
  ServiceState& s = call->state;
  auto block = s.ledger.log().GetBlock(s.ledger.Head().block_height);
  if (!block.ok()) return call->Fail(ProblemFromStatus(block.status()));
  call->Send(200, "application/json", block->ToJson());
}

// An entry and a block never change once committed: caches may keep them.
constexpr Route kRoutes[] = {
    {.method = "POST",
     .path = "/v1/entries",
     .handler = PostEntry,
     .effect = RouteEffect::kJsonWrite},
    {.method = "POST",
     .path = "/v1/entries/batch",
     .handler = PostBatch,
     .effect = RouteEffect::kJsonWrite},
    {.method = "GET",
     .path = "/v1/entries/{index}",
     .handler = GetEntry,
     .cache = RouteCache::kImmutable},
    {.method = "GET", .path = "/v1/blocks/latest", .handler = GetLatestBlock},
    {.method = "GET",
     .path = "/v1/blocks/{height}",
     .handler = GetBlock,
     .cache = RouteCache::kImmutable},
};

}  // namespace

std::span<const Route> EntryRoutes() { return kRoutes; }

}  // namespace credledger::api
