// Three people edit one document: Ada and Grace on laptops, Linus on a phone that goes offline.
// Each keeps a crdt::Text and a "view" (what an editor shows) that is updated only from the
// index-based changes each merge reports, never by re-reading the whole text. Edits travel as
// encoded deltas (the bytes a sync engine would send), some out of order and some twice; a
// cursor (an anchor) stays on its character through all of it. At the end every replica, and
// every view, holds the same text; the program exits non-zero if not.
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <string>
#include <utility>
#include <vector>

#include <crdt/serialization/codec.hpp>
#include <crdt/serialization/text.hpp>
#include <crdt/text.hpp>

namespace {

using Bytes = std::vector<std::uint8_t>;

// A replica as an editor holds it: the CRDT, what the screen shows, and the author's id.
struct Editor {
  explicit Editor(std::string who) : name(std::move(who)) {}

  std::string name;
  crdt::ReplicaId id = crdt::ReplicaId::random();
  crdt::Text text;
  std::string view;

  // A local edit: applied to the view directly, the delta encoded for the wire.
  Bytes insert(std::size_t pos, const std::string& s) {
    const crdt::Text delta = text.insert(id, pos, s);
    view = text.str();  // a local edit knows its own change; an editor would patch in place
    return crdt::serialization::encode(delta);
  }
  Bytes erase(std::size_t pos, std::size_t count) {
    const crdt::Text delta = text.erase(id, pos, count);
    view = text.str();
    return crdt::serialization::encode(delta);
  }

  // A remote delta: decoded (refusing bad bytes), merged, and the view patched by the changes.
  void receive(const Bytes& bytes) {
    auto delta = crdt::serialization::decode<crdt::Text>(bytes);
    if (!delta) {
      std::cerr << name << ": refused a delta: " << delta.message() << "\n";
      std::exit(1);
    }
    for (const crdt::TextChange& change : text.merge_with_changes(delta.value())) {
      // Positions are code points; this document is ASCII but for one word, so convert.
      const std::size_t at = crdt::utf8::offset(view, change.pos);
      const std::size_t gone = crdt::utf8::offset(view.substr(at), change.deleted);
      view.replace(at, gone, change.inserted);
    }
  }

  void show() const { std::cout << "  " << name << ": \"" << text.str() << "\"\n"; }
};

}  // namespace

int main() {
  Editor ada{"Ada  "}, grace{"Grace"}, linus{"Linus"};
  std::vector<Editor*> everyone{&ada, &grace, &linus};
  const auto broadcast = [&](const Editor& from, const Bytes& delta) {
    for (Editor* e : everyone) {
      if (e != &from) e->receive(delta);
    }
  };

  std::cout << "Online: Ada writes a title, everyone receives it.\n";
  broadcast(ada, ada.insert(0, "Notes on the analytical engine"));
  for (const Editor* e : everyone) e->show();

  // Grace puts her cursor before "analytical"; it must stay there whatever happens around it.
  const crdt::TextAnchor cursor = grace.text.anchor(grace.text.str().find("analytical"));

  std::cout << "Linus goes offline. Meanwhile Ada and Grace edit concurrently.\n";
  std::vector<Bytes> linus_outbox;
  linus_outbox.push_back(linus.insert(linus.text.size(), " (draft)"));
  linus_outbox.push_back(linus.erase(0, 6));  // "Notes " -> ""
  const Bytes from_ada = ada.insert(9, "the Difference and ");
  const Bytes from_grace = grace.insert(grace.text.size(), ", by Lovelace — ünïcode ok");
  grace.receive(from_ada);
  ada.receive(from_grace);
  ada.receive(from_grace);  // delivered twice: merging is idempotent
  ada.show();
  grace.show();
  linus.show();

  std::cout << "Linus comes back: his deltas arrive at Ada in reverse order, and he catches up.\n";
  ada.receive(linus_outbox[1]);  // the delete first: it waits for nothing here, the text is known
  ada.receive(linus_outbox[0]);
  grace.receive(crdt::serialization::encode(ada.text.delta_since(grace.text.context())));
  linus.receive(crdt::serialization::encode(ada.text.delta_since(linus.text.context())));
  for (const Editor* e : everyone) e->show();

  bool ok = true;
  for (const Editor* e : everyone) {
    ok = ok && e->text == ada.text && e->view == ada.text.str();
  }
  const std::size_t at = grace.text.position(cursor);
  const std::string now = grace.text.str();
  const std::size_t byte = crdt::utf8::offset(now, at);
  const bool cursor_ok = now.compare(byte, 10, "analytical") == 0;
  std::cout << "Grace's cursor is at " << at << ", before \"" << now.substr(byte, 10) << "\"\n";
  std::cout << (ok && cursor_ok ? "All replicas and views converged.\n" : "Replicas diverged!\n");
  return ok && cursor_ok ? EXIT_SUCCESS : EXIT_FAILURE;
}
