// skiff's check of an X11 connection setup packet (what an X client on the server sends
// through an "x11" channel) and the substitution of the real cookie for the fake one, plus
// the DISPLAY and xauth-output parsers. Invariants: the verdict does not depend on how
// the bytes were split into blocks; an accepted packet changes only its cookie bytes; a
// complete packet never needs more than kMaxX11SetupBytes.
//
// Input: byte 0 is the block size the bytes arrive in (1..256); the rest is the stream.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "skiff/x11_auth.hpp"

using namespace skiff::cli;

namespace {

const std::vector<std::uint8_t> kReal(16, 0xaa);
const std::vector<std::uint8_t> kFake{0x6d, 0x69, 0x74, 0x2d, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};

void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t block = data[0] + 1u;
  const std::vector<std::uint8_t> stream(data + 1, data + size);
  const X11Spoofer spoofer(std::string(kX11AuthProtocol), kReal, kFake);

  std::vector<std::uint8_t> whole = stream;
  const auto whole_verdict = spoofer.check(whole);
  auto parsed = parse_x11_setup(stream);
  if (parsed.status == X11SetupStatus::complete) {
    check(parsed.header.total <= kMaxX11SetupBytes && parsed.header.total <= stream.size());
  }
  if (whole_verdict == X11Spoofer::Verdict::accepted) {
    check(whole.size() == stream.size());
    const auto& h = parsed.header;
    for (std::size_t i = 0; i < stream.size(); ++i) {
      const bool cookie = i >= h.data_offset && i < h.data_offset + h.data_length;
      check(cookie ? whole[i] == kReal[i - h.data_offset] : whole[i] == stream[i]);
    }
  } else {
    check(whole == stream);  // nothing changed unless accepted
  }

  // As the client receives it: block by block until a verdict.
  std::vector<std::uint8_t> buf;
  auto verdict = X11Spoofer::Verdict::need_more;
  for (std::size_t at = 0; at < stream.size() && verdict == X11Spoofer::Verdict::need_more; at += block) {
    const std::size_t n = std::min(block, stream.size() - at);
    buf.insert(buf.end(), stream.begin() + static_cast<std::ptrdiff_t>(at),
               stream.begin() + static_cast<std::ptrdiff_t>(at + n));
    verdict = spoofer.check(buf);
    check(buf.size() <= kMaxX11SetupBytes + block);
  }
  check(verdict == whole_verdict);

  const std::string text(stream.begin(), stream.end());
  (void)parse_x11_display(text);
  (void)x11_display_valid(text);
  (void)x11_screen_number(text);
  (void)parse_xauth_list_line(text);
  if (auto bytes = from_hex(text)) check(to_hex(*bytes).size() == text.size());
  return 0;
}
