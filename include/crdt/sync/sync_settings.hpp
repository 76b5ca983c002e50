// SyncSettings: the sync protocol's knobs and the limits it holds peers to, with their defaults.
//
// One struct, set through NodeOptions::sync; the defaults suit a device or a hub. Change them to
// trade a hub's fairness between sessions against a single upload's speed (merge slices), or a
// sender's batching against its memory (window, batch sizes).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

#include "crdt/sync/limits.hpp"

namespace crdt::sync {

struct SyncSettings {
  // --- Sending ---
  std::size_t window = 4;                          // deltas messages unacknowledged at once
  std::size_t batch_bytes = std::size_t{1} << 20;  // delta bytes per message, about
  std::size_t batch_items = 4096;                  // documents per message, at most
  // Log entries read and joined at once: a catch-up sends each document once per range, so a
  // device that missed 20 updates of 1,000 documents gets 1,000 joined deltas, not 20,000.
  std::size_t range_entries = std::size_t{1} << 16;
  std::size_t range_bytes = std::size_t{32} << 20;
  std::size_t digest_leaf = 32;  // a node this small is listed, not split
  // Nodes one digest message may carry: a peer's digest with more is refused, so that answering
  // one costs at most about digest_nodes * digest_leaf listed documents.
  std::size_t digest_nodes = 256;
  // A digest that arrives while this many bytes sent to the peer are still unread is refused: an
  // honest peer reads an answer before it asks again.
  std::size_t digest_unread_bytes = std::size_t{16} << 20;
  // How long the log must have been quiet (or the node running) before the digest index is
  // brought up to date in the background, so that a new peer's digest exchange finds it ready.
  std::chrono::milliseconds digest_refresh_delay{1000};
  // A skipped log range this long is announced at once (flush_position otherwise).
  std::size_t position_entries = 4096;
  // --- Receiving: how a peer's deltas are merged beside the other sessions ---
  // A merge is committed in slices of at most this many items, bytes and milliseconds (0: no
  // time bound), so other sessions' writes go between the slices of a large one. Under
  // Durability::full a slice's commit costs about its bytes written twice (state and log) and an
  // fsync: the bytes bound is what another session's small update waits for at most.
  std::size_t merge_slice_items = 512;
  std::size_t merge_slice_bytes = std::size_t{32} << 10;
  std::uint32_t merge_slice_ms = 2;
  // While no other session waits for the store, a slice may grow this many times larger (one
  // peer's catch-up is not cut into many transactions for nobody's benefit).
  std::size_t merge_slice_alone = 16;
  // Deltas messages received and not yet merged that a peer may have outstanding; more is a
  // protocol error (an honest peer keeps to its window), so a peer cannot queue unbounded work.
  std::size_t max_pending_merges = 64;
  // A deltas message at least this large is parsed off the network thread, where the engine has
  // a decoder (0: every one).
  std::size_t offload_parse_bytes = std::size_t{8} << 10;
  // Log entries dropped per store-worker run when acknowledgements let the log be truncated: a
  // hub that relayed a large upload frees it in steps, between other sessions' merges.
  std::size_t truncate_step = 64;
  // Chunked messages one session may be reassembling at once, in bytes; a transfer that receives
  // no chunk for NodeOptions::idle_timeout ends the session (pings do not keep it alive).
  std::size_t max_reassembly_bytes = std::size_t{64} << 20;
  MessageLimits limits;
};

}  // namespace crdt::sync
