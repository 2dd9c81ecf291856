// WitnessService: ledgerd's witness mode (`ledgerd --witness-name NAME`, docs/WITNESS.md):
// the C2SP tlog-witness HTTP API over a witness::Witness, on the same HTTP server as the
// ledger's API.
//
//   POST /add-checkpoint   the spec's call (the server's root is the submission prefix)
//   GET  /healthz          liveness
//   GET  /metrics          Prometheus text: answers by status
//
// The spec's answers keep its bodies (the cosignature lines; the latest size as
// text/x.tlog.size with a 409 for a stale old size); every other refusal is an RFC 9457
// problem whose detail says what was wrong.
//
// Thread-safety: Handle may be called from any thread.
#ifndef CREDLEDGER_API_WITNESS_SERVICE_H_
#define CREDLEDGER_API_WITNESS_SERVICE_H_

#include <array>
#include <atomic>

#include "api/http.h"
#include "ledger/witness/witness.h"

namespace credledger::api {

class WitnessService : public RequestHandler {
 public:
  // `witness` must outlive this.
  explicit WitnessService(witness::Witness& witness) : witness_(witness) {}
  void Handle(Request request, const std::string& request_id, Respond respond) override;

 private:
  witness::Witness& witness_;
  // add-checkpoint answers by status: 200, 400, 403, 404, 409, 422, 500.
  static constexpr std::array<unsigned, 8> kStatuses = {200, 400, 403, 404, 409, 422, 500, 503};
  std::array<std::atomic<uint64_t>, kStatuses.size()> answers_{};
};

}  // namespace credledger::api

#endif  // CREDLEDGER_API_WITNESS_SERVICE_H_
