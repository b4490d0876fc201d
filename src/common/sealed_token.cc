#include "common/sealed_token.h"

#include "common/crypto.h"
#include "common/encoding.h"

namespace cogsync {
namespace {
constexpr size_t kMacBytes = 16;
}

std::string TokenSealer::Mac(std::string_view purpose, std::string_view payload) const {
  std::string msg;
  msg.reserve(purpose.size() + 1 + payload.size());
  msg.append(purpose);
  msg.push_back('\0');
  msg.append(payload);
  return crypto::HmacSha256(key_, msg).substr(0, kMacBytes);
}

std::string TokenSealer::Seal(std::string_view purpose, std::string_view payload) const {
  return encoding::Base64Url(payload) + "." + encoding::Base64Url(Mac(purpose, payload));
}

std::optional<std::string> TokenSealer::Open(std::string_view purpose,
                                             std::string_view token) const {
  size_t dot = token.find('.');
  if (dot == std::string_view::npos || token.size() > 8192) return std::nullopt;
  auto payload = encoding::Base64UrlDecode(token.substr(0, dot));
  auto mac = encoding::Base64UrlDecode(token.substr(dot + 1));
  if (!payload || !mac) return std::nullopt;
  if (!crypto::ConstantTimeEquals(*mac, Mac(purpose, *payload))) return std::nullopt;
  return payload;
}

std::string TokenSealer::Derive(std::string_view purpose, std::string_view input) const {
  std::string msg(purpose);
  msg.push_back('\0');
  msg.append(input);
  return crypto::HmacSha256(key_, msg);
}

}  // namespace cogsync
