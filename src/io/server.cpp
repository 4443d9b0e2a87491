// skiff::ServerConnection: an endpoint::ServerConnection driven by CoreBase, with the
// application's hooks deciding authentication and serving session channels.
#include <skiff/server.hpp>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/this_coro.hpp>

#include <deque>

#include "io/convert.hpp"
#include "io/core.hpp"
#include "transport/messages.hpp"
#include "wire/limits.hpp"

namespace skiff {

namespace {

endpoint::ServerConfig make_config(const ServerOptions& o) {
  endpoint::ServerConfig c;
  c.transport = o.transport;
  c.transport.role = Role::server;
  c.auth.methods = o.methods;
  c.auth.authentication_methods = o.authentication_methods;
  c.auth.max_auth_tries = o.max_auth_tries;
  c.auth.banner = o.banner;
  c.auth.pubkey_accepted_algorithms = o.pubkey_accepted_algorithms;
  c.auth.timing_secret = o.timing_secret;
  c.auth.login_grace_time = o.login_grace_time;
  if (o.hooks.methods_for_user) {
    c.auth.methods_for_user = [hook = o.hooks.methods_for_user](const std::string& user)
        -> std::optional<auth::ServerAuthConfig::UserMethods> {
      auto m = hook(user);
      if (!m) return std::nullopt;
      return auth::ServerAuthConfig::UserMethods{std::move(m->methods), std::move(m->authentication_methods)};
    };
  }
  return c;
}

// The global requests an application decides; nullopt for the others (refused).
std::optional<GlobalRequest> global_to_public(const connection::GlobalRequestBody& body) {
  namespace c = connection;
  GlobalRequest g;
  if (auto* t = std::get_if<c::TcpipForward>(&body)) {
    g.body = TcpipForwardRequest{t->address, t->port};
  } else if (auto* ct = std::get_if<c::CancelTcpipForward>(&body)) {
    g.body = CancelTcpipForwardRequest{ct->address, ct->port};
  } else if (auto* s = std::get_if<c::StreamlocalForward>(&body)) {
    g.body = StreamlocalForwardRequest{s->socket_path};
  } else if (auto* cs = std::get_if<c::CancelStreamlocalForward>(&body)) {
    g.body = CancelStreamlocalForwardRequest{cs->socket_path};
  } else if (auto* r = std::get_if<c::RawGlobalRequest>(&body)) {
    g.body = OtherGlobalRequest{r->name, r->data};
  } else {
    return std::nullopt;
  }
  return g;
}

}  // namespace

struct KeyboardInteractive::Impl {
  std::weak_ptr<io::CoreBase> core;
  std::string user, submethods, peer;
  std::optional<std::vector<Secret>> answers;
  bool asking = false;
};

namespace io {

class ServerCore final : public CoreBase {
 public:
  ServerCore(asio::any_io_executor ex, std::unique_ptr<Stream> stream, std::shared_ptr<const ServerOptions> o)
      : CoreBase(ex, std::move(stream)), options_(std::move(o)), connection_(make_config(*options_)) {}

  endpoint::ConnectionBase& conn() override { return connection_; }
  endpoint::ServerConnection& server() { return connection_; }
  const ServerOptions& options() const { return *options_; }

 protected:
  void start_conn(TimePoint now) override { connection_.start(now); }
  std::span<std::uint8_t> input_space_conn(std::size_t at_least) override { return connection_.input_space(at_least); }
  void commit_conn(std::size_t n, TimePoint now) override { connection_.commit_input(n, now); }
  void feed_eof_conn(TimePoint now) override { connection_.feed_eof(now); }
  std::optional<TimePoint> conn_deadline() const override { return connection_.next_deadline(); }
  void on_timer_conn(TimePoint now) override { connection_.on_timer(now); }
  std::chrono::seconds alive_interval() const override { return options_->client_alive_interval; }
  unsigned alive_count_max() const override { return options_->client_alive_count_max; }
  std::string alive_timeout_message() const override {
    return "Timeout, client not responding from user " + (user_ ? user_->user : std::string("unknown")) + " " +
           peer();
  }
  void on_ended() override {
    if (options_->hooks.disconnected) options_->hooks.disconnected(end_error());
  }

