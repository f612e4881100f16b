-- tls.lua: the dialplan of tls.sh.
-- SPDX-License-Identifier: BSD-3-Clause
--
-- Every call is answered and, half a second later, hung up by pbxd: the
-- test then sees whether pbxd's BYE reaches a caller on SIP/TLS.

function route(call)
	call:answer()
	call:sleep(500)
	call:hangup()
end
