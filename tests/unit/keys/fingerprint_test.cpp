// Key fingerprints and randomart: for keys made by OpenSSH 9.2p1's ssh-keygen, skiff
// reproduces `ssh-keygen -l[v] -E sha256|md5 -f key.pub` byte for byte. The keys were
// picked from a pool so that the pictures cover the walls and corners (the bishop stuck
// against them), the end mark on a wall, in a corner and in the middle (over the S), and
// squares visited often enough to reach the '^' cap.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "crypto/hash.hpp"
#include "keys/fingerprint.hpp"
#include "keys/ssh_key.hpp"
#include "wire/base64.hpp"

using skiff::crypto::KeyType;
using skiff::keys::decode_public_blob;
using skiff::keys::fingerprint_md5;
using skiff::keys::fingerprint_sha256;
using skiff::keys::key_size_title;
using skiff::keys::randomart;
using skiff::wire::Bytes;

namespace {

struct Case {
  std::string_view public_line;  // as in k.pub: "type base64 comment"
  std::string_view sha256_lv;    // ssh-keygen -lv -E sha256 -f k.pub, final newline dropped
  std::string_view md5_lv;       // ssh-keygen -lv -E md5 -f k.pub, final newline dropped
};

// Generated with OpenSSH_9.2p1 Debian-2+deb12u10 (ssh-keygen -t ed25519 | ecdsa -b
// 256/384/521 | rsa -b 2048/3072). The first line of each -lv output is exactly the
// output of -l with the same -E.
constexpr Case kCases[] = {
    {"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINBvGFz3HzF73qh5GB/epoBKxB/PfvSeMNxYAG/gk7Z1"
     " skiff-fp-1210",
     R"(256 SHA256:pRnPFn45U/F0Wf5oZrxf2Ko46aA0Vx5IeGtStNuGJRY skiff-fp-1210 (ED25519)
+--[ED25519 256]--+
|        E     . *|
|       o o     *.|
|      . O +   . o|
|       = ^ . + ..|
|      . S X = * .|
|       o = o * + |
|      o o ..  o o|
|     . + .o.   o.|
|      .  .o.... .|
+----[SHA256]-----+)",
     R"(256 MD5:62:f0:54:05:4c:a8:4e:78:6e:f3:c7:63:e8:58:23:60 skiff-fp-1210 (ED25519)
+--[ED25519 256]--+
|       ++o.      |
|      ...        |
|   ....          |
|  . ++           |
|  E=  + S        |
| . .=. .         |
|   ..ooo         |
|     +o.=        |
|    ...o .       |
+------[MD5]------+)"},
    {"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHNwgAiitFNSLPVliAKNUjT4eYFG/QcTv4gdOv2wd+vN"
     " skiff-fp-1002",
     R"(256 SHA256:+Zbj95CIM4GhFKYbnr0W5H7KvkPWkxWxSWNaHBA7Z+Y skiff-fp-1002 (ED25519)
+--[ED25519 256]--+
|    o o+Bo       |
|   o . *o+       |
|  o o = *.       |
| . O . O..       |
|  + =..oE        |
|   .oo+  + o .   |
|   o+ ..+ * o    |
|   o.o   = ...   |
|   .=o    .. ..  |
+----[SHA256]-----+)",
     R"(256 MD5:35:7f:07:b7:6d:eb:fa:c8:58:cb:a2:e8:70:04:87:36 skiff-fp-1002 (ED25519)
+--[ED25519 256]--+
|                 |
|      .          |
|     E .  o   . .|
|    . +  . o   oo|
|       .S   . ..+|
|      .      . o.|
|     . .     . . |
|      o .  .= +  |
|      .o ....*oo |
+------[MD5]------+)"},
    {"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPYzxZ/UNAxUACEtn75w439mqODbyge3XPiJIT3hOCjm"
     " skiff-fp-685",
     R"(256 SHA256:xn6jCf4C3cs1FAKLOvRHKUB4/aJ7jS6XdWbL7+b3Ddg skiff-fp-685 (ED25519)
+--[ED25519 256]--+
| oo.  ..         |
|. .... o. .      |
| .. o.+  . .     |
| . o.o..  .      |
|  o..o..S.       |
|  ....oo= o  o   |
|   . *.*.+o.. E  |
|  o =.o.=+...  o |
|   =. .o+=+. .. .|
+----[SHA256]-----+)",
     R"(256 MD5:27:b7:c3:4c:57:b2:56:4d:45:54:1d:47:06:37:98:e2 skiff-fp-685 (ED25519)
