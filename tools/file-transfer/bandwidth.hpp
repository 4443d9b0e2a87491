// scp and sftp -l: a cap on the transfer rate in Kbit/s. After each piece the caller reports
// its size; when we are ahead of the allowed rate, we sleep until we are not.
#pragma once

#include <cstddef>
#include <cstdint>

namespace skiff::sftp_cli {

class BandwidthLimit {
 public:
  explicit BandwidthLimit(std::uint64_t kbps = 0) : kbps_(kbps) {}
  void account(std::size_t bytes);

 private:
  std::uint64_t kbps_;
  std::uint64_t bytes_ = 0;
  double start_ = -1;
};

}  // namespace skiff::sftp_cli
