#include "ledger/records/payloads.h"

#include "crypto/encoding.h"
#include "ledger/canonical_json.h"
#include "ledger/records/entry.h"
#include "ledger/records/schema.h"

namespace credledger::records {
namespace {

// Key prefixes in the payload store (its own Store, not the ledger's).
std::string BytesKey(const std::string& hash) { return "p" + hash; }
std::string TombstoneKey(const std::string& hash) { return "x" + hash; }

}  // namespace

Result<ErasureRequest> ParseErasureRequest(const Json& doc) {
  CREDLEDGER_RETURN_IF_ERROR(CheckObject(
      doc, "", {"type", "hash", "legal_basis", "requested_at", "key_id", "signature"}, {"agency"}));
  if (At(doc, "type") != "erasure_request") {
    return Status::InvalidArgument("/type: must be \"erasure_request\"");
  }
  CREDLEDGER_RETURN_IF_ERROR(CheckHash(At(doc, "hash"), "/hash"));
  CREDLEDGER_RETURN_IF_ERROR(CheckText(At(doc, "legal_basis"), "/legal_basis", 500));
  CREDLEDGER_RETURN_IF_ERROR(CheckTimestamp(At(doc, "requested_at"), "/requested_at"));
  CREDLEDGER_RETURN_IF_ERROR(CheckHash(At(doc, "key_id"), "/key_id"));
  ErasureRequest r;
  if (Has(doc, "agency")) {
    CREDLEDGER_RETURN_IF_ERROR(CheckText(At(doc, "agency"), "/agency", 64));
    r.agency = At(doc, "agency").get<std::string>();
  }
  r.hash = At(doc, "hash").get<std::string>();
  r.legal_basis = At(doc, "legal_basis").get<std::string>();
  r.requested_at = At(doc, "requested_at").get<std::string>();
  r.key_id = At(doc, "key_id").get<std::string>();
  return r;
}

Result<std::string> MakeErasureRequest(ErasureRequest request, const crypto::PrivateKey& key) {
  Json doc = {{"type", "erasure_request"},
              {"hash", request.hash},
              {"legal_basis", request.legal_basis},
              {"requested_at", request.requested_at}};
  if (!request.agency.empty()) doc["agency"] = request.agency;
  CREDLEDGER_ASSIGN_OR_RETURN(std::string text, SignObject(doc, key));
  CREDLEDGER_ASSIGN_OR_RETURN(Json signed_doc, ParseJson(text));
  CREDLEDGER_RETURN_IF_ERROR(ParseErasureRequest(signed_doc).status());
  return text;
}

std::string PayloadStore::Address(std::string_view bytes) const {
  return crypto::HexEncode(crypto::Hash(alg_, bytes));
}

Result<std::string> PayloadStore::Put(std::string_view bytes) {
  std::string hash = Address(bytes);
  std::string ignored;
  Status erased = store_->Get(TombstoneKey(hash), &ignored);
  if (erased.ok()) {
    return Status::FailedPrecondition("document " + hash + " was erased on a lawful request");
  }
  WriteBatch batch;
  batch.Put(BytesKey(hash), std::string(bytes));
  CREDLEDGER_RETURN_IF_ERROR(store_->Write(batch, /*sync=*/true));
  return hash;
}

Result<Payload> PayloadStore::Get(const std::string& hash_hex) const {
  if (!IsHashHex(hash_hex)) return Status::InvalidArgument("a document hash is 64 lowercase hex");
  Payload p;
  std::string value;
  Status s = store_->Get(TombstoneKey(hash_hex), &value);
  if (s.ok()) {
    auto j = ParseJson(value);
    if (!j.ok() || !j->is_object())
      return Status::DataLoss("erasure record of " + hash_hex + " is corrupt");
    p.erasure =
        Erasure{j->value("erased_at", ""), j->value("erased_by", ""), j->value("legal_basis", "")};
    return p;
  }
  if (s.code() != StatusCode::kNotFound) return s;
  s = store_->Get(BytesKey(hash_hex), &value);
  if (s.code() == StatusCode::kNotFound) return Status::NotFound("no document " + hash_hex);
  CREDLEDGER_RETURN_IF_ERROR(s);
  p.bytes = std::move(value);
  return p;
}

Status PayloadStore::Erase(const std::string& hash_hex, const Erasure& erasure) {
  if (erasure.erased_at.empty() || erasure.erased_by.empty() || erasure.legal_basis.empty()) {
    return Status::InvalidArgument("an erasure needs its time, who erased and the legal basis");
  }
  CREDLEDGER_ASSIGN_OR_RETURN(Payload current, Get(hash_hex));
  if (current.erasure)
    return Status::FailedPrecondition("document " + hash_hex + " is already erased");
  CREDLEDGER_ASSIGN_OR_RETURN(std::string tombstone,
                              CanonicalJson(Json{{"erased_at", erasure.erased_at},
                                                 {"erased_by", erasure.erased_by},
                                                 {"legal_basis", erasure.legal_basis}}));
  // One atomic batch: the bytes go and the tombstone appears together.
  WriteBatch batch;
  batch.Delete(BytesKey(hash_hex));
  batch.Put(TombstoneKey(hash_hex), std::move(tombstone));
  return store_->Write(batch, /*sync=*/true);
}

}  // namespace credledger::records
