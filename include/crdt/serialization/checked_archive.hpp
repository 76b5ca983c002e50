// CheckedOutputArchive / CheckedInputArchive: the project's portable binary archive pair.
//
// They model Boost.Serialization's Saving and Loading Archive concepts directly (not through
// common_oarchive/common_iarchive), so any type with a Boost-style `serialize(Archive&, T&,
// unsigned)` (non-intrusive, found by ADL, or a member) works, while none of Boost's runtime
// machinery takes part: no archive header, no class ids, no versions, no object tracking, no
// pointers. The bytes are the same on every platform, and the input side checks every length
// before it allocates, so untrusted bytes can be loaded safely.
//
// Encoding (every value is written in full, in declaration order, nothing between values):
//   varint          := LEB128 of an unsigned 64-bit value, 1..10 bytes, canonical (no trailing
//                      0x00 group, the 10th byte is 0 or 1)
//   unsigned int    := varint                              (uint16/32/64, and wider chars)
//   signed int      := varint(zigzag(v))                   zigzag(v) = (v << 1) ^ (v >> 63)
//   8-bit type      := 1 raw byte                          (char, signed/unsigned char, std::byte)
//   bool            := 0x00 | 0x01
//   enum            := its underlying integer
//   float, double   := IEEE-754 bits, 4 or 8 bytes little-endian
//   Fixed<uint64>   := 8 bytes little-endian               (random ids, see fixed())
//   string          := count byte*count                    (count = number of characters)
//   vector, set     := count element*count                 (sets strictly ascending)
//   map             := count (key value)*count             (keys strictly ascending)
//   array<T, N>     := element*N
//   pair            := first second
//   optional        := 0x00 | 0x01 value
//   class type      := whatever its serialize() writes, with no framing around it
//   count           := varint; the input side refuses a count larger than the bytes left,
//                      since every element encodes to at least one byte (the output side
//                      enforces that), before anything is allocated
// Boost's own collection serializers (for containers this archive does not handle itself, such
// as std::list) also work: collection_size_type is a checked count, item_version_type and
// library versions are not written.
//
// Loading throws DecodeFailure (decode_error.hpp) on any problem; codec.hpp turns it into a value.
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

// Boost 1.74's set.hpp and list.hpp need library_version_type.hpp and do not include it: including
// it here lets them follow this header.
#include <boost/core/nvp.hpp>
#include <boost/mpl/bool.hpp>
#include <boost/serialization/collection_size_type.hpp>
#include <boost/serialization/item_version_type.hpp>
#include <boost/serialization/library_version_type.hpp>
#include <boost/serialization/serialization.hpp>
#include <boost/serialization/wrapper.hpp>

#include "crdt/serialization/decode_error.hpp"

namespace crdt::serialization {

// Passes each value to the archive in order, `ar & a & b & ...`, for serialize() functions; a call
// rather than the bare expression, which formatting tools mistake for a declaration.
template <class Archive, class... Values>
void fields(Archive& ar, Values&&... values) {
  (ar & ... & values);
}

// Marks an unsigned integer to be written as fixed-width little-endian bytes instead of a varint:
// smaller for values that are random over their whole range, such as replica ids.
template <class T>
class Fixed {
  static_assert(std::is_unsigned_v<T> && !std::is_same_v<T, bool>);

 public:
  explicit Fixed(T& value) : value_(&value) {}
  T& value() const { return *value_; }

  // Any other Boost archive writes the plain integer.
  template <class Archive>
  void serialize(Archive& ar, const unsigned int) const {
    fields(ar, *value_);
  }

 private:
  T* value_;
};

template <class T>
const Fixed<T> fixed(T& value) {
  return Fixed<T>(value);
}

}  // namespace crdt::serialization

// Lets Boost's own archives load a Fixed temporary, as they do an nvp.
template <class T>
struct boost::serialization::is_wrapper<crdt::serialization::Fixed<T>> : boost::mpl::true_ {};

