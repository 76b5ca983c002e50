// Facts about the file and the processes using it that decide whether a store keeps its replica
// id (DESIGN.md, "Identity is sacred").
//
// A fingerprint is "device:inode" of the database file. A copy or a restore from a backup is a new
// file with another inode, so its fingerprint differs from the one stored when the id was taken.
// The path is left out on purpose: renaming or moving a file within its file system keeps every
// committed transaction, so it need not change the identity. A restore written in place over the
// same inode is not detected; that is a documented limitation.
#pragma once

#include <cstdint>
#include <string>

namespace crdt::persist::file_identity {

// Empty if the file cannot be examined.
std::string fingerprint(const std::string& file);

// Whether process `pid` is running on this host.
bool process_alive(std::int64_t pid);

std::int64_t current_pid();

}  // namespace crdt::persist::file_identity
