-- media.lua: the dialplan of media.sh.
-- SPDX-License-Identifier: BSD-3-Clause
--
-- The dialled number picks the test; results go into the call record's
-- variables (cdr.vars), which media.sh reads from SQLite.
--   prompt   answers, plays "welcome", says 42, a beep; hangs up
--   tone     the busy tone for 2 s, hangs up
--   digits   read_digits{max=4, timeout=8000, prompt="enter-pin"},
--            saved as "digits"; says them back; hangs up
--   record   records up to 3 s with a beep first, silence 2 s ends it;
--            "seconds" and "digit"; hangs up
--   recordlong records up to 20 s (the test hangs up meanwhile)
--   interrupt plays a long prompt (moh) interruptible by 5
--   bridge-EXT dials EXT (relay or transcoding, as the codecs say);
--            srtp-EXT offers the callee SRTP
--   echo     answers and waits 8 s (for DTMF events only)

function route(call)
	local to = call.to

	if to == "prompt" then
		call:answer()
		call:play("welcome")
		call:say_number(42)
		call:tone("beep")
		call:hangup()
	elseif to == "tone" then
		call:answer()
		call:tone("busy", 2000)
		call:hangup()
	elseif to == "digits" then
		local d = call:read_digits{max = 4, timeout = 8000,
					   prompt = "enter-pin"}
		call:set("digits", d)
		call:say_digits(d)
		call:hangup()
	elseif to == "record" then
		call:answer()
		local r = call:record("rec/test.wav",
				      {max = 3, silence = 2, beep = true})
		call:set("seconds", tostring(r.seconds))
		call:set("digit", r.digit or "")
		call:hangup()
	elseif to == "recordlong" then
		call:answer()
		call:record("rec/long.wav", {max = 20})
		call:set("after", "returned")
	elseif to == "interrupt" then
		call:answer()
		local d = call:play("moh", {interrupt = "5"})
		call:set("interrupted", d or "no")
		call:hangup()
	elseif to:match("^srtp%-") then
		call:dial(to:sub(6), {timeout = 5, srtp = true})
	elseif to:match("^bridge%-") then
		call:dial(to:sub(8), {timeout = 5})
	elseif to == "echo" then
		call:answer()
		call:sleep(8000)
		call:hangup()
	else
		call:reject(404, "Not Found")
	end
end
