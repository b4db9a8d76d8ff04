# Toolchain for pmemvp guest programs: Debian's riscv64-unknown-elf GCC with picolibc.
# Programs are linked for RAM at 0x80000000 (QEMU virt's too): code and read-only data in the
# first 2 MiB, data, heap and a 64 KiB stack in the next 6 MiB. crt0-hosted calls exit(main()),
# which ends in the runtime's _exit: the test finisher.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR riscv64)
set(CMAKE_C_COMPILER riscv64-unknown-elf-gcc)
set(CMAKE_ASM_COMPILER riscv64-unknown-elf-gcc)
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
set(CMAKE_C_FLAGS_INIT "--specs=picolibc.specs -march=rv64imac -mabi=lp64 -mcmodel=medany")
set(CMAKE_ASM_FLAGS_INIT "--specs=picolibc.specs -march=rv64imac -mabi=lp64 -mcmodel=medany")
set(CMAKE_EXE_LINKER_FLAGS_INIT
    "--crt0=hosted -Wl,-e,pmemvp_entry -Wl,--defsym=__flash=0x80000000 -Wl,--defsym=__flash_size=0x200000 \
-Wl,--defsym=__ram=0x80200000 -Wl,--defsym=__ram_size=0x600000 -Wl,--defsym=__stack_size=0x10000")
