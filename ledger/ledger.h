// Ledger: an append-only RFC 9162 log of entries, grouped into hash-chained, node-signed
// blocks, with signed C2SP checkpoints and proofs for any tree size up to the current one.
//
// Appends go through a sequencer thread that cuts a block when it holds
// LedgerOptions::max_block_entries entries or its oldest entry has waited max_block_delay,
// writes the whole block (entries, leaf index, tree tiles, header, head pointer) as one
// atomic, synced Store batch, and only then answers the callers. After a crash at any
// instant the store holds exactly some prefix of committed blocks, and every answered append
// is in it. See docs/DESIGN.md for the data layout and the crash argument.
//
// Entries are opaque bytes to this class (the domain layer decides what they mean). A
// byte-identical resubmission is answered with the existing index (idempotent).
//
// Thread-safety: all public methods may be called concurrently from any thread.
// Lifetime: the Ledger owns its Store. Destruction commits every pending entry, then stops,
// and moves the store's recent writes into checked tables (Store::FlushToTables), so that the
// next open replays and reads through nothing.
#ifndef CREDLEDGER_LEDGER_LEDGER_H_
#define CREDLEDGER_LEDGER_LEDGER_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/keys.h"
#include "ledger/block.h"
#include "ledger/checkpoint.h"
#include "ledger/log_reader.h"
#include "ledger/merkle.h"
#include "ledger/store.h"

