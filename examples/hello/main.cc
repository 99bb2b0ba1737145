#include <iostream>

#include "greet.h"

int main(int argc, char** argv) {
    std::vector<std::string> names(argv + 1, argv + argc);
    if (names.empty()) names = {"Ada", "Grace", "Linus"};
    std::cout << greet(names) << "\n";
    return 0;
}