  void on_open_requested(connection::event::OpenRequested& ev) override {
    const auto& hooks = options_->hooks;
    const bool session = std::holds_alternative<connection::SessionOpen>(ev.body);
    if (!session) {
      auto body = to_public(ev.body);
      if (!body || !hooks.channel_open || !user_) {
        (void)connection_.reject(ev.channel, connection::open_failure::kAdministrativelyProhibited, "open failed");
        return;
      }
      auto in = std::make_shared<IncomingChannel::Impl>(shared_from_this(), ev.channel, std::move(*body), user_);
      spawn([in](std::shared_ptr<ServerCore> self) -> asio::awaitable<void> {
        IncomingChannel request(in);
        co_await self->options_->hooks.channel_open(request);
      });
      return;
    }
    if (!hooks.session || !user_ ||
        (options_->max_sessions != 0 && sessions_ >= options_->max_sessions)) {
      (void)connection_.reject(ev.channel, connection::open_failure::kAdministrativelyProhibited,
                               "open failed");
      return;
    }
    if (!connection_.accept(ev.channel)) return;
    ++sessions_;
    auto ch = adopt_channel(ev.channel);
    ch->open_result = Result<void>{};
    ch->session = true;
    ch->user = user_;
    asio::co_spawn(
        executor(),
        [ch, hook = hooks.session]() -> asio::awaitable<void> {
          Session s(ch);
          co_await hook(s);
          if (!s.closed()) co_await s.close();
        },
        asio::detached);
  }

  void on_channel_closed(Channel::Impl& ch) override {
    if (ch.session) --sessions_;
  }

  void on_global_request(connection::event::GlobalRequest& ev) override {
    auto request = global_to_public(ev.body);
    if (!request || !options_->hooks.global_request || !user_) {
      if (ev.want_reply) (void)connection_.global_reply(false);
      return;
    }
    request->want_reply = ev.want_reply;
    std::shared_ptr<GlobalSlot> slot;
    if (ev.want_reply) {
      slot = std::make_shared<GlobalSlot>();
      const auto* f = std::get_if<TcpipForwardRequest>(&request->body);
      slot->port_wanted = f && f->port == 0;
      global_slots_.push_back(slot);
    }
    spawn([request = std::move(*request), slot](std::shared_ptr<ServerCore> self) -> asio::awaitable<void> {
      ConnectionLink link = self->link();  // named: see channel.hpp on temporaries
      auto answer = co_await self->options_->hooks.global_request(request, *self->user_, link);
      if (!slot) co_return;
      slot->answer = answer;
      self->flush_global_answers();
      self->kick();
    });
  }

  void on_request(Channel::Impl& ch, connection::event::Request& ev) override {
    if (!ch.session) {
      // Only sessions take requests (RFC 4254 6); other channels' are refused.
      if (ev.want_reply) (void)connection_.reply(ch.id, false);
      return;
    }
    auto body = to_public(ev.body);
    const bool refuse = !body;
    if (refuse && !ev.want_reply) return;
    if (refuse && !ch.owe_reply && ch.requests.empty()) {
      (void)connection_.reply(ch.id, false);
      return;
    }
    // Requests without a reply are dropped when the application does not take them, so
    // that a client cannot grow this queue; those with one are bounded by the engine.
    if (!ev.want_reply && ch.requests.size() >= kMaxQueuedSessionRequests) return;
    Channel::Impl::Queued q;
    if (body) q.request.body = std::move(*body);
    q.request.want_reply = ev.want_reply;
    q.auto_refuse = refuse;
    ch.requests.push_back(std::move(q));
    ch.changed.notify();
  }

  void poll_events() override {
    while (auto ev = connection_.poll_event()) {
      std::visit([this](auto& e) { handle(e); }, *ev);
    }
  }

 private:
  static constexpr std::size_t kMaxQueuedSessionRequests = 64;

  void handle(endpoint::event::TransportInfo&) {}
  void handle(endpoint::event::Channel& e) { on_channel_event(e.event); }
  void handle(endpoint::event::Disconnected& e) { set_end(e.error); }
  void handle(endpoint::event::ServerAuth& e) {
    std::visit([this](auto& a) { on_auth(a); }, e.event);
  }

