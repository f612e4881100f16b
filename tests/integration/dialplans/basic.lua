-- basic.lua: the dialplan of calls.sh.
-- SPDX-License-Identifier: BSD-3-Clause
--
-- The dialled number picks what happens:
--   an extension ("1001")  rings all its devices for 3 s
--   "hunt"                 rings 1002 for 2 s, then 1001 for 2 s
--   anything else          404
-- Callers that did not authenticate (call.user is nil: not one of our
-- extensions) may call 1001 only; anything else gets 403.  A dial that
-- fails is answered with the matching SIP code.  The call record gets the
-- variables caller (the authenticated extension or "none") and dial (how
-- the dial went).

local codes = {
	busy = {486, "Busy Here"},
	noanswer = {480, "No Answer"},
	unavailable = {480, "Temporarily Unavailable"},
	declined = {603, "Declined"},
	failed = {502, "Bad Gateway"},
}

function route(call)
	call:set("caller", call.user or "none")

	if call.user == nil and call.to ~= "1001" then
		call:reject(403, "Forbidden (unauthenticated)")
		return
	end

	local targets, opts
	if call.to == "hunt" then
		targets, opts = {"1002", "1001"}, {sequential = true, timeout = 2}
	elseif pbx.user(call.to) then
		targets, opts = call.to, {timeout = 3}
	else
		call:reject(404, "Not Found")
		return
	end

	local res = call:dial(targets, opts)
	call:set("dial", res)
	if res ~= "answered" then
		local c = codes[res] or {500, "Server Internal Error"}
		call:reject(c[1], c[2])
	end
end
