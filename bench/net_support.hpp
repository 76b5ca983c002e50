// What the network benchmarks (sync, catchup, restart, fanout) share: the clock, medians and
// percentiles, scratch directories, and node options for nodes that talk over 127.0.0.1 only.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <crdt/persist/document_type.hpp>
#include <crdt/persist/options.hpp>
#include <crdt/sync/address.hpp>
#include <crdt/sync/node_options.hpp>

namespace crdt::bench {

using Clock = std::chrono::steady_clock;

// steady_clock is CLOCK_MONOTONIC on Linux: one clock for every process of the machine, so times
// taken in two processes can be subtracted.
std::int64_t now_ns();
double ms_between(Clock::time_point from, Clock::time_point to);
double ns_to_ms(std::int64_t ns);

double median(std::vector<double> values);
// Nearest rank: the smallest value with at least fraction p of the values at or below it.
double percentile(std::vector<double> values, double p);

// Times [1..n] of `times` (index 0 unused) as native int64 nanoseconds in `file`: both ends are
// this program on this machine. read_times returns them as [0, t1, ..., tn]; both throw
// std::runtime_error when the file cannot be written or holds fewer than n times.
void write_times(const std::string& file, const std::vector<std::int64_t>& times);
std::vector<std::int64_t> read_times(const std::string& file, std::uint64_t n);

// A fresh directory under the system's temp directory, removed with everything in it.
class ScratchDir {
 public:
  ScratchDir();
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

persist::Durability parse_durability(const std::string& text);
std::string to_string(persist::Durability durability);
persist::Options store_options(persist::Durability durability);

sync::Address loopback(std::uint16_t port);
// The defaults, with a short reconnect backoff (a peer that is not up yet is retried within
// milliseconds, not seconds) and the node's log on stderr, prefixed by `name`, when verbose.
sync::NodeOptions node_options(bool verbose, const std::string& name);

// The typed state in a subscription callback's shared state; nullptr when absent or another type.
template <class T>
const T* typed_state(const std::shared_ptr<const persist::AnyDocument>& state) {
  const auto* document = dynamic_cast<const persist::DocumentOf<T>*>(state.get());
  return document == nullptr ? nullptr : &document->value();
}

}  // namespace crdt::bench
