-- A provider asked to wait (429, Retry-After): no slot of the account before now + ARGV[1]
-- microseconds, for every worker. A longer pause already set is kept.
-- KEYS[1]  the account's hash (see reserve.lua)
-- ARGV[2]  the horizon beyond which a stored value is garbage (see reserve.lua)
if redis.replicate_commands then redis.replicate_commands() end
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local pause_until = now + tonumber(ARGV[1])
local horizon = now + tonumber(ARGV[2])
local function sane(value)
  local n = tonumber(value)
  if n and n == n and n < horizon then return n end
  return nil
end
local state = redis.call('HMGET', KEYS[1], 'tat', 'pause')
local tat = sane(state[1])
local pause = sane(state[2])
if pause == nil or pause_until > pause then
  redis.call('HSET', KEYS[1], 'pause', string.format('%.0f', pause_until))
  local last = math.max(pause_until, tat or 0)
  redis.call('PEXPIRE', KEYS[1], math.ceil((last - now) / 1000) + 1000)
end
return 0
