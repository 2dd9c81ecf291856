// ledgerctl: the operator's and developer's command line for a credledger data directory.
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "tools/commands.h"

namespace {

constexpr const char* kUsage = R"(usage: ledgerctl <command> [flags]

commands:
  keygen --alg p256|ed25519|sm2 --out FILE
        generate a key pair: FILE (PKCS#8 PEM, mode 0600) and FILE.pub (SPKI PEM)
  init --data DIR --origin NAME [--tree-hash sha256|sm3] [--node-key FILE]
        create a ledger in DIR; generates DIR/node-key.pem (Ed25519) if there is no key
  init --data DIR --genesis FILE [--node-key FILE]
        create a ledger whose entry 0 is a domain genesis (agencies, admins; see genesis)
  genesis --config CONFIG.json --node-key FILE
        print a genesis from a config: {"origin", "tree_hash"?, "admins": {"threshold",
        "keys": [PEM paths]}, "agencies": [{"id", "name", "uscc", "keys": [PEM paths],
        "types": [...], "historical_codes"?}]}
  config --keys ADMIN.pem[,ADMIN2.pem...] --action ACTION --params JSON
  config --keys ADMIN.pem[,...] --add-to ENTRY.json
        print a config entry (docs/RECORDS.md: add_agency, add_key, revoke_key, rotate_key,
        set_types, suspend_agency, delegate, ...) signed by the given admin keys; with
        --add-to, add more admins' signatures to one already signed (M-of-N); submit it with
        POST /v1/entries
  registry --data DIR [--index I]
        print the registry (agencies, keys, permissions) in force for an entry at index I
  reindex --data DIR [--rebuild]
        build the record indexes of a domain ledger from its log, with the node stopped:
        after upgrading from a store of an earlier format (ledgerd says when), or with
        --rebuild from scratch (another format's keys are cleared first, then compacted
        away: about a minute at 10M entries). Shows its progress; interrupted, it resumes
        where it stopped (a clearing starts over). First it stores the tree tiles' middle
        rows that a store from before them lacks (seconds at 10M entries). The tables it
        wrote are recorded as checked, as a node's clean close records its own
  fsck --data DIR [--indexes]
        check a stopped node's store whole: every file against its checksums, every block's
        signature and link, every entry against its leaf, every root, every tile's stored
        middle row; that the record indexes describe the whole log, and with --indexes that
        they equal a rebuild from it.
        Exit 1 names the first damage found
  append --data DIR [--raw] [FILE... | -]
        append entries: each non-empty line of FILE (or stdin) is one JSON value, stored in
        RFC 8785 canonical form; with --raw each FILE's bytes are one entry. A domain
        ledger (init --genesis) admits them under its rules, as ledgerd does
  sign --key KEY.pem TEMPLATE.json|-
        validate a record template (docs/RECORDS.md), fill issued_at/schema_version if absent,
        set key_id and sign it; prints the canonical signed entry
  license-id --type-code T --issuer USCC --serial S [--version V]
        print the e-license identifier (GB/T 36904: 1.2.156.3005.2.T.USCC.S.V.check, the check
        character by ISO/IEC 7064 MOD 37,36); V defaults to 001. An identifier is held by one
        record: a license's identifier names its issuing authority, which must be its signer
  erasure-request --key KEY.pem --hash H --legal-basis TEXT [--agency ID]
        print a signed request to erase document H (DELETE /v1/payloads/H): by the issuing
        agency ID with one of its keys, or without --agency by an admin key
  entry --data DIR --index I
        print entry I's exact bytes (no newline added)
  checkpoint --data DIR [--vkey]
        print the signed checkpoint (C2SP signed note), or with --vkey the verifier key
  prove --data DIR --index I [--size N]      inclusion proof of entry I in tree size N
  prove --data DIR --from M [--to N]         consistency proof between tree sizes M and N
  bench [--entries N] [--entry-bytes B] [--dir DIR] [--threads T] [--proofs P] [--batch K]
        [--block-entries N] [--block-delay-us U] [--keep]
        durable appends/s (one Submit per entry, and SubmitBatch of K), inclusion proofs/s,
        beside SHA-256 and raw LevelDB references measured in the same run
  bench-records [--seconds S] [--rounds N]
        record validation + signature verification per core for p256, ed25519 and sm2,
        as a ratio of `openssl speed` verify/s measured in the same run
  bench-entries --key KEY.pem --agency ID --genesis GENESIS.json --out FILE [--count N]
       [--series S]
        write N distinct signed penalty entries of agency ID (its code from the genesis),
        one canonical entry per line,
        for HTTP load tests (scripts/bench-http.sh); S keeps decision numbers of runs apart
  bench-bundles [--seconds S] [--rounds N] [--records N] [--corpus FILE]
        offline proof-bundle verifications/s per core (p256 penalties), beside the bound
        `openssl speed` gives for their signature checks, measured in the same run
  bench-scale --data DIR [--entries N] [--subjects S]
        build or grow to N entries (default 1,000,000) a domain ledger in DIR that ledgerd
        can serve: six agencies (p256, ed25519, sm2), all five record types, S enterprises
        (default 100,000); keeps a sample of ids for bench-reads (scripts/bench-scale.sh)
  bench-reads --url URL --data DIR [--requests N]
        read latencies (p50, p99) of a node serving a bench-scale DIR, one client: proofs,
        records, subject pages, bundles and profiles in turn
  soak URL --entries FILE --vkey KEY --pid PID [--seconds S] [--warmup W] [--writers N]
       [--readers N] [--max-growth-per-entry BYTES] [--max-read-growth-kib KIB]
        mixed writes (entries from FILE, as bench-entries writes them) and reads for S
        seconds, the last W of them reads only; then every acknowledged entry is proven in
        the final checkpoint's tree. The node's resident memory growth per entry written
        after the first W seconds, and while it only served reads, is reported and bounded
        (tests/e2e/soak/soak_test.sh)
  bundle --data DIR (--record ID | --index I) [--out FILE]
        the record's proof bundle (docs/PROOF-BUNDLE.md) at the current checkpoint
  verify BUNDLE|- --vkey KEY|FILE [--document FILE] [--at TIME] [--json]
         [--witness KEY|FILE ... [--quorum K]] [--profile-signer KEY|FILE]
        check a proof bundle offline with the node's verifier key alone: prints each check
        and a verdict; exits 0 if authentic and in force, 3 if authentic but not in force
        (revoked, suspended, expired, ...), 1 if any check fails; with --witness, the
        checkpoint must carry cosignatures by K of those witnesses (default: all of them;
        docs/WITNESS.md); also checks a credit profile (GET /v1/subjects/{uscc}/profile):
        node signature and every inclusion; a follower's profile is signed by its own key,
        given with --profile-signer (its /v1/node "profile_key" spki, or a PEM file)
  qr URL [--out FILE.svg|FILE.pbm]
        the QR code of a record's verification page (https://NODE/v/ID) for a printed
        certificate: SVG or PBM with --out, else drawn in the terminal
  monitor URL --vkey KEY|FILE --state FILE [--interval S] [--once] [--ca-file PEM]
          [--witness KEY|FILE ... [--quorum K]]
        poll the node's checkpoints; check each new one against the last one seen (saved in
        FILE) with a consistency proof. Exits 4 with an ALARM on a fork, a shrinking tree or
        a checkpoint that does not verify, saving both signed checkpoints in FILE.alarm.json.
        With --witness, a checkpoint not cosigned by K of them (default all) is not accepted
        (with --once, exit 1)
  audit URL|DATA_DIR --vkey KEY|FILE [--query-audit FILE] [--ca-file PEM] [--scratch DIR]
        replay the whole log from genesis: every agency and admin signature, permission and
        admission rule, block signature and link, root and the checkpoint (or, for a stopped
        node's DATA_DIR, the head block); with --query-audit, the bank query log's chain and
        its anchors. Exits 1 on the first discrepancy, naming it. The replay's indexes go
        to a scratch LevelDB made and removed in DIR (default $TMPDIR, else /tmp): about
        0.2x the log's entry bytes on disk while it runs, and bounded memory
  sla URL|DATA_DIR --vkey KEY|FILE [--as-of TIME] [--agency ID] [--state STATE]
          [--ca-file PEM] [--scratch DIR]
        the working-day report of repair applications (GET /v1/sla), recomputed from the log
        alone after an audit as above, printed as JSON; for a URL, the node's own report of
        the same tree size and time must be the same (exit 1 naming the difference otherwise).
        STATE: open, closed, met, missed, pending or overdue; TIME: RFC 3339 UTC, default now
  access-log URL --key ENTERPRISE_KEY.pem --enterprise USCC --vkey KEY|FILE [--out FILE]
        the enterprise's access log: every bank read of its data (bank, time, purpose, consent
        cited, answer), asked for with a request signed by its key (bound to it on the log),
        each line checked against the node's anchored query audit log; exit 1 if one does not
        verify. --verify FILE checks a saved answer (--out) offline instead
every command also takes --node-key FILE (default DIR/node-key.pem)
)";

}  // namespace

