#include "trace.hpp"

#include <stdexcept>

#include <nlohmann/json.hpp>
#include <zlib.h>

namespace crdt::bench {

std::size_t Trace::patch_count() const {
  std::size_t n = 0;
  for (const Transaction& t : transactions) n += t.patches.size();
  return n;
}

namespace {

std::string gunzip(const std::string& path) {
  gzFile file = gzopen(path.c_str(), "rb");
  if (file == nullptr) throw std::runtime_error("cannot open " + path);
  std::string out;
  char buffer[1 << 16];
  int n = 0;
  while ((n = gzread(file, buffer, sizeof buffer)) > 0)
    out.append(buffer, static_cast<std::size_t>(n));
  const bool failed = n < 0;
  gzclose(file);
  if (failed) throw std::runtime_error("cannot decompress " + path);
  return out;
}

}  // namespace

Trace load_trace(const std::string& path) {
  const auto json = nlohmann::json::parse(gunzip(path), nullptr, false);
  if (json.is_discarded() || !json.is_object())
    throw std::runtime_error(path + ": not a JSON object");
  Trace trace;
  trace.name = path.substr(path.find_last_of('/') + 1);
  try {
    trace.end_content = json.at("endContent").get<std::string>();
    trace.concurrent = json.value("kind", std::string()) == "concurrent";
    trace.agents = json.value("numAgents", std::size_t{1});
    for (const auto& txn : json.at("txns")) {
      Transaction t;
      if (txn.contains("parents")) t.parents = txn.at("parents").get<std::vector<std::size_t>>();
      t.agent = txn.value("agent", std::size_t{0});
      for (const auto& p : txn.at("patches")) {
        t.patches.push_back(Patch{p.at(0).get<std::size_t>(), p.at(1).get<std::size_t>(),
                                  p.at(2).get<std::string>()});
      }
      trace.transactions.push_back(std::move(t));
    }
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(path + ": malformed trace: " + e.what());
  }
  return trace;
}

}  // namespace crdt::bench
