#include "ledger/records/policy.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <future>
#include <map>
#include <random>
#include <sstream>

#include "crypto/encoding.h"
#include "ledger/records/anchor.h"
#include "ledger/records/identifiers.h"
#include "ledger/records/payloads.h"
#include "ledger/records/sla.h"
#include "records_util.h"
#include "test_util.h"

using namespace credledger;
using namespace credledger::records;

namespace {

const std::string kH(64, 'c');

using credledger::testing::GenerateKey;
using credledger::testing::IndexKeys;
using credledger::testing::PublicKeyJson;
using credledger::testing::ReindexedFromScratch;
using credledger::testing::SharedStore;

struct Domain {
  crypto::PrivateKey node = GenerateKey(crypto::KeyAlgorithm::kEd25519);
  crypto::PrivateKey admin1 = GenerateKey(crypto::KeyAlgorithm::kEd25519);
  crypto::PrivateKey admin2 = GenerateKey(crypto::KeyAlgorithm::kEd25519);
  crypto::PrivateKey sz = GenerateKey(crypto::KeyAlgorithm::kP256);
  crypto::PrivateKey sz_new = GenerateKey(crypto::KeyAlgorithm::kSm2);
  crypto::PrivateKey gz = GenerateKey(crypto::KeyAlgorithm::kEd25519);
  std::shared_ptr<MemoryStore> store = std::make_shared<MemoryStore>();
  std::unique_ptr<Ledger> ledger;
  std::shared_ptr<RecordPolicy> policy;
  // The block clock, milliseconds since the epoch (0: the system clock), set by SetClock.
  std::atomic<int64_t> clock_ms{0};

  // Blocks cut from now on are stamped `utc` ("2026-12-03T02:00:00Z", whole seconds).
  void SetClock(const std::string& utc) {
    using namespace std::chrono;
    const year_month_day day{year{std::stoi(utc.substr(0, 4))},
                             month{static_cast<unsigned>(std::stoi(utc.substr(5, 2)))},
                             std::chrono::day{static_cast<unsigned>(std::stoi(utc.substr(8, 2)))}};
    const sys_time<milliseconds> t = sys_days{day} + hours{std::stoi(utc.substr(11, 2))} +
                                     minutes{std::stoi(utc.substr(14, 2))} +
                                     seconds{std::stoi(utc.substr(17, 2))};
    clock_ms = t.time_since_epoch().count();
  }

  std::string Genesis() const {
    Json g = {
        {"type", "genesis"},
        {"schema_version", 1},
        {"origin", "policy.test/log"},
        {"tree_hash", "sha256"},
        {"created_at", "2026-11-27T00:00:00Z"},
        {"display_rules", DefaultDisplayRules()},
        {"calendar", DefaultCalendar()},
        {"node_key",
         {{"alg", "ed25519"},
          {"key_id", node.public_key().KeyId()},
          {"spki", crypto::Base64Encode(node.public_key().spki_der())}}},
        {"admins", {{"threshold", 2}, {"keys", {PublicKeyJson(admin1), PublicKeyJson(admin2)}}}},
        {"agencies",
         {{{"id", "sz-amr"},
           {"name", "Shenzhen AMR"},
           {"uscc", "91110000101623741K"},
           {"keys", {PublicKeyJson(sz)}},
           {"types",
            {"penalty", "status_change", "credit_repair", "enterprise_key", "repair_review",
             "objection_answer", "commitment_check", "list_inclusion", "list_removal"}}},
          {{"id", "gz-amr"},
           {"name", "Guangzhou AMR"},
           {"uscc", "9144030071526726XG"},
           {"keys", {PublicKeyJson(gz)}},
           {"types", {"penalty", "status_change", "objection_answer", "commitment_check"}}}}}};
    return *CanonicalJson(g);
  }

  void Start(bool create) {
    LedgerOptions o;
    o.max_block_delay = std::chrono::microseconds(100);
    o.clock = [this] {
      const int64_t ms = clock_ms;
      return ms == 0 ? std::chrono::system_clock::now()
                     : std::chrono::system_clock::time_point(std::chrono::milliseconds(ms));
    };
    auto l = create ? Ledger::Create(std::make_unique<SharedStore>(store), node, "policy.test/log",
                                     crypto::HashAlgorithm::kSha256, Genesis(), o)
                    : Ledger::Open(std::make_unique<SharedStore>(store), node, o);
    if (!l.ok()) FAIL(l.status().ToString());
    ledger = std::move(*l);
    auto p = RecordPolicy::Open(*ledger);
    if (!p.ok()) FAIL(p.status().ToString());
    policy = *p;
    ledger->SetAdmissionPolicy(policy);
  }

  // What admission knows of record `id` (durable or not).
  RecordInfo Info(const std::string& id) const {
    auto info = policy->pending().FindRecord(id);
    REQUIRE(info.ok());
    REQUIRE(info->has_value());
    return **info;
  }
  bool Has(const std::string& id) const {
    auto info = policy->pending().FindRecord(id);
    REQUIRE(info.ok());
    return info->has_value();
  }
  std::vector<std::pair<uint64_t, std::string>> Subject(
      const std::string& subject, uint64_t after, size_t limit,
      std::optional<RecordType> type = std::nullopt) const {
    const RecordIndex& index = policy->reader().index();
    auto infos = index.SubjectRecordInfos(subject, after, limit, type);
    REQUIRE(infos.ok());
    std::vector<std::pair<uint64_t, std::string>> page;
    for (const RecordInfo& info : *infos) {
      auto id = index.IdAt(info.index);
      REQUIRE(id.ok());
      page.emplace_back(info.index, *id);
    }
    return page;
  }
  std::vector<std::string> Documents(const std::string& hash, uint64_t below = UINT64_MAX,
                                     size_t limit = SIZE_MAX) const {
    auto ids = policy->reader().RecordsByDocument(hash, below, limit);
    REQUIRE(ids.ok());
    return *ids;
  }
  uint64_t AnchoredAuditSize() const {
    auto size = policy->reader().index().AnchoredAuditSize();
    REQUIRE(size.ok());
    return *size;
  }

  std::string Penalty(const crypto::PrivateKey& key, const std::string& agency,
                      const std::string& number, int64_t fine = 100000) const {
    return credledger::testing::SignedPenalty(
        key, agency, number, fine,
        agency == "gz-amr" ? "9144030071526726XG" : "91110000101623741K");
  }

  std::string Change(const crypto::PrivateKey& key, const std::string& agency,
                     const std::string& target, const char* type = "status_change") const {
    Json body = {{"target", target},          {"action", "suspend"},
                 {"new_status", "suspended"}, {"reversible", true},
                 {"reason", "review"},        {"effective_at", "2026-11-27T00:00:00Z"}};
    if (std::string(type) == "credit_repair") {
      body = {{"target", target},
              {"applicant_uscc", "914403001922038216"},
              {"application_date", "2026-07-01"},
              {"decision_date", "2026-07-02"},
              {"deciding_authority", {{"uscc", "91110000101623741K"}, {"name", "SZ AMR"}}},
              {"conditions_met", Json::array()},
              {"decision", "approved"},
              {"evidence_hashes", Json::array()}};
    }
    Json e = {{"type", type},
              {"schema_version", 1},
              {"agency", agency},
              {"subject", {{"kind", "organization"}, {"uscc", "914403001922038216"}}},
              {"issued_at", "2026-11-27T10:00:00Z"},
              {"refs", {target}},
              {"body", body}};
    auto s = SignEntry(e, key);
    REQUIRE(s.ok());
    return s->canonical;
  }

  std::string Config(const std::string& action, Json params) const {
    return credledger::testing::SignedConfig({&admin1, &admin2}, action, std::move(params),
                                             "2026-11-27T11:00:00Z");
  }

  std::string Rotate() const {
    return Config("rotate_key", {{"agency_id", "sz-amr"},
                                 {"old_key_id", sz.public_key().KeyId()},
                                 {"key", PublicKeyJson(sz_new)}});
  }
};

std::string RecordId(const std::string& entry) {
  return crypto::HexEncode(merkle::LeafHash(crypto::HashAlgorithm::kSha256, entry));
}

}  // namespace

TEST_CASE("the record policy admits what the rules allow and says why it refuses", "[policy]") {
  Domain d;
  d.Start(/*create=*/true);
  std::string p1 = d.Penalty(d.sz, "sz-amr", "SZ-1");
  auto r1 = d.ledger->Append(p1);
  REQUIRE(r1.ok());
  CHECK(d.Has(RecordId(p1)));

  // The same decision number with other content: 409-class.
  CHECK(d.ledger->Append(d.Penalty(d.sz, "sz-amr", "SZ-1", 200000)).status().code() ==
        StatusCode::kAlreadyExists);
  // Another agency may use the same number.
  CHECK(d.ledger->Append(d.Penalty(d.gz, "gz-amr", "SZ-1")).ok());
  // A key of another agency, or a signature over other bytes: 401-class.
  CHECK(d.ledger->Append(d.Penalty(d.gz, "sz-amr", "SZ-2")).status().code() ==
        StatusCode::kUnauthenticated);
  // Acting on another agency's record: 403-class; on an unknown record: 409-class.
  CHECK(d.ledger->Append(d.Change(d.gz, "gz-amr", RecordId(p1))).status().code() ==
        StatusCode::kPermissionDenied);
  CHECK(d.ledger->Append(d.Change(d.sz, "sz-amr", std::string(64, 'e'))).status().code() ==
        StatusCode::kFailedPrecondition);
  std::string suspend = d.Change(d.sz, "sz-amr", RecordId(p1));
  REQUIRE(d.ledger->Append(suspend).ok());
  // A repair must target a penalty.
  CHECK(d.ledger->Append(d.Change(d.sz, "sz-amr", RecordId(suspend), "credit_repair"))
            .status()
            .code() == StatusCode::kFailedPrecondition);
  CHECK(d.ledger->Append(d.Change(d.sz, "sz-amr", RecordId(p1), "credit_repair")).ok());
  // gz-amr may not file repairs at all.
  std::string gz_penalty = d.Penalty(d.gz, "gz-amr", "GZ-9");
  REQUIRE(d.ledger->Append(gz_penalty).ok());
  CHECK(d.ledger->Append(d.Change(d.gz, "gz-amr", RecordId(gz_penalty), "credit_repair"))
            .status()
            .code() == StatusCode::kPermissionDenied);
  // Non-canonical bytes and non-records are refused before anything else.
  Json pretty = ParseJson(d.Penalty(d.sz, "sz-amr", "SZ-3")).value();
  CHECK(d.ledger->Append(pretty.dump(1)).status().code() == StatusCode::kInvalidArgument);
  CHECK(d.ledger->Append("{\"hello\":1}").status().code() == StatusCode::kInvalidArgument);
  CHECK(d.ledger->Append("not json").status().code() == StatusCode::kInvalidArgument);
}

