// The operations of every replicated type, as the property tests generate and apply them (the
// "ops" classes of support/replica_history.hpp).
//
// Elements, keys and values come from small alphabets so that replicas keep touching the same
// ones: concurrent adds and removes of one element, writes racing on one register, and updates
// racing with the removal of their key are the cases the contracts are about.
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <rapidcheck.h>

#include <crdt/bounded_counter.hpp>
#include <crdt/causal/dot.hpp>
#include <crdt/causal/version_vector.hpp>
#include <crdt/causal_counter.hpp>
#include <crdt/dot_store.hpp>
#include <crdt/lww_register.hpp>
#include <crdt/mv_register.hpp>
#include <crdt/or_map.hpp>
#include <crdt/or_set.hpp>
#include <crdt/pn_counter.hpp>

#include "support/replica_history.hpp"

namespace crdt::props {

inline rc::Gen<std::string> gen_word(std::vector<std::string> words) {
  return rc::gen::elementOf(std::move(words));
}

// Small amounts, both signs, and zero (which must change nothing).
inline rc::Gen<std::int64_t> gen_amount() {
  return rc::gen::weightedOneOf<std::int64_t>({{8, uniform_in<std::int64_t>(1, 6)},
                                               {2, uniform_in<std::int64_t>(-3, 0)},
                                               {1, rc::gen::just<std::int64_t>(0)}});
}

struct ORSetOps {
  using Type = ORSet<std::string>;
  enum class Kind { add, remove, clear };
  struct Op {
    Kind kind = Kind::add;
    std::string element;

    friend std::ostream& operator<<(std::ostream& os, const Op& op) {
      switch (op.kind) {
        case Kind::add:
          return os << "add(" << op.element << ")";
        case Kind::remove:
          return os << "remove(" << op.element << ")";
        case Kind::clear:
          return os << "clear()";
      }
      return os;
    }
  };

  static rc::Gen<Op> gen_op() {
    return rc::gen::build<Op>(
        rc::gen::set(&Op::kind, rc::gen::weightedElement<Kind>(
                                    {{5, Kind::add}, {3, Kind::remove}, {1, Kind::clear}})),
        rc::gen::set(&Op::element, gen_word({"a", "b", "c", "d"})));
  }

  static std::optional<Type> apply(Type& state, Actor& actor, const Op& op) {
    switch (op.kind) {
      case Kind::add:
        return state.add(actor.id(), op.element);
      case Kind::remove:
        return state.remove(actor.id(), op.element);
      case Kind::clear:
        return state.clear(actor.id());
    }
    return Type{};
  }

  static VersionVector payload_dots(const Type& state) { return dots_of(state.store()); }
};

struct MVRegisterOps {
  using Type = MVRegister<std::string>;
  enum class Kind { write, clear };
  struct Op {
    Kind kind = Kind::write;
    std::string value;

    friend std::ostream& operator<<(std::ostream& os, const Op& op) {
      if (op.kind == Kind::clear) return os << "clear()";
      return os << "write(" << op.value << ")";
    }
  };

  static rc::Gen<Op> gen_op() {
    return rc::gen::build<Op>(rc::gen::set(&Op::kind, rc::gen::weightedElement<Kind>(
                                                          {{6, Kind::write}, {1, Kind::clear}})),
                              rc::gen::set(&Op::value, gen_word({"v1", "v2", "v3", "v4"})));
  }

  static std::optional<Type> apply(Type& state, Actor& actor, const Op& op) {
    if (op.kind == Kind::clear) return state.clear(actor.id());
    return state.write(actor.id(), op.value);
  }

  static VersionVector payload_dots(const Type& state) { return dots_of(state.store()); }
};

// The operations of a CausalCounter, standalone or as the value of an ORMap key.
enum class CounterKind { increment, decrement, reset };

inline rc::Gen<CounterKind> gen_counter_kind() {
  return rc::gen::weightedElement<CounterKind>(
      {{5, CounterKind::increment}, {3, CounterKind::decrement}, {1, CounterKind::reset}});
}

inline std::ostream& operator<<(std::ostream& os, CounterKind kind) {
  switch (kind) {
    case CounterKind::increment:
      return os << "increment";
    case CounterKind::decrement:
      return os << "decrement";
    case CounterKind::reset:
      return os << "reset";
  }
  return os;
}

inline CausalCounter apply_counter(CausalCounter& counter, ReplicaId replica, CounterKind kind,
                                   std::int64_t amount) {
  switch (kind) {
    case CounterKind::increment:
      return counter.increment(replica, amount);
    case CounterKind::decrement:
      return counter.decrement(replica, amount);
    case CounterKind::reset:
      return counter.reset(replica);
  }
  return CausalCounter{};
}

struct CausalCounterOps {
  using Type = CausalCounter;
  struct Op {
    CounterKind kind = CounterKind::increment;
    std::int64_t amount = 1;