+--[ED25519 256]--+
|              +B/|
|           . o =+|
|          . o o .|
|           E =   |
|        S + +    |
|         B +     |
|          =      |
|           .     |
|                 |
+------[MD5]------+)"},
    {"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAj41GOKqzQIlr/XuLmAgCMdGi65iudK04S8F3sGKOFk"
     " skiff-fp-1038",
     R"(256 SHA256:vW2YK6N3F+LDApdSwpn2SFJdpGSR3mdxAJXxD2yhVVs skiff-fp-1038 (ED25519)
+--[ED25519 256]--+
|       .+=+o++o.E|
|      .oo.  o=..o|
|     o +..  .o=. |
|    . B o.. o. o |
|     + =S..o    .|
|      + + .=.    |
|       + o+.o.   |
|        = =o.    |
|      .o =.o     |
+----[SHA256]-----+)",
     R"(256 MD5:47:99:d6:74:73:bb:de:23:c3:71:e9:b1:dc:cc:1a:a7 skiff-fp-1038 (ED25519)
+--[ED25519 256]--+
|            . o .|
|           = . o.|
|          = .  . |
|         o      o|
|        S .  . = |
|         .  . *o=|
|             +.**|
|              o=.|
|              E  |
+------[MD5]------+)"},
    {"ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBHTTZ3x9"
     "w+HjSo9rLtA9Ed4iWT/y6vGjFwc0enf0KKzVdxPblc8vB3NieghwKWIlkSu1v9DUoNJ2WA9XmRsCDVk="
     " skiff-fp-ec256-23",
     R"(256 SHA256:J1R+YyhD5RwaQ7r8yoOURRABSntKmx6Mc1voxUVf8so skiff-fp-ec256-23 (ECDSA)
+---[ECDSA 256]---+
| ...++..*.=      |
|...  ..+ % o     |
|.o . .o * * +    |
|+ =o o.+ + o .   |
|o*o +oo E .      |
|.+.+o  . o       |
| .o. .  .        |
|    ....         |
|      o.         |
+----[SHA256]-----+)",
     R"(256 MD5:0b:90:e5:6a:be:3c:ff:c0:89:0f:99:84:0d:8c:94:48 skiff-fp-ec256-23 (ECDSA)
+---[ECDSA 256]---+
|oE.   .          |
|o+   +           |
|. o o .          |
|   + o           |
|  . = . S        |
|   + = o .       |
|    * + .        |
|   ..+ .         |
|    ooo..        |
+------[MD5]------+)"},
    {"ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBD8nRdR7"
     "4onvogbgJhhk+MxBKztDGVR7h8s09DjinDoVpF/Y4rxaK9W+S+7eoi/QBGjxOlqPmMSLCHb4GaYiqtc="
     " skiff-fp-ec256-37",
     R"(256 SHA256:R+CuP4YTAkgLLJd/JoX8zGTy55Z5NDFQ/WP4GjdNe5k skiff-fp-ec256-37 (ECDSA)
+---[ECDSA 256]---+
|.  o .  oo..     |
|ooo + +. .o .    |
|+o.. X  . .o o   |
|... o B...o . + .|
|   . + oS+.. o ++|
|    . ..=.. . +Eo|
|     ..+ .   + ..|
|      o.o   .    |
|       o..       |
+----[SHA256]-----+)",
     R"(256 MD5:6c:cd:0e:f4:16:27:89:cc:89:49:b2:b5:fb:cf:01:c3 skiff-fp-ec256-37 (ECDSA)
