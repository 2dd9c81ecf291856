#include "api/client/log_source.h"

#include "crypto/encoding.h"
#include "ledger/block.h"
#include "ledger/canonical_json.h"
#include "ledger/format.h"

namespace credledger::client {

Result<Checkpoint> HttpLogSource::Target(const NoteVerifier& verifier) {
  CREDLEDGER_ASSIGN_OR_RETURN(std::string note, client_.GetOk("/v1/checkpoint"));
  return VerifyCheckpoint(note, verifier, verifier.name());
}

Result<std::string> HttpLogSource::Entry(uint64_t index) {
  CREDLEDGER_ASSIGN_OR_RETURN(std::string answer,
                              client_.GetOk("/v1/entries/" + std::to_string(index)));
  CREDLEDGER_ASSIGN_OR_RETURN(Json doc, ParseJson(answer));
  // Entries that are JSON are served as the value whose RFC 8785 form is the leaf.
  if (doc.contains("entry")) return CanonicalJson(doc["entry"]);
  if (doc.contains("entry_base64") && doc["entry_base64"].is_string()) {
    CREDLEDGER_ASSIGN_OR_RETURN(crypto::Bytes bytes,
                                crypto::Base64Decode(doc["entry_base64"].get<std::string>()));
    return std::string(bytes.begin(), bytes.end());
  }
  return Status::DataLoss("entry " + std::to_string(index) + ": the answer holds no entry");
}

Result<std::string> HttpLogSource::Block(uint64_t height) {
  return client_.GetOk("/v1/blocks/" + std::to_string(height));
}

Result<Checkpoint> StoreLogSource::Target(const NoteVerifier& verifier) {
  std::string value;
  CREDLEDGER_RETURN_IF_ERROR(store_->Get(format::kHeadKey, &value));
  if (value.size() != 8) return Status::DataLoss("the head pointer is corrupt");
  CREDLEDGER_ASSIGN_OR_RETURN(std::string text, Block(format::GetBigEndian64(value)));
  CREDLEDGER_ASSIGN_OR_RETURN(BlockHeader head, ParseBlockHeader(text));
  Status s = head.VerifySignature(verifier.public_key());
  if (!s.ok()) return Status::DataLoss("the head block's signature: " + s.message());
  return Checkpoint{head.origin, head.tree_size, head.root};
}

Result<std::string> StoreLogSource::Entry(uint64_t index) {
  std::string value;
  Status s = store_->Get(format::EntryKey(index), &value);
  if (!s.ok()) return Status::DataLoss("entry " + std::to_string(index) + ": " + s.ToString());
  return value;
}

Result<std::string> StoreLogSource::Block(uint64_t height) {
  std::string value;
  Status s = store_->Get(format::BlockKey(height), &value);
  if (!s.ok()) return Status::DataLoss("block " + std::to_string(height) + ": " + s.ToString());
  return value;
}

}  // namespace credledger::client
