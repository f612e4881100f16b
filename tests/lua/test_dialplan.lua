-- test_dialplan.lua: offline tests of scripts/dialplan.lua (harness.lua).
-- SPDX-License-Identifier: BSD-3-Clause
--
-- Run from anywhere: lua5.4 tests/lua/test_dialplan.lua [DIALPLAN]
-- Prints "ok N - what" per check (TAP) and exits 1 if any failed.

local here = arg[0]:match("^(.*)/[^/]*$") or "."
local H = dofile(here .. "/harness.lua")
local DIALPLAN = arg[1] or here .. "/../../scripts/dialplan.lua"

local USERS = {["1000"] = {name = "Alice"}, ["1001"] = {name = "Bob"},
	["1002"] = {name = "Carol"}}
local n, failed = 0, 0

local function report(ok, what, why)
	n = n + 1
	print((ok and "ok " or "not ok ") .. n .. " - " .. what)
	if not ok then
		failed = failed + 1
		print("# " .. tostring(why):gsub("\n", "\n# "))
	end
end

-- Runs one call through a fresh dialplan on pbx p; checks its actions.
local function case(what, p, call, expected)
	local ok, err = pcall(function()
		local dp = H.load(DIALPLAN, p)
		local done, e = H.run(dp, call)
		if not done then error(e, 0) end
		local same, diff = H.check(call, expected)
		if not same then error(diff, 0) end
	end)
	report(ok, what, err)
end

local function pbx(kv) return H.pbx{users = USERS, kv = kv or {}} end

-- The harness's fake call has no module methods: this one gets
-- call:voicemail and call:voicemail_main, as if the voicemail module
-- were loaded, recorded like its other methods.
-- back: what the menu returns as the number to call back (key 5).
local function with_voicemail(call, back)
	local mt = debug.getmetatable(call)
	local index = mt.__index
	local actions = H.actions(call)
	local vm = {}

	function vm.voicemail(_, box, opts)
		table.insert(actions, table.pack("voicemail", box, opts))
		return true, 1
	end
	function vm.voicemail_main(_, box)
		table.insert(actions, table.pack("voicemail_main", box))
		return true, back
	end
	mt.__index = function(t, k) return vm[k] or index(t, k) end
	return call
end

case("an extension is dialled for 30 s",
	pbx(), H.call{from = "1000", to = "1001", user = "1000"},
	{{"dial", "1001", {timeout = 30}}})

case("a trunk (no login) may dial an extension",
	pbx(), H.call{from = "0301234567", to = "1001"},
	{{"dial", "1001"}})

case("an unknown number gets 404",
	pbx(), H.call{from = "1000", to = "4711", user = "1000"},
	{{"reject", 404}})

case("busy gets 486", pbx(),
	H.call{from = "1000", to = "1001", user = "1000", dial = {"busy"}},
	{{"dial", "1001"}, {"reject", 486}})

case("no answer gets 480", pbx(),
	H.call{from = "1000", to = "1001", user = "1000",
		dial = {"noanswer"}},
	{{"dial", "1001"}, {"reject", 480}})

case("unavailable gets 480", pbx(),
	H.call{from = "1000", to = "1001", user = "1000",
		dial = {"unavailable"}},
	{{"dial", "1001"}, {"reject", 480}})

case("do-not-disturb gets 486 without ringing",
	pbx{dnd = {["1001"] = "on"}},
	H.call{from = "1000", to = "1001", user = "1000"},
	{{"reject", 486}})

case("a caller hanging up while it rings ends the script quietly",
	pbx(), H.call{from = "1000", to = "1001", user = "1000",
		hangup_at = "dial"},
	{{"dial", "1001"}})

-- forwarding: *72 sets it, calls follow it, *73 clears it
do
	local p = pbx()
	case("*721002 is confirmed", p,
		H.call{from = "1001", to = "*721002", user = "1001"},
		{{"answer"}, {"sleep", 500}, {"hangup"}})
	report(p.kv.forward and p.kv.forward["1001"] == "1002",
		"*721002 stores the forward of the caller's own extension",
		"kv forward: " .. tostring(p.kv.forward and
			p.kv.forward["1001"]))
	case("a call to a forwarded extension dials the target", p,
		H.call{from = "1000", to = "1001", user = "1000"},
		{{"dial", "1002", {timeout = 30}}})
	case("*73 is confirmed", p,
		H.call{from = "1001", to = "*73", user = "1001"},
		{{"answer"}, {"sleep", 500}, {"hangup"}})
	case("after *73 the extension itself rings", p,
		H.call{from = "1000", to = "1001", user = "1000"},
		{{"dial", "1001"}})