+---[ECDSA 256]---+
|    . o          |
|     = * o .     |
|    . + * + .    |
|       = + +     |
|      . E =      |
|       o *       |
|        . o      |
|         o .     |
|          o      |
+------[MD5]------+)"},
    {"ecdsa-sha2-nistp384 AAAAE2VjZHNhLXNoYTItbmlzdHAzODQAAAAIbmlzdHAzODQAAABhBIcXm2y9"
     "oBKWuPQ37h1HcO3FIXIeGYLO4RD1W9nwcrjI5Zr4BGE857bzsEhi/mw8FDC/CaP9IijU/AxCVFWSI4wP"
     "UnGvqhxBYyOZDfOQEqFvk6AhV7bUvprbuQB38lNyIA== skiff-fp-ec384-36",
     R"(384 SHA256:G9oCZ1SWO8bhuM6U/IyF7IZgJsDHhSjl4O6gczWFqSQ skiff-fp-ec384-36 (ECDSA)
+---[ECDSA 384]---+
|..o .   o.       |
|o+ . + oo        |
|E.+ + o+ o       |
|o+ + o. *        |
|o.o +oo=S.       |
|= +. =Bo.o       |
|o=.. *o=o        |
| o  . *.o        |
|     .           |
+----[SHA256]-----+)",
     R"(384 MD5:ea:a0:01:ca:7b:13:bc:fc:a6:ae:cc:bb:ee:2a:be:ae skiff-fp-ec384-36 (ECDSA)
+---[ECDSA 384]---+
|                 |
|                 |
|                 |
|                 |
|. .     S        |
|o. o   .         |
|..o + .          |
|+ .B +           |
|E&Oo=..          |
+------[MD5]------+)"},
    {"ecdsa-sha2-nistp384 AAAAE2VjZHNhLXNoYTItbmlzdHAzODQAAAAIbmlzdHAzODQAAABhBMWK3feQ"
     "ekaZsaOPUzoZaUX/65C4T6UCdcX4mRxiU7H6X8xQ0WqA/gSujXu5JJtN5Qpa1RzABnnjlVSb7co+8Dv/"
     "ypZAOFC4dBk7TuGjEFjdepUiqV+LBE1kK3L4kHNjZQ== skiff-fp-ec384-40",
     R"(384 SHA256:gV7XClxCn6BoFb+XcC5U81BTu5gIOWYqgUZ+xKExW7w skiff-fp-ec384-40 (ECDSA)
+---[ECDSA 384]---+
|  +o+.oo+ =.o..  |
| o Ooo = B * . . |
|  * =.o # = o .  |
| . oEo * @ + o . |
|    . o S * o .  |
|     .   o       |
|                 |
|                 |
|                 |
+----[SHA256]-----+)",
     R"(384 MD5:a6:34:cd:a3:54:2c:1e:a4:8f:c1:50:19:28:79:41:18 skiff-fp-ec384-40 (ECDSA)
+---[ECDSA 384]---+
|E=++oo.          |
|+ oo.o .         |
| o  + o o        |
|     = *         |
|    . * S        |
|     o = .       |
|      o          |
|                 |
|                 |
+------[MD5]------+)"},
    {"ecdsa-sha2-nistp521 AAAAE2VjZHNhLXNoYTItbmlzdHA1MjEAAAAIbmlzdHA1MjEAAACFBAEbF6gI"
     "pJy6sQtEOkN8fW6DFZe5JIv+Xiz16Pgq2/FQPlZn774J5o1reVd6/VcdMEcI6TbXm1pl91Bf7WRFs1wy"
     "TABAUu90AGlffz0qZGigRnmjrYFlla6aujlHgWJdqbsnFLQd5r35eiRf0yxIb3ArHF4xs4LmQW5AZy/w"
     "7tulaCAqrQ== skiff-fp-ec521-17",
     R"(521 SHA256:uTvyODbbdgNwuz5rLbmM3ZMy18otcJopIhR+1DJtAgg skiff-fp-ec521-17 (ECDSA)
+---[ECDSA 521]---+
|E.               |
|. .              |
|   . o           |
|  . = = ..       |
| . o = oS.       |
|  o .   +..      |
| . .    .@ o     |
|  . . **#+O..    |
|   . o+@X@+=.    |
+----[SHA256]-----+)",
     R"(521 MD5:22:89:9f:69:fb:b9:9f:b4:66:2f:d1:50:59:50:74:47 skiff-fp-ec521-17 (ECDSA)
