#include "file-transfer/bandwidth.hpp"

#include <time.h>

#include <cerrno>

#include "file-transfer/progress.hpp"

namespace skiff::sftp_cli {

void BandwidthLimit::account(std::size_t bytes) {
  if (kbps_ == 0) return;
  const double now = sftp_cli::monotonic_seconds();
  if (start_ < 0) start_ = now;
  bytes_ += bytes;
  const double allowed_at = start_ + static_cast<double>(bytes_) * 8.0 / (static_cast<double>(kbps_) * 1024.0);
  if (allowed_at > now) {
    const double wait = allowed_at - now;
    timespec ts{static_cast<time_t>(wait), static_cast<long>((wait - static_cast<double>(static_cast<time_t>(wait))) * 1e9)};
    while (::nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
  }
}

}  // namespace skiff::sftp_cli
