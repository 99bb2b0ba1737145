#include "greet.h"

#include <string>
#include <vector>

std::string greet(const std::vector<std::string>& names) {
    std::string out = "Hello";
    for (std::size_t i = 0; i < names.size(); ++i) {
        if (i == 0) {
            out += ", ";
        } else if (i + 1 == names.size()) {
            out += " and ";
        } else {
            out += ", ";
        }
        out += names[i];
    }
    return out + "!";
}