TEST_CASE("conflicting records submitted together: exactly one is admitted", "[policy]") {
  Domain d;
  d.Start(true);
  std::vector<std::string> batch;
  for (int64_t fine = 1; fine <= 20; ++fine)
    batch.push_back(d.Penalty(d.sz, "sz-amr", "SAME", fine));
  auto results = d.ledger->SubmitBatch(batch).get();
  int admitted = 0, refused = 0;
  for (auto& r : results) {
    if (r.ok()) {
      ++admitted;
    } else {
      CHECK(r.status().code() == StatusCode::kAlreadyExists);
      ++refused;
    }
  }
  CHECK(admitted == 1);
  CHECK(refused == 19);
}

TEST_CASE("key rotation through the log, and the policy rebuilt from the log", "[policy]") {
  Domain d;
  d.Start(true);
  REQUIRE(d.ledger->Append(d.Penalty(d.sz, "sz-amr", "A")).ok());
  REQUIRE(d.ledger->Append(d.Rotate()).ok());
  CHECK(d.ledger->Append(d.Penalty(d.sz, "sz-amr", "B")).status().code() ==
        StatusCode::kUnauthenticated);
  REQUIRE(d.ledger->Append(d.Penalty(d.sz_new, "sz-amr", "B")).ok());
  const auto indexes = IndexKeys(d.store.get());
  uint64_t size = d.ledger->Head().tree_size;
  // Restart: the policy opens the indexes kept in the store and enforces the same rules
  // afterwards; a reindex from scratch replays the whole log (the entry signed with the old
  // key before the rotation is still valid there) and builds the same indexes.
  d.ledger.reset();
  d.Start(false);
  CHECK(d.ledger->Head().tree_size == size);
  CHECK(IndexKeys(d.store.get()) == indexes);
  CHECK(ReindexedFromScratch(d.store.get()) == indexes);
  CHECK(d.ledger->Append(d.Penalty(d.sz, "sz-amr", "C")).status().code() ==
        StatusCode::kUnauthenticated);
  CHECK(d.ledger->Append(d.Penalty(d.sz_new, "sz-amr", "A", 7)).status().code() ==
        StatusCode::kAlreadyExists);
}

TEST_CASE("a failed block is forgotten by the policy", "[policy]") {
  Domain d;
  d.Start(true);
  d.store->FailWritesAfter(0);
  std::string p = d.Penalty(d.sz, "sz-amr", "X");
  CHECK(d.ledger->Append(p).status().code() == StatusCode::kUnavailable);
  CHECK_FALSE(d.Has(RecordId(p)));
  d.store->FailWritesAfter(std::nullopt);
  CHECK(d.ledger->Append(p).ok());  // the business id was released
}

namespace {

std::string StatusChange(const Domain& d, const std::string& target, const std::string& action,
                         const std::string& new_status, bool reversible = true) {
  Json e = {{"type", "status_change"},
            {"schema_version", 1},
            {"agency", "sz-amr"},
            {"subject", {{"kind", "organization"}, {"uscc", "914403001922038216"}}},
            {"issued_at", "2026-11-27T10:00:00Z"},
            {"refs", {target}},
            {"body",
             {{"target", target},
              {"action", action},
              {"new_status", new_status},
              {"reversible", reversible},
              {"reason", action + " for the test"},
              {"effective_at", "2026-05-10T00:00:00Z"}}}};
  auto s = SignEntry(e, d.sz);
  REQUIRE(s.ok());
  return s->canonical;
}

std::string Repair(const Domain& d, const std::string& target, const std::string& applied,
                   const std::string& decided, const std::string& decision = "approved") {
  Json body = {{"target", target},
               {"applicant_uscc", "914403001922038216"},
               {"application_date", applied},
               {"decision_date", decided},
               {"deciding_authority", {{"uscc", "91110000101623741K"}, {"name", "SZ AMR"}}},
               {"conditions_met", {"fine paid"}},
               {"decision", decision},
               {"evidence_hashes", Json::array()}};
  if (decision == "rejected") body["reason"] = "too early";
  Json e = {{"type", "credit_repair"},
            {"schema_version", 1},
            {"agency", "sz-amr"},
            {"subject", {{"kind", "organization"}, {"uscc", "914403001922038216"}}},
            {"issued_at", "2026-11-27T10:00:00Z"},
            {"refs", {target}},
            {"body", body}};
  auto s = SignEntry(e, d.sz);
  REQUIRE(s.ok());
  return s->canonical;
}

// A penalty with a chosen severity and kinds, decided 2026-01-01.
std::string PenaltyWith(const Domain& d, const std::string& number, const std::string& severity,
                        std::vector<std::string> kinds = {"fine"}) {
  Json e = ParseJson(d.Penalty(d.sz, "sz-amr", number)).value();
  e.erase("signature");
  e["body"]["severity"] = severity;
  e["body"]["penalty_kinds"] = kinds;
  auto s = SignEntry(e, d.sz);
  REQUIRE(s.ok());
  return s->canonical;
}

// The enterprise side (docs/RECORDS.md: enterprise_key, repair_application, repair_review).
const std::string kEnterprise = "914403001922038216";
const std::string kOtherEnterprise = "91440300708461136T";

// An enterprise_key record of `agency` (signed with `key`) binding `bound` to `uscc`.
std::string BindKey(const crypto::PrivateKey& key, const std::string& agency,
                    const std::string& uscc, const crypto::PrivateKey& bound) {
  Json e = credledger::testing::SampleEntry("enterprise_key");
  e["agency"] = agency;
  e["subject"]["uscc"] = uscc;
  e["body"]["key"] = PublicKeyJson(bound);
  e["body"]["key_id"] = bound.public_key().KeyId();
  e["body"]["registering_authority"]["uscc"] =
      agency == "gz-amr" ? "9144030071526726XG" : "91110000101623741K";
  auto s = SignEntry(e, key);
  REQUIRE(s.ok());
  return s->canonical;
}

// The enterprise `uscc`'s application, signed with `key`, to repair penalty `target`.
std::string Application(const crypto::PrivateKey& key, const std::string& uscc,
                        const std::string& target) {
  Json e = credledger::testing::SampleChange("repair_application", target);
  e["enterprise"] = uscc;
  e["subject"]["uscc"] = uscc;
  auto s = SignEntry(e, key);
  REQUIRE(s.ok());
  return s->canonical;
}

// A first review of application `target` by `agency`.
std::string Review(const crypto::PrivateKey& key, const std::string& agency,
                   const std::string& target, const std::string& outcome = "accepted") {
  Json e = credledger::testing::SampleChange("repair_review", target);
  e["agency"] = agency;
  e["body"]["outcome"] = outcome;
  if (outcome != "accepted") e["body"]["reason"] = "the fine is unpaid";
  e["body"]["reviewing_authority"]["uscc"] =
      agency == "gz-amr" ? "9144030071526726XG" : "91110000101623741K";
  auto s = SignEntry(e, key);
  REQUIRE(s.ok());
  return s->canonical;
}

// A penalty of sz-amr about enterprise `uscc`.
std::string PenaltyAbout(const Domain& d, const std::string& number, const std::string& uscc) {
  Json e = ParseJson(d.Penalty(d.sz, "sz-amr", number)).value();
  e.erase("signature");
  e["subject"]["uscc"] = uscc;
  e["body"]["party"]["uscc"] = uscc;
  auto s = SignEntry(e, d.sz);
  REQUIRE(s.ok());
  return s->canonical;
}

// Repair(...) deciding application `application`.
std::string RepairOf(const Domain& d, const std::string& target, const std::string& application) {
  Json e = ParseJson(Repair(d, target, "2026-12-01", "2026-12-03")).value();
  e.erase("signature");
  e["body"]["application"] = application;
  e["refs"].push_back(application);
  auto s = SignEntry(e, d.sz);
  REQUIRE(s.ok());
  return s->canonical;
}

}  // namespace

