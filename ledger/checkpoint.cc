#include "ledger/checkpoint.h"

#include <charconv>

#include "crypto/encoding.h"
#include "crypto/hash.h"
#include "ledger/canonical_json.h"

namespace credledger {
namespace {

constexpr uint8_t kAlgEd25519 = 0x01;
constexpr std::string_view kSigPrefix = "\xe2\x80\x94 ";  // U+2014 EM DASH, space
constexpr size_t kMaxSignatures = 100;

// Non-empty UTF-8 with no spaces, control characters or '+' (Go's note.isValidName).
bool IsValidKeyName(std::string_view name) {
  if (name.empty() || !IsValidNoteText(name)) return false;
  for (unsigned char c : name) {
    if (c <= 0x20 || c == '+' || c == 0x7f) return false;
  }
  // Unicode spaces are excluded too, as by Go's note package (unicode.IsSpace): U+0085,
  // U+00A0, U+1680, U+2000..U+200A, U+2028, U+2029, U+202F, U+205F, U+3000.
  static constexpr std::string_view kSpaces[] = {
      "\xc2\x85",     "\xc2\xa0",     "\xe1\x9a\x80", "\xe2\x80\x80", "\xe2\x80\x81",
      "\xe2\x80\x82", "\xe2\x80\x83", "\xe2\x80\x84", "\xe2\x80\x85", "\xe2\x80\x86",
      "\xe2\x80\x87", "\xe2\x80\x88", "\xe2\x80\x89", "\xe2\x80\x8a", "\xe2\x80\xa8",
      "\xe2\x80\xa9", "\xe2\x80\xaf", "\xe2\x81\x9f", "\xe3\x80\x80"};
  for (std::string_view space : kSpaces) {
    if (name.find(space) != std::string_view::npos) return false;
  }
  return true;
}

Result<uint64_t> ParseDecimal(std::string_view s) {
  if (s.empty() || (s.size() > 1 && s[0] == '0')) return Status::InvalidArgument("not a decimal");
  uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size())
    return Status::InvalidArgument("not a decimal");
  return v;
}

}  // namespace

bool IsValidNoteKeyName(std::string_view name) { return IsValidKeyName(name); }

bool IsValidNoteText(std::string_view text) {
  for (unsigned char c : text) {
    if ((c < 0x20 && c != '\n') || c == 0x7f) return false;
  }
  return IsValidUtf8(text);
}

uint32_t NoteKeyIdOfType(std::string_view name, uint8_t type, std::span<const uint8_t> key) {
  const uint8_t sep_and_type[2] = {'\n', type};
  crypto::Digest d =
      crypto::HashParts(crypto::HashAlgorithm::kSha256, {crypto::AsBytes(name), sep_and_type, key});
  return uint32_t{d[0]} << 24 | uint32_t{d[1]} << 16 | uint32_t{d[2]} << 8 | d[3];
}

uint32_t NoteKeyId(std::string_view name, std::span<const uint8_t> ed25519_public_key) {
  return NoteKeyIdOfType(name, kAlgEd25519, ed25519_public_key);
}

std::string CheckpointBody(const Checkpoint& checkpoint) {
  return checkpoint.origin + "\n" + std::to_string(checkpoint.tree_size) + "\n" +
         crypto::Base64Encode(checkpoint.root) + "\n";
}

Result<Checkpoint> ParseCheckpointBody(std::string_view body) {
  std::string_view lines[3];
  std::string_view rest = body;
  for (int i = 0; i < 3; ++i) {
    size_t nl = rest.find('\n');
    if (nl == std::string_view::npos) {
      return Status::InvalidArgument("checkpoint has fewer than three lines");
    }
    lines[i] = rest.substr(0, nl);
    rest.remove_prefix(nl + 1);
  }
  Checkpoint c;
  if (lines[0].empty()) return Status::InvalidArgument("checkpoint origin line is empty");
  c.origin = std::string(lines[0]);
  auto size = ParseDecimal(lines[1]);
  if (!size.ok()) {
    return Status::InvalidArgument("checkpoint tree size line \"" + std::string(lines[1]) +
                                   "\" is not a decimal number");
  }
  c.tree_size = *size;
  auto root = crypto::Base64Decode(lines[2]);
  if (!root.ok() || root->size() != c.root.size()) {
    return Status::InvalidArgument("checkpoint root line is not a base64 32-byte hash");
  }
  std::copy(root->begin(), root->end(), c.root.begin());
  return c;
}

