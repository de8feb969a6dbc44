-- A provider asked to wait (429, Retry-After): no slot of the account before now + ARGV[1]
-- microseconds, for every worker. A longer pause already set is kept. `now` and `sane` come
-- from prelude.lua.
-- KEYS[1]  the account's hash (see reserve.lua)
-- ARGV[2]  the horizon beyond which a stored value is garbage (see reserve.lua)
local pause_until = now + tonumber(ARGV[1])
local horizon = tonumber(ARGV[2])
local state = redis.call('HMGET', KEYS[1], 'tat', 'pause')
local tat = sane(state[1], horizon)
local pause = sane(state[2], horizon)
if pause == nil or pause_until > pause then
  redis.call('HSET', KEYS[1], 'pause', string.format('%.0f', pause_until))
  local last = math.max(pause_until, tat or 0)
  redis.call('PEXPIRE', KEYS[1], math.ceil((last - now) / 1000) + 1000)
end
return 0