+---[ECDSA 521]---+
|          .*+ ..E|
|          o  . . |
|         .       |
|   . .  .        |
|  . o . So       |
|   . + .. .      |
|    =   ..       |
|   . . o+o       |
|    ..+=+o.      |
+------[MD5]------+)"},
    {"ecdsa-sha2-nistp521 AAAAE2VjZHNhLXNoYTItbmlzdHA1MjEAAAAIbmlzdHA1MjEAAACFBADUNJNI"
     "n4qORQqiv3Br7FnoR5iZ9XcPhke+vWzA54OQA+LGmV67tdcm5iUBBNoehejuyLtGctaUrSnQ58jDcugY"
     "wQDa/JDI2jDwCt7I4/CqhHuD/VxM/rBg3LeoNoIXKk6m5vAhsva40yhq1UQaJJ9Eyne5YAfJ31dI3g93"
     "jDavrxoP/A== skiff-fp-ec521-48",
     R"(521 SHA256:IhIIGsjEFBS5RlosaACz1cQGwN5jikcjUHWWIXtO3AQ skiff-fp-ec521-48 (ECDSA)
+---[ECDSA 521]---+
|^XB*+ E+.        |
|B&o +*.o         |
|Xo+.. + .        |
|o+o= +           |
|oo+.o o S        |
|.... . .         |
| .               |
|                 |
|                 |
+----[SHA256]-----+)",
     R"(521 MD5:7c:55:31:63:0f:2f:d8:a9:12:7a:cc:6a:f0:38:e7:cc skiff-fp-ec521-48 (ECDSA)
+---[ECDSA 521]---+
|              B. |
|             = B |
|          . o + o|
|       . + o . . |
|      . S * .    |
|       + + .     |
|      o =        |
|       B         |
|        E        |
+------[MD5]------+)"},
    {"ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQCvUmBPqQF/Wkk/J+4gQXVFMpQMIAAuVtosKFpkxs/a"
     "0kjRW+/JzO9kMHcIQlnzCQlgCDXX8PrvJ1imH0RwEky/Lex+YbUtfiwCQ0I+es8FdRiAfwY//JgJ5mE1"
     "3sKKA1e9xXDUFUT3wuteh/dpA8yriGg2GNDqsUXYvCiPDCje/yQGNf0zo8441h01GUXgrmimWj1zW3pH"
     "bjrJSVBB9cFCQV375YxGx82wKrfJBW4iArO0d9AdlWj6atqZbz+lLdxDrBcaeo9ebWyuMeMe51DNeklA"
     "hnNgnaHfVrj3HMgAfv892aV+fuMR7IqNDLo4OnzCd49JZpSbHLHJUfYPtWkh skiff-fp-rsa2048-1",
     R"(2048 SHA256:XOC2wosryAeWKf+rnKZkXHhzr2jb96UUnpXJqGCn6uM skiff-fp-rsa2048-1 (RSA)
+---[RSA 2048]----+
|        .        |
|       . .       |
|        o .      |
|  .  . o oo o    |
| .o+ +o.So =     |
|o=o +.=oo +      |
|+*. ...o + .     |
|+o+=+.... o      |
|.oOE*+. .o       |
+----[SHA256]-----+)",
     R"(2048 MD5:48:a3:f2:14:b5:dc:ba:85:18:15:55:65:cd:6d:d7:7e skiff-fp-rsa2048-1 (RSA)
+---[RSA 2048]----+
|      +o....oo ..|
|     + o   .  o =|
|    o = .      o.|
|     * =        E|
|  . + + S       .|
|   +   o         |
|    . .          |
|                 |
|                 |
+------[MD5]------+)"},
    {"ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQDWBnvfAvEAoRK0StL9swKnXkCEoDyVhJX4t9iBPGMu"
     "yPIXrdcTOeufZgVe2FO/mraAzHZV1pPzD8mhk2IxOhSVMY6s+wKAHqWa29omIc6WKrtzUvP9pFOzFQ8T"
     "i8yMPWutatKe94GYVy9nbf+asAVWeI6B5xuFCaV+IFKsxXCQ33lEdUsFoVZAjFQL8hRNLCHg0Evm9gRU"
     "Z3N7dgAklLkoif58CQm5cGlEORl3IXsMgv5e0ueIs8IunOpW5m7C2whIfMw9olHB6ybN5DycZR+qwMPk"
     "9xOalwgjkSUWnvYq4jVz55EvT1qOvWDc/M13vM38E2V0krI1f4b2jrdoL8jR skiff-fp-rsa2048-3",
     R"(2048 SHA256:h2AJMIYLKytUuQvgUSZglHOTRNCXe/7OklxrBVdIP6U skiff-fp-rsa2048-3 (RSA)
+---[RSA 2048]----+
|+*@*+ .   ...  . |
|==oO + .   ...o  |
|+o= + =     .E   |
|++ . o o o .  .  |
|o.. . o S +      |
|o  .   . o .     |
|.     . + o      |
|       +.+       |
|        +o       |
+----[SHA256]-----+)",
     R"(2048 MD5:1e:15:d2:69:e5:ef:40:9d:34:fc:b3:36:79:d8:f6:da skiff-fp-rsa2048-3 (RSA)
