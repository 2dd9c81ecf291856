#include "ledger/witness/cosignature.h"

#include <cstdio>

#include "crypto/encoding.h"
#include "ledger/checkpoint.h"

namespace credledger::witness {
namespace {

constexpr uint8_t kCosignatureV1 = 0x04;  // the signature type byte of cosignature/v1
constexpr std::string_view kSigPrefix = "\xe2\x80\x94 ";  // U+2014 EM DASH, space

void PutBigEndian(uint64_t v, int bytes, crypto::Bytes* out) {
  for (int shift = 8 * (bytes - 1); shift >= 0; shift -= 8) {
    out->push_back(static_cast<uint8_t>(v >> shift));
  }
}

}  // namespace

std::string CosignedMessage(std::string_view checkpoint_text, uint64_t timestamp) {
  std::string message = "cosignature/v1\ntime " + std::to_string(timestamp) + "\n";
  message += checkpoint_text;
  return message;
}

uint32_t CosignerKeyId(std::string_view name, std::span<const uint8_t> ed25519_public_key) {
  return NoteKeyIdOfType(name, kCosignatureV1, ed25519_public_key);
}

Result<Cosigner> Cosigner::Create(std::string name, crypto::PrivateKey key) {
  if (key.algorithm() != crypto::KeyAlgorithm::kEd25519) {
    return Status::InvalidArgument("a cosigner's key is ed25519, not " +
                                   std::string(crypto::KeyAlgorithmName(key.algorithm())));
  }
  if (!IsValidNoteKeyName(name)) {
    return Status::InvalidArgument("\"" + name + "\" is not a valid witness name");
  }
  const uint32_t id = CosignerKeyId(name, key.public_key().RawEd25519());
  return Cosigner(std::move(name), std::move(key), id);
}

std::string Cosigner::VerifierKey() const {
  crypto::Bytes material = {kCosignatureV1};
  const auto raw = key_.public_key().RawEd25519();
  material.insert(material.end(), raw.begin(), raw.end());
  char hex[9];
  std::snprintf(hex, sizeof hex, "%08x", key_id_);
  return name_ + "+" + hex + "+" + crypto::Base64Encode(material);
}

Result<std::string> Cosigner::Cosign(std::string_view checkpoint_text, uint64_t timestamp) const {
  if (timestamp > uint64_t{INT64_MAX}) {
    return Status::InvalidArgument("a cosignature's timestamp is at most 2^63 - 1");
  }
  if (checkpoint_text.empty() || checkpoint_text.back() != '\n' ||
      !IsValidNoteText(checkpoint_text)) {
    return Status::InvalidArgument("not a note text (UTF-8 lines ending in a newline)");
  }
  CREDLEDGER_ASSIGN_OR_RETURN(crypto::Bytes sig,
                              key_.Sign(CosignedMessage(checkpoint_text, timestamp)));
  crypto::Bytes blob;
  PutBigEndian(key_id_, 4, &blob);
  PutBigEndian(timestamp, 8, &blob);
  blob.insert(blob.end(), sig.begin(), sig.end());
  return std::string(kSigPrefix) + name_ + " " + crypto::Base64Encode(blob) + "\n";
}

Result<CosignatureVerifier> CosignatureVerifier::FromVerifierKey(std::string_view vkey) {
  const size_t p1 = vkey.find('+');
  const size_t p2 = p1 == std::string_view::npos ? p1 : vkey.find('+', p1 + 1);
  if (p2 == std::string_view::npos) {
    return Status::InvalidArgument("a witness key is <name>+<key id>+<base64 key>");
  }
  const std::string_view name = vkey.substr(0, p1);
  const std::string_view id_hex = vkey.substr(p1 + 1, p2 - p1 - 1);
  if (!IsValidNoteKeyName(name)) return Status::InvalidArgument("a witness key's name is invalid");
  auto id_bytes = crypto::HexDecode(id_hex);
  if (id_hex.size() != 8 || !id_bytes.ok()) {
    return Status::InvalidArgument("a witness key's id is 8 lowercase hex digits");
  }
  auto material = crypto::Base64Decode(vkey.substr(p2 + 1));
  if (!material.ok() || material->size() != 33 || (*material)[0] != kCosignatureV1) {
    return Status::InvalidArgument(
        "a witness key is a cosignature/v1 key: type 0x04 and 32 bytes of Ed25519 key");
  }
  const std::span<const uint8_t> raw(material->data() + 1, 32);
  const uint32_t id = uint32_t{(*id_bytes)[0]} << 24 | uint32_t{(*id_bytes)[1]} << 16 |
                      uint32_t{(*id_bytes)[2]} << 8 | (*id_bytes)[3];
  if (id != CosignerKeyId(name, raw)) {
    return Status::InvalidArgument("a witness key's id does not match its name and key");
  }
  CREDLEDGER_ASSIGN_OR_RETURN(crypto::PublicKey key, crypto::PublicKey::FromRawEd25519(raw));
  return CosignatureVerifier(std::string(name), id, std::move(key));
}

Result<uint64_t> CosignatureVerifier::Verify(std::string_view note) const {
  CREDLEDGER_ASSIGN_OR_RETURN(ParsedNote parsed, ParseNote(note));
  for (const NoteSignatureLine& line : parsed.signatures) {
    if (line.name != name_ || line.key_id != key_id_) continue;
    if (line.signature.size() != 8 + 64) {
      return Status::Unauthenticated("the cosignature by " + name_ + " is not 72 bytes");
    }
    uint64_t timestamp = 0;
    for (int i = 0; i < 8; ++i) timestamp = timestamp << 8 | line.signature[i];
    if (timestamp > uint64_t{INT64_MAX}) {
      return Status::Unauthenticated("the cosignature by " + name_ +
                                     " has a timestamp over 2^63 - 1");
    }
    Status s = key_.Verify(CosignedMessage(parsed.text, timestamp),
                           std::span<const uint8_t>(line.signature.data() + 8, 64));
    if (!s.ok()) return Status::Unauthenticated("the cosignature by " + name_ + " does not verify");
    return timestamp;
  }
  return Status::NotFound("no cosignature by " + name_);
}

CosignatureTally TallyCosignatures(std::string_view note,
                                   const std::vector<CosignatureVerifier>& witnesses) {
  CosignatureTally tally;
  for (const CosignatureVerifier& w : witnesses) {
    auto cosigned = w.Verify(note);
    if (cosigned.ok()) {
      tally.cosigned.push_back(w.name());
    } else {
      tally.missing.push_back(cosigned.status().message());
    }
  }
  return tally;
}

}  // namespace credledger::witness
