// Property tests of crdt::Text against a reference model: a naive per-character RGA written
// plainly here, which replays the same operations (ids and Lamport timestamps assigned by the
// same rules) and must end with the same text.
#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <rapidcheck/catch.h>

#include <crdt/serialization/codec.hpp>
#include <crdt/serialization/text.hpp>
#include <crdt/text.hpp>

namespace {

using crdt::Dot;
using crdt::ReplicaId;
using crdt::Text;

// One character as the model knows it.
struct ModelChar {
  Dot id;
  Dot origin;
  std::uint64_t lamport = 0;
  std::string content;  // one code point
};

struct ModelDelete {
  Dot dot;
  Dot target;
};

// Everything that happened, as operations.
struct History {
  std::vector<ModelChar> inserts;
  std::vector<ModelDelete> deletes;
};

// Splits UTF-8 into code points.
std::vector<std::string> code_points(const std::string& s) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < s.size();) {
    std::size_t n = 1;
    while (i + n < s.size() && (static_cast<unsigned char>(s[i + n]) & 0xC0) == 0x80) ++n;
    out.push_back(s.substr(i, n));
    i += n;
  }
  return out;
}

// Records the operations a delta carries.
void record(const Text& delta, History& history) {
  delta.for_each_run([&](const crdt::TextRun& run) {
    const auto cps = code_points(std::string(run.content));
    for (std::uint32_t k = 0; k < run.length; ++k) {
      history.inserts.push_back(
          ModelChar{Dot{run.id.replica, run.id.counter + k},
                    k == 0 ? run.origin : Dot{run.id.replica, run.id.counter + k - 1},
                    run.lamport + k, run.deleted ? std::string{} : cps.at(k)});
    }
  });
  delta.for_each_delete([&](Dot dot, Dot target, std::uint32_t length) {
    for (std::uint32_t k = 0; k < length; ++k) {
      history.deletes.push_back(ModelDelete{dot, Dot{target.replica, target.counter + k}});
    }
  });
}

// The naive algorithm: characters in a vector, tombstones kept; a character goes after its
// origin, past every character with a greater (lamport, replica). Characters whose origin is
// missing (transitively) are left out, as are deletes of characters left out.
std::string replay(const History& history, const std::set<std::size_t>& insert_subset,
                   const std::set<std::size_t>& delete_subset) {
  struct Entry {
    ModelChar c;
    bool deleted = false;
  };
  std::vector<ModelChar> inserts;
  for (std::size_t i : insert_subset) inserts.push_back(history.inserts[i]);
  std::sort(inserts.begin(), inserts.end(),
            [](const ModelChar& a, const ModelChar& b) { return a.lamport < b.lamport; });
  std::vector<Entry> seq;
  auto greater = [](const ModelChar& a, const ModelChar& b) {
    return a.lamport != b.lamport ? a.lamport > b.lamport : a.id.replica > b.id.replica;
  };
  for (const ModelChar& c : inserts) {
    std::size_t i = 0;
    if (c.origin.counter != 0) {
      while (i < seq.size() && seq[i].c.id != c.origin) ++i;
      if (i == seq.size()) continue;  // origin missing: pending
      ++i;
    }
    while (i < seq.size() && greater(seq[i].c, c)) ++i;
    seq.insert(seq.begin() + static_cast<std::ptrdiff_t>(i), Entry{c, false});
  }
  for (std::size_t d : delete_subset) {
    for (Entry& e : seq) {
      if (e.c.id == history.deletes[d].target) e.deleted = true;
    }
  }
  std::string out;
  for (const Entry& e : seq) {
    if (!e.deleted && !e.c.content.empty()) out += e.c.content;
  }
  return out;
}

std::string apply_changes(std::string text, const std::vector<crdt::TextChange>& changes) {
  for (const crdt::TextChange& c : changes) {
    const std::size_t from = crdt::utf8::offset(text, c.pos);
    const std::size_t to =
        from + crdt::utf8::offset(std::string_view(text).substr(from), c.deleted);
    text.replace(from, to - from, c.inserted);
  }
  return text;
}

