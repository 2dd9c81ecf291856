#include "api/multipart.h"

#include <cctype>

#include "api/http.h"

namespace credledger::api {
namespace {

bool StartsWithNoCase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && EqualsIgnoreCase(s.substr(0, prefix.size()), prefix);
}

// The boundary parameter of a multipart Content-Type, unquoted; empty if absent.
std::string Boundary(std::string_view content_type) {
  for (size_t at = content_type.find(';'); at != std::string_view::npos;
       at = content_type.find(';', at + 1)) {
    std::string_view param = content_type.substr(at + 1);
    while (!param.empty() && param.front() == ' ') param.remove_prefix(1);
    if (!StartsWithNoCase(param, "boundary=")) continue;
    param.remove_prefix(9);
    param = param.substr(0, param.find(';'));
    while (!param.empty() && param.back() == ' ') param.remove_suffix(1);
    if (param.size() >= 2 && param.front() == '"' && param.back() == '"') {
      param = param.substr(1, param.size() - 2);
    }
    return std::string(param);
  }
  return {};
}

}  // namespace

bool IsMultipartFormData(std::string_view content_type) {
  return StartsWithNoCase(content_type, "multipart/form-data");
}

Result<std::string> FirstFormFile(std::string_view content_type, std::string_view body) {
  const std::string boundary = Boundary(content_type);
  if (boundary.empty() || boundary.size() > 70) {
    return Status::InvalidArgument("multipart/form-data needs a boundary of 1..70 characters");
  }
  const std::string delimiter = "--" + boundary;
  size_t at = body.find(delimiter);
  if (at == std::string_view::npos) return Status::InvalidArgument("no multipart part found");
  std::string_view first;
  bool have_first = false;
  while (true) {
    at += delimiter.size();
    if (body.substr(at, 2) == "--") break;  // the closing delimiter
    if (body.substr(at, 2) != "\r\n") {
      return Status::InvalidArgument("a multipart delimiter is not followed by CRLF");
    }
    const size_t headers_end = body.find("\r\n\r\n", at);
    if (headers_end == std::string_view::npos) {
      return Status::InvalidArgument("a multipart part has no end of headers");
    }
    const std::string_view headers = body.substr(at + 2, headers_end - at - 2);
    const size_t content_start = headers_end + 4;
    const size_t next = body.find("\r\n" + delimiter, content_start);
    if (next == std::string_view::npos) {
      return Status::InvalidArgument("a multipart part is not terminated by its boundary");
    }
    const std::string_view content = body.substr(content_start, next - content_start);
    // A file field's Content-Disposition names a filename.
    for (size_t i = 0; i < headers.size(); ++i) {
      if (StartsWithNoCase(headers.substr(i), "filename=")) return std::string(content);
    }
    if (!have_first) {
      first = content;
      have_first = true;
    }
    at = next + 2;
  }
  if (!have_first) return Status::InvalidArgument("no multipart part found");
  return std::string(first);
}

}  // namespace credledger::api
