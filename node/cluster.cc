#include "node/cluster.h"

#include <algorithm>
#include <optional>

#include "api/client/http_client.h"
#include "api/problem.h"
#include "crypto/encoding.h"
#include "ledger/canonical_json.h"
#include "node/etcd.h"
#include "node/head_record.h"
#include "node/leadership.h"

namespace credledger::node {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::string_view kBlocksPath = "/v1/cluster/blocks";
// A follower that missed blocks is sent up to this many of them again with the next push;
// further behind, it catches up by copying (node/follower.h) and is not counted meanwhile.
constexpr uint64_t kMaxCatchUpBlocks = 64;

std::string Hex(const merkle::Hash& h) { return crypto::HexEncode(h); }

// The nodes that must hold a block: as configured, or a majority.
size_t QuorumOf(const ClusterOptions& options) {
  return options.quorum > 0 ? options.quorum : options.nodes.size() / 2 + 1;
}

// What one block's pushes came to: shared by the leader's gate, which waits on it, and the
// followers' push threads, which answer it.
struct PushRound {
  Mutex mu;
  CondVar cv;
  size_t held GUARDED_BY(mu) = 0;      // nodes that staged the block (this one included)
  size_t answered GUARDED_BY(mu) = 0;  // followers that answered, or were skipped
  std::vector<std::string> failures GUARDED_BY(mu);

  void Answer(bool staged, std::string failure) {
    MutexLock lock(mu);
    ++answered;
    if (staged) {
      ++held;
    } else {
      failures.push_back(std::move(failure));
    }
    cv.SignalAll();
  }
};

// A follower as its leader pushes to it: one worker thread, so that its pushes go in log
// order and a slow follower holds up no other; a push waiting behind a slow one is replaced
// by the next block's (the follower is then sent the blocks it missed, or catches up by
// copying).
class Peer {
 public:
  using Catchup = std::function<Result<std::string>(uint64_t from, uint64_t to)>;

  Peer(std::string id, client::HttpClient http, Catchup catchup)
      : id_(std::move(id)), http_(std::move(http)), catchup_(std::move(catchup)) {
    thread_ = std::thread([this] { Run(); });
  }
  ~Peer() {
    {
      MutexLock lock(mu_);
      stop_ = true;
      cv_.SignalAll();
    }
    thread_.join();
  }

  struct Job {
    std::shared_ptr<PushRound> round;
    std::shared_ptr<const std::string> body;  // the block, encoded
    uint64_t height = 0;
    int64_t term = 0;
  };
  void Push(Job job) {
    MutexLock lock(mu_);
    if (job_) job_->round->Answer(false, id_ + ": still answering an earlier block");
    job_ = std::move(job);
    cv_.SignalAll();
  }

 private:
  void Run() {
    while (true) {
      Job job;
      {
        MutexLock lock(mu_);
        while (!job_ && !stop_) cv_.Wait(mu_);
        if (stop_) {
          if (job_) job_->round->Answer(false, id_ + ": the node stopped leading");
          return;
        }
        job = std::move(*job_);
        job_.reset();
      }
      std::string failure;
      const bool staged = Send(job, &failure);
      job.round->Answer(staged, id_ + ": " + failure);
    }
  }

  bool Send(const Job& job, std::string* failure) {
    const std::string target = std::string(kBlocksPath) + "?term=" + std::to_string(job.term);
    auto answer = http_.Post(target, "application/octet-stream", *job.body);
    if (!answer.ok()) {
      *failure = answer.status().ToString();
      return false;
    }
    if (answer->status == 200) return true;
    // A follower that lacks the blocks before this one says where its chain ends.
    auto problem = ParseJson(answer->body);
    if (answer->status == 409 && problem.ok() && problem->is_object() &&
        problem->contains("tip_height") && (*problem)["tip_height"].is_number_unsigned()) {
      const uint64_t tip = (*problem)["tip_height"].get<uint64_t>();
      if (tip + 1 < job.height && job.height - tip - 1 <= kMaxCatchUpBlocks) {
        auto missed = catchup_(tip + 1, job.height - 1);
        if (missed.ok()) {
          *missed += *job.body;
          answer = http_.Post(target, "application/octet-stream", std::move(*missed));
          if (answer.ok() && answer->status == 200) return true;
        }
      }
    }
    *failure = answer.ok()
                   ? "HTTP " + std::to_string(answer->status) + " " + answer->body.substr(0, 300)
                   : answer.status().ToString();
    return false;
  }

