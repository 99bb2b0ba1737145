//! A REPL-like session of 40+ snippets over the STL prelude, and what its program prints.

/// The STL prelude the tests (and the examples) use.
pub const STL_PRELUDE: &str = "#include <vector>\n#include <string>\n#include <map>\n\
#include <memory>\n#include <algorithm>\n#include <numeric>\n#include <iostream>\n\
#include <sstream>\n#include <functional>\n#include <optional>\n";

/// The snippets, in order; the last one defines `run_all`, called by the test's `main`.
pub const SNIPPETS: &[&str] = &[
    "static int counter = 0;",
    "int bump() { return ++counter; }",
    "int square(int x) { return x * x; }",
    "struct Point { int x, y; int sum() const { return x + y; } };",
    "Point make_point(int a, int b) { return Point{a, b}; }",
    "template <typename T> T twice(T v) { return v + v; }",
    "int use_twice() { return twice(21); }",
    "std::string greet(const std::string& n) { return \"hello \" + n; }",
    "std::vector<int> range(int n) { std::vector<int> v(n); std::iota(v.begin(), v.end(), 1); return v; }",
    "int sum_range(int n) { auto v = range(n); return std::accumulate(v.begin(), v.end(), 0); }",
    "std::map<std::string, int> counts(const std::vector<std::string>& words) {\n  std::map<std::string, int> m;\n  for (auto& w : words) ++m[w];\n  return m;\n}",
    "struct Shape { virtual ~Shape() = default; virtual double area() const = 0; };",
    "struct Square : Shape { double s; explicit Square(double s) : s(s) {} double area() const override { return s * s; } };",
    "std::unique_ptr<Shape> make_square(double s) { return std::make_unique<Square>(s); }",
    "template <typename T> struct Stack {\n  std::vector<T> items;\n  void push(T v) { items.push_back(std::move(v)); }\n  T pop() { T v = items.back(); items.pop_back(); return v; }\n  bool empty() const { return items.empty(); }\n};",
    "int stack_demo() { Stack<int> s; s.push(1); s.push(2); s.push(3); int t = 0; while (!s.empty()) t = t * 10 + s.pop(); return t; }",
    "std::string join(const std::vector<std::string>& v, const std::string& sep) {\n  std::ostringstream os;\n  for (size_t i = 0; i < v.size(); ++i) { if (i) os << sep; os << v[i]; }\n  return os.str();\n}",
    "std::optional<int> find_even(const std::vector<int>& v) { for (int x : v) if (x % 2 == 0) return x; return std::nullopt; }",
    "int apply(const std::function<int(int)>& f, int x) { return f(x); }",
    "int bump_again() { return ++counter; }",
    "namespace util { int triple(int x) { return 3 * x; } }",
    "enum class Color { Red, Green, Blue };",
    "const char* color_name(Color c) { switch (c) { case Color::Red: return \"red\"; case Color::Green: return \"green\"; default: return \"blue\"; } }",
    "int global_value = 42;",
    "int read_global() { return global_value; }",
    "template <typename T, typename U> auto add(T a, U b) { return a + b; }",
    "double add_demo() { return add(1, 2.5); }",
    "std::vector<std::string> sorted_words(std::vector<std::string> w) { std::sort(w.begin(), w.end()); return w; }",
    "struct Counter { static int instances; Counter() { ++instances; } };",
    "int Counter::instances = 0;",
    "int make_counters() { Counter a, b, c; return Counter::instances; }",
    "template <int N> struct Fact { static constexpr int value = N * Fact<N - 1>::value; };\ntemplate <> struct Fact<0> { static constexpr int value = 1; };",
    "int fact5() { return Fact<5>::value; }",
    "auto make_adder(int n) { return [n](int x) { return x + n; }; }",
    "int adder_demo() { return make_adder(3)(4); }",
    "std::shared_ptr<int> shared_seven() { return std::make_shared<int>(7); }",
    "int fib(int n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }",
    "int max_of(std::initializer_list<int> l) { return *std::max_element(l.begin(), l.end()); }",
    "namespace { int hidden_calls = 0; }\nint hidden_bump() { return ++hidden_calls; }",
    "int hidden_bump2() { return ++hidden_calls; }",
    "std::string describe(const Point& p) { return \"(\" + std::to_string(p.x) + \",\" + std::to_string(p.y) + \")\"; }",
    "static std::vector<int> history;\nvoid remember(int x) { history.push_back(x); }",
    "size_t history_size() { remember(1); remember(2); return history.size(); }",
    r#"void run_all() {
  std::cout << bump() << ' ' << bump_again() << '\n';
  std::cout << square(7) << '\n';
  std::cout << make_point(2, 3).sum() << '\n';
  std::cout << use_twice() << ' ' << twice(1.5) << '\n';
  std::cout << greet("warmcc") << '\n';
  std::cout << sum_range(10) << '\n';
  auto m = counts({"a", "b", "a"});
  std::cout << m["a"] << m["b"] << '\n';
  std::cout << make_square(3)->area() << '\n';
  std::cout << stack_demo() << '\n';
  std::cout << join({"x", "y", "z"}, "-") << '\n';
  std::cout << find_even({1, 3, 4, 5}).value_or(-1) << '\n';
  std::cout << apply([](int x) { return x * 2; }, 21) << '\n';
  std::cout << util::triple(5) << '\n';
  std::cout << color_name(Color::Green) << '\n';
  std::cout << read_global() << '\n';
  std::cout << add_demo() << '\n';
  std::cout << join(sorted_words({"pear", "apple", "fig"}), ",") << '\n';
  std::cout << make_counters() << '\n';
  std::cout << fact5() << '\n';
  std::cout << adder_demo() << '\n';
  std::cout << *shared_seven() << '\n';
  std::cout << fib(10) << '\n';
  std::cout << max_of({3, 9, 2}) << '\n';
  std::cout << hidden_bump() << ' ' << hidden_bump2() << '\n';
  std::cout << describe(make_point(4, 5)) << '\n';
  std::cout << history_size() << '\n';
}"#,
];

/// What `run_all` prints; the first line is the namespace-scope static counter.
pub const EXPECTED: &str = "1 2\n49\n5\n42 3\nhello warmcc\n55\n21\n9\n321\nx-y-z\n4\n42\n15\n\
green\n42\n3.5\napple,fig,pear\n3\n120\n7\n7\n55\n9\n1 2\n(4,5)\n2\n";

/// The `main` linked with the session's objects.
pub const MAIN: &str = "void run_all();\nint main() { run_all(); return 0; }\n";
