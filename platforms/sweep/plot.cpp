// SPDX-License-Identifier: Apache-2.0
#include "plot.h"

#include "process.h"
#include "results.h"

#include <cstdio>
#include <filesystem>
#include <sstream>

namespace pmemvp::sweep {

namespace fs = std::filesystem;

namespace {

// A gnuplot string literal (double quotes: escapes work; noenhanced keeps '_' and '^' as they are).
std::string quoted(const std::string& s) {
    std::string q = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') q += '\\';
        q += c;
    }
    return q + "\"";
}

std::string number(double v) {
    char b[40];
    std::snprintf(b, sizeof b, "%.17g", v);
    return b;
}

// One block per series, two blank lines apart (gnuplot's `index`): x mean min max.
std::string data_text(const line_plot& p) {
    std::string d;
    for (const plot_series& s : p.series) {
        d += "# " + s.title + "\n# x mean min max\n";
        for (const plot_point& pt : s.points)
            d += number(pt.x) + " " + number(pt.mean) + " " + number(pt.min) + " " + number(pt.max) + "\n";
        d += "\n\n";
    }
    return d;
}

// Cairo's PNG terminal draws better; Debian's gnuplot-nox has it, other builds may only have png.
std::string png_terminal(const std::string& gnuplot) {
    static const std::string t = run_command({gnuplot, "-e", "set terminal pngcairo"}).status == 0 ? "pngcairo" : "png";
    return t;
}

std::string script_text(const line_plot& p, const std::string& data_file) {
    std::ostringstream s;
    s << "# pmemvp-sweep report; `gnuplot FILE.gp` draws it again (the terminal is set on the command line)\n"
      << "set title " << quoted(p.title) << " noenhanced\n"
      << "set xlabel " << quoted(p.x_label) << " noenhanced\n"
      << "set ylabel " << quoted(p.y_label) << " noenhanced\n"
      << "set key below noenhanced\n"
      << "set grid\n"
      << "set offsets graph 0.05, graph 0.05, graph 0.05, graph 0.05\n";
    if (p.log_x) s << "set logscale x\n";
    if (!p.x_tics.empty()) {
        s << "set xtics (";
        for (std::size_t i = 0; i < p.x_tics.size(); ++i)
            s << (i ? ", " : "") << quoted(p.x_tics[i].first) << " " << number(p.x_tics[i].second);
        s << ") rotate by -30 noenhanced\n";
    }
    s << "plot ";
    for (std::size_t i = 0; i < p.series.size(); ++i)
        s << (i ? ", \\\n     " : "") << quoted(data_file) << " index " << i
          << (p.error_bars ? " using 1:2:3:4 with yerrorlines" : " using 1:2 with linespoints")
          << " title " << quoted(p.series[i].title);
    s << "\n";
    return s.str();
}

} // namespace

std::string find_gnuplot() {
    const std::string g = find_program("gnuplot");
    if (g.empty())
        throw sweep_error("report: gnuplot is not on PATH; install it for the plots (Debian: apt-get install "
                          "gnuplot-nox)");
    return g;
}

std::vector<std::string> draw(const line_plot& p, const std::string& base, const std::vector<std::string>& formats,
                              const std::string& gnuplot) {
    const std::string data = base + ".dat", script = base + ".gp";
    write_atomically(data, data_text(p));
    write_atomically(script, script_text(p, fs::path(data).filename().string()));
    std::vector<std::string> images;
    for (const std::string& f : formats) {
        const std::string image = base + "." + f;
        const std::string terminal = f == "svg" ? "svg size 900,560 dynamic background rgb 'white'"
                                                : png_terminal(gnuplot) + " size 900,560";
        // In the data's directory, so that the script names its data file without a path.
        const command_result r =
            run_command({"/bin/sh", "-c", "cd " + shell_quote(fs::path(base).parent_path().string()) + " && exec " +
                                              shell_quote(gnuplot) + " -e " + shell_quote("set terminal " + terminal +
                                                                                          "; set output " + quoted(image)) +
                                              " " + shell_quote(script)});
        if (r.status != 0 || !fs::exists(image))
            throw std::runtime_error("gnuplot could not draw " + image + " (exit status " + std::to_string(r.status) +
                                     "): " + r.err);
        images.push_back(image);
    }
    return images;
}

} // namespace pmemvp::sweep
