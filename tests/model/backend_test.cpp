// SPDX-License-Identifier: Apache-2.0
#include "pmemvp/backend/file_backend.h"
#include "pmemvp/test/harness.h"
#include "pmemvp/util/config_error.h"

#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <memory>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace pmemvp;
using namespace pmemvp::backend;
using pmemvp::test::expect_report;

namespace {

class backend_test : public ::testing::Test {
protected:
    std::string dir = test::make_temp_dir();
    std::string file = dir + "/pmem.img";

    std::unique_ptr<file_backend> open(const std::string& extra) {
        return std::make_unique<file_backend>(
            file_backend_options::parse("id=m0,mem-path=" + file + (extra.empty() ? "" : ",") +
                                        extra));
    }
    static std::uint64_t file_size(const std::string& path) {
        return std::filesystem::file_size(path);
    }
};

// Reads `length` bytes at `offset` of `path` in a forked child and compares them with
// `expected`: the child shares nothing with our mapping, so a match means the file has them.
bool other_process_sees(const std::string& path, std::uint64_t offset, const std::string& expected) {
    pid_t pid = fork();
    if (pid == 0) {
        int fd = ::open(path.c_str(), O_RDONLY);
        std::string got(expected.size(), '\0');
        ssize_t n = pread(fd, got.data(), got.size(), static_cast<off_t>(offset));
        _exit(n == static_cast<ssize_t>(got.size()) && got == expected ? 0 : 1);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

} // namespace

TEST_F(backend_test, creates_a_missing_file_of_offset_plus_size) {
    auto b = open("size=64K,share=on,offset=8K");
    EXPECT_EQ(file_size(file), 72u * 1024);
    EXPECT_EQ(b->size(), 64u * 1024);
    EXPECT_EQ(b->mode(), sync_mode::msync);
}

TEST_F(backend_test, extends_an_empty_file) {
    test::write_file(file, 0, 0);
    open("size=1M,share=on");
    EXPECT_EQ(file_size(file), 1u << 20);
}

TEST_F(backend_test, rejects_a_non_empty_file_that_is_too_small_and_leaves_it_alone) {
    test::write_file(file, 4096, 0xab);
    try {
        open("size=8K,share=on");
        FAIL() << "no error";
    } catch (const config_error& e) {
        std::string m = e.what();
        EXPECT_NE(m.find("0x1000"), std::string::npos) << m;
        EXPECT_NE(m.find("'size' 0x2000"), std::string::npos) << m;
    }
    EXPECT_EQ(test::read_file(file), std::string(4096, '\xab'));
}

TEST_F(backend_test, never_truncates_a_larger_file) {
    test::write_file(file, 16384, 0x5a);
    {
        auto b = open("size=8K,share=on");
        std::memset(b->data(), 0x11, b->size());
    }
    std::string content = test::read_file(file);
    ASSERT_EQ(content.size(), 16384u);
    EXPECT_EQ(content.substr(0, 8192), std::string(8192, '\x11'));
    EXPECT_EQ(content.substr(8192), std::string(8192, '\x5a'));
}

TEST_F(backend_test, offset_maps_from_that_place_in_the_file) {
    std::string content(16384, '\0');
    content[8192] = 'X';
    test::write_file(file, 0, 0);
    {
        FILE* f = fopen(file.c_str(), "wb");
        fwrite(content.data(), 1, content.size(), f);
        fclose(f);
    }
    auto b = open("size=8K,offset=8K,share=on");
    EXPECT_EQ(b->data()[0], 'X');
}

TEST_F(backend_test, readonly_opens_without_writing) {
    test::write_file(file, 8192, 0x77);
    auto b = open("size=8K,readonly=on,share=on");
    EXPECT_FALSE(b->writable());
    EXPECT_EQ(b->mode(), sync_mode::none);
    EXPECT_EQ(b->data()[100], 0x77);
    b.reset();
    EXPECT_EQ(test::read_file(file), std::string(8192, '\x77'));
}

TEST_F(backend_test, readonly_never_creates_a_file) {
    EXPECT_THROW(open("size=8K,readonly=on"), config_error);
    EXPECT_FALSE(std::filesystem::exists(file));
}

TEST_F(backend_test, align_places_the_mapping) {
    auto b = open("size=64K,align=2M,share=on");
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(b->data()) % (2u << 20), 0u);
}

TEST_F(backend_test, a_directory_gives_an_unlinked_temporary_file) {
    file = dir;
    auto b = open("size=64K,share=on");
    EXPECT_EQ(b->path().rfind(dir + "/pmemvp_back_mem.m0.", 0), 0u) << b->path();
    EXPECT_TRUE(std::filesystem::is_empty(dir)) << "the temporary file must be unlinked";
    std::memset(b->data(), 1, b->size()); // and usable
}

TEST_F(backend_test, share_off_keeps_guest_writes_out_of_the_file) {
    test::write_file(file, 8192, 0);
    {
        auto b = open("size=8K,share=off");
        EXPECT_EQ(b->mode(), sync_mode::none);
        std::memset(b->data(), 0x42, b->size());
        b->sync();
    }
    EXPECT_EQ(test::read_file(file), std::string(8192, '\0'));
}

TEST_F(backend_test, map_sync_falls_back_with_a_warning_on_a_non_dax_file) {
    expect_report warning(sc_core::SC_WARNING, "MAP_SYNC");
    auto b = open("size=64K,share=on,pmem=on");
    if (b->mode() == sync_mode::map_sync) {
        EXPECT_EQ(warning.count(), 0u) << "a DAX file system needs no warning";
    } else {
        EXPECT_EQ(b->mode(), sync_mode::msync);
        ASSERT_EQ(warning.count(), 1u);
        EXPECT_NE(warning.last_message().find(file), std::string::npos) << "names the file";
        EXPECT_NE(warning.last_message().find("host crashes"), std::string::npos)
            << "names the risk";
    }
}

TEST_F(backend_test, pmem_without_share_never_asks_for_map_sync) {
    expect_report warning(sc_core::SC_WARNING, "MAP_SYNC");
    auto b = open("size=64K,pmem=on");
    EXPECT_EQ(warning.count(), 0u);
    EXPECT_EQ(b->mode(), sync_mode::none);
}

TEST_F(backend_test, persisted_data_is_in_the_file_for_another_process) {
    auto b = open("size=1M,share=on");
    const std::string record = "committed record #1";
    std::memcpy(b->data() + 12345, record.data(), record.size());
    b->persist(12345, record.size());
    EXPECT_EQ(b->persist_calls(), 1u);
    EXPECT_TRUE(other_process_sees(file, 12345, record));
}

long minor_faults() {
    rusage r {};
    getrusage(RUSAGE_SELF, &r);
    return r.ru_minflt;
}

TEST_F(backend_test, prepare_store_makes_the_page_writable_so_the_store_takes_no_fault) {
    test::write_file(file, 16384, 0x5a);
    auto b = open("size=16K,share=on");
    b->prepare_store(4096 + 10);
    EXPECT_EQ(b->data()[4096 + 10], 0x5a) << "preparing changes no byte";
    const long before = minor_faults();
    b->data()[4096 + 10] = 1;
    b->data()[8191] = 2; // the same page
    EXPECT_EQ(minor_faults(), before) << "MADV_POPULATE_WRITE (Linux 5.14) must map the page writable";

    // Written back, the page is write-protected: preparing once more spares the next fault.
    ASSERT_TRUE(b->persist(4096, 1));
    b->prepare_store(4096);
    const long after_persist = minor_faults();
    b->data()[4096] = 3;
    EXPECT_EQ(minor_faults(), after_persist);

    // Without preparing, the store after a persist faults: what the above spares.
    ASSERT_TRUE(b->persist(4096, 1));
    const long unprepared = minor_faults();
    b->data()[4097] = 4;
    EXPECT_GT(minor_faults(), unprepared);
}

TEST_F(backend_test, prepare_store_leaves_read_only_and_out_of_range_alone) {
    test::write_file(file, 8192, 0x11);
    auto b = open("size=8K,readonly=on");
    b->prepare_store(0);
    b->prepare_store(8192);
    b->prepare_store(~0ull);
    EXPECT_EQ(b->data()[0], 0x11);
}

TEST_F(backend_test, clean_shutdown_syncs_everything) {
    const std::string record = "written, never persisted by the guest";
    {
        auto b = open("size=1M,share=on");
        std::memcpy(b->data() + 4096 * 7, record.data(), record.size());
    }
    EXPECT_TRUE(other_process_sees(file, 4096 * 7, record));
}

TEST_F(backend_test, kill_9_after_persist_loses_nothing_persisted) {
    const std::string record = "durable, mapping still open";
    pid_t pid = fork();
    if (pid == 0) {
        auto* b = new file_backend(
            file_backend_options::parse("id=m0,share=on,size=1M,mem-path=" + file));
        std::memcpy(b->data() + 4096, record.data(), record.size());
        b->persist(4096, record.size());
        raise(SIGKILL); // no destructor, no exit handlers
        _exit(4);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status));
    EXPECT_EQ(WTERMSIG(status), SIGKILL);
    EXPECT_TRUE(other_process_sees(file, 4096, record));
}