namespace crdt::serialization {

namespace detail {

template <class T, template <class...> class Template>
struct IsSpecialization : std::false_type {};
template <template <class...> class Template, class... Args>
struct IsSpecialization<Template<Args...>, Template> : std::true_type {};
template <class T, template <class...> class Template>
inline constexpr bool kIsSpecialization = IsSpecialization<T, Template>::value;

template <class T>
struct IsStdArray : std::false_type {};
template <class T, std::size_t N>
struct IsStdArray<std::array<T, N>> : std::true_type {};

template <class T>
inline constexpr bool kIsByte =
    std::is_same_v<T, char> || std::is_same_v<T, signed char> || std::is_same_v<T, unsigned char> ||
    std::is_same_v<T, char8_t> || std::is_same_v<T, std::byte>;

template <class T>
inline constexpr bool kIsVarint =
    std::is_integral_v<T> && !std::is_same_v<T, bool> && !kIsByte<T> && sizeof(T) <= 8;

template <class T>
inline constexpr bool kIsNvp = kIsSpecialization<T, boost::serialization::nvp>;

template <class T>
inline constexpr bool kIsFixed = kIsSpecialization<T, Fixed>;

template <class>
inline constexpr bool kAlwaysFalse = false;

// Reserving for a declared count is capped: the count is checked against the bytes left, but an
// element may be much larger in memory than its one-byte minimum encoding.
inline constexpr std::size_t kMaxReserveBytes = std::size_t{1} << 20;

template <class T>
std::size_t reserve_for(std::size_t count) {
  const std::size_t cap = kMaxReserveBytes / sizeof(T);
  return count < cap ? count : cap;
}

inline std::uint64_t zigzag(std::int64_t v) {
  return (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63);
}
inline std::int64_t unzigzag(std::uint64_t u) {
  return static_cast<std::int64_t>((u >> 1) ^ (~(u & 1) + 1));
}

}  // namespace detail

class CheckedOutputArchive {
 public:
  using is_saving = boost::mpl::true_;
  using is_loading = boost::mpl::false_;

  // Appends to `out`; nothing is written before the first value.
  explicit CheckedOutputArchive(std::vector<std::uint8_t>& out) : out_(&out) {}

  template <class T>
  CheckedOutputArchive& operator<<(const T& value) {
    save(value);
    return *this;
  }
  template <class T>
  CheckedOutputArchive& operator&(const T& value) {
    save(value);
    return *this;
  }

  void save_binary(const void* data, std::size_t size) {
    const auto* bytes = static_cast<const std::uint8_t*>(data);
    out_->insert(out_->end(), bytes, bytes + size);
  }

  // The archive writes no pointers, so there is nothing to register.
  template <class T>
  void register_type(const T* = nullptr) {}

  // Greater than 3, so Boost's collection serializers write an item version, which this archive
  // drops (item_version_type encodes to nothing).
  boost::serialization::library_version_type get_library_version() const {
    return boost::serialization::library_version_type(kLibraryVersion);
  }

  void write_byte(std::uint8_t byte) { out_->push_back(byte); }

  void write_varint(std::uint64_t value) {
    while (value >= 0x80) {
      out_->push_back(static_cast<std::uint8_t>(value | 0x80));
      value >>= 7;
    }
    out_->push_back(static_cast<std::uint8_t>(value));
  }

  void write_signed_varint(std::int64_t value) { write_varint(detail::zigzag(value)); }

  template <class U>
  void write_fixed(U value) {
    static_assert(std::is_unsigned_v<U>);
    for (std::size_t i = 0; i < sizeof(U); ++i) {
      out_->push_back(static_cast<std::uint8_t>(value >> (8 * i)));
    }
  }

  // Bytes in the output buffer, including what was there before this archive.
  std::size_t size() const { return out_->size(); }

 private:
  static constexpr unsigned kLibraryVersion = 18;

