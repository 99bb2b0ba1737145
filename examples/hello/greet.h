#pragma once

#include <string>
#include <vector>

// Greets each name in turn: "Hello, Ada, Grace and Linus!".
std::string greet(const std::vector<std::string>& names);
