// SPDX-License-Identifier: Apache-2.0
// The bad-input catalogue (issue 11): the real pmemvp binary on every class of hostile input
// the audit found, plus the error tables of docs/models/backend.md and docs/platform.md.
//
// Each case runs in a scratch directory of its own and checks:
// - the exit status (2 for bad input unless the case documents another one);
// - that stderr names the problem (groups of words, case-insensitive: each group must match
//   through one of its alternatives);
// - that nothing crashed (no signal death, no sanitizer report, no uncaught exception);
// - that the run ended within its wall-clock limit (a hang is killed and reported);
// - that every file that was in the scratch directory before the run is byte-identical
//   afterwards (type, size and SHA-256), and that no new file appeared except those the case
//   documents.
#include "pmemvp/test/harness.h"
#include "pmemvp/test/process.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <elf.h>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <random>
#include <regex>
#include <set>
#include <sstream>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace fs = std::filesystem;
using namespace pmemvp::test;

namespace {

// ---------------------------------------------------------------------------------------
// SHA-256 (FIPS 180-4), small and slow enough: the scratch files are a few MiB at most.

class sha256 {
public:
    void update(const unsigned char* data, std::size_t length) {
        bits_ += std::uint64_t(length) * 8;
        while (length) {
            const std::size_t n = std::min(length, block_.size() - used_);
            std::memcpy(block_.data() + used_, data, n);
            used_ += n;
            data += n;
            length -= n;
            if (used_ == block_.size()) {
                compress(block_.data());
                used_ = 0;
            }
        }
    }

