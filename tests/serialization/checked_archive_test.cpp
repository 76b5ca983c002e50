#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <list>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

// Boost's own vector serializer, with its array optimization, must not change how the archive
// writes vectors (the pitfall DESIGN.md records). Boost 1.74's list.hpp needs
// library_version_type.hpp included before it.
#include <boost/serialization/library_version_type.hpp>
#include <boost/serialization/list.hpp>
#include <boost/serialization/vector.hpp>

#include <crdt/serialization/checked_archive.hpp>

using crdt::serialization::CheckedInputArchive;
using crdt::serialization::CheckedOutputArchive;
using crdt::serialization::DecodeError;
using crdt::serialization::DecodeFailure;
using Bytes = std::vector<std::uint8_t>;

namespace {

template <class T>
Bytes save(const T& value) {
  Bytes out;
  CheckedOutputArchive ar(out);
  ar << value;
  return out;
}

template <class T>
T load(const Bytes& bytes) {
  CheckedInputArchive ar(bytes);
  T value{};
  ar >> value;
  REQUIRE(ar.at_end());
  return value;
}

// The error a load of `bytes` as T fails with; fails the test if it succeeds.
template <class T>
DecodeError load_error(const Bytes& bytes) {
  try {
    CheckedInputArchive ar(bytes);
    T value{};
    ar >> value;
  } catch (const DecodeFailure& failure) {
    return failure.code();
  }
  FAIL("load succeeded");
  return DecodeError::malformed;
}

template <class T>
void check_round_trip(const T& value) {
  CHECK(load<T>(save(value)) == value);
}

// Counts what is asked of it, so a test can show that nothing was allocated.
template <class T>
struct CountingAllocator {
  using value_type = T;
  static inline std::size_t requested = 0;
  CountingAllocator() = default;
  template <class U>
  CountingAllocator(const CountingAllocator<U>&) {}  // NOLINT(google-explicit-constructor)
  T* allocate(std::size_t n) {
    requested += n * sizeof(T);
    return std::allocator<T>{}.allocate(n);
  }
  void deallocate(T* p, std::size_t n) { std::allocator<T>{}.deallocate(p, n); }
  friend bool operator==(const CountingAllocator&, const CountingAllocator&) = default;
};

struct Point {
  std::int32_t x = 0;
  std::int32_t y = 0;
  friend bool operator==(const Point&, const Point&) = default;
};

template <class Archive>
void serialize(Archive& ar, Point& p, const unsigned int) {
  ar& p.x& p.y;
}

}  // namespace

TEST_CASE("CheckedArchive: unsigned varints at the edges", "[serialization][archive]") {
  CHECK(save(std::uint64_t{0}) == Bytes{0x00});
  CHECK(save(std::uint64_t{1}) == Bytes{0x01});
  CHECK(save(std::uint64_t{127}) == Bytes{0x7f});
  CHECK(save(std::uint64_t{128}) == Bytes{0x80, 0x01});
  CHECK(save(std::uint64_t{300}) == Bytes{0xac, 0x02});
  CHECK(save(std::uint64_t{16383}) == Bytes{0xff, 0x7f});
  CHECK(save(std::uint64_t{16384}) == Bytes{0x80, 0x80, 0x01});
  CHECK(save(std::numeric_limits<std::uint64_t>::max()) ==
        Bytes{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01});
  CHECK(save(std::uint32_t{0xffffffff}) == Bytes{0xff, 0xff, 0xff, 0xff, 0x0f});
  for (std::uint64_t v : {std::uint64_t{0}, std::uint64_t{127}, std::uint64_t{128},
                          std::uint64_t{1} << 63, std::numeric_limits<std::uint64_t>::max()}) {
    CHECK(load<std::uint64_t>(save(v)) == v);
  }
}

