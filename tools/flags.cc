#include "tools/flags.h"

#include <charconv>

#include "ledger/data_dir.h"

namespace credledger::tools {

Result<Flags> Flags::Parse(const std::vector<std::string>& args, const std::set<std::string>& known,
                           const std::set<std::string>& switches) {
  Flags f;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a.rfind("--", 0) != 0 || a == "--" || a == "-") {
      f.positional_.push_back(a);
      continue;
    }
    std::string name = a.substr(2);
    std::optional<std::string> value;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    if (switches.count(name)) {
      if (value) return Status::InvalidArgument("--" + name + " takes no value");
      f.values_[name] = "true";
      continue;
    }
    if (!known.count(name)) return Status::InvalidArgument("unknown flag --" + name);
    if (!value) {
      if (i + 1 >= args.size()) return Status::InvalidArgument("--" + name + " needs a value");
      value = args[++i];
    }
    f.values_[name] = *value;
    f.all_values_[name].push_back(*value);
  }
  return f;
}

std::vector<std::string> Flags::GetAll(const std::string& name) const {
  auto it = all_values_.find(name);
  return it == all_values_.end() ? std::vector<std::string>() : it->second;
}

std::optional<std::string> Flags::Get(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

std::string Flags::GetOr(const std::string& name, const std::string& fallback) const {
  return Get(name).value_or(fallback);
}

Result<std::string> Flags::Required(const std::string& name) const {
  auto v = Get(name);
  if (!v) return Status::InvalidArgument("--" + name + " is required");
  return *v;
}

Result<uint64_t> Flags::GetUint(const std::string& name, uint64_t fallback) const {
  auto v = Get(name);
  if (!v) return fallback;
  uint64_t out = 0;
  auto [ptr, ec] = std::from_chars(v->data(), v->data() + v->size(), out);
  if (ec != std::errc() || ptr != v->data() + v->size() || v->empty()) {
    return Status::InvalidArgument("--" + name + " must be a non-negative integer, got \"" + *v +
                                   "\"");
  }
  return out;
}

namespace {

// A key given on the command line, or the file holding it.
std::string KeyFromFlag(const std::string& value) {
  auto file = ReadFileToString(value);
  std::string key = file.ok() ? *file : value;
  while (!key.empty() && (key.back() == '\n' || key.back() == '\r' || key.back() == ' ')) {
    key.pop_back();
  }
  return key;
}

}  // namespace

Result<NoteVerifier> VerifierFromFlag(const std::string& value) {
  return NoteVerifier::FromVerifierKey(KeyFromFlag(value));
}

Result<crypto::PublicKey> PublicKeyFromFlag(const std::string& value) {
  const std::string key = KeyFromFlag(value);
  if (key.find("-----BEGIN") != std::string::npos) return crypto::PublicKey::FromPem(key);
  auto der = crypto::Base64Decode(key);
  if (!der.ok()) {
    return Status::InvalidArgument("a public key is a PEM file or base64 SPKI, not \"" +
                                   key.substr(0, 60) + "\"");
  }
  return crypto::PublicKey::FromDer(*der);
}

Result<WitnessPolicy> WitnessPolicyFromFlags(const Flags& flags) {
  WitnessPolicy policy;
  for (const std::string& value : flags.GetAll("witness")) {
    auto witness = witness::CosignatureVerifier::FromVerifierKey(KeyFromFlag(value));
    if (!witness.ok()) return witness.status().WithContext("--witness " + value);
    policy.witnesses.push_back(std::move(*witness));
  }
  CREDLEDGER_ASSIGN_OR_RETURN(uint64_t quorum, flags.GetUint("quorum", policy.witnesses.size()));
  if (flags.Has("quorum") && (quorum == 0 || quorum > policy.witnesses.size())) {
    return Status::InvalidArgument("--quorum is 1 to the number of --witness keys (" +
                                   std::to_string(policy.witnesses.size()) + ")");
  }
  policy.quorum = quorum;
  return policy;
}

}  // namespace credledger::tools