  const std::string id_;
  client::HttpClient http_;
  const Catchup catchup_;
  Mutex mu_;
  CondVar cv_;
  std::optional<Job> job_ GUARDED_BY(mu_);
  bool stop_ GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace

// The leader's gate (cluster.h, rule 1): stage here and on the followers, then record.
class ReplicationGate : public BlockGate {
 public:
  ReplicationGate(const Leadership& leadership, HeadRecord head,
                  std::optional<RecordedHead> recorded, int64_t term, BlockStage& stage,
                  size_t quorum, std::chrono::milliseconds timeout, merkle::HashAlgorithm tree_hash)
      : leadership_(leadership),
        head_(std::move(head)),
        recorded_(std::move(recorded)),
        term_(term),
        stage_(stage),
        quorum_(quorum),
        timeout_(timeout),
        tree_hash_(tree_hash) {}

  // The followers, and the log they are sent missed blocks from (the leader's, once open).
  void Start(std::vector<std::pair<std::string, client::HttpClient>> peers, const LogReader* log) {
    MutexLock lock(peers_mu_);
    log_ = log;
    for (auto& [id, http] : peers) {
      peers_.push_back(std::make_unique<Peer>(
          id, std::move(http),
          [this](uint64_t from, uint64_t to) { return EncodeFromLog(from, to); }));
    }
  }
  // Before the leader's ledger closes: refuses every later block, and stops the pushes (which
  // read the ledger's log to send a follower the blocks it missed).
  void Stop() {
    std::vector<std::unique_ptr<Peer>> stopping;
    {
      MutexLock lock(peers_mu_);
      stopped_ = true;
      stopping = std::move(peers_);
      peers_.clear();
    }
    stopping.clear();  // joins their threads; a round waiting on them is answered
  }

  Status Pass(const BlockHeader& header, const std::vector<std::string_view>& entries) override {
    if (!leadership_.IsLeader()) return Fence("this node's lease ran out by its own clock");
    auto body = std::make_shared<std::string>();
    EncodeBlock(header, entries, body.get());
    auto round = std::make_shared<PushRound>();
    size_t pushed = 0;
    {
      MutexLock lock(peers_mu_);
      if (stopped_) return Fence("the node is giving up leadership");
      for (auto& peer : peers_) peer->Push({round, body, header.height, term_});
      pushed = peers_.size();
    }
    Status own = stage_.PutEncoded(header.height, *body);
    const auto deadline = Clock::now() + timeout_;
    {
      MutexLock lock(round->mu);
      if (own.ok()) {
        ++round->held;
      } else {
        round->failures.push_back("this node: " + own.ToString());
      }
      while (round->held < quorum_ && round->answered < pushed &&
             round->cv.WaitUntil(round->mu, deadline)) {
      }
      if (round->held < quorum_) {
        refusals_.fetch_add(1);
        std::string why;
        for (const std::string& f : round->failures) why += (why.empty() ? "" : "; ") + f;
        if (round->answered < pushed)
          why += (why.empty() ? "" : "; ") + std::string("others did not answer in time");
        return Status::Unavailable("block " + std::to_string(header.height) + " is held by " +
                                   std::to_string(round->held) + " of the " +
                                   std::to_string(quorum_) + " nodes the cluster's quorum needs (" +
                                   why + "); writes resume once enough nodes answer");
      }
    }
    if (!leadership_.IsLeader()) return Fence("this node's lease ran out by its own clock");
    RecordedHead next{
        header.height, header.tree_size, Hex(header.root), Hex(header.Hash(tree_hash_)), term_, 0};
    auto recorded = head_.Advance(recorded_, next, term_);
    if (!recorded.ok()) {
      // Refused, or not confirmed: the head may be recorded or not, and only a later leader
      // can tell; this one must not build on either.
      return Fence("recording head " + std::to_string(header.height) +
                   " in etcd failed: " + recorded.status().ToString());
    }
    recorded_ = *recorded;
    recorded_height_.store(header.height);
    return Status::Ok();
  }