namespace credledger {

// Decides, inside the sequencer, whether each new entry may join the log at the index it would
// get, having seen every earlier entry (durable, or in a block still being written). This is
// where domain rules that depend on the log's own state belong (records/policy.h), so that two
// conflicting entries submitted at once cannot both be admitted.
//
// Called only from the sequencer thread, in log order.
// What a caller's checks made of an entry before it was submitted (the domain's: parsed,
// validated, its signature verified), carried with the entry to its admission so that no work
// is done twice and none is looked up on the side. Opaque to the ledger.
class EntryChecks {
 public:
  virtual ~EntryChecks() = default;
};

class AdmissionPolicy {
 public:
  virtual ~AdmissionPolicy() = default;
  // OK admits `entry` (whose RFC 9162 leaf hash the ledger computed when it was submitted)
  // at `index` (the policy counts it as pending); an error rejects it: the caller gets that
  // error and nothing is written. `checks` is what was attached to the entry's Submission, or
  // null. `writes` is the batch the entry's block will be written in: what the policy keeps
  // in the ledger's store beside the entry (its indexes) goes there, to become durable with
  // the entry, atomically, or not at all. Null: the ledger writes nothing for it (an offline
  // verifier's policy).
  virtual Status Admit(std::string_view entry, const merkle::Hash& leaf_hash, uint64_t index,
                       const EntryChecks* checks, WriteBatch* writes) = 0;
  // The block ending at tree size `tree_size` is complete and about to be written in
  // `writes`: the policy may add what describes its whole state at that size.
  virtual void Seal(uint64_t /*tree_size*/, WriteBatch* /*writes*/) {}
  // Every admitted entry below `tree_size` is durable.
  virtual void Committed(uint64_t tree_size) = 0;
  // Admitted entries at `first_index` and above were not written: forget them.
  virtual void RolledBack(uint64_t first_index) = 0;
};

// Stands between a block's preparation and its write: a cluster leader's (node/cluster.h)
// replicates the block to a quorum of nodes and records its head in etcd there, so that the
// block is written and its entries acknowledged only once the cluster holds it. Called on the
// ledger's writer thread, one block at a time and in log order, while the sequencer prepares
// the next block.
class BlockGate {
 public:
  virtual ~BlockGate() = default;
  // `header` (signed) and its entries, in log order. OK: the block is written. Any error: it
  // is not written, its entries are answered with the error, and the next block is built in
  // its place; but FailedPrecondition means this ledger may write nothing more (its node no
  // longer leads, or cannot tell whether the block was recorded): every later write is refused
  // with Unavailable naming it, until the ledger is reopened.
  virtual Status Pass(const BlockHeader& header, const std::vector<std::string_view>& entries) = 0;
};

struct LedgerOptions {
  // A block is cut when it holds this many entries. Default 4096.
  size_t max_block_entries = 4096;
  // ... or when its oldest entry has waited this long. Default 2 ms.
  std::chrono::microseconds max_block_delay{2000};
  // Largest accepted entry, bytes. Default 1 MiB.
  size_t max_entry_bytes = 1 << 20;
  // Appends waiting for the sequencer beyond this many are refused with ResourceExhausted
  // (back-pressure instead of unbounded memory). Default 262144.
  size_t max_pending_entries = 1 << 18;
  // Tree tiles kept in memory for proofs (about 16 KiB each). Default 4096 (64 MiB).
  size_t tile_cache_tiles = 4096;
  // Most memory for the in-memory filter of leaf hashes that spares the idempotency check a
  // store read for most new entries (16 bits per entry, for twice the log's size). Past it the
  // filter fills up and more checks read the store. Default 64 MiB (32M entries).
  uint64_t leaf_filter_bytes = uint64_t{64} << 20;
  // Sync every block to stable storage. Only benchmarks of the non-durable path turn it off.
  bool sync = true;
  // A file outside the store where the ledger records the tree size and root of its last
  // durable block, after each block ("<size> <root hex>\n"; not synced: it can only lag the
  // store). Open refuses a store that ends before it, or disagrees with it (DataLoss): such a
  // store lost blocks it had made durable, say to a truncated log file, which LevelDB reads
  // as a crash in mid-write and a kill -9 test cannot tell apart, and serving it would sign
  // a fork of the checkpoints already handed out. Empty: none (the default).
  std::string head_record_path;
  // The clock of block timestamps (which start and stop the working-day clock of
  // records/sla.h). Default: the system clock; a test sets its own.
  std::function<std::chrono::system_clock::time_point()> clock;
};

struct AppendReceipt {
  uint64_t index = 0;
  uint64_t block_height = 0;
  merkle::Hash leaf_hash{};
  bool already_present = false;  // an identical entry was already in the log
};

// What one durable block cost, for monitoring (Ledger::SetCommitObserver).
struct BlockCommit {
  uint64_t height = 0;
  uint64_t entries = 0;
  double write_seconds = 0;  // from handing the block to the store until it was durable
  double wait_seconds = 0;   // from its oldest entry's arrival until it was durable
};

// The genesis entry (index 0) that Create writes when given none: canonical JSON
// {"created_at", "node_key": {"alg", "key_id", "spki"}, "origin", "schema_version",
//  "tree_hash", "type": "genesis"}.
// Errors: InvalidArgument if `origin` is not valid UTF-8.
Result<std::string> DefaultGenesisEntry(const std::string& origin, merkle::HashAlgorithm tree_hash,
                                        const crypto::PublicKey& node_key);

// An entry on its way into the log: its bytes, their RFC 9162 leaf hash (computed once, by
// Ledger::NewSubmission), and the checks that travel with it to admission. Move-only, so the
// bytes are never copied between the request that brought them and the store.
class Submission {
 public:
  Submission(Submission&&) = default;
  Submission& operator=(Submission&&) = default;

  const std::string& entry() const { return entry_; }
  const merkle::Hash& leaf_hash() const { return leaf_hash_; }
  const std::shared_ptr<const EntryChecks>& checks() const { return checks_; }
  // REQUIRES: `checks` were made from this submission's entry.
  void AttachChecks(std::shared_ptr<const EntryChecks> checks) { checks_ = std::move(checks); }

 private:
  friend class Ledger;
  Submission(std::string entry, const merkle::Hash& leaf_hash)
      : entry_(std::move(entry)), leaf_hash_(leaf_hash) {}
  std::string entry_;
  merkle::Hash leaf_hash_;
  std::shared_ptr<const EntryChecks> checks_;
};

class Ledger {
 public:
  // Creates a new ledger in an empty store: parameters, the genesis entry at index 0 and the
  // genesis block at height 0. `genesis_entry` empty means DefaultGenesisEntry. Errors:
  // InvalidArgument (bad origin, non-Ed25519 node key), AlreadyExists (store not empty).
  static Result<std::unique_ptr<Ledger>> Create(std::unique_ptr<Store> store,
                                                crypto::PrivateKey node_key, std::string origin,
                                                merkle::HashAlgorithm tree_hash,
                                                std::string genesis_entry = {},
                                                const LedgerOptions& options = {});

