// The README's Text example: two replicas edit concurrently, a view of one is patched by the
// changes its merge reports, and a cursor anchored to a character survives the other's edit.
// Built and run against the installed package by tests/build/check_consumer.cmake.
#include <cstddef>
#include <iostream>
#include <string>

#include <crdt/text.hpp>

// What an editor shows of replica a: UTF-8, patched at code point positions.
struct Editor {
  std::string text;

  void replace(std::size_t pos, std::size_t deleted, const std::string& inserted) {
    const std::size_t from = byte_offset(pos);
    text.replace(from, byte_offset(pos + deleted) - from, inserted);
  }
  std::size_t byte_offset(std::size_t code_points) const {
    std::size_t i = 0;
    for (; code_points > 0 && i < text.size(); --code_points) {
      ++i;
      while (i < text.size() && (static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) ++i;
    }
    return i;
  }
};

int main() {
  const crdt::ReplicaId alice = crdt::ReplicaId::random(), bob = crdt::ReplicaId::random();
  Editor editor;

  crdt::Text a, b;
  b.merge(a.insert(alice, 0, "héllo"));          // positions are code points
  crdt::TextAnchor cursor = b.anchor(1);         // before "é", by character id
  crdt::Text d1 = a.insert(alice, 5, " world");  // concurrent edits...
  crdt::Text d2 = b.erase(bob, 0, 1);
  editor.text = a.str();
  for (const crdt::TextChange& c : a.merge_with_changes(d2))  // {pos, deleted, inserted}, in code
    editor.replace(c.pos, c.deleted, c.inserted);             // points: patch a view, no diffing
  b.merge(d1);                                                // a.str() == b.str() == "éllo world"
  std::size_t where = b.position(cursor);                     // 0: still before "é"

  const bool ok =
      a.str() == "éllo world" && b.str() == a.str() && editor.text == a.str() && where == 0;
  std::cout << (ok ? "converged" : "DIVERGED") << ": \"" << a.str() << "\", editor \""
            << editor.text << "\", cursor at " << where << '\n';
  return ok ? 0 : 1;
}
