// Serializer for crdt::detail::SmallVector: written exactly as a std::vector (count, then each
// element), so DotRanges and VersionVector keep their encoding whatever container holds them.
#pragma once

#include <cstddef>
#include <utility>

#include <boost/serialization/collection_size_type.hpp>

#include "crdt/detail/small_vector.hpp"
#include "crdt/serialization/checked_archive.hpp"

namespace crdt::detail {

template <class Archive, class T, std::size_t N>
void serialize(Archive& ar, SmallVector<T, N>& values, const unsigned int) {
  if constexpr (Archive::is_saving::value) {
    serialization::fields(ar, boost::serialization::collection_size_type(values.size()));
    for (T& value : values) serialization::fields(ar, value);
  } else {
    // The archive refuses a count larger than the bytes left, so this cannot over-allocate.
    boost::serialization::collection_size_type count;
    serialization::fields(ar, count);
    const std::size_t n = std::as_const(count);
    values.clear();
    values.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
      T value{};
      serialization::fields(ar, value);
      values.push_back(std::move(value));
    }
  }
}

}  // namespace crdt::detail
