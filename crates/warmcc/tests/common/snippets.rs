//! Twenty REPL snippets where later ones call earlier ones, and the output they must print.

/// The STL prelude of the session tests.
pub const PRELUDE: &[&str] = &[
    "vector",
    "string",
    "map",
    "memory",
    "algorithm",
    "numeric",
    "iostream",
    "sstream",
    "functional",
    "optional",
];

/// (exports, source) of each snippet, in order; the last defines `main`.
pub const SNIPPETS: &[(&str, &str)] = &[
    ("int add(int a, int b);", "int add(int a, int b) { return a + b; }"),
    ("std::string greet(const std::string& who);", "std::string greet(const std::string& who) { return \"hello, \" + who; }"),
    ("struct Point { int x, y; int norm1() const; };", "int Point::norm1() const { return (x < 0 ? -x : x) + (y < 0 ? -y : y); }"),
    ("template <class T> T sum(const std::vector<T>& v) { return std::accumulate(v.begin(), v.end(), T{}); }", ""),
    ("int sum_ints(int n);", "int sum_ints(int n) { std::vector<int> v(n); std::iota(v.begin(), v.end(), 1); return sum(v); }"),
    ("std::map<std::string, int> word_counts(const std::string& text);",
     "std::map<std::string, int> word_counts(const std::string& text) { std::istringstream in(text); std::map<std::string, int> m; std::string w; while (in >> w) ++m[w]; return m; }"),
    ("std::optional<int> find_first_even(const std::vector<int>& v);",
     "std::optional<int> find_first_even(const std::vector<int>& v) { auto it = std::find_if(v.begin(), v.end(), [](int x) { return x % 2 == 0; }); if (it == v.end()) return std::nullopt; return *it; }"),
    ("std::function<int(int)> make_adder(int n);", "std::function<int(int)> make_adder(int n) { return [n](int x) { return add(x, n); }; }"),
    ("std::unique_ptr<Point> make_point(int x, int y);", "std::unique_ptr<Point> make_point(int x, int y) { return std::make_unique<Point>(Point{x, y}); }"),
    ("std::vector<int> sorted_desc(std::vector<int> v);", "std::vector<int> sorted_desc(std::vector<int> v) { std::sort(v.begin(), v.end(), std::greater<int>()); return v; }"),
    ("int fib(int n);", "int fib(int n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }"),
    ("std::string join(const std::vector<std::string>& parts, const std::string& sep);",
     "std::string join(const std::vector<std::string>& parts, const std::string& sep) { std::string out; for (size_t i = 0; i < parts.size(); ++i) { if (i) out += sep; out += parts[i]; } return out; }"),
    ("int count_words(const std::string& text);", "int count_words(const std::string& text) { return (int)word_counts(text).size(); }"),
    ("extern int g_counter; int bump();", "int g_counter = 0; int bump() { return ++g_counter; }"),
    ("std::string describe(const Point& p);", "std::string describe(const Point& p) { std::ostringstream o; o << '(' << p.x << ',' << p.y << \")|\" << p.norm1(); return o.str(); }"),
    ("int apply_twice(const std::function<int(int)>& f, int x);", "int apply_twice(const std::function<int(int)>& f, int x) { return f(f(x)); }"),
    ("double mean(const std::vector<int>& v);", "double mean(const std::vector<int>& v) { return double(sum(v)) / v.size(); }"),
    ("int answer();", "int answer() { return add(40, 2); }"),
    ("std::string report();",
     r#"std::string report() {
  std::vector<std::string> parts;
  parts.push_back(std::to_string(add(2, 3)));
  parts.push_back(greet("repl"));
  parts.push_back(std::to_string(Point{3, -4}.norm1()));
  parts.push_back(std::to_string(sum_ints(10)));
  parts.push_back(std::to_string(word_counts("a b a")["a"]));
  parts.push_back(std::to_string(find_first_even({1, 3, 6, 8}).value_or(-1)));
  parts.push_back(std::to_string(make_adder(5)(10)));
  parts.push_back(std::to_string(make_point(1, 2)->norm1()));
  std::vector<std::string> d;
  for (int x : sorted_desc({3, 1, 2})) d.push_back(std::to_string(x));
  parts.push_back(join(d, " "));
  parts.push_back(std::to_string(fib(10)));
  parts.push_back(std::to_string(count_words("x y z")));
  bump();
  parts.push_back(std::to_string(bump()));
  parts.push_back(describe(Point{1, 1}));
  parts.push_back(std::to_string(apply_twice(make_adder(3), 1)));
  std::ostringstream m; m << mean({1, 2, 3, 4});
  parts.push_back(m.str());
  parts.push_back(std::to_string(answer()));
  return join(parts, ",");
}"#),
    ("", "int main() { std::cout << report() << std::endl; return 0; }"),
];

/// What the linked program prints.
pub const EXPECTED: &str = "5,hello, repl,7,55,2,6,15,3,3 2 1,55,3,2,(1,1)|2,7,2.5,42\n";

/// A snippet with a type error.
pub const TYPE_ERROR: (&str, &str) = (
    "int broken();",
    "int broken() { std::string s = 42; return s; }",
);