TEST_CASE("enterprise keys: bound on the log by a permitted agency, in force until changed",
          "[policy][enterprise]") {
  Domain d;
  d.Start(true);
  const crypto::PrivateKey ent = GenerateKey(crypto::KeyAlgorithm::kSm2);
  const crypto::PrivateKey other = GenerateKey(crypto::KeyAlgorithm::kP256);
  const std::string penalty = PenaltyWith(d, "E-1", "general");
  REQUIRE(d.ledger->Append(penalty).ok());
  const std::string pid = RecordId(penalty);

  // Before any binding, the enterprise's key is nobody's.
  Status unbound = d.ledger->Append(Application(ent, kEnterprise, pid)).status();
  CHECK(unbound.code() == StatusCode::kUnauthenticated);
  CHECK(unbound.message().find("no enterprise_key record on this log binds key") !=
        std::string::npos);
  // Only an agency permitted the type binds keys, in its own name.
  CHECK(d.ledger->Append(BindKey(d.gz, "gz-amr", kEnterprise, ent)).status().code() ==
        StatusCode::kPermissionDenied);
  const std::string binding = BindKey(d.sz, "sz-amr", kEnterprise, ent);
  REQUIRE(d.ledger->Append(binding).ok());
  // A key is bound once, to one enterprise.
  Status twice = d.ledger->Append(BindKey(d.sz, "sz-amr", kOtherEnterprise, ent)).status();
  CHECK(twice.code() == StatusCode::kAlreadyExists);
  CHECK(twice.message().find(RecordId(binding)) != std::string::npos);

  const std::string application = Application(ent, kEnterprise, pid);
  REQUIRE(d.ledger->Append(application).ok());
  CHECK(d.Info(RecordId(application)).agency == "sz-amr");  // answered by the penalty's agency
  // The key signs for its own enterprise only; another key does not sign for it.
  Status stranger = d.ledger->Append(Application(ent, kOtherEnterprise, pid)).status();
  CHECK(stranger.code() == StatusCode::kUnauthenticated);
  CHECK(stranger.message().find("bound to " + kEnterprise) != std::string::npos);
  CHECK(d.ledger->Append(Application(other, kEnterprise, pid)).status().code() ==
        StatusCode::kUnauthenticated);
  // An enterprise's record is not an agency's to revoke.
  Status change =
      d.ledger->Append(StatusChange(d, RecordId(application), "revoke", "revoked")).status();
  CHECK(change.code() == StatusCode::kFailedPrecondition);
  CHECK(change.message().find("signed by its enterprise") != std::string::npos);

  // Revoked by its registration authority: refused from the next entry on, while what it
  // signed before stays valid, also when the policy is rebuilt from the log.
  REQUIRE(d.ledger->Append(StatusChange(d, RecordId(binding), "revoke", "revoked")).ok());
  Status revoked = d.ledger->Append(Application(ent, kEnterprise, pid)).status();
  CHECK(revoked.code() == StatusCode::kUnauthenticated);
  CHECK(revoked.message().find("is revoked at index") != std::string::npos);
  const std::string rebound = BindKey(d.sz, "sz-amr", kEnterprise, other);  // rotation
  REQUIRE(d.ledger->Append(rebound).ok());
  REQUIRE(d.ledger->Append(Application(other, kEnterprise, pid)).ok());
  d.ledger.reset();
  d.Start(false);
  auto replayed = RecordPolicy::Replay(
      d.ledger->Head().tree_size, [&](uint64_t i) { return d.ledger->log().GetEntry(i); },
      RecordPolicy::Signatures::kVerify);
  REQUIRE(replayed.ok());
  CHECK(d.Info(RecordId(application)).type == RecordType::kRepairApplication);
  CHECK(d.ledger->Append(Application(ent, kEnterprise, pid)).status().code() ==
        StatusCode::kUnauthenticated);
}

TEST_CASE(
    "repair applications: the enterprise's own penalty, one first review by its agency, "
    "a decision only after acceptance",
    "[policy][enterprise]") {
  Domain d;
  d.Start(true);
  const crypto::PrivateKey ent = GenerateKey(crypto::KeyAlgorithm::kSm2);
  const crypto::PrivateKey other_ent = GenerateKey(crypto::KeyAlgorithm::kEd25519);
  REQUIRE(d.ledger->Append(BindKey(d.sz, "sz-amr", kEnterprise, ent)).ok());
  REQUIRE(d.ledger->Append(BindKey(d.sz, "sz-amr", kOtherEnterprise, other_ent)).ok());
  const std::string penalty = PenaltyWith(d, "A-1", "general");  // decided 2026-01-01
  const std::string others = PenaltyAbout(d, "A-2", kOtherEnterprise);
  REQUIRE(d.ledger->Append(penalty).ok());
  REQUIRE(d.ledger->Append(others).ok());
  const std::string pid = RecordId(penalty);

  // Another enterprise's penalty: refused, whichever way it is put.
  Status foreign = d.ledger->Append(Application(ent, kEnterprise, RecordId(others))).status();
  CHECK(foreign.code() == StatusCode::kPermissionDenied);
  CHECK(foreign.message().find("own penalties") != std::string::npos);
  CHECK(d.ledger->Append(Application(other_ent, kOtherEnterprise, pid)).status().code() ==
        StatusCode::kPermissionDenied);
  // Something that is not a penalty.
  const std::string binding_id = d.Subject(kEnterprise, 0, 1)[0].second;
  CHECK(d.ledger->Append(Application(ent, kEnterprise, binding_id)).status().code() ==
        StatusCode::kFailedPrecondition);

  const std::string application = Application(ent, kEnterprise, pid);
  REQUIRE(d.ledger->Append(application).ok());
  const std::string aid = RecordId(application);
  // A decision before its application exists, or before its first review: refused.
  Status no_application = d.ledger->Append(RepairOf(d, pid, std::string(64, 'e'))).status();
  CHECK(no_application.code() == StatusCode::kFailedPrecondition);
  CHECK(no_application.message().find("a decision comes after its application") !=
        std::string::npos);
  Status unreviewed = d.ledger->Append(RepairOf(d, pid, aid)).status();
  CHECK(unreviewed.code() == StatusCode::kFailedPrecondition);
  CHECK(unreviewed.message().find("no first review") != std::string::npos);
  // The first review is the penalty's agency's (or its delegate's), once.
  CHECK(d.ledger->Append(Review(d.gz, "gz-amr", aid)).status().code() ==
        StatusCode::kPermissionDenied);
  CHECK(d.ledger->Append(Review(d.sz, "sz-amr", pid)).status().code() ==
        StatusCode::kFailedPrecondition);  // a review names an application
  REQUIRE(d.ledger->Append(Review(d.sz, "sz-amr", aid)).ok());
  CHECK(d.Info(aid).status == "accepted");
  CHECK(d.ledger->Append(Review(d.sz, "sz-amr", aid, "not_accepted")).status().code() ==
        StatusCode::kFailedPrecondition);
  // The decision cites it: for the same penalty only, once.
  const std::string other_penalty = PenaltyWith(d, "A-3", "general");
  REQUIRE(d.ledger->Append(other_penalty).ok());
  CHECK(d.ledger->Append(RepairOf(d, RecordId(other_penalty), aid)).status().code() ==
        StatusCode::kInvalidArgument);
  const std::string decision = RepairOf(d, pid, aid);
  REQUIRE(d.ledger->Append(decision).ok());
  CHECK(d.Info(aid).status == "decided");
  CHECK(d.Info(aid).changes.size() == 2);
  CHECK(d.Info(pid).repaired);
  // A repaired penalty takes no more applications.
  CHECK(d.ledger->Append(Application(ent, kEnterprise, pid)).status().code() ==
        StatusCode::kFailedPrecondition);

  // Not accepted: the case ends there; no decision cites it.
  const std::string second = Application(ent, kEnterprise, RecordId(other_penalty));
  REQUIRE(d.ledger->Append(second).ok());
  REQUIRE(d.ledger->Append(Review(d.sz, "sz-amr", RecordId(second), "not_accepted")).ok());
  CHECK(d.Info(RecordId(second)).status == "not_accepted");
  Status after_refusal =
      d.ledger->Append(RepairOf(d, RecordId(other_penalty), RecordId(second))).status();
  CHECK(after_refusal.code() == StatusCode::kFailedPrecondition);
  CHECK(after_refusal.message().find("not_accepted") != std::string::npos);
  // The applications are listed for the working-day report, in log order.
  auto listed = d.policy->pending().RepairApplications(0, 10);
  REQUIRE(listed.ok());
  CHECK(*listed == std::vector<uint64_t>{d.Info(aid).index, d.Info(RecordId(second)).index});
}

