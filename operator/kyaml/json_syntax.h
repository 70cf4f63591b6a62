// A JSON syntax check with the acceptance rules and the messages of Go's encoding/json scanner
// ("invalid character 't' after top-level value", "unexpected end of JSON input"), so that a
// policy file kube-apiserver refuses is refused here with the same words. Like Go, it accepts
// invalid UTF-8 inside strings. Internal to kyaml. Thread safety: pure function.
#pragma once

#include <string_view>

#include "common/status.h"

namespace kaudit::kyaml::internal {

// On error, *error_offset is the byte offset of the offending character.
Status CheckJsonSyntax(std::string_view data, std::size_t max_depth, std::size_t* error_offset);

}  // namespace kaudit::kyaml::internal
