-- dialplan.lua: the dialplan of the benchmarks (tests/bench/run).
-- SPDX-License-Identifier: BSD-3-Clause
--
-- Every caller, authenticated or not, is put through to the dialled
-- extension; a dial that does not end answered is rejected with the
-- matching SIP code, so that SIPp counts the call as failed.

local codes = {
	busy = {486, "Busy Here"},
	noanswer = {480, "No Answer"},
	unavailable = {480, "Temporarily Unavailable"},
	declined = {603, "Declined"},
}

function route(call)
	local res = call:dial(call.to, {timeout = 10})
	if res ~= "answered" then
		local c = codes[res] or {502, "Bad Gateway"}
		call:reject(c[1], c[2])
	end
end
