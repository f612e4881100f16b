-- harness.lua: run a pbxd dialplan offline, with a fake pbx and fake calls.
-- SPDX-License-Identifier: BSD-3-Clause
--
-- A dialplan is plain Lua with two inputs, the global `pbx` and the call
-- object route() gets, so it can be tested without pbxd, SIP or audio:
-- give it fakes and look at what it did.  Run with the plain interpreter
-- (lua5.4); tests/lua/test_dialplan.lua is the example.
--
--   local H = dofile("tests/lua/harness.lua")
--   local pbx = H.pbx{users = {["1001"] = {name = "Bob"}},
--                     kv = {dnd = {["1001"] = "on"}}}
--   local dp = H.load("scripts/dialplan.lua", pbx)
--   local call = H.call{from = "1000", to = "1001", user = "1000",
--                       dial = {"busy"}}
--   H.run(dp, call)                      --> true, or false and an error
--   H.check(call, {{"reject", 486}})     --> true, or false and a diff
--
-- H.pbx{users, kv, contacts}: a fake `pbx` table.  users: ext -> {name,
--   email, has_pin}; kv: ns -> {key -> value} (the table is used live,
--   so tests can read it afterwards); contacts: ext -> list.  pbx.log
--   and print append "level message" to pbx.logged; pbx.on stores the
--   handler in pbx.handlers[event] (call H.emit(pbx, name, fields)).
-- H.load(path, pbx): loads the dialplan in a fresh environment with the
--   libraries pbxd gives it (no io, os.execute, require, debug ...) and
--   returns that environment.  Errors name file:line, as in pbxd.
-- H.call{...}: a fake call.  Fields as in pbxd (from, to, user, ...,
--   missing ones nil) and read-only.  Options: dial = list of results
--   that successive call:dial() calls return ("answered", "busy", ...,
--   or {result, details}); headers = {Name = value}; hangup_at = a
--   method name: the caller hangs up when the script calls it.  Every
--   method call is recorded: H.actions(call) is the list of {name,
--   args...}, H.vars(call) what call:set() stored.
-- H.run(dp, call): route(call) in a coroutine, as pbxd runs it.  A
--   method that waits may not be used outside it (e.g. in a
--   coroutine.wrap), as in pbxd.  reject()/hangup() and a caller's
--   hang-up end it quietly: they raise pbx.HANGUP, which run() treats
--   as a normal end.  Returns true, or false and the error message.
-- H.check(call, expected): compares call.actions with expected, a list
--   of {name, args...}; only the arguments given are compared, and
--   tables are compared field by field (only fields given).

local H = {}

local HANGUP = setmetatable({}, {
	__tostring = function() return "hangup" end,
})

-- pbx.* ---------------------------------------------------------------------

function H.pbx(opts)
	opts = opts or {}
	local users = opts.users or {}
	local kv = opts.kv or {}
	local contacts = opts.contacts or {}
	local p = {HANGUP = HANGUP, logged = {}, handlers = {}, kv = kv}

	local function log(level, ...)
		local parts = table.pack(...)
		for i = 1, parts.n do parts[i] = tostring(parts[i]) end
		table.insert(p.logged, level .. " " ..
			table.concat(parts, " ", 1, parts.n))
	end

	function p.log(level, ...)
		assert(level == "debug" or level == "info" or level == "warn"
			or level == "error", "bad log level " .. tostring(level))
		log(level, ...)
	end
	p.print = function(...) log("info", ...) end

	function p.user(ext)
		local u = users[tostring(ext)]
		if not u then return nil end
		return {ext = tostring(ext), name = u.name, email = u.email,
			has_pin = u.has_pin or false}
	end

	function p.contacts(ext) return contacts[ext] or {} end

	function p.kv_get(ns, key)
		return kv[ns] and kv[ns][tostring(key)]
	end

	function p.kv_set(ns, key, value)
		kv[ns] = kv[ns] or {}
		kv[ns][tostring(key)] = value ~= nil and tostring(value) or nil
		return true
	end

	function p.now() return os.time() + 0.0 end
	function p.originate(ext, target) return "orig-" .. ext end
	function p.on(event, fn) p.handlers[event] = fn end

	return p
end

function H.emit(p, name, fields)
	local fn = p.handlers[name] or p.handlers["*"]
	if fn then fn(name, fields or {}) end
end

-- loading ---------------------------------------------------------------

local function sandbox(p)
	local env = {}
	for _, k in ipairs{"assert", "error", "ipairs", "next", "pairs",
			"pcall", "rawequal", "rawget", "rawlen", "rawset",
			"select", "setmetatable", "getmetatable", "tonumber",
			"tostring", "type", "xpcall", "collectgarbage",
			"_VERSION"} do
		env[k] = _G[k]
	end
	for _, lib in ipairs{"string", "table", "math", "utf8",
			"coroutine"} do
		env[lib] = _G[lib]
	end
	env.os = {clock = os.clock, date = os.date, time = os.time}
	env.load = function(chunk, name, _, e)
		return load(chunk, name, "t", e or env)
	end
	env.print = p.print
	env.pbx = p
	env._G = env
	return env