  template <class T>
  void save(const T& value) {
    using U = std::remove_cv_t<T>;
    static_assert(!std::is_pointer_v<U>,
                  "pointers are not serializable: the archive tracks no "
                  "objects");
    if constexpr (std::is_same_v<U, bool>) {
      write_byte(value ? 1 : 0);
    } else if constexpr (detail::kIsByte<U>) {
      write_byte(static_cast<std::uint8_t>(value));
    } else if constexpr (detail::kIsVarint<U>) {
      if constexpr (std::is_signed_v<U>) {
        write_signed_varint(static_cast<std::int64_t>(value));
      } else {
        write_varint(static_cast<std::uint64_t>(value));
      }
    } else if constexpr (std::is_enum_v<U>) {
      save(static_cast<std::underlying_type_t<U>>(value));
    } else if constexpr (std::is_same_v<U, float>) {
      write_fixed(std::bit_cast<std::uint32_t>(value));
    } else if constexpr (std::is_same_v<U, double>) {
      write_fixed(std::bit_cast<std::uint64_t>(value));
    } else if constexpr (std::is_floating_point_v<U>) {
      static_assert(detail::kAlwaysFalse<U>, "long double has no portable representation");
    } else if constexpr (detail::kIsNvp<U>) {
      save(value.const_value());
    } else if constexpr (detail::kIsFixed<U>) {
      write_fixed(value.value());
    } else if constexpr (std::is_same_v<U, boost::serialization::collection_size_type>) {
      write_varint(static_cast<std::size_t>(value));
    } else if constexpr (std::is_same_v<U, boost::serialization::item_version_type> ||
                         std::is_same_v<U, boost::serialization::library_version_type>) {
    } else if constexpr (detail::kIsSpecialization<U, std::basic_string> ||
                         detail::kIsSpecialization<U, std::vector> ||
                         detail::kIsSpecialization<U, std::set>) {
      save_sequence(value);
    } else if constexpr (detail::kIsSpecialization<U, std::map>) {
      write_varint(value.size());
      const std::size_t start = size();
      for (const auto& [key, mapped] : value) {
        save(key);
        save(mapped);
      }
      check_min_size(start, value.size());
    } else if constexpr (detail::IsStdArray<U>::value) {
      for (const auto& element : value) save(element);
    } else if constexpr (detail::kIsSpecialization<U, std::pair>) {
      save(value.first);
      save(value.second);
    } else if constexpr (detail::kIsSpecialization<U, std::optional>) {
      write_byte(value.has_value() ? 1 : 0);
      if (value.has_value()) save(*value);
    } else if constexpr (std::is_class_v<U>) {
      // Boost's saving archives hand serialize() a non-const reference too; it only reads.
      boost::serialization::serialize_adl(*this, const_cast<U&>(value), 0u);
    } else {
      static_assert(detail::kAlwaysFalse<U>, "type not supported by CheckedOutputArchive");
    }
  }

  template <class C>
  void save_sequence(const C& sequence) {
    using Element = typename C::value_type;
    write_varint(sequence.size());
    if constexpr (detail::kIsByte<Element> && !detail::kIsSpecialization<C, std::set>) {
      save_binary(sequence.data(), sequence.size());
    } else {
      const std::size_t start = size();
      for (const auto& element : sequence) save(static_cast<const Element&>(element));
      check_min_size(start, sequence.size());
    }
  }

  // The input side refuses a count larger than the bytes left; an element type that encodes to
  // nothing would make that refusal wrong, so it is refused here instead.
  void check_min_size(std::size_t start, std::size_t count) const {
    if (size() - start < count) {
      throw std::length_error("crdt::serialization: collection elements must encode to bytes");
    }
  }

  std::vector<std::uint8_t>* out_;
};

class CheckedInputArchive {
 public:
  using is_saving = boost::mpl::false_;
  using is_loading = boost::mpl::true_;

  // Reads from `in`, which must outlive the archive.
  explicit CheckedInputArchive(std::span<const std::uint8_t> in) : in_(in) {}

  template <class T>
  CheckedInputArchive& operator>>(T& value) {
    load(value);
    return *this;
  }
  template <class T>
  CheckedInputArchive& operator&(T& value) {
    load(value);
    return *this;
  }

  void load_binary(void* data, std::size_t size) {
    need(size);
    if (size > 0) std::memcpy(data, in_.data() + position_, size);
    position_ += size;
  }

  template <class T>
  void register_type(const T* = nullptr) {}
  void reset_object_address(const void*, const void*) {}
  void delete_created_pointers() {}

  boost::serialization::library_version_type get_library_version() const {
    return boost::serialization::library_version_type(kLibraryVersion);
  }

  std::size_t position() const { return position_; }
  std::size_t remaining() const { return in_.size() - position_; }
  bool at_end() const { return position_ == in_.size(); }

  [[noreturn]] void fail(DecodeError code, const std::string& what) const {
    throw DecodeFailure(code, position_, what + " at byte " + std::to_string(position_));
  }

  std::uint8_t read_byte() {
    need(1);
    return in_[position_++];
  }

