#include "net_support.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <mutex>
#include <stdexcept>
#include <stdlib.h>
#include <string_view>
#include <system_error>

namespace crdt::bench {

namespace fs = std::filesystem;

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
      .count();
}

double ms_between(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double, std::milli>(to - from).count();
}

double ns_to_ms(std::int64_t ns) { return static_cast<double>(ns) / 1e6; }

double median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

double percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const auto rank = static_cast<std::size_t>(std::ceil(p * static_cast<double>(values.size())));
  return values[std::clamp<std::size_t>(rank, 1, values.size()) - 1];
}

void write_times(const std::string& file, const std::vector<std::int64_t>& times) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(times.data() + 1),
            static_cast<std::streamsize>((times.size() - 1) * sizeof(std::int64_t)));
  if (!out) throw std::runtime_error("cannot write " + file);
}

std::vector<std::int64_t> read_times(const std::string& file, std::uint64_t n) {
  std::vector<std::int64_t> times(n + 1, 0);
  std::ifstream in(file, std::ios::binary);
  in.read(reinterpret_cast<char*>(times.data() + 1),
          static_cast<std::streamsize>(n * sizeof(std::int64_t)));
  if (!in) throw std::runtime_error("cannot read " + std::to_string(n) + " times from " + file);
  return times;
}

ScratchDir::ScratchDir() {
  std::string pattern = (fs::temp_directory_path() / "crdt-bench-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp " + pattern);
  path_ = pattern;
}

ScratchDir::~ScratchDir() {
  std::error_code ignored;
  fs::remove_all(path_, ignored);
}

persist::Durability parse_durability(const std::string& text) {
  if (text == "full") return persist::Durability::full;
  if (text == "normal") return persist::Durability::normal;
  throw std::invalid_argument("durability is full or normal, not " + text);
}

std::string to_string(persist::Durability durability) {
  return durability == persist::Durability::full ? "full" : "normal";
}

persist::Options store_options(persist::Durability durability) {
  persist::Options options;
  options.durability = durability;
  return options;
}

sync::Address loopback(std::uint16_t port) { return sync::Address{"127.0.0.1", port}; }

sync::NodeOptions node_options(bool verbose, const std::string& name) {
  sync::NodeOptions options;
  options.reconnect_min = std::chrono::milliseconds(10);
  options.reconnect_max = std::chrono::milliseconds(200);
  if (verbose) {
    options.log = [name](std::string_view line) {
      static std::mutex mutex;
      std::lock_guard lock(mutex);
      std::cerr << name << ": " << line << '\n';
    };
  }
  return options;
}

}  // namespace crdt::bench
