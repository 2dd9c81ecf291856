// A follower: a node that keeps a verified copy of another node's (its leader's) log, in its
// own store, and serves the read API from it (docs/FOLLOWERS.md).
//
// It copies block by block from the leader's API (GET /v1/blocks/{height} for the signed
// headers, /tlog/tile/entries/... for the entries, 256 a request) and verifies everything
// before it stores it: Ledger::AppendBlock checks each header is the signed successor of the
// last and that the entries give its root, and the record policy re-admits every entry at its
// index with its full checks (the agency's signature, its key's validity there, its
// permission, every rule). Then it serves the leader's latest checkpoint that its copy proves.
//
// On an inconsistency (a block or checkpoint that contradicts what it verified, a bad
// signature, an entry the rules refuse) it stops following for good, keeps serving what it
// verified, and writes the alarm with its evidence to a file, which also keeps it stopped
// across restarts until an operator removes it.
//
// Thread-safety: status() may be called from any thread.
#ifndef CREDLEDGER_NODE_FOLLOWER_H_
#define CREDLEDGER_NODE_FOLLOWER_H_

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "api/client/http_client.h"
#include "api/client/log_source.h"
#include "crypto/mutex.h"
#include "ledger/canonical_json.h"
#include "ledger/data_dir.h"
#include "ledger/ledger.h"
#include "ledger/records/policy.h"
#include "ledger/witness/witness.h"
#include "node/periodic.h"

namespace credledger::node {

struct FollowerOptions {
  std::string leader_url;   // http(s)://host:port of the leader's API
  std::string leader_vkey;  // the leader's note verifier key: what the copy must verify under
  std::string ca_file;      // PEM CAs for an https leader; empty: the system's
  std::chrono::milliseconds poll{200};  // how often the leader's head is checked
  std::string alarm_path;               // where an alarm and its evidence are written
  unsigned check_threads = 0;           // threads checking entries' signatures; 0: one per core
  // Bounds each request to the leader (and so how long stopping the follower can take).
  std::chrono::milliseconds timeout{30000};
};

struct FollowerStatus {
  uint64_t leader_tree_size = 0;  // the leader's latest block seen
  uint64_t tree_size = 0;         // this copy's, verified
  double lag_seconds = 0;         // how long the copy has been behind a size seen (0: caught up)
  double contact_seconds = 0;     // since the leader last answered
  uint64_t blocks_copied = 0, entries_copied = 0;
  std::string error;  // the last step's, if it failed for a reason that may pass
  std::string alarm;  // why it stopped following, for good; empty while it follows
};

class Follower {
 public:
  // The follower's ledger in `dir`: opened, or made from the leader's genesis (its parameters
  // from GET /v1/node, checked against `options.leader_vkey`, its genesis entry and block)
  // if `dir` has none. Errors: InvalidArgument (a malformed key or URL), Unavailable (the
  // leader cannot be read), those of CreateFollower (the leader's genesis does not verify).
  static Result<std::unique_ptr<Ledger>> OpenOrCreate(const std::string& dir,
                                                      const DataDirOptions& dir_options,
                                                      const FollowerOptions& options);

  // Starts following into `ledger` (a follower's, with `policy` installed as its admission
  // policy). `report` is called from the follower's thread with each alarm and each change of
  // error.
  static Result<std::unique_ptr<Follower>> Start(
      Ledger& ledger, std::shared_ptr<records::SharedRecordPolicy> policy, FollowerOptions options,
      std::function<void(const std::string& what, const std::string& detail)> report);
  ~Follower();  // stops: waits for the block in progress

  FollowerStatus status() const;
  // OK while the copy is within `max_lag` of the leader (and the leader answers within it)
  // and no alarm was raised; otherwise Unavailable saying why.
  Status Readiness(std::chrono::seconds max_lag) const;

 private:
  Follower(Ledger& ledger, std::shared_ptr<records::SharedRecordPolicy> policy,
           FollowerOptions options, client::HttpClient client, client::HttpLogSource one_by_one,
           std::function<void(const std::string&, const std::string&)> report);
  // One poll: rounds while the leader keeps growing (up to 100).
  void Step();
  // Copies every block up to the leader's latest, then serves its checkpoint. Whether it
  // copied any.
  bool Round();
  // Copies blocks after this ledger's head up to `target` (the leader's latest, verified).
  Status CopyUpTo(const BlockHeader& target);
  // The entries [first, end) of the log, from entry bundles (or one by one where a bundle
  // cannot carry them), `leader_size` being the leader's tree size.
  Result<std::vector<std::string>> FetchEntries(uint64_t first, uint64_t end, uint64_t leader_size);
  // Checks the entries' signatures on every core (SharedRecordPolicy::Precheck), before the
  // admission that AppendBlock makes one entry after another. An entry that fails is left to
  // the admission, which refuses it with the same error.
  void PrecheckAll(std::vector<Submission>& submissions) const;
  void Alarm(const std::string& what, Json evidence);
  void SetError(const std::string& error);

  Ledger& ledger_;
  const std::shared_ptr<records::SharedRecordPolicy> policy_;
  const FollowerOptions options_;
  client::HttpClient client_;
  client::HttpLogSource one_by_one_;  // entries too large for a bundle, on a connection of its own
  const std::function<void(const std::string&, const std::string&)> report_;
  std::atomic<bool> stopping_{false};

  // The last entry bundle fetched: its index, and its entries.
  uint64_t bundle_index_ = 0;
  std::vector<std::string> bundle_;

  mutable Mutex mu_;
  FollowerStatus status_ GUARDED_BY(mu_);
  std::chrono::steady_clock::time_point behind_since_ GUARDED_BY(mu_);
  std::chrono::steady_clock::time_point last_contact_ GUARDED_BY(mu_);
  std::unique_ptr<PeriodicTask> task_;  // last: it starts once the rest is set
};

// An auditing witness's audit (witness::Witness::SetAudit): a checkpoint of `log` passes once
// the follower at `follower_url` has verified the log up to the checkpoint's tree size with
// its root: the follower's latest block, signed by the log's key, is at that size or beyond,
// and the follower's consistency proof joins the two roots. Unavailable while the follower is
// behind (or cannot be asked); PermissionDenied if the roots disagree, or the checkpoint is of
// another log.
witness::Witness::Audit FollowerAudit(const std::string& follower_url, const std::string& ca_file,
                                      const witness::FollowedLog& log);

}  // namespace credledger::node

#endif  // CREDLEDGER_NODE_FOLLOWER_H_
