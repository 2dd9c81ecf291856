// The C2SP witness (ledger/witness/): cosignature/v1 bytes as the spec writes them, and the
// add-checkpoint rules against real ledgers, a forked one among them.
#include "ledger/witness/witness.h"

#include <catch2/catch.hpp>
#include <future>
#include <thread>

#include "crypto/encoding.h"
#include "crypto/hash.h"
#include "ledger/ledger.h"
#include "ledger/witness/cosignature.h"
#include "ledger_util.h"

using namespace credledger;
using witness::Answer;

namespace {

constexpr const char* kOrigin = "witness.credledger.test/log";

crypto::PrivateKey Ed25519() {
  return *crypto::PrivateKey::Generate(crypto::KeyAlgorithm::kEd25519);
}

// A ledger whose checkpoints the witness is shown, grown on demand.
struct Log {
  std::unique_ptr<Ledger> ledger;
  explicit Log(const crypto::PrivateKey& key, std::string entry_tag = "a")
      : tag(std::move(entry_tag)) {
    LedgerOptions options;
    options.max_block_delay = std::chrono::microseconds(200);
    auto l = Ledger::Create(std::make_unique<MemoryStore>(), key, kOrigin,
                            merkle::HashAlgorithm::kSha256, {}, options);
    REQUIRE(l.ok());
    ledger = std::move(*l);
  }
  void GrowTo(uint64_t size) {
    while (ledger->Head().tree_size < size) {
      REQUIRE(ledger->Append(tag + std::to_string(ledger->Head().tree_size)).ok());
    }
  }
  std::string Checkpoint() { return *ledger->SignedCheckpoint(); }
  // The add-checkpoint body from `old_size` to the current head.
  std::string Request(uint64_t old_size) {
    std::string body = "old " + std::to_string(old_size) + "\n";
    if (old_size > 0 && old_size < ledger->Head().tree_size) {
      auto proof = ledger->log().ConsistencyProof(old_size, ledger->Head().tree_size);
      REQUIRE(proof.ok());
      for (const merkle::Hash& h : *proof) body += crypto::Base64Encode(h) + "\n";
    }
    return body + "\n" + Checkpoint();
  }
  std::string tag;
};

struct TestWitness {
  MemoryStore* store = nullptr;
  std::unique_ptr<witness::Witness> w;
  uint64_t now = 1700000000;
  TestWitness(const crypto::PrivateKey& log_key, std::unique_ptr<MemoryStore> mem = nullptr) {
    if (!mem) mem = std::make_unique<MemoryStore>();
    store = mem.get();
    auto cosigner = witness::Cosigner::Create("witness.example/w1", Ed25519());
    REQUIRE(cosigner.ok());
    auto vkey = NoteVerifierKey(kOrigin, log_key.public_key());
    REQUIRE(vkey.ok());
    auto opened = witness::Witness::Open(std::move(mem), std::move(*cosigner), {{*vkey}},
                                         [this] { return now; });
    REQUIRE(opened.ok());
    w = std::move(*opened);
  }
};

}  // namespace