TEST_F(backend_test, discard_data_drops_the_content_but_keeps_the_file_size) {
    {
        auto b = open("size=64K,share=on,discard-data=on");
        std::memset(b->data(), 0x33, b->size());
    }
    EXPECT_EQ(test::read_file(file), std::string(65536, '\0'));
}

TEST_F(backend_test, prealloc_keeps_the_content) {
    test::write_file(file, 65536, 0x21);
    auto b = open("size=64K,share=on,prealloc=on");
    EXPECT_EQ(b->data()[65535], 0x21);
    b.reset();
    EXPECT_EQ(test::read_file(file), std::string(65536, '\x21'));
}

// Every option error names the option at fault.
struct bad_input {
    const char* options; // appended to "id=m0,"; @ stands for a fresh file path
    const char* names;   // must appear in the message
};

class backend_bad_input : public ::testing::TestWithParam<bad_input> {};

TEST_P(backend_bad_input, message_names_the_option) {
    std::string dir = test::make_temp_dir();
    std::string text = std::string("id=m0,") + GetParam().options;
    for (auto at = text.find('@'); at != std::string::npos; at = text.find('@'))
        text.replace(at, 1, dir + "/f.img");
    if (std::string(GetParam().options).find("small") != std::string::npos)
        test::write_file(dir + "/small.img", 4096, 1);
    for (auto at = text.find("small"); at != std::string::npos; at = std::string::npos)
        text.replace(at, 5, dir + "/small.img");
    try {
        file_backend b(file_backend_options::parse(text));
        FAIL() << "accepted: " << text;
    } catch (const config_error& e) {
        EXPECT_NE(std::string(e.what()).find(GetParam().names), std::string::npos)
            << "message: " << e.what();
    }
}

