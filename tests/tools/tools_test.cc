// ledgerctl's own pieces, without a process: its flag parser and --vkey. The commands
// themselves: tests/e2e/ledgerctl_test.sh and the suites that drive ledgerctl against nodes.
#include <catch2/catch.hpp>

#include "crypto/keys.h"
#include "test_util.h"
#include "tools/flags.h"

using namespace credledger;
using tools::Flags;

TEST_CASE("ledgerctl flags: values, switches, positionals, and each error named", "[tools]") {
  auto f = Flags::Parse({"in.json", "--key", "k.pem", "--count=3", "--once", "-", "--", "x"},
                        {"key", "count", "interval"}, {"once"})
               .value();
  CHECK(f.Get("key") == "k.pem");
  CHECK(f.GetUint("count", 0).value() == 3);
  CHECK(f.GetUint("interval", 60).value() == 60);  // absent: the fallback
  CHECK(f.Has("once"));
  CHECK_FALSE(f.Has("interval"));
  CHECK(f.GetOr("interval", "60") == "60");
  CHECK(f.positional() == std::vector<std::string>{"in.json", "-", "--", "x"});
  CHECK(f.Required("key").value() == "k.pem");
  CHECK(f.Required("interval").status().message() == "--interval is required");

  struct Bad {
    std::vector<std::string> args;
    std::string message;
  } bad[] = {
      {{"--nope", "1"}, "unknown flag --nope"},
      {{"--key"}, "--key needs a value"},
      {{"--once=yes"}, "--once takes no value"},
  };
  for (const Bad& b : bad) {
    auto parsed = Flags::Parse(b.args, {"key"}, {"once"});
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.status().code() == StatusCode::kInvalidArgument);
    CHECK(parsed.status().message() == b.message);
  }
  for (const char* text : {"-1", "1e3", "", "12x", "99999999999999999999"}) {
    INFO(text);
    auto g = Flags::Parse({std::string("--count=") + text}, {"count"}).value();
    CHECK(g.GetUint("count", 0).status().code() == StatusCode::kInvalidArgument);
  }
}

TEST_CASE("ledgerctl --vkey: the key itself, or a file holding it", "[tools]") {
  auto key = crypto::PrivateKey::Generate(crypto::KeyAlgorithm::kEd25519).value();
  const std::string vkey = NoteSigner::Create("tools.test/log", key).value().VerifierKey();
  CHECK(tools::VerifierFromFlag(vkey).value().name() == "tools.test/log");
  testing::TempDir dir;
  testing::WriteFile(dir.file("vkey"), vkey + "\r\n");
  CHECK(tools::VerifierFromFlag(dir.file("vkey")).value().key_id() ==
        NoteVerifier::FromVerifierKey(vkey).value().key_id());
  CHECK_FALSE(tools::VerifierFromFlag("not a key").ok());
}

TEST_CASE("ledgerctl --witness and --quorum: repeated keys or files, all required by default",
          "[tools][witness]") {
  std::vector<std::string> vkeys;
  for (int i = 1; i <= 3; ++i) {
    auto cosigner = witness::Cosigner::Create(
        "tools.test/w" + std::to_string(i),
        crypto::PrivateKey::Generate(crypto::KeyAlgorithm::kEd25519).value());
    vkeys.push_back(cosigner.value().VerifierKey());
  }
  testing::TempDir dir;
  testing::WriteFile(dir.file("w3"), vkeys[2] + "\n");
  auto parse = [](std::vector<std::string> args) {
    return tools::WitnessPolicyFromFlags(Flags::Parse(args, {"witness", "quorum"}).value());
  };
  // Every occurrence kept, in order; a file holds a key as --vkey's does.
  auto all = parse({"--witness", vkeys[0], "--witness=" + vkeys[1], "--witness", dir.file("w3")});
  REQUIRE(all.ok());
  REQUIRE(all->witnesses.size() == 3);
  CHECK(all->witnesses[0].name() == "tools.test/w1");
  CHECK(all->witnesses[2].name() == "tools.test/w3");
  CHECK(all->quorum == 3);
  CHECK(parse({"--witness", vkeys[0], "--witness", vkeys[1], "--quorum", "1"})->quorum == 1);
  // No --witness: no policy.
  auto none = parse({});
  REQUIRE(none.ok());
  CHECK(none->witnesses.empty());
  CHECK(none->quorum == 0);
  // A quorum of 0 or above the keys given, a note key (type 0x01): refused, named.
  for (const char* quorum : {"0", "3"}) {
    auto bad = parse({"--witness", vkeys[0], "--witness", vkeys[1], "--quorum", quorum});
    CHECK(bad.status().code() == StatusCode::kInvalidArgument);
    CHECK_THAT(bad.status().message(), Catch::Contains("--quorum is 1 to the number"));
  }
  auto note_key =
      NoteSigner::Create("tools.test/log",
                         crypto::PrivateKey::Generate(crypto::KeyAlgorithm::kEd25519).value())
          .value()
          .VerifierKey();
  auto wrong = parse({"--witness", note_key});
  CHECK(wrong.status().code() == StatusCode::kInvalidArgument);
  CHECK_THAT(wrong.status().message(), Catch::Contains("--witness"));
}
