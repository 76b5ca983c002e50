// Invariants:
// - A link is two endpoints and two directions; directions[i] carries units from side i to side
//   1 - i. A direction's units are in delivery order and their arrival times never decrease, so
//   one drain event per direction, at the front unit's arrival, delivers them all in order.
// - queued_bytes counts the sender's bytes still in its direction (duplicate copies are the
//   network's doing and are not counted against the sender).
// - broken means both ends are closed and nothing more moves; a link with one side closed still
//   carries that side's last units and its FIN to the peer.
// - Only the event queue is shared with other threads; everything else runs on the thread that
//   calls step().
#include "sim_network.hpp"

#include <algorithm>
#include <deque>
#include <utility>

namespace crdt::sync::test {
namespace detail {

struct Unit {
  Bytes bytes;
  std::uint64_t arrival_ms = 0;
  std::uint64_t number = 0;   // per direction, in send order; for the trace
  bool fin = false;           // the sender closed: the receiver's on_closed comes after the units
  bool counted = true;        // part of the sender's queued_bytes
  bool swap_pending = false;  // the reorder fault: the next unit sent overtakes this one
};

struct Direction {
  std::deque<Unit> units;
  std::size_t queued_bytes = 0;
  std::uint64_t last_arrival_ms = 0;
  std::uint64_t next_number = 1;
  bool drain_scheduled = false;
};

struct SimLink {
  SimNetwork* network = nullptr;  // nullptr once the network is gone
  std::uint64_t id = 0;
  SimHost* hosts[2] = {nullptr, nullptr};
  std::uint16_t ports[2] = {0, 0};
  std::weak_ptr<SimEndpoint> ends[2];
  Direction directions[2];
  bool broken = false;

  std::string label(int from) const {
    return "c" + std::to_string(id) + " " + hosts[from]->name() + ">" + hosts[1 - from]->name();
  }
};

class SimEndpoint : public Connection, public std::enable_shared_from_this<SimEndpoint> {
 public:
  SimEndpoint(std::shared_ptr<SimLink> link, int side) : link_(std::move(link)), side_(side) {}

  ~SimEndpoint() override {
    // Dropping a connection without close() still closes it, as destroying a socket does; there
    // is no handler left to tell.
    if (link_->network == nullptr || closed_) return;
    closed_ = true;
    notified_ = true;
    link_->network->close_side(link_, side_);
  }

  void start(Handler& handler) override {
    handler_ = &handler;
    if (link_->network == nullptr) return;
    if (closed_) {
      link_->network->notify_closed(shared_from_this());
    } else {
      link_->network->schedule_drain(link_, 1 - side_);
    }
  }

  bool send(Bytes bytes) override {
    SimNetwork* network = link_->network;
    if (network == nullptr) return false;
    if (closed_) {
      ++network->stats_.sends_refused;
      return false;
    }
    return network->send(link_, side_, std::move(bytes));
  }

  std::size_t queued_bytes() const override { return link_->directions[side_].queued_bytes; }

  std::size_t max_queued_bytes() const override {
    return link_->network == nullptr ? 0 : link_->network->max_queued_bytes();
  }

  void close(const std::string& reason) override {
    SimNetwork* network = link_->network;
    if (network == nullptr || closed_) return;
    closed_ = true;
    reason_ = reason;
    network->log(link_->label(side_) + " close: " + reason);
    network->close_side(link_, side_);
    network->notify_closed(shared_from_this());
  }

  void detach() override {
    notified_ = true;
    handler_ = nullptr;
    SimNetwork* network = link_->network;
    if (network == nullptr || closed_) return;
    closed_ = true;
    reason_ = "detached";
    network->log(link_->label(side_) + " detached");
    network->close_side(link_, side_);
  }

  std::string remote() const override {
    if (link_->network == nullptr) return "";
    int peer = 1 - side_;
    return link_->hosts[peer]->name() + ":" + std::to_string(link_->ports[peer]);
  }

  SimHost& host() const { return *link_->hosts[side_]; }