    std::string hex_digest() {
        const std::uint64_t bits = bits_;
        const unsigned char pad = 0x80;
        update(&pad, 1);
        const unsigned char zero = 0;
        while (used_ != 56)
            update(&zero, 1);
        unsigned char length[8];
        for (int i = 0; i < 8; ++i)
            length[i] = static_cast<unsigned char>(bits >> (56 - 8 * i));
        update(length, 8);
        std::ostringstream os;
        for (std::uint32_t v : h_) {
            char buf[9];
            std::snprintf(buf, sizeof buf, "%08x", v);
            os << buf;
        }
        return os.str();
    }

private:
    static std::uint32_t rotr(std::uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

    void compress(const unsigned char* p) {
        static const std::uint32_t k[64] = {
            0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
            0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
            0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
            0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
            0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
            0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
            0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
            0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
            0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
            0xc67178f2};
        std::uint32_t w[64];
        for (int i = 0; i < 16; ++i)
            w[i] = std::uint32_t(p[4 * i]) << 24 | std::uint32_t(p[4 * i + 1]) << 16 |
                   std::uint32_t(p[4 * i + 2]) << 8 | std::uint32_t(p[4 * i + 3]);
        for (int i = 16; i < 64; ++i) {
            const std::uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
            const std::uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16] + s0 + w[i - 7] + s1;
        }
        std::uint32_t a = h_[0], b = h_[1], c = h_[2], d = h_[3], e = h_[4], f = h_[5], g = h_[6],
                      h = h_[7];
        for (int i = 0; i < 64; ++i) {
            const std::uint32_t t1 =
                h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + k[i] + w[i];
            const std::uint32_t t2 =
                (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
            h = g;
            g = f;
            f = e;
            e = d + t1;
            d = c;
            c = b;
            b = a;
            a = t1 + t2;
        }
        h_[0] += a;
        h_[1] += b;
        h_[2] += c;
        h_[3] += d;
        h_[4] += e;
        h_[5] += f;
        h_[6] += g;
        h_[7] += h;
    }

    std::array<std::uint32_t, 8> h_ = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                       0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    std::array<unsigned char, 64> block_{};
    std::size_t used_ = 0;
    std::uint64_t bits_ = 0;
};

std::string sha256_hex(const std::string& text) {
    sha256 h;
    h.update(reinterpret_cast<const unsigned char*>(text.data()), text.size());
    return h.hex_digest();
}

std::string sha256_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return "(unreadable)";
    sha256 h;
    std::vector<char> buf(1 << 20);
    while (in) {
        in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
        h.update(reinterpret_cast<const unsigned char*>(buf.data()),
                 static_cast<std::size_t>(in.gcount()));
    }
    return h.hex_digest();
}

TEST(bad_input_harness, sha256_matches_the_standard_vectors) {
    EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(sha256_hex("abc"),
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
              "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    EXPECT_EQ(sha256_hex(std::string(1000000, 'a')),
              "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

// ---------------------------------------------------------------------------------------
// What a directory holds: every entry (recursively, symbolic links not followed) with its
// type, size, content hash (regular files) or target (links).

struct entry {
    char type = '?'; // f regular, d directory, l link, p FIFO, c/b device, s socket
    std::uint64_t size = 0;
    std::string hash;
    std::string target;
};
using snapshot = std::map<std::string, entry>;

// `reference`: the snapshot before the run; a file whose size changed is not hashed (it may
// have become 1 TiB sparse).
snapshot take_snapshot(const std::string& dir, const snapshot* reference = nullptr) {
    snapshot s;
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(dir, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        const std::string path = it->path().string();
        const std::string name = path.substr(dir.size() + 1);
        struct stat st {};
        if (lstat(path.c_str(), &st) != 0) continue;
        entry e;
        if (S_ISREG(st.st_mode)) {
            e.type = 'f';
            e.size = static_cast<std::uint64_t>(st.st_size);
            const entry* before = nullptr;
            if (reference) {
                auto r = reference->find(name);
                if (r != reference->end()) before = &r->second;
            }
            if (!reference || (before && before->type == 'f' && before->size == e.size))
                e.hash = sha256_file(path);
        } else if (S_ISDIR(st.st_mode)) {
            e.type = 'd';
        } else if (S_ISLNK(st.st_mode)) {
            e.type = 'l';
            e.target = fs::read_symlink(path, ec).string();
        } else if (S_ISFIFO(st.st_mode)) {
            e.type = 'p';
        } else if (S_ISCHR(st.st_mode)) {
            e.type = 'c';
        } else if (S_ISBLK(st.st_mode)) {
            e.type = 'b';
        } else if (S_ISSOCK(st.st_mode)) {
            e.type = 's';
        }
        s[name] = e;
    }
    return s;
}

std::vector<std::string> compare(const snapshot& before, const snapshot& after,
                                 const std::set<std::string>& may_create) {
    std::vector<std::string> problems;
    for (const auto& [name, b] : before) {
        auto a = after.find(name);
        if (a == after.end()) {
            problems.push_back(name + ": removed");
            continue;
        }
        if (a->second.type != b.type) {
            problems.push_back(name + ": type changed from '" + b.type + "' to '" + a->second.type +
                               "'");
            continue;
        }
        if (b.type == 'f' && a->second.size != b.size)
            problems.push_back(name + ": size changed from " + std::to_string(b.size) + " to " +
                               std::to_string(a->second.size));
        else if (b.type == 'f' && a->second.hash != b.hash)
            problems.push_back(name + ": content changed (sha256 " + b.hash.substr(0, 16) +
                               "... -> " + a->second.hash.substr(0, 16) + "...)");
        if (b.type == 'l' && a->second.target != b.target)
            problems.push_back(name + ": link target changed");
    }
    for (const auto& [name, a] : after)
        if (!before.count(name) && !may_create.count(name))
            problems.push_back(name + ": created (" + std::string(1, a.type) + ", " +
                               std::to_string(a.size) + " bytes)");
    return problems;
}

// ---------------------------------------------------------------------------------------
// Running pmemvp with a wall-clock limit, optional signals on the way, and its resource use.

struct run_result {
    int status = -1;     // exit status, or 128 + signal
    bool exited = false; // ended through exit(), not killed by a signal
    int signal = 0;      // the signal that killed it
    bool hung = false;   // still running at the limit: killed with SIGKILL
    double wall_s = 0;
    long max_rss_kb = 0;
    std::string out, err;
};

struct timed_signal {
    double at_s;
    int signal;
};

run_result run_limited(const std::vector<std::string>& argv, double limit_s,
                       const std::vector<timed_signal>& signals = {}) {
    const std::string io = make_temp_dir();
    const std::string out_path = io + "/out", err_path = io + "/err";
    const auto start = std::chrono::steady_clock::now();
    const pid_t pid = fork();
    if (pid == 0) {
        // A test runner may ignore or block signals; pmemvp starts as from a shell.
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, nullptr);
        for (int s : {SIGINT, SIGTERM, SIGPIPE, SIGHUP, SIGQUIT})
            signal(s, SIG_DFL);
        const int in = open("/dev/null", O_RDONLY);
        const int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        const int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(in, 0);
        dup2(out, 1);
        dup2(err, 2);
        std::vector<char*> args;
        for (const auto& a : argv)
            args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        execv(args[0], args.data());
        _exit(127);
    }
    run_result r;
    if (pid < 0) {
        r.err = std::string("fork failed: ") + std::strerror(errno);
        return r;
    }
    std::size_t next_signal = 0;
    int status = 0;
    struct rusage usage {};
    for (;;) {
        const pid_t w = wait4(pid, &status, WNOHANG, &usage);
        if (w == pid) break;
        const double elapsed =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        while (next_signal < signals.size() && elapsed >= signals[next_signal].at_s)
            kill(pid, signals[next_signal++].signal);
        if (elapsed > limit_s) {
            kill(pid, SIGKILL);
            wait4(pid, &status, 0, &usage);
            r.hung = true;
            break;
        }
        usleep(2000);
    }
    r.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    r.max_rss_kb = usage.ru_maxrss;
    r.exited = WIFEXITED(status);
    r.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    r.status = r.exited ? WEXITSTATUS(status) : 128 + r.signal;
    r.out = read_file(out_path);
    r.err = read_file(err_path);
    return r;
}

// ---------------------------------------------------------------------------------------
// Minimal RISC-V ELF files.

struct segment {
    std::uint64_t paddr;
    std::string bytes; // p_filesz = bytes.size()
    std::uint64_t memsz;
};

std::string make_elf(std::uint64_t entry, const std::vector<segment>& segments) {
    Elf64_Ehdr eh{};
    std::memcpy(eh.e_ident, ELFMAG, SELFMAG);
    eh.e_ident[EI_CLASS] = ELFCLASS64;
    eh.e_ident[EI_DATA] = ELFDATA2LSB;
    eh.e_ident[EI_VERSION] = EV_CURRENT;
    eh.e_type = ET_EXEC;
    eh.e_machine = EM_RISCV;
    eh.e_version = EV_CURRENT;
    eh.e_entry = entry;
    eh.e_phoff = sizeof(Elf64_Ehdr);
    eh.e_flags = 0x1; // RVC, soft float: what the sw/ toolchain writes
    eh.e_ehsize = sizeof(Elf64_Ehdr);
    eh.e_phentsize = sizeof(Elf64_Phdr);
    eh.e_phnum = static_cast<Elf64_Half>(segments.size());
    std::string file(sizeof eh + segments.size() * sizeof(Elf64_Phdr), '\0');
    std::memcpy(file.data(), &eh, sizeof eh);
    for (std::size_t i = 0; i < segments.size(); ++i) {
        while (file.size() % 8)
            file.push_back('\0');
        Elf64_Phdr ph{};
        ph.p_type = PT_LOAD;
        ph.p_flags = PF_R | PF_W | PF_X;
        ph.p_offset = file.size();
        ph.p_vaddr = ph.p_paddr = segments[i].paddr;
        ph.p_filesz = segments[i].bytes.size();
        ph.p_memsz = segments[i].memsz;
        ph.p_align = 8;
        file += segments[i].bytes;
        std::memcpy(file.data() + sizeof eh + i * sizeof ph, &ph, sizeof ph);
    }
    return file;
}

std::string code(std::initializer_list<std::uint32_t> words) {
    std::string bytes;
    for (std::uint32_t w : words)
        for (int i = 0; i < 4; ++i)
            bytes.push_back(static_cast<char>(w >> (8 * i)));
    return bytes;
}

constexpr std::uint64_t ram = 0x80000000;
constexpr std::uint64_t device_memory = 0x100000000; // the first NVDIMM or virtio-pmem range

// Writes 0x5555 (pass) to the test finisher, then loops: a guest that exits 0 if it is ever run.
const std::string exit_0 = code({
    0x001002b7, // lui  t0, 0x100          t0 = 0x100000, the finisher
    0x00005337, // lui  t1, 0x5
    0x55530313, // addi t1, t1, 0x555      t1 = 0x5555
    0x0062a023, // sw   t1, 0(t0)
    0x0000006f, // j    .
});

// Jumps to 0x90000000, past the end of 128 MiB of RAM, where nothing is mapped.
const std::string jump_to_unmapped = code({
    0x480002b7, // lui  t0, 0x48000        t0 = 0x48000000
    0x00129293, // slli t0, t0, 1          t0 = 0x90000000
    0x00028067, // jr   t0
});

// Rings slot 0's DSM doorbell (0x10100000) with a page at 0x100000000, the first NVDIMM's
// pmem, then exits 0 if dsm_status is 0, else with dsm_status as the failure code.
const std::string dsm_page_in_pmem = code({
    0x101002b7, // lui  t0, 0x10100        t0 = the control page of slot 0
    0x00100313, // li   t1, 1
    0x02031313, // slli t1, t1, 32         t1 = 0x100000000
    0x0062b023, // sd   t1, 0(t0)          dsm_doorbell
    0x0082a383, // lw   t2, 8(t0)          dsm_status
    0x00100e37, // lui  t3, 0x100          the finisher
    0x00005eb7, // lui  t4, 0x5
    0x555e8e93, // addi t4, t4, 0x555      t4 = 0x5555 (pass)
    0x00038a63, // beqz t2, 1f
    0x01039393, // slli t2, t2, 16
    0x00003eb7, // lui  t4, 0x3
    0x333e8e93, // addi t4, t4, 0x333
    0x01d3eeb3, // or   t4, t2, t4         t4 = status << 16 | 0x3333 (fail with status)
    0x01de2023, // 1: sw t4, 0(t3)
    0x0000006f, // j    .
});

// A program for RAM with one more segment: `extra`.
std::string elf_with(const segment& extra) {
    return make_elf(ram, {{ram, exit_0, 0x1000}, extra});
}

// ---------------------------------------------------------------------------------------
// Scratch files.

void write_bytes(const std::string& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out) throw std::runtime_error("cannot write " + path);
}

// `size` pseudo-random bytes: a user's image whose every byte matters.
void put_image(const std::string& path, std::size_t size, unsigned seed = 1) {
    std::mt19937_64 gen(seed);
    std::string bytes(size, '\0');
    for (std::size_t i = 0; i + 8 <= size; i += 8) {
        const std::uint64_t v = gen();
        std::memcpy(bytes.data() + i, &v, 8);
    }
    write_bytes(path, bytes);
}

void put_empty(const std::string& path) {
    write_bytes(path, "");
}

void put_dir(const std::string& path) {
    fs::create_directories(path);
}

void put_fifo(const std::string& path) {
    if (mkfifo(path.c_str(), 0644) != 0)
        throw std::runtime_error("mkfifo " + path + ": " + std::strerror(errno));
}

void put_hardlink(const std::string& target, const std::string& path) {
    fs::create_hard_link(target, path);
}

void put_symlink(const std::string& target, const std::string& path) {
    fs::create_symlink(target, path);
}

// The hello guest with header fields patched (little-endian, `width` bytes at `offset`).
std::string patched_hello(std::vector<std::tuple<std::size_t, unsigned, std::uint64_t>> patches) {
    std::string elf = read_file(guest("hello"));
    for (const auto& [offset, width, value] : patches)
        for (unsigned i = 0; i < width; ++i)
            elf[offset + i] = static_cast<char>(value >> (8 * i));
    return elf;
}

// ---------------------------------------------------------------------------------------
// The catalogue.

enum : int {
    any_failure = -1, // any exit status but 0 and 124 (--max-time): the run must end by itself
    any_status = -2,  // any exit status: only the files, the messages and the clean end count
};

using words_t = std::vector<std::vector<std::string>>; // every group must match one alternative

struct bad_case {
    std::string name;
    std::function<void(const std::string& dir)> setup; // creates the scratch files
    std::vector<std::string> args; // after the pmemvp path; $D = the scratch dir
    int status = 2;
    words_t words;                         // in stderr; $D replaced
    std::set<std::string> may_create = {}; // names relative to the scratch dir
    double limit_s = 60;
    std::vector<timed_signal> signals = {};
    long max_rss_mb = 0; // 0: not checked
    std::function<void(const std::string& dir, const run_result&, const std::string& where)> extra =
        {};
};

void PrintTo(const bad_case& c, std::ostream* os) {
    *os << c.name;
}

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
    for (std::size_t at = text.find(from); at != std::string::npos;
         at = text.find(from, at + to.size()))
        text.replace(at, from.size(), to);
    return text;
}

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    return s;
}

