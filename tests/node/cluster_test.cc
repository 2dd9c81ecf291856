// The cluster's coordination through a real etcd cluster of three members on loopback
// (etcd_util.h): the JSON-gateway client (reads, compare-and-swap, leases, a member's loss)
// and leadership by lease (one leader, failover when it stops renewing, fencing by the local
// deadline, etcd's quorum lost and regained).
#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "etcd_util.h"
#include "node/etcd.h"
#include "node/head_record.h"
#include "node/leadership.h"

using namespace credledger;
using namespace credledger::node;
using namespace std::chrono_literals;

namespace {

EtcdClient Client(const testing::EtcdCluster& etcd) {
  auto c = EtcdClient::Create(etcd.Endpoints(), 1000ms);
  REQUIRE(c.ok());
  return std::move(*c);
}

Leadership Candidate(const testing::EtcdCluster& etcd, const std::string& id,
                     std::chrono::seconds ttl = 2s) {
  return Leadership(Client(etcd), {.key_prefix = "/credledger/test.example/log",
                                   .node_id = id,
                                   .url = "http://" + id + ".example:8080",
                                   .ttl = ttl,
                                   .margin = 300ms});
}

// Steps `l` every 100 ms until it leads or `limit` passes: how long that took.
std::chrono::milliseconds StepUntilLeader(Leadership& l, std::chrono::milliseconds limit) {
  const auto start = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - start < limit) {
    auto leads = l.Step();
    if (leads.ok() && *leads) break;
    std::this_thread::sleep_for(100ms);
  }
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               start);
}

}  // namespace

TEST_CASE("the etcd client: reads, compare-and-swap, leases, and a member's loss", "[etcd]") {
  testing::EtcdCluster etcd(3);
  EtcdClient c = Client(etcd);

  auto missing = c.Get("/t/head");
  REQUIRE(missing.ok());
  CHECK_FALSE(missing->has_value());
  // Create only if absent; the second create fails its comparison and reads what is there.
  const EtcdCompare absent{.key = "/t/head", .target = EtcdCompare::Target::kCreateRevision};
  auto created = c.Txn({absent}, {{.kind = EtcdOp::Kind::kPut, .key = "/t/head", .value = "1"}});
  REQUIRE(created.ok());
  CHECK(created->succeeded);
  auto again = c.Txn({absent}, {{.kind = EtcdOp::Kind::kPut, .key = "/t/head", .value = "X"}},
                     {{.kind = EtcdOp::Kind::kGet, .key = "/t/head"}});
  REQUIRE(again.ok());
  CHECK_FALSE(again->succeeded);
  REQUIRE(again->gets.size() == 1);
  REQUIRE(again->gets[0]);
  CHECK(again->gets[0]->value == "1");
  // Swap on the revision read: the first writer wins, a stale one fails.
  const int64_t read_at = again->gets[0]->mod_revision;
  const EtcdCompare unchanged{
      .key = "/t/head", .target = EtcdCompare::Target::kModRevision, .number = read_at};
  auto swapped = c.Txn({unchanged}, {{.kind = EtcdOp::Kind::kPut, .key = "/t/head", .value = "2"}});
  REQUIRE(swapped.ok());
  CHECK(swapped->succeeded);
  auto stale = c.Txn({unchanged}, {{.kind = EtcdOp::Kind::kPut, .key = "/t/head", .value = "3"}});
  REQUIRE(stale.ok());
  CHECK_FALSE(stale->succeeded);
  CHECK((*c.Get("/t/head"))->value == "2");
  // Binary values survive base64 both ways.
  const std::string bytes = {'\0', '\xff', '\n', '"'};
  REQUIRE(c.Txn({}, {{.kind = EtcdOp::Kind::kPut, .key = "/t/bin", .value = bytes}}).ok());
  CHECK((*c.Get("/t/bin"))->value == bytes);

  // A lease: renewed, then left to expire, taking its key with it.
  auto lease = c.GrantLease(1s);
  REQUIRE(lease.ok());
  REQUIRE(
      c.Txn({}, {{.kind = EtcdOp::Kind::kPut, .key = "/t/leased", .value = "x", .lease = *lease}})
          .ok());
  // (etcd raises a TTL below 1.5 election timeouts to that: 2 s here.)
  auto ttl = c.KeepAlive(*lease);
  REQUIRE(ttl.ok());
  CHECK(*ttl >= 1);
  std::this_thread::sleep_for(std::chrono::seconds(*ttl) + 1500ms);
  CHECK(c.KeepAlive(*lease).status().code() == StatusCode::kNotFound);
  CHECK_FALSE(c.Get("/t/leased")->has_value());
  CHECK(c.Revoke(*lease).code() == StatusCode::kNotFound);

  // One member of three down: every request still answered (by another member).
  // (If it was etcd's leader, the others elect one first: a request may fail meanwhile.)
  etcd.Kill(0);
  Result<std::optional<EtcdKeyValue>> read = Status::Unavailable("not yet asked");
  for (int i = 0; i < 50 && !read.ok(); ++i) {
    read = c.Get("/t/head");
    if (!read.ok()) std::this_thread::sleep_for(100ms);
  }
  REQUIRE(read.ok());
  CHECK((*read)->value == "2");
  for (int i = 0; i < 5; ++i) CHECK((*c.Get("/t/head"))->value == "2");
  // Two down: no quorum, so no write goes through, and the client says so in time.
  etcd.Kill(1);
  const auto start = std::chrono::steady_clock::now();
  auto refused = c.Txn({}, {{.kind = EtcdOp::Kind::kPut, .key = "/t/head", .value = "4"}});
  CHECK(refused.status().code() == StatusCode::kUnavailable);
  CHECK(std::chrono::steady_clock::now() - start < 5s);
  // Back: writes again, and nothing was lost.
  etcd.Start(0);
  etcd.Start(1);
  etcd.WaitHealthy();
  // The write the client could not confirm may still take effect once the quorum is back
  // (the remaining member had proposed it): it happened whole or not at all. What the cluster
  // writes is safe either way (docs/OPERATIONS.md).
  const std::string after = (*c.Get("/t/head"))->value;
  CHECK((after == "2" || after == "4"));
}

