#include "crdt/sync/status_query.hpp"

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include "asio_event_loop.hpp"
#include "peer_link.hpp"
#include "sync_messages.hpp"
#include "tcp_transport.hpp"

namespace crdt::sync {

std::string query_status(const Address& node, const std::optional<Bytes>& secret,
                         std::chrono::milliseconds timeout) {
  AsioEventLoop loop;
  TcpTransport transport(loop);
  std::unique_ptr<PeerLink> link;
  std::optional<std::string> answer;
  std::string failure;
  auto finish = [&](std::string why) {
    if (failure.empty() && !answer) failure = std::move(why);
    loop.stop();
  };
  loop.schedule(timeout,
                [&] { finish("no answer within " + std::to_string(timeout.count()) + " ms"); });
  transport.connect(node, [&](std::shared_ptr<Connection> connection, const std::string& error) {
    if (!connection) {
      finish("cannot connect: " + error);
      return;
    }
    PeerLink::Events events;
    events.on_established = [&] {
      link->send(to_frame(SyncStart{SyncStart::Mode::observer, {}, "crdt status"}));
      link->send(Frame{MessageKind::status_request, {}});
    };
    events.on_message = [&](Frame message) {
      if (message.kind != MessageKind::status) return;
      answer = std::string(message.payload.begin(), message.payload.end());
      loop.stop();
    };
    events.on_closed = [&](const std::string& reason) { finish(reason); };
    link = std::make_unique<PeerLink>(
        std::move(connection), Role::initiator,
        HandshakeConfig{ReplicaId::random(), supported_versions(), secret}, kDefaultMaxFrameSize,
        std::move(events));
    link->start();
  });
  loop.run();
  link.reset();
  transport.shutdown();
  if (answer) return *answer;
  throw std::runtime_error(node.str() + ": " + failure);
}

}  // namespace crdt::sync