  bool fenced() const { return fenced_.load(); }
  uint64_t refusals() const { return refusals_.load(); }
  uint64_t recorded_height() const { return recorded_height_.load(); }

 private:
  Status Fence(const std::string& why) {
    fenced_.store(true);
    return Status::FailedPrecondition(why + "; it no longer leads");
  }

  // Blocks [from, to] of the leader's log, encoded for a push.
  Result<std::string> EncodeFromLog(uint64_t from, uint64_t to) const {
    if (log_ == nullptr) return Status::Unavailable("no log yet");
    std::string out;
    for (uint64_t height = from; height <= to; ++height) {
      CREDLEDGER_ASSIGN_OR_RETURN(BlockHeader header, log_->GetBlock(height));
      std::vector<std::string> entries;
      for (uint64_t i = 0; i < header.entry_count; ++i) {
        CREDLEDGER_ASSIGN_OR_RETURN(std::string entry, log_->GetEntry(header.first_index + i));
        entries.push_back(std::move(entry));
      }
      EncodeBlock(header, std::vector<std::string_view>(entries.begin(), entries.end()), &out);
    }
    return out;
  }

  const Leadership& leadership_;
  HeadRecord head_;
  std::optional<RecordedHead> recorded_;  // the writer thread's
  const int64_t term_;
  BlockStage& stage_;
  const size_t quorum_;
  const std::chrono::milliseconds timeout_;
  const merkle::HashAlgorithm tree_hash_;
  Mutex peers_mu_;  // Start and Stop (the controller's thread) against Pass (the writer's)
  const LogReader* log_ = nullptr;  // set by Start; read by the peers' threads, which Stop joins
  bool stopped_ GUARDED_BY(peers_mu_) = false;
  std::vector<std::unique_ptr<Peer>> peers_ GUARDED_BY(peers_mu_);
  std::atomic<bool> fenced_{false};
  std::atomic<uint64_t> refusals_{0};
  std::atomic<uint64_t> recorded_height_{0};
};

struct ClusterNode::Impl : api::RequestHandler {
  Impl(ClusterOptions o, crypto::PrivateKey key, std::unique_ptr<BlockStage> s, StackFactory f,
       std::function<void(const std::string&, const std::string&)> l, EtcdClient etcd,
       EtcdClient etcd_for_head, std::string self)
      : options(std::move(o)),
        node_key(std::move(key)),
        stage(std::move(s)),
        factory(std::move(f)),
        log(std::move(l)),
        self_url(std::move(self)),
        leadership(std::move(etcd), LeadershipOptions{options.key_prefix, options.node_id, self_url,
                                                      options.lease_ttl}),
        head(std::move(etcd_for_head), options.key_prefix, leadership.leader_key()) {}

  // A stack in service, and the requests it is answering.
  struct Serving {
    std::shared_ptr<ServingStack> stack;
    std::shared_ptr<std::atomic<int64_t>> in_flight = std::make_shared<std::atomic<int64_t>>(0);
  };

  void Handle(api::Request request, const std::string& request_id, api::Respond respond) override;
  void HandlePush(api::Request request, const std::string& request_id, api::Respond respond);
  void Run();
  void Tick();
  // Whether this node holds `recorded` (in its log, or staged on top of it).
  bool Holds(const std::optional<RecordedHead>& recorded);
  // With no head recorded yet (a new cluster, or an etcd whose data was lost): whether no
  // other node holds a longer log than `tree_size`, a quorum of nodes answering. Otherwise a
  // node that is behind could lead, and write blocks at heights others already hold.
  bool HoldsTheLongestLog(uint64_t tree_size);
  // Where this node's chain ends (its log's last block, then the staged blocks that follow
  // on), or its block at `up_to` if the chain reaches that far: the height and block hash.
  std::pair<uint64_t, merkle::Hash> Tip(Ledger& ledger, uint64_t up_to = UINT64_MAX);
  void Promote(const std::optional<RecordedHead>& recorded);
  void Demote(const std::string& why);
  // Replaces the stack in service with `next` (none: 503 meanwhile) and stops the old one
  // once the requests it is answering are done.
  void Swap(std::shared_ptr<ServingStack> next);
  void Follow(const std::string& leader_url);
  // Serves the data dir's ledger as a follower's, copying from no one until a leader is seen;
  // `checkpoint` (if any) served until it copies a newer one.
  void ServeAsFollower(const std::string& checkpoint = "");
  Serving Current() const {
    MutexLock lock(mu);
    return serving;
  }
  bool Leading() const {
    MutexLock lock(mu);
    return status.leader;
  }

