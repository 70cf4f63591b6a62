// SHA-256 digests (OpenSSL). Thread-safe: pure functions.
#pragma once

#include <string>
#include <string_view>

namespace kaudit {

// Lowercase hex SHA-256 of data (64 characters).
std::string Sha256Hex(std::string_view data);

}  // namespace kaudit