  void on_auth(auth::server_event::CheckPassword& c) {
    if (!options_->hooks.check_password) {
      (void)connection_.reject_auth(Clock::now());
      return;
    }
    PasswordCheck check{c.user, to_public(c.password), std::nullopt, peer()};
    if (c.new_password) check.new_password = to_public(*c.new_password);
    spawn([check = std::move(check)](std::shared_ptr<ServerCore> self) -> asio::awaitable<void> {
      auto verdict = co_await self->options_->hooks.check_password(check);
      if (self->conn().closed()) co_return;
      auto now = Clock::now();
      switch (verdict) {
        case PasswordVerdict::accept: (void)self->connection_.accept_auth(now); break;
        case PasswordVerdict::reject: (void)self->connection_.reject_auth(now); break;
        case PasswordVerdict::change_required:
          (void)self->connection_.request_password_change(self->options_->password_change_prompt, now);
          break;
      }
      self->kick();
    });
  }

  void on_auth(auth::server_event::CheckPublicKey& c) {
    if (!options_->hooks.check_public_key) {
      (void)connection_.reject_auth(Clock::now());
      return;
    }
    spawn([check = PublicKeyCheck{c.user, c.key, c.algorithm, c.verified, peer()}](
              std::shared_ptr<ServerCore> self) -> asio::awaitable<void> {
      bool ok = co_await self->options_->hooks.check_public_key(check);
      if (self->conn().closed()) co_return;
      auto now = Clock::now();
      (void)(ok ? self->connection_.accept_auth(now) : self->connection_.reject_auth(now));
      self->kick();
    });
  }

  void on_auth(auth::server_event::KeyboardInteractiveStart& s) {
    if (!options_->hooks.keyboard_interactive) {
      (void)connection_.reject_auth(Clock::now());
      return;
    }
    auto k = std::make_shared<KeyboardInteractive::Impl>();
    k->core = weak_from_this();
    k->user = s.user;
    k->submethods = s.submethods;
    k->peer = peer();
    kbd_ = k;
    spawn([k](std::shared_ptr<ServerCore> self) -> asio::awaitable<void> {
      KeyboardInteractive conversation(k);
      bool ok = co_await self->options_->hooks.keyboard_interactive(conversation);
      if (self->kbd_ == k) self->kbd_.reset();
      if (self->conn().closed()) co_return;
      auto now = Clock::now();
      (void)(ok ? self->connection_.accept_auth(now) : self->connection_.reject_auth(now));
      self->kick();
    });
  }

  void on_auth(auth::server_event::KeyboardInteractiveAnswers& a) {
    if (!kbd_) return;
    kbd_->answers = to_public(a.responses);
    state_changed().notify();
  }

  void on_auth(auth::server_event::AttemptFailed& f) {
    if (options_->hooks.auth_failed) options_->hooks.auth_failed(AuthFailure{f.user, f.method, f.key, f.failures, peer()});
  }
  void on_auth(auth::server_event::PartialSuccess& p) {
    if (options_->hooks.partial_success) options_->hooks.partial_success(AuthPartialSuccess{p.user, p.method, peer()});
  }
  void on_auth(auth::server_event::Authenticated& a) {
    user_ = std::make_shared<const AuthenticatedUser>(AuthenticatedUser{a.user, a.methods, a.keys, peer()});
    if (options_->hooks.authenticated) options_->hooks.authenticated(*user_);
  }
  void on_auth(auth::server_event::Disconnect&) {
    // The connection acts on it (DISCONNECT with the auth layer's reason) and reports it
    // as Disconnected.
  }

  // Runs f(self) as a coroutine on the connection's executor. co_spawn keeps the callable
  // alive until its coroutine ends, so f's captures stay valid (an awaitable made by
  // calling f here would outlive f).
  template <class F>
  void spawn(F f) {
    auto self = std::static_pointer_cast<ServerCore>(shared_from_this());
    asio::co_spawn(
        executor(), [f = std::move(f), self = std::move(self)]() mutable { return f(self); }, asio::detached);
  }

  std::shared_ptr<const ServerOptions> options_;
  endpoint::ServerConnection connection_;
  std::shared_ptr<const AuthenticatedUser> user_;
  std::shared_ptr<KeyboardInteractive::Impl> kbd_;
  unsigned sessions_ = 0;

