// ledgerctl monitor and audit: holding a node to its append-only promise from outside.
//
// monitor polls a node's checkpoints and checks each new one against the last one it saw with
// a consistency proof; a fork (two checkpoints no consistency proof joins), a shrinking tree
// or a bad signature is an alarm, saved with the signed evidence. audit replays a whole log
// from genesis and re-checks everything the node checked, and the blocks and roots on top.
#include <chrono>
#include <filesystem>
#include <iostream>
#include <thread>

#include "api/client/audit.h"
#include "api/client/follow.h"
#include "crypto/encoding.h"
#include "ledger/block.h"
#include "ledger/checkpoint.h"
#include "ledger/data_dir.h"
#include "ledger/format.h"
#include "ledger/records/anchor.h"
#include "ledger/records/policy.h"
#include "ledger/records/sla.h"
#include "ledger/store.h"
#include "tools/commands.h"
#include "tools/flags.h"

namespace credledger::tools {
namespace {

// ---- monitor ----

// What the monitor saw last: the checkpoint it verified, and the log's tree hash.
struct MonitorState {
  std::string checkpoint;
  std::string tree_hash;
};

// An alarm is DataLoss: ledgerctl exits 4 on it (errors reaching the node are other codes).
Status Alarm(const std::string& state_path, const std::string& what, const Json& evidence) {
  Json record = evidence;
  record["alarm"] = what;
  record["detected_at"] = NowTimestamp();
  const std::string path = state_path + ".alarm.json";
  Status s = WriteFileAtomically(path, record.dump(2) + "\n", 0644);
  std::cout << "ALARM: " << what << "\n"
            << (s.ok() ? "  evidence (both signed checkpoints) saved in " + path
                       : "  could not save the evidence: " + s.ToString())
            << "\n";
  return Status::DataLoss("ALARM: " + what);
}

// One poll: a follow step from the state's checkpoint; the state advances, or an alarm is
// saved with its evidence. OK when consistent. With a witness policy, a checkpoint without
// its quorum of cosignatures is not accepted (Unauthenticated; the state stays), whatever it
// extends: a node could show this monitor a history no witness has seen.
Status Poll(client::HttpClient& node, const NoteVerifier& verifier, const WitnessPolicy& witnesses,
            const std::string& state_path, MonitorState* state) {
  if (state->tree_hash.empty()) {
    CREDLEDGER_ASSIGN_OR_RETURN(crypto::HashAlgorithm alg, client::NodeTreeHash(node));
    state->tree_hash = std::string(crypto::HashAlgorithmName(alg));
  }
  CREDLEDGER_ASSIGN_OR_RETURN(crypto::HashAlgorithm alg,
                              crypto::ParseHashAlgorithm(state->tree_hash));
  CREDLEDGER_ASSIGN_OR_RETURN(client::FollowStep step,
                              client::FollowCheckpoint(node, verifier, alg, state->checkpoint));
  const std::string now = NowTimestamp();
  const uint64_t size = step.checkpoint.tree_size;
  if (step.kind == client::FollowStep::Kind::kAlarm) {
    return Alarm(state_path, step.alarm, step.evidence);
  }
  if (!witnesses.witnesses.empty()) {
    const witness::CosignatureTally tally =
        witness::TallyCosignatures(step.note, witnesses.witnesses);
    if (tally.cosigned.size() < witnesses.quorum) {
      std::string why;
      for (const std::string& m : tally.missing) why += (why.empty() ? "" : "; ") + m;
      std::cout << now << " tree size " << size << ": not accepted: cosigned by "
                << tally.cosigned.size() << " of " << witnesses.witnesses.size() << " witnesses, "
                << witnesses.quorum << " required (" << why << ")\n";
      return Status::Unauthenticated("the checkpoint of tree size " + std::to_string(size) +
                                     " lacks its quorum of witness cosignatures");
    }
  }
  switch (step.kind) {
    case client::FollowStep::Kind::kAlarm:
      return Status::Internal("unreachable");
    case client::FollowStep::Kind::kUnchanged:
      std::cout << now << " tree size " << size << ": unchanged\n";
      return Status::Ok();
    case client::FollowStep::Kind::kFirst:
      std::cout << now << " first checkpoint: tree size " << size << "\n";
      break;
    case client::FollowStep::Kind::kExtended:
      std::cout << now << " tree size " << size << ": consistent with " << step.previous_size
                << " (" << step.proof_hashes << " proof hashes)\n";
      break;
  }
  state->checkpoint = step.note;
  Json saved = {{"checkpoint", step.note}, {"tree_hash", state->tree_hash}};
  return WriteFileAtomically(state_path, saved.dump(2) + "\n", 0600);
}

}  // namespace

Status MonitorCommand(const Args& args) {
  CREDLEDGER_ASSIGN_OR_RETURN(
      Flags flags,
      Flags::Parse(args, {"vkey", "state", "interval", "ca-file", "witness", "quorum"}, {"once"}));
  if (flags.positional().size() != 1) {
    return Status::InvalidArgument(
        "usage: ledgerctl monitor URL --vkey KEY --state FILE [--interval S] [--once] "
        "[--witness KEY ... [--quorum K]]");
  }
  CREDLEDGER_ASSIGN_OR_RETURN(WitnessPolicy witnesses, WitnessPolicyFromFlags(flags));
  CREDLEDGER_ASSIGN_OR_RETURN(std::string vkey, flags.Required("vkey"));
  CREDLEDGER_ASSIGN_OR_RETURN(NoteVerifier verifier, VerifierFromFlag(vkey));
  CREDLEDGER_ASSIGN_OR_RETURN(std::string state_path, flags.Required("state"));
  CREDLEDGER_ASSIGN_OR_RETURN(uint64_t interval, flags.GetUint("interval", 60));
  if (interval == 0) return Status::InvalidArgument("--interval is at least 1 second");
  CREDLEDGER_ASSIGN_OR_RETURN(
      client::HttpClient node,
      client::HttpClient::Create(flags.positional()[0], flags.GetOr("ca-file", "")));
  MonitorState state;
  if (auto saved = ReadFileToString(state_path); saved.ok()) {
    auto doc = ParseJson(*saved);
    if (!doc.ok() || !doc->is_object() || !(*doc)["checkpoint"].is_string()) {
      return Status::DataLoss(state_path + " is not a monitor state file");
    }
    state.checkpoint = (*doc)["checkpoint"].get<std::string>();
    state.tree_hash = doc->value("tree_hash", "");
    // The state is only as good as its signature: re-checked, so an edited file is caught.
    auto seen = VerifyCheckpoint(state.checkpoint, verifier, verifier.name());
    if (!seen.ok()) {
      return Status::DataLoss(
          state_path +
          ": the saved checkpoint does not verify under this key: " + seen.status().message());
    }
  }
  while (true) {
    Status s = Poll(node, verifier, witnesses, state_path, &state);
    if (s.code() == StatusCode::kDataLoss || flags.Has("once")) return s;
    // The node being unreachable is not an alarm (a node can refuse service; it cannot
    // rewrite history unnoticed): report and try again.
    if (!s.ok()) std::cout << NowTimestamp() << " " << s.ToString() << "\n";
    std::cout.flush();
    std::this_thread::sleep_for(std::chrono::seconds(interval));
  }
}

namespace {

// A node's URL, rather than a data directory.
bool IsUrl(const std::string& where) {
  return where.rfind("http://", 0) == 0 || where.rfind("https://", 0) == 0;
}

// A log replayed from genesis by an audit (client/audit.h), and what it replayed into.
struct AuditedLog {
  explicit AuditedLog(ScratchDir dir) : scratch(std::move(dir)) {}
  ScratchDir scratch;  // first: removed last, after the policy that keeps its store open
  std::unique_ptr<client::LogSource> source;
  client::AuditCounts counts;
};

// Audits the log at `where`: a node's URL, or a stopped node's data dir. The replay's indexes
// go to a scratch LevelDB under `scratch_parent`, so that memory stays bounded whatever the
// log's size; it is removed with the AuditedLog, whatever the outcome.
Result<std::unique_ptr<AuditedLog>> Audit(const std::string& where, const NoteVerifier& verifier,
                                          const Flags& flags) {
  CREDLEDGER_ASSIGN_OR_RETURN(
      ScratchDir scratch_dir,
      ScratchDir::Create(flags.GetOr("scratch", std::filesystem::temp_directory_path().string()),
                         "credledger-audit"));
  auto audited = std::make_unique<AuditedLog>(std::move(scratch_dir));
  if (IsUrl(where)) {
    CREDLEDGER_ASSIGN_OR_RETURN(client::HttpClient node,
                                client::HttpClient::Create(where, flags.GetOr("ca-file", "")));
    audited->source = std::make_unique<client::HttpLogSource>(std::move(node));
  } else {
    LevelDbOptions options;
    // Names a damaged file before the audit reads it.
    options.check_files = LevelDbOptions::FileCheck::kAll;
    options.describe_key = format::DescribeKey;
    CREDLEDGER_ASSIGN_OR_RETURN(std::unique_ptr<Store> store,
                                OpenLevelDbStore(StorePath(where), options));
    audited->source = std::make_unique<client::StoreLogSource>(std::move(store));
  }
  LevelDbOptions scratch_options;
  scratch_options.create_if_missing = true;
  CREDLEDGER_ASSIGN_OR_RETURN(
      std::unique_ptr<Store> scratch,
      OpenLevelDbStore(audited->scratch.path() + "/store", scratch_options));
  Status s = client::AuditLog(*audited->source, verifier, &audited->counts, std::move(scratch));
  if (!s.ok()) {
    std::cout << "AUDIT FAILED: " << s.message() << "\n";
    return s;
  }
  return audited;
}

}  // namespace

Status AuditCommand(const Args& args) {
  CREDLEDGER_ASSIGN_OR_RETURN(Flags flags,
                              Flags::Parse(args, {"vkey", "query-audit", "ca-file", "scratch"}));
  if (flags.positional().size() != 1) {
    return Status::InvalidArgument(
        "usage: ledgerctl audit URL|DATA_DIR --vkey KEY [--query-audit FILE] [--scratch DIR]");
  }
  CREDLEDGER_ASSIGN_OR_RETURN(std::string vkey, flags.Required("vkey"));
  CREDLEDGER_ASSIGN_OR_RETURN(NoteVerifier verifier, VerifierFromFlag(vkey));
  const auto start = std::chrono::steady_clock::now();
  CREDLEDGER_ASSIGN_OR_RETURN(std::unique_ptr<AuditedLog> audited,
                              Audit(flags.positional()[0], verifier, flags));
  const client::AuditCounts& counts = audited->counts;
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << "audit: " << counts.entries << " entries in " << counts.blocks << " blocks ("
            << counts.records << " records, " << counts.configs << " config entries, "
            << counts.anchors << " query audit anchors) replayed from genesis in " << seconds
            << " s: every signature, permission, block link and root holds, up to "
            << audited->source->TargetName() << "\n";
  if (auto file = flags.Get("query-audit")) {
    CREDLEDGER_ASSIGN_OR_RETURN(size_t lines, client::CheckQueryAuditFile(*file, counts));
    std::cout << "query audit log: " << lines << " lines, chain intact, "
              << counts.anchors_seen.size() << " anchors match\n";
  }
  return Status::Ok();
}

Status SlaCommand(const Args& args) {
  CREDLEDGER_ASSIGN_OR_RETURN(
      Flags flags, Flags::Parse(args, {"vkey", "as-of", "agency", "state", "ca-file", "scratch"}));
  if (flags.positional().size() != 1) {
    return Status::InvalidArgument(
        "usage: ledgerctl sla URL|DATA_DIR --vkey KEY [--as-of TIME] [--agency ID] "
        "[--state STATE] [--scratch DIR]");
  }
  CREDLEDGER_ASSIGN_OR_RETURN(std::string vkey, flags.Required("vkey"));
  CREDLEDGER_ASSIGN_OR_RETURN(NoteVerifier verifier, VerifierFromFlag(vkey));
  const std::string as_of = flags.GetOr("as-of", NowTimestamp());
  records::SlaQuery query;
  query.agency = flags.GetOr("agency", "");
  query.state = flags.GetOr("state", "");
  const std::string& where = flags.positional()[0];
  CREDLEDGER_ASSIGN_OR_RETURN(std::unique_ptr<AuditedLog> audited, Audit(where, verifier, flags));
  const client::AuditCounts& counts = audited->counts;
  CREDLEDGER_ASSIGN_OR_RETURN(
      records::SlaReport report,
      records::ComputeSla(counts.policy->pending(), counts.policy->registry(), counts.sla_log,
                          counts.tree_size, as_of, query));
  const Json mine = records::SlaReportJson(report);
  std::cout << mine.dump(2) << "\n";
  if (!IsUrl(where)) return Status::Ok();
  // The node's own report of the same tree size and time, page by page, must be this one.
  CREDLEDGER_ASSIGN_OR_RETURN(client::HttpClient node,
                              client::HttpClient::Create(where, flags.GetOr("ca-file", "")));
  std::string target =
      "/v1/sla?limit=500&tree_size=" + std::to_string(counts.tree_size) + "&as_of=" + as_of;
  if (!query.agency.empty()) target += "&agency=" + query.agency;
  if (!query.state.empty()) target += "&state=" + query.state;
  Json cases = Json::array();
  Json summary;
  for (std::string page = target;;) {
    CREDLEDGER_ASSIGN_OR_RETURN(std::string text, node.GetOk(page));
    CREDLEDGER_ASSIGN_OR_RETURN(Json theirs, ParseJson(text));
    if (!theirs.is_object() || !theirs.contains("cases") || !theirs["cases"].is_array()) {
      return Status::DataLoss("the node's /v1/sla answer is not a report");
    }
    summary = theirs.value("summary", Json());
    for (Json& c : theirs["cases"]) cases.push_back(std::move(c));
    if (!theirs.contains("next_after")) break;
    page = target + "&after=" + theirs["next_after"].dump();
  }
  if (cases != mine.at("cases") || summary != mine.at("summary")) {
    return Status::DataLoss("the node's working-day report for tree size " +
                            std::to_string(counts.tree_size) + " as of " + as_of +
                            " differs from the one recomputed from its log");
  }
  std::cerr << "sla: the node's report (" << cases.size() << " cases, tree size "
            << counts.tree_size << ", as of " << as_of
            << ") is the one recomputed from its log, audited from genesis\n";
  return Status::Ok();
}

}  // namespace credledger::tools