+---[RSA 2048]----+
|        ...o..o  |
|         .+o o.o |
|         .. o o. |
|         . . . ..|
|        S   . .o+|
|       . .   o.=+|
|        .     o.+|
|               ..|
|              ..E|
+------[MD5]------+)"},
    {"ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABgQC8CO4ywA/1tRNE4i6ALPE1Pahxb0Egsbh/LEln30Ko"
     "0GhscpYG3/suRNRh0iutd/oRQqanaSgfwtqyM2Wdn4wYDX5YewBkBiI1Itl0aR/crhGbwMhMR/JlxSAX"
     "uSOIW3UjYxnBmjwhiGFQKjcm1A0UOiOQxf9rO7ET71xypL+Ij1xJR3jRjWn75dEb1yCX/sNufTmKLpF1"
     "EhlVWJfTSP20RPrH8w3GIb1c3oBWVmWxn+vj7DURsGI9wVeuS7i8sWSQI+KTVTb4oBNhfAJp6aSBzr7M"
     "dgWGYXxlullnpDzsAU19zOlweMsbQBqVGS6iMi98T9x+su7UzyMge9L02/RqBVglb8mMJqmWeeRiHoGu"
     "TylKmmgXK/F1PBwNrJIvRZ5Z0SJi2ZxRw4SJzcvxtnLnyQg3IyY0KdvmEnUYN/pdRvOnsM0WRt+Gag+Y"
     "ygnz/4tPZWdGfxQhDPmbKNl5itpbOsiLtjkjbHAo75DkMISkr+BpAU318whYbCklt2UFqN8= skiff-f"
     "p-rsa3072-2",
     R"(3072 SHA256:eRVYRAzjjw+KtRWCwZqNySKxrVPSCm5zpPjjvUb2KXc skiff-fp-rsa3072-2 (RSA)
+---[RSA 3072]----+
|     ..   oB=    |
|.     .o .....   |
| = . *. . o .    |
|= =.* .  o =     |
|+*o.    S = .    |
|== .o  o = o     |
|.ooo ...o   .    |
|  o.o + E        |
| ..oo+ .         |
+----[SHA256]-----+)",
     R"(3072 MD5:f6:94:1a:ae:84:99:ef:10:a1:44:f8:9b:26:e6:8f:aa skiff-fp-rsa3072-2 (RSA)
+---[RSA 3072]----+
| ..              |
|..               |
| .. .            |
| ... .     .     |
|  .o.   S o      |
|..+  = o =       |
|oo  = . o .      |
| ..  + .         |
|E... .+          |
+------[MD5]------+)"},
};

std::string hex(const Bytes& b) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (std::uint8_t c : b) {
    out += kHex[c >> 4];
    out += kHex[c & 0x0f];
  }
  return out;
}

Bytes bytes_of(std::string_view s) { return Bytes(s.begin(), s.end()); }

// What ssh-keygen -l prints: "<bits> <fingerprint> <comment> (<TYPE>)".
std::string list_line(std::size_t bits, const std::string& fingerprint, std::string_view comment,
                      const std::string& title) {
  return std::to_string(bits) + " " + fingerprint + " " + std::string(comment) + " (" +
         title.substr(0, title.find(' ')) + ")";
}

}  // namespace

