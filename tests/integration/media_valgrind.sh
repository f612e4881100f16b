#!/bin/sh
# media_valgrind.sh: media.sh with pbxd under valgrind: every media path
# (prompts, tones, DTMF, recording, hang-up while recording, opus and
# G.722 transcoding, SRTP, TLS) without memory errors or definite leaks.
# SPDX-License-Identifier: BSD-3-Clause
MEDIA_VALGRIND=1 exec sh "$(dirname "$0")/media.sh"
