// pytest-llmexec: writes a C++ value as one line of JSON, so that the harness reads it back.
//
// llmexec::print(value) writes the value and a newline to std::cout. Lists, sets, tuples and
// pairs are arrays; maps are objects whose keys are the keys' JSON text (7 -> "7"); optionals
// are null or their value; floating-point numbers are the shortest text that reads back the
// same (NaN, Infinity, -Infinity as Python's json reads them).
#pragma once
#include <array>
#include <charconv>
#include <cmath>
#include <deque>
#include <iostream>
#include <list>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

namespace llmexec {

inline void write(std::ostream& out, bool value);
inline void write(std::ostream& out, char value);
inline void write(std::ostream& out, const std::string& value);
inline void write(std::ostream& out, const char* value);
template <class T, std::enable_if_t<std::is_integral_v<T>, int> = 0>
void write(std::ostream& out, T value);
template <class T, std::enable_if_t<std::is_floating_point_v<T>, int> = 0>
void write(std::ostream& out, T value);
template <class T> void write(std::ostream& out, const std::vector<T>& value);
template <class T> void write(std::ostream& out, const std::list<T>& value);
template <class T> void write(std::ostream& out, const std::deque<T>& value);
template <class T, class C> void write(std::ostream& out, const std::set<T, C>& value);
template <class T, class C> void write(std::ostream& out, const std::multiset<T, C>& value);
template <class T, class H, class E>
void write(std::ostream& out, const std::unordered_set<T, H, E>& value);
template <class T, std::size_t N> void write(std::ostream& out, const std::array<T, N>& value);
template <class K, class V, class C> void write(std::ostream& out, const std::map<K, V, C>& value);
template <class K, class V, class H, class E>
void write(std::ostream& out, const std::unordered_map<K, V, H, E>& value);
template <class A, class B> void write(std::ostream& out, const std::pair<A, B>& value);
template <class... T> void write(std::ostream& out, const std::tuple<T...>& value);
template <class T> void write(std::ostream& out, const std::optional<T>& value);

inline void write(std::ostream& out, bool value) { out << (value ? "true" : "false"); }

inline void write(std::ostream& out, const std::string& value) {
    static const char* hex = "0123456789abcdef";
    out << '"';
    for (unsigned char c : value) {
        if (c == '"' || c == '\\') {
            out << '\\' << c;
        } else if (c == '\n') {
            out << "\\n";
        } else if (c == '\t') {
            out << "\\t";
        } else if (c < 0x20 || c == 0x7f) {
            out << "\\u00" << hex[c >> 4] << hex[c & 15];
        } else {
            out << c;  // UTF-8 as it is
        }
    }
    out << '"';
}

inline void write(std::ostream& out, char value) { write(out, std::string(1, value)); }
inline void write(std::ostream& out, const char* value) { write(out, std::string(value)); }

template <class T, std::enable_if_t<std::is_integral_v<T>, int>>
void write(std::ostream& out, T value) {
    out << +value;
}

template <class T, std::enable_if_t<std::is_floating_point_v<T>, int>>
void write(std::ostream& out, T value) {
    if (std::isnan(value)) {
        out << "NaN";
    } else if (std::isinf(value)) {
        out << (value < 0 ? "-Infinity" : "Infinity");
    } else {
        char text[64];
        auto end = std::to_chars(text, text + sizeof text, value).ptr;
        std::string number(text, end);
        if (number.find_first_of(".e") == std::string::npos) number += ".0";
        out << number;
    }
}

template <class Items> void write_items(std::ostream& out, const Items& items) {
    out << '[';
    bool first = true;
    for (const auto& item : items) {
        if (!first) out << ", ";
        first = false;
        write(out, item);
    }
    out << ']';
}

template <class Map> void write_map(std::ostream& out, const Map& map) {
    out << '{';
    bool first = true;
    for (const auto& [key, value] : map) {
        if (!first) out << ", ";
        first = false;
        std::ostringstream text;
        write(text, key);
        std::string key_text = text.str();
        if (key_text.empty() || key_text[0] != '"') {
            write(out, key_text);
        } else {
            out << key_text;
        }
        out << ": ";
        write(out, value);
    }
    out << '}';
}

template <class T> void write(std::ostream& out, const std::vector<T>& value) { write_items(out, value); }
template <class T> void write(std::ostream& out, const std::list<T>& value) { write_items(out, value); }
template <class T> void write(std::ostream& out, const std::deque<T>& value) { write_items(out, value); }
template <class T, class C> void write(std::ostream& out, const std::set<T, C>& value) {
    write_items(out, value);
}
template <class T, class C> void write(std::ostream& out, const std::multiset<T, C>& value) {
    write_items(out, value);
}
template <class T, class H, class E>
void write(std::ostream& out, const std::unordered_set<T, H, E>& value) {
    write_items(out, value);
}
template <class T, std::size_t N> void write(std::ostream& out, const std::array<T, N>& value) {
    write_items(out, value);
}
template <class K, class V, class C> void write(std::ostream& out, const std::map<K, V, C>& value) {
    write_map(out, value);
}
template <class K, class V, class H, class E>
void write(std::ostream& out, const std::unordered_map<K, V, H, E>& value) {
    write_map(out, value);
}
template <class A, class B> void write(std::ostream& out, const std::pair<A, B>& value) {
    out << '[';
    write(out, value.first);
    out << ", ";
    write(out, value.second);
    out << ']';
}
template <class... T> void write(std::ostream& out, const std::tuple<T...>& value) {
    out << '[';
    bool first = true;
    std::apply(
        [&](const auto&... item) {
            ((out << (first ? "" : ", "), first = false, write(out, item)), ...);
        },
        value);
    out << ']';
}
template <class T> void write(std::ostream& out, const std::optional<T>& value) {
    if (value) {
        write(out, *value);
    } else {
        out << "null";
    }
}

template <class T> void print(const T& value) {
    std::ostringstream text;
    write(text, value);
    std::cout << text.str() << std::endl;
}

}  // namespace llmexec