int main(int argc, char** argv) {
  using credledger::Status;
  using namespace credledger::tools;
  if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "help") {
    std::cout << kUsage;
    return argc < 2 ? 2 : 0;
  }
  const std::map<std::string, Status (*)(const Args&)> commands = {
      {"keygen", KeygenCommand},
      {"init", InitCommand},
      {"append", AppendCommand},
      {"entry", EntryCommand},
      {"checkpoint", CheckpointCommand},
      {"prove", ProveCommand},
      {"sign", SignCommand},
      {"soak", SoakCommand},
      {"erasure-request", ErasureRequestCommand},
      {"license-id", LicenseIdCommand},
      {"genesis", GenesisCommand},
      {"config", ConfigCommand},
      {"registry", RegistryCommand},
      {"reindex", ReindexCommand},
      {"fsck", FsckCommand},
      {"bench", BenchCommand},
      {"bench-records", BenchRecordsCommand},
      {"bench-entries", BenchEntriesCommand},
      {"bench-bundles", BenchBundlesCommand},
      {"bench-scale", BenchScaleCommand},
      {"bench-reads", BenchReadsCommand},
      {"bundle", BundleCommand},
      {"verify", VerifyCommand},
      {"qr", QrCommand},
      {"monitor", MonitorCommand},
      {"audit", AuditCommand},
      {"sla", SlaCommand},
      {"access-log", AccessLogCommand},
  };
  std::string command = argv[1];
  auto it = commands.find(command);
  if (it == commands.end()) {
    std::cerr << "ledgerctl: unknown command \"" << command << "\"\n\n" << kUsage;
    return 2;
  }
  credledger::Status status = it->second(Args(argv + 2, argv + argc));
  if (!status.ok()) {
    std::cerr << "ledgerctl " << command << ": " << status.ToString() << "\n";
    if (command == "verify" && status.code() == credledger::StatusCode::kFailedPrecondition) {
      return 3;  // authentic, but the record is not in force
    }
    if (command == "monitor" && status.code() == credledger::StatusCode::kDataLoss) {
      return 4;  // an alarm: the node forked, rolled back or signed something that fails
    }
    return status.code() == credledger::StatusCode::kInvalidArgument ? 2 : 1;
  }
  return 0;
}
