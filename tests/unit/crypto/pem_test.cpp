// PEM and PKCS#8 keys: files that OpenSSH's ssh-keygen and the openssl tool wrote are
// read (public halves equal ssh-keygen -y), unencrypted output equals theirs byte for
// byte, encrypted output reads back, and malformed or foreign keys are refused cleanly.
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "crypto/pem.hpp"
#include "keys/ssh_key.hpp"
#include "wire/base64.hpp"

using skiff::Errc;
using skiff::crypto::KeyType;
using skiff::crypto::PemPrivateFormat;
using skiff::crypto::PemPublicFormat;
using skiff::crypto::PrivateKey;
using skiff::crypto::PublicKey;
using skiff::crypto::pem_private_key_is_encrypted;
using skiff::crypto::private_key_from_pem;
using skiff::crypto::private_key_to_pem;
using skiff::crypto::public_key_from_pem;
using skiff::crypto::public_key_to_pem;
using skiff::wire::Bytes;

namespace {

// Fixtures made in a temporary directory with OpenSSH 9.2 and OpenSSL 3.0:
//   ssh-keygen -t rsa -b 1024 | -t ecdsa -b 256|384|521  -m PEM|PKCS8  -N '' | -N 'pass phrase'
//   ssh-keygen -t dsa -m PEM -N ''
//   openssl genpkey -algorithm ed25519; openssl pkcs8 -topk8 -v2 aes-256-cbc
//   openssl rsa -traditional [-aes256] of the PKCS#8 RSA key
//   openssl ec -pubout -conv_form compressed; openssl pkey -pubout
//   ssh-keygen -t rsa -b 2048 | ecdsa: ssh-keygen -e -m PKCS8 | -m PEM -f key.pub
//   openssl genpkey secp256k1 / RSA 512 / X25519; openssl dsaparam -genkey 1024
//   openssl pkcs8 -topk8 -iter 2000000 | -scrypt -scrypt_N 16384 -scrypt_r 8
//     -scrypt_p 1|64 | -v1 PBE-SHA1-3DES [-iter 3000000]  (cost bounds)
// The *Pub strings are the key.pub files that ssh-keygen wrote next to each key (for
// the ssh-keygen keys, identical to ssh-keygen -y of the private key file).

constexpr std::string_view kRsaPkcs1 = R"PEM(-----BEGIN RSA PRIVATE KEY-----
MIICWwIBAAKBgQCu7o34Ae7flpqWiDVI9qEdYZP2euIjdAAUQ14mseEQ7YmMSYvv
u6G2eMVziYyl4eUTAZvxbdvsV0SPzzBTU+OZykQ603SCJLrBUq8SkbQHJ0+1zXfU
tyklrlMOlEAASvdxUG1mRcN1KSmkRPxRdKgywYLWaw+skqgdduE5Y+NqmQIDAQAB
AoGAD/TeqlKy0V5Rd42xHpiwlZeDAaav3gAEydRjUDBFkV+5fjxvMUzyMUzO5f0U
AUWbuaIZ8WnN9772GBAUHmW2ivgTN0IUmU2S4tXcfDk8bSY+mFWBnu4AgQTHeRtO
RIWXYG9/BD6NA9veT3uTvhZZfW4X9ZQF8ElE+QK2DH9FuwECQQDZj9s8koze8vZL
JURHhdWnK6HkaeQiWg/o+Wd4r1Xy69luc+qr6wOXfwPn6u+YX/gkh64Bai07uryK
LhIPsRExAkEAzdaTQ8+R//hAgXGQYO9Pyn5pNfe9Caf8czF9MViozu2dlW3jgn7W
xDDzBKCZWyTdtCHMg4hdMz55hNmOu/3V6QJAG2aQ2Bok/9ddya0R4mgqtnk6VIg5
oVHyewceTwbWLlgh9FVJEwnwU949YbInJuu/Vup3sdnrhIBKSqTuxWcpoQJAJfQO
q042qW/o1PVPndACcl/knmLTpFgpIERbxSGH3r/JcqgUbxdcGki8RnomTLv7dR9W
Slp2dOBsH6bNvrQLIQJAC7csDv4U8GB0UAdoH2uWBLD7G7xSAFr2YeM0eOU+Dtcu
A3URKXB0jjL9qeoPTMWdax6o9NkRUFT0hKX6iU92GA==
-----END RSA PRIVATE KEY-----
)PEM";
constexpr std::string_view kRsaPkcs1Pub = R"PEM(ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQCu7o34Ae7flpqWiDVI9qEdYZP2euIjdAAUQ14mseEQ7YmMSYvvu6G2eMVziYyl4eUTAZvxbdvsV0SPzzBTU+OZykQ603SCJLrBUq8SkbQHJ0+1zXfUtyklrlMOlEAASvdxUG1mRcN1KSmkRPxRdKgywYLWaw+skqgdduE5Y+NqmQ== c
)PEM";
constexpr std::string_view kRsaPkcs1Enc = R"PEM(-----BEGIN RSA PRIVATE KEY-----
Proc-Type: 4,ENCRYPTED
DEK-Info: AES-128-CBC,D2BE6E5CBF0E2268CD053C1FC1F60603

