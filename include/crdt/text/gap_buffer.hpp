// GapBuffer: the visible text of a Text replica as UTF-8 bytes with a movable gap.
//
// Edits cluster around a cursor in real editing, so moving the gap to the edit and filling it costs
// O(distance moved + bytes inserted); a read of the whole text copies it once. Offsets are in
// bytes.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <string>
#include <string_view>

namespace crdt::detail {

class GapBuffer {
 public:
  std::size_t size() const { return buffer_.size() - (gap_end_ - gap_start_); }

  void insert(std::size_t offset, std::string_view bytes) {
    if (bytes.empty()) return;
    move_gap(offset);
    if (gap_end_ - gap_start_ < bytes.size()) grow(bytes.size());
    std::memcpy(buffer_.data() + gap_start_, bytes.data(), bytes.size());
    gap_start_ += bytes.size();
  }

  void erase(std::size_t offset, std::size_t count) {
    if (count == 0) return;
    move_gap(offset);
    gap_end_ += count;
  }

  // Copies `count` bytes from `offset`.
  std::string substr(std::size_t offset, std::size_t count) const {
    std::string out;
    out.reserve(count);
    const std::size_t end = offset + count;
    if (offset < gap_start_)
      out.append(buffer_.data() + offset, std::min(end, gap_start_) - offset);
    if (end > gap_start_) {
      const std::size_t from = std::max(offset, gap_start_);
      out.append(buffer_.data() + gap_end_ + (from - gap_start_), end - from);
    }
    return out;
  }

  char at(std::size_t offset) const {
    return offset < gap_start_ ? buffer_[offset] : buffer_[offset + (gap_end_ - gap_start_)];
  }

  std::string str() const { return substr(0, size()); }

  std::size_t capacity_bytes() const { return buffer_.capacity(); }

 private:
  void move_gap(std::size_t offset) {
    if (offset < gap_start_) {
      const std::size_t n = gap_start_ - offset;
      std::memmove(buffer_.data() + gap_end_ - n, buffer_.data() + offset, n);
      gap_start_ -= n;
      gap_end_ -= n;
    } else if (offset > gap_start_) {
      const std::size_t n = offset - gap_start_;
      std::memmove(buffer_.data() + gap_start_, buffer_.data() + gap_end_, n);
      gap_start_ += n;
      gap_end_ += n;
    }
  }

  void grow(std::size_t needed) {
    const std::size_t tail = buffer_.size() - gap_end_;
    const std::size_t new_size = std::max(buffer_.size() * 2, buffer_.size() + needed + 64);
    std::string grown(new_size, '\0');
    std::memcpy(grown.data(), buffer_.data(), gap_start_);
    std::memcpy(grown.data() + new_size - tail, buffer_.data() + gap_end_, tail);
    gap_end_ = new_size - tail;
    buffer_ = std::move(grown);
  }

  std::string buffer_;
  std::size_t gap_start_ = 0;
  std::size_t gap_end_ = 0;
};

}  // namespace crdt::detail
