// ledgerd's own pieces, without a process: its configuration (file, flags, errors, help) and
// the development ledger --dev creates. The process itself: tests/e2e/.
#include <catch2/catch.hpp>
#include <filesystem>

#include "ledger/checkpoint.h"
#include "ledger/data_dir.h"
#include "ledger/records/access.h"
#include "ledger/records/entry.h"
#include "ledger/records/policy.h"
#include "node/config.h"
#include "node/dev_ledger.h"
#include "test_util.h"

using namespace credledger;

TEST_CASE("ledgerd's configuration: defaults, a file, flags over it, and every error named",
          "[node]") {
  auto defaults = node::LoadConfig({}).value();
  CHECK(defaults.port == 8080);
  CHECK(defaults.data_dir == "data");
  CHECK(defaults.log_format == "logfmt");
  CHECK_FALSE(defaults.dev);

  testing::TempDir dir;
  const std::string file = dir.file("ledgerd.json");
  testing::WriteFile(file, R"({"port": 9000, "data_dir": "/srv/ledger", "max_body_bytes": 2048})");
  // Flags override the file wherever they stand, '-' or '_' alike, "--x=v" or "--x v".
  auto c = node::LoadConfig({"--port=0", "--config", file, "--max-body-bytes", "4096", "--dev",
                             "--log_format=json"})
               .value();
  CHECK(c.port == 0);
  CHECK(c.data_dir == "/srv/ledger");
  CHECK(c.max_body_bytes == 4096);
  CHECK(c.dev);
  CHECK(c.log_format == "json");
  CHECK(node::LoadConfig({"--help"}).value().help);

  struct Bad {
    std::vector<std::string> args;
    std::string file_text;  // written to the config file when not empty
    std::string message_part;
  } bad[] = {
      {{"--port", "65536"}, "", "port must be 0..65535"},
      {{"--port", "-1"}, "", "--port must be a non-negative integer"},
      {{"--log-format", "xml"}, "", "log_format must be logfmt, json or none"},
      {{"--max-batch-entries", "0"}, "", "must be at least 1"},
      {{"--read-timeout-ms", "0"}, "", "timeouts must be at least 1 ms"},
      {{"--no-such-flag", "1"}, "", "unknown flag --no-such-flag"},
      {{"--data-dir"}, "", "--data-dir needs a value"},
      {{"stray"}, "", "unexpected argument \"stray\""},
      {{"--config", "FILE"}, R"({"prot": 1})", "unknown member \"prot\""},
      {{"--config", "FILE"}, R"({"port": "80"})", "port must be a non-negative integer"},
      {{"--config", "FILE"}, "[1]", "must be a JSON object"},
      {{"--config", "FILE"}, "{", "ledgerd.json"},
      {{"--follow", "http://127.0.0.1:1"}, "", "--follow needs --follow-key"},
      {{"--follow", "http://127.0.0.1:1", "--follow-key", "k", "--dev"}, "", "signs nothing"},
      {{"--follow", "http://127.0.0.1:1", "--follow-key", "k", "--tlog-dir", "t"},
       "",
       "signs nothing"},
      {{"--follow", "http://127.0.0.1:1", "--follow-key", "k", "--follow-poll-ms", "0"},
       "",
       "follow_poll_ms must be at least 1"},
  };
  for (Bad& b : bad) {
    if (!b.file_text.empty()) testing::WriteFile(file, b.file_text);
    for (std::string& a : b.args) {
      if (a == "FILE") a = file;
    }
    INFO(b.message_part);
    auto loaded = node::LoadConfig(b.args);
    REQUIRE_FALSE(loaded.ok());
    CHECK(loaded.status().code() == StatusCode::kInvalidArgument);
    CHECK(loaded.status().message().find(b.message_part) != std::string::npos);
  }
  CHECK(node::LoadConfig({"--config", dir.file("missing.json")}).status().code() ==
        StatusCode::kNotFound);

  // --help lists every member with its default, as a flag.
  const std::string help = node::ConfigHelp();
  for (const char* flag : {"--port", "--data-dir", "--max-body-bytes", "--tls-cert-file",
                           "--banks-file", "--dev", "--tile-cache-tiles"}) {
    CHECK(help.find(flag) != std::string::npos);
  }
  CHECK(help.find("8080") != std::string::npos);
}

TEST_CASE("ledgerd --dev: a ledger whose keys sign what its genesis permits", "[node]") {
  testing::TempDir dir;
  const std::string data = dir.path().string();
  auto ledger = node::CreateDevLedger(data, DataDirOptions{}).value();
  CHECK(ledger->Head().tree_size == 1);
  // The genesis on disk is the one in the log.
  const std::string genesis = ledger->log().GetEntry(0).value();
  CHECK(testing::ReadFile(data + "/dev-genesis.json") == genesis + "\n");
  auto parsed = records::RecordPolicy::FromGenesis(genesis);
  INFO(parsed.status().ToString());
  REQUIRE(parsed.ok());
  auto policy = *parsed;
  // Each demo agency's key file is a key the registry holds for it, and the example license
  // signed with sz-amr's key is admitted.
  for (const char* agency : {"sz-amr", "sz-tax", "sz-eco"}) {
    INFO(agency);
    auto key =
        crypto::PrivateKey::FromPem(testing::ReadFile(data + "/dev-keys/" + agency + ".pem"));
    REQUIRE(key.ok());
    CHECK(policy->registry().KeyAt(agency, key->public_key().KeyId(), 1).ok());
  }
  auto amr = crypto::PrivateKey::FromPem(testing::ReadFile(data + "/dev-keys/sz-amr.pem")).value();
  // A template, as `ledgerctl sign` takes it: the signer adds the time and schema version.
  auto example = ParseJson(testing::ReadFile(data + "/dev-keys/example-license.json")).value();
  example["issued_at"] = "2026-12-01T00:00:00Z";
  example["schema_version"] = records::kEntrySchemaVersion;
  auto license = records::SignEntry(example, amr).value();
  CHECK(policy
            ->Admit(license.canonical, merkle::LeafHash(policy->tree_hash(), license.canonical), 1,
                    nullptr, nullptr)
            .ok());
  // The demo bank: its token authenticates against the banks file written beside it.
  const std::string banks_file = node::EnsureDevBank(data).value();
  std::string token = testing::ReadFile(data + "/dev-keys/demo-bank.token");
  while (!token.empty() && token.back() == '\n') token.pop_back();
  auto banks = records::BankAccess::FromJson(ParseJson(testing::ReadFile(banks_file)).value());
  REQUIRE(banks.ok());
  CHECK(banks->Authenticate("Bearer " + token).ok());
  const auto owner_only = std::filesystem::perms::owner_read | std::filesystem::perms::owner_write;
  CHECK(std::filesystem::status(data + "/dev-keys/demo-bank.token").permissions() == owner_only);
  // A second call leaves the bank as it is.
  CHECK(node::EnsureDevBank(data).value() == banks_file);
  CHECK(testing::ReadFile(data + "/dev-keys/demo-bank.token") == token + "\n");
}