o0as8wryxYTlvQ4LH/WujJHzXXcEb3IebTzNkAXEHbEau/CPqwF4D+IScsyhVygK
ZYDipIMIDSoBJPXFIrHTpGBWCzkNIj4+5vUeXrC4DT48780yB6OO5h1rgz89OeF1
0EFNBJSWkPCBIv70R9EaETM7DQArLKqetO5Bw9cNcapmznb+wqWaE+Gwx6VIJMGj
ijBK+S/+dvUzKxfuTUlisZyFguMHgFoQzCmBdEYTScvg8bSOdE6SaORg2ORlHfP8
As9UQkLp1TxrnJus4FTsGKiXYXVza9KiqL+4QfSSZKilhWODF836oZDyF1XjOGrA
++ZvUvi/RUvYnOjBCno/Hvw1cA7kMQgdW4F4CiBaJIIMQuL6yNZKHF1w+TmAyx3x
Lnfq5IswrhoX67ZHQDs3gn2tO3r1wS3QxWhuwAw6Mh3QwavuKsj2rpjFQo9RS869
SrjZZMHJY6IABLiRWis197Ro93JK/5zeS83KcHGAaKmx80r+yjc2VLZjlCHXDuPb
NnbHl9BFXaX7IZoC/bEAnLC4rLPY7Y3Rlb3fyySD4dhJUIom1feMJirN3QfTgOpH
igMexj6GzjF2DVRtT1FbjlnmFO8OrkYpHPvnc98oTQ5trBn4TZOHw+6RwfuUF5G5
OSJCn3nJ3uQmu4SkyQrDuDwCezoFsmsDL0ATfh6PNERK4Uz6gmJ2+abwzMusTPkL
5+o6CDJOR+YvE5RRmA79hs9+c90Pn/3O/WJxclPIIb2NS4VqirQrx/TQpoTodSja
1hz4uhY+KwgItt85bmb83csfqcVLv1dURFmB8kf3YLZRl7RZLErNAwfRL5bvoIzP
-----END RSA PRIVATE KEY-----
)PEM";
constexpr std::string_view kRsaPkcs1EncPub = R"PEM(ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQDGtcCV7pFTiPakt7N3vObvzcSqVLooCykt1Eb17Fe+ENv2/bRWoMOtcRK9cMZ3fRb+0LJhaQ2v3KQNcWwYNvUe0ASo9+J7lOx2E8d7/sl6lnpnY2g6dzk5WfAOCxKmr0ABmcbQiVBx/BUpwwuAg+bx3nzyKTOfKvlssfpqiZc5eQ== c
)PEM";
constexpr std::string_view kRsaPkcs8 = R"PEM(-----BEGIN PRIVATE KEY-----
MIICdgIBADANBgkqhkiG9w0BAQEFAASCAmAwggJcAgEAAoGBALEnGfhzPqFk6qd+
HATnURqGe8gWGjpr0NstMM0czq9/ABk5JTQ7uvONxAH7eV94gemtmL7o65Zz8FJ3
dEzX/FcAR854CsgovxGNaf57iMiR9NhXTElAsaAWeuJvlPrurQuQpSFcm7r/oCDm
ApDZZ1CCGATmKwVOHqfXGoA/UTrPAgMBAAECgYEAqgspX5Vnic3ve8SOKprK+9YY
3M9yb59sA+ZV0JyVPFmAg7WZo5Ct+/iZK3nyYBSxRteOJbo34Nv60328EcLEgDl8
WYcF36eYCMRJNLi2b1tOHaY+4Tz7wIcoz9j94lEZq+xeRarqDOm25oSSG/huoNci
NCaOT4Hl9Am2DFh5tkECQQDVzd6SsdOTNxWOXt+MlbiyMpR9wtRGGLMWHDKzbB7M
6eHVkJUsT5whJyFc8cQ9jlsl3iB9cMV/AnZfceUdAGBvAkEA1B15VFqJIp0l+uBa
vCpg4OV5eu9phyM3rmJkzM8cIgoEWBjXPd7KROgioPzXGQXaH8LnKTqwxwjMWpsq
CVU7oQJAGurnWbqvs3oc6abCKFX1QeIiVc8AoK6dZWw5aeNz4UKU3ylrzn9bXcUq
ayQ5G7LfgN39Yy2ef8YUlyGkwcj5WwJAYd7jn69SfT0jTBl+5Dltj/dx0O5ss6Tl
STovJm0dnvsePAPiNLL6g0bUy5E+MlaH6YXFoTlqXbvKhrf3cmz4YQJAKxrXj+T/
NImEDYkHl8JE+q3gxKLVVWsxrxiGIiuLXsnrLBAUU45+aCl0kQtuklqzfJ1hoMUu
tAl8wxcJBqR4pQ==
-----END PRIVATE KEY-----
)PEM";
constexpr std::string_view kRsaPkcs8Pub = R"PEM(ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQCxJxn4cz6hZOqnfhwE51EahnvIFho6a9DbLTDNHM6vfwAZOSU0O7rzjcQB+3lfeIHprZi+6OuWc/BSd3RM1/xXAEfOeArIKL8RjWn+e4jIkfTYV0xJQLGgFnrib5T67q0LkKUhXJu6/6Ag5gKQ2WdQghgE5isFTh6n1xqAP1E6zw== c
)PEM";
constexpr std::string_view kRsaPkcs8Enc = R"PEM(-----BEGIN ENCRYPTED PRIVATE KEY-----
MIIC3TBXBgkqhkiG9w0BBQ0wSjApBgkqhkiG9w0BBQwwHAQIfwSJAyXdFhsCAggA
MAwGCCqGSIb3DQIJBQAwHQYJYIZIAWUDBAECBBC28Y/rO+0s5ZFgnOavw44EBIIC
gHmRhL8zFrFp6FlABs1R+M5RvnBVLUskmph7cn5uR/K1HWeWFY2APokdjqIjT4vL
JKcjEl6aITOueCj37PTRt9p8XDA0L6R9pg1Tylwo6u4QSes5LK+pWbDL7bf+B/4t
DZ79pZqauqSX/CQb/qro16geN+LJDT4UEy94AY/ci3i/awlR0CtvQ7it+XnQi07e
my5x+Er19VU9iGJP7AV58FY6hr7jcfNruQoqyzS7gpj4Ul2b6TE+BiKGPcnL83hF
xVP5F61xxlUpaS8pbG3vb2QjUy3jiOnJXBcEx/pn2h+FbPLSWEhNw0kMaQlfEDuK
v9cEYESSLPZIGw7L5+USHtBOGH4Y3AyO0ikYPGdvyCNl49AFKlGHelpDeA/sblRQ
4ibGdDrhFcNY1HCsUFD+pgCQCCYsBoudRC5EtsJeoT2xvPoR3Rq45vdG9eAybyw0
DTbJ4UkB2sZ0Uc5KMR8NwTZbzCfto3fgjWt3w3iuNfAAjeLperJK0S5MIcZyzolV
Hc8NeuMnvBFUccm4nQHJKLYI6Gld7XSNJQKncpWYSqeZWYvL+vNWcdMdt5HllVDR
OIEV7GGOOKCaoei14dmKzONXgBFbCVgNy6WEf9mmUc59RgQG8lwHg84Q9bBQHdL8
dPpcgJS4C+S4lbeXhZB9HIZHCKsTlXOtqUNBNj9jvCnx6TeywZwmy21kt1IXf2JK
VNVszlsmhkyAjNzutFDguSPgK7zDQHJ70ZYKza8i7SgRXgrwfazLQHwVVQFVXmOo
kfMPhf8gJvn1LCyun/dyCM017UurYYbFdQbDFFR226+nY7+E84ALmL3aiy/eROh7
1t66OQaLMl1KsiCeuPjKjaA=
-----END ENCRYPTED PRIVATE KEY-----
)PEM";
constexpr std::string_view kRsaPkcs8EncPub = R"PEM(ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQDToA/4oTHkq6XX1mWkfuC4/6B5y3OuH5kGmtMdhsLUydTibFYByYWWG/FMkv6/J2liQYQLvaIutPcIZHD+ZHXhmScfU2AG3ulXuap2yzdWYfYpmdjX7b4YpZzv4mqch0N//odicgdbUE7JrbRFlTolKq5QHlusUTIdDPj6IXSfHw== c
)PEM";
constexpr std::string_view kRsaTraditional = R"PEM(-----BEGIN RSA PRIVATE KEY-----
MIICXAIBAAKBgQCxJxn4cz6hZOqnfhwE51EahnvIFho6a9DbLTDNHM6vfwAZOSU0
O7rzjcQB+3lfeIHprZi+6OuWc/BSd3RM1/xXAEfOeArIKL8RjWn+e4jIkfTYV0xJ
QLGgFnrib5T67q0LkKUhXJu6/6Ag5gKQ2WdQghgE5isFTh6n1xqAP1E6zwIDAQAB
AoGBAKoLKV+VZ4nN73vEjiqayvvWGNzPcm+fbAPmVdCclTxZgIO1maOQrfv4mSt5
8mAUsUbXjiW6N+Db+tN9vBHCxIA5fFmHBd+nmAjESTS4tm9bTh2mPuE8+8CHKM/Y
/eJRGavsXkWq6gzptuaEkhv4bqDXIjQmjk+B5fQJtgxYebZBAkEA1c3ekrHTkzcV
jl7fjJW4sjKUfcLURhizFhwys2wezOnh1ZCVLE+cISchXPHEPY5bJd4gfXDFfwJ2
X3HlHQBgbwJBANQdeVRaiSKdJfrgWrwqYODleXrvaYcjN65iZMzPHCIKBFgY1z3e
ykToIqD81xkF2h/C5yk6sMcIzFqbKglVO6ECQBrq51m6r7N6HOmmwihV9UHiIlXP
AKCunWVsOWnjc+FClN8pa85/W13FKmskORuy34Dd/WMtnn/GFJchpMHI+VsCQGHe
45+vUn09I0wZfuQ5bY/3cdDubLOk5Uk6LyZtHZ77HjwD4jSy+oNG1MuRPjJWh+mF
xaE5al27yoa393Js+GECQCsa14/k/zSJhA2JB5fCRPqt4MSi1VVrMa8YhiIri17J
6ywQFFOOfmgpdJELbpJas3ydYaDFLrQJfMMXCQakeKU=
-----END RSA PRIVATE KEY-----
)PEM";
constexpr std::string_view kRsaTraditionalAes256 = R"PEM(-----BEGIN RSA PRIVATE KEY-----
Proc-Type: 4,ENCRYPTED
DEK-Info: AES-256-CBC,69C12A73E221E1949D7CCFEA8306D360

