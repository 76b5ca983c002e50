// Properties of the serialization layer, for every type:
// - states reached by random operations on 2-3 replicas (with full-state and out-of-order delta
//   merges), their deltas and their delta_since answers round-trip exactly, and re-encode to the
//   same bytes;
// - decode<T> is total: on random bodies, on every truncation and on single-bit flips of valid
//   frames it returns an error, or a value that is well_formed() and re-encodes to exactly the
//   input (the encoding is canonical, so no two frames decode to one value).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>
#include <rapidcheck.h>
#include <rapidcheck/catch.h>

#include <crdt/serialization/all.hpp>

namespace {

using crdt::BasicBoundedCounter;
using crdt::CausalCounter;
using crdt::Dot;
using crdt::HybridLogicalClock;
using crdt::LWWRegister;
using crdt::MVRegister;
using crdt::ORMap;
using crdt::ORSet;
using crdt::PNCounter;
using crdt::ReplicaId;
using crdt::VersionVector;
using crdt::serialization::decode;
using crdt::serialization::DecodeError;
using crdt::serialization::encode;
using crdt::serialization::TypeTag;
using Bytes = std::vector<std::uint8_t>;

// The replicas of one history: their ids (large ones too, to exercise all 8 bytes) and clocks
// that read a physical time the history sets, so a failing seed replays exactly.
class Env {
 public:
  explicit Env(std::size_t replicas) {
    for (std::size_t i = 0; i < replicas; ++i) {
      ids_.emplace_back(i == 0 ? 1 : (i + 1) * 0x9e3779b97f4a7c15);
      clocks_.emplace_back([this, i] { return wall_ms_[i]; });
    }
  }
  Env(const Env&) = delete;
  Env& operator=(const Env&) = delete;

  std::size_t size() const { return ids_.size(); }
  ReplicaId id(std::size_t i) const { return ids_[i]; }
  HybridLogicalClock& clock(std::size_t i) {
    wall_ms_[i] += *rc::gen::inRange<std::uint64_t>(0, 3);  // may stand still
    return clocks_[i];
  }

