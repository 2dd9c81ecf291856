// ledgerd: flags -> config -> run -> exit code. Everything else is in node/ and api/.
#include <iostream>
#include <string>
#include <vector>

#include "node/config.h"
#include "node/node.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  auto config = credledger::node::LoadConfig(args);
  if (!config.ok()) {
    std::cerr << "ledgerd: " << config.status().ToString() << "\n";
    return 2;
  }
  if (config->help) {
    std::cout << credledger::node::ConfigHelp();
    return 0;
  }
  return credledger::node::RunNode(*config);
}