  const ClusterOptions options;
  const crypto::PrivateKey node_key;
  const std::unique_ptr<BlockStage> stage;
  const StackFactory factory;
  const std::function<void(const std::string&, const std::string&)> log;
  const std::string self_url;
  Leadership leadership;  // the controller thread's (IsLeader, term: any thread's)
  HeadRecord head;        // the controller thread's
  const ClusterNode* owner = nullptr;

  std::shared_ptr<ReplicationGate> gate;  // while leading; the controller thread's
  std::string following;                  // the leader URL the stack copies from

  mutable Mutex mu;
  Serving serving GUARDED_BY(mu);
  ClusterStatus status GUARDED_BY(mu);
  Mutex push_mu;  // one push at a time
  int64_t highest_term GUARDED_BY(push_mu) = 0;

  Mutex stop_mu;
  CondVar stop_cv;
  bool stopping GUARDED_BY(stop_mu) = false;
  std::thread thread;
};

namespace {

void Answer(const api::Request& request, const std::string& request_id, const api::Respond& respond,
            unsigned status, const std::string& code, const std::string& detail,
            Json extra = Json::object()) {
  const std::string path = request.target.substr(0, request.target.find('?'));
  auto parsed = ParseJson(api::ProblemJson({status, code, detail}, path, request_id));
  Json problem = parsed.ok() ? std::move(*parsed) : Json::object();
  for (auto& [k, v] : extra.items()) problem[k] = v;
  api::Response response = api::MakeResponse(status, "application/problem+json", problem.dump(),
                                             request_id, request.version, request.keep_alive);
  if (status == 405) response.fields.Set("Allow", "POST");  // as every 405 of the API says
  respond(std::move(response));
}

}  // namespace

void ClusterNode::Impl::Handle(api::Request request, const std::string& request_id,
                               api::Respond respond) {
  const std::string_view path =
      std::string_view(request.target).substr(0, request.target.find('?'));
  if (path == kBlocksPath) return HandlePush(std::move(request), request_id, std::move(respond));
  Serving s = Current();
  if (!s.stack) {
    return Answer(request, request_id, respond, 503, "unavailable",
                  "this node has no copy of the ledger to serve yet: it waits for a leader to "
                  "copy from, or is changing role; retry");
  }
  s.in_flight->fetch_add(1);
  s.stack->handler().Handle(
      std::move(request), request_id,
      [in_flight = s.in_flight, respond = std::move(respond)](api::Response r) {
        respond(std::move(r));
        in_flight->fetch_sub(1);
      });
}

std::pair<uint64_t, merkle::Hash> ClusterNode::Impl::Tip(Ledger& ledger, uint64_t up_to) {
  const merkle::HashAlgorithm alg = ledger.params().tree_hash;
  uint64_t height = ledger.Head().block_height;
  merkle::Hash hash{};
  if (auto last = ledger.log().GetBlock(height); last.ok()) hash = last->Hash(alg);
  while (height < up_to) {
    auto next = stage->Get(height + 1);
    if (!next.ok() || !*next || (*next)->header.prev_hash != hash) break;
    ++height;
    hash = (*next)->header.Hash(alg);
  }
  return {height, hash};
}

void ClusterNode::Impl::HandlePush(api::Request request, const std::string& request_id,
                                   api::Respond respond) {
  if (request.method != "POST") {
    return Answer(request, request_id, respond, 405, "method_not_allowed",
                  "POST blocks to stage to " + std::string(kBlocksPath));
  }
  const size_t at = request.target.find("?term=");
  int64_t term = 0;
  if (at != std::string::npos) {
    const std::string digits = request.target.substr(at + 6);
    if (!digits.empty() && digits.size() < 19 &&
        digits.find_first_not_of("0123456789") == std::string::npos) {
      term = std::stoll(digits);
    }
  }
  if (term <= 0) {
    return Answer(request, request_id, respond, 400, "bad_parameter",
                  "?term= must be the pushing leader's term, a positive integer");
  }
  MutexLock lock(push_mu);
  if (Leading()) {
    return Answer(request, request_id, respond, 409, "conflict",
                  "this node leads (term " + std::to_string(leadership.term()) +
                      "): a push of term " + std::to_string(term) + " comes from a former leader");
  }
  if (term < highest_term) {
    return Answer(request, request_id, respond, 409, "conflict",
                  "term " + std::to_string(term) + " is over: this node has had pushes of term " +
                      std::to_string(highest_term));
  }
  Serving s = Current();
  if (!s.stack) {
    return Answer(request, request_id, respond, 503, "unavailable",
                  "this node has no copy of the ledger yet");
  }
  auto blocks = DecodeBlocks(request.body);
  if (!blocks.ok()) {
    return Answer(request, request_id, respond, 400, "bad_request", blocks.status().message());
  }
  highest_term = term;
  Ledger& ledger = s.stack->ledger();
  const merkle::HashAlgorithm alg = ledger.params().tree_hash;
  uint64_t last_height = 0;
  merkle::Hash last_hash{};
  for (StagedBlock& block : *blocks) {
    const uint64_t height = block.header.height;
    if (Status signed_ok = block.header.VerifySignature(node_key.public_key()); !signed_ok.ok()) {
      return Answer(request, request_id, respond, 403, "forbidden",
                    "block " + std::to_string(height) + " is not signed by the node key");
    }
    const merkle::Hash hash = block.header.Hash(alg);
    const uint64_t log_height = ledger.Head().block_height;
    if (height <= log_height) {
      auto held = ledger.log().GetBlock(height);
      if (held.ok() && held->Hash(alg) == hash) continue;  // in the log already
      log("a leader pushed a block that contradicts this node's log",
          "block " + std::to_string(height) + " of term " + std::to_string(term));
      return Answer(request, request_id, respond, 409, "conflict",
                    "block " + std::to_string(height) + " contradicts this node's log");
    }
    merkle::Hash previous{};
    bool known = false;
    if (height == log_height + 1) {
      auto last = ledger.log().GetBlock(log_height);
      known = last.ok();
      if (known) previous = last->Hash(alg);
    } else if (auto staged = stage->Get(height - 1); staged.ok() && *staged) {
      known = true;
      previous = (*staged)->header.Hash(alg);
    }
    if (!known || block.header.prev_hash != previous) {
      return Answer(
          request, request_id, respond, 409, "conflict",
          "block " + std::to_string(height) + " does not follow on from this node's blocks",
          {{"tip_height", Tip(ledger).first}});
    }
    if (auto staged = stage->Get(height);
        staged.ok() && *staged && (*staged)->header.Hash(alg) != hash) {
      // A block staged by a leader that died or lost its lease before recording it.
      log("discarding staged blocks never recorded", "from block " + std::to_string(height) +
                                                         ", for the block of term " +
                                                         std::to_string(term) + " at that height");
    }
    std::vector<std::string_view> entries(block.entries.begin(), block.entries.end());
    if (Status put = stage->Put(block.header, entries); !put.ok()) {
      return Answer(request, request_id, respond, 503, "unavailable",
                    "cannot stage block " + std::to_string(height) + ": " + put.ToString());
    }
    last_height = height;
    last_hash = hash;
  }
  respond(api::MakeResponse(200, "application/json",
                            Json{{"height", last_height}, {"block_hash", Hex(last_hash)}}.dump(),
                            request_id, request.version, request.keep_alive));
}

bool ClusterNode::Impl::Holds(const std::optional<RecordedHead>& recorded) {
  Serving s = Current();
  if (!s.stack) return false;
  Ledger& ledger = s.stack->ledger();
  if (!recorded) return HoldsTheLongestLog(ledger.Head().tree_size);
  if (ledger.Head().block_height >= recorded->height) {
    auto block = ledger.log().GetBlock(recorded->height);
    return block.ok() && Hex(block->Hash(ledger.params().tree_hash)) == recorded->block_hash;
  }
  const auto [height, hash] = Tip(ledger, recorded->height);
  return height == recorded->height && Hex(hash) == recorded->block_hash;
}

bool ClusterNode::Impl::HoldsTheLongestLog(uint64_t tree_size) {
  size_t answered = 1;  // this node
  for (const auto& [id, url] : options.nodes) {
    if (id == options.node_id) continue;
    auto http = client::HttpClient::Create(url, options.ca_file, std::chrono::seconds(1));
    if (!http.ok()) continue;
    auto info = http->Get("/v1/node");
    if (!info.ok()) continue;
    if (info->status == 503) {  // no copy of the ledger (or changing role): holds nothing
      ++answered;
      continue;
    }
    auto node = ParseJson(info->body);
    if (info->status != 200 || !node.ok() || !node->is_object()) continue;
    ++answered;
    if (node->value("tree_size", uint64_t{0}) > tree_size) return false;
  }
  const size_t quorum = QuorumOf(options);
  return answered >= quorum;
}

void ClusterNode::Impl::Swap(std::shared_ptr<ServingStack> next) {
  Serving old;
  {
    MutexLock lock(mu);
    old = std::move(serving);
    serving = Serving{std::move(next)};
  }
  if (!old.stack) return;
  // The requests it is answering finish first: a write waits for its block at most the push
  // timeout (or is refused at once by a fenced ledger).
  const auto give_up = Clock::now() + options.push_timeout + std::chrono::seconds(10);
  while ((old.stack.use_count() > 1 || old.in_flight->load() > 0) && Clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  old.stack.reset();
}

void ClusterNode::Impl::Follow(const std::string& leader_url) {
  Serving s = Current();
  if (!s.stack) {
    if (leader_url.empty()) return;
    auto made = factory.follower(*owner, leader_url);
    if (!made.ok()) {
      log("cannot start following", leader_url + ": " + made.status().ToString());
      return;
    }
    Swap(std::move(*made));
    following = leader_url;
    return;
  }
  if (leader_url == following) return;
  if (Status started = s.stack->Follow(leader_url); !started.ok()) {
    log("cannot follow the leader", leader_url + ": " + started.ToString());
    return;
  }
  following = leader_url;
}

void ClusterNode::Impl::Promote(const std::optional<RecordedHead>& recorded) {
  const int64_t term = leadership.term();
  auto give_up = [&](const std::string& why) {
    log("cannot take over as leader", why);
    (void)leadership.Resign();
  };
  Serving s = Current();
  if (!s.stack) return give_up("no ledger");
  (void)s.stack->Follow("");  // nothing else writes the log from here on
  following.clear();
  // Rule 3: the recorded head cannot move now but by this node's hand; apply the staged
  // blocks up to it.
  Ledger& ledger = s.stack->ledger();
  if (recorded) {
    while (ledger.Head().block_height < recorded->height) {
      const uint64_t height = ledger.Head().block_height + 1;
      auto staged = stage->Get(height);
      if (!staged.ok() || !*staged) {
        return give_up("block " + std::to_string(height) + " of the recorded head " +
                       std::to_string(recorded->height) + " is not staged here");
      }
      std::vector<Submission> entries;
      for (std::string& entry : (*staged)->entries) {
        auto submission = ledger.NewSubmission(std::move(entry));
        if (!submission.ok()) return give_up(submission.status().ToString());
        entries.push_back(std::move(*submission));
      }
      if (Status appended = ledger.AppendBlock((*staged)->header, std::move(entries));
          !appended.ok()) {
        return give_up("staged block " + std::to_string(height) + ": " + appended.ToString());
      }
    }
    auto block = ledger.log().GetBlock(recorded->height);
    if (!block.ok() || Hex(block->Hash(ledger.params().tree_hash)) != recorded->block_hash) {
      return give_up("this node's block " + std::to_string(recorded->height) +
                     " is not the recorded one");
    }
  }
  const merkle::HashAlgorithm alg = ledger.params().tree_hash;
  std::vector<std::pair<std::string, client::HttpClient>> peers;
  for (const auto& [id, url] : options.nodes) {
    if (id == options.node_id) continue;
    auto http = client::HttpClient::Create(url, options.ca_file, options.push_timeout);
    if (!http.ok()) return give_up(http.status().ToString());
    peers.emplace_back(id, std::move(*http));
  }
  auto etcd = EtcdClient::Create(options.etcd);
  if (!etcd.ok()) return give_up(etcd.status().ToString());
  // Applying the staged blocks and stopping the copy from the old leader took a while: the
  // lease is renewed before this node acts as leader (a lost lease ends the takeover here).
  if (auto renewed = leadership.Step(); !renewed.ok() || !*renewed || !leadership.IsLeader()) {
    return give_up("the lease ran out while taking over");
  }
  s = Serving{};
  Swap(nullptr);  // the follower's ledger closes: the leader's opens on the same store
  const size_t quorum = QuorumOf(options);
  gate = std::make_shared<ReplicationGate>(
      leadership, HeadRecord(std::move(*etcd), options.key_prefix, leadership.leader_key()),
      recorded, term, *stage, quorum, options.push_timeout, alg);
  auto made = factory.leader(*owner, gate);
  if (!made.ok()) {
    gate.reset();
    give_up(made.status().ToString());
    return ServeAsFollower();
  }
  gate->Start(std::move(peers), &(*made)->ledger().log());
  {
    MutexLock lock(push_mu);
    highest_term = std::max(highest_term, term);
  }
  {
    MutexLock lock(mu);
    status.leader = true;
    status.term = term;
    status.leader_url = self_url;
    status.recorded_height = recorded ? recorded->height : 0;
    ++status.takeovers;
  }
  Swap(std::move(*made));
  log("leading", "term " + std::to_string(term) + ", from the recorded head " +
                     (recorded ? std::to_string(recorded->height) : std::string("(none yet)")));
}

void ClusterNode::Impl::Demote(const std::string& why) {
  log("stopped leading", why);
  (void)leadership.Resign();
  {
    MutexLock lock(mu);
    status.leader = false;
    status.term = 0;
    status.leader_url.clear();
  }
  if (gate) gate->Stop();
  // The checkpoint of its log's head, which the follower it becomes serves until it copies a
  // newer one (with etcd down, perhaps for a while). Every block of its log was recorded
  // (rule 2), and an Ed25519 signature is deterministic: this is the checkpoint the leader
  // handed out for that head, not a new statement.
  std::string checkpoint;
  if (Serving s = Current(); s.stack) {
    auto note = s.stack->ledger().SignedCheckpoint();
    if (note.ok()) checkpoint = std::move(*note);
  }
  Swap(nullptr);
  gate.reset();
  ServeAsFollower(checkpoint);
}

void ClusterNode::Impl::ServeAsFollower(const std::string& checkpoint) {
  following.clear();
  auto made = factory.follower(*owner, "");
  if (!made.ok()) {
    log("cannot open the ledger as a follower", made.status().ToString());
    return;
  }
  if (!checkpoint.empty()) {
    if (Status adopted = (*made)->ledger().AdoptCheckpoint(checkpoint); !adopted.ok()) {
      log("cannot serve the last checkpoint as a follower", adopted.ToString());
    }
  }
  Swap(std::move(*made));
}

void ClusterNode::Impl::Tick() {
  {
    // Staged blocks now in the log are done with. (No reference to the stack is kept past
    // this: a role change below replaces it, and waits for every reference to go.)
    Serving s = Current();
    if (s.stack) (void)stage->DropThrough(s.stack->ledger().Head().block_height);
  }
  if (Leading()) {
    auto stepped = leadership.Step();
    {
      MutexLock lock(mu);
      status.etcd_reachable = stepped.ok();
      status.recorded_height = gate ? gate->recorded_height() : status.recorded_height;
      status.gate_refusals = gate ? gate->refusals() : 0;
    }
    if (!leadership.IsLeader()) return Demote("its lease ran out (etcd did not renew it in time)");
    if (gate && gate->fenced())
      return Demote("its block gate refused for good (see the writes' errors)");
    return;
  }
  auto recorded = head.Read();
  auto leader = leadership.Leader();
  {
    MutexLock lock(mu);
    status.etcd_reachable = recorded.ok() && leader.ok();
    if (recorded.ok() && *recorded) status.recorded_height = (*recorded)->height;
    if (leader.ok()) status.leader_url = *leader ? (*leader)->url : std::string();
  }
  if (!recorded.ok() || !leader.ok()) return;  // etcd unreachable: keep serving reads
  if (!*leader && Holds(*recorded)) {
    auto stepped = leadership.Step();
    if (stepped.ok() && *stepped) {
      // The head read above may have moved since (a former leader's last compare-and-swap,
      // applied by etcd before that leader's key went): now that this node leads, no other
      // can move it. Read it again, and take over only if this node holds that one.
      auto now_recorded = head.Read();
      if (now_recorded.ok() && Holds(*now_recorded)) return Promote(*now_recorded);
      log("cannot take over as leader",
          now_recorded.ok() ? "the recorded head moved to a block this node does not hold"
                            : now_recorded.status().ToString());
      (void)leadership.Resign();
      return;
    }
  }
  if (*leader && (*leader)->node_id != options.node_id) Follow((*leader)->url);
}

void ClusterNode::Impl::Run() {
  pthread_setname_np(pthread_self(), "cl-cluster");
  const auto period = std::min<std::chrono::milliseconds>(
      std::chrono::duration_cast<std::chrono::milliseconds>(options.lease_ttl) / 4,
      std::chrono::milliseconds(500));
  while (true) {
    Tick();
    {
      Serving s = Current();
      MutexLock lock(mu);
      status.staged_blocks = stage->Heights().size();
      status.log_height = s.stack ? s.stack->ledger().Head().block_height : 0;
    }
    MutexLock lock(stop_mu);
    const auto wake = Clock::now() + period;
    while (!stopping && stop_cv.WaitUntil(stop_mu, wake)) {
    }
    if (stopping) return;
  }
}

Result<std::unique_ptr<ClusterNode>> ClusterNode::Start(
    ClusterOptions options, crypto::PrivateKey node_key, const std::string& stage_dir,
    StackFactory factory,
    std::function<void(const std::string& what, const std::string& detail)> log) {
  std::string self;
  for (const auto& [id, url] : options.nodes) {
    if (id == options.node_id) self = url;
  }
  if (self.empty()) {
    return Status::InvalidArgument("node id \"" + options.node_id +
                                   "\" is not one of the cluster's nodes");
  }
  const size_t quorum = QuorumOf(options);
  if (quorum > options.nodes.size()) {
    return Status::InvalidArgument("a quorum of " + std::to_string(quorum) + " of " +
                                   std::to_string(options.nodes.size()) + " nodes");
  }
  CREDLEDGER_ASSIGN_OR_RETURN(EtcdClient etcd, EtcdClient::Create(options.etcd));
  CREDLEDGER_ASSIGN_OR_RETURN(EtcdClient etcd_for_head, EtcdClient::Create(options.etcd));
  CREDLEDGER_ASSIGN_OR_RETURN(std::unique_ptr<BlockStage> stage, BlockStage::Open(stage_dir));
  auto impl = std::make_unique<Impl>(std::move(options), std::move(node_key), std::move(stage),
                                     std::move(factory), std::move(log), std::move(etcd),
                                     std::move(etcd_for_head), std::move(self));
  auto node = std::unique_ptr<ClusterNode>(new ClusterNode(std::move(impl)));
  Impl& d = *node->impl_;
  d.owner = node.get();
  // A node whose data dir holds a ledger serves it as a follower from the start.
  auto made = d.factory.follower(*node, "");
  if (made.ok()) {
    d.Swap(std::move(*made));
  } else if (made.status().code() != StatusCode::kNotFound) {
    return made.status();
  }
  d.thread = std::thread([&d] { d.Run(); });
  return node;
}

ClusterNode::ClusterNode(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

ClusterNode::~ClusterNode() {
  {
    MutexLock lock(impl_->stop_mu);
    impl_->stopping = true;
    impl_->stop_cv.SignalAll();
  }
  if (impl_->thread.joinable()) impl_->thread.join();
  if (impl_->Leading()) (void)impl_->leadership.Resign();
  if (impl_->gate) impl_->gate->Stop();
  impl_->Swap(nullptr);
}

api::RequestHandler& ClusterNode::handler() { return *impl_; }

ClusterStatus ClusterNode::status() const {
  MutexLock lock(impl_->mu);
  ClusterStatus s = impl_->status;
  if (s.leader) {
    s.lease_seconds = std::max(
        0.0, std::chrono::duration<double>(impl_->leadership.Deadline() - Clock::now()).count());
  }
  return s;
}

std::string ClusterNode::LeaderUrl() const {
  MutexLock lock(impl_->mu);
  return impl_->status.leader_url;
}

}  // namespace credledger::node
