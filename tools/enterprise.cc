// The enterprise's own commands: its access log, fetched with a request signed by its key and
// checked line by line against the anchored query audit log (records/access_log.h).
#include <iostream>

#include "api/client/http_client.h"
#include "ledger/block.h"
#include "ledger/data_dir.h"
#include "ledger/records/access_log.h"
#include "tools/commands.h"
#include "tools/flags.h"

namespace credledger::tools {
namespace {

void PrintLine(const Json& line, const char* state) {
  std::cout << "  " << line.value("time", "") << "  " << state << "  bank "
            << line.value("bank", "") << "  purpose \"" << line.value("purpose", "")
            << "\"  consent " << line.value("consent", "-") << "  answer "
            << line.value("result", 0) << "  (line " << line.value("seq", 0) << ")\n";
}

}  // namespace

Status AccessLogCommand(const Args& args) {
  CREDLEDGER_ASSIGN_OR_RETURN(
      Flags flags, Flags::Parse(args, {"key", "enterprise", "vkey", "ca-file", "out", "verify"}));
  const std::string usage =
      "usage: ledgerctl access-log URL --key ENTERPRISE_KEY.pem --enterprise USCC --vkey KEY "
      "[--out FILE]\n   or: ledgerctl access-log --verify FILE --enterprise USCC --vkey KEY";
  CREDLEDGER_ASSIGN_OR_RETURN(std::string enterprise, flags.Required("enterprise"));
  CREDLEDGER_ASSIGN_OR_RETURN(std::string vkey, flags.Required("vkey"));
  CREDLEDGER_ASSIGN_OR_RETURN(NoteVerifier verifier, VerifierFromFlag(vkey));
  std::string text;
  if (auto saved = flags.Get("verify")) {
    if (!flags.positional().empty()) return Status::InvalidArgument(usage);
    CREDLEDGER_ASSIGN_OR_RETURN(text, ReadFileToString(*saved));
  } else {
    if (flags.positional().size() != 1) return Status::InvalidArgument(usage);
    CREDLEDGER_ASSIGN_OR_RETURN(std::string key_path, flags.Required("key"));
    CREDLEDGER_ASSIGN_OR_RETURN(std::string pem, ReadFileToString(key_path));
    CREDLEDGER_ASSIGN_OR_RETURN(crypto::PrivateKey key, crypto::PrivateKey::FromPem(pem));
    CREDLEDGER_ASSIGN_OR_RETURN(std::string request,
                                records::MakeAccessLogRequest(enterprise, NowTimestamp(), key));
    CREDLEDGER_ASSIGN_OR_RETURN(
        client::HttpClient node,
        client::HttpClient::Create(flags.positional()[0], flags.GetOr("ca-file", "")));
    CREDLEDGER_ASSIGN_OR_RETURN(client::HttpAnswer answer,
                                node.Post("/v1/access-log", "application/json", request));
    if (answer.status != 200) {
      return Status::Unavailable("the node answered " + std::to_string(answer.status) + ": " +
                                 answer.body.substr(0, 400));
    }
    text = std::move(answer.body);
    if (auto out = flags.Get("out")) {
      CREDLEDGER_RETURN_IF_ERROR(WriteFileAtomically(*out, text, 0644));
    }
  }
  auto verdict = records::VerifyAccessLog(text, verifier, enterprise);
  if (!verdict.ok()) {
    std::cout << "ACCESS LOG DOES NOT VERIFY: " << verdict.status().message() << "\n";
    return verdict.status();
  }
  std::cout << "access log of " << enterprise << ": " << verdict->proven.size()
            << " reads proven against the node's anchor of " << verdict->anchored
            << " query audit lines (checkpoint of tree size " << verdict->tree_size << "), "
            << verdict->pending.size() << " more not anchored yet\n";
  for (const Json& line : verdict->proven) PrintLine(line, "proven ");
  for (const Json& line : verdict->pending) PrintLine(line, "pending");
  return Status::Ok();
}

}  // namespace credledger::tools