const std::vector<std::string> kPieces = {"a", "b", "c", "xy", "é", "€", "𝄞", "hello"};

// A delta in flight, with the operations it carries (indexes into the history).
struct Flight {
  Text delta;
  std::set<std::size_t> inserts;
  std::set<std::size_t> deletes;
};

// Encodes and decodes `text`, checking that nothing changes and that the encoding is canonical.
Text round_trip(const Text& text) {
  const auto bytes = crdt::serialization::encode(text);
  auto decoded = crdt::serialization::decode<Text>(bytes);
  RC_ASSERT(decoded.has_value());
  RC_ASSERT(decoded.value() == text);
  RC_ASSERT(decoded.value().str() == text.str());
  RC_ASSERT(decoded.value().pending_inserts() == text.pending_inserts());
  RC_ASSERT(crdt::serialization::encode(decoded.value()) == bytes);
  return std::move(decoded).value();
}

}  // namespace

TEST_CASE("Text: replicas converge to the reference RGA under any delivery", "[text][property]") {
  rc::prop("random edits on 3-5 replicas, reordered, duplicated, lost, then catch-up", [] {
    const int replicas = *rc::gen::inRange(3, 6);
    std::vector<ReplicaId> ids;
    for (int i = 0; i < replicas; ++i) ids.emplace_back(static_cast<std::uint64_t>(i + 1) * 7919);
    std::vector<Text> texts(static_cast<std::size_t>(replicas));
    std::vector<std::set<std::size_t>> seen_inserts(texts.size()), seen_deletes(texts.size());
    // Anchors taken on replica 0: (anchor, the character id it names).
    std::vector<crdt::TextAnchor> anchors;
    History history;
    std::vector<Flight> flights;
    const int steps = *rc::gen::inRange(5, 60);
    for (int step = 0; step < steps; ++step) {
      const auto r = static_cast<std::size_t>(*rc::gen::inRange(0, replicas));
      Text& t = texts[r];
      const int kind = *rc::gen::inRange(0, 10);
      if (kind < 4) {
        const auto pos =
            static_cast<std::size_t>(*rc::gen::inRange<int>(0, static_cast<int>(t.size()) + 1));
        const std::string piece = *rc::gen::elementOf(kPieces);
        Flight f;
        const std::size_t first_insert = history.inserts.size();
        f.delta = t.insert(ids[r], pos, piece);
        record(f.delta, history);
        for (std::size_t i = first_insert; i < history.inserts.size(); ++i) {
          f.inserts.insert(i);
          seen_inserts[r].insert(i);
        }
        flights.push_back(std::move(f));
      } else if (kind < 6 && t.size() > 0) {
        const auto pos =
            static_cast<std::size_t>(*rc::gen::inRange<int>(0, static_cast<int>(t.size())));
        const auto count = static_cast<std::size_t>(*rc::gen::inRange<int>(
            1, static_cast<int>(std::min<std::size_t>(4, t.size() - pos)) + 1));
        Flight f;
        const std::size_t first_delete = history.deletes.size();
        f.delta = t.erase(ids[r], pos, count);
        record(f.delta, history);
        for (std::size_t i = first_delete; i < history.deletes.size(); ++i) {
          f.deletes.insert(i);
          seen_deletes[r].insert(i);
        }
        flights.push_back(std::move(f));
      } else if (kind < 9 && !flights.empty()) {
        // Deliver a random flight (possibly again: duplication); sometimes drop it (loss).
        const auto k =
            static_cast<std::size_t>(*rc::gen::inRange<int>(0, static_cast<int>(flights.size())));
        const auto to = static_cast<std::size_t>(*rc::gen::inRange(0, replicas));
        const std::string before = texts[to].str();
        // Sometimes the delta travels encoded, as it would between processes.
        const Text delta =
            *rc::gen::inRange(0, 2) == 0 ? round_trip(flights[k].delta) : flights[k].delta;
        const auto changes = texts[to].merge_with_changes(delta);
        RC_ASSERT(apply_changes(before, changes) == texts[to].str());
        seen_inserts[to].insert(flights[k].inserts.begin(), flights[k].inserts.end());
        seen_deletes[to].insert(flights[k].deletes.begin(), flights[k].deletes.end());
        RC_ASSERT(texts[to].str() == replay(history, seen_inserts[to], seen_deletes[to]));
        if (*rc::gen::inRange(0, 3) == 0)
          flights.erase(flights.begin() + static_cast<std::ptrdiff_t>(k));
      } else if (kind == 9 && *rc::gen::inRange(0, 2) == 0) {
        // A full-state merge between two diverged replicas.
        const auto from = static_cast<std::size_t>(*rc::gen::inRange(0, replicas));
        const auto to = static_cast<std::size_t>(*rc::gen::inRange(0, replicas));
        const std::string before = texts[to].str();
        const auto changes = texts[to].merge_with_changes(texts[from]);
        RC_ASSERT(apply_changes(before, changes) == texts[to].str());
        seen_inserts[to].insert(seen_inserts[from].begin(), seen_inserts[from].end());
        seen_deletes[to].insert(seen_deletes[from].begin(), seen_deletes[from].end());
        RC_ASSERT(texts[to].str() == replay(history, seen_inserts[to], seen_deletes[to]));
        RC_ASSERT(texts[to].size() == crdt::utf8::length(texts[to].str()));
      } else if (texts[0].size() > 0) {
        anchors.push_back(texts[0].anchor(static_cast<std::size_t>(
            *rc::gen::inRange<int>(0, static_cast<int>(texts[0].size()) + 1))));
      }
      RC_ASSERT(texts[r].well_formed());
      // A restart: the replica is stored and loaded, pending parts and all, and goes on.
      if (*rc::gen::inRange(0, 4) == 0) texts[r] = round_trip(texts[r]);
    }
    // Catch-up: every pair exchanges delta_since until nothing is pending.
    for (int round = 0; round < 2; ++round) {
      for (std::size_t a = 0; a < texts.size(); ++a) {
        for (std::size_t b = 0; b < texts.size(); ++b) {
          if (a == b) continue;
          const std::string before = texts[a].str();
          const auto changes =
              texts[a].merge_with_changes(texts[b].delta_since(texts[a].context()));
          RC_ASSERT(apply_changes(before, changes) == texts[a].str());
        }
      }
    }
    std::set<std::size_t> all_inserts, all_deletes;
    for (std::size_t i = 0; i < history.inserts.size(); ++i) all_inserts.insert(i);
    for (std::size_t i = 0; i < history.deletes.size(); ++i) all_deletes.insert(i);
    const std::string expected = replay(history, all_inserts, all_deletes);
    for (const Text& t : texts) {
      RC_ASSERT(t == texts[0]);
      RC_ASSERT(t.str() == expected);
      RC_ASSERT(t.pending_inserts() == 0u);
      RC_ASSERT(t.pending_deletes() == 0u);
      RC_ASSERT(t.delta_since(t.context()).empty());
    }
    // Anchors stay on their characters: the character right of an anchor is the one it named,
    // unless that one was deleted, in which case the anchor sits where it was.
    for (const crdt::TextAnchor& a : anchors) {
      const std::size_t pos = texts[0].position(a);
      RC_ASSERT(pos <= texts[0].size());
      if (a.id.counter == 0) {
        RC_ASSERT(pos == texts[0].size());
        continue;
      }
      const bool deleted = std::any_of(history.deletes.begin(), history.deletes.end(),
                                       [&](const ModelDelete& d) { return d.target == a.id; });
      if (!deleted) RC_ASSERT(texts[0].anchor(pos) == a);
    }
  });
}
