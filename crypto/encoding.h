// Strict hex and base64 (RFC 4648 section 4, with padding) codecs.
//
// Decoders reject anything that the matching encoder would not produce (whitespace, missing or
// extra padding, non-zero trailing bits), so that every byte string has exactly one accepted
// text form: signatures and hashes must not be malleable through their encoding.
#ifndef CREDLEDGER_CRYPTO_ENCODING_H_
#define CREDLEDGER_CRYPTO_ENCODING_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/status.h"

namespace credledger::crypto {

using Bytes = std::vector<uint8_t>;

inline std::span<const uint8_t> AsBytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}
inline std::string_view AsChars(std::span<const uint8_t> b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

// Lowercase hex.
std::string HexEncode(std::span<const uint8_t> data);
// Accepts lowercase hex only (the form HexEncode writes).
Result<Bytes> HexDecode(std::string_view hex);

std::string Base64Encode(std::span<const uint8_t> data);
Result<Bytes> Base64Decode(std::string_view text);

}  // namespace credledger::crypto

#endif  // CREDLEDGER_CRYPTO_ENCODING_H_
