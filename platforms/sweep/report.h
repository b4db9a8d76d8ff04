// SPDX-License-Identifier: Apache-2.0
// `pmemvp-sweep report`: a summary table of a sweep's results (per combination of the axes:
// runs, failures, mean/min/max of figures) and plots of figures against axes with gnuplot.
#pragma once
#include <string>
#include <vector>

namespace pmemvp::sweep {

struct report_options {
    std::string out;                  // the sweep's directory (holds results.jsonl)
    std::string x;                    // the axis of the plots' x; empty: every axis with > 1 value
    std::vector<std::string> y;       // the figures; empty: a default set that the results have
    std::vector<std::string> formats{"png", "svg"};
    std::string out_dir;              // empty: OUT/report
};

// Prints the summary table and writes summary.csv, summary.md and the plots (FIGURE-vs-AXIS.EXT,
// with the gnuplot script and data beside them). Throws sweep_error for an unknown axis or
// figure (naming those there are), no results, or no gnuplot.
int report(const report_options& o);

} // namespace pmemvp::sweep