// ---- NoteSigner ----

Result<NoteSigner> NoteSigner::Create(std::string name, crypto::PrivateKey key) {
  if (key.algorithm() != crypto::KeyAlgorithm::kEd25519) {
    return Status::InvalidArgument("signed notes need an ed25519 key, got " +
                                   std::string(crypto::KeyAlgorithmName(key.algorithm())));
  }
  if (!IsValidKeyName(name)) {
    return Status::InvalidArgument(
        "\"" + name + "\" is not a valid note key name (non-empty, no spaces, no '+')");
  }
  uint32_t id = NoteKeyId(name, key.public_key().RawEd25519());
  return NoteSigner(std::move(name), std::move(key), id);
}

Result<std::string> NoteVerifierKey(std::string_view name, const crypto::PublicKey& key) {
  if (key.algorithm() != crypto::KeyAlgorithm::kEd25519) {
    return Status::InvalidArgument("signed notes need an ed25519 key, got " +
                                   std::string(crypto::KeyAlgorithmName(key.algorithm())));
  }
  if (!IsValidKeyName(name)) {
    return Status::InvalidArgument(
        "\"" + std::string(name) +
        "\" is not a valid note key name (non-empty, no spaces, no '+')");
  }
  const crypto::Bytes raw = key.RawEd25519();
  crypto::Bytes pub = {kAlgEd25519};
  pub.insert(pub.end(), raw.begin(), raw.end());
  char hex[9];
  std::snprintf(hex, sizeof hex, "%08x", NoteKeyId(name, raw));
  return std::string(name) + "+" + hex + "+" + crypto::Base64Encode(pub);
}

std::string NoteSigner::VerifierKey() const {
  // Create checked the key and the name.
  return NoteVerifierKey(name_, key_.public_key()).value();
}

Result<std::string> NoteSigner::Sign(std::string_view text) const {
  if (text.empty() || text.back() != '\n' || !IsValidNoteText(text)) {
    return Status::InvalidArgument(
        "note text must be UTF-8 without control characters and end in a newline");
  }
  CREDLEDGER_ASSIGN_OR_RETURN(crypto::Bytes sig, key_.Sign(text));
  crypto::Bytes blob = {static_cast<uint8_t>(key_id_ >> 24), static_cast<uint8_t>(key_id_ >> 16),
                        static_cast<uint8_t>(key_id_ >> 8), static_cast<uint8_t>(key_id_)};
  blob.insert(blob.end(), sig.begin(), sig.end());
  std::string note(text);
  note += "\n";
  note += kSigPrefix;
  note += name_;
  note += " ";
  note += crypto::Base64Encode(blob);
  note += "\n";
  return note;
}

// ---- NoteVerifier ----

Result<NoteVerifier> NoteVerifier::FromVerifierKey(std::string_view vkey) {
  size_t p1 = vkey.find('+');
  size_t p2 = p1 == std::string_view::npos ? p1 : vkey.find('+', p1 + 1);
  if (p2 == std::string_view::npos) {
    return Status::InvalidArgument("verifier key must be <name>+<key id>+<base64 key>");
  }
  std::string_view name = vkey.substr(0, p1);
  std::string_view id_hex = vkey.substr(p1 + 1, p2 - p1 - 1);
  std::string_view key_b64 = vkey.substr(p2 + 1);
  if (!IsValidKeyName(name)) return Status::InvalidArgument("verifier key has an invalid name");
  auto id_bytes = crypto::HexDecode(id_hex);
  if (id_hex.size() != 8 || !id_bytes.ok()) {
    return Status::InvalidArgument("verifier key id must be 8 lowercase hex digits");
  }
  auto key = crypto::Base64Decode(key_b64);
  if (!key.ok()) return Status::InvalidArgument("verifier key is not valid base64");
  if (key->size() != 33 || (*key)[0] != kAlgEd25519) {
    return Status::InvalidArgument("verifier key is not an ed25519 key (0x01 + 32 bytes)");
  }
  std::span<const uint8_t> raw(key->data() + 1, 32);
  uint32_t id = uint32_t{(*id_bytes)[0]} << 24 | uint32_t{(*id_bytes)[1]} << 16 |
                uint32_t{(*id_bytes)[2]} << 8 | (*id_bytes)[3];
  if (id != NoteKeyId(name, raw)) {
    return Status::InvalidArgument("verifier key id does not match its name and key");
  }
  CREDLEDGER_ASSIGN_OR_RETURN(crypto::PublicKey pub, crypto::PublicKey::FromRawEd25519(raw));
  return NoteVerifier(std::string(name), id, std::move(pub));
}