TEST_CASE("leadership by lease: one leader, failover, and a leader fenced by its own clock",
          "[etcd]") {
  testing::EtcdCluster etcd(3);
  Leadership a = Candidate(etcd, "node-a");
  Leadership b = Candidate(etcd, "node-b");

  REQUIRE(*a.Step());
  CHECK(a.IsLeader());
  CHECK_FALSE(*b.Step());
  CHECK_FALSE(b.IsLeader());
  auto leader = b.Leader();
  REQUIRE(leader.ok());
  REQUIRE(*leader);
  CHECK((*leader)->node_id == "node-a");
  CHECK((*leader)->url == "http://node-a.example:8080");
  CHECK((*leader)->term == a.term());
  // A leader that renews stays the leader.
  for (int i = 0; i < 15; ++i) {
    REQUIRE(*a.Step());
    CHECK_FALSE(*b.Step());
    std::this_thread::sleep_for(200ms);
  }
  CHECK(a.IsLeader());

  // A stops renewing (it died, or it is paused): B takes over once A's lease has expired in
  // etcd, and A has stopped counting itself the leader before that, with no word from etcd.
  const auto stopped = std::chrono::steady_clock::now();
  const auto waited = StepUntilLeader(b, 10000ms);
  REQUIRE(b.IsLeader());
  const auto b_leads = std::chrono::steady_clock::now();
  CHECK_FALSE(a.IsLeader(b_leads));
  CHECK(waited < 5000ms);  // the TTL (2 s) plus one step
  CHECK(b.term() > a.term());
  // A wakes up: its renewal finds its lease gone, and it does not lead.
  CHECK_FALSE(*a.Step());
  CHECK_FALSE(a.IsLeader());
  CHECK(a.term() == 0);
  INFO("failover after "
       << std::chrono::duration_cast<std::chrono::milliseconds>(b_leads - stopped).count()
       << " ms");

  // Resigning hands over at once.
  REQUIRE(b.Resign().ok());
  CHECK_FALSE(b.IsLeader());
  CHECK(StepUntilLeader(a, 3000ms) < 1000ms);
  CHECK(a.IsLeader());
}

