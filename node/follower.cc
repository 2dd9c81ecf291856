#include "node/follower.h"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <thread>

#include "api/client/follow.h"
#include "api/client/log_source.h"
#include "crypto/encoding.h"
#include "ledger/block.h"
#include "ledger/checkpoint.h"
#include "ledger/format.h"
#include "ledger/records/policy.h"
#include "ledger/tlog_tiles.h"

namespace credledger::node {
namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// The entries of a C2SP entry bundle: each behind its big-endian uint16 length. Errors:
// DataLoss if it does not hold exactly `count` of them.
Result<std::vector<std::string>> ParseEntryBundle(std::string_view bundle, uint64_t count) {
  std::vector<std::string> entries;
  entries.reserve(count);
  while (!bundle.empty()) {
    if (bundle.size() < 2) return Status::DataLoss("an entry bundle ends inside a length");
    const size_t length =
        static_cast<size_t>(static_cast<uint8_t>(bundle[0])) << 8 | static_cast<uint8_t>(bundle[1]);
    if (bundle.size() - 2 < length) return Status::DataLoss("an entry bundle ends inside an entry");
    entries.emplace_back(bundle.substr(2, length));
    bundle.remove_prefix(2 + length);
  }
  if (entries.size() != count) {
    return Status::DataLoss("an entry bundle holds " + std::to_string(entries.size()) +
                            " entries, not " + std::to_string(count));
  }
  return entries;
}

Result<BlockHeader> ParseSignedHeader(std::string_view text, const crypto::PublicKey& key) {
  CREDLEDGER_ASSIGN_OR_RETURN(BlockHeader header, ParseBlockHeader(text));
  Status signed_by = header.VerifySignature(key);
  if (!signed_by.ok()) {
    return Status::Unauthenticated("block " + std::to_string(header.height) +
                                   " is not signed by the leader's key: " + signed_by.message());
  }
  return header;
}

Json HeaderJson(const BlockHeader& header) {
  auto parsed = ParseJson(header.ToJson());
  return parsed.ok() ? *parsed : Json(header.ToJson());
}

// An entry as evidence: the JSON it is, or its bytes in base64.
Json EntryJson(const std::string& entry) {
  auto parsed = ParseJson(entry);
  if (parsed.ok()) return *parsed;
  return {{"base64", crypto::Base64Encode(
                         std::span(reinterpret_cast<const uint8_t*>(entry.data()), entry.size()))}};
}

}  // namespace

Result<std::unique_ptr<Ledger>> Follower::OpenOrCreate(const std::string& dir,
                                                       const DataDirOptions& dir_options,
                                                       const FollowerOptions& options) {
  CREDLEDGER_ASSIGN_OR_RETURN(NoteVerifier verifier,
                              NoteVerifier::FromVerifierKey(options.leader_vkey));
  if (std::filesystem::exists(StorePath(dir))) {
    CREDLEDGER_ASSIGN_OR_RETURN(auto ledger, OpenFollowerInDir(dir, dir_options));
    if (ledger->VerifierKey() != options.leader_vkey) {
      return Status::FailedPrecondition(dir + " holds a copy of " + ledger->VerifierKey() +
                                        ", not of " + options.leader_vkey);
    }
    return ledger;
  }
  CREDLEDGER_ASSIGN_OR_RETURN(
      client::HttpClient http,
      client::HttpClient::Create(options.leader_url, options.ca_file, options.timeout));
  CREDLEDGER_ASSIGN_OR_RETURN(std::string node_text, http.GetOk("/v1/node"));
  CREDLEDGER_ASSIGN_OR_RETURN(Json node, ParseJson(node_text));
  if (!node.is_object() || !node.contains("tree_hash") || !node["tree_hash"].is_string()) {
    return Status::Unavailable(options.leader_url + "/v1/node names no tree hash");
  }
  CREDLEDGER_ASSIGN_OR_RETURN(merkle::HashAlgorithm tree_hash,
                              crypto::ParseHashAlgorithm(node["tree_hash"].get<std::string>()));
  client::HttpLogSource source(std::move(http));
  CREDLEDGER_ASSIGN_OR_RETURN(std::string genesis, source.Entry(0));
  CREDLEDGER_ASSIGN_OR_RETURN(std::string block0_text, source.Block(0));
  CREDLEDGER_ASSIGN_OR_RETURN(BlockHeader block0, ParseBlockHeader(block0_text));
  // Checked by CreateFollower: the genesis block is signed by the key, for the genesis entry
  // under this tree hash (a wrong tree hash gives another root).
  LedgerParams params{verifier.name(), tree_hash, verifier.public_key()};
  return CreateFollowerInDir(dir, std::move(params), std::move(genesis), block0, dir_options);
}

