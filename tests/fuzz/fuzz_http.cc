// HTTP requests at the handler level: raw bytes read by the server's own parser
// (api/internal/request_reader.h), then answered by api::Service over the fuzz node
// (fuzz_node.h). Invariants: every request is answered exactly once, within 10 s; no answer
// is a 5xx; every error is application/problem+json whose "status" is the
// HTTP status. fuzz_server drives the same through sockets and the server's connections.
#include <chrono>
#include <future>
#include <memory>

#include "api/internal/request_reader.h"
#include "api/service.h"
#include "tests/fuzz/fuzz_node.h"
#include "tests/fuzz/fuzz_util.h"

using credledger::fuzz::Check;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Never destroyed: libFuzzer may exit from any thread, and the ledger calls into the service.
  static credledger::fuzz::Node* node = new credledger::fuzz::Node();

  credledger::api::RequestReader reader(credledger::api::RequestLimits{16 << 10, 1 << 20});
  reader.Put(credledger::fuzz::AsText(data, size));
  if (!reader.done()) return 0;  // the server answers 400 before any handler, or waits
  credledger::api::Request request = reader.Release();

  auto answered = std::make_shared<std::promise<credledger::api::Response>>();
  auto answers = std::make_shared<std::atomic<int>>(0);
  std::future<credledger::api::Response> answer = answered->get_future();
  node->service->Handle(std::move(request), "fuzz",
                        [answered, answers](credledger::api::Response r) {
                          Check(answers->fetch_add(1) == 0, "a request is answered once");
                          answered->set_value(std::move(r));
                        });
  Check(answer.wait_for(std::chrono::seconds(10)) == std::future_status::ready,
        "a request is answered within 10 s");
  const credledger::api::Response response = answer.get();
  const unsigned status = response.status;
  const std::string answer_text =
      "request: " + std::string(credledger::fuzz::AsText(data, size).substr(0, 300)) +
      "\nanswer: " + std::to_string(status) + " " + response.body;
  // The fuzz node serves every route and its disk never fails: a 5xx is a fault, and a 503
  // would be a client's mistake reported as the node's (a purpose that was not UTF-8 once).
  Check(status < 500, "no 5xx", answer_text);
  if (status >= 400) {
    Check(response.fields.Get("Content-Type") == "application/problem+json",
          "an error is application/problem+json", answer_text);
    auto problem = credledger::ParseJson(response.body);
    Check(problem.ok() && problem->is_object() && problem->contains("status") &&
              (*problem)["status"] == status,
          "a problem's status is the HTTP status", answer_text);
  }
  return 0;
}