TEST_CASE(
    "the working-day report: received, due and done by the node's block clock, "
    "recomputed from the log alone",
    "[policy][enterprise][sla]") {
  Domain d;
  d.Start(true);
  const crypto::PrivateKey ent = GenerateKey(crypto::KeyAlgorithm::kSm2);
  d.SetClock("2026-12-01T01:00:00Z");
  REQUIRE(d.ledger->Append(BindKey(d.sz, "sz-amr", kEnterprise, ent)).ok());
  std::vector<std::string> penalties;
  for (const char* n : {"S-1", "S-2", "S-3", "S-4"}) {
    penalties.push_back(PenaltyWith(d, n, "general"));
    REQUIRE(d.ledger->Append(penalties.back()).ok());
  }
  auto append = [&](const std::string& at, const std::string& entry) {
    d.SetClock(at);
    auto r = d.ledger->Append(entry);
    REQUIRE(r.ok());
    return RecordId(entry);
  };
  // Received Thursday 2026-12-03 (10:00 in Beijing): due by the end of Monday 12-07.
  const std::string on_time =
      append("2026-12-03T02:00:00Z", Application(ent, kEnterprise, RecordId(penalties[0])));
  const std::string late =
      append("2026-12-03T02:00:01Z", Application(ent, kEnterprise, RecordId(penalties[1])));
  append("2026-12-07T15:00:00Z", Review(d.sz, "sz-amr", on_time));  // 23:00 Monday: in time
  append("2026-12-07T16:30:00Z", Review(d.sz, "sz-amr", late, "not_accepted"));  // 00:30 Tue
  // From here on the decision has a deadline too; a running clock keeps its own steps.
  append("2026-12-08T01:00:00Z",
         d.Config("set_deadlines",
                  {{"deadlines", {{"repair_first_review", 2}, {"repair_decision", 5}}}}));
  const std::string open =
      append("2026-12-08T02:00:00Z", Application(ent, kEnterprise, RecordId(penalties[2])));
  append("2026-12-09T02:00:00Z", RepairOf(d, RecordId(penalties[0]), on_time));

  const uint64_t size = d.ledger->Head().tree_size;
  auto report = ComputeSla(d.policy->reader().index(), *d.policy->reader().registry(),
                           LogReaderSlaLog(d.ledger->log()), size, "2026-12-09T03:00:00Z");
  REQUIRE(report.ok());
  REQUIRE(report->cases.size() == 3);
  const SlaCase& a = report->cases[0];
  CHECK(a.application == on_time);
  CHECK(a.agency == "sz-amr");
  CHECK(a.subject == kEnterprise);
  CHECK(a.received_at == "2026-12-03T02:00:00.000Z");
  CHECK(a.received_on == "2026-12-03");
  CHECK(a.status == "decided");
  CHECK_FALSE(a.open);
  REQUIRE(a.steps.size() == 1);  // received before the decision had a deadline
  CHECK(a.steps[0].due_on == "2026-12-07");
  CHECK_FALSE(a.steps[0].provisional);
  CHECK(a.steps[0].state == "met");
  CHECK(a.steps[0].done_on == "2026-12-07");
  CHECK(a.steps[0].outcome == "accepted");
  const SlaCase& b = report->cases[1];
  REQUIRE(b.steps.size() == 1);
  CHECK(b.steps[0].state == "missed");
  CHECK(b.steps[0].done_on == "2026-12-08");
  CHECK(b.steps[0].outcome == "not_accepted");
  const SlaCase& c = report->cases[2];
  CHECK(c.application == open);
  CHECK(c.open);
  REQUIRE(c.steps.size() == 2);
  CHECK(c.steps[0].due_on == "2026-12-10");
  CHECK(c.steps[0].state == "pending");
  CHECK(c.steps[1].name == "repair_decision");
  CHECK(c.steps[1].due_on == "2026-12-15");
  CHECK(report->met == 1);
  CHECK(report->missed == 1);
  CHECK(report->pending == 2);
  CHECK(report->overdue == 0);

  // Two days later the open case's first review is overdue; filters and the cursor.
  auto later = ComputeSla(d.policy->reader().index(), *d.policy->reader().registry(),
                          LogReaderSlaLog(d.ledger->log()), size, "2026-12-11T01:00:00Z",
                          {.state = "overdue"});
  REQUIRE(later.ok());
  REQUIRE(later->cases.size() == 1);
  CHECK(later->cases[0].steps[0].state == "overdue");
  CHECK(later->overdue == 1);
  CHECK(later->open == 1);
  CHECK(later->closed == 0);
  auto missed = ComputeSla(d.policy->reader().index(), *d.policy->reader().registry(),
                           LogReaderSlaLog(d.ledger->log()), size, "2026-12-11T01:00:00Z",
                           {.state = "missed"});
  REQUIRE(missed.ok());
  REQUIRE(missed->cases.size() == 1);
  CHECK(missed->cases[0].application == late);
  auto other = ComputeSla(d.policy->reader().index(), *d.policy->reader().registry(),
                          LogReaderSlaLog(d.ledger->log()), size, "2026-12-11T01:00:00Z",
                          {.agency = "gz-amr"});
  REQUIRE(other.ok());
  CHECK(other->cases.empty());
  auto page =
      ComputeSla(d.policy->reader().index(), *d.policy->reader().registry(),
                 LogReaderSlaLog(d.ledger->log()), size, "2026-12-11T01:00:00Z", {.limit = 2});
  REQUIRE(page.ok());
  CHECK(page->cases.size() == 2);
  CHECK(page->more);
  CHECK(SlaReportJson(*page).at("next_after") == page->cases[1].index);
  auto rest = ComputeSla(d.policy->reader().index(), *d.policy->reader().registry(),
                         LogReaderSlaLog(d.ledger->log()), size, "2026-12-11T01:00:00Z",
                         {.after_index = page->cases[1].index, .limit = 2});
  REQUIRE(rest.ok());
  REQUIRE(rest->cases.size() == 1);
  CHECK(rest->cases[0].application == open);
  CHECK_FALSE(SlaReportJson(*rest).contains("next_after"));
  // As of an earlier tree size, the answers after it do not count.
  auto before =
      ComputeSla(d.policy->reader().index(), *d.policy->reader().registry(),
                 LogReaderSlaLog(d.ledger->log()), d.Info(late).index + 1, "2026-12-09T03:00:00Z");
  REQUIRE(before.ok());
  REQUIRE(before->cases.size() == 2);
  CHECK(before->cases[0].steps[0].state == "overdue");
  CHECK(before->cases[0].status == "valid");

  // Anyone holding the log computes the same report: a replay checks every signature.
  auto replayed = RecordPolicy::Replay(
      size, [&](uint64_t i) { return d.ledger->log().GetEntry(i); },
      RecordPolicy::Signatures::kVerify);
  REQUIRE(replayed.ok());
  auto again = ComputeSla((*replayed)->pending(), (*replayed)->registry(),
                          LogReaderSlaLog(d.ledger->log()), size, "2026-12-09T03:00:00Z");
  REQUIRE(again.ok());
  CHECK(SlaReportJson(*again) == SlaReportJson(*report));
  CHECK(ComputeSla(d.policy->reader().index(), *d.policy->reader().registry(),
                   LogReaderSlaLog(d.ledger->log()), size, "yesterday")
            .status()
            .code() == StatusCode::kInvalidArgument);
}

// An enterprise's filing of `type` (objection, commitment), signed with `key`, from its sample
// with `body` members replaced.
std::string Filing(const char* type, const crypto::PrivateKey& key, const std::string& uscc,
                   const Json& body) {
  Json e = credledger::testing::SampleEntry(type);
  e["enterprise"] = uscc;
  e["subject"]["uscc"] = uscc;
  for (auto& [k, v] : body.items()) e["body"][k] = v;
  if (body.contains("target")) e["refs"] = Json::array({body.at("target")});
  auto s = SignEntry(e, key);
  REQUIRE(s.ok());
  return s->canonical;
}

// An agency's record of `type` (objection_answer, commitment_check, list_inclusion,
// list_removal) from its sample, signed by `agency` with `key`.
std::string AgencyRecord(const char* type, const crypto::PrivateKey& key, const std::string& agency,
                         const Json& body) {
  Json e = credledger::testing::SampleEntry(type);
  e["agency"] = agency;
  for (auto& [k, v] : body.items()) e["body"][k] = v;
  const char* authority = Traits(ParseRecordType(type).value()).authority_member;
  e["body"][authority]["uscc"] = agency == "gz-amr" ? "9144030071526726XG" : "91110000101623741K";
  if (body.contains("target")) e["refs"] = Json::array({body.at("target")});
  auto s = SignEntry(e, key);
  REQUIRE(s.ok());
  return s->canonical;
}

TEST_CASE("objections, commitments and lists: who files, who answers, once, and what shows",
          "[policy][enterprise]") {
  Domain d;
  d.Start(true);
  const crypto::PrivateKey ent = GenerateKey(crypto::KeyAlgorithm::kSm2);
  REQUIRE(d.ledger->Append(BindKey(d.sz, "sz-amr", kEnterprise, ent)).ok());
  const std::string penalty = PenaltyWith(d, "O-1", "general");
  const std::string others = PenaltyAbout(d, "O-2", kOtherEnterprise);
  REQUIRE(d.ledger->Append(penalty).ok());
  REQUIRE(d.ledger->Append(others).ok());

  // An objection to a record about the enterprise, answered once by that record's agency.
  CHECK(d.ledger->Append(Filing("objection", ent, kEnterprise, {{"target", RecordId(others)}}))
            .status()
            .code() == StatusCode::kPermissionDenied);
  const std::string objection =
      Filing("objection", ent, kEnterprise, {{"target", RecordId(penalty)}});
  REQUIRE(d.ledger->Append(objection).ok());
  const std::string oid = RecordId(objection);
  CHECK(d.Info(oid).agency == "sz-amr");
  CHECK(d.Info(RecordId(penalty)).changes.empty());  // an objection changes nothing of it
  CHECK(d.ledger->Append(AgencyRecord("objection_answer", d.gz, "gz-amr", {{"target", oid}}))
            .status()
            .code() == StatusCode::kPermissionDenied);
  CHECK(d.ledger
            ->Append(
                AgencyRecord("objection_answer", d.sz, "sz-amr", {{"target", RecordId(penalty)}}))
            .status()
            .code() == StatusCode::kFailedPrecondition);  // answers an objection only
  REQUIRE(d.ledger
              ->Append(AgencyRecord("objection_answer", d.sz, "sz-amr",
                                    {{"target", oid}, {"outcome", "rejected"}}))
              .ok());
  CHECK(d.Info(oid).status == "rejected");
  CHECK(d.ledger
            ->Append(AgencyRecord("objection_answer", d.sz, "sz-amr",
                                  {{"target", oid}, {"reason", "again"}}))
            .status()
            .code() == StatusCode::kFailedPrecondition);

  // A commitment is made to a registered agency, which checks it once.
  CHECK(d.ledger->Append(Filing("commitment", ent, kEnterprise, {{"agency", "no-such"}}))
            .status()
            .code() == StatusCode::kFailedPrecondition);
  const std::string commitment = Filing("commitment", ent, kEnterprise, {{"agency", "gz-amr"}});
  REQUIRE(d.ledger->Append(commitment).ok());
  const std::string cid = RecordId(commitment);
  CHECK(d.Info(cid).agency == "gz-amr");
  CHECK(d.ledger->Append(AgencyRecord("commitment_check", d.sz, "sz-amr", {{"target", cid}}))
            .status()
            .code() == StatusCode::kPermissionDenied);  // made to gz-amr
  REQUIRE(d.ledger
              ->Append(AgencyRecord("commitment_check", d.gz, "gz-amr",
                                    {{"target", cid}, {"result", "broken"}}))
              .ok());
  CHECK(d.Info(cid).status == "broken");

  // A listing, removed once by its agency; removed is final.
  const std::string listed = AgencyRecord("list_inclusion", d.sz, "sz-amr", {});
  REQUIRE(d.ledger->Append(listed).ok());
  const std::string lid = RecordId(listed);
  CHECK(d.ledger->Append(AgencyRecord("list_removal", d.sz, "sz-amr", {{"target", oid}}))
            .status()
            .code() == StatusCode::kFailedPrecondition);  // not a listing
  REQUIRE(d.ledger->Append(AgencyRecord("list_removal", d.sz, "sz-amr", {{"target", lid}})).ok());
  CHECK(d.Info(lid).status == "removed");
  CHECK(d.ledger
            ->Append(AgencyRecord("list_removal", d.sz, "sz-amr",
                                  {{"target", lid}, {"reason", "twice"}}))
            .status()
            .code() == StatusCode::kFailedPrecondition);
  CHECK(d.ledger->Append(StatusChange(d, lid, "revoke", "revoked")).status().code() ==
        StatusCode::kFailedPrecondition);  // removed: no further change
}

TEST_CASE("months are calendar months, clamped to the month's end", "[policy]") {
  CHECK(AddMonths("2026-01-31", 1) == "2026-02-28");
  CHECK(AddMonths("2024-01-31", 1) == "2024-02-29");
  CHECK(AddMonths("2026-11-15", 3) == "2027-02-15");
  CHECK(AddMonths("2026-01-01", 36) == "2029-01-01");
  CHECK(AddMonths("2026-12-31", 0) == "2026-12-31");
  // The examples docs/RECORDS.md gives.
  CHECK(AddMonths("2028-01-31", 1) == "2028-02-29");
  CHECK(AddMonths("2026-03-31", 3) == "2026-06-30");
  CHECK(AddMonths("2026-08-31", 6) == "2027-02-28");
}

