// A tiny command-line flag parser for ledgerctl: "--name value", "--name=value" and bare
// "--flag" switches, plus positional arguments.
#ifndef CREDLEDGER_TOOLS_FLAGS_H_
#define CREDLEDGER_TOOLS_FLAGS_H_

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "crypto/status.h"
#include "ledger/checkpoint.h"
#include "ledger/witness/cosignature.h"

namespace credledger::tools {

class Flags {
 public:
  // `switches` are flags that take no value. Errors: InvalidArgument for an unknown flag
  // (not in `known` or `switches`) or a flag missing its value.
  static Result<Flags> Parse(const std::vector<std::string>& args,
                             const std::set<std::string>& known,
                             const std::set<std::string>& switches = {});

  std::optional<std::string> Get(const std::string& name) const;
  std::string GetOr(const std::string& name, const std::string& fallback) const;
  Result<std::string> Required(const std::string& name) const;
  // The flag as an unsigned integer; `fallback` when absent. InvalidArgument if malformed.
  Result<uint64_t> GetUint(const std::string& name, uint64_t fallback) const;
  bool Has(const std::string& name) const { return values_.count(name) > 0; }
  const std::vector<std::string>& positional() const { return positional_; }
  // Every value of a flag given more than once ("--witness A --witness B"), in order.
  std::vector<std::string> GetAll(const std::string& name) const;

 private:
  std::map<std::string, std::string> values_;  // the last value of each
  std::map<std::string, std::vector<std::string>> all_values_;
  std::vector<std::string> positional_;
};

// The witness policy of --witness KEY|FILE (repeated) and --quorum K: the witnesses, and how
// many of them must cosign a checkpoint (default: all given). No --witness: none, quorum 0.
// Errors: InvalidArgument naming a bad key or quorum.
struct WitnessPolicy {
  std::vector<witness::CosignatureVerifier> witnesses;
  size_t quorum = 0;
};
Result<WitnessPolicy> WitnessPolicyFromFlags(const Flags& flags);

// A --vkey value: the note verifier key itself ("<name>+<id>+<key>"), or a file holding it.
// Errors: those of NoteVerifier::FromVerifierKey.
Result<NoteVerifier> VerifierFromFlag(const std::string& value);
// A public key given as base64 SPKI (as GET /v1/node shows keys) or a PEM file holding it.
Result<crypto::PublicKey> PublicKeyFromFlag(const std::string& value);

}  // namespace credledger::tools

#endif  // CREDLEDGER_TOOLS_FLAGS_H_