  std::uint64_t read_varint() {
    std::uint64_t value = 0;
    for (int i = 0;; ++i) {
      const std::uint8_t byte = read_byte();
      if (i == 9 && byte > 1) fail(DecodeError::malformed, "varint longer than 64 bits");
      value |= static_cast<std::uint64_t>(byte & 0x7F) << (7 * i);
      if ((byte & 0x80) == 0) {
        if (byte == 0 && i > 0) fail(DecodeError::malformed, "non-canonical varint");
        return value;
      }
    }
  }

  std::int64_t read_signed_varint() { return detail::unzigzag(read_varint()); }

  template <class U>
  U read_fixed() {
    static_assert(std::is_unsigned_v<U>);
    need(sizeof(U));
    U value = 0;
    for (std::size_t i = 0; i < sizeof(U); ++i) {
      value = static_cast<U>(value | static_cast<U>(static_cast<U>(in_[position_ + i]) << (8 * i)));
    }
    position_ += sizeof(U);
    return value;
  }

  // A collection's element count: refused, before anything is allocated, when it exceeds the
  // bytes left (every element takes at least one byte).
  std::size_t read_count() {
    const std::uint64_t count = read_varint();
    if (count > remaining()) {
      fail(DecodeError::truncated, "declared count " + std::to_string(count) + " exceeds the " +
                                       std::to_string(remaining()) + " bytes left");
    }
    return static_cast<std::size_t>(count);
  }

 private:
  static constexpr unsigned kLibraryVersion = 18;

  void need(std::size_t size) const {
    if (size > remaining()) {
      fail(DecodeError::truncated, "input ends: " + std::to_string(size) + " bytes needed, " +
                                       std::to_string(remaining()) + " left");
    }
  }

  template <class T>
  void load(T& value) {
    using U = std::remove_const_t<T>;
    static_assert(!std::is_pointer_v<U>,
                  "pointers are not serializable: the archive tracks no "
                  "objects");
    if constexpr (detail::kIsNvp<U>) {
      load(value.value());
    } else if constexpr (detail::kIsFixed<U>) {
      value.value() = read_fixed<std::remove_cvref_t<decltype(value.value())>>();
    } else if constexpr (std::is_const_v<T>) {
      // Only wrappers (Boost's array_wrapper and the like) arrive as const temporaries.
      static_assert(boost::serialization::is_wrapper<U>::value, "cannot load into a const object");
      boost::serialization::serialize_adl(*this, const_cast<U&>(value), 0u);
    } else if constexpr (std::is_same_v<U, bool>) {
      const std::uint8_t byte = read_byte();
      if (byte > 1) fail(DecodeError::malformed, "bool is neither 0 nor 1");
      value = byte == 1;
    } else if constexpr (detail::kIsByte<U>) {
      value = static_cast<U>(read_byte());
    } else if constexpr (detail::kIsVarint<U>) {
      if constexpr (std::is_signed_v<U>) {
        const std::int64_t v = read_signed_varint();
        if (v < std::numeric_limits<U>::min() || v > std::numeric_limits<U>::max()) {
          fail(DecodeError::malformed, "integer out of range");
        }
        value = static_cast<U>(v);
      } else {
        const std::uint64_t v = read_varint();
        if (v > std::numeric_limits<U>::max()) fail(DecodeError::malformed, "integer out of range");
        value = static_cast<U>(v);
      }
    } else if constexpr (std::is_enum_v<U>) {
      std::underlying_type_t<U> raw{};
      load(raw);
      value = static_cast<U>(raw);
    } else if constexpr (std::is_same_v<U, float>) {
      value = std::bit_cast<float>(read_fixed<std::uint32_t>());
    } else if constexpr (std::is_same_v<U, double>) {
      value = std::bit_cast<double>(read_fixed<std::uint64_t>());
    } else if constexpr (std::is_floating_point_v<U>) {
      static_assert(detail::kAlwaysFalse<U>, "long double has no portable representation");
    } else if constexpr (std::is_same_v<U, boost::serialization::collection_size_type>) {
      value = boost::serialization::collection_size_type(read_count());
    } else if constexpr (std::is_same_v<U, boost::serialization::item_version_type>) {
      value = boost::serialization::item_version_type(0);
    } else if constexpr (std::is_same_v<U, boost::serialization::library_version_type>) {
      value = get_library_version();
    } else if constexpr (detail::kIsSpecialization<U, std::basic_string> ||
                         detail::kIsSpecialization<U, std::vector>) {
      load_sequence(value);
    } else if constexpr (detail::kIsSpecialization<U, std::set>) {
      const std::size_t count = read_count();
      value.clear();
      for (std::size_t i = 0; i < count; ++i) {
        typename U::value_type element{};
        load(element);
        if (!value.empty() && !value.key_comp()(*std::prev(value.end()), element)) {
          fail(DecodeError::malformed, "set elements not strictly ascending");
        }
        value.emplace_hint(value.end(), std::move(element));
      }
    } else if constexpr (detail::kIsSpecialization<U, std::map>) {
      const std::size_t count = read_count();
      value.clear();
      for (std::size_t i = 0; i < count; ++i) {
        typename U::key_type key{};
        load(key);
        if (!value.empty() && !value.key_comp()(std::prev(value.end())->first, key)) {
          fail(DecodeError::malformed, "map keys not strictly ascending");
        }
        typename U::mapped_type mapped{};
        load(mapped);
        value.emplace_hint(value.end(), std::move(key), std::move(mapped));
      }
    } else if constexpr (detail::IsStdArray<U>::value) {
      for (auto& element : value) load(element);
    } else if constexpr (detail::kIsSpecialization<U, std::pair>) {
      load(value.first);
      load(value.second);
    } else if constexpr (detail::kIsSpecialization<U, std::optional>) {
      bool present = false;
      load(present);
      if (present) {
        typename U::value_type inner{};
        load(inner);
        value = std::move(inner);
      } else {
        value.reset();
      }
    } else if constexpr (std::is_class_v<U>) {
      boost::serialization::serialize_adl(*this, value, 0u);
    } else {
      static_assert(detail::kAlwaysFalse<U>, "type not supported by CheckedInputArchive");
    }
  }

