#include "ledger/records/consent.h"

#include <algorithm>

#include "ledger/records/schema.h"

namespace credledger::records {

Status CheckConsent(const RecordReader& reader, const LogReader& log, const ConsentedRead& read) {
  if (!IsHashHex(read.consent)) {
    return Status::InvalidArgument("consent must be a record id: 64 lowercase hex digits");
  }
  const std::string cited = "consent " + read.consent;
  CREDLEDGER_ASSIGN_OR_RETURN(std::optional<RecordInfo> info,
                              reader.FindRecord(read.consent, read.tree_size));
  if (!info) return Status::PermissionDenied("no record " + read.consent + " on the log");
  if (!Traits(info->type).grants_consent) {
    return Status::PermissionDenied("record " + read.consent + " is a " +
                                    std::string(RecordTypeName(info->type)) + ", not a consent");
  }
  const RecordStatus status = StatusAt(*info, read.tree_size);
  if (status.status != "valid") {
    return Status::PermissionDenied(cited + " is " + status.status + " (by the enterprise)");
  }
  if (std::find(read.subjects.begin(), read.subjects.end(), info->subject) == read.subjects.end()) {
    return Status::PermissionDenied(cited + " is " + info->subject +
                                    "'s, not a consent to read this subject's data");
  }
  CREDLEDGER_ASSIGN_OR_RETURN(std::string text, log.GetEntry(info->index));
  CREDLEDGER_ASSIGN_OR_RETURN(Json entry, ParseJson(text));
  const Json& body = entry.at("body");
  if (body.at("bank") != read.bank) {
    return Status::PermissionDenied(cited + " is for bank \"" + body.at("bank").get<std::string>() +
                                    "\", not \"" + read.bank + "\"");
  }
  if (body.at("purpose") != read.purpose) {
    return Status::PermissionDenied(cited + " is for the purpose \"" +
                                    body.at("purpose").get<std::string>() +
                                    "\"; the read states another");
  }
  const Json& scope = body.at("scope");
  if (std::find(scope.begin(), scope.end(), Json(read.scope)) == scope.end()) {
    return Status::PermissionDenied(
        cited + " does not cover reads of " +
        (read.scope == "profile" ? std::string("the credit profile") : std::string("documents")));
  }
  const std::string from = body.at("valid_from").get<std::string>();
  const std::string until = body.at("valid_until").get<std::string>();
  if (read.date < from || read.date > until) {
    return Status::PermissionDenied(cited + " is in force from " + from + " until " + until +
                                    ", not on " + read.date);
  }
  return Status::Ok();
}

}  // namespace credledger::records
