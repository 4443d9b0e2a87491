#include "startups.hpp"

#include <random>

namespace skiffd {

bool should_drop_connection(const skiff::config::MaxStartups& limit, int startups, std::uint32_t random_percent) {
  if (startups < limit.begin) return false;
  if (startups >= limit.full) return true;
  if (limit.rate >= 100) return true;
  // begin < full here (startups lies between them), so the division is safe.
  const int p = limit.rate + (100 - limit.rate) * (startups - limit.begin) / (limit.full - limit.begin);
  return static_cast<int>(random_percent) < p;
}

bool should_drop_connection(const skiff::config::MaxStartups& limit, int startups) {
  static std::random_device device;
  std::uniform_int_distribution<std::uint32_t> percent(0, 99);
  return should_drop_connection(limit, startups, percent(device));
}

}  // namespace skiffd
