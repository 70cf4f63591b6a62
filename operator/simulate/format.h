// Rendering a simulate Report: `table` for a terminal, `json` for scripts (stable: fields are only
// ever added, see docs/simulate.md), `markdown` for pasting into a pull request.
// Thread safety: pure functions.
#pragma once

#include <optional>
#include <ostream>
#include <string_view>

#include "simulate/report.h"

namespace kaudit::simulate {

enum class Format { kTable, kJson, kMarkdown };

std::optional<Format> ParseFormat(std::string_view name);

void WriteReport(const Report& report, Format format, std::ostream& out);

void WriteJson(const Report& report, std::ostream& out);
// markdown=false: the table format.
void WriteText(const Report& report, bool markdown, std::ostream& out);

}  // namespace kaudit::simulate