Result<std::unique_ptr<Follower>> Follower::Start(
    Ledger& ledger, std::shared_ptr<records::SharedRecordPolicy> policy, FollowerOptions options,
    std::function<void(const std::string&, const std::string&)> report) {
  if (!ledger.IsFollower()) return Status::FailedPrecondition("the ledger is not a follower's");
  CREDLEDGER_ASSIGN_OR_RETURN(
      client::HttpClient http,
      client::HttpClient::Create(options.leader_url, options.ca_file, options.timeout));
  CREDLEDGER_ASSIGN_OR_RETURN(
      client::HttpClient second,
      client::HttpClient::Create(options.leader_url, options.ca_file, options.timeout));
  std::unique_ptr<Follower> follower(
      new Follower(ledger, std::move(policy), std::move(options), std::move(http),
                   client::HttpLogSource(std::move(second)), std::move(report)));
  auto raised = ReadFileToString(follower->options_.alarm_path);
  if (raised.ok()) {
    // An alarm raised before a restart still stands: the copy is not followed any further.
    auto alarm = ParseJson(*raised);
    const bool named = alarm.ok() && alarm->is_object() && alarm->contains("alarm") &&
                       (*alarm)["alarm"].is_string();
    const std::string what =
        named ? (*alarm)["alarm"].get<std::string>() : "see " + follower->options_.alarm_path;
    {
      MutexLock lock(follower->mu_);
      follower->status_.alarm = what;
    }
    follower->report_("not following: an alarm stands (remove " + follower->options_.alarm_path +
                          " once it is dealt with)",
                      what);
    return follower;
  }
  Follower* f = follower.get();
  follower->task_ = std::make_unique<PeriodicTask>(f->options_.poll, [f] { f->Step(); });
  return follower;
}

Follower::Follower(Ledger& ledger, std::shared_ptr<records::SharedRecordPolicy> policy,
                   FollowerOptions options, client::HttpClient client,
                   client::HttpLogSource one_by_one,
                   std::function<void(const std::string&, const std::string&)> report)
    : ledger_(ledger),
      policy_(std::move(policy)),
      options_(std::move(options)),
      client_(std::move(client)),
      one_by_one_(std::move(one_by_one)),
      report_(std::move(report)) {
  MutexLock lock(mu_);
  behind_since_ = last_contact_ = Clock::now();
  status_.tree_size = ledger_.Head().tree_size;
}

Follower::~Follower() {
  stopping_ = true;
  task_.reset();
}

FollowerStatus Follower::status() const {
  MutexLock lock(mu_);
  FollowerStatus out = status_;
  out.lag_seconds = out.tree_size < out.leader_tree_size ? SecondsSince(behind_since_) : 0;
  out.contact_seconds = SecondsSince(last_contact_);
  return out;
}

Status Follower::Readiness(std::chrono::seconds max_lag) const {
  const FollowerStatus s = status();
  if (!s.alarm.empty()) return Status::Unavailable("this node stopped following: " + s.alarm);
  const double max = static_cast<double>(max_lag.count());
  if (s.contact_seconds > max) {
    return Status::Unavailable("the leader has not answered for " +
                               std::to_string(static_cast<int>(s.contact_seconds)) +
                               " s: " + s.error);
  }
  if (s.lag_seconds > max) {
    return Status::Unavailable("this copy has been behind the leader for " +
                               std::to_string(static_cast<int>(s.lag_seconds)) + " s (tree size " +
                               std::to_string(s.tree_size) + " of " +
                               std::to_string(s.leader_tree_size) + ")");
  }
  return Status::Ok();
}