std::string backend(const std::string& opts) {
    return "memory-backend-file," + opts;
}

std::vector<bad_case> all_cases() {
    std::vector<bad_case> c;
    const std::string hello = guest("hello");
    const auto image = [](const std::string& name, std::size_t size = 2u << 20) {
        return [=](const std::string& d) { put_image(d + "/" + name, size); };
    };
    const auto elf_file = [](std::string bytes) {
        return [=](const std::string& d) { write_bytes(d + "/k.elf", bytes); };
    };
    const auto both = [](std::function<void(const std::string&)> a,
                         std::function<void(const std::string&)> b) {
        return [=](const std::string& d) {
            a(d);
            b(d);
        };
    };

    // ---- 1. ELF header overflow: e_phoff + e_phnum * 56 wraps around 2^64 -------------------
    // e_phoff = -56, 2 entries: the sum wraps to 56; the copy would read before the buffer.
    c.push_back({"elf_phoff_wraps_before_the_buffer",
                 elf_file(patched_hello({{32, 8, ~0ull - 55}, {56, 2, 2}})),
                 {"-kernel", "$D/k.elf"},
                 2,
                 {{"program header"}}});
    // 0xffff entries ending at offset 64 after the wrap: 3.5 MiB before the buffer.
    c.push_back({"elf_phoff_wraps_far_before_the_buffer",
                 elf_file(patched_hello({{32, 8, 0ull - 0xffffull * 56 + 64}, {56, 2, 0xffff}})),
                 {"-kernel", "$D/k.elf"},
                 2,
                 {{"program header"}}});
    c.push_back({"elf_phoff_all_ones",
                 elf_file(patched_hello({{32, 8, ~0ull}, {56, 2, 1}})),
                 {"-kernel", "$D/k.elf"},
                 2,
                 {{"program header"}}});
    // The same class in the segments: p_offset + p_filesz wraps.
    {
        std::string elf = make_elf(ram, {{ram, exit_0, 0x1000}});
        Elf64_Phdr ph;
        std::memcpy(&ph, elf.data() + sizeof(Elf64_Ehdr), sizeof ph);
        ph.p_offset = ~0ull - 7; // + 20 bytes of code wraps to 12
        std::memcpy(elf.data() + sizeof(Elf64_Ehdr), &ph, sizeof ph);
        c.push_back({"elf_segment_file_offset_wraps",
                     elf_file(elf),
                     {"-kernel", "$D/k.elf"},
                     2,
                     {{"segment"}}});
    }

    // ---- 2. ELF: huge p_memsz, checked before anything is allocated ------------------------
    c.push_back({"elf_memsz_2_pow_62",
                 elf_file(make_elf(ram, {{ram, exit_0, 1ull << 62}})),
                 {"-kernel", "$D/k.elf"},
                 2,
                 {{"segment"}}});
    c.push_back({"elf_memsz_4GiB_in_RAM_allocates_nothing",
                 elf_file(make_elf(ram, {{ram, exit_0, 4ull << 30}})),
                 {"-kernel", "$D/k.elf"},
                 2,
                 {{"segment"}}});
    c.back().max_rss_mb = 1024; // the refusal must not allocate the 4 GiB first
    c.push_back({"elf_segment_wraps_the_address_space",
                 elf_file(elf_with({0xfffffffffffff000ull, "", 0x2000})),
                 {"-kernel", "$D/k.elf"},
                 2,
                 {{"segment"}}});
    c.push_back({"elf_segment_past_the_end_of_RAM",
                 elf_file(elf_with({ram + (128u << 20) - 0x800, "", 0x1000})),
                 {"-kernel", "$D/k.elf", "-m", "128M"},
                 2,
                 {{"segment"}}});
    c.push_back({"elf_segment_into_the_uart",
                 elf_file(elf_with({0x10000000, "XXXXXXXX", 8})),
                 {"-kernel", "$D/k.elf"},
                 2,
                 {{"segment"}}});
    c.push_back({"elf_segment_into_the_nvdimm_control_pages",
                 elf_file(elf_with({0x10100000, "", 0x1000})),
                 {"-kernel", "$D/k.elf"},
                 2,
                 {{"segment"}}});

    // ---- 3. -kernel that is not a regular file --------------------------------------------
    c.push_back({"kernel_is_a_directory",
                 [](const std::string& d) { put_dir(d + "/kdir"); },
                 {"-kernel", "$D/kdir"},
                 2,
                 {{"not a regular file", "directory"}, {"$D/kdir"}}});
    c.back().limit_s = 20;
    c.push_back({"kernel_is_a_fifo",
                 [](const std::string& d) { put_fifo(d + "/kfifo"); },
                 {"-kernel", "$D/kfifo"},
                 2,
                 {{"not a regular file", "fifo"}, {"$D/kfifo"}}});
    c.back().limit_s = 20; // open() of a FIFO with no writer must not block
    c.push_back({"kernel_is_a_character_device",
                 {},
                 {"-kernel", "/dev/zero"},
                 2,
                 {{"not a regular file", "character device"}, {"/dev/zero"}}});
    c.back().limit_s = 20;

    // ---- 4. ELF segments into pmem: refused before anything is written ---------------------
    const std::vector<std::string> nvdimm_args = {
        "-machine", "virt,nvdimm=on",
        "-object",  backend("id=m0,mem-path=$D/pm.img,size=16M,share=on"),
        "-device",  "nvdimm,id=nv0,memdev=m0"};
    const std::vector<std::string> virtio_args = {
        "-object", backend("id=m0,mem-path=$D/pm.img,size=16M,share=on"), "-device",
        "virtio-pmem-pci,id=vp0,memdev=m0"};
    const auto with = [](std::vector<std::string> a, const std::vector<std::string>& b) {
        a.insert(a.end(), b.begin(), b.end());
        return a;
    };
    const std::vector<std::string> kernel = {"-kernel", "$D/k.elf"};
    const std::string clobber = "CLOBBERED BY THE ELF LOADER";
    c.push_back(
        {"elf_segment_into_nvdimm",
         both(image("pm.img", 16u << 20), elf_file(elf_with({device_memory, clobber, 0x1000}))),
         with(kernel, nvdimm_args),
         2,
         {{"nv0", "m0"}, {"ram"}}});
    c.push_back({"elf_bss_into_nvdimm",
                 both(image("pm.img", 16u << 20), elf_file(elf_with({device_memory, "", 0x1000}))),
                 with(kernel, nvdimm_args),
                 2,
                 {{"nv0", "m0"}, {"ram"}}});
    c.push_back(
        {"elf_segment_into_virtio_pmem",
         both(image("pm.img", 16u << 20), elf_file(elf_with({device_memory, clobber, 0x1000}))),
         with(kernel, virtio_args),
         2,
         {{"vp0", "m0"}, {"ram"}}});
    c.push_back({"elf_bss_into_virtio_pmem",
                 both(image("pm.img", 16u << 20), elf_file(elf_with({device_memory, "", 0x1000}))),
                 with(kernel, virtio_args),
                 2,
                 {{"vp0", "m0"}, {"ram"}}});
    c.push_back({"elf_bss_into_readonly_nvdimm",
                 both(image("pm.img", 16u << 20), elf_file(elf_with({device_memory, "", 0x1000}))),
                 with(kernel, {"-machine", "virt,nvdimm=on", "-object",
                               backend("id=m0,mem-path=$D/pm.img,size=16M,share=on,readonly=on"),
                               "-device", "nvdimm,id=nv0,memdev=m0,unarmed=on"}),
                 2,
                 {{"nv0", "m0"}, {"ram"}, {"read-only", "readonly"}}});
    c.push_back(
        {"elf_segment_into_readonly_virtio_pmem",
         both(image("pm.img", 16u << 20), elf_file(elf_with({device_memory, clobber, 0x1000}))),
         with(kernel, {"-object", backend("id=m0,mem-path=$D/pm.img,size=16M,share=on,readonly=on"),
                       "-device", "virtio-pmem-pci,id=vp0,memdev=m0"}),
         2,
         {{"vp0", "m0"}, {"ram"}, {"read-only", "readonly"}}});

    // ---- 5. Output files over backing files (same inode, any spelling) --------------------
    const std::vector<std::string> pm = {"-kernel", hello, "-object",
                                         backend("id=m0,mem-path=$D/pm.img,size=2M,share=on")};
    c.push_back({"stats_over_a_backing_file",
                 image("pm.img"),
                 with(pm, {"--stats", "$D/pm.img"}),
                 2,
                 {{"--stats"}, {"backing file"}}});
    c.push_back({"trace_over_a_backing_file",
                 image("pm.img"),
                 with(pm, {"--trace", "$D/pm.img"}),
                 2,
                 {{"--trace"}, {"backing file"}}});
    c.push_back({"vcd_over_a_backing_file",
                 image("x.vcd"),
                 {"-kernel", hello, "-object", backend("id=m0,mem-path=$D/x.vcd,size=2M,share=on"),
                  "--vcd", "$D/x.vcd"},
                 2,
                 {{"--vcd"}, {"backing file"}}});
    c.push_back(
        {"dump_acpi_over_a_backing_file",
         [](const std::string& d) {
             put_dir(d + "/acpi");
             put_image(d + "/acpi/NFIT.dat", 2u << 20);
         },
         {"-kernel", hello, "-object", backend("id=m0,mem-path=$D/acpi/NFIT.dat,size=2M,share=on"),
          "--dump-acpi", "$D/acpi"},
         2,
         {{"--dump-acpi"}, {"backing file"}}}); // and no RSDP.dat, XSDT.dat written either
    c.push_back({"serial_file_over_a_backing_file",
                 image("pm.img"),
                 with(pm, {"-serial", "file:$D/pm.img"}),
                 2,
                 {{"-serial"}, {"backing file"}}});
    c.push_back({"stats_over_a_hard_link_to_a_backing_file",
                 both(image("pm.img"),
                      [](const std::string& d) { put_hardlink(d + "/pm.img", d + "/link.img"); }),
                 with(pm, {"--stats", "$D/link.img"}),
                 2,
                 {{"--stats"}, {"backing file"}}});
    c.push_back(
        {"trace_over_a_symlink_to_a_backing_file",
         both(image("pm.img"), [](const std::string& d) { put_symlink("pm.img", d + "/sym.img"); }),
         with(pm, {"--trace", "$D/sym.img"}),
         2,
         {{"--trace"}, {"backing file"}}});
    c.push_back({"serial_file_over_a_backing_file_through_dotdot",
                 both(image("pm.img"), [](const std::string& d) { put_dir(d + "/sub"); }),
                 with(pm, {"-serial", "file:$D/sub/../pm.img"}),
                 2,
                 {{"-serial"}, {"backing file"}}});
    c.push_back(
        {"stats_over_a_backing_file_given_through_a_symlink",
         both(image("pm.img"), [](const std::string& d) { put_symlink("pm.img", d + "/sym.img"); }),
         {"-kernel", hello, "-object", backend("id=m0,mem-path=$D/sym.img,size=2M,share=on"),
          "--stats", "$D/pm.img"},
         2,
         {{"--stats"}, {"backing file"}}});
    c.push_back({"vcd_over_a_hard_link_to_a_backing_file",
                 both(image("pm.img"),
                      [](const std::string& d) { put_hardlink(d + "/pm.img", d + "/w.vcd"); }),
                 with(pm, {"--vcd", "$D/w.vcd"}),
                 2,
                 {{"--vcd"}, {"backing file"}}});
    c.push_back(
        {"refused_before_any_output_is_opened",
         image("pm.img"),
         with(pm, {"--trace", "$D/t.txt", "-serial", "file:$D/u.txt", "--stats", "$D/pm.img"}),
         2,
         {{"--stats"}, {"backing file"}}}); // neither t.txt nor u.txt may be created
    c.push_back({"stats_over_a_readonly_backing_file",
                 image("pm.img"),
                 {"-kernel", hello, "-object",
                  backend("id=m0,mem-path=$D/pm.img,size=2M,readonly=on"), "--stats", "$D/pm.img"},
                 2,
                 {{"--stats"}, {"backing file"}}});
    c.push_back({"trace_over_a_private_backing_file",
                 image("pm.img"),
                 {"-kernel", hello, "-object",
                  backend("id=m0,mem-path=$D/pm.img,size=2M,share=off"), "--trace", "$D/pm.img"},
                 2,
                 {{"--trace"}, {"backing file"}}});

    // ---- 6. A failed start leaves every file as it was -------------------------------------
    // size=1T maps on this class of host (a sparse file, a shared mapping), so each case makes
    // the start fail after the backend was created.
    const auto empty = [](const std::string& name) {
        return [=](const std::string& d) { put_empty(d + "/" + name); };
    };
    c.push_back({"failed_start_shrinks_a_grown_empty_file_back",
                 empty("e.img"),
                 {"-kernel", hello, "-object", backend("id=m0,mem-path=$D/e.img,size=1T,share=on"),
                  "-object", backend("id=m1,mem-path=$D/nodir/x.img,size=2M")},
                 2,
                 {{"mem-path"}, {"$D/nodir/x.img"}}});
    c.push_back(
        {"failed_start_removes_a_created_file",
         {},
         {"-kernel", hello, "-object", backend("id=m0,mem-path=$D/new.img,size=1T,share=on"),
          "-object", backend("id=m1,mem-path=$D/nodir/x.img,size=2M")},
         2,
         {{"mem-path"}, {"$D/nodir/x.img"}}});
    c.push_back({"failed_start_by_a_missing_memdev",
                 empty("e.img"),
                 {"-kernel", hello, "-machine", "virt,nvdimm=on", "-object",
                  backend("id=m0,mem-path=$D/e.img,size=1T,share=on"), "-device",
                  "nvdimm,id=nv0,memdev=nope"},
                 2,
                 {{"nope"}}});
    c.push_back({"failed_start_by_dump_acpi_removes_a_created_file",
                 {},
                 {"-kernel", hello, "-object",
                  backend("id=m0,mem-path=$D/new.img,size=2M,share=on"), "--dump-acpi", "$D/nodir"},
                 2,
                 {{"--dump-acpi"}, {"$D/nodir"}}});
    c.push_back({"failed_start_by_the_elf_loader_removes_a_created_file",
                 elf_file(elf_with({device_memory, clobber, 0x1000})),
                 with(kernel, {"-machine", "virt,nvdimm=on", "-object",
                               backend("id=m0,mem-path=$D/new.img,size=16M,share=on"), "-device",
                               "nvdimm,id=nv0,memdev=m0"}),
                 2,
                 {{"nv0", "m0"}, {"ram"}}});
    c.push_back({"cannot_extend_an_empty_file",
                 empty("e.img"),
                 {"-kernel", hello, "-object",
                  backend("id=m0,mem-path=$D/e.img,size=0x40000000000000,share=on")},
                 2,
                 {{"size", "extend"}, {"0x40000000000000"}}});
    c.push_back({"cannot_extend_a_created_file",
                 {},
                 {"-kernel", hello, "-object",
                  backend("id=m0,mem-path=$D/new.img,size=0x40000000000000,share=on")},
                 2,
                 {{"size", "extend"}, {"0x40000000000000"}}});

    // ---- 7. A huge backend size --------------------------------------------------------------
    c.push_back({"backend_size_2_pow_63",
                 empty("e.img"),
                 {"-kernel", hello, "-object",
                  backend("id=m0,mem-path=$D/e.img,size=0x8000000000000000,share=on")},
                 2,
                 {{"size"}}});
    c.push_back({"backend_size_just_below_2_pow_64",
                 empty("e.img"),
                 {"-kernel", hello, "-object",
                  backend("id=m0,mem-path=$D/e.img,size=0xfffffffffffff000,share=on")},
                 2,
                 {{"size"}}});
    c.push_back(
        {"backend_offset_plus_size_wraps",
         image("pm.img", 8192),
         {"-kernel", hello, "-object",
          backend("id=m0,mem-path=$D/pm.img,size=0x2000,offset=0xfffffffffffff000,share=on")},
         2,
         {{"offset"}}});

    // ---- 8. User text never reaches a Boost format string ----------------------------------
    for (const auto& [name, args] : std::vector<std::pair<std::string, std::vector<std::string>>>{
             {"cpi_percent_value", {"--cpi", "%value%"}},
             {"cpi_equals_percent_value", {"--cpi=%value%"}},
             {"cpi_brace", {"--cpi", "{"}},
             {"cpi_percent_1", {"--cpi", "%1%"}},
             {"cpi_percent_canonical_option", {"--cpi", "%canonical_option%"}},
             {"cpi_percent_value_twice", {"--cpi", "%value%%value%"}}}) {
        c.push_back({name, {}, with({"-kernel", hello}, args), 2, {{"cpi"}}});
        c.back().limit_s = 20; // "status 2 quickly"
    }
    c.push_back({"cpi_negative_is_named_as_given",
                 {},
                 {"-kernel", hello, "--cpi", "-1"},
                 2,
                 {{"cpi"}, {"-1"}}});
    c.push_back({"cpi_beyond_32_bits",
                 {},
                 {"-kernel", hello, "--cpi", "99999999999"},
                 2,
                 {{"cpi"}, {"99999999999"}}});
    c.push_back(
        {"m_percent_value", {}, {"-kernel", hello, "-m", "%value%"}, 2, {{"-m"}, {"%value%"}}});
    c.push_back({"quantum_percent_1",
                 {},
                 {"-kernel", hello, "--quantum", "%1%"},
                 2,
                 {{"--quantum"}, {"%1%"}}});
    c.push_back(
        {"unknown_option_percent_value", {}, {"-kernel", hello, "--%value%"}, 2, {{"%value%"}}});
    c.push_back({"machine_key_percent_value",
                 {},
                 {"-kernel", hello, "-machine", "virt,%value%=on"},
                 2,
                 {{"%value%"}}});
    c.push_back({"backend_size_percent_1",
                 {},
                 {"-kernel", hello, "-object", backend("id=m0,mem-path=$D/new.img,size=%1%")},
                 2,
                 {{"size"}, {"%1%"}}});
    c.push_back({"m_bare_number_overflows",
                 {},
                 {"-kernel", hello, "-m", "99999999999999"},
                 2,
                 {{"-m"}, {"99999999999999"}}});

    // ---- 9. Timing parameters: the range is checked in the type that was parsed -------------
    for (const auto& [name, spec, param] :
         std::vector<std::tuple<std::string, std::string, std::string>>{
             {"wpq_depth_2_pow_32_plus_64", "optane,wpq-depth=4294967360", "wpq-depth"},
             {"wpq_depth_4097", "optane,wpq-depth=4097", "wpq-depth"},
             {"wpq_depth_0", "optane,wpq-depth=0", "wpq-depth"},
             {"wpq_depth_nan", "optane,wpq-depth=nan", "wpq-depth"},
             {"wpq_depth_inf", "optane,wpq-depth=inf", "wpq-depth"},
             {"cpu_cache_ways_1e30", "optane,cpu-cache-ways=1e30", "cpu-cache-ways"},
             {"cpu_cache_ways_2_pow_32_plus_1", "optane,cpu-cache-ways=4294967297",
              "cpu-cache-ways"},
             {"cpu_outstanding_minus_1", "optane,cpu-outstanding=-1", "cpu-outstanding"},
             {"cpu_outstanding_2_pow_64_plus_1", "optane,cpu-outstanding=18446744073709551617",
              "cpu-outstanding"},
             {"read_random_1e300s", "optane,read-random=1e300s", "read-random"},
             {"timing_unknown_profile", "bogus", "bogus"},
             {"timing_unknown_parameter", "optane,bogus=1", "bogus"}}) {
        c.push_back({name, {}, {"-kernel", hello, "--pmem-timing", spec}, 2, {{param}}});
    }

    // ---- 10. Quiet wrong behaviour ----------------------------------------------------------
    // A virtio-pmem flush whose host sync fails (msync/fdatasync of /dev/zero: EINVAL) returns
    // the device's error status to the guest (the demo prints each flush's status and exits
    // non-zero when one failed), and the host logs it once.
    c.push_back({"virtio_pmem_flush_that_fails_on_the_host",
                 {},
                 {"-kernel", guest("virtio-pmem-demo"), "-object",
                  backend("id=m0,mem-path=/dev/zero,size=16M,share=on"), "-device",
                  "virtio-pmem-pci,id=vp0,memdev=m0"},
                 any_failure,
                 {{"m0", "/dev/zero"}, {"flush"}}});
    c.back().extra = [](const std::string&, const run_result& r, const std::string& where) {
        EXPECT_EQ(r.out.find("flush (polled): 0\n"), std::string::npos)
            << "the guest was told the flush succeeded" << where;
        EXPECT_EQ(r.out.find("flush (interrupt): 0\n"), std::string::npos)
            << "the guest was told the flush succeeded" << where;
        std::istringstream lines(lower(r.err));
        unsigned flush_lines = 0;
        for (std::string line; std::getline(lines, line);)
            flush_lines += line.find("flush") != std::string::npos;
        EXPECT_EQ(flush_lines, 1u) << "the host logs the failed flush once" << where;
    };
    // Two backends on one file with share=on: refused, naming both.
    c.push_back(
        {"two_backends_on_one_file",
         image("pm.img"),
         {"-kernel", hello, "-object", backend("id=mema,mem-path=$D/pm.img,size=2M,share=on"),
          "-object", backend("id=memb,mem-path=$D/pm.img,size=2M,share=on")},
         2,
         {{"mema"}, {"memb"}}});
    c.push_back(
        {"two_backends_on_one_file_through_a_hard_link",
         both(image("pm.img"),
              [](const std::string& d) { put_hardlink(d + "/pm.img", d + "/link.img"); }),
         {"-kernel", hello, "-object", backend("id=mema,mem-path=$D/pm.img,size=2M,share=on"),
          "-object", backend("id=memb,mem-path=$D/link.img,size=2M,share=on")},
         2,
         {{"mema"}, {"memb"}}});
    c.push_back(
        {"two_backends_on_one_file_through_a_symlink",
         both(image("pm.img"), [](const std::string& d) { put_symlink("pm.img", d + "/sym.img"); }),
         {"-kernel", hello, "-object", backend("id=mema,mem-path=$D/pm.img,size=2M,share=on"),
          "-object", backend("id=memb,mem-path=$D/sym.img,size=1M,share=on,offset=1M")},
         2,
         {{"mema"}, {"memb"}}});
    // A guest fetching from an unmapped address stops with a message naming the pc, at once
    // (the exit status is the lead's choice: anything but 0 and 124; --max-time is only the
    // safety net that shows today's silent spinning as 124).
    c.push_back({"entry_point_unmapped",
                 elf_file(make_elf(0x90000000, {{ram, exit_0, 0x1000}})),
                 with(kernel, {"-m", "128M", "--max-time", "10ms"}),
                 any_failure,
                 {{"pc", "entry"}, {"0x90000000"}}});
    c.push_back({"jump_to_unmapped",
                 elf_file(make_elf(ram, {{ram, jump_to_unmapped, 0x1000}})),
                 with(kernel, {"-m", "128M", "--max-time", "10ms"}),
                 any_failure,
                 {{"pc"}, {"0x90000000"}}});
    // A guest store into a readonly=on backend: the guest traps (its runtime exits 127), and
    // the host warns, naming the backend.
    c.push_back({"guest_store_into_readonly_virtio_pmem",
                 image("pm.img", 16u << 20),
                 {"-kernel", guest("virtio-pmem-demo"), "-object",
                  backend("id=m0,mem-path=$D/pm.img,size=16M,share=on,readonly=on"), "-device",
                  "virtio-pmem-pci,id=vp0,memdev=m0", "--max-time", "100ms"},
                 any_failure,
                 {{"read-only", "readonly"}, {"m0"}}});
    c.push_back({"guest_store_into_readonly_nvdimm",
                 image("pm.img", 16u << 20),
                 {"-kernel", guest("persist-bug"), "-machine", "virt,nvdimm=on", "-object",
                  backend("id=m0,mem-path=$D/pm.img,size=16M,share=on,readonly=on"), "-device",
                  "nvdimm,id=nv0,memdev=m0,unarmed=on", "--max-time", "100ms"},
                 any_failure,
                 {{"read-only", "readonly"}, {"m0"}}});
    // A DSM mailbox page inside the DIMM's own pmem range: refused like other non-RAM pages
    // (dsm_status 1, the guest exits 1), with a warning naming the address; the reply is never
    // written into the pmem file.
    c.push_back({"dsm_page_inside_pmem",
                 both(image("pm.img", 16u << 20),
                      elf_file(make_elf(ram, {{ram, dsm_page_in_pmem, 0x1000}}))),
                 with(kernel, nvdimm_args),
                 any_failure,
                 {{"0x100000000"}, {"ram"}}});

    // ---- 11. Signals: stop at the next quantum, sync, write stats and traces -----------------
    const std::vector<std::string> spin = {
        "-kernel", guest("spin"),   "-object", backend("id=m0,mem-path=$D/pm.img,size=2M,share=on"),
        "--stats", "$D/stats.json", "--trace", "$D/trace.txt"};
    const auto interrupted = [](const std::string& d, const run_result& r,
                                const std::string& where) {
        EXPECT_TRUE(r.exited) << "killed by signal " << r.signal << " instead of stopping" << where;
        const std::string stats = read_file(d + "/stats.json");
        EXPECT_TRUE(std::regex_search(stats, std::regex("\"outcome\"\\s*:\\s*\"interrupted\"")))
            << "stats: " << stats << where;
    };
    c.push_back({"sigint_stops_the_run",
                 image("pm.img"),
                 spin,
                 130,
                 {},
                 {"stats.json", "trace.txt"},
                 60,
                 {{1.5, SIGINT}},
                 0,
                 interrupted});
    c.push_back({"sigterm_stops_the_run",
                 image("pm.img"),
                 spin,
                 143,
                 {},
                 {"stats.json", "trace.txt"},
                 60,
                 {{1.5, SIGTERM}},
                 0,
                 interrupted});
    // A second signal exits at once (the status is not specified, and it may end through the
    // signal itself), leaving the image whole. Two different signals sent together, so that
    // the second one is not merged into the first while it is still pending.
    c.push_back({"second_signal_exits_at_once",
                 image("pm.img"),
                 spin,
                 any_status,
                 {},
                 {"stats.json", "trace.txt"},
                 60,
                 {{1.5, SIGINT}, {1.5, SIGTERM}},
                 0,
                 [](const std::string&, const run_result& r, const std::string& where) {
                     EXPECT_NE(r.status, 0) << where;
                 }});

    // ---- docs/models/backend.md, "Errors": every row ----------------------------------------
    const auto row = [&](std::string name, std::function<void(const std::string&)> setup,
                         std::string opts, words_t words) {
        c.push_back({std::move(name),
                     std::move(setup),
                     {"-kernel", hello, "-object", backend(opts)},
                     2,
                     std::move(words)});
    };
    row("backend_no_size", {}, "id=m0,mem-path=$D/new.img", {{"'size'"}, {"missing"}});
    row("backend_size_0", {}, "id=m0,mem-path=$D/new.img,size=0", {{"'size'"}, {"'0'"}});
    row("backend_size_not_a_size", {}, "id=m0,mem-path=$D/new.img,size=12Q", {{"'size'"}, {"12q"}});
    row("backend_size_not_a_page_multiple", {}, "id=m0,mem-path=$D/new.img,size=0x3e8",
        {{"'size'"}, {"0x3e8"}, {"page"}});
    row("backend_size_twice", {}, "id=m0,mem-path=$D/new.img,size=2M,size=4M",
        {{"'size'"}, {"twice"}});
    row("backend_no_mem_path", {}, "id=m0,size=2M", {{"'mem-path'"}, {"missing"}});
    row("backend_cannot_open", {}, "id=m0,mem-path=$D/nodir/x.img,size=2M",
        {{"mem-path"}, {"$D/nodir/x.img"}, {"cannot open"}});
    row("backend_readonly_missing_file", {}, "id=m0,mem-path=$D/missing.img,size=2M,readonly=on",
        {{"$D/missing.img"}, {"readonly", "read-only"}});
    row("backend_readonly_empty_file", empty("e.img"),
        "id=m0,mem-path=$D/e.img,size=2M,readonly=on", {{"$D/e.img"}, {"readonly", "read-only"}});
    row("backend_file_too_small", image("pm.img", 4096),
        "id=m0,mem-path=$D/pm.img,size=64K,share=on", {{"$D/pm.img"}, {"0x1000"}, {"0x10000"}});
    row("backend_file_too_small_for_the_offset", image("pm.img", 8192),
        "id=m0,mem-path=$D/pm.img,size=8K,offset=4K,share=on", {{"$D/pm.img"}, {"offset"}});
    row("backend_align_not_a_power_of_two", {}, "id=m0,mem-path=$D/new.img,size=2M,align=0xbb8",
        {{"'align'"}, {"0xbb8"}, {"power of two"}});
    row("backend_align_not_a_page_multiple", {}, "id=m0,mem-path=$D/new.img,size=2M,align=0x800",
        {{"'align'"}, {"0x800"}, {"page"}});
    row("backend_offset_not_a_page_multiple", image("pm.img", 8192),
        "id=m0,mem-path=$D/pm.img,size=4K,offset=0x64", {{"'offset'"}, {"0x64"}, {"page"}});
    row("backend_bad_boolean", {}, "id=m0,mem-path=$D/new.img,size=2M,share=maybe",
        {{"'share'"}, {"maybe"}});
    row("backend_readonly_with_discard_data", image("pm.img"),
        "id=m0,mem-path=$D/pm.img,size=2M,readonly=on,discard-data=on",
        {{"discard-data"}, {"readonly"}});
    row("backend_unknown_option", {}, "id=m0,mem-path=$D/new.img,size=2M,bogus=1", {{"'bogus'"}});
    row("backend_no_id", {}, "mem-path=$D/new.img,size=2M", {{"'id'"}});
    c.push_back({"backend_id_twice",
                 image("pm.img"),
                 {"-kernel", hello, "-object", backend("id=m0,mem-path=$D/pm.img,size=1M,share=on"),
                  "-object", backend("id=m0,mem-path=$D/other.img,size=2M,share=on")},
                 2,
                 {{"m0"}, {"twice"}}});

    // ---- docs/platform.md: bad command lines, briefly ---------------------------------------
    const auto cli = [&](std::string name, std::vector<std::string> args, words_t words,
                         std::function<void(const std::string&)> setup = {}) {
        c.push_back({std::move(name), std::move(setup), with({"-kernel", hello}, args), 2,
                     std::move(words)});
    };
    cli("unknown_option", {"-frobnicate"}, {{"-frobnicate"}});
    cli("unknown_machine", {"-machine", "sifive_u"}, {{"sifive_u"}});
    cli("unknown_machine_option", {"-machine", "virt,colour=red"}, {{"colour"}});
    cli("bad_nvdimm_persistence", {"-machine", "virt,nvdimm-persistence=battery"}, {{"battery"}});
    cli("bad_ram_size", {"-m", "lots"}, {{"-m"}, {"lots"}});
    cli("bad_quantum", {"--quantum", "fast"}, {{"--quantum"}, {"fast"}});
    cli("zero_max_time", {"--max-time", "0s"}, {{"--max-time"}, {"0s"}});
    cli("bad_clock", {"--clock", "3 parsecs"}, {{"--clock"}, {"3 parsecs"}});
    cli("cpi_0", {"--cpi", "0"}, {{"--cpi"}});
    cli("bad_bios", {"-bios", "opensbi.bin"}, {{"-bios"}, {"opensbi.bin"}});
    cli("bad_serial", {"-serial", "tcp:1234"}, {{"-serial"}, {"tcp:1234"}});
    cli("serial_file_in_a_missing_directory", {"-serial", "file:$D/nodir/u.txt"},
        {{"-serial"}, {"$D/nodir/u.txt"}});
    cli("trace_in_a_missing_directory", {"--trace", "$D/nodir/t.txt"},
        {{"--trace"}, {"$D/nodir/t.txt"}});
    cli("dump_acpi_into_a_missing_directory", {"--dump-acpi", "$D/nodir"},
        {{"--dump-acpi"}, {"$D/nodir"}});
    cli("unknown_device", {"-device", "e1000,id=n0"}, {{"e1000"}});
    cli("unknown_object", {"-object", "memory-backend-ram,id=r,size=1M"}, {{"memory-backend-ram"}});
    cli("bad_log_level", {"--log", "cpu=chatty"}, {{"chatty"}});
    cli("stray_argument", {"stray"}, {{"unexpected argument", "stray"}});
    cli("zero_power_fail_time", {"--power-fail-at", "0s"}, {{"--power-fail-at"}, {"0s"}});
    cli("bad_on_power_fail", {"--on-power-fail", "explode"}, {{"--on-power-fail"}, {"explode"}});
    cli("bad_power_fail_policy", {"--power-fail-policy", "random:x"},
        {{"--power-fail-policy"}, {"random:x"}});
    cli("bad_persist_check", {"--persist-check=maybe"}, {{"--persist-check"}, {"maybe"}});
    cli("vcd_without_the_ending", {"--vcd", "$D/w.txt"}, {{"--vcd"}, {"$D/w.txt"}});
    cli("nvdimm_with_a_missing_memdev",
        {"-machine", "virt,nvdimm=on", "-device", "nvdimm,id=nv0,memdev=nope"}, {{"nope"}});
    cli("virtio_pmem_with_a_missing_memdev", {"-device", "virtio-pmem-pci,id=vp0,memdev=nope"},
        {{"nope"}});
    cli("nvdimm_without_nvdimm_on",
        {"-object", backend("id=m0,mem-path=$D/pm.img,size=2M,share=on"), "-device",
         "nvdimm,id=nv0,memdev=m0"},
        {{"nvdimm"}}, image("pm.img"));
    cli("memdev_used_twice",
        {"-machine", "virt,nvdimm=on", "-object",
         backend("id=m0,mem-path=$D/pm.img,size=2M,share=on"), "-device", "nvdimm,id=nv0,memdev=m0",
         "-device", "nvdimm,id=nv1,memdev=m0"},
        {{"m0"}, {"busy"}}, image("pm.img"));
    c.push_back({"no_kernel", {}, {}, 2, {{"-kernel"}}});
    c.push_back({"kernel_without_its_value", {}, {"-kernel"}, 2, {{"kernel"}}});
    c.push_back({"kernel_missing",
                 {},
                 {"-kernel", "$D/missing.elf"},
                 2,
                 {{"$D/missing.elf"}, {"cannot open"}}});
    c.push_back({"kernel_not_an_elf",
                 [](const std::string& d) { write_file(d + "/k.elf", 100, 'x'); },
                 {"-kernel", "$D/k.elf"},
                 2,
                 {{"not an elf"}}});
    c.push_back({"kernel_empty", empty("k.elf"), {"-kernel", "$D/k.elf"}, 2, {{"$D/k.elf"}}});
    c.push_back({"kernel_not_risc_v", {}, {"-kernel", "/bin/true"}, 2, {{"not risc-v"}}});
    c.push_back({"kernel_truncated",
                 [](const std::string& d) {
                     write_bytes(d + "/k.elf", read_file(guest("hello")).substr(0, 2000));
                 },
                 {"-kernel", "$D/k.elf"},
                 2,
                 {{"truncated"}}});
    c.push_back({"kernel_without_loadable_segments",
                 elf_file(make_elf(ram, {})),
                 {"-kernel", "$D/k.elf"},
                 2,
                 {{"segment"}}});
    c.push_back({"kernel_too_big_for_ram",
                 {},
                 {"-kernel", hello, "-m", "1M"},
                 2,
                 {{"segment", "ram", "memory"}}});
    return c;
}