n4wtXzKt4aH1nQr4YtS+BvGozh3K5Zf4rix1Q8a1NLiuWd+GGTBtySLfCcwua/kQ
Z47GTEqAeIbSOlKRUvo8FTWrqLkfMy1ZlR/6pfYKQbLo6wWso923OLixAkxVpbfh
r77Vwj0cAiCq2Xcv8fdtC3zqDvo4136bHcndrwX0mHFoJdCjUWT6IBD/4AkVPMe2
FTnL0yz8H5zifk2cwRUNG/0Rr/s2yynBcFWWif+KBFJ2P6/81uPlDEdwda64vEik
49/d/hIfE8DssfxE43k+tf2aH0J24we3weynSmJ3SB5CoDK9wGN67UeWgGyhW0XF
Btq6BPcOASSlQKrNIndIsVA5bQKF37X4vNZCzofGFbDiFRWX2lS5Mf2HbPcIn4ua
VFzF9h5FFFkIdi5TY0QPPTMFs8IJL9xa6nHvPdo1UG5gRMOKGW85+47lD5L7iEz6
QzDEglKEACop2CyDwoRjb4GOvVn1uqnyWhBbsyz3kDoOnL0J6vT3xpbsiB2DSQ0a
NjR22aBDAu/vKpCNeNpQq9HjydlS4JRAtG6vj8LBtBlf90nKyAjOv7ehtSGStLDw
p9n2p7MOGmouCBOFvCPW1n8pNKsdBl8jYWoUflOr0yqdUwfe/OpZhhxZrTxP39IN
d4Q56SnSmtNGEC3c9JcLSVEV0wShCqv5eOFQp5eKqeJby5u6ATQyg2W901U0VE5f
rbHcEVJ81iBKpIkU2YDrOr8dbGThQ7VQcvSl/Xk4A7CYTGWDht48/cWl0lPb64Sc
vzHCtP2cBfQWg6LSvGDLyz5BufyqlTaS+ZRp7jIHwBm3yWJb7p+3nqfq1Vms1MFf
-----END RSA PRIVATE KEY-----
)PEM";
constexpr std::string_view kEc256Sec1 = R"PEM(-----BEGIN EC PRIVATE KEY-----
MHcCAQEEIDI6qt73bChUOlC2oAh2xD6oiFXYx9MKmxjnJNcSquJGoAoGCCqGSM49
AwEHoUQDQgAEyb1gth8QaCsWto71DmMRAvCzD/EzH/kdRtab0Bzr/mt3SFY90XAx
bhwWtTbD+BJCBo2sGcr07NSbFgHEuPiB+w==
-----END EC PRIVATE KEY-----
)PEM";
constexpr std::string_view kEc256Sec1Pub = R"PEM(ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBMm9YLYfEGgrFraO9Q5jEQLwsw/xMx/5HUbWm9Ac6/5rd0hWPdFwMW4cFrU2w/gSQgaNrBnK9OzUmxYBxLj4gfs= c
)PEM";
constexpr std::string_view kEc384Sec1 = R"PEM(-----BEGIN EC PRIVATE KEY-----
MIGkAgEBBDCPR+1T2E84gsIJ7Ee5/wgF0Bqq2GLrCYzMiXKWuH/HypvK51+gqxY2
Xwk5E3CFKhigBwYFK4EEACKhZANiAAScd8tgT9ud4QKXNzfCJoMiQry8D4dd6JhJ
Owi2h4AjxSoTbX4TvP3x5XyAkFhTcycViIZoJhMQVV7DLi91JPMl03GIiqLPlRsq
jsY2DjkwxxEjeeyriFlMnaZg4wQfX6A=
-----END EC PRIVATE KEY-----
)PEM";
constexpr std::string_view kEc384Sec1Pub = R"PEM(ecdsa-sha2-nistp384 AAAAE2VjZHNhLXNoYTItbmlzdHAzODQAAAAIbmlzdHAzODQAAABhBJx3y2BP253hApc3N8ImgyJCvLwPh13omEk7CLaHgCPFKhNtfhO8/fHlfICQWFNzJxWIhmgmExBVXsMuL3Uk8yXTcYiKos+VGyqOxjYOOTDHESN57KuIWUydpmDjBB9foA== c
)PEM";
constexpr std::string_view kEc521Sec1 = R"PEM(-----BEGIN EC PRIVATE KEY-----
MIHcAgEBBEIB1G0p/837kHT/qGCBkLi5VovWIPSk8hUqQvmKKO7AqDaIw6Q+wc5/
/2cKwKgEVxYm2iuBNKIKVqrrqmyy0LpN5KegBwYFK4EEACOhgYkDgYYABAChfu7r
biJFCoS/VNpeYbiXqQfY5UGsK9rgeXvaADpAzYQS+6ZvWI5/XZfO8xQptlc+ds0g
4/vay+aAVE8iwh60KQG7fcGzVCuccVij9FDZZjxtaGZo7MpBI/D1w5/siedUGW3U
D4NuPyl1eChvG+yEzC3Lxxv2TBq3Y0e2qVgahHTb5g==
-----END EC PRIVATE KEY-----
)PEM";
constexpr std::string_view kEc521Sec1Pub = R"PEM(ecdsa-sha2-nistp521 AAAAE2VjZHNhLXNoYTItbmlzdHA1MjEAAAAIbmlzdHA1MjEAAACFBAChfu7rbiJFCoS/VNpeYbiXqQfY5UGsK9rgeXvaADpAzYQS+6ZvWI5/XZfO8xQptlc+ds0g4/vay+aAVE8iwh60KQG7fcGzVCuccVij9FDZZjxtaGZo7MpBI/D1w5/siedUGW3UD4NuPyl1eChvG+yEzC3Lxxv2TBq3Y0e2qVgahHTb5g== c
)PEM";
constexpr std::string_view kEc256Pkcs8 = R"PEM(-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg/367GmzHxTF6KAZV
9Dsfq2wcKAoELOG1Bz77cf9YwXihRANCAASFOrEwkZMLMXN0QUO+V7Td9aTwq4TM
0kO3TJkWn4lBvpcJGBPQpn7mWiIi7wkfeOMMzz3z3umx+amRNdiFW3IZ
-----END PRIVATE KEY-----
)PEM";
constexpr std::string_view kEc256Pkcs8Pub = R"PEM(ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBIU6sTCRkwsxc3RBQ75XtN31pPCrhMzSQ7dMmRafiUG+lwkYE9CmfuZaIiLvCR944wzPPfPe6bH5qZE12IVbchk= c
)PEM";
constexpr std::string_view kEc384Pkcs8 = R"PEM(-----BEGIN PRIVATE KEY-----
MIG2AgEAMBAGByqGSM49AgEGBSuBBAAiBIGeMIGbAgEBBDAMaov0Jk4Vs1BJFJXj
6pGeA0uM0N7dPDrc0D07bbkF/bZCVALCh+PUdT3dBbbDRHChZANiAASUPfWZ9o2C
k4zi3V7uJYANAUApdiiwIxYID7TYi2ccTN0I8yfMU3IqbwkCC2L4EsGfRH6ZkIpC
QLuuB2COy8UrtAOjhwYoByeNZptc6hSfAWdyhYYGpqn0GUSvNy5DhjE=
-----END PRIVATE KEY-----
)PEM";
constexpr std::string_view kEc384Pkcs8Pub = R"PEM(ecdsa-sha2-nistp384 AAAAE2VjZHNhLXNoYTItbmlzdHAzODQAAAAIbmlzdHAzODQAAABhBJQ99Zn2jYKTjOLdXu4lgA0BQCl2KLAjFggPtNiLZxxM3QjzJ8xTcipvCQILYvgSwZ9EfpmQikJAu64HYI7LxSu0A6OHBigHJ41mm1zqFJ8BZ3KFhgamqfQZRK83LkOGMQ== c
)PEM";
constexpr std::string_view kEc521Pkcs8 = R"PEM(-----BEGIN PRIVATE KEY-----
MIHuAgEAMBAGByqGSM49AgEGBSuBBAAjBIHWMIHTAgEBBEIAV5V7AN0fhwMJqqX1
4B0JmQ42yKRhQCE0vCa106hVLnjsLostdAwaHETIlA3ECZLZ3bdPOqQ9H5pThWYQ
bni1LSmhgYkDgYYABADqVxLqFA5uxFxXPH0+Y5JmJlTNzTJiKyH39Fwu2K082CVn
cymZBJtL3iB1jPXuoHZg550i0K5WiFkI+kctDnsm4wEJOlDIqkVBaVYNjjOlApXu
bonoib/qAWEPDmfLecw9PDD90HTuNUaNJR86wHWtdYEovqjz9zl5ntBii70IAb7W
GQ==
-----END PRIVATE KEY-----
)PEM";
constexpr std::string_view kEc521Pkcs8Pub = R"PEM(ecdsa-sha2-nistp521 AAAAE2VjZHNhLXNoYTItbmlzdHA1MjEAAAAIbmlzdHA1MjEAAACFBADqVxLqFA5uxFxXPH0+Y5JmJlTNzTJiKyH39Fwu2K082CVncymZBJtL3iB1jPXuoHZg550i0K5WiFkI+kctDnsm4wEJOlDIqkVBaVYNjjOlApXubonoib/qAWEPDmfLecw9PDD90HTuNUaNJR86wHWtdYEovqjz9zl5ntBii70IAb7WGQ== c
)PEM";
constexpr std::string_view kEc256Sec1Enc = R"PEM(-----BEGIN EC PRIVATE KEY-----
Proc-Type: 4,ENCRYPTED
DEK-Info: AES-128-CBC,085F6B2015704B74BF98717F259CCD41

