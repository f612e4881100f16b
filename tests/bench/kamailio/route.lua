-- route.lua: the routing decision of the benchmark's Kamailio
-- (kamailio.cfg calls bench_route through app_lua's lua_run for every
-- request that opens a transaction).  Like pbxd's dialplan of the
-- benchmarks: a REGISTER goes to the registrar, an INVITE to the phone
-- registered as the dialled extension, whoever calls.
-- SPDX-License-Identifier: BSD-3-Clause

local function set(name, value)
	KSR.pv.sets("$var(" .. name .. ")", value)
end

function bench_route()
	local method = KSR.pv.get("$rm")
	if method == "REGISTER" then
		set("next", "register")
	elseif method == "INVITE" then
		local user = KSR.pv.get("$rU")
		if user and user:match("^%d+$") then
			set("user", user)
			set("next", "relay")
		else
			set("code", "404")
			set("reason", "No Such Extension")
			set("next", "reject")
		end
	elseif method == "OPTIONS" then
		set("next", "options")
	else
		set("code", "405")
		set("reason", "Method Not Allowed")
		set("next", "reject")
	end
	return 1
end
