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