FSpCqglewZSbhAVXTviwJFaHh6GwTDnM0HhPJMimWTWDhqHRWUMsnM9hcWpUhcuB
AVYNJTBE1KgE0Uhvz2BVTT8xY+fv8194Jw/5baOxByC5bSpmM+FA16w3Ti8e9WUM
UboZYqIotg4muZ1G7fFMtpu1IsuxrBBpylOstf41wHc=
-----END EC PRIVATE KEY-----
)PEM";
constexpr std::string_view kEc256Sec1EncPub = R"PEM(ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBAn/8FkCAmuO82VAdxIGORz1Au20MAsDYUaQ/39C+u0U846haV1wrtMnm8RbAkfZsOhhxil1cspJjNRyBLM3hro= c
)PEM";
constexpr std::string_view kEc384Pkcs8Enc = R"PEM(-----BEGIN ENCRYPTED PRIVATE KEY-----
MIIBHDBXBgkqhkiG9w0BBQ0wSjApBgkqhkiG9w0BBQwwHAQI7V4XXMBasMsCAggA
MAwGCCqGSIb3DQIJBQAwHQYJYIZIAWUDBAECBBBpYJx4gvoqYR9iwrl+zypgBIHA
/ntVLRUlCCx7qN21ncn7JIaDkYsF88f5j3IefC2UN1ueP3IEwBdmJiki/rTNqOxU
qSPIeXSRiyrMEL4VA48pT4VPmxcvU8ZQyuctXr3PJcDxWo+rDCRFU/77s22dEmR2
8OabBho0a5Ar+LREi+qRrBPHhG4dO6/S5ADtYZL3lOESv1v1hrFJbMkdDmE1OkHV
vDxSU2Q1/bynNmU0F+Zjzn9lBVjLhGIOwLgPGiE59yagZ9WH54a1AwMpk9hIn5v+
-----END ENCRYPTED PRIVATE KEY-----
)PEM";
constexpr std::string_view kEc384Pkcs8EncPub = R"PEM(ecdsa-sha2-nistp384 AAAAE2VjZHNhLXNoYTItbmlzdHAzODQAAAAIbmlzdHAzODQAAABhBDMW56yEFYv2mhrod461LQkJKZXnQ9Ptwix+VjgXoycNpGq9PtWSLKwF7hwngYJPhgwYUYdwQTtALL3vADGYZ0o/Wprg83SAGWxvOku1qiUJOZFYqGxsqX7fh32uWOOdTw== c
)PEM";
constexpr std::string_view kEd25519Pkcs8 = R"PEM(-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEICg90DhtduCvCQq3nwsML35k4j6wRMtEYVQYzibgOP+J
-----END PRIVATE KEY-----
)PEM";
constexpr std::string_view kEd25519Pkcs8Enc = R"PEM(-----BEGIN ENCRYPTED PRIVATE KEY-----
MIGbMFcGCSqGSIb3DQEFDTBKMCkGCSqGSIb3DQEFDDAcBAgSe0NVyDXNgwICCAAw
DAYIKoZIhvcNAgkFADAdBglghkgBZQMEASoEEImgYSvD6S9aAfkRS+upMUgEQACc
//WCExIwv2HWnx3iSimDnrWOHoAmXeMpmKJ4qKwOABtXi4U6BW+Ok7oM8kiDxxMq
q3kWHwt93PMXGQmi1uI=
-----END ENCRYPTED PRIVATE KEY-----
)PEM";
constexpr std::string_view kSecp256k1 = R"PEM(-----BEGIN PRIVATE KEY-----
MIGEAgEAMBAGByqGSM49AgEGBSuBBAAKBG0wawIBAQQgrSzrkp4HuqmjkinMpB8Y
hJLIVJODXtn0JZFwJW7Th2KhRANCAAQ6mccaydf+XqG4XQhA6VS/PHX64KIjhkDK
XSRElc4hsnXrhj5J2t3r32CXtu6os48EASLsn53huKLKakseco/I
-----END PRIVATE KEY-----
)PEM";
constexpr std::string_view kDsaPkcs8WithParams = R"PEM(-----BEGIN DSA PARAMETERS-----
MIIBJgKBgQCYV8lkdNnDTtWVYFc7L78gtRzVpkpSvrhLP7qChtjRe5C0NH3FGuv8
o/RQAXUgBQcDWBK3s5vuAoa+0dSp0s0Nf0B5bpJ220j9B6ourtdmX1HPSxCdBd3m
Vlcyg9s0euQ7QJ5t3esKLxYOO5Aw/Vdtf27Gr7NjVTzkVOKz/7pWfwIdAPsgOH77
cgF2ZwM1WS5o05FI6TQEGiVk/lj0ztkCgYBUwso0WN7bmLIyPfmqlfHYUJh3NRk0
QuTSQ+8H3Iziv/UZZnB+dYMGcaTLgOiqhd/k71oAxs8CH9btd0ztgxQYNuMEqlHP
Ho8rBRCj+1+qND0ktfqQSkd90azSkXixueeAtFiKsnkdgkvpzJqbRirFVMikKD+5
aSp6xFey6jpI2w==
-----END DSA PARAMETERS-----
-----BEGIN PRIVATE KEY-----
MIIBWgIBADCCATMGByqGSM44BAEwggEmAoGBAJhXyWR02cNO1ZVgVzsvvyC1HNWm
SlK+uEs/uoKG2NF7kLQ0fcUa6/yj9FABdSAFBwNYErezm+4Chr7R1KnSzQ1/QHlu
knbbSP0Hqi6u12ZfUc9LEJ0F3eZWVzKD2zR65DtAnm3d6wovFg47kDD9V21/bsav
s2NVPORU4rP/ulZ/Ah0A+yA4fvtyAXZnAzVZLmjTkUjpNAQaJWT+WPTO2QKBgFTC
yjRY3tuYsjI9+aqV8dhQmHc1GTRC5NJD7wfcjOK/9RlmcH51gwZxpMuA6KqF3+Tv
WgDGzwIf1u13TO2DFBg24wSqUc8ejysFEKP7X6o0PSS1+pBKR33RrNKReLG554C0
WIqyeR2CS+nMmptGKsVUyKQoP7lpKnrEV7LqOkjbBB4CHEtsuCcOvJC6MkAuY6Dj
VEJQeXf6Q2e2Ym4Is/c=
-----END PRIVATE KEY-----
)PEM";
constexpr std::string_view kDsaPem = R"PEM(-----BEGIN DSA PRIVATE KEY-----
MIIBuwIBAAKBgQDaOokp+/ZRf5ky9cDY9LneeUFe3uIJ/Y5vKNBUWaxp5J4S1Gjv
Cup5MiEIX61NbTpSRtRJ/XxkUTPlKycao6iwZJhtUNb3PP5D/1wk01zQSOJXyh99
oYNeXLjuzES4guLCmiQQ5wh1piGYtqkEG+fQ0vKIG1IebTVTR8DhGEeiRwIVAKB3
12Nv2wYdcrWUAlEFZY3zkb3HAoGAeKmCHTBI67qurouYIuT4/XxNXPSlstKvEwdN
OB4QtZ7bv9C+rF0osYSWd76brhc9/CwBZ49rj0ajUB9RPrlJOxVk1YpdO0YekTgT
vi+rnPoJfSY9DT4eeZQGsagB35dnVXgPZLUUCiAN2Mz6OtOOWLUDXKcHMUu2eYCt
PKpORdkCgYByLxso0yHKNjFIz+YqL9sfPCR9ho6hCE2IAabatYARYLtjRheLBNGn
DD7ZVn5WEsxG/hKyBgzdxNXRA5bA+Gao/EjnQtfGz1At3fBbhC7NXNXtxCwKH13A
FGYSUHlMij/sHZaId0fBDXX+YWMAX7U9w6SRSjGZ0y2qBr3uF+w0ZAIVAIYmZgxG
5srDSJ328CHfpOIbT4Bn
-----END DSA PRIVATE KEY-----
)PEM";
constexpr std::string_view kEc256SpkiCompressed = R"PEM(-----BEGIN PUBLIC KEY-----
MDkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDIgADhTqxMJGTCzFzdEFDvle03fWk8KuE
zNJDt0yZFp+JQb4=
-----END PUBLIC KEY-----
)PEM";
constexpr std::string_view kEd25519Spki = R"PEM(-----BEGIN PUBLIC KEY-----
MCowBQYDK2VwAyEAOC2kq4Z17e9GneXKUwqwVxbLoI9U2AsmxnttfXr42ok=
-----END PUBLIC KEY-----
)PEM";
constexpr std::string_view kRsa2048Spki = R"PEM(-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAto6b2S943IuejtjdU6h3
ASpYntQHXDjUJBl9rYItUFnIqmreyczS2a0CI6pYcw73uuAiW/o4krl+Cb6uXbUQ
awVatOUxC4TCgHX3vSVTVQPYhErO/YbsVYn//5SeTDaD4dSfHvKVcfCDsCREDJW6
NxvpngCZRvvY296zz051cL8/8Us11tr/VzT/QketW0whiHJ9Tr+gEifavnbC8j9i
hFpywWzj0N+lJREmIRNR1tM7aRBUpNFanGCC8/AHhJrKeYmUvmlRTXGV05+Ma+XC
i7Secg1XO7dkWD6ND5m2Yim5YqS+gU4z+M7ZbJ31R0Bb6j/l1jeCN55T/kDDOQhG
1wIDAQAB
-----END PUBLIC KEY-----
)PEM";
constexpr std::string_view kRsa2048Pkcs1Public = R"PEM(-----BEGIN RSA PUBLIC KEY-----
MIIBCgKCAQEAto6b2S943IuejtjdU6h3ASpYntQHXDjUJBl9rYItUFnIqmreyczS
2a0CI6pYcw73uuAiW/o4krl+Cb6uXbUQawVatOUxC4TCgHX3vSVTVQPYhErO/Ybs
VYn//5SeTDaD4dSfHvKVcfCDsCREDJW6NxvpngCZRvvY296zz051cL8/8Us11tr/
VzT/QketW0whiHJ9Tr+gEifavnbC8j9ihFpywWzj0N+lJREmIRNR1tM7aRBUpNFa
nGCC8/AHhJrKeYmUvmlRTXGV05+Ma+XCi7Secg1XO7dkWD6ND5m2Yim5YqS+gU4z
+M7ZbJ31R0Bb6j/l1jeCN55T/kDDOQhG1wIDAQAB
-----END RSA PUBLIC KEY-----
)PEM";
constexpr std::string_view kRsa2048Pub = R"PEM(ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC2jpvZL3jci56O2N1TqHcBKlie1AdcONQkGX2tgi1QWciqat7JzNLZrQIjqlhzDve64CJb+jiSuX4Jvq5dtRBrBVq05TELhMKAdfe9JVNVA9iESs79huxVif//lJ5MNoPh1J8e8pVx8IOwJEQMlbo3G+meAJlG+9jb3rPPTnVwvz/xSzXW2v9XNP9CR61bTCGIcn1Ov6ASJ9q+dsLyP2KEWnLBbOPQ36UlESYhE1HW0ztpEFSk0VqcYILz8AeEmsp5iZS+aVFNcZXTn4xr5cKLtJ5yDVc7t2RYPo0PmbZiKblipL6BTjP4ztlsnfVHQFvqP+XWN4I3nlP+QMM5CEbX user@host
)PEM";
constexpr std::string_view kEc256Spki = R"PEM(-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEYtrcAQKWaViZmKoPkrVuHjWLAGWY
fhMcxUfSeqeOSRkxME/VP1RtEMyyAGDt/Pgvh9e1YVd5LD4Lg8OP5pdlQQ==
-----END PUBLIC KEY-----
)PEM";
constexpr std::string_view kEc256Pub = R"PEM(ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBGLa3AEClmlYmZiqD5K1bh41iwBlmH4THMVH0nqnjkkZMTBP1T9UbRDMsgBg7fz4L4fXtWFXeSw+C4PDj+aXZUE= user@host
)PEM";
constexpr std::string_view kEc384Spki = R"PEM(-----BEGIN PUBLIC KEY-----
MHYwEAYHKoZIzj0CAQYFK4EEACIDYgAEeU2uorVn6BeeJLrkFVR6URsVqA1urdcd
3ujg0eAY9V7Twlx05YPqGBJza6o9d5ElsGGjXwXvAHVP0r8IRUjcMv5UgB3ZE6mf
dcnwjkrH5Bf4TMoi3lCxa8P4PoNm+tiS
-----END PUBLIC KEY-----
)PEM";
constexpr std::string_view kEc384Pub = R"PEM(ecdsa-sha2-nistp384 AAAAE2VjZHNhLXNoYTItbmlzdHAzODQAAAAIbmlzdHAzODQAAABhBHlNrqK1Z+gXniS65BVUelEbFagNbq3XHd7o4NHgGPVe08JcdOWD6hgSc2uqPXeRJbBho18F7wB1T9K/CEVI3DL+VIAd2ROpn3XJ8I5Kx+QX+EzKIt5QsWvD+D6DZvrYkg== user@host
)PEM";
constexpr std::string_view kEc521Spki = R"PEM(-----BEGIN PUBLIC KEY-----
MIGbMBAGByqGSM49AgEGBSuBBAAjA4GGAAQAqLBjfhJ3t/T2raeIot2iZ5c2jUjL
7IzBQspCyiQRxuGegLxitm4gcP3HVghFPE+kJXFvmBWtppUZEueBFEsNEZIAzH/L
ZPYNb48NGbLcXRy2DBp7Re+IG9Uo9j1oXpXmuIqFU/fkkPF3GtEAbt1cm6fVNkSF
D7m8o71oSilzicrQcX8=
-----END PUBLIC KEY-----
)PEM";
constexpr std::string_view kEc521Pub = R"PEM(ecdsa-sha2-nistp521 AAAAE2VjZHNhLXNoYTItbmlzdHA1MjEAAAAIbmlzdHA1MjEAAACFBACosGN+Ene39Patp4ii3aJnlzaNSMvsjMFCykLKJBHG4Z6AvGK2biBw/cdWCEU8T6QlcW+YFa2mlRkS54EUSw0RkgDMf8tk9g1vjw0ZstxdHLYMGntF74gb1Sj2PWhelea4ioVT9+SQ8Xca0QBu3Vybp9U2RIUPubyjvWhKKXOJytBxfw== user@host
)PEM";
constexpr std::string_view kSecp256k1Public = R"PEM(-----BEGIN PUBLIC KEY-----
MFYwEAYHKoZIzj0CAQYFK4EEAAoDQgAEOpnHGsnX/l6huF0IQOlUvzx1+uCiI4ZA
yl0kRJXOIbJ164Y+Sdrd699gl7buqLOPBAEi7J+d4biiympLHnKPyA==
-----END PUBLIC KEY-----
)PEM";
constexpr std::string_view kRsa512 = R"PEM(-----BEGIN PRIVATE KEY-----
MIIBVgIBADANBgkqhkiG9w0BAQEFAASCAUAwggE8AgEAAkEAzMM1z9cDQ+vfhvYO
4YjYSM04OvM1dRztMHY0eS1s4Bt83Wyklssg6kEI03uVoFpuYf+hsu5K4rlefSuJ
Yv3gCQIDAQABAkEAg0CKSNzBOhODJ8anyUfno9rwNVFareRJ4euTPS2yAYBXeK/e
jVclYHCs+k1hw8ddsgcTGsngOMZAgM0c+G98UQIhAO0vrEnT0KCABkh+ZZBXGP0n
Y5aq3w9uLsk+JVelJ0dFAiEA3QEjgFkE4Z2eiwEm798AQ8pJnzGv8P1RF1VB19Wd
L/UCIQCVf6L8tcGeKJPNRb4GiJ97kUQ4R2Npem2K8tzerX5gcQIhAIRSdTYYloKb
Q9zIYM7H/zmXeYMWVdh9YzsMMfMPlCCtAiAfxc4bBbwHm0bh40kzj7Z7U332wcqw
bz9WVPCgSbi/5Q==
-----END PRIVATE KEY-----
)PEM";
constexpr std::string_view kDsaSpki = R"PEM(-----BEGIN PUBLIC KEY-----
MIIBvjCCATMGByqGSM44BAEwggEmAoGBAJhXyWR02cNO1ZVgVzsvvyC1HNWmSlK+
uEs/uoKG2NF7kLQ0fcUa6/yj9FABdSAFBwNYErezm+4Chr7R1KnSzQ1/QHluknbb
SP0Hqi6u12ZfUc9LEJ0F3eZWVzKD2zR65DtAnm3d6wovFg47kDD9V21/bsavs2NV
PORU4rP/ulZ/Ah0A+yA4fvtyAXZnAzVZLmjTkUjpNAQaJWT+WPTO2QKBgFTCyjRY
3tuYsjI9+aqV8dhQmHc1GTRC5NJD7wfcjOK/9RlmcH51gwZxpMuA6KqF3+TvWgDG
zwIf1u13TO2DFBg24wSqUc8ejysFEKP7X6o0PSS1+pBKR33RrNKReLG554C0WIqy
eR2CS+nMmptGKsVUyKQoP7lpKnrEV7LqOkjbA4GEAAKBgAFN2N8EPppQjRTKyiTG
BwXSaWsrBB8Bg6ozmVo1gb7ZcegY5g+HSPVJSys7bMWfJWohDlXM7LCk+Ep18rz2
UAEQC7UZV8yuxrGCBt/ljCTuTNswv6u+KBaBTgJbAxruvziQ0DqRDpTtWDhGBnf0
jimXwBaxu+myDifWHx9LxVEC
-----END PUBLIC KEY-----
)PEM";
constexpr std::string_view kX25519 = R"PEM(-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VuBCIEIHg/c08At2jMuf4lGhPXVpggFTDK+jYCVTTQ60uYWQpY
-----END PRIVATE KEY-----
)PEM";
constexpr std::string_view kEd25519Pbkdf2Iter2M = R"PEM(-----BEGIN ENCRYPTED PRIVATE KEY-----
MIGcMFgGCSqGSIb3DQEFDTBLMCoGCSqGSIb3DQEFDDAdBAhZSVdo/eu1ewIDHoSA
MAwGCCqGSIb3DQIJBQAwHQYJYIZIAWUDBAEqBBAv8c4QS3jWaJ4a2PUI2dvgBEAO
piYiWDXjLsnOfWuSwXpiXihFVo3kzKElzwTw2asZAaC6CX5H2dQ1b7pVsz/hmphw
IQ2Fsq9GY99cUWhyzJYe
-----END ENCRYPTED PRIVATE KEY-----
)PEM";
constexpr std::string_view kEd25519Scrypt = R"PEM(-----BEGIN ENCRYPTED PRIVATE KEY-----
MIGTME8GCSqGSIb3DQEFDTBCMCEGCSsGAQQB2kcECzAUBAgu1O28pWFFFwICQAAC
AQgCAQEwHQYJYIZIAWUDBAEqBBBkbTZxn4YC0tnwHt1uDvDHBEBbKpVc7BziNH9K
6sTICuEnmj4FbsdfaIeHWAqSmjkyPTUv+qGNNkqC9UO8sokZOwRf9O7Zv9ntNv6S
X8ARSDol
-----END ENCRYPTED PRIVATE KEY-----
)PEM";
constexpr std::string_view kEd25519ScryptP64 = R"PEM(-----BEGIN ENCRYPTED PRIVATE KEY-----
MIGTME8GCSqGSIb3DQEFDTBCMCEGCSsGAQQB2kcECzAUBAgeK7tP58nSegICQAAC
AQgCAUAwHQYJYIZIAWUDBAEqBBAzL+rjMfr1oQvdLm3Q3kvaBEB6ttO6sToDTLL/
bf1RamkuP159CDcAkxHk95v+W4PS8XMVuX7eeJwp1Az08z3TJY9qFeUyE9ism4hv
lhU0r74f
-----END ENCRYPTED PRIVATE KEY-----
)PEM";
constexpr std::string_view kEd25519PbeSha13Des = R"PEM(-----BEGIN ENCRYPTED PRIVATE KEY-----
MFgwHAYKKoZIhvcNAQwBAzAOBAj0NB7nlcgGvAICCAAEOLtF3QS4h/U5BD/sCJLo
7BiQDD46iocRIai0AnqGtk93uT6jNHZH7NRjHEogqjOIV/LEOlb1AfpC
-----END ENCRYPTED PRIVATE KEY-----
)PEM";
constexpr std::string_view kEd25519PbeSha13DesIter3M = R"PEM(-----BEGIN ENCRYPTED PRIVATE KEY-----
MFkwHQYKKoZIhvcNAQwBAzAPBAhP3TBS+r7VpQIDLcbABDiJfB/tsFNFbLGqAd+L
Tiw/lPBaWfvywn4c7pzc7AXLKKXbxCRsMdx5xzS7QCCPRMrkPnzPJYAVWw==
-----END ENCRYPTED PRIVATE KEY-----
)PEM";

