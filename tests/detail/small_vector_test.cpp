#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include <crdt/detail/small_vector.hpp>

using crdt::detail::SmallVector;

namespace {
template <class V>
std::vector<std::string> contents(const V& v) {
  return std::vector<std::string>(v.begin(), v.end());
}
}  // namespace

TEST_CASE("SmallVector: one element stays inline, more spill to the heap", "[detail]") {
  SmallVector<std::string, 1> v;
  CHECK(v.empty());
  CHECK(v.heap_bytes() == 0);
  v.push_back("a long string that does not fit in the small-string buffer");
  CHECK(v.heap_bytes() == 0);
  v.push_back("b");
  v.push_back("c");
  CHECK(v.size() == 3);
  CHECK(v.heap_bytes() >= 3 * sizeof(std::string));
  CHECK(contents(v) == std::vector<std::string>{
                           "a long string that does not fit in the small-string buffer", "b", "c"});
}

TEST_CASE("SmallVector: insert and erase keep order at every position", "[detail]") {
  SmallVector<std::string, 2> v{"b", "d"};
  v.insert(v.begin(), "a");
  v.insert(v.begin() + 2, "c");
  v.insert(v.end(), "e");
  CHECK(contents(v) == std::vector<std::string>{"a", "b", "c", "d", "e"});
  CHECK(*v.erase(v.begin() + 1) == "c");
  CHECK(contents(v) == std::vector<std::string>{"a", "c", "d", "e"});
  v.erase(v.begin() + 1, v.begin() + 3);
  CHECK(contents(v) == std::vector<std::string>{"a", "e"});
  v.erase(v.begin(), v.begin());
  CHECK(v.size() == 2);
  v.clear();
  CHECK(v.empty());
}

TEST_CASE("SmallVector: copies and moves, inline and on the heap", "[detail]") {
  for (const std::size_t n : {std::size_t{1}, std::size_t{5}}) {
    SmallVector<std::string, 1> v;
    for (std::size_t i = 0; i < n; ++i) v.push_back("element number " + std::to_string(i));
    const auto expected = contents(v);

    SmallVector<std::string, 1> copy = v;
    CHECK(copy == v);
    SmallVector<std::string, 1> moved = std::move(copy);
    CHECK(contents(moved) == expected);
    CHECK(copy.empty());  // NOLINT(bugprone-use-after-move): a moved-from vector is empty

    SmallVector<std::string, 1> assigned{"x", "y", "z"};
    assigned = v;
    CHECK(contents(assigned) == expected);
    assigned = assigned;  // self-assignment is a no-op
    CHECK(contents(assigned) == expected);
    SmallVector<std::string, 1> target{"old"};
    target = std::move(moved);
    CHECK(contents(target) == expected);
    target.push_back("after");
    CHECK(target.size() == n + 1);
  }
}

TEST_CASE("SmallVector: equality compares elements", "[detail]") {
  SmallVector<int, 1> a{1, 2}, b{1, 2}, c{1};
  CHECK(a == b);
  CHECK_FALSE(a == c);
  const SmallVector<int, 1> empty;
  CHECK(empty == SmallVector<int, 1>{});
}
