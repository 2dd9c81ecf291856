#include "node/cosignatures.h"

#include <fstream>
#include <sstream>

#include "api/client/http_client.h"
#include "crypto/encoding.h"
#include "ledger/checkpoint.h"
#include "ledger/data_dir.h"

namespace credledger::node {

struct CosignatureCollector::Witness {
  witness::CosignatureVerifier verifier;
  std::string url;
  client::HttpClient http;
  uint64_t cosigned_size = 0;  // as far as this node knows; only the round's thread uses it
};

Result<std::vector<WitnessEndpoint>> ReadWitnessEndpoints(const std::string& path) {
  CREDLEDGER_ASSIGN_OR_RETURN(std::string text, ReadFileToString(path));
  std::vector<WitnessEndpoint> out;
  std::istringstream lines(text);
  std::string line;
  for (int number = 1; std::getline(lines, line); ++number) {
    std::istringstream words(line.substr(0, line.find('#')));
    WitnessEndpoint w;
    std::string extra;
    if (!(words >> w.vkey)) continue;
    if (!(words >> w.url) || (words >> extra)) {
      return Status::InvalidArgument(path + ":" + std::to_string(number) +
                                     ": a line is a witness key and its URL");
    }
    out.push_back(std::move(w));
  }
  return out;
}

Result<std::unique_ptr<CosignatureCollector>> CosignatureCollector::Start(
    const Ledger& ledger, const std::vector<WitnessEndpoint>& witnesses, size_t quorum,
    std::chrono::milliseconds poll, Event event) {
  if (quorum == 0 || quorum > witnesses.size()) {
    return Status::InvalidArgument("the witness quorum is 1 to " +
                                   std::to_string(witnesses.size()) + ", not " +
                                   std::to_string(quorum));
  }
  std::unique_ptr<CosignatureCollector> c(
      new CosignatureCollector(ledger, quorum, std::move(event)));
  for (const WitnessEndpoint& w : witnesses) {
    auto verifier = witness::CosignatureVerifier::FromVerifierKey(w.vkey);
    if (!verifier.ok()) return verifier.status().WithContext("witness key " + w.vkey);
    auto http = client::HttpClient::Create(w.url);
    if (!http.ok()) return http.status().WithContext("witness URL " + w.url);
    c->witnesses_.push_back(
        std::make_unique<Witness>(Witness{std::move(*verifier), w.url, std::move(*http), 0}));
  }
  c->task_ = std::make_unique<PeriodicTask>(poll, [raw = c.get()] {
    if (raw->ledger_.Head().tree_size != raw->last_round_size_ || raw->retry_rounds_ > 0) {
      raw->Round();
    }
  });
  return c;
}

CosignatureCollector::CosignatureCollector(const Ledger& ledger, size_t quorum, Event event)
    : ledger_(ledger), quorum_(quorum), event_(std::move(event)) {}

CosignatureCollector::~CosignatureCollector() { task_.reset(); }  // before the witnesses go

std::optional<CosignatureCollector::PublishedCheckpoint> CosignatureCollector::Published() const {
  MutexLock lock(published_mu_);
  return published_;
}

void CosignatureCollector::Round() {
  const auto start = std::chrono::steady_clock::now();
  auto note = ledger_.SignedCheckpoint();
  if (!note.ok()) return event_("cannot sign a checkpoint", "", note.status().ToString());
  auto parsed = ParseNote(*note);
  auto checkpoint = parsed.ok() ? ParseCheckpointBody(parsed->text) : parsed.status();
  if (!checkpoint.ok()) return event_("cannot read the node's checkpoint", "", "");
  const uint64_t size = checkpoint->tree_size;

  // One request per witness, all at once; each learns its witness's size from a 409.
  std::vector<std::optional<std::string>> lines(witnesses_.size());
  std::atomic<bool> not_yet{false};  // a witness answered 503: ask it again
  auto submit = [&](Witness& w) -> std::optional<std::string> {
    for (int attempt = 0; attempt < 2; ++attempt) {
      if (w.cosigned_size > size) {
        event_("the witness has cosigned a larger tree of this log than the node holds",
               w.verifier.name(), std::to_string(w.cosigned_size));
        ++refusals_;
        return std::nullopt;
      }
      std::string body = "old " + std::to_string(w.cosigned_size) + "\n";
      if (w.cosigned_size > 0 && w.cosigned_size < size) {
        auto proof = ledger_.log().ConsistencyProof(w.cosigned_size, size);
        if (!proof.ok()) {
          event_("cannot prove consistency for the witness", w.verifier.name(),
                 proof.status().ToString());
          return std::nullopt;
        }
        for (const merkle::Hash& h : *proof) body += crypto::Base64Encode(h) + "\n";
      }
      body += "\n" + *note;
      auto answer = w.http.Post("/add-checkpoint", "text/plain; charset=utf-8", std::move(body));
      if (!answer.ok()) {
        ++unreachable_;
        event_("the witness is unreachable", w.verifier.name(), answer.status().ToString());
        return std::nullopt;
      }
      if (answer->status == 200) {
        if (auto verified = w.verifier.Verify(*note + answer->body); !verified.ok()) {
          ++refusals_;
          event_("the witness's answer is not its valid cosignature", w.verifier.name(),
                 verified.status().ToString());
          return std::nullopt;
        }
        w.cosigned_size = size;
        return answer->body;
      }
      // A stale old size: the body is the witness's size, and the request is made again.
      const std::string& b = answer->body;
      if (answer->status == 409 && !b.empty() && b.back() == '\n' && b.size() <= 21 &&
          b.find_first_not_of("0123456789\n") == std::string::npos) {
        w.cosigned_size = std::stoull(b);
        continue;
      }
      if (answer->status == 503) not_yet = true;
      ++refusals_;
      event_("the witness refused the checkpoint", w.verifier.name(),
             std::to_string(answer->status) + " " + b.substr(0, 300));
      return std::nullopt;
    }
    return std::nullopt;
  };
  std::vector<std::thread> threads;
  for (size_t i = 0; i < witnesses_.size(); ++i) {
    threads.emplace_back([&, i] { lines[i] = submit(*witnesses_[i]); });
  }
  for (std::thread& t : threads) t.join();

  PublishedCheckpoint published{size, *note, 0};
  for (const auto& line : lines) {
    if (!line) continue;
    published.note += *line;
    ++published.cosignatures;
  }
  if (size == last_round_size_) {
    // A retry round (witnesses that answered 503 before): published only if it adds some.
    retry_rounds_ = not_yet ? retry_rounds_ - 1 : 0;
    MutexLock lock(published_mu_);
    if (published.cosignatures >= quorum_ && published_ && published_->tree_size == size &&
        published.cosignatures > published_->cosignatures) {
      published_ = std::move(published);
    }
    return;
  }
  if (published.cosignatures < quorum_) {
    retry_rounds_ = 0;
    return;  // tried again at the next poll
  }
  // About 50 more rounds (a second or two) for the witnesses that are not ready yet.
  retry_rounds_ = not_yet ? 50 : 0;
  last_round_size_ = size;
  last_quorum_seconds_ =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  MutexLock lock(published_mu_);
  published_ = std::move(published);
}

}  // namespace credledger::node
