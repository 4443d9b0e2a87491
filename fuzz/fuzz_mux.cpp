// skiff's connection-sharing protocol decoder (tools/skiff/mux_protocol.hpp), which a
// ControlMaster runs on whatever a local process writes to its control socket: the framer
// and the decoder over arbitrary bytes, and every decoded message encoded again and
// decoded to the same value.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "skiff/mux_protocol.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace skiff::cli::mux;
  Framer framer;
  // Two reads, split where the first byte says, as a socket might deliver them.
  const std::size_t split = size == 0 ? 0 : data[0] % (size + 1);
  framer.feed(std::span(data, split));
  for (int round = 0; round < 2; ++round) {
    while (true) {
      auto body = framer.next();
      if (!body || !*body) break;
      auto m = decode(**body);
      if (!m) continue;
      auto again = encode(*m);
      Framer f2;
      f2.feed(again);
      auto body2 = f2.next();
      if (!body2 || !*body2) std::abort();
      auto m2 = decode(**body2);
      if (!m2 || !(*m2 == *m)) std::abort();
    }
    framer.feed(std::span(data + split, size - split));
  }
  return 0;
}