Result<ParsedNote> ParseNote(std::string_view note) {
  if (!IsValidNoteText(note)) {
    return Status::InvalidArgument("malformed note: not UTF-8 or has control characters");
  }
  size_t split = note.rfind("\n\n");
  if (split == std::string_view::npos) {
    return Status::InvalidArgument("malformed note: no blank line before the signatures");
  }
  ParsedNote parsed;
  parsed.text = std::string(note.substr(0, split + 1));
  std::string_view sigs = note.substr(split + 2);
  if (sigs.empty() || sigs.back() != '\n') {
    return Status::InvalidArgument("malformed note: signature block must end in a newline");
  }
  while (!sigs.empty()) {
    size_t nl = sigs.find('\n');
    std::string_view line = sigs.substr(0, nl);
    sigs.remove_prefix(nl + 1);
    if (parsed.signatures.size() + 1 > kMaxSignatures)
      return Status::InvalidArgument("malformed note: too many signatures");
    if (line.substr(0, kSigPrefix.size()) != kSigPrefix) {
      return Status::InvalidArgument(
          "malformed note: signature line does not start with an em dash");
    }
    line.remove_prefix(kSigPrefix.size());
    size_t space = line.find(' ');
    if (space == std::string_view::npos) {
      return Status::InvalidArgument("malformed note: signature line has no signature");
    }
    std::string_view name = line.substr(0, space);
    auto blob = crypto::Base64Decode(line.substr(space + 1));
    if (!IsValidKeyName(name) || !blob.ok() || blob->size() < 5) {
      return Status::InvalidArgument("malformed note: bad signature line");
    }
    NoteSignatureLine sig;
    sig.name = std::string(name);
    sig.key_id = uint32_t{(*blob)[0]} << 24 | uint32_t{(*blob)[1]} << 16 |
                 uint32_t{(*blob)[2]} << 8 | (*blob)[3];
    sig.signature.assign(blob->begin() + 4, blob->end());
    parsed.signatures.push_back(std::move(sig));
  }
  return parsed;
}

Result<std::string> NoteVerifier::Open(std::string_view note) const {
  CREDLEDGER_ASSIGN_OR_RETURN(ParsedNote parsed, ParseNote(note));
  bool verified = false;
  for (const NoteSignatureLine& sig : parsed.signatures) {
    if (sig.name != name_ || sig.key_id != key_id_) continue;  // another key's signature
    Status s = key_.Verify(parsed.text, sig.signature);
    if (!s.ok()) {
      return Status::Unauthenticated("note signature by " + name_ + " does not verify");
    }
    verified = true;
  }
  if (!verified) return Status::Unauthenticated("note has no signature by " + name_);
  return std::move(parsed.text);
}

Result<Checkpoint> VerifyCheckpoint(std::string_view note, const NoteVerifier& verifier,
                                    std::string_view expected_origin) {
  CREDLEDGER_ASSIGN_OR_RETURN(std::string text, verifier.Open(note));
  CREDLEDGER_ASSIGN_OR_RETURN(Checkpoint c, ParseCheckpointBody(text));
  if (c.origin != expected_origin) {
    return Status::Unauthenticated("checkpoint origin \"" + c.origin + "\" is not \"" +
                                   std::string(expected_origin) + "\"");
  }
  return c;
}

}  // namespace credledger