TEST_CASE("cosignature/v1: the key id, the signed message and the line, as the spec has them",
          "[witness]") {
  const crypto::PrivateKey key = Ed25519();
  auto cosigner = witness::Cosigner::Create("witness.example/w1", key);
  REQUIRE(cosigner.ok());
  const auto raw = key.public_key().RawEd25519();
  // SHA-256(name || "\n" || 0x04 || key)[:4], computed here independently.
  std::string preimage = "witness.example/w1\n\x04";
  preimage.append(reinterpret_cast<const char*>(raw.data()), raw.size());
  const crypto::Digest d = crypto::Hash(crypto::HashAlgorithm::kSha256, preimage);
  const uint32_t id = uint32_t{d[0]} << 24 | uint32_t{d[1]} << 16 | uint32_t{d[2]} << 8 | d[3];
  CHECK(witness::CosignerKeyId("witness.example/w1", raw) == id);
  char hex[9];
  std::snprintf(hex, sizeof hex, "%08x", id);
  std::string material = "\x04";
  material.append(reinterpret_cast<const char*>(raw.data()), raw.size());
  CHECK(cosigner->VerifierKey() == std::string("witness.example/w1+") + hex + "+" +
                                       crypto::Base64Encode(crypto::AsBytes(material)));

  // The spec's example message.
  const std::string text =
      "example.com/behind-the-sofa\n20852163\n"
      "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
  CHECK(witness::CosignedMessage(text, 1679315147) == "cosignature/v1\ntime 1679315147\n" + text);
  auto line = cosigner->Cosign(text, 1679315147);
  REQUIRE(line.ok());
  // "— <name> base64(key id || u64 timestamp || 64-byte signature)\n", verified here with the
  // raw key over the spec's message.
  const std::string prefix = "\xe2\x80\x94 witness.example/w1 ";
  REQUIRE(line->starts_with(prefix));
  REQUIRE(line->back() == '\n');
  auto blob = crypto::Base64Decode(line->substr(prefix.size(), line->size() - prefix.size() - 1));
  REQUIRE(blob.ok());
  REQUIRE(blob->size() == 4 + 8 + 64);
  CHECK((uint32_t{(*blob)[0]} << 24 | uint32_t{(*blob)[1]} << 16 | uint32_t{(*blob)[2]} << 8 |
         (*blob)[3]) == id);
  uint64_t ts = 0;
  for (int i = 4; i < 12; ++i) ts = ts << 8 | (*blob)[i];
  CHECK(ts == 1679315147);
  CHECK(key.public_key()
            .Verify("cosignature/v1\ntime 1679315147\n" + text,
                    std::span<const uint8_t>(blob->data() + 12, 64))
            .ok());

  // The verifier: the cosigned note (log signature + cosignature) verifies; a changed
  // timestamp, text or an unknown witness does not.
  const std::string note = text + "\n\xe2\x80\x94 example.com/behind-the-sofa AAAAAAA=\n" + *line;
  auto verifier = witness::CosignatureVerifier::FromVerifierKey(cosigner->VerifierKey());
  REQUIRE(verifier.ok());
  CHECK(*verifier->Verify(note) == 1679315147);
  auto later = cosigner->Cosign(text, 1679315148);
  CHECK(verifier->Verify(text + "\n" + *later).ok());
  std::string other_text = note;
  other_text[other_text.find("20852163")] = '3';
  CHECK(verifier->Verify(other_text).status().code() == StatusCode::kUnauthenticated);
  auto stranger = witness::Cosigner::Create("witness.example/w2", Ed25519());
  auto stranger_verifier = witness::CosignatureVerifier::FromVerifierKey(stranger->VerifierKey());
  CHECK(stranger_verifier->Verify(note).status().code() == StatusCode::kNotFound);
  // A note key (type 0x01) is not a witness key, and the log's key still opens the note.
  auto note_vkey = NoteVerifierKey("witness.example/w1", key.public_key());
  CHECK(witness::CosignatureVerifier::FromVerifierKey(*note_vkey).status().code() ==
        StatusCode::kInvalidArgument);
  CHECK(witness::Cosigner::Create("w1", *crypto::PrivateKey::Generate(crypto::KeyAlgorithm::kP256))
            .status()
            .code() == StatusCode::kInvalidArgument);
  CHECK(cosigner->Cosign("no newline", 1).status().code() == StatusCode::kInvalidArgument);
}