end

function H.load(path, p)
	local env = sandbox(p)
	local chunk, err = loadfile(path, "t", env)
	if not chunk then error(err, 0) end
	chunk()
	assert(type(env.route) == "function",
		path .. ": no function route(call) defined")
	return env
end

-- calls -----------------------------------------------------------------

local FIELDS = {"id", "from", "from_name", "from_uri", "to", "to_uri",
	"user", "trunk", "source"}
local WAITS = {answer = true, dial = true, sleep = true, play = true,
	tone = true}
local private = setmetatable({}, {__mode = "k"})  -- call -> test's view

function H.call(o)
	local t = {actions = {}, vars = {}, state = "routing",
		dials = o.dial or {}}
	local fields, methods, call = {}, {}, {}

	for _, k in ipairs(FIELDS) do fields[k] = o[k] end
	fields.id = fields.id or "test-call"

	local function record(name, ...)
		table.insert(t.actions, table.pack(name, ...))
		if t.state == "ended" then error(HANGUP, 0) end
		if WAITS[name] and coroutine.running() ~= t.co then
			error("call methods that wait work only in route() " ..
				"and the functions it calls", 3)
		end
		if o.hangup_at == name then
			t.state = "ended"
			error(HANGUP, 0)
		end
	end

	local function ends(name, ...)
		record(name, ...)
		t.state = "ended"
		error(HANGUP, 0)
	end

	function methods.answer()
		record("answer")
		t.state = "answered"
		return true
	end
	function methods.ring() record("ring") return true end
	function methods.progress() record("progress") return true end
	function methods.sleep(_, ms) record("sleep", ms) end
	function methods.play(_, name) record("play", name) end
	function methods.tone(_, name, ms) record("tone", name, ms) end
	function methods.hangup() ends("hangup") end
	function methods.reject(_, code, reason)
		if math.type(code) ~= "integer" or code < 400 or code > 699 then
			error("call:reject(): a SIP status from 400 to 699 " ..
				"expected", 2)
		end
		ends("reject", code, reason)
	end
	function methods.dial(_, targets, opts)
		record("dial", targets, opts)
		local r = table.remove(t.dials, 1) or "answered"
		if type(r) == "table" then return r[1], r[2] or {} end
		return r, {code = r == "answered" and 200 or 0, duration = 0}
	end
	function methods.set(_, k, v)
		record("set", k, v)
		t.vars[k] = v ~= nil and tostring(v) or nil
	end
	function methods.get(_, k) return t.vars[k] end
	function methods.header(_, name)
		for k, v in pairs(o.headers or {}) do
			if k:lower() == name:lower() then return v end
		end
	end

	setmetatable(call, {
		__index = function(_, k)
			if k == "state" then return t.state end
			return methods[k] or fields[k]
		end,
		__newindex = function()
			error("call fields are read-only (per-call values: " ..
				"call:set(key, value))", 2)
		end,
		__tostring = function() return "call " .. fields.id end,
		__metatable = "pbx.call",
	})
	private[call] = t
	return call
end

-- What the script did: a list of {name, args...}; and its call:set()s.
function H.actions(call) return private[call].actions end
function H.vars(call) return private[call].vars end

function H.run(dp, call)
	local t = private[call]
	t.co = coroutine.create(dp.route)
	local ok, err = coroutine.resume(t.co, call)
	if ok or err == HANGUP then return true end
	return false, tostring(err)
end

-- checking --------------------------------------------------------------

local function show(v)
	if type(v) == "string" then return string.format("%q", v) end
	if type(v) ~= "table" then return tostring(v) end
	local parts = {}
	for k, x in pairs(v) do
		parts[#parts + 1] = tostring(k) .. "=" .. show(x)
	end
	table.sort(parts)
	return "{" .. table.concat(parts, ", ") .. "}"
end

local function matches(want, got)
	if type(want) ~= "table" then return want == got end
	if type(got) ~= "table" then return false end
	for k, v in pairs(want) do
		if not matches(v, got[k]) then return false end
	end
	return true
end

local function list(actions)
	local out = {}
	for i, a in ipairs(actions) do
		local args = {}
		for j = 2, (a.n or #a) do args[#args + 1] = show(a[j]) end
		out[i] = "  " .. a[1] .. "(" .. table.concat(args, ", ") .. ")"
	end
	return table.concat(out, "\n")
end

function H.check(call, expected)
	local got = H.actions(call)
	local ok = #got == #expected
	for i = 1, #expected do
		if not ok then break end
		for j, v in ipairs(expected[i]) do
			if not matches(v, got[i][j]) then ok = false end
		end
	end
	if ok then return true end
	return false, "expected:\n" .. list(expected) .. "\ngot:\n" .. list(got)
end

return H
