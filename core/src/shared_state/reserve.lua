-- One step of GCRA with no burst tolerance (the virtual-scheduling form): each request of
-- the account gets the first free slot `interval` after the previous one, and none before a
-- pause the provider asked for. Reserving the slot and reading the clock happen in one
-- atomic step on Redis's own clock (TIME), so workers on machines whose clocks disagree
-- still share one schedule. Times are microseconds; `now` and `sane` come from prelude.lua.
--
-- KEYS[1]  the account's hash: `tat` (theoretical arrival time: the next free slot) and
--          `pause` (no slot before it)
-- ARGV[1]  the interval between slots (0: no rate limit, only pauses apply)
-- ARGV[2]  the longest wait the caller accepts (-1: no limit)
-- ARGV[3]  no slot before now + this (after a worker sent by its own limits while Redis was
--          unreachable, so that the shared schedule starts after those requests' second)
-- ARGV[4]  the horizon: a `tat` or `pause` further ahead than this (or not a finite number)
--          cannot have been written by a worker; it is garbage (a clock stepped back, a
--          stray write) and is ignored, then overwritten
-- Returns the wait before the reserved slot, or -1, reserving nothing, when it would be
-- longer than ARGV[2].
local interval = tonumber(ARGV[1])
local max_wait = tonumber(ARGV[2])
local hold = tonumber(ARGV[3])
local horizon = tonumber(ARGV[4])
local state = redis.call('HMGET', KEYS[1], 'tat', 'pause')
local tat = sane(state[1], horizon)
local pause = sane(state[2], horizon)
local slot = now + hold
if tat and tat > slot then slot = tat end
if pause and pause > slot then slot = pause end
local wait = slot - now
if max_wait >= 0 and wait > max_wait then return -1 end
if interval > 0 or hold > 0 then
  local next_slot = slot + interval
  redis.call('HSET', KEYS[1], 'tat', string.format('%.0f', next_slot))
  -- Keep the key as long as it says something, plus a second.
  local last = math.max(next_slot, pause or 0)
  redis.call('PEXPIRE', KEYS[1], math.ceil((last - now) / 1000) + 1000)
end
return wait
