// Running ledgerd: open (or, with --dev, create) the ledger, rebuild the record indexes from
// the log, serve the API, and shut down cleanly on SIGINT/SIGTERM.
#ifndef CREDLEDGER_NODE_NODE_H_
#define CREDLEDGER_NODE_NODE_H_

#include "node/config.h"

namespace credledger::node {

// Runs until SIGINT or SIGTERM; returns the process exit code (0 after a clean shutdown).
// Blocks those signals in every thread it starts, and waits for them on the calling thread.
int RunNode(const NodeConfig& config);

}  // namespace credledger::node

#endif  // CREDLEDGER_NODE_NODE_H_
