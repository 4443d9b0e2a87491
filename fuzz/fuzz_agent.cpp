// libFuzzer target: the agent's side fed a fuzzed client's byte stream. Byte 0 holds
// options: bits 0-3 the piece size (1 << n bytes), bit 4 a key (Ed25519, fixed seed) is
// added first so that sign and remove requests can find it, bit 5 the store starts
// locked (passphrase "pw"), bit 6 confirmations are answered yes (else no). The rest
// goes through the Framer into the KeyStore; every reply is decoded again with the
// client's decoders. Then the rest is also decoded whole as one client-side reply.
// Nothing may crash, every reply must be a well-formed framed message, a framer error
// must be final, and the store never exceeds its key cap.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "agent/framer.hpp"
#include "agent/key_store.hpp"
#include "agent/messages.hpp"

using namespace skiff;
using namespace skiff::agent;

namespace {
[[noreturn]] void die(const char* why) {
  std::fprintf(stderr, "fuzz_agent: invariant violated: %s\n", why);
  std::abort();
}

void check_reply(const wire::Bytes& reply) {
  if (reply.size() < 5 || wire::get_u32(reply.data()) != reply.size() - 4) die("reply not framed");
  if (reply.size() - 4 > limits::kMaxAgentMessage) die("reply too large");
  const wire::ByteView body = wire::ByteView(reply).subspan(4);
  switch (static_cast<MessageType>(body[0])) {
    case MessageType::identities_answer:
      if (!decode_identities_answer(body)) die("identities answer does not decode");
      break;
    case MessageType::sign_response:
      if (!decode_sign_response(body)) die("sign response does not decode");
      break;
    case MessageType::success:
      if (!decode_status(body)) die("success does not decode");
      break;
    case MessageType::failure:
      break;
    default:
      die("unexpected reply type");
  }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::uint8_t flags = data[0];
  const wire::ByteView stream(data + 1, size - 1);
  KeyStoreConfig config;
  config.unlock_delay = false;
  config.max_keys = 4;
  KeyStore store(config);
  auto now = Clock::time_point{} + std::chrono::seconds(1000);
  if (flags & 0x10) {
    static const std::uint8_t seed[32] = {1, 2, 3};
    auto key = crypto::PrivateKey::ed25519(seed);
    if (!key) die("fixed key");
    auto add = encode_add_identity(*key, "fuzz", Constraints{std::nullopt, (flags & 0x40) != 0});
    store.handle(wire::ByteView(add.data(), add.size()).subspan(4), now);
  }
  if (flags & 0x20) {
    auto lock = encode_lock("pw", true);
    store.handle(wire::ByteView(lock.data(), lock.size()).subspan(4), now);
  }
  Framer framer;
  const std::size_t piece = std::size_t{1} << (flags & 0x0f);
  bool failed = false;
  for (std::size_t pos = 0; pos < stream.size() && !failed; pos += piece) {
    framer.append(stream.subspan(pos, std::min(piece, stream.size() - pos)));
    for (;;) {
      auto msg = framer.next();
      if (!msg) {
        failed = true;
        if (framer.next()) die("framer error not final");
        break;
      }
      if (!*msg) break;
      now += std::chrono::seconds(1);
      Outcome out = store.handle(**msg, now);
      if (out.confirm) {
        if (!out.reply.empty()) die("confirm with a reply");
        out.reply = store.finish_confirm(*out.confirm, true, now);
      }
      check_reply(out.reply);
      if (store.size() > config.max_keys) die("key cap exceeded");
    }
  }
  // The client's decoders on the raw input.
  (void)decode_identities_answer(stream);
  (void)decode_sign_response(stream);
  (void)decode_status(stream);
  (void)decode_request(stream);
  return 0;
}
