// The client module against a real server on loopback (api::Server over an in-memory node):
// following checkpoints (first, unchanged, extended, and each alarm with its evidence), and
// auditing a log over HTTP and from its store, intact and tampered.
#include <catch2/catch.hpp>

#include "api/client/audit.h"
#include "api/client/follow.h"
#include "api/server.h"
#include "ledger/format.h"
#include "ledger_util.h"
#include "node_util.h"

using namespace credledger;

namespace {

struct Served {
  testing::Node node;
  std::unique_ptr<api::Server> server;
  NoteVerifier verifier;

  Served() : verifier(*NoteVerifier::FromVerifierKey(node.ledger->VerifierKey())) {
    api::ServerOptions o;
    o.port = 0;
    o.threads = 1;
    auto started = api::Server::Start(*node.service, o);
    REQUIRE(started.ok());
    server = std::move(*started);
  }
  ~Served() { server->Shutdown(std::chrono::milliseconds(1000)); }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(server->port()); }
  client::HttpClient Client() const { return client::HttpClient::Create(url()).value(); }
  void Submit(const std::string& number) {
    REQUIRE(node.Call("POST", "/v1/entries", node.Penalty(number)).status == 201);
  }
  // A checkpoint the node's key signs for any size and root: what a lying node could serve.
  std::string SignedCheckpoint(uint64_t size, const merkle::Hash& root) const {
    auto signer = NoteSigner::Create("api.test/log", node.node_key).value();
    return signer.Sign(CheckpointBody({"api.test/log", size, root})).value();
  }
};

}  // namespace

TEST_CASE("following a node's checkpoints: each step, and each alarm with its evidence",
          "[client]") {
  Served s;
  client::HttpClient http = s.Client();
  const auto alg = client::NodeTreeHash(http).value();
  CHECK(alg == crypto::HashAlgorithm::kSha256);
  s.Submit("F-1");

  auto first = client::FollowCheckpoint(http, s.verifier, alg, "").value();
  CHECK(first.kind == client::FollowStep::Kind::kFirst);
  CHECK(first.checkpoint.tree_size == 2);
  auto same = client::FollowCheckpoint(http, s.verifier, alg, first.note).value();
  CHECK(same.kind == client::FollowStep::Kind::kUnchanged);
  for (int i = 2; i <= 6; ++i) s.Submit("F-" + std::to_string(i));
  auto grown = client::FollowCheckpoint(http, s.verifier, alg, first.note).value();
  CHECK(grown.kind == client::FollowStep::Kind::kExtended);
  CHECK(grown.previous_size == 2);
  CHECK(grown.checkpoint.tree_size == 7);
  CHECK(grown.proof_hashes > 0);

  // What a node that rewrote history would have signed before: the alarm carries both
  // signed checkpoints (and the proof that fails to join them).
  const merkle::Hash other_root = merkle::LeafHash(alg, "another history");
  struct Lie {
    std::string previous;
    std::string alarm_part;
    bool has_proof;
  } lies[] = {
      {s.SignedCheckpoint(7, other_root), "with different roots (a fork)", false},
      {s.SignedCheckpoint(9, other_root), "shrank from 9 to 7", false},
      {s.SignedCheckpoint(3, other_root), "not an append-only extension of 3", true},
  };
  for (const Lie& lie : lies) {
    INFO(lie.alarm_part);
    auto step = client::FollowCheckpoint(http, s.verifier, alg, lie.previous).value();
    CHECK(step.kind == client::FollowStep::Kind::kAlarm);
    CHECK(step.alarm.find(lie.alarm_part) != std::string::npos);
    CHECK(step.evidence["previous_checkpoint"] == lie.previous);
    CHECK(step.evidence["new_checkpoint"] == grown.note);
    CHECK(step.evidence.contains("consistency_proof") == lie.has_proof);
  }
  // A previous checkpoint under another key is the caller's mistake, not the node's.
  const auto stranger = crypto::PrivateKey::Generate(crypto::KeyAlgorithm::kEd25519).value();
  const std::string foreign = NoteSigner::Create("api.test/log", stranger)
                                  .value()
                                  .Sign(CheckpointBody({"api.test/log", 7, other_root}))
                                  .value();
  CHECK(client::FollowCheckpoint(http, s.verifier, alg, foreign).status().code() ==
        StatusCode::kInvalidArgument);
  // A node served under another key: its checkpoint does not verify, an alarm.
  const NoteVerifier wrong =
      *NoteVerifier::FromVerifierKey(NoteSigner::Create("api.test/log", stranger)->VerifierKey());
  auto unverified = client::FollowCheckpoint(http, wrong, alg, "").value();
  CHECK(unverified.kind == client::FollowStep::Kind::kAlarm);
  CHECK(unverified.alarm.find("does not verify") != std::string::npos);
  // An unreachable node is not an alarm.
  auto closed = client::HttpClient::Create("http://127.0.0.1:1").value();
  CHECK(client::FollowCheckpoint(closed, s.verifier, alg, first.note).status().code() ==
        StatusCode::kUnavailable);
}

TEST_CASE("auditing a log over HTTP and from its store, a changed entry is named", "[client]") {
  Served s;
  for (int i = 1; i <= 5; ++i) s.Submit("A-" + std::to_string(i));
  client::HttpLogSource over_http(s.Client());
  client::AuditCounts counts;
  Status audited = client::AuditLog(over_http, s.verifier, &counts);
  INFO(audited.ToString());
  REQUIRE(audited.ok());
  CHECK(counts.entries == 6);
  CHECK(counts.records == 5);
  CHECK(counts.blocks >= 2);

  client::StoreLogSource from_store(std::make_unique<testing::BorrowedStore>(s.node.store));
  client::AuditCounts store_counts;
  REQUIRE(client::AuditLog(from_store, s.verifier, &store_counts).ok());
  CHECK(store_counts.entries == counts.entries);
  CHECK(store_counts.blocks == counts.blocks);

  // One byte of entry 3 changed on disk: the block holding it no longer adds up.
  std::string entry;
  REQUIRE(s.node.store->Get(format::EntryKey(3), &entry).ok());
  entry[entry.find("A-3")] = 'B';
  s.node.store->Corrupt(format::EntryKey(3), entry);
  client::AuditCounts damaged;
  Status failed = client::AuditLog(from_store, s.verifier, &damaged);
  CHECK(failed.code() == StatusCode::kDataLoss);
  CHECK(failed.message().find("an entry was altered") != std::string::npos);
  // Another node's key vouches for nothing here: the target does not verify.
  const auto stranger = crypto::PrivateKey::Generate(crypto::KeyAlgorithm::kEd25519).value();
  const NoteVerifier wrong =
      *NoteVerifier::FromVerifierKey(NoteSigner::Create("api.test/log", stranger)->VerifierKey());
  CHECK(client::AuditLog(over_http, wrong, &damaged).code() == StatusCode::kUnauthenticated);
}