class bad_input : public ::testing::TestWithParam<bad_case> {};

TEST_P(bad_input, ends_cleanly_and_touches_no_file) {
    const bad_case& c = GetParam();
    const std::string dir = make_temp_dir();
    if (c.setup) c.setup(dir);
    const snapshot before = take_snapshot(dir);

    // PMEMVP_BAD_INPUT_BINARY: run the catalogue against another build (e.g. an older one, to
    // see that each case catches what it is meant to).
    const char* other = std::getenv("PMEMVP_BAD_INPUT_BINARY");
    std::vector<std::string> argv = {other && *other ? other : pmemvp_binary()};
    std::string command = "pmemvp";
    for (const auto& a : c.args) {
        argv.push_back(replace_all(a, "$D", dir));
        command += " " + argv.back();
    }
    const run_result r = run_limited(argv, c.limit_s, c.signals);
    std::ostringstream context;
    context << "\n  command: " << command << "\n  status: " << r.status
            << (r.exited ? "" : " (killed by signal " + std::to_string(r.signal) + ")") << ", "
            << r.wall_s << " s wall\n  stderr: " << r.err.substr(0, 2000)
            << "\n  stdout: " << r.out.substr(0, 600);
    const std::string where = context.str();

    ASSERT_FALSE(r.hung) << "still running after " << c.limit_s << " s: killed" << where;
    for (const char* crash :
         {"Segmentation", "AddressSanitizer", "UndefinedBehaviorSanitizer",
          "runtime error:", "terminate called", "bad_alloc", "uncaught exception"})
        EXPECT_EQ(r.err.find(crash), std::string::npos)
            << "stderr shows a crash: '" << crash << "'" << where;
    for (int crash : {SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL})
        EXPECT_NE(r.signal, crash) << "crashed" << where;
    if (c.status != any_status) {
        EXPECT_TRUE(r.exited || c.status == 128 + r.signal) << "killed by a signal" << where;
    }
    if (c.status == any_failure) {
        EXPECT_NE(r.status, 0) << "expected a failure" << where;
        EXPECT_NE(r.status, 124) << "ended by --max-time: the problem went unnoticed" << where;
    } else if (c.status != any_status) {
        EXPECT_EQ(r.status, c.status) << where;
    }
    const std::string err = lower(r.err);
    for (const auto& group : c.words) {
        const bool found = std::any_of(group.begin(), group.end(), [&](const std::string& w) {
            return err.find(lower(replace_all(w, "$D", dir))) != std::string::npos;
        });
        std::string alternatives;
        for (const auto& w : group)
            alternatives +=
                (alternatives.empty() ? "'" : " or '") + replace_all(w, "$D", dir) + "'";
        EXPECT_TRUE(found) << "stderr does not name " << alternatives << where;
    }
    if (c.max_rss_mb) {
        EXPECT_LT(r.max_rss_kb / 1024, c.max_rss_mb) << "peak memory of the run, MiB" << where;
    }

    const snapshot after = take_snapshot(dir, &before);
    for (const auto& problem : compare(before, after, c.may_create))
        ADD_FAILURE() << "file " << problem << where;
    if (c.extra) c.extra(dir, r, where);
    // PMEMVP_BAD_INPUT_VERBOSE: show every case's command line, status and messages.
    if (std::getenv("PMEMVP_BAD_INPUT_VERBOSE")) std::cout << c.name << ":" << where << "\n";
}

INSTANTIATE_TEST_SUITE_P(catalogue, bad_input, ::testing::ValuesIn(all_cases()),
                         [](const ::testing::TestParamInfo<bad_case>& info) {
                             return info.param.name;
                         });

} // namespace
