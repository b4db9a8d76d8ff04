// SPDX-License-Identifier: Apache-2.0
// Never finishes: for --max-time.
int main(void) {
    for (volatile unsigned long i = 0;; ++i)
        ;
}
