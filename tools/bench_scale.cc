// `ledgerctl bench-scale` and `ledgerctl bench-reads`: the scale benchmark (issue 15,
// docs/PERFORMANCE.md "Scale"). bench-scale builds, or grows, a realistic domain ledger in a
// data directory that ledgerd can serve: six agencies signing with p256, ed25519 and sm2 keys;
// licenses, certificates, penalties, status changes and credit repairs in the proportions
// 35/20/30/10/5; about --subjects enterprises. Every entry is distinct, signed and admitted
// by the record policy under every rule (the signatures are not verified again: the builder
// made them). bench-reads then measures a node's read latencies, one client, one type of read
// at a time in turn, on the sample of ids and subjects the builder kept.
// scripts/bench-scale.sh runs both around a real ledgerd at 1M, 3M and 10M entries.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <future>
#include <iostream>
#include <map>
#include <random>
#include <thread>

#include "api/client/http_client.h"
#include "crypto/encoding.h"
#include "crypto/hash.h"
#include "ledger/data_dir.h"
#include "ledger/records/genesis.h"
#include "ledger/records/identifiers.h"
#include "ledger/records/policy.h"
#include "tools/commands.h"
#include "tools/flags.h"
#include "tools/progress.h"

namespace credledger::tools {
namespace {

using Clock = std::chrono::steady_clock;

constexpr char kSampleFile[] = "bench-scale.json";
constexpr char kKeysDir[] = "bench-keys";
constexpr size_t kBatch = 4096;       // entries signed and submitted together
constexpr size_t kReservoir = 20000;  // ids and subjects kept for the reads
constexpr size_t kTargets = 50000;    // recent records per agency that changes may act on
// Which agency signs entry n: table[n % 12]. p256 signs half the entries, ed25519 5/12 and
// sm2 1/12: an SM2 signature costs about ten p256 ones in OpenSSL 3.0, and signing is what
// bounds how fast the builder goes, not what the benchmark measures.
constexpr size_t kSigner[12] = {0, 1, 3, 4, 5, 1, 0, 4, 3, 1, 5, 2};

// A GB 32100 code for number `n`: "91440300" + a GB 11714 organization code + the check.
std::string Uscc(uint64_t n) {
  char digits[16];
  std::snprintf(digits, sizeof digits, "%08llu", static_cast<unsigned long long>(n % 100000000));
  std::string org = digits;
  for (char c : std::string("0123456789X")) {
    if (records::ValidateOrganizationCode(org + c).ok()) {
      org += c;
      break;
    }
  }
  std::string first17 = "91440300" + org;
  return first17 + records::UsccCheckCharacter(first17);
}

std::string HexHash(const std::string& text) {
  return crypto::HexEncode(crypto::Hash(crypto::HashAlgorithm::kSha256, text));
}

struct Agency {
  std::string id;
  std::string uscc;
  crypto::PrivateKey key;
  // Recent records of this agency that a status change or repair may still act on.
  std::deque<std::pair<std::string, std::string>> changeable;  // (record id, subject)
  std::deque<std::pair<std::string, std::string>> repairable;  // penalties
};

// The agencies' keys, made on the first run and read back on later ones.
Result<std::vector<Agency>> LoadAgencies(const std::string& dir, bool create) {
  const crypto::KeyAlgorithm algs[] = {
      crypto::KeyAlgorithm::kP256, crypto::KeyAlgorithm::kEd25519, crypto::KeyAlgorithm::kSm2,
      crypto::KeyAlgorithm::kP256, crypto::KeyAlgorithm::kEd25519, crypto::KeyAlgorithm::kP256};
  std::vector<Agency> agencies;
  std::filesystem::create_directories(dir + "/" + kKeysDir);
  for (int i = 0; i < 6; ++i) {
    const std::string id = "agency-" + std::to_string(i);
    const std::string path = dir + "/" + kKeysDir + "/" + id + ".pem";
    std::optional<crypto::PrivateKey> key;
    if (create) {
      CREDLEDGER_ASSIGN_OR_RETURN(crypto::PrivateKey made, crypto::PrivateKey::Generate(algs[i]));
      CREDLEDGER_RETURN_IF_ERROR(WriteFileAtomically(path, made.ToPem(), 0600));
      key = std::move(made);
    } else {
      CREDLEDGER_ASSIGN_OR_RETURN(std::string pem, ReadFileToString(path));
      CREDLEDGER_ASSIGN_OR_RETURN(crypto::PrivateKey read, crypto::PrivateKey::FromPem(pem));
      key = std::move(read);
    }
    agencies.push_back({id, Uscc(90000000 + static_cast<uint64_t>(i)), std::move(*key), {}, {}});
  }
  return agencies;
}

// What the builder keeps across runs (bench-scale.json): a sample for the reads, and totals.
struct Sample {
  std::vector<std::string> records;   // record ids
  std::vector<std::string> subjects;  // USCCs
  uint64_t entry_bytes = 0;           // of every entry appended by the builder
  uint64_t seen = 0;                  // records offered to the reservoir
};

Result<Sample> LoadSample(const std::string& path) {
  Sample s;
  auto text = ReadFileToString(path);
  if (!text.ok()) return s;
  CREDLEDGER_ASSIGN_OR_RETURN(Json j, ParseJson(*text));
  s.records = j.at("records").get<std::vector<std::string>>();
  s.subjects = j.at("subjects").get<std::vector<std::string>>();
  s.entry_bytes = j.at("entry_bytes").get<uint64_t>();
  s.seen = j.at("seen").get<uint64_t>();
  return s;
}

// The unsigned entry number `n` of the log (its type by n % 20), acting on the agency's
// recent records where it is a change.
Json MakeEntry(uint64_t n, Agency& agency, const std::string& subject) {
  const int slot = static_cast<int>(n % 20);
  Json e = {{"schema_version", 1},
            {"agency", agency.id},
            {"subject", {{"kind", "organization"}, {"uscc", subject}}},
            {"issued_at", "2026-11-27T09:30:00Z"}};
  const Json authority = {{"uscc", agency.uscc}, {"name", agency.id}};
  if (slot >= 17 && slot < 19 && !agency.changeable.empty()) {
    auto [target, target_subject] = agency.changeable.front();
    agency.changeable.pop_front();
    e["type"] = "status_change";
    e["subject"]["uscc"] = target_subject;
    e["refs"] = {target};
    e["body"] = {{"target", target},          {"action", "suspend"},
                 {"new_status", "suspended"}, {"reversible", true},
                 {"reason", "under review"},  {"effective_at", "2026-11-27T00:00:00Z"}};
    return e;
  }
  if (slot == 19 && !agency.repairable.empty()) {
    auto [target, target_subject] = agency.repairable.front();
    agency.repairable.pop_front();
    e["type"] = "credit_repair";
    e["subject"]["uscc"] = target_subject;
    e["refs"] = {target};
    e["body"] = {{"target", target},
                 {"applicant_uscc", target_subject},
                 {"application_date", "2026-07-01"},
                 {"acceptance_date", "2026-07-02"},
                 {"decision_date", "2026-07-03"},
                 {"deciding_authority", authority},
                 {"conditions_met", {"minimum display period passed", "fine paid"}},
                 {"decision", "approved"},
                 {"evidence_hashes", {HexHash("evidence " + std::to_string(n))}}};
    return e;
  }
  const std::string number = std::to_string(n);
  if (slot >= 11 && slot < 17) {
    e["type"] = "penalty";
    e["body"] = {
        {"decision_number", "BSP-" + number},
        {"party", {{"category", "legal_person"}, {"name", "企业" + subject}, {"uscc", subject}}},
        {"violation_type", "虚假宣传"},
        {"facts_hash", HexHash("facts " + number)},
        {"legal_basis", "《中华人民共和国反不正当竞争法》第二十条"},
        {"penalty_kinds", {"warning", "fine"}},
        {"fine_fen", 100000 + static_cast<int64_t>(n % 1000) * 100},
        {"confiscation_fen", 0},
        {"decision_date", "2026-01-01"},
        {"severity", n % 3 == 0 ? "serious" : "general"},
        {"punishing_authority", authority},
        {"decision_document_hash", HexHash("decision " + number)},
        {"display_regime", "2026"}};
    return e;
  }
  char serial[16];
  std::snprintf(serial, sizeof serial, "%010llu", static_cast<unsigned long long>(n));
  e["body"] = {{"identifier",
                *records::MakeLicenseIdentifier("11100000000000000A", agency.uscc, serial, "001")},
               {"type_code", "11100000000000000A"},
               {"type_name", "营业执照"},
               {"license_number", "BSL-" + number},
               {"holder_type", "001"},
               {"holder_code", subject},
               {"issuing_authority", authority},
               {"issue_date", "2026-11-27"},
               {"valid_from", "2026-11-27"},
               {"area_code", "440300"},
               {"file_hash", HexHash("file " + number)}};
  if (slot < 7) {
    e["type"] = "license";
    e["body"]["valid_until"] = "2046-11-26";
  } else {
    e["type"] = "certificate";
    e["body"]["valid_until"] = "2027-12-31";
    e["body"]["purpose"] = "bank loan application";
    e["body"]["purpose_expiry"] = "2027-12-31";
    e["body"]["certified_facts_hash"] = HexHash("certified " + number);
  }
  return e;
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

}  // namespace

Status BenchScaleCommand(const Args& args) {
  CREDLEDGER_ASSIGN_OR_RETURN(Flags flags, Flags::Parse(args, {"data", "entries", "subjects"}));
  CREDLEDGER_ASSIGN_OR_RETURN(std::string dir, flags.Required("data"));
  CREDLEDGER_ASSIGN_OR_RETURN(uint64_t target, flags.GetUint("entries", 1000000));
  CREDLEDGER_ASSIGN_OR_RETURN(uint64_t subjects, flags.GetUint("subjects", 100000));
  if (subjects == 0) return Status::InvalidArgument("--subjects must be at least 1");
  const bool create = !std::filesystem::exists(StorePath(dir));
  CREDLEDGER_ASSIGN_OR_RETURN(std::vector<Agency> agencies, LoadAgencies(dir, create));
  if (create) {
    CREDLEDGER_ASSIGN_OR_RETURN(crypto::PrivateKey node,
                                LoadOrCreateNodeKey(DefaultNodeKeyPath(dir)));
    CREDLEDGER_ASSIGN_OR_RETURN(crypto::PrivateKey admin,
                                crypto::PrivateKey::Generate(crypto::KeyAlgorithm::kEd25519));
    Json list = Json::array();
    for (const Agency& a : agencies) {
      list.push_back(
          {{"id", a.id},
           {"name", a.id},
           {"uscc", a.uscc},
           {"keys", {records::PublicKeyJson(a.key.public_key())}},
           {"types", {"license", "certificate", "penalty", "status_change", "credit_repair"}}});
    }
    Json config = {
        {"origin", "bench-scale.credledger.local/log"},
        {"admins", {{"threshold", 1}, {"keys", {records::PublicKeyJson(admin.public_key())}}}},
        {"agencies", list}};
    CREDLEDGER_ASSIGN_OR_RETURN(std::string genesis,
                                records::MakeGenesis(config, node.public_key()));
    CREDLEDGER_RETURN_IF_ERROR(records::CreateLedgerFromGenesis(dir, genesis).status());
  }
  DataDirOptions options;
  options.ledger.max_block_delay = std::chrono::microseconds(5000);
  CREDLEDGER_ASSIGN_OR_RETURN(std::unique_ptr<Ledger> ledger, OpenLedgerInDir(dir, options));
  CREDLEDGER_ASSIGN_OR_RETURN(auto policy, records::RecordPolicy::Open(*ledger));
  ledger->SetAdmissionPolicy(policy);
  const std::string sample_path = dir + "/" + kSampleFile;
  CREDLEDGER_ASSIGN_OR_RETURN(Sample sample, LoadSample(sample_path));
  std::mt19937_64 rng(ledger->Head().tree_size);

  const uint64_t start_size = ledger->Head().tree_size;
  const auto start = Clock::now();
  ProgressBar bar("bench-scale", "entries");
  std::future<Status> in_flight;  // the previous batch, being admitted
  uint64_t n = start_size;
  while (n < target) {
    const size_t count = static_cast<size_t>(std::min<uint64_t>(kBatch, target - n));
    std::vector<Json> unsigned_entries;
    std::vector<size_t> signer;
    for (size_t i = 0; i < count; ++i, ++n) {
      Agency& agency = agencies[kSigner[n % 12]];
      const std::string subject = Uscc((n * 7919) % subjects);
      unsigned_entries.push_back(MakeEntry(n, agency, subject));
      signer.push_back(kSigner[n % 12]);
    }
    // Signing dominates: both cores sign halves of the batch.
    std::vector<Result<records::CanonicalEntry>> signed_entries(count,
                                                                Status::Internal("unsigned"));
    auto sign = [&](size_t from, size_t to) {
      for (size_t i = from; i < to; ++i) {
        signed_entries[i] = records::SignEntry(unsigned_entries[i], agencies[signer[i]].key);
      }
    };
    std::thread other(sign, count / 2, count);
    sign(0, count / 2);
    other.join();
    std::vector<Result<Submission>> submissions;
    submissions.reserve(count);
    for (size_t i = 0; i < count; ++i) {
      if (!signed_entries[i].ok()) return signed_entries[i].status().WithContext("signing");
      records::CanonicalEntry& e = *signed_entries[i];
      sample.entry_bytes += e.canonical.size();
      CREDLEDGER_ASSIGN_OR_RETURN(Submission s, ledger->NewSubmission(std::move(e.canonical)));
      const std::string id = crypto::HexEncode(s.leaf_hash());
      const Json& doc = e.document;
      const std::string type = doc.at("type").get<std::string>();
      const std::string subject = doc.at("subject").at("uscc").get<std::string>();
      Agency& agency = agencies[signer[i]];
      if (type == "license" || type == "certificate" || type == "penalty") {
        agency.changeable.emplace_back(id, subject);
        if (agency.changeable.size() > kTargets) agency.changeable.pop_front();
      }
      // A general penalty of 2026-01-01 may be repaired from 2026-04-01 (3 months).
      if (type == "penalty" && doc.at("body").at("severity") == "general") {
        agency.repairable.emplace_back(id, subject);
        if (agency.repairable.size() > kTargets) agency.repairable.pop_front();
      }
      // Reservoir sampling: every record equally likely to be read.
      ++sample.seen;
      if (sample.records.size() < kReservoir) {
        sample.records.push_back(id);
        sample.subjects.push_back(subject);
      } else if (uint64_t k = rng() % sample.seen; k < kReservoir) {
        sample.records[k] = id;
        sample.subjects[k] = subject;
      }
      s.AttachChecks(std::make_shared<records::CheckedEntry>(s.leaf_hash(), std::move(e)));
      submissions.push_back(std::move(s));
    }
    // One batch admitted while the next is signed.
    if (in_flight.valid()) CREDLEDGER_RETURN_IF_ERROR(in_flight.get());
    auto done = std::make_shared<std::promise<Status>>();
    in_flight = done->get_future();
    ledger->SubmitBatchAsync(std::move(submissions),
                             [done](std::vector<Result<AppendReceipt>> results) {
                               Status first;
                               for (auto& r : results) {
                                 if (!r.ok() && first.ok()) first = r.status();
                               }
                               done->set_value(first);
                             });
    bar.Show(n, target);
  }
  if (in_flight.valid()) CREDLEDGER_RETURN_IF_ERROR(in_flight.get());
  bar.Finish();
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  const uint64_t size = ledger->Head().tree_size;
  // What a running node's scrub does every minute: the next start then reads only newer files.
  CREDLEDGER_RETURN_IF_ERROR(ledger->store()->CheckNewFiles());
  ledger.reset();  // commits, then closes the store
  Json saved = {{"records", sample.records},
                {"subjects", sample.subjects},
                {"entry_bytes", sample.entry_bytes},
                {"seen", sample.seen}};
  CREDLEDGER_ASSIGN_OR_RETURN(std::string text, CanonicalJson(saved));
  CREDLEDGER_RETURN_IF_ERROR(WriteFileAtomically(sample_path, text, 0644));
  return PrintJson({{"tree_size", size},
                    {"appended", size - start_size},
                    {"seconds", seconds},
                    {"entries_per_second", static_cast<double>(size - start_size) / seconds},
                    {"entry_bytes", sample.entry_bytes}});
}

Status BenchReadsCommand(const Args& args) {
  CREDLEDGER_ASSIGN_OR_RETURN(Flags flags, Flags::Parse(args, {"url", "data", "requests"}));
  CREDLEDGER_ASSIGN_OR_RETURN(std::string url, flags.Required("url"));
  CREDLEDGER_ASSIGN_OR_RETURN(std::string dir, flags.Required("data"));
  CREDLEDGER_ASSIGN_OR_RETURN(uint64_t requests, flags.GetUint("requests", 100000));
  CREDLEDGER_ASSIGN_OR_RETURN(Sample sample, LoadSample(dir + "/" + kSampleFile));
  if (sample.records.empty()) return Status::FailedPrecondition("no sample: run bench-scale");
  CREDLEDGER_ASSIGN_OR_RETURN(client::HttpClient node, client::HttpClient::Create(url));
  CREDLEDGER_ASSIGN_OR_RETURN(std::string checkpoint, node.GetOk("/v1/checkpoint"));
  const uint64_t size = std::stoull(checkpoint.substr(checkpoint.find('\n') + 1));
  const char* kinds[] = {"proof", "record", "subject_page", "bundle", "profile"};
  std::map<std::string, std::vector<double>> ms;
  std::mt19937_64 rng(1);
  for (uint64_t i = 0; i < requests; ++i) {
    const std::string kind = kinds[i % 5];
    const size_t pick = rng() % sample.records.size();
    std::string target;
    if (kind == "proof") {
      target = "/v1/proofs/inclusion?index=" + std::to_string(1 + rng() % (size - 1)) +
               "&tree_size=" + std::to_string(size);
    } else if (kind == "record") {
      target = "/v1/records/" + sample.records[pick];
    } else if (kind == "subject_page") {
      target = "/v1/subjects/" + sample.subjects[pick] + "/records?limit=50";
    } else if (kind == "bundle") {
      target = "/v1/records/" + sample.records[pick] + "/bundle";
    } else {
      target = "/v1/subjects/" + sample.subjects[pick] + "/profile";
    }
    const auto t = Clock::now();
    CREDLEDGER_ASSIGN_OR_RETURN(client::HttpAnswer answer, node.Get(target));
    ms[kind].push_back(std::chrono::duration<double, std::milli>(Clock::now() - t).count());
    if (answer.status != 200) {
      return Status::Internal(target + " answered " + std::to_string(answer.status) + ": " +
                              answer.body.substr(0, 300));
    }
  }
  Json report = {{"tree_size", size}, {"requests", requests}};
  for (const auto& [kind, v] : ms) {
    report[kind] = {{"p50_ms", Percentile(v, 0.50)}, {"p99_ms", Percentile(v, 0.99)}};
  }
  return PrintJson(report);
}

}  // namespace credledger::tools
