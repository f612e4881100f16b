-- dialplan.lua: the dialplan of the benchmarks (tests/bench/run).
-- SPDX-License-Identifier: BSD-3-Clause
--
-- Every caller, authenticated or not, is put through to the dialled
-- extension; a dial that does not end answered is rejected with the
-- matching SIP code, so that SIPp counts the call as failed.
--
-- parkN (fig_memory.sh): a parked call.  The script waits N seconds
-- (at most 600) in call:sleep without answering: the caller has the
-- 183 of every INVITE and ends the call with CANCEL; a call still
-- there after N s is rejected 480.

local codes = {
	busy = {486, "Busy Here"},
	noanswer = {480, "No Answer"},
	unavailable = {480, "Temporarily Unavailable"},
	declined = {603, "Declined"},
}

function route(call)
	local park = call.to:match("^park(%d+)$")
	if park then
		call:sleep(math.min(tonumber(park), 600) * 1000)
		call:reject(480, "Temporarily Unavailable")
		return
	end
	local res = call:dial(call.to, {timeout = 10})
	if res ~= "answered" then
		local c = codes[res] or {502, "Bad Gateway"}
		call:reject(c[1], c[2])
	end
end
