// AnyDocument and DocumentType: the type-erased face of a CRDT document, so that the compiled
// core of the store (and the sync engine) can load, merge, encode and diff documents whose C++
// type it does not know, while the typed API stays header templates.
//
// DocumentTypeOf<T> implements them for any Serializable delta CRDT T; document_type<T>() is its
// one instance. The tag of a type is serialization::TypeTag<T>::name(), the name every stored frame
// carries, so a frame is never merged into a document of another type.
//
// Serialization: this header includes crdt/serialization/all.hpp, the serialization of every type
// of the library, so a program that includes a type's header and the store's or the node's
// (which include this one) can store, read and sync that type, whatever the order of the
// includes. A type of your own needs, declared before the code that stores it, a specialization
// of crdt::serialization::TypeTag<T> with a stable name() and a serialize(Archive&, T&, unsigned)
// found by argument-dependent lookup (or a member serialize(Archive&, unsigned)); see
// crdt/serialization/serializable.hpp and docs/serialization.md. A type without them fails to
// compile with a static_assert naming what is missing (detail::RequireSerializable). To merge it
// from peers, a store also needs it registered (Store::register_type<T>()).
//
// Removal (Store::remove): a type that can cancel everything it observed does so with a real
// delta (ORSet, MVRegister and ORMap clear(), CausalCounter reset(), Text erases its visible
// text): concurrent updates the remover had not seen survive, and merging old content again does
// not bring it back because its dots are in the context. A type without such an operation
// (PNCounter, BoundedCounter, LWWRegister) cannot forget by merging; the store keeps the state it
// observed as a baseline instead (see Store::removed_baseline).
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "crdt/causal/replica_id.hpp"
#include "crdt/causal/version_vector.hpp"
#include "crdt/dotted.hpp"
#include "crdt/serialization/all.hpp"
#include "crdt/serialization/codec.hpp"
#include "crdt/serialization/serializable.hpp"
#include "crdt/serialization/type_tag.hpp"

namespace crdt::persist {

class DocumentType;

class AnyDocument {
 public:
  virtual ~AnyDocument() = default;

  virtual const DocumentType& type() const = 0;
  virtual std::unique_ptr<AnyDocument> clone() const = 0;
  virtual std::vector<std::uint8_t> encode() const = 0;

  // Decodes a frame of this type and merges it. Returns whether the state changed, or nullopt
  // (nothing merged) when the frame does not decode; then `error` says why.
  virtual std::optional<bool> merge_frame(std::span<const std::uint8_t> frame,
                                          std::size_t max_bytes, std::string& error) = 0;

  virtual VersionVector context() const = 0;
  // Every event this state knows of, whether its own delta arrived or it is known only as
  // cancelled (a dotted type's causal context; context() for the others): what a removal that
  // left this state observed.
  virtual VersionVector causal_context() const = 0;
  // Whether `other` is a document of the same type in the same state (the type's operator==:
  // what replicas must agree on, leaving out local bookkeeping such as a Lamport clock).
  virtual bool same_state(const AnyDocument& other) const = 0;
  virtual std::vector<std::uint8_t> delta_since(const VersionVector& known) const = 0;
  // Whether there is anything to show: a removed document whose content stayed cancelled has none.
  virtual bool has_content() const = 0;

  // Cancels every event observed here, applies that locally and returns the frame of the delta
  // (empty when there was nothing to cancel); nullopt when the type cannot (see the top).
  virtual std::optional<std::vector<std::uint8_t>> remove_observed(ReplicaId replica) = 0;
};

class DocumentType {
 public:
  virtual ~DocumentType() = default;

