// crdt-bench fanout: one write on a hub, and how long until every device has it.
//
// What is measured. One process: a hub node listening on 127.0.0.1:0 and M device nodes dialing
// it, each node with its own store file and its own thread (separate processes would not run any
// more in parallel on a small machine, and would need M children). Every device subscribes to the
// document "fan/doc", an LWWRegister<int64>. Once all devices have synced, a first write (not
// timed) creates the document everywhere. Then, W times, 100 ms apart: the hub writes the next
// value (Node::update, durable on return, then pushed) and each device's time is when its
// subscription callback sees that value, counted from the hub's update call. Per write: the median
// over the devices and the last device (max). Printed: the median over the W writes of each.
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include <crdt/lww_register.hpp>
#include <crdt/serialization/all.hpp>
#include <crdt/sync/node.hpp>

#include "net_support.hpp"
#include "network_benches.hpp"

namespace crdt::bench {

namespace {

using Register = LWWRegister<std::int64_t>;
using std::chrono::milliseconds;
constexpr const char* kDoc = "fan/doc";
constexpr milliseconds kTimeout{60000};

// What the devices' callbacks report: per device, the last value seen and when.
class Sightings {
 public:
  explicit Sightings(std::size_t devices) : value_(devices, 0), at_ns_(devices, 0) {}

  void saw(std::size_t device, std::int64_t value, std::int64_t at_ns) {
    std::lock_guard lock(mutex_);
    if (value <= value_[device]) return;
    value_[device] = value;
    at_ns_[device] = at_ns;
    changed_.notify_all();
  }

  // The time each device first saw `value` (or a later one); empty on timeout.
  std::vector<std::int64_t> wait_all(std::int64_t value, milliseconds timeout) {
    std::unique_lock lock(mutex_);
    const bool all = changed_.wait_for(lock, timeout, [&] {
      return std::all_of(value_.begin(), value_.end(), [&](std::int64_t v) { return v >= value; });
    });
    if (!all) return {};
    return at_ns_;
  }

  std::size_t reached(std::int64_t value) {
    std::lock_guard lock(mutex_);
    return static_cast<std::size_t>(
        std::count_if(value_.begin(), value_.end(), [&](std::int64_t v) { return v >= value; }));
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::int64_t> value_;
  std::vector<std::int64_t> at_ns_;
};

}  // namespace

nlohmann::json run_fanout(const FanoutSettings& settings) {
  if (settings.devices == 0) throw std::invalid_argument("fanout: --devices must be at least 1");
  const ScratchDir scratch;
  const auto options = store_options(parse_durability(settings.durability));
  auto hub_options = node_options(settings.verbose, "hub");
  hub_options.listen = {loopback(0)};
  auto hub = sync::Node::open(scratch.file("hub.db"), std::move(hub_options), options);
  const sync::Address hub_address = hub->bound().front();

  Sightings sightings(settings.devices);
  std::vector<std::unique_ptr<sync::Node>> devices;
  std::vector<sync::Subscription> subscriptions;
  for (std::size_t k = 0; k < settings.devices; ++k) {
    auto device_options = node_options(settings.verbose, "device" + std::to_string(k));
    device_options.peers = {hub_address};
    devices.push_back(sync::Node::open(scratch.file("device" + std::to_string(k) + ".db"),
                                       std::move(device_options), options));
    subscriptions.push_back(devices.back()->subscribe_states(
        kDoc, [&sightings, k](const std::string&, const auto&, const auto& after) {
          const std::int64_t now = now_ns();
          if (const Register* r = typed_state<Register>(after); r != nullptr && r->value()) {
            sightings.saw(k, *r->value(), now);
          }
        }));
  }
  for (std::size_t k = 0; k < devices.size(); ++k) {
    if (!devices[k]->wait_synced(kTimeout)) {
      throw std::runtime_error("fanout: device " + std::to_string(k) + " did not sync");
    }
  }

  const auto write = [&](std::int64_t value) {
    hub->update<Register>(kDoc, [&](Register& r, persist::Writer& w) {
      return r.set(w.replica(), w.clock(), value);
    });
  };
  const auto await = [&](std::int64_t value) {
    auto seen = sightings.wait_all(value, kTimeout);
    if (seen.empty()) {
      throw std::runtime_error("fanout: write " + std::to_string(value) + " reached only " +
                               std::to_string(sightings.reached(value)) + " of " +
                               std::to_string(settings.devices) + " devices in 60 s");
    }
    return seen;
  };
  write(1);
  await(1);

  std::vector<double> p50s, maxima;
  for (int k = 0; k < settings.writes; ++k) {
    std::this_thread::sleep_for(milliseconds(100));
    const std::int64_t value = k + 2;
    const std::int64_t start = now_ns();
    write(value);
    std::vector<double> ms;
    for (const std::int64_t at : await(value)) ms.push_back(ns_to_ms(at - start));
    p50s.push_back(median(ms));
    maxima.push_back(*std::max_element(ms.begin(), ms.end()));
  }
  subscriptions.clear();
  return nlohmann::json{{"bench", "fanout"},
                        {"devices", settings.devices},
                        {"ms_p50", median(p50s)},
                        {"ms_max", median(maxima)},
                        {"worst_ms_max", *std::max_element(maxima.begin(), maxima.end())},
                        {"writes", settings.writes},
                        {"durability", settings.durability},
                        {"processes", 1}};
}

}  // namespace crdt::bench