constexpr std::string_view kPass = "pass phrase";
// openssl pkey -pubout -outform DER | tail -c 32 for kEd25519Pkcs8 and kEd25519Spki.
constexpr std::string_view kEd25519Pkcs8Raw = "9c50a7237c3a157e243008fe8b7dae29ac69cc77e0ccdf57c3537cff500c6211";
constexpr std::string_view kEd25519SpkiRaw = "382da4ab8675edef469de5ca530ab05716cba08f54d80b26c67b6d7d7af8da89";

Bytes blob_of_line(std::string_view line) {
  const auto sp1 = line.find(' ');
  auto rest = line.substr(sp1 + 1);
  rest = rest.substr(0, rest.find_first_of(" \n"));
  auto b = skiff::wire::base64_decode(rest);
  if (!b) throw std::runtime_error("bad fixture");
  return *b;
}

std::string hex(const Bytes& b) {
  static const char* d = "0123456789abcdef";
  std::string s;
  for (auto c : b) {
    s += d[c >> 4];
    s += d[c & 15];
  }
  return s;
}

Bytes blob(const PublicKey& k) { return skiff::keys::encode_public_blob(k); }

struct PrivateCase {
  const char* name;
  std::string_view pem;
  std::string_view pub;  // key.pub line; empty for Ed25519 (raw key checked apart)
  bool encrypted;
  KeyType type;
};

