#include "sync_messages.hpp"

#include <string>
#include <utility>

#include "crdt/serialization/deflate.hpp"

namespace crdt::sync {

namespace {

using serialization::DecodeError;

void write_string(PayloadWriter& out, std::string_view text) { write_bytes(out, as_bytes(text)); }

std::size_t read_limited_count(PayloadReader& in, std::size_t limit, const char* what) {
  const std::size_t count = in.read_count();
  if (count > limit) {
    in.fail(DecodeError::too_large, std::string(what) + ": " + std::to_string(count) +
                                        " exceeds the limit of " + std::to_string(limit));
  }
  return count;
}

void write_summary(PayloadWriter& out, const DigestSummary& summary) {
  out.write_varint(summary.documents);
  out.write_fixed(summary.hash);
}

DigestSummary read_summary(PayloadReader& in) {
  DigestSummary summary;
  summary.documents = in.read_varint();
  summary.hash = in.read_fixed<std::uint64_t>();
  return summary;
}

// A tree position: depth nibbles of the prefix, the bits below them zero.
void read_position(PayloadReader& in, std::uint8_t& depth, std::uint64_t& prefix) {
  depth = in.read_byte();
  prefix = in.read_fixed<std::uint64_t>();
  if (depth > 16) in.fail(DecodeError::malformed, "digest depth above 16");
  const std::uint64_t low_mask = depth >= 16 ? 0 : (~std::uint64_t{0} >> (4 * depth));
  if (depth == 0 ? prefix != 0 : (prefix & low_mask) != 0) {
    in.fail(DecodeError::malformed, "digest prefix has bits below its depth");
  }
}

Frame frame_of(MessageKind kind, Bytes payload) { return Frame{kind, std::move(payload)}; }

}  // namespace

Frame to_frame(const SyncStart& message) {
  return frame_of(MessageKind::sync_start, write_payload([&](PayloadWriter& out) {
                    out.write_byte(static_cast<std::uint8_t>(message.mode));
                    out.write_varint(message.prefixes.size());
                    for (const auto& prefix : message.prefixes) write_string(out, prefix);
                    write_string(out, message.label);
                  }));
}

Frame to_frame(const DeltasMessage& message) {
  Bytes body = write_payload([&](PayloadWriter& out) {
    out.write_varint(message.number);
    out.write_varint(message.from);
    out.write_varint(message.to);
    out.write_varint(message.items.size());
    for (const auto& item : message.items) {
      write_string(out, item.document);
      write_string(out, item.type);
      write_bytes(out, item.delta);
    }
  });
  // Many small deltas repeat their type names and context shapes: DEFLATE takes most of it.
  if (body.size() >= kDeflateThreshold) {
    Bytes packed = serialization::detail::deflate_bytes(body);
    if (packed.size() + 10 < body.size()) {
      return frame_of(MessageKind::deltas, write_payload([&](PayloadWriter& out) {
                        out.write_byte(1);
                        out.write_varint(body.size());
                        out.save_binary(packed.data(), packed.size());
                      }));
    }
  }
  Bytes payload;
  payload.reserve(body.size() + 1);
  payload.push_back(0);
  payload.insert(payload.end(), body.begin(), body.end());
  return frame_of(MessageKind::deltas, std::move(payload));
}

Frame to_frame(const AckMessage& message) {
  return frame_of(MessageKind::ack, write_payload([&](PayloadWriter& out) {
                    out.write_varint(message.number);
                    out.write_varint(message.to);
                  }));
}

Frame to_frame(const DigestMessage& message) {
  return frame_of(MessageKind::digest, write_payload([&](PayloadWriter& out) {
                    out.write_varint(message.round);
                    out.write_varint(message.nodes.size());
                    for (const auto& node : message.nodes) {
                      out.write_byte(node.depth);
                      out.write_fixed(node.prefix);
                      write_summary(out, node.summary);
                    }
                  }));
}

Frame to_frame(const DigestReply& message) {
  return frame_of(MessageKind::digest_reply, write_payload([&](PayloadWriter& out) {
                    out.write_varint(message.round);
                    out.write_varint(message.results.size());
                    for (const auto& result : message.results) {
                      out.write_byte(result.depth);
                      out.write_fixed(result.prefix);
                      out.write_byte(static_cast<std::uint8_t>(result.verdict));
                      if (result.verdict == DigestResult::Verdict::split) {
                        for (const auto& child : result.children) write_summary(out, child);
                      } else if (result.verdict == DigestResult::Verdict::listed) {
                        out.write_varint(result.listed.size());
                        for (const auto& doc : result.listed) {
                          write_string(out, doc.document);
                          write_string(out, doc.type);
                          write_bytes(out, doc.context);
                        }
                      }
                    }
                  }));
}

Frame to_frame(const CaughtUp& message) {
  return frame_of(MessageKind::caught_up,
                  write_payload([&](PayloadWriter& out) { out.write_varint(message.head); }));
}

std::optional<PayloadError> parse(ByteView payload, SyncStart& out, const MessageLimits& limits) {
  return read_payload(payload, [&](PayloadReader& in) {
    const std::uint8_t mode = in.read_byte();
    if (mode != 1 && mode != 2) in.fail(DecodeError::malformed, "unknown session mode");
    out.mode = static_cast<SyncStart::Mode>(mode);
    const std::size_t count = read_limited_count(in, limits.max_prefixes, "prefixes");
    out.prefixes.clear();
    for (std::size_t i = 0; i < count; ++i) {
      out.prefixes.push_back(read_string(in, limits.max_id_bytes));
    }
    out.label = read_string(in, limits.max_label_bytes);
  });
}

std::optional<PayloadError> parse(ByteView payload, DeltasMessage& out,
                                  const MessageLimits& limits) {
  if (payload.empty()) return PayloadError{DecodeError::truncated, "empty deltas message"};
  Bytes inflated;
  ByteView body = payload.subspan(1);
  if (payload[0] == 1) {
    std::size_t raw_size = 0;
    std::size_t header = 0;
    if (auto error = read_payload_prefix(
            payload.subspan(1), [&](PayloadReader& in) { raw_size = in.read_varint(); }, header)) {
      return error;
    }
    if (raw_size > limits.max_message_bytes) {
      return PayloadError{DecodeError::too_large,
                          "deltas of " + std::to_string(raw_size) + " bytes exceed the limit"};
    }
    if (!serialization::detail::inflate_bytes(payload.subspan(1 + header), raw_size, inflated)) {
      return PayloadError{DecodeError::malformed, "compressed deltas do not inflate"};
    }
    body = inflated;
  } else if (payload[0] != 0) {
    return PayloadError{DecodeError::malformed, "unknown deltas encoding"};
  }
  return read_payload(body, [&](PayloadReader& in) {
    out.number = in.read_varint();
    out.from = in.read_varint();
    out.to = in.read_varint();
    if (out.to != 0 && out.to < out.from)
      in.fail(DecodeError::malformed, "deltas end before start");
    const std::size_t count = read_limited_count(in, limits.max_items, "delta items");
    out.items.clear();
    out.items.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
      DeltaItem item;
      item.document = read_string(in, limits.max_id_bytes);
      item.type = read_string(in, limits.max_type_bytes);
      item.delta = read_bytes(in, limits.max_delta_bytes);
      out.items.push_back(std::move(item));
    }
  });
}

