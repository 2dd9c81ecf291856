// The one part of a multipart/form-data body (RFC 7578) a document upload needs: the bytes of
// its first file field, so that a browser form can POST a document to /v1/verify.
//
// Thread-safety: pure functions.
#ifndef CREDLEDGER_API_MULTIPART_H_
#define CREDLEDGER_API_MULTIPART_H_

#include <string>
#include <string_view>

#include "crypto/status.h"

namespace credledger::api {

// True if `content_type` is multipart/form-data (any parameters).
bool IsMultipartFormData(std::string_view content_type);

// The content of the first part that carries a filename (else the first part) of `body`,
// whose Content-Type header value is `content_type` (it names the boundary). Errors:
// InvalidArgument naming what is malformed (no boundary, no part, an unterminated part).
Result<std::string> FirstFormFile(std::string_view content_type, std::string_view body);

}  // namespace credledger::api

#endif  // CREDLEDGER_API_MULTIPART_H_