const std::vector<PrivateCase>& private_cases() {
  static const std::vector<PrivateCase> cases = {
      {"rsa-pkcs1", kRsaPkcs1, kRsaPkcs1Pub, false, KeyType::rsa},
      {"rsa-pkcs1-aes128", kRsaPkcs1Enc, kRsaPkcs1EncPub, true, KeyType::rsa},
      {"rsa-pkcs8", kRsaPkcs8, kRsaPkcs8Pub, false, KeyType::rsa},
      {"rsa-pkcs8-enc", kRsaPkcs8Enc, kRsaPkcs8EncPub, true, KeyType::rsa},
      {"rsa-traditional", kRsaTraditional, kRsaPkcs8Pub, false, KeyType::rsa},
      {"rsa-traditional-aes256", kRsaTraditionalAes256, kRsaPkcs8Pub, true, KeyType::rsa},
      {"p256-sec1", kEc256Sec1, kEc256Sec1Pub, false, KeyType::ecdsa_p256},
      {"p384-sec1", kEc384Sec1, kEc384Sec1Pub, false, KeyType::ecdsa_p384},
      {"p521-sec1", kEc521Sec1, kEc521Sec1Pub, false, KeyType::ecdsa_p521},
      {"p256-pkcs8", kEc256Pkcs8, kEc256Pkcs8Pub, false, KeyType::ecdsa_p256},
      {"p384-pkcs8", kEc384Pkcs8, kEc384Pkcs8Pub, false, KeyType::ecdsa_p384},
      {"p521-pkcs8", kEc521Pkcs8, kEc521Pkcs8Pub, false, KeyType::ecdsa_p521},
      {"p256-sec1-aes128", kEc256Sec1Enc, kEc256Sec1EncPub, true, KeyType::ecdsa_p256},
      {"p384-pkcs8-enc", kEc384Pkcs8Enc, kEc384Pkcs8EncPub, true, KeyType::ecdsa_p384},
      {"ed25519-pkcs8", kEd25519Pkcs8, {}, false, KeyType::ed25519},
      {"ed25519-pkcs8-aes256", kEd25519Pkcs8Enc, {}, true, KeyType::ed25519},
  };
  return cases;
}

