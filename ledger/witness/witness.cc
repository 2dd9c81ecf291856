#include "ledger/witness/witness.h"

#include "crypto/encoding.h"
#include "ledger/merkle.h"

namespace credledger::witness {
namespace {

constexpr size_t kMaxProofLines = 63;

std::string StateKey(std::string_view origin) { return "w:" + std::string(origin); }

Answer Plain(unsigned status, std::string body) {
  return {status, "text/plain; charset=utf-8", std::move(body) + "\n"};
}

// A decimal with no leading zeros ("0" itself allowed).
std::optional<uint64_t> ParseSize(std::string_view s) {
  if (s.empty() || s.size() > 20 || (s.size() > 1 && s[0] == '0')) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    const uint64_t digit = static_cast<uint64_t>(c - '0');
    if (v > (UINT64_MAX - digit) / 10) return std::nullopt;
    v = v * 10 + digit;
  }
  return v;
}

// The request: "old <size>\n", proof lines, "\n", then the checkpoint.
struct Request {
  uint64_t old_size = 0;
  std::vector<merkle::Hash> proof;
  std::string_view checkpoint;
};

Result<Request> ParseRequest(std::string_view body) {
  Request r;
  auto next_line = [&](std::string_view* line) {
    const size_t nl = body.find('\n');
    if (nl == std::string_view::npos) return false;
    *line = body.substr(0, nl);
    body.remove_prefix(nl + 1);
    return true;
  };
  std::string_view line;
  if (!next_line(&line) || !line.starts_with("old ")) {
    return Status::InvalidArgument("the body starts with \"old <size>\" and a newline");
  }
  auto old_size = ParseSize(line.substr(4));
  if (!old_size) return Status::InvalidArgument("the old size is a decimal without leading zeros");
  r.old_size = *old_size;
  while (true) {
    if (!next_line(&line)) return Status::InvalidArgument("no empty line before the checkpoint");
    if (line.empty()) break;
    if (r.proof.size() == kMaxProofLines) {
      return Status::InvalidArgument("more than 63 consistency proof lines");
    }
    auto hash = crypto::Base64Decode(line);
    if (!hash.ok() || hash->size() != sizeof(merkle::Hash)) {
      return Status::InvalidArgument("a consistency proof line is not a base64 32-byte hash");
    }
    merkle::Hash h;
    std::copy(hash->begin(), hash->end(), h.begin());
    r.proof.push_back(h);
  }
  r.checkpoint = body;
  return r;
}

// The checkpoint stored for a log.
Result<std::optional<LogState>> DecodeState(std::string note) {
  CREDLEDGER_ASSIGN_OR_RETURN(ParsedNote parsed, ParseNote(note));
  CREDLEDGER_ASSIGN_OR_RETURN(Checkpoint c, ParseCheckpointBody(parsed.text));
  return std::optional<LogState>(LogState{c.tree_size, c.root, std::move(note)});
}

}  // namespace

Result<std::unique_ptr<Witness>> Witness::Open(std::unique_ptr<Store> store, Cosigner cosigner,
                                               const std::vector<FollowedLog>& logs, Clock clock) {
  std::map<std::string, Log, std::less<>> by_origin;
  for (const FollowedLog& log : logs) {
    auto verifier = NoteVerifier::FromVerifierKey(log.vkey);
    if (!verifier.ok()) {
      return Status::InvalidArgument("log key \"" + log.vkey +
                                     "\": " + verifier.status().message());
    }
    const std::string origin = verifier->name();
    if (!by_origin.emplace(origin, Log{std::move(*verifier), log.tree_hash}).second) {
      return Status::InvalidArgument("the log " + origin + " is named twice");
    }
  }
  return std::unique_ptr<Witness>(
      new Witness(std::move(store), std::move(cosigner), std::move(by_origin), std::move(clock)));
}

Result<std::optional<LogState>> Witness::Latest(std::string_view origin) {
  std::string value;
  Status s = store_->Get(StateKey(origin), &value);
  if (s.code() == StatusCode::kNotFound) return std::optional<LogState>();
  CREDLEDGER_RETURN_IF_ERROR(s);
  auto state = DecodeState(std::move(value));
  if (!state.ok()) {
    return Status::DataLoss("the witness's checkpoint of " + std::string(origin) +
                            " is unreadable: " + state.status().message());
  }
  return state;
}

Answer Witness::AddCheckpoint(std::string_view body) {
  auto request = ParseRequest(body);
  if (!request.ok()) return Plain(400, request.status().message());
  auto note = ParseNote(request->checkpoint);
  if (!note.ok()) return Plain(400, "the checkpoint: " + note.status().message());
  auto checkpoint = ParseCheckpointBody(note->text);
  if (!checkpoint.ok()) return Plain(400, "the checkpoint: " + checkpoint.status().message());
  auto log = logs_.find(checkpoint->origin);
  if (log == logs_.end()) return Plain(404, "this witness does not follow " + checkpoint->origin);
  if (auto opened = log->second.verifier.Open(request->checkpoint); !opened.ok()) {
    return Plain(403, "no valid signature by the key of " + checkpoint->origin);
  }
  if (request->old_size > checkpoint->tree_size) {
    return Plain(400, "the old size " + std::to_string(request->old_size) +
                          " is above the checkpoint's " + std::to_string(checkpoint->tree_size));
  }

  if (audit_) {
    // Outside the lock: an audit may ask a follower over the network.
    if (Status audited = audit_(*checkpoint); !audited.ok()) {
      return Plain(audited.code() == StatusCode::kUnavailable ? 503 : 403,
                   "the audit: " + audited.message());
    }
  }

  MutexLock lock(mu_);
  auto latest = Latest(checkpoint->origin);
  if (!latest.ok()) return Plain(500, latest.status().ToString());
  const uint64_t latest_size = *latest ? (*latest)->tree_size : 0;
  if (request->old_size != latest_size) {
    return {409, "text/x.tlog.size", std::to_string(latest_size) + "\n"};
  }
  if (request->old_size == checkpoint->tree_size) {
    // Nothing new: only the very tree this witness cosigned is cosigned again.
    const merkle::Hash latest_root =
        *latest ? (*latest)->root : merkle::EmptyRoot(log->second.tree_hash);
    if (!request->proof.empty() || checkpoint->root != latest_root) {
      return Plain(409,
                   "tree size " + std::to_string(latest_size) + " was cosigned with another root");
    }
  } else if (request->old_size == 0) {
    if (!request->proof.empty()) return Plain(422, "a proof from size 0 is empty");
  } else {
    Status consistent =
        merkle::VerifyConsistency(log->second.tree_hash, request->old_size, checkpoint->tree_size,
                                  (*latest)->root, checkpoint->root, request->proof);
    if (!consistent.ok()) {
      return Plain(422, "the consistency proof from " + std::to_string(request->old_size) +
                            " does not verify: " + consistent.message());
    }
  }
  // Persisted before any cosignature leaves: a crash after this cosigns nothing older.
  WriteBatch batch;
  batch.Put(StateKey(checkpoint->origin), std::string(request->checkpoint));
  if (Status s = store_->Write(batch, /*sync=*/true); !s.ok()) {
    return Plain(500, "cannot persist the checkpoint: " + s.ToString());
  }
  auto line = cosigner_.Cosign(note->text, clock_());
  if (!line.ok()) return Plain(500, line.status().ToString());
  return {200, "text/plain; charset=utf-8", std::move(*line)};
}

}  // namespace credledger::witness