INSTANTIATE_TEST_SUITE_P(
    table, backend_bad_input,
    ::testing::Values(bad_input{"mem-path=@", "'size'"},                  // missing size
                      bad_input{"mem-path=@,size=0", "'size'"},
                      bad_input{"mem-path=@,size=12Q", "'size'"},
                      bad_input{"mem-path=@,size=1000", "'size'"},        // not a page multiple
                      bad_input{"mem-path=@,size=4K,size=8K", "'size'"},
                      bad_input{"size=64K", "'mem-path'"},
                      bad_input{"mem-path=/nonexistent/dir/f.img,size=64K", "'mem-path'"},
                      bad_input{"mem-path=@,size=64K,readonly=on", "'mem-path'"},
                      bad_input{"mem-path=small,size=64K", "'size'"},
                      bad_input{"mem-path=@,size=64K,align=3000", "'align'"},
                      bad_input{"mem-path=@,size=64K,align=2K", "'align'"},
                      bad_input{"mem-path=@,size=64K,offset=100", "'offset'"},
                      bad_input{"mem-path=@,size=64K,offset=x", "'offset'"},
                      bad_input{"mem-path=@,size=64K,share=maybe", "'share'"},
                      bad_input{"mem-path=@,size=64K,pmem=2", "'pmem'"},
                      bad_input{"mem-path=@,size=64K,readonly=x", "'readonly'"},
                      bad_input{"mem-path=@,size=64K,prealloc=x", "'prealloc'"},
                      bad_input{"mem-path=@,size=64K,discard-data=x", "'discard-data'"},
                      bad_input{"mem-path=@,size=64K,readonly=on,discard-data=on",
                                "'discard-data'"},
                      bad_input{"mem-path=@,size=64K,bogus=1", "'bogus'"}));