void Follower::SetError(const std::string& error) {
  bool changed;
  {
    MutexLock lock(mu_);
    changed = status_.error != error;
    status_.error = error;
  }
  if (changed && !error.empty()) report_("cannot follow the leader yet", error);
}

void Follower::Alarm(const std::string& what, Json evidence) {
  Json alarm = {{"alarm", what},
                {"leader", options_.leader_url},
                {"leader_key", options_.leader_vkey},
                {"raised_at", NowTimestamp()},
                {"tree_size", ledger_.Head().tree_size},
                {"evidence", std::move(evidence)}};
  Status written = WriteFileAtomically(options_.alarm_path, alarm.dump(2) + "\n", 0644);
  {
    MutexLock lock(mu_);
    status_.alarm = what;
  }
  report_(
      "ALARM: stopped following the leader, which broke its log's promises; serving what "
      "was verified (evidence in " +
          options_.alarm_path +
          (written.ok() ? "" : ", which cannot be written: " + written.ToString()) + ")",
      what);
}

void Follower::Step() {
  // While the leader grows faster than a poll, the next round starts at once.
  for (int round = 0; round < 100 && !stopping_; ++round) {
    if (!Round()) return;
  }
}

bool Follower::Round() {
  bool copied_any = false;
  {
    MutexLock lock(mu_);
    if (!status_.alarm.empty()) return false;
  }
  const crypto::PublicKey& key = ledger_.params().node_key;
  // The checkpoint first: the blocks fetched next reach at least its size, so that it can be
  // served after them even while the leader keeps growing.
  auto note = client_.GetOk("/tlog/checkpoint");
  auto latest_text = note.ok() ? client_.GetOk("/v1/blocks/latest") : note.status();
  if (!latest_text.ok()) {
    SetError(latest_text.status().ToString());
    return false;
  }
  auto latest = ParseSignedHeader(*latest_text, key);
  if (!latest.ok()) {
    if (latest.status().code() == StatusCode::kUnauthenticated) {
      Alarm(latest.status().message(), {{"block", *latest_text}});
      return false;
    }
    SetError("the leader's latest block: " + latest.status().ToString());
    return false;
  }
  const TreeHead head = ledger_.Head();
  {
    MutexLock lock(mu_);
    last_contact_ = Clock::now();
    if (status_.tree_size >= status_.leader_tree_size && latest->tree_size > head.tree_size) {
      behind_since_ = Clock::now();  // newly behind
    }
    status_.leader_tree_size = latest->tree_size;
  }
  if (latest->height <= head.block_height) {
    auto ours = ledger_.log().GetBlock(latest->height);
    if (ours.ok() &&
        ours->Hash(ledger_.params().tree_hash) != latest->Hash(ledger_.params().tree_hash)) {
      Alarm("the leader signed two different blocks at height " + std::to_string(latest->height),
            {{"leader_block", HeaderJson(*latest)}, {"verified_block", HeaderJson(*ours)}});
      return false;
    }
  } else if (Status copied = CopyUpTo(*latest); !copied.ok()) {
    SetError(copied.ToString());
    return false;
  } else {
    copied_any = true;
  }
  {
    MutexLock lock(mu_);
    if (!status_.alarm.empty()) return false;
  }
  Status adopted = ledger_.AdoptCheckpoint(*note);
  if (adopted.code() == StatusCode::kInvalidArgument ||
      adopted.code() == StatusCode::kUnauthenticated) {
    auto parsed = ParseCheckpointBody(note->substr(0, note->find("\n\n") + 1));
    Json evidence = {{"checkpoint", *note}};
    if (parsed.ok()) {
      auto block = ledger_.log().BlockOfEntry(parsed->tree_size - 1);
      if (block.ok()) evidence["verified_block"] = HeaderJson(*block);
    }
    Alarm("the leader's checkpoint contradicts its verified blocks: " + adopted.message(),
          std::move(evidence));
    return false;
  }
  if (!adopted.ok() && adopted.code() != StatusCode::kFailedPrecondition) {
    SetError(adopted.ToString());
    return false;
  }
  SetError("");
  return copied_any;
}

