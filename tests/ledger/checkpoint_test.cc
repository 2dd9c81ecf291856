#include "ledger/checkpoint.h"

#include <catch2/catch.hpp>

#include "crypto/encoding.h"
#include "test_util.h"

using namespace credledger;

namespace {

// golang.org/x/mod/sumdb/note note_test.go: the PeterNeumann key pair and signed note.
constexpr std::string_view kPeterSigner = "AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
constexpr std::string_view kPeterVkey =
    "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
constexpr std::string_view kEnochVkey =
    "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop";
const std::string kText =
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n";
const std::string kPeterSig =
    "\xe2\x80\x94 PeterNeumann "
    "x08go/ZJkuBS9UG/"
    "SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
const std::string kEnochSig =
    "\xe2\x80\x94 EnochRoot "
    "rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/"
    "5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";

NoteSigner PeterSigner() {
  auto skey = crypto::Base64Decode(kPeterSigner);
  REQUIRE(skey.ok());
  REQUIRE(skey->size() == 33);
  REQUIRE((*skey)[0] == 0x01);
  auto key = crypto::PrivateKey::FromEd25519Seed(std::span(*skey).subspan(1));
  REQUIRE(key.ok());
  auto signer = NoteSigner::Create("PeterNeumann", *key);
  REQUIRE(signer.ok());
  return *signer;
}

}  // namespace

TEST_CASE("signed notes match the Go sumdb/note vectors byte for byte", "[note]") {
  NoteSigner signer = PeterSigner();
  CHECK(signer.key_id() == 0xc74f20a3);
  CHECK(signer.VerifierKey() == kPeterVkey);
  auto note = signer.Sign(kText);
  REQUIRE(note.ok());
  CHECK(*note == kText + "\n" + kPeterSig);
}

TEST_CASE("notes open with the right verifier and ignore other keys' signatures", "[note]") {
  auto peter = NoteVerifier::FromVerifierKey(kPeterVkey);
  auto enoch = NoteVerifier::FromVerifierKey(kEnochVkey);
  REQUIRE((peter.ok() && enoch.ok()));
  CHECK(peter->name() == "PeterNeumann");
  CHECK(peter->key_id() == 0xc74f20a3);

  std::string both = kText + "\n" + kPeterSig + kEnochSig;
  auto text = peter->Open(both);
  REQUIRE(text.ok());
  CHECK(*text == kText);
  CHECK(enoch->Open(both).ok());
  // Only Enoch's signature: Peter finds none of his.
  auto none = peter->Open(kText + "\n" + kEnochSig);
  CHECK(none.status().code() == StatusCode::kUnauthenticated);
  // A corrupted signature by a known key is an error, not ignored.
  std::string bad_sig = kPeterSig.substr(0, 60) + "ABCD" + kPeterSig.substr(60);
  CHECK(peter->Open(kText + "\n" + bad_sig).status().code() != StatusCode::kOk);
  // A changed text fails.
  std::string other =
      "If you think cryptography is the answer to your problem,\nthen think again.\n";
  CHECK(peter->Open(other + "\n" + kPeterSig).status().code() == StatusCode::kUnauthenticated);
}

TEST_CASE("malformed notes are rejected as in Go's note package", "[note]") {
  auto peter = NoteVerifier::FromVerifierKey(kPeterVkey);
  REQUIRE(peter.ok());
  const std::string bad[] = {
      kText,
      kText + "\n",
      kText + "\n" + kPeterSig.substr(0, kPeterSig.size() - 1),
      "\x01" + kText + "\n" + kPeterSig,
      "\xff" + kText + "\n" + kPeterSig,
      kText + "\n" +
          "\xe2\x80\x94 Bad Name "
          "x08go/ZJkuBS9UG/"
          "SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=",
      kText + "\n" + kPeterSig + "Unexpected line.\n",
  };
  for (const auto& msg : bad) {
    INFO(msg);
    CHECK_FALSE(peter->Open(msg).ok());
  }
  std::string many = kText + "\n";
  for (int i = 0; i < 101; ++i) many += kPeterSig;
  CHECK_FALSE(peter->Open(many).ok());
}

