// tcp_relay LISTEN_PORT TARGET_PORT: accepts connections on 127.0.0.1:LISTEN_PORT one at a
// time and copies each to 127.0.0.1:TARGET_PORT and back (blocking read/write, 64 KiB),
// with no framing and no cryptography. bench/forward.sh chains two of them to measure the
// ceiling of this machine for any forwarder that carries the bytes through two user
// processes (a client and a server), as every SSH implementation does.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <thread>

namespace {

sockaddr_in loopback(int port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  return a;
}

// Copies until EOF, then passes the EOF on.
void copy(int from, int to) {
  std::array<char, 64 * 1024> buf;
  for (;;) {
    const ssize_t n = ::read(from, buf.data(), buf.size());
    if (n <= 0) break;
    for (ssize_t done = 0; done < n;) {
      const ssize_t w = ::write(to, buf.data() + done, static_cast<std::size_t>(n - done));
      if (w <= 0) return;
      done += w;
    }
  }
  ::shutdown(to, SHUT_WR);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: tcp_relay LISTEN_PORT TARGET_PORT\n");
    return 2;
  }
  const int listen_port = std::atoi(argv[1]), target_port = std::atoi(argv[2]);
  const int l = ::socket(AF_INET, SOCK_STREAM, 0);
  const int one = 1;
  ::setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  const sockaddr_in la = loopback(listen_port);
  if (::bind(l, reinterpret_cast<const sockaddr*>(&la), sizeof la) != 0 || ::listen(l, 8) != 0) {
    std::perror("tcp_relay: bind");
    return 1;
  }
  for (;;) {
    const int c = ::accept(l, nullptr, nullptr);
    if (c < 0) continue;
    const int t = ::socket(AF_INET, SOCK_STREAM, 0);
    const sockaddr_in ta = loopback(target_port);
    if (::connect(t, reinterpret_cast<const sockaddr*>(&ta), sizeof ta) != 0) {
      std::perror("tcp_relay: connect");
      ::close(c);
      ::close(t);
      continue;
    }
    std::thread back(copy, t, c);  // the sink's answer
    copy(c, t);
    back.join();
    ::close(c);
    ::close(t);
  }
}