// A start that fails leaves the file as it was found (issue 11).
TEST_F(backend_test, a_pending_start_that_never_completes_removes_the_file_it_created) {
    {
        auto b = std::make_unique<file_backend>(
            file_backend_options::parse("id=m0,mem-path=" + file + ",size=64K,share=on"),
            file_backend::start::pending);
        EXPECT_TRUE(std::filesystem::exists(file));
    }
    EXPECT_FALSE(std::filesystem::exists(file)) << "created by a start that failed: removed";
}

TEST_F(backend_test, a_pending_start_that_never_completes_shrinks_an_extended_file_back) {
    test::write_file(file, 0, 0);
    {
        file_backend b(file_backend_options::parse("id=m0,mem-path=" + file + ",size=64K,share=on"),
                       file_backend::start::pending);
        EXPECT_EQ(file_size(file), 64u * 1024);
    }
    EXPECT_EQ(file_size(file), 0u);
}

TEST_F(backend_test, a_started_backend_keeps_its_file) {
    {
        file_backend b(file_backend_options::parse("id=m0,mem-path=" + file + ",size=64K,share=on"),
                       file_backend::start::pending);
        b.data()[0] = 'x';
        b.mark_started();
    }
    EXPECT_EQ(file_size(file), 64u * 1024);
    EXPECT_EQ(test::read_file(file)[0], 'x');
}

TEST_F(backend_test, a_failing_constructor_undoes_the_extension) {
    test::write_file(file, 0, 0);
    // The mapping is refused (an align the address space cannot reserve), after the file was
    // extended: the file is empty again.
    EXPECT_THROW(open("size=64K,share=on,align=0x800000000000"), config_error);
    EXPECT_EQ(file_size(file), 0u);
}

TEST_F(backend_test, a_size_beyond_any_host_is_refused_before_anything_is_sized_from_it) {
    try {
        open("size=0x8000000000000000");
        ADD_FAILURE() << "accepted";
    } catch (const config_error& e) {
        EXPECT_NE(std::string(e.what()).find("larger than a host can map"), std::string::npos) << e.what();
    }
    EXPECT_FALSE(std::filesystem::exists(file)) << "nothing created";
    EXPECT_THROW(open("size=64K,offset=0xfffffffffffff000"), config_error);
}

TEST_F(backend_test, a_character_device_cannot_make_data_durable) {
    file_backend b(file_backend_options::parse("id=z,mem-path=/dev/zero,size=64K,share=on"));
    expect_report warning(sc_core::SC_WARNING, "cannot make data durable");
    EXPECT_FALSE(b.persist(0, 64));
    EXPECT_FALSE(b.persist(4096, 64));
    EXPECT_EQ(warning.count(), 1u) << "reported once";
}

TEST_F(backend_test, same_file_compares_device_and_inode) {
    auto b = open("size=64K,share=on");
    std::filesystem::create_hard_link(file, dir + "/link.img");
    struct stat st {};
    ASSERT_EQ(stat((dir + "/link.img").c_str(), &st), 0);
    EXPECT_TRUE(b->same_file(st));
    test::write_file(dir + "/other.img", 4096, 0);
    ASSERT_EQ(stat((dir + "/other.img").c_str(), &st), 0);
    EXPECT_FALSE(b->same_file(st));
}
