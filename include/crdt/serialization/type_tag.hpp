// TypeTag<T>: the stable name of a serializable type, written into every encoded frame so that a
// frame decoded as the wrong type is refused instead of misread.
//
// A name is short, lowercase ASCII and never changes once released; composite types spell their
// parameters: "orset<string>", "ormap<string,ccounter>", "bcounter<0>". The primary template has
// no name(), so a type without a tag is not Serializable. Each type's serialization header adds
// its specialization; the element types here are the ones the CRDTs are used with.
#pragma once

#include <concepts>
#include <cstdint>
#include <string>

namespace crdt::serialization {

template <class T>
struct TypeTag {};

template <class T>
concept HasTypeTag = requires {
  { TypeTag<T>::name() } -> std::convertible_to<std::string>;
};

template <>
struct TypeTag<std::string> {
  static std::string name() { return "string"; }
};

template <>
struct TypeTag<std::int64_t> {
  static std::string name() { return "i64"; }
};

template <>
struct TypeTag<std::uint64_t> {
  static std::string name() { return "u64"; }
};

}  // namespace crdt::serialization