TEST(PemPrivate, ReadsKeysOfOpenSshAndOpenSsl) {
  for (const auto& c : private_cases()) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(pem_private_key_is_encrypted(c.pem), c.encrypted);
    auto k = private_key_from_pem(c.pem, c.encrypted ? kPass : "");
    ASSERT_TRUE(k) << k.error().to_string();
    EXPECT_EQ(k->type(), c.type);
    if (c.pub.empty()) {
      EXPECT_EQ(hex(k->public_key().raw_public()), kEd25519Pkcs8Raw);
    } else {
      EXPECT_EQ(blob(k->public_key()), blob_of_line(c.pub));
    }
    // The key signs, and its public half verifies.
    const Bytes msg = {1, 2, 3};
    auto sig = k->sign(msg);
    ASSERT_TRUE(sig);
    EXPECT_TRUE(k->public_key().verify(msg, *sig));
  }
}

TEST(PemPrivate, MissingOrWrongPassphraseIsBadPassphrase) {
  for (const auto& c : private_cases()) {
    if (!c.encrypted) continue;
    SCOPED_TRACE(c.name);
    auto none = private_key_from_pem(c.pem, "");
    ASSERT_FALSE(none);
    EXPECT_EQ(none.error().code, Errc::bad_passphrase);
    auto wrong = private_key_from_pem(c.pem, "pass phrasE");
    ASSERT_FALSE(wrong);
    EXPECT_EQ(wrong.error().code, Errc::bad_passphrase);
  }
}

TEST(PemPrivate, UnencryptedOutputEqualsTheTools) {
  struct Case {
    const char* name;
    std::string_view pem;
    PemPrivateFormat format;
    std::string_view expected;
  };
  const Case cases[] = {
      {"rsa pkcs1", kRsaPkcs1, PemPrivateFormat::traditional, kRsaPkcs1},
      {"rsa pkcs8", kRsaPkcs8, PemPrivateFormat::pkcs8, kRsaPkcs8},
      {"rsa pkcs8 -> openssl rsa -traditional", kRsaPkcs8, PemPrivateFormat::traditional, kRsaTraditional},
      {"p256 sec1", kEc256Sec1, PemPrivateFormat::traditional, kEc256Sec1},
      {"p384 sec1", kEc384Sec1, PemPrivateFormat::traditional, kEc384Sec1},
      {"p521 sec1", kEc521Sec1, PemPrivateFormat::traditional, kEc521Sec1},
      {"p256 pkcs8", kEc256Pkcs8, PemPrivateFormat::pkcs8, kEc256Pkcs8},
      {"p384 pkcs8", kEc384Pkcs8, PemPrivateFormat::pkcs8, kEc384Pkcs8},
      {"p521 pkcs8", kEc521Pkcs8, PemPrivateFormat::pkcs8, kEc521Pkcs8},
      {"ed25519 pkcs8", kEd25519Pkcs8, PemPrivateFormat::pkcs8, kEd25519Pkcs8},
      // Ed25519 has no traditional form: PKCS#8 is written instead.
      {"ed25519 traditional", kEd25519Pkcs8, PemPrivateFormat::traditional, kEd25519Pkcs8},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto k = private_key_from_pem(c.pem, "");
    ASSERT_TRUE(k) << k.error().to_string();
    auto out = private_key_to_pem(*k, c.format, "");
    ASSERT_TRUE(out) << out.error().to_string();
    EXPECT_EQ(*out, c.expected);
    EXPECT_FALSE(pem_private_key_is_encrypted(*out));
  }
}

bool same_private(const PrivateKey& a, const PrivateKey& b) {
  if (a.type() != b.type() || blob(a.public_key()) != blob(b.public_key())) return false;
  switch (a.type()) {
    case KeyType::ed25519: return a.ed25519_seed() == b.ed25519_seed();
    case KeyType::rsa: {
      auto x = a.rsa_components();
      auto y = b.rsa_components();
      return x.d == y.d && x.p == y.p && x.q == y.q && x.iqmp == y.iqmp;
    }
    default: return a.ecdsa_scalar() == b.ecdsa_scalar();
  }
}

TEST(PemPrivate, RoundTripsEveryTypeAndFormat) {
  std::vector<PrivateKey> keys;
  for (const auto& c : private_cases()) {
    if (c.encrypted) continue;
    keys.push_back(std::move(*private_key_from_pem(c.pem, "")));
  }
  keys.push_back(std::move(*PrivateKey::generate(KeyType::rsa, 2048)));
  for (const auto& k : keys) {
    for (auto format : {PemPrivateFormat::traditional, PemPrivateFormat::pkcs8}) {
      for (std::string_view pass : {std::string_view{}, kPass}) {
        SCOPED_TRACE(std::string(skiff::keys::key_type_name(k.type())) + " format " +
                     std::to_string(static_cast<int>(format)) + " pass '" + std::string(pass) + "'");
        auto out = private_key_to_pem(k, format, pass);
        ASSERT_TRUE(out) << out.error().to_string();
        EXPECT_EQ(pem_private_key_is_encrypted(*out), !pass.empty());
        const bool traditional = format == PemPrivateFormat::traditional && k.type() != KeyType::ed25519;
        if (!pass.empty()) {
          if (traditional) {
            EXPECT_NE(out->find("\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,"), std::string::npos);
          } else {
            EXPECT_TRUE(out->starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----\n"));
          }
          auto wrong = private_key_from_pem(*out, "wrong");
          ASSERT_FALSE(wrong);
          EXPECT_EQ(wrong.error().code, Errc::bad_passphrase);
        } else if (traditional) {
          EXPECT_TRUE(out->starts_with(k.type() == KeyType::rsa ? "-----BEGIN RSA PRIVATE KEY-----\n"
                                                                : "-----BEGIN EC PRIVATE KEY-----\n"));
        } else {
          EXPECT_TRUE(out->starts_with("-----BEGIN PRIVATE KEY-----\n"));
        }
        EXPECT_TRUE(out->ends_with("-----\n"));
        auto back = private_key_from_pem(*out, pass);
        ASSERT_TRUE(back) << back.error().to_string();
        EXPECT_TRUE(same_private(k, *back));
      }
    }
  }
}

TEST(PemPrivate, KeyDerivationCostIsBounded) {
  // Made with openssl pkcs8 -topk8 from kEd25519Pkcs8.
  for (std::string_view pem : {kEd25519Scrypt, kEd25519PbeSha13Des}) {
    auto k = private_key_from_pem(pem, kPass);
    ASSERT_TRUE(k) << k.error().to_string();
    EXPECT_EQ(hex(k->public_key().raw_public()), kEd25519Pkcs8Raw);
  }
  for (std::string_view pem : {kEd25519Pbkdf2Iter2M, kEd25519ScryptP64, kEd25519PbeSha13DesIter3M}) {
    EXPECT_TRUE(pem_private_key_is_encrypted(pem));
    auto k = private_key_from_pem(pem, kPass);
    ASSERT_FALSE(k);
    EXPECT_EQ(k.error().code, Errc::too_large) << k.error().to_string();
    // Without a passphrase nothing is derived: the answer is still "needs a passphrase".
    EXPECT_EQ(private_key_from_pem(pem, "").error().code, Errc::bad_passphrase);
  }
}

TEST(PemPrivate, UnsupportedKeysAreRefused) {
  const std::pair<const char*, std::string_view> cases[] = {
      {"secp256k1", kSecp256k1},
      {"DSA PKCS#8 after DSA PARAMETERS", kDsaPkcs8WithParams},
      {"DSA PRIVATE KEY", kDsaPem},
      {"RSA 512", kRsa512},
      {"X25519", kX25519},
  };
  for (const auto& [name, pem] : cases) {
    SCOPED_TRACE(name);
    auto k = private_key_from_pem(pem, "");
    ASSERT_FALSE(k);
    EXPECT_EQ(k.error().code, Errc::unsupported) << k.error().to_string();
  }
}

std::string replace_all(std::string s, std::string_view from, std::string_view to) {
  for (auto pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size())) {
    s.replace(pos, from.size(), to);
  }
  return s;
}