TEST_CASE("verifier keys: every mangling is rejected", "[note]") {
  std::string vkey(kPeterVkey);
  REQUIRE(NoteVerifier::FromVerifierKey(vkey).ok());
  for (size_t i = 0; i < vkey.size(); ++i) {
    std::string m = vkey;
    m[i] = static_cast<char>(m[i] + 1);
    INFO(m);
    CHECK_FALSE(NoteVerifier::FromVerifierKey(m).ok());
  }
  for (size_t len = 0; len < vkey.size(); ++len) {
    CHECK_FALSE(NoteVerifier::FromVerifierKey(vkey.substr(0, len)).ok());
  }
  // Wrong length key with an adjusted key hash, and an unknown algorithm byte (Go's tests).
  CHECK_FALSE(NoteVerifier::FromVerifierKey(
                  "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==")
                  .ok());
  CHECK_FALSE(NoteVerifier::FromVerifierKey(
                  "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")
                  .ok());
}

TEST_CASE("signers reject bad names, keys and texts", "[note]") {
  auto ed = crypto::PrivateKey::Generate(crypto::KeyAlgorithm::kEd25519);
  auto p256 = crypto::PrivateKey::Generate(crypto::KeyAlgorithm::kP256);
  REQUIRE((ed.ok() && p256.ok()));
  CHECK_FALSE(NoteSigner::Create("a b", *ed).ok());
  CHECK_FALSE(NoteSigner::Create("a+b", *ed).ok());
  CHECK_FALSE(NoteSigner::Create("", *ed).ok());
  CHECK_FALSE(NoteSigner::Create("a\xc2\xa0"
                                 "b",
                                 *ed)
                  .ok());
  CHECK(NoteSigner::Create("example.gov.cn/credledger", *p256).status().code() ==
        StatusCode::kInvalidArgument);
  auto signer = NoteSigner::Create("example.gov.cn/credledger", *ed);
  REQUIRE(signer.ok());
  CHECK_FALSE(signer->Sign("no newline").ok());
  CHECK_FALSE(signer->Sign("tab\there\n").ok());
  CHECK(signer->Sign("\xe4\xbf\xa1\xe7\x94\xa8\n").ok());  // UTF-8 text is fine
}

TEST_CASE("checkpoints round-trip and are checked line by line", "[checkpoint]") {
  auto ed = crypto::PrivateKey::Generate(crypto::KeyAlgorithm::kEd25519);
  REQUIRE(ed.ok());
  auto signer = NoteSigner::Create("credledger.example/dev", *ed);
  REQUIRE(signer.ok());
  Checkpoint c{"credledger.example/dev", 1234567, {}};
  for (size_t i = 0; i < c.root.size(); ++i) c.root[i] = static_cast<uint8_t>(i);
  std::string body = CheckpointBody(c);
  CHECK(body == "credledger.example/dev\n1234567\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n");
  auto note = signer->Sign(body);
  REQUIRE(note.ok());
  auto verifier = NoteVerifier::FromVerifierKey(signer->VerifierKey());
  REQUIRE(verifier.ok());
  auto back = VerifyCheckpoint(*note, *verifier, "credledger.example/dev");
  REQUIRE(back.ok());
  CHECK(back->tree_size == 1234567);
  CHECK(back->root == c.root);
  CHECK(VerifyCheckpoint(*note, *verifier, "other.origin").status().code() ==
        StatusCode::kUnauthenticated);
  // Extension lines after the root are allowed.
  CHECK(ParseCheckpointBody(body + "extension line\n").ok());
  for (const char* bad :
       {"o\n01\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n",
        "o\n-1\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n", "o\n12\nAAECAw==\n",
        "\n12\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n", "o\n12\n",
        "o\n18446744073709551616\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n"}) {
    INFO(bad);
    CHECK_FALSE(ParseCheckpointBody(bad).ok());
  }
}
