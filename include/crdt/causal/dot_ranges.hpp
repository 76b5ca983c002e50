// DotRanges: the set of counters one replica's dots have, as sorted, disjoint, non-adjacent closed
// intervals.
//
// Invariant: intervals are ordered, every interval has lo <= hi, lo >= 1, and two neighbours are
// separated by at least one missing counter (so the representation of a set is unique and
// `operator==` compares sets). A replica's contiguous history [1, n] is one interval, which is
// the "compact vector" entry; further intervals form the dot cloud. Every mutation restores the
// invariant at once, so the set is always compacted.
#pragma once

#include <algorithm>
#include <cstdint>

#include "crdt/detail/small_vector.hpp"

namespace crdt {

class SerializationAccess;

struct CounterRange {
  std::uint64_t lo = 0;
  std::uint64_t hi = 0;
  friend constexpr bool operator==(const CounterRange&, const CounterRange&) = default;
};

class DotRanges {
 public:
  // Most sets are one interval (a replica's contiguous history): it is kept inline.
  using Ranges = detail::SmallVector<CounterRange, 1>;

  DotRanges() = default;

  bool empty() const { return ranges_.empty(); }
  const Ranges& ranges() const { return ranges_; }

  // Highest counter present, 0 when empty.
  std::uint64_t max() const { return ranges_.empty() ? 0 : ranges_.back().hi; }

  // n when the set starts with the whole prefix [1, n], else 0.
  std::uint64_t contiguous() const {
    return !ranges_.empty() && ranges_.front().lo == 1 ? ranges_.front().hi : 0;
  }

  // Number of counters in the set (saturates at UINT64_MAX).
  std::uint64_t count() const {
    std::uint64_t total = 0;
    for (const auto& r : ranges_) {
      const std::uint64_t n = r.hi - r.lo + 1;
      total = n > UINT64_MAX - total ? UINT64_MAX : total + n;
    }
    return total;
  }

  bool contains(std::uint64_t c) const {
    auto it = upper_bound_lo(c);
    if (it == ranges_.begin()) return false;
    --it;
    return c <= it->hi;
  }

  void insert(std::uint64_t c) { insert(c, c); }

  // Adds [lo, hi]; lo must be >= 1 and lo <= hi.
  void insert(std::uint64_t lo, std::uint64_t hi) {
    // A replica's own next events land at the end: extend or append without a search.
    if (!ranges_.empty() && ranges_.back().hi != UINT64_MAX && lo > ranges_.back().hi) {
      if (lo == ranges_.back().hi + 1) {
        ranges_.back().hi = hi;
      } else {
        ranges_.push_back(CounterRange{lo, hi});
      }
      return;
    }
    // First interval that could touch [lo, hi]: the last whose lo <= hi + 1 going backwards.
    auto first = std::lower_bound(
        ranges_.begin(), ranges_.end(), lo,
        [](const CounterRange& r, std::uint64_t v) { return r.hi != UINT64_MAX && r.hi + 1 < v; });
    auto last = first;
    while (last != ranges_.end() && (hi == UINT64_MAX || last->lo <= hi + 1)) {
      lo = std::min(lo, last->lo);
      hi = std::max(hi, last->hi);
      ++last;
    }
    if (first == last) {
      ranges_.insert(first, CounterRange{lo, hi});
    } else {
      *first = CounterRange{lo, hi};
      ranges_.erase(first + 1, last);
    }
  }

  void erase(std::uint64_t c) {
    auto it = std::upper_bound(ranges_.begin(), ranges_.end(), c,
                               [](std::uint64_t v, const CounterRange& r) { return v < r.lo; });
    if (it == ranges_.begin()) return;
    --it;
    if (c > it->hi) return;
    if (it->lo == it->hi) {
      ranges_.erase(it);
    } else if (c == it->lo) {
      ++it->lo;
    } else if (c == it->hi) {
      --it->hi;
    } else {
      const CounterRange upper{c + 1, it->hi};
      it->hi = c - 1;
      ranges_.insert(it + 1, upper);
    }
  }

  void merge(const DotRanges& other) {
    if (other.ranges_.empty()) return;
    if (ranges_.empty()) {
      ranges_ = other.ranges_;
      return;
    }
    Ranges out;
    out.reserve(ranges_.size() + other.ranges_.size());
    auto a = ranges_.begin();
    auto b = other.ranges_.begin();
    auto push = [&out](const CounterRange& r) {
      if (!out.empty() && (out.back().hi == UINT64_MAX || out.back().hi + 1 >= r.lo)) {
        out.back().hi = std::max(out.back().hi, r.hi);
      } else {
        out.push_back(r);
      }
    };
    while (a != ranges_.end() || b != other.ranges_.end()) {
      if (b == other.ranges_.end() || (a != ranges_.end() && a->lo <= b->lo)) {
        push(*a++);
      } else {
        push(*b++);
      }
    }
    ranges_ = std::move(out);
  }

  // Removes every counter of `other`.
  void subtract(const DotRanges& other) {
    // Each step replaces ranges_, so `other` must not alias it.
    if (&other == this) {
      ranges_.clear();
      return;
    }
    for (const auto& r : other.ranges_) subtract(r.lo, r.hi);
  }

  void subtract(std::uint64_t lo, std::uint64_t hi) {
    Ranges out;
    out.reserve(ranges_.size() + 1);
    for (const auto& r : ranges_) {
      if (r.hi < lo || r.lo > hi) {
        out.push_back(r);
        continue;
      }
      if (r.lo < lo) out.push_back({r.lo, lo - 1});
      if (r.hi > hi) out.push_back({hi + 1, r.hi});
    }
    ranges_ = std::move(out);
  }

  // True when every counter of this set is in `other`.
  bool subset_of(const DotRanges& other) const {
    auto it = other.ranges_.begin();
    for (const auto& r : ranges_) {
      while (it != other.ranges_.end() && it->hi < r.lo) ++it;
      if (it == other.ranges_.end() || it->lo > r.lo || it->hi < r.hi) return false;
    }
    return true;
  }

  // Checks the invariant; used after decoding untrusted bytes.
  bool well_formed() const {
    for (std::size_t i = 0; i < ranges_.size(); ++i) {
      if (ranges_[i].lo == 0 || ranges_[i].lo > ranges_[i].hi) return false;
      if (i > 0 && (ranges_[i - 1].hi == UINT64_MAX || ranges_[i - 1].hi + 1 >= ranges_[i].lo)) {
        return false;
      }
    }
    return true;
  }

  friend bool operator==(const DotRanges&, const DotRanges&) = default;

 private:
  friend class SerializationAccess;

  Ranges::const_iterator upper_bound_lo(std::uint64_t c) const {
    return std::upper_bound(ranges_.begin(), ranges_.end(), c,
                            [](std::uint64_t v, const CounterRange& r) { return v < r.lo; });
  }

  Ranges ranges_;
};

}  // namespace crdt
