// Bank tokens and the query audit log (ledger/records/access.h, ledger/records/query_audit.h).
#include "ledger/records/access.h"

#include <catch2/catch.hpp>

#include "crypto/encoding.h"
#include "ledger/records/query_audit.h"
#include "test_util.h"

using namespace credledger;
using credledger::testing::ReadFile;
using credledger::testing::TempDir;
using credledger::testing::WriteFile;

namespace {

Json BanksFile(const std::vector<std::pair<std::string, std::string>>& id_and_token) {
  Json banks = Json::array();
  for (const auto& [id, token] : id_and_token) {
    banks.push_back(
        {{"id", id},
         {"name", id},
         {"token_sha256", crypto::HexEncode(crypto::Hash(crypto::HashAlgorithm::kSha256, token))}});
  }
  return {{"banks", banks}};
}

}  // namespace

TEST_CASE("bank tokens: the right bank for its token, nothing for anything else", "[access]") {
  auto access =
      records::BankAccess::FromJson(BanksFile({{"bank-a", "clb_a"}, {"bank-b", "clb_b"}}));
  REQUIRE(access.ok());
  auto a = access->Authenticate("Bearer clb_a");
  REQUIRE(a.ok());
  CHECK(a->id == "bank-a");
  CHECK(access->Authenticate("Bearer clb_b")->id == "bank-b");
  for (const char* refused :
       {"", "Bearer ", "Bearer clb_c", "bearer clb_a", "Basic clb_a", "Bearer clb_a ", "clb_a"}) {
    INFO(refused);
    CHECK(access->Authenticate(refused).status().code() == StatusCode::kUnauthenticated);
  }
  // A node configured without banks refuses every token.
  CHECK(records::BankAccess().Authenticate("Bearer clb_a").status().code() ==
        StatusCode::kUnauthenticated);
}

TEST_CASE("the banks file: bad members are named", "[access]") {
  CHECK(records::BankAccess::FromJson(Json::object()).status().code() ==
        StatusCode::kInvalidArgument);
  Json dup = BanksFile({{"same", "x"}, {"same", "y"}});
  auto s = records::BankAccess::FromJson(dup).status();
  CHECK(s.code() == StatusCode::kInvalidArgument);
  CHECK(s.message().find("/banks/1/id") != std::string::npos);
  Json short_hash = BanksFile({{"bank", "x"}});
  short_hash["banks"][0]["token_sha256"] = "abcd";
  CHECK(
      records::BankAccess::FromJson(short_hash).status().message().find("/banks/0/token_sha256") !=
      std::string::npos);
}

TEST_CASE("new tokens are random, and their hash is what the banks file holds", "[access]") {
  auto t1 = records::BankAccess::NewToken();
  auto t2 = records::BankAccess::NewToken();
  REQUIRE(t1.ok());
  REQUIRE(t2.ok());
  CHECK(t1->first != t2->first);
  CHECK(t1->first.size() == 4 + 64);
  CHECK(t1->second == crypto::Hash(crypto::HashAlgorithm::kSha256, t1->first));
}

TEST_CASE("the query audit log chains its lines, survives reopening, refuses edits", "[access]") {
  TempDir dir;
  const std::string path = dir.file("audit.jsonl");
  {
    auto log = records::QueryAuditLog::Open(path);
    REQUIRE(log.ok());
    CHECK((*log)->head().size == 0);
    for (int i = 0; i < 3; ++i) {
      auto head = (*log)->Append({"bank-a", "914403001922038216", "loan", "/v1/x", 200});
      REQUIRE(head.ok());
      CHECK(head->size == static_cast<uint64_t>(i + 1));
    }
  }
  const std::string text = ReadFile(path);
  // The head is the SHA-256 of the last line, and each line names the hash of the one before.
  const size_t last = text.rfind('\n', text.size() - 2) + 1;
  const std::string last_line = text.substr(last, text.size() - 1 - last);
  const size_t second = text.find('\n') + 1;
  const std::string first_line = text.substr(0, second - 1);
  CHECK(text.find("\"prev\":\"" +
                  crypto::HexEncode(crypto::Hash(crypto::HashAlgorithm::kSha256, first_line)) +
                  "\"") != std::string::npos);
  {
    auto log = records::QueryAuditLog::Open(path);
    REQUIRE(log.ok());
    CHECK((*log)->head().size == 3);
    CHECK((*log)->head().hash == crypto::Hash(crypto::HashAlgorithm::kSha256, last_line));
  }

  SECTION("a torn last line (a crash mid-append) is dropped; the next append chains on") {
    WriteFile(path, text + "{\"bank\":\"bank-a\",\"pre");
    auto log = records::QueryAuditLog::Open(path);
    REQUIRE(log.ok());
    CHECK((*log)->head().size == 3);
    REQUIRE((*log)->Append({"bank-b", "s", "p", "/t", 404}).ok());
    log->reset();
    auto again = records::QueryAuditLog::Open(path);
    REQUIRE(again.ok());
    CHECK((*again)->head().size == 4);
  }
  SECTION("an edited line breaks the chain: the log refuses to open, naming the line") {
    std::string edited = text;
    edited.replace(edited.find("bank-a"), 6, "bank-z");  // line 1
    WriteFile(path, edited);
    auto log = records::QueryAuditLog::Open(path);
    CHECK(log.status().code() == StatusCode::kDataLoss);
    CHECK(log.status().message().find("line 2") != std::string::npos);
  }
  SECTION("a removed line breaks the chain too") {
    WriteFile(path, text.substr(second));
    CHECK(records::QueryAuditLog::Open(path).status().code() == StatusCode::kDataLoss);
  }
}
