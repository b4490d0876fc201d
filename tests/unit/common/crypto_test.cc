// SHA-256 and HMAC-SHA256 over the cached OpenSSL contexts: published vectors (FIPS 180-2 "abc",
// RFC 4231 test case 2), the empty key, a key longer than the block, and many threads at once
// (each thread has its own context).

#include "common/crypto.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "common/encoding.h"

namespace cogsync::crypto {
namespace {

TEST(Crypto, Sha256Vectors) {
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(Crypto, HmacSha256Vectors) {
  EXPECT_EQ(encoding::Hex(HmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(encoding::Hex(HmacSha256("", "")),
            "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
  EXPECT_EQ(encoding::Hex(HmacSha256(std::string(100, 'k'), "data")),
            "09380ee4b802da2363bc96e8e0d133ba275458ea8ddbc564f986fc12b31f8cb1");
}

TEST(Crypto, ThreadsDoNotShareContexts) {
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 500; ++i) {
        if (encoding::Hex(HmacSha256("Jefe", "what do ya want for nothing?")) !=
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843") {
          ++wrong;
        }
        if (Sha256Hex("abc") !=
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad") {
          ++wrong;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(wrong.load(), 0);
}

}  // namespace
}  // namespace cogsync::crypto
