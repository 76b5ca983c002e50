// An outside project using the installed header-only core.
#include <iostream>
#include <string>

#include <crdt/or_set.hpp>

int main() {
  const crdt::ReplicaId alice(1), bob(2);
  crdt::ORSet<std::string> a, b;
  b.merge(a.add(alice, "milk"));
  a.merge(b.add(bob, "eggs"));
  if (a != b || a.size() != 2) return 1;
  std::cout << "converged: " << a.size() << " elements\n";
  return 0;
}