TEST_CASE("CheckedArchive: signed integers are zigzag varints", "[serialization][archive]") {
  CHECK(save(std::int64_t{0}) == Bytes{0x00});
  CHECK(save(std::int64_t{-1}) == Bytes{0x01});
  CHECK(save(std::int64_t{1}) == Bytes{0x02});
  CHECK(save(std::int64_t{-64}) == Bytes{0x7f});
  CHECK(save(std::int64_t{64}) == Bytes{0x80, 0x01});
  CHECK(save(std::numeric_limits<std::int64_t>::min()) ==
        Bytes{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01});
  CHECK(save(std::numeric_limits<std::int64_t>::max()) ==
        Bytes{0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01});
  for (std::int64_t v :
       {std::numeric_limits<std::int64_t>::min(), std::int64_t{-300}, std::int64_t{-1},
        std::int64_t{0}, std::int64_t{1}, std::numeric_limits<std::int64_t>::max()}) {
    CHECK(load<std::int64_t>(save(v)) == v);
  }
  CHECK(load<std::int32_t>(save(std::int32_t{-2147483647 - 1})) == -2147483647 - 1);
  CHECK(load<std::int16_t>(save(std::int16_t{-5})) == -5);
}

TEST_CASE("CheckedArchive: bad varints are refused", "[serialization][archive]") {
  SECTION("non-canonical: a trailing zero group") {
    CHECK(load_error<std::uint64_t>({0x80, 0x00}) == DecodeError::malformed);
    CHECK(load_error<std::uint64_t>({0x81, 0x80, 0x00}) == DecodeError::malformed);
  }
  SECTION("longer than 64 bits") {
    CHECK(load_error<std::uint64_t>({0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02}) ==
          DecodeError::malformed);
    CHECK(load_error<std::uint64_t>({0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
                                     0x01}) == DecodeError::malformed);
  }
  SECTION("cut short") {
    CHECK(load_error<std::uint64_t>({}) == DecodeError::truncated);
    CHECK(load_error<std::uint64_t>({0x80}) == DecodeError::truncated);
    CHECK(load_error<std::uint64_t>({0xff, 0xff}) == DecodeError::truncated);
  }
  SECTION("out of the target type's range") {
    CHECK(load_error<std::uint32_t>(save(std::uint64_t{1} << 32)) == DecodeError::malformed);
    CHECK(load_error<std::uint16_t>(save(std::uint64_t{65536})) == DecodeError::malformed);
    CHECK(load_error<std::int32_t>(save(std::int64_t{1} << 31)) == DecodeError::malformed);
    CHECK(load_error<std::int32_t>(save(-(std::int64_t{1} << 31) - 1)) == DecodeError::malformed);
  }
}

TEST_CASE("CheckedArchive: bools, bytes, enums and floating point", "[serialization][archive]") {
  CHECK(save(true) == Bytes{0x01});
  CHECK(save(false) == Bytes{0x00});
  CHECK(load<bool>({0x01}));
  CHECK_FALSE(load<bool>({0x00}));
  CHECK(load_error<bool>({0x02}) == DecodeError::malformed);
  CHECK(load_error<bool>({0xff}) == DecodeError::malformed);

  CHECK(save(std::uint8_t{0xff}) == Bytes{0xff});
  CHECK(save('A') == Bytes{0x41});
  CHECK(save(std::byte{0x80}) == Bytes{0x80});

  enum class Color : std::uint16_t { red = 1, blue = 300 };
  CHECK(save(Color::blue) == Bytes{0xac, 0x02});
  CHECK(load<Color>({0xac, 0x02}) == Color::blue);

  CHECK(save(1.0) == Bytes{0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xf0, 0x3f});
  CHECK(save(1.0f) == Bytes{0x00, 0x00, 0x80, 0x3f});
  CHECK(load<double>(save(-2.5)) == -2.5);
  CHECK(std::isnan(load<double>(save(std::numeric_limits<double>::quiet_NaN()))));
  CHECK(load<float>(save(std::numeric_limits<float>::infinity())) ==
        std::numeric_limits<float>::infinity());
  CHECK(load_error<double>({0x00, 0x00, 0x00}) == DecodeError::truncated);
}

