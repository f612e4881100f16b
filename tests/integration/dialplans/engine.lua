-- engine.lua: the dialplan of calls_lua.sh (the Lua engine end to end).
-- SPDX-License-Identifier: BSD-3-Clause
--
-- The test copies this file and rewrites the VERSION line to tell
-- reloaded versions apart.  The dialled number picks what happens:
--   version  rejects 480 with the reason "dialplan vVERSION"
--   error    fails at run time (the line marked ERROR-LINE)
--   loop     never yields (the runaway limit must stop it)
--   park     answers, sleeps 3 s, hangs up (a reload meanwhile must not
--            touch it: the variable after is set from the old VERSION)
--   load     answers, sleeps 2 s, hangs up (the load test)
-- Every call records the variable version.

VERSION = "1"

function route(call)
	call:set("version", VERSION)
	local to = call.to

	if to == "version" then
		call:reject(480, "dialplan v" .. VERSION)
	elseif to == "error" then
		local t = nil
		call:set("field", t.field)   -- ERROR-LINE
	elseif to == "loop" then
		while true do end
	elseif to == "park" then
		call:answer()
		call:sleep(3000)
		call:set("after", VERSION)
		call:hangup()
	elseif to == "load" then
		call:answer()
		call:sleep(2000)
		call:hangup()
	else
		call:reject(404)
	end
end
