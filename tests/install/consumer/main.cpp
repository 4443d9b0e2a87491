// Uses the installed public API: skiff::Error, skiff::Result, skiff::errc_name.
#include <skiff/error.hpp>

#include <cstdio>
#include <cstring>

namespace {

skiff::Result<int> parse_digit(char c) {
  if (c < '0' || c > '9') return skiff::fail(skiff::Errc::bad_format, "not a digit");
  return c - '0';
}

}  // namespace

int main() {
  auto ok = parse_digit('7');
  auto bad = parse_digit('x');
  if (!ok || *ok != 7 || bad || bad.error().code != skiff::Errc::bad_format) {
    std::puts("consumer: unexpected Result values");
    return 1;
  }
  // errc_name lives in the library: this proves the link, not just the header.
  const char* name = skiff::errc_name(skiff::Errc::mac_error);
  if (name == nullptr || std::strlen(name) == 0) {
    std::puts("consumer: errc_name returned nothing");
    return 1;
  }
  std::printf("consumer: %s / %s\n", bad.error().to_string().c_str(), name);
  return 0;
}
