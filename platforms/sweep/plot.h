// SPDX-License-Identifier: Apache-2.0
// A line plot drawn by gnuplot (Debian's gnuplot-nox): its data file and script are written
// beside the images, so that a user can restyle it and run `gnuplot NAME.gp` again.
#pragma once
#include <string>
#include <utility>
#include <vector>

namespace pmemvp::sweep {

struct plot_point {
    double x = 0;
    double mean = 0, min = 0, max = 0; // over the repetitions
};

struct plot_series {
    std::string title;
    std::vector<plot_point> points; // in x order
};

struct line_plot {
    std::string title, x_label, y_label;
    std::vector<std::pair<std::string, double>> x_tics; // label at position
    bool log_x = false;                                 // x values spanning orders of magnitude
    bool error_bars = false;                            // min..max of the repetitions
    std::vector<plot_series> series;
};

// Writes BASE.dat and BASE.gp and, with gnuplot, BASE.png and/or BASE.svg (formats "png",
// "svg"). Returns the images written; throws std::runtime_error with gnuplot's message.
std::vector<std::string> draw(const line_plot& p, const std::string& base, const std::vector<std::string>& formats,
                              const std::string& gnuplot);

// gnuplot's path, or a sweep_error naming the package to install.
std::string find_gnuplot();

} // namespace pmemvp::sweep