TEST_CASE("status changes follow the record's life cycle", "[policy]") {
  Domain d;
  d.Start(true);
  std::string p = PenaltyWith(d, "L-1", "general");
  REQUIRE(d.ledger->Append(p).ok());
  std::string id = RecordId(p);
  CHECK(d.ledger->Append(StatusChange(d, id, "reinstate", "valid")).status().code() ==
        StatusCode::kFailedPrecondition);  // not suspended
  REQUIRE(d.ledger->Append(StatusChange(d, id, "suspend", "suspended", true)).ok());
  CHECK(d.Info(id).status == "suspended");
  CHECK(d.ledger->Append(StatusChange(d, id, "suspend", "suspended")).status().code() ==
        StatusCode::kFailedPrecondition);  // already suspended
  REQUIRE(d.ledger->Append(StatusChange(d, id, "reinstate", "valid")).ok());
  REQUIRE(d.ledger->Append(StatusChange(d, id, "suspend", "suspended", false)).ok());
  Status s = d.ledger->Append(StatusChange(d, id, "reinstate", "valid")).status();
  CHECK(s.code() == StatusCode::kFailedPrecondition);
  CHECK(s.message().find("not reversible") != std::string::npos);
  REQUIRE(d.ledger->Append(StatusChange(d, id, "revoke", "revoked")).ok());
  s = d.ledger->Append(StatusChange(d, id, "expire", "expired")).status();
  CHECK(s.code() == StatusCode::kFailedPrecondition);
  CHECK(s.message().find("is revoked") != std::string::npos);
  // The status as of each tree size follows the accepted changes only, in log order.
  const RecordInfo& info = d.Info(id);
  REQUIRE(info.changes.size() == 4);
  const std::vector<std::string> expected = {"suspended", "valid", "suspended", "revoked"};
  for (size_t i = 0; i < info.changes.size(); ++i) {
    CHECK(info.changes[i].status == expected[i]);
    CHECK(StatusAt(info, info.changes[i].index).status == (i == 0 ? "valid" : expected[i - 1]));
    CHECK(StatusAt(info, info.changes[i].index + 1).status == expected[i]);
  }
  CHECK(StatusAt(info, info.index + 1).status == "valid");
  CHECK(StatusAt(info, d.ledger->Head().tree_size).status == "revoked");
}

TEST_CASE("credit repair: minimum period, repairable kinds, once, never after withdrawal",
          "[policy]") {
  Domain d;
  d.Start(true);
  std::string general = PenaltyWith(d, "G-1", "general");  // decided 2026-01-01: min 3 months
  REQUIRE(d.ledger->Append(general).ok());
  Status early =
      d.ledger->Append(Repair(d, RecordId(general), "2026-03-31", "2026-04-02")).status();
  CHECK(early.code() == StatusCode::kFailedPrecondition);
  CHECK(early.message().find("runs until 2026-04-01") != std::string::npos);
  // A rejection may be recorded at any time and changes nothing.
  REQUIRE(
      d.ledger->Append(Repair(d, RecordId(general), "2026-03-01", "2026-03-05", "rejected")).ok());
  CHECK_FALSE(d.Info(RecordId(general)).repaired);
  REQUIRE(d.ledger->Append(Repair(d, RecordId(general), "2026-04-01", "2026-04-03")).ok());
  CHECK(d.Info(RecordId(general)).repaired);
  CHECK(d.ledger->Append(Repair(d, RecordId(general), "2026-05-01", "2026-05-03"))
            .status()
            .message()
            .find("already repaired") != std::string::npos);

  std::string serious = PenaltyWith(d, "S-1", "serious");  // min 12 months
  REQUIRE(d.ledger->Append(serious).ok());
  CHECK(
      d.ledger->Append(Repair(d, RecordId(serious), "2026-12-31", "2027-01-05")).status().code() ==
      StatusCode::kFailedPrecondition);
  CHECK(d.ledger->Append(Repair(d, RecordId(serious), "2027-01-01", "2027-01-05")).ok());

  std::string revoked_license = PenaltyWith(d, "R-1", "serious", {"fine", "license_revocation"});
  REQUIRE(d.ledger->Append(revoked_license).ok());
  Status kind =
      d.ledger->Append(Repair(d, RecordId(revoked_license), "2028-01-01", "2028-01-02")).status();
  CHECK(kind.code() == StatusCode::kFailedPrecondition);
  CHECK(kind.message().find("license_revocation cannot be taken down early") != std::string::npos);

  std::string withdrawn = PenaltyWith(d, "W-1", "general");
  REQUIRE(d.ledger->Append(withdrawn).ok());
  REQUIRE(d.ledger->Append(StatusChange(d, RecordId(withdrawn), "withdraw", "withdrawn")).ok());
  CHECK(d.ledger->Append(Repair(d, RecordId(withdrawn), "2026-06-01", "2026-06-02"))
            .status()
            .message()
            .find("withdrawn") != std::string::npos);
}

TEST_CASE("public display follows the decision date, tier, repair and withdrawal", "[policy]") {
  Domain d;
  d.Start(true);
  std::string general = PenaltyWith(d, "D-1", "general");
  std::string minor = PenaltyWith(d, "D-2", "minor");
  std::string repaired = PenaltyWith(d, "D-3", "general");
  std::string withdrawn = PenaltyWith(d, "D-4", "serious");
  for (const auto& e : {general, minor, repaired, withdrawn}) REQUIRE(d.ledger->Append(e).ok());
  REQUIRE(d.ledger->Append(Repair(d, RecordId(repaired), "2026-05-01", "2026-05-20")).ok());
  REQUIRE(d.ledger->Append(StatusChange(d, RecordId(withdrawn), "withdraw", "withdrawn")).ok());

  auto shown = [&](const std::string& entry, const char* date) {
    auto s = d.policy->reader().PenaltyDisplay(RecordId(entry), date);
    REQUIRE(s.ok());
    return s->displayed;
  };
  CHECK_FALSE(shown(general, "2025-12-31"));
  CHECK(shown(general, "2026-01-01"));
  CHECK(shown(general, "2026-12-31"));
  CHECK_FALSE(shown(general, "2027-01-01"));  // general: at most 12 months
  CHECK_FALSE(shown(minor, "2026-02-01"));    // minor: not displayed under the 2026 rules
  CHECK(shown(repaired, "2026-05-19"));
  CHECK_FALSE(shown(repaired, "2026-05-20"));
  CHECK(shown(withdrawn, "2026-05-09"));
  CHECK_FALSE(shown(withdrawn, "2026-05-10"));
  auto reason = d.policy->reader().PenaltyDisplay(RecordId(repaired), "2026-06-01");
  CHECK(reason->reason == "credit repaired on 2026-05-20");
  CHECK(d.policy->reader().PenaltyDisplay(RecordId(general), "2026-13-01").status().code() ==
        StatusCode::kInvalidArgument);
  CHECK(d.policy->reader().PenaltyDisplay(std::string(64, 'f'), "2026-01-01").status().code() ==
        StatusCode::kNotFound);
}

TEST_CASE("a rolled-back status change leaves its target as it was", "[policy]") {
  Domain d;
  d.Start(true);
  std::string p = PenaltyWith(d, "B-1", "general");
  REQUIRE(d.ledger->Append(p).ok());
  d.store->FailWritesAfter(0);
  CHECK(d.ledger->Append(StatusChange(d, RecordId(p), "revoke", "revoked")).status().code() ==
        StatusCode::kUnavailable);
  CHECK(d.Info(RecordId(p)).status == "valid");
  d.store->FailWritesAfter(std::nullopt);
  REQUIRE(d.ledger->Append(StatusChange(d, RecordId(p), "suspend", "suspended")).ok());
  CHECK(d.Info(RecordId(p)).status == "suspended");
}

TEST_CASE("an agency acts on another's records only by delegation", "[policy]") {
  Domain d;
  d.Start(true);
  std::string p = d.Penalty(d.sz, "sz-amr", "DEL-1");
  REQUIRE(d.ledger->Append(p).ok());
  Status s = d.ledger->Append(d.Change(d.gz, "gz-amr", RecordId(p))).status();
  CHECK(s.code() == StatusCode::kPermissionDenied);
  CHECK(s.message().find("has not delegated") != std::string::npos);
  REQUIRE(d.ledger->Append(d.Config("delegate", {{"agency_id", "sz-amr"}, {"to", "gz-amr"}})).ok());
  REQUIRE(d.ledger->Append(d.Change(d.gz, "gz-amr", RecordId(p))).ok());
  CHECK(d.ledger->Append(d.Config("delegate", {{"agency_id", "sz-amr"}, {"to", "nobody"}}))
            .status()
            .code() == StatusCode::kFailedPrecondition);
  REQUIRE(
      d.ledger->Append(d.Config("revoke_delegation", {{"agency_id", "sz-amr"}, {"to", "gz-amr"}}))
          .ok());
  std::string p2 = d.Penalty(d.sz, "sz-amr", "DEL-2");
  REQUIRE(d.ledger->Append(p2).ok());
  CHECK(d.ledger->Append(d.Change(d.gz, "gz-amr", RecordId(p2))).status().code() ==
        StatusCode::kPermissionDenied);
}

