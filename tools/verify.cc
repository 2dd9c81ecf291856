// ledgerctl bundle, verify and qr: proof bundles made from a data directory, checked offline,
// and the QR code of a record's verification page.
#include <qrencode.h>

#include <iostream>
#include <iterator>
#include <memory>

#include "crypto/encoding.h"
#include "ledger/data_dir.h"
#include "ledger/records/bundle.h"
#include "ledger/records/profile.h"
#include "ledger/records/schema.h"
#include "tools/commands.h"
#include "tools/flags.h"

namespace credledger::tools {
namespace {

const char* Mark(records::BundleCheck::Result r) {
  switch (r) {
    case records::BundleCheck::Result::kPass:
      return "ok  ";
    case records::BundleCheck::Result::kFail:
      return "FAIL";
    case records::BundleCheck::Result::kSkipped:
      break;
  }
  return "-   ";
}

std::string Describe(const records::BundleVerdict& v) {
  std::string what = v.type_name();
  if (const char* number = v.type ? records::Traits(*v.type).number_member : nullptr) {
    what += " " + v.entry.at("body").at(number).get<std::string>();
  }
  const std::string enterprise =
      v.entry.is_object() ? v.entry.value("enterprise", std::string()) : std::string();
  const std::string by = !enterprise.empty() ? "enterprise " + enterprise + " (to " + v.agency + ")"
                         : v.agency_name.empty() ? v.agency
                                                 : v.agency_name;
  return what + " of " + by + ", record " + v.record_id;
}

// The QR code of `text` (error correction M: a printed code survives some wear).
Result<std::unique_ptr<QRcode, decltype(&QRcode_free)>> Encode(const std::string& text) {
  QRcode* code = QRcode_encodeString(text.c_str(), 0, QR_ECLEVEL_M, QR_MODE_8, 1);
  if (code == nullptr)
    return Status::InvalidArgument("cannot encode \"" + text + "\" as a QR code");
  return std::unique_ptr<QRcode, decltype(&QRcode_free)>(code, &QRcode_free);
}

bool Dark(const QRcode& code, int x, int y) {
  if (x < 0 || y < 0 || x >= code.width || y >= code.width) return false;
  return (code.data[y * code.width + x] & 1) != 0;
}

// An SVG with a 4-module quiet zone, one path of unit squares.
std::string Svg(const QRcode& code) {
  const int size = code.width + 8;
  std::string path;
  for (int y = 0; y < code.width; ++y) {
    for (int x = 0; x < code.width; ++x) {
      if (Dark(code, x, y)) {
        path.append("M").append(std::to_string(x + 4)).append(" ");
        path.append(std::to_string(y + 4)).append("h1v1h-1z");
      }
    }
  }
  return "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " + std::to_string(size) + " " +
         std::to_string(size) + "\" shape-rendering=\"crispEdges\"><rect width=\"100%\" " +
         "height=\"100%\" fill=\"#fff\"/><path fill=\"#000\" d=\"" + path + "\"/></svg>\n";
}

// A plain PBM (P1), 4 pixels per module with a 4-module quiet zone: for print pipelines, and
// what an independent decoder (zbarimg) reads back in the tests.
std::string Pbm(const QRcode& code) {
  constexpr int kScale = 4;
  const int modules = code.width + 8;
  const int side = modules * kScale;
  std::string out = "P1\n" + std::to_string(side) + " " + std::to_string(side) + "\n";
  for (int y = 0; y < side; ++y) {
    for (int x = 0; x < side; ++x) {
      out.push_back(Dark(code, x / kScale - 4, y / kScale - 4) ? '1' : '0');
      out.push_back(x + 1 == side ? '\n' : ' ');
    }
  }
  return out;
}

// Two modules per character with Unicode half blocks, dark on light, for a terminal.
std::string Text(const QRcode& code) {
  std::string out;
  for (int y = -2; y < code.width + 2; y += 2) {
    for (int x = -2; x < code.width + 2; ++x) {
      const bool top = Dark(code, x, y), bottom = Dark(code, x, y + 1);
      out += top && bottom ? " " : top ? "\u2584" : bottom ? "\u2580" : "\u2588";
    }
    out += "\n";
  }
  return out;
}

}  // namespace

Status BundleCommand(const Args& args) {
  CREDLEDGER_ASSIGN_OR_RETURN(Flags flags,
                              Flags::Parse(args, {"data", "node-key", "record", "index", "out"}));
  CREDLEDGER_ASSIGN_OR_RETURN(std::string dir, flags.Required("data"));
  DataDirOptions options;
  options.node_key_path = flags.Get("node-key");
  CREDLEDGER_ASSIGN_OR_RETURN(std::unique_ptr<Ledger> ledger, OpenLedgerInDir(dir, options));
  const uint64_t size = ledger->Head().tree_size;
  CREDLEDGER_ASSIGN_OR_RETURN(auto policy, records::RecordPolicy::Open(*ledger));
  records::SharedRecordPolicy shared(policy);
  std::string record_id;
  if (auto index = flags.Get("index")) {
    CREDLEDGER_ASSIGN_OR_RETURN(uint64_t i, flags.GetUint("index", 0));
    CREDLEDGER_ASSIGN_OR_RETURN(merkle::Hash leaf, ledger->log().LeafHashAt(i));
    record_id = crypto::HexEncode(leaf);
  } else {
    CREDLEDGER_ASSIGN_OR_RETURN(record_id, flags.Required("record"));
  }
  CREDLEDGER_ASSIGN_OR_RETURN(std::string note, ledger->SignedCheckpoint());
  CREDLEDGER_ASSIGN_OR_RETURN(
      std::string bundle, records::MakeProofBundle(ledger->log(), shared, record_id, size, note));
  if (auto out = flags.Get("out")) return WriteFileAtomically(*out, bundle, 0644);
  std::cout << bundle << "\n";
  return Status::Ok();
}

Status VerifyCommand(const Args& args) {
  CREDLEDGER_ASSIGN_OR_RETURN(
      Flags flags,
      Flags::Parse(args, {"vkey", "document", "at", "witness", "quorum", "profile-signer"},
                   {"json"}));
  if (flags.positional().size() != 1) {
    return Status::InvalidArgument(
        "usage: ledgerctl verify BUNDLE|PROFILE --vkey KEY [--document FILE] "
        "[--at TIME] [--witness KEY ... [--quorum K]] [--profile-signer KEY] [--json]");
  }
  CREDLEDGER_ASSIGN_OR_RETURN(std::string vkey, flags.Required("vkey"));
  CREDLEDGER_ASSIGN_OR_RETURN(NoteVerifier verifier, VerifierFromFlag(vkey));
  const std::string& path = flags.positional()[0];
  std::string bundle;
  if (path == "-") {
    bundle.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  } else {
    CREDLEDGER_ASSIGN_OR_RETURN(bundle, ReadFileToString(path));
  }
  // A credit profile (GET /v1/subjects/{uscc}/profile) is checked too: node signature,
  // checkpoint, and every record's inclusion.
  auto parsed = ParseJson(bundle);
  if (parsed.ok() && parsed->is_object() &&
      parsed->value("type", Json()) == records::kCreditProfileType) {
    std::optional<crypto::PublicKey> signer;
    if (auto given = flags.Get("profile-signer")) {
      CREDLEDGER_ASSIGN_OR_RETURN(signer, PublicKeyFromFlag(*given));
    }
    auto listed = records::VerifyCreditProfile(bundle, verifier, signer ? &*signer : nullptr);
    if (!listed.ok()) {
      std::cout << "verdict: NOT AUTHENTIC: " << listed.status().message() << "\n";
      return Status::Unauthenticated("the credit profile is not authentic: " +
                                     listed.status().message());
    }
    std::cout << "verdict: AUTHENTIC credit profile, signed by "
              << (signer ? "the given signer " + signer->KeyId() + " over a checkpoint of "
                         : std::string())
              << verifier.name() << ", " << *listed
              << " records, each included in the checkpoint's tree\n";
    return Status::Ok();
  }
  records::VerifyOptions options;
  options.checked_at = flags.GetOr("at", "");
  CREDLEDGER_ASSIGN_OR_RETURN(WitnessPolicy policy, WitnessPolicyFromFlags(flags));
  options.witnesses = std::move(policy.witnesses);
  options.witness_quorum = policy.quorum;
  if (auto document = flags.Get("document")) {
    CREDLEDGER_ASSIGN_OR_RETURN(std::string bytes, ReadFileToString(*document));
    options.document = std::move(bytes);
  }
  const records::BundleVerdict v = records::VerifyProofBundle(bundle, verifier, options);
  if (flags.Has("json")) {
    CREDLEDGER_ASSIGN_OR_RETURN(std::string text, CanonicalJson(v.ToJson()));
    std::cout << text << "\n";
  } else {
    std::cout << "bundle " << path << ", checked at " << v.checked_at << " against "
              << verifier.name() << "\n";
    for (const records::BundleCheck& c : v.checks) {
      std::cout << "  " << Mark(c.result) << "  " << c.name
                << std::string(c.name.size() < 10 ? 10 - c.name.size() : 1, ' ') << c.detail
                << "\n";
    }
    if (!v.authentic) {
      std::cout << "verdict: NOT AUTHENTIC\n";
    } else if (v.in_force) {
      std::cout << "verdict: AUTHENTIC, IN FORCE: " << Describe(v) << "\n";
    } else {
      std::cout << "verdict: AUTHENTIC, NOT IN FORCE (" << v.status << "): " << Describe(v) << "\n";
    }
  }
  if (!v.authentic) {
    const records::BundleCheck* failed = v.FirstFailure();
    return Status::Unauthenticated("the bundle is not authentic: " +
                                   (failed ? failed->name + ": " + failed->detail : ""));
  }
  if (!v.in_force) return Status::FailedPrecondition("the record is " + v.status);
  return Status::Ok();
}

Status QrCommand(const Args& args) {
  CREDLEDGER_ASSIGN_OR_RETURN(Flags flags, Flags::Parse(args, {"out"}));
  if (flags.positional().size() != 1) {
    return Status::InvalidArgument(
        "usage: ledgerctl qr URL [--out FILE.svg|FILE.pbm]  (URL: the record's /v/{id} page)");
  }
  const std::string& url = flags.positional()[0];
  if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) {
    return Status::InvalidArgument("the URL must start with http:// or https://");
  }
  CREDLEDGER_ASSIGN_OR_RETURN(auto code, Encode(url));
  if (auto out = flags.Get("out")) {
    const bool pbm = out->size() > 4 && out->compare(out->size() - 4, 4, ".pbm") == 0;
    return WriteFileAtomically(*out, pbm ? Pbm(*code) : Svg(*code), 0644);
  }
  std::cout << Text(*code);
  return Status::Ok();
}

}  // namespace credledger::tools