  // Answers to global requests go out in the order the requests came.
  struct GlobalSlot {
    std::optional<GlobalRequestAnswer> answer;
    bool port_wanted = false;  // tcpip-forward with port 0: the answer carries the port
  };
  std::deque<std::shared_ptr<GlobalSlot>> global_slots_;

  void flush_global_answers() {
    while (!global_slots_.empty() && global_slots_.front()->answer) {
      const auto& slot = *global_slots_.front();
      Bytes data;
      if (slot.answer->success && slot.port_wanted) {
        const std::uint32_t p = slot.answer->bound_port;
        data = {static_cast<std::uint8_t>(p >> 24), static_cast<std::uint8_t>(p >> 16),
                static_cast<std::uint8_t>(p >> 8), static_cast<std::uint8_t>(p)};
      }
      if (!conn().closed()) (void)connection_.global_reply(slot.answer->success, std::move(data));
      global_slots_.pop_front();
    }
  }
};

}  // namespace io

// ---- KeyboardInteractive ----

const std::string& KeyboardInteractive::user() const noexcept { return impl_->user; }
const std::string& KeyboardInteractive::submethods() const noexcept { return impl_->submethods; }
const std::string& KeyboardInteractive::peer() const noexcept { return impl_->peer; }

asio::awaitable<Result<std::vector<Secret>>> KeyboardInteractive::ask(const KeyboardInteractiveRequest& request) {
  auto impl = impl_;
  auto core = std::static_pointer_cast<io::ServerCore>(impl->core.lock());
  if (!core || core->closing()) co_return fail(Errc::disconnected, "connection closed");
  if (request.prompts.size() > limits::kMaxKbdIntPrompts) co_return fail(Errc::too_large, "too many prompts");
  impl->answers.reset();
  if (auto r = core->server().send_info_request(io::to_core(request), Clock::now()); !r) {
    co_return std::unexpected(r.error());
  }
  core->kick();
  while (!impl->answers) {
    if (core->closing()) co_return std::unexpected(core->end_error());
    co_await core->state_changed().wait();
  }
  auto answers = std::move(*impl->answers);
  impl->answers.reset();
  co_return answers;
}

// ---- ServerConnection ----

struct ServerConnection::Impl {
  std::unique_ptr<Stream> stream;
  std::shared_ptr<const ServerOptions> options;
  std::shared_ptr<io::ServerCore> core;
  std::string peer;
  std::optional<std::pair<std::string, std::uint32_t>> early_disconnect;
};

ServerConnection::ServerConnection(std::unique_ptr<Stream> stream, std::shared_ptr<const ServerOptions> options)
    : impl_(std::make_shared<Impl>()) {
  impl_->peer = stream ? stream->describe() : std::string();
  impl_->stream = std::move(stream);
  impl_->options = std::move(options);
}
ServerConnection::ServerConnection(ServerConnection&&) noexcept = default;
ServerConnection& ServerConnection::operator=(ServerConnection&&) noexcept = default;
ServerConnection::~ServerConnection() = default;

asio::awaitable<Error> ServerConnection::run() {
  auto impl = impl_;
  if (!impl->stream || !impl->options) co_return Error{Errc::invalid_argument, "no stream or no options"};
  if (impl->core) co_return Error{Errc::invalid_argument, "the connection runs already"};
  auto ex = co_await asio::this_coro::executor;
  impl->core = std::make_shared<io::ServerCore>(ex, std::move(impl->stream), impl->options);
  if (impl->early_disconnect) {
    impl->core->conn().disconnect(impl->early_disconnect->second, impl->early_disconnect->first);
  }
  Error e = co_await impl->core->run();
  // The core's coroutines are done; hooks still running keep it alive until they return.
  impl->core.reset();
  co_return e;
}

void ServerConnection::disconnect(std::string description, std::uint32_t reason) {
  if (impl_->core) {
    impl_->core->disconnect(reason, std::move(description));
  } else {
    impl_->early_disconnect = {std::move(description), reason};
  }
}

std::string ServerConnection::peer() const { return impl_->peer; }

}  // namespace skiff
