#include "api/http.h"

#include <algorithm>
#include <cctype>

namespace credledger::api {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view Fields::Get(std::string_view name) const {
  for (const Field& f : fields_) {
    if (EqualsIgnoreCase(f.first, name)) return f.second;
  }
  return {};
}

bool Fields::Has(std::string_view name) const {
  return std::any_of(fields_.begin(), fields_.end(),
                     [&](const Field& f) { return EqualsIgnoreCase(f.first, name); });
}

void Fields::Set(std::string_view name, std::string value) {
  std::erase_if(fields_, [&](const Field& f) { return EqualsIgnoreCase(f.first, name); });
  fields_.emplace_back(std::string(name), std::move(value));
}

void Fields::Add(std::string name, std::string value) {
  fields_.emplace_back(std::move(name), std::move(value));
}

Response MakeResponse(unsigned status, std::string_view content_type, std::string body,
                      std::string_view request_id, unsigned http_version, bool keep_alive) {
  Response response;
  response.status = status;
  response.version = http_version;
  response.keep_alive = keep_alive;
  response.fields.Add("Content-Type", std::string(content_type));
  response.fields.Add("Cache-Control", "no-store");
  response.fields.Add("X-Request-Id", std::string(request_id));
  response.body = std::move(body);
  return response;
}

}  // namespace credledger::api
