#pragma once
// A small SVG line plot, self-contained (no plotting library): panels side by side, each with
// axes, "nice" ticks, grid lines, axis labels, a title and a legend. Used by the training
// examples to draw their loss and accuracy curves.
//
//   svg_plot::Panel loss{"training loss", "epoch", "loss per example", {{"train", points, "#1f77b4"}}};
//   svg_plot::write("curves.svg", {loss, accuracy});
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace svg_plot {

struct Series {
  std::string name;
  std::vector<std::pair<double, double>> points;  // (x, y), drawn in this order
  std::string color = "#1f77b4";
  bool markers = false;  // a dot at every point (for short series)
};

struct Panel {
  std::string title, xlabel, ylabel;
  std::vector<Series> series;
};

namespace detail {

// Ticks at 1, 2 or 5 times a power of ten, about `target` of them, covering [lo, hi].
inline std::vector<double> nice_ticks(double& lo, double& hi, int target = 5) {
  if (!(hi > lo)) {  // one value (or none): open a unit-wide range around it
    lo -= 0.5;
    hi += 0.5;
  }
  const double raw = (hi - lo) / target, mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * mag >= raw) {
      step = m * mag;
      break;
    }
  lo = std::floor(lo / step + 1e-9) * step;
  hi = std::ceil(hi / step - 1e-9) * step;
  std::vector<double> ticks;
  for (double t = lo; t <= hi + step * 1e-6; t += step) ticks.push_back(std::abs(t) < step * 1e-9 ? 0.0 : t);
  return ticks;
}

inline std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

inline std::string escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else if (c == '&') out += "&amp;";
    else if (c == '"') out += "&quot;";
    else out += c;
  }
  return out;
}

inline void draw_panel(std::ostream& os, const Panel& p, double x0, double width, double height) {
  const double left = x0 + 70, right = x0 + width - 20, top = 40, bottom = height - 55;
  double xmin = std::numeric_limits<double>::infinity(), xmax = -xmin, ymin = xmin, ymax = -xmin;
  for (const Series& s : p.series)
    for (auto [x, y] : s.points) {
      xmin = std::min(xmin, x), xmax = std::max(xmax, x);
      ymin = std::min(ymin, y), ymax = std::max(ymax, y);
    }
  if (!std::isfinite(xmin)) xmin = xmax = ymin = ymax = 0;
  const std::vector<double> xt = nice_ticks(xmin, xmax), yt = nice_ticks(ymin, ymax);
  auto sx = [&](double x) { return left + (x - xmin) / (xmax - xmin) * (right - left); };
  auto sy = [&](double y) { return bottom - (y - ymin) / (ymax - ymin) * (bottom - top); };

  os << "<text x=\"" << (left + right) / 2 << "\" y=\"24\" text-anchor=\"middle\" font-size=\"16\">"
     << escape(p.title) << "</text>\n";
  for (double t : xt)
    os << "<line x1=\"" << sx(t) << "\" y1=\"" << top << "\" x2=\"" << sx(t) << "\" y2=\"" << bottom
       << "\" stroke=\"#e0e0e0\"/>\n<text x=\"" << sx(t) << "\" y=\"" << bottom + 18
       << "\" text-anchor=\"middle\" font-size=\"12\">" << num(t) << "</text>\n";
  for (double t : yt)
    os << "<line x1=\"" << left << "\" y1=\"" << sy(t) << "\" x2=\"" << right << "\" y2=\"" << sy(t)
       << "\" stroke=\"#e0e0e0\"/>\n<text x=\"" << left - 6 << "\" y=\"" << sy(t) + 4
       << "\" text-anchor=\"end\" font-size=\"12\">" << num(t) << "</text>\n";
  os << "<rect x=\"" << left << "\" y=\"" << top << "\" width=\"" << right - left << "\" height=\"" << bottom - top
     << "\" fill=\"none\" stroke=\"#333\"/>\n"
     << "<text x=\"" << (left + right) / 2 << "\" y=\"" << height - 15 << "\" text-anchor=\"middle\" font-size=\"13\">"
     << escape(p.xlabel) << "</text>\n"
     << "<text transform=\"translate(" << x0 + 18 << "," << (top + bottom) / 2
     << ") rotate(-90)\" text-anchor=\"middle\" font-size=\"13\">" << escape(p.ylabel) << "</text>\n";
  double legend_y = top + 16;
  for (const Series& s : p.series) {
    os << "<polyline fill=\"none\" stroke=\"" << s.color << "\" stroke-width=\"1.5\" points=\"";
    for (auto [x, y] : s.points) os << sx(x) << "," << sy(y) << " ";
    os << "\"/>\n";
    if (s.markers)
      for (auto [x, y] : s.points)
        os << "<circle cx=\"" << sx(x) << "\" cy=\"" << sy(y) << "\" r=\"3\" fill=\"" << s.color << "\"/>\n";
    os << "<line x1=\"" << right - 170 << "\" y1=\"" << legend_y - 4 << "\" x2=\"" << right - 150 << "\" y2=\""
       << legend_y - 4 << "\" stroke=\"" << s.color << "\" stroke-width=\"2\"/>\n<text x=\"" << right - 145
       << "\" y=\"" << legend_y << "\" font-size=\"12\">" << escape(s.name) << "</text>\n";
    legend_y += 16;
  }
}

}  // namespace detail

// The panels side by side, each panel_width x height pixels. Throws std::runtime_error when the
// file cannot be written.
inline void write(const std::string& path, const std::vector<Panel>& panels, double panel_width = 460,
                  double height = 320) {
  std::ostringstream os;
  const double width = panel_width * static_cast<double>(panels.size());
  os << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width << "\" height=\"" << height
     << "\" viewBox=\"0 0 " << width << " " << height << "\" font-family=\"sans-serif\">\n"
     << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  for (size_t i = 0; i < panels.size(); ++i) detail::draw_panel(os, panels[i], panel_width * static_cast<double>(i), panel_width, height);
  os << "</svg>\n";
  std::ofstream f(path);
  f << os.str();
  if (!f.flush()) throw std::runtime_error("[svg_plot] cannot write " + path);
}

}  // namespace svg_plot