 private:
  std::vector<ReplicaId> ids_;
  std::uint64_t wall_ms_[3] = {1000, 1000, 1000};
  std::vector<HybridLogicalClock> clocks_;
};

std::string draw_word() {
  return *rc::gen::weightedOneOf<std::string>(
      {{6, rc::gen::elementOf(std::vector<std::string>{"a", "b", "c", ""})},
       {1, rc::gen::arbitrary<std::string>()}});
}

std::int64_t draw_amount() {
  return *rc::gen::weightedOneOf<std::int64_t>(
      {{6, rc::gen::inRange<std::int64_t>(-5, 6)}, {1, rc::gen::arbitrary<std::int64_t>()}});
}

std::uint64_t draw_count() {
  return *rc::gen::weightedOneOf<std::uint64_t>(
      {{6, rc::gen::inRange<std::uint64_t>(0, 20)}, {1, rc::gen::arbitrary<std::uint64_t>()}});
}

// One "ops" struct per type: `mutate` applies a random operation of replica `who` and returns its
// delta, or nullopt when the operation was refused (an overflow, no rights).
template <class Element>
Element draw_element() {
  if constexpr (std::is_same_v<Element, std::string>) {
    return draw_word();
  } else {
    return *rc::gen::weightedOneOf<Element>(
        {{4, rc::gen::inRange<Element>(0, 4)}, {1, rc::gen::arbitrary<Element>()}});
  }
}

template <class Element>
struct ORSetOps {
  using Type = ORSet<Element>;
  static std::optional<Type> mutate(Type& s, std::size_t who, Env& env) {
    switch (*rc::gen::inRange(0, 6)) {
      case 0:
      case 1:
      case 2:
        return s.add(env.id(who), draw_element<Element>());
      case 3:
      case 4:
        return s.remove(env.id(who), draw_element<Element>());
      default:
        return s.clear(env.id(who));
    }
  }
};

template <class Value>
struct MVRegisterOps {
  using Type = MVRegister<Value>;
  static std::optional<Type> mutate(Type& r, std::size_t who, Env& env) {
    if (*rc::gen::inRange(0, 5) == 0) return r.clear(env.id(who));
    return r.write(env.id(who), draw_element<Value>());
  }
};

std::optional<CausalCounter> mutate_counter(CausalCounter& c, ReplicaId id) {
  try {
    switch (*rc::gen::inRange(0, 5)) {
      case 0:
        return c.reset(id);
      case 1:
        return c.decrement(id, draw_amount());
      default:
        return c.increment(id, draw_amount());
    }
  } catch (const std::overflow_error&) {
    return std::nullopt;
  }
}

struct CausalCounterOps {
  using Type = CausalCounter;
  static std::optional<Type> mutate(Type& c, std::size_t who, Env& env) {
    return mutate_counter(c, env.id(who));
  }
};

struct CartOps {
  using Type = ORMap<std::string, CausalCounter>;
  static std::optional<Type> mutate(Type& m, std::size_t who, Env& env) {
    const ReplicaId id = env.id(who);
    switch (*rc::gen::inRange(0, 6)) {
      case 0:
        return m.remove(id, draw_word());
      case 1:
        return m.clear(id);
      default:
        try {
          return m.update(id, draw_word(), [id](CausalCounter& c) {
            auto delta = mutate_counter(c, id);
            if (!delta) throw std::overflow_error("refused");
            return *delta;
          });
        } catch (const std::overflow_error&) {
          return std::nullopt;
        }
    }
  }
};

struct TagsOps {
  using Type = ORMap<std::string, ORSet<std::string>>;
  static std::optional<Type> mutate(Type& m, std::size_t who, Env& env) {
    const ReplicaId id = env.id(who);
    switch (*rc::gen::inRange(0, 5)) {
      case 0:
        return m.remove(id, draw_word());
      default: {
        const std::string element = draw_word();
        const bool add = *rc::gen::inRange(0, 3) > 0;
        return m.update(id, draw_word(), [&](ORSet<std::string>& s) {
          return add ? s.add(id, element) : s.remove(id, element);
        });
      }
    }
  }
};

struct DocumentOps {
  using Inner = ORMap<std::string, MVRegister<std::string>>;
  using Type = ORMap<std::uint64_t, Inner>;
  static std::optional<Type> mutate(Type& m, std::size_t who, Env& env) {
    const ReplicaId id = env.id(who);
    const std::uint64_t row = *rc::gen::inRange<std::uint64_t>(0, 4);
    switch (*rc::gen::inRange(0, 6)) {
      case 0:
        return m.remove(id, row);
      case 1:
        return m.update(id, row, [&](Inner& inner) { return inner.remove(id, draw_word()); });
      default: {
        const std::string field = draw_word();
        const std::string value = draw_word();
        return m.update(id, row, [&](Inner& inner) {
          return inner.update(id, field,
                              [&](MVRegister<std::string>& r) { return r.write(id, value); });
        });
      }
    }
  }
};

struct PNCounterOps {
  using Type = PNCounter;
  static std::optional<Type> mutate(Type& c, std::size_t who, Env& env) {
    try {
      if (*rc::gen::inRange(0, 2) == 0) return c.increment(env.id(who), draw_count());
      return c.decrement(env.id(who), draw_count());
    } catch (const std::overflow_error&) {
      return std::nullopt;
    }
  }
};

template <class Value>
struct LWWRegisterOps {
  using Type = LWWRegister<Value>;
  static std::optional<Type> mutate(Type& r, std::size_t who, Env& env) {
    return r.set(env.id(who), env.clock(who), draw_element<Value>());
  }
};

template <std::int64_t Floor>
struct BoundedCounterOps {
  using Type = BasicBoundedCounter<Floor>;
  static std::optional<Type> mutate(Type& c, std::size_t who, Env& env) {
    try {
      switch (*rc::gen::inRange(0, 3)) {
        case 0:
          return c.increment(env.id(who), draw_count());
        case 1:
          return c.decrement(env.id(who), draw_count());
        default:
          return c.transfer(env.id(who), env.id(*rc::gen::inRange<std::size_t>(0, env.size())),
                            draw_count());
      }
    } catch (const std::overflow_error&) {
      return std::nullopt;
    }
  }
};

struct VersionVectorOps {
  using Type = VersionVector;
  static std::optional<Type> mutate(Type& v, std::size_t who, Env& env) {
    const std::uint64_t lo = *rc::gen::inRange<std::uint64_t>(1, 40);
    const std::uint64_t hi = lo + *rc::gen::inRange<std::uint64_t>(0, 3);
    VersionVector delta;
    delta.add_range(env.id(who), lo, hi);
    v.merge(delta);
    return delta;
  }
};

// What a history leaves behind: one replica's state, the deltas issued, and the other replicas.
template <class T>
struct History {
  std::vector<T> replicas;
  std::vector<T> deltas;
};

template <class Ops>
History<typename Ops::Type> random_history() {
  using T = typename Ops::Type;
  const std::size_t n = *rc::gen::inRange<std::size_t>(2, 4);
  Env env(n);
  History<T> history;
  history.replicas.resize(n);
  const int steps = *rc::gen::inRange(0, 30);
  for (int step = 0; step < steps; ++step) {
    const std::size_t who = *rc::gen::inRange<std::size_t>(0, n);
    const int action = *rc::gen::inRange(0, 10);
    if (action < 6) {
      std::optional<T> delta = Ops::mutate(history.replicas[who], who, env);
      if (delta) history.deltas.push_back(std::move(*delta));
    } else if (action < 8) {
      history.replicas[who].merge(history.replicas[*rc::gen::inRange<std::size_t>(0, n)]);
    } else if (!history.deltas.empty()) {
      // Any delta, in any order: contexts with gaps.
      history.replicas[who].merge(
          history.deltas[*rc::gen::inRange<std::size_t>(0, history.deltas.size())]);
    }
  }
  return history;
}

template <class T>
void check_round_trip(const T& value) {
  const Bytes bytes = encode(value);
  const auto decoded = decode<T>(bytes);
  RC_ASSERT(decoded.has_value());
  RC_ASSERT(decoded.value() == value);
  RC_ASSERT(encode(decoded.value()) == bytes);
}

// decode<T> on arbitrary bytes: an error with a message, or a well-formed value whose encoding is
// exactly the input.
template <class T>
void check_decode_total(const Bytes& bytes) {
  const auto decoded = decode<T>(bytes);
  if (decoded.has_value()) {
    RC_ASSERT(decoded.value().well_formed());
    RC_ASSERT(encode(decoded.value()) == bytes);
  } else {
    RC_ASSERT(!decoded.message().empty());
  }
}

template <class Ops>
typename Ops::Type random_state() {
  auto history = random_history<Ops>();
  return history.replicas[*rc::gen::inRange<std::size_t>(0, history.replicas.size())];
}

template <class Ops>
void check_properties() {
  using T = typename Ops::Type;

  rc::prop("states, deltas and delta_since answers round-trip", [] {
    const auto history = random_history<Ops>();
    for (const T& replica : history.replicas) {
      check_round_trip(replica);
      if constexpr (requires { replica.delta_since(replica.context()); }) {
        for (const T& other : history.replicas) {
          check_round_trip(replica.delta_since(other.context()));
        }
      }
    }
    for (const T& delta : history.deltas) check_round_trip(delta);
  });

  rc::prop("every truncation is refused as truncated", [] {
    const Bytes bytes = encode(random_state<Ops>());
    const std::size_t cut = *rc::gen::inRange<std::size_t>(0, bytes.size());
    const auto decoded = decode<T>(Bytes(bytes.begin(), bytes.begin() + static_cast<long>(cut)));
    RC_ASSERT(!decoded.has_value());
    RC_ASSERT(decoded.error() == DecodeError::truncated);
  });

  rc::prop("a flipped bit gives an error or a well-formed value", [] {
    Bytes bytes = encode(random_state<Ops>());
    const std::size_t at = *rc::gen::inRange<std::size_t>(0, bytes.size());
    bytes[at] = static_cast<std::uint8_t>(bytes[at] ^ (1u << *rc::gen::inRange(0, 8)));
    check_decode_total<T>(bytes);
  });

  rc::prop("an overwritten or inserted byte gives an error or a well-formed value", [] {
    Bytes bytes = encode(random_state<Ops>());
    const std::size_t at = *rc::gen::inRange<std::size_t>(0, bytes.size());
    const auto byte = *rc::gen::arbitrary<std::uint8_t>();
    if (*rc::gen::arbitrary<bool>()) {
      bytes[at] = byte;
    } else {
      bytes.insert(bytes.begin() + static_cast<long>(at), byte);
    }
    check_decode_total<T>(bytes);
  });

  rc::prop("a random body behind a valid header gives an error or a well-formed value", [] {
    const std::string tag = TypeTag<T>::name();
    Bytes bytes;
    bytes.push_back(crdt::serialization::kFormatVersion);
    bytes.push_back(static_cast<std::uint8_t>(tag.size()));
    for (const char c : tag) bytes.push_back(static_cast<std::uint8_t>(c));
    const auto body = *rc::gen::arbitrary<Bytes>();
    bytes.insert(bytes.end(), body.begin(), body.end());
    check_decode_total<T>(bytes);
  });

  rc::prop("random bytes give an error or a well-formed value",
           [](const Bytes& bytes) { check_decode_total<T>(bytes); });
}

}  // namespace

