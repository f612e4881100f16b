#!/bin/sh
# voicemail_valgrind.sh: voicemail.sh with pbxd under valgrind (leaving
# messages, hang-up mid-recording, the PIN menu, MWI, restart, unload):
# no memory errors, nothing definitely lost.
# SPDX-License-Identifier: BSD-3-Clause
VM_VALGRIND=1 exec sh "$(dirname "$0")/voicemail.sh"
