// Placeholder until ORMap lands (this session).
#include <crdt/or_set.hpp>
int main() { return 0; }