TEST_CASE("leadership when etcd loses a member, then its quorum", "[etcd]") {
  testing::EtcdCluster etcd(3);
  Leadership a = Candidate(etcd, "node-a");
  Leadership b = Candidate(etcd, "node-b");
  REQUIRE(*a.Step());
  // One member of three lost: nothing changes.
  etcd.Kill(2);
  for (int i = 0; i < 10; ++i) {
    auto leads = a.Step();
    REQUIRE(leads.ok());
    CHECK(*leads);
    CHECK_FALSE(*b.Step());
    std::this_thread::sleep_for(200ms);
  }
  // Two lost: no renewal goes through, and the leader stops leading at its deadline, on its
  // own clock; no one else can lead either.
  etcd.Kill(1);
  const auto until = std::chrono::steady_clock::now() + 4s;
  while (std::chrono::steady_clock::now() < until) {
    (void)a.Step();
    (void)b.Step();
  }
  CHECK_FALSE(a.IsLeader());
  CHECK_FALSE(b.IsLeader());
  // The quorum back: exactly one leads again.
  etcd.Start(1);
  etcd.Start(2);
  etcd.WaitHealthy();
  const auto limit = std::chrono::steady_clock::now() + 10s;
  while (!a.IsLeader() && !b.IsLeader() && std::chrono::steady_clock::now() < limit) {
    (void)a.Step();
    (void)b.Step();
    std::this_thread::sleep_for(100ms);
  }
  CHECK(a.IsLeader() != b.IsLeader());
}

TEST_CASE("the recorded head: compare-and-swap under the leader's term, across a failover",
          "[etcd]") {
  testing::EtcdCluster etcd(3);
  Leadership a = Candidate(etcd, "node-a");
  Leadership b = Candidate(etcd, "node-b");
  REQUIRE(*a.Step());
  HeadRecord by_a(Client(etcd), "/credledger/test.example/log", a.leader_key());
  auto head = [](uint64_t height, char fill) {
    return RecordedHead{.height = height,
                        .tree_size = height * 10,
                        .root = std::string(64, fill),
                        .block_hash = std::string(64, fill)};
  };

  auto none = by_a.Read();
  REQUIRE(none.ok());
  CHECK_FALSE(none->has_value());
  REQUIRE(by_a.Advance(std::nullopt, head(1, 'a'), a.term()).ok());
  auto first = by_a.Read();
  REQUIRE(first.ok());
  REQUIRE(*first);
  CHECK((*first)->height == 1);
  CHECK((*first)->tree_size == 10);
  CHECK((*first)->root == std::string(64, 'a'));
  CHECK((*first)->term == a.term());
  // "None yet" no longer holds; a head that does not grow is refused before etcd is asked.
  CHECK(by_a.Advance(std::nullopt, head(1, 'b'), a.term()).status().code() ==
        StatusCode::kFailedPrecondition);
  CHECK(by_a.Advance(*first, head(1, 'b'), a.term()).status().code() ==
        StatusCode::kInvalidArgument);
  // Swapped from what was read; a swap from a stale read fails, unless it is the same head
  // again (an answer lost on its way back).
  REQUIRE(by_a.Advance(*first, head(2, 'c'), a.term()).ok());
  CHECK(by_a.Advance(*first, head(3, 'd'), a.term()).status().code() ==
        StatusCode::kFailedPrecondition);
  CHECK(by_a.Advance(*first, head(2, 'c'), a.term()).ok());
  auto second = by_a.Read();
  REQUIRE(second.ok());
  CHECK((*second)->height == 2);

  // A stops renewing; B leads. A's late write fails whatever it read; B starts from the head
  // A recorded and advances it.
  StepUntilLeader(b, 10000ms);
  REQUIRE(b.IsLeader());
  CHECK(by_a.Advance(*second, head(3, 'e'), a.term()).status().code() ==
        StatusCode::kFailedPrecondition);
  HeadRecord by_b(Client(etcd), "/credledger/test.example/log", b.leader_key());
  auto seen = by_b.Read();
  REQUIRE(seen.ok());
  CHECK((*seen)->block_hash == std::string(64, 'c'));
  REQUIRE(by_b.Advance(*seen, head(3, 'f'), b.term()).ok());
  CHECK((*by_b.Read())->term == b.term());
}
