// WideSum: an exact unsigned 128-bit accumulator for the state-based counters.
//
// A merged counter may hold many replicas' uint64 totals, whose sum does not fit in 64 bits. The
// counters add those totals here, so overflow checks and saturation are decided from the true
// value rather than from a wrapped one. The high word counts carries; it would need 2^64 additions
// of uint64 values to wrap, which no state holds.
#pragma once

#include <compare>
#include <cstdint>

namespace crdt::detail {

class WideSum {
 public:
  constexpr WideSum() = default;
  constexpr explicit WideSum(std::uint64_t value) : low_(value) {}

  constexpr WideSum& operator+=(std::uint64_t value) {
    low_ += value;
    if (low_ < value) ++high_;
    return *this;
  }

  constexpr WideSum& operator+=(const WideSum& other) {
    *this += other.low_;
    high_ += other.high_;
    return *this;
  }

  friend constexpr WideSum operator+(WideSum a, std::uint64_t b) { return a += b; }
  friend constexpr WideSum operator+(WideSum a, const WideSum& b) { return a += b; }

  // this - other; requires other <= this.
  constexpr WideSum minus(const WideSum& other) const {
    WideSum out;
    out.low_ = low_ - other.low_;
    out.high_ = high_ - other.high_ - (low_ < other.low_ ? 1 : 0);
    return out;
  }

  constexpr bool fits_u64() const { return high_ == 0; }
  constexpr std::uint64_t low() const { return low_; }

  // high_ is declared first, so the defaulted comparison is numeric.
  friend constexpr auto operator<=>(const WideSum&, const WideSum&) = default;

 private:
  std::uint64_t high_ = 0;
  std::uint64_t low_ = 0;
};

// The exact value base + plus - minus, as a sign and a magnitude.
struct SignedWide {
  bool negative = false;
  WideSum magnitude;
};

constexpr SignedWide signed_sum(std::int64_t base, WideSum plus, WideSum minus) {
  if (base >= 0) {
    plus += static_cast<std::uint64_t>(base);
  } else {
    // -(base + 1) + 1 avoids negating INT64_MIN.
    minus += static_cast<std::uint64_t>(-(base + 1)) + 1;
  }
  if (plus >= minus) return SignedWide{false, plus.minus(minus)};
  return SignedWide{true, minus.minus(plus)};
}

inline constexpr std::uint64_t kInt64MaxMagnitude = static_cast<std::uint64_t>(INT64_MAX);
inline constexpr std::uint64_t kInt64MinMagnitude = kInt64MaxMagnitude + 1;

// True when base + plus - minus lies in the int64 range.
constexpr bool fits_int64(std::int64_t base, WideSum plus, WideSum minus) {
  const SignedWide v = signed_sum(base, plus, minus);
  return v.magnitude <= WideSum(v.negative ? kInt64MinMagnitude : kInt64MaxMagnitude);
}

// base + plus - minus, saturated to [INT64_MIN, INT64_MAX].
constexpr std::int64_t saturated_int64(std::int64_t base, WideSum plus, WideSum minus) {
  const SignedWide v = signed_sum(base, plus, minus);
  if (!v.negative) {
    return v.magnitude <= WideSum(kInt64MaxMagnitude) ? static_cast<std::int64_t>(v.magnitude.low())
                                                      : INT64_MAX;
  }
  if (v.magnitude >= WideSum(kInt64MinMagnitude)) return INT64_MIN;
  return -static_cast<std::int64_t>(v.magnitude.low());
}

// plus - minus, clamped to [0, UINT64_MAX].
constexpr std::uint64_t saturated_uint64(WideSum plus, WideSum minus) {
  if (minus >= plus) return 0;
  const WideSum v = plus.minus(minus);
  return v.fits_u64() ? v.low() : UINT64_MAX;
}

}  // namespace crdt::detail
