-- dialplan.lua: the default dialplan: extensions, forwarding, do-not-disturb.
-- SPDX-License-Identifier: BSD-3-Clause
--
-- pbxd calls route(call) for every new inbound call, each in its own
-- coroutine: methods that wait (answer, dial, sleep) pause this call only;
-- call:reject() and call:hangup() end the script (nothing after them runs).
-- The whole API is in DESIGN.md, "Lua dialplan API".  Edit this file and
-- run `pbxctl dialplan reload` (or send pbxd SIGHUP): calls already
-- running finish on the old version.  Test your changes offline first:
--
--     lua5.4 tests/lua/test_dialplan.lua
--
-- Feature codes, for callers that registered (call.user is set):
--   *72EXT  forward all my calls to extension EXT    *73  stop forwarding
--   *78     do not disturb on                        *79  do not disturb off
-- The settings are kept in pbx.kv_* (SQLite), so they survive restarts.
--
-- With the voicemail module loaded (call.voicemail is then set), a busy
-- or unanswered extension takes a message, and:
--   *97     my own mailbox (login: my PIN)
--   *98     any mailbox (asks for its number, then its PIN); also for
--           callers without a login, as the PIN protects the box
-- In the menu, 5 on a message calls its caller back.

local RING_SECONDS = 30

-- Why a dial failed -> the SIP status the caller gets.
local FAILED = {
	busy = 486,          -- Busy Here
	noanswer = 480,      -- Temporarily Unavailable
	unavailable = 480,
	declined = 603,      -- Decline
	failed = 502,        -- Bad Gateway
}

-- Dial results that go to voicemail (when loaded), and its greeting.
local VOICEMAIL = {
	busy = "busy",
	noanswer = "noanswer",
	unavailable = "noanswer",
}

-- The caller hears the code was taken: answered, a short pause, hang-up.
-- (Voice prompts come with the media part.)
local function confirm(call)
	call:answer()
	call:sleep(500)
	call:hangup()        -- ends the script
end

-- The mailbox menu, then hang up.  box nil: the caller says which.
-- Key 5 on a message ends the menu with the caller's number: ring it
-- back when it is one of ours (numbers outside would need a trunk).
local function mailbox(call, box)
	if not call.voicemail then
		call:reject(404)   -- the voicemail module is not loaded
	end
	local _, back = call:voicemail_main(box)
	if back and pbx.user(back) then
		call:dial(back, {timeout = RING_SECONDS})
	elseif back then
		call:play("invalid")
	end
	call:hangup()
end

local function feature(call, code)
	local me = call.user
	local target = code:match("^%*72(%d+)$")

	if code == "*97" then
		return mailbox(call, me)
	elseif target then
		if not pbx.user(target) then
			call:reject(404, "No Such Extension")
		end
		pbx.kv_set("forward", me, target)
	elseif code == "*73" then
		pbx.kv_set("forward", me, nil)
	elseif code == "*78" then
		pbx.kv_set("dnd", me, "on")
	elseif code == "*79" then
		pbx.kv_set("dnd", me, nil)
	else
		call:reject(404)
	end

	pbx.log("info", me, "used feature code", code)
	confirm(call)
end

local function extension(call, ext)
	if pbx.kv_get("dnd", ext) then
		call:reject(486)
	end

	-- one hop only: a forward is not followed further, so no loops
	local target = pbx.kv_get("forward", ext) or ext
	local result = call:dial(target, {timeout = RING_SECONDS})
	if result == "answered" then
		return
	end

	-- the box of the extension that was called, even when forwarded
	local reason = VOICEMAIL[result]
	if reason and call.voicemail then
		call:voicemail(ext, {reason = reason})
		call:hangup()
	end
	call:reject(FAILED[result] or 480)
end

function route(call)
	local to = call.to or ""

	if to == "*98" then
		return mailbox(call, nil)
	end

	if to:sub(1, 1) == "*" then
		if not call.user then
			call:reject(403)   -- feature codes need a login
		end
		return feature(call, to)
	end

	if pbx.user(to) then
		return extension(call, to)
	end

	call:reject(404)
end