  // Opens an existing ledger and checks its head: the last block's signature, its link to the
  // previous block, and that the stored tree and entries give the size and root it records.
  // Errors: NotFound (no ledger in the store), FailedPrecondition (node key is not this
  // ledger's), DataLoss naming what disagrees.
  static Result<std::unique_ptr<Ledger>> Open(std::unique_ptr<Store> store,
                                              crypto::PrivateKey node_key,
                                              const LedgerOptions& options = {});

  // A follower's ledger: a copy of another node's (its leader's) log, verified block by block
  // as it is copied (AppendBlock), holding no node key. Its store is laid out as the leader's,
  // with the leader's parameters, blocks and tree, so that it serves every read the leader
  // does. It sequences nothing (Submit and friends answer FailedPrecondition) and signs
  // nothing: SignedCheckpoint answers the leader's latest checkpoint it verified
  // (AdoptCheckpoint).
  //
  // CreateFollower starts one in an empty store from the leader's parameters, genesis entry
  // and genesis block, checked against each other and the block's signature. Errors:
  // AlreadyExists (store not empty), InvalidArgument naming what disagrees.
  static Result<std::unique_ptr<Ledger>> CreateFollower(std::unique_ptr<Store> store,
                                                        LedgerParams params,
                                                        std::string genesis_entry,
                                                        const BlockHeader& genesis_block,
                                                        const LedgerOptions& options = {});
  // Opens a follower's store (or a leader's, to follow from where it stands) with the checks
  // of Open, but no node key. Errors: as Open's, less FailedPrecondition.
  static Result<std::unique_ptr<Ledger>> OpenFollower(std::unique_ptr<Store> store,
                                                      const LedgerOptions& options = {});

  ~Ledger();
  Ledger(const Ledger&) = delete;
  Ledger& operator=(const Ledger&) = delete;

  // Queues `entry`; the future resolves once its block is durable (or with the error that
  // prevented it). Errors: InvalidArgument (empty or over max_entry_bytes),
  // ResourceExhausted (queue full), Unavailable (shutting down, or the block write failed).
  std::future<Result<AppendReceipt>> Submit(std::string entry);
  // Submit and wait.
  Result<AppendReceipt> Append(std::string entry);
  // Queues `entries` in order with one future for all: result i answers entry i, each with
  // its own outcome (as Submit's). Entries are sequenced in order and may span blocks;
  // the future resolves once the last of their blocks is durable. Cheaper per entry than
  // Submit for bulk loads. The whole batch is refused (each result ResourceExhausted) if it
  // does not fit in the queue.
  std::future<std::vector<Result<AppendReceipt>>> SubmitBatch(std::vector<std::string> entries);
  // Submit and SubmitBatch with a completion instead of a future, for callers that must not
  // block a thread per write (the HTTP server). `done` runs exactly once, either on the calling
  // thread (refused before queueing) or on the sequencer thread: it must be quick and must
  // not call back into this Ledger's writes; hand real work to another executor.
  void SubmitAsync(std::string entry, std::function<void(Result<AppendReceipt>)> done);
  void SubmitBatchAsync(std::vector<std::string> entries,
                        std::function<void(std::vector<Result<AppendReceipt>>)> done);

  // `entry` as a Submission: its size checked and its leaf hash computed (the one hash of
  // its bytes the write path makes). Errors: InvalidArgument (empty or over max_entry_bytes).
  Result<Submission> NewSubmission(std::string entry) const;
  // SubmitAsync and SubmitBatchAsync for submissions, whose checks reach the admission policy.
  // Each slot of `submissions` that holds an error is answered with it.
  void SubmitAsync(Submission submission, std::function<void(Result<AppendReceipt>)> done);
  void SubmitBatchAsync(std::vector<Result<Submission>> submissions,
                        std::function<void(std::vector<Result<AppendReceipt>>)> done);