TEST_CASE("CheckedArchive: strings and standard containers round-trip with fixed bytes",
          "[serialization][archive]") {
  CHECK(save(std::string()) == Bytes{0x00});
  CHECK(save(std::string("hi")) == Bytes{0x02, 'h', 'i'});
  CHECK(save(std::vector<std::uint64_t>{1, 300}) == Bytes{0x02, 0x01, 0xac, 0x02});
  CHECK(save(std::map<std::string, bool>{{"a", true}, {"b", false}}) ==
        Bytes{0x02, 0x01, 'a', 0x01, 0x01, 'b', 0x00});
  CHECK(save(std::set<std::uint16_t>{2, 1}) == Bytes{0x02, 0x01, 0x02});
  CHECK(save(std::optional<std::uint32_t>()) == Bytes{0x00});
  CHECK(save(std::optional<std::uint32_t>(5)) == Bytes{0x01, 0x05});
  CHECK(save(std::pair<std::uint8_t, std::int64_t>(7, -1)) == Bytes{0x07, 0x01});
  CHECK(save(std::array<std::uint32_t, 3>{1, 2, 3}) == Bytes{0x01, 0x02, 0x03});

  check_round_trip(std::string("with\0nul", 8));
  check_round_trip(std::string(100000, 'x'));
  check_round_trip(std::vector<std::string>{"", "a", std::string(300, 'b')});
  check_round_trip(std::vector<bool>{true, false, true});
  check_round_trip(std::map<std::uint64_t, std::vector<std::int64_t>>{{1, {-1, 2}}, {9, {}}});
  check_round_trip(std::set<std::string>{"x", "y", "z"});
  check_round_trip(std::optional<std::string>("v"));
  check_round_trip(std::optional<std::string>());
  check_round_trip(std::vector<Point>{{1, -2}, {-2147483647 - 1, 2147483647}});
  check_round_trip(std::map<std::string, std::optional<Point>>{{"p", Point{3, 4}}, {"q", {}}});
}

TEST_CASE("CheckedArchive: vectors ignore Boost's array optimization", "[serialization][archive]") {
  // boost/serialization/vector.hpp is included in this file; the archive still writes a count
  // and the elements in its own encoding, never a raw memory image.
  const std::vector<std::uint8_t> bytes{1, 2, 0xff};
  CHECK(save(bytes) == Bytes{0x03, 0x01, 0x02, 0xff});
  CHECK(load<std::vector<std::uint8_t>>(save(bytes)) == bytes);

  const std::vector<int> ints{1, -1, 300, std::numeric_limits<int>::min()};
  CHECK(save(ints) == Bytes{0x04, 0x02, 0x01, 0xd8, 0x04, 0xff, 0xff, 0xff, 0xff, 0x0f});
  CHECK(load<std::vector<int>>(save(ints)) == ints);

  const std::vector<double> doubles{0.5, -0.0};
  CHECK(load<std::vector<double>>(save(doubles)) == doubles);
  CHECK(save(doubles).size() == 1 + 2 * 8);
}

TEST_CASE("CheckedArchive: Boost's own collection serializers work through it",
          "[serialization][archive]") {
  // std::list is not handled by the archive itself: Boost's list.hpp writes a collection_size_type
  // (a checked count) and an item version (nothing), then the elements.
  const std::list<std::int64_t> list{5, -5, 1000};
  CHECK(save(list) == Bytes{0x03, 0x0a, 0x09, 0xd0, 0x0f});
  CHECK(load<std::list<std::int64_t>>(save(list)) == list);
  CHECK(load_error<std::list<std::int64_t>>({0xff, 0xff, 0xff, 0xff, 0x0f, 0x00}) ==
        DecodeError::truncated);
}