  virtual const std::string& tag() const = 0;
  virtual std::unique_ptr<AnyDocument> create() const = 0;  // bottom
  // nullptr when the frame does not decode; then `error` says why.
  virtual std::unique_ptr<AnyDocument> decode(std::span<const std::uint8_t> frame,
                                              std::size_t max_bytes, std::string& error) const = 0;
};

namespace detail {

// What tells whether a merge changed a state: every state change issues an event, so it shows in
// the context. Dotted types also keep the dots they know only as cancelled, which a delta that
// arrives out of causal order may add without completing anything.
template <class T>
auto change_marker(const T& value) {
  if constexpr (DottedCrdt<T>) {
    return std::pair(value.state().causal(), value.state().complete());
  } else {
    return value.context();
  }
}

template <class T>
concept Clearable = requires(T value, ReplicaId replica) {
  { value.clear(replica) } -> std::same_as<T>;
};
template <class T>
concept Resettable = requires(T value, ReplicaId replica) {
  { value.reset(replica) } -> std::same_as<T>;
};
template <class T>
concept Erasable = requires(T value, ReplicaId replica, std::size_t n) {
  { value.erase(replica, n, n) } -> std::same_as<T>;
  { value.size() } -> std::convertible_to<std::size_t>;
};

// Instantiated first by DocumentOf<T> and DocumentTypeOf<T>, so a type without serialization
// fails here with a message that says what to add (see the top), not deep inside the codec.
template <class T>
struct RequireSerializable {
  static_assert(serialization::HasTypeTag<T>,
                "crdt::persist: this type has no crdt::serialization::TypeTag<T>, so it cannot be "
                "stored or synced. The library's types get theirs from "
                "<crdt/serialization/all.hpp>, which <crdt/persist/store.hpp> and "
                "<crdt/sync/node.hpp> include; for a type of your own, specialize "
                "crdt::serialization::TypeTag<T> with a stable static name() before the code "
                "that stores it (see crdt/persist/document_type.hpp)");
  static_assert(serialization::Archivable<T>,
                "crdt::persist: this type has no serialize(), so it cannot be stored or synced. "
                "Give it a serialize(Archive&, T&, unsigned) found by argument-dependent lookup, "
                "or a member serialize(Archive&, unsigned), declared before the code that stores "
                "it (see crdt/serialization/serializable.hpp and docs/serialization.md)");
  static_assert(std::default_initializable<T> && std::movable<T>,
                "crdt::persist: a stored type must be default-constructible (bottom) and movable");
};

}  // namespace detail

template <class T>
class DocumentOf final : public AnyDocument {
  static_assert(sizeof(detail::RequireSerializable<T>) > 0);

 public:
  DocumentOf() = default;
  explicit DocumentOf(T value) : value_(std::move(value)) {}

  T& value() { return value_; }
  const T& value() const { return value_; }

  const DocumentType& type() const override;
  std::unique_ptr<AnyDocument> clone() const override {
    return std::make_unique<DocumentOf>(value_);
  }
  std::vector<std::uint8_t> encode() const override { return serialization::encode(value_); }

  std::optional<bool> merge_frame(std::span<const std::uint8_t> frame, std::size_t max_bytes,
                                  std::string& error) override {
    auto delta = serialization::decode<T>(frame, max_bytes);
    if (!delta) {
      error = std::string(delta.message());
      return std::nullopt;
    }
    if (delta.value().empty()) return false;
    const auto before = detail::change_marker(value_);
    value_.merge(delta.value());
    return !(detail::change_marker(value_) == before);
  }

  VersionVector context() const override { return value_.context(); }
  VersionVector causal_context() const override {
    if constexpr (DottedCrdt<T>) {
      return value_.state().causal();
    } else {
      return value_.context();
    }
  }
  bool same_state(const AnyDocument& other) const override {
    const auto* typed = dynamic_cast<const DocumentOf*>(&other);
    return typed != nullptr && typed->value_ == value_;
  }
  std::vector<std::uint8_t> delta_since(const VersionVector& known) const override {
    return serialization::encode(value_.delta_since(known));
  }

  bool has_content() const override {
    if constexpr (DottedCrdt<T>) {
      return !store_empty(value_.store());
    } else if constexpr (detail::Erasable<T>) {
      return value_.size() > 0;
    } else {
      return !value_.empty();
    }
  }

  std::optional<std::vector<std::uint8_t>> remove_observed(ReplicaId replica) override {
    T delta;
    if constexpr (detail::Clearable<T>) {
      delta = value_.clear(replica);
    } else if constexpr (detail::Resettable<T>) {
      delta = value_.reset(replica);
    } else if constexpr (detail::Erasable<T>) {
      delta = value_.erase(replica, 0, value_.size());
    } else {
      return std::nullopt;
    }
    if (delta.empty()) return std::vector<std::uint8_t>{};
    return serialization::encode(delta);
  }

 private:
  T value_;
};

template <class T>
class DocumentTypeOf final : public DocumentType {
  static_assert(sizeof(detail::RequireSerializable<T>) > 0);

 public:
  DocumentTypeOf() : tag_(serialization::TypeTag<T>::name()) {}

  const std::string& tag() const override { return tag_; }
  std::unique_ptr<AnyDocument> create() const override { return std::make_unique<DocumentOf<T>>(); }
  std::unique_ptr<AnyDocument> decode(std::span<const std::uint8_t> frame, std::size_t max_bytes,
                                      std::string& error) const override {
    auto value = serialization::decode<T>(frame, max_bytes);
    if (!value) {
      error = std::string(value.message());
      return nullptr;
    }
    return std::make_unique<DocumentOf<T>>(std::move(value).value());
  }

 private:
  std::string tag_;
};

// The one DocumentType of T.
template <class T>
const DocumentType& document_type() {
  static const DocumentTypeOf<T> instance;
  return instance;
}

template <class T>
const DocumentType& DocumentOf<T>::type() const {
  return document_type<T>();
}

}  // namespace crdt::persist
