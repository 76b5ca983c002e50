#include "file_identity.hpp"

#include <cerrno>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

namespace crdt::persist::file_identity {

std::string fingerprint(const std::string& file) {
  struct stat info {};
  if (::stat(file.c_str(), &info) != 0) return {};
  return std::to_string(static_cast<std::uint64_t>(info.st_dev)) + ":" +
         std::to_string(static_cast<std::uint64_t>(info.st_ino));
}

bool process_alive(std::int64_t pid) {
  if (pid <= 0) return false;
  // EPERM means the process exists but belongs to someone else.
  return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
}

std::int64_t current_pid() { return static_cast<std::int64_t>(::getpid()); }

}  // namespace crdt::persist::file_identity
