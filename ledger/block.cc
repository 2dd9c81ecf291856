#include "ledger/block.h"

#include <chrono>
#include <cstdio>
#include <ctime>

#include "crypto/encoding.h"
#include "ledger/canonical_json.h"
#include "ledger/format.h"

namespace credledger {
namespace {

Json SignedPart(const BlockHeader& h) {
  return Json{{"entry_count", h.entry_count},
              {"first_index", h.first_index},
              {"height", h.height},
              {"origin", h.origin},
              {"prev_hash", crypto::HexEncode(h.prev_hash)},
              {"root", crypto::HexEncode(h.root)},
              {"timestamp", h.timestamp},
              {"tree_size", h.tree_size},
              {"version", format::kFormatVersion}};
}

std::string Canonical(const Json& j) {
  // Every member above is a small integer or a valid UTF-8 string we produced or validated.
  auto r = CanonicalJson(j);
  return r.ok() ? *r : std::string();
}

Result<uint64_t> GetCount(const Json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end() || !it->is_number_integer() || it->get<int64_t>() < 0) {
    return Status::InvalidArgument(std::string("block header member \"") + name +
                                   "\" must be a non-negative integer");
  }
  return static_cast<uint64_t>(it->get<int64_t>());
}

Result<std::string> GetString(const Json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end() || !it->is_string()) {
    return Status::InvalidArgument(std::string("block header member \"") + name +
                                   "\" must be a string");
  }
  return it->get<std::string>();
}

Result<merkle::Hash> GetHash(const Json& j, const char* name) {
  CREDLEDGER_ASSIGN_OR_RETURN(std::string hex, GetString(j, name));
  auto bytes = crypto::HexDecode(hex);
  merkle::Hash h{};
  if (!bytes.ok() || bytes->size() != h.size()) {
    return Status::InvalidArgument(std::string("block header member \"") + name +
                                   "\" must be a 64-digit lowercase hex hash");
  }
  std::copy(bytes->begin(), bytes->end(), h.begin());
  return h;
}

}  // namespace

std::string BlockHeader::SignedBytes() const { return Canonical(SignedPart(*this)); }

std::string BlockHeader::ToJson() const {
  Json j = SignedPart(*this);
  j["signature"] = crypto::Base64Encode(signature);
  return Canonical(j);
}

merkle::Hash BlockHeader::Hash(merkle::HashAlgorithm alg) const {
  return crypto::Hash(alg, SignedBytes());
}

Status BlockHeader::VerifySignature(const crypto::PublicKey& node_key) const {
  return node_key.Verify(SignedBytes(), signature)
      .WithContext("block " + std::to_string(height) + " signature");
}

Result<BlockHeader> ParseBlockHeader(std::string_view json) {
  CREDLEDGER_ASSIGN_OR_RETURN(Json j, ParseJson(json));
  if (!j.is_object()) return Status::InvalidArgument("block header must be a JSON object");
  for (auto it = j.begin(); it != j.end(); ++it) {
    static const char* kKnown[] = {"entry_count", "first_index", "height",    "origin",
                                   "prev_hash",   "root",        "timestamp", "tree_size",
                                   "version",     "signature"};
    if (std::find_if(std::begin(kKnown), std::end(kKnown),
                     [&](const char* k) { return it.key() == k; }) == std::end(kKnown)) {
      return Status::InvalidArgument("block header has unknown member \"" + it.key() + "\"");
    }
  }
  BlockHeader h;
  CREDLEDGER_ASSIGN_OR_RETURN(uint64_t version, GetCount(j, "version"));
  if (version != format::kFormatVersion) {
    return Status::InvalidArgument("unsupported block header version " + std::to_string(version));
  }
  CREDLEDGER_ASSIGN_OR_RETURN(h.height, GetCount(j, "height"));
  CREDLEDGER_ASSIGN_OR_RETURN(h.prev_hash, GetHash(j, "prev_hash"));
  CREDLEDGER_ASSIGN_OR_RETURN(h.first_index, GetCount(j, "first_index"));
  CREDLEDGER_ASSIGN_OR_RETURN(h.entry_count, GetCount(j, "entry_count"));
  CREDLEDGER_ASSIGN_OR_RETURN(h.tree_size, GetCount(j, "tree_size"));
  CREDLEDGER_ASSIGN_OR_RETURN(h.root, GetHash(j, "root"));
  CREDLEDGER_ASSIGN_OR_RETURN(h.origin, GetString(j, "origin"));
  CREDLEDGER_ASSIGN_OR_RETURN(h.timestamp, GetString(j, "timestamp"));
  CREDLEDGER_ASSIGN_OR_RETURN(std::string sig, GetString(j, "signature"));
  auto sig_bytes = crypto::Base64Decode(sig);
  if (!sig_bytes.ok()) return Status::InvalidArgument("block header signature is not base64");
  h.signature = std::move(*sig_bytes);
  if (h.first_index + h.entry_count != h.tree_size) {
    return Status::InvalidArgument("block header first_index + entry_count != tree_size");
  }
  return h;
}

std::string NowTimestamp() { return FormatTimestamp(std::chrono::system_clock::now()); }

std::string FormatTimestamp(std::chrono::system_clock::time_point t) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms % 1000));
  return buf;
}

}  // namespace credledger
