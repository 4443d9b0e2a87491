// MaxStartups start:rate:full: connections that have not authenticated yet ("startups")
// are counted by the listener, and a new connection is dropped at random once there are
// `start` of them, with a probability rising linearly from rate% to 100% at `full`, as
// sshd's should_drop_connection().
#pragma once

#include <cstdint>

#include "config/sshd_config.hpp"

namespace skiffd {

// random_percent: a uniform value in 0..99 (taken as a parameter so tests can fix it).
bool should_drop_connection(const skiff::config::MaxStartups& limit, int startups, std::uint32_t random_percent);

// The same with a fresh random value.
bool should_drop_connection(const skiff::config::MaxStartups& limit, int startups);

}  // namespace skiffd
