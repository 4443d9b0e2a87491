// skiff's SOCKS server parser (-D, remote dynamic forwarding) against a hostile SOCKS
// client: the input is what the client sends, cut into pieces where byte 0 says. The
// parser must end in a request or a failure without reading past its cap, never crash,
// and what it reports must be consistent (a request has a host; its replies are the
// sizes of their version).
//
// Input: byte 0 is the piece size (0: all at once); the rest is the stream.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "skiff/socks.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::size_t piece = data[0] == 0 ? size : data[0];
  std::span<const std::uint8_t> in(data + 1, size - 1);
  skiff::cli::socks::ServerParser p;
  using State = skiff::cli::socks::ServerParser::State;
  std::size_t output = 0;
  while (!in.empty()) {
    auto n = std::min(piece, in.size());
    State s = p.feed(in.first(n));
    output += p.take_output().size();
    in = in.subspan(n);
    if (s != State::need_more) break;
  }
  if (output > 2 + 10) std::abort();  // a method choice and one refusal at most
  if (p.state() == State::request) {
    const auto& r = p.request();
    if (r.host.empty() || (r.version != 4 && r.version != 5)) std::abort();
    auto reply = p.reply(skiff::cli::socks::Reply::succeeded);
    if (reply.size() != (r.version == 4 ? 8u : 10u)) std::abort();
    if (p.take_rest().size() > size) std::abort();
  } else if (p.state() == State::failed && p.error().empty()) {
    std::abort();
  }
  return 0;
}
