// `ledgerctl bench-records`: entry validation + signature verification per core, for p256,
// ed25519 and sm2 agency keys, as a ratio of `openssl speed`'s verifications per second for
// the same algorithm measured in the same run. Everything but the signature check should be
// nearly free: the goal is a ratio of at least 0.85.
#include <cstdio>
#include <iomanip>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>

#include "crypto/keys.h"
#include "ledger/records/entry.h"
#include "tools/commands.h"
#include "tools/flags.h"

namespace credledger::tools {
namespace {

using Clock = std::chrono::steady_clock;

// Runs `openssl speed` once for all three algorithms; returns verify/s by our algorithm name.
Result<std::map<std::string, double>> OpensslVerifySpeeds(int seconds) {
  std::string cmd = "openssl speed -seconds " + std::to_string(seconds) +
                    " -elapsed ecdsap256 ed25519 sm2 2>/dev/null";
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(cmd.c_str(), "r"), pclose);
  if (!pipe) return Status::Unavailable("cannot run openssl speed");
  std::map<std::string, double> out;
  char line[512];
  while (fgets(line, sizeof line, pipe.get()) != nullptr) {
    std::string l(line);
    std::string alg = l.find("nistp256") != std::string::npos   ? "p256"
                      : l.find("Ed25519") != std::string::npos  ? "ed25519"
                      : l.find("CurveSM2") != std::string::npos ? "sm2"
                                                                : "";
    if (alg.empty()) continue;
    // "... <sign s> <verify s> <sign/s> <verify/s>": the last number.
    std::istringstream words(l);
    std::string word, last;
    while (words >> word) last = word;
    out[alg] = std::stod(last);
  }
  if (out.size() != 3) return Status::Unavailable("could not parse `openssl speed` output");
  return out;
}

Json PenaltyTemplate() {
  const std::string h(64, 'a');
  return {
      {"type", "penalty"},
      {"schema_version", 1},
      {"agency", "sz-amr"},
      {"subject", {{"kind", "organization"}, {"uscc", "914403001922038216"}}},
      {"issued_at", "2026-11-27T09:30:00.000Z"},
      {"body",
       {{"decision_number", "深市监罚〔2026〕123号"},
        {"party",
         {{"category", "legal_person"}, {"name", "某某有限公司"}, {"uscc", "914403001922038216"}}},
        {"violation_type", "虚假宣传"},
        {"facts_hash", h},
        {"legal_basis", "《中华人民共和国反不正当竞争法》第二十条"},
        {"penalty_kinds", {"warning", "fine"}},
        {"fine_fen", 5000000},
        {"confiscation_fen", 0},
        {"decision_date", "2026-03-01"},
        {"severity", "general"},
        {"punishing_authority", {{"uscc", "91110000101623741K"}, {"name", "深圳市市场监督管理局"}}},
        {"decision_document_hash", h},
        {"display_regime", "2026"}}}};
}

}  // namespace

Status BenchRecordsCommand(const Args& args) {
  CREDLEDGER_ASSIGN_OR_RETURN(Flags flags, Flags::Parse(args, {"seconds"}));
  CREDLEDGER_ASSIGN_OR_RETURN(uint64_t seconds, flags.GetUint("seconds", 2));
  if (seconds == 0) return Status::InvalidArgument("--seconds must be at least 1");
  std::cout << "credledger bench-records: validate + verify one signed penalty entry, 1 thread, "
            << seconds << " s per algorithm, beside `openssl speed` verify/s" << std::endl;
  CREDLEDGER_ASSIGN_OR_RETURN(auto reference, OpensslVerifySpeeds(static_cast<int>(seconds)));
  for (auto alg :
       {crypto::KeyAlgorithm::kP256, crypto::KeyAlgorithm::kEd25519, crypto::KeyAlgorithm::kSm2}) {
    CREDLEDGER_ASSIGN_OR_RETURN(crypto::PrivateKey key, crypto::PrivateKey::Generate(alg));
    CREDLEDGER_ASSIGN_OR_RETURN(records::ValidatedEntry signed_entry,
                                records::SignEntry(PenaltyTemplate(), key));
    const std::string& bytes = signed_entry.canonical;
    const crypto::PublicKey& pub = key.public_key();
    uint64_t n = 0;
    auto start = Clock::now();
    auto deadline = start + std::chrono::seconds(seconds);
    while (Clock::now() < deadline) {
      for (int k = 0; k < 50; ++k, ++n) {
        auto entry = records::ValidateEntry(bytes);
        if (!entry.ok()) return entry.status();
        CREDLEDGER_RETURN_IF_ERROR(records::VerifyEntrySignature(*entry, pub));
      }
    }
    double rate =
        static_cast<double>(n) / std::chrono::duration<double>(Clock::now() - start).count();
    const std::string name(crypto::KeyAlgorithmName(alg));
    std::cout << std::left << std::setw(10) << name << std::right << std::setw(10) << std::fixed
              << std::setprecision(0) << rate << " entries/s   openssl speed " << std::setw(8)
              << reference[name] << " verify/s   ratio " << std::setprecision(2)
              << rate / reference[name] << " (" << bytes.size() << "-byte entry)" << std::endl;
  }
  return Status::Ok();
}

}  // namespace credledger::tools
