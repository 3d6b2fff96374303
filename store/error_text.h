#pragma once
// PostgreSQL/libpq error texts span lines ("ERROR:  ...\nLINE 2: ...",
// "could not connect...\n\tIs the server running"). Callers log them and
// answer with them, so they are folded into one line.
#include <string>

namespace sipedge {

// Collapses every run of whitespace (newlines, tabs) into one space and trims.
std::string one_line(const std::string& message);

}  // namespace sipedge