  // A follower's: appends the leader's next block `header` with its entries, once all of it
  // checks: the header is the successor of this ledger's last block (height, previous hash,
  // first index, origin, timestamp) signed by the node key, the entries are new and each is
  // admitted by the admission policy at its index (with the checks attached to it, or whole),
  // and they give the header's tree size and root. Then it is written as the leader wrote
  // it: one atomic, synced batch. Nothing is written unless all of it checks.
  // Errors: Unavailable (this ledger's store failed: retry once it recovers, or, if it says
  // so, after a restart); FailedPrecondition (not a follower); otherwise the block is not a
  // valid successor, which is its signer's doing: InvalidArgument naming what is wrong in the
  // block, or the admission policy's error for entry N, its message prefixed with the entry's
  // index.
  Status AppendBlock(const BlockHeader& header, std::vector<Submission> entries);
  // A follower's: serves `note`, a checkpoint of the leader, from now on (and after a reopen),
  // once it verifies under the node key (other signature lines are kept: cosignatures) and
  // its root is this ledger's at its tree size. A checkpoint older than the one served is
  // ignored. Errors: FailedPrecondition (its tree size is beyond this ledger's head, or this
  // is not a follower); Unauthenticated (no valid signature by the node key); InvalidArgument
  // (another root at that size: a fork, proven by the note and this ledger's signed blocks);
  // Unavailable (the store).
  Status AdoptCheckpoint(const std::string& note);
  // Whether this ledger is a follower's (CreateFollower, OpenFollower).
  bool IsFollower() const;

  const LedgerParams& params() const;
  TreeHead Head() const;
  // The read face of this ledger: its entries, blocks and proofs as of the last durable block
  // (log_reader.h). What a component that only reads is given.
  const LogReader& log() const;
  // The note verifier key of this ledger: "<origin>+<key id>+<base64 key>".
  std::string VerifierKey() const;

  // The C2SP signed checkpoint of the current head. A follower's: its leader's latest that it
  // verified (AdoptCheckpoint), which may be of a smaller tree than Head(); Unavailable if
  // there is none yet.
  Result<std::string> SignedCheckpoint() const;

  // The store this ledger writes: for an admission policy that keeps its state there, in the
  // ledger's batches (AdmissionPolicy::Admit), and reads it back. Nothing else may write it.
  Store* store() const;

  // Installs `policy` for every block cut after this call (null: admit everything, the
  // default). Typically set right after Open, once the policy has replayed the log.
  void SetAdmissionPolicy(std::shared_ptr<AdmissionPolicy> policy);
  // Installs `gate` for every block cut after this call (null: none, the default): a block is
  // written only once it passes. Set before the first write.
  void SetBlockGate(std::shared_ptr<BlockGate> gate);
  // `observer` is called on the sequencer thread after each block is durable; keep it short.
  void SetCommitObserver(std::function<void(const BlockCommit&)> observer);
  // Entries submitted and not yet taken into a block.
  size_t PendingEntries() const;
  // OK while the store takes writes; Unavailable, naming the disk's error, while a failed
  // block write is not yet settled and every write is refused (docs/DESIGN.md), or naming the
  // block gate's refusal once it refused for good. For readiness checks and alarms: reads keep
  // working meanwhile.
  Status WriteRefusal() const;

 private:
  struct Impl;
  explicit Ledger(std::unique_ptr<Impl> impl);
  // Open's and OpenFollower's (no signer, no key).
  static Result<std::unique_ptr<Ledger>> OpenImpl(std::unique_ptr<Store> store, LedgerParams params,
                                                  std::optional<NoteSigner> signer,
                                                  std::optional<crypto::PrivateKey> node_key,
                                                  const LedgerOptions& options);
  std::unique_ptr<Impl> impl_;
};

}  // namespace credledger

#endif  // CREDLEDGER_LEDGER_LEDGER_H_