  std::shared_ptr<SimLink> link_;
  int side_;
  Handler* handler_ = nullptr;
  bool closed_ = false;
  bool notified_ = false;  // on_closed ran, or never will (detached, or its host crashed)
  std::string reason_;
};

}  // namespace detail

using detail::SimEndpoint;
using detail::SimLink;

std::string SimStats::str() const {
  return "sent " + std::to_string(units_sent) + " units/" + std::to_string(bytes_sent) +
         " B, delivered " + std::to_string(units_delivered) + "/" +
         std::to_string(bytes_delivered) + " B, dropped " + std::to_string(units_dropped) +
         ", duplicated " + std::to_string(units_duplicated) + ", reordered " +
         std::to_string(units_reordered) + ", corrupted " + std::to_string(units_corrupted) +
         ", lost " + std::to_string(units_lost) + ", refused " + std::to_string(sends_refused) +
         ", disconnects " + std::to_string(disconnects) + ", connects " + std::to_string(connects) +
         " (refused " + std::to_string(connects_refused) + ", timed out " +
         std::to_string(connects_timed_out) + "), partition breaks " +
         std::to_string(partition_breaks) + ", crashes " + std::to_string(crashes) + ", events " +
         std::to_string(events_run);
}

// --- SimHost ---

void SimHost::Loop::post(std::function<void()> fn) {
  host_.network_.enqueue(0, &host_, std::move(fn));
}

TimerId SimHost::Loop::schedule(std::chrono::milliseconds delay, std::function<void()> fn) {
  auto ms = static_cast<std::uint64_t>(std::max<std::chrono::milliseconds::rep>(delay.count(), 0));
  return host_.network_.enqueue(ms, &host_, std::move(fn), true);
}

void SimHost::Loop::cancel(TimerId timer) { host_.network_.cancel(timer); }

std::uint64_t SimHost::Loop::now_ms() const { return host_.network_.now_ms(); }

Transport::ListenResult SimHost::Net::listen(const Address& address, AcceptHandler on_accept) {
  if (address.host != host_.name_) {
    return {std::nullopt, "cannot listen on " + address.host + ": this host is " + host_.name_};
  }
  std::uint16_t port = address.port;
  if (port == 0) {
    while (host_.listeners_.count(host_.next_listen_port_) != 0) ++host_.next_listen_port_;
    port = host_.next_listen_port_++;
  }
  if (host_.listeners_.count(port) != 0) {
    return {std::nullopt, host_.name_ + ":" + std::to_string(port) + ": address already in use"};
  }
  host_.listeners_[port] = Listener{host_.network_.next_listener_++, std::move(on_accept)};
  host_.network_.log(host_.name_ + " listens on " + std::to_string(port));
  return {Address{host_.name_, port}, ""};
}

void SimHost::Net::connect(const Address& address, ConnectHandler on_done) {
  host_.network_.connect(host_, address, std::move(on_done));
}

void SimHost::Net::shutdown() {
  host_.network_.log(host_.name_ + " shuts its transport down");
  host_.listeners_.clear();
  ++host_.generation_;
  for (auto& endpoint : host_.live_endpoints()) endpoint->close("transport shut down");
}

std::vector<std::shared_ptr<SimEndpoint>> SimHost::live_endpoints() {
  std::erase_if(endpoints_, [](const std::weak_ptr<SimEndpoint>& weak) { return weak.expired(); });
  std::vector<std::shared_ptr<SimEndpoint>> live;
  for (const auto& weak : endpoints_) {
    if (auto endpoint = weak.lock()) live.push_back(std::move(endpoint));
  }
  return live;
}

void SimHost::crash() {
  ++network_.stats_.crashes;
  network_.log(name_ + " crashes");
  ++generation_;
  listeners_.clear();
  paused_ = false;
  for (auto& weak : network_.links_) {
    if (auto link = weak.lock(); link && (link->hosts[0] == this || link->hosts[1] == this)) {
      network_.break_link(*link, "connection reset by peer", this);
    }
  }
  endpoints_.clear();
  network_.drop_events_of(*this);
}

void SimHost::pause_reading(bool paused) {
  paused_ = paused;
  network_.log(name_ + (paused ? " pauses reading" : " resumes reading"));
  if (paused) return;
  for (auto& weak : network_.links_) {
    auto link = weak.lock();
    if (!link) continue;
    for (int side : {0, 1}) {
      if (link->hosts[side] == this) network_.schedule_drain(link, 1 - side);
    }
  }
}

// --- SimNetwork: the clock and the event queue ---

SimNetwork::SimNetwork(std::uint64_t seed, SimFaults faults) : random_(seed), faults_(faults) {}

SimNetwork::~SimNetwork() {
  for (auto& weak : links_) {
    if (auto link = weak.lock()) link->network = nullptr;
  }
  // Destroyed outside the lock: the functions may hold endpoints whose destructors run.
  std::map<EventKey, Event> leftover;
  {
    std::lock_guard lock(queue_mutex_);
    leftover.swap(queue_);
    timers_.clear();
  }
}

SimHost& SimNetwork::host(const std::string& name) {
  auto& slot = hosts_[name];
  if (!slot) slot.reset(new SimHost(*this, name));
  return *slot;
}

std::uint64_t SimNetwork::enqueue(std::uint64_t delay_ms, SimHost* owner, std::function<void()> fn,
                                  bool cancellable) {
  std::lock_guard lock(queue_mutex_);
  std::uint64_t id = next_event_++;
  std::uint64_t at = now_ms_ + delay_ms;
  queue_.emplace(EventKey{at, id}, Event{std::move(fn), owner});
  if (cancellable) timers_.emplace(id, at);
  return id;
}

void SimNetwork::cancel(TimerId timer) {
  std::function<void()> cancelled;
  std::lock_guard lock(queue_mutex_);
  auto found = timers_.find(timer);
  if (found == timers_.end()) return;
  auto event = queue_.find(EventKey{found->second, timer});
  cancelled = std::move(event->second.fn);
  queue_.erase(event);
  timers_.erase(found);
  // `lock` is released before `cancelled` is destroyed (reverse declaration order).
}

void SimNetwork::drop_events_of(SimHost& host) {
  std::vector<std::function<void()>> dropped;
  std::lock_guard lock(queue_mutex_);
  for (auto it = queue_.begin(); it != queue_.end();) {
    if (it->second.owner != &host) {
      ++it;
      continue;
    }
    dropped.push_back(std::move(it->second.fn));
    timers_.erase(it->first.second);
    it = queue_.erase(it);
  }
}

bool SimNetwork::step() {
  Event event;
  {
    std::lock_guard lock(queue_mutex_);
    if (queue_.empty()) return false;
    auto first = queue_.begin();
    now_ms_ = std::max(now_ms_, first->first.first);
    event = std::move(first->second);
    timers_.erase(first->first.second);
    queue_.erase(first);
  }
  ++stats_.events_run;
  event.fn();
  return true;
}

void SimNetwork::run_until(std::uint64_t t_ms) {
  for (;;) {
    {
      std::lock_guard lock(queue_mutex_);
      if (queue_.empty() || queue_.begin()->first.first > t_ms) break;
    }
    step();
  }
  std::lock_guard lock(queue_mutex_);
  now_ms_ = std::max(now_ms_, t_ms);
}

bool SimNetwork::run_until_idle(std::uint64_t max_ms) {
  std::uint64_t deadline = now_ms_ + max_ms;
  for (;;) {
    {
      std::lock_guard lock(queue_mutex_);
      if (queue_.empty()) return true;
      if (queue_.begin()->first.first > deadline) {
        now_ms_ = deadline;
        return false;
      }
    }
    step();
  }
}

bool SimNetwork::idle() const {
  std::lock_guard lock(queue_mutex_);
  return queue_.empty();
}

std::uint64_t SimNetwork::draw(std::uint64_t low, std::uint64_t high) {
  // Not std::uniform_int_distribution: its output differs between standard libraries, and a
  // seed should replay the same schedule everywhere.
  if (high <= low) return low;
  return low + random_() % (high - low + 1);
}

bool SimNetwork::chance(double probability) {
  if (probability <= 0) return false;
  return static_cast<double>(random_() >> 11) * 0x1.0p-53 < probability;
}

std::uint64_t SimNetwork::latency() { return draw(faults_.min_latency_ms, faults_.max_latency_ms); }

void SimNetwork::log(const std::string& line) {
  if (tracing_) trace_.push_back(std::to_string(now_ms_) + " " + line);
}

std::string SimNetwork::trace_text() const {
  std::string text;
  for (const auto& line : trace_) text += line + "\n";
  return text;
}

// --- partitions ---

void SimNetwork::partition(std::vector<std::vector<std::string>> groups) {
  group_of_.clear();
  std::string description;
  for (std::size_t i = 0; i < groups.size(); ++i) {
    description += " {";
    for (const auto& name : groups[i]) {
      group_of_[name] = static_cast<int>(i);
      description += " " + name;
    }
    description += " }";
  }
  log("partition" + description);
  for (auto& weak : links_) {
    auto link = weak.lock();
    if (!link || link->broken || reachable(link->hosts[0]->name(), link->hosts[1]->name())) {
      continue;
    }
    ++stats_.partition_breaks;
    break_link(*link, "simulated partition", nullptr);
  }
}

void SimNetwork::heal() {
  group_of_.clear();
  log("heal");
}

bool SimNetwork::reachable(const std::string& from, const std::string& to) const {
  if (group_of_.empty()) return true;
  auto group = [&](const std::string& name) {
    auto found = group_of_.find(name);
    return found == group_of_.end() ? -1 : found->second;
  };
  return group(from) == group(to);
}

// --- connections ---

void SimNetwork::connect(SimHost& from, const Address& to, Transport::ConnectHandler on_done) {
  log(from.name() + " connects to " + to.host + ":" + std::to_string(to.port));
  std::uint64_t started = now_ms_;
  std::uint64_t generation = from.generation_;
  enqueue(latency(), &from, [this, &from, to, on_done = std::move(on_done), started, generation] {
    arrive(from, to, on_done, started, generation);
  });
}

void SimNetwork::arrive(SimHost& from, Address to, Transport::ConnectHandler on_done,
                        std::uint64_t started_ms, std::uint64_t generation) {
  std::string what = from.name() + " -> " + to.host + ":" + std::to_string(to.port);
  if (generation != from.generation_) {
    log(what + " abandoned: transport shut down");
    on_done(nullptr, "transport shut down");
    return;
  }
  auto refuse = [&] {
    ++stats_.connects_refused;
    log(what + " refused");
    on_done(nullptr, "connection refused");
  };
  auto target = hosts_.find(to.host);
  if (target == hosts_.end()) return refuse();
  if (!reachable(from.name(), to.host)) {
    ++stats_.connects_timed_out;
    log(what + " unreachable, times out");
    std::uint64_t fails_at = std::max(now_ms_, started_ms + faults_.connect_timeout_ms);
    enqueue(fails_at - now_ms_, &from, [on_done] { on_done(nullptr, "connection timed out"); });
    return;
  }
  auto listener = target->second->listeners_.find(to.port);
  if (listener == target->second->listeners_.end()) return refuse();

  SimHost& server = *target->second;
  auto link = std::make_shared<SimLink>();
  link->network = this;
  link->id = next_link_++;
  link->hosts[0] = &from;
  link->hosts[1] = &server;
  link->ports[0] = from.next_ephemeral_port_++;
  link->ports[1] = to.port;
  auto client = std::make_shared<SimEndpoint>(link, 0);
  auto accepted = std::make_shared<SimEndpoint>(link, 1);
  link->ends[0] = client;
  link->ends[1] = accepted;
  std::erase_if(links_, [](const std::weak_ptr<SimLink>& weak) { return weak.expired(); });
  links_.push_back(link);
  from.endpoints_.push_back(client);
  server.endpoints_.push_back(accepted);
  ++stats_.connects;
  log(what + " connected as c" + std::to_string(link->id));

  enqueue(0, &server, [&server, port = to.port, id = listener->second.id, accepted] {
    auto current = server.listeners_.find(port);
    // Stopped listening meanwhile: `accepted` dies with this function, so the client sees a
    // close.
    if (current == server.listeners_.end() || current->second.id != id) return;
    auto on_accept = current->second.on_accept;  // the handler may replace the listener
    on_accept(accepted);
  });
  on_done(client, "");
}

bool SimNetwork::send(const std::shared_ptr<SimLink>& link, int side, Bytes bytes) {
  detail::Direction& direction = link->directions[side];
  if (direction.queued_bytes + bytes.size() > max_queued_bytes_) {
    ++stats_.sends_refused;
    log(link->label(side) + " send of " + std::to_string(bytes.size()) + " B refused: queue full");
    return false;
  }
  if (bytes.empty()) return true;  // a stream has no empty reads
  ++stats_.units_sent;
  stats_.bytes_sent += bytes.size();
  std::uint64_t number = direction.next_number++;
  std::size_t size = bytes.size();
  auto what = [&] {
    return link->label(side) + " #" + std::to_string(number) + " (" + std::to_string(size) + " B)";
  };

  auto peer = link->ends[1 - side].lock();
  if (link->broken || !peer || peer->closed_) {
    ++stats_.units_lost;
    log(what() + " lost: the peer closed");
    return true;
  }
  if (chance(faults_.disconnect)) {
    log(what() + " breaks the connection");
    std::weak_ptr<SimLink> weak = link;
    enqueue(latency(), nullptr, [this, weak] {
      auto broken = weak.lock();
      if (!broken || broken->broken) return;
      ++stats_.disconnects;
      break_link(*broken, "simulated disconnect", nullptr);
    });
    return true;
  }
  if (chance(faults_.drop)) {
    ++stats_.units_dropped;
    log(what() + " dropped");
    return true;
  }
  if (chance(faults_.corrupt)) {
    std::uint64_t bit = draw(0, bytes.size() * 8 - 1);
    bytes[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
    ++stats_.units_corrupted;
    log(what() + " corrupted at bit " + std::to_string(bit));
  }

  auto push = [&](Bytes payload, bool counted) {
    detail::Unit unit;
    unit.arrival_ms = std::max(now_ms_ + latency(), direction.last_arrival_ms);
    direction.last_arrival_ms = unit.arrival_ms;
    unit.number = number;
    unit.counted = counted;
    if (counted) direction.queued_bytes += payload.size();
    unit.bytes = std::move(payload);
    log(what() + " arrives at " + std::to_string(unit.arrival_ms));
    direction.units.push_back(std::move(unit));
  };
  bool overtakes = !direction.units.empty() && direction.units.back().swap_pending;
  Bytes copy;
  bool duplicated = chance(faults_.duplicate);
  if (duplicated) copy = bytes;
  push(std::move(bytes), true);
  if (overtakes) {
    // Swap the payloads, keep the arrival times: the order changes, the timing stays monotonic.
    auto n = direction.units.size();
    std::swap(direction.units[n - 2], direction.units[n - 1]);
    std::swap(direction.units[n - 2].arrival_ms, direction.units[n - 1].arrival_ms);
    direction.units[n - 1].swap_pending = false;
    ++stats_.units_reordered;
    log(what() + " overtakes #" + std::to_string(direction.units[n - 1].number));
  }
  if (duplicated) {
    ++stats_.units_duplicated;
    log(what() + " duplicated");
    push(std::move(copy), false);
  }
  if (chance(faults_.reorder)) direction.units.back().swap_pending = true;
  schedule_drain(link, side);
  return true;
}

void SimNetwork::schedule_drain(const std::shared_ptr<SimLink>& link, int from_side) {
  detail::Direction& direction = link->directions[from_side];
  if (direction.drain_scheduled || direction.units.empty() || link->broken) return;
  direction.drain_scheduled = true;
  std::uint64_t at = std::max(now_ms_, direction.units.front().arrival_ms);
  std::weak_ptr<SimLink> weak = link;
  enqueue(at - now_ms_, nullptr, [this, weak, from_side] {
    if (auto live = weak.lock()) drain(live, from_side);
  });
}

void SimNetwork::drain(const std::shared_ptr<SimLink>& link, int from_side) {
  detail::Direction& direction = link->directions[from_side];
  direction.drain_scheduled = false;
  if (link->broken || direction.units.empty()) return;
  if (direction.units.front().arrival_ms > now_ms_) {
    schedule_drain(link, from_side);
    return;
  }
  int to_side = 1 - from_side;
  auto receiver = link->ends[to_side].lock();
  if (!receiver || receiver->closed_) {
    lose(*link, from_side);
    return;
  }
  // Paused or not started yet: pause_reading(false) or start() schedules the drain again.
  if (link->hosts[to_side]->paused_ || receiver->handler_ == nullptr) return;

  detail::Unit unit = std::move(direction.units.front());
  direction.units.pop_front();
  if (unit.counted) direction.queued_bytes -= unit.bytes.size();
  schedule_drain(link, from_side);

  if (unit.fin) {
    receiver->closed_ = true;
    receiver->notified_ = true;
    receiver->reason_ = "closed by peer";
    lose(*link, to_side);
    link->broken = true;
    log(link->label(from_side) + " FIN delivered");
    receiver->handler_->on_closed(receiver->reason_);
    return;
  }
  ++stats_.units_delivered;
  stats_.bytes_delivered += unit.bytes.size();
  log(link->label(from_side) + " #" + std::to_string(unit.number) + " delivered");
  receiver->handler_->on_bytes(unit.bytes);
}

void SimNetwork::close_side(const std::shared_ptr<SimLink>& link, int side) {
  lose(*link, 1 - side);
  auto peer = link->ends[1 - side].lock();
  if (link->broken || !peer || peer->closed_) {
    lose(*link, side);
    link->broken = true;
    return;
  }
  detail::Direction& direction = link->directions[side];
  detail::Unit fin;
  fin.fin = true;
  fin.counted = false;
  fin.arrival_ms = std::max(now_ms_ + latency(), direction.last_arrival_ms);
  direction.last_arrival_ms = fin.arrival_ms;
  direction.units.push_back(std::move(fin));
  schedule_drain(link, side);
}

void SimNetwork::break_link(SimLink& link, const std::string& reason, const SimHost* crashed) {
  if (link.broken) return;
  log("c" + std::to_string(link.id) + " " + link.hosts[0]->name() + "<>" + link.hosts[1]->name() +
      " breaks: " + reason);
  for (int side : {0, 1}) {
    auto endpoint = link.ends[side].lock();
    if (!endpoint || endpoint->closed_) continue;
    endpoint->closed_ = true;
    if (link.hosts[side] == crashed) {
      endpoint->notified_ = true;
      endpoint->reason_ = "host crashed";
    } else {
      endpoint->reason_ = reason;
      notify_closed(endpoint);
    }
  }
  lose(link, 0);
  lose(link, 1);
  link.broken = true;
}

void SimNetwork::notify_closed(const std::shared_ptr<SimEndpoint>& endpoint) {
  // Without a handler yet, start() calls this again.
  if (endpoint->notified_ || endpoint->handler_ == nullptr) return;
  std::weak_ptr<SimEndpoint> weak = endpoint;
  enqueue(0, &endpoint->host(), [weak] {
    auto live = weak.lock();
    if (!live || live->notified_ || live->handler_ == nullptr) return;
    live->notified_ = true;
    live->handler_->on_closed(live->reason_);
  });
}

void SimNetwork::lose(SimLink& link, int from_side) {
  detail::Direction& direction = link.directions[from_side];
  for (const auto& unit : direction.units) {
    if (!unit.fin) ++stats_.units_lost;
  }
  direction.units.clear();
  direction.queued_bytes = 0;
}

}  // namespace crdt::sync::test