TEST(PemPrivate, MalformedInputIsACleanError) {
  const std::string rsa(kRsaPkcs1);
  const auto body_start = rsa.find('\n') + 1;
  const auto end_line = rsa.find("-----END");
  std::vector<std::pair<std::string, std::string>> cases = {
      {"empty", ""},
      {"not pem", "hello\n"},
      {"openssh key", "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n"},
      {"public key only", std::string(kEc256Spki)},
      {"bad base64", rsa.substr(0, body_start + 10) + "*" + rsa.substr(body_start + 11)},
      {"missing END line", rsa.substr(0, end_line)},
      {"wrong END label", replace_all(rsa, "END RSA PRIVATE", "END EC PRIVATE")},
      {"truncated DER", rsa.substr(0, body_start) + rsa.substr(body_start + 65 * 3)},
      {"one long line", "-----BEGIN PRIVATE KEY-----\n" + std::string(1024 * 1024 - 100, 'A') +
                            "\n-----END PRIVATE KEY-----\n"},
      {"larger than 1 MiB", std::string(1024 * 1024, '\n') + rsa},
      {"label mismatch", replace_all(rsa, "RSA PRIVATE", "EC PRIVATE")},
  };
  for (const auto& [name, text] : cases) {
    SCOPED_TRACE(name);
    auto k = private_key_from_pem(text, kPass);
    ASSERT_FALSE(k);
    EXPECT_NE(k.error().code, Errc::bad_passphrase) << k.error().to_string();
    EXPECT_FALSE(pem_private_key_is_encrypted(text));
  }
  EXPECT_EQ(private_key_from_pem(std::string(1024 * 1024, '\n') + rsa, "").error().code, Errc::too_large);
}

TEST(PemPrivate, EveryTruncationFailsCleanly) {
  for (std::string_view pem : {kEc256Sec1, kEd25519Pkcs8, kEc256Sec1Enc, kEd25519Pkcs8Enc}) {
    for (std::size_t n = 0; n + 1 < pem.size(); ++n) {
      auto k = private_key_from_pem(pem.substr(0, n), kPass);
      ASSERT_FALSE(k) << n;
    }
  }
}

TEST(PemPublic, ReadsAndWritesWhatSshKeygenConverts) {
  struct Case {
    const char* name;
    std::string_view pem;
    std::string_view pub;
    PemPublicFormat format;
  };
  const Case cases[] = {
      {"rsa -m PKCS8", kRsa2048Spki, kRsa2048Pub, PemPublicFormat::spki},
      {"rsa -m PEM", kRsa2048Pkcs1Public, kRsa2048Pub, PemPublicFormat::pkcs1},
      {"p256 -m PKCS8", kEc256Spki, kEc256Pub, PemPublicFormat::spki},
      {"p384 -m PKCS8", kEc384Spki, kEc384Pub, PemPublicFormat::spki},
      {"p521 -m PKCS8", kEc521Spki, kEc521Pub, PemPublicFormat::spki},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto k = public_key_from_pem(c.pem);
    ASSERT_TRUE(k) << k.error().to_string();
    EXPECT_EQ(blob(*k), blob_of_line(c.pub));
    auto from_pub = skiff::keys::decode_public_blob(blob_of_line(c.pub));
    ASSERT_TRUE(from_pub);
    auto out = public_key_to_pem(*from_pub, c.format);
    ASSERT_TRUE(out) << out.error().to_string();
    EXPECT_EQ(*out, c.pem);
  }
}

TEST(PemPublic, Ed25519AndCompressedPoints) {
  auto ed = public_key_from_pem(kEd25519Spki);
  ASSERT_TRUE(ed) << ed.error().to_string();
  EXPECT_EQ(ed->type(), KeyType::ed25519);
  EXPECT_EQ(hex(ed->raw_public()), kEd25519SpkiRaw);
  EXPECT_EQ(*public_key_to_pem(*ed, PemPublicFormat::spki), kEd25519Spki);

  auto ec = public_key_from_pem(kEc256SpkiCompressed);
  ASSERT_TRUE(ec) << ec.error().to_string();
  EXPECT_EQ(blob(*ec), blob_of_line(kEc256Pkcs8Pub));
}

TEST(PemPublic, Pkcs1IsForRsaOnly) {
  auto ec = public_key_from_pem(kEc256Spki);
  ASSERT_TRUE(ec);
  auto out = public_key_to_pem(*ec, PemPublicFormat::pkcs1);
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().code, Errc::unsupported);
}

TEST(PemPublic, RoundTripsEveryType) {
  for (auto t : {KeyType::ed25519, KeyType::ecdsa_p256, KeyType::ecdsa_p384, KeyType::ecdsa_p521, KeyType::rsa}) {
    auto k = PrivateKey::generate(t, 2048);
    ASSERT_TRUE(k);
    auto out = public_key_to_pem(k->public_key(), PemPublicFormat::spki);
    ASSERT_TRUE(out);
    EXPECT_TRUE(out->starts_with("-----BEGIN PUBLIC KEY-----\n"));
    auto back = public_key_from_pem(*out);
    ASSERT_TRUE(back) << back.error().to_string();
    EXPECT_EQ(blob(*back), blob(k->public_key()));
  }
}

TEST(PemPublic, MalformedAndUnsupported) {
  const std::string p256(kEc256Spki);
  const auto body_start = p256.find('\n') + 1;
  const std::pair<std::string, Errc> cases[] = {
      {"", Errc::bad_format},
      {std::string(kRsaPkcs1), Errc::bad_format},
      {"-----BEGIN SSH2 PUBLIC KEY-----\n", Errc::bad_format},
      {p256.substr(0, p256.find("-----END")), Errc::bad_format},
      {p256.substr(0, body_start) + "!" + p256.substr(body_start + 1), Errc::bad_format},
      {p256.substr(0, body_start) + p256.substr(body_start + 65), Errc::bad_format},
      {std::string(kSecp256k1Public), Errc::unsupported},
      {std::string(kDsaSpki), Errc::unsupported},
      {"-----BEGIN DSA PUBLIC KEY-----\nAAAA\n-----END DSA PUBLIC KEY-----\n", Errc::unsupported},
      {std::string(1024 * 1024 + 1, ' '), Errc::too_large},
  };
  for (const auto& [text, code] : cases) {
    SCOPED_TRACE(text.substr(0, 80));
    auto k = public_key_from_pem(text);
    ASSERT_FALSE(k);
    EXPECT_EQ(k.error().code, code) << k.error().to_string();
  }
  for (std::size_t n = 0; n + 1 < kRsa2048Spki.size(); ++n) {
    ASSERT_FALSE(public_key_from_pem(kRsa2048Spki.substr(0, n))) << n;
  }
}

}  // namespace