TEST_CASE("CheckedArchive: loading replaces what the object held", "[serialization][archive]") {
  std::vector<std::string> held{"old", "older"};
  const Bytes bytes = save(std::vector<std::string>{"new"});
  CheckedInputArchive ar(bytes);
  ar >> held;
  CHECK(held == std::vector<std::string>{"new"});

  std::map<int, int> map{{1, 1}, {2, 2}};
  const Bytes map_bytes = save(std::map<int, int>{{3, 3}});
  CheckedInputArchive map_ar(map_bytes);
  map_ar >> map;
  CHECK(map == std::map<int, int>{{3, 3}});
}

TEST_CASE("CheckedArchive: a count larger than the bytes left is refused before allocating",
          "[serialization][archive]") {
  using CountedBytes = std::vector<std::uint8_t, CountingAllocator<std::uint8_t>>;
  using CountedPoints = std::vector<Point, CountingAllocator<Point>>;
  using CountedString = std::basic_string<char, std::char_traits<char>, CountingAllocator<char>>;
  CountingAllocator<std::uint8_t>::requested = 0;
  CountingAllocator<Point>::requested = 0;
  CountingAllocator<char>::requested = 0;

  // About 2^63 elements declared in ten bytes.
  const Bytes huge{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 0x00};
  CHECK(load_error<CountedBytes>(huge) == DecodeError::truncated);
  CHECK(load_error<CountedPoints>(huge) == DecodeError::truncated);
  CHECK(load_error<CountedString>(huge) == DecodeError::truncated);
  CHECK(load_error<std::map<std::uint64_t, std::uint64_t>>(huge) == DecodeError::truncated);
  CHECK(CountingAllocator<std::uint8_t>::requested == 0);
  CHECK(CountingAllocator<Point>::requested == 0);
  CHECK(CountingAllocator<char>::requested == 0);

  // A count one larger than the bytes left is refused too; exactly the bytes left is accepted.
  CHECK(load_error<CountedBytes>({0x03, 0x01, 0x02}) == DecodeError::truncated);
  CHECK(CountingAllocator<std::uint8_t>::requested == 0);
  CHECK(load<CountedBytes>({0x02, 0x01, 0x02}) == CountedBytes{1, 2});
}

TEST_CASE("CheckedArchive: unordered or duplicate keys are refused", "[serialization][archive]") {
  CHECK(load_error<std::map<std::uint8_t, bool>>({0x02, 0x02, 0x01, 0x01, 0x01}) ==
        DecodeError::malformed);
  CHECK(load_error<std::map<std::uint8_t, bool>>({0x02, 0x01, 0x01, 0x01, 0x01}) ==
        DecodeError::malformed);
  CHECK(load_error<std::set<std::string>>({0x02, 0x01, 'b', 0x01, 'a'}) == DecodeError::malformed);
  CHECK(load_error<std::set<std::string>>({0x02, 0x01, 'a', 0x01, 'a'}) == DecodeError::malformed);
}

TEST_CASE("CheckedArchive: every prefix of an encoding fails cleanly", "[serialization][archive]") {
  const std::map<std::string, std::vector<Point>> value{{"first", {{1, 2}, {-3, 4}}},
                                                        {"second", {{300, -300}}}};
  const Bytes bytes = save(value);
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    const Bytes prefix(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(n));
    const DecodeError error = load_error<std::map<std::string, std::vector<Point>>>(prefix);
    CHECK((error == DecodeError::truncated || error == DecodeError::malformed));
  }
}

TEST_CASE("CheckedArchive: the failure says where", "[serialization][archive]") {
  try {
    const Bytes bytes{0x02, 0x01, 0x07};
    CheckedInputArchive ar(bytes);
    std::vector<bool> flags;
    ar >> flags;
    FAIL("load succeeded");
  } catch (const DecodeFailure& failure) {
    CHECK(failure.code() == DecodeError::malformed);
    CHECK(failure.offset() == 3);
    CHECK(std::string(failure.what()).find("bool") != std::string::npos);
  }
}