TEST_CASE("Serialization properties: VersionVector", "[serialization][property]") {
  check_properties<VersionVectorOps>();
}
TEST_CASE("Serialization properties: ORSet<string>", "[serialization][property]") {
  check_properties<ORSetOps<std::string>>();
}
TEST_CASE("Serialization properties: ORSet<i64>", "[serialization][property]") {
  check_properties<ORSetOps<std::int64_t>>();
}
TEST_CASE("Serialization properties: ORSet<u64>", "[serialization][property]") {
  check_properties<ORSetOps<std::uint64_t>>();
}
TEST_CASE("Serialization properties: MVRegister<string>", "[serialization][property]") {
  check_properties<MVRegisterOps<std::string>>();
}
TEST_CASE("Serialization properties: CausalCounter", "[serialization][property]") {
  check_properties<CausalCounterOps>();
}
TEST_CASE("Serialization properties: ORMap<string, CausalCounter>", "[serialization][property]") {
  check_properties<CartOps>();
}
TEST_CASE("Serialization properties: ORMap<string, ORSet<string>>", "[serialization][property]") {
  check_properties<TagsOps>();
}
TEST_CASE("Serialization properties: ORMap<u64, ORMap<string, MVRegister<string>>>",
          "[serialization][property]") {
  check_properties<DocumentOps>();
}
TEST_CASE("Serialization properties: PNCounter", "[serialization][property]") {
  check_properties<PNCounterOps>();
}
TEST_CASE("Serialization properties: LWWRegister<string>", "[serialization][property]") {
  check_properties<LWWRegisterOps<std::string>>();
}
TEST_CASE("Serialization properties: LWWRegister<i64>", "[serialization][property]") {
  check_properties<LWWRegisterOps<std::int64_t>>();
}
TEST_CASE("Serialization properties: BoundedCounter", "[serialization][property]") {
  check_properties<BoundedCounterOps<0>>();
}
TEST_CASE("Serialization properties: BasicBoundedCounter<-100>", "[serialization][property]") {
  check_properties<BoundedCounterOps<-100>>();
}
