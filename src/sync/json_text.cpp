#include "json_text.hpp"

#include <cstdio>

namespace crdt::sync {

void JsonText::escape_to(std::string& out, std::string_view text) {
  out += '"';
  for (unsigned char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (c < 0x20) {
          char buffer[8];
          std::snprintf(buffer, sizeof buffer, "\\u%04x", c);
          out += buffer;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
}

void JsonText::separator() {
  if (!first_) out_ += ',';
  first_ = false;
}

JsonText& JsonText::begin_object() {
  if (!out_.empty() && out_.back() != ':') separator();
  out_ += '{';
  first_ = true;
  return *this;
}

JsonText& JsonText::end_object() {
  out_ += '}';
  first_ = false;
  return *this;
}

JsonText& JsonText::begin_array(std::string_view name) {
  key(name);
  out_ += '[';
  first_ = true;
  return *this;
}

JsonText& JsonText::end_array() {
  out_ += ']';
  first_ = false;
  return *this;
}

JsonText& JsonText::key(std::string_view name) {
  separator();
  escape_to(out_, name);
  out_ += ':';
  return *this;
}

JsonText& JsonText::field(std::string_view name, std::string_view value) {
  key(name);
  escape_to(out_, value);
  return *this;
}

JsonText& JsonText::field(std::string_view name, std::uint64_t value) {
  key(name);
  out_ += std::to_string(value);
  return *this;
}

JsonText& JsonText::field(std::string_view name, bool value) {
  key(name);
  out_ += value ? "true" : "false";
  return *this;
}

}  // namespace crdt::sync