  template <class C>
  void load_sequence(C& sequence) {
    using Element = typename C::value_type;
    const std::size_t count = read_count();
    sequence.clear();
    if constexpr (detail::kIsByte<Element>) {
      sequence.resize(count);
      load_binary(sequence.data(), count);
    } else {
      sequence.reserve(detail::reserve_for<Element>(count));
      for (std::size_t i = 0; i < count; ++i) {
        Element element{};
        load(element);
        sequence.push_back(std::move(element));
      }
    }
  }

  std::span<const std::uint8_t> in_;
  std::size_t position_ = 0;
};

namespace detail {

// Throws DecodeFailure(malformed); with another Boost archive the exception has no position.
template <class Archive>
[[noreturn]] void fail_malformed(Archive& ar, const std::string& what) {
  if constexpr (std::is_same_v<Archive, CheckedInputArchive>) {
    ar.fail(DecodeError::malformed, what);
  } else {
    throw DecodeFailure(DecodeError::malformed, 0, what);
  }
}

// Fails the load when a decoded state breaks its invariants (`ok` is its well_formed()).
template <class Archive>
void require_well_formed(Archive& ar, bool ok, const char* type) {
  if constexpr (Archive::is_loading::value) {
    if (!ok) fail_malformed(ar, std::string("ill-formed ") + type);
  }
}

// Writes or reads a std::map exactly as the archive writes one (count, then key and value per
// entry, keys strictly ascending), for a mapped type that has no serialize() of its own: a type
// nested in a class template, whose template arguments ADL cannot deduce. `mapped_fields(ar,
// mapped)` handles one mapped value.
template <class Archive, class Map, class Mapped>
void serialize_map_with(Archive& ar, Map& map, Mapped&& mapped_fields) {
  if constexpr (Archive::is_saving::value) {
    fields(ar, boost::serialization::collection_size_type(map.size()));
    for (auto& [key, mapped] : map) {
      fields(ar, key);
      mapped_fields(ar, mapped);
    }
  } else {
    boost::serialization::collection_size_type loaded;
    fields(ar, loaded);
    const std::size_t count = std::as_const(loaded);
    map.clear();
    for (std::size_t i = 0; i < count; ++i) {
      typename Map::key_type key{};
      fields(ar, key);
      if (!map.empty() && !map.key_comp()(std::prev(map.end())->first, key)) {
        fail_malformed(ar, "map keys not strictly ascending");
      }
      typename Map::mapped_type mapped{};
      mapped_fields(ar, mapped);
      map.emplace_hint(map.end(), std::move(key), std::move(mapped));
    }
  }
}

}  // namespace detail

}  // namespace crdt::serialization