TEST(Md5, KnownAnswers) {
  // RFC 1321 A.5.
  EXPECT_EQ(hex(skiff::crypto::md5({})), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(hex(skiff::crypto::md5(bytes_of("abc"))), "900150983cd24fb0d6963f7d28e17f72");
  const std::string digits = "1234567890";
  std::string eighty;
  for (int i = 0; i < 8; ++i) eighty += digits;
  EXPECT_EQ(hex(skiff::crypto::md5(bytes_of(eighty))), "57edf4a22be3c955ac49da2e2107b67a");
}

TEST(Fingerprint, KeySizeTitle) {
  EXPECT_EQ(key_size_title(KeyType::ed25519, 256), "ED25519 256");
  EXPECT_EQ(key_size_title(KeyType::ecdsa_p256, 256), "ECDSA 256");
  EXPECT_EQ(key_size_title(KeyType::ecdsa_p384, 384), "ECDSA 384");
  EXPECT_EQ(key_size_title(KeyType::ecdsa_p521, 521), "ECDSA 521");
  EXPECT_EQ(key_size_title(KeyType::rsa, 3072), "RSA 3072");
}

TEST(Fingerprint, MatchesSshKeygen) {
  int n = 0;
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.public_line.substr(0, 60));
    const auto sp1 = c.public_line.find(' ');
    const auto sp2 = c.public_line.find(' ', sp1 + 1);
    ASSERT_NE(sp2, std::string_view::npos);
    const auto type_name = c.public_line.substr(0, sp1);
    const auto comment = c.public_line.substr(sp2 + 1);
    const auto blob = skiff::wire::base64_decode(c.public_line.substr(sp1 + 1, sp2 - sp1 - 1));
    ASSERT_TRUE(blob.has_value());
    auto key = decode_public_blob(*blob);
    ASSERT_TRUE(key.has_value());
    EXPECT_EQ(skiff::keys::key_type_name(key->type()), type_name);
    const std::string title = key_size_title(key->type(), key->bits());

    const std::string sha = fingerprint_sha256(*blob);
    const std::string sha_out =
        list_line(key->bits(), sha, comment, title) + "\n" +
        randomart(skiff::crypto::hash(skiff::crypto::HashAlg::sha256, *blob), title, "SHA256");
    EXPECT_EQ(sha_out, c.sha256_lv);

    const std::string md5 = fingerprint_md5(*blob);
    const std::string md5_out =
        list_line(key->bits(), md5, comment, title) + "\n" + randomart(skiff::crypto::md5(*blob), title, "MD5");
    EXPECT_EQ(md5_out, c.md5_lv);
    ++n;
  }
  EXPECT_EQ(n, 13);
}

TEST(Randomart, EmptyDigestIsEndOverStart) {
  // No moves: the end mark lands on the start square and replaces the S.
  EXPECT_EQ(randomart({}, "ED25519 256", "SHA256"),
            "+--[ED25519 256]--+\n"
            "|                 |\n"
            "|                 |\n"
            "|                 |\n"
            "|                 |\n"
            "|        E        |\n"
            "|                 |\n"
            "|                 |\n"
            "|                 |\n"
            "|                 |\n"
            "+----[SHA256]-----+");
}

TEST(Randomart, StuckInCornerCapsAtCaret) {
  // 0x00 is four up-left moves: from the middle (8,4) the bishop walks the diagonal to
  // the top wall, then along it into the corner (0,0), where the remaining moves of the
  // eight bytes are all visits of the corner, capped at 14 ('^'). 0x55 is four right
  // moves along the top wall, which leaves the end mark at (4,0).
  Bytes digest(8, 0x00);
  digest.push_back(0x55);
  EXPECT_EQ(randomart(digest, "RSA 2048", "MD5"),
            "+---[RSA 2048]----+\n"
            "|^oooE            |\n"
            "|     .           |\n"
            "|      .          |\n"
            "|       .         |\n"
            "|        S        |\n"
            "|                 |\n"
            "|                 |\n"
            "|                 |\n"
            "|                 |\n"
            "+------[MD5]------+");
}

TEST(Randomart, LongLabelsAreCutAsOpenSsh) {
  // "[ED25519-CERT 256]" is 18 characters: OpenSSH falls back to "[ED25519-CERT]".
  const std::string art = randomart({}, "ED25519-CERT 256", "SHA256");
  EXPECT_EQ(art.substr(0, 20), "+-[ED25519-CERT]--+\n");
  // Exactly 17 formatted characters: cut to 16 (the closing bracket is lost).
  EXPECT_EQ(randomart({}, "ABCDEFGHI 12345", "SHA256").substr(0, 20), "+[ABCDEFGHI 12345-+\n");
  // A hash name is only cut.
  EXPECT_EQ(randomart({}, "X", "ABCDEFGHIJKLMNOPQRS").substr(200), "+[ABCDEFGHIJKLMNO-+");
}