Status Follower::CopyUpTo(const BlockHeader& target) {
  const crypto::PublicKey& key = ledger_.params().node_key;
  while (!stopping_) {
    const TreeHead head = ledger_.Head();
    if (head.block_height >= target.height) return Status::Ok();
    const uint64_t height = head.block_height + 1;
    BlockHeader header = target;
    if (height != target.height) {
      CREDLEDGER_ASSIGN_OR_RETURN(std::string text,
                                  client_.GetOk("/v1/blocks/" + std::to_string(height)));
      auto parsed = ParseSignedHeader(text, key);
      if (!parsed.ok()) {
        if (parsed.status().code() == StatusCode::kUnauthenticated) {
          Alarm(parsed.status().message(), {{"block", text}});
          return Status::Ok();
        }
        return parsed.status();
      }
      header = std::move(*parsed);
    }
    if (header.first_index != head.tree_size || header.tree_size > target.tree_size) {
      // CheckSuccessor names what is wrong; checked here only to bound the entries fetched.
      Status refused = ledger_.AppendBlock(header, {});
      Alarm("block " + std::to_string(height) +
                " does not extend the verified log: " + refused.message(),
            {{"block", HeaderJson(header)}});
      return Status::Ok();
    }
    CREDLEDGER_ASSIGN_OR_RETURN(
        std::vector<std::string> entries,
        FetchEntries(header.first_index, header.tree_size, target.tree_size));
    std::vector<Submission> submissions;
    submissions.reserve(entries.size());
    for (size_t i = 0; i < entries.size(); ++i) {
      auto submission = ledger_.NewSubmission(entries[i]);
      if (!submission.ok()) {
        return Status::Unavailable("entry " + std::to_string(header.first_index + i) +
                                   " cannot be taken here: " + submission.status().message());
      }
      submissions.push_back(std::move(*submission));
    }
    PrecheckAll(submissions);
    Status appended = ledger_.AppendBlock(header, std::move(submissions));
    if (appended.code() == StatusCode::kUnavailable) return appended;
    if (!appended.ok()) {
      Json evidence = {{"block", HeaderJson(header)}, {"error", appended.ToString()}};
      // "entry N: ..." names the entry the rules refused.
      const std::string_view message = appended.message();
      uint64_t index = 0;
      const char* digits = message.data() + std::min<size_t>(6, message.size());
      if (message.starts_with("entry ") &&
          std::from_chars(digits, message.data() + message.size(), index).ec == std::errc() &&
          index >= header.first_index && index < header.tree_size) {
        evidence["entry_index"] = index;
        evidence["entry"] = EntryJson(entries[index - header.first_index]);
      }
      Alarm("the leader logged block " + std::to_string(height) +
                ", which the rules refuse: " + appended.message(),
            std::move(evidence));
      return Status::Ok();
    }
    MutexLock lock(mu_);
    status_.tree_size = header.tree_size;
    ++status_.blocks_copied;
    status_.entries_copied += header.entry_count;
    if (status_.tree_size >= status_.leader_tree_size) behind_since_ = Clock::now();
  }
  return Status::Ok();
}

void Follower::PrecheckAll(std::vector<Submission>& submissions) const {
  auto check = [&](size_t i) {
    auto doc = ParseJson(submissions[i].entry());
    if (doc.ok()) (void)policy_->Precheck(std::move(*doc), submissions[i]);
  };
  const size_t threads = std::min<size_t>(options_.check_threads > 0
                                              ? options_.check_threads
                                              : std::max(1u, std::thread::hardware_concurrency()),
                                          submissions.size() / 16 + 1);
  std::vector<std::thread> workers;
  for (unsigned t = 1; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (size_t i = t; i < submissions.size(); i += threads) check(i);
    });
  }
  for (size_t i = 0; i < submissions.size(); i += threads) check(i);
  for (std::thread& w : workers) w.join();
}