TEST_CASE("derived indexes: by subject with a cursor, by document hash, rebuilt from the log",
          "[policy]") {
  Domain d;
  d.Start(true);
  std::vector<std::string> ids;
  for (int i = 0; i < 7; ++i) {
    // One document behind seven decisions of one agency (allowed: a document has one issuer).
    std::string p = credledger::testing::SignedPenalty(d.sz, "sz-amr", "IDX-" + std::to_string(i),
                                                       100000, "91110000101623741K", kH);
    REQUIRE(d.ledger->Append(p).ok());
    ids.push_back(RecordId(p));
  }
  std::string change = StatusChange(d, ids[0], "suspend", "suspended");
  REQUIRE(d.ledger->Append(change).ok());
  const std::string uscc = "914403001922038216";
  // Pages of 3, following the cursor.
  std::vector<std::string> seen;
  uint64_t cursor = 0;
  while (true) {
    auto page = d.Subject(uscc, cursor, 3);
    if (page.empty()) break;
    CHECK(page.size() <= 3);
    for (auto& [index, id] : page) {
      CHECK(index > cursor);
      seen.push_back(id);
    }
    cursor = page.back().first;
  }
  REQUIRE(seen.size() == 8);
  CHECK(std::equal(ids.begin(), ids.end(), seen.begin()));
  CHECK(seen.back() == RecordId(change));
  CHECK(d.Subject(uscc, 0, 100, RecordType::kStatusChange).size() == 1);
  CHECK(d.Subject("9144030071526726XG", 0, 100).empty());
  // Every penalty here carries the same decision document hash.
  CHECK(d.Documents(kH).size() == 7);
  CHECK(d.Documents(std::string(64, '0')).empty());
  // Bounded, in log order, and only below a tree size.
  CHECK(d.Documents(kH, UINT64_MAX, 3) == std::vector<std::string>{ids[0], ids[1], ids[2]});
  CHECK(d.Documents(kH, d.Info(ids[2]).index, 100) == std::vector<std::string>{ids[0], ids[1]});
  // Only the issuing agency may have a document erased.
  CHECK(d.policy->reader().MayErase(kH, "sz-amr").ok());
  CHECK(d.policy->reader().MayErase(kH, "gz-amr").code() == StatusCode::kPermissionDenied);
  CHECK(d.policy->reader().MayErase(std::string(64, '0'), "sz-amr").code() ==
        StatusCode::kNotFound);
  // Lost? Rebuilt from the log alone.
  d.ledger.reset();
  d.Start(false);
  CHECK(d.Subject(uscc, 0, 100).size() == 8);
  CHECK(d.Documents(kH).size() == 7);
  CHECK(d.Info(ids[0]).status == "suspended");
  // A rolled-back record leaves no index entry behind.
  d.store->FailWritesAfter(0);
  CHECK_FALSE(d.ledger
                  ->Append(credledger::testing::SignedPenalty(d.sz, "sz-amr", "IDX-X", 100000,
                                                              "91110000101623741K", kH))
                  .ok());
  CHECK(d.Subject(uscc, 0, 100).size() == 8);
  CHECK(d.Documents(kH).size() == 7);
}

TEST_CASE(
    "signatures checked before sequencing: bad ones refused early, checks travel with "
    "their entry",
    "[policy]") {
  Domain d;
  d.Start(true);
  auto shared = std::make_shared<SharedRecordPolicy>(d.policy);
  d.ledger->SetAdmissionPolicy(shared);
  // What the HTTP handlers do: one submission per entry, prechecked, then submitted.
  auto precheck = [&](const std::string& entry) -> Result<Submission> {
    CREDLEDGER_ASSIGN_OR_RETURN(Submission s, d.ledger->NewSubmission(entry));
    CREDLEDGER_RETURN_IF_ERROR(shared->Precheck(ParseJson(entry).value(), s));
    return s;
  };
  auto append = [&](Submission s) {
    std::promise<Result<AppendReceipt>> done;
    d.ledger->SubmitAsync(std::move(s), [&](Result<AppendReceipt> r) { done.set_value(r); });
    return done.get_future().get();
  };
  std::string good = d.Penalty(d.sz, "sz-amr", "P-1");
  auto good_submission = precheck(good);
  REQUIRE(good_submission.ok());
  CHECK(dynamic_cast<const CheckedEntry*>(good_submission->checks().get()) != nullptr);
  CHECK(append(std::move(*good_submission)).ok());

  // A registered key's signature over other bytes: refused before sequencing, as Admit would.
  Json doc = ParseJson(d.Penalty(d.sz, "sz-amr", "P-2")).value();
  doc["signature"] = ParseJson(d.Penalty(d.sz, "sz-amr", "P-3")).value()["signature"];
  const std::string bad_signature = *CanonicalJson(doc);
  CHECK(precheck(bad_signature).status().code() == StatusCode::kUnauthenticated);
  CHECK(d.ledger->Append(bad_signature).status().code() == StatusCode::kUnauthenticated);
  // A key the agency does not have passes the precheck, with no checks attached; Admit
  // refuses it.
  const std::string other_key = d.Penalty(d.gz, "sz-amr", "P-4");
  auto unchecked = precheck(other_key);
  REQUIRE(unchecked.ok());
  CHECK(unchecked->checks() == nullptr);
  CHECK(append(std::move(*unchecked)).status().code() == StatusCode::kUnauthenticated);
  // Malformed records: refused as Admit refuses them.
  Json no_body = ParseJson(good).value();
  no_body.erase("body");
  CHECK(precheck(*CanonicalJson(no_body)).status().code() == StatusCode::kInvalidArgument);

  // What checks skip: the signature check, and nothing else. Checks made (here by hand) for
  // the bad signature's bytes let it in; they do not make an old key valid.
  auto with_checks = [&](const std::string& entry) {
    Submission s = d.ledger->NewSubmission(entry).value();
    s.AttachChecks(std::make_shared<CheckedEntry>(s.leaf_hash(), ValidateEntry(entry).value()));
    return s;
  };
  CHECK(append(with_checks(bad_signature)).ok());
  REQUIRE(d.ledger->Append(d.Rotate()).ok());
  const std::string old_key = d.Penalty(d.sz, "sz-amr", "P-5");
  CHECK(append(with_checks(old_key)).status().code() == StatusCode::kUnauthenticated);
  // Checks bind to the bytes they were made from: attached to other bytes, they are ignored
  // and the entry is checked whole.
  Json forged = ParseJson(d.Penalty(d.sz, "sz-amr", "P-6")).value();
  forged["signature"] = ParseJson(d.Penalty(d.sz, "sz-amr", "P-7")).value()["signature"];
  const std::string forged_text = *CanonicalJson(forged);
  Submission misattached = d.ledger->NewSubmission(forged_text).value();
  misattached.AttachChecks(std::make_shared<CheckedEntry>(
      merkle::LeafHash(crypto::HashAlgorithm::kSha256, good), ValidateEntry(forged_text).value()));
  CHECK(append(std::move(misattached)).status().code() == StatusCode::kUnauthenticated);

  // Replaying this log: an auditor's replay finds the record with the bad signature; the
  // node's own replay trusts the signatures in its log and rebuilds the same indexes.
  const uint64_t size = d.ledger->Head().tree_size;
  auto entry_at = [&](uint64_t i) { return d.ledger->log().GetEntry(i); };
  auto audit = RecordPolicy::Replay(size, entry_at, RecordPolicy::Signatures::kVerify);
  CHECK(audit.status().code() == StatusCode::kDataLoss);
  auto own = RecordPolicy::Replay(size, entry_at, RecordPolicy::Signatures::kTrustLog);
  REQUIRE(own.ok());
  auto found = (*own)->pending().FindRecord(RecordId(bad_signature));
  REQUIRE(found.ok());
  CHECK(found->has_value());
  CHECK(ReindexedFromScratch(d.store.get()) == IndexKeys(d.store.get()));
}

TEST_CASE("a policy without a log keeps committed leaves in its own store, and any indexes",
          "[policy]") {
  Domain d;
  d.Start(true);
  std::vector<std::string> entries;
  for (int i = 0; i < 6; ++i) {
    entries.push_back(d.Penalty(d.sz, "sz-amr", "OWN-" + std::to_string(i)));
    REQUIRE(d.ledger->Append(entries.back()).ok());
  }
  const uint64_t size = d.ledger->Head().tree_size;
  const uint64_t first = size - entries.size();
  auto admit = [&](RecordPolicy& policy, uint64_t index) {
    const std::string entry = d.ledger->log().GetEntry(index).value();
    REQUIRE(policy
                .Admit(entry, merkle::LeafHash(crypto::HashAlgorithm::kSha256, entry), index,
                       nullptr, nullptr)
                .ok());
  };
  const std::string genesis = d.ledger->log().GetEntry(0).value();

  // An auditor's replay: once committed, the leaves are in the store (both ways), not in
  // memory, and record ids still translate through them.
  auto own = std::make_unique<MemoryStore>();
  MemoryStore* own_store = own.get();
  auto replay = RecordPolicy::FromGenesis(genesis, std::move(own)).value();
  for (uint64_t i = 1; i < size; ++i) admit(*replay, i);
  REQUIRE(replay->CommitOwnStore(size).ok());
  const std::map<std::string, std::string> keys = IndexKeys(own_store);
  for (uint64_t i = 1; i < size; ++i) {
    const merkle::Hash leaf = d.ledger->log().LeafHashAt(i).value();
    CHECK(keys.at(index_keys::OwnLeaf(i)) == std::string(leaf.begin(), leaf.end()));
    CHECK(keys.at(index_keys::OwnLeafIndex(leaf)) == EncodeU64(i));
  }
  for (size_t k = 0; k < entries.size(); ++k) {
    const auto found = replay->pending().FindRecord(RecordId(entries[k])).value();
    REQUIRE(found.has_value());
    CHECK(found->index == first + k);
    CHECK(replay->pending().IdAt(first + k).value() == RecordId(entries[k]));
  }

  // A verifier admits a bundle's few entries, at indexes that are not adjacent: each id is
  // its own entry's, and an index it never saw has none (it used to answer a neighbour's).
  auto verifier = RecordPolicy::FromGenesis(genesis).value();
  admit(*verifier, first + 1);
  admit(*verifier, first + 4);
  for (bool committed : {false, true}) {
    INFO("committed: " << committed);
    if (committed) REQUIRE(verifier->CommitOwnStore(size).ok());
    CHECK(verifier->pending().IdAt(first + 1).value() == RecordId(entries[1]));
    CHECK(verifier->pending().IdAt(first + 4).value() == RecordId(entries[4]));
    CHECK(verifier->pending().IdAt(first + 2).status().code() == StatusCode::kNotFound);
  }
}

TEST_CASE("query audit anchors: admitted when the node key signed them, refused otherwise",
          "[policy]") {
  Domain d;
  d.Start(true);
  crypto::Digest head{};
  head.fill(7);
  auto anchor = MakeQueryAuditAnchor(3, head, head, "2026-11-28T00:00:00.000Z", d.node);
  REQUIRE(anchor.ok());
  REQUIRE(d.ledger->Append(*anchor).ok());
  CHECK(d.AnchoredAuditSize() == 3);
  // Signed by anyone else: 401; malformed: 422.
  auto forged = MakeQueryAuditAnchor(4, head, head, "2026-11-28T00:00:00.000Z", d.sz);
  REQUIRE(forged.ok());
  CHECK(d.ledger->Append(*forged).status().code() == StatusCode::kUnauthenticated);
  Json tampered =
      ParseJson(*MakeQueryAuditAnchor(5, head, head, "2026-11-28T00:00:00.000Z", d.node)).value();
  tampered["size"] = 6;
  CHECK(d.ledger->Append(*CanonicalJson(tampered)).status().code() == StatusCode::kUnauthenticated);
  tampered.erase("head");
  CHECK(d.ledger->Append(*CanonicalJson(tampered)).status().code() == StatusCode::kInvalidArgument);
  CHECK(d.AnchoredAuditSize() == 3);
  // Rebuilt from the log.
  d.ledger.reset();
  d.Start(false);
  CHECK(d.AnchoredAuditSize() == 3);
}