    friend std::ostream& operator<<(std::ostream& os, const Op& op) {
      os << op.kind << "(";
      if (op.kind != CounterKind::reset) os << op.amount;
      return os << ")";
    }
  };

  static rc::Gen<Op> gen_op() {
    return rc::gen::build<Op>(rc::gen::set(&Op::kind, gen_counter_kind()),
                              rc::gen::set(&Op::amount, gen_amount()));
  }

  static std::optional<Type> apply(Type& state, Actor& actor, const Op& op) {
    return apply_counter(state, actor.id(), op.kind, op.amount);
  }

  static VersionVector payload_dots(const Type& state) { return dots_of(state.store()); }
};

// Operations on an ORMap: an operation on one key's value, removing a key, or clearing the map.
enum class MapKind { update, remove, clear };

inline rc::Gen<MapKind> gen_map_kind() {
  return rc::gen::weightedElement<MapKind>(
      {{8, MapKind::update}, {2, MapKind::remove}, {1, MapKind::clear}});
}

// The cart: quantities per product.
struct CartOps {
  using Type = ORMap<std::string, CausalCounter>;
  struct Op {
    MapKind kind = MapKind::update;
    std::string key;
    CounterKind counter = CounterKind::increment;
    std::int64_t amount = 1;

    friend std::ostream& operator<<(std::ostream& os, const Op& op) {
      switch (op.kind) {
        case MapKind::update:
          os << "update(" << op.key << ", " << op.counter << "(";
          if (op.counter != CounterKind::reset) os << op.amount;
          return os << "))";
        case MapKind::remove:
          return os << "remove(" << op.key << ")";
        case MapKind::clear:
          return os << "clear()";
      }
      return os;
    }
  };

  static rc::Gen<Op> gen_op() {
    return rc::gen::build<Op>(rc::gen::set(&Op::kind, gen_map_kind()),
                              rc::gen::set(&Op::key, gen_word({"apple", "fig", "pear"})),
                              rc::gen::set(&Op::counter, gen_counter_kind()),
                              rc::gen::set(&Op::amount, gen_amount()));
  }

  static std::optional<Type> apply(Type& state, Actor& actor, const Op& op) {
    const ReplicaId self = actor.id();
    switch (op.kind) {
      case MapKind::update:
        return state.update(self, op.key, [&](CausalCounter& counter) {
          return apply_counter(counter, self, op.counter, op.amount);
        });
      case MapKind::remove:
        return state.remove(self, op.key);
      case MapKind::clear:
        return state.clear(self);
    }
    return Type{};
  }

  static VersionVector payload_dots(const Type& state) { return dots_of(state.store()); }
};

// A map of tag sets: ORMap<std::string, ORSet<std::string>>.
struct ORMapOfSetsOps {
  using Type = ORMap<std::string, ORSet<std::string>>;
  struct Op {
    MapKind kind = MapKind::update;
    std::string key;
    ORSetOps::Kind element_op = ORSetOps::Kind::add;
    std::string element;

    friend std::ostream& operator<<(std::ostream& os, const Op& op) {
      switch (op.kind) {
        case MapKind::update:
          return os << "update(" << op.key << ", " << ORSetOps::Op{op.element_op, op.element}
                    << ")";
        case MapKind::remove:
          return os << "remove(" << op.key << ")";
        case MapKind::clear:
          return os << "clear()";
      }
      return os;
    }
  };

  static rc::Gen<Op> gen_op() {
    return rc::gen::build<Op>(
        rc::gen::set(&Op::kind, gen_map_kind()),
        rc::gen::set(&Op::key, gen_word({"k1", "k2", "k3"})),
        rc::gen::set(&Op::element_op,
                     rc::gen::weightedElement<ORSetOps::Kind>({{5, ORSetOps::Kind::add},
                                                               {3, ORSetOps::Kind::remove},
                                                               {1, ORSetOps::Kind::clear}})),
        rc::gen::set(&Op::element, gen_word({"x", "y", "z"})));
  }

  static std::optional<Type> apply(Type& state, Actor& actor, const Op& op) {
    const ReplicaId self = actor.id();
    switch (op.kind) {
      case MapKind::update:
        return state.update(self, op.key, [&](ORSet<std::string>& set) {
          ORSetOps::Op element_op{op.element_op, op.element};
          return ORSetOps::apply(set, actor, element_op).value();
        });
      case MapKind::remove:
        return state.remove(self, op.key);
      case MapKind::clear:
        return state.clear(self);
    }
    return Type{};
  }