std::optional<PayloadError> parse(ByteView payload, AckMessage& out, const MessageLimits&) {
  return read_payload(payload, [&](PayloadReader& in) {
    out.number = in.read_varint();
    out.to = in.read_varint();
  });
}

std::optional<PayloadError> parse(ByteView payload, DigestMessage& out,
                                  const MessageLimits& limits) {
  return read_payload(payload, [&](PayloadReader& in) {
    out.round = in.read_varint();
    const std::size_t count = read_limited_count(in, limits.max_items, "digest nodes");
    out.nodes.clear();
    out.nodes.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
      DigestNode node;
      read_position(in, node.depth, node.prefix);
      node.summary = read_summary(in);
      out.nodes.push_back(node);
    }
  });
}

std::optional<PayloadError> parse(ByteView payload, DigestReply& out, const MessageLimits& limits) {
  return read_payload(payload, [&](PayloadReader& in) {
    out.round = in.read_varint();
    const std::size_t count = read_limited_count(in, limits.max_items, "digest results");
    out.results.clear();
    for (std::size_t i = 0; i < count; ++i) {
      DigestResult result;
      read_position(in, result.depth, result.prefix);
      const std::uint8_t verdict = in.read_byte();
      if (verdict > 2) in.fail(DecodeError::malformed, "unknown digest verdict");
      result.verdict = static_cast<DigestResult::Verdict>(verdict);
      if (result.verdict == DigestResult::Verdict::split) {
        if (result.depth >= 16) in.fail(DecodeError::malformed, "split below the last level");
        for (auto& child : result.children) child = read_summary(in);
      } else if (result.verdict == DigestResult::Verdict::listed) {
        const std::size_t docs = read_limited_count(in, limits.max_items, "listed documents");
        for (std::size_t d = 0; d < docs; ++d) {
          ListedDocument doc;
          doc.document = read_string(in, limits.max_id_bytes);
          doc.type = read_string(in, limits.max_type_bytes);
          doc.context = read_bytes(in, limits.max_delta_bytes);
          result.listed.push_back(std::move(doc));
        }
      }
      out.results.push_back(std::move(result));
    }
  });
}

std::optional<PayloadError> parse(ByteView payload, CaughtUp& out, const MessageLimits&) {
  return read_payload(payload, [&](PayloadReader& in) { out.head = in.read_varint(); });
}

}  // namespace crdt::sync
