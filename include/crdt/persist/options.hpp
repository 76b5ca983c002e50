// Options: how a Store opens its file and when it folds, caches and forgets.
//
// The defaults are the safe ones: synchronous=FULL, so a write that returned survives a power cut.
// Durability::normal trades that for speed: in WAL mode a process crash (kill -9) still loses
// nothing, but a power cut or OS crash may lose the last transactions. A store opened in normal
// mode that was not closed cleanly therefore takes a new replica id before its next write, so that
// a dot it issued, shipped and then lost is never issued again with other content.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

namespace crdt::persist {

enum class Durability {
  full,    // fsync on every commit: survives power loss
  normal,  // fsync at checkpoints: survives a process crash, may lose the last commits on power
           // loss
};

struct Options {
  Durability durability = Durability::full;
  // Open without writing anything; every write call throws Error(read_only). Works on a file the
  // process cannot write (and as root, where file permissions do not stop writes).
  bool read_only = false;
  // Create the file when it does not exist (ignored when read_only).
  bool create = true;
  // A human-readable name stored with a new store; never used as the replica's identity.
  std::string label;
  // How long a write waits for another process's lock before Error(storage_busy).
  std::chrono::milliseconds busy_timeout{5000};

  // A document's pending deltas are folded into its snapshot once there are more than
  // fold_max_deltas of them holding at least 1/fold_snapshot_divisor of the snapshot's bytes, or
  // once they hold more than fold_max_bytes (see fold_due). Until then an update appends only its
  // delta. The snapshot share keeps an update O(its delta) for a large document: rewriting a 1 MB
  // snapshot every 65 keystrokes would cost more than the keystrokes; with the share, the rewrite
  // is paid for by as many delta bytes as it writes, over the divisor.
  std::size_t fold_max_deltas = 64;
  std::size_t fold_max_bytes = 256 * 1024;
  std::size_t fold_snapshot_divisor = 4;
  // Decoded documents kept in memory, least recently used first out.
  std::size_t cache_documents = 256;

  // Delta log retention: entries beyond these bounds are dropped by truncate_log() even when a
  // peer has not acknowledged them (that peer then catches up by digests). 0 means no bound.
  std::uint64_t log_max_bytes = 0;
  std::chrono::milliseconds log_max_age{0};
  // acknowledge() truncates what every known peer has acknowledged.
  bool truncate_on_acknowledge = true;

  // Checkpoint the WAL from a background thread this often instead of inside the commit that
  // crosses SQLite's threshold, which is where a normal-mode commit otherwise waits for the disk
  // (a latency spike every few hundred commits). 0 keeps SQLite's automatic checkpoints. The
  // sync Node turns it on; a short-lived process (the `crdt` command) has no use for it.
  std::chrono::milliseconds background_checkpoint{0};
  // Refuse to grow the file beyond this many pages (Error(storage_full)); 0 means no limit.
  std::uint64_t max_pages = 0;
  // Largest stored row decoded, and largest remote delta accepted, in bytes.
  std::size_t max_row_bytes = std::size_t{1} << 30;
  std::size_t max_remote_bytes = std::size_t{64} << 20;

  // Physical time in milliseconds for the hybrid logical clock and the rows' times; the system
  // clock when empty. Injected by tests.
  std::function<std::uint64_t()> time_source;
  // Where a new replica id comes from; the operating system's entropy when empty. Injected by the
  // simulation, so a seed replays exactly. Never share one source between stores of one cluster
  // unless it cannot repeat a value: two replicas with one id corrupt each other's events.
  std::function<std::uint64_t()> replica_source;
};

// Whether a document whose pending deltas number `count` and hold `bytes`, over a snapshot of
// `snapshot_bytes`, is folded now.
inline bool fold_due(const Options& options, std::size_t count, std::size_t bytes,
                     std::size_t snapshot_bytes) {
  if (bytes > options.fold_max_bytes) return true;
  const std::size_t divisor =
      options.fold_snapshot_divisor == 0 ? 1 : options.fold_snapshot_divisor;
  return count > options.fold_max_deltas && bytes >= snapshot_bytes / divisor;
}

}  // namespace crdt::persist