  static VersionVector payload_dots(const Type& state) { return dots_of(state.store()); }
};

// The version of each replica's entry, named as a dot (replica, seq): what a state-based counter's
// payload carries.
template <class Entries>
VersionVector entry_dots(const Entries& entries) {
  VersionVector out;
  for (const auto& [replica, entry] : entries) out.add(Dot{replica, entry.seq});
  return out;
}

// Small unsigned amounts, zero included (which must change nothing).
inline rc::Gen<std::uint64_t> gen_unsigned_amount(std::uint64_t max) {
  return rc::gen::weightedOneOf<std::uint64_t>(
      {{8, uniform_in<std::uint64_t>(1, max + 1)}, {1, rc::gen::just<std::uint64_t>(0)}});
}

struct PNCounterOps {
  using Type = PNCounter;
  enum class Kind { increment, decrement };
  struct Op {
    Kind kind = Kind::increment;
    std::uint64_t amount = 1;

    friend std::ostream& operator<<(std::ostream& os, const Op& op) {
      return os << (op.kind == Kind::increment ? "increment(" : "decrement(") << op.amount << ")";
    }
  };

  static rc::Gen<Op> gen_op() {
    return rc::gen::build<Op>(
        rc::gen::set(&Op::kind, rc::gen::element(Kind::increment, Kind::decrement)),
        rc::gen::set(&Op::amount, gen_unsigned_amount(5)));
  }

  static std::optional<Type> apply(Type& state, Actor& actor, const Op& op) {
    if (op.kind == Kind::increment) return state.increment(actor.id(), op.amount);
    return state.decrement(actor.id(), op.amount);
  }

  static VersionVector payload_dots(const Type& state) { return entry_dots(state.entries()); }
};

struct LWWRegisterOps {
  using Type = LWWRegister<std::string>;
  // Physical time of a clock that sits this far ahead is beyond HybridLogicalClock's default
  // maximum offset, so other replicas clamp it when they overwrite its writes.
  static constexpr std::uint64_t kFarAheadMs = 200'000;
  struct Op {
    std::string value;
    std::uint64_t wall_ms = 0;  // the physical time the writer's clock reads for this write

    friend std::ostream& operator<<(std::ostream& os, const Op& op) {
      return os << "set(" << op.value << ") at " << op.wall_ms << "ms";
    }
  };

  // Few distinct physical times, often repeated or going backwards, so stamps collide across
  // replicas (ties broken by replica id) and the logical part of the clocks is exercised.
  static rc::Gen<Op> gen_op() {
    return rc::gen::build<Op>(
        rc::gen::set(&Op::value, gen_word({"v1", "v2", "v3", "v4"})),
        rc::gen::set(&Op::wall_ms, rc::gen::weightedOneOf<std::uint64_t>(
                                       {{12, uniform_in<std::uint64_t>(0, 4)},
                                        {1, rc::gen::just(std::uint64_t{kFarAheadMs})}})));
  }

  static std::optional<Type> apply(Type& state, Actor& actor, const Op& op) {
    actor.set_wall_ms(op.wall_ms);
    return state.set(actor.id(), actor.clock(), op.value);
  }

  static VersionVector payload_dots(const Type& state) {
    VersionVector out;
    if (state.winner()) out.add(state.winner()->dot);
    return out;
  }
};

struct BoundedCounterOps {
  using Type = BoundedCounter;
  enum class Kind { increment, decrement, transfer };
  struct Op {
    Kind kind = Kind::increment;
    std::uint64_t amount = 1;
    std::size_t to = 0;  // transfer destination, a replica chosen modulo their number

    friend std::ostream& operator<<(std::ostream& os, const Op& op) {
      switch (op.kind) {
        case Kind::increment:
          return os << "increment(" << op.amount << ")";
        case Kind::decrement:
          return os << "decrement(" << op.amount << ")";
        case Kind::transfer:
          return os << "transfer(to r" << op.to << ", " << op.amount << ")";
      }
      return os;
    }
  };

  // Decrements and transfers outnumber increments, so replicas keep running out of rights.
  static rc::Gen<Op> gen_op() {
    return rc::gen::build<Op>(
        rc::gen::set(&Op::kind,
                     rc::gen::weightedElement<Kind>(
                         {{3, Kind::increment}, {4, Kind::decrement}, {2, Kind::transfer}})),
        rc::gen::set(&Op::amount, gen_unsigned_amount(6)),
        rc::gen::set(&Op::to, uniform_in<std::size_t>(0, 5)));
  }

  static std::optional<Type> apply(Type& state, Actor& actor, const Op& op) {
    switch (op.kind) {
      case Kind::increment:
        return state.increment(actor.id(), op.amount);
      case Kind::decrement:
        return state.decrement(actor.id(), op.amount);
      case Kind::transfer:
        return state.transfer(actor.id(), actor.replica(op.to), op.amount);
    }
    return Type{};
  }

  static VersionVector payload_dots(const Type& state) { return entry_dots(state.entries()); }
};

}  // namespace crdt::props