TEST_CASE("erasure requests: made, parsed and verified against the signer's key", "[payloads]") {
  const crypto::PrivateKey key = GenerateKey(crypto::KeyAlgorithm::kSm2);
  ErasureRequest r{kH, "PIPL art. 47", "2026-11-28T00:00:00.000Z", "sz-amr", ""};
  auto text = MakeErasureRequest(r, key);
  REQUIRE(text.ok());
  Json doc = ParseJson(*text).value();
  auto parsed = ParseErasureRequest(doc);
  REQUIRE(parsed.ok());
  CHECK(parsed->agency == "sz-amr");
  CHECK(parsed->key_id == key.public_key().KeyId());
  CHECK(VerifyObjectSignature(doc, key.public_key()).ok());
  doc["legal_basis"] = "something else";
  CHECK(VerifyObjectSignature(doc, key.public_key()).code() == StatusCode::kUnauthenticated);
  doc.erase("requested_at");
  CHECK(ParseErasureRequest(doc).status().message().find("requested_at") != std::string::npos);
}

namespace {

// `entry` (a signed entry) changed by `edit` and signed again with `key`.
std::string Resign(const std::string& entry, const crypto::PrivateKey& key,
                   const std::function<void(Json&)>& edit) {
  Json e = Json::parse(entry);
  e.erase("signature");
  edit(e);
  auto s = SignEntry(std::move(e), key);
  REQUIRE(s.ok());
  return s->canonical;
}

// A license of `agency` whose issuing authority is `issuer_uscc`, with license number and
// identifier serial `serial`, document hash `file_hash`.
std::string License(const crypto::PrivateKey& key, const std::string& agency,
                    const std::string& issuer_uscc, const std::string& serial,
                    const std::string& file_hash, const std::string& holder = "914403001922038216",
                    bool historical = false) {
  Json subject = {{"kind", "organization"}, {"uscc", holder}};
  if (historical) subject["historical_code"] = true;
  Json e = {
      {"type", "license"},
      {"schema_version", 1},
      {"agency", agency},
      {"subject", subject},
      {"issued_at", "2026-11-27T09:00:00Z"},
      {"body",
       {{"identifier", *MakeLicenseIdentifier("11100000000000000A", issuer_uscc, serial, "001")},
        {"type_code", "11100000000000000A"},
        {"type_name", "营业执照"},
        {"license_number", "L-" + serial},
        {"holder_type", "001"},
        {"holder_code", holder},
        {"issuing_authority", {{"uscc", issuer_uscc}, {"name", "authority"}}},
        {"issue_date", "2026-11-27"},
        {"valid_from", "2026-11-27"},
        {"area_code", "440300"},
        {"file_hash", file_hash}}}};
  auto s = SignEntry(std::move(e), key);
  REQUIRE(s.ok());
  return s->canonical;
}

const std::string kSzUscc = "91110000101623741K", kGzUscc = "9144030071526726XG";

}  // namespace

TEST_CASE(
    "a record speaks only in its signer's name, or in that of an agency that delegated "
    "to it, identifiers and documents have one issuer",
    "[policy]") {
  Domain d;
  d.Start(true);
  for (const char* agency : {"sz-amr", "gz-amr"}) {
    REQUIRE(
        d.ledger
            ->Append(d.Config(
                "set_types", {{"agency_id", agency},
                              {"types", {"license", "penalty", "status_change", "credit_repair"}}}))
            .ok());
  }
  const std::string doc_a(64, 'a'), doc_b(64, 'b'), doc_c(64, 'd');
  // Each authority member, naming another agency: refused (403), naming the member.
  Status s = d.ledger->Append(License(d.gz, "gz-amr", kSzUscc, "1", doc_a)).status();
  CHECK(s.code() == StatusCode::kPermissionDenied);
  CHECK_THAT(s.message(), Catch::Contains("/body/issuing_authority/uscc"));
  s = d.ledger->Append(credledger::testing::SignedPenalty(d.gz, "gz-amr", "GZ-1", 100, kSzUscc))
          .status();
  CHECK(s.code() == StatusCode::kPermissionDenied);
  CHECK_THAT(s.message(), Catch::Contains("/body/punishing_authority/uscc"));
  const std::string sz_penalty = d.Penalty(d.sz, "sz-amr", "SZ-P");
  REQUIRE(d.ledger->Append(sz_penalty).ok());
  const std::string gz_penalty = d.Penalty(d.gz, "gz-amr", "GZ-P");
  REQUIRE(d.ledger->Append(gz_penalty).ok());
  const std::string repair_in_sz_name =
      d.Change(d.gz, "gz-amr", RecordId(gz_penalty), "credit_repair");
  s = d.ledger->Append(repair_in_sz_name).status();
  CHECK(s.code() == StatusCode::kPermissionDenied);
  CHECK_THAT(s.message(), Catch::Contains("/body/deciding_authority/uscc"));

  // sz-amr's own license; a copy of it (same identifier, number, document) signed by gz-amr is
  // refused whatever it names: in sz-amr's name (403), or in its own (its identifier then
  // names sz-amr as issuer, refused at validation; with its own identifier, the document is
  // sz-amr's: 409).
  const std::string original = License(d.sz, "sz-amr", kSzUscc, "1", doc_a);
  REQUIRE(d.ledger->Append(original).ok());
  CHECK(d.ledger->Append(License(d.gz, "gz-amr", kSzUscc, "1", doc_a)).status().code() ==
        StatusCode::kPermissionDenied);
  s = d.ledger->Append(License(d.gz, "gz-amr", kGzUscc, "1", doc_a)).status();
  CHECK(s.code() == StatusCode::kAlreadyExists);
  CHECK_THAT(s.message(),
             Catch::Contains("/body/file_hash") && Catch::Contains(RecordId(original)));
  // The identifier is held by one record, even within the agency (under another number).
  s = d.ledger
          ->Append(Resign(original, d.sz,
                          [](Json& e) {
                            e["body"]["license_number"] = "OTHER";
                            e["body"]["file_hash"] = std::string(64, 'e');
                          }))
          .status();
  CHECK(s.code() == StatusCode::kAlreadyExists);
  CHECK_THAT(s.message(), Catch::Contains("e-license identifier"));
  // A penalty's decision document too.
  s = d.ledger
          ->Append(credledger::testing::SignedPenalty(
              d.gz, "gz-amr", "GZ-2", 100, kGzUscc,
              Json::parse(sz_penalty)["body"]["decision_document_hash"]))
          .status();
  CHECK(s.code() == StatusCode::kAlreadyExists);
  CHECK_THAT(s.message(), Catch::Contains("/body/decision_document_hash"));
  // Only the two records of their own issuers carry the documents.
  CHECK(d.Documents(doc_a) == std::vector<std::string>{RecordId(original)});

  // Once sz-amr delegates to gz-amr, gz-amr may issue in sz-amr's name and share its
  // documents: its license with a new identifier, under sz-amr's authority.
  REQUIRE(d.ledger->Append(d.Config("delegate", {{"agency_id", "sz-amr"}, {"to", "gz-amr"}})).ok());
  CHECK(d.ledger->Append(License(d.gz, "gz-amr", kSzUscc, "2", doc_a)).ok());
  CHECK(d.ledger->Append(License(d.gz, "gz-amr", kSzUscc, "3", doc_b)).ok());
  // sz-amr did not delegate the other way: doc_c of gz-amr stays gz-amr's.
  REQUIRE(d.ledger->Append(License(d.gz, "gz-amr", kGzUscc, "4", doc_c)).ok());
  CHECK(d.ledger->Append(License(d.sz, "sz-amr", kSzUscc, "5", doc_c)).status().code() ==
        StatusCode::kAlreadyExists);
  // A replay of the log agrees.
  d.ledger.reset();
  d.Start(false);
  CHECK(d.Documents(doc_a).size() == 2);
}

TEST_CASE("changes and repairs belong to their target's subject, a penalty's regime has rules",
          "[policy]") {
  Domain d;
  d.Start(true);
  const std::string penalty = d.Penalty(d.sz, "sz-amr", "SZ-1");
  REQUIRE(d.ledger->Append(penalty).ok());
  const std::string other = "9144030071526726XG";
  // A status change filed under another enterprise.
  Status s = d.ledger
                 ->Append(Resign(d.Change(d.sz, "sz-amr", RecordId(penalty)), d.sz,
                                 [&](Json& e) { e["subject"]["uscc"] = other; }))
                 .status();
  CHECK(s.code() == StatusCode::kInvalidArgument);
  CHECK_THAT(s.message(), Catch::Contains("/subject") && Catch::Contains("914403001922038216"));
  // A repair applied for by another enterprise, or filed under one.
  const std::string repair = d.Change(d.sz, "sz-amr", RecordId(penalty), "credit_repair");
  s = d.ledger->Append(Resign(repair, d.sz, [&](Json& e) { e["body"]["applicant_uscc"] = other; }))
          .status();
  CHECK(s.code() == StatusCode::kInvalidArgument);
  CHECK_THAT(s.message(), Catch::Contains("/body/applicant_uscc"));
  s = d.ledger->Append(Resign(repair, d.sz, [&](Json& e) { e["subject"]["uscc"] = other; }))
          .status();
  CHECK(s.code() == StatusCode::kInvalidArgument);
  // Nothing was listed under the other enterprise; the right repair is admitted.
  CHECK(d.Subject(other, 0, 10).empty());
  CHECK(d.ledger->Append(repair).ok());

  // A regime the registry has no display rules for (the genesis has "2026" only).
  s = d.ledger
          ->Append(Resign(d.Penalty(d.sz, "sz-amr", "SZ-2"), d.sz,
                          [](Json& e) { e["body"]["display_regime"] = "2019"; }))
          .status();
  CHECK(s.code() == StatusCode::kInvalidArgument);
  CHECK_THAT(s.message(), Catch::Contains("/body/display_regime"));
}