Result<std::vector<std::string>> Follower::FetchEntries(uint64_t first, uint64_t end,
                                                        uint64_t leader_size) {
  std::vector<std::string> out;
  out.reserve(end - first);
  const uint64_t width = format::kTileWidth;
  for (uint64_t i = first; i < end; ++i) {
    const uint64_t n = i / width;
    if (bundle_index_ != n || i - n * width >= bundle_.size()) {
      tlog::TileId tile;
      tile.entries = true;
      tile.index = n;
      tile.width = std::min(width, leader_size - n * width);
      CREDLEDGER_ASSIGN_OR_RETURN(client::HttpAnswer answer,
                                  client_.Get("/tlog/" + tlog::TilePath(tile)));
      bundle_.clear();
      bundle_index_ = n;
      if (answer.status == 200) {
        CREDLEDGER_ASSIGN_OR_RETURN(bundle_, ParseEntryBundle(answer.body, tile.width));
      } else if (answer.status == 501) {
        // An entry too large for a bundle: this stretch one entry at a time.
        for (uint64_t k = n * width; k < n * width + tile.width; ++k) {
          CREDLEDGER_ASSIGN_OR_RETURN(std::string entry, one_by_one_.Entry(k));
          bundle_.push_back(std::move(entry));
        }
      } else {
        return Status::Unavailable("GET /tlog/" + tlog::TilePath(tile) + ": status " +
                                   std::to_string(answer.status));
      }
    }
    out.push_back(bundle_[i - n * width]);
  }
  return out;
}

witness::Witness::Audit FollowerAudit(const std::string& follower_url, const std::string& ca_file,
                                      const witness::FollowedLog& log) {
  struct Auditor {
    Mutex mu;
    std::optional<client::HttpClient> client GUARDED_BY(mu);  // one request at a time
  };
  auto auditor = std::make_shared<Auditor>();
  // Parsed once (Witness::Open has checked the key): its origin and key for every audit.
  auto parsed =
      std::make_shared<const Result<NoteVerifier>>(NoteVerifier::FromVerifierKey(log.vkey));
  return [auditor, parsed, follower_url, ca_file, log](const Checkpoint& checkpoint) -> Status {
    if (!parsed->ok()) return parsed->status();
    const NoteVerifier& verifier = **parsed;
    if (checkpoint.origin != verifier.name()) {
      return Status::PermissionDenied("this witness's follower follows " + verifier.name() +
                                      ", not " + checkpoint.origin);
    }
    MutexLock lock(auditor->mu);
    if (!auditor->client) {
      auto created = client::HttpClient::Create(follower_url, ca_file);
      if (!created.ok()) return Status::Unavailable(created.status().ToString());
      auditor->client = std::move(*created);
    }
    client::HttpClient& http = *auditor->client;
    auto text = http.GetOk("/v1/blocks/latest");
    if (!text.ok()) return Status::Unavailable("asking the follower: " + text.status().message());
    auto verified = ParseSignedHeader(*text, verifier.public_key());
    if (!verified.ok()) {
      return Status::Unavailable("the follower's latest block: " + verified.status().message());
    }
    if (verified->tree_size < checkpoint.tree_size) {
      return Status::Unavailable("the follower has verified " +
                                 std::to_string(verified->tree_size) + " entries of the " +
                                 std::to_string(checkpoint.tree_size) +
                                 " this checkpoint signs (behind, or stopped on an alarm)");
    }
    if (verified->tree_size == checkpoint.tree_size) {
      if (verified->root == checkpoint.root) return Status::Ok();
      return Status::PermissionDenied("the checkpoint's root is not the one the follower verified");
    }
    auto check = client::CheckConsistency(http, log.tree_hash, checkpoint.tree_size,
                                          checkpoint.root, verified->tree_size, verified->root);
    if (!check.ok()) return Status::Unavailable("asking the follower: " + check.status().message());
    if (!check->verified.ok()) {
      return Status::PermissionDenied("the checkpoint is not a tree the follower verified: " +
                                      check->verified.message());
    }
    return Status::Ok();
  };
}

}  // namespace credledger::node
