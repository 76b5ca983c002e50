// Serializable<T>: T can be written by CheckedOutputArchive, read back by CheckedInputArchive, and
// has a TypeTag, so encode<T>/decode<T> (codec.hpp) accept it.
//
// Archivable<T> is the archive half, checked structurally: arithmetic types, enums and std::byte;
// std::basic_string, vector, set, map, array, pair and optional of archivable types; and class
// types with a Boost-style `serialize(Archive&, T&, unsigned)` found by argument-dependent lookup
// or a public member `serialize(Archive&, unsigned)`. The serializers of the class templates here
// are constrained on it, so ORSet<T> is archivable exactly when T is.
#pragma once

#include <array>
#include <concepts>
#include <cstddef>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "crdt/serialization/checked_archive.hpp"
#include "crdt/serialization/type_tag.hpp"

namespace crdt::serialization {

namespace detail {

template <class T>
concept HasAdlSerialize = requires(CheckedOutputArchive& out, CheckedInputArchive& in, T& value,
                                   const unsigned int version) {
  serialize(out, value, version);
  serialize(in, value, version);
};

template <class T>
concept HasMemberSerialize = requires(CheckedOutputArchive& out, CheckedInputArchive& in, T& value,
                                      const unsigned int version) {
  value.serialize(out, version);
  value.serialize(in, version);
};

template <class T>
consteval bool archivable() {
  using U = std::remove_cv_t<T>;
  // Pointers fall through to false; long double is wider than 8 bytes.
  if constexpr (std::is_arithmetic_v<U> || std::is_enum_v<U> || std::is_same_v<U, std::byte>) {
    return sizeof(U) <= 8;
  } else if constexpr (kIsSpecialization<U, std::basic_string> ||
                       kIsSpecialization<U, std::vector> || kIsSpecialization<U, std::set> ||
                       kIsSpecialization<U, std::optional> || IsStdArray<U>::value) {
    return archivable<typename U::value_type>();
  } else if constexpr (kIsSpecialization<U, std::map>) {
    return archivable<typename U::key_type>() && archivable<typename U::mapped_type>();
  } else if constexpr (kIsSpecialization<U, std::pair>) {
    return archivable<typename U::first_type>() && archivable<typename U::second_type>();
  } else if constexpr (std::is_class_v<U>) {
    return HasAdlSerialize<U> || HasMemberSerialize<U>;
  } else {
    return false;
  }
}

}  // namespace detail

template <class T>
concept Archivable = detail::archivable<T>();

template <class T>
concept Serializable =
    std::default_initializable<T> && std::movable<T> && Archivable<T> && HasTypeTag<T>;

}  // namespace crdt::serialization
