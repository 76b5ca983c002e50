// Minimal JSON output for the node's status: objects written field by field, strings escaped.
// The status is small and flat enough that a library for it would be heavier than this.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace crdt::sync {

class JsonText {
 public:
  JsonText& begin_object();
  JsonText& end_object();
  JsonText& begin_array(std::string_view key);
  JsonText& end_array();
  JsonText& key(std::string_view key);
  JsonText& field(std::string_view key, std::string_view value);
  JsonText& field(std::string_view key, const char* value) {
    return field(key, std::string_view(value));
  }
  JsonText& field(std::string_view key, std::uint64_t value);
  JsonText& field(std::string_view key, bool value);
  const std::string& str() const { return out_; }

  static void escape_to(std::string& out, std::string_view text);

 private:
  void separator();
  std::string out_;
  bool first_ = true;
};

}  // namespace crdt::sync
