// A C2SP tlog-witness (c2sp.org/tlog-witness): for each log it follows (an origin and the
// log's note key), it keeps the latest checkpoint it cosigned, and cosigns a new one only if
// a consistency proof shows it extends that one. It never cosigns two checkpoints of one log
// that are not consistent: the check against the stored checkpoint and the synced write of
// the new one happen under one lock, before any cosignature leaves.
//
// Thread-safety: AddCheckpoint may be called from any thread.
#ifndef CREDLEDGER_LEDGER_WITNESS_WITNESS_H_
#define CREDLEDGER_LEDGER_WITNESS_WITNESS_H_

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/mutex.h"
#include "ledger/checkpoint.h"
#include "ledger/store.h"
#include "ledger/witness/cosignature.h"

namespace credledger::witness {

// An answer of the add-checkpoint call, as the spec defines it.
struct Answer {
  unsigned status = 200;
  std::string content_type;  // "text/plain; charset=utf-8", or "text/x.tlog.size" with 409
  std::string body;          // the cosignature line(s), the latest size, or what was wrong
};

// A log the witness follows.
struct FollowedLog {
  std::string vkey;  // its note verifier key: "<origin>+<key id>+<base64 key>"
  merkle::HashAlgorithm tree_hash = merkle::HashAlgorithm::kSha256;  // SM3 for an SM3 ledger
};

// The latest cosigned checkpoint of one log.
struct LogState {
  uint64_t tree_size = 0;
  merkle::Hash root{};
  std::string note;  // the checkpoint as submitted, evidence if a later one conflicts
};

class Witness {
 public:
  using Clock = std::function<uint64_t()>;  // POSIX seconds
  // `store` holds the state (one key per log: "w:" + origin, the latest cosigned checkpoint
  // as submitted), written synced. Errors: InvalidArgument naming a bad log key or a log
  // named twice.
  static Result<std::unique_ptr<Witness>> Open(std::unique_ptr<Store> store, Cosigner cosigner,
                                               const std::vector<FollowedLog>& logs, Clock clock);

  const Cosigner& cosigner() const { return cosigner_; }

  // An auditing witness's (docs/FOLLOWERS.md): asked of each checkpoint that passes every
  // other check, before it is cosigned; a cosignature then also vouches for what the audit
  // checked (that a follower verified every entry up to the checkpoint). OK cosigns;
  // Unavailable answers 503 (not verified yet: the log retries); any other error 403. May be
  // called from several threads at once. Set before the first AddCheckpoint.
  using Audit = std::function<Status(const Checkpoint& checkpoint)>;
  void SetAudit(Audit audit) { audit_ = std::move(audit); }

  // POST <prefix>/add-checkpoint with `body`: "old <size>\n", up to 63 base64 proof lines,
  // "\n", then the signed checkpoint. 200 with the cosignature line; 400 malformed (or old
  // size above the checkpoint's); 403 no valid signature by the log's key; 404 unknown
  // origin; 409 old size not the latest cosigned (body: that size, text/x.tlog.size) or the
  // same size with another root; 422 a consistency proof that does not verify; 503 and 403
  // refused by the audit (SetAudit); 500 the store could not persist (nothing cosigned).
  Answer AddCheckpoint(std::string_view body);

  // The latest cosigned checkpoint of `origin`, if any.
  Result<std::optional<LogState>> Latest(std::string_view origin);

 private:
  struct Log {
    NoteVerifier verifier;
    merkle::HashAlgorithm tree_hash;
  };
  Witness(std::unique_ptr<Store> store, Cosigner cosigner,
          std::map<std::string, Log, std::less<>> logs, Clock clock)
      : store_(std::move(store)),
        cosigner_(std::move(cosigner)),
        logs_(std::move(logs)),
        clock_(std::move(clock)) {}

  const std::unique_ptr<Store> store_;
  const Cosigner cosigner_;
  const std::map<std::string, Log, std::less<>> logs_;
  const Clock clock_;
  Audit audit_;
  Mutex mu_;  // check-and-persist, for every log
};

}  // namespace credledger::witness

#endif  // CREDLEDGER_LEDGER_WITNESS_WITNESS_H_