TEST_CASE("the witness cosigns a log's checkpoints only as far as they stay consistent",
          "[witness]") {
  const crypto::PrivateKey log_key = Ed25519();
  Log log(log_key);
  TestWitness tw(log_key);
  witness::Witness& w = *tw.w;
  auto verifier = witness::CosignatureVerifier::FromVerifierKey(w.cosigner().VerifierKey());
  REQUIRE(verifier.ok());
  auto cosigned = [&](const Answer& a, const std::string& checkpoint) {
    REQUIRE(a.status == 200);
    CHECK(a.content_type == "text/plain; charset=utf-8");
    return verifier->Verify(checkpoint + a.body);
  };

  // First contact: old 0, no proof.
  log.GrowTo(10);
  std::string cp10 = log.Checkpoint();
  Answer first = w.AddCheckpoint(log.Request(0));
  CHECK(*cosigned(first, cp10) == tw.now);
  // The next, with a consistency proof from 10.
  log.GrowTo(300);
  tw.now += 5;
  const std::string cp300 = log.Checkpoint();
  CHECK(*cosigned(w.AddCheckpoint(log.Request(10)), cp300) == tw.now);
  CHECK((*w.Latest(kOrigin))->tree_size == 300);
  // The same checkpoint again: cosigned again.
  CHECK(w.AddCheckpoint(log.Request(300)).status == 200);

  // A stale old size: 409 with the latest size, as text/x.tlog.size.
  log.GrowTo(400);
  Answer stale = w.AddCheckpoint(log.Request(10));
  CHECK(stale.status == 409);
  CHECK(stale.content_type == "text/x.tlog.size");
  CHECK(stale.body == "300\n");
  // A proof that does not verify: 422.
  std::string bad = log.Request(300);
  const size_t first_proof = bad.find('\n') + 1;
  bad[first_proof] = bad[first_proof] == 'A' ? 'B' : 'A';
  CHECK(w.AddCheckpoint(bad).status == 422);
  CHECK((*w.Latest(kOrigin))->tree_size == 300);

  // A fork: another ledger under the same key and origin. Its 300 has another root (409),
  // and its 500 has no proof from the cosigned 300 (422): one history only.
  Log fork(log_key, "b");
  fork.GrowTo(300);
  CHECK(w.AddCheckpoint(fork.Request(300)).status == 409);
  fork.GrowTo(500);
  CHECK(w.AddCheckpoint(fork.Request(300)).status == 422);
  CHECK(w.AddCheckpoint(log.Request(300)).status == 200);  // the true history goes on
  CHECK((*w.Latest(kOrigin))->tree_size == 400);

  // Refusals before any state is read.
  CHECK(w.AddCheckpoint("old 0\n\nother.example/log\n1\n" + std::string(43, 'A') +
                        "=\n\n\xe2\x80\x94 other.example/log AAAAAAA=\n")
            .status == 404);
  Log stranger(Ed25519());  // the same origin, another key
  stranger.GrowTo(2);
  CHECK(w.AddCheckpoint(stranger.Request(0)).status == 403);
  log.GrowTo(401);
  for (const std::string& malformed :
       {std::string("old 400\n") + log.Checkpoint(),    // no empty line
        "old 0400\n\n" + log.Checkpoint(),              // leading zero
        "new 400\n\n" + log.Checkpoint(),               // not "old"
        "old 400\nnot base64!\n\n" + log.Checkpoint(),  // a proof line
        "old 402\n\n" + log.Checkpoint(),               // above the checkpoint's size
        std::string("old 400\n\nno checkpoint here\n")}) {
    INFO(malformed.substr(0, 20));
    CHECK(w.AddCheckpoint(malformed).status == 400);
  }
  std::string too_long = "old 400\n";
  for (int i = 0; i < 64; ++i) too_long += std::string(43, 'A') + "=\n";
  CHECK(w.AddCheckpoint(too_long + "\n" + log.Checkpoint()).status == 400);
  CHECK((*w.Latest(kOrigin))->tree_size == 400);
}

TEST_CASE("the witness persists before it cosigns, and races cosign one of them", "[witness]") {
  const crypto::PrivateKey log_key = Ed25519();
  Log log(log_key);
  log.GrowTo(5);
  const std::string at5 = log.Request(0);
  {
    // A store that cannot write: nothing is cosigned, and nothing remembered.
    auto mem = std::make_unique<MemoryStore>();
    mem->FailWritesAfter(0);
    TestWitness tw(log_key, std::move(mem));
    Answer a = tw.w->AddCheckpoint(at5);
    CHECK(a.status == 500);
    CHECK(a.body.find("\xe2\x80\x94") == std::string::npos);
    CHECK_FALSE(tw.w->Latest(kOrigin)->has_value());
  }
  // Reopened on its store, a witness keeps its latest checkpoint.
  auto shared = std::make_shared<MemoryStore>();
  {
    auto opened = witness::Witness::Open(
        std::make_unique<testing::SharedStore>(shared),
        *witness::Cosigner::Create("witness.example/w1", Ed25519()),
        {{*NoteVerifierKey(kOrigin, log_key.public_key())}}, [] { return uint64_t{1}; });
    REQUIRE((*opened)->AddCheckpoint(at5).status == 200);
  }
  auto reopened = witness::Witness::Open(
      std::make_unique<testing::SharedStore>(shared),
      *witness::Cosigner::Create("witness.example/w1", Ed25519()),
      {{*NoteVerifierKey(kOrigin, log_key.public_key())}}, [] { return uint64_t{1}; });
  REQUIRE(reopened.ok());
  CHECK((*(*reopened)->Latest(kOrigin))->tree_size == 5);

  // Eight requests from 5, each to its own larger tree, at once: one is cosigned, the others
  // find the state moved (409 with its size).
  std::vector<std::string> requests;
  for (uint64_t size = 6; size < 14; ++size) {
    log.GrowTo(size);
    requests.push_back(log.Request(5));
  }
  std::vector<std::future<Answer>> answers;
  for (const std::string& r : requests) {
    answers.push_back(
        std::async(std::launch::async, [&, r] { return (*reopened)->AddCheckpoint(r); }));
  }
  int ok = 0, conflicts = 0;
  for (auto& a : answers) {
    Answer got = a.get();
    if (got.status == 200) ++ok;
    if (got.status == 409) ++conflicts;
  }
  CHECK(ok == 1);
  CHECK(conflicts == 7);
  CHECK((*(*reopened)->Latest(kOrigin))->tree_size > 5);
}
