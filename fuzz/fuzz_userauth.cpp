// libFuzzer target: the user authentication message decoders (RFC 4252, RFC 4256) and
// the ServerAuth state machine fed hostile requests.
//
// Input: byte 0 picks the mode. Modes 0..7 give the rest to one decoder; whatever it
// accepts must re-encode to a message that decodes to the same encoding again (a fixed
// point) and respect the caps. Mode 8 and up drive a ServerAuth: the rest is a sequence
// of messages, each prefixed by one length byte and one byte that picks the
// application's answer to whatever it asked; time advances a few ms per message. Nothing
// may crash, and once the layer has ended it must stay ended.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "auth/messages.hpp"
#include "auth/server.hpp"
#include "wire/limits.hpp"

using namespace skiff;
using namespace skiff::auth;

namespace {

[[noreturn]] void die(const char* why) {
  std::fprintf(stderr, "fuzz_userauth: invariant violated: %s\n", why);
  std::abort();
}

template <class Decode>
void fixed_point(ByteView in, Decode decode) {
  auto first = decode(in);
  if (!first) return;
  Bytes once = encode(*first);
  auto second = decode(once);
  if (!second) die("an accepted message does not re-decode");
  if (encode(*second) != once) die("encoding is not a fixed point");
}

void check_request(ByteView in) {
  auto r = decode_request(in);
  if (!r) return;
  if (r->user.size() > limits::kMaxUserNameLength) die("user name over the cap");
  if (auto* p = std::get_if<PasswordRequest>(&r->body); p && p->password.size() > limits::kMaxPasswordLength) {
    die("password over the cap");
  }
  // Unknown methods keep no fields: only known ones must round-trip.
  if (std::holds_alternative<OtherMethodRequest>(r->body)) return;
  Bytes once = encode(*r);
  auto again = decode_request(once);
  if (!again || encode(*again) != once) die("request encoding is not a fixed point");
}

void drive_server(const std::uint8_t* data, std::size_t size) {
  ServerAuthConfig config;
  config.authentication_methods = {{"publickey", "password"}, {"keyboard-interactive"}};
  config.banner = "b";
  config.max_auth_tries = 4;
  config.timing_secret = Bytes(16, 3);
  TimePoint now{};
  ServerAuth s(config, Bytes(32, 7), now);
  std::size_t pos = 0;
  bool ended = false;
  while (pos + 2 <= size) {
    const std::size_t len = data[pos];
    const std::uint8_t answer = data[pos + 1];
    pos += 2;
    if (pos + len > size) break;
    auto r = s.receive(ByteView(data + pos, len), now);
    pos += len;
    if (ended && r) die("input accepted after the end");
    while (auto ev = s.poll_event()) {
      if (std::holds_alternative<server_event::Disconnect>(*ev)) ended = true;
      if (std::holds_alternative<server_event::Authenticated>(*ev) && !s.authenticated()) die("lost success");
      const bool decision = std::holds_alternative<server_event::CheckPassword>(*ev) ||
                            std::holds_alternative<server_event::CheckPublicKey>(*ev) ||
                            std::holds_alternative<server_event::KeyboardInteractiveStart>(*ev) ||
                            std::holds_alternative<server_event::KeyboardInteractiveAnswers>(*ev);
      if (!decision) continue;
      switch (answer % 4) {
        case 0: (void)s.accept(now); break;
        case 1: (void)s.reject(now); break;
        case 2: (void)s.request_password_change("p", now); break;
        default: (void)s.send_info_request(InfoRequest{"", "", "", {{"P", false}}}, now); break;
      }
    }
    if (s.closed()) ended = true;
    now += std::chrono::milliseconds(answer % 16);
    if (auto d = s.next_deadline(); d && *d <= now) s.on_timer(now);
    while (auto p = s.next_payload()) {
      if (p->empty() || !msg::is_userauth((*p)[0])) die("sent something that is not a userauth message");
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  ByteView in(data + 1, size - 1);
  switch (data[0]) {
    case 0: check_request(in); break;
    case 1: fixed_point(in, decode_failure); break;
    case 2: (void)decode_success(in); break;
    case 3: fixed_point(in, decode_banner); break;
    case 4: fixed_point(in, decode_pk_ok); break;
    case 5: fixed_point(in, decode_passwd_changereq); break;
    case 6: {
      auto r = decode_info_request(in);
      if (r && r->prompts.size() > limits::kMaxKbdIntPrompts) die("prompts over the cap");
      fixed_point(in, decode_info_request);
      break;
    }
    case 7: fixed_point(in, decode_info_response); break;
    default: drive_server(data + 1, size - 1); break;
  }
  return 0;
}