end

case("*72 to an unknown extension gets 404", pbx(),
	H.call{from = "1001", to = "*729999", user = "1001"},
	{{"reject", 404}})

do
	local p = pbx()
	case("*78 is confirmed", p,
		H.call{from = "1002", to = "*78", user = "1002"},
		{{"answer"}, {"sleep", 500}, {"hangup"}})
	case("after *78 calls get 486", p,
		H.call{from = "1000", to = "1002", user = "1000"},
		{{"reject", 486}})
	case("*79 is confirmed", p,
		H.call{from = "1002", to = "*79", user = "1002"},
		{{"answer"}, {"sleep", 500}, {"hangup"}})
	case("after *79 the extension rings again", p,
		H.call{from = "1000", to = "1002", user = "1000"},
		{{"dial", "1002"}})
end

do
	local p = pbx()
	case("a caller without login cannot use feature codes", p,
		H.call{from = "0301234567", to = "*721000"},
		{{"reject", 403}})
	report(p.kv.forward == nil,
		"... and changes nothing", "kv forward was set")
end

case("an unknown feature code gets 404", pbx(),
	H.call{from = "1000", to = "*99", user = "1000"},
	{{"reject", 404}})

-- voicemail, when the module is loaded
case("busy goes to voicemail with the busy greeting", pbx(),
	with_voicemail(H.call{from = "1000", to = "1001", user = "1000",
		dial = {"busy"}}),
	{{"dial", "1001"}, {"voicemail", "1001", {reason = "busy"}},
		{"hangup"}})

case("no answer goes to voicemail with the unavailable greeting", pbx(),
	with_voicemail(H.call{from = "0301234567", to = "1001",
		dial = {"noanswer"}}),
	{{"dial", "1001"}, {"voicemail", "1001", {reason = "noanswer"}},
		{"hangup"}})

case("unavailable goes to voicemail like no answer", pbx(),
	with_voicemail(H.call{from = "1000", to = "1002", user = "1000",
		dial = {"unavailable"}}),
	{{"dial", "1002"}, {"voicemail", "1002", {reason = "noanswer"}},
		{"hangup"}})

case("a forwarded call that is not answered: the called box",
	pbx{forward = {["1001"] = "1002"}},
	with_voicemail(H.call{from = "1000", to = "1001", user = "1000",
		dial = {"noanswer"}}),
	{{"dial", "1002"}, {"voicemail", "1001"}, {"hangup"}})

case("a declined call does not go to voicemail", pbx(),
	with_voicemail(H.call{from = "1000", to = "1001", user = "1000",
		dial = {"declined"}}),
	{{"dial", "1001"}, {"reject", 603}})

case("*97 opens the caller's own mailbox", pbx(),
	with_voicemail(H.call{from = "1001", to = "*97", user = "1001"}),
	{{"voicemail_main", "1001"}, {"hangup"}})

do
	local call = with_voicemail(H.call{from = "1001", to = "*98",
		user = "1001"})
	case("*98 runs the mailbox menu", pbx(), call,
		{{"voicemail_main"}, {"hangup"}})
	local a = H.actions(call)[1]
	report(a and a.n == 2 and a[2] == nil,
		"... without a box: the caller is asked for it",
		"voicemail_main got " .. tostring(a and a[2]))
end

case("*98 works without a login (the PIN protects the box)", pbx(),
	with_voicemail(H.call{from = "0301234567", to = "*98"}),
	{{"voicemail_main", nil}, {"hangup"}})

case("5 in the menu: an extension is called back", pbx(),
	with_voicemail(H.call{from = "1001", to = "*97", user = "1001"},
		"1002"),
	{{"voicemail_main", "1001"}, {"dial", "1002", {timeout = 30}},
		{"hangup"}})

case("5 in the menu: a number outside is not dialled (no trunk)", pbx(),
	with_voicemail(H.call{from = "1001", to = "*97", user = "1001"},
		"0301234567"),
	{{"voicemail_main", "1001"}, {"play", "invalid"}, {"hangup"}})

case("*97 without a login gets 403", pbx(),
	with_voicemail(H.call{from = "0301234567", to = "*97"}),
	{{"reject", 403}})

case("*97 without the voicemail module gets 404", pbx(),
	H.call{from = "1001", to = "*97", user = "1001"},
	{{"reject", 404}})

print(string.format("1..%d", n))
if failed > 0 then
	print(string.format("# %d of %d failed", failed, n))
	os.exit(1)
end
