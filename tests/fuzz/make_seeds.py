#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes the synthetic seed inputs of tests/fuzz/corpus/ (small, valid or nearly valid inputs
for each harness). The seeds taken from real runs (a stripped guest ELF, the NFIT and label
areas written by `pmemvp --dump-acpi` and the nvdimm-demo guest) are kept as files and named
real-*; see tests/fuzz/README.md for how they were made. Usage: make_seeds.py [CORPUS_DIR]"""
import os
import struct
import sys

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def put(harness, name, data):
    d = os.path.join(out, harness)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


# --- fuzz_elf: RV64 little-endian executables, one code segment and a .bss
def elf(segments, entry=0x80000000, e_type=2, machine=243, phoff=64):
    """segments: (p_type, paddr, payload, memsz)"""
    phnum = len(segments)
    data_at = phoff + 56 * phnum
    header = b"\x7fELF" + bytes([2, 1, 1, 0]) + bytes(8)
    header += struct.pack("<HHIQQQIHHHHHH", e_type, machine, 1, entry, phoff, 0, 0, 64, 56, phnum, 64, 0, 0)
    phdrs, payloads = b"", b""
    for p_type, paddr, payload, memsz in segments:
        offset = data_at + len(payloads)
        phdrs += struct.pack("<IIQQQQQQ", p_type, 7, offset, paddr, paddr, len(payload), memsz, 8)
        payloads += payload
    return header + phdrs + payloads


code = struct.pack("<4I", 0x00100513, 0x00000597, 0x0000006f, 0x00000013)  # li a0,1; auipc; j .; nop
put("fuzz_elf", "one-segment", elf([(1, 0x80000000, code, len(code))]))
put("fuzz_elf", "code-and-bss", elf([(1, 0x80000000, code, len(code)), (1, 0x80001000, b"", 0x800)]))
put("fuzz_elf", "note-and-load", elf([(4, 0, b"\0" * 8, 8), (1, 0x80000000, code, 0x1000)]))

# --- fuzz_cli: byte 0 picks the parser (0: the whole command line, words split at newlines)
def cli(*words):
    return b"\0" + "\n".join(words).encode()


put("fuzz_cli", "hello", cli("-machine", "virt", "-m", "256M", "-nographic", "-bios", "none", "-kernel", "build/sw/hello.elf"))
put("fuzz_cli", "nvdimm-interleave", cli(
    "-machine", "virt,nvdimm=on,nvdimm-persistence=mem-ctrl", "-m", "256M", "-nographic",
    "-object", "memory-backend-file,id=m0,mem-path=d0.img,size=64M,share=on",
    "-object", "memory-backend-file,id=m1,mem-path=d1.img,size=64M,share=on",
    "-device", "nvdimm,id=nv0,memdev=m0,label-size=128K",
    "-device", "nvdimm,id=nv1,memdev=m1,label-size=128K,badrange=0x2000+0x200:0x8000+0x1000,flush-hints=4",
    "-object", "nvdimm-interleave,id=set0,dimms=nv0:nv1,granularity=4K",
    "-kernel", "nvdimm-demo.elf", "--stats", "stats.json", "--dump-acpi", "demo"))
put("fuzz_cli", "virtio-pmem", cli(
    "-kernel", "virtio-pmem-demo.elf", "-object", "memory-backend-file,id=m0,mem-path=/tmp/vp.img,size=16M,share=on,pmem=on,readonly=off,align=2M,offset=0,prealloc=off,discard-data=off",
    "-device", "virtio-pmem-pci,id=vp0,memdev=m0,memaddr=0x400000000,flush-latency=20us,flush-page-cost=1us"))
put("fuzz_cli", "power-fail", cli(
    "-M", "virt,nvdimm=on", "-kernel", "crash-log.elf", "--power-fail-at", "5ms", "--power-fail-at", "300us",
    "--on-power-fail", "reboot", "--power-fail-policy", "random:42:0.5", "--persist-check", "fail",
    "--quantum", "10us", "--max-time", "1ms", "--clock", "800MHz", "--cpi", "2", "--no-dmi",
    "--log", "nvdimm=debug", "--vcd", "run.vcd", "--trace", "t.log", "-serial", "file:uart.txt"))
put("fuzz_cli", "timing", cli("-kernel", "bench.elf", "--pmem-timing", "optane,read-random=250ns,wpq-depth=64,cpu-cache-ways=8"))
put("fuzz_cli", "timing-help", cli("--pmem-timing", "help,dram"))
put("fuzz_cli", "help", cli("--help"))
put("fuzz_cli", "keyval", b"\x01head,a=x,size=4K,on=yes")
put("fuzz_cli", "size", b"\x020x1000K")
put("fuzz_cli", "seconds", b"\x031.5ms")
put("fuzz_cli", "backend", b"\x04id=m0,mem-path=/tmp/x.img,size=64M,share=on,pmem=on,align=2M,offset=4K")
put("fuzz_cli", "timing-parse", b"\x05nvdimm-n,write-latency=90ns,media-line=256,read-bandwidth=6.6e9")
put("fuzz_cli", "nvdimm", b"\x06id=nv0,memdev=m0,label-size=128K,unarmed=off,slot=3,uuid=77532a72-533e-4f9e-ae7d-d18b4a3182b5,node=0,flush-hints=2,badrange=0x1000+0x200")
put("fuzz_cli", "interleave", b"\x07id=set0,dimms=nv0:nv1:nv2:nv3,granularity=64K")
put("fuzz_cli", "virtio", b"\x08id=vp0,memdev=m0,memaddr=0x400000000,flush-io=thread,shmem=on")
put("fuzz_cli", "policy", b"\x09random:7:0.25")
put("fuzz_cli", "level", b"\x0adebug")
put("fuzz_cli", "named", b"\x0bdram")

# --- fuzz_nfit: a table made here (the real one from pmemvp --dump-acpi is real-NFIT.dat)
PM_GUID = bytes([0x79, 0xD3, 0xF0, 0x66, 0xF3, 0xB4, 0x74, 0x40, 0xAC, 0x43, 0x0D, 0x33, 0x18, 0xB7, 0x8C, 0xDB])


def acpi_table(sig, body):
    t = bytearray(sig + struct.pack("<IBB", 36 + 4 + len(body), 1, 0) + b"PMEMVP" + b"PMEMVPVT" + struct.pack("<I", 1)
                  + b"PMVP" + struct.pack("<I", 1) + bytes(4) + body)
    t[9] = (-sum(t)) & 0xFF
    return bytes(t)


spa = struct.pack("<HHHHII", 0, 56, 1, 0, 0, 0) + PM_GUID + struct.pack("<QQQ", 0x100000000, 0x1000000, 0x8008)
memdev = struct.pack("<HHIHHHHQQQHHHH", 1, 48, 1, 0, 0, 1, 2, 0x1000000, 0, 0, 0, 1, 0, 0)
dcr = struct.pack("<HHHHHHHH", 4, 80, 2, 0x8086, 1, 1, 0, 0) + bytes(8) + struct.pack("<IHH", 0x123456, 0x301, 0) + bytes(80 - 32)
hint = struct.pack("<HHIHHIQQ", 6, 32, 1, 2, 0, 0, 0x10102000, 0x10102008)
idt = struct.pack("<HHHHII", 2, 20, 1, 0, 1, 4096) + struct.pack("<I", 0)
cap = struct.pack("<HHBBHII", 7, 16, 1, 0, 0, 3, 0)
put("fuzz_nfit", "one-dimm", acpi_table(b"NFIT", spa + memdev + dcr + hint + cap))
put("fuzz_nfit", "with-interleave", acpi_table(b"NFIT", spa + memdev[:40] + struct.pack("<HHHH", 1, 1, 0, 0) + dcr + idt))
put("fuzz_nfit", "header-only", acpi_table(b"NFIT", b""))


# --- fuzz_labels: byte 0 picks the area size (512 << n); then the area's first bytes
def fletcher64(b):
    lo = hi = 0
    for i in range(0, len(b) - 3, 4):
        lo = (lo + struct.unpack_from("<I", b, i)[0]) & 0xFFFFFFFF
        hi = (hi + lo) & 0xFFFFFFFF
    return hi << 32 | lo


def label_area(config, label_size, labels):
    def index_size(nslot):
        return (72 + (nslot + 7) // 8 + 255) // 256 * 256
    n = index_size(config // label_size) // 256
    nslot = (config - n * 512) // label_size
    isz = index_size(nslot)
    area = bytearray(2 * isz + len(labels) * label_size)
    for i, seq in ((0, 3), (1, 2)):
        b = bytearray(isz)
        b[0:16] = b"NAMESPACE_INDEX\0"
        b[19] = 1 if label_size == 256 else 0
        struct.pack_into("<IQQQQIHH", b, 20, seq, i * isz, isz, (1 - i) * isz, 2 * isz, nslot, 1, 2 if label_size == 256 else 1)
        for s in range(nslot):
            if not (s < len(labels) and i == 0):
                b[72 + s // 8] |= 1 << (s % 8)
        struct.pack_into("<Q", b, 64, fletcher64(bytes(b)))
        area[i * isz:(i + 1) * isz] = b
    for s, (uuid, name) in enumerate(labels):
        l = bytearray(label_size)
        l[0:16] = uuid
        l[16:16 + len(name)] = name
        struct.pack_into("<IHHQQQQI", l, 80, 0, 1, 0, 0x1234, 512, 0, 0x1000000, s)
        if label_size == 256:
            struct.pack_into("<Q", l, 248, fletcher64(bytes(l)))
        area[2 * isz + s * label_size:2 * isz + (s + 1) * label_size] = l
    return bytes(area)


put("fuzz_labels", "v1.1-one-label", bytes([8]) + label_area(128 * 1024, 128, [(b"U" * 16, b"ns0")]))
put("fuzz_labels", "v1.2-two-labels", bytes([8]) + label_area(128 * 1024, 256, [(b"U" * 16, b"ns0"), (b"V" * 16, b"ns1")]))
put("fuzz_labels", "v1.1-1k-exact", bytes([0]) + label_area(1024, 128, []) + bytes(1024 - len(label_area(1024, 128, []))))
put("fuzz_labels", "v1.2-8M-empty", bytes([14]) + label_area(8 << 20, 256, []))
put("fuzz_labels", "v1.1-8M-one-label", bytes([14 | 0x10]) + label_area(8 << 20, 128, [(b"W" * 16, b"big")]))


# --- fuzz_virtqueue: {log2 size, flags, desc, avail, used} then RAM from its start
def ring(qsize, flags, descs, heads, desc_at=0x0, avail_at=0x400, used_at=0x600, extra=()):
    ram = bytearray(0x1000)
    for i, (addr, length, fl, nxt) in enumerate(descs):
        struct.pack_into("<QIHH", ram, desc_at + 16 * i, 0x80000000 + addr, length, fl, nxt)
    struct.pack_into("<HH", ram, avail_at, 0, len(heads))
    for i, h in enumerate(heads):
        struct.pack_into("<H", ram, avail_at + 4 + 2 * i, h)
    for at, data in extra:
        ram[at:at + len(data)] = data
    return bytes([qsize.bit_length() - 1, flags]) + struct.pack("<HHH", desc_at, avail_at, used_at) + bytes(ram)


put("fuzz_virtqueue", "flush-request", ring(8, 0, [(0x800, 4, 1, 1), (0x900, 4, 2, 0)], [0]))
put("fuzz_virtqueue", "two-requests", ring(8, 0, [(0x800, 4, 1, 1), (0x900, 4, 2, 0), (0x810, 4, 1, 3), (0x910, 4, 2, 0)], [0, 2]))
indirect_table = struct.pack("<QIHH", 0x80000800, 4, 1, 1) + struct.pack("<QIHH", 0x80000900, 4, 2, 0)
put("fuzz_virtqueue", "indirect", ring(8, 1, [(0xc00, 32, 4, 0)], [0], extra=[(0xc00, indirect_table)]))
put("fuzz_virtqueue", "loop", ring(4, 0, [(0x800, 4, 1, 1), (0x900, 4, 1, 0)], [0]))


# --- fuzz_dsm: byte 0: calls - 1; each call {u32 handle, u32 revision, u32 function, arg3}
def dsm(*pages):
    part = max(len(p) for p in pages)
    return bytes([len(pages) - 1]) + b"".join(p.ljust(part, b"\0") for p in pages)


def call(handle, function, arg=b"", revision=1):
    return struct.pack("<III", handle, revision, function) + arg


put("fuzz_dsm", "label-size", dsm(call(1, 4)))
put("fuzz_dsm", "label-read", dsm(call(1, 5, struct.pack("<II", 0, 256))))
put("fuzz_dsm", "label-write-read", dsm(call(2, 6, struct.pack("<II", 256, 16) + b"0123456789abcdef"), call(2, 5, struct.pack("<II", 250, 32))))
put("fuzz_dsm", "smart-query", dsm(call(3, 1), call(3, 0)))
put("fuzz_dsm", "ars", dsm(call(0, 1, struct.pack("<QQ", 0x100000000, 0xe0000)),
                           call(0, 2, struct.pack("<QQH", 0x100000000, 0xe0000, 2)), call(0, 3)))
put("fuzz_dsm", "ars-interleaved-clear", dsm(call(0, 2, struct.pack("<QQH", 0x140000000, 0x1c0000, 2)),
                                             call(0, 4, struct.pack("<QQ", 0x140000000, 0x1000)), call(0, 3)))
