-- The start of both scripts (store.rs joins it to each): the time on Redis's own clock, and a
-- check that a value read from the account's hash is one a worker could have written.
if redis.replicate_commands then redis.replicate_commands() end
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
-- A number, finite, and before `horizon` (microseconds from now): anything else is garbage
-- (a clock stepped back, a stray write), ignored and then overwritten.
local function sane(value, horizon)
  local n = tonumber(value)
  if n and n == n and n < now + horizon then return n end
  return nil
end
