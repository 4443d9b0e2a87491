// The byte streams a transport can run over: a TCP socket (TCP_NODELAY set before the
// first byte), a Unix stream socket, or a pair of file descriptors (inetd mode on
// stdin/stdout, or the pipes of a ProxyCommand).
#pragma once

#include <skiff/stream.hpp>

// The runtime's name for the public skiff::Stream and its factories.
namespace skiff::io {

using ByteStream = skiff::Stream;
using skiff::connect_tcp;
using skiff::connect_unix;
using skiff::make_fd_stream;
using skiff::make_tcp_stream;
using skiff::make_unix_stream;

}  // namespace skiff::io