TEST_CASE("historical codes: a permitted agency's license and penalty for such a holder",
          "[policy]") {
  Domain d;
  d.Start(true);
  REQUIRE(d.ledger
              ->Append(d.Config("set_types",
                                {{"agency_id", "sz-amr"}, {"types", {"license", "penalty"}}}))
              .ok());
  const std::string pilot = "91350100M0001TGQXM";  // legally issued, fails the check
  REQUIRE_FALSE(ValidateUscc(pilot).ok());
  const std::string license =
      License(d.sz, "sz-amr", kSzUscc, "7", std::string(64, 'a'), pilot, /*historical=*/true);
  // Not yet permitted: 403; permitted: admitted and indexed under the code.
  CHECK(d.ledger->Append(license).status().code() == StatusCode::kPermissionDenied);
  REQUIRE(
      d.ledger
          ->Append(d.Config("set_historical_codes", {{"agency_id", "sz-amr"}, {"allowed", true}}))
          .ok());
  REQUIRE(d.ledger->Append(license).ok());
  CHECK(d.Subject(pilot, 0, 10).size() == 1);
  // Unflagged, the same code is a bad check character (422 on the field).
  Json unflagged = Json::parse(license);
  unflagged.erase("signature");
  unflagged["subject"].erase("historical_code");
  auto refused = SignEntry(std::move(unflagged), d.sz);
  CHECK(refused.status().code() == StatusCode::kInvalidArgument);
  CHECK_THAT(refused.status().message(), Catch::Contains("/subject/uscc"));
}

TEST_CASE("after kill -9 at random moments the record indexes equal a rebuild from the log",
          "[policy][crash]") {
  Domain d;
  credledger::testing::TempDir dir;
  const std::string path = dir.file("db");
  const std::string node_key = dir.file("node.pem"), agency_key = dir.file("sz.pem");
  const std::string penalty = dir.file("penalty.json"), change = dir.file("change.json");
  credledger::testing::WriteFile(node_key, d.node.ToPem());
  credledger::testing::WriteFile(agency_key, d.sz.ToPem());
  credledger::testing::WriteFile(penalty, credledger::testing::SampleEntry("penalty").dump());
  credledger::testing::WriteFile(change, credledger::testing::SampleEntry("status_change").dump());
  {
    LevelDbOptions create;
    create.create_if_missing = true;
    auto store = OpenLevelDbStore(path, create);
    REQUIRE(store.ok());
    REQUIRE(Ledger::Create(std::move(*store), d.node, "policy.test/log",
                           crypto::HashAlgorithm::kSha256, d.Genesis())
                .ok());
  }
  std::mt19937_64 rng(7);
  std::map<uint64_t, std::string> acknowledged;  // index -> record id
  for (int cycle = 0; cycle < 4; ++cycle) {
    std::string error;
    const std::string out = credledger::testing::KillAfterLines(
        {CREDLEDGER_RECORDS_CRASH_WRITER, path, node_key, agency_key, penalty, change, "2",
         "cycle" + std::to_string(cycle) + "-"},
        20 + rng() % 200, rng, &error);
    if (!error.empty()) FAIL(error);
    std::istringstream lines(out);
    std::string line;
    while (std::getline(lines, line)) {
      const auto space = line.find(' ');
      acknowledged[std::stoull(line.substr(0, space))] = line.substr(space + 1);
    }
    // Reopen as ledgerd does: the indexes describe exactly the durable log, hold every
    // acknowledged record, and are what a rebuild from the log alone gives.
    auto store = OpenLevelDbStore(path);
    REQUIRE(store.ok());
    auto ledger = Ledger::Open(std::move(*store), d.node);
    if (!ledger.ok()) FAIL(ledger.status().ToString());
    auto policy = RecordPolicy::Open(**ledger);
    if (!policy.ok()) FAIL(policy.status().ToString());
    for (const auto& [index, id] : acknowledged) {
      auto info = (*policy)->reader().FindRecord(id);
      REQUIRE(info.ok());
      REQUIRE(info->has_value());
      CHECK((*info)->index == index);
    }
    const auto kept = IndexKeys((*ledger)->store());
    CHECK(kept.size() > 4 * acknowledged.size() / 2);
    CHECK(ReindexedFromScratch((*ledger)->store()) == kept);
  }
  CHECK(acknowledged.size() >= 4 * 20);
}

TEST_CASE(
    "a store whose indexes do not describe its log is refused, naming what to run, reindex "
    "resumes where it stopped",
    "[policy][reindex]") {
  Domain d;
  // A store of the earlier format: its log grew with no index kept beside it.
  LedgerOptions o;
  o.max_block_delay = std::chrono::microseconds(100);
  auto created = Ledger::Create(std::make_unique<SharedStore>(d.store), d.node, "policy.test/log",
                                crypto::HashAlgorithm::kSha256, d.Genesis(), o);
  REQUIRE(created.ok());
  std::unique_ptr<Ledger> ledger = std::move(*created);
  std::vector<std::string> ids;
  for (int i = 0; i < 6; ++i) {
    std::string p = d.Penalty(d.sz, "sz-amr", "OLD-" + std::to_string(i));
    REQUIRE(ledger->Append(p).ok());
    ids.push_back(RecordId(p));
  }
  REQUIRE(ledger->Append(d.Change(d.sz, "sz-amr", ids[0])).ok());
  REQUIRE(ledger->Append(d.Rotate()).ok());
  REQUIRE(ledger->Append(d.Penalty(d.sz_new, "sz-amr", "NEW-1")).ok());
  const uint64_t size = ledger->Head().tree_size;
  auto refused = RecordPolicy::Open(*ledger);
  CHECK(refused.status().code() == StatusCode::kFailedPrecondition);
  CHECK_THAT(
      refused.status().message(),
      Catch::Contains("describe the log up to tree size 1, but it holds " + std::to_string(size)) &&
          Catch::Contains("run `ledgerctl reindex DATA_DIR`"));

  // Interrupted (a write fails after two batches of two entries), then run again: it goes on
  // from where the durable indexes stop.
  std::vector<std::pair<uint64_t, uint64_t>> progress;
  auto record = [&](uint64_t done, uint64_t total) { progress.emplace_back(done, total); };
  d.store->FailOneWriteAfter(2);
  CHECK_FALSE(RecordPolicy::Reindex(ledger->store(), ledger->log(), false, record, 2).ok());
  CHECK_THAT(RecordPolicy::Open(*ledger).status().message(),
             Catch::Contains("up to tree size 5, but it holds " + std::to_string(size)));
  progress.clear();
  REQUIRE(RecordPolicy::Reindex(ledger->store(), ledger->log(), false, record, 2).ok());
  REQUIRE(!progress.empty());
  CHECK(progress.front() == std::make_pair(uint64_t{5}, size));
  CHECK(progress.back() == std::make_pair(size, size));
  auto opened = RecordPolicy::Open(*ledger);
  REQUIRE(opened.ok());
  const auto indexes = IndexKeys(d.store.get());
  CHECK(ReindexedFromScratch(d.store.get()) == indexes);
  auto info = (*opened)->reader().FindRecord(ids[0]);
  REQUIRE(info.ok());
  REQUIRE(info->has_value());
  CHECK((*info)->status == "suspended");
  // The rotation was replayed: the old key no longer signs, and the taken numbers stay taken.
  ledger->SetAdmissionPolicy(*opened);
  CHECK(ledger->Append(d.Penalty(d.sz, "sz-amr", "OLD-9")).status().code() ==
        StatusCode::kUnauthenticated);
  CHECK(ledger->Append(d.Penalty(d.sz_new, "sz-amr", "OLD-1", 9)).status().code() ==
        StatusCode::kAlreadyExists);

  // Indexes of another format: refused, naming it; a reindex rebuilds them from scratch.
  WriteBatch other_format;
  other_format.Put(index_keys::FormatVersion(), EncodeU64(99));
  REQUIRE(d.store->Write(other_format, true).ok());
  CHECK_THAT(RecordPolicy::Open(*ledger).status().message(),
             Catch::Contains("of format 99; this build keeps format " +
                             std::to_string(kIndexFormatVersion)));
  REQUIRE(RecordPolicy::Reindex(ledger->store(), ledger->log(), false, nullptr).ok());
  CHECK(IndexKeys(d.store.get()) == indexes);

  // A rebuild interrupted while it clears the indexes (in batches of 16 keys here) is refused
  // as such, and the next reindex clears them again from the start. The clearing counts what
  // it has to delete first, and says how far it is after each batch.
  REQUIRE(indexes.size() > 2 * 16);
  std::vector<std::pair<uint64_t, uint64_t>> cleared;
  auto clearing = [&](uint64_t deleted, uint64_t keys) { cleared.emplace_back(deleted, keys); };
  d.store->FailOneWriteAfter(2);  // the mark, one batch of deletions, then a failure
  CHECK_FALSE(
      RecordPolicy::Reindex(ledger->store(), ledger->log(), true, nullptr, 1, clearing).ok());
  CHECK(cleared ==
        std::vector<std::pair<uint64_t, uint64_t>>{{0, indexes.size()}, {16, indexes.size()}});
  CHECK_THAT(RecordPolicy::Open(*ledger).status().message(),
             Catch::Contains("a reindex was interrupted while it cleared the record indexes"));
  cleared.clear();
  REQUIRE(RecordPolicy::Reindex(ledger->store(), ledger->log(), false, nullptr, 1, clearing).ok());
  CHECK(IndexKeys(d.store.get()) == indexes);
  REQUIRE(!cleared.empty());
  CHECK(cleared.back().first == cleared.back().second);

  // Entries appended by a build that does not keep the indexes: refused again.
  ledger->SetAdmissionPolicy(nullptr);
  REQUIRE(ledger->Append(d.Penalty(d.sz_new, "sz-amr", "NEW-2")).ok());
  CHECK_THAT(RecordPolicy::Open(*ledger).status().message(),
             Catch::Contains("up to tree size " + std::to_string(size) + ", but it holds " +
                             std::to_string(size + 1)));
}
